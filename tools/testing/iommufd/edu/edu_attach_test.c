// SPDX-License-Identifier: GPL-2.0
/*
 * edu_attach_test - how a real device behind a real (emulated) IOMMU is
 * refused: the errors of VFIO_DEVICE_BIND_IOMMUFD, _ATTACH_IOMMUFD_PT and
 * _DETACH_IOMMUFD_PT, and what closing the device file unbinds.
 * IOMMU_HWPT_ALLOC and IOMMU_GET_HW_INFO for the device are in
 * edu_hwpt_test.c.
 *
 * A refused request must change nothing: after a failed attach the IOAS is
 * as it was and, for a replace, the device keeps doing DMA through its old
 * IOAS, which is proved with a real transfer.
 *
 * The device's reserved regions are read from
 * /sys/kernel/iommu_groups/N/reserved_regions, so nothing here hard-codes a
 * machine.
 *
 * Machines without an IOMMU cannot hand the device to vfio-pci: every test
 * skips there.
 */
#define _GNU_SOURCE
#include "edu_errno.h"

/* ---------------------------------------------------------------------- */
/* Raw requests and helpers of these tests                                 */
/* ---------------------------------------------------------------------- */

static int bind_raw(int devfd, int iommufd, __u32 flags, __u32 argsz,
		    __u32 *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = argsz,
		.flags = flags,
		.iommufd = iommufd,
		.out_devid = BAD_ID,
	};
	int rc;

	rc = ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (devid)
		*devid = bind.out_devid;
	return rc;
}

static int detach_raw(int devfd, __u32 flags, __u32 argsz)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = argsz,
		.flags = flags,
	};

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

/* Unmaps [@iova, +@len); returns the number of bytes unmapped, or -1 */
static long long unmap(int ifd, __u32 ioas_id, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = len,
	};

	if (ioctl(ifd, IOMMU_IOAS_UNMAP, &cmd))
		return -1;
	return cmd.length;
}

static int allow_iovas(int ifd, __u32 ioas_id, __u64 start, __u64 last)
{
	struct iommu_iova_range range = { .start = start, .last = last };
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)&range,
	};

	return ioctl(ifd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

/* Nothing ever narrowed @ioas_id: one range over everything, alignment 1 */
static bool ioas_untouched(int ifd, __u32 ioas_id)
{
	struct iommu_iova_range r[8];
	__u32 num = ARRAY_SIZE(r);
	__u64 align = 0;

	if (iova_ranges(ifd, ioas_id, r, &num, &align))
		return false;
	return num == 1 && !r[0].start && r[0].last == UINT64_MAX &&
	       align == 1;
}

/* A page only readable: the kernel cannot write results into it */
static void *readonly_copy(const void *src, size_t len)
{
	void *p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, getpagesize(), PROT_READ)) {
		munmap(p, getpagesize());
		return NULL;
	}
	return p;
}

/* Binds, attaches the fixture IOAS and gets the device ready for DMA */
static void bind_for_dma(struct __test_metadata *_metadata,
			 struct _test_data_edu_err *self)
{
	bind_dev(_metadata, self);
	ASSERT_EQ(0, edu_ioas_map(self->ifd, self->ioas_id, self->a, BUF_SIZE,
				  IOVA_A, RW));
	ASSERT_EQ(0, edu_ioas_map(self->ifd, self->ioas_id, self->b, BUF_SIZE,
				  IOVA_B, RW));
	ASSERT_EQ(0, edu_attach(&self->edu, self->ioas_id));
	ASSERT_EQ(0, edu_map_bar0(&self->edu));
	ASSERT_EQ(0, edu_enable_dma(&self->edu));
	ASSERT_EQ(0, edu_check_alive(&self->edu));
}

/* ---------------------------------------------------------------------- */
/* VFIO_DEVICE_BIND_IOMMUFD                                                */
/* ---------------------------------------------------------------------- */

