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
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "../iommu-priv.h"
#include "device.h"
#include "fault.h"
#include "hwpt.h"
#include "ioas.h"

static void iommufd_paging_hwpt_release(struct iommufd_obj *obj)
{
	struct iommufd_paging_hwpt *paging =
		container_of(obj, struct iommufd_paging_hwpt, base.obj);
	struct iommufd_ioas *ioas = paging->ioas;

	if (!list_empty(&paging->auto_link)) {
		mutex_lock(&ioas->hwpts_lock);
		list_del(&paging->auto_link);
		mutex_unlock(&ioas->hwpts_lock);
	}
	if (paging->base.domain) {
		if (!paging->unfilled)
			isp_detach_domain(&ioas->isp, paging->base.domain);
		iommu_domain_free(paging->base.domain);
	}
	iommufd_obj_put(paging->base.ictx, &ioas->obj);
}

/* An automatic HWPT that lost its last device owes nothing to its destroyer */
static const struct iommufd_obj_ops iommufd_paging_hwpt_ops = {
	.release = iommufd_paging_hwpt_release,
	.deferrable = true,
};

static void iommufd_nested_hwpt_release(struct iommufd_obj *obj)
{
	struct iommufd_nested_hwpt *nested =
		container_of(obj, struct iommufd_nested_hwpt, base.obj);

	if (nested->base.domain)
		iommu_domain_free(nested->base.domain);
	if (nested->base.fault)
		iommufd_obj_put(nested->base.ictx,
				iommufd_fault_obj(nested->base.fault));
	iommufd_obj_put(nested->base.ictx, &nested->parent->base.obj);
	if (nested->holder)
		iommufd_obj_put(nested->base.ictx, nested->holder);
}

static const struct iommufd_obj_ops iommufd_nested_hwpt_ops = {
	.release = iommufd_nested_hwpt_release,
};

/* Ask the driver to make @domain block non-coherent (no-snoop) DMA */
static bool iommufd_domain_force_coherent(struct iommu_domain *domain)
{
	return domain->ops->enforce_cache_coherency &&
	       domain->ops->enforce_cache_coherency(domain);
}

/**
 * iommufd_paging_hwpt_enforce_cc - Make a paging HWPT block non-coherent DMA
 * @paging: the HWPT; its IOAS's hwpts_lock must be held once it is visible
 *
 * Return: 0, or -EINVAL if the IOMMU driver cannot do it for this domain.
 */
int iommufd_paging_hwpt_enforce_cc(struct iommufd_paging_hwpt *paging)
{
	if (paging->coherent)
		return 0;
	if (!iommufd_domain_force_coherent(paging->base.domain))
		return -EINVAL;
	paging->coherent = true;
	return 0;
}

/**
 * iommufd_ioas_auto_hwpts_coherent - Do an IOAS's automatic HWPTs block
 *	non-coherent DMA?
 * @ioas: the IOAS
 *
 * Return: true if @ioas has automatic HWPTs (made by attaching devices to
 * the IOAS itself) and every one of them blocks non-coherent DMA.
 */
bool iommufd_ioas_auto_hwpts_coherent(struct iommufd_ioas *ioas)
{
	struct iommufd_paging_hwpt *paging;
	bool coherent = false;

	mutex_lock(&ioas->hwpts_lock);
	list_for_each_entry(paging, &ioas->auto_hwpts, auto_link) {
		coherent = paging->coherent;
		if (!coherent)
			break;
	}
	mutex_unlock(&ioas->hwpts_lock);
	return coherent;
}

/*
 * Can @idev's IOMMU attach PASIDs to @domain? The IOMMU instance must
 * handle PASIDs at all, and the domain's driver must implement the PASID
 * attach; the device itself need not support them.
 */
static bool iommufd_domain_pasid_capable(struct iommufd_device *idev,
					 struct iommu_domain *domain)
{
	return idev->dev->iommu && idev->dev->iommu->iommu_dev &&
	       idev->dev->iommu->iommu_dev->max_pasids &&
	       domain->ops->set_dev_pasid;
}

