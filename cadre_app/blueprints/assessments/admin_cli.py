"""``flask assessments close ASSESSMENT_ID [--reason TEXT]`` (DESIGN.md, Assessments): the same
closing as HR's button and the auto-close (services.assessments.operations.close)."""

from __future__ import annotations

import sys

import click

from cadre_app.blueprints.assessments.cli import assessments_group
from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.models import Assessment
from cadre_app.services.assessments import operations


@assessments_group.command("close")
@click.argument("assessment_id", metavar="ASSESSMENT_ID", type=int)
@click.option(
    "--reason", default=None, help="Why it closes before its window ends (required then)."
)
def close_command(assessment_id: int, reason: str | None) -> None:
    """Close an open assessment now: no more ballots; results can be read. Exits 1 when it
    does not exist, has not opened, or closes early without --reason; 0 when already closed."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        click.echo(f"no assessment {assessment_id}", err=True)
        sys.exit(1)
    try:
        operations.close(assessment, actor=cli_actor(), reason=reason)
        db.session.commit()
    except operations.AlreadyDone:
        db.session.rollback()
        click.echo(f"assessment {assessment_id} is already closed")
        return
    except operations.AssessmentError as error:
        db.session.rollback()
        for _field, message in error.errors:
            click.echo(message, err=True)
        sys.exit(1)
    click.echo(f"closed assessment {assessment_id}: {assessment.title}")
