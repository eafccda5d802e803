/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mock IOMMU of CONFIG_IOMMUFD_TEST (selftest_iommu.c) as the test
 * commands (selftest.c) see it: its domains and devices, and the few ways
 * to look into them that a real IOMMU does not offer.
 *
 * Layer: mock.  Included by the mock's files only.
 */
#ifndef __IOMMUFD_SELFTEST_IOMMU_H
#define __IOMMUFD_SELFTEST_IOMMU_H

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>

#include "iommufd_test.h"
#include "object.h"

/*
 * The mock's IO page: 2 KiB, less than any CPU page, so the core's sub-page
 * paths run (half a CPU page with 4 KiB pages)
 */
#define MOCK_IO_PAGE_SIZE	MOCK_PAGE_SIZE

struct iommufd_viommu;

/**
 * struct mock_pt - A mock paging domain
 * @domain: The generic domain
 * @slots: Sparse slot table, indexed by IOVA / MOCK_IO_PAGE_SIZE. The
 *         xarray's own lock serialises updates; the core never maps or
 *         unmaps overlapping ranges concurrently.
 * @dirty_tracking: Tracking is enabled. Written only by set_dirty_tracking,
 *                  which the core serialises per domain.
 */
struct mock_pt {
	struct iommu_domain domain;
	struct xarray slots;
	bool dirty_tracking;
};

/**
 * struct mock_nested - A mock nested (stage-1) domain
 * @domain: The generic domain
 * @parent: The paging domain it nests on
 * @tlb_tags: The "IOTLB", set at allocation and cleared by invalidation.
 *         Serialised by the core's per-HWPT invalidation path.
 * @viommu: The virtual IOMMU it was made by, or NULL; only devices with a
 *          virtual device on it can attach
 */
struct mock_nested {
	struct iommu_domain domain;
	struct mock_pt *parent;
	u32 tlb_tags[MOCK_NESTED_DOMAIN_IOTLB_NUM];
	struct iommufd_viommu *viommu;
};

/**
 * struct mock_dev - A device behind the mock IOMMU
 * @dev: The device, on iommufd_mock_bus
 * @flags: enum iommu_test_dev_flags, fixed at creation
 * @id: Instance number, for the name
 * @lock: Write-held while the device is registered and around changes of
 *        its attachment; read-held while a fault is reported for it, so that
 *        faults never race with an attachment change; the outermost lock
 *        (lock order: common.h); also protects @viommu and @virt_id
 * @viommu: The virtual IOMMU the device has a virtual device on, or NULL
 * @virt_id: The virtual device's ID there
 * @cache: The "device cache", cleared by invalidations through @viommu under
 *         the virtual IOMMU's table lock (iommufd_viommu_vdev_call())
 * @pasid_domains: PASID -> the domain the IOMMU core set on it, as the
 *        mock IOMMU saw it (set_dev_pasid and remove_dev_pasid, serialised
 *        by the core's group mutex)
 */
struct mock_dev {
	struct device dev;
	u32 flags;
	int id;
	struct rw_semaphore lock;
	struct iommufd_viommu *viommu;
	u64 virt_id;
	u32 cache[MOCK_DEV_CACHE_NUM];
	struct xarray pasid_domains;
};

static inline struct mock_dev *to_mock_dev(struct device *dev)
{
	return container_of(dev, struct mock_dev, dev);
}

bool mockdev_is(struct device *dev);
struct iommu_domain *mockdev_pasid_domain(struct mock_dev *mockdev,
					  u32 pasid);
struct mock_dev *mockdev_create(u32 dev_flags);
void mockdev_destroy(struct mock_dev *mockdev);

struct mock_pt *mock_pt_from_domain(struct iommu_domain *domain);
struct mock_nested *mock_nested_from_domain(struct iommu_domain *domain);
bool mock_pt_maps(struct mock_pt *pt, unsigned long iova, phys_addr_t paddr);
bool mock_pt_mark_dirty(struct mock_pt *pt, u64 start, u64 size);
struct iommu_domain *
mock_pt_alloc_nested(struct iommu_domain *parent, u32 flags,
		     const struct iommu_user_data *udata);

/* The mock's virtual IOMMU (selftest_viommu.c) */
int mock_viommu_init(const struct iommu_ops *ops);
void mock_viommu_exit(void);

/**
 * struct mock_stdev - the selftest object (IOMMUFD_OBJ_SELFTEST)
 * @obj: object header
 * @mockdev: the mock device it owns
 * @idev: the device's binding
 * @attached: the device's RID is attached
 *
 * Destroying it undoes the attachments, the binding and the device.
 */
struct mock_stdev {
	struct iommufd_obj obj;
	struct mock_dev *mockdev;
	struct iommufd_device *idev;
	bool attached;
};

struct iommufd_call;

/* selftest_pasid.c: the PASID ops of IOMMU_TEST_CMD */
int mock_op_pasid(struct iommufd_call *call, struct iommu_test_cmd *arg);
int mock_op_dmabuf_get(struct iommufd_call *call, struct iommu_test_cmd *arg);
int mock_op_dmabuf_revoke(struct iommufd_call *call,
			  struct iommu_test_cmd *arg);
void mock_stdev_detach_pasids(struct mock_stdev *sobj);

#endif
