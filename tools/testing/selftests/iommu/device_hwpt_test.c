// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hardware page tables on the mock IOMMU: the error of every refused
 * IOMMU_HWPT_ALLOC of a paging or a nested HWPT and of IOMMU_GET_HW_INFO,
 * and what a refused request must leave behind (nothing): no HWPT ID
 * written back, the IOVA ranges of an IOAS no HWPT was made for not
 * narrowed, no leftover object keeping an IOAS busy.
 *
 * The generic size, flag, reserved-field and object-ID rules every command
 * follows are in object_ioctl_test.c; attaching devices to what is
 * allocated here in device_attach_test.c.
 */
#include "device_utils.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

static int mock_check_iotlb(int fd, __u32 nested_id, __u32 index, __u32 val)
{
	struct iommu_test_cmd req = {
		.id = nested_id,
		.check_iotlb = { .id = index, .iotlb = val },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_MD_CHECK_IOTLB, &req);
}

/* A hw_info request for @dev_id with a @len byte buffer at @data */
static struct iommu_hw_info info_req(__u32 dev_id, void *data, __u32 len)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};

	return cmd;
}

static int hw_info(int fd, struct iommu_hw_info *cmd)
{
	return ioctl(fd, IOMMU_GET_HW_INFO, cmd);
}

/* A page that faults on any access */
static void *inaccessible_page(void)
{
	void *p = mmap(NULL, page_sz, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---------------------------------------------------------------------- */
/* IOMMU_HWPT_ALLOC of paging HWPTs                                        */
/* ---------------------------------------------------------------------- */

TEST_F(dev, hwpt_alloc_flags)
{
	static const __u32 good[] = {
		0,
		IOMMU_HWPT_ALLOC_NEST_PARENT,
		IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};
	static const __u32 bad[] = {
		~IOMMU_HWPT_ALLOC_NEST_PARENT,
		1U << 31,
		IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_FAULT_ID_VALID,
		IOMMU_HWPT_ALLOC_DIRTY_TRACKING | 1U << 4,
	};
	struct iommu_hwpt_alloc cmd;
	__u32 stdev, idev;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(good); i++) {
		cmd = hwpt_req(self->idev_id, self->ioas_id, good[i]);
		ASSERT_OK(hwpt_alloc(self->fd, &cmd));
		ASSERT_NE(BAD_ID, cmd.out_hwpt_id);
		ASSERT_NE(self->hwpt_id, cmd.out_hwpt_id);
		/* Filled with the IOAS at once, though nothing is attached */
		ASSERT_OK(mock_check_map(self->fd, cmd.out_hwpt_id, self->iova,
					 self->buf, self->size));
		ASSERT_OK(ifd_destroy(self->fd, cmd.out_hwpt_id));
	}
	for (i = 0; i != ARRAY_SIZE(bad); i++) {
		cmd = hwpt_req(self->idev_id, self->ioas_id, bad[i]);
		EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
		EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
	}

	/* A device without dirty tracking: no DIRTY_TRACKING HWPT for it */
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    MOCK_FLAGS_DEVICE_NO_DIRTY, &stdev, NULL,
				    &idev));
	cmd = hwpt_req(idev, self->ioas_id, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
	cmd = hwpt_req(idev, self->ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT);
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	ASSERT_OK(ifd_destroy(self->fd, cmd.out_hwpt_id));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
}

/* Fields beyond the size userspace passed are zero for the kernel */
TEST_F(dev, hwpt_alloc_short_sizes)
{
	struct {
		struct iommu_hwpt_alloc cmd;
		__u64 tail;
	} raw;
	struct iommu_hwpt_selftest data = { .iotlb = 1 };

	/* Minimum size: data_type, data_len and fault_id are not read */
	raw.cmd = nested_req(self->idev_id, self->ioas_id, &data);
	raw.cmd.flags = 0;
	raw.cmd.fault_id = BAD_ID;
	raw.cmd.__reserved2 = 1;
	raw.cmd.size = offsetofend(struct iommu_hwpt_alloc, __reserved);
	ASSERT_OK(hwpt_alloc(self->fd, &raw.cmd));
	ASSERT_OK(ifd_destroy(self->fd, raw.cmd.out_hwpt_id));

	/* One byte short of the minimum */
	raw.cmd.size--;
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &raw.cmd));

	/* Up to fault_id: __reserved2 is not read */
	raw.cmd = hwpt_req(self->idev_id, self->ioas_id, 0);
	raw.cmd.__reserved2 = 1;
	raw.cmd.size = offsetofend(struct iommu_hwpt_alloc, fault_id);
	ASSERT_OK(hwpt_alloc(self->fd, &raw.cmd));
	ASSERT_OK(ifd_destroy(self->fd, raw.cmd.out_hwpt_id));

	/* Full size: it is */
	raw.cmd.size = sizeof(raw.cmd);
	raw.cmd.out_hwpt_id = BAD_ID;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &raw.cmd));
	EXPECT_EQ(BAD_ID, raw.cmd.out_hwpt_id);

	/* Larger than the kernel's struct: the tail must be zero */
	raw.cmd.__reserved2 = 0;
	raw.cmd.size = sizeof(raw);
	raw.tail = 0;
	ASSERT_OK(hwpt_alloc(self->fd, &raw.cmd));
	ASSERT_OK(ifd_destroy(self->fd, raw.cmd.out_hwpt_id));
	raw.tail = 1ULL << 40;
	EXPECT_ERRNO(E2BIG, hwpt_alloc(self->fd, &raw.cmd));
}

