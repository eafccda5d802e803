// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every op of IOMMU_TEST_CMD (drivers/iommu/iommufd/iommufd_test.h): mock
 * devices and domains, access objects and their fds, dirty bits, nested
 * IOTLB checks, injected I/O page faults and PASID attachments; and
 * compound ops that build the whole fault path (fault queue, nested HWPT,
 * device, faults) and a device with PASIDs attached at once.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

static struct iommu_test_cmd *tcmd(struct thr *t, uint32_t op,
				   uint32_t *size)
{
	struct iommu_test_cmd *c = (void *)t->cmd;

	*size = cmd_size(t, sizeof(*c), offsetof(struct iommu_test_cmd, last) +
			 sizeof(c->last));
	c->size = *size;
	c->op = op;
	return c;
}

static void op_add_reserved(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_ADD_RESERVED, &size);
	uint64_t align = pick_align(t);

	a->id = pick_id(t, &c, K_IOAS);
	a->add_reserved.length = pick_len(t, align);
	a->add_reserved.start = pick_iova(t, a->add_reserved.length, align);
	call_begin(t, "ADD_RESERVED ctx=%d ioas=%u start=%#llx len=%#llx",
		   c.slot, a->id, (unsigned long long)a->add_reserved.start,
		   (unsigned long long)a->add_reserved.length);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

#define MOCK_DEV_FLAGS (MOCK_FLAGS_DEVICE_NO_DIRTY | \
			MOCK_FLAGS_DEVICE_HUGE_IOVA | MOCK_FLAGS_DEVICE_PASID)

static uint32_t dev_flags(struct thr *t)
{
	uint32_t f = 0;

	if (chance(&t->rng, 20))
		f |= MOCK_FLAGS_DEVICE_NO_DIRTY;
	if (chance(&t->rng, 25))
		f |= MOCK_FLAGS_DEVICE_HUGE_IOVA;
	if (chance(&t->rng, 35))
		f |= MOCK_FLAGS_DEVICE_PASID;
	/* Known flags --dev-flags leaves out never appear, even by chance */
	return hostile_flags(t, f) & ~(MOCK_DEV_FLAGS & ~opts.dev_flags);
}

/* A pt_id to attach to: an IOAS mostly, else a paging or nested HWPT */
static uint32_t pick_pt(struct thr *t, const struct ctxref *c)
{
	unsigned int r = rnd_below(&t->rng, 100);

	if (r < 65)
		return pick_id(t, c, K_IOAS);
	if (r < 85)
		return pick_id(t, c, K_HWPT);
	return pick_id(t, c, K_NESTED);
}

/* MOCK_DOMAIN(_FLAGS) on @pt; the IDs go to the pool; 0 or -1 */
static int mock_domain(struct thr *t, const struct ctxref *c, uint32_t pt,
		       bool with_flags, uint32_t flags, uint32_t *stdev,
		       uint32_t *idev)
{
	uint32_t size;
	struct iommu_test_cmd *a;
	void *p;

	a = tcmd(t, with_flags ? IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS :
				 IOMMU_TEST_OP_MOCK_DOMAIN, &size);
	p = cmd_ptr(t);
	a->id = pt;
	if (with_flags)
		a->mock_domain_flags.dev_flags = flags;
	use_hot(t, c, pt);
	call_begin(t, "MOCK_DOMAIN%s ctx=%d pt=%u flags=%#x",
		   with_flags ? "_FLAGS" : "", c->slot, pt, flags);
	if (call_end(t, ioctl(c->fd, IOMMU_TEST_CMD, p)) || p != t->cmd)
		return -1;
	*stdev = a->mock_domain.out_stdev_id;
	*idev = a->mock_domain.out_idev_id;
	call_note(t, " stdev=%u hwpt=%u idev=%u", *stdev,
		  a->mock_domain.out_hwpt_id, *idev);
	add_obj(c, K_STDEV, *stdev, 0, flags, *idev, -1);
	add_obj(c, K_IDEV, *idev, 0, flags, *stdev, -1);
	if (a->mock_domain.out_hwpt_id != pt)
		add_obj(c, K_HWPT, a->mock_domain.out_hwpt_id, OF_AUTO, 0, pt,
			-1);
	return 0;
}

/*
 * An object of @kind in context @c for a command that needs one when the
 * pool has none: a new IOAS, fault queue, or mock device (which brings a
 * selftest object, a device object and an automatic HWPT).  Its commands
 * are built on the stack: t->cmd holds the caller's half-built command.
 * Returns the ID, or 0.
 */
