// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding devices to an iommufd context and attaching them to IOASes and
 * HWPTs.
 *
 * Binding claims the DMA ownership of the device through the IOMMU core,
 * which makes the whole IOMMU group refuse kernel drivers and puts it in a
 * blocking domain. DMA translation is a property of the group, so the
 * attachment is tracked per group (struct iommufd_grp): every attached
 * device of a group uses the same HWPT, and the group goes back to blocking
 * when its last device detaches. Reserved regions, on the other hand, are
 * per device and are enforced in the IOAS the device translates through.
 */
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "../dma-iommu.h"
#include "../iommu-priv.h"
#include "device.h"
#include "fault.h"
#include "hwpt.h"
#include "ioas.h"

/* iommu_attach_group_handle() and friends */
MODULE_IMPORT_NS(IOMMUFD_INTERNAL);

static bool msi_unsafe_ok;
module_param_named(allow_unsafe_interrupts, msi_unsafe_ok, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Allow binding devices whose MSI writes the platform cannot isolate (no interrupt remapping or isolating MSI controller). A device could then forge interrupts: a security weakness.");

/**
 * struct iommufd_dev_attach - an attachment of a group
 * @handle: what the IOMMU core and the fault queues see of it
 * @idev: the device that attached the group; its ID is @handle.dev_id
 */
struct iommufd_dev_attach {
	struct iommufd_attach_handle handle;
	struct iommufd_device *idev;
};

/**
 * struct iommufd_grp - an IOMMU group whose DMA a context owns
 * @kref: one reference per bound device of the group
 * @lock: serialises attach, replace and detach of the group's devices and
 *	protects @hwpt and @devices. Taken before any IOAS hwpts_lock.
 * @ictx: the context that owns the group's DMA
 * @group: the IOMMU group, one reference held
 * @hwpt: the HWPT the group is attached to, NULL while it is blocked
 * @attach: the attach handle of that attachment, NULL while blocked
 * @devices: the attached devices (struct iommufd_device.group_item)
 */
struct iommufd_grp {
	struct kref kref;
	struct mutex lock; /* see above */
	struct iommufd_ctx *ictx;
	struct iommu_group *group;
	struct iommufd_hwpt *hwpt;
	struct iommufd_dev_attach *attach;
	struct list_head devices;
};

/*
 * iommu_group_id -> struct iommufd_grp. A group's DMA is owned by one
 * context at a time, and a group entry is removed before that ownership is
 * released, so a lookup never finds another context's group.
 */
static DEFINE_XARRAY(iommufd_grps);
static DEFINE_MUTEX(iommufd_grps_lock);

static struct iommufd_grp *iommufd_grp_get(struct iommufd_ctx *ictx,
					   struct device *dev)
{
	struct iommufd_grp *grp;
	struct iommu_group *group;
	int rc;

	group = iommu_group_get(dev);
	if (!group)
		return ERR_PTR(-ENODEV);

	mutex_lock(&iommufd_grps_lock);
	grp = xa_load(&iommufd_grps, iommu_group_id(group));
	if (grp) {
		if (WARN_ON(grp->ictx != ictx))
			grp = ERR_PTR(-EBUSY);
		else
			kref_get(&grp->kref);
		goto out_put_group;
	}

	grp = kzalloc(sizeof(*grp), GFP_KERNEL);
	if (!grp) {
		grp = ERR_PTR(-ENOMEM);
		goto out_put_group;
	}
	kref_init(&grp->kref);
	mutex_init(&grp->lock);
	INIT_LIST_HEAD(&grp->devices);
	grp->ictx = ictx;
	grp->group = group;
	rc = xa_err(xa_store(&iommufd_grps, iommu_group_id(group), grp,
			     GFP_KERNEL));
	if (rc) {
		mutex_destroy(&grp->lock);
		kfree(grp);
		grp = ERR_PTR(rc);
		goto out_put_group;
	}
	mutex_unlock(&iommufd_grps_lock);
	return grp;

out_put_group:
	mutex_unlock(&iommufd_grps_lock);
	iommu_group_put(group);
	return grp;
}

static void iommufd_grp_release(struct kref *kref)
{
	struct iommufd_grp *grp =
		container_of(kref, struct iommufd_grp, kref);

	WARN_ON(grp->hwpt || !list_empty(&grp->devices));
	xa_erase(&iommufd_grps, iommu_group_id(grp->group));
	iommu_group_put(grp->group);
	mutex_destroy(&grp->lock);
	kfree(grp);
}

static void iommufd_grp_put(struct iommufd_grp *grp)
{
	mutex_lock(&iommufd_grps_lock);
	kref_put(&grp->kref, iommufd_grp_release);
	mutex_unlock(&iommufd_grps_lock);
}

/**
 * iommufd_ctx_has_group - Is a device of this IOMMU group bound to a context?
 * @ictx: the context
 * @group: the IOMMU group
 *
 * Return: true if at least one device of @group is bound to @ictx.
 */
bool iommufd_ctx_has_group(struct iommufd_ctx *ictx, struct iommu_group *group)
{
	struct iommufd_grp *grp;
	bool ret;

	if (!ictx || !group)
		return false;

	mutex_lock(&iommufd_grps_lock);
	grp = xa_load(&iommufd_grps, iommu_group_id(group));
	ret = grp && grp->ictx == ictx;
	mutex_unlock(&iommufd_grps_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iommufd_ctx_has_group);

/*
 * Without isolation a device can write any MSI message, i.e. raise any
 * interrupt of the system, by DMA.
 */
static int iommufd_check_msi_isolation(struct device *dev,
				       struct iommu_group *group)
{
	if (iommu_group_has_isolated_msi(group))
		return 0;
	if (!msi_unsafe_ok) {
		dev_warn_once(dev,
			      "refusing to bind: the platform cannot isolate the device's MSI writes (no interrupt remapping or isolating MSI controller); iommufd.allow_unsafe_interrupts=1 overrides this\n");
		return -EPERM;
	}
	dev_warn_once(dev,
		      "binding although the device's MSI writes are not isolated (allow_unsafe_interrupts)\n");
	return 0;
}

static void iommufd_device_destroy(struct iommufd_obj *obj)
{
	struct iommufd_device *idev = container_of(obj, typeof(*idev), obj);

	WARN_ON(!list_empty(&idev->group_item));
	/* The group entry goes first: see iommufd_grps */
	iommufd_grp_put(idev->grp);
	iommu_device_release_dma_owner(idev->dev);
	if (idev->holds_ctx)
		iommufd_ctx_put(idev->ictx);
}

static const struct iommufd_obj_ops iommufd_device_ops = {
	.release = iommufd_device_destroy,
};

/**
 * iommufd_device_find - look up a device by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the device with a reference held (drop it with
 * iommufd_obj_put()), or ERR_PTR(-ENOENT).
 */
struct iommufd_device *iommufd_device_find(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_obj *obj = iommufd_obj_find(ictx, id, IOMMUFD_OBJ_DEVICE);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_device, obj);
}

static struct iommufd_device *__iommufd_device_bind(struct iommufd_ctx *ictx,
						    struct device *dev,
						    u32 *id, bool hold_ctx)
{
	struct iommufd_grp *grp;
	struct iommufd_device *idev;
	int rc;

	if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		return ERR_PTR(-EINVAL);

	rc = iommu_device_claim_dma_owner(dev, ictx);
	if (rc)
		return ERR_PTR(rc);

	grp = iommufd_grp_get(ictx, dev);
	if (IS_ERR(grp)) {
		rc = PTR_ERR(grp);
		goto err_release_owner;
	}

	rc = iommufd_check_msi_isolation(dev, grp->group);
	if (rc)
		goto err_put_group;

	idev = iommufd_obj_new(ictx, idev, IOMMUFD_OBJ_DEVICE,
			       &iommufd_device_ops);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto err_put_group;
	}
	idev->ictx = ictx;
	idev->dev = dev;
	idev->grp = grp;
	idev->holds_ctx = hold_ctx;
	idev->can_force_coherent =
		device_iommu_capable(dev, IOMMU_CAP_ENFORCE_CACHE_COHERENCY);
	INIT_LIST_HEAD(&idev->group_item);
	if (hold_ctx)
		iommufd_ctx_get(ictx);
	/* The binder's reference, dropped by iommufd_device_unbind() */
	iommufd_obj_hold(&idev->obj);
	iommufd_obj_publish(ictx, &idev->obj);
	*id = idev->obj.id;
	return idev;

err_put_group:
	iommufd_grp_put(grp);
err_release_owner:
	iommu_device_release_dma_owner(dev);
	return ERR_PTR(rc);
}

