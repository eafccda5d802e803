/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd fault queue objects: I/O page faults of fault-capable HWPTs,
 * delivered to userspace through a file descriptor and answered through it.
 *
 * Layer: objects, below the HWPT and device files that route faults here.
 * Included by fault.c, hwpt.c, device_attach.c and main.c.
 */
#ifndef __IOMMUFD_FAULT_H
#define __IOMMUFD_FAULT_H

#include <linux/iommu.h>

#include "object.h"

struct iommufd_fault;

/**
 * struct iommufd_attach_handle - an attachment as the fault queues see it
 * @core: the IOMMU core's handle; its domain is the attached one, whose
 *	fault_data is the fault queue (iommufd_hwpt_set_fault())
 * @dev_id: object ID of the device that attached its group; every fault
 *	of the attachment reports it
 *
 * Every attachment of a group is made with one (device_attach.c embeds it
 * in its own record), so that a fault can be traced back to its device and
 * queue.
 */
struct iommufd_attach_handle {
	struct iommu_attach_handle core;
	u32 dev_id;
};

/**
 * iommufd_fault_find - look up a fault queue by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the fault queue with a reference held, or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_fault *iommufd_fault_find(struct iommufd_ctx *ictx,
						       u32 id)
{
	return (struct iommufd_fault *)iommufd_obj_find(ictx, id,
							IOMMUFD_OBJ_FAULT);
}

struct iommufd_obj *iommufd_fault_obj(struct iommufd_fault *fault);
int iommufd_fault_queue_iopf(struct iopf_group *group);
void iommufd_fault_auto_response(struct iommufd_fault *fault,
				 struct iommu_attach_handle *handle);

/* IOMMU_FAULT_QUEUE_ALLOC (main.c's dispatch table) */
int iommufd_do_fault_alloc(struct iommufd_call *call);

#endif
