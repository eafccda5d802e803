// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hardware page tables: HWPT objects, IOMMU_HWPT_ALLOC, IOMMU_GET_HW_INFO and
 * the HWPT cache and dirty tracking ioctls.
 *
 * A paging HWPT owns an iommu_domain that is one of the domains of its IOAS:
 * every mapping of the IOAS is mirrored into it from creation to destruction.
 * A nested HWPT owns a stage-1 domain that translates through a paging parent
 * allocated with IOMMU_HWPT_ALLOC_NEST_PARENT; its contents belong to the
 * user and the IOMMU driver.
 */
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "../iommu-priv.h"
#include "device.h"
#include "fault.h"
#include "hw_pagetable.h"
#include "ioas.h"

static void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *paging =
		container_of(obj, struct iommufd_hwpt_paging, common.obj);
	struct iommufd_ioas *ioas = paging->ioas;

	if (!list_empty(&paging->hwpt_item)) {
		mutex_lock(&ioas->mutex);
		list_del(&paging->hwpt_item);
		mutex_unlock(&ioas->mutex);
	}
	if (paging->common.domain) {
		iopt_table_remove_domain(&ioas->iopt, paging->common.domain);
		iommu_domain_free(paging->common.domain);
	}
	iommufd_put_object(paging->common.ictx, &ioas->obj);
}

static const struct iommufd_object_ops iommufd_hwpt_paging_ops = {
	.destroy = iommufd_hwpt_paging_destroy,
};

static void iommufd_hwpt_nested_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_nested *nested =
		container_of(obj, struct iommufd_hwpt_nested, common.obj);

	if (nested->common.domain)
		iommu_domain_free(nested->common.domain);
	if (nested->common.fault)
		iommufd_put_object(nested->common.ictx,
				   iommufd_fault_obj(nested->common.fault));
	iommufd_put_object(nested->common.ictx, &nested->parent->common.obj);
}

static const struct iommufd_object_ops iommufd_hwpt_nested_ops = {
	.destroy = iommufd_hwpt_nested_destroy,
};

/**
 * iommufd_hwpt_paging_enforce_cc - Make a paging HWPT block non-coherent DMA
 * @paging: the HWPT; the mutex of its IOAS must be held once it is visible
 *
 * Return: 0, or -EINVAL if the IOMMU driver cannot do it for this domain.
 */
int iommufd_hwpt_paging_enforce_cc(struct iommufd_hwpt_paging *paging)
{
	struct iommu_domain *domain = paging->common.domain;

	if (paging->enforce_cache_coherency)
		return 0;
	if (!domain->ops->enforce_cache_coherency ||
	    !domain->ops->enforce_cache_coherency(domain))
		return -EINVAL;
	paging->enforce_cache_coherency = true;
	return 0;
}

static struct iommu_domain *
iommufd_paging_domain_alloc(struct iommufd_device *idev, u32 flags)
{
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommu_domain *domain;

	if (!ops->domain_alloc_user) {
		if (flags)
			return ERR_PTR(-EOPNOTSUPP);
		return iommu_paging_domain_alloc(idev->dev);
	}

	domain = ops->domain_alloc_user(idev->dev, flags, NULL, NULL);
	if (IS_ERR(domain))
		return domain;
	if (!domain)
		return ERR_PTR(-ENOMEM);
	domain->owner = ops;
	if (WARN_ON_ONCE(domain->type != IOMMU_DOMAIN_UNMANAGED)) {
		iommu_domain_free(domain);
		return ERR_PTR(-EINVAL);
	}
	return domain;
}

/**
 * iommufd_hwpt_paging_alloc - Create a paging HWPT on an IOAS
 * @ictx: the context
 * @ioas: the IOAS; the new HWPT takes a reference
 * @idev: the device the domain is made for (its IOMMU, its page sizes)
 * @flags: IOMMU_HWPT_ALLOC_NEST_PARENT and/or _DIRTY_TRACKING
 * @auto_domain: created by attaching a device to @ioas; the caller holds
 *	@ioas->mutex and lists it in @ioas->hwpt_list
 *
 * The new domain gets every mapping of the IOAS. The HWPT is not visible
 * yet: the caller finalizes it or aborts it.
 *
 * Return: the HWPT, or an ERR_PTR: -EOPNOTSUPP for flags the IOMMU cannot
 * honour, errors of the driver and of filling the domain.
 */
struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, u32 flags,
			  bool auto_domain)
{
	const u32 valid_flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct iommufd_hwpt_paging *paging;
	struct iommu_domain *domain;
	int rc;

	if (flags & ~valid_flags)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !device_iommu_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING))
		return ERR_PTR(-EOPNOTSUPP);

	paging = iommufd_object_alloc(ictx, paging, IOMMUFD_OBJ_HWPT_PAGING,
				      &iommufd_hwpt_paging_ops);
	if (IS_ERR(paging))
		return paging;
	INIT_LIST_HEAD(&paging->hwpt_item);
	paging->common.ictx = ictx;
	paging->ioas = ioas;
	paging->auto_domain = auto_domain;
	paging->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	iommufd_object_get(&ioas->obj);

	domain = iommufd_paging_domain_alloc(idev, flags);
	if (IS_ERR(domain)) {
		rc = PTR_ERR(domain);
		goto err_abort;
	}
	/* Only reached through the uAPI without attaching anything first */
	if (idev->enforce_cache_coherency && domain->ops->enforce_cache_coherency)
		paging->enforce_cache_coherency =
			domain->ops->enforce_cache_coherency(domain);

	rc = iopt_table_add_domain(&ioas->iopt, domain);
	if (rc) {
		iommu_domain_free(domain);
		goto err_abort;
	}
	paging->common.domain = domain;
	return paging;

err_abort:
	iommufd_object_abort_and_destroy(ictx, &paging->common.obj);
	return ERR_PTR(rc);
}

static struct iommufd_hwpt_nested *
iommufd_hwpt_nested_alloc(struct iommufd_ctx *ictx,
			  struct iommufd_hwpt_paging *parent,
			  struct iommufd_device *idev, u32 flags,
			  const struct iommu_user_data *user_data)
{
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommufd_hwpt_nested *nested;
	struct iommu_domain *domain;
	int rc;

	if (flags & ~IOMMU_HWPT_FAULT_ID_VALID)
		return ERR_PTR(-EOPNOTSUPP);
	if (!parent->nest_parent)
		return ERR_PTR(-EINVAL);
	if (!ops->domain_alloc_user)
		return ERR_PTR(-EOPNOTSUPP);

	nested = iommufd_object_alloc(ictx, nested, IOMMUFD_OBJ_HWPT_NESTED,
				      &iommufd_hwpt_nested_ops);
	if (IS_ERR(nested))
		return nested;
	nested->common.ictx = ictx;
	nested->parent = parent;
	iommufd_object_get(&parent->common.obj);

	domain = ops->domain_alloc_user(idev->dev, flags, parent->common.domain,
					user_data);
	if (IS_ERR_OR_NULL(domain)) {
		rc = domain ? PTR_ERR(domain) : -ENOMEM;
		goto err_abort;
	}
	domain->owner = ops;
	nested->common.domain = domain;
	if (WARN_ON_ONCE(domain->type != IOMMU_DOMAIN_NESTED)) {
		rc = -EINVAL;
		goto err_abort;
	}
	return nested;

err_abort:
	iommufd_object_abort_and_destroy(ictx, &nested->common.obj);
	return ERR_PTR(rc);
}

/* Route the I/O page faults of a nested HWPT into a fault queue */
static int iommufd_hwpt_set_fault(struct iommufd_ctx *ictx,
				  struct iommufd_hw_pagetable *hwpt, u32 fault_id)
{
	struct iommufd_fault *fault;

	fault = iommufd_get_fault(ictx, fault_id);
	if (IS_ERR(fault))
		return PTR_ERR(fault);
	/* The lookup reference becomes the HWPT's */
	hwpt->fault = fault;
	hwpt->domain->iopf_handler = iommufd_fault_iopf_handler;
	hwpt->domain->fault_data = hwpt;
	return 0;
}