/**
 * iommufd_device_bind - Bind a device to an iommufd context
 * @ictx: the context
 * @dev: the device, which must be behind an IOMMU
 * @id: output: the object ID of the new device object
 *
 * Claims DMA ownership of @dev for @ictx: from now on the device's IOMMU
 * group cannot be used by kernel drivers, and its devices can only do DMA
 * through HWPTs of @ictx. The device starts out blocked. A group may have
 * several bound devices, all in the same context. The device object holds
 * a reference on @ictx until it is unbound.
 *
 * The device must do cache-coherent DMA, and its MSI writes must be isolated
 * unless the allow_unsafe_interrupts module parameter says otherwise.
 *
 * Return: the device object, or an ERR_PTR: -ENODEV if @dev has no IOMMU
 * group, -EBUSY/-EPERM if the group is used by a driver or another owner,
 * -EINVAL if DMA is not coherent, -EPERM if MSI is not isolated.
 */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct device *dev, u32 *id)
{
	return __iommufd_device_bind(ictx, dev, id, true);
}
EXPORT_SYMBOL_GPL(iommufd_device_bind);

/**
 * iommufd_device_bind_internal - Bind a device for an object of the context
 * @ictx: the context
 * @dev: the device
 * @id: output: the object ID of the new device object
 *
 * As iommufd_device_bind(), for a binder that is itself an object of @ictx
 * (the test mock's selftest object) and unbinds the device when it is
 * destroyed: the device object holds no reference on @ictx, which would
 * keep the context, and so the binder, alive forever.
 *
 * Return: as iommufd_device_bind().
 */