TEST_F(edu_err, bind_bad_arguments)
{
	const __u32 sz = sizeof(struct vfio_device_bind_iommufd);
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	int nullfd, closed;
	__u32 devid;

	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nullfd);
	closed = dup(nullfd);
	ASSERT_LE(0, closed);
	ASSERT_EQ(0, close(closed));

	/* Malformed requests (vfio) */
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, self->ifd, 1, sz, &devid));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, self->ifd, 0, sz - 1, &devid));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, -1, 0, sz, &devid));
	EXPECT_EQ(EINVAL, errno);
	/* Not an iommufd (iommufd_ctx_from_fd()) */
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, closed, 0, sz, &devid));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, nullfd, 0, sz, &devid));
	EXPECT_EQ(EBADFD, errno);
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, self->edu.devfd, 0, sz,
			       &devid));
	EXPECT_EQ(EBADFD, errno);
	EXPECT_EQ(BAD_ID, devid);

	/* None of it bound the device */
	EXPECT_EQ(-1, ioctl(self->edu.devfd, VFIO_DEVICE_GET_REGION_INFO,
			    &info));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, bind_raw(self->edu.devfd, self->ifd, 0, sz, &devid));
	EXPECT_NE(BAD_ID, devid);
	EXPECT_NE(0, devid);
	self->edu.iommufd = self->ifd;
	EXPECT_EQ(0, ioctl(self->edu.devfd, VFIO_DEVICE_GET_REGION_INFO,
			   &info));
	close(nullfd);
}

/* One binding per device, whichever file or iommufd asks */
TEST_F(edu_err, bind_twice)
{
	const __u32 sz = sizeof(struct vfio_device_bind_iommufd);
	struct edu_dev second;
	__u32 devid;
	int ifd2;

	bind_dev(_metadata, self);
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, self->ifd, 0, sz, &devid));
	EXPECT_EQ(EINVAL, errno);
	ifd2 = edu_open_iommufd();
	ASSERT_LE(0, ifd2);
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, ifd2, 0, sz, &devid));
	EXPECT_EQ(EINVAL, errno);

	/* A second file of the same device, to the same iommufd */
	edu_init(&second);
	memcpy(second.bdf, self->edu.bdf, sizeof(second.bdf));
	ASSERT_LE(0, edu_open_cdev(&second));
	EXPECT_EQ(-1, bind_raw(second.devfd, self->ifd, 0, sz, &devid));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(BAD_ID, devid);
	close(second.devfd);
	close(ifd2);

	/* The first binding is intact */
	ASSERT_EQ(0, edu_attach(&self->edu, self->ioas_id));
}

/* A bind whose result cannot be written back is undone */
TEST_F(edu_err, bind_readonly_result)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = self->ifd,
	};
	struct vfio_device_bind_iommufd *ro;
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};

	ro = readonly_copy(&bind, sizeof(bind));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->edu.devfd, VFIO_DEVICE_BIND_IOMMUFD, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, getpagesize());
	EXPECT_EQ(-1, ioctl(self->edu.devfd, VFIO_DEVICE_GET_REGION_INFO,
			    &info));
	EXPECT_EQ(EINVAL, errno);
	/* Group ownership was released: binding works now */
	bind_dev(_metadata, self);
	ASSERT_EQ(0, edu_attach(&self->edu, self->ioas_id));
}

/* The legacy group interface and the cdev exclude each other */
TEST_F(edu_err, bind_while_group_open)
{
	char path[PATH_MAX];
	__u32 devid;
	int gfd;

	snprintf(path, sizeof(path), "/dev/vfio/%s", self->group);
	gfd = open(path, O_RDWR | O_CLOEXEC);
	if (gfd < 0 && errno == ENOENT)
		SKIP(return, "no /dev/vfio/%s: kernel without CONFIG_VFIO_GROUP",
		     self->group);
	ASSERT_LE(0, gfd);
	EXPECT_EQ(-1, bind_raw(self->edu.devfd, self->ifd, 0,
			       sizeof(struct vfio_device_bind_iommufd),
			       &devid));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, close(gfd));
	bind_dev(_metadata, self);
}

