#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-fuzz.sh ARCH DEST - compile iommufd_fuzz (every .c of this
# directory, as prepare-tree.sh laid them out in build/src) into DEST, a
# static binary for x86_64 or arm64, against the uAPI headers installed by
# build-kernel.sh.  Compiler messages go to DEST.log.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
arch=${1:?usage: build-fuzz.sh x86_64|arm64 DEST}
dest=${2:?usage: build-fuzz.sh x86_64|arm64 DEST}

cc=gcc obj=$out/obj-x86_64
if [ "$arch" = arm64 ]; then
	cc=aarch64-linux-gnu-gcc obj=$out/obj-arm64
fi
# The debug kernel installs the same headers; use whichever exists.
[ -d "$obj/usr/include" ] || obj=$out/obj-x86_64-debug
src=$out/src
mkdir -p "$(dirname "$dest")"
$cc -static -O2 -Wall -pthread -I"$obj/usr/include" -I"$src" \
	-o "$dest" "$src"/tools/testing/iommufd/fuzz/*.c >"$dest.log" 2>&1 || {
	cat "$dest.log" >&2
	exit 1
}
