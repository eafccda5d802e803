// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOVA bookkeeping of an IOAS.
 *
 * The IOVA space holds three kinds of ranges, each in its own interval
 * tree: segments (mappings), reserved ranges (never mappable; owned by a domain
 * for its aperture, by a device for its reserved regions, or by nobody for
 * test reservations) and allowed ranges (where automatic allocation may
 * place mappings, when userspace restricted it).
 *
 * Segments are mirrored into every domain of the table.  While the table has at
 * least one domain each segment holds its slice of its pages object pinned, and
 * a new domain is filled from the PFNs the pages layer records or reads back
 * from the segment's source, one of the domains (isp_seg_set_source()); the
 * last domain leaving releases the holds, so a table without domains pins
 * nothing - unless its user asked it to pin always (isp_set_pin_always()).
 *
 * This file keeps the table, its reserved and allowed ranges, its options
 * and its accesses; iova_map.c maps and unmaps, iova_domain.c fills and
 * empties domains.  Every walk over all segments or ranges may be long
 * (their number is the user's choice), so each one reschedules as it goes;
 * all of them run under rwsems, where that is allowed.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "iova_space_internal.h"
#include "common.h"

/* A reserved IOVA range; @tag NULL means "until the table is destroyed" */
struct isp_reserved {
	struct interval_tree_node node;
	void *tag;
};

/* A range set by IOMMU_IOAS_ALLOW_IOVAS */
struct isp_allowed {
	struct interval_tree_node node;
};

/**
 * isp_init - initialise an empty iova_space
 * @isp: table to initialise
 */
void isp_init(struct iova_space *isp)
{
	init_rwsem(&isp->dom_rwsem);
	init_rwsem(&isp->tree_rwsem);
	init_rwsem(&isp->acc_rwsem);
	init_waitqueue_head(&isp->acc_wait);
	xa_init_flags(&isp->domains, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	xa_init_flags(&isp->accessors, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	isp->seg_tree = RB_ROOT_CACHED;
	isp->allow_tree = RB_ROOT_CACHED;
	isp->resv_tree = RB_ROOT_CACHED;
	isp->iova_alignment = 1;
}

unsigned long isp_calc_alignment(struct iova_space *isp)
{
	struct isp_access_link *link;
	struct iommu_domain *domain;
	unsigned long align = 1;
	unsigned long index;

	xa_for_each(&isp->domains, index, domain)
		align = max(align, 1UL << __ffs(domain->pgsize_bitmap));
	xa_for_each(&isp->accessors, index, link)
		align = max(align, link->iova_alignment);
	/* CPU page IOPTEs: neither the IOVA nor the memory may be sub-page */
	if (isp->disable_large_pages)
		align = max(align, PAGE_SIZE);
	return align;
}

/*
 * Adopt the alignment the domains, accesses and large page setting need, if
 * the segments (placeholders included) allow
 */
int isp_update_alignment(struct iova_space *isp)
{
	unsigned long align = isp_calc_alignment(isp);
	struct isp_seg *seg;

	lockdep_assert_held_write(&isp->dom_rwsem);
	lockdep_assert_held_write(&isp->tree_rwsem);

	if (align > isp->iova_alignment) {
		for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
		     seg = isp_seg_next(seg, ULONG_MAX)) {
			if (!isp_span_aligned(isp_seg_iova(seg),
					      isp_seg_length(seg),
					      seg->pages_offset, align))
				return -EADDRINUSE;
			cond_resched();
		}
	}
	isp->iova_alignment = align;
	return 0;
}

/* Reserved ranges */

int __isp_reserve(struct iova_space *isp, unsigned long start,
		  unsigned long last, void *tag)
{
	struct isp_reserved *rsv;

	lockdep_assert_held_write(&isp->tree_rwsem);

	if (isp_seg_first(isp, start, last) ||
	    interval_tree_iter_first(&isp->allow_tree, start, last))
		return -EADDRINUSE;

	rsv = kzalloc(sizeof(*rsv), GFP_KERNEL_ACCOUNT);
	if (!rsv)
		return -ENOMEM;
	rsv->node.start = start;
	rsv->node.last = last;
	rsv->tag = tag;
	interval_tree_insert(&rsv->node, &isp->resv_tree);
	return 0;
}

void __isp_unreserve_tag(struct iova_space *isp, void *tag)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&isp->tree_rwsem);

	for (node = interval_tree_iter_first(&isp->resv_tree, 0,
					     ULONG_MAX);
	     node; node = next) {
		struct isp_reserved *rsv =
			container_of(node, struct isp_reserved, node);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		cond_resched();
		if (rsv->tag != tag)
			continue;
		interval_tree_remove(node, &isp->resv_tree);
		kfree(rsv);
	}
}

