#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Turns the layout tables of the uAPI additions specification
# (uapi-additions.md of the project's shared spec) into spec-layouts.txt,
# the facts abi-check.sh asserts against our headers: the base tree has no
# newer header to compare with, so the spec's tables are the reference for
# what later kernels added.
#
# usage: spec-tables.py <uapi-additions.md> > spec-layouts.txt
#
# Only the items this tree implements are taken (WANTED_* below). Each
# output line is one of
#   size <struct> <bytes>                       (uapi header)
#   field <struct> <member> <offset> <type>     (uapi header)
#   const <name> <value>                        (uapi header)
#   tsize, tfield, tconst                       (the same, iommufd_test.h)

import re
import sys

WANTED_CMDS = {'IOMMUFD_CMD_VIOMMU_ALLOC', 'IOMMUFD_CMD_VDEVICE_ALLOC',
               'IOMMUFD_CMD_VEVENTQ_ALLOC', 'IOMMUFD_CMD_HW_QUEUE_ALLOC',
               'IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA',
               'IOMMUFD_CMD_IOAS_MAP_FILE',
               'IOMMUFD_CMD_IOAS_CHANGE_PROCESS'}
WANTED_STRUCTS = {'iommu_viommu_alloc', 'iommu_vdevice_alloc',
                  'iommu_veventq_alloc', 'iommu_hw_queue_alloc',
                  'iommu_ioas_noiommu_get_pa',
                  'iommu_ioas_map_file', 'iommu_ioas_change_process'}
# Vendor structures that section 11 describes in prose, not in a table
WANTED_PROSE_STRUCTS = {'iommu_hw_info_amd', 'iommu_hwpt_amd_guest'}
# Section 2 rows that belong to later parts (PASID, SMMUv3 hw_info)
SKIP_CONSTS = {'IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI'}
WANTED_TEST_STRUCTS = {'iommu_viommu_selftest', 'iommu_hwpt_selftest',
                       'iommu_viommu_invalidate_selftest',
                       'iommu_viommu_event_selftest'}
WANTED_TEST_OPS = {'IOMMU_TEST_OP_DEV_CHECK_CACHE',
                   'IOMMU_TEST_OP_TRIGGER_VEVENT',
                   'IOMMU_TEST_OP_DMABUF_GET', 'IOMMU_TEST_OP_DMABUF_REVOKE'}
WANTED_TEST_MEMBERS = {'check_dev_cache', 'trigger_vevent', 'dmabuf_get',
                       'dmabuf_revoke'}
WANTED_TEST_CONSTS = {'MOCK_DEV_CACHE_ID_MAX', 'MOCK_DEV_CACHE_NUM',
                      'IOMMU_TEST_DEV_CACHE_DEFAULT',
                      'IOMMU_VIOMMU_TYPE_SELFTEST',
                      'IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST',
                      'IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID',
                      'IOMMU_VEVENTQ_TYPE_SELFTEST',
                      'IOMMU_HW_QUEUE_TYPE_SELFTEST',
                      'IOMMU_TEST_HW_QUEUE_MAX', 'MOCK_PAGE_SIZE'}


def cells(line):
    return [c.strip() for c in line.strip().strip('|').split('|')]


def value(text):
    """'`1U << 0`', '0 (reserved)', '0xdeadbeef' -> a C expression"""
    text = text.replace('`', '').strip()
    m = re.match(r'(0x[0-9a-fA-F]+|\d+U?(\s*<<\s*\d+)?)', text)
    return m.group(1) if m else None


def is_num(s):
    return re.match(r'^\d+$', s) is not None


