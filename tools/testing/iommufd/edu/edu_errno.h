/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_errno.h - what the errno tests of the edu device share
 * (edu_attach_test.c, edu_hwpt_test.c): the edu_err fixture, which hands
 * the device to vfio-pci, opens its cdev and an iommufd with one IOAS, and
 * reads the device's IOMMU and reserved regions from sysfs; and the raw
 * requests both make, which return what ioctl() returned so that a test
 * can check errno.
 */
#ifndef EDU_ERRNO_H
#define EDU_ERRNO_H

#include <stddef.h>

#include "kselftest_harness.h"
#include "edu_driver.h"

#ifndef offsetofend
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))
#endif

#define BAD_ID		0x7fffff00U
#define BUF_SIZE	(64 * 1024)
#define LEN		2048
#define IOVA_A		0x00100000ULL
#define IOVA_B		0x00200000ULL
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAX_REGIONS	16

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
static inline int pci_link_name(const char *bdf, const char *link, char *name,
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

static inline enum iommu_kind iommu_kind_of(const char *name)
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

/* Parses the "start last type" lines of the group's reserved regions */
static inline int read_regions(const char *group, struct resv_region *r,
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

/* ---------------------------------------------------------------------- */
/* Raw requests                                                            */
/* ---------------------------------------------------------------------- */

/* *@pt_id: input the target, output what the kernel wrote back */
static inline int attach_raw(int devfd, __u32 *pt_id, __u32 flags, __u32 argsz)
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

static inline int attach(int devfd, __u32 *pt_id)
{
	return attach_raw(devfd, pt_id, 0,
			  sizeof(struct vfio_device_attach_iommufd_pt));
}

static inline int destroy(int ifd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(ifd, IOMMU_DESTROY, &cmd);
}

static inline int ioas_alloc(int ifd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	rc = ioctl(ifd, IOMMU_IOAS_ALLOC, &cmd);
	*id = cmd.out_ioas_id;
	return rc;
}

static inline int map_fixed(int ifd, __u32 ioas_id, void *buf, size_t len,
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

static inline int iova_ranges(int ifd, __u32 ioas_id,
			      struct iommu_iova_range *r, __u32 *num,
			      __u64 *align)
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

/* Is @iova inside one of the usable ranges of @ioas_id? */
static inline bool iova_usable(int ifd, __u32 ioas_id, __u64 iova)
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

static inline struct iommu_hwpt_alloc hwpt_req(__u32 dev_id, __u32 pt_id,
					       __u32 flags)
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

static inline int hwpt_alloc(int ifd, __u32 dev_id, __u32 pt_id, __u32 flags,
			     __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = hwpt_req(dev_id, pt_id, flags);
	int rc;

	rc = ioctl(ifd, IOMMU_HWPT_ALLOC, &cmd);
	if (hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return rc;
}

static inline struct iommu_hw_info info_req(__u32 dev_id, void *data, __u32 len)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};

	return cmd;
}

static inline int hw_info(int ifd, struct iommu_hw_info *cmd)
{
	return ioctl(ifd, IOMMU_GET_HW_INFO, cmd);
}

static inline int fault_queue_alloc(int ifd, __u32 *fault_id, int *fault_fd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	rc = ioctl(ifd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	*fault_id = cmd.out_fault_id;
	*fault_fd = rc ? -1 : (int)cmd.out_fault_fd;
	return rc;
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

static inline void bind_dev(struct __test_metadata *_metadata,
			    struct _test_data_edu_err *self)
{
	ASSERT_EQ(0, edu_bind_iommufd(&self->edu, self->ifd));
	ASSERT_NE(0, self->edu.devid);
}

/* A round trip A -> device -> B through the fixture IOAS works */
static inline void check_dma(struct __test_metadata *_metadata,
			     struct _test_data_edu_err *self,
			     unsigned char seed)
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
static inline bool region_enforced(const struct resv_region *r)
{
	return strcmp(r->type, "direct-relaxable");
}

#endif /* EDU_ERRNO_H */
