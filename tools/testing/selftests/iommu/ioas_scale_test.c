// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS ioctls at counts a hostile caller chooses: hundreds of thousands of
 * mappings walked by one call, and the largest inputs the uAPI takes.
 *
 * Segment counts grow cheaply by doubling: IOAS_COPY of everything mapped so
 * far to the IOVA right after it shares the pages, so 2^n mappings cost n
 * calls.  While the walks over them run, the soft-lockup watchdog is set to
 * 4 s (where the kernel has it, x86-debug): a loop that never reschedules
 * shows up as "BUG: soft lockup" and the soft-lockup taint.  Not shorter: a
 * TCG vCPU that the loaded host does not run for 2 s looks the same.
 */
#include <time.h>

#include "iommu_test_utils.h"

/* Enough copy parts to need more than the page allocator's 4 MiB */
#define MANY_SEGS (1UL << 18)
/* The most ranges IOMMU_IOAS_ALLOW_IOVAS takes (uAPI) */
#define ALLOW_IOVAS_MAX (1U << 18)

#define TAINT_SOFTLOCKUP_BIT (1UL << 14)
#define WATCHDOG_THRESH "/proc/sys/kernel/watchdog_thresh"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Old value of watchdog_thresh, or -1 if the kernel has none */
static int watchdog_thresh_set(int val)
{
	int old = -1;
	FILE *f;

	f = fopen(WATCHDOG_THRESH, "r+");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &old) == 1) {
		rewind(f);
		fprintf(f, "%d\n", val);
	}
	fclose(f);
	return old;
}

FIXTURE(scale) {
	int fd;
	__u32 ioas_id;
	int old_thresh;
	unsigned long taint;
	char *buf;
	size_t buf_size;
};

FIXTURE_SETUP(scale)
{
	self->old_thresh = -1;
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	self->taint = kernel_taint();
	/* Soft lockup after 4 s without a reschedule */
	self->old_thresh = watchdog_thresh_set(2);
	if (self->old_thresh < 0)
		TH_LOG("no %s: loops are not checked for lockups",
		       WATCHDOG_THRESH);
}

FIXTURE_TEARDOWN(scale)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->old_thresh >= 0)
		watchdog_thresh_set(self->old_thresh);
	if (self->buf)
		munmap(self->buf, self->buf_size);
}

/* No WARN and no soft lockup since the fixture was set up */
static void check_taint(struct __test_metadata *_metadata,
			struct _test_data_scale *self)
{
	unsigned long bits = kernel_taint() & ~self->taint;

	EXPECT_EQ(0, bits & TAINT_WARN_BIT);
	EXPECT_EQ(0, bits & TAINT_SOFTLOCKUP_BIT);
}

/* Double [@base, +@len) of @ioas until it holds @nr times what it had */
static void double_up(struct __test_metadata *_metadata, int fd, __u32 ioas,
		      __u64 base, size_t len, unsigned long nr)
{
	unsigned long n;

	for (n = 1; n < nr; n *= 2) {
		__u64 dst = base + n * len;

		ASSERT_OK(ifd_copy(fd, ioas, &dst, ioas, base, n * len,
				   MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	}
}

/*
 * One IOAS_COPY whose source is MANY_SEGS mappings: all of them are copied,
 * and the walks over that many mappings (copy, unmap, destroy) reschedule.
 */
TEST_F_TIMEOUT(scale, copy_many_segments, 900)
{
	const size_t gran = 64;
	__u64 unmapped, dst = 0;
	__u32 ioas2;
	double t0;

	self->buf_size = page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);

	/* No domain: any granule goes */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, gran, 0));
	double_up(_metadata, self->fd, self->ioas_id, 0, gran, MANY_SEGS);

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	t0 = now_seconds();
	ASSERT_OK(ifd_copy(self->fd, ioas2, &dst, self->ioas_id, 0,
			   MANY_SEGS * gran, MAP_RW));
	TH_LOG("copy of %lu mappings: %.2f s", MANY_SEGS, now_seconds() - t0);
	/* Every part landed back to back */
	ASSERT_OK(ifd_unmap(self->fd, ioas2, dst, gran, &unmapped));
	ASSERT_EQ(gran, unmapped);
	ASSERT_OK(ifd_unmap(self->fd, ioas2, dst + gran,
			    (MANY_SEGS - 1) * gran, &unmapped));
	ASSERT_EQ((MANY_SEGS - 1) * gran, unmapped);

	/* The same again, this time left to the IOAS's destruction */
	ASSERT_OK(ifd_copy(self->fd, ioas2, &dst, self->ioas_id, 0,
			   MANY_SEGS * gran, MAP_RW));
	t0 = now_seconds();
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(MANY_SEGS * gran, unmapped);
	TH_LOG("unmap of %lu mappings: %.2f s", MANY_SEGS,
	       now_seconds() - t0);
	t0 = now_seconds();
	ASSERT_OK(ifd_destroy(self->fd, ioas2));
	TH_LOG("destroy with %lu mappings: %.2f s", MANY_SEGS,
	       now_seconds() - t0);
	check_taint(_metadata, self);
}

