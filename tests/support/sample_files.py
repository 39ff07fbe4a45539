"""Small, real files of each accepted upload type. They must decode: the server
re-encodes every image and rewrites every PDF it keeps (no metadata survives)."""

import io


def _image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(200, 200)
    writer.write(out)
    return out.getvalue()


def stored(content: bytes, content_type: str) -> bytes:
    """What the server keeps of an upload (and serves back): it, less its metadata."""
    from backend.complaints.image_sanitizer import clean

    return clean(content, content_type)


JPEG = _image("JPEG")
PNG = _image("PNG")
WEBP = _image("WEBP")
PDF = _pdf()
