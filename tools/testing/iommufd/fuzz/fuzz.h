/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd_fuzz: a seeded, bounded, multi-threaded random-ioctl fuzzer of
 * /dev/iommu (see main.c for the overview).
 *
 * Shared state lives in pools guarded by one mutex (pool_lock): context
 * slots with the object IDs created in them, access and fault fds, mappings
 * made and the user buffers they map.  No ioctl is ever issued with the lock
 * held, so threads race in the kernel, not in here.
 */
#ifndef __IOMMUFD_FUZZ_H
#define __IOMMUFD_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "drivers/iommu/iommufd/iommufd_test.h"

#define MAX_THREADS	16
#define NR_CTX		3	/* /dev/iommu or /dev/vfio/vfio files */
#define POOL_IDS	128	/* object IDs remembered per context */
#define NR_ACCESS	16	/* access fds */
#define ACCESS_ITEMS	8	/* pinned-range IDs remembered per access */
#define NR_MAPS		256	/* mappings remembered */
#define NR_COOKIES	32	/* fault cookies read and not yet answered */
#define NR_BUFS		40	/* user buffers */
#define BUF_SLOT	(4UL << 20)
#define SCRATCH_DATA	(1UL << 20)
#define MAX_CHILDREN	4
#define ERRNO_MAX	134	/* errnos counted one by one; others as "big" */

#define SZ_64K		(64UL << 10)
#define SZ_1M		(1UL << 20)
#define SZ_2M		(2UL << 20)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Page sizes: CPU page, mock IO page (PAGE / 2), mock huge IO page */
extern size_t page_sz, mio_sz, mhuge_sz;

/* ---- random numbers (splitmix64: every thread its own stream) ---- */

struct rng {
	uint64_t s;
};

static inline uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 when n is 0 */
static inline uint64_t rnd_below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* True with probability @pct percent */
static inline bool chance(struct rng *r, unsigned int pct)
{
	return rnd_below(r, 100) < pct;
}

/* One of the @n values of @vals */
#define rnd_pick(r, vals) ((vals)[rnd_below((r), ARRAY_SIZE(vals))])

/* ---- options ---- */

struct fuzz_opts {
	uint64_t seed;
	unsigned int threads;
	uint64_t calls;		/* stop after this many calls; 0: no limit */
	unsigned int time_s;	/* stop after this many seconds; 0: none */
	unsigned int faults;	/* percent of fault-injection points that fail */
	unsigned int fault_from; /* percent of the budget run without faults */
	unsigned int log_n;	/* calls kept per thread for the report */
	unsigned int show_n;	/* of those, printed before the report */
	unsigned int epoch;	/* calls per swarm epoch, 0: every op always */
	unsigned int hang_s;	/* a call this long is reported as a hang */
	bool trace;		/* print every call as it is made */
	bool keep_going;	/* do not stop at the first kernel report */
	bool fork;		/* fork children that keep using the files */
	bool legacy;		/* also open /dev/vfio/vfio */
	bool usercopy;		/* fail_usercopy in the fault-injection mode */
	char ops[512];		/* only these ops ("a,b"), or not these ("-a") */
	unsigned int dev_flags;	/* mock device flags that may be used */
};

extern struct fuzz_opts opts;

/* ---- per thread ---- */

struct callrec {
	uint64_t seq;
	uint64_t t_ns;		/* CLOCK_MONOTONIC at the start of the call */
	int16_t op;
	int32_t ret;
	int32_t err;
	bool done;
	char text[200];
};

struct opstat {
	uint64_t calls;
	uint64_t ok;
	uint64_t ns;		/* time spent in the calls */
	uint64_t err[ERRNO_MAX + 1];	/* [ERRNO_MAX]: anything larger */
};

