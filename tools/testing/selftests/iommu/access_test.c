// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-kernel access objects, driven through the mock: pinning IOVA ranges,
 * reading and writing IOVA (fast path and the foreign-mm slow path), the
 * unmap notification that makes an access drop its pins before an IOVA range
 * disappears, replacing the IOAS under an access, closing the access (which
 * must drop its pins), and the syzkaller IOVA encoding.
 */
#include "iommu_test_utils.h"

#define NR_PAGES 16
#define NEEDS_PIN MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES

FIXTURE(access) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	unsigned int refs;	/* pins of a mapped page without accesses */
	int access_fd;		/* may pin pages */
	__u64 base;
	char *buf;
	size_t buf_size;
};

FIXTURE_VARIANT(access) {
	bool domain;
	__u32 temp_limit;
};

FIXTURE_VARIANT_ADD(access, no_domain) {
	.domain = false,
};

FIXTURE_VARIANT_ADD(access, domain) {
	.domain = true,
};

FIXTURE_VARIANT_ADD(access, domain_limit16) {
	.domain = true,
	.temp_limit = 16,
};

FIXTURE_SETUP(access)
{
	if (!mock_fixture_open(_metadata, &self->fd, variant->temp_limit,
			       &self->ioas_id))
		return;
	if (variant->domain)
		ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
				      &self->hwpt_id, NULL));
	self->refs = variant->domain ? 1 : 0;
	self->base = MOCK_APERTURE_START;
	self->buf_size = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	pattern_fill(self->buf, self->buf_size, 11);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->base));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     NEEDS_PIN,
				     &self->access_fd));
}

FIXTURE_TEARDOWN(access)
{
	if (self->access_fd > 0)
		close(self->access_fd);
	mock_fixture_close(self->fd, variant->temp_limit);
	if (self->buf)
		munmap(self->buf, self->buf_size);
}

/* ---------------------------------------------------------------------- */
/* Creation                                                                */
/* ---------------------------------------------------------------------- */

TEST_F(access, create_errors)
{
	int afd;

	ASSERT_ERRNO(EOPNOTSUPP, mock_access_create(self->fd, self->ioas_id,
						    1 << 1, &afd));
	ASSERT_ERRNO(EOPNOTSUPP, mock_access_create(self->fd, self->ioas_id,
						    1U << 31, &afd));
	ASSERT_ERRNO(ENOENT, mock_access_create(self->fd, 0, 0, &afd));
	if (self->hwpt_id)
		ASSERT_ERRNO(ENOENT, mock_access_create(self->fd,
							self->hwpt_id, 0,
							&afd));
	/* The access fd is close-on-exec */
	ASSERT_EQ(FD_CLOEXEC, fcntl(self->access_fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(access, keeps_ioas_busy)
{
	if (self->stdev_id)
		ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
	ASSERT_OK(close(self->access_fd));
	self->access_fd = -1;
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
}

/* ---------------------------------------------------------------------- */
/* Pinning                                                                 */
/* ---------------------------------------------------------------------- */

TEST_F(access, pin_unpin)
{
	char *buf = self->buf;
	__u32 id;

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0,
				    self->base + 2 * page_sz, 4 * page_sz,
				    buf + 2 * page_sz, &id));
	ASSERT_OK(mock_check_refs(self->fd, buf + 2 * page_sz, 4 * page_sz,
				  1));
	ASSERT_OK(mock_check_refs(self->fd, buf, 2 * page_sz, self->refs));
	ASSERT_OK(mock_check_refs(self->fd, buf + 6 * page_sz, page_sz,
				  self->refs));

	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id));
	ASSERT_OK(mock_check_refs(self->fd, buf, self->buf_size, self->refs));
	ASSERT_ERRNO(ENOENT, mock_access_unpin(self->fd, self->access_fd, id));
	ASSERT_ERRNO(ENOENT, mock_access_unpin(self->fd, self->access_fd,
					       id + 100));
}

TEST_F(access, pin_items_are_independent)
{
	__u32 id[3];

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    page_sz, self->buf, &id[0]));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    page_sz, self->buf, &id[1]));
	/* Item IDs count up from 0 and are never reused */
	ASSERT_EQ(0, id[0]);
	ASSERT_EQ(1, id[1]);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 1));
	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id[0]));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 1));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    page_sz, NULL, &id[2]));
	ASSERT_EQ(2, id[2]);
	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id[1]));
	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id[2]));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, self->refs));
}

