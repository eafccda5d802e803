// SPDX-License-Identifier: GPL-2.0
/*
 * edu_bench.c - iommufd_bench --edu: map/unmap through a real IOMMU domain,
 * /dev/iommu beside vfio type1, on the same device and the same memory
 *
 * QEMU's edu device is bound to vfio-pci, then driven through two
 * interfaces in turn, each with a paging domain of the machine's real
 * IOMMU driver (intel-iommu on x86-vtd):
 *
 *   iommufd  the device's vfio cdev bound to /dev/iommu and attached to an
 *            IOAS (edu_driver.h).  Which iommufd that is depends on the
 *            kernel: ours (x86_64-type1) or the base tree's own
 *            (x86_64-base); bench-report.py puts the two boots side by side.
 *   type1    the device's group on /dev/vfio/vfio with VFIO_TYPE1v2_IOMMU
 *
 * Timed, per memory kind, size and repetition (--reps):
 *
 *   map, unmap     IOMMU_IOAS_MAP / IOMMU_IOAS_UNMAP of the buffer (type1:
 *                  VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA), with the
 *                  kernel memory the mapping holds sampled in between
 *   copy           IOMMU_IOAS_COPY of the buffer's mapping from a second
 *                  IOAS, which has a domain of its own (so its pages are
 *                  pinned already), into the device's IOAS; copy-unmap is
 *                  the IOMMU_IOAS_UNMAP of the copy
 *   dom2           IOMMU_HWPT_ALLOC of a second paging domain for the
 *                  device on its IOAS while the buffer is mapped there:
 *                  the new domain is filled with every existing mapping;
 *                  dom2-free is the IOMMU_DESTROY of that domain
 *   file-map,      memfd kinds only: IOMMU_IOAS_MAP_FILE of the same range
 *   file-unmap     of the memfd (offset 0 up) and its IOMMU_IOAS_UNMAP,
 *                  with the same samples and pin checks as map and unmap;
 *                  after every other row of the kind, so those run as
 *                  before.  A kernel without IOMMU_IOAS_MAP_FILE (the base
 *                  tree's, ENOTTY) gets a file-absent record instead.
 *
 * Type1 has no COPY, no second domain over one container's mappings and
 * no map by file.
 * Only one interface owns the device at a time (an open cdev keeps the
 * group from being opened), so per memory kind all of iommufd runs first
 * and is closed before type1 starts.  Both map at the same fixed IOVA: the
 * lowest 1 GiB aligned address from 1 GiB up where the largest size fits
 * one of the ranges IOMMU_IOAS_IOVA_RANGES reports (the domain aperture
 * minus the reserved regions; the edu device's 28-bit DMA mask does not
 * matter, it never does DMA here).
 *
 * Memory kinds run one at a time, hugetlb1g first, each in one buffer of
 * the largest size, allocated and faulted in before anything is timed and
 * freed before the next kind; smaller sizes map its start, so both
 * interfaces map the very same physical pages.  4k memory is touched in a
 * scattered order, so its pages are not physically contiguous (a
 * fresh machine would otherwise hand out long runs of neighbours, which
 * PFN run-length stores and large IOPTEs both profit from; the number of
 * runs is printed).  The kinds are checked
 * before anything is timed: 4k (MADV_NOHUGEPAGE) must add no AnonHugePages
 * in /proc/self/smaps_rollup, thp (MADV_HUGEPAGE) its whole size; hugetlb
 * (2 MiB), hugetlb1g and hugetlb_memfd pages come from their pools, which
 * are grown for the kind and given back after it.  A 1 GiB pool can only
 * be filled at boot on a kernel without CONFIG_CONTIG_ALLOC (run-bench.sh
 * boots with hugepagesz=1G hugepages=2); without enough free 1 GiB pages
 * the kind is skipped with the reason.  shmem_memfd (a plain memfd mapped
 * shared, 4 KiB shmem pages touched in a scattered order like 4k) must add
 * no ShmemHugePages in /proc/meminfo.  The number of physically contiguous
 * runs (from /proc/self/pagemap) is printed too.  The memory code is in
 * edu_mem.c.
 *
 * Checks: every map (and MAP_FILE) must pin each 4 KiB page once and its
 * unmap release it (nr_foll_pin_acquired/_released), or the run fails.  /dev/vfio/vfio
 * must be vfio's own container with its type1 driver, not a compatibility
 * container on top of /dev/iommu: /proc/kallsyms must list
 * vfio_iommu_type1_ioctl.
 *
 * Kernel memory per mapping (kmem-*, KiB, sampled while mapped against a
 * settled sample before the map): slab (Slab, which includes large
 * kmalloc()s), vmalloc (VmallocUsed), iommu (nr_iommu_pages: the IO page
 * tables) and free (the drop of MemFree: everything, but blind to pages
 * taken from or returned to the per-CPU free lists, so only a rough check).
 */
