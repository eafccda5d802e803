// SPDX-License-Identifier: GPL-2.0
/*
 * edu_noiommu_test - a no-IOMMU device through its vfio cdev and /dev/iommu
 *
 * With vfio's enable_unsafe_noiommu_mode on a machine without an IOMMU,
 * vfio-pci takes the edu device into a no-IOMMU group, and (with
 * CONFIG_IOMMUFD_NOIOMMU and patches/0009) gives it a cdev that binds to
 * /dev/iommu.  Attached to an IOAS, the device gets no domain: the IOAS
 * keeps its mappings pinned and IOMMU_IOAS_NOIOMMU_GET_PA tells their CPU
 * physical addresses, which is what the device DMAs to.
 *
 * The tests check binding (CAP_SYS_RAWIO), attaching (an IOAS only; the
 * commands that need an IOMMU fail with ENODEV), every GET_PA answer against
 * /proc/self/pagemap, the contiguous length (within a page, across a 2 MiB
 * hugetlb page, never beyond a mapping or the caller's length), the errno
 * of unmapped IOVAs and of an IOAS without the device, and finally real DMA:
 * the edu engine copies a buffer through the physical addresses from
 * GET_PA into its memory and back into another buffer.
 *
 * The machines without an IOMMU (x86-noiommu, x86-debug) widen the edu
 * DMA mask to 40 bits (vm-run.sh): physical addresses exceed its default
 * 28 bits.  Machines with an IOMMU skip everything.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "edu_driver.h"
#include "../../../../drivers/iommu/iommufd/iommufd_test.h"
#include "../../selftests/iommu/fault_inject_utils.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define BUF_SIZE	(64 * 1024)
#define HUGE_SIZE	(2UL * 1024 * 1024)
#define IOVA_A		0x00100000ULL
#define IOVA_B		(IOVA_A + BUF_SIZE)	/* right after A */
#define IOVA_HUGE	0x40000000ULL
#define IOVA_HOLE	0x00800000ULL
/* vm-run.sh gives the no-IOMMU machines' edu this DMA mask */
#define NOIOMMU_DMA_LIMIT	(1ULL << 40)

/* The PFN behind @p from /proc/self/pagemap, 0 if not present */
static __u64 pagemap_pfn(const void *p)
{
	long psize = sysconf(_SC_PAGESIZE);
	__u64 ent = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent),
		  (uintptr_t)p / psize * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)))
		return 0;
	return ent & ((1ULL << 55) - 1);
}

static int get_pa(int iommufd, __u32 ioas_id, __u64 iova, __u64 *length,
		  __u64 *phys)
{
	struct iommu_ioas_noiommu_get_pa req = {
		.size = sizeof(req),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = *length,
	};

	if (ioctl(iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &req))
		return -errno;
	*length = req.length;
	*phys = req.out_phys;
	return 0;
}

static int drop_rawio(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].effective &=
		~CAP_TO_MASK(CAP_SYS_RAWIO);
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].permitted &=
		~CAP_TO_MASK(CAP_SYS_RAWIO);
	return syscall(SYS_capset, &hdr, data);
}

FIXTURE(noiommu) {
	struct edu_dev edu;
	struct fault_inject fi;
	bool enabled;
	char *a, *b;
	long psize;
};

FIXTURE_SETUP(noiommu)
{
	int fd;

	edu_init(&self->edu);
	fault_inject_init(&self->fi);
	self->psize = sysconf(_SC_PAGESIZE);
	if (edu_machine_has_iommu())
		SKIP(return, "the machine has an IOMMU");
	if (access(EDU_NOIOMMU_PARAM, W_OK))
		SKIP(return, "kernel without CONFIG_VFIO_NOIOMMU");
	ASSERT_EQ(0, edu_find(&self->edu));
	/* The group type is decided when vfio-pci takes the device */
	ASSERT_EQ(0, edu_write_sysfs(EDU_NOIOMMU_PARAM, "1"));
	self->enabled = true;
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	/* Without CONFIG_IOMMUFD_NOIOMMU the vfio device has no /dev node */
	fd = edu_open_cdev(&self->edu);
	if (fd == -ENOENT)
		SKIP(return, "no cdev for no-IOMMU devices (CONFIG_IOMMUFD_NOIOMMU)");
	ASSERT_LE(0, fd);
	close(fd);
	self->edu.devfd = -1;
	self->a = edu_alloc_buf(BUF_SIZE);
	self->b = edu_alloc_buf(BUF_SIZE);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
}

