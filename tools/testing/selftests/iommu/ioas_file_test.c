// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_CHANGE_PROCESS: mappings of shmem and
 * hugetlb memfds pinned through the file (never through the caller's
 * memory), every errno of both commands, the data seen through mock
 * domains and accesses, truncation, accounting exactly like IOAS_MAP, and
 * the accounting moved to a process the iommufd is handed to.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/resource.h>

#include "iommu_test_utils.h"

#define NPAGES 8

static int memfd_new(size_t size, unsigned int flags)
{
	int fd = syscall(SYS_memfd_create, "ioas-file-test", flags);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int ifd_map_file(int fd, __u32 ioas_id, int mfd, __u64 start,
			__u64 length, __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map_file req = {
		.size = sizeof(req),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = mfd,
		.start = start,
		.length = length,
		.iova = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? *iova : 0,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_MAP_FILE, &req);
	if (!rc && iova)
		*iova = req.iova;
	return rc;
}

static int ifd_change_process(int fd)
{
	struct iommu_ioas_change_process req = { .size = sizeof(req) };

	return ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &req);
}

/* Fill the file through write(), so the caller never maps it */
static int memfd_fill(int mfd, size_t len, unsigned int seed)
{
	char *tmp = malloc(len);
	ssize_t n;

	if (!tmp)
		return -1;
	pattern_fill(tmp, len, seed);
	n = pwrite(mfd, tmp, len, 0);
	free(tmp);
	return n == (ssize_t)len ? 0 : -1;
}

FIXTURE(map_file) {
	int fd;
	__u32 ioas_id;
	__u32 hwpt_id;
	int mfd;
	size_t size;
};

FIXTURE_VARIANT(map_file) {
	bool domain;
};

FIXTURE_VARIANT_ADD(map_file, no_domain) {
	.domain = false,
};

FIXTURE_VARIANT_ADD(map_file, mock_domain) {
	.domain = true,
};

FIXTURE_SETUP(map_file)
{
	/* Automatic IOVA inside the mock aperture, for domains added later */
	struct iommu_iova_range aperture = {
		.start = MOCK_APERTURE_START,
		.last = MOCK_APERTURE_LAST,
	};

	self->mfd = -1;
	if (!mock_fixture_open(_metadata, &self->fd, 0, &self->ioas_id))
		return;
	ASSERT_OK(ifd_allow_iovas(self->fd, self->ioas_id, &aperture, 1));
	if (variant->domain)
		ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL,
				      &self->hwpt_id, NULL));
	self->size = NPAGES * page_sz;
	self->mfd = memfd_new(self->size, 0);
	ASSERT_LE(0, self->mfd);
	ASSERT_OK(memfd_fill(self->mfd, self->size, 7));
}

FIXTURE_TEARDOWN(map_file)
{
	if (self->mfd >= 0)
		close(self->mfd);
	mock_fixture_close(self->fd, 0);
}

/* The size rules of the common header, flags, IDs and object types */
TEST_F(map_file, command_errnos)
{
	struct {
		struct iommu_ioas_map_file cmd;
		__u64 extra;
	} big = {};
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = MAP_RW,
		.ioas_id = self->ioas_id,
		.fd = self->mfd,
		.length = page_sz,
	};
	__u32 stdev_id, hwpt_id;

	/* A domain first: later maps land in its aperture */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
			      NULL));
	cmd.size = 39;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.size = sizeof(cmd);

	big.cmd = cmd;
	big.cmd.size = sizeof(big);
	big.extra = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &big));
	big.extra = 0;
	EXPECT_OK(ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &big));

	cmd.flags = MAP_RW | (1 << 3);
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	cmd.iova = MOCK_APERTURE_START;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.flags = MAP_RW;

	cmd.ioas_id = 0;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.ioas_id = 0xfffff;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	/* A HWPT and a device are not IOASes */
	cmd.ioas_id = hwpt_id;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.ioas_id = stdev_id;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
	cmd.ioas_id = self->ioas_id;
	EXPECT_OK(ioctl(self->fd, IOMMU_IOAS_MAP_FILE, &cmd));
}

