// SPDX-License-Identifier: GPL-2.0-only
/*
 * PASID attachments through the mock: IOMMU_HWPT_ALLOC_PASID and the
 * IOMMU_TEST_OP_PASID_* ops, which call the kAPI a driver such as vfio
 * uses (iommufd_device_pasid_attach(), _replace(), _detach()).
 *
 * Every rule and errno: which HWPTs a PASID may take, what the RID of a
 * device with PASIDs may be attached to, replace keeping the old HWPT on
 * failure (IOMMU_TEST_PASID_RESERVED), HWPT destroy while attached, unbind
 * and close with PASIDs attached, faults on a fault-capable PASID, and
 * races of PASID changes with destroying the HWPT or the device and with
 * closing the file. PASID_CHECK_HWPT checks both iommufd's record and what
 * the mock IOMMU was told, so a PASID that is "attached" only in iommufd's
 * books fails too.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>

#include "device_utils.h"
#include "viommu_utils.h"

#define PASID	0x10
#define PASID2	0x20
#define NR_LOOPS 2000

FIXTURE(pasid) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;		/* a PASID-capable mock device */
	__u32 idev_id;
	__u32 auto_id;		/* its first HWPT: automatic, not PASID */
	__u32 hwpt_a;		/* PASID-capable paging HWPTs */
	__u32 hwpt_b;
	__u32 plain_id;		/* a paging HWPT without the flag */
	void *buf;
	size_t size;
};

FIXTURE_SETUP(pasid)
{
	__u32 pt;

	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));
	self->size = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf, self->size,
				MOCK_APERTURE_START));
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    MOCK_FLAGS_DEVICE_PASID, &self->stdev_id,
				    &self->auto_id, &self->idev_id));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_PASID, &self->hwpt_a));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_PASID, &self->hwpt_b));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &self->plain_id));
	/* The RID on a PASID-capable HWPT, so that PASIDs may be attached */
	pt = self->hwpt_a;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
}

FIXTURE_TEARDOWN(pasid)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->buf)
		munmap(self->buf, self->size);
}

/* ---------------------------------------------------------------------- */
/* IOMMU_HWPT_ALLOC_PASID                                                  */
/* ---------------------------------------------------------------------- */

TEST_F(pasid, alloc_flag)
{
	__u32 plain_stdev, plain_idev, hwpt, parent, nested, pt;
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	struct iommu_hwpt_alloc cmd;

	/* With every paging flag the mock has */
	EXPECT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_PASID |
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_PASID |
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	/* Nested HWPTs take it too */
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.flags = IOMMU_HWPT_ALLOC_PASID;
	ASSERT_OK(hwpt_alloc(self->fd, &cmd));
	nested = cmd.out_hwpt_id;
	EXPECT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID, nested));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID, nested));
	/* The next bit is still unknown */
	EXPECT_ERRNO(EOPNOTSUPP,
		     ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				    IOMMU_HWPT_ALLOC_PASID << 1, NULL));

	/*
	 * A device without PASIDs allocates one (its IOMMU has PASIDs) and
	 * uses it on its RID, mappings and all.
	 */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &plain_stdev, NULL,
			      &plain_idev));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, plain_idev, self->ioas_id,
				 IOMMU_HWPT_ALLOC_PASID, &hwpt));
	pt = hwpt;
	ASSERT_OK(mock_domain_replace(self->fd, plain_stdev, &pt));
	EXPECT_EQ(hwpt, pt);
	EXPECT_OK(mock_check_map(self->fd, hwpt, MOCK_APERTURE_START,
				 self->buf, self->size));
	/* ...but no PASID of it */
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, plain_stdev, PASID,
					       hwpt));
	EXPECT_OK(mock_pasid_check(self->fd, plain_stdev, PASID, 0));
	/* A device created straight onto a PASID HWPT */
	EXPECT_OK(mock_domain(self->fd, self->hwpt_b, NULL, &pt, NULL));
	EXPECT_EQ(self->hwpt_b, pt);
}

/*
 * A nested HWPT made by a virtual IOMMU takes the flag like one made from
 * a paging parent, and only with it may it go on a PASID.
 */
