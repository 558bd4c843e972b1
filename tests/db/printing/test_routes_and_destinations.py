"""Labels a sorting centre can use: destination (大头笔), route codes, held parcels."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent, PrintLog, RouteCode
from app.domain.errors import PermissionDeniedError
from app.security.context import Actor, Role
from app.services.printing import HeldParcelsError, Selection, check_print, print_labels
from app.services.routes import RouteFileError, import_routes, list_routes
from tests.factories import make_declaration

ROUTES_CSV = (
    "province,city,district,code,description\n"
    "广东省,,,GD-000,广东其他\n"
    "广东省,深圳市,,SZ-100,深圳其他区\n"
    "广东,深圳,南山区,SZ-305,南山\n"
    "北京市,,朝阳区,BJ-105,\n"
)


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _csv(tmp_path: Path, text: str = ROUTES_CSV, name: str = "routes.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_replaces_the_table_and_is_audited(
    tmp_path: Path, sessions: sessionmaker[Session], actor: Actor
) -> None:
    with sessions() as session, session.begin():
        first = import_routes(session, actor, _csv(tmp_path))
    assert (first.before, first.rows) == (0, 4)
    with sessions() as session, session.begin():
        routes = list_routes(session, actor)
        assert [(r.code, r.place, r.scope) for r in routes] == [
            ("BJ-105", "北京市朝阳区", "110105"), ("GD-000", "广东省", "440000"),
            ("SZ-100", "广东省深圳市", "440300"), ("SZ-305", "广东省深圳市南山区", "440305")]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["省", "市", "区县", "分拣码", "说明"])
    sheet.append(["上海市", "", "浦东新区", "SH-115", "浦东"])
    book.save(tmp_path / "routes.xlsx")
    with sessions() as session, session.begin():
        second = import_routes(session, actor, tmp_path / "routes.xlsx")
    assert (second.before, second.rows) == (4, 1)
    with sessions() as session:
        assert session.scalars(select(RouteCode.code)).all() == ["SH-115"]
        details = session.scalars(select(AuditEvent.details)
                                  .where(AuditEvent.action == "routes.import")).all()
        assert [(d["before"], d["rows"]) for d in details] == [(0, 4), (4, 1)]


def test_bad_rows_are_listed_by_number_and_nothing_changes(
    tmp_path: Path, sessions: sessionmaker[Session], actor: Actor
) -> None:
    with sessions() as session, session.begin():
        import_routes(session, actor, _csv(tmp_path))
    bad = _csv(tmp_path, "province,city,district,code\n"
                         "广东省,深证市,,X1\n"        # row 2: typo in the city
                         "浙江省,杭州市,西湖区,\n"     # row 3: no code
                         "浙江省,杭州市,,HZ\n"
                         "浙江,杭州,,HZ2\n"            # row 5: same place as row 4
                         "火星,,,M1\n", "bad.csv")    # row 6: no such province
    with sessions() as session, session.begin(), pytest.raises(RouteFileError) as caught:
        import_routes(session, actor, bad)
    text = caught.value.text("en")
    assert "bad.csv: 4 row(s) could not be imported; nothing changed" in text
    for line in ("Row 2: “深证市” is not a city of 广东省", "Row 3: the route code is empty",
                 "Row 5: 浙江省杭州市 is already in row 4", "Row 6: “火星” is not a province"):
        assert line in text, line
    assert "第 2 行" in caught.value.text("zh_CN")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(RouteCode)) == 4


def test_a_clerk_may_not_import_routes(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    clerk = Actor("clerk", Role.CLERK)
    with sessions() as session, pytest.raises(PermissionDeniedError):
        import_routes(session, clerk, _csv(tmp_path))


def test_labels_show_the_destination_and_the_most_specific_route(
    tmp_path: Path, sessions: sessionmaker[Session], actor: Actor
) -> None:
    with sessions() as session, session.begin():
        import_routes(session, actor, _csv(tmp_path))
        ids = [make_declaration(session, status="released", consigneeAddress=address)
               for address in ("广东省深圳市南山区科技园南路88号", "深圳市福田区福华路1号",
                               "广东省广州市天河区天河路385号", "北京市朝阳区建国路88号",
                               "朝阳区建国路88号", "广东省深圳市大鹏新区葵涌街道1号")]
    target = tmp_path / "labels.pdf"
    with sessions() as session, session.begin():
        check = check_print(session, actor, Selection(ids=tuple(ids)))
        outcome = print_labels(session, actor, Selection(ids=tuple(ids)), target)
    assert check.unknown_destinations == (ids[4], ids[5]) and check.held == {}
    assert outcome.unknown_destinations == (ids[4], ids[5])
    pages = _text(target).split("\f")
    for page, (destination, code) in zip(pages[:6], [
        ("粤 深圳 南山", "SZ-305"), ("粤 深圳 福田", "SZ-100"), ("粤 广州 天河", "GD-000"),
        ("京 朝阳", "BJ-105"), ("地址无法识别 ADDRESS NOT RECOGNISED", None),
        ("粤 深圳 区县未识别 DISTRICT NOT RECOGNISED", "SZ-100"),  # the city's route
    ], strict=True):
        assert destination in " ".join(page.split()), page
        if code:
            assert code in page
    assert not any(c in pages[4] for c in ("SZ-", "GD-", "BJ-"))


def test_cli_refuses_held_parcels_unless_forced(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session], actor: Actor,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sessions() as session, session.begin():
        ok = make_declaration(session, status="accepted")
        rejected = make_declaration(session, status="rejected")
        cancelled = make_declaration(session, status="cancelled")
        ready = make_declaration(session, status="ready")
    target = tmp_path / "labels.pdf"
    ids = [str(i) for i in (ok, rejected, cancelled, ready)]
    code = main(["--db", db_url, "--lang", "en", "print", "labels", "--ids", *ids, "-o",
                 str(target)])
    out = "".join(capsys.readouterr())
    assert code == 1 and not target.exists()
    assert "3 parcel(s) are rejected, cancelled or not yet accepted" in out
    assert f"rejected: {rejected}; cancelled: {cancelled}; ready: {ready}" in out
    code = main(["--db", db_url, "print", "labels", "--ids", *ids, "-o", str(target),
                 "--force", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["labels"] == 4
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PrintLog)) == 4
        with pytest.raises(HeldParcelsError):
            print_labels(session, actor, Selection(ids=(ready,)), tmp_path / "x.pdf")


def test_cli_routes_import_and_list(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db_url, "routes", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"routes": []}
    assert main(["--db", db_url, "routes", "import", str(_csv(tmp_path)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 4
    assert main(["--db", db_url, "--lang", "zh_CN", "routes", "list"]) == 0
    out = capsys.readouterr().out
    assert "SZ-305" in out and "广东省深圳市南山区" in out and "440305" in out
    bad = _csv(tmp_path, "province,code\n火星,M1\n", "bad.csv")
    assert main(["--db", db_url, "--lang", "en", "routes", "import", str(bad)]) == 1
    assert "Row 2: “火星” is not a province" in "".join(capsys.readouterr())
