// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault queues and the nested HWPTs they serve, on the mock IOMMU.
 *
 * A fault queue (IOMMU_FAULT_QUEUE_ALLOC) is an object and a file: faults
 * of the fault-capable nested HWPTs that name it are read() from the file as
 * struct iommu_hwpt_pgfault records, one whole group at a time, and answered
 * by write(). Faults are injected with IOMMU_TEST_OP_TRIGGER_IOPF, which
 * reports them synchronously, as the IOMMU's page-request handler would.
 *
 * Checked here: how a nested HWPT gets its queue (the flag is the core's,
 * the driver never sees it), the record rules of read() and write() and
 * that poll() agrees with read(), that a reader parked in a user copy does
 * not hold up the IOMMU's fault path, that faults arriving after the file
 * was closed are answered at once instead of piling up, that closing the
 * file races safely with IOMMU_DESTROY of the queue, and that
 * IOMMU_HWPT_INVALIDATE takes arrays of any entry size and count, works
 * through them in bounded steps, reports exactly how far it got and can be
 * killed.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "iommu_test_utils.h"

#define BAD_ID 0x7fffff00U
#define REC sizeof(struct iommu_hwpt_pgfault)

FIXTURE(fault) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	/* Set up by fault_attach() */
	__u32 parent_id;
	__u32 nested_id;
	__u32 fault_id;
	int fault_fd;
};

FIXTURE_SETUP(fault)
{
	self->fault_fd = -1;
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
}

FIXTURE_TEARDOWN(fault)
{
	if (self->fault_fd >= 0)
		close(self->fault_fd);
	if (self->fd >= 0)
		close(self->fd);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

static int fault_queue_alloc(int fd, __u32 *fault_id, int *fault_fd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	rc = ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	if (rc)
		return rc;
	*fault_id = cmd.out_fault_id;
	*fault_fd = cmd.out_fault_fd;
	return 0;
}

/* A request for a mock nested HWPT on @parent_id, with driver data @data */
static struct iommu_hwpt_alloc nested_req(__u32 dev_id, __u32 parent_id,
					  struct iommu_hwpt_selftest *data)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.pt_id = parent_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(*data),
		.data_uptr = (uintptr_t)data,
		.out_hwpt_id = BAD_ID,
	};

	return cmd;
}

static int hwpt_alloc(int fd, struct iommu_hwpt_alloc *cmd)
{
	return ioctl(fd, IOMMU_HWPT_ALLOC, cmd);
}

static int mock_trigger_iopf(int fd, __u32 dev_id, __u32 pasid, __u32 grpid,
			     __u64 addr)
{
	struct iommu_test_cmd req = {
		.trigger_iopf = {
			.dev_id = dev_id,
			.pasid = pasid,
			.grpid = grpid,
			.perm = IOMMU_PGFAULT_PERM_READ |
				IOMMU_PGFAULT_PERM_WRITE,
			.addr = addr,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_TRIGGER_IOPF, &req);
}

static int mock_check_iotlb(int fd, __u32 nested_id, __u32 index, __u32 val)
{
	struct iommu_test_cmd req = {
		.id = nested_id,
		.check_iotlb = { .id = index, .iotlb = val },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_MD_CHECK_IOTLB, &req);
}

/*
 * A fault queue, a NEST_PARENT HWPT and a nested HWPT on it that delivers
 * its faults to the queue; the fixture's device is moved onto the latter.
 */
static void fault_attach(struct __test_metadata *_metadata,
			 struct _test_data_fault *self)
{
	struct iommu_hwpt_selftest data = { .iotlb = 7 };
	struct iommu_hwpt_alloc cmd;
	__u32 pt;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT,
				 &self->parent_id));
	ASSERT_OK(fault_queue_alloc(self->fd, &self->fault_id,
				    &self->fault_fd));
	cmd = nested_req(self->idev_id, self->parent_id, &data);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = self->fault_id;
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	self->nested_id = cmd.out_hwpt_id;
	pt = self->nested_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(self->nested_id, pt);
}

