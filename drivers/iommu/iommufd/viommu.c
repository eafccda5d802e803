// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual IOMMUs: IOMMU_VIOMMU_ALLOC, IOMMU_VDEVICE_ALLOC, and the two HWPT
 * commands that also take a virtual IOMMU: IOMMU_HWPT_ALLOC with a virtual
 * IOMMU as pt_id (a nested HWPT made by the virtual IOMMU's driver on its
 * parent) and IOMMU_HWPT_INVALIDATE with a virtual IOMMU ID.
 *
 * What a type of virtual IOMMU does is up to the IOMMU driver that offers it,
 * through the struct iommufd_viommu_ops it registered for its iommu_ops
 * (linux/iommufd_viommu.h). The core keeps the objects, their dependencies
 * and the table of virtual devices the driver translates guest IDs through.
 *
 * Lifetimes: a virtual IOMMU holds its nesting parent; virtual devices,
 * nested HWPTs and event queues hold the virtual IOMMU. A virtual device
 * also holds its device object, and is taken down with it when the device is
 * unbound first (iommufd_device_unbind()): its ID then stays reserved, a
 * tombstone, until the context is closed.
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "../iommu-priv.h"
#include "device.h"
#include "hwpt.h"
#include "viommu.h"

/* The registered ops of every driver, and the lock of the list (a leaf) */
static LIST_HEAD(iommufd_viommu_drivers);
static DEFINE_MUTEX(iommufd_viommu_drivers_lock);

/**
 * iommufd_viommu_register - Offer a type of virtual IOMMU
 * @ops: the ops; @ops->iommu_ops and @ops->type name the devices and type
 *
 * The ops must stay valid until iommufd_viommu_unregister(), which the
 * driver may call only once no virtual IOMMU of its devices exists (when
 * its IOMMU instances go away).
 *
 * Return: 0, or -EEXIST if that driver already offers that type.
 */
