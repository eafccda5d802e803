// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual IOMMUs through the mock: IOMMU_VIOMMU_ALLOC (also as a 24-byte
 * caller of 6.13-6.16), IOMMU_VDEVICE_ALLOC, nested HWPTs made by a virtual
 * IOMMU, IOMMU_HWPT_INVALIDATE of a virtual IOMMU (the mock device cache),
 * every errno of those paths, what may be destroyed when, a device unbound
 * under its virtual device, and threads destroying a virtual IOMMU while
 * others build on it.
 */
#include "viommu_utils.h"

#define VIRT_ID 0x42

FIXTURE(viommu) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	__u32 parent_id;
	__u32 viommu_id;
	void *buf;
	size_t size;
};

FIXTURE_SETUP(viommu)
{
	if (!mock_fixture_open(_metadata, &self->fd, 0, &self->ioas_id))
		return;
	self->size = 4 * page_sz;
	self->buf = buf_alloc(self->size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->size, MOCK_APERTURE_START));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT,
				 &self->parent_id));
	/* Fails with ENOTTY on kernels without virtual IOMMUs */
	ASSERT_OK(viommu_alloc(self->fd, self->idev_id, self->parent_id,
			       &self->viommu_id));
}

FIXTURE_TEARDOWN(viommu)
{
	mock_fixture_close(self->fd, 0);
	if (self->buf)
		munmap(self->buf, self->size);
}

/* ---------------------------------------------------------------------- */
/* IOMMU_VIOMMU_ALLOC                                                      */
/* ---------------------------------------------------------------------- */

TEST_F(viommu, alloc_sizes_and_data)
{
	struct iommu_viommu_selftest data = { .in_data = 0xcafe };
	struct iommu_viommu_alloc full;
	__u32 id, min;

	/* A 6.13 caller: 24 bytes, no driver data */
	ASSERT_OK(viommu_alloc_sz(self->fd, VIOMMU_ALLOC_SIZE_V1,
				  IOMMU_VIOMMU_TYPE_SELFTEST, self->idev_id,
				  self->parent_id, NULL, 0, &id));
	ASSERT_NE(0, id);
	ASSERT_NE(self->viommu_id, id);
	ASSERT_OK(ifd_destroy(self->fd, id));

	/* Driver data: the mock echoes in_data */
	ASSERT_OK(viommu_alloc_sz(self->fd, sizeof(full),
				  IOMMU_VIOMMU_TYPE_SELFTEST, self->idev_id,
				  self->parent_id, &data, sizeof(data), &id));
	ASSERT_EQ(0xcafe, data.out_data);
	ASSERT_OK(ifd_destroy(self->fd, id));

	/* Only in_data (4 bytes): nothing is written past it */
	data.out_data = 0x5a5a;
	ASSERT_OK(viommu_alloc_sz(self->fd, sizeof(full),
				  IOMMU_VIOMMU_TYPE_SELFTEST, self->idev_id,
				  self->parent_id, &data, 4, &id));
	ASSERT_EQ(0x5a5a, data.out_data);
	ASSERT_OK(ifd_destroy(self->fd, id));

	/* Below the first release's size */
	min = offsetofend(struct iommu_viommu_alloc, out_viommu_id);
	ASSERT_EQ(VIOMMU_ALLOC_SIZE_V1, min);
	EXPECT_ERRNO(EINVAL, viommu_alloc_sz(self->fd, min - 4,
					     IOMMU_VIOMMU_TYPE_SELFTEST,
					     self->idev_id, self->parent_id,
					     NULL, 0, &id));
}