static struct iommu_domain *
iommufd_paging_domain_alloc(struct iommufd_device *idev, u32 flags,
			    const struct iommu_user_data *user_data)
{
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommu_domain *domain;

	if (!ops->domain_alloc_user) {
		if (flags || user_data)
			return ERR_PTR(-EOPNOTSUPP);
		return iommu_paging_domain_alloc(idev->dev);
	}

	domain = ops->domain_alloc_user(idev->dev, flags, NULL, user_data);
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
 * iommufd_domain_finished - Has the IOMMU driver set the domain's aperture?
 * @domain: a paging domain
 *
 * Some drivers (virtio-iommu and arm-smmu in 6.12) leave a new domain's
 * geometry unset, 0..0, and finish the domain for the IOMMU instance it is
 * first attached to; until then it cannot map anything.
 *
 * Return: true if the aperture is known.
 */
bool iommufd_domain_finished(struct iommu_domain *domain)
{
	return domain->geometry.aperture_start ||
	       domain->geometry.aperture_end;
}

/**
 * iommufd_paging_hwpt_fill - Mirror the IOAS into a HWPT's domain
 * @paging: the HWPT; its IOAS's hwpts_lock must be held once it is visible
 *
 * Does nothing if the domain already mirrors the IOAS.
 *
 * Return: 0, or an error of isp_attach_domain(), notably -EADDRINUSE for
 * existing mappings outside the aperture, with the HWPT still unfilled.
 */
int iommufd_paging_hwpt_fill(struct iommufd_paging_hwpt *paging)
{
	int rc;

	if (!paging->unfilled)
		return 0;
	rc = isp_attach_domain(&paging->ioas->isp, paging->base.domain);
	if (!rc)
		paging->unfilled = false;
	return rc;
}

/**
 * iommufd_paging_hwpt_create - Create a paging HWPT on an IOAS
 * @ictx: the context
 * @ioas: the IOAS; the new HWPT takes a reference
 * @idev: the device the domain is made for (its IOMMU, its page sizes)
 * @flags: IOMMU_HWPT_ALLOC_NEST_PARENT, _DIRTY_TRACKING and/or _PASID
 * @user_data: the driver's allocation data (a format, say), or NULL
 * @auto_domain: created by attaching a device to @ioas; the caller holds
 *	@ioas->hwpts_lock and lists it in @ioas->auto_hwpts
 *
 * The new domain is still empty (unfilled): iommufd_paging_hwpt_fill()
 * gives it the mappings of the IOAS, which may pin memory and so wait for
 * userspace; the caller does that once it no longer needs @idev, or the
 * first attach does it. The HWPT is not visible yet: the caller finalizes
 * it or aborts it.
 *
 * Return: the HWPT, or an ERR_PTR: -EOPNOTSUPP for flags or data the IOMMU
 * cannot honour, errors of the driver.
 */
struct iommufd_paging_hwpt *
iommufd_paging_hwpt_create(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			   struct iommufd_device *idev, u32 flags,
			   const struct iommu_user_data *user_data,
			   bool auto_domain)
{
	const u32 valid_flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				IOMMU_HWPT_ALLOC_PASID;
	/* Recorded by the core; 6.12 drivers refuse flags they do not know */
	const u32 core_flags = IOMMU_HWPT_ALLOC_PASID;
	struct iommufd_paging_hwpt *paging;
	struct iommu_domain *domain;
	int rc;

	if (flags & ~valid_flags)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !device_iommu_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING))
		return ERR_PTR(-EOPNOTSUPP);

	paging = iommufd_obj_new(ictx, paging, IOMMUFD_OBJ_HWPT_PAGING,
				 &iommufd_paging_hwpt_ops);
	if (IS_ERR(paging))
		return paging;
	INIT_LIST_HEAD(&paging->auto_link);
	paging->base.ictx = ictx;
	paging->ioas = ioas;
	paging->auto_domain = auto_domain;
	paging->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	paging->base.pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	iommufd_obj_hold(&ioas->obj);

	domain = iommufd_paging_domain_alloc(idev, flags & ~core_flags,
					     user_data);
	if (IS_ERR(domain)) {
		rc = PTR_ERR(domain);
		goto err_abort;
	}
	paging->base.domain = domain;
	paging->unfilled = true;
	if (paging->base.pasid_compat &&
	    !iommufd_domain_pasid_capable(idev, domain)) {
		rc = -EOPNOTSUPP;
		goto err_abort;
	}
	/* Only reached through the uAPI without attaching anything first */
	if (idev->can_force_coherent)
		paging->coherent = iommufd_domain_force_coherent(domain);
	return paging;

