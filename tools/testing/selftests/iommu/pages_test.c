// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinning of user memory: pin counts (MD_CHECK_REFS), sharing of pins between
 * domains, copies and accesses, transparent huge pages and hugetlbfs, tiny
 * temporary memory limits, fork, processes that exit while their memory is
 * mapped, and the temporary page array when its allocation fails. The
 * RLIMIT_MEMLOCK accounting of pinned pages is in rlimit_test.c.
 */
#include "fault_inject_utils.h"
#include "file_utils.h"
#include "iommu_test_utils.h"

#define NR_PAGES 16

FIXTURE(pages) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	__u64 base;
	void *buf;
	size_t buf_size;
};

FIXTURE_VARIANT(pages) {
	__u32 dev_flags;
	__u32 temp_limit;
};

FIXTURE_VARIANT_ADD(pages, plain) {
};

FIXTURE_VARIANT_ADD(pages, huge_iova) {
	.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
};

FIXTURE_VARIANT_ADD(pages, limit16) {
	.temp_limit = 16,
};

FIXTURE_VARIANT_ADD(pages, huge_iova_limit32) {
	.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
	.temp_limit = 32,
};

FIXTURE_SETUP(pages)
{
	if (!mock_fixture_open(_metadata, &self->fd, variant->temp_limit,
			       &self->ioas_id))
		return;
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    variant->dev_flags, &self->stdev_id,
				    &self->hwpt_id, &self->idev_id));
	self->base = MOCK_APERTURE_START;
	self->buf_size = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(pages)
{
	mock_fixture_close(self->fd, variant->temp_limit);
	if (self->buf)
		munmap(self->buf, self->buf_size);
}

/* ---------------------------------------------------------------------- */
/* Pin counts                                                              */
/* ---------------------------------------------------------------------- */

/* Pins exist only while some domain needs the pages, one per page */
TEST_F(pages, refs_follow_domains)
{
	__u32 ioas, stdev1, stdev2, stdev3, hwpt;
	__u64 unmapped;
	void *buf = self->buf;
	size_t len = self->buf_size;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas, buf, len, self->base));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 0));

	ASSERT_OK(mock_domain(self->fd, ioas, &stdev1, NULL, NULL));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_OK(mock_domain(self->fd, ioas, &stdev2, NULL, NULL));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, ioas, 0, &hwpt));
	ASSERT_OK(mock_domain(self->fd, hwpt, &stdev3, NULL, NULL));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_OK(mock_check_map(self->fd, hwpt, self->base, buf, len));

	ASSERT_OK(ifd_destroy(self->fd, stdev1));
	ASSERT_OK(ifd_destroy(self->fd, stdev2));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_OK(ifd_destroy(self->fd, stdev3));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 0));

	/* The mapping itself survived all of that */
	ASSERT_OK(ifd_unmap(self->fd, ioas, 0, UINT64_MAX, &unmapped));
	ASSERT_EQ(len, unmapped);
}

TEST_F(pages, refs_check_rejects_wrong_count)
{
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				self->base));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, page_sz, 1));
	ASSERT_ERRNO(EIO, mock_check_refs(self->fd, self->buf, page_sz, 0));
	ASSERT_ERRNO(EIO, mock_check_refs(self->fd, self->buf, page_sz, 2));
	ASSERT_ERRNO(EIO, mock_check_refs(self->fd, self->buf, 2 * page_sz,
					  1));
	ASSERT_ERRNO(EINVAL, mock_check_refs(self->fd, self->buf + 1,
					     page_sz, 0));
	ASSERT_ERRNO(EINVAL, mock_check_refs(self->fd, self->buf, page_sz + 1,
					     1));
}

