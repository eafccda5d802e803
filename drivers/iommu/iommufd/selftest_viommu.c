// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock IOMMU's virtual IOMMU (IOMMU_VIOMMU_TYPE_SELFTEST): what a real
 * driver offers through struct iommufd_viommu_ops, in miniature. It echoes
 * its allocation data (and offers a page holding it to mmap() of the
 * iommufd), makes mock nested domains that only devices with a
 * virtual device on it may attach to, clears the "device cache" of mock
 * devices named by their virtual IDs (IOMMU_HWPT_INVALIDATE), reports
 * IOMMU_VEVENTQ_TYPE_SELFTEST events (IOMMU_TEST_OP_TRIGGER_VEVENT), and
 * has two hardware queues that come up and go down in order.
 *
 * Dangerous: test kernels only.
 */
#include <linux/iommu.h>
#include <linux/iommufd_viommu.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "selftest_iommu.h"

/**
 * struct mock_viommu - the mock's side of a virtual IOMMU
 * @parent: the nesting parent, a mock paging domain
 * @page: with driver data: a page userspace can mmap(), its first u32 the
 *	in_data, as a real driver would offer an MMIO page
 * @mmap_offset: the page's mmap() offset
 * @hw_queues: the hardware queues set up, by index; under the virtual
 *	IOMMU's queue lock (the hw_queue ops are called with it held)
 */
struct mock_viommu {
	struct iommu_domain *parent;
	u32 *page;
	u64 mmap_offset;
	struct iommufd_hw_queue *hw_queues[IOMMU_TEST_HW_QUEUE_MAX];
};

static void mock_viommu_free(struct iommufd_viommu *viommu,
			     struct mock_viommu *mv)
{
	if (mv->mmap_offset)
		iommufd_viommu_destroy_mmap(viommu, mv->mmap_offset);
	free_page((unsigned long)mv->page);
	kfree(mv);
}

/* Echo in_data, and offer a page holding it to mmap() */
static int mock_viommu_data(struct iommufd_viommu *viommu,
			    struct mock_viommu *mv,
			    const struct iommu_user_data *udata)
{
	struct iommu_viommu_selftest data;
	int rc;

	rc = iommu_copy_struct_from_user(&data, udata,
					 IOMMU_VIOMMU_TYPE_SELFTEST, in_data);
	if (rc)
		return rc;
	mv->page = (u32 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mv->page)
		return -ENOMEM;
	mv->page[0] = data.in_data;
	rc = iommufd_viommu_alloc_mmap(viommu, virt_to_phys(mv->page),
				       PAGE_SIZE, false, &mv->mmap_offset);
	if (rc)
		return rc;
	data.out_data = data.in_data;
	data.out_mmap_offset = mv->mmap_offset;
	data.out_mmap_length = PAGE_SIZE;
	if (copy_to_user(udata->uptr + sizeof(data.in_data), &data.out_data,
			 min_t(size_t, udata->len, sizeof(data)) -
			 sizeof(data.in_data)))
		return -EFAULT;
	return 0;
}

static int mock_viommu_init_one(struct iommufd_viommu *viommu,
				struct device *dev, struct iommu_domain *parent,
				const struct iommu_user_data *udata)
{
	struct mock_viommu *mv;
	int rc;

	if (!mockdev_is(dev) || !mock_pt_from_domain(parent))
		return -EINVAL;
	mv = kzalloc(sizeof(*mv), GFP_KERNEL_ACCOUNT);
	if (!mv)
		return -ENOMEM;
	mv->parent = parent;
	if (udata) {
		rc = mock_viommu_data(viommu, mv, udata);
		if (rc) {
			mock_viommu_free(viommu, mv);
			return rc;
		}
	}
	iommufd_viommu_set_drvdata(viommu, mv);
	return 0;
}

/* No mapping of the page is left: each holds the virtual IOMMU */
static void mock_viommu_destroy(struct iommufd_viommu *viommu)
{
	mock_viommu_free(viommu, iommufd_viommu_drvdata(viommu));
}

static struct iommu_domain *
mock_viommu_alloc_domain_nested(struct iommufd_viommu *viommu,
				struct device *dev, u32 flags,
				const struct iommu_user_data *udata)
{
	struct mock_viommu *mv = iommufd_viommu_drvdata(viommu);
	struct iommu_domain *domain;

	domain = mock_pt_alloc_nested(mv->parent, flags, udata);
	if (!IS_ERR(domain))
		mock_nested_from_domain(domain)->viommu = viommu;
	return domain;
}

/* What one invalidation entry clears in the device it names */
static void mock_viommu_clear_cache(struct device *dev, void *arg)
{
	struct iommu_viommu_invalidate_selftest *req = arg;
	struct mock_dev *mockdev = to_mock_dev(dev);
	int i;

	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		if ((req->flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) ||
		    i == req->cache_id)
			WRITE_ONCE(mockdev->cache[i], 0);
}

