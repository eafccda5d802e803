// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd_fuzz - a seeded, bounded, multi-threaded random-ioctl fuzzer of
 * /dev/iommu, run in the test machines (make check on x86-debug, make fuzz).
 *
 * Worker threads pick ops at random and issue them with mostly valid, often
 * hostile arguments: every /dev/iommu command, every IOMMU_TEST_CMD op of the
 * mock, the fault queue and access files, the legacy VFIO container ioctls,
 * QEMU's edu device behind a real SMMUv3 where the machine has one
 * (ops_smmu.c: vIOMMUs, nested HWPTs and invalidations of the real driver),
 * buffers that are replaced or unmapped while mapped, contexts closed while
 * in use, and forked children that keep using the files and then exit.  IDs
 * and fds come from pools shared by the threads, so they race on the same
 * objects.
 *
 * Swarm epochs: every opts.epoch ops (counted over all threads) a new mix
 * of ops is chosen, derived from the seed, the same for every thread (see
 * epoch_weights()).  Epochs where only a few ops run make pairs like
 * "allocate and close a fault queue" against "destroy the newest fault
 * queue" frequent enough to hit narrow races.
 *
 * Fault injection (--faults P): failslab, fail_page_alloc, fail_iommufd and
 * fail_usercopy fail P percent of the evaluations made by the workers (and
 * only theirs, see faultinj.c), from --fault-from percent of the budget on.
 *
 * A thread reads /dev/kmsg during the run: the first WARNING, BUG, KASAN,
 * lockdep or refcount report stops the run (unless --keep-going) and the
 * last --log calls of every thread are printed, with their time relative to
 * the report.  A call that does not return for --hang seconds is reported
 * with the kernel stack of its thread.  After the run every file is closed
 * and pins and charges are checked (checks.c).
 *
 * Options can also come from the kernel command line as
 * iommufd_fuzz.<option>=<value> (how the harness passes them); the command
 * line of the program wins.  Output is TAP; exit status 1 on any failure.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

size_t page_sz, mio_sz, mhuge_sz;

struct op_desc ops[MAX_OPS];
unsigned int nr_ops;

/* State shared with forked children lives in a MAP_SHARED page */
struct shared {
	atomic_ullong child_calls;
	atomic_ullong children;
};

static struct {
	atomic_ullong calls;
	atomic_ullong ops;	/* ops started: the epoch clock */
	atomic_bool stop;
	atomic_bool faults_on;
	struct shared *sh;
	pid_t children[MAX_CHILDREN];
	uint64_t bad_errno;	/* calls that returned a kernel-internal errno */
	char bad_errno_text[256];
} g;

struct thr thrs[MAX_THREADS];
uint64_t run_start_ns;
static bool in_child;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void busy_wait_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

bool fuzz_stopping(void)
{
	return atomic_load(&g.stop) ||
	       (report_seen() && !opts.keep_going) ||
	       (opts.calls && atomic_load(&g.calls) >= opts.calls);
}

void op_register(const char *name, op_fn fn, unsigned int weight,
		 unsigned int flags)
{
	if (nr_ops == MAX_OPS) {
		fprintf(stderr, "iommufd_fuzz: more than %d ops (%s): raise MAX_OPS\n",
			MAX_OPS, name);
		abort();
	}
	ops[nr_ops++] = (struct op_desc){
		.name = name, .fn = fn, .weight = weight, .flags = flags,
	};
}

/* ---- calls ---- */

static void trace_line(struct thr *t, const struct callrec *r, bool end)
{
	char line[320];
	int n;

	if (!end)
		n = snprintf(line, sizeof(line), "T%d%s #%llu %s\n", t->idx,
			     t->child ? "c" : "", (unsigned long long)r->seq,
			     r->text);
	else
		n = snprintf(line, sizeof(line), "T%d%s #%llu = %d %s\n",
			     t->idx, t->child ? "c" : "",
			     (unsigned long long)r->seq, r->ret,
			     r->err ? strerror(r->err) : "");
	if (write(1, line, n) < 0)
		return;
}

