#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build and the test machines need, from Debian's
# package archive only.  Idempotent: packages already present are skipped,
# so the common case (nothing missing) costs a few dpkg queries.
#
# QEMU: the machines run on QEMU 10 from Debian's bookworm-backports (the
# first QEMU with the native iommufd backend, SMMUv3 stage=nested and VT-d
# first-stage tables), installed system-wide.  The backports suite is enabled
# by a sources entry derived from the machine's own Debian entry (same
# archive and key, suite <codename>-backports), written to
# /etc/apt/sources.list.d/iommufd-backports.sources.  Bookworm's own QEMU 7.2
# is kept unpacked under build/qemu-7.2/ (apt-get download + dpkg -x, never
# installed) for the machines and tests that run it (vm-run.sh QEMU=7.2).
#
# IOMMUFD_QEMU10_LOCAL=1 leaves the system's QEMU alone and unpacks QEMU 10
# under build/qemu-10/ instead (vm-run.sh uses it when the system's QEMU is
# not 10).

set -euo pipefail

out=${IOMMUFD_BUILD:-$(cd "$(dirname "$0")/../../.." && pwd)/build}

pkgs=(
	linux-source-6.12
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
	python3 rsync ccache sparse qemu-utils
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	busybox-static
)
# QEMU 10 comes from backports (below); these are its packages.
qemu_pkgs=(qemu-system-x86 qemu-system-arm qemu-system-data qemu-system-common seabios)

