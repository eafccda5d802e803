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
 * a new domain is filled from the recorded PFNs; the last domain leaving
 * releases the holds, so a table without domains pins nothing.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/iova_bitmap.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iova_space.h"

/* A reserved IOVA range; @tag NULL means "until the table is destroyed" */
struct isp_reserved {
	struct interval_tree_node node;
	void *tag;
};

/* A range set by IOMMU_IOAS_ALLOW_IOVAS */
struct isp_allowed {
	struct interval_tree_node node;
};

/* One slice of a pages object to be mapped contiguously in IOVA */
struct isp_map_part {
	struct upages *pages;
	unsigned long pages_offset;
	unsigned long length;
};

static unsigned long isp_seg_iova(struct isp_seg *seg)
{
	return seg->node.start;
}

static unsigned long isp_seg_length(struct isp_seg *seg)
{
	return seg->node.last - seg->node.start + 1;
}

static struct isp_seg *isp_seg_from_node(struct interval_tree_node *node)
{
	return node ? container_of(node, struct isp_seg, node) : NULL;
}

static struct isp_seg *isp_seg_first(struct iova_space *isp,
				     unsigned long start,
				     unsigned long last)
{
	return isp_seg_from_node(interval_tree_iter_first(&isp->seg_tree,
							  start, last));
}

/* Segments never overlap, so the ones after @segment start beyond its start */
static struct isp_seg *isp_seg_next(struct isp_seg *seg,
				    unsigned long last)
{
	return isp_seg_from_node(interval_tree_iter_next(&seg->node,
							 seg->node.start,
							 last));
}

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

/*
 * Does a mapping of @length bytes at @iova, backed by memory starting at
 * byte @pages_offset of its pages object, respect @align?  Below PAGE_SIZE
 * the offset inside the CPU page must be aligned as well, because the
 * physical address is the page's plus that offset.
 */
static bool isp_span_aligned(unsigned long iova, unsigned long length,
			     unsigned long pages_offset, unsigned long align)
{
	return !(iova % align) && !(length % align) &&
	       !(pages_offset % min(align, PAGE_SIZE));
}

static unsigned long isp_calc_alignment(struct iova_space *isp)
{
	struct isp_access_link *link;
	struct iommu_domain *domain;
	unsigned long align = 1;
	unsigned long index;

	xa_for_each(&isp->domains, index, domain)
		align = max(align, 1UL << __ffs(domain->pgsize_bitmap));
	xa_for_each(&isp->accessors, index, link)
		align = max(align, link->iova_alignment);
	return align;
}

/* Adopt the alignment the domains and accesses need, if the segments allow */
static int isp_update_alignment(struct iova_space *isp)
{
	unsigned long align = isp_calc_alignment(isp);
	struct isp_seg *seg;

	lockdep_assert_held_write(&isp->dom_rwsem);
	lockdep_assert_held_write(&isp->tree_rwsem);

	if (align > isp->iova_alignment) {
		for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
		     seg = isp_seg_next(seg, ULONG_MAX))
			if (!isp_span_aligned(isp_seg_iova(seg),
					      isp_seg_length(seg),
					      seg->pages_offset, align))
				return -EADDRINUSE;
	}
	isp->iova_alignment = align;
	return 0;
}

/* Reserved ranges */

static int __isp_reserve(struct iova_space *isp, unsigned long start,
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

static void __isp_unreserve_tag(struct iova_space *isp, void *tag)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&isp->tree_rwsem);

	for (node = interval_tree_iter_first(&isp->resv_tree, 0,
					     ULONG_MAX);
	     node; node = next) {
		struct isp_reserved *rsv =
			container_of(node, struct isp_reserved, node);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
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
 * Return: 0, -EADDRINUSE if the range intersects a mapping or an allowed
 * range, -ENOMEM.
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

/* Segments */

static struct isp_seg *isp_seg_alloc(struct isp_map_part *part,
				     unsigned long iova, int iommu_prot)
{
	struct isp_seg *seg;

	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg)
		return NULL;
	seg->node.start = iova;
	seg->node.last = iova + part->length - 1;
	seg->pin_node.start = part->pages_offset >> PAGE_SHIFT;
	seg->pin_node.last =
		(part->pages_offset + part->length - 1) >> PAGE_SHIFT;
	seg->pages_offset = part->pages_offset;
	seg->iommu_prot = iommu_prot;
	seg->pages = part->pages;
	upages_get(part->pages);
	return seg;
}

static int isp_seg_map_domain(struct iova_space *isp,
			      struct isp_seg *seg,
			      struct iommu_domain *domain)
{
	if (!isp->disable_large_pages)
		seg->large_ioptes = true;
	return upages_map(seg->pages, domain, isp_seg_iova(seg),
			  seg->pages_offset, isp_seg_length(seg),
			  seg->iommu_prot, !isp->disable_large_pages);
}

/* Pin a new segment and map it into every domain, all or nothing */
static int isp_seg_fill_domains(struct iova_space *isp,
				struct isp_seg *seg)
{
	struct iommu_domain *domain, *failed;
	unsigned long index;
	int rc;

	if (!isp->ndomains)
		return 0;

