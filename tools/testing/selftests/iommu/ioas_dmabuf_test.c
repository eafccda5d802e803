// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_IOAS_MAP_FILE of a dma-buf (peer-to-peer DMA), through the test
 * mock's exporter (IOMMU_TEST_OP_DMABUF_GET / _REVOKE): a buffer of
 * physically contiguous pages that reports its physical range, as VFIO
 * reports a BAR.  The mock domains must map exactly the buffer's pages
 * (checked against an mmap() of the buffer), a revocation must take the
 * range out of every domain while the mapping keeps its IOVA, new maps of
 * a revoked buffer fail, copies follow the original, in-kernel accesses
 * are refused, and nothing races: revocations against maps, unmaps,
 * attaches and destroys from other threads.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <pthread.h>

#include "iommu_test_utils.h"

#define NPAGES 8

/* A new mock dma-buf of @length bytes; the fd or -1 */
static int dmabuf_get(int fd, __u32 length, __u32 open_flags)
{
	struct iommu_test_cmd req = {
		.dmabuf_get = {
			.length = length,
			.open_flags = open_flags,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_DMABUF_GET, &req);
}

static int dmabuf_revoke(int fd, int dfd, bool revoked)
{
	struct iommu_test_cmd req = {
		.dmabuf_revoke = {
			.dmabuf_fd = dfd,
			.revoked = revoked,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_DMABUF_REVOKE, &req);
}

static int map_file(int fd, __u32 ioas_id, int dfd, __u64 start,
		    __u64 length, __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map_file req = {
		.size = sizeof(req),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = dfd,
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

static int map_fixed(int fd, __u32 ioas_id, int dfd, __u64 start,
		     __u64 length, __u64 iova)
{
	return map_file(fd, ioas_id, dfd, start, length, &iova,
			MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

FIXTURE(dmabuf) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	int dfd;
	size_t size;
	char *map;
};

FIXTURE_VARIANT(dmabuf) {
	bool domain;
};

FIXTURE_VARIANT_ADD(dmabuf, no_domain) {
	.domain = false,
};

FIXTURE_VARIANT_ADD(dmabuf, mock_domain) {
	.domain = true,
};

FIXTURE_SETUP(dmabuf)
{
	/* Automatic IOVA inside the mock aperture, for domains added later */
	struct iommu_iova_range aperture = {
		.start = MOCK_APERTURE_START,
		.last = MOCK_APERTURE_LAST,
	};

	self->dfd = -1;
	self->map = MAP_FAILED;
	if (!mock_fixture_open(_metadata, &self->fd, 0, &self->ioas_id))
		return;
	ASSERT_OK(ifd_allow_iovas(self->fd, self->ioas_id, &aperture, 1));
	if (variant->domain)
		ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
				      &self->hwpt_id, NULL));
	self->size = NPAGES * page_sz;
	self->dfd = dmabuf_get(self->fd, self->size, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dfd);
	/* The test's view of the buffer, to compare the domains with */
	self->map = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->dfd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	pattern_fill(self->map, self->size, 3);
}

FIXTURE_TEARDOWN(dmabuf)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, self->size);
	if (self->dfd >= 0)
		close(self->dfd);
	mock_fixture_close(self->fd, 0);
}

/* Does the mock domain map [iova, +length) onto the buffer from @offset? */
static int check_map(struct _test_data_dmabuf *self, __u32 hwpt_id,
		     __u64 iova, size_t offset, size_t length)
{
	return mock_check_map(self->fd, hwpt_id, iova, self->map + offset,
			      length);
}

/* The mock's own errnos, and the fd it returns */
TEST_F(dmabuf, get_and_revoke_errnos)
{
	int mfd, dfd, flags;

	EXPECT_ERRNO(EINVAL, dmabuf_get(self->fd, 0, O_RDWR));
	EXPECT_ERRNO(EINVAL, dmabuf_get(self->fd, (4 << 20) + 1, O_RDWR));
	EXPECT_ERRNO(EINVAL, dmabuf_get(self->fd, page_sz, O_RDWR | O_TRUNC));

	/* The fd is the return value; O_CLOEXEC as asked */
	dfd = dmabuf_get(self->fd, 4 << 20, O_RDWR);
	ASSERT_LE(0, dfd);
	flags = fcntl(dfd, F_GETFD);
	EXPECT_EQ(0, flags & FD_CLOEXEC);
	close(dfd);
	flags = fcntl(self->dfd, F_GETFD);
	EXPECT_EQ(FD_CLOEXEC, flags & FD_CLOEXEC);
	/* An odd length is fine */
	dfd = dmabuf_get(self->fd, 100, O_RDONLY);
	ASSERT_LE(0, dfd);
	close(dfd);

	mfd = syscall(SYS_memfd_create, "not-a-dmabuf", 0);
	ASSERT_LE(0, mfd);
	EXPECT_ERRNO(EINVAL, dmabuf_revoke(self->fd, mfd, true));
	close(mfd);
	EXPECT_ERRNO(EBADF, dmabuf_revoke(self->fd, mfd, true));
	EXPECT_ERRNO(EBADF, dmabuf_revoke(self->fd, -1, true));
	/* Revoking twice and restoring twice are no errors */
	EXPECT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	EXPECT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	EXPECT_OK(dmabuf_revoke(self->fd, self->dfd, false));
	EXPECT_OK(dmabuf_revoke(self->fd, self->dfd, false));
}

/* The whole buffer and parts of it, at chosen and fixed IOVAs */
TEST_F(dmabuf, map_and_check_pfns)
{
	__u64 iova, iova2 = MOCK_APERTURE_START + 64 * page_sz;
	__u64 unmapped;

	ASSERT_OK(map_file(self->fd, self->ioas_id, self->dfd, 0, self->size,
			   &iova, MAP_RW));
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, 2 * page_sz,
			    3 * page_sz, iova2));
	if (variant->domain) {
		EXPECT_OK(check_map(self, self->hwpt_id, iova, 0, self->size));
		EXPECT_OK(check_map(self, self->hwpt_id, iova2, 2 * page_sz,
				    3 * page_sz));
		/* Not the same pages one further */
		EXPECT_ERRNO(EINVAL, check_map(self, self->hwpt_id, iova2,
					       page_sz, page_sz));
	}
	/* A mock IO page (half a CPU page) in: the same offset in the page */
	iova = MOCK_APERTURE_START + 128 * page_sz + mio_sz;
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, mio_sz,
			    page_sz, iova));
	if (variant->domain)
		EXPECT_OK(check_map(self, self->hwpt_id, iova, mio_sz,
				    page_sz));
	/* Read-only is fine too */
	ASSERT_OK(map_file(self->fd, self->ioas_id, self->dfd, 0, page_sz,
			   &iova, IOMMU_IOAS_MAP_READABLE));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova2, 3 * page_sz,
			    &unmapped));
	EXPECT_EQ(3 * page_sz, unmapped);
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
			    &unmapped));
	EXPECT_EQ(self->size + page_sz + page_sz, unmapped);
}

