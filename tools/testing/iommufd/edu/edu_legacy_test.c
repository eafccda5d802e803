// SPDX-License-Identifier: GPL-2.0
/*
 * edu_legacy_test - real device DMA through the legacy VFIO container
 *
 * The edu device is used the way programs written before iommufd use a
 * device: its group joins /dev/vfio/vfio, VFIO_SET_IOMMU picks type1 (v1 or
 * v2), the device file comes from the group and memory is mapped with
 * VFIO_IOMMU_MAP_DMA.  The container is iommufd's (CONFIG_IOMMUFD_VFIO_CONTAINER),
 * so this is DMA through the emulated IOMMU into mappings made by our
 * compatibility layer.  As in edu_dma_test, blocked DMA is detected by the
 * memory behind it keeping a known pattern.
 *
 * The client fixture follows the order of a userspace driver written for
 * VFIO's type1 container (libvfn): it sizes its IOVA allocator from
 * VFIO_IOMMU_GET_INFO right after VFIO_SET_IOMMU and maps before it opens
 * the device, so the container must report and enforce what the group's
 * IOMMU can map, and pin and charge, from VFIO_SET_IOMMU on.  The late
 * fixture maps into the container's compat IOAS with native iommufd calls
 * before VFIO_SET_IOMMU: that memory is pinned and charged there.
 *
 * On machines without an IOMMU the same container serves VFIO's no-IOMMU
 * mode instead: the noiommu fixture enables it, takes the device through
 * a no-IOMMU group and checks what such a container offers.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "vfio_legacy.h"

/* Multiples of the largest base page size we run on (64 KiB). */
#define BUF_SIZE	(64 * 1024)
#define IOVA_A		0x00100000ULL
#define IOVA_B		0x00200000ULL
#define IOVA_C		0x00300000ULL
#define IOVA_NEVER	0x00800000ULL
#define LEN		2048
#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

FIXTURE(legacy) {
	struct edu_dev edu;
	struct edu_legacy lg;
	size_t page;
	char *a, *b, *c;
};

FIXTURE_VARIANT(legacy) {
	unsigned long type;
};

FIXTURE_VARIANT_ADD(legacy, type1v2) {
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_VARIANT_ADD(legacy, type1) {
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_SETUP(legacy)
{
	edu_init(&self->edu);
	edu_legacy_init(&self->lg);
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU: see the noiommu tests");
	ASSERT_EQ(0, edu_legacy_open(&self->edu, &self->lg, variant->type));
	self->page = sysconf(_SC_PAGESIZE);
	self->a = edu_alloc_buf(BUF_SIZE);
	self->b = edu_alloc_buf(BUF_SIZE);
	self->c = edu_alloc_buf(BUF_SIZE);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	ASSERT_NE(NULL, self->c);
}

FIXTURE_TEARDOWN(legacy)
{
	edu_legacy_close(&self->edu, &self->lg);
	edu_free_buf(self->a, BUF_SIZE);
	edu_free_buf(self->b, BUF_SIZE);
	edu_free_buf(self->c, BUF_SIZE);
}

#define map_rw(buf, iova) \
	ASSERT_EQ(0, edu_legacy_map(&self->lg, buf, BUF_SIZE, iova, RW))

/* Loads the device buffer with @len bytes of pattern @seed, through @a. */
static int load_device(struct edu_dev *edu, char *a, unsigned int seed,
		       __u32 len)
{
	edu_fill(a, len, seed);
	return edu_dma_to_device(edu, IOVA_A, 0, len);
}

TEST_F(legacy, round_trip)
{
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);

	ASSERT_EQ(0, load_device(&self->edu, self->a, 1, EDU_DMA_MAX));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B + 0x801,
				    EDU_DMA_MAX));
	ASSERT_EQ(0, memcmp(self->a, self->b + 0x801, EDU_DMA_MAX));
	ASSERT_TRUE(edu_all_bytes(self->b, 0x801, 0));
	ASSERT_TRUE(edu_all_bytes(self->b + 0x801 + EDU_DMA_MAX,
				  BUF_SIZE - 0x801 - EDU_DMA_MAX, 0));
}

