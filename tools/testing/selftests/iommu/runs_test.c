// SPDX-License-Identifier: GPL-2.0-only
/*
 * Physically contiguous runs in the pinned-pages layer.
 *
 * The core records, maps and unpins pinned memory by runs of physically
 * contiguous pages. These tests check the parts of that which only show
 * from outside as "right data, right pin counts, right IOPTE sizes":
 *
 *  - a run is mapped with one map call, so a mock domain with the 1 MiB
 *    huge IO page gets a huge IOPTE for exactly every 1 MiB IOVA block that
 *    is physically contiguous and aligned, also when the temporary memory
 *    limit makes the core pin two pages at a time (runs crossing batches);
 *  - releasing part of a pinned range cuts runs and keeps the rest valid;
 *    pinning the cut part again joins it to its neighbours, and new pages
 *    pinned next to pages that stayed pinned are recorded beside them;
 *  - pages in reverse physical order (runs of one page, inside a large
 *    folio) and access pins across run and folio boundaries;
 *  - exactly one FOLL_PIN per 4 KiB page whatever the runs look like, and
 *    all of them released.
 *
 * Which blocks must be huge is computed from the buffer's PFNs in
 * /proc/self/pagemap (root only; without it that part is skipped). The
 * IOPTE size is observed through dirty tracking: marking the first mock IO
 * page of a huge IOPTE dirty makes the whole 1 MiB read back dirty.
 */
#include "iommu_test_utils.h"

#define BUF_SIZE (2 * SZ_2M)
#define NPAGES (BUF_SIZE / page_sz)
#define BASE ((__u64)MOCK_APERTURE_START)
#define MAX_DOMAINS 2

FIXTURE(runs) {
	int fd;
	__u32 ioas_id;
	__u32 idev_id;
	char *buf;
	__u64 *pfn;		/* PFN of each page of buf, 0 if unknown */
};

FIXTURE_VARIANT(runs) {
	enum buf_kind kind;
	unsigned int ndomains;
	__u32 temp_limit;
};

FIXTURE_VARIANT_ADD(runs, small_1dom) {
	.kind = BUF_SMALL,
	.ndomains = 1,
};

FIXTURE_VARIANT_ADD(runs, small_2dom_limit16) {
	.kind = BUF_SMALL,
	.ndomains = 2,
	.temp_limit = 16,
};

FIXTURE_VARIANT_ADD(runs, thp_1dom) {
	.kind = BUF_THP,
	.ndomains = 1,
};

FIXTURE_VARIANT_ADD(runs, thp_2dom) {
	.kind = BUF_THP,
	.ndomains = 2,
};

FIXTURE_VARIANT_ADD(runs, thp_1dom_limit16) {
	.kind = BUF_THP,
	.ndomains = 1,
	.temp_limit = 16,
};

FIXTURE_VARIANT_ADD(runs, hugetlb_1dom) {
	.kind = BUF_HUGETLB,
	.ndomains = 1,
};

FIXTURE_VARIANT_ADD(runs, hugetlb_2dom_limit16) {
	.kind = BUF_HUGETLB,
	.ndomains = 2,
	.temp_limit = 16,
};

/* Shared mappings of memfds: pinned through the file, by folios */
FIXTURE_VARIANT_ADD(runs, memfd_1dom) {
	.kind = BUF_MEMFD,
	.ndomains = 1,
};

FIXTURE_VARIANT_ADD(runs, memfd_2dom_limit16) {
	.kind = BUF_MEMFD,
	.ndomains = 2,
	.temp_limit = 16,
};

FIXTURE_VARIANT_ADD(runs, memfd_hugetlb_1dom) {
	.kind = BUF_MEMFD_HUGETLB,
	.ndomains = 1,
};

FIXTURE_VARIANT_ADD(runs, memfd_hugetlb_2dom_limit16) {
	.kind = BUF_MEMFD_HUGETLB,
	.ndomains = 2,
	.temp_limit = 16,
};

static bool is_hugetlb(enum buf_kind kind)
{
	return kind == BUF_HUGETLB || kind == BUF_MEMFD_HUGETLB;
}