/* Two IOAS_MAP calls on the same memory are independent */
TEST_F(pages, separate_maps_pin_separately)
{
	__u64 iova1, iova2, unmapped;

	ASSERT_OK(ifd_map(self->fd, self->ioas_id, self->buf, self->buf_size,
			  &iova1));
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, self->buf, self->buf_size,
			  &iova2));
	ASSERT_NE(iova1, iova2);
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, iova1, self->buf,
				 self->buf_size));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, iova2, self->buf,
				 self->buf_size));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 2));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova1, self->buf_size,
			    &unmapped));
	ASSERT_EQ(self->buf_size, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova2, self->buf_size,
			    NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

/* IOAS_COPY reuses the pins of its source */
TEST_F(pages, copy_shares_pins)
{
	__u32 ioas2, hwpt2;
	__u64 c1, c2;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(mock_domain(self->fd, ioas2, NULL, &hwpt2, NULL));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->base));
	ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &c1, self->ioas_id,
			   self->base, self->buf_size, MAP_RW));
	ASSERT_OK(ifd_copy(self->fd, ioas2, &c2, self->ioas_id, self->base,
			   self->buf_size, MAP_RW));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, c1, self->buf,
				 self->buf_size));
	ASSERT_OK(mock_check_map(self->fd, hwpt2, c2, self->buf,
				 self->buf_size));

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base,
			    self->buf_size, NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, c1, self->buf_size,
			    NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	ASSERT_OK(mock_check_map(self->fd, hwpt2, c2, self->buf,
				 self->buf_size));
	ASSERT_OK(ifd_unmap(self->fd, ioas2, c2, self->buf_size, NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

/* Never-touched memory is faulted in; the DMA view is the CPU view */
TEST_F(pages, faults_in_missing_pages)
{
	size_t len = 8 * page_sz;
	char *buf;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, len, MADV_NOHUGEPAGE);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, len,
				self->base));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base, buf,
				 len));
	memset(buf, 0x5a, len);
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base, buf,
				 len));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	munmap(buf, len);
}

/*
 * Present memory is pinned and mapped in one pass; when a page further on
 * is not present that pass is undone and the pages are faulted in and
 * mapped the usual way.  With the small temporary limits the one pass has
 * mapped several batches by then.
 */
TEST_F(pages, partly_present_memory)
{
	size_t len = 64 * page_sz, off = page_sz / 2;
	__u64 unmapped;
	unsigned int i;
	char *buf;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, len, MADV_NOHUGEPAGE);
	/* Present, except pages 40 and 41 */
	for (i = 0; i != 64; i++)
		if (i != 40 && i != 41)
			buf[i * page_sz] = i;
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + off, len - off,
				self->base + off));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base + off,
				 buf + off, len - off));
	memset(buf, 0x5a, len);
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base + off,
				 buf + off, len - off));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(len - off, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 0));

	/* All present now: the one pass, from a page that is not aligned */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf + off, len - off,
				self->base + off));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base + off,
				 buf + off, len - off));
	munmap(buf, len);
}

/*
 * A read-only DMA mapping of private memory must pin the page the process
 * will keep: a later CPU write may not move the process to another page.
 * Here the pages are shared copy-on-write with a child when they are pinned.
 */
TEST_F(pages, readonly_pin_breaks_cow)
{
	size_t len = 4 * page_sz;
	int pipefd[2];
	char *buf, c;
	pid_t pid;

	buf = buf_alloc(len, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Keep the pages shared until the parent is done */
		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	ASSERT_OK(ifd_map_flags(self->fd, self->ioas_id, buf, len,
				&self->base,
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	memset(buf, 2, len);
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base, buf,
				 len));
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	ASSERT_EQ(0, wait_child(pid));
	close(pipefd[1]);
	munmap(buf, len);
}

/* The same for memory never touched before (the shared zero page) */
TEST_F(pages, readonly_pin_of_untouched_memory)
{
	size_t len = 4 * page_sz;
	char *buf;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, len, MADV_NOHUGEPAGE);
	ASSERT_OK(ifd_map_flags(self->fd, self->ioas_id, buf, len,
				&self->base,
				IOMMU_IOAS_MAP_READABLE |
				IOMMU_IOAS_MAP_FIXED_IOVA));
	memset(buf, 2, len);
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base, buf,
				 len));
	munmap(buf, len);
}

