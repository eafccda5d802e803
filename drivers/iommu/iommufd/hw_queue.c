// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hardware queues of a virtual IOMMU (IOMMU_HW_QUEUE_ALLOC): a queue in the
 * guest's memory, a command queue for instance, that the IOMMU consumes by
 * itself, with no VMM trapping the guest's writes to it.
 *
 * The guest names its queue by guest-physical address, an IOVA of the
 * virtual IOMMU's nesting parent. The hardware this serves reads a queue by
 * host physical address, so the memory behind that IOVA is pinned for the
 * queue's lifetime, must be physically contiguous, and is locked in place:
 * unmapping it fails with EBUSY until the queue is destroyed.
 */
#include <linux/io.h>
#include <linux/iommufd_viommu.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "common.h"
#include "hw_queue.h"
#include "hwpt.h"
#include "ioas.h"
#include "viommu.h"

/**
 * struct iommufd_hw_queue - a hardware queue of a virtual IOMMU
 * @obj: object header, type IOMMUFD_OBJ_HW_QUEUE
 * @viommu: the virtual IOMMU; one reference held
 * @ioas: the IOAS of the virtual IOMMU's nesting parent, which maps the
 *	queue memory; kept by the parent, which @viommu keeps
 * @type: enum iommu_hw_queue_type
 * @index: number of the queue among those of its type on @viommu
 * @iova: IOVA of the queue memory in @ioas
 * @length: its length in bytes
 * @pinned: the memory is pinned and locked in @ioas
 * @inited: the driver set the queue up, so its hw_queue_destroy is owed;
 *	@node is then in &iommufd_viommu.hw_queues
 * @live: the queue is in use (published, or about to be): another queue
 *	may depend on it
 * @node: in &iommufd_viommu.hw_queues, under its hw_queues_lock
 * @depends_on: a queue this one keeps from being destroyed
 *	(iommufd_hw_queue_depend()); one reference held
 * @drvdata: the driver's
 */
struct iommufd_hw_queue {
	struct iommufd_obj obj;
	struct iommufd_viommu *viommu;
	struct iommufd_ioas *ioas;
	u32 type;
	u32 index;
	unsigned long iova;
	unsigned long length;
	bool pinned;
	bool inited;
	bool live;
	struct list_head node;
	struct iommufd_hw_queue *depends_on;
	void *drvdata;
};

/*
 * The largest queue: its page array (one struct page pointer per CPU page)
 * stays within the bound of temporary allocations made while pinning
 */
#define IOMMUFD_HW_QUEUE_MAX_PAGES \
	(IOMMUFD_TEMP_MEMORY_LIMIT / sizeof(struct page *))

/**
 * iommufd_hw_queue_depend - Keep another queue while this one exists
 * @hwq: the queue being set up, from the driver's hw_queue_init
 * @index: the other queue's index; it has @hwq's type and virtual IOMMU
 *
 * For hardware whose queues must be set up and torn down in order:
 * IOMMU_DESTROY of the other queue fails with EBUSY while @hwq exists. At
 * most one dependency per queue.
 *
 * Return: 0, or -ENOENT if there is no such queue in use.
 */
