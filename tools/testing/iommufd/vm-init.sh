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
# the log buffer unless they are emergencies.  An oops raises the console
# level by itself.  A reader drains the log buffer into a file for the whole
# run (dumped below), so a noisy test cannot push an earlier WARN out of the
# ring buffer before anybody saw it.
echo 1 >/proc/sys/kernel/printk
cat /proc/kmsg >/tmp/kernel.log &
klog_pid=$!

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

# Let the reader catch up with the last messages, then print what it read
# without the <level> prefixes of /proc/kmsg.
sleep 1
kill $klog_pid
echo "### DMESG BEGIN"
sed 's/^<[0-9]*>//' /tmp/kernel.log
echo "### DMESG END"
echo "### ALL DONE"
sync
poweroff -f
