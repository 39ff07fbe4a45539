"""Delivery when the push service misbehaves: 429 with Retry-After, 5xx, slow
answers, 404/410 (pruned), other 4xx (failed, not retried), the attempt cap,
a user with a good and a bad phone; receipts; users without a phone."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.support.network import free_port
from tests.support.people import Person, person, quick_user
from tests.support.push_checks import pushes
from tests.support.push_service import Reply
from tests.support.records import notification, settled, subscription_exists

PUSH_PORT = free_port()
MAX_ATTEMPTS = 3
EXTRA_ENV = {
    "UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}",
    "UPIK_PUSH_RETRY_BASE_SECONDS": "0",
    "UPIK_PUSH_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    # Short, so that a batch the engine failed to record is re-claimed quickly
    # (longer than any scripted delay: one engine never races its own lease).
    "UPIK_PUSH_LEASE_SECONDS": "2",
}
LEASE_S = 2
TYPE = "complaint.rejected"
# Long enough for a retry that should not happen to show up.
QUIET_S = 0.3


@pytest.fixture(scope="module")
async def admin(api) -> Person:
    return Person(*await quick_user("admin"))


async def notify(api, admin: Person, reporter: Person) -> int:
    """Exactly one notification, to `reporter`: its complaint is rejected."""
    c = await api.submit(reporter.h, title="Pertanyaan jam buka", body="Kantor buka jam berapa?")
    await api.post(f"/api/v1/complaints/{c['id']}/reject", admin.h, {"reason": "Bukan pengaduan."})
    return c["id"]


async def only_row(cid: int, timeout: float = 10.0) -> dict:
    [row] = await settled(cid, TYPE, timeout)
    return row


# --- retried -------------------------------------------------------------------


async def test_429_with_retry_after_is_retried_after_the_delay(api, push, key, admin):
    reporter = await person(api, push, key)
    phone = reporter.device.script(Reply(status=429, retry_after=1))
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert row["status"] == "sent", row
    assert row["attempts"] == 2
    assert row["sent_at"] is not None
    await asyncio.sleep(QUIET_S)
    [msg] = pushes(phone, cid)
    first, second = phone.attempts
    assert (first.status, second.status) == (429, 201)
    assert second.at - first.at >= 1.0, second.at - first.at
    assert msg.json["notification_id"] == row["id"]


async def test_retry_after_as_http_date_is_honoured(api, push, key, admin):
    from email.utils import formatdate

    reporter = await person(api, push, key)
    phone = reporter.device.script(
        Reply(status=503, retry_after=formatdate(time.time() + 2, usegmt=True))
    )
    cid = await notify(api, admin, reporter)
    row = await only_row(cid, timeout=15)
    assert (row["status"], row["attempts"]) == ("sent", 2), row
    first, second = phone.attempts
    # An HTTP date has whole seconds: at least 1 s, normally close to 2 s.
    assert second.at - first.at >= 1.0, second.at - first.at


async def test_500_then_201_is_retried(api, push, key, admin):
    reporter = await person(api, push, key)
    phone = reporter.device.script(Reply(status=500))
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert (row["status"], row["attempts"]) == ("sent", 2), row
    await asyncio.sleep(QUIET_S)
    assert [a.status for a in phone.attempts] == [500, 201]
    assert len(pushes(phone, cid)) == 1


async def test_slow_answer_is_still_delivered(api, push, key, admin):
    reporter = await person(api, push, key)
    phone = reporter.device.script(Reply(status=201, delay=1.0))
    started = time.monotonic()
    cid = await notify(api, admin, reporter)
    row = await only_row(cid, timeout=15)
    assert (row["status"], row["attempts"]) == ("sent", 1), row
    assert time.monotonic() - started >= 1.0
    assert len(pushes(phone, cid)) == 1


async def test_attempts_are_capped(api, push, key, admin):
    reporter = await person(api, push, key)
    phone = reporter.device.script(*[Reply(status=500)] * (MAX_ATTEMPTS + 5))
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert row["status"] == "failed", row
    assert row["attempts"] == MAX_ATTEMPTS
    assert row["last_http_status"] == 500
    await asyncio.sleep(QUIET_S)
    assert [a.status for a in phone.attempts] == [500] * MAX_ATTEMPTS
    assert (await notification(row["id"]))["attempts"] == MAX_ATTEMPTS
    assert await subscription_exists(phone.endpoint)  # a 5xx is the service's fault


async def test_unreachable_service_is_retried_then_failed(api, push, key, admin):
    """No HTTP answer at all (connection refused) counts as retryable."""
    from push.tables import PushSubscription

    reporter = await person(api, push, key)
    # The same allowed origin, but a path the loopback service does not serve
    # would 404; so point the stored subscription at a closed port instead.
    dead = f"http://127.0.0.1:{free_port()}/push/x"
    await PushSubscription.update({PushSubscription.endpoint: dead}).where(
        PushSubscription.endpoint == reporter.device.endpoint
    )
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS), row
    assert row["last_http_status"] is None and row["last_error"], row


# --- not retried ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["410", "404"])
async def test_gone_subscription_is_pruned_and_not_retried(api, push, key, admin, how):
    reporter = await person(api, push, key)
    phone = reporter.device
    if how == "410":
        phone.gone()
    else:
        phone.unsubscribe()  # the service forgets it: 404
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert row["status"] == "failed", row
    assert row["attempts"] == 1
    assert row["last_http_status"] == int(how)
    assert not await subscription_exists(phone.endpoint)
    await asyncio.sleep(QUIET_S)
    assert len([a for a in push.attempts if a.endpoint == phone.endpoint]) == 1

    # The next notification finds no phone at all.
    cid = await notify(api, admin, reporter)
    assert (await only_row(cid))["status"] == "no_device"


@pytest.mark.parametrize("status", [400, 403, 413, 302])
async def test_other_refusals_fail_without_retry(api, push, key, admin, status):
    reporter = await person(api, push, key)
    phone = reporter.device.script(Reply(status=status))
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert row["status"] == "failed", row
    assert row["last_http_status"] == status
    assert row["attempts"] == 1
    await asyncio.sleep(QUIET_S)
    assert (await notification(row["id"]))["attempts"] == 1
    assert [a.status for a in phone.attempts] == [status]
    assert await subscription_exists(phone.endpoint)  # only 404/410 prune


async def test_absurd_retry_after_does_not_break_the_batch(api, push, key, admin):
    pics = [await person(api, push, key, "pic", "DISHUB") for _ in range(2)]
    throttled, fine = (p.device for p in pics)
    throttled.script(Reply(status=429, retry_after="1000000000000"))
    reporter = Person(*await quick_user())
    c = await api.submit(reporter.h, title="Parkir liar", body="Parkir liar di trotoar pasar.")
    await api.post(
        f"/api/v1/complaints/{c['id']}/dispatch",
        admin.h,
        {"unit_id": await api.unit_id("DISHUB")},
    )
    await asyncio.sleep(LEASE_S + 1.5)
    assert len(pushes(fine, c["id"], "complaint.routed")) == 1


# --- several phones ------------------------------------------------------------------


async def test_good_phone_is_not_rung_again_when_the_bad_one_is_retried(api, push, key, admin):
    reporter = await person(api, push, key, devices=2)
    good, bad = reporter.devices
    bad.script(Reply(status=500))
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert (row["status"], row["attempts"]) == ("sent", 2), row
    await asyncio.sleep(QUIET_S)
    assert len(pushes(good, cid)) == 1
    assert [a.status for a in good.attempts] == [201]
    assert len(pushes(bad, cid)) == 1
    assert [a.status for a in bad.attempts] == [500, 201]
    assert len(row["delivered_to"]) == 2


async def test_one_phone_gone_the_other_delivered(api, push, key, admin):
    reporter = await person(api, push, key, devices=2)
    good, old = reporter.devices
    old.gone()
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert row["status"] == "sent", row
    assert row["attempts"] == 1
    assert len(pushes(good, cid)) == 1
    assert not await subscription_exists(old.endpoint)
    assert await subscription_exists(good.endpoint)


async def test_one_phone_exhausts_its_attempts_the_other_got_it_once(api, push, key, admin):
    reporter = await person(api, push, key, devices=2)
    good, bad = reporter.devices
    bad.script(*[Reply(status=502)] * (MAX_ATTEMPTS + 2))
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    # Delivered to one phone: the notification is sent, and no longer retried.
    assert (row["status"], row["attempts"]) == ("sent", MAX_ATTEMPTS), row
    await asyncio.sleep(QUIET_S)
    assert len(pushes(good, cid)) == 1
    assert [a.status for a in bad.attempts] == [502] * MAX_ATTEMPTS


# --- nobody to tell ----------------------------------------------------------------


async def test_user_without_subscription_ends_no_device(api, push, admin):
    reporter = Person(*await quick_user())
    cid = await notify(api, admin, reporter)
    row = await only_row(cid)
    assert row["status"] == "no_device", row
    assert row["sent_at"] is None
    await asyncio.sleep(QUIET_S)
    assert (await notification(row["id"]))["status"] == "no_device"


# --- receipts ------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def service_worker(app, client):
    """What the service worker has: no bearer token and no session cookie."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as c:
        yield c


