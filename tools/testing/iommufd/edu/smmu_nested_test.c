// SPDX-License-Identifier: GPL-2.0
/*
 * smmu_nested_test - the SMMUv3 nesting backend (patches/0010, 0011) on
 * QEMU 10's emulated SMMUv3 with both stages (the arm64-smmuv3-nested
 * machine), with the edu device doing real DMA.
 *
 * The test plays a VMM and its guest at once. A chunk of its memory is the
 * guest's RAM: mapped into an IOAS at a "guest physical" (IPA) base, it is
 * translated by a NEST_PARENT HWPT (the SMMU's stage 2). In that memory the
 * "guest" writes a stage-1 context descriptor (AArch64, 4 KiB granule, 39
 * bit input range, ASID 1) and a three-level stage-1 page table that maps
 * a few IOVAs to IPAs of the guest RAM. A virtual SMMU on the parent, the
 * device's virtual device (vSID) and a nested HWPT whose guest STE points
 * S1ContextPtr at the descriptor's IPA put the device behind both stages:
 * its DMA to an IOVA must land at IOVA -> IPA -> PA. Then the guest removes
 * a stage-1 entry and invalidates through the virtual SMMU (IOMMU_HWPT_
 * INVALIDATE with SMMUv3 commands): DMA there is blocked, and the stage-1
 * fault arrives on the virtual SMMU's event queue with the vSID.
 *
 * Besides, every refusal of the backend: NEST_PARENT flags, vIOMMU parents,
 * guest STE fields, invalidation commands and StreamIDs, event queue types.
 *
 * Skips outside arm64-smmuv3-nested and arm64-smmuv3 on QEMU 10 (in the
 * harness) or without an SMMUv3.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "smmu_viommu.h"

/* Guest RAM: its IPA base in the IOAS, and what lives in it (page numbers) */
#define GPA_BASE	0x01000000ULL
#define G_PAGES		16
#define G_SIZE		(G_PAGES * 4096UL)
#define PG_CD		0	/* the context descriptor (64 bytes) */
#define PG_L1		1	/* stage-1 table, level 1 */
#define PG_L2		2	/* level 2 */
#define PG_L3		3	/* level 3 */
#define PG_SRC		8	/* data the device reads */
#define PG_DST		9	/* where it writes */
#define PG_DST2		10	/* where it writes through a second IOVA */
#define IPA(pg)		(GPA_BASE + (pg) * 4096ULL)

/* Stage-1 IOVAs (below edu's 28-bit DMA mask), none of them an IPA */
#define S1_SRC		0x00400000ULL
#define S1_DST		0x00401000ULL
#define S1_DST2		0x00402000ULL

#define VSID		0x42
#define ASID		1

FIXTURE(nested) {
	struct edu_dev edu;
	int ifd;
	__u32 ioas_id, s2_id, viommu_id, vdev_id, veventq_id, nested_id;
	int veventq_fd;
	unsigned char *g;	/* guest RAM */
};

static __u64 *g_u64(struct _test_data_nested *self, unsigned int pg)
{
	return (__u64 *)(self->g + pg * 4096UL);
}

/* Level-3 (page) descriptor: read/write for all, normal memory, accessed */
static __u64 s1_page(__u64 ipa)
{
	return ipa | (1ULL << 10) /* AF */ | (3ULL << 8) /* inner shareable */ |
	       (1ULL << 6) /* AP: EL0 too */ | (0ULL << 2) /* MAIR index 0 */ |
	       3ULL;
}

static void s1_map(struct _test_data_nested *self, __u64 iova, __u64 ipa)
{
	g_u64(self, PG_L1)[(iova >> 30) & 511] = IPA(PG_L2) | 3;
	g_u64(self, PG_L2)[(iova >> 21) & 511] = IPA(PG_L3) | 3;
	g_u64(self, PG_L3)[(iova >> 12) & 511] = s1_page(ipa);
}

static void s1_unmap(struct _test_data_nested *self, __u64 iova)
{
	g_u64(self, PG_L3)[(iova >> 12) & 511] = 0;
	__sync_synchronize();
}

