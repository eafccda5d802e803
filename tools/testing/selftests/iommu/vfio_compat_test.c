// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy VFIO container API on /dev/iommu: VFIO_GET_API_VERSION,
 * VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU, VFIO_IOMMU_GET_INFO,
 * VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA, with type1 v1 and v2, with
 * and without a mock domain behind the compat IOAS.
 *
 * A mock device is no VFIO group, so the compat IOAS is chosen with
 * IOMMU_VFIO_IOAS instead of by a group joining the container; the group
 * path, real DMA and no-IOMMU mode are covered by the edu suite.  Whatever
 * the container maps is checked in the mock domain (MD_CHECK_MAP: every IO
 * page points at the right memory; MD_CHECK_REFS: one pin per page), and
 * every bad input is checked for its errno.
 *
 * /dev/iommu takes the legacy ioctls whoever serves /dev/vfio/vfio: also
 * without CONFIG_IOMMUFD_VFIO_CONTAINER, where VFIO's own container does
 * (the x86_64-type1 kernel), so this runs there too; only the tests of
 * /dev/vfio/vfio itself skip.
 */
#include <sys/wait.h>

#include "legacy_utils.h"

#define NR_PAGES 16

/* The capability @id in the chain of @info, or NULL */
static struct vfio_info_cap_header *
vc_find_cap(struct vfio_iommu_type1_info *info, __u16 id)
{
	__u32 off;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;
	for (off = info->cap_offset; off; ) {
		struct vfio_info_cap_header *cap = (void *)info + off;

		if (off < sizeof(*info) || off + sizeof(*cap) > info->argsz)
			return NULL;
		if (cap->id == id)
			return cap;
		off = cap->next;
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* A container on a fresh /dev/iommu file                                 */
/* ---------------------------------------------------------------------- */

FIXTURE(container) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	bool v2;
	char *buf;
	size_t buf_size;
	__u64 base;		/* first IOVA every variant can map */
};

FIXTURE_VARIANT(container) {
	unsigned long type;
	bool domain;
	__u32 dev_flags;
};

FIXTURE_VARIANT_ADD(container, v1_mock) {
	.type = VFIO_TYPE1_IOMMU,
	.domain = true,
};

FIXTURE_VARIANT_ADD(container, v2_mock) {
	.type = VFIO_TYPE1v2_IOMMU,
	.domain = true,
};

FIXTURE_VARIANT_ADD(container, v1_mock_huge) {
	.type = VFIO_TYPE1_IOMMU,
	.domain = true,
	.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
};

FIXTURE_VARIANT_ADD(container, v2_mock_huge) {
	.type = VFIO_TYPE1v2_IOMMU,
	.domain = true,
	.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
};

FIXTURE_VARIANT_ADD(container, v1_no_domain) {
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(container, v2_no_domain) {
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_SETUP(container)
{
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	/* Whoever serves /dev/vfio/vfio (see the file comment) */
	ASSERT_EQ(1, vc_check_extension(self->fd, VFIO_TYPE1v2_IOMMU));

	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	if (variant->domain)
		ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
					    variant->dev_flags,
					    &self->stdev_id, &self->hwpt_id,
					    NULL));
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &self->ioas_id));
	ASSERT_OK(vc_set_iommu(self->fd, variant->type));
	self->v2 = variant->type == VFIO_TYPE1v2_IOMMU;
	self->base = MOCK_APERTURE_START;

	self->buf_size = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(container)
{
	if (self->buf)
		munmap(self->buf, self->buf_size);
	if (self->fd >= 0)
		close(self->fd);
}

/* [iova, +len) maps @buf in the mock domain, one pin per page */
static void expect_mapped(struct __test_metadata *_metadata,
			  struct _test_data_container *self,
			  __u64 iova, const void *buf, size_t len)
{
	if (!self->hwpt_id)
		return;
	EXPECT_OK(mock_check_map(self->fd, self->hwpt_id, iova, buf, len));
	EXPECT_OK(mock_check_refs(self->fd, buf, len, 1));
}

/* Nothing of [iova, +len) is in the mock domain, @buf is not pinned */
static void expect_unmapped(struct __test_metadata *_metadata,
			    struct _test_data_container *self,
			    __u64 iova, const void *buf, size_t len)
{
	size_t off;

	if (!self->hwpt_id)
		return;
	for (off = 0; off < len; off += page_sz)
		EXPECT_ERRNO(EINVAL, mock_check_map(self->fd, self->hwpt_id,
						    iova + off, buf + off,
						    mio_sz));
	EXPECT_OK(mock_check_refs(self->fd, buf, len, 0));
}