TEST_F(viommu, alloc_errnos)
{
	struct iommu_viommu_selftest data = {};
	struct {
		struct iommu_viommu_alloc cmd;
		__u64 tail;
	} big = {
		.cmd = {
			.size = sizeof(big),
			.type = IOMMU_VIOMMU_TYPE_SELFTEST,
			.dev_id = self->idev_id,
			.hwpt_id = self->parent_id,
		},
		.tail = 1,
	};
	struct iommu_viommu_alloc cmd = big.cmd;
	__u32 plain, nested, id;

	/* Unknown trailing bytes, flags, reserved */
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &big));
	cmd.size = sizeof(cmd);
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &cmd));

	/* IDs: device, parent, and a parent that is no nesting parent */
	EXPECT_ERRNO(ENOENT, viommu_alloc(self->fd, VIOMMU_BAD_ID,
					  self->parent_id, &id));
	EXPECT_ERRNO(ENOENT, viommu_alloc(self->fd, self->ioas_id,
					  self->parent_id, &id));
	EXPECT_ERRNO(ENOENT, viommu_alloc(self->fd, self->idev_id, 0, &id));
	EXPECT_ERRNO(ENOENT, viommu_alloc(self->fd, self->idev_id,
					  self->ioas_id, &id));
	EXPECT_ERRNO(ENOENT, viommu_alloc(self->fd, self->idev_id,
					  self->viommu_id, &id));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &plain));
	EXPECT_ERRNO(EINVAL, viommu_alloc(self->fd, self->idev_id, plain,
					  &id));
	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested));
	EXPECT_ERRNO(ENOENT, viommu_alloc(self->fd, self->idev_id, nested,
					  &id));

	/* Types no driver offers */
	EXPECT_ERRNO(EOPNOTSUPP,
		     viommu_alloc_sz(self->fd, sizeof(cmd), 0xdead,
				     self->idev_id, self->parent_id, NULL, 0,
				     &id));
	EXPECT_ERRNO(EOPNOTSUPP,
		     viommu_alloc_sz(self->fd, sizeof(cmd),
				     IOMMU_VIOMMU_TYPE_DEFAULT, self->idev_id,
				     self->parent_id, NULL, 0, &id));
	EXPECT_ERRNO(EOPNOTSUPP,
		     viommu_alloc_sz(self->fd, sizeof(cmd),
				     IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				     self->idev_id, self->parent_id, NULL, 0,
				     &id));

	/* Driver data: unreadable, too short, unknown trailing bytes */
	EXPECT_ERRNO(EFAULT,
		     viommu_alloc_sz(self->fd, sizeof(cmd),
				     IOMMU_VIOMMU_TYPE_SELFTEST, self->idev_id,
				     self->parent_id, (void *)8,
				     sizeof(data), &id));
	EXPECT_ERRNO(EINVAL,
		     viommu_alloc_sz(self->fd, sizeof(cmd),
				     IOMMU_VIOMMU_TYPE_SELFTEST, self->idev_id,
				     self->parent_id, &data, 2, &id));
	{
		struct {
			struct iommu_viommu_selftest d;
			__u64 tail;
		} bigdata = { .tail = 1 };

		/* As for HWPT data: longer than the driver's struct */
		EXPECT_ERRNO(EINVAL,
			     viommu_alloc_sz(self->fd, sizeof(cmd),
					     IOMMU_VIOMMU_TYPE_SELFTEST,
					     self->idev_id, self->parent_id,
					     &bigdata, sizeof(bigdata), &id));
	}
}

/* The mock offers a page holding in_data to mmap() of the iommufd */
TEST_F(viommu, mmap_region)
{
	struct iommu_viommu_selftest data = { .in_data = 0xfeedcafe };
	__u32 id;
	void *p;

	ASSERT_OK(viommu_alloc_sz(self->fd, sizeof(struct iommu_viommu_alloc),
				  IOMMU_VIOMMU_TYPE_SELFTEST, self->idev_id,
				  self->parent_id, &data, sizeof(data), &id));
	ASSERT_EQ(page_sz, data.out_mmap_length);
	ASSERT_NE(0, data.out_mmap_offset);
	ASSERT_EQ(0, data.out_mmap_offset % page_sz);

	/* Anything but exactly the cookie: shifted, longer, private, exec */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_sz, PROT_READ, MAP_SHARED,
				   self->fd, data.out_mmap_offset + page_sz));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_sz, PROT_READ, MAP_SHARED,
				   self->fd, data.out_mmap_offset - page_sz));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * page_sz, PROT_READ, MAP_SHARED,
				   self->fd, data.out_mmap_offset));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_sz, PROT_READ, MAP_PRIVATE,
				   self->fd, data.out_mmap_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_sz, PROT_READ | PROT_EXEC,
				   MAP_SHARED, self->fd,
				   data.out_mmap_offset));
	EXPECT_EQ(EPERM, errno);
	/* The viommu without driver data has no region at offset 0 */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_sz, PROT_READ, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(ENXIO, errno);

	p = mmap(NULL, page_sz, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 data.out_mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0xfeedcafe, *(__u32 *)p);
	/* Mapped: the virtual IOMMU stays */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, id));
	ASSERT_OK(munmap(p, page_sz));
	ASSERT_OK(ifd_destroy(self->fd, id));
	/* Its region went with it */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_sz, PROT_READ, MAP_SHARED,
				   self->fd, data.out_mmap_offset));
	EXPECT_EQ(ENXIO, errno);

	/* A mapping left in place when the file is closed */
	ASSERT_OK(viommu_alloc_sz(self->fd, sizeof(struct iommu_viommu_alloc),
				  IOMMU_VIOMMU_TYPE_SELFTEST, self->idev_id,
				  self->parent_id, &data, sizeof(data), &id));
	p = mmap(NULL, page_sz, PROT_READ, MAP_SHARED, self->fd,
		 data.out_mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0xfeedcafe, *(__u32 *)p);
	ASSERT_OK(munmap(p, page_sz));
}

