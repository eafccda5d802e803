// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several threads working on one /dev/iommu file at the same time: map and
 * unmap while domains are attached and detached, racing unmaps and destroys
 * of the same objects, pinning through an access while the IOVA is unmapped
 * or the access moves to another IOAS, destroying an IOAS and closing the
 * file while other threads use them.
 *
 * Threads parked in a user copy or GUP are in concurrency_uffd_test.c.
 *
 * Worker threads never assert; they count what they saw and the main thread
 * checks that every result was one of the outcomes the uAPI allows, that
 * exactly one racer won where only one can, and that no pin was leaked.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "concurrency_utils.h"

#define NR_WORKERS 4
#define ITERATIONS 100

/* What a worker saw */
struct worker {
	pthread_t thread;
	unsigned int id;
	struct _test_data_conc *self;
	void *buf;
	size_t len;
	atomic_bool *stop;
	unsigned long ops;
	unsigned long bad;	/* outcomes the uAPI does not allow */
	int first_bad_errno;
	const char *first_bad_op;
};

static void worker_bad(struct worker *w, const char *op, int err)
{
	if (!w->bad++) {
		w->first_bad_errno = err;
		w->first_bad_op = op;
	}
}

static void start_workers(struct worker *w, unsigned int nr,
			  void *(*fn)(void *))
{
	unsigned int i;

	for (i = 0; i != nr; i++)
		pthread_create(&w[i].thread, NULL, fn, &w[i]);
}

static unsigned long join_workers(struct __test_metadata *_metadata,
				  struct worker *w, unsigned int nr)
{
	unsigned long ops = 0;
	unsigned int i;

	for (i = 0; i != nr; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].bad)
			TH_LOG("worker %u: %lu bad results, first %s: %s", i,
			       w[i].bad, w[i].first_bad_op,
			       strerror(w[i].first_bad_errno));
		EXPECT_EQ(0, w[i].bad);
		ops += w[i].ops;
	}
	return ops;
}

/* ---------------------------------------------------------------------- */

/* Map at a kernel-chosen IOVA, verify the data through the IOAS, unmap */
static void *map_read_unmap(void *arg)
{
	struct worker *w = arg;
	int fd = w->self->fd, afd = w->self->access_fd;
	unsigned char probe[64];
	__u64 iova, unmapped;
	unsigned int i;

	for (i = 0; i != ITERATIONS; i++) {
		size_t off = (i * 977) % (w->len - sizeof(probe));

		if (ifd_map(fd, w->self->ioas_id, w->buf, w->len, &iova)) {
			worker_bad(w, "map", errno);
			continue;
		}
		if (mock_access_rw(fd, afd, iova + off, probe, sizeof(probe),
				   i % 2 ? MOCK_ACCESS_RW_SLOW_PATH : 0))
			worker_bad(w, "access_rw", errno);
		else if (memcmp(probe, (char *)w->buf + off, sizeof(probe)))
			worker_bad(w, "data", 0);
		if (ifd_unmap(fd, w->self->ioas_id, iova, w->len, &unmapped))
			worker_bad(w, "unmap", errno);
		else if (unmapped != w->len)
			worker_bad(w, "unmap length", 0);
		w->ops++;
	}
	return NULL;
}