struct thr {
	int idx;
	pid_t tid;
	bool child;		/* a forked child, not a thread of the run */
	bool fi_held;		/* fi_hold(): no injected failures for now */
	struct rng rng;
	int cur_op;
	uint64_t epoch;
	unsigned int *cum;	/* cumulative weights of this epoch's ops */
	struct callrec *ring;
	struct callrec spare;	/* where calls go once the ring is frozen */
	bool frozen;		/* a report came: keep the calls before it */
	uint64_t seq;
	atomic_ullong inflight_ns;	/* start of the call in flight, or 0 */
	atomic_ullong started;	/* calls begun (for the hang check) */
	struct opstat *st;
	uint64_t retries;	/* calls that were tries of a retry loop */
	uint8_t *cmd;		/* command structs (a zeroed page, guard after) */
	uint8_t *data;		/* SCRATCH_DATA bytes of data, guard after */
};

/* ---- the op table ---- */

typedef void (*op_fn)(struct thr *t);

#define OPF_NO_CHILD	(1u << 0)	/* never run in a forked child */
#define OPF_HOT		(1u << 1)	/* publishes hot objects (set_hot()) */

struct op_desc {
	const char *name;
	op_fn fn;
	unsigned int weight;
	unsigned int flags;
};

void op_register(const char *name, op_fn fn, unsigned int weight,
		 unsigned int flags);
void register_core_ops(void);
void register_hwpt_ops(void);
void register_mock_ops(void);
void register_legacy_ops(void);
void register_mem_ops(void);
void register_viommu_ops(void);
void register_file_ops(void);
void register_smmu_ops(void);
/* Close the SMMUv3 device's file, if bound (ops_smmu.c) */
void smmu_release(void);

/* ---- calls: logging, stats, counting ---- */

void call_begin(struct thr *t, const char *fmt, ...);
long call_end(struct thr *t, long ret);
/* The call just ended was tried @n more times (a retry loop) */
void call_count(struct thr *t, uint64_t n);
void call_note(struct thr *t, const char *fmt, ...);
uint64_t now_ns(void);
/*
 * Wait without sleeping: a thread that sleeps and is woken has a fresh time
 * slice on the host's CPU, which makes the races it then runs into rarer.
 */
void busy_wait_ns(uint64_t ns);

/* The run is over: stop starting calls */
bool fuzz_stopping(void);

/* ---- pools ---- */

extern pthread_mutex_t pool_lock;

enum obj_kind {
	K_NONE,
	K_IOAS,
	K_HWPT,		/* paging HWPT (automatic or allocated) */
	K_NESTED,	/* nested HWPT */
	K_IDEV,		/* iommufd device object of a mock device */
	K_STDEV,	/* selftest object owning a mock device */
	K_FAULT,	/* fault queue object */
	K_VIOMMU,	/* virtual IOMMU */
	K_VDEV,		/* virtual device */
	K_VEVENTQ,	/* virtual event queue object */
	K_HWQ,		/* hardware queue of a virtual IOMMU */
	K_NR,
};

/* Kinds whose objects come with a file descriptor (struct obj::fd) */
static inline bool kind_has_fd(int kind)
{
	return kind == K_FAULT || kind == K_VEVENTQ;
}

/* struct obj::flags */
#define OF_NEST_PARENT	(1u << 0)
#define OF_DIRTY	(1u << 1)
#define OF_AUTO		(1u << 2)
#define OF_FAULT	(1u << 3)	/* nested HWPT with a fault queue */
#define OF_PASID	(1u << 4)	/* allocated with IOMMU_HWPT_ALLOC_PASID */

struct obj {
	uint32_t id;
	uint8_t kind;
	uint8_t flags;
	uint16_t dev_flags;	/* K_STDEV, K_IDEV: mock device flags */
	uint32_t link;		/* K_STDEV: its idev; K_IDEV: its stdev;
				 * K_HWPT: its IOAS (0: unknown)
				 */
	int fd;			/* K_FAULT, K_VEVENTQ: its fd while open,
				 * else -1
				 */
	uint64_t born;
};

struct ctx {
	int fd;			/* -1: closed */
	unsigned int gen;	/* bumped at every reopen */
	bool legacy;		/* /dev/vfio/vfio */
	uint64_t serial;
	uint32_t max_id;	/* largest object ID seen in this file */
	unsigned int next;
	struct obj objs[POOL_IDS];
};

