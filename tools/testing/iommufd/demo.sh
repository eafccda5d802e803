#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make run`: set up, build the x86_64 kernel, boot the x86-vtd
# machine and run the demo, printing one progress line per stage and then
# only the demo's transcript.  The demo program is demo/demo.c, a userspace
# driver for QEMU's edu device doing DMA through /dev/iommu; it is built
# statically against the uAPI headers installed with the kernel.  Every
# stage's full output is kept in build/logs/run/ (the console log of the
# machine in build/logs/run/console.log); a failing stage prints its tail.
#
# DEMO=qemu runs the native QEMU demo instead: QEMU 10 inside the machine
# opens /dev/iommu, assigns the edu device to a nested guest, and the nested
# guest DMAs through it (edu/qemu_native_test; several minutes under TCG).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${IOMMUFD_BUILD:-$top/build}
logs=$out/logs/run
mkdir -p "$logs"
rel() { echo "${1#"$top"/}"; }

t0=$(date +%s)
n=0
stage() { # name log command...
	local name=$1 log=$2 s rc
	shift 2
	n=$((n + 1))
	s=$(date +%s)
	printf '[%d/4] %-50s' "$n" "$name"
	"$@" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		printf 'ok (%ds)\n' $(( $(date +%s) - s ))
		return 0
	fi
	printf 'FAILED (%ds)\n' $(( $(date +%s) - s ))
	tail -n 30 "$log"
	echo "full log: $(rel "$log")"
	exit 1
}

build_demo() {
	"$here/build-kernel.sh" x86_64 || return
	mkdir -p "$out/demo"
	gcc -static -O2 -Wall -I"$out/obj-x86_64/usr/include" \
		-o "$out/demo/demo" "$out/src/tools/testing/iommufd/demo/demo.c" ||
		return
	[ "${DEMO:-}" != qemu ] && return
	gcc -static -O2 -Wall -pthread -I"$out/obj-x86_64/usr/include" \
		-I"$out/src/tools/testing/selftests" -I"$out/src/tools/include/uapi" \
		-o "$out/demo/qemu_native_test" \
		"$out/src/tools/testing/iommufd/edu/qemu_native_test.c"
}

stage "setup (Debian packages, QEMU)" "$logs/setup.log" "$here/setup.sh"
stage "tree (base kernel + our files in build/src)" "$logs/tree.log" "$here/prepare-tree.sh"
cached=
[ -f "$out/obj-x86_64/arch/x86/boot/bzImage" ] || cached=", first build: minutes"
stage "kernel x86_64 and demo$cached" "$logs/kernel.log" build_demo

n=$((n + 1))
if [ "${DEMO:-}" = qemu ]; then
	printf '[%d/4] boot x86-vtd, QEMU 10 inside it with a nested guest (minutes)\n' $n
	echo
	"$here/vm-run.sh" --quiet --qemu --timeout 1500 --logdir "$logs" \
		x86-vtd "$out/demo/qemu_native_test" >"$logs/vm-run.log" 2>&1
	rc=$?
	# The test's own log lines, without the harness's source paths
	sed -n 's/^# [^ ]*qemu_native_test\.c:[0-9]*:[a-z_]*://p; /^\(not \)\{0,1\}ok /p' \
		"$logs/console.log"
else
	printf '[%d/4] boot x86-vtd (QEMU %s) and run the demo\n' $n "${QEMU:-10}"
	"$here/vm-run.sh" --quiet --timeout 300 --logdir "$logs" \
		--demo "$out/demo/demo" x86-vtd >"$logs/vm-run.log" 2>&1
	rc=$?
	# The transcript: what the demo printed between boot and its end
	sed -n '/^### BOOTED/,/^### DEMO END/{/^###/d;p}' "$logs/console.log"
fi
echo
if [ $rc = 0 ]; then
	echo "demo passed in $(( $(date +%s) - t0 ))s; console log: $(rel "$logs/console.log")"
else
	tail -n 5 "$logs/vm-run.log"
	echo "demo FAILED; console log: $(rel "$logs/console.log")"
fi
exit $rc
