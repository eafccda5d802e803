// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault queues: IOMMU_FAULT_QUEUE_ALLOC creates one together with a file
 * descriptor. HWPTs allocated with its ID route the I/O page faults of their
 * devices into it; read() returns them as struct iommu_hwpt_pgfault records,
 * one record per fault, whole groups at a time, the faults of a group sharing
 * a cookie; write() of struct iommu_hwpt_page_response answers a group by its
 * cookie.
 *
 * The IOMMU's page-request handler queues under a spinlock that is never
 * held across a user copy or anything else that may wait: a reader whose
 * buffer is userfaultfd- or FUSE-backed must not stall the fault path of
 * every device behind the IOMMU. read() takes groups off the queue and
 * copies their records to a kernel buffer under the lock, and to the user
 * without it.
 *
 * Every group the handler accepted is ours to answer, exactly once: it is
 * taken off the IOMMU core's list of outstanding groups at once, so that
 * the core never answers or frees it behind our back. It is answered by
 * write(), or INVALID when its device leaves the HWPT, when the file is
 * closed, or, arriving after the close, straight away.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/iommufd.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "fault.h"

/* Most records one read() returns, unless the first group alone has more */
#define IOMMUFD_FAULT_READ_MAX 64

/**
 * struct iommufd_fault - a fault queue
 * @obj: object header, type IOMMUFD_OBJ_FAULT. The file holds a reference
 *	until it is closed; every HWPT using the queue holds one.
 * @ictx: the context
 * @lock: protects @pending, @closed and the node of every group in @groups;
 *	a spinlock, never held across anything that may wait; a leaf of the
 *	lock order (common.h)
 * @pending: groups not read yet (struct iopf_group.node)
 * @groups: cookie -> every group not answered yet. A group is queued (on
 *	@pending), being read (on the private list of a read()) or read (its
 *	node empty); only a read group can be answered by write().
 * @closed: the file is closed, nobody can read or answer any more
 * @readers: readers waiting for @pending
 */
struct iommufd_fault {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	spinlock_t lock; /* see above */
	struct list_head pending;
	struct xarray groups;
	bool closed;
	wait_queue_head_t readers;
};

/**
 * iommufd_fault_obj - The object header of a fault queue
 * @fault: the queue
 *
 * Return: its object.
 */
struct iommufd_obj *iommufd_fault_obj(struct iommufd_fault *fault)
{
	return &fault->obj;
}

/* Sleeps: the core serialises responses with a mutex */
static void iommufd_fault_answer(struct iopf_group *group,
				 enum iommu_page_response_code code)
{
	iopf_group_response(group, code);
	iopf_free_group(group);
}

/**
 * iommufd_fault_queue_iopf - The iopf_handler of fault-capable domains
 * @group: the faults, from the IOMMU core
 *
 * Queues @group for userspace, or answers it INVALID if the queue's file is
 * closed. Called from the fault reporting context, which may sleep.
 *
 * Return: 0, or -ENOMEM, in which case the core answers @group.
 */
int iommufd_fault_queue_iopf(struct iopf_group *group)
{
	struct iommufd_fault *fault = group->attach_handle->domain->fault_data;
	void *old;
	u32 cookie;
	int rc;

	/* Reserve the cookie: nothing under the lock below allocates */
	rc = xa_alloc(&fault->groups, &cookie, NULL, xa_limit_32b, GFP_KERNEL);
	if (rc)
		return rc;
	/* Ours to answer from now on, whatever happens to the device */
	iopf_group_dequeue(group);
	group->cookie = cookie;

	spin_lock(&fault->lock);
	if (fault->closed) {
		spin_unlock(&fault->lock);
		xa_erase(&fault->groups, cookie);
		iommufd_fault_answer(group, IOMMU_PAGE_RESP_INVALID);
		return 0;
	}
	old = xa_store(&fault->groups, cookie, group, GFP_NOWAIT);
	WARN_ON(xa_is_err(old));
	list_add_tail(&group->node, &fault->pending);
	spin_unlock(&fault->lock);
	wake_up_interruptible(&fault->readers);
	return 0;
}

/**
 * iommufd_fault_auto_response - Answer the faults of a finished attachment
 * @fault: the queue of the HWPT that was attached
 * @handle: the attachment, no longer reachable by new faults
 *
 * Every group of @handle not answered yet, queued, being read or read, is
 * answered INVALID and freed; a NULL @handle means every group of the queue.
 */
void iommufd_fault_auto_response(struct iommufd_fault *fault,
				 struct iommu_attach_handle *handle)
{
	struct iopf_group *group, *next;
	unsigned long index;
	LIST_HEAD(answer);

