// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_native_test - QEMU 10 as a native /dev/iommu client
 *
 * QEMU 9.0 and later can hand a device to a guest through iommufd instead
 * of the legacy container: "-object iommufd,id=i0 -device
 * vfio-pci,host=BDF,iommufd=i0" opens /dev/iommu and the device's vfio cdev,
 * binds the device, allocates an IOAS, maps the guest's RAM into it at
 * IOVA == guest physical address and attaches the device.  QEMU 10 (packed
 * by vm-run.sh --qemu under /opt/qemu-10) does that here, inside the
 * x86-vtd machine, with the machine's edu device.
 *
 * paused: QEMU starts with -S (the nested guest never runs).  Over QMP the
 *	device is realized and the iommufd object exists; QEMU holds
 *	/dev/iommu and the device's cdev open and no legacy container; from
 *	our side, every page of the nested guest's RAM above 1 MiB is in the
 *	VT-d page table of the edu device (the domain of QEMU's IOAS) and
 *	pinned (FOLL_PIN count); after "quit" QEMU exits cleanly, every pin
 *	it took is released and the device can be bound to a new iommufd.
 *
 * nested_guest_dma: the real thing.  QEMU 10 boots a nested guest (this
 *	machine's own kernel, /opt/nested/bzImage, packed by vm-run.sh
 *	--qemu; the initramfs is this very program as /init, written by the
 *	test) with edu assigned.  In the nested guest this program, as PID 1,
 *	finds the device, enables it through sysfs, maps its BAR0 and DMAs a
 *	buffer into the device and back out into another buffer, using
 *	nested guest-physical addresses (/proc/self/pagemap): those go
 *	through QEMU's IOAS mapping, through our subsystem, into the emulated
 *	VT-d of this machine.  It prints the result on its console and powers
 *	off; the test checks the result and times the nested boot.
 *
 * nested_viommu_dma: the same nested guest behind a virtual IOMMU: QEMU
 *	emulates an Intel IOMMU for it (intel-iommu, caching-mode=on, which
 *	vfio needs: the guest then reports every new mapping and QEMU mirrors
 *	it into its IOAS with IOMMU_IOAS_MAP).  The nested guest's kernel
 *	turns DMA remapping on, and this program, as its PID 1, drives edu
 *	the way the outer tests do (vfio-pci, its cdev, the nested guest's
 *	own /dev/iommu): it maps a buffer at IOVA 1 MiB of the nested guest
 *	and DMAs through it.  Here the test counts what that cost us: pages
 *	pinned (FOLL_PIN) over the run and while the nested guest held its
 *	mapping, what the edu device's VT-d table held then (only the
 *	nested guest's two pages, at the nested IOVAs), and from QEMU's own
 *	trace the IOAS and HWPT objects it allocated and its map and unmap
 *	calls.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "qemu_qmp.h"

#define QEMU10		QEMU_DIR("10")
#define NESTED_KERNEL	"/opt/nested/bzImage"
#define NESTED_INITRD	"/tmp/nested-initrd.cpio"
#define NESTED_CONSOLE	"/tmp/nested-console.log"
#define NESTED_OK	"NESTED-DMA: ok"
#define NESTED_TRACE	"/tmp/nested-trace.log"
/* The nested guest's command line switch for the vIOMMU variant */
#define NESTED_VIOMMU	"harness.nested=viommu"
/* Where the nested guest maps its buffer behind its vIOMMU */
#define NESTED_IOVA	0x100000ULL
/* How long it holds that mapping after the DMA, for the outer to look */
#define NESTED_HOLD_S	5
#define GUEST_MB	64
#define GUEST_RAM	((unsigned long long)GUEST_MB << 20)
/* TCG inside TCG: the nested boot takes minutes */
#define NESTED_TIMEOUT_MS	(900 * 1000)

/* qom-get arguments: the iommufd link of the assigned device */
#define EDU0_IOMMUFD \
	"{\"path\": \"/machine/peripheral/edu0\", \"property\": \"iommufd\"}"

/* How many of QEMU's open files are @path (a prefix of their link) */
static int fds_of(pid_t pid, const char *path)
{
	char dir[64], fd[PATH_MAX + 64], link[PATH_MAX];
	struct dirent *e;
	int n = 0;
	ssize_t len;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		snprintf(fd, sizeof(fd), "%s/%s", dir, e->d_name);
		len = readlink(fd, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		n += !strncmp(link, path, strlen(path));
	}
	closedir(d);
	return n;
}

FIXTURE(native) {
	struct edu_dev edu;
	struct qmp q;
	long long pins_before;
	char dev[NAME_MAX + 64];
	char mem[16];
};

FIXTURE_SETUP(native)
{
	long long acq, rel;

	if (access(QEMU10, X_OK))
		SKIP(return, "QEMU 10 is not in this machine (vm-run.sh --qemu)");
	if (access(VTD_DEBUGFS, F_OK))
		SKIP(return, "needs the x86-vtd machine (VT-d debugfs)");
	edu_init(&self->edu);
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	snprintf(self->dev, sizeof(self->dev),
		 "vfio-pci,host=%s,iommufd=i0,id=edu0", self->edu.bdf);
	snprintf(self->mem, sizeof(self->mem), "%d", GUEST_MB);
	foll_pins(&acq, &rel);
	self->pins_before = acq - rel;
}

FIXTURE_TEARDOWN(native)
{
}

/* After QEMU is gone: no pin left, the device binds to a new iommufd */
static void check_released(struct __test_metadata *_metadata,
			   long long pins_before)
{
	struct edu_dev edu;
	long long acq, rel;

	EXPECT_TRUE(foll_pins(&acq, &rel));	/* exact counts */
	TH_LOG("FOLL_PIN pages outstanding: %lld before QEMU, %lld after",
	       pins_before, acq - rel);
	EXPECT_EQ(pins_before, acq - rel);
	edu_init(&edu);
	ASSERT_EQ(0, edu_open(&edu));
	edu_close(&edu);
}

TEST_F(native, paused)
{
	static bool mapped[GUEST_RAM >> 12];
	const char *const argv[] = { QEMU10, "-M", "q35", "-accel", "tcg",
			 "-nodefaults", "-display", "none", "-S", "-qmp", "stdio",
			 "-m", self->mem, "-object", "iommufd,id=i0",
			 "-device", self->dev, NULL };
	struct qmp *q = &self->q;
	unsigned long long p, missing = 0;
	long long total, acq, rel;
	__u64 start = edu_now_ms();
	int status;

	memset(mapped, 0, sizeof(mapped));
	ASSERT_EQ(0, qmp_start(q, argv));
	if (qmp_wait(q, "\"QMP\"") || qmp_call(q, "qmp_capabilities")) {
		show_file(QEMU_LOG);
		ASSERT_TRUE(false);
	}

	/* Realized, through the iommufd object */
	ASSERT_EQ(0, qmp_call(q, "query-pci"));
	EXPECT_NE(NULL, strstr(q->buf, "\"qdev_id\": \"edu0\""));
	EXPECT_NE(NULL, strstr(q->buf, "\"vendor\": 4660"));	/* 0x1234 */
	EXPECT_NE(NULL, strstr(q->buf, "\"device\": 4584"));	/* 0x11e8 */
	ASSERT_EQ(0, qmp_call_args(q, "qom-get", EDU0_IOMMUFD));
	EXPECT_NE(NULL, strstr(q->buf, "/objects/i0"));
	ASSERT_EQ(0, qmp_call_args(q, "qom-list", "{\"path\": \"/objects\"}"));
	EXPECT_NE(NULL, strstr(q->buf, "\"name\": \"i0\", \"type\": \"child<iommufd>\""));

	/* QEMU's files: /dev/iommu and the cdev, no legacy container */
	EXPECT_EQ(1, fds_of(q->pid, "/dev/iommu"));
	EXPECT_EQ(1, fds_of(q->pid, "/dev/vfio/devices/vfio"));
	EXPECT_EQ(0, fds_of(q->pid, "/dev/vfio/vfio"));

	/* Guest RAM is in the VT-d page table of the device: QEMU's IOAS */
	total = vtd_mapped(self->edu.bdf, mapped, GUEST_RAM);
	ASSERT_LT(0, total);
	for (p = 1 << 20; p < GUEST_RAM; p += 4096)
		missing += !mapped[p >> 12];
	TH_LOG("%lld KiB mapped for a %d MiB guest; %llu pages missing",
	       total >> 10, GUEST_MB, missing);
	EXPECT_EQ(0, missing);
	EXPECT_LE(GUEST_RAM - (1 << 20), total);
	/* ... and pinned, once */
	foll_pins(&acq, &rel);
	TH_LOG("FOLL_PIN pages outstanding with QEMU running: %lld",
	       acq - rel - self->pins_before);
	EXPECT_LE((GUEST_RAM - (1 << 20)) >> 12, acq - rel - self->pins_before);

	EXPECT_EQ(0, qmp_call(q, "quit"));
	status = qmp_reap(q, QMP_TIMEOUT_MS);
	if (status)
		show_file(QEMU_LOG);
	EXPECT_EQ(0, status);
	qmp_close(q);
	TH_LOG("QEMU ran for %llu ms", (unsigned long long)(edu_now_ms() - start));
	check_released(_metadata, self->pins_before);
}

/* The newc cpio archive of the nested guest: /dev/console and /init */
static int cpio_entry(int fd, const char *name, unsigned int mode,
		      unsigned int rmaj, unsigned int rmin, const void *data,
		      size_t size)
{
	static const char zero[4];
	char hdr[128];
	size_t nlen = strlen(name) + 1;

	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 0, mode, 0, 0, 1, 0, (unsigned int)size, 0, 0, rmaj, rmin,
		 (unsigned int)nlen, 0);
	if (write(fd, hdr, 110) != 110 ||
	    write(fd, name, nlen) != (ssize_t)nlen ||
	    write(fd, zero, (4 - (110 + nlen) % 4) % 4) < 0)
		return -1;
	if (size && (write(fd, data, size) != (ssize_t)size ||
		     write(fd, zero, (4 - size % 4) % 4) < 0))
		return -1;
	return 0;
}

