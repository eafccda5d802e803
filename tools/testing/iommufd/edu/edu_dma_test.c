// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dma_test - real device DMA through /dev/iommu
 *
 * QEMU's edu device is bound to vfio-pci, opened through its vfio cdev,
 * bound to /dev/iommu and attached to an IOAS; then its DMA engine copies
 * between our buffers and its own memory.  The positive tests prove that
 * mappings reach the IOMMU with the right addresses and offsets; the
 * negative tests prove that what is not mapped (any more, or not for
 * writing, or not in the attached IOAS) is really out of the device's reach:
 * the memory behind it stays exactly as it was.
 *
 * The edu device never reports a failed DMA itself (QEMU drops the access),
 * so every negative test fills the target with a known pattern and checks
 * it afterwards; the IOMMU's own fault record is checked by
 * fault_is_recorded.
 *
 * Machines without an IOMMU (harness.machine=x86-noiommu or x86-debug)
 * cannot hand a device to vfio-pci: every test skips there.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "edu_driver.h"

#include <glob.h>

/* Multiples of the largest base page size we run on (64 KiB). */
#define BUF_SIZE	(64 * 1024)
#define IOVA_A		0x00100000ULL
#define IOVA_B		0x00200000ULL
#define IOVA_C		0x00300000ULL
#define IOVA_D		0x00400000ULL
#define IOVA_NEVER	0x00800000ULL
#define IOVA_TOP	(EDU_DMA_LIMIT - BUF_SIZE)
#define LEN		2048
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

FIXTURE(edu) {
	struct edu_dev edu;
	char *a, *b, *c, *d;
};

FIXTURE_SETUP(edu)
{
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU here, so vfio-pci cannot take the device");
	edu_init(&self->edu);
	ASSERT_EQ(0, edu_open(&self->edu));
	self->a = edu_alloc_buf(BUF_SIZE);
	self->b = edu_alloc_buf(BUF_SIZE);
	self->c = edu_alloc_buf(BUF_SIZE);
	self->d = edu_alloc_buf(BUF_SIZE);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	ASSERT_NE(NULL, self->c);
	ASSERT_NE(NULL, self->d);
}

FIXTURE_TEARDOWN(edu)
{
	edu_close(&self->edu);
	edu_free_buf(self->a, BUF_SIZE);
	edu_free_buf(self->b, BUF_SIZE);
	edu_free_buf(self->c, BUF_SIZE);
	edu_free_buf(self->d, BUF_SIZE);
}

/* Maps @buf read-write at @iova in the fixture's IOAS. */
#define map_rw(buf, iova) \
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id, \
				  buf, BUF_SIZE, iova, RW))

/* Loads the device buffer with @len bytes of pattern @seed, through @a. */
static int load_device(struct edu_dev *edu, char *a, unsigned int seed,
		       __u32 len)
{
	edu_fill(a, len, seed);
	return edu_dma_to_device(edu, IOVA_A, 0, len);
}

/*
 * The IOMMU driver reports the blocked DMA in the kernel log.  Drivers
 * rate-limit these messages (VT-d: 10 lines per 5 seconds, two per fault),
 * so when other tests used up the budget, the fault is provoked once more
 * after the limit's interval has passed.
 */
TEST_F(edu, fault_is_recorded)
{
	const struct edu_iommu *iommu = edu_iommu();
	int before, now;

	if (!iommu)
		SKIP(return, "no known IOMMU driver in /sys/class/iommu");
	map_rw(self->a, IOVA_A);
	ASSERT_EQ(0, load_device(&self->edu, self->a, 15, LEN));

	before = edu_klog_lines(iommu->fault_pattern, NULL);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_NEVER, LEN));
	now = edu_klog_wait(iommu->fault_pattern, before);
	if (now == before) {
		TH_LOG("no fault line yet, retrying after the rate limit interval");
		sleep(6);
		ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_NEVER, LEN));
		now = edu_klog_wait(iommu->fault_pattern, before);
	}
	if (now == before && iommu->no_fault_log)
		SKIP(return, "%s: %s", iommu->name, iommu->no_fault_log);
	ASSERT_LT(before, now);
}

