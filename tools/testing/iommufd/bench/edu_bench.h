/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_bench.h - what the files of iommufd_bench --edu share:
 * edu_bench.c (map, unmap, copy and second-domain rows per memory kind,
 * /dev/iommu beside vfio type1), edu_mem.c (the memory of each kind) and
 * edu_scale.c (the scale table).
 *
 * Results are printed as records, one per measurement, which
 * bench-report.py turns into tables (beside the records of another kernel):
 *
 *   @ API CASE SIZE METRIC REP VALUE
 *
 * API is "iommufd" (whichever implementation the kernel has) or "type1";
 * CASE a memory kind or "scale"; SIZE the buffer size ("256M", "2G"), or
 * for the scale table the row ("n1000", "n1+obj10000"); METRIC what was
 * measured (map, unmap, copy, ... in ns, or kmem-slab in KiB, pinned in
 * pages); REP the repetition, from 0.  And, for the instruction profile,
 * how much work each timed function did:
 *
 *   @ phase FUNCTION UNITS UNIT
 *
 * Functions that make timed calls are named edu_* or scale_*, the timed
 * calls themselves tm_*: the profile's phase markers (insnprof-report.py)
 * rely on it.  A tm_* function calls nothing named edu_* or scale_*.
 */
#ifndef IOMMUFD_EDU_BENCH_H
#define IOMMUFD_EDU_BENCH_H

#include "bench.h"
#include "tools/testing/iommufd/edu/edu_driver.h"

#define EDU_BENCH_RANGES	16

/**
 * struct edu_bench - the state of one --edu run
 * @opt: the options
 * @buf: the buffer of the memory kind being run, of the largest size
 * @max_size: the largest size
 * @iova: where the rows map every buffer, and the scale table starts
 * @iova_last: last IOVA of the allowed range that holds @iova
 * @edu: the device while /dev/iommu drives it (edu_driver.h)
 * @src_ioas: a second IOAS with a domain of its own, the COPY source
 * @src_hwpt: its domain (IOMMU_HWPT_ALLOC for the device, never attached)
 * @container: /dev/vfio/vfio while type1 drives the device, else -1
 * @group: /dev/vfio/<group> while type1 drives the device, else -1
 * @bad: measurements that failed a check (pins, backing)
 */
struct edu_bench {
	const struct options *opt;
	struct buffer buf;
	unsigned long max_size;
	__u64 iova;
	__u64 iova_last;
	struct edu_dev edu;
	__u32 src_ioas;
	__u32 src_hwpt;
	int container;
	int group;
	int bad;
};

/* One measurement record (see the top of this file) */
void edu_rec(const char *api, const char *kind, const char *size,
	     const char *metric, int rep, double value);
/* How much work the timed function @fn did, for the profile report */
void edu_rec_phase(const char *fn, unsigned long units, const char *unit);

/*
 * The buffer of @kind, allocated, faulted in and checked (edu_mem.c); its
 * hugetlb pool grown first (returns the size to restore, or -1 with @why)
 * and restored after
 */
long edu_pool_grow(struct edu_bench *eb, enum mem_kind kind, char *why,
		   size_t why_len);
void edu_pool_restore(enum mem_kind kind, long nr);
int edu_alloc_kind(struct edu_bench *eb, enum mem_kind kind);

/* /dev/iommu bound and attached, IOVA picked (edu_bench.c) */
int edu_iommufd_open(struct edu_bench *eb);
void edu_iommufd_close(struct edu_bench *eb);

/* The scale table (edu_scale.c); 0 or a negative errno */
int scale_run(struct edu_bench *eb);

#endif /* IOMMUFD_EDU_BENCH_H */
