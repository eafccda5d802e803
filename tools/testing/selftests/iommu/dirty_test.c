// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty tracking through a mock domain, end to end: IOMMU_TEST_OP_DIRTY
 * marks what a device "wrote", IOMMU_HWPT_GET_DIRTY_BITMAP reads it back.
 *
 * The mock domain keeps one slot per mock IO page (half a CPU page); a
 * DIRTY bit of page_size bytes marks every populated slot of its page,
 * whatever page_size the caller picks.  The read back is checked bit by
 * bit against what was marked, at several granularities, with and without
 * IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR.
 */
#include "iommu_test_utils.h"

#define NR_PAGES 64
#define BASE ((__u64)MOCK_APERTURE_START)

FIXTURE(dirty) {
	int fd;
	__u32 ioas_id;
	__u32 hwpt_id;
	__u32 stdev_id;
	void *buf;
	size_t len;
};

FIXTURE_SETUP(dirty)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	__u32 probe_stdev, idev_id;
	int rc;

	rc = mock_open();
	if (rc < 0)
		SKIP(return, "%s", mock_open_error(rc));
	self->fd = rc;
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));

	/* A device to allocate the HWPT for, then one attached to it */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &probe_stdev, NULL,
			      &idev_id));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				 &self->hwpt_id));
	ASSERT_OK(mock_domain(self->fd, self->hwpt_id, &self->stdev_id, NULL,
			      NULL));
	ASSERT_OK(ifd_destroy(self->fd, probe_stdev));

	self->len = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->len, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, self->len,
				BASE));

	set.hwpt_id = self->hwpt_id;
	ASSERT_OK(ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
}

FIXTURE_TEARDOWN(dirty)
{
	if (self->buf)
		munmap(self->buf, self->len);
	close(self->fd);
}

/*
 * IOMMU_TEST_OP_DIRTY over [@iova, +@nbits * @pgsz) with the bits of
 * @bitmap; *@nr_dirty receives the number of bits that found a mapping.
 */
static int mark(int fd, __u32 hwpt_id, __u64 iova, __u64 pgsz,
		const unsigned long *bitmap, size_t nbits, __u64 *nr_dirty)
{
	struct iommu_test_cmd req = {
		.id = hwpt_id,
		.dirty = {
			.iova = iova,
			.length = nbits * pgsz,
			.page_size = pgsz,
			.uptr = (uintptr_t)bitmap,
		},
	};
	int rc;

	rc = mock_cmd(fd, IOMMU_TEST_OP_DIRTY, &req);
	if (!rc && nr_dirty)
		*nr_dirty = req.dirty.out_nr_dirty;
	return rc;
}

static int read_bitmap(int fd, __u32 hwpt_id, __u64 iova, __u64 length,
		       __u64 pgsz, __u32 flags, __u64 *bitmap)
{
	struct iommu_hwpt_get_dirty_bitmap req = {
		.size = sizeof(req),
		.hwpt_id = hwpt_id,
		.flags = flags,
		.iova = iova,
		.length = length,
		.page_size = pgsz,
		.data = (uintptr_t)bitmap,
	};

	return ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &req);
}

static bool bit_test(const void *bitmap, size_t bit)
{
	const unsigned long *b = bitmap;

	return b[bit / (8 * sizeof(long))] & (1UL << (bit % (8 * sizeof(long))));
}

static void bit_set(void *bitmap, size_t bit)
{
	unsigned long *b = bitmap;

	b[bit / (8 * sizeof(long))] |= 1UL << (bit % (8 * sizeof(long)));
}

/*
 * Is IOVA byte offset @off dirty according to the marks: bit k of @marks
 * marked [k * @mark_sz, (k + 1) * @mark_sz) of the mapping?
 */
static bool marked(const unsigned long *marks, size_t mark_sz, size_t off)
{
	return bit_test(marks, off / mark_sz);
}

/*
 * Read the whole mapping back at @read_sz granularity and compare: a bit
 * must be set exactly when one of the mock IO pages it covers was marked.
 */
static void expect_bitmap(struct __test_metadata *_metadata,
			  struct _test_data_dirty *self,
			  const unsigned long *marks, size_t mark_sz,
			  size_t read_sz, __u32 flags)
{
	size_t nbits = self->len / read_sz, i, off;
	__u64 got[NR_PAGES * 2 / 64 + 1] = {};

	ASSERT_OK(read_bitmap(self->fd, self->hwpt_id, BASE, self->len,
			      read_sz, flags, got));
	for (i = 0; i != nbits; i++) {
		bool want = false;

		for (off = i * read_sz; off != (i + 1) * read_sz;
		     off += mio_sz)
			want |= marked(marks, mark_sz, off);
		if (bit_test(got, i) != want)
			TH_LOG("bit %zu of %zu-byte pages: got %d want %d", i,
			       read_sz, bit_test(got, i), want);
		EXPECT_EQ(want, bit_test(got, i));
	}
}

