// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual IOMMUs: VIOMMU_ALLOC (the 24-byte 6.13 form and the full one with
 * mock driver data), VDEVICE_ALLOC, HWPT_ALLOC and HWPT_INVALIDATE on a
 * virtual IOMMU, VEVENTQ_ALLOC and the event queue files (read, poll,
 * close), HW_QUEUE_ALLOC over mapped memory (which locks it against
 * unmaps), the mock's TRIGGER_VEVENT and DEV_CHECK_CACHE, and a set-up op
 * that builds the whole stack at once so that deep states are common.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <sys/ioctl.h>

#define CMD(t, type) ((type *)(t)->cmd)

/* A parent for a virtual IOMMU: a NEST_PARENT HWPT mostly */
static uint32_t pick_parent(struct thr *t, const struct ctxref *c)
{
	struct obj o;

	if (chance(&t->rng, 80) && pick_obj(t, c, K_HWPT, &o) &&
	    (o.flags & OF_NEST_PARENT))
		return o.id;
	return pick_id(t, c, K_HWPT);
}

/* A small virt_id, so that clashes happen */
static uint64_t pick_virt_id(struct thr *t)
{
	return chance(&t->rng, 95) ? rnd_below(&t->rng, 8) : rnd(&t->rng);
}

/* A NEST_PARENT HWPT for @idev on an IOAS, built on the stack; 0 if none */
static uint32_t make_parent(struct thr *t, const struct ctxref *c,
			    uint32_t idev)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = idev,
	};
	struct obj o;

	a.pt_id = pick_obj(t, c, K_IOAS, &o) ? o.id : make_obj(t, c, K_IOAS);
	call_begin(t, "HWPT_ALLOC ctx=%d dev=%u pt=%u NEST_PARENT (needed)",
		   c->slot, a.dev_id, a.pt_id);
	if (call_end(t, ioctl(c->fd, IOMMU_HWPT_ALLOC, &a)))
		return 0;
	add_obj(c, K_HWPT, a.out_hwpt_id, OF_NEST_PARENT, 0, a.pt_id, -1);
	return a.out_hwpt_id;
}

/* make_obj() of K_VIOMMU: a mock virtual IOMMU for a pooled device */
uint32_t make_viommu(struct thr *t, const struct ctxref *c)
{
	struct iommu_viommu_alloc a = {
		.size = sizeof(a),
		.type = IOMMU_VIOMMU_TYPE_SELFTEST,
	};
	struct obj o;

	a.dev_id = pick_obj(t, c, K_IDEV, &o) ? o.id : make_obj(t, c, K_IDEV);
	a.hwpt_id = make_parent(t, c, a.dev_id);
	call_begin(t, "VIOMMU_ALLOC ctx=%d dev=%u hwpt=%u (needed)", c->slot,
		   a.dev_id, a.hwpt_id);
	if (call_end(t, ioctl(c->fd, IOMMU_VIOMMU_ALLOC, &a)))
		return 0;
	call_note(t, " id=%u", a.out_viommu_id);
	add_obj(c, K_VIOMMU, a.out_viommu_id, 0, 0, a.dev_id, -1);
	return a.out_viommu_id;
}

static void op_viommu_alloc(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_viommu_alloc *a = CMD(t, struct iommu_viommu_alloc);
	struct iommu_viommu_selftest *data = (void *)t->data;
	uint32_t size = chance(&t->rng, 30) ?
		cmd_size(t, 24, 24) : cmd_size(t, sizeof(*a), 24);
	void *p = cmd_ptr(t);

	a->size = size;
	a->type = chance(&t->rng, 90) ? IOMMU_VIOMMU_TYPE_SELFTEST :
		  rnd_below(&t->rng, 3);
	a->flags = hostile_flags(t, 0);
	a->dev_id = pick_id(t, &c, K_IDEV);
	a->hwpt_id = pick_parent(t, &c);
	if (size > 24 && chance(&t->rng, 50)) {
		data->in_data = rnd(&t->rng);
		a->data_len = chance(&t->rng, 90) ? sizeof(*data) :
			      rnd_below(&t->rng, 40);
		a->data_uptr = chance(&t->rng, 95) ? (uintptr_t)data :
					hostile_ptr(t);
	}
	if (size > 24 && chance(&t->rng, 2))
		a->__reserved = 1;
	use_hot(t, &c, a->hwpt_id);
	call_begin(t, "VIOMMU_ALLOC ctx=%d size=%u type=%#x dev=%u hwpt=%u len=%u",
		   c.slot, size, a->type, a->dev_id, a->hwpt_id, a->data_len);
	if (call_end(t, ioctl(c.fd, IOMMU_VIOMMU_ALLOC, p)) || p != t->cmd)
		return;
	call_note(t, " id=%u", a->out_viommu_id);
	add_obj(&c, K_VIOMMU, a->out_viommu_id, 0, 0, a->dev_id, -1);
}

