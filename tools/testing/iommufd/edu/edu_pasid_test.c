// SPDX-License-Identifier: GPL-2.0
/*
 * edu_pasid_test - PASID attachments of a real device through vfio:
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT with VFIO_DEVICE_ATTACH_PASID and
 * VFIO_DEVICE_DETACH_IOMMUFD_PT with VFIO_DEVICE_DETACH_PASID
 * (patches/0008), and IOMMU_HWPT_ALLOC_PASID with the machine's IOMMU.
 *
 * QEMU's edu device has no PASID capability, so no PASID of it can be
 * attached: what can be proven is that vfio hands the request to iommufd
 * (an unknown pt_id is ENOENT, which only iommufd's lookup answers), that
 * every refusal has the right errno, that the 6.12 structure sizes still
 * work for the RID, and that nothing a refused PASID request does stops the
 * device's DMA through its RID. IOMMU_HWPT_ALLOC_PASID succeeds exactly when
 * the IOMMU instance handles PASIDs (on VT-d: the PASID bit of ECAP).
 *
 * Machines without an IOMMU cannot hand the device to vfio-pci: every test
 * skips there.
 */
#define _GNU_SOURCE
#include "edu_errno.h"

#define VTD_ECAP_PASID	(1ULL << 40)	/* PASID support */

static int pasid_attach_raw(int devfd, __u32 pasid, __u32 *pt_id,
			    __u32 flags, __u32 argsz)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = argsz,
		.flags = flags,
		.pt_id = *pt_id,
		.pasid = pasid,
	};
	int rc;

	rc = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	*pt_id = attach.pt_id;
	return rc;
}

static int pasid_attach(int devfd, __u32 pasid, __u32 pt_id)
{
	return pasid_attach_raw(devfd, pasid, &pt_id, VFIO_DEVICE_ATTACH_PASID,
				sizeof(struct vfio_device_attach_iommufd_pt));
}

static int detach_raw(int devfd, __u32 pasid, __u32 flags, __u32 argsz)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = argsz,
		.flags = flags,
		.pasid = pasid,
	};

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

/* The RID attached to the fixture IOAS with the 6.12 sizes, DMA working */
static void rid_attached(struct __test_metadata *_metadata,
			 struct _test_data_edu_err *self)
{
	__u32 pt = self->ioas_id;

	bind_dev(_metadata, self);
	ASSERT_EQ(0, map_fixed(self->ifd, self->ioas_id, self->a, BUF_SIZE,
			       IOVA_A));
	ASSERT_EQ(0, map_fixed(self->ifd, self->ioas_id, self->b, BUF_SIZE,
			       IOVA_B));
	/* 12 bytes: a 6.12 caller */
	ASSERT_EQ(0, attach_raw(self->edu.devfd, &pt, 0, 12));
	ASSERT_NE(self->ioas_id, pt);
	ASSERT_EQ(0, edu_map_bar0(&self->edu));
	ASSERT_EQ(0, edu_enable_dma(&self->edu));
	ASSERT_EQ(0, edu_check_alive(&self->edu));
	check_dma(_metadata, self, 1);
}

