/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd access objects: in-kernel users of an IOAS (emulated devices) that
 * pin pages or read and write IOVA through the CPU. The kAPI is in
 * include/linux/iommufd.h; this is what the rest of iommufd needs besides.
 *
 * Layer: objects. Included by access.c and selftest.c.
 */
#ifndef __IOMMUFD_ACCESS_H
#define __IOMMUFD_ACCESS_H

#include <linux/types.h>

struct iommufd_access;

#ifdef CONFIG_IOMMUFD_TEST
unsigned long iommufd_access_syz_iova(struct iommufd_access *access,
				      u64 syz_iova);
#endif

#endif