/* The guest's context descriptor of its one stage-1 table */
static void make_cd(struct _test_data_nested *self)
{
	__u64 *cd = g_u64(self, PG_CD);

	memset(cd, 0, 64);
	cd[0] = 25ULL			/* T0SZ: 39-bit input, starts at L1 */
		| (0ULL << 6)		/* TG0: 4 KiB */
		| (1ULL << 8)		/* IRGN0: WBWA */
		| (1ULL << 10)		/* ORGN0: WBWA */
		| (3ULL << 12)		/* SH0: inner shareable */
		| (1ULL << 30)		/* EPD1: no TTB1 walks */
		| (1ULL << 31)		/* V */
		| (2ULL << 32)		/* IPS: 40 bits */
		| (1ULL << 41)		/* AA64 */
		| (1ULL << 45)		/* R: record faults */
		| (1ULL << 46)		/* A: abort on fault */
		| ((__u64)ASID << 48);
	cd[1] = IPA(PG_L1);		/* TTB0 */
	cd[3] = 0xff;			/* MAIR: attr0 normal write-back */
	__sync_synchronize();
}

FIXTURE_SETUP(nested)
{
	self->ifd = -1;
	self->veventq_fd = -1;
	self->g = NULL;
	edu_init(&self->edu);
	if (!on_nested_machine())
		SKIP(return, "needs an SMMUv3 with both stages (QEMU 10)");
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	ASSERT_LE(0, edu_open_cdev(&self->edu));
	self->ifd = edu_open_iommufd();
	ASSERT_LE(0, self->ifd);
	ASSERT_EQ(0, edu_bind_iommufd(&self->edu, self->ifd));
	ASSERT_EQ(0, ioas_alloc(self->ifd, &self->ioas_id));
	self->g = edu_alloc_buf(G_SIZE);
	ASSERT_NE(NULL, self->g);
	ASSERT_EQ(0, map_fixed(self->ifd, self->ioas_id, self->g, G_SIZE,
			       GPA_BASE));
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &self->s2_id));
	ASSERT_EQ(0, viommu_alloc(self->ifd, self->edu.devid, self->s2_id,
				  IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
				  &self->viommu_id));
	ASSERT_EQ(0, vdevice_alloc(self->ifd, self->viommu_id,
				   self->edu.devid, VSID, &self->vdev_id));
}

FIXTURE_TEARDOWN(nested)
{
	bool bound = self->edu.iommufd >= 0;

	if (self->veventq_fd >= 0)
		close(self->veventq_fd);
	edu_close(&self->edu);
	if (!bound && self->ifd >= 0)
		close(self->ifd);
	if (self->g)
		edu_free_buf(self->g, G_SIZE);
}

static __u64 vste0_s1(void)
{
	return STE0_V | STE0_CFG(CFG_S1) | STE0_S1FMT(0) | IPA(PG_CD);
}

static __u64 vste1_s1(void)
{
	return STE1_S1CIR_WBRA | STE1_S1COR_WBRA | STE1_S1CSH_ISH;
}

/* Device on a nested HWPT of @ste0/@ste1, BAR0 mapped, DMA on */
static void attach_nested(struct __test_metadata *_metadata,
			  struct _test_data_nested *self, __u64 ste0,
			  __u64 ste1)
{
	__u32 pt;

	ASSERT_EQ(0, nested_alloc(self->ifd, self->edu.devid, self->viommu_id,
				  ste0, ste1, &self->nested_id));
	pt = self->nested_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	ASSERT_EQ(0, edu_map_bar0(&self->edu));
	ASSERT_EQ(0, edu_enable_dma(&self->edu));
	ASSERT_EQ(0, edu_check_alive(&self->edu));
}

/* SRC -> device -> @dst_iova; returns whether @dst_pg got the data */
static bool dma_lands(struct __test_metadata *_metadata,
		      struct _test_data_nested *self, unsigned char seed,
		      __u64 dst_iova, unsigned int dst_pg)
{
	unsigned char *src = self->g + PG_SRC * 4096UL;
	unsigned char *dst = self->g + dst_pg * 4096UL;

	edu_fill(src, LEN, seed);
	memset(dst, 0, LEN);
	EXPECT_EQ(0, edu_dma_to_device(&self->edu, S1_SRC, 0, LEN));
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, dst_iova, LEN));
	return !memcmp(src, dst, LEN);
}

/**
 * struct faults - what one drain of the event queue found
 * @records: records read (lost-events headers included)
 * @lost: lost-events headers
 * @match: F_TRANSLATION records of the vSID at the expected page
 * @other: any other record
 * @bad_seq: a sequence number that was not the previous one plus 1
 */
struct faults {
	unsigned int records, lost, match, other, bad_seq;
};

/*
 * Reads every record until the queue stays empty for @quiet_ms (the first
 * may take @first_ms): one blocked DMA makes QEMU raise a fault for each
 * access it tries, so a burst, perhaps beyond the queue's depth. Checks
 * that sequence numbers go up by one from *@seq, and counts the records.
 */
