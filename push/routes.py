from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from msgspec import Meta

from backend.accounts.auth import AuthedRequest
from backend.common.clock import now
from backend.common.errors import NotFound
from backend.common.fields import MAX_ID, Id
from backend.common.guards import admin_only
from backend.database import current_engine, write_transaction
from backend.notifications.tables import Notification
from push import device_check, receipts, subscriptions
from push.subscriptions import EndpointIn, SubscriptionIn, SubscriptionOut
from push.vapid import load_or_create, public_key_b64


class PublicKeyOut(msgspec.Struct):
    public_key: str


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    notification_id: Id
    event: Literal["received", "shown", "clicked"]
    # The payload's own `receipt`, echoed back (contract v2: "Receipts are signed").
    receipt: Annotated[str, Meta(max_length=128)] = ""


class TestPushOut(msgspec.Struct):
    notification_id: int


class TestPushStateOut(msgspec.Struct):
    notification_id: int
    status: str
    last_http_status: int | None
    last_error: str | None
    sent_at: datetime | None
    received_at: datetime | None
    shown_at: datetime | None


class StoredOut(msgspec.Struct):
    stored: bool


class NotificationOut(msgspec.Struct):
    id: int
    recipient_id: int
    complaint_id: int | None
    type: str
    urgency: str
    status: str
    attempts: int
    last_http_status: int | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None
    shown_at: datetime | None
    clicked_at: datetime | None


RECEIPT_COLUMNS = {
    "received": Notification.received_at,
    "shown": Notification.shown_at,
    "clicked": Notification.clicked_at,
}


class PushController(Controller):
    path = "/api/v1/push"
    tags = ["push"]

    @get("/key", exclude_from_auth=True)
    async def key(self, request: Request) -> PublicKeyOut:
        """The VAPID public key for `pushManager.subscribe({applicationServerKey})`."""
        settings = request.app.state.settings
        if "vapid_public_key" not in request.app.state:
            vapid = load_or_create(settings.vapid_private_key, settings.data_dir)
            request.app.state.vapid_public_key = public_key_b64(vapid)
        return PublicKeyOut(public_key=request.app.state.vapid_public_key)

    @post("/subscriptions", status_code=HTTP_201_CREATED)
    async def subscribe(
        self, request: AuthedRequest, data: SubscriptionIn
    ) -> Response[SubscriptionOut]:
        """201 for a new device; 200 when the endpoint was known (now bound to the caller)."""
        saved = await subscriptions.save(
            request.user.id,
            data,
            request.app.state.settings.push_allowed_origins,
            request.headers.get("user-agent"),
        )
        return Response(saved, status_code=201 if saved.created else 200)

    @delete("/subscriptions", status_code=HTTP_204_NO_CONTENT)
    async def unsubscribe(self, request: AuthedRequest, data: EndpointIn) -> None:
        await subscriptions.remove(request.user.id, data.endpoint)

    @post("/test", status_code=HTTP_202_ACCEPTED)
    async def test_push(self, request: AuthedRequest, data: EndpointIn) -> TestPushOut:
        """Extension: a real push of type `push.test` to this device only,
        through the outbox; its receipts show when it arrived."""
        notification_id = await device_check.enqueue_test(request.user.id, data.endpoint)
        await device_check.wake_delivery(request.app.state)
        return TestPushOut(notification_id=notification_id)

    @get("/test/{notification_id:int}")
    async def test_push_state(
        self, request: AuthedRequest, notification_id: Annotated[int, Parameter(ge=1, le=MAX_ID)]
    ) -> TestPushStateOut:
        """Extension: how the caller's own test push went (sent, received,
        shown, or the push service's refusal), for the PWA to show."""
        row = await device_check.test_outcome(request.user.id, notification_id)
        return TestPushStateOut(
            notification_id=row["id"],
            status=row["status"],
            last_http_status=row["last_http_status"],
            last_error=row["last_error"],
            sent_at=row["sent_at"],
            received_at=row["received_at"],
            shown_at=row["shown_at"],
        )

    @get("/subscriptions/status")
    async def subscription_status(
        self,
        request: AuthedRequest,
        endpoint: Annotated[str, Parameter(min_length=8, max_length=2048)],
    ) -> StoredOut:
        """Extension: whether the server holds this device's subscription for
        the caller, so the PWA says "active" only when pushes can come."""
        found = await device_check.subscription_id(request.user.id, endpoint)
        return StoredOut(stored=found is not None)

    @get("/notifications", guards=[admin_only])
    async def notifications(
        self,
        complaint_id: Annotated[int | None, Parameter(ge=1, le=MAX_ID)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> list[NotificationOut]:
        """Extension (admin): delivery state and receipts, newest first, to see
        whether a unit's phones were really woken."""
        N = Notification
        query = (
            N.select(
                N.id,
                N.recipient,
                N.complaint,
                N.type,
                N.urgency,
                N.status,
                N.attempts,
                N.last_http_status,
                N.last_error,
                N.created_at,
                N.sent_at,
                N.received_at,
                N.shown_at,
                N.clicked_at,
            )
            .order_by(N.id, ascending=False)
            .limit(limit)
        )
        if complaint_id is not None:
            query = query.where(N.complaint == complaint_id)
        return [
            NotificationOut(
                id=r["id"],
                recipient_id=r["recipient"],
                complaint_id=r["complaint"],
                type=r["type"],
                urgency=r["urgency"],
                status=r["status"],
                attempts=r["attempts"],
                last_http_status=r["last_http_status"],
                last_error=r["last_error"],
                created_at=r["created_at"],
                sent_at=r["sent_at"],
                received_at=r["received_at"],
                shown_at=r["shown_at"],
                clicked_at=r["clicked_at"],
            )
            for r in await query
        ]

    @post("/receipts", status_code=HTTP_204_NO_CONTENT, exclude_from_auth=True)
    async def receipt(self, request: Request, data: ReceiptIn) -> None:
        """From the service worker; no session needed (it may outlive one), but
        the `receipt` from the payload must match. Only the first time of each
        kind is kept."""
        secret = request.app.state.settings.secret_key
        # A wrong receipt and an unknown id get the same 404: nothing to probe.
        if not receipts.is_valid(secret, data.notification_id, data.receipt):
            raise NotFound(f"no notification with id {data.notification_id}")
        column = RECEIPT_COLUMNS[data.event]
        async with write_transaction(current_engine()):
            exists = await Notification.exists().where(Notification.id == data.notification_id)
            if not exists:
                raise NotFound(f"no notification with id {data.notification_id}")
            await Notification.update({column: now()}).where(
                (Notification.id == data.notification_id) & column.is_null()
            )