	spin_lock(&fault->lock);
	xa_for_each(&fault->groups, index, group) {
		if (handle && group->attach_handle != handle)
			continue;
		xa_erase(&fault->groups, index);
		/* Off the queue or a reader's list, if on any */
		list_move_tail(&group->node, &answer);
	}
	spin_unlock(&fault->lock);

	list_for_each_entry_safe(group, next, &answer, node) {
		list_del(&group->node);
		iommufd_fault_answer(group, IOMMU_PAGE_RESP_INVALID);
	}
}

static void iommufd_fault_fill(struct iommu_hwpt_pgfault *data,
			       struct iopf_group *group,
			       struct iommu_fault_page_request *prm)
{
	struct iommufd_attach_handle *att =
		container_of(group->attach_handle,
			     struct iommufd_attach_handle, core);

	*data = (struct iommu_hwpt_pgfault) {
		.flags = prm->flags,
		.dev_id = att->dev_id,
		.pasid = prm->pasid,
		.grpid = prm->grpid,
		.perm = prm->perm,
		.addr = prm->addr,
		.cookie = group->cookie,
	};
}

/* Records of the first queued group, 0 if none */
static size_t iommufd_fault_first_count(struct iommufd_fault *fault)
{
	struct iopf_group *group;

	lockdep_assert_held(&fault->lock);
	group = list_first_entry_or_null(&fault->pending, struct iopf_group,
					 node);
	return group ? group->fault_count : 0;
}

/*
 * Move the queued groups that fit, whole and in order, into @room records of
 * @kbuf onto @taken. Return: the number of records written.
 */
static size_t iommufd_fault_take(struct iommufd_fault *fault,
				 struct iommu_hwpt_pgfault *kbuf, size_t room,
				 struct list_head *taken)
{
	struct iopf_group *group, *next;
	struct iopf_fault *iopf;
	size_t n = 0;

	lockdep_assert_held(&fault->lock);
	list_for_each_entry_safe(group, next, &fault->pending, node) {
		if (group->fault_count > room - n)
			break;
		list_for_each_entry(iopf, &group->faults, list)
			iommufd_fault_fill(&kbuf[n++], group, &iopf->fault.prm);
		list_move_tail(&group->node, taken);
	}
	return n;
}

/*
 * Returns 0 when nothing is queued and fails with EINVAL when @count has no
 * room for all records of the first queued group, so that a reader that
 * poll() calls readable never reads "end of file".
 */
static ssize_t fault_queue_read(struct file *filep, char __user *buf,
				size_t count, loff_t *ppos)
{
	const size_t rec = sizeof(struct iommu_hwpt_pgfault);
	struct iommufd_fault *fault = filep->private_data;
	struct iommu_hwpt_pgfault *kbuf = NULL;
	struct iopf_group *group, *next;
	size_t first, room = 0, n;
	LIST_HEAD(taken);
	ssize_t rc;

	if (*ppos)
		return -ESPIPE;
	if (!count || count % rec)
		return -EINVAL;

	/* A buffer for what one read() returns, at least the first group */
	for (;;) {
		spin_lock(&fault->lock);
		first = iommufd_fault_first_count(fault);
		if (first && first <= room)
			break;
		spin_unlock(&fault->lock);
		if (!first || first > count / rec) {
			rc = first ? -EINVAL : 0;
			goto out_free;
		}
		kvfree(kbuf);
		room = max(first, min_t(size_t, count / rec,
					IOMMUFD_FAULT_READ_MAX));
		kbuf = kvmalloc_array(room, rec, GFP_KERNEL_ACCOUNT);
		if (!kbuf)
			return -ENOMEM;
	}
	n = iommufd_fault_take(fault, kbuf, room, &taken);
	spin_unlock(&fault->lock);

	/* No lock held: the copy may wait as long as it likes */
	rc = copy_to_user(buf, kbuf, n * rec) ? -EFAULT : n * rec;

	/* Groups answered meanwhile (detach) are no longer on @taken */
	spin_lock(&fault->lock);
	if (rc < 0) {
		/* Nothing lost: back to the head of the queue, in order */
		list_splice(&taken, &fault->pending);
	} else {
		list_for_each_entry_safe(group, next, &taken, node)
			list_del_init(&group->node);
	}
	spin_unlock(&fault->lock);
out_free:
	kvfree(kbuf);
	return rc;
}

