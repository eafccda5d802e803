// SPDX-License-Identifier: GPL-2.0-only
/*
 * Object table of an iommufd context, and references on the context.
 *
 * Every object has a non-zero 32-bit ID in ictx->obj_table and a users count.
 * The table owns one reference.  Lookups and long-term users add one each.
 * Destroying is only possible when the table's reference is the last one,
 * which is checked and acted on under the xarray lock that lookups also
 * take, so a destroyed object can never be found again and an object in
 * use can never be destroyed.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "object.h"

/*
 * How long iommufd_obj_destroy_held() waits for transient references before
 * it gives up on a type that allows it. No ioctl holds one for more than a
 * moment unless it is parked in a user copy or GUP of memory that userspace
 * does not make present (userfaultfd, FUSE).
 */
#define IOMMUFD_DESTROY_WAIT_MS (60 * MSEC_PER_SEC)

#ifdef CONFIG_IOMMUFD_TEST
static unsigned int destroy_wait_ms = IOMMUFD_DESTROY_WAIT_MS;
module_param(destroy_wait_ms, uint, 0644);
MODULE_PARM_DESC(destroy_wait_ms,
		 "Test builds: how long destroying an object in use waits for its transient users before giving up, if its type allows that");
#else
static const unsigned int destroy_wait_ms = IOMMUFD_DESTROY_WAIT_MS;
#endif

/**
 * iommufd_ctx_get - take a reference on a context
 * @ictx: context
 *
 * The context lives as long as its file: this is a file reference.
 */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	get_file(ictx->file);
}
EXPORT_SYMBOL_GPL(iommufd_ctx_get);

/**
 * iommufd_ctx_put - drop a context reference
 * @ictx: context from iommufd_ctx_get() or iommufd_ctx_from_*() (main.c)
 */
void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	fput(ictx->file);
}
EXPORT_SYMBOL_GPL(iommufd_ctx_put);

/**
 * iommufd_obj_new_raw - allocate an object with a reserved ID
 * @ictx: context that will own the object
 * @size: size of the containing struct, which starts with the header
 * @type: object type
 * @ops: type callbacks; @ops->release is mandatory
 *
 * Use the iommufd_obj_new() wrapper.
 *
 * Return: the zeroed object, not yet visible to lookups, or an ERR_PTR.
 */
struct iommufd_obj *iommufd_obj_new_raw(struct iommufd_ctx *ictx,
					size_t size,
					enum iommufd_obj_type type,
					const struct iommufd_obj_ops *ops)
{
	struct iommufd_obj *obj;
	int rc;

	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	obj->ops = ops;
	refcount_set(&obj->refs, 1);

	/* A zero entry keeps the ID reserved while lookups still miss it. */
	rc = xa_alloc(&ictx->obj_table, &obj->id, XA_ZERO_ENTRY, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		kfree(obj);
		return ERR_PTR(rc);
	}
	return obj;
}

/**
 * iommufd_obj_publish - make a fully constructed object visible
 * @ictx: owning context
 * @obj: object from iommufd_obj_new()
 *
 * After this, userspace may look up or destroy the object at any time, so
 * the caller must not touch it again unless it holds a reference.
 */
void iommufd_obj_publish(struct iommufd_ctx *ictx,
			 struct iommufd_obj *obj)
{
	void *old;

	old = xa_cmpxchg(&ictx->obj_table, obj->id, XA_ZERO_ENTRY, obj,
			 GFP_KERNEL);
	/* Replacing a reserved entry never allocates, so it cannot fail. */
	WARN_ON(old);
}

/**
 * iommufd_obj_discard - undo a partially constructed object
 * @ictx: owning context
 * @obj: object from iommufd_obj_new(), not published
 *
 * Runs the type's release callback to let go of what the object already
 * owns, then frees its reserved ID and its memory.
 */
void iommufd_obj_discard(struct iommufd_ctx *ictx,
			 struct iommufd_obj *obj)
{
	void *old;

	obj->ops->release(obj);
	old = xa_erase(&ictx->obj_table, obj->id);
	WARN_ON(old);
	kfree(obj);
}

/**
 * iommufd_obj_find - look up an object by ID and take a reference
 * @ictx: context
 * @id: object ID
 * @type: required type, or IOMMUFD_OBJ_ANY
 *
 * This is a fault-injection point (test builds).
 *
 * Return: the object or ERR_PTR(-ENOENT) if there is no such finalized
 * object of that type.
 */
struct iommufd_obj *iommufd_obj_find(struct iommufd_ctx *ictx, u32 id,
				     enum iommufd_obj_type type)
{
	struct iommufd_obj *obj;