int iommufd_viommu_register(struct iommufd_viommu_ops *ops)
{
	struct iommufd_viommu_ops *cur;
	int rc = 0;

	mutex_lock(&iommufd_viommu_drivers_lock);
	list_for_each_entry(cur, &iommufd_viommu_drivers, node) {
		if (cur->iommu_ops == ops->iommu_ops &&
		    cur->type == ops->type) {
			rc = -EEXIST;
			goto out;
		}
	}
	list_add_tail(&ops->node, &iommufd_viommu_drivers);
out:
	mutex_unlock(&iommufd_viommu_drivers_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_viommu_register);

/**
 * iommufd_viommu_unregister - Undo iommufd_viommu_register()
 * @ops: the registered ops
 */
void iommufd_viommu_unregister(struct iommufd_viommu_ops *ops)
{
	mutex_lock(&iommufd_viommu_drivers_lock);
	list_del(&ops->node);
	mutex_unlock(&iommufd_viommu_drivers_lock);
}
EXPORT_SYMBOL_GPL(iommufd_viommu_unregister);

static const struct iommufd_viommu_ops *
iommufd_viommu_ops_get(const struct iommu_ops *iommu_ops, u32 type)
{
	const struct iommufd_viommu_ops *cur, *found = NULL;

	mutex_lock(&iommufd_viommu_drivers_lock);
	list_for_each_entry(cur, &iommufd_viommu_drivers, node) {
		if (cur->iommu_ops == iommu_ops && cur->type == type) {
			found = cur;
			break;
		}
	}
	mutex_unlock(&iommufd_viommu_drivers_lock);
	return found;
}

/**
 * iommufd_viommu_drvdata - The driver's data of a virtual IOMMU
 * @viommu: the virtual IOMMU
 *
 * Return: what the driver set with iommufd_viommu_set_drvdata().
 */
void *iommufd_viommu_drvdata(struct iommufd_viommu *viommu)
{
	return viommu->drvdata;
}
EXPORT_SYMBOL_GPL(iommufd_viommu_drvdata);

/**
 * iommufd_viommu_set_drvdata - Keep the driver's data with a virtual IOMMU
 * @viommu: the virtual IOMMU, from the driver's init op
 * @data: anything
 */
void iommufd_viommu_set_drvdata(struct iommufd_viommu *viommu, void *data)
{
	viommu->drvdata = data;
}
EXPORT_SYMBOL_GPL(iommufd_viommu_set_drvdata);

/**
 * struct iommufd_vdevice - a virtual device
 * @obj: object header, type IOMMUFD_OBJ_VDEVICE
 * @link: what its device knows of it (device.h)
 * @viommu: the virtual IOMMU; one reference held
 * @idev: the device; one reference held, so that its vdev_lock stays
 * @virt_id: its ID on @viommu, the index in @viommu->vdevs
 * @linked: in @viommu->vdevs and @idev->vdev, the driver told; protected by
 *	@idev->vdev_lock
 */
struct iommufd_vdevice {
	struct iommufd_obj obj;
	struct iommufd_vdev_link link;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	u64 virt_id;
	bool linked;
};

/**
 * iommufd_viommu_vdev_call - Call @fn for the device of a virtual ID
 * @viommu: the virtual IOMMU
 * @virt_id: a virtual device's ID on it
 * @fn: called with the device, under a spinlock: it must not sleep
 * @arg: passed to @fn
 *
 * For a driver translating guest device IDs, e.g. in its cache_invalidate
 * op: the device cannot go away while @fn runs.
 *
 * Return: 0, or -ENOENT if @viommu has no virtual device @virt_id.
 */
int iommufd_viommu_vdev_call(struct iommufd_viommu *viommu, u64 virt_id,
			     void (*fn)(struct device *dev, void *arg),
			     void *arg)
{
	struct iommufd_vdevice *vdev;
	int rc = -ENOENT;

	if (virt_id > ULONG_MAX)
		return -ENOENT;
	xa_lock(&viommu->vdevs);
	vdev = xa_load(&viommu->vdevs, virt_id);
	if (vdev) {
		fn(vdev->idev->dev, arg);
		rc = 0;
	}
	xa_unlock(&viommu->vdevs);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_viommu_vdev_call);

/* Take @vdev out of the tables and tell the driver; idev->vdev_lock held */
static void iommufd_vdevice_unlink(struct iommufd_vdevice *vdev)
{
	struct iommufd_viommu *viommu = vdev->viommu;

	lockdep_assert_held(&vdev->idev->vdev_lock);
	if (!vdev->linked)
		return;
	xa_erase(&viommu->vdevs, vdev->virt_id);
	if (viommu->ops->vdevice_destroy)
		viommu->ops->vdevice_destroy(viommu, vdev->idev->dev);
	vdev->idev->vdev = NULL;
	vdev->linked = false;
}

static void iommufd_vdevice_release(struct iommufd_obj *obj)
{
	struct iommufd_vdevice *vdev =
		container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_ctx *ictx = vdev->viommu->ictx;

	/* Unlinked already if its device went first (device_gone) */
	if (vdev->linked) {
		mutex_lock(&vdev->idev->vdev_lock);
		iommufd_vdevice_unlink(vdev);
		mutex_unlock(&vdev->idev->vdev_lock);
	}
	iommufd_obj_put(ictx, &vdev->idev->obj);
	iommufd_obj_put(ictx, &vdev->viommu->obj);
}

static const struct iommufd_obj_ops iommufd_vdevice_ops = {
	.release = iommufd_vdevice_release,
};

/*
 * The device is being unbound, with its vdev_lock held. Unless an
 * IOMMU_DESTROY of the virtual device got there first (its release then
 * waits for the lock, and the unbind for the device reference the virtual
 * device holds), the virtual device goes now and its ID becomes a tombstone.
 */
static void iommufd_vdevice_device_gone(struct iommufd_vdev_link *link)
{
	struct iommufd_vdevice *vdev =
		container_of(link, struct iommufd_vdevice, link);
	struct iommufd_ctx *ictx = vdev->viommu->ictx;

	if (!iommufd_obj_tombstone(ictx, &vdev->obj))
		return;
	iommufd_vdevice_unlink(vdev);
	iommufd_obj_free_tombstone(ictx, &vdev->obj);
}

/* Enter @vdev into its device and virtual IOMMU; idev->vdev_lock held */
static int iommufd_vdevice_link(struct iommufd_vdevice *vdev)
{
	struct iommufd_viommu *viommu = vdev->viommu;
	struct iommufd_device *idev = vdev->idev;
	int rc;

	lockdep_assert_held(&idev->vdev_lock);
	/* Going away: the caller's lookup raced with the unbind */
	if (idev->unbinding)
		return -ENOENT;
	/* One per device (so one per device and virtual IOMMU) */
	if (idev->vdev)
		return -EEXIST;
	rc = xa_insert(&viommu->vdevs, vdev->virt_id, vdev, GFP_KERNEL);
	if (rc)
		return rc == -EBUSY ? -EEXIST : rc;
	if (viommu->ops->vdevice_init) {
		rc = viommu->ops->vdevice_init(viommu, idev->dev,
					       vdev->virt_id);
		if (rc) {
			xa_erase(&viommu->vdevs, vdev->virt_id);
			return rc;
		}
	}
	idev->vdev = &vdev->link;
	vdev->linked = true;
	return 0;
}

/**
 * iommufd_do_vdevice_alloc - Handle IOMMU_VDEVICE_ALLOC
 * @call: the command, struct iommu_vdevice_alloc
 *
 * The reply is made before the virtual device is entered anywhere, so no
 * user copy happens with the device's vdev_lock held or after the virtual
 * device is visible to the driver.
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_vdevice_alloc(struct iommufd_call *call)
{
	struct iommu_vdevice_alloc *arg = call->args;
	struct iommufd_vdevice *vdev;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	int rc;

	viommu = iommufd_viommu_find(call->ictx, arg->viommu_id);
	if (IS_ERR(viommu))
		return PTR_ERR(viommu);
	idev = iommufd_device_find(call->ictx, arg->dev_id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_put_viommu;
	}
	/* Guest IDs are table indexes; they are never that large */
	if (arg->virt_id > ULONG_MAX ||
	    !idev->dev->iommu || idev->dev->iommu->iommu_dev !=
	    viommu->iommu_dev) {
		rc = -EINVAL;
		goto out_put_idev;
	}

	vdev = iommufd_obj_new(call->ictx, vdev, IOMMUFD_OBJ_VDEVICE,
			       &iommufd_vdevice_ops);
	if (IS_ERR(vdev)) {
		rc = PTR_ERR(vdev);
		goto out_put_idev;
	}
	vdev->link.device_gone = iommufd_vdevice_device_gone;
	vdev->virt_id = arg->virt_id;
	/* The lookup references become the virtual device's */
	vdev->viommu = viommu;
	vdev->idev = idev;

	arg->out_vdevice_id = vdev->obj.id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		goto err_abort;

	/*
	 * Once published, the virtual device (and the device reference it
	 * holds) may go at any moment, and an unbind waiting for the lock then
	 * frees the device while mutex_unlock() may still touch the lock: keep
	 * the device for as long as its lock is ours.
	 */
	iommufd_obj_hold(&idev->obj);
	mutex_lock(&idev->vdev_lock);
	rc = iommufd_vdevice_link(vdev);
	if (!rc)
		iommufd_obj_publish(call->ictx, &vdev->obj);
	mutex_unlock(&idev->vdev_lock);
	iommufd_obj_put(call->ictx, &idev->obj);
	if (rc)
		goto err_abort;
	return 0;

err_abort:
	iommufd_obj_discard(call->ictx, &vdev->obj);
	return rc;

out_put_idev:
	iommufd_obj_put(call->ictx, &idev->obj);
out_put_viommu:
	iommufd_obj_put(call->ictx, &viommu->obj);
	return rc;
}

