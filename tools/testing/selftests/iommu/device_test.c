// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices and hardware page tables on the mock IOMMU: the error of every
 * refused IOMMU_HWPT_ALLOC, IOMMU_GET_HW_INFO and attach / replace / detach
 * of a device, and what a refused request must leave behind (nothing).
 *
 * Attach and replace are reached through IOMMU_TEST_OP_MOCK_DOMAIN and
 * IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, which call the same kAPI as VFIO;
 * detach happens when a selftest object is destroyed. The generic size,
 * flag, reserved-field and object-ID rules every command follows are in
 * object_test.c; this file covers what is specific to devices and HWPTs.
 *
 * "Nothing changed" is checked the same way everywhere: the old HWPT still
 * maps the old memory (MD_CHECK_MAP), the memory is pinned exactly as before
 * (MD_CHECK_REFS), the IOVA ranges of an IOAS that the device did not join
 * are not narrowed, and no leftover object keeps an IOAS or HWPT busy.
 *
 * Also here: races of attach and replace with IOMMU_DESTROY of their
 * target, where exactly one side may win and the loser must see ENOENT
 * (attach) or EBUSY (destroy). Fault queues are in fault_test.c.
 */
#include <pthread.h>

#include "iommu_test_utils.h"

#define NR_PAGES 8
#define BAD_ID 0x7fffff00U
#define NR_RACES 64

FIXTURE(dev) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	void *buf;
	void *other;
	size_t size;
	__u64 iova;
};

FIXTURE_SETUP(dev)
{
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));

	self->size = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->size, BUF_SMALL);
	self->other = buf_alloc(self->size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->other);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
	self->iova = MOCK_APERTURE_START;
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, self->size,
				self->iova));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf)
		munmap(self->buf, self->size);
	if (self->other)
		munmap(self->other, self->size);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* A request for a paging HWPT; tests change single fields of it */
static struct iommu_hwpt_alloc hwpt_req(__u32 dev_id, __u32 pt_id, __u32 flags)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.out_hwpt_id = BAD_ID,
	};

	return cmd;
}

/* A request for a mock nested HWPT on @parent_id, with driver data @data */
static struct iommu_hwpt_alloc nested_req(__u32 dev_id, __u32 parent_id,
					  struct iommu_hwpt_selftest *data)
{
	struct iommu_hwpt_alloc cmd = hwpt_req(dev_id, parent_id, 0);

	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
	cmd.data_len = sizeof(*data);
	cmd.data_uptr = (uintptr_t)data;
	return cmd;
}

static int hwpt_alloc(int fd, struct iommu_hwpt_alloc *cmd)
{
	return ioctl(fd, IOMMU_HWPT_ALLOC, cmd);
}

/* A NEST_PARENT paging HWPT and a mock nested HWPT on it */
static int nested_alloc(int fd, __u32 dev_id, __u32 ioas_id, __u32 *parent_id,
			__u32 *nested_id)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd;

	if (ifd_hwpt_alloc(fd, dev_id, ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT,
			   parent_id))
		return -1;
	cmd = nested_req(dev_id, *parent_id, &data);
	if (hwpt_alloc(fd, &cmd))
		return -1;
	*nested_id = cmd.out_hwpt_id;
	return 0;
}

static int mock_check_iotlb(int fd, __u32 nested_id, __u32 index, __u32 val)
{
	struct iommu_test_cmd req = {
		.id = nested_id,
		.check_iotlb = { .id = index, .iotlb = val },
	};

	return mock_cmd(fd, IOMMU_TEST_OP_MD_CHECK_IOTLB, &req);
}

