from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts import service
from backend.accounts.auth import SESSION_COOKIE, TOKEN_STORE, AuthedRequest
from backend.accounts.login_guard import json_body_only, same_origin_only
from backend.accounts.register_guard import note_taken_username
from backend.accounts.schemas import (
    CreateUserIn,
    LoginIn,
    LoginOut,
    RegisterIn,
    UpdateUserIn,
    UserOut,
    UserRowOut,
)
from backend.common.errors import Conflict
from backend.common.fields import PathId
from backend.common.guards import admin_only
from backend.settings import get_settings


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        exclude_from_auth=True,
        guards=[json_body_only],
    )
    async def register(self, request: Request, data: RegisterIn) -> UserOut:
        """A citizen (masyarakat) creates an account. Staff are created by an admin."""
        try:
            return await service.register(data)
        except Conflict:
            await note_taken_username(request, data.username)
            raise

    @post(
        "/login",
        status_code=200,
        exclude_from_auth=True,
        guards=[json_body_only, same_origin_only],
    )
    async def login(self, data: LoginIn) -> Response[LoginOut]:
        try:
            token, user = await service.login(data.username, data.password)
        except PermissionError as exc:
            raise NotAuthorizedException(str(exc)) from None
        settings = get_settings()
        return Response(
            LoginOut(token=token, user=user),
            cookies=[
                Cookie(
                    key=SESSION_COOKIE,
                    value=token,
                    httponly=True,
                    samesite="lax",
                    secure=settings.cookie_secure,
                    # The server slides the token's expiry (7 days idle); the
                    # cookie lives as long as the absolute bound.
                    max_age=service.SESSION_ABSOLUTE_SECONDS,
                    path="/",
                )
            ],
        )

    @post("/logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, request: AuthedRequest) -> Response[None]:
        await service.logout(request.user, request.app.stores.get(TOKEN_STORE))
        return Response(
            None,
            status_code=HTTP_204_NO_CONTENT,
            cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True)],
        )


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]

    @get("/")
    async def me(self, request: AuthedRequest) -> UserOut:
        u = request.user
        return UserOut(id=u.id, username=u.username, name=u.name, role=u.role, unit_id=u.unit_id)


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["organisation"]
    guards = [admin_only]

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, data: CreateUserIn) -> UserOut:
        """An admin creates a PIC (needs `unit_id`) or another admin."""
        return await service.create_staff(data)

    @get("/")
    async def list_users(
        self, role: Annotated[str | None, Parameter(pattern="^(citizen|pic|admin|staff)$")] = None
    ) -> list[UserRowOut]:
        """Extension: staff management in the PWA."""
        return await service.list_users(role)

    @patch("/{user_id:int}")
    async def update(self, request: AuthedRequest, user_id: PathId, data: UpdateUserIn) -> UserOut:
        """Extension: rename, move to another unit, reset the password or deactivate."""
        return await service.update_user(user_id, data, request.app.stores.get(TOKEN_STORE))
