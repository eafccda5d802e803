// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS ioctls against a hostile or racing caller: user memory that never
 * arrives (userfaultfd), replies that cannot be written back, huge segment
 * counts and oversized inputs.
 *
 * The stalls use userfaultfd: a page registered for missing-page faults
 * blocks whoever touches it, GUP and user copies from the kernel included,
 * until the test resolves it.  A stalled call must only ever stall itself:
 * every other call on the IOAS has to finish promptly.  A guard thread
 * resolves the stall after GUARD_SECONDS so that a kernel that does wait
 * fails the test instead of hanging it.
 */
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <linux/userfaultfd.h>

#include "iommu_test_utils.h"
#include "legacy_utils.h"

/* What "promptly" means under TCG with KASAN and lockdep */
#define PROMPT_SECONDS 5.0
#define GUARD_SECONDS 20
#define STALL_PAGES 4

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------- */
/* userfaultfd                                                             */
/* ---------------------------------------------------------------------- */

/*
 * A userfaultfd that also handles faults taken by the kernel (GUP, user
 * copies); @features as for UFFDIO_API.  Return: the fd or -errno.
 */
static int uffd_open(__u64 features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd;

	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

static int uffd_register(int uffd, void *addr, size_t len, __u64 mode)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = mode,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg);
}

/* Wait up to @seconds for a page fault; its address in *@addr */
static int uffd_wait_fault(int uffd, int seconds, __u64 *addr, __u64 *flags)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, seconds * 1000) != 1)
		return -1;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -1;
	if (msg.event != UFFD_EVENT_PAGEFAULT)
		return -1;
	if (addr)
		*addr = msg.arg.pagefault.address;
	if (flags)
		*flags = msg.arg.pagefault.flags;
	return 0;
}

