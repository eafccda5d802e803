// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinned user pages.
 *
 * A struct upages describes a page aligned range of one process's
 * memory.  Nothing is pinned when it is created.  Users that need the memory
 * resident register a "holder" (an interval of page indexes): a segment that
 * is mapped into domains, or an in-kernel access pin.  A page is pinned and
 * accounted exactly while at least one holder covers it, so however many
 * segments (IOAS_COPY), domains and accesses share a pages object each CPU
 * page is pinned and charged once.
 *
 * PFNs are recorded by runs of physically contiguous pages per chunk of
 * user address space (pages_pfns.c), so a THP or hugetlb folio costs one
 * entry per PMD and no allocation, and scattered 4 KiB memory one
 * page-sized array per 512 pages - but only where a holder without a
 * source needs them: memory that every holder of it keeps mapped in a
 * domain is read back from that domain's IO page table instead, and its
 * arrays are not kept (pages_source.c).  Each batch returned by
 * pin_user_pages*() is cut into physically contiguous pieces within chunks
 * and recorded (pages_runs.h finds the pieces); unpinning is one
 * unpin_user_page_range_dirty_lock() per run of a chunk (the mm releases
 * it per folio), mapping into a domain is one iommu_map() per run that may
 * fill large IOPTEs so the iommu core picks the largest the domain, the
 * alignment and the run allow, and one iommu_map_pfns() for the single
 * pages of a scattered chunk (pages_map.c); unmapping a range from a
 * domain is a single iommu_unmap_fast() call.  The only per-4 KiB work
 * left for huge folios is gup filling its page array and the contiguity
 * check of it.
 *
 * A new mapping of memory that is present is pinned and mapped in one pass
 * (upages_hold_map()): the runs of each batch go into the domains as the
 * batch is recorded, so mapping does not walk the store again, and a
 * scattered piece no holder without a source needs is mapped from a
 * scratch array and not recorded at all.  Memory that
 * must be faulted in, a copy and every later domain go through the store.
 *
 * Memory that is a shared mapping of a shmem (memfd) or hugetlbfs file is
 * pinned through the file instead (pages_file.c): one page cache lookup and
 * one pin per folio and no page array, recorded by folio.  Such memory may
 * have to be allocated or read back from swap, so it is never pinned in the
 * one pass above.
 *
 * A pages object can also be a range of such a file itself
 * (IOMMU_IOAS_MAP_FILE, upages_create_file()): it is then always pinned
 * through the file, by file offset, and no process's memory is involved;
 * reads and writes of pages that are not pinned pin them briefly through
 * the file too.  It holds a reference on the file.  Pages the file loses
 * (truncate, hole punch) stay pinned and recorded until released; pinning
 * beyond the file's end fails with -EINVAL.
 *
 * Pinning is done in batches whose temporary page-pointer array is bounded
 * by iommufd_temp_memory_limit() (common.h), and smaller when that much is
 * not available in one piece.
 *
 * A pages object of a dma-buf (pages_dmabuf.c) pins nothing: it is mapped
 * from the physical range the exporter reports.
 *
 * Every pinned page is charged once, when it is pinned, and the charge is
 * given back when it is unpinned (pages_acct.c).  A creator with
 * CAP_IPC_LOCK is not charged at all.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "common.h"
#include "pages.h"
#include "pages_acct.h"
#include "pages_dmabuf.h"
#include "pages_file.h"
#include "pages_map.h"
#include "pages_runs.h"
#include "pages_internal.h"

/*
 * A pages object for bytes [start, last] (user addresses, file or dma-buf
 * offsets), charged to the current process
 */
