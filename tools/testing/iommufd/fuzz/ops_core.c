// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core /dev/iommu commands: IOAS_ALLOC, DESTROY, IOAS_ALLOW_IOVAS,
 * IOAS_COPY, IOAS_IOVA_RANGES, IOAS_MAP, IOAS_UNMAP, OPTION, VFIO_IOAS; the
 * context files themselves (close and reopen while other threads use them);
 * and raw commands with random numbers and bytes.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

#define CMD(t, type) ((type *)(t)->cmd)

static void op_ioas_alloc(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_alloc *a = CMD(t, struct iommu_ioas_alloc);
	uint32_t size = cmd_size(t, sizeof(*a), 12);
	void *p = cmd_ptr(t);

	a->size = size;
	a->flags = hostile_flags(t, 0);
	call_begin(t, "IOAS_ALLOC ctx=%d size=%u flags=%#x", c.slot, size,
		   a->flags);
	if (!call_end(t, ioctl(c.fd, IOMMU_IOAS_ALLOC, p)) && p == t->cmd) {
		call_note(t, " id=%u", a->out_ioas_id);
		add_obj(&c, K_IOAS, a->out_ioas_id, 0, 0, 0, -1);
		use_hot(t, &c, a->out_ioas_id);
	}
}

static long destroy(struct thr *t, const struct ctxref *c, uint32_t id)
{
	struct iommu_destroy *d = CMD(t, struct iommu_destroy);

	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	d->id = id;
	return ioctl(c->fd, IOMMU_DESTROY, d);
}

/*
 * DESTROY of a pooled ID; the "spin" variant retries while the object is
 * busy, so that it wins the moment another thread drops its last use (a
 * closing fd, a detaching device, an ending lookup).
 */
static void do_destroy(struct thr *t, bool spin)
{
	static const int kinds[] = { K_NONE, K_IOAS, K_HWPT, K_NESTED,
				     K_IDEV, K_STDEV, K_FAULT, K_FAULT,
				     K_VIOMMU, K_VDEV, K_VEVENTQ, K_HWQ };
	struct ctxref c = pick_ctx(t);
	int kind = rnd_pick(&t->rng, kinds);
	unsigned int n = 0, max = spin ? 64 + rnd_below(&t->rng, 448) : 1;
	uint32_t id;
	struct obj o;
	long rc;

	if (!spin || !chance(&t->rng, 50) || !get_hot(&c, &id)) {
		if (spin && pick_obj(t, &c, kind, &o))
			id = o.id;
		else
			id = pick_id(t, &c, kind);
	}
	/* Two destroys of one ID race too */
	if (!spin && chance(&t->rng, 20))
		set_hot(&c, id);
	if (!spin && chance(&t->rng, 3)) {
		struct iommu_destroy *d = CMD(t, struct iommu_destroy);
		uint32_t size = cmd_size(t, sizeof(*d), 8);

		d->size = size;
		d->id = id;
		call_begin(t, "DESTROY ctx=%d id=%u size=%u", c.slot, id,
			   size);
		call_end(t, ioctl(c.fd, IOMMU_DESTROY, cmd_ptr(t)));
		return;
	}
	call_begin(t, "DESTROY%s ctx=%d id=%u", spin ? "_spin" : "", c.slot,
		   id);
	do {
		rc = destroy(t, &c, id);
	} while (rc && errno == EBUSY && ++n < max && !fuzz_stopping());
	rc = call_end(t, rc);
	call_count(t, n);
	if (spin)
		call_note(t, " tries=%u", n + 1);
	if (!rc)
		del_obj(&c, id);
}

static void op_destroy(struct thr *t)
{
	do_destroy(t, false);
}

static void op_destroy_spin(struct thr *t)
{
	do_destroy(t, true);
}

/*
 * Hammer DESTROY on whatever object is hot right now, re-reading it before
 * every try and going on after a win: the thread that closes or detaches
 * the hot object then always meets a destroy in flight.
 */
