"""Which workstation's GUI runs the office's autopilot, and as whom.

An office setting (`autopilotWorkstation`) names the workstation, as the audit trail names it
(its host name). A supervisor choosing it here also records themself (`autopilotActingFor`):
the GUI's passes then run as the autopilot acting for that supervisor, whoever is logged in
at that desk, the way a batching rule's batches run for the supervisor who approved it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.security.context import Actor, Permission, Role, require
from app.services.settings import all_settings

WORKSTATION_KEY = "autopilotWorkstation"
ACTING_FOR_KEY = "autopilotActingFor"


def autopilot_workstation(values: dict[str, str]) -> str:
    """The chosen workstation's name ('' when no GUI runs the autopilot)."""
    return (values.get(WORKSTATION_KEY) or "").strip()


def runs_here(values: dict[str, str], workstation: str) -> bool:
    chosen = autopilot_workstation(values)
    return bool(chosen) and chosen.casefold() == workstation.strip().casefold()


def gui_actor(values: dict[str, str], workstation: str, logged_in: Actor,
              may_act: Callable[[str], bool] = lambda _name: True) -> Actor | None:
    """Who the GUI's autopilot acts as on `workstation`: the autopilot acting for the
    supervisor who chose it (while `may_act` says they still may), else the logged-in user
    when they may run it; None when neither (an administrator named the workstation in the
    settings and a clerk is logged in; the supervisor who chose it was disabled since)."""
    acting_for = (values.get(ACTING_FOR_KEY) or "").strip()
    if acting_for and may_act(acting_for):
        return Actor(f"autopilot:{acting_for}", Role.SUPERVISOR, workstation=workstation)
    if logged_in.can(Permission.AUTOPILOT):
        return logged_in
    return None


def choose_workstation(session: Session, actor: Actor, workstation: str) -> None:
    """Run the office's autopilot in the GUI of `workstation` ('' stops it there), acting
    for `actor`. A supervisor's decision, audited; every workstation sees it on its next
    look at the settings (within one autopilot interval)."""
    require(actor, Permission.AUTOPILOT)
    from app.db.engine import take_turns
    from app.db.models import Setting
    from app.security.audit import AUDIT_TURN, record_event

    take_turns(session.connection(), AUDIT_TURN)
    name = workstation.strip()[:200]
    before = autopilot_workstation(all_settings(session))
    for key, value in ((WORKSTATION_KEY, name), (ACTING_FOR_KEY, actor.name if name else "")):
        row = session.get(Setting, key, populate_existing=True)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
    record_event(session, actor, "autopilot.workstation", entity="setting",
                 entity_id=WORKSTATION_KEY,
                 details={"before": before, "after": name, "actingFor": actor.name})