/* Unmapped memory is out of the device's reach, in both directions. */
TEST_F(legacy, unmap_blocks_dma)
{
	__u64 unmapped = 0;

	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	map_rw(self->c, IOVA_C);
	ASSERT_EQ(0, load_device(&self->edu, self->a, 2, LEN));

	ASSERT_EQ(0, edu_legacy_unmap(&self->lg, IOVA_B, BUF_SIZE, 0,
				      &unmapped));
	ASSERT_EQ(BUF_SIZE, unmapped);
	memset(self->b, 0x5a, BUF_SIZE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_TRUE(edu_all_bytes(self->b, BUF_SIZE, 0x5a));

	/* Nothing was ever mapped here either. */
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_NEVER, LEN));

	/* The device cannot read A once it is unmapped. */
	ASSERT_EQ(0, edu_legacy_unmap(&self->lg, IOVA_A, BUF_SIZE, 0,
				      &unmapped));
	edu_fill(self->a, LEN, 3);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_C, LEN));
	ASSERT_NE(0, memcmp(self->a, self->c, LEN));

	/* Mapped again, B is reachable again. */
	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->c, self->b, LEN));
}

/* Without VFIO_DMA_MAP_FLAG_WRITE the device reads but never writes. */
TEST_F(legacy, readonly_mapping)
{
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	edu_fill(self->c, BUF_SIZE, 4);
	ASSERT_EQ(0, edu_legacy_map(&self->lg, self->c, BUF_SIZE, IOVA_C,
				    VFIO_DMA_MAP_FLAG_READ));

	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_C + 5, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, memcmp(self->c + 5, self->b, LEN));

	memcpy(self->b, self->c, BUF_SIZE);
	ASSERT_EQ(0, load_device(&self->edu, self->a, 5, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_C, LEN));
	ASSERT_EQ(0, memcmp(self->b, self->c, BUF_SIZE));
}

/*
 * Type1 v1 unmaps exactly one page out of the middle of a mapping: the
 * IOMMU then blocks that page and only that page.  v2 refuses the cut.
 */
TEST_F(legacy, unmap_one_page)
{
	size_t pg = self->page;
	__u64 unmapped = 0;

	if (BUF_SIZE < 3 * pg)
		SKIP(return, "pages too large for the buffers");
	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, load_device(&self->edu, self->a, 6, LEN));

	if (variant->type == VFIO_TYPE1v2_IOMMU) {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap),
			.iova = IOVA_B + pg,
			.size = pg,
		};

		ASSERT_EQ(-1, ioctl(self->lg.container, VFIO_IOMMU_UNMAP_DMA,
				    &unmap));
		ASSERT_EQ(ENOENT, errno);
		ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B + pg, LEN));
		ASSERT_EQ(0, memcmp(self->a, self->b + pg, LEN));
		return;
	}

	ASSERT_EQ(0, edu_legacy_unmap(&self->lg, IOVA_B + pg, pg, 0,
				      &unmapped));
	ASSERT_EQ(pg, unmapped);
	memset(self->b, 0x11, BUF_SIZE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B + pg, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B + 2 * pg, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->b, LEN));
	ASSERT_TRUE(edu_all_bytes(self->b + pg, pg, 0x11));
	ASSERT_EQ(0, memcmp(self->a, self->b + 2 * pg, LEN));

	/* The rest of the mapping goes in one call: all but the hole. */
	ASSERT_EQ(0, edu_legacy_unmap(&self->lg, IOVA_B, BUF_SIZE, 0,
				      &unmapped));
	ASSERT_EQ(BUF_SIZE - pg, unmapped);
}

TEST_F(legacy, unmap_all)
{
	__u64 unmapped = 0;

	map_rw(self->a, IOVA_A);
	map_rw(self->b, IOVA_B);
	ASSERT_EQ(0, load_device(&self->edu, self->a, 7, LEN));

	ASSERT_EQ(0, edu_legacy_unmap(&self->lg, 0, 0,
				      VFIO_DMA_UNMAP_FLAG_ALL, &unmapped));
	ASSERT_EQ(2 * BUF_SIZE, unmapped);
	memset(self->b, 0x22, BUF_SIZE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_B, LEN));
	ASSERT_TRUE(edu_all_bytes(self->b, BUF_SIZE, 0x22));
}

/* Does one of the usable ranges hold all of [first, last]? */
static bool usable(struct vfio_iommu_type1_info_cap_iova_range *ranges,
		   __u64 first, __u64 last)
{
	__u32 i;

	for (i = 0; i < ranges->nr_iovas; i++)
		if (ranges->iova_ranges[i].start <= first &&
		    ranges->iova_ranges[i].end >= last)
			return true;
	return false;
}

