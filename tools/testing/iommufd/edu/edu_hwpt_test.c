// SPDX-License-Identifier: GPL-2.0
/*
 * edu_hwpt_test - hardware page tables for a real device behind a real
 * (emulated) IOMMU: the errors of IOMMU_HWPT_ALLOC for the device, what
 * IOMMU_GET_HW_INFO reports for it, checked against what the IOMMU driver
 * of the machine (VT-d, AMD-Vi, SMMUv3) says about its hardware, and
 * HWPTs of another IOMMU driver (the mock), which the device must not get
 * nested on or attached to. Bind, attach and detach are in
 * edu_attach_test.c.
 *
 * The device's reserved regions are read from
 * /sys/kernel/iommu_groups/N/reserved_regions, the IOMMU's registers from
 * its sysfs directory, so nothing here hard-codes a machine.
 *
 * Machines without an IOMMU cannot hand the device to vfio-pci: every test
 * skips there. Where the emulated IOMMU lacks a feature (nesting, dirty
 * tracking), the test that needs it skips and says which.
 */
#define _GNU_SOURCE
#include "edu_errno.h"
#include "../../../../drivers/iommu/iommufd/iommufd_test.h"

/* Inside the mock IOMMU's aperture and the edu device's 28-bit DMA mask */
#define IOVA_MOCK_A	(MOCK_APERTURE_START + 0x00100000ULL)
#define IOVA_MOCK_B	(MOCK_APERTURE_START + 0x00200000ULL)
/*
 * VT-d extended capability bits the 6.12 driver bases its answers on
 * (Intel VT-d specification, Extended Capability Register).
 */
#define VTD_ECAP_NEST	(1ULL << 26)
#define VTD_ECAP_SMTS	(1ULL << 43)
#define VTD_ECAP_SLADS	(1ULL << 45)
#define VTD_ECAP_SMPWC	(1ULL << 48)
/* VT-d Capability Register: SAGAW (bits 12:8) and MGAW (bits 21:16) */
#define VTD_CAP_SAGAW(c)	(((c) >> 8) & 0x1f)
#define VTD_CAP_MGAW(c)		((((c) >> 16) & 0x3f) + 1)
/* AMD-Vi Extended Feature Register: host dirty bit support (HDSUP) */
#define AMD_EFR_HDSUP	(1ULL << 52)
/* AMD-Vi capability header: the Extended Feature Registers exist */
#define AMD_CAP_EFRSUP	(1ULL << 27)
/* PCI Express extended capability ID of PASID */
#define PCI_EXT_CAP_PASID	0x1b

/* ---------------------------------------------------------------------- */
/* sysfs                                                                   */
/* ---------------------------------------------------------------------- */

/* A hexadecimal value from /sys/class/iommu/<iommu>/<attr> */
static int iommu_sysfs_hex(const char *iommu, const char *attr, __u64 *val)
{
	char path[PATH_MAX], buf[64];
	int ret;

	snprintf(path, sizeof(path), "/sys/class/iommu/%s/%s", iommu, attr);
	ret = edu_read_sysfs(path, buf, sizeof(buf));
	if (ret)
		return ret;
	*val = strtoull(buf, NULL, 16);
	return 0;
}

