"""Open311 GeoReport v2 on both engines, read by a third-party client
(`georeport` from PyPI, over real HTTP) in JSON and XML; POST and errors
checked with httpx against the specification; XML parsed by ElementTree."""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET

import httpx
import pytest
from georeport import GeoReport

from tests.public.conftest import make_api_key
from tests.support.error_shape import assert_error

FORMATS = ("json", "xml")


@pytest.fixture(scope="module")
async def open311(base_url):
    return base_url + "/open311/v2"


@pytest.fixture(scope="module")
async def api_key(database):
    return await make_api_key("fixmystreet-" + uuid.uuid4().hex[:6])


async def fetch(url: str, **kwargs) -> httpx.Response:
    # Async: the server runs in this test's own event loop.
    async with httpx.AsyncClient() as http:
        return await http.get(url, **kwargs)


def client(root: str, fmt: str) -> GeoReport:
    return GeoReport(root, output_format=fmt)


def xml_errors(response: httpx.Response) -> list[dict]:
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [{child.tag: child.text for child in error} for error in root.findall("error")]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_the_client_lists_services_and_reads_a_definition(open311, fmt):
    geo = client(open311, fmt)
    services = await asyncio.to_thread(geo.get_service_list)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["JALAN"]["service_name"] == "Jalan dan Jembatan"
    assert by_code["JALAN"]["group"] == "Dinas Pekerjaan Umum dan Tata Ruang"
    assert str(by_code["JALAN"]["metadata"]).lower() == "false"
    assert by_code["JALAN"]["type"] == "realtime"
    assert "jalan rusak" in by_code["JALAN"]["keywords"]
    definition = await asyncio.to_thread(geo.get_service_definition, "ADMINDUK")
    assert definition["service_code"] == "ADMINDUK"


async def _post(open311: str, fmt: str, **form) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(f"{open311}/requests.{fmt}", data=form)


