// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOAS object and its ioctls.  Argument checking and the uAPI live
 * here; the IOVA bookkeeping is io_pagetable.c's.
 */
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "ioas.h"
#ifdef CONFIG_IOMMUFD_TEST
#include "iommufd_test.h"
#endif

static void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	iommufd_vfio_compat_ioas_destroyed(ioas);
	iopt_destroy_table(&ioas->iopt);
	mutex_destroy(&ioas->mutex);
}

static const struct iommufd_object_ops iommufd_ioas_ops = {
	.destroy = iommufd_ioas_destroy,
};

/**
 * iommufd_ioas_alloc - create an empty IOAS
 * @ictx: context
 *
 * Return: the IOAS, not yet finalized, or an ERR_PTR.
 */
struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_object_alloc_member(ictx, ioas, obj, IOMMUFD_OBJ_IOAS,
					   &iommufd_ioas_ops);
	if (IS_ERR(ioas))
		return ioas;
	ioas->ictx = ictx;
	iopt_init_table(&ioas->iopt);
	mutex_init(&ioas->mutex);
	INIT_LIST_HEAD(&ioas->hwpt_list);
	return ioas;
}

/**
 * iommufd_ioas_alloc_ioctl - IOMMU_IOAS_ALLOC
 * @ucmd: the ioctl call
 *
 * Return: 0 or a negative errno.
 */
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
		return rc;
	}
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;
}

struct iova_ranges_out {
	struct iommu_iova_range __user *ranges;
	u32 max;
	u32 count;
};

static int iommufd_ioas_emit_range(void *data, unsigned long start,
				   unsigned long last)
{
	struct iova_ranges_out *out = data;
	struct iommu_iova_range range = { .start = start, .last = last };

	if (out->count < out->max &&
	    copy_to_user(&out->ranges[out->count], &range, sizeof(range)))
		return -EFAULT;
	out->count++;
	return 0;
}

/**
 * iommufd_ioas_iova_ranges - IOMMU_IOAS_IOVA_RANGES
 * @ucmd: the ioctl call
 *
 * Return: 0; -EMSGSIZE with num_iovas set to the number needed when the
 * user's array is too short (it is filled as far as it goes).
 */
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iova_ranges_out out = {
		.ranges = u64_to_user_ptr(cmd->allowed_iovas),
		.max = cmd->num_iovas,
	};
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = iopt_get_allowed_ranges(&ioas->iopt, iommufd_ioas_emit_range,
				     &out);
	if (rc)
		goto out_put;
	cmd->num_iovas = out.count;
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && out.count > out.max)
		rc = -EMSGSIZE;
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/**
 * iommufd_ioas_allow_iovas - IOMMU_IOAS_ALLOW_IOVAS
 * @ucmd: the ioctl call
 *
 * Return: 0 or a negative errno with the allowed set unchanged.
 */
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct iommu_iova_range *ranges = NULL;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	if (cmd->num_iovas) {
		ranges = memdup_array_user(u64_to_user_ptr(cmd->allowed_iovas),
					   cmd->num_iovas, sizeof(*ranges));
		if (IS_ERR(ranges))
			return PTR_ERR(ranges);
	}

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_free;
	}
	rc = iopt_set_allow_iova(&ioas->iopt, ranges, cmd->num_iovas);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
out_free:
	kfree(ranges);
	return rc;
}

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

/* Undo a mapping whose IOVA could not be reported to userspace */
static int iommufd_ioas_respond_or_unmap(struct iommufd_ucmd *ucmd,
					 size_t cmd_len,
					 struct iommufd_ioas *ioas,
					 unsigned long iova,
					 unsigned long length)
{
	int rc;

	rc = iommufd_ucmd_respond(ucmd, cmd_len);
	if (rc)
		iopt_unmap_iova(&ioas->iopt, iova, length, NULL);
	return rc;
}

