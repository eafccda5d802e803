// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOVA bookkeeping of an IOAS.
 *
 * The IOVA space holds three kinds of ranges, each in its own interval
 * tree: areas (mappings), reserved ranges (never mappable; owned by a domain
 * for its aperture, by a device for its reserved regions, or by nobody for
 * test reservations) and allowed ranges (where automatic allocation may
 * place mappings, when userspace restricted it).
 *
 * Areas are mirrored into every domain of the table.  While the table has at
 * least one domain each area holds its slice of its pages object pinned, and
 * a new domain is filled from the recorded PFNs; the last domain leaving
 * releases the holds, so a table without domains pins nothing.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/iova_bitmap.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"

/* A reserved IOVA range; @owner NULL means "until the table is destroyed" */
struct iopt_reserved {
	struct interval_tree_node node;
	void *owner;
};

/* A range set by IOMMU_IOAS_ALLOW_IOVAS */
struct iopt_allowed {
	struct interval_tree_node node;
};

/* One slice of a pages object to be mapped contiguously in IOVA */
struct iopt_map_elm {
	struct iopt_pages *pages;
	unsigned long pages_offset;
	unsigned long length;
};

static unsigned long iopt_area_iova(struct iopt_area *area)
{
	return area->node.start;
}

static unsigned long iopt_area_length(struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

static struct iopt_area *iopt_area_from_node(struct interval_tree_node *node)
{
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

static struct iopt_area *iopt_area_iter_first(struct io_pagetable *iopt,
					      unsigned long start,
					      unsigned long last)
{
	return iopt_area_from_node(interval_tree_iter_first(&iopt->area_itree,
							    start, last));
}

/* Areas never overlap, so the ones after @area start beyond its start */
static struct iopt_area *iopt_area_iter_next(struct iopt_area *area,
					     unsigned long last)
{
	return iopt_area_from_node(interval_tree_iter_next(&area->node,
							   area->node.start,
							   last));
}

/**
 * iopt_init_table - initialise an empty io_pagetable
 * @iopt: table to initialise
 */
void iopt_init_table(struct io_pagetable *iopt)
{
	init_rwsem(&iopt->domains_rwsem);
	init_rwsem(&iopt->iova_rwsem);
	init_rwsem(&iopt->access_rwsem);
	init_waitqueue_head(&iopt->access_wait);
	xa_init_flags(&iopt->domains, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	xa_init_flags(&iopt->access_list, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	iopt->area_itree = RB_ROOT_CACHED;
	iopt->allowed_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	iopt->iova_alignment = 1;
}

/*
 * Does a mapping of @length bytes at @iova, backed by memory starting at
 * byte @pages_offset of its pages object, respect @align?  Below PAGE_SIZE
 * the offset inside the CPU page must be aligned as well, because the
 * physical address is the page's plus that offset.
 */
static bool iopt_span_aligned(unsigned long iova, unsigned long length,
			      unsigned long pages_offset, unsigned long align)
{
	return !(iova % align) && !(length % align) &&
	       !(pages_offset % min(align, PAGE_SIZE));
}

static unsigned long iopt_calc_alignment(struct io_pagetable *iopt)
{
	struct iopt_access_link *link;
	struct iommu_domain *domain;
	unsigned long align = 1;
	unsigned long index;

	xa_for_each(&iopt->domains, index, domain)
		align = max(align, 1UL << __ffs(domain->pgsize_bitmap));
	xa_for_each(&iopt->access_list, index, link)
		align = max(align, link->iova_alignment);
	return align;
}

/* Adopt the alignment the domains and accesses need, if the areas allow */
static int iopt_update_alignment(struct io_pagetable *iopt)
{
	unsigned long align = iopt_calc_alignment(iopt);
	struct iopt_area *area;

	lockdep_assert_held_write(&iopt->domains_rwsem);
	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (align > iopt->iova_alignment) {
		for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
		     area = iopt_area_iter_next(area, ULONG_MAX))
			if (!iopt_span_aligned(iopt_area_iova(area),
					       iopt_area_length(area),
					       area->pages_offset, align))
				return -EADDRINUSE;
	}
	iopt->iova_alignment = align;
	return 0;
}

/* Reserved ranges */

static int __iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
			       unsigned long last, void *owner)
{
	struct iopt_reserved *reserved;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (iopt_area_iter_first(iopt, start, last) ||
	    interval_tree_iter_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;

	reserved = kzalloc(sizeof(*reserved), GFP_KERNEL_ACCOUNT);
	if (!reserved)
		return -ENOMEM;
	reserved->node.start = start;
	reserved->node.last = last;
	reserved->owner = owner;
	interval_tree_insert(&reserved->node, &iopt->reserved_itree);
	return 0;
}

static void __iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->reserved_itree, 0,
					     ULONG_MAX);
	     node; node = next) {
		struct iopt_reserved *reserved =
			container_of(node, struct iopt_reserved, node);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		if (reserved->owner != owner)
			continue;
		interval_tree_remove(node, &iopt->reserved_itree);
		kfree(reserved);
	}
}