err_abort:
	iommufd_obj_discard(ictx, &paging->base.obj);
	return ERR_PTR(rc);
}

static struct iommufd_nested_hwpt *
iommufd_nested_hwpt_create(struct iommufd_ctx *ictx,
			   struct iommufd_paging_hwpt *parent,
			   struct iommufd_device *idev, u32 flags, u32 fault_id,
			   const struct iommu_user_data *user_data)
{
	/* Flags the core consumes itself; none is the driver's */
	const u32 core_flags = IOMMU_HWPT_FAULT_ID_VALID |
			       IOMMU_HWPT_ALLOC_PASID;
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommu_domain *domain;

	if (flags & ~core_flags)
		return ERR_PTR(-EOPNOTSUPP);
	if (!parent->nest_parent)
		return ERR_PTR(-EINVAL);
	/* The device's driver is handed only a parent domain of its own */
	if (parent->base.domain->owner != ops)
		return ERR_PTR(-EINVAL);
	/* A nested table is described by driver data: none, nothing to do */
	if (!ops->domain_alloc_user || !user_data)
		return ERR_PTR(-EOPNOTSUPP);

	domain = ops->domain_alloc_user(idev->dev, flags & ~core_flags,
					parent->base.domain, user_data);
	if (!IS_ERR_OR_NULL(domain))
		domain->owner = ops;
	return iommufd_nested_hwpt_new(ictx, parent, NULL, idev, domain, flags,
				       fault_id);
}

/* Route the I/O page faults of a nested HWPT into a fault queue */
static int iommufd_hwpt_set_fault(struct iommufd_ctx *ictx,
				  struct iommufd_hwpt *hwpt, u32 fault_id)
{
	struct iommufd_fault *fault;

	fault = iommufd_fault_find(ictx, fault_id);
	if (IS_ERR(fault))
		return PTR_ERR(fault);
	/* The lookup reference becomes the HWPT's */
	hwpt->fault = fault;
	hwpt->domain->iopf_handler = iommufd_fault_queue_iopf;
	hwpt->domain->fault_data = fault;
	return 0;
}

/**
 * iommufd_nested_hwpt_new - Make a nested HWPT of a domain made elsewhere
 * @ictx: the context
 * @parent: the nesting parent the domain translates through; the HWPT
 *	takes a reference
 * @holder: the object the domain was made from if not @parent (a virtual
 *	IOMMU) or NULL; the HWPT takes a reference
 * @idev: the device the domain was made for
 * @domain: an IOMMU_DOMAIN_NESTED domain, or an ERR_PTR; the HWPT owns it
 *	(it is freed on failure too)
 * @flags: the IOMMU_HWPT_ALLOC flags; only the core's, FAULT_ID_VALID and
 *	ALLOC_PASID, are looked at
 * @fault_id: the fault queue, with IOMMU_HWPT_FAULT_ID_VALID
 *
 * Both ways of making a nested HWPT end here, so that they take the same
 * core flags with the same meaning. The HWPT is not visible yet: the caller
 * publishes it or discards it.
 *
 * Return: the HWPT or an ERR_PTR: the domain's error, -EOPNOTSUPP for
 * ALLOC_PASID where @idev's IOMMU cannot attach PASIDs to @domain, -ENOENT
 * for a bad fault queue, -ENOMEM.
 */
struct iommufd_nested_hwpt *
iommufd_nested_hwpt_new(struct iommufd_ctx *ictx,
			struct iommufd_paging_hwpt *parent,
			struct iommufd_obj *holder, struct iommufd_device *idev,
			struct iommu_domain *domain, u32 flags, u32 fault_id)
{
	struct iommufd_nested_hwpt *nested;
	int rc = -EOPNOTSUPP;