static struct iommufd_hw_pagetable *
iommufd_hwpt_alloc_on(struct iommufd_ucmd *ucmd, struct iommufd_device *idev,
		      struct iommufd_object *pt_obj,
		      const struct iommu_user_data *user_data)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_nested *nested;
	struct iommufd_hwpt_paging *paging;
	struct iommufd_ioas *ioas;
	int rc;

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_IOAS:
		/* Paging domains take no driver data */
		if (cmd->data_type != IOMMU_HWPT_DATA_NONE)
			return ERR_PTR(-EOPNOTSUPP);
		ioas = container_of(pt_obj, struct iommufd_ioas, obj);
		paging = iommufd_hwpt_paging_alloc(ucmd->ictx, ioas, idev,
						   cmd->flags, false);
		return IS_ERR(paging) ? ERR_CAST(paging) : &paging->common;
	case IOMMUFD_OBJ_HWPT_PAGING:
		paging = container_of(pt_obj, struct iommufd_hwpt_paging,
				      common.obj);
		nested = iommufd_hwpt_nested_alloc(ucmd->ictx, paging, idev,
						   cmd->flags, user_data);
		if (IS_ERR(nested))
			return ERR_CAST(nested);
		if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
			rc = iommufd_hwpt_set_fault(ucmd->ictx,
						    &nested->common,
						    cmd->fault_id);
			if (rc) {
				iommufd_object_abort_and_destroy(ucmd->ictx,
								 &nested->common.obj);
				return ERR_PTR(rc);
			}
		}
		return &nested->common;
	default:
		return ERR_PTR(-EINVAL);
	}
}

/**
 * iommufd_hwpt_alloc - Handle IOMMU_HWPT_ALLOC
 * @ucmd: the command, struct iommu_hwpt_alloc
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	const struct iommu_user_data user_data = {
		.type = cmd->data_type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.len = cmd->data_len,
	};
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_object *pt_obj;
	struct iommufd_device *idev;
	int rc;

	if (cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	/* Driver data comes with a type, and a type with data */
	if (!cmd->data_type != !cmd->data_len)
		return -EINVAL;

	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_idev;
	}

	hwpt = iommufd_hwpt_alloc_on(ucmd, idev, pt_obj,
				     cmd->data_len ? &user_data : NULL);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_put_pt;
	}

	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
	else
		iommufd_object_finalize(ucmd->ictx, &hwpt->obj);

out_put_pt:
	iommufd_put_object(ucmd->ictx, pt_obj);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/*
 * Hardware data of the device's IOMMU, as its driver reports it. A caller
 * asking for a particular format gets it only if that is the driver's.
 */
static int iommufd_fill_hw_data(struct iommu_hw_info *cmd, struct device *dev,
				u32 requested_type)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	void __user *uptr = u64_to_user_ptr(cmd->data_uptr);
	u32 data_len = 0, type = IOMMU_HW_INFO_TYPE_NONE;
	void *data = NULL;
	u32 copy_len;
	int rc = 0;

	if (ops->hw_info) {
		data = ops->hw_info(dev, &data_len, &type);
		if (IS_ERR(data))
			return PTR_ERR(data);
		if (WARN_ON_ONCE(type == IOMMU_HW_INFO_TYPE_NONE && data_len)) {
			rc = -EOPNOTSUPP;
			goto out_free;
		}
	}
	if (requested_type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    requested_type != type) {
		rc = -EOPNOTSUPP;
		goto out_free;
	}

	copy_len = min(cmd->data_len, data_len);
	if (copy_to_user(uptr, data, copy_len) ||
	    (cmd->data_len > copy_len &&
	     clear_user(uptr + copy_len, cmd->data_len - copy_len))) {
		rc = -EFAULT;
		goto out_free;
	}
	cmd->data_len = data_len;
	cmd->out_data_type = type;

out_free:
	kfree(data);
	return rc;
}

static void iommufd_fill_hw_caps(struct iommu_hw_info *cmd, struct device *dev)
{
	u32 max_pasids = dev->iommu ? dev->iommu->max_pasids : 0;

	cmd->out_capabilities = 0;
	if (device_iommu_capable(dev, IOMMU_CAP_DIRTY_TRACKING))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;

	cmd->out_max_pasid_log2 = max_pasids ? ilog2(max_pasids) : 0;
	if (cmd->out_max_pasid_log2 && dev_is_pci(dev)) {
		int features = pci_pasid_features(to_pci_dev(dev));

		if (features < 0)
			features = 0;
		if (features & PCI_PASID_CAP_EXEC)
			cmd->out_capabilities |= IOMMU_HW_CAP_PCI_PASID_EXEC;
		if (features & PCI_PASID_CAP_PRIV)
			cmd->out_capabilities |= IOMMU_HW_CAP_PCI_PASID_PRIV;
	}
}

