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
# With --edu (make bench-vtd) the program maps through the edu device's real
# VT-d domain, ours beside vfio type1's: that runs on the x86-vtd machine
# with the x86_64-type1 kernel (build-kernel.sh x86_64-type1), where
# /dev/vfio/vfio is vfio's own type1 container.
# Example:  run-bench.sh --edu --kinds thp --sizes 256M --reps 1
#
# Environment:
#   IOMMUFD_BUILD  build directory with obj-TARGET (kernel, usr/include)
#   BENCH_TARGET   kernel target (default x86_64; x86_64-type1 with --edu)
#   BENCH_MACHINE  machine (default x86-noiommu; x86-vtd with --edu)
#   BENCH_KERNEL   kernel image (default $IOMMUFD_BUILD/obj-TARGET/arch/x86/boot/bzImage)
#   BENCH_OUT      where the program, the initramfs and the logs go
#                  (default $IOMMUFD_BUILD/bench, $IOMMUFD_BUILD/bench-edu
#                  with --edu)
#   BENCH_MEM      guest memory in MiB (default 4096)
#   BENCH_PROFILE  1: with --edu, also profile the timed calls with the
#                  QEMU plugin in profile/ and print the kernel instructions
#                  per 4 KiB page per function (insnprof-report.py; the
#                  counts stay in $BENCH_OUT/insnprof.counts)
#   BENCH_TIMEOUT  whole-run limit in seconds (default 1800)
#
# The hugetlb pool: iommufd_bench grows the 2 MiB pool itself through sysfs
# before the first buffer is allocated (and shrinks it back at the end).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
build=${IOMMUFD_BUILD:-$top/build}
[ $# -gt 0 ] || set -- --mock-huge --mock-x2
target=x86_64 machine=x86-noiommu work=$build/bench
if [[ " $* " == *" --edu "* ]]; then
	target=x86_64-type1 machine=x86-vtd work=$build/bench-edu
fi
target=${BENCH_TARGET:-$target}
machine=${BENCH_MACHINE:-$machine}
obj=$build/obj-$target
kernel=${BENCH_KERNEL:-$obj/arch/x86/boot/bzImage}
work=${BENCH_OUT:-$work}
mem=${BENCH_MEM:-4096}
timeout=${BENCH_TIMEOUT:-1800}

[ -f "$kernel" ] || { echo "run-bench: no kernel at $kernel" >&2; exit 2; }
mkdir -p "$work"

# uAPI headers: the ones installed with the kernel, else our tree's copy of
# linux/iommufd.h on top of the system headers.
inc=$obj/usr/include
if [ ! -f "$inc/linux/iommufd.h" ]; then
	inc=$work/include
	mkdir -p "$inc/linux"
	cp "$top/include/uapi/linux/iommufd.h" "$inc/linux/iommufd.h"
	echo "run-bench: $obj/usr/include has no linux/iommufd.h," \
		"using $top/include/uapi/linux/iommufd.h" >&2
fi

prog=$work/iommufd_bench
gcc -static -O2 -Wall -I"$inc" -I"$top" -o "$prog" "$here"/*.c

# Boot a private copy: the kernel may be rebuilt while the VM starts.
cp "$kernel" "$work/bzImage"
qemu_args=
report=$here/profile/insnprof-report.py
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
	[[ " $* " == *" --edu "* ]] ||
		{ echo "run-bench: BENCH_PROFILE needs --edu" >&2; exit 2; }
	gcc -O2 -Wall -shared -fPIC -o "$work/insnprof.so" "$here/profile/insnprof.c"
	"$report" markers "$prog" >"$work/insnprof.markers"
	cp "$obj/System.map" "$work/System.map"
	rm -f "$work/insnprof.counts"
	qemu_args="-plugin $work/insnprof.so,markers=$work/insnprof.markers,out=$work/insnprof.counts"
fi
logdir=$work/logs
echo "run-bench: $machine, kernel $kernel, options: --icount $*" >&2
set +e
IOMMUFD_BUILD=$work "$top/tools/testing/iommufd/vm-run.sh" \
	--kernel "$work/bzImage" --icount --mem "$mem" --timeout "$timeout" \
	--logdir "$logdir" --quiet ${qemu_args:+--qemu-args "$qemu_args"} \
	--append "IOMMUFD_BENCH_ARGS=\"--icount $*\"" \
	"$machine" "$prog"
vrc=$?
set -e

log=$logdir/console.log
name=$(basename "$prog")
sed -n "/^### TEST BEGIN $name\$/,/^### TEST END $name rc=/p" "$log" |
	sed '1d;$d' | tee "$work/bench-table.txt"
rc=$(sed -n "s/^### TEST END $name rc=//p" "$log")
if [ -z "$rc" ]; then
	echo "run-bench: the benchmark did not finish (vm-run rc=$vrc); console log: $log" >&2
	tail -n 40 "$log" >&2
	exit 1
elif [ "$rc" != 0 ]; then
	echo "run-bench: the benchmark exited $rc (vm-run rc=$vrc); console log: $log" >&2
	exit 1
fi
[ $vrc = 0 ] || echo "run-bench: note: vm-run.sh reported a problem (rc=$vrc), see $logdir" >&2
if [ -n "$qemu_args" ]; then
	pages=$(sed -n 's/^# \([0-9]*\) pages of 4 KiB mapped.*/\1/p' "$work/bench-table.txt")
	echo
	echo "kernel instructions of the timed calls (all reps, first included):"
	"$report" report "$work/insnprof.markers" "$work/insnprof.counts" \
		"$work/System.map" ${pages:+--pages "$pages"} --top 12
fi
exit 0
