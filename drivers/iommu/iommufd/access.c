// SPDX-License-Identifier: GPL-2.0-only
/*
 * Access objects: the kAPI through which an in-kernel user without an IOMMU
 * of its own (an emulated device such as an mdev) uses an IOAS. It pins the
 * pages behind IOVA ranges, or reads and writes IOVA through the CPU.
 *
 * The IOAS tells the access that a range is about to be unmapped through
 * the unmap callback of the access's owner, which must drop its pins of that
 * range before returning; unmap waits for that.
 *
 * Leaving an IOAS (replace, detach, destroy) goes in three steps: new pins
 * and reads/writes are refused, the owner's unmap callback runs for every
 * mapping with pins, with none of the locks that pinning, unpinning or the
 * IOAS need, and only then does the access switch or drop its IOAS. So every
 * pin is released in the IOAS it was taken in, and none outlives the
 * attachment.
 */
#include <linux/iommufd.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "access.h"
#include "ioas.h"

/* The kAPI's flags go down to the IOVA and pages layers as they are */
static_assert((unsigned int)IOMMUFD_ACCESS_RW_WRITE ==
	      (unsigned int)ISP_ACCESS_WRITE);
static_assert((unsigned int)IOMMUFD_ACCESS_RW_KTHREAD ==
	      (unsigned int)ISP_ACCESS_KTHREAD);
static_assert((unsigned int)__IOMMUFD_ACCESS_RW_SLOW_PATH ==
	      (unsigned int)ISP_ACCESS_SLOW_PATH);

/**
 * struct iommufd_access_link - an access's registration in one IOAS
 * @link: what the iova_space sees
 * @acc: the owner of the registration
 *
 * An access has two so that replacing its IOAS can register in the new IOAS
 * before leaving the old one.
 */
struct iommufd_access_link {
	struct isp_access_link link;
	struct iommufd_access *acc;
};

/**
 * struct iommufd_access - an in-kernel user of an IOAS
 * @obj: object header, type IOMMUFD_OBJ_ACCESS. The creator holds a
 *	reference until iommufd_access_destroy().
 * @ictx: the context; a reference is held
 * @owner_ops: the owner's callbacks
 * @owner_data: the owner's cookie for @owner_ops
 * @attach_lock: serialises attach, replace and detach, and protects @cur.
 *	Held across the owner's unmap callback when leaving an IOAS, so the
 *	callback must not attach, replace or detach this access. @lock must
 *	not be held when registering or unregistering in an IOAS: that waits
 *	for running unmap callbacks, and the callback unpins under @lock.
 * @lock: protects @ioas, @leaving and @npins (@ioas and @leaving change
 *	under both locks); held across pinning, unpinning and rw so that the
 *	IOAS stays attached
 * @ioas: the attached IOAS (a reference held), or NULL. The access's pins
 *	always live in it: it only changes once the owner dropped them all.
 * @leaving: a replace or detach is in progress: pins and rw are refused
 * @npins: pins taken and not yet unpinned
 * @links: the registrations in @ioas and, during a replace, in the new IOAS
 * @cur: index in @links of the registration in @ioas
 */
struct iommufd_access {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	const struct iommufd_access_ops *owner_ops;
	void *owner_data;
	struct mutex attach_lock; /* see above; order: common.h */
	struct mutex lock; /* ioas, leaving, npins; order: common.h */
	struct iommufd_ioas *ioas;
	bool leaving;
	unsigned long npins;
	struct iommufd_access_link links[2];
	unsigned int cur;
};

static void iommufd_access_unmap(struct isp_access_link *link,
				 unsigned long iova, unsigned long length)
{
	struct iommufd_access *acc =
		container_of(link, struct iommufd_access_link, link)->acc;

	acc->owner_ops->unmap(acc->owner_data, iova, length);
}

/*
 * Refuse new pins and rw, then have the owner drop every pin it holds in
 * @acc->ioas: its unmap callback is called for each mapping that holds
 * access pins, as unmapping it would, with only @attach_lock held. (Not
 * once over the whole IOVA space: some owners walk the range they are given
 * page by page.) On return the access is still attached to @acc->ioas with
 * @leaving set.
 *
 * Return: 0, or -EBUSY if the owner kept pins (a bug of the owner).
 */
