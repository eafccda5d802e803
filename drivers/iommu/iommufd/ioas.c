// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOAS object and its ioctls.  Argument checking and the uAPI live
 * here; the IOVA bookkeeping is iova_space.c's.
 */
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "ioas.h"

/* The IOVA layer's ranges are copied out as the uAPI's as they are */
static_assert(sizeof(struct isp_range) == sizeof(struct iommu_iova_range));
static_assert(offsetof(struct isp_range, start) ==
	      offsetof(struct iommu_iova_range, start));
static_assert(offsetof(struct isp_range, last) ==
	      offsetof(struct iommu_iova_range, last));

static void iommufd_ioas_release(struct iommufd_obj *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	if (ioas->release_hook)
		ioas->release_hook(ioas);
	isp_destroy(&ioas->isp);
	mutex_destroy(&ioas->hwpts_lock);
}

static const struct iommufd_obj_ops iommufd_ioas_ops = {
	.release = iommufd_ioas_release,
};

/**
 * iommufd_ioas_new - create an empty IOAS
 * @ictx: context
 *
 * Return: the IOAS, not yet finalized, or an ERR_PTR.
 */
struct iommufd_ioas *iommufd_ioas_new(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_obj_new_at(ictx, ioas, obj, IOMMUFD_OBJ_IOAS,
				  &iommufd_ioas_ops);
	if (IS_ERR(ioas))
		return ioas;
	ioas->ictx = ictx;
	isp_init(&ioas->isp);
	mutex_init(&ioas->hwpts_lock);
	INIT_LIST_HEAD(&ioas->auto_hwpts);
	return ioas;
}

/**
 * iommufd_do_ioas_alloc - IOMMU_IOAS_ALLOC
 * @call: the ioctl call
 *
 * Return: 0 or a negative errno.
 */
int iommufd_do_ioas_alloc(struct iommufd_call *call)
{
	struct iommu_ioas_alloc *arg = call->args;
	struct iommufd_ioas *ioas;
	int rc;

	if (arg->flags)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_new(call->ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	arg->out_ioas_id = ioas->obj.id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc) {
		iommufd_obj_discard(call->ictx, &ioas->obj);
		return rc;
	}
	iommufd_obj_publish(call->ictx, &ioas->obj);
	return 0;
}

/* Usable IOVA ranges reported without an allocation (256 bytes of stack) */
#define IOMMUFD_RANGES_ON_STACK 16

/**
 * iommufd_ioas_copy_ranges - copy the usable IOVA ranges to userspace
 * @ioas: IOAS
 * @ranges: user array, in ascending order of IOVA
 * @max: number of entries @ranges has room for
 * @count: receives the number of usable ranges, which may exceed @max
 *	(the ranges beyond it are not copied)
 *
 * The ranges are taken into a kernel buffer and copied out with no lock
 * held, so a user buffer that faults slowly holds up only this call.  The
 * first IOMMUFD_RANGES_ON_STACK of them need no allocation.  The stack
 * buffer is not zeroed first (CONFIG_INIT_STACK_ALL_ZERO would, on every
 * call): only the entries isp_get_allowed_ranges() wrote are copied out.
 *
 * Return: 0, -EFAULT or -ENOMEM.
 */