uint32_t make_obj(struct thr *t, const struct ctxref *c, int kind)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd md = {
		.size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
	};
	struct obj o;
	uint32_t flags;

	switch (kind) {
	case K_IOAS:
		call_begin(t, "IOAS_ALLOC ctx=%d (needed)", c->slot);
		if (call_end(t, ioctl(c->fd, IOMMU_IOAS_ALLOC, &ia)))
			return 0;
		call_note(t, " id=%u", ia.out_ioas_id);
		add_obj(c, K_IOAS, ia.out_ioas_id, 0, 0, 0, -1);
		return ia.out_ioas_id;
	case K_FAULT:
		call_begin(t, "FAULT_QUEUE_ALLOC ctx=%d (needed)", c->slot);
		if (call_end(t, ioctl(c->fd, IOMMU_FAULT_QUEUE_ALLOC, &fa)))
			return 0;
		call_note(t, " id=%u fd=%u", fa.out_fault_id, fa.out_fault_fd);
		fcntl(fa.out_fault_fd, F_SETFL, O_NONBLOCK);
		add_obj(c, K_FAULT, fa.out_fault_id, 0, 0, 0, fa.out_fault_fd);
		return fa.out_fault_id;
	case K_IDEV:
	case K_STDEV:
	case K_HWPT:
		md.id = pick_obj(t, c, K_IOAS, &o) ? o.id :
						      make_obj(t, c, K_IOAS);
		if (!md.id)
			return 0;
		flags = dev_flags(t) & MOCK_DEV_FLAGS;
		md.mock_domain_flags.dev_flags = flags;
		call_begin(t, "MOCK_DOMAIN_FLAGS ctx=%d pt=%u flags=%#x (needed)",
			   c->slot, md.id, flags);
		if (call_end(t, ioctl(c->fd, IOMMU_TEST_CMD, &md)))
			return 0;
		call_note(t, " stdev=%u hwpt=%u idev=%u",
			  md.mock_domain.out_stdev_id,
			  md.mock_domain.out_hwpt_id,
			  md.mock_domain.out_idev_id);
		add_obj(c, K_STDEV, md.mock_domain.out_stdev_id, 0, flags,
			md.mock_domain.out_idev_id, -1);
		add_obj(c, K_IDEV, md.mock_domain.out_idev_id, 0, flags,
			md.mock_domain.out_stdev_id, -1);
		add_obj(c, K_HWPT, md.mock_domain.out_hwpt_id, OF_AUTO, 0,
			md.id, -1);
		return kind == K_IDEV ? md.mock_domain.out_idev_id :
		       kind == K_STDEV ? md.mock_domain.out_stdev_id :
		       md.mock_domain.out_hwpt_id;
	case K_VIOMMU:
		return make_viommu(t, c);
	default:
		return 0;
	}
}

static void op_mock_domain(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	bool with_flags = chance(&t->rng, 70);
	uint32_t stdev, idev;

	mock_domain(t, &c, pick_pt(t, &c), with_flags,
		    with_flags ? dev_flags(t) : 0, &stdev, &idev);
}

/* A paging HWPT, and in *@ioas the IOAS it belongs to if known */
static uint32_t pick_hwpt(struct thr *t, const struct ctxref *c,
			  uint32_t *ioas)
{
	struct obj o;

	*ioas = 0;
	if (chance(&t->rng, 90) && pick_obj(t, c, K_HWPT, &o)) {
		*ioas = o.link;
		return o.id;
	}
	return pick_id(t, c, K_HWPT);
}

