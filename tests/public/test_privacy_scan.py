"""The privacy scan: complaints whose reporters' every identity field is
known (name, username, phone, e-mail, a NIK in the body, a photo), in every
visibility and through the whole SOP; then EVERY public output (the public
API, Open311 in JSON and XML) is fetched and searched for any of it."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.public.conftest import make_api_key
from tests.support.sample_files import JPEG

STATUSES = ("received", "routed", "answered", "released", "closed")


@dataclass
class Reporter:
    h: dict
    name: str
    username: str
    phone: str
    email: str
    nik: str


@dataclass
class Filed:
    id: int
    tracking_no: str
    confidential_marker: str | None


async def _reporter(api, n: int) -> Reporter:
    from backend.accounts.tables import User

    name = ("Sukmawati Handayani", "Rohmanudin Syafei")[n]
    user, headers = await api.citizen(name)
    phone, email = ("0813-2299-7711", "+62 857 4400 3311")[n], f"pelapor{n}.rahasia@yahoo.co.id"
    await User.update({User.phone: phone, User.email: email}).where(User.id == user["id"])
    nik = ("3209415508900002", "3209 0101 7701 0003")[n]
    return Reporter(headers, name, user["username"], phone, email, nik)


async def _file(api, flow, cast, who: Reporter, status: str, anonymous: bool, confidential: bool):
    marker = "rahasiaku" + uuid.uuid4().hex[:6] if confidential else None
    title = f"Jalan rusak, saya {who.name} ({who.phone}, {who.email}) {marker or ''}".strip()
    body = (
        f"Nama saya {who.name}, NIK {who.nik}, akun {who.username}. "
        f"Hubungi {who.phone} atau {who.email}. Kejadian 12-03-2026 di RT 03/RW 05."
    )
    c = await api.submit(
        who.h, title=title, body=body, is_anonymous=anonymous, is_confidential=confidential
    )
    photo = await api.client.post(
        flow.url(c["id"], "attachments"),
        files={"file": ("foto-ktp.jpg", JPEG, "image/jpeg")},
        headers=who.h,
    )
    assert photo.status_code == 201, photo.text
    steps = [
        ("dispatch", cast.admin.h, {"unit_id": cast.putr}),
        ("answer", cast.pic.h, {"body": f"Bapak/Ibu {who.name}, kami telepon ke {who.phone}."}),
        ("release", cast.admin.h, {}),
        ("rating", who.h, {"score": 4, "comment": f"Terima kasih, {who.name}"}),
    ]
    for action, headers, payload in steps[: STATUSES.index(status)]:
        await api.post(flow.url(c["id"], action), headers, payload)
    return Filed(c["id"], c["tracking_no"], marker)


@pytest.fixture(scope="module")
async def filed(api, flow, cast, open311_contact):
    reporters = [await _reporter(api, 0), await _reporter(api, 1)]
    made = []
    for n, (status, anonymous, confidential) in enumerate(
        itertools.product(STATUSES, (False, True), (False, True))
    ):
        made.append(await _file(api, flow, cast, reporters[n % 2], status, anonymous, confidential))
    return reporters, made


OPEN311_CONTACT = {
    "first_name": "Wahyuningsih",
    "last_name": "Kartasasmita",
    "email": "wahyu.karta@example.id",
    "phone": "+62 812 7766 5544",
}


@pytest.fixture(scope="module")
async def open311_contact(base_url):
    key = await make_api_key("scan-" + uuid.uuid4().hex[:6])
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{base_url}/open311/v2/requests.json",
            data={
                "api_key": key,
                "service_code": "JALAN",
                "description": "Jembatan retak, saya Wahyuningsih Kartasasmita, 081277665544",
                **OPEN311_CONTACT,
            },
        )
    assert r.status_code == 201, r.text
    return r.json()[0]["service_request_id"]


async def _every_public_output(base_url: str, numbers: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base_url) as http:

        async def grab(path: str, **params) -> httpx.Response:
            r = await http.get(path, params=params)
            assert r.status_code == 200, (path, r.status_code, r.text)
            out[f"{path}?{params}"] = r.text
            return r

        for number in numbers:
            await grab(f"/api/v1/public/complaints/{number}")
        cursor = None
        while True:
            page = await grab(
                "/api/v1/public/complaints", limit="3", **({"cursor": cursor} if cursor else {})
            )
            cursor = page.json()["next_cursor"]
            if not cursor:
                break
        await grab("/api/v1/public/stats")
        await grab("/api/v1/public/stats", since="2020-01-01")
        for fmt in ("json", "xml"):
            await grab(f"/open311/v2/discovery.{fmt}")
            await grab(f"/open311/v2/services.{fmt}")
            await grab(f"/open311/v2/services/JALAN.{fmt}")
            await grab(f"/open311/v2/requests.{fmt}")
            await grab(f"/open311/v2/requests.{fmt}", status="open")
            await grab(f"/open311/v2/requests.{fmt}", status="closed")
            await grab(f"/open311/v2/requests.{fmt}", service_code="JALAN")
            await grab(f"/open311/v2/requests.{fmt}", service_request_id=",".join(numbers))
            for number in numbers:
                r = await http.get(f"/open311/v2/requests/{number}.{fmt}")
                assert r.status_code in (200, 404), r.text  # 404: confidential
                out[f"/open311/v2/requests/{number}.{fmt}"] = r.text
    return out


def _secrets(reporters: list[Reporter]) -> list[str]:
    found = []
    for who in reporters:
        found += [who.name, who.username, who.phone, who.email, who.nik]
        found += who.name.split()
        found.append("".join(ch for ch in who.phone if ch.isdigit() or ch == "+"))
    found += [*OPEN311_CONTACT.values(), "081277665544"]
    return found


async def test_no_public_output_carries_any_identity(base_url, filed, open311_contact):
    from backend.complaints.tables import Attachment

    reporters, made = filed
    numbers = [f.tracking_no for f in made] + [open311_contact]
    outputs = await _every_public_output(base_url, numbers)
    assert len(outputs) > 60
    stored = [a["storage_name"] for a in await Attachment.select(Attachment.storage_name)]
    assert len(stored) >= len(made)
    forbidden = _secrets(reporters) + stored + ["/api/v1/attachments", "image/jpeg", "foto-ktp"]
    forbidden += [f.confidential_marker for f in made if f.confidential_marker]
    leaks = [
        (where, secret)
        for where, text in outputs.items()
        for secret in forbidden
        if secret.lower() in text.lower()
    ]
    assert leaks == []


async def test_the_scan_sees_the_complaints_it_checks(base_url, filed, open311_contact):
    """The scan above is only worth something if the public outputs do show
    these complaints: the non-confidential ones, masked, in every output."""
    _, made = filed
    async with httpx.AsyncClient(base_url=base_url) as http:
        for f in made:
            public = (await http.get(f"/api/v1/public/complaints/{f.tracking_no}")).json()
            if f.confidential_marker:
                assert public["title"] is None
                continue
            assert public["title"].startswith("Jalan rusak, saya [identitas disamarkan]")
            assert "[nomor telepon disamarkan]" in public["title"]
            assert "[email disamarkan]" in public["title"]
            if public["answer"]:
                assert public["answer"]["body"] == (
                    "Bapak/Ibu [identitas disamarkan], kami telepon ke [nomor telepon disamarkan]."
                )
        listed = (await http.get("/open311/v2/requests.json")).json()
    non_confidential = {f.tracking_no for f in made if not f.confidential_marker}
    assert non_confidential | {open311_contact} <= {r["service_request_id"] for r in listed}