/*
 * Many mappings of distinct pages meet domains: attaching fills each
 * mapping, dirty tracking walks them, detaching empties them.
 */
TEST_F_TIMEOUT(scale, many_segments_attach_detach, 900)
{
	const unsigned long pages = 4096, copies = 16;
	__u64 base = MOCK_APERTURE_START, unmapped;
	struct iommu_hwpt_set_dirty_tracking dirty = {
		.size = sizeof(dirty),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	__u32 stdev, idev, hwpt2;
	unsigned long i;
	double t0;

	self->buf_size = pages * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	for (i = 0; i != pages; i++)
		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
					self->buf + i * page_sz, page_sz,
					base + i * page_sz));
	double_up(_metadata, self->fd, self->ioas_id, base,
		  pages * page_sz, copies);

	t0 = now_seconds();
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, NULL, &idev));
	TH_LOG("attach with %lu mappings: %.2f s", pages * copies,
	       now_seconds() - t0);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	t0 = now_seconds();
	ASSERT_OK(ifd_hwpt_alloc(self->fd, idev, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt2));
	TH_LOG("second domain: %.2f s", now_seconds() - t0);
	dirty.hwpt_id = hwpt2;
	t0 = now_seconds();
	ASSERT_OK(ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dirty));
	TH_LOG("dirty tracking on: %.2f s", now_seconds() - t0);
	t0 = now_seconds();
	ASSERT_OK(ifd_destroy(self->fd, hwpt2));
	TH_LOG("second domain gone: %.2f s", now_seconds() - t0);
	t0 = now_seconds();
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	TH_LOG("detach: %.2f s", now_seconds() - t0);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(pages * copies * page_sz, unmapped);
	check_taint(_metadata, self);
}

/* ALLOW_IOVAS takes up to ALLOW_IOVAS_MAX ranges and refuses more */
TEST_F_TIMEOUT(scale, allow_iovas_limit, 600)
{
	size_t size = (ALLOW_IOVAS_MAX + 1) * sizeof(struct iommu_iova_range);
	struct iommu_iova_range *r;
	__u64 iova;
	unsigned int i;

	r = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	for (i = 0; i != ALLOW_IOVAS_MAX + 1; i++) {
		r[i].start = (__u64)(i + 1) * 2 * page_sz;
		r[i].last = r[i].start + page_sz - 1;
	}
	ASSERT_ERRNO(E2BIG, ifd_allow_iovas(self->fd, self->ioas_id, r,
					    ALLOW_IOVAS_MAX + 1));
	ASSERT_ERRNO(E2BIG, ifd_allow_iovas(self->fd, self->ioas_id, r,
					    UINT32_MAX));
	/* Unchanged: no restriction */
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, r, page_sz, &iova));
	ASSERT_EQ(0, iova);

	ASSERT_OK(ifd_allow_iovas(self->fd, self->ioas_id, r,
				  ALLOW_IOVAS_MAX));
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, r, page_sz, &iova));
	ASSERT_EQ(r[0].start, iova);
	/* Duplicates deep in the list are still found */
	r[ALLOW_IOVAS_MAX - 1] = r[ALLOW_IOVAS_MAX / 2];
	ASSERT_ERRNO(EINVAL, ifd_allow_iovas(self->fd, self->ioas_id, r,
					     ALLOW_IOVAS_MAX));
	ASSERT_OK(ifd_allow_iovas(self->fd, self->ioas_id, NULL, 0));
	munmap(r, size);
	check_taint(_metadata, self);
}

TEST_HARNESS_MAIN
