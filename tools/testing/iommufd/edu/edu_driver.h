/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_driver.h - a small userspace driver for QEMU's edu PCI device
 *
 * The device is handed to userspace the modern way: bound to vfio-pci, opened
 * through its vfio device cdev, bound to /dev/iommu, attached to an IOAS, and
 * then programmed through its memory-mapped BAR0.  Every DMA the device does
 * is translated by the IOMMU domain behind that IOAS.
 *
 * The library is header-only (static functions) because the test harness
 * builds every .c file in a suite directory as a program of its own; the
 * selftest and the demo both include it.
 *
 * Every function returns 0 (or a file descriptor) on success and a negative
 * errno on failure, after printing what failed and why on stderr.  Callers
 * that expect a failure use the raw ioctls instead, so no misleading message
 * is printed.
 *
 * The edu device (QEMU docs/specs/edu.txt): BAR0 holds 32-bit registers
 * below 0x80 and 32/64-bit registers above; a DMA engine copies between
 * bus addresses (here: IOVAs) and a 4096-byte buffer the device decodes at
 * 0x40000.  QEMU 7.2 aborts the whole VM for a transfer that does not end
 * strictly inside that buffer (so at most 4095 bytes), and the device's
 * default DMA mask of 28 bits limits IOVAs to the first 256 MiB.
 */
#ifndef EDU_DRIVER_H
#define EDU_DRIVER_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "../../selftests/iommu/file_utils.h"

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

/* BAR0 registers */
#define EDU_REG_IDENT		0x00	/* 0xRRrr00ed: major, minor, "ed" */
#define EDU_REG_LIVENESS	0x04	/* reads back the inverted value */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1	/* set to start, cleared when done */
#define EDU_DMA_TO_RAM		0x2	/* direction: 0 RAM->device, 1 device->RAM */

/* The device's DMA buffer, as the DMA engine addresses it */
#define EDU_DMA_BUF		0x40000ULL
#define EDU_DMA_BUF_SIZE	4096
#define EDU_DMA_MAX		4095
/* IOVAs the device can reach with its default 28-bit DMA mask */
#define EDU_DMA_LIMIT		0x10000000ULL
#define EDU_DMA_TIMEOUT_MS	5000

#define EDU_SYSFS_PCI		"/sys/bus/pci"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/**
 * struct edu_dev - one edu device driven from userspace
 * @bdf: PCI address, e.g. "0000:00:04.0"
 * @cdev: path of the vfio device cdev, e.g. "/dev/vfio/devices/vfio0"
 * @iommufd: /dev/iommu file descriptor, -1 when not open
 * @devfd: vfio device cdev file descriptor, -1 when not open
 * @devid: iommufd object ID of the bound device
 * @ioas_id: the IOAS edu_open() allocated and attached, 0 if none
 * @hwpt_id: what the last attach reported (the HWPT behind the IOAS)
 * @bar0: BAR0 mapping, NULL when not mapped
 * @bar0_size: length of @bar0
 * @config_offset: offset of PCI config space in the device file
 */
struct edu_dev {
	char bdf[NAME_MAX + 1];
	char cdev[PATH_MAX];
	int iommufd;
	int devfd;
	__u32 devid;
	__u32 ioas_id;
	__u32 hwpt_id;
	void *bar0;
	size_t bar0_size;
	__u64 config_offset;
};

static inline int edu_errno_tail(int err)
{
	fprintf(stderr, ": %s (errno %d)\n", strerror(err), err);
	return -err;
}

/*
 * Prints "edu: <what>: <strerror(err)>" and evaluates to -err.  @err is
 * read before anything is printed, so passing errno is safe.
 */
#define edu_fail(err, fmt, ...) ({					\
	int __edu_err = (err);						\
									\
	fprintf(stderr, "edu: " fmt, ##__VA_ARGS__);			\
	edu_errno_tail(__edu_err);					\
})

