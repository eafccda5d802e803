// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual event queues: IOMMU_VEVENTQ_ALLOC creates one on a virtual IOMMU,
 * with a file descriptor. The virtual IOMMU's driver reports events with
 * iommufd_viommu_report_event(); read() returns them as records, a struct
 * iommufd_vevent_header followed by the type's payload.
 *
 * Every queued record carries the next sequence number (0 .. INT_MAX, then
 * 0 again). At most veventq_depth events are queued; events arriving on a
 * full queue are dropped, and the first drop queues the queue's own "lost
 * events" header (no payload, the next sequence number) behind the last
 * queued record, once until it has been read. So a reader sees each loss
 * where it happened, and a gap in the numbers never goes unexplained.
 *
 * The reporting path takes only spinlocks, the queue's own under the
 * virtual IOMMU's list lock, and allocates atomically: it must not wait for
 * a reader. read() takes records off the queue under the lock and copies
 * them to the user without it; what it could not copy goes back to the head
 * of the queue, in order.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/iommufd.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "veventq.h"
#include "viommu.h"

/* Largest veventq_depth (2^19: the largest SMMUv3 event queue) */
#define IOMMUFD_VEVENTQ_MAX_DEPTH BIT(19)
/* Most records one read() takes off the queue */
#define IOMMUFD_VEVENTQ_READ_MAX 64

/**
 * struct iommufd_vevent - a queued record
 * @node: entry in &iommufd_veventq.events, or in a reader's list
 * @hdr: its header
 * @payload_len: bytes of @payload, 0 for the lost-events header
 * @payload: the driver's data
 */
struct iommufd_vevent {
	struct list_head node;
	struct iommufd_vevent_header hdr;
	size_t payload_len;
	u8 payload[] __counted_by(payload_len);
};

/**
 * struct iommufd_veventq - a virtual event queue
 * @obj: object header, type IOMMUFD_OBJ_VEVENTQ. The file holds a reference
 *	until it is closed.
 * @ictx: the context
 * @viommu: the virtual IOMMU; one reference held
 * @node: entry in @viommu->veventqs, under its veventqs_lock
 * @type: the enum iommu_veventq_type value
 * @payload_len: the payload size of @type
 * @depth: most events queued
 * @lock: protects everything below; a spinlock, a leaf (common.h)
 * @events: the queued records
 * @num: events on @events (the lost-events header not counted)
 * @next_seq: sequence number of the next record
 * @lost_busy: @lost is off the queue, being read
 * @lost_again: events were dropped while @lost was being read
 * @closed: the file is closed: nothing is queued any more
 * @readers: readers waiting for @events
 * @lost: the lost-events header, queued on @events (or being read) when
 *	events were dropped; last, as it ends in an empty flexible array
 */
struct iommufd_veventq {
	struct iommufd_obj obj;
	struct iommufd_ctx *ictx;
	struct iommufd_viommu *viommu;
	struct list_head node;
	u32 type;
	size_t payload_len;
	u32 depth;

	spinlock_t lock; /* see above */
	struct list_head events;
	u32 num;
	u32 next_seq;
	bool lost_busy;
	bool lost_again;
	bool closed;
	wait_queue_head_t readers;
	struct iommufd_vevent lost;
};

static u32 iommufd_veventq_seq(struct iommufd_veventq *q)
{
	u32 seq = q->next_seq;

	q->next_seq = (seq + 1) & INT_MAX;
	return seq;
}

/* Record a drop: queue the lost-events header unless it is queued */
static void iommufd_veventq_drop(struct iommufd_veventq *q)
{
	lockdep_assert_held(&q->lock);
	if (q->lost_busy) {
		q->lost_again = true;
		return;
	}
	if (!list_empty(&q->lost.node))
		return;
	q->lost.hdr.sequence = iommufd_veventq_seq(q);
	list_add_tail(&q->lost.node, &q->events);
}

