// SPDX-License-Identifier: GPL-2.0-only
/*
 * HWPT_ALLOC (paging and nested), GET_HW_INFO, the dirty-tracking commands,
 * HWPT_INVALIDATE, FAULT_QUEUE_ALLOC and the fault queue files: read, write,
 * poll and close, alone or in a quick allocate-close-destroy cycle that
 * races the destroys and closes of other threads.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

#define CMD(t, type) ((type *)(t)->cmd)

static void op_hwpt_alloc(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_alloc *a = CMD(t, struct iommu_hwpt_alloc);
	uint32_t size = cmd_size(t, sizeof(*a), 24);
	struct iommu_hwpt_selftest *data = (void *)t->data;
	bool nested = chance(&t->rng, 40);
	void *p = cmd_ptr(t);
	uint8_t of = 0;
	struct obj o;

	a->size = size;
	a->dev_id = pick_id(t, &c, K_IDEV);
	if (nested) {
		/* On a NEST_PARENT paging HWPT, mostly */
		a->pt_id = pick_id(t, &c, K_HWPT);
		if (chance(&t->rng, 70) && pick_obj(t, &c, K_HWPT, &o) &&
		    (o.flags & OF_NEST_PARENT))
			a->pt_id = o.id;
		a->data_type = chance(&t->rng, 95) ? IOMMU_HWPT_DATA_SELFTEST :
			       rnd_below(&t->rng, 3);
		a->data_len = chance(&t->rng, 95) ? sizeof(*data) :
			      rnd_below(&t->rng, 16);
		a->data_uptr = chance(&t->rng, 97) ? (uintptr_t)data :
						     hostile_ptr(t);
		data->iotlb = chance(&t->rng, 80) ? IOMMU_TEST_IOTLB_DEFAULT :
			      rnd(&t->rng);
		if (chance(&t->rng, 50)) {
			a->flags = IOMMU_HWPT_FAULT_ID_VALID;
			a->fault_id = pick_id(t, &c, K_FAULT);
			of |= OF_FAULT;
		}
		if (chance(&t->rng, 40))
			a->flags |= IOMMU_HWPT_ALLOC_PASID;
	} else {
		a->pt_id = pick_id(t, &c, K_IOAS);
		if (chance(&t->rng, 40))
			a->flags |= IOMMU_HWPT_ALLOC_NEST_PARENT;
		if (chance(&t->rng, 40))
			a->flags |= IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
		if (chance(&t->rng, 40))
			a->flags |= IOMMU_HWPT_ALLOC_PASID;
		if (chance(&t->rng, 5)) {
			a->data_type = rnd_below(&t->rng, 3);
			a->data_len = rnd_below(&t->rng, 16);
			a->data_uptr = (uintptr_t)data;
		}
	}
	a->flags = hostile_flags(t, a->flags);
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	if (chance(&t->rng, 2))
		a->__reserved2 = 1;
	use_hot(t, &c, chance(&t->rng, 50) ? a->pt_id : a->dev_id);
	call_begin(t, "HWPT_ALLOC ctx=%d dev=%u pt=%u flags=%#x type=%#x len=%u fault=%u",
		   c.slot, a->dev_id, a->pt_id, a->flags, a->data_type,
		   a->data_len, a->fault_id);
	if (call_end(t, ioctl(c.fd, IOMMU_HWPT_ALLOC, p)) || p != t->cmd)
		return;
	call_note(t, " id=%u", a->out_hwpt_id);
	if (a->flags & IOMMU_HWPT_ALLOC_NEST_PARENT)
		of |= OF_NEST_PARENT;
	if (a->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		of |= OF_DIRTY;
	if (a->flags & IOMMU_HWPT_ALLOC_PASID)
		of |= OF_PASID;
	add_obj(&c, nested ? K_NESTED : K_HWPT, a->out_hwpt_id, of, 0,
		nested ? 0 : a->pt_id, -1);
}