/**
 * iopt_reserve_iova - make a range of IOVA unmappable
 * @iopt: table
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @owner: cookie for iopt_remove_reserved_iova(); NULL keeps the range
 *	until the table is destroyed
 *
 * Overlapping other reserved ranges is fine.
 *
 * Return: 0, -EADDRINUSE if the range intersects a mapping or an allowed
 * range, -ENOMEM.
 */
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, void *owner)
{
	int rc;

	down_write(&iopt->iova_rwsem);
	rc = __iopt_reserve_iova(iopt, start, last, owner);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_remove_reserved_iova - drop every reserved range of an owner
 * @iopt: table
 * @owner: the cookie passed when reserving
 */
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	down_write(&iopt->iova_rwsem);
	__iopt_remove_reserved_iova(iopt, owner);
	up_write(&iopt->iova_rwsem);
}

/**
 * iopt_table_enforce_dev_resv_regions - reserve a device's reserved regions
 * @iopt: table the device is being attached to
 * @dev: device; also the owner cookie of the reserved ranges
 * @sw_msi_start: if not NULL, set to the start of a software MSI window
 *
 * Relaxable direct-mapped regions are not reserved.  This is a
 * fault-injection point (test builds).
 *
 * Return: 0 or a negative errno with nothing reserved for @dev.
 */
