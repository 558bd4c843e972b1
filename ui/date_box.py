"""DateBox: a date entry that takes a day typed as 20261101, 2026/11/1 or 2026-11-01.

A QDateEdit only accepts text in its display format, section by section. The clerk types a
whole day the way Excel allows; `app.domain.dates.parse_day` (the one parser) reads it, and
the box shows it back as yyyy-MM-dd. The calendar pop-up and arrow keys still work.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDateEdit, QWidget

from app.domain.dates import could_become_day, parse_day
from app.domain.errors import ValidationError

DISPLAY_FORMAT = "yyyy-MM-dd"


def _typed_day(text: str) -> date | None:
    try:
        return parse_day(text)
    except ValidationError:
        return None


class DateBox(QDateEdit):
    def __init__(self, day: date | QDate | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DISPLAY_FORMAT)
        self.setCalendarPopup(True)
        if isinstance(day, date):
            self.setDate(QDate(day.year, day.month, day.day))
        elif isinstance(day, QDate):
            self.setDate(day)

    def day(self) -> date:
        d = self.date()
        return date(d.year(), d.month(), d.day())

    def set_day(self, day: date) -> None:
        self.setDate(QDate(day.year, day.month, day.day))

    # --- QAbstractSpinBox hooks: typed text goes through parse_day ----------------------
    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if _typed_day(text) is not None:
            return QValidator.State.Acceptable, text, pos
        if could_become_day(text):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def fixup(self, text: str) -> str:
        day = _typed_day(text)
        return day.isoformat() if day is not None else text

    def dateTimeFromText(self, text: str) -> QDateTime:
        day = _typed_day(text)
        if day is None:
            return self.dateTime()
        return QDateTime(QDate(day.year, day.month, day.day), QTime(0, 0))