static void op_vdevice_alloc(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_vdevice_alloc *a = CMD(t, struct iommu_vdevice_alloc);
	uint32_t size = cmd_size(t, sizeof(*a), 24);
	void *p = cmd_ptr(t);
	struct obj o;

	a->size = size;
	a->viommu_id = pick_id(t, &c, K_VIOMMU);
	a->dev_id = pick_id(t, &c, K_IDEV);
	/* Mostly the device the virtual IOMMU was made with */
	if (chance(&t->rng, 50) && pick_obj(t, &c, K_VIOMMU, &o)) {
		a->viommu_id = o.id;
		a->dev_id = o.link;
	}
	a->virt_id = pick_virt_id(t);
	use_hot(t, &c, chance(&t->rng, 50) ? a->viommu_id : a->dev_id);
	call_begin(t, "VDEVICE_ALLOC ctx=%d viommu=%u dev=%u virt=%#llx",
		   c.slot, a->viommu_id, a->dev_id,
		   (unsigned long long)a->virt_id);
	if (call_end(t, ioctl(c.fd, IOMMU_VDEVICE_ALLOC, p)) || p != t->cmd)
		return;
	call_note(t, " id=%u", a->out_vdevice_id);
	add_obj(&c, K_VDEV, a->out_vdevice_id, 0, 0, a->dev_id, -1);
}

/* HWPT_ALLOC with a virtual IOMMU as pt_id */
static void op_viommu_nested(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_alloc *a = CMD(t, struct iommu_hwpt_alloc);
	struct iommu_hwpt_selftest *data = (void *)t->data;
	uint32_t size = cmd_size(t, sizeof(*a), 24);
	void *p = cmd_ptr(t);
	struct obj o;

	a->size = size;
	a->pt_id = pick_id(t, &c, K_VIOMMU);
	a->dev_id = pick_id(t, &c, K_IDEV);
	if (chance(&t->rng, 60) && pick_obj(t, &c, K_VIOMMU, &o)) {
		a->pt_id = o.id;
		a->dev_id = o.link;
	}
	a->flags = hostile_flags(t, 0);
	if (chance(&t->rng, 10)) {
		a->flags |= IOMMU_HWPT_FAULT_ID_VALID;
		a->fault_id = pick_id(t, &c, K_FAULT);
	}
	data->iotlb = rnd(&t->rng);
	a->data_type = chance(&t->rng, 95) ? IOMMU_HWPT_DATA_SELFTEST :
		       rnd_below(&t->rng, 4);
	a->data_len = chance(&t->rng, 95) ? sizeof(*data) :
		      rnd_below(&t->rng, 16);
	a->data_uptr = chance(&t->rng, 97) ? (uintptr_t)data : hostile_ptr(t);
	use_hot(t, &c, a->pt_id);
	call_begin(t, "HWPT_ALLOC(viommu) ctx=%d dev=%u viommu=%u flags=%#x",
		   c.slot, a->dev_id, a->pt_id, a->flags);
	if (call_end(t, ioctl(c.fd, IOMMU_HWPT_ALLOC, p)) || p != t->cmd)
		return;
	call_note(t, " id=%u", a->out_hwpt_id);
	add_obj(&c, K_NESTED, a->out_hwpt_id,
		a->flags & IOMMU_HWPT_FAULT_ID_VALID ? OF_FAULT : 0, 0, 0, -1);
}

