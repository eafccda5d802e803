// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pools the threads share (object IDs per context, access and fault
 * fds, mappings) and the choice of mostly valid, sometimes hostile
 * arguments from them.
 *
 * IDs are picked of the kind a command wants most of the time, the most
 * recently created one of that kind often (so that threads meet on the same
 * object), any ID of another kind sometimes, and a random or stale value
 * rarely.  Entries are not removed when an object may have gone away as a
 * side effect: stale IDs are hostile input too.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
struct ctx ctxs[NR_CTX];
struct access accesses[NR_ACCESS];
struct mapping maps[NR_MAPS];
struct cookie cookies[NR_COOKIES];
static unsigned int map_next;

struct ctxref pick_ctx(struct thr *t)
{
	struct ctxref c;
	int slot;

	/* Mostly the first context, so that objects meet */
	slot = chance(&t->rng, 60) ? 0 : rnd_below(&t->rng, NR_CTX);
	pthread_mutex_lock(&pool_lock);
	c.slot = slot;
	c.fd = ctxs[slot].fd;
	c.gen = ctxs[slot].gen;
	c.legacy = ctxs[slot].legacy;
	pthread_mutex_unlock(&pool_lock);
	return c;
}

/* Index of a random used entry of @kind (any kind for K_NONE), or -1 */
static int find_obj(struct thr *t, struct ctx *x, int kind, bool recent)
{
	unsigned int i, start = rnd_below(&t->rng, POOL_IDS);
	uint64_t best_born = 0;
	int best = -1;

	for (i = 0; i != POOL_IDS; i++) {
		struct obj *o = &x->objs[(start + i) % POOL_IDS];

		if (o->kind == K_NONE || (kind != K_NONE && o->kind != kind))
			continue;
		if (!recent)
			return (start + i) % POOL_IDS;
		if (best < 0 || o->born > best_born) {
			best = (start + i) % POOL_IDS;
			best_born = o->born;
		}
	}
	return best;
}

bool pick_obj(struct thr *t, const struct ctxref *c, int kind,
	      struct obj *out)
{
	struct ctx *x = &ctxs[c->slot];
	int i;

	pthread_mutex_lock(&pool_lock);
	i = find_obj(t, x, kind, chance(&t->rng, 30));
	if (i >= 0)
		*out = x->objs[i];
	pthread_mutex_unlock(&pool_lock);
	return i >= 0;
}

uint32_t pick_id(struct thr *t, const struct ctxref *c, int kind)
{
	static const uint32_t odd[] = { 0, 1, 2, 0xffffffff, 0x80000000,
					 1000 };
	unsigned int r = rnd_below(&t->rng, 100);
	struct obj o;

	if (r < 3)
		return rnd_pick(&t->rng, odd);
	if (r < 5)
		return rnd_below(&t->rng, 64) + 1;
	if (r < 12)
		kind = K_NONE;	/* any kind: often the wrong one */
	if (pick_obj(t, c, kind, &o))
		return o.id;
	/* Mostly valid: make one when there is none of that kind */
	if (kind != K_NONE) {
		uint32_t id = make_obj(t, c, kind);

		if (id)
			return id;
	}
	if (pick_obj(t, c, K_NONE, &o))
		return o.id;
	return rnd_below(&t->rng, 16) + 1;
}

void add_obj(const struct ctxref *c, int kind, uint32_t id, uint8_t flags,
	     uint16_t dev_flags, uint32_t link, int fd)
{
	struct ctx *x = &ctxs[c->slot];
	struct obj *o;
	unsigned int i;

	pthread_mutex_lock(&pool_lock);
	if (x->gen != c->gen)
		goto out;
	/* An ID that came back replaces its stale entry */
	for (i = 0; i != POOL_IDS; i++)
		if (x->objs[i].kind != K_NONE && x->objs[i].id == id)
			x->objs[i].kind = K_NONE;
	if (id > x->max_id)
		x->max_id = id;
	o = &x->objs[x->next++ % POOL_IDS];
	/* Keep fault fds findable: never overwrite an entry with an open fd */
	for (i = 0; kind_has_fd(o->kind) && o->fd >= 0 && i != POOL_IDS; i++)
		o = &x->objs[x->next++ % POOL_IDS];
	if (kind_has_fd(o->kind) && o->fd >= 0)
		close(o->fd);
	*o = (struct obj){
		.id = id, .kind = kind, .flags = flags,
		.dev_flags = dev_flags, .link = link, .fd = fd,
		.born = ++x->serial,
	};
	fd = -1;
out:
	pthread_mutex_unlock(&pool_lock);
	if (fd >= 0)
		close(fd);	/* the context was reopened meanwhile */
}