int iopt_table_enforce_dev_resv_regions(struct io_pagetable *iopt,
					struct device *dev,
					phys_addr_t *sw_msi_start)
{
	struct iommu_resv_region *resv;
	LIST_HEAD(resv_regions);
	int rc = 0;

	if (iommufd_should_fail())
		return -EINVAL;

	down_write(&iopt->iova_rwsem);
	iommu_get_resv_regions(dev, &resv_regions);
	list_for_each_entry(resv, &resv_regions, list) {
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		if (sw_msi_start && resv->type == IOMMU_RESV_SW_MSI)
			*sw_msi_start = resv->start;
		rc = __iopt_reserve_iova(iopt, resv->start,
					 resv->start + resv->length - 1, dev);
		if (rc) {
			__iopt_remove_reserved_iova(iopt, dev);
			break;
		}
	}
	iommu_put_resv_regions(dev, &resv_regions);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/* Areas */

static struct iopt_area *iopt_area_alloc(struct iopt_map_elm *elm,
					 unsigned long iova, int iommu_prot)
{
	struct iopt_area *area;

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return NULL;
	area->node.start = iova;
	area->node.last = iova + elm->length - 1;
	area->pages_node.start = elm->pages_offset >> PAGE_SHIFT;
	area->pages_node.last =
		(elm->pages_offset + elm->length - 1) >> PAGE_SHIFT;
	area->pages_offset = elm->pages_offset;
	area->iommu_prot = iommu_prot;
	area->pages = elm->pages;
	iopt_get_pages(elm->pages);
	return area;
}

static int iopt_area_map_domain(struct io_pagetable *iopt,
				struct iopt_area *area,
				struct iommu_domain *domain)
{
	return iopt_pages_map(area->pages, domain, iopt_area_iova(area),
			      area->pages_offset, iopt_area_length(area),
			      area->iommu_prot, !iopt->disable_large_pages);
}

/* Pin a new area and map it into every domain, all or nothing */
static int iopt_area_fill_domains(struct io_pagetable *iopt,
				  struct iopt_area *area)
{
	struct iommu_domain *domain, *failed;
	unsigned long index;
	int rc;

	if (!iopt->ndomains)
		return 0;

	rc = iopt_pages_hold(area->pages, &area->pages_node);
	if (rc)
		return rc;

	xa_for_each(&iopt->domains, index, domain) {
		rc = iopt_area_map_domain(iopt, area, domain);
		if (rc)
			goto err_unmap;
	}
	area->held = true;
	return 0;

err_unmap:
	failed = domain;
	xa_for_each(&iopt->domains, index, domain) {
		if (domain == failed)
			break;
		iopt_domain_unmap(domain, iopt_area_iova(area),
				  iopt_area_length(area));
	}
	iopt_pages_release(area->pages, &area->pages_node);
	return rc;
}

static void iopt_area_unfill_domains(struct io_pagetable *iopt,
				     struct iopt_area *area)
{
	struct iommu_domain *domain;
	unsigned long index;

	if (!area->held)
		return;
	xa_for_each(&iopt->domains, index, domain)
		iopt_domain_unmap(domain, iopt_area_iova(area),
				  iopt_area_length(area));
	iopt_pages_release(area->pages, &area->pages_node);
	area->held = false;
}

/* Unmap, unlink and free an area without access pins */
static void iopt_area_destroy(struct io_pagetable *iopt,
			      struct iopt_area *area)
{
	lockdep_assert_held_write(&iopt->iova_rwsem);

	iopt_area_unfill_domains(iopt, area);
	interval_tree_remove(&area->node, &iopt->area_itree);
	iopt_put_pages(area->pages);
	kfree(area);
}

/* IOVA allocation */

static bool iopt_fit(unsigned long start, unsigned long last,
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
static bool iopt_find_hole(struct io_pagetable *iopt, unsigned long start,
			   unsigned long last, unsigned long length,
			   unsigned long align, unsigned long *iova)
{
	struct interval_tree_span_iter area_span, resv_span;

	interval_tree_for_each_span(&area_span, &iopt->area_itree, start,
				    last) {
		if (!area_span.is_hole)
			continue;
		interval_tree_for_each_span(&resv_span, &iopt->reserved_itree,
					    area_span.start_hole,
					    area_span.last_hole)
			if (resv_span.is_hole &&
			    iopt_fit(resv_span.start_hole, resv_span.last_hole,
				     length, align, iova))
				return true;
	}
	return false;
}

/* Validate a fixed IOVA: aligned, unreserved and not already mapped */
static int iopt_check_iova(struct io_pagetable *iopt, unsigned long iova,
			   unsigned long length)
{
	unsigned long last;

	if (iova % iopt->iova_alignment)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (interval_tree_iter_first(&iopt->reserved_itree, iova, last))
		return -EINVAL;
	if (iopt_area_iter_first(iopt, iova, last))
		return -EEXIST;
	return 0;
}

/*
 * Pick an IOVA for @length bytes, aligned at least to the largest power of
 * two dividing the length.  Where the user address allows it, align further,
 * up to the length rounded up to a power of two, so the domains can use
 * large IOPTEs for physically contiguous memory.
 */
static int iopt_alloc_iova(struct io_pagetable *iopt, unsigned long *iova,
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
	if (align < iopt->iova_alignment)
		return -EINVAL;

	if (RB_EMPTY_ROOT(&iopt->allowed_itree.rb_root)) {
		found = iopt_find_hole(iopt, 0, ULONG_MAX, length, align, iova);
	} else {
		for (allowed = interval_tree_iter_first(&iopt->allowed_itree, 0,
							ULONG_MAX);
		     allowed && !found;
		     allowed = interval_tree_iter_next(allowed, 0, ULONG_MAX))
			found = iopt_find_hole(iopt, allowed->start,
					       allowed->last, length, align,
					       iova);
	}
	if (!found)
		return -ENOSPC;
	/* The search and the validation must agree */
	if (WARN_ON(iopt_check_iova(iopt, *iova, length)))
		return -EINVAL;
	return 0;
}

/* Map @elms back to back starting at *@iova (chosen if !@fixed_iova) */
static int iopt_map_elms(struct io_pagetable *iopt, unsigned long *iova,
			 struct iopt_map_elm *elms, unsigned int nelms,
			 unsigned long length, int iommu_prot, bool fixed_iova,
			 unsigned long uva)
{
	struct iopt_area *area, *next;
	unsigned long cur;
	unsigned int i;
	int rc;

	down_read(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	if (fixed_iova)
		rc = iopt_check_iova(iopt, *iova, length);
	else
		rc = iopt_alloc_iova(iopt, iova, uva, length);
	if (rc)
		goto out_unlock;

	for (i = 0, cur = *iova; i != nelms; cur += elms[i++].length) {
		if (!iopt_span_aligned(cur, elms[i].length,
				       elms[i].pages_offset,
				       iopt->iova_alignment)) {
			rc = -EINVAL;
			goto out_unlock;
		}
	}

	for (i = 0, cur = *iova; i != nelms; cur += elms[i++].length) {
		area = iopt_area_alloc(&elms[i], cur, iommu_prot);
		if (!area) {
			rc = -ENOMEM;
			goto err_remove;
		}
		interval_tree_insert(&area->node, &iopt->area_itree);
		rc = iopt_area_fill_domains(iopt, area);
		if (rc) {
			iopt_area_destroy(iopt, area);
			goto err_remove;
		}
	}
	goto out_unlock;

err_remove:
	if (cur != *iova) {
		for (area = iopt_area_iter_first(iopt, *iova, cur - 1); area;
		     area = next) {
			next = iopt_area_iter_next(area, cur - 1);
			iopt_area_destroy(iopt, area);
		}
	}
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	return rc;
}

/**
 * iopt_map_user_pages - map user memory into the IOVA space
 * @iopt: table
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
int iopt_map_user_pages(struct io_pagetable *iopt, unsigned long *iova,
			void __user *uptr, unsigned long length, int iommu_prot,
			enum iommufd_account_mode mode, bool fixed_iova)
{
	struct iopt_map_elm elm = { .length = length };
	int rc;

	elm.pages = iopt_alloc_pages(uptr, length, iommu_prot & IOMMU_WRITE,
				     mode);
	if (IS_ERR(elm.pages))
		return PTR_ERR(elm.pages);
	elm.pages_offset = iopt_pages_offset(elm.pages, uptr);

	rc = iopt_map_elms(iopt, iova, &elm, 1, length, iommu_prot,
			   fixed_iova, (unsigned long)uptr);
	iopt_put_pages(elm.pages);
	return rc;
}

/*
 * Check that [iova, last] is fully covered by areas that may be accessed
 * with @flags (IOPT_ACCESS_WRITE).  Returns the number of areas.
 */
static int iopt_check_contig(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long last, bool check_access,
			     unsigned int flags)
{
	int needed = (flags & IOPT_ACCESS_WRITE) ? IOMMU_WRITE : IOMMU_READ;
	unsigned long cur = iova;
	struct iopt_area *area;
	int n = 0;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (area = iopt_area_iter_first(iopt, iova, last); area;
	     area = iopt_area_iter_next(area, last)) {
		if (area->node.start > cur)
			return -ENOENT;
		if (check_access && area->prevent_access)
			return -EINVAL;
		if (check_access && !(area->iommu_prot & needed))
			return -EPERM;
		n++;
		if (area->node.last >= last)
			return n;
		cur = area->node.last + 1;
	}
	return -ENOENT;
}

/* Byte offset in the area's pages object of @iova */
static unsigned long iopt_area_offset(struct iopt_area *area,
				      unsigned long iova)
{
	return area->pages_offset + (iova - iopt_area_iova(area));
}

/**
 * iopt_copy_iova - map memory already mapped in another table
 * @dst: destination table
 * @dst_iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @src: source table (may be @dst)
 * @src_iova: source IOVA
 * @length: bytes; [@src_iova, @src_iova + @length) must be fully mapped
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE of the new mapping
 * @fixed_iova: use *@dst_iova instead of allocating
 *
 * The new areas share the source's pages objects, so nothing is pinned or
 * charged twice.
 *
 * Return: 0 or a negative errno with nothing mapped.
 */
int iopt_copy_iova(struct io_pagetable *dst, unsigned long *dst_iova,
		   struct io_pagetable *src, unsigned long src_iova,
		   unsigned long length, int iommu_prot, bool fixed_iova)
{
	struct iopt_map_elm *elms;
	struct iopt_area *area;
	unsigned long last;
	int n, i = 0;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(src_iova, length - 1, &last))
		return -EOVERFLOW;

	down_read(&src->iova_rwsem);
	n = iopt_check_contig(src, src_iova, last, false, 0);
	if (n < 0) {
		up_read(&src->iova_rwsem);
		return n;
	}
	elms = kcalloc(n, sizeof(*elms), GFP_KERNEL_ACCOUNT);
	if (!elms) {
		up_read(&src->iova_rwsem);
		return -ENOMEM;
	}
	for (area = iopt_area_iter_first(src, src_iova, last); area;
	     area = iopt_area_iter_next(area, last)) {
		unsigned long start = max(src_iova, iopt_area_iova(area));
		unsigned long end = min(last, area->node.last);

		elms[i].pages = area->pages;
		iopt_get_pages(area->pages);
		elms[i].pages_offset = iopt_area_offset(area, start);
		elms[i++].length = end - start + 1;
	}
	up_read(&src->iova_rwsem);

	rc = -EPERM;
	for (i = 0; i != n; i++)
		if ((iommu_prot & IOMMU_WRITE) && !elms[i].pages->writable)
			goto out_put;

	rc = iopt_map_elms(dst, dst_iova, elms, n, length, iommu_prot,
			   fixed_iova,
			   (unsigned long)elms[0].pages->uptr +
				   elms[0].pages_offset);
out_put:
	for (i = 0; i != n; i++)
		iopt_put_pages(elms[i].pages);
	kfree(elms);
	return rc;
}

/*
 * Tell every access that [iova, iova + length) goes away.  No lock is held
 * across a callback (it takes the owner's locks, which may be held around
 * iopt_add_access()); the in-flight count keeps the link (and the access
 * embedding it) alive until the callback returns.
 */
static void iopt_notify_accesses(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long length)
{
	struct iopt_access_link *link;
	unsigned long index;

	down_read(&iopt->access_rwsem);
	xa_for_each(&iopt->access_list, index, link) {
		atomic_inc(&link->in_flight);
		up_read(&iopt->access_rwsem);
		link->unmap(link, iova, length);
		down_read(&iopt->access_rwsem);
		/* The link may be freed as soon as this reaches zero */
		if (atomic_dec_and_test(&link->in_flight))
			wake_up(&iopt->access_wait);
	}
	up_read(&iopt->access_rwsem);
}

/* -ENOENT if an area crosses start or last */
static int iopt_check_unmap_cut(struct io_pagetable *iopt,
				unsigned long start, unsigned long last)
{
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, start, last); area;
	     area = iopt_area_iter_next(area, last))
		if (area->node.start < start || area->node.last > last)
			return -ENOENT;
	return 0;
}

