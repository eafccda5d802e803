// SPDX-License-Identifier: GPL-2.0-only
/*
 * PFNs a domain already knows.
 *
 * A pinned page's PFN is needed again to unpin it, to map it into another
 * domain and for in-kernel accesses.  Once the page is mapped into a domain
 * the IO page table says it too, so keeping it in the PFN store as well
 * would cost 8 bytes per scattered 4 KiB page (a page-sized array per
 * chunk), as much again as the IO page table itself.  So a holder may name
 * a source: a domain that maps all of its range (upages_set_source()).  A
 * chunk that only sourced holders touch keeps no array: its entry is
 * dropped and its PFNs are read back from a source with iommu_read_pfns()
 * (one walk per leaf table where the driver can).  A chunk that is one run
 * keeps its run value, which allocates nothing of ours and spares the
 * read-back for THP and hugetlb memory.
 *
 * The rule, for every chunk: if a holder without a source touches it, every
 * pinned page of it is recorded; otherwise either every pinned page of it
 * is recorded or nothing is and its entry is empty.  So an empty entry under
 * a holder means "read it back", and every holder covering such a page has
 * a source.  Keeping it:
 *
 * - a holder without a source first records the chunks it touches that
 *   other holders keep unrecorded, reading them back (upages_materialize(),
 *   may fail with -ENOMEM); so does a hold that pins pages into a chunk
 *   whose other pinned pages are unrecorded;
 * - a holder gets a source only once it is mapped there, and the arrays no
 *   holder without a source needs any more are dropped then
 *   (upages_trim()); so with the release of the last holder without one;
 * - a source moves to another domain that maps the range before the first
 *   one is unmapped (upages_set_source() again), which allocates nothing;
 * - releasing a sourced holder unmaps its source itself
 *   (upages_release_sourced()): it reads the PFNs of the pages it unpins
 *   before they leave the IO page table, in batches cut only where the
 *   memory is not physically contiguous, so no IOPTE of any size is cut.
 *
 * None of it allocates on the way down: moving a source, releasing,
 * dropping arrays and splitting a holder cannot fail.  Only taking a source
 * away from a holder that stays (upages_clear_source(), for a table that
 * must keep its memory pinned without a domain) needs memory, and may fail.
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "common.h"
#include "pages.h"
#include "pages_acct.h"
#include "pages_internal.h"

static struct upages_holder *upages_holder_of(struct interval_tree_node *node)
{
	return container_of(node, struct upages_holder, node);
}

/* IOVA in @holder's source of a byte of page @index that it maps */
static unsigned long upages_source_iova(struct upages_holder *holder,
					unsigned long index)
{
	unsigned long delta = (index - holder->node.start) << PAGE_SHIFT;

	return holder->iova + (delta ? delta - holder->skip : 0);
}

/* The PFN of page @index as @holder's source maps it, 0 if it does not */
static unsigned long upages_source_pfn(struct upages_holder *holder,
				       unsigned long index)
{
	phys_addr_t phys = iommu_iova_to_phys(holder->domain,
					      upages_source_iova(holder,
								 index));

	return PHYS_PFN(phys);
}

/*
 * Read back the PFNs of the @n pages from @index of @holder's range from its
 * source into @out, in one iommu_read_pfns() for the whole pages; false if
 * one is not mapped there (a bug)
 */
static bool upages_source_read_holder(struct upages_holder *holder,
				      unsigned long index, unsigned long n,
				      unsigned long *out)
{
	/* The first page of a range that starts inside it */
	if (index == holder->node.start && holder->skip) {
		out[0] = upages_source_pfn(holder, index);
		if (!out[0])
			return false;
		index++;
		out++;
		n--;
	}
	return !n || iommu_read_pfns(holder->domain,
				     upages_source_iova(holder, index), n,
				     out) == n;
}

/* A sourced holder covering @index */
static struct upages_holder *upages_find_source(struct upages *pages,
						unsigned long index)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(&pages->holders, index, index);
	     node; node = interval_tree_iter_next(node, index, index))
		if (upages_holder_of(node)->domain)
			return upages_holder_of(node);
	return NULL;
}