struct iommufd_device *iommufd_device_bind_internal(struct iommufd_ctx *ictx,
						    struct device *dev,
						    u32 *id)
{
	return __iommufd_device_bind(ictx, dev, id, false);
}

/**
 * iommufd_device_unbind - Undo iommufd_device_bind()
 * @idev: the device object; it must be detached
 *
 * Destroys the device object. When the last bound device of the IOMMU group
 * goes, the group's DMA ownership is released and kernel drivers may use it
 * again.
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	iommufd_obj_destroy_held(idev->ictx, &idev->obj);
}
EXPORT_SYMBOL_GPL(iommufd_device_unbind);

/**
 * iommufd_device_to_ictx - The context a device is bound to
 * @idev: the device object
 *
 * Return: the context.
 */
struct iommufd_ctx *iommufd_device_to_ictx(struct iommufd_device *idev)
{
	return idev->ictx;
}
EXPORT_SYMBOL_GPL(iommufd_device_to_ictx);

/**
 * iommufd_device_to_id - The object ID of a device object
 * @idev: the device object
 *
 * Return: the ID.
 */
u32 iommufd_device_to_id(struct iommufd_device *idev)
{
	return idev->obj.id;
}
EXPORT_SYMBOL_GPL(iommufd_device_to_id);

/* Reserve the device's reserved regions (MSI windows, RMRRs...) in @ioas */
static int iommufd_device_enforce_resv(struct iommufd_device *idev,
				       struct iommufd_hwpt *hwpt)
{
	struct iommufd_ioas *ioas = iommufd_hwpt_ioas(hwpt);

	lockdep_assert_held(&ioas->hwpts_lock);
	return isp_reserve_dev_regions(&ioas->isp, idev->dev, NULL);
}

