// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iommufd test mock (CONFIG_IOMMUFD_TEST): IOMMU_TEST_CMD, which creates
 * devices of the mock IOMMU (selftest_iommu.c) and binds and attaches them
 * through the kAPI, checks what the core put into mock domains and drives
 * access objects, and the syzkaller IOVAs of IOAS_COPY.
 *
 * Dangerous: it lets userspace read physical addresses and inject faults.
 * Never enable it on a production kernel.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/iommufd_viommu.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>

#include "access.h"
#include "device.h"
#include "hwpt.h"
#include "ioas.h"
#include "selftest.h"
#include "selftest_iommu.h"

/* Works on a partly built object too, so it also serves as the abort */
static void selftest_obj_destroy(struct iommufd_obj *obj)
{
	struct mock_stdev *sobj = container_of(obj, struct mock_stdev, obj);

	if (sobj->attached) {
		down_write(&sobj->mockdev->lock);
		iommufd_device_detach(sobj->idev);
		up_write(&sobj->mockdev->lock);
	}
	if (sobj->idev)
		mock_stdev_detach_pasids(sobj);
	if (sobj->idev)
		iommufd_device_unbind(sobj->idev);
	if (sobj->mockdev)
		mockdev_destroy(sobj->mockdev);
}

static const struct iommufd_obj_ops selftest_obj_ops = {
	.release = selftest_obj_destroy,
};

/* IOMMU_TEST_OP_MOCK_DOMAIN and IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS */
static int mock_op_mock_domain(struct iommufd_call *call,
			       struct iommu_test_cmd *arg)
{
	u32 dev_flags = arg->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS ?
			arg->mock_domain_flags.dev_flags : 0;
	struct mock_stdev *sobj;
	u32 pt_id = arg->id;
	u32 idev_id;
	int rc;

	sobj = iommufd_obj_new(call->ictx, sobj, IOMMUFD_OBJ_SELFTEST,
			       &selftest_obj_ops);
	if (IS_ERR(sobj))
		return PTR_ERR(sobj);

	sobj->mockdev = mockdev_create(dev_flags);
	if (IS_ERR(sobj->mockdev)) {
		rc = PTR_ERR(sobj->mockdev);
		sobj->mockdev = NULL;
		goto err_abort;
	}

	/* The selftest object is the binder, inside the context */
	sobj->idev = iommufd_device_bind_internal(call->ictx,
						  &sobj->mockdev->dev, &idev_id);
	if (IS_ERR(sobj->idev)) {
		rc = PTR_ERR(sobj->idev);
		sobj->idev = NULL;
		goto err_abort;
	}

	down_write(&sobj->mockdev->lock);
	rc = iommufd_device_attach(sobj->idev, &pt_id);
	up_write(&sobj->mockdev->lock);
	if (rc)
		goto err_abort;
	sobj->attached = true;

	arg->mock_domain.out_stdev_id = sobj->obj.id;
	arg->mock_domain.out_hwpt_id = pt_id;
	arg->mock_domain.out_idev_id = idev_id;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		goto err_abort;
	iommufd_obj_publish(call->ictx, &sobj->obj);
	return 0;

err_abort:
	iommufd_obj_discard(call->ictx, &sobj->obj);
	return rc;
}

/* IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: the replacement stands even if the copy-out fails */
static int mock_op_mock_domain_replace(struct iommufd_call *call,
				       struct iommu_test_cmd *arg)
{
	u32 pt_id = arg->mock_domain_replace.pt_id;
	struct iommufd_obj *obj;
	struct mock_stdev *sobj;
	int rc;

