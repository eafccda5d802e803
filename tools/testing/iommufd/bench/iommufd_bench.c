// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_bench - map/unmap throughput and bookkeeping cost of /dev/iommu
 *
 * This is a benchmark, not a test: it prints figures and only fails when it
 * cannot take them.  For every memory kind, buffer size and domain setup it
 *
 *   1. faults the whole buffer in (so no page fault is timed),
 *   2. times IOMMU_IOAS_MAP of the whole buffer at a fixed IOVA,
 *   3. samples /proc/meminfo and /proc/vmstat while the buffer is mapped,
 *   4. times IOMMU_IOAS_UNMAP of it,
 *
 * repeats that --reps times and prints the best and the median.
 *
 * Memory kinds:
 *   4k       anonymous memory with MADV_NOHUGEPAGE (4 KiB pages)
 *   thp      anonymous memory, 2 MiB aligned, MADV_HUGEPAGE
 *   hugetlb  MAP_HUGETLB with 2 MiB pages
 *   hugetlb_memfd, shmem_memfd  (--kinds) MAP_SHARED of a memfd, with
 *            MFD_HUGETLB (2 MiB pages) or without (shmem, 4 KiB pages)
 * Domain setups:
 *   none       an IOAS with nothing attached (the core need not pin)
 *   mock       one mock device attached via IOMMU_TEST_OP_MOCK_DOMAIN
 *              (IO page size PAGE_SIZE / 2 only)
 *   mock-huge  (--mock-huge) a MOCK_FLAGS_DEVICE_HUGE_IOVA device whose
 *              domain also has the 1 MiB mock huge IO page size
 *   mock-x2    (--mock-x2) "mock" plus a second mock paging domain on the
 *              same IOAS (IOMMU_HWPT_ALLOC for the mock device); the
 *              difference to "mock" is the cost of one more domain, and
 *              2 x mock - mock-x2 the cost of the core alone (pinning and
 *              bookkeeping, paid once however many domains)
 * The mock rows need CONFIG_IOMMUFD_TEST; without it only "none" is run.
 *
 * "kmem KiB/GiB" is the kernel memory the mapping keeps while it exists,
 * per GiB mapped.  The buffer is faulted in before the first sample, so
 * user pages do not show up in it.  Two figures are given:
 *   free  (MemFree before MAP - MemFree while mapped): everything the kernel
 *         allocated for the mapping: the IOAS area and pages objects, the
 *         PFN store of the pinned pages, and the mock domain's IO page
 *         table (an xarray with one entry per mock IO page), including page
 *         sized allocations that are not slab.  It is noisy: free pages
 *         parked in the per-CPU page lists are not counted in MemFree, so
 *         it can move by a few hundred KiB either way, which matters at
 *         64 MiB (the error is multiplied by 16 per GiB).
 *   slab  (Slab while mapped - Slab before MAP): the slab part of the same
 *         (xarray nodes, small objects).  Much less noisy.
 * Both are read after folding the per-CPU counter deltas through
 * /proc/sys/vm/stat_refresh, which otherwise add a similar error.  The
 * "before" sample also waits until the slab stops shrinking: the previous
 * UNMAP frees xarray nodes through RCU, and memory that is only released
 * during the next MAP would otherwise be subtracted from its figure.
 * The median over the repetitions is printed.
 *
 * "pin/pg" and "unpin/pg" are the FOLL_PIN pins taken during MAP and
 * released during UNMAP per 4 KiB page (deltas of nr_foll_pin_acquired and
 * nr_foll_pin_released in /proc/vmstat; gup counts one per small page even
 * when it pins a huge folio).  The target is 1.00 with a domain (each page
 * pinned once however many domains) and 0.00 without one (nothing needs the
 * pages resident).
 *
 * "refs" (4 KiB memory only) uses IOMMU_TEST_OP_MD_CHECK_REFS to verify the
 * long-term pin count of every page while mapped (1 with a domain, 0 with
 * none) and after the last unmap (0).  The mock cannot check pages of huge
 * folios, so the column is "-" for thp and hugetlb.
 *
 * With --icount the guest clock counts instructions (QEMU -icount
 * shift=0,sleep=off: one nanosecond per guest instruction), so "GiB/s"
 * means GiB per 10^9 instructions; the flag only changes that label.
 *
 * --edu is the other mode (edu_bench.c): IOMMU_IOAS_MAP/UNMAP through the
 * real IOMMU domain of QEMU's edu device, beside vfio type1's
 * VFIO_IOMMU_MAP_DMA/UNMAP_DMA of the same memory on the same device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/membarrier.h>