/* Does the fault queue say it has something to read? */
static bool readable(int fault_fd)
{
	struct pollfd p = { .fd = fault_fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int respond(int fault_fd, __u32 cookie)
{
	struct iommu_hwpt_page_response r = {
		.cookie = cookie,
		.code = IOMMUFD_PAGE_RESP_SUCCESS,
	};

	return write(fault_fd, &r, sizeof(r)) == sizeof(r) ? 0 : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------- */
/* Nested HWPTs with a fault queue                                         */
/* ---------------------------------------------------------------------- */

/*
 * FAULT_ID_VALID is consumed by the core: the mock, like VT-d, refuses any
 * allocation flag for a nested domain, so the successes below also prove
 * that the driver never saw the flag.
 */
TEST_F(fault, nested_alloc_fault_id)
{
	struct iommu_hwpt_selftest data = { .iotlb = 7 };
	__u32 parent, fault_id, nested, stdev;
	struct iommu_hwpt_alloc cmd;
	int fault_fd;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));

	/* fault_id must name a fault queue */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = 0;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	cmd.fault_id = UINT32_MAX;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	cmd.fault_id = self->ioas_id;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	cmd.fault_id = parent;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
	/* The refused nested HWPTs are gone: nothing holds the parent */
	ASSERT_OK(ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));

	/* Without FAULT_ID_VALID fault_id is not looked at */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.fault_id = UINT32_MAX;
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	ASSERT_OK(ifd_destroy(self->fd, cmd.out_hwpt_id));

	/* A fault-capable nested HWPT keeps its queue alive */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = fault_id;
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	nested = cmd.out_hwpt_id;
	EXPECT_OK(mock_check_iotlb(self->fd, nested, 0, data.iotlb));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, fault_id));
	ASSERT_OK(close(fault_fd));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, fault_id));

	/* And a device attached to it keeps the HWPT alive */
	ASSERT_OK(mock_domain(self->fd, nested, &stdev, NULL, NULL));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, fault_id));
	ASSERT_OK(ifd_destroy(self->fd, parent));
}

/* ---------------------------------------------------------------------- */
/* read(), write() and poll()                                              */
/* ---------------------------------------------------------------------- */

/* read() and write() of a fault queue reject malformed records */
TEST_F(fault, fault_queue_io_errors)
{
	struct iommu_hwpt_page_response resp[2];
	struct iommu_hwpt_pgfault fault[2];
	__u32 pt;

	fault_attach(_metadata, self);
	ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0x10, 3,
				    0x5000));
	/* Whole records only */
	EXPECT_EQ(-1, read(self->fault_fd, fault, REC - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fault_fd, fault, REC + 8));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(REC, read(self->fault_fd, fault, sizeof(fault)));
	EXPECT_EQ(IOMMU_PGFAULT_FLAGS_PASID_VALID |
		  IOMMU_PGFAULT_FLAGS_LAST_PAGE, fault[0].flags);
	EXPECT_EQ(self->idev_id, fault[0].dev_id);
	EXPECT_EQ(0x10, fault[0].pasid);
	EXPECT_EQ(3, fault[0].grpid);
	EXPECT_EQ(IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE,
		  fault[0].perm);
	EXPECT_EQ(0x5000, fault[0].addr);
	EXPECT_NE(0, fault[0].cookie);

	resp[0].cookie = fault[0].cookie;
	resp[0].code = IOMMUFD_PAGE_RESP_SUCCESS;
	resp[1] = resp[0];
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0]) - 1));
	EXPECT_EQ(EINVAL, errno);
	/* An unknown code, a cookie nobody waits for */
	resp[0].code = IOMMUFD_PAGE_RESP_INVALID + 1;
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0])));
	EXPECT_EQ(EINVAL, errno);
	resp[0].code = IOMMUFD_PAGE_RESP_SUCCESS;
	resp[0].cookie = fault[0].cookie + 1;
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0])));
	EXPECT_EQ(EINVAL, errno);
	/* A good answer followed by a repeated one: the first counts */
	resp[0].cookie = fault[0].cookie;
	EXPECT_EQ(sizeof(resp[0]), write(self->fault_fd, resp, sizeof(resp)));
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0])));
	EXPECT_EQ(EINVAL, errno);

	/* Leave the fault-capable HWPT; then it and the queue can go */
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(close(self->fault_fd));
	self->fault_fd = -1;
	ASSERT_OK(ifd_destroy(self->fd, self->nested_id));
	ASSERT_OK(ifd_destroy(self->fd, self->fault_id));
	ASSERT_OK(ifd_destroy(self->fd, self->parent_id));
}

/*
 * poll() and read() agree: readable means a read() with room for a record
 * returns one, and a read() with no room for the waiting group fails with
 * EINVAL rather than returning 0 (end of file) while poll() says readable.
 * A group is not answerable before it was read, and stays queued when the
 * copy to the reader fails.
 */
