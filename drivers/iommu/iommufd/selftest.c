// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iommufd test mock (CONFIG_IOMMUFD_TEST): a software IOMMU with devices
 * on a private bus, and IOMMU_TEST_CMD, which creates mock devices, checks
 * what the core put into mock domains and drives access objects.
 *
 * Dangerous: it lets userspace read physical addresses and inject faults.
 * Never enable it on a production kernel.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/irqdomain.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>

#include "../iommu-priv.h"
#include "access.h"
#include "device.h"
#include "hwpt.h"
#include "ioas.h"
#include "selftest.h"

/*
 * The mock IOMMU
 * ==============
 *
 * One IOMMU instance, registered for the private "iommufd_mock" bus only, so
 * it never meets a real device and real IOMMU drivers never see its devices.
 * Mock devices each get their own group. The IO page size is half a CPU page
 * so that the core's sub-page paths get exercised.
 */
#define MOCK_IO_PAGE_SIZE	(PAGE_SIZE / 2)
#define MOCK_HUGE_PAGE_SIZE	(512 * MOCK_IO_PAGE_SIZE)
#define MOCK_DEV_FLAGS_ALL						\
	(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA |	\
	 MOCK_FLAGS_DEVICE_PASID)

/*
 * A populated slot of a paging domain is an xarray value entry: the physical
 * address in MIO units shifted above three flag bits.
 */
#define MOCK_SLOT_BOUNDARY	BIT(0)	/* first or last slot of a map call */
#define MOCK_SLOT_DIRTY		BIT(1)
#define MOCK_SLOT_HUGE		BIT(2)	/* mapped with a page size above MIO */
#define MOCK_SLOT_FLAGS		(MOCK_SLOT_BOUNDARY | MOCK_SLOT_DIRTY | \
				 MOCK_SLOT_HUGE)
#define MOCK_SLOT_PFN_SHIFT	3

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
 */
struct mock_nested {
	struct iommu_domain domain;
	struct mock_pt *parent;
	u32 tlb_tags[MOCK_NESTED_DOMAIN_IOTLB_NUM];
};

/**
 * struct mock_dev - A device behind the mock IOMMU
 * @dev: The device, on iommufd_mock_bus
 * @flags: enum iommu_test_dev_flags, fixed at creation
 * @id: Instance number, for the name
 * @lock: Write-held while the device is registered and around changes of
 *        its attachment; read-held while a fault is reported for it, so that
 *        faults never race with an attachment change
 */
struct mock_dev {
	struct device dev;
	u32 flags;
	int id;
	struct rw_semaphore lock;
};

static const struct bus_type iommufd_mock_bus = {
	.name = "iommufd_mock",
};

static struct notifier_block mock_bus_nb;

/*
 * @msi_domain: the MSI domain of every mock device.  Mock devices raise no
 * interrupts, but like any device doing DMA they could write an MSI
 * doorbell, so iommufd_device_bind() wants their MSI isolated: the mock
 * platform isolates it, as interrupt remapping or an ITS would, by an
 * empty irq domain flagged IRQ_DOMAIN_FLAG_ISOLATED_MSI.
 */
static struct {
	struct iommu_device iommu_dev;
	struct platform_device *pdev;
	struct iopf_queue *iopf_queue;
	struct irq_domain *msi_domain;
} mock_iommu;

static DEFINE_IDA(mockdev_ida);

static const struct iommu_ops mock_iommu_ops;
static const struct iommu_domain_ops mock_paging_ops;
static const struct iommu_domain_ops mock_nested_ops;
static const struct iommu_dirty_ops mock_dirty_ops;

static struct mock_dev *to_mock_dev(struct device *dev)
{
	return container_of(dev, struct mock_dev, dev);
}

static struct mock_pt *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_pt, domain);
}

static struct mock_nested *
to_mock_nested(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_nested, domain);
}

static bool mockdev_is(struct device *dev)
{
	return dev->bus == &iommufd_mock_bus;
}

/* Attaching never fails except for a dirty-capable domain on a NO_DIRTY device */
static int mock_pt_attach_dev(struct iommu_domain *domain,
			      struct device *dev)
{
	if (domain->dirty_ops &&
	    (to_mock_dev(dev)->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return 0;
}

static const struct iommu_domain_ops mock_blocked_domain_ops = {
	.attach_dev = mock_pt_attach_dev,
};

static struct iommu_domain mock_blocked = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &mock_blocked_domain_ops,
};

static unsigned long mock_slot(unsigned long iova)
{
	return iova / MOCK_IO_PAGE_SIZE;
}

static void *mock_slot_entry(phys_addr_t paddr, unsigned long flags)
{
	return xa_mk_value((paddr / MOCK_IO_PAGE_SIZE) << MOCK_SLOT_PFN_SHIFT |
			   flags);
}

static phys_addr_t mock_slot_paddr(void *entry)
{
	return (phys_addr_t)(xa_to_value(entry) >> MOCK_SLOT_PFN_SHIFT) *
	       MOCK_IO_PAGE_SIZE;
}

static bool mock_slot_test(void *entry, unsigned long flag)
{
	return xa_to_value(entry) & flag;
}

static int mock_pt_map_pages(struct iommu_domain *domain,
			     unsigned long va, phys_addr_t pa,
			     size_t pgsz, size_t count, int prot,
			     gfp_t gfp, size_t *mapped)
{
	struct mock_pt *pt = to_mock_domain(domain);
	unsigned long first = mock_slot(va);
	unsigned long nr = pgsz / MOCK_IO_PAGE_SIZE * count;
	unsigned long huge = pgsz != MOCK_IO_PAGE_SIZE ? MOCK_SLOT_HUGE : 0;
	unsigned long i;
	void *old;

	if (iommufd_inject_failure())
		return -ENOENT;
	WARN_ON(va % MOCK_IO_PAGE_SIZE || pgsz % MOCK_IO_PAGE_SIZE);

	for (i = 0; i != nr; i++) {
		unsigned long flags = huge;

		if (i == 0 || i == nr - 1)
			flags |= MOCK_SLOT_BOUNDARY;
		old = xa_store(&pt->slots, first + i,
			       mock_slot_entry(pa, flags), gfp);
		if (xa_is_err(old))
			goto err_unwind;
		WARN_ON(old);
		pa += MOCK_IO_PAGE_SIZE;
	}
	*mapped = pgsz * count;
	return 0;

err_unwind:
	while (i--)
		xa_erase(&pt->slots, first + i);
	return xa_err(old);
}

static size_t mock_pt_unmap_pages(struct iommu_domain *domain,
				  unsigned long va, size_t pgsz,
				  size_t count,
				  struct iommu_iotlb_gather *gather)
{
	struct mock_pt *pt = to_mock_domain(domain);
	unsigned long first = mock_slot(va);
	unsigned long nr = pgsz / MOCK_IO_PAGE_SIZE * count;
	/* The core may split a huge mapping differently than it made it */
	bool check = !(domain->pgsize_bitmap & MOCK_HUGE_PAGE_SIZE);
	unsigned long i;
	void *entry;

