// SPDX-License-Identifier: GPL-2.0-only
/*
 * Access objects: the kAPI through which an in-kernel user without an IOMMU
 * of its own (an emulated device such as an mdev) uses an IOAS. It pins the
 * pages behind IOVA ranges, or reads and writes IOVA through the CPU.
 *
 * The IOAS tells the access that a range is about to be unmapped through
 * the unmap callback of the access's owner, which must drop its pins of that
 * range before returning; unmap waits for that.
 */
#include <linux/iommufd.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "access.h"
#include "ioas.h"

/**
 * struct iommufd_access_link - an access's registration in one IOAS
 * @link: what the iova_space sees
 * @access: the owner of the registration
 *
 * An access has two so that replacing its IOAS can register in the new IOAS
 * before leaving the old one.
 */
struct iommufd_access_link {
	struct isp_access_link link;
	struct iommufd_access *access;
};

/**
 * struct iommufd_access - an in-kernel user of an IOAS
 * @obj: object header, type IOMMUFD_OBJ_ACCESS. The creator holds a
 *	reference until iommufd_access_destroy().
 * @ictx: the context; a reference is held
 * @ops: the owner's callbacks
 * @data: the owner's cookie for @ops
 * @attach_lock: serialises attach, replace and detach, and protects @cur.
 *	The IOAS's access list lock nests inside it, so @lock must not be held
 *	when registering or unregistering: the IOAS calls the unmap callback
 *	with its access list locked, and the callback unpins under @lock.
 * @lock: protects @ioas and @ioas_unpin (changed under both locks); held
 *	across pinning, unpinning and rw so that the IOAS stays attached
 * @ioas: the attached IOAS (a reference held), or NULL
 * @ioas_unpin: the IOAS the current pins live in: @ioas, except while a
 *	replace tells the owner to drop the pins of the old one
 * @links: the registrations in @ioas and, during a replace, in the old IOAS
 * @cur: index in @links of the registration in @ioas
 */
struct iommufd_access {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	const struct iommufd_access_ops *ops;
	void *data;
	struct mutex attach_lock; /* see above */
	struct mutex lock; /* protects ioas, ioas_unpin */
	struct iommufd_ioas *ioas;
	struct iommufd_ioas *ioas_unpin;
	struct iommufd_access_link links[2];
	unsigned int cur;
};

static void iommufd_access_unmap(struct isp_access_link *link,
				 unsigned long iova, unsigned long length)
{
	struct iommufd_access *access =
		container_of(link, struct iommufd_access_link, link)->access;

	access->ops->unmap(access->data, iova, length);
}

static void iommufd_access_obj_destroy(struct iommufd_obj *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);

	if (access->ioas)
		iommufd_access_detach(access);
	mutex_destroy(&access->lock);
	mutex_destroy(&access->attach_lock);
	iommufd_ctx_put(access->ictx);
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
	struct iommufd_access *access;
	int i;

	access = iommufd_obj_new(ictx, access, IOMMUFD_OBJ_ACCESS,
				      &iommufd_access_obj_ops);
	if (IS_ERR(access))
		return access;
	access->ictx = ictx;
	access->ops = ops;
	access->data = data;
	mutex_init(&access->attach_lock);
	mutex_init(&access->lock);
	for (i = 0; i != ARRAY_SIZE(access->links); i++) {
		access->links[i].access = access;
		access->links[i].link.unmap = iommufd_access_unmap;
		access->links[i].link.iova_alignment = align;
	}
	iommufd_ctx_get(ictx);
	/* The creator's reference, dropped by iommufd_access_destroy() */
	iommufd_obj_hold(&access->obj);
	iommufd_obj_publish(ictx, &access->obj);
	*id = access->obj.id;
	return access;
}
EXPORT_SYMBOL_GPL(iommufd_access_create);

/**
 * iommufd_access_destroy - Destroy an access object
 * @access: the access; it should hold no pins
 *
 * Detaches the access if it is still attached.
 */
