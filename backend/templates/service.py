"""Answer templates: list, create, edit, delete, under the rules of `access`."""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET

from backend.common.clock import now
from backend.common.errors import BadInput, NotFound
from backend.database import current_engine, write_transaction
from backend.organisation.tables import Unit
from backend.templates.access import Staff, check_may_list, check_may_manage, may_see
from backend.templates.schemas import TemplateIn, TemplateOut, TemplatePatch
from backend.templates.tables import AnswerTemplate


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _out(row: dict) -> TemplateOut:
    return TemplateOut(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        unit_id=row["unit"],
        created_at=_as_datetime(row["created_at"]),
        updated_at=_as_datetime(row["updated_at"]),
    )


async def _require_unit(unit_id: int | None) -> None:
    if unit_id is not None and not await Unit.exists().where(Unit.id == unit_id):
        raise BadInput("unit_id", f"no unit with id {unit_id}")


async def list_templates(staff: Staff, unit_id: int | None = None) -> list[TemplateOut]:
    """Global templates first, then by title. With `unit_id`: what the answer box of a
    complaint of that unit offers (global + that unit's); without, all the caller may see."""
    check_may_list(staff, unit_id)
    query = AnswerTemplate.select()
    scope = unit_id if unit_id is not None else (None if staff.is_admin else staff.unit_id)
    if unit_id is not None or not staff.is_admin:
        query = query.where(AnswerTemplate.unit.is_null() | (AnswerTemplate.unit == scope))
    rows = await query.order_by(AnswerTemplate.title).order_by(AnswerTemplate.id)
    return sorted((_out(r) for r in rows), key=lambda t: t.unit_id is not None)


async def _visible(staff: Staff, template_id: int) -> dict:
    row = await AnswerTemplate.select().where(AnswerTemplate.id == template_id).first()
    if row is None or not may_see(staff, row["unit"]):
        raise NotFound(f"no template with id {template_id}")
    return row


async def create_template(staff: Staff, data: TemplateIn) -> TemplateOut:
    unit_id = data.unit_id
    if unit_id is UNSET:
        unit_id = None if staff.is_admin else staff.unit_id
    check_may_manage(staff, unit_id)
    await _require_unit(unit_id)
    at = now()
    async with write_transaction(current_engine()):
        rows = await AnswerTemplate.insert(
            AnswerTemplate(
                title=data.title.strip(),
                body=data.body,
                unit=unit_id,
                created_at=at,
                updated_at=at,
            )
        ).returning(*AnswerTemplate.all_columns())
    return _out(rows[0])


async def update_template(staff: Staff, template_id: int, data: TemplatePatch) -> TemplateOut:
    row = await _visible(staff, template_id)
    check_may_manage(staff, row["unit"])
    values: dict = {}
    if data.title is not UNSET:
        values["title"] = data.title.strip()
    if data.body is not UNSET:
        values["body"] = data.body
    if data.unit_id is not UNSET:
        check_may_manage(staff, data.unit_id)
        await _require_unit(data.unit_id)
        values["unit"] = data.unit_id
    if values:
        values["updated_at"] = now()
        async with write_transaction(current_engine()):
            await AnswerTemplate.update(values).where(AnswerTemplate.id == template_id)
    return _out(await _visible(staff, template_id))


async def delete_template(staff: Staff, template_id: int) -> None:
    row = await _visible(staff, template_id)
    check_may_manage(staff, row["unit"])
    async with write_transaction(current_engine()):
        await AnswerTemplate.delete().where(AnswerTemplate.id == template_id)