static struct faults drain_events(int fd, __u32 *seq, __u64 page, int first_ms,
				  int quiet_ms)
{
	unsigned char buf[64 * 40];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct faults f = {};
	int timeout = first_ms;

	while (poll(&pfd, 1, timeout) == 1) {
		ssize_t n = read(fd, buf, sizeof(buf)), off = 0;

		timeout = quiet_ms;
		if (n <= 0)
			break;
		while (off + (ssize_t)sizeof(struct iommufd_vevent_header) <= n) {
			struct iommufd_vevent_header hdr;
			struct iommu_vevent_arm_smmuv3 evt;

			memcpy(&hdr, buf + off, sizeof(hdr));
			off += sizeof(hdr);
			f.records++;
			if (hdr.sequence != *seq)
				f.bad_seq++;
			*seq = (hdr.sequence + 1) & 0x7fffffff;
			if (hdr.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
				f.lost++;
				continue;
			}
			if (off + (ssize_t)sizeof(evt) > n) {
				f.other++;
				break;
			}
			memcpy(&evt, buf + off, sizeof(evt));
			off += sizeof(evt);
			if ((evt.evt[0] & 0xff) == EVT_F_TRANSLATION &&
			    evt.evt[0] >> 32 == VSID &&
			    !((evt.evt[1] >> 39) & 1) /* stage 1 */ &&
			    (evt.evt[2] & ~0xfffULL) == page)
				f.match++;
			else
				f.other++;
		}
	}
	return f;
}

/*
 * Both stages translate: IOVA -> IPA by the guest's table, IPA -> PA by the
 * parent. Then a stage-1 entry goes, the guest invalidates, the DMA there
 * is blocked and the fault is the guest's event, with its vSID.
 */
TEST_F(nested, two_stage_dma_invalidate_event)
{
	struct iommu_viommu_arm_smmuv3_invalidate inv[3] = {};
	unsigned char *dst2 = self->g + PG_DST2 * 4096UL;
	__u32 done = ~0U, seq = 0;
	struct faults f;

	make_cd(self);
	s1_map(self, S1_SRC, IPA(PG_SRC));
	s1_map(self, S1_DST, IPA(PG_DST));
	s1_map(self, S1_DST2, IPA(PG_DST2));
	ASSERT_EQ(0, veventq_alloc(self->ifd, self->viommu_id,
				   IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
				   &self->veventq_id, &self->veventq_fd));
	attach_nested(_metadata, self, vste0_s1(), vste1_s1());

	ASSERT_TRUE(dma_lands(_metadata, self, 1, S1_DST, PG_DST));
	ASSERT_TRUE(dma_lands(_metadata, self, 2, S1_DST2, PG_DST2));
	/* Nothing faulted so far */
	f = drain_events(self->veventq_fd, &seq, 0, 0, 0);
	ASSERT_EQ(0, f.records);
	/* The IPA is no IOVA: stage 1 really translates, and faults */
	memset(dst2, 0, LEN);
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, IPA(PG_DST2), LEN));
	EXPECT_TRUE(edu_all_bytes(dst2, LEN, 0));
	f = drain_events(self->veventq_fd, &seq, IPA(PG_DST2), 5000, 500);
	TH_LOG("IPA as IOVA: %u records, %u lost-events headers, %u faults at 0x%llx",
	       f.records, f.lost, f.match, IPA(PG_DST2));
	EXPECT_LT(0, f.match);
	EXPECT_EQ(0, f.other);
	EXPECT_EQ(0, f.bad_seq);

	/* The guest unmaps S1_DST2 and invalidates: VA, ASID, CD */
	s1_unmap(self, S1_DST2);
	inv[0].cmd[0] = CMD_TLBI_NH_VA | cmd_asid(ASID);
	inv[0].cmd[1] = S1_DST2 | 1 /* leaf */;
	inv[1].cmd[0] = CMD_TLBI_NH_ASID | cmd_asid(ASID);
	inv[2].cmd[0] = CMD_CFGI_CD | cmd_sid(VSID);
	inv[2].cmd[1] = 1;	/* leaf */
	ASSERT_EQ(0, invalidate(self->ifd, self->viommu_id, inv, 3, &done));
	EXPECT_EQ(3, done);

	memset(dst2, 0, LEN);
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, S1_DST2, LEN));
	EXPECT_TRUE(edu_all_bytes(dst2, LEN, 0));
	/* Stage-1 faults at the IOVA, for the vSID, in sequence */
	f = drain_events(self->veventq_fd, &seq, S1_DST2, 5000, 500);
	TH_LOG("unmapped IOVA: %u records, %u lost-events headers, %u faults at 0x%llx",
	       f.records, f.lost, f.match, S1_DST2);
	EXPECT_LT(0, f.match);
	EXPECT_EQ(0, f.other);
	EXPECT_EQ(0, f.bad_seq);

	/* The rest of the guest's table still works, without faults */
	EXPECT_TRUE(dma_lands(_metadata, self, 3, S1_DST, PG_DST));
	f = drain_events(self->veventq_fd, &seq, 0, 500, 0);
	EXPECT_EQ(0, f.records);

	/* Mapped again and invalidated: works again */
	s1_map(self, S1_DST2, IPA(PG_DST2));
	__sync_synchronize();
	inv[0].cmd[0] = CMD_TLBI_NSNH_ALL;
	inv[0].cmd[1] = 0;
	ASSERT_EQ(0, invalidate(self->ifd, self->viommu_id, inv, 1, &done));
	EXPECT_TRUE(dma_lands(_metadata, self, 4, S1_DST2, PG_DST2));
}

