// SPDX-License-Identifier: GPL-2.0
/*
 * edu_bench.c - iommufd_bench --edu: map/unmap through a real IOMMU domain,
 * ours beside vfio type1's, on the same device and the same memory
 *
 * QEMU's edu device is bound to vfio-pci, then driven through two
 * interfaces in turn, each with a paging domain of the machine's real
 * IOMMU driver (intel-iommu on x86-vtd):
 *
 *   ours   the device's vfio cdev bound to /dev/iommu and attached to an
 *          IOAS (edu_driver.h); timed: IOMMU_IOAS_MAP, IOMMU_IOAS_UNMAP
 *   type1  the device's group on /dev/vfio/vfio with VFIO_TYPE1v2_IOMMU;
 *          timed: VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA
 *
 * Only one of them owns the device at a time (an open cdev keeps the group
 * from being opened), so all of "ours" runs first and is closed before
 * type1 starts.  Both map at the same fixed IOVA: the lowest 1 GiB aligned
 * address from 1 GiB up where the largest size fits one of the ranges
 * IOMMU_IOAS_IOVA_RANGES reports (the domain aperture minus the reserved
 * regions; the edu device's 28-bit DMA mask does not matter, it never
 * does DMA here).
 *
 * One buffer per memory kind, of the largest size, is allocated and
 * faulted in before anything is timed; smaller sizes map its start.  So
 * both interfaces map the very same physical pages.  The kinds are checked
 * through the AnonHugePages growth in /proc/self/smaps_rollup: 4k
 * (MADV_NOHUGEPAGE) must add none, thp (MADV_HUGEPAGE) its whole size;
 * otherwise nothing is timed.  The number of physically contiguous runs
 * (from /proc/self/pagemap) is printed too: both interfaces map run by run.
 *
 * /dev/vfio/vfio must be vfio's own container with its type1 driver, not a
 * compatibility container on top of /dev/iommu: /proc/kallsyms must list
 * vfio_iommu_type1_ioctl (the x86_64-type1 kernel, make bench-vtd).
 */
#define _GNU_SOURCE
#include <libgen.h>

#include "bench.h"
#include "tools/testing/iommufd/edu/edu_driver.h"

#define EDU_BENCH_RANGES	16
#define RW_MAP			(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define TYPE1_SYMBOL		"vfio_iommu_type1_ioctl"
#define HEAD_FMT \
	"%-7s %-5s| %7s %8s %7s %8s | %7s %8s %7s %8s | %5s %5s\n"
#define ROW_FMT \
	"%-7s %-5s| %7.3f %8s %7.3f %8s | %7.3f %8s %7.3f %8s | %5.2f %5.2f\n"
#define PAGE_HEAD_FMT "%-7s %-5s| %7s %7s %7s | %7s %7s %7s | %7s %7s %7s | %6s\n"
#define PAGE_ROW_FMT \
	"%-7s %-5s| %7.0f %7.0f %7.2f | %7.0f %7.0f %7.2f | %7.0f %7.0f %7.2f | %6.2f\n"
#define FIRST_HEAD_FMT "%-7s %-5s| %7s %7s %7s | %7s %7s %7s\n"
#define FIRST_ROW_FMT "%-7s %-5s| %7.0f %7.0f %7.2f | %7.0f %7.0f %7.2f\n"

enum edu_api_id { API_OURS, API_TYPE1, NR_APIS };

/*
 * Cycles of one interface, kind and size: the times in nanoseconds, and the
 * FOLL_PIN pins the map took and the unmap released, net, in pages
 */
struct edu_sample {
	double map_ns[MAX_REPS];
	double unmap_ns[MAX_REPS];
	long pinned[MAX_REPS];
	long unpinned[MAX_REPS];
};

/**
 * struct edu_bench - the state of one --edu run
 * @opt: the options
 * @buf: one buffer per memory kind, of the largest size
 * @max_size: the largest size
 * @iova: where every buffer is mapped
 * @edu: the device while "ours" drives it (edu_driver.h)
 * @container: /dev/vfio/vfio while type1 drives the device, else -1
 * @group: /dev/vfio/<group> while type1 drives the device, else -1
 * @sample: what was measured, per interface, kind and size index
 */