TEST_F(pasid, alloc_flag_viommu_nested)
{
	__u32 parent, viommu, vdev, nested, plain;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_OK(viommu_alloc(self->fd, self->idev_id, parent, &viommu));
	/* The mock attaches a vIOMMU's table only to a device it knows */
	ASSERT_OK(vdevice_alloc(self->fd, viommu, self->idev_id, 0x99, &vdev));
	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id, viommu,
				      IOMMU_HWPT_ALLOC_PASID, 0, &nested));
	ASSERT_OK(viommu_nested_alloc(self->fd, self->idev_id, viommu, 0, 0,
				      &plain));
	EXPECT_ERRNO(EOPNOTSUPP,
		     viommu_nested_alloc(self->fd, self->idev_id, viommu,
					 IOMMU_HWPT_ALLOC_PASID << 1, 0,
					 NULL));

	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id,
					       PASID, plain));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID, 0));
	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID, nested));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID, nested));
	/* In use on the PASID: the vIOMMU and the HWPT stay */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, viommu));
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, PASID));
	EXPECT_OK(ifd_destroy(self->fd, nested));
	EXPECT_OK(ifd_destroy(self->fd, plain));
	EXPECT_OK(ifd_destroy(self->fd, vdev));
	EXPECT_OK(ifd_destroy(self->fd, viommu));
	EXPECT_OK(ifd_destroy(self->fd, parent));
}

/* ---------------------------------------------------------------------- */
/* Attach                                                                  */
/* ---------------------------------------------------------------------- */

TEST_F(pasid, attach_errors)
{
	__u32 fault_id, parent, nested, max = 1U << MOCK_PASID_WIDTH;
	int fault_fd;

	/* Not a HWPT, or not one made for PASIDs */
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       self->ioas_id));
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       self->plain_id));
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       self->idev_id));
	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       fault_id));
	ASSERT_OK(nested_alloc(self->fd, self->idev_id, self->ioas_id, &parent,
			       &nested));
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       nested));
	EXPECT_ERRNO(ENOENT, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       BAD_ID));
	EXPECT_ERRNO(ENOENT, mock_pasid_attach(self->fd, BAD_ID, PASID,
					       self->hwpt_a));
	/* The RID is no PASID, and PASIDs stop at the device's width */
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, 0,
					       self->hwpt_a));
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, max,
					       self->hwpt_a));
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id,
					       UINT32_MAX, self->hwpt_a));
	EXPECT_OK(mock_pasid_attach(self->fd, self->stdev_id, max - 1,
				    self->hwpt_a));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, max - 1,
				   self->hwpt_a));

	/* Nothing of the refused attaches stuck */
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID, 0));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, 0, 0));
	EXPECT_OK(ifd_destroy(self->fd, self->plain_id));
	EXPECT_OK(ifd_destroy(self->fd, nested));
	close(fault_fd);
	EXPECT_OK(ifd_destroy(self->fd, fault_id));
}

TEST_F(pasid, attach_once)
{
	EXPECT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID,
				    self->hwpt_b));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID,
				   self->hwpt_b));
	/* A mismatch in either direction fails the check */
	EXPECT_ERRNO(EINVAL, mock_pasid_check(self->fd, self->stdev_id, PASID,
					      self->hwpt_a));
	EXPECT_ERRNO(EINVAL, mock_pasid_check(self->fd, self->stdev_id, PASID,
					      0));
	EXPECT_ERRNO(EINVAL, mock_pasid_check(self->fd, self->stdev_id,
					      PASID2, self->hwpt_b));
	EXPECT_ERRNO(EBUSY, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					      self->hwpt_b));
	EXPECT_ERRNO(EBUSY, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					      self->hwpt_a));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID,
				   self->hwpt_b));
	/* Another PASID on the same HWPT, and the RID's own HWPT */
	EXPECT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID2,
				    self->hwpt_b));
	EXPECT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID2 + 1,
				    self->hwpt_a));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID2 + 1,
				   self->hwpt_a));
}