static void op_get_hw_info(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hw_info *a = CMD(t, struct iommu_hw_info);
	uint32_t size = cmd_size(t, sizeof(*a), 32);
	static const uint32_t lens[] = { 0, 0, 4, 8, 8, 16, 4096 };

	a->size = size;
	a->dev_id = pick_id(t, &c, K_IDEV);
	a->data_len = rnd_pick(&t->rng, lens);
	a->data_uptr = a->data_len ? (uintptr_t)t->data : 0;
	if (chance(&t->rng, 3))
		a->data_uptr = hostile_ptr(t);
	if (chance(&t->rng, 30)) {
		a->flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		a->in_data_type = chance(&t->rng, 70) ?
			IOMMU_HW_INFO_TYPE_SELFTEST : rnd_below(&t->rng, 4);
	}
	a->flags = hostile_flags(t, a->flags);
	if (chance(&t->rng, 2))
		a->__reserved[rnd_below(&t->rng, 3)] = 1;
	use_hot(t, &c, a->dev_id);
	call_begin(t, "GET_HW_INFO ctx=%d dev=%u flags=%#x len=%u type=%#x",
		   c.slot, a->dev_id, a->flags, a->data_len, a->in_data_type);
	call_end(t, ioctl(c.fd, IOMMU_GET_HW_INFO, cmd_ptr(t)));
}

/* A paging HWPT ID, preferring dirty-tracking ones; *@ioas: its IOAS */
static uint32_t pick_paging(struct thr *t, const struct ctxref *c,
			    uint32_t *ioas)
{
	struct obj o;
	unsigned int i;

	*ioas = 0;
	for (i = 0; i != 3; i++) {
		if (pick_obj(t, c, K_HWPT, &o) && (o.flags & OF_DIRTY)) {
			*ioas = o.link;
			return o.id;
		}
	}
	return pick_id(t, c, K_HWPT);
}

static void op_set_dirty(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_set_dirty_tracking *a =
		CMD(t, struct iommu_hwpt_set_dirty_tracking);
	uint32_t size = cmd_size(t, sizeof(*a), 16), ioas;

	a->size = size;
	a->hwpt_id = pick_paging(t, &c, &ioas);
	a->flags = hostile_flags(t, chance(&t->rng, 70) ?
				 IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0);
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	use_hot(t, &c, a->hwpt_id);
	call_begin(t, "HWPT_SET_DIRTY_TRACKING ctx=%d hwpt=%u flags=%#x",
		   c.slot, a->hwpt_id, a->flags);
	call_end(t, ioctl(c.fd, IOMMU_HWPT_SET_DIRTY_TRACKING, cmd_ptr(t)));
}

static void op_get_dirty(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_get_dirty_bitmap *a =
		CMD(t, struct iommu_hwpt_get_dirty_bitmap);
	uint32_t size = cmd_size(t, sizeof(*a), 48);
	static const uint64_t psz[] = { 0, 1, 2, 2, 3, 4 };
	struct mapping m;
	uint32_t ioas;

	a->size = size;
	a->hwpt_id = pick_paging(t, &c, &ioas);
	switch (rnd_pick(&t->rng, psz)) {
	case 0:
		a->page_size = mio_sz;
		break;
	case 1:
		a->page_size = page_sz;
		break;
	case 2:
		a->page_size = mhuge_sz;
		break;
	case 3:
		a->page_size = rnd(&t->rng);
		break;
	default:
		a->page_size = 0;
	}
	if (pick_map_in(t, &c, ioas, false, &m) && chance(&t->rng, 80)) {
		a->iova = m.iova;
		a->length = m.len;
	} else {
		a->length = pick_len(t, mio_sz);
		a->iova = pick_iova(t, a->length, mio_sz);
	}
	/* The bitmap must fit the data scratch, else it points at a guard */
	a->data = (uintptr_t)t->data;
	if (!a->page_size || a->length / a->page_size / 8 >= SCRATCH_DATA ||
	    chance(&t->rng, 3))
		a->data = hostile_ptr(t);
	else
		memset(t->data, 0, a->length / a->page_size / 8 + 8);
	a->flags = hostile_flags(t, chance(&t->rng, 30) ?
				 IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0);
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	use_hot(t, &c, a->hwpt_id);
	call_begin(t, "GET_DIRTY_BITMAP ctx=%d hwpt=%u flags=%#x iova=%#llx len=%#llx psz=%#llx",
		   c.slot, a->hwpt_id, a->flags, (unsigned long long)a->iova,
		   (unsigned long long)a->length,
		   (unsigned long long)a->page_size);
	call_end(t, ioctl(c.fd, IOMMU_HWPT_GET_DIRTY_BITMAP, cmd_ptr(t)));
}

/*
 * The header of an IOMMU_HWPT_INVALIDATE of @id, mostly well formed: entries
 * of @good type and @entry_len bytes at @entries, below @max_num of them
 */