#define _GNU_SOURCE
#include <libgen.h>

#include "edu_bench.h"

#define RW_MAP			(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define TYPE1_SYMBOL		"vfio_iommu_type1_ioctl"

/* The order the kinds run in: 1 GiB pages first, they hold boot memory */
static const enum mem_kind edu_kind_order[NR_KINDS] = {
	KIND_HUGETLB_1G, KIND_HUGETLB, KIND_HUGETLB_MEMFD, KIND_THP, KIND_4K,
	KIND_SHMEM_MEMFD,
};

/**
 * struct tm_args - the arguments of one timed call
 * @fd: /dev/iommu, or the type1 container
 * @ioas_id: the IOAS mapped, unmapped, copied into or given a domain
 * @src_ioas_id: the IOAS copied from
 * @dev_id: the device a second domain is allocated for
 * @obj_id: the object to destroy; where HWPT_ALLOC returns the new one
 * @va: user memory
 * @len: bytes
 * @iova: the IOVA of the mapping (source and destination alike)
 * @mfd: the memfd IOAS_MAP_FILE maps, which @va maps from offset 0
 * @start: the offset in @mfd of the range IOAS_MAP_FILE maps
 */
struct tm_args {
	int fd;
	__u32 ioas_id;
	__u32 src_ioas_id;
	__u32 dev_id;
	__u32 obj_id;
	void *va;
	size_t len;
	__u64 iova;
	int mfd;
	__u64 start;
};

/* The ioctls being timed; 0 or a negative errno, nothing else */

static int io_iommufd_map(struct tm_args *a)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | RW_MAP,
		.ioas_id = a->ioas_id,
		.user_va = (uintptr_t)a->va,
		.length = a->len,
		.iova = a->iova,
	};

	return ioctl(a->fd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
}

static int io_iommufd_map_file(struct tm_args *a)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | RW_MAP,
		.ioas_id = a->ioas_id,
		.fd = a->mfd,
		.start = a->start,
		.length = a->len,
		.iova = a->iova,
	};

	return ioctl(a->fd, IOMMU_IOAS_MAP_FILE, &cmd) ? -errno : 0;
}

static int io_iommufd_unmap(struct tm_args *a)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = a->ioas_id,
		.iova = a->iova,
		.length = a->len,
	};

	if (ioctl(a->fd, IOMMU_IOAS_UNMAP, &cmd))
		return -errno;
	return cmd.length == a->len ? 0 : -EIO;
}

static int io_iommufd_copy(struct tm_args *a)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | RW_MAP,
		.dst_ioas_id = a->ioas_id,
		.src_ioas_id = a->src_ioas_id,
		.length = a->len,
		.dst_iova = a->iova,
		.src_iova = a->iova,
	};

	return ioctl(a->fd, IOMMU_IOAS_COPY, &cmd) ? -errno : 0;
}

static int io_iommufd_dom2(struct tm_args *a)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = a->dev_id,
		.pt_id = a->ioas_id,
	};

	if (ioctl(a->fd, IOMMU_HWPT_ALLOC, &cmd))
		return -errno;
	a->obj_id = cmd.out_hwpt_id;
	return 0;
}

static int io_iommufd_destroy(struct tm_args *a)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = a->obj_id };

	return ioctl(a->fd, IOMMU_DESTROY, &cmd) ? -errno : 0;
}

static int io_type1_map(struct tm_args *a)
{
	struct vfio_iommu_type1_dma_map cmd = {
		.argsz = sizeof(cmd),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)a->va,
		.iova = a->iova,
		.size = a->len,
	};

	return ioctl(a->fd, VFIO_IOMMU_MAP_DMA, &cmd) ? -errno : 0;
}