FIXTURE_TEARDOWN(noiommu)
{
	/* What the fail_nth test configured, also when it failed midway */
	fault_inject_restore(&self->fi);
	edu_close(&self->edu);
	edu_free_buf(self->a, BUF_SIZE);
	edu_free_buf(self->b, BUF_SIZE);
	if (!self->enabled)
		return;
	edu_noiommu_release(&self->edu);
}

/* Binding a no-IOMMU device needs CAP_SYS_RAWIO, as its group does */
TEST_F(noiommu, bind_needs_rawio)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct edu_dev *edu = &self->edu;

		if (drop_rawio())
			_exit(10);
		if (edu_open_cdev(edu) < 0)
			_exit(11);
		bind.iommufd = edu_open_iommufd();
		if (bind.iommufd < 0)
			_exit(12);
		if (!ioctl(edu->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
		    errno != EPERM)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* With it the same device binds */
	ASSERT_LE(0, edu_open_cdev(&self->edu));
	ASSERT_EQ(0, edu_bind_iommufd(&self->edu, edu_open_iommufd()));
}

/*
 * Attaching: an IOAS only, no HWPT; HWPT_ALLOC, GET_HW_INFO and
 * VIOMMU_ALLOC, which need the device's IOMMU, say ENODEV
 */
TEST_F(noiommu, attach)
{
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
	struct iommu_hw_info info = { .size = sizeof(info) };
	struct iommu_viommu_alloc viommu = {
		.size = sizeof(viommu),
		.type = IOMMU_VIOMMU_TYPE_DEFAULT,
	};
	struct edu_dev *edu = &self->edu;
	__u32 ioas2 = 0;
	__u64 len = 1, pa = 0;

	ASSERT_EQ(0, edu_open(edu));
	/* The ID reported back is the IOAS's own: there is no HWPT */
	EXPECT_EQ(edu->ioas_id, edu->hwpt_id);

	hwpt.dev_id = edu->devid;
	hwpt.pt_id = edu->ioas_id;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_HWPT_ALLOC, &hwpt));
	EXPECT_EQ(ENODEV, errno);
	info.dev_id = edu->devid;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_GET_HW_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	viommu.dev_id = edu->devid;
	viommu.hwpt_id = edu->ioas_id;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_VIOMMU_ALLOC, &viommu));
	EXPECT_EQ(ENODEV, errno);

	/* The bound device object cannot be destroyed, the IOAS neither */
	EXPECT_EQ(-EBUSY, edu_destroy(edu->iommufd, edu->devid));
	EXPECT_EQ(-EBUSY, edu_destroy(edu->iommufd, edu->ioas_id));

	/* Attaching again replaces: to another IOAS, then back */
	ASSERT_EQ(0, edu_ioas_alloc(edu->iommufd, &ioas2));
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, ioas2, self->a, BUF_SIZE,
				  IOVA_A, IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, edu_attach(edu, ioas2));
	EXPECT_EQ(ioas2, edu->hwpt_id);
	EXPECT_EQ(0, get_pa(edu->iommufd, ioas2, IOVA_A, &len, &pa));
	len = 1;
	EXPECT_EQ(-ENODEV, get_pa(edu->iommufd, edu->ioas_id, IOVA_A, &len,
				  &pa));
	/* The old IOAS is free to go now; the new one is not */
	EXPECT_EQ(-EBUSY, edu_destroy(edu->iommufd, ioas2));
	ASSERT_EQ(0, edu_attach(edu, edu->ioas_id));
	EXPECT_EQ(edu->ioas_id, edu->hwpt_id);
	len = 1;
	EXPECT_EQ(-ENODEV, get_pa(edu->iommufd, ioas2, IOVA_A, &len, &pa));
	EXPECT_EQ(0, edu_destroy(edu->iommufd, ioas2));

	/* A non-IOAS object is refused */
	ASSERT_NE(0, edu_attach(edu, edu->devid));

	/* Detached, the IOAS stops answering */
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, self->a,
				  BUF_SIZE, IOVA_A, IOMMU_IOAS_MAP_READABLE));
	len = 1;
	EXPECT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_A, &len, &pa));
	ASSERT_EQ(0, edu_detach(edu));
	len = 1;
	EXPECT_EQ(-ENODEV, get_pa(edu->iommufd, edu->ioas_id, IOVA_A, &len,
				  &pa));
	EXPECT_EQ(0, edu_destroy(edu->iommufd, edu->ioas_id));
	edu->ioas_id = 0;
}