struct upages *upages_alloc(unsigned long start, unsigned long last,
			    bool writable, enum iommufd_account_mode mode)
{
	struct upages *pages;

	pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);

	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	pages->holders = RB_ROOT_CACHED;
	pages->access_pins = RB_ROOT_CACHED;
	pages->npages = (last >> PAGE_SHIFT) - (start >> PAGE_SHIFT) + 1;
	upages_pfns_init(&pages->pfns, start >> PAGE_SHIFT, pages->npages);
	pages->writable = writable;
	/* Locking memory is not limited for it, so nothing is counted */
	pages->acct_mode = capable(CAP_IPC_LOCK) ? IOMMUFD_ACCOUNT_NONE : mode;
	pages->owner_task = get_task_struct(current->group_leader);
	mmgrab(current->mm);
	pages->owner_mm = current->mm;
	pages->owner_user = get_uid(current_user());
	return pages;
}

/**
 * upages_create - describe a range of the current process's memory
 * @uptr: user address of the first byte
 * @length: number of bytes, not zero
 * @writable: the memory will be pinned for write
 * @mode: how pins will be charged
 *
 * Return: a pages object with one reference, or an ERR_PTR.
 */
struct upages *upages_create(void __user *uptr, unsigned long length,
			     bool writable,
			     enum iommufd_account_mode mode)
{
	unsigned long start = (unsigned long)uptr;
	struct upages *pages;
	unsigned long last;
	int rc;

	rc = iommufd_range_last(start, length, &last);
	if (rc)
		return ERR_PTR(rc);

	pages = upages_alloc(start, last, writable, mode);
	if (IS_ERR(pages))
		return pages;
	pages->uptr = (void __user *)ALIGN_DOWN(start, PAGE_SIZE);
	return pages;
}

/**
 * upages_create_file - describe a range of a shmem or hugetlbfs file
 * @file: the file; the pages object takes its own reference
 * @start: byte offset in the file of the first byte
 * @length: number of bytes, not zero
 * @writable: the memory will be pinned for write
 * @mode: how pins will be charged (to the current process)
 *
 * The pages are pinned through the file (pages_file.c), never through a
 * process's page tables, so they do not depend on any mapping of the file.
 *
 * Return: a pages object with one reference, or ERR_PTR(-EINVAL) for a
 * file that cannot be pinned this way or a range beyond its end,
 * -EOVERFLOW for a range that wraps, -EPERM for a writable range of a
 * file not open for writing or sealed against writes, or -ENOMEM.
 */
struct upages *upages_create_file(struct file *file, u64 start,
				  unsigned long length, bool writable,
				  enum iommufd_account_mode mode)
{
	struct upages *pages;
	unsigned long last;
	int rc;

	if (!shmem_file(file) && !is_file_hugepages(file))
		return ERR_PTR(-EINVAL);
	if (!(file->f_mode & FMODE_READ) ||
	    (writable && !(file->f_mode & FMODE_WRITE)))
		return ERR_PTR(-EPERM);
	rc = iommufd_range_last(start, length, &last);
	if (rc)
		return ERR_PTR(rc);
	/* Pins beyond the end fail; refuse now what is already beyond it */
	if (last >= i_size_read(file_inode(file)))
		return ERR_PTR(-EINVAL);
	/*
	 * Devices may write the file as long as the mapping exists, as through
	 * a writable shared mmap(): count as one, so a memfd that is write
	 * sealed is refused and F_SEAL_WRITE cannot be added meanwhile.
	 */
	if (writable) {
		if (upages_file_future_write_sealed(file))
			return ERR_PTR(-EPERM);
		rc = mapping_map_writable(file->f_mapping);
		if (rc)
			return ERR_PTR(rc);
	}

	pages = upages_alloc(start, last, writable, mode);
	if (IS_ERR(pages)) {
		if (writable)
			mapping_unmap_writable(file->f_mapping);
		return pages;
	}
	pages->uptr = (void __user *)ALIGN_DOWN(start, PAGE_SIZE);
	pages->file = get_file(file);
	return pages;
}

