// SPDX-License-Identifier: GPL-2.0
/*
 * edu_msi_test - the device's MSI keeps arriving while its translation moves
 *
 * QEMU's edu device raises an interrupt when a value is written to its
 * interrupt raise register (0x60), or when a factorial computation finishes
 * with status bit 0x80 set.  With MSI enabled through VFIO_DEVICE_SET_IRQS,
 * that interrupt is a DMA write of the device to the MSI doorbell, which the
 * IOMMU translates like any other DMA: on platforms whose IOMMU remaps MSI
 * in software (SMMUv3 or virtio-iommu with a GICv3 ITS: the "SW_MSI"
 * reserved region) the doorbell page must be mapped in whatever domain the
 * device is attached to, at the IOVA the MSI message was composed with when
 * the vectors were allocated.  VT-d and AMD-Vi remap interrupts in their own
 * tables, so there the tests below prove nothing worse than that MSI works.
 *
 * Each test enables MSI once, checks that an interrupt arrives on the
 * eventfd, moves the device (replace onto another HWPT of the same IOAS, onto
 * a HWPT of another IOAS, onto an IOAS) and checks again after every move,
 * with a real DMA round trip beside it.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/eventfd.h>
#include "kselftest_harness.h"
#include "edu_driver.h"

#define EDU_REG_FACTORIAL	0x08
#define EDU_REG_STATUS		0x20
#define EDU_STATUS_COMPUTING	0x01
#define EDU_STATUS_IRQ_FACT	0x80
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
/* What the device ORs into its interrupt status after a factorial */
#define EDU_IRQ_FACTORIAL	0x01

#define BUF_SIZE	(64 * 1024)
#define IOVA_A		0x00100000ULL
#define IOVA_B		0x00200000ULL
#define LEN		1024
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
/* TCG on a loaded 2-core host: an MSI takes well under this */
#define IRQ_TIMEOUT_MS	3000

FIXTURE(msi) {
	struct edu_dev edu;
	int efd;
	char *a, *b;
	unsigned int seed;
};

/* VFIO_DEVICE_SET_IRQS on the MSI index: @efd >= 0 enables, -1 disables */
static int msi_set(struct edu_dev *edu, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(__s32)] = {};
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	set->argsz = sizeof(buf);
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	if (efd >= 0) {
		set->flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 1;
		memcpy(set->data, &efd, sizeof(efd));
	} else {
		set->argsz = sizeof(*set);
		set->flags = VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 0;
	}
	if (ioctl(edu->devfd, VFIO_DEVICE_SET_IRQS, set))
		return edu_fail(errno, "VFIO_DEVICE_SET_IRQS MSI %s",
				efd >= 0 ? "enable" : "disable");
	return 0;
}

/*
 * Waits for the eventfd to count at least one interrupt; 0 when one came,
 * -ETIMEDOUT when none did.
 */
static int wait_irq(int efd)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	__u64 count;
	int n;

	n = poll(&pfd, 1, IRQ_TIMEOUT_MS);
	if (n < 0)
		return edu_fail(errno, "poll eventfd");
	if (!n)
		return -ETIMEDOUT;
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return edu_fail(errno, "read eventfd");
	return count ? 0 : -EIO;
}

/* No interrupt is pending on the eventfd (a stale one would fake a pass) */
static void drain_irq(int efd)
{
	__u64 count;

	while (read(efd, &count, sizeof(count)) == sizeof(count))
		;
}

/*
 * Raises interrupt @val through the interrupt raise register, waits for it
 * and acknowledges it.  Returns what wait_irq() says.
 */
static int raise_irq(struct edu_dev *edu, int efd, __u32 val)
{
	int ret;

	drain_irq(efd);
	edu_wmb();
	edu_write32(edu, EDU_REG_IRQ_RAISE, val);
	ret = wait_irq(efd);
	if (!ret && !(edu_read32(edu, EDU_REG_IRQ_STATUS) & val))
		ret = edu_fail(EIO, "interrupt status 0x%x lacks 0x%x",
			       edu_read32(edu, EDU_REG_IRQ_STATUS), val);
	edu_write32(edu, EDU_REG_IRQ_ACK, val);
	return ret;
}

