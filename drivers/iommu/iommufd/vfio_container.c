// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy VFIO container API (type1 and no-IOMMU) on an iommufd context.
 *
 * Every /dev/iommu file takes these ioctls, and with
 * CONFIG_IOMMUFD_VFIO_CONTAINER /dev/vfio/vfio is served with the file
 * operations of /dev/iommu (main.c), so every container is an iommufd
 * context and takes both APIs.  Neither depends on the other: without that
 * option VFIO's own container serves /dev/vfio/vfio, and programs may still
 * use a /dev/iommu file as the container of their groups.  A VFIO group
 * joining it (VFIO_GROUP_SET_CONTAINER) gives it its compat IOAS
 * (vfio_compat.c), VFIO_SET_IOMMU picks the IOMMU type, and the type1
 * ioctls work on the compat IOAS through the same IOVA bookkeeping calls as
 * IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP.
 *
 * Type1 v1 and v2 differ in how an unmap may meet an existing mapping: v2
 * refuses to cut one in two, v1 unmaps exactly the range asked for and
 * splits mappings at its edges.  The compat IOAS of a v1 container
 * therefore maps without IOPTEs larger than a CPU page (see
 * iommufd_vfio_ioas_install()), so that every page boundary of a mapping
 * can become an edge.
 *
 * Locking: the container state (struct iommufd_vfio_ctx: vfio_type,
 * vfio_noiommu) is protected by ictx->lock, which also guards vfio_ioas.
 * Its groups (vfio_groups) are protected by their own lock, taken first and
 * held across pinning, never across a user copy (lock order: common.h).
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>
#include <uapi/linux/vfio.h>

#include "../iommu-priv.h"
#include "hwpt.h"
#include "vfio_compat.h"

/* The IOVA ranges capability reuses the IOAS's range copy-out */
static_assert(sizeof(struct vfio_iova_range) ==
	      sizeof(struct iommu_iova_range));
static_assert(offsetof(struct vfio_iova_range, start) ==
	      offsetof(struct iommu_iova_range, start));
static_assert(offsetof(struct vfio_iova_range, end) ==
	      offsetof(struct iommu_iova_range, last));

/* May the container of @ictx be switched to @type?  ictx->lock held. */
static bool iommufd_legacy_type_offered(struct iommufd_ctx *ictx,
					unsigned long type)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);

	lockdep_assert_held(&ictx->lock);

	if (vctx->vfio_noiommu)
		return type == VFIO_NOIOMMU_IOMMU;
	return type == VFIO_TYPE1_IOMMU || type == VFIO_TYPE1v2_IOMMU;
}

/*
 * A no-IOMMU container has no IOMMU ioctls: -ENOTTY once VFIO_SET_IOMMU
 * chose its type, -EINVAL before, as in VFIO.  Checked before anything else.
 */
static int iommufd_legacy_check_noiommu(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);
	int rc = 0;

	mutex_lock(&ictx->lock);
	if (vctx->vfio_noiommu)
		rc = vctx->vfio_type ? -ENOTTY : -EINVAL;
	mutex_unlock(&ictx->lock);
	return rc;
}

/*
 * The compat IOAS of a type1 container, with a reference held; asked for
 * once a request passed the checks of its argsz and flags.  -ENODEV while
 * there is none (no group joined, none set with IOMMU_VFIO_IOAS, or it
 * was cleared or destroyed), -EINVAL before VFIO_SET_IOMMU, as in VFIO.
 */
static struct iommufd_ioas *iommufd_legacy_type1_ioas(struct iommufd_ctx *ictx,
						      bool *v2)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);
	struct iommufd_ioas *ioas;
	u32 type;

	ioas = iommufd_vfio_ioas_get(ictx);
	if (IS_ERR(ioas))
		return ioas;

	mutex_lock(&ictx->lock);
	type = vctx->vfio_type;
	mutex_unlock(&ictx->lock);
	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU) {
		iommufd_obj_put(ictx, &ioas->obj);
		return ERR_PTR(-EINVAL);
	}
	if (v2)
		*v2 = type == VFIO_TYPE1v2_IOMMU;
	return ioas;
}

/*
 * The page sizes type1 reports: those every domain of the IOAS and every
 * IOMMU of the container's groups support (see iommufd_vfio_groups_add()),
 * sizes below PAGE_SIZE shown as PAGE_SIZE (memory is pinned in CPU pages),
 * and every size from PAGE_SIZE up while there is neither.
 */
