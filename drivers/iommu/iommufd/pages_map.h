/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mapping runs as they are pinned (pages_map.c), for pages.c only: a part
 * of the pinned-pages layer that the layers above do not use.
 */
#ifndef __IOMMUFD_PAGES_MAP_H
#define __IOMMUFD_PAGES_MAP_H

#include "pages.h"

int upages_req_next(struct upages_map_req *req, unsigned long index,
		    unsigned long pfn, unsigned long npages);
int upages_req_flush(struct upages_map_req *req);
int upages_req_add_pfns(struct upages_map_req *req, unsigned long index,
			const unsigned long *pfns, unsigned long n);
void upages_req_unmap(struct upages_map_req *req);

/**
 * upages_req_add - hand a run of pinned pages to a request
 * @req: the request
 * @index: first page index of the run
 * @pfn: its PFN
 * @npages: its length in pages
 *
 * Runs that continue each other are joined and mapped together when one
 * that does not comes (or at upages_req_flush()), so the iommu core can
 * pick large IOPTEs across batches and chunks.  Inline: scattered memory
 * hands one run per page.
 *
 * Return: 0, or the error of mapping the run before it.
 */
static inline int upages_req_add(struct upages_map_req *req,
				 unsigned long index, unsigned long pfn,
				 unsigned long npages)
{
	if (req->run_npages && index == req->run_index + req->run_npages &&
	    pfn == req->run_pfn + req->run_npages) {
		req->run_npages += npages;
		return 0;
	}
	return upages_req_next(req, index, pfn, npages);
}

#endif
