/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd pinned-pages layer: a range of user memory (struct upages)
 * that is pinned on demand, accounted against RLIMIT_MEMLOCK and mapped into
 * iommu_domains.
 *
 * Layer: pages, the lowest iommufd layer; only iommu domains are below it.
 * Included by the iova_space files, pages.c and pages_acct.c; the upper
 * layers go through iova_space.h.  It includes nothing of the layers above.
 */
#ifndef __IOMMUFD_PAGES_H
#define __IOMMUFD_PAGES_H

#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "pages_acct.h"
#include "pages_pfns.h"

struct device;
struct dma_buf;
struct iommu_domain;
struct file;
struct mm_struct;
struct page;
struct task_struct;
struct upages_dmabuf;
struct user_struct;

/**
 * struct upages - a range of user memory that may be pinned
 * @kref: one reference per segment (IOAS_MAP and every IOAS_COPY of it)
 * @mutex: protects every field below it
 * @uptr: page aligned user address of page index 0; for a pages object of
 *	a file, the page aligned file offset of page index 0 (never a user
 *	address then)
 * @file: the shmem or hugetlbfs file whose pages these are, pinned through
 *	it, or NULL for process memory (one reference)
 * @dmabuf: for a pages object of a dma-buf (pages_dmabuf.c), its
 *	attachment, physical range and the domains it is mapped into, under
 *	its own lock; NULL otherwise.  Set at creation.  Such an object pins,
 *	accounts and records nothing.
 * @npages: number of CPU pages covered
 * @writable: pinned for write (FOLL_WRITE) and dirtied on unpin
 * @acct_mode: how @npinned is charged; captured at creation,
 *	IOMMUFD_ACCOUNT_NONE if the creator had CAP_IPC_LOCK
 * @owner_task: task that created the mapping (its RLIMIT_MEMLOCK)
 * @owner_mm: its mm (grabbed, not mmget'ed: pins after exit fail -EFAULT)
 * @owner_user: its user (IOMMUFD_ACCOUNT_USER)
 * @npinned: number of pages pinned and accounted right now
 * @pfns: the PFNs of the pinned pages by runs (pages_pfns.c).  Only
 *	meaningful where a holder covers it; a chunk with no entry there is
 *	read back from a domain (pages_source.c).
 * @holders: interval tree of the &struct upages_holder nodes: page index
 *	ranges that must stay pinned (a segment mapped into at least one
 *	domain, or an in-kernel access pin).  Pins are not counted per
 *	holder: a page is pinned once however many holders cover it.
 * @nrecording: number of holders in @holders without a source domain
 *	(they need the PFNs of every chunk they touch recorded)
 * @access_pins: the in-kernel access pins, by page index range, each
 *	counting how many times that exact range is pinned; every one also
 *	has a node in @holders
 */
struct upages {
	struct kref kref;
	struct mutex mutex; /* protects the fields below; order: common.h */
	void __user *uptr;
	struct file *file;
	struct upages_dmabuf *dmabuf;
	unsigned long npages;
	bool writable;
	enum iommufd_account_mode acct_mode;
	struct task_struct *owner_task;
	struct mm_struct *owner_mm;
	struct user_struct *owner_user;

	unsigned long npinned;
	struct upages_pfns pfns;
	struct rb_root_cached holders;
	unsigned long nrecording;
	struct rb_root_cached access_pins;
};

/**
 * struct upages_holder - a range of a pages object kept pinned
 * @node: the page indexes, in &upages.holders while held
 * @domain: NULL, or the source: a domain that maps every page of the range
 *	at @iova for as long as it is set.  The PFNs of pages that only
 *	sourced holders cover are not recorded but read back from a source,
 *	as the IO page table already says them (upages_set_source()).
 * @iova: IOVA of the first byte in @domain
 * @skip: byte offset of the first byte in page @node.start
 * @length: bytes from the first byte
 *
 * The owner fills it with upages_holder_init() and never changes it while
 * it is held, except through the functions of this layer.
 */
struct upages_holder {
	struct interval_tree_node node;
	struct iommu_domain *domain;
	unsigned long iova;
	unsigned long skip;
	unsigned long length;
};

/**
 * upages_holder_init - describe a holder that has no source
 * @holder: the holder, not held
 * @offset: byte offset of its first byte in the pages object
 * @length: bytes, not zero
 */
static inline void upages_holder_init(struct upages_holder *holder,
				      unsigned long offset,
				      unsigned long length)
{
	holder->node.start = offset >> PAGE_SHIFT;
	holder->node.last = (offset + length - 1) >> PAGE_SHIFT;
	holder->domain = NULL;
	holder->iova = 0;
	holder->skip = offset & ~PAGE_MASK;
	holder->length = length;
}