static int io_type1_unmap(struct tm_args *a)
{
	struct vfio_iommu_type1_dma_unmap cmd = {
		.argsz = sizeof(cmd),
		.iova = a->iova,
		.size = a->len,
	};

	if (ioctl(a->fd, VFIO_IOMMU_UNMAP_DMA, &cmd))
		return -errno;
	return cmd.size == a->len ? 0 : -EIO;
}

/*
 * The timed calls: one function per operation and memory kind, so the
 * instruction profile can tell them apart (its phase markers are these
 * functions' addresses).  noipa: never inlined, cloned or folded into one
 * of its identical siblings.
 */
#define TM_FN(name, io)							\
static __attribute__((noipa)) int tm_##name(struct tm_args *a)		\
{									\
	return io(a);							\
}

enum edu_op {
	OP_MAP, OP_UNMAP, OP_COPY, OP_COPY_UNMAP, OP_DOM2, OP_DOM2_FREE,
	OP_T1_MAP, OP_T1_UNMAP, OP_FILE_MAP, OP_FILE_UNMAP, NR_OPS
};

TM_FN(iommufd_map_4k, io_iommufd_map)
TM_FN(iommufd_unmap_4k, io_iommufd_unmap)
TM_FN(iommufd_copy_4k, io_iommufd_copy)
TM_FN(iommufd_copy_unmap_4k, io_iommufd_unmap)
TM_FN(iommufd_dom2_4k, io_iommufd_dom2)
TM_FN(iommufd_dom2_free_4k, io_iommufd_destroy)
TM_FN(type1_map_4k, io_type1_map)
TM_FN(type1_unmap_4k, io_type1_unmap)
TM_FN(iommufd_map_file_4k, io_iommufd_map_file)
TM_FN(iommufd_unmap_file_4k, io_iommufd_unmap)

TM_FN(iommufd_map_thp, io_iommufd_map)
TM_FN(iommufd_unmap_thp, io_iommufd_unmap)
TM_FN(iommufd_copy_thp, io_iommufd_copy)
TM_FN(iommufd_copy_unmap_thp, io_iommufd_unmap)
TM_FN(iommufd_dom2_thp, io_iommufd_dom2)
TM_FN(iommufd_dom2_free_thp, io_iommufd_destroy)
TM_FN(type1_map_thp, io_type1_map)
TM_FN(type1_unmap_thp, io_type1_unmap)
TM_FN(iommufd_map_file_thp, io_iommufd_map_file)
TM_FN(iommufd_unmap_file_thp, io_iommufd_unmap)

TM_FN(iommufd_map_hugetlb, io_iommufd_map)
TM_FN(iommufd_unmap_hugetlb, io_iommufd_unmap)
TM_FN(iommufd_copy_hugetlb, io_iommufd_copy)
TM_FN(iommufd_copy_unmap_hugetlb, io_iommufd_unmap)
TM_FN(iommufd_dom2_hugetlb, io_iommufd_dom2)
TM_FN(iommufd_dom2_free_hugetlb, io_iommufd_destroy)
TM_FN(type1_map_hugetlb, io_type1_map)
TM_FN(type1_unmap_hugetlb, io_type1_unmap)
TM_FN(iommufd_map_file_hugetlb, io_iommufd_map_file)
TM_FN(iommufd_unmap_file_hugetlb, io_iommufd_unmap)

TM_FN(iommufd_map_hugetlb1g, io_iommufd_map)
TM_FN(iommufd_unmap_hugetlb1g, io_iommufd_unmap)
TM_FN(iommufd_copy_hugetlb1g, io_iommufd_copy)
TM_FN(iommufd_copy_unmap_hugetlb1g, io_iommufd_unmap)
TM_FN(iommufd_dom2_hugetlb1g, io_iommufd_dom2)
TM_FN(iommufd_dom2_free_hugetlb1g, io_iommufd_destroy)
TM_FN(type1_map_hugetlb1g, io_type1_map)
TM_FN(type1_unmap_hugetlb1g, io_type1_unmap)
TM_FN(iommufd_map_file_hugetlb1g, io_iommufd_map_file)
TM_FN(iommufd_unmap_file_hugetlb1g, io_iommufd_unmap)