static int iommufd_access_flush(struct iommufd_access *acc)
{
	struct iova_space *isp = &acc->ioas->isp;
	unsigned long from = 0, start, last;
	bool pinned;
	int rc = 0;

	lockdep_assert_held(&acc->attach_lock);

	/* A pin in flight finishes under @lock before @leaving is set */
	mutex_lock(&acc->lock);
	acc->leaving = true;
	pinned = acc->npins;
	mutex_unlock(&acc->lock);

	while (pinned && isp_access_next_pinned(isp, from, &start, &last)) {
		acc->owner_ops->unmap(acc->owner_data, start,
				      last - start + 1);
		mutex_lock(&acc->lock);
		pinned = acc->npins;
		mutex_unlock(&acc->lock);
		if (last == ULONG_MAX)
			break;
		from = last + 1;
	}

	mutex_lock(&acc->lock);
	if (WARN_ON_ONCE(acc->npins))
		rc = -EBUSY;
	mutex_unlock(&acc->lock);
	return rc;
}

/* Leave the IOAS for good; returns it, the caller drops its reference */
static struct iommufd_ioas *iommufd_access_leave(struct iommufd_access *acc)
{
	struct iommufd_ioas *ioas = acc->ioas;

	lockdep_assert_held(&acc->attach_lock);

	/* Pins the owner kept are leaked: there is nowhere to release them */
	iommufd_access_flush(acc);
	mutex_lock(&acc->lock);
	acc->ioas = NULL;
	acc->leaving = false;
	mutex_unlock(&acc->lock);
	/* Waits for unmap callbacks, which may take @lock */
	lockdep_assert_not_held(&acc->lock);
	isp_del_access(&ioas->isp, &acc->links[acc->cur].link);
	return ioas;
}

static void iommufd_access_obj_destroy(struct iommufd_obj *obj)
{
	struct iommufd_access *acc =
		container_of(obj, struct iommufd_access, obj);

	/* iommufd_access_destroy() detached it */
	WARN_ON(acc->ioas);
	mutex_destroy(&acc->lock);
	mutex_destroy(&acc->attach_lock);
	iommufd_ctx_put(acc->ictx);
}

static const struct iommufd_obj_ops iommufd_access_obj_ops = {
	.release = iommufd_access_obj_destroy,
};

/**
 * iommufd_access_create - Create an access object
 * @ictx: the context
 * @ops: callbacks; @ops->unmap is mandatory, @ops->needs_pin_pages says
 *	whether the user will call iommufd_access_pin_pages()
 * @data: cookie passed to @ops->unmap
 * @id: output: the object ID
 *
 * The access holds a reference on @ictx until it is destroyed.
 *
 * Return: the access, or an ERR_PTR.
 */
struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id)
{
	/* Pinned pages are handed out as struct page: PAGE_SIZE granular */
	unsigned long align = ops->needs_pin_pages ? PAGE_SIZE : 1;
	struct iommufd_access *acc;
	int i;

	acc = iommufd_obj_new(ictx, acc, IOMMUFD_OBJ_ACCESS,
			      &iommufd_access_obj_ops);
	if (IS_ERR(acc))
		return acc;
	acc->ictx = ictx;
	acc->owner_ops = ops;
	acc->owner_data = data;
	mutex_init(&acc->attach_lock);
	mutex_init(&acc->lock);
	for (i = 0; i != ARRAY_SIZE(acc->links); i++) {
		acc->links[i].acc = acc;
		acc->links[i].link.unmap = iommufd_access_unmap;
		acc->links[i].link.iova_alignment = align;
	}
	iommufd_ctx_get(ictx);
	/* The creator's reference, dropped by iommufd_access_destroy() */
	iommufd_obj_hold(&acc->obj);
	iommufd_obj_publish(ictx, &acc->obj);
	*id = acc->obj.id;
	return acc;
}
EXPORT_SYMBOL_GPL(iommufd_access_create);

/**
 * iommufd_access_destroy - Destroy an access object
 * @acc: the access
 *
 * Detaches the access first if it is still attached, which calls the owner's
 * unmap callback as iommufd_access_detach() does.
 */
void iommufd_access_destroy(struct iommufd_access *acc)
{
	struct iommufd_ioas *ioas = NULL;

	mutex_lock(&acc->attach_lock);
	if (acc->ioas)
		ioas = iommufd_access_leave(acc);
	mutex_unlock(&acc->attach_lock);
	if (ioas)
		iommufd_obj_put(acc->ictx, &ioas->obj);
	iommufd_obj_destroy_held(acc->ictx, &acc->obj);
}
EXPORT_SYMBOL_GPL(iommufd_access_destroy);

