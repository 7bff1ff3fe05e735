"""All models, imported here so that Alembic sees every table."""

from cadre_app.models.cadre import Cadre
from cadre_app.models.organisation import Department, Organisation, department_manager
from cadre_app.models.user import Role, User, UserSession

__all__ = [
    "Cadre",
    "Department",
    "Organisation",
    "Role",
    "User",
    "UserSession",
    "department_manager",
]
