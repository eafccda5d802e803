/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd hardware queues: guest queues a virtual IOMMU's hardware reads
 * by itself.
 *
 * Layer: objects, above the virtual IOMMUs they belong to.  Included by
 * hw_queue.c and main.c.
 */
#ifndef __IOMMUFD_HW_QUEUE_H
#define __IOMMUFD_HW_QUEUE_H

struct iommufd_call;

/* IOMMU_HW_QUEUE_ALLOC (main.c's dispatch table) */
int iommufd_do_hw_queue_alloc(struct iommufd_call *call);

#endif
