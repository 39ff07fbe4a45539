"""Answer templates through the API, on SQLite and PostgreSQL: admins manage
global and any unit's templates, a PIC its own unit's; a PIC never sees another
unit's template (404), may not touch global ones (403), and bad input is a 400
naming the field that leaves stored templates as they were."""

from __future__ import annotations

import pytest

from backend.templates.tables import AnswerTemplate
from tests.support.error_shape import assert_error

T = "/api/v1/templates"


async def make(client, who, expect=201, **body) -> dict:
    body.setdefault("title", "Terima kasih")
    body.setdefault("body", "Terima kasih atas laporan {nomor} tentang {judul}. Salam, {unit}.")
    r = await client.post(T, json=body, headers=who.h)
    assert r.status_code == expect, r.text
    return r.json()


@pytest.fixture(scope="module")
async def stock(client, cast):
    """One global template, one of DPUTR (the PIC's unit), one of DINKES."""
    return {
        "global": await make(client, cast.admin, title="Umum"),
        "putr": await make(client, cast.admin, title="Jalan", unit_id=cast.putr),
        "dinkes": await make(client, cast.admin, title="Puskesmas", unit_id=cast.dinkes),
    }


async def stored(template_id: int) -> dict | None:
    return await AnswerTemplate.select().where(AnswerTemplate.id == template_id).first()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()]


# -- creating ----------------------------------------------------------------------


async def test_admin_creates_global_and_unit_templates(client, cast, stock):
    g, putr = stock["global"], stock["putr"]
    assert g["unit_id"] is None and putr["unit_id"] == cast.putr
    assert g["title"] == "Umum" and "{nomor}" in g["body"]
    assert g["created_at"] == g["updated_at"]
    explicit = await make(client, cast.admin, title="Global juga", unit_id=None)
    assert explicit["unit_id"] is None


async def test_a_pic_creates_for_its_own_unit_even_without_saying_so(client, cast):
    implicit = await make(client, cast.pic, title="Saluran")
    explicit = await make(client, cast.pic, title="Drainase", unit_id=cast.putr)
    assert implicit["unit_id"] == explicit["unit_id"] == cast.putr


async def test_a_pic_may_not_create_global_or_other_units_templates(client, cast):
    before = await AnswerTemplate.count()
    r = await client.post(T, json={"title": "A", "body": "B", "unit_id": None}, headers=cast.pic.h)
    assert_error(r, 403, "global")
    r = await client.post(
        T, json={"title": "A", "body": "B", "unit_id": cast.dinkes}, headers=cast.pic.h
    )
    assert_error(r, 403, "own unit")
    assert await AnswerTemplate.count() == before


# -- listing -----------------------------------------------------------------------


async def test_admin_lists_all_or_what_a_units_answer_box_offers(client, cast, stock):
    everything = ids(await client.get(T, headers=cast.admin.h))
    assert {t["id"] for t in stock.values()} <= set(everything)
    for_dinkes = (await client.get(T, params={"unit_id": cast.dinkes}, headers=cast.admin.h)).json()
    assert {t["unit_id"] for t in for_dinkes} == {None, cast.dinkes}
    assert stock["dinkes"]["id"] in [t["id"] for t in for_dinkes]
    # Global ones first.
    units = [t["unit_id"] for t in for_dinkes]
    assert units == sorted(units, key=lambda u: u is not None)


async def test_a_pic_lists_global_and_its_own_units_only(client, cast, stock):
    seen = (await client.get(T, headers=cast.pic.h)).json()
    assert {t["unit_id"] for t in seen} == {None, cast.putr}
    assert stock["dinkes"]["id"] not in [t["id"] for t in seen]
    own = ids(await client.get(T, params={"unit_id": cast.putr}, headers=cast.pic.h))
    assert sorted(own) == sorted(t["id"] for t in seen)
    r = await client.get(T, params={"unit_id": cast.dinkes}, headers=cast.pic.h)
    assert_error(r, 403, "unit_id")


# -- editing and deleting ------------------------------------------------------------


async def test_a_pic_edits_its_units_template(client, cast, stock):
    tid = stock["putr"]["id"]
    edit = {"body": "Sudah kami tangani, {judul}."}
    r = await client.patch(f"{T}/{tid}", json=edit, headers=cast.pic.h)
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["body"] == "Sudah kami tangani, {judul}." and edited["title"] == "Jalan"
    assert edited["updated_at"] >= stock["putr"]["updated_at"]
    assert (await stored(tid))["body"] == "Sudah kami tangani, {judul}."
    r = await client.patch(f"{T}/{tid}", json={}, headers=cast.pic.h)
    assert r.status_code == 200 and r.json()["body"] == edited["body"]


async def test_a_pic_may_not_edit_or_delete_a_global_template(client, cast, stock):
    tid = stock["global"]["id"]
    assert_error(await client.patch(f"{T}/{tid}", json={"title": "X"}, headers=cast.pic.h), 403)
    assert_error(await client.delete(f"{T}/{tid}", headers=cast.pic.h), 403)
    assert (await stored(tid))["title"] == "Umum"


