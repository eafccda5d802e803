// SPDX-License-Identifier: GPL-2.0
/*
 * edu_p2p_test - a BAR of an edu device exported as a dma-buf
 *
 * VFIO_DEVICE_FEATURE_DMA_BUF (patches/0016) turns page ranges of a PCI
 * memory BAR into a dma-buf that IOMMU_IOAS_MAP_FILE maps into an IOAS, so
 * that a second device can DMA into the BAR (peer-to-peer).
 *
 * The "exporter" tests need one edu device and no importer: every errno of
 * the feature, the file descriptor it returns (flags, size, exporter name),
 * and the buffer outliving the device file and the driver binding.
 *
 * The "p2p" tests need a second edu device (x86-vtd has one, vm-run.sh
 * --second-edu): device A, attached to an IOAS, DMAs into device B's BAR0
 * through an IOVA that maps B's dma-buf, and the CPU checks B's registers
 * through vfio.  Then B's memory decoding is turned off, and later B is
 * closed: each revokes the buffer, iommufd unmaps the IOVA, and A's DMA no
 * longer reaches B (the IOMMU logs the blocked DMA).  Turning memory decoding
 * back on brings the mapping back; a closed device's buffer stays revoked.
 *
 * Machines without an IOMMU cannot hand a device to vfio-pci: every test
 * skips there.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "edu_driver.h"

#define NR_MAX		256		/* the feature's limit */
#define IOVA_RAM	0x00100000ULL
#define IOVA_BAR	0x00400000ULL
#define RAM_SIZE	(64 * 1024)
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/* The feature's argument: header, fixed part, ranges */
struct dma_buf_arg {
	struct vfio_device_feature hdr;
	struct vfio_device_feature_dma_buf get;
	struct vfio_region_dma_range ranges[NR_MAX + 1];
};

/*
 * VFIO_DEVICE_FEATURE with @flags | VFIO_DEVICE_FEATURE_DMA_BUF; @argsz 0
 * means exactly what @arg->get.nr_ranges needs.  Returns the ioctl's value
 * (the new fd) or -errno.
 */
static int dma_buf_feature(int devfd, __u32 flags, struct dma_buf_arg *arg,
			   __u32 argsz)
{
	int ret;

	arg->hdr.flags = VFIO_DEVICE_FEATURE_DMA_BUF | flags;
	arg->hdr.argsz = argsz ? argsz :
		sizeof(arg->hdr) + sizeof(arg->get) +
		arg->get.nr_ranges * sizeof(arg->ranges[0]);
	ret = ioctl(devfd, VFIO_DEVICE_FEATURE, arg);
	return ret < 0 ? -errno : ret;
}

/* A dma-buf of BAR0 bytes [@offset, @offset + @length), or -errno */
static int bar0_dma_buf(int devfd, __u64 offset, __u64 length,
			__u32 open_flags)
{
	struct dma_buf_arg arg = {
		.get = {
			.region_index = VFIO_PCI_BAR0_REGION_INDEX,
			.open_flags = open_flags,
			.nr_ranges = 1,
		},
		.ranges = { { .offset = offset, .length = length } },
	};

	return dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET, &arg, 0);
}

/* A value of /proc/self/fdinfo/@fd ("size", "exp_name"...), or "" */
static void fdinfo(int fd, const char *key, char *val, size_t len)
{
	char path[64], buf[1024], *p;

	val[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (file_read_str(path, buf, sizeof(buf)) <= 0)
		return;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == ':') {
			p += strlen(key) + 1;
			p += strspn(p, " \t");
			snprintf(val, len, "%.*s", (int)strcspn(p, "\n"), p);
			return;
		}
	}
}

FIXTURE(exporter) {
	struct edu_dev edu;
	__u64 bar_size;
	long page;
};

