// SPDX-License-Identifier: GPL-2.0-only
/*
 * Systematic fault injection into sequences of iommufd ioctls.
 *
 * For n = 1, 2, ... the n-th fault-injectable evaluation made by this thread
 * (slab and page allocations, and iommufd's own fail_iommufd points) is made
 * to fail through /proc/thread-self/fail-nth, and a fixed sequence of
 * ioctls is run. The sweep ends with the first n the sequence no longer
 * reaches, at which point the sequence must succeed. After every iteration:
 *
 *  - the same file still works (new IOAS, map, unmap),
 *  - closing it and opening a new one leaves no page pinned,
 *  - the kernel has not hit a WARN (TAINT_WARN did not appear).
 *
 * fault_inject_utils.h sets the fault attributes so that sleeping
 * allocations count, user page faults never fail and nothing but this
 * thread's armed countdown fires, and restores them afterwards.
 *
 * The "twice" variant makes a second allocation fail right after the n-th
 * evaluation: failslab's probability path (probability 100, times 2, this
 * task marked make-it-fail) is only consulted once the fail-nth countdown
 * has run out, so the n-th evaluation fails through fail-nth and the next
 * slab allocation through the probability path.  Retry paths (an xarray
 * store whose atomic allocation failed and whose retry fails as well) are
 * only reached that way.
 */
#include <sys/stat.h>

#include "fault_inject_utils.h"
#include "legacy_utils.h"
#include "viommu_utils.h"

#define MAX_NTH 5000
#define NR_PAGES 16

FIXTURE(fail_nth) {
	struct fault_inject fi;
	void *buf;
	void *buf2;
	size_t len;
	int mfd;
	unsigned long taint;
};

FIXTURE_VARIANT(fail_nth) {
	__u32 temp_limit;
	bool twice;
};

FIXTURE_VARIANT_ADD(fail_nth, default_limit) {
	.temp_limit = 0,
};

FIXTURE_VARIANT_ADD(fail_nth, limit16) {
	.temp_limit = 16,
};

FIXTURE_VARIANT_ADD(fail_nth, limit32) {
	.temp_limit = 32,
};

FIXTURE_VARIANT_ADD(fail_nth, twice) {
	.twice = true,
};

FIXTURE_SETUP(fail_nth)
{
	int fd;

	fault_inject_init(&self->fi);
	self->mfd = -1;
	fd = ifd_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	if (!mock_available(fd)) {
		close(fd);
		SKIP(return, "kernel without CONFIG_IOMMUFD_TEST");
	}
	close(fd);

	if (!fault_inject_available("fail_iommufd"))
		SKIP(return, "no " FAULT_INJECT_DEBUGFS "/fail_iommufd");
	if (fault_inject_open(&self->fi))
		SKIP(return, "no fail-nth or make-it-fail in /proc/thread-self: %s",
		     strerror(errno));

	self->len = NR_PAGES * page_sz;
	self->buf = buf_alloc(self->len, BUF_SMALL);
	self->buf2 = buf_alloc(self->len, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->buf2);
	self->taint = kernel_taint();

	/* Last: the teardown, which restores it, skips a failed setup */
	ASSERT_OK(fault_inject_configure(&self->fi));
	if (variant->twice)
		ASSERT_EQ(0, fault_inject_write("failslab", "probability",
						"100")) {
			fault_inject_restore(&self->fi);
		}
}

FIXTURE_TEARDOWN(fail_nth)
{
	int fd;

	fault_inject_restore(&self->fi);
	if (variant->temp_limit) {
		fd = ifd_open();
		mock_set_temp_memory_limit(fd, MOCK_TEMP_MEMORY_LIMIT_DEFAULT);
		close(fd);
	}
}

/* ---------------------------------------------------------------------- */
/* The sequences                                                           */
/* ---------------------------------------------------------------------- */

struct seq {
	int fd;
	char *buf;
	char *buf2;
	size_t len;
	char *huge;		/* optional huge page backed buffer */
	size_t huge_len;
	int mfd;		/* a memfd the huge buffer maps, or -1 */
	int access_fd[2];
};

#define BASE ((__u64)MOCK_APERTURE_START)

