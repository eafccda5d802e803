// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_client_test - unmodified QEMU (Debian's 7.2 and 10) as a legacy VFIO
 * user
 *
 * QEMU 7.2 predates its iommufd backend: it passes a device through with
 * VFIO groups and the type1 container API only; QEMU 10 does the same
 * unless told to use -object iommufd (qemu_native_test).  Here each QEMU
 * the machine carries (vm-run.sh --qemu packs them under /opt/qemu-VERSION)
 * runs inside the test machine, with the edu device passed through
 * (-device vfio-pci) over our /dev/vfio/vfio container, started paused
 * (-S).  The test then checks
 *
 *  - over QMP, that QEMU realized the device: query-pci lists it;
 *  - in the IOMMU's own page table for the edu device (the VT-d driver's
 *    debugfs view, domain_translation_struct), that the nested guest's RAM
 *    is DMA-mapped: QEMU mapped its guest-physical address space through
 *    our container, so IOVA == guest physical address, and every page of
 *    RAM above 1 MiB must be present;
 *
 * and quits QEMU over QMP.  The nested guest never runs.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "qemu_qmp.h"

#define GUEST_MB	32
#define GUEST_RAM	((unsigned long long)GUEST_MB << 20)

FIXTURE(qemu) {
	struct edu_dev edu;
	struct qmp q;
};

FIXTURE_VARIANT(qemu) {
	const char *qemu;
	int major, minor;	/* as query-version reports them */
};

FIXTURE_VARIANT_ADD(qemu, qemu_7_2) {
	.qemu = QEMU_DIR("7.2"),
	.major = 7,
	.minor = 2,
};

FIXTURE_VARIANT_ADD(qemu, qemu_10) {
	.qemu = QEMU_DIR("10"),
	.major = 10,
	.minor = 0,
};

FIXTURE_SETUP(qemu)
{
	if (access(variant->qemu, X_OK))
		SKIP(return, "%s is not in this machine (vm-run.sh --qemu)",
		     variant->qemu);
	edu_init(&self->edu);
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
}

FIXTURE_TEARDOWN(qemu)
{
}

TEST_F(qemu, passes_edu_through)
{
	static bool mapped[GUEST_RAM >> 12];
	char dev[NAME_MAX + 32], mem[16], want[32];
	const char *const argv[] = { variant->qemu, "-M", "q35", "-accel", "tcg",
			 "-nodefaults", "-display", "none", "-S",
			 "-qmp", "stdio", "-m", mem, "-device", dev, NULL };
	struct qmp *q = &self->q;
	unsigned long long p, missing = 0;
	__u64 start = edu_now_ms();
	long long total;
	int status;

	snprintf(dev, sizeof(dev), "vfio-pci,host=%s,id=edu0", self->edu.bdf);
	snprintf(mem, sizeof(mem), "%d", GUEST_MB);
	memset(mapped, 0, sizeof(mapped));
	ASSERT_EQ(0, qmp_start(q, argv));
	if (qmp_wait(q, "\"QMP\"") || qmp_call(q, "qmp_capabilities")) {
		show_file(QEMU_LOG);
		ASSERT_TRUE(false);
	}
	/* The QEMU this variant is about */
	ASSERT_EQ(0, qmp_call(q, "query-version"));
	snprintf(want, sizeof(want), "\"major\": %d", variant->major);
	EXPECT_NE(NULL, strstr(q->buf, want));
	snprintf(want, sizeof(want), "\"minor\": %d", variant->minor);
	EXPECT_NE(NULL, strstr(q->buf, want));

	/* The device is realized: the emulated bus has it, as edu0 */
	ASSERT_EQ(0, qmp_call(q, "query-pci"));
	EXPECT_NE(NULL, strstr(q->buf, "\"qdev_id\": \"edu0\""));
	EXPECT_NE(NULL, strstr(q->buf, "\"vendor\": 4660"));	/* 0x1234 */
	EXPECT_NE(NULL, strstr(q->buf, "\"device\": 4584"));	/* 0x11e8 */

	/* Guest RAM is in the IOMMU page table of the real device */
	if (access(VTD_DEBUGFS, F_OK)) {
		TH_LOG("no VT-d debugfs: mappings not checked");
	} else {
		total = vtd_mapped(self->edu.bdf, mapped, GUEST_RAM);
		ASSERT_LT(0, total);
		for (p = 1 << 20; p < GUEST_RAM; p += 4096)
			missing += !mapped[p >> 12];
		TH_LOG("%lld KiB mapped for a %d MiB guest; %llu pages missing",
		       total >> 10, GUEST_MB, missing);
		EXPECT_EQ(0, missing);
		EXPECT_LE(GUEST_RAM - (1 << 20), total);
	}

	EXPECT_EQ(0, qmp_call(q, "quit"));
	status = qmp_reap(q, QMP_TIMEOUT_MS);
	if (status)
		show_file(QEMU_LOG);
	EXPECT_EQ(0, status);
	qmp_close(q);
	TH_LOG("QEMU ran for %llu ms", (unsigned long long)(edu_now_ms() - start));

	/* QEMU gave the device back: it can be opened again */
	edu_init(&self->edu);
	ASSERT_EQ(0, edu_open(&self->edu));
	edu_close(&self->edu);
}

TEST_HARNESS_MAIN