/* Flags of upages_rw() */
enum {
	UPAGES_RW_WRITE = 1 << 0,	/* write the memory, else read it */
	UPAGES_RW_KTHREAD = 1 << 1,	/* called from a kernel thread */
	UPAGES_RW_SLOW_PATH = 1 << 2,	/* even from the owner, pin and map */
};

struct upages *upages_create(void __user *uptr, unsigned long length,
			     bool writable,
			     enum iommufd_account_mode mode);
struct upages *upages_create_file(struct file *file, u64 start,
				  unsigned long length, bool writable,
				  enum iommufd_account_mode mode);
struct upages *upages_create_dmabuf(struct dma_buf *dmabuf,
				    struct device *dev, u64 start,
				    unsigned long length, bool writable);
bool upages_revoked(struct upages *pages);
int upages_dmabuf_init(void);
void upages_dmabuf_exit(void);
void upages_put(struct upages *pages);

/**
 * upages_get - take another reference on a pages object
 * @pages: pages the caller holds a reference on
 */
static inline void upages_get(struct upages *pages)
{
	kref_get(&pages->kref);
}

/**
 * upages_offset - byte offset of a user address inside a pages object
 * @pages: pages object
 * @uptr: user address that created @pages
 *
 * Return: @uptr's offset from the page aligned start of @pages.
 */
static inline unsigned long upages_offset(struct upages *pages,
					  void __user *uptr)
{
	return uptr - pages->uptr;
}

/**
 * struct upages_map_req - where upages_hold_map() maps what it pins
 * @domains: the domains
 * @ndomains: number of @domains, at least one
 * @iova: IOVA of the first byte
 * @offset: byte offset in the pages object of the first byte
 * @length: bytes to map
 * @prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 * @large_pages: false to map at most one CPU page per IOPTE
 * @source: the holder gets the first of @domains as its source
 *	(upages_set_source()) when it is held
 * @mapped: bytes mapped so far (pages.c)
 * @run_index: first page index of the run not mapped yet (pages.c)
 * @run_pfn: its PFN (pages.c)
 * @run_npages: its length in pages, 0 for none (pages.c)
 * @unrec_first: first page index of the chunk this request last left
 *	unrecorded, ULONG_MAX for none (pages.c)
 * @scratch: PFNs of a scattered piece that is not recorded (pages.c)
 */
struct upages_map_req {
	struct iommu_domain **domains;
	unsigned int ndomains;
	unsigned long iova;
	unsigned long offset;
	unsigned long length;
	int prot;
	bool large_pages;
	bool source;
	unsigned long mapped;
	unsigned long run_index;
	unsigned long run_pfn;
	unsigned long run_npages;
	unsigned long unrec_first;
	unsigned long *scratch;
};

int upages_hold(struct upages *pages, struct upages_holder *holder);
int upages_hold_map(struct upages *pages, struct upages_holder *holder,
		    struct upages_map_req *req);
void upages_release(struct upages *pages, struct upages_holder *holder);
void upages_set_source(struct upages *pages, struct upages_holder *holder,
		       struct iommu_domain *domain, unsigned long iova);
int upages_clear_source(struct upages *pages, struct upages_holder *holder);
void upages_split(struct upages *pages, struct upages_holder *holder,
		  struct upages_holder *first, struct upages_holder *second);

int upages_access_pin(struct upages *pages, unsigned long first,
		      unsigned long last, struct page **out_pages);
void upages_access_unpin(struct upages *pages, unsigned long first,
			 unsigned long last);
int upages_rw(struct upages *pages, unsigned long offset, void *data,
	      unsigned long length, unsigned int flags);
int upages_phys(struct upages *pages, unsigned long offset,
		unsigned long length, phys_addr_t *phys, unsigned long *contig);

int upages_map(struct upages *pages, struct iommu_domain *domain,
	       unsigned long iova, unsigned long offset,
	       unsigned long length, int prot, bool large_pages);
void upages_unmap_domain(struct iommu_domain *domain, unsigned long iova,
			 unsigned long length);
void upages_unmap(struct upages *pages, struct iommu_domain *domain,
		  unsigned long iova, unsigned long length);

/**
 * upages_is_dmabuf - is this a pages object of a dma-buf?
 * @pages: pages object
 *
 * Such memory is a physical range the exporter lends (a PCI BAR for
 * peer-to-peer DMA): it has no struct pages to pin, so in-kernel accesses
 * cannot use it.
 *
 * Return: true for a pages object made by upages_create_dmabuf().
 */
static inline bool upages_is_dmabuf(struct upages *pages)
{
	return pages->dmabuf;
}

#endif