/* Read the PFNs of @n pages at @addr; false if pagemap hides them */
static bool read_pfns(const void *addr, size_t n, __u64 *pfn)
{
	off_t off = (uintptr_t)addr / page_sz * sizeof(__u64);
	bool known = true;
	size_t i;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return false;
	if (pread(fd, pfn, n * sizeof(__u64), off) != (ssize_t)(n * sizeof(__u64)))
		known = false;
	close(fd);
	for (i = 0; known && i != n; i++) {
		/* bit 63: present; bits 0-54: PFN, 0 without CAP_SYS_ADMIN */
		pfn[i] = (pfn[i] >> 63) ? pfn[i] & ((1ULL << 55) - 1) : 0;
		known = pfn[i] != 0;
	}
	if (!known)
		memset(pfn, 0, n * sizeof(__u64));
	return known;
}

/* One of the nr_foll_pin_* counters of /proc/vmstat */
static unsigned long read_vmstat(const char *name)
{
	unsigned long val = 0, v;
	char key[64];
	FILE *f;

	f = fopen("/proc/vmstat", "r");
	if (!f)
		return 0;
	while (fscanf(f, "%63s %lu", key, &v) == 2)
		if (!strcmp(key, name)) {
			val = v;
			break;
		}
	fclose(f);
	return val;
}

struct pin_count {
	unsigned long acquired;
	unsigned long released;
};

static void pins_snapshot(struct pin_count *pc)
{
	int fd;

	/* Fold the per-CPU deltas in, or the counters lag behind */
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		write(fd, "1", 1);
		close(fd);
	}
	pc->acquired = read_vmstat("nr_foll_pin_acquired");
	pc->released = read_vmstat("nr_foll_pin_released");
}

/* Assert the pins taken and dropped since @pc, then restart from now */
static void check_pins(struct __test_metadata *_metadata,
		       struct pin_count *pc, unsigned long acquired,
		       unsigned long released)
{
	struct pin_count now;

	pins_snapshot(&now);
	ASSERT_EQ(acquired, now.acquired - pc->acquired);
	ASSERT_EQ(released, now.released - pc->released);
	*pc = now;
}

/*
 * Paging HWPTs of the mock device on @ioas_id; the first is dirty-tracking
 * capable, with tracking on, for probe_huge().
 */
static int add_domains(int fd, __u32 idev_id, __u32 ioas_id, unsigned int n,
		       __u32 *hwpt)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	unsigned int i;

	for (i = 0; i != n; i++)
		if (ifd_hwpt_alloc(fd, idev_id, ioas_id,
				   i ? 0 : IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				   &hwpt[i]))
			return -1;
	set.hwpt_id = hwpt[0];
	return ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
}

static int del_domains(int fd, unsigned int n, const __u32 *hwpt)
{
	unsigned int i;

	for (i = 0; i != n; i++)
		if (ifd_destroy(fd, hwpt[i]))
			return -1;
	return 0;
}

/* Mark the first mock IO page of the block at @iova dirty */
static int mark_dirty(int fd, __u32 hwpt_id, __u64 iova)
{
	unsigned long bit = 1;
	struct iommu_test_cmd req = {
		.id = hwpt_id,
		.dirty = {
			.iova = iova,
			.length = mio_sz,
			.page_size = mio_sz,
			.uptr = (uintptr_t)&bit,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_DIRTY, &req);
}

static int read_dirty(int fd, __u32 hwpt_id, __u64 iova, __u64 length,
		      __u64 *bitmap)
{
	struct iommu_hwpt_get_dirty_bitmap req = {
		.size = sizeof(req),
		.hwpt_id = hwpt_id,
		.iova = iova,
		.length = length,
		.page_size = page_sz,
		.data = (uintptr_t)bitmap,
	};

	return ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &req);
}

/*
 * Must the 1 MiB block of pages [@first, +mhuge_sz / page_sz) be one huge
 * IOPTE? Exactly when its pages are one aligned physically contiguous run.
 */
static bool block_is_run(const __u64 *pfn, size_t first)
{
	size_t i, n = mhuge_sz / page_sz;

	if ((pfn[first] * page_sz) % mhuge_sz)
		return false;
	for (i = 1; i != n; i++)
		if (pfn[first + i] != pfn[first] + i)
			return false;
	return true;
}