#include "drivers/iommu/iommufd/iommufd_test.h"
#include "bench.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif

#define BENCH_IOVA 0x40000000UL	/* inside the mock aperture up to 1 GiB */
#define CLOCK_ICOUNT \
	"instruction-time (QEMU -icount: 1 ns = 1 guest instruction, GiB/s = GiB per 1e9 instructions)"
#define HEAD_FMT \
	"%-7s %-5s %-9s %5s | %9s %9s %8s %8s | %9s %9s %8s %8s | %6s %6s | %6s %6s %s\n"
#define ROW_FMT \
	"%-7s %-5s %-9s %5s | %9.2f %9.2f %8s %8s | %9.2f %9.2f %8s %8s | %6.0f %6.0f | %6.2f %6.2f %s\n"
#define HUGETLB_NR_PATH "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define HUGETLB_FREE_PATH "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

const char * const kind_name[NR_KINDS] = {
	"4k", "thp", "hugetlb", "hugetlb1g", "hugetlb_memfd", "shmem_memfd"
};

static const char * const dom_name[NR_DOMS] = {
	"none", "mock", "mock-huge", "mock-x2",
};

/* What one row measured; times in nanoseconds, kmem in KiB */
struct row {
	double map_ns[MAX_REPS];
	double unmap_ns[MAX_REPS];
	double free_kib[MAX_REPS];
	double slab_kib[MAX_REPS];
	double pins[MAX_REPS];		/* pins taken by MAP */
	double unpins[MAX_REPS];	/* pins released by UNMAP */
	const char *refs;
};

static int mock_state;	/* 0 unknown, 1 available, -1 not available */

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

long read_long(const char *path)
{
	char buf[64];
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		val = strtol(buf, NULL, 10);
	fclose(f);
	return val;
}

int write_long(const char *path, long val)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -1;
	rc = fprintf(f, "%ld\n", val) < 0;
	rc |= fclose(f) != 0;
	return rc ? -1 : 0;
}

/* Find every "name value" line of @path whose name is in @names */
static int read_counters(const char *path, const char * const *names,
			 long **vals, int nr)
{
	char line[256], name[64];
	FILE *f = fopen(path, "r");
	int found = 0, i;
	long val;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^: ]%*[: ]%ld", name, &val) != 2)
			continue;
		for (i = 0; i < nr; i++) {
			if (!strcmp(name, names[i])) {
				*vals[i] = val;
				found++;
			}
		}
	}
	fclose(f);
	return found == nr ? 0 : -1;
}

int read_pin_counts(long *acquired, long *released)
{
	static const char * const vm[] = {
		"nr_foll_pin_acquired", "nr_foll_pin_released",
	};
	long *vals[] = { acquired, released };

	/* Fold the per-CPU counter deltas first (root only; best effort) */
	write_long("/proc/sys/vm/stat_refresh", 1);
	return read_counters("/proc/vmstat", vm, vals, 2) ? -EIO : 0;
}

int read_sample(struct ksample *s)
{
	static const char * const mem[] = { "MemFree", "Slab", "VmallocUsed" };
	static const char * const vm[] = { "nr_iommu_pages" };
	long *mem_vals[] = { &s->free_kib, &s->slab_kib, &s->vmalloc_kib };
	long iommu_pages = -1, *vm_vals[] = { &iommu_pages };

	if (read_pin_counts(&s->pin_acquired, &s->pin_released) ||
	    read_counters("/proc/meminfo", mem, mem_vals, 3))
		return -EIO;
	/* Counted since 6.11; the page size is 4 KiB where --edu runs */
	read_counters("/proc/vmstat", vm, vm_vals, 1);
	s->iommu_kib = iommu_pages < 0 ? -1 : iommu_pages * (long)(SZ_4K >> 10);
	return 0;
}

