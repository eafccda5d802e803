// SPDX-License-Identifier: GPL-2.0
/*
 * edu_errno_test - how a real device behind a real (emulated) IOMMU is
 * refused: the errors of VFIO_DEVICE_BIND_IOMMUFD, _ATTACH_IOMMUFD_PT and
 * _DETACH_IOMMUFD_PT, of IOMMU_HWPT_ALLOC for the device, and what
 * IOMMU_GET_HW_INFO reports for it, checked against what the IOMMU driver
 * of the machine (VT-d, AMD-Vi, SMMUv3) says about its hardware.
 *
 * A refused request must change nothing: after a failed attach the IOAS is
 * as it was and, for a replace, the device keeps doing DMA through its old
 * IOAS, which is proved with a real transfer.
 *
 * The device's reserved regions are read from
 * /sys/kernel/iommu_groups/N/reserved_regions, the IOMMU's registers from
 * its sysfs directory, so nothing here hard-codes a machine.
 *
 * Machines without an IOMMU cannot hand the device to vfio-pci: every test
 * skips there. Where the emulated IOMMU lacks a feature (nesting, dirty
 * tracking), the test that needs it skips and says which.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "edu_driver.h"
#include "../../../../drivers/iommu/iommufd/iommufd_test.h"

#define BAD_ID		0x7fffff00U
#define BUF_SIZE	(64 * 1024)
#define LEN		2048
#define IOVA_A		0x00100000ULL
#define IOVA_B		0x00200000ULL
/* Inside the mock IOMMU's aperture and the edu device's 28-bit DMA mask */
#define IOVA_MOCK_A	(MOCK_APERTURE_START + 0x00100000ULL)
#define IOVA_MOCK_B	(MOCK_APERTURE_START + 0x00200000ULL)
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAX_REGIONS	16

/*
 * VT-d extended capability bits the 6.12 driver bases its answers on
 * (Intel VT-d specification, Extended Capability Register).
 */
#define VTD_ECAP_NEST	(1ULL << 26)
#define VTD_ECAP_SMTS	(1ULL << 43)
#define VTD_ECAP_SLADS	(1ULL << 45)
#define VTD_ECAP_SMPWC	(1ULL << 48)
/* VT-d Capability Register: SAGAW (bits 12:8) and MGAW (bits 21:16) */
#define VTD_CAP_SAGAW(c)	(((c) >> 8) & 0x1f)
#define VTD_CAP_MGAW(c)		((((c) >> 16) & 0x3f) + 1)
/* AMD-Vi Extended Feature Register: host dirty bit support (HDSUP) */
#define AMD_EFR_HDSUP	(1ULL << 52)
/* PCI Express extended capability ID of PASID */
#define PCI_EXT_CAP_PASID	0x1b

enum iommu_kind {
	IOMMU_OTHER,
	IOMMU_VTD,
	IOMMU_AMD,
	IOMMU_SMMUV3,
	IOMMU_VIRTIO,
};

struct resv_region {
	__u64 start, last;
	char type[32];
};

FIXTURE(edu_err) {
	struct edu_dev edu;
	int ifd;
	__u32 ioas_id;
	char iommu[NAME_MAX + 1];
	enum iommu_kind kind;
	struct resv_region regions[MAX_REGIONS];
	unsigned int nr_regions;
	char group[32];
	void *a, *b;
};

/* ---------------------------------------------------------------------- */
/* sysfs                                                                   */
/* ---------------------------------------------------------------------- */

/* The last component of the symlink /sys/bus/pci/devices/<bdf>/<link> */
static int pci_link_name(const char *bdf, const char *link, char *name,
			 size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/%s", bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	snprintf(name, len, "%s", strrchr(target, '/') + 1);
	return 0;
}

static enum iommu_kind iommu_kind_of(const char *name)
{
	static const struct edu_iommu virtio = { .driver = "virtio_iommu" };