	obj = iommufd_obj_find(call->ictx, arg->id, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	sobj = container_of(obj, struct mock_stdev, obj);

	down_write(&sobj->mockdev->lock);
	rc = iommufd_device_replace(sobj->idev, &pt_id);
	up_write(&sobj->mockdev->lock);
	if (!rc) {
		arg->mock_domain_replace.pt_id = pt_id;
		rc = iommufd_call_reply(call, sizeof(*arg));
	}
	iommufd_obj_put(call->ictx, obj);
	return rc;
}

/* IOMMU_TEST_OP_ADD_RESERVED */
static int mock_op_add_reserved(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	u64 start = arg->add_reserved.start;
	struct iommufd_ioas *ioas;
	u64 last;
	int rc;

	if (!arg->add_reserved.length)
		return -EINVAL;
	if (check_add_overflow(start, arg->add_reserved.length - 1, &last) ||
	    last > ULONG_MAX)
		return -EOVERFLOW;

	ioas = iommufd_ioas_find(call->ictx, arg->id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = isp_reserve(&ioas->isp, start, last, NULL);
	iommufd_obj_put(call->ictx, &ioas->obj);
	return rc;
}

/* The CPU page behind a user address, faulted in for reading */
static int mock_op_get_page(unsigned long uptr, struct page **page)
{
	int rc;

	rc = get_user_pages_fast(ALIGN_DOWN(uptr, PAGE_SIZE), 1, 0, page);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0 : -EFAULT;
}

static struct mock_pt *
mock_op_get_paging(struct iommufd_call *call, u32 id,
		   struct iommufd_paging_hwpt **paging)
{
	struct mock_pt *pt;

	*paging = iommufd_paging_hwpt_find(call->ictx, id);
	if (IS_ERR(*paging))
		return ERR_CAST(*paging);
	pt = mock_pt_from_domain((*paging)->base.domain);
	if (!pt) {
		iommufd_obj_put(call->ictx, &(*paging)->base.obj);
		return ERR_PTR(-EINVAL);
	}
	return pt;
}

/* IOMMU_TEST_OP_MD_CHECK_MAP: the domain maps the IOVA onto the user memory */
static int mock_op_md_check_map(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	unsigned long va = arg->check_map.iova;
	unsigned long uptr = arg->check_map.uptr;
	u64 left = arg->check_map.length;
	struct iommufd_paging_hwpt *paging;
	struct mock_pt *pt;
	unsigned long end;
	int rc = 0;

	if (va % MOCK_IO_PAGE_SIZE || left % MOCK_IO_PAGE_SIZE ||
	    uptr % MOCK_IO_PAGE_SIZE ||
	    check_add_overflow(uptr, (unsigned long)left, &end) ||
	    left > ULONG_MAX)
		return -EINVAL;

	pt = mock_op_get_paging(call, arg->id, &paging);
	if (IS_ERR(pt))
		return PTR_ERR(pt);

	for (; left; left -= MOCK_IO_PAGE_SIZE) {
		struct page *page;
		phys_addr_t expected;

		rc = mock_op_get_page(uptr, &page);
		if (rc)
			break;
		expected = page_to_phys(page) + offset_in_page(uptr);
		put_page(page);

		if (!mock_pt_maps(pt, va, expected)) {
			rc = -EINVAL;
			break;
		}
		va += MOCK_IO_PAGE_SIZE;
		uptr += MOCK_IO_PAGE_SIZE;
	}
	iommufd_obj_put(call->ictx, &paging->base.obj);
	return rc;
}

/* IOMMU_TEST_OP_MD_CHECK_REFS: DMA pins of every small page */
static int mock_op_md_check_refs(struct iommufd_call *call,
				 struct iommu_test_cmd *arg)
{
	unsigned long uptr = arg->check_refs.uptr;
	u64 length = arg->check_refs.length;
	unsigned long end;
	int rc = 0;

	if (length % PAGE_SIZE || uptr % PAGE_SIZE || length > ULONG_MAX ||
	    check_add_overflow(uptr, (unsigned long)length, &end))
		return -EINVAL;

	for (; length; length -= PAGE_SIZE, uptr += PAGE_SIZE) {
		struct page *page;

		rc = mock_op_get_page(uptr, &page);
		if (rc)
			return rc;
		/* Pins of huge pages are per folio; they are not checked */
		if (!folio_test_large(page_folio(page)) &&
		    page_ref_count(page) / GUP_PIN_COUNTING_BIAS !=
		    arg->check_refs.refs)
			rc = -EIO;
		put_page(page);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * struct mock_access_file - the private state of an access fd
 * @acc: the access object
 * @needs_pin_pages: created with MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES
 * @lock: protects @items and @next_id; held across pinning (lock order:
 *	common.h)
 * @items: pinned ranges (struct mock_pin_item)
 * @next_id: ID of the next item; IDs are never reused
 */
struct mock_access_file {
	struct iommufd_access *acc;
	bool needs_pin_pages;
	struct mutex lock; /* protects items, next_id */
	struct list_head items;
	unsigned int next_id;
};

struct mock_pin_item {
	struct list_head node;
	unsigned long iova;
	size_t length;
	unsigned int id;
};

static void selftest_access_drop_item(struct mock_access_file *afile,
				      struct mock_pin_item *pin)
{
	iommufd_access_unpin_pages(afile->acc, pin->iova, pin->length);
	list_del(&pin->node);
	kfree(pin);
}

/* ACCESS_RW hands its flags, but MOCK_FLAGS_ACCESS_SYZ, to the kAPI */
static_assert((unsigned int)MOCK_ACCESS_RW_WRITE ==
	      (unsigned int)IOMMUFD_ACCESS_RW_WRITE);
static_assert((unsigned int)MOCK_ACCESS_RW_SLOW_PATH ==
	      (unsigned int)__IOMMUFD_ACCESS_RW_SLOW_PATH);

/* The unmap callback: drop every item intersecting the range */
static void selftest_access_unmap(void *data, unsigned long iova,
				  unsigned long length)
{
	unsigned long last = iova + length - 1;
	struct mock_access_file *afile = data;
	struct mock_pin_item *pin, *tmp;

	mutex_lock(&afile->lock);
	list_for_each_entry_safe(pin, tmp, &afile->items, node) {
		if (pin->iova > last || pin->iova + pin->length - 1 < iova)
			continue;
		selftest_access_drop_item(afile, pin);
	}
	mutex_unlock(&afile->lock);
}

static const struct iommufd_access_ops mock_access_ops_pin = {
	.needs_pin_pages = 1,
	.unmap = selftest_access_unmap,
};

static const struct iommufd_access_ops mock_access_ops = {
	.unmap = selftest_access_unmap,
};

/*
 * Destroying the access detaches it, and detaching first has the owner drop
 * every pin through the unmap callback, as vfio's emulated devices expect:
 * the mock relies on that, so no item is left to drop here.
 */
static int selftest_access_release(struct inode *inode, struct file *filep)
{
	struct mock_access_file *afile = filep->private_data;
	struct mock_pin_item *pin, *tmp;

	iommufd_access_destroy(afile->acc);
	/* Items left behind would be pins the core forgot: leak, don't unpin */
	WARN_ON_ONCE(!list_empty(&afile->items));
	list_for_each_entry_safe(pin, tmp, &afile->items, node)
		kfree(pin);
	mutex_destroy(&afile->lock);
	kfree(afile);
	return 0;
}

static const struct file_operations selftest_access_fops = {
	.owner = THIS_MODULE,
	.release = selftest_access_release,
};

/* Returns the access behind fd with a file reference, or -EBADFD */
static struct mock_access_file *selftest_access_get(int fd, struct file **file)
{
	*file = fget(fd);
	if (!*file)
		return ERR_PTR(-EBADFD);
	if ((*file)->f_op != &selftest_access_fops) {
		fput(*file);
		return ERR_PTR(-EBADFD);
	}
	return (*file)->private_data;
}

/* IOMMU_TEST_OP_CREATE_ACCESS */
static int mock_op_create_access(struct iommufd_call *call,
				 struct iommu_test_cmd *arg)
{
	bool pin = arg->create_access.flags &
		   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	struct mock_access_file *afile;
	struct file *file;
	int newfd, rc;
	u32 id;

	if (arg->create_access.flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;

	afile = kzalloc(sizeof(*afile), GFP_KERNEL_ACCOUNT);
	if (!afile)
		return -ENOMEM;
	mutex_init(&afile->lock);
	INIT_LIST_HEAD(&afile->items);
	afile->needs_pin_pages = pin;

	newfd = get_unused_fd_flags(O_CLOEXEC);
	if (newfd < 0) {
		rc = -ENOMEM;
		goto err_free;
	}

	afile->acc = iommufd_access_create(call->ictx,
					   pin ? &mock_access_ops_pin :
					   &mock_access_ops,
					   afile, &id);
	if (IS_ERR(afile->acc)) {
		rc = PTR_ERR(afile->acc);
		goto err_put_fd;
	}
	rc = iommufd_access_attach(afile->acc, arg->id);
	if (rc)
		goto err_destroy;

	file = anon_inode_getfile("[iommufd_mock_access]",
				  &selftest_access_fops, afile, O_RDWR);
	if (IS_ERR(file)) {
		rc = PTR_ERR(file);
		goto err_destroy;
	}

	arg->create_access.out_access_fd = newfd;
	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc) {
		/* The release undoes everything from here on */
		fput(file);
		put_unused_fd(newfd);
		return rc;
	}
	fd_install(newfd, file);
	return 0;

err_destroy:
	iommufd_access_destroy(afile->acc);
err_put_fd:
	put_unused_fd(newfd);
err_free:
	mutex_destroy(&afile->lock);
	kfree(afile);
	return rc;
}

/* Drop the item @id if the unmap callback has not already; 0 or -ENOENT */
static int selftest_access_drop_id(struct mock_access_file *afile,
				   unsigned int id)
{
	struct mock_pin_item *pin;
	int rc = -ENOENT;

	mutex_lock(&afile->lock);
	list_for_each_entry(pin, &afile->items, node) {
		if (pin->id == id) {
			selftest_access_drop_item(afile, pin);
			rc = 0;
			break;
		}
	}
	mutex_unlock(&afile->lock);
	return rc;
}

/* IOMMU_TEST_OP_DESTROY_ACCESS_PAGES */
static int mock_op_destroy_access_pages(struct iommufd_call *call,
					struct iommu_test_cmd *arg)
{
	unsigned int id = arg->destroy_access_pages.access_pages_id;
	struct mock_access_file *afile;
	struct file *file;
	int rc;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);
	rc = selftest_access_drop_id(afile, id);
	fput(file);
	return rc;
}

/* Are the pinned pages those behind uptr? iova sets the offset in the page */
static int selftest_access_check_pages(struct page **pagev, size_t npages,
				       unsigned long uptr, unsigned long iova)
{
	unsigned long cur = uptr - offset_in_page(iova);
	struct page *page;
	size_t i;
	int rc;

	for (i = 0; i != npages; i++, cur += PAGE_SIZE) {
		rc = mock_op_get_page(cur, &page);
		if (rc)
			return rc;
		put_page(page);
		if (page != pagev[i])
			return -EBADE;
	}
	return 0;
}

/* IOMMU_TEST_OP_ACCESS_PAGES */
static int mock_op_access_pages(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	const u32 valid_flags = MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ;
	unsigned int flags = arg->access_pages.flags;
	unsigned long iova = arg->access_pages.iova;
	size_t length = arg->access_pages.length;
	struct mock_pin_item *pin;
	struct mock_access_file *afile;
	struct page **pagev = NULL;
	struct file *file;
	size_t npages;
	int rc;

	if (arg->access_pages.length > SZ_16M)
		return -ENOMEM;
	if (flags & ~valid_flags)
		return -EOPNOTSUPP;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);
	if (!afile->needs_pin_pages) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_access_syz_iova(afile->acc,
					       arg->access_pages.iova);

	npages = DIV_ROUND_UP(length + offset_in_page(iova), PAGE_SIZE);
	pagev = kvcalloc(npages, sizeof(*pagev), GFP_KERNEL_ACCOUNT);
	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pagev || !pin) {
		rc = -ENOMEM;
		goto out_free;
	}

	/*
	 * Pinned, checked and listed under the lock, so that the unmap
	 * callback finds every pin and an ID is only taken by a good pin
	 * (the contract's order); reported without it, since the callback
	 * must not wait for our copy-out (it may drop the item meanwhile,
	 * which leaves nothing to undo).
	 */
	mutex_lock(&afile->lock);
	rc = iommufd_access_pin_pages(afile->acc, iova, length, pagev,
				      flags & MOCK_FLAGS_ACCESS_WRITE ?
				      IOMMUFD_ACCESS_RW_WRITE : 0);
	if (rc)
		goto out_unlock;
	if (arg->access_pages.uptr) {
		rc = selftest_access_check_pages(pagev, npages,
						 arg->access_pages.uptr, iova);
		if (rc) {
			iommufd_access_unpin_pages(afile->acc, iova, length);
			goto out_unlock;
		}
	}
	pin->iova = iova;
	pin->length = length;
	pin->id = afile->next_id++;
	list_add_tail(&pin->node, &afile->items);
	arg->access_pages.out_access_pages_id = pin->id;
	pin = NULL;
out_unlock:
	mutex_unlock(&afile->lock);
	if (rc)
		goto out_free;

	rc = iommufd_call_reply(call, sizeof(*arg));
	if (rc)
		selftest_access_drop_id(afile,
					arg->access_pages.out_access_pages_id);
out_free:
	kfree(pin);
	kvfree(pagev);
out_put:
	fput(file);
	return rc;
}

/* IOMMU_TEST_OP_ACCESS_RW */
static int mock_op_access_rw(struct iommufd_call *call,
			     struct iommu_test_cmd *arg)
{
	const unsigned int valid = MOCK_ACCESS_RW_WRITE |
				   MOCK_ACCESS_RW_SLOW_PATH |
				   MOCK_FLAGS_ACCESS_SYZ;
	void __user *uptr = u64_to_user_ptr(arg->access_rw.uptr);
	unsigned int flags = arg->access_rw.flags;
	unsigned long iova = arg->access_rw.iova;
	size_t length = arg->access_rw.length;
	struct mock_access_file *afile;
	struct file *file;
	void *buf;
	int rc;