TEST_F(dev, hwpt_alloc_data_rules)
{
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	struct iommu_hwpt_alloc cmd;

	/* A type needs data and data needs a type */
	cmd = hwpt_req(self->idev_id, self->ioas_id, 0);
	cmd.data_len = sizeof(data);
	cmd.data_uptr = (uintptr_t)&data;
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));
	cmd.data_uptr = 0;
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));
	cmd = nested_req(self->idev_id, self->ioas_id, &data);
	cmd.data_len = 0;
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));

	/*
	 * A paging HWPT takes the data its driver defines for one (the
	 * mock's: a page table format, runs_test's pagetable_type), not
	 * another driver's type
	 */
	cmd = nested_req(self->idev_id, self->ioas_id, &data);
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	ASSERT_OK(ifd_destroy(self->fd, cmd.out_hwpt_id));
	cmd = nested_req(self->idev_id, self->ioas_id, &data);
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
}

TEST_F(dev, hwpt_alloc_bad_ids)
{
	__u32 parent, nested, plain, fault_id, ioas2;
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	struct iommu_hwpt_alloc cmd;
	unsigned int i;
	int fault_fd;

	ASSERT_OK(nested_alloc(self->fd, self->idev_id, self->ioas_id, &parent,
			       &nested));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &plain));
	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_destroy(self->fd, ioas2));

	{
		/* @nested: the request carries nested HWPT data */
		const struct {
			const char *what;
			__u32 dev_id, pt_id;
			bool nested;
			int expect;
		} cases[] = {
			{ "dev_id 0", 0, self->ioas_id, false, ENOENT },
			{ "dev_id of a selftest object", self->stdev_id,
			  self->ioas_id, false, ENOENT },
			{ "dev_id of a HWPT", self->hwpt_id, self->ioas_id,
			  false, ENOENT },
			{ "dev_id of a fault queue", fault_id, self->ioas_id,
			  false, ENOENT },
			{ "dev_id of a nested HWPT", nested, parent, true,
			  ENOENT },
			{ "pt_id 0", self->idev_id, 0, false, EINVAL },
			{ "pt_id of a selftest object", self->idev_id,
			  self->stdev_id, false, EINVAL },
			{ "pt_id of a device", self->idev_id, self->idev_id,
			  false, EINVAL },
			{ "pt_id of a fault queue", self->idev_id, fault_id,
			  false, EINVAL },
			{ "pt_id of a destroyed IOAS", self->idev_id, ioas2,
			  false, EINVAL },
			{ "pt_id of a nested HWPT", self->idev_id, nested,
			  false, EINVAL },
			{ "nested on a nested HWPT", self->idev_id, nested,
			  true, EINVAL },
			{ "nested on an automatic HWPT", self->idev_id,
			  self->hwpt_id, true, EINVAL },
			{ "nested on a HWPT without NEST_PARENT", self->idev_id,
			  plain, true, EINVAL },
		};

		for (i = 0; i != ARRAY_SIZE(cases); i++) {
			int rc;

			if (cases[i].nested)
				cmd = nested_req(cases[i].dev_id,
						 cases[i].pt_id, &data);
			else
				cmd = hwpt_req(cases[i].dev_id,
					       cases[i].pt_id, 0);
			rc = hwpt_alloc(self->fd, &cmd);
			if (rc != -1 || errno != cases[i].expect)
				TH_LOG("%s: rc %d %s", cases[i].what, rc,
				       strerror(errno));
			EXPECT_EQ(-1, rc);
			EXPECT_EQ(cases[i].expect, errno);
			EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
		}
	}

	/* A device whose selftest object is gone is no device any more */
	ASSERT_OK(ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, plain));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	cmd = hwpt_req(self->idev_id, self->ioas_id, 0);
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	close(fault_fd);
}

