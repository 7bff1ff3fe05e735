"""``flask records import-lrmx FILE [--department NAME] [--rank RANK]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.records import bp
from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.models import enums
from cadre_app.services.records import lrmx, lrmx_import


def _fail(messages: list[str]) -> None:
    """Roll back, print the reasons on stderr and exit 1: nothing is written."""
    db.session.rollback()
    for message in messages:
        click.echo(f"错误：{message}", err=True)
    click.echo("未写入任何数据。", err=True)
    sys.exit(1)


@bp.cli.command("import-lrmx")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--department", "department_name", help="部门 of a new cadre (the file has none).")
@click.option("--rank", help="职级 of a new cadre (the file has none).")
def import_lrmx_command(path: str, department_name: str | None, rank: str | None) -> None:
    """Import a 干部任免审批表 .lrmx file all-or-nothing and print the 工号 of the cadre created
    or updated (matched by 身份证号; a new cadre gets a generated 工号 and needs --department and
    --rank). Exits 1 and writes nothing when the file is refused."""
    today = clock.today()
    try:
        record = lrmx.parse_lrmx(Path(path).read_bytes())
        department_id = None
        if department_name:
            department_id = lrmx_import.department_by_name(department_name).id
    except lrmx.LrmxError as error:
        _fail(error.messages)
        return
    if rank and rank not in enums.RANK_LADDER:
        _fail([f"职级“{rank}”不在职级序列中（{'、'.join(enums.RANK_LADDER)}）。"])
    preview = lrmx_import.preview_import(
        record, department_id=department_id, rank=rank, today=today
    )
    if preview.needs_placement and not preview.has_errors:
        _fail(
            [
                f"文件中的干部 {preview.name}（身份证号 {preview.id_number_masked or '无'}）"
                "在系统中不存在；新建干部须用 --department 部门名称 和 --rank 职级 指定部门和职级。"
            ]
        )
    try:
        cadre, created = lrmx_import.apply_import(
            record, department_id=department_id, rank=rank, actor=cli_actor(), today=today
        )
    except lrmx_import.LrmxRejected as rejected:
        _fail(rejected.preview.errors)
        return
    except (StaleDataError, IntegrityError):
        _fail(["该干部刚被他人修改，或生成的工号已被占用；请重新运行。"])
        return
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for note in preview.notes:
        click.echo(f"提示：{note}", err=True)
    click.echo(cadre.staff_no)
