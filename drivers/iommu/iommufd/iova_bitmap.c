// SPDX-License-Identifier: GPL-2.0-only
/*
 * iova_bitmap: report dirty IOVA into a user-space bitmap.
 *
 * The user's bitmap has one bit per page_size bytes of IOVA, laid out as an
 * array of native-endian u64 words.  It may be far too large to pin at
 * once, so iova_bitmap_for_each() walks it in windows: it pins (and maps
 * contiguously) a bounded number of the bitmap's pages, asks the caller to
 * report the IOVA that window covers, and moves on.  iova_bitmap_set()
 * marks IOVA dirty in the current window; bits a caller sets past the end
 * of the window (a large IOPTE straddling it) are remembered and applied
 * when the next window is mapped.
 *
 * Used by VFIO drivers and by IOMMU drivers' dirty tracking.  Not thread
 * safe: one bitmap is used by one walker at a time.
 */
#include <linux/iova_bitmap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

/* Bitmap pages pinned per window: the page array fills one page */
#define IOVA_BITMAP_WINDOW_PAGES (PAGE_SIZE / sizeof(struct page *))

/**
 * struct iova_bitmap - a walk over a user dirty bitmap
 * @iova: IOVA of bit 0
 * @length: bytes of IOVA covered
 * @pgshift: log2 of the IOVA bytes per bit
 * @nbits: bits in the whole bitmap
 * @data: the user bitmap
 * @pages: pinned pages of the current window
 * @npages: number of entries in @pages
 * @vaddr: kernel mapping of @pages, or NULL between windows
 * @win_bit: bitmap index of the window's first bit (a multiple of 64)
 * @win_nbits: bits in the window
 * @win_offset: byte offset of the window's first word in its first page
 * @ahead_end: if not 0, bits from the end of the window up to (not
 *	including) this index were set beyond the window and are still to be
 *	applied by the next one
 */
struct iova_bitmap {
	unsigned long iova;
	size_t length;
	unsigned int pgshift;
	unsigned long nbits;
	u64 __user *data;

	struct page **pages;
	unsigned long npages;
	u8 *vaddr;
	unsigned long win_bit;
	unsigned long win_nbits;
	unsigned long win_offset;
	unsigned long ahead_end;
};

/**
 * iova_bitmap_alloc - prepare a walk over a user dirty bitmap
 * @iova: first IOVA covered
 * @length: bytes of IOVA covered, not zero
 * @page_size: IOVA bytes per bit, a power of two
 * @data: user address of the bitmap
 *
 * Return: the bitmap or an ERR_PTR.
 */
struct iova_bitmap *iova_bitmap_alloc(unsigned long iova, size_t length,
				      unsigned long page_size,
				      u64 __user *data)
{
	struct iova_bitmap *bitmap;

	if (!length || !is_power_of_2(page_size))
		return ERR_PTR(-EINVAL);

	bitmap = kzalloc(sizeof(*bitmap), GFP_KERNEL);
	if (!bitmap)
		return ERR_PTR(-ENOMEM);
	bitmap->pages = (struct page **)__get_free_page(GFP_KERNEL);
	if (!bitmap->pages) {
		kfree(bitmap);
		return ERR_PTR(-ENOMEM);
	}
	bitmap->iova = iova;
	bitmap->length = length;
	bitmap->pgshift = __ffs(page_size);
	bitmap->nbits = ((length - 1) >> bitmap->pgshift) + 1;
	bitmap->data = data;
	return bitmap;
}
EXPORT_SYMBOL_GPL(iova_bitmap_alloc);

static void iova_bitmap_unmap_window(struct iova_bitmap *bitmap)
{
	if (!bitmap->vaddr)
		return;
	vunmap(bitmap->vaddr - bitmap->win_offset);
	unpin_user_pages_dirty_lock(bitmap->pages, bitmap->npages, true);
	bitmap->vaddr = NULL;
	bitmap->npages = 0;
}

/**
 * iova_bitmap_free - end a walk
 * @bitmap: bitmap from iova_bitmap_alloc()
 */
void iova_bitmap_free(struct iova_bitmap *bitmap)
{
	iova_bitmap_unmap_window(bitmap);
	free_page((unsigned long)bitmap->pages);
	kfree(bitmap);
}
EXPORT_SYMBOL_GPL(iova_bitmap_free);

/* Set window-relative bits [first, last] of the mapped window */
static void iova_bitmap_set_bits(struct iova_bitmap *bitmap,
				 unsigned long first, unsigned long last)
{
	/* Byte holding bit n of a native-endian u64 array */
	const unsigned long swizzle = IS_ENABLED(CONFIG_CPU_BIG_ENDIAN) ? 7 : 0;
	unsigned long n = first;

	while (n <= last) {
		if (!(n & 7) && last - n >= 7) {
			bitmap->vaddr[(n >> 3) ^ swizzle] = 0xff;
			n += 8;
		} else {
			bitmap->vaddr[(n >> 3) ^ swizzle] |= BIT(n & 7);
			n++;
		}
	}
}