	if (iommufd_inject_failure())
		return ERR_PTR(-ENOENT);

	xa_lock(&ictx->obj_table);
	obj = xa_load(&ictx->obj_table, id);
	/* Reserved IDs hold XA_ZERO_ENTRY, which xa_load() reports as NULL */
	if (obj && type != IOMMUFD_OBJ_ANY && type != obj->type)
		obj = NULL;
	if (obj && !refcount_inc_not_zero(&obj->refs))
		obj = NULL;
	xa_unlock(&ictx->obj_table);
	return obj ?: ERR_PTR(-ENOENT);
}

/**
 * iommufd_obj_find_next - the next object of a type, by ID
 * @ictx: context
 * @id: in: the lowest ID to look at; out: the ID of the object found
 * @type: required type
 *
 * For walking every object of a type: start at ID 0 and go on from the ID
 * found plus one.  Objects that come or go meanwhile may or may not be seen.
 *
 * Return: the object with a reference held, or NULL if there is none left.
 */
struct iommufd_obj *iommufd_obj_find_next(struct iommufd_ctx *ictx, u32 *id,
					  enum iommufd_obj_type type)
{
	unsigned long index = *id;
	struct iommufd_obj *obj;

	xa_lock(&ictx->obj_table);
	xa_for_each_start(&ictx->obj_table, index, obj, index)
		if (obj->type == type && refcount_inc_not_zero(&obj->refs))
			break;
	xa_unlock(&ictx->obj_table);
	if (obj)
		*id = index;
	return obj;
}

static void iommufd_obj_free(struct iommufd_obj *obj)
{
	obj->ops->release(obj);
	kfree(obj);
}

/**
 * iommufd_obj_put - drop a reference
 * @ictx: owning context
 * @obj: object from iommufd_obj_find() or iommufd_obj_hold()
 *
 * The last reference is normally the table's, dropped by destroy. Only when
 * iommufd_obj_destroy_held() gave up waiting for transient users does the
 * last of them free the object here.
 */
void iommufd_obj_put(struct iommufd_ctx *ictx, struct iommufd_obj *obj)
{
	if (refcount_dec_and_test(&obj->refs)) {
		iommufd_obj_free(obj);
		return;
	}
	/* Pairs with the condition check in iommufd_obj_destroy_held() */
	if (wq_has_sleeper(&ictx->unref_wait))
		wake_up(&ictx->unref_wait);
}

/*
 * Remove @obj from the table if the table's reference is the only one.
 * Called with the xarray lock held.
 */
static bool iommufd_obj_try_unlist(struct iommufd_ctx *ictx,
				   struct iommufd_obj *obj)
{
	lockdep_assert_held(&ictx->obj_table.xa_lock);

	if (!refcount_dec_if_one(&obj->refs))
		return false;
	__xa_erase(&ictx->obj_table, obj->id);
	return true;
}

/**
 * iommufd_obj_destroy_by_id - IOMMU_DESTROY of one object
 * @ictx: context
 * @id: object ID
 *
 * Return: 0 on success, -ENOENT if there is no such object, -EBUSY if
 * anything else still holds a reference on it.
 */
int iommufd_obj_destroy_by_id(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_obj *obj;
	int rc = 0;

	xa_lock(&ictx->obj_table);
	obj = xa_load(&ictx->obj_table, id);
	if (!obj)
		rc = -ENOENT;
	else if (!iommufd_obj_try_unlist(ictx, obj))
		rc = -EBUSY;
	xa_unlock(&ictx->obj_table);
	if (rc)
		return rc;

	iommufd_obj_free(obj);
	return 0;
}

/**
 * iommufd_obj_destroy_held - destroy an object the caller references
 * @ictx: owning context
 * @obj: finalized object; the caller's reference is consumed
 *
 * For kernel-internal owners, e.g. an automatically created HWPT whose
 * last device leaves.  The ID disappears at once; the call then waits for
 * transient lookups to drop their references and destroys the object.
 * The caller must not hold locks that such lookups may need, and there must
 * be no other long-term references left.
 *
 * A lookup may be held across a user copy or GUP that userspace can delay
 * at will, so the wait is bounded where the type allows it
 * (&iommufd_obj_ops.deferrable): after a long time the call gives up and
 * the last transient user releases the object. Other types (a device, whose
 * owner may free it as soon as this returns) are waited for as long as it
 * takes; their lookups must not be held across such a copy.
 */
