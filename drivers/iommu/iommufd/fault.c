// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault queues: IOMMU_FAULT_QUEUE_ALLOC creates one together with a file
 * descriptor. HWPTs allocated with its ID route the I/O page faults of their
 * devices into it; read() returns them as struct iommu_hwpt_pgfault records,
 * one record per fault, the faults of a group sharing a cookie; write() of
 * struct iommu_hwpt_page_response answers a group by its cookie.
 *
 * A group is first on the pending list, then (read, waiting for the answer)
 * in the awaiting xarray. When a device leaves a fault-capable HWPT, every
 * group of that attachment still queued is answered INVALID, as is
 * everything when the file is closed, and every fault that arrives after
 * that: nobody could read it any more.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/iommufd.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "device.h"
#include "fault.h"
#include "hwpt.h"

/**
 * struct iommufd_fault - a fault queue
 * @obj: object header, type IOMMUFD_OBJ_FAULT. The file holds a reference
 *	until it is closed; every HWPT using the queue holds one.
 * @ictx: the context
 * @lock: protects @pending, @awaiting and @closed
 * @pending: groups not read yet (struct iopf_group.node)
 * @awaiting: cookie -> group read but not answered
 * @closed: the file is closed, nobody can read or answer any more
 * @readers: readers waiting for @pending
 */
struct iommufd_fault {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	struct mutex lock; /* see above */
	struct list_head pending;
	struct xarray awaiting;
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
 * Return: 0.
 */
int iommufd_fault_queue_iopf(struct iopf_group *group)
{
	struct iommufd_hwpt *hwpt = group->attach_handle->domain->fault_data;
	struct iommufd_fault *fault = hwpt->fault;

	mutex_lock(&fault->lock);
	if (fault->closed) {
		mutex_unlock(&fault->lock);
		iommufd_fault_answer(group, IOMMU_PAGE_RESP_INVALID);
		return 0;
	}
	list_add_tail(&group->node, &fault->pending);
	mutex_unlock(&fault->lock);
	wake_up_interruptible(&fault->readers);
	return 0;
}

/**
 * iommufd_fault_auto_response - Answer the faults of a finished attachment
 * @fault: the queue of the HWPT that was attached
 * @handle: the attachment, no longer reachable by new faults
 *
 * Every group of @handle still queued or waiting for an answer is answered
 * INVALID and freed; a NULL @handle means every group of the queue.
 */
void iommufd_fault_auto_response(struct iommufd_fault *fault,
				 struct iommu_attach_handle *handle)
{
	struct iopf_group *group, *next;
	unsigned long index;

	mutex_lock(&fault->lock);
	list_for_each_entry_safe(group, next, &fault->pending, node) {
		if (handle && group->attach_handle != handle)
			continue;
		list_del(&group->node);
		iommufd_fault_answer(group, IOMMU_PAGE_RESP_INVALID);
	}
	xa_for_each(&fault->awaiting, index, group) {
		if (handle && group->attach_handle != handle)
			continue;
		xa_erase(&fault->awaiting, index);
		iommufd_fault_answer(group, IOMMU_PAGE_RESP_INVALID);
	}
	mutex_unlock(&fault->lock);
}

static void iommufd_fault_fill(struct iommu_hwpt_pgfault *data,
			       struct iopf_group *group,
			       struct iommu_fault_page_request *prm)
{
	struct iommufd_dev_attach *att =
		container_of(group->attach_handle, struct iommufd_dev_attach,
			     core);

	*data = (struct iommu_hwpt_pgfault) {
		.flags = prm->flags,
		.dev_id = att->idev->obj.id,
		.pasid = prm->pasid,
		.grpid = prm->grpid,
		.perm = prm->perm,
		.addr = prm->addr,
		.cookie = group->cookie,
	};
}

/* Copy out one whole group; it then waits in @awaiting for its answer */
static ssize_t iommufd_fault_read_group(struct iommufd_fault *fault,
					struct iopf_group *group,
					char __user *buf, size_t space)
{
	const size_t rec = sizeof(struct iommu_hwpt_pgfault);
	struct iommu_hwpt_pgfault data;
	struct iopf_fault *iopf;
	size_t done = 0;
	int rc;

	if (space < group->fault_count * rec)
		return 0;
	rc = xa_alloc(&fault->awaiting, &group->cookie, group, xa_limit_32b,
		      GFP_KERNEL);
	if (rc)
		return rc;

	list_for_each_entry(iopf, &group->faults, list) {
		iommufd_fault_fill(&data, group, &iopf->fault.prm);
		if (copy_to_user(buf + done, &data, rec)) {
			xa_erase(&fault->awaiting, group->cookie);
			return -EFAULT;
		}
		done += rec;
	}
	list_del(&group->node);
	return done;
}

static ssize_t fault_queue_read(struct file *filep, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct iommufd_fault *fault = filep->private_data;
	struct iopf_group *group, *next;
	ssize_t done = 0, rc = 0;

	if (*ppos)
		return -ESPIPE;
	if (count % sizeof(struct iommu_hwpt_pgfault))
		return -EINVAL;

	mutex_lock(&fault->lock);
	list_for_each_entry_safe(group, next, &fault->pending, node) {
		rc = iommufd_fault_read_group(fault, group, buf + done,
					      count - done);
		if (rc <= 0)
			break;
		done += rc;
	}
	mutex_unlock(&fault->lock);
	return done ?: rc;
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

	mutex_lock(&fault->lock);
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
		group = xa_erase(&fault->awaiting, reply.cookie);
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
	mutex_unlock(&fault->lock);
	return done ?: rc;
}

static __poll_t fault_queue_poll(struct file *filep,
				 struct poll_table_struct *wait)
{
	struct iommufd_fault *fault = filep->private_data;
	__poll_t mask = EPOLLOUT;

	poll_wait(filep, &fault->readers, wait);
	mutex_lock(&fault->lock);
	if (!list_empty(&fault->pending))
		mask |= EPOLLIN;
	mutex_unlock(&fault->lock);
	return mask;
}

/* Nobody can answer any more: answer everything INVALID, now and later */
static int fault_queue_release(struct inode *inode, struct file *filep)
{
	struct iommufd_fault *fault = filep->private_data;
	struct iommufd_ctx *ictx = fault->ictx;

	mutex_lock(&fault->lock);
	fault->closed = true;
	mutex_unlock(&fault->lock);
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
	WARN_ON(!list_empty(&fault->pending) || !xa_empty(&fault->awaiting));
	xa_destroy(&fault->awaiting);
	mutex_destroy(&fault->lock);
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
	mutex_init(&fault->lock);
	INIT_LIST_HEAD(&fault->pending);
	xa_init_flags(&fault->awaiting, XA_FLAGS_ALLOC1);
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
