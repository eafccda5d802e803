// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-kernel accesses to the memory of a pages object: pinning ranges for an
 * access (counted per exact range, each one holder without a source),
 * reading and writing it, and the physical address of pinned bytes.
 *
 * Pages that a holder keeps pinned are read and written through their PFNs
 * (from the store or read back from a domain, pages_source.c); any other
 * page is pinned briefly for the copy, in the owner's mm or through the
 * file of a pages object of a file.  The owner's own calls copy straight
 * from or to its memory.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "common.h"
#include "pages.h"
#include "pages_file.h"
#include "pages_internal.h"

/**
 * struct upages_access - an in-kernel access pin
 * @holder: what keeps the range pinned, with no source
 * @node: the range in &upages.access_pins, to find it again
 * @users: how many pins of this exact range are held
 */
struct upages_access {
	struct upages_holder holder;
	struct interval_tree_node node;
	unsigned int users;
};

static struct upages_access *
upages_find_access(struct upages *pages, unsigned long first,
		   unsigned long last)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(&pages->access_pins, first, last);
	     node; node = interval_tree_iter_next(node, first, last))
		if (node->start == first && node->last == last)
			return container_of(node, struct upages_access,
					    node);
	return NULL;
}

/* The pages of [first, last], which are pinned; false on a bug (WARNed) */
static bool upages_fill_page_list(struct upages *pages,
				  unsigned long first, unsigned long last,
				  struct page **out_pages)
{
	unsigned long index, n, i, pfn;
	const unsigned long *slots;
	struct upages_reader rd;

	upages_reader_init(&rd);
	for (index = first; index <= last; index += n) {
		n = upages_read_piece(pages, &rd, index, last, &pfn, &slots);
		if (!n)
			return false;
		for (i = 0; i != n; i++)
			out_pages[index - first + i] =
				pfn_to_page(slots ? slots[i] : pfn + i);
	}
	return true;
}

/* Drop one user of an access pin, and the pin with the last one */
static void upages_access_put(struct upages *pages,
			      struct upages_access *access)
{
	if (--access->users)
		return;
	interval_tree_remove(&access->node, &pages->access_pins);
	upages_release_locked(pages, &access->holder);
	kfree(access);
}

/**
 * upages_access_pin - pin pages for an in-kernel access
 * @pages: pages object
 * @first: first page index
 * @last: last page index
 * @out_pages: optional array receiving the last - first + 1 pages
 *
 * Each call must be balanced by upages_access_unpin() with the same
 * range.
 *
 * Return: 0, -EOPNOTSUPP for a pages object of a dma-buf, or a negative
 * errno.
 */