/* The RID must be on a PASID-capable HWPT while PASIDs are attached */
TEST_F(pasid, rid_rules)
{
	__u32 stdev, pt;

	/* A device whose RID is on an automatic HWPT takes no PASID */
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    MOCK_FLAGS_DEVICE_PASID, &stdev, &pt,
				    NULL));
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, stdev, PASID,
					       self->hwpt_a));
	/* Nor is an automatic HWPT one for PASIDs */
	EXPECT_ERRNO(EINVAL, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       pt));
	EXPECT_OK(mock_pasid_check(self->fd, stdev, PASID, 0));
	pt = self->hwpt_b;
	ASSERT_OK(mock_domain_replace(self->fd, stdev, &pt));
	EXPECT_OK(mock_pasid_attach(self->fd, stdev, PASID, self->hwpt_a));

	/* With a PASID attached, the RID keeps a PASID-capable HWPT */
	pt = self->plain_id;
	EXPECT_ERRNO(EINVAL, mock_domain_replace(self->fd, stdev, &pt));
	pt = self->ioas_id;
	EXPECT_ERRNO(EINVAL, mock_domain_replace(self->fd, stdev, &pt));
	/* Still on hwpt_b: replacing with it again changes nothing */
	pt = self->hwpt_b;
	EXPECT_OK(mock_domain_replace(self->fd, stdev, &pt));
	EXPECT_EQ(self->hwpt_b, pt);
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_b));
	pt = self->hwpt_a;
	EXPECT_OK(mock_domain_replace(self->fd, stdev, &pt));
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_b));

	/* Once the PASIDs are gone, anything goes again */
	EXPECT_OK(mock_pasid_detach(self->fd, stdev, PASID));
	pt = self->plain_id;
	EXPECT_OK(mock_domain_replace(self->fd, stdev, &pt));
	EXPECT_EQ(self->plain_id, pt);
	pt = self->ioas_id;
	EXPECT_OK(mock_domain_replace(self->fd, stdev, &pt));
	EXPECT_NE(self->plain_id, pt);
	EXPECT_OK(ifd_destroy(self->fd, stdev));
}

/* ---------------------------------------------------------------------- */
/* Replace and detach                                                      */
/* ---------------------------------------------------------------------- */

TEST_F(pasid, replace)
{
	EXPECT_ERRNO(EINVAL, mock_pasid_replace(self->fd, self->stdev_id,
						PASID, self->hwpt_b));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID, 0));

	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID,
				    self->hwpt_a));
	EXPECT_OK(mock_pasid_replace(self->fd, self->stdev_id, PASID,
				     self->hwpt_b));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID,
				   self->hwpt_b));
	/* The HWPT it left is free, the one it is on is busy */
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_b));
	/* To the same HWPT: nothing happens */
	EXPECT_OK(mock_pasid_replace(self->fd, self->stdev_id, PASID,
				     self->hwpt_b));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID,
				   self->hwpt_b));

	/* Refused replaces keep the old HWPT */
	EXPECT_ERRNO(EINVAL, mock_pasid_replace(self->fd, self->stdev_id,
						PASID, self->ioas_id));
	EXPECT_ERRNO(EINVAL, mock_pasid_replace(self->fd, self->stdev_id,
						PASID, self->plain_id));
	EXPECT_ERRNO(ENOENT, mock_pasid_replace(self->fd, self->stdev_id,
						PASID, BAD_ID));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID,
				   self->hwpt_b));
	EXPECT_OK(mock_pasid_replace(self->fd, self->stdev_id, PASID,
				     self->hwpt_a));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID,
				   self->hwpt_a));
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_b));
}

/* The mock IOMMU fails every replace of this PASID, keeping the old HWPT */
TEST_F(pasid, replace_fails_in_driver)
{
	__u32 p = IOMMU_TEST_PASID_RESERVED;

	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, p,
				    self->hwpt_a));
	EXPECT_ERRNO(ENOMEM, mock_pasid_replace(self->fd, self->stdev_id, p,
						self->hwpt_b));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, p, self->hwpt_a));
	/* The failed replace took no reference */
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_b));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_a));
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, p));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, p, 0));
}

