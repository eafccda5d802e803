/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd device objects: a device bound to a context, and its attachment to
 * an IOAS or HWPT.
 *
 * Layer: objects. Included by device.c, hwpt.c and selftest.c.
 */
#ifndef __IOMMUFD_DEVICE_H
#define __IOMMUFD_DEVICE_H

#include <linux/list.h>
#include <linux/types.h>

#include "object.h"

struct device;
struct iommufd_grp;

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
 */
struct iommufd_device {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	struct device *dev;
	struct iommufd_grp *grp;
	struct list_head group_item;
	bool can_force_coherent;
	bool holds_ctx;
};

struct iommufd_device *iommufd_device_find(struct iommufd_ctx *ictx, u32 id);
struct iommufd_device *iommufd_device_bind_internal(struct iommufd_ctx *ictx,
						    struct device *dev,
						    u32 *id);

#endif
