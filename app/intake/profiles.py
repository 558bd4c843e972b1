"""Choosing the saved mapping profile whose columns fit a file's headers best."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.intake.headers import normalise_header
from app.intake.mapping import MappingSpec


@dataclass(frozen=True)
class NamedSpec:
    name: str
    spec: MappingSpec


def profile_score(headers: Sequence[str], spec: MappingSpec) -> float:
    """Share of the profile's columns present in the file, scaled by how much of the file
    they cover: 1.0 when the file has exactly the profile's columns."""
    named = {normalise_header(h) for h in spec.columns}
    if not named:
        return 0.0
    have = {normalise_header(h) for h in headers if h}
    hit = len(named & have)
    return float((hit / len(named)) * (hit / max(len(have), 1)) ** 0.5)


def best_profile(headers: Sequence[str], profiles: Iterable[NamedSpec],
                 minimum: float = 0.5) -> NamedSpec | None:
    """The best-fitting profile, or None when none reaches `minimum`."""
    best: tuple[float, NamedSpec] | None = None
    for p in profiles:
        score = profile_score(headers, p.spec)
        if score >= minimum and (best is None or score > best[0]):
            best = (score, p)
    return best[1] if best else None
