/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the pinned-pages layer share among themselves and the
 * layers above do not use: holding under the pages object's mutex
 * (pages.c), reading the PFNs of pinned pages whether the store records
 * them or a domain does (pages_source.c).
 */
#ifndef __IOMMUFD_PAGES_INTERNAL_H
#define __IOMMUFD_PAGES_INTERNAL_H

#include "pages.h"

/* PFNs read back from a domain per piece */
#define UPAGES_READ_BATCH 32

/**
 * struct upages_reader - a cursor for upages_read_piece()
 * @ref: the store's cursor
 * @buf: PFNs read back from a domain for the current piece
 */
struct upages_reader {
	struct upages_pfns_ref ref;
	unsigned long buf[UPAGES_READ_BATCH];
};

static inline void upages_reader_init(struct upages_reader *rd)
{
	upages_pfns_ref_init(&rd->ref);
}

unsigned long upages_read_piece(struct upages *pages, struct upages_reader *rd,
				unsigned long index, unsigned long last,
				unsigned long *pfn, const unsigned long **slots);
bool upages_chunk_recording(struct upages *pages, unsigned long index);
int upages_materialize(struct upages *pages, unsigned long first,
		       unsigned long last);
void upages_trim(struct upages *pages, unsigned long first,
		 unsigned long last);
void upages_insert_holder(struct upages *pages, struct upages_holder *holder);
void upages_remove_holder(struct upages *pages, struct upages_holder *holder);
void upages_release_sourced(struct upages *pages,
			    struct upages_holder *holder);

/* pages.c */
int upages_hold_locked(struct upages *pages, struct upages_holder *holder);
void upages_release_locked(struct upages *pages,
			   struct upages_holder *holder);
void upages_forget(struct upages *pages, unsigned long first,
		   unsigned long last);

#endif