TEST_F(access, pin_whole_area_for_write)
{
	__u32 id;

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd,
				    MOCK_FLAGS_ACCESS_WRITE, self->base,
				    self->buf_size, self->buf, &id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id));
}

TEST_F(access, pin_errors)
{
	char *buf = self->buf;
	__u64 b = self->base, ro;
	int rw_only;
	__u32 id;

	ASSERT_ERRNO(ENOMEM, mock_access_pages(self->fd, self->access_fd, 0, b,
					       MOCK_ACCESS_MAX_LEN + page_sz,
					       NULL, &id));
	ASSERT_ERRNO(EOPNOTSUPP, mock_access_pages(self->fd, self->access_fd,
						   1 << 1, b, page_sz, NULL,
						   &id));
	ASSERT_ERRNO(EBADFD, mock_access_pages(self->fd, self->fd, 0, b,
					       page_sz, NULL, &id));
	ASSERT_ERRNO(EBADFD, mock_access_pages(self->fd, 1000, 0, b, page_sz,
					       NULL, &id));
	ASSERT_ERRNO(EINVAL, mock_access_pages(self->fd, self->access_fd, 0, b,
					       0, NULL, &id));
	ASSERT_ERRNO(EOVERFLOW, mock_access_pages(self->fd, self->access_fd, 0,
						  UINT64_MAX - page_sz + 1,
						  2 * page_sz, NULL, &id));
	/* Not mapped, or not completely */
	ASSERT_ERRNO(ENOENT, mock_access_pages(self->fd, self->access_fd, 0,
					       b + 32 * page_sz, page_sz, NULL,
					       &id));
	ASSERT_ERRNO(ENOENT, mock_access_pages(self->fd, self->access_fd, 0,
					       b + 15 * page_sz, 2 * page_sz,
					       NULL, &id));
	/* The pages are not the ones at uptr */
	ASSERT_ERRNO(EBADE, mock_access_pages(self->fd, self->access_fd, 0, b,
					      2 * page_sz, buf + page_sz,
					      &id));
	/* Write pin of a read-only mapping */
	ro = b + 32 * page_sz;
	ASSERT_OK(ifd_map_flags(self->fd, self->ioas_id, buf, page_sz, &ro,
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_ERRNO(EPERM, mock_access_pages(self->fd, self->access_fd,
					      MOCK_FLAGS_ACCESS_WRITE, ro,
					      page_sz, buf, &id));
	/* None of the failures left a pin behind (page 0 is mapped twice) */
	ASSERT_OK(mock_check_refs(self->fd, buf + page_sz,
				  self->buf_size - page_sz, self->refs));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, ro, page_sz,
				    buf, &id));
	ASSERT_EQ(0, id);

	/* An access created without NEEDS_PIN_PAGES cannot pin */
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &rw_only));
	ASSERT_ERRNO(EOPNOTSUPP, mock_access_pages(self->fd, rw_only, 0, b,
						   page_sz, NULL, &id));
	ASSERT_ERRNO(EBADFD, mock_access_unpin(self->fd, self->fd, 0));
	close(rw_only);
}

/* A pinning access needs PAGE_SIZE aligned IOVA in its IOAS */
TEST_F(access, pinning_raises_alignment)
{
	__u64 align, iova = self->base + 64 * page_sz + page_sz / 2;
	struct iommu_iova_range r[4];
	__u32 num = 4;
	int rw_only;

	ASSERT_OK(ifd_iova_ranges(self->fd, self->ioas_id, r, &num, &align));
	ASSERT_EQ(page_sz, align);
	ASSERT_ERRNO(EINVAL, ifd_map_fixed(self->fd, self->ioas_id, self->buf,
					   page_sz, iova));

	/* Without it the domain's (or no) alignment is back */
	ASSERT_OK(close(self->access_fd));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &rw_only));
	self->access_fd = rw_only;
	num = 4;
	ASSERT_OK(ifd_iova_ranges(self->fd, self->ioas_id, r, &num, &align));
	ASSERT_EQ(self->hwpt_id ? page_sz / 2 : 1, align);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				iova));
	/* Now a pinning access cannot join */
	ASSERT_ERRNO(EADDRINUSE, mock_access_create(self->fd, self->ioas_id,
						    NEEDS_PIN, &rw_only));
}

