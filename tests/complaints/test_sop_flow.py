"""The whole SOP over the API, on both engines: submit, dispatch, answer,
return, answer again, release, reply (reopens), answer, release, rate."""

from backend.notifications.tables import Notification


async def _outbox(complaint_id: int) -> list[tuple[str, int]]:
    rows = (
        await Notification.select(Notification.type, Notification.recipient)
        .where(Notification.complaint == complaint_id)
        .order_by(Notification.id)
    )
    return [(r["type"], r["recipient"]) for r in rows]


async def test_full_sop(api, database):
    admin, admin_h = await api.staff("admin")
    pic, pic_h = await api.staff("pic", "DPUTR")
    other_pic, other_h = await api.staff("pic", "DINKES")
    citizen, citizen_h = await api.citizen()

    c = await api.submit(
        citizen_h,
        title="Jembatan ambruk di Plered",
        body="Jembatan penghubung desa ambruk, warga tidak bisa lewat.",
    )
    assert c["status"] == "received"
    assert c["tracking_no"].startswith("UPIK-")
    assert c["kind_source"] == "system"
    cid = c["id"]
    assert (("complaint.received", admin["id"])) in await _outbox(cid)

    putr = await api.unit_id("DPUTR")
    routed = await api.post(f"/api/v1/complaints/{cid}/dispatch", admin_h, {"unit_id": putr})
    assert routed["status"] == "routed" and routed["unit"]["code"] == "DPUTR"
    assert routed["sla_due_at"] is not None
    types = await _outbox(cid)
    assert ("complaint.routed", pic["id"]) in types
    assert ("complaint.routed", other_pic["id"]) not in types

    # The other unit's PIC cannot see it at all.
    r = await api.client.get(f"/api/v1/complaints/{cid}", headers=other_h)
    assert r.status_code == 404

    answered = await api.post(
        f"/api/v1/complaints/{cid}/answer",
        pic_h,
        {"body": "Tim kami akan memasang jembatan darurat besok."},
    )
    assert answered["status"] == "answered"
    mine = (await api.client.get(f"/api/v1/complaints/{cid}", headers=citizen_h)).json()
    assert not [m for m in mine["messages"] if m["kind"] == "answer"], "unreleased answer leaked"

    returned = await api.post(
        f"/api/v1/complaints/{cid}/return", admin_h, {"note": "Sebutkan jadwal pastinya."}
    )
    assert returned["status"] == "routed"
    await api.post(
        f"/api/v1/complaints/{cid}/answer",
        pic_h,
        {"body": "Jembatan darurat dipasang Kamis, 3 Desember."},
    )
    released = await api.post(f"/api/v1/complaints/{cid}/release", admin_h, {})
    assert released["status"] == "released"

    mine = (await api.client.get(f"/api/v1/complaints/{cid}", headers=citizen_h)).json()
    answers = [m["body"] for m in mine["messages"] if m["kind"] == "answer"]
    assert answers == ["Jembatan darurat dipasang Kamis, 3 Desember."]
    assert not [m for m in mine["messages"] if m["kind"] == "note"], "internal note leaked"
    assert ("complaint.released", citizen["id"]) in await _outbox(cid)

    reopened = await api.post(
        f"/api/v1/complaints/{cid}/replies",
        citizen_h,
        {"body": "Sudah Kamis tapi belum ada."},
        expect=201,
    )
    assert reopened["status"] == "routed"
    await api.post(f"/api/v1/complaints/{cid}/answer", pic_h, {"body": "Maaf, besok pagi."})
    await api.post(
        f"/api/v1/complaints/{cid}/release", admin_h, {"body": "Maaf, besok pagi pukul 08.00."}
    )
    closed = await api.post(
        f"/api/v1/complaints/{cid}/rating", citizen_h, {"score": 4, "comment": "Terima kasih"}
    )
    assert closed["status"] == "closed" and closed["rating"]["score"] == 4

    events = [e["type"] for e in closed["events"]]
    assert events == [
        "submit",
        "dispatch",
        "answer",
        "return",
        "answer",
        "release",
        "reply",
        "answer",
        "release",
        "rate",
    ]