/*
 * The record of the call in flight (or just ended).  Once a kernel report
 * came, the ring is frozen: the calls that led to the report stay, those
 * made while the run stops go to a spare record.
 */
static struct callrec *cur_rec(struct thr *t, uint64_t seq)
{
	return t->frozen ? &t->spare : &t->ring[seq % opts.log_n];
}

void call_begin(struct thr *t, const char *fmt, ...)
{
	struct callrec *r;
	va_list ap;

	if (!t->frozen && report_seen() && !opts.keep_going)
		t->frozen = true;
	r = cur_rec(t, t->seq);

	r->seq = t->seq;
	r->t_ns = now_ns();
	r->op = t->cur_op;
	r->done = false;
	r->ret = 0;
	r->err = 0;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&t->started, 1);
	atomic_store(&t->inflight_ns, r->t_ns);
	if (opts.trace)
		trace_line(t, r, false);
}

long call_end(struct thr *t, long ret)
{
	struct callrec *r = cur_rec(t, t->seq);
	struct opstat *st = &t->st[t->cur_op];
	int err = errno;

	st->ns += now_ns() - r->t_ns;
	atomic_store(&t->inflight_ns, 0);
	r->ret = ret < 0 ? -1 : ret > INT32_MAX ? INT32_MAX : ret;
	r->err = ret < 0 ? err : 0;
	r->done = true;
	if (!t->frozen)
		t->seq++;
	st->calls++;
	if (ret >= 0)
		st->ok++;
	else
		st->err[err < ERRNO_MAX && err > 0 ? err : ERRNO_MAX]++;
	/* ERESTARTSYS and friends must never reach userspace */
	if (ret < 0 && err >= 512 && !t->child && !g.bad_errno++)
		snprintf(g.bad_errno_text, sizeof(g.bad_errno_text),
			 "errno %d from: %s", err, r->text);
	if (t->child)
		atomic_fetch_add(&g.sh->child_calls, 1);
	else
		atomic_fetch_add(&g.calls, 1);
	if (opts.trace)
		trace_line(t, r, true);
	errno = err;
	return ret;
}

/*
 * The tries of a retry loop count in the op's table line, not in the run's
 * calls (nor in a CALLS budget): they are one call made many times.
 */
void call_count(struct thr *t, uint64_t n)
{
	t->st[t->cur_op].calls += n;
	t->retries += n;
}

/* Append to the text of the call just ended (outputs, IDs) */
void call_note(struct thr *t, const char *fmt, ...)
{
	struct callrec *r = cur_rec(t, t->seq - 1);
	size_t len = strlen(r->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->text + len, sizeof(r->text) - len, fmt, ap);
	va_end(ap);
}

/* ---- the op mix: swarm epochs ---- */

static int op_index(const char *name)
{
	unsigned int i;

	for (i = 0; i != nr_ops; i++)
		if (!strcmp(ops[i].name, name))
			return i;
	return -1;
}