/* Attach and detach mock devices until told to stop */
static void *domain_churn(void *arg)
{
	struct worker *w = arg;
	__u32 stdev;

	while (!atomic_load(w->stop)) {
		if (mock_domain(w->self->fd, w->self->ioas_id, &stdev, NULL,
				NULL)) {
			worker_bad(w, "mock_domain", errno);
			continue;
		}
		if (ifd_destroy(w->self->fd, stdev))
			worker_bad(w, "destroy stdev", errno);
		/* Read by the test while this thread runs */
		__atomic_fetch_add(&w->ops, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, map_unmap_while_domains_change, 300)
{
	struct worker w[NR_WORKERS + 1] = {};
	atomic_bool stop = false;
	unsigned int i;

	for (i = 0; i != NR_WORKERS; i++) {
		w[i].id = i;
		w[i].self = self;
		w[i].len = AREA_PAGES * page_sz;
		w[i].buf = buf_alloc(w[i].len, BUF_SMALL);
		ASSERT_NE(NULL, w[i].buf);
		pattern_fill(w[i].buf, w[i].len, i);
	}
	w[NR_WORKERS].self = self;
	w[NR_WORKERS].stop = &stop;

	/*
	 * The mappers only start once domains are coming and going: under
	 * TCG on a busy host they could otherwise finish before the churn
	 * thread first runs.
	 */
	start_workers(&w[NR_WORKERS], 1, domain_churn);
	while (!__atomic_load_n(&w[NR_WORKERS].ops, __ATOMIC_ACQUIRE))
		sched_yield();
	start_workers(w, NR_WORKERS, map_read_unmap);
	ASSERT_EQ(NR_WORKERS * ITERATIONS, join_workers(_metadata, w,
							NR_WORKERS));
	atomic_store(&stop, true);
	join_workers(_metadata, &w[NR_WORKERS], 1);
	ASSERT_LT(0, w[NR_WORKERS].ops);

	/* Nothing left mapped or pinned */
	for (i = 0; i != NR_WORKERS; i++)
		ASSERT_OK(mock_check_refs(self->fd, w[i].buf, w[i].len, 0));
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, self->ioas_id, self->base,
				       (__u64)MOCK_APERTURE_LAST -
				       self->base + 1, NULL));
	if (self->hwpt_id)
		ASSERT_ERRNO(EINVAL, mock_check_map(self->fd, self->hwpt_id,
						    self->base, w[0].buf,
						    page_sz));
}

/* ---------------------------------------------------------------------- */

#define NR_AREAS 64

struct race {
	struct _test_data_conc *self;
	__u32 ids[NR_AREAS];
	atomic_uint wins[NR_AREAS];
};

static void *unmap_all_areas(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->buf;
	unsigned int i;
	__u64 unmapped;

	for (i = 0; i != NR_AREAS; i++) {
		__u64 iova = w->self->base + 2 * i * page_sz;

		if (!ifd_unmap(w->self->fd, w->self->ioas_id, iova, page_sz,
			       &unmapped)) {
			if (unmapped != page_sz)
				worker_bad(w, "unmap length", 0);
			atomic_fetch_add(&r->wins[i], 1);
		} else if (errno != ENOENT) {
			worker_bad(w, "unmap", errno);
		}
		w->ops++;
	}
	return NULL;
}

TEST_F(conc, racing_unmaps_one_winner)
{
	struct worker w[NR_WORKERS] = {};
	struct race r = {};
	unsigned int i;
	char *buf;

	buf = buf_alloc(NR_AREAS * page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	for (i = 0; i != NR_AREAS; i++)
		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
					buf + i * page_sz, page_sz,
					self->base + 2 * i * page_sz));
	for (i = 0; i != NR_WORKERS; i++) {
		w[i].self = self;
		w[i].buf = &r;
	}
	start_workers(w, NR_WORKERS, unmap_all_areas);
	join_workers(_metadata, w, NR_WORKERS);
	for (i = 0; i != NR_AREAS; i++)
		ASSERT_EQ(1, atomic_load(&r.wins[i]));
	ASSERT_OK(mock_check_refs(self->fd, buf, NR_AREAS * page_sz, 0));
	munmap(buf, NR_AREAS * page_sz);
}

static void *destroy_all_ids(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->buf;
	unsigned int i;

	for (i = 0; i != NR_AREAS; i++) {
		if (!ifd_destroy(w->self->fd, r->ids[i]))
			atomic_fetch_add(&r->wins[i], 1);
		else if (errno != ENOENT && errno != EBUSY)
			worker_bad(w, "destroy", errno);
		w->ops++;
	}
	return NULL;
}

TEST_F(conc, racing_destroys_one_winner)
{
	struct worker w[NR_WORKERS] = {};
	struct race r = {};
	unsigned int i;

	for (i = 0; i != NR_AREAS; i++)
		ASSERT_OK(ifd_ioas_alloc(self->fd, &r.ids[i]));
	for (i = 0; i != NR_WORKERS; i++) {
		w[i].self = self;
		w[i].buf = &r;
	}
	start_workers(w, NR_WORKERS, destroy_all_ids);
	join_workers(_metadata, w, NR_WORKERS);
	for (i = 0; i != NR_AREAS; i++) {
		/* A loser seeing EBUSY may leave the object for us */
		if (!atomic_load(&r.wins[i]) &&
		    !ifd_destroy(self->fd, r.ids[i]))
			atomic_fetch_add(&r.wins[i], 1);
		ASSERT_EQ(1, atomic_load(&r.wins[i]));
		ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, r.ids[i]));
	}
}

