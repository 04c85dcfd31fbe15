"""The report's document over plain HTTP: ``GET /reports/{school_id}/{term_id}`` as a web page,
a PDF or a Word file, for whoever may read the report (the same bearer token as GraphQL)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from gateway.clients import ServiceError, ServiceUnavailable
from gateway.context import AuthenticationRequired, build_context
from gateway.report.documents import FORMATS, render
from gateway.report.loading import load_report

router = APIRouter(tags=["reports"])
Id = Annotated[str, Query(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


@router.get(
    "/reports/{school_id}/{term_id}",
    summary="A term's report as a web page, a PDF or a Word document",
    responses={200: {"content": {t: {} for t in FORMATS.values()}}, 403: {}, 404: {}, 422: {}},
)
async def report_document(
    request: Request,
    school_id: str,
    term_id: str,
    format: Annotated[str, Query(pattern="^(html|pdf|docx)$")] = "html",
    campus_id: Id | None = None,
    version: Annotated[int | None, Query(ge=1, le=10_000, description="An issued version")] = None,
) -> Response:
    state: dict[str, Any] = request.app.state.gateway
    settings = request.app.state.settings
    try:
        context = await build_context(
            settings,
            state["clients"],
            state["verifier"],
            request.headers.get("authorization"),
            request.headers.get("x-correlation-id"),
        )
    except AuthenticationRequired as exc:
        raise HTTPException(401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    if context.principal is None:
        raise HTTPException(401, detail=str(AuthenticationRequired()), headers={"WWW-Authenticate": "Bearer"})
    try:
        loaded = await load_report(context.caller, school_id, term_id, campus_id, version)
    except ServiceError as exc:
        status = exc.status if exc.status in (401, 403, 404, 409, 422) else 502
        return JSONResponse({"error": exc.body.get("error", "refused"), "service": exc.service} | exc.body, status)
    except ServiceUnavailable as exc:
        return JSONResponse({"error": "unavailable", "reason": str(exc), "service": exc.service}, 503)
    document = loaded.document()
    body = await asyncio.to_thread(render, document, format)  # WeasyPrint and matplotlib hold the CPU: not the loop
    name = f"{loaded.report_id}{'-v' + str(version) if version else ''}.{format}"
    disposition = "inline" if format == "html" else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"}
    return Response(body, media_type=FORMATS[format], headers=headers)
