#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# iommufd uAPI ABI conformance check.
#
# usage: abi-check.sh <base-tree> <our-tree>
#
# Each argument is the root of a kernel tree (the header used is
# <root>/include/uapi/linux/iommufd.h) or the path of an iommufd.h itself.
#
# The reference ("base") header is parsed by gen-probe.py, which writes one
# probe program covering every struct/union (size, alignment, and offset,
# size, alignment and type of every member), every named enum's size, every
# enumerator and every object-like macro (ioctl numbers included). The probe
# is built twice, once with each header copied to <dir>/linux/iommufd.h and
# found through -I <dir>; linux/types.h and linux/ioctl.h come from the
# compiler's normal include path (the host's linux-libc-dev, or the cross
# toolchain's sysroot). The two outputs must be identical. Names that only
# our header has are not looked at by this comparison, so extensions are
# allowed; a name of the base header missing from ours fails the build of
# the probe, which fails the test.
#
# ABIs: the native compiler (the probe is run), plus, when they work on this
# host, i386 (gcc -m32) and aarch64 (aarch64-linux-gnu-gcc); for those the
# probe is only compiled to assembly and the values are read from it.
#
# Test 2 checks the required extensions of our header at compile time
# (hw_info in_data_type alias at offset 24, struct size 40, the new
# constants, and that reserved command numbers are not taken by other names).
#
# Test 3 checks what later kernels added (the vIOMMU family) against the
# layout tables of the uAPI additions spec, spec-layouts.txt (made from the
# spec by spec-tables.py): sizes, offsets and types of the new structures,
# command numbers and enum values, in our uapi header and, when the tree
# has it (drivers/iommu/iommufd/iommufd_test.h), in the mock's header.
#
# Output is TAP; the exit status is 0 only if every test passed.
# Environment: CC (native compiler, default gcc), ABI_CHECK_KEEP=1 keeps the
# work directory, ABI_CHECK_CROSS=0 disables the i386/aarch64 passes.

set -u

usage() {
	echo "usage: $0 <base-tree|base-header> <our-tree|our-header>" >&2
	exit 2
}

[ $# -eq 2 ] || usage

here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}

find_header() {
	if [ -f "$1" ]; then
		echo "$1"
	elif [ -f "$1/include/uapi/linux/iommufd.h" ]; then
		echo "$1/include/uapi/linux/iommufd.h"
	else
		echo "abi-check: no iommufd.h under '$1'" >&2
		return 1
	fi
}

base_h=$(find_header "$1") || exit 2
our_h=$(find_header "$2") || exit 2

work=$(mktemp -d "${TMPDIR:-/tmp}/iommufd-abi-check.XXXXXX") || exit 2
if [ "${ABI_CHECK_KEEP:-0}" = 1 ]; then
	echo "# work directory kept: $work"
else
	trap 'rm -rf "$work"' EXIT
fi

mkdir -p "$work/base/linux" "$work/ours/linux"
cp "$base_h" "$work/base/linux/iommufd.h" || exit 2
cp "$our_h" "$work/ours/linux/iommufd.h" || exit 2

CFLAGS_COMMON="-std=gnu11 -O0 -Wall -Werror -Werror=enum-conversion"

echo "1..3"

diag() {
	sed 's/^/# /' "$@"
}

bail() {
	echo "Bail out! $*"
	exit 2
}

python3 "$here/gen-probe.py" probe "$work/base/linux/iommufd.h" \
	> "$work/probe.c" 2> "$work/gen.err" || {
	diag "$work/gen.err"
	bail "cannot parse the base header $base_h"
}
python3 "$here/gen-probe.py" ext "$work/base/linux/iommufd.h" \
	"$work/ours/linux/iommufd.h" > "$work/ext.c" 2> "$work/gen.err" || {
	diag "$work/gen.err"
	bail "cannot parse the headers"
}

# Number of lines a complete probe output has.
expected=$(( $(grep -c '^	P(' "$work/probe.c") + \
	     3 * $(grep -c '^	FIELD(' "$work/probe.c") ))

# ABI table: name, compiler command, mode (run|asm).
abis=("native|$CC|run")
if [ "${ABI_CHECK_CROSS:-1}" != 0 ]; then
	multiarch=$($CC -print-multiarch 2>/dev/null)
	if [ "$multiarch" = x86_64-linux-gnu ]; then
		# The x86 uapi asm headers serve both word sizes.
		abis+=("i386|$CC -m32 -idirafter /usr/include/$multiarch|asm")
	fi
	abis+=("aarch64|aarch64-linux-gnu-gcc|asm")
fi