/* Fill the missing pages of [@addr, +@len) from @src and wake the waiters */
static int uffd_resolve(int uffd, void *addr, size_t len, const void *src)
{
	size_t off;

	for (off = 0; off < len; off += page_sz) {
		struct uffdio_copy copy = {
			.dst = (uintptr_t)addr + off,
			.src = (uintptr_t)src + off,
			.len = page_sz,
		};

		if (ioctl(uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
			return -1;
	}
	return 0;
}

/* Anonymous memory whose pages stay missing until uffd_resolve() */
static void *uffd_area(int uffd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	if (uffd_register(uffd, p, len, UFFDIO_REGISTER_MODE_MISSING)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

/*
 * The guard: after @seconds, resolve the stall so that the test goes on,
 * and remember that it had to.
 */
struct guard {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool fired;
	int seconds;
	int uffd;
	void *area;
	size_t len;
	const void *src;
};

static void *guard_fn(void *arg)
{
	struct guard *g = arg;
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += g->seconds;
	pthread_mutex_lock(&g->lock);
	while (!g->stop)
		if (pthread_cond_timedwait(&g->cond, &g->lock, &deadline))
			break;
	if (!g->stop) {
		g->fired = true;
		uffd_resolve(g->uffd, g->area, g->len, g->src);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

static void guard_start(struct guard *g, int uffd, void *area, size_t len,
			const void *src)
{
	*g = (struct guard){ .seconds = GUARD_SECONDS, .uffd = uffd,
			     .area = area, .len = len, .src = src };
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	pthread_create(&g->thread, NULL, guard_fn, g);
}

/* Return: whether the guard had to resolve the stall */
static bool guard_stop(struct guard *g)
{
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	return g->fired;
}

/* One ioctl in its own thread */
struct bg_call {
	pthread_t thread;
	int fd;
	unsigned long request;
	void *arg;
	int rc;
	int err;
};

static void *bg_call_fn(void *arg)
{
	struct bg_call *c = arg;

	c->rc = ioctl(c->fd, c->request, c->arg);
	c->err = c->rc ? errno : 0;
	return NULL;
}

static void bg_call_start(struct bg_call *c, int fd, unsigned long request,
			  void *arg)
{
	c->fd = fd;
	c->request = request;
	c->arg = arg;
	pthread_create(&c->thread, NULL, bg_call_fn, c);
}

/* Each call of the body must finish within PROMPT_SECONDS */
#define PROMPTLY(stmt)							\
	do {								\
		double __t0 = now();					\
		stmt;							\
		if (now() - __t0 >= PROMPT_SECONDS)			\
			TH_LOG("%s took %.1f s", #stmt, now() - __t0);	\
		EXPECT_LT(now() - __t0, PROMPT_SECONDS);		\
	} while (0)

/* ---------------------------------------------------------------------- */

FIXTURE(hostile) {
	int fd;
	__u32 ioas_id;
	__u32 stdev;
	__u32 hwpt;
	__u32 idev;
	int access_fd;
	int uffd;
	char *buf;
	size_t buf_size;
	__u64 base;
	char *area;		/* stall_setup(): memory that stalls */
	char *src;		/* and what resolves it */
};

FIXTURE_SETUP(hostile)
{
	self->uffd = -1;
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev,
			      &self->hwpt, &self->idev));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &self->access_fd));
	self->buf_size = 64 * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	pattern_fill(self->buf, self->buf_size, 1);
	self->base = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->access_fd > 0)
		close(self->access_fd);
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf)
		munmap(self->buf, self->buf_size);
	if (self->area)
		munmap(self->area, STALL_PAGES * page_sz);
	if (self->src)
		munmap(self->src, STALL_PAGES * page_sz);
}

static int hostile_uffd(struct _test_data_hostile *self, __u64 features)
{
	self->uffd = uffd_open(features);
	return self->uffd;
}

/*
 * The prologue of the stall tests: STALL_PAGES of memory that stalls
 * whoever touches it (self->area, registered with a new userfaultfd) and
 * the data that resolves it (self->src, filled with @seed's pattern); the
 * teardown unmaps both. False if userfaultfd is not available.
 */
static bool stall_setup(struct __test_metadata *_metadata,
			struct _test_data_hostile *self, int seed)
{
	size_t len = STALL_PAGES * page_sz;

	if (hostile_uffd(self, 0) < 0)
		return false;
	self->area = uffd_area(self->uffd, len);
	ASSERT_NE(NULL, self->area);
	self->src = buf_alloc(len, BUF_SMALL);
	ASSERT_NE(NULL, self->src);
	pattern_fill(self->src, len, seed);
	return true;
}

/*
 * While another call stalls, the IOAS @ioas_id answers at once: a map of
 * four pages of @buf, its unmap and IOVA_RANGES
 */
static void ioas_answers_promptly(struct __test_metadata *_metadata,
				  struct _test_data_hostile *self,
				  __u32 ioas_id, const void *buf)
{
	struct iommu_iova_range ranges[4];
	__u32 num = ARRAY_SIZE(ranges);
	__u64 iova = 0, unmapped;

	PROMPTLY(EXPECT_OK(ifd_map(self->fd, ioas_id, buf, 4 * page_sz,
				   &iova)));
	PROMPTLY(EXPECT_OK(ifd_unmap(self->fd, ioas_id, iova, 4 * page_sz,
				     &unmapped)));
	PROMPTLY(EXPECT_OK(ifd_iova_ranges(self->fd, ioas_id, ranges, &num,
					   NULL)));
}

/*
 * A map whose memory never arrives: the pin stalls inside GUP.  Everything
 * else on the IOAS goes on meanwhile, the stalled range behaves as not
 * mapped yet but taken, domains come and go, and once the memory arrives the
 * map completes into every domain the IOAS then has.
 */
TEST_F_TIMEOUT(hostile, map_stalled_in_gup_blocks_nothing, 180)
{
	size_t len = STALL_PAGES * page_sz;
	__u64 x = self->base + 256 * page_sz, iova, unmapped, fault;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = self->ioas_id,
		.length = len,
		.iova = x,
	};
	struct iommu_iova_range ranges[4];
	__u32 hwpt2, hwpt3, num, pages_id;
	unsigned char probe[64];
	struct bg_call call;
	struct guard guard;
	char *area, *src;

	if (!stall_setup(_metadata, self, 7))
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	area = self->area;
	src = self->src;
	map.user_va = (uintptr_t)area;

	/* What the other calls work on */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				4 * page_sz, self->base));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
				self->buf + 4 * page_sz, 4 * page_sz,
				self->base + 4 * page_sz));
	/* A second domain that will leave during the stall */
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev, self->ioas_id, 0,
				 &hwpt3));

	bg_call_start(&call, self->fd, IOMMU_IOAS_MAP, &map);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, &fault, NULL));
	ASSERT_EQ((uintptr_t)area, fault & ~(__u64)(page_sz - 1));
	guard_start(&guard, self->uffd, area, len, src);

	PROMPTLY(EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, self->base,
				     4 * page_sz, &unmapped)));
	num = ARRAY_SIZE(ranges);
	PROMPTLY(EXPECT_OK(ifd_iova_ranges(self->fd, self->ioas_id, ranges,
					   &num, NULL)));
	PROMPTLY(EXPECT_OK(ifd_map(self->fd, self->ioas_id,
				   self->buf + 8 * page_sz, 4 * page_sz,
				   &iova)));
	EXPECT_TRUE(iova + 4 * page_sz <= x || iova >= x + len);
	PROMPTLY(EXPECT_OK(mock_access_pages(self->fd, self->access_fd, 0,
					     self->base + 4 * page_sz,
					     page_sz, NULL, &pages_id)));
	PROMPTLY(EXPECT_OK(mock_access_unpin(self->fd, self->access_fd,
					     pages_id)));
	PROMPTLY(EXPECT_OK(mock_access_rw(self->fd, self->access_fd,
					  self->base + 4 * page_sz, probe,
					  sizeof(probe), 0)));
	EXPECT_EQ(0, memcmp(probe, self->buf + 4 * page_sz, sizeof(probe)));

	/* The stalled range is taken, but not mapped until the map returns */
	PROMPTLY(EXPECT_ERRNO(EEXIST, ifd_map_fixed(self->fd, self->ioas_id,
						    self->buf, len, x)));
	PROMPTLY(EXPECT_ERRNO(EEXIST, ifd_map_fixed(self->fd, self->ioas_id,
						    self->buf, page_sz,
						    x + len - page_sz)));
	PROMPTLY(EXPECT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, x,
						len, NULL)));
	PROMPTLY(EXPECT_ERRNO(ENOENT, mock_access_rw(self->fd, self->access_fd,
						     x, probe, sizeof(probe),
						     0)));
	PROMPTLY(EXPECT_ERRNO(ENOENT, ifd_copy(self->fd, self->ioas_id, &iova,
					       self->ioas_id, x, page_sz,
					       MAP_RW)));
	PROMPTLY(EXPECT_ERRNO(EADDRINUSE,
			      mock_add_reserved(self->fd, self->ioas_id, x,
						page_sz)));

	/* Domains come and go */
	PROMPTLY(EXPECT_OK(ifd_hwpt_alloc(self->fd, self->idev,
					  self->ioas_id, 0, &hwpt2)));
	PROMPTLY(EXPECT_OK(ifd_destroy(self->fd, hwpt3)));

	EXPECT_FALSE(guard_stop(&guard));
	/* Only now the memory arrives */
	ASSERT_OK(uffd_resolve(self->uffd, area, len, src));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(0, call.rc);
	ASSERT_EQ(x, map.iova);

	ASSERT_OK(mock_check_map(self->fd, self->hwpt, x, area, len));
	ASSERT_OK(mock_check_map(self->fd, hwpt2, x, area, len));
	ASSERT_OK(mock_check_refs(self->fd, area, len, 1));
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd, x + 100, probe,
				 sizeof(probe), 0));
	ASSERT_EQ(0, memcmp(probe, src + 100, sizeof(probe)));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, x, len, &unmapped));
	ASSERT_EQ(len, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, area, len, 0));
	ASSERT_OK(ifd_destroy(self->fd, hwpt2));
}

