"""Issue 16 item 7: control characters in imported names are caught by the pre-check and never
reach the terminal raw."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from tests.factories import make_declaration


def test_pre_check_flags_control_characters_and_list_shows_them_escaped(
    db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    with sessions() as session, session.begin():
        bad = make_declaration(session, buyerName="张\x1b[2J\x1b[31m伟")
        good = make_declaration(session)
    assert main(["--db", db_url, "check", "--all", "--json"]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "show", str(bad), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "invalid"
    assert [(p["code"], p["field"]) for p in shown["problems"]] == [("CONTROL_CHAR", "buyerName")]
    assert "U+001B" in shown["problems"][0]["message"]
    assert main(["--db", db_url, "show", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ready"
    for argv in (["list"], ["show", str(bad)]):
        assert main(["--db", db_url, *argv]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\\x1b[31m" in out