	for (i = 0; i != nr; i++) {
		entry = xa_erase(&pt->slots, first + i);
		if (!check || !entry || (i != 0 && i != nr - 1))
			continue;
		/* The core must only unmap whole runs it mapped */
		WARN_ON(!mock_slot_test(entry, MOCK_SLOT_BOUNDARY));
	}
	return pgsz * count;
}

static phys_addr_t mock_pt_iova_to_phys(struct iommu_domain *domain,
					dma_addr_t va)
{
	struct mock_pt *pt = to_mock_domain(domain);
	void *entry;

	WARN_ON(va % MOCK_IO_PAGE_SIZE);
	entry = xa_load(&pt->slots, mock_slot(va));
	if (WARN_ON(!entry))
		return 0;
	return mock_slot_paddr(entry);
}

static void mock_pt_free(struct iommu_domain *domain)
{
	struct mock_pt *pt = to_mock_domain(domain);
	unsigned long index = 0;

	/*
	 * Every mapping must be gone. Test for entries rather than with
	 * xa_empty(): a store that failed to allocate (twice, so its retry
	 * failed too) may leave empty interior nodes behind.
	 */
	WARN_ON(xa_find(&pt->slots, &index, ULONG_MAX, XA_PRESENT));
	xa_destroy(&pt->slots);
	kfree(pt);
}

static int mock_pt_set_dirty_tracking(struct iommu_domain *domain,
				      bool on)
{
	to_mock_domain(domain)->dirty_tracking = on;
	return 0;
}

/*
 * Report and (unless told not to) clear the dirty bits of one IO page: a
 * single slot, or the whole MHUGE block a huge slot belongs to.
 */
static unsigned long mock_pt_read_dirty_page(struct mock_pt *pt,
					     unsigned long va, void *entry,
					     unsigned long flags,
					     struct iommu_dirty_bitmap *bitmap)
{
	unsigned long pgsz = MOCK_IO_PAGE_SIZE;
	unsigned long first, i;
	bool found = false;

	if (mock_slot_test(entry, MOCK_SLOT_HUGE)) {
		pgsz = MOCK_HUGE_PAGE_SIZE;
		va = ALIGN_DOWN(va, MOCK_HUGE_PAGE_SIZE);
	}
	first = mock_slot(va);
	for (i = first; i != first + pgsz / MOCK_IO_PAGE_SIZE; i++) {
		entry = xa_load(&pt->slots, i);
		if (!entry || !mock_slot_test(entry, MOCK_SLOT_DIRTY))
			continue;
		found = true;
		if (flags & IOMMU_DIRTY_NO_CLEAR)
			continue;
		/* Never resurrect a slot unmapped meanwhile */
		xa_cmpxchg(&pt->slots, i, entry,
			   xa_mk_value(xa_to_value(entry) & ~MOCK_SLOT_DIRTY),
			   GFP_KERNEL);
	}
	if (found)
		iommu_dirty_bitmap_record(bitmap, va, pgsz);
	return va + pgsz;
}

static int mock_pt_read_and_clear_dirty(struct iommu_domain *domain,
					unsigned long va, size_t len,
					unsigned long flags,
					struct iommu_dirty_bitmap *bitmap)
{
	struct mock_pt *pt = to_mock_domain(domain);
	unsigned long stop = va + len;
	void *entry;

	/* The core clears stale bits before enabling: no bitmap then */
	if (!pt->dirty_tracking && bitmap->bitmap)
		return -EINVAL;

