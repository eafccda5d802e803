/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_legacy.h - the edu device through the legacy VFIO group/container API
 *
 * The way programs written before iommufd (QEMU before 9.0, DPDK) get a
 * device: open the container /dev/vfio/vfio, add the device's group
 * /dev/vfio/<N> to it, choose an IOMMU type with VFIO_SET_IOMMU, get the
 * device file from the group and map memory with VFIO_IOMMU_MAP_DMA.  With
 * CONFIG_IOMMUFD_VFIO_CONTAINER the container is an iommufd context and
 * every call lands in iommufd.
 *
 * Builds on edu_driver.h (edu_find(), edu_bind_vfio_pci(), BAR0 and DMA);
 * the same conventions hold: 0 or a file descriptor on success, a negative
 * errno after a message on stderr on failure.
 */
#ifndef EDU_VFIO_LEGACY_H
#define EDU_VFIO_LEGACY_H

#include "edu_driver.h"

/**
 * struct edu_legacy - the container and group files of a legacy user
 * @container: /dev/vfio/vfio file descriptor, -1 when not open
 * @group: /dev/vfio/<N> (or /dev/vfio/noiommu-<N>) descriptor, -1 if none
 * @group_path: path of @group
 */
struct edu_legacy {
	int container;
	int group;
	char group_path[PATH_MAX];
};

static inline void edu_legacy_init(struct edu_legacy *lg)
{
	memset(lg, 0, sizeof(*lg));
	lg->container = -1;
	lg->group = -1;
}

/**
 * edu_group_path() - the group device file of @bdf
 * @bdf: PCI address
 * @path: receives /dev/vfio/<N>, or /dev/vfio/noiommu-<N> for a no-IOMMU
 *	group
 * @len: size of @path
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_group_path(const char *bdf, char *path, size_t len)
{
	char link[PATH_MAX], name[NAME_MAX + 1] = "";
	const char *id;
	ssize_t n;

	snprintf(path, len, EDU_SYSFS_PCI "/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return edu_fail(errno, "readlink %s", path);
	link[n] = 0;
	id = strrchr(link, '/') + 1;

	snprintf(path, len, "/sys/kernel/iommu_groups/%s/name", id);
	if (!edu_read_sysfs(path, name, sizeof(name)) &&
	    !strcmp(name, "vfio-noiommu"))
		snprintf(path, len, "/dev/vfio/noiommu-%s", id);
	else
		snprintf(path, len, "/dev/vfio/%s", id);
	return 0;
}

/**
 * edu_legacy_attach() - open the container and add the device's group
 * @edu: device bound to vfio-pci (edu_find(), edu_bind_vfio_pci())
 * @lg: initialized with edu_legacy_init()
 *
 * Checks the API version and that the group is viable, then makes
 * @lg->container the group's container.
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_legacy_attach(struct edu_dev *edu, struct edu_legacy *lg)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int ret;

	lg->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (lg->container < 0)
		return edu_fail(errno, "open /dev/vfio/vfio");
	ret = ioctl(lg->container, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION)
		return edu_fail(EPROTO, "VFIO_GET_API_VERSION is %d", ret);

	ret = edu_group_path(edu->bdf, lg->group_path, sizeof(lg->group_path));
	if (ret)
		return ret;
	lg->group = open(lg->group_path, O_RDWR | O_CLOEXEC);
	if (lg->group < 0)
		return edu_fail(errno, "open %s", lg->group_path);
	if (ioctl(lg->group, VFIO_GROUP_GET_STATUS, &status))
		return edu_fail(errno, "VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return edu_fail(EBUSY, "%s is not viable", lg->group_path);
	if (ioctl(lg->group, VFIO_GROUP_SET_CONTAINER, &lg->container))
		return edu_fail(errno, "VFIO_GROUP_SET_CONTAINER");
	return 0;
}

/**
 * edu_legacy_open_device() - VFIO_GROUP_GET_DEVICE_FD, BAR0 and DMA
 * @edu: the device; @edu->devfd receives the device file
 * @lg: container with a group and an IOMMU type set
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_legacy_open_device(struct edu_dev *edu,
					 struct edu_legacy *lg)
{
	int ret;

	edu->devfd = ioctl(lg->group, VFIO_GROUP_GET_DEVICE_FD, edu->bdf);
	if (edu->devfd < 0)
		return edu_fail(errno, "VFIO_GROUP_GET_DEVICE_FD %s", edu->bdf);
	ret = edu_map_bar0(edu);
	if (!ret)
		ret = edu_enable_dma(edu);
	if (!ret)
		ret = edu_check_alive(edu);
	return ret;
}

/**
 * edu_legacy_close() - undo edu_legacy_attach()/edu_legacy_open_device()
 * @edu: the device (its BAR0 mapping and file are closed)
 * @lg: container and group
 *
 * Closing the device, then the group, then the container returns the
 * group and frees every mapping; the device stays bound to vfio-pci.
 */
