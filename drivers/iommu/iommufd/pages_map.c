// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping pinned pages into iommu_domains, a part of the pinned-pages layer:
 * from the PFN store by runs (upages_map()), or run by run as pages.c pins
 * and records them (struct upages_map_req); and unmapping a range.
 *
 * Each run of physically contiguous pages goes to the domain in one
 * iommu_map() call, so the iommu core picks the largest IOPTEs the domain,
 * the alignment and the run allow; a range is unmapped with one
 * iommu_unmap_fast() call and one IOTLB flush.
 */
#include <linux/iommu.h>
#include <linux/mm.h>

#include "pages.h"
#include "pages_dmabuf.h"
#include "pages_map.h"

/**
 * upages_unmap_domain - remove a range of IOVA from a domain
 * @domain: the domain
 * @iova: first IOVA, the start of a range mapped by upages_map()
 * @length: bytes, ending where such a range ends
 *
 * One call to the driver for the whole range, one IOTLB flush.
 */
void upages_unmap_domain(struct iommu_domain *domain, unsigned long iova,
			 unsigned long length)
{
	struct iommu_iotlb_gather tlb;
	size_t unmapped;

	if (!length)
		return;
	iommu_iotlb_gather_init(&tlb);
	unmapped = iommu_unmap_fast(domain, iova, length, &tlb);
	iommu_iotlb_sync(domain, &tlb);
	WARN_ON(unmapped != length);
}

/* Map @length bytes at @paddr, in one call unless !@large_pages */
int upages_map_run(struct iommu_domain *domain, unsigned long iova,
		   phys_addr_t paddr, unsigned long length, int prot,
		   bool large_pages)
{
	unsigned long done = 0;
	int rc;

	if (large_pages)
		return iommu_map(domain, iova, paddr, length, prot,
				 GFP_KERNEL_ACCOUNT);

	while (done < length) {
		unsigned long n = min(length - done,
				      PAGE_SIZE - ((paddr + done) & ~PAGE_MASK));

		rc = iommu_map(domain, iova + done, paddr + done, n, prot,
			       GFP_KERNEL_ACCOUNT);
		if (rc) {
			upages_unmap_domain(domain, iova, done);
			return rc;
		}
		done += n;
	}
	return 0;
}

/**
 * upages_map - map held pages into a domain
 * @pages: pages object; the range must be held (upages_hold())
 * @domain: target domain
 * @iova: IOVA of the first byte
 * @offset: byte offset in @pages of the first byte
 * @length: bytes to map, not zero
 * @prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 * @large_pages: false to map at most one CPU page per IOPTE
 *
 * Each run of physically contiguous pages is mapped with one iommu_map()
 * call so the driver can use its largest page sizes.  Takes pages->mutex.
 * A pages object of a dma-buf maps its physical range, or nothing once the
 * exporter revoked it; undo it with upages_unmap().
 *
 * Return: 0, or a negative errno with nothing left mapped.
 */
int upages_map(struct upages *pages, struct iommu_domain *domain,
	       unsigned long iova, unsigned long offset,
	       unsigned long length, int prot, bool large_pages)
{
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = (offset + length - 1) >> PAGE_SHIFT;
	unsigned long skip = offset & ~PAGE_MASK;
	unsigned long mapped = 0;
	struct upages_pfns_walk walk;
	int rc;

	if (pages->dmabuf)
		return upages_dmabuf_map(pages, domain, iova, offset, length,
					 prot, large_pages);
	mutex_lock(&pages->mutex);
	upages_pfns_walk_start(&walk, &pages->pfns, first, last);
	while (upages_pfns_walk_next(&walk)) {
		unsigned long len = (walk.npages << PAGE_SHIFT) - skip;

		len = min(len, length - mapped);
		rc = upages_map_run(domain, iova + mapped,
				    PFN_PHYS(walk.pfn) + skip, len, prot,
				    large_pages);
		if (rc)
			goto err_unmap;
		mapped += len;
		skip = 0;
	}
	rc = walk.error;
	if (rc)
		goto err_unmap;
	mutex_unlock(&pages->mutex);
	return 0;

err_unmap:
	mutex_unlock(&pages->mutex);
	upages_unmap_domain(domain, iova, mapped);
	return rc;
}

/**
 * upages_unmap - undo upages_map()
 * @pages: the pages object passed to upages_map()
 * @domain: the domain
 * @iova: the IOVA passed to upages_map()
 * @length: the length passed to upages_map()
 *
 * For a pages object of a dma-buf, unmaps only what is still mapped: the
 * exporter may have revoked it meanwhile.
 */
void upages_unmap(struct upages *pages, struct iommu_domain *domain,
		  unsigned long iova, unsigned long length)
{
	if (pages->dmabuf)
		upages_dmabuf_unmap(pages, domain, iova, length);
	else
		upages_unmap_domain(domain, iova, length);
}

/* Map the pending run of @req into each of its domains */
int upages_req_flush(struct upages_map_req *req)
{
	unsigned long skip = req->mapped ? 0 : req->offset & ~PAGE_MASK;
	unsigned long len = (req->run_npages << PAGE_SHIFT) - skip;
	unsigned int i;
	int rc;

	if (!req->run_npages)
		return 0;
	len = min(len, req->length - req->mapped);
	for (i = 0; i != req->ndomains; i++) {
		rc = upages_map_run(req->domains[i], req->iova + req->mapped,
				    PFN_PHYS(req->run_pfn) + skip, len,
				    req->prot, req->large_pages);
		if (rc)
			goto err_unmap;
	}
	req->mapped += len;
	req->run_npages = 0;
	return 0;

err_unmap:
	while (i--)
		upages_unmap_domain(req->domains[i], req->iova + req->mapped,
				    len);
	return rc;
}

/**
 * upages_req_next - map the pending run of a request and start another
 * @req: the request
 * @index: first page index of the new run
 * @pfn: its PFN
 * @npages: its length in pages
 *
 * For upages_req_add(), when the new run does not continue the pending one.
 *
 * Return: 0, or the error of mapping the pending run (nothing of it mapped).
 */
int upages_req_next(struct upages_map_req *req, unsigned long index,
		    unsigned long pfn, unsigned long npages)
{
	int rc = upages_req_flush(req);

	if (rc)
		return rc;
	req->run_index = index;
	req->run_pfn = pfn;
	req->run_npages = npages;
	return 0;
}

/* Unmap what @req has mapped */
void upages_req_unmap(struct upages_map_req *req)
{
	unsigned int i;

	for (i = 0; i != req->ndomains; i++)
		upages_unmap_domain(req->domains[i], req->iova, req->mapped);
	req->mapped = 0;
}
