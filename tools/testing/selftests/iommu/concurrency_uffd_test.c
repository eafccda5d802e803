// SPDX-License-Identifier: GPL-2.0-only
/*
 * A thread parked in a user copy or GUP (on a userfaultfd page) must not
 * hold up the destruction of what it looked up: unbinding a device while
 * GET_HW_INFO waits to copy its data out or HWPT_ALLOC to write back the
 * new ID, and the last device leaving an automatic HWPT that a thread
 * still uses. The destroy returns promptly and the parked thread finishes
 * cleanly once it is let go.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <linux/userfaultfd.h>

#include "concurrency_utils.h"

/*
 * One page whose first touch waits until the test resolves it; or with @wp
 * a present page whose writes wait once uffd_page_protect() was called
 */
struct uffd_page {
	int uffd;
	char *page;
	bool wp;
};

/*
 * 0; UFFD_UNAVAILABLE if the kernel or the caller cannot use userfaultfd
 * (or its write protection), errno says why; or -1 with errno set.
 */
#define UFFD_UNAVAILABLE 1

static int uffd_page_init(struct uffd_page *u, bool wp)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.mode = wp ? UFFDIO_REGISTER_MODE_WP :
			     UFFDIO_REGISTER_MODE_MISSING,
	};
	int err;

	u->wp = wp;
	u->page = NULL;
	u->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->uffd < 0)
		return UFFD_UNAVAILABLE;
	u->page = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->page == MAP_FAILED) {
		u->page = NULL;
		return -1;
	}
	/* Write protection needs the page present; it stays readable */
	if (wp)
		memset(u->page, 0, page_sz);
	reg.range.start = (uintptr_t)u->page;
	reg.range.len = page_sz;
	if (ioctl(u->uffd, UFFDIO_API, &api) ||
	    ioctl(u->uffd, UFFDIO_REGISTER, &reg)) {
		err = errno;
		munmap(u->page, page_sz);
		u->page = NULL;
		errno = err;
		return UFFD_UNAVAILABLE;
	}
	return 0;
}

/* From now on writes to a @wp page wait for uffd_resolve() */
static int uffd_page_protect(struct uffd_page *u)
{
	struct uffdio_writeprotect prot = {
		.range.start = (uintptr_t)u->page,
		.range.len = page_sz,
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};

	return ioctl(u->uffd, UFFDIO_WRITEPROTECT, &prot);
}

/* Wait up to @ms for a thread to fault on the page: 0 once one does */
static int uffd_wait_fault(struct uffd_page *u, int ms)
{
	struct pollfd pfd = { .fd = u->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1 ||
	    read(u->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -1;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -1;
}

/* Fill or unprotect the page, which lets the faulting thread go on */
static int uffd_resolve(struct uffd_page *u)
{
	static char src[1 << 16];
	struct uffdio_copy copy = {
		.dst = (uintptr_t)u->page,
		.src = (uintptr_t)src,
		.len = page_sz,
	};
	struct uffdio_writeprotect prot = {
		.range.start = (uintptr_t)u->page,
		.range.len = page_sz,
	};

	if (u->wp)
		return ioctl(u->uffd, UFFDIO_WRITEPROTECT, &prot);
	return ioctl(u->uffd, UFFDIO_COPY, &copy);
}

static void uffd_page_fini(struct uffd_page *u)
{
	if (u->page)
		munmap(u->page, page_sz);
	if (u->uffd >= 0)
		close(u->uffd);
}

/* One ioctl on a thread of its own, and when it returned */
struct bg_call {
	pthread_t thread;
	int (*fn)(struct bg_call *c);
	int fd;
	__u32 id;
	void *uptr;
	int rc;
	int err;
	atomic_bool done;
};

static void *bg_call_thread(void *arg)
{
	struct bg_call *c = arg;

	c->rc = c->fn(c);
	c->err = errno;
	atomic_store(&c->done, true);
	return NULL;
}

static void bg_call_start(struct bg_call *c)
{
	atomic_store(&c->done, false);
	pthread_create(&c->thread, NULL, bg_call_thread, c);
}

/* Wait up to @ms for the call to return: true if it did */
static bool bg_call_wait(struct bg_call *c, int ms)
{
	struct timespec delay = { .tv_nsec = 10 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < ms; waited += 10) {
		if (atomic_load(&c->done))
			return true;
		nanosleep(&delay, NULL);
	}
	return atomic_load(&c->done);
}

/* How long a destroy may take once nothing holds it up any more */
#define PROMPT_MS 5000

/*
 * Start @call, which faults on @u's page, and once it is parked there start
 * @destroy. Returns whether @destroy finished within PROMPT_MS, i.e. did
 * not wait for the parked call.
 */
static bool destroy_while_parked(struct __test_metadata *_metadata,
				 struct uffd_page *u, struct bg_call *call,
				 struct bg_call *destroy)
{
	bg_call_start(call);
	ASSERT_OK(uffd_wait_fault(u, 30000));
	bg_call_start(destroy);
	return bg_call_wait(destroy, PROMPT_MS);
}

/* Let the parked call finish either way, so that nothing stays stuck */
static void unpark(struct __test_metadata *_metadata, struct uffd_page *u,
		   struct bg_call *call, struct bg_call *destroy)
{
	ASSERT_OK(uffd_resolve(u));
	pthread_join(call->thread, NULL);
	pthread_join(destroy->thread, NULL);
}

static int bg_hw_info(struct bg_call *c)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = c->id,
		.data_len = page_sz,
		.data_uptr = (uintptr_t)c->uptr,
	};

	return ioctl(c->fd, IOMMU_GET_HW_INFO, &cmd);
}