static unsigned long iommufd_legacy_page_sizes(struct iommufd_ioas *ioas)
{
	struct iommufd_vfio_groups *vg = &iommufd_vfio_ctx(ioas->ictx)->vfio_groups;
	unsigned long sizes = isp_page_sizes(&ioas->isp);

	if (READ_ONCE(vg->ioas) == ioas)
		sizes &= READ_ONCE(vg->pgsizes);

	if (!sizes || (sizes & ~PAGE_MASK))
		sizes = (sizes & PAGE_MASK) | PAGE_SIZE;
	return sizes;
}

/* The granule of type1 mappings: the smallest page size reported */
static unsigned long iommufd_legacy_granule(struct iommufd_ioas *ioas)
{
	return 1UL << __ffs(iommufd_legacy_page_sizes(ioas));
}

/* type1's rules for a range: not empty, aligned to @pgsize, no wrap */
static int iommufd_legacy_check_range(u64 start, u64 length,
				      unsigned long pgsize)
{
	u64 last;

	if (!length || ((start | length) & (pgsize - 1)))
		return -EINVAL;
	if (check_add_overflow(start, length - 1, &last) || last > ULONG_MAX)
		return -EINVAL;
	return 0;
}

/* Do all domains devices were attached to through VFIO block no-snoop DMA? */
static int iommufd_legacy_cc_enforced(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;
	bool enforced;

	ioas = iommufd_legacy_type1_ioas(ictx, NULL);
	if (IS_ERR(ioas))
		return 0;
	enforced = iommufd_ioas_auto_hwpts_coherent(ioas);
	iommufd_obj_put(ictx, &ioas->obj);
	return enforced;
}

static long iommufd_legacy_has_ext(struct iommufd_ctx *ictx, unsigned long ext)
{
	bool offered;

	switch (ext) {
	case VFIO_UNMAP_ALL:
		/* Comes with the type1 types */
		ext = VFIO_TYPE1v2_IOMMU;
		fallthrough;
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_NOIOMMU_IOMMU:
		mutex_lock(&ictx->lock);
		offered = iommufd_legacy_type_offered(ictx, ext);
		mutex_unlock(&ictx->lock);
		return offered;
	case VFIO_DMA_CC_IOMMU:
		return iommufd_legacy_cc_enforced(ictx);
	default:
		/*
		 * Not offered: VFIO_UPDATE_VADDR, VFIO_TYPE1_NESTING_IOMMU,
		 * the sPAPR types and VFIO_EEH.
		 */
		return 0;
	}
}

/*
 * The VFIO groups of a container.
 *
 * VFIO's own type1 driver attaches a group to an IOMMU domain when the group
 * joins a type1 container, or at VFIO_SET_IOMMU, so from then on
 * VFIO_IOMMU_GET_INFO reports what the group's IOMMU can map and
 * VFIO_IOMMU_MAP_DMA pins and charges the memory.  Here a device reaches the
 * compat IOAS only when its file is opened: VFIO binds it to the context
 * then, which is also when VFIO claims its DMA ownership, per device, with
 * the context as owner.  So VFIO's group code tells the context which
 * groups with an IOMMU join and leave it (iommufd_vfio_compat_add_group()),
 * and while the context is a type1 container with groups:
 *
 *  - the IOVA outside the aperture of a paging domain made for each group's
 *    IOMMU, and the group's reserved regions, are reserved in the compat
 *    IOAS (tagged with the group), so that GET_INFO reports what can really
 *    be mapped and a mapping that could never be attached is refused;
 *  - the compat IOAS keeps its mappings pinned without any domain
 *    (isp_set_pin_always()), so that memory is pinned and charged at
 *    VFIO_IOMMU_MAP_DMA, not when the program opens the device.
 *
 * The group's DMA ownership and translation are left alone until its
 * devices are opened and attached, as without this.  All of it applies to
 * the compat IOAS of the moment the first group is applied
 * (the vfio_groups.ioas of the context, referenced) until the last group
 * leaves.
 */

/**
 * struct iommufd_legacy_group - a VFIO group in a container
 * @item: in &iommufd_vfio_groups.list
 * @group: the IOMMU group, referenced
 * @pgsizes: IOPTE sizes of a paging domain for its devices
 * @aperture_start: first IOVA such a domain translates
 * @aperture_end: last IOVA such a domain translates; 0..0 when the driver
 *	sets its aperture only at attach (nothing is known then)
 */
struct iommufd_legacy_group {
	struct list_head item;
	struct iommu_group *group;
	unsigned long pgsizes;
	dma_addr_t aperture_start;
	dma_addr_t aperture_end;
};

