"""Every push type of the contract reaches exactly its audience, verified by
the loopback push service (VAPID, encryption, headers), and payloads stay
within one 4096-byte push record."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest

from tests.support.network import free_port
from tests.support.people import Person, person
from tests.support.push_checks import check_contract, pushes, wait_pushes
from tests.support.push_service import LoopbackPushService
from tests.support.records import notification, notifications

PUSH_PORT = free_port()
EXTRA_ENV = {
    "UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}",
    "UPIK_SLA_REMINDER_SECONDS": "1",
    "UPIK_SLA_ANSWER_SECONDS": "2",
}
# Time for a push to the wrong person to show up, once the right ones arrived
# (all recipients of a step are written in one transaction and sent together).
GRACE_S = 0.3
REPORTER_NAME = "Nyi Mas Gandasari Wiryanegara"


@dataclass
class Cast:
    admins: list[Person]
    putr: list[Person]  # both PICs of DPUTR
    dinkes: Person  # the PIC of another unit
    bpbd: list[Person]  # both PICs of BPBD (auto-dispatch of disasters)
    reporter: Person
    other_citizen: Person
    units: dict[str, int]

    @property
    def everyone(self) -> list[Person]:
        return [
            *self.admins,
            *self.putr,
            self.dinkes,
            *self.bpbd,
            self.reporter,
            self.other_citizen,
        ]


@pytest.fixture(scope="module")
async def cast(api, client, push) -> Cast:
    r = await client.get("/api/v1/push/key")
    key = r.json()["public_key"]
    # Concurrently: password hashing runs in threads and dominates the setup.
    people = await asyncio.gather(
        person(api, push, key, "admin", name="Admin 1"),
        person(api, push, key, "admin", name="Admin 2"),
        person(api, push, key, "pic", "DPUTR", name="PIC PUTR 1"),
        person(api, push, key, "pic", "DPUTR", name="PIC PUTR 2"),
        person(api, push, key, "pic", "DINKES", name="PIC Dinkes"),
        person(api, push, key, "pic", "BPBD", name="PIC BPBD 1"),
        person(api, push, key, "pic", "BPBD", name="PIC BPBD 2"),
        person(api, push, key, name=REPORTER_NAME),
        person(api, push, key, name="Warga Lain"),
    )
    made = Cast(
        admins=people[0:2],
        putr=people[2:4],
        dinkes=people[4],
        bpbd=people[5:7],
        reporter=people[7],
        other_citizen=people[8],
        units={code: await api.unit_id(code) for code in ("DPUTR", "DINKES", "BPBD")},
    )
    # "Every admin" is every admin in the database: the cast must be all of them.
    from backend.accounts.tables import User

    admins = await User.select(User.id).where(User.role == "admin")
    assert {a["id"] for a in admins} == {a.id for a in made.admins}
    return made


async def expect_only(
    cast: Cast,
    push: LoopbackPushService,
    complaint: dict,
    type_: str,
    audience: list[Person],
    count: int = 1,
    timeout: float = 10.0,
) -> list:
    """`audience` (each phone) gets `count` pushes of `type_` for the
    complaint; nobody else gets any. Each is checked against the contract and
    its notification row belongs to that person."""
    await wait_pushes([p.device for p in audience], complaint["id"], type_, count, timeout)
    await asyncio.sleep(GRACE_S)
    got = []
    for who in cast.everyone:
        mine = pushes(who.device, complaint["id"], type_)
        if who in audience:
            assert len(mine) == count, (type_, who.user, len(mine))
            for msg in mine:
                data = check_contract(msg, push, complaint, type_)
                row = await notification(data["notification_id"])
                assert row["recipient"] == who.id and row["type"] == type_, row
                got.append(msg)
        else:
            assert mine == [], f"{type_} reached {who.user} who is not its audience"
    assert push.rejections == []
    return got


def url(cid: int, action: str) -> str:
    return f"/api/v1/complaints/{cid}/{action}"


async def routed(api, cast: Cast, **body) -> dict:
    c = await api.submit(cast.reporter.h, **body)
    return await api.post(
        url(c["id"], "dispatch"), cast.admins[0].h, {"unit_id": cast.units["DPUTR"]}
    )


async def answered(api, cast: Cast, **body) -> dict:
    c = await routed(api, cast, **body)
    return await api.post(url(c["id"], "answer"), cast.putr[0].h, {"body": "Sudah diperbaiki."})


async def released(api, cast: Cast, **body) -> dict:
    c = await answered(api, cast, **body)
    return await api.post(url(c["id"], "release"), cast.admins[0].h, {})


# --- one test per type ----------------------------------------------------------


async def test_received_goes_to_every_admin(api, cast, push):
    c = await api.submit(cast.reporter.h)
    assert c["status"] == "received"
    for msg in await expect_only(cast, push, c, "complaint.received", cast.admins):
        assert msg.urgency == "high"  # an admin must dispatch it


async def test_routed_on_dispatch_goes_to_every_pic_of_the_unit(api, cast, push):
    c = await routed(api, cast)
    assert c["status"] == "routed"
    await expect_only(cast, push, c, "complaint.routed", cast.putr)


async def test_routed_on_auto_dispatch_goes_to_the_category_unit(api, cast, push):
    c = await api.submit(
        cast.reporter.h,
        title="Banjir bandang dan longsor di Desa Cipanas",
        body="Tadi malam terjadi banjir bandang dan tanah longsor, warga perlu evakuasi.",
    )
    assert c["status"] == "routed" and c["unit"]["code"] == "BPBD", c
    await expect_only(cast, push, c, "complaint.routed", cast.bpbd)
    # The admins are told, but nothing is left for them to do.
    await expect_only(cast, push, c, "complaint.received", cast.admins)


async def test_routed_on_reopen_by_reply_goes_to_every_pic_again(api, cast, push):
    c = await released(api, cast)
    await expect_only(cast, push, c, "complaint.routed", cast.putr)
    reopened = await api.post(
        url(c["id"], "replies"), cast.reporter.h, {"body": "Masih rusak, belum selesai."}, 201
    )
    assert reopened is not None
    detail = (
        await api.client.get(f"/api/v1/complaints/{c['id']}", headers=cast.admins[0].h)
    ).json()
    assert detail["status"] == "routed"
    await expect_only(cast, push, c, "complaint.routed", cast.putr, count=2)


async def test_reply_while_open_pushes_nobody(api, cast, push):
    c = await routed(api, cast)
    await wait_pushes([p.device for p in cast.putr], c["id"], "complaint.routed")
    await api.post(url(c["id"], "replies"), cast.reporter.h, {"body": "Tambahan info."}, 201)
    await asyncio.sleep(GRACE_S)
    for who in cast.putr:
        assert len(pushes(who.device, c["id"], "complaint.routed")) == 1


async def test_answered_goes_to_every_admin(api, cast, push):
    c = await answered(api, cast)
    await expect_only(cast, push, c, "complaint.answered", cast.admins)


async def test_returned_goes_to_every_pic_of_the_unit(api, cast, push):
    c = await answered(api, cast)
    await api.post(url(c["id"], "return"), cast.admins[1].h, {"note": "Lengkapi jawabannya."})
    await expect_only(cast, push, c, "complaint.returned", cast.putr)


async def test_released_goes_to_the_reporter(api, cast, push):
    c = await released(api, cast)
    await expect_only(cast, push, c, "complaint.released", [cast.reporter])


async def test_rejected_goes_to_the_reporter(api, cast, push):
    c = await api.submit(cast.reporter.h)
    await api.post(url(c["id"], "reject"), cast.admins[0].h, {"reason": "Bukan kewenangan."})
    await expect_only(cast, push, c, "complaint.rejected", [cast.reporter])


async def test_declined_goes_back_to_the_admins(api, cast, push):
    """Extension of the contract (docs/api.md): a PIC's 'not our unit'."""
    c = await routed(api, cast)
    await api.post(url(c["id"], "decline"), cast.putr[1].h, {"reason": "Bukan unit kami."})
    await expect_only(cast, push, c, "complaint.declined", cast.admins)


