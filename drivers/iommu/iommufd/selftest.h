/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test mock (CONFIG_IOMMUFD_TEST): what main.c needs of it, the
 * IOMMU_TEST_CMD ioctl and setting the mock IOMMU up and down.  Its uAPI,
 * shared with the selftests, is iommufd_test.h.
 *
 * Layer: mock, just below the ioctl dispatch; a client of the object layer
 * like any driver using the kAPI.  Included by main.c and the mock's files.
 */
#ifndef __IOMMUFD_SELFTEST_H
#define __IOMMUFD_SELFTEST_H

#ifdef CONFIG_IOMMUFD_TEST
#include "iommufd_test.h"

struct iommufd_call;

int iommufd_do_test(struct iommufd_call *call);
int iommufd_test_ioas_copy(struct iommufd_call *call);
int iommufd_test_init(void);
void iommufd_test_exit(void);
#endif

#endif
