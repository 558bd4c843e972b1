"""Hardening rules checked over the whole `app/` source tree (every area's code).

Each rule is one line of SECURITY.md. They read the source, so a new module that parses XML
with entities on, shells out, or logs a password fails here before it ships.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "app"

STDLIB_XML = ("xml.etree", "xml.dom", "xml.sax", "xml.parsers.expat")
STDLIB_PARSE_CALLS = {
    "parse", "fromstring", "XML", "iterparse", "XMLParser", "XMLPullParser", "parseString",
    "fromstringlist", "make_parser", "ParserCreate",
}
FORBIDDEN_MODULES = {
    "pickle": "never unpickle data",
    "marshal": "never unmarshal data",
    "shelve": "pickle underneath",
}
LXML_PARSE_CALLS = {"fromstring", "parse", "XML", "fromstringlist"}
SECRET_WORDS = ("password", "passwd", "secret", "token")


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def is_const(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def attr_name(func: ast.expr) -> tuple[str | None, str | None]:
    """(`owner`, `name`) of a call like `owner.name(...)` or (None, name) of `name(...)`."""
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    if isinstance(func, ast.Name):
        return None, func.id
    return None, None


def test_no_unsafe_parsers_or_deserialisers_are_imported() -> None:
    found = []
    for path, tree in modules():
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                for bad, why in FORBIDDEN_MODULES.items():
                    if name == bad or name.startswith(bad + "."):
                        found.append(f"{where(path, node)} imports {name}: {why}")
    assert not found, "\n".join(found)


def test_stdlib_xml_is_never_used_to_parse() -> None:
    """The standard library's parsers expand entities; its types and errors are fine to use."""
    found = []
    for path, tree in modules():
        aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith(STDLIB_XML):
                        aliases.add(a.asname or a.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(STDLIB_XML):
                for a in node.names:
                    if a.name in STDLIB_PARSE_CALLS:
                        found.append(f"{where(path, node)} imports {node.module}.{a.name}")
                    else:
                        aliases.add(a.asname or a.name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                owner, name = attr_name(node.func)
                if owner in aliases and name in STDLIB_PARSE_CALLS:
                    found.append(f"{where(path, node)} parses with the standard library ({name})")
    assert not found, "\n".join(found)


def test_every_lxml_parser_has_entities_dtd_and_network_off() -> None:
    found = []
    for path, tree in modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            owner, name = attr_name(node.func)
            if name == "XMLParser":
                if not is_const(keyword(node, "resolve_entities"), False):
                    found.append(f"{where(path, node)} XMLParser without resolve_entities=False")
                if not is_const(keyword(node, "no_network"), True) and keyword(
                    node, "no_network"
                ) is not None:
                    found.append(f"{where(path, node)} XMLParser with no_network off")
                for flag in ("load_dtd", "dtd_validation", "huge_tree"):
                    if is_const(keyword(node, flag), True):
                        found.append(f"{where(path, node)} XMLParser with {flag}=True")
            elif owner == "etree" and name in LXML_PARSE_CALLS:
                if len(node.args) < 2 and keyword(node, "parser") is None:
                    found.append(f"{where(path, node)} etree.{name} without an explicit parser")
            elif (
                owner == "etree"
                and name == "iterparse"
                and not is_const(keyword(node, "resolve_entities"), False)
            ):
                found.append(f"{where(path, node)} iterparse without resolve_entities=False")
    assert not found, "\n".join(found)


def test_no_shell_eval_or_predictable_temp_files() -> None:
    found = []
    for path, tree in modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            owner, name = attr_name(node.func)
            if is_const(keyword(node, "shell"), True):
                found.append(f"{where(path, node)} runs a shell")
            if owner is None and name in {"eval", "exec"}:
                found.append(f"{where(path, node)} calls {name}")
            if owner == "tempfile" and name == "mktemp":
                found.append(f"{where(path, node)} uses tempfile.mktemp")
            if owner == "yaml" and name == "load":
                found.append(f"{where(path, node)} uses yaml.load")
    assert not found, "\n".join(found)


def _mentions_secret(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        name = None
        if isinstance(sub, ast.Name):
            name = sub.id
        elif isinstance(sub, ast.Attribute):
            name = sub.attr
        if name and any(word in name.lower() for word in SECRET_WORDS):
            if name.lower().endswith(("_hash", "hasher", "policy")):
                continue
            return name
    return None


def test_no_password_or_secret_reaches_a_log_call() -> None:
    found = []
    log_methods = {"debug", "info", "warning", "error", "exception", "critical", "log"}
    for path, tree in modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            owner, name = attr_name(node.func)
            if name not in log_methods or owner not in {"log", "logger", "_log", "LOG", "logging"}:
                continue
            for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                secret = _mentions_secret(arg)
                if secret:
                    found.append(f"{where(path, node)} logs {secret}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from xml.etree import ElementTree\nElementTree.fromstring(data)\n",
        "import xml.etree.ElementTree as ET\nET.parse(path)\n",
        "from xml.dom.minidom import parseString\n",
        "import pickle\n",
        "from lxml import etree\netree.XMLParser(load_dtd=True)\n",
        "from lxml import etree\netree.fromstring(data)\n",
        "import subprocess\nsubprocess.run('ls', shell=True)\n",
        "import logging\nlog = logging.getLogger()\nlog.info('pw %s', password)\n",
    ],
)
def test_the_rules_catch_what_they_are_meant_to(source: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "bad.py").write_text(source)
    monkeypatch.setitem(globals(), "APP", app)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    checks = [
        test_no_unsafe_parsers_or_deserialisers_are_imported,
        test_stdlib_xml_is_never_used_to_parse,
        test_every_lxml_parser_has_entities_dtd_and_network_off,
        test_no_shell_eval_or_predictable_temp_files,
        test_no_password_or_secret_reaches_a_log_call,
    ]
    failures = 0
    for check in checks:
        try:
            check()
        except AssertionError:
            failures += 1
    assert failures == 1


def test_types_and_errors_of_the_stdlib_parser_are_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "ok.py").write_text(
        "import xml.etree.ElementTree as ET\nimport defusedxml.ElementTree as SafeET\n"
        "def f(b: bytes) -> ET.Element:\n    return SafeET.fromstring(b)\n"
    )
    monkeypatch.setitem(globals(), "APP", app)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    test_stdlib_xml_is_never_used_to_parse()
