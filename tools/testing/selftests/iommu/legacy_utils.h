/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Wrappers of the legacy VFIO container ioctls on an iommufd file, shared by
 * the selftests that drive them (vfio_compat_test, fail_nth_test).  Like
 * iommu_test_utils.h, each issues one ioctl and returns what ioctl()
 * returned; outputs are written back on success only.
 */
#ifndef __SELFTEST_IOMMU_LEGACY_UTILS_H
#define __SELFTEST_IOMMU_LEGACY_UTILS_H

#include <linux/vfio.h>

#include "iommu_test_utils.h"

static inline int vc_check_extension(int fd, unsigned long ext)
{
	return ioctl(fd, VFIO_CHECK_EXTENSION, ext);
}

static inline int vc_set_iommu(int fd, unsigned long type)
{
	return ioctl(fd, VFIO_SET_IOMMU, type);
}

static inline int vc_map(int fd, const void *buf, __u64 size, __u64 iova,
			 __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	return ioctl(fd, VFIO_IOMMU_MAP_DMA, &map);
}

#define MAP_DMA_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* *@unmapped receives the size the kernel reports, on success only */
static inline int vc_unmap(int fd, __u64 iova, __u64 size, __u32 flags,
			   __u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int rc;

	rc = ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	if (!rc && unmapped)
		*unmapped = unmap.size;
	return rc;
}

static inline int vfio_ioas(int fd, __u16 op, __u32 *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.op = op,
		.ioas_id = *ioas_id,
	};
	int rc;

	rc = ioctl(fd, IOMMU_VFIO_IOAS, &cmd);
	if (!rc)
		*ioas_id = cmd.ioas_id;
	return rc;
}

/* VFIO_IOMMU_GET_INFO into @buf of @argsz bytes (at least 16) */
static inline int vc_get_info(int fd, void *buf, __u32 argsz)
{
	struct vfio_iommu_type1_info *info = buf;

	memset(buf, 0xcc, argsz);
	info->argsz = argsz;
	return ioctl(fd, VFIO_IOMMU_GET_INFO, buf);
}

#endif