/* A DMA round trip A -> device -> B through the current translation */
static int round_trip(struct edu_dev *edu, char *a, char *b,
		      unsigned int seed)
{
	int ret;

	edu_fill(a, LEN, seed);
	memset(b, 0, LEN);
	ret = edu_dma_to_device(edu, IOVA_A, 0, LEN);
	if (!ret)
		ret = edu_dma_to_ram(edu, 0, IOVA_B, LEN);
	if (!ret && memcmp(a, b, LEN))
		ret = edu_fail(EIO, "DMA round trip %u: data differs", seed);
	return ret;
}

/* IOMMU_HWPT_ALLOC of a plain paging HWPT for the device on @ioas_id */
static int hwpt_alloc(struct edu_dev *edu, __u32 ioas_id, __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = edu->devid,
		.pt_id = ioas_id,
	};

	if (ioctl(edu->iommufd, IOMMU_HWPT_ALLOC, &cmd))
		return edu_fail(errno, "IOMMU_HWPT_ALLOC on %u", ioas_id);
	*hwpt_id = cmd.out_hwpt_id;
	return 0;
}

/* A new IOAS with the fixture's buffers at the usual IOVAs */
static int ioas_with_buffers(struct edu_dev *edu, char *a, char *b,
			     __u32 *ioas_id)
{
	int ret = edu_ioas_alloc(edu->iommufd, ioas_id);

	if (!ret)
		ret = edu_ioas_map(edu->iommufd, *ioas_id, a, BUF_SIZE, IOVA_A,
				   RW);
	if (!ret)
		ret = edu_ioas_map(edu->iommufd, *ioas_id, b, BUF_SIZE, IOVA_B,
				   RW);
	return ret;
}

FIXTURE_SETUP(msi)
{
	self->efd = -1;
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU here, so vfio-pci cannot take the device");
	edu_init(&self->edu);
	ASSERT_EQ(0, edu_open(&self->edu));
	self->a = edu_alloc_buf(BUF_SIZE);
	self->b = edu_alloc_buf(BUF_SIZE);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id,
				  self->a, BUF_SIZE, IOVA_A, RW));
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id,
				  self->b, BUF_SIZE, IOVA_B, RW));
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(msi)
{
	/* Closing the device file disables MSI as well */
	edu_close(&self->edu);
	if (self->efd >= 0)
		close(self->efd);
	edu_free_buf(self->a, BUF_SIZE);
	edu_free_buf(self->b, BUF_SIZE);
}

/* Interrupt and DMA both work through the current attachment */
#define ASSERT_WORKS(what) do {						\
	TH_LOG("%s", what);						\
	ASSERT_EQ(0, raise_irq(&self->edu, self->efd, 0x4));		\
	ASSERT_EQ(0, round_trip(&self->edu, self->a, self->b,		\
				++self->seed));				\
} while (0)

/* The device reports through MSI, both on request and after work */
TEST_F(msi, basic)
{
	__u64 deadline;
	__u32 status;

	ASSERT_EQ(0, msi_set(&self->edu, self->efd));
	ASSERT_WORKS("attached to the IOAS");

	/* A factorial with the interrupt bit set raises EDU_IRQ_FACTORIAL */
	drain_irq(self->efd);
	edu_write32(&self->edu, EDU_REG_STATUS, EDU_STATUS_IRQ_FACT);
	edu_write32(&self->edu, EDU_REG_FACTORIAL, 5);
	ASSERT_EQ(0, wait_irq(self->efd));
	deadline = edu_now_ms() + IRQ_TIMEOUT_MS;
	do {
		status = edu_read32(&self->edu, EDU_REG_STATUS);
	} while ((status & EDU_STATUS_COMPUTING) && edu_now_ms() < deadline);
	ASSERT_EQ(0, status & EDU_STATUS_COMPUTING);
	ASSERT_EQ(120, edu_read32(&self->edu, EDU_REG_FACTORIAL));
	ASSERT_NE(0, edu_read32(&self->edu, EDU_REG_IRQ_STATUS) &
		     EDU_IRQ_FACTORIAL);
	edu_write32(&self->edu, EDU_REG_IRQ_ACK, EDU_IRQ_FACTORIAL);
	edu_write32(&self->edu, EDU_REG_STATUS, 0);

	/* Without MSI enabled nothing arrives on the eventfd */
	ASSERT_EQ(0, msi_set(&self->edu, -1));
	drain_irq(self->efd);
	edu_write32(&self->edu, EDU_REG_IRQ_RAISE, 0x8);
	ASSERT_EQ(-ETIMEDOUT, wait_irq(self->efd));
	edu_write32(&self->edu, EDU_REG_IRQ_ACK, 0x8);
}

