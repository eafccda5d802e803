#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Produce the kernel source tree we build: Debian's linux-source-6.12 with
# its iommufd implementation and iommu selftests removed, our files laid
# over it and our patch series applied.
#
#   build/base/   pristine base tree, extracted once (never modified)
#   build/stage/  scratch: hard-linked copy of base + overlay + patches
#   build/src/    the tree kbuild sees; synced from stage by content, so
#                 files whose content did not change keep their timestamps
#                 and an edit to one of our files rebuilds only its users.
#
# IOMMUFD_OVERLAY_REF=<git ref> takes our files (and patches) from that
# commit instead of the working tree, e.g. to build HEAD while the working
# tree holds unfinished edits.
#
# prepare-tree.sh base  prepares instead the tree of the x86_64-base kernel
# (make bench-vtd's comparison kernel): the base tree exactly as shipped,
# its own iommufd included, none of our files or patches:
#
#   build/base-kernel/src/  hard-linked copy of build/base plus the base
#                           tree's drivers/iommu/iommufd, extracted from the
#                           tarball by name into the copy (nobody reads it:
#                           clean room, it is only compiled); made once
#
# It sits beside its object directory, build/base-kernel/obj-x86_64-base,
# so the compiler sees the same relative paths as in build/ and every file
# the two trees share is a compiler cache hit.

set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
tarball=/usr/src/linux-source-6.12.tar.xz
# Our files that are laid over the base tree.
overlay_dirs=(Documentation drivers include tools)

mkdir -p "$out"
if [ ! -f "$out/base/.extracted" ]; then
	echo "  EXTRACT $tarball"
	rm -rf "$out/base"
	mkdir -p "$out/base"
	tar -C "$out/base" --strip-components=1 -xJf "$tarball" \
		--exclude='linux-source-6.12/drivers/iommu/iommufd' \
		--exclude='linux-source-6.12/tools/testing/selftests/iommu'
	touch "$out/base/.extracted"
fi

if [ "${1:-}" = base ]; then
	bsrc=$out/base-kernel/src
	[ ! -f "$bsrc/.prepared" ] || exit 0
	echo "  EXTRACT $tarball: the base tree's own iommufd (x86_64-base)"
	rm -rf "$bsrc"
	mkdir -p "$out/base-kernel"
	cp -al "$out/base" "$bsrc"
	rm -f "$bsrc/.extracted"
	# Only this directory: it does not exist in build/base, so no hard
	# link into the pristine tree is written through.
	tar -C "$bsrc" --strip-components=1 -xJf "$tarball" \
		linux-source-6.12/drivers/iommu/iommufd
	touch "$bsrc/.prepared"
	exit 0
fi

rm -rf "$out/stage"
cp -al "$out/base" "$out/stage"
rm -f "$out/stage/.extracted"

from=$top
if [ -n "${IOMMUFD_OVERLAY_REF:-}" ]; then
	from=$out/overlay-ref
	rm -rf "$from"
	mkdir -p "$from"
	git -C "$top" archive "$IOMMUFD_OVERLAY_REF" | tar -x -C "$from"
fi

# The list of our files is kept for the static checks.
for d in "${overlay_dirs[@]}"; do
	[ -d "$from/$d" ] || continue
	(cd "$from" && { [ "$from" = "$top" ] &&
		git ls-files -co --exclude-standard -- "$d" 2>/dev/null ||
		find "$d" -type f; })
done | sort -u >"$out/our-files.new"
while read -r f; do
	[ -f "$from/$f" ] || continue
	mkdir -p "$out/stage/$(dirname "$f")"
	# --remove-destination breaks the hard link instead of writing
	# through it into the pristine base.
	cp --remove-destination "$from/$f" "$out/stage/$f"
done <"$out/our-files.new"
mv "$out/our-files.new" "$out/our-files"

# GNU patch writes each result to a new file, so hard links to base break.
for p in "$from"/patches/*.patch; do
	[ -e "$p" ] || continue
	echo "  PATCH   $(basename "$p")"
	patch -d "$out/stage" -p1 -s --no-backup-if-mismatch <"$p"
done

mkdir -p "$out/src"
# Content-based sync: only files whose bytes differ are rewritten.
rsync -rlc --delete "$out/stage/" "$out/src/"
rm -rf "$out/stage"