/* IOMMU_TEST_CMD of the mock: 0 or -errno */
static int mock_cmd(int iommufd, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(iommufd, IOMMU_TEST_CMD, cmd) ? -errno : 0;
}

/*
 * While a domain maps memory, the PFNs of scattered pages are read back from
 * it instead of being recorded.  Attaching a no-IOMMU device keeps the
 * mappings pinned without a domain too, so it must record them first: they
 * are still answered right once the (mock) domain has gone, and unpinned
 * right when the device leaves.  Every other page of a buffer, so that no
 * two are physical neighbours.
 */
TEST_F(noiommu, get_pa_after_domain_leaves)
{
	struct iommu_test_cmd domain = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_test_cmd refs = { .op = IOMMU_TEST_OP_MD_CHECK_REFS };
	struct edu_dev *edu = &self->edu;
	long ps = self->psize, n = 300, i;
	__u64 len, pa = 0;
	char *src, *buf;
	__u32 ioas2 = 0;

	ASSERT_EQ(0, edu_open(edu));
	src = edu_alloc_buf(2 * n * ps);
	buf = mmap(NULL, n * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(NULL, src);
	ASSERT_NE(MAP_FAILED, buf);
	memset(src, 5, 2 * n * ps);
	for (i = 0; i < n; i++)
		ASSERT_EQ(buf + i * ps, mremap(src + 2 * i * ps, ps, ps,
					       MREMAP_MAYMOVE | MREMAP_FIXED,
					       buf + i * ps));

	ASSERT_EQ(0, edu_ioas_alloc(edu->iommufd, &ioas2));
	domain.id = ioas2;
	ASSERT_EQ(0, mock_cmd(edu->iommufd, &domain));
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, ioas2, buf, n * ps, MOCK_APERTURE_START,
				  IOMMU_IOAS_MAP_READABLE |
				  IOMMU_IOAS_MAP_WRITEABLE));
	ASSERT_EQ(0, edu_attach(edu, ioas2));
	ASSERT_EQ(0, edu_destroy(edu->iommufd,
				 domain.mock_domain.out_stdev_id));

	for (i = 0; i < n; i++) {
		len = n * ps;
		ASSERT_EQ(0, get_pa(edu->iommufd, ioas2, MOCK_APERTURE_START + i * ps, &len,
				    &pa));
		EXPECT_EQ(pagemap_pfn(buf + i * ps) * ps, pa);
		EXPECT_LE(ps, len);
	}
	refs.check_refs.uptr = (uintptr_t)buf;
	refs.check_refs.length = n * ps;
	refs.check_refs.refs = 1;
	EXPECT_EQ(0, mock_cmd(edu->iommufd, &refs));

	/* Back to the fixture's IOAS: nothing keeps these pinned any more */
	ASSERT_EQ(0, edu_attach(edu, edu->ioas_id));
	refs.check_refs.refs = 0;
	EXPECT_EQ(0, mock_cmd(edu->iommufd, &refs));
	EXPECT_EQ(0, edu_destroy(edu->iommufd, ioas2));
	munmap(buf, n * ps);
	edu_free_buf(src, 2 * n * ps);
}

