// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching bound devices to IOASes and HWPTs, replacing and detaching.
 *
 * DMA translation is a property of the IOMMU group, so the attachment is
 * tracked per group (struct iommufd_grp, device.h): every attached device
 * of a group uses the same HWPT, and the group goes back to blocking when
 * its last device detaches. Reserved regions, on the other hand, are per
 * device and are enforced in the IOAS the device translates through.
 * Attaching to an IOAS makes or reuses an automatic paging HWPT of it.
 */
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../dma-iommu.h"
#include "../iommu-priv.h"
#include "device.h"
#include "device_attach.h"
#include "fault.h"
#include "hwpt.h"
#include "ioas.h"

/* iommu_attach_group_handle() and friends */
MODULE_IMPORT_NS(IOMMUFD_INTERNAL);

/**
 * struct iommufd_dev_attach - an attachment of a group
 * @handle: what the IOMMU core and the fault queues see of it
 * @idev: the device that attached the group; its ID is @handle.dev_id
 */
struct iommufd_dev_attach {
	struct iommufd_attach_handle handle;
	struct iommufd_device *idev;
};

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
			iommufd_device_iopf_put(att->idev);
	}
	kfree(att);
	grp->attach = NULL;
}

/*
 * Can @dev take page requests of its own? An SR-IOV VF has no PRI
 * capability of its own but shares its PF's (see pci_enable_pri()), which
 * the PF's owner controls: the VF's user cannot own the page requests.
 */
bool iommufd_dev_owns_pri(struct device *dev)
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
		rc = iommufd_device_iopf_get(idev);
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
		iommufd_device_iopf_put(idev);
err_free:
	kfree(att);
	return rc;
}

/* Can @hwpt take @idev at all? -EINVAL means "try another HWPT" */
int iommufd_hwpt_compatible(struct iommufd_device *idev,
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
	/* A device with PASIDs attached keeps a PASID-capable RID domain */
	if (!hwpt->pasid_compat) {
		struct iommufd_device *cur_dev;

		if (!xa_empty(&idev->pasids))
			return -EINVAL;
		if (replace)
			list_for_each_entry(cur_dev, &grp->devices, group_item)
				if (!xa_empty(&cur_dev->pasids))
					return -EINVAL;
	}
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

	paging = iommufd_paging_hwpt_create(idev->ictx, ioas, idev, 0, NULL,
					    true);
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

/*
 * A no-IOMMU device attaches to an IOAS itself: no domain, the IOAS just
 * keeps its mappings pinned for the device's physical-address DMA. The
 * pinning is done before the group lock is taken and undone if the device
 * turns out to be in the wrong state.
 */
static int iommufd_noiommu_change_pt(struct iommufd_device *idev,
				     u32 *target_id, bool replace)
{
	struct iommufd_grp *grp = idev->grp;
	struct iommufd_ioas *ioas, *old;
	struct iommufd_obj *pt_obj;
	int rc;

	pt_obj = iommufd_obj_find(idev->ictx, *target_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj))
		return PTR_ERR(pt_obj);
	if (pt_obj->type != IOMMUFD_OBJ_IOAS) {
		rc = -EINVAL;
		goto out_put;
	}
	ioas = container_of(pt_obj, struct iommufd_ioas, obj);

	rc = iommufd_ioas_noiommu_attach(ioas);
	if (rc)
		goto out_put;
	mutex_lock(&grp->lock);
	old = idev->noiommu_ioas;
	if (!replace && old)
		rc = -EBUSY;
	else if (replace && !old)
		rc = -EINVAL;
	else
		idev->noiommu_ioas = ioas;
	mutex_unlock(&grp->lock);
	if (rc) {
		iommufd_ioas_noiommu_detach(ioas);
		goto out_put;
	}
	if (old) {
		iommufd_ioas_noiommu_detach(old);
		iommufd_obj_put(idev->ictx, &old->obj);
	}
	/* No HWPT: the IOAS is what the device uses; its reference stays */
	return 0;

out_put:
	iommufd_obj_put(idev->ictx, pt_obj);
	return rc;
}

static void iommufd_noiommu_detach(struct iommufd_device *idev)
{
	struct iommufd_ioas *ioas;

	mutex_lock(&idev->grp->lock);
	ioas = idev->noiommu_ioas;
	idev->noiommu_ioas = NULL;
	mutex_unlock(&idev->grp->lock);
	if (WARN_ON(!ioas))
		return;
	iommufd_ioas_noiommu_detach(ioas);
	iommufd_obj_put(idev->ictx, &ioas->obj);
}

static int iommufd_device_change_pt(struct iommufd_device *idev,
				    u32 *target_id, bool replace)
{
	struct iommufd_grp *grp = idev->grp;
	struct iommufd_hwpt *hwpt, *old;
	struct iommufd_obj *pt_obj;
	bool destroy = false;
	unsigned int nr_old;

	if (idev->noiommu)
		return iommufd_noiommu_change_pt(idev, target_id, replace);

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
 * A no-IOMMU device (iommufd_device_bind_noiommu()) attaches to an IOAS
 * only, without a HWPT: the IOAS keeps its mappings pinned while it is
 * attached, and @target_id stays the IOAS's ID.
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

	if (idev->noiommu) {
		iommufd_noiommu_detach(idev);
		return;
	}

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
