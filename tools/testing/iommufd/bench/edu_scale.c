// SPDX-License-Identifier: GPL-2.0
/*
 * edu_scale.c - iommufd_bench --edu: the cost of one more call in an IOAS
 * that already holds n mappings
 *
 * The device's IOAS (attached to its real IOMMU domain) is filled with n
 * mappings of one 4 KiB page each, at every other page of IOVA from the
 * bench IOVA up (so no two are adjacent), for each n of --scale in turn
 * (default 1, 1000, 100000; the mappings of the smaller n stay).  At each
 * n these are timed, --reps times but at least SCALE_MIN_REPS:
 *
 *   map1    IOMMU_IOAS_MAP of one more page into the hole after mapping
 *           n / 2 (a page not mapped anywhere else, pinned by this call)
 *   unmap1  IOMMU_IOAS_UNMAP of that page
 *   ranges  IOMMU_IOAS_IOVA_RANGES (the allowed ranges, not the mappings)
 *   copy1   IOMMU_IOAS_COPY of mapping n / 4 into that hole of the same
 *           IOAS (untimed: the unmap of the copy)
 *
 * After the first n, the fd also gets --scale-objs more objects (IOAS,
 * allocated and destroyed again), and the same four calls are timed on
 * the IOAS with n mappings: object lookup with many objects in the fd.
 *
 * If the cost is O(log n) the rows stay within a small factor of each
 * other.  Records: "@ iommufd scale n<N> METRIC REP NS" and
 * "n<N>+obj<M>" for the object row.
 */
#define _GNU_SOURCE

#include "edu_bench.h"

#define SCALE_MIN_REPS	9
#define SCALE_STRIDE	(2 * SZ_4K)

/**
 * struct scale_args - the arguments of one timed call
 * @fd: /dev/iommu
 * @ioas_id: the IOAS with n mappings
 * @va: the page mapped by map1
 * @iova: the hole that map1 and copy1 fill
 * @src_iova: the mapping copy1 copies
 */
struct scale_args {
	int fd;
	__u32 ioas_id;
	void *va;
	__u64 iova;
	__u64 src_iova;
};

/* The timed calls (see edu_bench.c); 0 or a negative errno */

static __attribute__((noipa)) int tm_scale_map1(struct scale_args *a)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = a->ioas_id,
		.user_va = (uintptr_t)a->va,
		.length = SZ_4K,
		.iova = a->iova,
	};

	return ioctl(a->fd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
}

static __attribute__((noipa)) int tm_scale_unmap1(struct scale_args *a)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = a->ioas_id,
		.iova = a->iova,
		.length = SZ_4K,
	};

	if (ioctl(a->fd, IOMMU_IOAS_UNMAP, &cmd))
		return -errno;
	return cmd.length == SZ_4K ? 0 : -EIO;
}

static __attribute__((noipa)) int tm_scale_ranges(struct scale_args *a)
{
	struct iommu_iova_range r[EDU_BENCH_RANGES];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = a->ioas_id,
		.num_iovas = EDU_BENCH_RANGES,
		.allowed_iovas = (uintptr_t)r,
	};

	return ioctl(a->fd, IOMMU_IOAS_IOVA_RANGES, &cmd) ? -errno : 0;
}

static __attribute__((noipa)) int tm_scale_copy1(struct scale_args *a)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.dst_ioas_id = a->ioas_id,
		.src_ioas_id = a->ioas_id,
		.length = SZ_4K,
		.dst_iova = a->iova,
		.src_iova = a->src_iova,
	};

	return ioctl(a->fd, IOMMU_IOAS_COPY, &cmd) ? -errno : 0;
}

enum scale_op { SC_MAP1, SC_UNMAP1, SC_RANGES, SC_COPY1, NR_SC_OPS };

static const struct {
	int (*fn)(struct scale_args *a);
	const char *name;
	const char *metric;
} scale_ops[NR_SC_OPS] = {
	[SC_MAP1] = { tm_scale_map1, "tm_scale_map1", "map1" },
	[SC_UNMAP1] = { tm_scale_unmap1, "tm_scale_unmap1", "unmap1" },
	[SC_RANGES] = { tm_scale_ranges, "tm_scale_ranges", "ranges" },
	[SC_COPY1] = { tm_scale_copy1, "tm_scale_copy1", "copy1" },
};

static unsigned long scale_calls[NR_SC_OPS];

static int scale_timed(enum scale_op op, struct scale_args *a, double *ns)
{
	double t0;
	int rc;

	t0 = now_ns();
	rc = scale_ops[op].fn(a);
	*ns = now_ns() - t0;
	scale_calls[op]++;
	if (rc)
		fprintf(stderr, "edu: %s iova 0x%llx: %s\n", scale_ops[op].name,
			(unsigned long long)a->iova, strerror(-rc));
	return rc;
}