/**
 * isp_reserve - make a range of IOVA unmappable
 * @isp: table
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @tag: cookie for isp_unreserve_tag(); NULL keeps the range
 *	until the table is destroyed
 *
 * Overlapping other reserved ranges is fine.
 *
 * Return: 0, -EADDRINUSE if the range intersects a mapping (or one being
 * made) or an allowed range, -ENOMEM.
 */
int isp_reserve(struct iova_space *isp, unsigned long start,
		unsigned long last, void *tag)
{
	int rc;

	down_write(&isp->tree_rwsem);
	rc = __isp_reserve(isp, start, last, tag);
	up_write(&isp->tree_rwsem);
	return rc;
}

/**
 * isp_unreserve_tag - drop every reserved range carrying a tag
 * @isp: table
 * @tag: the cookie passed when reserving
 */
void isp_unreserve_tag(struct iova_space *isp, void *tag)
{
	down_write(&isp->tree_rwsem);
	__isp_unreserve_tag(isp, tag);
	up_write(&isp->tree_rwsem);
}

/**
 * isp_reserve_dev_regions - reserve a device's reserved regions
 * @isp: table the device is being attached to
 * @dev: device; also the tag of the reserved ranges
 * @sw_msi_start: if not NULL, set to the start of a software MSI window
 *
 * Relaxable direct-mapped regions are not reserved.  This is a
 * fault-injection point (test builds).
 *
 * Return: 0 or a negative errno with nothing reserved for @dev.
 */
int isp_reserve_dev_regions(struct iova_space *isp,
			    struct device *dev,
			    phys_addr_t *sw_msi_start)
{
	struct iommu_resv_region *region;
	LIST_HEAD(regions);
	int rc = 0;

	if (iommufd_inject_failure())
		return -EINVAL;

	down_write(&isp->tree_rwsem);
	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list) {
		if (region->type == IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		if (sw_msi_start && region->type == IOMMU_RESV_SW_MSI)
			*sw_msi_start = region->start;
		rc = __isp_reserve(isp, region->start,
				   region->start + region->length - 1, dev);
		if (rc) {
			__isp_unreserve_tag(isp, dev);
			break;
		}
	}
	iommu_put_resv_regions(dev, &regions);
	up_write(&isp->tree_rwsem);
	return rc;
}

/*
 * Tell every access that [iova, iova + length) goes away.  No lock is held
 * across a callback (it takes the tag's locks, which may be held around
 * isp_add_access()); the in-flight count keeps the link (and the access
 * embedding it) alive until the callback returns.
 */
void isp_notify_accesses(struct iova_space *isp, unsigned long iova,
			 unsigned long length)
{
	struct isp_access_link *link;
	unsigned long index;

	down_read(&isp->acc_rwsem);
	xa_for_each(&isp->accessors, index, link) {
		atomic_inc(&link->in_flight);
		up_read(&isp->acc_rwsem);
		link->unmap(link, iova, length);
		down_read(&isp->acc_rwsem);
		/* The link may be freed as soon as this reaches zero */
		if (atomic_dec_and_test(&link->in_flight))
			wake_up(&isp->acc_wait);
	}
	up_read(&isp->acc_rwsem);
}

/* Allowed ranges */

/**
 * isp_allowed_add - add a range to a set being built
 * @set: the set
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 *
 * Return: 0, -EINVAL for a malformed range or one overlapping another of
 * the set, -ENOMEM.
 */