/* The start of @dev's software MSI window, PHYS_ADDR_MAX if it has none */
static phys_addr_t iommufd_device_sw_msi_start(struct device *dev)
{
	phys_addr_t start = PHYS_ADDR_MAX;
	struct iommu_resv_region *region;
	LIST_HEAD(regions);

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list)
		if (region->type == IOMMU_RESV_SW_MSI)
			start = region->start;
	iommu_put_resv_regions(dev, &regions);
	return start;
}

/*
 * Where the IOMMU translates MSI writes (a software MSI window, as with
 * SMMUv3 or virtio-iommu and a GICv3 ITS), make the window work in @hwpt
 * before the devices of @devs move there from @old (NULL: from blocking),
 * on every attach and replace.  The paging domain that translates (the
 * parent of a nested HWPT) gets an MSI cookie, so that vectors allocated
 * from now on get their doorbell mapped in it.  Vectors allocated before
 * keep the IOVA their doorbell had in @old's domain: those pages are mapped
 * at the same IOVAs in the new domain, or the interrupts would stop.
 */
static int iommufd_grp_setup_msi(struct list_head *devs,
				 struct iommufd_hwpt *old,
				 struct iommufd_hwpt *hwpt)
{
	struct iommufd_paging_hwpt *paging = iommufd_hwpt_to_paging(hwpt);
	phys_addr_t sw_msi_start = PHYS_ADDR_MAX;
	struct iommufd_paging_hwpt *old_paging;
	struct iommufd_device *cur;
	int rc;

	lockdep_assert_held(&paging->ioas->hwpts_lock);
	list_for_each_entry(cur, devs, group_item) {
		sw_msi_start = iommufd_device_sw_msi_start(cur->dev);
		if (sw_msi_start != PHYS_ADDR_MAX)
			break;
	}
	if (sw_msi_start == PHYS_ADDR_MAX)
		return 0;

	if (!paging->msi_cookie) {
		rc = iommu_get_msi_cookie(paging->base.domain, sw_msi_start);
		if (rc)
			return rc;
		paging->msi_cookie = true;
	}
	if (!old)
		return 0;
	/*
	 * The group was attached to @old with these devices, so its cookie
	 * (if any) was set up then, under the group lock we hold.
	 */
	old_paging = iommufd_hwpt_to_paging(old);
	if (!old_paging->msi_cookie)
		return 0;
	return iommu_dma_copy_msi_pages(paging->base.domain,
					old_paging->base.domain);
}

/* Enforce the reserved regions of every device in @list in @hwpt's IOAS */
static int iommufd_grp_enforce_resv(struct list_head *list,
				    struct iommufd_hwpt *hwpt)
{
	struct iommufd_ioas *ioas = iommufd_hwpt_ioas(hwpt);
	struct iommufd_device *cur, *undo;
	int rc;

	list_for_each_entry(cur, list, group_item) {
		rc = iommufd_device_enforce_resv(cur, hwpt);
		if (rc)
			goto err_undo;
	}
	return 0;

err_undo:
	list_for_each_entry(undo, list, group_item) {
		if (undo == cur)
			break;
		isp_unreserve_tag(&ioas->isp, undo->dev);
	}
	return rc;
}

/*
 * The group left @old, for @new or (@new NULL) for blocking: answer the
 * faults of the old attachment that nobody will answer any more, and stop
 * page requests when no fault queue takes them.
 */
static void iommufd_grp_handle_done(struct iommufd_grp *grp,
				    struct iommufd_hwpt *old,
				    struct iommufd_hwpt *new)
{
	struct iommufd_dev_attach *att = grp->attach;

	if (old->fault) {
		iommufd_fault_auto_response(old->fault, &att->handle.core);
		if (!new || !new->fault)
			iommu_dev_disable_feature(att->idev->dev,
						  IOMMU_DEV_FEAT_IOPF);
	}
	kfree(att);
	grp->attach = NULL;
}

/*
 * Can @dev take page requests of its own? An SR-IOV VF has no PRI
 * capability of its own but shares its PF's (see pci_enable_pri()), which
 * the PF's owner controls: the VF's user cannot own the page requests.
 */
static bool iommufd_dev_owns_pri(struct device *dev)
{
	return !dev_is_pci(dev) || !to_pci_dev(dev)->is_virtfn;
}

