/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every layer of iommufd shares: the check of a (start, length) range,
 * and the test hooks of CONFIG_IOMMUFD_TEST (test_hooks.c): fault injection
 * and the limit of temporary memory per pinning batch.
 *
 * Layer: common, the lowest of ours.  Included by any file; includes
 * nothing of ours.  Without CONFIG_IOMMUFD_TEST the hooks are constants
 * the compiler folds away, so no production path depends on the mock.
 */
#ifndef __IOMMUFD_COMMON_H
#define __IOMMUFD_COMMON_H

/*
 * Lock order
 * ==========
 *
 * Every lock of iommufd, outermost first.  A lock may be taken while
 * holding the ones above it, never one above it while holding it; two
 * locks of the same line are never held together.  Each lock's own
 * comment says what it protects and points here.
 *
 * -1. a dma-buf's reservation lock (dma_resv, the exporter's; the
 *     dma-buf core orders mmap_lock before it): the exporter revokes a
 *     buffer under it with dma_buf_move_notify(), and our move_notify
 *     (pages_dmabuf.c) takes upages_dmabuf.lock (10.) and the IOMMU
 *     driver's locks under it.  We take it only with none of our locks
 *     held: creating a pages object of a dma-buf (attach, reading the
 *     physical range) and detaching from the buffer when the object is
 *     freed, which a work item does because the last upages_put() may
 *     come under the iova_space locks
 *  0. iommufd_device.vdev_lock (device.h): creating a device's virtual
 *     device and taking it down (IOMMU_DESTROY, unbind); the IOMMU
 *     driver's vdevice ops run under it and may take its own locks (the
 *     mock takes mock_dev.lock); iommufd_viommu.hw_queues_lock
 *     (viommu.h): creating and destroying a virtual IOMMU's hardware
 *     queues, the driver's hw_queue ops run under it; never held across
 *     pinning
 *  1. mock_dev.lock (selftest_iommu.h, test builds): around a mock
 *     device's attach, replace and detach, its fault and event reports and
 *     changes of its virtual device
 *  2. iommufd_vfio_groups.lock (object.h): the groups of a legacy VFIO
 *     container; held across pinning (VFIO_SET_IOMMU), never a user copy
 *  3. iommufd_ctx.lock (object.h): the accounting mode and the VFIO state
 *     of a context; the compat IOAS's release hook takes it
 *  4. iommufd_grp.lock (device.h): attach, replace and detach of an IOMMU
 *     group's devices; the IOMMU core's group mutex nests inside
 *  5. iommufd_ioas.hwpts_lock (ioas.h): the IOAS's automatic HWPTs, domain
 *     fill and dirty-tracking switches
 *  6. iommufd_access.attach_lock (access.c): attach, replace and detach of
 *     an access; held across the owner's unmap callback when leaving
 *  7. the access owner's own locks, which its unmap callback takes (the
 *     mock's mock_access_file.lock)
 *  8. iommufd_access.lock (access.c): held across pinning, unpinning and
 *     rw; never held while registering in an IOAS (isp_add_access() and
 *     isp_del_access() wait for unmap callbacks, which may take it)
 *  9. iova_space.acc_rwsem, then .dom_rwsem, then .tree_rwsem
 *     (iova_space.h); none is held across GUP, a user copy or an access's
 *     unmap callback
 * 10. upages.mutex (pages.h): a pages object's pins, PFNs and charges,
 *     and its holders' source domains; the mm's locks (GUP, accounting)
 *     and the IOMMU driver's (mapping, unmapping a holder's source and
 *     reading PFNs back from it) nest inside.
 *     upages_dmabuf.lock (pages_dmabuf.c): a dma-buf's domain mappings
 *     and revoked state; the IOMMU driver's locks nest inside; never
 *     held with upages.mutex, taken under the reservation lock (-1.)
 * 11. leaves, under which nothing of ours is taken:
 *     iommufd_fault.lock (fault.c, a spinlock, taken under iommufd_grp.lock
 *     when a detach answers faults), the object table's xa_lock (object.c)
 *     and iommufd_grps_lock (device.c); iommufd_viommu.veventqs_lock
 *     (viommu.h, a spinlock, taken under mock_dev.lock by event reports)
 *     with iommufd_veventq.lock (veventq.c) nested inside it; the xa_lock
 *     of iommufd_viommu.vdevs (viommu.h), held around a driver's
 *     iommufd_viommu_vdev_call() callback; iommufd_viommu_drivers_lock
 *     (viommu.c)
 *
 * Object references are not locks: a lookup may be held across any of
 * these, and iommufd_obj_destroy_held() waits for lookups, so it is never
 * called with a lock held that a lookup's holder may wait for.
 */

#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/types.h>

/**
 * iommufd_range_last - last byte of the range [@start, @start + @length)
 * @start: first byte (an IOVA or a user address)
 * @length: number of bytes
 * @last: output: @start + @length - 1
 *
 * Every ioctl and kAPI entry point that takes a (start, length) pair checks
 * it through this, so an empty range and a wrapping one fail the same way
 * everywhere.
 *
 * Return: 0, -EINVAL if @length is 0, -EOVERFLOW if the range wraps.
 */
static inline int iommufd_range_last(unsigned long start, unsigned long length,
				     unsigned long *last)
{
	if (!length)
		return -EINVAL;
	return check_add_overflow(start, length - 1, last) ? -EOVERFLOW : 0;
}

/*
 * Upper bound, in bytes, of each temporary allocation made while pinning
 * (the array of page pointers handed to pin_user_pages*()).  Test builds
 * may lower it (IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT) down to 12 bytes to
 * force tiny batches.
 */
#define IOMMUFD_TEMP_MEMORY_LIMIT 65536U

#ifdef CONFIG_IOMMUFD_TEST
/**
 * iommufd_inject_failure - test-only fault-injection point
 *
 * Consults the fail_iommufd fault attribute (debugfs
 * /sys/kernel/debug/fail_iommufd, and the per-task fail-nth countdown).
 * Every call is one fault-injectable evaluation, so it is made at these
 * points only, each failing as the operation can fail anyway:
 *
 *  - iommufd_obj_find(): the object is not found (-ENOENT);
 *  - isp_reserve_dev_regions(): attaching a device fails (-EINVAL);
 *  - upages_account(): the charge is refused (-ENOMEM);
 *  - upages_pin_span(): no page array (-ENOMEM);
 *  - upages_pin_batch(): GUP fails (-EFAULT);
 *  - upages_record_batch(): half the batch is recorded, the rest unpinned;
 *  - upages_rw_unpinned(): a copy through an unpinned page fails (-EINVAL);
 *  - the mock domain's map_pages (selftest_iommu.c): the IOMMU map fails.
 *
 * Return: true if the caller must fail now.
 */
bool iommufd_inject_failure(void);
void iommufd_fail_init(void);

unsigned int iommufd_temp_memory_limit(void);
int iommufd_set_temp_memory_limit(unsigned int limit);
#else
static inline bool iommufd_inject_failure(void)
{
	return false;
}

/* IOMMUFD_TEMP_MEMORY_LIMIT; test builds may lower it */
static inline unsigned int iommufd_temp_memory_limit(void)
{
	return IOMMUFD_TEMP_MEMORY_LIMIT;
}
#endif

#endif
