/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd object layer: the per-file context, the table of user visible
 * objects and their lifetime rules, the ioctl command buffer and the test
 * hooks (fault injection) shared by every layer.
 *
 * Layer: objects.  May be included by every file in drivers/iommu/iommufd/.
 * It includes nothing of the lower layers (io_pagetable.h, pages.h), so any
 * layer can use it without creating include cycles.
 */
#ifndef __IOMMUFD_OBJECT_H
#define __IOMMUFD_OBJECT_H

#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct file;
struct iommufd_ioas;

/**
 * enum iommufd_object_type - kinds of object in a context's object table
 * @IOMMUFD_OBJ_NONE: never stored; unused
 * @IOMMUFD_OBJ_ANY: lookup wildcard, matches every type
 * @IOMMUFD_OBJ_DEVICE: a bound device (device.c)
 * @IOMMUFD_OBJ_HWPT_PAGING: a paging hardware page table (hw_pagetable.c)
 * @IOMMUFD_OBJ_HWPT_NESTED: a nested (stage-1) hardware page table
 * @IOMMUFD_OBJ_IOAS: an I/O address space (ioas.c)
 * @IOMMUFD_OBJ_ACCESS: an in-kernel access user of an IOAS (access.c)
 * @IOMMUFD_OBJ_FAULT: an I/O page fault queue
 * @IOMMUFD_OBJ_VIOMMU: a virtual IOMMU instance (roadmap)
 * @IOMMUFD_OBJ_VDEVICE: a device of a virtual IOMMU (roadmap)
 * @IOMMUFD_OBJ_VEVENTQ: a virtual IOMMU event queue (roadmap)
 * @IOMMUFD_OBJ_SELFTEST: the mock device owner, CONFIG_IOMMUFD_TEST only
 * @IOMMUFD_OBJ_MAX: number of types
 */
enum iommufd_object_type {
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
#ifdef CONFIG_IOMMUFD_TEST
	IOMMUFD_OBJ_SELFTEST,
#endif
	IOMMUFD_OBJ_MAX,
};

/**
 * enum iommufd_account_mode - what pinned pages are charged against
 * @IOMMUFD_ACCOUNT_NONE: nothing is charged (kernel internal users only)
 * @IOMMUFD_ACCOUNT_USER: the mapping user's locked_vm (RLIMIT_MEMLOCK),
 *	the default; IOMMU_OPTION_RLIMIT_MODE value 0
 * @IOMMUFD_ACCOUNT_MM: the mapping process's mm->pinned_vm, checked against
 *	its RLIMIT_MEMLOCK; IOMMU_OPTION_RLIMIT_MODE value 1
 */
enum iommufd_account_mode {
	IOMMUFD_ACCOUNT_NONE,
	IOMMUFD_ACCOUNT_USER,
	IOMMUFD_ACCOUNT_MM,
};

/**
 * struct iommufd_ctx - state of one open /dev/iommu file
 * @file: the file; the context lives exactly as long as the file, so
 *	iommufd_ctx_get()/iommufd_ctx_put() are file references
 * @objects: ID -> &struct iommufd_object.  A reserved but not yet finalized
 *	ID holds XA_ZERO_ENTRY, which lookups treat as absent.  Protected by
 *	the xarray's own lock; IDs are non-zero 32-bit values.
 * @destroy_wait: woken whenever an object reference is dropped, so a
 *	destroyer can wait for transient users to go away
 * @lock: protects @account_mode and @vfio_ioas
 * @account_mode: how pages pinned by new mappings are charged; fixed for
 *	the lifetime of each pages object, so a charge is always released
 *	under the mode it was made in
 * @vfio_ioas: IOAS used by the VFIO compatibility layer, or NULL; holds
 *	no reference (cleared when that IOAS is destroyed)
 */
struct iommufd_ctx {
	struct file *file;
	struct xarray objects;
	wait_queue_head_t destroy_wait;

	struct mutex lock; /* protects account_mode and vfio_ioas */
	enum iommufd_account_mode account_mode;
	struct iommufd_ioas *vfio_ioas;
};

struct iommufd_object;

/**
 * struct iommufd_object_ops - per-type callbacks
 * @destroy: release everything the object owns.  Called exactly once, with
 *	no other references left and the ID already gone from the table.  Must
 *	not fail.  The object memory itself is freed by the object core.
 * @abort: optional; undo a not yet finalized object (see
 *	iommufd_object_abort_and_destroy()).  Defaults to @destroy.
 */
struct iommufd_object_ops {
	void (*destroy)(struct iommufd_object *obj);
	void (*abort)(struct iommufd_object *obj);
};