static void op_check_map(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size, ioas;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_MD_CHECK_MAP, &size);
	struct mapping m;
	uint64_t va, len, off;

	a->id = pick_hwpt(t, &c, &ioas);
	if (pick_map_in(t, &c, ioas, false, &m) && !m.legacy) {
		a->check_map.iova = m.iova;
		a->check_map.length = m.len;
		a->check_map.uptr = (uintptr_t)bufs[m.buf].va + m.off;
	} else {
		pick_buf_range(t, mio_sz, 0, &va, &len, &off);
		a->check_map.uptr = va;
		a->check_map.length = len;
		a->check_map.iova = pick_iova(t, len, mio_sz);
	}
	call_begin(t, "MD_CHECK_MAP ctx=%d hwpt=%u iova=%#llx len=%#llx uptr=%#llx",
		   c.slot, a->id, (unsigned long long)a->check_map.iova,
		   (unsigned long long)a->check_map.length,
		   (unsigned long long)a->check_map.uptr);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_check_refs(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_MD_CHECK_REFS, &size);
	uint64_t va, len, off;

	pick_buf_range(t, page_sz, SZ_1M, &va, &len, &off);
	a->check_refs.uptr = va;
	a->check_refs.length = len;
	a->check_refs.refs = rnd_below(&t->rng, 3);
	call_begin(t, "MD_CHECK_REFS ctx=%d uptr=%#llx len=%#llx refs=%u",
		   c.slot, (unsigned long long)va, (unsigned long long)len,
		   a->check_refs.refs);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_create_access(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_CREATE_ACCESS, &size);
	bool pin = chance(&t->rng, 70);
	void *p = cmd_ptr(t);
	int fd;

	a->id = pick_id(t, &c, K_IOAS);
	a->create_access.flags =
		hostile_flags(t, pin ? MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES :
				       0);
	use_hot(t, &c, a->id);
	call_begin(t, "CREATE_ACCESS ctx=%d ioas=%u flags=%#x", c.slot, a->id,
		   a->create_access.flags);
	if (call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, p)) || p != t->cmd)
		return;
	fd = a->create_access.out_access_fd;
	call_note(t, " fd=%d", fd);
	add_access(&c, fd, a->id, pin);
}

static void op_access_close(struct thr *t)
{
	struct access acc;
	int slot, fd = pick_access(t, &acc, &slot);

	if (fd < 0)
		return;
	pthread_mutex_lock(&pool_lock);
	if (accesses[slot].fd != fd)
		fd = -1;
	else
		accesses[slot].fd = -1;
	pthread_mutex_unlock(&pool_lock);
	if (fd < 0)
		return;
	call_begin(t, "close access fd=%d ioas=%u", fd, acc.ioas);
	call_end(t, close(fd));
}

/* The access fd to use: mostly a pooled one, else any fd */
static int access_fd(struct thr *t, struct access *acc, int *slot)
{
	int fd = pick_access(t, acc, slot);

	if (fd < 0 || chance(&t->rng, 3)) {
		*slot = -1;
		fd = pick_fd_any(t);
	}
	return fd;
}

static void op_access_pages(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_ACCESS_PAGES, &size);
	struct access acc;
	struct mapping m;
	int slot, fd = access_fd(t, &acc, &slot);
	void *p = cmd_ptr(t);

	a->id = fd;
	a->access_pages.flags = chance(&t->rng, 50) ?
				MOCK_FLAGS_ACCESS_WRITE : 0;
	if (slot >= 0)
		c = ctx_of(acc.ctx);
	if (pick_map_in(t, &c, slot >= 0 ? acc.ioas : 0, true, &m) &&
	    !m.legacy) {
		a->access_pages.iova = m.iova / page_sz * page_sz;
		a->access_pages.length = m.len;
		if (chance(&t->rng, 50) && m.len > page_sz)
			a->access_pages.length = page_sz *
				(1 + rnd_below(&t->rng, m.len / page_sz));
		if (chance(&t->rng, 60))
			a->access_pages.uptr = (uintptr_t)bufs[m.buf].va +
					       m.off;
	} else {
		a->access_pages.length = pick_len(t, page_sz);
		a->access_pages.iova = pick_iova(t, a->access_pages.length,
						 page_sz);
	}
	if (chance(&t->rng, 10)) {
		a->access_pages.flags |= MOCK_FLAGS_ACCESS_SYZ;
		a->access_pages.iova = (uint64_t)rnd_below(&t->rng, 8) |
			(uint64_t)(rnd_below(&t->rng, 4) * page_sz) << 32;
	}
	a->access_pages.flags = hostile_flags(t, a->access_pages.flags);
	call_begin(t, "ACCESS_PAGES fd=%d flags=%#x iova=%#llx len=%#llx uptr=%#llx",
		   fd, a->access_pages.flags,
		   (unsigned long long)a->access_pages.iova,
		   (unsigned long long)a->access_pages.length,
		   (unsigned long long)a->access_pages.uptr);
	if (call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, p)) || p != t->cmd ||
	    slot < 0)
		return;
	call_note(t, " item=%u", a->access_pages.out_access_pages_id);
	pthread_mutex_lock(&pool_lock);
	if (accesses[slot].fd == fd)
		accesses[slot].items[accesses[slot].nitems++ % ACCESS_ITEMS] =
			a->access_pages.out_access_pages_id;
	pthread_mutex_unlock(&pool_lock);
}

