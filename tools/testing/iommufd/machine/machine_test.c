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
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "../../selftests/iommu/file_utils.h"

#define EDU_ID "0x1234 0x11e8"
#define SZ_2M (2UL << 20)

static char machine[64];
static char edu_bdf[NAME_MAX + 1];

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
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
		if (!strcmp(machine, expect[i].machine)) {
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

	if (!strcmp(machine, "x86-vtd"))
		needle = "Enabled IRQ remapping";
	else if (!strcmp(machine, "x86-amd"))
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
 * Binds the edu device (on vfio-pci) to a new /dev/iommu through its vfio
 * cdev and closes both again: 0 or -errno of the bind.
 */
static int bind_iommufd(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	char path[PATH_MAX], cdev[PATH_MAX] = "";
	int devfd, ifd, ret = 0;
	struct dirent *e;
	DIR *d;

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
	devfd = open(cdev, O_RDWR);
	if (devfd < 0)
		return -errno;
	ifd = open("/dev/iommu", O_RDWR);
	if (ifd < 0) {
		ret = -errno;
		close(devfd);
		return ret;
	}
	bind.iommufd = ifd;
	if (ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		ret = -errno;
	close(devfd);
	close(ifd);
	return ret;
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
