// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PFN store of a pages object.
 *
 * PFNs are recorded by runs of physically contiguous pages, in chunks of
 * user address space of UPAGES_CHUNK_PAGES pages (a PMD's worth: 2 MiB with
 * 4 KiB pages), kept in an xarray by chunk number.  A chunk whose pages are
 * all one run - a THP or hugetlb folio, or a stretch of physically
 * contiguous small pages - is a single value entry encoding pfn - index,
 * valid for every page of the chunk; any other chunk is an array of its
 * PFNs, exactly one page in size.  So huge folios cost one entry per PMD
 * with no allocation, scattered 4 KiB memory costs 8 bytes per page in
 * page-sized arrays (one allocation per 512 pages, none per page), and a
 * chunk is only turned into an array when a second, different run lands in
 * it.  The pinning code cuts each batch returned by pin_user_pages*() into
 * physically contiguous pieces within chunks before it records them.
 *
 * Readers take a chunk's PFNs piece by piece (upages_pfns_piece()): a run
 * or the array's slots.  Unpinning is one unpin_user_page_range_dirty_lock()
 * per run, mapping into a domain one iommu_map() per run that may fill large
 * IOPTEs and one iommu_map_pfns() for the single pages of an array.
 *
 * The store is only meaningful where a holder of the pages object covers
 * it: nothing reads it elsewhere.  Recording a run therefore never has to
 * preserve anything outside the holders, and releasing a range only erases
 * the chunks no holder touches any more - no entry is ever split, so
 * release and every unwind allocate nothing and cannot fail.  A chunk may
 * also have no entry while holders cover it: its owner then reads the PFNs
 * back from a domain (pages_source.c), and drops arrays it no longer needs
 * (upages_pfns_drop_array()).
 *
 * A maple tree of runs (one entry per run, cut by range stores) was tried
 * first.  It needs tree nodes to cut a run on release, and on physically
 * scattered 4 KiB memory its per-run stores and node splits cost about
 * 1450 more instructions per page to map than an xarray slot, and 18
 * instead of 8 bytes per page.
 *
 * Chunk c covers the UPAGES_CHUNK_PAGES pages of user address space that
 * start at the c-th such boundary at or below the object's first page, so
 * its first and last page indexes may lie outside the object.  Its entry is
 * NULL (nothing recorded), a run value (every recorded page of the chunk is
 * physically at index + delta) or a struct upages_chunk.  A run value is
 * the value pfn - index kept modulo 2^(BITS_PER_LONG - 1) so that it fits a
 * value entry whatever the sign of the difference; PFNs are far below that
 * bound, so the PFN of any index is recovered exactly.
 */
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/slab.h>

#include "pages_pfns.h"

#define UPAGES_DELTA_MASK (ULONG_MAX >> 1)

/**
 * struct upages_chunk - the PFNs of a chunk that is not one run
 * @pfn: by position in the chunk; only the held positions are meaningful
 */
struct upages_chunk {
	unsigned long pfn[UPAGES_CHUNK_PAGES];
};

/**
 * upages_pfns_init - an empty store
 * @pfns: the store
 * @head: position of page index 0 in its chunk: the user address of page
 *	index 0 in pages, modulo UPAGES_CHUNK_PAGES
 * @npages: number of page indexes
 */
void upages_pfns_init(struct upages_pfns *pfns, unsigned long head,
		      unsigned long npages)
{
	xa_init_flags(&pfns->xa, XA_FLAGS_ACCOUNT);
	pfns->head = head & (UPAGES_CHUNK_PAGES - 1);
	pfns->npages = npages;
}

static void *upages_run_entry(unsigned long index, unsigned long pfn)
{
	return xa_mk_value((pfn - index) & UPAGES_DELTA_MASK);
}

static unsigned long upages_run_pfn(void *entry, unsigned long index)
{
	return (xa_to_value(entry) + index) & UPAGES_DELTA_MASK;
}

static unsigned long upages_chunk_of(struct upages_pfns *pfns,
				     unsigned long index)
{
	return (index + pfns->head) >> UPAGES_CHUNK_SHIFT;
}

