"""Structured JSON logs carrying the request's correlation id, and never a bearer token.

Nothing logs a request's headers (uvicorn's access log is off, and no log line names the
Authorization header); as a last guard every rendered line has what looks like a bearer
token or a JWT replaced by ``<redacted>``, whatever logged it (an exception's text, a
library's message).
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar

import structlog
from structlog.types import EventDict, WrappedLogger

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def _add_correlation_id(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    cid = correlation_id.get()
    if cid and "correlation_id" not in event_dict:
        event_dict["correlation_id"] = cid
    return event_dict


# "Bearer <anything>" and the three base64url parts of a JWT (its header always starts with "eyJ": '{"').
_TOKENS = re.compile(r"(?i:bearer)\s+[^\s\"',;]+|eyJ[\w-]*\.[\w-]*\.[\w-]*")


def redact_tokens(text: str) -> str:
    """``text`` with bearer tokens and JWTs replaced by ``<redacted>``."""
    if "eyJ" not in text and "earer" not in text:  # the common case: one scan, no regex
        return text
    return _TOKENS.sub(_redacted, text)


def _redacted(match: re.Match[str]) -> str:
    found = match.group(0)
    return found[:6] + " <redacted>" if found[:6].lower() == "bearer" else "<redacted>"


def _redact_rendered(_: WrappedLogger, __: str, rendered: str | bytes) -> str | bytes:
    return redact_tokens(rendered) if isinstance(rendered, str) else rendered


def configure_logging(service: str, level: str = "INFO", *, json_output: bool = True) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _add_correlation_id,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer(colors=False)
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # an exception as plain text (not a console's wrapped, locals-showing rendering), so
                # the redaction below sees each token whole
                structlog.processors.format_exc_info,
                renderer,
                _redact_rendered,  # type: ignore[list-item]  # after the renderer: the line as written
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
