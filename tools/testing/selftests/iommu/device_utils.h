/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the device selftests (device_hwpt_test.c, device_attach_test.c)
 * share: the dev fixture, a mock device attached to an IOAS that maps a
 * few pages, and the requests they build HWPTs and fault queues with.
 */
#ifndef __SELFTEST_IOMMU_DEVICE_UTILS_H
#define __SELFTEST_IOMMU_DEVICE_UTILS_H

#include "iommu_test_utils.h"

#define NR_PAGES 8
#define BAD_ID 0x7fffff00U

FIXTURE(dev) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	void *buf;
	void *other;
	size_t size;
	__u64 iova;
};

FIXTURE_SETUP(dev)
{
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));

	self->size = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->size, BUF_SMALL);
	self->other = buf_alloc(self->size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->other);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
	self->iova = MOCK_APERTURE_START;
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, self->size,
				self->iova));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf)
		munmap(self->buf, self->size);
	if (self->other)
		munmap(self->other, self->size);
}

/* A request for a paging HWPT; tests change single fields of it */
static inline struct iommu_hwpt_alloc hwpt_req(__u32 dev_id, __u32 pt_id,
					       __u32 flags)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.out_hwpt_id = BAD_ID,
	};

	return cmd;
}

/* A request for a mock nested HWPT on @parent_id, with driver data @data */
static inline struct iommu_hwpt_alloc
nested_req(__u32 dev_id, __u32 parent_id, struct iommu_hwpt_selftest *data)
{
	struct iommu_hwpt_alloc cmd = hwpt_req(dev_id, parent_id, 0);

	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
	cmd.data_len = sizeof(*data);
	cmd.data_uptr = (uintptr_t)data;
	return cmd;
}

static inline int hwpt_alloc(int fd, struct iommu_hwpt_alloc *cmd)
{
	return ioctl(fd, IOMMU_HWPT_ALLOC, cmd);
}

/* A NEST_PARENT paging HWPT and a mock nested HWPT on it */
static inline int nested_alloc(int fd, __u32 dev_id, __u32 ioas_id,
			       __u32 *parent_id, __u32 *nested_id)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd;

	if (ifd_hwpt_alloc(fd, dev_id, ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT,
			   parent_id))
		return -1;
	cmd = nested_req(dev_id, *parent_id, &data);
	if (hwpt_alloc(fd, &cmd))
		return -1;
	*nested_id = cmd.out_hwpt_id;
	return 0;
}

static inline int fault_queue_alloc(int fd, __u32 *fault_id, int *fault_fd)
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

/*
 * Is @ioas_id as no device ever touched it: one range covering everything,
 * alignment 1?
 */
static inline bool ioas_untouched(int fd, __u32 ioas_id)
{
	struct iommu_iova_range r[4];
	__u64 align = 0;
	__u32 num = ARRAY_SIZE(r);

	if (ifd_iova_ranges(fd, ioas_id, r, &num, &align))
		return false;
	return num == 1 && !r[0].start && r[0].last == UINT64_MAX &&
	       align == 1;
}

/*
 * IOVA placements that a mock domain cannot take: below and above its
 * aperture, and off the mock IO page size.
 */
struct bad_spot {
	const char *what;
	__u64 iova;
};

static const struct bad_spot bad_spots[] = {
	{ "below the aperture", 0 },
	{ "straddling the aperture start", MOCK_APERTURE_START - 4096 },
	{ "above the aperture", MOCK_APERTURE_LAST + 1ULL },
	{ "off the IO page size", MOCK_APERTURE_START + 64 },
};

/* A new IOAS with the fixture's other buffer mapped at @spot */
static inline __u32 bad_spot_ioas(struct __test_metadata *_metadata,
				  struct _test_data_dev *self,
				  const struct bad_spot *spot)
{
	__u32 ioas_id;

	TH_LOG("mapping %s", spot->what);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas_id));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas_id, self->other, self->size,
				spot->iova));
	return ioas_id;
}

/* After a request failed on it: @ioas_id as it was, nothing pinned */
static inline void bad_spot_untouched(struct __test_metadata *_metadata,
				      struct _test_data_dev *self,
				      __u32 ioas_id)
{
	EXPECT_TRUE(ioas_untouched(self->fd, ioas_id));
	/* Never pinned, or unpinned again */
	EXPECT_OK(mock_check_refs(self->fd, self->other, self->size, 0));
}

#endif /* __SELFTEST_IOMMU_DEVICE_UTILS_H */
