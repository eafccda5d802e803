/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd fault queue objects: I/O page faults of fault-capable HWPTs,
 * delivered to userspace through a file descriptor and answered through it.
 *
 * Layer: objects. Included by fault.c, hwpt.c and device.c.
 */
#ifndef __IOMMUFD_FAULT_H
#define __IOMMUFD_FAULT_H

#include <linux/iommu.h>

#include "object.h"

struct iommufd_device;
struct iommufd_fault;

/**
 * struct iommufd_dev_attach - how the IOMMU core names an attachment
 * @core: the core's handle; its domain is the attached one
 * @idev: the device that attached its group; faults report its ID
 *
 * Every attachment of a group is made with one, so that a fault can be
 * traced back to the device and HWPT it belongs to.
 */
struct iommufd_dev_attach {
	struct iommu_attach_handle core;
	struct iommufd_device *idev;
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
