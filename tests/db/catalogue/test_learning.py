"""The catalogue learns from customs: released goods lines enter or confirm it (issue 18)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import CatalogueEntry
from app.security.context import Actor
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipts_job import process_inbox
from tests.db.catalogue.helpers import drop_receipt, entries, release_receipt
from tests.db.test_concurrent_commands import _add_users, _start
from tests.factories import item_values, make_declaration

LATER = time.time() + 3600

CREAM = {"itemNo": "SKU-CREAM", "gname": "保湿面霜", "gmodel": "50ml", "gcode": "3304990099",
         "unit": "142", "qty": Decimal("2"), "unit1": "035", "qty1": Decimal("0.1"),
         "barCode": "6901234567890"}


def _sent(session: Session, cop_no: str, **item: object) -> int:
    return make_declaration(session, [item_values(**{**CREAM, **item})], status="sent",
                            copNo=cop_no)


def test_a_released_declaration_enters_the_catalogue_as_accepted(
        sessions: sessionmaker[Session], actor: Actor,
        exchange: ExchangeFolderTransport) -> None:
    with sessions() as s, s.begin():
        _sent(s, "COP1")
        _sent(s, "COP2", itemNo="SKU-OTHER", gname="洗发水", gmodel="400ml")
    exchange.available()
    drop_receipt(exchange.inbox, "r1.xml", release_receipt("COP1"))
    drop_receipt(exchange.inbox, "r2.xml", release_receipt("COP2", status="2"))

    process_inbox(sessions, actor, exchange, now=LATER)

    with sessions() as s:
        assert entries(s) == [{
            "key": "sku:1105W6B002|SKU-CREAM", "gcode": "3304990099", "source": "accepted",
            "qty1_per_unit": Decimal("0.05"), "unit1": "035", "accepted_count": 1,
            "proposed_gcode": None, "proposed_by": None}]  # COP2 was only accepted, not released
        entry = s.scalars(select(CatalogueEntry)).one()
        assert (entry.barcode, entry.name_key) == ("6901234567890", "保湿面霜|50ml")


def test_a_conflicting_release_is_kept_as_a_proposal_never_overwriting(
        sessions: sessionmaker[Session], actor: Actor,
        exchange: ExchangeFolderTransport) -> None:
    with sessions() as s, s.begin():
        _sent(s, "COP1")
        _sent(s, "COP2")
        _sent(s, "COP3", gcode="3304910000")
    exchange.available()
    drop_receipt(exchange.inbox, "r1.xml", release_receipt("COP1"))
    process_inbox(sessions, actor, exchange, now=LATER)
    drop_receipt(exchange.inbox, "r2.xml", release_receipt("COP2", "COP3"))
    process_inbox(sessions, actor, exchange, now=LATER)

    with sessions() as s:
        (entry,) = entries(s)
    assert (entry["gcode"], entry["source"], entry["accepted_count"]) == (
        "3304990099", "accepted", 2)
    assert (entry["proposed_gcode"], entry["proposed_by"]) == ("3304910000", "customs")


def test_two_workstations_releasing_the_same_product_make_one_entry(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """Real processes at once (PostgreSQL with CLEARDESK_TEST_PG): the unique key + upsert."""
    _add_users(sessions)
    folders = []
    with sessions() as s, s.begin():
        for w in range(2):
            cops = [f"W{w}C{i}" for i in range(40)]
            for cop in cops:
                _sent(s, cop)
            root = tmp_path / f"exchange{w}"
            transport = ExchangeFolderTransport(root)
            root.mkdir()
            transport.available()
            for i in range(0, 40, 4):
                drop_receipt(transport.inbox, f"r{i}.xml", release_receipt(*cops[i:i + 4]))
            folders.append(root)
    procs = [_start(db_url, "li", "receipts", "--exchange", str(f)) for f in folders]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert json.loads(out)["applied"] == 40
    with sessions() as s:
        rows = entries(s)
    assert len(rows) == 1
    assert (rows[0]["source"], rows[0]["accepted_count"]) == ("accepted", 80)
