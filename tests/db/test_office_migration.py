"""Revision 0009_office on a database that already holds duplicates (two workstations
imported the same file before the unique indexes existed): the upgrade does not fail, the
never-sent copies are cancelled, the sent ones kept, and the indexes then hold."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from app.db import migrate
from app.db.engine import make_engine
from app.domain.errors import DuplicateDeclarationError


def _at_0003(url: str) -> Engine:
    engine = make_engine(url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008_incremental")
    return engine


def _add(engine: Engine, rows: list[tuple[int, str, str, str, int | None]]) -> None:
    with engine.begin() as conn:
        if rows and any(r[4] for r in rows):
            conn.execute(text("INSERT INTO batches (id, batch_no, ie_flag, state, version, "
                              "created_at, updated_at) VALUES (1, 'B20261201-001', 'I', "
                              "'sent', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        for decl_id, status, order, waybill, batch in rows:
            conn.execute(text(
                "INSERT INTO declarations (id, status, version, error_count, warning_count, "
                "printed_count, ebp_code, order_no, logistics_no, batch_id, created_at, "
                "updated_at) VALUES (:id, :st, 1, 0, 0, 0, '1105910159', :o, :w, :b, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"id": decl_id, "st": status, "o": order, "w": waybill, "b": batch})


def test_upgrade_resolves_old_duplicates_and_then_refuses_new_ones(
        sqlite_only: None, tmp_path: object, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    engine = _at_0003(url)
    _add(engine, [
        (1, "ready", "SO1", "W1", None), (2, "draft", "SO1", "W1", None),  # same file twice
        (3, "ready", "SO2", "W2", None), (4, "sent", "SO2", "W2", 1),  # a copy was sent
        (5, "invalid", "SO3", "W3", None), (6, "cancelled", "SO3", "W3", None),
        (7, "ready", "SO4", "W9", None), (8, "ready", "SO5", "W9", None),  # one waybill
        (12, "cancelled", "SO6", "W6", None),
    ])

    with caplog.at_level("WARNING"):
        migrate.ensure_schema(engine)

    with engine.connect() as conn:
        status = dict(conn.execute(text("SELECT id, status FROM declarations")).all())
    assert status == {1: "ready", 2: "cancelled", 3: "cancelled", 4: "sent", 5: "invalid",
                      6: "cancelled", 7: "ready", 8: "cancelled", 12: "cancelled"}
    assert "kept 1, cancelled the unsent copies [2]" in caplog.text
    with pytest.raises((DuplicateDeclarationError, IntegrityError)) as err:
        _add(engine, [(9, "draft", "SO1", "W10", None)])
    assert isinstance(err.value, DuplicateDeclarationError)
    assert err.value.field == "orderNo"
    with pytest.raises(DuplicateDeclarationError) as err2:
        _add(engine, [(10, "draft", "SO10", "W1", None)])
    assert err2.value.field == "logisticsNo"
    _add(engine, [(11, "draft", "SO6", "W6", None)])  # a cancelled order may come again
    engine.dispose()