/*
 * Check the IOPTE size of every 1 MiB block of the mapping of the @n pages
 * at @uaddr (pinned) at @iova (block aligned) in the dirty tracking domain
 * @hwpt_id: huge exactly where the block is an aligned run if the domain
 * has huge IOPTEs (@can_huge), never otherwise. Returns the number of huge
 * blocks.
 */
static unsigned int probe_iopte_sizes(struct __test_metadata *_metadata,
				      struct _test_data_runs *self,
				      __u32 hwpt_id, __u64 iova,
				      const void *uaddr, size_t n,
				      bool can_huge)
{
	size_t per_block = mhuge_sz / page_sz, bits = per_block;
	__u64 bitmap[BUF_SIZE / 4096 / 64];
	unsigned int huge = 0;
	bool is_run, is_huge;
	size_t b, i, set;

	ASSERT_EQ(0, iova % mhuge_sz);
	ASSERT_EQ(0, n % per_block);
	ASSERT_GE(NPAGES, n);
	ASSERT_GE(sizeof(bitmap) * 8, n);
	read_pfns(uaddr, n, self->pfn);
	for (b = 0; b != n / per_block; b++)
		ASSERT_OK(mark_dirty(self->fd, hwpt_id, iova + b * mhuge_sz));
	memset(bitmap, 0, sizeof(bitmap));
	ASSERT_OK(read_dirty(self->fd, hwpt_id, iova, n * page_sz, bitmap));

	for (b = 0; b != n / per_block; b++) {
		for (set = 0, i = b * bits; i != (b + 1) * bits; i++)
			set += (bitmap[i / 64] >> (i % 64)) & 1;
		ASSERT_TRUE(set == 1 || set == bits);
		is_huge = set == bits;
		huge += is_huge;
		if (!can_huge)
			ASSERT_FALSE(is_huge);
		if (!can_huge || !self->pfn[0])
			continue;
		is_run = block_is_run(self->pfn, b * per_block);
		if (is_run != is_huge)
			TH_LOG("block %zu: huge IOPTE %d, aligned run %d", b,
			       is_huge, is_run);
		ASSERT_EQ(is_run, is_huge);
	}
	return huge;
}

/* probe_iopte_sizes() of a domain that has huge IOPTEs */
static unsigned int probe_huge(struct __test_metadata *_metadata,
			       struct _test_data_runs *self, __u32 hwpt_id,
			       __u64 iova, const void *uaddr, size_t n)
{
	return probe_iopte_sizes(_metadata, self, hwpt_id, iova, uaddr, n,
				 true);
}

/* Every domain maps [@iova, +@len) onto @buf */
static void check_maps(struct __test_metadata *_metadata, int fd,
		       const __u32 *hwpt, unsigned int n, __u64 iova,
		       const void *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i != n; i++)
		ASSERT_OK(mock_check_map(fd, hwpt[i], iova, buf, len));
}

FIXTURE_SETUP(runs)
{
	__u32 ioas0;

	self->fd = ifd_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	if (page_sz != 4096)
		SKIP(return, "written for 4 KiB pages");
	if (!mock_available(self->fd))
		SKIP(return, "kernel without CONFIG_IOMMUFD_TEST");
	self->buf = buf_alloc(BUF_SIZE, variant->kind);
	if (!self->buf)
		SKIP(return, "no memory of this kind");
	self->pfn = calloc(NPAGES, sizeof(*self->pfn));
	ASSERT_NE(NULL, self->pfn);
	if (variant->temp_limit)
		ASSERT_OK(mock_set_temp_memory_limit(self->fd,
						     variant->temp_limit));
	/* The device only provides domains; it sits on an empty IOAS */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas0));
	ASSERT_OK(mock_domain_flags(self->fd, ioas0,
				    MOCK_FLAGS_DEVICE_HUGE_IOVA, NULL, NULL,
				    &self->idev_id));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
}

FIXTURE_TEARDOWN(runs)
{
	if (variant->temp_limit && self->fd >= 0)
		mock_set_temp_memory_limit(self->fd,
					   MOCK_TEMP_MEMORY_LIMIT_DEFAULT);
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf)
		munmap(self->buf, BUF_SIZE);
	free(self->pfn);
}