/**
 * iommufd_ioas_map - IOMMU_IOAS_MAP
 * @ucmd: the ioctl call
 *
 * Return: 0 with iova set, or a negative errno with nothing mapped.
 */
int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	unsigned long iova = cmd->iova;
	int prot;
	int rc;

	if ((cmd->flags & ~IOMMUFD_MAP_FLAGS) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX)
		return -EOVERFLOW;
	prot = iommufd_map_flags_to_prot(cmd->flags);
	if (prot < 0)
		return prot;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = iopt_map_user_pages(&ioas->iopt, &iova,
				 u64_to_user_ptr(cmd->user_va), cmd->length,
				 prot, ucmd->ictx->account_mode,
				 cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	if (!rc) {
		cmd->iova = iova;
		rc = iommufd_ioas_respond_or_unmap(ucmd, sizeof(*cmd), ioas,
						   iova, cmd->length);
	}
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/*
 * Test builds accept the syzkaller IOVA encoding for src_iova; the flag is
 * consumed here.
 */
static void iommufd_ioas_copy_syz(struct iommufd_ucmd *ucmd,
				  struct iommu_ioas_copy *cmd)
{
#ifdef CONFIG_IOMMUFD_TEST
	struct iommufd_ioas *src;

	if (!(cmd->flags & MOCK_FLAGS_ACCESS_SYZ))
		return;
	cmd->flags &= ~MOCK_FLAGS_ACCESS_SYZ;
	src = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return;
	cmd->src_iova = iopt_syz_iova_to_iova(&src->iopt, cmd->src_iova);
	iommufd_put_object(ucmd->ictx, &src->obj);
#endif
}

/**
 * iommufd_ioas_copy - IOMMU_IOAS_COPY
 * @ucmd: the ioctl call
 *
 * Return: 0 with dst_iova set, or a negative errno with nothing mapped.
 */
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iommufd_ioas *src, *dst;
	unsigned long iova;
	int prot;
	int rc;

	iommufd_ioas_copy_syz(ucmd, cmd);
	if (cmd->flags & ~IOMMUFD_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= ULONG_MAX || cmd->src_iova >= ULONG_MAX ||
	    cmd->dst_iova >= ULONG_MAX)
		return -EOVERFLOW;
	prot = iommufd_map_flags_to_prot(cmd->flags);
	if (prot < 0)
		return prot;

	src = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (IS_ERR(dst)) {
		rc = PTR_ERR(dst);
		goto out_put_src;
	}

	iova = cmd->dst_iova;
	rc = iopt_copy_iova(&dst->iopt, &iova, &src->iopt, cmd->src_iova,
			    cmd->length, prot,
			    cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	if (!rc) {
		cmd->dst_iova = iova;
		rc = iommufd_ioas_respond_or_unmap(ucmd, sizeof(*cmd), dst,
						   iova, cmd->length);
	}
	iommufd_put_object(ucmd->ictx, &dst->obj);
out_put_src:
	iommufd_put_object(ucmd->ictx, &src->obj);
	return rc;
}

/**
 * iommufd_ioas_unmap - IOMMU_IOAS_UNMAP
 * @ucmd: the ioctl call
 *
 * iova 0 with length UINT64_MAX unmaps everything.
 *
 * Return: 0 with length set to the bytes unmapped, or a negative errno.
 */
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	unsigned long unmapped = 0;
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX) {
		rc = -EOVERFLOW;
	} else {
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
	}
	if (!rc) {
		cmd->length = unmapped;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}

/**
 * iommufd_ioas_option - IOMMU_OPTION_HUGE_PAGES of an IOAS
 * @ucmd: the ioctl call, a struct iommu_option
 *
 * Return: 0 or a negative errno; the caller copies a read value back.
 */
int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc = 0;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->op == IOMMU_OPTION_OP_GET)
		cmd->val64 = !ioas->iopt.disable_large_pages;
	else if (cmd->val64 > 1)
		rc = -EINVAL;
	else
		iopt_set_large_pages(&ioas->iopt, cmd->val64);

	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}