async def test_receipts_store_the_first_time_of_each_event(api, push, key, admin, service_worker):
    reporter = await person(api, push, key)
    cid = await notify(api, admin, reporter)
    await only_row(cid)
    [msg] = pushes(reporter.device, cid)
    nid, receipt = msg.json["notification_id"], msg.json["receipt"]

    first: dict[str, object] = {}
    for event in ("received", "shown", "clicked"):
        r = await service_worker.post(
            "/api/v1/push/receipts",
            json={"notification_id": nid, "event": event, "receipt": receipt},
        )
        assert r.status_code == 204, r.text
        row = await notification(nid)
        first[event] = row[f"{event}_at"]
        assert first[event] is not None
    assert first["received"] <= first["shown"] <= first["clicked"]

    await asyncio.sleep(0.05)
    for event in ("received", "shown", "clicked"):  # a duplicate push, a second click
        r = await service_worker.post(
            "/api/v1/push/receipts",
            json={"notification_id": nid, "event": event, "receipt": receipt},
        )
        assert r.status_code == 204, r.text
    row = await notification(nid)
    assert {e: row[f"{e}_at"] for e in first} == first
    assert row["status"] == "sent"


async def test_receipt_for_unknown_notification_is_404(service_worker, app):
    from push.receipts import sign

    # Even correctly signed: the id does not exist.
    receipt = sign(app.state.settings.secret_key, 987_654_321)
    r = await service_worker.post(
        "/api/v1/push/receipts",
        json={"notification_id": 987_654_321, "event": "shown", "receipt": receipt},
    )
    assert r.status_code == 404, r.text
    assert r.json()["status_code"] == 404