/* Free a pages object now (a dma-buf's once it is detached) */
void upages_free_now(struct upages *pages)
{
	WARN_ON(pages->npinned);
	WARN_ON(!RB_EMPTY_ROOT(&pages->holders.rb_root));
	WARN_ON(pages->nrecording);
	WARN_ON(!xa_empty(&pages->pfns.xa));
	put_task_struct(pages->owner_task);
	mmdrop(pages->owner_mm);
	free_uid(pages->owner_user);
	if (pages->file && pages->writable)
		mapping_unmap_writable(pages->file->f_mapping);
	if (pages->file)
		fput(pages->file);
	mutex_destroy(&pages->mutex);
	kfree(pages);
}

static void upages_free(struct kref *kref)
{
	struct upages *pages = container_of(kref, struct upages, kref);

	if (pages->dmabuf)
		upages_dmabuf_free(pages);
	else
		upages_free_now(pages);
}

/**
 * upages_put - drop a reference on a pages object
 * @pages: pages object; freed with the last reference
 *
 * Every holder must have been released before the last reference goes.
 */
void upages_put(struct upages *pages)
{
	kref_put(&pages->kref, upages_free);
}

/*
 * Record a piece of @npages pages at @index, all in one chunk, that is not
 * one run: the PFNs go straight into the chunk's array.  @pfn is the first
 * page's, and the first @contig pages follow it.
 */
static int upages_record_scattered(struct upages *pages,
				   struct upages_pfns_ref *ref,
				   unsigned long index, struct page **list,
				   unsigned long npages, unsigned long pfn,
				   unsigned long contig,
				   struct upages_map_req *req)
{
	unsigned long *slot;
	unsigned long i;

	slot = upages_pfns_slots(&pages->pfns, ref, index, npages);
	if (IS_ERR(slot))
		return PTR_ERR(slot);
	for (i = 0; i != contig; i++)
		slot[i] = pfn + i;
	for (; i != npages; i++)
		slot[i] = upages_next_pfn(list + i, slot[i - 1]);
	return req ? upages_req_add_pfns(req, index, slot, npages) : 0;
}

/*
 * Hand a piece of @npages pages at @index, all in one chunk, to @req
 * without keeping an array for it: no holder without a source touches the
 * chunk, so once the request's holder has its source the chunk's PFNs can
 * be read back from there (pages_source.c).  A piece that is one run, in a
 * chunk that records nothing else or whose run value already says it, is
 * recorded as that run, which costs nothing; otherwise the chunk is left
 * unrecorded.  @pfn and @contig as for upages_record_scattered().
 */
static int upages_pass_piece(struct upages *pages, struct upages_pfns_ref *ref,
			     unsigned long index, struct page **list,
			     unsigned long npages, unsigned long pfn,
			     unsigned long contig, struct upages_map_req *req)
{
	unsigned long cfirst = upages_pfns_chunk_first(&pages->pfns, index);
	unsigned long clast = upages_pfns_chunk_last(&pages->pfns, index);
	unsigned long *slot;
	unsigned long i;
	int rc;

	if (contig == npages && cfirst != req->unrec_first) {
		switch (upages_pfns_run_state(&pages->pfns, ref, index, pfn)) {
		case UPAGES_CHUNK_SAME_RUN:
			return upages_req_add(req, index, pfn, npages);
		case UPAGES_CHUNK_EMPTY:
			/* Empty under a holder: its pages are unrecorded */
			if (interval_tree_iter_first(&pages->holders, cfirst,
						     clast))
				break;
			rc = upages_pfns_record(&pages->pfns, ref, index,
						npages, pfn);
			return rc ?: upages_req_add(req, index, pfn, npages);
		default:
			break;
		}
	}
	if (cfirst != req->unrec_first) {
		upages_pfns_forget_chunk(&pages->pfns, index);
		upages_pfns_ref_init(ref);
		req->unrec_first = cfirst;
	}
	if (contig == npages)
		return upages_req_add(req, index, pfn, npages);

	if (!req->scratch) {
		req->scratch = kmalloc(PAGE_SIZE, GFP_KERNEL);
		if (!req->scratch)
			return -ENOMEM;
	}
	slot = req->scratch;
	for (i = 0; i != contig; i++)
		slot[i] = pfn + i;
	for (; i != npages; i++)
		slot[i] = upages_next_pfn(list + i, slot[i - 1]);
	return upages_req_add_pfns(req, index, slot, npages);
}

