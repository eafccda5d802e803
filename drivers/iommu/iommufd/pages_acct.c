// SPDX-License-Identifier: GPL-2.0-only
/*
 * Charging pinned pages, for the pinned-pages layer (pages.c).
 *
 * Charges go to the creator's user (user->locked_vm) or to its mm
 * (mm->locked_vm, through __account_locked_vm() as mlock() and VFIO type1
 * charge it) as chosen when the pages object is created, and are released
 * to the same counter.  A creator with CAP_IPC_LOCK is not charged at all
 * (its mode is IOMMUFD_ACCOUNT_NONE).  The charges of pages objects of a
 * file can move to another process (upages_move_*()).
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
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
static int upages_charge_mm(struct mm_struct *mm, struct task_struct *task,
			    unsigned long npages, bool force)
{
	int rc;

	rc = mmap_write_lock_killable(mm);
	if (rc)
		return rc;
	rc = __account_locked_vm(mm, npages, true, task, force);
	mmap_write_unlock(mm);
	return rc;
}

/*
 * Charge @npages to an owner in @mode; @force ignores the limit (for pins
 * that exist already and change hands)
 */
static int upages_charge(enum iommufd_account_mode mode,
			 struct task_struct *task, struct mm_struct *mm,
			 struct user_struct *user, unsigned long npages,
			 bool force)
{
	switch (mode) {
	case IOMMUFD_ACCOUNT_USER:
		if (force) {
			atomic_long_add(npages, &user->locked_vm);
			return 0;
		}
		return upages_charge_user(user, npages,
					  task_rlimit(task, RLIMIT_MEMLOCK) >>
					  PAGE_SHIFT);
	case IOMMUFD_ACCOUNT_MM:
		if (force) {
			mmap_write_lock(mm);
			__account_locked_vm(mm, npages, true, task, true);
			mmap_write_unlock(mm);
			return 0;
		}
		return upages_charge_mm(mm, task, npages, false);
	default:
		return 0;
	}
}

static void upages_uncharge(enum iommufd_account_mode mode,
			    struct task_struct *task, struct mm_struct *mm,
			    struct user_struct *user, unsigned long npages)
{
	if (!npages)
		return;
	switch (mode) {
	case IOMMUFD_ACCOUNT_USER:
		atomic_long_sub(npages, &user->locked_vm);
		break;
	case IOMMUFD_ACCOUNT_MM:
		mmap_write_lock(mm);
		__account_locked_vm(mm, npages, false, task, false);
		mmap_write_unlock(mm);
		break;
	default:
		break;
	}
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
	return upages_charge(pages->acct_mode, pages->owner_task,
			     pages->owner_mm, pages->owner_user, npages, false);
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
	upages_uncharge(pages->acct_mode, pages->owner_task, pages->owner_mm,
			pages->owner_user, npages);
}

/*
 * Moving the charges of pages objects to another process
 * (IOMMU_IOAS_CHANGE_PROCESS).
 *
 * The pages objects are collected first (upages_move_add()), each once
 * however many mappings share it.  upages_move_charge() then charges the
 * new owner, in one step checked against its limit, for every page pinned
 * at that moment whose charge changes counter (a process of the same user
 * taking over per-user charges changes only the owner): that is the only
 * step that can fail, and nothing has changed yet when it does.
 * upages_move_commit() hands each pages object over under its mutex, so
 * its pins never change meanwhile: what it has pinned now is taken out of
 * the prepaid charge (or charged on top of it, without a limit check, if
 * more was pinned since; those pins exist already), given back to the old
 * owner, and the owner fields change.  What is left of the prepaid charge
 * is given back at the end.  No pages mutex is held across more than one
 * pages object, and none across the limit check.
 */

static bool upages_move_is_owner(struct upages_move *move,
				 struct upages *pages)
{
	return pages->owner_mm == move->mm &&
	       pages->owner_user == move->user &&
	       pages->acct_mode == move->mode;
}

/*
 * The charge would stay on the same counter (the same user's, the same
 * mm's, or none): only the owner changes, no charge moves
 */
static bool upages_move_same_counter(struct upages_move *move,
				     struct upages *pages)
{
	if (pages->acct_mode != move->mode)
		return false;
	switch (move->mode) {
	case IOMMUFD_ACCOUNT_USER:
		return pages->owner_user == move->user;
	case IOMMUFD_ACCOUNT_MM:
		return pages->owner_mm == move->mm;
	default:
		return true;
	}
}

