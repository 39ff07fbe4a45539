from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import File, Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts.auth import AuthedRequest
from backend.common.errors import BadInput
from backend.common.fields import NO_NUL, PathId, QueryId
from backend.common.guards import admin_only
from backend.complaints import attachments, export, merge, queries, steps, submit
from backend.complaints.lifecycle import Status
from backend.complaints.period import check_range
from backend.complaints.schemas import (
    AttachmentOut,
    BodyIn,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintPage,
    DispatchIn,
    MergeIn,
    NoteIn,
    RatingIn,
    ReasonIn,
    ReleaseIn,
    SimilarOut,
)
from backend.complaints.similar_search import find_similar
from backend.triage.classify import Kind


class ComplaintController(Controller):
    path = "/api/v1/complaints"
    tags = ["complaints"]

    @post("/", status_code=HTTP_201_CREATED)
    async def submit(
        self,
        request: AuthedRequest,
        data: ComplaintIn,
        idempotency_key: Annotated[
            str | None, Parameter(header="Idempotency-Key", required=False, max_length=64)
        ] = None,
    ) -> Response[ComplaintDetailOut]:
        """A citizen submits a complaint. With `Idempotency-Key`, a repeated
        submission returns the first complaint instead of creating another."""
        complaint, replayed = await submit.submit(request.user, data, idempotency_key)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(complaint, status_code=HTTP_201_CREATED, headers=headers)

    @get("/")
    async def list_complaints(
        self,
        request: AuthedRequest,
        status: Status | None = None,
        kind: Kind | None = None,
        unit_id: QueryId = None,
        q: Annotated[str | None, Parameter(max_length=200, pattern=NO_NUL)] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> ComplaintPage:
        """Newest first, scoped to what the caller may see; keyset pagination."""
        return await queries.list_complaints(
            request.user, status=status, kind=kind, unit_id=unit_id, q=q, limit=limit, cursor=cursor
        )

    @get("/export.csv", guards=[admin_only])
    async def export_csv(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        unit_id: QueryId = None,
        status: Status | None = None,
    ) -> Stream:
        """Admins: every complaint received in [since, until) (of one unit, in
        one status) as CSV, oldest first, streamed. No reporter identity."""
        since, until = await check_range(since, until, unit_id)
        return Stream(
            export.csv_lines(since=since, until=until, unit_id=unit_id, status=status),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="pengaduan.csv"',
                # A snapshot of live data, possibly large: no cache should keep it.
                "Cache-Control": "no-store",
            },
        )

    @get("/{complaint_id:int}")
    async def detail(self, request: AuthedRequest, complaint_id: PathId) -> ComplaintDetailOut:
        return await queries.get_detail(request.user, complaint_id)

    @get("/{complaint_id:int}/similar")
    async def similar(self, request: AuthedRequest, complaint_id: PathId) -> list[SimilarOut]:
        """Admin, or a PIC of the complaint's unit: up to 5 open or recently
        released complaints that look like the same problem, best first."""
        return await find_similar(request.user, complaint_id)

    @post("/{complaint_id:int}/dispatch", status_code=HTTP_200_OK)
    async def dispatch(
        self, request: AuthedRequest, complaint_id: PathId, data: DispatchIn
    ) -> ComplaintDetailOut:
        return await steps.dispatch(request.user, complaint_id, data.unit_id, data.note)

    @post("/{complaint_id:int}/decline", status_code=HTTP_200_OK)
    async def decline(
        self, request: AuthedRequest, complaint_id: PathId, data: ReasonIn
    ) -> ComplaintDetailOut:
        return await steps.decline(request.user, complaint_id, data.reason)

    @post("/{complaint_id:int}/answer", status_code=HTTP_200_OK)
    async def answer(
        self, request: AuthedRequest, complaint_id: PathId, data: BodyIn
    ) -> ComplaintDetailOut:
        return await steps.answer(request.user, complaint_id, data.body)

    @post("/{complaint_id:int}/return", status_code=HTTP_200_OK)
    async def return_answer(
        self, request: AuthedRequest, complaint_id: PathId, data: NoteIn
    ) -> ComplaintDetailOut:
        return await steps.return_answer(request.user, complaint_id, data.note)

    @post("/{complaint_id:int}/release", status_code=HTTP_200_OK)
    async def release(
        self, request: AuthedRequest, complaint_id: PathId, data: ReleaseIn | None = None
    ) -> ComplaintDetailOut:
        return await steps.release(request.user, complaint_id, data.body if data else None)

    @post("/{complaint_id:int}/reject", status_code=HTTP_200_OK)
    async def reject(
        self, request: AuthedRequest, complaint_id: PathId, data: ReasonIn
    ) -> ComplaintDetailOut:
        return await steps.reject(request.user, complaint_id, data.reason)

    @post("/{complaint_id:int}/merge", status_code=HTTP_200_OK)
    async def merge(
        self, request: AuthedRequest, complaint_id: PathId, data: MergeIn
    ) -> ComplaintDetailOut:
        """Admin: this complaint is the same as `into` and follows it from now on."""
        return await merge.merge(request.user, complaint_id, data.into)

    @post("/{complaint_id:int}/replies", status_code=HTTP_201_CREATED)
    async def reply(
        self, request: AuthedRequest, complaint_id: PathId, data: BodyIn
    ) -> ComplaintDetailOut:
        return await steps.reply(request.user, complaint_id, data.body)

    @post("/{complaint_id:int}/rating", status_code=HTTP_200_OK)
    async def rate(
        self, request: AuthedRequest, complaint_id: PathId, data: RatingIn
    ) -> ComplaintDetailOut:
        return await steps.rate(request.user, complaint_id, data.score, data.comment)

    @post("/{complaint_id:int}/attachments", status_code=HTTP_201_CREATED)
    async def attach(
        self,
        request: AuthedRequest,
        complaint_id: PathId,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> AttachmentOut:
        """Multipart field `file`: JPEG, PNG, WebP or PDF, sniffed by content."""
        upload = data.get("file") if isinstance(data, dict) else None
        if not isinstance(upload, UploadFile):
            raise BadInput("file", "a multipart field named 'file' is required")
        content = await upload.read()
        return await attachments.add(request.user, complaint_id, content)


class AttachmentController(Controller):
    path = "/api/v1/attachments"
    tags = ["complaints"]

    @get("/{attachment_id:int}")
    async def download(self, request: AuthedRequest, attachment_id: PathId) -> File:
        path, content_type = await attachments.open_for(request.user, attachment_id)
        return File(
            path=path,
            media_type=content_type,
            content_disposition_type="inline",
            headers={
                "Cache-Control": "private, max-age=86400",
                "X-Content-Type-Options": "nosniff",
            },
        )