/*
 * Record the @npages pages just pinned at @index, one chunk at a time: a
 * piece that is one run as a run, any other straight into the chunk's
 * array.  With @req, also hand each run to it to be mapped, and keep no
 * array for chunks the request's holder alone will need
 * (upages_pass_piece()).  Test builds can stop halfway through to exercise
 * the unwind.
 */
static int upages_record_batch(struct upages *pages, unsigned long index,
			       struct page **page_list, unsigned long npages,
			       struct upages_map_req *req)
{
	struct upages_pfns_ref ref;
	unsigned long stop = npages;
	unsigned long i = 0;
	int rc;

	if (iommufd_inject_failure())
		stop = npages / 2;
	upages_pfns_ref_init(&ref);

	while (i != stop) {
		unsigned long room = upages_pfns_chunk_last(&pages->pfns,
							    index + i) -
				     (index + i) + 1;
		unsigned long m = min(stop - i, room);
		unsigned long pfn = page_to_pfn(page_list[i]);
		unsigned long n = upages_contig_pages(page_list + i, m, pfn);

		if (req && req->source &&
		    !upages_chunk_recording(pages, index + i)) {
			rc = upages_pass_piece(pages, &ref, index + i,
					       page_list + i, m, pfn, n, req);
		} else if (n == m) {
			rc = upages_pfns_record(&pages->pfns, &ref, index + i,
						n, pfn);
			if (!rc && req)
				rc = upages_req_add(req, index + i, pfn, n);
		} else {
			rc = upages_record_scattered(pages, &ref, index + i,
						     page_list + i, m, pfn, n,
						     req);
		}
		if (rc)
			return rc;
		i += m;
	}
	return stop == npages ? 0 : -EINVAL;
}

/*
 * Drop the chunks of [first, last] that no holder touches any more.  Only
 * frees: erasing from an xarray never allocates, so this cannot fail.
 */
void upages_forget(struct upages *pages, unsigned long first,
		   unsigned long last)
{
	unsigned long index = first;

	lockdep_assert_held(&pages->mutex);
	while (index <= last) {
		unsigned long cfirst = upages_pfns_chunk_first(&pages->pfns,
							       index);
		unsigned long clast = upages_pfns_chunk_last(&pages->pfns,
							     index);

		if (!interval_tree_iter_first(&pages->holders, cfirst, clast))
			upages_pfns_forget_chunk(&pages->pfns, index);
		index = clast + 1;
	}
}

/*
 * Unpin and uncharge every page of [first, last]; they must all be pinned.
 * By chunk: a run chunk in one call, a scattered one by the runs of its
 * array, read in place (a walk that joins runs across chunks costs about
 * 90 instructions per scattered page, more than what it saves).
 */
static void upages_unpin_runs(struct upages *pages, unsigned long first,
			      unsigned long last)
{
	unsigned long index = first, npages = 0, pfn, n, i, run;
	const unsigned long *slots;
	struct upages_pfns_ref ref;

	lockdep_assert_held(&pages->mutex);
	upages_pfns_ref_init(&ref);
	for (; index <= last; index += n) {
		n = upages_pfns_piece(&pages->pfns, &ref, index, last, &pfn,
				      &slots);
		if (WARN_ON(!n))
			break;
		for (i = 0; i != n; i += run) {
			run = n - i;
			if (slots) {
				pfn = slots[i];
				for (run = 1; i + run != n &&
				     slots[i + run] == pfn + run; run++)
					;
			}
			unpin_user_page_range_dirty_lock(pfn_to_page(pfn), run,
							 pages->writable);
		}
		npages += n;
	}
	upages_unaccount(pages, npages);
	pages->npinned -= npages;
}

/*
 * The source mm for pinning from another context: a user reference for the
 * duration of the pin, or -EFAULT once the process has exited.
 */
