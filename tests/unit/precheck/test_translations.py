import ast
from pathlib import Path

from app.domain.fields import ALL_HEAD_FIELDS, ITEM_FIELDS
from app.i18n import translate
from app.rules.engine import check_record

from .sample import context, record

ROOT = Path(__file__).resolve().parents[3]
MODULES = [*sorted((ROOT / "app" / "rules").glob("*.py")),
           *sorted((ROOT / "app" / "precheck").glob("*.py")),
           *sorted((ROOT / "ui" / "precheck").glob("*.py")),
           ROOT / "app" / "domain" / "state_machine.py"]
MARKERS = {"N_", "translate", "Message"}


def _msgids(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS and node.args
                and isinstance(node.args[0], ast.Constant)):
            found.append(node.args[0].value)
    return found


def test_every_precheck_message_and_field_label_has_chinese() -> None:
    msgids = [m for path in MODULES for m in _msgids(path)]
    assert len(msgids) > 50
    labels = [f.label_en for f in (*ALL_HEAD_FIELDS, *ITEM_FIELDS)]
    untranslated = [m for m in msgids + labels if translate(m, "zh_CN") == m]
    assert untranslated == []


def test_problem_renders_in_chinese_with_field_label() -> None:
    result = check_record(record(buyerName=""), context())
    (problem,) = [p for p in result.problems if p.field == "buyerName"]
    assert problem.text("zh_CN") == "订购人姓名为必填项。"
    assert problem.text("en") == "Buyer name is required."