/* What VFIO_IOMMU_GET_INFO says about a real IOMMU domain. */
TEST_F(legacy, info)
{
	struct vfio_iommu_type1_info_cap_iova_range *ranges = NULL;
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *cap;
	char buf[4096] = {};
	__u32 i, off;

	info = (void *)buf;
	info->argsz = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->lg.container, VFIO_IOMMU_GET_INFO, info));
	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_PGSIZES);
	/* The smallest IOMMU page size the container uses is the CPU's */
	ASSERT_EQ(self->page, info->iova_pgsizes & -info->iova_pgsizes);
	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_CAPS);

	for (off = info->cap_offset; off; off = cap->next) {
		ASSERT_LT(off, sizeof(buf));
		cap = (void *)(buf + off);
		if (cap->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			ranges = (void *)cap;
	}
	ASSERT_NE(NULL, ranges);
	for (i = 0; i < ranges->nr_iovas; i++)
		TH_LOG("usable IOVA 0x%llx-0x%llx",
		       (unsigned long long)ranges->iova_ranges[i].start,
		       (unsigned long long)ranges->iova_ranges[i].end);
	ASSERT_TRUE(usable(ranges, IOVA_A, IOVA_NEVER + BUF_SIZE - 1));
#if defined(__x86_64__)
	/* The interrupt window is a reserved region of every x86 device */
	ASSERT_FALSE(usable(ranges, 0xfee00000ULL, 0xfee00000ULL));
#endif
}

/* The container's compat IOAS takes native iommufd calls too. */
TEST_F(legacy, mixed_with_iommufd)
{
	struct iommu_vfio_ioas get = {
		.size = sizeof(get),
		.op = IOMMU_VFIO_IOAS_GET,
	};
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };

	ASSERT_EQ(0, ioctl(self->lg.container, IOMMU_VFIO_IOAS, &get));
	map_rw(self->a, IOVA_A);
	ASSERT_EQ(0, edu_ioas_map(self->lg.container, get.ioas_id, self->c,
				  BUF_SIZE, IOVA_C,
				  IOMMU_IOAS_MAP_READABLE |
				  IOMMU_IOAS_MAP_WRITEABLE));

	ASSERT_EQ(0, load_device(&self->edu, self->a, 8, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_C, LEN));
	ASSERT_EQ(0, memcmp(self->a, self->c, LEN));

	/* IOMMU_IOAS_UNMAP removes what VFIO_IOMMU_MAP_DMA mapped */
	unmap.ioas_id = get.ioas_id;
	unmap.iova = IOVA_A;
	unmap.length = BUF_SIZE;
	ASSERT_EQ(0, ioctl(self->lg.container, IOMMU_IOAS_UNMAP, &unmap));
	ASSERT_EQ(BUF_SIZE, unmap.length);
	edu_fill(self->a, LEN, 9);
	ASSERT_EQ(0, edu_dma_to_device(&self->edu, IOVA_A, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA_C, LEN));
	ASSERT_NE(0, memcmp(self->a, self->c, LEN));
}

/* ---------------------------------------------------------------------- */
/* No-IOMMU mode                                                          */
/* ---------------------------------------------------------------------- */

FIXTURE(noiommu) {
	struct edu_dev edu;
	struct edu_legacy lg;
	bool enabled;
};

FIXTURE_SETUP(noiommu)
{
	edu_init(&self->edu);
	edu_legacy_init(&self->lg);
	if (edu_machine_has_iommu())
		SKIP(return, "the machine has an IOMMU");
	if (access(EDU_NOIOMMU_PARAM, W_OK))
		SKIP(return, "kernel without CONFIG_VFIO_NOIOMMU");
	ASSERT_EQ(0, edu_find(&self->edu));
	/* Groups are made when vfio-pci takes the device */
	ASSERT_EQ(0, edu_write_sysfs(EDU_NOIOMMU_PARAM, "1"));
	self->enabled = true;
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
}

FIXTURE_TEARDOWN(noiommu)
{
	edu_legacy_close(&self->edu, &self->lg);
	if (!self->enabled)
		return;
	edu_noiommu_release(&self->edu);
}

/*
 * Is /dev/vfio/vfio served by iommufd?  VFIO's own container fails every
 * iommufd ioctl.
 */
static bool container_is_iommufd(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	bool ret;
	int fd;

	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	ret = !ioctl(fd, IOMMU_IOAS_ALLOC, &alloc);
	close(fd);
	return ret;
}