/* ---------------------------------------------------------------------- */
/* Dependencies                                                            */
/* ---------------------------------------------------------------------- */

TEST_F(viommu, destroy_order)
{
	__u32 nested, vdev;

	/* The parent is held by the virtual IOMMU */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->parent_id));

	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested));
	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID, &vdev));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->viommu_id));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->viommu_id));
	ASSERT_OK(ifd_destroy(self->fd, vdev));
	EXPECT_ERRNO(ENOENT, ifd_destroy(self->fd, vdev));
	ASSERT_OK(ifd_destroy(self->fd, self->viommu_id));
	ASSERT_OK(ifd_destroy(self->fd, self->parent_id));
	EXPECT_ERRNO(ENOENT, ifd_destroy(self->fd, self->viommu_id));
}

/* Closing the file with everything in place frees it in order */
TEST_F(viommu, close_with_everything)
{
	__u32 nested, vdev, pt;

	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID, &vdev));
	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested));
	pt = nested;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	close(self->fd);
	self->fd = -1;
}

/* ---------------------------------------------------------------------- */
/* Nested HWPTs of a virtual IOMMU                                         */
/* ---------------------------------------------------------------------- */

TEST_F(viommu, nested_hwpt)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = self->idev_id,
		.pt_id = self->viommu_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	__u32 nested, fault_id, id;
	int fault_fd;
	struct iommu_fault_alloc fcmd = { .size = sizeof(fcmd) };

	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested));
	/* A nested HWPT of a virtual IOMMU can be no one's parent */
	EXPECT_ERRNO(EINVAL, viommu_nested_alloc(self->fd, self->idev_id,
						 nested, 0, 0, &id));

	cmd.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	/* PASID use is allowed as on a paging parent; pasid_test uses it */
	cmd.flags = IOMMU_HWPT_ALLOC_PASID << 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.__reserved = 0;
	cmd.dev_id = VIOMMU_BAD_ID;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.dev_id = self->idev_id;
	/* No data: a virtual IOMMU makes nested tables only */
	cmd.data_type = IOMMU_HWPT_DATA_NONE;
	cmd.data_len = 0;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_len = sizeof(data);
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
	cmd.data_uptr = 8;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_uptr = (uintptr_t)&data;

	/* Fault queues work as on a parent HWPT */
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = VIOMMU_BAD_ID;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	ASSERT_OK(ioctl(self->fd, IOMMU_FAULT_QUEUE_ALLOC, &fcmd));
	fault_id = fcmd.out_fault_id;
	fault_fd = fcmd.out_fault_fd;
	cmd.fault_id = fault_id;
	ASSERT_OK(ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->viommu_id));
	ASSERT_OK(ifd_destroy(self->fd, cmd.out_hwpt_id));
	close(fault_fd);
	ASSERT_OK(ifd_destroy(self->fd, fault_id));
	ASSERT_OK(ifd_destroy(self->fd, nested));
}

