// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS uAPI: IOVA ranges, reserved and allowed IOVA, MAP, UNMAP, COPY and
 * the HUGE_PAGES option.
 *
 * Every test runs with 0, 1 and 2 mock domains attached to the IOAS and with
 * tiny temporary memory limits, which force the core to process every range
 * in batches of one or two PFN runs. With domains attached each mapping is
 * verified in every domain with MD_CHECK_MAP and its pins with MD_CHECK_REFS
 * (one pin per page whatever the number of domains; none without a domain).
 */
#include "iommu_test_utils.h"

#define NR_PAGES 64

FIXTURE(ioas) {
	int fd;
	__u32 ioas_id;
	unsigned int nr_hwpts;
	__u32 hwpt[2];
	__u32 stdev[2];
	__u32 idev;
	__u64 base;		/* an IOVA that is usable in every variant */
	__u64 first;		/* lowest usable IOVA */
	__u64 last;		/* highest usable IOVA */
	__u64 align;		/* expected IOVA alignment */
	void *buf;
	size_t buf_size;
};

FIXTURE_VARIANT(ioas) {
	unsigned int domains;
	__u32 dev_flags;
	__u32 temp_limit;
};

FIXTURE_VARIANT_ADD(ioas, no_domain) {
	.domains = 0,
};

FIXTURE_VARIANT_ADD(ioas, one_domain) {
	.domains = 1,
};

FIXTURE_VARIANT_ADD(ioas, two_domains) {
	.domains = 2,
};

FIXTURE_VARIANT_ADD(ioas, one_huge_domain) {
	.domains = 1,
	.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
};

FIXTURE_VARIANT_ADD(ioas, no_domain_limit16) {
	.domains = 0,
	.temp_limit = 16,
};

FIXTURE_VARIANT_ADD(ioas, one_domain_limit32) {
	.domains = 1,
	.temp_limit = 32,
};

FIXTURE_VARIANT_ADD(ioas, two_domains_limit16) {
	.domains = 2,
	.temp_limit = 16,
};

FIXTURE_SETUP(ioas)
{
	if (!mock_fixture_open(_metadata, &self->fd, variant->temp_limit,
			       &self->ioas_id))
		return;
	if (variant->domains >= 1)
		ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
					    variant->dev_flags,
					    &self->stdev[0], &self->hwpt[0],
					    &self->idev));
	if (variant->domains >= 2) {
		/* An explicit HWPT: a second, independent domain */
		ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev, self->ioas_id, 0,
					 &self->hwpt[1]));
		ASSERT_OK(mock_domain(self->fd, self->hwpt[1], &self->stdev[1],
				      NULL, NULL));
	}
	self->nr_hwpts = variant->domains;

	self->base = MOCK_APERTURE_START;
	self->first = self->nr_hwpts ? MOCK_APERTURE_START : 0;
	self->last = self->nr_hwpts ? MOCK_APERTURE_LAST : UINT64_MAX;
	self->align = self->nr_hwpts ? mio_sz : 1;

	self->buf_size = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(ioas)
{
	mock_fixture_close(self->fd, variant->temp_limit);
	if (self->buf)
		munmap(self->buf, self->buf_size);
}

/* [@iova, +@len) maps @buf in every domain, and @buf is pinned once */
static void check_mapped(struct __test_metadata *_metadata,
			 struct _test_data_ioas *self, __u64 iova, const void *buf,
			 size_t len)
{
	unsigned int i;

	for (i = 0; i != self->nr_hwpts; i++)
		ASSERT_OK(mock_check_map(self->fd, self->hwpt[i], iova, buf,
					 len));
	if ((uintptr_t)buf % page_sz == 0 && len % page_sz == 0)
		ASSERT_OK(mock_check_refs(self->fd, buf, len,
					  self->nr_hwpts ? 1 : 0));
}

/* No domain maps [@iova, +@len) any more */
static void check_not_mapped(struct __test_metadata *_metadata,
			     struct _test_data_ioas *self, __u64 iova,
			     size_t len)
{
	size_t off;
	unsigned int i;

	for (i = 0; i != self->nr_hwpts; i++)
		for (off = 0; off < len; off += mio_sz)
			ASSERT_ERRNO(EINVAL,
				     mock_check_map(self->fd, self->hwpt[i],
						    iova + off,
						    (char *)self->buf, mio_sz));
}

static void get_ranges(struct __test_metadata *_metadata,
		       struct _test_data_ioas *self, __u32 ioas,
		       struct iommu_iova_range *r, __u32 *num)
{
	__u64 align;

	*num = 8;
	ASSERT_OK(ifd_iova_ranges(self->fd, ioas, r, num, &align));
	ASSERT_EQ(self->align, align);
}

/* ---------------------------------------------------------------------- */