static void iommufd_viommu_release(struct iommufd_obj *obj)
{
	struct iommufd_viommu *viommu =
		container_of(obj, struct iommufd_viommu, obj);

	WARN_ON(!xa_empty(&viommu->vdevs) || !list_empty(&viommu->veventqs) ||
		!list_empty(&viommu->hw_queues));
	if (viommu->inited && viommu->ops->destroy)
		viommu->ops->destroy(viommu);
	xa_destroy(&viommu->vdevs);
	mutex_destroy(&viommu->hw_queues_lock);
	iommufd_obj_put(viommu->ictx, &viommu->hwpt->base.obj);
}

static const struct iommufd_obj_ops iommufd_viommu_ops = {
	.release = iommufd_viommu_release,
};

/*
 * The virtual IOMMU of @arg for @idev on @parent, not yet published. The
 * driver's init may write into the user's data; it runs with no lock held.
 */
static struct iommufd_viommu *
iommufd_viommu_create(struct iommufd_call *call, struct iommufd_device *idev,
		      struct iommufd_paging_hwpt *parent)
{
	struct iommu_viommu_alloc *arg = call->args;
	const struct iommu_user_data user_data = {
		.type = arg->type,
		.uptr = u64_to_user_ptr(arg->data_uptr),
		.len = arg->data_len,
	};
	const struct iommufd_viommu_ops *ops;
	struct iommufd_viommu *viommu;
	int rc;

