// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pages objects of dma-bufs: peer-to-peer DMA through IOMMU_IOAS_MAP_FILE.
 *
 * A dma-buf whose exporter can describe it as one physically contiguous
 * range (dma_buf_get_phys_range(), e.g. a PCI BAR that VFIO exports) is
 * mapped into domains straight from that range: nothing is pinned,
 * accounted or recorded, the range has no struct pages for in-kernel
 * accesses, and MMIO is mapped with IOMMU_MMIO instead of IOMMU_CACHE.
 *
 * The pages object holds a dynamic attachment (allow_peer2peer and
 * move_notify) for as long as it lives, so while any mapping of the IOAS
 * layer (or a copy of it) uses it, with or without domains.  The range is
 * read once, when the object is created, under the buffer's reservation
 * lock; it is valid until the exporter calls dma_buf_move_notify(), which
 * it does under the same lock when it revokes the buffer (VFIO: the device
 * is reset or closed).  Every (domain, IOVA, length) the range is mapped at
 * is kept in a list, so that move_notify can unmap all of them before it
 * returns, without asking the layers above.  From then on the object is
 * revoked for good: mapping it into a domain maps nothing, and unmapping
 * it unmaps nothing; the IOVA stays taken until the user unmaps it.  A
 * later un-revoke by the exporter does not bring the old mappings back
 * (the range may have moved, a BAR may be reassigned after a reset): a new
 * IOAS_MAP_FILE makes a new attachment and reads the range again.
 *
 * Locking: the reservation lock comes before all of iommufd's locks
 * (common.h).  move_notify takes only upages_dmabuf.lock under it, as do
 * mapping and unmapping here, which the IOVA layer calls with its own
 * locks held.  It is not upages.mutex: that one is held across GUP, which
 * takes mmap_lock, and the dma-buf core orders mmap_lock before the
 * reservation lock.  The reservation lock is taken only with none of ours
 * held: when a pages object is created, and when it is freed: the last
 * upages_put() may come under the IOVA layer's locks, so detaching is left
 * to a work item.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "common.h"
#include "pages.h"
#include "pages_dmabuf.h"

MODULE_IMPORT_NS(DMA_BUF);

/* One range of IOVA of one domain that maps (part of) the buffer */
struct upages_dmabuf_map {
	struct list_head node;
	struct iommu_domain *domain;
	unsigned long iova;
	unsigned long length;
};

/**
 * struct upages_dmabuf - the dma-buf behind a pages object
 * @dmabuf: the buffer (one reference)
 * @attach: our dynamic attachment to it
 * @range: its physical range, read at creation
 * @lock: protects @revoked and @maps; taken under the reservation lock,
 *	never with upages.mutex (order: common.h)
 * @revoked: the exporter moved or revoked the buffer: nothing may be
 *	mapped any more
 * @maps: struct upages_dmabuf_map of every range mapped now
 * @free_work: detaches and frees the pages object with no lock held
 */
struct upages_dmabuf {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct dma_buf_phys_range range;
	struct mutex lock; /* @revoked, @maps; order: common.h */
	bool revoked;
	struct list_head maps;
	struct work_struct free_work;
};

static struct workqueue_struct *upages_dmabuf_wq;

/*
 * The exporter revokes (or moves) the buffer, under its reservation lock:
 * no domain may reach the range once this returns
 */
static void upages_dmabuf_move_notify(struct dma_buf_attachment *attach)
{
	struct upages *pages = attach->importer_priv;
	struct upages_dmabuf *db = pages->dmabuf;
	struct upages_dmabuf_map *map, *next;

	dma_resv_assert_held(attach->dmabuf->resv);
	mutex_lock(&db->lock);
	db->revoked = true;
	list_for_each_entry_safe(map, next, &db->maps, node) {
		upages_unmap_domain(map->domain, map->iova, map->length);
		list_del(&map->node);
		kfree(map);
	}
	mutex_unlock(&db->lock);
}

static const struct dma_buf_attach_ops upages_dmabuf_attach_ops = {
	.allow_peer2peer = true,
	.move_notify = upages_dmabuf_move_notify,
};

/* Read the range once, under the reservation lock, and check it */
static int upages_dmabuf_get_range(struct upages *pages, unsigned long last)
{
	struct upages_dmabuf *db = pages->dmabuf;
	int rc;

	dma_resv_lock(db->dmabuf->resv, NULL);
	rc = dma_buf_get_phys_range(db->attach, &db->range);
	dma_resv_unlock(db->dmabuf->resv);
	if (rc)
		return rc;
	/* Mappings are made page by page from the start of the range */
	if (!IS_ALIGNED(db->range.phys, PAGE_SIZE))
		return -EOPNOTSUPP;
	if (last >= db->range.len)
		return -EINVAL;
	mutex_lock(&db->lock);
	/* Revoked since, maybe restored already: that range is stale */
	if (db->revoked)
		rc = -ENODEV;
	mutex_unlock(&db->lock);
	return rc;
}

/**
 * upages_create_dmabuf - describe a range of a dma-buf
 * @dmabuf: the buffer; the pages object takes its own reference
 * @dev: the device iommufd attaches to buffers as (/dev/iommu)
 * @start: byte offset in the buffer of the first byte
 * @length: number of bytes, not zero
 * @writable: it will be mapped for write
 *
 * Only buffers whose exporter describes them as one physical range are
 * accepted; those are dynamic (they have pin/unpin), so the attachment
 * never maps a scatterlist for @dev.  Called with none of iommufd's locks
 * held: this takes the reservation lock.
 *
 * Return: a pages object with one reference, or ERR_PTR(-EOPNOTSUPP) for a
 * buffer that is not one physical range, -ENODEV if the exporter has
 * revoked it, -EINVAL for a range beyond its end, -EOVERFLOW for one that
 * wraps, or -ENOMEM.
 */
