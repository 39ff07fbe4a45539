"""Who sees which complaints, whose name, and which messages."""

from __future__ import annotations

import json

import pytest

from tests.support.complaint_flow import Who
from tests.support.error_shape import assert_error

LIST = "/api/v1/complaints?limit=100"


async def _list_ids(api, who: Who, extra: str = "") -> list[int]:
    r = await api.client.get(LIST + extra, headers=who.h)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def _items(api, who: Who) -> dict[int, dict]:
    r = await api.client.get(LIST, headers=who.h)
    assert r.status_code == 200, r.text
    return {i["id"]: i for i in r.json()["items"]}


async def test_citizen_sees_only_own(api, flow, cast):
    mine = await flow.received()
    theirs = await flow.received(reporter=cast.other)
    ids = await _list_ids(api, cast.reporter)
    assert mine["id"] in ids and theirs["id"] not in ids
    assert theirs["id"] in await _list_ids(api, cast.other)
    assert mine["id"] not in await _list_ids(api, cast.other)
    r = await api.client.get(flow.url(theirs["id"]), headers=cast.reporter.h)
    assert_error(r, 404)
    # Filters cannot widen the scope.
    assert theirs["id"] not in await _list_ids(api, cast.reporter, "&status=received")
    assert theirs["id"] not in await _list_ids(api, cast.reporter, f"&q={theirs['tracking_no']}")
    # Every item the citizen gets is theirs.
    r = await api.client.get(LIST, headers=cast.reporter.h)
    assert {i["reporter"]["id"] for i in r.json()["items"]} == {cast.reporter.id}


async def test_pic_sees_only_their_units_routed_complaints(api, flow, cast):
    unrouted = await flow.received()
    ours = await flow.routed()
    theirs = await flow.received()
    await api.post(flow.url(theirs["id"], "dispatch"), cast.admin.h, {"unit_id": cast.dinkes})

    ids = await _list_ids(api, cast.pic)
    assert ours["id"] in ids
    assert unrouted["id"] not in ids and theirs["id"] not in ids
    r = await api.client.get(LIST, headers=cast.pic.h)
    assert {i["unit"]["id"] for i in r.json()["items"]} == {cast.putr}
    # Asking for another unit's complaints yields nothing.
    assert await _list_ids(api, cast.pic, f"&unit_id={cast.dinkes}") == []

    for cid in (unrouted["id"], theirs["id"]):
        assert_error(await api.client.get(flow.url(cid), headers=cast.pic.h), 404)
    assert (await api.client.get(flow.url(ours["id"]), headers=cast.pic.h)).status_code == 200
    assert theirs["id"] in await _list_ids(api, cast.other_pic)
    assert ours["id"] not in await _list_ids(api, cast.other_pic)


async def test_admin_sees_everything_with_reporter(api, flow, cast):
    a = await flow.received(is_anonymous=True)
    b = await flow.routed(reporter=cast.other, is_confidential=True)
    items = await _items(api, cast.admin)
    assert a["id"] in items and b["id"] in items
    assert items[a["id"]]["reporter"]["id"] == cast.reporter.id
    assert items[b["id"]]["reporter"]["id"] == cast.other.id
    detail = (await api.client.get(flow.url(b["id"]), headers=cast.admin.h)).json()
    assert detail["reporter"] == {"id": cast.other.id, "name": "Warga Lain", "phone": None}


@pytest.mark.parametrize(
    "flags",
    [
        {"is_anonymous": True},
        {"is_confidential": True},
        {"is_anonymous": True, "is_confidential": True},
    ],
    ids=["anonymous", "confidential", "both"],
)
async def test_hidden_reporter_never_shown_to_the_unit(api, flow, cast, flags):
    c = await flow.routed(**flags)
    items = await _items(api, cast.pic)
    assert items[c["id"]]["reporter"] is None
    detail = (await api.client.get(flow.url(c["id"]), headers=cast.pic.h)).json()
    assert detail["reporter"] is None
    assert "Pelapor Utama" not in (await api.client.get(flow.url(c["id"]), headers=cast.pic.h)).text
    assert "Pelapor Utama" not in json.dumps(items[c["id"]])
    # The reporter still sees their own name; the admin sees it too.
    mine = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert mine["reporter"]["id"] == cast.reporter.id
    for key, value in flags.items():
        assert mine[key] is value
    admin = (await api.client.get(flow.url(c["id"]), headers=cast.admin.h)).json()
    assert admin["reporter"] == {"id": cast.reporter.id, "name": "Pelapor Utama", "phone": None}