TEST_F(ioas, iova_ranges)
{
	struct iommu_iova_range r[8];
	__u32 num;

	memset(r, 0xff, sizeof(r));
	get_ranges(_metadata, self, self->ioas_id, r, &num);
	ASSERT_EQ(1, num);
	ASSERT_EQ(self->first, r[0].start);
	ASSERT_EQ(self->last, r[0].last);
	/* Only the reported entries are written */
	ASSERT_EQ(UINT64_MAX, r[1].start);

	/* A short array: EMSGSIZE with the needed count, nothing written */
	num = 0;
	memset(r, 0xff, sizeof(r));
	ASSERT_ERRNO(EMSGSIZE, ifd_iova_ranges(self->fd, self->ioas_id, r,
					       &num, NULL));
	ASSERT_EQ(1, num);
	ASSERT_EQ(UINT64_MAX, r[0].start);

	ASSERT_ERRNO(EFAULT, ifd_iova_ranges(self->fd, self->ioas_id,
					     (void *)8, &(__u32){ 1 }, NULL));
}

/* More ranges than the kernel reports without allocating (16) */
TEST_F(ioas, many_ranges)
{
	struct iommu_iova_range r[32];
	__u32 num, i;

	for (i = 0; i != 20; i++)
		ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
					    self->base + (2 * i + 1) * page_sz,
					    page_sz));
	num = 32;
	ASSERT_OK(ifd_iova_ranges(self->fd, self->ioas_id, r, &num, NULL));
	ASSERT_EQ(21, num);
	ASSERT_EQ(self->first, r[0].start);
	for (i = 1; i != 20; i++) {
		ASSERT_EQ(self->base + 2 * i * page_sz, r[i].start);
		ASSERT_EQ(self->base + (2 * i + 1) * page_sz - 1, r[i].last);
	}
	ASSERT_EQ(self->last, r[20].last);

	/* Room for 18: those are written, the count says 21 */
	num = 18;
	memset(r, 0xff, sizeof(r));
	ASSERT_ERRNO(EMSGSIZE, ifd_iova_ranges(self->fd, self->ioas_id, r,
					       &num, NULL));
	ASSERT_EQ(21, num);
	ASSERT_EQ(self->base + 34 * page_sz, r[17].start);
	ASSERT_EQ(UINT64_MAX, r[18].start);
}

TEST_F(ioas, reserved_ranges)
{
	struct iommu_iova_range r[8];
	__u32 num;

	/* A hole in the middle splits the usable IOVA */
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
				    self->base + page_sz, page_sz));
	get_ranges(_metadata, self, self->ioas_id, r, &num);
	ASSERT_EQ(2, num);
	ASSERT_EQ(self->first, r[0].start);
	ASSERT_EQ(self->base + page_sz - 1, r[0].last);
	ASSERT_EQ(self->base + 2 * page_sz, r[1].start);
	ASSERT_EQ(self->last, r[1].last);

	num = 1;
	ASSERT_ERRNO(EMSGSIZE, ifd_iova_ranges(self->fd, self->ioas_id, r,
					       &num, NULL));
	ASSERT_EQ(2, num);

	/* Overlapping reserved ranges are fine and change nothing here */
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
				    self->base + page_sz, page_sz / 2));
	get_ranges(_metadata, self, self->ioas_id, r, &num);
	ASSERT_EQ(2, num);

	/* Reserving outside a domain's aperture adds no hole */
	if (self->nr_hwpts) {
		ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
					    MOCK_APERTURE_START - page_sz,
					    page_sz));
		ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
					    (__u64)MOCK_APERTURE_LAST + 1,
					    page_sz));
		get_ranges(_metadata, self, self->ioas_id, r, &num);
		ASSERT_EQ(2, num);
	}

	/* Fixed maps may not touch it, automatic ones avoid it */
	ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   2 * page_sz, self->base));
	ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   page_sz, self->base + page_sz));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				self->base));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf + page_sz,
				page_sz, self->base + 2 * page_sz));
	check_mapped(_metadata, self, self->base, self->buf, page_sz);
	check_mapped(_metadata, self, self->base + 2 * page_sz,
		     self->buf + page_sz, page_sz);

	/* Reserving mapped IOVA is refused */
	ASSERT_ERRNO(EADDRINUSE, mock_add_reserved(self->fd, self->ioas_id,
						   self->base, 1));
}

/*
 * Reserved ranges that overlap or touch in every order of their starts: the
 * usable IOVA is exactly what none of them covers.  A range that starts
 * inside an earlier, longer one and ends before it must not end the
 * reserved span there.
 */
