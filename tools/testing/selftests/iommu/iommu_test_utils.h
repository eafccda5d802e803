/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the /dev/iommu selftests.
 *
 * Every wrapper below issues exactly one ioctl and returns what ioctl()
 * returned (0, or -1 with errno set), so a test can assert either success or
 * the precise errno of a failure. Output fields are only written back to the
 * caller's variables when the ioctl succeeded.
 *
 * Helpers that take a fixture spell its types out as
 * struct _test_data_<name> and struct _fixture_variant_<name>, the types
 * FIXTURE_DATA(<name>) and FIXTURE_VARIANT(<name>) name: checkpatch
 * misreads the macro forms in parameter lists.
 */
#ifndef __SELFTEST_IOMMU_TEST_UTILS_H
#define __SELFTEST_IOMMU_TEST_UTILS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/memfd.h>
#include <linux/iommufd.h>

#include "../kselftest_harness.h"
#include "../../../../drivers/iommu/iommufd/iommufd_test.h"
#include "file_utils.h"

#define SZ_1M (1UL << 20)
#define SZ_2M (2UL << 20)
#define THP_SIZE SZ_2M

/* Largest length ACCESS_PAGES and ACCESS_RW accept, see the mock spec */
#define MOCK_ACCESS_MAX_LEN (16UL << 20)

/* Minimum sizes of the command structures (first release of each) */
#define MIN_SIZE_TEST_CMD offsetofend(struct iommu_test_cmd, last)

#ifndef offsetofend
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* CPU page size, mock IO page size (PAGE_SIZE / 2), mock huge IO page */
static size_t page_sz;
static size_t mio_sz;
static size_t mhuge_sz;

static void __attribute__((constructor)) iommu_test_utils_init(void)
{
	page_sz = sysconf(_SC_PAGESIZE);
	mio_sz = page_sz / 2;
	mhuge_sz = 512 * mio_sz;
}

/*
 * Assertion helpers. They evaluate @expr once, save errno before anything
 * else can clobber it and print strerror() when a call failed unexpectedly.
 */
#define __CHECK_OK(kind, expr)						\
	do {								\
		int __ok_rc = (expr);					\
		int __ok_errno = errno;					\
		if (__ok_rc)						\
			TH_LOG("%s failed: %s", #expr,			\
			       strerror(__ok_errno));			\
		kind##_EQ(0, __ok_rc);					\
	} while (0)

#define __CHECK_ERRNO(kind, expected_errno, expr)			\
	do {								\
		int __er_rc = (expr);					\
		int __er_errno = errno;					\
		if (__er_rc != -1 || __er_errno != (expected_errno))	\
			TH_LOG("%s: rc %d errno %s, want %s", #expr,	\
			       __er_rc, strerror(__er_errno),		\
			       strerror(expected_errno));		\
		kind##_EQ(-1, __er_rc);					\
		kind##_EQ(expected_errno, __er_errno);			\
	} while (0)

#define ASSERT_OK(expr) __CHECK_OK(ASSERT, expr)
#define EXPECT_OK(expr) __CHECK_OK(EXPECT, expr)
#define ASSERT_ERRNO(expected_errno, expr)				\
	__CHECK_ERRNO(ASSERT, expected_errno, expr)
#define EXPECT_ERRNO(expected_errno, expr)				\
	__CHECK_ERRNO(EXPECT, expected_errno, expr)

/* ---------------------------------------------------------------------- */
/* Generic iommufd ioctls                                                  */
/* ---------------------------------------------------------------------- */

static inline int ifd_open(void)
{
	return open("/dev/iommu", O_RDWR | O_CLOEXEC);
}

static inline int ifd_ioas_alloc(int fd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc req = { .size = sizeof(req) };
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_ALLOC, &req);
	if (!rc && ioas_id)
		*ioas_id = req.out_ioas_id;
	return rc;
}

static inline int ifd_destroy(int fd, __u32 id)
{
	struct iommu_destroy req = { .size = sizeof(req), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &req);
}

/*
 * Map @length bytes at @buf into @ioas_id. With IOMMU_IOAS_MAP_FIXED_IOVA in
 * @flags *@iova is the input IOVA, otherwise it receives the chosen one.
 */
static inline int ifd_map_flags(int fd, __u32 ioas_id, const void *buf,
				size_t length, __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map req = {
		.size = sizeof(req),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = length,
		.iova = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? *iova : 0,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_MAP, &req);
	if (!rc && iova)
		*iova = req.iova;
	return rc;
}

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/* Read/write mapping at a kernel-chosen IOVA */
static inline int ifd_map(int fd, __u32 ioas_id, const void *buf,
			  size_t length, __u64 *iova)
{
	return ifd_map_flags(fd, ioas_id, buf, length, iova, MAP_RW);
}

