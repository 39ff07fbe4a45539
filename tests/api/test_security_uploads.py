"""Uploads (findings 1 and 10 of issue 9): what the PIC downloads carries no
location, phone model or other metadata, with the orientation applied; images
above the pixel cap are refused; attachments are capped per complaint and per
citizen per day. Refused uploads leave nothing behind."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from tests.support.error_shape import assert_error
from tests.support.records import events_of

PHONE = {0x010F: "SAMSUNG", 0x0110: "SM-A546E", 0x0131: "A546EXXU5CXK1", 0x0112: 6}
SECRETS = (b"SAMSUNG", b"SM-A546E", b"A546EXXU5", b"Rumah Pelapor", b"GPS")


def _exif() -> Image.Exif:
    exif = Image.Exif()
    for tag, value in PHONE.items():
        exif[tag] = value
    gps = exif.get_ifd(0x8825)  # the GPS IFD: latitude, longitude, altitude
    gps.update({1: "S", 2: (6.0, 42.0, 30.5), 3: "E", 4: (108.0, 28.0, 10.2), 6: 12.0})
    return exif


def phone_photo(fmt: str) -> bytes:
    """A 60x20 photo shot sideways (orientation 6), with GPS and phone model."""
    image = Image.new("RGB", (60, 20), (10, 120, 200))
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Rumah Pelapor</x:xmpmeta>'
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Location", "Rumah Pelapor")
        image.save(out, "PNG", exif=_exif(), pnginfo=text)
    elif fmt == "JPEG":
        image.save(out, "JPEG", exif=_exif(), comment=b"Rumah Pelapor", xmp=xmp)
    else:
        image.save(out, fmt, exif=_exif(), xmp=xmp)
    raw = out.getvalue()
    assert b"SAMSUNG" in raw and b"Rumah Pelapor" in raw  # the test data does carry them
    return raw


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG declaring huge dimensions (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


async def _upload(api, flow, who, cid: int, content: bytes, name: str = "foto.jpg"):
    return await api.client.post(
        flow.url(cid, "attachments"), files={"file": (name, content, "image/jpeg")}, headers=who.h
    )


@pytest.mark.parametrize(
    ("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
async def test_the_pic_gets_no_location_or_phone_model(api, flow, cast, fmt, mime):
    # An anonymous complaint: the photo must not unmask the reporter either.
    c = await flow.build("routed", is_anonymous=True)
    r = await _upload(api, flow, cast.reporter, c["id"], phone_photo(fmt))
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == mime

    got = await api.client.get(f"/api/v1/attachments/{r.json()['id']}", headers=cast.pic.h)
    assert got.status_code == 200, got.text
    for secret in SECRETS:
        assert secret not in got.content, secret
    image = Image.open(io.BytesIO(got.content))
    assert image.format == fmt
    exif = image.getexif()
    assert not exif and not exif.get_ifd(0x8825), dict(exif)
    assert not ({"exif", "xmp", "comment", "Location", "icc_profile"} & set(image.info))
    assert image.size == (20, 60)  # orientation 6 applied to the pixels, then dropped
    assert got.headers["content-length"] == str(r.json()["size"])


async def test_pdf_metadata_is_dropped(api, flow, cast):
    from pypdf import PdfReader, PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(300, 300)
    writer.add_metadata({"/Author": "Rumah Pelapor", "/Producer": "SAMSUNG Notes"})
    writer.write(out)
    assert b"Rumah Pelapor" in out.getvalue()
    c = await flow.build("routed")
    r = await _upload(api, flow, cast.reporter, c["id"], out.getvalue(), "surat.pdf")
    assert r.status_code == 201, r.text
    got = await api.client.get(f"/api/v1/attachments/{r.json()['id']}", headers=cast.pic.h)
    assert b"Rumah Pelapor" not in got.content and b"SAMSUNG" not in got.content
    assert len(PdfReader(io.BytesIO(got.content)).pages) == 1


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (png_header(60_000, 60_000), "pixels"),
        (png_header(7_000, 6_000), "pixels"),  # 42 MP: under Pillow's own bomb limit
        (b"\xff\xd8\xff\xe0" + b"\x00" * 300, "readable"),  # the magic bytes and nothing else
    ],
    ids=["60000x60000", "42MP", "truncated-jpeg"],
)
async def test_huge_or_broken_images_are_refused(api, flow, cast, database, content, needle):
    from backend.complaints.tables import Attachment

    c = await flow.build("routed")
    before = await Attachment.count()
    r = await _upload(api, flow, cast.reporter, c["id"], content, "bom.png")
    assert_error(r, 400, "file", needle)
    assert await Attachment.count() == before
    assert [e["type"] for e in await events_of(c["id"])][-1] != "attach"
    assert not list((database.data_dir / "uploads" / str(c["id"])).glob("*"))