/* IOAS only: map, automatic map, copy within and across IOASes, unmap */
static int seq_ioas(struct seq *s)
{
	struct iommu_iova_range r[4];
	__u32 a, b, num = 4;
	__u64 iova, iova2;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (ifd_ioas_alloc(s->fd, &b))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf, s->len, BASE))
		return -1;
	if (ifd_map(s->fd, a, s->buf2, s->len / 2, &iova))
		return -1;
	if (ifd_copy(s->fd, b, &iova2, a, BASE, s->len, MAP_RW))
		return -1;
	iova2 = BASE + 4 * s->len;
	if (ifd_copy(s->fd, a, &iova2, a, BASE + page_sz, 2 * page_sz,
		     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA))
		return -1;
	/* The top page: automatic IOVA may have used the bottom one */
	if (mock_add_reserved(s->fd, b, -(__u64)page_sz, page_sz))
		return -1;
	if (ifd_iova_ranges(s->fd, b, r, &num, NULL))
		return -1;
	if (ifd_allow_iovas(s->fd, b, &r[0], 1))
		return -1;
	if (ifd_option_set(s->fd, IOMMU_OPTION_HUGE_PAGES, b, 0))
		return -1;
	if (ifd_unmap(s->fd, a, BASE, s->len, NULL))
		return -1;
	if (ifd_unmap(s->fd, b, 0, UINT64_MAX, NULL))
		return -1;
	return ifd_destroy(s->fd, a);
}

/* Mock domains: fill on attach, map through domains, replace, detach */
static int seq_domain(struct seq *s)
{
	__u32 a, b, stdev1, stdev2, pt;
	__u64 iova;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (ifd_ioas_alloc(s->fd, &b))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf, s->len, BASE))
		return -1;
	if (mock_domain(s->fd, a, &stdev1, NULL, NULL))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf2, s->len, BASE + s->len))
		return -1;
	if (ifd_map(s->fd, a, s->buf2 + page_sz / 2, page_sz, &iova))
		return -1;
	if (mock_domain_flags(s->fd, a, MOCK_FLAGS_DEVICE_HUGE_IOVA, &stdev2,
			      NULL, NULL))
		return -1;
	if (ifd_copy(s->fd, a, &iova, a, BASE + page_sz, 2 * s->len -
		     2 * page_sz, MAP_RW))
		return -1;
	if (ifd_unmap(s->fd, a, BASE, s->len, NULL))
		return -1;
	pt = b;
	if (mock_domain_replace(s->fd, stdev2, &pt))
		return -1;
	if (ifd_map_fixed(s->fd, b, s->buf, s->len, BASE))
		return -1;
	if (ifd_destroy(s->fd, stdev1))
		return -1;
	if (ifd_unmap(s->fd, a, 0, UINT64_MAX, NULL))
		return -1;
	if (ifd_destroy(s->fd, a))
		return -1;
	return ifd_destroy(s->fd, stdev2);
}

/* Explicit HWPTs: allocation, fill, attach to them, destroy */
static int seq_hwpt(struct seq *s)
{
	__u32 a, stdev, idev, hwpt, stdev2;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf, s->len, BASE))
		return -1;
	if (mock_domain(s->fd, a, &stdev, NULL, &idev))
		return -1;
	if (ifd_hwpt_alloc(s->fd, idev, a, 0, &hwpt))
		return -1;
	if (mock_domain(s->fd, hwpt, &stdev2, NULL, NULL))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf2, s->len, BASE + s->len))
		return -1;
	if (ifd_destroy(s->fd, stdev2))
		return -1;
	if (ifd_destroy(s->fd, hwpt))
		return -1;
	return ifd_unmap(s->fd, a, 0, UINT64_MAX, NULL);
}

