"""Thermal printer profiles: language, resolution, darkness, label size, offsets, output.

Profiles live in the setting `thermalProfiles` as JSON (name → fields) so they travel with
the database, and can be exported to / imported from a JSON file so one office hands its
calibration to another. Every field is checked; a bad one is named with its profile.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from app.domain.errors import ValidationError

LANGUAGES = ("zpl", "tspl")
DPIS = (203, 300, 600)


@dataclass(frozen=True)
class ThermalProfile:
    name: str
    language: str = "zpl"  # zpl | tspl
    dpi: int = 203
    darkness: int = 15  # 0-30 (ZPL ~SD; TSPL DENSITY gets half)
    width_mm: float = 100.0
    height_mm: float = 150.0
    offset_x_mm: float = 0.0  # calibration: + moves the print right
    offset_y_mm: float = 0.0  # calibration: + moves the print down
    bitmap: bool = False  # the whole label as one bitmap (barcodes too)
    target: str = ""  # tcp://host:9100 | file:/path/labels.zpl | cups:QUEUE

    def dots(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["name"]
        return data

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> ThermalProfile:
        """A checked profile; raises ValidationError naming the profile and field."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {"name": name}
        for key, raw in data.items():
            if key not in known or key == "name":
                raise ValidationError("Printer profile {name}: unknown field {key}",
                                      name=name, key=key)
            values[key] = _value(name, key, raw)
        profile = cls(**values)
        if profile.language not in LANGUAGES:
            raise ValidationError("Printer profile {name}: language must be one of {known}",
                                  name=name, known=", ".join(LANGUAGES))
        if profile.dpi not in DPIS:
            raise ValidationError("Printer profile {name}: dpi must be one of {known}",
                                  name=name, known=", ".join(str(d) for d in DPIS))
        if not 0 <= profile.darkness <= 30:
            raise ValidationError("Printer profile {name}: darkness must be 0 to 30",
                                  name=name)
        if not (10 <= profile.width_mm <= 220 and 10 <= profile.height_mm <= 400):
            raise ValidationError("Printer profile {name}: the label size is out of range",
                                  name=name)
        if profile.target and not profile.target.startswith(("tcp://", "file:", "cups:")):
            raise ValidationError(
                "Printer profile {name}: target must start with tcp://, file: or cups:",
                name=name)
        return profile


def _value(name: str, key: str, raw: Any) -> Any:
    try:
        if key in ("dpi", "darkness"):
            return int(raw)
        if key.endswith("_mm"):
            return float(raw)
        if key == "bitmap":
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        return str(raw).strip().lower() if key == "language" else str(raw).strip()
    except (TypeError, ValueError):
        raise ValidationError("Printer profile {name}: {key} must be a number, not {value}",
                              name=name, key=key, value=str(raw)) from None


def parse_profiles(text: str) -> dict[str, ThermalProfile]:
    """Profiles from JSON (`{"name": {fields}}`); raises ValidationError."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError("The printer profiles are not valid JSON: {reason}",
                              reason=str(exc)) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValidationError("The printer profiles must be a JSON object of profiles")
    return {str(k): ThermalProfile.from_dict(str(k), v) for k, v in data.items()}


def dump_profiles(profiles: Mapping[str, ThermalProfile]) -> str:
    return json.dumps({n: p.as_dict() for n, p in sorted(profiles.items())},
                      ensure_ascii=False, indent=2)


def load_profiles(settings: Mapping[str, str]) -> dict[str, ThermalProfile]:
    """The office's thermal profiles (setting `thermalProfiles`)."""
    return parse_profiles(settings.get("thermalProfiles") or "")


def station_profile(settings: Mapping[str, str], name: str | None = None) -> ThermalProfile:
    """The profile `name` (default: the setting `stationPrinter`); raises ValidationError."""
    profiles = load_profiles(settings)
    chosen = (name or settings.get("stationPrinter") or "").strip()
    if not chosen and len(profiles) == 1:
        chosen = next(iter(profiles))
    if chosen not in profiles:
        raise ValidationError(
            "No thermal printer profile {name}; known: {known} (cleardesk station printers)",
            name=chosen or "-", known=", ".join(sorted(profiles)) or "-")
    return profiles[chosen]
