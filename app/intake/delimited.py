"""CSV / TSV in the encodings Chinese platforms produce, with delimiter sniffing.

Streaming: the file is decoded incrementally, so a million-row file never sits in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from app.domain.errors import ValidationError
from app.i18n import N_
from app.intake.limits import ReadLimits
from app.intake.table import ReadPosition, Row, Table, locate_header

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", "\t", ";", "|")

_MSG_BINARY = N_("“{name}” is not a text file (it contains binary data).")
_MSG_ENCODING = N_(
    "“{name}” is not valid {encoding} text after row {row}. Save it as UTF-8 CSV, or set "
    "the encoding in the mapping."
)
_MSG_UNKNOWN_ENCODING = N_("Unknown text encoding “{encoding}”.")
_MSG_BAD_CSV = N_("“{name}” could not be read as CSV at row {row}: {detail}.")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(sample: bytes, at_eof: bool) -> str:
    """The encoding of a text file judged from its first bytes.

    BOMs decide first; then strict UTF-8; then GB18030 (a superset of GBK and GB2312, which
    is what "ANSI" CSV from Chinese Excel is); charset-normalizer as a last resort.
    Raises ValidationError for binary data.
    """
    for bom, enc in _BOMS:
        if sample.startswith(bom):
            return enc
    if b"\x00" in sample:
        raise ValidationError(_MSG_BINARY, name="")
    if _decodes(sample, "utf-8", at_eof):
        return "utf-8"
    if _decodes(sample, "gb18030", at_eof):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise ValidationError(_MSG_BINARY, name="")
    return str(best.encoding)


def _decodes(sample: bytes, encoding: str, at_eof: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(sample, final=at_eof)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(text: str, suffix: str) -> str:
    """The delimiter giving the most consistent multi-column table in the first lines."""
    best, best_score = ("\t" if suffix == ".tsv" else ","), 0.0
    for delim in DELIMITERS:
        try:
            rows = list(_limited(csv.reader(io.StringIO(text), delimiter=delim), 50))
        except csv.Error:
            continue
        if len(rows) > 1 and not text.endswith(("\n", "\r")):
            rows = rows[:-1]  # the sample may cut the last record
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        score = common * widths.count(common) / len(widths)
        if score > best_score:
            best, best_score = delim, score
    return best


def _limited(reader: Iterator[list[str]], n: int) -> Iterator[list[str]]:
    for i, row in enumerate(reader):
        if i >= n:
            return
        yield row


def read_delimited(path: Path, limits: ReadLimits, encoding: str | None = None,
                   header_row: int | None = None, delimiter: str | None = None) -> Table:
    """Open a CSV/TSV file and locate its header. Raises ValidationError on unreadable text."""
    name = path.name
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
        at_eof = not fh.read(1)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ValidationError(_MSG_UNKNOWN_ENCODING, encoding=encoding) from exc
        enc = encoding
    else:
        try:
            enc = detect_encoding(sample, at_eof)
        except ValidationError as exc:
            raise ValidationError(_MSG_BINARY, name=name) from exc
    text_sample = sample.decode(enc, errors="replace")
    if _looks_binary(text_sample):
        raise ValidationError(_MSG_BINARY, name=name)
    delim = delimiter or sniff_delimiter(text_sample.lstrip("\ufeff"), path.suffix.lower())
    position = ReadPosition(0, path.stat().st_size)
    raw = _records(path, enc, delim, name, position)
    headers, hrow, data = locate_header(name, raw, limits, header_row)
    return Table(name=name, kind="csv", headers=headers, header_row=hrow, rows=data,
                 encoding=enc, delimiter=delim, position=position)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    return controls > max(2, len(text) // 100) or "\x00" in text


def _records(path: Path, encoding: str, delimiter: str, name: str,
             position: ReadPosition) -> Iterator[Row]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        row = 0
        try:
            for record in reader:
                row += 1
                if not row & 1023:
                    position.done = raw.tell()
                if row == 1 and record and record[0].startswith("\ufeff"):
                    record[0] = record[0][1:]
                yield cast(Row, record)
            position.done = position.total
        except UnicodeDecodeError as exc:
            raise ValidationError(_MSG_ENCODING, name=name, encoding=encoding,
                                  row=row) from exc
        except csv.Error as exc:
            raise ValidationError(_MSG_BAD_CSV, name=name, row=row + 1,
                                  detail=str(exc)[:200]) from exc