/* The whole buffer: one map call per run, one pin per page */
TEST_F(runs, map_whole)
{
	__u32 hwpt[MAX_DOMAINS];
	struct pin_count pc;
	unsigned int huge;
	__u64 unmapped;

	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id,
			      variant->ndomains, hwpt));
	pins_snapshot(&pc);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				BASE));
	check_pins(_metadata, &pc, NPAGES, 0);

	check_maps(_metadata, self->fd, hwpt, variant->ndomains, BASE,
		   self->buf, BUF_SIZE);
	huge = probe_huge(_metadata, self, hwpt[0], BASE, self->buf, NPAGES);
	if (is_hugetlb(variant->kind))
		ASSERT_EQ(BUF_SIZE / mhuge_sz, huge);
	if (variant->kind == BUF_SMALL)
		ASSERT_OK(mock_check_refs(self->fd, self->buf, BUF_SIZE, 1));

	pins_snapshot(&pc);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, BASE, BUF_SIZE,
			    &unmapped));
	ASSERT_EQ(BUF_SIZE, unmapped);
	check_pins(_metadata, &pc, 0, NPAGES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/*
 * A paging HWPT of the mock's HUGE format, with dirty tracking on; @len
 * bytes of struct iommu_hwpt_selftest are passed
 */
static int alloc_format(int fd, __u32 idev_id, __u32 ioas_id, __u32 type,
			__u32 len, __u32 *hwpt_id)
{
	struct iommu_hwpt_selftest data = { .pagetable_type = type };
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct iommu_hwpt_alloc req = {
		.size = sizeof(req),
		.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		.dev_id = idev_id,
		.pt_id = ioas_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = len,
		.data_uptr = (uintptr_t)&data,
	};

	if (ioctl(fd, IOMMU_HWPT_ALLOC, &req))
		return -1;
	*hwpt_id = req.out_hwpt_id;
	set.hwpt_id = req.out_hwpt_id;
	return ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
}

/*
 * The format of a paging HWPT chosen at allocation (pagetable_type): HUGE
 * gives huge IOPTEs where the memory allows them, for a device that has no
 * MOCK_FLAGS_DEVICE_HUGE_IOVA, whose default format never does.
 */
TEST_F(runs, pagetable_type)
{
	const __u32 len = sizeof(struct iommu_hwpt_selftest);
	__u32 ioas0, idev, huge_pt, default_pt, id;
	unsigned int huge;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas0));
	ASSERT_OK(mock_domain(self->fd, ioas0, NULL, NULL, &idev));
	ASSERT_OK(alloc_format(self->fd, idev, self->ioas_id,
			       MOCK_IOMMUPT_HUGE, len, &huge_pt));
	ASSERT_OK(alloc_format(self->fd, idev, self->ioas_id,
			       MOCK_IOMMUPT_DEFAULT, len, &default_pt));
	EXPECT_ERRNO(EOPNOTSUPP, alloc_format(self->fd, idev, self->ioas_id,
					      MOCK_IOMMUPT_AMDV1, len, &id));
	EXPECT_ERRNO(EOPNOTSUPP, alloc_format(self->fd, idev, self->ioas_id,
					      MOCK_IOMMUPT_AMDV1 + 1, len,
					      &id));
	/* The format is a paging domain's mandatory field */
	EXPECT_ERRNO(EINVAL, alloc_format(self->fd, idev, self->ioas_id,
					  MOCK_IOMMUPT_HUGE, 4, &id));

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				BASE));
	check_maps(_metadata, self->fd, &huge_pt, 1, BASE, self->buf,
		   BUF_SIZE);
	check_maps(_metadata, self->fd, &default_pt, 1, BASE, self->buf,
		   BUF_SIZE);
	huge = probe_huge(_metadata, self, huge_pt, BASE, self->buf, NPAGES);
	if (is_hugetlb(variant->kind))
		ASSERT_EQ(BUF_SIZE / mhuge_sz, huge);
	ASSERT_EQ(0, probe_iopte_sizes(_metadata, self, default_pt, BASE,
				       self->buf, NPAGES, false));
	ASSERT_OK(ifd_destroy(self->fd, huge_pt));
	ASSERT_OK(ifd_destroy(self->fd, default_pt));
}

/*
 * One pages object, three IOASes: A maps the buffer, B copies all of it and
 * C a middle part that crosses the huge page boundary at unaligned ends.
 * Only IOASes with domains hold pages pinned, so attaching and detaching
 * domains pins, cuts and re-joins the runs of that one object.
 */
