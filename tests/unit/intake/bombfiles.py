"""Small hostile spreadsheets, built on the fly: a few hundred bytes that a reader would lay
out as billions of cells."""

from __future__ import annotations

import zipfile
from pathlib import Path

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
       'package/2006/content-types"><Default Extension="rels" ContentType="application/'
       'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
       '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
       'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
       '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
       'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
       '2006/relationships"><sheets><sheet name="订单" sheetId="1" r:id="rId1"/></sheets>'
       '</workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
            '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx_with_far_cell(path: Path, far: str = "XFD1048576", dimension: str | None = None,
                       *, empty: bool = False, first: bool = False) -> Path:
    """An order sheet (header + one order) plus one cell at `far`; `dimension` is what the
    sheet declares (default: the truth); `empty` makes that cell merely formatted; `first`
    writes it before the orders (out of row order)."""
    row = int("".join(ch for ch in far if ch.isdigit()))
    header = "".join(_cell(f"{c}1", h) for c, h in zip("ABC", ["订单编号", "物流运单编号",
                                                                  "商品名称"], strict=True))
    order = "".join(_cell(f"{c}2", v) for c, v in zip("ABC", ["SO1", "YT1", "奶粉"],
                                                           strict=True))
    far_cell = f'<c r="{far}" s="1"/>' if empty else _cell(far, "x")
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:{dimension or far}"/><sheetData>'
             + (f'<row r="{row}">{far_cell}</row>' if first else "")
             + f'<row r="1">{header}</row><row r="2">{order}</row>'
             + ("" if first else f'<row r="{row}">{far_cell}</row>')
             + '</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


_ODS_CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'


def ods(path: Path, rows_xml: str) -> Path:
    """An ODS workbook with one table named 订单 holding `rows_xml`."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office='
               '"urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:'
               'names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:'
               'opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               '<office:spreadsheet><table:table table:name="订单">' + rows_xml +
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


def ods_header_row() -> str:
    return ("<table:table-row>" + "".join(_ODS_CELL.format(h) for h in
                                          ("订单编号", "物流运单编号", "商品名称")) +
            "</table:table-row>")


def ods_bomb(path: Path, rows: int = 1_048_576, columns: int = 16_384) -> Path:
    """A header, then one row with a value repeated `columns` times, repeated `rows` times."""
    cell = ('<table:table-cell office:value-type="string" table:number-columns-repeated='
            f'"{columns}"><text:p>x</text:p></table:table-cell>')
    return ods(path, ods_header_row() + f'<table:table-row table:number-rows-repeated='
                                        f'"{rows}">{cell}</table:table-row>')


def ods_with_trailing_empties(path: Path) -> Path:
    """What LibreOffice writes for a formatted sheet: the orders, then empty cells and rows
    repeated to the sheet's end (which the reader does not lay out)."""
    order = "".join(_ODS_CELL.format(v) for v in ("SO1", "YT1", "奶粉"))
    return ods(path, ods_header_row() +
               f'<table:table-row>{order}<table:table-cell table:number-columns-repeated='
               '"16381"/></table:table-row><table:table-row table:number-rows-repeated='
               '"1048574"><table:table-cell table:number-columns-repeated="16384"/>'
               '</table:table-row>')