TEST_F(ioas, reserved_overlaps)
{
	struct iommu_iova_range r[8];
	__u64 b = self->base;
	__u32 num;

	/* [1, 9) pages, then two ranges inside it that start after it */
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id, b + page_sz,
				    8 * page_sz));
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id, b + 2 * page_sz,
				    page_sz));
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id, b + 5 * page_sz,
				    page_sz));
	/* One that starts inside it and ends past it, one touching that */
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id, b + 8 * page_sz,
				    2 * page_sz));
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id, b + 10 * page_sz,
				    page_sz));
	/* One after a gap of one page */
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id, b + 12 * page_sz,
				    page_sz));

	memset(r, 0xff, sizeof(r));
	get_ranges(_metadata, self, self->ioas_id, r, &num);
	ASSERT_EQ(3, num);
	ASSERT_EQ(self->first, r[0].start);
	ASSERT_EQ(b + page_sz - 1, r[0].last);
	ASSERT_EQ(b + 11 * page_sz, r[1].start);
	ASSERT_EQ(b + 12 * page_sz - 1, r[1].last);
	ASSERT_EQ(b + 13 * page_sz, r[2].start);
	ASSERT_EQ(self->last, r[2].last);
	ASSERT_EQ(UINT64_MAX, r[3].start);

	/* Only the one-page hole can be mapped */
	ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   page_sz, b + 9 * page_sz));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				b + 11 * page_sz));
	check_mapped(_metadata, self, b + 11 * page_sz, self->buf, page_sz);
}

TEST_F(ioas, reserved_errors)
{
	ASSERT_ERRNO(EINVAL, mock_add_reserved(self->fd, self->ioas_id,
					       self->base, 0));
	ASSERT_ERRNO(EOVERFLOW, mock_add_reserved(self->fd, self->ioas_id,
						  UINT64_MAX - page_sz + 1,
						  2 * page_sz));
	ASSERT_ERRNO(ENOENT, mock_add_reserved(self->fd, 0, self->base,
					       page_sz));
	if (self->nr_hwpts)
		ASSERT_ERRNO(ENOENT, mock_add_reserved(self->fd, self->hwpt[0],
						       self->base, page_sz));
}

/* Automatic IOVA only ever lands outside reserved ranges */
TEST_F(ioas, auto_iova_avoids_reserved)
{
	__u64 iova[2];

	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id, 0, self->base));
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
				    self->base + 2 * page_sz,
				    UINT64_MAX - (self->base + 2 * page_sz) +
				    1));
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, self->buf, page_sz,
			  &iova[0]));
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, self->buf + page_sz,
			  page_sz, &iova[1]));
	ASSERT_ERRNO(ENOSPC, ifd_map(self->fd, self->ioas_id, self->buf,
				     page_sz, &(__u64){ 0 }));
	ASSERT_NE(iova[0], iova[1]);
	ASSERT_GE(iova[0], self->base);
	ASSERT_GE(iova[1], self->base);
	ASSERT_LT(iova[0], self->base + 2 * page_sz);
	ASSERT_LT(iova[1], self->base + 2 * page_sz);
	check_mapped(_metadata, self, iova[0], self->buf, page_sz);
	check_mapped(_metadata, self, iova[1], self->buf + page_sz, page_sz);
}

TEST_F(ioas, map_fixed_unmap)
{
	__u64 unmapped;

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->base));
	check_mapped(_metadata, self, self->base, self->buf, self->buf_size);

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base,
			    self->buf_size, &unmapped));
	ASSERT_EQ(self->buf_size, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
	check_not_mapped(_metadata, self, self->base, self->buf_size);
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, self->base,
				       self->buf_size, NULL));
	/* The IOVA can be used again */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				self->base));
	check_mapped(_metadata, self, self->base, self->buf, page_sz);
}

TEST_F(ioas, map_auto_alignment)
{
	size_t size = 4 * SZ_1M, len, used = 0;
	__u64 iova[12], unmapped;
	size_t lens[12];
	unsigned int n = 0, i, j;
	char *buf;

	/* 2 MiB aligned memory so the user address never limits alignment */
	buf = mmap_aligned(size, SZ_2M, 0);
	ASSERT_NE(NULL, buf);
	madvise(buf, size, MADV_NOHUGEPAGE);
	memset(buf, 1, size);

	for (len = page_sz; len <= SZ_1M; len *= 2) {
		ASSERT_OK(ifd_map(self->fd, self->ioas_id, buf + used, len,
				  &iova[n]));
		lens[n++] = len;
		used += len;
	}
	/* A length that is not a power of two */
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, buf + used, 3 * page_sz,
			  &iova[n]));
	lens[n++] = 3 * page_sz;
	used += 3 * page_sz;

	for (i = 0, used = 0; i != n; used += lens[i], i++) {
		/* Aligned to the largest power of two dividing the length */
		ASSERT_EQ(0, iova[i] % (lens[i] & -lens[i]));
		ASSERT_EQ(0, iova[i] % self->align);
		ASSERT_GE(iova[i], self->first);
		ASSERT_LE(iova[i] + lens[i] - 1, self->last);
		for (j = 0; j != i; j++)
			ASSERT_TRUE(iova[i] + lens[i] <= iova[j] ||
				    iova[j] + lens[j] <= iova[i]);
		check_mapped(_metadata, self, iova[i], buf + used, lens[i]);
	}

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(used, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, buf, size, 0));
	munmap(buf, size);
}