static void op_access_unpin(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a =
		tcmd(t, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, &size);
	struct access acc;
	int slot, fd = access_fd(t, &acc, &slot);

	a->id = fd;
	if (slot >= 0 && acc.nitems && chance(&t->rng, 90))
		a->destroy_access_pages.access_pages_id =
			acc.items[rnd_below(&t->rng, acc.nitems < ACCESS_ITEMS ?
					    acc.nitems : ACCESS_ITEMS)];
	else
		a->destroy_access_pages.access_pages_id =
			rnd_below(&t->rng, 16);
	call_begin(t, "DESTROY_ACCESS_PAGES fd=%d item=%u", fd,
		   a->destroy_access_pages.access_pages_id);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_access_rw(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_ACCESS_RW, &size);
	struct access acc;
	struct mapping m;
	int slot, fd = access_fd(t, &acc, &slot);
	uint32_t flags = 0;

	a->id = fd;
	if (slot >= 0)
		c = ctx_of(acc.ctx);
	if (pick_map_in(t, &c, slot >= 0 ? acc.ioas : 0, false, &m)) {
		a->access_rw.iova = m.iova + rnd_below(&t->rng, m.len);
		a->access_rw.length = 1 + rnd_below(&t->rng, m.len);
	} else {
		a->access_rw.iova = pick_iova(t, 64, 1);
		a->access_rw.length = pick_len(t, 1);
	}
	if (a->access_rw.length > SCRATCH_DATA && chance(&t->rng, 90))
		a->access_rw.length = SCRATCH_DATA;
	a->access_rw.uptr = chance(&t->rng, 97) ? (uintptr_t)t->data :
						  hostile_ptr(t);
	if (chance(&t->rng, 50))
		flags |= MOCK_ACCESS_RW_WRITE;
	if (chance(&t->rng, 30))
		flags |= MOCK_ACCESS_RW_SLOW_PATH;
	if (chance(&t->rng, 5)) {
		flags |= MOCK_FLAGS_ACCESS_SYZ;
		a->access_rw.iova = rnd_below(&t->rng, 8) |
				    rnd_below(&t->rng, 8192) << 32;
	}
	a->access_rw.flags = hostile_flags(t, flags);
	call_begin(t, "ACCESS_RW fd=%d flags=%#x iova=%#llx len=%#llx uptr=%#llx",
		   fd, a->access_rw.flags,
		   (unsigned long long)a->access_rw.iova,
		   (unsigned long long)a->access_rw.length,
		   (unsigned long long)a->access_rw.uptr);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_temp_limit(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a =
		tcmd(t, IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, &size);
	static const uint32_t limits[] = { 65536, 65536, 65536, 16, 32, 12,
					   11, 4096, 0 };

	a->memory_limit.limit = rnd_pick(&t->rng, limits);
	call_begin(t, "SET_TEMP_MEMORY_LIMIT limit=%u",
		   a->memory_limit.limit);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_domain_replace(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a =
		tcmd(t, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, &size);

	a->id = pick_id(t, &c, K_STDEV);
	a->mock_domain_replace.pt_id = pick_pt(t, &c);
	use_hot(t, &c, chance(&t->rng, 50) ? a->id :
					     a->mock_domain_replace.pt_id);
	call_begin(t, "MOCK_DOMAIN_REPLACE ctx=%d stdev=%u pt=%u", c.slot,
		   a->id, a->mock_domain_replace.pt_id);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_access_replace(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a =
		tcmd(t, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, &size);
	struct access acc;
	int slot, fd = access_fd(t, &acc, &slot);

	if (slot >= 0)
		c = ctx_of(acc.ctx);
	a->id = fd;
	a->access_replace_ioas.ioas_id = pick_id(t, &c, K_IOAS);
	use_hot(t, &c, a->access_replace_ioas.ioas_id);
	call_begin(t, "ACCESS_REPLACE_IOAS fd=%d ioas=%u", fd,
		   a->access_replace_ioas.ioas_id);
	if (call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t))) || slot < 0)
		return;
	pthread_mutex_lock(&pool_lock);
	if (accesses[slot].fd == fd)
		accesses[slot].ioas = a->access_replace_ioas.ioas_id;
	pthread_mutex_unlock(&pool_lock);
}

