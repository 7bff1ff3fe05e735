"""Codes per rater group, printed once as cut-out slips; voiding unused codes."""

from cadre_app.blueprints.assessments import bp  # noqa: F401
