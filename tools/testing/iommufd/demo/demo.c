// SPDX-License-Identifier: GPL-2.0
/*
 * demo - the `make run` transcript: a userspace driver doing real DMA
 * through /dev/iommu
 *
 * QEMU's edu device is handed to vfio-pci, bound to /dev/iommu through its
 * vfio cdev and attached to an I/O address space.  Two buffers are mapped
 * into that IOAS; the device copies a message from one into its own memory
 * and from there into the other.  Then the second buffer is unmapped and the
 * device tries again: the IOMMU blocks the write and the buffer keeps its
 * contents.
 *
 * Exit status 0 means every step worked and every check held.
 */
#define _GNU_SOURCE
#include "../edu/edu_driver.h"

#define BUF_SIZE	(16 * 1024)
#define IOVA_A		0x00100000ULL
#define IOVA_B		0x00200000ULL
#define IOVA_NEVER	0x00300000ULL

static const char message[] =
	"Hello from /dev/iommu: this text went RAM -> edu -> RAM through an IOMMU domain.";
static const char second[] = "This second message must never arrive.";

/* Starts a step of the transcript. */
#define step(fmt, ...) do {						\
	printf("\n>>> " fmt "\n", ##__VA_ARGS__);			\
	fflush(stdout);							\
} while (0)

static void show_group(struct edu_dev *edu)
{
	char path[PATH_MAX], link[PATH_MAX], drv[NAME_MAX + 1];
	ssize_t n;

	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/iommu_group",
		 edu->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = 0;
	edu_driver_name(edu->bdf, drv, sizeof(drv));
	printf("edu (1234:11e8) at %s, IOMMU group %s, driver %s\n", edu->bdf,
	       n < 0 ? "none" : strrchr(link, '/') + 1, drv[0] ? drv : "none");
}

/* Prints the fault lines the kernel logged after the first @before ones. */
static int show_new_faults(const char *pattern, int before)
{
	char *lines = NULL, *line;
	int n, i = 0;

	/* The fault interrupt may arrive a moment after the DMA finished. */
	for (n = 0; n < 20; n++) {
		if (edu_klog_lines(pattern, NULL) > before)
			break;
		usleep(50000);
	}
	n = edu_klog_lines(pattern, &lines);
	if (n < 0)
		return n;
	for (line = lines; line && *line; line = strchr(line, '\n') + 1) {
		if (i++ < before)
			continue;
		/* Drop the "<3>" log level prefix of syslog(2). */
		if (line[0] == '<' && strchr(line, '>'))
			line = strchr(line, '>') + 1;
		printf("kernel: %.*s\n", (int)strcspn(line, "\n"), line);
	}
	free(lines);
	return n - before;
}

