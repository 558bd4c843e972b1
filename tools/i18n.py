"""Find every translatable string in app/ and ui/ and check the zh_CN catalogues cover them.

    python -m tools.i18n            # list msgids missing a zh_CN translation (exit 1 if any)
    python -m tools.i18n --add FILE # append the missing ones to FILE (a .po) with empty msgstr

A string is translatable when it is the literal first argument of N_(), Message(),
translate(), tr(), ctx.t(), a UserFacingError subclass, or the second argument of
QCoreApplication/QApplication.translate(context, text).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_ARG_FUNCS = {"N_", "Message", "translate", "tr", "t"}
ERROR_BASES = {"UserFacingError", "NotFoundError", "ValidationError", "ConflictError",
               "PermissionDeniedError", "SchemaTooNewError"}
QT_TRANSLATE_OWNERS = {"QCoreApplication", "QApplication", "app"}


def _sources() -> list[Path]:
    return sorted(p for d in ("app", "ui") for p in (ROOT / d).rglob("*.py"))


def _error_classes(trees: list[ast.Module]) -> set[str]:
    names = set(ERROR_BASES)
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                    bases |= {b.attr for b in node.bases if isinstance(b, ast.Attribute)}
                    if bases & names:
                        names.add(node.name)
                        changed = True
    return names


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def extract() -> dict[str, list[str]]:
    """msgid → places ("file:line") where it is used."""
    parsed = [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in _sources()]
    errors = _error_classes([t for _, t in parsed])
    found: dict[str, list[str]] = {}
    for path, tree in parsed:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            for msgid in _msgids(node, errors):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(msgid, []).append(where)
    return found


def _msgids(node: ast.Call, errors: set[str]) -> Iterator[str]:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(
        func, ast.Attribute) else None
    if name is None:
        return
    if name == "translate" and isinstance(func, ast.Attribute) and len(node.args) >= 2:
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id in QT_TRANSLATE_OWNERS:
            text = _literal(node.args[1])
            if text:
                yield text
            return
    if name in FIRST_ARG_FUNCS or name in errors:
        text = _literal(node.args[0])
        if text and text.strip():
            yield text


def translated(lang: str = "zh_CN") -> set[str]:
    sys.path.insert(0, str(ROOT))
    from app.i18n import catalogue

    catalogue.cache_clear()
    return set(catalogue(lang))


def missing(lang: str = "zh_CN") -> dict[str, list[str]]:
    have = translated(lang)
    return {m: w for m, w in extract().items() if m not in have}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv: list[str]) -> int:
    gaps = missing()
    if len(argv) >= 2 and argv[0] == "--add":
        target = Path(argv[1])
        with target.open("a", encoding="utf-8") as fh:
            for msgid, places in sorted(gaps.items()):
                fh.write(f"\n#: {' '.join(places[:3])}\nmsgid \"{_po_escape(msgid)}\"\n"
                         'msgstr ""\n')
        print(f"appended {len(gaps)} msgids to {target}")
        return 0
    for msgid, places in sorted(gaps.items()):
        print(f"{places[0]}: {msgid!r}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