	if (!strncmp(name, "dmar", 4))
		return IOMMU_VTD;
	if (!strncmp(name, "ivhd", 4))
		return IOMMU_AMD;
	if (!strncmp(name, "smmu3.", 6))
		return IOMMU_SMMUV3;
	/* virtio-iommu names its instance after its PCI function */
	if (edu_iommu_match(&virtio, name))
		return IOMMU_VIRTIO;
	return IOMMU_OTHER;
}

/* A hexadecimal value from /sys/class/iommu/<iommu>/<attr> */
static int iommu_sysfs_hex(const char *iommu, const char *attr, __u64 *val)
{
	char path[PATH_MAX], buf[64];
	int ret;

	snprintf(path, sizeof(path), "/sys/class/iommu/%s/%s", iommu, attr);
	ret = edu_read_sysfs(path, buf, sizeof(buf));
	if (ret)
		return ret;
	*val = strtoull(buf, NULL, 16);
	return 0;
}

/* Parses the "start last type" lines of the group's reserved regions */
static int read_regions(const char *group, struct resv_region *r,
			unsigned int max)
{
	char path[PATH_MAX], line[128];
	unsigned int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/reserved_regions",
		 group);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %llx %31s", &r[n].start, &r[n].last,
			   r[n].type) == 3)
			n++;
	fclose(f);
	return n;
}

/* Does the PCI device have a PASID extended capability? */
static bool pci_has_pasid(const char *bdf)
{
	unsigned char cfg[4096];
	unsigned int off = 0x100, hops = 0;
	char path[PATH_MAX];
	ssize_t n;
	__u32 hdr;
	int fd;

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, cfg, sizeof(cfg));
	close(fd);
	/* Conventional PCI: no extended configuration space at all */
	while (n >= (ssize_t)(off + 4) && off >= 0x100 && hops++ < 64) {
		memcpy(&hdr, cfg + off, sizeof(hdr));
		if (!hdr || hdr == ~0U)
			break;
		if ((hdr & 0xffff) == PCI_EXT_CAP_PASID)
			return true;
		off = hdr >> 20;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Raw requests                                                            */
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

/* *@pt_id: input the target, output what the kernel wrote back */
static int attach_raw(int devfd, __u32 *pt_id, __u32 flags, __u32 argsz)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = argsz,
		.flags = flags,
		.pt_id = *pt_id,
	};
	int rc;

	rc = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	*pt_id = attach.pt_id;
	return rc;
}

static int attach(int devfd, __u32 *pt_id)
{
	return attach_raw(devfd, pt_id, 0,
			  sizeof(struct vfio_device_attach_iommufd_pt));
}

static int detach_raw(int devfd, __u32 flags, __u32 argsz)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = argsz,
		.flags = flags,
	};

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

static int destroy(int ifd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(ifd, IOMMU_DESTROY, &cmd);
}

static int ioas_alloc(int ifd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	rc = ioctl(ifd, IOMMU_IOAS_ALLOC, &cmd);
	*id = cmd.out_ioas_id;
	return rc;
}

static int map_fixed(int ifd, __u32 ioas_id, void *buf, size_t len,
		     __u64 iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | RW,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(ifd, IOMMU_IOAS_MAP, &cmd);
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

static int iova_ranges(int ifd, __u32 ioas_id, struct iommu_iova_range *r,
		       __u32 *num, __u64 *align)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)r,
	};
	int rc;

	rc = ioctl(ifd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	*num = cmd.num_iovas;
	if (align)
		*align = cmd.out_iova_alignment;
	return rc;
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

/* Is @iova inside one of the usable ranges of @ioas_id? */
static bool iova_usable(int ifd, __u32 ioas_id, __u64 iova)
{
	struct iommu_iova_range r[32];
	__u32 num = ARRAY_SIZE(r), i;

	if (iova_ranges(ifd, ioas_id, r, &num, NULL))
		return false;
	for (i = 0; i != num; i++)
		if (iova >= r[i].start && iova <= r[i].last)
			return true;
	return false;
}

static struct iommu_hwpt_alloc hwpt_req(__u32 dev_id, __u32 pt_id, __u32 flags)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.out_hwpt_id = BAD_ID,
	};

	return cmd;
}