/* Every page's answer is pagemap's; lengths are contiguous and trimmed */
TEST_F(noiommu, get_pa_matches_pagemap)
{
	struct edu_dev *edu = &self->edu;
	long ps = self->psize;
	__u64 len, pa = 0, pfn;
	long i;

	ASSERT_EQ(0, edu_open(edu));
	memset(self->a, 1, BUF_SIZE);
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, self->a,
				  BUF_SIZE, IOVA_A, IOMMU_IOAS_MAP_READABLE |
				  IOMMU_IOAS_MAP_WRITEABLE));
	for (i = 0; i < BUF_SIZE / ps; i++) {
		__u64 off = i * ps + (i * 40) % ps, j;

		pfn = pagemap_pfn(self->a + i * ps);
		ASSERT_NE(0, pfn);
		len = BUF_SIZE;
		ASSERT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_A + off,
				    &len, &pa));
		EXPECT_EQ(pfn * ps + off % ps, pa);
		/* At least to the end of the page, never past the mapping */
		EXPECT_LE(ps - off % ps, len);
		EXPECT_GE(BUF_SIZE - off, len);
		/* Contiguous all along, and maximal */
		for (j = 1; j < (off % ps + len + ps - 1) / ps; j++)
			EXPECT_EQ(pfn + j, pagemap_pfn(self->a + i * ps + j * ps));
		if (off + len < BUF_SIZE)
			EXPECT_NE(pa + len, pagemap_pfn(self->a + off + len) * ps);
		/* Trimmed to what was asked */
		len = 1;
		ASSERT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_A + off,
				    &len, &pa));
		EXPECT_EQ(1, len);
		EXPECT_EQ(pfn * ps + off % ps, pa);
	}
	/* The last byte of the mapping */
	len = 100;
	ASSERT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_A + BUF_SIZE - 1,
			    &len, &pa));
	EXPECT_EQ(1, len);
}

/* A 2 MiB hugetlb page is one run; a mapping's end ends the run */
TEST_F(noiommu, get_pa_contiguity)
{
	struct edu_dev *edu = &self->edu;
	__u64 len, pa = 0, pfn;
	char *huge;

	ASSERT_EQ(0, edu_open(edu));
	huge = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED)
		SKIP(return, "no 2 MiB hugetlb page: %s", strerror(errno));
	memset(huge, 2, HUGE_SIZE);
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, huge, HUGE_SIZE,
				  IOVA_HUGE, IOMMU_IOAS_MAP_READABLE));
	pfn = pagemap_pfn(huge);
	ASSERT_NE(0, pfn);
	len = HUGE_SIZE;
	ASSERT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_HUGE, &len, &pa));
	EXPECT_EQ(pfn * self->psize, pa);
	EXPECT_EQ(0, pa % HUGE_SIZE);
	EXPECT_EQ(HUGE_SIZE, len);
	/* From inside it, the rest of it */
	len = HUGE_SIZE;
	ASSERT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_HUGE + 12345,
			    &len, &pa));
	EXPECT_EQ(pfn * self->psize + 12345, pa);
	EXPECT_EQ(HUGE_SIZE - 12345, len);
	/* A longer request stops at the mapping's end */
	len = 2 * HUGE_SIZE;
	ASSERT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_HUGE + 4096,
			    &len, &pa));
	EXPECT_EQ(HUGE_SIZE - 4096, len);

	/* Two mappings back to back: the first one's end ends the run */
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, self->a,
				  BUF_SIZE, IOVA_A, IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, self->b,
				  BUF_SIZE, IOVA_B, IOMMU_IOAS_MAP_READABLE));
	len = 2 * BUF_SIZE;
	ASSERT_EQ(0, get_pa(edu->iommufd, edu->ioas_id, IOVA_B - 1, &len,
			    &pa));
	EXPECT_EQ(1, len);

	ASSERT_EQ(0, edu_ioas_unmap(edu->iommufd, edu->ioas_id, IOVA_HUGE,
				    HUGE_SIZE));
	munmap(huge, HUGE_SIZE);
}