# probe_one <abi> <cc> <mode> <side>: writes $work/<abi>.<side>.out
probe_one() {
	local abi=$1 cc=$2 mode=$3 side=$4
	local pfx="$work/$abi.$side"

	if [ "$mode" = run ]; then
		# shellcheck disable=SC2086
		$cc $CFLAGS_COMMON -I "$work/$side" "$work/probe.c" \
			-o "$pfx.bin" > "$pfx.err" 2>&1 || return 1
		"$pfx.bin" > "$pfx.raw" 2>> "$pfx.err" || return 1
	else
		# shellcheck disable=SC2086
		$cc $CFLAGS_COMMON -DABI_ASM -I "$work/$side" -S "$work/probe.c" \
			-o "$pfx.s" > "$pfx.err" 2>&1 || return 1
		# .ascii "@@ABI <text> [$#]<number>"  ->  <text> <number>
		local re='^[[:space:]]*\.ascii[[:space:]]*"@@ABI \(.*\) '
		re+='[$#]*\(-\{0,1\}[0-9][0-9]*\)"[[:space:]]*$'
		sed -n "s/$re/\1 \2/p" "$pfx.s" > "$pfx.raw"
	fi
	local n
	n=$(wc -l < "$pfx.raw")
	if [ "$n" -ne "$expected" ]; then
		echo "probe printed $n lines, expected $expected" >> "$pfx.err"
		return 1
	fi
	sed "s/^/$abi: /" "$pfx.raw" > "$pfx.out"
}

# Quick test whether a compiler can build against the uapi headers at all.
abi_usable() {
	local cc=$1
	printf '#include <linux/types.h>\n#include <linux/ioctl.h>\nint x;\n' \
		> "$work/usable.c"
	# shellcheck disable=SC2086
	$cc -S "$work/usable.c" -o /dev/null > /dev/null 2>&1
}

fail1=0
checked=()
: > "$work/all.base"
: > "$work/all.ours"
for entry in "${abis[@]}"; do
	IFS='|' read -r abi cc mode <<< "$entry"
	if [ "$abi" != native ] && ! abi_usable "$cc"; then
		echo "# $abi: skipped (no usable '$cc')"
		continue
	fi
	if ! probe_one "$abi" "$cc" "$mode" base; then
		diag "$work/$abi.base.err"
		if [ "$abi" = native ]; then
			bail "probe does not build/run against the base header"
		fi
		echo "# $abi: skipped (probe does not build against base header)"
		continue
	fi
	if ! probe_one "$abi" "$cc" "$mode" ours; then
		echo "# $abi: probe fails against our header:"
		diag "$work/$abi.ours.err"
		fail1=1
		continue
	fi
	cat "$work/$abi.base.out" >> "$work/all.base"
	cat "$work/$abi.ours.out" >> "$work/all.ours"
	checked+=("$abi")
done

if ! diff -u "$work/all.base" "$work/all.ours" > "$work/abi.diff"; then
	echo "# ABI differences (- base, + ours):"
	diag "$work/abi.diff"
	fail1=1
fi
echo "# compared $expected items per ABI; ABIs: ${checked[*]}"
if [ $fail1 = 0 ]; then
	echo "ok 1 uapi-abi-identical"
else
	echo "not ok 1 uapi-abi-identical"
fi

fail2=0
for entry in "${abis[@]}"; do
	IFS='|' read -r abi cc mode <<< "$entry"
	if [ "$abi" != native ] && ! abi_usable "$cc"; then
		continue
	fi
	# shellcheck disable=SC2086
	if ! $cc $CFLAGS_COMMON -I "$work/ours" -fsyntax-only "$work/ext.c" \
		> "$work/ext.$abi.err" 2>&1; then
		echo "# $abi: extension check failed:"
		diag "$work/ext.$abi.err"
		fail2=1
	fi
done
if [ $fail2 = 0 ]; then
	echo "ok 2 uapi-extensions"
else
	echo "not ok 2 uapi-extensions"
fi

test_h=
if [ -d "$2" ] && [ -f "$2/drivers/iommu/iommufd/iommufd_test.h" ]; then
	cp "$2/drivers/iommu/iommufd/iommufd_test.h" "$work/ours/iommufd_test.h"
	test_h=iommufd_test.h
fi
fail3=0
python3 "$here/gen-probe.py" spec "$here/spec-layouts.txt" $test_h \
	> "$work/spec.c" 2> "$work/gen.err" || {
	diag "$work/gen.err"
	fail3=1
}
for entry in "${abis[@]}"; do
	[ $fail3 = 0 ] || break
	IFS='|' read -r abi cc mode <<< "$entry"
	if [ "$abi" != native ] && ! abi_usable "$cc"; then
		continue
	fi
	# shellcheck disable=SC2086
	if ! $cc $CFLAGS_COMMON -I "$work/ours" -fsyntax-only "$work/spec.c" \
		> "$work/spec.$abi.err" 2>&1; then
		echo "# $abi: layouts differ from the spec:"
		diag "$work/spec.$abi.err"
		fail3=1
	fi
done
echo "# spec layouts: $(grep -c _Static_assert "$work/spec.c") assertions${test_h:+ (with $test_h)}"
if [ $fail3 = 0 ]; then
	echo "ok 3 uapi-spec-layouts"
else
	echo "not ok 3 uapi-spec-layouts"
fi

[ $fail1 = 0 ] && [ $fail2 = 0 ] && [ $fail3 = 0 ]