/* Before bind the device file serves nothing but VFIO_DEVICE_BIND_IOMMUFD */
TEST_F(edu_err, no_device_access_before_bind)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_pci_hot_reset_info rinfo = { .argsz = sizeof(rinfo) };
	__u16 cmd = 0;

	EXPECT_EQ(-1, detach_raw(self->edu.devfd, 0,
				 sizeof(struct vfio_device_detach_iommufd_pt)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->edu.devfd, VFIO_DEVICE_GET_INFO, &dinfo));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->edu.devfd, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->edu.devfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
			    &rinfo));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(self->edu.devfd, &cmd, sizeof(cmd), PCI_COMMAND));
	EXPECT_EQ(EINVAL, errno);

	bind_dev(_metadata, self);
	EXPECT_EQ(0, ioctl(self->edu.devfd, VFIO_DEVICE_GET_INFO, &dinfo));
	EXPECT_NE(0, dinfo.num_regions);
}

/* ---------------------------------------------------------------------- */
/* VFIO_DEVICE_ATTACH_IOMMUFD_PT and _DETACH_IOMMUFD_PT                    */
/* ---------------------------------------------------------------------- */

TEST_F(edu_err, attach_bad_targets)
{
	/* The 6.12 size: what a caller without the PASID flag passes */
	const __u32 sz = offsetofend(struct vfio_device_attach_iommufd_pt,
				     pt_id);
	__u32 pt, ioas2, fault_id;
	int fault_fd;

	bind_dev(_metadata, self);
	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	ASSERT_EQ(0, destroy(self->ifd, ioas2));

	/* Malformed requests (vfio) */
	pt = self->ioas_id;
	/* Bit 0 is VFIO_DEVICE_ATTACH_PASID (edu_pasid_test), bit 1 unknown */
	EXPECT_EQ(-1, attach_raw(self->edu.devfd, &pt, 1 << 1, sz));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, attach_raw(self->edu.devfd, &pt, 0, sz - 1));
	EXPECT_EQ(EINVAL, errno);

	/* IDs that name nothing */
	pt = 0;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(ENOENT, errno);
	pt = BAD_ID;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(BAD_ID, pt);
	pt = ioas2;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(ENOENT, errno);

	/* Objects that are neither IOAS nor HWPT */
	pt = self->edu.devid;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fault_queue_alloc(self->ifd, &fault_id, &fault_fd));
	pt = fault_id;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(fault_id, pt);
	close(fault_fd);

	/* Nothing got attached: nothing holds the IOAS */
	ASSERT_EQ(0, destroy(self->ifd, self->ioas_id));
	ASSERT_EQ(0, ioas_alloc(self->ifd, &self->ioas_id));
	pt = self->ioas_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_NE(self->ioas_id, pt);
}

/* An attach whose result cannot be written back is undone (vfio detaches) */
TEST_F(edu_err, attach_readonly_result)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = self->ioas_id,
	};
	void *ro;

	bind_dev(_metadata, self);
	ro = readonly_copy(&attach, sizeof(attach));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->edu.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
			    ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, getpagesize());
	/* The automatic HWPT is gone again, so the IOAS is free */
	EXPECT_TRUE(ioas_untouched(self->ifd, self->ioas_id));
	ASSERT_EQ(0, destroy(self->ifd, self->ioas_id));
}

TEST_F(edu_err, detach_rules)
{
	/* The 6.12 size: what a caller without the PASID flag passes */
	const __u32 sz = offsetofend(struct vfio_device_detach_iommufd_pt,
				     flags);
	__u32 pt;

	bind_dev(_metadata, self);
	EXPECT_EQ(-1, detach_raw(self->edu.devfd, 1 << 1, sz));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, detach_raw(self->edu.devfd, 0, sz - 1));
	EXPECT_EQ(EINVAL, errno);
	/* Detaching a detached device does nothing and succeeds */
	EXPECT_EQ(0, detach_raw(self->edu.devfd, 0, sz));

	pt = self->ioas_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_EQ(-1, destroy(self->ifd, self->ioas_id));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, destroy(self->ifd, pt));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, detach_raw(self->edu.devfd, 0, sz));
	EXPECT_EQ(0, detach_raw(self->edu.devfd, 0, sz));
	/* The automatic HWPT went with the device, the IOAS is as new */
	EXPECT_EQ(-1, destroy(self->ifd, pt));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(ioas_untouched(self->ifd, self->ioas_id));
	ASSERT_EQ(0, destroy(self->ifd, self->ioas_id));
}