/* The parent's unmap reaches through the nested domain (TLB included) */
TEST_F(nested, parent_unmap_blocks)
{
	__u32 seq = 0;
	unsigned char *big = edu_alloc_buf(BUF_SIZE);
	__u64 ipa_big = GPA_BASE + 0x100000;

	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, map_fixed(self->ifd, self->ioas_id, big, BUF_SIZE,
			       ipa_big));
	make_cd(self);
	s1_map(self, S1_SRC, IPA(PG_SRC));
	s1_map(self, S1_DST, ipa_big);
	ASSERT_EQ(0, veventq_alloc(self->ifd, self->viommu_id,
				   IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
				   &self->veventq_id, &self->veventq_fd));
	attach_nested(_metadata, self, vste0_s1(), vste1_s1());

	edu_fill(self->g + PG_SRC * 4096UL, LEN, 5);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, S1_SRC, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, S1_DST, LEN));
	ASSERT_EQ(0, memcmp(self->g + PG_SRC * 4096UL, big, LEN));

	/* The VMM takes the IPA away: stage 2 must block at once */
	ASSERT_EQ(0, edu_ioas_unmap(self->ifd, self->ioas_id, ipa_big,
				    BUF_SIZE));
	memset(big, 0, LEN);
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, S1_DST, LEN));
	EXPECT_TRUE(edu_all_bytes(big, LEN, 0));
	/* A stage-2 fault is the host's: the guest's queue stays empty */
	EXPECT_EQ(0, drain_events(self->veventq_fd, &seq, 0, 1000, 0).records);
	edu_free_buf(big, BUF_SIZE);
}

/*
 * Two virtual SMMUs on one parent (two vSMMUs of a VMM, or two guests on
 * one stage 2) each have a VMID of their own: the stage-1 TLB entries the
 * SMMU caches for one are out of the other's reach, although both guests
 * use the same ASID and addresses. The first vIOMMU's guest moves S1_DST to
 * another page and does not invalidate: its DMA keeps using the cached
 * entry whatever the second vIOMMU invalidates; its own invalidation then
 * makes the new entry visible.
 */
TEST_F(nested, two_viommus_own_vmids)
{
	const struct {
		__u64 cmd0, cmd1;
		const char *what;
	} other[] = {
		{ CMD_TLBI_NH_VA | cmd_asid(ASID), S1_DST | 1, "TLBI_NH_VA" },
		{ CMD_TLBI_NH_ASID | cmd_asid(ASID), 0, "TLBI_NH_ASID" },
		{ CMD_TLBI_NH_ALL, 0, "TLBI_NH_ALL" },
		{ CMD_TLBI_NSNH_ALL, 0, "TLBI_NSNH_ALL" },
	};
	__u32 other_id, i;

	make_cd(self);
	s1_map(self, S1_SRC, IPA(PG_SRC));
	s1_map(self, S1_DST, IPA(PG_DST));
	attach_nested(_metadata, self, vste0_s1(), vste1_s1());
	ASSERT_EQ(0, viommu_alloc(self->ifd, self->edu.devid, self->s2_id,
				  IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &other_id));
	ASSERT_TRUE(dma_lands(_metadata, self, 1, S1_DST, PG_DST));

	/* Moved without invalidation: the SMMU still has the old entry */
	s1_map(self, S1_DST, IPA(PG_DST2));
	__sync_synchronize();
	ASSERT_TRUE(dma_lands(_metadata, self, 2, S1_DST, PG_DST));

	for (i = 0; i < ARRAY_SIZE(other); i++) {
		ASSERT_EQ(0, invalidate_one(self->ifd, other_id, other[i].cmd0,
					    other[i].cmd1));
		EXPECT_TRUE(dma_lands(_metadata, self, 3 + i, S1_DST, PG_DST)) {
			TH_LOG("%s of the other vIOMMU dropped this one's TLB entry",
			       other[i].what);
		}
	}
	/* Its own invalidation does drop it */
	ASSERT_EQ(0, invalidate_one(self->ifd, self->viommu_id,
				    CMD_TLBI_NH_VA | cmd_asid(ASID),
				    S1_DST | 1));
	EXPECT_TRUE(dma_lands(_metadata, self, 9, S1_DST, PG_DST2));
}