	if (IS_ERR_OR_NULL(domain))
		return domain ? ERR_CAST(domain) : ERR_PTR(-ENOMEM);
	if (WARN_ON_ONCE(domain->type != IOMMU_DOMAIN_NESTED)) {
		iommu_domain_free(domain);
		return ERR_PTR(-EINVAL);
	}
	nested = iommufd_obj_new(ictx, nested, IOMMUFD_OBJ_HWPT_NESTED,
				 &iommufd_nested_hwpt_ops);
	if (IS_ERR(nested)) {
		iommu_domain_free(domain);
		return nested;
	}
	nested->base.ictx = ictx;
	nested->base.domain = domain;
	nested->parent = parent;
	iommufd_obj_hold(&parent->base.obj);
	nested->holder = holder;
	if (holder)
		iommufd_obj_hold(holder);

	nested->base.pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	if (nested->base.pasid_compat &&
	    !iommufd_domain_pasid_capable(idev, domain))
		goto err_discard;
	if (flags & IOMMU_HWPT_FAULT_ID_VALID) {
		rc = iommufd_hwpt_set_fault(ictx, &nested->base, fault_id);
		if (rc)
			goto err_discard;
	}
	return nested;

err_discard:
	iommufd_obj_discard(ictx, &nested->base.obj);
	return ERR_PTR(rc);
}

static struct iommufd_hwpt *
iommufd_hwpt_alloc_on(struct iommufd_call *call, struct iommufd_device *idev,
		      struct iommufd_obj *pt_obj,
		      const struct iommu_user_data *user_data)
{
	struct iommu_hwpt_alloc *arg = call->args;
	struct iommufd_nested_hwpt *nested;
	struct iommufd_paging_hwpt *paging;
	struct iommufd_ioas *ioas;

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_IOAS:
		ioas = container_of(pt_obj, struct iommufd_ioas, obj);
		paging = iommufd_paging_hwpt_create(call->ictx, ioas, idev,
						    arg->flags, user_data,
						    false);
		return IS_ERR(paging) ? ERR_CAST(paging) : &paging->base;
	case IOMMUFD_OBJ_HWPT_PAGING:
		paging = container_of(pt_obj, struct iommufd_paging_hwpt,
				      base.obj);
		nested = iommufd_nested_hwpt_create(call->ictx, paging, idev,
						    arg->flags, arg->fault_id,
						    user_data);
		return IS_ERR(nested) ? ERR_CAST(nested) : &nested->base;
	default:
		return ERR_PTR(-EINVAL);
	}
}

/**
 * iommufd_do_hwpt_alloc - Handle IOMMU_HWPT_ALLOC
 * @call: the command, struct iommu_hwpt_alloc
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_hwpt_alloc(struct iommufd_call *call)
{
	struct iommu_hwpt_alloc *arg = call->args;
	const struct iommu_user_data user_data = {
		.type = arg->data_type,
		.uptr = u64_to_user_ptr(arg->data_uptr),
		.len = arg->data_len,
	};
	struct iommufd_hwpt *hwpt;
	struct iommufd_obj *pt_obj;
	struct iommufd_device *idev;
	int rc;

	if (arg->__reserved || arg->__reserved2)
		return -EOPNOTSUPP;
	/* Driver data comes with a type, and a type with data */
	if (!arg->data_type != !arg->data_len)
		return -EINVAL;

	idev = iommufd_device_find(call->ictx, arg->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	pt_obj = iommufd_obj_find(call->ictx, arg->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_idev;
	}

	hwpt = iommufd_hwpt_alloc_on(call, idev, pt_obj,
				     arg->data_len ? &user_data : NULL);
	/*
	 * The new HWPT holds what it needs: let go of the device (its unbind
	 * waits for the reference) before the fill, which may pin memory,
	 * and the copy-out, both of which userspace can delay.
	 */
	iommufd_obj_put(call->ictx, pt_obj);
	iommufd_obj_put(call->ictx, &idev->obj);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);

	/* Not visible yet, so no hwpts_lock: nobody else can attach it */
	rc = 0;
	if (iommufd_hwpt_is_paging(hwpt) &&
	    iommufd_domain_finished(hwpt->domain))
		rc = iommufd_paging_hwpt_fill(as_paging_hwpt(hwpt));
	if (!rc) {
		arg->out_hwpt_id = hwpt->obj.id;
		rc = iommufd_call_reply(call, sizeof(*arg));
	}
	if (rc)
		iommufd_obj_discard(call->ictx, &hwpt->obj);
	else
		iommufd_obj_publish(call->ictx, &hwpt->obj);
	return rc;

