"""Declaration statuses (identifiers used in the database, CLI JSON and logs).

The transitions between them are owned by `app.domain.state_machine`; this module only names
the statuses and their translated labels.
"""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


class DeclarationStatus(StrEnum):
    DRAFT = "draft"
    INVALID = "invalid"
    READY = "ready"
    QUEUED = "queued"
    SENT = "sent"
    ACCEPTED = "accepted"
    REVIEW = "review"
    INSPECTION = "inspection"
    DETAINED = "detained"
    SHIPPED_BACK = "shipped_back"  # 700 退运: customs sends the goods back
    CANCEL_REQUESTED = "cancel_requested"  # CEB623 sent, CEB624 awaited
    RELEASED = "released"
    CLEARED = "cleared"
    RETURN_REQUESTED = "return_requested"  # CEB625 sent, CEB626 awaited
    RETURNED = "returned"  # the buyer's return (退货) accepted by customs
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """English label; translate with `app.i18n.translate(status.label, lang)`."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[DeclarationStatus, str] = {
    DeclarationStatus.DRAFT: N_("Draft"),
    DeclarationStatus.INVALID: N_("Check failed"),
    DeclarationStatus.READY: N_("Ready"),
    DeclarationStatus.QUEUED: N_("Queued"),
    DeclarationStatus.SENT: N_("Sent"),
    DeclarationStatus.ACCEPTED: N_("Accepted"),
    DeclarationStatus.REVIEW: N_("Under review"),
    DeclarationStatus.INSPECTION: N_("Inspection"),
    DeclarationStatus.DETAINED: N_("Detained"),
    DeclarationStatus.SHIPPED_BACK: N_("Shipped back"),
    DeclarationStatus.CANCEL_REQUESTED: N_("Cancellation requested"),
    DeclarationStatus.RELEASED: N_("Released"),
    DeclarationStatus.CLEARED: N_("Cleared"),
    DeclarationStatus.RETURN_REQUESTED: N_("Return requested"),
    DeclarationStatus.RETURNED: N_("Returned"),
    DeclarationStatus.REJECTED: N_("Rejected"),
    DeclarationStatus.CANCELLED: N_("Cancelled"),
}

# A clerk may edit a declaration only in these statuses; later ones go through amendments.
EDITABLE_STATUSES: frozenset[DeclarationStatus] = frozenset(
    {DeclarationStatus.DRAFT, DeclarationStatus.INVALID, DeclarationStatus.READY,
     DeclarationStatus.REJECTED}
)