/*
 * The first domain of an IOAS pins what is mapped there: memory that never
 * arrives stalls that HWPT_ALLOC, and only it.
 */
TEST_F_TIMEOUT(hostile, first_domain_stalled_in_gup_blocks_nothing, 180)
{
	size_t len = STALL_PAGES * page_sz;
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.dev_id = self->idev,
	};
	struct bg_call call;
	struct guard guard;
	char *area, *src;

	if (!stall_setup(_metadata, self, 9))
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	area = self->area;
	src = self->src;
	/* Without a domain the IOAS maps without pinning */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &alloc.pt_id));
	ASSERT_OK(ifd_map_fixed(self->fd, alloc.pt_id, area, len, self->base));

	bg_call_start(&call, self->fd, IOMMU_HWPT_ALLOC, &alloc);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, NULL, NULL));
	guard_start(&guard, self->uffd, area, len, src);

	ioas_answers_promptly(_metadata, self, alloc.pt_id, self->buf);

	EXPECT_FALSE(guard_stop(&guard));
	ASSERT_OK(uffd_resolve(self->uffd, area, len, src));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(0, call.rc);
	ASSERT_OK(mock_check_map(self->fd, alloc.out_hwpt_id, self->base, area,
				 len));
	ASSERT_OK(mock_check_refs(self->fd, area, len, 1));
	ASSERT_OK(ifd_destroy(self->fd, alloc.out_hwpt_id));
	ASSERT_OK(mock_check_refs(self->fd, area, len, 0));
	ASSERT_OK(ifd_destroy(self->fd, alloc.pt_id));
}