/* The mock lets a device on a virtual IOMMU's table only with a vDEVICE */
TEST_F(viommu, attach_needs_vdevice)
{
	__u32 nested, vdev, pt, other_stdev, other_idev;

	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested));
	pt = nested;
	EXPECT_ERRNO(ENOENT, mock_domain_replace(self->fd, self->stdev_id,
						 &pt));
	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID, &vdev));
	pt = nested;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(nested, pt);
	/* Attached: neither the HWPT nor what it hangs on can go */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->viommu_id));

	/* Another device without a vDEVICE cannot join */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &other_stdev, NULL,
			      &other_idev));
	pt = nested;
	EXPECT_ERRNO(ENOENT, mock_domain_replace(self->fd, other_stdev, &pt));
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, vdev));
}

/*
 * The vDEVICE goes while its device is on a nested HWPT of the vIOMMU: the
 * device stays there. A replace that then fails (a second nested HWPT,
 * which needs the vDEVICE) puts the device back on the HWPT it is on, and
 * that must succeed: the mock refused it too (no vDEVICE), and the core
 * WARNed in its revert.
 */
TEST_F(viommu, vdevice_gone_while_attached)
{
	unsigned long taint = kernel_taint();
	__u32 nested, nested2, vdev, pt;

	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID, &vdev));
	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested));
	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested2));
	pt = nested;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(ifd_destroy(self->fd, vdev));
	pt = nested2;
	EXPECT_ERRNO(ENOENT, mock_domain_replace(self->fd, self->stdev_id,
						 &pt));
	EXPECT_FALSE((kernel_taint() & TAINT_WARN_BIT) &&
		     !(taint & TAINT_WARN_BIT));
	/* Still on the first: it cannot go */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, nested2));
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(ifd_destroy(self->fd, nested));
}

/* ---------------------------------------------------------------------- */
/* IOMMU_VDEVICE_ALLOC                                                     */
/* ---------------------------------------------------------------------- */

TEST_F(viommu, vdevice_errnos)
{
	struct {
		struct iommu_vdevice_alloc cmd;
		__u64 tail;
	} big = {
		.cmd = {
			.size = sizeof(big),
			.viommu_id = self->viommu_id,
			.dev_id = self->idev_id,
			.virt_id = VIRT_ID,
		},
		.tail = 1,
	};
	__u32 vdev, vdev2, stdev2, idev2, viommu2;

	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_VDEVICE_ALLOC, &big));
	big.cmd.size = 16;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_VDEVICE_ALLOC, &big));
	EXPECT_ERRNO(ENOENT, vdevice_alloc(self->fd, VIOMMU_BAD_ID,
					   self->idev_id, VIRT_ID, &vdev));
	EXPECT_ERRNO(ENOENT, vdevice_alloc(self->fd, self->parent_id,
					   self->idev_id, VIRT_ID, &vdev));
	EXPECT_ERRNO(ENOENT, vdevice_alloc(self->fd, self->viommu_id,
					   VIOMMU_BAD_ID, VIRT_ID, &vdev));
	EXPECT_ERRNO(ENOENT, vdevice_alloc(self->fd, self->viommu_id,
					   self->stdev_id, VIRT_ID, &vdev));

	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID, &vdev));
	/* One per device, on this or another virtual IOMMU */
	EXPECT_ERRNO(EEXIST, vdevice_alloc(self->fd, self->viommu_id,
					   self->idev_id, VIRT_ID + 1, &vdev2));
	ASSERT_OK(viommu_alloc(self->fd, self->idev_id, self->parent_id,
			       &viommu2));
	EXPECT_ERRNO(EEXIST, vdevice_alloc(self->fd, viommu2, self->idev_id,
					   VIRT_ID + 1, &vdev2));
	/* One per virtual ID on a virtual IOMMU; others may reuse it */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev2, NULL, &idev2));
	EXPECT_ERRNO(EEXIST, vdevice_alloc(self->fd, self->viommu_id, idev2,
					   VIRT_ID, &vdev2));
	ASSERT_OK(vdevice_alloc(self->fd, viommu2, idev2, VIRT_ID, &vdev2));
	ASSERT_OK(ifd_destroy(self->fd, vdev2));
	ASSERT_OK(ifd_destroy(self->fd, viommu2));
	/* After the destroy the virtual ID and the device are free again */
	ASSERT_OK(ifd_destroy(self->fd, vdev));
	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, idev2, VIRT_ID,
				&vdev2));
	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID + 1, &vdev));
}