/* Does the PCI device have a PASID extended capability? */
static bool pci_has_pasid(const char *bdf)
{
	unsigned char cfg[4096];
	unsigned int off = 0x100, hops = 0;
	char path[PATH_MAX];
	ssize_t n;
	__u32 hdr;
	int fd;

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, cfg, sizeof(cfg));
	close(fd);
	/* Conventional PCI: no extended configuration space at all */
	while (n >= (ssize_t)(off + 4) && off >= 0x100 && hops++ < 64) {
		memcpy(&hdr, cfg + off, sizeof(hdr));
		if (!hdr || hdr == ~0U)
			break;
		if ((hdr & 0xffff) == PCI_EXT_CAP_PASID)
			return true;
		off = hdr >> 20;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* IOMMU_HWPT_ALLOC for the device                                         */
/* ---------------------------------------------------------------------- */

TEST_F(edu_err, hwpt_alloc_errors)
{
	struct iommu_hwpt_amd_guest amd = { .dte = { 1, 0, 0, 0 } };
	struct iommu_hwpt_vtd_s1 s1 = {};
	struct iommu_hwpt_alloc cmd;
	size_t pg = getpagesize();
	__u32 hwpt, pt, ioas2;
	unsigned int i;
	int ifd2;

	bind_dev(_metadata, self);

	/* Flags no paging HWPT can have, driver data on a paging HWPT */
	cmd = hwpt_req(self->edu.devid, self->ioas_id,
		       IOMMU_HWPT_FAULT_ID_VALID);
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	cmd.flags = 1U << 4;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	cmd = hwpt_req(self->edu.devid, self->ioas_id, 0);
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	cmd.data_len = sizeof(s1);
	cmd.data_uptr = (uintptr_t)&s1;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);
	/*
	 * An AMD guest DTE: no driver here nests it; the 6.12 AMD driver has
	 * no nesting parent (nest_parent_refused_where_unsupported) and takes
	 * no driver data for a paging table.
	 */
	cmd.data_type = IOMMU_HWPT_DATA_AMD_GUEST;
	cmd.data_len = sizeof(amd);
	cmd.data_uptr = (uintptr_t)&amd;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);

	/* Wrong IDs */
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->ioas_id, self->ioas_id, 0,
				 NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid,
				 self->edu.devid, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Device IDs mean nothing in another iommufd */
	ifd2 = edu_open_iommufd();
	ASSERT_LE(0, ifd2);
	ASSERT_EQ(0, ioas_alloc(ifd2, &ioas2));
	EXPECT_EQ(-1, hwpt_alloc(ifd2, self->edu.devid, ioas2, 0, NULL));
	EXPECT_EQ(ENOENT, errno);
	close(ifd2);

	/*
	 * An explicit HWPT knows the aperture but not the device's
	 * reserved regions: those refuse the attach.
	 */
	for (i = 0; i != self->nr_regions; i++) {
		const struct resv_region *r = &self->regions[i];
		__u64 iova = r->start & ~(__u64)(pg - 1);

		if (!region_enforced(r))
			continue;
		ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
		ASSERT_EQ(0, map_fixed(self->ifd, ioas2, self->a, pg, iova));
		if (hwpt_alloc(self->ifd, self->edu.devid, ioas2, 0, &hwpt)) {
			/* Not even the domain can take it (outside aperture) */
			EXPECT_EQ(EADDRINUSE, errno);
		} else {
			pt = hwpt;
			EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
			EXPECT_EQ(EADDRINUSE, errno);
			EXPECT_TRUE(iova_usable(self->ifd, ioas2, r->start));
			ASSERT_EQ(0, destroy(self->ifd, hwpt));
		}
		ASSERT_EQ(0, destroy(self->ifd, ioas2));
	}

	/* The good case: an attached HWPT and its IOAS are busy */
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id, 0,
				&hwpt));
	pt = hwpt;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_EQ(hwpt, pt);
	EXPECT_EQ(-1, destroy(self->ifd, hwpt));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, destroy(self->ifd, self->ioas_id));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, destroy(self->ifd, self->edu.devid));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, edu_detach(&self->edu));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

#define SMMU_IDR0_S2P	(1U << 0)
#define SMMU_IDR0_S1P	(1U << 1)

