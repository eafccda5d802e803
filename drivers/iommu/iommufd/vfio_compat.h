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

#include <linux/list.h>
#include <linux/mutex.h>

#include "ioas.h"

struct iommu_group;

/**
 * struct iommufd_vfio_groups - the VFIO groups of a legacy container
 * @lock: serialises groups joining and leaving and VFIO_SET_IOMMU; taken
 *	before &iommufd_ctx.lock (lock order: common.h)
 * @list: the groups with an IOMMU that joined the file as their container
 *	(struct iommufd_legacy_group, vfio_container.c)
 * @ioas: the IOAS their IOMMUs' apertures and reserved regions are
 *	reserved in and that keeps its mappings pinned, while the file is a
 *	type1 container with groups; a reference is held.  NULL otherwise.
 * @pgsizes: the IOPTE sizes every IOMMU of @list supports, ULONG_MAX if
 *	@list is empty
 */
struct iommufd_vfio_groups {
	struct mutex lock; /* see above */
	struct list_head list;
	struct iommufd_ioas *ioas;
	unsigned long pgsizes;
};

/**
 * struct iommufd_vfio_ctx - a context with its state as a VFIO container
 * @ictx: the context.  main.c allocates every context as a part of one of
 *	these: every /dev/iommu file takes the legacy container ioctls.
 * @vfio_ioas: IOAS used by the VFIO compatibility layer, or NULL; holds
 *	no reference (cleared when that IOAS is destroyed)
 * @vfio_type: the IOMMU type VFIO_SET_IOMMU chose for the file used as a
 *	legacy VFIO container (VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU or
 *	VFIO_NOIOMMU_IOMMU), 0 until then; never changes once set
 * @vfio_noiommu: a VFIO no-IOMMU group joined the file as its container
 * @vfio_groups: the VFIO groups of the file as a legacy container
 *
 * @vfio_ioas, @vfio_type and @vfio_noiommu are protected by @ictx.lock.
 */
struct iommufd_vfio_ctx {
	struct iommufd_ctx ictx;
	struct iommufd_ioas *vfio_ioas;
	u32 vfio_type;
	bool vfio_noiommu;
	struct iommufd_vfio_groups vfio_groups;
};

static inline struct iommufd_vfio_ctx *iommufd_vfio_ctx(struct iommufd_ctx *ictx)
{
	return container_of(ictx, struct iommufd_vfio_ctx, ictx);
}

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
