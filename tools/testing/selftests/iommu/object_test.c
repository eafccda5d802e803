// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu object model.
 *
 * Covers object IDs, IOMMU_DESTROY (ENOENT, EBUSY), the dependencies
 * between objects, lifetimes and teardown on close, results that cannot be
 * copied out, and the options: IOMMU_OPTION, IOMMU_VFIO_IOAS and the
 * mock's temporary memory limit. The generic rules every command follows
 * are in object_ioctl_test.c.
 */
#include "object_utils.h"

/* ---------------------------------------------------------------------- */
/* Object IDs                                                              */
/* ---------------------------------------------------------------------- */

#define NR_IDS 64

TEST(ids_nonzero_unique_and_released)
{
	__u32 ids[NR_IDS];
	int fd, i, j;

	fd = ifd_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	for (i = 0; i != NR_IDS; i++) {
		ASSERT_OK(ifd_ioas_alloc(fd, &ids[i]));
		ASSERT_NE(0, ids[i]);
		for (j = 0; j != i; j++)
			ASSERT_NE(ids[j], ids[i]);
	}
	/* Destroy every other one: the rest stays usable */
	for (i = 0; i < NR_IDS; i += 2)
		ASSERT_OK(ifd_destroy(fd, ids[i]));
	for (i = 0; i != NR_IDS; i++) {
		__u32 num = 0;

		if (i % 2) {
			ASSERT_ERRNO(EMSGSIZE, ifd_iova_ranges(fd, ids[i], NULL,
							       &num, NULL));
			ASSERT_EQ(1, num);
		} else {
			ASSERT_ERRNO(ENOENT, ifd_iova_ranges(fd, ids[i], NULL,
							     &num, NULL));
			ASSERT_ERRNO(ENOENT, ifd_destroy(fd, ids[i]));
		}
	}
	for (i = 1; i < NR_IDS; i += 2)
		ASSERT_OK(ifd_destroy(fd, ids[i]));
	for (i = 0; i != NR_IDS; i++)
		ASSERT_ERRNO(ENOENT, ifd_destroy(fd, ids[i]));
	close(fd);
}

TEST(ids_are_per_file)
{
	__u32 ioas1, ioas2;
	int fd1, fd2;

	fd1 = ifd_open();
	if (fd1 < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	fd2 = ifd_open();
	ASSERT_LE(0, fd2);
	ASSERT_OK(ifd_ioas_alloc(fd1, &ioas1));
	ASSERT_ERRNO(ENOENT, ifd_destroy(fd2, ioas1));
	ASSERT_OK(ifd_ioas_alloc(fd2, &ioas2));
	ASSERT_OK(ifd_destroy(fd1, ioas1));
	/* Closing one file leaves the other intact */
	close(fd1);
	ASSERT_OK(ifd_destroy(fd2, ioas2));
	close(fd2);
}

TEST_F(obj, destroyed_ioas_is_gone)
{
	__u32 ioas, num = 1;
	__u64 iova = 0, val;
	struct iommu_iova_range r = { .start = 0, .last = page_sz - 1 };

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
	ASSERT_OK(ifd_map(self->fd, ioas, self->buf, page_sz, &iova));
	ASSERT_OK(ifd_destroy(self->fd, ioas));

	ASSERT_ERRNO(ENOENT, ifd_map(self->fd, ioas, self->buf, page_sz,
				     &iova));
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, ioas, 0, UINT64_MAX, NULL));
	ASSERT_ERRNO(ENOENT, ifd_iova_ranges(self->fd, ioas, &r, &num, NULL));
	ASSERT_ERRNO(ENOENT, ifd_allow_iovas(self->fd, ioas, &r, 1));
	ASSERT_ERRNO(ENOENT, ifd_copy(self->fd, ioas, &iova, self->ioas_id,
				      self->iova, page_sz, MAP_RW));
	ASSERT_ERRNO(ENOENT, ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					    ioas, &val));
	ASSERT_ERRNO(ENOENT, mock_domain(self->fd, ioas, NULL, NULL, NULL));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, ioas));
}

/* ---------------------------------------------------------------------- */
/* Dependencies between objects                                            */
/* ---------------------------------------------------------------------- */

TEST_F(obj, destroy_in_use_is_ebusy)
{
	/* The IOAS has a device, the device is owned by its stdev */
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->idev_id));
	/* Refused requests changed nothing */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->buf_size));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));

	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	/* Automatic HWPT and device object went with the device */
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->idev_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->stdev_id));
	/* No domain left: nothing is pinned, the mapping itself remains */
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->ioas_id));
}

TEST_F(obj, explicit_hwpt_lifetime)
{
	__u32 hwpt, stdev2;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt));
	/* A HWPT keeps its IOAS alive */
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
	/* A device attached keeps the HWPT alive */
	ASSERT_OK(mock_domain(self->fd, hwpt, &stdev2, NULL, NULL));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, hwpt));
	ASSERT_OK(ifd_destroy(self->fd, stdev2));
	/* Explicit HWPTs are not destroyed with their last device */
	ASSERT_OK(mock_check_map(self->fd, hwpt, self->iova, self->buf,
				 self->buf_size));
	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

