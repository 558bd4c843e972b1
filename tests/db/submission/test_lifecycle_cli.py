"""`cleardesk cancel` / `cleardesk return` with --json, through the outbox."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import Declaration
from app.submission.exchange import ExchangeFolderTransport
from tests.factories import make_declaration


def _decl(sessions: sessionmaker[Session], status: str, n: int) -> int:
    with sessions() as s, s.begin():
        return make_declaration(s, status=status, copNo=f"CLI{n:04d}",
                                invtNo=f"51412026I{n:09d}", preNo=f"B20261125{n:09d}")


def test_cancel_and_return_commands(db_url: str, sessions: sessionmaker[Session],
                                    broker: dict[str, str], exchange: ExchangeFolderTransport,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    held, released = _decl(sessions, "accepted", 1), _decl(sessions, "released", 2)
    code = main(["--db", db_url, "cancel", "--ids", str(held), "--reason", "包裹丢失",
                 "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "cancel" and data["declarations"] == [held]
    assert data["pending"] == 0
    assert (exchange.outbox / data["messages"][0]).read_bytes().count(b"<ceb:InvtCancel>") == 1
    # A released parcel cannot be cancelled: a clear refusal, exit 1, nothing changed.
    code = main(["--db", db_url, "cancel", "--ids", str(released), "--reason", "x"])
    out, err = capsys.readouterr()
    assert code == 1 and "register a return" in err
    code = main(["--db", db_url, "cancel", "--ids", str(held + 1000), "--reason", "x"])
    out, err = capsys.readouterr()
    assert code == 1 and "not found" in err
    code = main(["--db", db_url, "return", "--ids", str(released), "--reason", "买家退货",
                 "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["messages"][0].startswith("CEB625_")
    with sessions() as s:
        statuses = dict(s.execute(select(Declaration.id, Declaration.status)).all())
    assert statuses == {held: "cancel_requested", released: "return_requested"}