static int iopt_unmap_range(struct io_pagetable *iopt, unsigned long start,
			    unsigned long last, unsigned long *unmapped)
{
	unsigned long done = 0;
	struct iopt_area *area;
	unsigned int tries = 0;
	int rc = 0;

again:
	down_read(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	/* Cutting a mapping changes nothing; checked again after each retry */
	rc = iopt_check_unmap_cut(iopt, start, last);
	while (!rc && (area = iopt_area_iter_first(iopt, start, last))) {
		unsigned long iova = iopt_area_iova(area);
		unsigned long length = iopt_area_length(area);

		if (atomic_read(&area->num_accesses)) {
			if (tries++ == IOPT_UNMAP_ACCESS_RETRIES) {
				rc = -EDEADLOCK;
				break;
			}
			area->prevent_access = true;
			up_write(&iopt->iova_rwsem);
			up_read(&iopt->domains_rwsem);
			iopt_notify_accesses(iopt, iova, length);
			goto again;
		}
		iopt_area_destroy(iopt, area);
		done += length;
	}
	if (rc)
		for (area = iopt_area_iter_first(iopt, start, last); area;
		     area = iopt_area_iter_next(area, last))
			area->prevent_access = false;
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);

	if (unmapped)
		*unmapped = done;
	return rc;
}

