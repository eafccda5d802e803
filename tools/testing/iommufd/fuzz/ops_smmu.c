// SPDX-License-Identifier: GPL-2.0-only
/*
 * A real device behind a real SMMUv3 (the arm64 machines with QEMU 10's
 * SMMUv3, patches/0010-0014): QEMU's edu device, bound to vfio-pci and,
 * through its cdev, to one of the contexts at a time. Its iommufd device
 * joins that context's pool like a mock device, so every other op uses it
 * too; the ops here speak the SMMUv3 driver's formats: NEST_PARENT HWPTs,
 * IOMMU_VIOMMU_TYPE_ARM_SMMUV3, vDEVICEs (vSIDs), nested HWPTs from random
 * guest STEs (mostly well formed), invalidations with random SMMUv3
 * commands, ARM_SMMUV3 event queues, attach/detach, and DMA by the device
 * to random IOVAs (faults of both stages, which the driver's event thread
 * forwards to the queues while the others destroy them).
 *
 * Registered only where such a device exists, so the op table of the
 * other machines (and what a seed does there) is unchanged. Bind and
 * unbind hold dev_lock for writing, every use of the device file for
 * reading: a closed device file's number is never used again.
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/pci_regs.h>

#define CMD(t, type) ((type *)(t)->cmd)

#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_DMA_BUF	0x40000ULL
#define EDU_DMA_LIMIT	(1ULL << 28)

static struct {
	char cdev[288];
	pthread_rwlock_t lock;	/* write: bind, unbind; read: use of @fd */
	int fd;			/* the bound device file, -1 when none */
	int slot;		/* its context */
	unsigned int gen;
	uint32_t devid;
	uint8_t *bar0;
	size_t bar0_len;
} dev = { .lock = PTHREAD_RWLOCK_INITIALIZER, .fd = -1 };

/* The device file's number: far above any other file of the run */
static int dev_fd_min;

static int sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* The edu device behind an SMMUv3, bound to vfio-pci: its cdev path */
static bool find_smmu_edu(void)
{
	char path[PATH_MAX], buf[PATH_MAX], bdf[256] = "";
	struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/devices");
	ssize_t n;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 e->d_name);
		if (sysfs_read(path, buf, sizeof(buf)) || strcmp(buf, "0x1234"))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 e->d_name);
		if (!sysfs_read(path, buf, sizeof(buf)) &&
		    !strcmp(buf, "0x11e8"))
			snprintf(bdf, sizeof(bdf), "%s", e->d_name);
	}
	if (d)
		closedir(d);
	if (!bdf[0])
		return false;
	/* The machine's IOMMU is an SMMUv3 (as edu_driver.h tells) */
	d = opendir("/sys/class/iommu");
	buf[0] = 0;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "smmu3.", 6))
			buf[0] = 1;
	if (d)
		closedir(d);
	if (!buf[0])
		return false;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	if (!strstr(buf, "vfio-pci")) {
		if (n > 0) {
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
			sysfs_write(path, bdf);
		}
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver_override", bdf);
		sysfs_write(path, "vfio-pci");
		sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(dev.cdev, sizeof(dev.cdev),
				 "/dev/vfio/devices/%s", e->d_name);
	if (d)
		closedir(d);
	return dev.cdev[0];
}

/* The context the device is bound to, if it is still the same file */
static bool dev_ctx(struct ctxref *c, uint32_t *devid)
{
	bool ok;

	pthread_mutex_lock(&pool_lock);
	ok = dev.fd >= 0 && ctxs[dev.slot].gen == dev.gen &&
	     ctxs[dev.slot].fd >= 0;
	if (ok) {
		c->slot = dev.slot;
		c->fd = ctxs[dev.slot].fd;
		c->gen = dev.gen;
		c->legacy = ctxs[dev.slot].legacy;
		*devid = dev.devid;
	}
	pthread_mutex_unlock(&pool_lock);
	return ok;
}

/* Mostly the device's context and ID; else any context, any device */
static struct ctxref smmu_ctx(struct thr *t, uint32_t *devid)
{
	struct ctxref c;