/*
 * HWPT_ALLOC lets go of the device before it fills the new domain: a fill
 * stalled on memory that never arrives does not hold up the device's
 * unbind, and the HWPT, which needs no device, is made once it arrives.
 */
TEST_F_TIMEOUT(hostile, hwpt_alloc_stalled_holds_no_device, 180)
{
	size_t len = STALL_PAGES * page_sz;
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.dev_id = self->idev,
	};
	struct bg_call call;
	struct guard guard;
	char *area, *src;

	if (!stall_setup(_metadata, self, 11))
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	area = self->area;
	src = self->src;
	ASSERT_OK(ifd_ioas_alloc(self->fd, &alloc.pt_id));
	ASSERT_OK(ifd_map_fixed(self->fd, alloc.pt_id, area, len, self->base));

	bg_call_start(&call, self->fd, IOMMU_HWPT_ALLOC, &alloc);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, NULL, NULL));
	guard_start(&guard, self->uffd, area, len, src);
	PROMPTLY(EXPECT_OK(ifd_destroy(self->fd, self->stdev)));
	EXPECT_FALSE(guard_stop(&guard));

	ASSERT_OK(uffd_resolve(self->uffd, area, len, src));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(0, call.rc);
	ASSERT_OK(mock_check_map(self->fd, alloc.out_hwpt_id, self->base, area,
				 len));
	ASSERT_OK(ifd_destroy(self->fd, alloc.out_hwpt_id));
	ASSERT_OK(mock_check_refs(self->fd, area, len, 0));
	ASSERT_OK(ifd_destroy(self->fd, alloc.pt_id));
}

/*
 * ACCESS_RW of memory no domain pins copies from the owner's address space
 * itself: a stall there stalls only that call.
 */
TEST_F_TIMEOUT(hostile, access_rw_stalled_blocks_nothing, 180)
{
	size_t len = STALL_PAGES * page_sz;
	struct iommu_test_cmd rw = {
		.size = sizeof(rw),
		.op = IOMMU_TEST_OP_ACCESS_RW,
	};
	unsigned char probe[64];
	struct bg_call call;
	struct guard guard;
	__u32 ioas2;
	char *area, *src;
	int access2;

	if (!stall_setup(_metadata, self, 10))
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	area = self->area;
	src = self->src;
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(mock_access_create(self->fd, ioas2, 0, &access2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, area, len, self->base));

	rw.id = access2;
	rw.access_rw.iova = self->base + page_sz + 100;
	rw.access_rw.length = sizeof(probe);
	rw.access_rw.uptr = (uintptr_t)probe;
	bg_call_start(&call, self->fd, IOMMU_TEST_CMD, &rw);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, NULL, NULL));
	guard_start(&guard, self->uffd, area, len, src);

	ioas_answers_promptly(_metadata, self, ioas2, self->buf);

	EXPECT_FALSE(guard_stop(&guard));
	ASSERT_OK(uffd_resolve(self->uffd, area, len, src));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(0, call.rc);
	ASSERT_EQ(0, memcmp(probe, src + page_sz + 100, sizeof(probe)));
	close(access2);
	ASSERT_OK(ifd_destroy(self->fd, ioas2));
}

/*
 * ACCESS_PAGES of memory that no domain pins does the pinning itself: a
 * stall in that GUP stalls only that call.
 */
