"""HS suggestions for a goods name: catalogue entries first, then the tariff (SQLite and
PostgreSQL: run with CLEARDESK_TEST_PG too)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.catalogue.store import entry_key, name_key
from app.catalogue.suggest import HsSuggester
from app.db.models import CatalogueEntry, PositiveListEntry
from app.security.context import Actor, Role


def add_entry(session: Session, gname: str, gcode: str, source: str = "accepted",
              gmodel: str = "", count: int = 0, item_no: str | None = None) -> None:
    session.add(CatalogueEntry(
        entry_key=entry_key("EBC1", item_no, gname, gmodel), ebc_code="EBC1", item_no=item_no,
        name_key=name_key(gname, gmodel), gname=gname, gmodel=gmodel or None, gcode=gcode,
        source=source, accepted_count=count))
    session.flush()


def test_tariff_alone_suggests_skin_care_for_a_face_cream(session: Session,
                                                          actor: Actor) -> None:
    found = HsSuggester().suggest(session, actor, "保湿面霜 50ml")
    first = found[0]
    assert (first.gcode, first.source, first.unit1) == ("3304990099", "tariff", "035")
    assert first.reason.text("zh_CN").startswith("税则：其他美容品或化妆品")
    assert 0 < first.score <= 1


def test_customs_accepted_entry_ranks_first_then_confirmed_then_tariff(
        session: Session, actor: Actor) -> None:
    add_entry(session, "保湿面霜", "3304990039", gmodel="50ml", count=37)
    add_entry(session, "保湿面霜 滋润型", "3304990029", source="confirmed", item_no="A2")
    add_entry(session, "保湿面霜", "3304100000", source="proposed", item_no="A3")  # unconfirmed
    add_entry(session, "羊毛围巾", "6214200000", count=5, item_no="A4")  # another product
    found = HsSuggester().suggest(session, actor, "保湿面霜 50ml", limit=5)
    codes = [s.gcode for s in found]
    assert codes[:3] == ["3304990039", "3304990029", "3304990099"]
    assert [s.source for s in found[:3]] == ["accepted", "confirmed", "tariff"]
    assert found[0].reason.text("en") == "accepted 37× as 保湿面霜 50ml"
    assert (found[0].unit1, found[0].unit2) == ("035", "011")  # units from the tariff
    assert "3304100000" not in codes and "6214200000" not in codes


def test_names_match_across_width_case_spaces_and_sizes(session: Session, actor: Actor) -> None:
    add_entry(session, "Swisse 维生素C 泡腾片", "2106909090", count=3)
    found = HsSuggester().suggest(session, actor, "ＳＷＩＳＳＥ维生素ｃ泡腾片 20片/支")
    assert (found[0].gcode, found[0].source) == ("2106909090", "accepted")
    assert found[0].score > 0.9


def test_candidates_carry_the_positive_list_note(session: Session, actor: Actor) -> None:
    session.add(PositiveListEntry(code="22083000", name_zh="威士忌酒", note="不含濒危物种成分"))
    session.flush()
    found = HsSuggester().suggest(session, actor, "苏格兰威士忌 700ml")
    assert (found[0].gcode, found[0].note) == ("2208300000", "不含濒危物种成分")


def test_a_name_of_sizes_only_has_no_suggestions(session: Session, actor: Actor) -> None:
    assert HsSuggester().suggest(session, actor, "50ml × 2") == []


def test_every_logged_in_role_may_ask(session: Session) -> None:
    for role in (Role.CLERK, Role.SUPERVISOR, Role.ADMIN):
        assert HsSuggester().suggest(session, Actor("u", role), "威士忌 700ml")[0].gcode \
            == "2208300000"


def _classify(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> dict[str, Any]:
    from app.cli import main

    assert main(["--db", db_url, "classify", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_cli_classify_json_and_text(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _classify(capsys, db_url, "蓝牙耳机 降噪", "--limit", "3")
    first = out["candidates"][0]
    assert set(first) >= {"gcode", "score", "source", "reason", "unit1", "unit2"}
    assert (first["gcode"], first["source"], first["unit1"]) == ("8517629400", "tariff", "007")
    assert len(out["candidates"]) <= 3
    from app.cli import main

    assert main(["--db", db_url, "--lang", "zh_CN", "classify", "纯棉T恤"]) == 0
    text = capsys.readouterr().out
    assert "6109100000" in text and "税则" in text and "商品编码" in text


def test_short_names_and_renamed_entries_are_found(session: Session, actor: Actor) -> None:
    add_entry(session, "眼霜", "3304990039", count=2)
    assert HsSuggester().suggest(session, actor, "眼霜")[0].source == "accepted"
    entry = session.query(CatalogueEntry).one()
    entry.gname, entry.name_key = "胶原蛋白口服液", name_key("胶原蛋白口服液", "")
    session.flush()  # the search index follows the rename
    found = HsSuggester().suggest(session, actor, "胶原蛋白口服液 50ml×10")
    assert (found[0].gcode, found[0].source) == ("3304990039", "accepted")