/*
 * Switch the group's domain from @old (NULL: blocking) to @hwpt's, with a
 * new attach handle naming @idev, without passing through any other domain.
 * A fault-capable @hwpt needs a device that owns its page requests:
 * -EOPNOTSUPP otherwise.
 */
static int iommufd_grp_set_domain(struct iommufd_grp *grp,
				  struct iommufd_device *idev,
				  struct iommufd_hwpt *old,
				  struct iommufd_hwpt *hwpt)
{
	bool enable_iopf = hwpt->fault && !(old && old->fault);
	struct iommufd_dev_attach *att;
	int rc;

	if (hwpt->fault && !iommufd_dev_owns_pri(idev->dev))
		return -EOPNOTSUPP;
	att = kzalloc(sizeof(*att), GFP_KERNEL);
	if (!att)
		return -ENOMEM;
	att->idev = idev;
	att->handle.dev_id = idev->obj.id;

	if (enable_iopf) {
		rc = iommu_dev_enable_feature(idev->dev, IOMMU_DEV_FEAT_IOPF);
		if (rc)
			goto err_free;
	}
	if (old)
		rc = iommu_replace_group_handle(grp->group, hwpt->domain,
						&att->handle.core);
	else
		rc = iommu_attach_group_handle(hwpt->domain, grp->group,
					       &att->handle.core);
	if (rc)
		goto err_iopf;

	if (old)
		iommufd_grp_handle_done(grp, old, hwpt);
	grp->attach = att;
	return 0;

err_iopf:
	if (enable_iopf)
		iommu_dev_disable_feature(idev->dev, IOMMU_DEV_FEAT_IOPF);
err_free:
	kfree(att);
	return rc;
}

/* Can @hwpt take @idev at all? -EINVAL means "try another HWPT" */
static int iommufd_hwpt_compatible(struct iommufd_device *idev,
				   struct iommufd_hwpt *hwpt)
{
	struct iommufd_paging_hwpt *paging;

	/*
	 * A domain only works with devices of the IOMMU driver that made it.
	 * The core checks this on attach but not on replace, so check here
	 * for both.
	 */
	if (hwpt->domain->owner != dev_iommu_ops(idev->dev))
		return -EINVAL;
	if (!iommufd_hwpt_is_paging(hwpt) || !idev->can_force_coherent)
		return 0;
	paging = as_paging_hwpt(hwpt);
	if (paging->coherent)
		return 0;
	return iommufd_paging_hwpt_enforce_cc(paging);
}

/*
 * Make @hwpt the translation of @idev's group, with the new IOAS's hwpts_lock
 * held. On success the devices moved onto @hwpt have taken references on
 * it, and the previous HWPT (with the number of devices that left it) is
 * returned through @old/@nr_old for iommufd_device_release_hwpt(), which
 * must be called after the IOAS lock is dropped.
 */