TEST_F(fault, read_poll_agree)
{
	struct iommu_hwpt_pgfault fault[4];
	void *ro;
	int i;

	fault_attach(_metadata, self);
	EXPECT_FALSE(readable(self->fault_fd));
	/* Nothing queued: an empty read, a read without room is wrong */
	EXPECT_EQ(0, read(self->fault_fd, fault, sizeof(fault)));
	EXPECT_EQ(-1, read(self->fault_fd, fault, 0));
	EXPECT_EQ(EINVAL, errno);

	for (i = 0; i != 3; i++)
		ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0, i,
					    0x1000 * (i + 1)));
	EXPECT_TRUE(readable(self->fault_fd));
	EXPECT_EQ(-1, read(self->fault_fd, fault, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(readable(self->fault_fd));

	/* Not read yet: not answerable (the first cookie is 1 or more) */
	for (i = 1; i != 8; i++) {
		struct iommu_hwpt_page_response r = { .cookie = i };

		EXPECT_EQ(-1, write(self->fault_fd, &r, sizeof(r)));
		EXPECT_EQ(EINVAL, errno);
	}

	/* A failed copy loses nothing */
	ro = mmap(NULL, page_sz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		  0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, read(self->fault_fd, ro, 2 * REC));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, page_sz);
	EXPECT_TRUE(readable(self->fault_fd));

	/* Whole groups in order, as many as fit */
	ASSERT_EQ(2 * REC, read(self->fault_fd, fault, 2 * REC));
	EXPECT_EQ(0x1000, fault[0].addr);
	EXPECT_EQ(0x2000, fault[1].addr);
	EXPECT_NE(fault[0].cookie, fault[1].cookie);
	EXPECT_TRUE(readable(self->fault_fd));
	ASSERT_EQ(REC, read(self->fault_fd, &fault[2], 2 * REC));
	EXPECT_EQ(0x3000, fault[2].addr);
	EXPECT_EQ(2, fault[2].grpid);
	EXPECT_FALSE(readable(self->fault_fd));
	EXPECT_EQ(0, read(self->fault_fd, fault, REC));

	for (i = 0; i != 3; i++)
		EXPECT_OK(respond(self->fault_fd, fault[i].cookie));
	EXPECT_EQ(-1, respond(self->fault_fd, fault[0].cookie));
}

/* A reader parked in a user copy on a userfaultfd-registered page */
struct parked_reader {
	int fault_fd;
	void *buf;
	ssize_t ret;
	int err;
};

static void *parked_read(void *arg)
{
	struct parked_reader *r = arg;

	r->ret = read(r->fault_fd, r->buf, REC);
	r->err = errno;
	return NULL;
}

struct trigger {
	int fd;
	__u32 dev_id;
	int rc;
	int done;
};

static void *trigger_iopf(void *arg)
{
	struct trigger *t = arg;

	t->rc = mock_trigger_iopf(t->fd, t->dev_id, 0, 9, 0x9000);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int uffd_open(void *page)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)page, .len = page_sz },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int ufd;

	ufd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (ufd < 0)
		return -1;
	if (ioctl(ufd, UFFDIO_API, &api) || ioctl(ufd, UFFDIO_REGISTER, &reg)) {
		close(ufd);
		return -1;
	}
	return ufd;
}

/*
 * The IOMMU's fault path (here TRIGGER_IOPF, which reports synchronously)
 * must not wait for a reader of the queue: the reader's buffer may be
 * userfaultfd- or FUSE-backed, and its copy may never finish.
 */