/* Every refusal of the range, and the offset rule shared with memfds */
TEST_F(dmabuf, range_errnos)
{
	__u64 iova = MOCK_APERTURE_START;

	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->dfd, 0,
				      0, &iova, MAP_RW));
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->dfd, 0,
				      self->size + page_sz, &iova, MAP_RW));
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->dfd,
				      self->size, page_sz, &iova, MAP_RW));
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->dfd,
				      page_sz, self->size, &iova, MAP_RW));
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->dfd,
				      self->size - 1, 2, &iova, MAP_RW));
	/* start + length wraps, or does not fit an unsigned long */
	EXPECT_ERRNO(EOVERFLOW, map_file(self->fd, self->ioas_id, self->dfd,
					 -(__u64)page_sz, 2 * page_sz, &iova,
					 MAP_RW));
	EXPECT_ERRNO(EOVERFLOW, map_file(self->fd, self->ioas_id, self->dfd,
					 0, UINT64_MAX, &iova, MAP_RW));
	EXPECT_ERRNO(EOVERFLOW, map_file(self->fd, self->ioas_id, self->dfd,
					 UINT64_MAX, page_sz, &iova, MAP_RW));
	/* No permission asked for */
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->dfd, 0,
				      page_sz, &iova, 0));
	/* With a domain the IOVA and start share their offset in an IO page */
	iova = MOCK_APERTURE_START + 1024;
	if (variant->domain) {
		EXPECT_ERRNO(EINVAL, map_fixed(self->fd, self->ioas_id,
					       self->dfd, 0, page_sz, iova));
		iova = MOCK_APERTURE_START;
		EXPECT_ERRNO(EINVAL, map_fixed(self->fd, self->ioas_id,
					       self->dfd, 1024, page_sz,
					       iova));
	}
	/* The whole buffer, then a fixed overlap */
	iova = MOCK_APERTURE_START;
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, 0, self->size,
			    iova));
	EXPECT_ERRNO(EEXIST, map_fixed(self->fd, self->ioas_id, self->dfd, 0,
				       page_sz, iova + page_sz));
	EXPECT_ERRNO(ENOENT, map_fixed(self->fd, 0xfffff, self->dfd, 0,
				       page_sz, iova));
}