static int iommufd_device_set_hwpt_locked(struct iommufd_device *idev,
					  struct iommufd_hwpt *hwpt,
					  bool replace,
					  struct iommufd_hwpt **old,
					  unsigned int *nr_old)
{
	struct iommufd_paging_hwpt *paging = iommufd_hwpt_to_paging(hwpt);
	struct iommufd_grp *grp = idev->grp;
	struct iommufd_hwpt *cur = grp->hwpt;
	bool attached = !list_empty(&idev->group_item);
	bool fill_after = false;
	LIST_HEAD(single);
	struct list_head *moving;
	unsigned int n, i;
	int rc;

	lockdep_assert_held(&grp->lock);
	*old = NULL;
	*nr_old = 0;

	if (replace != attached)
		return attached ? -EBUSY : -EINVAL;
	if (replace && cur == hwpt)
		return 0;
	/* All attached devices of a group share one translation */
	if (!replace && cur && cur != hwpt)
		return -EINVAL;

	rc = iommufd_hwpt_compatible(idev, hwpt);
	if (rc)
		return rc;
	/* Faults are traced to one device: one device per fault-capable group */
	if (hwpt->fault && !list_empty(&grp->devices) &&
	    !list_is_singular(&grp->devices))
		return -EINVAL;
	if (hwpt->fault && !replace && cur)
		return -EINVAL;
	/*
	 * A domain that its driver finishes at the first attach is filled
	 * right after that attach; meanwhile the group translates through
	 * the empty domain, which only a group that does no DMA yet may do.
	 * Once finished (an earlier attach failed later on), it is filled
	 * before the attach like any other.
	 */
	if (paging->unfilled) {
		fill_after = !iommufd_domain_finished(paging->base.domain);
		if (fill_after && cur)
			return -EOPNOTSUPP;
		if (!fill_after) {
			rc = iommufd_paging_hwpt_fill(paging);
			if (rc)
				return rc;
		}
	}

	if (replace) {
		moving = &grp->devices;
		n = list_count_nodes(moving);
	} else {
		list_add(&idev->group_item, &single);
		moving = &single;
		n = 1;
	}
	/* Devices staying in the same IOAS keep their reservations there */
	if (!replace || iommufd_hwpt_ioas(cur) != iommufd_hwpt_ioas(hwpt)) {
		rc = iommufd_grp_enforce_resv(moving, hwpt);
		if (rc)
			goto out_unlist;
	}
	rc = iommufd_grp_setup_msi(moving, replace ? cur : NULL, hwpt);
	if (rc)
		goto err_unresv;

	if (replace || !cur) {
		rc = iommufd_grp_set_domain(grp, idev, cur, hwpt);
		if (rc)
			goto err_unresv;
	}
	if (fill_after) {
		rc = iommufd_paging_hwpt_fill(paging);
		if (rc) {
			/* Back to blocking, where the group came from */
			iommu_detach_group_handle(hwpt->domain, grp->group);
			iommufd_grp_handle_done(grp, hwpt, NULL);
			goto err_unresv;
		}
	}

	for (i = 0; i != n; i++)
		iommufd_obj_hold(&hwpt->obj);
	hwpt->ndevices += n;
	*old = replace ? cur : NULL;
	*nr_old = replace ? n : 0;
	grp->hwpt = hwpt;
	if (!replace) {
		list_del(&idev->group_item);
		list_add_tail(&idev->group_item, &grp->devices);
	}
	return 0;

err_unresv:
	if (!replace || iommufd_hwpt_ioas(cur) != iommufd_hwpt_ioas(hwpt)) {
		struct iommufd_device *d;

		list_for_each_entry(d, moving, group_item)
			isp_unreserve_tag(&iommufd_hwpt_ioas(hwpt)->isp,
					  d->dev);
	}
out_unlist:
	if (!replace)
		list_del_init(&idev->group_item);
	return rc;
}

/*
 * @nr devices of @devs (or just @idev when @devs is NULL) left @hwpt: drop
 * their reservations in its IOAS unless they stay in @keep_ioas.  Called
 * with the group lock held; the devices' references on @hwpt are dropped
 * afterwards by iommufd_hwpt_put_devices().
 *
 * Return: true if @hwpt is an automatic HWPT that just lost its last device
 * and must be destroyed with those references.
 */
static bool iommufd_device_release_hwpt(struct iommufd_ctx *ictx,
					struct iommufd_hwpt *hwpt,
					struct list_head *devs,
					struct iommufd_device *idev,
					unsigned int nr,
					struct iommufd_ioas *keep_ioas)
{
	struct iommufd_ioas *ioas = iommufd_hwpt_ioas(hwpt);
	struct iommufd_paging_hwpt *paging = NULL;
	struct iommufd_device *d;

	mutex_lock(&ioas->hwpts_lock);
	if (ioas != keep_ioas) {
		if (devs) {
			list_for_each_entry(d, devs, group_item)
				isp_unreserve_tag(&ioas->isp, d->dev);
		} else {
			isp_unreserve_tag(&ioas->isp, idev->dev);
		}
	}
	hwpt->ndevices -= nr;
	if (iommufd_hwpt_is_paging(hwpt) && as_paging_hwpt(hwpt)->auto_domain &&
	    !hwpt->ndevices) {
		paging = as_paging_hwpt(hwpt);
		list_del_init(&paging->auto_link);
	}
	mutex_unlock(&ioas->hwpts_lock);
	return paging;
}

