// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock IOMMU of CONFIG_IOMMUFD_TEST: a software IOMMU driver with its
 * devices on a private bus, which iommufd drives through the IOMMU core like
 * any real one.  The test commands that use it are in selftest.c.
 *
 * Dangerous: test kernels only.
 */
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>

#include "../iommu-priv.h"
#include "common.h"
#include "selftest.h"
#include "selftest_iommu.h"

/*
 * The mock IOMMU
 * ==============
 *
 * One IOMMU instance, registered for the private "iommufd_mock" bus only, so
 * it never meets a real device and real IOMMU drivers never see its devices.
 * Mock devices each get their own group. The IO page size is half a CPU page
 * so that the core's sub-page paths get exercised.
 */
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

static struct mock_pt *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_pt, domain);
}

static struct mock_nested *
to_mock_nested(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_nested, domain);
}

/**
 * mockdev_is - Is this a mock device?
 * @dev: any device
 *
 * Return: true if @dev is on the mock's private bus.
 */
bool mockdev_is(struct device *dev)
{
	return dev->bus == &iommufd_mock_bus;
}

/* Attaching never fails except for a dirty-capable domain on a NO_DIRTY device */
static int mock_pt_attach_dev(struct iommu_domain *domain,
			      struct device *dev)
{
	struct mock_dev *mockdev = to_mock_dev(dev);