	if (chance(&t->rng, 90) && dev_ctx(&c, devid))
		return c;
	c = pick_ctx(t);
	*devid = pick_id(t, &c, K_IDEV);
	return c;
}

/* BAR0 for DMA, bus mastering on; best effort (DMA is skipped without) */
static void dev_map_bar0(int fd)
{
	struct vfio_region_info r = {
		.argsz = sizeof(r), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;
	void *p;

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &r) ||
	    ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &cfg) || !r.size)
		return;
	/* Where no slot refresh of mem.c overwrites it with PROT_NONE */
	p = mmap_outside_arena(r.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       r.offset);
	if (p == MAP_FAILED)
		return;
	if (pread(fd, &cmd, 2, cfg.offset + PCI_COMMAND) == 2) {
		cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
		pwrite(fd, &cmd, 2, cfg.offset + PCI_COMMAND);
	}
	dev.bar0 = p;
	dev.bar0_len = r.size;
}

/*
 * Other ops keep the numbers of files that another thread may close at any
 * moment (fault queues, event queues, accesses) and read or write them
 * later, on purpose. Such a number must never come to name the device
 * file: a stray write() there goes to the device's BAR (with 2-byte
 * accesses, which edu refuses and QEMU's arm64 machine answers with an
 * external abort, as a real device's error response would) or to its
 * config space. So the device file lives far above every other number.
 */
static int dev_fd_out_of_reach(int fd)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, dev_fd_min);

	close(fd);
	return hi;
}

/* Room for the device file above everything else, or false */
static bool dev_fd_reserve(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return false;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return false;
	}
	/* A run keeps a few hundred files open at most */
	if (rl.rlim_cur < 4096)
		return false;
	dev_fd_min = rl.rlim_cur - 16;
	return true;
}

static void op_smmu_bind(struct thr *t)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct ctxref c = pick_ctx(t);
	int fd;

	pthread_rwlock_wrlock(&dev.lock);
	if (dev.fd >= 0 || c.legacy)
		goto out;
	call_begin(t, "open %s", dev.cdev);
	fd = call_end(t, open(dev.cdev, O_RDWR));
	if (fd < 0)
		goto out;
	fd = dev_fd_out_of_reach(fd);
	if (fd < 0)
		goto out;
	b.iommufd = c.fd;
	/*
	 * A bind that fails after the iommufd device was made (vfio-pci's
	 * open_device) unbinds it again, with the same "cannot fail" attach
	 * of the default domain as the last close (see op_smmu_unbind()).
	 */
	fi_hold(t);
	call_begin(t, "BIND_IOMMUFD ctx=%d (smmu edu)", c.slot);
	if (call_end(t, ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &b))) {
		close(fd);
		fi_unhold(t);
		goto out;
	}
	fi_unhold(t);
	call_note(t, " devid=%u", b.out_devid);
	add_obj(&c, K_IDEV, b.out_devid, 0, 0, 0, -1);
	dev_map_bar0(fd);
	call_note(t, " bar0=%p", dev.bar0);
	pthread_mutex_lock(&pool_lock);
	dev.fd = fd;
	dev.slot = c.slot;
	dev.gen = c.gen;
	dev.devid = b.out_devid;
	pthread_mutex_unlock(&pool_lock);
out:
	pthread_rwlock_unlock(&dev.lock);
}

/* Closing the device file unbinds it, whatever hangs off it */
static void op_smmu_unbind(struct thr *t)
{
	pthread_rwlock_wrlock(&dev.lock);
	if (dev.fd >= 0) {
		if (dev.bar0)
			munmap(dev.bar0, dev.bar0_len);
		dev.bar0 = NULL;
		/*
		 * The last close unbinds, and the core puts the device back on
		 * its default domain with a "cannot fail" attach, which 6.12's
		 * SMMUv3 driver can fail (it allocates in
		 * arm_smmu_attach_prepare()): an injected failure there is a
		 * WARN of the core, not a finding of ours.
		 */
		fi_hold(t);
		call_begin(t, "close smmu edu fd=%d devid=%u", dev.fd,
			   dev.devid);
		call_end(t, close(dev.fd));
		fi_unhold(t);
		pthread_mutex_lock(&pool_lock);
		dev.fd = -1;
		pthread_mutex_unlock(&pool_lock);
	}
	pthread_rwlock_unlock(&dev.lock);
}