extern struct ctx ctxs[NR_CTX];

struct access {
	int fd;			/* -1: free slot */
	int ctx;
	uint32_t ioas;
	bool pin;
	unsigned int nitems;
	uint32_t items[ACCESS_ITEMS];
};

extern struct access accesses[NR_ACCESS];

struct mapping {
	bool used;
	bool legacy;		/* made through VFIO_IOMMU_MAP_DMA */
	int ctx;
	unsigned int gen;
	uint32_t ioas;
	int buf;
	uint64_t iova;
	uint64_t len;
	uint64_t off;		/* offset in the buffer */
};

extern struct mapping maps[NR_MAPS];

struct cookie {
	int fd;
	uint32_t cookie;
};

extern struct cookie cookies[NR_COOKIES];

/* A context to work on: its slot and fd (fd may be -1 or stale) */
struct ctxref {
	int slot;
	int fd;
	unsigned int gen;
	bool legacy;
};

struct ctxref pick_ctx(struct thr *t);
uint32_t pick_id(struct thr *t, const struct ctxref *c, int kind);
uint32_t make_obj(struct thr *t, const struct ctxref *c, int kind);
uint32_t make_viommu(struct thr *t, const struct ctxref *c);
bool pick_obj(struct thr *t, const struct ctxref *c, int kind,
	      struct obj *out);
void add_obj(const struct ctxref *c, int kind, uint32_t id, uint8_t flags,
	     uint16_t dev_flags, uint32_t link, int fd);
void del_obj(const struct ctxref *c, uint32_t id);
void set_obj_fd(const struct ctxref *c, uint32_t id, int fd);
int take_fault_fd(struct thr *t, const struct ctxref *c, uint32_t *id,
		  bool close_it);
int take_obj_fd(struct thr *t, const struct ctxref *c, int kind,
		uint32_t *id, bool close_it);
int pick_fd_any(struct thr *t);
void ctx_reset(int slot);
unsigned int destroy_sweep(int slot, char *left, size_t len,
			   unsigned int *nr_left);
/*
 * The "hot" object: one a thread is about to release (close its fd, detach
 * from it), published so that spinning destroys elsewhere aim at it.
 */
void set_hot(const struct ctxref *c, uint32_t id);
bool get_hot(const struct ctxref *c, uint32_t *id);
/* Publish @id as hot half of the time: an object the caller is about to use */
void use_hot(struct thr *t, const struct ctxref *c, uint32_t id);

void add_map(const struct ctxref *c, uint32_t ioas, int buf, uint64_t off,
	     uint64_t iova, uint64_t len, bool legacy);
bool pick_map(struct thr *t, const struct ctxref *c, struct mapping *out);
/* A mapping of IOAS @ioas of context @c (@page: PAGE_SIZE aligned), mostly */
bool pick_map_in(struct thr *t, const struct ctxref *c, uint32_t ioas,
		 bool page, struct mapping *out);
/* The current reference of context slot @slot */
struct ctxref ctx_of(int slot);
void del_maps(const struct ctxref *c, uint32_t ioas, uint64_t iova,
	      uint64_t len);

int pick_access(struct thr *t, struct access *out, int *slot);
int add_access(const struct ctxref *c, int fd, uint32_t ioas, bool pin);

/* ---- memory ---- */

enum buf_kind {
	BUF_NONE,	/* slot is PROT_NONE: never mapped or dropped */
	BUF_SMALL,	/* private anonymous, 4 KiB pages */
	BUF_THP,	/* private anonymous, MADV_HUGEPAGE, 2 MiB aligned */
	BUF_HUGETLB,	/* MAP_HUGETLB */
	BUF_RO,		/* 4 KiB pages, read-only */
	BUF_SHARED,	/* shared memfd (shmem) */
	BUF_SHARED_HUGE,	/* shared memfd on hugetlbfs */
	BUF_UFFD,	/* private anonymous, pages filled by userfaultfd */
	BUF_KINDS,
};

