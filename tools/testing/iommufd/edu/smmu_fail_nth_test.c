// SPDX-License-Identifier: GPL-2.0
/*
 * smmu_fail_nth_test - systematic fault injection into the SMMUv3 nesting
 * path of the real driver (patches/0010-0014) on QEMU 10's SMMUv3, as
 * selftests/iommu/fail_nth_test does through the mock.
 *
 * For n = 1, 2, ... the n-th fault-injectable evaluation of this thread
 * (slab and page allocations, iommufd's fail_iommufd points, user copies
 * where the kernel counts them) is made to fail through
 * /proc/thread-self/fail-nth while one sequence runs, a VMM's life with
 * an accelerated vSMMU: bind the edu device to a new iommufd, map guest RAM,
 * a NEST_PARENT HWPT, a vIOMMU, the device's vDEVICE, a vEVENTQ, nested
 * HWPTs, attach, the guest's invalidations, a second vIOMMU on the parent
 * with a nested HWPT of its own, and the teardown. The sweep ends at the
 * first n the sequence no longer reaches; there it must succeed. After
 * every run, with all its files closed:
 *
 *  - nothing stays pinned: the sequence charges its pins to the process
 *    (IOMMU_OPTION_RLIMIT_MODE), whose VmLck must be 0 again,
 *  - the kernel has not hit a WARN (the harness fails on any report in the
 *    console as well),
 *  - the device binds again (the next run starts with that).
 *
 * Before and after the sweep the vIOMMUs that fit in the SMMU's VMIDs are
 * counted: a VMID leaked on any error path shows as one fewer.
 *
 * The fault-injection attributes are set and restored as for
 * fail_nth_test (fault_inject_utils.h: only the armed countdown of this
 * thread fires).
 */
#define _GNU_SOURCE
#include "smmu_viommu.h"
#include "../../selftests/iommu/fault_inject_utils.h"

#define MAX_NTH		3000
#define GPA_BASE	0x01000000ULL
#define G_SIZE		(16 * 4096UL)
#define VSID		0x42
#define MAX_VIOMMUS	(1U << 17)

/**
 * struct run - the files of one run of the sequence
 * @ifd: its iommufd
 * @devfd: the edu device's cdev, bound to @ifd
 * @veventq_fd: the vEVENTQ's file
 * @devid: the device's ID in @ifd
 */
struct run {
	int ifd, devfd, veventq_fd;
	__u32 devid;
};

static void run_close(struct run *r)
{
	if (r->veventq_fd >= 0)
		close(r->veventq_fd);
	if (r->devfd >= 0)
		close(r->devfd);
	if (r->ifd >= 0)
		close(r->ifd);
	r->veventq_fd = -1;
	r->devfd = -1;
	r->ifd = -1;
}