FIXTURE_SETUP(exporter)
{
	struct vfio_region_info info;

	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU here, so vfio-pci cannot take the device");
	edu_init(&self->edu);
	ASSERT_EQ(0, edu_open(&self->edu));
	ASSERT_EQ(0, edu_region_info(&self->edu, VFIO_PCI_BAR0_REGION_INDEX,
				     &info));
	self->bar_size = info.size;
	self->page = sysconf(_SC_PAGESIZE);
	ASSERT_LE(2 * self->page, self->bar_size);
}

FIXTURE_TEARDOWN(exporter)
{
	edu_close(&self->edu);
}

TEST_F(exporter, probe)
{
	struct dma_buf_arg arg = {};
	int devfd = self->edu.devfd;

	/* PROBE needs no data; GET is what the feature offers, not SET */
	EXPECT_EQ(0, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_PROBE, &arg,
				     sizeof(arg.hdr)));
	EXPECT_EQ(0, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_PROBE |
				     VFIO_DEVICE_FEATURE_GET, &arg,
				     sizeof(arg.hdr)));
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_PROBE |
					   VFIO_DEVICE_FEATURE_SET, &arg,
					   sizeof(arg.hdr)));
	arg.get.region_index = VFIO_PCI_BAR0_REGION_INDEX;
	arg.get.nr_ranges = 1;
	arg.ranges[0].length = self->page;
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_SET,
					   &arg, 0));
	/* Neither GET nor SET nor PROBE */
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, 0, &arg, 0));
}

TEST_F(exporter, argsz)
{
	struct dma_buf_arg arg = {
		.get = {
			.region_index = VFIO_PCI_BAR0_REGION_INDEX,
			.nr_ranges = 2,
		},
	};
	int devfd = self->edu.devfd, fd;
	__u32 full;

	arg.ranges[0].length = self->page;
	arg.ranges[1].offset = self->page;
	arg.ranges[1].length = self->page;
	full = sizeof(arg.hdr) + sizeof(arg.get) + 2 * sizeof(arg.ranges[0]);

	/* The fixed part, then the ranges nr_ranges announces */
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					   &arg, sizeof(arg.hdr)));
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					   &arg, sizeof(arg.hdr) +
					   sizeof(arg.get) - 1));
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					   &arg, sizeof(arg.hdr) +
					   sizeof(arg.get)));
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					   &arg, full - 1));
	/* More than needed is fine: the ranges are read by nr_ranges */
	fd = dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET, &arg, full + 64);
	ASSERT_LE(0, fd);
	EXPECT_EQ(2 * self->page, lseek(fd, 0, SEEK_END));
	close(fd);
	fd = dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET, &arg, full);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(exporter, flags)
{
	struct dma_buf_arg arg = {
		.get = {
			.region_index = VFIO_PCI_BAR0_REGION_INDEX,
			.nr_ranges = 1,
		},
	};
	static const __u32 bad_open[] = {
		O_NONBLOCK, O_APPEND, O_CREAT, O_TRUNC, O_RDWR | O_WRONLY,
		O_RDWR | O_CLOEXEC | O_SYNC, 1U << 31,
	};
	int devfd = self->edu.devfd;
	unsigned int i;

	arg.ranges[0].length = self->page;
	for (i = 0; i < 32; i++) {
		arg.get.flags = 1U << i;
		EXPECT_EQ(-EINVAL, dma_buf_feature(devfd,
						   VFIO_DEVICE_FEATURE_GET,
						   &arg, 0));
	}
	arg.get.flags = 0;
	for (i = 0; i < ARRAY_SIZE(bad_open); i++) {
		arg.get.open_flags = bad_open[i];
		EXPECT_EQ(-EINVAL, dma_buf_feature(devfd,
						   VFIO_DEVICE_FEATURE_GET,
						   &arg, 0))
			TH_LOG("open_flags 0%o", bad_open[i]);
	}
}

