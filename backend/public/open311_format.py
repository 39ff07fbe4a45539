"""Open311 GeoReport v2 documents in JSON and XML, and its error shape.

The XML follows the specification's examples: a root element named after the
collection (`services`, `service_requests`, `errors`, `discovery`,
`service_definition`) holding one child element per item, fields as child
elements, lists nested with singular names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import msgspec

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Element name of one item of each list the documents contain.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def split_name(name: str) -> tuple[str, str]:
    """`requests.json` -> ("requests", "json"); an unknown format is a 400."""
    stem, dot, fmt = name.rpartition(".")
    if not dot:
        raise Open311Error(404, f"{name!r}: add the format, {name}.json or {name}.xml")
    if fmt not in FORMATS:
        raise Open311Error(400, f"format: {fmt!r} is not supported; use json or xml")
    return stem, fmt


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return rfc3339(value)
    return str(value)


def rfc3339(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        child_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, child_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    raise TypeError(f"cannot encode {type(value)}")


def render(root: str, value: Any, fmt: str) -> bytes:
    """`value` as the document `root` in the format asked for. In JSON the
    root is implicit: a list is the list itself, an object the object."""
    if fmt == "xml":
        return to_xml(root, value)
    return msgspec.json.encode(value, enc_hook=_json_default)


def error_document(status: int, description: str, fmt: str) -> bytes:
    return render("errors", [{"code": status, "description": description}], fmt)
