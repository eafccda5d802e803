// SPDX-License-Identifier: GPL-2.0
/*
 * edu_change_process_test - a live update (CPR) of a VMM, with real DMA
 *
 * The old image binds QEMU's edu device through its vfio cdev to
 * /dev/iommu, maps a memfd it never maps itself with IOMMU_IOAS_MAP_FILE
 * and proves that the device DMAs through it.  It then forks and the child
 * exec()s this program again as the new image ("--new-image"), which
 * inherits the iommufd, the vfio device file and the memfd (close-on-exec
 * cleared: our test kernels have no networking, so no SCM_RIGHTS).  The
 * old image closes its copies and uses nothing any more.
 *
 * The new image checks that IOMMU_IOAS_CHANGE_PROCESS is refused while any
 * IOAS of the context holds a mapping of process memory (and that nothing
 * changed: the device still DMAs), then takes the pinned memory over: the
 * old image's VmLck drops and its own rises by the pages the memfd has
 * pinned.  It drives the device again through the same IOVAs, checks the
 * data byte for byte through read()/write() of the memfd, unmaps, and
 * checks that its VmLck is zero again.
 *
 * Both images run like an unprivileged VMM: no CAP_IPC_LOCK (dropped from
 * the bounding set too, so exec() does not give it back), charges per
 * process (IOMMU_OPTION_RLIMIT_MODE 1), so /proc/PID/status shows them.
 *
 * Machines without an IOMMU (x86-noiommu, x86-debug) skip.
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "edu_driver.h"

#define BUF_SIZE	(64 * 1024)
#define FILE_SIZE	(2 * BUF_SIZE)
/* The first half of the memfd is mapped read-only here, the second RW */
#define IOVA_SRC	0x00300000ULL
#define IOVA_DST	0x00400000ULL
/* Process memory, to be refused by CHANGE_PROCESS */
#define IOVA_USER	0x00100000ULL
#define LEN		EDU_DMA_MAX
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MEMLOCK_LIMIT	(1024 * 1024)
#define NEW_IMAGE	"--new-image"

/* VmLck of process @pid (0: this one) in kB, -1 if unreadable */
static long vmlck_kb(pid_t pid)
{
	return proc_status_kb(pid, "VmLck");
}

/* kB the whole memfd pins: one charge per CPU page */
static long file_kb(void)
{
	return FILE_SIZE / 1024;
}

/*
 * Run like an unprivileged VMM: without CAP_IPC_LOCK, also across exec(),
 * and with a small RLIMIT_MEMLOCK that the charges must fit in.
 */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	struct rlimit lim = { MEMLOCK_LIMIT, MEMLOCK_LIMIT };

	if (prctl(PR_CAPBSET_READ, CAP_IPC_LOCK) == 1 &&
	    prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK))
		return -errno;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data) || setrlimit(RLIMIT_MEMLOCK, &lim))
		return -errno;
	return 0;
}

/* Whether CAP_IPC_LOCK is in this process's effective set */
static bool has_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return true;
	return data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &
	       CAP_TO_MASK(CAP_IPC_LOCK);
}

/* IOMMU_IOAS_MAP_FILE of @length bytes of @fd at @start, fixed @iova */
static int map_file(int iommufd, __u32 ioas_id, int fd, __u64 start,
		    __u64 length, __u64 iova, __u32 prot)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.ioas_id = ioas_id,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &cmd))
		return edu_fail(errno, "IOMMU_IOAS_MAP_FILE iova 0x%llx",
				(unsigned long long)iova);
	return 0;
}

static int change_process(int iommufd)
{
	struct iommu_ioas_change_process cmd = { .size = sizeof(cmd) };

	return ioctl(iommufd, IOMMU_IOAS_CHANGE_PROCESS, &cmd) ? -errno : 0;
}