/* Files that are no supported dma-buf */
TEST_F(dmabuf, refused_fds)
{
	struct udmabuf_create create = {
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = 4 * page_sz,
	};
	__u64 iova;
	int mfd, ufd, udfd, nfd;

	nfd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, nfd);
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, nfd, 0,
				      page_sz, &iova, MAP_RW));
	close(nfd);
	EXPECT_ERRNO(EBADF, map_file(self->fd, self->ioas_id, nfd, 0,
				     page_sz, &iova, MAP_RW));
	EXPECT_ERRNO(EBADF, map_file(self->fd, self->ioas_id, -1, 0,
				     page_sz, &iova, MAP_RW));

	/* A dma-buf of another exporter, which reports no physical range */
	ufd = open("/dev/udmabuf", O_RDWR);
	if (ufd < 0)
		SKIP(return, "/dev/udmabuf: %s", strerror(errno));
	mfd = syscall(SYS_memfd_create, "udmabuf", MFD_ALLOW_SEALING);
	ASSERT_LE(0, mfd);
	ASSERT_OK(ftruncate(mfd, 4 * page_sz));
	ASSERT_OK(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK));
	create.memfd = mfd;
	udfd = ioctl(ufd, UDMABUF_CREATE, &create);
	ASSERT_LE(0, udfd);
	EXPECT_ERRNO(EOPNOTSUPP, map_file(self->fd, self->ioas_id, udfd, 0,
					  page_sz, &iova, MAP_RW));
	close(udfd);
	close(mfd);
	close(ufd);
}

/*
 * A revocation takes the range out of the domains; the mapping keeps its
 * IOVA and can be unmapped; new maps fail until the buffer is restored,
 * the revoked mapping stays unmapped after that
 */