void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, len, "?");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* Bytes of the mapping at @addr that are backed by THP (smaps) */
static long anon_huge_kib(void *addr)
{
	unsigned long start, end, want = (unsigned long)addr;
	bool in_vma = false;
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in_vma = want >= start && want < end;
			continue;
		}
		if (in_vma && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double best(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/* Memory */

/* A prime: every step of it visits each page of the buffer once */
#define SCATTER_STEP 2654435761ULL

int buffer_alloc(struct buffer *b, enum mem_kind kind, size_t len,
		 bool scatter)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	unsigned long long i, n = len / SZ_4K;
	size_t off;

	b->len = len;
	b->map_len = kind == KIND_THP ? len + SZ_2M : len;
	if (kind == KIND_HUGETLB)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	if (kind == KIND_HUGETLB_1G) {
		flags |= MAP_HUGETLB | MAP_HUGE_1GB;
		b->map_len = (len + SZ_1G - 1) & ~(SZ_1G - 1);
	}
	b->fd = -1;
	if (kind_is_memfd(kind)) {
		/*
		 * As QEMU's memory-backend-memfd,share=on (hugetlb=on: 2 MiB
		 * pages, MFD_HUGETLB); the memfd stays open for IOAS_MAP_FILE
		 */
		unsigned int mfd_flags = kind == KIND_HUGETLB_MEMFD ? 0x4U : 0;

		b->map = MAP_FAILED;
		b->fd = syscall(SYS_memfd_create, "iommufd_bench", mfd_flags);
		if (b->fd < 0)
			return -errno;
		if (!ftruncate(b->fd, len))
			b->map = mmap(NULL, len, PROT_READ | PROT_WRITE,
				      MAP_SHARED, b->fd, 0);
	} else {
		b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, flags,
			      -1, 0);
	}
	if (b->map == MAP_FAILED) {
		int err = errno;

		if (b->fd >= 0)
			close(b->fd);
		b->fd = -1;
		return -err;
	}
	off = -(uintptr_t)b->map & (SZ_2M - 1);
	b->p = (char *)b->map + (kind == KIND_THP ? off : 0);
	if (kind == KIND_4K && madvise(b->p, len, MADV_NOHUGEPAGE))
		return -errno;
	if (kind == KIND_THP && madvise(b->p, len, MADV_HUGEPAGE))
		return -errno;
	/*
	 * Prefault: nothing timed may take a page fault.  The stores cannot be
	 * optimised away, the buffer escapes to the ioctls that follow.  The
	 * page allocator hands out mostly ascending physical pages, so faulting
	 * in address order makes 4 KiB memory physically contiguous; @scatter
	 * faults the pages in a scattered order instead, so neighbours in the
	 * buffer are not neighbours in memory (as in a long-running system).
	 */
	for (i = 0; i < n; i++) {
		off = (scatter ? i * SCATTER_STEP % n : i) * SZ_4K;
		((char *)b->p)[off] = 1;
	}
	return 0;
}

void buffer_free(struct buffer *b)
{
	if (b->map != MAP_FAILED)
		munmap(b->map, b->map_len);
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

/* iommufd */

static int ioas_alloc(int fd, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &cmd))
		return -errno;
	*ioas_id = cmd.out_ioas_id;
	return 0;
}

/* A second paging domain for the device @dev_id, added to the IOAS */
static int add_domain(int fd, uint32_t ioas_id, uint32_t dev_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.pt_id = ioas_id,
	};

	return ioctl(fd, IOMMU_HWPT_ALLOC, &cmd) ? -errno : 0;
}