/**
 * iommufd_vfio_groups_init - a new context has no VFIO groups
 * @ictx: context
 */
void iommufd_vfio_groups_init(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_groups *vg = &iommufd_vfio_ctx(ictx)->vfio_groups;

	mutex_init(&vg->lock);
	INIT_LIST_HEAD(&vg->list);
	vg->pgsizes = ULONG_MAX;
}

/**
 * iommufd_vfio_groups_destroy - undo iommufd_vfio_groups_init()
 * @ictx: context being released; every group left it (each holds a
 *	reference on the context while it is joined)
 */
void iommufd_vfio_groups_destroy(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_groups *vg = &iommufd_vfio_ctx(ictx)->vfio_groups;

	WARN_ON(!list_empty(&vg->list) || vg->ioas);
	mutex_destroy(&vg->lock);
}

static int iommufd_legacy_first_dev(struct device *dev, void *data)
{
	*(struct device **)data = get_device(dev);
	return 1;
}

/*
 * What a paging domain for @g's devices can map, learnt from one made the
 * way an attach through the compat IOAS makes it (hwpt.c), then freed.
 */
static int iommufd_legacy_probe_group(struct iommufd_legacy_group *g)
{
	struct iommu_domain *domain;
	const struct iommu_ops *ops;
	struct device *dev = NULL;

	iommu_group_for_each_dev(g->group, &dev, iommufd_legacy_first_dev);
	if (!dev)
		return -ENODEV;
	ops = dev_iommu_ops(dev);
	if (ops->domain_alloc_user) {
		domain = ops->domain_alloc_user(dev, 0, NULL, NULL);
		if (!domain)
			domain = ERR_PTR(-ENOMEM);
	} else {
		domain = iommu_paging_domain_alloc(dev);
	}
	if (!IS_ERR(domain)) {
		g->pgsizes = domain->pgsize_bitmap;
		g->aperture_start = domain->geometry.aperture_start;
		g->aperture_end = domain->geometry.aperture_end;
		iommu_domain_free(domain);
	}
	put_device(dev);
	return PTR_ERR_OR_ZERO(domain);
}

/* Reserve what @g's IOMMU cannot map in @isp, tagged with @g */
static int iommufd_legacy_reserve_group(struct iommufd_legacy_group *g,
					struct iova_space *isp)
{
	unsigned long start = g->aperture_start;
	unsigned long last = min_t(dma_addr_t, g->aperture_end, ULONG_MAX);
	struct iommu_resv_region *region, *next;
	LIST_HEAD(regions);
	int rc = 0;

	if (start || last) {
		if (start)
			rc = isp_reserve(isp, 0, start - 1, g);
		if (!rc && last != ULONG_MAX)
			rc = isp_reserve(isp, last + 1, ULONG_MAX, g);
	}
	if (!rc)
		rc = iommu_get_group_resv_regions(g->group, &regions);
	list_for_each_entry_safe(region, next, &regions, list) {
		/* As at attach (device_attach.c): these may be mapped over */
		if (!rc && region->type != IOMMU_RESV_DIRECT_RELAXABLE)
			rc = isp_reserve(isp, region->start,
					 region->start + region->length - 1, g);
		kfree(region);
	}
	if (rc)
		isp_unreserve_tag(isp, g);
	return rc;
}

/*
 * Stop applying the groups' constraints: drop their reservations and let
 * the compat IOAS unpin what no domain needs.  Cannot fail.
 */
static void iommufd_legacy_unapply_groups(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_groups *vg = &iommufd_vfio_ctx(ictx)->vfio_groups;
	struct iommufd_legacy_group *g;

	lockdep_assert_held(&vg->lock);
	if (!vg->ioas)
		return;
	list_for_each_entry(g, &vg->list, item)
		isp_unreserve_tag(&vg->ioas->isp, g);
	isp_set_pin_always(&vg->ioas->isp, false);
	iommufd_obj_put(ictx, &vg->ioas->obj);
	WRITE_ONCE(vg->ioas, NULL);
}

/* Apply @g's constraints; the first group also pins the compat IOAS */
static int iommufd_legacy_apply_group(struct iommufd_ctx *ictx,
				      struct iommufd_legacy_group *g)
{
	struct iommufd_vfio_groups *vg = &iommufd_vfio_ctx(ictx)->vfio_groups;
	struct iommufd_ioas *ioas;
	int rc;