TEST_F(obj, access_keeps_ioas_busy)
{
	int access_fd;

	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &access_fd));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
	ASSERT_OK(close(access_fd));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
}

TEST_F(obj, mock_domain_bad_target)
{
	ASSERT_ERRNO(ENOENT, mock_domain(self->fd, 0, NULL, NULL, NULL));
	ASSERT_ERRNO(ENOENT, mock_domain(self->fd, BAD_ID, NULL, NULL, NULL));
	/* Objects that are neither an IOAS nor a HWPT */
	ASSERT_ERRNO(EINVAL, mock_domain(self->fd, self->idev_id, NULL, NULL,
					 NULL));
	ASSERT_ERRNO(EINVAL, mock_domain(self->fd, self->stdev_id, NULL, NULL,
					 NULL));
	/* Unknown device flags */
	ASSERT_ERRNO(EINVAL, mock_domain_flags(self->fd, self->ioas_id,
					       1U << 31, NULL, NULL, NULL));
}

TEST_F(obj, mock_domain_outputs)
{
	__u32 stdev, hwpt, idev;

	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, &hwpt, &idev));
	ASSERT_NE(0, stdev);
	ASSERT_NE(0, idev);
	/* A second device on the same IOAS shares the automatic HWPT */
	ASSERT_EQ(self->hwpt_id, hwpt);
	ASSERT_NE(stdev, idev);
	ASSERT_NE(self->stdev_id, stdev);
	ASSERT_NE(self->idev_id, idev);
	/* Attaching to the HWPT directly gives back that HWPT */
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(mock_domain(self->fd, self->hwpt_id, &stdev, &hwpt, &idev));
	ASSERT_EQ(self->hwpt_id, hwpt);
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	/* The first device still holds the HWPT */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->buf_size));
}

TEST_F(obj, domain_replace_ids)
{
	__u32 ioas2, pt;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	/* Only selftest objects can be replaced */
	pt = ioas2;
	ASSERT_ERRNO(ENOENT, mock_domain_replace(self->fd, self->idev_id, &pt));
	pt = BAD_ID;
	ASSERT_ERRNO(ENOENT, mock_domain_replace(self->fd, self->stdev_id,
						 &pt));
	pt = self->idev_id;
	ASSERT_ERRNO(EINVAL, mock_domain_replace(self->fd, self->stdev_id,
						 &pt));
	/* Replacing with the current HWPT is a no-op */
	pt = self->hwpt_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(self->hwpt_id, pt);

	/* Moving the only device away frees the automatic HWPT */
	pt = ioas2;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_NE(self->hwpt_id, pt);
	ASSERT_NE(0, pt);
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, ioas2));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

/* ---------------------------------------------------------------------- */
/* Teardown on close                                                       */
/* ---------------------------------------------------------------------- */

/* Build a graph of objects that holds pins on @buf */
static int build_graph(int fd, void *buf, size_t size, int *access_fd)
{
	__u32 ioas1, ioas2, stdev, hwpt, idev, pages_id;
	__u64 iova;

	if (ifd_ioas_alloc(fd, &ioas1) || ifd_ioas_alloc(fd, &ioas2))
		return -1;
	if (mock_domain(fd, ioas1, &stdev, &hwpt, &idev) ||
	    mock_domain(fd, ioas2, NULL, NULL, NULL))
		return -1;
	if (ifd_map_fixed(fd, ioas1, buf, size, MOCK_APERTURE_START))
		return -1;
	if (ifd_copy(fd, ioas2, &iova, ioas1, MOCK_APERTURE_START, size,
		     MAP_RW))
		return -1;
	if (ifd_hwpt_alloc(fd, idev, ioas2, 0, NULL))
		return -1;
	if (mock_access_create(fd, ioas2,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
			       access_fd))
		return -1;
	return mock_access_pages(fd, *access_fd, 0, iova, size, buf,
				 &pages_id);
}

TEST(close_releases_everything)
{
	size_t size = 8 * page_sz;
	int fd, access_fd;
	void *buf;

	fd = mock_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(fd));
	buf = buf_alloc(size, BUF_SMALL);
	ASSERT_NE(NULL, buf);

	ASSERT_OK(build_graph(fd, buf, size, &access_fd));
	/* One pin per page, however many domains, copies and accesses */
	ASSERT_OK(mock_check_refs(fd, buf, size, 1));
	ASSERT_OK(close(access_fd));
	ASSERT_OK(close(fd));

	fd = ifd_open();
	ASSERT_LE(0, fd);
	ASSERT_OK(mock_check_refs(fd, buf, size, 0));
	close(fd);
}