TEST_F(edu, round_trip)
{
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);

	edu_fill(self->a, LEN, 1);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->b, LEN));
	/* Exactly LEN bytes were written. */
	ASSERT_TRUE(edu_all_bytes(self->b + LEN, BUF_SIZE - LEN, 0));

	/* The largest transfer the device allows, both ways. */
	edu_fill(self->a, EDU_DMA_MAX, 2);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, EDU_DMA_MAX));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, EDU_DMA_MAX));
	ASSERT_EQ(0, memcmp(self->a, self->b, EDU_DMA_MAX));
}

/*
 * Unaligned offsets on both sides, transfers crossing pages, and the last
 * byte the device's 28-bit DMA mask can reach.
 */
TEST_F(edu, iovas_and_offsets)
{
	static const struct {
		__u32 src, dev, dst, len;
	} cases[] = {
		{ 0x0, 0x0, 0x0, 1 },
		{ 0xfff, 0x100, 0x1fff, 2 },
		{ 0x1800, 0x0, 0x2801, EDU_DMA_MAX },
		{ 0x4321, 0x123, 0xabcd, 1000 },
		{ BUF_SIZE - LEN, 0x7ff, 0x8800, LEN },
		{ 0x8000, EDU_DMA_MAX - 1, BUF_SIZE - 1, 1 },
	};
	unsigned int i;

	/* A sits at the very top of the reachable IOVA space. */
	map_rw(self->a, IOVA_TOP);
	map_rw(self->b, IOVA_B);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u32 src = cases[i].src, dst = cases[i].dst, len = cases[i].len;

		TH_LOG("case %u: IOVA 0x%llx -> edu +0x%x -> IOVA 0x%llx, %u bytes",
		       i, IOVA_TOP + src, cases[i].dev, IOVA_B + dst, len);
		memset(self->b, 0, BUF_SIZE);
		edu_fill(self->a + src, len, 10 + i);
		ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_TOP + src,
					       cases[i].dev, len));
		ASSERT_EQ(0, edu_dma_to_ram(&self->edu, cases[i].dev,
					    IOVA_B + dst, len));
		ASSERT_EQ(0, memcmp(self->a + src, self->b + dst, len));
		ASSERT_TRUE(edu_all_bytes(self->b, dst, 0));
		ASSERT_TRUE(edu_all_bytes(self->b + dst + len,
					  BUF_SIZE - dst - len, 0));
	}
}

/* Nothing is mapped at IOVA_NEVER: a write there changes none of our memory. */
TEST_F(edu, unmapped_iova_blocked)
{
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);

	/* Writes to the unmapped IOVA go nowhere. */
	ASSERT_EQ(0, load_device(&self->edu, self->a, 3, LEN));
	memset(self->b, 0x5a, BUF_SIZE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_NEVER, LEN));
	ASSERT_TRUE(edu_all_bytes(self->b, BUF_SIZE, 0x5a));

	ASSERT_TRUE(edu_all_bytes(self->c, BUF_SIZE, 0));

	/* The device still works, and still holds pattern 3. */
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->b, LEN));
}

/* IOAS_UNMAP takes the pages away from the device in both directions. */
TEST_F(edu, unmap_blocks_dma)
{
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	map_rw(self->c, IOVA_C);

	/* Mapped: B receives pattern 5. */
	ASSERT_EQ(0, load_device(&self->edu, self->a, 5, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->b, LEN));
	memcpy(self->d, self->b, BUF_SIZE);

	/* Unmapped: pattern 6 does not reach B. */
	ASSERT_EQ(0, edu_ioas_unmap(self->edu.iommufd, self->edu.ioas_id,
				    IOVA_B, BUF_SIZE));
	ASSERT_EQ(0, load_device(&self->edu, self->a, 6, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->d, self->b, BUF_SIZE));

	/* Unmapped A: the device cannot read pattern 7 from it. */
	ASSERT_EQ(0, edu_ioas_unmap(self->edu.iommufd, self->edu.ioas_id,
				    IOVA_A, BUF_SIZE));
	edu_fill(self->a, LEN, 7);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_C, LEN));
	ASSERT_NE(0, memcmp(self->a, self->c, LEN));

	/* Mapping B again makes it reachable again. */
	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->c, self->b, LEN));
}