/**
 * iopt_unmap_iova - unmap every mapping inside a range
 * @iopt: table
 * @iova: first IOVA
 * @length: bytes
 * @unmapped: optional, receives the number of bytes unmapped
 *
 * In-kernel accesses holding pins in the range are asked to drop them.
 *
 * Return: 0; -ENOENT if nothing is mapped there or a mapping crosses the
 * range's edges (then nothing is unmapped); -EDEADLOCK if accesses keep
 * their pins.
 */
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped)
{
	unsigned long last, done = 0;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	rc = iopt_unmap_range(iopt, iova, last, &done);
	if (!rc && !done)
		rc = -ENOENT;
	if (unmapped)
		*unmapped = done;
	return rc;
}

/**
 * iopt_unmap_all - unmap everything
 * @iopt: table
 * @unmapped: optional, receives the number of bytes unmapped
 *
 * Return: 0 (also when nothing was mapped) or -EDEADLOCK.
 */
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped)
{
	return iopt_unmap_range(iopt, 0, ULONG_MAX, unmapped);
}

/**
 * iopt_set_allow_iova - replace the allowed IOVA ranges
 * @iopt: table
 * @ranges: new ranges; none may overlap another or a reserved range
 * @nranges: number of ranges; 0 lifts the restriction
 *
 * Return: 0, -EINVAL for malformed or overlapping ranges, -EADDRINUSE if a
 * range intersects reserved IOVA, -ENOMEM.
 */
int iopt_set_allow_iova(struct io_pagetable *iopt,
			const struct iommu_iova_range *ranges,
			unsigned int nranges)
{
	struct rb_root_cached allowed = RB_ROOT_CACHED;
	struct interval_tree_node *node, *next;
	struct iopt_allowed *elm;
	unsigned int i;
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	for (i = 0; i != nranges; i++) {
		unsigned long start = ranges[i].start;
		unsigned long last = ranges[i].last;

		if (start != ranges[i].start || last != ranges[i].last ||
		    start > last ||
		    interval_tree_iter_first(&allowed, start, last)) {
			rc = -EINVAL;
			break;
		}
		if (interval_tree_iter_first(&iopt->reserved_itree, start,
					     last)) {
			rc = -EADDRINUSE;
			break;
		}
		elm = kzalloc(sizeof(*elm), GFP_KERNEL_ACCOUNT);
		if (!elm) {
			rc = -ENOMEM;
			break;
		}
		elm->node.start = start;
		elm->node.last = last;
		interval_tree_insert(&elm->node, &allowed);
	}
	if (!rc)
		swap(allowed, iopt->allowed_itree);
	up_write(&iopt->iova_rwsem);

	/* Free whichever set is no longer in use */
	for (node = interval_tree_iter_first(&allowed, 0, ULONG_MAX); node;
	     node = next) {
		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		interval_tree_remove(node, &allowed);
		kfree(container_of(node, struct iopt_allowed, node));
	}
	return rc;
}

/**
 * iopt_get_allowed_ranges - report the IOVA that may be mapped
 * @iopt: table
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
int iopt_get_allowed_ranges(struct io_pagetable *iopt,
			    int (*fn)(void *data, unsigned long start,
				      unsigned long last),
			    void *data)
{
	struct interval_tree_span_iter span;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	interval_tree_for_each_span(&span, &iopt->reserved_itree, 0,
				    ULONG_MAX) {
		if (!span.is_hole)
			continue;
		rc = fn(data, span.start_hole, span.last_hole);
		if (rc)
			break;
	}
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_set_large_pages - allow or forbid IOPTEs larger than a CPU page
 * @iopt: table
 * @enable: allow large IOPTEs for mappings made from now on
 */
void iopt_set_large_pages(struct io_pagetable *iopt, bool enable)
{
	down_write(&iopt->domains_rwsem);
	iopt->disable_large_pages = !enable;
	up_write(&iopt->domains_rwsem);
}

/**
 * iopt_syz_iova_to_iova - decode a syzkaller-style IOVA
 * @iopt: table
 * @syz_iova: in memory, { u32 nth_area; u32 offset; }
 *
 * Return: the start IOVA of the nth area (ascending IOVA order) plus the
 * offset, or 0 if there are not that many areas.
 */
unsigned long iopt_syz_iova_to_iova(struct io_pagetable *iopt, u64 syz_iova)
{
	struct {
		u32 nth_area;
		u32 offset;
	} syz;
	unsigned long ret = 0;
	struct iopt_area *area;
	u32 n = 0;

	static_assert(sizeof(syz) == sizeof(syz_iova));
	memcpy(&syz, &syz_iova, sizeof(syz));

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, ULONG_MAX)) {
		if (n++ == syz.nth_area) {
			ret = iopt_area_iova(area) + syz.offset;
			break;
		}
	}
	up_read(&iopt->iova_rwsem);
	return ret;
}

/* Domains */