int isp_allowed_add(struct isp_allowed_set *set, u64 start, u64 last)
{
	struct isp_allowed *part;

	if (start > last || last > ULONG_MAX ||
	    interval_tree_iter_first(&set->tree, start, last))
		return -EINVAL;
	part = kzalloc(sizeof(*part), GFP_KERNEL_ACCOUNT);
	if (!part)
		return -ENOMEM;
	part->node.start = start;
	part->node.last = last;
	interval_tree_insert(&part->node, &set->tree);
	return 0;
}

/**
 * isp_allowed_free - free the ranges of a set
 * @set: the set; empty afterwards
 */
void isp_allowed_free(struct isp_allowed_set *set)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(&set->tree, 0, ULONG_MAX))) {
		interval_tree_remove(node, &set->tree);
		kfree(container_of(node, struct isp_allowed, node));
		cond_resched();
	}
}

/**
 * isp_set_allowed - replace the allowed IOVA ranges
 * @isp: table
 * @set: the new ranges; an empty set lifts the restriction.  On success it
 *	receives the old ranges, on failure it keeps the new ones; either way
 *	the caller frees it with isp_allowed_free().
 *
 * Return: 0, -EADDRINUSE if a range intersects reserved IOVA.
 */
int isp_set_allowed(struct iova_space *isp, struct isp_allowed_set *set)
{
	struct interval_tree_node *node;
	int rc = 0;

	down_write(&isp->tree_rwsem);
	for (node = interval_tree_iter_first(&set->tree, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (interval_tree_iter_first(&isp->resv_tree, node->start,
					     node->last)) {
			rc = -EADDRINUSE;
			break;
		}
		cond_resched();
	}
	if (!rc)
		swap(set->tree, isp->allow_tree);
	up_write(&isp->tree_rwsem);
	return rc;
}

/* Reserved ranges walked between two chances to reschedule */
#define ISP_RESV_WALK_BATCH 64

/* Record the usable range [@start, @last] as the @n-th, if there is room */
static inline void isp_put_range(struct isp_range *ranges, u32 max, u32 n,
				 u64 start, u64 last)
{
	if (n < max) {
		ranges[n].start = start;
		ranges[n].last = last;
	}
}

/**
 * isp_get_allowed_ranges - report the IOVA that may be mapped
 * @isp: table
 * @ranges: receives the first @max usable ranges in ascending order
 * @max: room in @ranges
 * @count: receives the number of usable ranges, which may exceed @max
 *
 * The usable IOVA is everything that is not reserved; the reserved ranges
 * include what lies outside the apertures of the domains.  Allowed ranges
 * only steer automatic allocation and are not reported.  @ranges is kernel
 * memory: nothing is copied to the user under the table's lock.
 *
 * The reserved ranges are visited once each in the order of their starts
 * (the order of the interval tree's rbtree), keeping the end of the
 * reserved span so far: ranges may overlap, and one inside an earlier
 * longer range ends nothing.  That is the span iteration over the whole
 * IOVA space without its interval lookups.
 *
 * Return: 0.
 */
int isp_get_allowed_ranges(struct iova_space *isp, struct isp_range *ranges,
			   u32 max, u32 *count)
{
	/* The first IOVA that no range visited so far reserves */
	unsigned long next = 0;
	unsigned int walked = 0;
	struct rb_node *rb;
	u32 n = 0;

	down_read(&isp->tree_rwsem);
	for (rb = rb_first_cached(&isp->resv_tree); rb; rb = rb_next(rb)) {
		struct interval_tree_node *rsv =
			rb_entry(rb, struct interval_tree_node, rb);

		if (rsv->start > next)
			isp_put_range(ranges, max, n++, next, rsv->start - 1);
		if (rsv->last >= next) {
			/* Nothing is usable above a range that ends the space */
			if (rsv->last == ULONG_MAX)
				goto out;
			next = rsv->last + 1;
		}
		if (!(++walked % ISP_RESV_WALK_BATCH))
			cond_resched();
	}
	isp_put_range(ranges, max, n++, next, ULONG_MAX);
out:
	up_read(&isp->tree_rwsem);
	*count = n;
	return 0;
}

/**
 * isp_set_large_pages - allow or forbid IOPTEs larger than a CPU page
 * @isp: table
 * @on: allow large IOPTEs for mappings made from now on
 *
 * While they are off, the table's IOVA alignment is at least PAGE_SIZE, for
 * the IOVA and for the memory of every mapping.  They cannot be turned off
 * while domains are attached and anything is mapped (or being mapped):
 * those mappings may already use large IOPTEs.
 *
 * Return: 0; -EBUSY if domains hold mappings; -EADDRINUSE if a mapping is
 * not PAGE_SIZE aligned.  The setting is unchanged on failure.
 */
int isp_set_large_pages(struct iova_space *isp, bool on)
{
	int rc = 0;

	down_write(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	if (on) {
		isp->disable_large_pages = false;
		isp->iova_alignment = isp_calc_alignment(isp);
	} else if (!isp->disable_large_pages) {
		if (isp->ndomains && !RB_EMPTY_ROOT(&isp->seg_tree.rb_root)) {
			rc = -EBUSY;
		} else {
			isp->disable_large_pages = true;
			rc = isp_update_alignment(isp);
			if (rc)
				isp->disable_large_pages = false;
		}
	}
	up_write(&isp->tree_rwsem);
	up_write(&isp->dom_rwsem);
	return rc;
}

/**
 * isp_page_sizes - IOPTE sizes every domain of the table supports
 * @isp: table
 *
 * Return: the intersection of the domains' page size bitmaps, ULONG_MAX
 * while the table has no domain.
 */
unsigned long isp_page_sizes(struct iova_space *isp)
{
	unsigned long sizes = ULONG_MAX;
	struct iommu_domain *domain;
	unsigned long index;

	down_read(&isp->dom_rwsem);
	xa_for_each(&isp->domains, index, domain)
		sizes &= domain->pgsize_bitmap;
	up_read(&isp->dom_rwsem);
	return sizes;
}

#ifdef CONFIG_IOMMUFD_TEST
/**
 * isp_syz_iova_to_iova - decode a syzkaller-style IOVA
 * @isp: table
 * @syz_iova: in memory, { u32 nth_area; u32 offset; }
 *
 * Test builds only: the mock's IOMMU_TEST_CMD and IOAS_COPY take IOVAs in
 * this encoding (MOCK_FLAGS_ACCESS_SYZ).
 *
 * Return: the start IOVA of the nth mapping (ascending IOVA order) plus the
 * offset, or 0 if there are not that many mappings.
 */
unsigned long isp_syz_iova_to_iova(struct iova_space *isp, u64 syz_iova)
{
	struct {
		u32 nth_area;
		u32 offset;
	} syz;
	unsigned long ret = 0;
	struct isp_seg *seg;
	u32 n = 0;

	static_assert(sizeof(syz) == sizeof(syz_iova));
	memcpy(&syz, &syz_iova, sizeof(syz));

	down_read(&isp->tree_rwsem);
	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		if (!isp_seg_live(seg))
			continue;
		if (n++ == syz.nth_area) {
			ret = isp_seg_iova(seg) + syz.offset;
			break;
		}
		cond_resched();
	}
	up_read(&isp->tree_rwsem);
	return ret;
}
#endif

/* Accesses */

/**
 * isp_add_access - register an in-kernel access
 * @isp: table
 * @link: caller-owned registration with @unmap and @iova_alignment set
 *
 * Return: 0, -EADDRINUSE if existing mappings violate the access's
 * alignment, -ENOMEM.
 */
int isp_add_access(struct iova_space *isp, struct isp_access_link *link)
{
	int rc;

	atomic_set(&link->in_flight, 0);
	down_write(&isp->acc_rwsem);
	down_write(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	rc = xa_alloc(&isp->accessors, &link->index, link, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_unlock;
	rc = isp_update_alignment(isp);
	if (rc)
		xa_erase(&isp->accessors, link->index);
out_unlock:
	up_write(&isp->tree_rwsem);
	up_write(&isp->dom_rwsem);
	up_write(&isp->acc_rwsem);
	return rc;
}

/**
 * isp_del_access - unregister an in-kernel access
 * @isp: table
 * @link: registration from isp_add_access(); it must hold no pins
 *
 * Returns once no unmap callback of @link is running any more.
 */
void isp_del_access(struct iova_space *isp,
		    struct isp_access_link *link)
{
	down_write(&isp->acc_rwsem);
	down_write(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	WARN_ON(xa_erase(&isp->accessors, link->index) != link);
	isp->iova_alignment = isp_calc_alignment(isp);
	up_write(&isp->tree_rwsem);
	up_write(&isp->dom_rwsem);
	up_write(&isp->acc_rwsem);
	wait_event(isp->acc_wait, !atomic_read(&link->in_flight));
}

static void isp_unpin_segs(struct iova_space *isp, unsigned long iova,
			   unsigned long last, bool locked)
{
	struct isp_seg *seg;

	for (seg = isp_seg_first(isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(iova, isp_seg_iova(seg));
		unsigned long end = min(last, seg->node.last);

		upages_access_unpin(seg->pages,
				    isp_seg_offset(seg, start) >> PAGE_SHIFT,
				    isp_seg_offset(seg, end) >> PAGE_SHIFT);
		if (locked)
			atomic_dec(&seg->num_locks);
		atomic_dec(&seg->num_accesses);
	}
}

/*
 * Common start of the access paths: validate [iova, iova + length), take
 * tree_rwsem for read and check the range is fully and contiguously mapped
 * with the permission @flags asks for.  On success the caller owns the read
 * lock and *last is the range's last IOVA.
 */
static int isp_access_begin(struct iova_space *isp, unsigned long iova,
			    unsigned long length, unsigned int flags,
			    unsigned long *last)
{
	int rc;

	rc = iommufd_range_last(iova, length, last);
	if (rc)
		return rc;

	down_read(&isp->tree_rwsem);
	rc = isp_check_contig(isp, iova, *last, true, flags);
	if (rc < 0) {
		up_read(&isp->tree_rwsem);
		return rc;
	}
	return 0;
}

/**
 * isp_access_pin_pages - pin the memory behind a range of IOVA
 * @isp: table
 * @iova: first IOVA; its offset in the CPU page must match the memory's
 * @length: bytes, not zero
 * @out_pages: optional, receives one struct page per CPU page touched
 * @flags: ISP_ACCESS_WRITE to pin for write; ISP_ACCESS_LOCK to lock the
 *	mappings in place: unmapping them fails with -EBUSY (rather than
 *	asking the accesses to let go) until the pins go
 *
 * The pins stay until isp_access_unpin_pages() with the same range, which
 * the access must do from its unmap callback at the latest; locked pins
 * until isp_access_unpin_locked().
 *
 * Return: 0; -ENOENT if the range is not fully mapped; -EINVAL if it is
 * being unmapped or misaligned; -EPERM if the mapping lacks the permission.
 */
int isp_access_pin_pages(struct iova_space *isp, unsigned long iova,
			 unsigned long length, struct page **out_pages,
			 unsigned int flags)
{
	unsigned long cur = iova, last;
	int rc;

	rc = isp_access_begin(isp, iova, length, flags, &last);
	if (rc)
		return rc;
	/*
	 * Pinning may wait for user memory (GUP), so each segment is pinned
	 * unlocked: its access count, raised first, keeps it from being
	 * split or unmapped meanwhile, and its pages object is kept by a
	 * reference.  The next segment is checked again under the lock.
	 */
	for (;;) {
		struct isp_seg *seg = isp_seg_first(isp, cur, cur);
		unsigned long end = min(last, seg->node.last);
		unsigned long offset = isp_seg_offset(seg, cur);
		struct upages *pages = seg->pages;

		if ((offset ^ cur) & ~PAGE_MASK) {
			up_read(&isp->tree_rwsem);
			rc = -EINVAL;
			break;
		}
		atomic_inc(&seg->num_accesses);
		if (flags & ISP_ACCESS_LOCK)
			atomic_inc(&seg->num_locks);
		upages_get(pages);
		up_read(&isp->tree_rwsem);
		rc = upages_access_pin(pages, offset >> PAGE_SHIFT,
				       isp_seg_offset(seg, end) >> PAGE_SHIFT,
				       out_pages);
		upages_put(pages);
		if (rc) {
			if (flags & ISP_ACCESS_LOCK)
				atomic_dec(&seg->num_locks);
			atomic_dec(&seg->num_accesses);
			break;
		}
		if (end == last)
			return 0;
		if (out_pages)
			out_pages += (end >> PAGE_SHIFT) -
				     (cur >> PAGE_SHIFT) + 1;
		cur = end + 1;

		down_read(&isp->tree_rwsem);
		rc = isp_check_contig(isp, cur, cur, true, flags);
		if (rc < 0) {
			up_read(&isp->tree_rwsem);
			break;
		}
	}
	/* The segments before @cur are pinned, and still as they were */
	if (cur != iova) {
		down_read(&isp->tree_rwsem);
		isp_unpin_segs(isp, iova, cur - 1, flags & ISP_ACCESS_LOCK);
		up_read(&isp->tree_rwsem);
	}
	return rc;
}

/**
 * isp_access_unpin_pages - undo isp_access_pin_pages()
 * @isp: table
 * @iova: IOVA passed to the pin
 * @length: length passed to the pin
 */
void isp_access_unpin_pages(struct iova_space *isp, unsigned long iova,
			    unsigned long length)
{
	unsigned long last;

	if (WARN_ON(iommufd_range_last(iova, length, &last)))
		return;
	down_read(&isp->tree_rwsem);
	isp_unpin_segs(isp, iova, last, false);
	up_read(&isp->tree_rwsem);
}

/**
 * isp_access_unpin_locked - undo isp_access_pin_pages() with ISP_ACCESS_LOCK
 * @isp: table
 * @iova: IOVA passed to the pin
 * @length: length passed to the pin
 */
void isp_access_unpin_locked(struct iova_space *isp, unsigned long iova,
			     unsigned long length)
{
	unsigned long last;

	if (WARN_ON(iommufd_range_last(iova, length, &last)))
		return;
	down_read(&isp->tree_rwsem);
	isp_unpin_segs(isp, iova, last, true);
	up_read(&isp->tree_rwsem);
}

/**
 * isp_access_next_pinned - find the next mapping holding access pins
 * @isp: table
 * @from: first IOVA to look at
 * @start: output: first IOVA of the mapping at or after @from
 * @last: output: its last IOVA
 *
 * An access leaving the table asks its owner to drop the pins of each such
 * mapping in turn, with no lock held, as an unmap of the mapping would.
 *
 * Return: true if there is such a mapping.
 */
bool isp_access_next_pinned(struct iova_space *isp, unsigned long from,
			    unsigned long *start, unsigned long *last)
{
	struct isp_seg *seg;
	bool found = false;

	down_read(&isp->tree_rwsem);
	for (seg = isp_seg_first(isp, from, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		if (atomic_read(&seg->num_accesses)) {
			*start = max(from, isp_seg_iova(seg));
			*last = seg->node.last;
			found = true;
			break;
		}
	}
	up_read(&isp->tree_rwsem);
	return found;
}

/**
 * isp_access_rw - copy to or from the memory behind a range of IOVA
 * @isp: table
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @length: bytes, not zero
 * @flags: ISP_ACCESS_WRITE, ISP_ACCESS_KTHREAD, ISP_ACCESS_SLOW_PATH
 *
 * Return: 0; -ENOENT if the range is not fully mapped; -EINVAL if it is
 * being unmapped; -EPERM if the mapping lacks the permission; -EFAULT.
 */
int isp_access_rw(struct iova_space *isp, unsigned long iova, void *data,
		  unsigned long length, unsigned int flags)
{
	unsigned long cur = iova, last;
	int rc;

	rc = isp_access_begin(isp, iova, length, flags, &last);
	if (rc)
		return rc;
	/*
	 * The copy may fault on user memory, so each segment's part is copied
	 * unlocked, its pages object kept by a reference.  A segment unmapped
	 * meanwhile is copied as DMA racing the unmap would be; the next one
	 * is checked again under the lock.
	 */
	for (;;) {
		struct isp_seg *seg = isp_seg_first(isp, cur, cur);
		unsigned long n = min(last, seg->node.last) - cur + 1;
		unsigned long offset = isp_seg_offset(seg, cur);
		struct upages *pages = seg->pages;

		upages_get(pages);
		up_read(&isp->tree_rwsem);
		rc = upages_rw(pages, offset, data + (cur - iova), n, flags);
		upages_put(pages);
		if (rc || cur + (n - 1) == last)
			return rc;
		cur += n;

		down_read(&isp->tree_rwsem);
		rc = isp_check_contig(isp, cur, cur, true, flags);
		if (rc < 0) {
			up_read(&isp->tree_rwsem);
			return rc;
		}
	}
}

/**
 * isp_phys - the CPU physical address behind a mapped IOVA
 * @isp: table; its mappings must be pinned (isp_set_pin_always())
 * @iova: the IOVA
 * @length: bytes of interest from @iova, at least one
 * @phys: output: the physical address of the byte at @iova
 * @contig: output: bytes from @iova that are physically contiguous, at most
 *	@length and never beyond the end of the mapping of @iova
 *
 * Return: 0, or -ENOENT if no published, pinned mapping covers @iova.
 */
int isp_phys(struct iova_space *isp, unsigned long iova,
	     unsigned long length, phys_addr_t *phys, unsigned long *contig)
{
	struct isp_seg *seg;
	int rc = -ENOENT;

	down_read(&isp->tree_rwsem);
	seg = isp_seg_first(isp, iova, iova);
	if (seg && isp_seg_live(seg) && seg->held)
		rc = upages_phys(seg->pages, isp_seg_offset(seg, iova),
				 min(length, seg->node.last - iova + 1),
				 phys, contig);
	up_read(&isp->tree_rwsem);
	return rc;
}

/**
 * isp_destroy - free a table
 * @isp: table without domains and accesses
 *
 * Unmaps everything and drops the allowed ranges and the reserved ranges
 * without a tag.
 */
void isp_destroy(struct iova_space *isp)
{
	struct isp_allowed_set allowed = ISP_ALLOWED_SET_INIT;
	struct isp_seg *seg;

	WARN_ON(!xa_empty(&isp->domains));
	WARN_ON(!xa_empty(&isp->accessors));

	down_write(&isp->tree_rwsem);
	swap(allowed.tree, isp->allow_tree);
	while ((seg = isp_seg_first(isp, 0, ULONG_MAX))) {
		/* Map calls hold a reference on the IOAS */
		WARN_ON(!isp_seg_live(seg));
		isp_seg_destroy(isp, seg);
		cond_resched();
	}
	__isp_unreserve_tag(isp, NULL);
	WARN_ON(!RB_EMPTY_ROOT(&isp->resv_tree.rb_root));
	up_write(&isp->tree_rwsem);
	isp_allowed_free(&allowed);

	xa_destroy(&isp->domains);
	xa_destroy(&isp->accessors);
}

/**
 * isp_collect_pages - add the pages object of every mapping to a move
 * @isp: table
 * @move: the move (IOMMU_IOAS_CHANGE_PROCESS)
 *
 * Mappings still being made count too: one of process memory refuses the
 * move as well.
 *
 * Return: 0, -EINVAL if a mapping is not of a file, or -ENOMEM.
 */
int isp_collect_pages(struct iova_space *isp, struct upages_move *move)
{
	struct isp_seg *seg;
	int rc = 0;

	down_read(&isp->tree_rwsem);
	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg && !rc;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		rc = upages_move_add(move, seg->pages);
		cond_resched();
	}
	up_read(&isp->tree_rwsem);
	return rc;
}