/* IOVA granularity follows the domain's IO page size, MIO = PAGE_SIZE / 2 */
TEST_F(ioas, map_io_page_granularity)
{
	char *buf = self->buf;
	__u64 iova;

	if (!self->nr_hwpts)
		SKIP(return, "needs a mock domain");

	/* MIO aligned but not page aligned IOVA and user address */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + mio_sz, mio_sz,
				self->base + mio_sz));
	check_mapped(_metadata, self, self->base + mio_sz, buf + mio_sz,
		     mio_sz);
	/* A whole CPU page at a half-page IOVA becomes two IO pages */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + page_sz,
				page_sz, self->base + page_sz + mio_sz));
	check_mapped(_metadata, self, self->base + page_sz + mio_sz,
		     buf + page_sz, page_sz);
	/* And a user address half a page off against a page aligned IOVA */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
				buf + 4 * page_sz + mio_sz, 2 * page_sz,
				self->base + 8 * page_sz));
	check_mapped(_metadata, self, self->base + 8 * page_sz,
		     buf + 4 * page_sz + mio_sz, 2 * page_sz);

	/* Below the IO page size */
	ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id, buf,
					   page_sz, self->base + 16 * page_sz +
					   1));
	ASSERT_ERRNO(EINVAL, ifd_map(self->fd, self->ioas_id, buf,
				     mio_sz + 1, &iova));
	ASSERT_ERRNO(EINVAL, ifd_map(self->fd, self->ioas_id, buf,
				     mio_sz / 2, &iova));
	ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id, buf,
					   mio_sz + 8, self->base +
					   16 * page_sz));

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base + mio_sz,
			    mio_sz, NULL));
	check_not_mapped(_metadata, self, self->base + mio_sz, mio_sz);
}

TEST_F(ioas, map_errors)
{
	void *hole;
	__u64 iova;

	ASSERT_ERRNO(EINVAL, ifd_map(self->fd, self->ioas_id, self->buf, 0,
				     &iova));
	ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   0, self->base));

	/* Overlaps with an existing mapping */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				4 * page_sz, self->base + 4 * page_sz));
	ASSERT_ERRNO(EEXIST, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   4 * page_sz,
					   self->base + 4 * page_sz));
	ASSERT_ERRNO(EEXIST, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   2 * page_sz,
					   self->base + 3 * page_sz));
	ASSERT_ERRNO(EEXIST, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   page_sz,
					   self->base + 7 * page_sz));
	ASSERT_ERRNO(EEXIST, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   16 * page_sz, self->base));

	/* Wrapping IOVA or user address */
	ASSERT_ERRNO(EOVERFLOW, ifd_map_fixed(self->fd, self->ioas_id,
					      self->buf, 2 * page_sz,
					      UINT64_MAX - page_sz + 1));
	ASSERT_ERRNO(EOVERFLOW, ifd_map(self->fd, self->ioas_id,
					(void *)(UINTPTR_MAX - page_sz + 1),
					2 * page_sz, &iova));

	if (self->nr_hwpts) {
		/* Outside the aperture of the attached domains */
		ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id,
						   self->buf, page_sz, 0));
		ASSERT_ERRNO(EINVAL,
			     ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   2 * page_sz,
					   MOCK_APERTURE_START - page_sz));
		ASSERT_ERRNO(EINVAL,
			     ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   page_sz,
					   (__u64)MOCK_APERTURE_LAST + 1));

		/* Memory that is not there cannot be pinned */
		hole = mmap(NULL, 4 * page_sz, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, hole);
		ASSERT_OK(munmap(hole, 4 * page_sz));
		ASSERT_ERRNO(EFAULT, ifd_map(self->fd, self->ioas_id, hole,
					     4 * page_sz, &iova));
		/* Half present: the first page is pinned, then undone */
		hole = mmap(NULL, 2 * page_sz, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, hole);
		madvise(hole, 2 * page_sz, MADV_NOHUGEPAGE);
		memset(hole, 0, page_sz);
		ASSERT_OK(munmap((char *)hole + page_sz, page_sz));
		ASSERT_ERRNO(EFAULT, ifd_map(self->fd, self->ioas_id, hole,
					     2 * page_sz, &iova));
		ASSERT_OK(mock_check_refs(self->fd, hole, page_sz, 0));
		munmap(hole, page_sz);
	}

	/* Nothing was left behind by the failures */
	check_mapped(_metadata, self, self->base + 4 * page_sz, self->buf,
		     4 * page_sz);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, &iova));
	ASSERT_EQ(4 * page_sz, iova);
}