TEST_F(runs, release_cuts_and_repin_joins)
{
	size_t lo = SZ_2M / 2 / page_sz + 3;		/* first page of C */
	size_t hi = SZ_2M / page_sz + SZ_2M / 4 / page_sz + 5; /* past C */
	__u32 ioas_b, ioas_c, hwpt_a, hwpt_b[MAX_DOMAINS], hwpt_c;
	__u64 iova_b = BASE, iova_c = BASE + 8 * SZ_2M;
	struct pin_count pc;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas_b));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas_c));
	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id, 1,
			      &hwpt_a));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				BASE));
	ASSERT_OK(ifd_copy(self->fd, ioas_b, &iova_b, self->ioas_id, BASE,
			   BUF_SIZE, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_OK(ifd_copy(self->fd, ioas_c, &iova_c, self->ioas_id,
			   BASE + lo * page_sz, (hi - lo) * page_sz,
			   MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));

	/* Nothing holds the object any more */
	pins_snapshot(&pc);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	check_pins(_metadata, &pc, 0, NPAGES);

	/* C pins its middle part */
	ASSERT_OK(add_domains(self->fd, self->idev_id, ioas_c, 1, &hwpt_c));
	check_pins(_metadata, &pc, hi - lo, 0);
	ASSERT_OK(mock_check_map(self->fd, hwpt_c, iova_c,
				 self->buf + lo * page_sz,
				 (hi - lo) * page_sz));

	/* B pins the two holes around it, which join the middle run */
	ASSERT_OK(add_domains(self->fd, self->idev_id, ioas_b,
			      variant->ndomains, hwpt_b));
	check_pins(_metadata, &pc, NPAGES - (hi - lo), 0);
	check_maps(_metadata, self->fd, hwpt_b, variant->ndomains, BASE,
		   self->buf, BUF_SIZE);
	probe_huge(_metadata, self, hwpt_b[0], BASE, self->buf, NPAGES);
	pins_snapshot(&pc);	/* the dirty bitmap was pinned */

	/* B lets go: the run is cut, C's part stays pinned and mapped */
	ASSERT_OK(del_domains(self->fd, variant->ndomains, hwpt_b));
	check_pins(_metadata, &pc, 0, NPAGES - (hi - lo));
	ASSERT_OK(mock_check_map(self->fd, hwpt_c, iova_c,
				 self->buf + lo * page_sz,
				 (hi - lo) * page_sz));
	if (variant->kind == BUF_SMALL) {
		ASSERT_OK(mock_check_refs(self->fd, self->buf, lo * page_sz,
					  0));
		ASSERT_OK(mock_check_refs(self->fd, self->buf + lo * page_sz,
					  (hi - lo) * page_sz, 1));
		ASSERT_OK(mock_check_refs(self->fd, self->buf + hi * page_sz,
					  BUF_SIZE - hi * page_sz, 0));
	}

	/* And again, then C goes first */
	ASSERT_OK(add_domains(self->fd, self->idev_id, ioas_b,
			      variant->ndomains, hwpt_b));
	check_pins(_metadata, &pc, NPAGES - (hi - lo), 0);
	check_maps(_metadata, self->fd, hwpt_b, variant->ndomains, BASE,
		   self->buf, BUF_SIZE);
	probe_huge(_metadata, self, hwpt_b[0], BASE, self->buf, NPAGES);
	pins_snapshot(&pc);	/* the dirty bitmap was pinned */
	ASSERT_OK(ifd_destroy(self->fd, hwpt_c));
	check_pins(_metadata, &pc, 0, 0);
	check_maps(_metadata, self->fd, hwpt_b, variant->ndomains, BASE,
		   self->buf, BUF_SIZE);

	ASSERT_OK(ifd_destroy(self->fd, ioas_c));
	ASSERT_OK(del_domains(self->fd, variant->ndomains, hwpt_b));
	check_pins(_metadata, &pc, 0, NPAGES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/*
 * Access pins over a buffer with and without domains: overlapping pins take
 * only the pages nobody holds yet, every pinned page is the user's page,
 * and unpinning gives back only what nobody else holds.
 */
TEST_F(runs, access_pins_across_runs)
{
	size_t a0 = SZ_2M / page_sz - 7, a1 = SZ_2M / page_sz + 9;
	size_t b0 = SZ_2M / page_sz - 2, b1 = SZ_2M / page_sz + 30;
	__u32 hwpt[MAX_DOMAINS], id_a, id_b;
	struct pin_count pc;
	int afd;

	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				BASE));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &afd));

	pins_snapshot(&pc);
	ASSERT_OK(mock_access_pages(self->fd, afd, MOCK_FLAGS_ACCESS_WRITE,
				    BASE + a0 * page_sz, (a1 - a0) * page_sz,
				    self->buf + a0 * page_sz, &id_a));
	check_pins(_metadata, &pc, a1 - a0, 0);
	ASSERT_OK(mock_access_pages(self->fd, afd, 0, BASE + b0 * page_sz,
				    (b1 - b0) * page_sz,
				    self->buf + b0 * page_sz, &id_b));
	check_pins(_metadata, &pc, b1 - a1, 0);

	/* Domains pin the rest; the access pins stay as they are */
	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id,
			      variant->ndomains, hwpt));
	check_pins(_metadata, &pc, NPAGES - (b1 - a0), 0);
	check_maps(_metadata, self->fd, hwpt, variant->ndomains, BASE,
		   self->buf, BUF_SIZE);
	probe_huge(_metadata, self, hwpt[0], BASE, self->buf, NPAGES);
	pins_snapshot(&pc);	/* the dirty bitmap was pinned */

	ASSERT_OK(del_domains(self->fd, variant->ndomains, hwpt));
	check_pins(_metadata, &pc, 0, NPAGES - (b1 - a0));
	ASSERT_OK(mock_access_unpin(self->fd, afd, id_a));
	check_pins(_metadata, &pc, 0, b0 - a0);
	/* Still the right pages after the cuts */
	ASSERT_OK(mock_access_pages(self->fd, afd, 0, BASE + a1 * page_sz,
				    (b1 - a1) * page_sz,
				    self->buf + a1 * page_sz, &id_a));
	check_pins(_metadata, &pc, 0, 0);
	ASSERT_OK(mock_access_unpin(self->fd, afd, id_b));
	check_pins(_metadata, &pc, 0, a1 - b0);
	ASSERT_OK(mock_access_unpin(self->fd, afd, id_a));
	check_pins(_metadata, &pc, 0, b1 - a1);
	close(afd);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/*
 * A middle part stays pinned while the memory around it is replaced by new
 * pages; pinning the whole range again must record the new pages next to
 * the old ones in the same chunks, and give every domain the CPU's view.
 */