static int write_nested_initrd(void)
{
	struct stat st;
	void *self_exe;
	int in, out, ret;

	in = open("/proc/self/exe", O_RDONLY);
	if (in < 0 || fstat(in, &st))
		return -1;
	self_exe = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, in, 0);
	close(in);
	if (self_exe == MAP_FAILED)
		return -1;
	out = open(NESTED_INITRD, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return -1;
	ret = cpio_entry(out, "dev", 040755, 0, 0, NULL, 0) ||
	      cpio_entry(out, "dev/console", 020600, 5, 1, NULL, 0) ||
	      cpio_entry(out, "proc", 040755, 0, 0, NULL, 0) ||
	      cpio_entry(out, "sys", 040755, 0, 0, NULL, 0) ||
	      cpio_entry(out, "init", 0100755, 0, 0, self_exe, st.st_size) ||
	      cpio_entry(out, "TRAILER!!!", 0, 0, 0, NULL, 0);
	close(out);
	munmap(self_exe, st.st_size);
	return ret ? -1 : 0;
}

/*
 * The nested guest's kernel command line. Its TSC, under TCG inside TCG,
 * runs at this machine's, which the harness measured on the host and gave
 * this kernel (tsc_early_khz=, see vm-run.sh): hand it on, so the nested
 * kernel does not calibrate against an emulated PIT either.
 */
