// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy VFIO container ioctls, on /dev/iommu files and on
 * /dev/vfio/vfio (which our CONFIG_IOMMUFD_VFIO_CONTAINER serves with the
 * same file operations): API version, extensions, SET_IOMMU, GET_INFO,
 * MAP_DMA, UNMAP_DMA (one range, all, with a dirty bitmap) and the
 * dirty-pages command.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

static void op_vfio_simple(struct thr *t)
{
	static const unsigned long exts[] = {
		VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_NOIOMMU_IOMMU,
		VFIO_DMA_CC_IOMMU, VFIO_UNMAP_ALL, VFIO_UPDATE_VADDR,
		VFIO_TYPE1_NESTING_IOMMU, 0, 99,
	};
	struct ctxref c = pick_ctx(t);
	unsigned long arg = rnd_pick(&t->rng, exts);

	switch (rnd_below(&t->rng, 3)) {
	case 0:
		call_begin(t, "VFIO_GET_API_VERSION ctx=%d", c.slot);
		call_end(t, ioctl(c.fd, VFIO_GET_API_VERSION));
		break;
	case 1:
		call_begin(t, "VFIO_CHECK_EXTENSION ctx=%d ext=%lu", c.slot,
			   arg);
		call_end(t, ioctl(c.fd, VFIO_CHECK_EXTENSION, arg));
		break;
	default:
		/* Mostly the type1 types, the ones with work behind them */
		if (chance(&t->rng, 80))
			arg = chance(&t->rng, 50) ? VFIO_TYPE1_IOMMU :
						    VFIO_TYPE1v2_IOMMU;
		call_begin(t, "VFIO_SET_IOMMU ctx=%d type=%lu", c.slot, arg);
		call_end(t, ioctl(c.fd, VFIO_SET_IOMMU, arg));
	}
}

static void op_vfio_info(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct vfio_iommu_type1_info *info = (void *)t->data;
	static const uint32_t sizes[] = { 0, 16, 24, 32, 64, 256, 4096 };
	uint32_t argsz = rnd_pick(&t->rng, sizes);

	/* GET_INFO writes up to argsz bytes: in the data scratch only */
	memset(info, 0xcc, 64);
	info->argsz = argsz;
	call_begin(t, "VFIO_IOMMU_GET_INFO ctx=%d argsz=%u", c.slot, argsz);
	call_end(t, ioctl(c.fd, VFIO_IOMMU_GET_INFO, info));
	call_note(t, " flags=%#x", info->flags);
}

static void op_vfio_map(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct vfio_iommu_type1_dma_map *m = (void *)t->cmd;
	uint64_t va, len, off;
	int buf;

	memset(m, 0, page_sz);
	buf = pick_buf_range(t, page_sz, 0, &va, &len, &off);
	m->argsz = chance(&t->rng, 95) ? sizeof(*m) : rnd_below(&t->rng, 64);
	m->flags = hostile_flags(t, chance(&t->rng, 80) ?
				 VFIO_DMA_MAP_FLAG_READ |
				 VFIO_DMA_MAP_FLAG_WRITE :
				 VFIO_DMA_MAP_FLAG_READ);
	m->vaddr = chance(&t->rng, 97) ? va : hostile_ptr(t);
	m->size = chance(&t->rng, 97) ? len : pick_len(t, 1);
	m->iova = pick_iova(t, len, page_sz);
	call_begin(t, "VFIO_MAP_DMA ctx=%d argsz=%u flags=%#x vaddr=%#llx size=%#llx iova=%#llx",
		   c.slot, m->argsz, m->flags, (unsigned long long)m->vaddr,
		   (unsigned long long)m->size, (unsigned long long)m->iova);
	if (!call_end(t, ioctl(c.fd, VFIO_IOMMU_MAP_DMA, m)) && m->vaddr == va)
		add_map(&c, 0, buf, off, m->iova, m->size, true);
}

