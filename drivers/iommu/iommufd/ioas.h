/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd IOAS object: an I/O address space owned by a context, i.e. an
 * object wrapper around struct iova_space plus the IOAS ioctls.
 *
 * Layer: objects.  Included by main.c, ioas.c, vfio_compat.c and the
 * device / HWPT / access / selftest code.  Includes object.h and
 * iova_space.h (the layer below).
 */
#ifndef __IOMMUFD_IOAS_H
#define __IOMMUFD_IOAS_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>

#include "iova_space.h"
#include "object.h"

struct iommu_iova_range;

/**
 * struct iommufd_ioas - an I/O address space
 * @obj: object header (type IOMMUFD_OBJ_IOAS)
 * @ictx: owning context (no reference; the context outlives its objects)
 * @isp: the IOVA bookkeeping and its domains
 * @hwpts_lock: protects @auto_hwpts; held by device attach across "find a
 *	reusable auto HWPT or create one" so two devices agree on one domain
 * @auto_hwpts: list of the automatically created paging HWPTs of this IOAS
 *	(linked by the HWPT's own list_head; owned by hwpt.c)
 * @noiommu_devs: number of no-IOMMU devices attached (ioas_noiommu.c); while
 *	there are any, the mappings stay pinned and IOAS_NOIOMMU_GET_PA
 *	answers
 * @release_hook: if set, called first by the IOAS's release, with no lock
 *	held.  The VFIO compat code above sets it on the IOAS it uses as the
 *	compat IOAS, on which it holds no reference, to forget it in time.
 */
struct iommufd_ioas {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	struct iova_space isp;
	struct mutex hwpts_lock; /* protects @auto_hwpts; order: common.h */
	struct list_head auto_hwpts;
	atomic_t noiommu_devs;
	void (*release_hook)(struct iommufd_ioas *ioas);
};

/**
 * iommufd_ioas_find - look up an IOAS by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the IOAS with a reference held (drop it with
 * iommufd_obj_put()), or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_ioas *iommufd_ioas_find(struct iommufd_ctx *ictx,
						     u32 id)
{
	return container_of(iommufd_obj_find(ictx, id, IOMMUFD_OBJ_IOAS),
			    struct iommufd_ioas, obj);
}

/*
 * Most ranges IOMMU_IOAS_ALLOW_IOVAS takes (uAPI, E2BIG beyond): as many as
 * the 4 MiB copy of the array that bounded it before held, so no caller
 * that worked is refused
 */
#define IOMMUFD_ALLOW_IOVAS_MAX 262144U /* 2^18 */

struct iommufd_ioas *iommufd_ioas_new(struct iommufd_ctx *ictx);

int iommufd_do_ioas_alloc(struct iommufd_call *call);
int iommufd_ioas_copy_ranges(struct iommufd_ioas *ioas,
			     struct iommu_iova_range __user *ranges, u32 max,
			     u32 *count);
int iommufd_do_ioas_iova_ranges(struct iommufd_call *call);
int iommufd_do_ioas_allow_iovas(struct iommufd_call *call);
int iommufd_do_ioas_map(struct iommufd_call *call);
int iommufd_do_ioas_map_file(struct iommufd_call *call);
int iommufd_do_ioas_change_process(struct iommufd_call *call);
int iommufd_do_ioas_copy(struct iommufd_call *call);
int iommufd_do_ioas_unmap(struct iommufd_call *call);
int iommufd_ioas_set_option(struct iommufd_call *call);

/* ioas_noiommu.c */
int iommufd_ioas_noiommu_attach(struct iommufd_ioas *ioas);
void iommufd_ioas_noiommu_detach(struct iommufd_ioas *ioas);
int iommufd_do_ioas_noiommu_get_pa(struct iommufd_call *call);

#endif