TEST_F(access, pins_survive_domain_removal)
{
	__u32 id;
	char *check;

	if (!self->stdev_id)
		SKIP(return, "needs a mock domain");
	check = malloc(4 * page_sz);
	ASSERT_NE(NULL, check);
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0,
				    self->base + page_sz, 4 * page_sz,
				    self->buf + page_sz, &id));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf + page_sz, 4 * page_sz,
				  1));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 0));
	memset(check, 0, 4 * page_sz);
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd,
				 self->base + page_sz, check, 4 * page_sz,
				 MOCK_ACCESS_RW_SLOW_PATH));
	ASSERT_EQ(0, memcmp(check, self->buf + page_sz, 4 * page_sz));
	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
	free(check);
}

/* Pins that start and end inside huge pages survive losing the domain */
TEST_F(access, pins_in_huge_pages)
{
	size_t len = 2 * THP_SIZE;
	__u32 id, ioas2, stdev;
	char *buf;
	int afd;

	buf = buf_alloc(len, BUF_THP);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(mock_domain_flags(self->fd, ioas2,
				    MOCK_FLAGS_DEVICE_HUGE_IOVA, &stdev, NULL,
				    NULL));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, buf, len, self->base));
	ASSERT_OK(mock_access_create(self->fd, ioas2,
				     NEEDS_PIN,
				     &afd));
	ASSERT_OK(mock_access_pages(self->fd, afd, MOCK_FLAGS_ACCESS_WRITE,
				    self->base + THP_SIZE - 3 * page_sz,
				    6 * page_sz,
				    buf + THP_SIZE - 3 * page_sz, &id));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	pattern_fill(buf + THP_SIZE - 3 * page_sz, 6 * page_sz, 12);
	ASSERT_OK(mock_access_pages(self->fd, afd, 0,
				    self->base + THP_SIZE - 3 * page_sz,
				    6 * page_sz,
				    buf + THP_SIZE - 3 * page_sz, &id));
	ASSERT_OK(mock_domain(self->fd, ioas2, &stdev, NULL, NULL));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	close(afd);
	ASSERT_OK(ifd_unmap(self->fd, ioas2, self->base, len, NULL));
	ASSERT_EQ(-1, pattern_check(buf + THP_SIZE - 3 * page_sz,
				    6 * page_sz, 12));
	munmap(buf, len);
}

/* ---------------------------------------------------------------------- */
/* Read and write                                                          */
/* ---------------------------------------------------------------------- */

/* Write through the IOAS and read with the CPU, then the other way round */
static void rw_roundtrip(struct __test_metadata *_metadata,
			 struct _test_data_access *self, int afd, size_t off,
			 size_t len, __u32 flags, unsigned int seed, char *tmp)
{
	__u64 iova = self->base + off;

	pattern_fill(tmp, len, seed);
	ASSERT_OK(mock_access_rw(self->fd, afd, iova, tmp, len,
				 flags | MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ(-1, pattern_check(self->buf + off, len, seed));

	pattern_fill(self->buf + off, len, seed + 1000);
	memset(tmp, 0, len);
	ASSERT_OK(mock_access_rw(self->fd, afd, iova, tmp, len, flags));
	ASSERT_EQ(-1, pattern_check(tmp, len, seed + 1000));
}

/* Every start offset and length combination, both paths, both accesses */
TEST_F(access, rw_offsets_and_lengths)
{
	const size_t offs[] = { 0, 1, 7, page_sz / 2, page_sz - 1,
				page_sz - 3, 3 * page_sz + 5 };
	const size_t lens[] = { 1, 2, 3, 64, page_sz / 2, page_sz - 1,
				page_sz, page_sz + 1, 3 * page_sz + 7 };
	const __u32 paths[] = { 0, MOCK_ACCESS_RW_SLOW_PATH };
	unsigned int o, l, p, a, seed = 20;
	char *tmp;
	int afd[2];

	tmp = malloc(self->buf_size);
	ASSERT_NE(NULL, tmp);
	afd[0] = self->access_fd;
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &afd[1]));

	for (a = 0; a != ARRAY_SIZE(afd); a++) {
		for (p = 0; p != ARRAY_SIZE(paths); p++) {
			for (o = 0; o != ARRAY_SIZE(offs); o++) {
				for (l = 0; l != ARRAY_SIZE(lens); l++)
					rw_roundtrip(_metadata, self, afd[a],
						     offs[o], lens[l],
						     paths[p], seed++, tmp);
			}
		}
	}

	/* The whole mapping at once */
	for (p = 0; p != ARRAY_SIZE(paths); p++) {
		pattern_fill(self->buf, self->buf_size, 77 + p);
		ASSERT_OK(mock_access_rw(self->fd, afd[1], self->base, tmp,
					 self->buf_size, paths[p]));
		ASSERT_EQ(-1, pattern_check(tmp, self->buf_size, 77 + p));
	}
	/* Nothing stays pinned by rw */
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size,
				  self->refs));
	close(afd[1]);
	free(tmp);
}