/**
 * upages_move_init - start collecting pages objects to move to current
 * @move: the move
 * @mode: the accounting mode the current process's new mappings would get
 */
void upages_move_init(struct upages_move *move, enum iommufd_account_mode mode)
{
	xa_init(&move->pages);
	move->mode = capable(CAP_IPC_LOCK) ? IOMMUFD_ACCOUNT_NONE : mode;
	move->task = current->group_leader;
	move->mm = current->mm;
	move->user = current_user();
	move->charged = 0;
}

/**
 * upages_move_add - add a pages object to a move
 * @move: the move
 * @pages: pages object; the move takes a reference
 *
 * A pages object of a dma-buf has nothing to move and is left out.
 *
 * Return: 0, -EINVAL if @pages is of process memory (only file-backed ones
 * can move), or -ENOMEM.
 */
int upages_move_add(struct upages_move *move, struct upages *pages)
{
	int rc;

	/* A dma-buf's range is neither pinned nor charged: nothing to move */
	if (pages->dmabuf)
		return 0;
	if (!pages->file)
		return -EINVAL;
	rc = xa_insert(&move->pages, (unsigned long)pages, pages,
		       GFP_KERNEL_ACCOUNT);
	if (rc == -EBUSY)
		return 0;
	if (rc)
		return rc;
	upages_get(pages);
	return 0;
}

/**
 * upages_move_charge - charge the current process for a move
 * @move: the move, every pages object added
 *
 * This is a fault-injection point (test builds).
 *
 * Return: 0, -ENOMEM beyond its RLIMIT_MEMLOCK or -EINTR; nothing is
 * charged on failure.
 */
int upages_move_charge(struct upages_move *move)
{
	unsigned long npages = 0;
	struct upages *pages;
	unsigned long index;
	int rc;

	if (iommufd_inject_failure())
		return -ENOMEM;
	xa_for_each(&move->pages, index, pages) {
		mutex_lock(&pages->mutex);
		if (!upages_move_same_counter(move, pages))
			npages += pages->npinned;
		mutex_unlock(&pages->mutex);
	}
	rc = upages_charge(move->mode, move->task, move->mm, move->user,
			   npages, false);
	if (!rc)
		move->charged = npages;
	return rc;
}

/**
 * upages_move_commit - hand every pages object of a move to current
 * @move: the move, charged by upages_move_charge()
 *
 * Cannot fail.
 */
void upages_move_commit(struct upages_move *move)
{
	struct task_struct *old_task;
	struct user_struct *old_user;
	struct mm_struct *old_mm;
	struct upages *pages;
	unsigned long index;

	xa_for_each(&move->pages, index, pages) {
		unsigned long n, prepaid;

		mutex_lock(&pages->mutex);
		if (upages_move_is_owner(move, pages)) {
			mutex_unlock(&pages->mutex);
			continue;
		}
		if (!upages_move_same_counter(move, pages)) {
			n = pages->npinned;
			prepaid = min(n, move->charged);
			move->charged -= prepaid;
			upages_charge(move->mode, move->task, move->mm,
				      move->user, n - prepaid, true);
			upages_unaccount(pages, n);
		}

		old_task = pages->owner_task;
		old_mm = pages->owner_mm;
		old_user = pages->owner_user;
		pages->owner_task = get_task_struct(move->task);
		mmgrab(move->mm);
		pages->owner_mm = move->mm;
		pages->owner_user = get_uid(move->user);
		pages->acct_mode = move->mode;
		mutex_unlock(&pages->mutex);

		put_task_struct(old_task);
		mmdrop(old_mm);
		free_uid(old_user);
	}
	upages_uncharge(move->mode, move->task, move->mm, move->user,
			move->charged);
	move->charged = 0;
}

/**
 * upages_move_destroy - end a move, committed or not
 * @move: the move
 *
 * Gives back a charge that was not committed and drops the references.
 */
void upages_move_destroy(struct upages_move *move)
{
	struct upages *pages;
	unsigned long index;

	upages_uncharge(move->mode, move->task, move->mm, move->user,
			move->charged);
	xa_for_each(&move->pages, index, pages)
		upages_put(pages);
	xa_destroy(&move->pages);
}
