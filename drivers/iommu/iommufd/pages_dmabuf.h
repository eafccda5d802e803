/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pages objects of dma-bufs (pages_dmabuf.c), for pages.c, pages_map.c and
 * pages_acct.c only: a part of the pinned-pages layer that the layers above
 * reach through pages.h.
 */
#ifndef __IOMMUFD_PAGES_DMABUF_H
#define __IOMMUFD_PAGES_DMABUF_H

#include "pages.h"

struct upages *upages_alloc(unsigned long start, unsigned long last,
			    bool writable, enum iommufd_account_mode mode);
void upages_free_now(struct upages *pages);

void upages_dmabuf_free(struct upages *pages);
int upages_dmabuf_map(struct upages *pages, struct iommu_domain *domain,
		      unsigned long iova, unsigned long offset,
		      unsigned long length, int prot, bool large_pages);
void upages_dmabuf_unmap(struct upages *pages, struct iommu_domain *domain,
			 unsigned long iova, unsigned long length);

int upages_map_run(struct iommu_domain *domain, unsigned long iova,
		   phys_addr_t paddr, unsigned long length, int prot,
		   bool large_pages);

#endif
