"""Gateway settings (``HOUQIN_*``): where the services are, and the limits that keep the API safe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, create_model
from pydantic_settings import SettingsConfigDict

from services.eventkit.body_limit import DEFAULT_MAX_BODY_BYTES
from services.eventkit.settings import Settings
from services.registry import NAMES, PORTS

SERVICES = NAMES

if TYPE_CHECKING:
    _ServiceUrls = Settings
else:
    # one setting per service of the registry: directory_url (HOUQIN_DIRECTORY_URL), ...
    _url_fields: dict[str, Any] = {f"{name}_url": (str | None, None) for name in SERVICES}
    _ServiceUrls = create_model("_ServiceUrls", __base__=Settings, **_url_fields)


class GatewaySettings(_ServiceUrls):
    model_config = SettingsConfigDict(env_prefix="HOUQIN_", extra="ignore")

    service: str = "gateway"
    service_timeout_s: float = 5.0
    max_depth: int = 10
    max_tokens: int = 2000
    max_aliases: int = 15
    max_cost: int = 5000  # items a query may ask for, multiplied through nested lists
    gateway_max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=0)  # a larger request body is a 413
    introspection: bool | None = None  # default: on, except in production

    def url_of(self, service: str) -> str:
        explicit = getattr(self, f"{service}_url", None)
        if explicit:
            return str(explicit).rstrip("/")
        return f"http://127.0.0.1:{PORTS[service] + self.port_offset}"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.production

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.introspection_enabled:
            problems.append("GraphQL introspection is on: unset HOUQIN_INTROSPECTION (or set it to false)")
        return problems
