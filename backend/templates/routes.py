from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.common.fields import PathId, QueryId
from backend.common.guards import requires
from backend.common.roles import Role
from backend.templates import service
from backend.templates.access import Staff
from backend.templates.schemas import TemplateIn, TemplateOut, TemplatePatch


def _staff(request: Request[Any, Any, Any]) -> Staff:
    return Staff(role=request.user.role, unit_id=request.user.unit_id)


class TemplateController(Controller):
    path = "/api/v1/templates"
    tags = ["templates"]
    guards = [requires(Role.ADMIN, Role.PIC)]

    @get("/")
    async def list_templates(
        self, request: Request[Any, Any, Any], unit_id: QueryId = None
    ) -> list[TemplateOut]:
        return await service.list_templates(_staff(request), unit_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_template(
        self, request: Request[Any, Any, Any], data: TemplateIn
    ) -> TemplateOut:
        return await service.create_template(_staff(request), data)

    @patch("/{template_id:int}")
    async def update_template(
        self, request: Request[Any, Any, Any], template_id: PathId, data: TemplatePatch
    ) -> TemplateOut:
        return await service.update_template(_staff(request), template_id, data)

    @delete("/{template_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_template(self, request: Request[Any, Any, Any], template_id: PathId) -> None:
        await service.delete_template(_staff(request), template_id)