/* The device reports no PASIDs; ALLOC_PASID follows the IOMMU's ability */
TEST_F(edu_err, hw_info_and_alloc_pasid)
{
	struct iommu_hw_info_vtd vtd = {};
	struct iommu_hw_info cmd;
	__u32 hwpt;
	int rc;

	bind_dev(_metadata, self);
	cmd = info_req(self->edu.devid, &vtd, sizeof(vtd));
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	EXPECT_EQ(0, cmd.out_max_pasid_log2);
	EXPECT_EQ(0, cmd.out_capabilities & (IOMMU_HW_CAP_PCI_PASID_EXEC |
					     IOMMU_HW_CAP_PCI_PASID_PRIV));

	rc = hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
			IOMMU_HWPT_ALLOC_PASID, &hwpt);
	if (rc)
		EXPECT_EQ(EOPNOTSUPP, errno);
	if (self->kind == IOMMU_VTD) {
		TH_LOG("VT-d ECAP 0x%llx: PASID %s; ALLOC_PASID %s",
		       (unsigned long long)vtd.ecap_reg,
		       vtd.ecap_reg & VTD_ECAP_PASID ? "yes" : "no",
		       rc ? strerror(errno) : "allocated");
		EXPECT_EQ(!!(vtd.ecap_reg & VTD_ECAP_PASID), !rc);
	} else {
		TH_LOG("IOMMU %s: ALLOC_PASID %s", self->iommu,
		       rc ? strerror(errno) : "allocated");
	}
	if (rc)
		return;

	/* Usable on the RID of a device without PASIDs */
	ASSERT_EQ(0, map_fixed(self->ifd, self->ioas_id, self->a, BUF_SIZE,
			       IOVA_A));
	ASSERT_EQ(0, map_fixed(self->ifd, self->ioas_id, self->b, BUF_SIZE,
			       IOVA_B));
	ASSERT_EQ(0, attach(self->edu.devfd, &hwpt));
	ASSERT_EQ(0, edu_map_bar0(&self->edu));
	ASSERT_EQ(0, edu_enable_dma(&self->edu));
	check_dma(_metadata, self, 2);
	/* ...but not on one of its PASIDs: the device has none */
	EXPECT_EQ(-1, pasid_attach(self->edu.devfd, 1, hwpt));
	EXPECT_EQ(EINVAL, errno);
	check_dma(_metadata, self, 3);
}

TEST_F(edu_err, attach_pasid_errors)
{
	__u32 pt, hwpt;

	rid_attached(_metadata, self);
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id, 0,
				&hwpt));

	/* vfio's own checks: unknown flags, a size without the pasid */
	pt = self->ioas_id;
	EXPECT_EQ(-1, pasid_attach_raw(self->edu.devfd, 1, &pt,
				       VFIO_DEVICE_ATTACH_PASID << 1,
				       sizeof(struct
					      vfio_device_attach_iommufd_pt)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pasid_attach_raw(self->edu.devfd, 1, &pt,
				       VFIO_DEVICE_ATTACH_PASID, 12));
	EXPECT_EQ(EINVAL, errno);

	/* Only iommufd's lookup says ENOENT: the request reached it */
	EXPECT_EQ(-1, pasid_attach(self->edu.devfd, 1, BAD_ID));
	EXPECT_EQ(ENOENT, errno);
	/* An IOAS is no PASID target; nor a HWPT without ALLOC_PASID */
	EXPECT_EQ(-1, pasid_attach(self->edu.devfd, 1, self->ioas_id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pasid_attach(self->edu.devfd, 1, hwpt));
	EXPECT_EQ(EINVAL, errno);
	/* The refusals took no reference and left the RID's DMA alone */
	EXPECT_EQ(0, destroy(self->ifd, hwpt));
	check_dma(_metadata, self, 4);
}

TEST_F(edu_err, detach_pasid)
{
	rid_attached(_metadata, self);

	EXPECT_EQ(-1, detach_raw(self->edu.devfd, 1,
				 VFIO_DEVICE_DETACH_PASID << 1,
				 sizeof(struct vfio_device_detach_iommufd_pt)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, detach_raw(self->edu.devfd, 1, VFIO_DEVICE_DETACH_PASID,
				 8));
	EXPECT_EQ(EINVAL, errno);
	/* A PASID that is not attached: nothing to do, the RID unaffected */
	EXPECT_EQ(0, detach_raw(self->edu.devfd, 1, VFIO_DEVICE_DETACH_PASID,
				sizeof(struct vfio_device_detach_iommufd_pt)));
	check_dma(_metadata, self, 5);
	/* The 6.12 size detaches the RID */
	EXPECT_EQ(0, detach_raw(self->edu.devfd, 0, 0, 8));
}

TEST_HARNESS_MAIN