static void op_destroy_follow(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	unsigned int n, max = 64 + rnd_below(&t->rng, 960), wins = 0, same = 0;
	uint32_t id = 0, first, prev;

	if (!get_hot(&c, &id))
		return;
	first = id;
	call_begin(t, "DESTROY_follow ctx=%d id=%u", c.slot, id);
	for (n = 0; n != max && !fuzz_stopping(); n++) {
		prev = id;
		/* Hot in another context now: stay on the last one */
		if (!get_hot(&c, &id))
			id = prev;
		if (!destroy(t, &c, id)) {
			wins++;
			del_obj(&c, id);
		}
		/* Nobody is releasing anything: stop wasting the machine */
		same = id == prev ? same + 1 : 0;
		if (same == 128)
			break;
	}
	call_end(t, wins ? 0 : -1);
	call_count(t, n ? n - 1 : 0);
	call_note(t, " tries=%u wins=%u last=%u%s", n, wins, id,
		  id != first ? " (followed)" : "");
}

/* Ranges for ALLOW_IOVAS in the data scratch: valid, overlapping, odd */
static unsigned int fill_ranges(struct thr *t, struct iommu_iova_range *r,
				unsigned int max)
{
	unsigned int n = rnd_below(&t->rng, 6), i;
	uint64_t align = pick_align(t), len;

	if (chance(&t->rng, 3))
		n = rnd_below(&t->rng, max) + 1;
	for (i = 0; i != n && i != max; i++) {
		len = pick_len(t, align);
		r[i].start = pick_iova(t, len, align);
		r[i].last = r[i].start + len - 1;
		if (chance(&t->rng, 5))
			r[i].last = r[i].start - 1;	/* backwards */
		if (chance(&t->rng, 10) && i) {
			r[i] = r[i - 1];	/* overlap */
		} else if (chance(&t->rng, 20)) {
			r[i].start = MOCK_APERTURE_START;
			r[i].last = MOCK_APERTURE_LAST;
		}
	}
	return i;
}

static void op_allow_iovas(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_allow_iovas *a =
		CMD(t, struct iommu_ioas_allow_iovas);
	struct iommu_iova_range *r = (void *)t->data;
	unsigned int max = SCRATCH_DATA / sizeof(*r);
	uint32_t size = cmd_size(t, sizeof(*a), 24);

	a->size = size;
	a->ioas_id = pick_id(t, &c, K_IOAS);
	a->num_iovas = fill_ranges(t, r, max);
	a->allowed_iovas = (uintptr_t)r;
	if (chance(&t->rng, 2))
		a->num_iovas = rnd(&t->rng);	/* beyond the buffer */
	if (chance(&t->rng, 2))
		a->allowed_iovas = hostile_ptr(t);
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	call_begin(t, "IOAS_ALLOW_IOVAS ctx=%d ioas=%u num=%u r0=%#llx-%#llx",
		   c.slot, a->ioas_id, a->num_iovas,
		   (unsigned long long)r[0].start,
		   (unsigned long long)r[0].last);
	call_end(t, ioctl(c.fd, IOMMU_IOAS_ALLOW_IOVAS, cmd_ptr(t)));
}

static void op_iova_ranges(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_iova_ranges *a =
		CMD(t, struct iommu_ioas_iova_ranges);
	uint32_t size = cmd_size(t, sizeof(*a), 32);
	static const uint32_t nums[] = { 0, 1, 2, 8, 64, 1000 };

	a->size = size;
	a->ioas_id = pick_id(t, &c, K_IOAS);
	a->num_iovas = rnd_pick(&t->rng, nums);
	a->allowed_iovas = chance(&t->rng, 3) ? hostile_ptr(t) :
						(uintptr_t)t->data;
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	call_begin(t, "IOAS_IOVA_RANGES ctx=%d ioas=%u num=%u ptr=%#llx",
		   c.slot, a->ioas_id, a->num_iovas,
		   (unsigned long long)a->allowed_iovas);
	call_end(t, ioctl(c.fd, IOMMU_IOAS_IOVA_RANGES, cmd_ptr(t)));
}

static uint32_t map_flags(struct thr *t)
{
	static const uint32_t f[] = {
		IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		IOMMU_IOAS_MAP_READABLE,
		IOMMU_IOAS_MAP_WRITEABLE,
		0,
	};
	uint32_t flags = rnd_pick(&t->rng, f);

	if (chance(&t->rng, 50))
		flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	return hostile_flags(t, flags);
}