static void nested_append(char *buf, size_t len)
{
	char cmdline[4096], *p;

	snprintf(buf, len, "console=ttyS0 rdinit=/init panic=-1 quiet no_timer_check");
	if (edu_read_sysfs("/proc/cmdline", cmdline, sizeof(cmdline)))
		return;
	p = strstr(cmdline, "tsc_early_khz=");
	if (p)
		snprintf(buf + strlen(buf), len - strlen(buf), " %.*s",
			 (int)strcspn(p, "\n "), p);
}

/* Lines of @path that contain @pattern */
static int count_lines(const char *path, const char *pattern)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, pattern);
	fclose(f);
	return n;
}

/* What the machine saw of one nested guest run */
struct nested_run {
	long long pins_max;	/* FOLL_PIN pages at most, above the start */
	long long pins_at_dma;	/* ... when the nested guest reported its DMA */
	long long mapped_at_dma; /* bytes in edu's VT-d table then, -1: not seen */
	bool iova_mapped;	/* NESTED_IOVA and the page after it among them */
	__u64 ms_dma, ms_total;
};

/*
 * Boots the nested guest (behind a vIOMMU when @viommu) and waits for it to
 * power off, sampling the pinned pages every second and, once it reported
 * its DMA, edu's VT-d page table.  @self is the fixture's data
 * (FIXTURE_DATA(native), spelled out).
 */
