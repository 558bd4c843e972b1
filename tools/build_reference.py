"""Build the shipped reference tables in resources/reference/ from public data + curated rows.

    python -m tools.build_reference [--source DIR] [--out DIR]

DIR defaults to ../shared/refdata (the public copies described in its SOURCES.md); the output
defaults to resources/reference/. The product ships the generated CSVs; this script is how a
developer rebuilds them. Inputs:

- the public tables (customs parameter tables of 2019-11, the 2019 China tariff and the WCO HS
  2022 six-digit structure);
- the hand-checked rows in tools/reference_curated/ (English names, ISO aliases, HS 2022 codes
  with VAT and consumption-tax rates). A curated row wins over the public row of the same
  code; the public Chinese name, when different, becomes an alias.

The output is deterministic (rows sorted by code), so running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "tools" / "reference_curated"
DEFAULT_SOURCE = ROOT.parent / "shared" / "refdata"
DEFAULT_OUT = ROOT / "resources" / "reference"

CODE_HEADER = ["code", "name_zh", "name_en", "aliases"]
HS_HEADER = ["code", "name_zh", "name_en", "unit1", "unit2", "vat_rate", "ct_rate", "source"]
HS_CURATED = "curated-hs2022"  # `source` of a hand-checked row (rates known)
HS_TARIFF_2019 = "cn-tariff-2019"  # `source` of a 2019 tariff row (no rates)

# Currency codes of the public copy that are not customs codes: `610 nzd` repeats 609 NZD
# (lower case, a typing slip in the source).
CURRENCY_DROP = {"610"}
# English names of currencies the curated table lacks (ISO 4217 names).
CURRENCY_EN = {
    "IRR": "Iranian rial", "KWD": "Kuwaiti dinar", "PKR": "Pakistani rupee",
    "DZD": "Algerian dinar", "SUR": "Soviet rouble (historical)",
    "ASF": "Clearing Swiss franc (historical)",
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def write_csv(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> int:
    rows = list(rows)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return len(rows)


def _aliases(*groups: Iterable[str], exclude: Iterable[str] = ()) -> str:
    seen: list[str] = []
    skip = {e for e in exclude if e}
    for group in groups:
        for alias in group:
            if alias and alias not in seen and alias not in skip:
                seen.append(alias)
    return "|".join(seen)


def merge_code_table(public: dict[str, tuple[str, str, list[str]]],
                     curated: list[dict[str, str]], table: str,
                     warnings: list[str]) -> list[dict[str, str]]:
    """Curated rows (English names, aliases) over the public table {code: (zh, en, aliases)}.

    A curated row whose Chinese name is the public name of another code is reported: the
    curated table has the wrong code for it (fix tools/reference_curated/). Not for customs
    districts, where 天津海关 names both the district (0200, publicly 天津关区) and its head
    office (0201)."""
    by_name = {zh: code for code, (zh, _, _) in public.items()}
    merged: dict[str, dict[str, str]] = {}
    for row in curated:
        code = row["code"]
        other = by_name.get(row["name_zh"])
        if other is not None and other != code and table != "customsCode":
            warnings.append(f"{table}: curated {code} {row['name_zh']} is {other} in the "
                            f"public table")
        public_zh, public_en, public_aliases = public.get(code, ("", "", []))
        aliases = row.get("aliases", "").split("|")
        merged[code] = {
            "code": code, "name_zh": row["name_zh"], "name_en": row["name_en"] or public_en,
            "aliases": _aliases(aliases, [public_zh], public_aliases,
                                exclude=[row["name_zh"], row["name_en"]]),
        }
    for code, (zh, en, aliases) in public.items():
        if code not in merged:
            merged[code] = {"code": code, "name_zh": zh, "name_en": en,
                            "aliases": _aliases(aliases, exclude=[zh, en])}
    return [merged[c] for c in sorted(merged)]


def build_code_tables(source: Path, out: Path, warnings: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    districts = {r["code"]: (r["name"], "", []) for r in read_csv(source / "customs_districts.csv")}
    countries = {r["code"]: (r["name"], r["code_en"], [])
                 for r in read_csv(source / "customs_countries.csv")}
    units = {r["code"]: (r["name"], "", []) for r in read_csv(source / "customs_units.csv")}
    currencies = {
        r["code"]: (r["name"], CURRENCY_EN.get(r["code_en"], ""), [r["code_en"]])
        for r in read_csv(source / "customs_currencies.csv") if r["code"] not in CURRENCY_DROP
    }
    for file, table, public in (("customs_districts.csv", "customsCode", districts),
                                ("countries.csv", "country", countries),
                                ("units.csv", "unit", units),
                                ("currencies.csv", "currency", currencies)):
        rows = merge_code_table(public, read_csv(CURATED / file), table, warnings)
        counts[file] = write_csv(out / file, CODE_HEADER, rows)
    return counts


def hs2022_subheadings(source: Path) -> dict[str, str]:
    """{six digits: English description} of the WCO HS 2022 subheadings (chapters 01–97: the
    dataset's 999999 "not specified" is no HS code)."""
    rows = read_csv(source / "hs2022" / "harmonized-system.csv")
    return {r["hscode"]: r["description"] for r in rows
            if r["level"] == "6" and r["hscode"][:2] <= "97"}


def _clip(text: str, limit: int = 250) -> str:
    """Names fit the database column (hs_codes.name_en is 250 characters)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def build_hs(source: Path, out: Path) -> dict[str, int]:
    six = hs2022_subheadings(source)
    rows: dict[str, dict[str, str]] = {}
    dropped = 0
    for r in read_csv(source / "customs_hs_codes.csv"):
        if r["code"][:6] not in six:
            dropped += 1  # its subheading was deleted or split by HS 2022
            continue
        rows[r["code"]] = {
            "code": r["code"], "name_zh": r["name"], "name_en": _clip(six[r["code"][:6]]),
            "unit1": r["unit1"], "unit2": r["unit2"], "vat_rate": "", "ct_rate": "",
            "source": HS_TARIFF_2019,
        }
    units_differ = 0
    for r in read_csv(CURATED / "hs_codes.csv"):
        old = rows.get(r["code"])
        if old is not None and (old["unit1"], old["unit2"]) != (r["unit1"], r["unit2"]):
            units_differ += 1  # listed in resources/reference/README.md; curated kept
        rows[r["code"]] = {**{k: r[k] for k in HS_HEADER[:-1]}, "source": HS_CURATED}
    written = write_csv(out / "hs_codes.csv", HS_HEADER, (rows[c] for c in sorted(rows)))
    subheadings = write_csv(out / "hs2022_subheadings.csv", ["code", "description"],
                            ({"code": c, "description": d} for c, d in sorted(six.items())))
    return {"hs_codes.csv": written, "hs2022_subheadings.csv": subheadings,
            "2019 codes dropped (not in HS 2022)": dropped,
            "curated codes whose legal units differ from 2019": units_differ}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not (args.source / "SOURCES.md").is_file():
        print(f"{args.source}: no SOURCES.md; pass --source DIR", file=sys.stderr)
        return 2
    warnings: list[str] = []
    counts = build_code_tables(args.source, args.out, warnings)
    counts.update(build_hs(args.source, args.out))
    for name, count in counts.items():
        print(f"{name}: {count}")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if warnings else 0


if __name__ == "__main__":
    raise SystemExit(main())