TEST_F(dmabuf, revoke_and_restore)
{
	__u64 iova = MOCK_APERTURE_START, iova2 = iova + 64 * page_sz;
	__u64 unmapped;
	void *buf;

	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, 0, self->size,
			    iova));
	if (variant->domain)
		ASSERT_OK(check_map(self, self->hwpt_id, iova, 0, self->size));

	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	if (variant->domain)
		EXPECT_ERRNO(EINVAL, check_map(self, self->hwpt_id, iova, 0,
					       mio_sz));
	EXPECT_ERRNO(ENODEV, map_fixed(self->fd, self->ioas_id, self->dfd, 0,
				       page_sz, iova2));
	/* The IOVA is still taken */
	buf = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	EXPECT_ERRNO(EEXIST, ifd_map_fixed(self->fd, self->ioas_id, buf,
					   page_sz, iova + page_sz));

	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, false));
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, page_sz,
			    page_sz, iova2));
	if (variant->domain) {
		EXPECT_OK(check_map(self, self->hwpt_id, iova2, page_sz,
				    page_sz));
		/* The revoked mapping stays out of the domain */
		EXPECT_ERRNO(EINVAL, check_map(self, self->hwpt_id, iova, 0,
					       mio_sz));
	}
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova, self->size,
			    &unmapped));
	EXPECT_EQ(self->size, unmapped);
	EXPECT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, page_sz, iova));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	munmap(buf, page_sz);
}

/* Mapped with no domain, then domains come: revoked ranges are skipped */
TEST_F(dmabuf, map_then_attach)
{
	__u64 iova = MOCK_APERTURE_START, iova2 = iova + 64 * page_sz;
	__u32 hwpt1, hwpt2, stdev2;
	char *map2;
	int dfd2;

	if (variant->domain)
		SKIP(return, "needs an IOAS without domains");
	dfd2 = dmabuf_get(self->fd, page_sz, O_RDWR);
	ASSERT_LE(0, dfd2);
	map2 = mmap(NULL, page_sz, PROT_READ, MAP_SHARED, dfd2, 0);
	ASSERT_NE(MAP_FAILED, map2);
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, 0, self->size,
			    iova));
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, dfd2, 0, page_sz,
			    iova2));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL, &hwpt1, NULL));
	EXPECT_OK(check_map(self, hwpt1, iova, 0, self->size));

	/* Revoked before the next domain: it maps the other buffer only */
	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	EXPECT_ERRNO(EINVAL, check_map(self, hwpt1, iova, 0, mio_sz));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev2, &hwpt2, NULL));
	EXPECT_ERRNO(EINVAL, check_map(self, hwpt2, iova, 0, mio_sz));
	EXPECT_ERRNO(EINVAL, check_map(self, hwpt2, iova + self->size -
				       mio_sz, self->size - mio_sz, mio_sz));
	/* The other buffer is there, in both */
	EXPECT_OK(mock_check_map(self->fd, hwpt2, iova2, map2, page_sz));
	EXPECT_OK(mock_check_map(self->fd, hwpt1, iova2, map2, page_sz));
	ASSERT_OK(ifd_destroy(self->fd, stdev2));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	munmap(map2, page_sz);
	close(dfd2);
}

/* Two HWPTs of the IOAS, one made by HWPT_ALLOC: both lose the range */
TEST_F(dmabuf, revoke_two_hwpts)
{
	__u64 iova = MOCK_APERTURE_START;
	__u32 idev, hwpt2, stdev2, pt;

	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev2, NULL, &idev));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, idev, self->ioas_id, 0, &hwpt2));
	pt = hwpt2;
	ASSERT_OK(mock_domain_replace(self->fd, stdev2, &pt));
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, 0, self->size,
			    iova));
	EXPECT_OK(check_map(self, hwpt2, iova, 0, self->size));
	if (variant->domain)
		EXPECT_OK(check_map(self, self->hwpt_id, iova, 0, self->size));
	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	EXPECT_ERRNO(EINVAL, check_map(self, hwpt2, iova, 0, mio_sz));
	if (variant->domain)
		EXPECT_ERRNO(EINVAL, check_map(self, self->hwpt_id, iova, 0,
					       mio_sz));
	/* Detach and destroy with the revoked mapping in place */
	ASSERT_OK(ifd_destroy(self->fd, stdev2));
	ASSERT_OK(ifd_destroy(self->fd, hwpt2));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova, self->size, NULL));
}

