// SPDX-License-Identifier: GPL-2.0
/*
 * machine_test - prove that a test machine is what the harness says it is
 *
 * Every other suite relies on these facts; when a kernel config fragment or
 * a QEMU option regresses, this suite says so directly instead of letting
 * dozens of iommufd tests skip or fail for an unrelated reason.
 *
 * The machine name comes from harness.machine= on the kernel command line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "../../selftests/iommu/file_utils.h"

#define EDU_ID "0x1234 0x11e8"
#define SZ_2M (2UL << 20)

static char machine[64];
static int qemu_major;		/* harness.qemu=, 0 when not given */
static char edu_bdf[NAME_MAX + 1];

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * Is this machine @base or a variant of it ("x86-vtd" also matches
 * "x86-vtd-flts", "arm64-smmuv3" also "arm64-smmuv3-nested")?
 */
static bool machine_is(const char *base)
{
	size_t n = strlen(base);

	return !strncmp(machine, base, n) &&
	       (machine[n] == 0 || machine[n] == '-');
}

static bool machine_has_iommu(void)
{
	return strcmp(machine, "x86-noiommu") && strcmp(machine, "x86-debug");
}

/* Finds the edu device: vendor 0x1234, device 0x11e8. */
static void find_edu(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char path[PATH_MAX], id[64], dev[32];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 e->d_name);
		if (file_read_str(path, id, sizeof(id)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 e->d_name);
		if (file_read_str(path, dev, sizeof(dev)) <= 0)
			continue;
		id[strcspn(id, "\n")] = ' ';
		strcat(id, dev);
		id[strcspn(id, "\n")] = 0;
		if (!strcmp(id, EDU_ID)) {
			snprintf(edu_bdf, sizeof(edu_bdf), "%s", e->d_name);
			break;
		}
	}
	closedir(d);
}

static void __attribute__((constructor)) setup(void)
{
	char cmdline[4096], *p;

	if (file_read_str("/proc/cmdline", cmdline, sizeof(cmdline)) > 0) {
		p = strstr(cmdline, "harness.machine=");
		if (p)
			sscanf(p + strlen("harness.machine="), "%63s", machine);
		p = strstr(cmdline, "harness.qemu=");
		if (p)
			qemu_major = atoi(p + strlen("harness.qemu="));
	}
	find_edu();
}

/* The kernel log, read through syslog(2): the tests run as root. */
static char *kernel_log(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;

	if (len <= 0)
		return NULL;
	buf = calloc(1, len + 1);
	if (buf && klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

TEST(machine_named)
{
	ASSERT_NE(0, machine[0]);
	TH_LOG("machine %s", machine);
}

/* Concurrency tests prove nothing on a uniprocessor kernel. */
TEST(smp)
{
	ASSERT_LE(2, sysconf(_SC_NPROCESSORS_ONLN));
}

TEST(madvise_thp)
{
	char mode[256];
	void *p;

	ASSERT_LT(0, file_read_str("/sys/kernel/mm/transparent_hugepage/enabled",
				   mode, sizeof(mode)));
	ASSERT_NE(NULL, strstr(mode, "[madvise]"));
	p = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, 2 * SZ_2M, MADV_HUGEPAGE));
	ASSERT_EQ(0, madvise(p, 2 * SZ_2M, MADV_DONTFORK));
	ASSERT_EQ(0, munmap(p, 2 * SZ_2M));
}

TEST(hugetlb)
{
	char *p;

	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	p[SZ_2M - 1] = 2;
	ASSERT_EQ(0, munmap(p, SZ_2M));
}

TEST(fault_injection)
{
	char path[64];

	ASSERT_TRUE(exists("/sys/kernel/debug/failslab/probability"));
	ASSERT_TRUE(exists("/sys/kernel/debug/fail_page_alloc/probability"));
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	ASSERT_TRUE(exists(path));
}

TEST(edu_present)
{
	ASSERT_NE(0, edu_bdf[0]);
	TH_LOG("edu at %s", edu_bdf);
}

/*
 * The driver of the device behind IOMMU class device @name (virtio-iommu
 * names its instance after the PCI function it lives on), "" if none.
 */
static void iommu_driver_of(const char *name, char *drv, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	drv[0] = 0;
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/device/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = 0;
	snprintf(drv, len, "%s", strrchr(link, '/') + 1);
}

