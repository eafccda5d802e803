/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qemu_qmp.h - run a QEMU inside the test machine and talk QMP to it
 *
 * vm-run.sh --qemu packs each QEMU the host has (7.2 and 10) into the
 * machine under /opt/qemu-VERSION/, started by the wrapper script
 * /opt/qemu-VERSION/qemu-system-x86_64 with its own libraries and firmware.
 * The tests start one with "-qmp stdio" and talk to it over pipes; QEMU's
 * stderr goes to a log file they print on failure.
 */
#ifndef QEMU_QMP_H
#define QEMU_QMP_H

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "edu_driver.h"

#define QEMU_DIR(v)		"/opt/qemu-" v "/qemu-system-x86_64"
#define QEMU_LOG		"/tmp/qemu.stderr"
#define QMP_TIMEOUT_MS		(300 * 1000)
#define VTD_DEBUGFS		"/sys/kernel/debug/iommu/intel"

struct qmp {
	pid_t pid;
	int to;			/* QEMU's stdin */
	int from;		/* QEMU's stdout */
	char buf[1 << 16];
	size_t len;
};

/* Starts @argv (argv[0]: the QEMU wrapper) with QMP on its stdin/stdout */
static inline int qmp_start(struct qmp *q, const char *const argv[])
{
	int in[2], out[2], log;

	if (pipe(in))
		return -errno;
	if (pipe(out)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	q->pid = fork();
	if (q->pid < 0)
		return -errno;
	if (!q->pid) {
		log = open(QEMU_LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (log >= 0)
			dup2(log, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	q->to = in[1];
	q->from = out[0];
	q->len = 0;
	return 0;
}

/*
 * Reads QMP messages until one contains @want (an event too when @event),
 * waiting at most @ms; the message is left in q->buf.  Returns 0, or
 * -ETIMEDOUT / -EPIPE.
 */
static inline int qmp_wait_ms(struct qmp *q, const char *want, bool event,
			      int ms)
{
	struct pollfd pfd = { .fd = q->from, .events = POLLIN };
	char *nl;
	ssize_t n;

	for (;;) {
		while ((nl = memchr(q->buf, '\n', q->len))) {
			size_t line = nl - q->buf + 1;

			*nl = 0;
			if (strstr(q->buf, want) &&
			    (event || !strstr(q->buf, "\"event\"")))
				return 0;
			memmove(q->buf, q->buf + line, q->len - line);
			q->len -= line;
		}
		if (q->len == sizeof(q->buf) - 1)
			q->len = 0;	/* a line longer than we care for */
		if (poll(&pfd, 1, ms) != 1)
			return -ETIMEDOUT;
		n = read(q->from, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
		if (n <= 0)
			return -EPIPE;
		q->len += n;
		q->buf[q->len] = 0;
	}
}

static inline int qmp_wait(struct qmp *q, const char *want)
{
	return qmp_wait_ms(q, want, false, QMP_TIMEOUT_MS);
}

/* Sends one command with @args (a JSON object or NULL), waits for its answer */
static inline int qmp_call_args(struct qmp *q, const char *cmd,
				const char *args)
{
	char line[512];
	int len = snprintf(line, sizeof(line), "{\"execute\": \"%s\"%s%s}\n",
			   cmd, args ? ", \"arguments\": " : "", args ?: "");

	/* Drop what is left of the previous answer */
	q->len = 0;
	if (write(q->to, line, len) != len)
		return -EPIPE;
	return qmp_wait(q, "\"return\"");
}

static inline int qmp_call(struct qmp *q, const char *cmd)
{
	return qmp_call_args(q, cmd, NULL);
}

/* Waits up to @ms for QEMU to exit; its wait status, or -1 (killed) */
static inline int qmp_reap(struct qmp *q, int ms)
{
	int status;

	for (; ms > 0; ms -= 100) {
		if (waitpid(q->pid, &status, WNOHANG) == q->pid)
			return status;
		usleep(100 * 1000);
	}
	kill(q->pid, SIGKILL);
	waitpid(q->pid, &status, 0);
	return -1;
}

static inline void qmp_close(struct qmp *q)
{
	close(q->to);
	close(q->from);
}

/* Prints the tail of a log file (QEMU's stderr, a nested console) */
#define show_file(path) do {						\
	char _log[4096] = "";						\
	ssize_t _n = 0;							\
	off_t _end;							\
	int _fd = open(path, O_RDONLY);					\
									\
	if (_fd >= 0) {							\
		_end = lseek(_fd, 0, SEEK_END);				\
		lseek(_fd, _end > 4000 ? _end - 4000 : 0, SEEK_SET);	\
		_n = read(_fd, _log, sizeof(_log) - 1);			\
		close(_fd);						\
	}								\
	if (_n > 0) {							\
		_log[_n] = 0;						\
		TH_LOG("%s:\n%s", path, _log);				\
	}								\
} while (0)

/*
 * Walks the VT-d debugfs dump of @bdf's page table: one line per present
 * leaf, "IOVA_PFN | <table entries of the path>", where the number of
 * entries tells the leaf's level (5: 4 KiB, 4: 2 MiB, 3: 1 GiB).  Marks
 * every 4 KiB page below @ram in @mapped; returns the total number of
 * bytes mapped, or -errno.
 */
static inline long long vtd_mapped(const char *bdf, bool *mapped,
				   unsigned long long ram)
{
	char path[PATH_MAX], line[512];
	long long total = 0;
	FILE *f;

	snprintf(path, sizeof(path), VTD_DEBUGFS "/%s/domain_translation_struct",
		 bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long pfn, iova, size, p;
		char *bar = strchr(line, '|'), *tok, *end;
		int fields = 0;

		pfn = strtoull(line, &end, 16);
		if (!bar || end == line)
			continue;
		for (tok = strtok(bar + 1, " \t\n"); tok;
		     tok = strtok(NULL, " \t\n"))
			fields++;
		size = fields == 5 ? 1ULL << 12 :
		       fields == 4 ? 1ULL << 21 : 1ULL << 30;
		iova = pfn << 12;
		total += size;
		for (p = iova; p < iova + size && p < ram; p += 4096)
			mapped[p >> 12] = true;
	}
	fclose(f);
	return total;
}

/*
 * Pages pinned with FOLL_PIN so far and released so far (/proc/vmstat).
 * These counters are kept per CPU and folded into the global ones now and
 * then: without a stat_refresh first the difference can be off by a few.
 * Returns false when the refresh failed.
 */
static inline bool foll_pins(long long *acquired, long long *released)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	bool refreshed = false;
	char line[128];
	FILE *f;

	if (fd >= 0) {
		refreshed = write(fd, "1", 1) == 1;
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");

	*acquired = *released = -1;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "nr_foll_pin_acquired %lld", acquired) == 1)
			continue;
		if (sscanf(line, "nr_foll_pin_released %lld", released) == 1)
			continue;
	}
	fclose(f);
	return refreshed;
}

#endif /* QEMU_QMP_H */
