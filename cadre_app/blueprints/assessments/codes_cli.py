"""``flask assessments codes ASSESSMENT_ID --group NAME --count N -o slips.pdf`` (DESIGN.md,
Assessments): one-time codes for a rater group, printed once as cut-out slips."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from cadre_app.blueprints.assessments.cli import assessments_group
from cadre_app.blueprints.assessments.codes_routes import MAX_BATCH, can_issue
from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.models import Assessment, BallotGroup
from cadre_app.services.ballots import operations, slips
from cadre_app.services.core import pdf


@assessments_group.command("codes")
@click.argument("assessment_id", type=int)
@click.option("--group", "group_name", required=True, help="Rater group (评价人类别), e.g. 同事.")
@click.option("--count", type=click.IntRange(1, MAX_BATCH), required=True, help="Codes to issue.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option(
    "--base-url",
    help="Address raters open (printed in the QR code); default BALLOT_BASE_URL.",
)
def codes_command(
    assessment_id: int, group_name: str, count: int, output: str, base_url: str | None
) -> None:
    """Issue COUNT one-time codes to a rater group of an open assessment and write them as
    slips (PDF). The codes exist only in that file: the database keeps their hashes."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        click.echo(f"测评 {assessment_id} 不存在", err=True)
        sys.exit(1)
    if not can_issue(assessment):
        click.echo("只有进行中的测评才能发放票码", err=True)
        sys.exit(1)
    group = db.session.scalar(
        sa.select(BallotGroup).where(
            BallotGroup.box_id == assessment.box_id, BallotGroup.name == group_name
        )
    )
    if group is None:
        names = "、".join(g.name for g in assessment.box.groups)
        click.echo(f"没有评价人类别“{group_name}”（可选：{names}）", err=True)
        sys.exit(1)
    url = base_url or current_app.config.get("BALLOT_BASE_URL")
    if not url:
        click.echo("请用 --base-url 或设置 CADRE_BALLOT_BASE_URL 指明投票网址", err=True)
        sys.exit(1)
    plain = operations.issue_codes(group, count, actor=cli_actor())
    try:
        document = slips.render_slips(assessment.box, group, plain, base_url=url)
    except pdf.PdfUnavailable as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    Path(output).write_bytes(document)
    db.session.commit()
    click.echo(f"issued {count} codes to {group.name}; slips written to {output}")
