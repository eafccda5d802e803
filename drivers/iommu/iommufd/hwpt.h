/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd hardware page table (HWPT) objects: an iommu_domain owned by a
 * context. A paging HWPT mirrors one IOAS; a nested HWPT is a stage-1 table
 * that translates through a paging parent.
 *
 * Layer: objects, above the device and fault objects it is made with and
 * below device_attach.c.  Included by hwpt.c, device_attach.c,
 * vfio_container.c, main.c and selftest.c.  Includes ioas.h (and through
 * it the IOVA bookkeeping layer).
 */
#ifndef __IOMMUFD_HWPT_H
#define __IOMMUFD_HWPT_H

#include <linux/list.h>
#include <linux/types.h>

#include "ioas.h"
#include "object.h"

struct iommu_domain;
struct iommu_user_data;
struct iommufd_device;
struct iommufd_fault;

/**
 * struct iommufd_hwpt - what every HWPT has
 * @obj: object header, type IOMMUFD_OBJ_HWPT_PAGING or IOMMUFD_OBJ_HWPT_NESTED
 * @ictx: the context
 * @domain: the iommu_domain, owned by the HWPT
 * @fault: the fault queue its I/O page faults go to (a reference held), or
 *	NULL if it is not fault-capable
 * @ndevices: number of devices attached; protected by the hwpts_lock of the
 *	IOAS the HWPT translates through (iommufd_hwpt_ioas()). Every attached
 *	device also holds a reference on @obj, so an attached HWPT cannot be
 *	destroyed by the user.
 * @pasid_compat: allocated with IOMMU_HWPT_ALLOC_PASID: may be attached to
 *	PASIDs (device_pasid.c), and to the RID of a device with PASIDs
 *	attached. A PASID attachment holds a reference on @obj, not counted
 *	in @ndevices.
 */
struct iommufd_hwpt {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	struct iommu_domain *domain;
	struct iommufd_fault *fault;
	unsigned int ndevices;
	bool pasid_compat;
};

/**
 * struct iommufd_paging_hwpt - a HWPT that mirrors an IOAS
 * @base: the HWPT
 * @ioas: the IOAS; one reference held, and @base.domain is one of the
 *	domains of its iova_space from the first fill (see @unfilled) to the
 *	end of the HWPT
 * @auto_domain: created by attaching a device to the IOAS; listed in
 *	@ioas->auto_hwpts (by @auto_link, under @ioas->hwpts_lock), reused by
 *	compatible devices and destroyed when its last device leaves
 * @nest_parent: allocated with IOMMU_HWPT_ALLOC_NEST_PARENT
 * @coherent: the domain blocks non-coherent DMA; protected
 *	by @ioas->hwpts_lock
 * @msi_cookie: the software MSI window is set up in the domain; protected
 *	by @ioas->hwpts_lock
 * @unfilled: the domain is not one of the IOAS's domains yet, because its
 *	driver finishes it at the first attach: iommufd_paging_hwpt_fill()
 *	adds it then. Protected by @ioas->hwpts_lock.
 * @auto_link: entry in @ioas->auto_hwpts while @auto_domain
 */
struct iommufd_paging_hwpt {
	struct iommufd_hwpt base;
	struct iommufd_ioas *ioas;
	bool auto_domain;
	bool nest_parent;
	bool coherent;
	bool msi_cookie;
	bool unfilled;
	struct list_head auto_link;
};

/**
 * struct iommufd_nested_hwpt - a stage-1 HWPT
 * @base: the HWPT
 * @parent: the paging HWPT it translates through; one reference held
 * @holder: the object it was made from if not @parent (a virtual IOMMU);
 *	one reference held, so that object cannot be destroyed before it
 */
struct iommufd_nested_hwpt {
	struct iommufd_hwpt base;
	struct iommufd_paging_hwpt *parent;
	struct iommufd_obj *holder;
};

static inline bool iommufd_hwpt_is_paging(struct iommufd_hwpt *hwpt)
{
	return hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING;
}

