"""Thermal labels as ZPL and TSPL: bytes captured from a TCP 'printer', bitmaps turned back
into images and their barcodes decoded with zbarimg."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from app.documents.models import LabelData, Party
from app.domain.errors import ValidationError
from app.station.output import PrinterUnreachable, send_raw
from app.station.profiles import ThermalProfile, dump_profiles, parse_profiles
from app.station.thermal import bag_label, parcel_label, render

WAYBILL = "EA123456785CN"
LABEL = LabelData(
    record_id="1", waybill=WAYBILL, order_no="ORD0001", sender=Party("清关通"),
    consignee=Party("张伟", "13812345678", "广东省深圳市南山区科技园南区深南大道10000号"),
    goods_summary="婴幼儿配方奶粉×2", quantity=Decimal(2), gross_weight=Decimal("1.2"),
    declared_value=Decimal(198), label_date=dt.date(2026, 12, 4), route_code="755-A12",
    destination="粤 深圳 南山",
)


class CapturePrinter:
    """A TCP listener on 127.0.0.1 keeping the bytes of every connection (a port 9100)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self.taken = 0
        self.received = threading.Semaphore(0)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def target(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            self.jobs.append(b"".join(chunks))
            self.received.release()

    def next_job(self) -> bytes:
        """The next job received, in order (waits for it)."""
        assert self.received.acquire(timeout=10), "the printer received nothing"
        self.taken += 1
        return self.jobs[self.taken - 1]

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def printer() -> Iterator[CapturePrinter]:
    p = CapturePrinter()
    yield p
    p.close()


def zpl_graphics(data: bytes) -> list[tuple[int, int, Image.Image]]:
    """Every ^FOx,y^GFA of a ZPL label as (x, y, image)."""
    found = []
    for m in re.finditer(rb"\^FO(\d+),(\d+)\^GFA,(\d+),\d+,(\d+),([0-9A-F]+)\^FS", data):
        raw = bytes.fromhex(m[5].decode())
        row = int(m[4])
        assert len(raw) == int(m[3])
        image = Image.frombytes("1", (row * 8, len(raw) // row), bytes(b ^ 0xFF for b in raw))
        found.append((int(m[1]), int(m[2]), image))
    return found


def tspl_bitmaps(data: bytes) -> list[tuple[int, int, Image.Image]]:
    found = []
    pos = 0
    while (m := re.compile(rb"BITMAP (\d+),(\d+),(\d+),(\d+),0,").search(data, pos)):
        row, height = int(m[3]), int(m[4])
        raw = data[m.end():m.end() + row * height]
        found.append((int(m[1]), int(m[2]), Image.frombytes("1", (row * 8, height), raw)))
        pos = m.end() + row * height
    return found


def zbar(image: Image.Image, tmp_path: Path) -> list[str]:
    path = tmp_path / "label.png"
    image.convert("L").save(path)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True,
                         text=True, check=False)
    return out.stdout.split()


def dark_share(image: Image.Image) -> float:
    return image.convert("L").histogram()[0] / (image.width * image.height)


@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_bitmap_label_over_tcp_decodes(printer: CapturePrinter, tmp_path: Path,
                                           dpi: int) -> None:
    profile = ThermalProfile("zebra", "zpl", dpi=dpi, bitmap=True, target=printer.target)
    send_raw(profile.target, render(parcel_label(LABEL, Decimal("1.23")), profile))
    data = printer.next_job()
    assert data.startswith(b"^XA") and data.rstrip().endswith(b"^XZ")
    ((_, _, image),) = zpl_graphics(data)
    assert image.height == profile.dots(150)
    assert zbar(image, tmp_path) == [WAYBILL]


def test_zpl_native_barcode_and_chinese_text_as_bitmaps(printer: CapturePrinter) -> None:
    profile = ThermalProfile("zebra", "zpl", dpi=203, darkness=22, target=printer.target)
    send_raw(profile.target, render(parcel_label(LABEL, None), profile))
    data = printer.next_job()
    assert f"^BCN,{profile.dots(18)},N,N,N^FD{WAYBILL}^FS".encode() in data
    assert b"~SD22" in data and b"^PW799" in data and b"^LL1199" in data
    assert "张伟".encode() not in data and "深圳".encode() not in data
    graphics = zpl_graphics(data)
    assert len(graphics) >= 8
    # the 大头笔 line: centred, 9 mm (72 dots) high at 203 dpi, and really drawn
    dest = max(graphics, key=lambda g: g[2].height)
    assert 55 <= dest[2].height <= 80 and dark_share(dest[2]) > 0.1


def test_tspl_bitmap_label_decodes_and_native_uses_barcode(printer: CapturePrinter,
                                                           tmp_path: Path) -> None:
    profile = ThermalProfile("gprinter", "tspl", dpi=203, bitmap=True, target=printer.target)
    send_raw(profile.target, render(parcel_label(LABEL, None), profile))
    data = printer.next_job()
    assert data.startswith(b"SIZE 100 mm,150 mm") and data.endswith(b"PRINT 1,1\r\n")
    ((_, _, image),) = tspl_bitmaps(data)
    assert zbar(image, tmp_path) == [WAYBILL]
    native = render(parcel_label(LABEL, None), ThermalProfile("g", "tspl", dpi=300))
    assert re.search(rb'BARCODE \d+,\d+,"128",\d+,0,0,\d,\d,"EA123456785CN"', native)
    assert len(tspl_bitmaps(native)) >= 8


def test_bag_label_barcode_decodes(tmp_path: Path) -> None:
    data = render(bag_label("BG00000017", "755-A12", 31, Decimal("18.4")),
                  ThermalProfile("z", "zpl", bitmap=True))
    ((_, _, image),) = zpl_graphics(data)
    assert zbar(image, tmp_path) == ["BG00000017"]


def test_offsets_move_the_print() -> None:
    plain = zpl_graphics(render(parcel_label(LABEL, None), ThermalProfile("a")))
    moved = zpl_graphics(render(parcel_label(LABEL, None),
                                ThermalProfile("a", offset_x_mm=2, offset_y_mm=1)))
    assert [(x + 16, y + 8) for x, y, _ in plain] == [(x, y) for x, y, _ in moved]


def test_file_target_writes_atomically_into_a_folder(tmp_path: Path) -> None:
    send_raw(f"file:{tmp_path}", b"^XA^XZ", name="parcel-1", extension=".zpl")
    assert (tmp_path / "parcel-1.zpl").read_bytes() == b"^XA^XZ"
    assert [p.name for p in tmp_path.iterdir()] == ["parcel-1.zpl"]


def test_unreachable_printer_is_named() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.close()
    with pytest.raises(PrinterUnreachable, match=f"127.0.0.1:{port}"):
        send_raw(f"tcp://127.0.0.1:{port}", b"^XA^XZ", timeout=2)


def test_profiles_round_trip_and_are_checked() -> None:
    profiles = parse_profiles('{"仓库A": {"language": "TSPL", "dpi": 300, "darkness": 12, '
                              '"offset_x_mm": "-1.5", "target": "tcp://10.0.0.9:9100"}}')
    assert profiles["仓库A"] == ThermalProfile("仓库A", "tspl", 300, 12, offset_x_mm=-1.5,
                                               target="tcp://10.0.0.9:9100")
    assert parse_profiles(dump_profiles(profiles)) == profiles
    for bad, reason in [('{"a": {"dpi": 250}}', "dpi"), ('{"a": {"darkness": 40}}', "darkness"),
                        ('{"a": {"colour": 1}}', "colour"), ('{"a": {"dpi": "x"}}', "dpi"),
                        ('{"a": {"target": "lpt1"}}', "target"), ("[1]", "object"),
                        ("{", "JSON")]:
        with pytest.raises(ValidationError, match=reason):
            parse_profiles(bad)


def test_cups_target_hands_raw_bytes_to_lp(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bin" / "lp"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\ncat > {tmp_path}/data\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    send_raw("cups:Zebra_GK420", b"^XA^FDcups^XZ")
    assert (tmp_path / "args").read_text().split() == ["-d", "Zebra_GK420", "-o", "raw"]
    assert (tmp_path / "data").read_bytes() == b"^XA^FDcups^XZ"
    fake.write_text("#!/bin/sh\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n")
    with pytest.raises(PrinterUnreachable, match="class does not exist"):
        send_raw("cups:Zebra_GK420", b"^XA^XZ")
