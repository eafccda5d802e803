// SPDX-License-Identifier: GPL-2.0-only
/*
 * Charging pinned pages, for the pinned-pages layer (pages.c).
 *
 * Charges go to the creator's user (user->locked_vm) or to its mm
 * (mm->locked_vm, through __account_locked_vm() as mlock() and VFIO type1
 * charge it) as chosen when the pages object is created, and are released
 * to the same counter.  A creator with CAP_IPC_LOCK is not charged at all
 * (its mode is IOMMUFD_ACCOUNT_NONE).
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>

#include "common.h"
#include "pages.h"
#include "pages_acct.h"

/* Add @npages to the user's counter unless that takes it beyond @limit */
static int upages_charge_user(struct user_struct *user, unsigned long npages,
			      unsigned long limit)
{
	long cur = atomic_long_read(&user->locked_vm);

	do {
		if (cur + npages > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
					  cur + npages));
	return 0;
}

/* The mm's locked_vm, as mlock() and VFIO type1 charge it */
static int upages_charge_mm(struct upages *pages, unsigned long npages)
{
	int rc;

	rc = mmap_write_lock_killable(pages->owner_mm);
	if (rc)
		return rc;
	rc = __account_locked_vm(pages->owner_mm, npages, true,
				 pages->owner_task, false);
	mmap_write_unlock(pages->owner_mm);
	return rc;
}

/**
 * upages_account - charge pages about to be pinned
 * @pages: pages object; its mode and owner say what is charged
 * @npages: number of pages
 *
 * Callers hold @pages->mutex.  This is a fault-injection point (test
 * builds).
 *
 * Return: 0, -ENOMEM beyond the owner's RLIMIT_MEMLOCK, or -EINTR if the
 * owner's mmap lock could not be taken.
 */
int upages_account(struct upages *pages, unsigned long npages)
{
	if (iommufd_inject_failure())
		return -ENOMEM;

	switch (pages->acct_mode) {
	case IOMMUFD_ACCOUNT_USER:
		return upages_charge_user(pages->owner_user, npages,
					  task_rlimit(pages->owner_task,
						      RLIMIT_MEMLOCK) >>
					  PAGE_SHIFT);
	case IOMMUFD_ACCOUNT_MM:
		return upages_charge_mm(pages, npages);
	default:
		return 0;
	}
}

/**
 * upages_unaccount - give back a charge of upages_account()
 * @pages: pages object
 * @npages: number of pages, 0 allowed
 *
 * Cannot fail.  The owner may have exited: its mm struct stays (mmgrab())
 * and so does its counter.
 */
void upages_unaccount(struct upages *pages, unsigned long npages)
{
	if (!npages)
		return;
	switch (pages->acct_mode) {
	case IOMMUFD_ACCOUNT_USER:
		atomic_long_sub(npages, &pages->owner_user->locked_vm);
		break;
	case IOMMUFD_ACCOUNT_MM:
		mmap_write_lock(pages->owner_mm);
		__account_locked_vm(pages->owner_mm, npages, false,
				    pages->owner_task, false);
		mmap_write_unlock(pages->owner_mm);
		break;
	default:
		break;
	}
}