TEST_F(noiommu, container)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	struct iommu_vfio_ioas get = {
		.size = sizeof(get),
		.op = IOMMU_VFIO_IOAS_GET,
	};
	int c;

	if (!container_is_iommufd())
		SKIP(return, "/dev/vfio/vfio is VFIO's own container");
	ASSERT_EQ(0, edu_legacy_attach(&self->edu, &self->lg));
	ASSERT_NE(NULL, strstr(self->lg.group_path, "noiommu-"));
	c = self->lg.container;

	/* Only the no-IOMMU type, and no compat IOAS */
	ASSERT_EQ(1, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU));
	ASSERT_EQ(0, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, ioctl(c, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL));
	ASSERT_EQ(-1, ioctl(c, IOMMU_VFIO_IOAS, &get));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(-1, ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, ioctl(c, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU));

	/* It has no IOMMU ioctls */
	ASSERT_EQ(-1, ioctl(c, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(c, VFIO_IOMMU_MAP_DMA, &info));
	ASSERT_EQ(ENOTTY, errno);

	/* The device works (untranslated, so no DMA is attempted here) */
	ASSERT_EQ(0, edu_legacy_open_device(&self->edu, &self->lg));
}

/* A container with a compat IOAS expects translation: no no-IOMMU group */
TEST_F(noiommu, not_with_translation)
{
	struct iommu_vfio_ioas set = {
		.size = sizeof(set),
		.op = IOMMU_VFIO_IOAS_SET,
	};
	struct edu_legacy *lg = &self->lg;

	if (!container_is_iommufd())
		SKIP(return, "/dev/vfio/vfio is VFIO's own container");
	lg->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lg->container);
	ASSERT_EQ(0, edu_ioas_alloc(lg->container, &set.ioas_id));
	ASSERT_EQ(0, ioctl(lg->container, IOMMU_VFIO_IOAS, &set));
	ASSERT_EQ(0, edu_group_path(self->edu.bdf, lg->group_path,
				    sizeof(lg->group_path)));
	lg->group = open(lg->group_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lg->group);
	ASSERT_EQ(-1, ioctl(lg->group, VFIO_GROUP_SET_CONTAINER,
			    &lg->container));
	ASSERT_EQ(EPERM, errno);
}

/*
 * The other way round: a container holding a no-IOMMU group refuses a
 * compat IOAS, which would let a group with an IOMMU join it later.
 */
TEST_F(noiommu, no_compat_ioas_after)
{
	struct iommu_vfio_ioas set = {
		.size = sizeof(set),
		.op = IOMMU_VFIO_IOAS_SET,
	};
	struct edu_legacy *lg = &self->lg;

	if (!container_is_iommufd())
		SKIP(return, "/dev/vfio/vfio is VFIO's own container");
	lg->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lg->container);
	ASSERT_EQ(0, edu_group_path(self->edu.bdf, lg->group_path,
				    sizeof(lg->group_path)));
	lg->group = open(lg->group_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lg->group);
	ASSERT_EQ(0, ioctl(lg->group, VFIO_GROUP_SET_CONTAINER,
			   &lg->container));
	ASSERT_EQ(0, edu_ioas_alloc(lg->container, &set.ioas_id));
	ASSERT_EQ(-1, ioctl(lg->container, IOMMU_VFIO_IOAS, &set));
	ASSERT_EQ(EPERM, errno);
	/* Nothing was installed */
	set.op = IOMMU_VFIO_IOAS_GET;
	ASSERT_EQ(-1, ioctl(lg->container, IOMMU_VFIO_IOAS, &set));
	ASSERT_EQ(ENODEV, errno);
	/* The no-IOMMU container still works */
	ASSERT_EQ(0, ioctl(lg->container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU));
	ASSERT_EQ(0, edu_legacy_open_device(&self->edu, lg));
}

/*
 * A /dev/iommu file takes a no-IOMMU group as its container whoever serves
 * /dev/vfio/vfio, also VFIO's own container (CONFIG_VFIO_CONTAINER).
 */
TEST_F(noiommu, iommufd_file)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct edu_legacy *lg = &self->lg;

	lg->container = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lg->container);
	ASSERT_EQ(0, edu_group_path(self->edu.bdf, lg->group_path,
				    sizeof(lg->group_path)));
	ASSERT_NE(NULL, strstr(lg->group_path, "noiommu-"));
	lg->group = open(lg->group_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lg->group);
	ASSERT_EQ(0, ioctl(lg->group, VFIO_GROUP_GET_STATUS, &status));
	ASSERT_TRUE(status.flags & VFIO_GROUP_FLAGS_VIABLE);
	ASSERT_EQ(0, ioctl(lg->group, VFIO_GROUP_SET_CONTAINER,
			   &lg->container));

	ASSERT_EQ(1, ioctl(lg->container, VFIO_CHECK_EXTENSION,
			   VFIO_NOIOMMU_IOMMU));
	ASSERT_EQ(0, ioctl(lg->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, ioctl(lg->container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU));
	ASSERT_EQ(0, edu_legacy_open_device(&self->edu, lg));
}

