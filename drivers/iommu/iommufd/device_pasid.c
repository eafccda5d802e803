// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching HWPTs to the PASIDs of a bound device, replacing and detaching.
 *
 * A PASID attachment belongs to one device (its iommufd_device.pasids),
 * and is changed under the lock of the device's group, which also covers
 * the RID attachment, so that the rules between the two hold:
 *
 *  - only a HWPT allocated with IOMMU_HWPT_ALLOC_PASID may be attached to
 *    a PASID, never an IOAS (its automatic HWPTs are made for RIDs);
 *  - while a PASID of the device is attached, its RID is blocked or
 *    attached to such a HWPT (device_attach.c refuses the others);
 *  - a PASID is attached once; replace moves it without a blocked gap
 *    (iommu_replace_device_pasid()) and leaves it as it was on failure.
 *
 * Each attachment holds a reference on its HWPT, so IOMMU_DESTROY of an
 * attached HWPT fails with EBUSY. Unbinding a device detaches its PASIDs
 * (device.c). The device's reserved regions are not reserved in the IOAS
 * for a PASID attachment: they concern the RID's translation.
 */
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "../iommu-priv.h"
#include "device.h"
#include "device_attach.h"
#include "fault.h"
#include "hwpt.h"
#include "ioas.h"

/*
 * Can @pasid of @idev take @hwpt? Called with the group lock held; makes
 * the domain block non-coherent DMA and mirror its IOAS if it has to.
 */
static int iommufd_pasid_compatible(struct iommufd_device *idev, u32 pasid,
				    struct iommufd_hwpt *hwpt)
{
	struct iommufd_paging_hwpt *paging = iommufd_hwpt_to_paging(hwpt);
	u32 max_pasids = idev->dev->iommu ? idev->dev->iommu->max_pasids : 0;
	struct iommufd_hwpt *rid_hwpt = idev->grp->hwpt;
	int rc;

	lockdep_assert_held(&idev->grp->lock);
	if (!hwpt->pasid_compat)
		return -EINVAL;
	if (pasid == IOMMU_NO_PASID || pasid >= max_pasids)
		return -EINVAL;
	/* The RID's domain must be one that lets PASIDs be attached */
	if (rid_hwpt && !rid_hwpt->pasid_compat)
		return -EINVAL;
	if (hwpt->fault && !iommufd_dev_owns_pri(idev->dev))
		return -EOPNOTSUPP;

	mutex_lock(&paging->ioas->hwpts_lock);
	rc = iommufd_hwpt_compatible(idev, hwpt);
	/* A domain its driver finishes at the first attach needs a RID first */
	if (!rc && paging->unfilled) {
		if (iommufd_domain_finished(paging->base.domain))
			rc = iommufd_paging_hwpt_fill(paging);
		else
			rc = -EOPNOTSUPP;
	}
	mutex_unlock(&paging->ioas->hwpts_lock);
	return rc;
}

/*
 * Attach (@replace false) or replace (@replace true) @pasid of @idev with
 * the HWPT @hwpt. The ended attachment, if any, is put on @ended.
 */
static int iommufd_device_pasid_set_locked(struct iommufd_device *idev,
					   u32 pasid, struct iommufd_hwpt *hwpt,
					   bool replace, struct list_head *ended)
{
	struct iommufd_pasid_att *old, *att;
	bool iopf_get;
	void *curr;
	int rc;

	lockdep_assert_held(&idev->grp->lock);
	old = xa_load(&idev->pasids, pasid);
	if (!replace && old)
		return -EBUSY;
	if (replace && !old)
		return -EINVAL;
	if (replace && old->hwpt_obj == &hwpt->obj)
		return 0;
	rc = iommufd_pasid_compatible(idev, pasid, hwpt);
	if (rc)
		return rc;

	att = kzalloc(sizeof(*att), GFP_KERNEL);
	if (!att)
		return -ENOMEM;
	att->handle.dev_id = idev->obj.id;
	att->hwpt_obj = &hwpt->obj;
	att->fault = hwpt->fault;
	att->pasid = pasid;

	iopf_get = hwpt->fault && !(old && old->fault);
	if (iopf_get) {
		rc = iommufd_device_iopf_get(idev);
		if (rc)
			goto err_free;
	}
	if (replace) {
		rc = iommu_replace_device_pasid(hwpt->domain, idev->dev, pasid,
						&att->handle.core);
		if (rc)
			goto err_iopf;
		/* Overwriting a present entry allocates nothing */
		curr = xa_store(&idev->pasids, pasid, att, GFP_KERNEL);
		WARN_ON(xa_is_err(curr));
		if (old->fault) {
			iommufd_fault_auto_response(old->fault,
						    &old->handle.core);
			if (!hwpt->fault)
				iommufd_device_iopf_put(idev);
		}
		list_add_tail(&old->free_item, ended);
	} else {
		rc = xa_insert(&idev->pasids, pasid, att, GFP_KERNEL);
		if (rc)
			goto err_iopf;
		rc = iommu_attach_device_pasid(hwpt->domain, idev->dev, pasid,
					       &att->handle.core);
		if (rc) {
			xa_erase(&idev->pasids, pasid);
			goto err_iopf;
		}
	}
	iommufd_obj_hold(&hwpt->obj);
	return 0;

err_iopf:
	if (iopf_get)
		iommufd_device_iopf_put(idev);
err_free:
	kfree(att);
	return rc;
}