/* Access objects: pin, read/write both paths, unmap notify, replace */
static int seq_access(struct seq *s)
{
	unsigned char tmp[300];
	__u32 a, b, id;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (ifd_ioas_alloc(s->fd, &b))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf, s->len, BASE))
		return -1;
	if (ifd_map_fixed(s->fd, b, s->buf2, s->len, BASE))
		return -1;
	if (mock_access_create(s->fd, a,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
			       &s->access_fd[0]))
		return -1;
	if (mock_access_pages(s->fd, s->access_fd[0], MOCK_FLAGS_ACCESS_WRITE,
			      BASE + page_sz, 3 * page_sz, s->buf + page_sz,
			      &id))
		return -1;
	if (mock_domain(s->fd, a, NULL, NULL, NULL))
		return -1;
	if (mock_access_rw(s->fd, s->access_fd[0], BASE + page_sz - 100, tmp,
			   sizeof(tmp), 0))
		return -1;
	if (mock_access_rw(s->fd, s->access_fd[0], BASE + 2 * page_sz - 7,
			   tmp, sizeof(tmp), MOCK_ACCESS_RW_SLOW_PATH))
		return -1;
	if (mock_access_rw(s->fd, s->access_fd[0], BASE + 5, tmp,
			   sizeof(tmp), MOCK_ACCESS_RW_WRITE |
			   MOCK_ACCESS_RW_SLOW_PATH))
		return -1;
	if (mock_access_unpin(s->fd, s->access_fd[0], id))
		return -1;
	if (mock_access_pages(s->fd, s->access_fd[0], 0, BASE, s->len, NULL,
			      &id))
		return -1;
	/* The unmap has to make the access drop its pins */
	if (ifd_unmap(s->fd, a, 0, UINT64_MAX, NULL))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf, s->len, BASE))
		return -1;
	if (mock_access_pages(s->fd, s->access_fd[0], 0, BASE, page_sz,
			      s->buf, &id))
		return -1;
	if (mock_access_replace_ioas(s->fd, s->access_fd[0], b))
		return -1;
	if (mock_access_pages(s->fd, s->access_fd[0], 0, BASE, 2 * page_sz,
			      s->buf2, &id))
		return -1;
	if (mock_access_create(s->fd, b, 0, &s->access_fd[1]))
		return -1;
	return mock_access_rw(s->fd, s->access_fd[1], BASE + 3, tmp,
			      sizeof(tmp), MOCK_ACCESS_RW_WRITE);
}

/* Huge page backed memory into a domain with huge IO pages */
static int seq_huge(struct seq *s)
{
	size_t h = s->huge_len / 2;
	__u32 a, stdev, id;
	__u64 iova;
	int afd;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (mock_domain_flags(s->fd, a, MOCK_FLAGS_DEVICE_HUGE_IOVA, &stdev,
			      NULL, NULL))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->huge, s->huge_len, BASE))
		return -1;
	if (ifd_map(s->fd, a, s->huge + h / 2 + page_sz, h, &iova))
		return -1;
	if (ifd_copy(s->fd, a, &iova, a, BASE + h - page_sz, 2 * page_sz,
		     MAP_RW))
		return -1;
	if (mock_access_create(s->fd, a,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				&afd))
		return -1;
	s->access_fd[0] = afd;
	if (mock_access_pages(s->fd, afd, 0, BASE + h - 2 * page_sz,
			      4 * page_sz, NULL, &id))
		return -1;
	if (mock_domain(s->fd, a, NULL, NULL, NULL))
		return -1;
	if (ifd_destroy(s->fd, stdev))
		return -1;
	return ifd_unmap(s->fd, a, BASE, s->huge_len, NULL);
}

/*
 * A memfd by descriptor: fixed and automatic maps of it, a copy, access
 * reads (pinning through the file), a domain attached afterwards, a
 * change of process (a no-op from the owner, but it collects and charges
 * all the same) and unmap
 */
static int seq_file(struct seq *s)
{
	struct iommu_ioas_change_process cp = { .size = sizeof(cp) };
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.fd = s->mfd,
		.length = s->huge_len,
		.iova = BASE,
	};
	char tmp[64];
	__u32 a, b;
	__u64 iova;
	int afd;

	if (ifd_ioas_alloc(s->fd, &a) || ifd_ioas_alloc(s->fd, &b))
		return -1;
	mf.ioas_id = a;
	if (ioctl(s->fd, IOMMU_IOAS_MAP_FILE, &mf))
		return -1;
	if (mock_domain(s->fd, b, NULL, NULL, NULL))
		return -1;
	mf.ioas_id = b;
	mf.flags = MAP_RW;
	mf.start = page_sz;
	mf.length = 2 * page_sz;
	if (ioctl(s->fd, IOMMU_IOAS_MAP_FILE, &mf))
		return -1;
	if (ifd_copy(s->fd, b, &iova, a, BASE + page_sz, 3 * page_sz, MAP_RW))
		return -1;
	if (mock_access_create(s->fd, a, 0, &afd))
		return -1;
	s->access_fd[0] = afd;
	if (mock_access_rw(s->fd, afd, BASE + page_sz - 8, tmp, sizeof(tmp),
			   0))
		return -1;
	if (mock_domain(s->fd, a, NULL, NULL, NULL))
		return -1;
	if (ioctl(s->fd, IOMMU_IOAS_CHANGE_PROCESS, &cp))
		return -1;
	if (ifd_unmap(s->fd, b, iova, 3 * page_sz, NULL))
		return -1;
	return ifd_unmap(s->fd, a, BASE, s->huge_len, NULL);
}