static ssize_t fault_queue_write(struct file *filep,
				 const char __user *buf, size_t count,
				 loff_t *ppos)
{
	const size_t rec = sizeof(struct iommu_hwpt_page_response);
	struct iommufd_fault *fault = filep->private_data;
	struct iommu_hwpt_page_response reply;
	struct iopf_group *group;
	size_t done = 0;
	int rc = 0;

	if (*ppos)
		return -ESPIPE;
	if (count % rec)
		return -EINVAL;

	while (count > done) {
		if (copy_from_user(&reply, buf + done, rec)) {
			rc = -EFAULT;
			break;
		}
		if (reply.code != IOMMUFD_PAGE_RESP_SUCCESS &&
		    reply.code != IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		spin_lock(&fault->lock);
		group = xa_load(&fault->groups, reply.cookie);
		/* Only a group that was read can be answered */
		if (group && list_empty(&group->node))
			xa_erase(&fault->groups, reply.cookie);
		else
			group = NULL;
		spin_unlock(&fault->lock);
		if (!group) {
			rc = -EINVAL;
			break;
		}
		iommufd_fault_answer(group,
				     reply.code == IOMMUFD_PAGE_RESP_SUCCESS ?
				     IOMMU_PAGE_RESP_SUCCESS :
				     IOMMU_PAGE_RESP_INVALID);
		done += rec;
	}
	return done ?: rc;
}

static __poll_t fault_queue_poll(struct file *filep,
				 struct poll_table_struct *wait)
{
	struct iommufd_fault *fault = filep->private_data;
	__poll_t mask = EPOLLOUT;

	poll_wait(filep, &fault->readers, wait);
	spin_lock(&fault->lock);
	if (!list_empty(&fault->pending))
		mask |= EPOLLIN;
	spin_unlock(&fault->lock);
	return mask;
}

/* Nobody can answer any more: answer everything INVALID, now and later */
static int fault_queue_release(struct inode *inode, struct file *filep)
{
	struct iommufd_fault *fault = filep->private_data;
	struct iommufd_ctx *ictx = fault->ictx;

	spin_lock(&fault->lock);
	fault->closed = true;
	spin_unlock(&fault->lock);
	iommufd_fault_auto_response(fault, NULL);
	/* Without the file's reference IOMMU_DESTROY may free @fault */
	iommufd_obj_put(ictx, &fault->obj);
	iommufd_ctx_put(ictx);
	return 0;
}

static const struct file_operations fault_queue_fops = {
	.owner = THIS_MODULE,
	.read = fault_queue_read,
	.write = fault_queue_write,
	.poll = fault_queue_poll,
	.release = fault_queue_release,
};

static void iommufd_fault_destroy(struct iommufd_obj *obj)
{
	struct iommufd_fault *fault = container_of(obj, struct iommufd_fault,
						   obj);

	/* The file is closed and no HWPT routes faults here any more */
	WARN_ON(!list_empty(&fault->pending) || !xa_empty(&fault->groups));
	xa_destroy(&fault->groups);
}

static const struct iommufd_obj_ops iommufd_fault_ops = {
	.release = iommufd_fault_destroy,
};

/**
 * iommufd_do_fault_alloc - Handle IOMMU_FAULT_QUEUE_ALLOC
 * @call: the command, struct iommu_fault_alloc
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_fault_alloc(struct iommufd_call *call)
{
	struct iommu_fault_alloc *arg = call->args;
	struct iommufd_fault *fault;
	struct file *filep;
	int fdno, rc;

	static_assert(offsetof(struct iommufd_fault, obj) == 0);
	if (arg->flags)
		return -EOPNOTSUPP;

	fault = iommufd_obj_new(call->ictx, fault, IOMMUFD_OBJ_FAULT,
				&iommufd_fault_ops);
	if (IS_ERR(fault))
		return PTR_ERR(fault);
	fault->ictx = call->ictx;
	spin_lock_init(&fault->lock);
	INIT_LIST_HEAD(&fault->pending);
	xa_init_flags(&fault->groups, XA_FLAGS_ALLOC1);
	init_waitqueue_head(&fault->readers);

	fdno = get_unused_fd_flags(O_CLOEXEC);
	if (fdno < 0) {
		rc = fdno;
		goto err_abort;
	}
	arg->out_fault_id = fault->obj.id;
	arg->out_fault_fd = fdno;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		goto err_put_fd;

	filep = anon_inode_getfile("[iommufd-fault]", &fault_queue_fops,
				   fault, O_RDWR);
	if (IS_ERR(filep)) {
		rc = PTR_ERR(filep);
		goto err_put_fd;
	}
	/* Both dropped by the file's release */
	iommufd_obj_hold(&fault->obj);
	iommufd_ctx_get(call->ictx);
	iommufd_obj_publish(call->ictx, &fault->obj);
	fd_install(fdno, filep);
	return 0;

err_put_fd:
	put_unused_fd(fdno);
err_abort:
	iommufd_obj_discard(call->ictx, &fault->obj);
	return rc;
}
