// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO compatibility: the IOAS that VFIO's group path attaches devices to.
 *
 * Only the parts VFIO needs to bind devices through iommufd are here: the
 * IOMMU_VFIO_IOAS ioctl and the compat IOAS kAPI.  The legacy container
 * ioctls (VFIO_SET_IOMMU, VFIO_IOMMU_MAP_DMA, ...) are not implemented yet
 * and fail with -ENOTTY.
 */
#include <linux/iommufd.h>
#include <linux/module.h>
#include <uapi/linux/iommufd.h>

#include "ioas.h"

/* Called with the IOAS being destroyed: forget it if it is the compat one */
void iommufd_vfio_compat_ioas_destroyed(struct iommufd_ioas *ioas)
{
	struct iommufd_ctx *ictx = ioas->ictx;

	mutex_lock(&ictx->lock);
	if (ictx->vfio_ioas == ioas)
		ictx->vfio_ioas = NULL;
	mutex_unlock(&ictx->lock);
}

/**
 * iommufd_vfio_compat_ioas_get_id - ID of the compat IOAS
 * @ictx: context
 * @out_ioas_id: receives the ID
 *
 * Return: 0, or -ENODEV if no compat IOAS is set.
 */
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, u32 *out_ioas_id)
{
	int rc = -ENODEV;

	mutex_lock(&ictx->lock);
	if (ictx->vfio_ioas) {
		*out_ioas_id = ictx->vfio_ioas->obj.id;
		rc = 0;
	}
	mutex_unlock(&ictx->lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_get_id, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_ioas_create - make sure a compat IOAS exists
 * @ictx: context
 *
 * Return: 0 or a negative errno.
 */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;
	int rc = 0;

	mutex_lock(&ictx->lock);
	if (ictx->vfio_ioas)
		goto out_unlock;
	ioas = iommufd_ioas_new(ictx);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_unlock;
	}
	iommufd_obj_publish(ictx, &ioas->obj);
	ictx->vfio_ioas = ioas;
out_unlock:
	mutex_unlock(&ictx->lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_create, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_set_no_iommu - switch the context to VFIO no-iommu
 * @ictx: context
 *
 * No-iommu mode belongs to the legacy container support, not implemented
 * yet.
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_set_no_iommu, IOMMUFD_VFIO);

/**
 * iommufd_do_vfio_ioas - IOMMU_VFIO_IOAS
 * @call: the ioctl call
 *
 * Return: 0 or a negative errno; GET copies the ID back.
 */
int iommufd_do_vfio_ioas(struct iommufd_call *call)
{
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
		mutex_lock(&ictx->lock);
		ictx->vfio_ioas = ioas;
		mutex_unlock(&ictx->lock);
		iommufd_obj_put(ictx, &ioas->obj);
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		mutex_lock(&ictx->lock);
		ictx->vfio_ioas = NULL;
		mutex_unlock(&ictx->lock);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * iommufd_vfio_ioctl - legacy VFIO container ioctls on /dev/iommu
 * @ictx: context
 * @cmd: request
 * @arg: argument
 *
 * Return: -ENOTTY; the legacy container API is not implemented yet.
 */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg)
{
	return -ENOTTY;
}