int iommufd_ioas_copy_ranges(struct iommufd_ioas *ioas,
			     struct iommu_iova_range __user *ranges, u32 max,
			     u32 *count)
{
	struct isp_range stack[IOMMUFD_RANGES_ON_STACK] __uninitialized;
	struct isp_range *buf = stack;
	u32 room = min_t(u32, max, ARRAY_SIZE(stack)), n;
	int rc = 0;

	isp_get_allowed_ranges(&ioas->isp, buf, room, &n);
	/* The ranges may change between two looks; take one that fits */
	while (room < min(n, max)) {
		if (buf != stack)
			kvfree(buf);
		room = min(n, max);
		buf = kvcalloc(room, sizeof(*buf), GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
		isp_get_allowed_ranges(&ioas->isp, buf, room, &n);
	}
	if (copy_to_user(ranges, buf, min(n, room) * sizeof(*buf)))
		rc = -EFAULT;
	if (buf != stack)
		kvfree(buf);
	*count = n;
	return rc;
}

/**
 * iommufd_do_ioas_iova_ranges - IOMMU_IOAS_IOVA_RANGES
 * @call: the ioctl call
 *
 * Return: 0; -EMSGSIZE with num_iovas set to the number needed when the
 * user's array is too short (it is filled as far as it goes).
 */
int iommufd_do_ioas_iova_ranges(struct iommufd_call *call)
{
	struct iommu_ioas_iova_ranges *arg = call->args;
	u32 room = arg->num_iovas, count;
	struct iommufd_ioas *ioas;
	int rc;

	if (arg->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_find(call->ictx, arg->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = iommufd_ioas_copy_ranges(ioas,
				      u64_to_user_ptr(arg->allowed_iovas),
				      room, &count);
	if (rc)
		goto out_put;
	arg->num_iovas = count;
	arg->out_iova_alignment = ioas->isp.iova_alignment;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (!rc && count > room)
		rc = -EMSGSIZE;
out_put:
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}

/* Ranges read from the user per copy_from_user() by ALLOW_IOVAS */
#define IOMMUFD_ALLOW_IOVAS_BATCH 32

/* Build the allowed set from the user array, outside any IOAS lock */
static int iommufd_ioas_read_allowed(struct isp_allowed_set *set,
				     struct iommu_iova_range __user *uranges,
				     u32 num)
{
	struct iommu_iova_range batch[IOMMUFD_ALLOW_IOVAS_BATCH];
	u32 done, i, n;
	int rc;

	for (done = 0; done != num; done += n) {
		n = min_t(u32, num - done, ARRAY_SIZE(batch));
		if (copy_from_user(batch, uranges + done, n * sizeof(*batch)))
			return -EFAULT;
		for (i = 0; i != n; i++) {
			rc = isp_allowed_add(set, batch[i].start,
					     batch[i].last);
			if (rc)
				return rc;
		}
		cond_resched();
	}
	return 0;
}

/**
 * iommufd_do_ioas_allow_iovas - IOMMU_IOAS_ALLOW_IOVAS
 * @call: the ioctl call
 *
 * At most IOMMUFD_ALLOW_IOVAS_MAX ranges (E2BIG beyond); every range
 * costs a small accounted allocation, all made before the IOAS is locked.
 *
 * Return: 0 or a negative errno with the allowed set unchanged.
 */
int iommufd_do_ioas_allow_iovas(struct iommufd_call *call)
{
	struct iommu_ioas_allow_iovas *arg = call->args;
	struct isp_allowed_set set = ISP_ALLOWED_SET_INIT;
	struct iommufd_ioas *ioas;
	int rc;

	if (arg->__reserved)
		return -EOPNOTSUPP;
	if (arg->num_iovas > IOMMUFD_ALLOW_IOVAS_MAX)
		return -E2BIG;

	ioas = iommufd_ioas_find(call->ictx, arg->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iommufd_ioas_read_allowed(&set,
				       u64_to_user_ptr(arg->allowed_iovas),
				       arg->num_iovas);
	if (!rc)
		rc = isp_set_allowed(&ioas->isp, &set);
	/* The old ranges on success, the new ones otherwise */
	isp_allowed_free(&set);
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}

/*
 * Every mapping is cacheable (IOMMU_CACHE): binding a device requires
 * IOMMU_CAP_CACHE_COHERENCY, so the memory is always accessed coherently.
 * Drivers for which this selects memory attributes (e.g. SMMUv3) need it for
 * coherent DMA; whether no-snoop requests are also blocked is the separate
 * per-domain enforce_cache_coherency setting made by the HWPT code.
 */
static int iommufd_map_flags_to_prot(u32 flags)
{
	int prot = IOMMU_CACHE;

	if (!(flags & (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)))
		return -EINVAL;
	if (flags & IOMMU_IOAS_MAP_READABLE)
		prot |= IOMMU_READ;
	if (flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= IOMMU_WRITE;
	return prot;
}

#define IOMMUFD_MAP_FLAGS                                                     \
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |               \
	 IOMMU_IOAS_MAP_READABLE)

/*
 * Undo a mapping whose IOVA could not be reported to userspace.  Another
 * thread may have unmapped it meanwhile and mapped its own there: only what
 * this call created (its generation @gen) is removed.
 */
static int iommufd_ioas_respond_or_unmap(struct iommufd_call *call,
					 size_t cmd_len,
					 struct iommufd_ioas *ioas,
					 unsigned long iova,
					 unsigned long length, u64 gen)
{
	int rc;

	rc = iommufd_call_reply(call, cmd_len);
	if (rc)
		isp_unmap_gen(&ioas->isp, iova, length, gen);
	return rc;
}

/**
 * iommufd_do_ioas_map - IOMMU_IOAS_MAP
 * @call: the ioctl call
 *
 * Return: 0 with iova set, or a negative errno with nothing mapped.
 */
int iommufd_do_ioas_map(struct iommufd_call *call)
{
	struct iommu_ioas_map *arg = call->args;
	struct iommufd_ioas *ioas;
	unsigned long iova = arg->iova;
	u64 gen;
	int prot;
	int rc;

	if ((arg->flags & ~IOMMUFD_MAP_FLAGS) || arg->__reserved)
		return -EOPNOTSUPP;
	if (arg->iova >= ULONG_MAX || arg->length >= ULONG_MAX)
		return -EOVERFLOW;
	prot = iommufd_map_flags_to_prot(arg->flags);
	if (prot < 0)
		return prot;

	ioas = iommufd_ioas_find(call->ictx, arg->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = isp_map_user_pages(&ioas->isp, &iova,
				u64_to_user_ptr(arg->user_va), arg->length,
				prot, call->ictx->acct_mode,
				arg->flags & IOMMU_IOAS_MAP_FIXED_IOVA, &gen);
	if (!rc) {
		arg->iova = iova;
		rc = iommufd_ioas_respond_or_unmap(call, sizeof(*arg), ioas,
						   iova, arg->length, gen);
	}
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}

/**
 * iommufd_do_ioas_map_file - IOMMU_IOAS_MAP_FILE
 * @call: the ioctl call
 *
 * As IOMMU_IOAS_MAP, with the memory named by a file and an offset in it.
 * The file's page cache is pinned through the file (the pinned-pages
 * layer), so the mapping is independent of the caller's memory.  A
 * dma-buf is mapped from the physical range its exporter reports
 * (pages_dmabuf.c): -EOPNOTSUPP if it cannot report one, -ENODEV if it
 * is revoked.
 *
 * Return: 0 with iova set, or a negative errno with nothing mapped.
 */
int iommufd_do_ioas_map_file(struct iommufd_call *call)
{
	struct iommu_ioas_map_file *arg = call->args;
	struct iommufd_ioas *ioas;
	unsigned long iova = arg->iova;
	struct dma_buf *dmabuf;
	struct file *file;
	u64 gen;
	int prot;
	int rc;

	if (arg->flags & ~IOMMUFD_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (arg->iova >= ULONG_MAX || arg->length >= ULONG_MAX ||
	    arg->start >= ULONG_MAX)
		return -EOVERFLOW;
	prot = iommufd_map_flags_to_prot(arg->flags);
	if (prot < 0)
		return prot;

	ioas = iommufd_ioas_find(call->ictx, arg->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* A dma-buf first; anything else must be a memfd */
	dmabuf = dma_buf_get(arg->fd);
	if (!IS_ERR(dmabuf)) {
		rc = isp_map_dmabuf(&ioas->isp, &iova, dmabuf, call->ictx->dev,
				    arg->start, arg->length, prot,
				    arg->flags & IOMMU_IOAS_MAP_FIXED_IOVA, &gen);
		dma_buf_put(dmabuf);
		goto out_reply;
	}
	file = fget(arg->fd);
	if (!file) {
		rc = -EBADF;
		goto out_put;
	}
	rc = isp_map_file_pages(&ioas->isp, &iova, file, arg->start,
				arg->length, prot, call->ictx->acct_mode,
				arg->flags & IOMMU_IOAS_MAP_FIXED_IOVA, &gen);
	fput(file);
out_reply:
	if (!rc) {
		arg->iova = iova;
		rc = iommufd_ioas_respond_or_unmap(call, sizeof(*arg), ioas,
						   iova, arg->length, gen);
	}
out_put:
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}

/**
 * iommufd_do_ioas_change_process - IOMMU_IOAS_CHANGE_PROCESS
 * @call: the ioctl call
 *
 * Collects the pages object of every mapping of every IOAS (all must be of
 * files), charges the caller for all of them at once, then hands them over
 * one by one (pages_acct.c).  Mappings made while this runs may stay with
 * their maker.
 *
 * Return: 0, or -EINVAL / -ENOMEM / -EINTR with nothing changed.
 */
int iommufd_do_ioas_change_process(struct iommufd_call *call)
{
	struct iommu_ioas_change_process *arg = call->args;
	struct iommufd_obj *obj;
	struct upages_move move;
	u32 id = 0;
	int rc = 0;

	if (arg->__reserved)
		return -EOPNOTSUPP;

	upages_move_init(&move, call->ictx->acct_mode);
	while (!rc && (obj = iommufd_obj_find_next(call->ictx, &id,
						   IOMMUFD_OBJ_IOAS))) {
		struct iommufd_ioas *ioas =
			container_of(obj, struct iommufd_ioas, obj);

		rc = isp_collect_pages(&ioas->isp, &move);
		iommufd_obj_put(call->ictx, obj);
		if (id == U32_MAX)
			break;
		id++;
	}
	if (!rc)
		rc = upages_move_charge(&move);
	if (!rc)
		upages_move_commit(&move);
	upages_move_destroy(&move);
	return rc;
}

/**
 * iommufd_do_ioas_copy - IOMMU_IOAS_COPY
 * @call: the ioctl call
 *
 * Return: 0 with dst_iova set, or a negative errno with nothing mapped.
 */
int iommufd_do_ioas_copy(struct iommufd_call *call)
{
	struct iommu_ioas_copy *arg = call->args;
	struct iommufd_ioas *src, *dst;
	unsigned long iova;
	u64 gen;
	int prot;
	int rc;

	if (arg->flags & ~IOMMUFD_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (arg->length >= ULONG_MAX || arg->src_iova >= ULONG_MAX ||
	    arg->dst_iova >= ULONG_MAX)
		return -EOVERFLOW;
	prot = iommufd_map_flags_to_prot(arg->flags);
	if (prot < 0)
		return prot;

	src = iommufd_ioas_find(call->ictx, arg->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = iommufd_ioas_find(call->ictx, arg->dst_ioas_id);
	if (IS_ERR(dst)) {
		rc = PTR_ERR(dst);
		goto out_put_src;
	}

	iova = arg->dst_iova;
	rc = isp_copy_iova(&dst->isp, &iova, &src->isp, arg->src_iova,
			   arg->length, prot,
			   arg->flags & IOMMU_IOAS_MAP_FIXED_IOVA, &gen);
	if (!rc) {
		arg->dst_iova = iova;
		rc = iommufd_ioas_respond_or_unmap(call, sizeof(*arg), dst,
						   iova, arg->length, gen);
	}
	iommufd_obj_put(call->ictx, &dst->obj);
out_put_src:
	iommufd_obj_put(call->ictx, &src->obj);
	return rc;
}

/**
 * iommufd_do_ioas_unmap - IOMMU_IOAS_UNMAP
 * @call: the ioctl call
 *
 * iova 0 with length UINT64_MAX unmaps everything.
 *
 * Return: 0 with length set to the bytes unmapped, or a negative errno.
 */
int iommufd_do_ioas_unmap(struct iommufd_call *call)
{
	struct iommu_ioas_unmap *arg = call->args;
	unsigned long unmapped = 0;
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_ioas_find(call->ictx, arg->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (arg->iova == 0 && arg->length == U64_MAX) {
		rc = isp_unmap_everything(&ioas->isp, &unmapped);
	} else if (arg->iova >= ULONG_MAX || arg->length >= ULONG_MAX) {
		rc = -EOVERFLOW;
	} else {
		rc = isp_unmap_range(&ioas->isp, arg->iova, arg->length,
				     &unmapped);
	}
	if (!rc) {
		arg->length = unmapped;
		rc = iommufd_call_reply(call, sizeof(*arg));
	}
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}

/**
 * iommufd_ioas_set_option - IOMMU_OPTION_HUGE_PAGES of an IOAS
 * @call: the ioctl call, a struct iommu_option
 *
 * Return: 0 or a negative errno; the caller copies a read value back.
 */
int iommufd_ioas_set_option(struct iommufd_call *call)
{
	struct iommu_option *arg = call->args;
	struct iommufd_ioas *ioas;
	int rc = 0;

	ioas = iommufd_ioas_find(call->ictx, arg->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (arg->op == IOMMU_OPTION_OP_GET)
		arg->val64 = !ioas->isp.disable_large_pages;
	else if (arg->val64 > 1)
		rc = -EINVAL;
	else
		rc = isp_set_large_pages(&ioas->isp, arg->val64);

	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}
