/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what the modes of iommufd_bench share: options, timing,
 * statistics, test memory and output formatting.
 *
 * iommufd_bench.c holds main(), these helpers and the mock-domain mode;
 * edu_bench.c holds the real-domain mode (--edu).
 */
#ifndef IOMMUFD_BENCH_H
#define IOMMUFD_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#define SZ_4K 0x00001000UL
#define SZ_1M 0x00100000UL
#define SZ_2M 0x00200000UL
#define SZ_1G 0x40000000UL
#define MAX_REPS 101
#define MAX_SIZES 8
#define MAX_SCALE 8

/* hugetlb1g: MAP_HUGETLB with 1 GiB pages, --edu only */
enum mem_kind {
	KIND_4K, KIND_THP, KIND_HUGETLB, KIND_HUGETLB_1G,
	KIND_HUGETLB_MEMFD,	/* MAP_SHARED of a MFD_HUGETLB memfd, 2 MiB */
	KIND_SHMEM_MEMFD,	/* MAP_SHARED of a plain memfd, 4 KiB shmem */
	NR_KINDS
};

enum dom_setup { DOM_NONE, DOM_MOCK, DOM_MOCK_HUGE, DOM_MOCK_X2, NR_DOMS };

extern const char * const kind_name[NR_KINDS];

/**
 * struct options - the command line
 * @kind: memory kinds to run
 * @dom: mock-mode domain setups to run
 * @sizes: buffer sizes, in the order given
 * @nr_sizes: entries in @sizes
 * @reps: timed map/unmap cycles per row
 * @icount: times are instruction-time (QEMU -icount), a label only
 * @edu: the real-domain mode (edu_bench.c) instead of the mock mode
 * @kinds_given: --kinds was given (each mode has its own default)
 * @sizes_given: --sizes was given
 * @no_type1: --edu without the vfio type1 rows (--no-type1)
 * @scale: --edu scale table: numbers of existing mappings, ascending
 * @nr_scale: entries in @scale (0: no scale table)
 * @scale_objs: objects in the fd for the scale table's object row
 */
struct options {
	bool kind[NR_KINDS];
	bool dom[NR_DOMS];
	unsigned long sizes[MAX_SIZES];
	int nr_sizes;
	int reps;
	bool icount;
	bool edu;
	bool kinds_given;
	bool sizes_given;
	bool no_type1;
	unsigned long scale[MAX_SCALE];
	int nr_scale;
	unsigned long scale_objs;
};

/**
 * struct buffer - test memory of one kind
 * @map: what mmap() returned
 * @map_len: length of @map
 * @p: the buffer, 2 MiB aligned for THP
 * @len: its length
 * @fd: the memfd behind it (memfd kinds, mapped at offset 0), else -1
 */
struct buffer {
	void *map;
	size_t map_len;
	void *p;
	size_t len;
	int fd;
};

/**
 * struct ksample - kernel counters sampled around a MAP or UNMAP, in KiB
 * @free_kib: MemFree
 * @slab_kib: Slab
 * @vmalloc_kib: VmallocUsed
 * @iommu_kib: pages the IOMMU drivers allocated (nr_iommu_pages: the IO
 *	page tables), -1 when the kernel does not count them
 * @pin_acquired: nr_foll_pin_acquired (pages)
 * @pin_released: nr_foll_pin_released (pages)
 */
struct ksample {
	long free_kib;
	long slab_kib;
	long vmalloc_kib;
	long iommu_kib;
	long pin_acquired;
	long pin_released;
};

double now_ns(void);
double median(const double *v, int n);
double best(const double *v, int n);
void read_line(const char *path, char *buf, size_t len);
/* nr_foll_pin_acquired and _released (/proc/vmstat), up to date; 0 or -EIO */
int read_pin_counts(long *acquired, long *released);
/* All of struct ksample; settled: after RCU frees stopped shrinking the slab */
int read_sample(struct ksample *s);
int read_settled_sample(struct ksample *s);
long read_long(const char *path);
int write_long(const char *path, long val);
/*
 * Allocates and faults in @len bytes; @scatter: in a scattered page order.
 * The memfd kinds keep their memfd open in @b->fd until buffer_free().
 */
int buffer_alloc(struct buffer *b, enum mem_kind kind, size_t len,
		 bool scatter);
void buffer_free(struct buffer *b);
void fmt_rate(char *buf, size_t len, double per_s);
void fmt_size(char *buf, size_t len, unsigned long size);

/* The real-domain mode; returns the exit status of the program */
int edu_bench_run(const struct options *opt);

/* Memory kinds that are a memfd mapped shared, which IOAS_MAP_FILE maps */
static inline bool kind_is_memfd(enum mem_kind kind)
{
	return kind == KIND_HUGETLB_MEMFD || kind == KIND_SHMEM_MEMFD;
}

#endif /* IOMMUFD_BENCH_H */