TEST_F(container, map_unmap)
{
	__u64 unmapped = 0;

	ASSERT_OK(vc_map(self->fd, self->buf, self->buf_size, self->base,
			 MAP_DMA_RW));
	expect_mapped(_metadata, self, self->base, self->buf, self->buf_size);

	ASSERT_OK(vc_unmap(self->fd, self->base, self->buf_size, 0,
			   &unmapped));
	EXPECT_EQ(self->buf_size, unmapped);
	expect_unmapped(_metadata, self, self->base, self->buf,
			self->buf_size);

	/* Either direction alone is a valid mapping */
	ASSERT_OK(vc_map(self->fd, self->buf, page_sz, self->base,
			 VFIO_DMA_MAP_FLAG_READ));
	ASSERT_OK(vc_map(self->fd, self->buf + page_sz, page_sz,
			 self->base + page_sz, VFIO_DMA_MAP_FLAG_WRITE));
	expect_mapped(_metadata, self, self->base, self->buf, 2 * page_sz);
	ASSERT_OK(vc_unmap(self->fd, self->base, 2 * page_sz, 0, &unmapped));
	EXPECT_EQ(2 * page_sz, unmapped);
}

TEST_F(container, map_bad_input)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = offsetofend(struct vfio_iommu_type1_dma_map, size) - 1,
		.flags = MAP_DMA_RW,
		.vaddr = (uintptr_t)self->buf,
		.iova = self->base,
		.size = page_sz,
	};
	__u64 top = -(__u64)page_sz, iova;

	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VFIO_IOMMU_MAP_DMA, NULL));
	/* Unknown flag, no direction, and the unsupported vaddr update */
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, page_sz, self->base,
				    MAP_DMA_RW | (1 << 3)));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, page_sz, self->base,
				    0));
	EXPECT_ERRNO(EOPNOTSUPP, vc_map(self->fd, self->buf, page_sz,
					self->base, VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_ERRNO(EOPNOTSUPP, vc_map(self->fd, self->buf, page_sz,
					self->base,
					MAP_DMA_RW | VFIO_DMA_MAP_FLAG_VADDR));
	/* Empty, unaligned (to the CPU page, even with a mock domain) */
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, 0, self->base,
				    MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, page_sz,
				    self->base + mio_sz, MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, page_sz - mio_sz,
				    self->base, MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf + mio_sz, page_sz,
				    self->base, MAP_DMA_RW));
	/* Wrapping IOVA or user address */
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, 2 * page_sz, top,
				    MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, (void *)(uintptr_t)top,
				    2 * page_sz, self->base, MAP_DMA_RW));

	/* Overlapping an existing mapping, exactly or partly */
	iova = self->base + 4 * page_sz;
	ASSERT_OK(vc_map(self->fd, self->buf, 2 * page_sz, iova, MAP_DMA_RW));
	EXPECT_ERRNO(EEXIST, vc_map(self->fd, self->buf, 2 * page_sz, iova,
				    MAP_DMA_RW));
	EXPECT_ERRNO(EEXIST, vc_map(self->fd, self->buf, 2 * page_sz,
				    iova + page_sz, MAP_DMA_RW));
	EXPECT_ERRNO(EEXIST, vc_map(self->fd, self->buf, 2 * page_sz,
				    iova - page_sz, MAP_DMA_RW));
	/* Nothing of the failed requests got mapped */
	expect_mapped(_metadata, self, iova, self->buf, 2 * page_sz);
	expect_unmapped(_metadata, self, iova - page_sz,
			self->buf + 8 * page_sz, page_sz);
	expect_unmapped(_metadata, self, iova + 2 * page_sz,
			self->buf + 2 * page_sz, 2 * page_sz);

	if (!self->hwpt_id)
		return;
	/* Outside the domain's aperture */
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, page_sz, 0,
				    MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, self->buf, 2 * page_sz,
				    (__u64)MOCK_APERTURE_LAST + 1 - page_sz,
				    MAP_DMA_RW));
	/* Memory that cannot be pinned */
	EXPECT_ERRNO(EFAULT, vc_map(self->fd, NULL, page_sz,
				    self->base + 8 * page_sz, MAP_DMA_RW));
}

