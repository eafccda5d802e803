#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py - the tables of make bench-vtd, kernels side by side

usage: bench-report.py ours=OURS_TABLE [base=BASE_TABLE]

Each TABLE is what iommufd_bench --edu printed in one boot (run-bench.sh
keeps it in bench-table.txt): "@ API CASE SIZE METRIC REP VALUE" records
(see edu_bench.h).  OURS_TABLE comes from the x86_64-type1 kernel, whose
/dev/iommu is ours and whose /dev/vfio/vfio is vfio type1; BASE_TABLE from
the x86_64-base kernel, whose /dev/iommu is the base tree's own iommufd.
The columns:

  ours   iommufd records of OURS_TABLE
  type1  type1 records of OURS_TABLE
  base   iommufd records of BASE_TABLE

Times are instruction counts (the boots run under QEMU -icount shift=0:
one guest nanosecond per instruction); every figure is the median over the
repetitions.  Ratios are throughput ratios, ours/other: above 1.00 ours is
faster (or, for memory, smaller: other/ours).

The memfd kinds (hugetlb_memfd, shmem_memfd) get a MAP_FILE row under
their row in the map and unmap tables: IOMMU_IOAS_MAP_FILE of the same
range of the same memfd ("file-map" records) and its unmap.  "-" means not
applicable: type1 has no map by file, and a kernel without
IOMMU_IOAS_MAP_FILE (the base tree's) says so with a "file-absent" record;
"n/a" is a figure that should be there and is not.  The type1 records of
BASE_TABLE are the same code in another kernel: their ratio to the type1
column shows how comparable the two boots are.
"""
import collections
import statistics
import sys

KINDS = ['4k', 'thp', 'hugetlb', 'hugetlb1g', 'hugetlb_memfd', 'shmem_memfd']
MEMFD_KINDS = ['hugetlb_memfd', 'shmem_memfd']
SCALE_OPS = [('map1', 'map 1 page'), ('unmap1', 'unmap it'),
             ('ranges', 'IOVA_RANGES'), ('copy1', 'COPY 1')]
PAGE = 4096
GIB_PER_INSN_PAGE = PAGE * 1e9 / 2**30   # GiB/s at 1 instruction per page


def size_bytes(s):
    units = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    return int(s[:-1]) * units[s[-1]] if s[-1] in units else int(s)


def load(path):
    """{(api, case, size, metric): [values by rep]}, skipped kinds"""
    recs = collections.defaultdict(dict)
    skipped = set()
    notes = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 7 and w[0] == '@':
                api, case, size, metric, rep, val = w[1:]
                if metric == 'skipped':
                    skipped.add(case)
                    continue
                recs[(api, case, size, metric)][int(rep)] = float(val)
            elif line.startswith('# skipped') or line.startswith('# BAD'):
                notes.append(line.rstrip())
    out = {k: [v[r] for r in sorted(v)] for k, v in recs.items()}
    return out, skipped, notes


class Column:
    def __init__(self, name, recs, api):
        self.name, self.recs, self.api = name, recs, api

    def med(self, case, size, metric):
        v = self.recs.get((self.api, case, size, metric)) if self.recs else None
        return statistics.median(v) if v else None

    def has(self, case, size, metric):
        return bool(self.recs) and (self.api, case, size, metric) in self.recs

    def first(self, case, size, metric):
        v = self.recs.get((self.api, case, size, metric)) if self.recs else None
        return v[0] if v else None


def sizes_of(recs, case):
    s = {k[2] for k in recs if k[1] == case}
    return sorted(s, key=size_bytes)


def fmt_insn(ns, pages, missing='n/a'):
    if ns is None:
        return missing
    per = ns / pages
    return '%.0f (%.1f)' % (per, GIB_PER_INSN_PAGE / per if per else 0)


def fmt_ratio(other, ours, missing='n/a'):
    if other is None or ours is None or ours <= 0 or other <= 0:
        return missing
    return '%.2f' % (other / ours)


def bulk_table(cols, sizes, op, title):
    ours, type1, base = cols
    print('\n%s: instructions per 4 KiB page (GiB/s = GiB per 1e9 instructions)'
          % title)
    print('%-13s %-5s| %-15s %-15s %-15s| %9s %10s' %
          ('kind', 'size', 'ours', 'type1', 'base', 'ours/base', 'ours/type1'))
    for kind, size in sizes:
        pages = size_bytes(size) / PAGE
        o = ours.med(kind, size, op)
        t = type1.med(kind, size, op)
        b = base.med(kind, size, op)
        print('%-13s %-5s| %-15s %-15s %-15s| %9s %10s' %
              (kind, size, fmt_insn(o, pages), fmt_insn(t, pages),
               fmt_insn(b, pages), fmt_ratio(b, o), fmt_ratio(t, o)))
        if kind in MEMFD_KINDS:
            file_row(cols, kind, size, op)


def file_absent(c, kind, size):
    """the column's kernel has no IOMMU_IOAS_MAP_FILE (it said so)"""
    return c.has(kind, size, 'file-absent')


def file_row(cols, kind, size, op):
    """the IOMMU_IOAS_MAP_FILE row under a memfd kind's row, if it ran"""
    ours, _, base = cols
    if not any(c.has(kind, size, 'file-' + op) or file_absent(c, kind, size)
               for c in (ours, base)):
        return
    pages = size_bytes(size) / PAGE
    o = ours.med(kind, size, 'file-' + op)
    b = base.med(kind, size, 'file-' + op)
    o_miss = '-' if file_absent(ours, kind, size) else 'n/a'
    b_miss = '-' if file_absent(base, kind, size) else 'n/a'
    print('%-13s %-5s| %-15s %-15s %-15s| %9s %10s' %
          ('  MAP_FILE', size, fmt_insn(o, pages, o_miss), '-',
           fmt_insn(b, pages, b_miss),
           fmt_ratio(b, o, '-' if '-' in (o_miss, b_miss) else 'n/a'), '-'))


def file_summary(cols, sizes):
    """ours: IOMMU_IOAS_MAP_FILE against IOMMU_IOAS_MAP of the same memory"""
    ours = cols[0]
    lines = []
    for kind, size in sizes:
        if kind not in MEMFD_KINDS:
            continue
        pages = size_bytes(size) / PAGE
        cells = []
        for op in ('map', 'unmap'):
            m, f = ours.med(kind, size, op), ours.med(kind, size, 'file-' + op)
            if m is None or f is None:
                continue
            cells.append('%s %.1f by file, %.1f by address (%s)' %
                         (op, f / pages, m / pages, fmt_ratio(m, f)))
        if cells:
            lines.append('  %-13s %-5s %s' % (kind, size, '; '.join(cells)))
    if lines:
        print('\nours: IOMMU_IOAS_MAP_FILE against IOMMU_IOAS_MAP of the same '
              'memfd range, instructions\nper 4 KiB page (ratio MAP/MAP_FILE: '
              'above 1.00 by file is faster)')
        print('\n'.join(lines))


def iommufd_table(cols, sizes):
    ours, _, base = cols
    ops = [('copy', 'COPY'), ('copy-unmap', 'unmap copy'),
           ('dom2', '2nd domain'), ('dom2-free', 'destroy it')]
    print('\nIOMMU_IOAS_COPY (from an IOAS whose domain has the pages pinned) and a '
          'second domain\n(IOMMU_HWPT_ALLOC over the mapped buffer, then '
          'IOMMU_DESTROY): instructions per 4 KiB page;\n'
          'type1 has neither (n/a)')
    head = '%-13s %-5s|' % ('kind', 'size')
    for _, label in ops:
        head += ' %-22s|' % (label + ': ours base b/o')
    print(head)
    for kind, size in sizes:
        pages = size_bytes(size) / PAGE
        line = '%-13s %-5s|' % (kind, size)
        for op, _ in ops:
            o = ours.med(kind, size, op)
            b = base.med(kind, size, op)
            line += ' %6s %6s %7s |' % (
                '%.1f' % (o / pages) if o is not None else 'n/a',
                '%.1f' % (b / pages) if b is not None else 'n/a',
                fmt_ratio(b, o))
        print(line)


def kmem(c, kind, size, prefix):
    """slab + vmalloc + IO page tables in KiB, and the parts, or None

    Of the first cycle: a later one finds slab pages and IO page tables that
    the earlier unmap freed into its caches or left allocated (VT-d frees a
    page table only when a whole one is unmapped at once)."""
    parts = [c.first(kind, size, prefix + m) for m in ('slab', 'vmalloc', 'iommu')]
    if parts[0] is None:
        return None, None
    parts = [p or 0 for p in parts]
    return sum(parts), parts


def kmem_table(cols, sizes):
    print('\nkernel memory the mapping holds, KiB per mapped GiB, first cycle: total '
          '= slab + vmalloc + IO page\ntables (nr_iommu_pages); ratio base/ours: '
          'above 1.00 ours uses less')
    print('%-13s %-5s| %-19s %-19s %-19s| %9s' %
          ('kind', 'size', 'ours', 'type1', 'base', 'base/ours'))
    for kind, size in sizes:
        gib = size_bytes(size) / 2**30
        cells, tot = [], []
        for c in cols:
            t, parts = kmem(c, kind, size, 'kmem-')
            tot.append(t)
            cells.append('n/a' if t is None else '%.0f = %s' % (
                t / gib, '+'.join('%.0f' % (p / gib) for p in parts)))
        print('%-13s %-5s| %-19s %-19s %-19s| %9s' %
              (kind, size, cells[0], cells[1], cells[2],
               fmt_ratio(tot[2], tot[0])))
    print('a second domain (IOMMU_HWPT_ALLOC over the mapping), the same, KiB per '
          'mapped GiB:')
    for kind, size in sizes:
        gib = size_bytes(size) / 2**30
        vals = []
        for c in (cols[0], cols[2]):
            t, parts = kmem(c, kind, size, 'dom2-kmem-')
            vals.append('n/a' if t is None else '%.0f = %s' % (
                t / gib, '+'.join('%.0f' % (p / gib) for p in parts)))
        print('  %-13s %-5s ours %-19s base %s' % (kind, size, vals[0], vals[1]))
    file_kmem = []
    for kind, size in sizes:
        gib = size_bytes(size) / 2**30
        vals = []
        for c in (cols[0], cols[2]):
            t, parts = kmem(c, kind, size, 'file-kmem-')
            vals.append(('-' if file_absent(c, kind, size) else 'n/a')
                        if t is None else '%.0f = %s' % (
                t / gib, '+'.join('%.0f' % (p / gib) for p in parts)))
        if vals[0] != 'n/a' or vals[1] != 'n/a':
            file_kmem.append('  %-13s %-5s ours %-19s base %s' %
                             (kind, size, vals[0], vals[1]))
    if file_kmem:
        print('a map by file (IOMMU_IOAS_MAP_FILE), KiB per mapped GiB, its '
              'first cycle; it runs after the\nother rows of its kind, so it '
              'reuses IO page tables and slab pages they left allocated:\n'
              'a lower bound, not comparable with the first-cycle figures '
              'above:')
        print('\n'.join(file_kmem))


def pins_summary(cols, sizes):
    print('\npins per 4 KiB page (net FOLL_PIN count; map must be 1.00, '
          'copy and a second domain 0.00):')
    for c in cols:
        if not c.recs:
            continue
        vals = collections.defaultdict(list)
        for kind, size in sizes:
            pages = size_bytes(size) / PAGE
            for m in ('pinned', 'unpinned', 'copy-pinned', 'dom2-pinned',
                      'file-pinned', 'file-unpinned'):
                v = c.recs.get((c.api, kind, size, m))
                if v:
                    vals[m] += [x / pages for x in v]
        print('  %-6s %s' % (c.name, ', '.join(
            '%s %.2f..%.2f' % (m, min(v), max(v)) for m, v in vals.items())))


def scale_table(cols):
    ours, _, base = cols
    rows = set()
    for c in (ours, base):
        if c.recs:
            rows |= {k[2] for k in c.recs if k[1] == 'scale'}
    if not rows:
        return

    def key(r):
        n, _, obj = r[1:].partition('+obj')
        return (int(n), int(obj or 0))
    rows = sorted(rows, key=key)
    print('\nscale: one IOAS with n existing 4 KiB mappings (real VT-d domain); '
          'instructions per call\n(includes the syscall); ratio base/ours: '
          'above 1.00 ours is faster')
    head = '%-14s|' % 'n'
    for _, label in SCALE_OPS:
        head += ' %-25s|' % (label + ': ours base b/o')
    print(head)
    spread = {(c.name, op): [] for c in (ours, base) for op, _ in SCALE_OPS}
    for r in rows:
        line = '%-14s|' % r
        for op, _ in SCALE_OPS:
            o = ours.med('scale', r, op)
            b = base.med('scale', r, op)
            line += ' %7s %7s %8s |' % (
                '%.0f' % o if o is not None else 'n/a',
                '%.0f' % b if b is not None else 'n/a', fmt_ratio(b, o))
            if o is not None:
                spread[(ours.name, op)].append(o)
            if b is not None:
                spread[(base.name, op)].append(b)
        print(line)
    line = '%-14s|' % 'max/min'
    for op, _ in SCALE_OPS:
        cells = []
        for c in (ours, base):
            v = spread[(c.name, op)]
            cells.append('%.2f' % (max(v) / min(v)) if v and min(v) else 'n/a')
        line += ' %7s %7s %8s |' % (cells[0], cells[1], '')
    print(line)


def cross_check(ours_recs, base_recs, sizes):
    if not ours_recs or not base_recs:
        return
    a = Column('type1', ours_recs, 'type1')
    b = Column('type1', base_recs, 'type1')
    ratios = []
    for kind, size in sizes:
        for op in ('map', 'unmap'):
            x, y = a.med(kind, size, op), b.med(kind, size, op)
            if x and y:
                ratios.append(y / x)
    if ratios:
        print('\nthe two boots: type1 (the same code) in the base kernel / in '
              'ours, per row: %.3f..%.3f' % (min(ratios), max(ratios)))


def verdict(cols, sizes):
    ours, type1, base = cols
    if not base.recs:
        return
    print('\ntargets (issue 12), ratio ours/base:')

    def worst(kinds, op, only_size=None):
        r = []
        for kind, size in sizes:
            if kind not in kinds or (only_size and size != only_size):
                continue
            o, b = ours.med(kind, size, op), base.med(kind, size, op)
            if o and b:
                r.append((b / o, kind, size))
        return min(r) if r else None
    checks = [
        ('map 4 KiB >= 2x', worst(['4k'], 'map'), 2.0),
        ('map THP and hugetlb >= 5x',
         worst(['thp', 'hugetlb', 'hugetlb1g', 'hugetlb_memfd'], 'map'),
         5.0),
        ('unmap 4 KiB >= 1.2x', worst(['4k'], 'unmap'), 1.2),
        ('second domain over 2 GiB >= 2x', worst(KINDS, 'dom2', '2G'), 2.0),
    ]
    for label, w, target in checks:
        if w is None:
            print('  %-34s no figures' % label)
        else:
            print('  %-34s worst %.2f (%s %s): %s' %
                  (label, w[0], w[1], w[2], 'met' if w[0] >= target else 'MISSED'))
    slower = []
    for kind, size in sizes:
        for op in ('map', 'unmap'):
            o, t = ours.med(kind, size, op), type1.med(kind, size, op)
            if o and t and o > t:
                slower.append('%s %s %s' % (kind, size, op))
    print('  %-34s %s' % ('never slower than type1',
                          'met' if not slower else 'MISSED: ' + ', '.join(slower)))
    more = []
    for kind, size in sizes:
        o, _ = kmem(ours, kind, size, 'kmem-')
        b, _ = kmem(base, kind, size, 'kmem-')
        # Two pages either way are slab and page-table noise
        if o is not None and b is not None and o > b + 8:
            more.append('%s %s (%.0f > %.0f KiB/GiB)' %
                        (kind, size, o * 2**30 / size_bytes(size),
                         b * 2**30 / size_bytes(size)))
    print('  %-34s %s' % ('kernel memory <= base',
                          'met' if not more else 'MISSED: ' + ', '.join(more)))


def main():
    files = dict(a.split('=', 1) for a in sys.argv[1:] if '=' in a)
    if 'ours' not in files and 'base' not in files:
        sys.exit(__doc__)
    loaded = {k: load(v) for k, v in files.items()}
    ours_recs = loaded.get('ours', ({}, set(), []))[0]
    base_recs = loaded.get('base', ({}, set(), []))[0]
    cols = (Column('ours', ours_recs, 'iommufd'),
            Column('type1', ours_recs, 'type1'),
            Column('base', base_recs, 'iommufd'))
    all_recs = dict(base_recs)
    all_recs.update(ours_recs)
    sizes = [(k, s) for k in KINDS for s in sizes_of(all_recs, k)]
    reps = max((len(v) for k, v in all_recs.items() if k[3] == 'map'), default=0)
    print('make bench-vtd: x86-vtd, edu device through a real VT-d domain; '
          'instruction-time (-icount shift=0);\nmedian of %d reps; '
          'ours = our /dev/iommu, type1 = vfio type1 (both in the x86_64-type1 '
          'boot),\nbase = the base tree\'s own iommufd (x86_64-base boot)' % reps)
    for name, (_, skipped, notes) in loaded.items():
        for k in sorted(skipped):
            print('%s: %s skipped (see its log)' % (name, k))
        for n in notes:
            print('%s: %s' % (name, n.lstrip('# ')))
    bulk_table(cols, sizes, 'map', 'map (IOMMU_IOAS_MAP; type1 VFIO_IOMMU_MAP_DMA;\n'
               'MAP_FILE: IOMMU_IOAS_MAP_FILE of the same memfd range, "-" where '
               'there is none)')
    bulk_table(cols, sizes, 'unmap', 'unmap (IOMMU_IOAS_UNMAP; type1 VFIO_IOMMU_UNMAP_DMA;\n'
               'MAP_FILE: the unmap of its mapping)')
    file_summary(cols, sizes)
    iommufd_table(cols, sizes)
    kmem_table(cols, sizes)
    pins_summary(cols, sizes)
    scale_table(cols)
    cross_check(ours_recs, base_recs, sizes)
    verdict(cols, sizes)


if __name__ == '__main__':
    main()