static int attach_mock(int fd, uint32_t ioas_id, enum dom_setup dom)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = ioas_id,
		.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
	};

	if (dom != DOM_MOCK_HUGE) {
		cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
		cmd.mock_domain_flags.dev_flags = 0;
	}
	/* No test ioctl, or no such op: a kernel without the mock */
	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return errno == ENOTTY || errno == EOPNOTSUPP ? -ENODEV : -errno;
	if (dom == DOM_MOCK_X2)
		return add_domain(fd, ioas_id, cmd.mock_domain.out_idev_id);
	return 0;
}

/* 1 when every page has @refs long-term pins, 0 when not, -errno on error */
static int check_refs(int fd, struct buffer *b, unsigned int refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = {
			.length = b->len,
			.uptr = (uintptr_t)b->p,
			.refs = refs,
		},
	};

	if (!ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return 1;
	return errno == EIO ? 0 : -errno;
}

static int ioas_map(int fd, uint32_t ioas_id, struct buffer *b)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)b->p,
		.length = b->len,
		.iova = BENCH_IOVA,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
}

static int ioas_unmap(int fd, uint32_t ioas_id, struct buffer *b)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = BENCH_IOVA,
		.length = b->len,
	};

	if (ioctl(fd, IOMMU_IOAS_UNMAP, &cmd))
		return -errno;
	return cmd.length == b->len ? 0 : -EIO;
}

/* Untimed pin check of the mapped state or of the state after unmap */
static const char *pins_result(int fd, struct buffer *b, unsigned int refs,
			       bool mapped)
{
	int rc = check_refs(fd, b, mapped ? refs : 0);

	if (rc < 0)
		return "n/a";
	if (!rc)
		return mapped ? "BAD-mapped" : "BAD-unmapped";
	return "ok";
}

/*
 * Sample once memory freed through RCU callbacks is back: wait for grace
 * periods (membarrier's global command is synchronize_rcu()) and let the
 * callbacks run until the slab stops shrinking.
 */
int read_settled_sample(struct ksample *s)
{
	long last = -1;
	int i;

	for (i = 0; i < 20; i++) {
		syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
		usleep(10000);
		if (read_sample(s))
			return -EIO;
		if (s->slab_kib == last)
			break;
		last = s->slab_kib;
	}
	return 0;
}

/*
 * One timed MAP and UNMAP of the whole buffer, with the kernel counters
 * sampled around them; with @check_refs also the pin check while mapped.
 */
static int run_cycle(int fd, uint32_t ioas_id, struct buffer *b,
		     bool has_domain, bool check_refs, struct row *row, int i)
{
	double npages = b->len / SZ_4K;
	struct ksample s0, s1, s2, s3;
	double t0;
	int rc;

	if (read_settled_sample(&s0))
		return -EIO;
	t0 = now_ns();
	rc = ioas_map(fd, ioas_id, b);
	row->map_ns[i] = now_ns() - t0;
	if (rc)
		return rc;
	if (read_sample(&s1))
		return -EIO;
	if (check_refs)
		row->refs = pins_result(fd, b, has_domain, true);
	if (read_sample(&s2))
		return -EIO;
	t0 = now_ns();
	rc = ioas_unmap(fd, ioas_id, b);
	row->unmap_ns[i] = now_ns() - t0;
	if (rc)
		return rc;
	if (read_sample(&s3))
		return -EIO;

	row->free_kib[i] = s0.free_kib - s1.free_kib;
	row->slab_kib[i] = s1.slab_kib - s0.slab_kib;
	row->pins[i] = (s1.pin_acquired - s0.pin_acquired) / npages;
	row->unpins[i] = (s3.pin_released - s2.pin_released) / npages;
	return 0;
}