static int bg_destroy(struct bg_call *c)
{
	return ifd_destroy(c->fd, c->id);
}

/*
 * GET_HW_INFO parked in the copy-out of its data (a userfaultfd page
 * nobody fills yet) while another thread destroys the mock device: the
 * unbind must not wait for the copy, so the destroy returns at once.
 */
TEST_F_TIMEOUT(conc, unbind_while_hw_info_copy_waits, 120)
{
	struct bg_call info = { .fn = bg_hw_info, .fd = self->fd };
	struct bg_call destroy = { .fn = bg_destroy, .fd = self->fd };
	struct uffd_page u;
	__u32 stdev, idev;
	bool prompt;
	int rc;

	rc = uffd_page_init(&u, false);
	if (rc == UFFD_UNAVAILABLE) {
		uffd_page_fini(&u);
		SKIP(return, "userfaultfd: %s", strerror(errno));
	}
	ASSERT_OK(rc);
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, NULL, &idev));

	info.id = idev;
	info.uptr = u.page;
	destroy.id = stdev;
	prompt = destroy_while_parked(_metadata, &u, &info, &destroy);
	unpark(_metadata, &u, &info, &destroy);

	ASSERT_TRUE(prompt);
	EXPECT_EQ(0, destroy.rc);
	/* The data was collected before the device went */
	EXPECT_EQ(0, info.rc);
	EXPECT_ERRNO(ENOENT, ifd_destroy(self->fd, idev));
	uffd_page_fini(&u);
}

static int bg_hwpt_alloc(struct bg_call *c)
{
	return ioctl(c->fd, IOMMU_HWPT_ALLOC, c->uptr);
}

/*
 * HWPT_ALLOC whose command struct is write-protected, so that it is parked
 * in the copy-out of the new HWPT's ID while the mock device it allocated
 * for is destroyed: the unbind must not wait for the copy.
 */
TEST_F_TIMEOUT(conc, unbind_while_hwpt_alloc_reply_waits, 120)
{
	struct bg_call alloc = { .fn = bg_hwpt_alloc, .fd = self->fd };
	struct bg_call destroy = { .fn = bg_destroy, .fd = self->fd };
	struct iommu_hwpt_alloc *cmd;
	struct uffd_page u;
	__u32 stdev, idev;
	bool prompt;
	int rc;

	rc = uffd_page_init(&u, true);
	if (rc == UFFD_UNAVAILABLE) {
		uffd_page_fini(&u);
		SKIP(return, "userfaultfd write protection: %s",
		     strerror(errno));
	}
	ASSERT_OK(rc);
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, NULL, &idev));

	cmd = (struct iommu_hwpt_alloc *)u.page;
	cmd->size = sizeof(*cmd);
	cmd->dev_id = idev;
	cmd->pt_id = self->ioas_id;
	alloc.uptr = cmd;
	ASSERT_OK(uffd_page_protect(&u));
	destroy.id = stdev;
	prompt = destroy_while_parked(_metadata, &u, &alloc, &destroy);
	unpark(_metadata, &u, &alloc, &destroy);

	ASSERT_TRUE(prompt);
	EXPECT_EQ(0, destroy.rc);
	/* The HWPT outlives the device it was made for */
	ASSERT_EQ(0, alloc.rc);
	ASSERT_NE(0, cmd->out_hwpt_id);
	ASSERT_OK(ifd_destroy(self->fd, cmd->out_hwpt_id));
	uffd_page_fini(&u);
}

#define DESTROY_WAIT_PARAM "/sys/module/iommufd/parameters/destroy_wait_ms"

static int param_rw(const char *path, unsigned int *old, unsigned int val)
{
	FILE *f = fopen(path, "r+");
	int rc = -1;

	if (!f)
		return -1;
	if (!old || fscanf(f, "%u", old) == 1) {
		rewind(f);
		rc = fprintf(f, "%u\n", val) > 0 ? 0 : -1;
	}
	if (fclose(f))
		rc = -1;
	return rc;
}

static int bg_check_map(struct bg_call *c)
{
	return mock_check_map(c->fd, c->id, MOCK_APERTURE_START, c->uptr,
			      mio_sz);
}

