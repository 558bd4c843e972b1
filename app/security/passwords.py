"""Password policy and hashing (argon2id, a memory-hard KDF with a random salt per hash).

The stored value is argon2's self-describing PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`),
so parameters can be raised later: `verify()` reports when a stored hash is weaker than the
current parameters and the caller re-hashes the password on the next successful login.
"""

from __future__ import annotations

import base64
import secrets
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.domain.errors import ValidationError
from app.i18n import N_, Message

if TYPE_CHECKING:
    import argon2
# argon2 and zxcvbn (its word lists take a while to load) are imported when a password is
# hashed, verified or judged, not by every command that only lists declarations.

# zxcvbn scores 0 (a top breached password) to 4 (strong); 3 means about 10^10 guesses, out
# of reach of an online attacker and costly offline against argon2id.
MIN_STRENGTH = 3
# Words every guesser of this installation would try along with the user name.
_CONTEXT_WORDS = ("cleardesk", "customs", "broker", "admin", "clerk", "supervisor")

MAX_PASSWORD_LENGTH = 1024  # hashing cost grows with length; refuse absurd input


@dataclass(frozen=True)
class PasswordPolicy:
    """Minimum rules for a new password.

    `min_classes` counts the kinds of characters used: letters, digits, anything else.
    """

    min_length: int = 10
    min_classes: int = 2
    min_strength: int = MIN_STRENGTH  # zxcvbn score, 0–4

    def problems(self, password: str, *, username: str | None = None) -> list[Message]:
        """Every rule `password` breaks, as messages for the user (empty when it is fine)."""
        found: list[Message] = []
        if len(password) < self.min_length:
            found.append(
                Message(
                    N_("The password must have at least {min} characters."),
                    {"min": self.min_length},
                )
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            found.append(
                Message(
                    N_("The password must have at most {max} characters."),
                    {"max": MAX_PASSWORD_LENGTH},
                )
            )
        if _character_classes(password) < self.min_classes:
            found.append(
                Message(
                    N_("The password must mix at least {n} of: letters, digits, other symbols."),
                    {"n": self.min_classes},
                )
            )
        folded = password.casefold()
        if (len(password) <= MAX_PASSWORD_LENGTH
                and _strength(password, username) < self.min_strength):
            found.append(Message(N_("This password is too common or too easy to guess (a "
                                    "well-known password, a word with digits, a keyboard "
                                    "pattern or a date); add unrelated words.")))
        if username and len(username) >= 3 and username.casefold() in folded:
            found.append(Message(N_("The password must not contain the user name.")))
        return found

    def enforce(self, password: str, *, username: str | None = None) -> None:
        """Raise ValidationError naming the first rule `password` breaks."""
        problems = self.problems(password, username=username)
        if problems:
            first = problems[0]
            raise ValidationError(first.msgid, **dict(first.params))


def _strength(password: str, username: str | None) -> int:
    """zxcvbn's score: its frequency lists hold the most common breached passwords, words,
    names and keyboard patterns, and it sees through l33t, dates and repeats."""
    if not password:
        return 0  # zxcvbn fails on the empty string
    from zxcvbn import zxcvbn

    words = [*_CONTEXT_WORDS, *([username] if username else [])]
    # zxcvbn's cost grows with length; the first 100 characters decide the score well enough.
    return int(zxcvbn(password[:100], user_inputs=words)["score"])


def _character_classes(password: str) -> int:
    letters = digits = others = False
    for ch in password:
        if ch.isdigit():
            digits = True
        elif ch.isalpha():
            letters = True
        elif not ch.isspace() or ch == " ":
            others = True
    return int(letters) + int(digits) + int(others)


@dataclass(frozen=True)
class HashParameters:
    """argon2id cost. The defaults follow RFC 9106's second recommended option (64 MiB)."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


DEFAULT_PARAMETERS = HashParameters()
# For tests only: the same algorithm at a cost that takes microseconds.
FAST_TEST_PARAMETERS = HashParameters(time_cost=1, memory_cost_kib=8, parallelism=1)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    needs_rehash: bool = False


class PasswordHasher:
    """Hash and verify passwords with argon2id and a fresh 16-byte salt per hash."""

    def __init__(self, parameters: HashParameters | None = None) -> None:
        # Looked up at call time so a test session can swap in FAST_TEST_PARAMETERS.
        self._parameters = parameters = parameters or DEFAULT_PARAMETERS
        self._argon2: argon2.PasswordHasher | None = None  # built on first use
        # A random hash at the same cost: verifying against it takes as long as a real one,
        # from the first call on (hashing one at the first call would take twice as long).
        cost = f"m={parameters.memory_cost_kib},t={parameters.time_cost},p={parameters.parallelism}"
        salt, digest = _b64(secrets.token_bytes(16)), _b64(secrets.token_bytes(32))
        self._dummy = f"$argon2id$v=19${cost}${salt}${digest}"

    @property
    def _hasher(self) -> argon2.PasswordHasher:
        if self._argon2 is None:
            import argon2

            p = self._parameters
            self._argon2 = argon2.PasswordHasher(
                time_cost=p.time_cost, memory_cost=p.memory_cost_kib, parallelism=p.parallelism,
                hash_len=32, salt_len=16, type=argon2.Type.ID,
            )
        return self._argon2

    def hash(self, password: str) -> str:
        """The PHC string to store for `password` (normalised to Unicode NFC first)."""
        return str(self._hasher.hash(_normalise(password)))

    def verify(self, stored_hash: str, password: str) -> VerifyResult:
        """Whether `password` matches `stored_hash`; never raises for a wrong or broken hash."""
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            self._hasher.verify(stored_hash, _normalise(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return VerifyResult(ok=False)
        rehash = bool(self._hasher.check_needs_rehash(stored_hash))
        return VerifyResult(ok=True, needs_rehash=rehash)

    def burn(self, password: str) -> None:
        """Spend the time of one verification for an unknown user name.

        Answering "no such user" faster than "wrong password" would tell an attacker which
        names exist.
        """
        self.verify(self._dummy, password)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _normalise(password: str) -> str:
    # The same password typed through different input methods must hash the same way.
    return unicodedata.normalize("NFC", password)