static int hwpt_alloc(int ifd, __u32 dev_id, __u32 pt_id, __u32 flags,
		      __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = hwpt_req(dev_id, pt_id, flags);
	int rc;

	rc = ioctl(ifd, IOMMU_HWPT_ALLOC, &cmd);
	if (hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return rc;
}

static struct iommu_hw_info info_req(__u32 dev_id, void *data, __u32 len)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};

	return cmd;
}

static int hw_info(int ifd, struct iommu_hw_info *cmd)
{
	return ioctl(ifd, IOMMU_GET_HW_INFO, cmd);
}

static int fault_queue_alloc(int ifd, __u32 *fault_id, int *fault_fd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	rc = ioctl(ifd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	*fault_id = cmd.out_fault_id;
	*fault_fd = rc ? -1 : (int)cmd.out_fault_fd;
	return rc;
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

/* ---------------------------------------------------------------------- */
/* Fixture                                                                 */
/* ---------------------------------------------------------------------- */

FIXTURE_SETUP(edu_err)
{
	int n;

	self->ifd = -1;
	edu_init(&self->edu);
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU on this machine, so vfio-pci cannot take the device");
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	ASSERT_LE(0, edu_open_cdev(&self->edu));
	self->ifd = edu_open_iommufd();
	ASSERT_LE(0, self->ifd);
	ASSERT_EQ(0, ioas_alloc(self->ifd, &self->ioas_id));

	ASSERT_EQ(0, pci_link_name(self->edu.bdf, "iommu", self->iommu,
				   sizeof(self->iommu)));
	self->kind = iommu_kind_of(self->iommu);
	ASSERT_EQ(0, pci_link_name(self->edu.bdf, "iommu_group", self->group,
				   sizeof(self->group)));
	n = read_regions(self->group, self->regions, MAX_REGIONS);
	ASSERT_LE(0, n);
	self->nr_regions = n;

	self->a = edu_alloc_buf(BUF_SIZE);
	self->b = edu_alloc_buf(BUF_SIZE);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
}

FIXTURE_TEARDOWN(edu_err)
{
	bool bound = self->edu.iommufd >= 0;

	/* The device file first: closing it unbinds */
	edu_close(&self->edu);
	if (!bound && self->ifd >= 0)
		close(self->ifd);
	edu_free_buf(self->a, BUF_SIZE);
	edu_free_buf(self->b, BUF_SIZE);
}

static void bind_dev(struct __test_metadata *_metadata,
		     struct _test_data_edu_err *self)
{
	ASSERT_EQ(0, edu_bind_iommufd(&self->edu, self->ifd));
	ASSERT_NE(0, self->edu.devid);
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

/* A round trip A -> device -> B through the fixture IOAS works */
static void check_dma(struct __test_metadata *_metadata,
		      struct _test_data_edu_err *self, unsigned char seed)
{
	unsigned int i;

	for (i = 0; i < LEN; i++)
		((unsigned char *)self->a)[i] = seed + i * 13;
	memset(self->b, 0, LEN);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->b, LEN));
}

/* The reserved regions that iommufd reserves in an IOAS */
static bool region_enforced(const struct resv_region *r)
{
	return strcmp(r->type, "direct-relaxable");
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
	const __u32 sz = sizeof(struct vfio_device_attach_iommufd_pt);
	__u32 pt, ioas2, fault_id;
	int fault_fd;

	bind_dev(_metadata, self);
	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	ASSERT_EQ(0, destroy(self->ifd, ioas2));

	/* Malformed requests (vfio) */
	pt = self->ioas_id;
	EXPECT_EQ(-1, attach_raw(self->edu.devfd, &pt, 1, sz));
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
	const __u32 sz = sizeof(struct vfio_device_detach_iommufd_pt);
	__u32 pt;

	bind_dev(_metadata, self);
	EXPECT_EQ(-1, detach_raw(self->edu.devfd, 1, sz));
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
/* IOMMU_HWPT_ALLOC for the device                                         */
/* ---------------------------------------------------------------------- */

TEST_F(edu_err, hwpt_alloc_errors)
{
	struct iommu_hwpt_vtd_s1 s1 = {};
	struct iommu_hwpt_alloc cmd;
	size_t pg = getpagesize();
	__u32 hwpt, pt, ioas2;
	unsigned int i;
	int ifd2;

	bind_dev(_metadata, self);

	/* Flags no paging HWPT can have, driver data on a paging HWPT */
	cmd = hwpt_req(self->edu.devid, self->ioas_id,
		       IOMMU_HWPT_FAULT_ID_VALID);
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	cmd.flags = 1U << 3;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	cmd = hwpt_req(self->edu.devid, self->ioas_id, 0);
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	cmd.data_len = sizeof(s1);
	cmd.data_uptr = (uintptr_t)&s1;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);

	/* Wrong IDs */
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->ioas_id, self->ioas_id, 0,
				 NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid,
				 self->edu.devid, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Device IDs mean nothing in another iommufd */
	ifd2 = edu_open_iommufd();
	ASSERT_LE(0, ifd2);
	ASSERT_EQ(0, ioas_alloc(ifd2, &ioas2));
	EXPECT_EQ(-1, hwpt_alloc(ifd2, self->edu.devid, ioas2, 0, NULL));
	EXPECT_EQ(ENOENT, errno);
	close(ifd2);

	/*
	 * An explicit HWPT knows the aperture but not the device's
	 * reserved regions: those refuse the attach.
	 */
	for (i = 0; i != self->nr_regions; i++) {
		const struct resv_region *r = &self->regions[i];
		__u64 iova = r->start & ~(__u64)(pg - 1);

		if (!region_enforced(r))
			continue;
		ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
		ASSERT_EQ(0, map_fixed(self->ifd, ioas2, self->a, pg, iova));
		if (hwpt_alloc(self->ifd, self->edu.devid, ioas2, 0, &hwpt)) {
			/* Not even the domain can take it (outside aperture) */
			EXPECT_EQ(EADDRINUSE, errno);
		} else {
			pt = hwpt;
			EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
			EXPECT_EQ(EADDRINUSE, errno);
			EXPECT_TRUE(iova_usable(self->ifd, ioas2, r->start));
			ASSERT_EQ(0, destroy(self->ifd, hwpt));
		}
		ASSERT_EQ(0, destroy(self->ifd, ioas2));
	}

	/* The good case: an attached HWPT and its IOAS are busy */
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id, 0,
				&hwpt));
	pt = hwpt;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_EQ(hwpt, pt);
	EXPECT_EQ(-1, destroy(self->ifd, hwpt));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, destroy(self->ifd, self->ioas_id));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, destroy(self->ifd, self->edu.devid));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, edu_detach(&self->edu));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

