// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault queues and the nested HWPTs they serve, on the mock IOMMU.
 *
 * A fault queue (IOMMU_FAULT_QUEUE_ALLOC) is an object and a file: faults
 * of the fault-capable nested HWPTs that name it are read() from the file as
 * struct iommu_hwpt_pgfault records and answered by write(). Faults are
 * injected with IOMMU_TEST_OP_TRIGGER_IOPF, which reports them
 * synchronously, as the IOMMU's page-request handler would.
 */
#include "iommu_test_utils.h"

#define BAD_ID 0x7fffff00U
#define REC sizeof(struct iommu_hwpt_pgfault)

FIXTURE(fault) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	/* Set up by fault_attach() */
	__u32 parent_id;
	__u32 nested_id;
	__u32 fault_id;
	int fault_fd;
};

FIXTURE_SETUP(fault)
{
	self->fault_fd = -1;
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
}

FIXTURE_TEARDOWN(fault)
{
	if (self->fault_fd >= 0)
		close(self->fault_fd);
	if (self->fd >= 0)
		close(self->fd);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

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

/* A request for a mock nested HWPT on @parent_id, with driver data @data */
static struct iommu_hwpt_alloc nested_req(__u32 dev_id, __u32 parent_id,
					  struct iommu_hwpt_selftest *data)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.pt_id = parent_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(*data),
		.data_uptr = (uintptr_t)data,
		.out_hwpt_id = BAD_ID,
	};

	return cmd;
}

static int hwpt_alloc(int fd, struct iommu_hwpt_alloc *cmd)
{
	return ioctl(fd, IOMMU_HWPT_ALLOC, cmd);
}

static int mock_trigger_iopf(int fd, __u32 dev_id, __u32 pasid, __u32 grpid,
			     __u64 addr)
{
	struct iommu_test_cmd req = {
		.trigger_iopf = {
			.dev_id = dev_id,
			.pasid = pasid,
			.grpid = grpid,
			.perm = IOMMU_PGFAULT_PERM_READ |
				IOMMU_PGFAULT_PERM_WRITE,
			.addr = addr,
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_TRIGGER_IOPF, &req);
}

/*
 * A fault queue, a NEST_PARENT HWPT and a nested HWPT on it that delivers
 * its faults to the queue; the fixture's device is moved onto the latter.
 */
static void fault_attach(struct __test_metadata *_metadata,
			 struct _test_data_fault *self)
{
	struct iommu_hwpt_selftest data = { .iotlb = 7 };
	struct iommu_hwpt_alloc cmd;
	__u32 pt;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT,
				 &self->parent_id));
	ASSERT_OK(fault_queue_alloc(self->fd, &self->fault_id,
				    &self->fault_fd));
	cmd = nested_req(self->idev_id, self->parent_id, &data);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = self->fault_id;
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	self->nested_id = cmd.out_hwpt_id;
	pt = self->nested_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(self->nested_id, pt);
}

/* ---------------------------------------------------------------------- */
/* Nested HWPTs with a fault queue                                         */
/* ---------------------------------------------------------------------- */

TEST_F(fault, nested_alloc_fault_id)
{
	struct iommu_hwpt_selftest data = { .iotlb = 7 };
	__u32 parent, fault_id, nested, stdev;
	struct iommu_hwpt_alloc cmd;
	int fault_fd;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));

	/* fault_id must name a fault queue */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = 0;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	cmd.fault_id = UINT32_MAX;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	cmd.fault_id = self->ioas_id;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	cmd.fault_id = parent;
	EXPECT_ERRNO(ENOENT, hwpt_alloc(self->fd, &cmd));
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
	/* The refused nested HWPTs are gone: nothing holds the parent */
	ASSERT_OK(ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));

	/* Without FAULT_ID_VALID fault_id is not looked at */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.fault_id = UINT32_MAX;
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	ASSERT_OK(ifd_destroy(self->fd, cmd.out_hwpt_id));

	/* A fault-capable nested HWPT keeps its queue alive */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = fault_id;
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	nested = cmd.out_hwpt_id;
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, fault_id));
	ASSERT_OK(close(fault_fd));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, fault_id));

	/* And a device attached to it keeps the HWPT alive */
	ASSERT_OK(mock_domain(self->fd, nested, &stdev, NULL, NULL));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, fault_id));
	ASSERT_OK(ifd_destroy(self->fd, parent));
}

/* ---------------------------------------------------------------------- */
/* read(), write() and poll()                                              */
/* ---------------------------------------------------------------------- */

/* read() and write() of a fault queue reject malformed records */
TEST_F(fault, fault_queue_io_errors)
{
	struct iommu_hwpt_page_response resp[2];
	struct iommu_hwpt_pgfault fault[2];
	__u32 pt;

	fault_attach(_metadata, self);
	ASSERT_OK(mock_trigger_iopf(self->fd, self->idev_id, 0x10, 3,
				    0x5000));
	/* Whole records only */
	EXPECT_EQ(-1, read(self->fault_fd, fault, REC - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fault_fd, fault, REC + 8));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(REC, read(self->fault_fd, fault, sizeof(fault)));
	EXPECT_EQ(IOMMU_PGFAULT_FLAGS_PASID_VALID |
		  IOMMU_PGFAULT_FLAGS_LAST_PAGE, fault[0].flags);
	EXPECT_EQ(self->idev_id, fault[0].dev_id);
	EXPECT_EQ(0x10, fault[0].pasid);
	EXPECT_EQ(3, fault[0].grpid);
	EXPECT_EQ(IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE,
		  fault[0].perm);
	EXPECT_EQ(0x5000, fault[0].addr);
	EXPECT_NE(0, fault[0].cookie);

	resp[0].cookie = fault[0].cookie;
	resp[0].code = IOMMUFD_PAGE_RESP_SUCCESS;
	resp[1] = resp[0];
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0]) - 1));
	EXPECT_EQ(EINVAL, errno);
	/* An unknown code, a cookie nobody waits for */
	resp[0].code = IOMMUFD_PAGE_RESP_INVALID + 1;
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0])));
	EXPECT_EQ(EINVAL, errno);
	resp[0].code = IOMMUFD_PAGE_RESP_SUCCESS;
	resp[0].cookie = fault[0].cookie + 1;
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0])));
	EXPECT_EQ(EINVAL, errno);
	/* A good answer followed by a repeated one: the first counts */
	resp[0].cookie = fault[0].cookie;
	EXPECT_EQ(sizeof(resp[0]), write(self->fault_fd, resp, sizeof(resp)));
	EXPECT_EQ(-1, write(self->fault_fd, resp, sizeof(resp[0])));
	EXPECT_EQ(EINVAL, errno);

	/* Leave the fault-capable HWPT; then it and the queue can go */
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(close(self->fault_fd));
	self->fault_fd = -1;
	ASSERT_OK(ifd_destroy(self->fd, self->nested_id));
	ASSERT_OK(ifd_destroy(self->fd, self->fault_id));
	ASSERT_OK(ifd_destroy(self->fd, self->parent_id));
}

TEST_HARNESS_MAIN