	lockdep_assert_held(&vg->lock);
	if (vg->ioas)
		return iommufd_legacy_reserve_group(g, &vg->ioas->isp);

	ioas = iommufd_vfio_ioas_get(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iommufd_legacy_reserve_group(g, &ioas->isp);
	if (rc)
		goto err_put;
	rc = isp_set_pin_always(&ioas->isp, true);
	if (rc)
		goto err_unreserve;
	/* The reference taken above stays */
	WRITE_ONCE(vg->ioas, ioas);
	return 0;

err_unreserve:
	isp_unreserve_tag(&ioas->isp, g);
err_put:
	iommufd_obj_put(ictx, &ioas->obj);
	return rc;
}

static void iommufd_legacy_update_pgsizes(struct iommufd_vfio_groups *vg)
{
	struct iommufd_legacy_group *g;
	unsigned long sizes = ULONG_MAX;

	list_for_each_entry(g, &vg->list, item)
		sizes &= g->pgsizes;
	WRITE_ONCE(vg->pgsizes, sizes);
}

static bool iommufd_legacy_is_type1(struct iommufd_ctx *ictx)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);
	bool type1;

	mutex_lock(&ictx->lock);
	type1 = vctx->vfio_type == VFIO_TYPE1_IOMMU ||
		vctx->vfio_type == VFIO_TYPE1v2_IOMMU;
	mutex_unlock(&ictx->lock);
	return type1;
}

/**
 * iommufd_vfio_groups_add - a VFIO group with an IOMMU joined the context
 * @ictx: context, with a compat IOAS
 * @group: the group's IOMMU group
 *
 * In a type1 container the group's constraints apply at once, as VFIO's
 * type1 driver attaches a group joining a container that has its type.
 *
 * Return: 0, or a negative errno with nothing changed: -EADDRINUSE if
 * existing mappings lie where the group's IOMMU cannot map, errors of
 * making a domain for it and of pinning.
 */
int iommufd_vfio_groups_add(struct iommufd_ctx *ictx,
			    struct iommu_group *group)
{
	struct iommufd_vfio_groups *vg = &iommufd_vfio_ctx(ictx)->vfio_groups;
	struct iommufd_legacy_group *g;
	int rc;

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	g->group = iommu_group_ref_get(group);
	rc = iommufd_legacy_probe_group(g);
	if (rc)
		goto err_free;

	mutex_lock(&vg->lock);
	if (iommufd_legacy_is_type1(ictx))
		rc = iommufd_legacy_apply_group(ictx, g);
	if (!rc) {
		list_add_tail(&g->item, &vg->list);
		iommufd_legacy_update_pgsizes(vg);
	}
	mutex_unlock(&vg->lock);
	if (rc)
		goto err_free;
	return 0;

err_free:
	iommu_group_put(g->group);
	kfree(g);
	return rc;
}

/**
 * iommufd_vfio_groups_del - a VFIO group left the context
 * @ictx: context
 * @group: the IOMMU group passed to iommufd_vfio_groups_add()
 *
 * Its reservations go; with the last group the compat IOAS unpins what no
 * attached device needs.  Unknown groups are ignored.
 */
void iommufd_vfio_groups_del(struct iommufd_ctx *ictx,
			     struct iommu_group *group)
{
	struct iommufd_vfio_groups *vg = &iommufd_vfio_ctx(ictx)->vfio_groups;
	struct iommufd_legacy_group *g, *found = NULL;

	mutex_lock(&vg->lock);
	list_for_each_entry(g, &vg->list, item) {
		if (g->group == group) {
			found = g;
			break;
		}
	}
	if (found) {
		if (list_is_singular(&vg->list))
			iommufd_legacy_unapply_groups(ictx);
		else if (vg->ioas)
			isp_unreserve_tag(&vg->ioas->isp, found);
		list_del(&found->item);
		iommufd_legacy_update_pgsizes(vg);
	}
	mutex_unlock(&vg->lock);
	if (found) {
		iommu_group_put(found->group);
		kfree(found);
	}
}

