// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding devices to an iommufd context: the device objects, and the IOMMU
 * groups whose DMA a context owns.
 *
 * Binding claims the DMA ownership of the device through the IOMMU core,
 * which makes the whole IOMMU group refuse kernel drivers and puts it in a
 * blocking domain. DMA translation is a property of the group, so the
 * attachment is tracked per group (struct iommufd_grp); attaching,
 * replacing and detaching are device_attach.c's.
 */
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "device.h"

static bool msi_unsafe_ok;
module_param_named(allow_unsafe_interrupts, msi_unsafe_ok, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Allow binding devices whose MSI writes the platform cannot isolate (no interrupt remapping or isolating MSI controller). A device could then forge interrupts: a security weakness.");

/*
 * iommu_group_id -> struct iommufd_grp. A group's DMA is owned by one
 * context at a time, and a group entry is removed before that ownership is
 * released, so a lookup never finds another context's group.
 */
static DEFINE_XARRAY(iommufd_grps);
static DEFINE_MUTEX(iommufd_grps_lock); /* a leaf: see common.h */

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

	WARN_ON(!list_empty(&idev->group_item) || idev->vdev ||
		!xa_empty(&idev->pasids) || idev->noiommu_ioas);
	mutex_destroy(&idev->vdev_lock);
	xa_destroy(&idev->pasids);
	/* The group entry goes first: see iommufd_grps */
	iommufd_grp_put(idev->grp);
	if (!idev->noiommu)
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
 * The commands that name a device by ID (HWPT_ALLOC, GET_HW_INFO, the
 * vIOMMU ones) all need its IOMMU, so a no-IOMMU device is not found.
 *
 * Return: the device with a reference held (drop it with
 * iommufd_obj_put()), ERR_PTR(-ENOENT), or ERR_PTR(-ENODEV) for a
 * no-IOMMU device.
 */
struct iommufd_device *iommufd_device_find(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_obj *obj = iommufd_obj_find(ictx, id, IOMMUFD_OBJ_DEVICE);
	struct iommufd_device *idev;

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	idev = container_of(obj, struct iommufd_device, obj);
	if (idev->noiommu) {
		iommufd_obj_put(ictx, obj);
		return ERR_PTR(-ENODEV);
	}
	return idev;
}

/*
 * A no-IOMMU device (@noiommu) has nothing to own or isolate: only its
 * group, which vfio made for it, is tracked like any other.
 */
static struct iommufd_device *__iommufd_device_bind(struct iommufd_ctx *ictx,
						    struct device *dev,
						    u32 *id, bool hold_ctx,
						    bool noiommu)
{
	struct iommufd_grp *grp;
	struct iommufd_device *idev;
	int rc;

	if (!noiommu) {
		if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
			return ERR_PTR(-EINVAL);
		rc = iommu_device_claim_dma_owner(dev, ictx);
		if (rc)
			return ERR_PTR(rc);
	}

	grp = iommufd_grp_get(ictx, dev);
	if (IS_ERR(grp)) {
		rc = PTR_ERR(grp);
		goto err_release_owner;
	}

	if (!noiommu) {
		rc = iommufd_check_msi_isolation(dev, grp->group);
		if (rc)
			goto err_put_group;
	}

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
	idev->noiommu = noiommu;
	idev->can_force_coherent =
		device_iommu_capable(dev, IOMMU_CAP_ENFORCE_CACHE_COHERENCY);
	INIT_LIST_HEAD(&idev->group_item);
	mutex_init(&idev->vdev_lock);
	xa_init(&idev->pasids);
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
	if (!noiommu)
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
	return __iommufd_device_bind(ictx, dev, id, true, false);
}
EXPORT_SYMBOL_GPL(iommufd_device_bind);

#ifdef CONFIG_IOMMUFD_NOIOMMU
/**
 * iommufd_device_bind_noiommu - Bind a device that no IOMMU translates
 * @ictx: the context
 * @dev: a device of a vfio no-IOMMU group; it must have no IOMMU
 * @id: output: the object ID of the new device object
 *
 * For vfio's unsafe no-IOMMU mode only: the caller has checked that its
 * user may do unchecked DMA (CAP_SYS_RAWIO). Nothing is claimed or
 * blocked; the device DMAs to physical addresses as it did before. It can
 * be attached to an IOAS, which then keeps its mappings pinned and tells
 * their physical addresses (IOMMU_IOAS_NOIOMMU_GET_PA), but not to a HWPT,
 * and the commands that need a device's IOMMU fail for it with -ENODEV.
 * Unbind it with iommufd_device_unbind().
 *
 * Return: the device object, or an ERR_PTR: -EINVAL if @dev has an IOMMU,
 * -ENODEV if it has no IOMMU group.
 */
struct iommufd_device *iommufd_device_bind_noiommu(struct iommufd_ctx *ictx,
						   struct device *dev, u32 *id)
{
	if (dev->iommu && dev->iommu->iommu_dev)
		return ERR_PTR(-EINVAL);
	return __iommufd_device_bind(ictx, dev, id, true, true);
}
EXPORT_SYMBOL_GPL(iommufd_device_bind_noiommu);
#endif

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
	return __iommufd_device_bind(ictx, dev, id, false, false);
}