static void op_ioas_map(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_map *a = CMD(t, struct iommu_ioas_map);
	uint32_t size = cmd_size(t, sizeof(*a), 40);
	uint64_t va, len, off, align = pick_align(t);
	void *p = cmd_ptr(t);
	int buf;

	buf = pick_buf_range(t, align, 0, &va, &len, &off);
	a->size = size;
	a->flags = map_flags(t);
	a->ioas_id = pick_id(t, &c, K_IOAS);
	a->user_va = va;
	a->length = len;
	a->iova = pick_iova(t, len, align);
	if (chance(&t->rng, 2))
		a->user_va = hostile_ptr(t);
	if (chance(&t->rng, 2))
		a->user_va += mio_sz;	/* misaligned against the IOVA */
	if (chance(&t->rng, 2))
		a->length = pick_len(t, 1);
	if (chance(&t->rng, 1))
		a->__reserved = 1;
	use_hot(t, &c, a->ioas_id);
	call_begin(t, "IOAS_MAP ctx=%d ioas=%u flags=%#x va=%#llx len=%#llx iova=%#llx buf=%d",
		   c.slot, a->ioas_id, a->flags,
		   (unsigned long long)a->user_va,
		   (unsigned long long)a->length,
		   (unsigned long long)a->iova, buf);
	if (call_end(t, ioctl(c.fd, IOMMU_IOAS_MAP, p)) || p != t->cmd)
		return;
	call_note(t, " -> iova=%#llx", (unsigned long long)a->iova);
	if (a->user_va == va)
		add_map(&c, a->ioas_id, buf, off, a->iova, a->length, false);
}

static void op_ioas_copy(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_copy *a = CMD(t, struct iommu_ioas_copy);
	uint32_t size = cmd_size(t, sizeof(*a), 40);
	struct mapping m = {};
	uint64_t align = pick_align(t);
	void *p = cmd_ptr(t);
	bool have = pick_map(t, &c, &m);

	a->size = size;
	a->flags = map_flags(t);
	if (chance(&t->rng, 3))
		a->flags |= MOCK_FLAGS_ACCESS_SYZ;
	a->dst_ioas_id = pick_id(t, &c, K_IOAS);
	a->src_ioas_id = have && chance(&t->rng, 80) ? m.ioas :
						       pick_id(t, &c, K_IOAS);
	a->src_iova = have ? m.iova : pick_iova(t, mio_sz, mio_sz);
	a->length = have ? m.len : pick_len(t, align);
	if (have && chance(&t->rng, 20) && m.len > mio_sz) {
		/* A part of the source mapping */
		a->src_iova += mio_sz;
		a->length -= mio_sz;
	}
	a->dst_iova = pick_iova(t, a->length, align);
	use_hot(t, &c, chance(&t->rng, 50) ? a->src_ioas_id :
					     a->dst_ioas_id);
	call_begin(t, "IOAS_COPY ctx=%d dst=%u src=%u flags=%#x src=%#llx len=%#llx dst=%#llx",
		   c.slot, a->dst_ioas_id, a->src_ioas_id, a->flags,
		   (unsigned long long)a->src_iova,
		   (unsigned long long)a->length,
		   (unsigned long long)a->dst_iova);
	if (call_end(t, ioctl(c.fd, IOMMU_IOAS_COPY, p)) || p != t->cmd)
		return;
	call_note(t, " -> iova=%#llx", (unsigned long long)a->dst_iova);
	if (have && a->src_iova == m.iova)
		add_map(&c, a->dst_ioas_id, m.buf, m.off, a->dst_iova,
			a->length, false);
}

