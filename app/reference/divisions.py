"""Where a parcel goes: province / city / district of a consignee address, with 6-digit codes.

The divisions come from the shipped table `resources/reference/admin_divisions.csv` (current
administrative divisions with their GB/T 2260 codes; source and licence in the README there),
not from hand-written rules. Matching walks the address from its start and, at each point,
takes the longest division name (full, or the short form of a province or city: 广东, 深圳)
that lies inside what was matched so far. A name that fits several divisions (朝阳区 is in
Beijing and in Changchun) is reported as ambiguous with its candidates — never guessed.

Why a table and not cpca/jionlp: those pull in pandas and jieba (tens of MB and a second of
cold start for a desktop app) for what is a longest-match over 3,400 names.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.i18n import N_
from app.paths import resource_path

LEVELS = ("province", "city", "district")
_LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}
# Suffixes dropped to form a short name (广东省 → 广东), longest first; kept only when at
# least two characters remain (东区 stays 东区).
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "新区",
             "省", "市", "盟", "区", "县", "旗")
_PREFIXES = ("中华人民共和国", "中国")

PROBLEM_NOT_FOUND = N_("no province, city or district found in the address")
PROBLEM_AMBIGUOUS = N_("the address fits several places: {detail}")
PROBLEM_INCOMPLETE = N_("only {detail} found: the address names no current district")


@dataclass(frozen=True)
class Division:
    code: str  # 6 digits, GB/T 2260
    name: str
    level: str  # province | city | district
    parent: str  # code of the enclosing division ("" for provinces)
    short: str  # 广东, 深圳, 南山
    abbr: str = ""  # one-character abbreviation of a province: 粤


@dataclass(frozen=True)
class Destination:
    """The result of reading an address; `problem` is empty when it is complete."""

    province: Division | None = None
    city: Division | None = None
    district: Division | None = None
    problem: str = ""  # English msgid (see PROBLEM_*), translate with its `detail`
    detail: str = ""  # what fills the msgid's placeholder

    @property
    def adcode(self) -> str:
        deepest = self.district or self.city or self.province
        return deepest.code if deepest is not None else ""

    @property
    def resolved(self) -> bool:
        return not self.problem

    def big_text(self) -> str:
        """The 大头笔 of a label: 粤 深圳 南山 (municipalities: 京 朝阳)."""
        parts: list[str] = []
        if self.province is not None:
            parts.append(self.province.abbr or self.province.short)
        if self.city is not None and self.city.name != (self.province.name
                                                        if self.province else ""):
            parts.append(self.city.short)
        if self.district is not None:
            parts.append(self.district.short)
        return " ".join(parts)

    def names(self) -> tuple[str, str, str]:
        return tuple(  # type: ignore[return-value]
            d.name if d is not None else "" for d in (self.province, self.city, self.district))


def short_name(name: str, ethnic_groups: tuple[str, ...]) -> str:
    """广西壮族自治区 → 广西, 深圳市 → 深圳, 酉阳土家族苗族自治县 → 酉阳, 东区 → 东区."""
    text = name
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            text = text[: -len(suffix)]
            break
    stripped = True
    while stripped:  # the peoples an autonomous area is named after, right to left
        stripped = False
        for group in ethnic_groups:
            for form in (group, group.removesuffix("族")):
                if form and text.endswith(form) and len(text) - len(form) >= 2:
                    text = text[: -len(form)]
                    stripped = True
                    break
            if stripped:
                break
    return text


class DivisionTable:
    """The administrative divisions, indexed for reading addresses."""

    def __init__(self, divisions: list[Division]) -> None:
        self.by_code = {d.code: d for d in divisions}
        self._keys: dict[str, list[Division]] = {}
        for d in divisions:
            names = {d.name}
            if d.level != "district":
                names.add(d.short)  # 广东…, 深圳…; district short forms are too ambiguous
            for key in names:
                self._keys.setdefault(key, []).append(d)
        self._longest = max(len(k) for k in self._keys)
        self._parents = {d.parent for d in divisions}

    def has_children(self, code: str) -> bool:
        return code in self._parents

    def find(self, name: str, level: str, within: str = "") -> list[Division]:
        """Divisions of `level` called `name` (full or short), inside division `within`."""
        name = name.strip()
        return [d for d in self.by_code.values()
                if d.level == level and name in (d.name, d.short)
                and (not within or self._inside(d, within))]

    def destination(self, division: Division) -> Destination:
        """`division` with the province and city that contain it."""
        chain = self._chain(division)
        return Destination(chain.get("province"), chain.get("city"), chain.get("district"))

    def _inside(self, division: Division, ancestor: str) -> bool:
        code = division.parent
        while code:
            if code == ancestor:
                return True
            parent = self.by_code.get(code)
            code = parent.parent if parent is not None else ""
        return False

    def resolve(self, address: str) -> Destination:
        """Province / city / district of `address`; never guesses (see module docstring)."""
        text = "".join(address.split())
        for prefix in _PREFIXES:
            text = text.removeprefix(prefix)
        pos = 0
        chosen: Division | None = None
        while pos < len(text) and (chosen is None or chosen.level != "district"):
            found = self._match_at(text, pos, chosen)
            if found is None:
                break
            length, candidates = found
            if len(candidates) > 1:
                listed = " / ".join(self._full(c) for c in candidates)
                return Destination(problem=PROBLEM_AMBIGUOUS, detail=listed)
            chosen = candidates[0]
            pos += length
        if chosen is None:
            return Destination(problem=PROBLEM_NOT_FOUND)
        destination = self.destination(chosen)
        if destination.district is None and (destination.city is None
                                             or self.has_children(destination.city.code)):
            return Destination(destination.province, destination.city, None,
                               PROBLEM_INCOMPLETE, self._full(chosen))
        return destination

    def _match_at(self, text: str, pos: int, chosen: Division | None
                  ) -> tuple[int, list[Division]] | None:
        """Longest name at `pos` deeper than and inside `chosen`; higher levels win ties."""
        rank = _LEVEL_RANK[chosen.level] if chosen is not None else -1
        for length in range(min(self._longest, len(text) - pos), 0, -1):
            matches = [
                d for d in self._keys.get(text[pos : pos + length], ())
                if _LEVEL_RANK[d.level] > rank
                and (chosen is None or self._inside(d, chosen.code))
            ]
            if matches:
                top = min(_LEVEL_RANK[d.level] for d in matches)
                return length, [d for d in matches if _LEVEL_RANK[d.level] == top]
        return None

    def _chain(self, division: Division) -> dict[str, Division]:
        chain: dict[str, Division] = {}
        current: Division | None = division
        while current is not None:
            chain.setdefault(current.level, current)
            current = self.by_code.get(current.parent) if current.parent else None
        return chain

    def _full(self, division: Division) -> str:
        chain = self._chain(division)
        names = [chain[level].name for level in LEVELS if level in chain]
        return "".join(dict.fromkeys(names))  # 北京市北京市朝阳区 → 北京市朝阳区


def load_divisions(folder: Path | None = None) -> DivisionTable:
    """Read `admin_divisions.csv` and `ethnic_groups.csv` (default: the shipped ones)."""
    base = folder if folder is not None else resource_path("reference")
    with (base / "ethnic_groups.csv").open(encoding="utf-8", newline="") as handle:
        groups = tuple(sorted((row["name"].strip() for row in csv.DictReader(handle)
                               if row["name"].strip()), key=len, reverse=True))
    with (base / "admin_divisions.csv").open(encoding="utf-8", newline="") as handle:
        divisions = [
            Division(row["code"], row["name"], row["level"], row["parent"],
                     short_name(row["name"], groups), row["abbr"])
            for row in csv.DictReader(handle)
        ]
    return DivisionTable(divisions)


@cache
def shipped_divisions() -> DivisionTable:
    """The shipped table, loaded once on first use (immutable, so sharing it is safe)."""
    return load_divisions()