/*
 * Drop the references of @nr devices that left @hwpt, destroying it with the
 * last one if @destroy.  Never called with a group lock held: destroying
 * waits for transient references, and an attach of another device of the
 * group may hold one while it waits for that lock.
 */
static void iommufd_hwpt_put_devices(struct iommufd_ctx *ictx,
				     struct iommufd_hwpt *hwpt,
				     unsigned int nr, bool destroy)
{
	unsigned int i;

	for (i = 0; i != nr; i++) {
		if (destroy && i == nr - 1)
			iommufd_obj_destroy_held(ictx, &hwpt->obj);
		else
			iommufd_obj_put(ictx, &hwpt->obj);
	}
}

/*
 * Attach to, or replace onto, an IOAS: reuse the first automatic HWPT of the
 * IOAS that takes the device, or make a new one.
 */
static struct iommufd_hwpt *
iommufd_device_set_ioas(struct iommufd_device *idev, struct iommufd_ioas *ioas,
			bool replace, struct iommufd_hwpt **old,
			unsigned int *nr_old)
{
	struct iommufd_paging_hwpt *paging;
	int rc;

	mutex_lock(&ioas->hwpts_lock);
	list_for_each_entry(paging, &ioas->auto_hwpts, auto_link) {
		rc = iommufd_device_set_hwpt_locked(idev, &paging->base,
						    replace, old, nr_old);
		if (rc != -EINVAL)
			goto out_unlock;
	}

	paging = iommufd_paging_hwpt_create(idev->ictx, ioas, idev, 0, true);
	if (IS_ERR(paging)) {
		rc = PTR_ERR(paging);
		goto out_unlock;
	}
	rc = iommufd_device_set_hwpt_locked(idev, &paging->base, replace,
					    old, nr_old);
	if (rc) {
		iommufd_obj_discard(idev->ictx,
				    &paging->base.obj);
		goto out_unlock;
	}
	list_add_tail(&paging->auto_link, &ioas->auto_hwpts);
	iommufd_obj_publish(idev->ictx, &paging->base.obj);

out_unlock:
	mutex_unlock(&ioas->hwpts_lock);
	return rc ? ERR_PTR(rc) : &paging->base;
}

static struct iommufd_hwpt *
iommufd_device_set_hwpt(struct iommufd_device *idev,
			struct iommufd_hwpt *hwpt, bool replace,
			struct iommufd_hwpt **old, unsigned int *nr_old)
{
	struct iommufd_ioas *ioas = iommufd_hwpt_ioas(hwpt);
	int rc;

	mutex_lock(&ioas->hwpts_lock);
	/* An automatic HWPT off its IOAS's list is being destroyed */
	if (iommufd_hwpt_is_paging(hwpt) && as_paging_hwpt(hwpt)->auto_domain &&
	    list_empty(&as_paging_hwpt(hwpt)->auto_link))
		rc = -ENOENT;
	else
		rc = iommufd_device_set_hwpt_locked(idev, hwpt, replace, old,
						    nr_old);
	mutex_unlock(&ioas->hwpts_lock);
	return rc ? ERR_PTR(rc) : hwpt;
}

static int iommufd_device_change_pt(struct iommufd_device *idev,
				    u32 *target_id, bool replace)
{
	struct iommufd_grp *grp = idev->grp;
	struct iommufd_hwpt *hwpt, *old;
	struct iommufd_obj *pt_obj;
	bool destroy = false;
	unsigned int nr_old;

	pt_obj = iommufd_obj_find(idev->ictx, *target_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj))
		return PTR_ERR(pt_obj);

	mutex_lock(&grp->lock);
	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		hwpt = container_of(pt_obj, struct iommufd_hwpt, obj);
		hwpt = iommufd_device_set_hwpt(idev, hwpt, replace, &old,
					       &nr_old);
		break;
	case IOMMUFD_OBJ_IOAS:
		hwpt = iommufd_device_set_ioas(idev,
					       container_of(pt_obj,
							    struct iommufd_ioas,
							    obj),
					       replace, &old, &nr_old);
		break;
	default:
		hwpt = ERR_PTR(-EINVAL);
		break;
	}
	if (!IS_ERR(hwpt) && old)
		destroy = iommufd_device_release_hwpt(idev->ictx, old,
						      &grp->devices, NULL,
						      nr_old,
						      iommufd_hwpt_ioas(hwpt));
	mutex_unlock(&grp->lock);
	if (!IS_ERR(hwpt) && old)
		iommufd_hwpt_put_devices(idev->ictx, old, nr_old, destroy);
	iommufd_obj_put(idev->ictx, pt_obj);

	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	*target_id = hwpt->obj.id;
	return 0;
}