/* IOMMU_OPTION_RLIMIT_MODE 1: charge the process (its VmLck) */
static int charge_per_process(int iommufd)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_SET,
		.val64 = 1,
	};

	if (ioctl(iommufd, IOMMU_OPTION, &cmd))
		return edu_fail(errno, "IOMMU_OPTION RLIMIT_MODE 1");
	return 0;
}

/*
 * One round trip through the memfd: @seed's pattern is written to the
 * first half, the second half is cleared; the device copies LEN bytes from
 * IOVA_SRC + @src to IOVA_DST + @dst.  Then exactly those bytes, and
 * nothing else, must have changed in the file.  0 if so.
 */
static int file_round_trip(struct edu_dev *edu, int memfd, unsigned int seed,
			   __u32 src, __u32 dst)
{
	static char want[BUF_SIZE], got[BUF_SIZE], zero[BUF_SIZE];

	edu_fill(want, BUF_SIZE, seed);
	if (pwrite(memfd, want, BUF_SIZE, 0) != BUF_SIZE ||
	    pwrite(memfd, zero, BUF_SIZE, BUF_SIZE) != BUF_SIZE)
		return edu_fail(errno, "write the memfd");
	if (edu_dma_to_device(edu, IOVA_SRC + src, 0, LEN) ||
	    edu_dma_to_ram(edu, 0, IOVA_DST + dst, LEN))
		return -EIO;
	if (pread(memfd, got, BUF_SIZE, BUF_SIZE) != BUF_SIZE)
		return edu_fail(errno, "read the memfd");
	if (memcmp(want + src, got + dst, LEN) ||
	    !edu_all_bytes(got, dst, 0) ||
	    !edu_all_bytes(got + dst + LEN, BUF_SIZE - dst - LEN, 0))
		return edu_fail(EIO, "seed %u: the file does not hold what the device copied",
				seed);
	/* The source half is as it was written */
	if (pread(memfd, got, BUF_SIZE, 0) != BUF_SIZE ||
	    memcmp(want, got, BUF_SIZE))
		return edu_fail(EIO, "seed %u: the read-only half changed", seed);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The new image                                                        */
/* ------------------------------------------------------------------ */

/* Whether descriptor @fd is open and its /proc link starts with @prefix */
static bool fd_is(int fd, const char *prefix)
{
	char path[64], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strncmp(link, prefix, strlen(prefix));
}

/* The new image's steps; its exit status names the first that failed */
enum {
	NI_ARGS = 10, NI_FDS, NI_CAPS, NI_BAR0, NI_VMLCK0, NI_OLD_VMLCK0,
	NI_USER_MAP, NI_USER_REFUSED, NI_USER_UNCHANGED, NI_USER_DMA,
	NI_USER_UNMAP, NI_IOAS2, NI_IOAS2_REFUSED, NI_IOAS2_UNCHANGED,
	NI_IOAS2_DMA, NI_CHANGE, NI_NEW_VMLCK, NI_OLD_VMLCK, NI_AGAIN,
	NI_OLD_SAYS, NI_DMA, NI_UNMAP, NI_UNMAP_VMLCK, NI_BLOCKED,
	NI_OLD_EXIT,
};

#define ni_fail(step, fmt, ...) ({					\
	int __step = (step);						\
									\
	fprintf(stderr, "# new image: step %d: " fmt "\n", __step,	\
		##__VA_ARGS__);						\
	__step;								\
})

/*
 * The old image's VmLck in kB, or 0 once it has exited (then its mm and
 * its counter are gone: nothing to compare).
 */
static long old_kb(pid_t old_pid, bool old_alive)
{
	return old_alive ? vmlck_kb(old_pid) : 0;
}

/*
 * argv: NEW_IMAGE iommufd devfd memfd to_old from_old devid ioas_id
 * hwpt_id old_pid, all decimal, then "alive" when the old image stays to
 * check its own counter or "exited" when it exits right after the exec.
 * Returns the exit status, 0 if all was right.
 */
