"""Random bytes and random cell values: a clear UserFacingError or a result, never a crash."""

import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import UserFacingError
from app.intake.limits import ReadLimits
from app.intake.pipeline import open_orders
from app.intake.readers import open_table

LIMITS = ReadLimits(max_rows=500, max_uncompressed_bytes=5 * 1024 * 1024)
PREFIXES = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
            b"\xff\xfe", b"[", b'{"orders": [', "订单编号,运单号\n".encode("gbk")]


def _consume(path: Path) -> None:
    try:
        table = open_table(path, limits=LIMITS)
        for _ in table.rows:
            pass
    except UserFacingError as exc:
        assert exc.text("zh_CN")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=2000),
       ext=st.sampled_from([".xlsx", ".xls", ".ods", ".csv", ".tsv", ".txt", ".json"]))
def test_random_bytes_never_crash_a_reader(prefix: bytes, body: bytes, ext: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{ext}"
        path.write_bytes(prefix + body)
        _consume(path)


def _zip_with(members: dict[str, bytes], path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=600))
def test_broken_xlsx_parts_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.xlsx"
        _zip_with({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": data,
                   "xl/worksheets/sheet1.xml": data}, path)
        _consume(path)


CELLS = st.one_of(
    st.none(), st.text(max_size=30), st.integers(-10**20, 10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.sampled_from(["1.30681E+17", "¥1,234.5", "千克", "日本", "=1+1", "合计", "", " "]),
)
HEADERS = ["订单编号", "运单号", "身份证号", "商品名称", "数量", "单价", "毛重(g)", "计量单位",
           "原产国", "进口日期"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, min_size=len(HEADERS), max_size=len(HEADERS)), max_size=8))
def test_random_cell_values_become_orders_or_row_errors(rows: list[list[object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(HEADERS)
        for row in rows:
            ws.append([_storable(v) for v in row])
        wb.save(path)
        stream = open_orders(path, limits=LIMITS)
        groups = list(stream.groups())
        assert stream.counts.rows == sum(len(g.rows) for g in groups)
        for g in groups:
            for e in g.errors:
                assert e.message.msgid and e.row >= 2


def _storable(value: object) -> object:
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable() or ch == "\n")
    return value


TEXT_CELLS = st.one_of(st.text(max_size=25), st.sampled_from(
    ["1.30681E+17", "￥1,234.5", "2024/5/1", "日本", "合计", "", "\"", "\n", "a,b", "\t"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(TEXT_CELLS, min_size=len(HEADERS), max_size=len(HEADERS)),
                     max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       delimiter=st.sampled_from([",", "\t", ";"]))
def test_random_csv_values_become_orders_or_row_errors(rows: list[list[str]], encoding: str,
                                                       delimiter: str) -> None:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
        try:
            stream = open_orders(path, limits=LIMITS)
            list(stream.groups())
        except UserFacingError as exc:
            assert exc.text("zh_CN")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["orderNo", "logisticsNo", "gname", "qty", "items", "buyer", "x"]),
        inner, max_size=4),
    max_leaves=20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_random_json_never_crashes(data: object) -> None:
    import json

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        try:
            stream = open_orders(path, limits=LIMITS)
            list(stream.groups())
        except UserFacingError as exc:
            assert exc.text("en")