/* One line of a sysfs attribute, without its newline; 0 or -errno */
static inline int edu_read_sysfs(const char *path, char *buf, size_t len)
{
	int n = file_read_str(path, buf, len);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static inline int edu_write_sysfs(const char *path, const char *val)
{
	int ret = file_write_str(path, val);

	if (ret)
		return edu_fail(-ret, "write \"%s\" to %s", val, path);
	return 0;
}

static inline unsigned long edu_sysfs_hex(const char *bdf, const char *attr)
{
	char path[PATH_MAX], val[32];

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/%s", bdf, attr);
	if (edu_read_sysfs(path, val, sizeof(val)))
		return 0;
	return strtoul(val, NULL, 16);
}

/**
 * edu_find_nth() - find one of the machine's edu devices in sysfs
 * @edu: fills @edu->bdf
 * @nth: 0 for the device with the lowest PCI address, 1 for the next...
 *
 * Most machines have one edu device; x86-vtd has a second one for
 * edu_p2p_test, at a higher address than the one every other test uses.
 *
 * Return: 0, or -ENODEV when the machine has no such device.
 */
static inline int edu_find_nth(struct edu_dev *edu, unsigned int nth)
{
	char best[NAME_MAX + 1] = "", floor[NAME_MAX + 1] = "";
	unsigned int i;
	struct dirent *e;
	DIR *d;

	/* sysfs lists devices in no useful order: pick by address */
	for (i = 0; i <= nth; i++) {
		d = opendir(EDU_SYSFS_PCI "/devices");
		if (!d)
			return edu_fail(errno, "opendir " EDU_SYSFS_PCI "/devices");
		best[0] = 0;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' ||
			    (floor[0] && strcmp(e->d_name, floor) <= 0) ||
			    (best[0] && strcmp(e->d_name, best) >= 0))
				continue;
			if (edu_sysfs_hex(e->d_name, "vendor") == EDU_VENDOR &&
			    edu_sysfs_hex(e->d_name, "device") == EDU_DEVICE)
				snprintf(best, sizeof(best), "%s", e->d_name);
		}
		closedir(d);
		if (!best[0])
			return edu_fail(ENODEV, "no PCI device %04x:%04x number %u",
					EDU_VENDOR, EDU_DEVICE, i);
		snprintf(floor, sizeof(floor), "%s", best);
	}
	snprintf(edu->bdf, sizeof(edu->bdf), "%s", best);
	return 0;
}

/**
 * edu_find() - find the edu device in sysfs
 * @edu: fills @edu->bdf
 *
 * Return: 0, or -ENODEV when the machine has no edu device.
 */
static inline int edu_find(struct edu_dev *edu)
{
	return edu_find_nth(edu, 0);
}

/* The name of the driver bound to @bdf, "" when none. */
static inline void edu_driver_name(const char *bdf, char *name, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		name[0] = 0;
		return;
	}
	link[n] = 0;
	snprintf(name, len, "%s", strrchr(link, '/') + 1);
}

/**
 * edu_bind_vfio_pci() - hand the device to vfio-pci
 * @edu: the device found by edu_find()
 *
 * Unbinds the device from the driver it has (if that is not vfio-pci
 * already), sets driver_override and asks the PCI core to probe it again.
 *
 * Return: 0 once vfio-pci drives the device.
 */