async def test_another_units_template_does_not_exist_for_a_pic(client, cast, stock):
    tid = stock["dinkes"]["id"]
    assert_error(await client.patch(f"{T}/{tid}", json={"title": "X"}, headers=cast.pic.h), 404)
    assert_error(await client.delete(f"{T}/{tid}", headers=cast.pic.h), 404)
    assert (await stored(tid))["title"] == "Puskesmas"


async def test_a_pic_may_not_move_its_template_away(client, cast, stock):
    tid = stock["putr"]["id"]
    r = await client.patch(f"{T}/{tid}", json={"unit_id": cast.dinkes}, headers=cast.pic.h)
    assert_error(r, 403, "unit_id")
    r = await client.patch(f"{T}/{tid}", json={"unit_id": None}, headers=cast.pic.h)
    assert_error(r, 403, "global")
    assert (await stored(tid))["unit"] == cast.putr


async def test_admin_moves_a_template_between_units_and_to_global(client, cast):
    t = await make(client, cast.admin, title="Pindah", unit_id=cast.putr)
    r = await client.patch(f"{T}/{t['id']}", json={"unit_id": cast.dinkes}, headers=cast.admin.h)
    assert r.status_code == 200 and r.json()["unit_id"] == cast.dinkes
    r = await client.patch(f"{T}/{t['id']}", json={"unit_id": None}, headers=cast.admin.h)
    assert r.status_code == 200 and r.json()["unit_id"] is None


async def test_deleting(client, cast):
    own = await make(client, cast.pic, title="Hapus saya")
    r = await client.delete(f"{T}/{own['id']}", headers=cast.pic.h)
    assert r.status_code == 204 and not r.content
    assert await stored(own["id"]) is None
    assert_error(await client.delete(f"{T}/{own['id']}", headers=cast.pic.h), 404)
    glob = await make(client, cast.admin, title="Hapus global")
    assert (await client.delete(f"{T}/{glob['id']}", headers=cast.admin.h)).status_code == 204
    assert_error(await client.delete(f"{T}/{glob['id']}", headers=cast.admin.h), 404)
    assert_error(await client.patch(f"{T}/{glob['id']}", json={}, headers=cast.admin.h), 404)


# -- citizens and strangers ----------------------------------------------------------


async def test_citizens_get_403_and_strangers_401(client, anon, cast, stock):
    tid = stock["global"]["id"]
    h = cast.reporter.h
    assert_error(await client.get(T, headers=h), 403)
    assert_error(await client.post(T, json={"title": "A", "body": "B"}, headers=h), 403)
    assert_error(await client.patch(f"{T}/{tid}", json={"title": "A"}, headers=h), 403)
    assert_error(await client.delete(f"{T}/{tid}", headers=h), 403)
    assert_error(await anon.get(T), 401)
    assert_error(await anon.post(T, json={"title": "A", "body": "B"}), 401)
    assert (await stored(tid))["title"] == "Umum"


# -- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "B"}, "title"),
        ({"title": "A"}, "body"),
        ({"title": "  ", "body": "B"}, "title"),
        ({"title": "A", "body": "\n "}, "body"),
        ({"title": "x" * 201, "body": "B"}, "title"),
        ({"title": "A", "body": "x" * 5001}, "body"),
        ({"title": "A\x00", "body": "B"}, "title"),
        ({"title": "A", "body": "B", "unit_id": "DPUTR"}, "unit_id"),
        ({"title": "A", "body": "B", "unit_id": 0}, "unit_id"),
        ({"title": "A", "body": "B", "unit_id": 2**31}, "unit_id"),
        ({"title": "A", "body": "B", "unit_id": 999999}, "unit_id"),
        ({"title": "A", "body": "B", "scope": "global"}, "scope"),
    ],
)
async def test_bad_templates_are_refused_naming_the_field(client, cast, body, field):
    before = await AnswerTemplate.count()
    assert_error(await client.post(T, json=body, headers=cast.admin.h), 400, field)
    assert await AnswerTemplate.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": "x" * 5001}, "body"),
        ({"unit_id": 999999}, "unit_id"),
        ({"unit_id": "x"}, "unit_id"),
        ({"title": "Baru", "colour": "red"}, "colour"),
    ],
)
async def test_a_bad_edit_changes_nothing(client, cast, stock, body, field):
    tid = stock["dinkes"]["id"]
    before = await stored(tid)
    assert_error(await client.patch(f"{T}/{tid}", json=body, headers=cast.admin.h), 400, field)
    assert await stored(tid) == before


async def test_bad_ids_and_filters(client, cast):
    h = cast.admin.h
    assert_error(await client.get(T, params={"unit_id": "abc"}, headers=h), 400, "unit_id")
    assert_error(await client.get(T, params={"unit_id": 0}, headers=h), 400, "unit_id")
    assert_error(await client.patch(f"{T}/0", json={}, headers=cast.admin.h), 400, "template_id")
    assert_error(await client.delete(f"{T}/999999", headers=cast.admin.h), 404)