/* ---------------------------------------------------------------------- */
/* A userspace driver that sizes its IOVA allocator from GET_INFO          */
/* ---------------------------------------------------------------------- */

#define CLIENT_SIZE	(64 * 1024)
#define MSI_FIRST	0xfee00000ULL

/* mm->locked_vm of this process in pages (VmLck), -1 if unknown */
static long locked_pages(void)
{
	long kb = proc_status_kb(0, "VmLck");

	return kb < 0 ? -1 : kb * 1024 / sysconf(_SC_PAGESIZE);
}

/* Run like an unprivileged VMM: no CAP_IPC_LOCK, @bytes of RLIMIT_MEMLOCK */
static int limit_locked(size_t bytes)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	struct rlimit lim = { .rlim_cur = bytes, .rlim_max = bytes };

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data) || setrlimit(RLIMIT_MEMLOCK, &lim))
		return -errno;
	return 0;
}

/*
 * VFIO_IOMMU_GET_INFO the way such a driver asks: with the fixed part
 * first, then again with the argsz that answer asked for.
 */
static struct vfio_iommu_type1_info *client_get_info(int container)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;

	if (ioctl(container, VFIO_IOMMU_GET_INFO, &probe) ||
	    probe.argsz < sizeof(probe))
		return NULL;
	info = calloc(1, probe.argsz);
	if (!info)
		return NULL;
	info->argsz = probe.argsz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info) ||
	    info->argsz != probe.argsz) {
		free(info);
		return NULL;
	}
	return info;
}

/* The IOVA ranges capability, found by walking the chain with bounds */
static struct vfio_iommu_type1_info_cap_iova_range *
client_ranges(struct vfio_iommu_type1_info *info)
{
	struct vfio_iommu_type1_info_cap_iova_range *ranges;
	struct vfio_info_cap_header *hdr;
	unsigned int hops = 0;
	__u32 off;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;
	for (off = info->cap_offset; off; off = hdr->next) {
		if (off < sizeof(*info) || off + sizeof(*hdr) > info->argsz ||
		    ++hops > 16)
			return NULL;
		hdr = (void *)info + off;
		if (hdr->id != VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			continue;
		ranges = (void *)hdr;
		if (off + sizeof(*ranges) > info->argsz ||
		    off + sizeof(*ranges) + ranges->nr_iovas *
		    sizeof(ranges->iova_ranges[0]) > info->argsz)
			return NULL;
		return ranges;
	}
	return NULL;
}

/*
 * First fit of @size bytes (a power of two, also the alignment) in the
 * ranges, not at 0 and below @limit.  A range may end at 2^64 - 1, so
 * nothing here computes last - start + 1.
 */
static int client_alloc_iova(struct vfio_iommu_type1_info_cap_iova_range *r,
			     __u64 size, __u64 limit, __u64 *iova)
{
	__u32 i;

	for (i = 0; i < r->nr_iovas; i++) {
		__u64 start = r->iova_ranges[i].start ?: size;
		__u64 last = r->iova_ranges[i].end;
		__u64 at = (start + size - 1) & ~(size - 1);

		if (at < start || at > last || last - at < size - 1 ||
		    at > limit - size)
			continue;
		*iova = at;
		return 0;
	}
	return -ENOSPC;
}

/* Does any usable range meet [first, last]? */
static bool meets(struct vfio_iommu_type1_info_cap_iova_range *r,
		  __u64 first, __u64 last)
{
	__u32 i;

	for (i = 0; i < r->nr_iovas; i++)
		if (r->iova_ranges[i].start <= last &&
		    r->iova_ranges[i].end >= first)
			return true;
	return false;
}

/*
 * How many of the reserved regions of @bdf's group that VFIO type1 keeps out
 * of the IOVA space (all but direct-relaxable ones) meet a usable range:
 * 0 if none does, -1 if they cannot be read.
 */
static int regions_reported(const char *bdf,
			    struct vfio_iommu_type1_info_cap_iova_range *r)
{
	char path[PATH_MAX], link[PATH_MAX], line[128], type[32];
	unsigned long long first, last;
	int bad = 0;
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/iommu_group",
		 bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len <= 0)
		return -1;
	link[len] = '\0';
	if (!strrchr(link, '/'))
		return -1;
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/reserved_regions",
		 strrchr(link, '/') + 1);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %llx %31s", &first, &last, type) != 3)
			continue;
		if (strcmp(type, "direct-relaxable") && meets(r, first, last))
			bad++;
	}
	fclose(f);
	return bad;
}