/* Ranges: empty, beyond the end, wrapping, and fixed IOVA rules */
TEST_F(map_file, range_errnos)
{
	__u64 iova = MOCK_APERTURE_START;

	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, self->mfd,
					  0, 0, &iova, MAP_RW));
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, self->mfd,
					  0, self->size + page_sz, &iova,
					  MAP_RW));
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, self->mfd,
					  self->size, page_sz, &iova, MAP_RW));
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, self->mfd,
					  page_sz, self->size, &iova, MAP_RW));
	/* start + length wraps */
	EXPECT_ERRNO(EOVERFLOW,
		     ifd_map_file(self->fd, self->ioas_id, self->mfd,
				  -(__u64)page_sz, 2 * page_sz, &iova,
				  MAP_RW));
	EXPECT_ERRNO(EOVERFLOW,
		     ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
				  UINT64_MAX, &iova, MAP_RW));
	iova = UINT64_MAX;
	EXPECT_ERRNO(EOVERFLOW,
		     ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
				  page_sz, &iova,
				  MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	/* The whole file, then a fixed overlap */
	iova = MOCK_APERTURE_START;
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
			       self->size, &iova,
			       MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_ERRNO(EEXIST, ifd_map_file(self->fd, self->ioas_id, self->mfd,
					  0, page_sz, &iova,
					  MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	/* Truncated below the range: refused */
	ASSERT_OK(ftruncate(self->mfd, 2 * page_sz));
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, self->mfd,
					  page_sz, 2 * page_sz, NULL, MAP_RW));
	EXPECT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, page_sz,
			       page_sz, NULL, MAP_RW));
}

/* Descriptors that are not a memfd, closed ones, read-only ones */
TEST_F(map_file, fd_errnos)
{
	char path[64];
	int pipefd[2];
	int nfd, rofd;

	ASSERT_OK(pipe(pipefd));
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, pipefd[0],
					  0, page_sz, NULL, MAP_RW));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_ERRNO(EBADF, ifd_map_file(self->fd, self->ioas_id, pipefd[0],
					 0, page_sz, NULL, MAP_RW));
	EXPECT_ERRNO(EBADF, ifd_map_file(self->fd, self->ioas_id, -1, 0,
					 page_sz, NULL, MAP_RW));

	nfd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, nfd);
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, nfd, 0,
					  page_sz, NULL, MAP_RW));
	close(nfd);
	/* A regular file of procfs */
	nfd = open("/proc/self/status", O_RDONLY);
	ASSERT_LE(0, nfd);
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, nfd, 0,
					  page_sz, NULL,
					  IOMMU_IOAS_MAP_READABLE));
	close(nfd);
	/* The iommufd itself */
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, self->fd,
					  0, page_sz, NULL, MAP_RW));

	/* The memfd opened read-only: readable mappings only */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->mfd);
	rofd = open(path, O_RDONLY);
	ASSERT_LE(0, rofd);
	EXPECT_ERRNO(EPERM, ifd_map_file(self->fd, self->ioas_id, rofd, 0,
					 page_sz, NULL, MAP_RW));
	EXPECT_OK(ifd_map_file(self->fd, self->ioas_id, rofd, 0, page_sz,
			       NULL, IOMMU_IOAS_MAP_READABLE));
	close(rofd);
}

/*
 * The file is never mapped by the caller: an access reads what was
 * written through write() and its writes show in read(); the mock domain
 * maps the file's pages (checked against a mapping made afterwards).
 */