struct edu_bench {
	const struct options *opt;
	struct buffer buf[NR_KINDS];
	unsigned long max_size;
	__u64 iova;
	struct edu_dev edu;
	int container;
	int group;
	struct edu_sample sample[NR_APIS][NR_KINDS][MAX_SIZES];
};

/**
 * struct edu_api - one of the two interfaces being compared
 * @name: how the table calls it
 * @map: map @len bytes at @va to eb->iova; 0 or a negative errno
 * @unmap: unmap @len bytes at eb->iova; 0 or a negative errno
 */
struct edu_api {
	const char *name;
	int (*map)(struct edu_bench *eb, void *va, size_t len);
	int (*unmap)(struct edu_bench *eb, size_t len);
};

/* Memory: backing checks */

/* Total AnonHugePages of this process in KiB, -1 if unknown */
static long rollup_anon_huge_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Physically contiguous runs in [@p, @p + @len), -1 if PFNs are hidden */
static long phys_runs(const void *p, size_t len)
{
	unsigned long first = (uintptr_t)p / SZ_4K, n = len / SZ_4K, i, got;
	uint64_t ent[512], pfn, prev = 0;
	long runs = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return -1;
	for (i = 0; i < n; i += got) {
		unsigned long j, want = n - i < 512 ? n - i : 512;
		ssize_t rd = pread(fd, ent, want * sizeof(ent[0]),
				   (first + i) * sizeof(ent[0]));

		got = rd > 0 ? rd / sizeof(ent[0]) : 0;
		for (j = 0; j < got; j++) {
			pfn = ent[j] & ((1ULL << 55) - 1);
			if (!(ent[j] >> 63) || !pfn)
				got = 0;
			else if (!runs || pfn != prev + 1)
				runs++;
			prev = pfn;
		}
		if (!got) {
			runs = -1;
			break;
		}
	}
	close(fd);
	return runs;
}

/*
 * Allocates and faults in the buffer of @kind and checks through
 * smaps_rollup that it is backed as its kind promises.
 */
static int edu_alloc_kind(struct edu_bench *eb, enum mem_kind kind)
{
	struct buffer *b = &eb->buf[kind];
	long before, grown, want;
	const char *how;
	int rc;

	before = rollup_anon_huge_kib();
	rc = buffer_alloc(b, kind, eb->max_size);
	if (rc) {
		if (b->map == MAP_FAILED)
			b->map = NULL;
		return edu_fail(-rc, "%s buffer of %lu MiB", kind_name[kind],
				eb->max_size >> 20);
	}
	grown = rollup_anon_huge_kib() - before;
	switch (kind) {
	case KIND_4K:
		how = "MADV_NOHUGEPAGE";
		want = 0;
		break;
	case KIND_THP:
		how = "MADV_HUGEPAGE";
		want = b->len >> 10;
		break;
	default:
		how = "MAP_HUGETLB, 2 MiB hugetlbfs pages (not in AnonHugePages)";
		want = 0;
		break;
	}
	printf("# memory %-7s %lu MiB, %s: AnonHugePages +%ld kB (smaps_rollup), %s\n",
	       kind_name[kind], b->len >> 20, how, grown,
	       before >= 0 && grown == want ? "as wanted" : "NOT AS WANTED");
	if (before < 0 || grown != want)
		return edu_fail(EIO, "%s memory is not backed as its kind says",
				kind_name[kind]);
	return 0;
}

static void edu_print_runs(struct edu_bench *eb, enum mem_kind kind)
{
	char sz[16];
	int s;

	printf("# memory %-7s physically contiguous runs:", kind_name[kind]);
	for (s = 0; s < eb->opt->nr_sizes; s++) {
		fmt_size(sz, sizeof(sz), eb->opt->sizes[s]);
		printf(" %s %ld%s", sz, phys_runs(eb->buf[kind].p, eb->opt->sizes[s]),
		       s + 1 < eb->opt->nr_sizes ? "," : "\n");
	}
}

/* Ours: IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP (edu_driver.h) */