struct buf {
	uint8_t *va;		/* start of the slot */
	size_t len;
	int kind;
	bool busy;		/* being replaced */
	bool was_mapped;	/* ever passed to a map; CHECK_REFS at the end */
};

extern struct buf bufs[NR_BUFS];
extern const char *const buf_kind_name[BUF_KINDS];

int mem_init(unsigned int nthreads);
/* mmap(NULL, ...) that never lands in a hole of the arena (mem.c) */
void *mmap_outside_arena(size_t len, int prot, int flags, int fd, off_t off);
/* The buffer slot @addr lies in, or -1 */
int arena_slot_of(const void *addr);
/* Start the userfaultfd handler; false when the kernel has no userfaultfd */
bool uffd_start(void);
uint64_t uffd_faults(void);
bool uffd_is_ours(int fd);
void thr_scratch(struct thr *t);
/*
 * A range of a user buffer: @align aligned, a multiple of @align long, at
 * most @max bytes.  Returns the buffer index, or -1 if none is usable.
 */
int pick_buf_range(struct thr *t, uint64_t align, uint64_t max,
		   uint64_t *va, uint64_t *len, uint64_t *off);
uint64_t hostile_ptr(struct thr *t);
uint64_t any_arena_ptr(struct thr *t);
void mem_fill_all(struct thr *t);

/* ---- argument helpers ---- */

uint64_t pick_iova(struct thr *t, uint64_t len, uint64_t align);
uint64_t pick_len(struct thr *t, uint64_t align);
uint64_t pick_align(struct thr *t);
/*
 * Prepare the command struct of @exact bytes (minimum @min) in t->cmd and
 * return the size to pass in it: mostly @exact, sometimes a hostile one (a
 * non-zero tail after the struct is then written for E2BIG).
 */
uint32_t cmd_size(struct thr *t, uint32_t exact, uint32_t min);
/* The argument pointer for the ioctl: mostly t->cmd, rarely hostile */
void *cmd_ptr(struct thr *t);
/* Occasionally a random bit set in a flags word, or all of them */
uint32_t hostile_flags(struct thr *t, uint32_t valid);
void invalidate_fill(struct thr *t, struct iommu_hwpt_invalidate *a,
		     uint32_t size, uint32_t id, uint32_t good, uint32_t bad,
		     void *entries, uint32_t entry_len, unsigned int max_num);

/* ---- fault injection (faultinj.c) ---- */

int fi_setup(void);
void fi_restore(void);
void fi_enable_task(pid_t tid, bool on);
/* The calls of @t between these two run without injected failures */
void fi_hold(struct thr *t);
void fi_unhold(struct thr *t);
void fi_counts(uint64_t *slab, uint64_t *page, uint64_t *iommufd,
	       uint64_t *usercopy);

/* ---- end-of-run checks (checks.c) ---- */

struct acct_snapshot {
	long vmlck_kb;
	long vmpin_kb;
	long pin_delta;		/* nr_foll_pin_acquired - released */
	long user_locked;	/* pages charged to the user, -1 unknown */
};

void acct_snapshot(struct acct_snapshot *s, bool probe_user);
int check_refs_zero(char *why, size_t len);

/* ---- the run (main.c, opts.c) ---- */

#define MAX_OPS 128
extern struct op_desc ops[MAX_OPS];
extern unsigned int nr_ops;
extern struct thr thrs[MAX_THREADS];
extern uint64_t run_start_ns;

int child_run(struct thr *t, unsigned int nr_ops);
int parse_args(int argc, char **argv);

/* ---- the kernel log (report.c) ---- */

int kmsg_start(void);
void kmsg_stop(void);
bool kmsg_is_ours(int fd);
bool report_seen(void);
unsigned int alloc_failure_notices(void);
void report_print(void);
void dump_rings(const char *why, uint64_t ref_ns);
void print_stack(pid_t tid);

#endif /* __IOMMUFD_FUZZ_H */
