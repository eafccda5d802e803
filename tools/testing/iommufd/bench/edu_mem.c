// SPDX-License-Identifier: GPL-2.0
/*
 * edu_mem.c - the memory of iommufd_bench --edu: the buffer of each memory
 * kind, the hugetlb pools it comes from and the checks that it is backed
 * as its kind says (see the top of edu_bench.c)
 */
#define _GNU_SOURCE

#include "edu_bench.h"

#define POOL_DIR		"/sys/kernel/mm/hugepages/hugepages-%lukB/%s"

/* The "@field: N kB" line of @path in KiB, -1 if unknown */
static long edu_read_kib(const char *path, const char *field)
{
	FILE *f = fopen(path, "r");
	size_t n = strlen(field);
	char line[256];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':' &&
		    sscanf(line + n + 1, "%ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Total AnonHugePages of this process in KiB, -1 if unknown */
static long edu_rollup_anon_huge_kib(void)
{
	return edu_read_kib("/proc/self/smaps_rollup", "AnonHugePages");
}

/* Physically contiguous runs in [@p, @p + @len), -1 if PFNs are hidden */
static long edu_phys_runs(const void *p, size_t len)
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

/* The pool of @kind's page size (KiB) and how many pages the buffer needs */
static unsigned long edu_pool(enum mem_kind kind, unsigned long size,
			      unsigned long *need)
{
	unsigned long kib = kind == KIND_HUGETLB_1G ? SZ_1G >> 10 : SZ_2M >> 10;

	*need = (size + (kib << 10) - 1) / (kib << 10);
	return kib;
}

static long edu_pool_read(unsigned long kib, const char *what)
{
	char path[128];

	snprintf(path, sizeof(path), POOL_DIR, kib, what);
	return read_long(path);
}

/*
 * Grows the hugetlb pool of @kind to hold the buffer; returns the pool size
 * to restore afterwards, or -1 with @why set when there are not enough
 * pages.
 */
long edu_pool_grow(struct edu_bench *eb, enum mem_kind kind, char *why,
		   size_t why_len)
{
	unsigned long need, kib = edu_pool(kind, eb->max_size, &need);
	long nr = edu_pool_read(kib, "nr_hugepages");
	long free_pages = edu_pool_read(kib, "free_hugepages");
	char path[128];

	if (nr < 0 || free_pages < 0) {
		snprintf(why, why_len, "no %lu KiB hugetlb page size in this kernel%s",
			 kib, kind == KIND_HUGETLB_1G ?
			 " (the CPU has no pdpe1gb?)" : "");
		return -1;
	}
	if ((unsigned long)free_pages < need) {
		snprintf(path, sizeof(path), POOL_DIR, kib, "nr_hugepages");
		write_long(path, nr + need - free_pages);
		free_pages = edu_pool_read(kib, "free_hugepages");
	}
	printf("# hugetlb pool %lu KiB: %ld pages (%ld free, %lu needed)\n",
	       kib, edu_pool_read(kib, "nr_hugepages"), free_pages, need);
	if (free_pages < 0 || (unsigned long)free_pages < need) {
		snprintf(why, why_len, "%ld free %lu KiB pages, %lu needed%s",
			 free_pages, kib, need, kind != KIND_HUGETLB_1G ? "" :
			 ": this kernel allocates 1 GiB pages at boot only");
		return -1;
	}
	return nr;
}

/* Back to @nr pages; a 1 GiB pool is emptied, its memory is needed next */
void edu_pool_restore(enum mem_kind kind, long nr)
{
	unsigned long need, kib = edu_pool(kind, 0, &need);
	char path[128];

	snprintf(path, sizeof(path), POOL_DIR, kib, "nr_hugepages");
	write_long(path, kind == KIND_HUGETLB_1G ? 0 : nr);
}

/*
 * Allocates and faults in the buffer of @kind and checks through
 * smaps_rollup that it is backed as its kind promises.
 */
int edu_alloc_kind(struct edu_bench *eb, enum mem_kind kind)
{
	struct buffer *b = &eb->buf;
	long before, grown, want = 0, shmem_huge, shmem_grown;
	const char *how;
	char sz[16];
	int rc, s;

	before = edu_rollup_anon_huge_kib();
	shmem_huge = edu_read_kib("/proc/meminfo", "ShmemHugePages");
	rc = buffer_alloc(b, kind, eb->max_size,
			  kind == KIND_4K || kind == KIND_SHMEM_MEMFD);
	if (rc) {
		if (b->map == MAP_FAILED)
			b->map = NULL;
		return edu_fail(-rc, "%s buffer of %lu MiB", kind_name[kind],
				eb->max_size >> 20);
	}
	grown = edu_rollup_anon_huge_kib() - before;
	shmem_grown = edu_read_kib("/proc/meminfo", "ShmemHugePages") -
		      shmem_huge;
	switch (kind) {
	case KIND_4K:
		how = "MADV_NOHUGEPAGE";
		break;
	case KIND_THP:
		how = "MADV_HUGEPAGE";
		want = b->len >> 10;
		break;
	case KIND_HUGETLB:
		how = "MAP_HUGETLB, 2 MiB hugetlbfs pages (not in AnonHugePages)";
		break;
	case KIND_HUGETLB_MEMFD:
		how = "MAP_SHARED of a MFD_HUGETLB memfd, 2 MiB hugetlbfs pages";
		break;
	case KIND_SHMEM_MEMFD:
		how = "MAP_SHARED of a memfd, 4 KiB shmem pages";
		printf("# memory %-9s ShmemHugePages +%ld kB (/proc/meminfo), %s\n",
		       kind_name[kind], shmem_grown,
		       shmem_huge >= 0 && !shmem_grown ? "as wanted" :
		       "NOT AS WANTED");
		if (shmem_huge < 0 || shmem_grown)
			return edu_fail(EIO, "%s memory is in shmem huge pages",
					kind_name[kind]);
		break;
	default:
		how = "MAP_HUGETLB, 1 GiB hugetlbfs pages (not in AnonHugePages)";
		break;
	}
	printf("# memory %-9s %lu MiB, %s: AnonHugePages +%ld kB (smaps_rollup), %s\n",
	       kind_name[kind], b->len >> 20, how, grown,
	       before >= 0 && grown == want ? "as wanted" : "NOT AS WANTED");
	if (before < 0 || grown != want)
		return edu_fail(EIO, "%s memory is not backed as its kind says",
				kind_name[kind]);
	printf("# memory %-9s physically contiguous runs:", kind_name[kind]);
	for (s = 0; s < eb->opt->nr_sizes; s++) {
		fmt_size(sz, sizeof(sz), eb->opt->sizes[s]);
		printf(" %s %ld%s", sz, edu_phys_runs(b->p, eb->opt->sizes[s]),
		       s + 1 < eb->opt->nr_sizes ? "," : "\n");
	}
	return 0;
}
