"""The editor opens on a declaration carrying every kind of audit event the code can write,
including a re-import's dict-shaped changes (which used to crash it), and shows sentences."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.security.audit import AuditRecord, record_events
from app.security.context import Actor
from tests.audit_actions import written_actions
from tests.audit_samples import SAMPLES, sample_actions
from tests.factories import make_declaration
from tests.ui.conftest import main_window
from ui.declarations.editor import DeclarationEditor
from ui.declarations.editor_info import EditorInfoPanel
from ui.main_window import MainWindow

ODD = [  # shapes a history entry must survive
    ("declaration.update", {"import_job": 7, "items": 1, "changes": {
        "buyerName": ["张伟", "李娜"], "buyerIdNumber": ["110105194912310029",
                                                      "11010519491231002X"]}}, "import"),
    ("declaration.update", {"changes": "broken"}, None),
    ("declaration.update", {"changes": [None, 3, {"gnum": 1}]}, None),
    ("declaration.status", {"from": "draft", "to": "nonsense", "event": "receipt",
                            "messageType": "CEB622", "returnStatus": "800"}, None),
    ("some.future_action", {"x": {"y": [1, 2]}}, None),
]


@pytest.fixture
def loaded(db_url: str, sessions: sessionmaker[Session], actor: Actor
           ) -> tuple[str, int, list[str]]:
    actions = sample_actions(written_actions()[0])
    with sessions() as s, s.begin():
        decl_id = make_declaration(s)
        records = [AuditRecord(a, "declaration", str(decl_id), decl_id, SAMPLES[a][0],
                               SAMPLES[a][1]) for a in actions]
        records += [AuditRecord(a, "declaration", str(decl_id), decl_id, d, r)
                    for a, d, r in ODD]
        record_events(s, actor, records)
    return db_url, decl_id, actions


@pytest.fixture
def window(loaded: tuple[str, int, list[str]], qtbot: QtBot) -> Iterator[MainWindow]:
    with main_window(loaded[0], qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def history(panel: EditorInfoPanel) -> list[str]:
    return [panel.history.item(i).text() for i in range(panel.history.count())]


def test_editor_opens_with_every_audit_event_in_words(
        window: MainWindow, loaded: tuple[str, int, list[str]], qtbot: QtBot) -> None:
    _, decl_id, actions = loaded
    editor = window.workspace.open_editor(decl_id)  # type: ignore[attr-defined]
    assert isinstance(editor, DeclarationEditor)
    qtbot.addWidget(editor)
    texts = history(editor.info)
    assert len(texts) == len(actions) + len(ODD)
    for action, text in zip(actions, texts, strict=False):
        title = text.split("\n")[0]
        assert SAMPLES[action][2] in title, (action, text)
        assert action not in text or not ("." in action or "_" in action)
    odd = texts[len(actions):]
    assert odd[0].split("\n")[0].endswith("Updated by a re-import (import job 7)")
    assert "  Buyer name: 张伟 → 李娜" in odd[0].split("\n")
    assert "  Buyer ID number: 1101**********0029 → 1101**********002X" in odd[0].split("\n")
    assert odd[3].split("\n")[0].endswith("Customs receipt CEB622 800: Draft → nonsense")
    assert odd[4].split("\n")[0].endswith("Other change (some.future_action)")
    edited = texts[actions.index("declaration.update")]
    assert "  Buyer name: 张伟 → 李娜" in edited.split("\n")
    assert "  #1 Goods name: 奶粉 → 奶粉 新包装" in edited.split("\n")
    assert "  Goods line #2 added" in edited.split("\n")
    assert "110105194912310029" not in "".join(texts)
    assert "Reason: Label torn" in texts[actions.index("print.reprint")]


def test_history_in_chinese(window: MainWindow, loaded: tuple[str, int, list[str]],
                            qtbot: QtBot) -> None:
    _, decl_id, actions = loaded
    panel = EditorInfoPanel("zh_CN")
    qtbot.addWidget(panel)
    panel.load(window.ctx, decl_id)
    titles = [t.split("\n")[0] for t in history(panel)]
    assert len(titles) == len(actions) + len(ODD)
    for action, title in zip(actions, titles, strict=False):
        assert action not in title or not ("." in action or "_" in action)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title), (action, title)
    assert "订购人姓名: 张伟 → 李娜" in history(panel)[actions.index("declaration.update")]


def test_fix_in_excel_import_again_then_open_the_editor(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: object,
        qtbot: QtBot) -> None:
    """The documented loop, for real: import, correct the file, import again, open."""
    from pathlib import Path

    from sqlalchemy import select

    from app.db.models import Declaration
    from app.intake.service import ImportRequest, import_file
    from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv

    folder = Path(str(tmp_path))
    with sessions() as s, s.begin():
        import_file(s, actor, ImportRequest(write_csv(folder / "o.csv", CN_HEADERS, CN_ROWS)))
    rows = [list(r) for r in CN_ROWS]
    rows[0][2] = rows[1][2] = "张三丰"
    with sessions() as s, s.begin():
        again = import_file(s, actor, ImportRequest(write_csv(folder / "o2.csv", CN_HEADERS,
                                                              rows)))
        assert again.updated >= 1
        decl_id = s.execute(select(Declaration.id).where(Declaration.orderNo == "SO1001")
                            ).scalar_one()
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        editor = w.workspace.open_editor(decl_id)  # type: ignore[attr-defined]
        assert isinstance(editor, DeclarationEditor)
        qtbot.addWidget(editor)
        texts = history(editor.info)
        updated = [t for t in texts if "Updated by a re-import" in t]
        assert updated and "→ 张三丰" in updated[0]
        assert not any("declaration.update" in t for t in texts)