TEST_F(runs, new_pages_around_held_part)
{
	size_t lo = SZ_2M / 2 / page_sz + 3, hi = SZ_2M / page_sz + 77;
	__u64 iova_c = BASE + 8 * SZ_2M;
	__u32 ioas_c, hwpt_c, hwpt[MAX_DOMAINS];
	struct pin_count pc;
	char *buf = self->buf;

	if (is_hugetlb(variant->kind))
		SKIP(return, "hugetlb pages cannot be replaced one by one");
	if (variant->kind == BUF_MEMFD)
		SKIP(return, "a file's pages are not replaced by a new fault");
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas_c));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, BUF_SIZE, BASE));
	ASSERT_OK(ifd_copy(self->fd, ioas_c, &iova_c, self->ioas_id,
			   BASE + lo * page_sz, (hi - lo) * page_sz,
			   MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_OK(add_domains(self->fd, self->idev_id, ioas_c, 1, &hwpt_c));

	/* Fresh memory below and above the pinned middle */
	ASSERT_EQ(buf, mmap(buf, lo * page_sz, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	ASSERT_EQ(buf + hi * page_sz,
		  mmap(buf + hi * page_sz, BUF_SIZE - hi * page_sz,
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	memset(buf, 0x5a, lo * page_sz);
	memset(buf + hi * page_sz, 0x5a, BUF_SIZE - hi * page_sz);

	pins_snapshot(&pc);
	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id,
			      variant->ndomains, hwpt));
	check_pins(_metadata, &pc, NPAGES - (hi - lo), 0);
	check_maps(_metadata, self->fd, hwpt, variant->ndomains, BASE, buf,
		   BUF_SIZE);
	probe_huge(_metadata, self, hwpt[0], BASE, buf, NPAGES);
	ASSERT_OK(mock_check_map(self->fd, hwpt_c, iova_c, buf + lo * page_sz,
				 (hi - lo) * page_sz));

	/* The middle goes last, all pins go */
	pins_snapshot(&pc);
	ASSERT_OK(del_domains(self->fd, variant->ndomains, hwpt));
	check_pins(_metadata, &pc, 0, NPAGES - (hi - lo));
	ASSERT_OK(mock_check_map(self->fd, hwpt_c, iova_c, buf + lo * page_sz,
				 (hi - lo) * page_sz));
	ASSERT_OK(ifd_destroy(self->fd, hwpt_c));
	check_pins(_metadata, &pc, 0, hi - lo);
	ASSERT_OK(mock_check_refs(self->fd, buf, BUF_SIZE, 0));
}

/*
 * The buffer's pages moved into reverse order: every page is a run of its
 * own, within large folios for THP. Mapped, read and written through the
 * pinned pages and unmapped correctly, still one pin per page.
 */
TEST_F(runs, reverse_order)
{
	size_t n = NPAGES, len = BUF_SIZE - 2 * 100, i;
	__u32 hwpt[MAX_DOMAINS];
	struct pin_count pc;
	char *rev, *tmp;
	int afd;

	if (is_hugetlb(variant->kind))
		SKIP(return, "hugetlb pages cannot be moved one by one");
	rev = mmap(NULL, BUF_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, rev);
	for (i = 0; i != n; i++)
		ASSERT_NE(MAP_FAILED,
			  mremap(self->buf + i * page_sz, page_sz, page_sz,
				 MREMAP_MAYMOVE | MREMAP_FIXED,
				 rev + (n - 1 - i) * page_sz));
	pattern_fill(rev, BUF_SIZE, 5);
	tmp = malloc(BUF_SIZE);
	ASSERT_NE(NULL, tmp);

	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id,
			      variant->ndomains, hwpt));
	pins_snapshot(&pc);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, rev, BUF_SIZE,
				BASE));
	check_pins(_metadata, &pc, n, 0);
	check_maps(_metadata, self->fd, hwpt, variant->ndomains, BASE, rev,
		   BUF_SIZE);
	ASSERT_EQ(0, probe_huge(_metadata, self, hwpt[0], BASE, rev, n));

	/* The slow path copies through the pinned pages, page by page */
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &afd));
	ASSERT_OK(mock_access_rw(self->fd, afd, BASE + 100, tmp, len,
				 MOCK_ACCESS_RW_SLOW_PATH));
	ASSERT_EQ(0, memcmp(tmp, rev + 100, len));
	pattern_fill(tmp, len, 6);
	ASSERT_OK(mock_access_rw(self->fd, afd, BASE + 100, tmp, len,
				 MOCK_ACCESS_RW_WRITE |
				 MOCK_ACCESS_RW_SLOW_PATH));
	ASSERT_EQ(-1, pattern_check(rev + 100, len, 6));
	close(afd);

	pins_snapshot(&pc);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, BASE, BUF_SIZE, NULL));
	check_pins(_metadata, &pc, 0, n);
	free(tmp);
	munmap(rev, BUF_SIZE);
}