/* The four calls, @reps times each, on the IOAS with @n mappings */
static int scale_row(struct edu_bench *eb, struct scale_args *a,
		     unsigned long n, const char *row, int reps)
{
	double ns[NR_SC_OPS];
	int r, op, rc = 0;

	a->iova = eb->iova + n / 2 * SCALE_STRIDE + SZ_4K;
	a->src_iova = eb->iova + n / 4 * SCALE_STRIDE;
	for (r = 0; r < reps && !rc; r++) {
		rc = scale_timed(SC_MAP1, a, &ns[SC_MAP1]);
		if (!rc)
			rc = scale_timed(SC_UNMAP1, a, &ns[SC_UNMAP1]);
		if (!rc)
			rc = scale_timed(SC_RANGES, a, &ns[SC_RANGES]);
		if (!rc)
			rc = scale_timed(SC_COPY1, a, &ns[SC_COPY1]);
		if (!rc)
			rc = edu_ioas_unmap(a->fd, a->ioas_id, a->iova, SZ_4K);
		for (op = 0; op < NR_SC_OPS && !rc; op++)
			edu_rec("iommufd", "scale", row, scale_ops[op].metric,
				r, ns[op]);
	}
	return rc;
}

/* The same calls with @objs more objects in the fd */
static int scale_objects_row(struct edu_bench *eb, struct scale_args *a,
			     unsigned long n, unsigned long objs, int reps)
{
	__u32 *ids = calloc(objs, sizeof(*ids));
	unsigned long i, made = 0;
	char row[64];
	int rc = 0;

	if (!ids)
		return edu_fail(ENOMEM, "%lu object IDs", objs);
	for (made = 0; made < objs && !rc; made++)
		rc = edu_ioas_alloc(a->fd, &ids[made]);
	if (rc)
		made--;
	snprintf(row, sizeof(row), "n%lu+obj%lu", n, objs);
	if (!rc)
		rc = scale_row(eb, a, n, row, reps);
	for (i = 0; i < made; i++)
		if (edu_destroy(a->fd, ids[i]) && !rc)
			rc = -EIO;
	free(ids);
	return rc;
}

/* The scale table; 0 or a negative errno */
int scale_run(struct edu_bench *eb)
{
	const struct options *opt = eb->opt;
	unsigned long n_max = opt->scale[opt->nr_scale - 1], have = 0, need;
	int reps = opt->reps > SCALE_MIN_REPS ? opt->reps : SCALE_MIN_REPS;
	struct scale_args a = { 0 };
	struct buffer b = { 0 };
	double t0, grow_ns;
	char row[64];
	int i, op, rc;

	/* n pages, one spare for map1; 2 MiB multiples for buffer_alloc() */
	need = ((n_max + 1) * SZ_4K + SZ_2M - 1) & ~(SZ_2M - 1);
	rc = buffer_alloc(&b, KIND_4K, need, false);
	if (rc) {
		if (b.map == MAP_FAILED)
			b.map = NULL;
		return edu_fail(-rc, "scale buffer of %lu MiB", need >> 20);
	}
	rc = edu_iommufd_open(eb);
	if (rc)
		goto out_free;
	if (eb->iova + (n_max + 1) * SCALE_STRIDE - 1 > eb->iova_last) {
		rc = edu_fail(ERANGE, "%lu mappings do not fit the IOVA range",
			      n_max);
		goto out_close;
	}
	a.fd = eb->edu.iommufd;
	a.ioas_id = eb->edu.ioas_id;
	a.va = (char *)b.p + n_max * SZ_4K;
	printf("# scale: IOAS %u (device attached), n mappings of 4 KiB %s 0x%llx, %d reps\n",
	       a.ioas_id, "every 8 KiB of IOVA from", (unsigned long long)eb->iova,
	       reps);

	for (i = 0; i < opt->nr_scale && !rc; i++) {
		t0 = now_ns();
		for (; have < opt->scale[i] && !rc; have++)
			rc = edu_ioas_map(a.fd, a.ioas_id,
					  (char *)b.p + have * SZ_4K, SZ_4K,
					  eb->iova + have * SCALE_STRIDE,
					  IOMMU_IOAS_MAP_READABLE |
					  IOMMU_IOAS_MAP_WRITEABLE);
		grow_ns = now_ns() - t0;
		if (rc)
			break;
		printf("# scale: %lu mappings (the last %s took %.0f ns each)\n",
		       have, i ? "added" : "made",
		       grow_ns / (have - (i ? opt->scale[i - 1] : 0)));
		snprintf(row, sizeof(row), "n%lu", have);
		rc = scale_row(eb, &a, have, row, reps);
		if (!rc && !i && opt->scale_objs)
			rc = scale_objects_row(eb, &a, have, opt->scale_objs,
					       reps);
	}
	for (op = 0; op < NR_SC_OPS; op++)
		edu_rec_phase(scale_ops[op].name, scale_calls[op], "calls");
out_close:
	edu_iommufd_close(eb);
out_free:
	buffer_free(&b);
	return rc;
}
