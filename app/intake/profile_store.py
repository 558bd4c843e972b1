"""Saved mapping profiles (per platform or customer) in the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import MappingProfile
from app.db.types import utcnow
from app.domain.errors import NotFoundError, ValidationError
from app.i18n import N_
from app.intake.mapping import MappingSpec
from app.intake.profiles import NamedSpec, best_profile
from app.security.audit import record_event
from app.security.context import Actor, Permission, require

MSG_NO_PROFILE = N_("No mapping profile named “{name}”.")
MSG_BAD_NAME = N_("A profile name must be 1 to 100 characters.")


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    spec: MappingSpec
    headers: tuple[str, ...]


def list_profiles(session: Session) -> list[ProfileInfo]:
    rows = session.execute(select(MappingProfile).order_by(MappingProfile.name)).scalars()
    return [ProfileInfo(p.name, MappingSpec.from_dict(p.mapping, p.name), tuple(p.headers))
            for p in rows]


def get_profile(session: Session, name: str) -> MappingSpec:
    """The saved mapping called `name`. Raises NotFoundError."""
    row = session.execute(select(MappingProfile).where(MappingProfile.name == name)).scalar()
    if row is None:
        raise NotFoundError(MSG_NO_PROFILE, name=name)
    row.last_used_at = utcnow()
    return MappingSpec.from_dict(row.mapping, name)


def save_profile(session: Session, actor: Actor, name: str, spec: MappingSpec,
                 headers: Sequence[str]) -> None:
    """Create or replace the profile `name` (audited)."""
    require(actor, Permission.IMPORT)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(MSG_BAD_NAME)
    row = session.execute(select(MappingProfile).where(MappingProfile.name == name)).scalar()
    data = spec.to_dict()
    if row is None:
        session.add(MappingProfile(name=name, mapping=data, headers=list(headers),
                                   last_used_at=utcnow()))
        action = "import.profile.create"
    else:
        row.mapping = data
        row.headers = list(headers)
        row.last_used_at = utcnow()
        action = "import.profile.update"
    session.flush()
    record_event(session, actor, action, entity="mapping_profile", entity_id=name,
                 details={"mapping": data})


def propose_profile(session: Session, headers: Sequence[str]) -> str | None:
    """The name of the saved profile whose columns match `headers` best, if any fits."""
    profiles = [NamedSpec(p.name, p.spec) for p in list_profiles(session)]
    best = best_profile(headers, profiles)
    return best.name if best else None