TEST_F(access, rw_across_areas)
{
	char *buf2, tmp[256];
	__u64 b = self->base;
	unsigned int p;

	buf2 = buf_alloc(4 * page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf2);
	pattern_fill(buf2, 4 * page_sz, 30);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf2, 4 * page_sz,
				b + self->buf_size));
	for (p = 0; p != 2; p++) {
		__u32 flags = p ? MOCK_ACCESS_RW_SLOW_PATH : 0;

		ASSERT_OK(mock_access_rw(self->fd, self->access_fd,
					 b + self->buf_size - 100, tmp,
					 sizeof(tmp), flags));
		ASSERT_EQ(0, memcmp(tmp, self->buf + self->buf_size - 100,
				    100));
		ASSERT_EQ(0, memcmp(tmp + 100, buf2, sizeof(tmp) - 100));

		memset(tmp, p + 1, sizeof(tmp));
		ASSERT_OK(mock_access_rw(self->fd, self->access_fd,
					 b + self->buf_size - 100, tmp,
					 sizeof(tmp),
					 flags | MOCK_ACCESS_RW_WRITE));
		ASSERT_EQ(p + 1, buf2[sizeof(tmp) - 101]);
		ASSERT_EQ(p + 1, self->buf[self->buf_size - 100]);
	}
	munmap(buf2, 4 * page_sz);
}

TEST_F(access, rw_errors)
{
	__u64 b = self->base, iova;
	char tmp[64];

	ASSERT_ERRNO(ENOMEM, mock_access_rw(self->fd, self->access_fd, b, tmp,
					    MOCK_ACCESS_MAX_LEN + 1, 0));
	ASSERT_ERRNO(EOPNOTSUPP, mock_access_rw(self->fd, self->access_fd, b,
						tmp, 1, 1 << 1));
	ASSERT_ERRNO(EOPNOTSUPP, mock_access_rw(self->fd, self->access_fd, b,
						tmp, 1, 1 << 3));
	ASSERT_ERRNO(EBADFD, mock_access_rw(self->fd, self->fd, b, tmp, 1, 0));
	ASSERT_ERRNO(EINVAL, mock_access_rw(self->fd, self->access_fd, b, tmp,
					    0, 0));
	ASSERT_ERRNO(EOVERFLOW, mock_access_rw(self->fd, self->access_fd,
					       UINT64_MAX - 3, tmp, 8, 0));
	ASSERT_ERRNO(ENOENT, mock_access_rw(self->fd, self->access_fd,
					    b + self->buf_size - 4, tmp, 8,
					    0));
	ASSERT_ERRNO(ENOENT, mock_access_rw(self->fd, self->access_fd,
					    b - 8, tmp, 8, 0));
	ASSERT_ERRNO(EFAULT, mock_access_rw(self->fd, self->access_fd, b, NULL,
					    8, 0));
	ASSERT_ERRNO(EFAULT, mock_access_rw(self->fd, self->access_fd, b, NULL,
					    8, MOCK_ACCESS_RW_WRITE));

	/* Permissions of the mapping */
	iova = b + 32 * page_sz;
	ASSERT_OK(ifd_map_flags(self->fd, self->ioas_id, self->buf, page_sz,
				&iova, IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_ERRNO(EPERM, mock_access_rw(self->fd, self->access_fd, iova,
					   tmp, 8, MOCK_ACCESS_RW_WRITE));
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd, iova, tmp, 8, 0));
	iova = b + 34 * page_sz;
	ASSERT_OK(ifd_map_flags(self->fd, self->ioas_id, self->buf, page_sz,
				&iova, IOMMU_IOAS_MAP_WRITEABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_ERRNO(EPERM, mock_access_rw(self->fd, self->access_fd, iova,
					   tmp, 8, 0));
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd, iova, tmp, 8,
				 MOCK_ACCESS_RW_WRITE));
}

/* ---------------------------------------------------------------------- */
/* Unmap notification and IOAS replacement                                 */
/* ---------------------------------------------------------------------- */