/*
 * The device moves to a second vIOMMU of the parent (its vDEVICE, event
 * queue and nested HWPT there): DMA goes through both stages with that
 * vIOMMU's VMID, its stage-1 faults reach that vIOMMU's queue, the first
 * vIOMMU's invalidations leave its TLB entries alone, and the parent's
 * unmap reaches them (the parent's invalidation covers every VMID in use
 * on it, not only the first vIOMMU's or its own).
 */
TEST_F(nested, device_on_second_viommu)
{
	unsigned char *big = edu_alloc_buf(BUF_SIZE);
	__u64 ipa_big = GPA_BASE + 0x100000;
	__u32 first = self->viommu_id, second, pt, seq = 0;
	struct faults f;

	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, map_fixed(self->ifd, self->ioas_id, big, BUF_SIZE,
			       ipa_big));
	ASSERT_EQ(0, viommu_alloc(self->ifd, self->edu.devid, self->s2_id,
				  IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &second));
	ASSERT_EQ(0, destroy(self->ifd, self->vdev_id));
	ASSERT_EQ(0, vdevice_alloc(self->ifd, second, self->edu.devid, VSID,
				   &self->vdev_id));
	ASSERT_EQ(0, veventq_alloc(self->ifd, second,
				   IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
				   &self->veventq_id, &self->veventq_fd));
	make_cd(self);
	s1_map(self, S1_SRC, IPA(PG_SRC));
	s1_map(self, S1_DST, IPA(PG_DST));
	s1_map(self, S1_DST2, ipa_big);
	/* A translating STE on the first vIOMMU: the vDEVICE is elsewhere */
	ASSERT_EQ(0, nested_alloc(self->ifd, self->edu.devid, self->viommu_id,
				  vste0_s1(), vste1_s1(), &pt));
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EINVAL, errno);
	self->viommu_id = second;
	attach_nested(_metadata, self, vste0_s1(), vste1_s1());

	/* The device still holds what it read from PG_SRC */
	ASSERT_TRUE(dma_lands(_metadata, self, 1, S1_DST, PG_DST));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, S1_DST2, LEN));
	ASSERT_EQ(0, memcmp(self->g + PG_SRC * 4096UL, big, LEN));

	/* The VMM takes the IPA away: stage 2 blocks at once */
	ASSERT_EQ(0, edu_ioas_unmap(self->ifd, self->ioas_id, ipa_big,
				    BUF_SIZE));
	memset(big, 0, LEN);
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, S1_DST2, LEN));
	EXPECT_TRUE(edu_all_bytes(big, LEN, 0)) {
		TH_LOG("the parent's unmap missed the second vIOMMU's TLB");
	}

	/* A stage-1 fault is the second vIOMMU's, with the vSID */
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, IPA(PG_DST2), LEN));
	f = drain_events(self->veventq_fd, &seq, IPA(PG_DST2), 5000, 500);
	EXPECT_LT(0, f.match);
	EXPECT_EQ(0, f.other);

	/* The first vIOMMU's invalidation does not reach the second's TLB */
	ASSERT_TRUE(dma_lands(_metadata, self, 3, S1_DST, PG_DST));
	s1_map(self, S1_DST, IPA(PG_DST2));
	__sync_synchronize();
	ASSERT_EQ(0, invalidate_one(self->ifd, first, CMD_TLBI_NH_ALL, 0));
	EXPECT_TRUE(dma_lands(_metadata, self, 4, S1_DST, PG_DST));
	ASSERT_EQ(0, invalidate_one(self->ifd, second, CMD_TLBI_NH_ALL, 0));
	EXPECT_TRUE(dma_lands(_metadata, self, 5, S1_DST, PG_DST2));
	edu_free_buf(big, BUF_SIZE);
}