/* What the IOMMU driver of this machine says about nesting parents */
static bool nest_parent_expected(struct __test_metadata *_metadata,
				 struct _test_data_edu_err *self,
				 const char **why)
{
	struct iommu_hw_info_vtd vtd = {};
	struct iommu_hw_info cmd;

	switch (self->kind) {
	case IOMMU_VTD:
		cmd = info_req(self->edu.devid, &vtd, sizeof(vtd));
		if (hw_info(self->ifd, &cmd))
			return false;
		*why = "no nested translation (ECAP.NEST) in scalable mode";
		return (vtd.ecap_reg & VTD_ECAP_NEST) &&
		       (vtd.ecap_reg & VTD_ECAP_SMTS);
	case IOMMU_AMD:
		*why = "the 6.12 AMD-Vi driver has no nesting";
		return false;
	case IOMMU_SMMUV3:
		*why = "the 6.12 SMMUv3 driver has no nesting";
		return false;
	case IOMMU_VIRTIO:
		*why = "virtio-iommu has no nesting";
		return false;
	default:
		*why = "unknown IOMMU";
		return false;
	}
}

TEST_F(edu_err, nest_parent_refused_where_unsupported)
{
	const char *why = "";

	bind_dev(_metadata, self);
	if (nest_parent_expected(_metadata, self, &why))
		SKIP(return, "%s offers nesting", self->iommu);
	TH_LOG("%s: %s", self->iommu, why);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(edu_err, nest_parent)
{
	const char *why = "";
	__u32 hwpt, pt;

	bind_dev(_metadata, self);
	if (!nest_parent_expected(_metadata, self, &why))
		SKIP(return, "%s: %s", self->iommu, why);
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt));
	/* A nesting parent is an ordinary paging HWPT for the device, too */
	pt = hwpt;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_EQ(hwpt, pt);
	ASSERT_EQ(0, edu_detach(&self->edu));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