static int fault_queue_alloc(int fd, __u32 *fault_id, int *fault_fd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	rc = ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	if (rc)
		return rc;
	*fault_id = cmd.out_fault_id;
	*fault_fd = cmd.out_fault_fd;
	return 0;
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

/*
 * Is @ioas_id as no device ever touched it: one range covering everything,
 * alignment 1?
 */
static bool ioas_untouched(int fd, __u32 ioas_id)
{
	struct iommu_iova_range r[4];
	__u64 align = 0;
	__u32 num = ARRAY_SIZE(r);

	if (ifd_iova_ranges(fd, ioas_id, r, &num, &align))
		return false;
	return num == 1 && !r[0].start && r[0].last == UINT64_MAX &&
	       align == 1;
}

/* The mock aperture, as IOMMU_IOAS_IOVA_RANGES must report it */
static bool ioas_is_mock_aperture(int fd, __u32 ioas_id)
{
	struct iommu_iova_range r[4];
	__u64 align = 0;
	__u32 num = ARRAY_SIZE(r);

	if (ifd_iova_ranges(fd, ioas_id, r, &num, &align))
		return false;
	return num == 1 && r[0].start == MOCK_APERTURE_START &&
	       r[0].last == MOCK_APERTURE_LAST && align == mio_sz;
}

/* A page that faults on any access */
static void *inaccessible_page(void)
{
	void *p = mmap(NULL, page_sz, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * IOVA placements that a mock domain cannot take: below and above its
 * aperture, and off the mock IO page size.
 */
struct bad_spot {
	const char *what;
	__u64 iova;
};

static const struct bad_spot bad_spots[] = {
	{ "below the aperture", 0 },
	{ "straddling the aperture start", MOCK_APERTURE_START - 4096 },
	{ "above the aperture", MOCK_APERTURE_LAST + 1ULL },
	{ "off the IO page size", MOCK_APERTURE_START + 64 },
};

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
		IOMMU_HWPT_ALLOC_DIRTY_TRACKING | 1U << 3,
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

	/* Paging HWPTs take no driver data, whatever its type */
	cmd = nested_req(self->idev_id, self->ioas_id, &data);
	EXPECT_ERRNO(EOPNOTSUPP, hwpt_alloc(self->fd, &cmd));
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
		TH_LOG("mapping %s", bad_spots[i].what);
		ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
		ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other,
					self->size, bad_spots[i].iova));
		cmd = hwpt_req(self->idev_id, ioas2, 0);
		EXPECT_ERRNO(EADDRINUSE, hwpt_alloc(self->fd, &cmd));
		EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
		EXPECT_TRUE(ioas_untouched(self->fd, ioas2));
		/* Never pinned, or unpinned again */
		EXPECT_OK(mock_check_refs(self->fd, self->other, self->size,
					  0));
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
	cmd.flags = 1U << 3;
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
	cmd = nested_req(self->idev_id, parent, &data);
	for (i = 1; i != 2 * sizeof(data); i++) {
		if (i == sizeof(data))
			continue;
		cmd.data_len = i;
		EXPECT_ERRNO(EINVAL, hwpt_alloc(self->fd, &cmd));
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

/* ---------------------------------------------------------------------- */
/* Attach                                                                  */
/* ---------------------------------------------------------------------- */

TEST_F(dev, attach_bad_targets)
{
	__u32 fault_id, dirty, parent, nested, hwpt, stdev;
	int fault_fd;

	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));
	EXPECT_ERRNO(EINVAL, mock_domain(self->fd, fault_id, NULL, NULL,
					 NULL));
	/* A HWPT that is gone, or an automatic one that went with its device */
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt));
	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	EXPECT_ERRNO(ENOENT, mock_domain(self->fd, hwpt, NULL, NULL, NULL));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	EXPECT_ERRNO(ENOENT, mock_domain(self->fd, self->hwpt_id, NULL, NULL,
					 NULL));

	/* The IOMMU refuses a dirty-tracking domain for a NO_DIRTY device */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dirty));
	EXPECT_ERRNO(EINVAL, mock_domain_flags(self->fd, dirty,
					       MOCK_FLAGS_DEVICE_NO_DIRTY,
					       NULL, NULL, NULL));
	/* Attaching to the IOAS never picks the explicit dirty HWPT */
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    MOCK_FLAGS_DEVICE_NO_DIRTY, &stdev, &hwpt,
				    NULL));
	EXPECT_EQ(self->hwpt_id, hwpt);
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	/* The refused device left no reference behind */
	ASSERT_OK(ifd_destroy(self->fd, dirty));

	/* A nested HWPT is a valid target; the device keeps it busy */
	ASSERT_OK(nested_alloc(self->fd, self->idev_id, self->ioas_id, &parent,
			       &nested));
	ASSERT_OK(mock_domain(self->fd, nested, &stdev, &hwpt, NULL));
	EXPECT_EQ(nested, hwpt);
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, parent));
	close(fault_fd);
}

