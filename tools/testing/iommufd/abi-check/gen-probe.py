#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Generator for the iommufd uAPI ABI checker (see abi-check.sh).
#
# "probe" mode parses a reference header and writes a C program that, for
# every name the reference declares, reports:
#   - sizeof and alignment of every struct/union and named enum,
#   - offset, size, alignment and type compatibility of every member
#     (members of anonymous and named nested structs/unions included),
#   - the value of every enumerator and of every object-like macro.
# The same program is then built once against the reference header and once
# against the header under test; identical output means identical ABI. The
# program also places each enumerator in a variable of its enum type, so with
# -Werror=enum-conversion an enumerator that moved to another enum breaks the
# build.
#
# Output goes through the P() macro: built normally the program prints the
# lines; built with -DABI_ASM -S the lines end up as .ascii directives in the
# assembly (the asm-offsets technique), which lets cross compilers be used
# without running anything.
#
# "ext" mode writes compile-time assertions for the extensions our header
# adds on top of the reference (see the end of this file).

import re
import sys


class ParseError(Exception):
    pass


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    return text.replace('\\\n', ' ')


def parse_macros(text):
    """Object-like macros with a non-empty value, in order of appearance."""
    names = []
    for line in text.splitlines():
        m = re.match(r'\s*#\s*define\s+(\w+)(\(?)(.*)$', line)
        if not m or m.group(2) == '(' or not m.group(3).strip():
            continue
        names.append(m.group(1))
    return names


TOKEN_RE = re.compile(r'[A-Za-z_]\w*|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|'
                      r"'(?:\\.|[^'\\])*'|<<|>>|\S")


def tokenize(text):
    code = '\n'.join(l for l in text.splitlines()
                     if not l.lstrip().startswith('#'))
    return TOKEN_RE.findall(code)


def skip_balanced(toks, i):
    """toks[i] is an opening bracket; return the index after its match."""
    pairs = {'(': ')', '[': ']', '{': '}'}
    stack = [pairs[toks[i]]]
    i += 1
    while stack:
        if i >= len(toks):
            raise ParseError('unbalanced brackets')
        if toks[i] in pairs:
            stack.append(pairs[toks[i]])
        elif toks[i] == stack[-1]:
            stack.pop()
        i += 1
    return i


def drop_attributes(toks):
    out = []
    i = 0
    while i < len(toks):
        if toks[i] in ('__attribute__', '__attribute'):
            i = skip_balanced(toks, i + 1)
            continue
        out.append(toks[i])
        i += 1
    return out


def split_top(toks, sep):
    parts, cur, depth = [], [], 0
    for t in toks:
        if t in '([{':
            depth += 1
        elif t in ')]}':
            depth -= 1
        if t == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    return parts


def parse_declarator(seg):
    """Return (name, pointer-stars, array-suffix) or None if too complex."""
    if '(' in seg or ':' in seg:
        return None
    stars = []
    while seg and seg[0] == '*':
        stars.append('*')
        seg = seg[1:]
    if not seg or not re.match(r'[A-Za-z_]\w*$', seg[0]):
        return None
    return seg[0], ''.join(stars), ''.join(seg[1:])


