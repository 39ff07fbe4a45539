"""The PWA's module graph, read from the sources: imports point one way.

No module of pwa/js may import (statically or with `import()`) one that
imports it back, at any distance: views get what they need from the router's
context instead of importing the boot module. Pure parsing, no browser.
"""

from __future__ import annotations

import re
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"
JS = PWA / "js"

# `import x from '…'`, `import {a,\n b} from '…'`, `import '…'`, `export … from '…'`.
STATIC = re.compile(
    r"^\s*(?:import|export)\s+(?:[\w*{}\s,$]+?\s+from\s+)?['\"]([^'\"]+)['\"]", re.M
)
DYNAMIC = re.compile(r"\bimport\(\s*['\"]([^'\"]+)['\"]\s*\)")
LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)


def imports_of(path: Path) -> set[Path]:
    text = LINE_COMMENT.sub("", path.read_text())
    out = set()
    for spec in STATIC.findall(text) + DYNAMIC.findall(text):
        target = PWA / spec.lstrip("/") if spec.startswith("/") else path.parent / spec
        out.add(target.resolve())
    return out


def module_graph(folder: Path) -> dict[Path, set[Path]]:
    # rglob: the lazily loaded modules in js/lazy/ are held to the same rules.
    return {f.resolve(): imports_of(f) for f in sorted(folder.rglob("*.js"))}


def find_cycle(graph: dict[Path, set[Path]]) -> list[str] | None:
    """The first import cycle found, as file names (first == last), or None."""
    done: set[Path] = set()
    path: list[Path] = []

    def visit(node: Path) -> list[str] | None:
        if node in path:
            loop = [*path[path.index(node) :], node]
            return [p.name for p in loop]
        if node in done:
            return None
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            found = visit(nxt)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start)
        if found:
            return found
    return None


def test_no_import_cycles_among_pwa_modules():
    cycle = find_cycle(module_graph(JS))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_every_import_resolves_and_every_module_is_reached_from_the_boot():
    graph = module_graph(JS)
    for mod, targets in graph.items():
        missing = [str(t.relative_to(PWA)) for t in targets if not t.is_file()]
        assert not missing, f"{mod.name} imports missing {missing}"
    html = (PWA / "index.html").read_text()
    [entry] = re.findall(r'<script type="module" src="/js/([^"]+)">', html)
    reached, todo = set(), [(JS / entry).resolve()]
    while todo:
        mod = todo.pop()
        if mod not in reached:
            reached.add(mod)
            todo += graph.get(mod, ())
    assert {p.relative_to(PWA) for p in reached} == {p.relative_to(PWA) for p in graph}, (
        "modules nothing loads"
    )


def test_scripts_the_worker_imports_stay_classic():
    # importScripts() runs classic scripts: one `import`/`export` line breaks the worker.
    sw = (PWA / "sw.js").read_text()
    [args] = re.findall(r"importScripts\(([^)]*)\)", sw)
    scripts = re.findall(r"'([^']+)'", args)
    assert scripts
    for url in scripts:
        text = (PWA / url.lstrip("/")).read_text()
        assert not STATIC.search(LINE_COMMENT.sub("", text)), url
        assert not re.search(r"^\s*export\b", text, re.M), url


def test_the_check_sees_a_cycle_through_multiline_and_dynamic_imports(tmp_path):
    (tmp_path / "a.js").write_text("import {\n  one,\n  two,\n} from './b.js';\n")
    (tmp_path / "b.js").write_text("import './c.js';\n")
    (tmp_path / "c.js").write_text("const later = () => import('./a.js');\n")
    (tmp_path / "d.js").write_text("// import('./a.js') in a comment is not an import\n")
    assert find_cycle(module_graph(tmp_path)) == ["a.js", "b.js", "c.js", "a.js"]

    (tmp_path / "c.js").write_text("export const leaf = 1;\n")
    assert find_cycle(module_graph(tmp_path)) is None