static int demo_bringup(struct edu_dev *edu)
{
	int fd, ret;

	step("find QEMU's edu device");
	ret = edu_find(edu);
	if (ret)
		return ret;
	show_group(edu);
	printf("IOMMU: %s\n", edu_iommu() ? edu_iommu()->name : "none found");

	step("bind it to vfio-pci (driver_override + drivers_probe)");
	ret = edu_bind_vfio_pci(edu);
	if (ret)
		return ret;
	show_group(edu);

	step("open its vfio device cdev");
	ret = edu_open_cdev(edu);
	if (ret < 0)
		return ret;
	printf("opened %s (fd %d)\n", edu->cdev, edu->devfd);

	step("open /dev/iommu and VFIO_DEVICE_BIND_IOMMUFD");
	fd = edu_open_iommufd();
	if (fd < 0)
		return fd;
	ret = edu_bind_iommufd(edu, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	printf("bound: device object %u; its IOMMU group's DMA is now owned by this iommufd\n",
	       edu->devid);

	step("IOMMU_IOAS_ALLOC and VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	ret = edu_ioas_alloc(edu->iommufd, &edu->ioas_id);
	if (ret)
		return ret;
	ret = edu_attach(edu, edu->ioas_id);
	if (ret)
		return ret;
	printf("IOAS %u allocated; device attached, through hardware page table %u\n",
	       edu->ioas_id, edu->hwpt_id);

	step("mmap BAR0 and enable bus mastering");
	ret = edu_map_bar0(edu);
	if (ret)
		return ret;
	ret = edu_enable_dma(edu);
	if (ret)
		return ret;
	ret = edu_check_alive(edu);
	if (ret)
		return ret;
	printf("BAR0: %zu KiB mapped; edu version %u.%u answers; PCI_COMMAND has Bus Master set\n",
	       edu->bar0_size >> 10, edu_read32(edu, EDU_REG_IDENT) >> 24,
	       (edu_read32(edu, EDU_REG_IDENT) >> 16) & 0xff);
	return 0;
}

static int demo_dma(struct edu_dev *edu, char *a, char *b)
{
	size_t len = sizeof(message);
	int ret;

	step("IOMMU_IOAS_MAP two buffers");
	ret = edu_ioas_map(edu->iommufd, edu->ioas_id, a, BUF_SIZE, IOVA_A,
			   IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
	if (ret)
		return ret;
	ret = edu_ioas_map(edu->iommufd, edu->ioas_id, b, BUF_SIZE, IOVA_B,
			   IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
	if (ret)
		return ret;
	printf("buffer A: %d KiB at %p -> IOVA 0x%llx\n", BUF_SIZE >> 10, a,
	       IOVA_A);
	printf("buffer B: %d KiB at %p -> IOVA 0x%llx\n", BUF_SIZE >> 10, b,
	       IOVA_B);

	step("DMA RAM -> device: IOVA 0x%llx -> edu buffer 0x%llx, %zu bytes",
	     IOVA_A, EDU_DMA_BUF, len);
	memcpy(a, message, len);
	printf("buffer A holds: \"%s\"\n", a);
	ret = edu_dma_to_device(edu, IOVA_A, 0, len);
	if (ret)
		return ret;
	printf("done\n");

	step("DMA device -> RAM: edu buffer 0x%llx -> IOVA 0x%llx, %zu bytes",
	     EDU_DMA_BUF, IOVA_B, len);
	ret = edu_dma_to_ram(edu, 0, IOVA_B, len);
	if (ret)
		return ret;
	printf("buffer B holds: \"%.*s\"\n", (int)len, b);

	step("verify");
	if (memcmp(a, b, len)) {
		printf("FAILED: buffer B differs from buffer A\n");
		return -EIO;
	}
	printf("OK: all %zu bytes arrived intact\n", len);
	return 0;
}

static int demo_blocked(struct edu_dev *edu, char *a, char *b)
{
	const struct edu_iommu *iommu = edu_iommu();
	size_t len = sizeof(second);
	int before, ret;

	if (!iommu) {
		printf("FAILED: no known IOMMU in /sys/class/iommu\n");
		return -ENODEV;
	}
	before = edu_klog_lines(iommu->fault_pattern, NULL);
	if (before < 0)
		return before;

	step("IOMMU_IOAS_UNMAP buffer B (IOVA 0x%llx), then DMA a new message there",
	     IOVA_B);
	ret = edu_ioas_unmap(edu->iommufd, edu->ioas_id, IOVA_B, BUF_SIZE);
	if (ret)
		return ret;
	memcpy(a, second, len);
	ret = edu_dma_to_device(edu, IOVA_A, 0, len);
	if (ret)
		return ret;
	ret = edu_dma_to_ram(edu, 0, IOVA_B, len);
	if (ret)
		return ret;
	printf("the device loaded \"%s\" and wrote it to IOVA 0x%llx\n",
	       second, IOVA_B);
	printf("buffer B still holds: \"%.*s\"\n", (int)sizeof(message), b);
	if (memcmp(b, message, sizeof(message))) {
		printf("FAILED: the DMA reached buffer B after it was unmapped\n");
		return -EIO;
	}
	printf("OK: the IOMMU blocked the write\n");

	step("DMA device -> RAM to IOVA 0x%llx, which was never mapped",
	     IOVA_NEVER);
	ret = edu_dma_to_ram(edu, 0, IOVA_NEVER, len);
	if (ret)
		return ret;
	printf("finished without touching any memory of ours\n");

	step("the %s driver's fault records in the kernel log", iommu->name);
	ret = show_new_faults(iommu->fault_pattern, before);
	if (ret < 0)
		return ret;
	if (!ret && iommu->no_fault_log) {
		printf("none: %s\n", iommu->no_fault_log);
	} else if (!ret) {
		printf("FAILED: no fault was logged for the blocked DMA\n");
		return -EIO;
	}
	return 0;
}

int main(void)
{
	struct edu_dev edu;
	char *a, *b;
	int ret;

	edu_init(&edu);
	a = edu_alloc_buf(BUF_SIZE);
	b = edu_alloc_buf(BUF_SIZE);
	if (!a || !b)
		return 1;

	ret = demo_bringup(&edu);
	if (!ret)
		ret = demo_dma(&edu, a, b);
	if (!ret)
		ret = demo_blocked(&edu, a, b);

	step("clean up: close the device (unbinds, returns the group) and /dev/iommu");
	edu_close(&edu);
	edu_free_buf(a, BUF_SIZE);
	edu_free_buf(b, BUF_SIZE);
	if (ret) {
		printf("demo FAILED: %s\n", strerror(-ret));
		return 1;
	}
	printf("demo finished: every check held\n");
	return 0;
}
