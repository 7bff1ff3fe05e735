"""Forms shared by several blueprints."""

from __future__ import annotations

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """For POST-only actions (log out, unlock): carries the CSRF token and nothing else."""