int iommufd_hw_queue_depend(struct iommufd_hw_queue *hwq, u32 index)
{
	struct iommufd_viommu *viommu = hwq->viommu;
	struct iommufd_hw_queue *other;

	lockdep_assert_held(&viommu->hw_queues_lock);
	if (WARN_ON(hwq->depends_on))
		return -EINVAL;
	list_for_each_entry(other, &viommu->hw_queues, node) {
		if (other->type != hwq->type || other->index != index)
			continue;
		/* A queue on its way out, or not yet in, does not count */
		if (!other->live || !refcount_inc_not_zero(&other->obj.refs))
			return -ENOENT;
		hwq->depends_on = other;
		return 0;
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(iommufd_hw_queue_depend);

/**
 * iommufd_hw_queue_drvdata - The driver's pointer of a queue
 * @hwq: the queue
 *
 * Return: what iommufd_hw_queue_set_drvdata() stored, or NULL.
 */
void *iommufd_hw_queue_drvdata(struct iommufd_hw_queue *hwq)
{
	return hwq->drvdata;
}
EXPORT_SYMBOL_GPL(iommufd_hw_queue_drvdata);

/**
 * iommufd_hw_queue_set_drvdata - Store the driver's pointer of a queue
 * @hwq: the queue
 * @data: the pointer
 */
void iommufd_hw_queue_set_drvdata(struct iommufd_hw_queue *hwq, void *data)
{
	hwq->drvdata = data;
}
EXPORT_SYMBOL_GPL(iommufd_hw_queue_set_drvdata);

/* Works on a partly built queue too, so it also serves as the abort */
static void iommufd_hw_queue_release(struct iommufd_obj *obj)
{
	struct iommufd_hw_queue *hwq =
		container_of(obj, struct iommufd_hw_queue, obj);
	struct iommufd_viommu *viommu = hwq->viommu;

	if (!viommu)
		return;
	if (hwq->inited) {
		mutex_lock(&viommu->hw_queues_lock);
		list_del(&hwq->node);
		viommu->ops->hw_queue_destroy(hwq);
		mutex_unlock(&viommu->hw_queues_lock);
	}
	if (hwq->depends_on)
		iommufd_obj_put(viommu->ictx, &hwq->depends_on->obj);
	if (hwq->pinned)
		isp_access_unpin_locked(&hwq->ioas->isp, hwq->iova,
					hwq->length);
	iommufd_obj_put(viommu->ictx, &viommu->obj);
}

static const struct iommufd_obj_ops iommufd_hw_queue_ops = {
	.release = iommufd_hw_queue_release,
};

/*
 * Pin and lock the queue memory; return its host physical address, which
 * the whole queue follows contiguously.
 */
static int iommufd_hw_queue_pin(struct iommufd_hw_queue *hwq,
				phys_addr_t *base)
{
	unsigned long npages = (offset_in_page(hwq->iova) + hwq->length - 1) /
			       PAGE_SIZE + 1;
	struct page **pages;
	unsigned long i;
	int rc;

	if (npages > IOMMUFD_HW_QUEUE_MAX_PAGES)
		return -EINVAL;
	pages = kcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return -ENOMEM;
	rc = isp_access_pin_pages(&hwq->ioas->isp, hwq->iova, hwq->length,
				  pages, ISP_ACCESS_LOCK);
	if (rc)
		goto out_free;
	hwq->pinned = true;
	for (i = 1; i != npages; i++) {
		if (page_to_pfn(pages[i]) != page_to_pfn(pages[0]) + i) {
			rc = -EINVAL;
			goto out_free;
		}
	}
	*base = page_to_phys(pages[0]) + offset_in_page(hwq->iova);
out_free:
	kfree(pages);
	return rc;
}

/* Let the driver set the queue up, unless another one has its place */
static int iommufd_hw_queue_init(struct iommufd_hw_queue *hwq,
				 phys_addr_t base)
{
	struct iommufd_viommu *viommu = hwq->viommu;
	struct iommufd_hw_queue *other;
	int rc = 0;

	mutex_lock(&viommu->hw_queues_lock);
	list_for_each_entry(other, &viommu->hw_queues, node) {
		if (other->type == hwq->type && other->index == hwq->index) {
			rc = -EEXIST;
			goto out_unlock;
		}
	}
	rc = viommu->ops->hw_queue_init(hwq, viommu, hwq->type, hwq->index,
					base, hwq->length);
	if (rc)
		goto out_unlock;
	hwq->inited = true;
	list_add_tail(&hwq->node, &viommu->hw_queues);
out_unlock:
	mutex_unlock(&viommu->hw_queues_lock);
	return rc;
}

/**
 * iommufd_do_hw_queue_alloc - Handle IOMMU_HW_QUEUE_ALLOC
 * @call: the command, struct iommu_hw_queue_alloc
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_hw_queue_alloc(struct iommufd_call *call)
{
	struct iommu_hw_queue_alloc *arg = call->args;
	struct iommufd_viommu *viommu;
	struct iommufd_hw_queue *hwq;
	unsigned long last;
	phys_addr_t base;
	int rc;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (arg->nesting_parent_iova > ULONG_MAX || arg->length > ULONG_MAX)
		return -EOVERFLOW;
	rc = iommufd_range_last(arg->nesting_parent_iova, arg->length, &last);
	if (rc)
		return rc;

	viommu = iommufd_viommu_find(call->ictx, arg->viommu_id);
	if (IS_ERR(viommu))
		return PTR_ERR(viommu);
	if (!viommu->ops->hw_queue_init || !viommu->ops->hw_queue_destroy) {
		iommufd_obj_put(call->ictx, &viommu->obj);
		return -EOPNOTSUPP;
	}

	hwq = iommufd_obj_new(call->ictx, hwq, IOMMUFD_OBJ_HW_QUEUE,
			      &iommufd_hw_queue_ops);
	if (IS_ERR(hwq)) {
		iommufd_obj_put(call->ictx, &viommu->obj);
		return PTR_ERR(hwq);
	}
	/* The lookup's reference becomes the queue's */
	hwq->viommu = viommu;
	hwq->ioas = viommu->hwpt->ioas;
	hwq->type = arg->type;
	hwq->index = arg->index;
	hwq->iova = arg->nesting_parent_iova;
	hwq->length = arg->length;

	/* Pinning may wait for user memory: no lock is held */
	rc = iommufd_hw_queue_pin(hwq, &base);
	if (rc)
		goto err_discard;
	rc = iommufd_hw_queue_init(hwq, base);
	if (rc)
		goto err_discard;

	arg->out_hw_queue_id = hwq->obj.id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		goto err_discard;
	mutex_lock(&viommu->hw_queues_lock);
	hwq->live = true;
	mutex_unlock(&viommu->hw_queues_lock);
	iommufd_obj_publish(call->ictx, &hwq->obj);
	return 0;

err_discard:
	iommufd_obj_discard(call->ictx, &hwq->obj);
	return rc;
}