static inline int edu_bind_vfio_pci(struct edu_dev *edu)
{
	char path[PATH_MAX], drv[NAME_MAX + 1];
	int ret;

	edu_driver_name(edu->bdf, drv, sizeof(drv));
	if (!strcmp(drv, "vfio-pci"))
		return 0;
	if (drv[0]) {
		snprintf(path, sizeof(path),
			 EDU_SYSFS_PCI "/devices/%s/driver/unbind", edu->bdf);
		ret = edu_write_sysfs(path, edu->bdf);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/driver_override",
		 edu->bdf);
	ret = edu_write_sysfs(path, "vfio-pci");
	if (ret)
		return ret;
	ret = edu_write_sysfs(EDU_SYSFS_PCI "/drivers_probe", edu->bdf);
	if (ret)
		return ret;
	edu_driver_name(edu->bdf, drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci"))
		return edu_fail(ENODEV, "%s: driver after probing is \"%s\", not vfio-pci",
				edu->bdf, drv);
	return 0;
}

/* vfio's switch for devices without an IOMMU (CONFIG_VFIO_NOIOMMU) */
#define EDU_NOIOMMU_PARAM \
	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"

/**
 * edu_noiommu_release() - undo no-IOMMU use of the device
 * @edu: the device, bound to vfio-pci while EDU_NOIOMMU_PARAM was 1
 *
 * Gives the device back without its no-IOMMU group: unbinds it from
 * vfio-pci, clears driver_override and turns the no-IOMMU mode off again.
 * Best effort, for a test's teardown.
 */
static inline void edu_noiommu_release(struct edu_dev *edu)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/driver/unbind",
		 edu->bdf);
	edu_write_sysfs(path, edu->bdf);
	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/driver_override",
		 edu->bdf);
	edu_write_sysfs(path, "\n");
	edu_write_sysfs(EDU_NOIOMMU_PARAM, "0");
}

/**
 * edu_open_cdev() - open the device's vfio cdev
 * @edu: the device, bound to vfio-pci
 *
 * Finds /sys/bus/pci/devices/<bdf>/vfio-dev/vfioN and opens
 * /dev/vfio/devices/vfioN.
 *
 * Return: the new file descriptor (also stored in @edu->devfd).
 */
static inline int edu_open_cdev(struct edu_dev *edu)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/vfio-dev",
		 edu->bdf);
	d = opendir(path);
	if (!d)
		return edu_fail(errno, "opendir %s (no vfio device cdev?)", path);
	edu->cdev[0] = 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(edu->cdev, sizeof(edu->cdev),
				 "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
	if (!edu->cdev[0])
		return edu_fail(ENODEV, "%s: no vfioN entry", path);

	edu->devfd = open(edu->cdev, O_RDWR | O_CLOEXEC);
	if (edu->devfd < 0)
		return edu_fail(errno, "open %s", edu->cdev);
	return edu->devfd;
}

/**
 * edu_open_iommufd() - open /dev/iommu
 *
 * Return: the file descriptor.
 */
static inline int edu_open_iommufd(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return edu_fail(errno, "open /dev/iommu");
	return fd;
}

/**
 * edu_bind_iommufd() - VFIO_DEVICE_BIND_IOMMUFD
 * @edu: device with an open cdev
 * @iommufd: the /dev/iommu file to bind to (stored in @edu->iommufd)
 *
 * Return: 0; @edu->devid holds the device's object ID.
 */