TEST_F(map_file, data_without_any_vma)
{
	char *rd = malloc(self->size), *wr = malloc(self->size);
	__u64 iova;
	void *map;
	int afd;

	ASSERT_NE(NULL, rd);
	ASSERT_NE(NULL, wr);
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
			       self->size, &iova, MAP_RW));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &afd));
	ASSERT_OK(mock_access_rw(self->fd, afd, iova, rd, self->size, 0));
	EXPECT_EQ(-1, pattern_check(rd, self->size, 7));

	pattern_fill(wr, self->size, 9);
	ASSERT_OK(mock_access_rw(self->fd, afd, iova + 100, wr, 3 * page_sz,
				 MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ((ssize_t)(3 * page_sz),
		  pread(self->mfd, rd, 3 * page_sz, 100));
	EXPECT_EQ(0, memcmp(rd, wr, 3 * page_sz));

	if (variant->domain) {
		map = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->mfd,
			   0);
		ASSERT_NE(MAP_FAILED, map);
		EXPECT_OK(mock_check_map(self->fd, self->hwpt_id, iova, map,
					 self->size));
		/* The caller's mapping goes; the IOMMU mapping stays */
		munmap(map, self->size);
		ASSERT_OK(mock_access_rw(self->fd, afd, iova + 100, rd,
					 3 * page_sz, 0));
		EXPECT_EQ(0, memcmp(rd, wr, 3 * page_sz));
	}
	close(afd);
	free(rd);
	free(wr);
}

/*
 * Write seals: a write-sealed memfd maps readable only (EPERM, as a
 * writable shared mmap() would be refused), and while a writeable mapping
 * exists F_SEAL_WRITE cannot be added (EBUSY), whether its pages are
 * pinned yet or not; once it is unmapped the seal goes on.
 */
TEST_F(map_file, write_seals)
{
	int sfd = syscall(SYS_memfd_create, "ioas-file-seal",
			  MFD_ALLOW_SEALING);
	__u64 iova;

	ASSERT_LE(0, sfd);
	ASSERT_OK(ftruncate(sfd, 2 * page_sz));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, sfd, 0, page_sz,
			       &iova, MAP_RW));
	EXPECT_ERRNO(EBUSY, fcntl(sfd, F_ADD_SEALS, F_SEAL_WRITE));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova, page_sz, NULL));
	ASSERT_OK(fcntl(sfd, F_ADD_SEALS, F_SEAL_WRITE));

	EXPECT_ERRNO(EPERM, ifd_map_file(self->fd, self->ioas_id, sfd, 0,
					 page_sz, NULL, MAP_RW));
	EXPECT_ERRNO(EPERM, ifd_map_file(self->fd, self->ioas_id, sfd, 0,
					 page_sz, NULL,
					 IOMMU_IOAS_MAP_WRITEABLE));
	EXPECT_OK(ifd_map_file(self->fd, self->ioas_id, sfd, 0, 2 * page_sz,
			       NULL, IOMMU_IOAS_MAP_READABLE));
	close(sfd);
}

/*
 * F_SEAL_FUTURE_WRITE forbids new writable mappings (a shared writable
 * mmap() fails with EPERM) but not the ones that exist: a writeable
 * MAP_FILE made after it is refused likewise, readable ones are allowed,
 * and one made before it keeps working and does not stop the seal.
 */
TEST_F(map_file, future_write_seal)
{
	int sfd = syscall(SYS_memfd_create, "ioas-file-fseal",
			  MFD_ALLOW_SEALING);
	__u64 iova, iova2;

	ASSERT_LE(0, sfd);
	ASSERT_OK(ftruncate(sfd, 2 * page_sz));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, sfd, 0, page_sz,
			       &iova, MAP_RW));
	ASSERT_OK(fcntl(sfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
				   MAP_SHARED, sfd, 0));
	EXPECT_ERRNO(EPERM, ifd_map_file(self->fd, self->ioas_id, sfd, 0,
					 page_sz, NULL, MAP_RW));
	EXPECT_ERRNO(EPERM, ifd_map_file(self->fd, self->ioas_id, sfd,
					 page_sz, page_sz, NULL,
					 IOMMU_IOAS_MAP_WRITEABLE));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, sfd, 0, 2 * page_sz,
			       &iova2, IOMMU_IOAS_MAP_READABLE));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova2, 2 * page_sz,
			    NULL));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova, page_sz, NULL));
	close(sfd);
}