static void *alloc_ids(void *arg)
{
	struct worker *w = arg;
	__u32 *ids = w->buf;
	unsigned int i;

	for (i = 0; i != NR_AREAS; i++) {
		if (ifd_ioas_alloc(w->self->fd, &ids[i]))
			worker_bad(w, "ioas_alloc", errno);
		w->ops++;
	}
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

TEST_F(conc, parallel_allocations_unique_ids)
{
	__u32 ids[NR_WORKERS * NR_AREAS];
	struct worker w[NR_WORKERS] = {};
	unsigned int i;

	for (i = 0; i != NR_WORKERS; i++) {
		w[i].self = self;
		w[i].buf = &ids[i * NR_AREAS];
	}
	start_workers(w, NR_WORKERS, alloc_ids);
	join_workers(_metadata, w, NR_WORKERS);
	qsort(ids, ARRAY_SIZE(ids), sizeof(ids[0]), cmp_u32);
	ASSERT_NE(0, ids[0]);
	for (i = 1; i != ARRAY_SIZE(ids); i++)
		ASSERT_NE(ids[i - 1], ids[i]);
	for (i = 0; i != ARRAY_SIZE(ids); i++)
		ASSERT_OK(ifd_destroy(self->fd, ids[i]));
}

/* ---------------------------------------------------------------------- */

struct pin_race {
	int access_fd;
	void *buf;
	size_t len;
	atomic_bool *stop;
};

/* Pin and unpin the range another thread keeps mapping and unmapping */
static void *pin_unpin(void *arg)
{
	struct worker *w = arg;
	struct pin_race *p = w->buf;
	__u32 id;

	while (!atomic_load(p->stop)) {
		if (mock_access_pages(w->self->fd, p->access_fd, 0,
				      w->self->base, p->len, p->buf, &id)) {
			/* Not mapped yet, or being unmapped */
			if (errno != ENOENT && errno != EINVAL)
				worker_bad(w, "access_pages", errno);
			continue;
		}
		/* The unmap callback may have dropped it already */
		if (mock_access_unpin(w->self->fd, p->access_fd, id) &&
		    errno != ENOENT)
			worker_bad(w, "unpin", errno);
		w->ops++;
	}
	return NULL;
}

static void *map_unmap_fixed(void *arg)
{
	struct worker *w = arg;
	struct pin_race *p = w->buf;
	__u64 unmapped;
	unsigned int i;

	for (i = 0; i != 4 * ITERATIONS; i++) {
		if (ifd_map_fixed(w->self->fd, w->self->ioas_id, p->buf,
				  p->len, w->self->base)) {
			worker_bad(w, "map", errno);
			break;
		}
		/* Pins of the access must never block the unmap */
		if (ifd_unmap(w->self->fd, w->self->ioas_id, w->self->base,
			      p->len, &unmapped)) {
			worker_bad(w, "unmap", errno);
			break;
		}
		if (unmapped != p->len)
			worker_bad(w, "unmap length", 0);
		w->ops++;
	}
	atomic_store(p->stop, true);
	return NULL;
}

TEST_F_TIMEOUT(conc, pin_while_unmapping, 300)
{
	struct worker w[3] = {};
	atomic_bool stop = false;
	struct pin_race p = { .stop = &stop };
	unsigned int i;

	p.len = AREA_PAGES * page_sz;
	p.buf = buf_alloc(p.len, BUF_SMALL);
	ASSERT_NE(NULL, p.buf);
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &p.access_fd));
	for (i = 0; i != 3; i++) {
		w[i].self = self;
		w[i].buf = &p;
	}
	start_workers(&w[1], 2, pin_unpin);
	start_workers(w, 1, map_unmap_fixed);
	join_workers(_metadata, w, 3);
	ASSERT_EQ(4 * ITERATIONS, w[0].ops);

	close(p.access_fd);
	ASSERT_OK(mock_check_refs(self->fd, p.buf, p.len, 0));
}

/* ---------------------------------------------------------------------- */

/* Rounds of replace, and pages of the area pinned in pieces meanwhile */
#define REPLACE_ROUNDS (20 * ITERATIONS)
#define REPLACE_PAGES 32
#define NR_PINNERS 3

struct replace_race {
	int access_fd;
	__u32 ioas[2];
	char *buf[2];		/* what each IOAS maps at base */
	size_t len;
	atomic_bool *stop;
	atomic_ulong pins;	/* pins that succeeded */
};