void invalidate_fill(struct thr *t, struct iommu_hwpt_invalidate *a,
		     uint32_t size, uint32_t id, uint32_t good, uint32_t bad,
		     void *entries, uint32_t entry_len, unsigned int max_num)
{
	a->size = size;
	a->hwpt_id = id;
	a->data_type = chance(&t->rng, 90) ? good :
		       chance(&t->rng, 50) ? bad : rnd(&t->rng);
	a->entry_len = chance(&t->rng, 90) ? entry_len :
		       rnd_below(&t->rng, 64);
	a->entry_num = rnd_below(&t->rng, max_num);
	if (chance(&t->rng, 3))
		a->entry_num = rnd(&t->rng);
	a->data_uptr = chance(&t->rng, 97) ? (uintptr_t)entries :
		       hostile_ptr(t);
}

static void op_invalidate(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_invalidate *a = CMD(t, struct iommu_hwpt_invalidate);
	uint32_t size = cmd_size(t, sizeof(*a), 32);
	struct iommu_hwpt_invalidate_selftest *e = (void *)t->data;
	unsigned int i;

	invalidate_fill(t, a, size, pick_id(t, &c, K_NESTED),
			IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
			IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID, e,
			sizeof(*e), 5);
	for (i = 0; i != 8; i++) {
		e[i].flags = chance(&t->rng, 30) ?
			IOMMU_TEST_INVALIDATE_FLAG_ALL : 0;
		e[i].flags = hostile_flags(t, e[i].flags);
		e[i].iotlb_id = rnd_below(&t->rng,
					  MOCK_NESTED_DOMAIN_IOTLB_NUM + 1);
	}
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	use_hot(t, &c, a->hwpt_id);
	call_begin(t, "HWPT_INVALIDATE ctx=%d hwpt=%u type=%#x len=%u num=%u",
		   c.slot, a->hwpt_id, a->data_type, a->entry_len,
		   a->entry_num);
	call_end(t, ioctl(c.fd, IOMMU_HWPT_INVALIDATE, cmd_ptr(t)));
}

/* FAULT_QUEUE_ALLOC; returns the new fd (kept in the pool) or -1 */
static int fault_alloc(struct thr *t, const struct ctxref *c, uint32_t *id)
{
	struct iommu_fault_alloc *a = CMD(t, struct iommu_fault_alloc);
	uint32_t size = cmd_size(t, sizeof(*a), 16);
	void *p = cmd_ptr(t);

	a->size = size;
	a->flags = hostile_flags(t, 0);
	call_begin(t, "FAULT_QUEUE_ALLOC ctx=%d size=%u flags=%#x", c->slot,
		   size, a->flags);
	if (call_end(t, ioctl(c->fd, IOMMU_FAULT_QUEUE_ALLOC, p)) ||
	    p != t->cmd)
		return -1;
	call_note(t, " id=%u fd=%u", a->out_fault_id, a->out_fault_fd);
	fcntl(a->out_fault_fd, F_SETFL, O_NONBLOCK);
	*id = a->out_fault_id;
	return a->out_fault_fd;
}

static void op_fault_alloc(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t id;
	int fd = fault_alloc(t, &c, &id);

	if (fd >= 0)
		add_obj(&c, K_FAULT, id, 0, 0, 0, fd);
}

/*
 * Allocate a fault queue, close its fd, destroy it: back to back, so that
 * other threads' destroys of recent fault IDs meet the release of the file.
 */
static void op_fault_cycle(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	unsigned int i, n = 1 + rnd_below(&t->rng, 8);
	struct iommu_destroy *d;
	uint32_t id;
	int fd;

	for (i = 0; i != n && !fuzz_stopping(); i++) {
		fd = fault_alloc(t, &c, &id);
		if (fd < 0)
			return;
		/*
		 * Published, so that destroys elsewhere can find it, and
		 * closed a moment later, when they may be spinning on it.
		 */
		add_obj(&c, K_FAULT, id, 0, 0, 0, -1);
		set_hot(&c, id);
		if (chance(&t->rng, 70))
			busy_wait_ns(rnd_below(&t->rng, 300000));
		call_begin(t, "close fault fd=%d id=%u", fd, id);
		call_end(t, close(fd));
		if (chance(&t->rng, 50))
			continue;
		d = CMD(t, struct iommu_destroy);
		d->size = sizeof(*d);
		d->id = id;
		call_begin(t, "DESTROY ctx=%d fault=%u", c.slot, id);
		if (!call_end(t, ioctl(c.fd, IOMMU_DESTROY, d)))
			del_obj(&c, id);
	}
}