/* One row: @reps timed map/unmap cycles; 0, -ENODEV without mock, -errno */
static int run_row(struct buffer *b, enum mem_kind kind, enum dom_setup dom,
		   int reps, struct row *row)
{
	uint32_t ioas_id = 0;
	int fd, rc, i;

	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		return -errno;
	rc = ioas_alloc(fd, &ioas_id);
	if (rc)
		goto out;
	if (dom != DOM_NONE) {
		rc = attach_mock(fd, ioas_id, dom);
		if (rc)
			goto out;
	}

	/* The pin count of 4 KiB pages is checked in the last mapped state */
	row->refs = "-";
	for (i = 0; i < reps && !rc; i++)
		rc = run_cycle(fd, ioas_id, b, dom != DOM_NONE,
			       kind == KIND_4K && i == reps - 1, row, i);
	if (!rc && !strcmp(row->refs, "ok"))
		row->refs = pins_result(fd, b, 0, false);
out:
	close(fd);
	return rc;
}

/* Output */

void fmt_rate(char *buf, size_t len, double per_s)
{
	if (per_s >= 1e9)
		snprintf(buf, len, "%.2fG", per_s / 1e9);
	else if (per_s >= 1e6)
		snprintf(buf, len, "%.2fM", per_s / 1e6);
	else
		snprintf(buf, len, "%.1fk", per_s / 1e3);
}

void fmt_size(char *buf, size_t len, unsigned long size)
{
	if (size >= SZ_1G && !(size % SZ_1G))
		snprintf(buf, len, "%luG", size / SZ_1G);
	else if (size >= SZ_1M)
		snprintf(buf, len, "%luM", size >> 20);
	else
		snprintf(buf, len, "%luK", size >> 10);
}

static void print_header(const struct options *opt)
{
	char thp[128], defrag[128], clk[64];
	struct utsname u;

	uname(&u);
	read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp,
		  sizeof(thp));
	read_line("/sys/kernel/mm/transparent_hugepage/defrag", defrag,
		  sizeof(defrag));
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  clk, sizeof(clk));
	printf("# iommufd_bench: kernel %s %s (%s), page size %ld\n",
	       u.release, u.machine, u.version, sysconf(_SC_PAGESIZE));
	printf("# clock: CLOCK_MONOTONIC (%s), %s\n", clk,
	       opt->icount ? CLOCK_ICOUNT : "wall-time");
	printf("# THP enabled: %s; defrag: %s\n", thp, defrag);
	if (!opt->edu)
		printf("# reps: %d per row (best and median shown), IOVA 0x%lx\n",
		       opt->reps, BENCH_IOVA);
}

static void print_table_head(void)
{
	printf(HEAD_FMT, "", "", "", "", "map", "GiB/s", "map", "pages/s",
	       "unmap", "GiB/s", "unmap", "pages/s", "kmem", "KiB/GiB", "",
	       "", "");
	printf(HEAD_FMT, "kind", "size", "domain", "huge%", "best", "median",
	       "best", "median", "best", "median", "best", "median", "free",
	       "slab", "pin/pg", "unpin/pg", "refs");
}

static void print_row(enum mem_kind kind, unsigned long size, enum dom_setup dom,
		      long huge_pct, const struct row *row, int reps)
{
	double gib = (double)size / SZ_1G, npages = (double)size / SZ_4K;
	double mb = best(row->map_ns, reps), mm = median(row->map_ns, reps);
	double ub = best(row->unmap_ns, reps);
	double um = median(row->unmap_ns, reps);
	char r[4][16], sz[16], hp[24];

	fmt_rate(r[0], sizeof(r[0]), npages / mb * 1e9);
	fmt_rate(r[1], sizeof(r[1]), npages / mm * 1e9);
	fmt_rate(r[2], sizeof(r[2]), npages / ub * 1e9);
	fmt_rate(r[3], sizeof(r[3]), npages / um * 1e9);
	fmt_size(sz, sizeof(sz), size);
	if (huge_pct < 0)
		snprintf(hp, sizeof(hp), "?");
	else
		snprintf(hp, sizeof(hp), "%ld", huge_pct);
	printf(ROW_FMT, kind_name[kind], sz, dom_name[dom], hp, gib / mb * 1e9,
	       gib / mm * 1e9, r[0], r[1], gib / ub * 1e9, gib / um * 1e9,
	       r[2], r[3], median(row->free_kib, reps) / gib,
	       median(row->slab_kib, reps) / gib, median(row->pins, reps),
	       median(row->unpins, reps), row->refs);
	fflush(stdout);
}