def _new_id(response: httpx.Response, fmt: str) -> str:
    assert response.status_code == 201, response.text
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and len(body) == 1
        return body[0]["service_request_id"]
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert request.findtext("service_notice")
    return request.findtext("service_request_id")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_posted_request_becomes_a_routed_complaint_the_client_then_reads(
    open311, api_key, fmt
):
    from backend.complaints.tables import Complaint
    from backend.complaints.tracking import parse

    tag = uuid.uuid4().hex[:8]
    r = await _post(
        open311,
        fmt,
        api_key=api_key,
        service_code="ADMINDUK",
        description=f"KTP elektronik {tag} belum jadi setelah 3 bulan rekam",
        lat="-6.7612",
        long="108.4801",
        address_string="Kantor Disdukcapil, Sumber",
        first_name="Ahmad",
        last_name="Fauzi",
        email="ahmad.fauzi@example.id",
        phone="081311112222",
    )
    number = _new_id(r, fmt)
    row = (
        await Complaint.select(
            Complaint.status,
            Complaint.kind_source,
            Complaint.category.code.as_alias("code"),
            Complaint.unit.code.as_alias("unit_code"),
            Complaint.reporter.username.as_alias("username"),
        )
        .where(Complaint.id == parse(number))
        .first()
    )
    # Classified and routed as any complaint: ADMINDUK auto-dispatches.
    assert row == {
        "status": "routed",
        "kind_source": "system",
        "code": "ADMINDUK",
        "unit_code": "DISDUKCAPIL",
        "username": "open311",
    }
    geo = client(open311, fmt)
    one = await asyncio.to_thread(geo.get_service_request, number)
    assert one["service_request_id"] == number
    assert one["status"] == "open"
    assert one["service_code"] == "ADMINDUK"
    assert one["agency_responsible"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert float(one["lat"]) == pytest.approx(-6.7612)
    assert one["expected_datetime"] and one["requested_datetime"].endswith("Z")
    listed = await asyncio.to_thread(geo.get_service_requests, service_code="ADMINDUK")
    listed = listed if isinstance(listed, list) else [listed]
    assert number in [x["service_request_id"] for x in listed]
    for field in ("Ahmad", "Fauzi", "ahmad.fauzi", "081311112222"):
        assert field not in repr(one) and field not in repr(listed)


async def test_contact_details_are_for_admins_only(api, cast, flow, open311, api_key):
    from backend.complaints.tracking import parse

    r = await _post(
        open311,
        "json",
        api_key=api_key,
        service_code="JALAN",
        description="Jalan berlubang di Desa Kedawung",
        first_name="Dewi",
        email="dewi@example.id",
        phone="+62 812 0000 1111",
    )
    cid = parse(_new_id(r, "json"))
    path = f"/api/v1/complaints/{cid}/contact"
    got = await api.client.get(path, headers=cast.admin.h)
    assert got.status_code == 200, got.text
    assert got.json()["first_name"] == "Dewi" and got.json()["phone"] == "+62 812 0000 1111"
    assert got.json()["last_name"] is None
    for who in (cast.pic, cast.reporter):
        assert_error(await api.client.get(path, headers=who.h), 403)
    own = await flow.build("received")
    assert_error(
        await api.client.get(f"/api/v1/complaints/{own['id']}/contact", headers=cast.admin.h), 404
    )


@pytest.mark.parametrize("fmt", FORMATS)
async def test_status_and_date_filters(open311, flow, fmt):
    closed = await flow.build("closed")
    routed = await flow.build("routed")
    geo = client(open311, fmt)

    def ids(items):
        items = items if isinstance(items, list) else [items]
        return {x["service_request_id"] for x in items}

    closed_ones = ids(await asyncio.to_thread(geo.get_service_requests, status="closed"))
    open_ones = ids(await asyncio.to_thread(geo.get_service_requests, status="open"))
    assert closed["tracking_no"] in closed_ones and closed["tracking_no"] not in open_ones
    assert routed["tracking_no"] in open_ones and routed["tracking_no"] not in closed_ones
    both = await asyncio.to_thread(
        geo.get_service_requests,
        service_request_id=f"{closed['tracking_no']},{routed['tracking_no']}",
    )
    assert ids(both) == {closed["tracking_no"], routed["tracking_no"]}
    # An empty range: georeport 0.3.1 cannot read an empty XML list (xmltodict
    # makes `<service_requests/>` None), so this one is read with ElementTree.
    empty = await fetch(
        f"{open311}/requests.{fmt}",
        params={"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"},
    )
    assert empty.status_code == 200
    if fmt == "json":
        assert empty.json() == []
    else:
        root = ET.fromstring(empty.content)
        assert root.tag == "service_requests" and list(root) == []


async def test_closed_notes_carry_the_released_answer(open311, flow):
    c = await flow.build("released")
    (one,) = (await fetch(f"{open311}/requests/{c['tracking_no']}.json")).json()
    assert one["status"] == "closed" and one["status_notes"] == "Sudah kami bersihkan hari ini."


@pytest.mark.parametrize("fmt", FORMATS)
async def test_confidential_complaints_are_never_listed(open311, flow, fmt):
    secret = await flow.build("released", is_confidential=True)
    async with httpx.AsyncClient() as http:
        listed = await http.get(f"{open311}/requests.{fmt}")
        one = await http.get(f"{open311}/requests/{secret['tracking_no']}.{fmt}")
    assert listed.status_code == 200
    assert secret["tracking_no"] not in listed.text
    assert one.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
async def test_discovery_names_the_endpoint_and_formats(open311, fmt):
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{open311}/discovery.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        endpoint = r.json()["endpoints"][0]
        formats = endpoint["formats"]
    else:
        root = ET.fromstring(r.content)
        assert root.tag == "discovery"
        endpoint = {e.tag: e.text for e in root.find("endpoints/endpoint")}
        formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert sorted(formats) == ["application/json", "text/xml"]


SPRING = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
BACKWARDS = {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}
FORM = {"api_key": "KEY", "service_code": "JALAN", "description": "Jalan rusak"}
ERRORS = [
    ("get", "/requests/UPIK-2026-999999.{fmt}", {}, 404, "UPIK-2026-999999"),
    ("get", "/services/TIDAK_ADA.{fmt}", {}, 404, "TIDAK_ADA"),
    ("get", "/laporan.{fmt}", {}, 404, "laporan"),
    ("get", "/requests.{fmt}", {"status": "selesai"}, 400, "status"),
    ("get", "/requests.{fmt}", {"start_date": "kemarin"}, 400, "start_date"),
    ("get", "/requests.{fmt}", SPRING, 400, "90 days"),
    ("get", "/requests.{fmt}", BACKWARDS, 400, "start_date"),
    ("post", "/services.{fmt}", FORM, 404, "services"),
    ("post", "/requests.{fmt}", {**FORM, "api_key": ""}, 403, "api_key"),
    ("post", "/requests.{fmt}", {**FORM, "api_key": "upik311_salah"}, 403, "api_key"),
    ("post", "/requests.{fmt}", {**FORM, "service_code": ""}, 400, "service_code"),
    ("post", "/requests.{fmt}", {**FORM, "service_code": "TIDAK_ADA"}, 404, "service_code"),
    ("post", "/requests.{fmt}", {**FORM, "description": "  "}, 400, "description"),
    ("post", "/requests.{fmt}", {**FORM, "lat": "utara", "long": "1"}, 400, "lat"),
    ("post", "/requests.{fmt}", {**FORM, "lat": "-6.7"}, 400, "long"),
    ("post", "/requests.{fmt}", {**FORM, "lat": "-96", "long": "108"}, 400, "lat"),
    ("post", "/requests.{fmt}", {**FORM, "phone": "0" * 40}, 400, "phone"),
    ("post", "/requests.{fmt}", {**FORM, "description": "x" * 4001}, 400, "description"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("method", "path", "params", "status", "needle"), ERRORS)
async def test_errors_come_as_the_specification_says(
    open311, api_key, fmt, method, path, params, status, needle
):
    from backend.complaints.tables import Complaint

    params = {k: (api_key if v == "KEY" else v) for k, v in params.items()}
    before = await Complaint.count()
    async with httpx.AsyncClient() as http:
        url = open311 + path.format(fmt=fmt)
        if method == "get":
            r = await http.get(url, params=params)
        else:
            r = await http.post(url, data=params)
    assert r.status_code == status, r.text
    if fmt == "json":
        errors = r.json()
        assert r.headers["content-type"].startswith("application/json")
    else:
        errors = xml_errors(r)
        assert r.headers["content-type"].startswith("text/xml")
    assert len(errors) == 1 and int(errors[0]["code"]) == status
    assert needle.lower() in errors[0]["description"].lower()
    assert await Complaint.count() == before  # a refused POST files nothing


async def test_an_unknown_format_is_refused(open311):
    r = await fetch(f"{open311}/services.csv")
    assert r.status_code == 400 and r.json()[0]["description"].startswith("format")


async def test_each_key_has_its_own_rate_limit(open311, api_key):
    slow = await make_api_key("pelan-" + uuid.uuid4().hex[:6], rate_per_minute=2)
    form = {"service_code": "PJU", "description": "Lampu jalan mati di Jl. Dewi Sartika"}
    for _ in range(2):
        _new_id(await _post(open311, "json", api_key=slow, **form), "json")
    limited = await _post(open311, "xml", api_key=slow, **form)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert xml_errors(limited)[0]["code"] == "429"
    # Another key is not held back by it.
    _new_id(await _post(open311, "json", api_key=api_key, **form), "json")


async def test_get_answers_are_cached_with_an_etag(open311):
    async with httpx.AsyncClient() as http:
        first = await http.get(f"{open311}/services.xml")
        again = await http.get(
            f"{open311}/services.xml", headers={"If-None-Match": first.headers["etag"]}
        )
    assert "max-age" in first.headers["cache-control"]
    assert again.status_code == 304
