"""Selected grid rows as tab-separated text with headers, for pasting into Excel (Ctrl+C).

The rows are read in SQL by id, a chunk at a time (never cell by cell through the Qt model),
masked as the actor may see them, and written as Excel itself writes a copied range: one line
a row, cells separated by tabs, a cell holding a tab, a line break or a quote put in quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Declaration
from app.domain.clock import to_beijing
from app.domain.errors import ValidationError
from app.domain.status import DeclarationStatus
from app.i18n import translate
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.security.pii import mask_rows
from app.services.grid import decode
from app.services.queries import GRID_BY_KEY

CHUNK = 900  # ids in one IN (...) list, under SQLite's parameter limit
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and line feed


def rows_as_tsv(
    session: Session,
    actor: Actor,
    ids: Sequence[int],
    columns: Sequence[str],
    lang: str,
    *,
    unmasked: bool = False,
) -> str:
    """The declarations `ids` (in that order) as TSV: a header line of the `columns` (grid
    column keys) in `lang`, then one line a declaration. Identity numbers and phones come
    masked unless `unmasked` and the actor may unmask (the copy is then audited).

    Raises ValidationError for an unknown column key."""
    require(actor, Permission.VIEW)
    unknown = [k for k in columns if k not in GRID_BY_KEY]
    if unknown:
        raise ValidationError("Cannot copy the column {column}.", column=unknown[0])
    cols = [GRID_BY_KEY[k] for k in columns]
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), CHUNK):
        part = [int(i) for i in ids[start:start + CHUNK]]
        stmt = select(Declaration.id, *[c.expr for c in cols]).where(Declaration.id.in_(part))
        for stored in session.execute(stmt):
            found[int(stored[0])] = tuple(stored[1:])
    rows = mask_rows(actor, list(columns), (found[i] for i in ids if i in found),
                     unmasked=unmasked)
    if unmasked and actor.can(Permission.UNMASK) and rows:
        record_event(session, actor, "declaration.copy", entity="declaration",
                     details={"count": len(rows), "unmasked": True,
                              "ids": [int(i) for i in ids[:100]]})
    lines = ["\t".join(_cell(translate(c.header, lang)) for c in cols)]
    for row in rows:
        lines.append("\t".join(_cell(_text(col.kind, decode(col, v), lang))
                               for col, v in zip(cols, row, strict=True)))
    return "\n".join(lines) + "\n"


def _text(kind: str, value: Any, lang: str) -> str:
    if value is None:
        return ""
    if kind == "status":
        try:
            return translate(DeclarationStatus(value).label, lang)
        except ValueError:
            return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}" if kind == "dec" else str(value)
    if isinstance(value, datetime):
        return to_beijing(value).strftime("%Y-%m-%d %H:%M")  # Beijing days, as the grid
    return str(value)


def _cell(text: str) -> str:
    """One TSV cell: control characters become spaces; a cell with a tab, a line break or a
    quote is quoted (quotes doubled), so a pasted row never spills into the next cells."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n"))
    if any(ch in text for ch in '\t\n"'):
        return '"' + text.replace('"', '""') + '"'
    return text
