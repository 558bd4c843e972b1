"""A batch's master bill lists its bags; the manifest PDF has a bags section."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.security.context import Actor
from app.services.printing import print_manifest
from app.station.bags import add_to_bag, close_bag
from app.submission.batches import create_batch, get_batch
from tests.db.test_cli import run_json
from tests.factories import make_declaration


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _bagged_batch(session: Session, actor: Actor) -> tuple[str, list[str]]:
    ids = [make_declaration(session, status="ready") for _ in range(5)]
    first = add_to_bag(session, actor, ids[0], "755-A")
    add_to_bag(session, actor, ids[1], "755-A")
    second = add_to_bag(session, actor, ids[2], "020-B")
    close_bag(session, actor, first.bag_no, Decimal("2.4"))
    batch = create_batch(session, actor, ids=ids)
    return batch.batch_no, sorted([first.bag_no, second.bag_no])


def test_manifest_lists_the_bags(session: Session, actor: Actor, tmp_path: Path) -> None:
    batch_no, bag_nos = _bagged_batch(session, actor)
    pdf = tmp_path / "manifest.pdf"
    outcome = print_manifest(session, actor, batch_no, pdf)
    text = _text(pdf)
    pages = text.split("\f")
    assert outcome.pages == 2 and "Page 2 of 2" in pages[1]
    assert "总包清单 Bags" not in pages[0] and "总包清单 Bags" in pages[1]
    bag_lines = [line.split() for line in pages[1].splitlines() if "BG" in line]
    assert [line[1:] for line in bag_lines] == [
        [bag_nos[0], "755-A", "2", "2.400"], [bag_nos[1], "020-B", "1", "-"]]
    assert "袋数 Bags" in pages[0] and f"{bag_nos[0]}" in pages[0]  # the parcel rows


def test_batch_show_lists_its_bags(db_url: str, session: Session, actor: Actor,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    batch_no, bag_nos = _bagged_batch(session, actor)
    assert list(get_batch(session, actor, batch_no).bags) == bag_nos
    session.commit()
    data = run_json(capsys, "--db", db_url, "batch", "show", batch_no)
    assert data["batch"]["bags"] == bag_nos