static int iommufd_legacy_set_type(struct iommufd_ctx *ictx,
				   unsigned long type)
{
	struct iommufd_vfio_ctx *vctx = iommufd_vfio_ctx(ictx);
	struct iommufd_vfio_groups *vg = &vctx->vfio_groups;
	struct iommufd_legacy_group *g;
	int rc = 0;

	mutex_lock(&vg->lock);
	mutex_lock(&ictx->lock);
	/* As in VFIO: once */
	if (vctx->vfio_type)
		rc = -EINVAL;
	/* Only once a group joined (or a compat IOAS was set) */
	else if ((!vctx->vfio_ioas && !vctx->vfio_noiommu) ||
		 !iommufd_legacy_type_offered(ictx, type))
		rc = -ENODEV;
	mutex_unlock(&ictx->lock);
	if (rc)
		goto out_unlock;

	/* A type1 container: its groups' IOMMUs from now on */
	if (type != VFIO_NOIOMMU_IOMMU) {
		list_for_each_entry(g, &vg->list, item) {
			rc = iommufd_legacy_apply_group(ictx, g);
			if (rc) {
				iommufd_legacy_unapply_groups(ictx);
				goto out_unlock;
			}
		}
	}

	mutex_lock(&ictx->lock);
	vctx->vfio_type = type;
	/*
	 * Apply the type's rules to the compat IOAS.  It stays valid while
	 * ictx->lock is held: its release clears vfio_ioas under the
	 * lock before tearing it down.
	 */
	if (vctx->vfio_ioas)
		iommufd_vfio_ioas_install(ictx, vctx->vfio_ioas);
	mutex_unlock(&ictx->lock);
out_unlock:
	mutex_unlock(&vg->lock);
	return rc;
}

/*
 * The answer of VFIO_IOMMU_GET_INFO: struct vfio_iommu_type1_info, then the
 * capability chain: the DMA-available capability (padded to 8 bytes, as
 * VFIO aligns every capability) and the IOVA ranges capability with its
 * ranges, last because its length varies.
 */
struct iommufd_legacy_avail_cap {
	struct vfio_iommu_type1_info_dma_avail cap;
	u32 pad;
};

#define IOMMUFD_LEGACY_AVAIL_OFF	sizeof(struct vfio_iommu_type1_info)
#define IOMMUFD_LEGACY_RANGES_CAP_OFF \
	(IOMMUFD_LEGACY_AVAIL_OFF + sizeof(struct iommufd_legacy_avail_cap))
#define IOMMUFD_LEGACY_RANGES_OFF \
	(IOMMUFD_LEGACY_RANGES_CAP_OFF + \
	 sizeof(struct vfio_iommu_type1_info_cap_iova_range))

static int iommufd_legacy_info(struct iommufd_ctx *ictx, void __user *ubuf)
{
	size_t need = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct iommufd_legacy_avail_cap avail = {
		.cap.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
		.cap.header.version = 1,
		.cap.header.next = IOMMUFD_LEGACY_RANGES_CAP_OFF,
		/* Mappings are not counted, only their memory is charged */
		.cap.avail = U32_MAX,
	};
	struct vfio_iommu_type1_info_cap_iova_range ranges_cap = {
		.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
		.header.version = 1,
	};
	struct vfio_iommu_type1_info out = {};
	struct iommufd_ioas *ioas;
	size_t outsz, total;
	u32 room = 0, count;
	int rc;

	if (copy_from_user(&out, ubuf, need))
		return -EFAULT;
	if (out.argsz < need)
		return -EINVAL;
	outsz = min_t(size_t, out.argsz, sizeof(out));

	ioas = iommufd_legacy_type1_ioas(ictx, NULL);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (out.argsz > IOMMUFD_LEGACY_RANGES_OFF)
		room = (out.argsz - IOMMUFD_LEGACY_RANGES_OFF) /
		       sizeof(struct vfio_iova_range);
	rc = iommufd_ioas_copy_ranges(ioas, ubuf + IOMMUFD_LEGACY_RANGES_OFF, room,
				      &count);
	out.iova_pgsizes = iommufd_legacy_page_sizes(ioas);
	iommufd_obj_put(ictx, &ioas->obj);
	if (rc)
		return rc;

	out.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	total = IOMMUFD_LEGACY_RANGES_OFF + count * sizeof(struct vfio_iova_range);
	if (out.argsz < total) {
		/* As in VFIO: no chain, but the size that would hold it */
		out.argsz = total;
		out.cap_offset = 0;
	} else {
		ranges_cap.nr_iovas = count;
		out.cap_offset = IOMMUFD_LEGACY_AVAIL_OFF;
		if (copy_to_user(ubuf + IOMMUFD_LEGACY_AVAIL_OFF, &avail,
				 sizeof(avail)) ||
		    copy_to_user(ubuf + IOMMUFD_LEGACY_RANGES_CAP_OFF, &ranges_cap,
				 sizeof(ranges_cap)))
			return -EFAULT;
	}
	return copy_to_user(ubuf, &out, outsz) ? -EFAULT : 0;
}

