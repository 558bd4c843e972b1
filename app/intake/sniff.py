"""What kind of file this really is, judged by its first bytes and then its extension."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from app.domain.errors import ValidationError
from app.i18n import N_

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileKind(StrEnum):
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"
    CSV = "csv"
    JSON = "json"


EXCEL_EXTENSIONS = {".xlsx": FileKind.XLSX, ".xlsm": FileKind.XLSX, ".xlsb": FileKind.XLSX,
                    ".xls": FileKind.XLS, ".ods": FileKind.ODS}
TEXT_EXTENSIONS = {".csv": FileKind.CSV, ".tsv": FileKind.CSV, ".txt": FileKind.CSV,
                   ".json": FileKind.JSON}
SUPPORTED = ".xlsx .xls .ods .csv .tsv .txt .json"

_MSG_UNSUPPORTED = N_("“{name}” is not a file ClearDesk can import (supported: {supported}).")
_MSG_EMPTY = N_("“{name}” is empty.")
_MSG_BINARY_AS_TEXT = N_(
    "“{name}” is an Excel or other binary file but its name ends in “{ext}”. "
    "Rename it to .xlsx (or .xls) and import it again."
)
_MSG_HTML = N_(
    "“{name}” is a web page saved with a spreadsheet name. Open it in Excel and save it "
    "as an .xlsx workbook, then import that."
)


def detect_kind(path: Path, head: bytes) -> FileKind:
    """The reader to use for `path`, whose first bytes are `head`.

    Content wins over the extension when it is safe: text named .xls (a common platform
    export) is read as delimited text. A binary file named like a text file is refused.
    Raises ValidationError for empty, unsupported or mislabelled files.
    """
    name = path.name
    ext = path.suffix.lower()
    if not head:
        raise ValidationError(_MSG_EMPTY, name=name)
    if ext not in EXCEL_EXTENSIONS and ext not in TEXT_EXTENSIONS:
        raise ValidationError(_MSG_UNSUPPORTED, name=name, supported=SUPPORTED)
    if head.startswith(ZIP_MAGIC):
        if ext in TEXT_EXTENSIONS:
            raise ValidationError(_MSG_BINARY_AS_TEXT, name=name, ext=ext)
        return FileKind.ODS if ext == ".ods" else FileKind.XLSX
    if head.startswith(OLE_MAGIC):
        if ext in TEXT_EXTENSIONS:
            raise ValidationError(_MSG_BINARY_AS_TEXT, name=name, ext=ext)
        return FileKind.XLS
    stripped = _strip_text_bom(head).lstrip()
    if stripped[:15].lower().startswith((b"<!doctype html", b"<html", b"<table")):
        raise ValidationError(_MSG_HTML, name=name)
    if ext == ".json":
        return FileKind.JSON
    if ext in TEXT_EXTENSIONS:
        return FileKind.CSV
    # Named like a workbook but neither zip nor OLE: platforms often export TSV/CSV as .xls.
    if stripped[:1] in (b"[", b"{"):
        return FileKind.JSON
    return FileKind.CSV


def _strip_text_bom(head: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            return head[len(bom):].replace(b"\x00", b"")
    return head