TEST_F(ioas, unmap_rules)
{
	char *buf = self->buf;
	__u64 b = self->base, unmapped;

	/* A, B, C adjacent (2 pages each), a gap, then D */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, 2 * page_sz, b));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + 2 * page_sz,
				2 * page_sz, b + 2 * page_sz));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + 4 * page_sz,
				2 * page_sz, b + 4 * page_sz));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + 8 * page_sz,
				2 * page_sz, b + 8 * page_sz));

	/* Ranges that cut a mapping are refused and change nothing */
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, b + page_sz,
				       2 * page_sz, NULL));
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, b,
				       page_sz, NULL));
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id,
				       b + 2 * page_sz, 3 * page_sz, NULL));
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, 0,
				       b + 9 * page_sz, NULL));
	/* A range holding no mapping at all */
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id,
				       b + 6 * page_sz, 2 * page_sz, NULL));
	ASSERT_ERRNO(EOVERFLOW, ifd_unmap(self->fd, self->ioas_id, b,
					  UINT64_MAX, NULL));
	check_mapped(_metadata, self, b, buf, 6 * page_sz);
	check_mapped(_metadata, self, b + 8 * page_sz, buf + 8 * page_sz,
		     2 * page_sz);

	/* Several whole mappings plus a gap: reports only mapped bytes */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, b + 2 * page_sz,
			    6 * page_sz, &unmapped));
	ASSERT_EQ(4 * page_sz, unmapped);
	check_not_mapped(_metadata, self, b + 2 * page_sz, 4 * page_sz);
	ASSERT_OK(mock_check_refs(self->fd, buf + 2 * page_sz, 4 * page_sz,
				  0));
	check_mapped(_metadata, self, b, buf, 2 * page_sz);

	/* Everything */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(4 * page_sz, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, buf, self->buf_size, 0));
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, b,
				       2 * page_sz, NULL));
}

TEST_F(ioas, copy)
{
	__u32 ioas2, hwpt2 = 0;
	__u64 b = self->base, dst, unmapped;
	char *buf = self->buf;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	if (self->nr_hwpts)
		ASSERT_OK(mock_domain(self->fd, ioas2, NULL, &hwpt2, NULL));

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, 8 * page_sz, b));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + 8 * page_sz,
				8 * page_sz, b + 8 * page_sz));

	/* Whole area into another IOAS: same pages, no second pin */
	ASSERT_OK(ifd_copy(self->fd, ioas2, &dst, self->ioas_id, b,
			   8 * page_sz, MAP_RW));
	if (hwpt2)
		ASSERT_OK(mock_check_map(self->fd, hwpt2, dst, buf,
					 8 * page_sz));
	check_mapped(_metadata, self, b, buf, 16 * page_sz);

	/* A slice from the middle, within the same IOAS, fixed IOVA */
	dst = b + 32 * page_sz;
	ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &dst, self->ioas_id,
			   b + 3 * page_sz, 2 * page_sz,
			   MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(b + 32 * page_sz, dst);
	check_mapped(_metadata, self, dst, buf + 3 * page_sz, 2 * page_sz);

	/* Spanning two adjacent mappings, read-only */
	ASSERT_OK(ifd_copy(self->fd, ioas2, &dst, self->ioas_id,
			   b + 6 * page_sz, 4 * page_sz,
			   IOMMU_IOAS_MAP_READABLE));
	if (hwpt2)
		ASSERT_OK(mock_check_map(self->fd, hwpt2, dst,
					 buf + 6 * page_sz, 4 * page_sz));

	/* Errors */
	ASSERT_ERRNO(ENOENT, ifd_copy(self->fd, ioas2, &dst, self->ioas_id,
				      b + 14 * page_sz, 4 * page_sz, MAP_RW));
	ASSERT_ERRNO(ENOENT, ifd_copy(self->fd, ioas2, &dst, self->ioas_id,
				      b + 40 * page_sz, page_sz, MAP_RW));
	ASSERT_ERRNO(ENOENT, ifd_copy(self->fd, 0, &dst, self->ioas_id, b,
				      page_sz, MAP_RW));
	ASSERT_ERRNO(ENOENT, ifd_copy(self->fd, ioas2, &dst, 0, b, page_sz,
				      MAP_RW));
	ASSERT_ERRNO(EINVAL, ifd_copy(self->fd, ioas2, &dst, self->ioas_id, b,
				      0, MAP_RW));
	dst = b + 32 * page_sz;
	ASSERT_ERRNO(EEXIST, ifd_copy(self->fd, self->ioas_id, &dst,
				      self->ioas_id, b, page_sz,
				      MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));

	/* The copies outlive the source mapping */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, b, 16 * page_sz,
			    &unmapped));
	ASSERT_EQ(16 * page_sz, unmapped);
	check_mapped(_metadata, self, b + 32 * page_sz, buf + 3 * page_sz,
		     2 * page_sz);
	if (hwpt2)
		ASSERT_OK(mock_check_refs(self->fd, buf, 10 * page_sz, 1));

	ASSERT_OK(ifd_unmap(self->fd, ioas2, 0, UINT64_MAX, &unmapped));
	ASSERT_EQ(12 * page_sz, unmapped);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(2 * page_sz, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, buf, self->buf_size, 0));
}