static void op_fault_read(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	static const size_t lens[] = { 40, 40, 80, 400, 39, 0, 4096, 41 };
	size_t len = rnd_pick(&t->rng, lens);
	uint64_t buf = chance(&t->rng, 95) ? (uintptr_t)t->data :
					     hostile_ptr(t);
	struct iommu_hwpt_pgfault *f = (void *)t->data;
	uint32_t id = 0;
	long rc, i;
	int fd = take_fault_fd(t, &c, &id, false);

	if (fd < 0)
		fd = pick_fd_any(t);
	call_begin(t, "read fault fd=%d id=%u len=%zu buf=%#llx", fd, id, len,
		   (unsigned long long)buf);
	rc = call_end(t, read(fd, (void *)(uintptr_t)buf, len));
	if (rc <= 0 || buf != (uintptr_t)t->data)
		return;
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < rc / (long)sizeof(*f); i++) {
		if (!(f[i].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE))
			continue;
		cookies[rnd_below(&t->rng, NR_COOKIES)] =
			(struct cookie){ .fd = fd, .cookie = f[i].cookie };
	}
	pthread_mutex_unlock(&pool_lock);
	call_note(t, " cookie=%u", f[0].cookie);
}

static void op_fault_write(struct thr *t)
{
	struct iommu_hwpt_page_response *r = (void *)t->data;
	struct cookie ck;
	unsigned int n = 1 + rnd_below(&t->rng, 3), i;
	size_t len = n * sizeof(*r);

	pthread_mutex_lock(&pool_lock);
	ck = cookies[rnd_below(&t->rng, NR_COOKIES)];
	pthread_mutex_unlock(&pool_lock);
	if (!ck.fd || chance(&t->rng, 10))
		ck.fd = pick_fd_any(t);
	for (i = 0; i != n; i++) {
		r[i].cookie = chance(&t->rng, 80) ? ck.cookie + i :
						    rnd(&t->rng);
		r[i].code = chance(&t->rng, 95) ? rnd_below(&t->rng, 2) :
						  rnd(&t->rng);
	}
	if (chance(&t->rng, 5))
		len += rnd_below(&t->rng, 8);
	call_begin(t, "write fault fd=%d cookie=%u code=%u len=%zu", ck.fd,
		   r[0].cookie, r[0].code, len);
	call_end(t, write(ck.fd, r, len));
}

static void op_fault_poll(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t id = 0;
	struct pollfd p = {
		.fd = take_fault_fd(t, &c, &id, false),
		.events = POLLIN | POLLOUT,
	};

	if (p.fd < 0)
		p.fd = pick_fd_any(t);
	call_begin(t, "poll fault fd=%d id=%u", p.fd, id);
	call_end(t, poll(&p, 1, rnd_below(&t->rng, 2)));
	call_note(t, " revents=%#x", p.revents);
}

static void op_fault_close(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t id;
	int fd = take_fault_fd(t, &c, &id, true);

	if (fd < 0)
		return;
	set_hot(&c, id);
	call_begin(t, "close fault fd=%d id=%u", fd, id);
	call_end(t, close(fd));
}

void register_hwpt_ops(void)
{
	op_register("HWPT_ALLOC", op_hwpt_alloc, 8, OPF_HOT);
	op_register("GET_HW_INFO", op_get_hw_info, 3, OPF_HOT);
	op_register("HWPT_SET_DIRTY_TRACKING", op_set_dirty, 3, OPF_HOT);
	op_register("HWPT_GET_DIRTY_BITMAP", op_get_dirty, 3, OPF_HOT);
	op_register("HWPT_INVALIDATE", op_invalidate, 3, OPF_HOT);
	op_register("FAULT_QUEUE_ALLOC", op_fault_alloc, 3, 0);
	op_register("fault_cycle", op_fault_cycle, 3, OPF_HOT);
	op_register("fault_read", op_fault_read, 4, 0);
	op_register("fault_write", op_fault_write, 3, 0);
	op_register("fault_poll", op_fault_poll, 2, 0);
	op_register("fault_close", op_fault_close, 2, OPF_HOT);
}
