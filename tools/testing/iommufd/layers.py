#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""layers.py - check that drivers/iommu/iommufd depends downward only.

usage: layers.py [--selftest] LAYERS SRCDIR OBJDIR [OBJDIR...]

LAYERS (drivers/iommu/iommufd/LAYERS) lists our files by layer, top to
bottom, and groups them into components:

    [layer-name]
    component: file file ...

A component may use the components of its own layer and of the layers
below it, never one of a layer above, and no two components may use each
other, directly or through others (a cycle).  "Uses" is derived, never
declared:

  - from the objects the kernel build made of SRCDIR's C files (every
    OBJDIR/x.o, with x.c in SRCDIR): each undefined symbol of x.o that
    another of our objects defines (nm) is a use of that object's
    component;
  - from the #include "..." lines of every C file and header in SRCDIR:
    including a header of ours is a use of its component.

An optional [allow] section lists "from -> to" component edges that are
known violations still to be removed, each with a comment saying why; they
are reported but do not fail.  An allowed edge that no longer occurs fails,
so the list can only shrink.

Every offending edge is printed with the files and the symbols or include
lines behind it; the exit status is 1 if there is any, 0 otherwise.

--selftest plants one upward call and one upward include (from a file of
the lowest layer to one of the top layer) into the data read from the
build, and succeeds only if the check then fails and names both.
"""

import collections
import os
import re
import subprocess
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
LINE_RE = re.compile(r'^([A-Za-z0-9_.-]+)\s*:\s*(.*)$')
ALLOW_RE = re.compile(r'^([A-Za-z0-9_.-]+)\s*->\s*([A-Za-z0-9_.-]+)$')


class Layers:
    """The declaration: layers, components, files, allowed edges."""

    def __init__(self, path):
        self.path = path
        self.layers = []                # names, top first
        self.comp_layer = {}            # component -> layer index
        self.file_comp = {}             # file name -> component
        self.allow = {}                 # (from, to) -> line number
        self.errors = []
        layer = None
        with open(path) as f:
            for nr, raw in enumerate(f, 1):
                line = raw.split('#', 1)[0].strip()
                if not line:
                    continue
                if line.startswith('[') and line.endswith(']'):
                    layer = line[1:-1].strip()
                    if layer != 'allow':
                        self.layers.append(layer)
                    continue
                where = '%s:%d' % (path, nr)
                if layer is None:
                    self.errors.append('%s: outside any [layer]' % where)
                elif layer == 'allow':
                    m = ALLOW_RE.match(line)
                    if not m:
                        self.errors.append('%s: expected "from -> to"' % where)
                    else:
                        self.allow[(m.group(1), m.group(2))] = nr
                else:
                    m = LINE_RE.match(line)
                    if not m:
                        self.errors.append('%s: expected "component: files"'
                                           % where)
                        continue
                    comp, files = m.group(1), m.group(2).split()
                    if comp in self.comp_layer:
                        self.errors.append('%s: component %s listed twice'
                                           % (where, comp))
                    self.comp_layer[comp] = len(self.layers) - 1
                    for fn in files:
                        if fn in self.file_comp:
                            self.errors.append('%s: %s listed twice'
                                               % (where, fn))
                        self.file_comp[fn] = comp
        for (a, b), nr in self.allow.items():
            for c in (a, b):
                if c not in self.comp_layer:
                    self.errors.append('%s:%d: unknown component %s'
                                       % (path, nr, c))

    def layer_name(self, comp):
        return self.layers[self.comp_layer[comp]]


def nm_symbols(obj):
    """(defined globals, undefined) symbol sets of one object."""
    out = subprocess.run(['nm', obj], check=True, capture_output=True,
                         text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == 'U':
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in 'TDBRCGSVW':
            defined.add(parts[2])
    return defined, undefined


def read_uses(decl, srcdir, objdirs):
    """File-level uses: list of (from file, to file, why)."""
    uses = []
    errors = []
    ours = sorted(fn for fn in os.listdir(srcdir)
                  if fn.endswith('.c') or fn.endswith('.h'))
    for fn in ours:
        if fn not in decl.file_comp:
            errors.append('%s is not listed in %s' % (fn, decl.path))
    for fn in decl.file_comp:
        if fn not in ours:
            errors.append('%s lists %s, which does not exist'
                          % (decl.path, fn))

    for fn in ours:
        with open(os.path.join(srcdir, fn), errors='replace') as f:
            for nr, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                # Only headers of this directory are ours; "../iommu-priv.h"
                # and friends belong to the iommu core below every layer.
                if '/' in inc or inc not in decl.file_comp:
                    continue
                uses.append((fn, inc, '%s:%d #include "%s"' % (fn, nr, inc)))

    # Every object of a C file of ours, from every build given.
    defs = {}                       # symbol -> C file defining it
    undefs = collections.defaultdict(set)
    seen = 0
    for objdir in objdirs:
        if not os.path.isdir(objdir):
            continue
        for obj in sorted(os.listdir(objdir)):
            if not obj.endswith('.o'):
                continue
            cfile = obj[:-2] + '.c'
            if cfile not in ours:
                continue            # the composite iommufd.o and the like
            seen += 1
            d, u = nm_symbols(os.path.join(objdir, obj))
            for s in d:
                defs.setdefault(s, cfile)
            undefs[cfile] |= u
    if not seen:
        errors.append('no objects of %s in %s: build the kernel first'
                      % (srcdir, ' '.join(objdirs)))
    for cfile, syms in sorted(undefs.items()):
        for s in sorted(syms):
            if s in defs and defs[s] != cfile:
                uses.append((cfile, defs[s], 'symbol %s' % s))
    return uses, defs, errors


def tarjan(nodes, succ):
    """Strongly connected components of the graph, as lists."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(succ.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            out.append(sorted(scc))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def check(decl, uses, out):
    """Print the report; return the number of offending edges."""
    edges = collections.defaultdict(list)   # (from comp, to comp) -> whys
    for a, b, why in uses:
        ca, cb = decl.file_comp[a], decl.file_comp[b]
        if ca != cb:
            edges[(ca, cb)].append('%s -> %s: %s' % (a, b, why))

    bad = 0
    allowed_seen = set()
    upward = []
    for (ca, cb), whys in sorted(edges.items()):
        if decl.comp_layer[cb] < decl.comp_layer[ca]:
            upward.append((ca, cb, whys))

    # Cycles: every strongly connected set of components.  Those that an
    # upward edge closes are explained by that edge; the others lie within
    # one layer and each of their edges is on a cycle, so all are named.
    succ = collections.defaultdict(set)
    flat = collections.defaultdict(set)
    for (ca, cb) in edges:
        if (ca, cb) in decl.allow:
            continue
        succ[ca].add(cb)
        if decl.comp_layer[cb] >= decl.comp_layer[ca]:
            flat[ca].add(cb)
    cycles = [scc for scc in tarjan(decl.comp_layer, succ) if len(scc) > 1]
    flat_cycles = [scc for scc in tarjan(decl.comp_layer, flat)
                   if len(scc) > 1]

    for ca, cb, whys in upward:
        tag = 'upward'
        if (ca, cb) in decl.allow:
            tag = 'allowed upward'
            allowed_seen.add((ca, cb))
        else:
            bad += 1
        print('%s: %s (%s) uses %s (%s):' % (tag, ca, decl.layer_name(ca),
                                              cb, decl.layer_name(cb)),
              file=out)
        for why in whys:
            print('    ' + why, file=out)

    for scc in cycles:
        print('cycle: %s use each other%s' %
              (', '.join(scc), ' (closed by the upward uses above)'
               if not any(set(f) <= set(scc) for f in flat_cycles)
               else ''), file=out)
    for scc in flat_cycles:
        members = set(scc)
        print('cycle within layer %s: %s:' % (decl.layer_name(scc[0]),
                                              ', '.join(scc)), file=out)
        for (ca, cb), whys in sorted(edges.items()):
            if ca in members and cb in members and \
               (ca, cb) not in decl.allow:
                bad += 1
                print('  %s -> %s' % (ca, cb), file=out)
                for why in whys:
                    print('    ' + why, file=out)

    # Allowed edges inside a cycle that are not upward are still known.
    for key in decl.allow:
        if key in edges and key not in allowed_seen:
            allowed_seen.add(key)
            print('allowed: %s -> %s:' % key, file=out)
            for why in edges[key]:
                print('    ' + why, file=out)
    for key, nr in sorted(decl.allow.items(), key=lambda kv: kv[1]):
        if key not in edges:
            bad += 1
            print('stale allow: %s:%d: %s -> %s no longer occurs; drop it'
                  % (decl.path, nr, key[0], key[1]), file=out)

    nup = sum(1 for ca, cb, _ in upward if (ca, cb) not in decl.allow)
    print('layers: %d components in %d layers, %d component edges '
          '(%d file-level uses); %d upward, %d cycles (%d within a layer), '
          '%d allowed'
          % (len(decl.comp_layer), len(decl.layers), len(edges), len(uses),
             nup, len(cycles), len(flat_cycles), len(decl.allow)), file=out)
    return bad