TEST_F(exporter, bad_region)
{
	/* BAR1-5 are absent on edu; ROM, config space, VGA are no BARs */
	static const __u32 bad[] = {
		VFIO_PCI_BAR1_REGION_INDEX, VFIO_PCI_BAR2_REGION_INDEX,
		VFIO_PCI_BAR5_REGION_INDEX, VFIO_PCI_ROM_REGION_INDEX,
		VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_VGA_REGION_INDEX,
		VFIO_PCI_NUM_REGIONS, 1000, ~0U,
	};
	struct dma_buf_arg arg = { .get = { .nr_ranges = 1 } };
	unsigned int i;

	arg.ranges[0].length = self->page;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		arg.get.region_index = bad[i];
		EXPECT_EQ(-EINVAL, dma_buf_feature(self->edu.devfd,
						   VFIO_DEVICE_FEATURE_GET,
						   &arg, 0))
			TH_LOG("region %u", bad[i]);
	}
}

TEST_F(exporter, bad_ranges)
{
	__u64 page = self->page, bar = self->bar_size;
	const struct {
		__u64 offset, length;
		int err;
	} one[] = {
		{ 0, 0, -EINVAL },			/* empty */
		{ 1, page, -EINVAL },			/* unaligned */
		{ page / 2, page, -EINVAL },
		{ 0, page + 1, -EINVAL },
		{ 0, page - 1, -EINVAL },
		{ bar, page, -EINVAL },			/* past the BAR */
		{ bar - page, 2 * page, -EINVAL },
		{ 0, bar + page, -EINVAL },
		{ 1ULL << 40, page, -EINVAL },
		{ -page, page, -EOVERFLOW },		/* ends at 2^64 */
		{ -page, 2 * page, -EOVERFLOW },	/* wraps */
		{ page, -page, -EOVERFLOW },
	};
	const struct {
		__u64 o0, l0, o1, l1;
	} overlap[] = {
		{ 0, page, 0, page },			/* same */
		{ 0, 2 * page, page, page },		/* inside */
		{ page, page, 0, 2 * page },		/* around */
		{ 0, 2 * page, page, 2 * page },	/* straddles */
	};
	struct dma_buf_arg arg = {
		.get = { .region_index = VFIO_PCI_BAR0_REGION_INDEX },
	};
	int devfd = self->edu.devfd;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(one); i++) {
		EXPECT_EQ(one[i].err, bar0_dma_buf(devfd, one[i].offset,
						   one[i].length, O_RDWR))
			TH_LOG("range %u: 0x%llx+0x%llx", i,
			       (unsigned long long)one[i].offset,
			       (unsigned long long)one[i].length);
	}

	/* A bad range anywhere in the array spoils it */
	arg.get.nr_ranges = 3;
	arg.ranges[0] = (struct vfio_region_dma_range){ 0, page };
	arg.ranges[1] = (struct vfio_region_dma_range){ page, page };
	arg.ranges[2] = (struct vfio_region_dma_range){ bar, page };
	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					   &arg, 0));

	arg.get.nr_ranges = 2;
	for (i = 0; i < ARRAY_SIZE(overlap); i++) {
		arg.ranges[0].offset = overlap[i].o0;
		arg.ranges[0].length = overlap[i].l0;
		arg.ranges[1].offset = overlap[i].o1;
		arg.ranges[1].length = overlap[i].l1;
		EXPECT_EQ(-EINVAL, dma_buf_feature(devfd,
						   VFIO_DEVICE_FEATURE_GET,
						   &arg, 0))
			TH_LOG("overlap %u", i);
	}
}

TEST_F(exporter, nr_ranges)
{
	struct dma_buf_arg *arg = calloc(1, sizeof(*arg));
	int devfd = self->edu.devfd, fd;
	__u32 i, nr;

	ASSERT_NE(NULL, arg);
	arg->get.region_index = VFIO_PCI_BAR0_REGION_INDEX;

	EXPECT_EQ(-EINVAL, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					   arg, 0));
	for (i = 0; i <= NR_MAX; i++)
		arg->ranges[i] = (struct vfio_region_dma_range){ 0, self->page };
	arg->get.nr_ranges = NR_MAX + 1;
	EXPECT_EQ(-E2BIG, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					  arg, 0));
	arg->get.nr_ranges = ~0U;
	EXPECT_EQ(-E2BIG, dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET,
					  arg, sizeof(*arg)));

	/* As many one-page ranges as the limit and the BAR allow */
	nr = self->bar_size / self->page;
	if (nr > NR_MAX)
		nr = NR_MAX;
	for (i = 0; i < nr; i++)
		arg->ranges[i] = (struct vfio_region_dma_range){
			i * self->page, self->page };
	arg->get.nr_ranges = nr;
	fd = dma_buf_feature(devfd, VFIO_DEVICE_FEATURE_GET, arg, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ((off_t)nr * self->page, lseek(fd, 0, SEEK_END));
	close(fd);
	free(arg);
}