static int upages_get_mm(struct upages *pages, bool *remote)
{
	*remote = current->mm != pages->owner_mm;
	if (*remote && !mmget_not_zero(pages->owner_mm))
		return -EFAULT;
	return 0;
}

static void upages_put_mm(struct upages *pages, bool remote)
{
	if (remote)
		mmput(pages->owner_mm);
}

static long upages_pin_batch(struct upages *pages, bool remote,
			     unsigned long index, unsigned long npages,
			     unsigned int gup_flags, struct page **page_list)
{
	unsigned long addr = (unsigned long)pages->uptr + index * PAGE_SIZE;
	long rc;

	if (iommufd_inject_failure())
		return -EFAULT;
	if (!remote)
		return pin_user_pages_fast(addr, npages, gup_flags, page_list);

	mmap_read_lock(pages->owner_mm);
	rc = pin_user_pages_remote(pages->owner_mm, addr, npages, gup_flags,
				   page_list, NULL);
	mmap_read_unlock(pages->owner_mm);
	return rc;
}

/*
 * The temporary array of page pointers for batches of *@batch pages.  A
 * large array is a high-order allocation that may fail on a fragmented
 * system: halve the batch until the array fits in one page before giving
 * up.
 */
static struct page **upages_alloc_page_list(unsigned long *batch)
{
	const unsigned long page_batch = PAGE_SIZE / sizeof(struct page *);
	struct page **page_list;

	for (;;) {
		page_list = kmalloc_array(*batch, sizeof(*page_list),
					  GFP_KERNEL | __GFP_NOWARN);
		if (page_list || *batch <= page_batch)
			return page_list;
		*batch = max(*batch / 2, page_batch);
	}
}

/* Record a run of @npages pages at @index, PFN @pfn, cut at chunk ends */
static int upages_record_run(struct upages *pages, struct upages_pfns_ref *ref,
			     unsigned long index, unsigned long npages,
			     unsigned long pfn)
{
	while (npages) {
		unsigned long n = min(npages,
				      upages_pfns_chunk_last(&pages->pfns, index) -
				      index + 1);
		int rc = upages_pfns_record(&pages->pfns, ref, index, n, pfn);

		if (rc)
			return rc;
		index += n;
		pfn += n;
		npages -= n;
	}
	return 0;
}

/*
 * Record the pages of @pins, pinned at page index @index, as runs by folio.
 * Returns the number of pages, or a negative errno with them unpinned.
 */
static long upages_record_file_pins(struct upages *pages, unsigned long index,
				    struct upages_file_pins *pins)
{
	unsigned long done = 0, first, n;
	struct upages_pfns_ref ref;
	unsigned int i;
	int rc;

	upages_pfns_ref_init(&ref);
	for (i = 0; i != pins->nfolios; i++) {
		n = upages_file_piece(pins, i, done, &first);
		rc = upages_record_run(pages, &ref, index + done, n,
				       folio_pfn(pins->folios[i]) + first);
		if (rc) {
			upages_file_unpin(pins, false);
			return rc;
		}
		done += n;
	}
	return done;
}

/*
 * Pin and record up to @want pages at @index through the file when they
 * are a shared mapping of a shmem or hugetlbfs file (pages_file.c), with
 * @folios for up to @max_folios folios.  Returns the number of pages
 * pinned and recorded, 0 if they are to be pinned by gup (not such a
 * mapping, or pinning through the file failed: gup then gives the answer),
 * -EAGAIN if they are such a mapping but @one_pass (pinning through the
 * file may allocate or read pages back from swap), or a negative errno
 * with nothing pinned.  The caller holds a reference on the owner's mm.
 */
