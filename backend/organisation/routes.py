from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from backend.common.errors import NotFound
from backend.common.fields import PathId
from backend.common.guards import admin_only
from backend.organisation import service
from backend.organisation.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    SuggestionOut,
    UnitIn,
    UnitOut,
    UnitPatch,
)
from backend.triage.classify import classify_kind


class UnitController(Controller):
    path = "/api/v1/units"
    tags = ["organisation"]

    @get("/")
    async def list_units(self) -> list[UnitOut]:
        return await service.list_units()

    @get("/{unit_id:int}")
    async def get_unit(self, unit_id: PathId) -> UnitOut:
        unit = await service.get_unit(unit_id)
        if unit is None:
            raise NotFound(f"no unit with id {unit_id}")
        return unit

    @post("/", status_code=HTTP_201_CREATED, guards=[admin_only])
    async def create_unit(self, data: UnitIn) -> UnitOut:
        return await service.create_unit(data)

    @patch("/{unit_id:int}", guards=[admin_only])
    async def update_unit(self, unit_id: PathId, data: UnitPatch) -> UnitOut:
        """Extension: rename a unit or change its kind."""
        return await service.update_unit(unit_id, data)


class CategoryController(Controller):
    path = "/api/v1/categories"
    tags = ["organisation"]

    @get("/", exclude_from_auth=True)
    async def list_categories(self) -> list[CategoryOut]:
        return await service.list_categories()

    @get("/suggest", exclude_from_auth=True)
    async def suggest(
        self, text: Annotated[str, Parameter(min_length=1, max_length=5200)]
    ) -> SuggestionOut:
        """Extension: the kind and category the system would give this text,
        for the live hint while a citizen types."""
        directory = await service.directory.get()
        rule = directory.matcher.match("", text)
        category = directory.categories.get(rule.id) if rule else None
        unit = directory.units.get(category.unit_id) if category and category.unit_id else None
        return SuggestionOut(kind=classify_kind("", text), category=category, unit=unit)

    @post("/", status_code=HTTP_201_CREATED, guards=[admin_only])
    async def create_category(self, data: CategoryIn) -> CategoryOut:
        return await service.create_category(data)

    @patch("/{category_id:int}", guards=[admin_only])
    async def update_category(self, category_id: PathId, data: CategoryPatch) -> CategoryOut:
        """Extension: edit a category's name, keywords, unit or auto_dispatch."""
        return await service.update_category(category_id, data)
