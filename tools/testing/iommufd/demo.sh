#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make run`: boot the x86-vtd machine and run the demo, printing
# its transcript.  The demo program is demo/demo.c, a userspace driver for
# QEMU's edu device doing DMA through /dev/iommu; it is built statically
# against the uAPI headers installed with the kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
mkdir -p "$out/demo"
gcc -static -O2 -Wall -I"$out/obj-x86_64/usr/include" \
	-o "$out/demo/demo" "$out/src/tools/testing/iommufd/demo/demo.c"
exec "$here/vm-run.sh" --quiet --timeout 300 --demo "$out/demo/demo" x86-vtd