/*
 * Pin, unpin and read through the access while another thread moves it
 * between two IOASes. A pin or read may be refused while a replace is in
 * progress (ENOENT); a pin may be dropped by the replace before it is
 * unpinned (ENOENT); a read sees one IOAS's memory or the other's.
 */
static void *pin_during_replace(void *arg)
{
	struct worker *w = arg;
	struct replace_race *r = w->buf;
	int fd = w->self->fd, afd = r->access_fd;
	unsigned int i = w->id;
	char probe[64];
	__u32 id;

	while (!atomic_load(r->stop)) {
		size_t off = (i * 7 % (REPLACE_PAGES - 8)) * page_sz;
		size_t len = (1 + i % 8) * page_sz;
		__u64 iova = w->self->base + off;

		i++;
		if (!mock_access_pages(fd, afd, 0, iova, len, NULL, &id)) {
			atomic_fetch_add(&r->pins, 1);
			if (mock_access_unpin(fd, afd, id) && errno != ENOENT)
				worker_bad(w, "unpin", errno);
		} else if (errno != ENOENT) {
			worker_bad(w, "access_pages", errno);
		}
		if (mock_access_rw(fd, afd, iova + 5, probe, sizeof(probe),
				   i % 2 ? MOCK_ACCESS_RW_SLOW_PATH : 0)) {
			if (errno != ENOENT)
				worker_bad(w, "access_rw", errno);
		} else if (memcmp(probe, r->buf[0] + off + 5, sizeof(probe)) &&
			   memcmp(probe, r->buf[1] + off + 5, sizeof(probe))) {
			worker_bad(w, "data", 0);
		}
		__atomic_fetch_add(&w->ops, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *replace_back_and_forth(void *arg)
{
	struct worker *w = arg;
	struct replace_race *r = w->buf;
	unsigned int i;

	for (i = 0; i != REPLACE_ROUNDS; i++) {
		if (mock_access_replace_ioas(w->self->fd, r->access_fd,
					     r->ioas[(i + 1) % 2]))
			worker_bad(w, "replace", errno);
		w->ops++;
	}
	atomic_store(r->stop, true);
	return NULL;
}

/*
 * Replacing the IOAS of an access with pins: the owner drops the pins of
 * the old IOAS, and no pin taken meanwhile may land in one IOAS and be
 * released against the other. Afterwards every pin is back, both IOASes
 * unmap cleanly and nothing warned.
 */
TEST_F_TIMEOUT(conc, pin_while_replacing_ioas, 300)
{
	unsigned int refs = self->hwpt_id ? 1 : 0;
	struct worker w[1 + NR_PINNERS] = {};
	atomic_bool stop = false;
	struct replace_race r = { .stop = &stop };
	unsigned long taint = kernel_taint();
	__u32 stdev2 = 0;
	__u64 unmapped;
	unsigned int i;

	r.len = REPLACE_PAGES * page_sz;
	r.ioas[0] = self->ioas_id;
	ASSERT_OK(ifd_ioas_alloc(self->fd, &r.ioas[1]));
	if (self->hwpt_id)
		ASSERT_OK(mock_domain(self->fd, r.ioas[1], &stdev2, NULL,
				      NULL));
	for (i = 0; i != 2; i++) {
		r.buf[i] = buf_alloc(r.len, BUF_SMALL);
		ASSERT_NE(NULL, r.buf[i]);
		pattern_fill(r.buf[i], r.len, 60 + i);
		ASSERT_OK(ifd_map_fixed(self->fd, r.ioas[i], r.buf[i], r.len,
					self->base));
	}
	ASSERT_OK(mock_access_create(self->fd, r.ioas[0],
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &r.access_fd));
	for (i = 0; i != ARRAY_SIZE(w); i++) {
		w[i].id = i;
		w[i].self = self;
		w[i].buf = &r;
	}
	start_workers(&w[1], NR_PINNERS, pin_during_replace);
	while (!__atomic_load_n(&w[1].ops, __ATOMIC_ACQUIRE))
		sched_yield();
	start_workers(w, 1, replace_back_and_forth);
	join_workers(_metadata, w, ARRAY_SIZE(w));
	ASSERT_EQ(REPLACE_ROUNDS, w[0].ops);
	ASSERT_LT(0, atomic_load(&r.pins));

	ASSERT_OK(close(r.access_fd));
	for (i = 0; i != 2; i++) {
		ASSERT_OK(mock_check_refs(self->fd, r.buf[i], r.len, refs));
		ASSERT_OK(ifd_unmap(self->fd, r.ioas[i], self->base, r.len,
				    &unmapped));
		ASSERT_EQ(r.len, unmapped);
		ASSERT_OK(mock_check_refs(self->fd, r.buf[i], r.len, 0));
	}
	if (stdev2)
		ASSERT_OK(ifd_destroy(self->fd, stdev2));
	ASSERT_OK(ifd_destroy(self->fd, r.ioas[1]));
	/* A pin released against the wrong IOAS warns in the pages layer */
	ASSERT_EQ(taint & TAINT_WARN_BIT, kernel_taint() & TAINT_WARN_BIT);
	for (i = 0; i != 2; i++)
		munmap(r.buf[i], r.len);
}

/* ---------------------------------------------------------------------- */

struct gone {
	void *buf;
	size_t len;
	__u32 ioas_id;
	atomic_bool *stop;
	atomic_ulong after_gone;	/* ENOENT results seen */
};

/* Map/unmap until the IOAS disappears; then only ENOENT is acceptable */
static void *map_until_gone(void *arg)
{
	struct worker *w = arg;
	struct gone *g = w->buf;
	__u64 iova;

	while (!atomic_load(g->stop)) {
		if (ifd_map(w->self->fd, g->ioas_id, g->buf, g->len, &iova)) {
			if (errno != ENOENT)
				worker_bad(w, "map", errno);
			atomic_fetch_add(&g->after_gone, 1);
			continue;
		}
		if (ifd_unmap(w->self->fd, g->ioas_id, iova, g->len, NULL) &&
		    errno != ENOENT)
			worker_bad(w, "unmap", errno);
		w->ops++;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, destroy_ioas_in_use, 120)
{
	struct worker w = { .self = self };
	atomic_bool stop = false;
	struct gone g = { .stop = &stop };
	unsigned int tries = 0;

	g.len = AREA_PAGES * page_sz;
	g.buf = buf_alloc(g.len, BUF_SMALL);
	ASSERT_NE(NULL, g.buf);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &g.ioas_id));
	w.buf = &g;
	start_workers(&w, 1, map_until_gone);
	usleep(20000);
	/* An in-flight ioctl may make it transiently busy */
	while (ifd_destroy(self->fd, g.ioas_id)) {
		ASSERT_EQ(EBUSY, errno);
		ASSERT_GT(100000, ++tries);
	}
	while (!atomic_load(&g.after_gone))
		usleep(1000);
	atomic_store(&stop, true);
	join_workers(_metadata, &w, 1);
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, g.ioas_id));
	ASSERT_OK(mock_check_refs(self->fd, g.buf, g.len, 0));
}