/**
 * iommufd_get_hw_info - Handle IOMMU_GET_HW_INFO
 * @ucmd: the command, struct iommu_hw_info
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	u32 requested_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	struct iommufd_device *idev;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE ||
	    memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)))
		return -EOPNOTSUPP;
	if (cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		requested_type = cmd->in_data_type;

	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	rc = iommufd_fill_hw_data(cmd, idev->dev, requested_type);
	if (rc)
		goto out_put;
	iommufd_fill_hw_caps(cmd, idev->dev);
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));

out_put:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/**
 * iommufd_hwpt_invalidate - Handle IOMMU_HWPT_INVALIDATE
 * @ucmd: the command, struct iommu_hwpt_invalidate
 *
 * The driver processes the entries in order and stops at the first one that
 * fails; entry_num is written back with the number it processed, also on
 * failure.
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommu_user_data_array data_array = {
		.type = cmd->data_type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.entry_len = cmd->entry_len,
		.entry_num = cmd->entry_num,
	};
	struct iommufd_hwpt_nested *nested;
	struct iommu_domain *domain;
	u32 done_num = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num &&
	    (!cmd->data_uptr || !cmd->entry_len || cmd->entry_len > PAGE_SIZE ||
	     cmd->entry_num > SZ_512K)) {
		rc = -EINVAL;
		goto out;
	}

	nested = iommufd_get_hwpt_nested(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(nested)) {
		rc = PTR_ERR(nested);
		goto out;
	}
	domain = nested->common.domain;
	if (domain->ops->cache_invalidate_user) {
		rc = domain->ops->cache_invalidate_user(domain, &data_array);
		done_num = data_array.entry_num;
	} else {
		rc = -EOPNOTSUPP;
	}
	iommufd_put_object(ucmd->ictx, &nested->common.obj);

out:
	cmd->entry_num = done_num;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/**
 * iommufd_hwpt_set_dirty_tracking - Handle IOMMU_HWPT_SET_DIRTY_TRACKING
 * @ucmd: the command, struct iommu_hwpt_set_dirty_tracking
 *
 * Enabling first clears the dirty bits left over in the mapped areas.
 * Enabling or disabling twice is harmless.
 *
 * Return: 0, -EOPNOTSUPP for unknown flags or a HWPT allocated without
 * IOMMU_HWPT_ALLOC_DIRTY_TRACKING, -ENOENT if the ID is not a paging HWPT.
 */
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *paging;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE || cmd->__reserved)
		return -EOPNOTSUPP;

	paging = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(paging))
		return PTR_ERR(paging);
	ioas = paging->ioas;

	/* Serialises the switch per domain, as the drivers expect */
	mutex_lock(&ioas->mutex);
	rc = iopt_set_dirty_tracking(&ioas->iopt, paging->common.domain,
				     cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	mutex_unlock(&ioas->mutex);
	iommufd_put_object(ucmd->ictx, &paging->common.obj);
	return rc;
}

/**
 * iommufd_hwpt_get_dirty_bitmap - Handle IOMMU_HWPT_GET_DIRTY_BITMAP
 * @ucmd: the command, struct iommu_hwpt_get_dirty_bitmap
 *
 * Return: 0, -EOPNOTSUPP for unknown flags or a HWPT that cannot track,
 * -ENOENT if the ID is not a paging HWPT, -EINVAL for a bad range or page
 * size, -EFAULT.
 */
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *paging;
	int rc;

	if (cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova > ULONG_MAX || cmd->length > ULONG_MAX ||
	    cmd->page_size > ULONG_MAX)
		return -EINVAL;

	paging = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(paging))
		return PTR_ERR(paging);
	rc = iopt_read_and_clear_dirty_data(&paging->ioas->iopt,
					    paging->common.domain,
					    cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR ?
					    IOMMU_DIRTY_NO_CLEAR : 0,
					    cmd->iova, cmd->length,
					    cmd->page_size,
					    u64_to_user_ptr(cmd->data));
	iommufd_put_object(ucmd->ictx, &paging->common.obj);
	return rc;
}