/*
 * A thread parked in a GUP while it holds an automatic HWPT (here the mock's
 * MD_CHECK_MAP on a userfaultfd page) when the HWPT's last device goes: the
 * detach gives up waiting after the (shortened) timeout and the parked
 * thread frees the HWPT when it lets go of it.
 */
TEST_F_TIMEOUT(conc, detach_while_auto_hwpt_user_waits, 120)
{
	struct bg_call check = { .fn = bg_check_map, .fd = self->fd };
	struct bg_call destroy = { .fn = bg_destroy, .fd = self->fd };
	size_t len = AREA_PAGES * page_sz;
	unsigned int old_wait;
	__u32 ioas, stdev, hwpt;
	bool have_param;
	struct uffd_page u;
	bool prompt;
	char *buf;
	int rc;

	rc = uffd_page_init(&u, false);
	if (rc == UFFD_UNAVAILABLE) {
		uffd_page_fini(&u);
		SKIP(return, "userfaultfd: %s", strerror(errno));
	}
	ASSERT_OK(rc);
	/* Without the knob the default timeout is far too long to pass */
	have_param = !param_rw(DESTROY_WAIT_PARAM, &old_wait, 200);
	if (!have_param)
		TH_LOG("%s: %s", DESTROY_WAIT_PARAM, strerror(errno));
	buf = buf_alloc(len, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
	ASSERT_OK(mock_domain(self->fd, ioas, &stdev, &hwpt, NULL));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas, buf, len,
				MOCK_APERTURE_START));

	check.id = hwpt;
	check.uptr = u.page;
	destroy.id = stdev;
	prompt = destroy_while_parked(_metadata, &u, &check, &destroy);
	if (prompt) {
		/* The HWPT is gone from the table but still holds the IOAS */
		EXPECT_ERRNO(ENOENT, mock_check_map(self->fd, hwpt,
						    MOCK_APERTURE_START, buf,
						    mio_sz));
		EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, ioas));
	}
	unpark(_metadata, &u, &check, &destroy);
	if (have_param)
		ASSERT_OK(param_rw(DESTROY_WAIT_PARAM, NULL, old_wait));

	ASSERT_TRUE(prompt);
	EXPECT_EQ(0, destroy.rc);
	/* The last user freed the HWPT: the IOAS is free and nothing pinned */
	ASSERT_OK(ifd_destroy(self->fd, ioas));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 0));
	munmap(buf, len);
	uffd_page_fini(&u);
}

TEST_HARNESS_MAIN

static int bg_test_cmd(struct bg_call *c)
{
	return ioctl(c->fd, IOMMU_TEST_CMD, c->uptr);
}

static int bg_unmap_all(struct bg_call *c)
{
	return ifd_unmap(c->fd, c->id, 0, UINT64_MAX, NULL);
}

/*
 * ACCESS_PAGES parked in the copy-out of its reply while another thread
 * unmaps the IOAS: the access's unmap callback must not wait for that
 * copy, so the unmap returns at once and every pin is dropped.
 */
TEST_F_TIMEOUT(conc, unmap_while_access_pages_reply_waits, 120)
{
	struct bg_call pin = { .fn = bg_test_cmd, .fd = self->fd };
	struct bg_call unmap = { .fn = bg_unmap_all, .fd = self->fd };
	size_t len = 2 * page_sz;
	struct iommu_test_cmd *cmd;
	struct uffd_page u;
	int access_fd;
	__u32 first;
	bool prompt;
	char *buf;
	int rc;

	rc = uffd_page_init(&u, true);
	if (rc == UFFD_UNAVAILABLE) {
		uffd_page_fini(&u);
		SKIP(return, "userfaultfd write protection: %s",
		     strerror(errno));
	}
	ASSERT_OK(rc);
	buf = buf_alloc(len, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, len,
				self->base));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &access_fd));
	/* A pin the unmap callback has to drop */
	ASSERT_OK(mock_access_pages(self->fd, access_fd, 0, self->base,
				    page_sz, NULL, &first));

	cmd = (struct iommu_test_cmd *)u.page;
	cmd->size = sizeof(*cmd);
	cmd->op = IOMMU_TEST_OP_ACCESS_PAGES;
	cmd->id = access_fd;
	cmd->access_pages.iova = self->base + page_sz;
	cmd->access_pages.length = page_sz;
	pin.uptr = cmd;
	ASSERT_OK(uffd_page_protect(&u));
	unmap.id = self->ioas_id;
	prompt = destroy_while_parked(_metadata, &u, &pin, &unmap);
	unpark(_metadata, &u, &pin, &unmap);

	ASSERT_TRUE(prompt);
	EXPECT_EQ(0, unmap.rc);
	/* Both pins went with the unmap, the parked one included */
	EXPECT_OK(mock_check_refs(self->fd, buf, len, 0));
	EXPECT_ERRNO(ENOENT, mock_access_unpin(self->fd, access_fd, first));
	close(access_fd);
	munmap(buf, len);
	uffd_page_fini(&u);
}
