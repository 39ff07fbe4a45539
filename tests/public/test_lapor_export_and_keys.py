"""The admin's SP4N-LAPOR! export and the `upik create-api-key` /
`revoke-api-key` commands (run as a user runs them, in a subprocess), on
both engines."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.error_shape import assert_error

UPIK = str(Path(sys.executable).parent / "upik")
EXPORT = "/api/v1/complaints/export/lapor"


async def test_the_export_has_lapors_fields_and_identity_only_when_allowed(api, cast, flow):
    from backend.accounts.tables import User

    await User.update({User.phone: "081233334444", User.email: "pelapor.utama@gmail.com"}).where(
        User.id == cast.reporter.id
    )
    plain = await flow.build(
        "released", kind="pertanyaan", title="Kapan jalan desa Sumber diperbaiki?"
    )
    anonymous = await flow.build("received", kind="saran", is_anonymous=True)
    confidential = await flow.build("received", kind="keluhan", is_confidential=True)
    ids = f"{plain['id']},{anonymous['id']},{confidential['id']}"
    r = await api.client.get(EXPORT, params={"ids": ids}, headers=cast.admin.h)
    assert r.status_code == 200, r.text
    items = {i["nomor_pelacakan"]: i for i in r.json()["items"]}
    first = items[plain["tracking_no"]]
    assert first["judul"] == "Kapan jalan desa Sumber diperbaiki?"
    assert first["jenis"] == "permintaan informasi"
    assert first["instansi_tujuan"] == "Dinas Pekerjaan Umum dan Tata Ruang"
    assert (first["anonim"], first["rahasia"]) == (False, False)
    assert first["nama_pelapor"] == "Pelapor Utama"
    assert first["telepon_pelapor"] == "081233334444"
    assert first["tanggal_kejadian"] and first["isi_laporan"]
    for hidden, flags in ((anonymous, (True, False)), (confidential, (False, True))):
        item = items[hidden["tracking_no"]]
        assert (item["anonim"], item["rahasia"]) == flags
        assert item["nama_pelapor"] is item["email_pelapor"] is item["telepon_pelapor"] is None
    assert items[anonymous["tracking_no"]]["jenis"] == "aspirasi"
    assert items[confidential["tracking_no"]]["jenis"] == "pengaduan"

    as_csv = await api.client.get(
        EXPORT, params={"ids": ids, "format": "csv"}, headers=cast.admin.h
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert {row["nomor_pelacakan"] for row in rows} == set(items)
    assert {row["rahasia"] for row in rows} == {"ya", "tidak"}

    by_date = await api.client.get(EXPORT, params={"since": "2020-01-01"}, headers=cast.admin.h)
    assert set(items) <= {i["nomor_pelacakan"] for i in by_date.json()["items"]}
    none_yet = await api.client.get(
        EXPORT, params={"since": "2020-01-01", "until": "2020-12-31"}, headers=cast.admin.h
    )
    assert none_yet.json()["items"] == []


async def test_only_admins_export(api, cast, anon):
    for who in (cast.pic, cast.reporter):
        assert_error(await api.client.get(EXPORT, params={"ids": "1"}, headers=who.h), 403)
    assert (await anon.get(EXPORT, params={"ids": "1"})).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "ids"),
        ({"ids": "satu,dua"}, "ids"),
        ({"ids": "0"}, "ids"),
        ({"ids": "1", "format": "xlsx"}, "format"),
        ({"since": "kemarin"}, "since"),
        ({"since": "2026-01-01", "until": "besok"}, "until"),
    ],
)
async def test_bad_export_input_is_a_400_naming_the_field(api, cast, params, field):
    assert_error(await api.client.get(EXPORT, params=params, headers=cast.admin.h), 400, field)


async def _upik(database, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        UPIK,
        *args,
        env={**os.environ, **database.environ()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_a_key_is_printed_once_kept_hashed_works_and_is_revoked(database, base_url):
    from backend.public.apikeys import key_hash
    from backend.public.tables import ApiKey

    code, out, err = await _upik(database, "create-api-key", "--name", "provinsi-jabar")
    assert code == 0, err
    key = out.strip().splitlines()[-1]
    assert key.startswith("upik311_") and len(key) > 40
    row = await ApiKey.select().where(ApiKey.name == "provinsi-jabar").first()
    assert row["key_hash"] == key_hash(key) and key not in str(row)

    form = {"api_key": key, "service_code": "PJU", "description": "Lampu jalan mati"}
    async with httpx.AsyncClient(base_url=base_url) as http:
        assert (await http.post("/open311/v2/requests.json", data=form)).status_code == 201
        code, out, err = await _upik(database, "create-api-key", "--name", "provinsi-jabar")
        assert code == 1 and "exists" in err
        code, out, err = await _upik(database, "revoke-api-key", "--name", "provinsi-jabar")
        assert code == 0, err
        refused = await http.post("/open311/v2/requests.json", data=form)
        assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    code, out, err = await _upik(database, "revoke-api-key", "--name", "provinsi-jabar")
    assert code == 1 and "no active key" in err
