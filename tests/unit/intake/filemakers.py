"""Real order files for the intake tests, built on the fly."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

CN_HEADERS = ["订单编号", "物流运单编号", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址",
              "商品名称", "商品编码", "规格型号", "原产国", "数量", "计量单位", "单价", "总价",
              "运费", "毛重(kg)", "净重(kg)"]

CN_ROWS: list[list[Any]] = [
    ["SO1001", "YT0001", "张三", "110101199003071234", "13800000001", "北京市朝阳区建国路1号",
     "婴儿奶粉（900克）", "0402100000", "900g/罐", "日本", 2, "罐", "198.00", "396.00", "10",
     1.9, 1.8],
    ["SO1001", "YT0001", "张三", "110101199003071234", "13800000001", "北京市朝阳区建国路1号",
     "面霜", "3304990000", "50ml", "Japan", 1, "个", "￥1,250.50", "1250.5", "10", 1.9, 1.8],
    ["SO1002", "YT0002", "李四", "31010419851010123X", "13900000002", "上海市徐汇区漕溪路2号",
     "维生素片", "2106909090", "60粒/瓶", "116", 3, "瓶", "88", "264", "", 0.7, 0.6],
]


def write_xlsx(path: Path, headers: Sequence[Any], rows: Sequence[Sequence[Any]], *,
               title: str | None = None, sheet: str = "订单", extra_sheets: Sequence[str] = (),
               text_columns: Sequence[int] = ()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        ws.append([])
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    for col in text_columns:
        for cells in ws.iter_rows(min_col=col + 1, max_col=col + 1):
            for cell in cells:
                cell.number_format = "@"
    for name in extra_sheets:
        wb.create_sheet(name).append(["说明"])
    wb.save(path)
    return path


def write_csv(path: Path, headers: Sequence[Any], rows: Sequence[Sequence[Any]], *,
              encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def write_xls(path: Path, headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> Path:
    """A legacy Excel 97-2003 workbook, as older platform back-ends still export."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("订单")
    for c, h in enumerate(headers):
        ws.write(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.save(str(path))
    return path


def write_ods(path: Path, headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> Path:
    """A minimal OpenDocument spreadsheet (LibreOffice/WPS exports)."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(v: Any) -> str:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}'
                "</text:p></table:table-cell>")

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>"
                   for r in [list(headers), *rows])
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="订单">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", manifest)
    return path
