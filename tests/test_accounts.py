"""Password policy and account rules, on plain values."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Role, User
from cadre_app.services.accounts import operations as accounts


@pytest.mark.parametrize(
    "password",
    ["Budget#Tree47", "kettle-42-Orbit", "LAMP+river9x", "密码Rv7#kettle", "Test@2026pw"],
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


# --- issue 16, point 7: common and guessable passwords, the user's own names -----------------

GUESSABLE = "太容易被猜到"
PERSONAL = "不能包含用户名、姓名或姓名拼音"


@pytest.mark.parametrize(
    "password",
    [
        "P@ssw0rd123",  # l33t of the most common password
        "Admin@2026",  # a common word and the year
        "Woaini1314!",  # 我爱你一生一世
        "Caizheng@123",  # 财政 + 123
        "1qaz@WSX",  # a keyboard walk
        "Qq123456@",
        "Abcdef1!",
        "Zhangsan@2020",
    ],
)
def test_common_and_guessable_passwords_are_refused(app_ctx, password):
    assert any(GUESSABLE in p for p in accounts.password_problems(password))


def test_a_repeated_piece_is_refused_whoever_the_user(app_ctx):
    # the review's example: it passes zxcvbn (score 3) but is "hr2" three times
    assert any("重复" in p for p in accounts.password_problems("Hr2hr2hr2"))
    assert any("重复" in p for p in accounts.password_problems("Aa1!Aa1!"))


def test_a_password_with_the_username_inside_is_refused(app_ctx):
    assert any(PERSONAL in p for p in accounts.password_problems("Hr2hr2hr2", "hr"))
    assert any(PERSONAL in p for p in accounts.password_problems("Kx#92-Manager1", "manager"))


@pytest.mark.parametrize(
    "password",
    ["Zhangwei#7741q", "ZHANGWEI-rx81!", "张伟Kx#9241q", "Weizhang!8812q"],
)
def test_a_password_with_the_real_name_or_its_pinyin_is_refused(app_ctx, password):
    problems = accounts.password_problems(password, "zw01", "张伟")
    assert any(PERSONAL in p for p in problems), problems


def test_a_given_name_pinyin_counts_when_it_is_long_enough(app_ctx):
    assert any(PERSONAL in p for p in accounts.password_problems("Xiaoming#8841q", "u1", "李晓明"))
    # one syllable is not looked for: "wei" is inside too many honest passwords
    assert accounts.password_problems("Tower#wei-8841q", "u1", "张伟") == []


def test_the_rule_applies_when_a_password_is_set_not_at_login(app, client, make_user):
    """An account whose old password is now too weak still signs in (it is checked when
    set); changing to a weak one is refused."""
    from tests.conftest import login

    make_user("hr", Role.HR, password="Hr2hr2hr2")
    assert login(client, "hr", "Hr2hr2hr2").status_code == 302
    response = client.post(
        "/auth/password",
        data={
            "current_password": "Hr2hr2hr2",
            "new_password": "Hr3hr3hr3",
            "confirm_password": "Hr3hr3hr3",
        },
    )
    assert response.status_code == 400
    assert "不能包含用户名" in response.get_data(as_text=True)


def test_users_create_refuses_a_guessable_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "auditor9", "--role", "auditor", "--password-stdin"],
        input="Admin@2026\n",
    )
    assert result.exit_code == 1 and GUESSABLE in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "auditor9")) is None
    ok = runner.invoke(
        args=["users", "create", "auditor9", "--role", "auditor", "--password-stdin"],
        input="kettle-42-Orbit\n",
    )
    assert ok.exit_code == 0, ok.output


def test_temporary_passwords_avoid_the_users_names(app_ctx):
    from cadre_app.services.accounts import rules

    for _ in range(20):
        password = rules.temporary_password(personal=["ab", "cd"])
        assert "ab" not in password.lower() and "cd" not in password.lower()
        assert rules.password_problems(password, ["ab", "cd"]) == []


def test_passwords_are_hashed_with_scrypt():
    hashed = accounts.hash_password("Str0ng-Pass")
    assert hashed.startswith("scrypt:") and "Str0ng-Pass" not in hashed