TEST(iommu_as_expected)
{
	/* An IOMMU instance by the prefix of its name, or by its driver */
	static const struct {
		const char *machine, *class_prefix, *driver;
	} expect[] = {
		{ "x86-vtd", "dmar", NULL },
		{ "x86-amd", "ivhd", NULL },
		{ "arm64-smmuv3", "smmu3.", NULL },
		{ "arm64-virtio", NULL, "virtio_iommu" },
	};
	const char *prefix = NULL, *driver = NULL;
	char group[PATH_MAX], drv[NAME_MAX + 1];
	bool found = false;
	struct dirent *e;
	unsigned int i;
	DIR *d;

	for (i = 0; i < ARRAY_SIZE(expect); i++) {
		if (machine_is(expect[i].machine)) {
			prefix = expect[i].class_prefix;
			driver = expect[i].driver;
		}
	}

	d = opendir("/sys/class/iommu");
	if (d) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (prefix && !strncmp(e->d_name, prefix, strlen(prefix)))
				found = true;
			iommu_driver_of(e->d_name, drv, sizeof(drv));
			if (driver && !strcmp(drv, driver))
				found = true;
		}
		closedir(d);
	}
	ASSERT_EQ(machine_has_iommu(), found);

	/*
	 * With device-tree firmware the IOMMU is configured for a device when
	 * a driver probes it, so an unbound edu has no group yet on arm64;
	 * edu_binds_to_vfio_pci checks the group there.
	 */
	if (!strncmp(machine, "arm64", 5))
		return;
	ASSERT_NE(0, edu_bdf[0]);
	snprintf(group, sizeof(group), "/sys/bus/pci/devices/%s/iommu_group",
		 edu_bdf);
	ASSERT_EQ(machine_has_iommu(), exists(group));
}

/* MSI isolation is what lets a device be handed to userspace safely. */
TEST(interrupt_remapping)
{
	const char *needle = NULL;
	char *log;

	if (machine_is("x86-vtd"))
		needle = "Enabled IRQ remapping";
	else if (machine_is("x86-amd"))
		needle = "Interrupt remapping enabled";
	if (!needle)
		SKIP(return, "no interrupt remapping unit on %s", machine);

	log = kernel_log();
	ASSERT_NE(NULL, log);
	EXPECT_NE(NULL, strstr(log, needle));
	free(log);
}

TEST(edu_binds_to_vfio_pci)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	if (!machine_has_iommu())
		SKIP(return, "vfio-pci needs an IOMMU group");
	ASSERT_NE(0, edu_bdf[0]);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu_bdf);
	ASSERT_EQ(0, file_write_str(path, "vfio-pci"));
	ASSERT_EQ(0, file_write_str("/sys/bus/pci/drivers_probe", edu_bdf));

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", edu_bdf);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	EXPECT_NE(NULL, strstr(link, "vfio-pci"));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 edu_bdf);
	EXPECT_TRUE(exists(path));

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 edu_bdf);
	EXPECT_EQ(0, file_write_str(path, edu_bdf));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu_bdf);
	EXPECT_EQ(0, file_write_str(path, "\n"));
}

/*
 * The IOMMU class device that translates the edu device: the name of the
 * "iommu" link of the PCI device, "" when it has none.
 */
static void edu_iommu_name(char *name, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	name[0] = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu", edu_bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = 0;
	snprintf(name, len, "%s", strrchr(link, '/') + 1);
}

/* Is there a reserved region of @type in the group file @path? */
static bool group_has_region(const char *path, const char *type)
{
	char buf[4096], *line;

	if (file_read_str(path, buf, sizeof(buf)) <= 0)
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, type))
			return true;
	return false;
}

/*
 * Opens the vfio cdev of the edu device (on vfio-pci) and a new /dev/iommu
 * and binds the one to the other: 0 with both descriptors and the device's
 * ID, or -errno with nothing left open.
 */
static int edu_bind_new_iommufd(int *devfd, int *ifd, __u32 *dev_id)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	char path[PATH_MAX], cdev[PATH_MAX] = "";
	struct dirent *e;
	DIR *d;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev",
		 edu_bdf);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(cdev, sizeof(cdev), "/dev/vfio/devices/%s",
				 e->d_name);
	closedir(d);
	*devfd = open(cdev, O_RDWR);
	if (*devfd < 0)
		return -errno;
	*ifd = open("/dev/iommu", O_RDWR);
	if (*ifd < 0) {
		ret = -errno;
		goto err_dev;
	}
	bind.iommufd = *ifd;
	if (ioctl(*devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		ret = -errno;
		close(*ifd);
		goto err_dev;
	}
	*dev_id = bind.out_devid;
	return 0;

err_dev:
	close(*devfd);
	return ret;
}