/* The device goes first: its vDEVICE goes too, the ID stays a tombstone */
TEST_F(viommu, vdevice_dies_with_device)
{
	__u32 vdev, nested, pt, ids[8];
	unsigned int i;

	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID, &vdev));
	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id,
				      self->viommu_id, 0, 0, &nested));
	pt = nested;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));

	EXPECT_ERRNO(ENOENT, ifd_destroy(self->fd, vdev));
	for (i = 0; i != ARRAY_SIZE(ids); i++) {
		ASSERT_OK(ifd_ioas_alloc(self->fd, &ids[i]));
		EXPECT_NE(vdev, ids[i]);
	}
	/* The virtual IOMMU lost its vDEVICE; the nested HWPT still holds it */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->viommu_id));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, self->viommu_id));
	for (i = 0; i != ARRAY_SIZE(ids); i++)
		ASSERT_OK(ifd_destroy(self->fd, ids[i]));
}

/* ---------------------------------------------------------------------- */
/* IOMMU_HWPT_INVALIDATE of a virtual IOMMU: the mock device cache         */
/* ---------------------------------------------------------------------- */

static void expect_cache(struct __test_metadata *_metadata, int fd,
			 __u32 idev_id, const __u32 *want)
{
	unsigned int i;

	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		EXPECT_OK(mock_dev_check_cache(fd, idev_id, i, want[i]));
}

TEST_F(viommu, invalidate_dev_cache)
{
	const __u32 D = IOMMU_TEST_DEV_CACHE_DEFAULT;
	struct iommu_viommu_invalidate_selftest inv[3] = {};
	__u32 vdev, done;

	/* The op itself: index range, mismatch */
	expect_cache(_metadata, self->fd, self->idev_id,
		     (__u32[]){ D, D, D, D });
	EXPECT_ERRNO(EINVAL, mock_dev_check_cache(self->fd, self->idev_id,
						  MOCK_DEV_CACHE_ID_MAX + 1,
						  D));
	EXPECT_ERRNO(EINVAL, mock_dev_check_cache(self->fd, self->idev_id, 0,
						  0));
	EXPECT_ERRNO(ENOENT, mock_dev_check_cache(self->fd, VIOMMU_BAD_ID, 0,
						  D));

	/* No vDEVICE yet: the virtual ID is unknown */
	inv[0].vdev_id = VIRT_ID;
	inv[0].cache_id = 1;
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       inv, sizeof(inv[0]), 1, &done));
	EXPECT_EQ(0, done);
	ASSERT_OK(vdevice_alloc(self->fd, self->viommu_id, self->idev_id,
				VIRT_ID, &vdev));

	/* Probing the type with no entries */
	EXPECT_OK(viommu_invalidate(self->fd, self->viommu_id,
				    IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				    NULL, 0, 0, &done));
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID,
					       NULL, 0, 0, &done));
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID,
					       inv, sizeof(inv[0]), 1, &done));
	/* Array rules of the command */
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       NULL, sizeof(inv[0]), 1, &done));
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       inv, 0, 1, &done));
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       inv, 4, 1, &done));
	EXPECT_ERRNO(ENOENT, viommu_invalidate(self->fd, VIOMMU_BAD_ID,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       inv, sizeof(inv[0]), 1, &done));
	expect_cache(_metadata, self->fd, self->idev_id,
		     (__u32[]){ D, D, D, D });

	/* One entry clears one cache line */
	ASSERT_OK(viommu_invalidate(self->fd, self->viommu_id,
				    IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				    inv, sizeof(inv[0]), 1, &done));
	EXPECT_EQ(1, done);
	expect_cache(_metadata, self->fd, self->idev_id,
		     (__u32[]){ D, 0, D, D });

	/* Processing stops at the first bad entry; entry_num tells where */
	inv[0].cache_id = 2;
	inv[1] = inv[0];
	inv[1].cache_id = MOCK_DEV_CACHE_ID_MAX + 1;
	inv[2] = inv[0];
	inv[2].cache_id = 3;
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       inv, sizeof(inv[0]), 3, &done));
	EXPECT_EQ(1, done);
	expect_cache(_metadata, self->fd, self->idev_id,
		     (__u32[]){ D, 0, 0, D });
	inv[1].cache_id = 0;
	inv[1].flags = 0x80;
	EXPECT_ERRNO(EOPNOTSUPP, viommu_invalidate(self->fd, self->viommu_id,
						   IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
						   inv, sizeof(inv[0]), 3,
						   &done));
	EXPECT_EQ(1, done);
	inv[1].flags = 0;
	inv[1].vdev_id = VIRT_ID + 1;
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       inv, sizeof(inv[0]), 3, &done));
	EXPECT_EQ(1, done);
	expect_cache(_metadata, self->fd, self->idev_id,
		     (__u32[]){ D, 0, 0, D });

	/* FLAG_ALL clears every line of the device */
	inv[0].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	ASSERT_OK(viommu_invalidate(self->fd, self->viommu_id,
				    IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				    inv, sizeof(inv[0]), 1, &done));
	expect_cache(_metadata, self->fd, self->idev_id,
		     (__u32[]){ 0, 0, 0, 0 });

	/* After the vDEVICE is gone its virtual ID is unknown again */
	ASSERT_OK(ifd_destroy(self->fd, vdev));
	EXPECT_ERRNO(EINVAL, viommu_invalidate(self->fd, self->viommu_id,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       inv, sizeof(inv[0]), 1, &done));
}

