/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd IOAS object: an I/O address space owned by a context, i.e. an
 * object wrapper around struct io_pagetable plus the IOAS ioctls.
 *
 * Layer: objects.  Included by main.c, ioas.c, vfio_compat.c and the
 * device / HWPT / access / selftest code.  Includes object.h and
 * io_pagetable.h (the layer below).
 */
#ifndef __IOMMUFD_IOAS_H
#define __IOMMUFD_IOAS_H

#include <linux/list.h>
#include <linux/mutex.h>

#include "io_pagetable.h"
#include "object.h"

/**
 * struct iommufd_ioas - an I/O address space
 * @obj: object header (type IOMMUFD_OBJ_IOAS)
 * @ictx: owning context (no reference; the context outlives its objects)
 * @iopt: the IOVA bookkeeping and its domains
 * @mutex: protects @hwpt_list; held by device attach across "find a
 *	reusable auto HWPT or create one" so two devices agree on one domain
 * @hwpt_list: list of the automatically created paging HWPTs of this IOAS
 *	(linked by the HWPT's own list_head; owned by hw_pagetable.c)
 */
struct iommufd_ioas {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct io_pagetable iopt;
	struct mutex mutex; /* protects @hwpt_list */
	struct list_head hwpt_list;
};

/**
 * iommufd_get_ioas - look up an IOAS by ID
 * @ictx: context
 * @id: object ID
 *
 * Return: the IOAS with a reference held (drop it with
 * iommufd_put_object()), or ERR_PTR(-ENOENT).
 */
static inline struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx,
						    u32 id)
{
	return container_of(iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS),
			    struct iommufd_ioas, obj);
}

struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx);

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
int iommufd_ioas_option(struct iommufd_ucmd *ucmd);

#endif