TEST_F(access, unmap_drops_intersecting_pins)
{
	__u64 b = self->base, area2 = b + 32 * page_sz, unmapped;
	__u32 id_mid, id_edge, id_other;

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				4 * page_sz, area2));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0,
				    b + 5 * page_sz, page_sz,
				    self->buf + 5 * page_sz, &id_mid));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0,
				    b + 15 * page_sz, page_sz,
				    self->buf + 15 * page_sz, &id_edge));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, area2,
				    4 * page_sz, self->buf, &id_other));
	ASSERT_OK(mock_check_refs(self->fd, self->buf + 5 * page_sz, page_sz,
				  1));

	/* The unmap succeeds: the access gives up its pins when told */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, b, self->buf_size,
			    &unmapped));
	ASSERT_EQ(self->buf_size, unmapped);
	ASSERT_ERRNO(ENOENT, mock_access_unpin(self->fd, self->access_fd,
					       id_mid));
	ASSERT_ERRNO(ENOENT, mock_access_unpin(self->fd, self->access_fd,
					       id_edge));
	ASSERT_OK(mock_check_refs(self->fd, self->buf + 4 * page_sz,
				  12 * page_sz, 0));
	/* An item in another area was not touched */
	ASSERT_OK(mock_check_refs(self->fd, self->buf, 4 * page_sz, 1));
	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id_other));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, 4 * page_sz,
				  self->refs));

	/* Unmap everything with a pin in place */
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, area2,
				    page_sz, NULL, &id_other));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(4 * page_sz, unmapped);
	ASSERT_ERRNO(ENOENT, mock_access_unpin(self->fd, self->access_fd,
					       id_other));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

TEST_F(access, close_unpins)
{
	__u32 id;

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    self->buf_size, self->buf, &id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	ASSERT_OK(close(self->access_fd));
	self->access_fd = -1;
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size,
				  self->refs));
}

/*
 * Closing the access fd destroys the access, and destroying detaches it: the
 * core must have the owner drop its pins first (the mock only drops them
 * from its unmap callback, like vfio's emulated devices), or they outlive
 * the access: still counted, never unmappable, leaked with the IOAS.
 */
TEST_F(access, close_flushes_pins_for_unmap)
{
	__u64 unmapped;
	__u32 id;

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    4 * page_sz, self->buf, &id));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd,
				    MOCK_FLAGS_ACCESS_WRITE,
				    self->base + 8 * page_sz, 8 * page_sz,
				    self->buf + 8 * page_sz, &id));
	ASSERT_OK(close(self->access_fd));
	self->access_fd = -1;
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size,
				  self->refs));
	/* No pin left to refuse the unmap with EDEADLOCK */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base,
			    self->buf_size, &unmapped));
	ASSERT_EQ(self->buf_size, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

TEST_F(access, close_flushes_pins_for_ioas_destroy)
{
	__u32 id;

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd,
				    MOCK_FLAGS_ACCESS_WRITE, self->base,
				    self->buf_size, self->buf, &id));
	ASSERT_OK(close(self->access_fd));
	self->access_fd = -1;
	if (self->stdev_id)
		ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

/* The access keeps the context alive; its pins go when it does */
TEST_F(access, close_flushes_pins_after_ctx_close)
{
	__u32 id;
	int fd2;

	fd2 = mock_open();
	ASSERT_LE(0, fd2);
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0,
				    self->base + page_sz, 2 * page_sz,
				    self->buf + page_sz, &id));
	ASSERT_OK(close(self->fd));
	self->fd = -1;
	ASSERT_OK(mock_check_refs(fd2, self->buf + page_sz, 2 * page_sz, 1));
	ASSERT_OK(close(self->access_fd));
	self->access_fd = -1;
	ASSERT_OK(mock_check_refs(fd2, self->buf, self->buf_size, 0));
	close(fd2);
}

/* A replace followed by a close: nothing of either IOAS stays pinned */
TEST_F(access, replace_then_close_flushes_pins)
{
	__u64 unmapped;
	__u32 ioas2, id;
	char *buf2;

	buf2 = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, buf2);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, buf2, self->buf_size,
				self->base));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    self->buf_size, self->buf, &id));
	ASSERT_OK(mock_access_replace_ioas(self->fd, self->access_fd, ioas2));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size,
				  self->refs));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    self->buf_size, buf2, &id));
	ASSERT_OK(mock_check_refs(self->fd, buf2, self->buf_size, 1));
	ASSERT_OK(close(self->access_fd));
	self->access_fd = -1;
	ASSERT_OK(mock_check_refs(self->fd, buf2, self->buf_size, 0));
	ASSERT_OK(ifd_unmap(self->fd, ioas2, 0, UINT64_MAX, &unmapped));
	ASSERT_EQ(self->buf_size, unmapped);
	ASSERT_OK(ifd_destroy(self->fd, ioas2));
	munmap(buf2, self->buf_size);
}

