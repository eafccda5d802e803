/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd VFIO compatibility: the compat IOAS that VFIO's group code attaches
 * devices to (vfio_compat.c) and the legacy VFIO container API served on top
 * of it (vfio_container.c, CONFIG_IOMMUFD_VFIO_CONTAINER).
 *
 * Layer: ioctl handlers.  Included by main.c, vfio_compat.c and
 * vfio_container.c.  Includes ioas.h (the object layer below).
 */
#ifndef __IOMMUFD_VFIO_COMPAT_H
#define __IOMMUFD_VFIO_COMPAT_H

#include <linux/errno.h>
#include <linux/fs.h>

#include "ioas.h"

void iommufd_vfio_ioas_install(struct iommufd_ctx *ictx,
			       struct iommufd_ioas *ioas);
struct iommufd_ioas *iommufd_vfio_ioas_get(struct iommufd_ctx *ictx);

#ifdef CONFIG_IOMMUFD_VFIO_CONTAINER
int iommufd_vfio_container_init(const struct file_operations *fops);
void iommufd_vfio_container_exit(void);
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg);
#else
static inline int
iommufd_vfio_container_init(const struct file_operations *fops)
{
	return 0;
}

static inline void iommufd_vfio_container_exit(void)
{
}

static inline long iommufd_vfio_ioctl(struct iommufd_ctx *ictx,
				      unsigned int cmd, unsigned long arg)
{
	return -ENOTTY;
}
#endif

#endif
