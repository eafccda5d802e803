// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO compatibility: the compat IOAS.
 *
 * VFIO's group code (drivers/vfio/group.c) uses an iommufd context as the
 * container of its groups: a group joining the context makes sure the
 * context has a compat IOAS, and every device opened through the group is
 * attached to it.  Userspace can read, replace or clear which IOAS that is
 * with IOMMU_VFIO_IOAS, and a no-IOMMU group marks the context as a
 * no-IOMMU container instead.  The legacy container ioctls that map memory
 * into the compat IOAS are in vfio_container.c.
 */

/* The kAPI below is for vfio only: its own symbol namespace */
#undef DEFAULT_SYMBOL_NAMESPACE
#define DEFAULT_SYMBOL_NAMESPACE "IOMMUFD_VFIO"

#include <linux/capability.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <uapi/linux/iommufd.h>
#include <uapi/linux/vfio.h>

#include "vfio_compat.h"

/*
 * The release hook of every IOAS that was made the compat IOAS: forget it
 * if it still is.  A release waits here while the IOAS is being installed.
 */
static void iommufd_vfio_compat_ioas_destroyed(struct iommufd_ioas *ioas)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ioas->ictx);
	struct iommufd_ctx *ictx = ioas->ictx;

	mutex_lock(&ictx->lock);
	if (vctx->vfio_ioas == ioas)
		vctx->vfio_ioas = NULL;
	mutex_unlock(&ictx->lock);
}

/**
 * iommufd_vfio_compat_ioas_get_id - ID of the compat IOAS
 * @ictx: context
 * @ioas_id: output: the ID
 *
 * Return: 0, or -ENODEV if no compat IOAS is set.
 */
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, u32 *ioas_id)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);
	int rc = -ENODEV;

	mutex_lock(&ictx->lock);
	if (vctx->vfio_ioas) {
		*ioas_id = vctx->vfio_ioas->obj.id;
		rc = 0;
	}
	mutex_unlock(&ictx->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_vfio_compat_ioas_get_id);

/**
 * iommufd_vfio_ioas_install - make an IOAS the compat IOAS
 * @ictx: context; ictx->lock held
 * @ioas: the IOAS
 *
 * A type1 v1 container may unmap any page of a mapping (vfio_container.c),
 * so its compat IOAS maps without IOPTEs larger than a CPU page.  The
 * context holds no reference on it: the IOAS's release hook makes it
 * forget the IOAS, so the caller must hold a reference or install it
 * before it is published.
 */
void iommufd_vfio_ioas_install(struct iommufd_ctx *ictx,
			       struct iommufd_ioas *ioas)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);

	lockdep_assert_held(&ictx->lock);

	if (vctx->vfio_type == VFIO_TYPE1_IOMMU)
		isp_set_large_pages(&ioas->isp, false);
	ioas->release_hook = iommufd_vfio_compat_ioas_destroyed;
	vctx->vfio_ioas = ioas;
}

/**
 * iommufd_vfio_ioas_get - the compat IOAS, referenced
 * @ictx: context
 *
 * Return: the compat IOAS with a reference held (drop it with
 * iommufd_obj_put()), ERR_PTR(-ENODEV) if the context has none.
 */
struct iommufd_ioas *iommufd_vfio_ioas_get(struct iommufd_ctx *ictx)
{
	u32 id;
	int rc;

	rc = iommufd_vfio_compat_ioas_get_id(ictx, &id);
	if (rc)
		return ERR_PTR(rc);
	/* Fails with -ENOENT if the IOAS is being destroyed right now */
	return iommufd_ioas_find(ictx, id);
}

/**
 * iommufd_vfio_compat_ioas_create - make sure a compat IOAS exists
 * @ictx: context
 *
 * Called when a VFIO group (with an IOMMU) joins the context.  A context
 * that a no-IOMMU group joined takes no group with an IOMMU, as in VFIO's
 * own container.
 *
 * Return: 0, -EPERM for a no-IOMMU container, or another negative errno.
 */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);
	struct iommufd_ioas *ioas;
	int rc = 0;

	mutex_lock(&ictx->lock);
	/* First: IOMMU_VFIO_IOAS_SET may not bypass this (it refuses too) */
	if (vctx->vfio_noiommu) {
		rc = -EPERM;
		goto out_unlock;
	}
	if (vctx->vfio_ioas)
		goto out_unlock;
	ioas = iommufd_ioas_new(ictx);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_unlock;
	}
	iommufd_vfio_ioas_install(ictx, ioas);
	iommufd_obj_publish(ictx, &ioas->obj);
