from __future__ import annotations

import pytest

from app.domain.errors import ValidationError
from app.i18n import render
from app.security.passwords import (
    FAST_TEST_PARAMETERS,
    HashParameters,
    PasswordHasher,
    PasswordPolicy,
)


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(FAST_TEST_PARAMETERS)


def test_hash_is_argon2id_with_a_fresh_salt_each_time(hasher: PasswordHasher) -> None:
    a = hasher.hash("Correct horse 42")
    b = hasher.hash("Correct horse 42")
    assert a.startswith("$argon2id$")
    assert a != b  # per-hash salt
    assert "Correct horse 42" not in a


def test_verify_accepts_the_right_password_only(hasher: PasswordHasher) -> None:
    stored = hasher.hash("Correct horse 42")
    assert hasher.verify(stored, "Correct horse 42").ok
    assert not hasher.verify(stored, "correct horse 42").ok
    assert not hasher.verify(stored, "").ok


def test_verify_never_raises_on_a_broken_hash(hasher: PasswordHasher) -> None:
    assert not hasher.verify("not-a-hash", "whatever").ok
    assert not hasher.verify("", "whatever").ok


def test_unicode_password_typed_in_another_normal_form_still_matches(
    hasher: PasswordHasher,
) -> None:
    composed = "Caf\u00e9-2024-密码"
    decomposed = "Cafe\u0301-2024-密码"
    assert hasher.verify(hasher.hash(composed), decomposed).ok


def test_weaker_stored_hash_asks_for_rehash(hasher: PasswordHasher) -> None:
    weak = PasswordHasher(HashParameters(time_cost=1, memory_cost_kib=8, parallelism=1))
    strong = PasswordHasher(HashParameters(time_cost=2, memory_cost_kib=16, parallelism=1))
    stored = weak.hash("Correct horse 42")
    result = strong.verify(stored, "Correct horse 42")
    assert result.ok and result.needs_rehash
    assert not strong.verify(strong.hash("Correct horse 42"), "Correct horse 42").needs_rehash


def test_default_parameters_are_memory_hard() -> None:
    stored = PasswordHasher().hash("Correct horse 42")
    assert "m=65536" in stored and "t=3" in stored


def test_burn_accepts_anything(hasher: PasswordHasher) -> None:
    hasher.burn("x")
    hasher.burn("y")


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short1!", "at least 10 characters"),
        ("onlyletterswords", "mix at least 2"),
        ("1234567890123", "mix at least 2"),
        ("password123", "too common"),
        # Issue 16: not in the old hand list of 29, but in every breached-password list.
        ("password1234", "too common"),
        ("qwerty123456", "too common"),
        ("Cleardesk2026", "too common"),
        ("P@ssw0rd2024!", "too common"),
        ("wangfang-2024x", "must not contain the user name"),
    ],
)
def test_policy_names_the_rule_that_is_broken(password: str, expected: str) -> None:
    problems = PasswordPolicy().problems(password, username="WangFang")
    assert any(expected in render(p, "en") for p in problems)


def test_policy_accepts_a_reasonable_password() -> None:
    assert PasswordPolicy().problems("Lotus-harbour-7", username="wangfang") == []
    assert PasswordPolicy().problems("海关申报2024年度", username="li") == []


def test_enforce_raises_with_a_translated_message() -> None:
    with pytest.raises(ValidationError) as info:
        PasswordPolicy(min_length=12).enforce("abc1")
    assert "12" in info.value.text("en")
    assert "12" in info.value.text("zh_CN")
    assert info.value.text("zh_CN") != info.value.text("en")
