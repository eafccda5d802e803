// SPDX-License-Identifier: GPL-2.0-only
/*
 * An IOAS used by no-IOMMU devices: devices of vfio's unsafe no-IOMMU mode,
 * which DMA to CPU physical addresses with nothing translating or checking
 * them.  Attaching such a device to an IOAS allocates no domain; it keeps
 * the IOAS's mappings pinned, so that their physical addresses stay valid,
 * and lets IOMMU_IOAS_NOIOMMU_GET_PA tell the driver what they are.
 */
#include <linux/capability.h>
#include <linux/limits.h>
#include <uapi/linux/iommufd.h>

#include "ioas.h"

/**
 * iommufd_ioas_noiommu_attach - A no-IOMMU device starts using an IOAS
 * @ioas: the IOAS, a reference held by the caller for as long as attached
 *
 * Pins every mapping of @ioas (now and from now on) until the matching
 * iommufd_ioas_noiommu_detach().  May pin: the caller holds no lock that
 * another user's path needs.
 *
 * Return: 0, or the error of pinning what is mapped, with nothing changed.
 */
int iommufd_ioas_noiommu_attach(struct iommufd_ioas *ioas)
{
	int rc;

	rc = isp_set_pin_always(&ioas->isp, true);
	if (rc)
		return rc;
	atomic_inc(&ioas->noiommu_devs);
	return 0;
}

/**
 * iommufd_ioas_noiommu_detach - Undo iommufd_ioas_noiommu_attach()
 * @ioas: the IOAS
 *
 * With the last no-IOMMU device the mappings are pinned only for domains
 * again, and IOAS_NOIOMMU_GET_PA refuses to answer.
 */
void iommufd_ioas_noiommu_detach(struct iommufd_ioas *ioas)
{
	atomic_dec(&ioas->noiommu_devs);
	isp_set_pin_always(&ioas->isp, false);
}

/**
 * iommufd_do_ioas_noiommu_get_pa - IOMMU_IOAS_NOIOMMU_GET_PA
 * @call: the ioctl call
 *
 * Physical addresses are what vfio's no-IOMMU mode hands out anyway, to
 * CAP_SYS_RAWIO only; here the same capability is needed, and only an IOAS
 * that a no-IOMMU device is attached to answers, so that the command never
 * tells where memory is to a user that cannot DMA to it.
 *
 * Return: 0 with out_phys and length set; -EOPNOTSUPP for flags or
 * __reserved, -EINVAL for a zero length, -EOVERFLOW if the range wraps,
 * -EPERM without CAP_SYS_RAWIO, -ENOENT for no such IOAS or an unmapped
 * IOVA, -ENODEV if no no-IOMMU device is attached to the IOAS,
 * -EOPNOTSUPP for the IOVA of a dma-buf mapping.
 */
int iommufd_do_ioas_noiommu_get_pa(struct iommufd_call *call)
{
	struct iommu_ioas_noiommu_get_pa *arg = call->args;
	struct iommufd_ioas *ioas;
	unsigned long contig;
	phys_addr_t phys;
	int rc;

	if (arg->flags || arg->__reserved)
		return -EOPNOTSUPP;
	if (!arg->length)
		return -EINVAL;
	if (arg->iova > ULONG_MAX || arg->length - 1 > ULONG_MAX - arg->iova)
		return -EOVERFLOW;
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;

	ioas = iommufd_ioas_find(call->ictx, arg->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (!atomic_read(&ioas->noiommu_devs)) {
		rc = -ENODEV;
		goto out_put;
	}
	rc = isp_phys(&ioas->isp, arg->iova, arg->length, &phys, &contig);
	if (rc)
		goto out_put;
	arg->out_phys = phys;
	arg->length = contig;
	rc = iommufd_call_reply(call, sizeof(*arg));
out_put:
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}