/**
 * struct iommufd_object - header embedded first in every object
 * @users: the object table holds one reference; every lookup
 *	(iommufd_get_object()) and every long-term user (iommufd_object_get())
 *	holds one more.  IOMMU_DESTROY succeeds only when the table's reference
 *	is the only one left, otherwise it fails with -EBUSY, so an object is
 *	never freed under a user and destroy never sleeps waiting for one.
 * @type: the object's type, fixed at allocation
 * @id: the object's ID in &iommufd_ctx.objects, fixed at allocation
 * @ops: type callbacks
 */
struct iommufd_object {
	refcount_t users;
	enum iommufd_object_type type;
	u32 id;
	const struct iommufd_object_ops *ops;
};

struct iommufd_object *_iommufd_object_alloc(struct iommufd_ctx *ictx,
					     size_t size,
					     enum iommufd_object_type type,
					     const struct iommufd_object_ops *ops);

/**
 * iommufd_object_alloc - allocate an object and reserve its ID
 * @ictx: context
 * @ptr: pointer of the containing type (only its type is used)
 * @obj_type: enum iommufd_object_type value
 * @ops: type callbacks
 *
 * The ID is reserved but invisible to lookups until
 * iommufd_object_finalize().  The containing struct must start with its
 * &struct iommufd_object (possibly nested, e.g. in a common header struct);
 * iommufd_object_alloc_member() checks that at build time.
 *
 * Return: the zeroed containing struct or an ERR_PTR.
 */
#define iommufd_object_alloc(ictx, ptr, obj_type, ops)                        \
	((typeof(ptr))_iommufd_object_alloc(ictx, sizeof(*(ptr)), obj_type,   \
					    ops))

/**
 * iommufd_object_alloc_member - iommufd_object_alloc() with a layout check
 * @ictx: context
 * @ptr: pointer of the containing type (only its type is used)
 * @member: path of the embedded &struct iommufd_object, e.g. common.obj
 * @obj_type: enum iommufd_object_type value
 * @ops: type callbacks
 *
 * Return: the zeroed containing struct or an ERR_PTR.
 */
#define iommufd_object_alloc_member(ictx, ptr, member, obj_type, ops)         \
	__iommufd_object_alloc(ictx, typeof(*(ptr)), member, obj_type, ops)

#define __iommufd_object_alloc(ictx, type, member, obj_type, ops)             \
	({                                                                    \
		static_assert(offsetof(type, member) == 0);                   \
		(type *)_iommufd_object_alloc(ictx, sizeof(type), obj_type,   \
					      ops);                           \
	})

void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj);
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj);
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj);

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type);
void iommufd_put_object(struct iommufd_ctx *ictx, struct iommufd_object *obj);

/**
 * iommufd_object_get - take another (long-term) reference
 * @obj: object the caller already holds a reference on
 *
 * Used e.g. by a HWPT on its IOAS or by a device on the HWPT it is attached
 * to.  While such a reference exists IOMMU_DESTROY of @obj fails with
 * -EBUSY.  Drop it with iommufd_put_object().
 */
static inline void iommufd_object_get(struct iommufd_object *obj)
{
	refcount_inc(&obj->users);
}

int iommufd_object_destroy_user(struct iommufd_ctx *ictx, u32 id);
void iommufd_object_destroy_held(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj);
void iommufd_objects_destroy_all(struct iommufd_ctx *ictx);

/**
 * struct iommufd_ucmd - one ioctl call as seen by its handler
 * @ictx: context of the file the ioctl was issued on
 * @ubuffer: the user's command struct
 * @user_size: the size field the user passed in
 * @cmd: kernel copy of the command struct; zero-filled past @user_size.
 *	Handlers update it and copy it back with iommufd_ucmd_respond().
 */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len);

/* IOMMU_DESTROY and IOMMU_OPTION (main.c) */
int iommufd_destroy(struct iommufd_ucmd *ucmd);
int iommufd_option(struct iommufd_ucmd *ucmd);

/*
 * Handlers of the ioctls implemented in the device / HWPT / fault files.
 * main.c dispatches to them; they are defined by those files.
 */
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd);
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd);

/* VFIO compatibility (vfio_compat.c) */
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd);
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg);
void iommufd_vfio_compat_ioas_destroyed(struct iommufd_ioas *ioas);

#ifdef CONFIG_IOMMUFD_TEST
/**
 * iommufd_should_fail - test-only fault-injection point
 *
 * Consults the fail_iommufd fault attribute (debugfs
 * /sys/kernel/debug/fail_iommufd, and the per-task fail-nth countdown).
 * Every call is one fault-injectable evaluation, so call it only at the
 * sites the mock interface specification lists.
 *
 * Return: true if the caller must fail now.
 */
bool iommufd_should_fail(void);
void iommufd_fail_init(void);

/* Provided by selftest.c */
int iommufd_test(struct iommufd_ucmd *ucmd);
int iommufd_test_init(void);
void iommufd_test_exit(void);
#else
static inline bool iommufd_should_fail(void)
{
	return false;
}
#endif

#endif
