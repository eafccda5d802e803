#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-fuzz.sh - what `make fuzz` runs: build the kernel of the machine and
# iommufd_fuzz, then boot the machine once per seed with only the fuzzer.
#
# Environment (the Makefile passes its variables through):
#   SEED      seed, or a space separated list of seeds (one boot each);
#             default: a new random one
#   CALLS     stop after this many calls (over all threads)
#   TIME      stop after this many seconds (default 300 without CALLS)
#   FAULTS    percent of fault-injection points that fail (default 0)
#   FAULT_FROM  percent of the budget to run before faults start (default 0)
#   THREADS   worker threads (default 4)
#   TRACE=1   print every call as it is made (slow; for a VM that dies)
#   LOG       calls printed per thread before a report (default 48)
#   FUZZ_ARGS further iommufd_fuzz.<option>=<value> words
#   MACHINE   default x86-debug
#   KERNEL    boot this kernel image instead of building the machine's
#             (an older build, to see a bug the fuzzer should find)
#   TIMEOUT   VM time limit in seconds (default: from TIME or CALLS)
#
# The machine does not panic on an oops here (vm-run.sh --oops-continue), so
# the fuzzer can print the calls that led to it.  Logs of seed S are in
# build/logs/fuzz-MACHINE-S/.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
h=$(cd "$here/.." && pwd)
top=$(cd "$h/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
machine=${MACHINE:-x86-debug}
seeds=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
calls=${CALLS:-0}
time_s=${TIME:-}
[ -n "$time_s" ] || { [ "$calls" != 0 ] && time_s=0 || time_s=300; }

case "$machine" in
arm64-*) target=arm64 arch=arm64 ;;
x86-debug) target=x86_64-debug arch=x86_64 ;;
*) target=x86_64 arch=x86_64 ;;
esac

kopt=()
if [ -n "${KERNEL:-}" ]; then
	kopt=(--kernel "$(realpath "$KERNEL")")
else
	"$h/build-kernel.sh" "$target" >"$out/build-$target.log" 2>&1 || {
		tail -n 30 "$out/build-$target.log"
		exit 1
	}
fi
prog=$out/tests-$arch/fuzz/iommufd_fuzz
"$here/build-fuzz.sh" "$arch" "$prog" || exit 1

if [ -n "${TIMEOUT:-}" ]; then
	limit=$TIMEOUT
elif [ "$time_s" != 0 ]; then
	limit=$((time_s + 600))
else
	# No time bound: allow for 20 calls/s, far below what even the
	# debug machine does, plus set-up and the final checks.
	limit=$((calls / 20 + 600))
fi

fails=0
for seed in $seeds; do
	args="iommufd_fuzz.seed=$seed iommufd_fuzz.calls=$calls"
	args="$args iommufd_fuzz.time=$time_s"
	args="$args iommufd_fuzz.faults=${FAULTS:-0}"
	args="$args iommufd_fuzz.fault_from=${FAULT_FROM:-0}"
	[ -z "${THREADS:-}" ] || args="$args iommufd_fuzz.threads=$THREADS"
	[ -z "${LOG:-}" ] || args="$args iommufd_fuzz.log=$LOG"
	[ "${TRACE:-0}" = 0 ] || args="$args iommufd_fuzz.trace=1"
	args="$args ${FUZZ_ARGS:-}"
	echo "== fuzz $machine seed $seed (${calls} calls, ${time_s} s, faults ${FAULTS:-0}%)"
	logdir=$out/logs/fuzz-$machine-$seed
	"$h/vm-run.sh" --quiet --oops-continue --timeout "$limit" "${kopt[@]}" \
		--logdir "$logdir" --append "$args" "$machine" "$prog" ||
		fails=$((fails + 1))
	# The fuzzer's own summary: figures and what it found
	sed -n '/^### TEST BEGIN iommufd_fuzz/,/^### TEST END/{
		/^# [0-9]* calls in/p; /^# injected/p; /^# forked/p; /^# end:/p
		/^# userfaultfd page/p; /^not ok/p; /^#   \[/p
	}' "$logdir/console.log"
	echo "   console log: $logdir/console.log"
done
[ $fails = 0 ]