TEST_F(exporter, fd)
{
	struct dma_buf_arg arg = {
		.get = {
			.region_index = VFIO_PCI_BAR0_REGION_INDEX,
			.nr_ranges = 2,
		},
	};
	char val[64], want[64];
	int fd, fd2;

	/* O_RDWR | O_CLOEXEC */
	fd = bar0_dma_buf(self->edu.devfd, 0, self->page, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(self->page, lseek(fd, 0, SEEK_END));
	fdinfo(fd, "exp_name", val, sizeof(val));
	EXPECT_STREQ("vfio_pci_core", val);
	fdinfo(fd, "size", val, sizeof(val));
	snprintf(want, sizeof(want), "%ld", self->page);
	EXPECT_STREQ(want, val);

	/* O_RDONLY, inherited across exec */
	fd2 = bar0_dma_buf(self->edu.devfd, self->page, self->page, O_RDONLY);
	ASSERT_LE(0, fd2);
	EXPECT_NE(fd, fd2);
	EXPECT_EQ(0, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(fd2, F_GETFL) & O_ACCMODE);
	close(fd2);
	close(fd);

	/* Ranges that do not follow each other make one buffer too */
	arg.ranges[0] = (struct vfio_region_dma_range){ 3 * self->page,
							self->page };
	arg.ranges[1] = (struct vfio_region_dma_range){ 0, 2 * self->page };
	if (self->bar_size < 4 * self->page)
		arg.ranges[0].offset = 2 * self->page;
	arg.get.open_flags = O_WRONLY;
	fd = dma_buf_feature(self->edu.devfd, VFIO_DEVICE_FEATURE_GET, &arg, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(3 * self->page, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(O_WRONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
}

/* The buffer stays a valid file after its device file is closed */
TEST_F(exporter, outlives_device_file)
{
	int fd, fd2;

	fd = bar0_dma_buf(self->edu.devfd, 0, self->page, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	edu_close(&self->edu);
	EXPECT_EQ(self->page, lseek(fd, 0, SEEK_END));

	/* The next user of the device gets buffers of its own */
	ASSERT_EQ(0, edu_open(&self->edu));
	fd2 = bar0_dma_buf(self->edu.devfd, 0, self->page, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, edu_check_alive(&self->edu));
	close(fd);
	close(fd2);
}

/*
 * A buffer holds no registration of the vfio device: the driver can be
 * unbound (which waits for every registration) while the buffer is open.
 */
TEST_F(exporter, outlives_driver)
{
	char path[PATH_MAX], drv[NAME_MAX + 1];
	__u64 start;
	int fd;

	fd = bar0_dma_buf(self->edu.devfd, 0, self->page, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	edu_close(&self->edu);

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/driver/unbind",
		 self->edu.bdf);
	start = edu_now_ms();
	ASSERT_EQ(0, edu_write_sysfs(path, self->edu.bdf));
	EXPECT_GT(2000, edu_now_ms() - start);
	edu_driver_name(self->edu.bdf, drv, sizeof(drv));
	EXPECT_STREQ("", drv);
	EXPECT_EQ(self->page, lseek(fd, 0, SEEK_END));
	close(fd);

	/* Back to vfio-pci for the tests that follow */
	ASSERT_EQ(0, edu_open(&self->edu));
}

TEST_HARNESS_MAIN
