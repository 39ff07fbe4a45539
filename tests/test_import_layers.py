"""Imports point one way: the contracts in pyproject.toml ([tool.importlinter])
hold for every import, function-local ones included. A new cycle between
backend packages, push reaching into the complaint domain, or a module other
than a composition root importing push fails here."""

from __future__ import annotations

import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold(capsys) -> None:
    cwd = Path.cwd()
    os.chdir(ROOT)  # the contracts live in the project's pyproject.toml
    try:
        exit_code = lint_imports(no_cache=True, no_logo=True)
    finally:
        os.chdir(cwd)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "BROKEN" not in report
    assert report.count("KEPT") >= 5, report  # the contracts were found and run
