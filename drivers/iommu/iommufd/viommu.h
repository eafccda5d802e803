/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd virtual IOMMU objects: a virtual IOMMU (one VM's slice of one
 * physical IOMMU instance) and the virtual devices on it.
 *
 * Layer: objects, above the HWPTs (a virtual IOMMU nests on a paging HWPT
 * and makes nested HWPTs) and devices, below the event queues.  Included by
 * viommu.c, veventq.c and main.c.
 */
#ifndef __IOMMUFD_VIOMMU_H
#define __IOMMUFD_VIOMMU_H

#include <linux/iommufd_viommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "object.h"

struct iommu_device;
struct vm_area_struct;
struct iommufd_paging_hwpt;

/**
 * struct iommufd_viommu - a virtual IOMMU
 * @obj: object header, type IOMMUFD_OBJ_VIOMMU. Every virtual device,
 *	nested HWPT and event queue made on it holds a reference, so
 *	IOMMU_DESTROY of a virtual IOMMU in use fails with -EBUSY.
 * @ictx: the context
 * @hwpt: the nesting parent; one reference held
 * @iommu_dev: the physical IOMMU instance it is a slice of
 * @ops: the driver's ops for its type
 * @drvdata: the driver's
 * @inited: @ops->init succeeded, so @ops->destroy is owed
 * @vdevs: virt_id -> struct iommufd_vdevice; its own lock serialises
 *	changes and iommufd_viommu_vdev_call()
 * @veventqs_lock: protects @veventqs; a spinlock, a leaf (common.h)
 * @veventqs: the event queues (struct iommufd_veventq.node)
 * @hw_queues_lock: serialises creating and destroying hardware queues
 *	(common.h); protects @hw_queues
 * @hw_queues: the hardware queues whose driver side is set up
 *	(struct iommufd_hw_queue.node, hw_queue.c)
 */
struct iommufd_viommu {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	struct iommufd_paging_hwpt *hwpt;
	struct iommu_device *iommu_dev;
	const struct iommufd_viommu_ops *ops;
	void *drvdata;
	bool inited;
	struct xarray vdevs;
	spinlock_t veventqs_lock; /* see above */
	struct list_head veventqs;
	struct mutex hw_queues_lock; /* see above */
	struct list_head hw_queues;
};

/**
 * iommufd_viommu_find - look up a virtual IOMMU by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the virtual IOMMU with a reference held, or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_viommu *
iommufd_viommu_find(struct iommufd_ctx *ictx, u32 id)
{
	return container_of(iommufd_obj_find(ictx, id, IOMMUFD_OBJ_VIOMMU),
			    struct iommufd_viommu, obj);
}

/* mmap() of the /dev/iommu file (main.c) */
int iommufd_viommu_mmap(struct iommufd_ctx *ictx, struct vm_area_struct *vma);

/* The ioctls (main.c's dispatch table) */
int iommufd_do_viommu_alloc(struct iommufd_call *call);
int iommufd_do_vdevice_alloc(struct iommufd_call *call);
int iommufd_do_hwpt_alloc_any(struct iommufd_call *call);
int iommufd_do_hwpt_invalidate_any(struct iommufd_call *call);

#endif