static inline struct iommufd_paging_hwpt *
as_paging_hwpt(struct iommufd_hwpt *hwpt)
{
	return container_of(hwpt, struct iommufd_paging_hwpt, base);
}

static inline struct iommufd_nested_hwpt *
as_nested_hwpt(struct iommufd_hwpt *hwpt)
{
	return container_of(hwpt, struct iommufd_nested_hwpt, base);
}

/**
 * iommufd_hwpt_to_paging - the paging HWPT behind any HWPT
 * @hwpt: a paging or nested HWPT
 *
 * Return: @hwpt itself if it is a paging HWPT, else its parent.
 */
static inline struct iommufd_paging_hwpt *
iommufd_hwpt_to_paging(struct iommufd_hwpt *hwpt)
{
	if (iommufd_hwpt_is_paging(hwpt))
		return as_paging_hwpt(hwpt);
	return as_nested_hwpt(hwpt)->parent;
}

/**
 * iommufd_hwpt_ioas - the IOAS a HWPT translates through
 * @hwpt: a paging or nested HWPT
 *
 * Return: the IOAS of @hwpt or of its parent.
 */
static inline struct iommufd_ioas *
iommufd_hwpt_ioas(struct iommufd_hwpt *hwpt)
{
	return iommufd_hwpt_to_paging(hwpt)->ioas;
}

/**
 * iommufd_paging_hwpt_find - look up a paging HWPT by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the HWPT with a reference held (drop it with
 * iommufd_obj_put()), or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_paging_hwpt *
iommufd_paging_hwpt_find(struct iommufd_ctx *ictx, u32 id)
{
	return container_of(iommufd_obj_find(ictx, id,
					     IOMMUFD_OBJ_HWPT_PAGING),
			    struct iommufd_paging_hwpt, base.obj);
}

/**
 * iommufd_nested_hwpt_find - look up a nested HWPT by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the HWPT with a reference held, or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_nested_hwpt *
iommufd_nested_hwpt_find(struct iommufd_ctx *ictx, u32 id)
{
	return container_of(iommufd_obj_find(ictx, id,
					     IOMMUFD_OBJ_HWPT_NESTED),
			    struct iommufd_nested_hwpt, base.obj);
}

struct iommufd_paging_hwpt *
iommufd_paging_hwpt_create(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			   struct iommufd_device *idev, u32 flags,
			   const struct iommu_user_data *user_data,
			   bool auto_domain);
int iommufd_paging_hwpt_enforce_cc(struct iommufd_paging_hwpt *paging);
bool iommufd_ioas_auto_hwpts_coherent(struct iommufd_ioas *ioas);
bool iommufd_domain_finished(struct iommu_domain *domain);
int iommufd_paging_hwpt_fill(struct iommufd_paging_hwpt *paging);

struct iommufd_nested_hwpt *
iommufd_nested_hwpt_new(struct iommufd_ctx *ictx,
			struct iommufd_paging_hwpt *parent,
			struct iommufd_obj *holder, struct iommufd_device *idev,
			struct iommu_domain *domain, u32 flags, u32 fault_id);

/**
 * typedef iommufd_invalidate_fn - handles a part of an invalidation array
 * @priv: what the caller of iommufd_invalidate_user() passed
 * @array: the entries; entry_num is set to the number handled
 *
 * Return: 0 or the error of the first entry that failed.
 */
typedef int (*iommufd_invalidate_fn)(void *priv,
				     struct iommu_user_data_array *array);
int iommufd_invalidate_user(struct iommufd_call *call,
			    iommufd_invalidate_fn fn, void *priv);

/* The ioctls (main.c's dispatch table) */
int iommufd_do_get_hw_info(struct iommufd_call *call);
int iommufd_do_hwpt_alloc(struct iommufd_call *call);
int iommufd_do_hwpt_set_dirty(struct iommufd_call *call);
int iommufd_do_hwpt_get_dirty(struct iommufd_call *call);
int iommufd_do_hwpt_invalidate(struct iommufd_call *call);

#endif
