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
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define EDU_ID "0x1234 0x11e8"
#define SZ_2M (2UL << 20)

static char machine[64];
static char edu_bdf[NAME_MAX + 1];

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

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
		if (read_file(path, id, sizeof(id)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 e->d_name);
		if (read_file(path, dev, sizeof(dev)) <= 0)
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

	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) > 0) {
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

	ASSERT_LT(0, read_file("/sys/kernel/mm/transparent_hugepage/enabled",
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

TEST(iommu_as_expected)
{
	static const struct {
		const char *machine, *class_prefix;
	} expect[] = {
		{ "x86-vtd", "dmar" },
		{ "x86-amd", "ivhd" },
		{ "arm64-smmuv3", "smmu3." },
	};
	const char *prefix = NULL;
	char group[PATH_MAX];
	bool found = false;
	struct dirent *e;
	unsigned int i;
	DIR *d;

	for (i = 0; i < ARRAY_SIZE(expect); i++)
		if (!strcmp(machine, expect[i].machine))
			prefix = expect[i].class_prefix;

	d = opendir("/sys/class/iommu");
	if (d) {
		while ((e = readdir(d)))
			if (prefix && !strncmp(e->d_name, prefix, strlen(prefix)))
				found = true;
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
	ASSERT_EQ(0, write_file(path, "vfio-pci"));
	ASSERT_EQ(0, write_file("/sys/bus/pci/drivers_probe", edu_bdf));

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
	EXPECT_EQ(0, write_file(path, edu_bdf));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu_bdf);
	EXPECT_EQ(0, write_file(path, "\n"));
}

TEST_HARNESS_MAIN
