/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding physically contiguous runs in the page array pin_user_pages*()
 * returned, for pages.c only: a part of the pinned-pages layer.
 *
 * Neighbouring struct pages are neighbouring pages within a memory section
 * (always, with a virtually contiguous memmap), so a run is found by
 * comparing pointers and only the first page of a section needs
 * page_to_pfn(), which without SPARSEMEM_VMEMMAP is a section lookup.
 */
#ifndef __IOMMUFD_PAGES_RUNS_H
#define __IOMMUFD_PAGES_RUNS_H

#include <linux/mm.h>

/*
 * The PFN of *@page given that @page[-1] is at @prev_pfn.  Neighbouring
 * page structs are neighbouring pages within a memory section (always, with
 * a virtually contiguous memmap), so the usual case costs a compare instead
 * of a page_to_pfn(), which without SPARSEMEM_VMEMMAP is a section lookup.
 */
static inline unsigned long upages_next_pfn(struct page **page,
					    unsigned long prev_pfn)
{
	bool same_section = true;

#if defined(CONFIG_SPARSEMEM) && !defined(CONFIG_SPARSEMEM_VMEMMAP)
	same_section = (prev_pfn + 1) & (PAGES_PER_SECTION - 1);
#endif
	if (page[0] == page[-1] + 1 && same_section)
		return prev_pfn + 1;
	return page_to_pfn(page[0]);
}

/*
 * The PFNs from @pfn to the end of its memory section, where the struct
 * pages stop following each other; all of them with a virtually
 * contiguous memmap, where they always do
 */
static inline unsigned long upages_section_left(unsigned long pfn)
{
#if defined(CONFIG_SPARSEMEM) && !defined(CONFIG_SPARSEMEM_VMEMMAP)
	return PAGES_PER_SECTION - (pfn & (PAGES_PER_SECTION - 1));
#else
	return ULONG_MAX;
#endif
}

/* Whether the struct page of @pfn may not follow that of @pfn - 1 */
static inline bool upages_section_start(unsigned long pfn)
{
#if defined(CONFIG_SPARSEMEM) && !defined(CONFIG_SPARSEMEM_VMEMMAP)
	return !(pfn & (PAGES_PER_SECTION - 1));
#else
	return false;
#endif
}

/* Nonzero unless @p[0..7] are @next and the seven struct pages after it */
static inline unsigned long upages_ptr_diff8(struct page **p,
					     struct page *next)
{
	unsigned long n = (unsigned long)next;
	const unsigned long sz = sizeof(*next);

	return (((unsigned long)p[0] ^ n) | ((unsigned long)p[1] ^ (n + sz)) |
		((unsigned long)p[2] ^ (n + 2 * sz)) |
		((unsigned long)p[3] ^ (n + 3 * sz)) |
		((unsigned long)p[4] ^ (n + 4 * sz)) |
		((unsigned long)p[5] ^ (n + 5 * sz)) |
		((unsigned long)p[6] ^ (n + 6 * sz)) |
		((unsigned long)p[7] ^ (n + 7 * sz)));
}

/*
 * The first index from @i (at least 1) up to @stop whose page pointer does
 * not follow the one before it, or @stop.  Eight at a time, unrolled: a
 * THP is 512 pointers to compare, and one branch per eight keeps that at
 * about three instructions per page.
 */
static inline unsigned long upages_ptr_run(struct page **list,
					   unsigned long i, unsigned long stop)
{
	struct page *next = list[i - 1] + 1;

	for (; stop - i >= 8; i += 8, next += 8)
		if (upages_ptr_diff8(list + i, next))
			break;
	for (; i != stop; i++)
		if (list[i] != list[i - 1] + 1)
			break;
	return i;
}

/*
 * Number of leading pages of @list that follow @pfn, the first one's PFN.
 * Within a memory section that is a compare of neighbouring pointers (a THP
 * is 512 of them); only the first page of a section needs its PFN.
 */
static inline unsigned long upages_contig_pages(struct page **list,
						unsigned long n,
						unsigned long pfn)
{
	unsigned long i = 1, stop, left;

	while (i != n) {
		left = upages_section_left(pfn + i);
		stop = n - i > left ? i + left : n;
		/* A new section: its first page must be checked by PFN */
		if (upages_section_start(pfn + i)) {
			if (page_to_pfn(list[i]) != pfn + i)
				return i;
			i++;
		}
		i = upages_ptr_run(list, i, stop);
		if (i != stop)
			return i;
	}
	return n;
}

#endif