/* Attach to whatever the pool has (nested mostly), or detach */
static void op_smmu_attach(struct thr *t)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };
	static const int kinds[] = { K_NESTED, K_NESTED, K_HWPT, K_IOAS,
				     K_NONE };
	uint32_t devid;
	struct ctxref c = smmu_ctx(t, &devid);

	at.pt_id = pick_id(t, &c, rnd_pick(&t->rng, kinds));
	pthread_rwlock_rdlock(&dev.lock);
	if (dev.fd >= 0 && chance(&t->rng, 10)) {
		call_begin(t, "DETACH_IOMMUFD_PT (smmu edu)");
		call_end(t, ioctl(dev.fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de));
	} else if (dev.fd >= 0) {
		use_hot(t, &c, at.pt_id);
		call_begin(t, "ATTACH_IOMMUFD_PT pt=%u (smmu edu)", at.pt_id);
		call_end(t, ioctl(dev.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at));
	}
	pthread_rwlock_unlock(&dev.lock);
}

/* A stage-2 nesting parent for the device on a pooled IOAS */
static uint32_t smmu_parent(struct thr *t, const struct ctxref *c,
			    uint32_t devid)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = devid,
	};
	struct obj o;

	if (chance(&t->rng, 70) && pick_obj(t, c, K_HWPT, &o) &&
	    (o.flags & OF_NEST_PARENT))
		return o.id;
	a.pt_id = pick_obj(t, c, K_IOAS, &o) ? o.id : make_obj(t, c, K_IOAS);
	if (chance(&t->rng, 5))
		a.flags |= IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	call_begin(t, "HWPT_ALLOC ctx=%d dev=%u pt=%u flags=%#x (smmu parent)",
		   c->slot, devid, a.pt_id, a.flags);
	if (call_end(t, ioctl(c->fd, IOMMU_HWPT_ALLOC, &a)))
		return 0;
	add_obj(c, K_HWPT, a.out_hwpt_id, OF_NEST_PARENT, 0, a.pt_id, -1);
	return a.out_hwpt_id;
}

static void op_smmu_viommu(struct thr *t)
{
	struct iommu_viommu_alloc a = { .size = sizeof(a) };
	uint32_t devid;
	struct ctxref c = smmu_ctx(t, &devid);

	a.type = chance(&t->rng, 95) ? IOMMU_VIOMMU_TYPE_ARM_SMMUV3 :
		 rnd_below(&t->rng, 4);
	a.dev_id = devid;
	a.hwpt_id = chance(&t->rng, 90) ? smmu_parent(t, &c, devid) :
		    pick_id(t, &c, K_HWPT);
	if (chance(&t->rng, 3)) {
		a.data_len = 8;
		a.data_uptr = (uintptr_t)t->data;
	}
	use_hot(t, &c, a.hwpt_id);
	call_begin(t, "VIOMMU_ALLOC ctx=%d type=%u dev=%u hwpt=%u (smmu)",
		   c.slot, a.type, a.dev_id, a.hwpt_id);
	if (call_end(t, ioctl(c.fd, IOMMU_VIOMMU_ALLOC, &a)))
		return;
	call_note(t, " id=%u", a.out_viommu_id);
	add_obj(&c, K_VIOMMU, a.out_viommu_id, 0, 0, a.dev_id, -1);
}

/* A small vSID mostly, so that vDEVICEs and commands meet */
static uint64_t smmu_vsid(struct thr *t)
{
	return chance(&t->rng, 95) ? rnd_below(&t->rng, 4) :
	       chance(&t->rng, 50) ? 1ULL << 32 : rnd(&t->rng);
}