	if (arg->access_rw.length > SZ_16M)
		return -ENOMEM;
	if (flags & ~valid)
		return -EOPNOTSUPP;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);

	buf = kvzalloc(length, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		rc = -ENOMEM;
		goto out_put;
	}
	if ((flags & MOCK_ACCESS_RW_WRITE) && copy_from_user(buf, uptr, length)) {
		rc = -EFAULT;
		goto out_free;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_access_syz_iova(afile->acc,
					       arg->access_rw.iova);

	rc = iommufd_access_rw(afile->acc, iova, buf, length,
			       flags & ~MOCK_FLAGS_ACCESS_SYZ);
	if (!rc && !(flags & MOCK_ACCESS_RW_WRITE) &&
	    copy_to_user(uptr, buf, length))
		rc = -EFAULT;

out_free:
	kvfree(buf);
out_put:
	fput(file);
	return rc;
}

/* IOMMU_TEST_OP_ACCESS_REPLACE_IOAS */
static int mock_op_access_replace_ioas(struct iommufd_call *call,
				       struct iommu_test_cmd *arg)
{
	struct mock_access_file *afile;
	struct file *file;
	int rc;

	afile = selftest_access_get(arg->id, &file);
	if (IS_ERR(afile))
		return PTR_ERR(afile);
	rc = iommufd_access_replace(afile->acc,
				    arg->access_replace_ioas.ioas_id);
	fput(file);
	return rc;
}

/* IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT */
static int mock_op_set_temp_memory_limit(struct iommufd_call *call,
					 struct iommu_test_cmd *arg)
{
	return iommufd_set_temp_memory_limit(arg->memory_limit.limit);
}

/*
 * IOMMU_TEST_OP_DIRTY: bit i stands for the page_size bytes at iova + i *
 * page_size; every populated slot of a set bit's page is marked dirty, and
 * the bits that found at least one are counted.  With page_size equal to
 * the mock's IO page size that is one slot per bit.
 */
static int mock_op_dirty(struct iommufd_call *call,
			 struct iommu_test_cmd *arg)
{
	u64 page_size = arg->dirty.page_size;
	u64 length = arg->dirty.length;
	u64 iova = arg->dirty.iova;
	struct iommufd_paging_hwpt *paging;
	unsigned long nbits, i, count = 0;
	unsigned long *bitmap;
	struct mock_pt *pt;
	u64 last;
	int rc;

