// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuzzer's user memory.
 *
 * Every pointer the fuzzer hands the kernel for data points into one arena
 * reserved at start-up (PROT_NONE) or is deliberately invalid (NULL, a
 * kernel address, the arena's guard pages), so that whatever the kernel
 * writes through a hostile or stale pointer lands in fuzz data and never in
 * the fuzzer's own state.  The arena holds one scratch area per thread
 * (a command page, a guard page, SCRATCH_DATA bytes of data, a guard page)
 * and NR_BUFS buffer slots of BUF_SLOT bytes.
 *
 * A buffer slot holds a buffer of one kind (4 KiB pages, THP, hugetlb,
 * read-only, shared memfd, memfd on hugetlbfs, userfaultfd) or nothing.  "Dropping" a
 * buffer replaces its mapping by PROT_NONE in one mmap(MAP_FIXED), which is
 * what munmap() does to the pages a mapping still pins, without leaving a
 * hole that an unrelated mmap() of this process (a thread stack, malloc)
 * could take over while stale pointers into it are still in use.
 *
 * A MAP_FIXED mmap() that fails can leave such a hole all the same: the
 * kernel unmaps what was there before it allocates the new VMA or calls
 * the file's mmap (a hugetlbfs reservation), and does not put the old one
 * back once its page tables are cleared.  Injected failures and running out
 * of hugetlb pages make that frequent.  So every MAP_FIXED into the arena
 * goes through arena_map(), which fills a hole it made with PROT_NONE again
 * before it returns, and holds arena_lock for reading meanwhile; the
 * fuzzer's own mmap()s outside the arena (the SMMUv3 device's BAR, which
 * QEMU's arm64 machine serves) take it for writing (mmap_outside_arena()),
 * so they never land in such a hole, to be overwritten by the next slot
 * refresh.
 *
 * A userfaultfd buffer starts with no page present: the first touch of each
 * page, by the kernel (GUP while pinning, a user copy) as much as by anybody,
 * waits for a handler thread, which fills the page at once most of the
 * time, after a few milliseconds sometimes and after up to 200 ms rarely.
 * So pins and copies stall in the middle of a call while other threads go
 * on with the same objects.  The fuzzer itself never touches those pages.
 * Kernels without userfaultfd get 4 KiB pages instead.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif

struct buf bufs[NR_BUFS];
const char *const buf_kind_name[BUF_KINDS] = {
	"none", "small", "thp", "hugetlb", "ro", "shared", "shared-huge",
	"uffd",
};

static uint8_t *arena, *scratch_base, *buf_base;
static size_t scratch_stride;
static pthread_rwlock_t arena_lock = PTHREAD_RWLOCK_INITIALIZER;

static struct {
	int fd;
	uint8_t *src;		/* what a filled page holds */
	pthread_t thread;
	atomic_ullong faults;
} uffd = { .fd = -1 };

int mem_init(unsigned int nthreads)
{
	size_t size;
	uintptr_t a;
	unsigned int i;

	/* A command page and a data area per thread, each with a guard */
	scratch_stride = 2 * page_sz + SCRATCH_DATA + page_sz;
	size = (nthreads + 1) * scratch_stride + SZ_2M + NR_BUFS * BUF_SLOT +
	       SZ_2M;
	arena = mmap(NULL, size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		return -errno;
	scratch_base = arena;
	a = (uintptr_t)arena + (nthreads + 1) * scratch_stride;
	a = (a + SZ_2M - 1) & ~(SZ_2M - 1);
	buf_base = (uint8_t *)a;
	for (i = 0; i != NR_BUFS; i++)
		bufs[i].va = buf_base + i * BUF_SLOT;
	return 0;
}

/* The scratch areas of thread @t->idx; forked children keep their parent's */
void thr_scratch(struct thr *t)
{
	uint8_t *s = scratch_base + t->idx * scratch_stride;

	t->cmd = mmap(s, page_sz, PROT_READ | PROT_WRITE,
		      MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t->data = mmap(s + 2 * page_sz, SCRATCH_DATA, PROT_READ | PROT_WRITE,
		       MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->cmd == MAP_FAILED || t->data == MAP_FAILED) {
		perror("iommufd_fuzz: scratch");
		exit(2);
	}
}

/* PROT_NONE over [@va, @va + @len) of the arena: retried until it is */
static void arena_reserve(uint8_t *va, size_t len)
{
	unsigned int tries;

	/* Each try can meet an injected failure, and leave a hole */
	for (tries = 0; tries != 100000; tries++)
		if (mmap(va, len, PROT_NONE, MAP_FIXED | MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) != MAP_FAILED)
			return;
	fprintf(stderr, "iommufd_fuzz: arena %p+%#zx: %s, left a hole\n", va,
		len, strerror(errno));
	abort();
}

/*
 * mmap(MAP_FIXED) into the arena; if it fails, the range (which the kernel
 * may have unmapped) is PROT_NONE again before anybody can mmap() there.
 */
static void *arena_map(uint8_t *va, size_t len, int prot, int flags, int fd)
{
	void *p;
	int err;

	pthread_rwlock_rdlock(&arena_lock);
	p = mmap(va, len, prot, flags | MAP_FIXED, fd, 0);
	err = errno;
	if (p == MAP_FAILED)
		arena_reserve(va, len);
	pthread_rwlock_unlock(&arena_lock);
	errno = err;
	return p;
}

void *mmap_outside_arena(size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	pthread_rwlock_wrlock(&arena_lock);
	p = mmap(NULL, len, prot, flags, fd, off);
	pthread_rwlock_unlock(&arena_lock);
	return p;
}

/* Replace slot @i by PROT_NONE; buffer marked busy by the caller */
static void slot_clear(struct buf *b)
{
	pthread_rwlock_rdlock(&arena_lock);
	arena_reserve(b->va, BUF_SLOT);
	pthread_rwlock_unlock(&arena_lock);
	b->kind = BUF_NONE;
	b->len = 0;
}

static int memfd(unsigned int flags, size_t len)
{
	int fd = memfd_create("iommufd_fuzz", flags);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Map a new buffer of @kind, @len bytes into the (busy, cleared) slot */
static int slot_fill(struct buf *b, int kind, size_t len, bool populate)
{
	int prot = PROT_READ | PROT_WRITE, flags = 0;
	void *p;
	int fd = -1;

	switch (kind) {
	case BUF_HUGETLB:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
		break;
	case BUF_SHARED:
		fd = memfd(0, len);
		flags |= MAP_SHARED;
		break;
	case BUF_SHARED_HUGE:
		fd = memfd(MFD_HUGETLB, len);
		flags |= MAP_SHARED;
		break;
	default:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
	}
	if ((kind == BUF_SHARED || kind == BUF_SHARED_HUGE) && fd < 0)
		return -1;
	if (kind == BUF_UFFD && uffd.fd < 0)
		return -1;
	p = arena_map(b->va, len, prot, flags, fd);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return -1;
	if (kind == BUF_UFFD) {
		struct uffdio_register reg = {
			.range = { .start = (uintptr_t)p, .len = len },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		if (ioctl(uffd.fd, UFFDIO_REGISTER, &reg))
			return -1;
		b->kind = kind;
		b->len = len;
		return 0;
	}
	if (kind == BUF_THP)
		madvise(p, len, MADV_HUGEPAGE);
	else if (kind != BUF_HUGETLB && kind != BUF_SHARED_HUGE)
		madvise(p, len, MADV_NOHUGEPAGE);
	/*
	 * Half of the buffers are populated (by the kernel: page faults one
	 * by one cost more), the others are faulted in by whoever pins them.
	 */
	if (populate &&
	    madvise(p, len, MADV_POPULATE_WRITE) && errno == EINVAL)
		memset(p, 0x5a, len);
	if (kind == BUF_RO)
		mprotect(p, len, PROT_READ);
	b->kind = kind;
	b->len = len;
	return 0;
}

static bool buf_take(int i)
{
	bool ok;

	pthread_mutex_lock(&pool_lock);
	ok = !bufs[i].busy;
	bufs[i].busy = true;
	pthread_mutex_unlock(&pool_lock);
	return ok;
}

static void buf_release(int i)
{
	pthread_mutex_lock(&pool_lock);
	bufs[i].busy = false;
	pthread_mutex_unlock(&pool_lock);
}

/* Hugetlb pages are few (128 of 2 MiB): keep hugetlb buffers small */
static int refresh(struct thr *t, int i)
{
	static const size_t lens[] = { SZ_64K, 256UL << 10, SZ_1M, SZ_2M,
				       SZ_2M, 4UL << 20 };
	int kind = 1 + rnd_below(&t->rng, BUF_KINDS - 1);
	size_t len = rnd_pick(&t->rng, lens);
	bool populate = chance(&t->rng, 50);
	struct buf *b = &bufs[i];

	if (kind == BUF_HUGETLB || kind == BUF_SHARED_HUGE)
		len = SZ_2M;
	slot_clear(b);
	if (!slot_fill(b, kind, len, populate))
		return 0;
	/* Out of hugetlb pages, most likely: 4 KiB pages instead */
	slot_clear(b);
	if (!slot_fill(b, BUF_SMALL, len, populate))
		return 0;
	/* A userfaultfd registration that failed leaves a mapping */
	slot_clear(b);
	return -1;
}

/* Fill the page at @addr, or at least wake whoever waits for it */
static void uffd_resolve(uint64_t addr)
{
	struct uffdio_copy copy = {
		.dst = addr, .src = (uintptr_t)uffd.src, .len = page_sz,
	};
	struct uffdio_range wake = { .start = addr, .len = page_sz };

	/*
	 * The slot may have been replaced meanwhile (the copy fails): the
	 * waiter then retries its fault and finds the new mapping.
	 */
	if (ioctl(uffd.fd, UFFDIO_COPY, &copy))
		ioctl(uffd.fd, UFFDIO_WAKE, &wake);
}

static void *uffd_handler(void *arg)
{
	struct rng r = { .s = opts.seed ^ 0x6a09e667f3bcc909ULL };
	struct pollfd p = { .fd = uffd.fd, .events = POLLIN };
	struct uffd_msg msg;
	unsigned int x;

	for (;;) {
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if (read(uffd.fd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		atomic_fetch_add(&uffd.faults, 1);
		x = rnd_below(&r, 100);
		if (fuzz_stopping() || x < 70)
			;
		else if (x < 97)
			usleep(rnd_below(&r, 5000));
		else
			usleep(rnd_below(&r, 200000));
		uffd_resolve(msg.arg.pagefault.address & ~(page_sz - 1));
	}
	return NULL;
}

bool uffd_start(void)
{
	struct uffdio_api api = { .api = UFFD_API };

	uffd.fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd.fd < 0)
		return false;
	uffd.src = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (uffd.src == MAP_FAILED || ioctl(uffd.fd, UFFDIO_API, &api))
		goto fail;
	memset(uffd.src, 0x5a, page_sz);
	/* Runs until the process exits: the final checks touch pages too */
	if (pthread_create(&uffd.thread, NULL, uffd_handler, NULL))
		goto fail;
	return true;
fail:
	close(uffd.fd);
	uffd.fd = -1;
	return false;
}

uint64_t uffd_faults(void)
{
	return atomic_load(&uffd.faults);
}

bool uffd_is_ours(int fd)
{
	return fd >= 0 && fd == uffd.fd;
}

int arena_slot_of(const void *addr)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)buf_base;

	if (!buf_base || a < base || a >= base + NR_BUFS * BUF_SLOT)
		return -1;
	return (a - base) / BUF_SLOT;
}

/* Called before the threads start: every slot gets a buffer */
void mem_fill_all(struct thr *t)
{
	unsigned int i;

	for (i = 0; i != NR_BUFS; i++)
		refresh(t, i);
}

static void op_buf_refresh(struct thr *t)
{
	int i = rnd_below(&t->rng, NR_BUFS);
	int rc;

	if (!buf_take(i))
		return;
	call_begin(t, "buf_refresh slot=%d va=%p", i, bufs[i].va);
	rc = refresh(t, i);
	call_end(t, rc);
	call_note(t, " kind=%s len=%#zx", buf_kind_name[bufs[i].kind],
		  bufs[i].len);
	buf_release(i);
}

/* munmap() while mapped: the pins of existing mappings must hold */
static void op_buf_drop(struct thr *t)
{
	int i = rnd_below(&t->rng, NR_BUFS);

	if (!buf_take(i))
		return;
	call_begin(t, "buf_drop slot=%d va=%p kind=%s", i, bufs[i].va,
		   buf_kind_name[bufs[i].kind]);
	slot_clear(&bufs[i]);
	call_end(t, 0);
	buf_release(i);
}

/* Part of a buffer goes read-only, or back to read-write */
static void op_buf_protect(struct thr *t)
{
	int i = rnd_below(&t->rng, NR_BUFS);
	size_t off, len;
	int prot;

	if (!buf_take(i))
		return;
	if (bufs[i].kind != BUF_NONE) {
		off = rnd_below(&t->rng, bufs[i].len / page_sz) * page_sz;
		len = (rnd_below(&t->rng, (bufs[i].len - off) / page_sz) + 1) *
		      page_sz;
		prot = chance(&t->rng, 50) ? PROT_READ :
					     PROT_READ | PROT_WRITE;
		call_begin(t, "mprotect slot=%d off=%#zx len=%#zx prot=%d", i,
			   off, len, prot);
		call_end(t, mprotect(bufs[i].va + off, len, prot));
	}
	buf_release(i);
}

int pick_buf_range(struct thr *t, uint64_t align, uint64_t max,
		   uint64_t *va, uint64_t *len, uint64_t *off)
{
	int i = rnd_below(&t->rng, NR_BUFS);
	uint64_t blen, n;

	if (align < mio_sz)
		align = mio_sz;
	pthread_mutex_lock(&pool_lock);
	blen = bufs[i].len;
	/* A dropped buffer still has its address: EFAULT is a result too */
	if (!blen)
		blen = BUF_SLOT;
	bufs[i].was_mapped = true;
	pthread_mutex_unlock(&pool_lock);
	if (blen < align)
		align = mio_sz;
	n = blen / align;
	*off = rnd_below(&t->rng, n) * align;
	if (chance(&t->rng, 30))
		*off = 0;
	n = (blen - *off) / align;
	/* Mostly small: every mapped slot costs in every mock domain */
	switch (rnd_below(&t->rng, 20)) {
	case 0:
		*len = n * align;	/* to the end of the buffer */
		break;
	case 1 ... 4:
		*len = (rnd_below(&t->rng, n) + 1) * align;
		break;
	default:
		*len = (rnd_below(&t->rng, n < 16 ? n : 16) + 1) * align;
	}
	if (max && *len > max)
		*len = max / align * align ?: align;
	*va = (uintptr_t)bufs[i].va + *off;
	return i;
}

/* An invalid user pointer */
uint64_t hostile_ptr(struct thr *t)
{
	static const uint64_t odd[] = { 0, 1, 0xffff888000000000ULL,
					 0xffffffff81000000ULL, UINT64_MAX,
					 0x7ffffffff000ULL, 4096 };

	if (chance(&t->rng, 50))
		return rnd_pick(&t->rng, odd);
	/* A guard page of the arena */
	return (uintptr_t)t->cmd + page_sz + rnd_below(&t->rng, page_sz);
}

/* Anywhere among the buffers, mapped or not */
uint64_t any_arena_ptr(struct thr *t)
{
	return (uintptr_t)buf_base + rnd_below(&t->rng, NR_BUFS * BUF_SLOT);
}

void register_mem_ops(void)
{
	op_register("buf_refresh", op_buf_refresh, 3, OPF_NO_CHILD);
	op_register("buf_drop", op_buf_drop, 2, OPF_NO_CHILD);
	op_register("buf_protect", op_buf_protect, 1, OPF_NO_CHILD);
}
