// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_client_test - unmodified QEMU 7.2 (Debian's) as a legacy VFIO user
 *
 * QEMU 7.2 predates its iommufd backend: it passes a device through with
 * VFIO groups and the type1 container API only.  Here it runs inside the
 * test machine (vm-run.sh --qemu packs Debian's qemu-system-x86_64, its
 * libraries and firmware into the initramfs), with the edu device passed
 * through (-device vfio-pci) and started paused (-S).  The test then checks
 *
 *  - over QMP, that QEMU realized the device: query-pci lists it;
 *  - in the IOMMU's own page table for the edu device (the VT-d driver's
 *    debugfs view, domain_translation_struct), that the nested guest's RAM
 *    is DMA-mapped: QEMU mapped its guest-physical address space through
 *    our container, so IOVA == guest physical address, and every page of
 *    RAM above 1 MiB must be present;
 *
 * and quits QEMU over QMP.  The nested guest never runs.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "edu_driver.h"

#define QEMU		"/usr/bin/qemu-system-x86_64"
#define QEMU_LOG	"/tmp/qemu.stderr"
#define GUEST_MB	32
#define GUEST_RAM	((unsigned long long)GUEST_MB << 20)
#define STEP_TIMEOUT_MS	(300 * 1000)
#define VTD_DEBUGFS	"/sys/kernel/debug/iommu/intel"

struct qmp {
	pid_t pid;
	int to;			/* QEMU's stdin */
	int from;		/* QEMU's stdout */
	char buf[1 << 16];
	size_t len;
};

static int qmp_start(struct qmp *q, const char *bdf)
{
	char dev[NAME_MAX + 32], mem[16];
	int in[2], out[2], log;

	snprintf(dev, sizeof(dev), "vfio-pci,host=%s,id=edu0", bdf);
	snprintf(mem, sizeof(mem), "%d", GUEST_MB);
	if (pipe(in) || pipe(out))
		return -errno;
	q->pid = fork();
	if (q->pid < 0)
		return -errno;
	if (!q->pid) {
		log = open(QEMU_LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (log >= 0)
			dup2(log, 2);
		execl(QEMU, QEMU, "-M", "q35", "-accel", "tcg", "-nodefaults",
		      "-display", "none", "-S", "-qmp", "stdio",
		      "-m", mem, "-device", dev,
		      (char *)NULL);
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
 * Reads QMP messages until one contains @want, skipping events; the
 * message is left in q->buf.  Returns 0, or -ETIMEDOUT / -EPIPE.
 */
static int qmp_wait(struct qmp *q, const char *want)
{
	struct pollfd pfd = { .fd = q->from, .events = POLLIN };
	char *nl;
	ssize_t n;

	for (;;) {
		while ((nl = memchr(q->buf, '\n', q->len))) {
			size_t line = nl - q->buf + 1;
			bool match;

			*nl = 0;
			match = strstr(q->buf, want) && !strstr(q->buf, "\"event\"");
			if (match)
				return 0;
			memmove(q->buf, q->buf + line, q->len - line);
			q->len -= line;
		}
		if (q->len == sizeof(q->buf) - 1)
			q->len = 0;	/* a line longer than we care for */
		if (poll(&pfd, 1, STEP_TIMEOUT_MS) != 1)
			return -ETIMEDOUT;
		n = read(q->from, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
		if (n <= 0)
			return -EPIPE;
		q->len += n;
		q->buf[q->len] = 0;
	}
}

/* Sends one command and waits for its answer */
static int qmp_call(struct qmp *q, const char *cmd)
{
	char line[256];
	int len = snprintf(line, sizeof(line), "{\"execute\": \"%s\"}\n", cmd);

	/* Drop what is left of the previous answer */
	q->len = 0;
	if (write(q->to, line, len) != len)
		return -EPIPE;
	return qmp_wait(q, "\"return\"");
}

/* Waits up to @ms for QEMU to exit; its wait status, or -1 */
static int qmp_reap(struct qmp *q, int ms)
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

static void show_log(struct __test_metadata *_metadata)
{
	char log[4096] = "";
	ssize_t n;
	int fd;

	fd = open(QEMU_LOG, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, log, sizeof(log) - 1);
	close(fd);
	if (n > 0) {
		log[n] = 0;
		TH_LOG("QEMU's stderr:\n%s", log);
	}
}

/*
 * Walks the VT-d debugfs dump of @bdf's page table: one line per present
 * leaf, "IOVA_PFN | <table entries of the path>", where the number of
 * entries tells the leaf's level (5: 4 KiB, 4: 2 MiB, 3: 1 GiB).  Marks
 * every 4 KiB page below GUEST_RAM in @mapped; returns the total number of
 * bytes mapped, or -errno.
 */
static long long vtd_mapped(const char *bdf, bool *mapped)
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
		for (p = iova; p < iova + size && p < GUEST_RAM; p += 4096)
			mapped[p >> 12] = true;
	}
	fclose(f);
	return total;
}

TEST(qemu_passes_edu_through)
{
	static bool mapped[GUEST_RAM >> 12];
	struct edu_dev edu;
	struct qmp q = {};
	unsigned long long p, missing = 0;
	__u64 start = edu_now_ms();
	long long total;
	int status;

	if (access(QEMU, X_OK))
		SKIP(return, "QEMU is not in this machine (vm-run.sh --qemu)");
	edu_init(&edu);
	ASSERT_EQ(0, edu_find(&edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&edu));

	ASSERT_EQ(0, qmp_start(&q, edu.bdf));
	if (qmp_wait(&q, "\"QMP\"") || qmp_call(&q, "qmp_capabilities")) {
		show_log(_metadata);
		ASSERT_TRUE(false);
	}

	/* The device is realized: the emulated bus has it, as edu0 */
	ASSERT_EQ(0, qmp_call(&q, "query-pci"));
	EXPECT_NE(NULL, strstr(q.buf, "\"qdev_id\": \"edu0\""));
	EXPECT_NE(NULL, strstr(q.buf, "\"vendor\": 4660"));	/* 0x1234 */
	EXPECT_NE(NULL, strstr(q.buf, "\"device\": 4584"));	/* 0x11e8 */

	/* Guest RAM is in the IOMMU page table of the real device */
	if (access(VTD_DEBUGFS, F_OK)) {
		TH_LOG("no VT-d debugfs: mappings not checked");
	} else {
		total = vtd_mapped(edu.bdf, mapped);
		ASSERT_LT(0, total);
		for (p = 1 << 20; p < GUEST_RAM; p += 4096)
			missing += !mapped[p >> 12];
		TH_LOG("%lld KiB mapped for a %d MiB guest; %llu pages missing",
		       total >> 10, GUEST_MB, missing);
		EXPECT_EQ(0, missing);
		EXPECT_LE(GUEST_RAM - (1 << 20), total);
	}

	EXPECT_EQ(0, qmp_call(&q, "quit"));
	status = qmp_reap(&q, STEP_TIMEOUT_MS);
	if (status)
		show_log(_metadata);
	EXPECT_EQ(0, status);
	close(q.to);
	close(q.from);
	TH_LOG("QEMU ran for %llu ms", (unsigned long long)(edu_now_ms() - start));

	/* QEMU gave the device back: it can be opened again */
	edu_init(&edu);
	ASSERT_EQ(0, edu_open(&edu));
	edu_close(&edu);
}

TEST_HARNESS_MAIN
