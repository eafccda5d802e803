#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh - boot a test machine under QEMU (TCG) and run test programs in it
#
# usage: vm-run.sh [options] MACHINE [TEST...]
#
# MACHINE is one of
#   x86-noiommu   q35, no IOMMU (mock-only tests)
#   x86-vtd       q35 + emulated Intel VT-d (interrupt remapping, scalable mode)
#   x86-amd       q35 + emulated AMD-Vi (interrupt remapping)
#   arm64-smmuv3  aarch64 virt + SMMUv3, GICv3 with ITS
#   arm64-virtio  aarch64 virt + virtio-iommu-pci, GICv3 with ITS
#   x86-debug     x86-noiommu with the debug kernel (KASAN, lockdep, kmemleak)
#   x86-vtd-flts  x86-vtd with first-stage tables and PASID (QEMU 10:
#                 intel-iommu x-flts=on,x-pasid-mode=on)
#   arm64-smmuv3-nested  arm64-smmuv3 asserting an SMMUv3 with both stages
#                 (QEMU 10's virt machine creates it with stage=nested)
# Every machine has QEMU's edu PCI device.
#
# QEMU: every machine but x86-amd runs on QEMU 10 unless $QEMU names another
# version; x86-amd runs on QEMU 7.2: QEMU 10.0's AMD-Vi loses every IO-APIC
# interrupt (README).  x86-vtd runs QEMU 10 with one TCG thread for both
# vCPUs: with a thread per vCPU its guest stopped for good now and then, a
# local APIC timer interrupt left in service with no EOI to come (see
# IOMMUFD_TCG_THREAD below).  The x86 guests that froze under QEMU 10 before
# had miscalibrated their TSC; see tsc_early_khz below.
#   QEMU=10   Debian's bookworm-backports QEMU (setup.sh installs it)
#   QEMU=7.2  bookworm's own QEMU, unpacked under build/qemu-7.2 by setup.sh
#             (or the system's, while that is still 7.2)
# A version is taken from /usr/bin when the system's QEMU is that version,
# else from build/qemu-VERSION/ (setup.sh), with its own firmware (-L) and
# module directory (IOMMUFD_QEMU_BUILD_FIRST=1 prefers build/).  The
# machines that need QEMU 10 refuse QEMU=7.2.
#
# Each TEST is a statically linked executable for the machine's architecture,
# or a directory whose executables all run (in name order).  Further tests
# can be named in $IOMMUFD_TESTS (space separated files or directories), so
# any kselftest binary can be run on any machine.
#
# Options:
#   --kernel PATH   kernel image (default: the harness build for MACHINE)
#   --timeout SEC   whole-run limit, default 900; a timeout is a failure
#   --demo PROG     run PROG as the demo: its output is the transcript
#   --append ARGS   extra kernel command line
#   --mem MB        guest memory (default 3072)
#   --qemu          also pack QEMU 7.2 and QEMU 10 (qemu-system-x86_64) into
#                   the machine, each in /opt/qemu-VERSION/ with the
#                   libraries ldd lists, its TCG accelerator module (7.2)
#                   and firmware, started by the wrapper script
#                   /opt/qemu-VERSION/qemu-system-x86_64, for tests that
#                   run QEMU inside it (x86 machines only); a version that
#                   is not installed (see QEMU above) is left out; the
#                   machine's kernel goes in too, as /opt/nested/bzImage,
#                   for a nested guest
#   --second-edu    a second edu device, at a higher PCI address than the
#                   first (edu_p2p_test: one edu DMAs into the other's BAR;
#                   every other test uses the first, edu_find()); on x86
#                   it sits alone behind a PCIe root port, so that vfio-pci
#                   can reset it (a secondary bus reset)
#   --icount        deterministic guest clock (-icount shift=0,sleep=off):
#                   one nanosecond per executed instruction, for benchmarks
#   --qemu-args ARGS  further QEMU arguments (split at blanks), e.g. a
#                   -plugin for instruction profiles (bench/profile/)
#   --oops-continue  do not panic on an oops (the default is oops=panic):
#                   the fuzzer then sees the report and prints the calls
#                   that led to it before the machine is stopped
#   --logdir DIR    where the console log and results go
#                   (default build/logs/MACHINE)
#   --quiet         do not stream the console, print only the summary
#
# IOMMUFD_TCG_THREAD=single|multi overrides QEMU's TCG threading (default:
# single for x86-vtd and x86-vtd-flts on QEMU 10, QEMU's own default, one
# thread per vCPU, elsewhere).
#
# The run fails (exit 1) on any failed TAP result, any test exiting non-zero
# or not finishing, and any WARNING/BUG/Oops/KASAN/lockdep/kmemleak report in
# the kernel log.  results.tsv in the log directory holds one line per test
# program: machine, test, passed, failed, skipped.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}