	rc = upages_hold(seg->pages, &seg->pin_node);
	if (rc)
		return rc;

	xa_for_each(&isp->domains, index, domain) {
		rc = isp_seg_map_domain(isp, seg, domain);
		if (rc)
			goto err_unmap;
	}
	seg->held = true;
	return 0;

err_unmap:
	failed = domain;
	xa_for_each(&isp->domains, index, domain) {
		if (domain == failed)
			break;
		upages_unmap_domain(domain, isp_seg_iova(seg),
				    isp_seg_length(seg));
	}
	upages_release(seg->pages, &seg->pin_node);
	return rc;
}

static void isp_seg_unfill_domains(struct iova_space *isp,
				   struct isp_seg *seg)
{
	struct iommu_domain *domain;
	unsigned long index;

	if (!seg->held)
		return;
	xa_for_each(&isp->domains, index, domain)
		upages_unmap_domain(domain, isp_seg_iova(seg),
				    isp_seg_length(seg));
	upages_release(seg->pages, &seg->pin_node);
	seg->held = false;
}

/* Free a segment that is in no tree */
static void isp_seg_free(struct isp_seg *seg)
{
	if (!seg)
		return;
	upages_put(seg->pages);
	kfree(seg);
}

/* Unmap, unlink and free a segment without access pins */
static void isp_seg_destroy(struct iova_space *isp,
			    struct isp_seg *seg)
{
	lockdep_assert_held_write(&isp->tree_rwsem);

	isp_seg_unfill_domains(isp, seg);
	interval_tree_remove(&seg->node, &isp->seg_tree);
	isp_seg_free(seg);
}

/* IOVA allocation */

static bool isp_fit(unsigned long start, unsigned long last,
		    unsigned long length, unsigned long align,
		    unsigned long *iova)
{
	unsigned long aligned = ALIGN(start, align);

	if (aligned < start || aligned > last || last - aligned < length - 1)
		return false;
	*iova = aligned;
	return true;
}

/* Find free, unreserved IOVA inside [start, last] */
static bool isp_find_hole(struct iova_space *isp, unsigned long start,
			  unsigned long last, unsigned long length,
			  unsigned long align, unsigned long *iova)
{
	struct interval_tree_span_iter area_span, resv_span;

	interval_tree_for_each_span(&area_span, &isp->seg_tree, start,
				    last) {
		if (!area_span.is_hole)
			continue;
		interval_tree_for_each_span(&resv_span, &isp->resv_tree,
					    area_span.start_hole,
					    area_span.last_hole)
			if (resv_span.is_hole &&
			    isp_fit(resv_span.start_hole, resv_span.last_hole,
				    length, align, iova))
				return true;
	}
	return false;
}

/* Validate a fixed IOVA: aligned, unreserved and not already mapped */
static int isp_validate_iova(struct iova_space *isp, unsigned long iova,
			     unsigned long length)
{
	unsigned long last;

	if (iova % isp->iova_alignment)
		return -EINVAL;
	if (iommufd_range_last(iova, length, &last))
		return -EOVERFLOW;
	if (interval_tree_iter_first(&isp->resv_tree, iova, last))
		return -EINVAL;
	if (isp_seg_first(isp, iova, last))
		return -EEXIST;
	return 0;
}

/*
 * Pick an IOVA for @length bytes, aligned at least to the largest power of
 * two dividing the length.  Where the user address allows it, align further,
 * up to the length rounded up to a power of two, so the domains can use
 * large IOPTEs for physically contiguous memory.
 */
