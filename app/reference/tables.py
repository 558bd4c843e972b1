"""Customs reference code tables: countries, currencies, units, trade/transport modes, wrap
types, customs districts and HS codes with legal units and tax rates.

The data are UTF-8 CSV files under `resources/reference/` (header row; see the README there)
so a broker can update them when customs revises a table. Loading is pure: no database, no Qt.
The database keeps a copy (RefCode/HsCode) seeded from these files; rules that run outside the
database take a `ReferenceTables` built here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from app.domain.errors import ValidationError
from app.paths import resource_path

# Table name → CSV file name. Names are stable identifiers (also used by RefCode.table).
CODE_TABLE_FILES: dict[str, str] = {
    "country": "countries.csv",
    "currency": "currencies.csv",
    "unit": "units.csv",
    "tradeMode": "trade_modes.csv",
    "trafMode": "transport_modes.csv",
    "wrapType": "wrap_types.csv",
    "customsCode": "customs_districts.csv",
}
HS_FILE = "hs_codes.csv"
HS2022_FILE = "hs2022_subheadings.csv"  # WCO HS 2022 six-digit subheadings (the structure)
SHIPPED_HS_EDITION = "starter CN2019+HS2022"  # see resources/reference/README.md


@dataclass(frozen=True)
class CodeEntry:
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh_CN" else (self.name_en or self.name_zh)


@dataclass(frozen=True)
class HsEntry:
    """One 10-digit HS code (8-digit tariff line + 2-digit national suffix)."""

    code: str
    name_zh: str
    name_en: str
    unit1: str  # legal first unit (JGS-20 unit code)
    unit2: str | None  # legal second unit, when the tariff has one
    vat_rate: Decimal | None  # import VAT, e.g. Decimal("0.13"); None: not known
    ct_rate: Decimal | None  # ad-valorem consumption tax, 0 when none; None: not known
    source: str = ""  # where the row comes from (see resources/reference/README.md)

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh_CN" else (self.name_en or self.name_zh)

    @property
    def rates_known(self) -> bool:
        return self.vat_rate is not None and self.ct_rate is not None


@dataclass(frozen=True)
class CodeTable:
    """One code table, with lookup by code, alias (ISO codes …) or Chinese/English name."""

    name: str
    entries: Mapping[str, CodeEntry]
    _by_text: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, name: str, entries: list[CodeEntry]) -> CodeTable:
        by_code = {e.code: e for e in entries}
        by_text: dict[str, str] = {}
        for e in entries:
            for text in (e.name_zh, e.name_en, *e.aliases):
                key = text.strip().casefold()
                if key:
                    by_text.setdefault(key, e.code)
        return cls(name, by_code, by_text)

    def __contains__(self, code: object) -> bool:
        return code in self.entries

    def __iter__(self) -> Iterator[CodeEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, code: str) -> CodeEntry | None:
        return self.entries.get(code)

    def name_of(self, code: str, lang: str = "zh_CN") -> str | None:
        entry = self.entries.get(code)
        return entry.name(lang) if entry else None

    def resolve(self, text: str) -> str | None:
        """The code for `text`: a code itself, an alias or a name (case-insensitive)."""
        value = text.strip()
        if value in self.entries:
            return value
        return self._by_text.get(value.casefold())


@dataclass(frozen=True)
class ReferenceTables:
    tables: Mapping[str, CodeTable]
    hs_codes: Mapping[str, HsEntry]
    # Six-digit subheadings of the HS nomenclature (HS 2022): a code whose first six digits
    # are not here cannot exist; empty: structure unknown (every missing code is unknown).
    hs_subheadings: frozenset[str] = frozenset()
    # The CBEC retail import positive list: tariff line (10 or 8 digits) → note (备注);
    # None when no list is loaded (the rule then stays silent).
    positive_list: Mapping[str, str] | None = None
    hs_edition: str = SHIPPED_HS_EDITION  # the tariff edition these codes are (problems name it)
    list_edition: str | None = None  # the positive-list edition (None: no list)

    def table(self, name: str) -> CodeTable:
        return self.tables[name]

    @property
    def countries(self) -> CodeTable:
        return self.tables["country"]

    @property
    def currencies(self) -> CodeTable:
        return self.tables["currency"]

    @property
    def units(self) -> CodeTable:
        return self.tables["unit"]

    def hs(self, code: str) -> HsEntry | None:
        return self.hs_codes.get(code)

    def positive_note(self, code: str) -> str | None:
        """The list's note for `code` ("" when it has none); None when not on the list or
        no list is loaded."""
        listed = self.positive_list
        if listed is None:
            return None
        note = listed.get(code)
        return note if note is not None else listed.get(code[:8])


def _rows(
    text: str, source: str, required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in required if c not in (reader.fieldnames or ())]
    if missing:
        raise ValidationError(
            "Reference file {file} lacks the column(s) {columns}.",
            file=source, columns=", ".join(missing),
        )
    for line, row in enumerate(reader, start=2):
        cleaned = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(cleaned.values()):
            continue
        yield line, cleaned


def parse_code_table(name: str, text: str, source: str = "") -> CodeTable:
    """Parse a `code,name_zh,name_en[,aliases]` CSV; aliases are separated by `|`."""
    entries: list[CodeEntry] = []
    seen: set[str] = set()
    for line, row in _rows(text, source or name, ("code", "name_zh", "name_en")):
        code = row["code"]
        if not code:
            raise ValidationError("Reference file {file}, line {line}: the code is empty.",
                                  file=source or name, line=line)
        if code in seen:
            raise ValidationError("Reference file {file}, line {line}: code {code} repeats.",
                                  file=source or name, line=line, code=code)
        seen.add(code)
        aliases = tuple(a.strip() for a in row.get("aliases", "").split("|") if a.strip())
        entries.append(CodeEntry(code, row["name_zh"], row["name_en"], aliases))
    return CodeTable.build(name, entries)


def _rate(value: str, source: str, line: int) -> Decimal | None:
    if not value:
        return None  # not known: the tax estimate says it is incomplete
    try:
        rate = Decimal(value)
    except InvalidOperation:
        rate = Decimal(-1)
    if not Decimal(0) <= rate < Decimal(1):
        raise ValidationError("Reference file {file}, line {line}: {value} is not a rate "
                              "between 0 and 1.", file=source, line=line, value=value)
    return rate


def parse_hs_table(text: str, source: str = HS_FILE) -> dict[str, HsEntry]:
    """Parse `code,name_zh,name_en,unit1,unit2,vat_rate,ct_rate[,source]` (code: 10 digits;
    an empty rate means not known)."""
    result: dict[str, HsEntry] = {}
    cols = ("code", "name_zh", "name_en", "unit1", "unit2", "vat_rate", "ct_rate")
    for line, row in _rows(text, source, cols):
        code = row["code"]
        if len(code) != 10 or not code.isdigit():
            raise ValidationError("Reference file {file}, line {line}: HS code {code} is not "
                                  "10 digits.", file=source, line=line, code=code)
        if code in result:
            raise ValidationError("Reference file {file}, line {line}: code {code} repeats.",
                                  file=source, line=line, code=code)
        result[code] = HsEntry(
            code=code, name_zh=row["name_zh"], name_en=row["name_en"], unit1=row["unit1"],
            unit2=row["unit2"] or None, vat_rate=_rate(row["vat_rate"], source, line),
            ct_rate=_rate(row["ct_rate"], source, line), source=row.get("source", ""),
        )
    return result


def parse_hs_subheadings(text: str, source: str = HS2022_FILE) -> frozenset[str]:
    """The six-digit codes of a `code,description` CSV."""
    codes: set[str] = set()
    for line, row in _rows(text, source, ("code",)):
        code = row["code"]
        if len(code) != 6 or not code.isdigit():
            raise ValidationError("Reference file {file}, line {line}: HS subheading {code} "
                                  "is not 6 digits.", file=source, line=line, code=code)
        codes.add(code)
    return frozenset(codes)


@cache
def shipped_hs_subheadings() -> frozenset[str]:
    """The HS 2022 six-digit subheadings shipped in resources/reference/."""
    path = resource_path("reference") / HS2022_FILE
    return parse_hs_subheadings(path.read_text(encoding="utf-8"))


def load_reference_tables(folder: Path | None = None) -> ReferenceTables:
    """Load every table from `folder` (default: the shipped `resources/reference/`)."""
    base = folder if folder is not None else resource_path("reference")
    tables = {
        name: parse_code_table(name, (base / file).read_text(encoding="utf-8"), file)
        for name, file in CODE_TABLE_FILES.items()
    }
    hs = parse_hs_table((base / HS_FILE).read_text(encoding="utf-8"))
    structure = base / HS2022_FILE
    subheadings = (parse_hs_subheadings(structure.read_text(encoding="utf-8"))
                   if structure.is_file() else shipped_hs_subheadings())
    return ReferenceTables(tables, hs, subheadings)


@cache
def shipped_reference_tables() -> ReferenceTables:
    """The shipped tables, loaded once (immutable, so sharing them is safe)."""
    return load_reference_tables()
