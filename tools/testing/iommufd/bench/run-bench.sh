#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh - build iommufd_bench and run it on the x86-noiommu machine
#
# usage: run-bench.sh [BENCH OPTION...]
#
# Builds tools/testing/iommufd/bench/iommufd_bench.c statically against the
# uAPI headers installed for the kernel in $IOMMUFD_BUILD, boots that kernel
# under QEMU with a deterministic instruction clock (vm-run.sh --icount) and
# prints the benchmark's table from the console log.  Exits 0 when the
# benchmark program exited 0.
#
# BENCH OPTIONs go to iommufd_bench (see iommufd_bench --help); the default
# is "--mock-huge --mock-x2" (every kind and size; no domain, one mock domain,
# one mock domain with the huge IO page size, two mock domains).
# Example for a quick run:  run-bench.sh --mock-huge --sizes 64M --reps 1
#
# Environment:
#   IOMMUFD_BUILD  build directory with obj-x86_64 (kernel, usr/include)
#   BENCH_KERNEL   kernel image (default $IOMMUFD_BUILD/obj-x86_64/arch/x86/boot/bzImage)
#   BENCH_OUT      where the program, the initramfs and the logs go
#                  (default $IOMMUFD_BUILD/bench)
#   BENCH_MEM      guest memory in MiB (default 4096)
#   BENCH_TIMEOUT  whole-run limit in seconds (default 1800)
#
# The hugetlb pool: iommufd_bench grows the 2 MiB pool itself through sysfs
# before the first buffer is allocated (and shrinks it back at the end).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
build=${IOMMUFD_BUILD:-$top/build}
obj=$build/obj-x86_64
kernel=${BENCH_KERNEL:-$obj/arch/x86/boot/bzImage}
work=${BENCH_OUT:-$build/bench}
mem=${BENCH_MEM:-4096}
timeout=${BENCH_TIMEOUT:-1800}
[ $# -gt 0 ] || set -- --mock-huge --mock-x2

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
gcc -static -O2 -Wall -I"$inc" -I"$top" -o "$prog" "$here/iommufd_bench.c"

# Boot a private copy: the kernel may be rebuilt while the VM starts.
cp "$kernel" "$work/bzImage"
logdir=$work/logs
echo "run-bench: kernel $kernel, options: --icount $*" >&2
set +e
IOMMUFD_BUILD=$work "$top/tools/testing/iommufd/vm-run.sh" \
	--kernel "$work/bzImage" --icount --mem "$mem" --timeout "$timeout" \
	--logdir "$logdir" --quiet \
	--append "IOMMUFD_BENCH_ARGS=\"--icount $*\"" \
	x86-noiommu "$prog"
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
exit 0