/* A new iommufd charging the process, the device bound to it */
static int run_open(struct run *r, const char *cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_option opt = {
		.size = sizeof(opt),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_SET,
		.val64 = 1,
	};

	r->veventq_fd = -1;
	r->ifd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	r->devfd = open(cdev, O_RDWR | O_CLOEXEC);
	if (r->ifd < 0 || r->devfd < 0)
		return -1;
	if (ioctl(r->ifd, IOMMU_OPTION, &opt))
		return -1;
	bind.iommufd = r->ifd;
	if (ioctl(r->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -1;
	r->devid = bind.out_devid;
	return 0;
}

/*
 * A VMM's vSMMU from bind to teardown; -1 at the first failure, with what
 * was made left to the close.
 */
static int seq_nested(struct run *r, const char *cdev, void *g)
{
	const __u64 ste0 = STE0_V | STE0_CFG(CFG_S1) | GPA_BASE;
	const __u64 ste1 = STE1_S1CIR_WBRA | STE1_S1COR_WBRA | STE1_S1CSH_ISH;
	struct iommu_viommu_arm_smmuv3_invalidate inv[4] = {
		{ .cmd = { CMD_TLBI_NH_VA | cmd_asid(1), 0x400000 | 1 } },
		{ .cmd = { CMD_TLBI_NH_ASID | cmd_asid(1), 0 } },
		{ .cmd = { CMD_CFGI_CD | cmd_sid(VSID), 1 } },
		{ .cmd = { CMD_TLBI_NSNH_ALL, 0 } },
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.iova = GPA_BASE,
		.length = G_SIZE,
	};
	__u32 s2, viommu, viommu2, vdev, veventq, s1, bypass, pt, done;

	if (run_open(r, cdev))
		return -1;
	if (ioas_alloc(r->ifd, &unmap.ioas_id) ||
	    map_fixed(r->ifd, unmap.ioas_id, g, G_SIZE, GPA_BASE))
		return -1;
	/* The guest boots with its SMMU off: the parent alone */
	if (hwpt_alloc(r->ifd, r->devid, unmap.ioas_id,
		       IOMMU_HWPT_ALLOC_NEST_PARENT, &s2))
		return -1;
	pt = s2;
	if (attach(r->devfd, &pt))
		return -1;
	if (viommu_alloc(r->ifd, r->devid, s2, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			 &viommu) ||
	    vdevice_alloc(r->ifd, viommu, r->devid, VSID, &vdev) ||
	    veventq_alloc(r->ifd, viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
			  &veventq, &r->veventq_fd))
		return -1;
	/* It turns its SMMU on and invalidates */
	if (nested_alloc(r->ifd, r->devid, viommu, ste0, ste1, &s1))
		return -1;
	pt = s1;
	if (attach(r->devfd, &pt))
		return -1;
	if (invalidate(r->ifd, viommu, inv, ARRAY_SIZE(inv), &done))
		return -1;
	/* A second vSMMU on the same parent, the device bypassing it */
	if (viommu_alloc(r->ifd, r->devid, s2, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			 &viommu2) ||
	    nested_alloc(r->ifd, r->devid, viommu2,
			 STE0_V | STE0_CFG(CFG_BYPASS), 0, &bypass))
		return -1;
	pt = bypass;
	if (attach(r->devfd, &pt) ||
	    invalidate_one(r->ifd, viommu2, CMD_TLBI_NH_ALL, 0))
		return -1;
	/* Teardown in a VMM's order; the queue's file holds the queue */
	pt = s2;
	if (attach(r->devfd, &pt) || destroy(r->ifd, bypass) ||
	    destroy(r->ifd, viommu2) || destroy(r->ifd, s1))
		return -1;
	close(r->veventq_fd);
	r->veventq_fd = -1;
	if (destroy(r->ifd, veventq) || destroy(r->ifd, vdev) ||
	    destroy(r->ifd, viommu))
		return -1;
	return ioctl(r->ifd, IOMMU_IOAS_UNMAP, &unmap);
}

FIXTURE(smmu_fail_nth) {
	struct edu_dev edu;
	struct fault_inject fi;
	void *g;
};

FIXTURE_SETUP(smmu_fail_nth)
{
	fault_inject_init(&self->fi);
	self->g = NULL;
	edu_init(&self->edu);
	if (!on_nested_machine())
		SKIP(return, "needs an SMMUv3 with both stages (QEMU 10)");
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	/* Only for its path: every run opens the cdev itself */
	ASSERT_LE(0, edu_open_cdev(&self->edu));
	edu_close(&self->edu);

	if (!fault_inject_available("failslab"))
		SKIP(return, "no " FAULT_INJECT_DEBUGFS "/failslab");
	ASSERT_EQ(0, fault_inject_open(&self->fi));
	self->g = edu_alloc_buf(G_SIZE);
	ASSERT_NE(NULL, self->g);
	/* Last: the teardown, which restores it, skips a failed setup */
	ASSERT_EQ(0, fault_inject_configure(&self->fi));
}

FIXTURE_TEARDOWN(smmu_fail_nth)
{
	fault_inject_restore(&self->fi);
	if (self->g)
		edu_free_buf(self->g, G_SIZE);
}

/* How many vIOMMUs one parent takes before the VMIDs run out (ENOSPC) */
static int count_viommus(const char *cdev, void *g, unsigned int *n)
{
	struct run r;
	__u32 ioas, s2, id;
	int rc = -1;

	if (run_open(&r, cdev) || ioas_alloc(r.ifd, &ioas) ||
	    map_fixed(r.ifd, ioas, g, G_SIZE, GPA_BASE) ||
	    hwpt_alloc(r.ifd, r.devid, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
		       &s2))
		goto out;
	for (*n = 0; *n < MAX_VIOMMUS; (*n)++)
		if (viommu_alloc(r.ifd, r.devid, s2,
				 IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &id))
			break;
	if (*n < MAX_VIOMMUS && errno == ENOSPC)
		rc = 0;
out:
	run_close(&r);
	return rc;
}

TEST_F_TIMEOUT(smmu_fail_nth, viommu_nested, 1200)
{
	unsigned int n, failed = 0, before, after;
	unsigned long taint0 = kernel_taint();
	bool injected;
	int rc, err;

	ASSERT_EQ(0, count_viommus(self->edu.cdev, self->g, &before));
	ASSERT_EQ(0, proc_status_kb(0, "VmLck"));

	for (n = 1; n != MAX_NTH; n++) {
		struct run r = { -1, -1, -1 };

		ASSERT_EQ(0, fault_inject_nth_arm(&self->fi, n));
		rc = seq_nested(&r, self->edu.cdev, self->g);
		err = errno;
		injected = fault_inject_nth_disarm(&self->fi);
		run_close(&r);
		if (rc)
			failed++;
		if (rc && !injected)
			TH_LOG("n=%u: failed without injection: %s", n,
			       strerror(err));
		ASSERT_EQ(0, proc_status_kb(0, "VmLck")) {
			TH_LOG("pins left after fault %u", n);
		}
		if ((kernel_taint() & TAINT_WARN_BIT) &&
		    !(taint0 & TAINT_WARN_BIT)) {
			TH_LOG("kernel WARN with fault %u", n);
			ASSERT_FALSE(true);
		}
		if (!injected) {
			ASSERT_EQ(0, rc);
			break;
		}
	}
	ASSERT_NE(MAX_NTH, n);
	ASSERT_LT(1, n);
	ASSERT_LT(0, failed);
	TH_LOG("%u fault points, %u made the sequence fail", n - 1, failed);

	ASSERT_EQ(0, count_viommus(self->edu.cdev, self->g, &after));
	EXPECT_EQ(before, after) {
		TH_LOG("%u VMIDs leaked", before - after);
	}
	TH_LOG("vIOMMUs that fit: %u before, %u after", before, after);
	if (taint0 & TAINT_WARN_BIT)
		TH_LOG("kernel was already tainted by a WARN; not checked");
}

TEST_HARNESS_MAIN
