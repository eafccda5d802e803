/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd IOVA bookkeeping layer: an iova_space is the set of IOVA ranges
 * (segments) of one IOAS, each backed by a slice of a pinned-pages object,
 * together with the reserved and allowed IOVA ranges, the iommu_domains the
 * segments are mirrored into and the in-kernel accesses that may pin them.
 *
 * Layer: IOVA bookkeeping.  Included by ioas.[ch] and by the device / HWPT /
 * access / selftest code.  It includes pages.h (the layer below) and must
 * never include anything of the layers above it; it tells them about
 * unmaps only through the callback in struct isp_access_link.
 *
 * Locking, outermost first (the whole order of iommufd is in common.h):
 *   isp->acc_rwsem  - the access list (write side also takes the next two)
 *   isp->dom_rwsem  - the domain list; read-held while a new mapping is
 *                     written into the domains, so the domain set is stable
 *   isp->tree_rwsem - the three interval trees and the segment fields
 *   pages->mutex    - the pinned-pages state (pages.h)
 * The accesses' unmap callbacks are called with none of these held; a
 * per-link in-flight count lets isp_del_access() wait for them.
 *
 * No isp lock is held across GUP or a user copy.  A new mapping is made in
 * three steps: its IOVA is reserved by inserting its segments as
 * placeholders (tree_rwsem), its memory is pinned with no isp lock held,
 * and it is written into the domains and published under dom_rwsem (read)
 * and tree_rwsem.  A placeholder is IOVA in use for allocation, FIXED_IOVA
 * maps, reservations and alignment changes, and a hole for everything else
 * (unmap, accesses, copies, dirty tracking, domain fill): the mapping exists
 * from the moment it is published.  So a pin that stalls (userfaultfd, FUSE)
 * holds up its own call only; domain attach/detach and access registration
 * wait at most for the domain writes of a map in progress, which touch no
 * user memory.
 */
#ifndef __IOMMUFD_IOVA_SPACE_H
#define __IOMMUFD_IOVA_SPACE_H

#include <linux/atomic.h>
#include <linux/interval_tree.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "pages.h"

struct device;
struct dma_buf;
struct file;
struct iommu_domain;
struct page;

/**
 * struct iova_space - IOVA bookkeeping of one IOAS
 * @dom_rwsem: protects @domains, @next_domain_id and @iova_alignment
 *	updates; read-held while mapping so the domain set is stable
 * @domains: index -> struct iommu_domain * of every domain the segments are
 *	mirrored into
 * @ndomains: number of entries in @domains
 * @tree_rwsem: protects @seg_tree, @allow_tree, @resv_tree and
 *	the mutable fields of every segment
 * @seg_tree: struct isp_seg by IOVA range
 * @allow_tree: struct isp_allowed; if not empty, automatic IOVA
 *	allocation only picks IOVA inside these ranges
 * @resv_tree: struct isp_reserved; IOVA that may never be mapped
 * @acc_rwsem: protects walking @accessors against changes
 * @accessors: index -> struct isp_access_link of the attached accesses;
 *	changed with @acc_rwsem, @dom_rwsem and @tree_rwsem all
 *	write-held, so holding any of them keeps it stable
 * @acc_wait: woken when an unmap callback returns
 * @iova_alignment: every segment's IOVA and length is a multiple of this; the
 *	largest minimum page size of the domains, the accesses' alignment and
 *	PAGE_SIZE while @disable_large_pages
 * @disable_large_pages: map PAGE_SIZE at a time (IOMMU_OPTION_HUGE_PAGES=0)
 * @pin_always: number of users that keep the mappings pinned also while
 *	there is no domain (isp_set_pin_always()); changed with @dom_rwsem
 *	and @tree_rwsem write-held
 * @last_gen: generation of the last published mapping (tree_rwsem)
 */
struct iova_space {
	struct rw_semaphore dom_rwsem;
	struct xarray domains;
	unsigned int ndomains;

	struct rw_semaphore tree_rwsem;
	struct rb_root_cached seg_tree;
	struct rb_root_cached allow_tree;
	struct rb_root_cached resv_tree;

	struct rw_semaphore acc_rwsem;
	struct xarray accessors;
	wait_queue_head_t acc_wait;

	unsigned long iova_alignment;
	bool disable_large_pages;
	unsigned int pin_always;
	u64 last_gen;
};