kernel= timeout=900 demo= append= logdir= quiet=0 mem=3072 icount=() qemu_args=() with_qemu=0
second_edu=0
oops=panic
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--demo) demo=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--icount) icount=(-icount shift=0,sleep=off); shift ;;
	--qemu-args) read -r -a qemu_args <<<"$2"; shift 2 ;;
	--qemu) with_qemu=1; shift ;;
	--second-edu) second_edu=1; shift ;;
	--oops-continue) oops=; shift ;;
	--logdir) logdir=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h|--help) sed -n '3,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "vm-run: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

# Sets qemu_cmd to run BINARY of QEMU VERSION (10 or 7.2); see the header.
qemu_cmd=()
qemu_dir() { # version -> the root QEMU of that version is installed under
	local v=$1 sys
	sys=$(/usr/bin/qemu-system-x86_64 --version 2>/dev/null |
		sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p')
	if [ -z "${IOMMUFD_QEMU_BUILD_FIRST:-}" ] && [ -n "$sys" ] &&
	   { [ "$sys" = "$v" ] || [[ "$sys" == "$v".* ]]; }; then
		echo /
	elif [ -x "$out/qemu-$v/usr/bin/qemu-system-x86_64" ]; then
		echo "$out/qemu-$v"
	elif [ -n "$sys" ] && { [ "$sys" = "$v" ] || [[ "$sys" == "$v".* ]]; }; then
		echo /
	fi
}
set_qemu() { # version binary
	local v=$1 b=$2 d
	d=$(qemu_dir "$v")
	if [ -z "$d" ]; then
		echo "vm-run: no QEMU $v (the system has $(/usr/bin/qemu-system-x86_64 --version 2>/dev/null | head -n1); run setup.sh)" >&2
		exit 2
	fi
	if [ "$d" = / ]; then
		qemu_cmd=("/usr/bin/$b")
	else
		qemu_cmd=(env "QEMU_MODULE_DIR=$d/usr/lib/x86_64-linux-gnu/qemu"
			  "$d/usr/bin/$b" -L "$d/usr/share/qemu" -L "$d/usr/share/seabios")
	fi
}

machine=${1:?usage: vm-run.sh [options] MACHINE [TEST...]}
shift
case "$machine" in
x86-amd) qemu_version=${QEMU:-7.2} ;;
*)       qemu_version=${QEMU:-10} ;;
esac
case "$qemu_version" in
10|7.2) ;;
*) echo "vm-run: QEMU=$qemu_version: 10 or 7.2" >&2; exit 2 ;;
esac
needs10() {
	[ "$qemu_version" = 10 ] ||
		{ echo "vm-run: $machine needs QEMU 10 (QEMU=$qemu_version)" >&2; exit 2; }
}
set_qemu "$qemu_version" qemu-system-x86_64
# Under QEMU 10.0 with a TCG thread per vCPU, an x86-vtd guest stopped for
# good in 2 of 23 runs of the machine and edu suites (and 3 times in earlier
# sessions): one vCPU idles in HLT with the local APIC timer vector (236) in
# service and no EOI ever to come, so its PPR (0xe0) holds off the timer and
# every device interrupt routed to it, the serial port's too (console
# output stops).  Making that vCPU execute one EOI over gdb brought the
# guest back at once.  The guest EOIs every interrupt it handles and the
# same kernel never did this on QEMU 7.2: an interrupt accepted by QEMU's
# emulated APIC with no EOI to match.  With one TCG thread for both vCPUs
# it has not happened (0 of 24 runs; see the README).
case "$machine/$qemu_version" in
x86-vtd/10|x86-vtd-flts/10) tcg_thread=${IOMMUFD_TCG_THREAD:-single} ;;
*) tcg_thread=${IOMMUFD_TCG_THREAD:-} ;;
esac
x86_common=("${qemu_cmd[@]}" -M q35 -accel "tcg${tcg_thread:+,thread=$tcg_thread}" -cpu max)
# Under TCG on a loaded host the IO-APIC timer check at boot can time out
# and panic ("timer doesn't work through Interrupt-remapped IO-APIC").
x86_append=no_timer_check
# The guest's TSC runs at the host's TSC rate under TCG, but the kernel
# calibrates it against the emulated PIT and HPET, which a busy host throws
# off: "PIT calibration deviates from HPET: 81356 2596179", then "Using PIT
# calibration value", and with a TSC believed 32 times slower than it is the
# guest's clock leaps ahead (soft lockups, timers far off; the QEMU 10 boots
# that froze in 2026-12 were this). So tell it the rate, measured on the host
# (host-tsc-khz.c). Not with --icount, whose TSC follows the instruction
# count and calibrates exactly.
if [ ${#icount[@]} = 0 ] && [ "$(uname -m)" = x86_64 ]; then
	tsc_tool=$out/host-tsc-khz
	if [ ! -x "$tsc_tool" ] || [ "$here/host-tsc-khz.c" -nt "$tsc_tool" ]; then
		mkdir -p "$out"
		gcc -O2 -o "$tsc_tool" "$here/host-tsc-khz.c"
	fi
	x86_append="$x86_append tsc_early_khz=$("$tsc_tool")"
fi
# The edu device masks its DMA addresses to 28 bits.  Behind an IOMMU that
# bounds the IOVAs only; without one they are physical addresses, which go
# up to 5 GiB here, so the no-IOMMU machines widen the mask to 40 bits
# (edu_noiommu_test DMAs to what IOAS_NOIOMMU_GET_PA reports).
edu=edu
case "$machine" in
x86-noiommu)
	target=x86_64 qemu=("${x86_common[@]}") console=ttyS0
	edu=edu,dma_mask=0xffffffffff
	append="$x86_append $append" ;;
x86-debug)
	# Its kernel has KUnit, which tinyconfig leaves off at boot
	target=x86_64-debug qemu=("${x86_common[@]}") console=ttyS0
	edu=edu,dma_mask=0xffffffffff
	append="$x86_append kunit.enable=1 $append" ;;