TEST_F(container, unmap_bad_input)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = offsetofend(struct vfio_iommu_type1_dma_unmap,
				     size) - 1,
		.iova = self->base,
		.size = page_sz,
	};

	ASSERT_OK(vc_map(self->fd, self->buf, 4 * page_sz, self->base,
			 MAP_DMA_RW));

	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VFIO_IOMMU_UNMAP_DMA, NULL));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, self->base, page_sz, 1 << 3,
				      NULL));
	/* Dirty bitmaps and vaddr invalidation are not offered */
	EXPECT_ERRNO(EOPNOTSUPP,
		     vc_unmap(self->fd, self->base, page_sz,
			      VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, NULL));
	EXPECT_ERRNO(EOPNOTSUPP, vc_unmap(self->fd, self->base, page_sz,
					  VFIO_DMA_UNMAP_FLAG_VADDR, NULL));
	/* UNMAP_ALL takes no range */
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, self->base, 0,
				      VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, 0, page_sz,
				      VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	/* Empty, unaligned, wrapping */
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, self->base, 0, 0, NULL));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, self->base + mio_sz,
				      page_sz, 0, NULL));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, self->base, mio_sz, 0, NULL));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, -(__u64)page_sz,
				      2 * page_sz, 0, NULL));

	/* All of it is still there */
	expect_mapped(_metadata, self, self->base, self->buf, 4 * page_sz);
}

/* Unmapping where nothing is mapped succeeds and reports 0 bytes */
TEST_F(container, unmap_nothing)
{
	__u64 unmapped = 1;

	ASSERT_OK(vc_unmap(self->fd, self->base, page_sz, 0, &unmapped));
	EXPECT_EQ(0, unmapped);
	unmapped = 1;
	ASSERT_OK(vc_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
			   &unmapped));
	EXPECT_EQ(0, unmapped);

	/* Around a mapping, not touching it */
	ASSERT_OK(vc_map(self->fd, self->buf, page_sz, self->base + page_sz,
			 MAP_DMA_RW));
	ASSERT_OK(vc_unmap(self->fd, self->base, page_sz, 0, &unmapped));
	EXPECT_EQ(0, unmapped);
	ASSERT_OK(vc_unmap(self->fd, self->base + 2 * page_sz, page_sz, 0,
			   &unmapped));
	EXPECT_EQ(0, unmapped);
	expect_mapped(_metadata, self, self->base + page_sz, self->buf,
		      page_sz);
}

/* One unmap may take several whole mappings; UNMAP_ALL takes all */
TEST_F(container, unmap_many)
{
	__u64 unmapped = 0;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_OK(vc_map(self->fd, self->buf + i * 2 * page_sz,
				 2 * page_sz, self->base + i * 4 * page_sz,
				 MAP_DMA_RW));
	/* The first two and the holes between them */
	ASSERT_OK(vc_unmap(self->fd, self->base, 8 * page_sz, 0, &unmapped));
	EXPECT_EQ(4 * page_sz, unmapped);
	expect_unmapped(_metadata, self, self->base, self->buf, 2 * page_sz);
	expect_mapped(_metadata, self, self->base + 8 * page_sz,
		      self->buf + 4 * page_sz, 2 * page_sz);

	ASSERT_OK(vc_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
			   &unmapped));
	EXPECT_EQ(4 * page_sz, unmapped);
	expect_unmapped(_metadata, self, self->base + 8 * page_sz,
			self->buf + 4 * page_sz, 4 * page_sz);
}

/*
 * A range that cuts mappings: v1 unmaps exactly the range, v2 refuses
 * (ENOENT) and changes nothing.
 */