out_put_idev:
	iommufd_obj_put(call->ictx, &idev->obj);
	return rc;
}

/*
 * Hardware data of the device's IOMMU, as its driver reports it, in a kernel
 * buffer (NULL if there is none). A caller asking for a particular format
 * gets it only if that is the driver's.
 */
static void *iommufd_get_hw_data(struct device *dev, u32 requested_type,
				 u32 *data_len, u32 *type)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	void *data = NULL;
	int rc;

	*data_len = 0;
	*type = IOMMU_HW_INFO_TYPE_NONE;
	if (ops->hw_info) {
		data = ops->hw_info(dev, data_len, type);
		if (IS_ERR(data))
			return data;
		if (WARN_ON_ONCE(*type == IOMMU_HW_INFO_TYPE_NONE &&
				 *data_len)) {
			rc = -EOPNOTSUPP;
			goto err_free;
		}
	}
	if (requested_type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    requested_type != *type) {
		rc = -EOPNOTSUPP;
		goto err_free;
	}
	return data;

err_free:
	kfree(data);
	return ERR_PTR(rc);
}

/* Copy the data out; only then report its length and type */
static int iommufd_copy_hw_data(struct iommu_hw_info *arg, const void *data,
				u32 data_len, u32 type)
{
	void __user *uptr = u64_to_user_ptr(arg->data_uptr);
	u32 copy_len = min(arg->data_len, data_len);

	if (copy_to_user(uptr, data, copy_len) ||
	    (arg->data_len > copy_len &&
	     clear_user(uptr + copy_len, arg->data_len - copy_len)))
		return -EFAULT;
	arg->data_len = data_len;
	arg->out_data_type = type;
	return 0;
}

static void iommufd_fill_hw_caps(struct iommu_hw_info *arg, struct device *dev)
{
	u32 max_pasids = dev->iommu ? dev->iommu->max_pasids : 0;

	arg->out_capabilities = 0;
	if (device_iommu_capable(dev, IOMMU_CAP_DIRTY_TRACKING))
		arg->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;

	arg->out_max_pasid_log2 = max_pasids ? ilog2(max_pasids) : 0;
	if (arg->out_max_pasid_log2 && dev_is_pci(dev)) {
		/* What the IOMMU driver enabled, not what the device offers */
		int ctrl = pci_pasid_status(to_pci_dev(dev));

		if (ctrl < 0 || !(ctrl & PCI_PASID_CTRL_ENABLE))
			ctrl = 0;
		if (ctrl & PCI_PASID_CTRL_EXEC)
			arg->out_capabilities |= IOMMU_HW_CAP_PCI_PASID_EXEC;
		if (ctrl & PCI_PASID_CTRL_PRIV)
			arg->out_capabilities |= IOMMU_HW_CAP_PCI_PASID_PRIV;
	}
}

/**
 * iommufd_do_get_hw_info - Handle IOMMU_GET_HW_INFO
 * @call: the command, struct iommu_hw_info
 *
 * Everything is collected into kernel memory first: the device reference is
 * dropped before the user copies, which userspace can delay at will while
 * an unbind of the device waits for the reference.
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_get_hw_info(struct iommufd_call *call)
{
	struct iommu_hw_info *arg = call->args;
	u32 requested_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	struct iommufd_device *idev;
	u32 data_len, type;
	void *data;
	int rc;

	if (arg->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE ||
	    memchr_inv(arg->__reserved, 0, sizeof(arg->__reserved)))
		return -EOPNOTSUPP;
	if (arg->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		requested_type = arg->in_data_type;

	idev = iommufd_device_find(call->ictx, arg->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	data = iommufd_get_hw_data(idev->dev, requested_type, &data_len,
				   &type);
	if (!IS_ERR(data))
		iommufd_fill_hw_caps(arg, idev->dev);
	iommufd_obj_put(call->ictx, &idev->obj);
	if (IS_ERR(data))
		return PTR_ERR(data);

	rc = iommufd_copy_hw_data(arg, data, data_len, type);
	if (!rc)
		rc = iommufd_call_reply(call, sizeof(*arg));
	kfree(data);
	return rc;
}

/* Bytes of user array one call of the driver works through at most */
#define IOMMUFD_INVALIDATE_BATCH SZ_64K

