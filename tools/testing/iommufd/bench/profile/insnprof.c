// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof - a QEMU TCG plugin that counts the guest kernel instructions
 * executed while a benchmark is inside one of its timed calls
 *
 * The benchmark's own functions mark the phases: whenever a vCPU executes
 * code of a marker function (a user-space address range), that vCPU's
 * current phase becomes the marker's.  Phase 0 is "not timed".  Every
 * executed translation block of the kernel adds its instruction count to
 * its own counter for the executing vCPU's phase.  At exit the counters go
 * to a file as "PHASE ADDRESS INSTRUCTIONS" lines, which insnprof-report.py
 * turns into instructions per kernel function.
 *
 * Plugin arguments:
 *   markers=FILE  lines "PHASE START END": phase number (0..127) and the
 *                 hex address range of a marker function
 *   out=FILE      where the counts go
 *
 * Build: gcc -O2 -shared -fPIC -o insnprof.so insnprof.c
 * Use:   qemu-system-x86_64 -icount ... -plugin insnprof.so,markers=M,out=O
 *
 * qemu_plugin_api.h declares the part of QEMU's plugin API this uses.  With
 * -icount QEMU runs one vCPU at a time, so the counters need no locking.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

#define NR_PHASES	128
#define NR_MARKERS	512
#define NR_VCPUS	64
#define KERNEL_START	0xffff800000000000ULL

/* QEMU checks this before it calls qemu_plugin_install() */
int qemu_plugin_version = 1;

/* One translated block: where, how long, and what it executed per phase */
struct block {
	uint64_t vaddr;
	uint64_t ninsns;
	int marker;		/* the phase it switches to, or -1 */
	uint64_t count[NR_PHASES];
	struct block *next;
};

struct marker {
	uint64_t start, end;
	int phase;
};

static struct block *blocks;
static struct marker markers[NR_MARKERS];
static int nr_markers;
static int vcpu_phase[NR_VCPUS];
static char out_path[4096];

static void block_exec(unsigned int vcpu, void *data)
{
	struct block *b = data;
	int *phase = &vcpu_phase[vcpu % NR_VCPUS];

	if (b->marker >= 0)
		*phase = b->marker;
	b->count[*phase] += b->ninsns;
}

static int marker_of(uint64_t vaddr)
{
	int i;

	for (i = 0; i < nr_markers; i++)
		if (vaddr >= markers[i].start && vaddr < markers[i].end)
			return markers[i].phase;
	return -1;
}

static void block_translate(uint64_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	int marker = marker_of(vaddr);
	struct block *b;

	/* Other user-space code is neither counted nor a marker */
	if (marker < 0 && vaddr < KERNEL_START)
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		return;
	b->vaddr = vaddr;
	b->ninsns = qemu_plugin_tb_n_insns(tb);
	b->marker = marker;
	b->next = blocks;
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, block_exec, 0, b);
}

static void write_counts(uint64_t id, void *data)
{
	FILE *f = fopen(out_path, "w");
	struct block *b;
	int p;

	if (!f) {
		perror(out_path);
		return;
	}
	for (b = blocks; b; b = b->next)
		for (p = 0; p < NR_PHASES; p++)
			if (b->count[p] && b->vaddr >= KERNEL_START)
				fprintf(f, "%d %llx %llu\n", p,
					(unsigned long long)b->vaddr,
					(unsigned long long)b->count[p]);
	fclose(f);
}

static int read_markers(const char *path)
{
	unsigned long long start, end;
	char line[256];
	FILE *f;
	int phase;

	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	while (nr_markers < NR_MARKERS && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %llx %llx", &phase, &start, &end) != 3 ||
		    phase < 0 || phase >= NR_PHASES)
			continue;
		markers[nr_markers].start = start;
		markers[nr_markers].end = end;
		markers[nr_markers].phase = phase;
		nr_markers++;
	}
	fclose(f);
	return nr_markers ? 0 : -1;
}

int qemu_plugin_install(uint64_t id, const void *info, int argc, char **argv)
{
	const char *markers_path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "markers=", 8))
			markers_path = argv[i] + 8;
		else if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
	}
	if (!markers_path || !out_path[0] || read_markers(markers_path)) {
		fprintf(stderr, "insnprof: need markers=FILE (non-empty) and out=FILE\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, block_translate);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
