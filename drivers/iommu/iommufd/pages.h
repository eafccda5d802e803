/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd pinned-pages layer: a range of user memory (struct iopt_pages)
 * that is pinned on demand, accounted against RLIMIT_MEMLOCK and mapped into
 * iommu_domains.
 *
 * Layer: pages, the lowest iommufd layer; only iommu domains are below it.
 * Included by io_pagetable.c/pages.c.  The upper layers use it only for the
 * temporary memory limit (selftest) and must otherwise go through
 * io_pagetable.h.  It includes object.h only for enum iommufd_account_mode.
 */
#ifndef __IOMMUFD_PAGES_H
#define __IOMMUFD_PAGES_H

#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "object.h"

struct iommu_domain;
struct mm_struct;
struct page;
struct task_struct;
struct user_struct;

/*
 * Upper bound, in bytes, of each temporary allocation made while pinning
 * (the array of page pointers handed to pin_user_pages*()).  65536 by
 * default; the test mock (IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT) may lower it
 * down to 12 bytes to force tiny batches.  Read once per operation.
 */
extern unsigned int iommufd_temp_memory_limit;

/**
 * struct iopt_pages - a range of user memory that may be pinned
 * @kref: one reference per area (IOAS_MAP and every IOAS_COPY of it)
 * @mutex: protects every field below it
 * @uptr: page aligned user address of page index 0
 * @npages: number of CPU pages covered
 * @writable: pinned for write (FOLL_WRITE) and dirtied on unpin
 * @account_mode: how @npinned is charged; captured at creation
 * @no_limit: the creator had CAP_IPC_LOCK: charge but never refuse
 * @source_task: task that created the mapping (RLIMIT_MEMLOCK, CAP_IPC_LOCK)
 * @source_mm: its mm (grabbed, not mmget'ed: pins after exit fail -EFAULT)
 * @source_user: its user (IOMMUFD_ACCOUNT_USER)
 * @npinned: number of pages pinned and accounted right now
 * @pfns: page index -> xa_mk_value(pfn) for every pinned page.  A page is
 *	pinned exactly when some holder covers it.
 * @holders: interval tree of page index ranges that must stay pinned (an
 *	area mapped into at least one domain, or an in-kernel access pin).
 *	Pins are not counted per holder: a page is pinned once however many
 *	holders cover it.
 * @access_itree: the in-kernel access pins, by page index range, each
 *	counting how many times that exact range is pinned; every one also
 *	has a node in @holders
 */
struct iopt_pages {
	struct kref kref;
	struct mutex mutex; /* protects the fields below */
	void __user *uptr;
	unsigned long npages;
	bool writable;
	enum iommufd_account_mode account_mode;
	bool no_limit;
	struct task_struct *source_task;
	struct mm_struct *source_mm;
	struct user_struct *source_user;

	unsigned long npinned;
	struct xarray pfns;
	struct rb_root_cached holders;
	struct rb_root_cached access_itree;
};

struct iopt_pages *iopt_alloc_pages(void __user *uptr, unsigned long length,
				    bool writable,
				    enum iommufd_account_mode mode);
void iopt_put_pages(struct iopt_pages *pages);

/**
 * iopt_get_pages - take another reference on a pages object
 * @pages: pages the caller holds a reference on
 */
static inline void iopt_get_pages(struct iopt_pages *pages)
{
	kref_get(&pages->kref);
}

/**
 * iopt_pages_offset - byte offset of a user address inside a pages object
 * @pages: pages object
 * @uptr: user address that created @pages
 *
 * Return: @uptr's offset from the page aligned start of @pages.
 */
static inline unsigned long iopt_pages_offset(struct iopt_pages *pages,
					      void __user *uptr)
{
	return uptr - pages->uptr;
}

int iopt_pages_hold(struct iopt_pages *pages, struct interval_tree_node *node);
void iopt_pages_release(struct iopt_pages *pages,
			struct interval_tree_node *node);

int iopt_pages_access_pin(struct iopt_pages *pages, unsigned long first,
			  unsigned long last, struct page **out_pages);
void iopt_pages_access_unpin(struct iopt_pages *pages, unsigned long first,
			     unsigned long last);
int iopt_pages_rw(struct iopt_pages *pages, unsigned long offset, void *data,
		  unsigned long length, unsigned int flags);

int iopt_pages_map(struct iopt_pages *pages, struct iommu_domain *domain,
		   unsigned long iova, unsigned long offset,
		   unsigned long length, int prot, bool large_pages);
void iopt_domain_unmap(struct iommu_domain *domain, unsigned long iova,
		       unsigned long length);

#endif