/* ---------------------------------------------------------------------- */
/* The sweep                                                               */
/* ---------------------------------------------------------------------- */

/* The file still works after whatever happened to it */
static int still_usable(int fd, void *buf)
{
	__u32 ioas;
	__u64 iova;

	if (ifd_ioas_alloc(fd, &ioas))
		return -1;
	if (ifd_map(fd, ioas, buf, page_sz, &iova))
		return -1;
	if (ifd_unmap(fd, ioas, iova, page_sz, NULL))
		return -1;
	return ifd_destroy(fd, ioas);
}

/*
 * The legacy container on the same file: a type1 (v1) container on a compat
 * IOAS with a mock domain, a map, a v1 unmap that splits the mapping, the
 * capability chain of GET_INFO, and UNMAP_ALL.
 */
static int seq_legacy(struct seq *s)
{
	char info[256];
	__u32 a, stdev;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (mock_domain(s->fd, a, &stdev, NULL, NULL))
		return -1;
	if (vfio_ioas(s->fd, IOMMU_VFIO_IOAS_SET, &a))
		return -1;
	if (vc_set_iommu(s->fd, VFIO_TYPE1_IOMMU))
		return -1;
	if (vc_map(s->fd, s->buf, s->len, BASE, MAP_DMA_RW))
		return -1;
	if (vc_unmap(s->fd, BASE + 2 * page_sz, page_sz, 0, NULL))
		return -1;
	if (vc_get_info(s->fd, info, sizeof(info)))
		return -1;
	if (vc_unmap(s->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL))
		return -1;
	return ifd_destroy(s->fd, stdev);
}

/*
 * A PASID-capable mock device: its PASID width comes from a managed software
 * node, which device_add() links in sysfs and device_del() unlinks again,
 * also when device_add() fails halfway.
 */
static int seq_pasid(struct seq *s)
{
	__u32 a, stdev;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (mock_domain_flags(s->fd, a, MOCK_FLAGS_DEVICE_PASID, &stdev, NULL,
			      NULL))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf, s->len, BASE))
		return -1;
	return ifd_destroy(s->fd, stdev);
}

/*
 * Virtual IOMMU objects: a vIOMMU on a NEST_PARENT HWPT, its vDEVICE, an
 * event queue, a nested HWPT of the vIOMMU the device moves onto, an event
 * read back, an invalidation of the device cache, two hardware queues (the
 * second depending on the first) over the mapped memory, then the device
 * unbound under its vDEVICE and the rest destroyed.
 */