/**
 * iommufd_device_attach - Attach a device to an IOAS or HWPT
 * @idev: a bound, detached device
 * @target_id: input: ID of an IOAS or HWPT; output: ID of the HWPT attached
 *
 * Attaching to a HWPT uses its domain. Attaching to an IOAS reuses an
 * automatically created paging HWPT of that IOAS if its domain accepts the
 * device, or creates one; an automatic HWPT is destroyed when its last device
 * detaches. The device's reserved regions are reserved in the IOAS; the
 * attach fails, changing nothing, if they or the domain's aperture conflict
 * with existing mappings. Other bound devices of the IOMMU group that are
 * attached must be attached to the same HWPT.
 *
 * Return: 0, or -ENOENT (no such object), -EINVAL (wrong object type or
 * incompatible HWPT), -EBUSY (already attached), -EOPNOTSUPP (the HWPT's
 * domain is one its driver finishes at its first attach, and the group
 * already translates through another HWPT, as for every replace), other
 * errors of the IOMMU driver and of filling a new domain.
 */
int iommufd_device_attach(struct iommufd_device *idev, u32 *target_id)
{
	return iommufd_device_change_pt(idev, target_id, false);
}
EXPORT_SYMBOL_GPL(iommufd_device_attach);

/**
 * iommufd_device_replace - Move an attached device to another IOAS or HWPT
 * @idev: an attached device
 * @target_id: input: ID of an IOAS or HWPT; output: ID of the HWPT attached
 *
 * Like iommufd_device_attach(), but the IOMMU group switches from its current
 * domain straight to the new one, never passing through a blocking, default
 * or identity domain; all attached devices of the group move. Replacing with
 * the HWPT already attached does nothing. On failure the old attachment
 * stays.
 *
 * Return: 0 or an error as for iommufd_device_attach(); -EINVAL if @idev is
 * not attached.
 */
int iommufd_device_replace(struct iommufd_device *idev, u32 *target_id)
{
	return iommufd_device_change_pt(idev, target_id, true);
}
EXPORT_SYMBOL_GPL(iommufd_device_replace);

/**
 * iommufd_device_detach - Detach a device
 * @idev: an attached device
 *
 * The device leaves its HWPT and its reserved regions leave the IOAS. When it
 * was the last attached device of its IOMMU group, the group is blocked: it
 * never returns to the kernel's default domain while bound.
 */
void iommufd_device_detach(struct iommufd_device *idev)
{
	struct iommufd_grp *grp = idev->grp;
	struct iommufd_hwpt *hwpt;
	bool destroy;

	mutex_lock(&grp->lock);
	hwpt = grp->hwpt;
	if (WARN_ON(!hwpt || list_empty(&idev->group_item))) {
		mutex_unlock(&grp->lock);
		return;
	}
	list_del_init(&idev->group_item);
	if (list_empty(&grp->devices)) {
		iommu_detach_group_handle(hwpt->domain, grp->group);
		iommufd_grp_handle_done(grp, hwpt, NULL);
		grp->hwpt = NULL;
	}
	destroy = iommufd_device_release_hwpt(idev->ictx, hwpt, NULL, idev, 1,
					      NULL);
	mutex_unlock(&grp->lock);
	iommufd_hwpt_put_devices(idev->ictx, hwpt, 1, destroy);
}
EXPORT_SYMBOL_GPL(iommufd_device_detach);