	if (!parent->nest_parent)
		return ERR_PTR(-EINVAL);
	/* The driver is handed only a parent domain of its own */
	if (parent->base.domain->owner != dev_iommu_ops(idev->dev))
		return ERR_PTR(-EINVAL);
	ops = iommufd_viommu_ops_get(dev_iommu_ops(idev->dev), arg->type);
	if (!ops)
		return ERR_PTR(-EOPNOTSUPP);

	viommu = iommufd_obj_new(call->ictx, viommu, IOMMUFD_OBJ_VIOMMU,
				 &iommufd_viommu_ops);
	if (IS_ERR(viommu))
		return viommu;
	viommu->ictx = call->ictx;
	viommu->ops = ops;
	viommu->iommu_dev = idev->dev->iommu->iommu_dev;
	xa_init(&viommu->vdevs);
	spin_lock_init(&viommu->veventqs_lock);
	INIT_LIST_HEAD(&viommu->veventqs);
	mutex_init(&viommu->hw_queues_lock);
	INIT_LIST_HEAD(&viommu->hw_queues);
	viommu->hwpt = parent;
	iommufd_obj_hold(&parent->base.obj);

	rc = ops->init(viommu, idev->dev, parent->base.domain,
		       arg->data_len ? &user_data : NULL);
	if (rc) {
		iommufd_obj_discard(call->ictx, &viommu->obj);
		return ERR_PTR(rc);
	}
	viommu->inited = true;
	return viommu;
}

/**
 * iommufd_do_viommu_alloc - Handle IOMMU_VIOMMU_ALLOC
 * @call: the command, struct iommu_viommu_alloc; callers of the first
 *	release pass 24 bytes, and so no driver data
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_viommu_alloc(struct iommufd_call *call)
{
	struct iommu_viommu_alloc *arg = call->args;
	struct iommufd_paging_hwpt *parent;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	int rc;

	if (arg->flags || arg->__reserved)
		return -EOPNOTSUPP;

	idev = iommufd_device_find(call->ictx, arg->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	parent = iommufd_paging_hwpt_find(call->ictx, arg->hwpt_id);
	if (IS_ERR(parent)) {
		rc = PTR_ERR(parent);
		goto out_put_idev;
	}
	viommu = iommufd_viommu_create(call, idev, parent);
	iommufd_obj_put(call->ictx, &parent->base.obj);
	iommufd_obj_put(call->ictx, &idev->obj);
	if (IS_ERR(viommu))
		return PTR_ERR(viommu);

	arg->out_viommu_id = viommu->obj.id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		iommufd_obj_discard(call->ictx, &viommu->obj);
	else
		iommufd_obj_publish(call->ictx, &viommu->obj);
	return rc;

out_put_idev:
	iommufd_obj_put(call->ictx, &idev->obj);
	return rc;
}

/* IOMMU_HWPT_ALLOC on a virtual IOMMU: a nested HWPT its driver makes */
static struct iommufd_nested_hwpt *
iommufd_viommu_alloc_nested(struct iommufd_call *call,
			    struct iommufd_viommu *viommu,
			    struct iommufd_device *idev)
{
	struct iommu_hwpt_alloc *arg = call->args;
	const struct iommu_user_data user_data = {
		.type = arg->data_type,
		.uptr = u64_to_user_ptr(arg->data_uptr),
		.len = arg->data_len,
	};
	struct iommu_domain *domain;

	if (arg->flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID))
		return ERR_PTR(-EOPNOTSUPP);
	if (!idev->dev->iommu || idev->dev->iommu->iommu_dev !=
	    viommu->iommu_dev)
		return ERR_PTR(-EINVAL);
	/* A nested table is described by driver data */
	if (!viommu->ops->alloc_domain_nested || !arg->data_len)
		return ERR_PTR(-EOPNOTSUPP);

	domain = viommu->ops->alloc_domain_nested(viommu, idev->dev, 0,
						  &user_data);
	if (!IS_ERR_OR_NULL(domain))
		domain->owner = dev_iommu_ops(idev->dev);
	return iommufd_nested_hwpt_new(call->ictx, viommu->hwpt, &viommu->obj,
				       idev, domain, arg->flags, arg->fault_id);
}