def parse_prose(text):
    """Section 11's paragraphs: "`struct s` (...), N bytes: `m` (type @off,
    ...), `m2` (@off, ...)" or "`m[n]` (`type`, @o0/o1/...)"; a member
    without a type has the one before it. Arrays give a line per element."""
    out = []
    for para in re.split(r'\n\s*\n', text):
        para = ' '.join(para.split())
        m = re.match(r'`struct (\w+)`(?: \([^)]*\))?, (\d+) bytes:', para)
        if not m or m.group(1) not in WANTED_PROSE_STRUCTS:
            continue
        struct = m.group(1)
        out.append('size %s %s' % (struct, m.group(2)))
        typ = None
        for f in re.finditer(r'`(\w+)(?:\[(\d+)\])?` \(`?(__\w+)?`?,? ?'
                             r'@([\d/]+)', para[m.end():]):
            typ = f.group(3) or typ
            offs = f.group(4).split('/')
            if f.group(2):
                for i, off in enumerate(offs):
                    out.append('field %s %s[%d] %s %s'
                               % (struct, f.group(1), i, off, typ))
            else:
                out.append('field %s %s %s %s'
                           % (struct, f.group(1), offs[0], typ))
    return out


def parse(path):
    out = []
    prose = ''
    section = ''
    struct = None
    member = None
    tstruct = None
    for line in open(path, encoding='utf-8').read().splitlines():
        if line.startswith('## ') or line.startswith('### '):
            section = line.split()[1]
            struct = None
            continue
        if section.startswith('11.'):
            prose += line + '\n'
        m = re.match(r'`struct (\w+)`, (\d+) bytes:', line)
        if m:
            struct = m.group(1)
            if struct in WANTED_STRUCTS:
                out.append('size %s %s' % (struct, m.group(2)))
            continue
        if not line.startswith('|'):
            continue
        c = cells(line)
        if not c[0].strip('-') and len(c[0]) > 0:
            continue
        if section == '1.' and c[0] in WANTED_CMDS:
            out.append('const %s %s' % (c[0], c[1]))
            req = re.match(r'(\w+) \((0x[0-9a-f]+)\)', c[2])
            out.append('const %s %s' % (req.group(1), req.group(2)))
        elif section == '2.' and len(c) == 3 and c[1].startswith('IOMMU_'):
            v = value(c[2])
            if v is not None and c[1] not in SKIP_CONSTS:
                out.append('const %s %s' % (c[1], v))
        elif section in ('3.', '4.', '5.', '6.', '7.', '10.', '12.') and \
                struct in WANTED_STRUCTS and len(c) >= 3 and is_num(c[2]):
            out.append('field %s %s %s %s' % (struct, c[0], c[2], c[1]))
        elif section == '13.1' and c[0] in WANTED_TEST_OPS:
            out.append('tconst %s %s' % (c[0], c[1]))
        elif section == '13.2' and len(c) == 4:
            if c[0]:
                member = c[0]
            if member in WANTED_TEST_MEMBERS and is_num(c[3]):
                out.append('tfield iommu_test_cmd %s.%s %s %s'
                           % (member, c[1], c[3], c[2]))
        elif section == '13.3' and len(c) == 2:
            names = [n.strip() for n in re.split(r'[/,]', c[0])]
            # "A_B / _C" is shorthand for "A_B / A_C" or "A_B / A_B_C"
            names = [n if not n.startswith('_') else
                     (names[0] + n if names[0] + n in WANTED_TEST_CONSTS
                      else names[0].rsplit('_', 1)[0] + n) for n in names]
            vals = [v.strip() for v in re.split(r'[/,]', c[1].split('(')[0])]
            for n, v in zip(names, vals):
                if n in WANTED_TEST_CONSTS and value(v) is not None:
                    out.append('tconst %s %s' % (n, value(v)))
        elif section == '13.3' and len(c) == 4:
            sm = re.match(r'(\w+) \((\d+)\)', c[0])
            if sm:
                tstruct = sm.group(1)
                if tstruct in WANTED_TEST_STRUCTS:
                    out.append('tsize %s %s' % (tstruct, sm.group(2)))
            if tstruct in WANTED_TEST_STRUCTS and is_num(c[3]):
                out.append('tfield %s %s %s %s' % (tstruct, c[1], c[3], c[2]))
    return out + parse_prose(prose)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: %s <uapi-additions.md>\n' % argv[0])
        return 2
    print('# Generated by spec-tables.py from uapi-additions.md; do not edit.')
    for o in parse(argv[1]):
        print(o)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