/* ---------------------------------------------------------------------- */
/* IOMMU_HW_QUEUE_ALLOC                                                    */
/* ---------------------------------------------------------------------- */

TEST_F(viommu, hw_queue_errnos)
{
	__u64 base = MOCK_APERTURE_START, far = base + 64 * page_sz;
	struct iommu_hw_queue_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = self->viommu_id,
		.type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
		.nesting_parent_iova = base,
		.length = page_sz,
	};
	__u32 q0;

	cmd.size = offsetof(struct iommu_hw_queue_alloc, length) + 7;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	cmd.flags = 0;
	cmd.type = IOMMU_HW_QUEUE_TYPE_DEFAULT;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	/* A type of another driver */
	cmd.type = IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	cmd.type = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	cmd.length = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	cmd.length = page_sz;
	cmd.nesting_parent_iova = UINT64_MAX - 16;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	cmd.nesting_parent_iova = base;
	cmd.viommu_id = VIOMMU_BAD_ID;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	cmd.viommu_id = self->parent_id;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	cmd.viommu_id = self->viommu_id;
	cmd.index = IOMMU_TEST_HW_QUEUE_MAX;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));
	/* The mock's queue 1 needs its queue 0 */
	cmd.index = 1;
	EXPECT_ERRNO(EIO, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &cmd));

	/* Not mapped, or only partly */
	EXPECT_ERRNO(ENOENT, hw_queue_alloc(self->fd, self->viommu_id, 0, far,
					    page_sz, NULL));
	EXPECT_ERRNO(ENOENT, hw_queue_alloc(self->fd, self->viommu_id, 0,
					    base + 3 * page_sz, 2 * page_sz,
					    NULL));
	/* One page mapped twice in a row is not contiguous memory */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				far));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				far + page_sz));
	EXPECT_ERRNO(EINVAL, hw_queue_alloc(self->fd, self->viommu_id, 0, far,
					    2 * page_sz, NULL));
	/* None of it left anything behind: pins, locks or queues */
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, far, 2 * page_sz, NULL));
	ASSERT_OK(hw_queue_alloc(self->fd, self->viommu_id, 0, base, page_sz,
				 &q0));
	ASSERT_OK(ifd_destroy(self->fd, q0));
}