static void print_skip(enum mem_kind kind, unsigned long size, enum dom_setup dom,
		       const char *why)
{
	char sz[16];

	fmt_size(sz, sizeof(sz), size);
	printf("%-7s %-5s %-9s skipped: %s\n", kind_name[kind], sz,
	       dom_name[dom], why);
	fflush(stdout);
}

/* Hugetlb pool: grow it once for the largest size, restore it at exit */

static long hugetlb_saved = -1;

static void hugetlb_reserve(const struct options *opt)
{
	unsigned long need = 0;
	long nr, free_pages;
	int i;

	for (i = 0; i < opt->nr_sizes; i++)
		if (opt->sizes[i] / SZ_2M > need)
			need = opt->sizes[i] / SZ_2M;
	nr = read_long(HUGETLB_NR_PATH);
	free_pages = read_long(HUGETLB_FREE_PATH);
	if (nr < 0 || free_pages < 0) {
		printf("# hugetlb: no 2 MiB pool\n");
		return;
	}
	if ((unsigned long)free_pages < need) {
		hugetlb_saved = nr;
		if (write_long(HUGETLB_NR_PATH, nr + need - free_pages))
			printf("# hugetlb: cannot grow the pool: %s\n",
			       strerror(errno));
	}
	printf("# hugetlb pool: %ld x 2 MiB (%ld free, %lu needed)\n",
	       read_long(HUGETLB_NR_PATH), read_long(HUGETLB_FREE_PATH), need);
}

static void hugetlb_restore(void)
{
	if (hugetlb_saved >= 0)
		write_long(HUGETLB_NR_PATH, hugetlb_saved);
}

/* Percentage of the buffer backed by huge pages, -1 if unknown */
static long huge_percent(struct buffer *b, enum mem_kind kind)
{
	long kib;

	if (kind == KIND_HUGETLB || kind == KIND_HUGETLB_1G ||
	    kind == KIND_HUGETLB_MEMFD)
		return 100;
	kib = anon_huge_kib(b->p);
	return kib < 0 ? -1 : kib * 100 / (long)(b->len >> 10);
}

/* All domain rows of one buffer; returns the number of failed rows */
static int run_buffer(const struct options *opt, enum mem_kind kind,
		      unsigned long size)
{
	static struct row row;
	struct buffer b = { 0 };
	int failed = 0, rc;
	long huge_pct;
	enum dom_setup dom;

	rc = buffer_alloc(&b, kind, size, false);
	if (rc) {
		if (b.map != MAP_FAILED)
			buffer_free(&b);
		print_skip(kind, size, DOM_NONE, strerror(-rc));
		return 0;
	}
	huge_pct = huge_percent(&b, kind);
	for (dom = 0; dom < NR_DOMS; dom++) {
		if (!opt->dom[dom])
			continue;
		if (dom != DOM_NONE && mock_state < 0) {
			print_skip(kind, size, dom, "no mock (CONFIG_IOMMUFD_TEST)");
			continue;
		}
		memset(&row, 0, sizeof(row));
		rc = run_row(&b, kind, dom, opt->reps, &row);
		if (rc == -ENODEV) {
			mock_state = -1;
			print_skip(kind, size, dom, "no mock (CONFIG_IOMMUFD_TEST)");
			continue;
		}
		if (rc) {
			print_skip(kind, size, dom, strerror(-rc));
			failed++;
			continue;
		}
		if (dom != DOM_NONE)
			mock_state = 1;
		if (!strncmp(row.refs, "BAD", 3))
			failed++;
		print_row(kind, size, dom, huge_pct, &row, opt->reps);
	}
	buffer_free(&b);
	return failed;
}

/* Command line */

