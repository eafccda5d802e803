// SPDX-License-Identifier: GPL-2.0-only
/*
 * What must hold once every file of the run is closed: no page the fuzzer
 * mapped is still pinned, and nothing is still charged.
 *
 *  - IOMMU_TEST_OP_MD_CHECK_REFS with refs 0 over every buffer slot (the
 *    mock checks the small pages; THP and hugetlb pages are not counted);
 *  - the FOLL_PIN counters of /proc/vmstat (acquired - released) are back
 *    where they were: this also covers pages no longer mapped in the
 *    fuzzer (dropped buffers, forked children that exited) and huge pages;
 *  - VmLck and VmPin of the process are back where they were;
 *  - the pages charged to the user (user_struct::locked_vm, which /proc does
 *    not show) are measured: a child without CAP_IPC_LOCK and with
 *    RLIMIT_MEMLOCK of PROBE_PAGES pages finds the largest mapping it can
 *    still make into an IOAS with a mock domain; what it cannot map is
 *    charged to the user already.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PROBE_PAGES 1024

static long status_kb(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			val = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

static long read_vmstat(const char *name)
{
	char key[64];
	long val = -1, v;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name)) {
			val = v;
			break;
		}
	fclose(f);
	return val;
}

static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data);
}

/* In the probe child: 1 mapped, 0 refused for the limit, -1 other error */
static int probe_map(int fd, uint32_t ioas, void *buf, size_t pages)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = pages * page_sz,
		.iova = MOCK_APERTURE_START,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas,
		.iova = MOCK_APERTURE_START,
		.length = pages * page_sz,
	};

	if (ioctl(fd, IOMMU_IOAS_MAP, &map))
		return errno == ENOMEM ? 0 : -1;
	if (ioctl(fd, IOMMU_IOAS_UNMAP, &unmap))
		return -1;
	return 1;
}

/* Pages charged to this user now, -1 if that cannot be measured */
static long probe_user_locked(void)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_test_cmd md = {
		.size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct rlimit rl = {
		.rlim_cur = PROBE_PAGES * page_sz,
		.rlim_max = PROBE_PAGES * page_sz,
	};
	long lo = 0, hi = PROBE_PAGES, mid, result = -1;
	int pipefd[2], fd, status, rc;
	void *buf;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid) {
		close(pipefd[1]);
		if (read(pipefd[0], &result, sizeof(result)) != sizeof(result))
			result = -1;
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		return result;
	}
	close(pipefd[0]);
	buf = mmap(NULL, PROBE_PAGES * page_sz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	fd = open("/dev/iommu", O_RDWR);
	if (buf == MAP_FAILED || fd < 0 || drop_ipc_lock() ||
	    setrlimit(RLIMIT_MEMLOCK, &rl) ||
	    ioctl(fd, IOMMU_IOAS_ALLOC, &ioas))
		goto out;
	md.id = ioas.out_ioas_id;
	if (ioctl(fd, IOMMU_TEST_CMD, &md))
		goto out;
	/* Largest n that still maps; what is missing is charged already */
	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		rc = probe_map(fd, ioas.out_ioas_id, buf, mid);
		if (rc < 0)
			goto out;
		if (rc)
			lo = mid;
		else
			hi = mid - 1;
	}
	result = PROBE_PAGES - lo;
out:
	if (write(pipefd[1], &result, sizeof(result)) != sizeof(result))
		_exit(1);
	_exit(0);
}

void acct_snapshot(struct acct_snapshot *s, bool probe_user)
{
	/* Fold the per-CPU deltas in, or the counters lag behind */
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	ssize_t n;

	if (fd >= 0) {
		n = write(fd, "1", 1);
		close(fd);
		(void)n;
	}
	s->pin_delta = read_vmstat("nr_foll_pin_acquired") -
		       read_vmstat("nr_foll_pin_released");
	s->vmlck_kb = status_kb("VmLck");
	s->vmpin_kb = status_kb("VmPin");
	s->user_locked = probe_user ? probe_user_locked() : -1;
}

/*
 * CHECK_REFS(0) over every buffer slot that holds memory.  Returns the
 * number of slots checked, or -1 with the first failure described in @why.
 */
int check_refs_zero(char *why, size_t len)
{
	struct iommu_test_cmd cmd;
	unsigned int i;
	int fd, n = 0;

	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0) {
		snprintf(why, len, "open /dev/iommu: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i != NR_BUFS; i++) {
		if (bufs[i].kind == BUF_NONE)
			continue;
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizeof(cmd);
		cmd.op = IOMMU_TEST_OP_MD_CHECK_REFS;
		cmd.check_refs.uptr = (uintptr_t)bufs[i].va;
		cmd.check_refs.length = bufs[i].len;
		cmd.check_refs.refs = 0;
		if (ioctl(fd, IOMMU_TEST_CMD, &cmd)) {
			snprintf(why, len,
				 "buffer %u (%s, %#zx bytes at %p): %s", i,
				 buf_kind_name[bufs[i].kind], bufs[i].len,
				 bufs[i].va, strerror(errno));
			close(fd);
			return -1;
		}
		n++;
	}
	close(fd);
	return n;
}
