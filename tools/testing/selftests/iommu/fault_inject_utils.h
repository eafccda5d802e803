/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection for the fail-nth sweeps (fail_nth_test, and the edu
 * suite's smmu_fail_nth_test and edu_noiommu_test) and for pages_test's
 * one injected failure.
 *
 * A sweep makes the n-th fault-injectable evaluation of its own thread fail
 * through /proc/thread-self/fail-nth. That countdown works whatever the
 * probability, interval and times of the fault attributes say; what the
 * attributes decide is which evaluations reach it at all. So the attributes
 * are set so that sleeping allocations count (ignore-gfp-wait N), user page
 * allocations do not (ignore-gfp-highmem Y: the test's own page faults never
 * fail), and the probability driven mode fires nowhere else: probability 0,
 * and task-filter Y with no task marked make-it-fail. A test may then raise
 * a probability and mark its thread (make-it-fail) for failures past the
 * countdown; it changes only attributes of the table below, which are saved
 * first and restored afterwards.
 *
 * "times" is what keeps the probability path inert while the attributes
 * change: with times 0 nothing is injected, whatever the rest says. Every
 * change of the whole set therefore sets times to 0 first, then the other
 * attributes, and times last. Restoring in any other order could bring back
 * a saved probability of 100 with task-filter N while the test's times of -1
 * still stood: every allocation of every task fails, the remaining writes
 * too, and the next program cannot fork.
 *
 * Needs only libc and file_utils.h, so the programs outside the selftest
 * tree include it too.
 */
#ifndef __SELFTEST_IOMMU_FAULT_INJECT_UTILS_H
#define __SELFTEST_IOMMU_FAULT_INJECT_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "file_utils.h"

#define FAULT_INJECT_DEBUGFS "/sys/kernel/debug"

/**
 * struct fault_inject_knob - one debugfs file of a fault attribute
 * @attr: the attribute's directory, e.g. "failslab"
 * @file: the file in it, e.g. "probability"
 * @value: what a sweep wants there
 */
struct fault_inject_knob {
	const char *attr;
	const char *file;
	const char *value;
};

static const struct fault_inject_knob fault_inject_knobs[] = {
	{ "failslab", "task-filter", "Y" },
	{ "failslab", "probability", "0" },
	{ "failslab", "interval", "1" },
	{ "failslab", "times", "-1" },
	{ "failslab", "space", "0" },
	{ "failslab", "verbose", "0" },
	{ "failslab", "ignore-gfp-wait", "N" },
	{ "fail_page_alloc", "task-filter", "Y" },
	{ "fail_page_alloc", "probability", "0" },
	{ "fail_page_alloc", "interval", "1" },
	{ "fail_page_alloc", "times", "-1" },
	{ "fail_page_alloc", "space", "0" },
	{ "fail_page_alloc", "verbose", "0" },
	{ "fail_page_alloc", "ignore-gfp-wait", "N" },
	{ "fail_page_alloc", "ignore-gfp-highmem", "Y" },
	{ "fail_page_alloc", "min-order", "0" },
	{ "fail_iommufd", "task-filter", "Y" },
	{ "fail_iommufd", "probability", "0" },
	{ "fail_iommufd", "interval", "1" },
	{ "fail_iommufd", "times", "-1" },
	{ "fail_iommufd", "space", "0" },
	{ "fail_iommufd", "verbose", "0" },
	/* Kernels with CONFIG_FAULT_INJECTION_USERCOPY count user copies */
	{ "fail_usercopy", "task-filter", "Y" },
	{ "fail_usercopy", "probability", "0" },
	{ "fail_usercopy", "interval", "1" },
	{ "fail_usercopy", "times", "-1" },
	{ "fail_usercopy", "space", "0" },
	{ "fail_usercopy", "verbose", "0" },
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define FAULT_INJECT_NR_KNOBS ARRAY_SIZE(fault_inject_knobs)

/**
 * struct fault_inject - the fault injection state of one sweep
 * @saved: each knob's value before fault_inject_configure(); "" for a knob
 *	   this kernel does not have, or when nothing was saved
 * @configured: the knobs were saved and must be restored
 * @nth_fd: this thread's fail-nth, -1 when not open
 * @make_it_fail_fd: this thread's make-it-fail, -1 when not open
 */
struct fault_inject {
	char saved[FAULT_INJECT_NR_KNOBS][32];
	bool configured;
	int nth_fd;
	int make_it_fail_fd;
};

/* Before anything else, so that fault_inject_restore() is always safe */
static inline void fault_inject_init(struct fault_inject *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->nth_fd = -1;
	fi->make_it_fail_fd = -1;
}

/*
 * Does the kernel have fault attribute @attr ("fail_iommufd"...)? Mounts
 * debugfs first where it is not mounted.
 */
static inline bool fault_inject_available(const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), FAULT_INJECT_DEBUGFS "/%s", attr);
	if (access(path, F_OK))
		mount("debugfs", FAULT_INJECT_DEBUGFS, "debugfs", 0, NULL);
	return !access(path, F_OK);
}

