"""An export declaration (CEB603) is edited under its own names and requirements: the country
is where the parcel goes (运抵国), the buyer's ID is not required, the owner is."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_declaration
from tests.ui.conftest import main_window


def test_export_declarations_name_and_require_their_own_fields(
        db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> None:
    with sessions() as s, s.begin():
        imported = make_declaration(s)
        exported = make_declaration(s, ieFlag="E", orderNo="EX1", logisticsNo="EX00000001")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        w.ctx.lang = "zh_CN"
        shown: dict[int, dict[str, str]] = {}
        for decl_id in (imported, exported):
            editor = w.workspace.open_editor(decl_id)  # type: ignore[attr-defined]
            assert editor is not None
            qtbot.addWidget(editor)
            editor.lang = "zh_CN"
            editor.load(decl_id)
            shown[decl_id] = {name: label.text() for name, (label, _spec) in editor.labels.items()}
            editor.close()
    assert shown[imported]["country"] == "起运国(地区) *"
    assert shown[exported]["country"] == "运抵国(地区) *"
    assert shown[imported]["buyerIdNumber"].endswith("*")
    assert not shown[exported]["buyerIdNumber"].endswith("*")
    assert shown[exported]["ownerCode"].endswith("*")