/* A mapping without IOMMU_IOAS_MAP_WRITEABLE: the device reads, never writes. */
TEST_F(edu, readonly_blocks_device_writes)
{
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	edu_fill(self->c, BUF_SIZE, 8);
	memcpy(self->d, self->c, BUF_SIZE);
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id,
				  self->c, BUF_SIZE, IOVA_C,
				  IOMMU_IOAS_MAP_READABLE));

	/* Reading through the read-only mapping works. */
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_C, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->c, self->b, LEN));

	/* Writing through it does not. */
	ASSERT_EQ(0, load_device(&self->edu, self->a, 9, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_C, LEN));
	ASSERT_EQ(0, memcmp(self->d, self->c, BUF_SIZE));
}

/*
 * Attaching to a second IOAS replaces the first: its IOVAs are dead for the
 * device at once, the new IOAS's work, and switching back works too.
 */
TEST_F(edu, replace_ioas)
{
	__u32 ioas1 = self->edu.ioas_id, hwpt1 = self->edu.hwpt_id, ioas2 = 0;

	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, edu_ioas_alloc(self->edu.iommufd, &ioas2));
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, ioas2, self->c,
				  BUF_SIZE, IOVA_C, RW));
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, ioas2, self->d,
				  BUF_SIZE, IOVA_D, RW));

	ASSERT_EQ(0, edu_attach(&self->edu, ioas2));
	ASSERT_NE(hwpt1, self->edu.hwpt_id);

	/* IOAS 2's IOVAs work: C -> device -> D. */
	edu_fill(self->c, LEN, 11);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_C, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_D, LEN));
	ASSERT_EQ(0, memcmp(self->c, self->d, LEN));

	/* IOAS 1's are dead: B stays as it is, A is not read. */
	memset(self->b, 0x77, BUF_SIZE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_TRUE(edu_all_bytes(self->b, BUF_SIZE, 0x77));
	edu_fill(self->a, LEN, 12);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_D, LEN));
	ASSERT_NE(0, memcmp(self->a, self->d, LEN));

	/* An IOAS in use cannot be destroyed. */
	EXPECT_EQ(-1, ioctl(self->edu.iommufd, IOMMU_DESTROY,
			    &(struct iommu_destroy){
				.size = sizeof(struct iommu_destroy),
				.id = ioas2 }));
	EXPECT_EQ(EBUSY, errno);

	/* Back to IOAS 1: A and B work again, C and D are dead. */
	ASSERT_EQ(0, edu_attach(&self->edu, ioas1));
	ASSERT_EQ(0, load_device(&self->edu, self->a, 13, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->b, LEN));
	memset(self->d, 0x66, BUF_SIZE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_D, LEN));
	ASSERT_TRUE(edu_all_bytes(self->d, BUF_SIZE, 0x66));
	ASSERT_EQ(0, edu_destroy(self->edu.iommufd, ioas2));
}

/* A detached device cannot reach the IOAS any more; attaching again can. */
TEST_F(edu, detach_blocks_dma)
{
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, load_device(&self->edu, self->a, 14, LEN));

	ASSERT_EQ(0, edu_detach(&self->edu));
	memset(self->b, 0x33, BUF_SIZE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_TRUE(edu_all_bytes(self->b, BUF_SIZE, 0x33));

	ASSERT_EQ(0, edu_attach(&self->edu, self->edu.ioas_id));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->b, LEN));
}

/* Finds edu, hands it to vfio-pci and opens its cdev, without binding. */
static int open_unbound(struct edu_dev *edu)
{
	edu_init(edu);
	if (edu_find(edu) || edu_bind_vfio_pci(edu))
		return -1;
	return edu_open_cdev(edu);
}

/* IOMMU_HWPT_ALLOC of a plain paging HWPT for @edu on @ioas_id */
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

/* IOMMU_IOAS_MAP_FILE of @length bytes of @fd at @start, fixed @iova */
static int map_file(struct edu_dev *edu, int fd, __u64 start, __u64 length,
		    __u64 iova, __u32 prot)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.ioas_id = edu->ioas_id,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	return ioctl(edu->iommufd, IOMMU_IOAS_MAP_FILE, &cmd) ? -errno : 0;
}

/*
 * The device DMAs through IOMMU_IOAS_MAP_FILE mappings of a memfd this
 * process never maps: what it reads is what write() put in the file, what
 * it writes read() gets back, and once unmapped the file is out of reach.
 */
