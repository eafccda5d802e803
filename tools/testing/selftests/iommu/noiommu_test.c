// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_IOAS_NOIOMMU_GET_PA without a no-IOMMU device: every refusal that
 * does not need one. The ioctl's calling convention (size, flags,
 * reserved), its own input checks (zero length, wrapping range), the
 * privilege (CAP_SYS_RAWIO), bad and wrongly typed IOAS IDs, and the rule
 * that an IOAS answers only while a no-IOMMU device is attached to it: a
 * mapped, pinned IOAS with a (mock) IOMMU domain must not tell physical
 * addresses. The answers themselves, and the unmapped-IOVA errno, need a
 * real no-IOMMU device: tools/testing/iommufd/edu/edu_noiommu_test.c.
 */
#include "iommu_test_utils.h"

#define BUF_SIZE	(64 * 1024)
#define IOVA		0x1000000ULL	/* MOCK_APERTURE_START */

FIXTURE(get_pa) {
	int fd;
	__u32 ioas_id;
	void *buf;
};

FIXTURE_SETUP(get_pa)
{
	self->fd = ifd_open();
	ASSERT_LE(0, self->fd);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	self->buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x5a, BUF_SIZE);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, BUF_SIZE,
				IOVA));
}

FIXTURE_TEARDOWN(get_pa)
{
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, BUF_SIZE);
	if (self->fd >= 0)
		close(self->fd);
}

/* A request that only lacks a no-IOMMU device to succeed */
static struct iommu_ioas_noiommu_get_pa get_pa_req(__u32 ioas_id)
{
	struct iommu_ioas_noiommu_get_pa req = {
		.size = sizeof(req),
		.ioas_id = ioas_id,
		.iova = IOVA,
		.length = BUF_SIZE,
	};

	return req;
}

TEST_F(get_pa, layout)
{
	struct iommu_ioas_noiommu_get_pa req;

	EXPECT_EQ(40, sizeof(req));
	EXPECT_EQ(0x3b95, IOMMU_IOAS_NOIOMMU_GET_PA);
	EXPECT_EQ(16, offsetof(struct iommu_ioas_noiommu_get_pa, iova));
	EXPECT_EQ(24, offsetof(struct iommu_ioas_noiommu_get_pa, length));
	EXPECT_EQ(32, offsetof(struct iommu_ioas_noiommu_get_pa, out_phys));
}

/* No no-IOMMU device: a valid request is refused, and says why */
TEST_F(get_pa, no_noiommu_device)
{
	struct iommu_ioas_noiommu_get_pa req = get_pa_req(self->ioas_id);

	EXPECT_ERRNO(ENODEV, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	/* Nothing was written back */
	EXPECT_EQ(BUF_SIZE, req.length);
	EXPECT_EQ(0, req.out_phys);
}

/* Pinned for an IOMMU domain is not enough: translated DMA needs no PA */
TEST_F(get_pa, not_for_iommu_domains)
{
	struct iommu_ioas_noiommu_get_pa req = get_pa_req(self->ioas_id);
	__u32 stdev_id, hwpt_id;
	int mfd = mock_open();

	if (mfd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(mfd));
	close(mfd);
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
			      NULL));
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	/* A HWPT is not an IOAS */
	req.ioas_id = hwpt_id;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	ASSERT_OK(ifd_destroy(self->fd, stdev_id));
}

TEST_F(get_pa, size)
{
	struct {
		struct iommu_ioas_noiommu_get_pa req;
		__u64 tail;
	} big = { .req = get_pa_req(self->ioas_id) };
	struct iommu_ioas_noiommu_get_pa req = get_pa_req(self->ioas_id);

	req.size = 39;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	req.size = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	/* A larger struct is fine if its tail is zero, E2BIG otherwise */
	big.req.size = sizeof(big);
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &big));
	big.tail = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &big));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, NULL));
	/* Direction or size bits make another request */
	EXPECT_ERRNO(ENOTTY,
		     ioctl(self->fd,
			   _IOWR(IOMMUFD_TYPE, 0x95,
				 struct iommu_ioas_noiommu_get_pa), &req));
}

TEST_F(get_pa, flags_and_reserved)
{
	struct iommu_ioas_noiommu_get_pa req = get_pa_req(self->ioas_id);
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		req.flags = 1U << bit;
		EXPECT_ERRNO(EOPNOTSUPP,
			     ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	}
	req.flags = 0;
	req.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
}

TEST_F(get_pa, length_and_overflow)
{
	struct iommu_ioas_noiommu_get_pa req = get_pa_req(self->ioas_id);

	req.length = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	req.iova = UINT64_MAX;
	req.length = 2;
	EXPECT_ERRNO(EOVERFLOW,
		     ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	req.iova = IOVA;
	req.length = UINT64_MAX;
	EXPECT_ERRNO(EOVERFLOW,
		     ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	/* The very last byte alone does not wrap */
	req.iova = UINT64_MAX;
	req.length = 1;
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
}

TEST_F(get_pa, object_ids)
{
	struct iommu_ioas_noiommu_get_pa req = get_pa_req(0);

	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	req.ioas_id = self->ioas_id + 1000;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
	/* A destroyed IOAS is gone */
	req.ioas_id = self->ioas_id;
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, IOVA, BUF_SIZE, NULL));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
}

/* Without CAP_SYS_RAWIO nothing but the argument checks answer */
TEST_F(get_pa, needs_cap_sys_rawio)
{
	struct iommu_ioas_noiommu_get_pa req = get_pa_req(self->ioas_id);
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop CAP_SYS_RAWIO from");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (drop_capability(CAP_SYS_RAWIO))
			_exit(10);
		if (!ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req) ||
		    errno != EPERM)
			_exit(11);
		/* Not even whether the IOAS exists */
		req.ioas_id = 0;
		if (!ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req) ||
		    errno != EPERM)
			_exit(12);
		/* Argument errors come first */
		req.length = 0;
		if (!ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req) ||
		    errno != EINVAL)
			_exit(13);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
	/* The parent, with the capability, gets past it */
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA, &req));
}

TEST_HARNESS_MAIN