static long upages_pin_file_batch(struct upages *pages, unsigned long index,
				  unsigned long want, struct folio **folios,
				  unsigned int max_folios, bool one_pass)
{
	unsigned long addr = (unsigned long)pages->uptr + index * PAGE_SIZE;
	struct upages_file_pins pins = { .folios = folios };
	struct vm_area_struct *vma;
	struct file *file = NULL;
	unsigned long avail;
	loff_t pos;
	int rc = 0;

	mmap_read_lock(pages->owner_mm);
	vma = vma_lookup(pages->owner_mm, addr);
	if (vma)
		file = upages_vma_file(vma, addr, pages->writable, &pos,
				       &avail);
	if (file && !one_pass)
		rc = upages_file_pin(file, pos, min(want, avail), max_folios,
				     &pins);
	mmap_read_unlock(pages->owner_mm);
	if (!file || rc)
		return 0;
	if (one_pass)
		return -EAGAIN;
	return upages_record_file_pins(pages, index, &pins);
}

/*
 * Pin and record up to @want pages at @index of a pages object of a file,
 * with @folios for up to @max_folios folios.  Returns the number of pages
 * pinned and recorded, or a negative errno with nothing pinned (-EINVAL
 * for pages beyond the end of the file).
 */
static long upages_pin_own_file(struct upages *pages, unsigned long index,
				unsigned long want, struct folio **folios,
				unsigned int max_folios)
{
	loff_t pos = (loff_t)(unsigned long)pages->uptr +
		     ((loff_t)index << PAGE_SHIFT);
	struct upages_file_pins pins = { .folios = folios };
	int rc;

	rc = upages_file_pin(pages->file, pos, want, max_folios, &pins);
	if (rc)
		return rc;
	return upages_record_file_pins(pages, index, &pins);
}

/*
 * Undo what upages_pin_span() pinned of [@first, @first + @done) for @req:
 * unmap it from every domain, reading back what is not recorded from the
 * first one as it goes, then unpin all of it.  The pages @req was handed are
 * mapped, but for its pending run, which it knows; any after them are the
 * last of the @listed pages of @page_list.
 */
static void upages_unwind_req(struct upages *pages, unsigned long first,
			      unsigned long done, struct page **page_list,
			      unsigned long listed, struct upages_map_req *req)
{
	unsigned long skip = req->offset & ~PAGE_MASK;
	unsigned long mapped = req->mapped ?
			       DIV_ROUND_UP(skip + req->mapped, PAGE_SIZE) : 0;
	unsigned long handed = mapped, rest;
	struct upages_holder tmp = {
		.node.start = first,
		.node.last = first + mapped - 1,
		.domain = req->domains[0],
		.iova = req->iova,
		.skip = skip,
		.length = req->mapped,
	};
	unsigned int i;

	for (i = 1; i < req->ndomains; i++)
		upages_unmap_domain(req->domains[i], req->iova, req->mapped);
	if (mapped)
		upages_release_sourced(pages, &tmp);
	req->mapped = 0;

	if (req->run_npages) {
		WARN_ON(req->run_index != first + mapped);
		unpin_user_page_range_dirty_lock(pfn_to_page(req->run_pfn),
						 req->run_npages, false);
		handed += req->run_npages;
		req->run_npages = 0;
	}
	if (WARN_ON(handed > done || done - handed > listed))
		return;
	rest = done - handed;
	unpin_user_pages(page_list + listed - rest, rest);
	upages_unaccount(pages, done - mapped);
	pages->npinned -= done - mapped;
}

/*
 * Pin, account and record [first, last], none of which is pinned yet.  With
 * @req, only what is present is pinned (FOLL_NOFAULT: no fault, so no
 * userfaultfd or I/O wait; a page that would need one fails with -EAGAIN)
 * and each batch is mapped as it is recorded.  On failure nothing of the
 * span stays pinned or mapped.
 */