/* IOAS_COPY shares the buffer: revoked together, and no copy once revoked */
TEST_F(dmabuf, copy)
{
	__u64 iova = MOCK_APERTURE_START, dst_iova;
	__u32 dst_ioas, dst_hwpt;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &dst_ioas));
	ASSERT_OK(mock_domain(self->fd, dst_ioas, NULL, &dst_hwpt, NULL));
	ASSERT_OK(map_file(self->fd, self->ioas_id, self->dfd, 0, self->size,
			   &iova, IOMMU_IOAS_MAP_READABLE |
			   IOMMU_IOAS_MAP_FIXED_IOVA));
	/* A read-only mapping gives no writable copy */
	EXPECT_ERRNO(EPERM, ifd_copy(self->fd, dst_ioas, &dst_iova,
				     self->ioas_id, iova, self->size, MAP_RW));
	ASSERT_OK(ifd_copy(self->fd, dst_ioas, &dst_iova, self->ioas_id,
			   iova + page_sz, 2 * page_sz,
			   IOMMU_IOAS_MAP_READABLE));
	EXPECT_OK(check_map(self, dst_hwpt, dst_iova, page_sz, 2 * page_sz));

	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	EXPECT_ERRNO(EINVAL, check_map(self, dst_hwpt, dst_iova, page_sz,
				       mio_sz));
	EXPECT_ERRNO(ENODEV, ifd_copy(self->fd, dst_ioas, &dst_iova,
				      self->ioas_id, iova, page_sz,
				      IOMMU_IOAS_MAP_READABLE));
	/* Restoring does not bring the mappings of the old attachment back */
	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, false));
	EXPECT_ERRNO(ENODEV, ifd_copy(self->fd, dst_ioas, &dst_iova,
				      self->ioas_id, iova, page_sz,
				      IOMMU_IOAS_MAP_READABLE));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova, self->size, NULL));
	EXPECT_OK(ifd_unmap(self->fd, dst_ioas, 0, UINT64_MAX, NULL));
}

/* The mapping keeps the buffer after its last fd is closed */
TEST_F(dmabuf, close_fd_while_mapped)
{
	__u64 iova = MOCK_APERTURE_START;
	__u32 hwpt;

	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, 0, self->size,
			    iova));
	close(self->dfd);
	self->dfd = -1;
	/* Only the test's mmap() and the mapping hold the buffer now */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL, &hwpt, NULL));
	EXPECT_OK(check_map(self, hwpt, iova, 0, self->size));
	munmap(self->map, self->size);
	self->map = MAP_FAILED;
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, iova, self->size, NULL));
}

/* Closing the iommufd, or destroying the IOAS, with the buffer mapped */
TEST_F(dmabuf, destroy_while_mapped)
{
	__u32 ioas2;
	__u64 iova;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(map_file(self->fd, ioas2, self->dfd, 0, self->size, &iova,
			   MAP_RW));
	ASSERT_OK(ifd_destroy(self->fd, ioas2));
	ASSERT_OK(map_file(self->fd, self->ioas_id, self->dfd, 0, self->size,
			   &iova, MAP_RW));
	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	close(self->fd);
	self->fd = -1;
	/* The buffer outlives the iommufd, and can still be revoked */
	self->fd = mock_open();
	ASSERT_LE(0, self->fd);
	EXPECT_OK(dmabuf_revoke(self->fd, self->dfd, false));
	EXPECT_EQ(-1, pattern_check(self->map, self->size, 3));
}