/* Pages in reverse physical order, one area each, unmapped in one go */
TEST_F(pages, scattered_pages)
{
	size_t len = 256 * page_sz;
	__u64 unmapped;
	unsigned int i;
	char *buf;

	buf = buf_alloc(len, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	/* Interleave two halves so no two neighbouring IOVAs are contiguous */
	for (i = 0; i != 256; i++) {
		size_t src = (i % 2) ? 128 + i / 2 : i / 2;

		ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
					buf + src * page_sz, page_sz,
					self->base + i * page_sz));
	}
	for (i = 0; i != 256; i++) {
		size_t src = (i % 2) ? 128 + i / 2 : i / 2;

		ASSERT_OK(mock_check_map(self->fd, self->hwpt_id,
					 self->base + i * page_sz,
					 buf + src * page_sz, page_sz));
	}
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, self->base, len,
			    &unmapped));
	ASSERT_EQ(len, unmapped);
	ASSERT_OK(mock_check_refs(self->fd, buf, len, 0));
	munmap(buf, len);
}

/* Start of the first mapping named @name in /proc/self/maps, or NULL */
static void *find_special_mapping(const char *name)
{
	unsigned long start, end;
	char line[256];
	void *found = NULL;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f))
		if (strstr(line, name) &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2)
			found = (void *)start;
	fclose(f);
	return found;
}

/* Memory without struct pages behind it (VM_PFNMAP) cannot be pinned */
TEST_F(pages, pfnmap_refused)
{
	void *vvar = find_special_mapping("[vvar]");

	if (!vvar)
		SKIP(return, "no [vvar] mapping");
	ASSERT_ERRNO(EFAULT, ifd_map_flags(self->fd, self->ioas_id, vvar,
					   page_sz, &self->base,
					   IOMMU_IOAS_MAP_READABLE |
					   IOMMU_IOAS_MAP_FIXED_IOVA));
	/* Nothing is left: the IOVA is free again */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				self->base));
}

/* ---------------------------------------------------------------------- */
/* Huge pages                                                              */
/* ---------------------------------------------------------------------- */

/* kB of AnonHugePages in the VMA containing @addr */
static size_t anon_huge_kb(const void *addr)
{
	unsigned long start, end;
	size_t kb = 0;
	bool in = false;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = (uintptr_t)addr >= start && (uintptr_t)addr < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %zu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/*
 * Map a huge-page backed buffer whole, as sub-ranges starting and ending
 * inside huge pages, and across a huge page boundary; every domain view must
 * match and the data must be intact afterwards.
 */
static void huge_buffer_checks(struct __test_metadata *_metadata,
			       struct _test_data_pages *self, char *buf,
			       size_t hsize)
{
	__u64 b = self->base, iova, unmapped, total = 0;
	size_t len = 2 * hsize;
	__u32 hwpt2;

	pattern_fill(buf, len, 3);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, len, b));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, b, buf, len));
	total += len;

	/* Starts half way into the first huge page, ends in the second */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id,
				buf + hsize / 2 + page_sz, hsize,
				b + 4 * hsize + page_sz));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id,
				 b + 4 * hsize + page_sz,
				 buf + hsize / 2 + page_sz, hsize));
	total += hsize;

	/* Two pages straddling the boundary, automatic IOVA */
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, buf + hsize - page_sz,
			  2 * page_sz, &iova));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, iova,
				 buf + hsize - page_sz, 2 * page_sz));
	total += 2 * page_sz;

	/* A single small IO page in the middle of the second huge page */
	ASSERT_OK(ifd_map(self->fd, self->ioas_id,
			  buf + hsize + 5 * page_sz + mio_sz, mio_sz, &iova));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, iova,
				 buf + hsize + 5 * page_sz + mio_sz, mio_sz));
	total += mio_sz;

	/* A second domain is filled from the same huge pages */
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt2));
	ASSERT_OK(mock_check_map(self->fd, hwpt2, b, buf, len));
	ASSERT_OK(mock_check_map(self->fd, hwpt2, b + 4 * hsize + page_sz,
				 buf + hsize / 2 + page_sz, hsize));

	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(total, unmapped);
	ASSERT_EQ(-1, pattern_check(buf, len, 3));
}

TEST_F(pages, thp)
{
	size_t len = 2 * THP_SIZE;
	char *buf;

	buf = buf_alloc(len, BUF_THP);
	ASSERT_NE(NULL, buf);
	if (!anon_huge_kb(buf))
		SKIP(return, "no transparent huge pages");
	huge_buffer_checks(_metadata, self, buf, THP_SIZE);
	munmap(buf, len);
}

