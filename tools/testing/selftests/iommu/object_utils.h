/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What object_test.c and object_ioctl_test.c share: the obj fixture, a mock
 * device attached to an IOAS that maps a small buffer. The HWPTs of later
 * features (dirty tracking, nesting) are made on demand by the tests.
 */
#ifndef __SELFTEST_IOMMU_OBJECT_UTILS_H
#define __SELFTEST_IOMMU_OBJECT_UTILS_H

#include "iommu_test_utils.h"

#define NR_BUF_PAGES 16
#define BAD_ID 0x7ffffff0U

FIXTURE(obj) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	__u32 dirty_hwpt_id;
	__u32 parent_hwpt_id;
	__u32 nested_hwpt_id;
	void *buf;
	size_t buf_size;
	__u64 iova;
	struct iommu_iova_range ranges[8];
	__u64 scratch[64];
};

FIXTURE_SETUP(obj)
{
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));

	self->buf_size = NR_BUF_PAGES * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
	self->iova = MOCK_APERTURE_START;
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->iova));
}

FIXTURE_TEARDOWN(obj)
{
	if (self->fd >= 0) {
		mock_set_temp_memory_limit(self->fd,
					   MOCK_TEMP_MEMORY_LIMIT_DEFAULT);
		close(self->fd);
	}
	if (self->buf)
		munmap(self->buf, self->buf_size);
}

#endif /* __SELFTEST_IOMMU_OBJECT_UTILS_H */