static void op_dirty(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_DIRTY, &size);
	struct mapping m;
	uint64_t nbits;
	uint32_t ioas;

	a->id = pick_hwpt(t, &c, &ioas);
	a->dirty.page_size = chance(&t->rng, 90) ? mio_sz : page_sz;
	if (pick_map_in(t, &c, ioas, false, &m)) {
		a->dirty.iova = m.iova;
		a->dirty.length = m.len;
	} else {
		a->dirty.length = pick_len(t, mio_sz);
		a->dirty.iova = pick_iova(t, a->dirty.length, mio_sz);
	}
	nbits = a->dirty.length / a->dirty.page_size;
	if (nbits / 8 < SCRATCH_DATA) {
		memset(t->data, chance(&t->rng, 50) ? 0xff : 0x5a,
		       nbits / 8 + 8);
		a->dirty.uptr = (uintptr_t)t->data;
	} else {
		a->dirty.uptr = hostile_ptr(t);
	}
	call_begin(t, "DIRTY ctx=%d hwpt=%u iova=%#llx len=%#llx psz=%#llx",
		   c.slot, a->id, (unsigned long long)a->dirty.iova,
		   (unsigned long long)a->dirty.length,
		   (unsigned long long)a->dirty.page_size);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_check_iotlb(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_MD_CHECK_IOTLB, &size);

	a->id = pick_id(t, &c, K_NESTED);
	a->check_iotlb.id = rnd_below(&t->rng, MOCK_NESTED_DOMAIN_IOTLB_NUM +
				      1);
	a->check_iotlb.iotlb = chance(&t->rng, 50) ?
			       IOMMU_TEST_IOTLB_DEFAULT : 0;
	call_begin(t, "MD_CHECK_IOTLB ctx=%d hwpt=%u idx=%u val=%#x", c.slot,
		   a->id, a->check_iotlb.id, a->check_iotlb.iotlb);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static long trigger_iopf(struct thr *t, const struct ctxref *c,
			 uint32_t idev)
{
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, IOMMU_TEST_OP_TRIGGER_IOPF, &size);

	a->trigger_iopf.dev_id = idev;
	a->trigger_iopf.pasid = chance(&t->rng, 70) ?
				1 + rnd_below(&t->rng, 1 << 20) : 0;
	a->trigger_iopf.grpid = rnd_below(&t->rng, 512);
	a->trigger_iopf.perm = rnd_below(&t->rng, 16);
	a->trigger_iopf.addr = pick_iova(t, page_sz, page_sz);
	use_hot(t, c, idev);
	call_begin(t, "TRIGGER_IOPF ctx=%d dev=%u pasid=%#x grp=%u perm=%#x addr=%#llx",
		   c->slot, idev, a->trigger_iopf.pasid,
		   a->trigger_iopf.grpid, a->trigger_iopf.perm,
		   (unsigned long long)a->trigger_iopf.addr);
	return call_end(t, ioctl(c->fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_trigger_iopf(struct thr *t)
{
	struct ctxref c = pick_ctx(t);

	trigger_iopf(t, &c, pick_id(t, &c, K_IDEV));
}

/*
 * The whole I/O page fault path in one go: a fault queue, a NEST_PARENT
 * HWPT, a nested HWPT delivering to the queue, a device moved onto it, and
 * a few faults.  The objects stay in the pool for everybody else.
 */
static void op_iopf_setup(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_alloc *h = (void *)t->cmd;
	struct iommu_hwpt_selftest *data = (void *)t->data;
	uint32_t ioas, stdev, idev, parent, nested, fault_id, size;
	struct iommu_fault_alloc *f = (void *)t->cmd;
	struct iommu_test_cmd *a;
	unsigned int i;
	int fd;

	ioas = pick_id(t, &c, K_IOAS);
	if (mock_domain(t, &c, ioas, true, dev_flags(t), &stdev, &idev))
		return;
	memset(f, 0, sizeof(*f));
	f->size = sizeof(*f);
	call_begin(t, "FAULT_QUEUE_ALLOC ctx=%d", c.slot);
	if (call_end(t, ioctl(c.fd, IOMMU_FAULT_QUEUE_ALLOC, f)))
		return;
	fd = f->out_fault_fd;
	fault_id = f->out_fault_id;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	add_obj(&c, K_FAULT, fault_id, 0, 0, 0, fd);

	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	h->dev_id = idev;
	h->pt_id = ioas;
	call_begin(t, "HWPT_ALLOC ctx=%d dev=%u pt=%u parent", c.slot, idev,
		   ioas);
	if (call_end(t, ioctl(c.fd, IOMMU_HWPT_ALLOC, h)))
		return;
	parent = h->out_hwpt_id;
	add_obj(&c, K_HWPT, parent, OF_NEST_PARENT, 0, ioas, -1);

	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->flags = IOMMU_HWPT_FAULT_ID_VALID;
	h->dev_id = idev;
	h->pt_id = parent;
	h->data_type = IOMMU_HWPT_DATA_SELFTEST;
	h->data_len = sizeof(*data);
	h->data_uptr = (uintptr_t)data;
	h->fault_id = fault_id;
	data->iotlb = IOMMU_TEST_IOTLB_DEFAULT;
	call_begin(t, "HWPT_ALLOC ctx=%d dev=%u pt=%u fault=%u nested", c.slot,
		   idev, parent, fault_id);
	if (call_end(t, ioctl(c.fd, IOMMU_HWPT_ALLOC, h)))
		return;
	nested = h->out_hwpt_id;
	add_obj(&c, K_NESTED, nested, OF_FAULT, 0, 0, -1);

	a = tcmd(t, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, &size);
	a->size = sizeof(*a);
	a->id = stdev;
	a->mock_domain_replace.pt_id = nested;
	call_begin(t, "MOCK_DOMAIN_REPLACE ctx=%d stdev=%u pt=%u", c.slot,
		   stdev, nested);
	if (call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, a)))
		return;
	for (i = rnd_below(&t->rng, 4); i != 0; i--)
		trigger_iopf(t, &c, idev);
}

