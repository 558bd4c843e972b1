"""Saved grid views (named filter + sort + visible columns) and the filter lists of the grid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Declaration, SavedView
from app.domain.clock import to_beijing
from app.domain.errors import NotFoundError, ValidationError
from app.security.context import Actor, Permission, require
from app.services.queries import GRID_BY_KEY, MAX_SEARCH_LENGTH, DeclarationFilter


@dataclass(frozen=True)
class ViewSpec:
    filter: DeclarationFilter = field(default_factory=DeclarationFilter)
    sort: str = "id"
    descending: bool = True
    columns: tuple[str, ...] = ()  # visible column keys in order; () = all


def filter_to_dict(flt: DeclarationFilter) -> dict[str, Any]:
    return {
        "statuses": list(flt.statuses), "search": flt.search, "batchId": flt.batch_id,
        "importJobId": flt.import_job_id, "platform": flt.platform,
        "createdFrom": flt.created_from.isoformat() if flt.created_from else None,
        "createdTo": flt.created_to.isoformat() if flt.created_to else None,
        "hasProblems": flt.has_problems, "problemCode": flt.problem_code,
        "exportStages": list(flt.export_stages),
    }


def filter_from_dict(data: dict[str, Any]) -> DeclarationFilter:
    def day(v: Any) -> date | None:
        return date.fromisoformat(v) if v else None

    return DeclarationFilter(
        statuses=tuple(data.get("statuses") or ()),
        search=(data.get("search") or "")[:MAX_SEARCH_LENGTH],
        batch_id=data.get("batchId"), import_job_id=data.get("importJobId"),
        platform=data.get("platform"), created_from=day(data.get("createdFrom")),
        created_to=day(data.get("createdTo")), has_problems=data.get("hasProblems"),
        problem_code=data.get("problemCode"),
        export_stages=tuple(data.get("exportStages") or ()),
    )


def spec_to_dict(spec: ViewSpec) -> dict[str, Any]:
    return {"filter": filter_to_dict(spec.filter), "sort": spec.sort,
            "descending": spec.descending, "columns": list(spec.columns)}


def spec_from_dict(data: dict[str, Any]) -> ViewSpec:
    sort = data.get("sort") or "id"
    return ViewSpec(
        filter_from_dict(data.get("filter") or {}),
        sort if sort in GRID_BY_KEY else "id",
        bool(data.get("descending", True)),
        tuple(k for k in data.get("columns") or () if k in GRID_BY_KEY),
    )


def list_views(session: Session, actor: Actor) -> list[tuple[str, ViewSpec]]:
    require(actor, Permission.VIEW)
    rows = session.execute(select(SavedView.name, SavedView.spec)
                           .where(SavedView.user_name == actor.name).order_by(SavedView.name))
    return [(name, spec_from_dict(spec)) for name, spec in rows]


def save_view(session: Session, actor: Actor, name: str, spec: ViewSpec) -> None:
    """Create or replace the actor's view called `name`."""
    require(actor, Permission.VIEW)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError("A view name needs 1 to 100 characters.")
    row = session.execute(select(SavedView).where(
        SavedView.user_name == actor.name, SavedView.name == name)).scalar_one_or_none()
    if row is None:
        session.add(SavedView(user_name=actor.name, name=name, spec=spec_to_dict(spec)))
    else:
        row.spec = spec_to_dict(spec)
    session.flush()


def delete_view(session: Session, actor: Actor, name: str) -> None:
    require(actor, Permission.VIEW)
    row = session.execute(select(SavedView).where(
        SavedView.user_name == actor.name, SavedView.name == name)).scalar_one_or_none()
    if row is None:
        raise NotFoundError("No saved view called {name}.", name=name)
    session.delete(row)


@dataclass(frozen=True)
class FilterChoices:
    batches: tuple[tuple[int, str], ...]
    import_jobs: tuple[tuple[int, str], ...]
    platforms: tuple[str, ...]


def filter_choices(session: Session, actor: Actor, limit: int = 200) -> FilterChoices:
    """Recent batches and import files, and the platforms present, for the filter bar."""
    # The batch and import tables: read after the first page, not loaded before it.
    from app.db.models import Batch, ImportJob

    require(actor, Permission.VIEW)
    batches = tuple((int(i), str(n)) for i, n in session.execute(
        select(Batch.id, Batch.batch_no).order_by(Batch.id.desc()).limit(limit)))
    # Files keep their platform's name ("orders.xlsx" every day): the import time (Beijing)
    # tells two imports of the same name apart.
    jobs = tuple((int(i), f"{n} · {to_beijing(at):%Y-%m-%d %H:%M}") for i, n, at in session.execute(
        select(ImportJob.id, ImportJob.file_name, ImportJob.started_at)
        .order_by(ImportJob.id.desc()).limit(limit)))
    platforms = tuple(str(p) for (p,) in session.execute(
        select(Declaration.ebpName).distinct().where(Declaration.ebpName.is_not(None))
        .order_by(Declaration.ebpName).limit(limit)))
    return FilterChoices(batches, jobs, platforms)


def status_counts(session: Session, actor: Actor, flt: DeclarationFilter) -> dict[str, int]:
    """Declarations per status under `flt` ignoring its own status restriction."""
    require(actor, Permission.VIEW)
    base = DeclarationFilter(**{**flt.__dict__, "statuses": ()})
    rows = session.execute(select(Declaration.status, func.count())
                           .where(base.where()).group_by(Declaration.status))
    return {str(s): int(n) for s, n in rows}