static int iopt_reserve_aperture(struct io_pagetable *iopt,
				 struct iommu_domain *domain)
{
	const struct iommu_domain_geometry *geo = &domain->geometry;
	int rc;

	if (geo->aperture_start > geo->aperture_end)
		return -EINVAL;
	if (!geo->aperture_start && !geo->aperture_end)
		return 0;
	if (geo->aperture_start) {
		rc = __iopt_reserve_iova(iopt, 0, geo->aperture_start - 1,
					 domain);
		if (rc)
			return rc;
	}
	if (geo->aperture_end < ULONG_MAX) {
		rc = __iopt_reserve_iova(iopt, geo->aperture_end + 1, ULONG_MAX,
					 domain);
		if (rc)
			return rc;
	}
	return 0;
}

/* Map every area into @domain; on failure nothing of it is left there */
static int iopt_fill_domain(struct io_pagetable *iopt,
			    struct iommu_domain *domain)
{
	bool first = !iopt->ndomains;
	struct iopt_area *area, *failed;
	int rc;

	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, ULONG_MAX)) {
		if (first) {
			rc = iopt_pages_hold(area->pages, &area->pages_node);
			if (rc)
				goto err_unfill;
		}
		rc = iopt_area_map_domain(iopt, area, domain);
		if (rc) {
			if (first)
				iopt_pages_release(area->pages,
						   &area->pages_node);
			goto err_unfill;
		}
		area->held = true;
	}
	return 0;

err_unfill:
	failed = area;
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, ULONG_MAX)) {
		if (area == failed)
			break;
		iopt_domain_unmap(domain, iopt_area_iova(area),
				  iopt_area_length(area));
		if (first) {
			iopt_pages_release(area->pages, &area->pages_node);
			area->held = false;
		}
	}
	return rc;
}

/* Remove every area from @domain; release the pins if it is the last one */
static void iopt_unfill_domain(struct io_pagetable *iopt,
			       struct iommu_domain *domain)
{
	bool last = iopt->ndomains == 1;
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, ULONG_MAX)) {
		if (WARN_ON(!area->held))
			continue;
		iopt_domain_unmap(domain, iopt_area_iova(area),
				  iopt_area_length(area));
		if (last) {
			iopt_pages_release(area->pages, &area->pages_node);
			area->held = false;
		}
	}
}

static unsigned long iopt_find_domain(struct io_pagetable *iopt,
				      struct iommu_domain *domain)
{
	struct iommu_domain *cur;
	unsigned long index;

	xa_for_each(&iopt->domains, index, cur)
		if (cur == domain)
			return index;
	return ULONG_MAX;
}

/**
 * iopt_table_add_domain - mirror the table into a domain
 * @iopt: table
 * @domain: paging domain, not yet in any table
 *
 * Reserves the IOVA outside the domain's aperture (owned by @domain),
 * raises the table's IOVA alignment to the domain's smallest page size and
 * maps every area, at the largest page sizes the memory and the domain
 * allow.
 *
 * Return: 0, or a negative errno with the table and @domain unchanged:
 * -EADDRINUSE if existing mappings are outside the aperture or misaligned.
 */
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain)
{
	u32 index;
	int rc;

	if (!domain->pgsize_bitmap)
		return -EINVAL;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	if (WARN_ON(iopt_find_domain(iopt, domain) != ULONG_MAX)) {
		rc = -EEXIST;
		goto out_unlock;
	}

	rc = iopt_reserve_aperture(iopt, domain);
	if (rc)
		goto err_reserved;

	rc = xa_alloc(&iopt->domains, &index, domain, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto err_reserved;
	rc = iopt_update_alignment(iopt);
	if (rc)
		goto err_erase;

	rc = iopt_fill_domain(iopt, domain);
	if (rc)
		goto err_erase;
	iopt->ndomains++;
	goto out_unlock;

err_erase:
	xa_erase(&iopt->domains, index);
	iopt->iova_alignment = iopt_calc_alignment(iopt);
err_reserved:
	__iopt_remove_reserved_iova(iopt, domain);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	return rc;
}

/**
 * iopt_table_remove_domain - stop mirroring the table into a domain
 * @iopt: table
 * @domain: domain added by iopt_table_add_domain()
 *
 * Unmaps every area from @domain (one unmap call per area) and drops its
 * aperture reservations; the last domain leaving unpins the memory.
 */
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain)
{
	unsigned long index;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	index = iopt_find_domain(iopt, domain);
	if (WARN_ON(index == ULONG_MAX))
		goto out_unlock;

	iopt_unfill_domain(iopt, domain);
	xa_erase(&iopt->domains, index);
	iopt->ndomains--;
	__iopt_remove_reserved_iova(iopt, domain);
	iopt->iova_alignment = iopt_calc_alignment(iopt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
}

/* Dirty tracking */

/* Read (and clear unless asked not to) the dirty bits of [iova, iova+len) */
static int iopt_read_dirty_range(struct iommu_domain *domain,
				 struct iova_bitmap *bitmap,
				 unsigned long iova, unsigned long length,
				 unsigned long flags)
{
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap dirty;
	int rc;

	iommu_dirty_bitmap_init(&dirty, bitmap, &gather);
	rc = domain->dirty_ops->read_and_clear_dirty(domain, iova, length,
						     flags, &dirty);
	iommu_iotlb_sync(domain, &gather);
	return rc;
}

/**
 * iopt_set_dirty_tracking - start or stop dirty tracking of a domain
 * @iopt: table the domain mirrors
 * @domain: domain with dirty_ops
 * @enable: start (after clearing stale dirty bits of every area) or stop
 *
 * Return: 0, -EOPNOTSUPP if the domain cannot track dirty IOVA, or the
 * driver's error.
 */
int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable)
{
	struct iopt_area *area;
	int rc = 0;

	if (!domain->dirty_ops)
		return -EOPNOTSUPP;

	down_read(&iopt->iova_rwsem);
	if (enable) {
		for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
		     area = iopt_area_iter_next(area, ULONG_MAX)) {
			rc = iopt_read_dirty_range(domain, NULL,
						   iopt_area_iova(area),
						   iopt_area_length(area), 0);
			if (rc)
				goto out_unlock;
		}
	}
	rc = domain->dirty_ops->set_dirty_tracking(domain, enable);