/* ACCESS_PAGES pins the file's pages; a domain attached later maps them */
TEST_F(map_file, access_pages_and_late_domain)
{
	__u32 pages_id, hwpt_id;
	__u64 iova;
	void *map;
	int afd;

	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, page_sz,
			       4 * page_sz, &iova, MAP_RW));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &afd));
	map = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->mfd, 0);
	ASSERT_NE(MAP_FAILED, map);
	/* The mock compares the pinned pages with those behind the VA */
	ASSERT_OK(mock_access_pages(self->fd, afd, MOCK_FLAGS_ACCESS_WRITE,
				    iova, 4 * page_sz, (char *)map + page_sz,
				    &pages_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL, &hwpt_id, NULL));
	EXPECT_OK(mock_check_map(self->fd, hwpt_id, iova,
				 (char *)map + page_sz, 4 * page_sz));
	EXPECT_OK(mock_access_unpin(self->fd, afd, pages_id));
	munmap(map, self->size);
	close(afd);
}

/* Copies share the pins; unmapping the original leaves the copy working */
TEST_F(map_file, copy_and_unmap)
{
	char *rd = malloc(self->size);
	__u64 iova, dst_iova;
	__u32 ioas2;
	int afd;

	ASSERT_NE(NULL, rd);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
			       self->size, &iova, MAP_RW));
	ASSERT_OK(ifd_copy(self->fd, ioas2, &dst_iova, self->ioas_id, iova,
			   self->size, MAP_RW));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova, self->size, NULL));
	ASSERT_OK(mock_access_create(self->fd, ioas2, 0, &afd));
	ASSERT_OK(mock_access_rw(self->fd, afd, dst_iova, rd, self->size, 0));
	EXPECT_EQ(-1, pattern_check(rd, self->size, 7));
	close(afd);
	ASSERT_OK(ifd_unmap(self->fd, ioas2, dst_iova, self->size, NULL));
	free(rd);
}

/*
 * Truncation after mapping: pinned pages stay pinned and keep the data
 * they had (the domain and accesses see it); pins made afterwards beyond
 * the new end fail with EINVAL.
 */
TEST_F(map_file, truncate_after_map)
{
	char *rd = malloc(self->size);
	__u64 iova;
	int afd;

	ASSERT_NE(NULL, rd);
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
			       self->size, &iova, MAP_RW));
	ASSERT_OK(ftruncate(self->mfd, 0));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &afd));
	if (variant->domain) {
		ASSERT_OK(mock_access_rw(self->fd, afd, iova, rd, self->size,
					 0));
		EXPECT_EQ(-1, pattern_check(rd, self->size, 7));
	} else {
		EXPECT_ERRNO(EINVAL, mock_access_rw(self->fd, afd, iova, rd,
						    page_sz, 0));
		EXPECT_ERRNO(EINVAL, mock_domain(self->fd, self->ioas_id, NULL,
						 NULL, NULL));
	}
	close(afd);
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova, self->size, NULL));
	free(rd);
}

/* A hugetlb memfd: whole huge folios, offsets inside one */
TEST_F(map_file, hugetlb_memfd)
{
	size_t hsz = hugetlb_page_size();
	__u32 hwpt_id;
	__u64 iova;
	char *map;
	int hfd;

	if (!hsz)
		SKIP(return, "no hugetlb page size");
	hugetlb_reserve(4);
	hfd = memfd_new(2 * hsz, MFD_HUGETLB);
	if (hfd < 0)
		SKIP(return, "MFD_HUGETLB memfd: %s", strerror(errno));
	map = mmap(NULL, 2 * hsz, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
	if (map == MAP_FAILED) {
		close(hfd);
		SKIP(return, "no free hugetlb pages");
	}
	pattern_fill(map, 2 * hsz, 3);

	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, hfd, 0, 2 * hsz,
			       &iova, MAP_RW));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, hfd, hsz - page_sz,
			       2 * page_sz, NULL, MAP_RW));
	EXPECT_ERRNO(EINVAL, ifd_map_file(self->fd, self->ioas_id, hfd, hsz,
					  hsz + page_sz, NULL, MAP_RW));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL, &hwpt_id, NULL));
	EXPECT_OK(mock_check_map(self->fd, hwpt_id, iova, map, 2 * hsz));
	munmap(map, 2 * hsz);
	close(hfd);
}