/*
 * Read back the PFNs of pages @index to @last at most, into @out, from
 * @holder's source, or with @holder NULL from any source covering @index;
 * returns how many (as far as that source covers them), 0 if a page has no
 * source or its source does not map it (a bug)
 */
static unsigned long upages_source_read(struct upages *pages,
					struct upages_holder *holder,
					unsigned long index,
					unsigned long last, unsigned long *out)
{
	unsigned long n;

	if (!holder)
		holder = upages_find_source(pages, index);

	if (WARN_ON(!holder))
		return 0;
	n = min(last, holder->node.last) - index + 1;
	if (WARN_ON(!upages_source_read_holder(holder, index, n, out)))
		return 0;
	return n;
}

/* upages_read_piece(), reading back from @holder's source if not NULL */
static unsigned long __upages_read_piece(struct upages *pages,
					 struct upages_reader *rd,
					 struct upages_holder *holder,
					 unsigned long index, unsigned long last,
					 unsigned long *pfn,
					 const unsigned long **slots)
{
	unsigned long n;

	n = upages_pfns_piece(&pages->pfns, &rd->ref, index, last, pfn, slots);
	if (n)
		return n;
	last = min3(last, upages_pfns_chunk_last(&pages->pfns, index),
		    index + UPAGES_READ_BATCH - 1);
	n = upages_source_read(pages, holder, index, last, rd->buf);
	*slots = rd->buf;
	*pfn = rd->buf[0];
	return n;
}

/**
 * upages_read_piece - the PFNs of pinned pages from a page index on
 * @pages: pages object, its mutex held
 * @rd: the cursor, upages_reader_init()ed
 * @index: first page index, pinned
 * @last: last page index wanted, all pinned
 * @pfn: set to the PFN of page @index when the piece is one run
 * @slots: set to the PFNs of the piece when it is not, else NULL
 *
 * As upages_pfns_piece(), and where the store records nothing the PFNs are
 * read back from a source, at most UPAGES_READ_BATCH at a time.
 *
 * Return: the number of pages of the piece, 0 for a page with no PFN
 * anywhere (a bug, it WARNs).
 */
unsigned long upages_read_piece(struct upages *pages, struct upages_reader *rd,
				unsigned long index, unsigned long last,
				unsigned long *pfn, const unsigned long **slots)
{
	lockdep_assert_held(&pages->mutex);
	return __upages_read_piece(pages, rd, NULL, index, last, pfn, slots);
}

/* Does a holder without a source touch the chunk of @index? */
bool upages_chunk_recording(struct upages *pages, unsigned long index)
{
	unsigned long cfirst = upages_pfns_chunk_first(&pages->pfns, index);
	unsigned long clast = upages_pfns_chunk_last(&pages->pfns, index);
	struct interval_tree_node *node;

	if (!pages->nrecording)
		return false;
	for (node = interval_tree_iter_first(&pages->holders, cfirst, clast);
	     node; node = interval_tree_iter_next(node, cfirst, clast))
		if (!upages_holder_of(node)->domain)
			return true;
	return false;
}