static void op_smmu_vdevice(struct thr *t)
{
	struct iommu_vdevice_alloc a = { .size = sizeof(a) };
	uint32_t devid;
	struct ctxref c = smmu_ctx(t, &devid);

	a.viommu_id = pick_id(t, &c, K_VIOMMU);
	a.dev_id = devid;
	a.virt_id = smmu_vsid(t);
	use_hot(t, &c, a.viommu_id);
	call_begin(t, "VDEVICE_ALLOC ctx=%d viommu=%u dev=%u vsid=%#llx (smmu)",
		   c.slot, a.viommu_id, a.dev_id,
		   (unsigned long long)a.virt_id);
	if (call_end(t, ioctl(c.fd, IOMMU_VDEVICE_ALLOC, &a)))
		return;
	call_note(t, " id=%u", a.out_vdevice_id);
	add_obj(&c, K_VDEV, a.out_vdevice_id, 0, 0, a.dev_id, -1);
}

/*
 * A guest STE: mostly V with Config abort, bypass or stage-1 translate, a
 * CD pointer into the low IPAs, and random allowed word 1 fields; now and
 * then any bits at all.
 */
static void smmu_ste(struct thr *t, __le64 *ste)
{
	static const uint64_t cfgs[] = { 0, 4, 5, 5, 5, 6, 7, 1 };

	if (chance(&t->rng, 10)) {
		ste[0] = rnd(&t->rng);
		ste[1] = rnd(&t->rng);
		return;
	}
	ste[0] = (chance(&t->rng, 95) ? 1 : 0) |
		 rnd_pick(&t->rng, cfgs) << 1 |
		 (chance(&t->rng, 90) ? 0 : rnd_below(&t->rng, 4)) << 4 |
		 (rnd_below(&t->rng, EDU_DMA_LIMIT) & ~0x3fULL) |
		 (chance(&t->rng, 80) ? 0 : rnd_below(&t->rng, 32)) << 59;
	ste[1] = (rnd(&t->rng) & 0x3ff) |			/* S1DSS..CSH */
		 (chance(&t->rng, 20) ? 1ULL << 27 : 0) |	/* S1STALLD */
		 (chance(&t->rng, 10) ? rnd_below(&t->rng, 4) << 28 : 0);
	if (chance(&t->rng, 5))
		ste[chance(&t->rng, 50)] |= 1ULL << rnd_below(&t->rng, 64);
}

static void op_smmu_nested(struct thr *t)
{
	struct iommu_hwpt_arm_smmuv3 *ste = (void *)t->data;
	struct iommu_hwpt_alloc a = { .size = sizeof(a) };
	uint32_t devid;
	struct ctxref c = smmu_ctx(t, &devid);

	a.dev_id = devid;
	a.pt_id = chance(&t->rng, 90) ? pick_id(t, &c, K_VIOMMU) :
		  pick_id(t, &c, K_HWPT);
	if (chance(&t->rng, 5)) {
		a.flags = IOMMU_HWPT_FAULT_ID_VALID;
		a.fault_id = pick_id(t, &c, K_FAULT);
	}
	smmu_ste(t, ste->ste);
	a.data_type = chance(&t->rng, 95) ? IOMMU_HWPT_DATA_ARM_SMMUV3 :
		      rnd_below(&t->rng, 5);
	a.data_len = chance(&t->rng, 95) ? sizeof(*ste) :
		     rnd_below(&t->rng, 24);
	a.data_uptr = chance(&t->rng, 98) ? (uintptr_t)ste : hostile_ptr(t);
	use_hot(t, &c, a.pt_id);
	call_begin(t, "HWPT_ALLOC(smmu) ctx=%d dev=%u pt=%u ste=%#llx,%#llx",
		   c.slot, a.dev_id, a.pt_id,
		   (unsigned long long)ste->ste[0],
		   (unsigned long long)ste->ste[1]);
	if (call_end(t, ioctl(c.fd, IOMMU_HWPT_ALLOC, &a)))
		return;
	call_note(t, " id=%u", a.out_hwpt_id);
	add_obj(&c, K_NESTED, a.out_hwpt_id, 0, 0, 0, -1);
}