/*
 * Whether the driver can track dirty pages, as the hardware registers
 * tell; -1 when the registers cannot be read from userspace.
 */
static int dirty_expected(struct __test_metadata *_metadata,
			  struct _test_data_edu_err *self)
{
	struct iommu_hw_info_vtd vtd = {};
	struct iommu_hw_info cmd;
	char path[PATH_MAX], buf[64];
	__u64 efr;

	switch (self->kind) {
	case IOMMU_VTD:
		cmd = info_req(self->edu.devid, &vtd, sizeof(vtd));
		if (hw_info(self->ifd, &cmd))
			return -1;
		/* Second-stage A/D bits in scalable mode, with SMPWC */
		return (vtd.ecap_reg & VTD_ECAP_SMTS) &&
		       (vtd.ecap_reg & VTD_ECAP_SLADS) &&
		       (vtd.ecap_reg & VTD_ECAP_SMPWC);
	case IOMMU_AMD:
		snprintf(path, sizeof(path),
			 "/sys/class/iommu/%s/amd-iommu/features", self->iommu);
		if (edu_read_sysfs(path, buf, sizeof(buf)))
			return -1;
		efr = strtoull(buf, NULL, 16);
		return !!(efr & AMD_EFR_HDSUP);
	default:
		return -1;
	}
}

static __u64 hw_caps(struct __test_metadata *_metadata,
		     struct _test_data_edu_err *self)
{
	struct iommu_hw_info cmd = info_req(self->edu.devid, NULL, 0);

	if (hw_info(self->ifd, &cmd))
		return 0;
	return cmd.out_capabilities;
}

