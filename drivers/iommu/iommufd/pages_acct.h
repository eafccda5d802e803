/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Charging pinned pages against RLIMIT_MEMLOCK: a part of the pinned-pages
 * layer.  The accounting modes are what a context (object.h) chooses and
 * every new pages object captures; the functions are for pages.c only.
 */
#ifndef __IOMMUFD_PAGES_ACCT_H
#define __IOMMUFD_PAGES_ACCT_H

struct upages;

/**
 * enum iommufd_account_mode - what pinned pages are charged against
 * @IOMMUFD_ACCOUNT_NONE: nothing is charged: the creator of the pages
 *	object had CAP_IPC_LOCK
 * @IOMMUFD_ACCOUNT_USER: the mapping user's locked_vm (RLIMIT_MEMLOCK),
 *	the default of /dev/iommu; IOMMU_OPTION_RLIMIT_MODE value 0
 * @IOMMUFD_ACCOUNT_MM: the mapping process's mm->locked_vm, shared with
 *	mlock() and checked against its RLIMIT_MEMLOCK; the default of
 *	/dev/vfio/vfio; IOMMU_OPTION_RLIMIT_MODE value 1
 */
enum iommufd_account_mode {
	IOMMUFD_ACCOUNT_NONE,
	IOMMUFD_ACCOUNT_USER,
	IOMMUFD_ACCOUNT_MM,
};

int upages_account(struct upages *pages, unsigned long npages);
void upages_unaccount(struct upages *pages, unsigned long npages);

#endif
