/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the concurrency selftests (concurrency_test.c,
 * concurrency_uffd_test.c) share: the conc fixture, an IOAS whose automatic
 * IOVA stays where mock domains can be attached, an access on it and, in
 * two of the three variants, a mock domain.
 */
#ifndef __SELFTEST_IOMMU_CONCURRENCY_UTILS_H
#define __SELFTEST_IOMMU_CONCURRENCY_UTILS_H

#include "iommu_test_utils.h"

#define AREA_PAGES 8

FIXTURE(conc) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	int access_fd;
	__u64 base;
};

FIXTURE_VARIANT(conc) {
	bool domain;
	__u32 temp_limit;
};

FIXTURE_VARIANT_ADD(conc, no_domain) {
	.domain = false,
};

FIXTURE_VARIANT_ADD(conc, domain) {
	.domain = true,
};

FIXTURE_VARIANT_ADD(conc, domain_limit16) {
	.domain = true,
	.temp_limit = 16,
};

FIXTURE_SETUP(conc)
{
	struct iommu_iova_range aperture = {
		.start = MOCK_APERTURE_START,
		.last = MOCK_APERTURE_LAST,
	};

	if (!mock_fixture_open(_metadata, &self->fd, variant->temp_limit,
			       &self->ioas_id))
		return;
	/* Keep automatic IOVA where mock domains can be attached later */
	ASSERT_OK(ifd_allow_iovas(self->fd, self->ioas_id, &aperture, 1));
	if (variant->domain)
		ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
				      &self->hwpt_id, NULL));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0,
				     &self->access_fd));
	self->base = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(conc)
{
	if (self->access_fd > 0)
		close(self->access_fd);
	mock_fixture_close(self->fd, variant->temp_limit);
}

#endif /* __SELFTEST_IOMMU_CONCURRENCY_UTILS_H */