static void run_nested(struct __test_metadata *_metadata,
		       struct _test_data_native *self, bool viommu,
		       struct nested_run *run)
{
	static bool mapped[GUEST_RAM >> 12];
	char append[320];
	const char *argv[40] = { QEMU10, "-M", "q35", "-accel", "tcg",
			 "-nodefaults", "-display", "none", "-qmp", "stdio",
			 "-no-reboot", "-m", self->mem,
			 /* QEMU's own account of its /dev/iommu calls */
			 "-trace", "iommufd_*", "-D", NESTED_TRACE };
	int argc = 0;
	struct qmp *q = &self->q;
	char console[8192] = "", *line;
	__u64 start = edu_now_ms();
	long long acq, rel;
	int status, fd, ret;
	ssize_t n;

	memset(run, 0, sizeof(*run));
	run->mapped_at_dma = -1;
	while (argv[argc])
		argc++;
	if (viommu)	/* created before the devices it translates */
		argv[argc++] = "-device",
		argv[argc++] = "intel-iommu,caching-mode=on,intremap=on,aw-bits=39";
	argv[argc++] = "-object";
	argv[argc++] = "iommufd,id=i0";
	argv[argc++] = "-device";
	argv[argc++] = self->dev;
	argv[argc++] = "-serial";
	argv[argc++] = "file:" NESTED_CONSOLE;
	argv[argc++] = "-kernel";
	argv[argc++] = NESTED_KERNEL;
	argv[argc++] = "-initrd";
	argv[argc++] = NESTED_INITRD;
	argv[argc++] = "-append";
	argv[argc++] = append;
	argv[argc] = NULL;

	nested_append(append, sizeof(append));
	if (viommu)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " intel_iommu=on " NESTED_VIOMMU);
	unlink(NESTED_CONSOLE);
	ASSERT_EQ(0, write_nested_initrd());
	ASSERT_EQ(0, qmp_start(q, argv));
	if (qmp_wait(q, "\"QMP\"") || qmp_call(q, "qmp_capabilities")) {
		show_file(QEMU_LOG);
		ASSERT_TRUE(false);
	}
	/*
	 * The nested guest powers itself off when it is done: QEMU reports
	 * SHUTDOWN and exits (-no-reboot), or exits before the event is read.
	 */
	for (;;) {
		ret = qmp_wait_ms(q, "\"SHUTDOWN\"", true, 1000);
		if (ret != -ETIMEDOUT ||
		    edu_now_ms() - start > NESTED_TIMEOUT_MS)
			break;
		foll_pins(&acq, &rel);
		if (acq - rel - self->pins_before > run->pins_max)
			run->pins_max = acq - rel - self->pins_before;
		if (run->ms_dma || count_lines(NESTED_CONSOLE, NESTED_OK) <= 0)
			continue;
		run->ms_dma = edu_now_ms() - start;
		run->pins_at_dma = acq - rel - self->pins_before;
		memset(mapped, 0, sizeof(mapped));
		run->mapped_at_dma = vtd_mapped(self->edu.bdf, mapped, GUEST_RAM);
		run->iova_mapped = mapped[NESTED_IOVA >> 12] &&
				   mapped[(NESTED_IOVA >> 12) + 1];
	}
	if (ret == -EPIPE)
		ret = 0;
	run->ms_total = edu_now_ms() - start;
	TH_LOG("nested guest ran for %llu ms (QEMU start to power-off; %s)",
	       (unsigned long long)run->ms_total,
	       ret ? "did not finish" : "finished");
	status = qmp_reap(q, ret ? 0 : QMP_TIMEOUT_MS);
	qmp_close(q);

	fd = open(NESTED_CONSOLE, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, console, sizeof(console) - 1);
	close(fd);
	console[n > 0 ? n : 0] = 0;
	for (line = strtok(console, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, "NESTED"))
			TH_LOG("%s", line);
	if (ret || !count_lines(NESTED_CONSOLE, NESTED_OK)) {
		show_file(NESTED_CONSOLE);
		show_file(QEMU_LOG);
	}
	TH_LOG("QEMU's /dev/iommu calls: %d IOAS and %d HWPT allocated, %d maps, %d unmaps",
	       count_lines(NESTED_TRACE, "iommufd_backend_alloc_ioas"),
	       count_lines(NESTED_TRACE, "iommufd_backend_alloc_hwpt"),
	       count_lines(NESTED_TRACE, "iommufd_backend_map_dma "),
	       count_lines(NESTED_TRACE, "iommufd_backend_unmap_dma "));
	TH_LOG("pinned pages: at most %lld over the run", run->pins_max);
	if (run->ms_dma)
		TH_LOG("at the DMA report (%llu ms): %lld pinned, edu's VT-d table %lld KiB",
		       (unsigned long long)run->ms_dma, run->pins_at_dma,
		       run->mapped_at_dma / 1024);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, status);
	EXPECT_LT(0, count_lines(NESTED_CONSOLE, NESTED_OK));
	check_released(_metadata, self->pins_before);
}