/* An open access fd keeps the iommufd context alive */
TEST(access_fd_outlives_iommufd)
{
	size_t size = 4 * page_sz;
	int fd, fd2, access_fd;
	void *buf;

	fd = mock_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(fd));
	buf = buf_alloc(size, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	fd2 = ifd_open();
	ASSERT_LE(0, fd2);

	ASSERT_OK(build_graph(fd, buf, size, &access_fd));
	ASSERT_OK(close(fd));
	ASSERT_OK(mock_check_refs(fd2, buf, size, 1));
	ASSERT_OK(close(access_fd));
	ASSERT_OK(mock_check_refs(fd2, buf, size, 0));
	close(fd2);
}

/* ---------------------------------------------------------------------- */
/* Copy-out failures and IOMMU_OPTION_RLIMIT_MODE                          */
/* ---------------------------------------------------------------------- */

TEST_F(obj, readonly_argument_rolls_back)
{
	struct iommu_ioas_map *map;
	void *page, *other;

	other = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, other);
	page = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);

	/* The kernel cannot report the chosen IOVA, so the map is undone */
	map = page;
	map->size = sizeof(*map);
	map->flags = MAP_RW;
	map->ioas_id = self->ioas_id;
	map->user_va = (uintptr_t)other;
	map->length = page_sz;
	ASSERT_OK(mprotect(page, page_sz, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_MAP, page));
	ASSERT_OK(mock_check_refs(self->fd, other, page_sz, 0));

	/* Same for an allocation that cannot return its ID */
	ASSERT_OK(mprotect(page, page_sz, PROT_READ | PROT_WRITE));
	memset(page, 0, page_sz);
	((struct iommu_ioas_alloc *)page)->size =
		sizeof(struct iommu_ioas_alloc);
	ASSERT_OK(mprotect(page, page_sz, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, page));

	munmap(page, page_sz);
	munmap(other, page_sz);
}

TEST(option_rlimit_mode)
{
	__u64 val;
	__u32 ioas;
	int fd;

	fd = ifd_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));

	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(0, val);
	ASSERT_OK(ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(1, val);
	ASSERT_ERRNO(EINVAL, ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					    2));
	/* A per-file option takes no object */
	ASSERT_ERRNO(EOPNOTSUPP, ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE,
						1, &val));

	/* Cannot change while objects (and thus possible charges) exist */
	ASSERT_OK(ifd_ioas_alloc(fd, &ioas));
	ASSERT_ERRNO(EBUSY, ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					   0));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(1, val);
	ASSERT_OK(ifd_destroy(fd, ioas));
	ASSERT_OK(ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));

	/* Privileged */
	ASSERT_OK(drop_capability(CAP_SYS_RESOURCE));
	ASSERT_ERRNO(EPERM, ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					   1));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(0, val);
	close(fd);
}

TEST_F(obj, option_huge_pages)
{
	__u32 ioas;
	__u64 val;

	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	ASSERT_EQ(1, val);
	/* Not while domains hold mappings, which may use large IOPTEs */
	ASSERT_ERRNO(EBUSY, ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					   self->ioas_id, 0));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	ASSERT_EQ(1, val);

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				 &val));
	ASSERT_EQ(0, val);
	ASSERT_ERRNO(EINVAL, ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					    ioas, 2));
	/* Per-IOAS option: 0 is not an IOAS */
	ASSERT_ERRNO(ENOENT, ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					    0, &val));
	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas, 1));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				 &val));
	ASSERT_EQ(1, val);
}

static int vfio_ioas(int fd, __u16 op, __u32 *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.ioas_id = *ioas_id,
		.op = op,
	};
	int rc;

	rc = ioctl(fd, IOMMU_VFIO_IOAS, &cmd);
	if (!rc)
		*ioas_id = cmd.ioas_id;
	return rc;
}

TEST_F(obj, vfio_compat_ioas)
{
	__u32 id = 0;

	ASSERT_ERRNO(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	id = self->ioas_id;
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 0;
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	ASSERT_EQ(self->ioas_id, id);
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id));
	ASSERT_ERRNO(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	/* Clearing never destroyed the IOAS */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->buf_size));
}

TEST_F(obj, temp_memory_limit_bounds)
{
	/* One PFN batch element (unsigned long + u32) is the minimum */
	ASSERT_ERRNO(EINVAL, mock_set_temp_memory_limit(self->fd, 0));
	ASSERT_ERRNO(EINVAL, mock_set_temp_memory_limit(self->fd,
							sizeof(long) + 3));
	ASSERT_OK(mock_set_temp_memory_limit(self->fd, sizeof(long) + 4));
	/* Still works with the smallest possible batch */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->iova + self->buf_size));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id,
				 self->iova + self->buf_size, self->buf,
				 self->buf_size));
	ASSERT_OK(mock_set_temp_memory_limit(self->fd,
					     MOCK_TEMP_MEMORY_LIMIT_DEFAULT));
}

TEST_HARNESS_MAIN