/*
 * A paging HWPT mirrors its IOAS: mappings the new domain cannot hold make
 * the allocation fail, and nothing is left of it.
 */
TEST_F(dev, hwpt_alloc_conflicting_ioas)
{
	struct iommu_iova_range outside = { 0, page_sz - 1 };
	struct iommu_hwpt_alloc cmd;
	__u64 unmapped = 0;
	unsigned int i;
	__u32 ioas2;

	for (i = 0; i != ARRAY_SIZE(bad_spots); i++) {
		ioas2 = bad_spot_ioas(_metadata, self, &bad_spots[i]);
		cmd = hwpt_req(self->idev_id, ioas2, 0);
		EXPECT_ERRNO(EADDRINUSE, hwpt_alloc(self->fd, &cmd));
		EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
		bad_spot_untouched(_metadata, self, ioas2);
		EXPECT_OK(ifd_unmap(self->fd, ioas2, bad_spots[i].iova,
				    self->size, &unmapped));
		EXPECT_EQ(self->size, unmapped);
		/* Without the mapping the same request works */
		ASSERT_OK(hwpt_alloc(self->fd, &cmd));
		ASSERT_OK(ifd_destroy(self->fd, cmd.out_hwpt_id));
		ASSERT_OK(ifd_destroy(self->fd, ioas2));
	}

	/* IOVA the program declared it needs counts like a mapping */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &outside, 1));
	cmd = hwpt_req(self->idev_id, ioas2, 0);
	EXPECT_ERRNO(EADDRINUSE, hwpt_alloc(self->fd, &cmd));
	ASSERT_OK(ifd_destroy(self->fd, ioas2));
}

/* An ID that cannot be returned is no ID: the HWPT is destroyed again */
TEST_F(dev, hwpt_alloc_readonly_argument)
{
	struct iommu_hwpt_alloc *cmd;
	__u32 ioas2;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other, self->size,
				MOCK_APERTURE_START));
	cmd = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cmd);
	*cmd = hwpt_req(self->idev_id, ioas2, IOMMU_HWPT_ALLOC_NEST_PARENT);
	ASSERT_OK(mprotect(cmd, page_sz, PROT_READ));
	EXPECT_ERRNO(EFAULT, hwpt_alloc(self->fd, cmd));
	/* Its domain pinned the memory while it existed */
	EXPECT_OK(mock_check_refs(self->fd, self->other, self->size, 0));
	EXPECT_TRUE(ioas_untouched(self->fd, ioas2));
	EXPECT_OK(ifd_destroy(self->fd, ioas2));
	munmap(cmd, page_sz);
}

/* ---------------------------------------------------------------------- */
/* IOMMU_HWPT_ALLOC of nested HWPTs                                        */
/* ---------------------------------------------------------------------- */