TEST_F(ioas, allow_iovas)
{
	struct iommu_iova_range allow[2] = {
		{ self->base, self->base + page_sz - 1 },
		{ self->base + 4 * page_sz, self->base + 6 * page_sz - 1 },
	};
	struct iommu_iova_range bad[2];
	__u64 iova[3];
	unsigned int i;

	ASSERT_OK(ifd_allow_iovas(self->fd, self->ioas_id, allow, 2));
	for (i = 0; i != 3; i++) {
		ASSERT_OK(ifd_map(self->fd, self->ioas_id,
				  self->buf + i * page_sz, page_sz, &iova[i]));
		ASSERT_TRUE(iova[i] == allow[0].start ||
			    (iova[i] >= allow[1].start &&
			     iova[i] + page_sz - 1 <= allow[1].last));
		check_mapped(_metadata, self, iova[i], self->buf + i * page_sz,
			     page_sz);
	}
	ASSERT_NE(iova[0], iova[1]);
	ASSERT_NE(iova[1], iova[2]);
	ASSERT_NE(iova[0], iova[2]);
	/* The allowed IOVA is used up */
	ASSERT_ERRNO(ENOSPC, ifd_map(self->fd, self->ioas_id, self->buf,
				     page_sz, &iova[0]));
	ASSERT_ERRNO(ENOSPC, ifd_map(self->fd, self->ioas_id, self->buf,
				     8 * page_sz, &iova[0]));

	/* Malformed lists */
	bad[0] = allow[1];
	bad[1] = (struct iommu_iova_range){ allow[1].start + page_sz,
					    allow[1].last + page_sz };
	ASSERT_ERRNO(EINVAL, ifd_allow_iovas(self->fd, self->ioas_id, bad, 2));
	bad[0] = (struct iommu_iova_range){ self->base + page_sz,
					    self->base };
	ASSERT_ERRNO(EINVAL, ifd_allow_iovas(self->fd, self->ioas_id, bad, 1));
	ASSERT_ERRNO(EFAULT, ifd_allow_iovas(self->fd, self->ioas_id,
					     (void *)8, 1));

	/* Reserved IOVA can never be allowed, nor allowed IOVA reserved */
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
				    self->base + 64 * page_sz, page_sz));
	bad[0] = (struct iommu_iova_range){ self->base + 63 * page_sz,
					    self->base + 65 * page_sz - 1 };
	ASSERT_ERRNO(EADDRINUSE, ifd_allow_iovas(self->fd, self->ioas_id, bad,
						 1));
	ASSERT_ERRNO(EADDRINUSE, mock_add_reserved(self->fd, self->ioas_id,
						   allow[1].start, 1));
	if (self->nr_hwpts) {
		bad[0] = (struct iommu_iova_range){ 0, page_sz - 1 };
		ASSERT_ERRNO(EADDRINUSE, ifd_allow_iovas(self->fd,
							 self->ioas_id, bad,
							 1));
	}

	/* An empty list lifts the restriction */
	ASSERT_OK(ifd_allow_iovas(self->fd, self->ioas_id, NULL, 0));
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, self->buf + 8 * page_sz,
			  8 * page_sz, &iova[0]));
	check_mapped(_metadata, self, iova[0], self->buf + 8 * page_sz,
		     8 * page_sz);
}

/* An allowed range the device cannot reach blocks the attach */
TEST_F(ioas, allow_iovas_blocks_attach)
{
	struct iommu_iova_range allow = { 0, page_sz - 1 };
	struct iommu_iova_range r[8];
	__u32 ioas2, num = 8;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &allow, 1));
	ASSERT_EQ(-1, mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	/* Nothing narrowed the IOAS, nothing holds it */
	ASSERT_OK(ifd_iova_ranges(self->fd, ioas2, r, &num, NULL));
	ASSERT_EQ(1, num);
	ASSERT_EQ(0, r[0].start);
	ASSERT_EQ(UINT64_MAX, r[0].last);
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, NULL, 0));
	ASSERT_OK(mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	/* Now narrowed: the same range can no longer be allowed */
	ASSERT_ERRNO(EADDRINUSE, ifd_allow_iovas(self->fd, ioas2, &allow, 1));
}

