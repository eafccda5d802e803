/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an IOMMU driver provides, and what it may use, to offer virtual
 * IOMMUs through iommufd (IOMMU_VIOMMU_ALLOC and the objects built on a
 * virtual IOMMU: virtual devices, nested HWPTs, event queues).
 *
 * The 6.12 struct iommu_ops has no hook for this, so a driver hands iommufd
 * an ops table per virtual IOMMU type it offers, keyed by its iommu_ops:
 * iommufd_viommu_register(). iommufd never looks at which driver it is.
 */
#ifndef __LINUX_IOMMUFD_VIOMMU_H
#define __LINUX_IOMMUFD_VIOMMU_H

#include <linux/list.h>
#include <linux/types.h>

struct device;
struct iommu_domain;
struct iommu_ops;
struct iommu_user_data;
struct iommu_user_data_array;
struct iommufd_hw_queue;
struct iommufd_viommu;

/**
 * struct iommufd_viommu_ops - one type of virtual IOMMU of one IOMMU driver
 * @iommu_ops: the driver's iommu_ops: its devices can have this type
 * @type: the enum iommu_viommu_type value (or a driver-defined one)
 * @init: set up the driver's side of a new virtual IOMMU for @dev's IOMMU
 *	instance, nesting on @parent (a NEST_PARENT paging domain of the
 *	driver); @user_data is the driver data of IOMMU_VIOMMU_ALLOC or NULL.
 *	May keep a pointer with iommufd_viommu_set_drvdata(). Return 0 or a
 *	negative errno for userspace.
 * @destroy: undo @init; called once, when nothing uses the virtual IOMMU
 *	any more. Optional.
 * @alloc_domain_nested: allocate an IOMMU_DOMAIN_NESTED domain from
 *	@user_data (never NULL) for @dev, nesting on the virtual IOMMU's
 *	parent. @flags has no core flag; refuse what you do not know with
 *	-EOPNOTSUPP. Optional (then nested HWPTs give EOPNOTSUPP).
 * @cache_invalidate: handle IOMMU_HWPT_INVALIDATE issued to the virtual
 *	IOMMU, like iommu_domain_ops.cache_invalidate_user: an unknown type
 *	is -EINVAL, &iommu_user_data_array.entry_num is set to the entries
 *	done. Called without any lock of iommufd held; may copy from the
 *	user. Optional (then EOPNOTSUPP).
 * @vdevice_init: a virtual device @virt_id of @dev is being created. Called
 *	with the device's virtual device lock held (it may take the driver's
 *	own per-device locks). Optional.
 * @vdevice_destroy: the virtual device of @dev goes away; called with the
 *	same lock held, before the virtual IOMMU may be destroyed. Optional.
 * @vevent_len: payload size of the events of an event queue @type the
 *	driver reports, 0 for a type it does not report. Optional (then no
 *	event queue can be created).
 * @hw_queue_init: let the IOMMU use the guest's queue @index of @type
 *	(IOMMU_HW_QUEUE_ALLOC) at physical address @base, @length bytes.
 *	iommufd pins the memory, physically contiguous, and keeps it mapped
 *	at its IOVA until @hw_queue_destroy; another queue of the type and
 *	index does not exist. Called with the virtual IOMMU's queue lock
 *	held, so it may call iommufd_hw_queue_depend(). Return 0, or
 *	-EOPNOTSUPP for a type the driver does not know, -EINVAL for an index
 *	out of range, another errno for userspace. Optional (then no queue
 *	can be created).
 * @hw_queue_destroy: undo @hw_queue_init; the queue's memory stays pinned
 *	until it returns. Called with the same lock held.
 * @node: iommufd's, while registered
 */
struct iommufd_viommu_ops {
	const struct iommu_ops *iommu_ops;
	u32 type;
	int (*init)(struct iommufd_viommu *viommu, struct device *dev,
		    struct iommu_domain *parent,
		    const struct iommu_user_data *user_data);
	void (*destroy)(struct iommufd_viommu *viommu);
	struct iommu_domain *
	(*alloc_domain_nested)(struct iommufd_viommu *viommu,
			       struct device *dev, u32 flags,
			       const struct iommu_user_data *user_data);
	int (*cache_invalidate)(struct iommufd_viommu *viommu,
				struct iommu_user_data_array *array);
	int (*vdevice_init)(struct iommufd_viommu *viommu, struct device *dev,
			    u64 virt_id);
	void (*vdevice_destroy)(struct iommufd_viommu *viommu,
				struct device *dev);
	size_t (*vevent_len)(struct iommufd_viommu *viommu, u32 type);
	int (*hw_queue_init)(struct iommufd_hw_queue *hwq,
			     struct iommufd_viommu *viommu, u32 type,
			     u32 index, phys_addr_t base, size_t length);
	void (*hw_queue_destroy)(struct iommufd_hw_queue *hwq);
	struct list_head node;
};

#if IS_ENABLED(CONFIG_IOMMUFD)
int iommufd_viommu_register(struct iommufd_viommu_ops *ops);
void iommufd_viommu_unregister(struct iommufd_viommu_ops *ops);
void *iommufd_viommu_drvdata(struct iommufd_viommu *viommu);
void iommufd_viommu_set_drvdata(struct iommufd_viommu *viommu, void *data);
int iommufd_viommu_alloc_mmap(struct iommufd_viommu *viommu,
			      phys_addr_t base, size_t length, bool mmio,
			      u64 *offset);
void iommufd_viommu_destroy_mmap(struct iommufd_viommu *viommu, u64 offset);
int iommufd_viommu_vdev_call(struct iommufd_viommu *viommu, u64 virt_id,
			     void (*fn)(struct device *dev, void *arg),
			     void *arg);
int iommufd_viommu_report_event(struct iommufd_viommu *viommu, u32 type,
				const void *payload, size_t len);
int iommufd_hw_queue_depend(struct iommufd_hw_queue *hwq, u32 index);
void *iommufd_hw_queue_drvdata(struct iommufd_hw_queue *hwq);
void iommufd_hw_queue_set_drvdata(struct iommufd_hw_queue *hwq, void *data);
#endif

#endif
