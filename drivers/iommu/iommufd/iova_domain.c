// SPDX-License-Identifier: GPL-2.0-only
/*
 * The domains of an IOVA space: filling a domain with every mapping when
 * it is attached, emptying it when it is detached, keeping the mappings
 * pinned without a domain (isp_set_pin_always()), and dirty tracking.
 * Mappings still being made (placeholders) are left to the call making
 * them, which writes them into whatever domains there are when it
 * publishes them.
 */
#include <linux/iommu.h>
#include <linux/iova_bitmap.h>
#include <linux/sched.h>

#include "iova_space_internal.h"
#include "common.h"

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

/* Pinning outside the locks */

/*
 * A pin that isp_set_pin_always() or the first domain's attach takes, with
 * no isp lock held, for a mapping that is not pinned yet, so that the mapping's segment can then be
 * held under the locks without pinning anything: @hold covers the
 * segment's pages, looked up by the segment's IOVA (@iova).
 */
struct isp_prepin {
	struct interval_tree_node iova;
	struct upages_holder hold;
	struct upages *pages;
};

/*
 * Rounds of pinning ahead that isp_set_pin_always() or an attach may lose to
 * mappings published meanwhile before it pins those under the locks
 */
#define ISP_PREPIN_ROUNDS 4

/* Is @seg's memory held by a prepin? */
static bool isp_prepinned(struct rb_root_cached *prepins, struct isp_seg *seg)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(prepins, seg->node.start,
					     seg->node.last);
	     node; node = interval_tree_iter_next(node, seg->node.start,
						  seg->node.last)) {
		struct isp_prepin *pp = container_of(node, struct isp_prepin,
						     iova);

		if (pp->pages == seg->pages &&
		    pp->hold.node.start <= seg->hold.node.start &&
		    pp->hold.node.last >= seg->hold.node.last)
			return true;
	}
	return false;
}

/*
 * The first published mapping at or after @from that is neither held nor
 * prepinned; on success a reference on its pages is taken and its ranges
 * are copied to @pp
 */
static bool isp_prepin_next(struct iova_space *isp,
			    struct rb_root_cached *prepins, unsigned long from,
			    struct isp_prepin *pp)
{
	struct isp_seg *seg;

	down_read(&isp->tree_rwsem);
	for (seg = isp_seg_first(isp, from, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (isp_seg_live(seg) && !seg->held &&
		    !isp_prepinned(prepins, seg))
			break;
	}
	if (seg) {
		*pp = (struct isp_prepin){
			.iova.start = seg->node.start,
			.iova.last = seg->node.last,
			.pages = seg->pages,
		};
		upages_holder_init(&pp->hold, seg->pages_offset,
				   isp_seg_length(seg));
		upages_get(pp->pages);
	}
	up_read(&isp->tree_rwsem);
	return !!seg;
}

/*
 * Pin the memory of every mapping that is neither held nor prepinned, with
 * no isp lock held across the pinning: mappings may be unmapped, split or
 * added meanwhile, the prepins only keep the memory pinned.
 */
static int isp_prepin_round(struct iova_space *isp,
			    struct rb_root_cached *prepins)
{
	struct isp_prepin found, *pp;
	unsigned long from = 0;
	int rc;

	while (isp_prepin_next(isp, prepins, from, &found)) {
		pp = kmemdup(&found, sizeof(found), GFP_KERNEL_ACCOUNT);
		if (!pp) {
			upages_put(found.pages);
			return -ENOMEM;
		}
		rc = upages_hold(pp->pages, &pp->hold);
		if (rc) {
			upages_put(pp->pages);
			kfree(pp);
			return rc;
		}
		interval_tree_insert(&pp->iova, prepins);
		if (pp->iova.last == ULONG_MAX)
			break;
		from = pp->iova.last + 1;
	}
	return 0;
}

static void isp_prepin_free(struct rb_root_cached *prepins)
{
	struct interval_tree_node *node;
	struct isp_prepin *pp;

	while ((node = interval_tree_iter_first(prepins, 0, ULONG_MAX))) {
		interval_tree_remove(node, prepins);
		pp = container_of(node, struct isp_prepin, iova);
		upages_release(pp->pages, &pp->hold);
		upages_put(pp->pages);
		kfree(pp);
		cond_resched();
	}
}

/*
 * Hold every published mapping of a table that pins nothing, all or
 * nothing.  Unless @may_pin, a mapping that is not prepinned (published
 * after the last round) fails it with -EAGAIN; the others are already
 * pinned, so holding them pins nothing here.
 */
static int isp_hold_all(struct iova_space *isp,
			struct rb_root_cached *prepins, bool may_pin)
{
	struct isp_seg *seg, *failed;
	int rc;