/**
 * struct isp_seg - one mapping: an IOVA range backed by pinned pages
 * @node: IOVA range [start, last] in &iova_space.seg_tree
 * @hold: the page-index range this segment holds pinned in @pages while
 *	the iova_space has at least one domain or pins always (@held); its
 *	source is one of the domains (the first, as a rule) unless the
 *	iova_space pins always (upages_set_source())
 * @pages: backing pages (one reference)
 * @pages_offset: byte offset in @pages of the segment's first IOVA
 * @gen: generation of the IOAS_MAP / IOAS_COPY call that created the
 *	mapping (split parts keep it); 0 while that call has not published
 *	it yet: the segment is then a placeholder, owned by that call
 * @num_accesses: number of access pins currently held on this segment;
 *	changed under the read side of tree_rwsem, tested under the write side
 * @num_locks: how many of those pins lock the segment (ISP_ACCESS_LOCK):
 *	while any does, unmapping it fails with -EBUSY; same locking
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 * @held: @hold is inserted in @pages (the segment is pinned and in the
 *	domains if there are any, or a placeholder pinned for them)
 * @large_ioptes: the segment was mapped into a domain while IOPTEs larger
 *	than a CPU page were allowed, so it cannot be split (an IOPTE may
 *	span the split point)
 * @prevent_access: an unmap is in progress; new access pins are refused
 */
struct isp_seg {
	struct interval_tree_node node;
	struct upages_holder hold;
	struct upages *pages;
	unsigned long pages_offset;
	u64 gen;
	atomic_t num_accesses;
	atomic_t num_locks;
	u8 iommu_prot;
	bool held;
	bool large_ioptes;
	bool prevent_access;
};

/**
 * struct isp_access_link - registration of an in-kernel access user
 * @unmap: called (sleepable, no isp lock held) when [@iova, @iova +
 *	@length) is about to be unmapped; must drop every pin the access holds
 *	that intersects the range before returning.  It may call
 *	isp_access_unpin_pages() but not isp_add_access() /
 *	isp_del_access() on the same iova_space.  Conversely
 *	isp_del_access() waits for running callbacks of its link, so it
 *	must not be called holding a lock the callback takes while the
 *	access still holds pins.
 * @iova_alignment: required IOVA alignment (PAGE_SIZE for accesses that pin
 *	pages, 1 for read/write only accesses)
 * @index: filled by isp_add_access(); owned by the iova_space
 * @in_flight: running unmap callbacks; owned by the iova_space
 *
 * Embedded in the access object; the callback is how the iova_space tells
 * the layer above about unmaps without depending on it.
 */
struct isp_access_link {
	void (*unmap)(struct isp_access_link *link, unsigned long iova,
		      unsigned long length);
	unsigned long iova_alignment;
	u32 index;
	atomic_t in_flight;
};

/*
 * Flags of isp_access_pin_pages() and isp_access_rw(), which pass them
 * down to upages_rw(); access.c checks that they are the kAPI's
 * IOMMUFD_ACCESS_RW_* values
 */
enum {
	ISP_ACCESS_WRITE = UPAGES_RW_WRITE,
	ISP_ACCESS_KTHREAD = UPAGES_RW_KTHREAD,
	ISP_ACCESS_SLOW_PATH = UPAGES_RW_SLOW_PATH,
	/* isp_access_pin_pages() only: the pin refuses unmaps (-EBUSY) */
	ISP_ACCESS_LOCK = 1 << 8,
};

/* Number of rounds IOAS_UNMAP asks accesses to let go before -EDEADLOCK */
#define ISP_UNMAP_ACCESS_RETRIES 100

void isp_init(struct iova_space *isp);
void isp_destroy(struct iova_space *isp);

/**
 * struct isp_allowed_set - a set of allowed IOVA ranges being built
 * @tree: the ranges (struct isp_allowed), none overlapping another
 *
 * Built with isp_allowed_add() outside any isp lock, installed with
 * isp_set_allowed(), freed with isp_allowed_free().
 */
struct isp_allowed_set {
	struct rb_root_cached tree;
};

#define ISP_ALLOWED_SET_INIT { .tree = RB_ROOT_CACHED }

/**
 * struct isp_range - a range of IOVA
 * @start: first IOVA
 * @last: last IOVA, inclusive
 */
