"""Uploads lose their metadata before they are stored (finding 1 of issue 9).

A phone photo's EXIF holds where it was taken (GPS) and which phone took it;
served to the very officials a reporter complains about, that can unmask an
anonymous reporter. So every image is decoded and written anew with Pillow:
the orientation is applied to the pixels and nothing else survives (no
EXIF, XMP, IPTC, comments, ICC profile or text chunks). Re-encoding also
bounds what an image can be: above MAX_PIXELS it is refused before decoding.

PDFs keep their pages but lose the document information dictionary and the
XMP streams of the document and its pages (author, producer, file paths).
Images embedded inside a PDF are not rewritten: docs/security.md says so.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.common.errors import BadInput

# 40 megapixels: above any phone camera in use here (a 108 MP sensor bins to
# 12 MP), far below what would exhaust a worker's memory (4 bytes per pixel).
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 90

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def clean(content: bytes, content_type: str) -> bytes:
    """The same document without its metadata; BadInput naming `file` if it
    cannot be read or is too large. CPU-bound: call it in a thread."""
    if content_type == "application/pdf":
        return _clean_pdf(content)
    return _clean_image(content, _FORMATS[content_type])


def _open(content: bytes, expected: str) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content), formats=[expected])
        except Image.DecompressionBombError:
            raise BadInput("file", f"image has more than {MAX_PIXELS:,} pixels") from None
        except (UnidentifiedImageError, OSError, ValueError):
            raise BadInput("file", "is not a readable image") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise BadInput(
            "file", f"image is {width}x{height}; at most {MAX_PIXELS:,} pixels are accepted"
        )
    return image


def _clean_image(content: bytes, fmt: str) -> bytes:
    image = _open(content, fmt)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)  # a copy, orientation applied
    except (OSError, ValueError, SyntaxError):
        raise BadInput("file", "is not a readable image") from None
    # Pillow writes some of `info` back on save (a JPEG comment, PNG text, XMP).
    upright.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "PNG":
        upright.save(out, "PNG", optimize=True)
    else:
        lossless = bool(image.info.get("lossless"))
        upright.save(out, "WEBP", quality=JPEG_QUALITY, lossless=lossless)
    return out.getvalue()


def _clean_pdf(content: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise BadInput("file", "must not be an encrypted PDF")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None  # the document information dictionary
        for holder in (writer._root_object, *writer.pages):
            for key in ("/Metadata", "/PieceInfo"):
                holder.pop(NameObject(key), None)
        out = io.BytesIO()
        writer.write(out)
    except BadInput:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError):
        raise BadInput("file", "is not a readable PDF") from None
    return out.getvalue()