	lockdep_assert_held_write(&isp->dom_rwsem);
	lockdep_assert_held_write(&isp->tree_rwsem);

	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (!isp_seg_live(seg) || WARN_ON(seg->held))
			continue;
		if (!may_pin && !isp_prepinned(prepins, seg)) {
			rc = -EAGAIN;
			goto err_release;
		}
		rc = upages_hold(seg->pages, &seg->hold);
		if (rc)
			goto err_release;
		seg->held = true;
	}
	return 0;

err_release:
	failed = seg;
	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg != failed;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (!isp_seg_live(seg) || !seg->held)
			continue;
		upages_release(seg->pages, &seg->hold);
		seg->held = false;
	}
	return rc;
}

/* Release every published mapping of a table that pins always, no more */
static void isp_release_all(struct iova_space *isp)
{
	struct isp_seg *seg;

	lockdep_assert_held_write(&isp->dom_rwsem);
	lockdep_assert_held_write(&isp->tree_rwsem);

	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (!isp_seg_live(seg) || WARN_ON(!seg->held))
			continue;
		upages_release(seg->pages, &seg->hold);
		seg->held = false;
	}
}

/*
 * Give every mapping a source: the first domain of a table that does not
 * pin always, or every domain once it stops pinning always
 */
static void isp_set_sources(struct iova_space *isp)
{
	struct isp_seg *seg;

	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (isp_seg_live(seg) && !WARN_ON(!seg->held))
			isp_seg_set_source(isp, seg, NULL);
	}
}

/*
 * Map every mapping into @domain; on failure nothing of it is left there.
 * Placeholders are left to their map call, which writes them into the
 * domains it finds when it publishes them.  The first domain of a table
 * that pins nothing holds every mapping first, which pins nothing more
 * than @prepins did unless @may_pin (isp_hold_all()).
 */
static int isp_populate_domain(struct iova_space *isp,
			       struct iommu_domain *domain,
			       struct rb_root_cached *prepins, bool may_pin)
{
	bool first = !isp_pins(isp);
	struct isp_seg *seg, *failed;
	int rc;

	if (first) {
		rc = isp_hold_all(isp, prepins, may_pin);
		if (rc)
			return rc;
	}
	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (!isp_seg_live(seg))
			continue;
		rc = isp_seg_map_domain(isp, seg, domain);
		if (rc)
			goto err_unmap;
	}
	/* What the first domain holds can be read back from it */
	if (first)
		isp_set_sources(isp);
	return 0;

err_unmap:
	failed = seg;
	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg != failed;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (isp_seg_live(seg))
			upages_unmap(seg->pages, domain, isp_seg_iova(seg),
				     isp_seg_length(seg));
	}
	if (first)
		isp_release_all(isp);
	return rc;
}

/*
 * Remove every mapping from @domain; release the pins if it is the last
 * one and the table does not pin always.  A mapping whose source is
 * @domain gets another one first, or with the last domain leaves it with
 * its release.  Placeholders are in no domain; their map call releases
 * its pins.
 */