TEST_F(edu, map_file_round_trip)
{
	char *want = self->a, *got = self->b;
	int fd;

	fd = memfd_create("edu-map-file", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 2 * BUF_SIZE));
	edu_fill(want, BUF_SIZE, 31);
	ASSERT_EQ(BUF_SIZE, pwrite(fd, want, BUF_SIZE, 0));
	ASSERT_EQ(0, map_file(&self->edu, fd, 0, BUF_SIZE, IOVA_C,
			      IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, map_file(&self->edu, fd, BUF_SIZE, BUF_SIZE, IOVA_D,
			      RW));

	/* Through the device from the first half into the second */
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_C + 100, 0,
				       EDU_DMA_MAX));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_D + 300,
				    EDU_DMA_MAX));
	ASSERT_EQ(BUF_SIZE, pread(fd, got, BUF_SIZE, BUF_SIZE));
	ASSERT_EQ(0, memcmp(want + 100, got + 300, EDU_DMA_MAX));
	ASSERT_TRUE(edu_all_bytes(got, 300, 0));

	/* The read-only mapping stays out of the device's write reach */
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_C, LEN));
	ASSERT_EQ(BUF_SIZE, pread(fd, got, BUF_SIZE, 0));
	ASSERT_EQ(0, memcmp(want, got, BUF_SIZE));

	/* Unmapped: the file does not change any more */
	ASSERT_EQ(0, edu_ioas_unmap(self->edu.iommufd, self->edu.ioas_id,
				    IOVA_D, BUF_SIZE));
	edu_fill(self->c, LEN, 32);
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id,
				  self->c, BUF_SIZE, IOVA_A, RW));
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_D, LEN));
	ASSERT_EQ(BUF_SIZE, pread(fd, got, BUF_SIZE, BUF_SIZE));
	ASSERT_EQ(0, memcmp(want + 100, got + 300, EDU_DMA_MAX));
	close(fd);
}

/*
 * What is mapped before the device is attached reaches it: the domain made
 * for an attach to an IOAS, and one allocated with IOMMU_HWPT_ALLOC, are
 * filled from the IOAS's existing mappings, also with IOMMU drivers that
 * finish a domain only when it is first attached (virtio-iommu in 6.12).
 */