TM_FN(iommufd_map_hugetlb_memfd, io_iommufd_map)
TM_FN(iommufd_unmap_hugetlb_memfd, io_iommufd_unmap)
TM_FN(iommufd_copy_hugetlb_memfd, io_iommufd_copy)
TM_FN(iommufd_copy_unmap_hugetlb_memfd, io_iommufd_unmap)
TM_FN(iommufd_dom2_hugetlb_memfd, io_iommufd_dom2)
TM_FN(iommufd_dom2_free_hugetlb_memfd, io_iommufd_destroy)
TM_FN(type1_map_hugetlb_memfd, io_type1_map)
TM_FN(type1_unmap_hugetlb_memfd, io_type1_unmap)
TM_FN(iommufd_map_file_hugetlb_memfd, io_iommufd_map_file)
TM_FN(iommufd_unmap_file_hugetlb_memfd, io_iommufd_unmap)

TM_FN(iommufd_map_shmem_memfd, io_iommufd_map)
TM_FN(iommufd_unmap_shmem_memfd, io_iommufd_unmap)
TM_FN(iommufd_copy_shmem_memfd, io_iommufd_copy)
TM_FN(iommufd_copy_unmap_shmem_memfd, io_iommufd_unmap)
TM_FN(iommufd_dom2_shmem_memfd, io_iommufd_dom2)
TM_FN(iommufd_dom2_free_shmem_memfd, io_iommufd_destroy)
TM_FN(type1_map_shmem_memfd, io_type1_map)
TM_FN(type1_unmap_shmem_memfd, io_type1_unmap)
TM_FN(iommufd_map_file_shmem_memfd, io_iommufd_map_file)
TM_FN(iommufd_unmap_file_shmem_memfd, io_iommufd_unmap)

struct tm_fn {
	int (*fn)(struct tm_args *a);
	const char *name;
};