static int ours_map(struct edu_bench *eb, void *va, size_t len)
{
	return edu_ioas_map(eb->edu.iommufd, eb->edu.ioas_id, va, len,
			    eb->iova, RW_MAP);
}

static int ours_unmap(struct edu_bench *eb, size_t len)
{
	return edu_ioas_unmap(eb->edu.iommufd, eb->edu.ioas_id, eb->iova, len);
}

static void ours_print_hw_info(struct edu_bench *eb)
{
	struct iommu_hw_info_vtd vtd = { 0 };
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = eb->edu.devid,
		.data_len = sizeof(vtd),
		.data_uptr = (uintptr_t)&vtd,
	};
	unsigned int sp;

	if (ioctl(eb->edu.iommufd, IOMMU_GET_HW_INFO, &cmd)) {
		printf("# IOMMU_GET_HW_INFO: %s\n", strerror(errno));
		return;
	}
	if (cmd.out_data_type != IOMMU_HW_INFO_TYPE_INTEL_VTD) {
		printf("# IOMMU: hw_info type %u (not VT-d)\n", cmd.out_data_type);
		return;
	}
	/* cap_reg bits 37:34: second-level large pages; ecap 43/46/47 */
	sp = (vtd.cap_reg >> 34) & 0xf;
	printf("# IOMMU: Intel VT-d, cap 0x%llx ecap 0x%llx\n",
	       (unsigned long long)vtd.cap_reg, (unsigned long long)vtd.ecap_reg);
	printf("# IOMMU: second-level large pages:%s%s%s; scalable mode %s; first-level %s\n",
	       sp & 1 ? " 2M" : "", sp & 2 ? " 1G" : "", sp ? "" : " none",
	       (vtd.ecap_reg >> 43) & 1 ? "on" : "off",
	       (vtd.ecap_reg >> 47) & 1 ? "available" : "not available");
}

/*
 * The IOVA: lowest multiple of 1 GiB, from 1 GiB up, where the largest size
 * fits inside one allowed range of the IOAS (the VT-d aperture minus the
 * reserved regions, once the device is attached).
 */
static int ours_pick_iova(struct edu_bench *eb)
{
	struct iommu_iova_range r[EDU_BENCH_RANGES];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = eb->edu.ioas_id,
		.num_iovas = EDU_BENCH_RANGES,
		.allowed_iovas = (uintptr_t)r,
	};
	__u64 iova;
	__u32 i;

	if (ioctl(eb->edu.iommufd, IOMMU_IOAS_IOVA_RANGES, &cmd))
		return edu_fail(errno, "IOMMU_IOAS_IOVA_RANGES");
	printf("# IOAS ranges:");
	for (i = 0; i < cmd.num_iovas; i++)
		printf(" [0x%llx-0x%llx]", (unsigned long long)r[i].start,
		       (unsigned long long)r[i].last);
	printf("\n");
	for (i = 0; i < cmd.num_iovas; i++) {
		iova = (r[i].start + SZ_1G - 1) & ~(__u64)(SZ_1G - 1);
		if (iova < SZ_1G)
			iova = SZ_1G;
		if (iova >= r[i].start && iova + eb->max_size - 1 <= r[i].last) {
			eb->iova = iova;
			printf("# IOVA 0x%llx for every mapping\n",
			       (unsigned long long)iova);
			return 0;
		}
	}
	return edu_fail(ERANGE, "no 1 GiB aligned IOVA range for %lu MiB",
			eb->max_size >> 20);
}

/* The cdev bound to /dev/iommu and attached to a fresh IOAS */
static int ours_open(struct edu_bench *eb)
{
	int rc;

	edu_init(&eb->edu);
	rc = edu_open(&eb->edu);
	if (rc)
		return rc;
	printf("# ours: %s bound to /dev/iommu, attached to IOAS %u (HWPT %u)\n",
	       eb->edu.cdev, eb->edu.ioas_id, eb->edu.hwpt_id);
	ours_print_hw_info(eb);
	rc = ours_pick_iova(eb);
	if (rc)
		edu_close(&eb->edu);
	return rc;
}

static void ours_close(struct edu_bench *eb)
{
	edu_close(&eb->edu);
}

/* type1: VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA on /dev/vfio/vfio */

