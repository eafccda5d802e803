// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping pinned pages into iommu_domains, a part of the pinned-pages layer:
 * from the PFN store (upages_map()), or piece by piece as pages.c pins and
 * records them (struct upages_map_req); and unmapping a range.
 *
 * Each run of physically contiguous pages that may fill a large IOPTE goes
 * to the domain in one iommu_map() call, so the iommu core picks the
 * largest IOPTEs the domain, the alignment and the run allow.  The pages of
 * a scattered chunk, which cannot, go in one iommu_map_pfns() call per
 * chunk instead of one iommu_map() per page: the driver walks to the leaf
 * table once for up to a chunk's worth of IOPTEs.  A range is unmapped with
 * one iommu_unmap_fast() call and one IOTLB flush.
 */
#include <linux/iommu.h>
#include <linux/mm.h>

#include "pages.h"
#include "pages_dmabuf.h"
#include "pages_internal.h"
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
 * Each run of physically contiguous pages that may fill a large IOPTE is
 * mapped with one iommu_map() call so the driver can use its largest page
 * sizes; the other pages of a scattered chunk go with one iommu_map_pfns()
 * per chunk, or per batch of the PFNs read back from another domain.
 * Takes pages->mutex.  A pages object of a dma-buf maps its physical range,
 * or nothing once the exporter revoked it; undo it with upages_unmap().
 *
 * Return: 0, or a negative errno with nothing left mapped.
 */
int upages_map(struct upages *pages, struct iommu_domain *domain,
	       unsigned long iova, unsigned long offset,
	       unsigned long length, int prot, bool large_pages)
{
	struct upages_map_req req = {
		.domains = &domain,
		.ndomains = 1,
		.iova = iova,
		.offset = offset,
		.length = length,
		.prot = prot,
		.large_pages = large_pages,
	};
	unsigned long index = offset >> PAGE_SHIFT;
	unsigned long last = (offset + length - 1) >> PAGE_SHIFT;
	const unsigned long *slots;
	struct upages_reader rd;
	unsigned long pfn, n;
	int rc = 0;

	if (pages->dmabuf)
		return upages_dmabuf_map(pages, domain, iova, offset, length,
					 prot, large_pages);
	upages_reader_init(&rd);
	mutex_lock(&pages->mutex);
	for (; index <= last; index += n) {
		n = upages_read_piece(pages, &rd, index, last, &pfn, &slots);
		if (WARN_ON(!n)) {
			rc = -EINVAL;
			break;
		}
		if (slots)
			rc = upages_req_add_pfns(&req, index, slots, n);
		else
			rc = upages_req_add(&req, index, pfn, n);
		if (rc)
			break;
	}
	if (!rc)
		rc = upages_req_flush(&req);
	mutex_unlock(&pages->mutex);
	if (rc)
		upages_req_unmap(&req);
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

/*
 * Map @n single pages at the IOVA where @req has got to, page i at
 * @pfns[i], into each domain of @req with one call per domain
 */
static int upages_req_map_pfns(struct upages_map_req *req,
			       const unsigned long *pfns, unsigned long n)
{
	unsigned long iova = req->iova + req->mapped;
	unsigned int i;
	int rc;

	for (i = 0; i != req->ndomains; i++) {
		rc = iommu_map_pfns(req->domains[i], iova, pfns, n, req->prot,
				    GFP_KERNEL_ACCOUNT);
		if (rc)
			goto err_unmap;
	}
	req->mapped += n << PAGE_SHIFT;
	return 0;

err_unmap:
	while (i--)
		upages_unmap_domain(req->domains[i], iova, n << PAGE_SHIFT);
	return rc;
}

/**
 * upages_req_add_pfns - hand the pages of a scattered chunk to a request
 * @req: the request
 * @index: page index of @pfns[0]
 * @pfns: the PFN of each page, in page index order, all in one chunk
 * @n: number of pages, at least one
 *
 * The leading and the trailing run of the pages are added as runs
 * (upages_req_add()): they may continue runs of the neighbouring chunks and
 * fill large IOPTEs together.  No other run can (a chunk holds a PMD's
 * worth of pages and this one is not one run), so the pages between them
 * go to each domain in one iommu_map_pfns() call, which writes a leaf
 * table of IOPTEs in one step where the driver can.
 *
 * Return: 0, or the error of mapping (nothing of what failed mapped).
 */
int upages_req_add_pfns(struct upages_map_req *req, unsigned long index,
			const unsigned long *pfns, unsigned long n)
{
	unsigned long head, tail, mid;
	int rc;

	for (head = 1; head != n && pfns[head] == pfns[0] + head; head++)
		;
	rc = upages_req_add(req, index, pfns[0], head);
	if (rc || head == n)
		return rc;
	for (tail = 1; head + tail != n && pfns[n - 1 - tail] + tail ==
					   pfns[n - 1]; tail++)
		;
	mid = n - head - tail;
	if (mid) {
		rc = upages_req_flush(req);
		if (rc)
			return rc;
		/* Whole pages: neither the first nor the last of @req */
		rc = upages_req_map_pfns(req, pfns + head, mid);
		if (rc)
			return rc;
	}
	return upages_req_add(req, index + head + mid, pfns[head + mid],
			      tail);
}

/* Unmap what @req has mapped */
void upages_req_unmap(struct upages_map_req *req)
{
	unsigned int i;

	for (i = 0; i != req->ndomains; i++)
		upages_unmap_domain(req->domains[i], req->iova, req->mapped);
	req->mapped = 0;
}
