// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu: the character device, the ioctl dispatcher, IOMMU_DESTROY,
 * IOMMU_OPTION and the context kAPI used by VFIO.
 *
 * Every iommufd ioctl takes a pointer to a struct that starts with a u32
 * size.  The dispatcher copies it in following the extensible-struct rules
 * (copy_struct_from_user()) after checking that it covers at least the
 * command's mandatory fields.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iommufd.h>

#include "fault.h"
#include "hw_queue.h"
#include "hwpt.h"
#include "ioas.h"
#include "object.h"
#include "selftest.h"
#include "veventq.h"
#include "vfio_compat.h"
#include "viommu.h"

static const struct file_operations iommufd_file_ops;
static struct miscdevice iommufd_miscdev;

static int iommufd_open(struct inode *inode, struct file *filp)
{
	struct iommufd_vfio_ctx *vctx;
	struct iommufd_ctx *ictx;

	/* Every context can be a VFIO container: its state comes with it */
	vctx = kzalloc(sizeof(*vctx), GFP_KERNEL_ACCOUNT);
	if (!vctx)
		return -ENOMEM;
	ictx = &vctx->ictx;

	xa_init_flags(&ictx->obj_table, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	xa_init_flags(&ictx->mmaps, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	init_waitqueue_head(&ictx->unref_wait);
	mutex_init(&ictx->lock);
	iommufd_vfio_groups_init(ictx);
	/*
	 * /dev/iommu charges the user's locked memory.  A legacy container
	 * (/dev/vfio/vfio) charges the process's, as VFIO type1 does and as
	 * its users expect: several VMs of one user, each limited to its own
	 * RAM.
	 */
	if (IS_ENABLED(CONFIG_IOMMUFD_VFIO_CONTAINER) &&
	    iminor(inode) == VFIO_MINOR)
		ictx->acct_mode = IOMMUFD_ACCOUNT_MM;
	else
		ictx->acct_mode = IOMMUFD_ACCOUNT_USER;
	ictx->file = filp;
	ictx->dev = iommufd_miscdev.this_device;
	filp->private_data = ictx;
	return 0;
}

static int iommufd_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;

	iommufd_obj_destroy_all(ictx);
	xa_destroy(&ictx->obj_table);
	/* Every region went with the object that made it */
	WARN_ON(!xa_empty(&ictx->mmaps));
	xa_destroy(&ictx->mmaps);
	iommufd_vfio_groups_destroy(ictx);
	mutex_destroy(&ictx->lock);
	kfree(iommufd_vfio_ctx(ictx));
	return 0;
}

/**
 * iommufd_do_destroy - IOMMU_DESTROY
 * @call: the ioctl call
 *
 * Return: 0, -ENOENT for an unknown ID, -EBUSY for an object in use.
 */
static int iommufd_do_destroy(struct iommufd_call *call)
{
	struct iommu_destroy *arg = call->args;

	return iommufd_obj_destroy_by_id(call->ictx, arg->id);
}

/*
 * The accounting mode is global to the context.  Pages objects capture the
 * mode they were created under, and the mode may only change while the
 * context has no objects at all, so no charge outlives the mode it was made
 * under.
 */
static int iommufd_option_rlimit_mode(struct iommu_option *arg,
				      struct iommufd_ctx *ictx)
{
	int rc = 0;

	if (arg->object_id)
		return -EOPNOTSUPP;

	if (arg->op == IOMMU_OPTION_OP_GET) {
		arg->val64 = ictx->acct_mode == IOMMUFD_ACCOUNT_MM;
		return 0;
	}

	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;
	if (arg->val64 > 1)
		return -EINVAL;

	mutex_lock(&ictx->lock);
	xa_lock(&ictx->obj_table);
	if (!xa_empty(&ictx->obj_table))
		rc = -EBUSY;
	else
		ictx->acct_mode = arg->val64 ? IOMMUFD_ACCOUNT_MM :
						  IOMMUFD_ACCOUNT_USER;
	xa_unlock(&ictx->obj_table);
	mutex_unlock(&ictx->lock);
	return rc;
}

/**
 * iommufd_do_option - IOMMU_OPTION
 * @call: the ioctl call
 *
 * Return: 0 or a negative errno; the value read is copied back on success.
 */
static int iommufd_do_option(struct iommufd_call *call)
{
	struct iommu_option *arg = call->args;
	int rc;

	if (arg->__reserved)
		return -EOPNOTSUPP;
	if (arg->op != IOMMU_OPTION_OP_SET && arg->op != IOMMU_OPTION_OP_GET)
		return -EOPNOTSUPP;

	switch (arg->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(arg, call->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_set_option(call);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	if (arg->op == IOMMU_OPTION_OP_GET)
		return iommufd_call_reply(call, sizeof(*arg));
	return 0;
}

/* Large enough for every command struct */
union iommufd_cmd_space {
	struct iommu_destroy destroy_cmd;
	struct iommu_fault_alloc fault_cmd;
	struct iommu_hw_info info_cmd;
	struct iommu_hwpt_alloc hwpt_cmd;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap_cmd;
	struct iommu_hwpt_invalidate cache_cmd;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking_cmd;
	struct iommu_ioas_alloc alloc_cmd;
	struct iommu_ioas_allow_iovas allow_iovas_cmd;
	struct iommu_ioas_copy ioas_copy_cmd;
	struct iommu_ioas_iova_ranges iova_ranges_cmd;
	struct iommu_ioas_map map_cmd;
	struct iommu_ioas_map_file map_file_cmd;
	struct iommu_ioas_change_process change_process_cmd;
	struct iommu_ioas_noiommu_get_pa noiommu_get_pa_cmd;
	struct iommu_ioas_unmap unmap_cmd;
	struct iommu_option option_cmd;
	struct iommu_vfio_ioas vfio_ioas_cmd;
	struct iommu_viommu_alloc viommu_cmd;
	struct iommu_vdevice_alloc vdevice_cmd;
	struct iommu_veventq_alloc veventq_cmd;
#ifdef CONFIG_IOMMUFD_TEST
	struct iommu_test_cmd test_cmd;
#endif
};

/**
 * struct iommufd_cmd_desc - one entry of the dispatch table
 * @size: size of the kernel's command struct
 * @min_size: smallest size userspace may pass (end of the last mandatory
 *	field)
 * @execute: handler
 *
 * Every request is _IO(IOMMUFD_TYPE, nr) with nr the entry's index plus
 * IOMMUFD_CMD_BASE; anything else with that nr is refused.
 */
struct iommufd_cmd_desc {
	unsigned int size;
	unsigned int min_size;
	int (*execute)(struct iommufd_call *call);
};

/* The test command has no IOMMUFD_CMD_ number of its own in the uAPI */
#define IOMMUFD_CMD_TEST _IOC_NR(IOMMU_TEST_CMD)

/* Table entry for IOMMUFD_CMD_<_name> taking <_type>, up to field <_last> */
#define CMD_DESC(_name, _type, _last, _fn)				\
	[IOMMUFD_CMD_##_name - IOMMUFD_CMD_BASE] = {			\
		.size = sizeof(_type) +					\
			BUILD_BUG_ON_ZERO(sizeof(_type) >		\
					  sizeof(union iommufd_cmd_space)), \
		.min_size = offsetofend(_type, _last),			\
		.execute = _fn,						\
	}

/* Test builds decode the syzkaller IOVAs of IOAS_COPY first (selftest.c) */
#ifdef CONFIG_IOMMUFD_TEST
#define iommufd_ioas_copy_handler iommufd_test_ioas_copy
#else
#define iommufd_ioas_copy_handler iommufd_do_ioas_copy
#endif

/*
 * HWPT_ALLOC and HWPT_INVALIDATE go through viommu.c, which takes a virtual
 * IOMMU as their ID and hands anything else on to hwpt.c.
 */
static const struct iommufd_cmd_desc iommufd_cmd_table[] = {
	CMD_DESC(DESTROY, struct iommu_destroy,
		 id, iommufd_do_destroy),
	CMD_DESC(FAULT_QUEUE_ALLOC, struct iommu_fault_alloc,
		 out_fault_fd, iommufd_do_fault_alloc),
	CMD_DESC(GET_HW_INFO, struct iommu_hw_info,
		 __reserved, iommufd_do_get_hw_info),
	CMD_DESC(HWPT_ALLOC, struct iommu_hwpt_alloc,
		 __reserved, iommufd_do_hwpt_alloc_any),
	CMD_DESC(HWPT_GET_DIRTY_BITMAP, struct iommu_hwpt_get_dirty_bitmap,
		 data, iommufd_do_hwpt_get_dirty),
	CMD_DESC(HWPT_INVALIDATE, struct iommu_hwpt_invalidate,
		 __reserved, iommufd_do_hwpt_invalidate_any),
	CMD_DESC(HW_QUEUE_ALLOC, struct iommu_hw_queue_alloc,
		 length, iommufd_do_hw_queue_alloc),
	CMD_DESC(HWPT_SET_DIRTY_TRACKING, struct iommu_hwpt_set_dirty_tracking,
		 __reserved, iommufd_do_hwpt_set_dirty),
	CMD_DESC(IOAS_ALLOC, struct iommu_ioas_alloc,
		 out_ioas_id, iommufd_do_ioas_alloc),
	CMD_DESC(IOAS_CHANGE_PROCESS, struct iommu_ioas_change_process,
		 __reserved, iommufd_do_ioas_change_process),
	CMD_DESC(IOAS_ALLOW_IOVAS, struct iommu_ioas_allow_iovas,
		 allowed_iovas, iommufd_do_ioas_allow_iovas),
	CMD_DESC(IOAS_COPY, struct iommu_ioas_copy,
		 src_iova, iommufd_ioas_copy_handler),
	CMD_DESC(IOAS_IOVA_RANGES, struct iommu_ioas_iova_ranges,
		 out_iova_alignment, iommufd_do_ioas_iova_ranges),
	CMD_DESC(IOAS_MAP, struct iommu_ioas_map,
		 iova, iommufd_do_ioas_map),
	CMD_DESC(IOAS_MAP_FILE, struct iommu_ioas_map_file,
		 iova, iommufd_do_ioas_map_file),
	CMD_DESC(IOAS_NOIOMMU_GET_PA, struct iommu_ioas_noiommu_get_pa,
		 out_phys, iommufd_do_ioas_noiommu_get_pa),
	CMD_DESC(IOAS_UNMAP, struct iommu_ioas_unmap,
		 length, iommufd_do_ioas_unmap),
	CMD_DESC(OPTION, struct iommu_option,
		 val64, iommufd_do_option),
	CMD_DESC(VFIO_IOAS, struct iommu_vfio_ioas,
		 __reserved, iommufd_do_vfio_ioas),
	/* The 6.13 struct ended at out_viommu_id: 24 bytes, no driver data */
	CMD_DESC(VIOMMU_ALLOC, struct iommu_viommu_alloc,
		 out_viommu_id, iommufd_do_viommu_alloc),
	CMD_DESC(VDEVICE_ALLOC, struct iommu_vdevice_alloc,
		 virt_id, iommufd_do_vdevice_alloc),
	CMD_DESC(VEVENTQ_ALLOC, struct iommu_veventq_alloc,
		 __reserved, iommufd_do_veventq_alloc),
#ifdef CONFIG_IOMMUFD_TEST
	CMD_DESC(TEST, struct iommu_test_cmd,
		 last, iommufd_do_test),
#endif
};

static long iommufd_ioctl(struct file *filp, unsigned int req,
			  unsigned long uarg)
{
	struct iommufd_ctx *ictx = filp->private_data;
	const struct iommufd_cmd_desc *op;
	union iommufd_cmd_space buf;
	struct iommufd_call call = {
		.ictx = ictx,
		.ubuf = (void __user *)uarg,
		.args = &buf,
	};
	unsigned int nr = _IOC_NR(req);
	int rc;

	if (nr < IOMMUFD_CMD_BASE ||
	    nr >= IOMMUFD_CMD_BASE + ARRAY_SIZE(iommufd_cmd_table))
		return iommufd_vfio_ioctl(ictx, req, uarg);

	op = &iommufd_cmd_table[nr - IOMMUFD_CMD_BASE];
	if (!op->execute || req != _IO(IOMMUFD_TYPE, nr))
		return -ENOTTY;

	if (get_user(call.usize, (u32 __user *)call.ubuf))
		return -EFAULT;
	if (call.usize < op->min_size)
		return -EINVAL;
	rc = copy_struct_from_user(call.args, op->size, call.ubuf,
				   call.usize);
	if (rc)
		return rc;
	return op->execute(&call);
}

static int iommufd_fops_mmap(struct file *filp, struct vm_area_struct *vma)
{
	return iommufd_viommu_mmap(filp->private_data, vma);
}

static const struct file_operations iommufd_file_ops = {
	.owner = THIS_MODULE,
	.open = iommufd_open,
	.release = iommufd_release,
	.unlocked_ioctl = iommufd_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = iommufd_fops_mmap,
};

/**
 * iommufd_ctx_from_file - get the context of an open /dev/iommu file
 * @file: file
 *
 * Return: the context with a reference held (drop it with
 * iommufd_ctx_put()), or ERR_PTR(-EBADFD) if @file is not /dev/iommu.
 */
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file)
{
	struct iommufd_ctx *ictx;

	if (file->f_op != &iommufd_file_ops)
		return ERR_PTR(-EBADFD);
	ictx = file->private_data;
	iommufd_ctx_get(ictx);
	return ictx;
}
EXPORT_SYMBOL_GPL(iommufd_ctx_from_file);

/**
 * iommufd_ctx_from_fd - get the context of a /dev/iommu file descriptor
 * @fd: file descriptor of the calling process
 *
 * Return: the context with a reference held, ERR_PTR(-EBADF) for a bad fd
 * or ERR_PTR(-EBADFD) if it is not /dev/iommu.
 */
struct iommufd_ctx *iommufd_ctx_from_fd(int fd)
{
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &iommufd_file_ops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	/* The reference taken by fget() becomes the context's reference. */
	return file->private_data;
}
EXPORT_SYMBOL_GPL(iommufd_ctx_from_fd);

static struct miscdevice iommufd_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu",
	.fops = &iommufd_file_ops,
	.nodename = "iommu",
	.mode = 0660,
};

#ifdef CONFIG_IOMMUFD_VFIO_CONTAINER
/*
 * The legacy VFIO container, served as an iommufd context (the container
 * ioctls are vfio_container.c's, and /dev/iommu takes them as well).  World
 * accessible like VFIO's own container: a container by itself gives access
 * to no device; that comes from the group files.
 */
static struct miscdevice iommufd_vfio_miscdev = {
	.minor = VFIO_MINOR,
	.name = "vfio",
	.fops = &iommufd_file_ops,
	.nodename = "vfio/vfio",
	.mode = 0666,
};

static int iommufd_vfio_misc_register(void)
{
	return misc_register(&iommufd_vfio_miscdev);
}

static void iommufd_vfio_misc_deregister(void)
{
	misc_deregister(&iommufd_vfio_miscdev);
}

MODULE_ALIAS_MISCDEV(VFIO_MINOR);
MODULE_ALIAS("devname:vfio/vfio");
#else
static int iommufd_vfio_misc_register(void)
{
	return 0;
}

static void iommufd_vfio_misc_deregister(void)
{
}
#endif

static int __init iommufd_module_init(void)
{
	int rc;

	rc = upages_dmabuf_init();
	if (rc)
		return rc;
	rc = misc_register(&iommufd_miscdev);
	if (rc)
		goto err_dmabuf;
	rc = iommufd_vfio_misc_register();
	if (rc)
		goto err_misc;

#ifdef CONFIG_IOMMUFD_TEST
	iommufd_fail_init();
	rc = iommufd_test_init();
	if (rc)
		goto err_vfio;
#endif
	return 0;

#ifdef CONFIG_IOMMUFD_TEST
err_vfio:
	iommufd_vfio_misc_deregister();
#endif
err_misc:
	misc_deregister(&iommufd_miscdev);
err_dmabuf:
	upages_dmabuf_exit();
	return rc;
}

static void __exit iommufd_module_exit(void)
{
#ifdef CONFIG_IOMMUFD_TEST
	iommufd_test_exit();
#endif
	iommufd_vfio_misc_deregister();
	misc_deregister(&iommufd_miscdev);
	upages_dmabuf_exit();
}

module_init(iommufd_module_init);
module_exit(iommufd_module_exit);

MODULE_DESCRIPTION("I/O address space management for passthrough devices");
MODULE_LICENSE("GPL");