/*
 * The device's reserved regions (MSI window, ...) must stay unmapped in the
 * IOAS it translates through: an IOAS with a mapping there is refused with
 * EADDRINUSE and left as it was.
 */
TEST_F(edu_err, attach_conflicts_with_reserved_region)
{
	struct vfio_device_detach_iommufd_pt detach;
	unsigned int i, tried = 0;
	size_t pg = getpagesize();
	__u32 ioas2, pt;

	bind_dev(_metadata, self);
	for (i = 0; i != self->nr_regions; i++) {
		const struct resv_region *r = &self->regions[i];
		__u64 iova = r->start & ~(__u64)(pg - 1);

		TH_LOG("%s region 0x%llx-0x%llx", r->type,
		       (unsigned long long)r->start,
		       (unsigned long long)r->last);
		if (!region_enforced(r))
			continue;
		ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
		ASSERT_EQ(0, map_fixed(self->ifd, ioas2, self->a, pg, iova));
		pt = ioas2;
		EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
		EXPECT_EQ(EADDRINUSE, errno);
		EXPECT_EQ(ioas2, pt);
		EXPECT_TRUE(ioas_untouched(self->ifd, ioas2));
		EXPECT_EQ(pg, unmap(self->ifd, ioas2, iova, pg));
		/* Without the mapping it is fine, and then reserved */
		ASSERT_EQ(0, attach(self->edu.devfd, &pt));
		EXPECT_FALSE(iova_usable(self->ifd, ioas2, r->start));
		EXPECT_EQ(-1, map_fixed(self->ifd, ioas2, self->a, pg, iova));
		EXPECT_EQ(EINVAL, errno);
		ASSERT_EQ(0, detach_raw(self->edu.devfd, 0, sizeof(detach)));
		/* Detached: the region is mappable IOVA again */
		EXPECT_TRUE(ioas_untouched(self->ifd, ioas2));
		ASSERT_EQ(0, destroy(self->ifd, ioas2));
		tried++;
	}
	if (!tried)
		SKIP(return, "%s reports no reserved region for %s",
		     self->iommu, self->edu.bdf);
}

/* Replacing onto such an IOAS fails; the device's DMA is not disturbed */
TEST_F(edu_err, replace_conflicts_with_reserved_region)
{
	const struct resv_region *r = NULL;
	size_t pg = getpagesize();
	__u32 ioas2, pt, hwpt;
	unsigned int i;

	for (i = 0; i != self->nr_regions && !r; i++)
		if (region_enforced(&self->regions[i]))
			r = &self->regions[i];
	if (!r)
		SKIP(return, "%s reports no reserved region", self->iommu);

	bind_for_dma(_metadata, self);
	hwpt = self->edu.hwpt_id;
	check_dma(_metadata, self, 1);

	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	ASSERT_EQ(0, map_fixed(self->ifd, ioas2, self->b,  pg,
			       r->start & ~(__u64)(pg - 1)));
	pt = ioas2;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_TRUE(ioas_untouched(self->ifd, ioas2));
	ASSERT_EQ(0, destroy(self->ifd, ioas2));

	/* Still on the old HWPT, which still translates */
	EXPECT_EQ(-1, destroy(self->ifd, hwpt));
	EXPECT_EQ(EBUSY, errno);
	check_dma(_metadata, self, 2);
}

/*
 * IOVA the domain cannot translate: a mapping above the aperture refuses
 * both an explicit HWPT and the attach.
 */
