/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Charging pinned pages against RLIMIT_MEMLOCK: a part of the pinned-pages
 * layer, included by pages.c and pages_acct.c only.
 */
#ifndef __IOMMUFD_PAGES_ACCT_H
#define __IOMMUFD_PAGES_ACCT_H

struct upages;

int upages_account(struct upages *pages, unsigned long npages);
void upages_unaccount(struct upages *pages, unsigned long npages);

#endif