/* What the IOMMU driver of this machine says about nesting parents */
static bool nest_parent_expected(struct __test_metadata *_metadata,
				 struct _test_data_edu_err *self,
				 const char **why)
{
	struct iommu_hw_info_arm_smmuv3 smmu = {};
	struct iommu_hw_info_vtd vtd = {};
	struct iommu_hw_info cmd;

	switch (self->kind) {
	case IOMMU_VTD:
		cmd = info_req(self->edu.devid, &vtd, sizeof(vtd));
		if (hw_info(self->ifd, &cmd))
			return false;
		*why = "no nested translation (ECAP.NEST) in scalable mode";
		return (vtd.ecap_reg & VTD_ECAP_NEST) &&
		       (vtd.ecap_reg & VTD_ECAP_SMTS);
	case IOMMU_AMD:
		*why = "the 6.12 AMD-Vi driver has no nesting";
		return false;
	case IOMMU_SMMUV3:
		/* Both stages (patches/0010); QEMU 9.2 and later have them */
		cmd = info_req(self->edu.devid, &smmu, sizeof(smmu));
		if (hw_info(self->ifd, &cmd))
			return false;
		*why = "no stage 1 and stage 2 (IDR0.S1P, S2P)";
		return (smmu.idr[0] & SMMU_IDR0_S1P) &&
		       (smmu.idr[0] & SMMU_IDR0_S2P);
	case IOMMU_VIRTIO:
		*why = "virtio-iommu has no nesting";
		return false;
	default:
		*why = "unknown IOMMU";
		return false;
	}
}

TEST_F(edu_err, nest_parent_refused_where_unsupported)
{
	const char *why = "";

	bind_dev(_metadata, self);
	if (nest_parent_expected(_metadata, self, &why))
		SKIP(return, "%s offers nesting", self->iommu);
	TH_LOG("%s: %s", self->iommu, why);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(edu_err, nest_parent)
{
	const char *why = "";
	__u32 hwpt, pt;

	bind_dev(_metadata, self);
	if (!nest_parent_expected(_metadata, self, &why))
		SKIP(return, "%s: %s", self->iommu, why);
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt));
	/* A nesting parent is an ordinary paging HWPT for the device, too */
	pt = hwpt;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_EQ(hwpt, pt);
	ASSERT_EQ(0, edu_detach(&self->edu));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

/*
 * Whether the driver can track dirty pages, as the hardware registers
 * tell; -1 when the registers cannot be read from userspace.
 */
static int dirty_expected(struct __test_metadata *_metadata,
			  struct _test_data_edu_err *self)
{
	struct iommu_hw_info_vtd vtd = {};
	struct iommu_hw_info cmd;
	char path[PATH_MAX], buf[64];
	__u64 efr;

	switch (self->kind) {
	case IOMMU_VTD:
		cmd = info_req(self->edu.devid, &vtd, sizeof(vtd));
		if (hw_info(self->ifd, &cmd))
			return -1;
		/* Second-stage A/D bits in scalable mode, with SMPWC */
		return (vtd.ecap_reg & VTD_ECAP_SMTS) &&
		       (vtd.ecap_reg & VTD_ECAP_SLADS) &&
		       (vtd.ecap_reg & VTD_ECAP_SMPWC);
	case IOMMU_AMD:
		snprintf(path, sizeof(path),
			 "/sys/class/iommu/%s/amd-iommu/features", self->iommu);
		if (edu_read_sysfs(path, buf, sizeof(buf)))
			return -1;
		efr = strtoull(buf, NULL, 16);
		return !!(efr & AMD_EFR_HDSUP);
	default:
		return -1;
	}
}

static __u64 hw_caps(struct __test_metadata *_metadata,
		     struct _test_data_edu_err *self)
{
	struct iommu_hw_info cmd = info_req(self->edu.devid, NULL, 0);

	if (hw_info(self->ifd, &cmd))
		return 0;
	return cmd.out_capabilities;
}