/* Binds the edu device to a new /dev/iommu and closes both: 0 or -errno */
static int bind_iommufd(void)
{
	int devfd, ifd, ret;
	__u32 dev_id;

	ret = edu_bind_new_iommufd(&devfd, &ifd, &dev_id);
	if (ret)
		return ret;
	close(devfd);
	close(ifd);
	return 0;
}

/*
 * Binds the edu device (on vfio-pci) to a new /dev/iommu, asks
 * IOMMU_GET_HW_INFO what its IOMMU is and attaches it to a new IOAS:
 * returns the info type or -errno; *@attach_err is 0 or the errno of the
 * attach.
 */
static int edu_hw_info(void *data, __u32 len, int *attach_err)
{
	struct iommu_hw_info info = { .size = sizeof(info) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	int devfd, ifd, ret;

	*attach_err = -1;
	ret = edu_bind_new_iommufd(&devfd, &ifd, &info.dev_id);
	if (ret)
		return ret;
	info.data_len = len;
	info.data_uptr = (uintptr_t)data;
	if (ioctl(ifd, IOMMU_GET_HW_INFO, &info)) {
		ret = -errno;
		goto out;
	}
	ret = info.out_data_type;
	if (ioctl(ifd, IOMMU_IOAS_ALLOC, &ioas))
		goto out;
	attach.pt_id = ioas.out_ioas_id;
	*attach_err = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) ?
		      errno : 0;
out:
	close(ifd);
	close(devfd);
	return ret;
}

/* The first unsigned long after @key in the kernel log, or @dflt */
static unsigned long long log_value(const char *key, unsigned long long dflt)
{
	char *log = kernel_log(), *p;
	unsigned long long v = dflt;

	p = log ? strstr(log, key) : NULL;
	if (p)
		v = strtoull(p + strlen(key), NULL, 0);
	free(log);
	return v;
}

/* arm-smmu-v3.h: the translation stages the driver found in IDR0 */
#define SMMU_FEAT_TRANS_S1	(1 << 9)
#define SMMU_FEAT_TRANS_S2	(1 << 10)
#define SMMU_FEAT_NESTING	(1 << 19)
/* VT-d extended capabilities (intel/iommu.h) */
#define VTD_ECAP_PASID		(1ULL << 40)
#define VTD_ECAP_SMTS		(1ULL << 43)
#define VTD_ECAP_SLTS		(1ULL << 46)
#define VTD_ECAP_FLTS		(1ULL << 47)

/*
 * The translation stages each machine's IOMMU offers, as the emulator was
 * asked for:
 *  - arm64-smmuv3: stage 1 (IDR0.S1P) on QEMU 7.2; QEMU 10's virt machine
 *    creates its SMMUv3 with stage=nested, so there also stage 2 (S2P, and
 *    the 6.12 driver then flags nesting); arm64-smmuv3-nested insists on
 *    both.  The 6.12 SMMUv3 driver has no IOMMU_GET_HW_INFO: the features
 *    it derived from IDR0 are in its probe message.
 *  - x86-vtd: scalable mode with second-stage tables; x86-vtd-flts:
 *    scalable mode with first-stage tables and PASID (x-flts, x-pasid-mode),
 *    as IOMMU_GET_HW_INFO reports ecap_reg, equal to the driver's sysfs.
 *    The 6.12 VT-d driver gives iommufd second-stage paging domains only
 *    ("Do not use first stage for user domain translation"), so on
 *    x86-vtd-flts, which has no second stage, attaching the device to an
 *    IOAS fails with EINVAL; on x86-vtd it works.  Should a later driver
 *    use first-stage tables for them, this says so.
 */