static int iommufd_veventq_queue(struct iommufd_veventq *q,
				 const void *payload, size_t len)
{
	struct iommufd_vevent *ev;
	int rc = 0;

	spin_lock(&q->lock);
	if (q->closed)
		goto out_unlock;
	if (q->num >= q->depth) {
		iommufd_veventq_drop(q);
		rc = -EOVERFLOW;
		goto out_unlock;
	}
	ev = kmalloc(struct_size(ev, payload, len), GFP_ATOMIC);
	if (!ev) {
		iommufd_veventq_drop(q);
		rc = -ENOMEM;
		goto out_unlock;
	}
	ev->payload_len = len;
	memcpy(ev->payload, payload, len);
	ev->hdr.flags = 0;
	ev->hdr.sequence = iommufd_veventq_seq(q);
	list_add_tail(&ev->node, &q->events);
	q->num++;
out_unlock:
	spin_unlock(&q->lock);
	wake_up_interruptible(&q->readers);
	return rc;
}

/**
 * iommufd_viommu_report_event - Report an event of a virtual IOMMU
 * @viommu: the virtual IOMMU
 * @type: the event queue type (enum iommu_veventq_type or the driver's)
 * @payload: the record's payload; its virtual device IDs are the guest's
 * @len: its size, the type's payload size
 *
 * Queues the event on @viommu's event queue of @type. Never sleeps; must not
 * be called from hard interrupt context.
 *
 * Return: 0 (also when the queue's file is closed and the event dropped),
 * -EOPNOTSUPP if @viommu has no queue of @type, -EINVAL for a wrong @len,
 * -EOVERFLOW or -ENOMEM if the event was dropped (the reader learns that).
 */
