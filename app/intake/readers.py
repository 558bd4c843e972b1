"""One entry point that opens any supported order file as a Table."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.domain.errors import ValidationError
from app.i18n import N_
from app.intake.delimited import read_delimited
from app.intake.excel import read_excel, sheet_names
from app.intake.jsonfile import read_json
from app.intake.limits import DEFAULT_LIMITS, ReadLimits
from app.intake.sniff import FileKind, detect_kind
from app.intake.table import Table

_MSG_NOT_FOUND = N_("File “{name}” not found.")
_MSG_TOO_BIG = N_("“{name}” is larger than {limit} MB.")
_MSG_NOT_A_FILE = N_(
    "“{name}” is not a regular file (it is a folder, a pipe or a device); choose an order "
    "file."
)


def file_kind(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> FileKind:
    """The reader `path` needs. Raises ValidationError for missing, unsupported or
    non-regular files (a pipe named .csv would block the reader forever)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ValidationError(_MSG_NOT_A_FILE, name=path.name)
        # O_NONBLOCK: should the name be swapped for a pipe after the check, opening it
        # returns at once instead of waiting for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ValidationError(_MSG_NOT_A_FILE, name=path.name)
            size = info.st_size
            head = fh.read(4096)
    except FileNotFoundError as exc:
        raise ValidationError(_MSG_NOT_FOUND, name=path.name) from exc
    except IsADirectoryError as exc:
        raise ValidationError(_MSG_NOT_FOUND, name=path.name) from exc
    if size > limits.max_file_bytes:
        raise ValidationError(_MSG_TOO_BIG, name=path.name, limit=limits.max_file_bytes // 2**20)
    return detect_kind(path, head)


def list_sheets(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[str, ...]:
    """Worksheet names of a workbook; empty for CSV and JSON."""
    if file_kind(path, limits) in (FileKind.XLSX, FileKind.XLS, FileKind.ODS):
        return sheet_names(path, limits)
    return ()


def open_table(path: Path, *, sheet: str | int | None = None, header_row: int | None = None,
               encoding: str | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> Table:
    """Open `path` (XLSX/XLS/ODS/CSV/TSV/JSON) and locate its header row.

    Raises ValidationError (a UserFacingError) for anything wrong with the file itself.
    """
    kind = file_kind(path, limits)
    if kind in (FileKind.XLSX, FileKind.XLS, FileKind.ODS):
        return read_excel(path, limits, sheet, header_row)
    if kind is FileKind.JSON:
        return read_json(path, limits)
    return read_delimited(path, limits, encoding, header_row)