TEST(iommu_stages)
{
	char path[PATH_MAX], name[NAME_MAX + 1], buf[64];
	struct iommu_hw_info_vtd vtd = {};
	unsigned long long feat, ecap;
	int type, attach_err;
	bool nested;

	if (machine_is("arm64-smmuv3")) {
		feat = log_value("(features ", 0);
		nested = !strcmp(machine, "arm64-smmuv3-nested") ||
			 qemu_major >= 10;
		TH_LOG("SMMUv3 features 0x%llx, QEMU %d", feat, qemu_major);
		EXPECT_TRUE(feat & SMMU_FEAT_TRANS_S1);
		EXPECT_EQ(nested, !!(feat & SMMU_FEAT_TRANS_S2));
		EXPECT_EQ(nested, !!(feat & SMMU_FEAT_NESTING));
		return;
	}
	if (!machine_is("x86-vtd"))
		SKIP(return, "no stage choice on %s", machine);

	ASSERT_NE(0, edu_bdf[0]);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu_bdf);
	ASSERT_EQ(0, file_write_str(path, "vfio-pci"));
	ASSERT_EQ(0, file_write_str("/sys/bus/pci/drivers_probe", edu_bdf));

	type = edu_hw_info(&vtd, sizeof(vtd), &attach_err);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, type);
	ecap = vtd.ecap_reg;
	TH_LOG("VT-d cap 0x%llx ecap 0x%llx", (unsigned long long)vtd.cap_reg,
	       ecap);
	edu_iommu_name(name, sizeof(name));
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/ecap",
		 name);
	ASSERT_LT(0, file_read_str(path, buf, sizeof(buf)));
	EXPECT_EQ(strtoull(buf, NULL, 16), ecap);

	EXPECT_TRUE(ecap & VTD_ECAP_SMTS);
	if (!strcmp(machine, "x86-vtd-flts")) {
		EXPECT_TRUE(ecap & VTD_ECAP_FLTS);
		EXPECT_TRUE(ecap & VTD_ECAP_PASID);
		EXPECT_FALSE(ecap & VTD_ECAP_SLTS);
		EXPECT_EQ(EINVAL, attach_err);
	} else {
		EXPECT_TRUE(ecap & VTD_ECAP_SLTS);
		EXPECT_EQ(0, attach_err);
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 edu_bdf);
	EXPECT_EQ(0, file_write_str(path, edu_bdf));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu_bdf);
	EXPECT_EQ(0, file_write_str(path, "\n"));
}

/*
 * arm64-virtio: the edu device is translated by virtio-iommu, in an IOMMU
 * group of its own, with the software MSI window the driver reserves
 * (virtio-iommu remaps MSI in software: the doorbell must be mapped in
 * every domain the device uses), and its MSI go to a GICv3 ITS, which
 * isolates them by device ID.
 */
TEST(edu_behind_virtio_iommu)
{
	char path[PATH_MAX], link[PATH_MAX], name[NAME_MAX + 1], val[16];
	char drv[NAME_MAX + 1];
	char *log;
	ssize_t n;

	if (strcmp(machine, "arm64-virtio"))
		SKIP(return, "not arm64-virtio");
	ASSERT_NE(0, edu_bdf[0]);

	/* Probing a driver configures the device's IOMMU (device tree) */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu_bdf);
	ASSERT_EQ(0, file_write_str(path, "vfio-pci"));
	ASSERT_EQ(0, file_write_str("/sys/bus/pci/drivers_probe", edu_bdf));

	edu_iommu_name(name, sizeof(name));
	iommu_driver_of(name, drv, sizeof(drv));
	TH_LOG("edu translated by %s (%s)", name, drv);
	EXPECT_STREQ("virtio_iommu", drv);
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/devices/%s", name,
		 edu_bdf);
	EXPECT_TRUE(exists(path));

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 edu_bdf);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices/%s",
		 strrchr(link, '/') + 1, edu_bdf);
	EXPECT_TRUE(exists(path));
	snprintf(path, sizeof(path),
		 "/sys/kernel/iommu_groups/%s/reserved_regions",
		 strrchr(link, '/') + 1);
	EXPECT_TRUE(group_has_region(path, "msi"));

	/* Isolated MSI: an ITS, and iommufd not told to accept unsafe MSI */
	log = kernel_log();
	ASSERT_NE(NULL, log);
	EXPECT_NE(NULL, strstr(log, "ITS@"));
	EXPECT_NE(NULL, strstr(log, "virtio_iommu"));
	free(log);
	ASSERT_LT(0, file_read_str("/sys/module/iommufd/parameters/allow_unsafe_interrupts",
				   val, sizeof(val)));
	EXPECT_EQ('N', val[0]);
	/* ... so binding to iommufd, which insists on isolation, works */
	EXPECT_EQ(0, bind_iommufd());

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 edu_bdf);
	EXPECT_EQ(0, file_write_str(path, edu_bdf));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu_bdf);
	EXPECT_EQ(0, file_write_str(path, "\n"));
}

TEST_HARNESS_MAIN