need_root() {
	[ "$(id -u)" = 0 ] || { echo "setup: need root for $1" >&2; exit 1; }
}
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() {
	[ $updated = 1 ] || apt-get update -qq
	updated=1
}
installed_version() { # package -> version or nothing
	dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

missing=()
for p in "${pkgs[@]}"; do
	[ -n "$(installed_version "$p")" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	need_root apt-get
	apt_update
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bookworm-backports: derived from the Debian entry that names the release
# itself (not -updates, not the security archive, which has no backports).
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
bp=$codename-backports
bp_list=/etc/apt/sources.list.d/iommufd-backports.sources
derive_backports() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$bp_list" ] || continue
		# deb822: keep Types, URIs, Components, Signed-By (with its
		# continuation lines) of the first stanza whose Suites name
		# the release; replace the suite.
		awk -v suite="$codename" '
		BEGIN { RS = ""; FS = "\n" }
		{
			suites = ""; keep = ""; cur = 0
			for (i = 1; i <= NF; i++) {
				l = $i
				if (l ~ /^#/) continue
				if (l ~ /^[ \t]/) { if (cur) keep = keep l "\n"; continue }
				cur = 0
				if (l ~ /^Suites:/) { suites = " " substr(l, 8) " "; continue }
				if (l ~ /^(Types|URIs|Components|Signed-By|Architectures):/) {
					keep = keep l "\n"; cur = 1
				}
			}
			gsub(/[ \t]+/, " ", suites)
			if (!done && index(suites, " " suite " ")) {
				printf "%sSuites: %s-backports\n", keep, suite
				done = 1
			}
		}' "$f"
		return
	done
	# one-line format
	awk -v suite="$codename" '$1 == "deb" && $0 !~ /security/ {
		for (i = 2; i < NF; i++) if ($i == suite) {
			$i = suite "-backports"; print; exit } }' \
		/etc/apt/sources.list 2>/dev/null
}
# apt has the suite's index once it was enabled and updated
bp_known() {
	local f
	for f in /var/lib/apt/lists/*_dists_"$bp"_InRelease; do
		[ -f "$f" ] && return 0
	done
	return 1
}
if [ ! -f "$bp_list" ] && [ ! -f "${bp_list%.sources}.list" ] || ! bp_known; then
	entry=$(derive_backports)
	if [ -z "$entry" ]; then
		echo "setup: no Debian $codename entry in the apt sources to derive $bp from" >&2
		exit 1
	fi
	need_root "$bp_list"
	echo "setup: enabling $bp ($bp_list, derived from this machine's Debian entry)"
	case "$entry" in
	deb\ *) bp_list=${bp_list%.sources}.list ;;
	esac
	printf '%s\n' "$entry" >"$bp_list"
	updated=0
	apt_update
fi

# Unpack the named packages (package or package=version) under a directory.
unpack_debs() { # dir pkg...
	local dir=$1 tmp
	shift
	need_root "apt-get download"
	tmp=$(mktemp -d)
	# apt downloads as the _apt user; let it write here.
	chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"
	(cd "$tmp" && apt-get download -qq "$@" >/dev/null)
	rm -rf "$dir.new"
	mkdir -p "$dir.new"
	for f in "$tmp"/*.deb; do
		dpkg -x "$f" "$dir.new"
	done
	rm -rf "$tmp" "$dir"
	mv "$dir.new" "$dir"
}
major() { sed -n 's/^[0-9]*:\{0,1\}\([0-9][0-9]*\)\..*/\1/p'; }

# QEMU 10, system-wide (or under build/qemu-10 with IOMMUFD_QEMU10_LOCAL=1).
archive_versions() { # package major -> the archive's versions of that major, newest first
	apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		while read -r v; do
			[ "$(echo "$v" | major)" = "$2" ] && echo "$v"
		done | sort -V -r || true
}
if [ "${IOMMUFD_QEMU10_LOCAL:-0}" = 1 ]; then
	if [ ! -x "$out/qemu-10/usr/bin/qemu-system-x86_64" ] ||
	   [ ! -f "$out/qemu-10/usr/lib/ipxe/qemu/efi-e1000e.rom" ]; then
		q10_ver=$(archive_versions qemu-system-x86 10 | head -n1)
		echo "setup: unpacking QEMU ${q10_ver:-10} into $out/qemu-10"
		unpack_debs "$out/qemu-10" $(for p in "${qemu_pkgs[@]}"; do
			echo "$p/$bp"; done) ipxe-qemu
	fi
else
	q10_missing=()
	for p in "${qemu_pkgs[@]}"; do
		v=$(installed_version "$p")
		if [ -z "$v" ]; then
			q10_missing+=("$p")
		elif [[ "$p" == qemu-* ]] && [ "$(echo "$v" | major)" -lt 10 ]; then
			q10_missing+=("$p")
		fi
	done
	if [ ${#q10_missing[@]} -gt 0 ]; then
		echo "setup: installing QEMU 10 from $bp (${q10_missing[*]})"
		need_root apt-get
		apt_update
		apt-get install -y -qq --no-install-recommends -t "$bp" \
			"${qemu_pkgs[@]}" >/dev/null
	fi
fi

# QEMU 7.2, bookworm's own, unpacked under build/qemu-7.2: the newest 7.x
# the archive offers for each package.
# An unpacked QEMU finds its firmware relative to its own binary (QEMU is
# relocatable): the network card's ROM from ipxe-qemu must be there too.
if [ ! -x "$out/qemu-7.2/usr/bin/qemu-system-x86_64" ] ||
   [ ! -f "$out/qemu-7.2/usr/lib/ipxe/qemu/efi-e1000e.rom" ]; then
	q72=()
	for p in qemu-system-x86 qemu-system-arm qemu-system-data qemu-system-common; do
		v=$(archive_versions "$p" 7 | head -n1)
		[ -n "$v" ] || { echo "setup: no QEMU 7 of $p in the archive" >&2; exit 1; }
		q72+=("$p=$v")
	done
	# its BIOS, as bookworm has it
	v=$(apt-cache madison seabios | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		sort -V | head -n1)
	q72+=("seabios=$v" ipxe-qemu)
	echo "setup: unpacking QEMU ${q72[0]#*=} into $out/qemu-7.2"
	unpack_debs "$out/qemu-7.2" "${q72[@]}"
fi

# The arm64 machine needs an arm64 busybox: unpack Debian's package into the
# build directory instead of installing a foreign-architecture package.
if [ ! -x "$out/busybox-arm64/bin/busybox" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		apt-get update -qq
	fi
	tmp=$(mktemp -d)
	chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"
	(cd "$tmp" && apt-get download -qq busybox-static:arm64 >/dev/null)
	mkdir -p "$out/busybox-arm64"
	dpkg -x "$tmp"/busybox-static_*_arm64.deb "$out/busybox-arm64"
	rm -rf "$tmp"
fi