/*
 * Attaching to an IOAS whose mappings the device's domain cannot hold fails
 * with EADDRINUSE and leaves the IOAS exactly as it was.
 */
TEST_F(dev, attach_conflicting_ioas)
{
	struct iommu_iova_range outside = { 0, page_sz - 1 };
	struct iommu_iova_range inside = {
		MOCK_APERTURE_START, MOCK_APERTURE_START + page_sz - 1
	};
	struct iommu_test_cmd req;
	__u64 unmapped = 0;
	unsigned int i;
	__u32 ioas2;

	for (i = 0; i != ARRAY_SIZE(bad_spots); i++) {
		TH_LOG("mapping %s", bad_spots[i].what);
		ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
		ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other,
					self->size, bad_spots[i].iova));
		memset(&req, 0, sizeof(req));
		req.id = ioas2;
		EXPECT_ERRNO(EADDRINUSE,
			     mock_cmd(self->fd, IOMMU_TEST_OP_MOCK_DOMAIN,
				      &req));
		/* No outputs, no device, no HWPT, no pins, no narrowing */
		EXPECT_EQ(0, req.mock_domain.out_stdev_id);
		EXPECT_EQ(0, req.mock_domain.out_hwpt_id);
		EXPECT_TRUE(ioas_untouched(self->fd, ioas2));
		EXPECT_OK(mock_check_refs(self->fd, self->other, self->size,
					  0));
		EXPECT_OK(ifd_unmap(self->fd, ioas2, bad_spots[i].iova,
				    self->size, &unmapped));
		EXPECT_EQ(self->size, unmapped);
		ASSERT_OK(ifd_destroy(self->fd, ioas2));
	}

	/* An allowed range the domain cannot provide */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &outside, 1));
	EXPECT_ERRNO(EADDRINUSE, mock_domain(self->fd, ioas2, NULL, NULL,
					     NULL));
	/* One inside the aperture is fine */
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &inside, 1));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other, page_sz,
				MOCK_APERTURE_START));
	ASSERT_OK(mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->other, page_sz, 1));
}

/* An attach that fails on an IOAS with a device does not disturb it */
TEST_F(dev, attach_failure_keeps_shared_hwpt)
{
	__u32 dirty, hwpt;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dirty));
	EXPECT_ERRNO(EINVAL, mock_domain_flags(self->fd, dirty,
					       MOCK_FLAGS_DEVICE_NO_DIRTY,
					       NULL, NULL, NULL));
	/* The automatic HWPT still serves the first device, and a new one */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->size));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL, &hwpt, NULL));
	EXPECT_EQ(self->hwpt_id, hwpt);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
	ASSERT_OK(ifd_destroy(self->fd, dirty));
}

/* ---------------------------------------------------------------------- */
/* Replace                                                                 */
/* ---------------------------------------------------------------------- */

/* Checks that the fixture's device still translates through its HWPT */
static void check_unchanged(struct __test_metadata *_metadata,
			    struct _test_data_dev *self)
{
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->size));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
	ASSERT_TRUE(ioas_is_mock_aperture(self->fd, self->ioas_id));
	/* Still attached, so still busy */
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
}

static int replace_raw(int fd, __u32 stdev_id, struct iommu_test_cmd *req,
		       __u32 pt_id)
{
	memset(req, 0, sizeof(*req));
	req->id = stdev_id;
	req->mock_domain_replace.pt_id = pt_id;
	return mock_cmd(fd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, req);
}

