/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Charging pinned pages against RLIMIT_MEMLOCK: a part of the pinned-pages
 * layer.  The accounting modes are what a context (object.h) chooses and
 * every new pages object captures; the charge functions are for pages.c
 * only, the move functions for IOMMU_IOAS_CHANGE_PROCESS.
 */
#ifndef __IOMMUFD_PAGES_ACCT_H
#define __IOMMUFD_PAGES_ACCT_H

#include <linux/xarray.h>

struct mm_struct;
struct task_struct;
struct upages;
struct user_struct;

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

/**
 * struct upages_move - moving charges to the current process
 * @pages: the pages objects to move, by address, one reference each
 * @mode: how the current process is charged
 * @task: its group leader (RLIMIT_MEMLOCK)
 * @mm: its mm
 * @user: its user
 * @charged: pages charged to it by upages_move_charge() that no pages
 *	object has taken over yet
 */
struct upages_move {
	struct xarray pages;
	enum iommufd_account_mode mode;
	struct task_struct *task;
	struct mm_struct *mm;
	struct user_struct *user;
	unsigned long charged;
};

void upages_move_init(struct upages_move *move, enum iommufd_account_mode mode);
int upages_move_add(struct upages_move *move, struct upages *pages);
int upages_move_charge(struct upages_move *move);
void upages_move_commit(struct upages_move *move);
void upages_move_destroy(struct upages_move *move);

#endif
