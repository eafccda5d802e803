// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping and copying in an IOVA space (the IOAS_MAP and IOAS_COPY side of
 * the IOVA bookkeeping layer; iova_unmap.c unmaps).
 *
 * A new mapping is made in three steps, so that no isp lock is held while
 * its memory is pinned (see iova_space.h): its segments are inserted as
 * placeholders (generation 0) that take the IOVA, then pinned with no lock
 * held, then written into the domains and published under dom_rwsem.  Only
 * the call that created a placeholder touches it until then; everybody
 * else treats it as IOVA in use but not mapped.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "iova_space_internal.h"
#include "common.h"

/*
 * A mapping being made by isp_map_new(): its segments, first in @segs by
 * their offset from the mapping's start, then placeholders at [@iova, @last];
 * @new_pages if their pages objects are new, none of their pages pinned
 */
struct isp_new_map {
	struct rb_root_cached segs;
	bool new_pages;
	unsigned long length;
	int iommu_prot;
	unsigned long iova;
	unsigned long last;
};

/* Segments */

/* A segment of @length bytes of @pages from byte @pages_offset at @iova */
struct isp_seg *isp_seg_alloc(struct upages *pages, unsigned long pages_offset,
			      unsigned long iova, unsigned long length,
			      int iommu_prot)
{
	struct isp_seg *seg;

	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg)
		return NULL;
	seg->node.start = iova;
	seg->node.last = iova + length - 1;
	upages_holder_init(&seg->hold, pages_offset, length);
	seg->pages_offset = pages_offset;
	seg->iommu_prot = iommu_prot;
	seg->pages = pages;
	upages_get(pages);
	return seg;
}

int isp_seg_map_domain(struct iova_space *isp, struct isp_seg *seg,
		       struct iommu_domain *domain)
{
	if (!isp->disable_large_pages)
		seg->large_ioptes = true;
	return upages_map(seg->pages, domain, isp_seg_iova(seg),
			  seg->pages_offset, isp_seg_length(seg),
			  seg->iommu_prot, !isp->disable_large_pages);
}

/*
 * Unmap a held segment from every domain but its source, which
 * upages_release() unmaps after reading back what it needs from it
 */
static void isp_seg_unmap_domains(struct iova_space *isp,
				  struct isp_seg *seg)
{
	struct iommu_domain *domain;
	unsigned long index;

	xa_for_each(&isp->domains, index, domain)
		if (domain != seg->hold.domain)
			upages_unmap(seg->pages, domain, isp_seg_iova(seg),
				     isp_seg_length(seg));
}

/**
 * isp_seg_set_source - let a held segment's pages be read back from a domain
 * @isp: table
 * @seg: a held segment mapped into every domain of @isp
 * @except: a domain not to use (the one leaving), or NULL
 *
 * The PFNs of memory only segments with a source hold are not recorded by
 * the pages layer but read back from the source's IO page table.  A table
 * that pins always keeps them recorded instead: its last domain may leave
 * with the memory still pinned, and nothing may need memory then.
 */
void isp_seg_set_source(struct iova_space *isp, struct isp_seg *seg,
			struct iommu_domain *except)
{
	struct iommu_domain *domain;
	unsigned long index;

	if (isp->pin_always)
		return;
	xa_for_each(&isp->domains, index, domain) {
		if (domain != except) {
			upages_set_source(seg->pages, &seg->hold, domain,
					  isp_seg_iova(seg));
			return;
		}
	}
}

/* Map a held segment into every domain, all or nothing */
static int isp_seg_map_domains(struct iova_space *isp,
			       struct isp_seg *seg)
{
	struct iommu_domain *domain, *failed;
	unsigned long index;
	int rc;

	lockdep_assert_held(&isp->dom_rwsem);

	xa_for_each(&isp->domains, index, domain) {
		rc = isp_seg_map_domain(isp, seg, domain);
		if (rc)
			goto err_unmap;
	}
	return 0;

err_unmap:
	failed = domain;
	xa_for_each(&isp->domains, index, domain) {
		if (domain == failed)
			break;
		upages_unmap(seg->pages, domain, isp_seg_iova(seg),
			     isp_seg_length(seg));
	}
	return rc;
}

static void isp_seg_unfill_domains(struct iova_space *isp,
				   struct isp_seg *seg)
{
	if (!seg->held)
		return;
	isp_seg_unmap_domains(isp, seg);
	upages_release(seg->pages, &seg->hold);
	seg->held = false;
}

