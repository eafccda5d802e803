/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small-file helpers for the iommufd tests and tools: the knobs of sysfs,
 * debugfs and procfs (fault injection, driver binding, module parameters)
 * are read and written as short strings. Needs only libc, so programs
 * outside the kselftest harness (the fuzzer, the machine suite) use it too.
 */
#ifndef __SELFTEST_IOMMU_FILE_UTILS_H
#define __SELFTEST_IOMMU_FILE_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>

/*
 * Read at most @size - 1 bytes of @path into @buf and terminate them.
 * Returns the number of bytes read (0 for an empty file) or -errno.
 */
static inline int file_read_str(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = 0;
	return n;
}

/*
 * Write the string @val to @path in one write(). Returns 0, or -errno
 * (-EIO for a short write).
 */
static inline int file_write_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

/* The kernel's taint mask; TAINT_WARN (bit 9) is set by any WARN() */
#define TAINT_WARN_BIT (1UL << 9)

/* /proc/sys/kernel/tainted, 0 when it cannot be read */
static inline unsigned long kernel_taint(void)
{
	char buf[32];

	if (file_read_str("/proc/sys/kernel/tainted", buf, sizeof(buf)) <= 0)
		return 0;
	return strtoul(buf, NULL, 10);
}

/*
 * The "@field: N kB" line of /proc/@pid/status (@pid 0: this process), such
 * as VmLck (mm->locked_vm) or VmPin (mm->pinned_vm): N, or -1 if there is
 * none.
 */
static inline long proc_status_kb(pid_t pid, const char *field)
{
	size_t flen = strlen(field);
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, flen) || line[flen] != ':')
			continue;
		if (sscanf(line + flen + 1, "%ld", &kb) != 1)
			kb = -1;
		break;
	}
	fclose(f);
	return kb;
}

#endif