TEST_F(container, unmap_cut)
{
	__u64 unmapped = 0;
	char *a = self->buf, *b = self->buf + 4 * page_sz;
	__u64 ia = self->base, ib = self->base + 8 * page_sz;

	ASSERT_OK(vc_map(self->fd, a, 4 * page_sz, ia, MAP_DMA_RW));
	ASSERT_OK(vc_map(self->fd, b, 4 * page_sz, ib, MAP_DMA_RW));

	if (self->v2) {
		EXPECT_ERRNO(ENOENT, vc_unmap(self->fd, ia + page_sz, page_sz,
					      0, NULL));
		EXPECT_ERRNO(ENOENT, vc_unmap(self->fd, ia, page_sz, 0, NULL));
		EXPECT_ERRNO(ENOENT, vc_unmap(self->fd, ia + 2 * page_sz,
					      8 * page_sz, 0, NULL));
		expect_mapped(_metadata, self, ia, a, 4 * page_sz);
		expect_mapped(_metadata, self, ib, b, 4 * page_sz);
		return;
	}

	/* A hole in the middle of A */
	ASSERT_OK(vc_unmap(self->fd, ia + page_sz, page_sz, 0, &unmapped));
	EXPECT_EQ(page_sz, unmapped);
	expect_mapped(_metadata, self, ia, a, page_sz);
	expect_unmapped(_metadata, self, ia + page_sz, a + page_sz, page_sz);
	expect_mapped(_metadata, self, ia + 2 * page_sz, a + 2 * page_sz,
		      2 * page_sz);

	/* The tail of A, the gap and the head of B */
	ASSERT_OK(vc_unmap(self->fd, ia + 3 * page_sz, 6 * page_sz, 0,
			   &unmapped));
	EXPECT_EQ(2 * page_sz, unmapped);
	expect_mapped(_metadata, self, ia + 2 * page_sz, a + 2 * page_sz,
		      page_sz);
	expect_unmapped(_metadata, self, ia + 3 * page_sz, a + 3 * page_sz,
			page_sz);
	expect_unmapped(_metadata, self, ib, b, page_sz);
	expect_mapped(_metadata, self, ib + page_sz, b + page_sz,
		      3 * page_sz);

	/* The pieces are ordinary mappings */
	ASSERT_OK(vc_unmap(self->fd, ia, 12 * page_sz, 0, &unmapped));
	EXPECT_EQ(5 * page_sz, unmapped);
	expect_unmapped(_metadata, self, ia, a, 8 * page_sz);
}

/*
 * Only v1 turns large IOPTEs off, so that any page can be unmapped, also
 * in an IOAS that becomes the compat IOAS later.
 */
TEST_F(container, huge_pages_option)
{
	__u32 ioas2;
	__u64 val = 0;

	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	EXPECT_EQ(self->v2 ? 1 : 0, val);

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas2,
				 &val));
	EXPECT_EQ(1, val);
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &ioas2));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas2,
				 &val));
	EXPECT_EQ(self->v2 ? 1 : 0, val);
}

/*
 * A hugetlb page mapped through a v1 container can be unmapped 4 KiB at a
 * time (the huge-IOVA mock would otherwise map it with huge IOPTEs); v2
 * keeps the mapping whole.
 */
TEST_F(container, unmap_cut_hugetlb)
{
	size_t hsz = hugetlb_page_size();
	__u64 unmapped = 0;
	char *h;

	if (!hsz)
		SKIP(return, "no hugetlb pages");
	h = buf_alloc(hsz, BUF_HUGETLB);
	if (!h)
		SKIP(return, "no free hugetlb page");

	ASSERT_OK(vc_map(self->fd, h, hsz, self->base + hsz, MAP_DMA_RW));
	if (self->v2) {
		EXPECT_ERRNO(ENOENT, vc_unmap(self->fd, self->base + hsz,
					      page_sz, 0, NULL));
	} else {
		ASSERT_OK(vc_unmap(self->fd, self->base + hsz + page_sz,
				   page_sz, 0, &unmapped));
		EXPECT_EQ(page_sz, unmapped);
		if (self->hwpt_id) {
			EXPECT_OK(mock_check_map(self->fd, self->hwpt_id,
						 self->base + hsz, h,
						 page_sz));
			EXPECT_ERRNO(EINVAL,
				     mock_check_map(self->fd, self->hwpt_id,
						    self->base + hsz + page_sz,
						    h + page_sz, mio_sz));
			EXPECT_OK(mock_check_map(self->fd, self->hwpt_id,
						 self->base + hsz +
						 2 * page_sz, h + 2 * page_sz,
						 hsz - 2 * page_sz));
		}
	}
	ASSERT_OK(vc_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
			   &unmapped));
	EXPECT_EQ(self->v2 ? hsz : hsz - page_sz, unmapped);
	munmap(h, hsz);
}

/*
 * A mapping made while large IOPTEs were allowed cannot be cut, even in
 * v1: the cut could fall inside one IOPTE.  It can still go whole.
 */
TEST_F(container, no_cut_with_large_ioptes)
{
	__u64 unmapped = 0;

	if (self->v2 || !self->hwpt_id)
		SKIP(return, "v1 with a domain only");
	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, 1));
	ASSERT_OK(vc_map(self->fd, self->buf, 4 * page_sz, self->base,
			 MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, self->base + page_sz,
				      page_sz, 0, NULL));
	expect_mapped(_metadata, self, self->base, self->buf, 4 * page_sz);
	ASSERT_OK(vc_unmap(self->fd, self->base, 4 * page_sz, 0, &unmapped));
	EXPECT_EQ(4 * page_sz, unmapped);
}