TEST(map_before_attach)
{
	__u32 ioas1 = 0, ioas2 = 0, hwpt = 0;
	struct edu_dev edu;
	char *buf[4];
	unsigned int i;

	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU on this machine");
	for (i = 0; i < ARRAY_SIZE(buf); i++) {
		buf[i] = edu_alloc_buf(BUF_SIZE);
		ASSERT_NE(NULL, buf[i]);
	}
	ASSERT_LE(0, open_unbound(&edu));
	ASSERT_EQ(0, edu_bind_iommufd(&edu, edu_open_iommufd()));
	ASSERT_EQ(0, edu_ioas_alloc(edu.iommufd, &ioas1));
	ASSERT_EQ(0, edu_ioas_map(edu.iommufd, ioas1, buf[0], BUF_SIZE,
				  IOVA_A, RW));
	ASSERT_EQ(0, edu_ioas_map(edu.iommufd, ioas1, buf[1], BUF_SIZE,
				  IOVA_B, RW));
	ASSERT_EQ(0, edu_ioas_alloc(edu.iommufd, &ioas2));
	ASSERT_EQ(0, edu_ioas_map(edu.iommufd, ioas2, buf[2], BUF_SIZE,
				  IOVA_C, RW));
	ASSERT_EQ(0, edu_ioas_map(edu.iommufd, ioas2, buf[3], BUF_SIZE,
				  IOVA_D, RW));

	/* First attach: an automatic domain for an IOAS with mappings */
	ASSERT_EQ(0, edu_attach(&edu, ioas1));
	ASSERT_EQ(0, edu_map_bar0(&edu));
	ASSERT_EQ(0, edu_enable_dma(&edu));
	ASSERT_EQ(0, edu_check_alive(&edu));
	edu_fill(buf[0], LEN, 21);
	ASSERT_EQ(0, edu_dma_to_device(&edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(buf[0], buf[1], LEN));

	/* A HWPT allocated for an IOAS with mappings, replaced onto */
	ASSERT_EQ(0, hwpt_alloc(&edu, ioas2, &hwpt));
	ASSERT_EQ(0, edu_attach(&edu, hwpt));
	ASSERT_EQ(hwpt, edu.hwpt_id);
	edu_fill(buf[2], LEN, 22);
	ASSERT_EQ(0, edu_dma_to_device(&edu, IOVA_C, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&edu, 0, IOVA_D, LEN));
	ASSERT_EQ(0, memcmp(buf[2], buf[3], LEN));

	/* Detached, then attached again straight to that HWPT */
	ASSERT_EQ(0, edu_detach(&edu));
	ASSERT_EQ(0, edu_attach(&edu, hwpt));
	edu_fill(buf[3], LEN, 23);
	ASSERT_EQ(0, edu_dma_to_device(&edu, IOVA_D, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&edu, 0, IOVA_C, LEN));
	ASSERT_EQ(0, memcmp(buf[2], buf[3], LEN));

	edu_close(&edu);
	for (i = 0; i < ARRAY_SIZE(buf); i++)
		edu_free_buf(buf[i], BUF_SIZE);
}

/*
 * Scattered small pages: 4 KiB pages touched in a scattered order, so that
 * no page is the physical neighbour of the one before it, over more than
 * two 2 MiB chunks of user memory, mapped at an IOVA whose offset in 2 MiB
 * differs from the buffer's.  Such pages are mapped by leaf table
 * (iommu_map_pfns()), apart from the first and last run of each chunk: the
 * device must reach each page, first, interior and last of a chunk, at
 * its own IOVA, through the domain filled as the pages are pinned and
 * through one filled from the IOAS afterwards (a second HWPT).
 */
#define SCAT_PAGES	1300
#define SCAT_IOVA	(0x02000000ULL + 0x5000)

static const unsigned int scat_probe[] = {
	0, 1, 2, 3, 255, 510, 511, 512, 513, 777, 1023, 1024, 1025,
	SCAT_PAGES - 2, SCAT_PAGES - 1,
};

/*
 * Moves data between the pages @probe of @buf, mapped at @iova, and @out,
 * mapped at IOVA_B, both ways through the device; 0 if every byte arrived
 */
static int pages_check(struct edu_dev *edu, char *buf, __u64 iova, char *out,
		       size_t psz, const unsigned int *probe,
		       unsigned int nprobe)
{
	unsigned int i;

	for (i = 0; i < nprobe; i++) {
		size_t page = probe[i];

		/* Page -> device -> IOVA_B, then device -> the page's IOVA */
		if (edu_dma_to_device(edu, iova + page * psz, 0, EDU_DMA_MAX))
			return -1;
		if (edu_dma_to_ram(edu, 0, IOVA_B, EDU_DMA_MAX))
			return -1;
		if (memcmp(out, buf + page * psz, EDU_DMA_MAX)) {
			edu_fail(EIO, "page %zu read through the IOMMU differs",
				 page);
			return -1;
		}
		edu_fill(out, EDU_DMA_MAX, 1000 + i);
		if (edu_dma_to_device(edu, IOVA_B, 0, EDU_DMA_MAX) ||
		    edu_dma_to_ram(edu, 0, iova + page * psz, EDU_DMA_MAX))
			return -1;
		if (memcmp(out, buf + page * psz, EDU_DMA_MAX)) {
			edu_fail(EIO, "page %zu written through the IOMMU differs",
				 page);
			return -1;
		}
	}
	return 0;
}

TEST_F(edu, scattered_small_pages)
{
	size_t psz = sysconf(_SC_PAGESIZE);
	size_t len = SCAT_PAGES * psz;
	__u32 ioas2 = 0, hwpt = 0;
	unsigned int i;
	char *scat;

	scat = edu_alloc_buf(len);
	ASSERT_NE(NULL, scat);
	ASSERT_EQ(0, madvise(scat, len, MADV_NOHUGEPAGE));
	/* 97 and SCAT_PAGES are coprime: every page once, far apart */
	for (i = 0; i < SCAT_PAGES; i++) {
		size_t page = (size_t)i * 97 % SCAT_PAGES;

		edu_fill(scat + page * psz, psz, page);
	}

	/* Attached: pinned and mapped in one pass */
	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id, scat,
				  len, SCAT_IOVA, RW));
	ASSERT_EQ(0, pages_check(&self->edu, scat, SCAT_IOVA, self->b, psz,
				 scat_probe, ARRAY_SIZE(scat_probe)));

	/* A second domain filled from the IOAS's mappings */
	ASSERT_EQ(0, hwpt_alloc(&self->edu, self->edu.ioas_id, &hwpt));
	ASSERT_EQ(0, edu_attach(&self->edu, hwpt));
	ASSERT_EQ(0, pages_check(&self->edu, scat, SCAT_IOVA, self->b, psz,
				 scat_probe, ARRAY_SIZE(scat_probe)));

	/* Mapped while no domain holds the IOAS, then attached */
	ASSERT_EQ(0, edu_ioas_alloc(self->edu.iommufd, &ioas2));
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, ioas2, scat, len,
				  SCAT_IOVA, RW));
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, ioas2, self->b, BUF_SIZE,
				  IOVA_B, RW));
	ASSERT_EQ(0, edu_attach(&self->edu, ioas2));
	ASSERT_EQ(0, pages_check(&self->edu, scat, SCAT_IOVA, self->b, psz,
				 scat_probe, ARRAY_SIZE(scat_probe)));

	edu_free_buf(scat, len);
}