/**
 * iommufd_access_attach - Attach an access to an IOAS
 * @acc: a detached access
 * @ioas_id: ID of the IOAS
 *
 * While attached the access keeps the IOAS from being destroyed.
 *
 * Return: 0, -EINVAL if already attached, -ENOENT if @ioas_id is not an
 * IOAS, -EADDRINUSE if existing mappings break the access's alignment.
 */
int iommufd_access_attach(struct iommufd_access *acc, u32 ioas_id)
{
	struct iommufd_ioas *ioas;
	int rc;

	mutex_lock(&acc->attach_lock);
	if (acc->ioas) {
		rc = -EINVAL;
		goto out_unlock;
	}
	ioas = iommufd_ioas_find(acc->ictx, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_unlock;
	}
	lockdep_assert_not_held(&acc->lock);
	rc = isp_add_access(&ioas->isp, &acc->links[acc->cur].link);
	if (rc) {
		iommufd_obj_put(acc->ictx, &ioas->obj);
		goto out_unlock;
	}
	/* The lookup reference becomes the attachment's */
	mutex_lock(&acc->lock);
	acc->ioas = ioas;
	mutex_unlock(&acc->lock);

out_unlock:
	mutex_unlock(&acc->attach_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_attach);

/**
 * iommufd_access_replace - Move an attached access to another IOAS
 * @acc: an attached access
 * @ioas_id: ID of the new IOAS
 *
 * The access is registered in the new IOAS first. Then pins and rw are
 * refused (-ENOENT) while the owner's unmap callback is called for every
 * mapping of the old IOAS that holds access pins, so that the owner drops
 * all of its pins there; then the access switches to the new IOAS and
 * leaves the old one. Replacing with the current IOAS does nothing.
 *
 * Return: 0, -ENOENT if the access is detached or @ioas_id is not an IOAS,
 * -EADDRINUSE as for attach, -EBUSY if the owner kept pins after its unmap
 * callback (the old attachment stays in each case).
 */
int iommufd_access_replace(struct iommufd_access *acc, u32 ioas_id)
{
	struct iommufd_ioas *ioas, *old;
	unsigned int next;
	int rc;

	mutex_lock(&acc->attach_lock);
	old = acc->ioas;
	if (!old) {
		rc = -ENOENT;
		goto err_unlock;
	}
	ioas = iommufd_ioas_find(acc->ictx, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto err_unlock;
	}
	if (ioas == old) {
		rc = 0;
		goto err_put;
	}
	next = !acc->cur;
	lockdep_assert_not_held(&acc->lock);
	rc = isp_add_access(&ioas->isp, &acc->links[next].link);
	if (rc)
		goto err_put;

	rc = iommufd_access_flush(acc);
	mutex_lock(&acc->lock);
	if (!rc)
		acc->ioas = ioas;
	acc->leaving = false;
	mutex_unlock(&acc->lock);
	if (rc) {
		isp_del_access(&ioas->isp, &acc->links[next].link);
		goto err_put;
	}

	isp_del_access(&old->isp, &acc->links[acc->cur].link);
	acc->cur = next;
	mutex_unlock(&acc->attach_lock);
	iommufd_obj_put(acc->ictx, &old->obj);
	return 0;

err_put:
	iommufd_obj_put(acc->ictx, &ioas->obj);
err_unlock:
	mutex_unlock(&acc->attach_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_replace);

/**
 * iommufd_access_detach - Detach an access from its IOAS
 * @acc: an attached access
 *
 * Pins and rw are refused (-ENOENT) from now on; the owner's unmap callback
 * is called for every mapping that holds access pins, so that the owner
 * drops all of its pins, before the access leaves the IOAS.
 */
void iommufd_access_detach(struct iommufd_access *acc)
{
	struct iommufd_ioas *ioas;

	mutex_lock(&acc->attach_lock);
	if (WARN_ON(!acc->ioas)) {
		mutex_unlock(&acc->attach_lock);
		return;
	}
	ioas = iommufd_access_leave(acc);
	mutex_unlock(&acc->attach_lock);
	iommufd_obj_put(acc->ictx, &ioas->obj);
}
EXPORT_SYMBOL_GPL(iommufd_access_detach);

/**
 * iommufd_access_pin_pages - Pin the pages behind an IOVA range
 * @acc: an attached access created with needs_pin_pages
 * @iova: first IOVA, PAGE_SIZE aligned relative to the backing memory
 * @length: number of bytes
 * @out_pages: output: one struct page per CPU page of the range
 * @flags: IOMMUFD_ACCESS_RW_WRITE to pin for writing
 *
 * The pages stay pinned until iommufd_access_unpin_pages() of exactly this
 * range, which the owner must do at the latest from its unmap callback.
 *
 * Return: 0, -EINVAL (zero length, misaligned, range being unmapped),
 * -EOVERFLOW, -ENOENT (detached, a replace or detach in progress, or the
 * range is not fully mapped), -EPERM (the mapping forbids the direction), or
 * a pinning error.
 */
int iommufd_access_pin_pages(struct iommufd_access *acc, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags)
{
	unsigned long last;
	int rc;

	/* Without an unmap callback pins could outlive the mapping */
	if (IS_ENABLED(CONFIG_IOMMUFD_TEST) &&
	    (WARN_ON(!acc->owner_ops->unmap) ||
	     WARN_ON(!acc->owner_ops->needs_pin_pages)))
		return -EINVAL;
	rc = iommufd_range_last(iova, length, &last);
	if (rc)
		return rc;

	mutex_lock(&acc->lock);
	if (acc->ioas && !acc->leaving)
		rc = isp_access_pin_pages(&acc->ioas->isp, iova, length,
					  out_pages,
					  flags & IOMMUFD_ACCESS_RW_WRITE);
	else
		rc = -ENOENT;
	if (!rc)
		acc->npins++;
	mutex_unlock(&acc->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_pin_pages);

/**
 * iommufd_access_unpin_pages - Undo iommufd_access_pin_pages()
 * @acc: the access
 * @iova: first IOVA of a range pinned by iommufd_access_pin_pages()
 * @length: its length
 */
void iommufd_access_unpin_pages(struct iommufd_access *acc,
				unsigned long iova, unsigned long length)
{
	unsigned long last;

	if (WARN_ON(iommufd_range_last(iova, length, &last)))
		return;

	mutex_lock(&acc->lock);
	if (!WARN_ON(!acc->ioas || !acc->npins)) {
		isp_access_unpin_pages(&acc->ioas->isp, iova, length);
		acc->npins--;
	}
	mutex_unlock(&acc->lock);
}
EXPORT_SYMBOL_GPL(iommufd_access_unpin_pages);

/**
 * iommufd_access_rw - Read or write IOVA through the CPU
 * @acc: an attached access
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @len: number of bytes
 * @flags: IOMMUFD_ACCESS_RW_WRITE to write @data to the IOVA, else read;
 *	IOMMUFD_ACCESS_RW_KTHREAD if called from a kthread
 *
 * Return: 0, -EINVAL, -EOVERFLOW, -ENOENT (detached, a replace or detach
 * in progress, or a hole in the range), -EPERM (the mapping forbids the
 * direction), or a pinning error.
 */
int iommufd_access_rw(struct iommufd_access *acc, unsigned long iova,
		      void *data, size_t len, unsigned int flags)
{
	unsigned long last;
	int rc;

	/* Forcing the slow path is a test feature */
	if (!IS_ENABLED(CONFIG_IOMMUFD_TEST))
		flags &= ~__IOMMUFD_ACCESS_RW_SLOW_PATH;
	rc = iommufd_range_last(iova, len, &last);
	if (rc)
		return rc;

	mutex_lock(&acc->lock);
	if (acc->ioas && !acc->leaving)
		rc = isp_access_rw(&acc->ioas->isp, iova, data, len, flags);
	else
		rc = -ENOENT;
	mutex_unlock(&acc->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_rw);

#ifdef CONFIG_IOMMUFD_TEST
/**
 * iommufd_access_syz_iova - Decode a syzkaller IOVA against the access's IOAS
 * @acc: the access
 * @syz_iova: {u32 segment index; u32 offset} in memory order
 *
 * Return: the IOVA, or 0 if the access is detached or there is no such segment.
 */
unsigned long iommufd_access_syz_iova(struct iommufd_access *acc,
				      u64 syz_iova)
{
	unsigned long iova = 0;

	mutex_lock(&acc->lock);
	if (acc->ioas)
		iova = isp_syz_iova_to_iova(&acc->ioas->isp, syz_iova);
	mutex_unlock(&acc->lock);
	return iova;
}
#endif