/*
 * Pages an in-kernel access has pinned: a v1 cut through their mapping is
 * refused (EBUSY) while the access holds them; a whole unmap makes the
 * access let go (the mock access unpins on the unmap notification).
 */
TEST_F(container, unmap_with_access_pins)
{
	__u64 unmapped = 0;
	__u32 pages_id;
	int access_fd;

	ASSERT_OK(vc_map(self->fd, self->buf, 4 * page_sz, self->base,
			 MAP_DMA_RW));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &access_fd));
	ASSERT_OK(mock_access_pages(self->fd, access_fd, 0, self->base,
				    page_sz, self->buf, &pages_id));
	if (!self->v2) {
		EXPECT_ERRNO(EBUSY, vc_unmap(self->fd, self->base + page_sz,
					     page_sz, 0, NULL));
	}
	ASSERT_OK(vc_unmap(self->fd, self->base, 4 * page_sz, 0, &unmapped));
	EXPECT_EQ(4 * page_sz, unmapped);
	EXPECT_ERRNO(ENOENT, mock_access_unpin(self->fd, access_fd,
					       pages_id));
	close(access_fd);
}

TEST_F(container, get_info)
{
	struct vfio_iommu_type1_info_cap_iova_range *ranges;
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_iommu_type1_info *info;
	__u64 sizes;
	__u32 need;
	char buf[4096];

	info = (void *)buf;
	/* Room for the fixed part only: flags, sizes and the needed size */
	ASSERT_OK(vc_get_info(self->fd, buf, sizeof(*info)));
	EXPECT_EQ(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS,
		  info->flags);
	EXPECT_EQ(0, info->cap_offset);
	need = info->argsz;
	EXPECT_LT(sizeof(*info), need);

	/* The sizes every domain takes; sub-page mock sizes show as pages */
	if (!self->hwpt_id)
		sizes = ~(__u64)(page_sz - 1) & UINTPTR_MAX;
	else if (variant->dev_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		sizes = page_sz | mhuge_sz;
	else
		sizes = page_sz;
	EXPECT_EQ(sizes, info->iova_pgsizes);

	/* Exactly the size asked for */
	ASSERT_OK(vc_get_info(self->fd, buf, need));
	EXPECT_EQ(need, info->argsz);
	EXPECT_EQ(sizeof(*info), info->cap_offset);
	EXPECT_EQ(sizes, info->iova_pgsizes);
	/* No migration (dirty tracking) capability */
	EXPECT_EQ(NULL, vc_find_cap(info, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION));

	avail = (void *)vc_find_cap(info, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	ASSERT_NE(NULL, avail);
	EXPECT_EQ(1, avail->header.version);
	EXPECT_LT(0, avail->avail);

	ranges = (void *)vc_find_cap(info,
				     VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	ASSERT_NE(NULL, ranges);
	EXPECT_EQ(1, ranges->header.version);
	ASSERT_EQ(1, ranges->nr_iovas);
	EXPECT_EQ(need, (char *)&ranges->iova_ranges[1] - buf);
	if (self->hwpt_id) {
		EXPECT_EQ(MOCK_APERTURE_START, ranges->iova_ranges[0].start);
		EXPECT_EQ(MOCK_APERTURE_LAST, ranges->iova_ranges[0].end);
	} else {
		EXPECT_EQ(0, ranges->iova_ranges[0].start);
		EXPECT_EQ((__u64)UINTPTR_MAX, ranges->iova_ranges[0].end);
	}

	/* A reserved range inside splits the usable IOVA in two */
	ASSERT_OK(mock_add_reserved(self->fd, self->ioas_id,
				    self->base + 16 * page_sz, page_sz));
	ASSERT_OK(vc_get_info(self->fd, buf, need));
	EXPECT_EQ(0, info->cap_offset);
	EXPECT_EQ(need + sizeof(struct vfio_iova_range), info->argsz);
	/* A large enough buffer keeps its size */
	ASSERT_OK(vc_get_info(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(sizeof(buf), info->argsz);
	ranges = (void *)vc_find_cap(info,
				     VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	ASSERT_NE(NULL, ranges);
	ASSERT_EQ(2, ranges->nr_iovas);
	EXPECT_EQ(self->base + 16 * page_sz - 1, ranges->iova_ranges[0].end);
	EXPECT_EQ(self->base + 17 * page_sz, ranges->iova_ranges[1].start);
}

TEST_F(container, get_info_bad_input)
{
	size_t need = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info *info;
	char *two;

	/* The answer is cut to what the caller said it has room for */
	two = mmap(NULL, 2 * page_sz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_OK(mprotect(two + page_sz, page_sz, PROT_NONE));
	info = (void *)(two + page_sz - need);
	info->argsz = need;
	ASSERT_OK(ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
	EXPECT_LT(need, info->argsz);

	info->argsz = need - 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VFIO_IOMMU_GET_INFO, NULL));
	/* A size larger than the memory behind it */
	info->argsz = page_sz;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
	munmap(two, 2 * page_sz);
}

TEST_F(container, check_extension)
{
	EXPECT_EQ(VFIO_API_VERSION, ioctl(self->fd, VFIO_GET_API_VERSION));
	EXPECT_EQ(1, vc_check_extension(self->fd, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, vc_check_extension(self->fd, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, vc_check_extension(self->fd, VFIO_UNMAP_ALL));
	/* The mock does not enforce cache coherency */
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_DMA_CC_IOMMU));
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_TYPE1_NESTING_IOMMU));
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_SPAPR_TCE_v2_IOMMU));
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_EEH));
	EXPECT_EQ(0, vc_check_extension(self->fd, 0));
	EXPECT_EQ(0, vc_check_extension(self->fd, 1000));
}