/* Unmapped IOVAs: never mapped, a hole, after unmap; bad arguments */
TEST_F(noiommu, get_pa_errors)
{
	struct iommu_ioas_noiommu_get_pa req = { .size = sizeof(req) };
	struct edu_dev *edu = &self->edu;
	__u64 len, pa = 0;

	ASSERT_EQ(0, edu_open(edu));
	len = 1;
	EXPECT_EQ(-ENOENT, get_pa(edu->iommufd, edu->ioas_id, IOVA_A, &len,
				  &pa));
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, self->a,
				  BUF_SIZE, IOVA_A, IOMMU_IOAS_MAP_READABLE));
	len = 1;
	EXPECT_EQ(-ENOENT, get_pa(edu->iommufd, edu->ioas_id, IOVA_A - 1, &len,
				  &pa));
	len = 1;
	EXPECT_EQ(-ENOENT, get_pa(edu->iommufd, edu->ioas_id, IOVA_B, &len,
				  &pa));
	len = 1;
	EXPECT_EQ(-ENOENT, get_pa(edu->iommufd, edu->ioas_id, IOVA_HOLE, &len,
				  &pa));
	/* A range that starts in a hole is unmapped though it ends mapped */
	len = BUF_SIZE;
	EXPECT_EQ(-ENOENT, get_pa(edu->iommufd, edu->ioas_id, IOVA_A - 4096,
				  &len, &pa));

	req.ioas_id = edu->ioas_id;
	req.iova = IOVA_A;
	req.length = 0;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	EXPECT_EQ(EINVAL, errno);
	req.length = -1ULL;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	EXPECT_EQ(EOVERFLOW, errno);
	req.length = 1;
	req.flags = 1;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	EXPECT_EQ(EOPNOTSUPP, errno);
	req.flags = 0;
	req.__reserved = 1;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	EXPECT_EQ(EOPNOTSUPP, errno);
	req.__reserved = 0;
	req.ioas_id = edu->devid;
	EXPECT_EQ(-1, ioctl(edu->iommufd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	EXPECT_EQ(ENOENT, errno);

	ASSERT_EQ(0, edu_ioas_unmap(edu->iommufd, edu->ioas_id, IOVA_A,
				    BUF_SIZE));
	len = 1;
	EXPECT_EQ(-ENOENT, get_pa(edu->iommufd, edu->ioas_id, IOVA_A, &len,
				  &pa));
}

/*
 * DMA @count bytes between the device buffer at @dev_off and the memory at
 * @iova, one physically contiguous piece at a time, as a no-IOMMU driver
 * does with what GET_PA tells.
 */
static int dma_pa(struct edu_dev *edu, __u64 iova, __u32 dev_off,
		  __u32 count, bool to_ram)
{
	while (count) {
		__u64 len = count, pa = 0;
		int ret;

		ret = get_pa(edu->iommufd, edu->ioas_id, iova, &len, &pa);
		if (ret)
			return edu_fail(-ret, "GET_PA 0x%llx",
					(unsigned long long)iova);
		if (pa + len > NOIOMMU_DMA_LIMIT)
			return edu_fail(ERANGE, "PA 0x%llx beyond the DMA mask",
					(unsigned long long)pa);
		if (to_ram)
			ret = edu_dma(edu, EDU_DMA_BUF + dev_off, pa, len,
				      EDU_DMA_TO_RAM);
		else
			ret = edu_dma(edu, pa, EDU_DMA_BUF + dev_off, len, 0);
		if (ret)
			return ret;
		iova += len;
		dev_off += len;
		count -= len;
	}
	return 0;
}

/* Real DMA to and from physical addresses: a round trip through the device */
TEST_F(noiommu, dma_round_trip)
{
	struct edu_dev *edu = &self->edu;
	/* Crosses a page boundary in the middle of each buffer */
	__u64 off = self->psize - 1000;
	__u32 count = EDU_DMA_MAX;

	ASSERT_EQ(0, edu_open(edu));
	edu_fill(self->a, BUF_SIZE, 3);
	memset(self->b, 0xee, BUF_SIZE);
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, self->a,
				  BUF_SIZE, IOVA_A, IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, edu_ioas_map(edu->iommufd, edu->ioas_id, self->b,
				  BUF_SIZE, IOVA_B, IOMMU_IOAS_MAP_READABLE |
				  IOMMU_IOAS_MAP_WRITEABLE));

	ASSERT_EQ(0, dma_pa(edu, IOVA_A + off, 0, count, false));
	ASSERT_EQ(0, dma_pa(edu, IOVA_B + off, 0, count, true));
	EXPECT_EQ(0, memcmp(self->a + off, self->b + off, count));
	/* Nothing around it was touched */
	EXPECT_TRUE(edu_all_bytes(self->b, off, 0xee));
	EXPECT_TRUE(edu_all_bytes(self->b + off + count,
				  BUF_SIZE - off - count, 0xee));

	/* Another pattern, another offset in the device: not stale data */
	edu_fill(self->a, BUF_SIZE, 4);
	ASSERT_EQ(0, dma_pa(edu, IOVA_A, 100, 2000, false));
	ASSERT_EQ(0, dma_pa(edu, IOVA_B, 100, 2000, true));
	EXPECT_EQ(0, memcmp(self->a, self->b, 2000));
}

