#!/usr/bin/env python3
"""Fails if appeal-core's modules depend on each other in a cycle.

Each source file is a module (`outbox/engine.rs` is `outbox::engine`, `outbox/mod.rs` is
`outbox`). A module depends on another when it names it: `crate::a::b`, `super::x`, or
`self::x` in a `use` or in a path. A module and its own parent or children are one house and
not counted against each other. Prints every cycle (strongly connected group) found.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "crates/appeal-core/src"


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return tuple(rel)


modules = {}
for dirpath, _, files in os.walk(ROOT):
    for f in files:
        if f.endswith(".rs"):
            p = os.path.join(dirpath, f)
            modules[module_of(p)] = p
names = set(modules)


def resolve(path):
    """The longest known module that is a prefix of `path`."""
    for n in range(len(path), 0, -1):
        if path[:n] in names:
            return path[:n]
    return None


def strip_tests(text):
    # `#[cfg(test)] mod tests { … }` at the end of a file uses what it likes.
    i = text.find("#[cfg(test)]\nmod tests")
    return text if i < 0 else text[:i]


PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)::\{([^;]*)\};", re.S)

edges = {m: set() for m in names}
for m, p in modules.items():
    text = strip_tests(open(p, encoding="utf-8").read())
    text = re.sub(r"//[^\n]*", "", text)
    base = {"crate": (), "super": m[:-1] if not p.endswith(("mod.rs", "lib.rs")) else m[:-1], "self": m}
    if p.endswith("mod.rs"):
        base["super"] = m[:-1]
        base["self"] = m
    else:
        base["super"] = m[:-1]
        base["self"] = m
    targets = []
    for kind, rest in PATH.findall(text):
        if rest == "::{":
            continue
        targets.append(base[kind] + tuple(rest.strip(":").split("::")))
    for kind, group in USE_GROUP.findall(text):
        for item in re.split(r",(?![^{]*\})", group):
            item = item.strip()
            if not item:
                continue
            head = re.split(r"::|\s", item)[0]
            targets.append(base[kind] + (head,))
    for t in targets:
        r = resolve(t)
        if r is None or r == m:
            continue
        if r[: len(m)] == m or m[: len(r)] == r:
            continue  # own parent or child
        edges[m].add(r)

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(comp)


sys.setrecursionlimit(10000)
for v in sorted(names):
    if v not in index:
        visit(v)

# Cycles between whole top-level modules count too: a → b::x and b → a is one.
top = {}
for m, ts in edges.items():
    if m:
        for t in ts:
            if t and t[0] != m[0]:
                top.setdefault(m[0], set()).add(t[0])
tops = sorted({m[0] for m in names if m})
cyc_top = [(a, b) for a in tops for b in tops if a < b and b in top.get(a, ()) and a in top.get(b, ())]

fmt = lambda m: "::".join(m) or "crate"
for comp in sccs:
    print("cycle:", " ↔ ".join(sorted(fmt(m) for m in comp)))
    for m in sorted(comp):
        for t in sorted(edges[m]):
            if t in comp:
                print(f"    {fmt(m)} → {fmt(t)}")
for a, b in cyc_top:
    print(f"cycle between top-level modules: {a} ↔ {b}")
if sccs or cyc_top:
    sys.exit(1)
print(f"no module cycles among {len(names)} modules of {ROOT}")
