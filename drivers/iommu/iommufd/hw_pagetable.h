/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd hardware page table (HWPT) objects: an iommu_domain owned by a
 * context. A paging HWPT mirrors one IOAS; a nested HWPT is a stage-1 table
 * that translates through a paging parent.
 *
 * Layer: objects. Included by hw_pagetable.c, device.c and selftest.c.
 * Includes ioas.h (and through it the IOVA bookkeeping layer).
 */
#ifndef __IOMMUFD_HW_PAGETABLE_H
#define __IOMMUFD_HW_PAGETABLE_H

#include <linux/list.h>
#include <linux/types.h>

#include "ioas.h"
#include "object.h"

struct iommu_domain;
struct iommufd_device;
struct iommufd_fault;

/**
 * struct iommufd_hw_pagetable - what every HWPT has
 * @obj: object header, type IOMMUFD_OBJ_HWPT_PAGING or IOMMUFD_OBJ_HWPT_NESTED
 * @ictx: the context
 * @domain: the iommu_domain, owned by the HWPT
 * @fault: the fault queue its I/O page faults go to (a reference held), or
 *	NULL if it is not fault-capable
 * @ndevices: number of devices attached; protected by the mutex of the IOAS
 *	the HWPT translates through (iommufd_hwpt_ioas()). Every attached
 *	device also holds a reference on @obj, so an attached HWPT cannot be
 *	destroyed by the user.
 */
struct iommufd_hw_pagetable {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommu_domain *domain;
	struct iommufd_fault *fault;
	unsigned int ndevices;
};

/**
 * struct iommufd_hwpt_paging - a HWPT that mirrors an IOAS
 * @common: the HWPT
 * @ioas: the IOAS; one reference held, and @common.domain is one of the
 *	domains of its io_pagetable for the whole life of the HWPT
 * @auto_domain: created by attaching a device to the IOAS; listed in
 *	@ioas->hwpt_list (by @hwpt_item, under @ioas->mutex), reused by
 *	compatible devices and destroyed when its last device leaves
 * @nest_parent: allocated with IOMMU_HWPT_ALLOC_NEST_PARENT
 * @enforce_cache_coherency: the domain blocks non-coherent DMA; protected
 *	by @ioas->mutex
 * @msi_cookie: the software MSI window is set up in the domain; protected
 *	by @ioas->mutex
 * @hwpt_item: entry in @ioas->hwpt_list while @auto_domain
 */
struct iommufd_hwpt_paging {
	struct iommufd_hw_pagetable common;
	struct iommufd_ioas *ioas;
	bool auto_domain;
	bool nest_parent;
	bool enforce_cache_coherency;
	bool msi_cookie;
	struct list_head hwpt_item;
};

/**
 * struct iommufd_hwpt_nested - a stage-1 HWPT
 * @common: the HWPT
 * @parent: the paging HWPT it translates through; one reference held
 */
struct iommufd_hwpt_nested {
	struct iommufd_hw_pagetable common;
	struct iommufd_hwpt_paging *parent;
};

static inline bool hwpt_is_paging(struct iommufd_hw_pagetable *hwpt)
{
	return hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING;
}

static inline struct iommufd_hwpt_paging *
to_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	return container_of(hwpt, struct iommufd_hwpt_paging, common);
}

static inline struct iommufd_hwpt_nested *
to_hwpt_nested(struct iommufd_hw_pagetable *hwpt)
{
	return container_of(hwpt, struct iommufd_hwpt_nested, common);
}

/**
 * iommufd_hwpt_paging_of - the paging HWPT behind any HWPT
 * @hwpt: a paging or nested HWPT
 *
 * Return: @hwpt itself if it is a paging HWPT, else its parent.
 */
static inline struct iommufd_hwpt_paging *
iommufd_hwpt_paging_of(struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt_is_paging(hwpt))
		return to_hwpt_paging(hwpt);
	return to_hwpt_nested(hwpt)->parent;
}

/**
 * iommufd_hwpt_ioas - the IOAS a HWPT translates through
 * @hwpt: a paging or nested HWPT
 *
 * Return: the IOAS of @hwpt or of its parent.
 */
static inline struct iommufd_ioas *
iommufd_hwpt_ioas(struct iommufd_hw_pagetable *hwpt)
{
	return iommufd_hwpt_paging_of(hwpt)->ioas;
}

/**
 * iommufd_get_hwpt_paging - look up a paging HWPT by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the HWPT with a reference held (drop it with
 * iommufd_put_object()), or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_hwpt_paging *
iommufd_get_hwpt_paging(struct iommufd_ctx *ictx, u32 id)
{
	return container_of(iommufd_get_object(ictx, id,
					       IOMMUFD_OBJ_HWPT_PAGING),
			    struct iommufd_hwpt_paging, common.obj);
}

/**
 * iommufd_get_hwpt_nested - look up a nested HWPT by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the HWPT with a reference held, or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_hwpt_nested *
iommufd_get_hwpt_nested(struct iommufd_ctx *ictx, u32 id)
{
	return container_of(iommufd_get_object(ictx, id,
					       IOMMUFD_OBJ_HWPT_NESTED),
			    struct iommufd_hwpt_nested, common.obj);
}

struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, u32 flags,
			  bool auto_domain);
int iommufd_hwpt_paging_enforce_cc(struct iommufd_hwpt_paging *hwpt_paging);

#endif
