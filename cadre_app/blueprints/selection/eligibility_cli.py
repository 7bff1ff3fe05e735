"""``flask selection positions add …`` and ``flask selection eligible POSITION_ID [--as-of
YYYY-MM-DD] [-o FILE.xlsx]`` (DESIGN.md, Selection)."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import click
import openpyxl
from openpyxl.cell import WriteOnlyCell

from cadre_app import clock
from cadre_app.blueprints.selection.cli import selection_group
from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.models import Position
from cadre_app.models.enums import EDUCATION_LEVELS, LEADERSHIP_LEVELS, RANK_LADDER
from cadre_app.services.core import audit
from cadre_app.services.core.workbook import write_text
from cadre_app.services.selection import eligibility, positions

#: The sheet of ``flask selection eligible -o`` and its header.
SHEET = "资格审查"
HEADER = ("工号", "姓名", "部门", "结论", "原因", "需人工核对")


@selection_group.group("positions")
def positions_group() -> None:
    """选任职位。"""


@positions_group.command("add")
@click.option("--title", required=True, help="职位名称")
@click.option("--section", required=True, help="所在部门名称")
@click.option("--min-rank", required=True, type=click.Choice(RANK_LADDER), help="最低现任职级")
@click.option(
    "--target",
    default=None,
    help="拟任层级（领导职务层级或职级；默认按最低职级取乡科级副职、县处级副职或厅局级副职）",
)
@click.option("--places", type=click.IntRange(1, 50), default=1, help="职数")
@click.option("--min-years-in-rank", type=click.IntRange(0, 40), default=None)
@click.option("--min-years-work", type=click.IntRange(0, 40), default=None)
@click.option("--min-years-grassroots", type=click.IntRange(0, 40), default=None)
@click.option("--min-education", type=click.Choice(EDUCATION_LEVELS), default=None, help="最低学历")
@click.option("--max-age", type=click.IntRange(18, 70), default=None)
@click.option("--party-member", is_flag=True, help="须为中共党员")
def add_position(
    title: str,
    section: str,
    min_rank: str,
    target: str | None,
    places: int,
    min_years_in_rank: int | None,
    min_years_work: int | None,
    min_years_grassroots: int | None,
    min_education: str | None,
    max_age: int | None,
    party_member: bool,
) -> None:
    """Create a position and print its id."""
    department = positions.department_by_name(section.strip())
    if department is None:
        raise click.ClickException(f"没有名为“{section}”的部门。")
    if target is None:
        target = default_target(min_rank)
    kind = "领导职务" if target in LEADERSHIP_LEVELS else "职级"
    try:
        position = positions.create(
            {
                "title": title,
                "department_id": department.id,
                "post_kind": kind,
                "target_level": target,
                "places": places,
                "min_rank": min_rank,
                "min_years_in_rank": min_years_in_rank,
                "min_years_work": min_years_work,
                "min_years_grassroots": min_years_grassroots,
                "min_education": min_education,
                "max_age": max_age,
                "party_member": party_member,
            },
            actor=cli_actor(),
        )
        db.session.commit()
    except positions.SelectionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(position.id)


def default_target(min_rank: str) -> str:
    """The leading post a minimum 职级 usually leads to: up to 一级主任科员 乡科级副职, up to
    一级调研员 县处级副职, above 厅局级副职."""
    index = RANK_LADDER.index(min_rank)
    if index <= RANK_LADDER.index("一级主任科员"):
        return "乡科级副职"
    if index <= RANK_LADDER.index("一级调研员"):
        return "县处级副职"
    return "厅局级副职"


@selection_group.command("eligible")
@click.argument("position_id", type=int)
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="同时写出工作簿（工作表“资格审查”）。",
)
def eligible_command(position_id: int, as_of: object, output: str | None) -> None:
    """Print ``工号 姓名 符合/不符合 原因`` per cadre for POSITION_ID at --as-of (default
    today), every failed rule named in words; the run is stored with its rules."""
    position = db.session.get(Position, position_id)
    if position is None:
        raise click.ClickException(f"没有编号为 {position_id} 的选任职位。")
    on = as_of.date() if as_of is not None else clock.today()  # type: ignore[attr-defined]
    stored = eligibility.run(position, on, actor=cli_actor())
    rows = eligibility.run_rows(stored, page=None).rows
    lines = []
    for row in rows:
        checks = eligibility.read_checks(stored, row["checks"])
        verdict = "符合" if row["eligible"] else "不符合"
        reason = eligibility.reasons(checks)
        click.echo(f"{row['staff_no']} {row['name']} {verdict} {reason}".rstrip())
        lines.append((row, checks, verdict, reason))
    if output:
        Path(output).write_bytes(workbook(lines, position, on))
        audit.record(
            "export",
            object_type="position",
            object_id=position.id,
            summary=f"{position.title} 资格审查（{on.isoformat()}）到 {Path(output).name}",
            actor_name=cli_actor(),
        )
    db.session.commit()
    click.echo(f"{stored.eligible_count} / {len(rows)} 符合（{on.isoformat()}）。", err=True)


def workbook(lines: list[tuple], position: Position, on: date) -> bytes:
    """The sheet 资格审查: one row per cadre (text cells: no formula survives)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for letter, width in zip("ABCDEF", (12, 10, 16, 8, 60, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append(list(HEADER))
    for row, checks, verdict, reason in lines:
        manual = "；".join(eligibility.sentence(c) for c in checks if c.passed is None)
        cells = []
        for value in (row["staff_no"], row["name"], row["department"], verdict, reason, manual):
            cell = WriteOnlyCell(sheet)
            write_text(cell, value or "")
            cells.append(cell)
        sheet.append(cells)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