	if (!page_size || !length || iova % page_size || length % page_size ||
	    !arg->dirty.uptr)
		return -EINVAL;
	if (length / page_size > SZ_16M * BITS_PER_BYTE ||
	    check_add_overflow(iova, length - 1, &last) || last > ULONG_MAX)
		return -EOVERFLOW;
	nbits = length / page_size;

	pt = mock_op_get_paging(call, arg->id, &paging);
	if (IS_ERR(pt))
		return PTR_ERR(pt);
	if (!pt->dirty_tracking) {
		rc = -EINVAL;
		goto out_put;
	}

	bitmap = kvzalloc(BITS_TO_LONGS(nbits) * sizeof(long),
			  GFP_KERNEL_ACCOUNT);
	if (!bitmap) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (copy_from_user(bitmap, u64_to_user_ptr(arg->dirty.uptr),
			   DIV_ROUND_UP(nbits, BITS_PER_BYTE))) {
		rc = -EFAULT;
		goto out_free;
	}
	for_each_set_bit(i, bitmap, nbits) {
		count += mock_pt_mark_dirty(pt, iova + i * page_size,
					    page_size);
		cond_resched();
	}
	arg->dirty.out_nr_dirty = count;
	rc = iommufd_call_reply(call, sizeof(*arg));

out_free:
	kvfree(bitmap);
out_put:
	iommufd_obj_put(call->ictx, &paging->base.obj);
	return rc;
}

/* IOMMU_TEST_OP_MD_CHECK_IOTLB */
static int mock_op_md_check_iotlb(struct iommufd_call *call,
				  struct iommu_test_cmd *arg)
{
	struct iommufd_nested_hwpt *nested;
	struct mock_nested *mock;
	int rc = 0;

