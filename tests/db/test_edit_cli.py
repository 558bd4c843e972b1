from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration
from tests.db.test_cli import run
from tests.factories import make_declaration, valid_id_number

GOOD = valid_id_number()
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
NEW = valid_id_number("32010219800101123")
NEW_TYPO = NEW[:-1] + ("0" if NEW[-1] != "0" else "1")


def test_edit_replaces_an_invalid_buyer_id_and_shows_it_masked(
        db_url: str, sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        decl_id = make_declaration(s, buyerIdNumber=BAD, payerIdNumber=NEW)
    code, out, err = run(capsys, "--db", db_url, "edit", str(decl_id),
                         f"buyerIdNumber={NEW_TYPO}", "voyageNo=CA1234")
    assert code == 1 and "fails the check character" in err
    assert NEW_TYPO not in err
    code, out, err = run(capsys, "--db", db_url, "edit", str(decl_id),
                         f"buyerIdNumber={NEW.lower()}", "voyageNo=CA1234",
                         "--reason", "buyer sent a photo of the ID card")
    assert code == 0, err
    assert f"Declaration {decl_id} saved (2 change(s))." in out
    assert f"Buyer ID number: {BAD[:4]}{'*' * 10}{BAD[-4:]} → {NEW[:4]}{'*' * 10}{NEW[-4:]}" \
        in out
    assert BAD not in out and NEW not in out
    with sessions() as s:
        decl = s.get(Declaration, decl_id)
        assert decl is not None and (decl.buyerIdNumber, decl.voyageNo) == (NEW, "CA1234")
        assert decl.status == "ready"  # re-checked: the ID now passes
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "declaration.update")
                          ).scalar_one()
        assert event.reason == "buyer sent a photo of the ID card"
        assert NEW not in json.dumps(event.details) and BAD not in json.dumps(event.details)


def test_edit_refuses_unknown_fields_in_the_users_language(
        db_url: str, sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        decl_id = make_declaration(s)
    code, _, err = run(capsys, "--db", db_url, "--lang", "zh_CN", "edit", str(decl_id),
                       "buyerIdNumbr=1")
    assert code == 1 and "buyerIdNumbr=1" in err and "字段" in err
