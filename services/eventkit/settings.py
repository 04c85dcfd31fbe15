"""Settings from environment variables (``HOUQIN_*``) with local defaults."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

# The one list of services and their ports: a module of the standard library only, which
# imports no service (so the kit still depends on no service).
from services.registry import DATABASE_PREFIX, PORTS, database_of


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOUQIN_", extra="ignore")

    service: str = "directory"
    namespace: str = "houqin"  # prefix of topics and consumer groups; tests use their own
    environment: str = "development"

    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "houqin"
    pg_password: str = "houqin"
    database_url: str | None = None
    database_prefix: str = DATABASE_PREFIX  # each service's database is <prefix>_<service>
    pool_min_size: int = 2
    pool_max_size: int = 20
    command_timeout_s: float = 10.0

    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_partitions: int = 6
    kafka_request_timeout_ms: int = 15000

    http_host: str = "127.0.0.1"
    http_port: int | None = None
    port_offset: int = 0  # added to every service's default port (to run a second system beside one)
    # Prometheus metrics of a served process, on a port of their own (on loopback unless told
    # otherwise): the service's port + 1000 by default (+ 1100 for a process of workers only);
    # 0 serves none. The main port's /metrics answers operators only.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None

    jwt_secret: str = "houqin-development-secret-do-not-use-in-production"
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_ttl_s: int = 12 * 3600

    # Batches are bounded for latency, not throughput: the relay and the consumers share the
    # API's event loop, and decoding or building a batch holds it. Batches of 500 records (and
    # relay rounds of 1,000) held it long enough to put commands_http's p99 at 1,500/s at
    # 81-193 ms; at 100 and 200 it was 12.6 ms, and a 50,000-event catch-up took 1.21 s
    # instead of 1.09 s (bench/README.md).
    relay_batch_size: int = 200
    relay_poll_interval_s: float = 1.0
    consumer_batch_size: int = 100
    consumer_commit_interval_s: float = 0.5  # offsets to Kafka; the database's tracking is what counts
    command_lane: bool = True  # commands' POSTs past the framework's machinery (services.eventkit.lane)
    campus_cache_ttl_s: float = 2.0  # how long a process trusts the campus rows of its directory mirror
    acceptance_quorum: int = 2  # distinct acceptance-team members who sign a major purchase
    log_level: str = "INFO"
    log_json: bool = True

    @property
    def dsn(self) -> str:
        if self.database_url:
            return self.database_url
        return (
            f"postgresql://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/"
            f"{database_of(self.service, self.database_prefix)}"
        )

    @property
    def port(self) -> int:
        return self.http_port or PORTS.get(self.service, 8080) + self.port_offset

    def metrics_listen_port(self, *, workers: bool = False) -> int | None:
        """The port of the metrics of a served process (None: none served)."""
        if self.metrics_port == 0:
            return None
        if self.metrics_port is not None:
            return self.metrics_port + (100 if workers else 0)
        return self.port + (1100 if workers else 1000)

    @property
    def events_topic(self) -> str:
        return self.topic_of(self.service)

    @property
    def dlq_topic(self) -> str:
        return f"{self.namespace}.{self.service}.dlq"

    def topic_of(self, service: str) -> str:
        """The events topic of any service (its own or one it reacts to)."""
        return f"{self.namespace}.{service}.events"

    def group_of(self, consumer: str) -> str:
        return f"{self.namespace}.{self.service}.{consumer}"
