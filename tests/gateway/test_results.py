"""How a service's refusal reaches a GraphQL client: typed, with its code kept."""

from __future__ import annotations

from gateway.clients import ServiceError
from gateway.results import InvalidInput, NotFound, Rejected, from_service_error
from gateway.settings import GatewaySettings
from services.eventkit.cli import listen_options


def test_an_event_too_large_keeps_its_code() -> None:
    body = {"error": "event_too_large", "reason": "safety.HazardReported is 3000 bytes, more than 2048"}
    result = from_service_error(ServiceError("safety", 413, body))
    assert isinstance(result, Rejected)
    assert (result.code, result.message) == ("event_too_large", body["reason"])


def test_a_body_too_large_keeps_its_code() -> None:
    result = from_service_error(
        ServiceError("inventory", 413, {"error": "payload_too_large", "reason": "x", "limit": 9})
    )
    assert isinstance(result, Rejected) and result.code == "payload_too_large"


def test_other_statuses_keep_their_types() -> None:
    assert isinstance(from_service_error(ServiceError("safety", 404, {"error": "not_found", "reason": "no"})), NotFound)
    invalid = from_service_error(
        ServiceError(
            "safety", 422, {"error": "validation_error", "detail": [{"field": "lines.0.item_id", "reason": "r"}]}
        )
    )
    assert isinstance(invalid, InvalidInput) and invalid.errors[0].field == "lines.0.itemId"


def test_a_websocket_message_is_bounded_like_a_request_body() -> None:
    settings = GatewaySettings(gateway_max_body_bytes=4096)
    assert listen_options(settings, None, None, graceful_s=1, max_message_bytes=4096)["ws_max_size"] == 4096
    assert listen_options(settings, None, None, graceful_s=1)["ws_max_size"] == settings.max_body_bytes