TEST_F(dev, replace_bad_targets)
{
	__u32 fault_id, hwpt, stdev, idev, dirty;
	struct iommu_test_cmd req;
	int fault_fd;

	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));
	EXPECT_ERRNO(EINVAL, replace_raw(self->fd, self->stdev_id, &req,
					 fault_id));
	EXPECT_EQ(fault_id, req.mock_domain_replace.pt_id);
	EXPECT_ERRNO(EINVAL, replace_raw(self->fd, self->stdev_id, &req,
					 self->stdev_id));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, self->stdev_id, &req, 0));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt));
	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, self->stdev_id, &req,
					 hwpt));
	check_unchanged(_metadata, self);

	/* A selftest object that is gone, and other kinds of objects */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, NULL, &idev));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, stdev, &req,
					 self->ioas_id));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, self->hwpt_id, &req,
					 self->ioas_id));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, fault_id, &req,
					 self->ioas_id));

	/* The IOMMU refuses the new domain: the old one stays */
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    MOCK_FLAGS_DEVICE_NO_DIRTY, &stdev,
				    &hwpt, &idev));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dirty));
	EXPECT_ERRNO(EINVAL, replace_raw(self->fd, stdev, &req, dirty));
	EXPECT_EQ(dirty, req.mock_domain_replace.pt_id);
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, hwpt));
	ASSERT_OK(mock_check_map(self->fd, hwpt, self->iova, self->buf,
				 self->size));
	ASSERT_OK(ifd_destroy(self->fd, dirty));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	check_unchanged(_metadata, self);
	close(fault_fd);
}

/*
 * Replacing onto an IOAS the device's domain cannot mirror fails with
 * EADDRINUSE; the device keeps translating through its old HWPT and the new
 * IOAS is left as it was.
 */
TEST_F(dev, replace_conflicting_ioas)
{
	struct iommu_iova_range outside = { 0, page_sz - 1 };
	struct iommu_test_cmd req;
	unsigned int i;
	__u32 ioas2;

	for (i = 0; i != ARRAY_SIZE(bad_spots); i++) {
		TH_LOG("mapping %s", bad_spots[i].what);
		ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
		ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other,
					self->size, bad_spots[i].iova));
		EXPECT_ERRNO(EADDRINUSE, replace_raw(self->fd, self->stdev_id,
						     &req, ioas2));
		EXPECT_EQ(ioas2, req.mock_domain_replace.pt_id);
		check_unchanged(_metadata, self);
		EXPECT_TRUE(ioas_untouched(self->fd, ioas2));
		EXPECT_OK(mock_check_refs(self->fd, self->other, self->size,
					  0));
		ASSERT_OK(ifd_destroy(self->fd, ioas2));
	}

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &outside, 1));
	EXPECT_ERRNO(EADDRINUSE, replace_raw(self->fd, self->stdev_id, &req,
					     ioas2));
	check_unchanged(_metadata, self);
	ASSERT_OK(ifd_destroy(self->fd, ioas2));

	/* A good IOAS still works afterwards, and frees the old HWPT */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other, self->size,
				MOCK_APERTURE_START));
	ASSERT_OK(replace_raw(self->fd, self->stdev_id, &req, ioas2));
	EXPECT_NE(self->hwpt_id, req.mock_domain_replace.pt_id);
	ASSERT_OK(mock_check_map(self->fd, req.mock_domain_replace.pt_id,
				 MOCK_APERTURE_START, self->other,
				 self->size));
	EXPECT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 0));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
}

/* Replace moves between paging, nested and automatic HWPTs of one IOAS */
TEST_F(dev, replace_between_hwpts)
{
	__u32 parent, nested, plain, pt;

	ASSERT_OK(nested_alloc(self->fd, self->idev_id, self->ioas_id, &parent,
			       &nested));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &plain));
	pt = nested;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(nested, pt);
	/* The automatic HWPT went with its only device */
	EXPECT_ERRNO(ENOENT, mock_check_map(self->fd, self->hwpt_id,
					    self->iova, self->buf, page_sz));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	pt = parent;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(parent, pt);
	ASSERT_OK(ifd_destroy(self->fd, nested));
	pt = plain;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(plain, pt);
	ASSERT_OK(ifd_destroy(self->fd, parent));
	/* Back to the IOAS: a new automatic HWPT */
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	EXPECT_NE(plain, pt);
	ASSERT_OK(mock_check_map(self->fd, pt, self->iova, self->buf,
				 self->size));
	ASSERT_OK(ifd_destroy(self->fd, plain));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
}

/* ---------------------------------------------------------------------- */
/* Detach and destroy                                                      */
/* ---------------------------------------------------------------------- */