TEST_F(edu_err, attach_conflicts_with_aperture)
{
	struct iommu_iova_range r[32];
	__u32 num = ARRAY_SIZE(r), ioas2, pt;
	size_t pg = getpagesize();
	__u64 top;

	bind_dev(_metadata, self);
	pt = self->ioas_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	ASSERT_EQ(0, iova_ranges(self->ifd, self->ioas_id, r, &num, NULL));
	ASSERT_LT(0, num);
	ASSERT_GE(ARRAY_SIZE(r), num);
	top = r[num - 1].last;
	TH_LOG("%s: usable IOVA ends at 0x%llx", self->iommu,
	       (unsigned long long)top);
	if (top > UINT64_MAX - pg)
		SKIP(return, "%s: the domain translates the whole 64-bit IOVA space",
		     self->iommu);

	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	ASSERT_EQ(0, map_fixed(self->ifd, ioas2, self->a, pg, top + 1));
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, ioas2, 0, NULL));
	EXPECT_EQ(EADDRINUSE, errno);
	pt = ioas2;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_TRUE(ioas_untouched(self->ifd, ioas2));
	ASSERT_EQ(0, destroy(self->ifd, ioas2));
}

/* IOVA declared as needed that the device reserves refuses the attach */
TEST_F(edu_err, attach_conflicts_with_allowed_iovas)
{
	const struct resv_region *r = NULL;
	unsigned int i;
	__u32 pt;

	for (i = 0; i != self->nr_regions && !r; i++)
		if (region_enforced(&self->regions[i]))
			r = &self->regions[i];
	if (!r)
		SKIP(return, "%s reports no reserved region", self->iommu);

	bind_dev(_metadata, self);
	ASSERT_EQ(0, allow_iovas(self->ifd, self->ioas_id, 0, r->last));
	pt = self->ioas_id;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EADDRINUSE, errno);
	/* Allowing only what is below the region works */
	ASSERT_EQ(0, allow_iovas(self->ifd, self->ioas_id, 0, r->start - 1));
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	/* Now reserved, the region cannot be allowed any more */
	EXPECT_EQ(-1, allow_iovas(self->ifd, self->ioas_id, 0, r->last));
	EXPECT_EQ(EADDRINUSE, errno);
}

/* ---------------------------------------------------------------------- */
/* Closing the device file                                                 */
/* ---------------------------------------------------------------------- */

/* Unbinding removes the device and what only it used from the iommufd */
TEST_F(edu_err, close_unbinds)
{
	struct iommu_hw_info cmd;
	__u32 devid, pt, hwpt;

	bind_dev(_metadata, self);
	devid = self->edu.devid;
	pt = self->ioas_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	ASSERT_EQ(0, hwpt_alloc(self->ifd, devid, self->ioas_id, 0, &hwpt));

	close(self->edu.devfd);
	self->edu.devfd = -1;

	cmd = info_req(devid, NULL, 0);
	EXPECT_EQ(-1, hw_info(self->ifd, &cmd));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, devid, self->ioas_id, 0, NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, destroy(self->ifd, devid));
	EXPECT_EQ(ENOENT, errno);
	/* The automatic HWPT went with it; the explicit one stays */
	EXPECT_EQ(-1, destroy(self->ifd, pt));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, destroy(self->ifd, hwpt));
	EXPECT_TRUE(ioas_untouched(self->ifd, self->ioas_id));

	/* The device binds again, to the same iommufd */
	ASSERT_LE(0, edu_open_cdev(&self->edu));
	bind_dev(_metadata, self);
	pt = self->ioas_id;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
}

/*
 * Binding refuses devices whose MSI writes the platform cannot isolate,
 * unless the administrator allows it. Every harness machine isolates them
 * (VT-d and AMD-Vi interrupt remapping, the GICv3 ITS), so only the knob can
 * be checked here.
 */
TEST_F(edu_err, msi_isolation)
{
	char val[16];

	ASSERT_EQ(0, edu_read_sysfs("/sys/module/iommufd/parameters/allow_unsafe_interrupts",
				    val, sizeof(val)));
	ASSERT_STREQ("N", val);
	/* Bound without the override: the MSI writes are isolated */
	bind_dev(_metadata, self);
	SKIP(return, "%s isolates MSI writes: the EPERM refusal cannot be provoked",
	     self->iommu);
}

TEST_HARNESS_MAIN
