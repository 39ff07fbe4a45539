"""HTTP side of password reset (contract v2, "Staff tools" -> "Password reset")."""

from __future__ import annotations

import logging

from litestar import Controller, MediaType, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.accounts import password_reset, reset_mail
from backend.accounts.auth import TOKEN_STORE
from backend.accounts.reset_schemas import ForgotIn, ResetCodeOut, ResetIn
from backend.common.errors import BadInput
from backend.common.fields import PathId
from backend.common.guards import admin_only
from backend.settings import Settings

log = logging.getLogger("upik.accounts")


class PasswordResetController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/forgot", status_code=HTTP_202_ACCEPTED, exclude_from_auth=True)
    async def forgot(self, request: Request, data: ForgotIn) -> Response[bytes]:
        """202 whatever the account: whether it exists, has an e-mail address,
        or mail is configured at all is never told. The work happens after
        the response, so its duration tells nothing either."""
        if (data.username is None) == (data.email is None):
            raise BadInput("username", "give either a username or an email", code="required")
        settings: Settings = request.app.state.settings
        task = None
        if settings.smtp_url:
            task = BackgroundTask(_email_codes, settings, data.username, data.email)
        return Response(
            b"", status_code=HTTP_202_ACCEPTED, media_type=MediaType.TEXT, background=task
        )

    @post("/reset", status_code=HTTP_204_NO_CONTENT, exclude_from_auth=True)
    async def reset(self, request: Request, data: ResetIn) -> None:
        await password_reset.reset(
            data.username, data.code, data.new_password, request.app.stores.get(TOKEN_STORE)
        )


class ResetCodeController(Controller):
    path = "/api/v1/users"
    tags = ["organisation"]
    guards = [admin_only]

    @post("/{user_id:int}/reset-code", status_code=HTTP_201_CREATED)
    async def reset_code(self, user_id: PathId) -> ResetCodeOut:
        """A code the admin hands over in person or by phone. Shown this once:
        only its HMAC is kept."""
        issued = await password_reset.issue_by_admin(user_id)
        return ResetCodeOut(code=issued.code, expires_at=issued.expires_at)


async def _email_codes(settings: Settings, username: str | None, email: str | None) -> None:
    try:
        for person in await password_reset.email_recipients(username, email):
            if await password_reset.recently_emailed(person.user_id):
                continue
            issued = await password_reset.issue(person.user_id, "email")
            message = reset_mail.compose(
                settings,
                to=person.email,
                name=person.name,
                username=person.username,
                code=issued.code,
                expires_at=issued.expires_at,
            )
            await reset_mail.send(settings, message)
    except Exception:  # after the 202: nobody to tell but the log
        log.exception("password reset e-mail could not be prepared")
