"""Open311 GeoReport v2 under /open311/v2/, in JSON and XML.

`service_code` is a category code, `service_request_id` a tracking number.
Requests are read through the privacy projection (confidential complaints are
never listed); a POST needs an API key and becomes a normal complaint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response, Router, get, post

from backend.common.errors import BadInput, Conflict, NotFound
from backend.complaints.lifecycle import Status
from backend.complaints.tracking import parse as parse_tracking_no
from backend.complaints.tracking import tracking_no
from backend.database import json_column
from backend.organisation.tables import Category
from backend.public import apikeys, open311_intake, queries
from backend.public.caching import PUBLIC_MAX_AGE, cached
from backend.public.open311_format import FORMATS, Open311Error, error_document, render, split_name
from backend.public.privacy import project
from backend.public.schemas import PublicComplaint

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00Z"
MAX_RANGE = timedelta(days=90)
MAX_REQUESTS = 1000
OPEN_STATUSES = [Status.RECEIVED, Status.ROUTED, Status.ANSWERED]
CLOSED_STATUSES = [Status.RELEASED, Status.CLOSED, Status.REJECTED]


def _error(status: int, description: str, fmt: str, headers: dict | None = None) -> Response:
    return Response(
        content=error_document(status, description, fmt),
        status_code=status,
        media_type=FORMATS[fmt],
        headers=headers or {},
    )


async def _answer(name: str, work: Callable[[str, str], Awaitable[Response]]) -> Response:
    """Runs `work(stem, format)` for `stem.format`, turning every failure into
    Open311's error document in the format asked for (JSON when unclear)."""
    fmt = "json"
    try:
        stem, fmt = split_name(name)
        return await work(stem, fmt)
    except Open311Error as exc:
        return _error(exc.status, exc.description, fmt)
    except BadInput as exc:
        return _error(400, str(exc), fmt)
    except NotFound as exc:
        return _error(404, str(exc), fmt)
    except Conflict as exc:
        return _error(409, str(exc), fmt)
    except open311_intake.SystemAccountUnavailable as exc:
        return _error(503, str(exc), fmt)


def _base_url(request: Request) -> str:
    settings = request.app.state.settings
    root = settings.public_url
    return root.rstrip("/") + "/open311/v2/"


def _open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def service_request(c: PublicComplaint, service_name: str | None) -> dict[str, Any]:
    """A public complaint in GeoReport's field names; nothing but the projection's output."""
    location = c.location
    return {
        "service_request_id": c.tracking_no,
        "status": _open311_status(c.status),
        "status_notes": c.answer.body if c.answer else None,
        "service_name": service_name,
        "service_code": c.category.code if c.category else None,
        "description": c.title,
        "agency_responsible": c.unit.name if c.unit else None,
        "service_notice": None,
        "requested_datetime": c.created_at,
        "updated_datetime": c.updated_at,
        "expected_datetime": c.sla_due_at,
        "address": location.address if location else None,
        "address_id": None,
        "zipcode": None,
        "lat": location.lat if location else None,
        "long": location.lon if location else None,
        "media_url": None,
    }


def _services(rows: list[dict]) -> list[dict]:
    return [
        {
            "service_code": r["code"],
            "service_name": r["name"],
            "description": r["name"] + (f" ({r['unit_name']})" if r["unit_name"] else ""),
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(json_column(r["keywords"], []) or []),
            "group": r["unit_name"] or "Umum",
        }
        for r in rows
    ]


async def _category_rows(code: str | None = None) -> list[dict]:
    query = Category.select(
        Category.code, Category.name, Category.keywords, Category.unit.name.as_alias("unit_name")
    ).order_by(Category.code)
    if code is not None:
        query = query.where(Category.code == code)
    return await query