static void *upages_ref_load(struct upages_pfns *pfns,
			     struct upages_pfns_ref *ref, unsigned long c)
{
	if (ref->c != c) {
		ref->c = c;
		ref->entry = xa_load(&pfns->xa, c);
	}
	return ref->entry;
}

/* Free what an entry owns; NULL and run values own nothing */
static void upages_drop_entry(void *entry)
{
	if (!xa_is_value(entry))
		kfree(entry);
}

/*
 * Turn the run value @run of chunk @c into an array that says the same, or
 * with @run NULL (nothing recorded in the chunk) into an array of nothing
 */
static struct upages_chunk *upages_expand_chunk(struct upages_pfns *pfns,
						unsigned long c, void *run)
{
	unsigned long base = c * UPAGES_CHUNK_PAGES - pfns->head;
	struct upages_chunk *chunk;
	unsigned long i;
	void *old;

	chunk = kmalloc(sizeof(*chunk), GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return ERR_PTR(-ENOMEM);
	/* Positions outside the object get a meaningless value */
	for (i = 0; run && i != UPAGES_CHUNK_PAGES; i++)
		chunk->pfn[i] = upages_run_pfn(run, base + i);
	old = xa_store(&pfns->xa, c, chunk, GFP_KERNEL_ACCOUNT);
	if (xa_is_err(old)) {
		kfree(chunk);
		return ERR_PTR(xa_err(old));
	}
	return chunk;
}

/**
 * upages_pfns_record - record a physically contiguous piece
 * @pfns: the store
 * @ref: a cursor the caller keeps between calls, upages_pfns_ref_init()ed
 * @first: first page index
 * @npages: number of pages, all in the chunk of @first
 * @pfn: PFN of page @first; page @first + i is at @pfn + i
 *
 * The other pages of the chunk keep what they had.  A piece that covers
 * the whole chunk, or lands in a chunk with nothing recorded, is one value;
 * a second, different run in a chunk turns it into an array.
 *
 * Return: 0, or -ENOMEM with the store as it was.
 */
int upages_pfns_record(struct upages_pfns *pfns, struct upages_pfns_ref *ref,
		       unsigned long first, unsigned long npages,
		       unsigned long pfn)
{
	unsigned long c = upages_chunk_of(pfns, first);
	void *run = upages_run_entry(first, pfn);
	struct upages_chunk *chunk;
	unsigned long i, slot;
	void *old;

	old = upages_ref_load(pfns, ref, c);
	if (old == run)
		return 0;
	/* Nothing of the chunk recorded yet, or all of it rewritten now */
	if (!old || (first == upages_pfns_chunk_first(pfns, first) &&
		     first + npages - 1 == upages_pfns_chunk_last(pfns, first))) {
		old = xa_store(&pfns->xa, c, run, GFP_KERNEL_ACCOUNT);
		if (xa_is_err(old))
			return xa_err(old);
		ref->entry = run;
		upages_drop_entry(old);
		return 0;
	}

	chunk = xa_is_value(old) ? upages_expand_chunk(pfns, c, old) : old;
	if (IS_ERR(chunk))
		return PTR_ERR(chunk);
	ref->entry = chunk;
	slot = upages_pfns_slot_of(pfns, first);
	for (i = 0; i != npages; i++)
		chunk->pfn[slot + i] = pfn + i;
	return 0;
}

/**
 * upages_pfns_slots - the array slots of a piece, to write its PFNs into
 * @pfns: the store
 * @ref: a cursor the caller keeps between calls, upages_pfns_ref_init()ed
 * @first: first page index
 * @npages: number of pages, all in the chunk of @first
 *
 * Makes the chunk of @first an array, keeping what the other pages of the
 * chunk had, for pieces that are not one run: the caller writes the PFN of
 * page @first + i into slot i of the result, in a tight loop instead of one
 * upages_pfns_record() per run.
 *
 * Return: the slot of @first, or an ERR_PTR(-ENOMEM) with the store as it
 * was.
 */
unsigned long *upages_pfns_slots(struct upages_pfns *pfns,
				 struct upages_pfns_ref *ref,
				 unsigned long first, unsigned long npages)
{
	unsigned long c = upages_chunk_of(pfns, first);
	struct upages_chunk *chunk;
	void *old;

	if (WARN_ON(upages_pfns_slot_of(pfns, first) + npages >
		    UPAGES_CHUNK_PAGES))
		return ERR_PTR(-EINVAL);
	old = upages_ref_load(pfns, ref, c);
	if (xa_is_value(old) || !old) {
		/* Every slot keeps saying what it said */
		chunk = upages_expand_chunk(pfns, c, old);
		if (IS_ERR(chunk))
			return ERR_CAST(chunk);
		ref->entry = chunk;
	} else {
		chunk = old;
	}
	return &chunk->pfn[upages_pfns_slot_of(pfns, first)];
}

/**
 * upages_pfns_forget_chunk - drop the chunk of a page index
 * @pfns: the store
 * @index: a page index; the whole chunk of it is forgotten
 *
 * Only frees: erasing from an xarray never allocates, so this cannot fail.
 */
void upages_pfns_forget_chunk(struct upages_pfns *pfns, unsigned long index)
{
	upages_drop_entry(xa_erase(&pfns->xa, upages_chunk_of(pfns, index)));
}

/**
 * upages_pfns_drop_array - forget the chunk of a page index if it is an array
 * @pfns: the store
 * @index: a page index
 *
 * For a chunk whose PFNs can be read back from elsewhere: an array costs a
 * page, a run value nothing of its own, so only an array goes.  Only frees.
 */
void upages_pfns_drop_array(struct upages_pfns *pfns, unsigned long index)
{
	unsigned long c = upages_chunk_of(pfns, index);
	void *entry = xa_load(&pfns->xa, c);

	if (entry && !xa_is_value(entry))
		upages_drop_entry(xa_erase(&pfns->xa, c));
}

/**
 * upages_pfns_run_state - does a run value already say a piece?
 * @pfns: the store
 * @ref: a cursor the caller keeps between calls, upages_pfns_ref_init()ed
 * @index: a page index
 * @pfn: the PFN of page @index
 *
 * Return: whether the chunk of @index has no entry, the run value that puts
 * page @index at @pfn, or anything else.
 */
enum upages_chunk_state upages_pfns_run_state(struct upages_pfns *pfns,
					      struct upages_pfns_ref *ref,
					      unsigned long index,
					      unsigned long pfn)
{
	void *entry = upages_ref_load(pfns, ref, upages_chunk_of(pfns, index));

	if (!entry)
		return UPAGES_CHUNK_EMPTY;
	if (entry == upages_run_entry(index, pfn))
		return UPAGES_CHUNK_SAME_RUN;
	return UPAGES_CHUNK_OTHER;
}

/**
 * upages_pfns_piece - what the store holds from a page index to its chunk end
 * @pfns: the store
 * @ref: a cursor the caller keeps between calls, upages_pfns_ref_init()ed
 * @index: first page index
 * @last: last page index wanted
 * @pfn: set to the PFN of page @index when the piece is one run
 * @slots: set to the array slot of page @index when it is not, else NULL
 *
 * For readers that take a scattered chunk's PFNs as an array: pages @index
 * to the end of its chunk, or to @last, are either one run from *@pfn or
 * the array at *@slots (which may hold runs too).
 *
 * Return: the number of pages of the piece, 0 if nothing is recorded there.
 */
unsigned long upages_pfns_piece(struct upages_pfns *pfns,
				struct upages_pfns_ref *ref,
				unsigned long index, unsigned long last,
				unsigned long *pfn, const unsigned long **slots)
{
	unsigned long end = min(upages_pfns_chunk_last(pfns, index), last);
	void *entry = upages_ref_load(pfns, ref, upages_chunk_of(pfns, index));
	struct upages_chunk *chunk;

	*slots = NULL;
	if (!entry)
		return 0;
	if (xa_is_value(entry)) {
		*pfn = upages_run_pfn(entry, index);
	} else {
		chunk = entry;
		*slots = &chunk->pfn[upages_pfns_slot_of(pfns, index)];
		*pfn = **slots;
	}
	return end - index + 1;
}