/*
 * Mapped into domains, the PFNs of scattered memory are read back from one
 * of them (the source) instead of being recorded. The source leaving while
 * another domain stays must hand over to that one: a new domain is filled,
 * and the last domain leaving unpins, from the right pages.
 */
TEST_F(runs, source_domain_leaves_first)
{
	__u32 hwpt[3];
	struct pin_count pc;

	pins_snapshot(&pc);
	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id, 2,
			      hwpt));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				BASE));
	check_pins(_metadata, &pc, NPAGES, 0);

	ASSERT_OK(ifd_destroy(self->fd, hwpt[0]));
	check_pins(_metadata, &pc, 0, 0);
	ASSERT_OK(mock_check_map(self->fd, hwpt[1], BASE, self->buf,
				 BUF_SIZE));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt[2]));
	check_pins(_metadata, &pc, 0, 0);
	ASSERT_OK(mock_check_map(self->fd, hwpt[2], BASE, self->buf,
				 BUF_SIZE));

	ASSERT_OK(ifd_destroy(self->fd, hwpt[1]));
	check_pins(_metadata, &pc, 0, 0);
	ASSERT_OK(mock_check_map(self->fd, hwpt[2], BASE, self->buf,
				 BUF_SIZE));
	ASSERT_OK(ifd_destroy(self->fd, hwpt[2]));
	check_pins(_metadata, &pc, 0, NPAGES);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, BASE, BUF_SIZE, NULL));
	check_pins(_metadata, &pc, 0, 0);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/*
 * Every other page copied into a second IOAS with a domain of its own, one
 * copy per page: unmapping the first mapping unpins exactly the pages no
 * copy holds, more runs of them than one batch of the release takes, read
 * back from its domain before it is unmapped; the copies keep theirs.
 */
