/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd object core: the per-file context, the table of user visible
 * objects and their lifetime rules, and the ioctl command buffer.
 *
 * Layer: object core, below the uAPI objects and above the IOVA bookkeeping.
 * Included by the object files and everything above them.  Of the layers
 * below it includes common.h, and pages_acct.h for the accounting mode a
 * context sets.
 */
#ifndef __IOMMUFD_OBJECT_H
#define __IOMMUFD_OBJECT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "common.h"
#include "pages_acct.h"

struct file;

/**
 * enum iommufd_obj_type - kinds of object in a context's object table
 * @IOMMUFD_OBJ_NONE: never stored; unused
 * @IOMMUFD_OBJ_ANY: lookup wildcard, matches every type
 * @IOMMUFD_OBJ_DEVICE: a bound device (device.c)
 * @IOMMUFD_OBJ_HWPT_PAGING: a paging hardware page table (hwpt.c)
 * @IOMMUFD_OBJ_HWPT_NESTED: a nested (stage-1) hardware page table
 * @IOMMUFD_OBJ_IOAS: an I/O address space (ioas.c)
 * @IOMMUFD_OBJ_ACCESS: an in-kernel access user of an IOAS (access.c)
 * @IOMMUFD_OBJ_FAULT: an I/O page fault queue
 * @IOMMUFD_OBJ_VIOMMU: a virtual IOMMU instance (viommu.c)
 * @IOMMUFD_OBJ_VDEVICE: a device of a virtual IOMMU (viommu.c)
 * @IOMMUFD_OBJ_VEVENTQ: a virtual IOMMU event queue (veventq.c)
 * @IOMMUFD_OBJ_HW_QUEUE: a hardware queue of a virtual IOMMU (hw_queue.c)
 * @IOMMUFD_OBJ_SELFTEST: the mock device owner, CONFIG_IOMMUFD_TEST only
 * @IOMMUFD_OBJ_MAX: number of types
 */
enum iommufd_obj_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_VIOMMU,
	IOMMUFD_OBJ_VDEVICE,
	IOMMUFD_OBJ_VEVENTQ,
	IOMMUFD_OBJ_HW_QUEUE,
#ifdef CONFIG_IOMMUFD_TEST
	IOMMUFD_OBJ_SELFTEST,
#endif
	IOMMUFD_OBJ_MAX,
};

/**
 * struct iommufd_ctx - state of one open /dev/iommu file
 * @file: the file; the context lives exactly as long as the file, so
 *	iommufd_ctx_get()/iommufd_ctx_put() are file references
 * @obj_table: ID -> &struct iommufd_obj.  A reserved but not yet finalized
 *	ID holds XA_ZERO_ENTRY, which lookups treat as absent.  Protected by
 *	the xarray's own lock; IDs are non-zero 32-bit values.
 * @unref_wait: woken whenever an object reference is dropped, so a
 *	destroyer can wait for transient users to go away
 * @lock: protects @acct_mode, and the context's state as a VFIO container
 *	(struct iommufd_vfio_ctx, vfio_compat.h)
 * @acct_mode: how pages pinned by new mappings are charged; fixed for
 *	the lifetime of each pages object, so a charge is always released
 *	under the mode it was made in
 * @mmaps: region number -> the regions of this file that mmap() maps
 *	(viommu.c); the xarray's lock protects lookups against removal
 * @dev: the device the context attaches to dma-bufs as (IOAS_MAP_FILE):
 *	/dev/iommu's, for /dev/vfio/vfio too
 *
 * Every context is allocated as a part of a struct iommufd_vfio_ctx
 * (main.c), which the VFIO compat layer above extends it with.
 */
struct iommufd_ctx {
	struct file *file;
	struct xarray obj_table;
	wait_queue_head_t unref_wait;

	struct mutex lock; /* acct_mode, VFIO state; order: common.h */
	enum iommufd_account_mode acct_mode;
	struct xarray mmaps;
	struct device *dev;
};

struct iommufd_obj;

/**
 * struct iommufd_obj_ops - per-type callbacks
 * @release: release everything the object owns.  Called exactly once, with
 *	no other references left and the ID already gone from the table, or
 *	by iommufd_obj_discard() for an object that was never published, so
 *	it must cope with a partly constructed one.  Must not fail.  The
 *	object memory itself is freed by the object core.
 * @deferrable: iommufd_obj_destroy_held() may give up waiting for transient
 *	references after a long time and leave @release to whoever drops the
 *	last one, from iommufd_obj_put().  Only for types whose @release needs
 *	nothing of the destroyer (no owner data, no device that may go away
 *	once destroy returns) and takes no lock held around a put.
 */
struct iommufd_obj_ops {
	void (*release)(struct iommufd_obj *obj);
	bool deferrable;
};

