// SPDX-License-Identifier: GPL-2.0-only
/*
 * RLIMIT_MEMLOCK accounting of pinned pages in both IOMMU_OPTION_RLIMIT_MODE
 * modes, per user and per process: running out of the limit, what is
 * charged (pins, not mappings or copies) and to which counter, charges
 * given back on unmap, close and exit, the budget mlock() shares, charges
 * racing each other, and CAP_IPC_LOCK, which is not charged at all.
 */
#include <pthread.h>

#include "iommu_test_utils.h"

#define LIMIT_PAGES 8

FIXTURE(rlimit) {
	int fd;
	__u32 ioas_id;
	__u64 base;
	void *buf;
	size_t buf_size;
};

FIXTURE_VARIANT(rlimit) {
	__u64 mode;
};

/* Charged to the user owning the pages */
FIXTURE_VARIANT_ADD(rlimit, per_user) {
	.mode = 0,
};

/* Charged to the process */
FIXTURE_VARIANT_ADD(rlimit, per_process) {
	.mode = 1,
};

/* Give up CAP_IPC_LOCK and lower RLIMIT_MEMLOCK to @pages pages */
static int limit_locked_memory(size_t pages)
{
	struct rlimit lim = {
		.rlim_cur = pages * page_sz,
		.rlim_max = pages * page_sz,
	};

	if (drop_capability(CAP_IPC_LOCK))
		return -1;
	return setrlimit(RLIMIT_MEMLOCK, &lim);
}

/* A context in accounting @mode with an IOAS that has a mock domain */
static int rlimit_open(__u64 mode, __u32 *ioas)
{
	int fd = ifd_open();

	if (fd < 0)
		return -1;
	if (ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, mode) ||
	    ifd_ioas_alloc(fd, ioas) ||
	    mock_domain(fd, *ioas, NULL, NULL, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(rlimit)
{
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	close(self->fd);

	self->fd = rlimit_open(variant->mode, &self->ioas_id);
	ASSERT_LE(0, self->fd);
	ASSERT_OK(limit_locked_memory(LIMIT_PAGES));
	self->base = MOCK_APERTURE_START;
	self->buf_size = 2 * LIMIT_PAGES * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(rlimit)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf)
		munmap(self->buf, self->buf_size);
}

TEST_F(rlimit, exhaustion)
{
	size_t lim = LIMIT_PAGES * page_sz;
	char *buf = self->buf;
	__u64 unmapped;

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, lim - page_sz,
				self->base));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + lim - page_sz,
				page_sz, self->base + lim));
	/* One page over the limit: refused, nothing left pinned */
	ASSERT_ERRNO(ENOMEM, ifd_map_fixed(self->fd, self->ioas_id, buf + lim,
					   page_sz, self->base + 2 * lim));
	ASSERT_OK(mock_check_refs(self->fd, buf + lim, lim, 0));
	ASSERT_ERRNO(ENOMEM, ifd_map(self->fd, self->ioas_id, buf + lim, lim,
				     &unmapped));
	ASSERT_OK(mock_check_refs(self->fd, buf + lim, lim, 0));

	/* Unmapping gives the charge back */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base, lim - page_sz,
			    &unmapped));
	ASSERT_EQ(lim - page_sz, unmapped);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + lim,
				lim - page_sz, self->base + 2 * lim));
	ASSERT_OK(mock_check_refs(self->fd, buf + lim, lim - page_sz, 1));
}

TEST_F(rlimit, copy_is_not_charged)
{
	size_t lim = LIMIT_PAGES * page_sz;
	__u32 ioas2;
	__u64 iova;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, lim,
				self->base));
	ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &iova, self->ioas_id,
			   self->base, lim, MAP_RW));
	ASSERT_OK(ifd_copy(self->fd, ioas2, &iova, self->ioas_id, self->base,
			   lim, MAP_RW));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, lim, 1));
	/* The budget is still exhausted */
	ASSERT_ERRNO(ENOMEM, ifd_map(self->fd, ioas2, self->buf + lim, page_sz,
				     &iova));
}

/* Only pinned pages are charged; pinning happens when a domain arrives */
TEST_F(rlimit, charged_when_pinned)
{
	size_t lim = LIMIT_PAGES * page_sz;
	__u32 ioas2, stdev;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->buf, lim, self->base));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->buf + lim, lim,
				self->base + lim));
	ASSERT_ERRNO(ENOMEM, mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));

	ASSERT_OK(ifd_unmap(self->fd, ioas2, self->base + lim, lim, NULL));
	ASSERT_OK(mock_domain(self->fd, ioas2, &stdev, NULL, NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, lim, 1));
	/* Detaching releases the charge */
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, lim, 0));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, lim,
				self->base));
}

