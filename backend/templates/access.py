"""Who may see and manage which answer templates.

Admins: every template. A PIC: sees the global ones and its own unit's, and
manages only its own unit's. Citizens never get this far (route guard).
A template the caller may not see is "not found", as everywhere in the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.common.errors import Forbidden
from backend.common.roles import Role


@dataclass(frozen=True)
class Staff:
    """The caller, as far as these rules care."""

    role: str
    unit_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def may_see(staff: Staff, template_unit_id: int | None) -> bool:
    return staff.is_admin or template_unit_id is None or template_unit_id == staff.unit_id


def check_may_list(staff: Staff, unit_id: int | None) -> None:
    if unit_id is not None and not staff.is_admin and unit_id != staff.unit_id:
        raise Forbidden("a pic sees only its own unit's templates (unit_id)")


def check_may_manage(staff: Staff, template_unit_id: int | None) -> None:
    """For a template (existing or to be) of `template_unit_id`; None is global."""
    if staff.is_admin:
        return
    if template_unit_id is None:
        raise Forbidden("only an admin manages global templates (unit_id null)")
    if template_unit_id != staff.unit_id:
        raise Forbidden("a pic manages only its own unit's templates (unit_id)")