TEST_F(edu_err, dirty_tracking_refused_where_unsupported)
{
	int expect;

	bind_dev(_metadata, self);
	expect = dirty_expected(_metadata, self);
	if (hw_caps(_metadata, self) & IOMMU_HW_CAP_DIRTY_TRACKING)
		SKIP(return, "%s tracks dirty pages", self->iommu);
	/* The driver agrees with the hardware registers */
	if (expect >= 0)
		EXPECT_EQ(0, expect);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				 IOMMU_HWPT_ALLOC_NEST_PARENT, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(edu_err, dirty_tracking)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	int expect;
	__u32 hwpt;

	bind_dev(_metadata, self);
	expect = dirty_expected(_metadata, self);
	if (!(hw_caps(_metadata, self) & IOMMU_HW_CAP_DIRTY_TRACKING))
		SKIP(return, "%s: the emulated IOMMU has no dirty tracking (%s)",
		     self->iommu,
		     self->kind == IOMMU_VTD ? "no ECAP.SLADS" :
		     self->kind == IOMMU_AMD ? "no EFR.HDSUP" :
		     self->kind == IOMMU_SMMUV3 ? "no IDR0.HTTU" :
		     self->kind == IOMMU_VIRTIO ? "not in virtio-iommu" :
		     "unknown");
	if (expect >= 0)
		EXPECT_EQ(1, expect);
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	set.hwpt_id = hwpt;
	EXPECT_EQ(0, ioctl(self->ifd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

/* ---------------------------------------------------------------------- */
/* IOMMU_GET_HW_INFO                                                       */
/* ---------------------------------------------------------------------- */

static void check_vtd_info(struct __test_metadata *_metadata,
			   struct _test_data_edu_err *self,
			   const struct iommu_hw_info *cmd,
			   const struct iommu_hw_info_vtd *vtd)
{
	__u64 cap = 0, ecap = 0;

	ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, cmd->out_data_type);
	ASSERT_EQ(sizeof(*vtd), cmd->data_len);
	/* The 6.12 driver flags the erratum on every VT-d IOMMU */
	EXPECT_EQ(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17, vtd->flags);
	EXPECT_EQ(0, vtd->__reserved);
	/* The raw registers, as the driver shows them in sysfs too */
	ASSERT_EQ(0, iommu_sysfs_hex(self->iommu, "intel-iommu/cap", &cap));
	ASSERT_EQ(0, iommu_sysfs_hex(self->iommu, "intel-iommu/ecap", &ecap));
	EXPECT_EQ(cap, vtd->cap_reg);
	EXPECT_EQ(ecap, vtd->ecap_reg);
	EXPECT_NE(0, VTD_CAP_SAGAW(vtd->cap_reg));
	EXPECT_LE(32, VTD_CAP_MGAW(vtd->cap_reg));
	EXPECT_GE(64, VTD_CAP_MGAW(vtd->cap_reg));
	TH_LOG("VT-d cap 0x%llx ecap 0x%llx (MGAW %llu bits)",
	       (unsigned long long)vtd->cap_reg,
	       (unsigned long long)vtd->ecap_reg,
	       (unsigned long long)VTD_CAP_MGAW(vtd->cap_reg));
}

/* The SMMUv3 ID registers (patches/0012) */
static void check_smmuv3_info(struct __test_metadata *_metadata,
			      const struct iommu_hw_info *cmd,
			      const struct iommu_hw_info_arm_smmuv3 *smmu)
{
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_ARM_SMMUV3, cmd->out_data_type);
	ASSERT_EQ(sizeof(*smmu), cmd->data_len);
	EXPECT_EQ(0, smmu->flags);
	EXPECT_EQ(0, smmu->__reserved);
	/* Every QEMU SMMUv3 translates stage 1 and has StreamIDs */
	EXPECT_TRUE(smmu->idr[0] & SMMU_IDR0_S1P);
	EXPECT_NE(0, smmu->idr[1] & 0x3f);	/* SIDSIZE */
	EXPECT_NE(0, smmu->idr[5] & 0x70);	/* a translation granule */
	TH_LOG("SMMUv3 IDR0 0x%x IDR1 0x%x IDR3 0x%x IDR5 0x%x IIDR 0x%x AIDR 0x%x",
	       smmu->idr[0], smmu->idr[1], smmu->idr[3], smmu->idr[5],
	       smmu->iidr, smmu->aidr);
}

/*
 * The AMD-Vi Extended Feature Registers (patches/0019), read by the driver
 * from the device's IOMMU: the same as the driver's sysfs "features" (its
 * EFR and EFR2; on these one-IOMMU machines the IOMMU's own, and the kernel
 * log has no EFR mismatch between the IVRS table and the registers), and
 * only where the capability header says they exist.
 */
static void check_amd_info(struct __test_metadata *_metadata,
			   struct _test_data_edu_err *self,
			   const struct iommu_hw_info *cmd,
			   const struct iommu_hw_info_amd *amd)
{
	char path[PATH_MAX], buf[64], *colon, *lines = NULL;
	__u64 cap = 0;

	ASSERT_EQ(IOMMU_HW_INFO_TYPE_AMD, cmd->out_data_type);
	ASSERT_EQ(sizeof(*amd), cmd->data_len);
	ASSERT_EQ(0, iommu_sysfs_hex(self->iommu, "amd-iommu/cap", &cap));
	TH_LOG("AMD-Vi cap 0x%llx EFR 0x%llx EFR2 0x%llx",
	       (unsigned long long)cap, (unsigned long long)amd->efr,
	       (unsigned long long)amd->efr2);
	if (!(cap & AMD_CAP_EFRSUP)) {
		EXPECT_EQ(0, amd->efr);
		EXPECT_EQ(0, amd->efr2);
		return;
	}
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/amd-iommu/features",
		 self->iommu);
	ASSERT_EQ(0, edu_read_sysfs(path, buf, sizeof(buf)));
	colon = strchr(buf, ':');
	ASSERT_NE(NULL, colon);
	EXPECT_EQ(strtoull(buf, NULL, 16), amd->efr);
	EXPECT_EQ(strtoull(colon + 1, NULL, 16), amd->efr2);
	EXPECT_EQ(0, edu_klog_lines("EFR mismatch", &lines)) {
		TH_LOG("%s", lines ? lines : "");
	}
	free(lines);
	/* Dirty tracking is offered exactly with EFR.HDSup */
	EXPECT_EQ(!!(amd->efr & AMD_EFR_HDSUP),
		  !!(cmd->out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING));
}