/* Domains added later are filled with what is mapped; removal unfills */
TEST_F(ioas, domain_add_remove)
{
	__u32 stdev, hwpt;
	__u64 b = self->base;

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				8 * page_sz, b));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
				self->buf + 9 * page_sz, 7 * page_sz,
				b + 16 * page_sz));

	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, &hwpt, NULL));
	if (self->nr_hwpts)
		ASSERT_EQ(self->hwpt[0], hwpt);
	ASSERT_OK(mock_check_map(self->fd, hwpt, b, self->buf, 8 * page_sz));
	ASSERT_OK(mock_check_map(self->fd, hwpt, b + 16 * page_sz,
				 self->buf + 9 * page_sz, 7 * page_sz));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, 8 * page_sz, 1));

	/* Later maps reach it as well */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
				self->buf + 32 * page_sz, 4 * page_sz,
				b + 32 * page_sz));
	ASSERT_OK(mock_check_map(self->fd, hwpt, b + 32 * page_sz,
				 self->buf + 32 * page_sz, 4 * page_sz));

	ASSERT_OK(ifd_destroy(self->fd, stdev));
	if (!self->nr_hwpts) {
		ASSERT_ERRNO(ENOENT, mock_check_map(self->fd, hwpt, b,
						    self->buf, page_sz));
		ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size,
					  0));
	}
	check_mapped(_metadata, self, b, self->buf, 8 * page_sz);
	check_mapped(_metadata, self, b + 32 * page_sz,
		     self->buf + 32 * page_sz, 4 * page_sz);
}

TEST_F(ioas, destroy_with_mappings)
{
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->base));
	if (self->nr_hwpts) {
		ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
		check_mapped(_metadata, self, self->base, self->buf,
			     self->buf_size);
		ASSERT_OK(ifd_destroy(self->fd, self->stdev[0]));
		if (self->nr_hwpts > 1) {
			ASSERT_OK(ifd_destroy(self->fd, self->stdev[1]));
			ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd,
							self->ioas_id));
			ASSERT_OK(ifd_destroy(self->fd, self->hwpt[1]));
		}
	}
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

TEST_F(ioas, huge_pages_option_off)
{
	struct iommu_iova_range r[8];
	__u64 unmapped, val;
	__u32 num = 8;

	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, 0));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	ASSERT_EQ(0, val);
	/* Everything is mapped in CPU pages now, so that is the alignment */
	ASSERT_OK(ifd_iova_ranges(self->fd, self->ioas_id, r, &num, &val));
	ASSERT_EQ(page_sz, val);

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->base));
	check_mapped(_metadata, self, self->base, self->buf, self->buf_size);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base,
			    self->buf_size, &unmapped));
	ASSERT_EQ(self->buf_size, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));

	/* Back on: the alignment the domains need, mappings may be large */
	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, 1));
	get_ranges(_metadata, self, self->ioas_id, r, &num);
}

/* With large pages off, neither the IOVA nor the memory may be sub-page */
TEST_F(ioas, huge_pages_off_needs_page_alignment)
{
	const size_t off[] = { 1, 8, 512, page_sz / 2 };
	unsigned int i;
	__u64 iova;

	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, 0));
	for (i = 0; i != ARRAY_SIZE(off); i++) {
		ASSERT_ERRNO(EINVAL, ifd_map(self->fd, self->ioas_id,
					     self->buf + off[i], page_sz,
					     &iova));
		ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id,
						   self->buf + off[i],
						   page_sz, self->base));
		ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id,
						   self->buf, page_sz,
						   self->base + off[i]));
		ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id,
						   self->buf,
						   page_sz + off[i],
						   self->base));
	}
	/* Nothing was mapped by the failures */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, &iova));
	ASSERT_EQ(0, iova);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf + page_sz,
				2 * page_sz, self->base + page_sz));
	check_mapped(_metadata, self, self->base + page_sz,
		     self->buf + page_sz, 2 * page_sz);
	/* COPY follows the same rule */
	ASSERT_ERRNO(EINVAL, ifd_copy(self->fd, self->ioas_id, &iova,
				      self->ioas_id, self->base + page_sz,
				      page_sz / 2, MAP_RW));
	ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &iova, self->ioas_id,
			   self->base + page_sz, page_sz, MAP_RW));
	ASSERT_EQ(0, iova % page_sz);
	check_mapped(_metadata, self, iova, self->buf + page_sz, page_sz);
}