static int seq_viommu(struct seq *s)
{
	struct iommu_viommu_invalidate_selftest inv = {
		.vdev_id = 1, .cache_id = 2,
	};
	struct iommu_viommu_selftest data = { .in_data = 1 };
	struct viommu_env e;
	__u32 vdev, nested, q, pt, viommu2, hwq0, hwq1;
	struct mock_vevent rec;
	int qfd;

	if (viommu_env_build(&e, s->fd))
		return -1;
	if (ifd_map_fixed(s->fd, e.ioas_id, s->buf, s->len, BASE))
		return -1;
	if (viommu_alloc_sz(s->fd, sizeof(struct iommu_viommu_alloc),
			    IOMMU_VIOMMU_TYPE_SELFTEST, e.idev_id,
			    e.parent_id, &data, sizeof(data), &viommu2))
		return -1;
	if (vdevice_alloc(s->fd, e.viommu_id, e.idev_id, 1, &vdev))
		return -1;
	if (veventq_alloc(s->fd, e.viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 2,
			  &q, &qfd))
		return -1;
	s->access_fd[0] = qfd;	/* seq_close() closes it */
	if (viommu_nested_alloc(s->fd, e.idev_id, e.viommu_id, 0, 0, &nested))
		return -1;
	pt = nested;
	if (mock_domain_replace(s->fd, e.stdev_id, &pt))
		return -1;
	if (mock_trigger_vevent(s->fd, e.idev_id))
		return -1;
	if (read(qfd, &rec, sizeof(rec)) <= 0)
		return -1;
	if (viommu_invalidate(s->fd, e.viommu_id,
			      IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, &inv,
			      sizeof(inv), 1, NULL))
		return -1;
	if (mock_dev_check_cache(s->fd, e.idev_id, 2, 0))
		return -1;
	if (hw_queue_alloc(s->fd, e.viommu_id, 0, BASE, page_sz, &hwq0))
		return -1;
	if (hw_queue_alloc(s->fd, e.viommu_id, 1, BASE + 64, 64, &hwq1))
		return -1;
	if (ifd_destroy(s->fd, hwq1) || ifd_destroy(s->fd, hwq0))
		return -1;
	if (ifd_destroy(s->fd, e.stdev_id))
		return -1;
	if (ifd_destroy(s->fd, nested))
		return -1;
	close(qfd);
	s->access_fd[0] = -1;
	if (ifd_destroy(s->fd, q))
		return -1;
	if (ifd_destroy(s->fd, viommu2))
		return -1;
	return ifd_destroy(s->fd, e.viommu_id);
}

/*
 * PASID attachments: ALLOC_PASID HWPTs, the RID moved onto one, PASIDs
 * attached, replaced (also the replace the mock fails) and detached, and
 * the device unbound with PASIDs still attached.
 */
static int seq_pasid_attach(struct seq *s)
{
	__u32 a, stdev, idev, h1, h2, pt;

	if (ifd_ioas_alloc(s->fd, &a))
		return -1;
	if (ifd_map_fixed(s->fd, a, s->buf, s->len, BASE))
		return -1;
	if (mock_domain_flags(s->fd, a, MOCK_FLAGS_DEVICE_PASID, &stdev, NULL,
			      &idev))
		return -1;
	if (ifd_hwpt_alloc(s->fd, idev, a, IOMMU_HWPT_ALLOC_PASID, &h1) ||
	    ifd_hwpt_alloc(s->fd, idev, a, IOMMU_HWPT_ALLOC_PASID, &h2))
		return -1;
	pt = h1;
	if (mock_domain_replace(s->fd, stdev, &pt))
		return -1;
	if (mock_pasid_attach(s->fd, stdev, 1, h1) ||
	    mock_pasid_attach(s->fd, stdev, 2, h2) ||
	    mock_pasid_attach(s->fd, stdev, IOMMU_TEST_PASID_RESERVED, h1))
		return -1;
	if (mock_pasid_replace(s->fd, stdev, 1, h2) ||
	    mock_pasid_check(s->fd, stdev, 1, h2))
		return -1;
	if (!mock_pasid_replace(s->fd, stdev, IOMMU_TEST_PASID_RESERVED, h2) ||
	    mock_pasid_check(s->fd, stdev, IOMMU_TEST_PASID_RESERVED, h1))
		return -1;
	if (mock_pasid_detach(s->fd, stdev, 2) ||
	    mock_pasid_check(s->fd, stdev, 2, 0))
		return -1;
	if (ifd_destroy(s->fd, stdev))
		return -1;
	if (ifd_destroy(s->fd, h1) || ifd_destroy(s->fd, h2))
		return -1;
	return ifd_destroy(s->fd, a);
}

/*
 * dma-bufs of the mock's exporter: mapped before and after domains, copied,
 * revoked while mapped in two IOASes, unmapped.  The buffer's fd goes in
 * access_fd[1], for seq_close().
 */