TEST_F(dev, nested_alloc_errors)
{
	struct iommu_hwpt_selftest data = { .iotlb = 0x1234 };
	__u32 parent, plain, nested, nested2;
	struct iommu_hwpt_alloc cmd;
	unsigned int i;
	void *hole;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &plain));
	hole = inaccessible_page();
	ASSERT_NE(NULL, hole);

	/* Flags of paging HWPTs mean nothing for a nested one */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
	cmd.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
	cmd.flags = 1U << 4;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));

	/* Only a NEST_PARENT HWPT can be a parent */
	cmd = nested_req(self->idev_id, plain, &data);
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));
	cmd = nested_req(self->idev_id, self->hwpt_id, &data);
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));
	/* ... and that is checked before the driver sees the data */
	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST + 1;
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));

	/* The driver's part: its data type, exact size, readable */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST + 1;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.data_type = IOMMU_HWPT_DATA_NONE;
	cmd.data_len = 0;
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
	/*
	 * At least iotlb (a 6.12 caller's whole struct); pagetable_type, a
	 * paging domain's field, may follow
	 */
	cmd = nested_req(self->idev_id, parent, &data);
	for (i = 1; i != sizeof(data.iotlb); i++) {
		cmd.data_len = i;
		EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));
	}
	for (; i <= sizeof(data); i++) {
		struct iommu_hwpt_alloc ok = cmd;

		ok.data_len = i;
		ASSERT_OK(hwpt_alloc(self->fd, &ok));
		ASSERT_OK(ifd_destroy(self->fd, ok.out_hwpt_id));
	}
	cmd.data_len = sizeof(data);
	cmd.data_uptr = (uintptr_t)hole;
	EXPECT_ERRNO(EFAULT, hwpt_alloc(self->fd, &cmd));
	cmd.data_uptr = 0;
	EXPECT_ERRNO(EFAULT, hwpt_alloc(self->fd, &cmd));
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);

	/* No failure left a nested HWPT holding the parent */
	ASSERT_OK(ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));

	/* Success: the data reached the driver */
	cmd = nested_req(self->idev_id, parent, &data);
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	nested = cmd.out_hwpt_id;
	for (i = 0; i <= MOCK_NESTED_DOMAIN_IOTLB_ID_MAX; i++)
		EXPECT_OK(mock_check_iotlb(self->fd, nested, i, data.iotlb));

	/* No nesting on nested HWPTs; a nested HWPT is no IOAS either */
	cmd = nested_req(self->idev_id, nested, &data);
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));
	cmd = hwpt_req(self->idev_id, nested, 0);
	EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));

	/* Several nested HWPTs may share a parent, which they keep alive */
	cmd = nested_req(self->idev_id, parent, &data);
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	nested2 = cmd.out_hwpt_id;
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, nested2));
	ASSERT_OK(ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, plain));
	munmap(hole, page_sz);
}

/* ---------------------------------------------------------------------- */
/* IOMMU_GET_HW_INFO                                                       */
/* ---------------------------------------------------------------------- */

TEST_F(dev, hw_info_buffer_lengths)
{
	struct iommu_test_hw_info expect = {
		.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL,
	};
	unsigned char data[3 * sizeof(expect)], zero[sizeof(data)] = {};
	struct iommu_hw_info cmd;
	void *hole;

	hole = inaccessible_page();
	ASSERT_NE(NULL, hole);

	/* Asking only for the size and type */
	cmd = info_req(self->idev_id, NULL, 0);
	ASSERT_OK(hw_info(self->fd, &cmd));
	EXPECT_EQ(sizeof(expect), cmd.data_len);
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);

	/* A short buffer gets the start of the data, nothing more */
	memset(data, 0xff, sizeof(data));
	cmd = info_req(self->idev_id, data, sizeof(expect) - 2);
	ASSERT_OK(hw_info(self->fd, &cmd));
	EXPECT_EQ(sizeof(expect), cmd.data_len);
	EXPECT_EQ(0, memcmp(data, &expect, sizeof(expect) - 2));
	EXPECT_EQ(0xff, data[sizeof(expect) - 2]);
	EXPECT_EQ(0xff, data[sizeof(expect) - 1]);

	/* A long one is cleared past the data */
	memset(data, 0xff, sizeof(data));
	cmd = info_req(self->idev_id, data, sizeof(data) - 1);
	ASSERT_OK(hw_info(self->fd, &cmd));
	EXPECT_EQ(sizeof(expect), cmd.data_len);
	EXPECT_EQ(0, memcmp(data, &expect, sizeof(expect)));
	EXPECT_EQ(0, memcmp(data + sizeof(expect), zero,
			    sizeof(data) - 1 - sizeof(expect)));
	EXPECT_EQ(0xff, data[sizeof(data) - 1]);

	/* A buffer that is not there; failed calls write nothing back */
	cmd = info_req(self->idev_id, hole, sizeof(data));
	cmd.out_data_type = 0x1234;
	EXPECT_ERRNO(EFAULT, hw_info(self->fd, &cmd));
	EXPECT_EQ(sizeof(data), cmd.data_len);
	EXPECT_EQ(0x1234, cmd.out_data_type);
	cmd = info_req(self->idev_id, NULL, sizeof(expect));
	EXPECT_ERRNO(EFAULT, hw_info(self->fd, &cmd));
	munmap(hole, page_sz);
}