TEST_F(pages, hugetlb)
{
	size_t hsize = hugetlb_page_size();
	char *buf;

	if (!hsize)
		SKIP(return, "no hugetlbfs");
	buf = buf_alloc(2 * hsize, BUF_HUGETLB);
	if (!buf)
		SKIP(return, "no free hugetlb pages");
	huge_buffer_checks(_metadata, self, buf, hsize);
	munmap(buf, 2 * hsize);
}

/* A shared mapping of a hugetlbfs memfd is pinned through the file */
TEST_F(pages, memfd_hugetlb_shared)
{
	size_t hsize = hugetlb_page_size();
	char *buf;

	if (!hsize)
		SKIP(return, "no hugetlbfs");
	buf = buf_alloc(2 * hsize, BUF_MEMFD_HUGETLB);
	if (!buf)
		SKIP(return, "no free hugetlb pages");
	huge_buffer_checks(_metadata, self, buf, hsize);
	munmap(buf, 2 * hsize);
}

/*
 * A private mapping of a memfd maps the process's own copies of the pages
 * it wrote, not the file's: it must be pinned through its page table, never
 * through the file.
 */
static void memfd_private_checks(struct __test_metadata *_metadata,
				 struct _test_data_pages *self,
				 unsigned int flags, size_t len)
{
	int mfd = syscall(SYS_memfd_create, "iommufd-private", flags);
	char *shared, *priv;

	ASSERT_LE(0, mfd);
	ASSERT_OK(ftruncate(mfd, len));
	shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, shared);
	priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd, 0);
	ASSERT_NE(MAP_FAILED, priv);
	close(mfd);

	pattern_fill(shared, len, 7);
	/* The first half becomes private copies, the second stays the file's */
	pattern_fill(priv, len / 2, 8);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, priv, len,
				self->base));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base, priv,
				 len));
	ASSERT_EQ(-1, pattern_check(shared, len / 2, 7));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	munmap(priv, len);
	munmap(shared, len);
}

TEST_F(pages, memfd_private)
{
	memfd_private_checks(_metadata, self, 0, 16 * page_sz);
}

TEST_F(pages, memfd_hugetlb_private)
{
	size_t hsize = hugetlb_page_size();
	int mfd;

	if (!hsize)
		SKIP(return, "no hugetlbfs");
	hugetlb_reserve(8);
	mfd = syscall(SYS_memfd_create, "iommufd-probe", MFD_HUGETLB);
	if (mfd < 0)
		SKIP(return, "no hugetlbfs memfd");
	close(mfd);
	memfd_private_checks(_metadata, self, MFD_HUGETLB, 2 * hsize);
}

/*
 * Truncating a memfd while its pages are mapped for DMA takes them out of
 * the file, but the pins keep them: what the IOAS reads is still what was
 * written, and unmapping afterwards releases exactly the pins taken.
 */
static void memfd_truncate_checks(struct __test_metadata *_metadata,
				  struct _test_data_pages *self,
				  unsigned int flags, size_t len)
{
	int mfd = syscall(SYS_memfd_create, "iommufd-truncate", flags);
	char *buf, *check;
	__u64 unmapped;
	int afd;

	ASSERT_LE(0, mfd);
	ASSERT_OK(ftruncate(mfd, len));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	check = malloc(len);
	ASSERT_NE(NULL, check);
	pattern_fill(buf, len, 9);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, len,
				self->base));
	if (!(flags & MFD_HUGETLB))
		ASSERT_OK(mock_check_refs(self->fd, buf, len, 1));

	ASSERT_OK(ftruncate(mfd, 0));
	close(mfd);
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &afd));
	ASSERT_OK(mock_access_rw(self->fd, afd, self->base, check, len,
				 MOCK_ACCESS_RW_SLOW_PATH));
	ASSERT_EQ(-1, pattern_check(check, len, 9));
	close(afd);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(len, unmapped);
	munmap(buf, len);
	free(check);
}

TEST_F(pages, memfd_truncated_while_mapped)
{
	memfd_truncate_checks(_metadata, self, 0, 16 * page_sz);
}

