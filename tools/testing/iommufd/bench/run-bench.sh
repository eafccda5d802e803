#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh - build iommufd_bench and run it in a test machine
#
# usage: run-bench.sh [BENCH OPTION...]
#
# Builds iommufd_bench (tools/testing/iommufd/bench/*.c) statically against
# the uAPI headers installed for the kernel in $IOMMUFD_BUILD, boots that
# kernel under QEMU with a deterministic instruction clock (vm-run.sh
# --icount) and prints the benchmark's tables from the console log.  Exits 0
# when the benchmark program exited 0.
#
# BENCH OPTIONs go to iommufd_bench (see iommufd_bench --help); the default
# is "--mock-huge --mock-x2" (every kind and size; no domain, one mock domain,
# one mock domain with the huge IO page size, two mock domains), run on the
# x86-noiommu machine with the x86_64 kernel.
# Example for a quick run:  run-bench.sh --mock-huge --sizes 64M --reps 1
#
# With --edu (make bench-vtd) the program maps through the edu device's
# real VT-d domain on the x86-vtd machine, in two boots: the x86_64-type1
# kernel (our /dev/iommu beside vfio type1's /dev/vfio/vfio) and the
# x86_64-base kernel (the base tree's own iommufd, built unmodified; its
# type1 runs too, as a check that the two boots compare).  bench-report.py
# then prints the tables with the three columns side by side: ours, type1,
# base.  Both boots get 1 GiB hugetlb pages at boot (hugepagesz=1G), which
# this kernel cannot allocate later.
# Example:  run-bench.sh --edu --kinds thp --sizes 256M --reps 1 --scale none
#
# Environment:
#   IOMMUFD_BUILD  build directory with obj-TARGET (kernel, usr/include)
#   BENCH_TARGET   kernel target of the mock mode (default x86_64)
#   BENCH_MACHINE  machine (default x86-noiommu; x86-vtd with --edu)
#   BENCH_KERNEL   kernel image of the mock mode (default
#                  $IOMMUFD_BUILD/obj-TARGET/arch/x86/boot/bzImage)
#   BENCH_KERNELS  with --edu: which boots, of "ours base" (the default)
#   BENCH_OUT      where the program, the initramfs and the logs go
#                  (default $IOMMUFD_BUILD/bench, $IOMMUFD_BUILD/bench-edu
#                  with --edu, one directory per boot below it)
#   BENCH_MEM      guest memory in MiB (default 4096; 5120 with --edu: 2 GiB
#                  of 1 GiB pages, 1 GiB aligned, must fit above the 4 GiB
#                  hole beside what the kernel allocates early)
#   BENCH_1G_PAGES with --edu: 1 GiB hugetlb pages reserved at boot
#                  (default 2, for the 2 GiB rows; 0: none, the hugetlb1g
#                  rows are skipped)
#   BENCH_PROFILE  1: with --edu, also profile the timed calls with the
#                  QEMU plugin in profile/ and print the kernel instructions
#                  per 4 KiB page per step and per function, for each boot
#                  (insnprof-report.py; the counts stay in
#                  $BENCH_OUT/BOOT/insnprof.counts)
#   BENCH_TIMEOUT  limit per boot in seconds (default 1800)
#   QEMU           the QEMU version vm-run.sh runs (10 or 7.2; see there);
#                  the report prints the one each boot ran
#
# The 2 MiB hugetlb pool: iommufd_bench grows it itself through sysfs
# before the first buffer is allocated (and shrinks it back at the end).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
build=${IOMMUFD_BUILD:-$top/build}
[ $# -gt 0 ] || set -- --mock-huge --mock-x2
edu=0
[[ " $* " != *" --edu "* ]] || edu=1
mem=${BENCH_MEM:-$( [ $edu = 1 ] && echo 5120 || echo 4096)}
timeout=${BENCH_TIMEOUT:-1800}
profile=${BENCH_PROFILE:-0}
report=$here/profile/insnprof-report.py
[ "$profile" != 1 ] || [ $edu = 1 ] ||
	{ echo "run-bench: BENCH_PROFILE needs --edu" >&2; exit 2; }

# obj_of BOOT: the object directory of a boot's kernel
obj_of() {
	case "$1" in
	ours) echo "$build/obj-x86_64-type1" ;;
	base) echo "$build/base-kernel/obj-x86_64-base" ;;
	mock) echo "$build/obj-${BENCH_TARGET:-x86_64}" ;;
	*) echo "run-bench: unknown boot $1 (ours, base)" >&2; exit 2 ;;
	esac
}

if [ $edu = 1 ]; then
	boots=${BENCH_KERNELS:-ours base}
	machine=${BENCH_MACHINE:-x86-vtd}
	work=${BENCH_OUT:-$build/bench-edu}
	append="hugepagesz=1G hugepages=${BENCH_1G_PAGES:-2}"
else
	boots=mock
	machine=${BENCH_MACHINE:-x86-noiommu}
	work=${BENCH_OUT:-$build/bench}
	append=
fi
mkdir -p "$work"