/* Guest commands: the accepted opcodes mostly, with small SIDs and ASIDs */
static void op_smmu_invalidate(struct thr *t)
{
	static const uint64_t opcodes[] = {
		0x10, 0x11, 0x12, 0x13, 0x30,	/* TLBI_NH_*, NSNH_ALL */
		0x05, 0x06, 0x40,		/* CFGI_CD, CD_ALL, ATC_INV */
		0x03, 0x28, 0x46, 0x2a, 0xff,	/* refused ones */
	};
	struct ctxref c = pick_ctx(t);
	struct iommu_hwpt_invalidate *a = CMD(t, struct iommu_hwpt_invalidate);
	uint32_t size = cmd_size(t, sizeof(*a), 32);
	struct iommu_viommu_arm_smmuv3_invalidate *e = (void *)t->data;
	uint32_t devid;
	unsigned int i;

	if (chance(&t->rng, 90))
		c = smmu_ctx(t, &devid);
	invalidate_fill(t, a, size, pick_id(t, &c, K_VIOMMU),
			IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, e, sizeof(*e),
			80);
	for (i = 0; i != 80; i++) {
		e[i].cmd[0] = rnd_pick(&t->rng, opcodes) |
			      smmu_vsid(t) << 32 |
			      (uint64_t)rnd_below(&t->rng, 4) << 48;
		e[i].cmd[1] = chance(&t->rng, 50) ? 0 :
			      (rnd_below(&t->rng, EDU_DMA_LIMIT) & ~0xfffULL) |
			      rnd_below(&t->rng, 2);
		if (chance(&t->rng, 3)) {
			e[i].cmd[0] = rnd(&t->rng);
			e[i].cmd[1] = rnd(&t->rng);
		}
	}
	use_hot(t, &c, a->hwpt_id);
	call_begin(t, "HWPT_INVALIDATE(smmu) ctx=%d viommu=%u type=%#x len=%u num=%u",
		   c.slot, a->hwpt_id, a->data_type, a->entry_len,
		   a->entry_num);
	call_end(t, ioctl(c.fd, IOMMU_HWPT_INVALIDATE, cmd_ptr(t)));
}

static void op_smmu_veventq(struct thr *t)
{
	struct iommu_veventq_alloc a = {
		.size = sizeof(a), .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
	};
	uint32_t devid;
	struct ctxref c = smmu_ctx(t, &devid);

	a.viommu_id = pick_id(t, &c, K_VIOMMU);
	a.veventq_depth = 1 + rnd_below(&t->rng, 16);
	use_hot(t, &c, a.viommu_id);
	call_begin(t, "VEVENTQ_ALLOC ctx=%d viommu=%u depth=%u (smmu)",
		   c.slot, a.viommu_id, a.veventq_depth);
	if (call_end(t, ioctl(c.fd, IOMMU_VEVENTQ_ALLOC, &a)))
		return;
	call_note(t, " id=%u fd=%u", a.out_veventq_id, a.out_veventq_fd);
	fcntl(a.out_veventq_fd, F_SETFL, O_NONBLOCK);
	add_obj(&c, K_VEVENTQ, a.out_veventq_id, 0, 0, a.viommu_id,
		a.out_veventq_fd);
}

/* The edu device's registers (BAR0 is mapped while dev.lock is held) */
static uint32_t edu_read32(unsigned int reg)
{
	return __atomic_load_n((uint32_t *)(dev.bar0 + reg), __ATOMIC_RELAXED);
}

static void edu_write32(unsigned int reg, uint32_t val)
{
	__atomic_store_n((uint32_t *)(dev.bar0 + reg), val, __ATOMIC_RELAXED);
}

static void edu_write64(unsigned int reg, uint64_t val)
{
	__atomic_store_n((uint64_t *)(dev.bar0 + reg), val, __ATOMIC_RELAXED);
}

/*
 * The device reads or writes a random IOVA (a pooled mapping's, mostly):
 * whatever it is attached to translates it or faults, at stage 1 or 2.
 * The transfer stays inside the device's buffer (QEMU's edu aborts the
 * machine otherwise) and is not waited for.
 */