/*
 * The second half of a client's life: with @buf (CLIENT_SIZE bytes) mapped
 * at @iova and @lck + @pages locked, open the device (nothing more is
 * charged), copy LEN bytes through it from the start of @buf to its middle,
 * then unmap everything, which gives the charge back.
 */
static void open_dma_unmap(struct __test_metadata *_metadata,
			   struct edu_dev *edu, struct edu_legacy *lg,
			   char *buf, __u64 iova, long lck, long pages,
			   int seed)
{
	__u64 unmapped = 0;

	ASSERT_EQ(0, edu_legacy_open_device(edu, lg));
	ASSERT_EQ(lck + pages, locked_pages());
	edu_fill(buf, LEN, seed);
	ASSERT_EQ(0, edu_dma_to_device(edu, iova, 0, LEN));
	ASSERT_EQ(0, edu_dma_to_ram(edu, 0, iova + CLIENT_SIZE / 2, LEN));
	ASSERT_EQ(0, memcmp(buf, buf + CLIENT_SIZE / 2, LEN));

	ASSERT_EQ(0, edu_legacy_unmap(lg, iova, CLIENT_SIZE, 0, &unmapped));
	ASSERT_EQ(CLIENT_SIZE, unmapped);
	ASSERT_EQ(lck, locked_pages());
}

FIXTURE(client) {
	struct edu_dev edu;
	struct edu_legacy lg;
	struct vfio_iommu_type1_info *info;
	struct vfio_iommu_type1_info_cap_iova_range *ranges;
	size_t page;
	char *buf;
};

/* SET_CONTAINER, SET_IOMMU(type1 v1), GET_INFO twice, the cap chain */
FIXTURE_SETUP(client)
{
	__u32 i;

	edu_init(&self->edu);
	edu_legacy_init(&self->lg);
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU");
	if (!container_is_iommufd())
		SKIP(return, "/dev/vfio/vfio is VFIO's own container");
	self->page = sysconf(_SC_PAGESIZE);
	self->buf = edu_alloc_buf(CLIENT_SIZE);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	ASSERT_EQ(0, limit_locked(16 << 20));

	ASSERT_EQ(0, edu_legacy_attach(&self->edu, &self->lg));
	ASSERT_EQ(0, ioctl(self->lg.container, VFIO_SET_IOMMU,
			   VFIO_TYPE1_IOMMU));
	self->info = client_get_info(self->lg.container);
	ASSERT_NE(NULL, self->info);
	self->ranges = client_ranges(self->info);
	ASSERT_NE(NULL, self->ranges);
	ASSERT_LT(0, self->ranges->nr_iovas);
	for (i = 0; i < self->ranges->nr_iovas; i++)
		TH_LOG("usable IOVA 0x%llx-0x%llx",
		       (unsigned long long)self->ranges->iova_ranges[i].start,
		       (unsigned long long)self->ranges->iova_ranges[i].end);
}

FIXTURE_TEARDOWN(client)
{
	edu_legacy_close(&self->edu, &self->lg);
	edu_free_buf(self->buf, CLIENT_SIZE);
	free(self->info);
}

/*
 * The whole order: what GET_INFO reports is what the group's IOMMU maps,
 * the memory is pinned and charged at MAP_DMA, and the device, opened
 * last, moves data through the mapping.
 */
TEST_F(client, order_of_a_userspace_driver)
{
	struct vfio_iommu_type1_info *info = self->info;
	long lck, pages = CLIENT_SIZE / self->page;
	__u64 iova;

	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_PGSIZES);
	ASSERT_EQ(self->page, info->iova_pgsizes & -info->iova_pgsizes);
	/* Not all 64 bits: the aperture and reserved regions of its IOMMU */
	ASSERT_FALSE(self->ranges->nr_iovas == 1 &&
		     self->ranges->iova_ranges[0].start == 0 &&
		     self->ranges->iova_ranges[0].end == UINT64_MAX);
	/* Nothing the group reserves (on x86 the MSI window) is reported */
	ASSERT_EQ(0, regions_reported(self->edu.bdf, self->ranges));

	ASSERT_EQ(0, client_alloc_iova(self->ranges, CLIENT_SIZE,
				       EDU_DMA_LIMIT, &iova));
	lck = locked_pages();
	ASSERT_LE(0, lck);
	ASSERT_EQ(0, edu_legacy_map(&self->lg, self->buf, CLIENT_SIZE, iova,
				    RW));
	/* Pinned and charged now, as type1 does, not when the device opens */
	ASSERT_EQ(lck + pages, locked_pages());

	open_dma_unmap(_metadata, &self->edu, &self->lg, self->buf, iova, lck,
		       pages, 12);
}