/*
 * The vDEVICE goes while the device is on a translating nested HWPT: the
 * device stays there and keeps translating. An attach that then fails (a
 * second translating nested HWPT needs the vDEVICE: EINVAL) makes the core
 * put the device back on the HWPT it is on, which must succeed; the driver
 * refused that too and the core WARNed (iommu.c, in its revert).
 */
TEST_F(nested, vdevice_gone_while_attached)
{
	unsigned long taint0 = kernel_taint(), taint1;
	__u32 second, pt;

	make_cd(self);
	s1_map(self, S1_SRC, IPA(PG_SRC));
	s1_map(self, S1_DST, IPA(PG_DST));
	attach_nested(_metadata, self, vste0_s1(), vste1_s1());
	ASSERT_TRUE(dma_lands(_metadata, self, 1, S1_DST, PG_DST));
	ASSERT_EQ(0, nested_alloc(self->ifd, self->edu.devid, self->viommu_id,
				  vste0_s1(), vste1_s1(), &second));
	ASSERT_EQ(0, destroy(self->ifd, self->vdev_id));

	pt = second;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EINVAL, errno);
	taint1 = kernel_taint();
	EXPECT_FALSE((taint1 & TAINT_WARN_BIT) && !(taint0 & TAINT_WARN_BIT)) {
		TH_LOG("kernel WARN (taint %lu)", taint1);
	}
	/* Still on the first nested HWPT, through both stages */
	EXPECT_TRUE(dma_lands(_metadata, self, 2, S1_DST, PG_DST));
	EXPECT_EQ(-1, destroy(self->ifd, self->nested_id));
	EXPECT_EQ(EBUSY, errno);
	pt = self->s2_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
}

/*
 * Each vIOMMU holds a VMID of the SMMU from its allocation to its
 * destruction: allocating them runs out (ENOSPC) within the VMID space,
 * and once all are destroyed as many can be allocated again.
 */
#define MAX_VIOMMUS	(1U << 17)

TEST_F(nested, viommu_vmids_freed)
{
	__u32 *ids = calloc(MAX_VIOMMUS, sizeof(*ids));
	unsigned int n, again, i;

	ASSERT_NE(NULL, ids);
	for (n = 0; n < MAX_VIOMMUS; n++)
		if (viommu_alloc(self->ifd, self->edu.devid, self->s2_id,
				 IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &ids[n]))
			break;
	ASSERT_GT(MAX_VIOMMUS, n) {
		TH_LOG("%u vIOMMUs and no VMID limit", n);
	}
	EXPECT_EQ(ENOSPC, errno);
	TH_LOG("%u vIOMMUs before the VMIDs ran out", n);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, destroy(self->ifd, ids[i]));

	for (again = 0; again <= n; again++)
		if (viommu_alloc(self->ifd, self->edu.devid, self->s2_id,
				 IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &ids[again]))
			break;
	EXPECT_EQ(n, again);
	EXPECT_EQ(ENOSPC, errno);
	for (i = 0; i < again; i++)
		ASSERT_EQ(0, destroy(self->ifd, ids[i]));
	free(ids);
}

/* Guest STE bypass: the parent alone translates (IPA == IOVA) */
TEST_F(nested, vste_bypass_and_abort)
{
	unsigned char *dst = self->g + PG_DST * 4096UL;
	__u32 pt, abort_id;

	attach_nested(_metadata, self, STE0_V | STE0_CFG(CFG_BYPASS), 0);
	edu_fill(self->g + PG_SRC * 4096UL, LEN, 7);
	memset(dst, 0, LEN);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IPA(PG_SRC), 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IPA(PG_DST), LEN));
	ASSERT_EQ(0, memcmp(self->g + PG_SRC * 4096UL, dst, LEN));

	/* Abort, and an invalid (V=0) STE: nothing gets through */
	ASSERT_EQ(0, nested_alloc(self->ifd, self->edu.devid,
				  self->viommu_id, STE0_V | STE0_CFG(CFG_ABORT),
				  0, &abort_id));
	pt = abort_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	memset(dst, 0, LEN);
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, IPA(PG_DST), LEN));
	EXPECT_TRUE(edu_all_bytes(dst, LEN, 0));
	ASSERT_EQ(0, nested_alloc(self->ifd, self->edu.devid,
				  self->viommu_id, 0, 0, &pt));
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, IPA(PG_DST), LEN));
	EXPECT_TRUE(edu_all_bytes(dst, LEN, 0));
	/* Back to the parent alone */
	pt = self->s2_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_EQ(0, edu_dma_to_ram(&self->edu, 0, IPA(PG_DST), LEN));
	EXPECT_EQ(0, memcmp(self->g + PG_SRC * 4096UL, dst, LEN));
}