/* VFIO_SET_IOMMU happens once; other container ioctls do not exist */
TEST_F(container, set_iommu_once_and_other_ioctls)
{
	EXPECT_ERRNO(EINVAL, vc_set_iommu(self->fd, VFIO_TYPE1_IOMMU));
	EXPECT_ERRNO(EINVAL, vc_set_iommu(self->fd, VFIO_TYPE1v2_IOMMU));
	EXPECT_ERRNO(EINVAL, vc_set_iommu(self->fd, 12345));

	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, VFIO_IOMMU_ENABLE));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, VFIO_IOMMU_DISABLE));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, VFIO_IOMMU_DIRTY_PAGES, NULL));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, VFIO_GROUP_GET_STATUS, NULL));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, VFIO_DEVICE_GET_INFO, NULL));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(VFIO_TYPE, VFIO_BASE + 27)));
}

/* Both APIs work on the compat IOAS and see each other's mappings */
TEST_F(container, mixed_with_iommufd)
{
	__u64 unmapped = 0, iova;
	__u32 id = 0, ioas2;

	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	EXPECT_EQ(self->ioas_id, id);

	/* IOAS_MAP, then VFIO unmap */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				2 * page_sz, self->base));
	ASSERT_OK(vc_unmap(self->fd, self->base, 2 * page_sz, 0, &unmapped));
	EXPECT_EQ(2 * page_sz, unmapped);

	/* VFIO map, copy into another IOAS, then IOAS_UNMAP */
	ASSERT_OK(vc_map(self->fd, self->buf, 2 * page_sz, self->base,
			 MAP_DMA_RW));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	iova = self->base;
	ASSERT_OK(ifd_copy(self->fd, ioas2, &iova, self->ioas_id, self->base,
			   2 * page_sz, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base, 2 * page_sz,
			    &unmapped));
	EXPECT_EQ(2 * page_sz, unmapped);
	ASSERT_OK(ifd_destroy(self->fd, ioas2));

	/* The container follows IOMMU_VFIO_IOAS */
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id));
	EXPECT_ERRNO(ENODEV, vc_map(self->fd, self->buf, page_sz, self->base,
				    MAP_DMA_RW));
	EXPECT_ERRNO(ENODEV, vc_unmap(self->fd, self->base, page_sz, 0,
				      NULL));
	EXPECT_ERRNO(ENODEV, vc_get_info(self->fd, self->buf, page_sz));
	id = self->ioas_id;
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	ASSERT_OK(vc_map(self->fd, self->buf, page_sz, self->base,
			 MAP_DMA_RW));
	expect_mapped(_metadata, self, self->base, self->buf, page_sz);
}

