"""Gateway settings (``HOUQIN_*``): where the services are, and the limits that keep the API safe."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.eventkit.settings import SERVICE_PORTS, Settings

SERVICES = ("directory", "safety", "inventory")


class GatewaySettings(Settings):
    model_config = SettingsConfigDict(env_prefix="HOUQIN_", extra="ignore")

    service: str = "gateway"
    directory_url: str | None = None
    safety_url: str | None = None
    inventory_url: str | None = None
    service_timeout_s: float = 5.0
    max_depth: int = 10
    max_tokens: int = 2000
    max_aliases: int = 15
    max_cost: int = 5000  # items a query may ask for, multiplied through nested lists
    introspection: bool | None = None  # default: on, except in production

    def url_of(self, service: str) -> str:
        explicit = getattr(self, f"{service}_url", None)
        if explicit:
            return str(explicit).rstrip("/")
        return f"http://127.0.0.1:{SERVICE_PORTS[service] + self.port_offset}"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else self.environment != "production"