/*
 * A translating guest STE needs the device's vDEVICE (its events and CD
 * invalidations name the device by the vSID); bypass and abort do not.
 */
TEST_F(nested, translate_needs_vdevice)
{
	__u32 s1_id, bypass_id, pt;

	make_cd(self);
	ASSERT_EQ(0, destroy(self->ifd, self->vdev_id));
	ASSERT_EQ(0, nested_alloc(self->ifd, self->edu.devid, self->viommu_id,
				  vste0_s1(), vste1_s1(), &s1_id));
	pt = s1_id;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, nested_alloc(self->ifd, self->edu.devid, self->viommu_id,
				  STE0_V | STE0_CFG(CFG_BYPASS), 0,
				  &bypass_id));
	pt = bypass_id;
	EXPECT_EQ(0, attach(self->edu.devfd, &pt));
	ASSERT_EQ(0, vdevice_alloc(self->ifd, self->viommu_id,
				   self->edu.devid, VSID, &self->vdev_id));
	pt = s1_id;
	EXPECT_EQ(0, attach(self->edu.devfd, &pt));
}

/* Every field outside the spec's list, and every illegal Config: EIO */
TEST_F(nested, vste_refused)
{
	static const struct {
		__u64 ste0, ste1;
		const char *what;
	} bad[] = {
		{ STE0_V | STE0_CFG(CFG_S2), 0, "Config stage 2 only" },
		{ STE0_V | STE0_CFG(CFG_NESTED), 0, "Config nested" },
		{ STE0_V | STE0_CFG(1), 0, "Config reserved" },
		{ STE0_V | STE0_CFG(CFG_S1) | STE0_S1FMT(3), 0, "S1Fmt 3" },
		{ STE0_V | STE0_CFG(CFG_S1) | (1ULL << 52), 0,
		  "word 0 bit 52" },
		{ STE0_V | STE0_CFG(CFG_S1), STE1_STRW_EL2, "STRW" },
		{ STE0_V | STE0_CFG(CFG_S1), 1ULL << 44, "SHCFG" },
		{ STE0_V | STE0_CFG(CFG_S1), 1ULL << 25, "S2FWB" },
		{ STE0_V | STE0_CFG(CFG_S1), 2ULL << 28, "EATS S1CHK" },
		{ STE0_V | STE0_CFG(CFG_S1), 1ULL << 63, "word 1 bit 63" },
	};
	struct iommu_hwpt_arm_smmuv3 ste = {};
	__u32 id, i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		id = BAD_ID;
		EXPECT_EQ(-1, nested_alloc(self->ifd, self->edu.devid,
					   self->viommu_id, bad[i].ste0,
					   bad[i].ste1, &id)) {
			TH_LOG("%s accepted", bad[i].what);
		}
		EXPECT_EQ(EIO, errno) {
			TH_LOG("%s: %s", bad[i].what, strerror(errno));
		}
		EXPECT_EQ(BAD_ID, id);
	}
	/* Not SMMUv3 data */
	EXPECT_EQ(-1, nested_alloc_raw(self->ifd, self->edu.devid,
				       self->viommu_id,
				       IOMMU_HWPT_DATA_VTD_S1, &ste,
				       sizeof(ste), &id));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* Shorter than the STE words */
	EXPECT_EQ(-1, nested_alloc_raw(self->ifd, self->edu.devid,
				       self->viommu_id,
				       IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, 8,
				       &id));
	EXPECT_EQ(EINVAL, errno);
	/* The fields the guest owns are all accepted */
	EXPECT_EQ(0, nested_alloc(self->ifd, self->edu.devid,
				  self->viommu_id,
				  vste0_s1() | (31ULL << 59) | STE0_S1FMT(2),
				  vste1_s1() | 2 /* S1DSS SSID0 */ |
				  (1ULL << 27) /* S1STALLD */ |
				  (1ULL << 28) /* EATS */, &id));
}