/* An op at random by weight, among those @allowed */
static int pick_weighted(struct rng *r, const unsigned int *w)
{
	unsigned int i, sum = 0, x;

	for (i = 0; i != nr_ops; i++)
		sum += w[i];
	if (!sum)
		return -1;
	x = rnd_below(r, sum);
	for (i = 0; i != nr_ops; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return -1;
}

/*
 * The weights of one epoch, the same in every thread:
 *  - 25%: every op with its weight;
 *  - 35%: swarm: each op on with probability 40%, its weight times 1-4;
 *  - 40%: narrow: one of the ops that publish hot objects (any of them
 *    equally likely), DESTROY_follow hammering those, and maybe one more
 *    op, so that a pair of racing ops fills the machine.
 * Ops that --ops turned off (weight 0) stay off, and forked children never
 * run OPF_NO_CHILD ops.
 */
static void epoch_weights(uint64_t epoch, bool child, unsigned int *cum)
{
	struct rng r = { .s = opts.seed ^ (epoch * 0xd1b54a32d192ed03ULL) };
	unsigned int w[MAX_OPS], base[MAX_OPS], hot[MAX_OPS];
	unsigned int i, sum = 0, enabled = 0, kind = rnd_below(&r, 100);
	int k, follow = op_index("DESTROY_follow");

	if (!opts.epoch || epoch == 0)
		kind = 0;
	for (i = 0; i != nr_ops; i++) {
		base[i] = ops[i].weight;
		if (child && (ops[i].flags & OPF_NO_CHILD))
			base[i] = 0;
		hot[i] = ops[i].flags & OPF_HOT && base[i] ? 1 : 0;
	}
	for (i = 0; i != nr_ops; i++) {
		if (kind < 25)
			w[i] = base[i];
		else if (kind < 60)
			w[i] = chance(&r, 40) ? base[i] * (1 + rnd_below(&r, 4)) :
						0;
		else
			w[i] = 0;
	}
	if (kind >= 60) {
		k = pick_weighted(&r, hot);
		if (k >= 0)
			w[k] = 8;
		if (follow >= 0 && base[follow])
			w[follow] = 6;
		for (i = rnd_below(&r, 2); i != 0; i--) {
			k = pick_weighted(&r, base);
			if (k >= 0)
				w[k] = 4;
		}
	}
	for (i = 0; i != nr_ops; i++) {
		enabled += !!w[i];
		sum += w[i];
		cum[i] = sum;
	}
	if (enabled >= 2)
		return;
	/* Too narrow: everything (that --ops allows) */
	for (i = 0, sum = 0; i != nr_ops; i++) {
		sum += base[i];
		cum[i] = sum;
	}
}

static int pick_op(struct thr *t)
{
	uint64_t epoch = opts.epoch ? atomic_fetch_add(&g.ops, 1) / opts.epoch :
				      0;
	unsigned int x, i;

	if (epoch != t->epoch || !t->cum[nr_ops - 1]) {
		t->epoch = epoch;
		epoch_weights(epoch, t->child, t->cum);
	}
	x = rnd_below(&t->rng, t->cum[nr_ops - 1]);
	for (i = 0; i != nr_ops; i++)
		if (x < t->cum[i])
			return i;
	return 0;
}

/*
 * --ops: "a,b" runs only ops a and b, "-a,-b" all but a and b (names as in
 * the summary table).  Returns the number of ops left enabled.
 */
static int apply_op_filter(void)
{
	char list[sizeof(opts.ops)], *tok, *save;
	bool only = false, hit[MAX_OPS] = {}, skip[MAX_OPS] = {};
	unsigned int i;
	int n = 0;

	snprintf(list, sizeof(list), "%s", opts.ops);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool neg = *tok == '-';

		only |= !neg;
		for (i = 0; i != nr_ops; i++)
			if (!strcmp(ops[i].name, tok + neg))
				break;
		if (i == nr_ops) {
			printf("# --ops: no op %s\n", tok + neg);
			continue;
		}
		if (neg)
			skip[i] = true;
		else
			hit[i] = true;
	}
	for (i = 0; i != nr_ops; i++) {
		if (skip[i] || (only && !hit[i]))
			ops[i].weight = 0;
		n += !!ops[i].weight;
	}
	return n;
}

/* ---- fork: a child keeps using every file, then exits ---- */

static void reap_children(bool kill_them)
{
	unsigned int i;
	int status;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != MAX_CHILDREN; i++) {
		if (!g.children[i])
			continue;
		if (kill_them)
			kill(g.children[i], SIGKILL);
		if (waitpid(g.children[i], &status,
			    kill_them ? 0 : WNOHANG) != 0)
			g.children[i] = 0;
	}
	pthread_mutex_unlock(&pool_lock);
}

int child_run(struct thr *t, unsigned int nr)
{
	unsigned int i;

	t->child = true;
	in_child = true;
	t->rng.s ^= 0x5851f42d4c957f2dULL * (t->seq + 1);
	memset(t->cum, 0, nr_ops * sizeof(*t->cum));
	for (i = 0; i != nr; i++) {
		t->cur_op = pick_op(t);
		ops[t->cur_op].fn(t);
		/* Sometimes die in the middle, with everything in use */
		if (chance(&t->rng, 1))
			break;
	}
	return 0;
}