TEST_F(fault, iopf_not_held_up_by_reader)
{
	struct parked_reader r = { .ret = -2 };
	struct trigger t = { .fd = self->fd, .dev_id = self->idev_id };
	struct iommu_hwpt_pgfault first, second;
	struct uffdio_range zero_range;
	struct uffdio_zeropage zero;
	struct uffd_msg msg;
	pthread_t reader, trig;
	struct pollfd p;
	double start;
	bool prompt;
	int ufd;

	fault_attach(_metadata, self);
	r.fault_fd = self->fault_fd;
	r.buf = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r.buf);
	ufd = uffd_open(r.buf);
	if (ufd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));

	/* Something to read, then a reader that stalls copying it out */
	ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0, 1, 0x1000));
	ASSERT_OK(pthread_create(&reader, NULL, parked_read, &r));
	p = (struct pollfd){ .fd = ufd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 20000));
	ASSERT_EQ(sizeof(msg), read(ufd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	/* The reader is parked in the kernel's copy: report another fault */
	ASSERT_OK(pthread_create(&trig, NULL, trigger_iopf, &t));
	start = now();
	while (!__atomic_load_n(&t.done, __ATOMIC_ACQUIRE) &&
	       now() - start < 10)
		usleep(1000);
	prompt = __atomic_load_n(&t.done, __ATOMIC_ACQUIRE);
	if (!prompt)
		TH_LOG("TRIGGER_IOPF still waiting after 10 s behind the reader");
	EXPECT_TRUE(prompt);

	/* Let the reader go */
	zero_range = (struct uffdio_range){
		.start = (uintptr_t)r.buf, .len = page_sz,
	};
	zero = (struct uffdio_zeropage){ .range = zero_range };
	ASSERT_OK(ioctl(ufd, UFFDIO_ZEROPAGE, &zero));
	ASSERT_OK(pthread_join(reader, NULL));
	ASSERT_OK(pthread_join(trig, NULL));
	close(ufd);
	EXPECT_OK(t.rc);

	/* Each fault was delivered once, in order */
	ASSERT_EQ(REC, r.ret);
	memcpy(&first, r.buf, REC);
	EXPECT_EQ(0x1000, first.addr);
	ASSERT_EQ(REC, read(self->fault_fd, &second, REC));
	EXPECT_EQ(0x9000, second.addr);
	EXPECT_EQ(0, read(self->fault_fd, &second, REC));
	EXPECT_OK(respond(self->fault_fd, first.cookie));
	EXPECT_OK(respond(self->fault_fd, second.cookie));
	munmap(r.buf, page_sz);
}

/* ---------------------------------------------------------------------- */
/* The file closed                                                         */
/* ---------------------------------------------------------------------- */

/* Unreclaimable slab memory of the system, in KiB */
static long slab_unreclaimable_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * KASAN keeps freed objects in a quarantine for a while: memory given back
 * does not show in the slab figures of such a kernel.
 */
static bool kernel_has_kasan(void)
{
	bool found = false;
	char line[256];
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " kasan_report\n");
	fclose(f);
	return found;
}

#define NR_LATE_FAULTS 32768

/*
 * Nobody can read a fault that arrives after the queue's file was closed:
 * it must be answered at once, not kept until the device leaves the HWPT.
 * Kept, NR_LATE_FAULTS groups would hold several MiB of kernel memory.
 * Under KASAN fewer faults only exercise the path.
 */
TEST_F_TIMEOUT(fault, faults_after_close_answered, 120)
{
	bool kasan = kernel_has_kasan();
	int i, nr = kasan ? 1024 : NR_LATE_FAULTS;
	long before, after;
	__u32 pt;

	fault_attach(_metadata, self);
	/* One read but unanswered, one unread: answered by the close */
	ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0, 1, 0x1000));
	ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0, 2, 0x2000));
	ASSERT_EQ(REC, read(self->fault_fd, &(struct iommu_hwpt_pgfault){},
			    REC));
	ASSERT_OK(close(self->fault_fd));
	self->fault_fd = -1;

	/* Settle the slab caches this loop uses, then measure */
	for (i = 0; i != 256; i++)
		ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0, i,
					    0x1000));
	before = slab_unreclaimable_kb();
	if (before < 0)
		SKIP(return, "no SUnreclaim in /proc/meminfo");
	for (i = 0; i != nr; i++)
		ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0, i,
					    0x1000));
	after = slab_unreclaimable_kb();
	TH_LOG("%d faults after close: unreclaimable slab %+ld KiB%s", nr,
	       after - before, kasan ? " (KASAN: not judged)" : "");
	if (!kasan)
		EXPECT_GT(2048, after - before);

	/* Leaving the HWPT has nothing left to answer; all can go */
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(ifd_destroy(self->fd, self->nested_id));
	ASSERT_OK(ifd_destroy(self->fd, self->fault_id));
	ASSERT_OK(ifd_destroy(self->fd, self->parent_id));
}

#define NR_CLOSE_RACES 100000

struct close_race {
	int fd;
	__u32 id;
	int stop;
	unsigned int destroyed;
	unsigned int bad;
	int bad_errno;
};

