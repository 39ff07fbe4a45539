"""SP4N-LAPOR! (the national complaint system): how UPIK's kinds map onto
LAPOR!'s report types, and a complaint as LAPOR!'s forms ask for it.

Pure: the rows come from queries.py, the route only formats them.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.complaints.tracking import tracking_no
from backend.public.masking import public_text

WIB = ZoneInfo("Asia/Jakarta")

LAPOR_TYPES = {
    "keluhan": "pengaduan",
    "pertanyaan": "permintaan informasi",
    "informasi": "permintaan informasi",
    "saran": "aspirasi",
}

LAPOR_FIELDS = (
    "nomor_pelacakan",
    "judul",
    "isi_laporan",
    "tanggal_kejadian",
    "lokasi",
    "kategori",
    "instansi_tujuan",
    "jenis",
    "anonim",
    "rahasia",
    "nama_pelapor",
    "email_pelapor",
    "telepon_pelapor",
)


def lapor_type(kind: str | None) -> str | None:
    return LAPOR_TYPES.get(kind or "")


def _location(row: dict) -> str | None:
    if row.get("location_address"):
        return row["location_address"]
    if row.get("location_lat") is not None:
        return f"{row['location_lat']:.6f},{row['location_lon']:.6f}"
    return None


def lapor_record(row: dict) -> dict:
    """One complaint in LAPOR!'s terms. The reporter's identity goes along only
    when the complaint is neither anonymous nor confidential; then the text is
    also passed through the public masking, so nothing in it names them.
    `row` carries the complaint columns plus `reporter_name/_email/_phone`
    (for an Open311 request: its contact's)."""
    hidden = bool(row["is_anonymous"]) or bool(row["is_confidential"])
    identity = (row.get("reporter_name"), row.get("reporter_email"), row.get("reporter_phone"))
    title, body, place = row["title"], row["body"], _location(row)
    if hidden:
        title, body, place = (public_text(t, identity) for t in (title, body, place))
    created: datetime = row["created_at"]
    return {
        "nomor_pelacakan": tracking_no(row["id"], created),
        "judul": title,
        "isi_laporan": body,
        # UPIK does not ask when it happened; the day it was reported stands in.
        "tanggal_kejadian": created.astimezone(WIB).date().isoformat(),
        "lokasi": place,
        "kategori": row.get("category_name"),
        "instansi_tujuan": row.get("unit_name"),
        "jenis": lapor_type(row["kind"]),
        "anonim": bool(row["is_anonymous"]),
        "rahasia": bool(row["is_confidential"]),
        "nama_pelapor": None if hidden else row.get("reporter_name"),
        "email_pelapor": None if hidden else row.get("reporter_email"),
        "telepon_pelapor": None if hidden else row.get("reporter_phone"),
    }


def to_csv(records: list[dict]) -> str:
    out = io.StringIO()
    # A byte-order mark so spreadsheet programs read the Indonesian text as UTF-8.
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=LAPOR_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                k: ("ya" if v is True else "tidak" if v is False else v or "")
                for k, v in record.items()
            }
        )
    return out.getvalue()