async def test_open_reporter_is_shown_to_the_unit(api, flow, cast):
    c = await flow.routed()
    detail = (await api.client.get(flow.url(c["id"]), headers=cast.pic.h)).json()
    assert detail["reporter"] == {"id": cast.reporter.id, "name": "Pelapor Utama", "phone": None}


async def test_internal_notes_and_unreleased_answers_never_reach_the_reporter(api, flow, cast):
    c = await flow.received()
    cid = c["id"]
    secrets = {
        "dispatch": "CATATAN-DISPOSISI rahasia",
        "decline": "ALASAN-TOLAK-UNIT rahasia",
        "answer1": "JAWABAN-PERTAMA belum terbit",
        "return": "CATATAN-KEMBALI rahasia",
        "answer2": "JAWABAN-KEDUA belum terbit",
    }
    await api.post(
        flow.url(cid, "dispatch"),
        cast.admin.h,
        {"unit_id": cast.dinkes, "note": secrets["dispatch"]},
    )
    await api.post(flow.url(cid, "decline"), cast.other_pic.h, {"reason": secrets["decline"]})
    await api.post(flow.url(cid, "dispatch"), cast.admin.h, {"unit_id": cast.putr})
    await api.post(flow.url(cid, "answer"), cast.pic.h, {"body": secrets["answer1"]})
    await api.post(flow.url(cid, "return"), cast.admin.h, {"note": secrets["return"]})
    await api.post(flow.url(cid, "answer"), cast.pic.h, {"body": secrets["answer2"]})

    def leaked(text: str) -> list[str]:
        return [k for k, v in secrets.items() if v in text]

    r = await api.client.get(flow.url(cid), headers=cast.reporter.h)
    assert leaked(r.text) == []
    assert leaked((await api.client.get(LIST, headers=cast.reporter.h)).text) == []
    # Staff see the whole conversation.
    staff = (await api.client.get(flow.url(cid), headers=cast.admin.h)).text
    assert leaked(staff) == list(secrets)
    pic_view = (await api.client.get(flow.url(cid), headers=cast.pic.h)).text
    assert secrets["answer2"] in pic_view and secrets["return"] in pic_view

    # Released: only the released answer appears, still no internal note.
    await api.post(flow.url(cid, "release"), cast.admin.h, {})
    r = await api.client.get(flow.url(cid), headers=cast.reporter.h)
    assert leaked(r.text) == ["answer2"]
    kinds = [m["kind"] for m in r.json()["messages"]]
    assert kinds == ["answer"]
    # The timeline shows the steps, never their notes.
    assert [e["type"] for e in r.json()["events"]][:3] == ["submit", "dispatch", "decline"]


async def test_rejection_reason_is_shown_to_the_reporter(api, flow, cast):
    c = await flow.rejected()
    mine = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert [(m["kind"], m["body"]) for m in mine["messages"]] == [
        ("rejection", "Bukan kewenangan daerah.")
    ]


async def test_after_decline_the_pic_no_longer_sees_it(api, flow, cast):
    c = await flow.routed()
    assert c["id"] in await _list_ids(api, cast.pic)
    await api.post(flow.url(c["id"], "decline"), cast.pic.h, {"reason": "Salah alamat."})
    assert c["id"] not in await _list_ids(api, cast.pic)
    assert_error(await api.client.get(flow.url(c["id"]), headers=cast.pic.h), 404)
    r = await api.client.post(flow.url(c["id"], "answer"), json={"body": "x"}, headers=cast.pic.h)
    assert_error(r, 404)
    # ... while the admin and the reporter still do.
    assert (await api.client.get(flow.url(c["id"]), headers=cast.admin.h)).status_code == 200
    assert (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).status_code == 200


async def test_pic_keeps_seeing_answered_and_closed_complaints_of_the_unit(api, flow, cast):
    for status in ("answered", "released", "closed"):
        c = await flow.build(status)
        assert (await api.client.get(flow.url(c["id"]), headers=cast.pic.h)).status_code == 200
        assert_error(await api.client.get(flow.url(c["id"]), headers=cast.other_pic.h), 404)