def parse_body(toks, i, prefix, members):
    """Parse a struct/union body starting after '{'; return index after '}'.

    Appends (path, type-or-None, kind) to members. kind is 'field' for
    members whose offset/size can be probed, 'bitfield' for bit-fields."""
    while True:
        if i >= len(toks):
            raise ParseError('unterminated struct body')
        if toks[i] == '}':
            return i + 1
        if toks[i] in ('struct', 'union') and (
                toks[i + 1] == '{' or
                (i + 2 < len(toks) and toks[i + 2] == '{')):
            j = i + 1 if toks[i + 1] == '{' else i + 2
            inner = []
            j = parse_body(toks, j + 1, '', inner)
            decl = []
            while toks[j] != ';':
                decl.append(toks[j])
                j += 1
            decl = drop_attributes(decl)
            if not decl:
                for path, typ, kind in inner:
                    members.append((prefix + path, typ, kind))
            else:
                for seg in split_top(decl, ','):
                    d = parse_declarator(seg)
                    if d is None:
                        raise ParseError('complex nested declarator: %s' %
                                         ' '.join(seg))
                    name, stars, arr = d
                    members.append((prefix + name, None, 'field'))
                    if not stars and not arr:
                        for path, typ, kind in inner:
                            members.append((prefix + name + '.' + path, typ,
                                            kind))
            i = j + 1
            continue
        j = i
        depth = 0
        while depth or toks[j] != ';':
            if toks[j] in '([{':
                depth += 1
            elif toks[j] in ')]}':
                depth -= 1
            j += 1
        decl = drop_attributes(toks[i:j])
        i = j + 1
        if '(' in decl:
            # Function pointer member, e.g. "int (*fn)(void)": probe its
            # placement only; its type is not compared.
            for k in range(len(decl) - 2):
                if decl[k] == '(' and decl[k + 1] == '*':
                    members.append((prefix + decl[k + 2], None, 'field'))
                    break
            else:
                raise ParseError('unsupported declaration: %s' %
                                 ' '.join(decl))
            continue
        segs = split_top(decl, ',')
        first = segs[0]
        # The type is everything before the first declarator's name.
        k = len(first)
        while k > 0 and not re.match(r'[A-Za-z_]\w*$', first[k - 1]):
            k -= 1
        if ':' in first:
            k = first.index(':')
        if '[' in first[:k]:
            k = first.index('[')
        name_idx = k - 1
        while name_idx > 0 and first[name_idx - 1] == '*':
            name_idx -= 1
        base_type = ' '.join(first[:name_idx])
        segs[0] = first[name_idx:]
        for seg in segs:
            if ':' in seg:
                members.append((prefix + seg[0], None, 'bitfield'))
                continue
            d = parse_declarator(seg)
            if d is None:
                raise ParseError('unsupported declarator: %s' % ' '.join(seg))
            name, stars, arr = d
            typ = ' '.join(x for x in (base_type, stars, arr) if x)
            members.append((prefix + name, typ, 'field'))


def parse_header(path):
    raw = open(path).read()
    text = strip_comments(raw)
    macros = parse_macros(text)
    toks = tokenize(text)
    aggregates = []   # (kind, tag, members)
    enums = []        # (tag or None, [enumerators])
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ('struct', 'union', 'enum'):
            tag = None
            j = i + 1
            if j < len(toks) and re.match(r'[A-Za-z_]\w*$', toks[j]):
                tag = toks[j]
                j += 1
            if j < len(toks) and toks[j] == '{':
                if t == 'enum':
                    end = skip_balanced(toks, j)
                    names = []
                    for item in split_top(toks[j + 1:end - 1], ','):
                        item = drop_attributes(item)
                        if item:
                            names.append(item[0])
                    enums.append((tag, names))
                    i = end
                    continue
                members = []
                end = parse_body(toks, j + 1, '', members)
                if tag is not None:
                    aggregates.append((t, tag, members))
                i = end
                continue
        i += 1
    return macros, aggregates, enums


def c_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


PROLOGUE = r'''/* Generated by gen-probe.py; do not edit. */
#include <linux/iommufd.h>
#include <stddef.h>

#ifdef ABI_ASM
/* Each line becomes ".ascii "@@ABI <text> <value>"" in the assembly. */
#define P(text, val) \
	__asm__ __volatile__("\n.ascii \"@@ABI " text " %0\"" : : "i" ((long)(val)))
#else
#include <stdio.h>
#define P(text, val) printf("%s %lld\n", text, (long long)(val))
#endif

#define FIELD(agg, path, text)                                            \
	do {                                                              \
		P(text " offset", offsetof(agg, path));                   \
		P(text " size", sizeof(((agg *)0)->path));                \
		P(text " align", __alignof__(((agg *)0)->path));          \
	} while (0)
'''