static int seq_dmabuf(struct seq *s)
{
	struct iommu_test_cmd cmd = {
		.dmabuf_get = {
			.length = 4 * page_sz,
			.open_flags = O_RDWR | O_CLOEXEC,
		},
	};
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.length = 4 * page_sz,
		.iova = BASE,
	};
	__u32 a, b;
	__u64 iova;
	int dfd;

	dfd = mock_cmd(s->fd, IOMMU_TEST_OP_DMABUF_GET, &cmd);
	if (dfd < 0)
		return -1;
	s->access_fd[1] = dfd;
	if (ifd_ioas_alloc(s->fd, &a) || ifd_ioas_alloc(s->fd, &b))
		return -1;
	mf.ioas_id = a;
	mf.fd = dfd;
	if (ioctl(s->fd, IOMMU_IOAS_MAP_FILE, &mf))
		return -1;
	if (mock_domain(s->fd, a, NULL, NULL, NULL) ||
	    mock_domain(s->fd, b, NULL, NULL, NULL))
		return -1;
	mf.ioas_id = b;
	mf.flags = MAP_RW;
	mf.start = page_sz;
	mf.length = 2 * page_sz;
	if (ioctl(s->fd, IOMMU_IOAS_MAP_FILE, &mf))
		return -1;
	if (ifd_copy(s->fd, b, &iova, a, BASE, 2 * page_sz, MAP_RW))
		return -1;
	cmd = (struct iommu_test_cmd){
		.dmabuf_revoke = { .dmabuf_fd = dfd, .revoked = 1 },
	};
	if (mock_cmd(s->fd, IOMMU_TEST_OP_DMABUF_REVOKE, &cmd))
		return -1;
	if (ifd_unmap(s->fd, a, BASE, 4 * page_sz, NULL))
		return -1;
	return ifd_unmap(s->fd, b, 0, UINT64_MAX, NULL);
}

static void seq_close(struct seq *s)
{
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(s->access_fd); i++)
		if (s->access_fd[i] >= 0)
			close(s->access_fd[i]);
	close(s->fd);
}

static void sweep(struct __test_metadata *_metadata,
		  struct _test_data_fail_nth *self,
		  const struct _fixture_variant_fail_nth *variant,
		  int (*fn)(struct seq *s), char *huge, size_t huge_len)
{
	unsigned int n, failed = 0;
	__u32 limit = variant->temp_limit;
	bool injected;
	int rc, err, fd;

	for (n = 1; n != MAX_NTH; n++) {
		struct seq s = {
			.buf = self->buf,
			.buf2 = self->buf2,
			.len = self->len,
			.huge = huge,
			.huge_len = huge_len,
			.mfd = self->mfd,
			.access_fd = { -1, -1 },
		};

		s.fd = ifd_open();
		ASSERT_LE(0, s.fd);
		if (limit)
			ASSERT_OK(mock_set_temp_memory_limit(s.fd, limit));

		if (variant->twice) {
			ASSERT_OK(fault_inject_write("failslab", "times", "2"));
			ASSERT_OK(fault_inject_make_it_fail(&self->fi, true));
		}
		ASSERT_OK(fault_inject_nth_arm(&self->fi, n));
		rc = fn(&s);
		err = errno;
		injected = fault_inject_nth_disarm(&self->fi);
		if (variant->twice)
			ASSERT_OK(fault_inject_make_it_fail(&self->fi, false));

		if (rc)
			failed++;
		if (!injected && rc)
			TH_LOG("n=%u: sequence failed without injection: %s",
			       n, strerror(err));
		ASSERT_OK(still_usable(s.fd, self->buf2));
		seq_close(&s);

		/* No pin survives the file */
		fd = ifd_open();
		ASSERT_LE(0, fd);
		ASSERT_OK(mock_check_refs(fd, self->buf, self->len, 0));
		ASSERT_OK(mock_check_refs(fd, self->buf2, self->len, 0));
		if (huge && self->mfd >= 0)
			ASSERT_OK(mock_check_refs(fd, huge, huge_len, 0));
		close(fd);
		if ((kernel_taint() & TAINT_WARN_BIT) &&
		    !(self->taint & TAINT_WARN_BIT)) {
			TH_LOG("kernel WARN with fault %u", n);
			ASSERT_FALSE(true);
		}

		if (!injected) {
			ASSERT_EQ(0, rc);
			break;
		}
	}
	ASSERT_NE(MAX_NTH, n);
	/* The sequence must contain injectable points, and fail from them */
	ASSERT_LT(1, n);
	ASSERT_LT(0, failed);
	TH_LOG("%u fault points, %u made the sequence fail", n - 1, failed);
	if (self->taint & TAINT_WARN_BIT)
		TH_LOG("kernel was already tainted by a WARN; not checked");
}

