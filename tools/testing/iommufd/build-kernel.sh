#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh TARGET - configure (when our fragments changed) and build
# one test kernel out of tree in build/obj-TARGET.
#
#   x86_64        tinyconfig + common + x86_64 fragments
#   x86_64-debug  the same plus KASAN, lockdep, kmemleak (debug fragment)
#   x86_64-type1  x86_64 plus the type1 fragment: /dev/vfio/vfio is vfio's
#                 own container with its type1 IOMMU driver, not ours (for
#                 comparison benchmarks, make bench-vtd)
#   x86_64-base   the base tree as shipped, with its own iommufd and none of
#                 our files or patches (prepare-tree.sh base), configured
#                 like x86_64-type1: the iommufd we replace, built as a
#                 black box for make bench-vtd; its tree and objects are in
#                 build/base-kernel/
#   arm64         tinyconfig + common + arm64 fragments, cross-compiled
#
# IOMMUFD_EXTRA_CONFIG names further fragment files (space separated) that
# are applied last, for local experiments; IOMMUFD_BUILD moves the whole
# build directory (default: build/ in the repository).
#
# The kernel image path is printed on the last line.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
target=${1:?usage: build-kernel.sh x86_64|x86_64-debug|x86_64-type1|x86_64-base|arm64}
cfg=$here/configs

case "$target" in
x86_64)
	arch=x86_64 srcarch=x86 cross= image=arch/x86/boot/bzImage
	frags=("$cfg/common.config" "$cfg/x86_64.config") ;;
x86_64-debug)
	arch=x86_64 srcarch=x86 cross= image=arch/x86/boot/bzImage
	frags=("$cfg/common.config" "$cfg/x86_64.config" "$cfg/debug.config") ;;
x86_64-type1|x86_64-base)
	arch=x86_64 srcarch=x86 cross= image=arch/x86/boot/bzImage
	frags=("$cfg/common.config" "$cfg/x86_64.config" "$cfg/type1.config") ;;
arm64)
	arch=arm64 srcarch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image
	frags=("$cfg/common.config" "$cfg/arm64.config") ;;
*)
	echo "unknown target $target" >&2; exit 2 ;;
esac

# shellcheck disable=SC2206
frags+=(${IOMMUFD_EXTRA_CONFIG:-})

# The base kernel's tree and objects keep the layout of ours one directory
# down, so the relative paths the compiler cache hashes are the same.
[ "$target" != x86_64-base ] || out=$out/base-kernel
# Symbols of our fragments that only our tree has (our additions), or that
# only our tree can enable (DMA_SHARED_BUFFER has no prompt: our IOMMUFD
# selects it, the base tree's does not, nothing else in this config does;
# UDMABUF depends on it): the base kernel is built without them instead of
# failing the check below.
base_lacks="CONFIG_IOMMUFD_NOIOMMU CONFIG_DMA_SHARED_BUFFER CONFIG_UDMABUF"
src=$out/src
obj=$out/obj-$target
mkdir -p "$obj"
# One build per object directory at a time.
exec 9>"$obj/.build-lock"
flock 9
# Paths below the build directory are hashed relative to it, so separate
# build directories share one compiler cache.
export CCACHE_BASEDIR=$out
kmake=(make -s -C "$src" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross"
       CC="ccache ${cross}gcc" -j"$(nproc)")

# tinyconfig = allnoconfig + the generic and per-arch tiny fragments; ours
# come last so they win.
tiny=("$src/kernel/configs/tiny.config")
[ -f "$src/arch/$srcarch/configs/tiny.config" ] &&
	tiny+=("$src/arch/$srcarch/configs/tiny.config")
cat "${tiny[@]}" "${frags[@]}" >"$obj/allconfig.new"
if ! cmp -s "$obj/allconfig.new" "$obj/allconfig" || [ ! -f "$obj/.config" ]; then
	echo "  CONFIG  $target"
	mv "$obj/allconfig.new" "$obj/allconfig"
	"${kmake[@]}" KCONFIG_ALLCONFIG="$obj/allconfig" allnoconfig >/dev/null
	# Every symbol our fragments set must have survived dependency
	# resolution; tinyconfig silently drops what lacks a dependency.  A
	# later fragment overrides an earlier one, so only the last value
	# given for a symbol counts.  "is not set" also holds for a symbol
	# this tree does not have (yet).
	bad=0
	declare -A want=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) want[${line%%=*}]=${line#*=} ;;
		"# CONFIG_"*" is not set") sym=${line#\# } want[${sym%% *}]=n ;;
		esac
	done < <(cat "${frags[@]}")
	for sym in "${!want[@]}"; do
		have=$(grep -E "^$sym=" "$obj/.config" | tail -n1 | cut -d= -f2- || true)
		[ -n "$have" ] || have=n
		# The base tree lacks the symbols of what we add to it
		if [ "$target" = x86_64-base ] &&
		   [[ " $base_lacks " == *" $sym "* ]]; then
			echo "config: $sym is not in the base tree's reach, left out" >&2
			continue
		fi
		if [ "$have" != "${want[$sym]}" ]; then
			echo "config: $sym is '$have', our fragment wants '${want[$sym]}'" >&2
			bad=1
		fi
	done
	if [ $bad != 0 ]; then
		rm -f "$obj/allconfig"
		exit 1
	fi
else
	rm -f "$obj/allconfig.new"
fi

echo "  BUILD   $target"
"${kmake[@]}" all
"${kmake[@]}" headers_install INSTALL_HDR_PATH="$obj/usr" >/dev/null
echo "$obj/$image"