/* Destroying the compat IOAS leaves a container without one */
TEST_F(container, compat_ioas_destroyed)
{
	__u32 id = 0;

	ASSERT_OK(vc_map(self->fd, self->buf, page_sz, self->base,
			 MAP_DMA_RW));
	if (self->stdev_id)
		ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	EXPECT_OK(mock_check_refs(self->fd, self->buf, page_sz, 0));
	EXPECT_ERRNO(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	EXPECT_ERRNO(ENODEV, vc_map(self->fd, self->buf, page_sz, self->base,
				    MAP_DMA_RW));
}

/* ---------------------------------------------------------------------- */
/* Before VFIO_SET_IOMMU                                                  */
/* ---------------------------------------------------------------------- */

FIXTURE(fresh) {
	int fd;
};

FIXTURE_SETUP(fresh)
{
	self->fd = ifd_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	ASSERT_EQ(1, vc_check_extension(self->fd, VFIO_TYPE1v2_IOMMU));
}

FIXTURE_TEARDOWN(fresh)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(fresh, set_iommu_needs_a_group)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	__u32 ioas_id;

	EXPECT_EQ(VFIO_API_VERSION, ioctl(self->fd, VFIO_GET_API_VERSION));
	/* The type1 types are offered before anything joined */
	EXPECT_EQ(1, vc_check_extension(self->fd, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, vc_check_extension(self->fd, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, vc_check_extension(self->fd, VFIO_UNMAP_ALL));
	EXPECT_EQ(0, vc_check_extension(self->fd, VFIO_DMA_CC_IOMMU));

	/* No group (no compat IOAS): no IOMMU type */
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_TYPE1v2_IOMMU));
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_NOIOMMU_IOMMU));

	/* With a compat IOAS but no type: no IOMMU ioctls */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas_id));
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &ioas_id));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, &info, page_sz, 0,
				    MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, 0, page_sz, 0, NULL));

	/* Types this container cannot have */
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_NOIOMMU_IOMMU));
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_TYPE1_NESTING_IOMMU));
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, 0));
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, 12345));
	ASSERT_OK(vc_set_iommu(self->fd, VFIO_TYPE1v2_IOMMU));
}

/*
 * Without a compat IOAS (no group joined, none set with IOMMU_VFIO_IOAS)
 * the type1 ioctls fail with ENODEV, once their argsz and flags passed the
 * checks that do not depend on it.
 */
TEST_F(fresh, no_compat_ioas)
{
	size_t need = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = offsetofend(struct vfio_iommu_type1_dma_unmap,
				     size) - 1,
		.size = page_sz,
	};
	struct vfio_iommu_type1_dma_map map = {
		.argsz = offsetofend(struct vfio_iommu_type1_dma_map,
				     size) - 1,
		.flags = MAP_DMA_RW,
		.vaddr = (uintptr_t)&info,
		.size = page_sz,
	};
	__u32 ioas_id;

	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_TYPE1_IOMMU));
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_TYPE1v2_IOMMU));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_ERRNO(ENODEV, vc_map(self->fd, &info, page_sz, 0, MAP_DMA_RW));
	EXPECT_ERRNO(ENODEV, vc_map(self->fd, &info, page_sz, 0,
				    VFIO_DMA_MAP_FLAG_READ));
	EXPECT_ERRNO(ENODEV, vc_unmap(self->fd, 0, page_sz, 0, NULL));
	EXPECT_ERRNO(ENODEV, vc_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
				      NULL));

	/* argsz and flags are checked first */
	info.argsz = need - 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VFIO_IOMMU_GET_INFO, NULL));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VFIO_IOMMU_MAP_DMA, NULL));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, &info, page_sz, 0,
				    MAP_DMA_RW | (1 << 3)));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, &info, page_sz, 0, 0));
	EXPECT_ERRNO(EOPNOTSUPP, vc_map(self->fd, &info, page_sz, 0,
					VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, VFIO_IOMMU_UNMAP_DMA, NULL));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, 0, page_sz, 1 << 3, NULL));
	EXPECT_ERRNO(EOPNOTSUPP,
		     vc_unmap(self->fd, 0, page_sz,
			      VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, NULL));

	/* A compat IOAS but no type yet: EINVAL, as in VFIO */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas_id));
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &ioas_id));
	info.argsz = sizeof(info);
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_ERRNO(EINVAL, vc_map(self->fd, &info, page_sz, 0, MAP_DMA_RW));
	EXPECT_ERRNO(EINVAL, vc_unmap(self->fd, 0, page_sz, 0, NULL));

	/* Cleared again: ENODEV for everything, also VFIO_SET_IOMMU */
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_CLEAR, &ioas_id));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_ERRNO(ENODEV, vc_map(self->fd, &info, page_sz, 0, MAP_DMA_RW));
	EXPECT_ERRNO(ENODEV, vc_set_iommu(self->fd, VFIO_TYPE1v2_IOMMU));
}

/*
 * /dev/vfio/vfio if iommufd serves it; -1 with errno ENOTTY if it is VFIO's
 * own container, which knows no iommufd ioctl.
 */