def selftest(decl, uses, defs):
    """Plant an upward call and include; the check must catch both."""
    def files(layer, ext):
        return sorted(f for f, c in decl.file_comp.items()
                      if decl.comp_layer[c] == layer and f.endswith(ext))

    # From the first C file of the lowest layer that has one, a call of a
    # function of the top layer and an include of the highest header.
    lows = [files(i, '.c') for i in range(len(decl.layers))]
    highs = [files(i, '.h') for i in range(len(decl.layers))]
    lows = [f for f in lows if f]
    highs = [f for f in highs if f]
    calls = sorted(s for s, f in defs.items() if f in files(0, '.c'))
    if not lows or not highs or not calls:
        print('selftest: need C files with symbols in the top layer, a C '
              'file in a lower one and a header')
        return 1
    low, call, header = lows[-1][0], calls[0], highs[0][0]
    planted = [(low, defs[call], 'symbol %s (planted)' % call),
               (low, header, '%s:1 #include "%s" (planted)'
                % (low, header))]

    class Sink:
        text = ''

        def write(self, s):
            self.text += s

    sink = Sink()
    bad = check(decl, uses + planted, sink)
    missing = [why for _, _, why in planted if why not in sink.text]
    if bad and not missing:
        print('selftest: ok: planted %s -> %s: %s and %s -> %s: %s; the '
              'check fails and names both' % (low, defs[call],
                                              planted[0][2], low, header,
                                              planted[1][2]))
        return 0
    print('selftest: FAILED: planted upward uses from %s; check returned '
          '%d, not reported: %s' % (low, bad, missing or 'none'))
    print(sink.text, end='')
    return 1


def main(argv):
    test = False
    if argv and argv[0] == '--selftest':
        test = True
        argv = argv[1:]
    if len(argv) < 3:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    decl = Layers(argv[0])
    uses, defs, errors = read_uses(decl, argv[1], argv[2:])
    errors = decl.errors + errors
    if errors:
        for e in errors:
            print('error: ' + e)
        return 1
    if test:
        return selftest(decl, uses, defs)
    return 1 if check(decl, uses, sys.stdout) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