TEST_F_TIMEOUT(hostile, access_pin_stalled_blocks_nothing, 180)
{
	size_t len = STALL_PAGES * page_sz;
	struct iommu_test_cmd pin = {
		.size = sizeof(pin),
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
	};
	struct bg_call call;
	struct guard guard;
	__u32 ioas2;
	char *area, *src;
	int access2;

	if (!stall_setup(_metadata, self, 11))
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	area = self->area;
	src = self->src;
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(mock_access_create(self->fd, ioas2,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &access2));
	/* Two mappings, so that the pin spans two segments */
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->buf, page_sz,
				self->base));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, area, len,
				self->base + page_sz));

	pin.id = access2;
	pin.access_pages.iova = self->base;
	pin.access_pages.length = page_sz + len;
	bg_call_start(&call, self->fd, IOMMU_TEST_CMD, &pin);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, NULL, NULL));
	guard_start(&guard, self->uffd, area, len, src);

	ioas_answers_promptly(_metadata, self, ioas2, self->buf + page_sz);

	EXPECT_FALSE(guard_stop(&guard));
	ASSERT_OK(uffd_resolve(self->uffd, area, len, src));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(0, call.rc);
	ASSERT_OK(mock_check_refs(self->fd, area, len, 1));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 1));
	ASSERT_OK(mock_access_unpin(self->fd, access2,
				    pin.access_pages.out_access_pages_id));
	ASSERT_OK(mock_check_refs(self->fd, area, len, 0));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 0));
	close(access2);
	ASSERT_OK(ifd_destroy(self->fd, ioas2));
}

/*
 * A stalled map whose memory goes away: the pin fails, the reserved range
 * is released and nothing is left in the domain that joined meanwhile.
 */
TEST_F_TIMEOUT(hostile, map_stalled_then_memory_gone, 180)
{
	size_t len = STALL_PAGES * page_sz;
	__u64 x = self->base + 256 * page_sz;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = self->ioas_id,
		.length = len,
		.iova = x,
	};
	struct bg_call call;
	struct guard guard;
	char *area, *zero;
	__u32 hwpt2;

	if (hostile_uffd(self, 0) < 0)
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	area = uffd_area(self->uffd, len);
	ASSERT_NE(NULL, area);
	zero = buf_alloc(len, BUF_SMALL);
	ASSERT_NE(NULL, zero);
	map.user_va = (uintptr_t)area;

	bg_call_start(&call, self->fd, IOMMU_IOAS_MAP, &map);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, NULL, NULL));
	guard_start(&guard, self->uffd, area, len, zero);
	PROMPTLY(ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev, self->ioas_id,
					  0, &hwpt2)));
	ASSERT_FALSE(guard_stop(&guard));
	/* Closing the userfaultfd wakes the fault; there is nothing left */
	ASSERT_OK(munmap(area, len));
	close(self->uffd);
	self->uffd = -1;
	pthread_join(call.thread, NULL);
	ASSERT_EQ(-1, call.rc);
	ASSERT_EQ(EFAULT, call.err);

	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, x, len, NULL));
	ASSERT_ERRNO(EINVAL, mock_check_map(self->fd, hwpt2, x, self->buf,
					    page_sz));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, len, x));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt, x, self->buf, len));
	ASSERT_OK(mock_check_map(self->fd, hwpt2, x, self->buf, len));
	munmap(zero, len);
}

/* IOVA_RANGES writing into memory that never arrives stalls only itself */
TEST_F_TIMEOUT(hostile, iova_ranges_stalled_reply, 180)
{
	struct iommu_ioas_iova_ranges req = {
		.size = sizeof(req),
		.ioas_id = self->ioas_id,
		.num_iovas = 4,
	};
	struct iommu_iova_range *ranges;
	struct bg_call call;
	struct guard guard;
	__u64 iova;
	char *zero;

	if (hostile_uffd(self, 0) < 0)
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	ranges = uffd_area(self->uffd, page_sz);
	ASSERT_NE(NULL, ranges);
	zero = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, zero);
	memset(zero, 0, page_sz);
	req.allowed_iovas = (uintptr_t)ranges;

	bg_call_start(&call, self->fd, IOMMU_IOAS_IOVA_RANGES, &req);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, NULL, NULL));
	guard_start(&guard, self->uffd, ranges, page_sz, zero);
	PROMPTLY(EXPECT_OK(ifd_map(self->fd, self->ioas_id, self->buf,
				   4 * page_sz, &iova)));
	PROMPTLY(EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova,
				     4 * page_sz, NULL)));
	PROMPTLY(EXPECT_OK(mock_add_reserved(self->fd, self->ioas_id,
					     self->base + SZ_1M, page_sz)));
	EXPECT_FALSE(guard_stop(&guard));

	ASSERT_OK(uffd_resolve(self->uffd, ranges, page_sz, zero));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(0, call.rc);
	/* One range, or two if the reservation came first */
	ASSERT_LE(1, req.num_iovas);
	ASSERT_GE(2, req.num_iovas);
	ASSERT_EQ(MOCK_APERTURE_START, ranges[0].start);
	ASSERT_EQ(MOCK_APERTURE_LAST, ranges[req.num_iovas - 1].last);
	munmap(ranges, page_sz);
	munmap(zero, page_sz);
}