static inline void edu_legacy_close(struct edu_dev *edu, struct edu_legacy *lg)
{
	edu_close(edu);
	if (lg->group >= 0)
		close(lg->group);
	if (lg->container >= 0)
		close(lg->container);
	edu_legacy_init(lg);
}

/**
 * edu_legacy_open() - the whole legacy bring-up of a type1 container
 * @edu: initialized with edu_init()
 * @lg: initialized with edu_legacy_init()
 * @type: VFIO_TYPE1_IOMMU or VFIO_TYPE1v2_IOMMU
 *
 * Return: 0, or a negative errno with everything undone.
 */
static inline int edu_legacy_open(struct edu_dev *edu, struct edu_legacy *lg,
				  unsigned long type)
{
	int ret;

	ret = edu_find(edu);
	if (!ret)
		ret = edu_bind_vfio_pci(edu);
	if (!ret)
		ret = edu_legacy_attach(edu, lg);
	if (!ret && ioctl(lg->container, VFIO_CHECK_EXTENSION, type) != 1)
		ret = edu_fail(ENODEV, "the container does not offer type %lu",
			       type);
	if (!ret && ioctl(lg->container, VFIO_SET_IOMMU, type))
		ret = edu_fail(errno, "VFIO_SET_IOMMU %lu", type);
	if (!ret)
		ret = edu_legacy_open_device(edu, lg);
	if (ret)
		edu_legacy_close(edu, lg);
	return ret;
}

/**
 * edu_legacy_map() - VFIO_IOMMU_MAP_DMA
 * @lg: container
 * @buf: page-aligned memory
 * @length: bytes
 * @iova: where the device sees @buf
 * @flags: VFIO_DMA_MAP_FLAG_READ and/or VFIO_DMA_MAP_FLAG_WRITE
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_legacy_map(struct edu_legacy *lg, void *buf,
				 size_t length, __u64 iova, __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = length,
	};

	if (ioctl(lg->container, VFIO_IOMMU_MAP_DMA, &map))
		return edu_fail(errno, "VFIO_IOMMU_MAP_DMA iova 0x%llx size 0x%zx",
				(unsigned long long)iova, length);
	return 0;
}

/**
 * edu_legacy_unmap() - VFIO_IOMMU_UNMAP_DMA of a range
 * @lg: container
 * @iova: start
 * @length: bytes (0 with VFIO_DMA_UNMAP_FLAG_ALL)
 * @flags: 0 or VFIO_DMA_UNMAP_FLAG_ALL
 * @unmapped: receives the number of bytes the kernel unmapped
 *
 * Return: 0 or a negative errno.
 */
static inline int edu_legacy_unmap(struct edu_legacy *lg, __u64 iova,
				   size_t length, __u32 flags, __u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = length,
	};

	if (ioctl(lg->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return edu_fail(errno, "VFIO_IOMMU_UNMAP_DMA iova 0x%llx size 0x%zx",
				(unsigned long long)iova, length);
	*unmapped = unmap.size;
	return 0;
}

#endif /* EDU_VFIO_LEGACY_H */