/* No in-kernel access reaches a dma-buf, not even part of a range */
TEST_F(dmabuf, accesses_refused)
{
	__u64 iova = MOCK_APERTURE_START, iova2 = iova + self->size;
	/* Pinned once for the domain and the access together */
	__u32 refs = variant->domain ? 1 : 0;
	char tmp[64] = {};
	__u32 pages_id;
	void *buf;
	int afd;

	buf = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(map_fixed(self->fd, self->ioas_id, self->dfd, 0, self->size,
			    iova));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, buf, page_sz,
				iova2));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &afd));
	EXPECT_ERRNO(EOPNOTSUPP, mock_access_rw(self->fd, afd, iova, tmp,
						sizeof(tmp), 0));
	EXPECT_ERRNO(EOPNOTSUPP, mock_access_rw(self->fd, afd, iova, tmp,
						sizeof(tmp),
						MOCK_ACCESS_RW_WRITE));
	EXPECT_ERRNO(EOPNOTSUPP, mock_access_rw(self->fd, afd, iova2 - 8, tmp,
						16, 0));
	EXPECT_ERRNO(EOPNOTSUPP, mock_access_pages(self->fd, afd, 0, iova,
						   page_sz, self->map,
						   &pages_id));
	/* The memory after it pins, and the dma-buf part refuses it all */
	EXPECT_OK(mock_access_pages(self->fd, afd, 0, iova2, page_sz, buf,
				    &pages_id));
	EXPECT_OK(mock_check_refs(self->fd, buf, page_sz, 1));
	EXPECT_OK(mock_access_unpin(self->fd, afd, pages_id));
	EXPECT_ERRNO(EOPNOTSUPP, mock_access_pages(self->fd, afd, 0,
						   iova2 - page_sz,
						   2 * page_sz, self->map,
						   &pages_id));
	EXPECT_OK(mock_check_refs(self->fd, buf, page_sz, refs));
	EXPECT_OK(mock_access_rw(self->fd, afd, iova2, tmp, sizeof(tmp), 0));
	close(afd);
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	munmap(buf, page_sz);
}

/* A dma-buf mapping has no pages to charge: CHANGE_PROCESS moves none */
TEST_F(dmabuf, change_process)
{
	struct iommu_ioas_change_process cp = { .size = sizeof(cp) };
	__u64 iova;
	void *buf;

	ASSERT_OK(map_file(self->fd, self->ioas_id, self->dfd, 0, self->size,
			   &iova, MAP_RW));
	EXPECT_OK(ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &cp));
	ASSERT_OK(dmabuf_revoke(self->fd, self->dfd, true));
	EXPECT_OK(ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &cp));
	/* Process memory still refuses it */
	buf = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	ASSERT_OK(ifd_map(self->fd, self->ioas_id, buf, page_sz, &iova));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &cp));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	munmap(buf, page_sz);
}

/* ---------------------------------------------------------------------- */
/* Races                                                                   */
/* ---------------------------------------------------------------------- */

#define RACE_ROUNDS 300

struct race {
	int fd;
	__u32 ioas_id;
	int dfd;
	size_t size;
	int errors;
	bool stop;
};

static void race_error(struct race *r, const char *what, int err)
{
	fprintf(stderr, "# race: %s: %s\n", what, strerror(err));
	__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
}

static void *race_revoke(void *arg)
{
	struct race *r = arg;
	unsigned int i;

	for (i = 0; !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); i++)
		if (dmabuf_revoke(r->fd, r->dfd, i & 1))
			race_error(r, "revoke", errno);
	return NULL;
}

/* Map and unmap: ENODEV is the only refusal a revocation may cause */
static void *race_map(void *arg)
{
	struct race *r = arg;
	unsigned int i;
	__u64 iova;

	for (i = 0; i != RACE_ROUNDS; i++) {
		if (map_file(r->fd, r->ioas_id, r->dfd, 0, r->size, &iova,
			     MAP_RW)) {
			if (errno != ENODEV)
				race_error(r, "map", errno);
			continue;
		}
		if (ifd_unmap(r->fd, r->ioas_id, iova, r->size, NULL))
			race_error(r, "unmap", errno);
	}
	return NULL;
}

