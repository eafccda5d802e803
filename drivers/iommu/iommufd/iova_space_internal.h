/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the IOVA bookkeeping layer, shared by its files and included
 * by nothing else: iova_space.c (the table, reserved and allowed ranges,
 * options, accesses), iova_map.c (mapping, copying), iova_unmap.c
 * (unmapping) and iova_domain.c (filling domains, dirty tracking).
 */
#ifndef __IOMMUFD_IOVA_SPACE_INTERNAL_H
#define __IOMMUFD_IOVA_SPACE_INTERNAL_H

#include "iova_space.h"

static inline unsigned long isp_seg_iova(struct isp_seg *seg)
{
	return seg->node.start;
}

static inline unsigned long isp_seg_length(struct isp_seg *seg)
{
	return seg->node.last - seg->node.start + 1;
}

/* A published mapping, not the placeholder of a map in progress */
static inline bool isp_seg_live(struct isp_seg *seg)
{
	return seg->gen;
}

/*
 * Are the mappings held pinned?  While there are domains, or while the
 * user asked for it (isp_set_pin_always()).  Stable under either side of
 * dom_rwsem.
 */
static inline bool isp_pins(struct iova_space *isp)
{
	return isp->ndomains || isp->pin_always;
}

static inline struct isp_seg *
isp_seg_from_node(struct interval_tree_node *node)
{
	return node ? container_of(node, struct isp_seg, node) : NULL;
}

static inline struct isp_seg *isp_seg_first(struct iova_space *isp,
					    unsigned long start,
					    unsigned long last)
{
	return isp_seg_from_node(interval_tree_iter_first(&isp->seg_tree,
							  start, last));
}

/* Segments never overlap, so the ones after @segment start beyond its start */
static inline struct isp_seg *isp_seg_next(struct isp_seg *seg,
					   unsigned long last)
{
	return isp_seg_from_node(interval_tree_iter_next(&seg->node,
							 seg->node.start,
							 last));
}

/* Byte offset in the segment's pages object of @iova */
static inline unsigned long isp_seg_offset(struct isp_seg *seg,
					   unsigned long iova)
{
	return seg->pages_offset + (iova - isp_seg_iova(seg));
}

/*
 * Does a mapping of @length bytes at @iova, backed by memory starting at
 * byte @pages_offset of its pages object, respect @align?  Below PAGE_SIZE
 * the offset inside the CPU page must be aligned as well, because the
 * physical address is the page's plus that offset.
 */
static inline bool isp_span_aligned(unsigned long iova,
				    unsigned long length,
				    unsigned long pages_offset,
				    unsigned long align)
{
	return !(iova % align) && !(length % align) &&
	       !(pages_offset % min(align, PAGE_SIZE));
}

/* iova_space.c */
unsigned long isp_calc_alignment(struct iova_space *isp);
int isp_update_alignment(struct iova_space *isp);
int __isp_reserve(struct iova_space *isp, unsigned long start,
		  unsigned long last, void *tag);
void __isp_unreserve_tag(struct iova_space *isp, void *tag);
void isp_notify_accesses(struct iova_space *isp, unsigned long iova,
			 unsigned long length);

/* iova_map.c */
struct isp_seg *isp_seg_alloc(struct upages *pages, unsigned long pages_offset,
			      unsigned long iova, unsigned long length,
			      int iommu_prot);
void isp_seg_free(struct isp_seg *seg);
void isp_seg_set_source(struct iova_space *isp, struct isp_seg *seg,
			struct iommu_domain *except);
int isp_seg_map_domain(struct iova_space *isp, struct isp_seg *seg,
		       struct iommu_domain *domain);
void isp_seg_destroy(struct iova_space *isp, struct isp_seg *seg);
int isp_check_contig(struct iova_space *isp, unsigned long iova,
		     unsigned long last, bool check_access, unsigned int flags);

#endif