/* Free a segment that is in no tree */
void isp_seg_free(struct isp_seg *seg)
{
	if (!seg)
		return;
	upages_put(seg->pages);
	kfree(seg);
}

/* Unmap, unlink and free a segment without access pins */
void isp_seg_destroy(struct iova_space *isp, struct isp_seg *seg)
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
		cond_resched();
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

/* New mappings */

static void isp_new_init(struct isp_new_map *nm, int iommu_prot)
{
	*nm = (struct isp_new_map){
		.segs = RB_ROOT_CACHED,
		.iommu_prot = iommu_prot,
	};
}

/* Append @length bytes of @pages from byte @pages_offset to @nm */
static int isp_new_add(struct isp_new_map *nm, struct upages *pages,
		       unsigned long pages_offset, unsigned long length)
{
	struct isp_seg *seg;

	seg = isp_seg_alloc(pages, pages_offset, nm->length, length,
			    nm->iommu_prot);
	if (!seg)
		return -ENOMEM;
	interval_tree_insert(&seg->node, &nm->segs);
	nm->length += length;
	return 0;
}

/* Free the segments of a new mapping that was never reserved */
static void isp_new_discard(struct isp_new_map *nm)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(&nm->segs, 0, ULONG_MAX))) {
		interval_tree_remove(node, &nm->segs);
		isp_seg_free(isp_seg_from_node(node));
		cond_resched();
	}
}

/*
 * Take the IOVA for @nm: validate *@iova or pick one, check every segment
 * against the table's alignment and insert them as placeholders.
 */
