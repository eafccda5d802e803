#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - what `make check` runs: set-up, tree, kernels, static checks,
# test programs, every selected suite on every selected machine, and a
# summary ending in the line "N passed, N failed".
#
# Environment (all optional; the Makefile passes its variables through):
#   MACHINES  machines to boot (default: the six below; x86-vtd-flts and
#             arm64-smmuv3-nested run when named)
#   QEMU      the QEMU version of every machine (10 or 7.2); default: 10,
#             x86-amd 7.2 (see vm-run.sh)
#   SUITES    suites to run (default: all):
#               static    checkpatch, kernel-doc, sparse, W=1, layers, uAPI
#                         ABI; the benchmark and its profiler still build
#                         (they run in make bench and make bench-vtd, not
#                         here)
#               machine   tools/testing/iommufd/machine: the machines themselves
#               iommufd   tools/testing/selftests/iommu: our uAPI selftests
#               edu       tools/testing/iommufd/edu: real DMA by QEMU's edu
#                         device through vfio-pci and /dev/iommu, and through
#                         the legacy VFIO container; on x86-vtd also Debian's
#                         QEMU 7.2 and 10 passing edu through over the legacy
#                         container and QEMU 10 over /dev/iommu, with a
#                         nested guest doing DMA (vm-run.sh --qemu)
#               fuzz      tools/testing/iommufd/fuzz: iommufd_fuzz, random
#                         ioctls from several threads for FUZZ_TIME seconds,
#                         the second half with fault injection, on the
#                         FUZZ_MACHINES only (after the other suites)
#   IOMMUFD_TESTS  extra test executables/directories for every machine
#   FUZZ_SEED      seed of the fuzz suite (default 1: CI stays reproducible;
#                  printed; a failure is repeated with make fuzz SEED=..)
#   FUZZ_TIME      seconds of fuzzing (default 120)
#   FUZZ_FAULTS    percent of failing fault-injection points in the second
#                  half (default 1; 0: none)
#   FUZZ_MACHINES  machines the fuzz suite runs on (default x86-debug)

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
all_machines="x86-noiommu x86-vtd x86-amd arm64-smmuv3 arm64-virtio x86-debug"
machines=${MACHINES:-$all_machines}
suites=${SUITES:-static machine iommufd edu fuzz}
fuzz_seed=${FUZZ_SEED:-1}
fuzz_time=${FUZZ_TIME:-120}
fuzz_faults=${FUZZ_FAULTS:-1}
fuzz_machines=${FUZZ_MACHINES:-x86-debug}
res=$out/results
start=$(date +%s)

rm -rf "$res"
mkdir -p "$res"
has_suite() { [[ " $suites " == *" $1 "* ]]; }
# The static checks alone boot no machine (only the x86_64 kernel is built).
[ "$(echo $suites)" = static ] && machines=
record() { # suite machine name passed failed note
	printf '%s\t%s\t%s\t%d\t%d\t0\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" \
		>>"$res/all.tsv"
}
step() { echo "== $* ($(( $(date +%s) - start ))s)"; }

step setup
"$here/setup.sh" || exit 1
step tree
"$here/prepare-tree.sh" || exit 1

kernel_of() {
	case "$1" in
	arm64-*) echo arm64 ;;
	x86-debug) echo x86_64-debug ;;
	*) echo x86_64 ;;
	esac
}
arch_of() { [ "$1" = arm64 ] && echo arm64 || echo x86_64; }

# Kernels: x86_64 is always built (the static checks use its config).
targets=x86_64
for m in $machines; do
	t=$(kernel_of "$m")
	[[ " $targets " == *" $t "* ]] || targets="$targets $t"
done
declare -A built
for t in $targets; do
	step "kernel $t"
	if "$here/build-kernel.sh" "$t" >"$out/build-$t.log" 2>&1; then
		built[$t]=1
		record build - "kernel-$t" 1 0
	else
		tail -n 30 "$out/build-$t.log"
		record build - "kernel-$t" 0 1 "see build/build-$t.log"
	fi
done