/* ------------------------------------------------------------------ */
/* Accounting and IOAS_CHANGE_PROCESS                                   */
/* ------------------------------------------------------------------ */

/* Give up CAP_IPC_LOCK and limit RLIMIT_MEMLOCK to @pages pages */
static int limit_locked(size_t pages)
{
	struct rlimit lim = {
		.rlim_cur = pages * page_sz,
		.rlim_max = pages * page_sz,
	};

	if (drop_capability(CAP_IPC_LOCK))
		return -1;
	return setrlimit(RLIMIT_MEMLOCK, &lim);
}

/* A context charging per process (VmLck shows it) with a mock domain */
static int acct_open(__u32 *ioas_id)
{
	int fd = ifd_open();

	if (fd < 0)
		return -1;
	if (ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1) ||
	    ifd_ioas_alloc(fd, ioas_id) ||
	    mock_domain(fd, *ioas_id, NULL, NULL, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE(file_acct) {
	int fd;
	__u32 ioas_id;
	int mfd;
	long lck;
};

FIXTURE_SETUP(file_acct)
{
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	close(self->fd);
	self->fd = acct_open(&self->ioas_id);
	ASSERT_LE(0, self->fd);
	ASSERT_OK(limit_locked(4 * NPAGES));
	self->mfd = memfd_new(2 * NPAGES * page_sz, 0);
	ASSERT_LE(0, self->mfd);
	self->lck = proc_status_pages("VmLck");
	ASSERT_LE(0, self->lck);
}

FIXTURE_TEARDOWN(file_acct)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mfd >= 0)
		close(self->mfd);
}

/* One charge per CPU page pinned, like IOAS_MAP; copies charge nothing */
TEST_F(file_acct, charged_like_map)
{
	size_t len = NPAGES * page_sz;
	__u64 iova, iova2;

	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0, len,
			       &iova, MAP_RW));
	EXPECT_EQ(self->lck + NPAGES, proc_status_pages("VmLck"));
	ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &iova2, self->ioas_id,
			   iova, len, MAP_RW));
	EXPECT_EQ(self->lck + NPAGES, proc_status_pages("VmLck"));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova, len, NULL));
	EXPECT_EQ(self->lck + NPAGES, proc_status_pages("VmLck"));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova2, len, NULL));
	EXPECT_EQ(self->lck, proc_status_pages("VmLck"));

	/* Beyond RLIMIT_MEMLOCK (4 * NPAGES pages) */
	ASSERT_OK(ftruncate(self->mfd, 5 * len));
	EXPECT_ERRNO(ENOMEM, ifd_map_file(self->fd, self->ioas_id, self->mfd,
					  0, 5 * len, NULL, MAP_RW));
	EXPECT_EQ(self->lck, proc_status_pages("VmLck"));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0, len,
			       NULL, MAP_RW));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(self->lck, proc_status_pages("VmLck"));
}

TEST_F(file_acct, change_process_errnos)
{
	struct {
		struct iommu_ioas_change_process cmd;
		__u64 extra;
	} big = { .cmd.size = sizeof(big), .extra = 1 };
	struct iommu_ioas_change_process cmd = { .size = sizeof(cmd) };
	__u32 ioas2;
	void *buf;

	cmd.size = 4;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd));
	cmd.size = sizeof(cmd);
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd));
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &big));
	big.extra = 0;
	/* Nothing mapped, and then only files of the caller: no-ops */
	EXPECT_OK(ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &big));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
			       NPAGES * page_sz, NULL, MAP_RW));
	EXPECT_OK(ifd_change_process(self->fd));
	EXPECT_EQ(self->lck + NPAGES, proc_status_pages("VmLck"));

	/* A mapping of process memory, in another IOAS, refuses it */
	buf = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map(self->fd, ioas2, buf, page_sz, NULL));
	EXPECT_ERRNO(EINVAL, ifd_change_process(self->fd));
	EXPECT_EQ(self->lck + NPAGES, proc_status_pages("VmLck"));
}