out_unlock:
	mutex_unlock(&ictx->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_vfio_compat_ioas_create);

/**
 * iommufd_vfio_compat_add_group - a VFIO group joined the context
 * @ictx: context the group uses as its container
 * @group: the IOMMU group of a VFIO group whose devices an IOMMU translates
 *
 * Called by VFIO's group code after iommufd_vfio_compat_ioas_create(), with
 * the VFIO group locked.  Devices reach the compat IOAS only when their
 * files are opened; knowing the groups lets a type1 container report and
 * enforce what their IOMMUs can map, and pin at map time, from
 * VFIO_SET_IOMMU on, as VFIO's type1 driver does (vfio_container.c).
 *
 * Return: 0, or a negative errno with the group not added.
 */
int iommufd_vfio_compat_add_group(struct iommufd_ctx *ictx,
				  struct iommu_group *group)
{
	return iommufd_vfio_groups_add(ictx, group);
}
EXPORT_SYMBOL_GPL(iommufd_vfio_compat_add_group);

/**
 * iommufd_vfio_compat_del_group - a VFIO group left the context
 * @ictx: context
 * @group: the IOMMU group given to iommufd_vfio_compat_add_group()
 *
 * Called by VFIO's group code when the group leaves its container or loses
 * its last device, with the VFIO group locked.
 */
void iommufd_vfio_compat_del_group(struct iommufd_ctx *ictx,
				   struct iommu_group *group)
{
	iommufd_vfio_groups_del(ictx, group);
}
EXPORT_SYMBOL_GPL(iommufd_vfio_compat_del_group);

/**
 * iommufd_vfio_compat_set_no_iommu - make the context a no-IOMMU container
 * @ictx: context
 *
 * Called when a VFIO no-IOMMU group joins the context.  Its devices do DMA
 * untranslated, so the context must not have a compat IOAS (its user would
 * expect translation) nor a type1 IOMMU type; VFIO_SET_IOMMU then accepts
 * only VFIO_NOIOMMU_IOMMU.  Needs CAP_SYS_RAWIO, like VFIO's own no-IOMMU
 * container.
 *
 * Return: 0, or -EPERM if the context is a translating container or the
 * caller lacks CAP_SYS_RAWIO.
 */
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);
	int rc = 0;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;

	mutex_lock(&ictx->lock);
	if (vctx->vfio_ioas || (vctx->vfio_type &&
				vctx->vfio_type != VFIO_NOIOMMU_IOMMU))
		rc = -EPERM;
	else
		vctx->vfio_noiommu = true;
	mutex_unlock(&ictx->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_vfio_compat_set_no_iommu);

/**
 * iommufd_do_vfio_ioas - IOMMU_VFIO_IOAS
 * @call: the ioctl call
 *
 * Return: 0 or a negative errno (-EPERM for SET on a container that holds a
 * no-IOMMU group); GET copies the ID back.
 */
int iommufd_do_vfio_ioas(struct iommufd_call *call)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(call->ictx);
	struct iommu_vfio_ioas *arg = call->args;
	struct iommufd_ctx *ictx = call->ictx;
	struct iommufd_ioas *ioas;
	int rc;

	if (arg->__reserved)
		return -EOPNOTSUPP;

	switch (arg->op) {
	case IOMMU_VFIO_IOAS_GET:
		rc = iommufd_vfio_compat_ioas_get_id(ictx, &arg->ioas_id);
		if (rc)
			return rc;
		return iommufd_call_reply(call, sizeof(*arg));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_ioas_find(ictx, arg->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		rc = 0;
		mutex_lock(&ictx->lock);
		/* A no-IOMMU container never translates: no compat IOAS */
		if (vctx->vfio_noiommu)
			rc = -EPERM;
		else
			iommufd_vfio_ioas_install(ictx, ioas);
		mutex_unlock(&ictx->lock);
		iommufd_obj_put(ictx, &ioas->obj);
		return rc;
	case IOMMU_VFIO_IOAS_CLEAR:
		mutex_lock(&ictx->lock);
		vctx->vfio_ioas = NULL;
		mutex_unlock(&ictx->lock);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