if has_suite static; then
	step "static checks"
	"$here/static-checks.sh" | while IFS=$'\t' read -r _ name p f _ note; do
		record static host "$name" "$p" "$f" "$note"
	done
	bench=$out/src/tools/testing/iommufd/bench
	if [ -n "${built[x86_64]:-}" ] &&
	   gcc -static -O2 -Wall -I"$out/obj-x86_64/usr/include" -I"$out/src" \
		-o "$out/iommufd_bench" "$bench"/*.c >"$out/build-bench.log" 2>&1 &&
	   gcc -O2 -Wall -shared -fPIC -o "$out/insnprof.so" \
		"$bench/profile/insnprof.c" >>"$out/build-bench.log" 2>&1; then
		record static host build:iommufd_bench 1 0
	else
		tail -n 20 "$out/build-bench.log"
		record static host build:iommufd_bench 0 1 "see build/build-bench.log"
	fi
fi

# Test programs, per architecture: build/tests-ARCH/SUITE/PROGRAM.
build_suite() { # suite arch srcdir
	local suite=$1 arch=$2 dir=$3 cc=gcc f prog ok=1
	[ "$arch" = arm64 ] && cc=aarch64-linux-gnu-gcc
	local obj=$out/obj-$( [ "$arch" = arm64 ] && echo arm64 || echo x86_64)
	local dest=$out/tests-$arch/$suite
	mkdir -p "$dest"
	for f in "$dir"/*.c; do
		[ -f "$f" ] || continue
		prog=$dest/$(basename "${f%.c}")
		if ! $cc -static -O2 -Wall -pthread -I"$obj/usr/include" \
			-I"$out/src/tools/testing/selftests" -I"$out/src/tools/include/uapi" \
			-o "$prog" "$f" >"$prog.log" 2>&1; then
			cat "$prog.log"
			record "$suite" "$arch" "compile:$(basename "$f")" 0 1
			ok=0
		fi
	done
	return $((1 - ok))
}
suite_dir() {
	case "$1" in
	machine) echo "$out/src/tools/testing/iommufd/machine" ;;
	iommufd) echo "$out/src/tools/testing/selftests/iommu" ;;
	edu) echo "$out/src/tools/testing/iommufd/edu" ;;
	esac
}

declare -A compiled
for m in $machines; do
	t=$(kernel_of "$m")
	a=$(arch_of "$t")
	if [ -z "${built[$t]:-}" ]; then
		record machine "$m" boot 0 1 "kernel $t did not build"
		continue
	fi
	progs=()
	fuzzing=0
	for s in $suites; do
		[ "$s" = static ] && continue
		# The 6.12 VT-d driver gives iommufd second-stage domains
		# only, which x-flts hardware lacks: no device attaches there
		# (machine_test's iommu_stages asserts it), so no edu suite.
		[ "$m" = x86-vtd-flts ] && [ "$s" = edu ] && continue
		if [ "$s" = fuzz ]; then
			[[ " $fuzz_machines " == *" $m "* ]] || continue
			if [ -z "${compiled[$a/$s]:-}" ]; then
				rm -rf "$out/tests-$a/fuzz"
				"$here/fuzz/build-fuzz.sh" "$a" \
					"$out/tests-$a/fuzz/iommufd_fuzz" ||
					record fuzz "$a" compile:iommufd_fuzz 0 1
				compiled[$a/$s]=1
			fi
			p=$out/tests-$a/fuzz/iommufd_fuzz
			[ -x "$p" ] || continue
			progs+=("$p")
			echo "iommufd_fuzz	fuzz" >>"$res/suite-of"
			fuzzing=1
			continue
		fi
		d=$(suite_dir "$s")
		[ -n "$d" ] && [ -d "$d" ] || continue
		if [ -z "${compiled[$a/$s]:-}" ]; then
			rm -rf "$out/tests-$a/$s"
			build_suite "$s" "$a" "$d"
			compiled[$a/$s]=1
		fi
		for p in "$out/tests-$a/$s"/*; do
			[ -x "$p" ] && [ -f "$p" ] || continue
			progs+=("$p")
			echo "$(basename "$p")	$s" >>"$res/suite-of"
		done
	done
	step "machine $m (${#progs[@]} programs)"
	# vm-run.sh adds $IOMMUFD_TESTS itself.  The debug kernel (KASAN,
	# lockdep) runs the same suites several times slower.
	limit=900
	[ "$m" = x86-debug ] && limit=2400
	# The QEMU client test (edu suite) runs on x86-vtd only: QEMU inside
	# the machine costs a larger initramfs and a minute of TCG.
	vmopts=()
	# x86-vtd also has a second edu device there, into whose BAR the
	# first one DMAs (edu_p2p_test).
	[ "$m" = x86-vtd ] && has_suite edu && vmopts+=(--qemu --second-edu)
	# The fuzzer takes its settings from the kernel command line; its
	# time plus set-up, tear-down and the final checks come on top.  No
	# oops=panic: after an oops the fuzzer still prints the calls that
	# led to it (the oops fails the run all the same).
	if [ $fuzzing = 1 ]; then
		echo "   fuzz: seed $fuzz_seed, ${fuzz_time} s, faults ${fuzz_faults}% in the second half"
		vmopts+=(--oops-continue --append "iommufd_fuzz.seed=$fuzz_seed iommufd_fuzz.time=$fuzz_time iommufd_fuzz.faults=$fuzz_faults iommufd_fuzz.fault_from=50")
		limit=$((limit + fuzz_time + 300))
	fi
	rm -f "$out/logs/$m/results.tsv"
	"$here/vm-run.sh" --quiet --timeout $limit --logdir "$out/logs/$m" \
		"${vmopts[@]}" "$m" "${progs[@]}" 2>&1 | sed 's/^/   /'
	if [ ! -s "$out/logs/$m/results.tsv" ]; then
		record kernel "$m" vm-run 0 1 "vm-run.sh produced no results"
		continue
	fi
	while IFS=$'\t' read -r mm name p f s note; do
		suite=$(awk -F'\t' -v n="$name" '$1 == n { print $2; exit }' \
			"$res/suite-of" 2>/dev/null)
		case "$name" in
		run-completed|kernel-log-clean|kmemleak-clean|kunit:*) suite=kernel ;;
		*) suite=${suite:-extra} ;;
		esac
		[ "$suite" = fuzz ] && note="seed $fuzz_seed${note:+; $note}"
		printf '%s\t%s\t%s\t%d\t%d\t%d\t%s\n' "$suite" "$mm" \
			"$name" "$p" "$f" "$s" "$note" >>"$res/all.tsv"
	done <"$out/logs/$m/results.tsv"
done

step summary
awk -F'\t' '
{ key = $1 " " $2; P[key] += $4; F[key] += $5; S[key] += $6
  if (!(key in seen)) { seen[key] = 1; order[n++] = key }
  if ($5 > 0) fails[nf++] = "  FAILED " $1 " " $2 " " $3 (length($7) ? " (" $7 ")" : "")
  tp += $4; tf += $5; ts += $6 }
END {
  for (i = 0; i < n; i++)
    printf "%-22s %5d passed, %d failed, %d skipped\n", order[i], P[order[i]], F[order[i]], S[order[i]]
  for (i = 0; i < nf; i++) print fails[i]
  printf "%d passed, %d failed\n", tp, tf
  exit tf > 0
}' "$res/all.tsv"