out_unlock:
	up_read(&iopt->iova_rwsem);
	return rc;
}

struct iopt_dirty_walk {
	struct io_pagetable *iopt;
	struct iommu_domain *domain;
	unsigned long flags;
};

static int iopt_dirty_window(struct iova_bitmap *bitmap, unsigned long iova,
			     size_t length, void *opaque)
{
	struct iopt_dirty_walk *walk = opaque;
	unsigned long last = iova + length - 1;
	struct iopt_area *area;
	int rc;

	for (area = iopt_area_iter_first(walk->iopt, iova, last); area;
	     area = iopt_area_iter_next(area, last)) {
		unsigned long start = max(iova, iopt_area_iova(area));
		unsigned long end = min(last, area->node.last);

		rc = iopt_read_dirty_range(walk->domain, bitmap, start,
					   end - start + 1, walk->flags);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * iopt_read_and_clear_dirty_data - report dirty IOVA to a user bitmap
 * @iopt: table the domain mirrors
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
int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct iommu_domain *domain,
				   unsigned long flags, unsigned long iova,
				   unsigned long length,
				   unsigned long page_size, u64 __user *data)
{
	struct iopt_dirty_walk walk = {
		.iopt = iopt, .domain = domain, .flags = flags,
	};
	struct iova_bitmap *bitmap;
	unsigned long last;
	int rc;

	if (!domain->dirty_ops)
		return -EOPNOTSUPP;
	if (!length || check_add_overflow(iova, length - 1, &last) ||
	    !is_power_of_2(page_size))
		return -EINVAL;

	down_read(&iopt->iova_rwsem);
	if ((iova | length | page_size) & (iopt->iova_alignment - 1) ||
	    iopt_check_contig(iopt, iova, last, false, 0) < 0) {
		rc = -EINVAL;
		goto out_unlock;
	}
	bitmap = iova_bitmap_alloc(iova, length, page_size, data);
	if (IS_ERR(bitmap)) {
		rc = PTR_ERR(bitmap);
		goto out_unlock;
	}
	rc = iova_bitmap_for_each(bitmap, &walk, iopt_dirty_window);
	iova_bitmap_free(bitmap);
out_unlock:
	up_read(&iopt->iova_rwsem);
	return rc;
}

/* Accesses */

/**
 * iopt_add_access - register an in-kernel access
 * @iopt: table
 * @link: caller-owned registration with @unmap and @iova_alignment set
 *
 * Return: 0, -EADDRINUSE if existing mappings violate the access's
 * alignment, -ENOMEM.
 */
int iopt_add_access(struct io_pagetable *iopt, struct iopt_access_link *link)
{
	int rc;

	atomic_set(&link->in_flight, 0);
	down_write(&iopt->access_rwsem);
	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	rc = xa_alloc(&iopt->access_list, &link->index, link, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_unlock;
	rc = iopt_update_alignment(iopt);
	if (rc)
		xa_erase(&iopt->access_list, link->index);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->access_rwsem);
	return rc;
}

/**
 * iopt_remove_access - unregister an in-kernel access
 * @iopt: table
 * @link: registration from iopt_add_access(); it must hold no pins
 *
 * Returns once no unmap callback of @link is running any more.
 */
void iopt_remove_access(struct io_pagetable *iopt,
			struct iopt_access_link *link)
{
	down_write(&iopt->access_rwsem);
	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	WARN_ON(xa_erase(&iopt->access_list, link->index) != link);
	iopt->iova_alignment = iopt_calc_alignment(iopt);
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->access_rwsem);
	wait_event(iopt->access_wait, !atomic_read(&link->in_flight));
}

static void iopt_unpin_areas(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long last, struct iopt_area *stop)
{
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, iova, last); area;
	     area = iopt_area_iter_next(area, last)) {
		unsigned long start = max(iova, iopt_area_iova(area));
		unsigned long end = min(last, area->node.last);

		if (area == stop)
			break;
		iopt_pages_access_unpin(area->pages,
					iopt_area_offset(area, start) >> PAGE_SHIFT,
					iopt_area_offset(area, end) >> PAGE_SHIFT);
		atomic_dec(&area->num_accesses);
	}
}