static int upages_pin_span(struct upages *pages, unsigned long first,
			   unsigned long last, struct upages_map_req *req)
{
	unsigned int gup_flags = FOLL_LONGTERM | (pages->writable ? FOLL_WRITE : 0);
	unsigned long npages = last - first + 1;
	unsigned long batch, done = 0, listed = 0;
	struct page **page_list;
	bool remote;
	int rc;

	if (req)
		gup_flags |= FOLL_NOFAULT;
	batch = min(npages, max_t(unsigned long, 1, iommufd_temp_memory_limit() /
				  sizeof(*page_list)));
	if (iommufd_inject_failure())
		return -ENOMEM;
	page_list = upages_alloc_page_list(&batch);
	if (!page_list)
		return -ENOMEM;

	/* A file's pages are never pinned through an mm */
	remote = false;
	rc = pages->file ? 0 : upages_get_mm(pages, &remote);
	if (rc)
		goto out_free;

	while (done < npages) {
		unsigned long want = min(batch, npages - done);
		long got;

		rc = upages_account(pages, want);
		if (rc)
			break;
		/* The array holds folios instead of pages for these */
		if (pages->file) {
			got = upages_pin_own_file(pages, first + done, want,
						  (struct folio **)page_list,
						  batch);
			/* Never on to gup: uptr is no address here */
			if (!got)
				got = -EFAULT;
		} else {
			got = upages_pin_file_batch(pages, first + done, want,
						    (struct folio **)page_list,
						    batch, !!req);
		}
		if (got) {
			upages_unaccount(pages, got < 0 ? want : want - got);
			if (got < 0) {
				rc = got;
				break;
			}
			pages->npinned += got;
			done += got;
			continue;
		}
		got = upages_pin_batch(pages, remote, first + done, want,
				       gup_flags, page_list);
		if (got <= 0 || (req && got != want)) {
			if (got > 0)
				unpin_user_pages(page_list, got);
			upages_unaccount(pages, want);
			rc = req ? -EAGAIN : got ? got : -EFAULT;
			break;
		}
		upages_unaccount(pages, want - got);

		rc = upages_record_batch(pages, first + done, page_list, got,
					 req);
		if (rc && !req) {
			unpin_user_pages(page_list, got);
			upages_unaccount(pages, got);
			break;
		}
		/* With @req, some of the batch may be mapped already */
		pages->npinned += got;
		done += got;
		listed = got;
		if (rc)
			break;
	}
	upages_put_mm(pages, remote);
	if (!rc && req)
		rc = upages_req_flush(req);

	/* What was recorded of this span is forgotten by the caller */
	if (rc && req)
		upages_unwind_req(pages, first, done, page_list, listed, req);
	else if (rc && done)
		upages_unpin_runs(pages, first, first + done - 1);
out_free:
	kfree(page_list);
	if (req) {
		kfree(req->scratch);
		req->scratch = NULL;
	}
	return rc;
}

static void upages_unpin_holes(struct upages *pages,
			       unsigned long first, unsigned long last)
{
	struct interval_tree_span_iter span;

	interval_tree_for_each_span(&span, &pages->holders, first, last)
		if (span.is_hole)
			upages_unpin_runs(pages, span.start_hole,
					  span.last_hole);
}

/* upages_hold() with the pages object's mutex held */
int upages_hold_locked(struct upages *pages, struct upages_holder *holder)
{
	struct interval_tree_node *node = &holder->node;
	struct interval_tree_span_iter span;
	int rc;

	lockdep_assert_held(&pages->mutex);
	if (WARN_ON(node->start > node->last || node->last >= pages->npages ||
		    holder->domain))
		return -EINVAL;

	/* A dma-buf's range is not pinned: holding it is bookkeeping only */
	if (pages->dmabuf)
		goto out_insert;
	/* A holder without a source needs every chunk it touches recorded */
	rc = upages_materialize(pages, node->start, node->last);
	if (rc)
		goto err_trim;
	interval_tree_for_each_span(&span, &pages->holders, node->start,
				    node->last) {
		if (!span.is_hole)
			continue;
		rc = upages_pin_span(pages, span.start_hole,
				     span.last_hole, NULL);
		if (rc)
			goto err_unpin;
	}
out_insert:
	upages_insert_holder(pages, holder);
	return 0;

err_unpin:
	if (span.start_hole > node->start)
		upages_unpin_holes(pages, node->start, span.start_hole - 1);
	upages_forget(pages, node->start, node->last);
err_trim:
	upages_trim(pages, node->start, node->last);
	return rc;
}