def gen_probe(path):
    macros, aggregates, enums = parse_header(path)
    out = [PROLOGUE]
    # Enumerators stored in variables of their own enum type: compiling with
    # -Werror=enum-conversion catches an enumerator moved to another enum.
    for tag, names in enums:
        if tag is None:
            continue
        for n in names:
            out.append('static enum %s abi_enum_%s_%s __attribute__((used)) = %s;'
                       % (tag, tag, n, n))
    out.append('')
    out.append('void abi_probe(void);')
    out.append('void abi_probe(void)')
    out.append('{')
    for kind, tag, members in aggregates:
        agg = '%s %s' % (kind, tag)
        out.append('\tP(%s, sizeof(%s));' % (c_str(agg + ' sizeof'), agg))
        out.append('\tP(%s, __alignof__(%s));' % (c_str(agg + ' align'), agg))
        for mpath, typ, mkind in members:
            text = '%s member %s' % (agg, mpath)
            if mkind == 'bitfield':
                # offsetof/sizeof are not allowed on bit-fields; the
                # aggregate's size still covers them.
                out.append('\tP(%s, 1);' % c_str(text + ' bitfield'))
                continue
            out.append('\tFIELD(%s, %s, %s);' % (agg, mpath, c_str(text)))
            if typ is not None:
                out.append('\tP(%s, __builtin_types_compatible_p('
                           '__typeof__(((%s *)0)->%s), %s));'
                           % (c_str(text + ' type-is ' + typ), agg, mpath, typ))
    for tag, names in enums:
        if tag is not None:
            out.append('\tP(%s, sizeof(enum %s));'
                       % (c_str('enum %s sizeof' % tag), tag))
        for n in names:
            out.append('\tP(%s, %s);' % (c_str('enum %s constant %s'
                                              % (tag or '(anonymous)', n)), n))
    for m in macros:
        out.append('\tP(%s, (%s));' % (c_str('macro ' + m), m))
    out.append('}')
    out.append('')
    out.append('#ifndef ABI_ASM')
    out.append('int main(void)')
    out.append('{')
    out.append('\tabi_probe();')
    out.append('\treturn 0;')
    out.append('}')
    out.append('#endif')
    return '\n'.join(out) + '\n'


# Command numbers that later kernels assign and that our header keeps free
# (documented as reserved). A command enumerator added to our header later
# must use exactly these numbers, and no other name may take them.
RESERVED_CMDS = {
    'IOMMUFD_CMD_IOAS_MAP_FILE': 0x8f,
    'IOMMUFD_CMD_VIOMMU_ALLOC': 0x90,
    'IOMMUFD_CMD_VDEVICE_ALLOC': 0x91,
    'IOMMUFD_CMD_IOAS_CHANGE_PROCESS': 0x92,
    'IOMMUFD_CMD_VEVENTQ_ALLOC': 0x93,
    'IOMMUFD_CMD_HW_QUEUE_ALLOC': 0x94,
}

EXT_FIXED = r'''/* Generated by gen-probe.py; do not edit. */
#include <linux/iommufd.h>
#include <stddef.h>

#define MEMBER_TYPE(s, m) __typeof__(((struct s *)0)->m)

/* in_data_type aliases out_data_type: same u32 slot, struct unchanged. */
_Static_assert(offsetof(struct iommu_hw_info, in_data_type) == 24,
	       "in_data_type must be at offset 24");
_Static_assert(offsetof(struct iommu_hw_info, out_data_type) == 24,
	       "out_data_type must be at offset 24");
_Static_assert(__builtin_types_compatible_p(MEMBER_TYPE(iommu_hw_info, in_data_type), __u32),
	       "in_data_type must be a __u32");
_Static_assert(__builtin_types_compatible_p(MEMBER_TYPE(iommu_hw_info, out_data_type), __u32),
	       "out_data_type must be a __u32");
_Static_assert(offsetof(struct iommu_hw_info, out_max_pasid_log2) == 28,
	       "out_max_pasid_log2 must be at offset 28");
_Static_assert(offsetof(struct iommu_hw_info, out_capabilities) == 32,
	       "out_capabilities must be at offset 32");
_Static_assert(sizeof(struct iommu_hw_info) == 40,
	       "struct iommu_hw_info must stay 40 bytes");
_Static_assert(__alignof__(struct iommu_hw_info) == 8,
	       "struct iommu_hw_info must stay 8-byte aligned");

/* New constants, in the right enums. */
_Static_assert(IOMMU_HW_INFO_FLAG_INPUT_TYPE == 1,
	       "IOMMU_HW_INFO_FLAG_INPUT_TYPE must be 1 << 0");
_Static_assert(IOMMU_HW_INFO_TYPE_DEFAULT == 0,
	       "IOMMU_HW_INFO_TYPE_DEFAULT must be 0");
_Static_assert(IOMMU_HW_INFO_TYPE_DEFAULT == IOMMU_HW_INFO_TYPE_NONE,
	       "IOMMU_HW_INFO_TYPE_DEFAULT must alias IOMMU_HW_INFO_TYPE_NONE");
static enum iommufd_hw_info_flags abi_ext_flag __attribute__((used)) =
	IOMMU_HW_INFO_FLAG_INPUT_TYPE;
static enum iommu_hw_info_type abi_ext_type __attribute__((used)) =
	IOMMU_HW_INFO_TYPE_DEFAULT;
'''