async def test_sla_reminder_to_pics_and_escalation_to_admins(api, cast, push):
    c = await routed(api, cast)
    reminders = await expect_only(cast, push, c, "sla.reminder", cast.putr, timeout=8)
    escalations = await expect_only(cast, push, c, "sla.escalated", cast.admins, timeout=8)
    for msg in [*reminders, *escalations]:
        assert msg.urgency == "high" and msg.ttl >= 60


# --- what a payload may say -----------------------------------------------------


@pytest.mark.parametrize("flag", ["is_anonymous", "is_confidential"])
async def test_hidden_reporter_is_named_in_no_payload(api, cast, push, flag):
    c = await released(
        api,
        cast,
        title="Lampu jalan mati di depan balai desa",
        body="Sudah dua minggu gelap.",
        **{flag: True},
    )
    await wait_pushes([cast.reporter.device], c["id"], "complaint.released")
    await wait_pushes([p.device for p in cast.admins], c["id"], "complaint.answered")
    seen = [
        m
        for m in push.received
        if isinstance(m.json, dict) and m.json.get("complaint_id") == c["id"]
    ]
    types = {m.json["type"] for m in seen}
    assert {"complaint.received", "complaint.routed", "complaint.answered"} <= types, types
    username = cast.reporter.user["username"]
    for msg in seen:
        text = msg.text.lower()
        for secret in (REPORTER_NAME.lower(), "wiryanegara", username.lower()):
            assert secret not in text, (msg.json["type"], msg.text)
    # Also not in what is stored for later delivery.
    for row in await notifications(c["id"]):
        dumped = json.dumps(row["payload"], ensure_ascii=False).lower()
        assert "wiryanegara" not in dumped and username.lower() not in dumped