	nested = iommufd_nested_hwpt_find(call->ictx, arg->id);
	if (IS_ERR(nested))
		return PTR_ERR(nested);
	mock = mock_nested_from_domain(nested->base.domain);
	if (!mock || arg->check_iotlb.id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX ||
	    mock->tlb_tags[arg->check_iotlb.id] != arg->check_iotlb.iotlb)
		rc = -EINVAL;
	iommufd_obj_put(call->ictx, &nested->base.obj);
	return rc;
}

/* IOMMU_TEST_OP_TRIGGER_IOPF: report one page request synchronously */
static int mock_op_trigger_iopf(struct iommufd_call *call,
				struct iommu_test_cmd *arg)
{
	struct iopf_fault evt = {
		.fault = {
			.type = IOMMU_FAULT_PAGE_REQ,
			.prm = {
				.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
				.addr = arg->trigger_iopf.addr,
				.pasid = arg->trigger_iopf.pasid,
				.grpid = arg->trigger_iopf.grpid,
				.perm = arg->trigger_iopf.perm,
			},
		},
	};
	struct iommufd_device *idev;
	struct mock_dev *mockdev;

	if (arg->trigger_iopf.pasid)
		evt.fault.prm.flags |= IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;

	idev = iommufd_device_find(call->ictx, arg->trigger_iopf.dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	if (!mockdev_is(idev->dev)) {
		iommufd_obj_put(call->ictx, &idev->obj);
		return -EINVAL;
	}
	mockdev = to_mock_dev(idev->dev);

	down_read(&mockdev->lock);
	/* What becomes of the fault is the fault layer's business */
	iommu_report_device_fault(idev->dev, &evt);
	up_read(&mockdev->lock);
	iommufd_obj_put(call->ictx, &idev->obj);
	return 0;
}

/* The mock device behind a device object ID, with a reference held */
static struct iommufd_device *mock_op_get_mockdev(struct iommufd_call *call,
						  u32 id)
{
	struct iommufd_device *idev;

	idev = iommufd_device_find(call->ictx, id);
	if (IS_ERR(idev))
		return idev;
	if (!mockdev_is(idev->dev)) {
		iommufd_obj_put(call->ictx, &idev->obj);
		return ERR_PTR(-EINVAL);
	}
	return idev;
}

/* IOMMU_TEST_OP_DEV_CHECK_CACHE */
static int mock_op_dev_check_cache(struct iommufd_call *call,
				   struct iommu_test_cmd *arg)
{
	struct iommufd_device *idev;
	struct mock_dev *mockdev;
	int rc = 0;