static inline int edu_bind_iommufd(struct edu_dev *edu, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(edu->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return edu_fail(errno, "VFIO_DEVICE_BIND_IOMMUFD %s", edu->cdev);
	edu->iommufd = iommufd;
	edu->devid = bind.out_devid;
	return 0;
}

/**
 * edu_ioas_alloc() - IOMMU_IOAS_ALLOC
 * @iommufd: /dev/iommu file
 * @ioas_id: returns the new IOAS ID
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_ioas_alloc(int iommufd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &cmd))
		return edu_fail(errno, "IOMMU_IOAS_ALLOC");
	*ioas_id = cmd.out_ioas_id;
	return 0;
}

/**
 * edu_destroy() - IOMMU_DESTROY
 * @iommufd: /dev/iommu file
 * @id: object to destroy
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_destroy(int iommufd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	if (ioctl(iommufd, IOMMU_DESTROY, &cmd))
		return edu_fail(errno, "IOMMU_DESTROY %u", id);
	return 0;
}

/**
 * edu_ioas_map() - IOMMU_IOAS_MAP at a fixed IOVA
 * @iommufd: /dev/iommu file
 * @ioas_id: the IOAS
 * @buf: page-aligned user memory
 * @length: bytes, a multiple of the page size
 * @iova: where the device sees @buf
 * @prot: IOMMU_IOAS_MAP_READABLE and/or IOMMU_IOAS_MAP_WRITEABLE
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_ioas_map(int iommufd, __u32 ioas_id, void *buf,
			       size_t length, __u64 iova, __u32 prot)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = length,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &cmd))
		return edu_fail(errno, "IOMMU_IOAS_MAP ioas %u iova 0x%llx length 0x%zx",
				ioas_id, (unsigned long long)iova, length);
	return 0;
}

/**
 * edu_ioas_unmap() - IOMMU_IOAS_UNMAP of exactly one earlier mapping
 * @iommufd: /dev/iommu file
 * @ioas_id: the IOAS
 * @iova: start of the mapping
 * @length: its length
 *
 * Return: 0, or -EIO when the kernel unmapped a different amount.
 */
static inline int edu_ioas_unmap(int iommufd, __u32 ioas_id, __u64 iova,
				 size_t length)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd))
		return edu_fail(errno, "IOMMU_IOAS_UNMAP ioas %u iova 0x%llx length 0x%zx",
				ioas_id, (unsigned long long)iova, length);
	if (cmd.length != length)
		return edu_fail(EIO, "IOMMU_IOAS_UNMAP unmapped 0x%llx bytes, not 0x%zx",
				(unsigned long long)cmd.length, length);
	return 0;
}

/**
 * edu_attach() - VFIO_DEVICE_ATTACH_IOMMUFD_PT (attach or replace)
 * @edu: bound device
 * @pt_id: IOAS or HWPT to attach to
 *
 * Return: 0; @edu->hwpt_id holds the ID the kernel reported back.
 */