TEST_F(pages, memfd_hugetlb_truncated_while_mapped)
{
	size_t hsize = hugetlb_page_size();
	int mfd;

	if (!hsize)
		SKIP(return, "no hugetlbfs");
	hugetlb_reserve(8);
	mfd = syscall(SYS_memfd_create, "iommufd-probe", MFD_HUGETLB);
	if (mfd < 0)
		SKIP(return, "no hugetlbfs memfd");
	close(mfd);
	memfd_truncate_checks(_metadata, self, MFD_HUGETLB, 2 * hsize);
}

/* ---------------------------------------------------------------------- */
/* fork() and processes that go away                                       */
/* ---------------------------------------------------------------------- */

/*
 * After fork the parent's DMA view must keep following the parent's memory:
 * pinned pages are not shared copy-on-write with the child.
 */
TEST_F(pages, fork_parent_stays_coherent)
{
	size_t len = self->buf_size;
	char *check;
	int access_fd;
	pid_t pid;

	check = malloc(len);
	ASSERT_NE(NULL, check);
	pattern_fill(self->buf, len, 1);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, len,
				self->base));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &access_fd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child writes its copy, then looks through the IOAS */
		pattern_fill(self->buf, len, 2);
		if (mock_access_rw(self->fd, access_fd, self->base, check, len,
				   0))
			_exit(1);
		if (pattern_check(check, len, 1) != -1)
			_exit(2);
		_exit(pattern_check(self->buf, len, 2) != -1 ? 3 : 0);
	}
	ASSERT_EQ(0, wait_child(pid));

	ASSERT_EQ(-1, pattern_check(self->buf, len, 1));
	ASSERT_OK(mock_access_rw(self->fd, access_fd, self->base, check, len,
				 0));
	ASSERT_EQ(-1, pattern_check(check, len, 1));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->base,
				 self->buf, len));

	/* Parent CPU writes are seen through the IOAS and vice versa */
	pattern_fill(self->buf, len, 4);
	ASSERT_OK(mock_access_rw(self->fd, access_fd, self->base, check, len,
				 0));
	ASSERT_EQ(-1, pattern_check(check, len, 4));
	pattern_fill(check, len, 5);
	ASSERT_OK(mock_access_rw(self->fd, access_fd, self->base, check, len,
				 MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ(-1, pattern_check(self->buf, len, 5));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, len, 1));

	close(access_fd);
	free(check);
}

/* A child maps its own memory into @ioas at @iova and exits */
static int child_maps_and_exits(int fd, __u32 ioas, __u64 iova, size_t len,
				unsigned int seed)
{
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		char *mem = buf_alloc(len, BUF_SMALL);

		if (!mem)
			_exit(1);
		pattern_fill(mem, len, seed);
		_exit(ifd_map_fixed(fd, ioas, mem, len, iova) ? 2 : 0);
	}
	return wait_child(pid);
}

/* Pages pinned for a process that exited keep working */
TEST_F(pages, mapping_process_exited_pinned)
{
	size_t len = 8 * page_sz;
	__u64 unmapped;
	__u32 hwpt2;
	int access_fd;
	char *check;

	check = malloc(len);
	ASSERT_NE(NULL, check);
	ASSERT_EQ(0, child_maps_and_exits(self->fd, self->ioas_id, self->base,
					  len, 7));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &access_fd));

	ASSERT_OK(mock_access_rw(self->fd, access_fd, self->base, check, len,
				 0));
	ASSERT_EQ(-1, pattern_check(check, len, 7));
	memset(check, 0, len);
	ASSERT_OK(mock_access_rw(self->fd, access_fd, self->base, check, len,
				 MOCK_ACCESS_RW_SLOW_PATH));
	ASSERT_EQ(-1, pattern_check(check, len, 7));

	/* Writes land in the pinned pages and can be read back */
	pattern_fill(check, len, 8);
	ASSERT_OK(mock_access_rw(self->fd, access_fd, self->base + 3,
				 check, len - 3,
				 MOCK_ACCESS_RW_WRITE |
				 MOCK_ACCESS_RW_SLOW_PATH));
	memset(check, 0, len);
	ASSERT_OK(mock_access_rw(self->fd, access_fd, self->base + 3, check,
				 len - 3, 0));
	ASSERT_EQ(-1, pattern_check(check, len - 3, 8));

	/* A new domain is filled from the pages already pinned */
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt2));
	ASSERT_OK(ifd_destroy(self->fd, hwpt2));

	close(access_fd);
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	ASSERT_EQ(len, unmapped);
	free(check);
}