static void op_viommu_invalidate(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_invalidate *a = CMD(t, struct iommu_hwpt_invalidate);
	uint32_t size = cmd_size(t, sizeof(*a), 32);
	struct iommu_viommu_invalidate_selftest *e = (void *)t->data;
	unsigned int i;

	invalidate_fill(t, a, size, pick_id(t, &c, K_VIOMMU),
			IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
			IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID, e,
			sizeof(*e), 6);
	for (i = 0; i != 8; i++) {
		e[i].flags = chance(&t->rng, 30) ?
			IOMMU_TEST_INVALIDATE_FLAG_ALL : 0;
		e[i].flags = hostile_flags(t, e[i].flags);
		e[i].vdev_id = pick_virt_id(t);
		e[i].cache_id = rnd_below(&t->rng, MOCK_DEV_CACHE_NUM + 1);
	}
	use_hot(t, &c, a->hwpt_id);
	call_begin(t, "HWPT_INVALIDATE(viommu) ctx=%d viommu=%u type=%#x len=%u num=%u",
		   c.slot, a->hwpt_id, a->data_type, a->entry_len,
		   a->entry_num);
	call_end(t, ioctl(c.fd, IOMMU_HWPT_INVALIDATE, cmd_ptr(t)));
}

static void op_veventq_alloc(struct thr *t)
{
	static const uint32_t depths[] = { 1, 2, 3, 8, 64, 0, 1 << 19,
					   (1 << 19) + 1 };
	struct ctxref c = pick_ctx(t);
	struct iommu_veventq_alloc *a = CMD(t, struct iommu_veventq_alloc);
	uint32_t size = cmd_size(t, sizeof(*a), 32);
	void *p = cmd_ptr(t);

	a->size = size;
	a->flags = hostile_flags(t, 0);
	a->viommu_id = pick_id(t, &c, K_VIOMMU);
	a->type = chance(&t->rng, 90) ? IOMMU_VEVENTQ_TYPE_SELFTEST :
		  rnd_below(&t->rng, 3);
	a->veventq_depth = rnd_pick(&t->rng, depths);
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	use_hot(t, &c, a->viommu_id);
	call_begin(t, "VEVENTQ_ALLOC ctx=%d viommu=%u type=%#x depth=%u",
		   c.slot, a->viommu_id, a->type, a->veventq_depth);
	if (call_end(t, ioctl(c.fd, IOMMU_VEVENTQ_ALLOC, p)) || p != t->cmd)
		return;
	call_note(t, " id=%u fd=%u", a->out_veventq_id, a->out_veventq_fd);
	/* Readers must not sleep in an empty queue (veventq_test does) */
	fcntl(a->out_veventq_fd, F_SETFL, O_NONBLOCK);
	add_obj(&c, K_VEVENTQ, a->out_veventq_id, 0, 0, a->viommu_id,
		a->out_veventq_fd);
}

/* read() or poll() of an event queue file, whoever else closes it */
static void op_veventq_read(struct thr *t)
{
	static const size_t lens[] = { 12, 12, 24, 120, 8, 0, 4096, 11 };
	struct ctxref c = pick_ctx(t);
	size_t len = rnd_pick(&t->rng, lens);
	uint64_t buf = chance(&t->rng, 95) ? (uintptr_t)t->data :
					     hostile_ptr(t);
	struct pollfd pf = { .events = POLLIN };
	uint32_t id = 0;
	int fd = take_obj_fd(t, &c, K_VEVENTQ, &id, false);

	if (fd < 0)
		fd = pick_fd_any(t);
	if (chance(&t->rng, 30)) {
		pf.fd = fd;
		call_begin(t, "poll veventq fd=%d id=%u", fd, id);
		call_end(t, poll(&pf, 1, 0));
		return;
	}
	call_begin(t, "read veventq fd=%d id=%u len=%zu buf=%#llx", fd, id,
		   len, (unsigned long long)buf);
	call_end(t, read(fd, (void *)(uintptr_t)buf, len));
}

static void op_veventq_close(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t id;
	int fd = take_obj_fd(t, &c, K_VEVENTQ, &id, true);

	if (fd < 0)
		return;
	set_hot(&c, id);
	call_begin(t, "close veventq fd=%d id=%u", fd, id);
	call_end(t, close(fd));
}