static int iova_bitmap_map_window(struct iova_bitmap *bitmap,
				  unsigned long bit)
{
	unsigned long addr = (unsigned long)(bitmap->data + bit / 64);
	unsigned long bytes = DIV_ROUND_UP(bitmap->nbits - bit, 64) * 8;
	unsigned long offset = addr & ~PAGE_MASK;
	unsigned long npages;
	void *vaddr;
	long rc;

	npages = min_t(unsigned long, IOVA_BITMAP_WINDOW_PAGES,
		       DIV_ROUND_UP(offset + bytes, PAGE_SIZE));
	rc = pin_user_pages_fast(addr & PAGE_MASK, npages, FOLL_WRITE,
				 bitmap->pages);
	if (rc <= 0)
		return rc ? rc : -EFAULT;
	bitmap->npages = rc;

	vaddr = vmap(bitmap->pages, bitmap->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr) {
		unpin_user_pages(bitmap->pages, bitmap->npages);
		bitmap->npages = 0;
		return -ENOMEM;
	}
	bitmap->win_offset = offset;
	bitmap->vaddr = vaddr + offset;
	bitmap->win_bit = bit;
	/* Whole words that fit in the pinned pages */
	bitmap->win_nbits = min(bitmap->nbits - bit,
				(bitmap->npages * PAGE_SIZE - offset) / 8 * 64);
	if (!bitmap->win_nbits) {
		iova_bitmap_unmap_window(bitmap);
		return -EFAULT;
	}

	/* Apply what was set past the end of the previous window */
	if (bitmap->ahead_end > bit) {
		iova_bitmap_set_bits(bitmap, 0,
				     min(bitmap->ahead_end - bit,
					 bitmap->win_nbits) - 1);
		if (bitmap->ahead_end <= bit + bitmap->win_nbits)
			bitmap->ahead_end = 0;
	}
	return 0;
}

/**
 * iova_bitmap_for_each - walk the bitmap window by window
 * @bitmap: bitmap from iova_bitmap_alloc()
 * @opaque: passed to @fn
 * @fn: called for each window with the IOVA range it covers; it reports
 *	dirty IOVA with iova_bitmap_set().  A non-zero return stops the walk.
 *
 * Return: 0 or the first error from pinning or from @fn.
 */
int iova_bitmap_for_each(struct iova_bitmap *bitmap, void *opaque,
			 iova_bitmap_fn_t fn)
{
	unsigned long bit = 0;
	int rc = 0;

	while (bit < bitmap->nbits) {
		unsigned long start = bit << bitmap->pgshift;
		unsigned long bytes;

		rc = iova_bitmap_map_window(bitmap, bit);
		if (rc)
			break;
		bytes = min_t(unsigned long, bitmap->length - start,
			      bitmap->win_nbits << bitmap->pgshift);
		rc = fn(bitmap, bitmap->iova + start, bytes, opaque);
		bit += bitmap->win_nbits;
		iova_bitmap_unmap_window(bitmap);
		if (rc)
			break;
	}
	return rc;
}
EXPORT_SYMBOL_GPL(iova_bitmap_for_each);

/**
 * iova_bitmap_set - mark a range of IOVA dirty
 * @bitmap: bitmap being walked
 * @iova: first dirty IOVA
 * @length: dirty bytes
 *
 * Only valid from the iova_bitmap_for_each() callback.  Parts of the range
 * outside the bitmap are ignored; parts beyond the current window are
 * applied when the walk reaches them.
 */
void iova_bitmap_set(struct iova_bitmap *bitmap, unsigned long iova,
		     size_t length)
{
	unsigned long win_last = bitmap->win_bit + bitmap->win_nbits - 1;
	unsigned long first, last, end;

	if (!bitmap->vaddr || !length || iova + length - 1 < bitmap->iova)
		return;
	end = iova + length - 1;
	if (end - bitmap->iova >= bitmap->length)
		end = bitmap->iova + bitmap->length - 1;
	if (iova < bitmap->iova)
		iova = bitmap->iova;
	if (iova > end)
		return;

	first = (iova - bitmap->iova) >> bitmap->pgshift;
	last = (end - bitmap->iova) >> bitmap->pgshift;
	if (last > win_last) {
		bitmap->ahead_end = max(bitmap->ahead_end, last + 1);
		last = win_last;
	}
	if (first < bitmap->win_bit)
		first = bitmap->win_bit;
	if (first > last)
		return;
	iova_bitmap_set_bits(bitmap, first - bitmap->win_bit,
			     last - bitmap->win_bit);
}
EXPORT_SYMBOL_GPL(iova_bitmap_set);