/* ---------------------------------------------------------------------- */

static void *map_until_closed(void *arg)
{
	struct worker *w = arg;
	struct gone *g = w->buf;
	__u64 iova;

	for (;;) {
		if (ifd_map(w->self->fd, w->self->ioas_id, g->buf, g->len,
			    &iova)) {
			if (errno == EBADF)
				break;
			worker_bad(w, "map", errno);
			break;
		}
		if (ifd_unmap(w->self->fd, w->self->ioas_id, iova, g->len,
			      NULL)) {
			if (errno == EBADF)
				break;
			worker_bad(w, "unmap", errno);
			break;
		}
		w->ops++;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, close_while_in_use, 120)
{
	struct worker w[NR_WORKERS] = {};
	struct gone g[NR_WORKERS] = {};
	unsigned int i;
	int fd;

	for (i = 0; i != NR_WORKERS; i++) {
		g[i].len = AREA_PAGES * page_sz;
		g[i].buf = buf_alloc(g[i].len, BUF_SMALL);
		ASSERT_NE(NULL, g[i].buf);
		w[i].self = self;
		w[i].buf = &g[i];
	}
	/* The access would keep the context alive */
	close(self->access_fd);
	self->access_fd = -1;
	start_workers(w, NR_WORKERS, map_until_closed);
	usleep(20000);
	ASSERT_OK(close(self->fd));
	self->fd = -1;
	join_workers(_metadata, w, NR_WORKERS);

	/* Everything the workers had mapped is released */
	fd = ifd_open();
	ASSERT_LE(0, fd);
	for (i = 0; i != NR_WORKERS; i++)
		ASSERT_OK(mock_check_refs(fd, g[i].buf, g[i].len, 0));
	close(fd);
}

TEST_HARNESS_MAIN