TEST_F_TIMEOUT(native, nested_guest_dma, 1200)
{
	struct nested_run run;

	if (access(NESTED_KERNEL, R_OK))
		SKIP(return, "no nested kernel at " NESTED_KERNEL);
	run_nested(_metadata, self, false, &run);
}

TEST_F_TIMEOUT(native, nested_viommu_dma, 1200)
{
	struct nested_run run;

	if (access(NESTED_KERNEL, R_OK))
		SKIP(return, "no nested kernel at " NESTED_KERNEL);
	run_nested(_metadata, self, true, &run);
	/*
	 * Behind its vIOMMU the nested guest's RAM is no longer mapped whole:
	 * while it held its buffer, edu's table held the nested IOVAs of that
	 * buffer and little else, and far fewer pages were pinned than its RAM.
	 */
	ASSERT_NE(0, run.ms_dma);
	EXPECT_TRUE(run.iova_mapped);
	EXPECT_GE(64 << 10, run.mapped_at_dma);
	EXPECT_GT((long long)(GUEST_RAM >> 12) / 8, run.pins_at_dma);
}

/*
 * The nested guest's side: PID 1 of the nested initramfs.  Plain sysfs, no
 * IOMMU and no VFIO in the nested guest: the device DMAs to nested
 * guest-physical addresses, which QEMU mapped as IOVAs in its IOAS.
 */
#define say(fmt, ...) dprintf(1, "NESTED-DMA: " fmt "\n", ##__VA_ARGS__)

static unsigned long long phys_of(void *va)
{
	unsigned long long ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), (uintptr_t)va / 4096 * 8) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)))
		return 0;
	return (ent & ((1ULL << 55) - 1)) * 4096 + (uintptr_t)va % 4096;
}

