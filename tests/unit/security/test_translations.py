"""Every user-visible message of the security area has a zh_CN translation with the same
placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from app.i18n import catalogue

ROOT = Path(__file__).resolve().parents[3]


def security_msgids() -> list[str]:
    found: list[str] = []
    for path in sorted((ROOT / "app" / "security").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "N_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append(node.args[0].value)
    return sorted(set(found))


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("msgid", security_msgids())
def test_message_is_translated(msgid: str) -> None:
    translated = catalogue("zh_CN").get(msgid)
    assert translated, f"no zh_CN translation for {msgid!r}"
    assert fields(translated) == fields(msgid)
    assert re.search(r"[\u4e00-\u9fff]", translated)