static void help(FILE *f)
{
	fprintf(f,
		"usage: iommufd_bench [options]\n"
		"  --kinds LIST   comma separated of 4k,thp,hugetlb,hugetlb1g,\n"
		"                 hugetlb_memfd,shmem_memfd (default\n"
		"                 4k,thp,hugetlb; all of them with --edu)\n"
		"  --sizes LIST   comma separated sizes with K/M/G suffix, 2 MiB\n"
		"                 multiples, at most 1G, 4G with --edu (default\n"
		"                 64M,256M,1G; 256M,2G with --edu)\n"
		"  --reps N       timed map/unmap cycles per row (default 3)\n"
		"  --mock-huge    also run a MOCK_FLAGS_DEVICE_HUGE_IOVA domain\n"
		"  --mock-x2      also run two mock domains on one IOAS\n"
		"  --no-mock      only the rows without a domain\n"
		"  --edu          instead of mock domains: the edu device's real\n"
		"                 IOMMU domain, beside vfio type1 (see edu_bench.c)\n"
		"  --no-type1     with --edu: only /dev/iommu, no vfio type1 rows\n"
		"  --scale LIST   with --edu: the scale table at these numbers of\n"
		"                 existing mappings, ascending (default\n"
		"                 1,1000,100000; \"none\": no scale table)\n"
		"  --scale-objs N with --edu: objects in the fd for the scale\n"
		"                 table's object row (default 10000; 0: no row)\n"
		"  --icount       label times as instruction-time (QEMU -icount)\n"
		"Options in $IOMMUFD_BENCH_ARGS (space separated) come first; a\n"
		"VM runner can set it from the kernel command line.\n");
}

static int parse_kinds(struct options *opt, char *list)
{
	char *tok;
	int k;

	memset(opt->kind, 0, sizeof(opt->kind));
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		for (k = 0; k < NR_KINDS; k++)
			if (!strcmp(tok, kind_name[k]))
				break;
		if (k == NR_KINDS)
			return -1;
		opt->kind[k] = true;
	}
	return 0;
}

static int parse_sizes(struct options *opt, char *list)
{
	const char *units = "KMG", *unit;
	unsigned long size;
	char *tok, *end;

	opt->nr_sizes = 0;
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size = strtoul(tok, &end, 10);
		unit = *end ? strchr(units, *end) : NULL;
		if (unit) {
			size <<= 10 * (unit - units + 1);
			end++;
		}
		/* main() checks the limit of the mode */
		if (*end || !size || size % SZ_2M || size > 4 * SZ_1G ||
		    opt->nr_sizes == MAX_SIZES)
			return -1;
		opt->sizes[opt->nr_sizes++] = size;
	}
	return opt->nr_sizes ? 0 : -1;
}

static int parse_scale(struct options *opt, char *list)
{
	unsigned long n;
	char *tok, *end;

	opt->nr_scale = 0;
	if (!strcmp(list, "none"))
		return 0;
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		n = strtoul(tok, &end, 10);
		if (*end || !n || n > 1000000 || opt->nr_scale == MAX_SCALE ||
		    (opt->nr_scale && n <= opt->scale[opt->nr_scale - 1]))
			return -1;
		opt->scale[opt->nr_scale++] = n;
	}
	return opt->nr_scale ? 0 : -1;
}