void iommufd_access_destroy(struct iommufd_access *access)
{
	iommufd_obj_destroy_held(access->ictx, &access->obj);
}
EXPORT_SYMBOL_GPL(iommufd_access_destroy);

/**
 * iommufd_access_attach - Attach an access to an IOAS
 * @access: a detached access
 * @ioas_id: ID of the IOAS
 *
 * While attached the access keeps the IOAS from being destroyed.
 *
 * Return: 0, -EINVAL if already attached, -ENOENT if @ioas_id is not an
 * IOAS, -EADDRINUSE if existing mappings break the access's alignment.
 */
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_ioas *ioas;
	int rc;

	mutex_lock(&access->attach_lock);
	if (access->ioas) {
		rc = -EINVAL;
		goto out_unlock;
	}
	ioas = iommufd_ioas_find(access->ictx, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_unlock;
	}
	rc = isp_add_access(&ioas->isp, &access->links[access->cur].link);
	if (rc) {
		iommufd_obj_put(access->ictx, &ioas->obj);
		goto out_unlock;
	}
	/* The lookup reference becomes the attachment's */
	mutex_lock(&access->lock);
	access->ioas = ioas;
	access->ioas_unpin = ioas;
	mutex_unlock(&access->lock);

out_unlock:
	mutex_unlock(&access->attach_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_attach);

/**
 * iommufd_access_replace - Move an attached access to another IOAS
 * @access: an attached access
 * @ioas_id: ID of the new IOAS
 *
 * The access is registered in the new IOAS first; then its owner's unmap
 * callback is called for the whole IOVA space, so that it drops every pin in
 * the old IOAS; then the access leaves the old IOAS. Replacing with the
 * current IOAS does nothing.
 *
 * Return: 0, -ENOENT if the access is detached or @ioas_id is not an IOAS,
 * -EADDRINUSE as for attach (the old attachment stays).
 */
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_ioas *ioas, *old;
	unsigned int next;
	int rc;

	mutex_lock(&access->attach_lock);
	old = access->ioas;
	if (!old) {
		rc = -ENOENT;
		goto err_unlock;
	}
	ioas = iommufd_ioas_find(access->ictx, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto err_unlock;
	}
	if (ioas == old) {
		rc = 0;
		goto err_put;
	}
	next = !access->cur;
	rc = isp_add_access(&ioas->isp, &access->links[next].link);
	if (rc)
		goto err_put;
	mutex_lock(&access->lock);
	access->ioas = ioas;
	mutex_unlock(&access->lock);

	/* Pins taken from now on are in the new IOAS; drop the old ones */
	access->ops->unmap(access->data, 0, ULONG_MAX);

	mutex_lock(&access->lock);
	access->ioas_unpin = ioas;
	mutex_unlock(&access->lock);
	isp_del_access(&old->isp, &access->links[access->cur].link);
	access->cur = next;
	mutex_unlock(&access->attach_lock);
	iommufd_obj_put(access->ictx, &old->obj);
	return 0;

err_put:
	iommufd_obj_put(access->ictx, &ioas->obj);
err_unlock:
	mutex_unlock(&access->attach_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_replace);

/**
 * iommufd_access_detach - Detach an access from its IOAS
 * @access: an attached access; its owner must have unpinned everything
 */
void iommufd_access_detach(struct iommufd_access *access)
{
	struct iommufd_ioas *ioas;

	mutex_lock(&access->attach_lock);
	ioas = access->ioas;
	if (WARN_ON(!ioas)) {
		mutex_unlock(&access->attach_lock);
		return;
	}
	mutex_lock(&access->lock);
	access->ioas = NULL;
	access->ioas_unpin = NULL;
	mutex_unlock(&access->lock);
	isp_del_access(&ioas->isp, &access->links[access->cur].link);
	mutex_unlock(&access->attach_lock);
	iommufd_obj_put(access->ictx, &ioas->obj);
}
EXPORT_SYMBOL_GPL(iommufd_access_detach);

