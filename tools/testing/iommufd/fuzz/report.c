// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel log during a run: a thread reads /dev/kmsg and notes the first
 * report (the lines vm-run.sh counts as bad), the task it names, the first
 * lines of it and the first line of every later one; and what the fuzzer
 * prints about a report: the last calls of every thread, placed in time
 * relative to it.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

static struct {
	atomic_bool seen;	/* a report came */
	atomic_bool stop;
	bool running;
	pthread_t thread;
	int rfd, kmsg_wfd;	/* reading the log; writing markers */
	char report_text[2048];
	pid_t report_tid;	/* the task the first report names */
	pid_t free_tid;		/* KASAN: the task that freed the object */
	uint64_t report_ts_us;	/* printk time of the first report line */
	char headlines[16][160];	/* each matching line, in order */
	unsigned int nr_headlines;
	uint64_t report_ns;	/* CLOCK_MONOTONIC of the report, 0: unknown */
	int64_t kmsg_offset_ns;	/* printk clock minus CLOCK_MONOTONIC */
	bool have_offset;
	unsigned int alloc_failures;	/* injected allocation failure notices */
	uint64_t marker_ns;
	char marker[64];
} rep = { .rfd = -1, .kmsg_wfd = -1 };

/* What vm-run.sh counts as a bad kernel log line (and KASAN's header) */
static const char *const bad_patterns[] = {
	"WARNING:", "BUG:", "Oops", "Kernel panic", "KASAN", "UBSAN",
	"circular locking", "recursive locking", "inconsistent lock state",
	"blocked for more than", "general protection", "Call Trace", "stall",
	"refcount_t:", "list_add corruption", "list_del corruption",
	"possible deadlock", "suspicious RCU usage",
};

/*
 * The notice of an allocation that fault injection made fail: its stack
 * trace, a few lines later, is no report (as in vm-run.sh).
 */
static bool is_alloc_failure(const char *msg)
{
	const char *v = strstr(msg, "vmalloc error: size ");

	if (strstr(msg, "page allocation failure: order:"))
		return true;
	return v && (strstr(v, "vm_struct allocation failed") ||
		     strstr(v, "failed to allocated page array") ||
		     strstr(v, "failed to allocate pages") ||
		     strstr(v, "failed to map pages"));
}

static bool is_bad(const char *msg)
{
	const char *p;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(bad_patterns); i++)
		if (strstr(msg, bad_patterns[i]))
			return true;
	/* "kmemleak: 3 new suspected memory leaks" */
	p = strstr(msg, "kmemleak: ");
	return p && p[10] >= '0' && p[10] <= '9' &&
	       strstr(p, " new suspected");
}

static void *kmsg_monitor(void *arg)
{
	char rec[2048];
	size_t used = 0;
	int fd = (intptr_t)arg;
	unsigned int lines = 0, alloc_fail_lines = 0;

	while (!atomic_load(&rep.stop)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		unsigned long long ts;
		char *msg;
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd, rec, sizeof(rec) - 1);
		if (n <= 0)
			continue;	/* EPIPE: records were overwritten */
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg || sscanf(rec, "%*u,%*u,%llu", &ts) != 1)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		if (is_alloc_failure(msg)) {
			alloc_fail_lines = 8;
			rep.alloc_failures++;
			continue;
		}
		if (alloc_fail_lines && alloc_fail_lines-- &&
		    strstr(msg, "Call Trace")) {
			alloc_fail_lines = 0;
			continue;
		}
		/*
		 * printk's clock and CLOCK_MONOTONIC drift apart (by up to
		 * 100 ppm under TCG): a marker at the start, and another one
		 * written when the report is seen, give the offset.
		 */
		if (strstr(msg, rep.marker)) {
			rep.kmsg_offset_ns = ts * 1000 - rep.marker_ns;
			rep.have_offset = true;
			if (rep.report_ts_us)
				rep.report_ns = rep.report_ts_us * 1000 -
					      rep.kmsg_offset_ns;
			continue;
		}
		if (is_bad(msg) && rep.nr_headlines < ARRAY_SIZE(rep.headlines))
			snprintf(rep.headlines[rep.nr_headlines++],
				 sizeof(rep.headlines[0]), "[%llu.%06llu] %s",
				 ts / 1000000, ts % 1000000, msg);
		if (!atomic_load(&rep.seen) && !is_bad(msg))
			continue;
		if (!atomic_load(&rep.seen)) {
			rep.report_ts_us = ts;
			rep.report_ns = rep.have_offset ?
				ts * 1000 - rep.kmsg_offset_ns : 0;
			atomic_store(&rep.seen, true);
			rep.marker_ns = now_ns();
			if (write(rep.kmsg_wfd, rep.marker, strlen(rep.marker)) < 0)
				rep.marker_ns = 0;
		}
		if (!rep.free_tid && !strncmp(msg, "Freed by task ", 14))
			rep.free_tid = atoi(msg + 14);
		/* KASAN: "by task comm/tid"; WARN and BUG: "PID: tid" */
		if (!rep.report_tid) {
			const char *by = strstr(msg, "by task ");
			const char *pid = strstr(msg, " PID: ");

			by = by ? strchr(by, '/') : NULL;
			if (by)
				rep.report_tid = atoi(by + 1);
			else if (pid)
				rep.report_tid = atoi(pid + 6);
		}
		/* The first lines of the report, for the summary */
		if (lines++ < 24 && used < sizeof(rep.report_text) - 2) {
			used += snprintf(rep.report_text + used,
					 sizeof(rep.report_text) - used,
					 "#   [%llu.%06llu] %s\n", ts / 1000000,
					 ts % 1000000, msg);
			if (used >= sizeof(rep.report_text))
				used = sizeof(rep.report_text) - 1;
		}
	}
	return NULL;
}

