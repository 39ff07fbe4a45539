"""Checks of pwa/ that need neither a browser nor a server."""

from __future__ import annotations

import gzip
import json
import re
import struct
from pathlib import Path

from tests.e2e import stamp_sw

PWA = Path(__file__).resolve().parents[2] / "pwa"
SHELL_BUDGET = 100 * 1024


def shell_files() -> list[Path]:
    return [
        PWA / "index.html",
        *sorted((PWA / "css").glob("*.css")),
        *sorted((PWA / "js").glob("*.js")),
    ]


def lazy_files() -> list[Path]:
    """Modules no first screen loads until it is used (js/lazy/): their own budget."""
    return sorted((PWA / "js" / "lazy").glob("*.js"))


LAZY_BUDGET = 24 * 1024


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def first_screen_modules() -> set[str]:
    """Every module the boot module pulls in statically, at any depth: what a
    first visit must download before anything shows. Views and their helpers
    come later through the router's import()."""
    html = (PWA / "index.html").read_text()
    [entry] = re.findall(r'<script type="module" src="/js/([^"]+)">', html)
    started, todo = set(), [entry]
    while todo:
        name = todo.pop()
        if name in started:
            continue
        started.add(name)
        text = (PWA / "js" / name).read_text()
        specs = re.findall(r"^import .* from '([^']+)';", text, re.M)
        specs += re.findall(r"^import '([^']+)';", text, re.M)
        todo += [m.removeprefix("./") for m in specs]
    return started


def test_shell_is_light():
    # Budget from the brief is 100 KB for everything the worker precaches; the
    # aim is ~30 KB for the first screen of a cheap phone on a weak signal.
    total = sum(gz(f) for f in shell_files())
    assert total <= SHELL_BUDGET, f"app grew to {total} B gzipped"
    first = [PWA / "index.html", *sorted((PWA / "css").glob("*.css"))]
    first += [PWA / "js" / name for name in sorted(first_screen_modules())]
    first_total = sum(gz(f) for f in first)
    assert "router.js" in first_screen_modules() and "admin.js" not in first_screen_modules()
    assert first_total <= 30 * 1024, f"first screen grew to {first_total} B gzipped"


def test_lazy_modules_are_light_and_not_preloaded():
    lazy = lazy_files()
    assert lazy, "js/lazy/ is empty: the budget below would test nothing"
    total = sum(gz(f) for f in lazy)
    assert total <= LAZY_BUDGET, f"lazy modules grew to {total} B gzipped"
    html = (PWA / "index.html").read_text()
    preloaded = [f for f in lazy if "/" + str(f.relative_to(PWA)) in html]
    assert not preloaded, f"lazy modules in index.html: {preloaded}"


def test_worker_precaches_every_shell_file_and_nothing_missing():
    listed = stamp_sw.precached((PWA / "sw.js").read_text())
    on_disk = {
        ("/app/" if f.name == "index.html" else "/" + str(f.relative_to(PWA)))
        for f in shell_files()
    }
    on_disk |= {"/" + str(p.relative_to(PWA)) for p in (PWA / "i18n").glob("*.json")}
    # Lazy modules too: a view used offline for the first time must still load.
    on_disk |= {"/" + str(p.relative_to(PWA)) for p in lazy_files()}
    assert on_disk <= set(listed), f"not precached: {sorted(on_disk - set(listed))}"
    for url in listed:
        f = PWA / ("index.html" if url == "/app/" else url.lstrip("/"))
        assert f.is_file(), url


def test_worker_version_matches_the_shell():
    assert stamp_sw.current() == stamp_sw.shell_hash(), "run: python tests/e2e/stamp_sw.py"


def test_index_preloads_every_module_it_starts_with():
    html = (PWA / "index.html").read_text()
    preloaded = set(re.findall(r'rel="modulepreload" href="([^"]+)"', html))
    [entry] = re.findall(r'<script type="module" src="/js/([^"]+)">', html)
    # Everything the boot module pulls in statically, at any depth: each level
    # not preloaded would cost a slow link one more round trip.
    started, todo = set(), [entry]
    while todo:
        name = todo.pop()
        if name in started:
            continue
        started.add(name)
        text = (PWA / "js" / name).read_text()
        specs = re.findall(r"^import .* from '([^']+)';", text, re.M)
        specs += re.findall(r"^import '([^']+)';", text, re.M)
        todo += [m.removeprefix("./") for m in specs]
    assert "router.js" in started  # the parsing above found the graph
    assert {"/js/" + name for name in started} <= preloaded


def test_manifest():
    m = json.loads((PWA / "manifest.webmanifest").read_text())
    assert m["name"] == "UPIK Kabupaten Cirebon"
    assert m["short_name"] == "UPIK"
    assert m["lang"] == "id"
    assert m["start_url"] == "/app/"
    assert m["display"] == "standalone"
    assert m["theme_color"] and m["background_color"]
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in m["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in m["icons"]:
        data = (PWA / icon["src"].lstrip("/")).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        w, h = struct.unpack(">II", data[16:24])
        assert f"{w}x{h}" == icon["sizes"]


def _keys_used() -> set[str]:
    keys = set()
    for f in [*(PWA / "js").glob("*.js"), PWA / "sw.js"]:
        text = f.read_text()
        keys |= set(re.findall(r"\bt\('([a-z0-9_.]+)'", text))
        keys |= set(re.findall(r"d\['([a-z0-9_.]+)'\]", text))
        keys |= set(re.findall(r"'((?:nav|err|push\.why|outbox|reply)\.[a-z0-9_.]+)'", text))
    return keys


def test_translations_complete_and_aligned():
    id_ = json.loads((PWA / "i18n" / "id.json").read_text())
    en = json.loads((PWA / "i18n" / "en.json").read_text())
    assert id_.keys() == en.keys()
    assert not [k for k, v in {**id_, **en}.items() if not v.strip()]
    missing = _keys_used() - id_.keys()
    assert not missing, f"strings used in code but not in i18n: {sorted(missing)}"
    for k in ("received", "routed", "answered", "released", "closed", "rejected"):
        assert f"status.{k}" in id_
    assert id_["status.routed"] == "Diteruskan ke unit"
    assert id_["status.answered"] == "Menunggu tinjauan"
    assert id_["status.released"] == "Jawaban terbit"
    for k in ("keluhan", "pertanyaan", "informasi", "saran"):
        assert f"kind.{k}" in id_


def test_no_markup_from_strings():
    # Server text goes through textContent only; innerHTML would let a complaint inject markup.
    for f in (PWA / "js").glob("*.js"):
        assert "innerHTML" not in f.read_text(), f.name
        assert "insertAdjacentHTML" not in f.read_text(), f.name