/* Pages never pinned for a process that exited cannot be pinned any more */
TEST_F(pages, mapping_process_exited_unpinned)
{
	size_t len = 8 * page_sz;
	__u32 ioas2, pages_id;
	__u64 unmapped;
	int access_fd;
	char *check;

	check = malloc(len);
	ASSERT_NE(NULL, check);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, child_maps_and_exits(self->fd, ioas2, self->base, len,
					  9));

	ASSERT_ERRNO(EFAULT, mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	ASSERT_OK(mock_access_create(self->fd, ioas2,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &access_fd));
	ASSERT_EQ(-1, mock_access_pages(self->fd, access_fd, 0, self->base,
					page_sz, NULL, &pages_id));
	ASSERT_EQ(-1, mock_access_rw(self->fd, access_fd, self->base, check,
				     len, 0));
	close(access_fd);

	/* Failed attempts left nothing behind: the IOAS is fully usable */
	ASSERT_OK(ifd_unmap(self->fd, ioas2, 0, UINT64_MAX, &unmapped));
	ASSERT_EQ(len, unmapped);
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->buf, self->buf_size,
				self->base));
	ASSERT_OK(mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));
	free(check);
}

/* ---------------------------------------------------------------------- */
/* The temporary page array                                                */
/* ---------------------------------------------------------------------- */

/*
 * fail_page_alloc set to fail the first allocation of order 4 or more
 * (64 KiB with 4 KiB pages) of the tasks marked make-it-fail, once.  Slab
 * pages are at most order 3, so only large kmalloc()s are hit.  The other
 * attributes stay as fault_inject_configure() leaves them: inert.
 */
static const char *const fpa_settings[][2] = {
	{ "min-order", "4" },
	{ "probability", "100" },
	{ "times", "1" },
};

FIXTURE(page_array) {
	struct fault_inject fi;
	int fd;
	__u32 ioas_id;
	__u32 hwpt_id;
	void *buf;
	size_t len;
};

FIXTURE_SETUP(page_array)
{
	unsigned int i;

	fault_inject_init(&self->fi);
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	if (!fault_inject_available("fail_page_alloc"))
		SKIP(return, "no " FAULT_INJECT_DEBUGFS "/fail_page_alloc");
	ASSERT_OK(fault_inject_open(&self->fi));

	ASSERT_OK(mock_set_temp_memory_limit(self->fd,
					     MOCK_TEMP_MEMORY_LIMIT_DEFAULT));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL, &self->hwpt_id,
			      NULL));
	/* Enough pages for a whole 64 KiB array of page pointers */
	self->len = MOCK_TEMP_MEMORY_LIMIT_DEFAULT / sizeof(void *) * page_sz;
	self->buf = buf_alloc(self->len, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);

	/* Last: the teardown, which restores it, skips a failed setup */
	ASSERT_OK(fault_inject_configure(&self->fi));
	for (i = 0; i != ARRAY_SIZE(fpa_settings); i++)
		ASSERT_EQ(0, fault_inject_write("fail_page_alloc",
						fpa_settings[i][0],
						fpa_settings[i][1])) {
			fault_inject_restore(&self->fi);
		}
}

FIXTURE_TEARDOWN(page_array)
{
	fault_inject_restore(&self->fi);
	if (self->buf)
		munmap(self->buf, self->len);
	if (self->fd >= 0)
		close(self->fd);
}

/* A map whose first page array allocation fails pins with smaller ones */
TEST_F(page_array, smaller_after_failure)
{
	char times[32];

	ASSERT_OK(fault_inject_make_it_fail(&self->fi, true));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, self->len,
				MOCK_APERTURE_START));
	ASSERT_OK(fault_inject_make_it_fail(&self->fi, false));
	/* The failure was injected */
	ASSERT_LT(0, file_read_str(FAULT_INJECT_DEBUGFS "/fail_page_alloc/times",
				   times, sizeof(times)));
	EXPECT_EQ(0, atoi(times));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, MOCK_APERTURE_START,
				 self->buf, self->len));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->len, 1));
}

TEST_HARNESS_MAIN