	idev = mock_op_get_mockdev(call, arg->id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	mockdev = to_mock_dev(idev->dev);
	if (arg->check_dev_cache.id > MOCK_DEV_CACHE_ID_MAX ||
	    READ_ONCE(mockdev->cache[arg->check_dev_cache.id]) !=
	    arg->check_dev_cache.cache)
		rc = -EINVAL;
	iommufd_obj_put(call->ictx, &idev->obj);
	return rc;
}

/*
 * IOMMU_TEST_OP_TRIGGER_VEVENT: the device reports one event to the virtual
 * IOMMU it has a virtual device on (ENOENT without one, EOPNOTSUPP if that
 * has no IOMMU_VEVENTQ_TYPE_SELFTEST queue). An event dropped because the
 * queue is full counts as reported: the reader learns of it.
 */
static int mock_op_trigger_vevent(struct iommufd_call *call,
				  struct iommu_test_cmd *arg)
{
	struct iommu_viommu_event_selftest event;
	struct iommufd_device *idev;
	struct mock_dev *mockdev;
	int rc = -ENOENT;

	idev = mock_op_get_mockdev(call, arg->trigger_vevent.dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	mockdev = to_mock_dev(idev->dev);

	/* The virtual device cannot go away meanwhile */
	down_read(&mockdev->lock);
	if (mockdev->viommu) {
		event.virt_id = mockdev->virt_id;
		rc = iommufd_viommu_report_event(mockdev->viommu,
						 IOMMU_VEVENTQ_TYPE_SELFTEST,
						 &event, sizeof(event));
		if (rc == -EOVERFLOW)
			rc = 0;
	}
	up_read(&mockdev->lock);
	iommufd_obj_put(call->ictx, &idev->obj);
	return rc;
}

/**
 * iommufd_test_ioas_copy - IOMMU_IOAS_COPY of test builds
 * @call: the command, struct iommu_ioas_copy
 *
 * Test builds accept the syzkaller IOVA encoding for src_iova, flagged by
 * MOCK_FLAGS_ACCESS_SYZ: main.c dispatches IOAS_COPY here, which decodes
 * it against the source IOAS (0 if there is no such IOAS or mapping),
 * consumes the flag and hands the call on to the IOAS code.
 *
 * Return: what iommufd_do_ioas_copy() returns.
 */
int iommufd_test_ioas_copy(struct iommufd_call *call)
{
	struct iommu_ioas_copy *arg = call->args;
	struct iommufd_ioas *src;

	if (arg->flags & MOCK_FLAGS_ACCESS_SYZ) {
		arg->flags &= ~MOCK_FLAGS_ACCESS_SYZ;
		src = iommufd_ioas_find(call->ictx, arg->src_ioas_id);
		if (!IS_ERR(src)) {
			arg->src_iova = isp_syz_iova_to_iova(&src->isp,
							     arg->src_iova);
			iommufd_obj_put(call->ictx, &src->obj);
		}
	}
	return iommufd_do_ioas_copy(call);
}

/* Handler of each IOMMU_TEST_CMD op; a hole means -EOPNOTSUPP */
static int (*const mock_op_handlers[])(struct iommufd_call *call,
				       struct iommu_test_cmd *arg) = {
	[IOMMU_TEST_OP_ADD_RESERVED] = mock_op_add_reserved,
	[IOMMU_TEST_OP_MOCK_DOMAIN] = mock_op_mock_domain,
	[IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS] = mock_op_mock_domain,
	[IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE] = mock_op_mock_domain_replace,
	[IOMMU_TEST_OP_MD_CHECK_MAP] = mock_op_md_check_map,
	[IOMMU_TEST_OP_MD_CHECK_REFS] = mock_op_md_check_refs,
	[IOMMU_TEST_OP_CREATE_ACCESS] = mock_op_create_access,
	[IOMMU_TEST_OP_DESTROY_ACCESS_PAGES] = mock_op_destroy_access_pages,
	[IOMMU_TEST_OP_ACCESS_PAGES] = mock_op_access_pages,
	[IOMMU_TEST_OP_ACCESS_RW] = mock_op_access_rw,
	[IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT] = mock_op_set_temp_memory_limit,
	[IOMMU_TEST_OP_ACCESS_REPLACE_IOAS] = mock_op_access_replace_ioas,
	[IOMMU_TEST_OP_DIRTY] = mock_op_dirty,
	[IOMMU_TEST_OP_MD_CHECK_IOTLB] = mock_op_md_check_iotlb,
	[IOMMU_TEST_OP_TRIGGER_IOPF] = mock_op_trigger_iopf,
	[IOMMU_TEST_OP_DEV_CHECK_CACHE] = mock_op_dev_check_cache,
	[IOMMU_TEST_OP_TRIGGER_VEVENT] = mock_op_trigger_vevent,
	[IOMMU_TEST_OP_PASID_ATTACH] = mock_op_pasid,
	[IOMMU_TEST_OP_PASID_REPLACE] = mock_op_pasid,
	[IOMMU_TEST_OP_PASID_DETACH] = mock_op_pasid,
	[IOMMU_TEST_OP_PASID_CHECK_HWPT] = mock_op_pasid,
	[IOMMU_TEST_OP_DMABUF_GET] = mock_op_dmabuf_get,
	[IOMMU_TEST_OP_DMABUF_REVOKE] = mock_op_dmabuf_revoke,
};

/**
 * iommufd_do_test - Handle IOMMU_TEST_CMD
 * @call: the command, struct iommu_test_cmd
 *
 * Return: 0 or an error code for userspace.
 */
int iommufd_do_test(struct iommufd_call *call)
{
	struct iommu_test_cmd *arg = call->args;
	unsigned int op;

	if (arg->op >= ARRAY_SIZE(mock_op_handlers))
		return -EOPNOTSUPP;
	op = array_index_nospec(arg->op, ARRAY_SIZE(mock_op_handlers));
	if (!mock_op_handlers[op])
		return -EOPNOTSUPP;
	return mock_op_handlers[op](call, arg);
}
