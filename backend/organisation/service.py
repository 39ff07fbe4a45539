"""Units and categories, the keyword matcher built from them, and the seed."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from backend.common.clock import now
from backend.common.errors import BadInput, Conflict, NotFound
from backend.database import current_engine, is_unique_violation, json_column, write_transaction
from backend.organisation import seed_data
from backend.organisation.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    UnitIn,
    UnitOut,
    UnitPatch,
)
from backend.organisation.tables import Category, Unit
from backend.triage.classify import CategoryMatcher, CategoryRule

# Categories change rarely; every submission needs the matcher. Rebuilt when
# this process changes a category, and at most this old otherwise (another
# process may have changed one).
MATCHER_MAX_AGE_S = 30.0


def unit_out(row: dict) -> UnitOut:
    return UnitOut(id=row["id"], code=row["code"], name=row["name"], kind=row["kind"])


def category_out(row: dict) -> CategoryOut:
    return CategoryOut(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        keywords=list(json_column(row["keywords"], [])),
        unit_id=row["unit"],
        auto_dispatch=bool(row["auto_dispatch"]),
    )


@dataclass(frozen=True)
class Directory:
    """A snapshot of the organisation: what every submission needs to read."""

    matcher: CategoryMatcher
    categories: dict[int, CategoryOut]
    units: dict[int, UnitOut]


class _DirectoryCache:
    def __init__(self) -> None:
        self._snapshot: Directory | None = None
        self._built_at = 0.0

    def invalidate(self) -> None:
        self._snapshot = None

    async def refresh(self) -> Directory:
        self.invalidate()
        return await self.get()

    async def get(self) -> Directory:
        if self._snapshot is None or time.monotonic() - self._built_at > MATCHER_MAX_AGE_S:
            categories = {c.id: c for c in await list_categories()}
            units = {u.id: u for u in await list_units()}
            self._snapshot = Directory(
                CategoryMatcher(
                    CategoryRule(id=c.id, code=c.code, keywords=tuple(c.keywords))
                    for c in categories.values()
                ),
                categories,
                units,
            )
            self._built_at = time.monotonic()
        return self._snapshot


directory = _DirectoryCache()


async def list_units() -> list[UnitOut]:
    return [unit_out(r) for r in await Unit.select().order_by(Unit.name)]


async def get_unit(unit_id: int) -> UnitOut | None:
    row = await Unit.select().where(Unit.id == unit_id).first()
    return unit_out(row) if row else None


async def require_unit(unit_id: int, field: str = "unit_id") -> UnitOut:
    unit = await get_unit(unit_id)
    if unit is None:
        raise BadInput(field, f"no unit with id {unit_id}")
    return unit


async def _insert(table, values: dict, what: str):
    try:
        async with write_transaction(current_engine()):
            rows = await table.insert(table(**values)).returning(*table.all_columns())
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(f"{what} code '{values['code']}' is taken") from None
        raise
    return rows[0]


async def create_unit(data: UnitIn) -> UnitOut:
    if await Unit.exists().where(Unit.code == data.code):
        raise Conflict(f"unit code '{data.code}' is taken")
    row = await _insert(
        Unit,
        {"code": data.code, "name": data.name.strip(), "kind": data.kind, "created_at": now()},
        "unit",
    )
    directory.invalidate()
    return unit_out(row)


async def update_unit(unit_id: int, data: UnitPatch) -> UnitOut:
    values = {k: v for k, v in (("name", data.name), ("kind", data.kind)) if v is not None}
    if await get_unit(unit_id) is None:
        raise NotFound(f"no unit with id {unit_id}")
    if values:
        async with write_transaction(current_engine()):
            await Unit.update(values).where(Unit.id == unit_id)
        directory.invalidate()
    return await get_unit(unit_id)  # type: ignore[return-value]


async def list_categories() -> list[CategoryOut]:
    return [category_out(r) for r in await Category.select().order_by(Category.name)]


async def get_category(category_id: int) -> CategoryOut | None:
    row = await Category.select().where(Category.id == category_id).first()
    return category_out(row) if row else None


def _clean_keywords(keywords: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(k.strip().lower() for k in keywords if k.strip()))
    if not cleaned:
        raise BadInput("keywords", "needs at least one non-blank keyword")
    return cleaned


async def create_category(data: CategoryIn) -> CategoryOut:
    await require_unit(data.unit_id)
    if await Category.exists().where(Category.code == data.code):
        raise Conflict(f"category code '{data.code}' is taken")
    row = await _insert(
        Category,
        {
            "code": data.code,
            "name": data.name.strip(),
            "keywords": json.dumps(_clean_keywords(data.keywords)),
            "unit": data.unit_id,
            "auto_dispatch": data.auto_dispatch,
            "created_at": now(),
        },
        "category",
    )
    directory.invalidate()
    return category_out(row)


async def update_category(category_id: int, data: CategoryPatch) -> CategoryOut:
    if await get_category(category_id) is None:
        raise NotFound(f"no category with id {category_id}")
    values: dict = {}
    if data.name is not None:
        values["name"] = data.name.strip()
    if data.keywords is not None:
        values["keywords"] = json.dumps(_clean_keywords(data.keywords))
    if data.unit_id is not None:
        await require_unit(data.unit_id)
        values["unit"] = data.unit_id
    if data.auto_dispatch is not None:
        values["auto_dispatch"] = data.auto_dispatch
    if values:
        async with write_transaction(current_engine()):
            await Category.update(values).where(Category.id == category_id)
        directory.invalidate()
    return await get_category(category_id)  # type: ignore[return-value]


async def seed() -> tuple[int, int]:
    """Load Kabupaten Cirebon's units and categories; adds only what is missing,
    so an admin's later edits survive a re-run. Returns (units, categories) added."""
    at = now()
    added_units = added_categories = 0
    async with write_transaction(current_engine()):
        existing = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}
        for u in seed_data.UNITS:
            if u.code not in existing:
                rows = await Unit.insert(
                    Unit(code=u.code, name=u.name, kind=u.kind, created_at=at)
                ).returning(Unit.id)
                existing[u.code] = rows[0]["id"]
                added_units += 1
        known = {r["code"] for r in await Category.select(Category.code)}
        for c in seed_data.CATEGORIES:
            if c.code not in known:
                await Category.insert(
                    Category(
                        code=c.code,
                        name=c.name,
                        keywords=json.dumps(list(c.keywords)),
                        unit=existing[c.unit_code],
                        auto_dispatch=c.auto_dispatch,
                        created_at=at,
                    )
                )
                added_categories += 1
    directory.invalidate()
    return added_units, added_categories
