"""Printing over the database: order, reprint control, print log, audit, CLI JSON."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent, Batch, Declaration, PrintLog
from app.security.context import Actor
from app.services.printing import (
    ReprintReasonRequired,
    Selection,
    check_print,
    print_labels,
    print_manifest,
)
from app.services.settings import set_setting
from tests.factories import item_values, make_declaration

TODAY = dt.date(2026, 11, 26)


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture
def batch(sessions: sessionmaker[Session], actor: Actor) -> dict[str, list[int]]:
    with sessions() as session, session.begin():
        set_setting(session, actor, "senderName", "广州清关通报关有限公司")
        set_setting(session, actor, "agentName", "广州清关通报关有限公司")
        b = Batch(batch_no="B-7", bill_no="999-12345675", traf_no="CZ3101",
                  voyage_no="20261126", port_code="5141")
        session.add(b)
        session.flush()
        ids = [
            make_declaration(session, batch_id=b.id, status="accepted", buyerName=name,
                             totalPackageNo=f"BAG{n % 2}",
                             logisticsNo=wb, goods_total=Decimal("198"), tax_estimate=Decimal("18"),
                             items=[item_values(gname=goods)])
            for n, (name, wb, goods) in enumerate([
                ("张伟", "YT0000000001", "婴幼儿配方奶粉"),
                ("欧阳娜娜", "RR123456785CN", "维生素D滴剂"),
                ("刘䶮", "YT0000000003", "护手霜"),
            ])
        ]
    return {"ids": ids}


def test_labels_print_in_selection_order_and_are_logged(
    tmp_path: Path, sessions: sessionmaker[Session], actor: Actor, batch: dict[str, list[int]]
) -> None:
    first, second, third = batch["ids"]
    target = tmp_path / "labels.pdf"
    with sessions() as session, session.begin():
        outcome = print_labels(session, actor, Selection(ids=(third, first)), target, today=TODAY)
    assert (outcome.pages, outcome.records, outcome.reprinted) == (2, 2, 0)
    assert [(m.record_id, m.char) for m in outcome.missing_glyphs] == [(str(third), "䶮")]
    pages = _text(target).split("\f")
    assert "护手霜" in pages[0] and "张伟" in pages[1]
    assert "广州清关通报关有限公司" in pages[0] and "138****5678" in pages[0]
    with sessions() as session:
        logged = session.execute(select(PrintLog.declaration_id, PrintLog.reprint)).all()
        assert sorted(logged) == sorted([(third, False), (first, False)])
        counts = dict(session.execute(select(Declaration.id, Declaration.printed_count)).all())
        assert counts == {first: 1, second: 0, third: 1}
        assert session.scalar(select(func.count()).where(AuditEvent.action == "print.label")) == 1


def test_a_reprint_needs_a_reason_and_is_logged_with_it(
    tmp_path: Path, sessions: sessionmaker[Session], actor: Actor, batch: dict[str, list[int]]
) -> None:
    first = batch["ids"][0]
    with sessions() as session, session.begin():
        print_labels(session, actor, Selection(ids=(first,)), tmp_path / "a.pdf")
    with sessions() as session, session.begin():
        check = check_print(session, actor, Selection(batch_no="B-7"))
        assert check.already_printed == (first,)
        with pytest.raises(ReprintReasonRequired):
            print_labels(session, actor, Selection(batch_no="B-7"), tmp_path / "b.pdf")
    assert not (tmp_path / "b.pdf").exists()
    with sessions() as session, session.begin():
        outcome = print_labels(session, actor, Selection(batch_no="B-7"), tmp_path / "b.pdf",
                               reprint_reason="标签被撕坏")
    assert outcome.reprinted == 1 and outcome.records == 3
    with sessions() as session:
        reprint = session.execute(
            select(PrintLog.declaration_id, PrintLog.reason).where(PrintLog.reprint)
        ).all()
        assert reprint == [(first, "标签被撕坏")]
        event = session.execute(
            select(AuditEvent.declaration_id, AuditEvent.reason)
            .where(AuditEvent.action == "print.reprint")
        ).all()
        assert event == [(first, "标签被撕坏")]


def test_manifest_of_a_batch_has_header_rows_and_totals(
    tmp_path: Path, sessions: sessionmaker[Session], actor: Actor, batch: dict[str, list[int]]
) -> None:
    target = tmp_path / "manifest.pdf"
    with sessions() as session, session.begin():
        outcome = print_manifest(session, actor, "B-7", target, lang="en", today=TODAY)
    text = _text(target)
    assert outcome.records == 3 and outcome.pages == 1
    for expected in ("B-7", "999-12345675", "CZ3101 / 20261126", "5141", "3.600 kg",
                     "CNY 594.00", "CNY 54.00", "张*", "欧**娜", "RR123456785CN", "Page 1 of 1",
                     "Total: 3"):
        assert expected in text, expected


def test_cli_print_labels_json_and_reprint_exit_code(
    tmp_path: Path, db_url: str, batch: dict[str, list[int]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "labels.pdf"
    code = main(["--db", db_url, "print", "labels", "--batch", "B-7", "-o", str(target),
                 "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["file"] == str(target) and data["pages"] == 3 and data["labels"] == 3
    assert data["missing_glyphs"] == [{"id": str(batch["ids"][2]), "char": "䶮"}]

    code = main(["--db", db_url, "print", "labels", "--ids", "RR123456785CN", "-o",
                 str(tmp_path / "again.pdf"), "--json"])
    assert code == 1
    assert "already printed" in capsys.readouterr().out

    code = main(["--db", db_url, "print", "labels", "--ids", "RR123456785CN", "-o",
                 str(tmp_path / "again.pdf"), "--profile", "a4-4up", "--reprint-reason",
                 "jam", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["reprinted"] == 1


def test_cli_manifest_and_cn22(tmp_path: Path, db_url: str, batch: dict[str, list[int]],
                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", db_url, "print", "manifest", "--batch", "B-7", "-o",
                 str(tmp_path / "m.pdf"), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 3
    code = main(["--db", db_url, "print", "cn22", "--batch", "B-7", "-o",
                 str(tmp_path / "c.pdf"), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["labels"] == 1 and data["pages"] == 1  # only the S10 parcel gets a form
    assert "CN 22" in _text(tmp_path / "c.pdf")
    code = main(["--db", db_url, "print", "manifest", "--batch", "NOPE", "-o",
                 str(tmp_path / "x.pdf")])
    assert code == 1
