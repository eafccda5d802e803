/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PFN store of a pages object: which physical page backs each pinned
 * page index, kept by runs of physically contiguous pages per chunk of user
 * address space (pages_pfns.c).  A part of the pinned-pages layer, included
 * by pages.h; tested by pages_pfns_test.c (KUnit).
 *
 * The store does no locking of its own: the pages object's mutex protects
 * it.  It is only meaningful where the pages object holds pages pinned;
 * what it says elsewhere is never read.
 */
#ifndef __IOMMUFD_PAGES_PFNS_H
#define __IOMMUFD_PAGES_PFNS_H

#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/xarray.h>

/* Pages per chunk: a PMD's worth (2 MiB with 4 KiB pages), one page of PFNs */
#define UPAGES_CHUNK_PAGES (PAGE_SIZE / sizeof(unsigned long))
#define UPAGES_CHUNK_SHIFT ilog2(UPAGES_CHUNK_PAGES)

/**
 * struct upages_pfns - the PFN store of a pages object
 * @xa: chunk number -> NULL, a run value or a struct upages_chunk
 * @head: position of page index 0 in its chunk (the chunks follow user
 *	addresses, not page indexes)
 * @npages: page indexes of the pages object, 0 to @npages - 1
 */
struct upages_pfns {
	struct xarray xa;
	unsigned long head;
	unsigned long npages;
};

void upages_pfns_init(struct upages_pfns *pfns, unsigned long head,
		      unsigned long npages);

static inline unsigned long upages_pfns_slot_of(struct upages_pfns *pfns,
						unsigned long index)
{
	return (index + pfns->head) & (UPAGES_CHUNK_PAGES - 1);
}

/* First page index of the object in the chunk of @index */
static inline unsigned long upages_pfns_chunk_first(struct upages_pfns *pfns,
						    unsigned long index)
{
	return index - min(index, upages_pfns_slot_of(pfns, index));
}

/* Last page index of the object in the chunk of @index */
static inline unsigned long upages_pfns_chunk_last(struct upages_pfns *pfns,
						   unsigned long index)
{
	return min(index + UPAGES_CHUNK_PAGES - 1 -
		   upages_pfns_slot_of(pfns, index), pfns->npages - 1);
}

/**
 * struct upages_pfns_ref - a cursor caching one chunk's entry
 * @c: the chunk number, ULONG_MAX for none
 * @entry: its entry as last loaded or stored through the cursor
 */
struct upages_pfns_ref {
	unsigned long c;
	void *entry;
};

static inline void upages_pfns_ref_init(struct upages_pfns_ref *ref)
{
	ref->c = ULONG_MAX;	/* no chunk has that number */
}

int upages_pfns_record(struct upages_pfns *pfns, struct upages_pfns_ref *ref,
		       unsigned long first, unsigned long npages,
		       unsigned long pfn);
unsigned long *upages_pfns_slots(struct upages_pfns *pfns,
				 struct upages_pfns_ref *ref,
				 unsigned long first, unsigned long npages);
void upages_pfns_forget_chunk(struct upages_pfns *pfns, unsigned long index);
void upages_pfns_drop_array(struct upages_pfns *pfns, unsigned long index);

/* What upages_pfns_run_state() found in a chunk */
enum upages_chunk_state {
	UPAGES_CHUNK_EMPTY,	/* no entry */
	UPAGES_CHUNK_SAME_RUN,	/* the run value the caller asked about */
	UPAGES_CHUNK_OTHER,	/* another run value, or an array */
};

enum upages_chunk_state upages_pfns_run_state(struct upages_pfns *pfns,
					      struct upages_pfns_ref *ref,
					      unsigned long index,
					      unsigned long pfn);
unsigned long upages_pfns_piece(struct upages_pfns *pfns,
				struct upages_pfns_ref *ref,
				unsigned long index, unsigned long last,
				unsigned long *pfn, const unsigned long **slots);

#endif