/*
 * Take descriptor @nr of the parent into this process: the test kernels
 * have no networking (no unix sockets, so no SCM_RIGHTS); pidfd_getfd()
 * hands a descriptor over to another process just the same.
 */
static int take_parent_fd(int nr)
{
	int pidfd = syscall(SYS_pidfd_open, getppid(), 0);
	int fd;

	if (pidfd < 0)
		return -1;
	fd = syscall(SYS_pidfd_getfd, pidfd, nr, 0);
	close(pidfd);
	return fd;
}

/*
 * The child, forked before the iommufd existed, takes it over from the
 * parent and takes the charge over (or fails to, over its limit with
 * @child_limit): exit status 0 if everything it saw was right.  @in and
 * @out are pipes from and to the parent.
 */
static int handover_child(int in, int out, size_t child_limit,
			  bool expect_ok)
{
	long lck0, lck1;
	char *rd;
	int fd, afd, nr;
	char go;
	__u64 iova;
	__u32 ioas_id;

	if (child_limit && limit_locked(child_limit))
		return 10;
	if (read(in, &nr, sizeof(nr)) != sizeof(nr) ||
	    read(in, &ioas_id, sizeof(ioas_id)) != sizeof(ioas_id) ||
	    read(in, &iova, sizeof(iova)) != sizeof(iova))
		return 11;
	fd = take_parent_fd(nr);
	if (fd < 0)
		return 12;
	lck0 = proc_status_pages("VmLck");
	if (expect_ok) {
		if (ifd_change_process(fd))
			return 13;
		lck1 = proc_status_pages("VmLck");
		if (lck1 != lck0 + NPAGES)
			return 14;
		/* Again: now a no-op */
		if (ifd_change_process(fd) || proc_status_pages("VmLck") != lck1)
			return 15;
	} else {
		if (ifd_change_process(fd) != -1 || errno != ENOMEM)
			return 16;
		if (proc_status_pages("VmLck") != lck0)
			return 17;
	}
	/* Tell the parent to check its own counter, wait for its answer */
	if (write(out, "c", 1) != 1 || read(in, &go, 1) != 1 || go != 'y')
		return 18;

	/* The data is still reachable from here */
	rd = malloc(NPAGES * page_sz);
	if (!rd || mock_access_create(fd, ioas_id, 0, &afd) ||
	    mock_access_rw(fd, afd, iova, rd, NPAGES * page_sz, 0) ||
	    pattern_check(rd, NPAGES * page_sz, 5) != -1)
		return 19;
	close(afd);
	close(fd);
	/* Its charge is released when the pins go: the parent's close */
	return 0;
}

static void handover(struct __test_metadata *_metadata,
		     struct _test_data_file_acct *self, size_t child_limit,
		     bool expect_ok)
{
	int p2c[2], c2p[2];
	__u64 iova;
	pid_t pid;
	char c;

	ASSERT_OK(pipe(p2c));
	ASSERT_OK(pipe(c2p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Only the descriptor taken from the parent is used */
		close(self->fd);
		_exit(handover_child(p2c[0], c2p[1], child_limit, expect_ok));
	}
	close(p2c[0]);
	close(c2p[1]);

	ASSERT_OK(memfd_fill(self->mfd, NPAGES * page_sz, 5));
	ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd, 0,
			       NPAGES * page_sz, &iova, MAP_RW));
	EXPECT_EQ(self->lck + NPAGES, proc_status_pages("VmLck"));
	ASSERT_EQ(sizeof(self->fd),
		  write(p2c[1], &self->fd, sizeof(self->fd)));
	ASSERT_EQ(sizeof(self->ioas_id),
		  write(p2c[1], &self->ioas_id, sizeof(self->ioas_id)));
	ASSERT_EQ(sizeof(iova), write(p2c[1], &iova, sizeof(iova)));
	ASSERT_EQ(1, read(c2p[0], &c, 1));
	EXPECT_EQ(self->lck + (expect_ok ? 0 : NPAGES),
		  proc_status_pages("VmLck"));
	ASSERT_EQ(1, write(p2c[1], "y", 1));
	EXPECT_EQ(0, wait_child(pid));
	close(p2c[1]);
	close(c2p[0]);

	if (expect_ok) {
		/* The parent takes it back */
		EXPECT_OK(ifd_change_process(self->fd));
		EXPECT_EQ(self->lck + NPAGES, proc_status_pages("VmLck"));
	}
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(self->lck, proc_status_pages("VmLck"));
}