TEST_F(rlimit, access_pins_are_charged)
{
	size_t lim = LIMIT_PAGES * page_sz;
	__u32 ioas2, id1, id2;
	int access_fd;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->buf, self->buf_size,
				self->base));
	ASSERT_OK(mock_access_create(self->fd, ioas2,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &access_fd));
	ASSERT_OK(mock_access_pages(self->fd, access_fd, 0, self->base, lim,
				    self->buf, &id1));
	ASSERT_ERRNO(ENOMEM, mock_access_pages(self->fd, access_fd, 0,
					       self->base + lim, page_sz,
					       self->buf + lim, &id2));
	ASSERT_OK(mock_access_unpin(self->fd, access_fd, id1));
	ASSERT_OK(mock_access_pages(self->fd, access_fd, 0, self->base + lim,
				    lim, self->buf + lim, &id2));
	ASSERT_OK(mock_check_refs(self->fd, self->buf + lim, lim, 1));
	close(access_fd);
}

/* Closing the file returns every charge */
TEST_F(rlimit, close_uncharges)
{
	size_t lim = LIMIT_PAGES * page_sz;

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, lim,
				self->base));
	close(self->fd);
	self->fd = rlimit_open(variant->mode, &self->ioas_id);
	ASSERT_LE(0, self->fd);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf + lim, lim,
				self->base));
	ASSERT_ERRNO(ENOMEM, ifd_map(self->fd, self->ioas_id, self->buf,
				     page_sz, &(__u64){ 0 }));
}

/*
 * Which counter is charged: per user (0), the user's locked_vm, which no
 * /proc file shows; per process (1), the mapping process's mm->locked_vm
 * (VmLck), as mlock() and VFIO type1 do - never mm->pinned_vm (VmPin).
 * Unmapping and closing give every charge back.
 */
TEST_F(rlimit, charged_counter)
{
	long charged = variant->mode ? LIMIT_PAGES : 0;
	size_t lim = LIMIT_PAGES * page_sz;
	long lck = proc_status_pages("VmLck");
	long pin = proc_status_pages("VmPin");

	ASSERT_LE(0, lck);
	ASSERT_LE(0, pin);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, lim,
				self->base));
	EXPECT_EQ(lck + charged, proc_status_pages("VmLck"));
	EXPECT_EQ(pin, proc_status_pages("VmPin"));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base, lim, NULL));
	EXPECT_EQ(lck, proc_status_pages("VmLck"));

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, lim,
				self->base));
	EXPECT_EQ(lck + charged, proc_status_pages("VmLck"));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(lck, proc_status_pages("VmLck"));
	EXPECT_EQ(pin, proc_status_pages("VmPin"));
}

/*
 * Per process, mlock() and pins draw on the one RLIMIT_MEMLOCK budget: a
 * process cannot lock its limit once with each.
 */
TEST_F(rlimit, mlock_shares_the_limit)
{
	size_t half = LIMIT_PAGES / 2 * page_sz;
	char *m;

	if (!variant->mode)
		SKIP(return, "per user: pins have a budget of their own");
	m = buf_alloc(half + page_sz, BUF_SMALL);
	ASSERT_NE(NULL, m);
	ASSERT_OK(mlock(m, half));

	/* What mlock() holds is not there for pins */
	ASSERT_ERRNO(ENOMEM, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   half + page_sz, self->base));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, half + page_sz, 0));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, half,
				self->base));
	/* and what pins hold is not there for mlock() */
	ASSERT_ERRNO(ENOMEM, mlock(m + half, page_sz));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base, half, NULL));
	ASSERT_OK(mlock(m + half, page_sz));
	munmap(m, half + page_sz);
}

/*
 * A process that maps through a shared file is charged itself, and its
 * charge comes back without complaint when the mapping goes after the
 * process has exited; the budget is then whole again.
 */
TEST_F(rlimit, charge_of_exited_process)
{
	long charged = variant->mode ? LIMIT_PAGES : 0;
	unsigned long taint = kernel_taint();
	size_t lim = LIMIT_PAGES * page_sz;
	long lck = proc_status_pages("VmLck");
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long before = proc_status_pages("VmLck");

		if (ifd_map_fixed(self->fd, self->ioas_id, self->buf, lim,
				  self->base))
			_exit(1);
		_exit(proc_status_pages("VmLck") == before + charged ? 0 : 2);
	}
	ASSERT_EQ(0, wait_child(pid));
	EXPECT_EQ(lck, proc_status_pages("VmLck"));

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base, lim, NULL));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, lim,
				self->base));
	EXPECT_EQ(lck + charged, proc_status_pages("VmLck"));
	EXPECT_EQ(0, (kernel_taint() & ~taint) & TAINT_WARN_BIT);
}

