#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VMs (busybox).  Mounts what the tests need, runs every
# program listed in /tests/list with its TAP output bracketed by markers the
# host-side runner parses, then dumps the kernel log (and on debug kernels a
# kmemleak scan) and powers off.

export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/hugepages
mount -t hugetlbfs hugetlbfs /dev/hugepages

# From here on the console carries only test output: kernel messages go to
# the log buffer (dumped below) unless they are emergencies.  An oops raises
# the console level by itself.
echo 1 >/proc/sys/kernel/printk

mode=tests
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	harness.mode=*) mode=${arg#harness.mode=} ;;
	esac
done

echo "### BOOTED $(uname -r) $(uname -m) cpus=$(grep -c ^processor /proc/cpuinfo)"

if [ "$mode" = demo ]; then
	echo 4 >/proc/sys/kernel/printk
	/tests/demo
	echo "### DEMO END rc=$?"
else
	cd /tests
	while read -r t; do
		echo "### TEST BEGIN $t"
		./"$t"
		echo "### TEST END $t rc=$?"
	done <list
	cd /
fi

if [ -e /sys/kernel/debug/kmemleak ]; then
	# Two scans: an object must look unreferenced in consecutive scans
	# before kmemleak reports it.
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo "### KMEMLEAK BEGIN"
	cat /sys/kernel/debug/kmemleak
	echo "### KMEMLEAK END"
fi

echo "### DMESG BEGIN"
dmesg
echo "### DMESG END"
echo "### ALL DONE"
sync
poweroff -f