void del_obj(const struct ctxref *c, uint32_t id)
{
	struct ctx *x = &ctxs[c->slot];
	unsigned int i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; x->gen == c->gen && i != POOL_IDS; i++) {
		struct obj *o = &x->objs[i];

		if (o->kind == K_NONE || o->id != id)
			continue;
		/* A destroyed fault queue has no fd left to close */
		o->kind = K_NONE;
	}
	pthread_mutex_unlock(&pool_lock);
}

/*
 * A fault fd of context @c and its object ID.  With @close_it the fd leaves
 * the pool and the caller closes it; otherwise the fd may be closed by
 * another thread while the caller uses it (which is part of the game).
 */
int take_fault_fd(struct thr *t, const struct ctxref *c, uint32_t *id,
		  bool close_it)
{
	return take_obj_fd(t, c, K_FAULT, id, close_it);
}

/* The same for any kind with an fd (kind_has_fd()) */
int take_obj_fd(struct thr *t, const struct ctxref *c, int kind,
		uint32_t *id, bool close_it)
{
	struct ctx *x = &ctxs[c->slot];
	unsigned int i, start = rnd_below(&t->rng, POOL_IDS);
	int fd = -1;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != POOL_IDS; i++) {
		struct obj *o = &x->objs[(start + i) % POOL_IDS];

		if (o->kind != kind || o->fd < 0)
			continue;
		fd = o->fd;
		*id = o->id;
		if (close_it)
			o->fd = -1;
		break;
	}
	pthread_mutex_unlock(&pool_lock);
	return fd;
}

/* Any fd the fuzzer handed out, for commands on a file of the wrong kind */
int pick_fd_any(struct thr *t)
{
	int fd = -1;

	pthread_mutex_lock(&pool_lock);
	switch (rnd_below(&t->rng, 3)) {
	case 0:
		fd = accesses[rnd_below(&t->rng, NR_ACCESS)].fd;
		break;
	case 1:
		fd = ctxs[rnd_below(&t->rng, NR_CTX)].fd;
		break;
	default: {
		struct ctx *x = &ctxs[rnd_below(&t->rng, NR_CTX)];
		struct obj *o = &x->objs[rnd_below(&t->rng, POOL_IDS)];

		if (kind_has_fd(o->kind))
			fd = o->fd;
	}
	}
	pthread_mutex_unlock(&pool_lock);
	/* Never a random number: that could be the console or /dev/kmsg */
	return fd >= 0 ? fd : chance(&t->rng, 50) ? -1 : 9999;
}

static struct {
	int slot;
	unsigned int gen;
	uint32_t id;
	uint64_t serial;
} hot;

void set_hot(const struct ctxref *c, uint32_t id)
{
	pthread_mutex_lock(&pool_lock);
	hot.slot = c->slot;
	hot.gen = c->gen;
	hot.id = id;
	hot.serial++;
	pthread_mutex_unlock(&pool_lock);
}

void use_hot(struct thr *t, const struct ctxref *c, uint32_t id)
{
	if (chance(&t->rng, 50))
		set_hot(c, id);
}

bool get_hot(const struct ctxref *c, uint32_t *id)
{
	bool ok;

	pthread_mutex_lock(&pool_lock);
	ok = hot.serial && hot.slot == c->slot && hot.gen == c->gen;
	*id = hot.id;
	pthread_mutex_unlock(&pool_lock);
	return ok;
}

/* Forget everything of a context slot; pool_lock held */
void ctx_reset(int slot)
{
	struct ctx *x = &ctxs[slot];
	unsigned int i;

	for (i = 0; i != POOL_IDS; i++) {
		if (kind_has_fd(x->objs[i].kind) && x->objs[i].fd >= 0)
			close(x->objs[i].fd);
		x->objs[i].kind = K_NONE;
	}
	for (i = 0; i != NR_MAPS; i++)
		if (maps[i].ctx == slot)
			maps[i].used = false;
	x->max_id = 0;
	x->gen++;
}

/*
 * At the end of the run, with no other thread left and the access and
 * fault files closed: IOMMU_DESTROY of every ID of context @slot up to the
 * largest one seen (and some more, for objects only raw commands made), in
 * passes, since an object can go only once nothing uses it.  Returns the
 * number destroyed; the IDs still there after the last pass, with their
 * errno, go to @left.
 */