static int type1_map(struct edu_bench *eb, void *va, size_t len)
{
	struct vfio_iommu_type1_dma_map cmd = {
		.argsz = sizeof(cmd),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = eb->iova,
		.size = len,
	};

	if (ioctl(eb->container, VFIO_IOMMU_MAP_DMA, &cmd))
		return edu_fail(errno, "VFIO_IOMMU_MAP_DMA iova 0x%llx size 0x%zx",
				(unsigned long long)eb->iova, len);
	return 0;
}

static int type1_unmap(struct edu_bench *eb, size_t len)
{
	struct vfio_iommu_type1_dma_unmap cmd = {
		.argsz = sizeof(cmd),
		.iova = eb->iova,
		.size = len,
	};

	if (ioctl(eb->container, VFIO_IOMMU_UNMAP_DMA, &cmd))
		return edu_fail(errno, "VFIO_IOMMU_UNMAP_DMA iova 0x%llx size 0x%zx",
				(unsigned long long)eb->iova, len);
	if (cmd.size != len)
		return edu_fail(EIO, "VFIO_IOMMU_UNMAP_DMA unmapped 0x%llx bytes, not 0x%zx",
				(unsigned long long)cmd.size, len);
	return 0;
}

/* 1 when the running kernel has a function called @name, 0 if not */
static int kernel_has_symbol(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256];
	int found = 0;

	if (!f)
		return edu_fail(errno, "open /proc/kallsyms");
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %255s", sym) == 1 &&
			!strcmp(sym, name);
	fclose(f);
	return found;
}

