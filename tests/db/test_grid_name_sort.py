"""Chinese names sort by pinyin in the grid (阿 a, 李 li, 王 wang, 张 zhang), whichever path
wrote the name, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine
from app.db.migrate import ensure_schema
from app.db.models import Declaration, ImportJob
from app.domain.sortkey import name_sort_key
from app.intake.store import replace_declarations
from app.security.context import Actor
from app.services.bulk_edit import BulkEdit, apply_bulk_edit
from app.services.declarations import fetch_page
from app.services.editing import save_declaration
from app.services.grid import first_rows, ordered_ids
from app.services.queries import GRID_BY_KEY, DeclarationFilter
from tests.factories import declaration_values, item_values, make_declaration

NAMES = ("张伟", "李娜", "王芳", "阿依古丽")  # zhang, li, wang, a
PINYIN_ORDER = ["阿依古丽", "李娜", "王芳", "张伟"]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _names_in_grid_order(s: Session, actor: Actor, descending: bool = False) -> list[str]:
    ids = list(ordered_ids(s, actor, DeclarationFilter(), "buyerName", descending))
    names = dict(s.execute(select(Declaration.id, Declaration.buyerName)).all())
    return [names[i] for i in ids]


def test_bulk_inserted_names_sort_by_pinyin(sessions: sessionmaker[Session],
                                            actor: Actor) -> None:
    with sessions() as s, s.begin():
        for name in NAMES:
            make_declaration(s, buyerName=name)
    with sessions() as s:
        assert _names_in_grid_order(s, actor) == PINYIN_ORDER
        assert _names_in_grid_order(s, actor, descending=True) == PINYIN_ORDER[::-1]
        cols = [GRID_BY_KEY["id"], GRID_BY_KEY["buyerName"]]
        assert [r[1] for r in first_rows(s, actor, DeclarationFilter(), cols,
                                         "buyerName")] == PINYIN_ORDER
        page = fetch_page(s, actor, DeclarationFilter(), sort="buyerName",
                          columns=["buyerName"])
        assert [r[0] for r in page.rows] == PINYIN_ORDER


def test_edited_reimported_and_bulk_edited_names_keep_pinyin_order(
    sessions: sessionmaker[Session], actor: Actor
) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, buyerName="某某") for _ in NAMES]
    with sessions() as s, s.begin():  # the editor
        version = s.get(Declaration, ids[0]).version  # type: ignore[union-attr]
        save_declaration(s, actor, ids[0], version, {"buyerName": NAMES[0]})
    with sessions() as s, s.begin():  # a re-import of the same orders
        job = ImportJob(file_name="orders.xlsx", sha256="0" * 64)
        s.add(job)
        s.flush()
        replace_declarations(s, [(ids[1], {"buyerName": NAMES[1]}, [item_values()])],
                             job_id=job.id)
    with sessions() as s, s.begin():  # bulk edit of two selected rows
        apply_bulk_edit(s, actor, ids[2:], BulkEdit("set_head", "buyerName", NAMES[3]))
        save_declaration(s, actor, ids[2], s.get(Declaration, ids[2]).version,  # type: ignore[union-attr]
                         {"buyerName": NAMES[2]})
    with sessions() as s:
        assert _names_in_grid_order(s, actor) == PINYIN_ORDER


def test_demo_names_have_sort_keys(sessions: sessionmaker[Session], actor: Actor) -> None:
    from app.reference.tables import shipped_reference_tables
    from app.services.demo import add_demo_declarations
    from app.services.settings import all_settings

    with sessions() as s, s.begin():
        add_demo_declarations(s, actor, 30, 7, shipped_reference_tables(), all_settings(s))
    with sessions() as s:
        rows = s.execute(select(Declaration.buyerName, Declaration.buyer_name_sort)).all()
    assert rows and all(key for _name, key in rows)


def test_upgrade_backfills_sort_keys_of_existing_declarations(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    shutil.copyfile(FIXTURES / "schema-0001.sqlite3", db)
    engine = make_engine(f"sqlite:///{db}")
    ensure_schema(engine)
    with Session(engine) as s:
        rows = s.execute(select(Declaration.buyerName, Declaration.buyer_name_sort,
                                Declaration.ebpName, Declaration.ebp_name_sort)).all()
    engine.dispose()
    assert len(rows) == 200
    assert all(key == name_sort_key(name) and (key or not name)
               for row in rows for name, key in (row[:2], row[2:]))
    assert any(row[3] for row in rows)


def test_bulk_insert_writes_keys_only_for_rows_with_a_name(sessions: sessionmaker[Session],
                                                           actor: Actor) -> None:
    from app.db.bulk import insert_declarations

    values = declaration_values()
    del values["buyerName"]
    with sessions() as s, s.begin():
        (a, b) = insert_declarations(s, [values, declaration_values(buyerName="Li Lei")],
                                     [[item_values()], [item_values()]])
    with sessions() as s:
        keys = dict(s.execute(select(Declaration.id, Declaration.buyer_name_sort)).all())
    assert keys == {a: None, b: "li lei"}


def test_cli_list_sorts_by_pinyin_and_prints_tsv(db_url: str, sessions: sessionmaker[Session],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    with sessions() as s, s.begin():
        for name in NAMES:
            make_declaration(s, buyerName=name, buyerTelephone="13812345678")
    code = main(["--db", db_url, "list", "--sort", "buyerName", "--tsv"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.rstrip("\n").split("\n")
    assert lines[0].split("\t")[:5] == ["ID", "Status", "Order No.", "Waybill No.", "Buyer"]
    assert [line.split("\t")[4] for line in lines[1:]] == PINYIN_ORDER
    assert "138****5678" in out and "13812345678" not in out  # masked as for everyone


def test_platforms_sort_by_pinyin(sessions: sessionmaker[Session], actor: Actor) -> None:
    platforms = ["天猫国际", "京东国际", "阿里巴巴", "拼多多"]  # tian, jing, a, pin
    with sessions() as s, s.begin():
        for name in platforms:
            make_declaration(s, ebpName=name)
    with sessions() as s:
        ids = list(ordered_ids(s, actor, DeclarationFilter(), "ebpName"))
        names = dict(s.execute(select(Declaration.id, Declaration.ebpName)).all())
    assert [names[i] for i in ids] == ["阿里巴巴", "京东国际", "拼多多", "天猫国际"]