static int parse_args(struct options *opt, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--kinds") && val) {
			if (parse_kinds(opt, val))
				return -1;
			opt->kinds_given = true;
			i++;
		} else if (!strcmp(a, "--sizes") && val) {
			if (parse_sizes(opt, val))
				return -1;
			opt->sizes_given = true;
			i++;
		} else if (!strcmp(a, "--reps") && val) {
			opt->reps = atoi(val);
			if (opt->reps < 1 || opt->reps > MAX_REPS)
				return -1;
			i++;
		} else if (!strcmp(a, "--mock-huge")) {
			opt->dom[DOM_MOCK_HUGE] = true;
		} else if (!strcmp(a, "--mock-x2")) {
			opt->dom[DOM_MOCK_X2] = true;
		} else if (!strcmp(a, "--no-mock")) {
			memset(opt->dom, 0, sizeof(opt->dom));
			opt->dom[DOM_NONE] = true;
		} else if (!strcmp(a, "--edu")) {
			opt->edu = true;
		} else if (!strcmp(a, "--no-type1")) {
			opt->no_type1 = true;
		} else if (!strcmp(a, "--scale") && val) {
			if (parse_scale(opt, val))
				return -1;
			i++;
		} else if (!strcmp(a, "--scale-objs") && val) {
			opt->scale_objs = strtoul(val, NULL, 10);
			if (opt->scale_objs > 1000000)
				return -1;
			i++;
		} else if (!strcmp(a, "--icount")) {
			opt->icount = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help(stdout);
			exit(0);
		} else {
			return -1;
		}
	}
	return 0;
}

/* Options from the environment, then from the command line */
static int parse_all_args(struct options *opt, int argc, char **argv)
{
	char *env = getenv("IOMMUFD_BENCH_ARGS");
	char *words[32], *tok;
	int n = 0;

	if (env) {
		env = strdup(env);
		for (tok = strtok(env, " "); tok && n < 32;
		     tok = strtok(NULL, " "))
			words[n++] = tok;
		if (tok || parse_args(opt, n, words))
			return -1;
	}
	return parse_args(opt, argc - 1, argv + 1);
}

/* The mock mode: every kind, size and domain setup; the exit status */
static int run_mock_mode(const struct options *opt)
{
	int failed = 0, k, s;

	print_table_head();
	for (k = 0; k < NR_KINDS; k++) {
		if (!opt->kind[k])
			continue;
		for (s = 0; s < opt->nr_sizes; s++)
			failed += run_buffer(opt, k, opt->sizes[s]);
	}
	if (mock_state < 0)
		printf("# mock domains not available (no CONFIG_IOMMUFD_TEST): %s\n",
		       "only \"none\" rows");
	printf("# %s\n", failed ? "some rows FAILED" : "done");
	return failed ? 1 : 0;
}

/* What --edu compares unless told otherwise: every kind, 256M and 2G */
static void edu_defaults(struct options *opt)
{
	if (!opt->kinds_given)
		memset(opt->kind, 1, sizeof(opt->kind));
	if (!opt->sizes_given) {
		opt->sizes[0] = 256UL << 20;
		opt->sizes[1] = 2 * SZ_1G;
		opt->nr_sizes = 2;
	}
}

/* Sizes above 1 GiB leave the mock aperture: --edu only */
static bool sizes_fit(const struct options *opt)
{
	int i;

	for (i = 0; i < opt->nr_sizes; i++)
		if (!opt->edu && opt->sizes[i] > SZ_1G)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct options opt = {
		.kind = { true, true, true },
		.dom = { [DOM_NONE] = true, [DOM_MOCK] = true },
		.sizes = { 64UL << 20, 256UL << 20, SZ_1G },
		.nr_sizes = 3,
		.reps = 3,
		.scale = { 1, 1000, 100000 },
		.nr_scale = 3,
		.scale_objs = 10000,
	};
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int rc;

	if (parse_all_args(&opt, argc, argv) || !sizes_fit(&opt)) {
		help(stderr);
		return 2;
	}
	if (opt.edu)
		edu_defaults(&opt);
	/* Root with CAP_IPC_LOCK is exempt anyway; this helps everyone else */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);

	print_header(&opt);
	if (access("/dev/iommu", R_OK | W_OK)) {
		printf("# /dev/iommu: %s\n", strerror(errno));
		return 1;
	}
	/* --edu sizes its hugetlb pools per kind itself */
	if ((opt.kind[KIND_HUGETLB] || opt.kind[KIND_HUGETLB_MEMFD]) &&
	    !opt.edu)
		hugetlb_reserve(&opt);
	printf("\n");
	rc = opt.edu ? edu_bench_run(&opt) : run_mock_mode(&opt);
	hugetlb_restore();
	return rc;
}