struct upages *upages_create_dmabuf(struct dma_buf *dmabuf,
				    struct device *dev, u64 start,
				    unsigned long length, bool writable)
{
	struct dma_buf_attachment *attach;
	struct upages_dmabuf *db;
	struct upages *pages;
	unsigned long last;
	int rc;

	if (!dmabuf->ops->get_phys_range || !dma_buf_is_dynamic(dmabuf))
		return ERR_PTR(-EOPNOTSUPP);
	rc = iommufd_range_last(start, length, &last);
	if (rc)
		return ERR_PTR(rc);
	if (last >= dmabuf->size)
		return ERR_PTR(-EINVAL);

	db = kzalloc(sizeof(*db), GFP_KERNEL_ACCOUNT);
	if (!db)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&db->maps);
	mutex_init(&db->lock);
	pages = upages_alloc(start, last, writable, IOMMUFD_ACCOUNT_NONE);
	if (IS_ERR(pages)) {
		mutex_destroy(&db->lock);
		kfree(db);
		return pages;
	}
	pages->uptr = (void __user *)ALIGN_DOWN(start, PAGE_SIZE);

	/* move_notify may come as soon as the attachment exists */
	pages->dmabuf = db;
	attach = dma_buf_dynamic_attach(dmabuf, dev, &upages_dmabuf_attach_ops,
					pages);
	if (IS_ERR(attach)) {
		pages->dmabuf = NULL;
		mutex_destroy(&db->lock);
		kfree(db);
		upages_free_now(pages);
		return ERR_CAST(attach);
	}
	get_dma_buf(dmabuf);
	db->dmabuf = dmabuf;
	db->attach = attach;

	rc = upages_dmabuf_get_range(pages, last);
	if (rc) {
		upages_put(pages);
		return ERR_PTR(rc);
	}
	return pages;
}

static void upages_dmabuf_free_work(struct work_struct *work)
{
	struct upages_dmabuf *db = container_of(work, struct upages_dmabuf,
						free_work);
	struct upages *pages = db->attach->importer_priv;

	dma_buf_detach(db->dmabuf, db->attach);
	dma_buf_put(db->dmabuf);
	WARN_ON(!list_empty(&db->maps));
	mutex_destroy(&db->lock);
	kfree(db);
	upages_free_now(pages);
}

/*
 * The last reference of a pages object of a dma-buf went: detach from the
 * buffer, which takes its reservation lock, from a work item, as the caller
 * may hold the IOVA layer's locks
 */
void upages_dmabuf_free(struct upages *pages)
{
	INIT_WORK(&pages->dmabuf->free_work, upages_dmabuf_free_work);
	queue_work(upages_dmabuf_wq, &pages->dmabuf->free_work);
}

/**
 * upages_revoked - has the exporter revoked the buffer of a pages object?
 * @pages: pages object
 *
 * Return: true for a pages object of a dma-buf that the exporter revoked
 * (for good, see above); false for any other.
 */
bool upages_revoked(struct upages *pages)
{
	bool revoked;

	if (!pages->dmabuf)
		return false;
	mutex_lock(&pages->dmabuf->lock);
	revoked = pages->dmabuf->revoked;
	mutex_unlock(&pages->dmabuf->lock);
	return revoked;
}

/* upages_map() of a pages object of a dma-buf: nothing once revoked */
int upages_dmabuf_map(struct upages *pages, struct iommu_domain *domain,
		      unsigned long iova, unsigned long offset,
		      unsigned long length, int prot, bool large_pages)
{
	struct upages_dmabuf *db = pages->dmabuf;
	struct upages_dmabuf_map *map;
	phys_addr_t phys;
	int rc = 0;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	map->domain = domain;
	map->iova = iova;
	map->length = length;

	if (db->range.mmio)
		prot = (prot & ~IOMMU_CACHE) | IOMMU_MMIO;
	mutex_lock(&db->lock);
	if (db->revoked)
		goto out_free;
	phys = db->range.phys + (unsigned long)pages->uptr + offset;
	rc = upages_map_run(domain, iova, phys, length, prot, large_pages);
	if (rc)
		goto out_free;
	list_add(&map->node, &db->maps);
	map = NULL;
out_free:
	mutex_unlock(&db->lock);
	kfree(map);
	return rc;
}

/* upages_unmap() of a pages object of a dma-buf: only what is mapped */
void upages_dmabuf_unmap(struct upages *pages, struct iommu_domain *domain,
			 unsigned long iova, unsigned long length)
{
	struct upages_dmabuf_map *map;

	mutex_lock(&pages->dmabuf->lock);
	list_for_each_entry(map, &pages->dmabuf->maps, node) {
		if (map->domain != domain || map->iova != iova)
			continue;
		WARN_ON(map->length != length);
		upages_unmap_domain(domain, iova, map->length);
		list_del(&map->node);
		kfree(map);
		break;
	}
	mutex_unlock(&pages->dmabuf->lock);
}

/**
 * upages_dmabuf_init - set up the freeing of pages objects of dma-bufs
 *
 * Return: 0 or -ENOMEM.
 */
int upages_dmabuf_init(void)
{
	upages_dmabuf_wq = alloc_workqueue("iommufd_dmabuf", WQ_UNBOUND, 0);
	return upages_dmabuf_wq ? 0 : -ENOMEM;
}

/**
 * upages_dmabuf_exit - wait for every pages object of a dma-buf to be freed
 */
void upages_dmabuf_exit(void)
{
	destroy_workqueue(upages_dmabuf_wq);
}