/* The same through the legacy container's VFIO_IOMMU_GET_INFO */
TEST_F_TIMEOUT(hostile, legacy_info_stalled_reply, 180)
{
	/* vfio_iommu_type1_info, the DMA-available cap, the ranges cap */
	const size_t ranges_off = sizeof(struct vfio_iommu_type1_info) + 16 +
				  sizeof(struct vfio_iommu_type1_info_cap_iova_range);
	struct vfio_iommu_type1_info *info;
	struct bg_call call;
	struct guard guard;
	char *two, *zero;
	__u64 iova;

	if (hostile_uffd(self, 0) < 0)
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));
	if (vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &self->ioas_id) ||
	    vc_set_iommu(self->fd, VFIO_TYPE1v2_IOMMU))
		SKIP(return, "no type1 emulation on /dev/iommu: %s",
		     strerror(errno));
	/* The header on an ordinary page, the ranges on a missing one */
	two = mmap(NULL, 2 * page_sz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	memset(two, 0, page_sz);
	ASSERT_OK(uffd_register(self->uffd, two + page_sz, page_sz,
				UFFDIO_REGISTER_MODE_MISSING));
	zero = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, zero);
	memset(zero, 0, page_sz);
	info = (void *)(two + page_sz - ranges_off);
	info->argsz = ranges_off + 4 * sizeof(struct vfio_iova_range);

	bg_call_start(&call, self->fd, VFIO_IOMMU_GET_INFO, info);
	ASSERT_OK(uffd_wait_fault(self->uffd, 30, NULL, NULL));
	guard_start(&guard, self->uffd, two + page_sz, page_sz, zero);
	PROMPTLY(EXPECT_OK(ifd_map(self->fd, self->ioas_id, self->buf,
				   4 * page_sz, &iova)));
	PROMPTLY(EXPECT_OK(vc_unmap(self->fd, iova, 4 * page_sz, 0, NULL)));
	EXPECT_FALSE(guard_stop(&guard));

	ASSERT_OK(uffd_resolve(self->uffd, two + page_sz, page_sz, zero));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(0, call.rc);
	ASSERT_NE(0, info->cap_offset);
	munmap(two, 2 * page_sz);
	munmap(zero, page_sz);
}

/*
 * MAP or COPY succeeds but its reply cannot be written: the call undoes its
 * own mapping, and only that.
 */
FIXTURE(reply) {
	struct _test_data_hostile h;
};

FIXTURE_VARIANT(reply) {
	bool copy;
};

FIXTURE_VARIANT_ADD(reply, map) {
	.copy = false,
};

FIXTURE_VARIANT_ADD(reply, copy) {
	.copy = true,
};