static void op_fork(struct thr *t)
{
	unsigned int i, nr = 16 + rnd_below(&t->rng, 200);
	bool faults;
	pid_t pid;

	if (!opts.fork)
		return;
	reap_children(false);
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != MAX_CHILDREN && g.children[i]; i++)
		;
	pthread_mutex_unlock(&pool_lock);
	if (i == MAX_CHILDREN)
		return;
	/*
	 * fork() itself runs without injected failures: a failing vmalloc of
	 * the child's stack prints a warning with a stack trace, which the
	 * harness would count as a kernel report.  The child turns them on
	 * again for itself.
	 */
	faults = atomic_load(&g.faults_on);
	if (faults)
		fi_enable_task(t->tid, false);
	call_begin(t, "fork ops=%u", nr);
	pid = fork();
	if (!pid) {
		if (faults)
			fi_enable_task(getpid(), true);
		child_run(t, nr);
		_exit(0);
	}
	if (faults)
		fi_enable_task(t->tid, true);
	call_end(t, pid < 0 ? -1 : 0);
	if (pid < 0)
		return;
	call_note(t, " pid=%d", pid);
	atomic_fetch_add(&g.sh->children, 1);
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != MAX_CHILDREN && g.children[i]; i++)
		;
	if (i != MAX_CHILDREN)
		g.children[i] = pid;
	else
		kill(pid, SIGKILL);	/* another thread took the slot */
	pthread_mutex_unlock(&pool_lock);
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&pool_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&pool_lock);
}

static void atfork_child(void)
{
	pthread_mutex_init(&pool_lock, NULL);
}

/* ---- workers ---- */

static atomic_uint running;

/* Fault injection's switch-on against fi_hold()/fi_unhold() */
static pthread_mutex_t fi_switch_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * For a call that must not meet injected failures because a kernel path
 * below us treats them as impossible and warns (see the callers): @t's
 * calls run without them until fi_unhold().  Not for children.
 */
void fi_hold(struct thr *t)
{
	pthread_mutex_lock(&fi_switch_lock);
	t->fi_held = true;
	if (atomic_load(&g.faults_on))
		fi_enable_task(t->tid, false);
	pthread_mutex_unlock(&fi_switch_lock);
}

void fi_unhold(struct thr *t)
{
	pthread_mutex_lock(&fi_switch_lock);
	t->fi_held = false;
	if (atomic_load(&g.faults_on))
		fi_enable_task(t->tid, true);
	pthread_mutex_unlock(&fi_switch_lock);
}

static void *worker(void *arg)
{
	struct thr *t = arg;

	t->tid = syscall(SYS_gettid);
	if (atomic_load(&g.faults_on))
		fi_enable_task(t->tid, true);
	while (!fuzz_stopping()) {
		t->cur_op = pick_op(t);
		ops[t->cur_op].fn(t);
	}
	atomic_fetch_sub(&running, 1);
	return NULL;
}

/* ---- reports ---- */

/* Where the fuzzer faulted: address, code, PC, and the thread's op */
static void crash_where(int sig, siginfo_t *si, void *uc_v)
{
	pid_t tid = syscall(SYS_gettid);
	unsigned long long pc = 0, lr = 0, sp = 0;
	ucontext_t *uc = uc_v;
	unsigned int i;

#if defined(__aarch64__)
	pc = uc->uc_mcontext.pc;
	lr = uc->uc_mcontext.regs[30];
	sp = uc->uc_mcontext.sp;
#elif defined(__x86_64__)
	pc = uc->uc_mcontext.gregs[REG_RIP];
	sp = uc->uc_mcontext.gregs[REG_RSP];
#endif
	printf("# signal %d code %d addr %p (slot %d) tid %d: pc %#llx lr %#llx sp %#llx\n",
	       sig, si->si_code, si->si_addr, arena_slot_of(si->si_addr), tid,
	       pc, lr, sp);
	for (i = 0; i != opts.threads; i++)
		if (thrs[i].tid == tid)
			printf("# thread T%u in op %s, last call: %s\n", i,
			       ops[thrs[i].cur_op].name,
			       cur_rec(&thrs[i], thrs[i].seq)->text);
}