TEST_F(pasid, detach)
{
	/* Detaching what is not attached is no error */
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, PASID));
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, 0));
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, UINT32_MAX));
	EXPECT_ERRNO(ENOENT, mock_pasid_detach(self->fd, BAD_ID, PASID));

	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID,
				    self->hwpt_b));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_b));
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, PASID));
	EXPECT_OK(mock_pasid_check(self->fd, self->stdev_id, PASID, 0));
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, PASID));
	/* Attachable again, and the HWPT is free once detached */
	EXPECT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID,
				    self->hwpt_b));
	EXPECT_OK(mock_pasid_detach(self->fd, self->stdev_id, PASID));
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_b));
}

/* ---------------------------------------------------------------------- */
/* Lifetimes                                                               */
/* ---------------------------------------------------------------------- */

/* Unbinding (destroying the selftest object) detaches every PASID */
TEST_F(pasid, unbind_with_pasids)
{
	unsigned int i;

	for (i = 1; i <= 64; i++)
		ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, i * 3,
					    i & 1 ? self->hwpt_a :
						    self->hwpt_b));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_b));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->idev_id));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	EXPECT_ERRNO(ENOENT, mock_pasid_check(self->fd, self->stdev_id, 3,
					      self->hwpt_a));
	/* Nothing holds the HWPTs or the IOAS any more */
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_a));
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_b));
	EXPECT_OK(ifd_destroy(self->fd, self->plain_id));
	EXPECT_OK(ifd_destroy(self->fd, self->ioas_id));
	EXPECT_OK(mock_check_refs(self->fd, self->buf, self->size, 0));
}

/* Closing the file with PASIDs attached tears everything down */
TEST_F(pasid, close_with_pasids)
{
	int fd;

	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID,
				    self->hwpt_a));
	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id,
				    IOMMU_TEST_PASID_RESERVED, self->hwpt_b));
	close(self->fd);
	self->fd = -1;
	fd = ifd_open();
	ASSERT_LE(0, fd);
	EXPECT_OK(mock_check_refs(fd, self->buf, self->size, 0));
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* Faults                                                                  */
/* ---------------------------------------------------------------------- */

static int trigger_iopf(int fd, __u32 dev_id, __u32 pasid, __u32 grpid)
{
	struct iommu_test_cmd req = {
		.trigger_iopf = {
			.dev_id = dev_id,
			.pasid = pasid,
			.grpid = grpid,
			.perm = IOMMU_PGFAULT_PERM_READ,
			.addr = 0x1000 * (grpid + 1),
		},
	};

	return mock_cmd(fd, IOMMU_TEST_OP_TRIGGER_IOPF, &req);
}