async def test_longest_title_and_body_fit_one_push_record(api, cast, push):
    from push.sender import MAX_PLAINTEXT

    # 200 characters (the maximum), most of them 3- and 4-byte UTF-8.
    title = ("Jalan rusak 🚧 ꦗꦭꦤ꧀ rusak “parah” \\ ") * 10
    title = title[:199] + "!"  # the API strips surrounding blanks
    body = ("Keluhan panjang sekali ꦱꦸꦩ꧀ꦧꦼꦂ 🙏 " * 200)[:5000]
    c = await routed(api, cast, title=title, body=body)
    [msg, _] = await expect_only(cast, push, c, "complaint.routed", cast.putr)
    assert msg.json["body"] == title  # it fits, so nothing was cut
    assert len(msg.payload) <= MAX_PLAINTEXT
    # The service refuses bodies over 4096 bytes (413): none was refused.
    statuses = {
        a.status for a in push.attempts if a.endpoint in {p.device.endpoint for p in cast.putr}
    }
    assert statuses == {201}

    c = await released(api, cast, title=title, body=body)
    [msg] = await expect_only(cast, push, c, "complaint.released", [cast.reporter])
    assert title in msg.json["body"]


# --- fit_payload, directly ---------------------------------------------------------


def _payload(**over) -> dict:
    base = {
        "type": "complaint.routed",
        "notification_id": 123456789,
        "complaint_id": 42,
        "tracking_no": "UPIK-2026-000042",
        "title": "Pengaduan untuk unit Anda: UPIK-2026-000042",
        "body": "Lampu jalan mati",
        "url": "/app/complaints/42",
    }
    base.update(over)
    return base


def test_fit_payload_keeps_a_small_payload_as_is():
    from push.sender import fit_payload

    payload = _payload(body="Jalan ꦗꦭꦤ꧀ 🚧")
    data = fit_payload(payload)
    assert json.loads(data) == payload
    assert "ꦗꦭꦤ꧀".encode() in data  # UTF-8, not \\u escapes (they cost 6 bytes each)