static void crash_handler(int sig, siginfo_t *si, void *uc)
{
	if (in_child) {
		/* Not the run's TAP: the parent reports what it sees */
		printf("# forked child %d died of signal %d\n", getpid(), sig);
		crash_where(sig, si, uc);
		fflush(stdout);
		_exit(3);
	}
	printf("# fuzzer died of signal %d\n", sig);
	crash_where(sig, si, uc);
	dump_rings("fuzzer crash", 0);
	printf("not ok 1 fuzzer crashed (signal %d)\n", sig);
	fflush(stdout);
	_exit(3);
}

static void print_stats(uint64_t calls, double secs)
{
	struct opstat tot;
	unsigned int o, i, e;
	uint64_t retries;

	printf("# %-26s %9s %9s %8s  top errnos\n", "op", "calls", "ok",
	       "us/call");
	for (o = 0; o != nr_ops; o++) {
		char errs[160] = "";
		size_t len = 0;

		memset(&tot, 0, sizeof(tot));
		for (i = 0; i != opts.threads; i++) {
			tot.calls += thrs[i].st[o].calls;
			tot.ok += thrs[i].st[o].ok;
			tot.ns += thrs[i].st[o].ns;
			for (e = 0; e <= ERRNO_MAX; e++)
				tot.err[e] += thrs[i].st[o].err[e];
		}
		if (!tot.calls)
			continue;
		for (i = 0; i != 3; i++) {
			unsigned int best = 0;

			for (e = 1; e <= ERRNO_MAX; e++)
				if (tot.err[e] > tot.err[best])
					best = e;
			if (!tot.err[best])
				break;
			len += snprintf(errs + len, sizeof(errs) - len,
					" %s:%llu", best == ERRNO_MAX ? "other" :
					strerrorname_np(best) ?: "?",
					(unsigned long long)tot.err[best]);
			tot.err[best] = 0;
		}
		printf("# %-26s %9llu %9llu %8llu %s\n", ops[o].name,
		       (unsigned long long)tot.calls,
		       (unsigned long long)tot.ok,
		       (unsigned long long)(tot.ns / tot.calls / 1000), errs);
	}
	for (i = 0, retries = 0; i != opts.threads; i++)
		retries += thrs[i].retries;
	printf("# %llu calls in %.1f s: %.0f calls/s (and %llu more DESTROY tries in loops)\n",
	       (unsigned long long)calls, secs, secs > 0 ? calls / secs : 0,
	       (unsigned long long)retries);
	printf("# forked children: %llu, their calls: %llu\n",
	       (unsigned long long)atomic_load(&g.sh->children),
	       (unsigned long long)atomic_load(&g.sh->child_calls));
}

/* ---- set-up and tear-down ---- */

static void open_contexts(void)
{
	unsigned int i;

	for (i = 0; i != NR_CTX; i++) {
		bool legacy = opts.legacy && i == NR_CTX - 1 &&
			      !access("/dev/vfio/vfio", F_OK);

		ctxs[i].legacy = legacy;
		ctxs[i].fd = open(legacy ? "/dev/vfio/vfio" : "/dev/iommu",
				  O_RDWR);
	}
}

/*
 * Close every file of the run: the pooled ones, and any other fd >= 3 but
 * the kernel log (raw commands can create fault queue and access files the
 * pools never saw, and such a file keeps its context alive).
 */
static void close_everything(bool all)
{
	unsigned int i;
	int fd;

	smmu_release();
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != NR_ACCESS; i++) {
		if (accesses[i].fd >= 0)
			close(accesses[i].fd);
		accesses[i].fd = -1;
	}
	for (i = 0; i != NR_CTX; i++) {
		ctx_reset(i);
		if (ctxs[i].fd >= 0)
			close(ctxs[i].fd);
		ctxs[i].fd = -1;
	}
	pthread_mutex_unlock(&pool_lock);
	for (fd = 3; all && fd < 1024; fd++)
		if (!kmsg_is_ours(fd) && !uffd_is_ours(fd))
			close(fd);
}

/*
 * After the run: close the access and fault queue files, then destroy every
 * object with IOMMU_DESTROY (the close of the context files afterwards
 * would take them too, by another path).  What cannot be destroyed once
 * nothing else is left is printed: with every user gone, EBUSY means a
 * reference nobody holds.
 */