TEST_F(dev, destroy_attached)
{
	__u32 plain, stdev;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &plain));
	ASSERT_OK(mock_domain(self->fd, plain, &stdev, NULL, NULL));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, plain));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_id));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->idev_id));
	ASSERT_OK(mock_check_map(self->fd, plain, self->iova, self->buf,
				 self->size));

	/* Detach (with the selftest object): explicit HWPTs stay */
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(mock_check_map(self->fd, plain, self->iova, self->buf,
				 self->size));
	ASSERT_OK(ifd_destroy(self->fd, plain));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, plain));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 0));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
}

/* ---------------------------------------------------------------------- */
/* Races with IOMMU_DESTROY                                                */
/* ---------------------------------------------------------------------- */

struct racer {
	int fd;
	__u32 target;
	__u32 stdev;
	bool replace;
	pthread_barrier_t *start;
	int rc;
	int err;
};

static void *race_attach(void *arg)
{
	struct racer *r = arg;
	__u32 pt = r->target;

	pthread_barrier_wait(r->start);
	if (r->replace)
		r->rc = mock_domain_replace(r->fd, r->stdev, &pt);
	else
		r->rc = mock_domain(r->fd, r->target, &r->stdev, NULL, NULL);
	r->err = errno;
	return NULL;
}

/*
 * Attach a new device to @target (or, with @replace, move the device of
 * *@stdev there) in one thread while this one destroys @target after
 * @delay_us: exactly one of the two wins. Returns 1 if the device won
 * (*@stdev then names the device), 0 if the destroy did, -1 if the race
 * could not be run.
 */
static int race_once(struct __test_metadata *_metadata, int fd, __u32 target,
		     __u32 *stdev, bool replace, unsigned int delay_us)
{
	pthread_barrier_t start;
	struct racer r = {
		.fd = fd,
		.target = target,
		.stdev = *stdev,
		.replace = replace,
		.start = &start,
	};
	pthread_t thread;
	int rc, err;

	if (pthread_barrier_init(&start, NULL, 2))
		return -1;
	if (pthread_create(&thread, NULL, race_attach, &r)) {
		pthread_barrier_destroy(&start);
		return -1;
	}
	pthread_barrier_wait(&start);
	if (delay_us)
		usleep(delay_us);
	rc = ifd_destroy(fd, target);
	err = errno;
	pthread_join(thread, NULL);
	pthread_barrier_destroy(&start);

	if (!r.rc) {
		/* The device got there first: the target is in use */
		EXPECT_EQ(-1, rc);
		EXPECT_EQ(EBUSY, err);
		*stdev = r.stdev;
		return 1;
	}
	/* The destroy won: the target was gone for the device */
	EXPECT_EQ(ENOENT, r.err);
	EXPECT_EQ(0, rc);
	return 0;
}

/*
 * Creating the mock device takes longer than a destroy: delaying the
 * destroy of every other round lets both orders occur.
 */
static unsigned int race_delay(unsigned int i)
{
	return i % 2 ? 20 : 0;
}

/*
 * IDs are handed out lowest first, and an attach to an IOAS creates up to
 * three objects (selftest object, device, automatic HWPT). Were the
 * target's ID the lowest free one once destroyed, they could take it over
 * and the attach would find one of them instead of nothing. Keeping three
 * lower IDs free makes the target's ID stay unused during the race.
 */
static int alloc_below_holes(int fd, __u32 *holes, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i != nr; i++)
		if (ifd_ioas_alloc(fd, &holes[i]))
			return -1;
	return 0;
}

static int free_holes(int fd, __u32 *holes, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i != nr; i++)
		if (ifd_destroy(fd, holes[i]))
			return -1;
	return 0;
}

TEST_F(dev, race_destroy_hwpt_with_attach)
{
	unsigned int i, won = 0;
	__u32 hwpt, stdev, holes[3];
	int rc;

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(alloc_below_holes(self->fd, holes,
					    ARRAY_SIZE(holes)));
		ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id,
					 self->ioas_id, 0, &hwpt));
		ASSERT_OK(free_holes(self->fd, holes, ARRAY_SIZE(holes)));
		stdev = 0;
		rc = race_once(_metadata, self->fd, hwpt, &stdev, false,
			       race_delay(i));
		ASSERT_LE(0, rc);
		if (rc) {
			ASSERT_OK(mock_check_map(self->fd, hwpt, self->iova,
						 self->buf, self->size));
			ASSERT_OK(ifd_destroy(self->fd, stdev));
			ASSERT_OK(ifd_destroy(self->fd, hwpt));
			won++;
		}
		ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, hwpt));
	}
	TH_LOG("attach won %u of %u", won, NR_RACES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
}

