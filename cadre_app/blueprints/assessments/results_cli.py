"""``flask assessments results ASSESSMENT_ID -o FILE.xlsx``: the results workbook
(services.assessments.excel), the same as ``/assessments/<id>/results.xlsx``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cadre_app.blueprints.assessments.cli import assessments_group
from cadre_app.extensions import db
from cadre_app.models import Assessment
from cadre_app.services.assessments import excel, results
from cadre_app.services.core import audit


@assessments_group.command("results")
@click.argument("assessment_id", type=int)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
def results_command(assessment_id: int, output: str) -> None:
    """Write the results workbook of a closed assessment to OUTPUT (.xlsx)."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        click.echo(f"error: no assessment {assessment_id}", err=True)
        sys.exit(1)
    if not results.results_ready(assessment):
        click.echo(f"error: assessment {assessment_id} is not closed yet (测评尚未关闭)", err=True)
        sys.exit(1)
    subjects = list(assessment.subjects)
    figures = results.subject_tallies(assessment)
    Path(output).write_bytes(excel.results_workbook(assessment, subjects, figures))
    audit.record(
        "export",
        object_type="assessment",
        object_id=assessment.id,
        summary=f"{assessment.title}：测评结果（Excel，{len(subjects)} 人）",
        actor_name="cli",
    )
    db.session.commit()
    click.echo(f"wrote {output}: {len(subjects)} subjects")