unsigned int destroy_sweep(int slot, char *left, size_t len,
			   unsigned int *nr_left)
{
	struct iommu_destroy d = { .size = sizeof(d) };
	unsigned int pass, done = 0, n;
	uint32_t id, last = ctxs[slot].max_id + 256;
	size_t used = 0;

	for (pass = 0; pass != 8; pass++) {
		n = 0;
		*nr_left = 0;
		used = 0;
		left[0] = 0;
		for (id = 1; id <= last; id++) {
			d.id = id;
			if (!ioctl(ctxs[slot].fd, IOMMU_DESTROY, &d)) {
				n++;
				continue;
			}
			if (errno == ENOENT)
				continue;
			(*nr_left)++;
			if (used < len)
				used += snprintf(left + used, len - used,
						 " %u:%s", id,
						 strerrorname_np(errno) ?: "?");
		}
		done += n;
		if (!n)
			break;
	}
	return done;
}

void add_map(const struct ctxref *c, uint32_t ioas, int buf, uint64_t off,
	     uint64_t iova, uint64_t len, bool legacy)
{
	pthread_mutex_lock(&pool_lock);
	if (ctxs[c->slot].gen == c->gen)
		maps[map_next++ % NR_MAPS] = (struct mapping){
			.used = true, .legacy = legacy, .ctx = c->slot,
			.gen = c->gen, .ioas = ioas, .buf = buf,
			.iova = iova, .len = len, .off = off,
		};
	pthread_mutex_unlock(&pool_lock);
}

/* A recorded mapping, of context @c if there is one */
bool pick_map(struct thr *t, const struct ctxref *c, struct mapping *out)
{
	unsigned int i, start = rnd_below(&t->rng, NR_MAPS);
	int any = -1;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != NR_MAPS; i++) {
		struct mapping *m = &maps[(start + i) % NR_MAPS];

		if (!m->used)
			continue;
		if (m->ctx == c->slot && m->gen == c->gen) {
			*out = *m;
			pthread_mutex_unlock(&pool_lock);
			return true;
		}
		if (any < 0)
			any = (start + i) % NR_MAPS;
	}
	if (any >= 0)
		*out = maps[any];
	pthread_mutex_unlock(&pool_lock);
	return any >= 0;
}

bool pick_map_in(struct thr *t, const struct ctxref *c, uint32_t ioas,
		 bool page, struct mapping *out)
{
	unsigned int i, start = rnd_below(&t->rng, NR_MAPS);

	if (!ioas || chance(&t->rng, 10))
		return pick_map(t, c, out);
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != NR_MAPS; i++) {
		struct mapping *m = &maps[(start + i) % NR_MAPS];

		if (!m->used || m->ctx != c->slot || m->gen != c->gen ||
		    m->ioas != ioas || m->legacy ||
		    (page && (m->iova % page_sz || m->len % page_sz)))
			continue;
		*out = *m;
		pthread_mutex_unlock(&pool_lock);
		return true;
	}
	pthread_mutex_unlock(&pool_lock);
	return pick_map(t, c, out);
}

struct ctxref ctx_of(int slot)
{
	struct ctxref c = { .slot = slot };

	pthread_mutex_lock(&pool_lock);
	c.fd = ctxs[slot].fd;
	c.gen = ctxs[slot].gen;
	c.legacy = ctxs[slot].legacy;
	pthread_mutex_unlock(&pool_lock);
	return c;
}

void del_maps(const struct ctxref *c, uint32_t ioas, uint64_t iova,
	      uint64_t len)
{
	uint64_t last = iova + len - 1;
	unsigned int i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != NR_MAPS; i++) {
		struct mapping *m = &maps[i];

		if (m->used && m->ctx == c->slot && m->ioas == ioas &&
		    m->iova >= iova && m->iova + m->len - 1 <= last)
			m->used = false;
	}
	pthread_mutex_unlock(&pool_lock);
}

/* An access fd (a copy of its slot in *@out), or -1 */
int pick_access(struct thr *t, struct access *out, int *slot)
{
	unsigned int i, start = rnd_below(&t->rng, NR_ACCESS);
	int fd = -1;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != NR_ACCESS; i++) {
		struct access *a = &accesses[(start + i) % NR_ACCESS];

		if (a->fd < 0)
			continue;
		*out = *a;
		*slot = (start + i) % NR_ACCESS;
		fd = a->fd;
		break;
	}
	pthread_mutex_unlock(&pool_lock);
	return fd;
}

