"""Printer profiles: page size, label grid, margins and calibration offsets.

A label is designed once at 100×150 mm; a profile places it on the page (scaled to fit its
cell when needed) and shifts everything by the printer's calibration offsets, so a thermal
printer whose head sits 1 mm to the left can be corrected without touching the layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from reportlab.lib.units import mm

from app.domain.errors import ValidationError

LABEL_WIDTH_MM = 100.0
LABEL_HEIGHT_MM = 150.0


@dataclass(frozen=True)
class LabelPlacement:
    """Where one label goes on its page, in points: lower-left corner and scale."""

    x: float
    y: float
    scale: float


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    page_width_mm: float
    page_height_mm: float
    columns: int = 1
    rows: int = 1
    margin_mm: float = 0.0
    gap_mm: float = 0.0
    offset_x_mm: float = 0.0  # calibration: + moves the print right
    offset_y_mm: float = 0.0  # calibration: + moves the print up

    @property
    def labels_per_page(self) -> int:
        return self.columns * self.rows

    @property
    def pagesize(self) -> tuple[float, float]:
        return (self.page_width_mm * mm, self.page_height_mm * mm)

    def placement(self, slot: int) -> LabelPlacement:
        """Placement of the `slot`-th label on a page (0 = top left, row by row)."""
        usable_w = self.page_width_mm - 2 * self.margin_mm - (self.columns - 1) * self.gap_mm
        usable_h = self.page_height_mm - 2 * self.margin_mm - (self.rows - 1) * self.gap_mm
        cell_w = usable_w / self.columns
        cell_h = usable_h / self.rows
        scale = min(1.0, cell_w / LABEL_WIDTH_MM, cell_h / LABEL_HEIGHT_MM)
        col, row = slot % self.columns, slot // self.columns
        cell_left = self.margin_mm + col * (cell_w + self.gap_mm)
        cell_top = self.page_height_mm - self.margin_mm - row * (cell_h + self.gap_mm)
        # Centre the (possibly scaled) label in its cell.
        left = cell_left + (cell_w - LABEL_WIDTH_MM * scale) / 2 + self.offset_x_mm
        bottom = (
            cell_top - cell_h + (cell_h - LABEL_HEIGHT_MM * scale) / 2 + self.offset_y_mm
        )
        return LabelPlacement(left * mm, bottom * mm, scale)


THERMAL_100X150 = PrinterProfile("thermal-100x150", LABEL_WIDTH_MM, LABEL_HEIGHT_MM)
A4_4UP = PrinterProfile("a4-4up", 210.0, 297.0, columns=2, rows=2, margin_mm=5.0, gap_mm=4.0)
BUILTIN_PROFILES: dict[str, PrinterProfile] = {p.name: p for p in (THERMAL_100X150, A4_4UP)}
DEFAULT_PROFILE = THERMAL_100X150.name

_NUMERIC_KEYS = ("page_width_mm", "page_height_mm", "margin_mm", "gap_mm",
                 "offset_x_mm", "offset_y_mm")


def get_profile(name: str | None, custom: Mapping[str, Mapping[str, str]] | None = None
                ) -> PrinterProfile:
    """A built-in or custom profile by name (`None` = the default thermal profile).

    `custom` maps profile names to settings; a custom entry may name a built-in profile as
    `base` and override only some keys (typically the calibration offsets).

    Raises ValidationError for an unknown name or a malformed number.
    """
    name = name or DEFAULT_PROFILE
    settings = (custom or {}).get(name)
    if settings is None:
        if name in BUILTIN_PROFILES:
            return BUILTIN_PROFILES[name]
        raise ValidationError(
            "Unknown printer profile {name}; known: {known}",
            name=name,
            known=", ".join(sorted({*BUILTIN_PROFILES, *(custom or {})})),
        )
    base = BUILTIN_PROFILES.get(settings.get("base", DEFAULT_PROFILE), THERMAL_100X150)
    changes: dict[str, float | int | str] = {"name": name}
    for key in _NUMERIC_KEYS:
        if key in settings:
            changes[key] = _number(name, key, settings[key])
    for key in ("columns", "rows"):
        if key in settings:
            changes[key] = max(1, int(_number(name, key, settings[key])))
    return replace(base, **changes)  # type: ignore[arg-type]


def _number(profile: str, key: str, raw: str) -> float:
    try:
        return float(Decimal(str(raw).strip()))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            "Printer profile {name}: {key} must be a number, not {value}",
            name=profile, key=key, value=raw,
        ) from None