# uAPI headers: ours (a superset of the base tree's, binary compatible),
# installed with our kernel, else our tree's copy of linux/iommufd.h on top
# of the system headers.  One program runs in every boot.
inc=$(obj_of "$( [ $edu = 1 ] && echo ours || echo mock)")/usr/include
if [ ! -f "$inc/linux/iommufd.h" ]; then
	inc=$work/include
	mkdir -p "$inc/linux"
	cp "$top/include/uapi/linux/iommufd.h" "$inc/linux/iommufd.h"
	echo "run-bench: no installed linux/iommufd.h, using $top/include/uapi/linux/iommufd.h" >&2
fi
prog=$work/iommufd_bench
gcc -static -O2 -Wall -I"$inc" -I"$top" -o "$prog" "$here"/*.c
if [ "$profile" = 1 ]; then
	gcc -O2 -Wall -shared -fPIC -o "$work/insnprof.so" "$here/profile/insnprof.c"
	"$report" markers "$prog" >"$work/insnprof.markers"
fi

# run_boot BOOT OPTION...: one VM; its output in $work/BOOT (mock: $work)
run_boot() {
	local boot=$1 obj kernel dir qemu_args= vrc rc log name
	shift
	obj=$(obj_of "$boot")
	kernel=${BENCH_KERNEL:-$obj/arch/x86/boot/bzImage}
	[ $edu = 0 ] && dir=$work || dir=$work/$boot
	[ $edu = 0 ] || kernel=$obj/arch/x86/boot/bzImage
	[ -f "$kernel" ] || { echo "run-bench: no kernel at $kernel" >&2; return 2; }
	mkdir -p "$dir"
	# vm-run.sh looks for QEMU=7.2 in its build directory, which is $dir
	for q in "$build"/qemu-*; do
		[ ! -d "$q" ] || [ -e "$dir/${q##*/}" ] || ln -s "$q" "$dir/${q##*/}"
	done
	# Boot a private copy: the kernel may be rebuilt while the VM starts.
	cp "$kernel" "$dir/bzImage"
	if [ "$profile" = 1 ]; then
		cp "$work/insnprof.markers" "$dir/insnprof.markers"
		cp "$obj/System.map" "$dir/System.map"
		rm -f "$dir/insnprof.counts"
		qemu_args="-plugin $work/insnprof.so,markers=$dir/insnprof.markers,out=$dir/insnprof.counts"
	fi
	echo "run-bench: $machine, $boot kernel $kernel, options: --icount $*" >&2
	set +e
	IOMMUFD_BUILD=$dir "$top/tools/testing/iommufd/vm-run.sh" \
		--kernel "$dir/bzImage" --icount --mem "$mem" --timeout "$timeout" \
		--logdir "$dir/logs" --quiet ${qemu_args:+--qemu-args "$qemu_args"} \
		--append "$append IOMMUFD_BENCH_ARGS=\"--icount $*\"" \
		"$machine" "$prog"
	vrc=$?
	set -e
	log=$dir/logs/console.log
	name=$(basename "$prog")
	sed -n "/^### TEST BEGIN $name\$/,/^### TEST END $name rc=/p" "$log" |
		sed '1d;$d' >"$dir/bench-table.txt"
	# The records are for bench-report.py; the rest is worth reading
	if [ $edu = 1 ]; then
		grep -v '^@ ' "$dir/bench-table.txt" | sed "s/^/$boot: /"
	else
		cat "$dir/bench-table.txt"
	fi
	rc=$(sed -n "s/^### TEST END $name rc=//p" "$log")
	if [ -z "$rc" ]; then
		echo "run-bench: the benchmark did not finish (vm-run rc=$vrc); console log: $log" >&2
		tail -n 40 "$log" >&2
		return 1
	elif [ "$rc" != 0 ]; then
		echo "run-bench: the benchmark exited $rc (vm-run rc=$vrc); console log: $log" >&2
		return 1
	fi
	[ $vrc = 0 ] || echo "run-bench: note: vm-run.sh reported a problem (rc=$vrc), see $dir/logs" >&2
	return 0
}

failed=0
for boot in $boots; do
	run_boot "$boot" "$@" || failed=1
done
[ $edu = 1 ] || exit $failed

tables=()
for boot in $boots; do
	[ -s "$work/$boot/bench-table.txt" ] && tables+=("$boot=$work/$boot/bench-table.txt")
done
{
	echo
	# Instruction-time figures depend on the QEMU that ran them: the one
	# vm-run.sh picked (QEMU=10 or 7.2), as it recorded it per boot
	for boot in $boots; do
		echo "QEMU ($boot boot): $(cat "$work/$boot/logs/qemu.version" 2>/dev/null || echo unknown)"
	done
	"$here/bench-report.py" "${tables[@]}"
} | tee "$work/bench-report.txt"
if [ "$profile" = 1 ]; then
	dirs=()
	for boot in $boots; do
		[ -s "$work/$boot/insnprof.counts" ] && dirs+=("$boot=$work/$boot")
	done
	{
		echo
		echo "kernel instructions of the timed calls per step (all reps, first included):"
		"$report" steps "${dirs[@]}"
		for d in "${dirs[@]}"; do
			echo
			echo "=== ${d%%=*}: per function"
			"$report" report "${d#*=}" --top 12
		done
	} | tee "$work/profile-report.txt"
fi
exit $failed