/*
 * Hand @fn the user's array in batches of at most
 * IOMMUFD_INVALIDATE_BATCH bytes (or one entry, if that is larger), with a
 * chance to reschedule in between and a way out for a task being killed:
 * neither the entry size nor their number is bounded by the uAPI. @base is
 * the user address of @all's array. @done is the number of entries handled,
 * also on failure.
 */
static int iommufd_invalidate_batches(iommufd_invalidate_fn fn, void *priv,
				      const struct iommu_user_data_array *all,
				      u64 base, u32 *done)
{
	u32 batch = max_t(u32, 1, IOMMUFD_INVALIDATE_BATCH / all->entry_len);
	struct iommu_user_data_array part = *all;
	u64 offset, addr;
	u32 n;
	int rc;

	*done = 0;
	for (;;) {
		n = min(batch, all->entry_num - *done);
		offset = (u64)*done * all->entry_len;
		/* An array past the end of the address space is unreadable */
		if (check_add_overflow(base, offset, &addr) ||
		    addr > ULONG_MAX)
			return -EFAULT;
		part.uptr = u64_to_user_ptr(addr);
		part.entry_num = n;
		rc = fn(priv, &part);
		/* The driver reports how many it handled, all on success */
		*done += min(part.entry_num, n);
		if (rc)
			return rc;
		if (WARN_ON_ONCE(part.entry_num < n))
			return -EIO;
		if (*done == all->entry_num)
			break;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* Checks of IOMMU_HWPT_INVALIDATE made before looking at the ID */
static int iommufd_invalidate_check(struct iommu_hwpt_invalidate *arg)
{
	if (arg->__reserved)
		return -EOPNOTSUPP;
	if (arg->entry_num && (!arg->data_uptr || !arg->entry_len))
		return -EINVAL;
	return 0;
}

/* Reply with the entries done; the reply's own failure wins */
static int iommufd_invalidate_reply(struct iommufd_call *call, u32 done_num,
				    int rc)
{
	struct iommu_hwpt_invalidate *arg = call->args;

	arg->entry_num = done_num;
	if (iommufd_call_reply(call, sizeof(*arg)))
		return -EFAULT;
	return rc;
}

/**
 * iommufd_invalidate_user - Carry out IOMMU_HWPT_INVALIDATE through @fn
 * @call: the command, struct iommu_hwpt_invalidate; its ID was resolved
 * @fn: the handler of the HWPT or virtual IOMMU, NULL if it has none
 * @priv: passed to @fn
 *
 * The handler processes the entries in order and stops at the first one
 * that fails; entry_num is written back with the number it processed, also
 * on failure. Any entry size and number are taken; the work is done in
 * batches and stops with -EINTR when the task is being killed.
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_invalidate_user(struct iommufd_call *call,
			    iommufd_invalidate_fn fn, void *priv)
{
	struct iommu_hwpt_invalidate *arg = call->args;
	struct iommu_user_data_array data_array = {
		.type = arg->data_type,
		.uptr = u64_to_user_ptr(arg->data_uptr),
		.entry_len = arg->entry_len,
		.entry_num = arg->entry_num,
	};
	u32 done_num = 0;
	int rc;

	rc = iommufd_invalidate_check(arg);
	if (rc)
		goto out;
	if (!fn)
		rc = -EOPNOTSUPP;
	else if (!arg->entry_num)
		/* Nothing to do, but the driver judges the data type */
		rc = fn(priv, &data_array);
	else
		rc = iommufd_invalidate_batches(fn, priv, &data_array,
						arg->data_uptr, &done_num);
out:
	return iommufd_invalidate_reply(call, done_num, rc);
}

static int iommufd_domain_invalidate(void *priv,
				     struct iommu_user_data_array *array)
{
	struct iommu_domain *domain = priv;

	return domain->ops->cache_invalidate_user(domain, array);
}

/**
 * iommufd_do_hwpt_invalidate - Handle IOMMU_HWPT_INVALIDATE of a nested HWPT
 * @call: the command, struct iommu_hwpt_invalidate
 *
 * See iommufd_invalidate_user().
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_hwpt_invalidate(struct iommufd_call *call)
{
	struct iommu_hwpt_invalidate *arg = call->args;
	struct iommufd_nested_hwpt *nested;
	struct iommu_domain *domain;
	int rc;

	rc = iommufd_invalidate_check(arg);
	if (rc)
		return iommufd_invalidate_reply(call, 0, rc);
	nested = iommufd_nested_hwpt_find(call->ictx, arg->hwpt_id);
	if (IS_ERR(nested))
		return iommufd_invalidate_reply(call, 0, PTR_ERR(nested));
	domain = nested->base.domain;
	rc = iommufd_invalidate_user(call,
				     domain->ops->cache_invalidate_user ?
				     iommufd_domain_invalidate : NULL,
				     domain);
	iommufd_obj_put(call->ictx, &nested->base.obj);
	return rc;
}

/**
 * iommufd_do_hwpt_set_dirty - Handle IOMMU_HWPT_SET_DIRTY_TRACKING
 * @call: the command, struct iommu_hwpt_set_dirty_tracking
 *
 * Enabling first clears the dirty bits left over in the mapped segments.
 * Enabling or disabling twice is harmless.
 *
 * Return: 0, -EOPNOTSUPP for unknown flags or a HWPT allocated without
 * IOMMU_HWPT_ALLOC_DIRTY_TRACKING, -ENOENT if the ID is not a paging HWPT.
 */
int iommufd_do_hwpt_set_dirty(struct iommufd_call *call)
{
	struct iommu_hwpt_set_dirty_tracking *arg = call->args;
	struct iommufd_paging_hwpt *paging;
	struct iommufd_ioas *ioas;
	int rc;

	if (arg->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE || arg->__reserved)
		return -EOPNOTSUPP;

	paging = iommufd_paging_hwpt_find(call->ictx, arg->hwpt_id);
	if (IS_ERR(paging))
		return PTR_ERR(paging);
	ioas = paging->ioas;

	/* Serialises the switch per domain, as the drivers expect */
	mutex_lock(&ioas->hwpts_lock);
	rc = isp_track_dirty(&ioas->isp, paging->base.domain,
			     arg->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	mutex_unlock(&ioas->hwpts_lock);
	iommufd_obj_put(call->ictx, &paging->base.obj);
	return rc;
}

/**
 * iommufd_do_hwpt_get_dirty - Handle IOMMU_HWPT_GET_DIRTY_BITMAP
 * @call: the command, struct iommu_hwpt_get_dirty_bitmap
 *
 * Return: 0, -EOPNOTSUPP for unknown flags or a HWPT that cannot track,
 * -ENOENT if the ID is not a paging HWPT, -EINVAL for a bad range or page
 * size, -EFAULT.
 */
int iommufd_do_hwpt_get_dirty(struct iommufd_call *call)
{
	struct iommu_hwpt_get_dirty_bitmap *arg = call->args;
	struct iommufd_paging_hwpt *paging;
	int rc;

	if (arg->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR ||
	    arg->__reserved)
		return -EOPNOTSUPP;
	if (arg->iova > ULONG_MAX || arg->length > ULONG_MAX ||
	    arg->page_size > ULONG_MAX)
		return -EINVAL;

	paging = iommufd_paging_hwpt_find(call->ictx, arg->hwpt_id);
	if (IS_ERR(paging))
		return PTR_ERR(paging);
	rc = isp_collect_dirty(&paging->ioas->isp,
			       paging->base.domain,
			       arg->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR ?
			       IOMMU_DIRTY_NO_CLEAR : 0,
			       arg->iova, arg->length,
			       arg->page_size,
			       u64_to_user_ptr(arg->data));
	iommufd_obj_put(call->ictx, &paging->base.obj);
	return rc;
}