TEST_F(access, replace_ioas)
{
	__u32 ioas2, id;
	char *buf2, tmp[32];

	buf2 = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, buf2);
	pattern_fill(buf2, self->buf_size, 40);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, buf2, self->buf_size,
				self->base));

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    page_sz, self->buf, &id));
	/* Replacing with the same IOAS changes nothing */
	ASSERT_OK(mock_access_replace_ioas(self->fd, self->access_fd,
					   self->ioas_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 1));

	ASSERT_ERRNO(ENOENT, mock_access_replace_ioas(self->fd,
						      self->access_fd, 0));
	if (self->hwpt_id)
		ASSERT_ERRNO(ENOENT,
			     mock_access_replace_ioas(self->fd,
						      self->access_fd,
						      self->hwpt_id));
	ASSERT_ERRNO(EBADFD, mock_access_replace_ioas(self->fd, self->fd,
						      ioas2));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 1));

	/* A real replace drops every pin of the access */
	ASSERT_OK(mock_access_replace_ioas(self->fd, self->access_fd, ioas2));
	ASSERT_ERRNO(ENOENT, mock_access_unpin(self->fd, self->access_fd, id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, self->refs));
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd, self->base + 9,
				 tmp, sizeof(tmp), 0));
	ASSERT_EQ(0, memcmp(tmp, buf2 + 9, sizeof(tmp)));
	ASSERT_OK(mock_access_pages(self->fd, self->access_fd, 0, self->base,
				    page_sz, buf2, &id));
	ASSERT_OK(mock_check_refs(self->fd, buf2, page_sz, 1));

	/* The old IOAS is free, the new one is held */
	if (self->stdev_id)
		ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, ioas2));
	ASSERT_OK(close(self->access_fd));
	self->access_fd = -1;
	ASSERT_OK(mock_check_refs(self->fd, buf2, self->buf_size, 0));
	ASSERT_OK(ifd_destroy(self->fd, ioas2));
	munmap(buf2, self->buf_size);
}

/* ---------------------------------------------------------------------- */
/* MOCK_FLAGS_ACCESS_SYZ IOVA encoding                                     */
/* ---------------------------------------------------------------------- */

TEST_F(access, syz_iova_encoding)
{
	__u64 b = self->base, dst;
	char tmp[16], *buf2;
	__u32 id;

	buf2 = buf_alloc(4 * page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf2);
	pattern_fill(buf2, 4 * page_sz, 50);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf2, 4 * page_sz,
				b + 64 * page_sz));

	/* Area 1 is the second area in IOVA order */
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd, syz_iova(1, 5),
				 tmp, sizeof(tmp), MOCK_FLAGS_ACCESS_SYZ));
	ASSERT_EQ(0, memcmp(tmp, buf2 + 5, sizeof(tmp)));
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd,
				 syz_iova(0, page_sz + 3), tmp, sizeof(tmp),
				 MOCK_FLAGS_ACCESS_SYZ));
	ASSERT_EQ(0, memcmp(tmp, self->buf + page_sz + 3, sizeof(tmp)));
	/* No such area: IOVA 0, which is not mapped */
	ASSERT_ERRNO(ENOENT, mock_access_rw(self->fd, self->access_fd,
					    syz_iova(7, 0), tmp, sizeof(tmp),
					    MOCK_FLAGS_ACCESS_SYZ));

	ASSERT_OK(mock_access_pages(self->fd, self->access_fd,
				    MOCK_FLAGS_ACCESS_SYZ, syz_iova(1, 0),
				    page_sz, buf2, &id));
	ASSERT_OK(mock_check_refs(self->fd, buf2, page_sz, 1));
	ASSERT_OK(mock_access_unpin(self->fd, self->access_fd, id));

	/* IOAS_COPY decodes src_iova the same way */
	ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &dst, self->ioas_id,
			   syz_iova(1, page_sz), 2 * page_sz,
			   MAP_RW | MOCK_FLAGS_ACCESS_SYZ));
	ASSERT_OK(mock_access_rw(self->fd, self->access_fd, dst, tmp,
				 sizeof(tmp), 0));
	ASSERT_EQ(0, memcmp(tmp, buf2 + page_sz, sizeof(tmp)));
	if (self->hwpt_id)
		ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, dst,
					 buf2 + page_sz, 2 * page_sz));
	munmap(buf2, 4 * page_sz);
}

TEST_HARNESS_MAIN