def _parse_time(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(field, "must be a W3C date-time such as 2026-01-01T00:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


async def _requests(params: dict[str, str | None]) -> list[dict]:
    wanted = _split(params.get("service_request_id"))
    if wanted:
        # The specification: a list of ids overrides every other filter.
        ids = [i for i in (parse_tracking_no(w) for w in wanted) if i is not None]
        found = await queries.open311_requests(
            ids=ids, category_codes=None, statuses=None, start=None, end=None, limit=MAX_REQUESTS
        )
        numbers = {w.upper() for w in wanted}
        found = [r for r in found if tracking_no(r.id, r.created_at) in numbers]
    else:
        statuses: list[str] = []
        for status in _split(params.get("status")):
            if status not in ("open", "closed"):
                raise BadInput("status", f"must be open or closed, got {status!r}")
            statuses += OPEN_STATUSES if status == "open" else CLOSED_STATUSES
        end = _parse_time(params.get("end_date"), "end_date") or datetime.now(UTC)
        start = _parse_time(params.get("start_date"), "start_date") or end - MAX_RANGE
        if start > end:
            raise BadInput("start_date", "must not be after end_date")
        if end - start > MAX_RANGE:
            raise BadInput("end_date", "the range may not span more than 90 days")
        found = await queries.open311_requests(
            ids=None,
            category_codes=_split(params.get("service_code")) or None,
            statuses=statuses or None,
            start=start,
            end=end,
            limit=MAX_REQUESTS,
        )
    names = {r["code"]: r["name"] for r in await _category_rows()}
    items = [project(r) for r in found]
    return [service_request(c, names.get(c.category.code) if c.category else None) for c in items]


@get("/{name:str}")
async def collection(request: Request, name: str) -> Response:
    async def work(stem: str, fmt: str) -> Response:
        if stem == "discovery":
            body, max_age = render("discovery", _discovery(request), fmt), 3600
        elif stem == "services":
            body, max_age = render("services", _services(await _category_rows()), fmt), 600
        elif stem == "requests":
            items = await _requests(dict(request.query_params))
            body, max_age = render("service_requests", items, fmt), PUBLIC_MAX_AGE
        else:
            raise Open311Error(404, f"no resource {name!r}")
        return cached(request, body, FORMATS[fmt], max_age=max_age)

    return await _answer(name, work)


def _discovery(request: Request) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": "UPIK Kabupaten Cirebon, Diskominfo",
        "key_service": "API keys are issued by the UPIK administrators (upik create-api-key)",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


@get("/services/{name:str}")
async def service_definition(request: Request, name: str) -> Response:
    async def work(code: str, fmt: str) -> Response:
        if not await _category_rows(code):
            raise Open311Error(404, f"no service with code {code!r}")
        # No service asks for extra attributes: the definition lists none.
        doc = {"service_code": code, "attributes": []}
        return cached(request, render("service_definition", doc, fmt), FORMATS[fmt], max_age=600)

    return await _answer(name, work)


@get("/requests/{name:str}")
async def one_request(request: Request, name: str) -> Response:
    async def work(number: str, fmt: str) -> Response:
        items = await _requests({"service_request_id": number})
        if not items:
            raise Open311Error(404, f"no service request {number!r}")
        # Always a list, as the specification says, even for one id.
        return cached(request, render("service_requests", items, fmt), FORMATS[fmt])

    return await _answer(name, work)


@post("/{name:str}", status_code=201)
async def create_request(request: Request, name: str) -> Response:
    async def work(stem: str, fmt: str) -> Response:
        if stem != "requests":
            raise Open311Error(404, f"no resource {name!r} to POST to")
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        form = {**dict(request.query_params), **form}
        key = await apikeys.active_key(form.get("api_key"))
        if key is None:
            raise Open311Error(403, "api_key: missing, unknown or revoked")
        wait = await apikeys.seconds_until_allowed(key)
        if wait:
            return _error(
                429,
                f"api_key: more than {key['rate_per_minute']} requests a minute",
                fmt,
                headers={"Retry-After": str(wait)},
            )
        number = await open311_intake.submit(form, key["id"])
        doc = [
            {
                "service_request_id": number,
                "service_notice": f"Diterima. Nomor: {number}",
                "account_id": None,
            }
        ]
        return Response(
            content=render("service_requests", doc, fmt), status_code=201, media_type=FORMATS[fmt]
        )

    return await _answer(name, work)


def open311_router() -> Router:
    return Router(
        path="/open311/v2",
        route_handlers=[collection, service_definition, one_request, create_request],
        opt={"exclude_from_auth": True, "exclude_from_csrf": True},
        tags=["open311"],
    )
