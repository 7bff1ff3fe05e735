"""``flask users create``: accounts from the command line (DESIGN.md, Contracts)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.models import Role, User
from cadre_app.services.accounts import operations as accounts
from cadre_app.services.accounts import two_factor
from cadre_app.services.core import audit


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role."
)
@click.option("--cadre", "staff_no", help="工号 of the cadre this account belongs to.")
@click.option("--real-name", default="", help="The user's real name (姓名), printed as 填表人.")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@with_appcontext
def users_create_command(
    username: str, role: str, staff_no: str | None, real_name: str, password_stdin: bool
) -> None:
    """Create an account; its user must change the password at first login."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            username, role, password, real_name=real_name, cadre_staff_no=staff_no
        )
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    audit.record(
        "create",
        object_type="user",
        object_id=user.id,
        summary=f"创建账户 {user.username}（{user.role.value}）",
        actor_name=cli_actor(),
    )
    db.session.commit()
    click.echo(f"已创建账户 {user.username}（{user.role.value}），首次登录须修改密码。")


@users_group.command("reset-two-factor")
@click.argument("username")
@with_appcontext
def users_reset_two_factor_command(username: str) -> None:
    """Forget an account's authenticator and recovery codes (the only admin lost the phone);
    it sets the second factor up again at the next sign-in. Audited."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        raise click.ClickException(f"找不到账户 {username}。")
    two_factor.reset(user, actor_name=cli_actor())
    db.session.commit()
    click.echo(f"已重置 {user.username} 的两步验证；其下次登录时重新设置。")