FIXTURE_SETUP(reply)
{
	struct _test_data_hostile *h = &self->h;

	h->uffd = -1;
	h->fd = mock_open();
	if (h->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(h->fd));
	ASSERT_OK(ifd_ioas_alloc(h->fd, &h->ioas_id));
	ASSERT_OK(mock_domain(h->fd, h->ioas_id, &h->stdev, &h->hwpt,
			      &h->idev));
	h->buf_size = 64 * page_sz;
	h->buf = buf_alloc(h->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, h->buf);
	h->base = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(reply)
{
	struct _test_data_hostile *h = &self->h;

	if (h->uffd >= 0)
		close(h->uffd);
	if (h->fd >= 0)
		close(h->fd);
	if (h->buf)
		munmap(h->buf, h->buf_size);
}

/*
 * Lay the command out in @page: a fixed-IOVA MAP of the first @len bytes of
 * the buffer at @x, or a COPY of a mapping of them made here.
 */
static void reply_cmd(struct __test_metadata *_metadata,
		      struct _test_data_hostile *h, bool copy, void *page,
		      size_t len, __u64 x, __u32 flags)
{
	if (copy) {
		ASSERT_OK(ifd_map_fixed(h->fd, h->ioas_id, h->buf, len,
					h->base));
		*(struct iommu_ioas_copy *)page = (struct iommu_ioas_copy){
			.size = sizeof(struct iommu_ioas_copy),
			.flags = MAP_RW | flags,
			.dst_ioas_id = h->ioas_id,
			.src_ioas_id = h->ioas_id,
			.length = len,
			.dst_iova = x,
			.src_iova = h->base,
		};
	} else {
		*(struct iommu_ioas_map *)page = (struct iommu_ioas_map){
			.size = sizeof(struct iommu_ioas_map),
			.flags = MAP_RW | flags,
			.ioas_id = h->ioas_id,
			.user_va = (uintptr_t)h->buf,
			.length = len,
			.iova = x,
		};
	}
}

/*
 * The reply page is write-protected through userfaultfd, so the call stalls
 * exactly between mapping and replying; meanwhile another thread unmaps the
 * new mapping and maps its own at the same IOVA.  Then the page becomes
 * read-only and the reply fails.
 */
TEST_F_TIMEOUT(reply, failed_reply_undoes_only_own_mapping, 180)
{
	struct _test_data_hostile *h = &self->h;
	size_t len = 4 * page_sz;
	__u64 x = h->base + 256 * page_sz, unmapped, flags;
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	struct uffdio_range wake;
	struct bg_call call;
	char *page;

	if (hostile_uffd(h, UFFD_FEATURE_PAGEFAULT_FLAG_WP) < 0)
		SKIP(return, "userfaultfd: %s", strerror(-h->uffd));
	page = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	memset(page, 0, page_sz);
	reply_cmd(_metadata, h, variant->copy, page, len, x,
		  IOMMU_IOAS_MAP_FIXED_IOVA);
	ASSERT_OK(uffd_register(h->uffd, page, page_sz,
				UFFDIO_REGISTER_MODE_WP));
	wp.range = (struct uffdio_range){ (uintptr_t)page, page_sz };
	ASSERT_OK(ioctl(h->uffd, UFFDIO_WRITEPROTECT, &wp));

	bg_call_start(&call, h->fd,
		      variant->copy ? IOMMU_IOAS_COPY : IOMMU_IOAS_MAP, page);
	ASSERT_OK(uffd_wait_fault(h->uffd, 30, NULL, &flags));
	ASSERT_TRUE(flags & UFFD_PAGEFAULT_FLAG_WP);

	/* The call has mapped and now waits to reply: take its IOVA over */
	ASSERT_OK(mock_check_map(h->fd, h->hwpt, x, h->buf, len));
	ASSERT_OK(ifd_unmap(h->fd, h->ioas_id, x, len, &unmapped));
	ASSERT_EQ(len, unmapped);
	ASSERT_OK(ifd_map_fixed(h->fd, h->ioas_id, h->buf + 16 * page_sz,
				len, x));

	/* Now the reply fails */
	ASSERT_OK(mprotect(page, page_sz, PROT_READ));
	wake = (struct uffdio_range){ (uintptr_t)page, page_sz };
	ASSERT_OK(ioctl(h->uffd, UFFDIO_WAKE, &wake));
	pthread_join(call.thread, NULL);
	ASSERT_EQ(-1, call.rc);
	ASSERT_EQ(EFAULT, call.err);

	/* The other thread's mapping survived */
	ASSERT_OK(mock_check_map(h->fd, h->hwpt, x, h->buf + 16 * page_sz,
				 len));
	ASSERT_OK(ifd_unmap(h->fd, h->ioas_id, x, len, &unmapped));
	ASSERT_EQ(len, unmapped);
	munmap(page, page_sz);
}

/* Without a race the failed reply leaves nothing behind */
TEST_F(reply, failed_reply_undoes_mapping)
{
	struct _test_data_hostile *h = &self->h;
	size_t len = 4 * page_sz;
	__u64 unmapped;
	char *page;
	int rc;

	page = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	reply_cmd(_metadata, h, variant->copy, page, len, 0, 0);
	ASSERT_OK(mprotect(page, page_sz, PROT_READ));
	rc = ioctl(h->fd, variant->copy ? IOMMU_IOAS_COPY : IOMMU_IOAS_MAP,
		   page);
	ASSERT_EQ(-1, rc);
	ASSERT_EQ(EFAULT, errno);
	/* Only the source of the copy is left */
	ASSERT_OK(ifd_unmap(h->fd, h->ioas_id, 0, UINT64_MAX, &unmapped));
	ASSERT_EQ(variant->copy ? len : 0, unmapped);
	ASSERT_OK(mock_check_refs(h->fd, h->buf, len, 0));
	munmap(page, page_sz);
}

TEST_HARNESS_MAIN