/* Domains come and go, filled with whatever is mapped and not revoked */
static void *race_attach(void *arg)
{
	struct race *r = arg;
	unsigned int i;
	__u32 stdev;

	for (i = 0; i != RACE_ROUNDS / 4; i++) {
		if (mock_domain(r->fd, r->ioas_id, &stdev, NULL, NULL)) {
			race_error(r, "attach", errno);
			continue;
		}
		if (ifd_destroy(r->fd, stdev))
			race_error(r, "destroy", errno);
	}
	return NULL;
}

/* Copies of whatever is there into IOASes that are then destroyed */
static void *race_copy(void *arg)
{
	struct race *r = arg;
	unsigned int i;
	__u32 ioas;
	__u64 iova;

	for (i = 0; i != RACE_ROUNDS / 4; i++) {
		if (ifd_ioas_alloc(r->fd, &ioas)) {
			race_error(r, "ioas", errno);
			continue;
		}
		if (mock_domain(r->fd, ioas, NULL, NULL, NULL))
			race_error(r, "attach copy", errno);
		/* Whatever the map thread has there, or nothing */
		if (ifd_copy(r->fd, ioas, &iova, r->ioas_id,
			     MOCK_APERTURE_START, page_sz, MAP_RW) &&
		    errno != ENOENT && errno != ENODEV)
			race_error(r, "copy", errno);
		/* The mock device holds it: destroyed with the fd */
	}
	return NULL;
}

/* Two mappers, an attacher and a copier against the revoker */
static void *(*const race_workers[])(void *) = {
	race_map, race_map, race_attach, race_copy,
};

TEST_F_TIMEOUT(dmabuf, races, 240)
{
	struct race r = {
		.fd = self->fd,
		.ioas_id = self->ioas_id,
		.dfd = self->dfd,
		.size = self->size,
	};
	pthread_t revoker, workers[ARRAY_SIZE(race_workers)];
	unsigned int i;

	ASSERT_OK(pthread_create(&revoker, NULL, race_revoke, &r));
	for (i = 0; i != ARRAY_SIZE(workers); i++)
		ASSERT_OK(pthread_create(&workers[i], NULL, race_workers[i],
					 &r));
	for (i = 0; i != ARRAY_SIZE(workers); i++)
		ASSERT_OK(pthread_join(workers[i], NULL));
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	ASSERT_OK(pthread_join(revoker, NULL));
	EXPECT_EQ(0, r.errors);
	EXPECT_OK(dmabuf_revoke(self->fd, self->dfd, false));
	EXPECT_OK(ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	if (variant->domain)
		EXPECT_ERRNO(EINVAL, check_map(self, self->hwpt_id,
					       MOCK_APERTURE_START, 0,
					       mio_sz));
}

/* Revocations while the fd is closed and the iommufd torn down */
TEST_F_TIMEOUT(dmabuf, close_races, 240)
{
	struct race r = {
		.ioas_id = self->ioas_id,
		.dfd = self->dfd,
		.size = self->size,
	};
	pthread_t revoker;
	unsigned int i;
	__u64 iova;

	/* The revoker uses its own iommufd: the mock op needs no IOAS */
	r.fd = mock_open();
	ASSERT_LE(0, r.fd);
	ASSERT_OK(pthread_create(&revoker, NULL, race_revoke, &r));
	for (i = 0; i != RACE_ROUNDS / 4; i++) {
		int fd = mock_open();
		__u32 ioas;

		ASSERT_LE(0, fd);
		ASSERT_OK(ifd_ioas_alloc(fd, &ioas));
		if (i & 1)
			ASSERT_OK(mock_domain(fd, ioas, NULL, NULL, NULL));
		if (map_file(fd, ioas, self->dfd, 0, self->size, &iova,
			     MAP_RW) && errno != ENODEV)
			race_error(&r, "map", errno);
		if (!(i & 1))
			mock_domain(fd, ioas, NULL, NULL, NULL);
		close(fd);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	ASSERT_OK(pthread_join(revoker, NULL));
	close(r.fd);
	EXPECT_EQ(0, r.errors);
}

TEST_HARNESS_MAIN