static void op_smmu_dma(struct thr *t)
{
	uint64_t off = rnd_below(&t->rng, 2048), len, iova;
	struct mapping m;
	uint32_t devid;
	struct ctxref c = smmu_ctx(t, &devid);

	len = 1 + rnd_below(&t->rng, 4095 - off);
	iova = pick_map(t, &c, &m) && chance(&t->rng, 70) ?
	       m.iova + rnd_below(&t->rng, m.len) :
	       rnd_below(&t->rng, EDU_DMA_LIMIT);
	iova &= EDU_DMA_LIMIT - 1;
	pthread_rwlock_rdlock(&dev.lock);
	if (dev.bar0 && !(edu_read32(EDU_DMA_CMD) & EDU_DMA_RUN)) {
		bool to_ram = chance(&t->rng, 50);

		call_begin(t, "edu DMA %s iova=%#llx len=%llu (smmu)",
			   to_ram ? "to" : "from", (unsigned long long)iova,
			   (unsigned long long)len);
		edu_write64(EDU_DMA_SRC, to_ram ? EDU_DMA_BUF + off : iova);
		edu_write64(EDU_DMA_DST, to_ram ? iova : EDU_DMA_BUF + off);
		edu_write64(EDU_DMA_COUNT, len);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		edu_write32(EDU_DMA_CMD,
			    EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
		call_end(t, 0);
	}
	pthread_rwlock_unlock(&dev.lock);
}

/* Unbind (close_everything(): the device file holds its context) */
void smmu_release(void)
{
	pthread_rwlock_wrlock(&dev.lock);
	if (dev.bar0)
		munmap(dev.bar0, dev.bar0_len);
	dev.bar0 = NULL;
	if (dev.fd >= 0)
		close(dev.fd);
	pthread_mutex_lock(&pool_lock);
	dev.fd = -1;
	pthread_mutex_unlock(&pool_lock);
	pthread_rwlock_unlock(&dev.lock);
}

/*
 * A forked child must never be the one to close the device file last (its
 * exit runs with injected failures, see op_smmu_unbind()): fork waits for
 * a bind or an unbind in flight, and the child drops its copies at once,
 * still without injected failures (op_fork() turns them on afterwards):
 * the file, and the mapping of BAR0, which holds the file as well.
 */
static void dev_atfork_prepare(void)
{
	pthread_rwlock_rdlock(&dev.lock);
}

static void dev_atfork_parent(void)
{
	pthread_rwlock_unlock(&dev.lock);
}

static void dev_atfork_child(void)
{
	if (dev.bar0)
		munmap(dev.bar0, dev.bar0_len);
	if (dev.fd >= 0)
		close(dev.fd);
	dev.fd = -1;
	dev.bar0 = NULL;
	pthread_rwlock_unlock(&dev.lock);
}

void register_smmu_ops(void)
{
	if (!find_smmu_edu())
		return;
	if (!dev_fd_reserve()) {
		fprintf(stderr, "# smmu ops off: RLIMIT_NOFILE below 4096\n");
		return;
	}
	pthread_atfork(dev_atfork_prepare, dev_atfork_parent,
		       dev_atfork_child);
	op_register("smmu_bind", op_smmu_bind, 3, OPF_NO_CHILD);
	op_register("smmu_unbind", op_smmu_unbind, 1, OPF_NO_CHILD);
	op_register("smmu_attach", op_smmu_attach, 5, OPF_NO_CHILD | OPF_HOT);
	op_register("smmu_viommu", op_smmu_viommu, 4, OPF_HOT);
	op_register("smmu_vdevice", op_smmu_vdevice, 3, OPF_HOT);
	op_register("smmu_nested", op_smmu_nested, 5, OPF_HOT);
	op_register("smmu_invalidate", op_smmu_invalidate, 4, OPF_HOT);
	op_register("smmu_veventq", op_smmu_veventq, 2, OPF_HOT);
	op_register("smmu_dma", op_smmu_dma, 4, OPF_NO_CHILD);
}
