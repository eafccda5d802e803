/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd VFIO compatibility: the compat IOAS that VFIO's group code attaches
 * devices to (vfio_compat.c) and the legacy VFIO container API served on top
 * of it by every context (vfio_container.c).
 *
 * Layer: compat, above the objects.  Included by main.c, vfio_compat.c and
 * vfio_container.c.  Includes ioas.h (the object layer below).
 */
#ifndef __IOMMUFD_VFIO_COMPAT_H
#define __IOMMUFD_VFIO_COMPAT_H

#include "ioas.h"

struct iommu_group;

void iommufd_vfio_ioas_install(struct iommufd_ctx *ictx,
			       struct iommufd_ioas *ioas);
struct iommufd_ioas *iommufd_vfio_ioas_get(struct iommufd_ctx *ictx);

/* IOMMU_VFIO_IOAS (main.c's dispatch table) */
int iommufd_do_vfio_ioas(struct iommufd_call *call);

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg);

void iommufd_vfio_groups_init(struct iommufd_ctx *ictx);
void iommufd_vfio_groups_destroy(struct iommufd_ctx *ictx);
int iommufd_vfio_groups_add(struct iommufd_ctx *ictx,
			    struct iommu_group *group);
void iommufd_vfio_groups_del(struct iommufd_ctx *ictx,
			     struct iommu_group *group);

#endif
