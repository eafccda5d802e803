/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd IOVA bookkeeping layer: an io_pagetable is the set of IOVA ranges
 * (areas) of one IOAS, each backed by a slice of a pinned-pages object,
 * together with the reserved and allowed IOVA ranges, the iommu_domains the
 * areas are mirrored into and the in-kernel accesses that may pin them.
 *
 * Layer: IOVA bookkeeping.  Included by ioas.[ch] and by the device / HWPT /
 * access / selftest code.  It includes pages.h (the layer below) and must
 * never include anything of the layers above it; it tells them about
 * unmaps only through the callback in struct iopt_access_link.
 *
 * Locking, outermost first:
 *   iopt->access_rwsem  - the access list (write side also takes the next two)
 *   iopt->domains_rwsem - the domain list; read-held while mapping so the
 *                         domain set is stable
 *   iopt->iova_rwsem    - the three interval trees and the area fields
 *   pages->mutex        - the pinned-pages state (pages.h)
 * The accesses' unmap callbacks are called with none of these held; a
 * per-link in-flight count lets iopt_remove_access() wait for them.
 */
#ifndef __IOMMUFD_IO_PAGETABLE_H
#define __IOMMUFD_IO_PAGETABLE_H

#include <linux/atomic.h>
#include <linux/interval_tree.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "pages.h"

struct device;
struct iommu_domain;
struct iommu_iova_range;
struct page;

/**
 * struct io_pagetable - IOVA bookkeeping of one IOAS
 * @domains_rwsem: protects @domains, @next_domain_id and @iova_alignment
 *	updates; read-held while mapping so the domain set is stable
 * @domains: index -> struct iommu_domain * of every domain the areas are
 *	mirrored into
 * @ndomains: number of entries in @domains
 * @iova_rwsem: protects @area_itree, @allowed_itree, @reserved_itree and
 *	the mutable fields of every area
 * @area_itree: struct iopt_area by IOVA range
 * @allowed_itree: struct iopt_allowed; if not empty, automatic IOVA
 *	allocation only picks IOVA inside these ranges
 * @reserved_itree: struct iopt_reserved; IOVA that may never be mapped
 * @access_rwsem: protects walking @access_list against changes
 * @access_list: index -> struct iopt_access_link of the attached accesses;
 *	changed with @access_rwsem, @domains_rwsem and @iova_rwsem all
 *	write-held, so holding any of them keeps it stable
 * @access_wait: woken when an unmap callback returns
 * @iova_alignment: every area's IOVA and length is a multiple of this; the
 *	largest minimum page size of the domains and the accesses' alignment
 * @disable_large_pages: map PAGE_SIZE at a time (IOMMU_OPTION_HUGE_PAGES=0)
 */
struct io_pagetable {
	struct rw_semaphore domains_rwsem;
	struct xarray domains;
	unsigned int ndomains;

	struct rw_semaphore iova_rwsem;
	struct rb_root_cached area_itree;
	struct rb_root_cached allowed_itree;
	struct rb_root_cached reserved_itree;

	struct rw_semaphore access_rwsem;
	struct xarray access_list;
	wait_queue_head_t access_wait;

	unsigned long iova_alignment;
	bool disable_large_pages;
};

/**
 * struct iopt_area - one mapping: an IOVA range backed by pinned pages
 * @node: IOVA range [start, last] in &io_pagetable.area_itree
 * @pages_node: the page-index range this area holds pinned in @pages while
 *	the io_pagetable has at least one domain (@held)
 * @pages: backing pages (one reference)
 * @pages_offset: byte offset in @pages of the area's first IOVA
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 * @held: @pages_node is inserted in @pages (the area is in the domains)
 * @prevent_access: an unmap is in progress; new access pins are refused
 * @num_accesses: number of access pins currently held on this area;
 *	changed under the read side of iova_rwsem, tested under the write side
 */
struct iopt_area {
	struct interval_tree_node node;
	struct interval_tree_node pages_node;
	struct iopt_pages *pages;
	unsigned long pages_offset;
	int iommu_prot;
	bool held;
	bool prevent_access;
	atomic_t num_accesses;
};

