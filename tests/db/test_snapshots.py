"""Every released schema's snapshot (tests/fixtures/schema-*.sqlite3) upgrades to head with its
data intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.migrate import current_revision, ensure_schema, head_revision
from app.db.models import Declaration, DeclarationItem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SNAPSHOTS = sorted(FIXTURES.glob("schema-*.sqlite3"))


def test_there_is_a_snapshot() -> None:
    assert SNAPSHOTS


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=[p.stem for p in SNAPSHOTS])
def test_snapshot_upgrades_to_head(snapshot: Path, tmp_path: Path) -> None:
    db = tmp_path / snapshot.name
    shutil.copyfile(snapshot, db)
    engine = make_engine(f"sqlite:///{db}")
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Declaration)) == 200
        assert s.scalar(select(func.count()).select_from(DeclarationItem)) == 323
        first = s.get(Declaration, 1)
        assert first is not None and first.buyerIdNumber and len(first.items) >= 1
    engine.dispose()
