/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pinning shmem and hugetlbfs files by folios (pages_file.c).  A part of
 * the pinned-pages layer that knows nothing of pages objects, so that
 * mapping a file by descriptor can pin through it too.
 */
#ifndef __IOMMUFD_PAGES_FILE_H
#define __IOMMUFD_PAGES_FILE_H

#include <linux/types.h>

struct file;
struct folio;
struct vm_area_struct;

/**
 * struct upages_file_pins - what upages_file_pin() pinned
 * @folios: the folios, in file order, each covering the next pages
 * @nfolios: number of @folios
 * @first: index in @folios[0] of the first page pinned
 * @npages: number of pages pinned, each holding one FOLL_PIN pin
 */
struct upages_file_pins {
	struct folio **folios;
	unsigned int nfolios;
	unsigned long first;
	unsigned long npages;
};

struct file *upages_vma_file(struct vm_area_struct *vma, unsigned long addr,
			     bool write, loff_t *pos, unsigned long *npages);
bool upages_file_future_write_sealed(struct file *file);
int upages_file_pin(struct file *file, loff_t pos, unsigned long npages,
		    unsigned int max_folios, struct upages_file_pins *pins);
void upages_file_unpin(struct upages_file_pins *pins, bool dirty);

/**
 * upages_file_piece - the pages of one folio of a pin
 * @pins: the pin
 * @i: index of the folio in @pins->folios
 * @done: pages of the pin in the folios before it
 * @first: output: index in the folio of its first page pinned
 *
 * Return: the number of pages pinned in folio @i.
 */
static inline unsigned long upages_file_piece(struct upages_file_pins *pins,
					      unsigned int i,
					      unsigned long done,
					      unsigned long *first)
{
	*first = i ? 0 : pins->first;
	return min(folio_nr_pages(pins->folios[i]) - *first,
		   pins->npages - done);
}

#endif