/*
 * IOVA the report leaves out is refused at MAP_DMA, before any device is
 * open: a mapping there could never be attached.  Opening the device
 * then works.
 */
TEST_F(client, maps_outside_the_report_refused)
{
	struct vfio_iommu_type1_info_cap_iova_range *r = self->ranges;
	__u64 last = r->iova_ranges[r->nr_iovas - 1].end;
	__u32 i;

	for (i = 0; i + 1 < r->nr_iovas; i++) {
		__u64 gap = r->iova_ranges[i].end + 1;

		if (gap % self->page || gap % CLIENT_SIZE)
			continue;
		ASSERT_EQ(-EINVAL, edu_legacy_map(&self->lg, self->buf,
						  CLIENT_SIZE, gap, RW));
	}
	if (last != UINT64_MAX)
		ASSERT_EQ(-EINVAL, edu_legacy_map(&self->lg, self->buf,
						  self->page, last + 1, RW));
#if defined(__x86_64__)
	ASSERT_EQ(-EINVAL, edu_legacy_map(&self->lg, self->buf, CLIENT_SIZE,
					  MSI_FIRST, RW));
#endif
	ASSERT_EQ(0, edu_legacy_open_device(&self->edu, &self->lg));
}

/*
 * RLIMIT_MEMLOCK is enforced at MAP_DMA, as type1 does, so a program that
 * maps before opening its device (QEMU) fails where it can tell which
 * mapping is too much, not later at device open.
 */
TEST_F(client, memlock_enforced_at_map)
{
	__u64 iova;

	ASSERT_EQ(0, limit_locked(CLIENT_SIZE / 2));
	ASSERT_EQ(0, client_alloc_iova(self->ranges, CLIENT_SIZE,
				       EDU_DMA_LIMIT, &iova));
	ASSERT_EQ(-ENOMEM, edu_legacy_map(&self->lg, self->buf, CLIENT_SIZE,
					  iova, RW));
	ASSERT_EQ(0, edu_legacy_map(&self->lg, self->buf, CLIENT_SIZE / 2,
				    iova, RW));
	ASSERT_EQ(0, edu_legacy_open_device(&self->edu, &self->lg));
}

/* ---------------------------------------------------------------------- */
/* Memory mapped before VFIO_SET_IOMMU                                     */
/* ---------------------------------------------------------------------- */

#define LATE_IOVA	0x00400000ULL
#define RACE_PAGES	512
#define RACE_ROUNDS	8

FIXTURE(late) {
	struct edu_dev edu;
	struct edu_legacy lg;
	__u32 ioas_id;
	size_t page;
	char *buf;
};

/* The group joined, no IOMMU type yet: the compat IOAS has no domain */
static int late_attach(struct edu_dev *edu, struct edu_legacy *lg,
		       __u32 *ioas_id)
{
	struct iommu_vfio_ioas get = {
		.size = sizeof(get),
		.op = IOMMU_VFIO_IOAS_GET,
	};
	int ret;

	ret = edu_legacy_attach(edu, lg);
	if (ret)
		return ret;
	if (ioctl(lg->container, IOMMU_VFIO_IOAS, &get))
		return edu_fail(errno, "IOMMU_VFIO_IOAS_GET");
	*ioas_id = get.ioas_id;
	return 0;
}

FIXTURE_SETUP(late)
{
	edu_init(&self->edu);
	edu_legacy_init(&self->lg);
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU");
	if (!container_is_iommufd())
		SKIP(return, "/dev/vfio/vfio is VFIO's own container");
	self->page = sysconf(_SC_PAGESIZE);
	self->buf = edu_alloc_buf(RACE_PAGES * self->page);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	ASSERT_EQ(0, limit_locked(16 << 20));
	ASSERT_EQ(0, late_attach(&self->edu, &self->lg, &self->ioas_id));
}

FIXTURE_TEARDOWN(late)
{
	edu_legacy_close(&self->edu, &self->lg);
	edu_free_buf(self->buf, RACE_PAGES * self->page);
}