/* ---------------------------------------------------------------------- */
/* Fault injection                                                         */
/* ---------------------------------------------------------------------- */

#define MAX_NTH		2000

/* Open and bind the device, not under fault injection (see below) */
static int noiommu_bind(struct edu_dev *edu)
{
	int fd;

	if (edu_open_cdev(edu) < 0)
		return -1;
	fd = edu_open_iommufd();
	if (fd < 0)
		return -1;
	if (edu_bind_iommufd(edu, fd)) {
		close(fd);
		return -1;
	}
	return 0;
}

/* Map, attach (which pins), look up */
static int noiommu_seq(struct edu_dev *edu, void *buf)
{
	__u64 len = BUF_SIZE, pa;
	int fd = edu->iommufd;

	if (edu_ioas_alloc(fd, &edu->ioas_id) ||
	    edu_ioas_map(fd, edu->ioas_id, buf, BUF_SIZE, IOVA_A,
			 IOMMU_IOAS_MAP_READABLE) ||
	    edu_attach(edu, edu->ioas_id) ||
	    get_pa(fd, edu->ioas_id, IOVA_A, &len, &pa))
		return -1;
	return 0;
}

/* Are @len bytes at @buf pinned @refs times?  Through the mock's check */
static int check_refs(const void *buf, size_t len, __u32 refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = {
			.length = len,
			.uptr = (uintptr_t)buf,
			.refs = refs,
		},
	};
	int fd = edu_open_iommufd(), ret;

	if (fd < 0)
		return fd;
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -errno : 0;
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(noiommu, fail_nth, 600)
{
	unsigned long taint = kernel_taint();
	unsigned int n, failed = 0;
	int rc;

	if (!fault_inject_available("fail_iommufd"))
		SKIP(return, "no " FAULT_INJECT_DEBUGFS "/fail_iommufd");
	/* The mock's page reference check must work on a plain buffer */
	memset(self->a, 7, BUF_SIZE);
	if (check_refs(self->a, BUF_SIZE, 0))
		SKIP(return, "no IOMMU_TEST_OP_MD_CHECK_REFS");
	ASSERT_EQ(0, fault_inject_open(&self->fi));
	ASSERT_EQ(0, fault_inject_configure(&self->fi));

	for (n = 1; n < MAX_NTH; n++) {
		bool injected;

		/*
		 * The bind is left out: it opens the PCI device, and a failed
		 * allocation in ACPI's PCI interrupt routing there makes the
		 * close crash in acpi_pci_irq_disable() (6.12's ACPICA, not
		 * iommufd or vfio).
		 */
		ASSERT_EQ(0, noiommu_bind(&self->edu));
		ASSERT_EQ(0, fault_inject_nth_arm(&self->fi, n));
		rc = noiommu_seq(&self->edu, self->a);
		injected = fault_inject_nth_disarm(&self->fi);
		if (rc)
			failed++;
		edu_close(&self->edu);
		/* Closing unbinds and frees everything: no pin is left */
		ASSERT_EQ(0, check_refs(self->a, BUF_SIZE, 0));
		ASSERT_EQ(taint & TAINT_WARN_BIT,
			  kernel_taint() & TAINT_WARN_BIT);
		if (!injected) {
			ASSERT_EQ(0, rc);
			break;
		}
	}
	ASSERT_GT(MAX_NTH, n);
	ASSERT_LT(1, n);
	ASSERT_LT(0, failed);
	TH_LOG("%u fault points, %u made the sequence fail", n - 1, failed);
}

TEST_HARNESS_MAIN