void iommufd_obj_destroy_held(struct iommufd_ctx *ictx,
			      struct iommufd_obj *obj)
{
	unsigned int wait_ms = READ_ONCE(destroy_wait_ms);
	void *old;

	/* Take over the table's reference; the ID stops resolving now. */
	old = xa_cmpxchg(&ictx->obj_table, obj->id, obj, NULL, GFP_KERNEL);
	if (WARN_ON(old != obj)) {
		iommufd_obj_put(ictx, obj);
		return;
	}
	refcount_dec(&obj->refs);
	if (wait_event_timeout(ictx->unref_wait,
			       refcount_read(&obj->refs) == 1,
			       msecs_to_jiffies(wait_ms)))
		goto out_free;

	/* Userspace can cause this: no WARN */
	if (obj->ops->deferrable) {
		pr_warn_ratelimited("object %u still in use after %u ms; its last user will release it\n",
				    obj->id, wait_ms);
		/* Drop the table's reference: whoever drops the last frees */
		if (refcount_dec_and_test(&obj->refs))
			iommufd_obj_free(obj);
		return;
	}
	pr_warn_ratelimited("object %u still in use after %u ms; waiting for its users\n",
			    obj->id, wait_ms);
	wait_event(ictx->unref_wait, refcount_read(&obj->refs) == 1);
out_free:
	iommufd_obj_free(obj);
}

/**
 * iommufd_obj_tombstone - take an object out of the table for good
 * @ictx: owning context
 * @obj: a published object
 *
 * For an object that disappears because something else went away (a
 * virtual device whose device was unbound): its ID stops resolving, as if
 * destroyed, but stays reserved until the context is closed, so that it is
 * never handed out again while userspace may still hold it. The caller then
 * owns the table's reference and must release the object with
 * iommufd_obj_free_tombstone().
 *
 * Return: true on success, false if the object is no longer in the table
 * (a concurrent IOMMU_DESTROY owns it).
 */
bool iommufd_obj_tombstone(struct iommufd_ctx *ictx, struct iommufd_obj *obj)
{
	/* A reserved entry: lookups and IOMMU_DESTROY see nothing there */
	return xa_cmpxchg(&ictx->obj_table, obj->id, obj, XA_ZERO_ENTRY,
			  GFP_KERNEL) == obj;
}

/**
 * iommufd_obj_free_tombstone - release an object iommufd_obj_tombstone() took
 * @ictx: owning context
 * @obj: the object; no long-term references may be left
 *
 * Waits for transient lookups, which found it before it left the table, to
 * drop their references, then releases it.
 */
void iommufd_obj_free_tombstone(struct iommufd_ctx *ictx,
				struct iommufd_obj *obj)
{
	wait_event(ictx->unref_wait, refcount_read(&obj->refs) == 1);
	iommufd_obj_free(obj);
}

/**
 * iommufd_obj_destroy_all - tear down every object of a closing context
 * @ictx: context whose file is being released
 *
 * Objects that others depend on hold references from their users, so
 * repeatedly destroying whatever is unreferenced destroys users before what
 * they use (devices, then HWPTs, then IOASes).  Anything left when a round
 * makes no progress is a reference leak: warn and leave it.
 */
void iommufd_obj_destroy_all(struct iommufd_ctx *ictx)
{
	struct iommufd_obj *obj;
	unsigned long index;
	bool progress;

	do {
		progress = false;
		xa_for_each(&ictx->obj_table, index, obj) {
			xa_lock(&ictx->obj_table);
			if (xa_load(&ictx->obj_table, index) != obj ||
			    !iommufd_obj_try_unlist(ictx, obj)) {
				xa_unlock(&ictx->obj_table);
				continue;
			}
			xa_unlock(&ictx->obj_table);
			iommufd_obj_free(obj);
			progress = true;
		}
	} while (progress && !xa_empty(&ictx->obj_table));

	/* Only tombstones may be left (xa_find() skips them); xa_destroy() */
	index = 0;
	WARN_ON(xa_find(&ictx->obj_table, &index, ULONG_MAX, XA_PRESENT));
}

/**
 * iommufd_call_reply - copy the command struct back to userspace
 * @call: the ioctl call
 * @cmd_len: size of the kernel's command struct
 *
 * Copies as many bytes as both sides know about.
 *
 * Return: 0 or -EFAULT.
 */
int iommufd_call_reply(struct iommufd_call *call, size_t cmd_len)
{
	if (copy_to_user(call->ubuf, call->args,
			 min_t(size_t, call->usize, cmd_len)))
		return -EFAULT;
	return 0;
}