static void destroy_everything(void)
{
	unsigned int i, n, nr_left;
	char left[256];
	int fd;
	uint32_t id;
	struct ctxref c;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i != NR_ACCESS; i++) {
		if (accesses[i].fd >= 0)
			close(accesses[i].fd);
		accesses[i].fd = -1;
	}
	pthread_mutex_unlock(&pool_lock);
	for (i = 0; i != NR_CTX; i++) {
		c = ctx_of(i);
		while ((fd = take_fault_fd(&thrs[0], &c, &id, true)) >= 0)
			close(fd);
	}
	for (i = 0; i != NR_CTX; i++) {
		if (ctxs[i].fd < 0)
			continue;
		n = destroy_sweep(i, left, sizeof(left), &nr_left);
		printf("# end: context %u: %u objects destroyed by IOMMU_DESTROY, %u left%s%s\n",
		       i, n, nr_left, nr_left ? ":" : "", left);
	}
}

/* Start over with fresh files when memory runs low (pinned pages pile up) */
static void reclaim_if_low(void)
{
	char line[128];
	long avail_kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &avail_kb) == 1)
			break;
	fclose(f);
	if (avail_kb < 0 || avail_kb > 384 * 1024)
		return;
	printf("# memory low (%ld kB available): closing every file\n",
	       avail_kb);
	close_everything(false);
	open_contexts();
}

static void restore_temp_limit(void)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.memory_limit.limit = 65536,
	};
	int fd = open("/dev/iommu", O_RDWR);

	if (fd >= 0) {
		if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
			printf("# could not restore the temporary memory limit\n");
		close(fd);
	}
}

/* ---- main ---- */

struct tap {
	unsigned int n, failed;
};

static void tap(struct tap *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u ", ok ? "ok" : "not ok", ++t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		t->failed++;
}

static void tap_skip(struct tap *t, const char *what)
{
	printf("ok %u # SKIP %s\n", ++t->n, what);
}

/*
 * Time as the main loop sees it: the sum of its ticks, each one as long as
 * CLOCK_MONOTONIC says, but at most 5 s.  Under TCG the guest's clock can
 * leap (the TSC watchdog switching clocksources was seen to move it by two
 * minutes at once), which must neither end a run early nor make a call
 * look hung.
 */
static uint64_t tick_elapsed(uint64_t *prev)
{
	uint64_t now = now_ns(), d = now - *prev;

	/* (A step backwards wraps around to a huge d as well) */
	*prev = now;
	return d > 5000000000ULL ? 100000000ULL : d;
}

/* Runs the workers until the budget is spent; returns the time it took */
static uint64_t run(bool *hung)
{
	uint64_t budget_ns = opts.time_s * 1000000000ULL, last_print = 0;
	uint64_t el = 0, prev = now_ns();
	uint64_t hang_call[MAX_THREADS] = {}, hang_since[MAX_THREADS] = {};
	unsigned int i, ticks = 0;
	pthread_t th[MAX_THREADS];

	atomic_store(&running, opts.threads);
	if (opts.faults && !opts.fault_from)
		atomic_store(&g.faults_on, true);
	for (i = 0; i != opts.threads; i++)
		pthread_create(&th[i], NULL, worker, &thrs[i]);

	while (atomic_load(&running)) {
		unsigned int progress;

		usleep(100000);
		el += tick_elapsed(&prev);
		progress = opts.calls ? atomic_load(&g.calls) * 100 / opts.calls :
			   budget_ns ? el * 100 / budget_ns : 0;
		if (budget_ns && el >= budget_ns)
			atomic_store(&g.stop, true);
		if (report_seen() && !opts.keep_going)
			atomic_store(&g.stop, true);
		if (opts.faults && !atomic_load(&g.faults_on) &&
		    progress >= opts.fault_from) {
			printf("# %.1f s: fault injection on (%u%%)\n", el / 1e9,
			       opts.faults);
			pthread_mutex_lock(&fi_switch_lock);
			atomic_store(&g.faults_on, true);
			for (i = 0; i != opts.threads; i++)
				if (thrs[i].tid && !thrs[i].fi_held)
					fi_enable_task(thrs[i].tid, true);
			pthread_mutex_unlock(&fi_switch_lock);
		}
		/* A hang: the same call in flight for hang_s of ticks */
		for (i = 0; i != opts.threads && !*hung; i++) {
			uint64_t call = atomic_load(&thrs[i].started);

			if (!atomic_load(&thrs[i].inflight_ns) ||
			    call != hang_call[i]) {
				hang_call[i] = call;
				hang_since[i] = el;
				continue;
			}
			if (el - hang_since[i] < opts.hang_s * 1000000000ULL)
				continue;
			*hung = true;
			printf("# thread %u: no return for %u s from: %s\n", i,
			       opts.hang_s,
			       cur_rec(&thrs[i], thrs[i].seq)->text);
			print_stack(thrs[i].tid);
			atomic_store(&g.stop, true);
		}
		if (*hung)
			break;
		if (++ticks % 50 == 0)
			reclaim_if_low();
		if (el - last_print >= 30000000000ULL) {
			last_print = el;
			printf("# %.0f s: %llu calls\n", el / 1e9,
			       (unsigned long long)atomic_load(&g.calls));
			fflush(stdout);
		}
	}
	for (i = 0; i != opts.threads && !*hung; i++)
		pthread_join(th[i], NULL);
	return el;
}

