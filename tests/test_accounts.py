"""Password policy and account rules, on plain values."""

from __future__ import annotations

import pytest

from cadre_app.services.accounts import operations as accounts


@pytest.mark.parametrize(
    "password",
    ["Abcdef1!", "abcdef12!", "ABCDEF12!", "Abcdefgh1", "密码Abc12345", "Aa1!Aa1!"],
)
def test_passwords_meeting_the_policy(app_ctx, password):
    assert accounts.password_problems(password) == []


@pytest.mark.parametrize(
    "password, problem",
    [
        ("Ab1!", "至少需要 8 个字符"),
        ("abcdefgh", "至少三类"),
        ("abcdefg1", "至少三类"),
        ("ABCDEFG!", "至少三类"),
        ("12345678", "至少三类"),
    ],
)
def test_passwords_breaking_the_policy(app_ctx, password, problem):
    assert any(problem in p for p in accounts.password_problems(password))


def test_password_equal_to_username_refused(app_ctx):
    assert accounts.password_problems("Zhang-San1", "zhang-san1")


def test_passwords_are_hashed_with_scrypt():
    hashed = accounts.hash_password("Str0ng-Pass")
    assert hashed.startswith("scrypt:") and "Str0ng-Pass" not in hashed