/* Remember a new access fd; -1 (and the fd closed) when the pool is full */
int add_access(const struct ctxref *c, int fd, uint32_t ioas, bool pin)
{
	unsigned int i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != NR_ACCESS; i++) {
		if (accesses[i].fd >= 0)
			continue;
		accesses[i] = (struct access){
			.fd = fd, .ctx = c->slot, .ioas = ioas, .pin = pin,
		};
		pthread_mutex_unlock(&pool_lock);
		return i;
	}
	pthread_mutex_unlock(&pool_lock);
	close(fd);
	return -1;
}

/* ---- arguments ---- */

uint64_t pick_align(struct thr *t)
{
	static const uint64_t aligns[] = { 0, 1, 1, 1, 2, 3, 4, 5, 6 };

	switch (rnd_pick(&t->rng, aligns)) {
	case 0:
		return mio_sz;
	case 1:
		return page_sz;
	case 2:
		return 4 * page_sz;
	case 3:
		return SZ_64K;
	case 4:
		return mhuge_sz;
	case 5:
		return SZ_2M;
	default:
		return 1;
	}
}

uint64_t pick_len(struct thr *t, uint64_t align)
{
	static const uint64_t odd[] = { 0, 1, 4095, UINT64_MAX,
					 UINT64_MAX - 4095, 1ULL << 63,
					 1ULL << 40 };
	unsigned int r = rnd_below(&t->rng, 100);

	if (r < 4)
		return rnd_pick(&t->rng, odd);
	if (r < 60)
		return align * (rnd_below(&t->rng, 16) + 1);
	if (r < 90)
		return align * (rnd_below(&t->rng, 1024) + 1);
	return (rnd_below(&t->rng, BUF_SLOT / align) + 1) * align;
}

/*
 * An IOVA for @len bytes: mostly @align aligned inside the mock aperture
 * (in its first 256 MiB, so that mappings collide), sometimes anywhere in
 * it, below or above it, or at the end of the 64-bit space.
 */
uint64_t pick_iova(struct thr *t, uint64_t len, uint64_t align)
{
	uint64_t lo = MOCK_APERTURE_START, hi, span;
	unsigned int r = rnd_below(&t->rng, 100);

	if (!align)
		align = 1;
	if (r < 70) {
		hi = lo + (256UL << 20);
	} else if (r < 82) {
		hi = (uint64_t)MOCK_APERTURE_LAST + 1;
	} else if (r < 88) {
		lo = 0;
		hi = MOCK_APERTURE_START;
	} else if (r < 94) {
		lo = (uint64_t)MOCK_APERTURE_LAST + 1;
		hi = 1ULL << 40;
	} else if (r < 97) {
		return (UINT64_MAX - len + 1) & ~(align - 1);
	} else {
		return rnd(&t->rng) & ~(align - 1);
	}
	span = hi - lo > len ? (hi - lo - len) / align : 0;
	return lo + rnd_below(&t->rng, span + 1) * align;
}

uint32_t cmd_size(struct thr *t, uint32_t exact, uint32_t min)
{
	unsigned int r = rnd_below(&t->rng, 1000);

	/* The struct at the start of a zeroed page */
	memset(t->cmd, 0, page_sz);
	if (r < 940)
		return exact;
	if (r < 950)
		return min;
	if (r < 960)
		return min ? min - 1 : 0;
	if (r < 965)
		return 0;
	if (r < 975)
		return exact + 8 * (rnd_below(&t->rng, 8) + 1);
	if (r < 985) {
		/* Bytes the kernel does not know must be zero */
		t->cmd[exact + rnd_below(&t->rng, 16)] = 1;
		return exact + 16;
	}
	if (r < 990)
		return page_sz;
	if (r < 995)
		return page_sz + 8;	/* into the guard page */
	return UINT32_MAX;
}

void *cmd_ptr(struct thr *t)
{
	unsigned int r = rnd_below(&t->rng, 1000);

	if (r < 990)
		return t->cmd;
	if (r < 994)
		return NULL;
	if (r < 997)
		return t->cmd + page_sz;	/* guard page */
	return (void *)(uintptr_t)hostile_ptr(t);
}

uint32_t hostile_flags(struct thr *t, uint32_t valid)
{
	unsigned int r = rnd_below(&t->rng, 100);

	if (r < 92)
		return valid;
	if (r < 97)
		return valid | 1u << rnd_below(&t->rng, 32);
	if (r < 99)
		return UINT32_MAX;
	return rnd(&t->rng);
}