static void op_ioas_unmap(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_unmap *a = CMD(t, struct iommu_ioas_unmap);
	uint32_t size = cmd_size(t, sizeof(*a), 24);
	struct mapping m;
	unsigned int r = rnd_below(&t->rng, 100);
	void *p = cmd_ptr(t);

	a->size = size;
	if (pick_map(t, &c, &m) && r < 70) {
		a->ioas_id = m.ioas;
		a->iova = m.iova;
		a->length = m.len;
		if (r < 10) {
			a->length += m.iova - m.iova / SZ_1M * SZ_1M;
			a->iova = m.iova / SZ_1M * SZ_1M;	/* wider */
			a->length = (a->length + SZ_1M - 1) / SZ_1M * SZ_1M;
		} else if (r < 18 && m.len > mio_sz) {
			a->length -= mio_sz;			/* a cut */
		}
	} else if (r < 85) {
		a->ioas_id = pick_id(t, &c, K_IOAS);
		a->iova = 0;
		a->length = UINT64_MAX;			/* everything */
	} else {
		a->ioas_id = pick_id(t, &c, K_IOAS);
		a->length = pick_len(t, mio_sz);
		a->iova = pick_iova(t, a->length, mio_sz);
	}
	use_hot(t, &c, a->ioas_id);
	call_begin(t, "IOAS_UNMAP ctx=%d ioas=%u iova=%#llx len=%#llx", c.slot,
		   a->ioas_id, (unsigned long long)a->iova,
		   (unsigned long long)a->length);
	if (call_end(t, ioctl(c.fd, IOMMU_IOAS_UNMAP, p)) || p != t->cmd)
		return;
	del_maps(&c, a->ioas_id, a->iova, a->length ?: 1);
}

/*
 * No fuzzed context has a no-IOMMU device, so a well-formed request ends in
 * ENODEV: this exercises the argument checks, the IOAS lookup racing
 * destroy, and that a pinned mapping never gives its address away.
 */
static void op_noiommu_get_pa(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_noiommu_get_pa *a =
		CMD(t, struct iommu_ioas_noiommu_get_pa);
	unsigned int r = rnd_below(&t->rng, 100);
	struct mapping m;
	void *p = cmd_ptr(t);

	a->size = cmd_size(t, sizeof(*a), 40);
	if (pick_map(t, &c, &m) && r < 60) {
		a->ioas_id = m.ioas;
		a->iova = m.iova + rnd_below(&t->rng, m.len);
		a->length = 1 + rnd_below(&t->rng, m.len);
	} else {
		a->ioas_id = pick_id(t, &c, K_IOAS);
		a->length = r < 70 ? 0 : pick_len(t, mio_sz);
		a->iova = r < 75 ? UINT64_MAX : pick_iova(t, a->length, mio_sz);
	}
	if (r >= 95)
		a->flags = 1U << rnd_below(&t->rng, 32);
	use_hot(t, &c, a->ioas_id);
	call_begin(t, "IOAS_NOIOMMU_GET_PA ctx=%d ioas=%u iova=%#llx len=%#llx",
		   c.slot, a->ioas_id, (unsigned long long)a->iova,
		   (unsigned long long)a->length);
	call_end(t, ioctl(c.fd, IOMMU_IOAS_NOIOMMU_GET_PA, p));
}

static void op_option(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_option *a = CMD(t, struct iommu_option);
	uint32_t size = cmd_size(t, sizeof(*a), 24);

	a->size = size;
	a->option_id = chance(&t->rng, 60) ? IOMMU_OPTION_HUGE_PAGES :
		       chance(&t->rng, 90) ? IOMMU_OPTION_RLIMIT_MODE :
					     rnd_below(&t->rng, 4);
	a->op = chance(&t->rng, 50) ? IOMMU_OPTION_OP_SET :
		chance(&t->rng, 95) ? IOMMU_OPTION_OP_GET : 7;
	a->object_id = a->option_id == IOMMU_OPTION_RLIMIT_MODE &&
		       chance(&t->rng, 90) ? 0 : pick_id(t, &c, K_IOAS);
	a->val64 = chance(&t->rng, 95) ? rnd_below(&t->rng, 2) :
					 rnd(&t->rng);
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	call_begin(t, "OPTION ctx=%d option=%u op=%u obj=%u val=%#llx", c.slot,
		   a->option_id, a->op, a->object_id,
		   (unsigned long long)a->val64);
	call_end(t, ioctl(c.fd, IOMMU_OPTION, cmd_ptr(t)));
}