/**
 * iommufd_device_iopf_get - Count a fault-capable attachment of a device
 * @idev: the device; its group lock is held
 *
 * The first one enables the device's I/O page faults.
 *
 * Return: 0, or the IOMMU driver's error enabling them.
 */
int iommufd_device_iopf_get(struct iommufd_device *idev)
{
	int rc;

	lockdep_assert_held(&idev->grp->lock);
	if (!idev->iopf_users) {
		rc = iommu_dev_enable_feature(idev->dev, IOMMU_DEV_FEAT_IOPF);
		if (rc)
			return rc;
	}
	idev->iopf_users++;
	return 0;
}

/**
 * iommufd_device_iopf_put - Undo iommufd_device_iopf_get()
 * @idev: the device; its group lock is held
 *
 * The last one disables the device's I/O page faults.
 */
void iommufd_device_iopf_put(struct iommufd_device *idev)
{
	lockdep_assert_held(&idev->grp->lock);
	if (WARN_ON(!idev->iopf_users))
		return;
	if (!--idev->iopf_users)
		iommu_dev_disable_feature(idev->dev, IOMMU_DEV_FEAT_IOPF);
}

/**
 * iommufd_device_pasid_end - Detach an attached PASID
 * @idev: the device; its group lock is held
 * @att: the attachment, already removed from @idev->pasids
 *
 * The PASID blocks DMA afterwards. Faults of the attachment that nobody
 * will answer any more are answered. @att is freed, and its HWPT reference
 * dropped, by iommufd_device_pasid_free() after the group lock is released.
 */
void iommufd_device_pasid_end(struct iommufd_device *idev,
			      struct iommufd_pasid_att *att)
{
	lockdep_assert_held(&idev->grp->lock);
	iommu_detach_device_pasid(att->handle.core.domain, idev->dev,
				  att->pasid);
	if (att->fault) {
		iommufd_fault_auto_response(att->fault, &att->handle.core);
		iommufd_device_iopf_put(idev);
	}
}

/**
 * iommufd_device_pasid_free - Free ended PASID attachments
 * @idev: the device; its group lock is not held (a HWPT may go with the
 *	reference dropped here)
 * @atts: list of struct iommufd_pasid_att by free_item
 */
void iommufd_device_pasid_free(struct iommufd_device *idev,
			       struct list_head *atts)
{
	struct iommufd_pasid_att *att, *next;

	list_for_each_entry_safe(att, next, atts, free_item) {
		list_del(&att->free_item);
		iommufd_obj_put(idev->ictx, att->hwpt_obj);
		kfree(att);
	}
}

/**
 * iommufd_device_pasid_detach_all - Detach every attached PASID of a device
 * @idev: the device object
 */
void iommufd_device_pasid_detach_all(struct iommufd_device *idev)
{
	struct iommufd_pasid_att *att;
	unsigned long pasid;
	LIST_HEAD(ended);

	mutex_lock(&idev->grp->lock);
	xa_for_each(&idev->pasids, pasid, att) {
		xa_erase(&idev->pasids, pasid);
		iommufd_device_pasid_end(idev, att);
		list_add_tail(&att->free_item, &ended);
	}
	mutex_unlock(&idev->grp->lock);
	iommufd_device_pasid_free(idev, &ended);
}

/**
 * iommufd_device_unbind - Undo iommufd_device_bind()
 * @idev: the device object; its RID must be detached
 *
 * Detaches the PASIDs still attached, then destroys the device object.
 * When the last bound device of the IOMMU group goes, the group's DMA
 * ownership is released and kernel drivers may use it again.
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	/* A virtual device of the device goes with it, its ID a tombstone */
	mutex_lock(&idev->vdev_lock);
	idev->unbinding = true;
	if (idev->vdev)
		idev->vdev->device_gone(idev->vdev);
	mutex_unlock(&idev->vdev_lock);
	iommufd_device_pasid_detach_all(idev);
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