static int iommufd_access_check_range(unsigned long iova, unsigned long length)
{
	unsigned long last;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return 0;
}

/**
 * iommufd_access_pin_pages - Pin the pages behind an IOVA range
 * @access: an attached access created with needs_pin_pages
 * @iova: first IOVA, PAGE_SIZE aligned relative to the backing memory
 * @length: number of bytes
 * @out_pages: output: one struct page per CPU page of the range
 * @flags: IOMMUFD_ACCESS_RW_WRITE to pin for writing
 *
 * The pages stay pinned until iommufd_access_unpin_pages() of exactly this
 * range, which the owner must do at the latest from its unmap callback.
 *
 * Return: 0, -EINVAL (zero length, misaligned, range being unmapped),
 * -EOVERFLOW, -ENOENT (detached, or the range is not fully mapped), -EPERM
 * (the mapping forbids the direction), or a pinning error.
 */
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags)
{
	int rc;

	/* Without an unmap callback pins could outlive the mapping */
	if (IS_ENABLED(CONFIG_IOMMUFD_TEST) &&
	    (WARN_ON(!access->ops->unmap) ||
	     WARN_ON(!access->ops->needs_pin_pages)))
		return -EINVAL;
	rc = iommufd_access_check_range(iova, length);
	if (rc)
		return rc;

	mutex_lock(&access->lock);
	if (access->ioas)
		rc = isp_access_pin_pages(&access->ioas->isp, iova, length,
					   out_pages,
					   flags & IOMMUFD_ACCESS_RW_WRITE);
	else
		rc = -ENOENT;
	mutex_unlock(&access->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_pin_pages);

/**
 * iommufd_access_unpin_pages - Undo iommufd_access_pin_pages()
 * @access: the access
 * @iova: first IOVA of a range pinned by iommufd_access_pin_pages()
 * @length: its length
 */
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length)
{
	if (WARN_ON(iommufd_access_check_range(iova, length)))
		return;

	mutex_lock(&access->lock);
	if (!WARN_ON(!access->ioas_unpin))
		isp_access_unpin_pages(&access->ioas_unpin->isp, iova,
					length);
	mutex_unlock(&access->lock);
}
EXPORT_SYMBOL_GPL(iommufd_access_unpin_pages);

/**
 * iommufd_access_rw - Read or write IOVA through the CPU
 * @access: an attached access
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @len: number of bytes
 * @flags: IOMMUFD_ACCESS_RW_WRITE to write @data to the IOVA, else read;
 *	IOMMUFD_ACCESS_RW_KTHREAD if called from a kthread
 *
 * Return: 0, -EINVAL, -EOVERFLOW, -ENOENT (detached or a hole in the
 * range), -EPERM (the mapping forbids the direction), or a pinning error.
 */
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags)
{
	int rc;

	/* Forcing the slow path is a test feature */
	if (!IS_ENABLED(CONFIG_IOMMUFD_TEST))
		flags &= ~__IOMMUFD_ACCESS_RW_SLOW_PATH;
	rc = iommufd_access_check_range(iova, len);
	if (rc)
		return rc;

	mutex_lock(&access->lock);
	if (access->ioas)
		rc = isp_access_rw(&access->ioas->isp, iova, data, len, flags);
	else
		rc = -ENOENT;
	mutex_unlock(&access->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_access_rw);

#ifdef CONFIG_IOMMUFD_TEST
/**
 * iommufd_access_syz_iova - Decode a syzkaller IOVA against the access's IOAS
 * @access: the access
 * @syz_iova: {u32 segment index; u32 offset} in memory order
 *
 * Return: the IOVA, or 0 if the access is detached or there is no such segment.
 */
unsigned long iommufd_access_syz_iova(struct iommufd_access *access,
				      u64 syz_iova)
{
	unsigned long iova = 0;

	mutex_lock(&access->lock);
	if (access->ioas)
		iova = isp_syz_iova_to_iova(&access->ioas->isp, syz_iova);
	mutex_unlock(&access->lock);
	return iova;
}
#endif
