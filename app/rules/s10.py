"""UPU S10 item identifiers for international mail (`RR123456785CN`).

Two-letter service indicator, 8-digit serial, 1 check digit, ISO 3166-1 alpha-2 country of
the issuing post. Check digit: weights 8 6 4 2 3 5 9 7 over the serial; c = 11 − (Σ mod 11);
10 → 0, 11 → 5.
"""

from __future__ import annotations

import re
from operator import mul

S10_WEIGHTS: tuple[int, ...] = (8, 6, 4, 2, 3, 5, 9, 7)
S10_PATTERN = re.compile(r"^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$")


def s10_check_digit(serial: str) -> int:
    """The check digit for an 8-digit serial number."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError("need exactly 8 digits")
    c: int = 11 - sum(map(mul, map(int, serial), S10_WEIGHTS)) % 11
    if c == 10:
        return 0
    if c == 11:
        return 5
    return c


def looks_like_s10(value: str) -> bool:
    """True when `value` has the S10 shape (whatever its check digit)."""
    return S10_PATTERN.match(value.strip().upper()) is not None


def s10_is_valid(value: str) -> bool:
    """True for a well-formed S10 identifier with the right check digit."""
    match = S10_PATTERN.match(value.strip().upper())
    if match is None:
        return False
    return s10_check_digit(match.group(1)) == int(match.group(2))


def make_s10(service: str, serial: str, country: str = "CN") -> str:
    """Build an identifier with its check digit (demo data, tests)."""
    return f"{service.upper()}{serial}{s10_check_digit(serial)}{country.upper()}"
