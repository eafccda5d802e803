/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smmu_viommu.h - what the SMMUv3 nesting programs (smmu_nested_test.c,
 * smmu_fail_nth_test.c) share: the guest's STE and command encodings, the
 * machine check, and raw requests for virtual SMMUs, their devices, event
 * queues, nested HWPTs and invalidations, which return what ioctl()
 * returned so that a caller can check errno.
 */
#ifndef SMMU_VIOMMU_H
#define SMMU_VIOMMU_H

#include "edu_errno.h"

/* Guest STE (words 0 and 1) and commands, as a guest driver writes them */
#define STE0_V		(1ULL << 0)
#define STE0_CFG(c)	((__u64)(c) << 1)
#define CFG_ABORT	0
#define CFG_BYPASS	4
#define CFG_S1		5
#define CFG_S2		6
#define CFG_NESTED	7
#define STE0_S1FMT(f)	((__u64)(f) << 4)
#define STE1_S1CIR_WBRA	(1ULL << 2)
#define STE1_S1COR_WBRA	(1ULL << 4)
#define STE1_S1CSH_ISH	(3ULL << 6)
#define STE1_STRW_EL2	(2ULL << 30)

#define CMD_CFGI_STE	0x03
#define CMD_CFGI_CD	0x05
#define CMD_CFGI_CD_ALL	0x06
#define CMD_TLBI_NH_ALL	0x10
#define CMD_TLBI_NH_ASID 0x11
#define CMD_TLBI_NH_VA	0x12
#define CMD_TLBI_S12_VMALL 0x28
#define CMD_TLBI_NSNH_ALL 0x30
#define CMD_SYNC	0x46

/* Event records */
#define EVT_F_TRANSLATION	0x10

static inline __u64 cmd_sid(__u32 sid)
{
	return (__u64)sid << 32;
}

static inline __u64 cmd_asid(__u32 asid)
{
	return (__u64)asid << 48;
}

/*
 * Where the harness runs QEMU 10's SMMUv3, which has both stages:
 * arm64-smmuv3-nested, and arm64-smmuv3 itself on QEMU 10 (its default),
 * so that the default make check proves nesting too.
 */
static inline bool on_nested_machine(void)
{
	char machine[64], cmdline[4096];

	edu_machine(machine, sizeof(machine));
	if (!strcmp(machine, "arm64-smmuv3-nested"))
		return true;
	if (strcmp(machine, "arm64-smmuv3") ||
	    edu_read_sysfs("/proc/cmdline", cmdline, sizeof(cmdline)))
		return false;
	return strstr(cmdline, "harness.qemu=10");
}

static inline int viommu_alloc(int ifd, __u32 dev_id, __u32 hwpt_id,
			       __u32 type, __u32 *id)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd),
		.type = type,
		.dev_id = dev_id,
		.hwpt_id = hwpt_id,
	};
	int rc = ioctl(ifd, IOMMU_VIOMMU_ALLOC, &cmd);

	*id = cmd.out_viommu_id;
	return rc;
}

static inline int vdevice_alloc(int ifd, __u32 viommu_id, __u32 dev_id,
				__u64 virt_id, __u32 *id)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu_id,
		.dev_id = dev_id,
		.virt_id = virt_id,
	};
	int rc = ioctl(ifd, IOMMU_VDEVICE_ALLOC, &cmd);

	*id = cmd.out_vdevice_id;
	return rc;
}

static inline int veventq_alloc(int ifd, __u32 viommu_id, __u32 type,
				__u32 *id, int *fd)
{
	struct iommu_veventq_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu_id,
		.type = type,
		.veventq_depth = 16,
	};
	int rc = ioctl(ifd, IOMMU_VEVENTQ_ALLOC, &cmd);

	*id = cmd.out_veventq_id;
	*fd = rc ? -1 : (int)cmd.out_veventq_fd;
	return rc;
}

static inline int nested_alloc_raw(int ifd, __u32 dev_id, __u32 pt_id,
				   __u32 type, const void *data, __u32 len,
				   __u32 *id)
{
	struct iommu_hwpt_alloc cmd = hwpt_req(dev_id, pt_id, 0);
	int rc;

	cmd.data_type = type;
	cmd.data_len = len;
	cmd.data_uptr = (uintptr_t)data;
	rc = ioctl(ifd, IOMMU_HWPT_ALLOC, &cmd);
	*id = cmd.out_hwpt_id;
	return rc;
}

static inline int nested_alloc(int ifd, __u32 dev_id, __u32 viommu_id,
			       __u64 ste0, __u64 ste1, __u32 *id)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { ste0, ste1 } };

	return nested_alloc_raw(ifd, dev_id, viommu_id,
				IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste),
				id);
}

/* Issues @n commands to the vIOMMU; *@done: entry_num as written back */
static inline int invalidate_raw(int ifd, __u32 id, __u32 type,
				 const void *cmds, __u32 n, __u32 *done)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = id,
		.data_uptr = (uintptr_t)cmds,
		.data_type = type,
		.entry_len = sizeof(struct iommu_viommu_arm_smmuv3_invalidate),
		.entry_num = n,
	};
	int rc = ioctl(ifd, IOMMU_HWPT_INVALIDATE, &cmd);

	if (done)
		*done = cmd.entry_num;
	return rc;
}

static inline int
invalidate(int ifd, __u32 id,
	   const struct iommu_viommu_arm_smmuv3_invalidate *cmds, __u32 n,
	   __u32 *done)
{
	return invalidate_raw(ifd, id, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			      cmds, n, done);
}

/* One command to the vIOMMU @id */
static inline int invalidate_one(int ifd, __u32 id, __u64 cmd0, __u64 cmd1)
{
	struct iommu_viommu_arm_smmuv3_invalidate inv = {
		.cmd = { cmd0, cmd1 },
	};
	__u32 done = 0;
	int rc = invalidate(ifd, id, &inv, 1, &done);

	return rc ? rc : done == 1 ? 0 : -1;
}

#endif
