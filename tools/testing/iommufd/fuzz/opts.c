// SPDX-License-Identifier: GPL-2.0-only
/*
 * Options of iommufd_fuzz: defaults, then iommufd_fuzz.<option>=<value>
 * words of the kernel command line (how the harness passes them), then the
 * program's own command line.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

struct fuzz_opts opts = {
	.threads = 4,
	.time_s = 60,
	.log_n = 256,
	.show_n = 48,
	.epoch = 1000,
	.hang_s = 120,
	.fork = true,
	.legacy = true,
	.usercopy = true,
	.dev_flags = MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA |
		     MOCK_FLAGS_DEVICE_PASID,
};

static int set_opt(const char *name, const char *val)
{
	unsigned long long v = val ? strtoull(val, NULL, 0) : 1;
	bool b = !val || (strcmp(val, "0") && strcmp(val, "n") &&
			  strcmp(val, "N"));

	if (!strcmp(name, "seed"))
		opts.seed = v;
	else if (!strcmp(name, "threads"))
		opts.threads = v < 1 ? 1 : v > MAX_THREADS ? MAX_THREADS : v;
	else if (!strcmp(name, "calls"))
		opts.calls = v;
	else if (!strcmp(name, "time"))
		opts.time_s = v;
	else if (!strcmp(name, "faults"))
		opts.faults = v > 100 ? 100 : v;
	else if (!strcmp(name, "fault-from") || !strcmp(name, "fault_from"))
		opts.fault_from = v > 100 ? 100 : v;
	else if (!strcmp(name, "log"))
		opts.show_n = v < 4 ? 4 : v > 25000 ? 25000 : v;
	else if (!strcmp(name, "epoch"))
		opts.epoch = v;
	else if (!strcmp(name, "hang"))
		opts.hang_s = v ?: 1;
	else if (!strcmp(name, "trace"))
		opts.trace = b;
	else if (!strcmp(name, "keep-going") || !strcmp(name, "keep_going"))
		opts.keep_going = b;
	else if (!strcmp(name, "fork"))
		opts.fork = b;
	else if (!strcmp(name, "legacy"))
		opts.legacy = b;
	else if (!strcmp(name, "usercopy"))
		opts.usercopy = b;
	else if (!strcmp(name, "dev-flags") || !strcmp(name, "dev_flags"))
		opts.dev_flags = v;
	else if (!strcmp(name, "ops"))
		snprintf(opts.ops, sizeof(opts.ops), "%s", val ?: "");
	else
		return -1;
	return 0;
}

#define WS " \t\n"

static void opts_from_cmdline(void)
{
	char buf[4096], *tok, *save;
	const char *pfx = "iommufd_fuzz.";
	ssize_t n;
	int fd = open("/proc/cmdline", O_RDONLY);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (tok = strtok_r(buf, WS, &save); tok;
	     tok = strtok_r(NULL, WS, &save)) {
		char *eq;

		if (strncmp(tok, pfx, strlen(pfx)))
			continue;
		tok += strlen(pfx);
		eq = strchr(tok, '=');
		if (eq)
			*eq++ = 0;
		if (set_opt(tok, eq))
			printf("# unknown option iommufd_fuzz.%s\n", tok);
	}
}

static void print_usage(const char *prog)
{
	printf("Usage: %s [--seed N] [--threads N] [--calls N] [--time SEC]\n"
	       "  [--faults PCT] [--fault-from PCT] [--log N] [--epoch OPS]\n"
	       "  [--hang SEC] [--trace] [--keep-going] [--fork 0|1]\n"
	       "  [--legacy 0|1] [--usercopy 0|1] [--ops a,b,... | -a,-b,...]\n"
	       "  [--dev-flags MASK]\n"
	       "Options also come from the kernel command line as\n"
	       "iommufd_fuzz.<option>=<value>.\n", prog);
}

static const struct option long_opts[] = {
	{ "seed", required_argument }, { "threads", required_argument },
	{ "calls", required_argument }, { "time", required_argument },
	{ "faults", required_argument }, { "fault-from", required_argument },
	{ "log", required_argument }, { "epoch", required_argument },
	{ "hang", required_argument }, { "trace", no_argument },
	{ "keep-going", no_argument }, { "fork", required_argument },
	{ "legacy", required_argument }, { "usercopy", required_argument },
	{ "ops", required_argument }, { "dev-flags", required_argument },
	{ "help", no_argument }, {}
};

int parse_args(int argc, char **argv)
{
	int i, c;

	opts.seed = now_ns() ^ getpid();
	opts_from_cmdline();
	while ((c = getopt_long(argc, argv, "", long_opts, &i)) != -1) {
		if (c != 0 || !strcmp(long_opts[i].name, "help")) {
			print_usage(argv[0]);
			return -1;
		}
		set_opt(long_opts[i].name, optarg);
	}
	/* Room for the calls made while the run stops after a report */
	opts.log_n = opts.show_n * 4 > 256 ? opts.show_n * 4 : 256;
	return 0;
}