TEST_F(edu_err, dirty_tracking_refused_where_unsupported)
{
	int expect;

	bind_dev(_metadata, self);
	expect = dirty_expected(_metadata, self);
	if (hw_caps(_metadata, self) & IOMMU_HW_CAP_DIRTY_TRACKING)
		SKIP(return, "%s tracks dirty pages", self->iommu);
	/* The driver agrees with the hardware registers */
	if (expect >= 0)
		EXPECT_EQ(0, expect);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				 IOMMU_HWPT_ALLOC_NEST_PARENT, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(edu_err, dirty_tracking)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	int expect;
	__u32 hwpt;

	bind_dev(_metadata, self);
	expect = dirty_expected(_metadata, self);
	if (!(hw_caps(_metadata, self) & IOMMU_HW_CAP_DIRTY_TRACKING))
		SKIP(return, "%s: the emulated IOMMU has no dirty tracking (%s)",
		     self->iommu,
		     self->kind == IOMMU_VTD ? "no ECAP.SLADS" :
		     self->kind == IOMMU_AMD ? "no EFR.HDSUP" :
		     self->kind == IOMMU_SMMUV3 ? "no IDR0.HTTU" :
		     self->kind == IOMMU_VIRTIO ? "not in virtio-iommu" :
		     "unknown");
	if (expect >= 0)
		EXPECT_EQ(1, expect);
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	set.hwpt_id = hwpt;
	EXPECT_EQ(0, ioctl(self->ifd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

/* ---------------------------------------------------------------------- */
/* IOMMU_GET_HW_INFO                                                       */
/* ---------------------------------------------------------------------- */

static void check_vtd_info(struct __test_metadata *_metadata,
			   struct _test_data_edu_err *self,
			   const struct iommu_hw_info *cmd,
			   const struct iommu_hw_info_vtd *vtd)
{
	__u64 cap = 0, ecap = 0;

	ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, cmd->out_data_type);
	ASSERT_EQ(sizeof(*vtd), cmd->data_len);
	/* The 6.12 driver flags the erratum on every VT-d IOMMU */
	EXPECT_EQ(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17, vtd->flags);
	EXPECT_EQ(0, vtd->__reserved);
	/* The raw registers, as the driver shows them in sysfs too */
	ASSERT_EQ(0, iommu_sysfs_hex(self->iommu, "intel-iommu/cap", &cap));
	ASSERT_EQ(0, iommu_sysfs_hex(self->iommu, "intel-iommu/ecap", &ecap));
	EXPECT_EQ(cap, vtd->cap_reg);
	EXPECT_EQ(ecap, vtd->ecap_reg);
	EXPECT_NE(0, VTD_CAP_SAGAW(vtd->cap_reg));
	EXPECT_LE(32, VTD_CAP_MGAW(vtd->cap_reg));
	EXPECT_GE(64, VTD_CAP_MGAW(vtd->cap_reg));
	TH_LOG("VT-d cap 0x%llx ecap 0x%llx (MGAW %llu bits)",
	       (unsigned long long)vtd->cap_reg,
	       (unsigned long long)vtd->ecap_reg,
	       (unsigned long long)VTD_CAP_MGAW(vtd->cap_reg));
}

TEST_F(edu_err, hw_info_matches_driver)
{
	__u64 buf[8], zero[ARRAY_SIZE(buf)] = {};
	unsigned char *data = (unsigned char *)buf;
	struct iommu_hw_info cmd;

	bind_dev(_metadata, self);
	memset(buf, 0xff, sizeof(buf));
	cmd = info_req(self->edu.devid, buf, sizeof(buf));
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));

	switch (self->kind) {
	case IOMMU_VTD:
		check_vtd_info(_metadata, self, &cmd, (void *)buf);
		EXPECT_EQ(0, memcmp(data + cmd.data_len, zero,
				    sizeof(buf) - cmd.data_len));
		break;
	case IOMMU_AMD:
	case IOMMU_SMMUV3:
	case IOMMU_VIRTIO:
		/*
		 * None of these 6.12 drivers has a hw_info op (an SMMUv3
		 * format arrives with 6.13): no data, the buffer is cleared.
		 */
		EXPECT_EQ(IOMMU_HW_INFO_TYPE_NONE, cmd.out_data_type);
		EXPECT_EQ(0, cmd.data_len);
		EXPECT_EQ(0, memcmp(buf, zero, sizeof(buf)));
		break;
	default:
		SKIP(return, "unknown IOMMU %s", self->iommu);
	}

	/* edu has no PASID capability: no PASID width, no PASID bits */
	if (pci_has_pasid(self->edu.bdf)) {
		TH_LOG("%s has PASID: %u bits", self->edu.bdf,
		       cmd.out_max_pasid_log2);
	} else {
		EXPECT_EQ(0, cmd.out_max_pasid_log2);
		EXPECT_EQ(0, cmd.out_capabilities &
			  (IOMMU_HW_CAP_PCI_PASID_EXEC |
			   IOMMU_HW_CAP_PCI_PASID_PRIV));
	}
	EXPECT_EQ(0, cmd.out_capabilities &
		  ~(__u64)(IOMMU_HW_CAP_DIRTY_TRACKING |
			   IOMMU_HW_CAP_PCI_PASID_EXEC |
			   IOMMU_HW_CAP_PCI_PASID_PRIV));
}

