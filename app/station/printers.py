"""Thermal printer profiles in the settings: set one, import and export the office's file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from app.domain.errors import ValidationError
from app.security.context import Actor, Permission, require
from app.services.settings import all_settings, set_setting
from app.station.profiles import ThermalProfile, dump_profiles, load_profiles, parse_profiles


def save_profile(session: Session, actor: Actor, profile: ThermalProfile) -> None:
    """Add or replace one profile (audited as a settings change). Caller commits."""
    require(actor, Permission.SETTINGS)
    profiles = load_profiles(all_settings(session))
    profiles[profile.name] = ThermalProfile.from_dict(profile.name, profile.as_dict())
    set_setting(session, actor, "thermalProfiles", dump_profiles(profiles))


def import_profiles(session: Session, actor: Actor, path: Path) -> list[str]:
    """Merge the profiles of a JSON file exported by another office (same names are
    replaced). Returns the names imported; raises ValidationError for a bad file."""
    require(actor, Permission.SETTINGS)
    incoming = read_profiles_file(path)
    profiles = load_profiles(all_settings(session))
    profiles.update(incoming)
    set_setting(session, actor, "thermalProfiles", dump_profiles(profiles))
    return sorted(incoming)


def export_profiles(session: Session, actor: Actor, path: Path) -> int:
    """Write every profile to `path` as JSON (temp file, then rename). Returns the count."""
    require(actor, Permission.VIEW)
    return write_profiles_file(path, load_profiles(all_settings(session)))


def read_profiles_file(path: Path) -> dict[str, ThermalProfile]:
    """The checked profiles of an exported file; raises ValidationError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("{file} cannot be read: {reason}", file=str(path),
                              reason=str(exc)) from None
    return parse_profiles(text)


def write_profiles_file(path: Path, profiles: dict[str, ThermalProfile]) -> int:
    """Write `profiles` as JSON (temp file, then rename). Returns the count."""
    fd, tmp = tempfile.mkstemp(prefix=".printers-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dump_profiles(profiles) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(profiles)