struct isp_range {
	u64 start;
	u64 last;
};

/* IOVA space management (ioas.c) */
int isp_map_user_pages(struct iova_space *isp, unsigned long *iova,
		       void __user *uptr, unsigned long length, int iommu_prot,
		       enum iommufd_account_mode mode, bool fixed_iova,
		       u64 *gen);
int isp_map_file_pages(struct iova_space *isp, unsigned long *iova,
		       struct file *file, unsigned long start,
		       unsigned long length, int iommu_prot,
		       enum iommufd_account_mode mode, bool fixed_iova,
		       u64 *gen);
int isp_map_dmabuf(struct iova_space *isp, unsigned long *iova,
		   struct dma_buf *dmabuf, struct device *dev,
		   unsigned long start, unsigned long length, int iommu_prot,
		   bool fixed_iova, u64 *gen);
int isp_collect_pages(struct iova_space *isp, struct upages_move *move);
int isp_copy_iova(struct iova_space *dst, unsigned long *dst_iova,
		  struct iova_space *src, unsigned long src_iova,
		  unsigned long length, int iommu_prot, bool fixed_iova,
		  u64 *gen);
int isp_unmap_range(struct iova_space *isp, unsigned long iova,
		    unsigned long length, unsigned long *bytes);
int isp_unmap_everything(struct iova_space *isp, unsigned long *bytes);
int isp_unmap_inside(struct iova_space *isp, unsigned long iova,
		     unsigned long length, bool split, unsigned long *bytes);
int isp_unmap_gen(struct iova_space *isp, unsigned long iova,
		  unsigned long length, u64 gen);
int isp_allowed_add(struct isp_allowed_set *set, u64 start, u64 last);
void isp_allowed_free(struct isp_allowed_set *set);
int isp_set_allowed(struct iova_space *isp, struct isp_allowed_set *set);
int isp_get_allowed_ranges(struct iova_space *isp, struct isp_range *ranges,
			   u32 max, u32 *count);
int isp_set_large_pages(struct iova_space *isp, bool on);
int isp_set_pin_always(struct iova_space *isp, bool on);
unsigned long isp_page_sizes(struct iova_space *isp);
#ifdef CONFIG_IOMMUFD_TEST
unsigned long isp_syz_iova_to_iova(struct iova_space *isp, u64 syz_iova);
#endif

/* Reserved IOVA; @tag NULL means "until the table is destroyed" */
int isp_reserve(struct iova_space *isp, unsigned long start,
		unsigned long last, void *tag);
void isp_unreserve_tag(struct iova_space *isp, void *tag);
int isp_reserve_dev_regions(struct iova_space *isp,
			    struct device *dev,
			    phys_addr_t *sw_msi_start);

/* Domains (hwpt.c) */
int isp_attach_domain(struct iova_space *isp,
		      struct iommu_domain *domain);
void isp_detach_domain(struct iova_space *isp,
		       struct iommu_domain *domain);

/* Dirty tracking of a domain (hwpt.c) */
int isp_track_dirty(struct iova_space *isp,
		    struct iommu_domain *domain, bool on);
int isp_collect_dirty(struct iova_space *isp,
		      struct iommu_domain *domain,
		      unsigned long flags, unsigned long iova,
		      unsigned long length,
		      unsigned long page_size, u64 __user *data);

/* In-kernel accesses (access.c) */
int isp_add_access(struct iova_space *isp, struct isp_access_link *link);
void isp_del_access(struct iova_space *isp,
		    struct isp_access_link *link);
int isp_access_pin_pages(struct iova_space *isp, unsigned long iova,
			 unsigned long length, struct page **out_pages,
			 unsigned int flags);
void isp_access_unpin_pages(struct iova_space *isp, unsigned long iova,
			    unsigned long length);
void isp_access_unpin_locked(struct iova_space *isp, unsigned long iova,
			     unsigned long length);
bool isp_access_next_pinned(struct iova_space *isp, unsigned long from,
			    unsigned long *start, unsigned long *last);
int isp_access_rw(struct iova_space *isp, unsigned long iova, void *data,
		  unsigned long length, unsigned int flags);

/* Physical addresses of pinned mappings (ioas_noiommu.c) */
int isp_phys(struct iova_space *isp, unsigned long iova,
	     unsigned long length, phys_addr_t *phys, unsigned long *contig);

#endif
