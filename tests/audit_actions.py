"""Every audit action the code in app/ can write, found by reading the source (AST).

Calls of `record_event(session, actor, ACTION, …)` and `AuditRecord(ACTION, …)` are followed
back through literals, `a if c else b`, module constants, local assignments and parameters
(to the callers' arguments). An f-string yields its literal prefix plus `*` (`print.*`).
Anything that cannot be resolved is reported, so a new way of writing events is noticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
WRITERS = {"record_event": 2, "AuditRecord": 0}  # function name → position of the action


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


class _Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def resolve(self, expr: ast.expr, func: ast.FunctionDef | None, depth: int = 0
                ) -> tuple[set[str], list[str]]:
        """(actions, problems) for the expression `expr` inside `func`."""
        if depth > 6:
            return set(), [f"{self.path}: too deep at {ast.unparse(expr)}"]
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}, []
        if isinstance(expr, ast.IfExp):
            a, pa = self.resolve(expr.body, func, depth + 1)
            b, pb = self.resolve(expr.orelse, func, depth + 1)
            return a | b, pa + pb
        if isinstance(expr, ast.JoinedStr):
            prefix = ""
            for part in expr.values:
                if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                    break
                prefix += part.value
            return {prefix + "*"}, []
        if isinstance(expr, ast.Name):
            return self._resolve_name(expr.id, func, depth)
        return set(), [f"{self.path}:{expr.lineno}: cannot follow {ast.unparse(expr)}"]

    def _resolve_name(self, name: str, func: ast.FunctionDef | None, depth: int
                      ) -> tuple[set[str], list[str]]:
        found: set[str] = set()
        problems: list[str] = []
        scopes: list[ast.AST] = [func] if func is not None else []
        scopes.append(self.tree)
        for scope in scopes:
            body = scope.body if isinstance(scope, ast.FunctionDef | ast.Module) else []
            nodes = ast.walk(scope) if scope is func else iter(body)
            for node in nodes:
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(isinstance(t, ast.Name) and t.id == name for t in targets) \
                            and node.value is not None:
                        a, p = self.resolve(node.value, func if scope is func else None,
                                            depth + 1)
                        found |= a
                        problems += p
            if found or problems:
                return found, problems
        if func is not None:
            params = [a.arg for a in func.args.args]
            if name in params:
                index = params.index(name)
                for node in ast.walk(self.tree):
                    if isinstance(node, ast.Call) and _name(node) == func.name:
                        arg = next((k.value for k in node.keywords if k.arg == name), None)
                        if arg is None and index < len(node.args):
                            arg = node.args[index]
                        if arg is not None:
                            a, p = self.resolve(arg, self.function_of(node), depth + 1)
                            found |= a
                            problems += p
                return found, problems
        return set(), [f"{self.path}: cannot resolve the name {name}"]


def written_actions() -> tuple[set[str], list[str]]:
    """(every action app/ can write, what could not be resolved)."""
    actions: set[str] = set()
    problems: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        if path.name == "audit.py" and path.parent.name == "security":
            continue  # the writer itself
        module = _Module(path)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call) or _name(node) not in WRITERS:
                continue
            position = WRITERS[_name(node) or ""]
            expr = next((k.value for k in node.keywords if k.arg == "action"), None)
            if expr is None and len(node.args) > position:
                expr = node.args[position]
            if expr is None:
                continue
            found, unresolved = module.resolve(expr, module.function_of(node))
            actions |= found
            problems += unresolved
    return actions, problems