int upages_access_pin(struct upages *pages, unsigned long first,
		      unsigned long last, struct page **out_pages)
{
	struct upages_access *access;
	int rc = 0;

	/* No struct pages behind a dma-buf's physical range */
	if (pages->dmabuf)
		return -EOPNOTSUPP;
	mutex_lock(&pages->mutex);
	access = upages_find_access(pages, first, last);
	if (access) {
		access->users++;
		goto out_fill;
	}

	access = kzalloc(sizeof(*access), GFP_KERNEL_ACCOUNT);
	if (!access) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	access->users = 1;
	access->node.start = first;
	access->node.last = last;
	upages_holder_init(&access->holder, first << PAGE_SHIFT,
			   (last - first + 1) << PAGE_SHIFT);
	rc = upages_hold_locked(pages, &access->holder);
	if (rc) {
		kfree(access);
		goto out_unlock;
	}
	interval_tree_insert(&access->node, &pages->access_pins);
out_fill:
	if (out_pages && !upages_fill_page_list(pages, first, last, out_pages)) {
		upages_access_put(pages, access);
		rc = -EINVAL;
	}
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * upages_access_unpin - undo upages_access_pin()
 * @pages: pages object
 * @first: first page index, as passed to the pin
 * @last: last page index, as passed to the pin
 */
void upages_access_unpin(struct upages *pages, unsigned long first,
			 unsigned long last)
{
	struct upages_access *access;

	mutex_lock(&pages->mutex);
	access = upages_find_access(pages, first, last);
	if (!WARN_ON(!access))
		upages_access_put(pages, access);
	mutex_unlock(&pages->mutex);
}

static void upages_copy_page(struct page *page, unsigned long offset,
			     void *data, unsigned long length, bool write)
{
	if (write)
		memcpy_to_page(page, offset, data, length);
	else
		memcpy_from_page(data, page, offset, length);
}

/* Copy within page @index of a file that is not pinned: pin it briefly */
static int upages_rw_file(struct upages *pages, unsigned long index,
			  unsigned long offset, void *data,
			  unsigned long length, bool write)
{
	loff_t pos = (loff_t)(unsigned long)pages->uptr +
		     ((loff_t)index << PAGE_SHIFT);
	struct folio *folio;
	struct upages_file_pins pins = { .folios = &folio };
	int rc;

	rc = upages_file_pin(pages->file, pos, 1, 1, &pins);
	if (rc)
		return rc;
	upages_copy_page(folio_page(folio, pins.first), offset, data, length,
			 write);
	upages_file_unpin(&pins, write);
	return 0;
}

/* Copy within one page that is not pinned: pin it briefly in its mm */
static int upages_rw_unpinned(struct upages *pages,
			      unsigned long index, unsigned long offset,
			      void *data, unsigned long length, bool write)
{
	unsigned long addr = (unsigned long)pages->uptr + index * PAGE_SIZE;
	struct page *page;
	long npinned;

	if (iommufd_inject_failure())
		return -EINVAL;
	if (pages->file)
		return upages_rw_file(pages, index, offset, data, length,
				      write);
	if (!mmget_not_zero(pages->owner_mm))
		return -EFAULT;
	mmap_read_lock(pages->owner_mm);
	npinned = pin_user_pages_remote(pages->owner_mm, addr, 1,
					write ? FOLL_WRITE : 0, &page, NULL);
	mmap_read_unlock(pages->owner_mm);
	mmput(pages->owner_mm);
	if (npinned != 1)
		return npinned < 0 ? npinned : -EFAULT;

	upages_copy_page(page, offset, data, length, write);
	unpin_user_pages_dirty_lock(&page, 1, write);
	return 0;
}

/**
 * upages_phys - physical address of a pinned byte and how far it runs on
 * @pages: pages object
 * @offset: byte offset in @pages
 * @length: bytes of interest from @offset, at least one, all of them inside
 *	a range a holder keeps pinned
 * @phys: output: the CPU physical address of byte @offset
 * @contig: output: bytes from @offset that are physically contiguous, at
 *	most @length
 *
 * Return: 0, -ENOENT if the page of @offset is not pinned, -EOPNOTSUPP
 * for a pages object of a dma-buf.
 */
int upages_phys(struct upages *pages, unsigned long offset,
		unsigned long length, phys_addr_t *phys, unsigned long *contig)
{
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = (offset + length - 1) >> PAGE_SHIFT;
	unsigned long in_page = offset & ~PAGE_MASK;
	unsigned long index, n, i, pfn, run_pfn = 0, run = 0;
	const unsigned long *slots;
	struct upages_reader rd;
	int rc = -ENOENT;

	if (pages->dmabuf)
		return -EOPNOTSUPP;
	mutex_lock(&pages->mutex);
	if (!interval_tree_iter_first(&pages->holders, first, first))
		goto out_unlock;
	upages_reader_init(&rd);
	for (index = first; index <= last; index += n) {
		n = upages_read_piece(pages, &rd, index, last, &pfn, &slots);
		for (i = 0; i != n; i++) {
			if (slots)
				pfn = slots[i];
			if (!run)
				run_pfn = pfn;
			else if (pfn != run_pfn + run)
				goto out_found;
			if (!slots) {
				run += n;
				break;
			}
			run++;
		}
		if (!n)
			break;
	}
out_found:
	if (run) {
		*phys = PFN_PHYS(run_pfn) + in_page;
		*contig = min((run << PAGE_SHIFT) - in_page, length);
		rc = 0;
	}
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/* Copy within page @index if it is pinned; false if it is not */
static bool upages_rw_pinned(struct upages *pages, unsigned long index,
			     unsigned long offset, void *data,
			     unsigned long length, bool write)
{
	const unsigned long *slots;
	struct upages_reader rd;
	unsigned long pfn;
	bool pinned;

	upages_reader_init(&rd);
	mutex_lock(&pages->mutex);
	pinned = interval_tree_iter_first(&pages->holders, index, index) &&
		 upages_read_piece(pages, &rd, index, index, &pfn, &slots);
	if (pinned)
		upages_copy_page(pfn_to_page(slots ? slots[0] : pfn), offset,
				 data, length, write);
	mutex_unlock(&pages->mutex);
	return pinned;
}

/*
 * Page by page through the pinned PFNs when there are some, otherwise by
 * pinning each page in the owner's mm.  Works for any caller, also after the
 * owner has exited as long as the pages are pinned.
 */
static int upages_rw_slow(struct upages *pages, unsigned long offset,
			  void *data, unsigned long length, bool write)
{
	while (length) {
		unsigned long index = offset >> PAGE_SHIFT;
		unsigned long in_page = offset & ~PAGE_MASK;
		unsigned long n = min(length, PAGE_SIZE - in_page);
		int rc = 0;

		if (!upages_rw_pinned(pages, index, in_page, data, n, write))
			rc = upages_rw_unpinned(pages, index, in_page, data,
						n, write);
		if (rc)
			return rc;
		offset += n;
		data += n;
		length -= n;
	}
	return 0;
}

/**
 * upages_rw - read or write the memory of a pages object
 * @pages: pages object
 * @offset: byte offset from the start of @pages
 * @data: kernel buffer
 * @length: bytes to copy; the range must lie inside @pages
 * @flags: UPAGES_RW_WRITE to write, UPAGES_RW_SLOW_PATH to avoid the
 *	user-copy fast path, UPAGES_RW_KTHREAD from a kernel thread
 *
 * Return: 0, -EOPNOTSUPP for a pages object of a dma-buf, or a negative
 * errno.
 */
int upages_rw(struct upages *pages, unsigned long offset, void *data,
	      unsigned long length, unsigned int flags)
{
	bool write = flags & UPAGES_RW_WRITE;
	void __user *uptr = pages->uptr + offset;
	unsigned long left;

	if (pages->dmabuf)
		return -EOPNOTSUPP;
	if (write && !pages->writable)
		return -EPERM;

	if ((flags & (UPAGES_RW_SLOW_PATH | UPAGES_RW_KTHREAD)) ||
	    pages->file || current->mm != pages->owner_mm)
		return upages_rw_slow(pages, offset, data, length, write);

	if (write)
		left = copy_to_user(uptr, data, length);
	else
		left = copy_from_user(data, uptr, length);
	return left ? -EFAULT : 0;
}