TEST_F(dev, hw_info_capabilities)
{
	struct {
		__u32 dev_flags;
		__u64 caps;
		__u8 pasid_log2;
	} cases[] = {
		{ 0, IOMMU_HW_CAP_DIRTY_TRACKING, 0 },
		{ MOCK_FLAGS_DEVICE_NO_DIRTY, 0, 0 },
		{ MOCK_FLAGS_DEVICE_HUGE_IOVA, IOMMU_HW_CAP_DIRTY_TRACKING, 0 },
		{ MOCK_FLAGS_DEVICE_PASID, IOMMU_HW_CAP_DIRTY_TRACKING,
		  MOCK_PASID_WIDTH },
	};
	struct iommu_hw_info cmd;
	__u32 stdev, idev;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(cases); i++) {
		ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
					    cases[i].dev_flags, &stdev, NULL,
					    &idev));
		cmd = info_req(idev, NULL, 0);
		cmd.out_capabilities = ~0ULL;
		cmd.out_max_pasid_log2 = 0xff;
		ASSERT_OK(hw_info(self->fd, &cmd));
		/* A mock device is no PCI device: no PASID EXEC/PRIV bits */
		EXPECT_EQ(cases[i].caps, cmd.out_capabilities);
		EXPECT_EQ(cases[i].pasid_log2, cmd.out_max_pasid_log2);
		EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
		ASSERT_OK(ifd_destroy(self->fd, stdev));
	}
}

TEST_F(dev, hw_info_requested_type)
{
	struct iommu_test_hw_info data;
	struct iommu_hw_info cmd;
	static const __u32 bad_types[] = {
		IOMMU_HW_INFO_TYPE_SELFTEST + 1,
		IOMMU_HW_INFO_TYPE_INTEL_VTD,
		UINT32_MAX,
	};
	unsigned int i;

	/* Without the flag, the input value is ignored */
	cmd = info_req(self->idev_id, &data, sizeof(data));
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	ASSERT_OK(hw_info(self->fd, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);

	/* DEFAULT and the driver's own type are what it can give */
	cmd = info_req(self->idev_id, &data, sizeof(data));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	ASSERT_OK(hw_info(self->fd, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	cmd = info_req(self->idev_id, &data, sizeof(data));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;
	memset(&data, 0, sizeof(data));
	ASSERT_OK(hw_info(self->fd, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, data.test_reg);

	/* Anything else is refused before the buffer is touched */
	for (i = 0; i != ARRAY_SIZE(bad_types); i++) {
		memset(&data, 0xaa, sizeof(data));
		cmd = info_req(self->idev_id, &data, sizeof(data));
		cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		cmd.in_data_type = bad_types[i];
		EXPECT_ERRNO(EOPNOTSUPP, hw_info(self->fd, &cmd));
		EXPECT_EQ(bad_types[i], cmd.in_data_type);
		EXPECT_EQ(0xaaaaaaaa, data.test_reg);
	}

	/* Other flags and reserved bytes */
	cmd = info_req(self->idev_id, &data, sizeof(data));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE | 1U << 1;
	EXPECT_ERRNO(EOPNOTSUPP, hw_info(self->fd, &cmd));
	cmd.flags = 1U << 31;
	EXPECT_ERRNO(EOPNOTSUPP, hw_info(self->fd, &cmd));
	cmd = info_req(self->idev_id, &data, sizeof(data));
	cmd.__reserved[1] = 1;
	EXPECT_ERRNO(EOPNOTSUPP, hw_info(self->fd, &cmd));
}

/* A caller built before out_capabilities existed does not receive it */
TEST_F(dev, hw_info_short_size)
{
	struct iommu_hw_info cmd;

	cmd = info_req(self->idev_id, NULL, 0);
	cmd.size = offsetofend(struct iommu_hw_info, __reserved);
	cmd.out_capabilities = 0x5a5a;
	ASSERT_OK(hw_info(self->fd, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	EXPECT_EQ(0x5a5a, cmd.out_capabilities);
	cmd.size--;
	EXPECT_ERRNO(EINVAL, hw_info(self->fd, &cmd));
}

TEST_F(dev, hw_info_bad_ids)
{
	__u32 ids[5], fault_id;
	struct iommu_hw_info cmd;
	unsigned int i;
	int fault_fd;

	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));
	ids[0] = 0;
	ids[1] = self->stdev_id;
	ids[2] = self->ioas_id;
	ids[3] = fault_id;
	ids[4] = BAD_ID;
	for (i = 0; i != ARRAY_SIZE(ids); i++) {
		cmd = info_req(ids[i], NULL, 0);
		EXPECT_ERRNO(ENOENT, hw_info(self->fd, &cmd));
	}
	/* Detached and unbound with its selftest object */
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	cmd = info_req(self->idev_id, NULL, 0);
	EXPECT_ERRNO(ENOENT, hw_info(self->fd, &cmd));
	close(fault_fd);
}

TEST_HARNESS_MAIN