/* Write @value to @file of fault attribute @attr; 0 or -errno */
static inline int fault_inject_write(const char *attr, const char *file,
				     const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), FAULT_INJECT_DEBUGFS "/%s/%s", attr,
		 file);
	return file_write_str(path, value);
}

/*
 * Open the calling thread's fail-nth and make-it-fail; the sweep must run in
 * this thread. Returns 0 or -errno.
 */
static inline int fault_inject_open(struct fault_inject *fi)
{
	fi->nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fi->nth_fd < 0)
		return -errno;
	fi->make_it_fail_fd = open("/proc/thread-self/make-it-fail",
				   O_RDWR | O_CLOEXEC);
	if (fi->make_it_fail_fd < 0)
		return -errno;
	return 0;
}

/*
 * Write every saved knob: "times" 0 first, then the other knobs, then
 * "times", each the saved value (@restore) or the sweep's. A restore goes
 * on past a failed write. Returns 0 or the first -errno.
 */
static inline int fault_inject_write_all(struct fault_inject *fi,
					 bool restore)
{
	unsigned int pass, i;
	int ret = 0, rc;

	for (pass = 0; pass != 3; pass++) {
		for (i = 0; i != FAULT_INJECT_NR_KNOBS; i++) {
			const struct fault_inject_knob *k =
				&fault_inject_knobs[i];
			bool times = !strcmp(k->file, "times");
			bool times_pass = pass != 1;
			const char *val;

			/* Passes 0 and 2 write "times", pass 1 the rest */
			if (!fi->saved[i][0] || times != times_pass)
				continue;
			if (!pass)
				val = "0";
			else
				val = restore ? fi->saved[i] : k->value;
			rc = fault_inject_write(k->attr, k->file, val);
			if (rc && !ret)
				ret = rc;
			if (rc && !restore)
				return ret;
		}
	}
	return ret;
}

/*
 * Restore what fault_inject_configure() saved, with the probability path
 * inert throughout; disarm and unmark this thread and close its files.
 * Safe to call more than once, and after fault_inject_init() alone.
 */
static inline void fault_inject_restore(struct fault_inject *fi)
{
	if (fi->make_it_fail_fd >= 0) {
		pwrite(fi->make_it_fail_fd, "0", 1, 0);
		close(fi->make_it_fail_fd);
		fi->make_it_fail_fd = -1;
	}
	if (fi->nth_fd >= 0) {
		pwrite(fi->nth_fd, "0", 1, 0);
		close(fi->nth_fd);
		fi->nth_fd = -1;
	}
	if (fi->configured)
		fault_inject_write_all(fi, true);
	fi->configured = false;
}

/*
 * Save every knob this kernel has and set it for a sweep. On failure what
 * was changed is restored. Returns 0 or -errno.
 */
static inline int fault_inject_configure(struct fault_inject *fi)
{
	char path[128];
	unsigned int i;
	int ret;

	for (i = 0; i != FAULT_INJECT_NR_KNOBS; i++) {
		snprintf(path, sizeof(path), FAULT_INJECT_DEBUGFS "/%s/%s",
			 fault_inject_knobs[i].attr,
			 fault_inject_knobs[i].file);
		/* Not every kernel has every attribute */
		if (file_read_str(path, fi->saved[i],
				  sizeof(fi->saved[i])) <= 0)
			fi->saved[i][0] = 0;
	}
	fi->configured = true;
	ret = fault_inject_write_all(fi, false);
	if (ret)
		fault_inject_write_all(fi, true);
	return ret;
}

/* Arm the countdown: the @n-th evaluation of this thread from now fails */
static inline int fault_inject_nth_arm(struct fault_inject *fi,
				       unsigned int n)
{
	char val[16];
	int len;

	len = snprintf(val, sizeof(val), "%u", n);
	return pwrite(fi->nth_fd, val, len, 0) == len ? 0 : -1;
}

/* Disarm; true when the armed fault was injected (the countdown hit 0) */
static inline bool fault_inject_nth_disarm(struct fault_inject *fi)
{
	char val[16] = "";
	ssize_t len;

	len = pread(fi->nth_fd, val, sizeof(val) - 1, 0);
	pwrite(fi->nth_fd, "0", 1, 0);
	return len <= 0 || strtoul(val, NULL, 10) == 0;
}

/* Mark this thread for the probability path (@on) or unmark it */
static inline int fault_inject_make_it_fail(struct fault_inject *fi, bool on)
{
	return pwrite(fi->make_it_fail_fd, on ? "1" : "0", 1, 0) == 1 ? 0 : -1;
}

#endif
