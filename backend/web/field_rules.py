"""GET /api/v1/rules: each form's field rules, generated from the msgspec
Structs the server validates with, so the PWA checks exactly what the server
will check and the two cannot drift apart.

Per field: `required`, `nullable`, `type` and whichever of `min_length`,
`max_length`, `pattern`, `not_blank`, `minimum`, `maximum`,
`exclusive_minimum`, `exclusive_maximum`, `choices`, `min_items`,
`max_items`, `fields` (a nested object) the Struct's constraints give. Rules
a Struct cannot state (what the use case checks) are listed under `checks`
with the rule ids their 400s carry.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

import msgspec
import msgspec.inspect as mi
from litestar import Request, Response, get

from backend.accounts.reset_schemas import ForgotIn, ResetIn
from backend.accounts.schemas import CreateUserIn, LoginIn, RegisterIn, UpdateUserIn
from backend.common.fields import NO_NUL, NOT_BLANK
from backend.complaints.attachments import EXTENSIONS
from backend.complaints.schemas import (
    BodyIn,
    ComplaintIn,
    DispatchIn,
    NoteIn,
    RatingIn,
    ReasonIn,
    ReleaseIn,
)
from backend.organisation.schemas import CategoryIn, UnitIn

# The form names the PWA uses, and the Struct each one is decoded into.
FORMS: dict[str, type[msgspec.Struct]] = {
    "register": RegisterIn,
    "login": LoginIn,
    "complaint": ComplaintIn,
    "reply": BodyIn,
    "answer": BodyIn,
    "release": ReleaseIn,
    "dispatch": DispatchIn,
    "decline": ReasonIn,
    "reject": ReasonIn,
    "return": NoteIn,
    "rating": RatingIn,
    "forgot": ForgotIn,
    "reset": ResetIn,
    "user_create": CreateUserIn,
    "user_update": UpdateUserIn,
    "unit_create": UnitIn,
    "category_create": CategoryIn,
}

# Checked by the use case, not the schema: (form, field) -> rule ids.
CHECKS: dict[str, dict[str, list[str]]] = {
    "register": {"username": ["taken"]},
    "user_create": {"username": ["taken"], "unit_id": ["required_for_pic", "unknown"]},
    "forgot": {"username": ["one_of_username_or_email"]},
    "reset": {
        "code": ["wrong", "used", "superseded", "expired"],
        "new_password": ["username_as_password"],
    },
    "complaint": {"category_id": ["unknown"]},
    "dispatch": {"unit_id": ["unknown"]},
}

_NUMBER_BOUNDS = (
    ("ge", "minimum"),
    ("le", "maximum"),
    ("gt", "exclusive_minimum"),
    ("lt", "exclusive_maximum"),
)
_TYPE_NAMES = {
    mi.StrType: "string",
    mi.IntType: "integer",
    mi.FloatType: "number",
    mi.BoolType: "boolean",
    mi.StructType: "object",
    mi.ListType: "array",
    mi.LiteralType: "string",
}


def describe_type(t: mi.Type) -> dict[str, Any]:
    if isinstance(t, mi.Metadata):
        return describe_type(t.type)
    if isinstance(t, mi.UnionType):
        non_null = [x for x in t.types if not isinstance(x, mi.NoneType)]
        rules = describe_type(non_null[0]) if len(non_null) == 1 else {"type": "any"}
        if len(non_null) < len(t.types):
            rules["nullable"] = True
        return rules
    rules: dict[str, Any] = {"type": _TYPE_NAMES.get(type(t), "any")}
    if isinstance(t, mi.StrType):
        _put(rules, min_length=t.min_length, max_length=t.max_length, pattern=t.pattern)
        if t.pattern == NOT_BLANK:
            rules["not_blank"] = True
        if t.pattern in (NOT_BLANK, NO_NUL):
            rules["no_nul"] = True
    elif isinstance(t, mi.IntType | mi.FloatType):
        for attr, name in _NUMBER_BOUNDS:
            _put(rules, **{name: getattr(t, attr)})
    elif isinstance(t, mi.LiteralType):
        rules["choices"] = sorted(t.values)
    elif isinstance(t, mi.ListType):
        _put(rules, min_items=t.min_length, max_items=t.max_length)
        rules["items"] = describe_type(t.item_type)
    elif isinstance(t, mi.StructType):
        rules["fields"] = describe_struct(t.cls)
    return rules


def _put(rules: dict[str, Any], **values: Any) -> None:
    rules.update({k: v for k, v in values.items() if v is not None})


def describe_struct(struct: type[msgspec.Struct]) -> dict[str, dict[str, Any]]:
    info = mi.type_info(struct)
    out = {}
    for f in info.fields:
        rules = {"required": f.required, **describe_type(f.type)}
        rules.setdefault("nullable", False)
        out[f.encode_name] = rules
    return out


def all_rules(max_upload_bytes: int) -> dict[str, Any]:
    forms = {}
    for name, struct in FORMS.items():
        fields = describe_struct(struct)
        for field, checks in CHECKS.get(name, {}).items():
            fields[field]["checks"] = checks
        forms[name] = {"fields": fields, "unknown_fields": _forbids_unknown(struct)}
    return {
        "forms": forms,
        "attachment": {"max_bytes": max_upload_bytes, "content_types": sorted(EXTENSIONS)},
    }


def _forbids_unknown(struct: type[msgspec.Struct]) -> str:
    return "refused" if struct.__struct_config__.forbid_unknown_fields else "ignored"


@functools.cache
def _encoded(max_upload_bytes: int) -> tuple[bytes, str]:
    body = json.dumps(all_rules(max_upload_bytes), sort_keys=True).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@get("/api/v1/rules", exclude_from_auth=True, tags=["web"])
async def field_rules(request: Request) -> Response[dict[str, Any]]:
    """No login needed; the same for everyone until the server is upgraded,
    so it may be cached (and revalidated with its ETag)."""
    body, etag = _encoded(request.app.state.settings.max_upload_bytes)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