static void op_vfio_ioas(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_vfio_ioas *a = CMD(t, struct iommu_vfio_ioas);
	uint32_t size = cmd_size(t, sizeof(*a), 12);

	a->size = size;
	a->op = chance(&t->rng, 97) ? rnd_below(&t->rng, 3) : 3;
	a->ioas_id = pick_id(t, &c, K_IOAS);
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	use_hot(t, &c, a->ioas_id);
	call_begin(t, "VFIO_IOAS ctx=%d op=%u ioas=%u", c.slot, a->op,
		   a->ioas_id);
	call_end(t, ioctl(c.fd, IOMMU_VFIO_IOAS, cmd_ptr(t)));
}

/*
 * Close a context file and open a new one (/dev/iommu, or /dev/vfio/vfio
 * when the legacy container is served): every object of the old one goes
 * away while other threads may still be in its ioctls.
 */
static void op_ctx_reopen(struct thr *t)
{
	int slot = rnd_below(&t->rng, NR_CTX);
	bool legacy = opts.legacy && slot == NR_CTX - 1 &&
		      !access("/dev/vfio/vfio", F_OK);
	int fd, old;

	call_begin(t, "reopen ctx=%d %s", slot,
		   legacy ? "/dev/vfio/vfio" : "/dev/iommu");
	fd = open(legacy ? "/dev/vfio/vfio" : "/dev/iommu", O_RDWR);
	call_end(t, fd < 0 ? -1 : 0);
	if (fd < 0)
		return;
	pthread_mutex_lock(&pool_lock);
	old = ctxs[slot].fd;
	ctx_reset(slot);
	ctxs[slot].fd = fd;
	ctxs[slot].legacy = legacy;
	pthread_mutex_unlock(&pool_lock);
	call_begin(t, "close old ctx=%d fd=%d", slot, old);
	call_end(t, close(old));
}

/* Any command number of the iommufd range with random bytes */
static void op_raw(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	unsigned int nr = IOMMUFD_CMD_BASE + rnd_below(&t->rng, 0x24);
	unsigned long req;
	unsigned int i, n = rnd_below(&t->rng, 24);
	uint32_t *w = (uint32_t *)t->cmd;

	memset(t->cmd, 0, page_sz);
	for (i = 0; i != n; i++)
		w[rnd_below(&t->rng, 20)] = chance(&t->rng, 50) ?
			rnd(&t->rng) : rnd_below(&t->rng, 8);
	w[0] = chance(&t->rng, 80) ? 8 * rnd_below(&t->rng, 12) :
				     rnd(&t->rng);
	req = chance(&t->rng, 90) ? _IO(IOMMUFD_TYPE, nr) :
		chance(&t->rng, 50) ? _IOWR(IOMMUFD_TYPE, nr, uint64_t) :
				      rnd(&t->rng) & 0xffffffff;
	call_begin(t, "raw ctx=%d req=%#lx w=%08x %08x %08x %08x %08x %08x",
		   c.slot, req, w[0], w[1], w[2], w[3], w[4], w[5]);
	call_end(t, ioctl(c.fd, req, t->cmd));
}

void register_core_ops(void)
{
	op_register("IOAS_ALLOC", op_ioas_alloc, 8, OPF_HOT);
	op_register("DESTROY", op_destroy, 10, OPF_HOT);
	op_register("DESTROY_spin", op_destroy_spin, 4, 0);
	op_register("DESTROY_follow", op_destroy_follow, 2, 0);
	op_register("IOAS_ALLOW_IOVAS", op_allow_iovas, 3, 0);
	op_register("IOAS_IOVA_RANGES", op_iova_ranges, 3, 0);
	op_register("IOAS_MAP", op_ioas_map, 20, OPF_HOT);
	op_register("IOAS_COPY", op_ioas_copy, 6, OPF_HOT);
	op_register("IOAS_UNMAP", op_ioas_unmap, 12, OPF_HOT);
	op_register("IOAS_NOIOMMU_GET_PA", op_noiommu_get_pa, 2, OPF_HOT);
	op_register("OPTION", op_option, 3, 0);
	op_register("VFIO_IOAS", op_vfio_ioas, 3, OPF_HOT);
	op_register("ctx_reopen", op_ctx_reopen, 1, OPF_NO_CHILD);
	op_register("raw", op_raw, 2, 0);
}