/* A PASID: mostly one of a few, so that ops meet; sometimes a bad one */
static uint32_t pick_pasid(struct thr *t)
{
	unsigned int r = rnd_below(&t->rng, 100);

	if (r < 80)
		return 1 + rnd_below(&t->rng, 8);
	if (r < 90)
		return IOMMU_TEST_PASID_RESERVED;
	if (r < 95)
		return rnd_below(&t->rng, 1u << (MOCK_PASID_WIDTH + 1));
	return chance(&t->rng, 50) ? 0 : rnd(&t->rng);
}

/* A pt_id for a PASID: a HWPT allocated with ALLOC_PASID, mostly */
static uint32_t pick_pasid_pt(struct thr *t, const struct ctxref *c)
{
	int kind = chance(&t->rng, 75) ? K_HWPT : K_NESTED;
	struct obj o;

	if (chance(&t->rng, 85) && pick_obj(t, c, kind, &o) &&
	    (o.flags & OF_PASID))
		return o.id;
	return pick_pt(t, c);
}

static void op_pasid(struct thr *t, uint32_t op, const char *name)
{
	struct ctxref c = pick_ctx(t);
	uint32_t size;
	struct iommu_test_cmd *a = tcmd(t, op, &size);

	a->id = pick_id(t, &c, K_STDEV);
	/* pasid is at the same offset in every PASID op's member */
	a->pasid_attach.pasid = pick_pasid(t);
	if (op == IOMMU_TEST_OP_PASID_CHECK_HWPT)
		a->pasid_check.hwpt_id = chance(&t->rng, 20) ? 0 :
					 pick_pasid_pt(t, &c);
	else if (op != IOMMU_TEST_OP_PASID_DETACH)
		a->pasid_attach.pt_id = pick_pasid_pt(t, &c);
	use_hot(t, &c, chance(&t->rng, 50) ? a->id : a->pasid_attach.pt_id);
	call_begin(t, "%s ctx=%d stdev=%u pasid=%#x pt=%u", name, c.slot,
		   a->id, a->pasid_attach.pasid, a->pasid_attach.pt_id);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_pasid_attach(struct thr *t)
{
	op_pasid(t, IOMMU_TEST_OP_PASID_ATTACH, "PASID_ATTACH");
}

static void op_pasid_replace(struct thr *t)
{
	op_pasid(t, IOMMU_TEST_OP_PASID_REPLACE, "PASID_REPLACE");
}

static void op_pasid_detach(struct thr *t)
{
	op_pasid(t, IOMMU_TEST_OP_PASID_DETACH, "PASID_DETACH");
}

static void op_pasid_check(struct thr *t)
{
	op_pasid(t, IOMMU_TEST_OP_PASID_CHECK_HWPT, "PASID_CHECK_HWPT");
}

/*
 * A PASID-capable device with PASIDs attached in one go: the device, two
 * ALLOC_PASID HWPTs, the RID moved onto one, a few PASIDs attached to
 * either.  The objects stay in the pool for everybody else.
 */
static void op_pasid_setup(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_alloc *h = (void *)t->cmd;
	uint32_t ioas, stdev, idev, hwpt[2], size;
	struct iommu_test_cmd *a;
	unsigned int i;

	ioas = pick_id(t, &c, K_IOAS);
	if (mock_domain(t, &c, ioas, true, MOCK_FLAGS_DEVICE_PASID, &stdev,
			&idev))
		return;
	for (i = 0; i != 2; i++) {
		memset(h, 0, sizeof(*h));
		h->size = sizeof(*h);
		h->flags = IOMMU_HWPT_ALLOC_PASID;
		h->dev_id = idev;
		h->pt_id = ioas;
		call_begin(t, "HWPT_ALLOC ctx=%d dev=%u pt=%u pasid", c.slot,
			   idev, ioas);
		if (call_end(t, ioctl(c.fd, IOMMU_HWPT_ALLOC, h)))
			return;
		hwpt[i] = h->out_hwpt_id;
		add_obj(&c, K_HWPT, hwpt[i], OF_PASID, 0, ioas, -1);
	}

	a = tcmd(t, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, &size);
	a->size = sizeof(*a);
	a->id = stdev;
	a->mock_domain_replace.pt_id = hwpt[0];
	call_begin(t, "MOCK_DOMAIN_REPLACE ctx=%d stdev=%u pt=%u", c.slot,
		   stdev, hwpt[0]);
	if (call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, a)))
		return;
	for (i = 1 + rnd_below(&t->rng, 4); i != 0; i--) {
		a = tcmd(t, IOMMU_TEST_OP_PASID_ATTACH, &size);
		a->size = sizeof(*a);
		a->id = stdev;
		a->pasid_attach.pasid = pick_pasid(t);
		a->pasid_attach.pt_id = hwpt[i & 1];
		call_begin(t, "PASID_ATTACH ctx=%d stdev=%u pasid=%#x pt=%u",
			   c.slot, stdev, a->pasid_attach.pasid,
			   a->pasid_attach.pt_id);
		call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, a));
	}
}