static int new_image(int argc, char **argv)
{
	int iommufd, devfd, memfd, to_old, from_old, old_pid;
	long lck0, old0, lck, old;
	__u32 devid, ioas_id, hwpt_id, ioas2 = 0;
	struct edu_dev edu;
	char *user, c;

	bool old_alive;
	int i;

	if (argc != 12)
		return ni_fail(NI_ARGS, "%d arguments", argc);
	old_alive = !strcmp(argv[11], "alive");
	iommufd = atoi(argv[2]);
	devfd = atoi(argv[3]);
	memfd = atoi(argv[4]);
	to_old = atoi(argv[5]);
	from_old = atoi(argv[6]);
	devid = strtoul(argv[7], NULL, 0);
	ioas_id = strtoul(argv[8], NULL, 0);
	hwpt_id = strtoul(argv[9], NULL, 0);
	old_pid = atoi(argv[10]);

	/* Once the old image has exited, we are its subreaper's child */
	for (i = 0; !old_alive && getppid() == old_pid; i++) {
		if (i == 1000)
			return ni_fail(NI_OLD_EXIT, "the old image did not exit");
		usleep(10000);
	}

	/* What was inherited across exec() is what the old image had */
	if (!fd_is(iommufd, "/dev/iommu") ||
	    !fd_is(devfd, "/dev/vfio/devices/vfio") ||
	    !fd_is(memfd, "/memfd:edu-cpr"))
		return ni_fail(NI_FDS, "descriptors %d %d %d not inherited",
			       iommufd, devfd, memfd);
	if (has_ipc_lock())
		return ni_fail(NI_CAPS, "exec() gave CAP_IPC_LOCK back");

	edu_init(&edu);
	edu.iommufd = iommufd;
	edu.devfd = devfd;
	edu.devid = devid;
	edu.ioas_id = ioas_id;
	edu.hwpt_id = hwpt_id;
	if (edu_map_bar0(&edu) || edu_check_alive(&edu))
		return ni_fail(NI_BAR0, "the device does not answer");

	/* Nothing is charged to us yet; the old image has the memfd's pins */
	lck0 = vmlck_kb(0);
	old0 = old_kb(old_pid, old_alive);
	if (lck0 != 0)
		return ni_fail(NI_VMLCK0, "VmLck %ld kB before anything", lck0);
	if (old_alive && old0 < file_kb())
		return ni_fail(NI_OLD_VMLCK0, "old image's VmLck %ld kB < %ld",
			       old0, file_kb());

	/* Process memory mapped in the attached IOAS: refused */
	user = edu_alloc_buf(BUF_SIZE);
	if (!user || edu_ioas_map(iommufd, ioas_id, user, BUF_SIZE, IOVA_USER,
				  RW))
		return ni_fail(NI_USER_MAP, "IOAS_MAP");
	if (change_process(iommufd) != -EINVAL)
		return ni_fail(NI_USER_REFUSED,
			       "CHANGE_PROCESS with an IOAS_MAP mapping: not EINVAL");
	lck = vmlck_kb(0);
	old = old_kb(old_pid, old_alive);
	if (lck != BUF_SIZE / 1024 || old != old0)
		return ni_fail(NI_USER_UNCHANGED,
			       "VmLck %ld kB (want %d), old image %ld kB (want %ld)",
			       lck, BUF_SIZE / 1024, old, old0);
	/* DMA still works, both through the file and the process memory */
	if (file_round_trip(&edu, memfd, 41, 0x123, 0x456))
		return ni_fail(NI_USER_DMA, "file round trip after EINVAL");
	edu_fill(user, BUF_SIZE, 42);
	if (edu_dma_to_device(&edu, IOVA_USER + 7, 0, LEN) ||
	    edu_dma_to_ram(&edu, 0, IOVA_USER + BUF_SIZE - LEN, LEN) ||
	    memcmp(user + 7, user + BUF_SIZE - LEN, LEN))
		return ni_fail(NI_USER_DMA, "process memory round trip");
	if (edu_ioas_unmap(iommufd, ioas_id, IOVA_USER, BUF_SIZE) ||
	    vmlck_kb(0) != 0)
		return ni_fail(NI_USER_UNMAP, "unmap: VmLck %ld kB",
			       vmlck_kb(0));

	/* Process memory in another IOAS, not attached to anything: refused */
	if (edu_ioas_alloc(iommufd, &ioas2) ||
	    edu_ioas_map(iommufd, ioas2, user, BUF_SIZE, IOVA_USER, RW))
		return ni_fail(NI_IOAS2, "second IOAS");
	if (change_process(iommufd) != -EINVAL)
		return ni_fail(NI_IOAS2_REFUSED,
			       "CHANGE_PROCESS with IOAS_MAP in another IOAS: not EINVAL");
	if (vmlck_kb(0) != 0 || old_kb(old_pid, old_alive) != old0)
		return ni_fail(NI_IOAS2_UNCHANGED, "VmLck %ld kB, old image %ld kB",
			       vmlck_kb(0), old_kb(old_pid, old_alive));
	if (file_round_trip(&edu, memfd, 43, 0x10, 0x20))
		return ni_fail(NI_IOAS2_DMA, "file round trip after EINVAL");
	if (edu_destroy(iommufd, ioas2))
		return ni_fail(NI_IOAS2, "destroy the second IOAS");

	/* Only file mappings left: the pins move over to us */
	i = change_process(iommufd);
	if (i)
		return ni_fail(NI_CHANGE, "CHANGE_PROCESS: %s", strerror(-i));
	lck = vmlck_kb(0);
	old = old_kb(old_pid, old_alive);
	if (lck != file_kb())
		return ni_fail(NI_NEW_VMLCK, "VmLck %ld kB, want %ld", lck,
			       file_kb());
	if (old_alive && old != old0 - file_kb())
		return ni_fail(NI_OLD_VMLCK, "old image's VmLck %ld kB, want %ld",
			       old, old0 - file_kb());
	/* Asked again, it changes nothing */
	if (change_process(iommufd) || vmlck_kb(0) != lck ||
	    old_kb(old_pid, old_alive) != old)
		return ni_fail(NI_AGAIN, "a second CHANGE_PROCESS");
	/* The old image checks its own counter */
	if (old_alive &&
	    (write(to_old, "m", 1) != 1 || read(from_old, &c, 1) != 1 ||
	     c != 'y'))
		return ni_fail(NI_OLD_SAYS, "the old image disagrees");

	/* The device goes on DMAing through the same IOVAs */
	if (file_round_trip(&edu, memfd, 44, 0, 0) ||
	    file_round_trip(&edu, memfd, 45, BUF_SIZE - LEN, 0x801))
		return ni_fail(NI_DMA, "file round trip after CHANGE_PROCESS");

	/* Unmapped, nothing is charged any more, and the file is unreachable */
	if (edu_ioas_unmap(iommufd, ioas_id, IOVA_SRC, BUF_SIZE) ||
	    edu_ioas_unmap(iommufd, ioas_id, IOVA_DST, BUF_SIZE))
		return ni_fail(NI_UNMAP, "unmap");
	if (vmlck_kb(0) != 0 || old_kb(old_pid, old_alive) != old)
		return ni_fail(NI_UNMAP_VMLCK, "VmLck %ld kB, old image %ld kB",
			       vmlck_kb(0), old_kb(old_pid, old_alive));
	{
		static char got[BUF_SIZE];

		if (pwrite(memfd, got, BUF_SIZE, BUF_SIZE) != BUF_SIZE ||
		    edu_dma_to_ram(&edu, 0, IOVA_DST, LEN) ||
		    pread(memfd, got, BUF_SIZE, BUF_SIZE) != BUF_SIZE ||
		    !edu_all_bytes(got, BUF_SIZE, 0))
			return ni_fail(NI_BLOCKED, "DMA reached the unmapped file");
	}
	edu_free_buf(user, BUF_SIZE);
	edu_close(&edu);
	close(memfd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The old image: the tests                                             */
/* ------------------------------------------------------------------ */

/* Clear close-on-exec on @fd, so the new image inherits it */
static int keep_on_exec(int fd)
{
	return fcntl(fd, F_SETFD, 0);
}

/*
 * Fork and exec the new image with @edu's files, @memfd and the pipe ends
 * @to_old (its writing end) and @to_new (its reading end).  Returns its
 * pid, or -1.
 */
static pid_t exec_new_image(struct edu_dev *edu, int memfd, int to_old,
			    int to_new, bool old_alive)
{
	char arg[9][16], *args[13];
	pid_t pid;
	int i;

	if (keep_on_exec(edu->iommufd) || keep_on_exec(edu->devfd) ||
	    keep_on_exec(memfd) || keep_on_exec(to_old) ||
	    keep_on_exec(to_new))
		return -1;
	snprintf(arg[0], 16, "%d", edu->iommufd);
	snprintf(arg[1], 16, "%d", edu->devfd);
	snprintf(arg[2], 16, "%d", memfd);
	snprintf(arg[3], 16, "%d", to_old);
	snprintf(arg[4], 16, "%d", to_new);
	snprintf(arg[5], 16, "%u", edu->devid);
	snprintf(arg[6], 16, "%u", edu->ioas_id);
	snprintf(arg[7], 16, "%u", edu->hwpt_id);
	snprintf(arg[8], 16, "%d", getpid());
	args[0] = "edu_change_process_test";
	args[1] = NEW_IMAGE;
	for (i = 0; i < 9; i++)
		args[2 + i] = arg[i];
	args[11] = old_alive ? "alive" : "exited";
	args[12] = NULL;

	pid = fork();
	if (!pid) {
		execv("/proc/self/exe", args);
		_exit(1);
	}
	return pid;
}

/* Both halves of the memfd mapped at IOVA_SRC (read-only) and IOVA_DST */
static int map_memfd(struct edu_dev *edu, int memfd)
{
	if (map_file(edu->iommufd, edu->ioas_id, memfd, 0, BUF_SIZE,
		     IOVA_SRC, IOMMU_IOAS_MAP_READABLE) ||
	    map_file(edu->iommufd, edu->ioas_id, memfd, BUF_SIZE, BUF_SIZE,
		     IOVA_DST, RW))
		return -1;
	return 0;
}

FIXTURE(cpr) {
	struct edu_dev edu;
	int memfd;
	int to_new[2], to_old[2];
};

FIXTURE_SETUP(cpr)
{
	int fd;

	self->memfd = -1;
	edu_init(&self->edu);
	if (!edu_machine_has_iommu())
		SKIP(return, "no IOMMU here, so vfio-pci cannot take the device");
	ASSERT_EQ(0, drop_ipc_lock());
	ASSERT_FALSE(has_ipc_lock());

	/* edu_open(), with per-process charges chosen before any object */
	ASSERT_EQ(0, edu_find(&self->edu));
	ASSERT_EQ(0, edu_bind_vfio_pci(&self->edu));
	ASSERT_LE(0, edu_open_cdev(&self->edu));
	fd = edu_open_iommufd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, charge_per_process(fd));
	ASSERT_EQ(0, edu_bind_iommufd(&self->edu, fd));
	ASSERT_EQ(0, edu_ioas_alloc(fd, &self->edu.ioas_id));
	ASSERT_EQ(0, edu_attach(&self->edu, self->edu.ioas_id));
	ASSERT_EQ(0, edu_map_bar0(&self->edu));
	ASSERT_EQ(0, edu_enable_dma(&self->edu));
	ASSERT_EQ(0, edu_check_alive(&self->edu));

	/* Never mapped by any process: only read(), write() and the IOMMU */
	self->memfd = memfd_create("edu-cpr", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, FILE_SIZE));
	ASSERT_EQ(0, pipe2(self->to_new, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->to_old, O_CLOEXEC));
}