/* Read/write mapping at a fixed IOVA */
static inline int ifd_map_fixed(int fd, __u32 ioas_id, const void *buf,
				size_t length, __u64 iova)
{
	return ifd_map_flags(fd, ioas_id, buf, length, &iova,
			     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

static inline int ifd_unmap(int fd, __u32 ioas_id, __u64 iova, __u64 length,
			    __u64 *unmapped)
{
	struct iommu_ioas_unmap req = {
		.size = sizeof(req),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_UNMAP, &req);
	if (!rc && unmapped)
		*unmapped = req.length;
	return rc;
}

/*
 * Copy [@src_iova, +@length) of @src_ioas to @dst_ioas. With FIXED_IOVA in
 * @flags *@dst_iova is an input, otherwise it receives the chosen IOVA.
 */
static inline int ifd_copy(int fd, __u32 dst_ioas, __u64 *dst_iova,
			   __u32 src_ioas, __u64 src_iova, __u64 length,
			   __u32 flags)
{
	struct iommu_ioas_copy req = {
		.size = sizeof(req),
		.flags = flags,
		.dst_ioas_id = dst_ioas,
		.src_ioas_id = src_ioas,
		.length = length,
		.dst_iova = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? *dst_iova : 0,
		.src_iova = src_iova,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_COPY, &req);
	if (!rc && dst_iova)
		*dst_iova = req.dst_iova;
	return rc;
}

/*
 * Query the usable IOVA ranges. *@num is the capacity of @ranges on input
 * and the total count on output (also after EMSGSIZE).
 */
static inline int ifd_iova_ranges(int fd, __u32 ioas_id,
				  struct iommu_iova_range *ranges,
				  __u32 *num, __u64 *alignment)
{
	struct iommu_ioas_iova_ranges req = {
		.size = sizeof(req),
		.ioas_id = ioas_id,
		.num_iovas = *num,
		.allowed_iovas = (__u64)(uintptr_t)ranges,
		.out_iova_alignment = UINT64_MAX,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &req);
	if (!rc || errno == EMSGSIZE)
		*num = req.num_iovas;
	if (!rc && alignment)
		*alignment = req.out_iova_alignment;
	return rc;
}

static inline int ifd_allow_iovas(int fd, __u32 ioas_id,
				  const struct iommu_iova_range *ranges,
				  __u32 num)
{
	struct iommu_ioas_allow_iovas req = {
		.size = sizeof(req),
		.ioas_id = ioas_id,
		.num_iovas = num,
		.allowed_iovas = (__u64)(uintptr_t)ranges,
	};

	return ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &req);
}

static inline int ifd_option(int fd, __u32 option_id, __u16 op,
			     __u32 object_id, __u64 *val)
{
	struct iommu_option req = {
		.size = sizeof(req),
		.option_id = option_id,
		.op = op,
		.object_id = object_id,
		.val64 = *val,
	};
	int rc;

	rc = ioctl(fd, IOMMU_OPTION, &req);
	if (!rc)
		*val = req.val64;
	return rc;
}

static inline int ifd_option_set(int fd, __u32 option_id, __u32 object_id,
				 __u64 val)
{
	return ifd_option(fd, option_id, IOMMU_OPTION_OP_SET, object_id, &val);
}

static inline int ifd_option_get(int fd, __u32 option_id, __u32 object_id,
				 __u64 *val)
{
	*val = UINT64_MAX;
	return ifd_option(fd, option_id, IOMMU_OPTION_OP_GET, object_id, val);
}

/* Paging HWPT on @pt_id for @dev_id, @flags of enum iommufd_hwpt_alloc_flags */
static inline int ifd_hwpt_alloc(int fd, __u32 dev_id, __u32 pt_id,
				 __u32 flags, __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc req = {
		.size = sizeof(req),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
	};
	int rc;

	rc = ioctl(fd, IOMMU_HWPT_ALLOC, &req);
	if (!rc && hwpt_id)
		*hwpt_id = req.out_hwpt_id;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* IOMMU_TEST_CMD (mock) wrappers                                          */
/* ---------------------------------------------------------------------- */

/* Issue mock operation @op with the op-specific fields already in *@req */
static inline int mock_cmd(int fd, __u32 op, struct iommu_test_cmd *req)
{
	req->size = sizeof(*req);
	req->op = op;
	return ioctl(fd, IOMMU_TEST_CMD, req);
}

/* True when the kernel dispatches IOMMU_TEST_CMD (CONFIG_IOMMUFD_TEST) */
static inline bool mock_available(int fd)
{
	struct iommu_test_cmd req = {};

	return mock_cmd(fd, 0, &req) == -1 && errno == EOPNOTSUPP;
}

/*
 * Open /dev/iommu for a test that needs the mock.  Return: the fd, or a
 * negative errno: that of open(), or -EOPNOTSUPP for a kernel without
 * CONFIG_IOMMUFD_TEST.  mock_open_error() says which, for SKIP().
 */
static inline int mock_open(void)
{
	int fd = ifd_open();

	if (fd < 0)
		return -errno;
	if (!mock_available(fd)) {
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}

static inline const char *mock_open_error(int rc)
{
	return rc == -EOPNOTSUPP ? "kernel without CONFIG_IOMMUFD_TEST" :
				   strerror(-rc);
}

/*
 * Create a mock device (with @dev_flags when @op is MOCK_DOMAIN_FLAGS), bind
 * it and attach it to @pt_id.  Any of the output pointers may be NULL.
 */
static inline int mock_domain_op(int fd, __u32 op, __u32 pt_id,
				 __u32 dev_flags, __u32 *stdev_id,
				 __u32 *hwpt_id, __u32 *idev_id)
{
	struct iommu_test_cmd req = {
		.id = pt_id,
		.mock_domain_flags.dev_flags = dev_flags,
	};
	int rc;

	rc = mock_cmd(fd, op, &req);
	if (rc)
		return rc;
	if (stdev_id)
		*stdev_id = req.mock_domain.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = req.mock_domain.out_hwpt_id;
	if (idev_id)
		*idev_id = req.mock_domain.out_idev_id;
	return 0;
}

static inline int mock_domain_flags(int fd, __u32 pt_id, __u32 dev_flags,
				    __u32 *stdev_id, __u32 *hwpt_id,
				    __u32 *idev_id)
{
	return mock_domain_op(fd, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, pt_id,
			      dev_flags, stdev_id, hwpt_id, idev_id);
}

static inline int mock_domain(int fd, __u32 pt_id, __u32 *stdev_id,
			      __u32 *hwpt_id, __u32 *idev_id)
{
	return mock_domain_op(fd, IOMMU_TEST_OP_MOCK_DOMAIN, pt_id, 0,
			      stdev_id, hwpt_id, idev_id);
}

/* Move the device of @stdev_id to *@pt_id; *@pt_id receives the HWPT */
static inline int mock_domain_replace(int fd, __u32 stdev_id, __u32 *pt_id)
{
	struct iommu_test_cmd req = {
		.id = stdev_id,
		.mock_domain_replace.pt_id = *pt_id,
	};
	int rc;

	rc = mock_cmd(fd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, &req);
	if (!rc)
		*pt_id = req.mock_domain_replace.pt_id;
	return rc;
}

/* PASID @pasid of the device of @stdev_id: attach @pt_id */
static inline int mock_pasid_attach(int fd, __u32 stdev_id, __u32 pasid,
				    __u32 pt_id)
{
	struct iommu_test_cmd req = {
		.id = stdev_id,
		.pasid_attach = { .pasid = pasid, .pt_id = pt_id },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_PASID_ATTACH, &req);
}

/* PASID @pasid of the device of @stdev_id: move to @pt_id */
static inline int mock_pasid_replace(int fd, __u32 stdev_id, __u32 pasid,
				     __u32 pt_id)
{
	struct iommu_test_cmd req = {
		.id = stdev_id,
		.pasid_replace = { .pasid = pasid, .pt_id = pt_id },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_PASID_REPLACE, &req);
}

static inline int mock_pasid_detach(int fd, __u32 stdev_id, __u32 pasid)
{
	struct iommu_test_cmd req = {
		.id = stdev_id,
		.pasid_detach = { .pasid = pasid },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_PASID_DETACH, &req);
}

/* Succeeds iff @pasid is on @hwpt_id (0: on nothing), for iommufd and mock */
static inline int mock_pasid_check(int fd, __u32 stdev_id, __u32 pasid,
				   __u32 hwpt_id)
{
	struct iommu_test_cmd req = {
		.id = stdev_id,
		.pasid_check = { .pasid = pasid, .hwpt_id = hwpt_id },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, &req);
}

static inline int mock_add_reserved(int fd, __u32 ioas_id, __u64 start,
				    __u64 length)
{
	struct iommu_test_cmd req = {
		.id = ioas_id,
		.add_reserved.start = start,
		.add_reserved.length = length,
	};

	return mock_cmd(fd, IOMMU_TEST_OP_ADD_RESERVED, &req);
}

/* Does the mock domain of @hwpt_id map [@iova, +@length) onto @buf? */
static inline int mock_check_map(int fd, __u32 hwpt_id, __u64 iova,
				 const void *buf, __u64 length)
{
	struct iommu_test_cmd req = {
		.id = hwpt_id,
		.check_map = {
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)buf,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_MD_CHECK_MAP, &req);
}

/* Does every small page of [@buf, +@length) carry exactly @refs DMA pins? */
static inline int mock_check_refs(int fd, const void *buf, __u64 length,
				  __u32 refs)
{
	struct iommu_test_cmd req = {
		.check_refs = {
			.length = length,
			.uptr = (uintptr_t)buf,
			.refs = refs,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_MD_CHECK_REFS, &req);
}

static inline int mock_set_temp_memory_limit(int fd, __u32 limit)
{
	struct iommu_test_cmd req = {
		.memory_limit.limit = limit,
	};

	return mock_cmd(fd, IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, &req);
}

#define MOCK_TEMP_MEMORY_LIMIT_DEFAULT 65536

/*
 * The start of the mock fixtures: /dev/iommu opened into *@fd, the
 * temporary-memory limit (global, in pages) set to @temp_limit unless that
 * is 0, and an IOAS allocated. Returns false when the test was skipped for
 * want of the mock; the fixture's setup then returns.
 */
static inline bool mock_fixture_open(struct __test_metadata *_metadata,
				     int *fd, __u32 temp_limit,
				     __u32 *ioas_id)
{
	*fd = mock_open();
	if (*fd < 0)
		SKIP(return false, "/dev/iommu: %s", mock_open_error(*fd));
	if (temp_limit)
		ASSERT_OK(mock_set_temp_memory_limit(*fd, temp_limit));
	ASSERT_OK(ifd_ioas_alloc(*fd, ioas_id));
	return true;
}

/*
 * Undo mock_fixture_open() from a teardown: the limit back to its default
 * (through another open when @fd never opened or is gone) and @fd closed.
 */
static inline void mock_fixture_close(int fd, __u32 temp_limit)
{
	int lfd = fd;

	if (temp_limit) {
		if (lfd < 0)
			lfd = ifd_open();
		mock_set_temp_memory_limit(lfd, MOCK_TEMP_MEMORY_LIMIT_DEFAULT);
		if (lfd != fd && lfd >= 0)
			close(lfd);
	}
	if (fd >= 0)
		close(fd);
}

static inline int mock_access_create(int fd, __u32 ioas_id, __u32 flags,
				     int *access_fd)
{
	struct iommu_test_cmd req = {
		.id = ioas_id,
		.create_access.flags = flags,
	};
	int rc;

	rc = mock_cmd(fd, IOMMU_TEST_OP_CREATE_ACCESS, &req);
	if (!rc)
		*access_fd = req.create_access.out_access_fd;
	return rc;
}

static inline int mock_access_pages(int fd, int access_fd, __u32 flags,
				    __u64 iova, __u64 length, const void *buf,
				    __u32 *pages_id)
{
	struct iommu_test_cmd req = {
		.id = access_fd,
		.access_pages = {
			.flags = flags,
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)buf,
		},
	};
	int rc;

	rc = mock_cmd(fd, IOMMU_TEST_OP_ACCESS_PAGES, &req);
	if (!rc && pages_id)
		*pages_id = req.access_pages.out_access_pages_id;
	return rc;
}

static inline int mock_access_unpin(int fd, int access_fd, __u32 pages_id)
{
	struct iommu_test_cmd req = {
		.id = access_fd,
		.destroy_access_pages.access_pages_id = pages_id,
	};

	return mock_cmd(fd, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, &req);
}

/* Read (or with MOCK_ACCESS_RW_WRITE write) @length bytes at @iova */
static inline int mock_access_rw(int fd, int access_fd, __u64 iova,
				 void *buf, __u64 length, __u32 flags)
{
	struct iommu_test_cmd req = {
		.id = access_fd,
		.access_rw = {
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)buf,
			.flags = flags,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_ACCESS_RW, &req);
}

static inline int mock_access_replace_ioas(int fd, int access_fd,
					   __u32 ioas_id)
{
	struct iommu_test_cmd req = {
		.id = access_fd,
		.access_replace_ioas.ioas_id = ioas_id,
	};

	return mock_cmd(fd, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, &req);
}

/* IOVA encoding of MOCK_FLAGS_ACCESS_SYZ: {u32 area index, u32 offset} */
static inline __u64 syz_iova(__u32 nth_area, __u32 offset)
{
	__u32 parts[2] = { nth_area, offset };
	__u64 iova;

	memcpy(&iova, parts, sizeof(iova));
	return iova;
}

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */
/* ---------------------------------------------------------------------- */

enum buf_kind {
	BUF_SMALL,	/* anonymous, MADV_NOHUGEPAGE; CHECK_REFS sees it */
	BUF_THP,	/* anonymous, THP_SIZE aligned, MADV_HUGEPAGE */
	BUF_HUGETLB,	/* MAP_HUGETLB */
	BUF_MEMFD,	/* MAP_SHARED of a memfd (shmem) */
	BUF_MEMFD_HUGETLB, /* MAP_SHARED of a MFD_HUGETLB memfd (hugetlbfs) */
};

/* A shared mapping of a new memfd of @size bytes created with @flags */
static inline void *memfd_map(size_t size, unsigned int flags)
{
	int fd = syscall(SYS_memfd_create, "iommufd-test", flags);
	void *p = MAP_FAILED;

	if (fd < 0)
		return NULL;
	if (!ftruncate(fd, size))
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* Size of a default hugetlb page, 0 if unknown */
static inline size_t hugetlb_page_size(void)
{
	char line[128];
	size_t kb = 0;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Make sure at least @nr hugetlb pages are available; best effort */
static inline void hugetlb_reserve(unsigned long nr)
{
	unsigned long cur = 0;
	FILE *f;

	f = fopen("/proc/sys/vm/nr_hugepages", "r+");
	if (!f)
		return;
	if (fscanf(f, "%lu", &cur) == 1 && cur < nr) {
		rewind(f);
		fprintf(f, "%lu\n", nr);
	}
	fclose(f);
}

/* Map @size bytes aligned to @align (a power of two) */
static inline void *mmap_aligned(size_t size, size_t align, int extra_flags)
{
	size_t span = size + align;
	uintptr_t start, aligned;
	void *p;

	p = mmap(NULL, span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned != start)
		munmap(p, aligned - start);
	if (aligned + size != start + span)
		munmap((void *)(aligned + size), start + span - aligned - size);
	return (void *)aligned;
}

/*
 * Allocate and populate a test buffer of @size bytes (a multiple of the page
 * size of the kind). Returns NULL when the kind is not available.
 */
static inline void *buf_alloc(size_t size, enum buf_kind kind)
{
	void *p;

	switch (kind) {
	case BUF_SMALL:
		p = mmap_aligned(size, page_sz, 0);
		if (p)
			madvise(p, size, MADV_NOHUGEPAGE);
		break;
	case BUF_THP:
		p = mmap_aligned(size, THP_SIZE, 0);
		if (p)
			madvise(p, size, MADV_HUGEPAGE);
		break;
	case BUF_HUGETLB:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED) {
			hugetlb_reserve(size / SZ_2M + 4);
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				 -1, 0);
		}
		if (p == MAP_FAILED)
			p = NULL;
		break;
	case BUF_MEMFD:
		p = memfd_map(size, 0);
		break;
	case BUF_MEMFD_HUGETLB:
		p = memfd_map(size, MFD_HUGETLB);
		if (!p) {
			hugetlb_reserve(size / SZ_2M + 4);
			p = memfd_map(size, MFD_HUGETLB);
		}
		break;
	default:
		p = NULL;
	}
	if (p)
		memset(p, 0xa5, size);
	return p;
}

/* Deterministic byte pattern: byte i of the pattern @seed */
static inline unsigned char pattern_byte(unsigned int seed, size_t i)
{
	return (unsigned char)((i * 131 + seed * 7 + (i >> 9)) ^ seed);
}

static inline void pattern_fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i != len; i++)
		p[i] = pattern_byte(seed, i);
}

/* Index of the first byte that differs from the pattern, or -1 */
static inline long pattern_check(const void *buf, size_t len,
				 unsigned int seed)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i != len; i++)
		if (p[i] != pattern_byte(seed, i))
			return i;
	return -1;
}

/* ---------------------------------------------------------------------- */
/* Process state                                                           */
/* ---------------------------------------------------------------------- */

/* Remove @cap from the effective and permitted sets of the calling thread */
static inline int drop_capability(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &hdr, data);
}

/* Reap child @pid: its exit status, or -1 if it did not exit normally */
static inline int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * A "<field>: N kB" line of /proc/self/status in CPU pages (VmLck is
 * mm->locked_vm, VmPin mm->pinned_vm); -1 if there is none.
 */
static inline long proc_status_pages(const char *field)
{
	long kb = proc_status_kb(0, field);

	return kb < 0 ? -1 : kb * 1024 / (long)page_sz;
}

#endif /* __SELFTEST_IOMMU_TEST_UTILS_H */
