"""JSON order files: a list of flat rows, or a list of orders each with a list of items.

Accepted shapes: `[{…}, …]`, or an object whose first list-of-objects value holds them
(`{"orders": [...]}`, `{"data": {"list": [...]}}`). In an order, the first key whose value is
a list of objects is its items; the order's other scalar values are repeated on every item row,
so nested files go through the same mapping as flat ones. Nested objects in an order
(`{"buyer": {"name": …}}`) are flattened with their key as prefix ("buyer.name").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError
from app.i18n import N_
from app.intake.limits import ReadLimits
from app.intake.table import CellValue, ReadPosition, Row, Table

_MSG_BAD_JSON = N_("“{name}” is not valid JSON (line {line}: {detail}).")
_MSG_SHAPE = N_("“{name}” holds no list of orders or rows.")
_MSG_TOO_BIG = N_("“{name}” is larger than {limit} MB.")
_MSG_TOO_DEEP = N_("“{name}” is nested too deeply.")
_MSG_TOO_MANY_ROWS = N_(
    "“{name}” has more than {limit} rows; split it into smaller files or raise the row limit."
)
_MSG_TOO_MANY_COLUMNS = N_("“{name}” has {count} columns; at most {limit} are allowed.")


def read_json(path: Path, limits: ReadLimits) -> Table:
    """Load a JSON order file into the common table shape. Raises ValidationError."""
    name = path.name
    if path.stat().st_size > limits.max_file_bytes:
        raise ValidationError(_MSG_TOO_BIG, name=name, limit=limits.max_file_bytes // 2**20)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError(_MSG_BAD_JSON, name=name, line=1, detail=str(exc)[:100]) from exc
    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError(_MSG_BAD_JSON, name=name, line=exc.lineno, detail=exc.msg) from exc
    except (RecursionError, ValueError) as exc:
        raise ValidationError(_MSG_TOO_DEEP, name=name) from exc
    _check_depth(data, limits.max_json_depth, name)
    records = _find_records(data)
    if records is None:
        raise ValidationError(_MSG_SHAPE, name=name)
    flat = list(_flatten(records, name, limits))
    headers: dict[str, None] = {}
    for row in flat:
        for key in row:
            headers.setdefault(key, None)
            if len(headers) > limits.max_columns:
                raise ValidationError(_MSG_TOO_MANY_COLUMNS, name=name, count=len(headers),
                                      limit=limits.max_columns)
    cols = tuple(headers)
    position = ReadPosition(0, len(flat))
    return Table(name=name, kind="json", headers=cols, header_row=0,
                 rows=_rows(flat, cols, position), position=position)


def _rows(flat: list[dict[str, CellValue]], cols: tuple[str, ...],
          position: ReadPosition) -> Iterator[tuple[int, Row]]:
    for n, row in enumerate(flat, start=1):
        position.done = n
        yield n, [row.get(c) for c in cols]


def _reject_constant(value: str) -> Any:
    raise ValueError(value)


def _check_depth(data: Any, limit: int, name: str) -> None:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise ValidationError(_MSG_TOO_DEEP, name=name)
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _find_records(data: Any) -> list[dict[str, Any]] | None:
    if isinstance(data, list):
        if data and all(isinstance(x, dict) for x in data):
            return data
        return None
    if isinstance(data, dict):
        for value in data.values():
            found = _find_records(value)
            if found is not None:
                return found
    return None


def _items_key(order: dict[str, Any]) -> str | None:
    for key, value in order.items():
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            return key
    return None


def _flatten(records: list[dict[str, Any]], name: str,
             limits: ReadLimits) -> Iterator[dict[str, CellValue]]:
    count = 0
    for record in records:
        key = _items_key(record)
        head = _scalars(record, "", skip=key)
        items = record[key] if key else [{}]
        for item in items:
            count += 1
            if count > limits.max_rows:
                raise ValidationError(_MSG_TOO_MANY_ROWS, name=name, limit=limits.max_rows)
            yield {**head, **_scalars(item, "", skip=None)}


def _scalars(obj: dict[str, Any], prefix: str, skip: str | None) -> dict[str, CellValue]:
    out: dict[str, CellValue] = {}
    for key, value in obj.items():
        if key == skip:
            continue
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_scalars(value, f"{full}.", None))
        elif isinstance(value, list):
            out[full] = ", ".join(str(v) for v in value if not isinstance(v, dict | list))
        elif value is None or isinstance(value, str | bool):
            out[full] = value
        else:
            out[full] = str(value)
    return out