/* Only the guest's TLB and CD/ATC commands, only of its own devices */
TEST_F(nested, invalidate_refused)
{
	static const __u64 bad_ops[] = {
		CMD_CFGI_STE, CMD_TLBI_S12_VMALL, CMD_SYNC, 0x04 /* CFGI_ALL */,
		0x2a /* TLBI_S2_IPA */, 0x20 /* TLBI_EL2_ALL */, 0x01, 0xff,
	};
	struct iommu_viommu_arm_smmuv3_invalidate inv[3] = {};
	__u32 done, i;

	/* entry_num 0 only checks the type */
	EXPECT_EQ(0, invalidate(self->ifd, self->viommu_id, inv, 0, &done));
	EXPECT_EQ(-1, invalidate_raw(self->ifd, self->viommu_id,
				     IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, 0,
				     &done));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, invalidate_raw(self->ifd, self->viommu_id,
				     IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, 1,
				     &done));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, done);

	/* A bad second entry: the first is done, entry_num says 1 */
	for (i = 0; i < ARRAY_SIZE(bad_ops); i++) {
		inv[0].cmd[0] = CMD_TLBI_NH_ALL;
		inv[1].cmd[0] = bad_ops[i];
		inv[2].cmd[0] = CMD_TLBI_NH_ALL;
		done = ~0U;
		EXPECT_EQ(-1, invalidate(self->ifd, self->viommu_id, inv, 3,
					 &done)) {
			TH_LOG("opcode 0x%02llx accepted",
			       (unsigned long long)bad_ops[i]);
		}
		EXPECT_EQ(EIO, errno);
		EXPECT_EQ(1, done);
	}

	/* A StreamID no virtual device has */
	inv[0].cmd[0] = CMD_CFGI_CD_ALL | cmd_sid(VSID);
	inv[1].cmd[0] = CMD_CFGI_CD_ALL | cmd_sid(VSID + 1);
	EXPECT_EQ(-1, invalidate(self->ifd, self->viommu_id, inv, 2, &done));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(1, done);

	/* Every accepted opcode */
	memset(inv, 0, sizeof(inv));
	inv[0].cmd[0] = CMD_TLBI_NSNH_ALL;
	inv[1].cmd[0] = 0x13 /* TLBI_NH_VAA */;
	inv[2].cmd[0] = 0x40 /* ATC_INV */ | cmd_sid(VSID);
	EXPECT_EQ(0, invalidate(self->ifd, self->viommu_id, inv, 3, &done));
	EXPECT_EQ(3, done);

	/* After the virtual device goes, its vSID is unknown */
	ASSERT_EQ(0, destroy(self->ifd, self->vdev_id));
	inv[0].cmd[0] = CMD_CFGI_CD_ALL | cmd_sid(VSID);
	EXPECT_EQ(-1, invalidate(self->ifd, self->viommu_id, inv, 1, &done));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0, done);
}

/* What a virtual SMMU is built on, and its ID spaces */
TEST_F(nested, viommu_refused)
{
	__u32 hwpt, id, fd_id;
	int fd;

	/* A nesting parent is stage 2, which tracks no dirty bits here */
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT |
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* Not a nesting parent */
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id, 0,
				&hwpt));
	EXPECT_EQ(-1, viommu_alloc(self->ifd, self->edu.devid, hwpt,
				   IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &id));
	EXPECT_EQ(EINVAL, errno);
	/* Not a type this driver offers */
	EXPECT_EQ(-1, viommu_alloc(self->ifd, self->edu.devid, self->s2_id,
				   IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV, &id));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* A nested HWPT on the plain parent: the SMMU nests only on a vIOMMU */
	EXPECT_EQ(-1, nested_alloc(self->ifd, self->edu.devid, self->s2_id,
				   vste0_s1(), vste1_s1(), &id));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* StreamIDs are 32 bits */
	ASSERT_EQ(0, destroy(self->ifd, self->vdev_id));
	EXPECT_EQ(-1, vdevice_alloc(self->ifd, self->viommu_id,
				    self->edu.devid, 1ULL << 32, &id));
	EXPECT_EQ(EINVAL, errno);
	/* Event queues: SMMUv3 records only, one queue */
	EXPECT_EQ(-1, veventq_alloc(self->ifd, self->viommu_id,
				    IOMMU_VEVENTQ_TYPE_DEFAULT, &fd_id, &fd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, veventq_alloc(self->ifd, self->viommu_id,
				    IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV, &fd_id,
				    &fd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(0, veventq_alloc(self->ifd, self->viommu_id,
				   IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
				   &self->veventq_id, &self->veventq_fd));
	/* The parent is pinned by the vIOMMU */
	EXPECT_EQ(-1, destroy(self->ifd, self->s2_id));
	EXPECT_EQ(EBUSY, errno);
}

TEST_HARNESS_MAIN