/*
 * Common start of the access paths: validate [iova, iova + length), take
 * iova_rwsem for read and check the range is fully and contiguously mapped
 * with the permission @flags asks for.  On success the caller owns the read
 * lock and *last is the range's last IOVA.
 */
static int iopt_access_begin(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long length, unsigned int flags,
			     unsigned long *last)
{
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, last))
		return -EOVERFLOW;

	down_read(&iopt->iova_rwsem);
	rc = iopt_check_contig(iopt, iova, *last, true, flags);
	if (rc < 0) {
		up_read(&iopt->iova_rwsem);
		return rc;
	}
	return 0;
}

/**
 * iopt_access_pin_pages - pin the memory behind a range of IOVA
 * @iopt: table
 * @iova: first IOVA; its offset in the CPU page must match the memory's
 * @length: bytes, not zero
 * @out_pages: optional, receives one struct page per CPU page touched
 * @flags: IOPT_ACCESS_WRITE to pin for write
 *
 * The pins stay until iopt_access_unpin_pages() with the same range, which
 * the access must do from its unmap callback at the latest.
 *
 * Return: 0; -ENOENT if the range is not fully mapped; -EINVAL if it is
 * being unmapped or misaligned; -EPERM if the mapping lacks the permission.
 */
int iopt_access_pin_pages(struct io_pagetable *iopt, unsigned long iova,
			  unsigned long length, struct page **out_pages,
			  unsigned int flags)
{
	struct iopt_area *area;
	unsigned long last;
	int rc;

	rc = iopt_access_begin(iopt, iova, length, flags, &last);
	if (rc)
		return rc;
	for (area = iopt_area_iter_first(iopt, iova, last); area;
	     area = iopt_area_iter_next(area, last)) {
		unsigned long start = max(iova, iopt_area_iova(area));
		unsigned long end = min(last, area->node.last);
		unsigned long offset = iopt_area_offset(area, start);

		if ((offset ^ start) & ~PAGE_MASK) {
			rc = -EINVAL;
		} else {
			rc = iopt_pages_access_pin(area->pages,
						   offset >> PAGE_SHIFT,
						   iopt_area_offset(area, end) >>
							   PAGE_SHIFT,
						   out_pages);
		}
		if (rc) {
			iopt_unpin_areas(iopt, iova, last, area);
			break;
		}
		atomic_inc(&area->num_accesses);
		if (out_pages)
			out_pages += (end >> PAGE_SHIFT) -
				     (start >> PAGE_SHIFT) + 1;
	}
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_access_unpin_pages - undo iopt_access_pin_pages()
 * @iopt: table
 * @iova: IOVA passed to the pin
 * @length: length passed to the pin
 */
void iopt_access_unpin_pages(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long length)
{
	unsigned long last;

	if (WARN_ON(!length || check_add_overflow(iova, length - 1, &last)))
		return;
	down_read(&iopt->iova_rwsem);
	iopt_unpin_areas(iopt, iova, last, NULL);
	up_read(&iopt->iova_rwsem);
}

/**
 * iopt_access_rw - copy to or from the memory behind a range of IOVA
 * @iopt: table
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @length: bytes, not zero
 * @flags: IOPT_ACCESS_WRITE, IOPT_ACCESS_KTHREAD, IOPT_ACCESS_SLOW_PATH
 *
 * Return: 0; -ENOENT if the range is not fully mapped; -EINVAL if it is
 * being unmapped; -EPERM if the mapping lacks the permission; -EFAULT.
 */
int iopt_access_rw(struct io_pagetable *iopt, unsigned long iova, void *data,
		   unsigned long length, unsigned int flags)
{
	struct iopt_area *area;
	unsigned long last;
	int rc;

	rc = iopt_access_begin(iopt, iova, length, flags, &last);
	if (rc)
		return rc;
	for (area = iopt_area_iter_first(iopt, iova, last); area;
	     area = iopt_area_iter_next(area, last)) {
		unsigned long start = max(iova, iopt_area_iova(area));
		unsigned long n = min(last, area->node.last) - start + 1;

		rc = iopt_pages_rw(area->pages, iopt_area_offset(area, start),
				   data + (start - iova), n, flags);
		if (rc)
			break;
	}
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_destroy_table - free a table
 * @iopt: table without domains and accesses
 *
 * Unmaps everything and drops the reserved ranges without owner.
 */
void iopt_destroy_table(struct io_pagetable *iopt)
{
	struct iopt_area *area;

	WARN_ON(!xa_empty(&iopt->domains));
	WARN_ON(!xa_empty(&iopt->access_list));

	iopt_set_allow_iova(iopt, NULL, 0);
	down_write(&iopt->iova_rwsem);
	while ((area = iopt_area_iter_first(iopt, 0, ULONG_MAX)))
		iopt_area_destroy(iopt, area);
	__iopt_remove_reserved_iova(iopt, NULL);
	WARN_ON(!RB_EMPTY_ROOT(&iopt->reserved_itree.rb_root));
	up_write(&iopt->iova_rwsem);

	xa_destroy(&iopt->domains);
	xa_destroy(&iopt->access_list);
}
