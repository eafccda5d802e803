#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build and the test machines need, from Debian's
# package archive only.  Idempotent: packages already present are skipped,
# so the common case (nothing missing) costs one dpkg query.

set -euo pipefail

pkgs=(
	linux-source-6.12
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
	python3 rsync ccache sparse
	qemu-system-x86 qemu-system-arm qemu-system-data qemu-utils
	# vm-run.sh --qemu packs qemu-system-x86_64 with its firmware
	seabios
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	busybox-static
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	[ "$(id -u)" = 0 ] || { echo "setup: need root for apt-get" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The arm64 machine needs an arm64 busybox: unpack Debian's package into the
# build directory instead of installing a foreign-architecture package.
out=${IOMMUFD_BUILD:-$(cd "$(dirname "$0")/../../.." && pwd)/build}
if [ ! -x "$out/busybox-arm64/bin/busybox" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		apt-get update -qq
	fi
	tmp=$(mktemp -d)
	# apt downloads as the _apt user; let it write here.
	chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"
	(cd "$tmp" && apt-get download -qq busybox-static:arm64 >/dev/null)
	mkdir -p "$out/busybox-arm64"
	dpkg -x "$tmp"/busybox-static_*_arm64.deb "$out/busybox-arm64"
	rm -rf "$tmp"
fi
