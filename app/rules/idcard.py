"""PRC resident identity card numbers (GB 11643-1999, 18 characters).

Layout: 6-digit area code + 8-digit birth date YYYYMMDD + 3-digit sequence + check character
(ISO 7064 MOD 11-2; `X` stands for 10). First-generation 15-digit numbers are obsolete and
refused. A lowercase `x` is accepted and normalised to `X`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import mul

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ASCII_ZERO_WEIGHT = ord("0") * sum(WEIGHTS)
_SHAPE = re.compile(r"^\d{17}[\dX]$")
EARLIEST_BIRTH = date(1900, 1, 1)


class IdProblem(StrEnum):
    LENGTH = "length"  # not 18 characters (15-digit IDs included)
    CHARACTERS = "characters"  # not 17 digits + digit/X
    BIRTH_DATE = "birth_date"  # not a real calendar date (or before 1900)
    FUTURE = "future"  # birth date after today
    CHECKSUM = "checksum"  # check character wrong


@dataclass(frozen=True)
class IdCheck:
    number: str  # normalised (trimmed, X uppercase)
    problem: IdProblem | None
    expected_check: str | None = None  # for CHECKSUM: what the last character should be

    @property
    def ok(self) -> bool:
        return self.problem is None


def normalise_id_number(value: str) -> str:
    """Trim, drop inner spaces and uppercase a trailing x."""
    text = "".join(value.split())
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    if first17.isascii():  # ASCII digits: their byte values less 48 each, summed at C speed
        total = sum(map(mul, first17.encode("ascii"), WEIGHTS)) - _ASCII_ZERO_WEIGHT
    else:
        total = sum(map(mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def birth_date(number: str) -> date | None:
    """The birth date encoded in an 18-character number, or None when it is not a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def check_id_number(value: str, today: date) -> IdCheck:
    """Validate a resident ID number; `today` bounds the birth date."""
    number = normalise_id_number(value)
    if len(number) != 18:
        return IdCheck(number, IdProblem.LENGTH)
    if not _SHAPE.match(number):
        return IdCheck(number, IdProblem.CHARACTERS)
    born = birth_date(number)
    if born is None or born < EARLIEST_BIRTH:
        return IdCheck(number, IdProblem.BIRTH_DATE)
    if born > today:
        return IdCheck(number, IdProblem.FUTURE)
    expected = check_character(number[:17])
    if number[17] != expected:
        return IdCheck(number, IdProblem.CHECKSUM, expected)
    return IdCheck(number, None)