TEST_F(viommu, hw_queue_lifecycle)
{
	__u64 base = MOCK_APERTURE_START, other = base + 64 * page_sz;
	__u64 unmapped;
	__u32 q0, q1, id;

	ASSERT_OK(hw_queue_alloc(self->fd, self->viommu_id, 0, base, page_sz,
				 &q0));
	EXPECT_ERRNO(EEXIST, hw_queue_alloc(self->fd, self->viommu_id, 0,
					    base + page_sz, page_sz, &id));
	/* Less than a page, not page aligned: the mock takes it */
	ASSERT_OK(hw_queue_alloc(self->fd, self->viommu_id, 1,
				 base + page_sz + 64, 128, &q1));

	/* The queue memory stays mapped, whole and in every domain */
	EXPECT_ERRNO(EBUSY, ifd_unmap(self->fd, self->ioas_id, base,
				      self->size, NULL));
	EXPECT_ERRNO(EBUSY, ifd_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
				      NULL));
	EXPECT_OK(mock_check_map(self->fd, self->hwpt_id, base, self->buf,
				 self->size));
	EXPECT_OK(mock_check_map(self->fd, self->parent_id, base, self->buf,
				 self->size));
	/* Other mappings come and go as usual */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, page_sz,
				other));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, other, page_sz,
			    &unmapped));
	EXPECT_EQ(page_sz, unmapped);

	/* Queue 1 keeps queue 0; both keep the virtual IOMMU */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, q0));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->viommu_id));
	ASSERT_OK(ifd_destroy(self->fd, q1));
	EXPECT_ERRNO(EBUSY, ifd_unmap(self->fd, self->ioas_id, base,
				      self->size, NULL));
	ASSERT_OK(ifd_destroy(self->fd, q0));
	EXPECT_ERRNO(ENOENT, ifd_destroy(self->fd, q0));
	ASSERT_OK(ifd_unmap(self->fd, self->ioas_id, base, self->size,
			    &unmapped));
	EXPECT_EQ(self->size, unmapped);
	ASSERT_OK(ifd_destroy(self->fd, self->viommu_id));
}

/* Closing the file takes queue 1 down before queue 0 (the mock checks) */
TEST_F(viommu, hw_queue_close)
{
	__u32 q0, q1;

	ASSERT_OK(hw_queue_alloc(self->fd, self->viommu_id, 0,
				 MOCK_APERTURE_START, page_sz, &q0));
	ASSERT_OK(hw_queue_alloc(self->fd, self->viommu_id, 1,
				 MOCK_APERTURE_START, page_sz, &q1));
	close(self->fd);
	self->fd = -1;
}

/* ---------------------------------------------------------------------- */
/* Races                                                                   */
/* ---------------------------------------------------------------------- */

struct race {
	int fd;
	__u32 idev_id;
	__u32 parent_id;
	__u32 stdev_id;
	__u32 viommu_id;	/* __atomic, as @stop */
	int stop;
	unsigned long built;
	unsigned long destroyed;
};

/* Build vDEVICEs and nested HWPTs on whatever virtual IOMMU exists */
static void *race_builder(void *arg)
{
	struct race *r = arg;
	__u32 vdev, nested, pt;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		__u32 v = __atomic_load_n(&r->viommu_id, __ATOMIC_RELAXED);

		if (!vdevice_alloc(r->fd, v, r->idev_id, VIRT_ID, &vdev)) {
			if (!viommu_nested_alloc(r->fd, r->idev_id, v, 0, 0,
						 &nested)) {
				pt = nested;
				mock_domain_replace(r->fd, r->stdev_id, &pt);
				pt = r->parent_id;
				mock_domain_replace(r->fd, r->stdev_id, &pt);
				if (ifd_destroy(r->fd, nested))
					return (void *)1L;
			}
			if (ifd_destroy(r->fd, vdev))
				return (void *)2L;
			r->built++;
		}
	}
	return NULL;
}