TEST_F(edu_err, hw_info_matches_driver)
{
	__u64 buf[8], zero[ARRAY_SIZE(buf)] = {};
	unsigned char *data = (unsigned char *)buf;
	struct iommu_hw_info cmd;

	bind_dev(_metadata, self);
	memset(buf, 0xff, sizeof(buf));
	cmd = info_req(self->edu.devid, buf, sizeof(buf));
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));

	switch (self->kind) {
	case IOMMU_VTD:
		check_vtd_info(_metadata, self, &cmd, (void *)buf);
		EXPECT_EQ(0, memcmp(data + cmd.data_len, zero,
				    sizeof(buf) - cmd.data_len));
		break;
	case IOMMU_SMMUV3:
		check_smmuv3_info(_metadata, &cmd, (void *)buf);
		EXPECT_EQ(0, memcmp(data + cmd.data_len, zero,
				    sizeof(buf) - cmd.data_len));
		break;
	case IOMMU_AMD:
		check_amd_info(_metadata, self, &cmd, (void *)buf);
		EXPECT_EQ(0, memcmp(data + cmd.data_len, zero,
				    sizeof(buf) - cmd.data_len));
		break;
	case IOMMU_VIRTIO:
		/*
		 * The 6.12 driver has no hw_info op: no data, the buffer is
		 * cleared.
		 */
		EXPECT_EQ(IOMMU_HW_INFO_TYPE_NONE, cmd.out_data_type);
		EXPECT_EQ(0, cmd.data_len);
		EXPECT_EQ(0, memcmp(buf, zero, sizeof(buf)));
		break;
	default:
		SKIP(return, "unknown IOMMU %s", self->iommu);
	}

	/* edu has no PASID capability: no PASID width, no PASID bits */
	if (pci_has_pasid(self->edu.bdf)) {
		TH_LOG("%s has PASID: %u bits", self->edu.bdf,
		       cmd.out_max_pasid_log2);
	} else {
		EXPECT_EQ(0, cmd.out_max_pasid_log2);
		EXPECT_EQ(0, cmd.out_capabilities &
			  (IOMMU_HW_CAP_PCI_PASID_EXEC |
			   IOMMU_HW_CAP_PCI_PASID_PRIV));
	}
	EXPECT_EQ(0, cmd.out_capabilities &
		  ~(__u64)(IOMMU_HW_CAP_DIRTY_TRACKING |
			   IOMMU_HW_CAP_PCI_PASID_EXEC |
			   IOMMU_HW_CAP_PCI_PASID_PRIV));
}