/*
 * MSI enabled once, before any replace, keeps arriving: onto a second HWPT
 * of the same IOAS, onto a HWPT of another IOAS, back onto the first IOAS
 * (a new automatic HWPT) and back onto the second HWPT.
 */
TEST_F(msi, replace_keeps_msi)
{
	__u32 ioas1 = self->edu.ioas_id, hwpt_same, ioas2, hwpt_other;

	ASSERT_EQ(0, hwpt_alloc(&self->edu, ioas1, &hwpt_same));
	ASSERT_EQ(0, ioas_with_buffers(&self->edu, self->a, self->b, &ioas2));
	ASSERT_EQ(0, hwpt_alloc(&self->edu, ioas2, &hwpt_other));

	ASSERT_EQ(0, msi_set(&self->edu, self->efd));
	ASSERT_WORKS("attached to the IOAS");

	ASSERT_EQ(0, edu_attach(&self->edu, hwpt_same));
	ASSERT_EQ(hwpt_same, self->edu.hwpt_id);
	ASSERT_WORKS("replaced onto a HWPT of the same IOAS");

	ASSERT_EQ(0, edu_attach(&self->edu, hwpt_other));
	ASSERT_EQ(hwpt_other, self->edu.hwpt_id);
	ASSERT_WORKS("replaced onto a HWPT of another IOAS");

	ASSERT_EQ(0, edu_attach(&self->edu, ioas1));
	ASSERT_WORKS("replaced onto the first IOAS");

	ASSERT_EQ(0, edu_attach(&self->edu, hwpt_same));
	ASSERT_WORKS("replaced back onto the same-IOAS HWPT");
}

/*
 * After a replace, MSI can be disabled and enabled again: the vectors are
 * allocated anew while the new domain is attached, and the doorbell the
 * domain already maps is reused rather than mapped a second time.
 */
TEST_F(msi, reenable_after_replace)
{
	__u32 ioas2, hwpt_other;

	ASSERT_EQ(0, ioas_with_buffers(&self->edu, self->a, self->b, &ioas2));
	ASSERT_EQ(0, hwpt_alloc(&self->edu, ioas2, &hwpt_other));

	ASSERT_EQ(0, msi_set(&self->edu, self->efd));
	ASSERT_WORKS("attached to the IOAS");
	ASSERT_EQ(0, edu_attach(&self->edu, hwpt_other));
	ASSERT_WORKS("replaced onto a HWPT of another IOAS");

	ASSERT_EQ(0, msi_set(&self->edu, -1));
	ASSERT_EQ(0, msi_set(&self->edu, self->efd));
	ASSERT_WORKS("MSI enabled again on the new HWPT");

	ASSERT_EQ(0, edu_attach(&self->edu, self->edu.ioas_id));
	ASSERT_WORKS("replaced back onto the first IOAS");
}

/* MSI enabled only after a replace works as well */
TEST_F(msi, enable_after_replace)
{
	__u32 hwpt_same;

	ASSERT_EQ(0, hwpt_alloc(&self->edu, self->edu.ioas_id, &hwpt_same));
	ASSERT_EQ(0, edu_attach(&self->edu, hwpt_same));
	ASSERT_EQ(0, msi_set(&self->edu, self->efd));
	ASSERT_WORKS("MSI enabled after the replace");
	ASSERT_EQ(0, edu_attach(&self->edu, self->edu.ioas_id));
	ASSERT_WORKS("replaced back onto the IOAS");
}

TEST_HARNESS_MAIN