/* Large pages cannot be turned off under mappings that need them */
TEST_F(ioas, huge_pages_off_refused)
{
	__u64 val;

	if (self->nr_hwpts) {
		/* Domains hold mappings: refused whatever their alignment */
		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					4 * page_sz, self->base));
		ASSERT_ERRNO(EBUSY, ifd_option_set(self->fd,
						   IOMMU_OPTION_HUGE_PAGES,
						   self->ioas_id, 0));
	} else {
		/* Without domains only a misaligned mapping is in the way */
		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					4 * page_sz, self->base));
		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf + 8,
					page_sz, self->base + 8 * page_sz));
		ASSERT_ERRNO(EADDRINUSE, ifd_option_set(self->fd,
							IOMMU_OPTION_HUGE_PAGES,
							self->ioas_id, 0));
		ASSERT_OK(ifd_unmap(self->fd, self->ioas_id,
				    self->base + 8 * page_sz, page_sz, NULL));
		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					page_sz, self->base + 8 * page_sz + 8));
		ASSERT_ERRNO(EADDRINUSE, ifd_option_set(self->fd,
							IOMMU_OPTION_HUGE_PAGES,
							self->ioas_id, 0));
		ASSERT_OK(ifd_unmap(self->fd, self->ioas_id,
				    self->base + 8 * page_sz + 8, page_sz,
				    NULL));
		ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 self->ioas_id, 0));
	}
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	ASSERT_EQ(self->nr_hwpts ? 1 : 0, val);
	check_mapped(_metadata, self, self->base, self->buf, 4 * page_sz);

	/* Once nothing is mapped it may be turned off */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, 0));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	ASSERT_EQ(0, val);
}

/* Many single-page areas whose pages are in reverse order */
TEST_F(ioas, many_small_areas)
{
	char *buf = self->buf;
	__u64 unmapped;
	unsigned int i;

	for (i = 0; i != NR_PAGES; i++)
		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
					buf + (NR_PAGES - 1 - i) * page_sz,
					page_sz, self->base + i * page_sz));
	for (i = 0; i != NR_PAGES; i++)
		check_mapped(_metadata, self, self->base + i * page_sz,
			     buf + (NR_PAGES - 1 - i) * page_sz, page_sz);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base,
			    NR_PAGES * page_sz, &unmapped));
	ASSERT_EQ(NR_PAGES * page_sz, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, buf, self->buf_size, 0));
	check_not_mapped(_metadata, self, self->base, 4 * page_sz);
}

/* A large mapping of small pages, processed in many batches */
TEST_F(ioas, large_map_copy_unmap)
{
	size_t size = 16 * SZ_1M;
	__u64 iova, dst, unmapped;
	char *buf;

	buf = buf_alloc(size, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, buf, size, &iova));
	check_mapped(_metadata, self, iova, buf, size);
	ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &dst, self->ioas_id,
			   iova + page_sz, size - 2 * page_sz, MAP_RW));
	check_mapped(_metadata, self, dst, buf + page_sz, size - 2 * page_sz);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova, size, &unmapped));
	ASSERT_EQ(size, unmapped);
	check_mapped(_metadata, self, dst, buf + page_sz, size - 2 * page_sz);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(size - 2 * page_sz, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, buf, size, 0));
	munmap(buf, size);
}

TEST_F(ioas, check_map_errors)
{
	__u32 i;

	if (!self->nr_hwpts)
		SKIP(return, "needs a mock domain");
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				4 * page_sz, self->base));
	for (i = 0; i != self->nr_hwpts; i++) {
		__u32 hwpt = self->hwpt[i];

		ASSERT_OK(mock_check_map(self->fd, hwpt, self->base, self->buf,
					 0));
		ASSERT_ERRNO(EINVAL, mock_check_map(self->fd, hwpt,
						    self->base + 1, self->buf,
						    mio_sz));
		ASSERT_ERRNO(EINVAL, mock_check_map(self->fd, hwpt,
						    self->base, self->buf + 1,
						    mio_sz));
		ASSERT_ERRNO(EINVAL, mock_check_map(self->fd, hwpt,
						    self->base, self->buf,
						    mio_sz + 1));
		/* Wrong memory, or beyond the mapping */
		ASSERT_ERRNO(EINVAL, mock_check_map(self->fd, hwpt,
						    self->base,
						    self->buf + page_sz,
						    page_sz));
		ASSERT_ERRNO(EINVAL, mock_check_map(self->fd, hwpt,
						    self->base, self->buf,
						    5 * page_sz));
	}
	/* Only paging HWPTs can be checked */
	ASSERT_ERRNO(ENOENT, mock_check_map(self->fd, self->ioas_id,
					    self->base, self->buf, page_sz));
	ASSERT_ERRNO(ENOENT, mock_check_map(self->fd, self->stdev[0],
					    self->base, self->buf, page_sz));
}

TEST_F(ioas, map_permissions)
{
	ASSERT_OK(ifd_map_flags(self->fd, self->ioas_id, self->buf, page_sz,
				&(__u64){ self->base },
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_OK(ifd_map_flags(self->fd, self->ioas_id,
				self->buf + page_sz, page_sz,
				&(__u64){ self->base + page_sz },
				IOMMU_IOAS_MAP_WRITEABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	check_mapped(_metadata, self, self->base, self->buf, 2 * page_sz);
}

TEST_HARNESS_MAIN
