#!/usr/bin/env python3
"""Finds import circles between the files of src/: file A uses something of
file B (a `use crate::...`, `super::...`, `child::...` or `crate::x::y`
path in its code) and B, directly or through others, uses A; then the same
between areas (the folders of store/ and web/, and the top-level modules).
Prints each circle and exits 1; prints nothing and exits 0 when there is
none. A folder's mod.rs and the files below it are one family (the mod.rs
declares them and holds what they share), so uses between them do not
count; `mod` lines are no uses either.

    python3 tools/import-circles.py [src]
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
root = os.path.normpath(root)


def module_of(path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


files = {}
for dirpath, _, names in os.walk(root):
    for name in names:
        if name.endswith(".rs"):
            path = os.path.join(dirpath, name)
            files[module_of(path)] = path
modules = set(files)


def resolve(current, segments):
    """The longest known module that a path names (None for outside crates)."""
    if not segments:
        return None
    if segments[0] == "crate":
        base, rest = (), segments[1:]
    elif segments[0] in ("super", "self"):
        base = current
        rest = list(segments)
        # In a.rs, `super` is a's parent; in a/mod.rs, `super` is a's parent too.
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    elif tuple(current) + (segments[0],) in modules:
        # A child module named without a prefix (`use page::X;` in a mod.rs).
        base, rest = current, segments
    else:
        return None
    best = None
    for i in range(len(rest) + 1):
        candidate = tuple(base) + tuple(rest[:i])
        if candidate in modules:
            best = candidate
    return best


path_re = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
child_use_re = re.compile(r"\buse\s+([a-z_][a-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
group_re = re.compile(r"\buse\s+([a-z_][a-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)
# A child module named in code without a `use` (`read::Raw` in a mod.rs).
child_path_re = re.compile(r"(?<![:\w])([a-z_][a-z0-9_]*)::[A-Za-z_]")

edges = {m: set() for m in modules}
for module, path in files.items():
    text = open(path, encoding="utf-8").read()
    # Comments do not import anything, and a file's unit tests (at its end,
    # where `super` is the file itself) are no part of its dependencies.
    text = text.split("#[cfg(test)]")[0]
    text = re.sub(r"//[^\n]*", "", text)
    found = [p.split("::") for p in path_re.findall(text)]
    found += [p.split("::") for p in child_use_re.findall(text)]
    found += [[c, "_"] for c in child_path_re.findall(text) if module + (c,) in modules]
    for prefix, group in group_re.findall(text):
        for item in re.split(r",", group):
            item = item.strip().split(" as ")[0].strip()
            if item and item != "self":
                found.append(prefix.split("::") + re.sub(r"::\{.*", "", item).split("::"))
    for segments in found:
        target = resolve(module, segments)
        if target is None or target == module:
            continue
        # A folder's mod.rs and the files below it are one family: the mod.rs
        # declares them and holds what they share, so they may use each other.
        if module[: len(target)] == target or target[: len(module)] == module:
            continue
        edges[module].add(target)

# Tarjan's strongly connected components of a graph {node: set of nodes}.
sys.setrecursionlimit(10000)


def circles(graph):
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
            if len(scc) > 1:
                found.append(scc)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def name(m):
    return "/".join(m) or "lib"


def report(label, graph):
    found = circles(graph)
    for scc in found:
        members = set(scc)
        print(f"{label}: " + ", ".join(sorted(name(m) for m in scc)))
        for m in sorted(scc):
            for t in sorted(graph[m] & members):
                print(f"  {name(m)} -> {name(t)}")
    return len(found)


def area(m):
    """store/ and web/ by their folders and loose files; the rest by top-level module."""
    if len(m) >= 2 and m[0] in ("store", "web"):
        return m[:2]
    return m[:1]


# The same question one level up: the areas of store/ and of web/ (and the
# shared files beside them) must not use each other in a circle, nor must
# the crate's top-level modules.
areas = {}
for m, targets in edges.items():
    for t in targets:
        a, b = area(m), area(t)
        if a[:1] != b[:1]:
            a, b = a[:1], b[:1]
        if a != b:
            areas.setdefault(a, set()).add(b)
            areas.setdefault(b, set())

found = report("circle", edges) + report("area circle", areas)
sys.exit(1 if found else 0)
