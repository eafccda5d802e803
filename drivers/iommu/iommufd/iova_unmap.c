// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unmapping in an IOVA space (the IOAS_UNMAP side of the IOVA bookkeeping
 * layer): finding what a range covers, splitting the mappings it cuts where
 * that is allowed, and taking the covered mappings out of the domains and
 * the table, with in-kernel accesses told first.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "iova_space_internal.h"
#include "common.h"

/* -ENOENT if a mapping crosses start or last */
static int isp_check_unmap_cut(struct iova_space *isp,
			       unsigned long start, unsigned long last)
{
	struct isp_seg *seg;

	for (seg = isp_seg_first(isp, start, last); seg;
	     seg = isp_seg_next(seg, last)) {
		if (isp_seg_live(seg) &&
		    (seg->node.start < start || seg->node.last > last))
			return -ENOENT;
		cond_resched();
	}
	return 0;
}

/*
 * The segment that @iova would split, if it can be split there, or NULL if
 * there is nothing to split.  Only the bookkeeping is split; the domains
 * keep their IOPTEs, so no IOPTE may span @iova: the segment must have been
 * mapped with IOPTEs of at most a CPU page, and @iova must be on a CPU page
 * boundary of its memory.  A segment with access pins is not split either:
 * which part each pin would belong to is not recorded.  A placeholder is
 * not a mapping yet and is left alone.
 */
static struct isp_seg *isp_seg_to_split(struct iova_space *isp,
					unsigned long iova)
{
	struct isp_seg *seg = isp_seg_first(isp, iova, iova);

	lockdep_assert_held_write(&isp->tree_rwsem);

	if (!seg || isp_seg_iova(seg) == iova || !isp_seg_live(seg))
		return NULL;
	if (seg->large_ioptes || upages_is_dmabuf(seg->pages) ||
	    iova % isp->iova_alignment ||
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
	struct isp_seg *first, *second;
	int rc = -ENOMEM;

	first = isp_seg_alloc(seg->pages, seg->pages_offset, isp_seg_iova(seg),
			      iova - isp_seg_iova(seg), seg->iommu_prot);
	second = isp_seg_alloc(seg->pages, isp_seg_offset(seg, iova), iova,
			       seg->node.last - iova + 1, seg->iommu_prot);
	if (!first || !second)
		goto err_free;
	/* The same pages and source, nothing pinned or unpinned */
	if (seg->held)
		upages_split(seg->pages, &seg->hold, &first->hold,
			     &second->hold);
	first->gen = seg->gen;
	second->gen = seg->gen;
	first->held = seg->held;
	second->held = seg->held;
	first->prevent_access = seg->prevent_access;
	second->prevent_access = seg->prevent_access;
	interval_tree_remove(&seg->node, &isp->seg_tree);
	interval_tree_insert(&first->node, &isp->seg_tree);
	interval_tree_insert(&second->node, &isp->seg_tree);
	isp_seg_free(seg);
	return 0;

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

/*
 * Unmap the mappings inside [start, last]: all of them, or with @gen only
 * those of that generation (nothing is then split or checked at the
 * edges).  Placeholders are skipped: they are not mappings yet.
 */
static int isp_unmap_span(struct iova_space *isp, unsigned long start,
			  unsigned long last, bool split, u64 gen,
			  unsigned long *bytes)
{
	struct isp_seg *seg, *next;
	unsigned long done = 0;
	unsigned int tries = 0;
	int rc;

again:
	down_read(&isp->dom_rwsem);
	down_write(&isp->tree_rwsem);
	/* Cutting a mapping changes nothing; checked again after each retry */
	if (gen)
		rc = 0;
	else if (split)
		rc = isp_split_edges(isp, start, last);
	else
		rc = isp_check_unmap_cut(isp, start, last);
	/* A locked mapping refuses, before anything is unmapped */
	for (seg = rc ? NULL : isp_seg_first(isp, start, last); seg;
	     seg = isp_seg_next(seg, last))
		if (isp_seg_live(seg) && (!gen || seg->gen == gen) &&
		    atomic_read(&seg->num_locks))
			rc = -EBUSY;
	for (seg = rc ? NULL : isp_seg_first(isp, start, last); seg;
	     seg = next) {
		unsigned long iova = isp_seg_iova(seg);
		unsigned long length = isp_seg_length(seg);

		cond_resched();
		next = isp_seg_next(seg, last);
		if (!isp_seg_live(seg) || (gen && seg->gen != gen))
			continue;
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
 * Mappings still being made (their map call has not returned) are not
 * there yet and are neither unmapped nor in the way.
 *
 * Return: 0; -ENOENT if nothing is mapped there or a mapping crosses the
 * range's edges, -EBUSY if a mapping in the range is locked
 * (ISP_ACCESS_LOCK) (then nothing is unmapped); -EDEADLOCK if accesses
 * keep their pins.
 */
int isp_unmap_range(struct iova_space *isp, unsigned long iova,
		    unsigned long length, unsigned long *bytes)
{
	unsigned long last, done = 0;
	int rc;

	rc = iommufd_range_last(iova, length, &last);
	if (rc)
		return rc;

	rc = isp_unmap_span(isp, iova, last, false, 0, &done);
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
 * Return: 0 (also when nothing was mapped), -EBUSY (nothing unmapped) or
 * -EDEADLOCK as for isp_unmap_range().
 */
int isp_unmap_everything(struct iova_space *isp, unsigned long *bytes)
{
	return isp_unmap_span(isp, 0, ULONG_MAX, false, 0, bytes);
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
 * it cannot be split there, -EBUSY if in-kernel accesses pin pages of it
 * or a mapping inside is locked, -ENOMEM (nothing unmapped in these
 * cases); -EDEADLOCK as for isp_unmap_range().
 */
int isp_unmap_inside(struct iova_space *isp, unsigned long iova,
		     unsigned long length, bool split, unsigned long *bytes)
{
	unsigned long last;
	int rc;

	rc = iommufd_range_last(iova, length, &last);
	if (rc)
		return rc;
	return isp_unmap_span(isp, iova, last, split, 0, bytes);
}

/**
 * isp_unmap_gen - undo one map call
 * @isp: table
 * @iova: the IOVA the call reported
 * @length: its length
 * @gen: the generation it reported
 *
 * Unmaps what is left inside the range of the mappings that call created,
 * and nothing else: by now another thread may have unmapped them and mapped
 * its own there.
 *
 * Return: 0, or -EBUSY or -EDEADLOCK as for isp_unmap_range().
 */
int isp_unmap_gen(struct iova_space *isp, unsigned long iova,
		  unsigned long length, u64 gen)
{
	unsigned long last;
	int rc;

	if (WARN_ON(!gen))
		return -EINVAL;
	rc = iommufd_range_last(iova, length, &last);
	if (rc)
		return rc;
	return isp_unmap_span(isp, iova, last, false, gen, NULL);
}
