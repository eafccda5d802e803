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
 * through vfio.  Then B's memory decoding is turned off, B is reset, or B
 * is closed: each revokes the buffer, iommufd unmaps the IOVA, and A's DMA
 * no longer reaches B (the IOMMU logs the blocked DMA).  Once B's BAR can
 * be reached again (memory decoding back on, the reset done) the buffer
 * maps again, while iommufd keeps the old mapping out; a closed device's
 * buffer stays revoked.
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
static void fdinfo_value(int fd, const char *key, char *val, size_t len)
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

/* IOMMU_IOAS_MAP_FILE of @length bytes of @fd at @start, fixed @iova; -errno */
static int map_file(int iommufd, __u32 ioas_id, int fd, __u64 start,
		    __u64 length, __u64 iova)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | RW,
		.ioas_id = ioas_id,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &cmd) ? -errno : 0;
}

/* Sets or clears Memory Space Enable of a device through vfio */
static int set_memory_decode(struct edu_dev *edu, bool on)
{
	off_t off = edu->config_offset + PCI_COMMAND;
	__u16 cmd;

	if (pread(edu->devfd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return edu_fail(errno, "read PCI_COMMAND");
	cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
	if (pwrite(edu->devfd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return edu_fail(errno, "write PCI_COMMAND");
	return 0;
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
	fdinfo_value(fd, "exp_name", val, sizeof(val));
	EXPECT_STREQ("vfio_pci_core", val);
	fdinfo_value(fd, "size", val, sizeof(val));
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

/*
 * Through iommufd: a buffer whose ranges follow each other in the BAR is
 * one physical range and maps; any other is refused (EOPNOTSUPP).
 */
TEST_F(exporter, map_file_ranges)
{
	struct dma_buf_arg arg = {
		.get = {
			.region_index = VFIO_PCI_BAR0_REGION_INDEX,
			.nr_ranges = 2,
		},
	};
	__u64 page = self->page;
	int iommufd = self->edu.iommufd, fd;
	__u32 ioas = self->edu.ioas_id;

	arg.ranges[0] = (struct vfio_region_dma_range){ 0, page };
	arg.ranges[1] = (struct vfio_region_dma_range){ page, page };
	fd = dma_buf_feature(self->edu.devfd, VFIO_DEVICE_FEATURE_GET, &arg, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, map_file(iommufd, ioas, fd, 0, 2 * page, IOVA_BAR));
	EXPECT_EQ(0, edu_ioas_unmap(iommufd, ioas, IOVA_BAR, 2 * page));
	close(fd);

	/* Adjacent, but in the other order */
	arg.ranges[0] = (struct vfio_region_dma_range){ page, page };
	arg.ranges[1] = (struct vfio_region_dma_range){ 0, page };
	fd = dma_buf_feature(self->edu.devfd, VFIO_DEVICE_FEATURE_GET, &arg, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, map_file(iommufd, ioas, fd, 0, page, IOVA_BAR));
	close(fd);

	/* A hole between them */
	arg.ranges[0] = (struct vfio_region_dma_range){ 0, page };
	arg.ranges[1] = (struct vfio_region_dma_range){ 2 * page, page };
	fd = dma_buf_feature(self->edu.devfd, VFIO_DEVICE_FEATURE_GET, &arg, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, map_file(iommufd, ioas, fd, 0, page, IOVA_BAR));
	close(fd);
}

/*
 * Through iommufd: no new mapping while memory decoding is off (a buffer
 * made then is born revoked), and again once it is back on.
 */
TEST_F(exporter, map_file_memory_decode)
{
	int iommufd = self->edu.iommufd, fd, fd2;
	__u32 ioas = self->edu.ioas_id;

	fd = bar0_dma_buf(self->edu.devfd, 0, self->page, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_memory_decode(&self->edu, false));
	EXPECT_EQ(-ENODEV, map_file(iommufd, ioas, fd, 0, self->page,
				    IOVA_BAR));
	fd2 = bar0_dma_buf(self->edu.devfd, self->page, self->page, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-ENODEV, map_file(iommufd, ioas, fd2, 0, self->page,
				    IOVA_BAR));
	ASSERT_EQ(0, set_memory_decode(&self->edu, true));
	EXPECT_EQ(0, map_file(iommufd, ioas, fd, 0, self->page, IOVA_BAR));
	EXPECT_EQ(0, map_file(iommufd, ioas, fd2, 0, self->page,
			      IOVA_BAR + self->page));
	close(fd);
	close(fd2);
	EXPECT_EQ(0, edu_check_alive(&self->edu));
}

/* Through iommufd: the device's close revokes the buffer for good */
TEST_F(exporter, map_file_after_close)
{
	__u32 ioas = 0;
	int iommufd, fd;

	iommufd = edu_open_iommufd();
	ASSERT_LE(0, iommufd);
	ASSERT_EQ(0, edu_ioas_alloc(iommufd, &ioas));
	fd = bar0_dma_buf(self->edu.devfd, 0, self->page, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, map_file(iommufd, ioas, fd, 0, self->page, IOVA_BAR));
	edu_close(&self->edu);
	EXPECT_EQ(-ENODEV, map_file(iommufd, ioas, fd, 0, self->page,
				    IOVA_BAR + self->page));
	/* The area is still there, with its IOVA */
	EXPECT_EQ(0, edu_ioas_unmap(iommufd, ioas, IOVA_BAR, self->page));
	ASSERT_EQ(0, edu_open(&self->edu));
	EXPECT_EQ(-ENODEV, map_file(iommufd, ioas, fd, 0, self->page,
				    IOVA_BAR));
	close(fd);
	close(iommufd);
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

/*
 * Device A's view of B's BAR0: A's IOAS maps A's RAM buffer at IOVA_RAM and
 * B's dma-buf (BAR0's first page) at IOVA_BAR.
 */
FIXTURE(p2p) {
	struct edu_dev a, b;
	char *ram;
	int dmabuf;
	long page;
};

FIXTURE_SETUP(p2p)
{
	self->dmabuf = -1;
	edu_init(&self->a);
	edu_init(&self->b);
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU here, so vfio-pci cannot take the device");
	if (edu_find_nth(&self->b, 1))
		SKIP(return, "no second edu device (x86-vtd has one: vm-run.sh --second-edu)");
	self->page = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, edu_open(&self->a));
	ASSERT_EQ(0, edu_open_found(&self->b));
	ASSERT_STRNE(self->a.bdf, self->b.bdf);
	TH_LOG("A %s DMAs into B %s", self->a.bdf, self->b.bdf);

	self->ram = edu_alloc_buf(RAM_SIZE);
	ASSERT_NE(NULL, self->ram);
	ASSERT_EQ(0, edu_ioas_map(self->a.iommufd, self->a.ioas_id, self->ram,
				  RAM_SIZE, IOVA_RAM, RW));
	self->dmabuf = bar0_dma_buf(self->b.devfd, 0, self->page,
				    O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dmabuf);
	ASSERT_EQ(0, map_file(self->a.iommufd, self->a.ioas_id, self->dmabuf,
			      0, self->page, IOVA_BAR));
}

FIXTURE_TEARDOWN(p2p)
{
	if (self->dmabuf >= 0)
		close(self->dmabuf);
	edu_close(&self->a);
	edu_close(&self->b);
	edu_free_buf(self->ram, RAM_SIZE);
}

/* Offsets in A's RAM buffer and in A's device buffer */
#define RAM_OUT		0x800
#define RAM_IN		0xa00
#define DEV_OUT		0x800
#define DEV_IN		0x900

/* A DMA-writes @val to B's register @reg: RAM -> A -> IOVA_BAR + @reg */
static int a_write_b(struct __test_metadata *_metadata,
		     struct _test_data_p2p *self, unsigned int reg, __u32 val)
{
	memcpy(self->ram + RAM_OUT, &val, sizeof(val));
	if (edu_dma_to_device(&self->a, IOVA_RAM + RAM_OUT, DEV_OUT, 4))
		return -1;
	return edu_dma_to_ram(&self->a, DEV_OUT, IOVA_BAR + reg, 4);
}

/* A DMA-reads B's register @reg: IOVA_BAR + @reg -> A -> RAM */
static int a_read_b(struct __test_metadata *_metadata,
		    struct _test_data_p2p *self, unsigned int reg, __u32 *val)
{
	memset(self->ram + RAM_IN, 0x5a, 4);
	if (edu_dma_to_device(&self->a, IOVA_BAR + reg, DEV_IN, 4) ||
	    edu_dma_to_ram(&self->a, DEV_IN, IOVA_RAM + RAM_IN, 4))
		return -1;
	memcpy(val, self->ram + RAM_IN, sizeof(*val));
	return 0;
}

/* The first device-to-device DMA through iommufd: A writes B's register */
TEST_F(p2p, write_into_bar)
{
	static const __u32 vals[] = { 0x12345678, 0xcafe0001, 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		edu_write32(&self->b, EDU_REG_LIVENESS, ~vals[i] ^ 1);
		ASSERT_EQ(0, a_write_b(_metadata, self, EDU_REG_LIVENESS,
				       vals[i]));
		EXPECT_EQ(~vals[i], edu_read32(&self->b, EDU_REG_LIVENESS));
	}
}

/* ...and reads B's identification and liveness registers */
TEST_F(p2p, read_from_bar)
{
	__u32 ident = edu_read32(&self->b, EDU_REG_IDENT), val;

	EXPECT_EQ(0xed, ident & 0xff);
	ASSERT_EQ(0, a_read_b(_metadata, self, EDU_REG_IDENT, &val));
	EXPECT_EQ(ident, val);
	edu_write32(&self->b, EDU_REG_LIVENESS, 0x0badf00d);
	ASSERT_EQ(0, a_read_b(_metadata, self, EDU_REG_LIVENESS, &val));
	EXPECT_EQ(~0x0badf00dU, val);
}

/*
 * A's DMA to @reg of B must not reach B: the IOMMU blocks it and logs it.
 * VT-d's fault handler spends three of its ten log lines per five seconds
 * on one fault and drops the fault lines past them: so a fault provoked
 * within five seconds of the previous one waits out the interval first.
 * The time of the last one is shared by the tests, which the harness runs
 * in child processes.
 */
static __u64 *last_fault_ms;

static void __attribute__((constructor)) share_last_fault(void)
{
	void *p = mmap(NULL, sizeof(*last_fault_ms), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	last_fault_ms = p == MAP_FAILED ? NULL : p;
}

static void a_write_blocked(struct __test_metadata *_metadata,
			    struct _test_data_p2p *self, unsigned int reg,
			    __u32 val)
{
	const struct edu_iommu *iommu = edu_iommu();
	__u64 since;
	int before, now;

	ASSERT_NE(NULL, iommu);
	ASSERT_NE(NULL, last_fault_ms);
	since = edu_now_ms() - *last_fault_ms;
	if (*last_fault_ms && since < 5500)
		usleep((5500 - since) * 1000);
	before = edu_klog_lines(iommu->fault_pattern, NULL);
	ASSERT_EQ(0, a_write_b(_metadata, self, reg, val));
	*last_fault_ms = edu_now_ms();
	now = edu_klog_wait(iommu->fault_pattern, before);
	if (now == before && iommu->no_fault_log)
		TH_LOG("no fault line: %s", iommu->no_fault_log);
	else
		EXPECT_LT(before, now);
}

/*
 * Maps the buffer again at IOVA_BAR, where the revoked mapping was, and
 * checks that A reaches B through it.
 */
static void remap_and_write(struct __test_metadata *_metadata,
			    struct _test_data_p2p *self, int dmabuf, __u32 val)
{
	ASSERT_EQ(0, edu_ioas_unmap(self->a.iommufd, self->a.ioas_id,
				    IOVA_BAR, self->page));
	ASSERT_EQ(0, map_file(self->a.iommufd, self->a.ioas_id, dmabuf, 0,
			      self->page, IOVA_BAR));
	ASSERT_EQ(0, a_write_b(_metadata, self, EDU_REG_LIVENESS, val));
	EXPECT_EQ(~val, edu_read32(&self->b, EDU_REG_LIVENESS));
}

/*
 * With B's memory decoding off the buffer is revoked: iommufd unmaps it
 * and A's DMA is blocked by the IOMMU, which logs a fault (B's BAR, not
 * decoding, would drop the write silently).  Memory decoding back on
 * restores the buffer: iommufd keeps the old mapping out (the range might
 * have moved) but maps the buffer anew.
 */
TEST_F(p2p, memory_decode_off_revokes)
{
	edu_write32(&self->b, EDU_REG_LIVENESS, 0x11111111);
	ASSERT_EQ(0, set_memory_decode(&self->b, false));
	EXPECT_EQ(-ENODEV, map_file(self->a.iommufd, self->a.ioas_id,
				    self->dmabuf, 0, self->page,
				    IOVA_BAR + 0x100000));
	a_write_blocked(_metadata, self, EDU_REG_LIVENESS, 0x22222222);

	ASSERT_EQ(0, set_memory_decode(&self->b, true));
	EXPECT_EQ(~0x11111111U, edu_read32(&self->b, EDU_REG_LIVENESS));
	a_write_blocked(_metadata, self, EDU_REG_LIVENESS, 0x22222222);
	EXPECT_EQ(~0x11111111U, edu_read32(&self->b, EDU_REG_LIVENESS));
	remap_and_write(_metadata, self, self->dmabuf, 0x33333333);
}

/*
 * A reset of B (@request with @arg) revokes the buffer while it runs and
 * restores it after, so the old mapping is gone (as above) and a new one
 * reaches B.
 */
static void check_reset_revokes(struct __test_metadata *_metadata,
				struct _test_data_p2p *self,
				unsigned long request, void *arg)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->b.devfd, VFIO_DEVICE_GET_INFO, &info));
	if (!(info.flags & VFIO_DEVICE_FLAGS_RESET))
		SKIP(return, "%s cannot be reset", self->b.bdf);
	ASSERT_EQ(0, a_write_b(_metadata, self, EDU_REG_LIVENESS, 0x44444444));
	EXPECT_EQ(~0x44444444U, edu_read32(&self->b, EDU_REG_LIVENESS));

	ASSERT_EQ(0, ioctl(self->b.devfd, request, arg));
	a_write_blocked(_metadata, self, EDU_REG_LIVENESS, 0x55555555);
	EXPECT_EQ(~0x44444444U, edu_read32(&self->b, EDU_REG_LIVENESS));
	remap_and_write(_metadata, self, self->dmabuf, 0x66666666);
}

/* A function level reset */
TEST_F(p2p, reset_revokes)
{
	check_reset_revokes(_metadata, self, VFIO_DEVICE_RESET, NULL);
}

/*
 * So does a bus reset (VFIO_DEVICE_PCI_HOT_RESET; a cdev user owns the
 * devices through its iommufd, so no group fds are passed).
 */
TEST_F(p2p, hot_reset_revokes)
{
	struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset) };

	check_reset_revokes(_metadata, self, VFIO_DEVICE_PCI_HOT_RESET, &reset);
}

/*
 * Closing B revokes its buffer for good: A's DMA no longer reaches B, the
 * area can still be unmapped, and the buffer cannot be mapped again, not
 * even once the device has a new user.
 */
TEST_F(p2p, close_revokes)
{
	int fd;

	ASSERT_EQ(0, a_write_b(_metadata, self, EDU_REG_LIVENESS, 0x77777777));
	EXPECT_EQ(~0x77777777U, edu_read32(&self->b, EDU_REG_LIVENESS));
	edu_close(&self->b);
	a_write_blocked(_metadata, self, EDU_REG_LIVENESS, 0x88888888);

	/*
	 * Not even the device's next user brings the old buffer back (its
	 * bring-up leaves ~0x12345678 in the register, edu_check_alive())
	 */
	ASSERT_EQ(0, edu_open_found(&self->b));
	EXPECT_EQ(-ENODEV, map_file(self->a.iommufd, self->a.ioas_id,
				    self->dmabuf, 0, self->page,
				    IOVA_BAR + 0x100000));
	a_write_blocked(_metadata, self, EDU_REG_LIVENESS, 0x99999999);
	EXPECT_EQ(~0x12345678U, edu_read32(&self->b, EDU_REG_LIVENESS));

	/* A buffer of the new user's works at the same IOVA */
	fd = bar0_dma_buf(self->b.devfd, 0, self->page, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	remap_and_write(_metadata, self, fd, 0xaaaaaaaa);
	close(fd);
}

TEST_HARNESS_MAIN