static int iommufd_device_pasid_set(struct iommufd_device *idev, u32 pasid,
				    u32 *pt_id, bool replace)
{
	struct iommufd_obj *pt_obj;
	LIST_HEAD(ended);
	int rc;

	pt_obj = iommufd_obj_find(idev->ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj))
		return PTR_ERR(pt_obj);
	/* Not an IOAS: its automatic HWPTs are made for the RID only */
	if (pt_obj->type != IOMMUFD_OBJ_HWPT_PAGING &&
	    pt_obj->type != IOMMUFD_OBJ_HWPT_NESTED) {
		rc = -EINVAL;
		goto out_put;
	}

	mutex_lock(&idev->grp->lock);
	rc = iommufd_device_pasid_set_locked(idev, pasid,
					     container_of(pt_obj,
							  struct iommufd_hwpt,
							  obj),
					     replace, &ended);
	mutex_unlock(&idev->grp->lock);
	iommufd_device_pasid_free(idev, &ended);
out_put:
	iommufd_obj_put(idev->ictx, pt_obj);
	return rc;
}

/**
 * iommufd_device_pasid_attach - Attach a HWPT to a PASID of a device
 * @idev: a bound device
 * @pasid: a PASID the device can use, not IOMMU_NO_PASID
 * @pt_id: ID of a HWPT allocated with IOMMU_HWPT_ALLOC_PASID; unchanged
 *
 * DMA of the device tagged with @pasid is translated by the HWPT from now
 * on, and its I/O page faults go to the HWPT's fault queue, if any.
 *
 * Return: 0, or -ENOENT (no such object), -EINVAL (an IOAS or another
 * object, a HWPT without IOMMU_HWPT_ALLOC_PASID or of another IOMMU, a
 * device without PASIDs or a PASID out of its range, a RID attached to a
 * HWPT without IOMMU_HWPT_ALLOC_PASID), -EBUSY (@pasid already attached),
 * -EOPNOTSUPP (a fault-capable HWPT for a device that does not own its page
 * requests; a domain its driver has not finished yet), other errors of
 * the IOMMU driver.
 */
int iommufd_device_pasid_attach(struct iommufd_device *idev, u32 pasid,
				u32 *pt_id)
{
	return iommufd_device_pasid_set(idev, pasid, pt_id, false);
}
EXPORT_SYMBOL_GPL(iommufd_device_pasid_attach);

/**
 * iommufd_device_pasid_replace - Move an attached PASID to another HWPT
 * @idev: a bound device
 * @pasid: an attached PASID of the device
 * @pt_id: ID of a HWPT allocated with IOMMU_HWPT_ALLOC_PASID; unchanged
 *
 * Like iommufd_device_pasid_attach(), but the PASID goes from its HWPT
 * straight to the new one, never blocking DMA in between. Replacing with
 * the HWPT attached does nothing. On failure the PASID stays attached to
 * its HWPT.
 *
 * Return: 0 or an error as for iommufd_device_pasid_attach(), -EINVAL if
 * @pasid is not attached, or the IOMMU driver's error if it cannot switch
 * the PASID (a 6.12 VT-d driver: -EBUSY).
 */
int iommufd_device_pasid_replace(struct iommufd_device *idev, u32 pasid,
				 u32 *pt_id)
{
	return iommufd_device_pasid_set(idev, pasid, pt_id, true);
}
EXPORT_SYMBOL_GPL(iommufd_device_pasid_replace);

/**
 * iommufd_device_pasid_detach - Detach a PASID of a device
 * @idev: a bound device
 * @pasid: the PASID; nothing happens if it is not attached
 *
 * DMA tagged with @pasid is blocked afterwards; its faults not answered
 * yet are answered.
 */
void iommufd_device_pasid_detach(struct iommufd_device *idev, u32 pasid)
{
	struct iommufd_pasid_att *att;
	LIST_HEAD(ended);

	mutex_lock(&idev->grp->lock);
	att = xa_erase(&idev->pasids, pasid);
	if (att) {
		iommufd_device_pasid_end(idev, att);
		list_add_tail(&att->free_item, &ended);
	}
	mutex_unlock(&idev->grp->lock);
	iommufd_device_pasid_free(idev, &ended);
}
EXPORT_SYMBOL_GPL(iommufd_device_pasid_detach);

/**
 * iommufd_device_pasid_hwpt_id - The HWPT attached to a PASID
 * @idev: a bound device
 * @pasid: the PASID
 *
 * Return: the object ID of the HWPT attached to @pasid, 0 if none.
 */
u32 iommufd_device_pasid_hwpt_id(struct iommufd_device *idev, u32 pasid)
{
	struct iommufd_pasid_att *att;
	u32 id = 0;

	mutex_lock(&idev->grp->lock);
	att = xa_load(&idev->pasids, pasid);
	if (att)
		id = att->hwpt_obj->id;
	mutex_unlock(&idev->grp->lock);
	return id;
}