#define late_map(self, buf, len, iova)					\
	edu_ioas_map((self)->lg.container, (self)->ioas_id, buf, len, iova,	\
		     IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/*
 * Nothing is pinned while there is neither a device nor an IOMMU type;
 * VFIO_SET_IOMMU pins and charges what is mapped, and the device opened
 * later uses those pins.
 */
TEST_F(late, mapped_before_set_iommu)
{
	long lck, pages = CLIENT_SIZE / self->page;

	lck = locked_pages();
	ASSERT_LE(0, lck);
	ASSERT_EQ(0, late_map(self, self->buf, CLIENT_SIZE, LATE_IOVA));
	ASSERT_EQ(lck, locked_pages());

	ASSERT_EQ(0, ioctl(self->lg.container, VFIO_SET_IOMMU,
			   VFIO_TYPE1_IOMMU));
	ASSERT_EQ(lck + pages, locked_pages());

	open_dma_unmap(_metadata, &self->edu, &self->lg, self->buf, LATE_IOVA,
		       lck, pages, 13);
}

/*
 * More than RLIMIT_MEMLOCK mapped before VFIO_SET_IOMMU: it fails with
 * ENOMEM, nothing stays charged and the type is not set, so it can be
 * tried again once the program unmapped enough.
 */
TEST_F(late, over_limit_at_set_iommu)
{
	size_t page = self->page;
	long lck;

	ASSERT_EQ(0, limit_locked(2 * page));
	lck = locked_pages();
	ASSERT_LE(0, lck);
	ASSERT_EQ(0, late_map(self, self->buf, page, LATE_IOVA));
	ASSERT_EQ(0, late_map(self, self->buf + page, 3 * page,
			      LATE_IOVA + page));
	ASSERT_EQ(lck, locked_pages());

	ASSERT_EQ(-1, ioctl(self->lg.container, VFIO_SET_IOMMU,
			    VFIO_TYPE1_IOMMU));
	ASSERT_EQ(ENOMEM, errno);
	ASSERT_EQ(lck, locked_pages());

	ASSERT_EQ(0, edu_ioas_unmap(self->lg.container, self->ioas_id,
				    LATE_IOVA + page, 3 * page));
	ASSERT_EQ(0, ioctl(self->lg.container, VFIO_SET_IOMMU,
			   VFIO_TYPE1_IOMMU));
	ASSERT_EQ(lck + 1, locked_pages());
	ASSERT_EQ(0, edu_legacy_open_device(&self->edu, &self->lg));
}

struct late_mapper {
	int container;
	__u32 ioas_id;
	char *buf;
	size_t page;
	int nmapped;
	int err;
};

/* One page at a time at its own IOVA, each left mapped */
static void *late_mapper_run(void *arg)
{
	struct late_mapper *m = arg;
	int i;

	for (i = 0; i < RACE_PAGES; i++) {
		m->err = edu_ioas_map(m->container, m->ioas_id,
				      m->buf + i * m->page, m->page,
				      LATE_IOVA + i * m->page,
				      IOMMU_IOAS_MAP_READABLE |
				      IOMMU_IOAS_MAP_WRITEABLE);
		if (m->err)
			break;
		__atomic_store_n(&m->nmapped, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Another thread keeps mapping into the compat IOAS while VFIO_SET_IOMMU
 * turns pinning on: every mapping, made before, during or after the
 * switch, ends up pinned and charged exactly once.  The mappings published
 * while the switch pins what was there are pinned in further rounds, and
 * in the last one under the IOAS locks: this reaches both.
 */
TEST_F(late, maps_racing_set_iommu)
{
	struct late_mapper m = { .buf = self->buf, .page = self->page };
	pthread_t thread;
	long lck;
	int round;

	lck = locked_pages();
	ASSERT_LE(0, lck);
	for (round = 0; round < RACE_ROUNDS; round++) {
		if (round)
			ASSERT_EQ(0, late_attach(&self->edu, &self->lg,
						 &self->ioas_id));
		m.container = self->lg.container;
		m.ioas_id = self->ioas_id;
		m.nmapped = 0;
		ASSERT_EQ(0, pthread_create(&thread, NULL, late_mapper_run,
					    &m));
		/* Vary how much is mapped before the switch */
		while (__atomic_load_n(&m.nmapped, __ATOMIC_ACQUIRE) <
		       round * RACE_PAGES / (2 * RACE_ROUNDS))
			sched_yield();
		ASSERT_EQ(0, ioctl(self->lg.container, VFIO_SET_IOMMU,
				   VFIO_TYPE1v2_IOMMU));
		ASSERT_EQ(0, pthread_join(thread, NULL));
		ASSERT_EQ(0, m.err);
		ASSERT_EQ(RACE_PAGES, m.nmapped);
		ASSERT_EQ(lck + RACE_PAGES, locked_pages());

		edu_legacy_close(&self->edu, &self->lg);
		ASSERT_EQ(lck, locked_pages());
	}
}

TEST_HARNESS_MAIN