/* Entries before a failing one take effect and are counted */
static int mock_viommu_cache_invalidate(struct iommufd_viommu *viommu,
					struct iommu_user_data_array *reqs)
{
	struct iommu_viommu_invalidate_selftest req;
	u32 processed = 0;
	int rc = 0;
	u32 i;

	if (reqs->type != IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST) {
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i != reqs->entry_num; i++) {
		rc = iommu_copy_struct_from_user_array(&req, reqs,
						       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
						       i, cache_id);
		if (rc)
			break;
		if (req.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			rc = -EOPNOTSUPP;
			break;
		}
		if (req.cache_id > MOCK_DEV_CACHE_ID_MAX) {
			rc = -EINVAL;
			break;
		}
		/* A virtual ID the guest does not have on this IOMMU */
		if (iommufd_viommu_vdev_call(viommu, req.vdev_id,
					     mock_viommu_clear_cache, &req)) {
			rc = -EINVAL;
			break;
		}
		processed++;
	}
out:
	reqs->entry_num = processed;
	return rc;
}

static int mock_viommu_vdevice_init(struct iommufd_viommu *viommu,
				    struct device *dev, u64 virt_id)
{
	struct mock_dev *mockdev = to_mock_dev(dev);

	down_write(&mockdev->lock);
	mockdev->viommu = viommu;
	mockdev->virt_id = virt_id;
	up_write(&mockdev->lock);
	return 0;
}

/* After this no event of the device can reach the virtual IOMMU */
static void mock_viommu_vdevice_destroy(struct iommufd_viommu *viommu,
					struct device *dev)
{
	struct mock_dev *mockdev = to_mock_dev(dev);

	down_write(&mockdev->lock);
	mockdev->viommu = NULL;
	mockdev->virt_id = 0;
	up_write(&mockdev->lock);
}

static size_t mock_viommu_vevent_len(struct iommufd_viommu *viommu, u32 type)
{
	return type == IOMMU_VEVENTQ_TYPE_SELFTEST ?
	       sizeof(struct iommu_viommu_event_selftest) : 0;
}

/*
 * Queue 1 works only with queue 0 (like hardware whose queues must come up
 * in order), and keeps it: iommufd then refuses to destroy queue 0 first.
 */
static int mock_hw_queue_init(struct iommufd_hw_queue *hwq,
			      struct iommufd_viommu *viommu, u32 type,
			      u32 index, phys_addr_t base, size_t length)
{
	struct mock_viommu *mv = iommufd_viommu_drvdata(viommu);

	if (type != IOMMU_HW_QUEUE_TYPE_SELFTEST)
		return -EOPNOTSUPP;
	if (index >= IOMMU_TEST_HW_QUEUE_MAX)
		return -EINVAL;
	if (WARN_ON(mv->hw_queues[index]))
		return -EEXIST;
	if (index && iommufd_hw_queue_depend(hwq, index - 1))
		return -EIO;
	mv->hw_queues[index] = hwq;
	iommufd_hw_queue_set_drvdata(hwq, mv);
	return 0;
}

/* The dependency must have held: no queue goes before a later one */
static void mock_hw_queue_destroy(struct iommufd_hw_queue *hwq)
{
	struct mock_viommu *mv = iommufd_hw_queue_drvdata(hwq);
	unsigned int i;

	for (i = 0; i != IOMMU_TEST_HW_QUEUE_MAX; i++) {
		if (mv->hw_queues[i] != hwq)
			continue;
		WARN_ON(i + 1 < IOMMU_TEST_HW_QUEUE_MAX &&
			mv->hw_queues[i + 1]);
		mv->hw_queues[i] = NULL;
	}
}

static struct iommufd_viommu_ops mock_viommu_ops = {
	.type = IOMMU_VIOMMU_TYPE_SELFTEST,
	.init = mock_viommu_init_one,
	.destroy = mock_viommu_destroy,
	.alloc_domain_nested = mock_viommu_alloc_domain_nested,
	.cache_invalidate = mock_viommu_cache_invalidate,
	.vdevice_init = mock_viommu_vdevice_init,
	.vdevice_destroy = mock_viommu_vdevice_destroy,
	.vevent_len = mock_viommu_vevent_len,
	.hw_queue_init = mock_hw_queue_init,
	.hw_queue_destroy = mock_hw_queue_destroy,
};

/**
 * mock_viommu_init - Offer the mock's virtual IOMMU type
 * @ops: the mock IOMMU's iommu_ops
 *
 * Return: 0 or an error code.
 */
int mock_viommu_init(const struct iommu_ops *ops)
{
	mock_viommu_ops.iommu_ops = ops;
	return iommufd_viommu_register(&mock_viommu_ops);
}

/**
 * mock_viommu_exit - Withdraw it; no mock device exists any more
 */
void mock_viommu_exit(void)
{
	iommufd_viommu_unregister(&mock_viommu_ops);
}