FIXTURE_TEARDOWN(cpr)
{
	edu_close(&self->edu);
	if (self->memfd >= 0)
		close(self->memfd);
}

/* Hands off: no descriptor, no mapping of the device is left here */
static void let_go(struct _test_data_cpr *self)
{
	edu_close(&self->edu);
	close(self->memfd);
	self->memfd = -1;
	close(self->to_old[1]);
	close(self->to_new[0]);
}

/*
 * The old image maps, DMAs, and hands everything to a new image it
 * fork()s and exec()s; it stays alive to check its own counter, but does
 * not touch the device, the iommufd or the memfd any more.
 */
TEST_F_TIMEOUT(cpr, old_image_stays, 120)
{
	struct edu_dev *edu = &self->edu;
	int status;
	long lck0;
	pid_t pid;
	char c;

	lck0 = vmlck_kb(0);
	ASSERT_LE(0, lck0);
	ASSERT_EQ(0, map_memfd(edu, self->memfd));
	ASSERT_EQ(lck0 + file_kb(), vmlck_kb(0));
	ASSERT_EQ(0, file_round_trip(edu, self->memfd, 40, 0x80, 0x100));

	pid = exec_new_image(edu, self->memfd, self->to_old[1],
			     self->to_new[0], true);
	ASSERT_LT(0, pid);
	let_go(self);
	ASSERT_EQ(lck0 + file_kb(), vmlck_kb(0));

	/* The new image took the charge over: ours is gone */
	if (read(self->to_old[0], &c, 1) != 1) {
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		TH_LOG("the new image ended (status 0x%x) before taking over",
		       status);
		ASSERT_TRUE(false);
	}
	ASSERT_EQ('m', c);
	EXPECT_EQ(lck0, vmlck_kb(0));
	ASSERT_EQ(1, write(self->to_new[1], lck0 == vmlck_kb(0) ? "y" : "n",
			   1));

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(lck0, vmlck_kb(0));

	/* The new image's exit released everything: the device is free */
	ASSERT_EQ(0, edu_open(edu));
	ASSERT_EQ(0, edu_check_alive(edu));
}