	do {
		entry = xa_load(&pt->slots, mock_slot(va));
		if (!entry) {
			va += MOCK_IO_PAGE_SIZE;
			continue;
		}
		va = mock_pt_read_dirty_page(pt, va, entry, flags,
					     bitmap);
	} while (va < stop);
	return 0;
}

static const struct iommu_dirty_ops mock_dirty_ops = {
	.set_dirty_tracking = mock_pt_set_dirty_tracking,
	.read_and_clear_dirty = mock_pt_read_and_clear_dirty,
};

static struct iommu_domain *mock_pt_alloc_flags(struct device *dev,
						u32 flags)
{
	struct mock_pt *pt;

	pt = kzalloc(sizeof(*pt), GFP_KERNEL);
	if (!pt)
		return ERR_PTR(-ENOMEM);
	xa_init(&pt->slots);
	pt->domain.type = IOMMU_DOMAIN_UNMANAGED;
	pt->domain.ops = &mock_paging_ops;
	pt->domain.geometry.aperture_start = MOCK_APERTURE_START;
	pt->domain.geometry.aperture_end = MOCK_APERTURE_LAST;
	pt->domain.geometry.force_aperture = true;
	pt->domain.pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	if (to_mock_dev(dev)->flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		pt->domain.pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	if (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		pt->domain.dirty_ops = &mock_dirty_ops;
	return &pt->domain;
}

static struct iommu_domain *mock_pt_alloc_paging(struct device *dev)
{
	return mock_pt_alloc_flags(dev, 0);
}

static struct iommu_domain *
mock_pt_alloc_nested(struct iommu_domain *parent, u32 flags,
		     const struct iommu_user_data *udata)
{
	struct mock_nested *nested;
	struct iommu_hwpt_selftest data;
	int rc, i;

	/*
	 * As VT-d: no allocation flag means anything to a nested domain.
	 * Whether it reports faults to userspace is the core's business.
	 */
	if (flags)
		return ERR_PTR(-EOPNOTSUPP);
	if (!udata || udata->type != IOMMU_HWPT_DATA_SELFTEST)
		return ERR_PTR(-EOPNOTSUPP);
	if (parent->ops != &mock_paging_ops)
		return ERR_PTR(-EINVAL);
	rc = iommu_copy_struct_from_user(&data, udata,
					 IOMMU_HWPT_DATA_SELFTEST, iotlb);
	if (rc)
		return ERR_PTR(rc);

	nested = kzalloc(sizeof(*nested), GFP_KERNEL_ACCOUNT);
	if (!nested)
		return ERR_PTR(-ENOMEM);
	nested->parent = to_mock_domain(parent);
	nested->domain.type = IOMMU_DOMAIN_NESTED;
	nested->domain.ops = &mock_nested_ops;
	for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		nested->tlb_tags[i] = data.iotlb;
	return &nested->domain;
}

static struct iommu_domain *
mock_pt_alloc_user(struct device *dev, u32 flags,
		   struct iommu_domain *parent,
		   const struct iommu_user_data *udata)
{
	const u32 paging_flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING;

	if (parent)
		return mock_pt_alloc_nested(parent, flags, udata);
	if (udata || (flags & ~paging_flags))
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    (to_mock_dev(dev)->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return ERR_PTR(-EOPNOTSUPP);
	return mock_pt_alloc_flags(dev, flags);
}

static void mock_nested_free(struct iommu_domain *domain)
{
	kfree(to_mock_nested(domain));
}

/* Entries before a failing one take effect and are counted */
static int mock_nested_cache_invalidate_user(struct iommu_domain *domain,
					     struct iommu_user_data_array *reqs)
{
	struct mock_nested *nested = to_mock_nested(domain);
	struct iommu_hwpt_invalidate_selftest req;
	u32 processed = 0;
	int rc = 0;
	u32 i, j;

	if (reqs->type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i != reqs->entry_num; i++) {
		rc = iommu_copy_struct_from_user_array(&req, reqs,
						       IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
						       i, iotlb_id);
		if (rc)
			break;
		if (req.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			rc = -EOPNOTSUPP;
			break;
		}
		if (req.iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) {
			rc = -EINVAL;
			break;
		}
		if (req.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			for (j = 0; j != MOCK_NESTED_DOMAIN_IOTLB_NUM; j++)
				nested->tlb_tags[j] = 0;
		} else {
			nested->tlb_tags[req.iotlb_id] = 0;
		}
		processed++;
	}
out:
	reqs->entry_num = processed;
	return rc;
}

static const struct iommu_domain_ops mock_paging_ops = {
	.free = mock_pt_free,
	.attach_dev = mock_pt_attach_dev,
	.map_pages = mock_pt_map_pages,
	.unmap_pages = mock_pt_unmap_pages,
	.iova_to_phys = mock_pt_iova_to_phys,
};

static const struct iommu_domain_ops mock_nested_ops = {
	.free = mock_nested_free,
	.attach_dev = mock_pt_attach_dev,
	.cache_invalidate_user = mock_nested_cache_invalidate_user,
};

static bool mock_has_cap(struct device *dev, enum iommu_cap cap)
{
	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return true;
	case IOMMU_CAP_DIRTY_TRACKING:
		return !(to_mock_dev(dev)->flags & MOCK_FLAGS_DEVICE_NO_DIRTY);
	default:
		return false;
	}
}

static void *mock_get_hw_info(struct device *dev, u32 *length, u32 *type)
{
	struct iommu_test_hw_info *hwinfo;

	hwinfo = kzalloc(sizeof(*hwinfo), GFP_KERNEL);
	if (!hwinfo)
		return ERR_PTR(-ENOMEM);
	hwinfo->test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL;
	*length = sizeof(*hwinfo);
	*type = IOMMU_HW_INFO_TYPE_SELFTEST;
	return hwinfo;
}

static struct iommu_device *mock_probe(struct device *dev)
{
	if (!mockdev_is(dev))
		return ERR_PTR(-ENODEV);
	return &mock_iommu.iommu_dev;
}

static int mockdev_enable_feat(struct device *dev, enum iommu_dev_features feat)
{
	if (feat != IOMMU_DEV_FEAT_IOPF || !mock_iommu.iopf_queue)
		return -ENODEV;
	return iopf_queue_add_device(mock_iommu.iopf_queue, dev);
}

static int mockdev_disable_feat(struct device *dev,
				enum iommu_dev_features feat)
{
	if (feat != IOMMU_DEV_FEAT_IOPF || !mock_iommu.iopf_queue)
		return -ENODEV;
	iopf_queue_remove_device(mock_iommu.iopf_queue, dev);
	return 0;
}

/* Nothing to tell the (imaginary) hardware */
static void mock_iopf_respond(struct device *dev, struct iopf_fault *evt,
			      struct iommu_page_response *resp)
{
}

static const struct iommu_ops mock_iommu_ops = {
	.owner = THIS_MODULE,
	/* The device may use the PASID table it is given as it likes */
	.user_pasid_table = true,
	.default_domain = &mock_blocked,
	.blocked_domain = &mock_blocked,
	.pgsize_bitmap = MOCK_IO_PAGE_SIZE,
	.capable = mock_has_cap,
	.hw_info = mock_get_hw_info,
	.domain_alloc_paging = mock_pt_alloc_paging,
	.domain_alloc_user = mock_pt_alloc_user,
	.probe_device = mock_probe,
	.device_group = generic_device_group,
	.dev_enable_feat = mockdev_enable_feat,
	.dev_disable_feat = mockdev_disable_feat,
	.page_response = mock_iopf_respond,
	.default_domain_ops = &mock_paging_ops,
};

static void mockdev_release(struct device *dev)
{
	struct mock_dev *mockdev = to_mock_dev(dev);

	ida_free(&mockdev_ida, mockdev->id);
	kfree(mockdev);
}

static const struct property_entry mock_pasid_props[] = {
	PROPERTY_ENTRY_U32("pasid-num-bits", MOCK_PASID_WIDTH),
	{ }
};

/* Creates and registers a mock device; the IOMMU layer probes it. */
static struct mock_dev *mockdev_create(u32 dev_flags)
{
	struct mock_dev *mockdev;
	int rc;

	if (dev_flags & ~MOCK_DEV_FLAGS_ALL)
		return ERR_PTR(-EINVAL);

	mockdev = kzalloc(sizeof(*mockdev), GFP_KERNEL);
	if (!mockdev)
		return ERR_PTR(-ENOMEM);
	rc = ida_alloc(&mockdev_ida, GFP_KERNEL);
	if (rc < 0) {
		kfree(mockdev);
		return ERR_PTR(rc);
	}
	mockdev->id = rc;
	mockdev->flags = dev_flags;
	init_rwsem(&mockdev->lock);
	device_initialize(&mockdev->dev);
	/* From here on put_device() frees mdev and its id */
	mockdev->dev.release = mockdev_release;
	mockdev->dev.bus = &iommufd_mock_bus;
	dev_set_msi_domain(&mockdev->dev, mock_iommu.msi_domain);

	rc = dev_set_name(&mockdev->dev, "iommufd_mock%u", mockdev->id);
	if (rc)
		goto err_put;
	if (dev_flags & MOCK_FLAGS_DEVICE_PASID) {
		rc = device_create_managed_software_node(&mockdev->dev,
							 mock_pasid_props,
							 NULL);
		if (rc)
			goto err_put;
	}

	down_write(&mockdev->lock);
	rc = device_add(&mockdev->dev);
	up_write(&mockdev->lock);
	if (rc)
		goto err_put;
	return mockdev;

err_put:
	put_device(&mockdev->dev);
	return ERR_PTR(rc);
}

static void mockdev_destroy(struct mock_dev *mockdev)
{
	down_write(&mockdev->lock);
	device_del(&mockdev->dev);
	up_write(&mockdev->lock);
	put_device(&mockdev->dev);
}

/*
 * The selftest object: owns one mock device, its binding and its attachment.
 * Destroying it undoes all three.
 */
struct mock_stdev {
	struct iommufd_obj obj;
	struct mock_dev *mockdev;
	struct iommufd_device *idev;
	bool attached;
};

/* Works on a partly built object too, so it also serves as the abort */
static void selftest_obj_destroy(struct iommufd_obj *obj)
{
	struct mock_stdev *sobj = container_of(obj, struct mock_stdev, obj);

	if (sobj->attached) {
		down_write(&sobj->mockdev->lock);
		iommufd_device_detach(sobj->idev);
		up_write(&sobj->mockdev->lock);
	}
	if (sobj->idev)
		iommufd_device_unbind(sobj->idev);
	if (sobj->mockdev)
		mockdev_destroy(sobj->mockdev);
}

static const struct iommufd_obj_ops selftest_obj_ops = {
	.release = selftest_obj_destroy,
};

/* IOMMU_TEST_OP_MOCK_DOMAIN and IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS */
static int mock_op_mock_domain(struct iommufd_call *call,
			       struct iommu_test_cmd *arg)
{
	u32 dev_flags = arg->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS ?
			arg->mock_domain_flags.dev_flags : 0;
	struct mock_stdev *sobj;
	u32 pt_id = arg->id;
	u32 idev_id;
	int rc;

	sobj = iommufd_obj_new(call->ictx, sobj, IOMMUFD_OBJ_SELFTEST,
			       &selftest_obj_ops);
	if (IS_ERR(sobj))
		return PTR_ERR(sobj);

	sobj->mockdev = mockdev_create(dev_flags);
	if (IS_ERR(sobj->mockdev)) {
		rc = PTR_ERR(sobj->mockdev);
		sobj->mockdev = NULL;
		goto err_abort;
	}

	/* The selftest object is the binder, inside the context */
	sobj->idev = iommufd_device_bind_internal(call->ictx,
						  &sobj->mockdev->dev, &idev_id);
	if (IS_ERR(sobj->idev)) {
		rc = PTR_ERR(sobj->idev);
		sobj->idev = NULL;
		goto err_abort;
	}

	down_write(&sobj->mockdev->lock);
	rc = iommufd_device_attach(sobj->idev, &pt_id);
	up_write(&sobj->mockdev->lock);
	if (rc)
		goto err_abort;
	sobj->attached = true;

	arg->mock_domain.out_stdev_id = sobj->obj.id;
	arg->mock_domain.out_hwpt_id = pt_id;
	arg->mock_domain.out_idev_id = idev_id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		goto err_abort;
	iommufd_obj_publish(call->ictx, &sobj->obj);
	return 0;

err_abort:
	iommufd_obj_discard(call->ictx, &sobj->obj);
	return rc;
}

/* IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: the replacement stands even if the copy-out fails */
static int mock_op_mock_domain_replace(struct iommufd_call *call,
				       struct iommu_test_cmd *arg)
{
	u32 pt_id = arg->mock_domain_replace.pt_id;
	struct iommufd_obj *obj;
	struct mock_stdev *sobj;
	int rc;

	obj = iommufd_obj_find(call->ictx, arg->id, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	sobj = container_of(obj, struct mock_stdev, obj);

	down_write(&sobj->mockdev->lock);
	rc = iommufd_device_replace(sobj->idev, &pt_id);
	up_write(&sobj->mockdev->lock);
	if (!rc) {
		arg->mock_domain_replace.pt_id = pt_id;
		rc = iommufd_call_reply(call, sizeof(*arg));
	}
	iommufd_obj_put(call->ictx, obj);
	return rc;
}

/* IOMMU_TEST_OP_ADD_RESERVED */
static int mock_op_add_reserved(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	u64 start = arg->add_reserved.start;
	struct iommufd_ioas *ioas;
	u64 last;
	int rc;

	if (!arg->add_reserved.length)
		return -EINVAL;
	if (check_add_overflow(start, arg->add_reserved.length - 1, &last) ||
	    last > ULONG_MAX)
		return -EOVERFLOW;

	ioas = iommufd_ioas_find(call->ictx, arg->id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = isp_reserve(&ioas->isp, start, last, NULL);
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}

/* The CPU page behind a user address, faulted in for reading */
static int mock_op_get_page(unsigned long uptr, struct page **page)
{
	int rc;

	rc = get_user_pages_fast(ALIGN_DOWN(uptr, PAGE_SIZE), 1, 0, page);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0 : -EFAULT;
}

static struct mock_pt *
mock_op_get_paging(struct iommufd_call *call, u32 id,
		   struct iommufd_paging_hwpt **paging)
{
	*paging = iommufd_paging_hwpt_find(call->ictx, id);
	if (IS_ERR(*paging))
		return ERR_CAST(*paging);
	if ((*paging)->base.domain->ops != &mock_paging_ops) {
		iommufd_obj_put(call->ictx, &(*paging)->base.obj);
		return ERR_PTR(-EINVAL);
	}
	return to_mock_domain((*paging)->base.domain);
}

/* IOMMU_TEST_OP_MD_CHECK_MAP: the domain maps the IOVA onto the user memory */
static int mock_op_md_check_map(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	unsigned long va = arg->check_map.iova;
	unsigned long uptr = arg->check_map.uptr;
	u64 left = arg->check_map.length;
	struct iommufd_paging_hwpt *paging;
	struct mock_pt *pt;
	unsigned long end;
	int rc = 0;

	if (va % MOCK_IO_PAGE_SIZE || left % MOCK_IO_PAGE_SIZE ||
	    uptr % MOCK_IO_PAGE_SIZE ||
	    check_add_overflow(uptr, (unsigned long)left, &end) ||
	    left > ULONG_MAX)
		return -EINVAL;

	pt = mock_op_get_paging(call, arg->id, &paging);
	if (IS_ERR(pt))
		return PTR_ERR(pt);

	for (; left; left -= MOCK_IO_PAGE_SIZE) {
		struct page *page;
		phys_addr_t expected;
		void *entry;

		rc = mock_op_get_page(uptr, &page);
		if (rc)
			break;
		expected = page_to_phys(page) + offset_in_page(uptr);
		put_page(page);

		entry = xa_load(&pt->slots, mock_slot(va));
		if (!entry || mock_slot_paddr(entry) != expected) {
			rc = -EINVAL;
			break;
		}
		va += MOCK_IO_PAGE_SIZE;
		uptr += MOCK_IO_PAGE_SIZE;
	}
	iommufd_obj_put(call->ictx, &paging->base.obj);
	return rc;
}

/* IOMMU_TEST_OP_MD_CHECK_REFS: DMA pins of every small page */
static int mock_op_md_check_refs(struct iommufd_call *call,
				 struct iommu_test_cmd *arg)
{
	unsigned long uptr = arg->check_refs.uptr;
	u64 length = arg->check_refs.length;
	unsigned long end;
	int rc = 0;

	if (length % PAGE_SIZE || uptr % PAGE_SIZE || length > ULONG_MAX ||
	    check_add_overflow(uptr, (unsigned long)length, &end))
		return -EINVAL;

	for (; length; length -= PAGE_SIZE, uptr += PAGE_SIZE) {
		struct page *page;

		rc = mock_op_get_page(uptr, &page);
		if (rc)
			return rc;
		/* Pins of huge pages are per folio; they are not checked */
		if (!folio_test_large(page_folio(page)) &&
		    page_ref_count(page) / GUP_PIN_COUNTING_BIAS !=
		    arg->check_refs.refs)
			rc = -EIO;
		put_page(page);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * struct mock_access_file - the private state of an access fd
 * @acc: the access object
 * @needs_pin_pages: created with MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES
 * @lock: protects @items and @next_id; held across pinning
 * @items: pinned ranges (struct mock_pin_item)
 * @next_id: ID of the next item; IDs are never reused
 */
struct mock_access_file {
	struct iommufd_access *acc;
	bool needs_pin_pages;
	struct mutex lock; /* protects items, next_id */
	struct list_head items;
	unsigned int next_id;
};

struct mock_pin_item {
	struct list_head node;
	unsigned long iova;
	size_t length;
	unsigned int id;
};

static void selftest_access_drop_item(struct mock_access_file *afile,
				      struct mock_pin_item *pin)
{
	iommufd_access_unpin_pages(afile->acc, pin->iova, pin->length);
	list_del(&pin->node);
	kfree(pin);
}

/* The unmap callback: drop every item intersecting the range */
static void selftest_access_unmap(void *data, unsigned long iova,
				  unsigned long length)
{
	unsigned long last = iova + length - 1;
	struct mock_access_file *afile = data;
	struct mock_pin_item *pin, *tmp;

	mutex_lock(&afile->lock);
	list_for_each_entry_safe(pin, tmp, &afile->items, node) {
		if (pin->iova > last || pin->iova + pin->length - 1 < iova)
			continue;
		selftest_access_drop_item(afile, pin);
	}
	mutex_unlock(&afile->lock);
}

static const struct iommufd_access_ops mock_access_ops_pin = {
	.needs_pin_pages = 1,
	.unmap = selftest_access_unmap,
};

static const struct iommufd_access_ops mock_access_ops = {
	.unmap = selftest_access_unmap,
};

/*
 * Destroying the access detaches it, and detaching first has the owner drop
 * every pin through the unmap callback, as vfio's emulated devices expect:
 * the mock relies on that, so no item is left to drop here.
 */
static int selftest_access_release(struct inode *inode, struct file *filep)
{
	struct mock_access_file *afile = filep->private_data;
	struct mock_pin_item *pin, *tmp;

	iommufd_access_destroy(afile->acc);
	/* Items left behind would be pins the core forgot: leak, don't unpin */
	WARN_ON_ONCE(!list_empty(&afile->items));
	list_for_each_entry_safe(pin, tmp, &afile->items, node)
		kfree(pin);
	mutex_destroy(&afile->lock);
	kfree(afile);
	return 0;
}

static const struct file_operations selftest_access_fops = {
	.owner = THIS_MODULE,
	.release = selftest_access_release,
};

/* Returns the access behind fd with a file reference, or -EBADFD */
static struct mock_access_file *selftest_access_get(int fd, struct file **file)
{
	*file = fget(fd);
	if (!*file)
		return ERR_PTR(-EBADFD);
	if ((*file)->f_op != &selftest_access_fops) {
		fput(*file);
		return ERR_PTR(-EBADFD);
	}
	return (*file)->private_data;
}

/* IOMMU_TEST_OP_CREATE_ACCESS */
static int mock_op_create_access(struct iommufd_call *call,
				 struct iommu_test_cmd *arg)
{
	bool pin = arg->create_access.flags &
		   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	struct mock_access_file *afile;
	struct file *file;
	int newfd, rc;
	u32 id;

	if (arg->create_access.flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;

	afile = kzalloc(sizeof(*afile), GFP_KERNEL_ACCOUNT);
	if (!afile)
		return -ENOMEM;
	mutex_init(&afile->lock);
	INIT_LIST_HEAD(&afile->items);
	afile->needs_pin_pages = pin;

	newfd = get_unused_fd_flags(O_CLOEXEC);
	if (newfd < 0) {
		rc = -ENOMEM;
		goto err_free;
	}

	afile->acc = iommufd_access_create(call->ictx,
					   pin ? &mock_access_ops_pin :
					   &mock_access_ops,
					   afile, &id);
	if (IS_ERR(afile->acc)) {
		rc = PTR_ERR(afile->acc);
		goto err_put_fd;
	}
	rc = iommufd_access_attach(afile->acc, arg->id);
	if (rc)
		goto err_destroy;

	file = anon_inode_getfile("[iommufd_mock_access]",
				  &selftest_access_fops, afile, O_RDWR);
	if (IS_ERR(file)) {
		rc = PTR_ERR(file);
		goto err_destroy;
	}

	arg->create_access.out_access_fd = newfd;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc) {
		/* The release undoes everything from here on */
		fput(file);
		put_unused_fd(newfd);
		return rc;
	}
	fd_install(newfd, file);
	return 0;

err_destroy:
	iommufd_access_destroy(afile->acc);
err_put_fd:
	put_unused_fd(newfd);
err_free:
	mutex_destroy(&afile->lock);
	kfree(afile);
	return rc;
}

/* IOMMU_TEST_OP_DESTROY_ACCESS_PAGES */
static int mock_op_destroy_access_pages(struct iommufd_call *call,
					struct iommu_test_cmd *arg)
{
	unsigned int id = arg->destroy_access_pages.access_pages_id;
	struct mock_access_file *afile;
	struct mock_pin_item *pin;
	struct file *file;
	int rc = -ENOENT;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);

	mutex_lock(&afile->lock);
	list_for_each_entry(pin, &afile->items, node) {
		if (pin->id == id) {
			selftest_access_drop_item(afile, pin);
			rc = 0;
			break;
		}
	}
	mutex_unlock(&afile->lock);
	fput(file);
	return rc;
}

/* Are the pinned pages those behind uptr? iova sets the offset in the page */
static int selftest_access_check_pages(struct page **pagev, size_t npages,
				       unsigned long uptr, unsigned long iova)
{
	unsigned long cur = uptr - offset_in_page(iova);
	struct page *page;
	size_t i;
	int rc;

	for (i = 0; i != npages; i++, cur += PAGE_SIZE) {
		rc = mock_op_get_page(cur, &page);
		if (rc)
			return rc;
		put_page(page);
		if (page != pagev[i])
			return -EBADE;
	}
	return 0;
}

/* IOMMU_TEST_OP_ACCESS_PAGES */
static int mock_op_access_pages(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	const u32 valid_flags = MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ;
	unsigned int flags = arg->access_pages.flags;
	unsigned long iova = arg->access_pages.iova;
	size_t length = arg->access_pages.length;
	struct mock_pin_item *pin;
	struct mock_access_file *afile;
	struct page **pagev = NULL;
	struct file *file;
	size_t npages;
	int rc;

	if (arg->access_pages.length > SZ_16M)
		return -ENOMEM;
	if (flags & ~valid_flags)
		return -EOPNOTSUPP;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);
	if (!afile->needs_pin_pages) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_access_syz_iova(afile->acc,
					       arg->access_pages.iova);

	npages = DIV_ROUND_UP(length + offset_in_page(iova), PAGE_SIZE);
	pagev = kvcalloc(npages, sizeof(*pagev), GFP_KERNEL_ACCOUNT);
	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pagev || !pin) {
		rc = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&afile->lock);
	rc = iommufd_access_pin_pages(afile->acc, iova, length, pagev,
				      flags & MOCK_FLAGS_ACCESS_WRITE ?
				      IOMMUFD_ACCESS_RW_WRITE : 0);
	if (rc)
		goto out_unlock;
	if (arg->access_pages.uptr) {
		rc = selftest_access_check_pages(pagev, npages,
						 arg->access_pages.uptr, iova);
		if (rc)
			goto err_unpin;
	}

	pin->iova = iova;
	pin->length = length;
	pin->id = afile->next_id++;
	list_add_tail(&pin->node, &afile->items);
	arg->access_pages.out_access_pages_id = pin->id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc) {
		list_del(&pin->node);
		goto err_unpin;
	}
	pin = NULL;
	goto out_unlock;

err_unpin:
	iommufd_access_unpin_pages(afile->acc, iova, length);
out_unlock:
	mutex_unlock(&afile->lock);
out_free:
	kfree(pin);
	kvfree(pagev);
out_put:
	fput(file);
	return rc;
}

/* IOMMU_TEST_OP_ACCESS_RW */
static int mock_op_access_rw(struct iommufd_call *call,
			     struct iommu_test_cmd *arg)
{
	const unsigned int valid = MOCK_ACCESS_RW_WRITE |
				   MOCK_ACCESS_RW_SLOW_PATH |
				   MOCK_FLAGS_ACCESS_SYZ;
	void __user *uptr = u64_to_user_ptr(arg->access_rw.uptr);
	unsigned int flags = arg->access_rw.flags;
	unsigned long iova = arg->access_rw.iova;
	size_t length = arg->access_rw.length;
	struct mock_access_file *afile;
	struct file *file;
	void *buf;
	int rc;

	if (arg->access_rw.length > SZ_16M)
		return -ENOMEM;
	if (flags & ~valid)
		return -EOPNOTSUPP;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);

	buf = kvzalloc(length, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		rc = -ENOMEM;
		goto out_put;
	}
	if ((flags & MOCK_ACCESS_RW_WRITE) && copy_from_user(buf, uptr, length)) {
		rc = -EFAULT;
		goto out_free;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_access_syz_iova(afile->acc,
					       arg->access_rw.iova);

	rc = iommufd_access_rw(afile->acc, iova, buf, length,
			       flags & ~MOCK_FLAGS_ACCESS_SYZ);
	if (!rc && !(flags & MOCK_ACCESS_RW_WRITE) &&
	    copy_to_user(uptr, buf, length))
		rc = -EFAULT;

out_free:
	kvfree(buf);
out_put:
	fput(file);
	return rc;
}

/* IOMMU_TEST_OP_ACCESS_REPLACE_IOAS */
static int mock_op_access_replace_ioas(struct iommufd_call *call,
				       struct iommu_test_cmd *arg)
{
	struct mock_access_file *afile;
	struct file *file;
	int rc;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);
	rc = iommufd_access_replace(afile->acc,
				    arg->access_replace_ioas.ioas_id);
	fput(file);
	return rc;
}

/* IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT */
static int mock_op_set_temp_memory_limit(struct iommufd_call *call,
					 struct iommu_test_cmd *arg)
{
	return iommufd_set_temp_memory_limit(arg->memory_limit.limit);
}

/* Mark the populated slots of [@start, @start + @size) dirty */
static bool mock_pt_mark_dirty(struct mock_pt *pt, u64 start, u64 size)
{
	unsigned long index;
	bool found = false;
	void *entry;

	xa_for_each_range(&pt->slots, index, entry, mock_slot(start),
			  mock_slot(start + size - 1)) {
		xa_cmpxchg(&pt->slots, index, entry,
			   xa_mk_value(xa_to_value(entry) | MOCK_SLOT_DIRTY),
			   GFP_KERNEL);
		found = true;
	}
	return found;
}

/*
 * IOMMU_TEST_OP_DIRTY: bit i stands for the page_size bytes at iova + i *
 * page_size; every populated slot of a set bit's page is marked dirty, and
 * the bits that found at least one are counted.  With page_size equal to
 * the mock's IO page size that is one slot per bit.
 */
static int mock_op_dirty(struct iommufd_call *call,
			 struct iommu_test_cmd *arg)
{
	u64 page_size = arg->dirty.page_size;
	u64 length = arg->dirty.length;
	u64 iova = arg->dirty.iova;
	struct iommufd_paging_hwpt *paging;
	unsigned long nbits, i, count = 0;
	unsigned long *bitmap;
	struct mock_pt *pt;
	u64 last;
	int rc;

	if (!page_size || !length || iova % page_size || length % page_size ||
	    !arg->dirty.uptr)
		return -EINVAL;
	if (length / page_size > SZ_16M * BITS_PER_BYTE ||
	    check_add_overflow(iova, length - 1, &last) || last > ULONG_MAX)
		return -EOVERFLOW;
	nbits = length / page_size;

	pt = mock_op_get_paging(call, arg->id, &paging);
	if (IS_ERR(pt))
		return PTR_ERR(pt);
	if (!pt->dirty_tracking) {
		rc = -EINVAL;
		goto out_put;
	}

	bitmap = kvzalloc(BITS_TO_LONGS(nbits) * sizeof(long),
			  GFP_KERNEL_ACCOUNT);
	if (!bitmap) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (copy_from_user(bitmap, u64_to_user_ptr(arg->dirty.uptr),
			   DIV_ROUND_UP(nbits, BITS_PER_BYTE))) {
		rc = -EFAULT;
		goto out_free;
	}
	for_each_set_bit(i, bitmap, nbits) {
		count += mock_pt_mark_dirty(pt, iova + i * page_size,
					    page_size);
		cond_resched();
	}
	arg->dirty.out_nr_dirty = count;
	rc = iommufd_call_reply(call, sizeof(*arg));

out_free:
	kvfree(bitmap);
out_put:
	iommufd_obj_put(call->ictx, &paging->base.obj);
	return rc;
}

/* IOMMU_TEST_OP_MD_CHECK_IOTLB */
static int mock_op_md_check_iotlb(struct iommufd_call *call,
				  struct iommu_test_cmd *arg)
{
	struct iommufd_nested_hwpt *nested;
	int rc = 0;

	nested = iommufd_nested_hwpt_find(call->ictx, arg->id);
	if (IS_ERR(nested))
		return PTR_ERR(nested);
	if (nested->base.domain->ops != &mock_nested_ops ||
	    arg->check_iotlb.id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX ||
	    to_mock_nested(nested->base.domain)->tlb_tags[arg->check_iotlb.id] !=
	    arg->check_iotlb.iotlb)
		rc = -EINVAL;
	iommufd_obj_put(call->ictx, &nested->base.obj);
	return rc;
}

/* IOMMU_TEST_OP_TRIGGER_IOPF: report one page request synchronously */
static int mock_op_trigger_iopf(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	struct iopf_fault evt = {
		.fault = {
			.type = IOMMU_FAULT_PAGE_REQ,
			.prm = {
				.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
				.addr = arg->trigger_iopf.addr,
				.pasid = arg->trigger_iopf.pasid,
				.grpid = arg->trigger_iopf.grpid,
				.perm = arg->trigger_iopf.perm,
			},
		},
	};
	struct iommufd_device *idev;
	struct mock_dev *mockdev;

	if (arg->trigger_iopf.pasid)
		evt.fault.prm.flags |= IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;

	idev = iommufd_device_find(call->ictx, arg->trigger_iopf.dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	if (!mockdev_is(idev->dev)) {
		iommufd_obj_put(call->ictx, &idev->obj);
		return -EINVAL;
	}
	mockdev = to_mock_dev(idev->dev);

	down_read(&mockdev->lock);
	/* What becomes of the fault is the fault layer's business */
	iommu_report_device_fault(idev->dev, &evt);
	up_read(&mockdev->lock);
	iommufd_obj_put(call->ictx, &idev->obj);
	return 0;
}

/**
 * iommufd_test_ioas_copy - IOMMU_IOAS_COPY of test builds
 * @call: the command, struct iommu_ioas_copy
 *
 * Test builds accept the syzkaller IOVA encoding for src_iova, flagged by
 * MOCK_FLAGS_ACCESS_SYZ: main.c dispatches IOAS_COPY here, which decodes
 * it against the source IOAS (0 if there is no such IOAS or mapping),
 * consumes the flag and hands the call on to the IOAS code.
 *
 * Return: what iommufd_do_ioas_copy() returns.
 */
int iommufd_test_ioas_copy(struct iommufd_call *call)
{
	struct iommu_ioas_copy *arg = call->args;
	struct iommufd_ioas *src;

	if (arg->flags & MOCK_FLAGS_ACCESS_SYZ) {
		arg->flags &= ~MOCK_FLAGS_ACCESS_SYZ;
		src = iommufd_ioas_find(call->ictx, arg->src_ioas_id);
		if (!IS_ERR(src)) {
			arg->src_iova = isp_syz_iova_to_iova(&src->isp,
							     arg->src_iova);
			iommufd_obj_put(call->ictx, &src->obj);
		}
	}
	return iommufd_do_ioas_copy(call);
}

/* Handler of each IOMMU_TEST_CMD op; a hole means -EOPNOTSUPP */
static int (*const mock_op_handlers[])(struct iommufd_call *call,
				       struct iommu_test_cmd *arg) = {
	[IOMMU_TEST_OP_ADD_RESERVED] = mock_op_add_reserved,
	[IOMMU_TEST_OP_MOCK_DOMAIN] = mock_op_mock_domain,
	[IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS] = mock_op_mock_domain,
	[IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE] = mock_op_mock_domain_replace,
	[IOMMU_TEST_OP_MD_CHECK_MAP] = mock_op_md_check_map,
	[IOMMU_TEST_OP_MD_CHECK_REFS] = mock_op_md_check_refs,
	[IOMMU_TEST_OP_CREATE_ACCESS] = mock_op_create_access,
	[IOMMU_TEST_OP_DESTROY_ACCESS_PAGES] = mock_op_destroy_access_pages,
	[IOMMU_TEST_OP_ACCESS_PAGES] = mock_op_access_pages,
	[IOMMU_TEST_OP_ACCESS_RW] = mock_op_access_rw,
	[IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT] = mock_op_set_temp_memory_limit,
	[IOMMU_TEST_OP_ACCESS_REPLACE_IOAS] = mock_op_access_replace_ioas,
	[IOMMU_TEST_OP_DIRTY] = mock_op_dirty,
	[IOMMU_TEST_OP_MD_CHECK_IOTLB] = mock_op_md_check_iotlb,
	[IOMMU_TEST_OP_TRIGGER_IOPF] = mock_op_trigger_iopf,
};

/**
 * iommufd_do_test - Handle IOMMU_TEST_CMD
 * @call: the command, struct iommu_test_cmd
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_test(struct iommufd_call *call)
{
	struct iommu_test_cmd *arg = call->args;
	unsigned int op;

	if (arg->op >= ARRAY_SIZE(mock_op_handlers))
		return -EOPNOTSUPP;
	op = array_index_nospec(arg->op, ARRAY_SIZE(mock_op_handlers));
	if (!mock_op_handlers[op])
		return -EOPNOTSUPP;
	return mock_op_handlers[op](call, arg);
}

static const struct irq_domain_ops mock_msi_domain_ops;

static int mock_msi_domain_create(void)
{
	struct irq_domain_info info = {
		.domain_flags = IRQ_DOMAIN_FLAG_ISOLATED_MSI,
		.ops = &mock_msi_domain_ops,
	};
	struct irq_domain *domain;

	info.fwnode = irq_domain_alloc_named_fwnode("iommufd-mock-msi");
	if (!info.fwnode)
		return -ENOMEM;
	domain = irq_domain_instantiate(&info);
	if (IS_ERR(domain)) {
		irq_domain_free_fwnode(info.fwnode);
		return PTR_ERR(domain);
	}
	mock_iommu.msi_domain = domain;
	return 0;
}

static void mock_msi_domain_destroy(void)
{
	struct fwnode_handle *fwnode = mock_iommu.msi_domain->fwnode;

	irq_domain_remove(mock_iommu.msi_domain);
	irq_domain_free_fwnode(fwnode);
}

/**
 * iommufd_test_init - Set up the mock IOMMU
 *
 * Called from iommufd's module init after /dev/iommu exists.
 *
 * Return: 0 or an error code; an error fails the module load.
 */
int iommufd_test_init(void)
{
	int rc;

	rc = mock_msi_domain_create();
	if (rc)
		return rc;

	/* Only the sysfs parent of the IOMMU instance */
	mock_iommu.pdev = platform_device_register_simple("iommufd_selftest_iommu",
							  PLATFORM_DEVID_NONE,
							  NULL, 0);
	if (IS_ERR(mock_iommu.pdev)) {
		rc = PTR_ERR(mock_iommu.pdev);
		goto err_msi;
	}

	rc = bus_register(&iommufd_mock_bus);
	if (rc)
		goto err_pdev;

	rc = iommu_device_sysfs_add(&mock_iommu.iommu_dev,
				    &mock_iommu.pdev->dev, NULL, "%s",
				    dev_name(&mock_iommu.pdev->dev));
	if (rc)
		goto err_bus;

	mock_iommu.iommu_dev.max_pasids = 1U << MOCK_PASID_WIDTH;
	rc = iommu_device_register_bus(&mock_iommu.iommu_dev, &mock_iommu_ops,
				       &iommufd_mock_bus, &mock_bus_nb);
	if (rc)
		goto err_sysfs;

	/* Without it the mock devices cannot enable IOPF; nothing else fails */
	mock_iommu.iopf_queue = iopf_queue_alloc("pt-iopfq");
	return 0;

err_sysfs:
	iommu_device_sysfs_remove(&mock_iommu.iommu_dev);
err_bus:
	bus_unregister(&iommufd_mock_bus);
err_pdev:
	platform_device_unregister(mock_iommu.pdev);
err_msi:
	mock_msi_domain_destroy();
	return rc;
}

/**
 * iommufd_test_exit - Tear down the mock IOMMU
 *
 * Called from iommufd's module exit; no mock device exists any more.
 */
void iommufd_test_exit(void)
{
	if (mock_iommu.iopf_queue)
		iopf_queue_free(mock_iommu.iopf_queue);
	iommu_device_unregister_bus(&mock_iommu.iommu_dev, &iommufd_mock_bus,
				    &mock_bus_nb);
	iommu_device_sysfs_remove(&mock_iommu.iommu_dev);
	bus_unregister(&iommufd_mock_bus);
	platform_device_unregister(mock_iommu.pdev);
	mock_msi_domain_destroy();
}
