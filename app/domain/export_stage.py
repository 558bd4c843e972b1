"""Where an export parcel (9610) stands after its inventory: the export chain's stages.

The declaration's status (app.domain.status) follows the inventory (CEB603/CEB604); the export
stage follows the documents around it, each taken when customs accepts it:

    waybill_sent (CEB505 handed over) → arrived (CEB507 运抵单 accepted)
    → manifested (CEB607 清单总分单 accepted) → departed (CEB509 离境单 accepted)

A stage only moves forward: a late or repeated receipt, or a step sent again, never takes a
parcel back. `advance` is pure; services store what it returns.
"""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


class ExportStage(StrEnum):
    WAYBILL_SENT = "waybill_sent"
    ARRIVED = "arrived"
    MANIFESTED = "manifested"
    DEPARTED = "departed"

    @property
    def label(self) -> str:
        """English label; translate with `app.i18n.translate(stage.label, lang)`."""
        return STAGE_LABELS[self]


STAGE_LABELS: dict[ExportStage, str] = {
    ExportStage.WAYBILL_SENT: N_("Waybill sent"),
    ExportStage.ARRIVED: N_("Arrived at site"),
    ExportStage.MANIFESTED: N_("On master bill"),
    ExportStage.DEPARTED: N_("Departed"),
}
RANK: dict[ExportStage, int] = {s: n for n, s in enumerate(ExportStage, start=1)}


def rank(stage: str | None) -> int:
    """0 for a parcel with no export stage yet (or an unknown value)."""
    try:
        return RANK[ExportStage(stage)] if stage else 0
    except ValueError:
        return 0


def advance(current: str | None, target: ExportStage) -> ExportStage | None:
    """The stage after `target` is reached: `target` when it is further on, else None
    (the parcel stays where it is)."""
    return target if RANK[target] > rank(current) else None


def below(target: ExportStage) -> tuple[str, ...]:
    """The stored values a parcel may have for `target` to move it forward (None aside)."""
    return tuple(s.value for s in ExportStage if RANK[s] < RANK[target])
