// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test mock's dma-buf exporter (IOMMU_TEST_OP_DMABUF_GET and
 * IOMMU_TEST_OP_DMABUF_REVOKE): a buffer of physically contiguous pages
 * that reports its physical range (dma_buf_ops.get_phys_range) the way
 * VFIO reports a PCI BAR, so that IOAS_MAP_FILE of a dma-buf and its
 * revocation can be tested without a device.  It is an exporter like any
 * other: iommufd learns nothing from it that VFIO would not tell.
 *
 * The buffer can be mmap()ed, so that a test can write it and compare the
 * pages behind its mapping with what a mock domain maps
 * (IOMMU_TEST_OP_MD_CHECK_MAP).  It is dynamic (pin/unpin, which have
 * nothing to do: the pages never move) and cannot be mapped for a device
 * through a scatterlist.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "selftest_iommu.h"

/* Largest buffer: one allocation of contiguous pages */
#define MOCK_DMABUF_MAX_SIZE	SZ_4M

/**
 * struct mock_dmabuf - a mock dma-buf
 * @memory: its pages (alloc_pages_exact(), each with its own reference)
 * @length: its length in bytes
 * @revoked: revoked by IOMMU_TEST_OP_DMABUF_REVOKE (reservation lock)
 */
struct mock_dmabuf {
	void *memory;
	size_t length;
	bool revoked;
};

static int mock_dmabuf_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void mock_dmabuf_unpin(struct dma_buf_attachment *attach)
{
}

static struct sg_table *mock_dmabuf_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void mock_dmabuf_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
}

static void mock_dmabuf_release(struct dma_buf *dmabuf)
{
	struct mock_dmabuf *mdb = dmabuf->priv;

	free_pages_exact(mdb->memory, mdb->length);
	kfree(mdb);
}

static int mock_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct mock_dmabuf *mdb = dmabuf->priv;
	unsigned long npages = PAGE_ALIGN(mdb->length) >> PAGE_SHIFT;
	unsigned long i, n = vma_pages(vma);
	int rc;

	if (vma->vm_pgoff >= npages || n > npages - vma->vm_pgoff)
		return -EINVAL;
	for (i = 0; i != n; i++) {
		rc = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				    virt_to_page(mdb->memory) +
				    vma->vm_pgoff + i);
		if (rc)
			return rc;
	}
	return 0;
}

static int mock_dmabuf_get_phys_range(struct dma_buf_attachment *attach,
				      struct dma_buf_phys_range *range)
{
	struct mock_dmabuf *mdb = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (mdb->revoked)
		return -ENODEV;
	range->phys = virt_to_phys(mdb->memory);
	range->len = mdb->length;
	range->mmio = false;
	return 0;
}

static const struct dma_buf_ops mock_dmabuf_ops = {
	.pin = mock_dmabuf_pin,
	.unpin = mock_dmabuf_unpin,
	.map_dma_buf = mock_dmabuf_map,
	.unmap_dma_buf = mock_dmabuf_unmap,
	.release = mock_dmabuf_release,
	.mmap = mock_dmabuf_mmap,
	.get_phys_range = mock_dmabuf_get_phys_range,
};

/**
 * mock_op_dmabuf_get - IOMMU_TEST_OP_DMABUF_GET
 * @call: the call
 * @arg: the command: @arg->dmabuf_get.length bytes, its file opened with
 *	@arg->dmabuf_get.open_flags (O_ACCMODE and O_CLOEXEC)
 *
 * Return: the new dma-buf's fd, or -EINVAL for a length of 0 or above
 * 4 MiB or other open flags, -ENOMEM.
 */
int mock_op_dmabuf_get(struct iommufd_call *call, struct iommu_test_cmd *arg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	u32 flags = arg->dmabuf_get.open_flags;
	struct mock_dmabuf *mdb;
	struct dma_buf *dmabuf;
	int rc;

	if (!arg->dmabuf_get.length ||
	    arg->dmabuf_get.length > MOCK_DMABUF_MAX_SIZE ||
	    (flags & ~(O_ACCMODE | O_CLOEXEC)))
		return -EINVAL;

	mdb = kzalloc(sizeof(*mdb), GFP_KERNEL);
	if (!mdb)
		return -ENOMEM;
	mdb->length = arg->dmabuf_get.length;
	mdb->memory = alloc_pages_exact(mdb->length, GFP_KERNEL | __GFP_ZERO);
	if (!mdb->memory) {
		rc = -ENOMEM;
		goto err_free;
	}

	exp_info.ops = &mock_dmabuf_ops;
	exp_info.size = mdb->length;
	exp_info.flags = flags;
	exp_info.priv = mdb;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		rc = PTR_ERR(dmabuf);
		goto err_pages;
	}
	/* From here on the buffer frees mdb (mock_dmabuf_release()) */
	rc = dma_buf_fd(dmabuf, flags);
	if (rc < 0)
		dma_buf_put(dmabuf);
	return rc;

err_pages:
	free_pages_exact(mdb->memory, mdb->length);
err_free:
	kfree(mdb);
	return rc;
}

/**
 * mock_op_dmabuf_revoke - IOMMU_TEST_OP_DMABUF_REVOKE
 * @call: the call
 * @arg: the command: revoke (@arg->dmabuf_revoke.revoked non-zero) or
 *	restore the mock dma-buf @arg->dmabuf_revoke.dmabuf_fd
 *
 * Revoking tells every importer (dma_buf_move_notify()) before it returns,
 * as VFIO does when it resets or closes a device; restoring tells nobody.
 *
 * Return: 0, -EBADF, or -EINVAL if the fd is not a mock dma-buf.
 */
int mock_op_dmabuf_revoke(struct iommufd_call *call,
			  struct iommu_test_cmd *arg)
{
	bool revoked = arg->dmabuf_revoke.revoked;
	struct mock_dmabuf *mdb;
	struct dma_buf *dmabuf;
	int rc = 0;

	dmabuf = dma_buf_get(arg->dmabuf_revoke.dmabuf_fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (dmabuf->ops != &mock_dmabuf_ops) {
		rc = -EINVAL;
		goto out_put;
	}
	mdb = dmabuf->priv;

	dma_resv_lock(dmabuf->resv, NULL);
	if (revoked && !mdb->revoked) {
		mdb->revoked = true;
		dma_buf_move_notify(dmabuf);
	}
	mdb->revoked = revoked;
	dma_resv_unlock(dmabuf->resv);
out_put:
	dma_buf_put(dmabuf);
	return rc;
}