static void *destroy_loop(void *arg)
{
	struct close_race *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		__u32 id = __atomic_load_n(&c->id, __ATOMIC_ACQUIRE);

		if (!id)
			continue;
		if (!ifd_destroy(c->fd, id)) {
			c->destroyed++;
			__atomic_store_n(&c->id, 0, __ATOMIC_RELEASE);
		} else if (errno != EBUSY && errno != ENOENT) {
			c->bad++;
			c->bad_errno = errno;
		}
	}
	return NULL;
}

/*
 * Closing a queue's file drops the file's reference on the object; from
 * that moment IOMMU_DESTROY may free it, so the release must not touch the
 * object afterwards. One thread allocates and closes queues, another
 * destroys each as soon as it can, trying all through the close. Without
 * the fix KASAN reports a use-after-free in the release (x86-debug).
 */
TEST_F_TIMEOUT(fault, close_races_destroy, 300)
{
	struct close_race c = { .fd = self->fd };
	unsigned int i, allocated = 0;
	double start = now(), wait;
	bool failed = false;
	pthread_t th;
	__u32 id;
	int ffd;

	ASSERT_OK(pthread_create(&th, NULL, destroy_loop, &c));
	for (i = 0; i != NR_CLOSE_RACES && now() - start < 60; i++) {
		if (fault_queue_alloc(self->fd, &id, &ffd)) {
			TH_LOG("FAULT_QUEUE_ALLOC: %s", strerror(errno));
			failed = true;
			break;
		}
		allocated++;
		__atomic_store_n(&c.id, id, __ATOMIC_RELEASE);
		close(ffd);
		/* Closed: the other thread can destroy it now, and must */
		wait = now();
		while (__atomic_load_n(&c.id, __ATOMIC_ACQUIRE) &&
		       now() - wait < 5)
			;
		if (__atomic_load_n(&c.id, __ATOMIC_ACQUIRE)) {
			TH_LOG("closed fault queue %u cannot be destroyed", id);
			failed = true;
			break;
		}
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	ASSERT_OK(pthread_join(th, NULL));
	EXPECT_FALSE(failed);
	EXPECT_EQ(allocated, c.destroyed);
	EXPECT_EQ(0, c.bad);
	if (c.bad)
		TH_LOG("IOMMU_DESTROY: %s", strerror(c.bad_errno));
	TH_LOG("%u queues allocated, closed and destroyed in %.1f s",
	       allocated, now() - start);
}

/* ---------------------------------------------------------------------- */
/* IOMMU_HWPT_INVALIDATE                                                   */
/* ---------------------------------------------------------------------- */

struct inval {
	__u32 flags;
	__u32 iotlb_id;
};

static int invalidate(int fd, __u32 hwpt_id, void *entries, __u32 entry_len,
		      __u32 *entry_num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.data_uptr = (uintptr_t)entries,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = entry_len,
		.entry_num = *entry_num,
	};
	int rc;

	rc = ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);
	*entry_num = cmd.entry_num;
	return rc;
}

/* A mock nested HWPT whose 4 IOTLB entries all hold @iotlb */
static __u32 nested_with_iotlb(struct __test_metadata *_metadata,
			       struct _test_data_fault *self, __u32 iotlb)
{
	struct iommu_hwpt_selftest data = { .iotlb = iotlb };
	struct iommu_hwpt_alloc cmd;

	if (!self->parent_id)
		ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id,
					 self->ioas_id,
					 IOMMU_HWPT_ALLOC_NEST_PARENT,
					 &self->parent_id));
	cmd = nested_req(self->idev_id, self->parent_id, &data);
	EXPECT_OK(hwpt_alloc(self->fd, &cmd));
	return cmd.out_hwpt_id;
}

static struct inval *entry(void *array, __u32 entry_len, __u32 i)
{
	return (struct inval *)((char *)array + (size_t)entry_len * i);
}

/*
 * Neither the entry size nor the number of entries has a limit in the uAPI:
 * the core takes any, and the driver judges the entries. Arrays of more
 * than 512K entries are worked through, and a failing entry stops the work
 * with entry_num telling exactly how many came before it, also deep into
 * the array.
 */