TEST_F(edu_err, hw_info_requested_type)
{
	__u32 own, other;
	struct iommu_hw_info cmd;
	unsigned char data[64];

	bind_dev(_metadata, self);
	cmd = info_req(self->edu.devid, NULL, 0);
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	own = cmd.out_data_type;
	/* A format this driver does not have */
	other = own == IOMMU_HW_INFO_TYPE_INTEL_VTD ?
		IOMMU_HW_INFO_TYPE_INTEL_VTD + 1 : IOMMU_HW_INFO_TYPE_INTEL_VTD;

	cmd = info_req(self->edu.devid, data, sizeof(data));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	EXPECT_EQ(own, cmd.out_data_type);
	cmd.in_data_type = own;
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	EXPECT_EQ(own, cmd.out_data_type);

	memset(data, 0xaa, sizeof(data));
	cmd = info_req(self->edu.devid, data, sizeof(data));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = other;
	EXPECT_EQ(-1, hw_info(self->ifd, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(other, cmd.in_data_type);
	EXPECT_EQ(0xaa, data[0]);
	/* Without the flag the same value is ignored */
	cmd.flags = 0;
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	EXPECT_EQ(own, cmd.out_data_type);

	cmd.flags = 1U << 1;
	EXPECT_EQ(-1, hw_info(self->ifd, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

/* ---------------------------------------------------------------------- */
/* Other IOMMU drivers                                                     */
/* ---------------------------------------------------------------------- */

/*
 * A second IOMMU driver: test kernels have the mock IOMMU next to the real
 * one. A mock device attached to @ioas_id gets a mock HWPT there.
 */
static int mock_device(int ifd, __u32 ioas_id, __u32 *stdev_id,
		       __u32 *hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas_id,
	};
	int rc;

	rc = ioctl(ifd, IOMMU_TEST_CMD, &cmd);
	*stdev_id = cmd.mock_domain.out_stdev_id;
	*hwpt_id = cmd.mock_domain.out_hwpt_id;
	return rc;
}

/* Does the kernel have the mock IOMMU (CONFIG_IOMMUFD_TEST)? */
static bool mock_iommu_present(int ifd)
{
	struct iommu_test_cmd probe = {
		.size = sizeof(probe),
		.op = 0,
	};

	return ioctl(ifd, IOMMU_TEST_CMD, &probe) == -1 && errno == EOPNOTSUPP;
}

/*
 * A nested HWPT for the device on a NEST_PARENT HWPT of another IOMMU
 * driver: the core refuses it with EINVAL before the device's driver is
 * handed a parent domain that is not its own, with or without a fault
 * queue.
 */
TEST_F(edu_err, nested_on_other_iommu_parent_refused)
{
	struct iommu_hwpt_vtd_s1 s1 = {};
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct iommu_hwpt_alloc cmd;
	__u32 ioas2, parent, fault_id;
	int fault_fd;

	if (!mock_iommu_present(self->ifd))
		SKIP(return, "no second IOMMU driver (kernel without CONFIG_IOMMUFD_TEST)");

	bind_dev(_metadata, self);
	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	mock.id = ioas2;
	ASSERT_EQ(0, ioctl(self->ifd, IOMMU_TEST_CMD, &mock));
	ASSERT_EQ(0, hwpt_alloc(self->ifd, mock.mock_domain.out_idev_id, ioas2,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_EQ(0, fault_queue_alloc(self->ifd, &fault_id, &fault_fd));

	cmd = hwpt_req(self->edu.devid, parent, 0);
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	cmd.data_len = sizeof(s1);
	cmd.data_uptr = (uintptr_t)&s1;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EINVAL, errno);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = fault_id;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);

	/* Nothing holds the parent or the queue */
	close(fault_fd);
	EXPECT_EQ(0, destroy(self->ifd, fault_id));
	EXPECT_EQ(0, destroy(self->ifd, parent));
	EXPECT_EQ(0, destroy(self->ifd, mock.mock_domain.out_stdev_id));
	EXPECT_EQ(0, destroy(self->ifd, ioas2));
}

/*
 * A HWPT of another IOMMU driver is no target for the device, neither for
 * an attach nor for a replace; attaching (or replacing) to an IOAS that has
 * such a HWPT makes one of the device's own IOMMU. The device's DMA proves
 * which domain it really uses.
 *
 * Last in this file: a kernel that wrongly lets the replace through leaves
 * the IOMMU driver with a domain that is not its own, which some drivers
 * (SMMUv3) trip over at the device's next domain change.
 */
TEST_F(edu_err, other_iommu_hwpt_refused)
{
	__u32 hwpt, ioas2, stdev, mock_hwpt, pt;
	struct iommu_test_cmd probe = {
		.size = sizeof(probe),
		.op = 0,
	};
	int rc;

	if (ioctl(self->ifd, IOMMU_TEST_CMD, &probe) != -1 ||
	    errno != EOPNOTSUPP)
		SKIP(return, "no second IOMMU driver (kernel without CONFIG_IOMMUFD_TEST)");

	bind_dev(_metadata, self);
	ASSERT_EQ(0, edu_ioas_map(self->ifd, self->ioas_id, self->a, BUF_SIZE,
				  IOVA_A, RW));
	ASSERT_EQ(0, edu_ioas_map(self->ifd, self->ioas_id, self->b, BUF_SIZE,
				  IOVA_B, RW));
	/* An explicit HWPT stays alive whatever happens to the attachment */
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id, 0,
				&hwpt));
	ASSERT_EQ(0, edu_attach(&self->edu, hwpt));
	ASSERT_EQ(0, edu_map_bar0(&self->edu));
	ASSERT_EQ(0, edu_enable_dma(&self->edu));
	check_dma(_metadata, self, 3);

	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	ASSERT_EQ(0, edu_ioas_map(self->ifd, ioas2, self->a, BUF_SIZE,
				  IOVA_MOCK_A, RW));
	ASSERT_EQ(0, edu_ioas_map(self->ifd, ioas2, self->b, BUF_SIZE,
				  IOVA_MOCK_B, RW));
	ASSERT_EQ(0, mock_device(self->ifd, ioas2, &stdev, &mock_hwpt));

	/* Replace onto the mock HWPT */
	pt = mock_hwpt;
	rc = attach(self->edu.devfd, &pt);
	EXPECT_EQ(-1, rc);
	EXPECT_EQ(EINVAL, errno);
	if (!rc) {
		TH_LOG("%s device replaced onto a mock HWPT", self->iommu);
		pt = hwpt;
		ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	}
	check_dma(_metadata, self, 4);

	/* Replace onto the IOAS: a new HWPT of the device's IOMMU */
	pt = ioas2;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_NE(mock_hwpt, pt);
	EXPECT_NE(hwpt, pt);
	if (pt == mock_hwpt) {
		/* Do not let the device near the page tables it really uses */
		ASSERT_EQ(0, edu_detach(&self->edu));
		ASSERT_EQ(0, destroy(self->ifd, stdev));
		return;
	}
	memset(self->b, 0, LEN);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_MOCK_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_MOCK_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));

	/* A plain attach is refused too */
	ASSERT_EQ(0, edu_detach(&self->edu));
	pt = mock_hwpt;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EINVAL, errno);
	pt = ioas2;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_NE(mock_hwpt, pt);

	ASSERT_EQ(0, edu_detach(&self->edu));
	ASSERT_EQ(0, destroy(self->ifd, stdev));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

TEST_HARNESS_MAIN