	if (domain->dirty_ops &&
	    (mockdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	/*
	 * A nested domain of a virtual IOMMU translates guest IDs: only a
	 * device the guest knows on it (a virtual device) may start using
	 * it. The domain the device is on stays usable: its virtual device
	 * may have gone since, and the core puts the device back on it when
	 * an attach elsewhere fails, which must not fail.
	 */
	if (domain->ops == &mock_nested_ops &&
	    to_mock_nested(domain)->viommu &&
	    to_mock_nested(domain)->viommu != mockdev->viommu &&
	    iommu_get_domain_for_dev(dev) != domain)
		return -ENOENT;
	return 0;
}

/*
 * Set @domain on @pasid of @dev, in place of @old if not NULL. The
 * replacement of IOMMU_TEST_PASID_RESERVED always fails, as a driver that
 * runs out of memory would, leaving @old in place.
 */
static int mock_set_dev_pasid(struct iommu_domain *domain, struct device *dev,
			      ioasid_t pasid, struct iommu_domain *old)
{
	struct mock_dev *mockdev = to_mock_dev(dev);
	int rc;

	if (old && pasid == IOMMU_TEST_PASID_RESERVED)
		return -ENOMEM;
	rc = mock_pt_attach_dev(domain, dev);
	if (rc)
		return rc;
	return xa_err(xa_store(&mockdev->pasid_domains, pasid, domain,
			       GFP_KERNEL));
}

static void mock_remove_dev_pasid(struct device *dev, ioasid_t pasid,
				  struct iommu_domain *domain)
{
	WARN_ON(xa_erase(&to_mock_dev(dev)->pasid_domains, pasid) != domain);
}

/**
 * mockdev_pasid_domain - The domain the mock IOMMU has on a PASID
 * @mockdev: the device
 * @pasid: the PASID
 *
 * Return: the domain, NULL if the PASID blocks DMA.
 */
struct iommu_domain *mockdev_pasid_domain(struct mock_dev *mockdev,
					  u32 pasid)
{
	return xa_load(&mockdev->pasid_domains, pasid);
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
						u32 flags, bool huge)
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
	if (huge || (to_mock_dev(dev)->flags & MOCK_FLAGS_DEVICE_HUGE_IOVA))
		pt->domain.pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	if (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		pt->domain.dirty_ops = &mock_dirty_ops;
	return &pt->domain;
}

static struct iommu_domain *mock_pt_alloc_paging(struct device *dev)
{
	return mock_pt_alloc_flags(dev, 0, false);
}

/**
 * mock_pt_alloc_nested - Allocate a mock nested domain
 * @parent: a mock paging domain
 * @flags: allocation flags; none is accepted
 * @udata: struct iommu_hwpt_selftest
 *
 * Return: the domain or an ERR_PTR.
 */
struct iommu_domain *
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

	struct iommu_hwpt_selftest data = {};
	int rc;

	if (parent)
		return mock_pt_alloc_nested(parent, flags, udata);
	if (flags & ~paging_flags)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    (to_mock_dev(dev)->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return ERR_PTR(-EOPNOTSUPP);
	/* A paging domain's data is its format, pagetable_type */
	if (udata) {
		if (udata->type != IOMMU_HWPT_DATA_SELFTEST)
			return ERR_PTR(-EOPNOTSUPP);
		rc = iommu_copy_struct_from_user(&data, udata,
						 IOMMU_HWPT_DATA_SELFTEST,
						 pagetable_type);
		if (rc)
			return ERR_PTR(rc);
		if (data.pagetable_type != MOCK_IOMMUPT_DEFAULT &&
		    data.pagetable_type != MOCK_IOMMUPT_HUGE)
			return ERR_PTR(-EOPNOTSUPP);
	}
	return mock_pt_alloc_flags(dev, flags,
				   data.pagetable_type == MOCK_IOMMUPT_HUGE);
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
	.set_dev_pasid = mock_set_dev_pasid,
	.map_pages = mock_pt_map_pages,
	.unmap_pages = mock_pt_unmap_pages,
	.iova_to_phys = mock_pt_iova_to_phys,
};

static const struct iommu_domain_ops mock_nested_ops = {
	.free = mock_nested_free,
	.attach_dev = mock_pt_attach_dev,
	.set_dev_pasid = mock_set_dev_pasid,
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
	.remove_dev_pasid = mock_remove_dev_pasid,
	.default_domain_ops = &mock_paging_ops,
};

static void mockdev_release(struct device *dev)
{
	struct mock_dev *mockdev = to_mock_dev(dev);

	ida_free(&mockdev_ida, mockdev->id);
	xa_destroy(&mockdev->pasid_domains);
	kfree(mockdev);
}

static const struct property_entry mock_pasid_props[] = {
	PROPERTY_ENTRY_U32("pasid-num-bits", MOCK_PASID_WIDTH),
	{ }
};

/**
 * mockdev_create - Create and register a mock device
 * @dev_flags: enum iommu_test_dev_flags
 *
 * The IOMMU layer probes it as it is registered.
 *
 * Return: the device, or an ERR_PTR.
 */
struct mock_dev *mockdev_create(u32 dev_flags)
{
	struct mock_dev *mockdev;
	int rc, i;

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
	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		mockdev->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
	init_rwsem(&mockdev->lock);
	xa_init(&mockdev->pasid_domains);
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

/**
 * mockdev_destroy - Unregister and drop a mock device
 * @mockdev: device from mockdev_create()
 */
void mockdev_destroy(struct mock_dev *mockdev)
{
	down_write(&mockdev->lock);
	device_del(&mockdev->dev);
	up_write(&mockdev->lock);
	put_device(&mockdev->dev);
}

/**
 * mock_pt_from_domain - The mock paging domain behind a domain
 * @domain: any domain
 *
 * Return: the mock paging domain, or NULL if @domain is not one.
 */
struct mock_pt *mock_pt_from_domain(struct iommu_domain *domain)
{
	return domain->ops == &mock_paging_ops ? to_mock_domain(domain) : NULL;
}

/**
 * mock_nested_from_domain - The mock nested domain behind a domain
 * @domain: any domain
 *
 * Return: the mock nested domain, or NULL if @domain is not one.
 */
struct mock_nested *mock_nested_from_domain(struct iommu_domain *domain)
{
	return domain->ops == &mock_nested_ops ? to_mock_nested(domain) : NULL;
}

/**
 * mock_pt_maps - Does a mock paging domain map an IO page to an address?
 * @pt: the domain
 * @iova: IOVA of the IO page, MOCK_IO_PAGE_SIZE aligned
 * @paddr: the physical address expected
 *
 * Return: true if the slot of @iova is populated with @paddr.
 */
bool mock_pt_maps(struct mock_pt *pt, unsigned long iova, phys_addr_t paddr)
{
	void *entry = xa_load(&pt->slots, mock_slot(iova));

	return entry && mock_slot_paddr(entry) == paddr;
}

/**
 * mock_pt_mark_dirty - Make the mock IOMMU dirty a range, as DMA would
 * @pt: the domain
 * @start: first IOVA
 * @size: bytes
 *
 * Return: true if a populated slot of [@start, @start + @size) was marked.
 */
bool mock_pt_mark_dirty(struct mock_pt *pt, u64 start, u64 size)
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

	rc = mock_viommu_init(&mock_iommu_ops);
	if (rc)
		goto err_unregister;

	/* Without it the mock devices cannot enable IOPF; nothing else fails */
	mock_iommu.iopf_queue = iopf_queue_alloc("pt-iopfq");
	return 0;

err_unregister:
	iommu_device_unregister_bus(&mock_iommu.iommu_dev, &iommufd_mock_bus,
				    &mock_bus_nb);
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
	mock_viommu_exit();
	iommu_device_unregister_bus(&mock_iommu.iommu_dev, &iommufd_mock_bus,
				    &mock_bus_nb);
	iommu_device_sysfs_remove(&mock_iommu.iommu_dev);
	bus_unregister(&iommufd_mock_bus);
	platform_device_unregister(mock_iommu.pdev);
	mock_msi_domain_destroy();
}