int iommufd_viommu_report_event(struct iommufd_viommu *viommu, u32 type,
				const void *payload, size_t len)
{
	struct iommufd_veventq *q;
	int rc = -EOPNOTSUPP;

	spin_lock(&viommu->veventqs_lock);
	list_for_each_entry(q, &viommu->veventqs, node) {
		if (q->type != type)
			continue;
		rc = len == q->payload_len ?
		     iommufd_veventq_queue(q, payload, len) : -EINVAL;
		break;
	}
	spin_unlock(&viommu->veventqs_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(iommufd_viommu_report_event);

static size_t iommufd_vevent_size(struct iommufd_vevent *ev)
{
	return sizeof(ev->hdr) + ev->payload_len;
}

/* Whole records that fit in @room bytes, onto @taken; returns their size */
static size_t iommufd_veventq_take(struct iommufd_veventq *q, size_t room,
				   struct list_head *taken)
{
	struct iommufd_vevent *ev, *next;
	size_t done = 0, n = 0;

	lockdep_assert_held(&q->lock);
	list_for_each_entry_safe(ev, next, &q->events, node) {
		if (iommufd_vevent_size(ev) > room - done ||
		    n == IOMMUFD_VEVENTQ_READ_MAX)
			break;
		done += iommufd_vevent_size(ev);
		n++;
		list_move_tail(&ev->node, taken);
		if (ev == &q->lost)
			q->lost_busy = true;
		else
			q->num--;
	}
	return done;
}

/* Give back what a reader took but did not deliver, at the head, in order */
static void iommufd_veventq_untake(struct iommufd_veventq *q,
				   struct list_head *taken)
{
	struct iommufd_vevent *ev;

	lockdep_assert_held(&q->lock);
	list_for_each_entry(ev, taken, node)
		if (ev != &q->lost)
			q->num++;
	list_splice(taken, &q->events);
}

/* The lost-events header was read, or given back */
static void iommufd_veventq_lost_done(struct iommufd_veventq *q)
{
	lockdep_assert_held(&q->lock);
	if (!q->lost_busy)
		return;
	q->lost_busy = false;
	if (q->lost_again) {
		q->lost_again = false;
		/* Read already: the later drops need a header of their own */
		if (list_empty(&q->lost.node))
			iommufd_veventq_drop(q);
	}
}

/*
 * Blocks until a record is queued unless O_NONBLOCK (then EAGAIN). Returns
 * whole records only; EINVAL if @count cannot hold the first one.
 */
static ssize_t veventq_fops_read(struct file *filep, char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct iommufd_veventq *q = filep->private_data;
	struct iommufd_vevent *ev, *next;
	size_t done = 0, left;
	LIST_HEAD(taken);
	LIST_HEAD(read);
	int rc;

	if (*ppos)
		return -ESPIPE;

	spin_lock(&q->lock);
	while (list_empty(&q->events)) {
		spin_unlock(&q->lock);
		if (filep->f_flags & O_NONBLOCK)
			return -EAGAIN;
		rc = wait_event_interruptible(q->readers,
					      !list_empty(&q->events));
		if (rc)
			return rc;
		spin_lock(&q->lock);
	}
	ev = list_first_entry(&q->events, struct iommufd_vevent, node);
	if (count < iommufd_vevent_size(ev)) {
		spin_unlock(&q->lock);
		return -EINVAL;
	}
	iommufd_veventq_take(q, count, &taken);
	spin_unlock(&q->lock);

	/* No lock held: the copies may wait as long as they like */
	list_for_each_entry(ev, &taken, node) {
		if (copy_to_user(buf + done, &ev->hdr, sizeof(ev->hdr)) ||
		    copy_to_user(buf + done + sizeof(ev->hdr), ev->payload,
				 ev->payload_len))
			break;
		done += iommufd_vevent_size(ev);
	}

	/* What was copied is gone; the rest goes back */
	spin_lock(&q->lock);
	left = done;
	list_for_each_entry_safe(ev, next, &taken, node) {
		if (!left)
			break;
		left -= iommufd_vevent_size(ev);
		if (ev == &q->lost)
			list_del_init(&ev->node);
		else
			list_move_tail(&ev->node, &read);
	}
	iommufd_veventq_untake(q, &taken);
	iommufd_veventq_lost_done(q);
	spin_unlock(&q->lock);

	list_for_each_entry_safe(ev, next, &read, node)
		kfree(ev);
	return done ?: -EFAULT;
}

static __poll_t veventq_fops_poll(struct file *filep,
				  struct poll_table_struct *wait)
{
	struct iommufd_veventq *q = filep->private_data;
	__poll_t mask = 0;

	poll_wait(filep, &q->readers, wait);
	spin_lock(&q->lock);
	if (!list_empty(&q->events))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&q->lock);
	return mask;
}

/* Free every queued record; q->lock held */
static void iommufd_veventq_flush(struct iommufd_veventq *q,
				  struct list_head *to_free)
{
	struct iommufd_vevent *ev, *next;

	lockdep_assert_held(&q->lock);
	list_for_each_entry_safe(ev, next, &q->events, node) {
		if (ev == &q->lost)
			list_del_init(&ev->node);
		else
			list_move_tail(&ev->node, to_free);
	}
	q->num = 0;
}

/* Nobody reads any more: drop what is queued and whatever comes later */
static int veventq_fops_release(struct inode *inode, struct file *filep)
{
	struct iommufd_veventq *q = filep->private_data;
	struct iommufd_ctx *ictx = q->ictx;
	struct iommufd_vevent *ev, *next;
	LIST_HEAD(to_free);

	spin_lock(&q->lock);
	q->closed = true;
	iommufd_veventq_flush(q, &to_free);
	spin_unlock(&q->lock);
	list_for_each_entry_safe(ev, next, &to_free, node)
		kfree(ev);
	/* Without the file's reference IOMMU_DESTROY may free @q */
	iommufd_obj_put(ictx, &q->obj);
	iommufd_ctx_put(ictx);
	return 0;
}

static const struct file_operations veventq_fops = {
	.owner = THIS_MODULE,
	.read = veventq_fops_read,
	.poll = veventq_fops_poll,
	.release = veventq_fops_release,
};

static void iommufd_veventq_release(struct iommufd_obj *obj)
{
	struct iommufd_veventq *q =
		container_of(obj, struct iommufd_veventq, obj);
	struct iommufd_viommu *viommu = q->viommu;
	struct iommufd_vevent *ev, *next;
	LIST_HEAD(to_free);

	/* A queue that never got on the list has an empty node */
	spin_lock(&viommu->veventqs_lock);
	list_del_init(&q->node);
	spin_unlock(&viommu->veventqs_lock);

	/* Events of a queue whose file was never made (discard) */
	spin_lock(&q->lock);
	iommufd_veventq_flush(q, &to_free);
	spin_unlock(&q->lock);
	list_for_each_entry_safe(ev, next, &to_free, node)
		kfree(ev);
	iommufd_obj_put(q->ictx, &viommu->obj);
}

static const struct iommufd_obj_ops iommufd_veventq_ops = {
	.release = iommufd_veventq_release,
};

/* Put @q on its virtual IOMMU's list: one queue per type */
static int iommufd_veventq_add(struct iommufd_veventq *q)
{
	struct iommufd_viommu *viommu = q->viommu;
	struct iommufd_veventq *cur;
	int rc = 0;

	spin_lock(&viommu->veventqs_lock);
	list_for_each_entry(cur, &viommu->veventqs, node) {
		if (cur->type == q->type) {
			rc = -EEXIST;
			goto out_unlock;
		}
	}
	list_add_tail(&q->node, &viommu->veventqs);
out_unlock:
	spin_unlock(&viommu->veventqs_lock);
	return rc;
}

/**
 * iommufd_do_veventq_alloc - Handle IOMMU_VEVENTQ_ALLOC
 * @call: the command, struct iommu_veventq_alloc
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_veventq_alloc(struct iommufd_call *call)
{
	struct iommu_veventq_alloc *arg = call->args;
	struct iommufd_viommu *viommu;
	struct iommufd_veventq *q;
	struct file *filep;
	size_t len = 0;
	int fdno, rc;

	if (arg->flags || arg->__reserved)
		return -EOPNOTSUPP;
	if (!arg->veventq_depth || arg->veventq_depth > IOMMUFD_VEVENTQ_MAX_DEPTH)
		return -EINVAL;

	viommu = iommufd_viommu_find(call->ictx, arg->viommu_id);
	if (IS_ERR(viommu))
		return PTR_ERR(viommu);
	if (viommu->ops->vevent_len)
		len = viommu->ops->vevent_len(viommu, arg->type);
	if (!len) {
		iommufd_obj_put(call->ictx, &viommu->obj);
		return -EOPNOTSUPP;
	}

	q = iommufd_obj_new(call->ictx, q, IOMMUFD_OBJ_VEVENTQ,
			    &iommufd_veventq_ops);
	if (IS_ERR(q)) {
		iommufd_obj_put(call->ictx, &viommu->obj);
		return PTR_ERR(q);
	}
	q->ictx = call->ictx;
	/* The lookup reference becomes the queue's */
	q->viommu = viommu;
	INIT_LIST_HEAD(&q->node);
	q->type = arg->type;
	q->payload_len = len;
	q->depth = arg->veventq_depth;
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->events);
	INIT_LIST_HEAD(&q->lost.node);
	q->lost.hdr.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
	init_waitqueue_head(&q->readers);

	rc = iommufd_veventq_add(q);
	if (rc)
		goto err_abort;

	fdno = get_unused_fd_flags(O_CLOEXEC);
	if (fdno < 0) {
		rc = fdno;
		goto err_abort;
	}
	arg->out_veventq_id = q->obj.id;
	arg->out_veventq_fd = fdno;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		goto err_put_fd;

	filep = anon_inode_getfile("[iommufd-veventq]", &veventq_fops, q,
				   O_RDONLY);
	if (IS_ERR(filep)) {
		rc = PTR_ERR(filep);
		goto err_put_fd;
	}
	/* Both dropped by the file's release */
	iommufd_obj_hold(&q->obj);
	iommufd_ctx_get(call->ictx);
	iommufd_obj_publish(call->ictx, &q->obj);
	fd_install(fdno, filep);
	return 0;

err_put_fd:
	put_unused_fd(fdno);
err_abort:
	iommufd_obj_discard(call->ictx, &q->obj);
	return rc;
}
