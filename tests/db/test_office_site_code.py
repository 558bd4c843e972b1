"""Site codes (issue 19): the office and a sorting centre never issue the same copNo, batch
or message number; the code is set once at `init` and kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.engine import make_engine, make_session_factory
from app.db.models import Declaration, OutboundMessage
from app.security.context import system_actor
from app.submission import batches, outbound
from tests.factories import make_declaration


def _first_batch(url: str) -> tuple[str, str, str]:
    """Batch one ready declaration and record its messages: (batch, copNo, message file)."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    actor = system_actor()
    with factory() as s, s.begin():
        decl_id = make_declaration(s, status="ready")
        batch_no = batches.create_batch(s, actor, ids=[decl_id]).batch_no
        outbound.record_batch(s, actor, batch_no, {"copCode": "3120980105",
                                                   "copName": "测试", "dxpId": "DXPENT0000000001"})
        cop_no = s.get(Declaration, decl_id).copNo  # type: ignore[union-attr]
        file_name = s.query(OutboundMessage.file_name).scalar()
    engine.dispose()
    return batch_no, str(cop_no), str(file_name)


def test_two_sites_issue_different_numbers_and_the_code_is_set_once(
        db_url: str, tmp_path: Path, sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    centre = f"sqlite:///{tmp_path / 'centre.sqlite3'}"  # the sorting centre, offline
    assert main(["--db", db_url, "init", "--site", "hq", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["site"] == "HQ"
    assert main(["--db", centre, "init", "--site", "SC1"]) == 0
    capsys.readouterr()

    office_batch, office_cop, office_file = _first_batch(db_url)
    centre_batch, centre_cop, centre_file = _first_batch(centre)

    assert office_cop == "CDHQ000000000001" and centre_cop == "CDSC1000000000001"
    assert office_batch.endswith("-HQ-001") and centre_batch.endswith("-SC1-001")
    assert office_file != centre_file and "HQ" in office_file and "SC1" in centre_file
    assert main(["--db", db_url, "config", "set", "siteCode", "XX"]) != 0
    err = capsys.readouterr().err
    assert "site code is HQ and cannot change" in err