TEST_F(dev, race_destroy_ioas_with_attach)
{
	unsigned int i, won = 0;
	__u32 ioas, stdev, holes[3];
	int rc;

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(alloc_below_holes(self->fd, holes,
					    ARRAY_SIZE(holes)));
		ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
		ASSERT_OK(free_holes(self->fd, holes, ARRAY_SIZE(holes)));
		ASSERT_OK(ifd_map_fixed(self->fd, ioas, self->other,
					self->size, MOCK_APERTURE_START));
		stdev = 0;
		rc = race_once(_metadata, self->fd, ioas, &stdev, false,
			       race_delay(i));
		ASSERT_LE(0, rc);
		if (rc) {
			ASSERT_OK(mock_check_refs(self->fd, self->other,
						  self->size, 1));
			ASSERT_OK(ifd_destroy(self->fd, stdev));
			ASSERT_OK(ifd_destroy(self->fd, ioas));
			won++;
		}
		/* Destroying the IOAS released its mapping's memory */
		ASSERT_OK(mock_check_refs(self->fd, self->other, self->size,
					  0));
	}
	TH_LOG("attach won %u of %u", won, NR_RACES);
}

TEST_F(dev, race_destroy_hwpt_with_replace)
{
	unsigned int i, won = 0;
	__u32 hwpt, pt, stdev;
	int rc;

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id,
					 self->ioas_id, 0, &hwpt));
		stdev = self->stdev_id;
		rc = race_once(_metadata, self->fd, hwpt, &stdev, true, 0);
		ASSERT_LE(0, rc);
		won += rc;
		/* Either way the device has a working translation */
		pt = self->ioas_id;
		ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
		ASSERT_OK(mock_check_map(self->fd, pt, self->iova, self->buf,
					 self->size));
		if (rc)
			ASSERT_OK(ifd_destroy(self->fd, hwpt));
		ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, hwpt));
	}
	TH_LOG("replace won %u of %u", won, NR_RACES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
}

/*
 * The last device leaves an automatic HWPT, which then goes away, while a
 * new device attaches to that HWPT by its ID: either the new device keeps
 * the HWPT alive, or it finds the HWPT gone (ENOENT), never anything else.
 */
TEST_F(dev, race_auto_hwpt_last_device_leaves)
{
	unsigned int i, won = 0;
	__u32 ioas2, auto_hwpt, pt, holes[3];
	pthread_barrier_t start;
	pthread_t thread;
	struct racer r;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	pt = ioas2;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(alloc_below_holes(self->fd, holes,
					    ARRAY_SIZE(holes)));
		auto_hwpt = self->ioas_id;
		ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id,
					      &auto_hwpt));
		ASSERT_OK(free_holes(self->fd, holes, ARRAY_SIZE(holes)));

		r = (struct racer){
			.fd = self->fd,
			.target = auto_hwpt,
			.start = &start,
		};
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		ASSERT_EQ(0, pthread_create(&thread, NULL, race_attach, &r));
		pthread_barrier_wait(&start);
		if (race_delay(i))
			usleep(race_delay(i));
		pt = ioas2;
		EXPECT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
		pthread_join(thread, NULL);
		pthread_barrier_destroy(&start);

		if (!r.rc) {
			/* Kept alive by the new device, gone with it */
			ASSERT_OK(mock_check_map(self->fd, auto_hwpt,
						 self->iova, self->buf,
						 self->size));
			ASSERT_OK(ifd_destroy(self->fd, r.stdev));
			won++;
		} else {
			ASSERT_EQ(ENOENT, r.err);
		}
		ASSERT_ERRNO(ENOENT, mock_check_map(self->fd, auto_hwpt,
						    self->iova, self->buf,
						    page_sz));
	}
	TH_LOG("attach won %u of %u", won, NR_RACES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 0));
}

TEST_HARNESS_MAIN
