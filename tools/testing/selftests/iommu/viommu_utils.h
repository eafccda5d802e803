/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the virtual IOMMU selftests (viommu_test.c, veventq_test.c, and the
 * vIOMMU sequence of fail_nth_test.c) share: one-ioctl wrappers of
 * IOMMU_VIOMMU_ALLOC, IOMMU_VDEVICE_ALLOC, IOMMU_VEVENTQ_ALLOC, nested HWPTs
 * on a virtual IOMMU, its invalidation and the mock's cache and event ops,
 * and what both test programs build first: a mock device on an IOAS, a
 * NEST_PARENT HWPT and a mock virtual IOMMU on it (struct viommu_env).
 */
#ifndef __SELFTEST_IOMMU_VIOMMU_UTILS_H
#define __SELFTEST_IOMMU_VIOMMU_UTILS_H

#include <poll.h>
#include <pthread.h>

#include "iommu_test_utils.h"

#define VIOMMU_BAD_ID 0x7fffff00U
/* Size of struct iommu_viommu_alloc in 6.13 to 6.16: no driver data */
#define VIOMMU_ALLOC_SIZE_V1 24
/* A mock event record: header and struct iommu_viommu_event_selftest */
struct mock_vevent {
	struct iommufd_vevent_header hdr;
	struct iommu_viommu_event_selftest ev;
};

static inline int viommu_alloc_sz(int fd, __u32 size, __u32 type,
				  __u32 dev_id, __u32 hwpt_id,
				  void *data, __u32 data_len,
				  __u32 *viommu_id)
{
	struct {
		struct iommu_viommu_alloc cmd;
		__u64 tail;	/* for sizes beyond the structure */
	} req = {
		.cmd = {
			.size = size,
			.type = type,
			.dev_id = dev_id,
			.hwpt_id = hwpt_id,
			.data_len = data_len,
			.data_uptr = (uintptr_t)data,
		},
	};
	int rc;

	rc = ioctl(fd, IOMMU_VIOMMU_ALLOC, &req);
	if (!rc && viommu_id)
		*viommu_id = req.cmd.out_viommu_id;
	return rc;
}

static inline int viommu_alloc(int fd, __u32 dev_id, __u32 hwpt_id,
			       __u32 *viommu_id)
{
	return viommu_alloc_sz(fd, sizeof(struct iommu_viommu_alloc),
			       IOMMU_VIOMMU_TYPE_SELFTEST, dev_id, hwpt_id,
			       NULL, 0, viommu_id);
}

static inline int vdevice_alloc(int fd, __u32 viommu_id, __u32 dev_id,
				__u64 virt_id, __u32 *vdev_id)
{
	struct iommu_vdevice_alloc req = {
		.size = sizeof(req),
		.viommu_id = viommu_id,
		.dev_id = dev_id,
		.virt_id = virt_id,
	};
	int rc;

	rc = ioctl(fd, IOMMU_VDEVICE_ALLOC, &req);
	if (!rc && vdev_id)
		*vdev_id = req.out_vdevice_id;
	return rc;
}

/* A mock nested HWPT made by the virtual IOMMU @viommu_id */
static inline int viommu_nested_alloc(int fd, __u32 dev_id, __u32 viommu_id,
				      __u32 flags, __u32 fault_id,
				      __u32 *hwpt_id)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc req = {
		.size = sizeof(req),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = viommu_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
		.fault_id = fault_id,
	};
	int rc;

	rc = ioctl(fd, IOMMU_HWPT_ALLOC, &req);
	if (!rc && hwpt_id)
		*hwpt_id = req.out_hwpt_id;
	return rc;
}

/* IOMMU_HWPT_INVALIDATE of @id with @num entries; *@done: entries done */
static inline int viommu_invalidate(int fd, __u32 id, __u32 data_type,
				    void *entries, __u32 entry_len,
				    __u32 num, __u32 *done)
{
	struct iommu_hwpt_invalidate req = {
		.size = sizeof(req),
		.hwpt_id = id,
		.data_uptr = (uintptr_t)entries,
		.data_type = data_type,
		.entry_len = entry_len,
		.entry_num = num,
	};
	int rc;

	rc = ioctl(fd, IOMMU_HWPT_INVALIDATE, &req);
	if (done)
		*done = req.entry_num;
	return rc;
}

static inline int mock_dev_check_cache(int fd, __u32 idev_id, __u32 index,
				       __u32 expected)
{
	struct iommu_test_cmd req = {
		.id = idev_id,
		.check_dev_cache = { .id = index, .cache = expected },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_DEV_CHECK_CACHE, &req);
}

static inline int mock_trigger_vevent(int fd, __u32 idev_id)
{
	struct iommu_test_cmd req = { .trigger_vevent.dev_id = idev_id };

	return mock_cmd(fd, IOMMU_TEST_OP_TRIGGER_VEVENT, &req);
}

static inline int veventq_alloc_full(int fd, struct iommu_veventq_alloc *req,
				     __u32 *veventq_id, int *veventq_fd)
{
	int rc;

	rc = ioctl(fd, IOMMU_VEVENTQ_ALLOC, req);
	if (!rc) {
		if (veventq_id)
			*veventq_id = req->out_veventq_id;
		if (veventq_fd)
			*veventq_fd = req->out_veventq_fd;
	}
	return rc;
}

static inline int veventq_alloc(int fd, __u32 viommu_id, __u32 type,
				__u32 depth, __u32 *veventq_id,
				int *veventq_fd)
{
	struct iommu_veventq_alloc req = {
		.size = sizeof(req),
		.viommu_id = viommu_id,
		.type = type,
		.veventq_depth = depth,
	};

	return veventq_alloc_full(fd, &req, veventq_id, veventq_fd);
}

/* Mock hardware queue @index over [@iova, @iova + @length) of the parent */
static inline int hw_queue_alloc(int fd, __u32 viommu_id, __u32 index,
				 __u64 iova, __u64 length, __u32 *hw_queue_id)
{
	struct iommu_hw_queue_alloc req = {
		.size = sizeof(req),
		.viommu_id = viommu_id,
		.type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
		.index = index,
		.nesting_parent_iova = iova,
		.length = length,
	};
	int rc;

	rc = ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &req);
	if (!rc && hw_queue_id)
		*hw_queue_id = req.out_hw_queue_id;
	return rc;
}

/* A mock device on an IOAS, a NEST_PARENT HWPT and a virtual IOMMU on it */
struct viommu_env {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	__u32 parent_id;
	__u32 viommu_id;
};

/* Build a viommu_env on the open file @fd; 0, or -1 with errno */
static inline int viommu_env_build(struct viommu_env *e, int fd)
{
	e->fd = fd;
	if (ifd_ioas_alloc(fd, &e->ioas_id) ||
	    mock_domain(fd, e->ioas_id, &e->stdev_id, &e->hwpt_id,
			&e->idev_id) ||
	    ifd_hwpt_alloc(fd, e->idev_id, e->ioas_id,
			   IOMMU_HWPT_ALLOC_NEST_PARENT, &e->parent_id))
		return -1;
	/* Fails with ENOTTY on kernels without virtual IOMMUs */
	return viommu_alloc(fd, e->idev_id, e->parent_id, &e->viommu_id);
}

#endif /* __SELFTEST_IOMMU_VIOMMU_UTILS_H */