#define TM_ENT(name) { tm_##name, "tm_" #name }
#define TM_ROW(kind) {							\
	TM_ENT(iommufd_map_##kind), TM_ENT(iommufd_unmap_##kind),	\
	TM_ENT(iommufd_copy_##kind), TM_ENT(iommufd_copy_unmap_##kind),	\
	TM_ENT(iommufd_dom2_##kind), TM_ENT(iommufd_dom2_free_##kind),	\
	TM_ENT(type1_map_##kind), TM_ENT(type1_unmap_##kind),		\
	TM_ENT(iommufd_map_file_##kind),				\
	TM_ENT(iommufd_unmap_file_##kind),				\
}

static const struct tm_fn tm_fns[NR_KINDS][NR_OPS] = {
	[KIND_4K] = TM_ROW(4k),
	[KIND_THP] = TM_ROW(thp),
	[KIND_HUGETLB] = TM_ROW(hugetlb),
	[KIND_HUGETLB_1G] = TM_ROW(hugetlb1g),
	[KIND_HUGETLB_MEMFD] = TM_ROW(hugetlb_memfd),
	[KIND_SHMEM_MEMFD] = TM_ROW(shmem_memfd),
};

/* 4 KiB pages each timed function handled, for the profile */
static unsigned long tm_pages[NR_KINDS][NR_OPS];

/* One timed call; the time in @ns */
static int edu_timed(enum mem_kind k, enum edu_op op, struct tm_args *a,
		     double *ns)
{
	double t0;
	int rc;

	t0 = now_ns();
	rc = tm_fns[k][op].fn(a);
	*ns = now_ns() - t0;
	tm_pages[k][op] += a->len / SZ_4K;
	if (rc)
		fprintf(stderr, "edu: %s iova 0x%llx length 0x%zx: %s\n",
			tm_fns[k][op].name, (unsigned long long)a->iova,
			a->len, strerror(-rc));
	return rc;
}

/* Records */

void edu_rec(const char *api, const char *kind, const char *size,
	     const char *metric, int rep, double value)
{
	printf("@ %s %s %s %s %d %.0f\n", api, kind, size, metric, rep, value);
}

void edu_rec_phase(const char *fn, unsigned long units, const char *unit)
{
	if (units)
		printf("@ phase %s %lu %s\n", fn, units, unit);
}

static void edu_rec_kmem(const char *api, enum mem_kind k, const char *sz,
			 const char *what, int rep, const struct ksample *before,
			 const struct ksample *after)
{
	char m[32];

	snprintf(m, sizeof(m), "%sslab", what);
	edu_rec(api, kind_name[k], sz, m, rep, after->slab_kib - before->slab_kib);
	snprintf(m, sizeof(m), "%svmalloc", what);
	edu_rec(api, kind_name[k], sz, m, rep,
		after->vmalloc_kib - before->vmalloc_kib);
	snprintf(m, sizeof(m), "%sfree", what);
	edu_rec(api, kind_name[k], sz, m, rep, before->free_kib - after->free_kib);
	if (before->iommu_kib >= 0) {
		snprintf(m, sizeof(m), "%siommu", what);
		edu_rec(api, kind_name[k], sz, m, rep,
			after->iommu_kib - before->iommu_kib);
	}
}

/* /dev/iommu */

static void edu_print_hw_info(struct edu_bench *eb)
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
static int edu_pick_iova(struct edu_bench *eb, bool verbose)
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
	if (verbose) {
		printf("# IOAS ranges:");
		for (i = 0; i < cmd.num_iovas; i++)
			printf(" [0x%llx-0x%llx]", (unsigned long long)r[i].start,
			       (unsigned long long)r[i].last);
		printf("\n");
	}
	for (i = 0; i < cmd.num_iovas; i++) {
		iova = (r[i].start + SZ_1G - 1) & ~(__u64)(SZ_1G - 1);
		if (iova < SZ_1G)
			iova = SZ_1G;
		if (iova >= r[i].start && iova + eb->max_size - 1 <= r[i].last) {
			eb->iova = iova;
			eb->iova_last = r[i].last;
			if (verbose)
				printf("# IOVA 0x%llx for every mapping\n",
				       (unsigned long long)iova);
			return 0;
		}
	}
	return edu_fail(ERANGE, "no 1 GiB aligned IOVA range for %lu MiB",
			eb->max_size >> 20);
}

/*
 * The cdev bound to /dev/iommu and attached to a fresh IOAS; a second
 * IOAS with a domain of its own for the device (never attached) is the
 * COPY source.
 */
int edu_iommufd_open(struct edu_bench *eb)
{
	static bool printed;
	struct tm_args a = { 0 };
	int rc;

	edu_init(&eb->edu);
	rc = edu_open(&eb->edu);
	if (rc)
		return rc;
	if (!printed) {
		printf("# iommufd: %s bound to /dev/iommu, attached to IOAS %u (HWPT %u)\n",
		       eb->edu.cdev, eb->edu.ioas_id, eb->edu.hwpt_id);
		edu_print_hw_info(eb);
	}
	rc = edu_pick_iova(eb, !printed);
	printed = true;
	if (!rc)
		rc = edu_ioas_alloc(eb->edu.iommufd, &eb->src_ioas);
	if (!rc) {
		a.fd = eb->edu.iommufd;
		a.dev_id = eb->edu.devid;
		a.ioas_id = eb->src_ioas;
		rc = io_iommufd_dom2(&a);
		if (rc)
			edu_fail(-rc, "IOMMU_HWPT_ALLOC for the COPY source");
		eb->src_hwpt = a.obj_id;
	}
	if (rc)
		edu_close(&eb->edu);
	return rc;
}

/* Closing /dev/iommu frees both IOAS, the domains and any mapping left */
void edu_iommufd_close(struct edu_bench *eb)
{
	edu_close(&eb->edu);
}

/* type1: VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA on /dev/vfio/vfio */

/* 1 when the running kernel has a function called @name, 0 if not */
static int edu_kernel_has_symbol(const char *name)
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

/* Closing the group detaches it from the container and frees the domain */
static void edu_type1_close(struct edu_bench *eb)
{
	if (eb->group >= 0)
		close(eb->group);
	if (eb->container >= 0)
		close(eb->container);
	eb->group = -1;
	eb->container = -1;
}

/* The device's group on vfio's own container, with a TYPE1v2 IOMMU */
static int edu_type1_open(struct edu_bench *eb)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], link[PATH_MAX];
	static bool printed;
	ssize_t n;
	int rc;

	rc = edu_kernel_has_symbol(TYPE1_SYMBOL);
	if (rc <= 0)
		return rc ? rc : edu_fail(ENODEV,
			"no %s in this kernel: /dev/vfio/vfio is not vfio's type1 (boot the x86_64-type1 or x86_64-base kernel)",
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
	if (printed)
		return 0;
	printed = true;
	printf("# type1: %s on /dev/vfio/vfio (vfio's container, %s present), VFIO_TYPE1v2_IOMMU\n",
	       path, TYPE1_SYMBOL);
	return 0;
}

/* Timing */

/*
 * One timed map and unmap of @a->len bytes, with the kernel counters
 * sampled (untimed) before, while mapped and after; checks the pins.
 */
static int edu_cycle(struct edu_bench *eb, const char *api, enum mem_kind k,
		     enum edu_op map_op, struct tm_args *a, int r)
{
	long npages = a->len / SZ_4K, pinned, unpinned;
	const char *pfx = map_op == OP_FILE_MAP ? "file-" : "";
	struct ksample s0, s1, s2;
	double map_ns, unmap_ns;
	char sz[16], m[32];
	int rc;

	fmt_size(sz, sizeof(sz), a->len);
	if (read_settled_sample(&s0))
		return edu_fail(EIO, "counters in /proc");
	rc = edu_timed(k, map_op, a, &map_ns);
	if (rc)
		return rc;
	if (read_sample(&s1))
		return edu_fail(EIO, "counters in /proc");
	rc = edu_timed(k, map_op + 1, a, &unmap_ns);
	if (rc)
		return rc;
	if (read_sample(&s2))
		return edu_fail(EIO, "counters in /proc");

	pinned = (s1.pin_acquired - s0.pin_acquired) -
		 (s1.pin_released - s0.pin_released);
	unpinned = (s2.pin_released - s1.pin_released) -
		   (s2.pin_acquired - s1.pin_acquired);
	/* "map", "unmap", ...; "file-map", "file-unmap", ... for MAP_FILE */
	snprintf(m, sizeof(m), "%smap", pfx);
	edu_rec(api, kind_name[k], sz, m, r, map_ns);
	snprintf(m, sizeof(m), "%sunmap", pfx);
	edu_rec(api, kind_name[k], sz, m, r, unmap_ns);
	snprintf(m, sizeof(m), "%spinned", pfx);
	edu_rec(api, kind_name[k], sz, m, r, pinned);
	snprintf(m, sizeof(m), "%sunpinned", pfx);
	edu_rec(api, kind_name[k], sz, m, r, unpinned);
	snprintf(m, sizeof(m), "%skmem-", pfx);
	edu_rec_kmem(api, k, sz, m, r, &s0, &s1);
	/* Fast because nothing happened is not fast */
	if (pinned != npages || unpinned != npages) {
		printf("# BAD pins: %s%s %s %s cycle %d: %s %ld, %s %ld, of %ld pages\n",
		       api, *pfx ? " MAP_FILE" : "", kind_name[k], sz, r,
		       "map pinned", pinned,
		       "unmap released", unpinned, npages);
		eb->bad++;
	}
	return 0;
}

/*
 * COPY of the mapping of the COPY source into the device's IOAS and the
 * UNMAP of the copy; the pages are pinned already, by the source's domain.
 */
static int edu_copy_cycle(struct edu_bench *eb, enum mem_kind k,
			  struct tm_args *a, int r)
{
	long acq[3], rel[3];
	double copy_ns, unmap_ns;
	char sz[16];
	int rc;

	fmt_size(sz, sizeof(sz), a->len);
	if (read_pin_counts(&acq[0], &rel[0]))
		return edu_fail(EIO, "pin counters in /proc/vmstat");
	rc = edu_timed(k, OP_COPY, a, &copy_ns);
	if (rc)
		return rc;
	if (read_pin_counts(&acq[1], &rel[1]))
		return edu_fail(EIO, "pin counters in /proc/vmstat");
	rc = edu_timed(k, OP_COPY_UNMAP, a, &unmap_ns);
	if (rc)
		return rc;
	if (read_pin_counts(&acq[2], &rel[2]))
		return edu_fail(EIO, "pin counters in /proc/vmstat");
	edu_rec("iommufd", kind_name[k], sz, "copy", r, copy_ns);
	edu_rec("iommufd", kind_name[k], sz, "copy-unmap", r, unmap_ns);
	edu_rec("iommufd", kind_name[k], sz, "copy-pinned", r,
		(acq[1] - acq[0]) - (rel[1] - rel[0]));
	edu_rec("iommufd", kind_name[k], sz, "copy-unpinned", r,
		(rel[2] - rel[1]) - (acq[2] - acq[1]));
	return 0;
}

/*
 * A second domain on the device's IOAS while the buffer is mapped there:
 * HWPT_ALLOC fills it with the mappings, DESTROY empties and frees it.
 */
static int edu_dom2_cycle(struct edu_bench *eb, enum mem_kind k,
			  struct tm_args *a, int r)
{
	double alloc_ns, free_ns;
	struct ksample s0, s1;
	char sz[16];
	int rc;

	fmt_size(sz, sizeof(sz), a->len);
	if (read_settled_sample(&s0))
		return edu_fail(EIO, "counters in /proc");
	rc = edu_timed(k, OP_DOM2, a, &alloc_ns);
	if (rc)
		return rc;
	if (read_sample(&s1))
		return edu_fail(EIO, "counters in /proc");
	rc = edu_timed(k, OP_DOM2_FREE, a, &free_ns);
	if (rc)
		return rc;
	edu_rec("iommufd", kind_name[k], sz, "dom2", r, alloc_ns);
	edu_rec("iommufd", kind_name[k], sz, "dom2-free", r, free_ns);
	edu_rec("iommufd", kind_name[k], sz, "dom2-pinned", r,
		(s1.pin_acquired - s0.pin_acquired) -
		(s1.pin_released - s0.pin_released));
	edu_rec_kmem("iommufd", k, sz, "dom2-kmem-", r, &s0, &s1);
	return 0;
}

/*
 * 0 when the kernel has IOMMU_IOAS_MAP_FILE, else the errno that says it
 * has not: an empty range is EINVAL where it exists, an unknown ioctl
 * ENOTTY where it does not (the base tree's iommufd).
 */
static int edu_map_file_absent(struct tm_args *a)
{
	struct tm_args probe = *a;
	int rc;

	probe.len = 0;
	rc = io_iommufd_map_file(&probe);
	return rc == -ENOTTY || rc == -EOPNOTSUPP ? -rc : 0;
}

/*
 * The IOMMU_IOAS_MAP_FILE rows of a memfd kind: the same range of the same
 * memfd, at the same IOVA, as its IOMMU_IOAS_MAP rows
 */
static int edu_map_file_rows(struct edu_bench *eb, enum mem_kind k,
			     struct tm_args *a)
{
	const struct options *opt = eb->opt;
	static bool printed;
	int s, r, rc = 0, absent;
	char sz[16];

	a->ioas_id = eb->edu.ioas_id;
	a->mfd = eb->buf.fd;
	/* buffer_alloc() maps a memfd kind's memfd from offset 0 */
	a->start = (char *)eb->buf.p - (char *)eb->buf.map;
	absent = edu_map_file_absent(a);
	if (!printed) {
		printf("# IOMMU_IOAS_MAP_FILE: %s\n", absent ?
		       "not in this kernel, no file-map rows" :
		       "timed for the memfd kinds (file-map, file-unmap)");
		printed = true;
	}
	for (s = 0; s < opt->nr_sizes && !rc; s++) {
		a->len = opt->sizes[s];
		if (absent) {
			fmt_size(sz, sizeof(sz), a->len);
			edu_rec("iommufd", kind_name[k], sz, "file-absent", 0,
				absent);
			continue;
		}
		for (r = 0; r < opt->reps && !rc; r++)
			rc = edu_cycle(eb, "iommufd", k, OP_FILE_MAP, a, r);
	}
	return rc;
}

/* Every /dev/iommu row of one memory kind */
static int edu_iommufd_kind(struct edu_bench *eb, enum mem_kind k)
{
	const struct options *opt = eb->opt;
	struct tm_args a = { 0 };
	int s, r, rc;

	rc = edu_iommufd_open(eb);
	if (rc)
		return rc;
	a.fd = eb->edu.iommufd;
	a.dev_id = eb->edu.devid;
	a.va = eb->buf.p;
	a.iova = eb->iova;
	for (s = 0; s < opt->nr_sizes && !rc; s++) {
		a.len = opt->sizes[s];
		a.ioas_id = eb->edu.ioas_id;
		for (r = 0; r < opt->reps && !rc; r++)
			rc = edu_cycle(eb, "iommufd", k, OP_MAP, &a, r);

		/* COPY from the source IOAS, which keeps the pages pinned */
		if (!rc)
			rc = edu_ioas_map(a.fd, eb->src_ioas, a.va, a.len,
					  a.iova, RW_MAP);
		a.src_ioas_id = eb->src_ioas;
		for (r = 0; r < opt->reps && !rc; r++)
			rc = edu_copy_cycle(eb, k, &a, r);
		if (!rc)
			rc = edu_ioas_unmap(a.fd, eb->src_ioas, a.iova, a.len);

		/* A second domain over the device IOAS's mapping */
		if (!rc)
			rc = edu_ioas_map(a.fd, a.ioas_id, a.va, a.len, a.iova,
					  RW_MAP);
		for (r = 0; r < opt->reps && !rc; r++)
			rc = edu_dom2_cycle(eb, k, &a, r);
		if (!rc)
			rc = edu_ioas_unmap(a.fd, a.ioas_id, a.iova, a.len);
	}
	/* After the rows above, which so run as they did before it */
	if (!rc && kind_is_memfd(k))
		rc = edu_map_file_rows(eb, k, &a);
	edu_iommufd_close(eb);
	return rc;
}

/* Every type1 row of one memory kind */
static int edu_type1_kind(struct edu_bench *eb, enum mem_kind k)
{
	const struct options *opt = eb->opt;
	struct tm_args a = { 0 };
	int s, r, rc;

	rc = edu_type1_open(eb);
	a.fd = eb->container;
	a.va = eb->buf.p;
	a.iova = eb->iova;
	for (s = 0; s < opt->nr_sizes && !rc; s++) {
		a.len = opt->sizes[s];
		for (r = 0; r < opt->reps && !rc; r++)
			rc = edu_cycle(eb, "type1", k, OP_T1_MAP, &a, r);
	}
	edu_type1_close(eb);
	return rc;
}

/* One memory kind: its pool, its buffer, both interfaces */
static int edu_run_kind(struct edu_bench *eb, enum mem_kind k)
{
	bool hugetlb = k == KIND_HUGETLB || k == KIND_HUGETLB_1G ||
		       k == KIND_HUGETLB_MEMFD;
	char why[256];
	long pool = 0;
	int rc;

	if (hugetlb) {
		pool = edu_pool_grow(eb, k, why, sizeof(why));
		if (pool < 0) {
			printf("# skipped %s: %s\n", kind_name[k], why);
			edu_rec("all", kind_name[k], "-", "skipped", 0, 0);
			return 0;
		}
	}
	rc = edu_alloc_kind(eb, k);
	if (!rc)
		rc = edu_iommufd_kind(eb, k);
	if (!rc && !eb->opt->no_type1)
		rc = edu_type1_kind(eb, k);
	if (eb->buf.map)
		buffer_free(&eb->buf);
	memset(&eb->buf, 0, sizeof(eb->buf));
	if (hugetlb)
		edu_pool_restore(k, pool);
	return rc;
}

/* The whole --edu run; the program's exit status */
int edu_bench_run(const struct options *opt)
{
	static struct edu_bench eb;
	int i, k, op, s, rc = 0;

	eb.opt = opt;
	eb.container = -1;
	eb.group = -1;
	for (s = 0; s < opt->nr_sizes; s++)
		if (opt->sizes[s] > eb.max_size)
			eb.max_size = opt->sizes[s];
	printf("# --edu: iommufd = IOMMU_IOAS_MAP/UNMAP/COPY, HWPT_ALLOC, %s; type1 = %s\n",
	       "MAP_FILE (memfd kinds)",
	       opt->no_type1 ? "not run" : "VFIO_IOMMU_MAP_DMA/UNMAP_DMA");
	printf("# reps: %d per row\n", opt->reps);

	for (i = 0; i < NR_KINDS && !rc; i++)
		if (opt->kind[edu_kind_order[i]])
			rc = edu_run_kind(&eb, edu_kind_order[i]);
	if (!rc && opt->nr_scale)
		rc = scale_run(&eb);

	for (k = 0; k < NR_KINDS; k++)
		for (op = 0; op < NR_OPS; op++)
			edu_rec_phase(tm_fns[k][op].name, tm_pages[k][op], "pages");
	if (eb.bad)
		printf("# %d measurements FAILED their checks (see BAD above)\n",
		       eb.bad);
	else if (!rc)
		printf("# pins: %s, %s (nr_foll_pin_acquired/_released)\n",
		       "every map (and MAP_FILE where timed) pinned each 4 KiB page once",
		       "every unmap released it");
	printf("# %s\n", rc || eb.bad ? "FAILED (see the messages above)" : "done");
	return rc || eb.bad ? 1 : 0;
}