/**
 * struct iommufd_obj - header embedded first in every object
 * @refs: the object table holds one reference; every lookup
 *	(iommufd_obj_find()) and every long-term user (iommufd_obj_hold())
 *	holds one more.  IOMMU_DESTROY succeeds only when the table's reference
 *	is the only one left, otherwise it fails with -EBUSY, so an object is
 *	never freed under a user and destroy never sleeps waiting for one.
 *	(Kernel owners wait in iommufd_obj_destroy_held(), which may leave a
 *	deferrable object to its last user.)
 * @type: the object's type, fixed at allocation
 * @id: the object's ID in &iommufd_ctx.obj_table, fixed at allocation
 * @ops: type callbacks
 */
struct iommufd_obj {
	refcount_t refs;
	enum iommufd_obj_type type;
	u32 id;
	const struct iommufd_obj_ops *ops;
};

struct iommufd_obj *iommufd_obj_new_raw(struct iommufd_ctx *ictx,
					size_t size,
					enum iommufd_obj_type type,
					const struct iommufd_obj_ops *ops);

/**
 * iommufd_obj_new - allocate an object and reserve its ID
 * @ictx: context
 * @ptr: pointer of the containing type (only its type is used)
 * @obj_type: enum iommufd_obj_type value
 * @ops: type callbacks
 *
 * The ID is reserved but invisible to lookups until
 * iommufd_obj_publish().  The containing struct must start with its
 * &struct iommufd_obj (possibly nested, e.g. in a common header struct);
 * iommufd_obj_new_at() checks that at build time.
 *
 * Return: the zeroed containing struct or an ERR_PTR.
 */
#define iommufd_obj_new(ictx, ptr, obj_type, ops)			\
	((typeof(ptr))iommufd_obj_new_raw(ictx, sizeof(*(ptr)),	\
					  obj_type, ops))

/**
 * iommufd_obj_new_at - iommufd_obj_new() with a layout check
 * @ictx: context
 * @ptr: pointer of the containing type (only its type is used)
 * @member: path of the embedded &struct iommufd_obj, e.g. base.obj
 * @obj_type: enum iommufd_obj_type value
 * @ops: type callbacks
 *
 * Return: the zeroed containing struct or an ERR_PTR.
 */
#define iommufd_obj_new_at(ictx, ptr, member, obj_type, ops)		\
	__iommufd_obj_new_checked(ictx, typeof(*(ptr)), member,	\
				  obj_type, ops)

#define __iommufd_obj_new_checked(ictx, type, member, obj_type, ops)	\
	({								\
		static_assert(offsetof(type, member) == 0);		\
		(type *)iommufd_obj_new_raw(ictx, sizeof(type),		\
					    obj_type, ops);		\
	})

void iommufd_obj_publish(struct iommufd_ctx *ictx,
			 struct iommufd_obj *obj);
void iommufd_obj_discard(struct iommufd_ctx *ictx,
			 struct iommufd_obj *obj);

struct iommufd_obj *iommufd_obj_find(struct iommufd_ctx *ictx, u32 id,
				     enum iommufd_obj_type type);
struct iommufd_obj *iommufd_obj_find_next(struct iommufd_ctx *ictx, u32 *id,
					  enum iommufd_obj_type type);
void iommufd_obj_put(struct iommufd_ctx *ictx, struct iommufd_obj *obj);

/**
 * iommufd_obj_hold - take another (long-term) reference
 * @obj: object the caller already holds a reference on
 *
 * Used e.g. by a HWPT on its IOAS or by a device on the HWPT it is attached
 * to.  While such a reference exists IOMMU_DESTROY of @obj fails with
 * -EBUSY.  Drop it with iommufd_obj_put().
 */
static inline void iommufd_obj_hold(struct iommufd_obj *obj)
{
	refcount_inc(&obj->refs);
}

int iommufd_obj_destroy_by_id(struct iommufd_ctx *ictx, u32 id);
void iommufd_obj_destroy_held(struct iommufd_ctx *ictx,
			      struct iommufd_obj *obj);
void iommufd_obj_destroy_all(struct iommufd_ctx *ictx);
bool iommufd_obj_tombstone(struct iommufd_ctx *ictx, struct iommufd_obj *obj);
void iommufd_obj_free_tombstone(struct iommufd_ctx *ictx,
				struct iommufd_obj *obj);

/**
 * struct iommufd_call - one ioctl call as seen by its handler
 * @ictx: context of the file the ioctl was issued on
 * @ubuf: the user's command struct
 * @usize: the size field the user passed in
 * @args: kernel copy of the command struct; zero-filled past @usize.
 *	Handlers update it and copy it back with iommufd_call_reply().
 */
struct iommufd_call {
	struct iommufd_ctx *ictx;
	void __user *ubuf;
	u32 usize;
	void *args;
};

int iommufd_call_reply(struct iommufd_call *call, size_t cmd_len);

#endif