int kmsg_start(void)
{
	int rfd, wfd;

	rfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (rfd < 0)
		return -1;
	lseek(rfd, 0, SEEK_END);
	snprintf(rep.marker, sizeof(rep.marker), "iommufd_fuzz: seed %llu clock",
		 (unsigned long long)opts.seed);
	wfd = open("/dev/kmsg", O_WRONLY);
	rep.kmsg_wfd = wfd;
	rep.marker_ns = now_ns();
	if (wfd >= 0 && write(wfd, rep.marker, strlen(rep.marker)) < 0)
		rep.marker_ns = 0;
	rep.rfd = rfd;
	if (pthread_create(&rep.thread, NULL, kmsg_monitor,
			   (void *)(intptr_t)rfd))
		return -1;
	rep.running = true;
	return 0;
}

void kmsg_stop(void)
{
	atomic_store(&rep.stop, true);
	if (rep.running)
		pthread_join(rep.thread, NULL);
	rep.running = false;
}

bool kmsg_is_ours(int fd)
{
	return fd == rep.rfd || fd == rep.kmsg_wfd;
}

unsigned int alloc_failure_notices(void)
{
	return rep.alloc_failures;
}

bool report_seen(void)
{
	return atomic_load(&rep.seen);
}

/*
 * The last opts.show_n calls of every thread before @ref_ns (the kernel
 * report; 0: the last ones) and those after it until the run stopped, times
 * relative to @ref_ns (or to the start of the run), with a marker where the
 * report came, and the thread the report names pointed out.
 */
void dump_rings(const char *why, uint64_t ref_ns)
{
	unsigned int i;

	printf("# seed %llu: last calls of every thread (%s; time relative to %s):\n",
	       (unsigned long long)opts.seed, why, ref_ns ? "it" : "the start");
	for (i = 0; i != opts.threads; i++) {
		struct thr *t = &thrs[i];
		uint64_t first = t->seq > opts.log_n ? t->seq - opts.log_n : 0;
		uint64_t base = ref_ns ?: run_start_ns, s, before = 0;
		bool marked = !ref_ns;

		/* Skip all but the last show_n calls before the report */
		for (s = first; s < t->seq; s++)
			before += !ref_ns || t->ring[s % opts.log_n].t_ns <= ref_ns;
		if (before > opts.show_n)
			first += before - opts.show_n;

		printf("#  thread T%u (tid %d)%s%s:\n", i, t->tid,
		       rep.report_tid && t->tid == rep.report_tid ?
		       ", named by the report" : "",
		       rep.free_tid && t->tid == rep.free_tid ?
		       ", freed the object (KASAN)" : "");
		/* A call in flight has its record at t->seq */
		for (s = first; s <= t->seq; s++) {
			struct callrec *r = &t->ring[s % opts.log_n];
			double dt = ((double)r->t_ns - (double)base) / 1e9;

			if (r->seq != s || !r->t_ns)
				continue;
			if (s == t->seq && (r->done || !t->inflight_ns))
				continue;
			if (!marked && r->t_ns > ref_ns) {
				printf("#  ---- the report ----\n");
				marked = true;
			}
			printf("#  T%u #%-8llu %+11.6fs %-22s %s", i,
			       (unsigned long long)s, dt, ops[r->op].name,
			       r->text);
			if (!r->done)
				printf(" = (in flight)\n");
			else if (r->ret < 0)
				printf(" = -1 %s\n", strerror(r->err));
			else
				printf(" = %d\n", r->ret);
		}
	}
	fflush(stdout);
}

/* The report's first lines, the calls before it, every later report */
void report_print(void)
{
	unsigned int i;

	if (!report_seen())
		return;
	printf("# kernel report (seed %llu):\n%s",
	       (unsigned long long)opts.seed, rep.report_text);
	dump_rings("kernel report", rep.report_ns);
	printf("# kernel reports during the run (first lines):\n");
	for (i = 0; i != rep.nr_headlines; i++)
		printf("#   %s\n", rep.headlines[i]);
}

void print_stack(pid_t tid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("#     %s", line);
	fclose(f);
}
