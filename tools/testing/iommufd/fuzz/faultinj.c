// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probabilistic fault injection for the fuzzer's own tasks.
 *
 * failslab, fail_page_alloc, fail_iommufd and (when the kernel has it)
 * fail_usercopy are set to fail opts.faults percent of their evaluations,
 * with task-filter on: only tasks whose make-it-fail is 1 see failures, and
 * only the fuzzer's worker threads (and the children they fork, which
 * inherit the flag) set it.  Sleeping allocations are included
 * (ignore-gfp-wait N); user page allocations are not (ignore-gfp-highmem Y),
 * so that the fuzzer's own page faults do not fail.  Unlike a fail-nth
 * sweep, one call can meet several failures, e.g. an allocation and then
 * its retry.
 *
 * "times" starts at a large number and counts down with every injected
 * failure, which gives the number of failures at the end.  verbose stays 0:
 * a stack trace per failure would flood the log the harness scans.  The
 * previous settings are restored afterwards.
 */
#include "fuzz.h"
#include "../../selftests/iommu/file_utils.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define DEBUGFS "/sys/kernel/debug"
#define TIMES_START 1000000000L

static const char *const attrs[] = {
	"failslab", "fail_page_alloc", "fail_iommufd", "fail_usercopy",
};

struct fi_setting {
	const char *file;
	const char *value;	/* NULL: the probability */
	bool page_only;
};

static const struct fi_setting settings[] = {
	{ "task-filter", "Y" },
	{ "interval", "1" },
	{ "times", "1000000000" },
	{ "space", "0" },
	{ "verbose", "0" },
	{ "ignore-gfp-wait", "N" },
	{ "ignore-gfp-highmem", "Y", true },
	{ "min-order", "0", true },
	{ "probability", NULL },
};

static char saved[ARRAY_SIZE(attrs)][ARRAY_SIZE(settings)][32];
static bool present[ARRAY_SIZE(attrs)];

/* Returns the number of attributes configured */
int fi_setup(void)
{
	char path[128], prob[16];
	unsigned int a, s;
	int n = 0;

	snprintf(prob, sizeof(prob), "%u", opts.faults);
	for (a = 0; a != ARRAY_SIZE(attrs); a++) {
		if (!strcmp(attrs[a], "fail_usercopy") && !opts.usercopy)
			continue;
		snprintf(path, sizeof(path), DEBUGFS "/%s", attrs[a]);
		if (access(path, F_OK))
			continue;
		present[a] = true;
		n++;
		for (s = 0; s != ARRAY_SIZE(settings); s++) {
			const struct fi_setting *f = &settings[s];

			if (f->page_only && strcmp(attrs[a], "fail_page_alloc"))
				continue;
			snprintf(path, sizeof(path), DEBUGFS "/%s/%s",
				 attrs[a], f->file);
			if (file_read_str(path, saved[a][s], sizeof(saved[a][s])) < 0)
				continue;
			file_write_str(path, f->value ?: prob);
		}
	}
	return n;
}

void fi_restore(void)
{
	char path[128];
	unsigned int a, s;

	for (a = 0; a != ARRAY_SIZE(attrs); a++) {
		if (!present[a])
			continue;
		/* Probability first, so nothing fails while restoring */
		for (s = ARRAY_SIZE(settings); s-- > 0;) {
			if (!saved[a][s][0])
				continue;
			snprintf(path, sizeof(path), DEBUGFS "/%s/%s",
				 attrs[a], settings[s].file);
			file_write_str(path, saved[a][s]);
		}
	}
}

void fi_enable_task(pid_t tid, bool on)
{
	char path[64];
	int i;

	/* The writes may meet an injected failure themselves: retry */
	snprintf(path, sizeof(path), "/proc/self/task/%d/make-it-fail", tid);
	for (i = 0; i != 20 && file_write_str(path, on ? "1" : "0"); i++)
		;
}

static uint64_t injected(unsigned int a)
{
	char path[128], buf[32];

	if (!present[a])
		return 0;
	snprintf(path, sizeof(path), DEBUGFS "/%s/times", attrs[a]);
	if (file_read_str(path, buf, sizeof(buf)) < 0)
		return 0;
	return TIMES_START - strtol(buf, NULL, 10);
}

void fi_counts(uint64_t *slab, uint64_t *page, uint64_t *iommufd,
	       uint64_t *usercopy)
{
	*slab = injected(0);
	*page = injected(1);
	*iommufd = injected(2);
	*usercopy = injected(3);
}
