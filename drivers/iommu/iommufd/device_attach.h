/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What attaching a device's RID (device_attach.c) and attaching its PASIDs
 * (device_pasid.c) share.
 *
 * Layer: objects, the attach component's own header.  Included by
 * device_attach.c and device_pasid.c only.
 */
#ifndef __IOMMUFD_DEVICE_ATTACH_H
#define __IOMMUFD_DEVICE_ATTACH_H

#include <linux/types.h>

struct device;
struct iommufd_device;
struct iommufd_hwpt;

bool iommufd_dev_owns_pri(struct device *dev);
int iommufd_hwpt_compatible(struct iommufd_device *idev,
			    struct iommufd_hwpt *hwpt);

#endif