static int iommufd_legacy_map(struct iommufd_ctx *ictx, void __user *ubuf)
{
	size_t need = offsetofend(struct vfio_iommu_type1_dma_map, size);
	u32 known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
		    VFIO_DMA_MAP_FLAG_VADDR;
	struct vfio_iommu_type1_dma_map req;
	unsigned long pgsize, iova;
	struct iommufd_ioas *ioas;
	int prot = IOMMU_CACHE;
	int rc;

	if (copy_from_user(&req, ubuf, need))
		return -EFAULT;
	if (req.argsz < need || (req.flags & ~known))
		return -EINVAL;
	/* No VFIO_UPDATE_VADDR: a clear "not supported", not a bad request */
	if (req.flags & VFIO_DMA_MAP_FLAG_VADDR)
		return -EOPNOTSUPP;
	if (req.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (req.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;

	ioas = iommufd_legacy_type1_ioas(ictx, NULL);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	pgsize = iommufd_legacy_granule(ioas);
	rc = iommufd_legacy_check_range(req.iova, req.size, pgsize);
	if (!rc)
		rc = iommufd_legacy_check_range(req.vaddr, req.size, pgsize);
	iova = req.iova;
	if (!rc)
		rc = isp_map_user_pages(&ioas->isp, &iova,
					u64_to_user_ptr(req.vaddr), req.size,
					prot, ictx->acct_mode, true, NULL);
	iommufd_obj_put(ictx, &ioas->obj);
	return rc;
}

static int iommufd_legacy_unmap(struct iommufd_ctx *ictx, void __user *ubuf)
{
	size_t need = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	u32 unsupported = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
			  VFIO_DMA_UNMAP_FLAG_VADDR;
	struct vfio_iommu_type1_dma_unmap req;
	unsigned long unmapped = 0;
	struct iommufd_ioas *ioas;
	bool v2;
	int rc;

	if (copy_from_user(&req, ubuf, need))
		return -EFAULT;
	if (req.argsz < need ||
	    (req.flags & ~(unsupported | VFIO_DMA_UNMAP_FLAG_ALL)))
		return -EINVAL;
	/* No dirty tracking, no VFIO_UPDATE_VADDR (see CHECK_EXTENSION) */
	if (req.flags & unsupported)
		return -EOPNOTSUPP;

	ioas = iommufd_legacy_type1_ioas(ictx, &v2);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (req.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		rc = -EINVAL;
		if (!req.iova && !req.size)
			rc = isp_unmap_everything(&ioas->isp, &unmapped);
	} else {
		rc = iommufd_legacy_check_range(req.iova, req.size,
						iommufd_legacy_granule(ioas));
		/* v1 cuts mappings at the edges, v2 refuses to (-ENOENT) */
		if (!rc)
			rc = isp_unmap_inside(&ioas->isp, req.iova,
					      req.size, !v2, &unmapped);
	}
	iommufd_obj_put(ictx, &ioas->obj);
	if (rc)
		return rc;

	req.size = unmapped;
	return copy_to_user(ubuf, &req, need) ? -EFAULT : 0;
}

/* The IOMMU ioctls of a type1 container, on its compat IOAS */
static long iommufd_legacy_type1_ioctl(struct iommufd_ctx *ictx,
				       unsigned int cmd, void __user *ubuf)
{
	int rc;

	rc = iommufd_legacy_check_noiommu(ictx);
	if (rc)
		return rc;

	switch (cmd) {
	case VFIO_IOMMU_GET_INFO:
		return iommufd_legacy_info(ictx, ubuf);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_legacy_map(ictx, ubuf);
	default:
		return iommufd_legacy_unmap(ictx, ubuf);
	}
}

/**
 * iommufd_vfio_ioctl - legacy VFIO container ioctls
 * @ictx: context of the /dev/vfio/vfio (or /dev/iommu) file
 * @cmd: request
 * @arg: argument
 *
 * Return: what the VFIO uAPI defines for @cmd (VFIO_API_VERSION, an
 * extension's availability, 0), or a negative errno; -ENOTTY for requests
 * that are not legacy container ioctls.
 */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg)
{
	void __user *ubuf = (void __user *)arg;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return iommufd_legacy_has_ext(ictx, arg);
	case VFIO_SET_IOMMU:
		return iommufd_legacy_set_type(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
	case VFIO_IOMMU_MAP_DMA:
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_legacy_type1_ioctl(ictx, cmd, ubuf);
	default:
		return -ENOTTY;
	}
}