/*
 * Scattered small pages cost the kernel no memory of its own beyond the IO
 * page table while a domain maps them: their PFNs are read back from it, not
 * kept in arrays (8 bytes per page, 128 KiB for the 64 MiB here). The
 * slab may move by a few KiB meanwhile for unrelated reasons; the arrays
 * would be far above that.  The IOVA stays clear of the MSI window arm64
 * reserves at 0x08000000, and below the edu's 28-bit DMA limit.  Only for
 * IOMMU drivers whose IO page tables are pages, not slab objects:
 * virtio-iommu keeps a record of every mapping in the slab.
 */
#define LEAN_SIZE	(64UL << 20)
#define LEAN_IOVA	0x0c000000ULL
#define LEAN_SLAB_KB	48

/* A field of /proc/meminfo in kB, or -1 */
static long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t n = strlen(field);
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* Is a virtio-iommu bound (the IOMMU of the arm64-virtio machine)? */
static bool virtio_iommu_present(void)
{
	glob_t g;
	bool found;

	found = !glob("/sys/bus/virtio/drivers/virtio_iommu/virtio*", 0, NULL,
		      &g);
	if (found)
		globfree(&g);
	return found;
}

TEST_F(edu, scattered_pages_cost_no_slab)
{
	static const unsigned int probe[] = { 0, 511, 512, 10000, 16383 };
	size_t psz = sysconf(_SC_PAGESIZE), npages = LEAN_SIZE / psz;
	long before, after;
	size_t i;
	char *buf;

	if (psz != 4096)
		SKIP(return, "written for 4 KiB pages");
	if (virtio_iommu_present())
		SKIP(return, "virtio-iommu keeps its mappings in the slab");
	buf = edu_alloc_buf(LEAN_SIZE);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, madvise(buf, LEAN_SIZE, MADV_NOHUGEPAGE));
	/* 97 is coprime with the power of two npages */
	for (i = 0; i < npages; i++) {
		size_t page = i * 97 % npages;

		edu_fill(buf + page * psz, psz, page);
	}
	map_rw(self->b, IOVA_B);

	before = meminfo_kb("Slab");
	ASSERT_LT(0, before);
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id, buf,
				  LEAN_SIZE, LEAN_IOVA, RW));
	after = meminfo_kb("Slab");
	TH_LOG("Slab %+ld kB for %lu MiB of scattered 4 KiB pages",
	       after - before, LEAN_SIZE >> 20);
	ASSERT_GT(LEAN_SLAB_KB, after - before);
	ASSERT_EQ(0, pages_check(&self->edu, buf, LEAN_IOVA, self->b, psz,
				 probe, ARRAY_SIZE(probe)));

	ASSERT_EQ(0, edu_ioas_unmap(self->edu.iommufd, self->edu.ioas_id,
				    LEAN_IOVA, LEAN_SIZE));
	edu_free_buf(buf, LEAN_SIZE);
}

/*
 * THP: gup returns 512 page pointers per PMD-mapped folio, from which the
 * runs mapped with 2 MiB IOPTEs are found; the device must reach each page
 * of a folio, first, interior and last, at its own IOVA.
 */