async def test_forged_or_missing_receipt_is_404_and_records_nothing(
    api, push, key, admin, service_worker
):
    reporter = await person(api, push, key)
    cid = await notify(api, admin, reporter)
    await only_row(cid)
    [msg] = pushes(reporter.device, cid)
    from push.receipts import sign

    nid, receipt = msg.json["notification_id"], msg.json["receipt"]
    for forged in (None, "", sign("not-the-server-key", nid), receipt[:-1], receipt + "x"):
        body = {"notification_id": nid, "event": "clicked"}
        if forged is not None:
            body["receipt"] = forged
        r = await service_worker.post("/api/v1/push/receipts", json=body)
        assert r.status_code == 404, (forged, r.text)
    # A real receipt of one notification does not sign another id.
    r = await service_worker.post(
        "/api/v1/push/receipts",
        json={"notification_id": nid + 1, "event": "clicked", "receipt": receipt},
    )
    assert r.status_code == 404, r.text
    row = await notification(nid)
    assert row["received_at"] is None and row["shown_at"] is None and row["clicked_at"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"notification_id": 1, "event": "opened"},
        {"notification_id": 1, "event": ""},
        {"notification_id": 0, "event": "shown"},
        {"notification_id": 1},
        {"event": "shown"},
        {"notification_id": 1, "event": "shown", "extra": True},
        {"notification_id": 2**63, "event": "shown", "receipt": "x"},
        {"notification_id": 2**31, "event": "shown", "receipt": "x"},
    ],
    ids=[
        "bad-event", "empty-event", "id-0", "no-event", "no-id", "unknown-field",
        "id-2^63", "id-2^31",
    ],
)
async def test_malformed_receipt_is_400(service_worker, body):
    r = await service_worker.post("/api/v1/push/receipts", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["status_code"] == 400