/**
 * iommufd_do_hwpt_alloc_any - Handle IOMMU_HWPT_ALLOC
 * @call: the command, struct iommu_hwpt_alloc
 *
 * A virtual IOMMU as pt_id is handled here, anything else by hwpt.c.
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_hwpt_alloc_any(struct iommufd_call *call)
{
	struct iommu_hwpt_alloc *arg = call->args;
	struct iommufd_nested_hwpt *nested;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	int rc;

	viommu = iommufd_viommu_find(call->ictx, arg->pt_id);
	if (IS_ERR(viommu))
		return iommufd_do_hwpt_alloc(call);

	/* The same checks, in the same order, as for other pt_ids */
	if (arg->__reserved || arg->__reserved2) {
		rc = -EOPNOTSUPP;
		goto out_put_viommu;
	}
	if (!arg->data_type != !arg->data_len) {
		rc = -EINVAL;
		goto out_put_viommu;
	}
	idev = iommufd_device_find(call->ictx, arg->dev_id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_put_viommu;
	}
	nested = iommufd_viommu_alloc_nested(call, viommu, idev);
	iommufd_obj_put(call->ictx, &idev->obj);
	iommufd_obj_put(call->ictx, &viommu->obj);
	if (IS_ERR(nested))
		return PTR_ERR(nested);

	arg->out_hwpt_id = nested->base.obj.id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		iommufd_obj_discard(call->ictx, &nested->base.obj);
	else
		iommufd_obj_publish(call->ictx, &nested->base.obj);
	return rc;

out_put_viommu:
	iommufd_obj_put(call->ictx, &viommu->obj);
	return rc;
}

static int iommufd_viommu_invalidate(void *priv,
				     struct iommu_user_data_array *array)
{
	struct iommufd_viommu *viommu = priv;

	return viommu->ops->cache_invalidate(viommu, array);
}

/**
 * iommufd_do_hwpt_invalidate_any - Handle IOMMU_HWPT_INVALIDATE
 * @call: the command, struct iommu_hwpt_invalidate
 *
 * A virtual IOMMU ID is handled here, a nested HWPT by hwpt.c.
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_hwpt_invalidate_any(struct iommufd_call *call)
{
	struct iommu_hwpt_invalidate *arg = call->args;
	struct iommufd_viommu *viommu;
	int rc;

	viommu = iommufd_viommu_find(call->ictx, arg->hwpt_id);
	if (IS_ERR(viommu))
		return iommufd_do_hwpt_invalidate(call);
	rc = iommufd_invalidate_user(call, viommu->ops->cache_invalidate ?
				     iommufd_viommu_invalidate : NULL,
				     viommu);
	iommufd_obj_put(call->ictx, &viommu->obj);
	return rc;
}

/*
 * mmap() of the /dev/iommu file: a driver may let userspace map physical
 * pages of a virtual IOMMU (e.g. a command queue interface a guest drives
 * directly), registered with iommufd_viommu_alloc_mmap(). The offset to
 * pass is a cookie: the region's number in ictx->mmaps, shifted so that each
 * region has room for IOMMUFD_MMAP_MAX bytes. A mapping holds the virtual
 * IOMMU (IOMMU_DESTROY gives EBUSY until it is unmapped).
 */
#define IOMMUFD_MMAP_PGOFF_SHIFT 18
#define IOMMUFD_MMAP_MAX (PAGE_SIZE << IOMMUFD_MMAP_PGOFF_SHIFT)

/**
 * struct iommufd_mmap - a region mmap() can map
 * @viommu: the virtual IOMMU whose driver registered it
 * @base: physical address of the first page
 * @length: bytes, a multiple of PAGE_SIZE
 * @mmio: device memory (mapped uncached) rather than RAM
 */
struct iommufd_mmap {
	struct iommufd_viommu *viommu;
	phys_addr_t base;
	size_t length;
	bool mmio;
};