TEST_F_TIMEOUT(fault, invalidate_any_size, 300)
{
	const __u32 big_len = 2 * page_sz + sizeof(struct inval);
	const __u32 many = (1U << 19) + 4096;
	const __u32 inval_len = sizeof(struct inval);
	__u32 nested, num, i, bad;
	size_t size;
	void *array;

	nested = nested_with_iotlb(_metadata, self, 7);
	size = (size_t)many * inval_len;
	array = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, array);

	/*
	 * Entries longer than a page: not refused by the core, which looks
	 * up the HWPT (ENOENT for a paging one); the 6.12 mock takes only its
	 * own entry size (iommu_copy_struct_from_user_array()), so its first
	 * entry fails.
	 */
	num = 4;
	EXPECT_ERRNO(ENOENT, invalidate(self->fd, self->parent_id, array,
					big_len, &num));
	EXPECT_EQ(0, num);
	num = many;
	EXPECT_ERRNO(ENOENT, invalidate(self->fd, self->parent_id, array,
					inval_len, &num));
	EXPECT_EQ(0, num);
	num = 4;
	EXPECT_ERRNO(EINVAL, invalidate(self->fd, nested, array, big_len,
					&num));
	EXPECT_EQ(0, num);
	EXPECT_OK(mock_check_iotlb(self->fd, nested, 0, 7));

	/* More than 512K entries */
	for (i = 0; i != many; i++)
		entry(array, inval_len, i)->iotlb_id = i % 4;
	num = many;
	EXPECT_OK(invalidate(self->fd, nested, array, inval_len, &num));
	EXPECT_EQ(many, num);
	for (i = 0; i != 4; i++)
		EXPECT_OK(mock_check_iotlb(self->fd, nested, i, 0));

	/* A failing entry in the middle of a later batch */
	bad = many - 1000;
	entry(array, inval_len, bad)->iotlb_id =
		MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1;
	num = many;
	EXPECT_ERRNO(EINVAL, invalidate(self->fd, nested, array, inval_len,
					&num));
	EXPECT_EQ(bad, num);
	entry(array, inval_len, bad)->iotlb_id = 0;
	bad = (1U << 19) + 3;
	entry(array, inval_len, bad)->flags = 1U << 1;
	num = many;
	EXPECT_ERRNO(EOPNOTSUPP, invalidate(self->fd, nested, array,
					    inval_len, &num));
	EXPECT_EQ(bad, num);
	entry(array, inval_len, bad)->flags = 0;

	/* The array unreadable from its last page on */
	ASSERT_EQ(0, size % page_sz);
	ASSERT_OK(mprotect((char *)array + size - page_sz, page_sz,
			   PROT_NONE));
	num = many;
	EXPECT_ERRNO(EFAULT, invalidate(self->fd, nested, array, inval_len,
					&num));
	EXPECT_EQ((size - page_sz) / inval_len, num);
	munmap(array, size);
	ASSERT_OK(ifd_destroy(self->fd, nested));
}

/*
 * An invalidation of 4G entries can take very long: a fatal signal must
 * end it. The array is 32 GiB of never-written anonymous memory, every
 * entry of which reads as a valid "invalidate IOTLB entry 0".
 */
TEST_F_TIMEOUT(fault, invalidate_killable, 120)
{
	const size_t size = (size_t)UINT32_MAX * sizeof(struct inval);
	int status = 0;
	double start;
	__u32 nested;
	void *array;
	pid_t pid;

	if (sizeof(long) < 8)
		SKIP(return, "needs a 64-bit address space");
	nested = nested_with_iotlb(_metadata, self, 7);
	array = mmap(NULL, size, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, array);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u32 num = UINT32_MAX;

		invalidate(self->fd, nested, array, sizeof(struct inval),
			   &num);
		/* Returned: a refusal, or 4G entries done in no time */
		_exit(1);
	}
	/* Wait until the child is at work: its entry 0 was applied */
	start = now();
	while (mock_check_iotlb(self->fd, nested, 0, 0) && now() - start < 20)
		usleep(10 * 1000);
	EXPECT_OK(mock_check_iotlb(self->fd, nested, 0, 0));
	usleep(100 * 1000);

	start = now();
	ASSERT_OK(kill(pid, SIGKILL));
	while (waitpid(pid, &status, WNOHANG) == 0 && now() - start < 60)
		usleep(10 * 1000);
	TH_LOG("child gone %.2f s after SIGKILL", now() - start);
	EXPECT_TRUE(WIFSIGNALED(status));
	if (WIFSIGNALED(status))
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
	EXPECT_GT(10, now() - start);
	munmap(array, size);
}

TEST_HARNESS_MAIN