static void isp_depopulate_domain(struct iova_space *isp,
				  struct iommu_domain *domain)
{
	bool last = isp->ndomains == 1 && !isp->pin_always;
	struct isp_seg *seg;

	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (!isp_seg_live(seg) || WARN_ON(!seg->held))
			continue;
		if (!last && seg->hold.domain == domain) {
			isp_seg_set_source(isp, seg, domain);
			WARN_ON(seg->hold.domain == domain);
		}
		if (!last || seg->hold.domain != domain)
			upages_unmap(seg->pages, domain, isp_seg_iova(seg),
				     isp_seg_length(seg));
		if (last) {
			upages_release(seg->pages, &seg->hold);
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

/* One attempt of isp_attach_domain() under the locks */
static int isp_attach_locked(struct iova_space *isp,
			     struct iommu_domain *domain,
			     struct rb_root_cached *prepins, bool may_pin)
{
	u32 index;
	int rc;

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

	rc = isp_populate_domain(isp, domain, prepins, may_pin);
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
 * isp_attach_domain - mirror the table into a domain
 * @isp: table
 * @domain: paging domain, not yet in any table
 *
 * Reserves the IOVA outside the domain's aperture (owned by @domain),
 * raises the table's IOVA alignment to the domain's smallest page size and
 * maps every segment, at the largest page sizes the memory and the domain
 * allow.  Maps in progress are not waited for: they reach @domain when they
 * complete.  The first domain of a table that pins nothing pins every
 * mapping, with no isp lock held across the pinning (as
 * isp_set_pin_always() does): memory that stalls GUP (userfaultfd, FUSE)
 * stalls only this call.
 *
 * Return: 0, or a negative errno with the table and @domain unchanged
 * (-ENOMEM, -EFAULT... of pinning among them):
 * -EADDRINUSE if existing mappings (or mappings being made) are outside the
 * aperture or misaligned, -EINVAL if the domain has no page sizes or no
 * aperture set.
 */
int isp_attach_domain(struct iova_space *isp,
		      struct iommu_domain *domain)
{
	struct rb_root_cached prepins = RB_ROOT_CACHED;
	unsigned int round = 0;
	int rc;

	if (!domain->pgsize_bitmap)
		return -EINVAL;

	/*
	 * The first domain pins what is mapped: try without pinning under the
	 * locks, and pin ahead without them while that fails (-EAGAIN).
	 */
	for (;;) {
		rc = isp_attach_locked(isp, domain, &prepins,
				       round == ISP_PREPIN_ROUNDS);
		if (rc != -EAGAIN)
			break;
		round++;
		rc = isp_prepin_round(isp, &prepins);
		if (rc)
			break;
	}
	isp_prepin_free(&prepins);
	return rc;
}

/**
 * isp_detach_domain - stop mirroring the table into a domain
 * @isp: table
 * @domain: domain added by isp_attach_domain()
 *
 * Unmaps every segment from @domain (one unmap call per segment) and drops its
 * aperture reservations; the last domain leaving unpins the memory unless
 * the table pins always.
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

/*
 * Make every mapping independent of the domains before the table starts
 * pinning always, all or nothing: its last domain may then leave without
 * the pins, and nothing may need memory then.
 */
static int isp_clear_sources(struct iova_space *isp)
{
	struct isp_seg *seg, *failed;
	int rc;

	lockdep_assert_held_write(&isp->dom_rwsem);
	lockdep_assert_held_write(&isp->tree_rwsem);

	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (!isp_seg_live(seg) || !seg->held)
			continue;
		rc = upages_clear_source(seg->pages, &seg->hold);
		if (rc)
			goto err_restore;
	}
	return 0;

err_restore:
	failed = seg;
	for (seg = isp_seg_first(isp, 0, ULONG_MAX); seg != failed;
	     seg = isp_seg_next(seg, ULONG_MAX)) {
		cond_resched();
		if (isp_seg_live(seg) && seg->held)
			isp_seg_set_source(isp, seg, NULL);
	}
	return rc;
}

/**
 * isp_set_pin_always - keep the mappings pinned without a domain too
 * @isp: table
 * @on: one more user wants the mappings pinned always; false: one such user
 *	is done, and with the last one the table goes back to pinning only
 *	for domains
 *
 * The users (the legacy VFIO container, no-IOMMU devices attached to the
 * IOAS) are counted; each true must be balanced by one false.
 * For a user that needs memory pinned and charged when it is mapped
 * although the domains come later (the legacy VFIO container).  While it is
 * on, every mapping is held as while there is a domain: maps pin before
 * they return, domains share the pins and the last one leaving releases
 * nothing.
 *
 * Turning it on pins what is already mapped, all or nothing, with no isp
 * lock held across the pinning: the memory is pinned ahead (prepins), then
 * every mapping is held under the locks, which pins nothing more.  Mappings
 * published by other threads between the two steps are pinned ahead in
 * another round; after ISP_PREPIN_ROUNDS such rounds they are pinned under
 * the locks.  Only the table's own user can make that happen, by mapping
 * into it while it turns this on.  Mappings still being made need nothing:
 * their map call pins them to match the setting when it publishes them.
 * Turning it on while there are domains records the PFNs the pages layer
 * reads back from them (upages_clear_source()), so the last domain may
 * leave without anything to allocate.  Turning it off releases what no
 * domain needs, or lets the domains stand in for the records again, and
 * cannot fail.
 *
 * Return: 0, or a negative errno of pinning with nothing changed.
 */
int isp_set_pin_always(struct iova_space *isp, bool on)
{
	struct rb_root_cached prepins = RB_ROOT_CACHED;
	unsigned int round = 0;
	int rc;

	if (!on) {
		down_write(&isp->dom_rwsem);
		down_write(&isp->tree_rwsem);
		if (!WARN_ON(!isp->pin_always) && !--isp->pin_always) {
			if (isp->ndomains)
				isp_set_sources(isp);
			else
				isp_release_all(isp);
		}
		up_write(&isp->tree_rwsem);
		up_write(&isp->dom_rwsem);
		return 0;
	}

	do {
		rc = isp_prepin_round(isp, &prepins);
		if (rc)
			break;
		down_write(&isp->dom_rwsem);
		down_write(&isp->tree_rwsem);
		if (!isp_pins(isp))
			rc = isp_hold_all(isp, &prepins,
					  ++round == ISP_PREPIN_ROUNDS);
		else if (!isp->pin_always)
			rc = isp_clear_sources(isp);
		if (!rc)
			isp->pin_always++;
		up_write(&isp->tree_rwsem);
		up_write(&isp->dom_rwsem);
	} while (rc == -EAGAIN);
	isp_prepin_free(&prepins);
	return rc;
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
			cond_resched();
			if (!isp_seg_live(seg))
				continue;
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

/*
 * One window of the user bitmap, pinned by iova_bitmap with no isp lock
 * held: read the dirty bits of what is mapped there now
 */
static int isp_dirty_window(struct iova_bitmap *bitmap, unsigned long iova,
			    size_t length, void *opaque)
{
	struct isp_dirty_walk *walk = opaque;
	unsigned long last = iova + length - 1;
	struct isp_seg *seg;
	int rc = 0;

	down_read(&walk->isp->tree_rwsem);
	for (seg = isp_seg_first(walk->isp, iova, last); seg;
	     seg = isp_seg_next(seg, last)) {
		unsigned long start = max(iova, isp_seg_iova(seg));
		unsigned long end = min(last, seg->node.last);

		cond_resched();
		if (!isp_seg_live(seg))
			continue;
		rc = isp_read_dirty_range(walk->domain, bitmap, start,
					  end - start + 1, walk->flags);
		if (rc)
			break;
	}
	up_read(&walk->isp->tree_rwsem);
	return rc;
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
 * The range is checked once; the bitmap is then filled window by window,
 * each from what is mapped at that moment, and the table is only locked
 * while a window's dirty bits are read, never while the user bitmap is
 * pinned.
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
	int rc = 0;

	if (!domain->dirty_ops)
		return -EOPNOTSUPP;
	if (iommufd_range_last(iova, length, &last) ||
	    !is_power_of_2(page_size))
		return -EINVAL;

	down_read(&isp->tree_rwsem);
	if ((iova | length | page_size) & (isp->iova_alignment - 1) ||
	    isp_check_contig(isp, iova, last, false, 0) < 0)
		rc = -EINVAL;
	up_read(&isp->tree_rwsem);
	if (rc)
		return rc;

	bitmap = iova_bitmap_alloc(iova, length, page_size, data);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	rc = iova_bitmap_for_each(bitmap, &walk, isp_dirty_window);
	iova_bitmap_free(bitmap);
	return rc;
}
