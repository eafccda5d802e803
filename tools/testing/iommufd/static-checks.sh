#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static-checks.sh - the static checks of `make check`, one result per check
# and file, written as tab-separated lines (static, check:file, passed,
# failed, skipped, note) to stdout:
#   checkpatch   scripts/checkpatch.pl --strict on each of our C files/headers
#   kernel-doc   scripts/kernel-doc -Wall on each of our kernel headers
#   sparse, W=1  every object built from drivers/iommu/iommufd, compiled in a
#                scratch object directory with the x86_64 test configuration
#   layers       drivers/iommu/iommufd/LAYERS: every use between our files
#                (nm of the x86_64 objects, #include lines) goes downward
#                and closes no cycle (layers.py), and a planted upward use
#                is caught (layers.py --selftest)
#   uapi-abi     our uAPI header against the base tree's, byte for byte
# Needs prepare-tree.sh and build-kernel.sh x86_64 to have run.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
src=$out/src
log=$out/logs/static
mkdir -p "$log"

result() { # name ok note
	printf 'static\t%s\t%d\t%d\t0\t%s\n' "$1" "$2" $((1 - $2)) "${3:-}"
}

# Our files as prepare-tree.sh laid them over the base tree; the checks run
# on those copies, so IOMMUFD_OVERLAY_REF applies here too.
cd "$src"
ours=$(grep -E '^(drivers/iommu/iommufd/.*\.[ch]|include/uapi/linux/iommufd\.h|include/linux/iommufd\.h|tools/testing/selftests/iommu/.*\.[ch]|tools/testing/iommufd/.*\.[ch])$' \
	"$out/our-files")

for f in $ours; do
	[ -f "$f" ] || continue
	o=$log/checkpatch-$(echo "$f" | tr / _).txt
	# Userspace test code has no BIT() and its assertion macros use
	# their arguments more than once by design.
	ignore=FILE_PATH_CHANGES,SPDX_LICENSE_TAG
	case "$f" in
	tools/*) ignore=$ignore,BIT_MACRO,MACRO_ARG_REUSE ;;
	esac
	"$src/scripts/checkpatch.pl" --strict --no-tree --show-types -q \
		--ignore "$ignore" -f "$f" >"$o" 2>&1
	if grep -q '^total:' "$o" || grep -qE '^(ERROR|WARNING|CHECK):' "$o"; then
		result "checkpatch:$f" 0 "$(grep -m1 -E '^(ERROR|WARNING|CHECK)' "$o")"
	else
		result "checkpatch:$f" 1
	fi
done

for f in $ours; do
	case "$f" in
	tools/*|*.c) continue ;;
	esac
	o=$log/kernel-doc-$(echo "$f" | tr / _).txt
	"$src/scripts/kernel-doc" -none -Wall "$f" >"$o" 2>&1
	if [ -s "$o" ]; then
		result "kernel-doc:$f" 0 "$(head -n1 "$o")"
	else
		result "kernel-doc:$f" 1
	fi
done

# sparse and W=1 in a scratch object directory, so the real build keeps its
# flags and does not rebuild.
ref=$out/obj-x86_64
chk=$out/obj-check
if [ -f "$ref/.config" ] && grep -q '^CONFIG_IOMMUFD=y' "$ref/.config"; then
	mkdir -p "$chk"
	cmp -s "$ref/.config" "$chk/.config" || cp "$ref/.config" "$chk/.config"
	kmake=(make -s -C "$src" O="$chk" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)")
	CCACHE_BASEDIR=$out "${kmake[@]}" olddefconfig prepare >/dev/null 2>&1
	# C=2 runs sparse on every file, built or not; W=1 warnings only show
	# when the object is compiled, so drop the scratch objects first.
	rm -f "$chk"/drivers/iommu/iommufd/*.o
	CCACHE_BASEDIR=$out "${kmake[@]}" C=2 W=1 drivers/iommu/iommufd/ \
		>"$log/sparse-w1.txt" 2>&1
	for c in drivers/iommu/iommufd/*.c; do
		[ -f "$chk/${c%.c}.o" ] || continue
		base=$(basename "$c")
		sp=$(grep -E "iommufd/$base:[0-9]+:[0-9]+: (warning|error)" \
			"$log/sparse-w1.txt" | grep -v -- '-W' | head -n1)
		w1=$(grep -E "iommufd/$base:[0-9]+:[0-9]+: (warning|error)" \
			"$log/sparse-w1.txt" | grep -- '\[-W' | head -n1)
		result "sparse:$c" "$([ -z "$sp" ] && echo 1 || echo 0)" "$sp"
		result "W=1:$c" "$([ -z "$w1" ] && echo 1 || echo 0)" "$w1"
	done
	# Headers only ever get compiled as part of a .c file.
	for h in drivers/iommu/iommufd/*.h; do
		[ -f "$h" ] || continue
		base=$(basename "$h")
		bad=$(grep -E "iommufd/$base:[0-9]+:[0-9]+: (warning|error)" \
			"$log/sparse-w1.txt" | head -n1)
		result "sparse+W=1:$h" "$([ -z "$bad" ] && echo 1 || echo 0)" "$bad"
	done
fi

# Layers (drivers/iommu/iommufd/LAYERS): every use between our files, from
# the objects of the x86_64 build (which has every option of ours on) and
# the #include lines, goes downward and closes no cycle.  The self-test
# plants an upward call and include and expects the check to name them.
lay=(drivers/iommu/iommufd/LAYERS drivers/iommu/iommufd
     "$out/obj-x86_64/drivers/iommu/iommufd")
python3 "$here/layers.py" "${lay[@]}" >"$log/layers.txt" 2>&1
rc=$?
result "layers:drivers/iommu/iommufd" "$((rc == 0))" \
	"$([ $rc = 0 ] || grep -m1 -E '^(error|upward|cycle|stale)' "$log/layers.txt")"
python3 "$here/layers.py" --selftest "${lay[@]}" >"$log/layers-selftest.txt" 2>&1
rc=$?
result "layers:selftest" "$((rc == 0))" \
	"$([ $rc = 0 ] || head -n1 "$log/layers-selftest.txt")"

"$here/abi-check/abi-check.sh" "$out/base" "$src" >"$log/abi.txt" 2>&1
abi_rc=$?
n=0
while read -r line; do
	case "$line" in
	"ok "*) result "uapi-abi:${line#ok * }" 1; n=$((n + 1)) ;;
	"not ok "*) result "uapi-abi:${line#not ok * }" 0; n=$((n + 1)) ;;
	esac
done <"$log/abi.txt"
[ $n -gt 0 ] || result "uapi-abi:ran" 0 "abi-check.sh exited $abi_rc without results"