static bool readable(int fault_fd)
{
	struct pollfd p = { .fd = fault_fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* A fault-capable nested HWPT usable on PASIDs */
static __u32 fault_nested(struct __test_metadata *_metadata,
			  struct _test_data_pasid *self, __u32 *fault_id,
			  int *fault_fd)
{
	struct iommu_hwpt_selftest data = { .iotlb = 2 };
	struct iommu_hwpt_alloc cmd;
	__u32 parent;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_OK(fault_queue_alloc(self->fd, fault_id, fault_fd));
	cmd = nested_req(self->idev_id, parent, &data);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID;
	cmd.fault_id = *fault_id;
	EXPECT_OK(hwpt_alloc(self->fd, &cmd));
	return cmd.out_hwpt_id;
}

TEST_F(pasid, faults)
{
	struct iommu_hwpt_page_response resp = {
		.code = IOMMUFD_PAGE_RESP_SUCCESS,
	};
	struct iommu_hwpt_pgfault f;
	__u32 fault_id, nested, pt;
	int fault_fd;

	nested = fault_nested(_metadata, self, &fault_id, &fault_fd);
	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID, nested));

	/* A fault of the PASID reaches the queue, naming device and PASID */
	ASSERT_OK(trigger_iopf(self->fd, self->idev_id, PASID, 1));
	ASSERT_TRUE(readable(fault_fd));
	ASSERT_EQ(sizeof(f), read(fault_fd, &f, sizeof(f)));
	EXPECT_EQ(self->idev_id, f.dev_id);
	EXPECT_EQ(PASID, f.pasid);
	EXPECT_EQ(1, f.grpid);
	EXPECT_TRUE(f.flags & IOMMU_PGFAULT_FLAGS_PASID_VALID);
	resp.cookie = f.cookie;
	ASSERT_EQ(sizeof(resp), write(fault_fd, &resp, sizeof(resp)));

	/* A PASID on a HWPT without a queue: its faults go nowhere */
	ASSERT_OK(mock_pasid_attach(self->fd, self->stdev_id, PASID2,
				    self->hwpt_b));
	ASSERT_OK(trigger_iopf(self->fd, self->idev_id, PASID2, 2));
	EXPECT_FALSE(readable(fault_fd));

	/* The RID on the same fault-capable HWPT too; then the PASID leaves */
	pt = nested;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(trigger_iopf(self->fd, self->idev_id, PASID, 3));
	ASSERT_TRUE(readable(fault_fd));
	/* A fault left unanswered is answered when the PASID moves away */
	ASSERT_OK(mock_pasid_replace(self->fd, self->stdev_id, PASID,
				     self->hwpt_a));
	EXPECT_FALSE(readable(fault_fd));
	/* Faults stay enabled for the RID, which is still fault-capable */
	ASSERT_OK(trigger_iopf(self->fd, self->idev_id, 0, 4));
	ASSERT_TRUE(readable(fault_fd));
	ASSERT_EQ(sizeof(f), read(fault_fd, &f, sizeof(f)));
	EXPECT_EQ(4, f.grpid);
	EXPECT_FALSE(f.flags & IOMMU_PGFAULT_FLAGS_PASID_VALID);

	/* Back on the PASID, the RID leaves: the PASID's faults still arrive */
	ASSERT_OK(mock_pasid_replace(self->fd, self->stdev_id, PASID, nested));
	pt = self->hwpt_a;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_OK(trigger_iopf(self->fd, self->idev_id, PASID, 5));
	ASSERT_TRUE(readable(fault_fd));
	ASSERT_EQ(sizeof(f), read(fault_fd, &f, sizeof(f)));
	EXPECT_EQ(5, f.grpid);
	EXPECT_EQ(PASID, f.pasid);
	/* Read but unanswered when the PASID is detached: answered then */
	ASSERT_OK(mock_pasid_detach(self->fd, self->stdev_id, PASID));
	resp.cookie = f.cookie;
	EXPECT_EQ(-1, write(fault_fd, &resp, sizeof(resp)));
	EXPECT_OK(ifd_destroy(self->fd, self->stdev_id));
	EXPECT_OK(ifd_destroy(self->fd, nested));
	close(fault_fd);
	EXPECT_OK(ifd_destroy(self->fd, fault_id));
}

/* ---------------------------------------------------------------------- */
/* Races                                                                   */
/* ---------------------------------------------------------------------- */

struct racer {
	int fd;
	__u32 stdev_id;
	__u32 pasid;
	atomic_uint hwpt[2];
	atomic_bool *stop;
	unsigned int ok, gone;
	int bad_errno;
};

/* Attach, replace back and forth and detach until told to stop */
static void *pasid_churn(void *arg)
{
	struct racer *r = arg;
	unsigned int i;

	for (i = 0; !atomic_load(r->stop) && i != NR_LOOPS * 8; i++) {
		int rc;

		switch (i % 4) {
		case 0:
			rc = mock_pasid_attach(r->fd, r->stdev_id, r->pasid,
					       atomic_load(&r->hwpt[0]));
			break;
		case 1:
		case 2:
			rc = mock_pasid_replace(r->fd, r->stdev_id, r->pasid,
						atomic_load(&r->hwpt[i & 1]));
			break;
		default:
			rc = mock_pasid_detach(r->fd, r->stdev_id, r->pasid);
			break;
		}
		if (!rc) {
			r->ok++;
			continue;
		}
		/* The device, a HWPT or the file is gone: nothing else */
		if (errno == ENOENT || errno == EBADF || errno == EINVAL ||
		    errno == EBUSY) {
			r->gone++;
			continue;
		}
		r->bad_errno = errno;
		break;
	}
	return NULL;
}