/* Destroy the virtual IOMMU whenever it is free, and make a new one */
static void *race_destroyer(void *arg)
{
	struct race *r = arg;
	__u32 id;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		if (ifd_destroy(r->fd, __atomic_load_n(&r->viommu_id,
						       __ATOMIC_RELAXED))) {
			if (errno != EBUSY)
				return (void *)3L;
			continue;
		}
		r->destroyed++;
		if (viommu_alloc(r->fd, r->idev_id, r->parent_id, &id))
			return (void *)4L;
		__atomic_store_n(&r->viommu_id, id, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F_TIMEOUT(viommu, race_destroy_while_building, 120)
{
	struct race r = {
		.fd = self->fd,
		.idev_id = self->idev_id,
		.parent_id = self->parent_id,
		.stdev_id = self->stdev_id,
		.viommu_id = self->viommu_id,
	};
	pthread_t b, d;
	void *rb, *rd;
	__u32 pt;

	ASSERT_OK(pthread_create(&b, NULL, race_builder, &r));
	ASSERT_OK(pthread_create(&d, NULL, race_destroyer, &r));
	sleep(3);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_OK(pthread_join(b, &rb));
	ASSERT_OK(pthread_join(d, &rd));
	EXPECT_EQ(NULL, rb);
	EXPECT_EQ(NULL, rd);
	TH_LOG("%lu builds, %lu destroys", r.built, r.destroyed);
	EXPECT_LT(0, r.destroyed);
	/* Everything can be taken down in order */
	ASSERT_OK(ifd_destroy(self->fd, r.viommu_id));
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(ifd_destroy(self->fd, self->parent_id));
}

/* Queue 1 keeps making and destroying itself on whatever queue 0 is there */
static void *race_hw_queue_1(void *arg)
{
	struct race *r = arg;
	__u32 q1;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		if (hw_queue_alloc(r->fd, r->viommu_id, 1, MOCK_APERTURE_START,
				   page_sz, &q1)) {
			if (errno != EIO)
				return (void *)5L;
			continue;
		}
		r->built++;
		if (ifd_destroy(r->fd, q1))
			return (void *)6L;
	}
	return NULL;
}

/*
 * Queue 0 is destroyed whenever queue 1 does not hold it and made again:
 * queue 1 depends only on a queue 0 in use, never one on its way out (the
 * mock warns if queue 0 goes while queue 1 exists).
 */
TEST_F_TIMEOUT(viommu, race_hw_queue_destroy_vs_depend, 120)
{
	struct race r = {
		.fd = self->fd,
		.viommu_id = self->viommu_id,
	};
	unsigned int i;
	pthread_t t;
	void *rt;
	__u32 q0;

	ASSERT_OK(hw_queue_alloc(self->fd, self->viommu_id, 0,
				 MOCK_APERTURE_START, page_sz, &q0));
	ASSERT_OK(pthread_create(&t, NULL, race_hw_queue_1, &r));
	for (i = 0; i != 20000; i++) {
		if (ifd_destroy(self->fd, q0)) {
			ASSERT_EQ(EBUSY, errno);
			continue;
		}
		r.destroyed++;
		ASSERT_OK(hw_queue_alloc(self->fd, self->viommu_id, 0,
					 MOCK_APERTURE_START, page_sz, &q0));
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_OK(pthread_join(t, &rt));
	EXPECT_EQ(NULL, rt);
	TH_LOG("%lu queue 1 made, %lu queue 0 destroyed", r.built,
	       r.destroyed);
	EXPECT_LT(0, r.built);
	EXPECT_LT(0, r.destroyed);
	ASSERT_OK(ifd_destroy(self->fd, q0));
}

/* Unbinding a device (destroying its stdev) while its vDEVICE is made */
static void *race_vdev_alloc(void *arg)
{
	struct race *r = arg;
	__u32 vdev;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		__u32 idev = __atomic_load_n(&r->idev_id, __ATOMIC_RELAXED);

		if (vdevice_alloc(r->fd, r->viommu_id, idev, VIRT_ID, &vdev))
			continue;
		/*
		 * Destroy every other one at once (ENOENT if the unbind took
		 * it first); leave the rest to the unbind. Never a stale ID:
		 * that could name a newer object by now.
		 */
		if (r->built++ & 1)
			ifd_destroy(r->fd, vdev);
	}
	return NULL;
}

TEST_F_TIMEOUT(viommu, race_unbind_vs_vdevice, 120)
{
	struct race r = {
		.fd = self->fd,
		.idev_id = self->idev_id,
		.viommu_id = self->viommu_id,
	};
	__u32 stdev = self->stdev_id, idev;
	unsigned int i;
	pthread_t t;

	ASSERT_OK(pthread_create(&t, NULL, race_vdev_alloc, &r));
	for (i = 0; i != 1000; i++) {
		ASSERT_OK(ifd_destroy(self->fd, stdev));
		ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, NULL,
				      &idev));
		__atomic_store_n(&r.idev_id, idev, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_OK(pthread_join(t, NULL));
	TH_LOG("%lu vDEVICEs made", r.built);
	EXPECT_LT(0, r.built);
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	/* Every vDEVICE went with its device or was destroyed */
	ASSERT_OK(ifd_destroy(self->fd, self->viommu_id));
}

TEST_HARNESS_MAIN