x86-vtd)
	# The IOMMU must be created before the devices it translates.
	target=x86_64 console=ttyS0
	qemu=("${x86_common[@]}" -device intel-iommu,intremap=on,x-scalable-mode=on)
	append="$x86_append intel_iommu=on,sm_on $append" ;;
x86-vtd-flts)
	# QEMU 10: VT-d with first-stage (x86 page table format) translation
	# and PASID support instead of second-stage tables.
	needs10
	target=x86_64 console=ttyS0
	qemu=("${x86_common[@]}" -device intel-iommu,intremap=on,x-scalable-mode=on,x-flts=on,x-pasid-mode=on)
	append="$x86_append intel_iommu=on,sm_on $append" ;;
x86-amd)
	target=x86_64 console=ttyS0
	qemu=("${x86_common[@]}" -device amd-iommu,intremap=on)
	append="$x86_append amd_iommu=on $append" ;;
arm64-smmuv3)
	# On QEMU 10 its SMMUv3 has both stages and no FWB: see below
	target=arm64 console=ttyAMA0
	append="arm_smmu_v3.nest_without_fwb=1 $append"
	set_qemu "$qemu_version" qemu-system-aarch64
	qemu=("${qemu_cmd[@]}" -M virt,iommu=smmuv3,gic-version=3 -accel tcg -cpu max) ;;
arm64-smmuv3-nested)
	# arm64-smmuv3 asserting both stages (IDR0.S1P and S2P): QEMU 10's
	# virt machine creates its SMMUv3 with stage=nested (QEMU 7.2's had
	# stage 1 only), so on QEMU 10 this is arm64-smmuv3 itself.
	# QEMU's SMMUv3 has no stage-2 forced write-back (IDR3.FWB), without
	# which the driver offers no virtual SMMU unless told to (patches/0011;
	# TCG models no caches, so nothing stale can be seen here).
	needs10
	target=arm64 console=ttyAMA0
	append="arm_smmu_v3.nest_without_fwb=1 $append"
	set_qemu "$qemu_version" qemu-system-aarch64
	qemu=("${qemu_cmd[@]}" -M virt,iommu=smmuv3,gic-version=3 -accel tcg -cpu max) ;;