static void op_trigger_vevent(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_test_cmd *a = CMD(t, struct iommu_test_cmd);
	uint32_t size = cmd_size(t, sizeof(*a), offsetof(struct iommu_test_cmd,
							 last) + 4);
	unsigned int i, n = 1 + rnd_below(&t->rng, 4);

	a->size = size;
	a->op = IOMMU_TEST_OP_TRIGGER_VEVENT;
	a->trigger_vevent.dev_id = pick_id(t, &c, K_IDEV);
	use_hot(t, &c, a->trigger_vevent.dev_id);
	for (i = 0; i != n; i++) {
		call_begin(t, "TRIGGER_VEVENT ctx=%d dev=%u", c.slot,
			   a->trigger_vevent.dev_id);
		if (call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t))))
			break;
	}
}

static void op_check_dev_cache(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_test_cmd *a = CMD(t, struct iommu_test_cmd);
	uint32_t size = cmd_size(t, sizeof(*a), offsetof(struct iommu_test_cmd,
							 last) + 4);

	a->size = size;
	a->op = IOMMU_TEST_OP_DEV_CHECK_CACHE;
	a->id = pick_id(t, &c, K_IDEV);
	a->check_dev_cache.id = rnd_below(&t->rng, MOCK_DEV_CACHE_NUM + 1);
	a->check_dev_cache.cache = chance(&t->rng, 50) ?
		IOMMU_TEST_DEV_CACHE_DEFAULT : 0;
	call_begin(t, "DEV_CHECK_CACHE ctx=%d dev=%u idx=%u", c.slot, a->id,
		   a->check_dev_cache.id);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

/*
 * A mock hardware queue, mostly over a piece of a pooled mapping (of any
 * IOAS: only the parent's counts), mostly index 0 or 1 so that queue 1
 * meets a queue 0 (or one being destroyed) to depend on.
 */
static void op_hw_queue_alloc(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hw_queue_alloc *a = CMD(t, struct iommu_hw_queue_alloc);
	uint32_t size = cmd_size(t, sizeof(*a), 40);
	void *p = cmd_ptr(t);
	struct mapping m;

	a->size = size;
	a->flags = hostile_flags(t, 0);
	a->viommu_id = pick_id(t, &c, K_VIOMMU);
	a->type = chance(&t->rng, 95) ? IOMMU_HW_QUEUE_TYPE_SELFTEST :
		  rnd_below(&t->rng, 3);
	a->index = chance(&t->rng, 95) ? rnd_below(&t->rng, 2) :
		   rnd_below(&t->rng, 8);
	if (pick_map(t, &c, &m) && chance(&t->rng, 90)) {
		a->nesting_parent_iova = m.iova + rnd_below(&t->rng, m.len);
		a->length = 1 + rnd_below(&t->rng, m.iova + m.len -
					   a->nesting_parent_iova);
	} else {
		a->length = pick_len(t, 1);
		a->nesting_parent_iova = pick_iova(t, a->length, 1);
	}
	use_hot(t, &c, a->viommu_id);
	call_begin(t, "HW_QUEUE_ALLOC ctx=%d viommu=%u %#x/%u iova=%#llx+%#llx",
		   c.slot, a->viommu_id, a->type, a->index,
		   (unsigned long long)a->nesting_parent_iova,
		   (unsigned long long)a->length);
	if (call_end(t, ioctl(c.fd, IOMMU_HW_QUEUE_ALLOC, p)) || p != t->cmd)
		return;
	call_note(t, " id=%u", a->out_hw_queue_id);
	add_obj(&c, K_HWQ, a->out_hw_queue_id, 0, 0, a->viommu_id, -1);
	set_hot(&c, a->out_hw_queue_id);
}

/*
 * The whole stack for one pooled device: a virtual IOMMU, its vDEVICE, an
 * event queue and a nested HWPT the device is moved onto, then events.
 * Everything goes to the pool for the others to destroy, close and race.
 */
static void op_viommu_setup(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd) };
	struct iommu_veventq_alloc vq = {
		.size = sizeof(vq), .type = IOMMU_VEVENTQ_TYPE_SELFTEST,
		.veventq_depth = 1 + rnd_below(&t->rng, 4),
	};
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	struct iommu_hwpt_alloc ha = {
		.size = sizeof(ha), .data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
	};
	struct iommu_test_cmd rep = {
		.size = sizeof(rep), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
	};
	struct iommu_test_cmd trig = {
		.size = sizeof(rep), .op = IOMMU_TEST_OP_TRIGGER_VEVENT,
	};
	struct obj o;
	uint32_t viommu = make_viommu(t, &c);

	if (!viommu || !pick_obj(t, &c, K_VIOMMU, &o) || o.id != viommu)
		return;
	vd.viommu_id = viommu;
	vd.dev_id = o.link;
	vd.virt_id = pick_virt_id(t);
	call_begin(t, "VDEVICE_ALLOC ctx=%d viommu=%u dev=%u (setup)", c.slot,
		   viommu, vd.dev_id);
	if (!call_end(t, ioctl(c.fd, IOMMU_VDEVICE_ALLOC, &vd)))
		add_obj(&c, K_VDEV, vd.out_vdevice_id, 0, 0, vd.dev_id, -1);
	vq.viommu_id = viommu;
	call_begin(t, "VEVENTQ_ALLOC ctx=%d viommu=%u (setup)", c.slot, viommu);
	if (!call_end(t, ioctl(c.fd, IOMMU_VEVENTQ_ALLOC, &vq))) {
		fcntl(vq.out_veventq_fd, F_SETFL, O_NONBLOCK);
		add_obj(&c, K_VEVENTQ, vq.out_veventq_id, 0, 0, viommu,
			vq.out_veventq_fd);
	}
	ha.dev_id = vd.dev_id;
	ha.pt_id = viommu;
	call_begin(t, "HWPT_ALLOC(viommu) ctx=%d dev=%u viommu=%u (setup)",
		   c.slot, ha.dev_id, viommu);
	if (call_end(t, ioctl(c.fd, IOMMU_HWPT_ALLOC, &ha)))
		return;
	add_obj(&c, K_NESTED, ha.out_hwpt_id, 0, 0, 0, -1);
	/* The device's selftest object, from the pool entry of its idev */
	if (!pick_obj(t, &c, K_IDEV, &o) || o.id != vd.dev_id)
		rep.id = pick_id(t, &c, K_STDEV);
	else
		rep.id = o.link;
	rep.mock_domain_replace.pt_id = ha.out_hwpt_id;
	use_hot(t, &c, ha.out_hwpt_id);
	call_begin(t, "MOCK_DOMAIN_REPLACE ctx=%d stdev=%u pt=%u (setup)",
		   c.slot, rep.id, ha.out_hwpt_id);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, &rep));
	trig.trigger_vevent.dev_id = vd.dev_id;
	call_begin(t, "TRIGGER_VEVENT ctx=%d dev=%u (setup)", c.slot,
		   vd.dev_id);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, &trig));
}

void register_viommu_ops(void)
{
	op_register("VIOMMU_ALLOC", op_viommu_alloc, 4, OPF_HOT);
	op_register("VDEVICE_ALLOC", op_vdevice_alloc, 4, OPF_HOT);
	op_register("HWPT_ALLOC_viommu", op_viommu_nested, 3, OPF_HOT);
	op_register("HWPT_INVALIDATE_viommu", op_viommu_invalidate, 3, OPF_HOT);
	op_register("VEVENTQ_ALLOC", op_veventq_alloc, 3, OPF_HOT);
	op_register("veventq_read", op_veventq_read, 3, 0);
	op_register("veventq_close", op_veventq_close, 2, OPF_HOT);
	op_register("TRIGGER_VEVENT", op_trigger_vevent, 4, OPF_HOT);
	op_register("DEV_CHECK_CACHE", op_check_dev_cache, 1, 0);
	op_register("HW_QUEUE_ALLOC", op_hw_queue_alloc, 3, OPF_HOT);
	op_register("viommu_setup", op_viommu_setup, 2, OPF_HOT);
}
