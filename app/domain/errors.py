"""User-fixable errors: shown plainly in the user's language, never as a traceback."""

from __future__ import annotations

from typing import Any

from app.i18n import N_, Message, render


class UserFacingError(Exception):
    """An error the user can fix. Carries an untranslated message rendered at the edge.

    `msgid` is the English text with `{name}` placeholders; it is also the key into the
    zh_CN catalogue. Raise subclasses so callers can tell the kinds apart.
    """

    def __init__(self, msgid: str, **params: Any) -> None:
        self.message = Message(msgid, params)
        super().__init__(render(self.message, "en"))

    def text(self, lang: str) -> str:
        return render(self.message, lang)


class NotFoundError(UserFacingError):
    """The record, batch or file named by the user does not exist."""


class ValidationError(UserFacingError):
    """Input the user supplied is malformed."""


class ConflictError(UserFacingError):
    """Someone else changed the record, or the action clashes with its state."""


class PermissionDeniedError(UserFacingError):
    """The current user's role may not do this."""


class SchemaTooNewError(UserFacingError):
    """The database was written by a newer ClearDesk build."""


class DatabaseBusyError(ConflictError):
    """Another workstation or command kept the database busy longer than we queue for it."""

    def __init__(self) -> None:
        super().__init__(N_("Another workstation or command is writing to the database, so "
                            "nothing was changed. Try again in a moment."))


class ConcurrentChangeError(ConflictError):
    """Another workstation changed the same records at the same moment (a lost race, a
    deadlock the database broke); this transaction was rolled back whole."""

    def __init__(self) -> None:
        super().__init__(N_("Another workstation changed the same records at the same moment, "
                            "so nothing was changed. Try again."))


class DuplicateDeclarationError(ConflictError):
    """Another declaration (perhaps just written by another workstation) has this order or
    waybill number; nothing was changed."""

    def __init__(self, field: str) -> None:
        if field == "logisticsNo":
            msgid = N_("Another declaration already has this waybill number (perhaps just "
                       "entered on another workstation), so nothing was changed. Refresh and "
                       "check the waybill.")
        else:
            msgid = N_("Another declaration already has this order number for this platform "
                       "(perhaps just imported on another workstation), so nothing was "
                       "changed. Refresh and check the order.")
        super().__init__(msgid)
        self.field = field


class Cancelled(Exception):
    """Raised inside a job when the user pressed Cancel; callers stay silent."""