TEST_F_TIMEOUT(fail_nth, ioas_map_unmap_copy, 600)
{
	sweep(_metadata, self, variant, seq_ioas, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, mock_domains, 600)
{
	sweep(_metadata, self, variant, seq_domain, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, explicit_hwpt, 600)
{
	sweep(_metadata, self, variant, seq_hwpt, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, access, 600)
{
	sweep(_metadata, self, variant, seq_access, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, legacy_container, 600)
{
	sweep(_metadata, self, variant, seq_legacy, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, pasid_device, 600)
{
	sweep(_metadata, self, variant, seq_pasid, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, viommu, 600)
{
	sweep(_metadata, self, variant, seq_viommu, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, pasid_attach, 600)
{
	sweep(_metadata, self, variant, seq_pasid_attach, NULL, 0);
}

TEST_F_TIMEOUT(fail_nth, huge_pages, 600)
{
	size_t hsize = hugetlb_page_size();
	char *huge = NULL;

	if (hsize)
		huge = buf_alloc(2 * hsize, BUF_HUGETLB);
	if (!huge) {
		hsize = THP_SIZE;
		huge = buf_alloc(2 * hsize, BUF_THP);
	}
	ASSERT_NE(NULL, huge);
	sweep(_metadata, self, variant, seq_huge, huge, 2 * hsize);
	munmap(huge, 2 * hsize);
}

TEST_F_TIMEOUT(fail_nth, map_file, 600)
{
	char *map;

	self->mfd = syscall(SYS_memfd_create, "fail-nth", 0);
	ASSERT_LE(0, self->mfd);
	ASSERT_OK(ftruncate(self->mfd, self->len));
	/* Only to check the pins from this side; the maps use the fd */
	map = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->mfd, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 0x5a, self->len);
	sweep(_metadata, self, variant, seq_file, map, self->len);
	munmap(map, self->len);
	close(self->mfd);
	self->mfd = -1;
}

TEST_F_TIMEOUT(fail_nth, dmabuf, 600)
{
	sweep(_metadata, self, variant, seq_dmabuf, NULL, 0);
}

/*
 * The set-up and its restore never let the probability path fire in
 * between. The settings found are live but for "times" 0, as a probability
 * test may leave them: failslab at probability 100 with task-filter N, so
 * that every slab allocation of every task fails as soon as times is not 0.
 * A sweep's set-up and restore (inner) must bring back exactly that;
 * restored in table order, probability 100 and task-filter N came back
 * while the sweep's times of -1 still stood, and the rest of the restore
 * and everything else on the machine failed.
 */
FIXTURE(fault_inject_order) {
	struct fault_inject outer;
	struct fault_inject inner;
};

FIXTURE_SETUP(fault_inject_order)
{
	fault_inject_init(&self->outer);
	fault_inject_init(&self->inner);
	if (!fault_inject_available("failslab"))
		SKIP(return, "no " FAULT_INJECT_DEBUGFS "/failslab");
	/* Inert, whatever was there, and restored in the teardown */
	ASSERT_OK(fault_inject_configure(&self->outer));
}

FIXTURE_TEARDOWN(fault_inject_order)
{
	fault_inject_restore(&self->inner);
	fault_inject_restore(&self->outer);
}

TEST_F(fault_inject_order, live_but_for_times)
{
	static const char *const live[][2] = {
		{ "times", "0" },
		{ "task-filter", "N" },
		{ "probability", "100" },
	};
	char path[128], val[32];
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(live); i++)
		ASSERT_OK(fault_inject_write("failslab", live[i][0],
					     live[i][1]));

	ASSERT_OK(fault_inject_configure(&self->inner));
	fault_inject_restore(&self->inner);

	for (i = 0; i != ARRAY_SIZE(live); i++) {
		snprintf(path, sizeof(path), FAULT_INJECT_DEBUGFS "/failslab/%s",
			 live[i][0]);
		ASSERT_LT(0, file_read_str(path, val, sizeof(val)));
		val[strcspn(val, "\n")] = 0;
		EXPECT_STREQ(live[i][1], val);
	}
}

TEST_HARNESS_MAIN