arm64-virtio)
	# The paravirtual IOMMU of guests; virt's device tree routes every
	# other PCI device through it.  It remaps MSI in software (SW_MSI)
	# and leaves interrupt isolation to the ITS.
	target=arm64 console=ttyAMA0
	set_qemu "$qemu_version" qemu-system-aarch64
	qemu=("${qemu_cmd[@]}" -M virt,gic-version=3 -accel tcg -cpu max
	      -device virtio-iommu-pci) ;;
*)
	echo "vm-run: unknown machine $machine" >&2; exit 2 ;;
esac
case "$target" in
arm64) arch=aarch64 image=arch/arm64/boot/Image
       busybox=$out/busybox-arm64/bin/busybox ;;
*)     arch=x86_64 image=arch/x86/boot/bzImage busybox=/bin/busybox ;;
esac
kernel=${kernel:-$out/obj-$target/$image}
logdir=${logdir:-$out/logs/$machine}
[ -f "$kernel" ] || { echo "vm-run: no kernel at $kernel (build it first)" >&2; exit 2; }
[ -x "$busybox" ] || { echo "vm-run: no busybox at $busybox (run setup.sh)" >&2; exit 2; }
[ $with_qemu = 0 ] || [ "$arch" = x86_64 ] ||
	{ echo "vm-run: --qemu needs an x86 machine" >&2; exit 2; }

# The --qemu payload: a cpio archive of each installed QEMU version under
# /opt/qemu-VERSION/ (binary, the libraries ldd lists with the dynamic
# loader, TCG accelerator module, firmware), each started by a wrapper
# script through its own loader and library path, appended to the initramfs
# (the kernel unpacks concatenated archives in turn).  Rebuilt only when a
# QEMU binary changes.
qemu_payload_one() { # version dest
	local v=$1 dest=$2 d bin accel dir f o libs
	d=$(qemu_dir "$v")
	[ -n "$d" ] || { echo "vm-run: --qemu: no QEMU $v, left out" >&2; return 1; }
	bin=${d%/}/usr/bin/qemu-system-x86_64
	accel=${d%/}/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
	[ -f "$accel" ] || accel=
	dir=$(mktemp -d "$out/qemu-payload.XXXXXX")
	o=$dir/opt/qemu-$v
	mkdir -p "$o/bin" "$o/lib" "$o/modules" "$o/share"
	cp -L "$bin" "$o/bin/"
	[ -z "$accel" ] || cp -L "$accel" "$o/modules/"
	libs=$(ldd "$bin" $accel | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u)
	for f in $libs; do
		cp -L "$f" "$o/lib/"
	done
	cp -rL "${d%/}/usr/share/qemu" "${d%/}/usr/share/seabios" "$o/share/"
	cat >"$o/qemu-system-x86_64" <<-WRAP
	#!/bin/sh
	# QEMU $v, packed by vm-run.sh --qemu
	export QEMU_MODULE_DIR=/opt/qemu-$v/modules
	exec /opt/qemu-$v/lib/ld-linux-x86-64.so.2 --library-path /opt/qemu-$v/lib \\
		/opt/qemu-$v/bin/qemu-system-x86_64 \\
		-L /opt/qemu-$v/share/qemu -L /opt/qemu-$v/share/seabios "\$@"
	WRAP
	chmod 755 "$o/qemu-system-x86_64"
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1 >"$dest")
	rm -rf "$dir"
}
qemu_payload() {
	local v d stamp dest=$out/qemu-payload.cpio.gz
	stamp=
	for v in 7.2 10; do
		d=$(qemu_dir "$v")
		[ -z "$d" ] || stamp="$stamp $v:$(stat -L -c '%s %Y' "${d%/}/usr/bin/qemu-system-x86_64")"
	done
	if [ -f "$dest" ] && [ "$(cat "$dest.stamp" 2>/dev/null)" = "$stamp" ]; then
		return
	fi
	: >"$dest.tmp"
	for v in 7.2 10; do
		qemu_payload_one "$v" "$dest.$v" || continue
		cat "$dest.$v" >>"$dest.tmp"
		rm -f "$dest.$v"
	done
	mv "$dest.tmp" "$dest"
	echo "$stamp" >"$dest.stamp"
}

