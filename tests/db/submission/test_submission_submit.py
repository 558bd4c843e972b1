"""Submitting: recorded before written, exactly one file per message, offline, hand carry."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from lxml import etree
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, DeclarationItem, MessageDeclaration, OutboundMessage
from app.security.context import Actor
from app.submission import batches, outbound, xsd
from app.submission.exchange import ExchangeFolderTransport, verify_manifest
from tests.factories import item_values, make_declaration, valid_id_number


def _batch(sessions: sessionmaker[Session], actor: Actor, n: int, **kw: object) -> str:
    with sessions() as s, s.begin():
        # One buyer each: a single buyer's 250 parcels would pass the annual limit.
        ids = [make_declaration(s, status="ready", buyerIdNumber=valid_id_number(
            f"11010519900101{i:03d}"), **kw) for i in range(n)]
        return batches.create_batch(s, actor, ids=ids, transport=batches.TransportData(
            billNo="78412345675", trafNo="CZ3102", voyageNo="CZ3102", ieDate="20261125")
        ).batch_no


def test_submit_writes_valid_messages_and_marks_sent(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    batch_no = _batch(sessions, actor, 120)
    with sessions() as s, s.begin():
        recorded = outbound.record_batch(s, actor, batch_no, broker)
    assert [r.declarations for r in recorded] == [100, 20]
    # recorded, not yet written: the database has the XML, the folder is empty
    assert exchange.outbox_files() == []
    with sessions() as s:
        assert outbound.pending_count(s) == 2
    result = outbound.deliver_pending(sessions, actor, exchange)
    assert len(result.written) == 2 and result.pending == 0
    files = exchange.outbox_files()
    assert [p.name for p in files] == sorted(r.file_name for r in recorded)
    assert files[0].name.startswith(f"CEB621_{batch_no}_")
    for p in files:
        assert xsd.validate(etree.fromstring(p.read_bytes()), "I") == []
        assert (exchange.sent_dir(p.name.split("_")[2][:8]) / p.name).exists()
    with sessions() as s:
        statuses = set(s.execute(select(Declaration.status)).scalars())
        assert statuses == {"sent"}
        cop_nos = s.execute(select(Declaration.copNo)).scalars().all()
        assert all(c and len(c) <= 20 for c in cop_nos) and len(set(cop_nos)) == 120
        assert set(s.execute(select(OutboundMessage.state)).scalars()) == {"written"}
        assert batches.get_batch(s, actor, batch_no).state == "sent"
        links = s.execute(select(MessageDeclaration.cop_no)).scalars().all()
        assert sorted(links) == sorted(cop_nos)
    # delivering again never writes twice
    again = outbound.deliver_pending(sessions, actor, exchange)
    assert again.written == () and len(exchange.outbox_files()) == 2


def test_offline_messages_wait_then_go(sessions: sessionmaker[Session], actor: Actor,
                                       tmp_path: Path, broker: dict[str, str]) -> None:
    stick = ExchangeFolderTransport(tmp_path / "usb")
    batch_no = _batch(sessions, actor, 3)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    r = outbound.deliver_pending(sessions, actor, stick)
    assert r.offline and r.pending == 1
    with sessions() as s:
        assert set(s.execute(select(Declaration.status)).scalars()) == {"queued"}
    (tmp_path / "usb").mkdir()  # stick plugged in
    r = outbound.deliver_pending(sessions, actor, stick)
    assert len(r.written) == 1 and len(stick.outbox_files()) == 1


def test_schema_failure_records_nothing(sessions: sessionmaker[Session], actor: Actor,
                                        broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        good = make_declaration(s, status="ready")
        bad = make_declaration(s, status="ready", items=[item_values()])
        batch_no = batches.create_batch(s, actor, ids=[good, bad]).batch_no
        # Broken behind the application's back after batching (the pre-check would keep it
        # out of a batch): building the message is the last line of defence.
        s.execute(update(DeclarationItem).where(DeclarationItem.declaration_id == bad)
                  .values(gcode="12"))
    import pytest

    from app.submission.ceb import MessageBuildError

    with pytest.raises(MessageBuildError) as err, sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    assert "gcode" in str(err.value)
    with sessions() as s:
        assert s.execute(select(OutboundMessage.id)).first() is None
        assert batches.get_batch(s, actor, batch_no).state == "open"


def test_export_batch_to_folder_with_manifest(sessions: sessionmaker[Session], actor: Actor,
                                              tmp_path: Path, broker: dict[str, str]) -> None:
    batch_no = _batch(sessions, actor, 2)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    with sessions() as s, s.begin():
        manifest = outbound.export_batch_files(s, actor, batch_no, tmp_path / "stick")
    assert verify_manifest(manifest.parent) == []
    assert len(list(manifest.parent.glob("CEB621_*.xml"))) == 1


CRASH_SCRIPT = textwrap.dedent("""
    import sys
    from app.db.engine import make_engine, make_session_factory
    from app.security.context import system_actor
    from app.services import settings as settings_service
    from app.submission import outbound
    engine = make_engine(sys.argv[1])
    sessions = make_session_factory(engine)
    with sessions() as s, s.begin():
        outbound.record_batch(s, system_actor(), sys.argv[2], settings_service.all_settings(s))
    print("recorded", flush=True)
    sys.stdin.read()  # wait here: the test kills us before any file is written
""")


def test_killed_between_recording_and_writing_gives_exactly_one_file(
        sessions: sessionmaker[Session], actor: Actor, db_url: str,
        exchange: ExchangeFolderTransport, broker: dict[str, str]) -> None:
    batch_no = _batch(sessions, actor, 5)
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, db_url, batch_no],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "recorded"
    proc.kill()
    proc.wait()
    assert exchange.outbox_files() == []
    # restart: the CLI's start-up reconciler writes what was recorded, once; again: nothing
    done = subprocess.run([sys.executable, "-m", "app", "--db", db_url, "deliver",
                           "--exchange", str(exchange.root), "--json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert outbound.deliver_pending(sessions, actor, exchange).written == ()
    files = exchange.outbox_files()
    assert len(files) == 1
    assert len(list((exchange.root / "sent").rglob("*.xml"))) == 1
    with sessions() as s:
        assert set(s.execute(select(Declaration.status)).scalars()) == {"sent"}


def test_two_deliveries_at_once_write_each_message_once(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    import threading

    batch_no = _batch(sessions, actor, 250)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    results: list[outbound.DeliveryResult] = []
    threads = [threading.Thread(target=lambda: results.append(
        outbound.deliver_pending(sessions, actor, exchange))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2  # neither delivery failed (one must not clean up the other's file)
    assert sum(len(r.written) + r.already for r in results) == 3
    assert len(exchange.outbox_files()) == 3