static void start_racers(struct __test_metadata *_metadata,
			 struct _test_data_pasid *self, struct racer *r,
			 pthread_t *t, unsigned int n, atomic_bool *stop)
{
	unsigned int i;

	for (i = 0; i != n; i++) {
		r[i] = (struct racer){
			.fd = self->fd,
			.stdev_id = self->stdev_id,
			.pasid = PASID + i,
			.hwpt = { self->hwpt_a, self->hwpt_b },
			.stop = stop,
		};
		ASSERT_OK(pthread_create(&t[i], NULL, pasid_churn, &r[i]));
	}
}

static void join_racers(struct __test_metadata *_metadata, struct racer *r,
			pthread_t *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i != n; i++) {
		ASSERT_OK(pthread_join(t[i], NULL));
		EXPECT_EQ(0, r[i].bad_errno);
	}
}

/*
 * IOMMU_DESTROY of the HWPT the PASIDs go to: EBUSY while one is on it, and
 * once it is gone no PASID is left on it. A new HWPT every round.
 */
TEST_F(pasid, race_hwpt_destroy)
{
	atomic_bool stop = false;
	unsigned int i, round, busy = 0;
	struct racer r[2];
	pthread_t t[2];
	__u32 hwpt;

	start_racers(_metadata, self, r, t, 2, &stop);
	for (round = 0; round != 100; round++) {
		ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id,
					 self->ioas_id, IOMMU_HWPT_ALLOC_PASID,
					 &hwpt));
		atomic_store(&r[0].hwpt[1], hwpt);
		atomic_store(&r[1].hwpt[1], hwpt);
		usleep(round * 20);
		for (i = 0; ifd_destroy(self->fd, hwpt); i++) {
			ASSERT_EQ(EBUSY, errno);
			ASSERT_GT(NR_LOOPS * 100, i);
			busy++;
		}
		for (i = 0; i != 2; i++)
			EXPECT_ERRNO(EINVAL,
				     mock_pasid_check(self->fd, self->stdev_id,
						      PASID + i, hwpt));
	}
	atomic_store(&stop, true);
	join_racers(_metadata, r, t, 2);
	TH_LOG("destroy EBUSY %u times; racers %u/%u and %u/%u done/refused",
	       busy, r[0].ok, r[0].gone, r[1].ok, r[1].gone);
	EXPECT_OK(ifd_destroy(self->fd, self->stdev_id));
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_a));
}

/* Destroying the device under PASID changes: they fail with ENOENT after */
TEST_F(pasid, race_unbind)
{
	atomic_bool stop = false;
	struct racer r[2];
	pthread_t t[2];
	unsigned int i;

	start_racers(_metadata, self, r, t, 2, &stop);
	usleep(2000);
	/* EBUSY while a racer's call holds the object */
	for (i = 0; ifd_destroy(self->fd, self->stdev_id); i++) {
		ASSERT_EQ(EBUSY, errno);
		ASSERT_GT(NR_LOOPS * 100, i);
	}
	join_racers(_metadata, r, t, 2);
	EXPECT_ERRNO(ENOENT, mock_pasid_attach(self->fd, self->stdev_id, PASID,
					       self->hwpt_a));
	/* No attachment outlived the device */
	EXPECT_OK(ifd_destroy(self->fd, self->plain_id));
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_a));
	EXPECT_OK(ifd_destroy(self->fd, self->hwpt_b));
	EXPECT_OK(ifd_destroy(self->fd, self->ioas_id));
}

/* Closing the file under PASID changes (the kernel checks for leaks) */
TEST_F(pasid, race_close)
{
	atomic_bool stop = false;
	struct racer r[2];
	pthread_t t[2];
	int fd;

	start_racers(_metadata, self, r, t, 2, &stop);
	usleep(2000);
	/* The racers' fd goes; ioctls in flight finish on their file ref */
	close(self->fd);
	self->fd = -1;
	join_racers(_metadata, r, t, 2);
	fd = ifd_open();
	ASSERT_LE(0, fd);
	EXPECT_OK(mock_check_refs(fd, self->buf, self->size, 0));
	close(fd);
}

TEST_HARNESS_MAIN