/* upages_release() with the pages object's mutex held */
void upages_release_locked(struct upages *pages, struct upages_holder *holder)
{
	struct interval_tree_node *node = &holder->node;

	lockdep_assert_held(&pages->mutex);
	upages_remove_holder(pages, holder);
	if (pages->dmabuf)
		return;
	if (holder->domain)
		upages_release_sourced(pages, holder);
	else
		upages_unpin_holes(pages, node->start, node->last);
	upages_forget(pages, node->start, node->last);
	upages_trim(pages, node->start, node->last);
	/* It may be held again, and then starts without a source */
	holder->domain = NULL;
}

/**
 * upages_hold - keep a range of pages pinned
 * @pages: pages object
 * @holder: caller-owned, upages_holder_init()ed: the range to hold, with no
 *	source (upages_set_source() gives it one once it is mapped)
 *
 * Pins (and charges) the pages of the range that no other holder covers and
 * records the PFNs of the chunks it touches.
 *
 * Return: 0 or a negative errno with nothing changed.
 */
int upages_hold(struct upages *pages, struct upages_holder *holder)
{
	int rc;

	mutex_lock(&pages->mutex);
	rc = upages_hold_locked(pages, holder);
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * upages_hold_map - keep a range of pages pinned and map it, in one pass
 * @pages: pages object
 * @holder: as for upages_hold()
 * @req: where to map the range; @req->offset and @req->length must cover
 *	exactly the pages of @holder
 *
 * For memory that is present: each batch of pages is mapped into the
 * domains of @req as it is pinned and recorded, instead of being read back
 * from the PFN store once all of it is pinned.  Nothing here waits for a
 * fault, so a caller may hold a lock others need across it.  Only for a
 * range no holder covers yet, pinned from the owner's own mm.  With
 * @req->source, the holder is held with the first domain of @req as its
 * source, and scattered memory only it needs is not recorded at all.
 *
 * Return: 0 with the range held and mapped, -EAGAIN if the range must go
 * the usual way (upages_hold(), then upages_map()), or another negative
 * errno; on failure nothing changed.
 */
int upages_hold_map(struct upages *pages, struct upages_holder *holder,
		    struct upages_map_req *req)
{
	struct interval_tree_node *node = &holder->node;
	int rc = -EAGAIN;

	req->mapped = 0;
	req->run_npages = 0;
	req->unrec_first = ULONG_MAX;
	req->scratch = NULL;
	/* A file's pages may have to be allocated or read back */
	if (pages->file || pages->dmabuf || current->mm != pages->owner_mm)
		return -EAGAIN;

	mutex_lock(&pages->mutex);
	if (WARN_ON(node->start > node->last || node->last >= pages->npages ||
		    !req->ndomains || holder->domain)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (interval_tree_iter_first(&pages->holders, node->start, node->last))
		goto out_unlock;

	/* Other holders' unrecorded pages may share the first or last chunk */
	rc = upages_materialize(pages, node->start, node->last);
	if (!rc)
		rc = upages_pin_span(pages, node->start, node->last, req);
	if (rc) {
		upages_forget(pages, node->start, node->last);
		upages_trim(pages, node->start, node->last);
		goto out_unlock;
	}
	if (req->source) {
		holder->domain = req->domains[0];
		holder->iova = req->iova;
	}
	upages_insert_holder(pages, holder);
	upages_trim(pages, node->start, node->last);
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * upages_release - undo upages_hold() or upages_hold_map()
 * @pages: pages object
 * @holder: the holder passed to it
 *
 * Unpins and uncharges the pages no remaining holder covers.  A holder with
 * a source is unmapped from it here, before its pages are unpinned (the
 * caller unmaps every other domain first); one without is not unmapped from
 * anything.  Cannot fail.
 */
void upages_release(struct upages *pages, struct upages_holder *holder)
{
	mutex_lock(&pages->mutex);
	upages_release_locked(pages, holder);
	mutex_unlock(&pages->mutex);
}