/* Record every pinned page of the chunk of @index, read back from sources */
static int upages_materialize_chunk(struct upages *pages, unsigned long index)
{
	unsigned long cfirst = upages_pfns_chunk_first(&pages->pfns, index);
	unsigned long clast = upages_pfns_chunk_last(&pages->pfns, index);
	struct interval_tree_span_iter span;
	struct upages_pfns_ref ref;
	unsigned long *slots, i, n, pfn;
	const unsigned long *unused;

	upages_pfns_ref_init(&ref);
	if (upages_pfns_piece(&pages->pfns, &ref, cfirst, clast, &pfn,
			      &unused) ||
	    !interval_tree_iter_first(&pages->holders, cfirst, clast))
		return 0;

	/* An array of nothing yet; the read-back never looks at the store */
	slots = upages_pfns_slots(&pages->pfns, &ref, cfirst,
				  clast - cfirst + 1);
	if (IS_ERR(slots))
		return PTR_ERR(slots);
	interval_tree_for_each_span(&span, &pages->holders, cfirst, clast) {
		if (span.is_hole)
			continue;
		for (i = span.start_used; i <= span.last_used; i += n) {
			n = upages_source_read(pages, NULL, i, span.last_used,
					       slots + (i - cfirst));
			if (!n) {
				upages_pfns_forget_chunk(&pages->pfns, cfirst);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/**
 * upages_materialize - record the pinned pages of the chunks of a range
 * @pages: pages object, its mutex held
 * @first: first page index
 * @last: last page index
 *
 * For every chunk [@first, @last] touches whose pinned pages are not
 * recorded, reads them back from their sources into an array: before a
 * holder without a source covers them, or before pages are pinned and
 * recorded into such a chunk.
 *
 * Return: 0, or -ENOMEM with the chunks done so far recorded (which is
 * allowed; upages_trim() drops them again).
 */
int upages_materialize(struct upages *pages, unsigned long first,
		       unsigned long last)
{
	unsigned long index = first;
	int rc;

	lockdep_assert_held(&pages->mutex);
	while (index <= last) {
		rc = upages_materialize_chunk(pages, index);
		if (rc)
			return rc;
		index = upages_pfns_chunk_last(&pages->pfns, index) + 1;
	}
	return 0;
}

/**
 * upages_trim - drop the arrays of a range that sources can stand in for
 * @pages: pages object, its mutex held
 * @first: first page index
 * @last: last page index
 *
 * Drops the array of every chunk [@first, @last] touches that no holder
 * without a source touches.  Only frees.
 */
void upages_trim(struct upages *pages, unsigned long first,
		 unsigned long last)
{
	unsigned long index = first;

	lockdep_assert_held(&pages->mutex);
	while (index <= last) {
		if (!upages_chunk_recording(pages, index))
			upages_pfns_drop_array(&pages->pfns, index);
		index = upages_pfns_chunk_last(&pages->pfns, index) + 1;
	}
}

/* Insert or remove a holder, counting those without a source */
void upages_insert_holder(struct upages *pages, struct upages_holder *holder)
{
	lockdep_assert_held(&pages->mutex);
	interval_tree_insert(&holder->node, &pages->holders);
	if (!holder->domain)
		pages->nrecording++;
}

void upages_remove_holder(struct upages *pages, struct upages_holder *holder)
{
	lockdep_assert_held(&pages->mutex);
	interval_tree_remove(&holder->node, &pages->holders);
	if (!holder->domain)
		pages->nrecording--;
}

/**
 * upages_set_source - name the domain a holder's PFNs can be read back from
 * @pages: pages object
 * @holder: a held holder
 * @domain: a domain that maps every byte of @holder's range, and keeps it
 *	mapped until the source moves again or the holder is released
 * @iova: IOVA of the holder's first byte in @domain
 *
 * Drops the arrays of the range that no holder without a source needs.  To
 * unmap the source while the holder stays, move the source to another domain
 * first (this again), or take it away with upages_clear_source().  Does
 * nothing for a pages object of a dma-buf, which records nothing.
 */
void upages_set_source(struct upages *pages, struct upages_holder *holder,
		       struct iommu_domain *domain, unsigned long iova)
{
	if (pages->dmabuf || WARN_ON(!domain))
		return;
	mutex_lock(&pages->mutex);
	if (!holder->domain)
		pages->nrecording--;
	holder->domain = domain;
	holder->iova = iova;
	upages_trim(pages, holder->node.start, holder->node.last);
	mutex_unlock(&pages->mutex);
}

/**
 * upages_clear_source - make a holder independent of any domain
 * @pages: pages object
 * @holder: a held holder
 *
 * Records the PFNs of its range, so its source may then be unmapped while
 * it stays held.
 *
 * Return: 0, or -ENOMEM with the holder unchanged.
 */
int upages_clear_source(struct upages *pages, struct upages_holder *holder)
{
	int rc = 0;

	mutex_lock(&pages->mutex);
	if (holder->domain) {
		rc = upages_materialize(pages, holder->node.start,
					holder->node.last);
		if (rc) {
			upages_trim(pages, holder->node.start,
				    holder->node.last);
		} else {
			holder->domain = NULL;
			pages->nrecording++;
		}
	}
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * upages_split - replace a holder by two that cover the same pages
 * @pages: pages object
 * @holder: a held holder
 * @first: upages_holder_init()ed for the first bytes of @holder
 * @second: upages_holder_init()ed for the rest, starting on a page boundary
 *
 * The halves keep @holder's source at their own IOVAs.  Nothing is pinned,
 * unpinned or allocated.
 */
void upages_split(struct upages *pages, struct upages_holder *holder,
		  struct upages_holder *first, struct upages_holder *second)
{
	WARN_ON(first->node.start != holder->node.start ||
		first->node.last + 1 != second->node.start ||
		second->node.last != holder->node.last || second->skip ||
		first->length + second->length != holder->length);
	mutex_lock(&pages->mutex);
	first->domain = holder->domain;
	first->iova = holder->iova;
	second->domain = holder->domain;
	second->iova = holder->iova + first->length;
	upages_remove_holder(pages, holder);
	upages_insert_holder(pages, first);
	upages_insert_holder(pages, second);
	mutex_unlock(&pages->mutex);
}

/* Runs of the pages a sourced release unpins, read before they are unmapped */
struct upages_unpin_run {
	unsigned long index;
	unsigned long pfn;
	unsigned long npages;
};

/**
 * struct upages_unmap_batch - what a sourced release has read, not unmapped
 * @holder: the holder being released (in no tree any more)
 * @runs: the maximal physically contiguous runs of its pages from @next_iova
 *	on, in page index order
 * @max: room in @runs
 * @nruns: runs in @runs
 * @next_iova: first byte of the holder's range still mapped in the source
 * @unpinned: pages unpinned so far
 * @alone: no other holder covers any page of the range: every page read is
 *	unpinned
 */
struct upages_unmap_batch {
	struct upages_holder *holder;
	struct upages_unpin_run *runs;
	unsigned int max;
	unsigned int nruns;
	unsigned long next_iova;
	unsigned long unpinned;
	bool alone;
};

/* IOVA of the last byte of page @index in the holder's source */
static unsigned long upages_batch_last_iova(struct upages_unmap_batch *b,
					    unsigned long index)
{
	struct upages_holder *holder = b->holder;

	if (index == holder->node.last)
		return holder->iova + holder->length - 1;
	return upages_source_iova(holder, index + 1) - 1;
}

/*
 * Unmap the source up to the end of page @last_index and unpin the pages of
 * the runs read so far that no holder covers
 */
static void upages_batch_flush(struct upages *pages,
			       struct upages_unmap_batch *b,
			       unsigned long last_index)
{
	unsigned long last_iova = upages_batch_last_iova(b, last_index);
	struct interval_tree_span_iter span;
	struct upages_unpin_run *run;
	unsigned int i;

	upages_unmap_domain(b->holder->domain, b->next_iova,
			    last_iova - b->next_iova + 1);
	b->next_iova = last_iova + 1;

	for (i = 0; i != b->nruns && b->alone; i++) {
		run = &b->runs[i];
		unpin_user_page_range_dirty_lock(pfn_to_page(run->pfn),
						 run->npages, pages->writable);
		b->unpinned += run->npages;
	}
	for (i = 0; i != b->nruns && !b->alone; i++) {
		run = &b->runs[i];
		interval_tree_for_each_span(&span, &pages->holders, run->index,
					    run->index + run->npages - 1) {
			unsigned long n = span.last_hole - span.start_hole + 1;
			struct page *page;

			if (!span.is_hole)
				continue;
			page = pfn_to_page(run->pfn + span.start_hole -
					   run->index);
			unpin_user_page_range_dirty_lock(page, n,
							 pages->writable);
			b->unpinned += n;
		}
	}
	b->nruns = 0;
}

/* Add page run [@index, @index + @n) at @pfn, flushing first if full */
static __always_inline void upages_batch_add(struct upages *pages,
					     struct upages_unmap_batch *b,
					     unsigned long index,
					     unsigned long pfn, unsigned long n)
{
	struct upages_unpin_run *prev = b->nruns ? &b->runs[b->nruns - 1] :
					NULL;

	if (prev && pfn == prev->pfn + prev->npages) {
		prev->npages += n;
		return;
	}
	/* A physical discontinuity: no IOPTE spans @index - 1 and @index */
	if (b->nruns == b->max)
		upages_batch_flush(pages, b, index - 1);
	b->runs[b->nruns++] = (struct upages_unpin_run){
		.index = index, .pfn = pfn, .npages = n,
	};
}

/* The runs of a piece of @n pages at @index: one run, or @slots */
static void upages_batch_add_piece(struct upages *pages,
				   struct upages_unmap_batch *b,
				   unsigned long index, unsigned long n,
				   unsigned long pfn, const unsigned long *slots)
{
	unsigned long i, run;

	if (!slots) {
		upages_batch_add(pages, b, index, pfn, n);
		return;
	}
	for (i = 0; i != n; i += run) {
		for (run = 1; i + run != n && slots[i + run] == slots[i] + run;
		     run++)
			;
		upages_batch_add(pages, b, index + i, slots[i], run);
	}
}

/* Runs kept on the stack when a page for them cannot be had */
#define UPAGES_UNMAP_STACK_RUNS 8

/**
 * upages_release_sourced - the end of a sourced holder
 * @pages: pages object, its mutex held
 * @holder: the holder, already removed from the tree; every other domain
 *	that mapped its range has been unmapped
 *
 * Unmaps the holder's range from its source and unpins the pages no other
 * holder covers.  Their PFNs are read (from the store, or back from the
 * source itself) from the first page to unpin to the last, in runs that are
 * physically contiguous; the source is unmapped up to the end of a run, and
 * those runs unpinned, each time the runs fill the batch.  Cannot fail: with
 * no page for the batch, a few runs on the stack do.
 */
void upages_release_sourced(struct upages *pages,
			    struct upages_holder *holder)
{
	struct upages_unpin_run stack_runs[UPAGES_UNMAP_STACK_RUNS];
	struct upages_unmap_batch b = {
		.holder = holder,
		.runs = stack_runs,
		.max = ARRAY_SIZE(stack_runs),
		.next_iova = holder->iova,
	};
	unsigned long first = ULONG_MAX, last = 0, index, n, pfn;
	struct upages_unpin_run *runs = NULL;
	struct interval_tree_span_iter span;
	const unsigned long *slots;
	struct upages_reader rd;

	lockdep_assert_held(&pages->mutex);
	b.alone = !interval_tree_iter_first(&pages->holders,
					    holder->node.start,
					    holder->node.last);
	interval_tree_for_each_span(&span, &pages->holders, holder->node.start,
				    holder->node.last) {
		if (!span.is_hole)
			continue;
		first = min(first, span.start_hole);
		last = span.last_hole;
	}
	/* A run is at least a page: a few pages fit on the stack */
	if (first != ULONG_MAX && last - first >= ARRAY_SIZE(stack_runs))
		runs = kmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);
	if (runs) {
		b.runs = runs;
		b.max = PAGE_SIZE / sizeof(*runs);
	}

	upages_reader_init(&rd);
	for (index = first; first != ULONG_MAX && index <= last; index += n) {
		/* Unrecorded pieces: from this holder's own source */
		n = __upages_read_piece(pages, &rd, holder, index, last, &pfn,
					&slots);
		if (!n)
			break;
		upages_batch_add_piece(pages, &b, index, n, pfn, slots);
	}
	upages_batch_flush(pages, &b, holder->node.last);
	kfree(runs);

	upages_unaccount(pages, b.unpinned);
	pages->npinned -= b.unpinned;
}