/*
 * As in a VMM's live update: the old image, which made the mappings and
 * carries their charge, exits right after exec()ing the new one, before
 * that takes the charge over from the old image's (now dead) mm.  This
 * process binds the device, then only reaps both images as their
 * subreaper.
 */
TEST_F_TIMEOUT(cpr, old_image_exits, 120)
{
	struct edu_dev *edu = &self->edu;
	pid_t old, pid;
	int status;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	old = fork();
	ASSERT_LE(0, old);
	if (!old) {
		long lck0 = vmlck_kb(0);

		if (lck0 < 0 || map_memfd(edu, self->memfd))
			_exit(1);
		if (vmlck_kb(0) != lck0 + file_kb())
			_exit(2);
		if (file_round_trip(edu, self->memfd, 50, 0x80, 0x100))
			_exit(3);
		if (exec_new_image(edu, self->memfd, self->to_old[1],
				   self->to_new[0], false) <= 0)
			_exit(4);
		_exit(0);
	}
	let_go(self);
	close(self->to_old[0]);
	close(self->to_new[1]);

	ASSERT_EQ(old, waitpid(old, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The new image, an orphan now, is ours to reap */
	pid = wait(&status);
	ASSERT_LT(0, pid);
	ASSERT_NE(old, pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, edu_open(edu));
	ASSERT_EQ(0, edu_check_alive(edu));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], NEW_IMAGE))
		return new_image(argc, argv);
	return test_harness_run(argc, argv);
}