int main(int argc, char **argv)
{
	struct acct_snapshot before, after;
	uint64_t fi_slab = 0, fi_page = 0, fi_iommufd = 0, fi_copy = 0;
	struct tap tp = {};
	bool hung = false, monitoring;
	char why[256];
	double secs;
	unsigned int i;
	int fi_attrs = 0, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_sz = sysconf(_SC_PAGESIZE);
	mio_sz = page_sz / 2;
	mhuge_sz = 512 * mio_sz;
	if (parse_args(argc, argv))
		return 2;

	/*
	 * Before the ops register theirs: the prepare handlers run in the
	 * reverse order, so locks of the ops come before pool_lock.
	 */
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	register_core_ops();
	register_hwpt_ops();
	register_mock_ops();
	register_legacy_ops();
	register_mem_ops();
	register_viommu_ops();
	register_file_ops();
	register_smmu_ops();
	op_register("fork", op_fork, 1, OPF_NO_CHILD);
	if (apply_op_filter() <= 0) {
		printf("Bail out! --ops leaves no op\n");
		return 2;
	}

	printf("TAP version 13\n");
	printf("# iommufd_fuzz seed=%llu threads=%u calls=%llu time=%u",
	       (unsigned long long)opts.seed, opts.threads,
	       (unsigned long long)opts.calls, opts.time_s);
	printf(" faults=%u fault-from=%u epoch=%u log=%u fork=%d legacy=%d\n",
	       opts.faults, opts.fault_from, opts.epoch, opts.show_n, opts.fork,
	       opts.legacy);
	if (opts.ops[0])
		printf("# ops: %s\n", opts.ops);
	printf("# mock device flags: %#x\n", opts.dev_flags);
	n = open("/dev/iommu", O_RDWR);
	if (n < 0) {
		printf("1..0 # SKIP /dev/iommu: %s\n", strerror(errno));
		return 0;
	}
	{
		struct iommu_test_cmd cmd = { .size = sizeof(cmd) };

		if (ioctl(n, IOMMU_TEST_CMD, &cmd) != -1 ||
		    errno != EOPNOTSUPP) {
			printf("1..0 # SKIP kernel without CONFIG_IOMMUFD_TEST\n");
			return 0;
		}
		close(n);
	}
	printf("1..7\n");

	g.sh = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g.sh == MAP_FAILED || mem_init(opts.threads)) {
		printf("Bail out! no memory for the arena\n");
		return 2;
	}
	for (i = 0; i != opts.threads; i++) {
		struct thr *t = &thrs[i];

		t->idx = i;
		t->rng.s = opts.seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
		rnd(&t->rng);
		t->ring = calloc(opts.log_n, sizeof(*t->ring));
		t->st = calloc(nr_ops, sizeof(*t->st));
		t->cum = calloc(nr_ops, sizeof(*t->cum));
		if (!t->ring || !t->st || !t->cum) {
			printf("Bail out! no memory\n");
			return 2;
		}
		thr_scratch(t);
	}
	for (i = 0; i != NR_ACCESS; i++)
		accesses[i].fd = -1;
	printf("# userfaultfd buffers: %s\n",
	       uffd_start() ? "yes" : "no (no userfaultfd: 4 KiB pages instead)");
	{
		struct thr setup = { .idx = opts.threads,
				     .rng.s = opts.seed ^ 0x2545f4914f6cdd1dULL };

		mem_fill_all(&setup);
	}
	{
		struct sigaction sa = {
			.sa_sigaction = crash_handler,
			.sa_flags = SA_SIGINFO,
		};

		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);

	acct_snapshot(&before, true);
	if (opts.faults) {
		fi_attrs = fi_setup();
		printf("# fault injection: %u%% of %d attributes from %u%% of the run\n",
		       opts.faults, fi_attrs, opts.fault_from);
	}
	monitoring = !kmsg_start();
	open_contexts();
	run_start_ns = now_ns();

	secs = run(&hung) / 1e9;
	if (hung) {
		/* Threads stuck in the kernel cannot be joined or torn down */
		dump_rings("hang", 0);
		tap(&tp, !report_seen(), "kernel log clean during the run");
		tap(&tp, false, "every call returned (hang, see above)");
		fflush(stdout);
		_exit(1);
	}
	reap_children(true);
	if (opts.faults) {
		fi_counts(&fi_slab, &fi_page, &fi_iommufd, &fi_copy);
		fi_restore();
		printf("# injected failures: slab %llu, page %llu, iommufd %llu, usercopy %llu\n",
		       (unsigned long long)fi_slab, (unsigned long long)fi_page,
		       (unsigned long long)fi_iommufd,
		       (unsigned long long)fi_copy);
		printf("# allocation failure notices in the kernel log: %u\n",
		       alloc_failure_notices());
	}
	print_stats(atomic_load(&g.calls), secs);
	/* The SMMUv3 device holds what it is attached to */
	smmu_release();
	destroy_everything();
	printf("# userfaultfd page faults served: %llu\n",
	       (unsigned long long)uffd_faults());

	close_everything(true);
	restore_temp_limit();
	/* Reports from the tear-down count too */
	usleep(300000);
	kmsg_stop();

	report_print();
	tap(&tp, !report_seen(), "kernel log clean during the run%s",
	    monitoring ? "" : " (no /dev/kmsg: not watched)");
	tap(&tp, true, "every call returned");
	tap(&tp, !g.bad_errno, "no kernel-internal errno reached userspace%s%s",
	    g.bad_errno ? ": " : "", g.bad_errno_text);

	n = check_refs_zero(why, sizeof(why));
	tap(&tp, n >= 0, "pins: CHECK_REFS(0) on %d buffers%s%s", n < 0 ? 0 : n,
	    n < 0 ? ": " : "", n < 0 ? why : "");
	acct_snapshot(&after, true);
	tap(&tp, after.pin_delta == before.pin_delta,
	    "pins: FOLL_PIN acquired-released %ld before, %ld after",
	    before.pin_delta, after.pin_delta);
	tap(&tp, after.vmlck_kb == before.vmlck_kb &&
	    after.vmpin_kb == before.vmpin_kb,
	    "charges: VmLck %ld->%ld kB, VmPin %ld->%ld kB",
	    before.vmlck_kb, after.vmlck_kb, before.vmpin_kb, after.vmpin_kb);
	if (before.user_locked < 0 || after.user_locked < 0)
		tap_skip(&tp, "charges: user locked_vm not measurable");
	else
		tap(&tp, after.user_locked == before.user_locked,
		    "charges: user locked_vm %ld->%ld pages",
		    before.user_locked, after.user_locked);
	printf("# seed=%llu: %u failed\n", (unsigned long long)opts.seed,
	       tp.failed);
	return tp.failed ? 1 : 0;
}