#define RACE_MAPPERS 3
#define RACE_ROUNDS 300

struct race_arg {
	int fd;
	__u32 ioas_id;
	char *buf;
	__u64 iova;
	bool mlocker;
	int errors;
};

/* Map and unmap one page over and over, or mlock() and munlock() one */
static void *race_thread(void *data)
{
	struct race_arg *a = data;
	int i;

	for (i = 0; i != RACE_ROUNDS; i++) {
		if (a->mlocker) {
			if (mlock(a->buf, page_sz) || munlock(a->buf, page_sz))
				a->errors++;
			continue;
		}
		if (ifd_map_fixed(a->fd, a->ioas_id, a->buf, page_sz, a->iova) ||
		    ifd_unmap(a->fd, a->ioas_id, a->iova, page_sz, NULL))
			a->errors++;
	}
	return NULL;
}

/*
 * Charges and uncharges of several threads, racing mlock() on the same
 * counter, all land: within the limit nothing fails, and the counter is
 * back where it started.  Run on the debug machine for lockdep.
 */
TEST_F(rlimit, charges_race)
{
	struct race_arg arg[RACE_MAPPERS + 1];
	pthread_t thread[RACE_MAPPERS + 1];
	long lck = proc_status_pages("VmLck");
	int i;

	for (i = 0; i != RACE_MAPPERS + 1; i++) {
		arg[i] = (struct race_arg) {
			.fd = self->fd,
			.ioas_id = self->ioas_id,
			.buf = (char *)self->buf + i * page_sz,
			.iova = self->base + i * page_sz,
			.mlocker = i == RACE_MAPPERS,
		};
		ASSERT_EQ(0, pthread_create(&thread[i], NULL, race_thread,
					    &arg[i]));
	}
	for (i = 0; i != RACE_MAPPERS + 1; i++) {
		ASSERT_EQ(0, pthread_join(thread[i], NULL));
		EXPECT_EQ(0, arg[i].errors);
	}
	EXPECT_EQ(lck, proc_status_pages("VmLck"));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				LIMIT_PAGES * page_sz, self->base));
}

/*
 * CAP_IPC_LOCK lifts the limit and is not charged at all: neither the
 * process's counters move nor does its user's budget shrink for a process
 * of the same user that lacks the capability.
 */
static void cap_ipc_lock_not_charged(struct __test_metadata *_metadata,
				     __u64 mode)
{
	struct rlimit lim = { .rlim_cur = page_sz, .rlim_max = page_sz };
	size_t len = 2 * LIMIT_PAGES * page_sz;
	long lck, pin;
	__u32 ioas;
	char *buf;
	pid_t pid;
	int fd;

	fd = mock_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(fd));
	close(fd);
	buf = buf_alloc(len + LIMIT_PAGES * page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(setrlimit(RLIMIT_MEMLOCK, &lim));
	fd = rlimit_open(mode, &ioas);
	ASSERT_LE(0, fd);
	lck = proc_status_pages("VmLck");
	pin = proc_status_pages("VmPin");

	ASSERT_OK(ifd_map_fixed(fd, ioas, buf, len, MOCK_APERTURE_START));
	ASSERT_OK(mock_check_refs(fd, buf, len, 1));
	EXPECT_EQ(lck, proc_status_pages("VmLck"));
	EXPECT_EQ(pin, proc_status_pages("VmPin"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u32 ioas2;
		int fd2;

		if (limit_locked_memory(LIMIT_PAGES))
			_exit(1);
		fd2 = rlimit_open(mode, &ioas2);
		if (fd2 < 0)
			_exit(2);
		if (ifd_map_fixed(fd2, ioas2, buf + len,
				  LIMIT_PAGES * page_sz, MOCK_APERTURE_START))
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
	close(fd);
	munmap(buf, len + LIMIT_PAGES * page_sz);
}

TEST(rlimit_cap_ipc_lock_per_user)
{
	cap_ipc_lock_not_charged(_metadata, 0);
}

TEST(rlimit_cap_ipc_lock_per_process)
{
	cap_ipc_lock_not_charged(_metadata, 1);
}

TEST_HARNESS_MAIN
