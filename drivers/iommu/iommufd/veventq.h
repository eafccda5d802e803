/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd virtual event queues: events a virtual IOMMU's driver reports,
 * read by userspace from a file descriptor.
 *
 * Layer: objects, above the virtual IOMMUs it belongs to.  Included by
 * veventq.c and main.c.
 */
#ifndef __IOMMUFD_VEVENTQ_H
#define __IOMMUFD_VEVENTQ_H

struct iommufd_call;

/* IOMMU_VEVENTQ_ALLOC (main.c's dispatch table) */
int iommufd_do_veventq_alloc(struct iommufd_call *call);

#endif