static int vc_open_dev_vfio(void)
{
	__u64 val;
	int fd;

	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val)) {
		close(fd);
		errno = ENOTTY;
		return -1;
	}
	return fd;
}

/* /dev/vfio/vfio is an iommufd context with the legacy API on top */
TEST(dev_vfio_vfio)
{
	__u32 ioas_id = 0;
	int fd;

	fd = vc_open_dev_vfio();
	if (fd < 0)
		SKIP(return, "/dev/vfio/vfio: %s", strerror(errno));
	EXPECT_EQ(VFIO_API_VERSION, ioctl(fd, VFIO_GET_API_VERSION));
	ASSERT_OK(ifd_ioas_alloc(fd, &ioas_id));
	ASSERT_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas_id));
	ASSERT_OK(vc_set_iommu(fd, VFIO_TYPE1v2_IOMMU));
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* Accounting of the container                                            */
/* ---------------------------------------------------------------------- */

#define LIMIT_PAGES 8

/*
 * A /dev/vfio/vfio container is charged per process, against the
 * process's locked memory, as VFIO type1 charges it; /dev/iommu stays per
 * user.  Both can still be switched.
 */
TEST(container_accounts_per_process)
{
	__u64 val = 2;
	int fd;

	fd = ifd_open();
	ASSERT_LE(0, fd);
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(0, val);
	close(fd);

	fd = vc_open_dev_vfio();
	if (fd < 0)
		SKIP(return, "/dev/vfio/vfio: %s", strerror(errno));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(1, val);
	ASSERT_OK(ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(0, val);
	close(fd);
}

/*
 * One container user, as libvirt starts each VM: no CAP_IPC_LOCK,
 * RLIMIT_MEMLOCK of LIMIT_PAGES.  Maps all of it through VFIO_IOMMU_MAP_DMA
 * and reports the result on @ready (0 or the step that failed), then holds
 * the mapping until @go closes and gives it back.
 */
static int container_user(int ready, int go)
{
	struct rlimit lim = {
		.rlim_cur = LIMIT_PAGES * page_sz,
		.rlim_max = LIMIT_PAGES * page_sz,
	};
	size_t len = LIMIT_PAGES * page_sz;
	char step = 0, c;
	long lck = 0;
	__u32 ioas;
	void *buf;
	int fd;

	buf = buf_alloc(len, BUF_SMALL);
	fd = vc_open_dev_vfio();
	if (!buf || fd < 0)
		step = 1;
	else if (drop_capability(CAP_IPC_LOCK) ||
		 setrlimit(RLIMIT_MEMLOCK, &lim))
		step = 2;
	else if (ifd_ioas_alloc(fd, &ioas) ||
		 mock_domain(fd, ioas, NULL, NULL, NULL) ||
		 vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas) ||
		 vc_set_iommu(fd, VFIO_TYPE1v2_IOMMU))
		step = 3;
	if (!step) {
		lck = proc_status_pages("VmLck");
		if (vc_map(fd, buf, len, MOCK_APERTURE_START, MAP_DMA_RW))
			step = 4;
		else if (proc_status_pages("VmLck") != lck + LIMIT_PAGES)
			step = 5;
	}
	/* Whatever happened, hold what was mapped until both reported */
	if (write(ready, &step, 1) != 1 || read(go, &c, 1) < 0 || step)
		return 1;
	if (vc_unmap(fd, MOCK_APERTURE_START, len, 0, NULL))
		return 6;
	if (proc_status_pages("VmLck") != lck)
		return 7;
	close(fd);
	return 0;
}

/*
 * Two processes of one user each map up to their own RLIMIT_MEMLOCK
 * through their container at the same time: libvirt runs several VMs under
 * one uid, each with a limit covering its own RAM.
 */
TEST(container_processes_of_one_user)
{
	int ready[2], go[2], fd, status, i;
	pid_t pid[2];
	char step;

	fd = mock_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(fd));
	close(fd);
	fd = vc_open_dev_vfio();
	if (fd < 0)
		SKIP(return, "/dev/vfio/vfio: %s", strerror(errno));
	close(fd);

	ASSERT_OK(pipe(ready));
	ASSERT_OK(pipe(go));
	for (i = 0; i != 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i]) {
			close(go[1]);
			_exit(container_user(ready[1], go[0]));
		}
	}
	close(go[0]);
	for (i = 0; i != 2; i++) {
		ASSERT_EQ(1, read(ready[0], &step, 1));
		EXPECT_EQ(0, step);
	}
	close(go[1]);
	for (i = 0; i != 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
}

TEST_HARNESS_MAIN