def gen_ext(base_path, our_path):
    _, _, base_enums = parse_header(base_path)
    _, _, our_enums = parse_header(our_path)
    base_names = {n for _, names in base_enums for n in names}
    out = [EXT_FIXED, '/* Command numbers added on top of the reference. */']
    for _, names in our_enums:
        for n in names:
            if not n.startswith('IOMMUFD_CMD_') or n in base_names:
                continue
            if n in RESERVED_CMDS:
                out.append('_Static_assert(%s == 0x%x, "%s must be 0x%x");'
                           % (n, RESERVED_CMDS[n], n, RESERVED_CMDS[n]))
            else:
                out.append('_Static_assert(%s < 0x8f || %s > 0x94, '
                           '"%s uses a reserved command number");' % (n, n, n))
    return '\n'.join(out) + '\n'


def gen_spec(layouts, test_header):
    """Assertions of spec-layouts.txt (see spec-tables.py)"""
    out = ['/* Generated by gen-probe.py from spec-layouts.txt. */',
           '#include <stddef.h>',
           '#include <linux/iommufd.h>']
    if test_header:
        out.append('#include "%s"' % test_header)
    out.append('#define MEMBER(s, m) (((struct s *)0)->m)')
    for line in open(layouts):
        f = line.split('#')[0].split()
        if not f:
            continue
        kind = f[0]
        if kind.startswith('t'):
            if not test_header:
                continue
            kind = kind[1:]
        if kind == 'size':
            out.append('_Static_assert(sizeof(struct %s) == %s, '
                       '"sizeof(struct %s) must be %s");'
                       % (f[1], f[2], f[1], f[2]))
        elif kind == 'field':
            s_, m, off, typ = f[1], f[2], f[3], f[4]
            out.append('_Static_assert(offsetof(struct %s, %s) == %s, '
                       '"%s.%s must be at offset %s");'
                       % (s_, m, off, s_, m, off))
            out.append('_Static_assert(__builtin_types_compatible_p('
                       '__typeof__(MEMBER(%s, %s)), %s), '
                       '"%s.%s must be a %s");'
                       % (s_, m, typ, s_, m, typ))
        elif kind == 'const':
            val = ' '.join(f[2:])
            out.append('_Static_assert((%s) == (%s), "%s must be %s");'
                       % (f[1], val, f[1], val))
        else:
            raise ParseError('%s: unknown line %r' % (layouts, line))
    return '\n'.join(out) + '\n'


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == 'probe':
            sys.stdout.write(gen_probe(argv[2]))
        elif len(argv) in (3, 4) and argv[1] == 'spec':
            sys.stdout.write(gen_spec(argv[2],
                                      argv[3] if len(argv) == 4 else None))
        elif len(argv) == 4 and argv[1] == 'ext':
            sys.stdout.write(gen_ext(argv[2], argv[3]))
        else:
            sys.stderr.write('usage: %s probe <header> | ext <base-header> '
                             '<our-header> | spec <layouts> [test-header]\n'
                             % argv[0])
            return 2
    except (ParseError, IndexError, OSError) as e:
        sys.stderr.write('gen-probe.py: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
