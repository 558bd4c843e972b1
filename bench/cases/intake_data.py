"""Order files for the intake benchmarks: realistic Chinese platform exports, one row per item
(≈60% single-item orders), written fast (XLSX as raw SpreadsheetML with shared strings)."""

from __future__ import annotations

import csv
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

HEADERS = ["订单编号", "物流运单编号", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址",
           "商品名称", "商品编码", "规格型号", "原产国", "数量", "计量单位", "单价", "总价", "运费",
           "毛重(kg)", "净重(kg)", "电商平台代码", "备注"]
_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"]
_CITIES = ["北京市朝阳区建国路", "上海市徐汇区漕溪北路", "广州市天河区天河路", "杭州市西湖区文三路"]
_GOODS = [("婴儿配方奶粉（900克）", "0402100000", "900g/罐", "日本", "罐", "198.00"),
          ("保湿面霜", "3304990000", "50ml/瓶", "韩国", "瓶", "268.50"),
          ("维生素C片", "2106909090", "60粒/瓶", "澳大利亚", "瓶", "89.90"),
          ("运动鞋", "6404110000", "42码", "美国", "双", "459.00")]


def rows(n: int, seed: int = 7) -> Iterator[list[object]]:
    """`n` item rows; numbers are numbers (as Excel stores them), IDs are text."""
    rnd = random.Random(seed)
    order = 0
    made = 0
    while made < n:
        order += 1
        name = rnd.choice(_NAMES)
        addr = f"{rnd.choice(_CITIES)}{rnd.randint(1, 999)}号"
        phone = f"13{rnd.randint(100000000, 999999999)}"
        idno = f"11010519{rnd.randint(60, 99)}0101{rnd.randint(1000, 9999)}"[:17] + "X"
        k = 1 if rnd.random() < 0.6 else rnd.randint(2, 3)
        for _ in range(k):
            if made >= n:
                return
            g = rnd.choice(_GOODS)
            qty = rnd.randint(1, 3)
            yield [f"SO{order:010d}", f"YT{order:012d}", name, idno, phone, addr, g[0], g[1],
                   g[2], g[3], qty, g[4], float(g[5]), round(qty * float(g[5]), 2), 10.0,
                   1.25, 1.05, "1105910159", ""]
            made += 1


def write_csv(path: Path, n: int, encoding: str = "gb18030") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(rows(n))
    return path


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(path: Path, n: int) -> Path:
    """A minimal but real XLSX (shared strings, numeric cells) that Excel and calamine read."""
    strings: dict[str, int] = {}
    cols = [_col(i) for i in range(len(HEADERS))]

    def cell(ref: str, v: object) -> str:
        if isinstance(v, str):
            if not v:
                return ""
            idx = strings.setdefault(v, len(strings))
            return f'<c r="{ref}" t="s"><v>{idx}</v></c>'
        return f'<c r="{ref}"><v>{v!r}</v></c>'

    def sheet() -> Iterator[str]:
        yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
               'http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        for r, values in enumerate([HEADERS, *rows(n)], start=1):
            cells = "".join(cell(f"{c}{r}", v) for c, v in zip(cols, values, strict=True))
            yield f'<row r="{r}">{cells}</row>'
        yield "</sheetData></worksheet>"

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            for part in sheet():
                fh.write(part.encode("utf-8"))
        sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        zf.writestr("xl/sharedStrings.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas'
            f'.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="'
            f'{len(strings)}">{sst}</sst>'))
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
    return path


_NS = "http://schemas.openxmlformats.org"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Types xmlns="{_NS}/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_NS}/package/2006/relationships"><Relationship Id="rId1" '
    f'Type="{_NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_NS}/officeDocument/2006/'
    'relationships"><sheets><sheet name="订单" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_NS}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_NS}/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>')