static int isp_new_reserve(struct iova_space *isp, struct isp_new_map *nm,
			   unsigned long *iova, bool fixed_iova,
			   unsigned long uva)
{
	struct interval_tree_node *node;
	struct isp_seg *seg;
	int rc;

	down_write(&isp->tree_rwsem);
	if (fixed_iova)
		rc = isp_validate_iova(isp, *iova, nm->length);
	else
		rc = isp_pick_iova(isp, iova, uva, nm->length);
	if (rc)
		goto out_unlock;

	for (node = interval_tree_iter_first(&nm->segs, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		seg = isp_seg_from_node(node);
		if (!isp_span_aligned(*iova + node->start, isp_seg_length(seg),
				      seg->pages_offset,
				      isp->iova_alignment)) {
			rc = -EINVAL;
			goto out_unlock;
		}
		cond_resched();
	}

	nm->iova = *iova;
	nm->last = *iova + nm->length - 1;
	while ((node = interval_tree_iter_first(&nm->segs, 0, ULONG_MAX))) {
		interval_tree_remove(node, &nm->segs);
		node->start += nm->iova;
		node->last += nm->iova;
		interval_tree_insert(node, &isp->seg_tree);
		cond_resched();
	}
out_unlock:
	up_write(&isp->tree_rwsem);
	return rc;
}

/*
 * Walk the placeholders of @nm with no lock held in between: nobody else
 * removes or changes them, so @seg stays in the tree.  A short read lock
 * covers each step, as other segments come and go around them.
 */
static struct isp_seg *isp_new_next(struct iova_space *isp,
				    struct isp_new_map *nm,
				    struct isp_seg *seg)
{
	cond_resched();
	down_read(&isp->tree_rwsem);
	if (seg)
		seg = isp_seg_next(seg, nm->last);
	else
		seg = isp_seg_first(isp, nm->iova, nm->last);
	up_read(&isp->tree_rwsem);
	return seg;
}

static void isp_new_release(struct iova_space *isp, struct isp_new_map *nm)
{
	struct isp_seg *seg;

	for (seg = isp_new_next(isp, nm, NULL); seg;
	     seg = isp_new_next(isp, nm, seg)) {
		if (!seg->held)
			continue;
		upages_release(seg->pages, &seg->hold);
		seg->held = false;
	}
}

/* Pin the memory of every placeholder; this is where GUP may stall */
static int isp_new_hold(struct iova_space *isp, struct isp_new_map *nm)
{
	struct isp_seg *seg;
	int rc;

	for (seg = isp_new_next(isp, nm, NULL); seg;
	     seg = isp_new_next(isp, nm, seg)) {
		rc = upages_hold(seg->pages, &seg->hold);
		if (rc) {
			isp_new_release(isp, nm);
			return rc;
		}
		seg->held = true;
	}
	return 0;
}

/* Domains a mapping may be pinned and mapped into in one pass */
#define ISP_HOLD_MAP_DOMAINS 4

/*
 * Pin and map each placeholder in one pass (upages_hold_map()): present
 * memory is mapped batch by batch as it is pinned, nothing waits for a
 * fault, so dom_rwsem may be held across it.  Returns -EAGAIN with nothing
 * held when the placeholders must go the usual way (isp_new_hold() with no
 * lock held, then isp_new_fill()).
 */
static int isp_new_hold_map(struct iova_space *isp, struct isp_new_map *nm)
{
	struct iommu_domain *domains[ISP_HOLD_MAP_DOMAINS];
	struct upages_map_req req = {
		.domains = domains,
		.large_pages = !isp->disable_large_pages,
		.source = !isp->pin_always,
	};
	struct iommu_domain *domain;
	struct isp_seg *seg, *failed;
	unsigned long index;
	int rc;

	lockdep_assert_held(&isp->dom_rwsem);
	if (!isp->ndomains || isp->ndomains > ARRAY_SIZE(domains))
		return -EAGAIN;
	xa_for_each(&isp->domains, index, domain) {
		if (req.ndomains == ARRAY_SIZE(domains))
			return -EAGAIN;
		domains[req.ndomains++] = domain;
	}

	for (seg = isp_new_next(isp, nm, NULL); seg;
	     seg = isp_new_next(isp, nm, seg)) {
		req.iova = isp_seg_iova(seg);
		req.offset = seg->pages_offset;
		req.length = isp_seg_length(seg);
		req.prot = seg->iommu_prot;
		rc = upages_hold_map(seg->pages, &seg->hold, &req);
		if (rc)
			goto err_release;
		seg->held = true;
		seg->large_ioptes = req.large_pages;
	}
	return 0;

err_release:
	failed = seg;
	for (seg = isp_new_next(isp, nm, NULL); seg != failed;
	     seg = isp_new_next(isp, nm, seg)) {
		isp_seg_unmap_domains(isp, seg);
		upages_release(seg->pages, &seg->hold);
		seg->held = false;
	}
	return rc;
}

/* Map every held placeholder into every domain, all or nothing */
static int isp_new_fill(struct iova_space *isp, struct isp_new_map *nm)
{
	struct isp_seg *seg, *failed;
	int rc;

	lockdep_assert_held(&isp->dom_rwsem);
	if (!isp->ndomains)
		return 0;

	for (seg = isp_new_next(isp, nm, NULL); seg;
	     seg = isp_new_next(isp, nm, seg)) {
		rc = isp_seg_map_domains(isp, seg);
		if (rc)
			goto err_unmap;
	}
	return 0;

err_unmap:
	failed = seg;
	for (seg = isp_new_next(isp, nm, NULL); seg;
	     seg = isp_new_next(isp, nm, seg)) {
		if (seg == failed)
			break;
		isp_seg_unmap_domains(isp, seg);
	}
	return rc;
}

/* The placeholders are in every domain: give them their source */
static void isp_new_set_source(struct iova_space *isp, struct isp_new_map *nm)
{
	struct isp_seg *seg;

	for (seg = isp_new_next(isp, nm, NULL); seg;
	     seg = isp_new_next(isp, nm, seg))
		isp_seg_set_source(isp, seg, NULL);
}

/* Turn the placeholders into mappings; returns their generation */
static u64 isp_new_publish(struct iova_space *isp, struct isp_new_map *nm)
{
	struct isp_seg *seg;
	u64 gen;

	down_write(&isp->tree_rwsem);
	gen = ++isp->last_gen;
	for (seg = isp_seg_first(isp, nm->iova, nm->last); seg;
	     seg = isp_seg_next(seg, nm->last)) {
		seg->gen = gen;
		cond_resched();
	}
	up_write(&isp->tree_rwsem);
	return gen;
}

/* Take unpinned placeholders that are in no domain out again */
static void isp_new_unreserve(struct iova_space *isp, struct isp_new_map *nm)
{
	struct isp_seg *seg;

	down_write(&isp->tree_rwsem);
	while ((seg = isp_seg_first(isp, nm->iova, nm->last))) {
		WARN_ON(isp_seg_live(seg) || seg->held);
		interval_tree_remove(&seg->node, &isp->seg_tree);
		isp_seg_free(seg);
		cond_resched();
	}
	up_write(&isp->tree_rwsem);
}

/*
 * Map the segments of @nm back to back from *@iova (chosen unless
 * @fixed_iova; @uva steers its alignment) and publish them with a new
 * generation, returned in *@gen if @gen.  Consumes @nm.
 *
 * The memory is pinned with no isp lock held, so a stalled pin stalls only
 * this call.  The pins must match the domains (a table without domains pins
 * nothing, unless it pins always), and domains and the pin-always setting
 * may change meanwhile: domain attach and isp_set_pin_always() skip
 * placeholders, so once the domain set and the setting are stable
 * (dom_rwsem read) and the pins match them, the placeholders are written
 * into the domains and published before either can change again.
 */
static int isp_map_new(struct iova_space *isp, struct isp_new_map *nm,
		       unsigned long *iova, bool fixed_iova, unsigned long uva,
		       u64 *gen)
{
	bool held = false, mapped = false, tried = false;
	int rc;

	rc = isp_new_reserve(isp, nm, iova, fixed_iova, uva);
	if (rc) {
		isp_new_discard(nm);
		return rc;
	}

	for (;;) {
		down_read(&isp->dom_rwsem);
		if (isp_pins(isp) == held)
			break;
		if (!held && !tried && nm->new_pages) {
			/* Present memory: pin and map it in one pass */
			tried = true;
			rc = isp_new_hold_map(isp, nm);
			if (!rc) {
				held = true;
				mapped = true;
				break;
			}
			if (rc != -EAGAIN) {
				up_read(&isp->dom_rwsem);
				goto err_unreserve;
			}
		}
		up_read(&isp->dom_rwsem);
		if (held) {
			isp_new_release(isp, nm);
		} else {
			rc = isp_new_hold(isp, nm);
			if (rc)
				goto err_unreserve;
		}
		held = !held;
	}
	if (!mapped)
		rc = isp_new_fill(isp, nm);
	if (!rc) {
		u64 new_gen;

		if (isp->ndomains)
			isp_new_set_source(isp, nm);
		new_gen = isp_new_publish(isp, nm);

		if (gen)
			*gen = new_gen;
	}
	up_read(&isp->dom_rwsem);
	if (!rc)
		return 0;

	if (held)
		isp_new_release(isp, nm);
err_unreserve:
	isp_new_unreserve(isp, nm);
	return rc;
}

/*
 * Map a new pages object (or its ERR_PTR) whose first byte is @start (a
 * user address or file offset) and drop the caller's reference on it
 */
static int isp_map_pages(struct iova_space *isp, unsigned long *iova,
			 struct upages *pages, unsigned long start,
			 unsigned long length, int iommu_prot, bool fixed_iova,
			 u64 *gen)
{
	struct isp_new_map nm;
	int rc;

	if (IS_ERR(pages))
		return PTR_ERR(pages);
	isp_new_init(&nm, iommu_prot);
	nm.new_pages = true;
	rc = isp_new_add(&nm, pages, upages_offset(pages, (void __user *)start),
			 length);
	if (!rc)
		rc = isp_map_new(isp, &nm, iova, fixed_iova, start, gen);
	upages_put(pages);
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
 * @gen: optional, receives the generation of the new mapping
 *	(isp_unmap_gen())
 *
 * Nothing is pinned unless the table has domains or pins always
 * (isp_set_pin_always()).  The mapping exists once this returns; until then
 * its IOVA is taken but nothing is mapped there.
 *
 * Return: 0 or a negative errno with nothing mapped.
 */
int isp_map_user_pages(struct iova_space *isp, unsigned long *iova,
		       void __user *uptr, unsigned long length, int iommu_prot,
		       enum iommufd_account_mode mode, bool fixed_iova,
		       u64 *gen)
{
	struct upages *pages;

	pages = upages_create(uptr, length, iommu_prot & IOMMU_WRITE, mode);
	return isp_map_pages(isp, iova, pages, (unsigned long)uptr, length,
			     iommu_prot, fixed_iova, gen);
}

/**
 * isp_map_file_pages - map pages of a file into the IOVA space
 * @isp: table
 * @iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @file: a shmem or hugetlbfs file
 * @start: byte offset in @file; counts like isp_map_user_pages()'s @uptr
 *	for alignment
 * @length: bytes
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE; IOMMU_WRITE pins for write
 * @mode: accounting mode for the new pages object
 * @fixed_iova: use *@iova instead of allocating
 * @gen: optional, receives the generation of the new mapping
 *
 * As isp_map_user_pages(), with the memory pinned through @file.
 *
 * Return: 0 or a negative errno with nothing mapped.
 */
int isp_map_file_pages(struct iova_space *isp, unsigned long *iova,
		       struct file *file, unsigned long start,
		       unsigned long length, int iommu_prot,
		       enum iommufd_account_mode mode, bool fixed_iova,
		       u64 *gen)
{
	struct upages *pages;

	pages = upages_create_file(file, start, length, iommu_prot & IOMMU_WRITE,
				   mode);
	return isp_map_pages(isp, iova, pages, start, length, iommu_prot,
			     fixed_iova, gen);
}

/**
 * isp_map_dmabuf - map a range of a dma-buf into the IOVA space
 * @isp: table
 * @iova: in: the IOVA if @fixed_iova; out: the IOVA used
 * @dmabuf: a dma-buf whose exporter reports one physical range
 * @dev: the device to attach to it as
 * @start: byte offset in @dmabuf; counts like isp_map_user_pages()'s @uptr
 *	for alignment
 * @length: bytes
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE
 * @fixed_iova: use *@iova instead of allocating
 * @gen: optional, receives the generation of the new mapping
 *
 * Return: 0 or a negative errno with nothing mapped (upages_create_dmabuf()).
 */
int isp_map_dmabuf(struct iova_space *isp, unsigned long *iova,
		   struct dma_buf *dmabuf, struct device *dev,
		   unsigned long start, unsigned long length, int iommu_prot,
		   bool fixed_iova, u64 *gen)
{
	struct upages *pages;

	pages = upages_create_dmabuf(dmabuf, dev, start, length,
				     iommu_prot & IOMMU_WRITE);
	return isp_map_pages(isp, iova, pages, start, length, iommu_prot,
			     fixed_iova, gen);
}

/*
 * Check that [iova, last] is fully covered by mappings that may be accessed
 * with @flags (ISP_ACCESS_WRITE); placeholders are holes.  Returns the
 * number of segments.
 */
int isp_check_contig(struct iova_space *isp, unsigned long iova,
		     unsigned long last, bool check_access, unsigned int flags)
{
	int needed = (flags & ISP_ACCESS_WRITE) ? IOMMU_WRITE : IOMMU_READ;
	unsigned long cur = iova;
	struct isp_seg *seg;
	int n = 0;

	lockdep_assert_held(&isp->tree_rwsem);

	for (seg = isp_seg_first(isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		if (seg->node.start > cur || !isp_seg_live(seg))
			return -ENOENT;
		if (check_access && seg->prevent_access)
			return -EINVAL;
		if (check_access && !(seg->iommu_prot & needed))
			return -EPERM;
		if (check_access && upages_is_dmabuf(seg->pages))
			return -EOPNOTSUPP;
		n++;
		if (seg->node.last >= last)
			return n;
		cur = seg->node.last + 1;
		cond_resched();
	}
	return -ENOENT;
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
 * @gen: optional, receives the generation of the new mapping
 *	(isp_unmap_gen())
 *
 * The new segments share the source's pages objects, so nothing is pinned or
 * charged twice.  They are allocated one by one while the source is walked
 * (one segment per source segment), so no allocation grows with the number
 * of source segments.
 *
 * Return: 0 or a negative errno with nothing mapped.
 */
int isp_copy_iova(struct iova_space *dst, unsigned long *dst_iova,
		  struct iova_space *src, unsigned long src_iova,
		  unsigned long length, int iommu_prot, bool fixed_iova,
		  u64 *gen)
{
	unsigned long last, uva = 0;
	struct isp_new_map nm;
	struct isp_seg *seg;
	int rc;

	rc = iommufd_range_last(src_iova, length, &last);
	if (rc)
		return rc;

	isp_new_init(&nm, iommu_prot);
	down_read(&src->tree_rwsem);
	rc = isp_check_contig(src, src_iova, last, false, 0);
	for (seg = rc < 0 ? NULL : isp_seg_first(src, src_iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(src_iova, isp_seg_iova(seg));
		unsigned long end = min(last, seg->node.last);

		if ((iommu_prot & IOMMU_WRITE) && !seg->pages->writable) {
			rc = -EPERM;
			break;
		}
		/* It would never be mapped (pages_dmabuf.c) */
		if (upages_revoked(seg->pages)) {
			rc = -ENODEV;
			break;
		}
		if (!uva)
			uva = (unsigned long)seg->pages->uptr +
			      isp_seg_offset(seg, start);
		rc = isp_new_add(&nm, seg->pages, isp_seg_offset(seg, start),
				 end - start + 1);
		if (rc)
			break;
		cond_resched();
	}
	up_read(&src->tree_rwsem);
	if (rc < 0) {
		isp_new_discard(&nm);
		return rc;
	}
	return isp_map_new(dst, &nm, dst_iova, fixed_iova, uva, gen);
}