/* The device's group on vfio's own container, with a TYPE1v2 IOMMU */
static int type1_open(struct edu_bench *eb)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	int rc;

	rc = kernel_has_symbol(TYPE1_SYMBOL);
	if (rc <= 0)
		return rc ? rc : edu_fail(ENODEV,
			"no %s in this kernel: /dev/vfio/vfio is not vfio's type1 (boot the x86_64-type1 kernel)",
			TYPE1_SYMBOL);
	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/iommu_group",
		 eb->edu.bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return edu_fail(errno, "readlink %s", path);
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));

	eb->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (eb->container < 0)
		return edu_fail(errno, "open /dev/vfio/vfio");
	if (ioctl(eb->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(eb->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		return edu_fail(ENODEV, "/dev/vfio/vfio: no VFIO_TYPE1v2_IOMMU");
	eb->group = open(path, O_RDWR | O_CLOEXEC);
	if (eb->group < 0)
		return edu_fail(errno, "open %s", path);
	if (ioctl(eb->group, VFIO_GROUP_GET_STATUS, &status))
		return edu_fail(errno, "VFIO_GROUP_GET_STATUS %s", path);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return edu_fail(EBUSY, "%s is not viable", path);
	if (ioctl(eb->group, VFIO_GROUP_SET_CONTAINER, &eb->container))
		return edu_fail(errno, "VFIO_GROUP_SET_CONTAINER %s", path);
	if (ioctl(eb->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return edu_fail(errno, "VFIO_SET_IOMMU VFIO_TYPE1v2_IOMMU");
	printf("# type1: %s on /dev/vfio/vfio (vfio's container, %s present), VFIO_TYPE1v2_IOMMU\n",
	       path, TYPE1_SYMBOL);
	return 0;
}

/* Closing the group detaches it from the container and frees the domain */
static void type1_close(struct edu_bench *eb)
{
	if (eb->group >= 0)
		close(eb->group);
	if (eb->container >= 0)
		close(eb->container);
	eb->group = -1;
	eb->container = -1;
}

static const struct edu_api edu_apis[NR_APIS] = {
	[API_OURS] = { "ours", ours_map, ours_unmap },
	[API_TYPE1] = { "type1", type1_map, type1_unmap },
};

/* Timing */

/*
 * Cycle @r: one timed map and unmap of @len bytes at @va, with the pins
 * counted (untimed) before, between and after them
 */
static int edu_cycle(struct edu_bench *eb, const struct edu_api *api,
		     void *va, size_t len, struct edu_sample *smp, int r)
{
	long acq[3], rel[3];
	double t0;
	int rc;

	if (read_pin_counts(&acq[0], &rel[0]))
		return edu_fail(EIO, "pin counters in /proc/vmstat");
	t0 = now_ns();
	rc = api->map(eb, va, len);
	smp->map_ns[r] = now_ns() - t0;
	if (rc)
		return rc;
	if (read_pin_counts(&acq[1], &rel[1]))
		return edu_fail(EIO, "pin counters in /proc/vmstat");
	t0 = now_ns();
	rc = api->unmap(eb, len);
	smp->unmap_ns[r] = now_ns() - t0;
	if (rc)
		return rc;
	if (read_pin_counts(&acq[2], &rel[2]))
		return edu_fail(EIO, "pin counters in /proc/vmstat");
	smp->pinned[r] = (acq[1] - acq[0]) - (rel[1] - rel[0]);
	smp->unpinned[r] = (rel[2] - rel[1]) - (acq[2] - acq[1]);
	return 0;
}

/* --reps map/unmap cycles of every kind and size through @id */
static int edu_time_api(struct edu_bench *eb, enum edu_api_id id)
{
	const struct options *opt = eb->opt;
	int k, s, r, rc;

	for (k = 0; k < NR_KINDS; k++) {
		if (!opt->kind[k])
			continue;
		for (s = 0; s < opt->nr_sizes; s++) {
			for (r = 0; r < opt->reps; r++) {
				rc = edu_cycle(eb, &edu_apis[id], eb->buf[k].p,
					       opt->sizes[s],
					       &eb->sample[id][k][s], r);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

/* Output */

/* Largest (max - min) / median of the four series of one row */
static double edu_spread(const struct edu_sample *a, const struct edu_sample *b,
			 int reps)
{
	const double *v[] = { a->map_ns, a->unmap_ns, b->map_ns, b->unmap_ns };
	double worst = 0, hi, lo, x;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		lo = best(v[i], reps);
		hi = lo;
		for (r = 0; r < reps; r++)
			hi = v[i][r] > hi ? v[i][r] : hi;
		x = (hi - lo) / median(v[i], reps);
		worst = x > worst ? x : worst;
	}
	return worst;
}

static void edu_print_rates(const struct edu_bench *eb)
{
	const struct options *opt = eb->opt;
	double gib, npages, ns[NR_APIS][2];
	char r[NR_APIS][2][16], sz[16];
	int k, s, a;

	printf("\nthroughput, median of %d reps; ours/type1: throughput ratio, %s\n",
	       opt->reps, "above 1.00 ours is faster");
	printf(HEAD_FMT, "", "", "ours", "map", "ours", "unmap", "type1",
	       "map", "type1", "unmap", "ours/", "type1");
	printf(HEAD_FMT, "kind", "size", "GiB/s", "pages/s", "GiB/s",
	       "pages/s", "GiB/s", "pages/s", "GiB/s", "pages/s", "map",
	       "unmap");
	for (k = 0; k < NR_KINDS; k++) {
		if (!opt->kind[k])
			continue;
		for (s = 0; s < opt->nr_sizes; s++) {
			gib = (double)opt->sizes[s] / SZ_1G;
			npages = (double)opt->sizes[s] / SZ_4K;
			for (a = 0; a < NR_APIS; a++) {
				const struct edu_sample *p = &eb->sample[a][k][s];

				ns[a][0] = median(p->map_ns, opt->reps);
				ns[a][1] = median(p->unmap_ns, opt->reps);
				fmt_rate(r[a][0], sizeof(r[a][0]),
					 npages / ns[a][0] * 1e9);
				fmt_rate(r[a][1], sizeof(r[a][1]),
					 npages / ns[a][1] * 1e9);
			}
			fmt_size(sz, sizeof(sz), opt->sizes[s]);
			printf(ROW_FMT, kind_name[k], sz,
			       gib / ns[0][0] * 1e9, r[0][0],
			       gib / ns[0][1] * 1e9, r[0][1],
			       gib / ns[1][0] * 1e9, r[1][0],
			       gib / ns[1][1] * 1e9, r[1][1],
			       ns[1][0] / ns[0][0], ns[1][1] / ns[0][1]);
		}
	}
}

static void edu_print_per_page(const struct edu_bench *eb)
{
	const struct options *opt = eb->opt;
	double npages, m[NR_APIS], u[NR_APIS];
	char sz[16];
	int k, s, a;

	printf("\n%s per 4 KiB page, median; type1/ours: above 1.00 ours is cheaper\n",
	       opt->icount ? "instructions" : "nanoseconds");
	printf("spread: (max - min) / median over the reps, worst of the four series\n");
	printf(PAGE_HEAD_FMT, "", "", "map", "map", "type1/", "unmap",
	       "unmap", "type1/", "both", "both", "type1/", "");
	printf(PAGE_HEAD_FMT, "kind", "size", "ours", "type1", "ours",
	       "ours", "type1", "ours", "ours", "type1", "ours", "spread");
	for (k = 0; k < NR_KINDS; k++) {
		if (!opt->kind[k])
			continue;
		for (s = 0; s < opt->nr_sizes; s++) {
			npages = (double)opt->sizes[s] / SZ_4K;
			for (a = 0; a < NR_APIS; a++) {
				const struct edu_sample *p = &eb->sample[a][k][s];

				m[a] = median(p->map_ns, opt->reps) / npages;
				u[a] = median(p->unmap_ns, opt->reps) / npages;
			}
			fmt_size(sz, sizeof(sz), opt->sizes[s]);
			printf(PAGE_ROW_FMT, kind_name[k], sz, m[0], m[1],
			       m[1] / m[0], u[0], u[1], u[1] / u[0],
			       m[0] + u[0], m[1] + u[1],
			       (m[1] + u[1]) / (m[0] + u[0]),
			       edu_spread(&eb->sample[API_OURS][k][s],
					  &eb->sample[API_TYPE1][k][s],
					  opt->reps));
		}
	}
}

/*
 * The first cycle of each row on its own: memory that no earlier cycle of
 * this interface pinned, a domain that never held this range.
 */
static void edu_print_first(const struct edu_bench *eb)
{
	const struct options *opt = eb->opt;
	const struct edu_sample *o, *t;
	double npages;
	char sz[16];
	int k, s;

	printf("\nfirst cycle of each row only, %s per 4 KiB page\n",
	       opt->icount ? "instructions" : "nanoseconds");
	printf(FIRST_HEAD_FMT, "", "", "map", "map", "type1/", "unmap", "unmap",
	       "type1/");
	printf(FIRST_HEAD_FMT, "kind", "size", "ours", "type1", "ours", "ours",
	       "type1", "ours");
	for (k = 0; k < NR_KINDS; k++) {
		if (!opt->kind[k])
			continue;
		for (s = 0; s < opt->nr_sizes; s++) {
			npages = (double)opt->sizes[s] / SZ_4K;
			o = &eb->sample[API_OURS][k][s];
			t = &eb->sample[API_TYPE1][k][s];
			fmt_size(sz, sizeof(sz), opt->sizes[s]);
			printf(FIRST_ROW_FMT, kind_name[k], sz,
			       o->map_ns[0] / npages, t->map_ns[0] / npages,
			       t->map_ns[0] / o->map_ns[0],
			       o->unmap_ns[0] / npages, t->unmap_ns[0] / npages,
			       t->unmap_ns[0] / o->unmap_ns[0]);
		}
	}
}

/* Cycles of one row whose map or unmap did not pin or unpin each page once */
static int edu_row_bad_pins(const struct edu_bench *eb, enum edu_api_id a,
			    int k, int s)
{
	const struct edu_sample *smp = &eb->sample[a][k][s];
	long npages = eb->opt->sizes[s] / SZ_4K;
	int r, bad = 0;
	char sz[16];

	fmt_size(sz, sizeof(sz), eb->opt->sizes[s]);
	for (r = 0; r < eb->opt->reps; r++) {
		if (smp->pinned[r] == npages && smp->unpinned[r] == npages)
			continue;
		printf("# BAD pins: %s %s %s cycle %d: %s %ld, %s %ld, of %ld pages\n",
		       edu_apis[a].name, kind_name[k], sz, r + 1,
		       "map pinned", smp->pinned[r], "unmap released",
		       smp->unpinned[r], npages);
		bad++;
	}
	return bad;
}

/*
 * Fast because nothing happened is not fast: every map must have pinned
 * each 4 KiB page once, every unmap released it.  Returns the bad cycles.
 */
static int edu_check_pins(const struct edu_bench *eb)
{
	int a, k, s, bad = 0;

	for (a = 0; a < NR_APIS; a++)
		for (k = 0; k < NR_KINDS; k++)
			for (s = 0; s < eb->opt->nr_sizes && eb->opt->kind[k]; s++)
				bad += edu_row_bad_pins(eb, a, k, s);
	if (!bad)
		printf("# pins: %s, %s\n",
		       "every map pinned each 4 KiB page once, every unmap released it",
		       "both interfaces (nr_foll_pin_acquired/_released)");
	return bad;
}

/* Verdict: is ours at least as fast as type1 in every median? */
static void edu_print_verdict(const struct edu_bench *eb)
{
	const struct options *opt = eb->opt;
	const struct edu_sample *o, *t;
	int k, s, slower = 0;
	char sz[16];

	for (k = 0; k < NR_KINDS; k++) {
		if (!opt->kind[k])
			continue;
		for (s = 0; s < opt->nr_sizes; s++) {
			o = &eb->sample[API_OURS][k][s];
			t = &eb->sample[API_TYPE1][k][s];
			fmt_size(sz, sizeof(sz), opt->sizes[s]);
			if (median(o->map_ns, opt->reps) >
			    median(t->map_ns, opt->reps)) {
				printf("# SLOWER than type1: %s %s map\n",
				       kind_name[k], sz);
				slower++;
			}
			if (median(o->unmap_ns, opt->reps) >
			    median(t->unmap_ns, opt->reps)) {
				printf("# SLOWER than type1: %s %s unmap\n",
				       kind_name[k], sz);
				slower++;
			}
		}
	}
	printf("# %s\n", slower ? "ours is slower than type1 in the figures above" :
	       "ours is at least as fast as type1 in every figure");
}

/* The whole --edu run; the program's exit status */
int edu_bench_run(const struct options *opt)
{
	static struct edu_bench eb;
	unsigned long pages = 0;
	int k, s, rc = 0;

	eb.opt = opt;
	eb.container = -1;
	eb.group = -1;
	for (s = 0; s < opt->nr_sizes; s++)
		if (opt->sizes[s] > eb.max_size)
			eb.max_size = opt->sizes[s];
	printf("# --edu: ours = IOMMU_IOAS_MAP/UNMAP, type1 = %s; same device and memory\n",
	       "VFIO_IOMMU_MAP_DMA/UNMAP_DMA");
	for (k = 0; k < NR_KINDS; k++)
		for (s = 0; s < opt->nr_sizes && opt->kind[k]; s++)
			pages += opt->sizes[s] / SZ_4K * opt->reps;
	printf("# %lu pages of 4 KiB mapped and unmapped per interface (all rows and reps)\n",
	       pages);

	for (k = 0; k < NR_KINDS && !rc; k++)
		if (opt->kind[k])
			rc = edu_alloc_kind(&eb, k);
	for (k = 0; k < NR_KINDS && !rc; k++)
		if (opt->kind[k])
			edu_print_runs(&eb, k);

	if (!rc)
		rc = ours_open(&eb);
	if (!rc) {
		rc = edu_time_api(&eb, API_OURS);
		ours_close(&eb);
	}
	if (!rc) {
		rc = type1_open(&eb);
		if (!rc)
			rc = edu_time_api(&eb, API_TYPE1);
		type1_close(&eb);
	}
	if (!rc) {
		edu_print_rates(&eb);
		edu_print_per_page(&eb);
		edu_print_first(&eb);
		if (edu_check_pins(&eb))
			rc = -EIO;
		edu_print_verdict(&eb);
	}

	for (k = 0; k < NR_KINDS; k++)
		if (eb.buf[k].map)
			buffer_free(&eb.buf[k]);
	printf("# %s\n", rc ? "FAILED (see the messages above)" : "done");
	return rc ? 1 : 0;
}