static int isp_pick_iova(struct iova_space *isp, unsigned long *iova,
			 unsigned long uva, unsigned long length)
{
	struct interval_tree_node *allowed;
	unsigned long align;
	bool found = false;

	if (length >= ULONG_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow_of_two(length);
	if (uva)
		align = min(align, 1UL << __ffs(uva));
	align = max(align, 1UL << __ffs(length));
	if (align < isp->iova_alignment)
		return -EINVAL;

	if (RB_EMPTY_ROOT(&isp->allow_tree.rb_root)) {
		found = isp_find_hole(isp, 0, ULONG_MAX, length, align, iova);
	} else {
		for (allowed = interval_tree_iter_first(&isp->allow_tree, 0,
							ULONG_MAX);
		     allowed && !found;
		     allowed = interval_tree_iter_next(allowed, 0, ULONG_MAX))
			found = isp_find_hole(isp, allowed->start,
					      allowed->last, length, align,
					      iova);
	}
	if (!found)
		return -ENOSPC;
	/* The search and the validation must agree */
	if (WARN_ON(isp_validate_iova(isp, *iova, length)))
		return -EINVAL;
	return 0;
}

/* Map @elms back to back starting at *@iova (chosen if !@fixed_iova) */
static int isp_map_parts(struct iova_space *isp, unsigned long *iova,
			 struct isp_map_part *parts, unsigned int nelms,
			 unsigned long length, int iommu_prot, bool fixed_iova,
			 unsigned long uva)
{
	struct isp_seg *seg, *next;
	unsigned long cur;
	unsigned int i;
	int rc;

	down_read(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	if (fixed_iova)
		rc = isp_validate_iova(isp, *iova, length);
	else
		rc = isp_pick_iova(isp, iova, uva, length);
	if (rc)
		goto out_unlock;

	for (i = 0, cur = *iova; i != nelms; cur += parts[i++].length) {
		if (!isp_span_aligned(cur, parts[i].length,
				      parts[i].pages_offset,
				      isp->iova_alignment)) {
			rc = -EINVAL;
			goto out_unlock;
		}
	}

	for (i = 0, cur = *iova; i != nelms; cur += parts[i++].length) {
		seg = isp_seg_alloc(&parts[i], cur, iommu_prot);
		if (!seg) {
			rc = -ENOMEM;
			goto err_remove;
		}
		interval_tree_insert(&seg->node, &isp->seg_tree);
		rc = isp_seg_fill_domains(isp, seg);
		if (rc) {
			isp_seg_destroy(isp, seg);
			goto err_remove;
		}
	}
	goto out_unlock;

err_remove:
	if (cur != *iova) {
		for (seg = isp_seg_first(isp, *iova, cur - 1); seg;
		     seg = next) {
			next = isp_seg_next(seg, cur - 1);
			isp_seg_destroy(isp, seg);
		}
	}
out_unlock:
	up_write(&isp->tree_rwsem);
	up_read(&isp->dom_rwsem);
	return rc;
}

/**
 * isp_map_user_pages - map user memory into the IOVA space
 * @isp: table
 * @iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @uptr: user address
 * @length: bytes
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE; IOMMU_WRITE pins for write
 * @mode: accounting mode for the new pages object
 * @fixed_iova: use *@iova instead of allocating
 *
 * Nothing is pinned unless the table has domains.
 *
 * Return: 0 or a negative errno with nothing mapped.
 */
int isp_map_user_pages(struct iova_space *isp, unsigned long *iova,
		       void __user *uptr, unsigned long length, int iommu_prot,
		       enum iommufd_account_mode mode, bool fixed_iova)
{
	struct isp_map_part part = { .length = length };
	int rc;

	part.pages = upages_create(uptr, length, iommu_prot & IOMMU_WRITE,
				   mode);
	if (IS_ERR(part.pages))
		return PTR_ERR(part.pages);
	part.pages_offset = upages_offset(part.pages, uptr);

	rc = isp_map_parts(isp, iova, &part, 1, length, iommu_prot,
			   fixed_iova, (unsigned long)uptr);
	upages_put(part.pages);
	return rc;
}

/*
 * Check that [iova, last] is fully covered by segments that may be accessed
 * with @flags (ISP_ACCESS_WRITE).  Returns the number of segments.
 */
static int isp_check_contig(struct iova_space *isp, unsigned long iova,
			    unsigned long last, bool check_access,
			    unsigned int flags)
{
	int needed = (flags & ISP_ACCESS_WRITE) ? IOMMU_WRITE : IOMMU_READ;
	unsigned long cur = iova;
	struct isp_seg *seg;
	int n = 0;

	lockdep_assert_held(&isp->tree_rwsem);

	for (seg = isp_seg_first(isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		if (seg->node.start > cur)
			return -ENOENT;
		if (check_access && seg->prevent_access)
			return -EINVAL;
		if (check_access && !(seg->iommu_prot & needed))
			return -EPERM;
		n++;
		if (seg->node.last >= last)
			return n;
		cur = seg->node.last + 1;
	}
	return -ENOENT;
}

/* Byte offset in the segment's pages object of @iova */
static unsigned long isp_seg_offset(struct isp_seg *seg,
				    unsigned long iova)
{
	return seg->pages_offset + (iova - isp_seg_iova(seg));
}

/**
 * isp_copy_iova - map memory already mapped in another table
 * @dst: destination table
 * @dst_iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @src: source table (may be @dst)
 * @src_iova: source IOVA
 * @length: bytes; [@src_iova, @src_iova + @length) must be fully mapped
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE of the new mapping
 * @fixed_iova: use *@dst_iova instead of allocating
 *
 * The new segments share the source's pages objects, so nothing is pinned or
 * charged twice.
 *
 * Return: 0 or a negative errno with nothing mapped.
 */
int isp_copy_iova(struct iova_space *dst, unsigned long *dst_iova,
		  struct iova_space *src, unsigned long src_iova,
		  unsigned long length, int iommu_prot, bool fixed_iova)
{
	struct isp_map_part *parts;
	struct isp_seg *seg;
	unsigned long last;
	int n, i = 0;
	int rc;

	rc = iommufd_range_last(src_iova, length, &last);
	if (rc)
		return rc;

	down_read(&src->tree_rwsem);
	n = isp_check_contig(src, src_iova, last, false, 0);
	if (n < 0) {
		up_read(&src->tree_rwsem);
		return n;
	}
	parts = kcalloc(n, sizeof(*parts), GFP_KERNEL_ACCOUNT);
	if (!parts) {
		up_read(&src->tree_rwsem);
		return -ENOMEM;
	}
	for (seg = isp_seg_first(src, src_iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(src_iova, isp_seg_iova(seg));
		unsigned long end = min(last, seg->node.last);

		parts[i].pages = seg->pages;
		upages_get(seg->pages);
		parts[i].pages_offset = isp_seg_offset(seg, start);
		parts[i++].length = end - start + 1;
	}
	up_read(&src->tree_rwsem);

	rc = -EPERM;
	for (i = 0; i != n; i++)
		if ((iommu_prot & IOMMU_WRITE) && !parts[i].pages->writable)
			goto out_put;

	rc = isp_map_parts(dst, dst_iova, parts, n, length, iommu_prot,
			   fixed_iova,
			   (unsigned long)parts[0].pages->uptr +
			   parts[0].pages_offset);
out_put:
	for (i = 0; i != n; i++)
		upages_put(parts[i].pages);
	kfree(parts);
	return rc;
}

/*
 * Tell every access that [iova, iova + length) goes away.  No lock is held
 * across a callback (it takes the tag's locks, which may be held around
 * isp_add_access()); the in-flight count keeps the link (and the access
 * embedding it) alive until the callback returns.
 */
static void isp_notify_accesses(struct iova_space *isp, unsigned long iova,
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

/* -ENOENT if a segment crosses start or last */
static int isp_check_unmap_cut(struct iova_space *isp,
			       unsigned long start, unsigned long last)
{
	struct isp_seg *seg;

	for (seg = isp_seg_first(isp, start, last); seg;
	     seg = isp_seg_next(seg, last))
		if (seg->node.start < start || seg->node.last > last)
			return -ENOENT;
	return 0;
}

/*
 * The segment that @iova would split, if it can be split there, or NULL if
 * there is nothing to split.  Only the bookkeeping is split; the domains
 * keep their IOPTEs, so no IOPTE may span @iova: the segment must have been
 * mapped with IOPTEs of at most a CPU page, and @iova must be on a CPU page
 * boundary of its memory.  A segment with access pins is not split either:
 * which part each pin would belong to is not recorded.
 */
static struct isp_seg *isp_seg_to_split(struct iova_space *isp,
					unsigned long iova)
{
	struct isp_seg *seg = isp_seg_first(isp, iova, iova);

	lockdep_assert_held_write(&isp->tree_rwsem);

	if (!seg || isp_seg_iova(seg) == iova)
		return NULL;
	if (seg->large_ioptes || iova % isp->iova_alignment ||
	    isp_seg_offset(seg, iova) % PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	if (atomic_read(&seg->num_accesses))
		return ERR_PTR(-EBUSY);
	return seg;
}

/* Replace @seg by two segments that meet at @iova */
static int isp_seg_split(struct iova_space *isp, struct isp_seg *seg,
			 unsigned long iova)
{
	struct isp_map_part head = {
		.pages = seg->pages,
		.pages_offset = seg->pages_offset,
		.length = iova - isp_seg_iova(seg),
	};
	struct isp_map_part tail = {
		.pages = seg->pages,
		.pages_offset = isp_seg_offset(seg, iova),
		.length = seg->node.last - iova + 1,
	};
	struct isp_seg *first, *second;
	int rc = -ENOMEM;

	first = isp_seg_alloc(&head, isp_seg_iova(seg), seg->iommu_prot);
	second = isp_seg_alloc(&tail, iova, seg->iommu_prot);
	if (!first || !second)
		goto err_free;
	if (seg->held) {
		/* Within @seg's hold: nothing new is pinned */
		rc = upages_hold(seg->pages, &first->pin_node);
		if (rc)
			goto err_free;
		rc = upages_hold(seg->pages, &second->pin_node);
		if (rc)
			goto err_release;
		upages_release(seg->pages, &seg->pin_node);
	}
	first->held = seg->held;
	second->held = seg->held;
	first->prevent_access = seg->prevent_access;
	second->prevent_access = seg->prevent_access;
	interval_tree_remove(&seg->node, &isp->seg_tree);
	interval_tree_insert(&first->node, &isp->seg_tree);
	interval_tree_insert(&second->node, &isp->seg_tree);
	isp_seg_free(seg);
	return 0;

err_release:
	upages_release(seg->pages, &first->pin_node);
err_free:
	isp_seg_free(second);
	isp_seg_free(first);
	return rc;
}

/*
 * Make @start and @last + 1 segment boundaries.  Both are checked before
 * either is split; -ENOMEM may still leave the first split done, which
 * changes no translation.
 */
static int isp_split_edges(struct iova_space *isp, unsigned long start,
			   unsigned long last)
{
	struct isp_seg *head, *tail = NULL;
	int rc = 0;

	head = isp_seg_to_split(isp, start);
	if (!IS_ERR(head) && last != ULONG_MAX)
		tail = isp_seg_to_split(isp, last + 1);
	if (IS_ERR(head) || IS_ERR(tail))
		return IS_ERR(head) ? PTR_ERR(head) : PTR_ERR(tail);

	if (head)
		rc = isp_seg_split(isp, head, start);
	/* Splitting the head may have replaced the tail's segment */
	if (!rc && tail)
		rc = isp_seg_split(isp, isp_seg_first(isp, last + 1, last + 1),
				   last + 1);
	return rc;
}

static int isp_unmap_span(struct iova_space *isp, unsigned long start,
			  unsigned long last, bool split, unsigned long *bytes)
{
	unsigned long done = 0;
	struct isp_seg *seg;
	unsigned int tries = 0;
	int rc = 0;

again:
	down_read(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	/* Cutting a mapping changes nothing; checked again after each retry */
	if (split)
		rc = isp_split_edges(isp, start, last);
	else
		rc = isp_check_unmap_cut(isp, start, last);
	while (!rc && (seg = isp_seg_first(isp, start, last))) {
		unsigned long iova = isp_seg_iova(seg);
		unsigned long length = isp_seg_length(seg);

		if (atomic_read(&seg->num_accesses)) {
			if (tries++ == ISP_UNMAP_ACCESS_RETRIES) {
				rc = -EDEADLOCK;
				break;
			}
			seg->prevent_access = true;
			up_write(&isp->tree_rwsem);
			up_read(&isp->dom_rwsem);
			isp_notify_accesses(isp, iova, length);
			goto again;
		}
		isp_seg_destroy(isp, seg);
		done += length;
	}
	if (rc)
		for (seg = isp_seg_first(isp, start, last); seg;
		     seg = isp_seg_next(seg, last))
			seg->prevent_access = false;
	up_write(&isp->tree_rwsem);
	up_read(&isp->dom_rwsem);

	if (bytes)
		*bytes = done;
	return rc;
}

/**
 * isp_unmap_range - unmap every mapping inside a range
 * @isp: table
 * @iova: first IOVA
 * @length: bytes
 * @bytes: optional, receives the number of bytes unmapped
 *
 * In-kernel accesses holding pins in the range are asked to drop them.
 *
 * Return: 0; -ENOENT if nothing is mapped there or a mapping crosses the
 * range's edges (then nothing is unmapped); -EDEADLOCK if accesses keep
 * their pins.
 */
int isp_unmap_range(struct iova_space *isp, unsigned long iova,
		    unsigned long length, unsigned long *bytes)
{
	unsigned long last, done = 0;
	int rc;

	rc = iommufd_range_last(iova, length, &last);
	if (rc)
		return rc;

	rc = isp_unmap_span(isp, iova, last, false, &done);
	if (!rc && !done)
		rc = -ENOENT;
	if (bytes)
		*bytes = done;
	return rc;
}

/**
 * isp_unmap_everything - unmap everything
 * @isp: table
 * @bytes: optional, receives the number of bytes unmapped
 *
 * Return: 0 (also when nothing was mapped) or -EDEADLOCK.
 */
int isp_unmap_everything(struct iova_space *isp, unsigned long *bytes)
{
	return isp_unmap_span(isp, 0, ULONG_MAX, false, bytes);
}

/**
 * isp_unmap_inside - unmap whatever is mapped inside a range
 * @isp: table
 * @iova: first IOVA
 * @length: bytes
 * @split: split mappings that cross the range's edges, so that exactly the
 *	range is unmapped; possible where no IOPTE spans an edge, which holds
 *	for mappings made while large IOPTEs were off (isp_set_large_pages())
 *	and edges on CPU page boundaries of the memory.  Without @split such
 *	a mapping fails the call.
 * @bytes: optional, receives the number of bytes unmapped
 *
 * Unlike isp_unmap_range(), finding nothing to unmap is no error.
 *
 * Return: 0; -ENOENT if a mapping crosses an edge and !@split; -EINVAL if
 * it cannot be split there, -EBUSY if in-kernel accesses pin pages of it,
 * -ENOMEM (nothing unmapped in these cases); -EDEADLOCK as for
 * isp_unmap_range().
 */
int isp_unmap_inside(struct iova_space *isp, unsigned long iova,
		     unsigned long length, bool split, unsigned long *bytes)
{
	unsigned long last;
	int rc;

	rc = iommufd_range_last(iova, length, &last);
	if (rc)
		return rc;
	return isp_unmap_span(isp, iova, last, split, bytes);
}

/**
 * isp_set_allowed - replace the allowed IOVA ranges
 * @isp: table
 * @ranges: new ranges; none may overlap another or a reserved range
 * @nranges: number of ranges; 0 lifts the restriction
 *
 * Return: 0, -EINVAL for malformed or overlapping ranges, -EADDRINUSE if a
 * range intersects reserved IOVA, -ENOMEM.
 */
int isp_set_allowed(struct iova_space *isp,
		    const struct iommu_iova_range *ranges,
		    unsigned int nranges)
{
	struct rb_root_cached allowed = RB_ROOT_CACHED;
	struct interval_tree_node *node, *next;
	struct isp_allowed *part;
	unsigned int i;
	int rc = 0;

	down_write(&isp->tree_rwsem);
	for (i = 0; i != nranges; i++) {
		unsigned long start = ranges[i].start;
		unsigned long last = ranges[i].last;

		if (start != ranges[i].start || last != ranges[i].last ||
		    start > last ||
		    interval_tree_iter_first(&allowed, start, last)) {
			rc = -EINVAL;
			break;
		}
		if (interval_tree_iter_first(&isp->resv_tree, start,
					     last)) {
			rc = -EADDRINUSE;
			break;
		}
		part = kzalloc(sizeof(*part), GFP_KERNEL_ACCOUNT);
		if (!part) {
			rc = -ENOMEM;
			break;
		}
		part->node.start = start;
		part->node.last = last;
		interval_tree_insert(&part->node, &allowed);
	}
	if (!rc)
		swap(allowed, isp->allow_tree);
	up_write(&isp->tree_rwsem);

	/* Free whichever set is no longer in use */
	for (node = interval_tree_iter_first(&allowed, 0, ULONG_MAX); node;
	     node = next) {
		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		interval_tree_remove(node, &allowed);
		kfree(container_of(node, struct isp_allowed, node));
	}
	return rc;
}

/**
 * isp_get_allowed_ranges - report the IOVA that may be mapped
 * @isp: table
 * @fn: called for each usable range in ascending order; a non-zero
 *	return stops the walk and is returned
 * @data: passed to @fn
 *
 * The usable IOVA is everything that is not reserved; the reserved ranges
 * include what lies outside the apertures of the domains.  Allowed ranges
 * only steer automatic allocation and are not reported.
 *
 * Return: 0 or the first non-zero value returned by @fn.
 */
int isp_get_allowed_ranges(struct iova_space *isp,
			   int (*fn)(void *data, unsigned long start,
				     unsigned long last),
			   void *data)
{
	struct interval_tree_span_iter span;
	int rc = 0;

	down_read(&isp->tree_rwsem);
	interval_tree_for_each_span(&span, &isp->resv_tree, 0,
				    ULONG_MAX) {
		if (!span.is_hole)
			continue;
		rc = fn(data, span.start_hole, span.last_hole);
		if (rc)
			break;
	}
	up_read(&isp->tree_rwsem);
	return rc;
}

/**
 * isp_set_large_pages - allow or forbid IOPTEs larger than a CPU page
 * @isp: table
 * @on: allow large IOPTEs for mappings made from now on
 */
void isp_set_large_pages(struct iova_space *isp, bool on)
{
	down_write(&isp->dom_rwsem);
	isp->disable_large_pages = !on;
	up_write(&isp->dom_rwsem);
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

/**
 * isp_syz_iova_to_iova - decode a syzkaller-style IOVA
 * @isp: table
 * @syz_iova: in memory, { u32 nth_area; u32 offset; }
 *
 * Return: the start IOVA of the nth segment (ascending IOVA order) plus the
 * offset, or 0 if there are not that many segments.
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
		if (n++ == syz.nth_area) {
			ret = isp_seg_iova(seg) + syz.offset;
			break;
		}
	}
	up_read(&isp->tree_rwsem);
	return ret;
}

/* Domains */

/*
 * Reserve what lies outside the domain's aperture.  An aperture of 0..0 is
 * not "no limit" but an unset one: drivers that finish a domain at its first
 * attach leave it so until then, and such a domain cannot map anything yet.
 */
static int isp_reserve_aperture(struct iova_space *isp,
				struct iommu_domain *domain)
{
	const struct iommu_domain_geometry *geo = &domain->geometry;
	int rc;

	if (geo->aperture_start > geo->aperture_end ||
	    (!geo->aperture_start && !geo->aperture_end))
		return -EINVAL;
	if (geo->aperture_start) {
		rc = __isp_reserve(isp, 0, geo->aperture_start - 1,
				   domain);
		if (rc)
			return rc;
	}
	if (geo->aperture_end < ULONG_MAX) {
		rc = __isp_reserve(isp, geo->aperture_end + 1, ULONG_MAX,
				   domain);
		if (rc)
			return rc;
	}
	return 0;
}

/* Map every segment into @domain; on failure nothing of it is left there */
static int isp_populate_domain(struct iova_space *isp,
			       struct iommu_domain *domain)
{
	bool first = !isp->ndomains;
	struct isp_seg *seg, *failed;
	int rc;

	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		if (first) {
			rc = upages_hold(seg->pages, &seg->pin_node);
			if (rc)
				goto err_unfill;
		}
		rc = isp_seg_map_domain(isp, seg, domain);
		if (rc) {
			if (first)
				upages_release(seg->pages,
					       &seg->pin_node);
			goto err_unfill;
		}
		seg->held = true;
	}
	return 0;

err_unfill:
	failed = seg;
	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		if (seg == failed)
			break;
		upages_unmap_domain(domain, isp_seg_iova(seg),
				    isp_seg_length(seg));
		if (first) {
			upages_release(seg->pages, &seg->pin_node);
			seg->held = false;
		}
	}
	return rc;
}

/* Remove every segment from @domain; release the pins if it is the last one */
static void isp_depopulate_domain(struct iova_space *isp,
				  struct iommu_domain *domain)
{
	bool last = isp->ndomains == 1;
	struct isp_seg *seg;

	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		if (WARN_ON(!seg->held))
			continue;
		upages_unmap_domain(domain, isp_seg_iova(seg),
				    isp_seg_length(seg));
		if (last) {
			upages_release(seg->pages, &seg->pin_node);
			seg->held = false;
		}
	}
}

static unsigned long isp_find_domain(struct iova_space *isp,
				     struct iommu_domain *domain)
{
	struct iommu_domain *cur;
	unsigned long index;

	xa_for_each(&isp->domains, index, cur)
		if (cur == domain)
			return index;
	return ULONG_MAX;
}

/**
 * isp_attach_domain - mirror the table into a domain
 * @isp: table
 * @domain: paging domain, not yet in any table
 *
 * Reserves the IOVA outside the domain's aperture (owned by @domain),
 * raises the table's IOVA alignment to the domain's smallest page size and
 * maps every segment, at the largest page sizes the memory and the domain
 * allow.
 *
 * Return: 0, or a negative errno with the table and @domain unchanged:
 * -EADDRINUSE if existing mappings are outside the aperture or misaligned,
 * -EINVAL if the domain has no page sizes or no aperture set.
 */
int isp_attach_domain(struct iova_space *isp,
		      struct iommu_domain *domain)
{
	u32 index;
	int rc;

	if (!domain->pgsize_bitmap)
		return -EINVAL;

	down_write(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	if (WARN_ON(isp_find_domain(isp, domain) != ULONG_MAX)) {
		rc = -EEXIST;
		goto out_unlock;
	}

	rc = isp_reserve_aperture(isp, domain);
	if (rc)
		goto err_reserved;

	rc = xa_alloc(&isp->domains, &index, domain, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto err_reserved;
	rc = isp_update_alignment(isp);
	if (rc)
		goto err_erase;

	rc = isp_populate_domain(isp, domain);
	if (rc)
		goto err_erase;
	isp->ndomains++;
	goto out_unlock;

err_erase:
	xa_erase(&isp->domains, index);
	isp->iova_alignment = isp_calc_alignment(isp);
err_reserved:
	__isp_unreserve_tag(isp, domain);
out_unlock:
	up_write(&isp->tree_rwsem);
	up_write(&isp->dom_rwsem);
	return rc;
}

/**
 * isp_detach_domain - stop mirroring the table into a domain
 * @isp: table
 * @domain: domain added by isp_attach_domain()
 *
 * Unmaps every segment from @domain (one unmap call per segment) and drops its
 * aperture reservations; the last domain leaving unpins the memory.
 */
void isp_detach_domain(struct iova_space *isp,
		       struct iommu_domain *domain)
{
	unsigned long index;

	down_write(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	index = isp_find_domain(isp, domain);
	if (WARN_ON(index == ULONG_MAX))
		goto out_unlock;

	isp_depopulate_domain(isp, domain);
	xa_erase(&isp->domains, index);
	isp->ndomains--;
	__isp_unreserve_tag(isp, domain);
	isp->iova_alignment = isp_calc_alignment(isp);
out_unlock:
	up_write(&isp->tree_rwsem);
	up_write(&isp->dom_rwsem);
}

/* Dirty tracking */

/* Read (and clear unless asked not to) the dirty bits of [iova, iova+len) */
static int isp_read_dirty_range(struct iommu_domain *domain,
				struct iova_bitmap *bitmap,
				unsigned long iova, unsigned long length,
				unsigned long flags)
{
	struct iommu_iotlb_gather tlb;
	struct iommu_dirty_bitmap dirty;
	int rc;

	iommu_dirty_bitmap_init(&dirty, bitmap, &tlb);
	rc = domain->dirty_ops->read_and_clear_dirty(domain, iova, length,
						     flags, &dirty);
	iommu_iotlb_sync(domain, &tlb);
	return rc;
}

/**
 * isp_track_dirty - start or stop dirty tracking of a domain
 * @isp: table the domain mirrors
 * @domain: domain with dirty_ops
 * @on: start (after clearing stale dirty bits of every segment) or stop
 *
 * Return: 0, -EOPNOTSUPP if the domain cannot track dirty IOVA, or the
 * driver's error.
 */
int isp_track_dirty(struct iova_space *isp,
		    struct iommu_domain *domain, bool on)
{
	struct isp_seg *seg;
	int rc = 0;

	if (!domain->dirty_ops)
		return -EOPNOTSUPP;

	down_read(&isp->tree_rwsem);
	if (on) {
		for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
		     seg = isp_seg_next(seg, ULONG_MAX)) {
			rc = isp_read_dirty_range(domain, NULL,
						  isp_seg_iova(seg),
						  isp_seg_length(seg), 0);
			if (rc)
				goto out_unlock;
		}
	}
	rc = domain->dirty_ops->set_dirty_tracking(domain, on);
out_unlock:
	up_read(&isp->tree_rwsem);
	return rc;
}

struct isp_dirty_walk {
	struct iova_space *isp;
	struct iommu_domain *domain;
	unsigned long flags;
};

static int isp_dirty_window(struct iova_bitmap *bitmap, unsigned long iova,
			    size_t length, void *opaque)
{
	struct isp_dirty_walk *walk = opaque;
	unsigned long last = iova + length - 1;
	struct isp_seg *seg;
	int rc;

	for (seg = isp_seg_first(walk->isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(iova, isp_seg_iova(seg));
		unsigned long end = min(last, seg->node.last);

		rc = isp_read_dirty_range(walk->domain, bitmap, start,
					  end - start + 1, walk->flags);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * isp_collect_dirty - report dirty IOVA to a user bitmap
 * @isp: table the domain mirrors
 * @domain: domain with dirty tracking enabled
 * @flags: IOMMU_DIRTY_NO_CLEAR to leave the dirty bits set
 * @iova: first IOVA; aligned to the table's IOVA alignment
 * @length: bytes; aligned likewise and fully mapped
 * @page_size: IOVA bytes per bit, a power of two not below the alignment
 * @data: user bitmap, bit k for IOVA @iova + k * @page_size
 *
 * Return: 0; -EINVAL for a bad range, page size or a hole in the range;
 * -EOPNOTSUPP if the domain cannot track dirty IOVA; -EFAULT; or the
 * driver's error.
 */
int isp_collect_dirty(struct iova_space *isp,
		      struct iommu_domain *domain,
		      unsigned long flags, unsigned long iova,
		      unsigned long length,
		      unsigned long page_size, u64 __user *data)
{
	struct isp_dirty_walk walk = {
		.isp = isp, .domain = domain, .flags = flags,
	};
	struct iova_bitmap *bitmap;
	unsigned long last;
	int rc;

	if (!domain->dirty_ops)
		return -EOPNOTSUPP;
	if (iommufd_range_last(iova, length, &last) ||
	    !is_power_of_2(page_size))
		return -EINVAL;

	down_read(&isp->tree_rwsem);
	if ((iova | length | page_size) & (isp->iova_alignment - 1) ||
	    isp_check_contig(isp, iova, last, false, 0) < 0) {
		rc = -EINVAL;
		goto out_unlock;
	}
	bitmap = iova_bitmap_alloc(iova, length, page_size, data);
	if (IS_ERR(bitmap)) {
		rc = PTR_ERR(bitmap);
		goto out_unlock;
	}
	rc = iova_bitmap_for_each(bitmap, &walk, isp_dirty_window);
	iova_bitmap_free(bitmap);
out_unlock:
	up_read(&isp->tree_rwsem);
	return rc;
}

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
			   unsigned long last, struct isp_seg *stop)
{
	struct isp_seg *seg;

	for (seg = isp_seg_first(isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(iova, isp_seg_iova(seg));
		unsigned long end = min(last, seg->node.last);

		if (seg == stop)
			break;
		upages_access_unpin(seg->pages,
				    isp_seg_offset(seg, start) >> PAGE_SHIFT,
				    isp_seg_offset(seg, end) >> PAGE_SHIFT);
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
 * @flags: ISP_ACCESS_WRITE to pin for write
 *
 * The pins stay until isp_access_unpin_pages() with the same range, which
 * the access must do from its unmap callback at the latest.
 *
 * Return: 0; -ENOENT if the range is not fully mapped; -EINVAL if it is
 * being unmapped or misaligned; -EPERM if the mapping lacks the permission.
 */
int isp_access_pin_pages(struct iova_space *isp, unsigned long iova,
			 unsigned long length, struct page **out_pages,
			 unsigned int flags)
{
	struct isp_seg *seg;
	unsigned long last;
	int rc;

	rc = isp_access_begin(isp, iova, length, flags, &last);
	if (rc)
		return rc;
	for (seg = isp_seg_first(isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(iova, isp_seg_iova(seg));
		unsigned long end = min(last, seg->node.last);
		unsigned long offset = isp_seg_offset(seg, start);

		if ((offset ^ start) & ~PAGE_MASK) {
			rc = -EINVAL;
		} else {
			rc = upages_access_pin(seg->pages,
					       offset >> PAGE_SHIFT,
					       isp_seg_offset(seg, end) >>
					       PAGE_SHIFT,
					       out_pages);
		}
		if (rc) {
			isp_unpin_segs(isp, iova, last, seg);
			break;
		}
		atomic_inc(&seg->num_accesses);
		if (out_pages)
			out_pages += (end >> PAGE_SHIFT) -
				     (start >> PAGE_SHIFT) + 1;
	}
	up_read(&isp->tree_rwsem);
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
	isp_unpin_segs(isp, iova, last, NULL);
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
	struct isp_seg *seg;
	unsigned long last;
	int rc;

	rc = isp_access_begin(isp, iova, length, flags, &last);
	if (rc)
		return rc;
	for (seg = isp_seg_first(isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(iova, isp_seg_iova(seg));
		unsigned long n = min(last, seg->node.last) - start + 1;

		rc = upages_rw(seg->pages, isp_seg_offset(seg, start),
			       data + (start - iova), n, flags);
		if (rc)
			break;
	}
	up_read(&isp->tree_rwsem);
	return rc;
}

/**
 * isp_destroy - free a table
 * @isp: table without domains and accesses
 *
 * Unmaps everything and drops the reserved ranges without a tag.
 */
void isp_destroy(struct iova_space *isp)
{
	struct isp_seg *seg;

	WARN_ON(!xa_empty(&isp->domains));
	WARN_ON(!xa_empty(&isp->accessors));

	isp_set_allowed(isp, NULL, 0);
	down_write(&isp->tree_rwsem);
	while ((seg = isp_seg_first(isp, 0, ULONG_MAX)))
		isp_seg_destroy(isp, seg);
	__isp_unreserve_tag(isp, NULL);
	WARN_ON(!RB_EMPTY_ROOT(&isp->resv_tree.rb_root));
	up_write(&isp->tree_rwsem);

	xa_destroy(&isp->domains);
	xa_destroy(&isp->accessors);
}