TEST_F(runs, release_between_copies)
{
	__u32 ioas_b, hwpt_a, hwpt_b;
	struct pin_count pc;
	__u64 iova;
	size_t i;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas_b));
	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id, 1,
			      &hwpt_a));
	ASSERT_OK(add_domains(self->fd, self->idev_id, ioas_b, 1, &hwpt_b));
	pins_snapshot(&pc);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				BASE));
	check_pins(_metadata, &pc, NPAGES, 0);
	for (i = 0; i < NPAGES; i += 2) {
		iova = BASE + i * page_sz;
		ASSERT_OK(ifd_copy(self->fd, ioas_b, &iova, self->ioas_id,
				   BASE + i * page_sz, page_sz,
				   MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	}
	check_pins(_metadata, &pc, 0, 0);

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, BASE, BUF_SIZE, NULL));
	check_pins(_metadata, &pc, 0, NPAGES / 2);
	for (i = 0; i < NPAGES; i += 2)
		ASSERT_OK(mock_check_map(self->fd, hwpt_b, BASE + i * page_sz,
					 self->buf + i * page_sz, page_sz));
	ASSERT_OK(ifd_unmap(self->fd, ioas_b, 0, UINT64_MAX, NULL));
	check_pins(_metadata, &pc, 0, NPAGES / 2);
	ASSERT_OK(ifd_destroy(self->fd, hwpt_a));
	ASSERT_OK(ifd_destroy(self->fd, hwpt_b));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/*
 * An access pin taken while the only domain is the source records what it
 * pins, so the pages stay readable and writable through the pins, and are
 * unpinned correctly, after that domain is gone.
 */
TEST_F(runs, access_outlives_source)
{
	size_t a0 = SZ_2M / page_sz - 5, a1 = SZ_2M / page_sz + 300;
	size_t len = (a1 - a0) * page_sz;
	struct pin_count pc;
	__u32 hwpt, id;
	char *tmp;
	int afd;

	tmp = malloc(len);
	ASSERT_NE(NULL, tmp);
	ASSERT_OK(add_domains(self->fd, self->idev_id, self->ioas_id, 1,
			      &hwpt));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				BASE));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &afd));
	pins_snapshot(&pc);
	ASSERT_OK(mock_access_pages(self->fd, afd, MOCK_FLAGS_ACCESS_WRITE,
				    BASE + a0 * page_sz, len,
				    self->buf + a0 * page_sz, &id));
	check_pins(_metadata, &pc, 0, 0);

	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	check_pins(_metadata, &pc, 0, NPAGES - (a1 - a0));
	ASSERT_OK(mock_access_rw(self->fd, afd, BASE + a0 * page_sz + 7, tmp,
				 len - 7, MOCK_ACCESS_RW_SLOW_PATH));
	ASSERT_EQ(0, memcmp(tmp, self->buf + a0 * page_sz + 7, len - 7));
	pattern_fill(tmp, len, 9);
	ASSERT_OK(mock_access_rw(self->fd, afd, BASE + a0 * page_sz, tmp, len,
				 MOCK_ACCESS_RW_WRITE |
				 MOCK_ACCESS_RW_SLOW_PATH));
	ASSERT_EQ(-1, pattern_check(self->buf + a0 * page_sz, len, 9));

	ASSERT_OK(mock_access_unpin(self->fd, afd, id));
	check_pins(_metadata, &pc, 0, a1 - a0);
	close(afd);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, BUF_SIZE, 0));
	free(tmp);
}

TEST_HARNESS_MAIN