/**
 * iommufd_viommu_alloc_mmap - Let userspace map pages of a virtual IOMMU
 * @viommu: the virtual IOMMU, from its init op on
 * @base: physical address of the pages, page aligned
 * @length: their size, page aligned
 * @mmio: device memory, to be mapped uncached
 * @offset: output: the offset to pass to mmap() (with exactly @length)
 *
 * The region must be destroyed with iommufd_viommu_destroy_mmap() by the
 * driver's destroy op at the latest; no mapping exists by then.
 *
 * Return: 0, -EINVAL for a bad range, -ENOMEM, -EBUSY when out of numbers.
 */
int iommufd_viommu_alloc_mmap(struct iommufd_viommu *viommu,
			      phys_addr_t base, size_t length, bool mmio,
			      u64 *offset)
{
	struct iommufd_mmap *m;
	u32 id;
	int rc;

	if (!PAGE_ALIGNED(base) || !length || !PAGE_ALIGNED(length) ||
	    length > IOMMUFD_MMAP_MAX)
		return -EINVAL;
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->viommu = viommu;
	m->base = base;
	m->length = length;
	m->mmio = mmio;
	rc = xa_alloc(&viommu->ictx->mmaps, &id, m,
		      XA_LIMIT(1, U32_MAX >> IOMMUFD_MMAP_PGOFF_SHIFT),
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		kfree(m);
		return rc;
	}
	*offset = (u64)id << (IOMMUFD_MMAP_PGOFF_SHIFT + PAGE_SHIFT);
	return 0;
}
EXPORT_SYMBOL_GPL(iommufd_viommu_alloc_mmap);

/**
 * iommufd_viommu_destroy_mmap - Undo iommufd_viommu_alloc_mmap()
 * @viommu: the virtual IOMMU
 * @offset: the region's offset
 */
void iommufd_viommu_destroy_mmap(struct iommufd_viommu *viommu, u64 offset)
{
	struct iommufd_mmap *m;

	m = xa_erase(&viommu->ictx->mmaps,
		     offset >> (IOMMUFD_MMAP_PGOFF_SHIFT + PAGE_SHIFT));
	WARN_ON(!m || m->viommu != viommu);
	kfree(m);
}
EXPORT_SYMBOL_GPL(iommufd_viommu_destroy_mmap);

static void iommufd_mmap_vma_open(struct vm_area_struct *vma)
{
	struct iommufd_mmap *m = vma->vm_private_data;

	/* A copy (fork) or a split of a mapping that holds it already */
	iommufd_obj_hold(&m->viommu->obj);
}

static void iommufd_mmap_vma_close(struct vm_area_struct *vma)
{
	struct iommufd_mmap *m = vma->vm_private_data;

	iommufd_obj_put(m->viommu->ictx, &m->viommu->obj);
}

static const struct vm_operations_struct iommufd_mmap_vm_ops = {
	.open = iommufd_mmap_vma_open,
	.close = iommufd_mmap_vma_close,
};

/**
 * iommufd_viommu_mmap - mmap() of a /dev/iommu file
 * @ictx: the file's context
 * @vma: the mapping to be
 *
 * Return: 0; -ENXIO unless the offset and length are exactly a region's;
 * -EINVAL for a private mapping; -EPERM for an executable one.
 */
int iommufd_viommu_mmap(struct iommufd_ctx *ictx, struct vm_area_struct *vma)
{
	size_t length = vma->vm_end - vma->vm_start;
	struct iommufd_mmap *m;
	pgprot_t prot;
	int rc;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (vma->vm_pgoff & (BIT(IOMMUFD_MMAP_PGOFF_SHIFT) - 1))
		return -ENXIO;

	/* The region and its virtual IOMMU stay while the object is held */
	xa_lock(&ictx->mmaps);
	m = xa_load(&ictx->mmaps, vma->vm_pgoff >> IOMMUFD_MMAP_PGOFF_SHIFT);
	if (m && (m->length != length ||
		  !refcount_inc_not_zero(&m->viommu->obj.refs)))
		m = NULL;
	xa_unlock(&ictx->mmaps);
	if (!m)
		return -ENXIO;

	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC);
	prot = m->mmio ? pgprot_noncached(vma->vm_page_prot) :
			 vma->vm_page_prot;
	rc = remap_pfn_range(vma, vma->vm_start, PHYS_PFN(m->base), length,
			     prot);
	if (rc) {
		iommufd_obj_put(ictx, &m->viommu->obj);
		return rc;
	}
	vma->vm_private_data = m;
	vma->vm_ops = &iommufd_mmap_vm_ops;
	return 0;
}