/**
 * struct iopt_access_link - registration of an in-kernel access user
 * @unmap: called (sleepable, no iopt lock held) when [@iova, @iova +
 *	@length) is about to be unmapped; must drop every pin the access holds
 *	that intersects the range before returning.  It may call
 *	iopt_access_unpin_pages() but not iopt_add_access() /
 *	iopt_remove_access() on the same io_pagetable.  Conversely
 *	iopt_remove_access() waits for running callbacks of its link, so it
 *	must not be called holding a lock the callback takes while the
 *	access still holds pins.
 * @iova_alignment: required IOVA alignment (PAGE_SIZE for accesses that pin
 *	pages, 1 for read/write only accesses)
 * @index: filled by iopt_add_access(); owned by the io_pagetable
 * @in_flight: running unmap callbacks; owned by the io_pagetable
 *
 * Embedded in the access object; the callback is how the io_pagetable tells
 * the layer above about unmaps without depending on it.
 */
struct iopt_access_link {
	void (*unmap)(struct iopt_access_link *link, unsigned long iova,
		      unsigned long length);
	unsigned long iova_alignment;
	u32 index;
	atomic_t in_flight;
};

/* Flags of iopt_access_pin_pages() and iopt_access_rw() */
enum {
	IOPT_ACCESS_WRITE = 1 << 0,	/* == IOMMUFD_ACCESS_RW_WRITE */
	IOPT_ACCESS_KTHREAD = 1 << 1,	/* == IOMMUFD_ACCESS_RW_KTHREAD */
	IOPT_ACCESS_SLOW_PATH = 1 << 2,	/* == __IOMMUFD_ACCESS_RW_SLOW_PATH */
};

/* Number of rounds IOAS_UNMAP asks accesses to let go before -EDEADLOCK */
#define IOPT_UNMAP_ACCESS_RETRIES 100

void iopt_init_table(struct io_pagetable *iopt);
void iopt_destroy_table(struct io_pagetable *iopt);

/* IOVA space management (ioas.c) */
int iopt_map_user_pages(struct io_pagetable *iopt, unsigned long *iova,
			void __user *uptr, unsigned long length, int iommu_prot,
			enum iommufd_account_mode mode, bool fixed_iova);
int iopt_copy_iova(struct io_pagetable *dst, unsigned long *dst_iova,
		   struct io_pagetable *src, unsigned long src_iova,
		   unsigned long length, int iommu_prot, bool fixed_iova);
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped);
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped);
int iopt_set_allow_iova(struct io_pagetable *iopt,
			const struct iommu_iova_range *ranges,
			unsigned int nranges);
int iopt_get_allowed_ranges(struct io_pagetable *iopt,
			    int (*fn)(void *data, unsigned long start,
				      unsigned long last),
			    void *data);
void iopt_set_large_pages(struct io_pagetable *iopt, bool enable);
unsigned long iopt_syz_iova_to_iova(struct io_pagetable *iopt, u64 syz_iova);

/* Reserved IOVA; @owner NULL means "until the table is destroyed" */
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, void *owner);
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner);
int iopt_table_enforce_dev_resv_regions(struct io_pagetable *iopt,
					struct device *dev,
					phys_addr_t *sw_msi_start);

/* Domains (hw_pagetable.c / device.c) */
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain);
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain);

/* Dirty tracking of a domain (hw_pagetable.c) */
int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable);
int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct iommu_domain *domain,
				   unsigned long flags, unsigned long iova,
				   unsigned long length,
				   unsigned long page_size, u64 __user *data);

/* In-kernel accesses (access.c) */
int iopt_add_access(struct io_pagetable *iopt, struct iopt_access_link *link);
void iopt_remove_access(struct io_pagetable *iopt,
			struct iopt_access_link *link);
int iopt_access_pin_pages(struct io_pagetable *iopt, unsigned long iova,
			  unsigned long length, struct page **out_pages,
			  unsigned int flags);
void iopt_access_unpin_pages(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long length);
int iopt_access_rw(struct io_pagetable *iopt, unsigned long iova, void *data,
		   unsigned long length, unsigned int flags);

#endif
