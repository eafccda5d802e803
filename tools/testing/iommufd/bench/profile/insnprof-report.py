#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""insnprof-report.py - markers for, and reports from, the insnprof plugin

usage:
  insnprof-report.py markers PROGRAM > MARKERS
      the phase markers of iommufd_bench --edu, from PROGRAM's symbols:
      every timed function (tm_*) is a phase of its own, numbered from 1;
      the functions that call them (edu_*, scale_*) are phase 0, untimed
  insnprof-report.py report DIR [--top N]
      kernel instructions per phase, per step and per function, per unit
      of work (4 KiB page, or call for the scale table's functions)
  insnprof-report.py steps LABEL=DIR [LABEL=DIR...]
      the per-step table of several kernels side by side (e.g. ours=...
      base=...), per 4 KiB page, for map, unmap, copy and second domain

A DIR holds one profiled boot: insnprof.markers, insnprof.counts (the
plugin's output), System.map (of the kernel that ran) and bench-table.txt
(the program's output, whose "@ phase FUNCTION UNITS UNIT" records say how
much work each timed function did).

Steps: each kernel function is attributed to one step by its name (STEPS
below, first match wins): the GUP walk, the pin refcount (taking and
dropping FOLL_PIN references), the PFN record (where the pinned pages are
kept: our PFN runs, the base tree's PFN store, xarray), the IOPTE write (the
IOMMU driver's map/unmap and the IO page-table allocations), IOTLB work
(invalidation and its queue), accounting (locked-memory charges), and the
rest: memory allocation, the syscall and ioctl layers, the IOVA
bookkeeping (areas, interval trees) and whatever else ran.  Inlined code
counts where it was inlined; a function with several jobs counts for the
first step its name matches.
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys

# (step, regular expression on the function name); first match wins.
# Our iommufd's functions are named upages_* (pinned pages), isp_* (IOVA
# space), iommufd_* (objects); the base tree's are matched by what their
# names say, nothing else is known of them.
STEPS = [
    ('IOTLB', r'iotlb|tlb_sync|flush_iotlb|cache_tag_flush|^qi_|'
              r'dev_tlb|flush_pasid|iommu_flush|__iommu_flush|sync_map$'),
    ('IOPTE walk+write', r'^intel_iommu_(map|unmap)|domain_mapping|'
                         r'pfn_to_dma_pte|dma_pte|domain_unmap|'
                         r'^iommu_(map|unmap)|__iommu_(map|unmap)|'
                         r'iommu_pgsize|iommu_alloc_page|iommu_free_page|'
                         r'iommu_put_pages|clflush_cache_range|'
                         r'domain_flush_cache|first_level'),
    ('PFN record', r'iova_to_phys|pfn|batch|xarray|^xa_|^xas_|'
                   r'^__upages_hold|^upages_(record|contig|expand|forget|walk|'
                   r'chunk|run|ref|slot|head|pin_span|fill_page_list)'),
    ('accounting', r'account|acct|locked_vm|charge|capable|^get_uid|^free_uid|'
                   r'rlimit'),
    ('pin refcount', r'try_grab|try_get_folio|gup_put_folio|unpin_|^folio_put|'
                     r'__folio_put|folio_add_pin|gup_folio|folio_mark_dirty|'
                     r'set_page_dirty|node_stat_mod_folio|mod_node_page_state|'
                     r'node_page_state_add|put_page|folio_ref|folio_mapping|'
                     r'folio_lock|folio_unlock'),
    ('GUP walk', r'gup|get_user_pages|pin_user_pages|record_subpages|follow_|'
                 r'^find_vma|vma_lookup|mmap_read|^down_read|^up_read|'
                 r'lock_vma|longterm|movable|pmd_|pte_offset|page_vma|'
                 r'vm_normal|hugetlb_follow|hugetlb_walk|huge_pte'),
    ('allocation', r'alloc|^kfree|free_pages|slab|kmem_cache|^kmalloc|'
                   r'__kmalloc|vmalloc|^vfree|kvfree|free_unref|freelist|'
                   r'memcg|obj_cgroup|^memset|clear_page|rcu|free_one_page|'
                   r'prep_compound|free_tail'),
    ('syscall, ioctl', r'entry_SYSCALL|syscall|sys_ioctl|_ioctl$|fops_ioctl|'
                       r'copy_from_user|copy_to_user|_copy_|^__get_user|'
                       r'^__put_user|rep_movs|fdget|fput|security_file|'
                       r'copy_struct|iommufd_object|iommufd_get_|'
                       r'iommufd_put|ucmd'),
    ('IOVA bookkeeping', r'interval_tree|^rb_|^mt_|iopt_|^isp_|^ioas|'
                         r'iommufd|upages|area|hwpt|domain|mutex|'
                         r'_raw_spin|down_write|up_write'),
    ('interrupts', r'irq|apic|timer|tick|hrtimer|sched|clock|'
                   r'^asm_|softirq|timekeeping'),
]
STEP_NAMES = [s for s, _ in STEPS] + ['other']
STEP_RE = [(s, re.compile(r)) for s, r in STEPS]


def step_of(name):
    for step, rx in STEP_RE:
        if rx.search(name):
            return step
    return 'other'


def markers(prog):
    out = subprocess.run(['nm', prog], check=True, capture_output=True,
                         text=True).stdout
    timed, untimed = {}, []
    for line in out.splitlines():
        f = line.split()
        if len(f) != 3 or f[1] not in 'tT':
            continue
        base = f[2].split('.')[0]
        if base.startswith('tm_'):
            timed.setdefault(base, []).append(f[2])
        elif base.startswith(('edu_', 'scale_')):
            untimed.append(f[2])
    if not timed:
        sys.exit('insnprof-report: %s has no tm_* functions' % prog)
    if len(timed) > 127:
        sys.exit('insnprof-report: more than 127 timed functions')
    sized = subprocess.run(['nm', '-S', prog], check=True, capture_output=True,
                           text=True).stdout
    ranges = {}
    for line in sized.splitlines():
        f = line.split()
        if len(f) == 4:
            ranges[f[3]] = (int(f[0], 16), int(f[1], 16))
    for phase, base in enumerate(sorted(timed), 1):
        for sym in timed[base]:
            if sym in ranges:
                start, size = ranges[sym]
                print('%d %x %x %s' % (phase, start, start + size, base))
    for sym in untimed:
        if sym in ranges:
            start, size = ranges[sym]
            print('0 %x %x untimed' % (start, start + size))


def kernel_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in 'tTwW':
                syms.append((int(addr, 16), name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


class Profile:
    """One profiled boot: per phase name, instructions per kernel function"""

    def __init__(self, d):
        self.labels = {}
        with open(os.path.join(d, 'insnprof.markers')) as f:
            for line in f:
                w = line.split()
                if w[0] != '0':
                    self.labels[int(w[0])] = w[3]
        addrs, names = kernel_symbols(os.path.join(d, 'System.map'))
        self.per = collections.defaultdict(collections.Counter)
        with open(os.path.join(d, 'insnprof.counts')) as f:
            for line in f:
                phase, addr, count = line.split()
                phase = int(phase)
                if phase not in self.labels:
                    continue
                i = bisect.bisect_right(addrs, int(addr, 16)) - 1
                fn = names[i] if i >= 0 else '?'
                self.per[self.labels[phase]][fn] += int(count)
        self.units = {}
        with open(os.path.join(d, 'bench-table.txt')) as f:
            for line in f:
                w = line.split()
                if len(w) == 5 and w[:2] == ['@', 'phase']:
                    self.units[w[2]] = (int(w[3]), w[4])

    def steps(self, phase):
        """{step: instructions per unit} of one phase, or None"""
        if phase not in self.per or phase not in self.units:
            return None
        n = self.units[phase][0]
        out = collections.Counter()
        for fn, count in self.per[phase].items():
            out[step_of(fn)] += count / n
        return out


def report(args):
    p = Profile(args.dir)
    for phase in sorted(p.per, key=lambda x: (x.split('_')[-1], x)):
        if phase not in p.units:
            continue
        n, unit = p.units[phase]
        unit = unit.rstrip('s')
        total = sum(p.per[phase].values())
        print('== %s: %.1f kernel instructions per %s (%d %ss)'
              % (phase, total / n, unit, n, unit))
        st = p.steps(phase)
        print('   steps: ' + ', '.join('%s %.1f' % (s, st[s])
                                       for s in STEP_NAMES if st[s] >= 0.05))
        for name, count in p.per[phase].most_common(args.top):
            print('   %10.1f %5.1f%%  %-40s %s'
                  % (count / n, 100.0 * count / total if total else 0, name,
                     step_of(name)))


def steps_table(args):
    profs = []
    for a in args.dirs:
        label, d = a.split('=', 1)
        profs.append((label, Profile(d)))
    ops = ['iommufd_map', 'iommufd_unmap', 'type1_map', 'type1_unmap',
           'iommufd_copy', 'iommufd_dom2', 'iommufd_map_file',
           'iommufd_unmap_file']
    kinds = ['4k', 'thp', 'hugetlb', 'hugetlb1g', 'hugetlb_memfd',
             'shmem_memfd']
    for op in ops:
        cols = []
        for kind in kinds:
            for label, p in profs:
                if op.startswith('type1') and label != profs[0][0]:
                    continue
                st = p.steps('tm_%s_%s' % (op, kind))
                if st is not None:
                    cols.append(('%s %s' % (label, kind), st))
        if not cols:
            continue
        print('\n%s: kernel instructions per 4 KiB page, per step' % op)
        print('%-17s' % 'step' + ''.join('%16s' % c for c, _ in cols))
        for s in STEP_NAMES:
            if all(st[s] < 0.05 for _, st in cols):
                continue
            print('%-17s' % s + ''.join('%16.1f' % st[s] for _, st in cols))
        print('%-17s' % 'total' +
              ''.join('%16.1f' % sum(st.values()) for _, st in cols))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    m = sub.add_parser('markers')
    m.add_argument('program')
    r = sub.add_parser('report')
    r.add_argument('dir')
    r.add_argument('--top', type=int, default=12)
    s = sub.add_parser('steps')
    s.add_argument('dirs', nargs='+')
    args = ap.parse_args()
    if args.cmd == 'markers':
        markers(args.program)
    elif args.cmd == 'report':
        report(args)
    else:
        steps_table(args)


if __name__ == '__main__':
    main()