HUGE = {
    "ascii": "a" * 100_000,
    "2-byte": "é" * 50_000,
    "3-byte": "ꦗꦭꦤ꧀" * 30_000,
    "4-byte": "🚧🙏" * 30_000,
    "escapes": '"\\' * 40_000,  # 2 bytes each in JSON
    "control": "\x01\x1f" * 40_000,  # 6 bytes each in JSON (\u0001)
    "mixed": 'x🚧\n"é' * 20_000,
}


@pytest.mark.parametrize("kind", list(HUGE))
def test_fit_payload_makes_huge_text_fit_one_record(kind):
    from push.sender import MAX_PLAINTEXT, fit_payload

    text = HUGE[kind]
    payload = _payload(title=text, body=text)
    data = fit_payload(payload)
    assert len(data) <= MAX_PLAINTEXT
    parsed = json.loads(data.decode("utf-8"))  # whole JSON, valid UTF-8
    for k in ("type", "notification_id", "complaint_id", "tracking_no", "url"):
        assert parsed[k] == payload[k]
    for k in ("title", "body"):
        assert parsed[k] == "" or parsed[k].endswith("…")
        assert text.startswith(parsed[k].removesuffix("…"))
    assert payload["body"] == text  # the caller's dict is not changed


def _uses_the_room(kind: str) -> None:
    from push.sender import MAX_PLAINTEXT, fit_payload

    text = HUGE[kind]
    data = fit_payload(_payload(body=text))
    parsed = json.loads(data)
    assert len(data) <= MAX_PLAINTEXT
    # Shortened, not dropped: the lock screen still shows what it is about,
    # and nearly all of the record is used.
    assert parsed["body"].endswith("…") and len(parsed["body"]) > 1, parsed["body"][:20]
    assert len(data) > MAX_PLAINTEXT - 64, len(data)


def test_fit_payload_shortens_ascii_text_to_the_record_size():
    _uses_the_room("ascii")


@pytest.mark.parametrize("kind", ["2-byte", "3-byte", "4-byte", "escapes", "control", "mixed"])
def test_fit_payload_shortens_multibyte_text_instead_of_dropping_it(kind):
    _uses_the_room(kind)


def test_fit_payload_cuts_the_body_before_the_title():
    from push.sender import MAX_PLAINTEXT, fit_payload

    payload = _payload(body="ꦱ" * 20_000)
    data = fit_payload(payload)
    parsed = json.loads(data)
    assert parsed["title"] == payload["title"]
    assert parsed["body"] == "" or parsed["body"].endswith("…")
    assert len(data) <= MAX_PLAINTEXT


def test_fit_payload_never_cuts_the_json_itself():
    from push.sender import fit_payload

    with pytest.raises(ValueError):
        fit_payload(_payload(url="/" + "x" * 5000))


async def test_max_plaintext_is_exactly_what_one_record_holds(push, tmp_path):
    """On the wire (real pywebpush + aes128gcm to the strict service): a
    plaintext of MAX_PLAINTEXT bytes is accepted, one byte more is 413."""
    from push.sender import MAX_PLAINTEXT, Device, PushSender, fit_payload
    from push.vapid import JwtCache, load_or_create, public_key_b64

    vapid = load_or_create(None, tmp_path)
    phone = push.new_device(application_server_key=public_key_b64(vapid))
    target = Device(1, phone.endpoint, push.origin, phone.p256dh, phone.auth)
    sender = PushSender(JwtCache(vapid, "mailto:admin@localhost"))
    await sender.start()
    try:
        fitted = fit_payload(_payload(body="🚧ꦗé" * 10_000))
        exact = b"x" * MAX_PLAINTEXT
        over = b"x" * (MAX_PLAINTEXT + 1)
        outcomes = [
            await sender.send(target, data, ttl=60, urgency="high", topic="complaint-42")
            for data in (fitted, exact, over)
        ]
    finally:
        await sender.close()
    assert [o.status for o in outcomes] == [201, 201, 413], outcomes
    assert not outcomes[2].retryable and not outcomes[2].gone
    first, second = phone.received
    assert first.payload == fitted and json.loads(first.text)["complaint_id"] == 42
    assert second.payload == exact
