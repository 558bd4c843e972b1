"""The core stays Qt-free: nothing under app/ imports PySide6."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_app_never_imports_qt() -> None:
    files = sorted(APP.rglob("*.py"))
    assert len(files) > 10
    offenders = [str(p.relative_to(APP)) for p in files if {"PySide6", "shiboken6"} & _imports(p)]
    assert offenders == []


def test_checker_catches_a_qt_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    assert "PySide6" in _imports(bad)