#define THP_SIZE	(2UL << 20)
#define THP_IOVA	0x04000000ULL

/* AnonHugePages of this process in kB, or -1 */
static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

TEST_F(edu, thp_pages)
{
	static const unsigned int probe[] = {
		0, 1, 7, 8, 9, 255, 256, 511, 512, 513, 1000, 1023,
	};
	size_t psz = sysconf(_SC_PAGESIZE);
	size_t len = 2 * THP_SIZE;
	char *raw, *thp;
	long before;

	raw = edu_alloc_buf(len + THP_SIZE);
	ASSERT_NE(NULL, raw);
	thp = (char *)(((unsigned long)raw + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (madvise(thp, len, MADV_HUGEPAGE))
		SKIP(goto out, "no THP: madvise(MADV_HUGEPAGE): %s",
		     strerror(errno));
	before = anon_huge_kb();
	edu_fill(thp, len, 77);
	if (anon_huge_kb() - before < (long)(len >> 10))
		SKIP(goto out, "the buffer did not get THPs");

	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, edu_ioas_map(self->edu.iommufd, self->edu.ioas_id, thp,
				  len, THP_IOVA, RW));
	ASSERT_EQ(0, pages_check(&self->edu, thp, THP_IOVA, self->b, psz,
				 probe, ARRAY_SIZE(probe)));
out:
	edu_free_buf(raw, len + THP_SIZE);
}

/* The device file gives no access to the device until it is bound. */
TEST(no_access_before_bind)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct edu_dev edu;
	__u16 cmd;
	void *p;

	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU on this machine");
	ASSERT_LE(0, open_unbound(&edu));

	EXPECT_EQ(-1, ioctl(edu.devfd, VFIO_DEVICE_GET_REGION_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(edu.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(edu.devfd, &cmd, sizeof(cmd), PCI_COMMAND));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, edu.devfd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	/* After binding, the same request works. */
	ASSERT_EQ(0, edu_bind_iommufd(&edu, edu_open_iommufd()));
	EXPECT_EQ(0, ioctl(edu.devfd, VFIO_DEVICE_GET_REGION_INFO, &info));
	EXPECT_NE(0, info.size);
	edu_close(&edu);
}

/*
 * One binding at a time; closing the device file unbinds, after which the
 * device (and its group, also for the legacy group interface) is free again.
 */
TEST(close_unbinds)
{
	char path[PATH_MAX], link[PATH_MAX], group[PATH_MAX] = "";
	struct edu_dev first, second;
	int fd2, gfd;
	ssize_t n;

	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU on this machine");
	ASSERT_LE(0, open_unbound(&first));
	ASSERT_EQ(0, edu_bind_iommufd(&first, edu_open_iommufd()));
	ASSERT_LE(0, open_unbound(&second));

	/* Bound elsewhere: a second bind, even to another iommufd, fails. */
	fd2 = edu_open_iommufd();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-1, ioctl(second.devfd, VFIO_DEVICE_BIND_IOMMUFD,
			    &(struct vfio_device_bind_iommufd){
				.argsz = sizeof(struct vfio_device_bind_iommufd),
				.iommufd = fd2 }));
	EXPECT_EQ(EINVAL, errno);

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/iommu_group",
		 first.bdf);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	snprintf(group, sizeof(group), "/dev/vfio/%s", strrchr(link, '/') + 1);
	gfd = open(group, O_RDWR);
	if (gfd >= 0 || errno != ENOENT) {
		/* The legacy group is busy while a cdev is bound. */
		EXPECT_EQ(-1, gfd);
		EXPECT_EQ(EBUSY, errno);
	} else {
		TH_LOG("no %s: legacy group interface not built", group);
		group[0] = 0;
	}

	/* Close unbinds: now the other file can bind, to the other iommufd. */
	edu_close(&first);
	ASSERT_EQ(0, edu_bind_iommufd(&second, fd2));
	edu_close(&second);

	/* And with nobody bound, the legacy group opens again. */
	if (group[0]) {
		gfd = open(group, O_RDWR);
		EXPECT_LE(0, gfd);
		close(gfd);
	}

	/* The device does DMA for the next user as before. */
	ASSERT_EQ(0, edu_open(&second));
	ASSERT_EQ(0, edu_check_alive(&second));
	edu_close(&second);
}

TEST_HARNESS_MAIN