static void op_vfio_unmap(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct vfio_iommu_type1_dma_unmap *u = (void *)t->data;
	struct vfio_bitmap *bm = (void *)u->data;
	unsigned int r = rnd_below(&t->rng, 100);
	struct mapping m;

	memset(u, 0, sizeof(*u) + sizeof(*bm));
	u->argsz = sizeof(*u);
	if (pick_map(t, &c, &m) && r < 60) {
		u->iova = m.iova;
		u->size = m.len;
		if (r < 15 && m.len > page_sz)
			u->size = page_sz;	/* a v1 split */
	} else if (r < 75) {
		u->flags = VFIO_DMA_UNMAP_FLAG_ALL;
	} else {
		u->size = pick_len(t, page_sz);
		u->iova = pick_iova(t, u->size, page_sz);
	}
	if (chance(&t->rng, 10)) {
		/* A dirty bitmap for the range, in the data scratch */
		u->flags |= VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
		u->argsz = sizeof(*u) + sizeof(*bm);
		bm->pgsize = chance(&t->rng, 80) ? page_sz : mio_sz;
		bm->size = (u->size / page_sz + 63) / 64 * 8;
		bm->data = (void *)(t->data + page_sz);
		if (bm->size > SCRATCH_DATA - page_sz)
			bm->data = (void *)(uintptr_t)hostile_ptr(t);
	}
	u->flags = hostile_flags(t, u->flags);
	if (chance(&t->rng, 3))
		u->argsz = rnd_below(&t->rng, 64);
	call_begin(t, "VFIO_IOMMU_UNMAP_DMA ctx=%d argsz=%u flags=%#x iova=%#llx size=%#llx",
		   c.slot, u->argsz, u->flags, (unsigned long long)u->iova,
		   (unsigned long long)u->size);
	call_end(t, ioctl(c.fd, VFIO_IOMMU_UNMAP_DMA, u));
}

static void op_vfio_dirty(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct vfio_iommu_type1_dirty_bitmap *d = (void *)t->data;
	static const uint32_t f[] = {
		VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
		VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
		VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 0, 7,
	};

	memset(d, 0, 256);
	d->argsz = sizeof(*d);
	d->flags = rnd_pick(&t->rng, f);
	call_begin(t, "VFIO_IOMMU_DIRTY_PAGES ctx=%d flags=%#x", c.slot,
		   d->flags);
	call_end(t, ioctl(c.fd, VFIO_IOMMU_DIRTY_PAGES, d));
}

/*
 * What a legacy client does first: a compat IOAS (here chosen with
 * IOMMU_VFIO_IOAS, as a VFIO group joining the container would create
 * one), VFIO_SET_IOMMU, sometimes a mock device on that IOAS, then maps.
 */
static void op_vfio_setup(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_vfio_ioas v = {
		.size = sizeof(v), .op = IOMMU_VFIO_IOAS_SET,
	};
	struct iommu_test_cmd md = {
		.size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	unsigned long type = chance(&t->rng, 50) ? VFIO_TYPE1_IOMMU :
						   VFIO_TYPE1v2_IOMMU;
	unsigned int i;

	v.ioas_id = pick_id(t, &c, K_IOAS);
	call_begin(t, "VFIO_IOAS ctx=%d op=set ioas=%u", c.slot, v.ioas_id);
	call_end(t, ioctl(c.fd, IOMMU_VFIO_IOAS, &v));
	call_begin(t, "VFIO_SET_IOMMU ctx=%d type=%lu", c.slot, type);
	call_end(t, ioctl(c.fd, VFIO_SET_IOMMU, type));
	if (chance(&t->rng, 50)) {
		md.id = v.ioas_id;
		call_begin(t, "MOCK_DOMAIN ctx=%d pt=%u", c.slot, md.id);
		if (!call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, &md))) {
			call_note(t, " stdev=%u hwpt=%u idev=%u",
				  md.mock_domain.out_stdev_id,
				  md.mock_domain.out_hwpt_id,
				  md.mock_domain.out_idev_id);
			add_obj(&c, K_STDEV, md.mock_domain.out_stdev_id, 0,
				0, md.mock_domain.out_idev_id, -1);
			add_obj(&c, K_IDEV, md.mock_domain.out_idev_id, 0, 0,
				md.mock_domain.out_stdev_id, -1);
			add_obj(&c, K_HWPT, md.mock_domain.out_hwpt_id,
				OF_AUTO, 0, md.id, -1);
		}
	}
	for (i = rnd_below(&t->rng, 4); i != 0; i--)
		op_vfio_map(t);
}

void register_legacy_ops(void)
{
	op_register("vfio_setup", op_vfio_setup, 2, 0);
	op_register("VFIO_simple", op_vfio_simple, 4, 0);
	op_register("VFIO_IOMMU_GET_INFO", op_vfio_info, 3, 0);
	op_register("VFIO_IOMMU_MAP_DMA", op_vfio_map, 6, 0);
	op_register("VFIO_IOMMU_UNMAP_DMA", op_vfio_unmap, 5, 0);
	op_register("VFIO_IOMMU_DIRTY_PAGES", op_vfio_dirty, 1, 0);
}