/* Nothing left dirty after a clearing read */
static void expect_clean(struct __test_metadata *_metadata,
			 struct _test_data_dirty *self)
{
	unsigned long none[NR_PAGES * 2 / 64 + 1] = {};

	expect_bitmap(_metadata, self, none, page_sz, mio_sz, 0);
}

/* The mock's own granule: one slot per bit */
TEST_F(dirty, mark_io_pages)
{
	unsigned long marks[NR_PAGES * 2 / 64 + 1] = {};
	__u64 nr;

	bit_set(marks, 0);
	bit_set(marks, 3);
	bit_set(marks, 2 * NR_PAGES - 1);
	ASSERT_OK(mark(self->fd, self->hwpt_id, BASE, mio_sz, marks,
		       2 * NR_PAGES, &nr));
	EXPECT_EQ(3, nr);

	expect_bitmap(_metadata, self, marks, mio_sz, mio_sz,
		      IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	expect_bitmap(_metadata, self, marks, mio_sz, page_sz,
		      IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	expect_bitmap(_metadata, self, marks, mio_sz, 4 * page_sz, 0);
	expect_clean(_metadata, self);
}

/*
 * A bit of a CPU page marks both of its mock IO pages: the bit's IOVA is
 * iova + bit * page_size, not an index in units of page_size.
 */
TEST_F(dirty, mark_cpu_pages)
{
	unsigned long marks[NR_PAGES / 64 + 1] = {};
	__u64 nr;

	bit_set(marks, 1);
	bit_set(marks, 2);
	bit_set(marks, NR_PAGES - 1);
	ASSERT_OK(mark(self->fd, self->hwpt_id, BASE, page_sz, marks,
		       NR_PAGES, &nr));
	EXPECT_EQ(3, nr);

	expect_bitmap(_metadata, self, marks, page_sz, mio_sz,
		      IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	expect_bitmap(_metadata, self, marks, page_sz, page_sz, 0);
	expect_clean(_metadata, self);
}

/* Larger pages, starting inside the mapping */
TEST_F(dirty, mark_large_pages)
{
	size_t pgsz = 4 * page_sz, nbits = (NR_PAGES - 8) / 4;
	unsigned long marks[NR_PAGES / 64 + 1] = {};
	unsigned long bits = 0;
	__u64 nr;
	size_t i;

	/* Bits relative to BASE + 8 pages, i.e. 2 large pages in */
	bits |= 1UL << 0;
	bits |= 1UL << 5;
	ASSERT_OK(mark(self->fd, self->hwpt_id, BASE + 8 * page_sz, pgsz,
		       &bits, nbits, &nr));
	EXPECT_EQ(2, nr);
	for (i = 0; i != nbits; i++)
		if (bits & (1UL << i))
			bit_set(marks, i + 2);

	expect_bitmap(_metadata, self, marks, pgsz, mio_sz,
		      IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	expect_bitmap(_metadata, self, marks, pgsz, 2 * page_sz, 0);
	expect_clean(_metadata, self);
}

/* Bits over unmapped IOVA mark nothing and are not counted */
TEST_F(dirty, mark_beyond_mapping)
{
	unsigned long bits = ~0UL;
	__u64 nr;

	ASSERT_OK(mark(self->fd, self->hwpt_id, BASE + self->len, page_sz,
		       &bits, 8, &nr));
	EXPECT_EQ(0, nr);
	/* Half inside, half outside: only the inside half counts */
	ASSERT_OK(mark(self->fd, self->hwpt_id, BASE + self->len - 4 * page_sz,
		       page_sz, &bits, 8, &nr));
	EXPECT_EQ(4, nr);
}

TEST_F(dirty, mark_errors)
{
	unsigned long bits = 1;

	EXPECT_ERRNO(EINVAL, mark(self->fd, self->hwpt_id, BASE, 0, &bits, 1,
				  NULL));
	EXPECT_ERRNO(EINVAL, mark(self->fd, self->hwpt_id, BASE + mio_sz,
				  page_sz, &bits, 1, NULL));
	EXPECT_ERRNO(EINVAL, mark(self->fd, self->hwpt_id, BASE, page_sz, NULL,
				  1, NULL));
	/* The last byte would be beyond 2^64 */
	EXPECT_ERRNO(EOVERFLOW, mark(self->fd, self->hwpt_id,
				     -(__u64)(4 * page_sz), page_sz, &bits, 8,
				     NULL));
	EXPECT_ERRNO(ENOENT, mark(self->fd, self->ioas_id, BASE, page_sz,
				  &bits, 1, NULL));
}

TEST_HARNESS_MAIN
