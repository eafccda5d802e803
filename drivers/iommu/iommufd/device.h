/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd device objects: a device bound to a context (device.c), and the
 * state of its IOMMU group that attaching it to an IOAS or HWPT changes
 * (device_attach.c).
 *
 * Layer: objects, below the HWPTs, which are made for a bound device, and
 * above the fault queues and the object core.  Included by device.c,
 * device_attach.c, device_pasid.c, hwpt.c and selftest.c.
 */
#ifndef __IOMMUFD_DEVICE_H
#define __IOMMUFD_DEVICE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "fault.h"
#include "object.h"

struct device;
struct iommu_group;
struct iommufd_dev_attach;
struct iommufd_hwpt;
struct iommufd_ioas;

/**
 * struct iommufd_grp - an IOMMU group whose DMA a context owns
 * @kref: one reference per bound device of the group
 * @lock: serialises attach, replace and detach of the group's devices and
 *	protects @hwpt, @attach and @devices (device_attach.c). Taken before
 *	any IOAS hwpts_lock (lock order: common.h).
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

/**
 * struct iommufd_vdev_link - a virtual device as its device sees it
 * @device_gone: called by iommufd_device_unbind() with the device's
 *	vdev_lock held: the virtual device must go away with the device
 *
 * The virtual device (viommu.c, a layer above) hands its device this, so
 * that an unbind can take it down without knowing what it is.
 */
struct iommufd_vdev_link {
	void (*device_gone)(struct iommufd_vdev_link *link);
};

/**
 * struct iommufd_pasid_att - an attachment of one PASID of a device
 * @handle: what the IOMMU core and the fault queues see of it; its
 *	core.domain is the attached HWPT's domain
 * @hwpt_obj: the attached HWPT's object; one reference held
 * @fault: the fault queue of that HWPT, NULL if it is not fault-capable
 * @pasid: the PASID
 * @free_item: entry in a list of attachments to free, once ended
 *
 * Made and replaced by device_pasid.c; device.c ends what is left of them
 * when the device is unbound.
 */
struct iommufd_pasid_att {
	struct iommufd_attach_handle handle;
	struct iommufd_obj *hwpt_obj;
	struct iommufd_fault *fault;
	u32 pasid;
	struct list_head free_item;
};

/**
 * struct iommufd_device - a device bound to a context
 * @obj: object header, type IOMMUFD_OBJ_DEVICE. The binder (vfio, or the
 *	selftest object) holds a reference between bind and unbind, so
 *	IOMMU_DESTROY of a bound device fails with -EBUSY.
 * @ictx: the context. A reference is held (iommufd_ctx_get()) if @holds_ctx
 * @dev: the device
 * @grp: the shared state of the device's IOMMU group in this context
 * @group_item: entry in @grp->devices while attached; protected by
 *	@grp->lock
 * @can_force_coherent: the IOMMU can block non-coherent DMA of @dev
 * @holds_ctx: bound with iommufd_device_bind(), not by an object of the
 *	context itself (iommufd_device_bind_internal())
 * @vdev_lock: protects @vdev and @unbinding; held across creating and
 *	tearing down the device's virtual device (lock order: common.h)
 * @vdev: the device's virtual device, if it has one
 * @unbinding: iommufd_device_unbind() has begun: no new virtual device
 * @pasids: PASID -> struct iommufd_pasid_att of the attached PASIDs;
 *	changed with @grp->lock held
 * @iopf_users: attachments of fault-capable HWPTs (RID and PASIDs), which
 *	keep the device's I/O page faults enabled; protected by @grp->lock
 * @noiommu: a device of vfio's no-IOMMU mode (iommufd_device_bind_noiommu()):
 *	no IOMMU, no DMA ownership, no HWPT; it attaches to IOASes only
 * @noiommu_ioas: the IOAS a no-IOMMU device is attached to, one reference
 *	held; protected by @grp->lock
 */
struct iommufd_device {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	struct device *dev;
	struct iommufd_grp *grp;
	struct list_head group_item;
	bool can_force_coherent;
	bool holds_ctx;
	struct mutex vdev_lock; /* see above */
	struct iommufd_vdev_link *vdev;
	bool unbinding;
	struct xarray pasids;
	unsigned int iopf_users;
	bool noiommu;
	struct iommufd_ioas *noiommu_ioas;
};

struct iommufd_device *iommufd_device_find(struct iommufd_ctx *ictx, u32 id);
struct iommufd_device *iommufd_device_bind_internal(struct iommufd_ctx *ictx,
						    struct device *dev,
						    u32 *id);
int iommufd_device_iopf_get(struct iommufd_device *idev);
void iommufd_device_iopf_put(struct iommufd_device *idev);
void iommufd_device_pasid_end(struct iommufd_device *idev,
			      struct iommufd_pasid_att *att);
void iommufd_device_pasid_free(struct iommufd_device *idev,
			       struct list_head *atts);
void iommufd_device_pasid_detach_all(struct iommufd_device *idev);

/* device_pasid.c */
int iommufd_device_pasid_attach(struct iommufd_device *idev, u32 pasid,
				u32 *pt_id);
int iommufd_device_pasid_replace(struct iommufd_device *idev, u32 pasid,
				 u32 *pt_id);
void iommufd_device_pasid_detach(struct iommufd_device *idev, u32 pasid);
u32 iommufd_device_pasid_hwpt_id(struct iommufd_device *idev, u32 pasid);

#endif
