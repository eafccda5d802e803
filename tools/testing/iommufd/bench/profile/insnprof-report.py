#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""insnprof-report.py - markers for, and reports from, the insnprof plugin

usage:
  insnprof-report.py markers PROGRAM > MARKERS
      the phase markers of iommufd_bench --edu, from PROGRAM's symbols:
      1 ours map, 2 ours unmap, 3 type1 map, 4 type1 unmap, 0 the rest
  insnprof-report.py report MARKERS COUNTS SYSTEM.MAP [--pages N] [--top N]
                            [--base COUNTS]
      kernel instructions per phase and per function; with --pages N also
      per 4 KiB page (N pages per phase); with --base the counts of another
      run are subtracted first (e.g. --reps 3 minus --reps 1 leaves two
      steady-state cycles)
"""
import argparse
import bisect
import collections
import subprocess
import sys

# (function, phase, what the phase is called)
EDU_MARKERS = [
    ('ours_map', 1, 'ours map (IOMMU_IOAS_MAP)'),
    ('ours_unmap', 2, 'ours unmap (IOMMU_IOAS_UNMAP)'),
    ('type1_map', 3, 'type1 map (VFIO_IOMMU_MAP_DMA)'),
    ('type1_unmap', 4, 'type1 unmap (VFIO_IOMMU_UNMAP_DMA)'),
    ('edu_cycle', 0, 'untimed'),
    ('edu_time_api', 0, 'untimed'),
    ('edu_bench_run', 0, 'untimed'),
]


def markers(prog):
    out = subprocess.run(['nm', '-S', prog], check=True, capture_output=True,
                         text=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4:
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
    found = set()
    for name, phase, label in EDU_MARKERS:
        if name in syms:
            start, size = syms[name]
            print('%d %x %x %s' % (phase, start, start + size, label))
            found.add(phase)
    missing = {1, 2, 3, 4} - found
    if missing:
        sys.exit('insnprof-report: %s lacks markers for phases %s'
                 % (prog, sorted(missing)))


def kernel_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in 'tTwW':
                syms.append((int(addr, 16), name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def load(path, addrs, names, per, sign):
    with open(path) as f:
        for line in f:
            phase, addr, count = line.split()
            i = bisect.bisect_right(addrs, int(addr, 16)) - 1
            per[int(phase)][names[i] if i >= 0 else '?'] += sign * int(count)


def report(args):
    labels = {0: 'untimed'}
    with open(args.markers) as f:
        for line in f:
            f4 = line.split(None, 3)
            labels[int(f4[0])] = f4[3].strip()
    addrs, names = kernel_symbols(args.system_map)
    per = collections.defaultdict(collections.Counter)
    load(args.counts, addrs, names, per, 1)
    if args.base:
        load(args.base, addrs, names, per, -1)
    unit = args.pages or 1
    what = 'per 4 KiB page' if args.pages else 'in total'
    for phase in sorted(p for p in per if p):
        total = sum(per[phase].values())
        print('== %s: %.1f kernel instructions %s'
              % (labels.get(phase, phase), total / unit, what))
        for name, count in per[phase].most_common(args.top):
            print('   %10.1f %5.1f%%  %s'
                  % (count / unit, 100.0 * count / total if total else 0, name))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    m = sub.add_parser('markers')
    m.add_argument('program')
    r = sub.add_parser('report')
    r.add_argument('markers')
    r.add_argument('counts')
    r.add_argument('system_map')
    r.add_argument('--pages', type=float)
    r.add_argument('--top', type=int, default=15)
    r.add_argument('--base')
    args = ap.parse_args()
    if args.cmd == 'markers':
        markers(args.program)
    else:
        report(args)


if __name__ == '__main__':
    main()