# Collect the test programs.
tests=()
add_test() {
	local p=$1 f
	if [ -d "$p" ]; then
		for f in "$p"/*; do
			[ -f "$f" ] && [ -x "$f" ] && tests+=("$f")
		done
	elif [ -f "$p" ]; then
		tests+=("$p")
	else
		echo "vm-run: no such test $p" >&2; exit 2
	fi
}
for t in "$@" ${IOMMUFD_TESTS:-}; do
	add_test "$t"
done
[ -n "$demo" ] || [ ${#tests[@]} -gt 0 ] || { echo "vm-run: nothing to run" >&2; exit 2; }

# Build the initramfs: busybox, /init, the tests.
mkdir -p "$logdir"
root=$(mktemp -d "$out/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,tests,etc}
cp "$busybox" "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
install -m 755 "$here/vm-init.sh" "$root/init"
: >"$root/tests/list"
for t in "${tests[@]}"; do
	name=$(basename "$t")
	cp "$t" "$root/tests/$name"
	echo "$name" >>"$root/tests/list"
done
[ -z "$demo" ] || cp "$demo" "$root/tests/demo"
initrd=$logdir/initramfs.cpio.gz
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 >"$initrd")
if [ $with_qemu = 1 ]; then
	qemu_payload
	cat "$out/qemu-payload.cpio.gz" >>"$initrd"
	# The machine's own kernel, for a nested guest (qemu_native_test)
	mkdir -p "$root.nested/opt/nested"
	cp "$kernel" "$root.nested/opt/nested/bzImage"
	(cd "$root.nested" && find . | cpio -o -H newc --quiet | gzip -1 >>"$initrd")
	rm -rf "$root.nested"
fi

second_edu_args=()
if [ $second_edu = 1 ]; then
	case "$machine" in
	x86-*) second_edu_args=(-device pcie-root-port,id=edu2port,chassis=2,slot=2
				-device "$edu,bus=edu2port") ;;
	*) second_edu_args=(-device "$edu") ;;
	esac
fi

mode=tests
[ -z "$demo" ] || mode=demo
# A default pool of 2 MiB hugetlb pages, unless the caller sizes it (the
# kernel honours only the first hugepages= it sees).
pool="hugepages=128"
[[ "$append" == *hugepages=* ]] && pool=
cmdline="console=$console harness.machine=$machine harness.qemu=$qemu_version panic=-1 ${oops:+oops=$oops }$pool harness.mode=$mode $append"
log=$logdir/console.log
# The exact QEMU that ran, for figures that depend on it (run-bench.sh)
"${qemu_cmd[@]}" --version 2>/dev/null | head -n1 >"$logdir/qemu.version" || true
echo "  VM      $machine (QEMU $qemu_version, $(basename "$kernel"), ${#tests[@]} test programs)" >&2
set +e
if [ $quiet = 1 ]; then
	sink=(cat)
else
	sink=(tee /dev/stderr)
fi
# tr unbuffered: into a pipe it would hold back up to 4 KiB, and a log that
# ends there tells nothing about where a stopped machine stopped.
timeout --foreground "$timeout" "${qemu[@]}" -smp 2 -m "$mem" "${icount[@]}" \
	${qemu_args[@]+"${qemu_args[@]}"} -device "$edu" \
	${second_edu_args[@]+"${second_edu_args[@]}"} \
	-display none -monitor none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	</dev/null 2>"$logdir/qemu.stderr" | stdbuf -o0 tr -d '\r' |
	"${sink[@]}" >"$log"
qrc=${PIPESTATUS[0]}
set -e

if [ -n "$demo" ]; then
	[ $quiet = 0 ] || cat "$log"
	rc=$(sed -n 's/^### DEMO END rc=//p' "$log")
	[ "$rc" = 0 ] && exit 0
	echo "vm-run: demo failed (rc=${rc:-none}, qemu rc=$qrc)" >&2
	exit 1
fi

# Score the run.  One line per test program, one per KUnit suite the kernel
# ran at boot, plus one result for the kernel log (and kmemleak), plus one
# for the run finishing at all.
awk -v machine="$machine" -v qrc="$qrc" '
function flush_test(rc_known, rc) {
	fail_extra = 0
	if (!rc_known) {
		fail_extra++; note = note " did-not-finish"
	} else if (rc != 0 && failed == 0) {
		fail_extra++; note = note " exit=" rc
	}
	if (plan > 0 && passed + failed + skipped < plan) {
		fail_extra += plan - (passed + failed + skipped)
		note = note " missing=" plan - (passed + failed + skipped)
	}
	printf "%s\t%s\t%d\t%d\t%d\t%s\n", machine, name, passed, failed + fail_extra, skipped, note
	intest = 0
}
/^### TEST BEGIN / { name = $4; intest = 1; passed = failed = skipped = plan = 0; note = ""; next }
/^### TEST END / { split($5, kv, "="); flush_test(1, kv[2]); next }
/^### ALL DONE/ { done = 1 }
/^### KMEMLEAK BEGIN/ { inleak = 1; sawleak = 1; next }
/^### KMEMLEAK END/ { inleak = 0; next }
inleak && /unreferenced object/ { leaks++ }
intest && /^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
intest && /^ok [0-9]+/ { if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) skipped++; else passed++ }
intest && /^not ok [0-9]+/ { if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) skipped++; else failed++ }
# KUnit suites run at boot (KTAP on the console): one result per suite,
# counting its cases, which KUnit indents by four spaces.  The dump of the
# kernel log at the end repeats them: each suite counts once.
!intest && /^\[ *[0-9]+\.[0-9]+\]     # Subtest: / {
	ksuite = (($NF in kseen) ? "" : $NF); kseen[$NF] = 1
	kp = kf = ks = 0
	next
}
!intest && ksuite != "" && /^\[ *[0-9]+\.[0-9]+\]     (not )?ok [0-9]+ / {
	if ($0 ~ /# *SKIP/) ks++; else if ($0 ~ /\] +not ok/) kf++; else kp++
	next
}
!intest && ksuite != "" && /^\[ *[0-9]+\.[0-9]+\] (not )?ok [0-9]+ / {
	if ($0 ~ /\] not ok/ && !kf) kf++
	printf "%s\t%s\t%d\t%d\t%d\t%s\n", machine, "kunit:" ksuite, kp, kf, ks, ""
	ksuite = ""
	next
}
# An allocation that fails because fault injection (fail-nth, failslab or
# fail_page_alloc in the fuzzer) made it fail prints a notice of the
# allocator with a stack trace: that Call Trace is no kernel report.
# Requests too large to ever succeed ("exceeds total pages") still count.
/^\[ *[0-9]+\.[0-9]+\]/ && /vmalloc error: size [0-9]+, (vm_struct allocation failed|failed to allocated? page array|failed to allocate pages|failed to map pages)|page allocation failure: order:/ {
	allocfail = NR
}
/^\[ *[0-9]+\.[0-9]+\]/ && /Call Trace/ && allocfail && NR - allocfail <= 8 { allocfail = 0; next }
/^\[ *[0-9]+\.[0-9]+\]/ && /WARNING:|BUG:|Oops|Kernel panic|KASAN|UBSAN|circular locking|recursive locking|inconsistent lock state|blocked for more than|general protection|Call Trace|stall|refcount_t:|list_add corruption|list_del corruption|kmemleak: [0-9]+ new suspected/ {
	kbad++
	if (kbad <= 20) print "kernel: " $0 > "/dev/stderr"
}
END {
	if (intest) flush_test(0, 0)
	printf "%s\t%s\t%d\t%d\t0\t%s\n", machine, "run-completed", done ? 1 : 0, done ? 0 : 1, done ? "" : "no ALL DONE (crash or timeout, qemu rc=" qrc ")"
	printf "%s\t%s\t%d\t%d\t0\t%s\n", machine, "kernel-log-clean", kbad ? 0 : 1, kbad ? 1 : 0, kbad ? kbad " bad lines" : ""
	if (sawleak)
		printf "%s\t%s\t%d\t%d\t0\t%s\n", machine, "kmemleak-clean", leaks ? 0 : 1, leaks ? 1 : 0, leaks ? leaks " leaks" : ""
}' "$log" >"$logdir/results.tsv"

fails=0
while IFS=$'\t' read -r m t p f s note; do
	printf '%-14s %-28s %4d passed, %d failed, %d skipped%s\n' \
		"$m" "$t" "$p" "$f" "$s" "${note:+  ($note)}" >&2
	fails=$((fails + f))
done <"$logdir/results.tsv"
[ $fails = 0 ]