TEST_F(file_acct, change_process_handover)
{
	handover(_metadata, self, 0, true);
}

TEST_F(file_acct, change_process_over_limit)
{
	handover(_metadata, self, NPAGES / 2, false);
}

/*
 * Per user (RLIMIT_MODE 0), a process of the same user taking the charges
 * over moves nothing between counters: it must work however close to the
 * limit the user is, and leave exactly the same charge behind.
 */
TEST_F(file_acct, change_process_same_user)
{
	size_t len = 3 * NPAGES * page_sz;
	__u32 ioas_id;
	pid_t pid;
	int fd;

	fd = ifd_open();
	ASSERT_LE(0, fd);
	ASSERT_OK(ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	ASSERT_OK(ifd_ioas_alloc(fd, &ioas_id));
	ASSERT_OK(mock_domain(fd, ioas_id, NULL, NULL, NULL));
	ASSERT_OK(ftruncate(self->mfd, 5 * NPAGES * page_sz));
	/* Three quarters of RLIMIT_MEMLOCK (4 * NPAGES pages) */
	ASSERT_OK(ifd_map_file(fd, ioas_id, self->mfd, 0, len, NULL, MAP_RW));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(ifd_change_process(fd) ? errno : 0);
	EXPECT_EQ(0, wait_child(pid));

	/* Still exactly 3 * NPAGES charged to the user: NPAGES more fit */
	EXPECT_ERRNO(ENOMEM, ifd_map_file(fd, ioas_id, self->mfd, len,
					  NPAGES * page_sz + page_sz, NULL,
					  MAP_RW));
	EXPECT_OK(ifd_map_file(fd, ioas_id, self->mfd, len, NPAGES * page_sz,
			       NULL, MAP_RW));
	close(fd);
}

/*
 * Concurrent moves and maps: a child that shares the iommufd takes the
 * charges over again and again while the parent maps, copies and unmaps
 * the memfd and takes them back now and then.  Every call succeeds, each
 * pin stays charged exactly once, and once everything is unmapped neither
 * process has anything left charged.
 */
TEST_F(file_acct, change_process_races)
{
	int p2c[2], i, status;
	size_t len = NPAGES * page_sz;
	pid_t pid;
	char c;

	ASSERT_OK(pipe(p2c));
	ASSERT_OK(fcntl(p2c[0], F_SETFL, O_NONBLOCK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long lck0 = proc_status_pages("VmLck");
		int calls = 0;

		while (read(p2c[0], &c, 1) != 1) {
			if (ifd_change_process(self->fd))
				_exit(20);
			calls++;
		}
		/* Everything is unmapped now */
		if (proc_status_pages("VmLck") != lck0)
			_exit(21);
		_exit(calls ? 0 : 22);
	}
	for (i = 0; i != 300; i++) {
		__u64 iova, iova2;

		ASSERT_OK(ifd_map_file(self->fd, self->ioas_id, self->mfd,
				       (i % 4) * page_sz, len, &iova, MAP_RW));
		ASSERT_OK(ifd_copy(self->fd, self->ioas_id, &iova2,
				   self->ioas_id, iova + page_sz, page_sz,
				   MAP_RW));
		if (!(i % 7))
			ASSERT_OK(ifd_change_process(self->fd));
		/* The copy keeps a page of the mapping pinned for a while */
		ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova, len, NULL));
		ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, iova2, page_sz,
				    NULL));
	}
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	ASSERT_EQ(1, write(p2c[1], "u", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(self->lck, proc_status_pages("VmLck"));
	close(p2c[0]);
	close(p2c[1]);
}

TEST_HARNESS_MAIN
