// SPDX-License-Identifier: GPL-2.0
/*
 * host-tsc-khz - print the TSC rate of this x86 host in kHz
 *
 * Under TCG an x86 guest's TSC runs at the host's TSC rate, and a guest
 * kernel that calibrates it at boot against the emulated PIT or HPET on a
 * busy host can be far off (81 MHz measured for a 2.6 GHz TSC), taking its
 * clock and timers with it. vm-run.sh tells the guest this rate instead
 * (tsc_early_khz=). Measured against CLOCK_MONOTONIC_RAW over 50 ms, five
 * times; the median is printed. Preemption between the two reads of a
 * pair costs microseconds, far below the 0.1% this needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#define ROUNDS 5

static double ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1e9 + ts->tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	const struct timespec nap = { .tv_nsec = 50 * 1000 * 1000 };
	double khz[ROUNDS];
	int i;

	for (i = 0; i != ROUNDS; i++) {
		struct timespec a, b;
		unsigned long long t0, t1;

		clock_gettime(CLOCK_MONOTONIC_RAW, &a);
		t0 = __rdtsc();
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		t1 = __rdtsc();
		khz[i] = (t1 - t0) * 1e6 / (ns_of(&b) - ns_of(&a));
	}
	qsort(khz, ROUNDS, sizeof(khz[0]), cmp);
	printf("%.0f\n", khz[ROUNDS / 2]);
	return 0;
}
