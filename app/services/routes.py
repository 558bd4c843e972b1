"""The office's route / sort-code table: import from CSV/XLSX, list, and look up a destination.

A file row names a province, optionally a city and a district (blank = any), and the code the
sorting centre reads; the most specific row that contains a destination wins (district, then
city, then province). Names are checked against the shipped division table, so a typo is a
row-numbered error, not a row that never matches. An import replaces the whole table in the
caller's transaction: either every row is valid and the new table is in place, or nothing
changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.db.models import RouteCode
from app.domain.errors import ValidationError
from app.i18n import N_, Message, render
from app.intake.readers import open_table
from app.reference.divisions import Destination, DivisionTable, shipped_divisions
from app.security.audit import record_event
from app.security.context import Actor, Permission, require

MAX_LISTED_ERRORS = 20

# Header spellings a clerk may use (compared lower-case, spaces removed).
_HEADERS: dict[str, tuple[str, ...]] = {
    "province": ("province", "省", "省份"),
    "city": ("city", "市", "城市"),
    "district": ("district", "区", "区县", "县区", "区/县"),
    "code": ("code", "route", "routecode", "sortcode", "路由", "路由码", "分拣码", "大头笔码"),
    "description": ("description", "说明", "描述", "备注"),
}


@dataclass(frozen=True)
class Route:
    scope: str  # 6-digit code of the division the row is for
    level: str  # province | city | district
    place: str  # 广东省深圳市南山区
    code: str
    description: str

    def as_json(self) -> dict[str, str]:
        return {"scope": self.scope, "level": self.level, "place": self.place,
                "code": self.code, "description": self.description}


@dataclass(frozen=True)
class RouteImport:
    file: str
    before: int
    rows: int


class RouteFileError(ValidationError):
    """The route file has bad rows; nothing was imported. Lists each row and why."""

    def __init__(self, file: str, errors: list[Message]) -> None:
        super().__init__(N_("{file}: {count} row(s) could not be imported; nothing changed"),
                         file=file, count=len(errors))
        self.errors = tuple(errors)

    def text(self, lang: str) -> str:
        lines = [super().text(lang)] + [render(e, lang) for e in self.errors[:MAX_LISTED_ERRORS]]
        if len(self.errors) > MAX_LISTED_ERRORS:
            lines.append("…")
        return "\n".join(lines)


def list_routes(session: Session, actor: Actor) -> list[Route]:
    """The route table, by division code."""
    require(actor, Permission.VIEW)
    return [
        Route(r.scope, r.level, r.place, r.code, r.description or "")
        for r in session.execute(
            select(RouteCode.scope, RouteCode.level, RouteCode.place, RouteCode.code,
                   RouteCode.description).order_by(RouteCode.scope)
        )
    ]


def route_codes(session: Session) -> dict[str, str]:
    """scope → code, for looking up many destinations in one print run."""
    return {scope: code for scope, code in session.execute(
        select(RouteCode.scope, RouteCode.code))}


def route_for(destination: Destination, codes: Mapping[str, str]) -> str:
    """The code of the most specific row containing `destination`; "" when none does."""
    for division in (destination.district, destination.city, destination.province):
        if division is not None and division.code in codes:
            return codes[division.code]
    return ""


def import_routes(session: Session, actor: Actor, path: Path,
                  divisions: DivisionTable | None = None) -> RouteImport:
    """Replace the route table with the rows of `path` (CSV or XLSX). The caller commits.

    Raises RouteFileError listing the bad rows (unknown place, missing code, a place given
    twice); then the table is unchanged.
    """
    require(actor, Permission.ROUTES)
    table = divisions or shipped_divisions()
    opened = open_table(Path(path), header_row=1)
    columns = _columns(opened.headers, path.name)
    errors: list[Message] = []
    rows: dict[str, dict[str, str | None]] = {}
    first_row: dict[str, int] = {}
    for number, cells in opened.rows:
        values = {key: _cell(cells, index) for key, index in columns.items()}
        if not any(values.values()):
            continue
        row, problem = _row(table, values)
        if problem is not None:
            errors.append(Message(N_("Row {row}: {problem}"), {"row": number, "problem": problem}))
            continue
        assert row is not None
        scope = str(row["scope"])
        if scope in rows:
            errors.append(Message(N_("Row {row}: {place} is already in row {first}"),
                                  {"row": number, "place": row["place"],
                                   "first": first_row[scope]}))
            continue
        rows[scope] = row
        first_row[scope] = number
    if errors:
        raise RouteFileError(path.name, errors)
    if not rows:
        raise ValidationError("{file} has no route rows", file=path.name)
    before = session.scalar(select(func.count()).select_from(RouteCode)) or 0
    session.execute(delete(RouteCode))
    session.execute(insert(RouteCode), list(rows.values()))
    record_event(session, actor, "routes.import", entity="route_codes", entity_id=path.name,
                 details={"file": str(path), "before": before, "rows": len(rows)})
    return RouteImport(str(path), before, len(rows))


def _columns(headers: tuple[str, ...], name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = "".join(str(header or "").split()).lower()
        for field, spellings in _HEADERS.items():
            if key in spellings and field not in found:
                found[field] = index
    for needed in ("province", "code"):
        if needed not in found:
            raise ValidationError(
                "{file}: no “{column}” column (columns: province, city, district, code, "
                "description)", file=name, column=needed)
    return found


def _cell(cells: Sequence[object], index: int) -> str:
    value = cells[index] if index < len(cells) else None
    return "" if value is None else str(value).strip()


def _row(table: DivisionTable, values: dict[str, str]
         ) -> tuple[dict[str, str | None] | None, Message | None]:
    code = values.get("code", "")
    if not code:
        return None, Message(N_("the route code is empty"))
    if len(code) > 30:
        return None, Message(N_("the route code “{code}” is longer than 30 characters"),
                             {"code": code})
    province_name, city_name = values.get("province", ""), values.get("city", "")
    district_name = values.get("district", "")
    provinces = table.find(province_name, "province")
    if len(provinces) != 1:
        return None, Message(N_("“{name}” is not a province"), {"name": province_name})
    chosen = provinces[0]
    if city_name:
        cities = table.find(city_name, "city", chosen.code)
        if len(cities) != 1:
            return None, Message(N_("“{name}” is not a city of {parent}"),
                                 {"name": city_name, "parent": chosen.name})
        chosen = cities[0]
    if district_name:
        districts = table.find(district_name, "district", chosen.code)
        if len(districts) != 1:
            return None, Message(N_("“{name}” is not a district of {parent}"),
                                 {"name": district_name, "parent": chosen.name})
        chosen = districts[0]
    destination = table.destination(chosen)
    place = "".join(dict.fromkeys(n for n in destination.names() if n))
    return {"scope": chosen.code, "level": chosen.level, "place": place, "code": code,
            "description": values.get("description", "")[:200] or None}, None
