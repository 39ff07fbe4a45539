"""The privacy projection, pure: what a complaint record becomes in public."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from backend.public.lapor import lapor_record, lapor_type, to_csv
from backend.public.privacy import ComplaintRecord, project

AT = datetime(2026, 3, 12, 2, 30, tzinfo=UTC)
IDENTITY = ("Siti Rahmawati", "siti.rahma", "081298765432", "siti.rahma@gmail.com")


def record(**changes) -> ComplaintRecord:
    values = dict(
        id=42,
        created_at=AT,
        updated_at=AT + timedelta(hours=5),
        status="released",
        kind="keluhan",
        title="Jalan rusak di depan rumah Siti Rahmawati, hubungi 081298765432",
        is_anonymous=False,
        is_confidential=False,
        sla_due_at=AT + timedelta(hours=3),
        released_at=AT + timedelta(hours=5),
        category_code="JALAN",
        category_name="Jalan dan jembatan",
        unit_id=3,
        unit_code="DPUTR",
        unit_name="Dinas PUTR",
        location_lat=-6.76,
        location_lon=108.48,
        location_address="Jl. Kenanga RT 03/RW 05, kontak siti.rahma@gmail.com",
        answer_body="Ibu Siti, jalan sudah ditambal tanggal 14-03-2026.",
        steps=(("submit", AT), ("dispatch", AT + timedelta(minutes=5))),
        identity=IDENTITY,
    )
    values.update(changes)
    return ComplaintRecord(**values)


def public_json(r: ComplaintRecord) -> str:
    return msgspec.json.encode(project(r)).decode()


@pytest.mark.parametrize("anonymous", [False, True])
def test_a_public_complaint_carries_no_identity_and_masked_text(anonymous):
    out = project(record(is_anonymous=anonymous))
    dumped = public_json(record(is_anonymous=anonymous)).lower()
    for secret in ("siti", "rahmawati", "081298765432", "gmail"):
        assert secret not in dumped
    assert out.tracking_no == "UPIK-2026-000042"
    assert out.title.startswith("Jalan rusak di depan rumah")
    assert out.unit.name == "Dinas PUTR" and out.category.code == "JALAN"
    assert out.answer.body.endswith("jalan sudah ditambal tanggal 14-03-2026.")
    assert "RT 03/RW 05" in out.location.address
    assert out.lapor_type == "pengaduan"
    assert [s.type for s in out.steps] == ["submit", "dispatch"]


def test_a_confidential_complaint_shows_only_number_status_and_step_times():
    out = project(record(is_confidential=True))
    assert (out.tracking_no, out.status, out.is_confidential) == (
        "UPIK-2026-000042",
        "released",
        True,
    )
    assert [s.at for s in out.steps] == [AT, AT + timedelta(minutes=5)]
    for hidden in ("title", "kind", "lapor_type", "category", "unit", "answer", "location"):
        assert getattr(out, hidden) is None, hidden
    dumped = public_json(record(is_confidential=True)).lower()
    for secret in ("jalan", "kenanga", "putr", "jembatan", "ditambal"):
        assert secret not in dumped


def test_the_deadline_is_shown_only_while_a_unit_works_on_it():
    assert project(record(status="routed")).sla_due_at == AT + timedelta(hours=3)
    assert project(record(status="released")).sla_due_at is None


def test_an_answer_is_public_only_once_released():
    assert project(record(status="answered", released_at=None)).answer is None


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("keluhan", "pengaduan"),
        ("pertanyaan", "permintaan informasi"),
        ("informasi", "permintaan informasi"),
        ("saran", "aspirasi"),
        (None, None),
    ],
)
def test_lapor_types(kind, expected):
    assert lapor_type(kind) == expected


def _row(**changes) -> dict:
    row = dict(
        id=7,
        title="Pungli KTP, hubungi 081298765432",
        body="Diminta Rp 150.000 oleh petugas. Saya Siti Rahmawati.",
        kind="saran",
        created_at=datetime(2026, 12, 31, 20, 0, tzinfo=UTC),  # already 1 January in WIB
        is_anonymous=False,
        is_confidential=False,
        location_lat=None,
        location_lon=None,
        location_address="Kantor Kecamatan Sumber",
        category_name="Kependudukan",
        unit_name="Disdukcapil",
        reporter_name="Siti Rahmawati",
        reporter_email="siti.rahma@gmail.com",
        reporter_phone="081298765432",
    )
    row.update(changes)
    return row


def test_a_lapor_record_names_the_reporter_only_when_neither_anonymous_nor_confidential():
    open_ = lapor_record(_row())
    assert open_["nama_pelapor"] == "Siti Rahmawati"
    assert open_["telepon_pelapor"] == "081298765432"
    assert open_["jenis"] == "aspirasi"
    assert open_["tanggal_kejadian"] == "2027-01-01"
    assert open_["nomor_pelacakan"] == "UPIK-2027-000007"
    for flag in ("is_anonymous", "is_confidential"):
        hidden = lapor_record(_row(**{flag: True}))
        assert (
            hidden["nama_pelapor"] is hidden["email_pelapor"] is hidden["telepon_pelapor"] is None
        )
        dumped = repr(hidden).lower()
        assert "siti" not in dumped and "081298765432" not in dumped
        assert "Rp 150.000" in hidden["isi_laporan"]
    assert lapor_record(_row(is_anonymous=True))["anonim"] is True


def test_lapor_csv_has_the_fields_and_yes_no_flags():
    import csv
    import io

    text = to_csv([lapor_record(_row())])
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["judul"] == "Pungli KTP, hubungi 081298765432"
    assert (rows[0]["anonim"], rows[0]["rahasia"]) == ("tidak", "tidak")
    assert rows[0]["lokasi"] == "Kantor Kecamatan Sumber"
