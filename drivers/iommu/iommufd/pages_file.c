// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinning through the file.
 *
 * User memory that is a shared mapping of a shmem (memfd) or hugetlbfs
 * file is the file's page cache, so it can be pinned by file offset with
 * memfd_pin_folios(): one page cache lookup and one pin per folio, where
 * pin_user_pages*() walks the page table and writes a page pointer per
 * 4 KiB page, 512 for each 2 MiB hugetlb page.  The pinned-pages layer
 * keeps its pins per page (a page stays pinned while any holder covers
 * it, and holders go away by page ranges), so every page pinned here ends
 * up holding one FOLL_PIN pin, as gup would have left it: the folio's
 * other pages get theirs in the same step (folio_add_pins()), and they
 * are released page range by page range like gup's.
 *
 * A private mapping is never pinned this way: the pages it maps may be
 * its own copies, not the file's.  Nor is shmem memory whose folio at the
 * start of a batch is small: one page cache lookup and one pin per 4 KiB
 * folio cost more than gup's page table walk, and gup lets such memory be
 * pinned and mapped in one pass (it never faults there).
 */
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/userfaultfd_k.h>

#include "common.h"
#include "pages_file.h"

/*
 * Whether the page cache holds a small folio at byte @pos of @file; false
 * for none (a hole or a page in swap: pinning through the file brings it
 * in, which gup in one pass could not)
 */
static bool upages_small_folio(struct file *file, loff_t pos)
{
	struct folio *folio;
	bool small;

	folio = filemap_get_folio(file->f_mapping, pos >> PAGE_SHIFT);
	if (IS_ERR(folio))
		return false;
	small = !folio_test_large(folio);
	folio_put(folio);
	return small;
}

/**
 * upages_vma_file - the file to pin through for memory mapped by a VMA
 * @vma: the VMA mapping @addr; its mm's mmap lock is held
 * @addr: page aligned user address
 * @write: the pages will be pinned for write
 * @pos: output: the byte offset in the file that @addr maps
 * @npages: output: the pages from @addr to the end of @vma
 *
 * Return: the shmem or hugetlbfs file @vma maps shared, or NULL if the
 * memory must be pinned by gup (a private or anonymous mapping, another
 * file, one gup would refuse, or one whose faults userfaultfd handles) or
 * is pinned cheaper by gup (shmem whose folio at @addr is a small one).
 */
struct file *upages_vma_file(struct vm_area_struct *vma, unsigned long addr,
			     bool write, loff_t *pos, unsigned long *npages)
{
	struct file *file = vma->vm_file;

	if (!file || !(vma->vm_flags & VM_SHARED) ||
	    !(vma->vm_flags & (write ? VM_WRITE : VM_READ)) ||
	    (vma->vm_flags & (VM_IO | VM_PFNMAP)) || userfaultfd_armed(vma))
		return NULL;
	if (!shmem_file(file) && !is_file_hugepages(file))
		return NULL;
	*pos = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
	*npages = (vma->vm_end - addr) >> PAGE_SHIFT;
	if (shmem_file(file) && upages_small_folio(file, *pos))
		return NULL;
	return file;
}

/**
 * upages_file_future_write_sealed - Whether new writable mappings are sealed
 * @file: a shmem or hugetlbfs file
 *
 * F_SEAL_FUTURE_WRITE leaves existing writable mappings alone but refuses
 * new ones; a writeable mapping of the file into an IOAS is a new one.  The
 * seal can be added at any time, so the answer is only good for the moment,
 * which is all the seal promises too.
 *
 * Return: true if the seal is set.
 */
bool upages_file_future_write_sealed(struct file *file)
{
	unsigned int seals = 0;

	if (shmem_file(file))
		seals = READ_ONCE(SHMEM_I(file_inode(file))->seals);
#ifdef CONFIG_HUGETLBFS
	else if (is_file_hugepages(file))
		seals = READ_ONCE(HUGETLBFS_I(file_inode(file))->seals);
#endif
	return seals & F_SEAL_FUTURE_WRITE;
}

/**
 * upages_file_pin - pin pages of a shmem or hugetlbfs file by folios
 * @file: the file
 * @pos: page aligned byte offset of the first page
 * @npages: number of pages wanted, not zero
 * @max_folios: room in @pins->folios
 * @pins: @pins->folios is the caller's array; the rest is filled in
 *
 * Pins the pages from @pos, allocating what the file does not have yet,
 * up to @npages or as many as @max_folios folios hold.  Each page pinned
 * holds one pin; upages_file_unpin() or unpin_user_page_range_dirty_lock()
 * by page ranges release them.
 *
 * Return: 0 with at least one page pinned, or a negative errno (beyond the
 * end of the file: -EINVAL) with nothing pinned.
 */
int upages_file_pin(struct file *file, loff_t pos, unsigned long npages,
		    unsigned int max_folios, struct upages_file_pins *pins)
{
	unsigned long done = 0, first, n;
	pgoff_t offset;
	unsigned int i;
	long rc;

	if (iommufd_inject_failure())
		return -ENOMEM;
	rc = memfd_pin_folios(file, pos, pos + (npages << PAGE_SHIFT) - 1,
			      pins->folios, max_folios, &offset);
	if (rc <= 0)
		return rc ? rc : -EFAULT;

	pins->nfolios = rc;
	pins->first = offset >> PAGE_SHIFT;
	pins->npages = npages;
	for (i = 0; i != pins->nfolios && done != npages; i++) {
		n = upages_file_piece(pins, i, done, &first);
		/* One pin per page; memfd_pin_folios() took the first */
		rc = folio_add_pins(pins->folios[i], n - 1);
		if (WARN_ON(rc))
			break;
		done += n;
	}
	/* Folios it returned beyond what is wanted (none expected) */
	if (rc || i != pins->nfolios) {
		pins->npages = done;
		unpin_folios(pins->folios + i, pins->nfolios - i);
		pins->nfolios = i;
		if (!done)
			return -EFAULT;
	}
	pins->npages = done;
	return 0;
}

/**
 * upages_file_unpin - release what upages_file_pin() pinned
 * @pins: the pin
 * @dirty: mark the pages dirty
 */
void upages_file_unpin(struct upages_file_pins *pins, bool dirty)
{
	unsigned long done = 0, first, n;
	unsigned int i;

	for (i = 0; i != pins->nfolios; i++) {
		n = upages_file_piece(pins, i, done, &first);
		unpin_user_page_range_dirty_lock(folio_page(pins->folios[i],
							    first), n, dirty);
		done += n;
	}
}