void register_mock_ops(void)
{
	op_register("ADD_RESERVED", op_add_reserved, 2, 0);
	op_register("MOCK_DOMAIN", op_mock_domain, 10, OPF_HOT);
	op_register("MD_CHECK_MAP", op_check_map, 3, 0);
	op_register("MD_CHECK_REFS", op_check_refs, 2, 0);
	op_register("CREATE_ACCESS", op_create_access, 4, OPF_HOT);
	op_register("access_close", op_access_close, 2, 0);
	op_register("ACCESS_PAGES", op_access_pages, 6, 0);
	op_register("DESTROY_ACCESS_PAGES", op_access_unpin, 3, 0);
	op_register("ACCESS_RW", op_access_rw, 4, 0);
	op_register("SET_TEMP_MEMORY_LIMIT", op_temp_limit, 1, 0);
	op_register("MOCK_DOMAIN_REPLACE", op_domain_replace, 6, OPF_HOT);
	op_register("ACCESS_REPLACE_IOAS", op_access_replace, 3, OPF_HOT);
	op_register("DIRTY", op_dirty, 2, 0);
	op_register("MD_CHECK_IOTLB", op_check_iotlb, 1, 0);
	op_register("TRIGGER_IOPF", op_trigger_iopf, 4, OPF_HOT);
	op_register("iopf_setup", op_iopf_setup, 3, OPF_HOT);
	op_register("PASID_ATTACH", op_pasid_attach, 4, OPF_HOT);
	op_register("PASID_REPLACE", op_pasid_replace, 3, OPF_HOT);
	op_register("PASID_DETACH", op_pasid_detach, 3, OPF_HOT);
	op_register("PASID_CHECK_HWPT", op_pasid_check, 1, 0);
	op_register("pasid_setup", op_pasid_setup, 2, OPF_HOT);
}