static int nested_dma(void)
{
	char path[PATH_MAX], uptime[64] = "";
	unsigned char *src, *dst;
	unsigned long long psrc, pdst;
	struct edu_dev edu;
	__u16 cmd;
	int fd;

	if (edu_find(&edu))
		return say("no edu device"), 1;
	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/enable", edu.bdf);
	if (edu_write_sysfs(path, "1"))
		return say("cannot enable %s", edu.bdf), 1;
	/* Bus master on: the device may DMA */
	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/config", edu.bdf);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &cmd, 2, PCI_COMMAND) != 2)
		return say("cannot read the command register"), 1;
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	if (pwrite(fd, &cmd, 2, PCI_COMMAND) != 2)
		return say("cannot write the command register"), 1;
	close(fd);
	snprintf(path, sizeof(path), EDU_SYSFS_PCI "/devices/%s/resource0", edu.bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return say("cannot open %s", path), 1;
	edu.bar0_size = 1 << 20;
	edu.bar0 = mmap(NULL, edu.bar0_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
	if (edu.bar0 == MAP_FAILED || edu_check_alive(&edu))
		return say("BAR0 of %s does not answer", edu.bdf), 1;

	src = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (src == MAP_FAILED)
		return say("no memory"), 1;
	dst = src + 4096;
	edu_fill(src, 2048, 7);
	memset(dst, 0, 2048);
	psrc = phys_of(src);
	pdst = phys_of(dst);
	if (!psrc || !pdst)
		return say("no physical address from pagemap"), 1;
	if (edu_dma_to_device(&edu, psrc, 0, 2048) ||
	    edu_dma_to_ram(&edu, 0, pdst, 2048))
		return say("DMA did not complete"), 1;
	edu_read_sysfs("/proc/uptime", uptime, sizeof(uptime));
	uptime[strcspn(uptime, " ")] = 0;
	if (memcmp(src, dst, 2048))
		return say("FAILED: the data came back changed (0x%llx -> edu -> 0x%llx)",
			   psrc, pdst), 1;
	say("ok: 2048 bytes GPA 0x%llx -> edu -> GPA 0x%llx, nested uptime %s s",
	    psrc, pdst, uptime);
	return 0;
}

/*
 * Behind the nested guest's own vIOMMU: edu through vfio-pci and the nested
 * guest's /dev/iommu, as the outer tests drive it, with one buffer mapped at
 * NESTED_IOVA.  The nested kernel's VT-d driver writes that mapping into
 * the emulated IOMMU's tables and, caching mode on, invalidates it; QEMU
 * then maps the page into its IOAS on our /dev/iommu at the same IOVA.
 */
static int nested_viommu_dma(void)
{
	char uptime[64] = "";
	struct edu_dev edu;
	unsigned char *buf;
	int ret;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	edu_init(&edu);
	if (edu_open(&edu))
		return say("cannot open edu through vfio-pci and /dev/iommu"), 1;
	buf = edu_alloc_buf(8192);
	if (!buf || edu_ioas_map(edu.iommufd, edu.ioas_id, buf, 8192,
				 NESTED_IOVA, IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE))
		return say("cannot map a buffer behind the vIOMMU"), 1;
	edu_fill(buf, 2048, 7);
	memset(buf + 4096, 0, 2048);
	if (edu_dma_to_device(&edu, NESTED_IOVA, 0, 2048) ||
	    edu_dma_to_ram(&edu, 0, NESTED_IOVA + 4096, 2048))
		return say("DMA did not complete"), 1;
	edu_read_sysfs("/proc/uptime", uptime, sizeof(uptime));
	uptime[strcspn(uptime, " ")] = 0;
	if (memcmp(buf, buf + 4096, 2048))
		return say("FAILED: the data came back changed (IOVA 0x%llx -> edu -> 0x%llx)",
			   NESTED_IOVA, NESTED_IOVA + 4096), 1;
	say("ok: 2048 bytes IOVA 0x%llx -> edu -> 0x%llx behind the vIOMMU, uptime %s s",
	    NESTED_IOVA, NESTED_IOVA + 4096, uptime);
	/* Mapped a little longer, for the outer machine to look */
	sleep(NESTED_HOLD_S);
	ret = edu_ioas_unmap(edu.iommufd, edu.ioas_id, NESTED_IOVA, 8192);
	edu_close(&edu);
	say("unmapped: %s", ret ? "FAILED" : "ok");
	return ret ? 1 : 0;
}

static int nested_init(void)
{
	char cmdline[4096] = "";

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	edu_read_sysfs("/proc/cmdline", cmdline, sizeof(cmdline));
	if (strstr(cmdline, NESTED_VIOMMU))
		nested_viommu_dma();
	else
		nested_dma();
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}

int main(int argc, char **argv)
{
	if (getpid() == 1)
		return nested_init();
	return test_harness_run(argc, argv);
}