static inline int edu_attach(struct edu_dev *edu, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	if (ioctl(edu->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return edu_fail(errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT pt %u", pt_id);
	edu->hwpt_id = attach.pt_id;
	return 0;
}

/**
 * edu_detach() - VFIO_DEVICE_DETACH_IOMMUFD_PT
 * @edu: attached device
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_detach(struct edu_dev *edu)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	if (ioctl(edu->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach))
		return edu_fail(errno, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
	edu->hwpt_id = 0;
	return 0;
}

static inline int edu_region_info(struct edu_dev *edu, __u32 index,
				  struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(edu->devfd, VFIO_DEVICE_GET_REGION_INFO, info))
		return edu_fail(errno, "VFIO_DEVICE_GET_REGION_INFO index %u",
				index);
	return 0;
}

/**
 * edu_map_bar0() - mmap the register BAR
 * @edu: bound device
 *
 * Return: 0; @edu->bar0 points at the registers.
 */
static inline int edu_map_bar0(struct edu_dev *edu)
{
	struct vfio_region_info info;
	void *p;
	int ret;

	ret = edu_region_info(edu, VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret)
		return ret;
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !info.size)
		return edu_fail(ENOTSUP, "BAR0 is not mappable (flags 0x%x size 0x%llx)",
				info.flags, (unsigned long long)info.size);
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 edu->devfd, info.offset);
	if (p == MAP_FAILED)
		return edu_fail(errno, "mmap BAR0 (0x%llx bytes)",
				(unsigned long long)info.size);
	edu->bar0 = p;
	edu->bar0_size = info.size;
	return 0;
}

/**
 * edu_enable_dma() - set Memory Space and Bus Master in PCI_COMMAND
 * @edu: bound device
 *
 * Without Bus Master the device's DMA never reaches the IOMMU at all, which
 * would make every "blocked" result meaningless.
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_enable_dma(struct edu_dev *edu)
{
	struct vfio_region_info info;
	off_t off;
	__u16 cmd;
	int ret;

	ret = edu_region_info(edu, VFIO_PCI_CONFIG_REGION_INDEX, &info);
	if (ret)
		return ret;
	edu->config_offset = info.offset;
	off = info.offset + PCI_COMMAND;
	if (pread(edu->devfd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return edu_fail(errno, "read PCI_COMMAND");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(edu->devfd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return edu_fail(errno, "write PCI_COMMAND");
	if (pread(edu->devfd, &cmd, sizeof(cmd), off) != sizeof(cmd))
		return edu_fail(errno, "read PCI_COMMAND");
	if (!(cmd & PCI_COMMAND_MASTER))
		return edu_fail(EIO, "PCI_COMMAND 0x%x: bus master did not stick",
				cmd);
	return 0;
}

/*
 * Register access.  Relaxed atomics give single, full-width loads and
 * stores, as the device requires; the barriers order them against the
 * buffers the device reads or has written.
 */
static inline void edu_wmb(void)
{
#if defined(__aarch64__)
	asm volatile("dsb st" : : : "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline void edu_rmb(void)
{
#if defined(__aarch64__)
	asm volatile("dsb ld" : : : "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline __u32 edu_read32(struct edu_dev *edu, unsigned int reg)
{
	return __atomic_load_n((__u32 *)((char *)edu->bar0 + reg),
			       __ATOMIC_RELAXED);
}

static inline __u64 edu_read64(struct edu_dev *edu, unsigned int reg)
{
	return __atomic_load_n((__u64 *)((char *)edu->bar0 + reg),
			       __ATOMIC_RELAXED);
}

static inline void edu_write32(struct edu_dev *edu, unsigned int reg, __u32 val)
{
	__atomic_store_n((__u32 *)((char *)edu->bar0 + reg), val,
			 __ATOMIC_RELAXED);
}

static inline void edu_write64(struct edu_dev *edu, unsigned int reg, __u64 val)
{
	__atomic_store_n((__u64 *)((char *)edu->bar0 + reg), val,
			 __ATOMIC_RELAXED);
}

/**
 * edu_check_alive() - the device answers on BAR0
 * @edu: device with BAR0 mapped
 *
 * Return: 0 when the identification and liveness registers behave.
 */
static inline int edu_check_alive(struct edu_dev *edu)
{
	__u32 id = edu_read32(edu, EDU_REG_IDENT);

	if ((id & 0xff) != 0xed)
		return edu_fail(EIO, "identification register reads 0x%08x", id);
	edu_write32(edu, EDU_REG_LIVENESS, 0x12345678);
	if (edu_read32(edu, EDU_REG_LIVENESS) != ~0x12345678U)
		return edu_fail(EIO, "liveness register does not invert");
	return 0;
}

static inline __u64 edu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Starts one transfer and polls the command register until it is done. */
static inline int edu_dma(struct edu_dev *edu, __u64 src, __u64 dst,
			  __u32 count, __u32 dir)
{
	__u64 deadline;

	if (!count || count > EDU_DMA_MAX)
		return edu_fail(EINVAL, "DMA of %u bytes (1..%u allowed)",
				count, EDU_DMA_MAX);
	if (edu_read64(edu, EDU_REG_DMA_CMD) & EDU_DMA_RUN)
		return edu_fail(EBUSY, "a DMA is still running");
	edu_wmb();
	edu_write64(edu, EDU_REG_DMA_SRC, src);
	edu_write64(edu, EDU_REG_DMA_DST, dst);
	edu_write64(edu, EDU_REG_DMA_COUNT, count);
	edu_write64(edu, EDU_REG_DMA_CMD, EDU_DMA_RUN | dir);

	deadline = edu_now_ms() + EDU_DMA_TIMEOUT_MS;
	while (edu_read64(edu, EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (edu_now_ms() > deadline)
			return edu_fail(ETIMEDOUT, "DMA 0x%llx -> 0x%llx (%u bytes) for %d ms",
					(unsigned long long)src,
					(unsigned long long)dst, count,
					EDU_DMA_TIMEOUT_MS);
		usleep(1000);
	}
	edu_rmb();
	return 0;
}

static inline int edu_check_dma_range(__u64 iova, __u32 dev_off, __u32 count)
{
	/* QEMU aborts the VM unless the transfer ends inside the buffer */
	if (dev_off + (__u64)count > EDU_DMA_MAX)
		return edu_fail(EINVAL, "device range 0x%x+%u ends beyond 0x%x",
				dev_off, count, EDU_DMA_MAX - 1);
	if (iova + count > EDU_DMA_LIMIT)
		return edu_fail(EINVAL, "IOVA 0x%llx+%u is beyond the device's 28-bit DMA mask",
				(unsigned long long)iova, count);
	return 0;
}

/**
 * edu_dma_to_device() - DMA from memory (at @iova) into the device buffer
 * @edu: device with DMA enabled
 * @iova: bus address the device reads from
 * @dev_off: offset in the device's 4096-byte buffer
 * @count: bytes, at most EDU_DMA_MAX
 *
 * The device does not report translation faults: a blocked read completes
 * like any other.  Callers verify the data.
 *
 * Return: 0 when the transfer finished.
 */
static inline int edu_dma_to_device(struct edu_dev *edu, __u64 iova,
				    __u32 dev_off, __u32 count)
{
	int ret = edu_check_dma_range(iova, dev_off, count);

	if (ret)
		return ret;
	return edu_dma(edu, iova, EDU_DMA_BUF + dev_off, count, 0);
}

/**
 * edu_dma_to_ram() - DMA from the device buffer to memory (at @iova)
 * @edu: device with DMA enabled
 * @dev_off: offset in the device's 4096-byte buffer
 * @iova: bus address the device writes to
 * @count: bytes, at most EDU_DMA_MAX
 *
 * Return: 0 when the transfer finished (blocked or not, see above).
 */
static inline int edu_dma_to_ram(struct edu_dev *edu, __u32 dev_off,
				 __u64 iova, __u32 count)
{
	int ret = edu_check_dma_range(iova, dev_off, count);

	if (ret)
		return ret;
	return edu_dma(edu, EDU_DMA_BUF + dev_off, iova, count, EDU_DMA_TO_RAM);
}

/**
 * struct edu_iommu - what we know about an IOMMU driver and its emulation
 * @name: human-readable name
 * @class_prefix: prefix of its instances in /sys/class/iommu, or NULL
 * @driver: else the driver of the device behind such an instance
 *          (virtio-iommu names its instance after its PCI function)
 * @fault_pattern: found in every line the driver logs for a blocked DMA
 * @no_fault_log: when the emulation blocks DMA without reporting it to the
 *                driver, why; NULL when it reports
 */
struct edu_iommu {
	const char *name, *class_prefix, *driver, *fault_pattern, *no_fault_log;
};

/* Is /sys/class/iommu/@instance one of @iommu's? */
static inline bool edu_iommu_match(const struct edu_iommu *iommu,
				   const char *instance)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	if (iommu->class_prefix)
		return !strncmp(instance, iommu->class_prefix,
				strlen(iommu->class_prefix));
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/device/driver",
		 instance);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = 0;
	return !strcmp(strrchr(link, '/') + 1, iommu->driver);
}

/**
 * edu_iommu() - the IOMMU of this machine, told by /sys/class/iommu
 *
 * Return: its description, or NULL when there is no known IOMMU.
 */
static inline const struct edu_iommu *edu_iommu(void)
{
	static const struct edu_iommu known[] = {
		{ "Intel VT-d", "dmar", NULL, "DMAR: [DMA ", NULL },
		{ "AMD-Vi", "ivhd", NULL, "IO_PAGE_FAULT",
		  "QEMU 7.2's emulation blocks the DMA but raises no event" },
		{ "Arm SMMUv3", "smmu3.", NULL, "event 0x", NULL },
		{ "virtio-iommu", NULL, "virtio_iommu", "fault from EP", NULL },
	};
	const struct edu_iommu *found = NULL;
	struct dirent *e;
	unsigned int i;
	DIR *d;

	d = opendir("/sys/class/iommu");
	if (!d)
		return NULL;
	while (!found && (e = readdir(d)))
		for (i = 0; i < ARRAY_SIZE(known); i++)
			if (e->d_name[0] != '.' &&
			    edu_iommu_match(&known[i], e->d_name))
				found = &known[i];
	closedir(d);
	return found;
}

static inline int edu_append_line(char **buf, size_t *len, const char *line)
{
	char *p = realloc(*buf, *len + strlen(line) + 2);

	if (!p)
		return -ENOMEM;
	*buf = p;
	*len += sprintf(p + *len, "%s\n", line);
	return 0;
}

/**
 * edu_klog_lines() - collect kernel log lines containing @pattern
 * @pattern: what to look for
 * @out: if not NULL, receives the matching lines (malloc'ed, caller frees)
 *
 * Return: the number of matching lines, or a negative errno.
 */
static inline int edu_klog_lines(const char *pattern, char **out)
{
	char *log, *line, *next, *res = NULL;
	size_t res_len = 0;
	int len, n = 0;

	len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (len <= 0)
		return edu_fail(errno, "klogctl SIZE_BUFFER");
	log = calloc(1, len + 1);
	if (!log)
		return edu_fail(ENOMEM, "kernel log buffer");
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (len < 0) {
		free(log);
		return edu_fail(errno, "klogctl READ_ALL");
	}
	for (line = log; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!strstr(line, pattern))
			continue;
		n++;
		if (out && edu_append_line(&res, &res_len, line)) {
			free(res);
			free(log);
			return edu_fail(ENOMEM, "kernel log lines");
		}
	}
	free(log);
	if (out)
		*out = res;
	return n;
}

/**
 * edu_klog_wait() - wait for a kernel log line a DMA fault brings
 * @pattern: what the line contains
 * @before: how many such lines there were before the fault
 *
 * An IOMMU's fault interrupt may come a moment after the DMA finished:
 * polls for up to a second until the count differs from @before.
 *
 * Return: the last count (@before when none came), or a negative errno.
 */
static inline int edu_klog_wait(const char *pattern, int before)
{
	int i, now = 0;

	for (i = 0; i < 20; i++) {
		now = edu_klog_lines(pattern, NULL);
		if (now != before)
			break;
		usleep(50000);
	}
	return now;
}

/**
 * edu_alloc_buf() - page-aligned, zeroed anonymous memory for DMA
 * @length: bytes
 *
 * Return: the buffer, or NULL after printing why.
 */
static inline void *edu_alloc_buf(size_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		edu_fail(errno, "mmap %zu bytes", length);
		return NULL;
	}
	return p;
}

static inline void edu_free_buf(void *buf, size_t length)
{
	if (buf)
		munmap(buf, length);
}

/**
 * edu_close() - undo edu_open() (or any prefix of it)
 * @edu: the device
 *
 * Closing the device file unbinds it from iommufd (which detaches it and
 * returns its group); closing /dev/iommu frees the IOAS and its mappings.
 * The device stays bound to vfio-pci for the next user.
 */
static inline void edu_close(struct edu_dev *edu)
{
	if (edu->bar0)
		munmap(edu->bar0, edu->bar0_size);
	edu->bar0 = NULL;
	if (edu->devfd >= 0)
		close(edu->devfd);
	edu->devfd = -1;
	if (edu->iommufd >= 0)
		close(edu->iommufd);
	edu->iommufd = -1;
	edu->ioas_id = 0;
	edu->hwpt_id = 0;
}

/**
 * edu_init() - an edu_dev that owns nothing yet
 * @edu: the device
 */
static inline void edu_init(struct edu_dev *edu)
{
	memset(edu, 0, sizeof(*edu));
	edu->iommufd = -1;
	edu->devfd = -1;
}

/**
 * edu_open_found() - edu_open() of the device edu_find_nth() found
 * @edu: the device, initialized with edu_init(), @edu->bdf set
 *
 * Return: 0, or a negative errno with everything undone.
 */
static inline int edu_open_found(struct edu_dev *edu)
{
	int fd, ret;

	ret = edu_bind_vfio_pci(edu);
	if (ret)
		return ret;
	ret = edu_open_cdev(edu);
	if (ret < 0)
		return ret;
	fd = edu_open_iommufd();
	if (fd < 0) {
		ret = fd;
		goto err;
	}
	ret = edu_bind_iommufd(edu, fd);
	if (ret) {
		close(fd);
		goto err;
	}
	ret = edu_ioas_alloc(edu->iommufd, &edu->ioas_id);
	if (ret)
		goto err;
	ret = edu_attach(edu, edu->ioas_id);
	if (ret)
		goto err;
	ret = edu_map_bar0(edu);
	if (ret)
		goto err;
	ret = edu_enable_dma(edu);
	if (ret)
		goto err;
	ret = edu_check_alive(edu);
	if (ret)
		goto err;
	return 0;

err:
	edu_close(edu);
	return ret;
}

/**
 * edu_open() - the whole bring-up in one call
 * @edu: the device, initialized with edu_init()
 *
 * Finds the device, binds it to vfio-pci, opens its cdev and /dev/iommu,
 * binds, allocates an IOAS (@edu->ioas_id) and attaches the device to it,
 * maps BAR0, enables DMA and checks that the device answers.
 *
 * Return: 0, or a negative errno with everything undone.
 */
static inline int edu_open(struct edu_dev *edu)
{
	int ret = edu_find(edu);

	if (ret)
		return ret;
	return edu_open_found(edu);
}

/**
 * edu_machine() - the harness machine this runs on
 * @name: receives the value of harness.machine= on the kernel command line,
 *	"" outside the harness's VMs
 * @len: size of @name
 */
static inline void edu_machine(char *name, size_t len)
{
	char cmdline[4096], *p;

	name[0] = 0;
	if (edu_read_sysfs("/proc/cmdline", cmdline, sizeof(cmdline)))
		return;
	p = strstr(cmdline, "harness.machine=");
	if (p)
		snprintf(name, len, "%.*s", (int)strcspn(p + 16, " "), p + 16);
}

/**
 * edu_machine_has_iommu() - should an IOMMU translate the device's DMA here?
 *
 * In the harness's VMs the machine's name decides (only x86-noiommu and
 * x86-debug have none), so an IOMMU that failed to come up fails the tests
 * instead of skipping them.  Elsewhere, whether the kernel found one.
 *
 * Return: true when the machine has an IOMMU.
 */
static inline bool edu_machine_has_iommu(void)
{
	char machine[64];

	edu_machine(machine, sizeof(machine));
	if (machine[0])
		return strcmp(machine, "x86-noiommu") &&
		       strcmp(machine, "x86-debug");
	return edu_iommu();
}

/**
 * edu_fill() - fill a buffer with a pattern that differs per @seed and offset
 * @buf: buffer
 * @len: its length
 * @seed: pattern selector
 */
static inline void edu_fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

/**
 * edu_all_bytes() - is every byte of a buffer @val?
 * @buf: buffer
 * @len: its length
 * @val: expected byte
 *
 * Return: true when all @len bytes equal @val.
 */
static inline bool edu_all_bytes(const void *buf, size_t len,
				 unsigned char val)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != val)
			return false;
	return true;
}

#endif /* EDU_DRIVER_H */