TEST_F(edu_err, hw_info_requested_type)
{
	__u32 own, other;
	struct iommu_hw_info cmd;
	unsigned char data[64];

	bind_dev(_metadata, self);
	cmd = info_req(self->edu.devid, NULL, 0);
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	own = cmd.out_data_type;
	/* A format this driver does not have */
	other = own == IOMMU_HW_INFO_TYPE_INTEL_VTD ?
		IOMMU_HW_INFO_TYPE_INTEL_VTD + 1 : IOMMU_HW_INFO_TYPE_INTEL_VTD;

	cmd = info_req(self->edu.devid, data, sizeof(data));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	EXPECT_EQ(own, cmd.out_data_type);
	cmd.in_data_type = own;
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	EXPECT_EQ(own, cmd.out_data_type);

	memset(data, 0xaa, sizeof(data));
	cmd = info_req(self->edu.devid, data, sizeof(data));
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = other;
	EXPECT_EQ(-1, hw_info(self->ifd, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(other, cmd.in_data_type);
	EXPECT_EQ(0xaa, data[0]);
	/* Without the flag the same value is ignored */
	cmd.flags = 0;
	ASSERT_EQ(0, hw_info(self->ifd, &cmd));
	EXPECT_EQ(own, cmd.out_data_type);

	cmd.flags = 1U << 1;
	EXPECT_EQ(-1, hw_info(self->ifd, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
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

/* ---------------------------------------------------------------------- */
/* Other IOMMU drivers                                                     */
/* ---------------------------------------------------------------------- */

/*
 * A second IOMMU driver: test kernels have the mock IOMMU next to the real
 * one. A mock device attached to @ioas_id gets a mock HWPT there.
 */
static int mock_device(int ifd, __u32 ioas_id, __u32 *stdev_id,
		       __u32 *hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas_id,
	};
	int rc;

	rc = ioctl(ifd, IOMMU_TEST_CMD, &cmd);
	*stdev_id = cmd.mock_domain.out_stdev_id;
	*hwpt_id = cmd.mock_domain.out_hwpt_id;
	return rc;
}

/* Does the kernel have the mock IOMMU (CONFIG_IOMMUFD_TEST)? */
static bool mock_iommu_present(int ifd)
{
	struct iommu_test_cmd probe = {
		.size = sizeof(probe),
		.op = 0,
	};

	return ioctl(ifd, IOMMU_TEST_CMD, &probe) == -1 && errno == EOPNOTSUPP;
}

/*
 * A nested HWPT for the device on a NEST_PARENT HWPT of another IOMMU
 * driver: the core refuses it with EINVAL before the device's driver is
 * handed a parent domain that is not its own, with or without a fault
 * queue.
 */
TEST_F(edu_err, nested_on_other_iommu_parent_refused)
{
	struct iommu_hwpt_vtd_s1 s1 = {};
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct iommu_hwpt_alloc cmd;
	__u32 ioas2, parent, fault_id;
	int fault_fd;

	if (!mock_iommu_present(self->ifd))
		SKIP(return, "no second IOMMU driver (kernel without CONFIG_IOMMUFD_TEST)");

	bind_dev(_metadata, self);
	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	mock.id = ioas2;
	ASSERT_EQ(0, ioctl(self->ifd, IOMMU_TEST_CMD, &mock));
	ASSERT_EQ(0, hwpt_alloc(self->ifd, mock.mock_domain.out_idev_id, ioas2,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_EQ(0, fault_queue_alloc(self->ifd, &fault_id, &fault_fd));

	cmd = hwpt_req(self->edu.devid, parent, 0);
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	cmd.data_len = sizeof(s1);
	cmd.data_uptr = (uintptr_t)&s1;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EINVAL, errno);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = fault_id;
	EXPECT_EQ(-1, ioctl(self->ifd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(BAD_ID, cmd.out_hwpt_id);

	/* Nothing holds the parent or the queue */
	close(fault_fd);
	EXPECT_EQ(0, destroy(self->ifd, fault_id));
	EXPECT_EQ(0, destroy(self->ifd, parent));
	EXPECT_EQ(0, destroy(self->ifd, mock.mock_domain.out_stdev_id));
	EXPECT_EQ(0, destroy(self->ifd, ioas2));
}

/*
 * A HWPT of another IOMMU driver is no target for the device, neither for
 * an attach nor for a replace; attaching (or replacing) to an IOAS that has
 * such a HWPT makes one of the device's own IOMMU. The device's DMA proves
 * which domain it really uses.
 *
 * Last in this file: a kernel that wrongly lets the replace through leaves
 * the IOMMU driver with a domain that is not its own, which some drivers
 * (SMMUv3) trip over at the device's next domain change.
 */
TEST_F(edu_err, other_iommu_hwpt_refused)
{
	__u32 hwpt, ioas2, stdev, mock_hwpt, pt;
	struct iommu_test_cmd probe = {
		.size = sizeof(probe),
		.op = 0,
	};
	int rc;

	if (ioctl(self->ifd, IOMMU_TEST_CMD, &probe) != -1 ||
	    errno != EOPNOTSUPP)
		SKIP(return, "no second IOMMU driver (kernel without CONFIG_IOMMUFD_TEST)");

	bind_dev(_metadata, self);
	ASSERT_EQ(0, edu_ioas_map(self->ifd, self->ioas_id, self->a, BUF_SIZE,
				  IOVA_A, RW));
	ASSERT_EQ(0, edu_ioas_map(self->ifd, self->ioas_id, self->b, BUF_SIZE,
				  IOVA_B, RW));
	/* An explicit HWPT stays alive whatever happens to the attachment */
	ASSERT_EQ(0, hwpt_alloc(self->ifd, self->edu.devid, self->ioas_id, 0,
				&hwpt));
	ASSERT_EQ(0, edu_attach(&self->edu, hwpt));
	ASSERT_EQ(0, edu_map_bar0(&self->edu));
	ASSERT_EQ(0, edu_enable_dma(&self->edu));
	check_dma(_metadata, self, 3);

	ASSERT_EQ(0, ioas_alloc(self->ifd, &ioas2));
	ASSERT_EQ(0, edu_ioas_map(self->ifd, ioas2, self->a, BUF_SIZE,
				  IOVA_MOCK_A, RW));
	ASSERT_EQ(0, edu_ioas_map(self->ifd, ioas2, self->b, BUF_SIZE,
				  IOVA_MOCK_B, RW));
	ASSERT_EQ(0, mock_device(self->ifd, ioas2, &stdev, &mock_hwpt));

	/* Replace onto the mock HWPT */
	pt = mock_hwpt;
	rc = attach(self->edu.devfd, &pt);
	EXPECT_EQ(-1, rc);
	EXPECT_EQ(EINVAL, errno);
	if (!rc) {
		TH_LOG("%s device replaced onto a mock HWPT", self->iommu);
		pt = hwpt;
		ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	}
	check_dma(_metadata, self, 4);

	/* Replace onto the IOAS: a new HWPT of the device's IOMMU */
	pt = ioas2;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_NE(mock_hwpt, pt);
	EXPECT_NE(hwpt, pt);
	if (pt == mock_hwpt) {
		/* Do not let the device near the page tables it really uses */
		ASSERT_EQ(0, edu_detach(&self->edu));
		ASSERT_EQ(0, destroy(self->ifd, stdev));
		return;
	}
	memset(self->b, 0, LEN);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_MOCK_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_MOCK_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));

	/* A plain attach is refused too */
	ASSERT_EQ(0, edu_detach(&self->edu));
	pt = mock_hwpt;
	EXPECT_EQ(-1, attach(self->edu.devfd, &pt));
	EXPECT_EQ(EINVAL, errno);
	pt = ioas2;
	ASSERT_EQ(0, attach(self->edu.devfd, &pt));
	EXPECT_NE(mock_hwpt, pt);

	ASSERT_EQ(0, edu_detach(&self->edu));
	ASSERT_EQ(0, destroy(self->ifd, stdev));
	ASSERT_EQ(0, destroy(self->ifd, hwpt));
}

TEST_HARNESS_MAIN
