"""Settings from environment variables (``HOUQIN_*``) with local defaults."""

from __future__ import annotations

import sys

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.eventkit.body_limit import DEFAULT_MAX_BODY_BYTES

# The one list of services and their ports: a module of the standard library only, which
# imports no service (so the kit still depends on no service).
from services.registry import DATABASE_PREFIX, PORTS, database_of

DEVELOPMENT_SECRET = "houqin-development-secret-do-not-use-in-production"
"""The shared key every checkout knows: it signs development tokens, and nothing in production."""
MIN_SECRET_LENGTH = 32  # bytes of a shared HS256 key (RFC 7518: at least the hash's size)
EX_CONFIG = 78  # the exit status of a refused start (sysexits.h: a configuration error)


class UnsafeSettings(RuntimeError):
    """The settings are not fit for production: the process must not start."""


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
    # The query side's database: a streaming standby of the primary (services.eventkit.replica).
    # GET routes and the version wait of read-your-writes read there; everything else stays on
    # the primary. Either its whole URL, as HOUQIN_DATABASE_URL, or its server
    # (HOUQIN_PG_READ_HOST / HOUQIN_PG_READ_PORT, each defaulting to the primary's), where the
    # service's database and role are those of the primary. None of them: reads use the primary.
    read_database_url: str | None = None
    pg_read_host: str | None = None
    pg_read_port: int | None = None
    read_check_interval_s: float = 1.0  # how often a process checks the replica (down: reads use the primary)
    pool_min_size: int = 2
    pool_max_size: int = 20
    command_timeout_s: float = 10.0

    kafka_bootstrap: str = "127.0.0.1:9092"  # host:port[,host:port...]: every broker of a cluster, or some
    topic_partitions: int = 6
    # The topics the services create (services.eventkit.kafka.ensure_topics): replicas of each
    # partition, and how many of them must have a record before the broker acknowledges it
    # (the producers send with acks=all). 1 and 1 for the single local broker; 3 and 2 for a
    # cluster of three (infra/kafka with HOUQIN_KAFKA_BROKERS=3), which then loses no
    # acknowledged record and keeps accepting writes when one broker dies.
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_min_insync_replicas: int = Field(default=1, ge=1)
    kafka_request_timeout_ms: int = 15000
    # What the broker accepts in one record batch: Kafka's default ``message.max.bytes`` (a
    # topic's ``max.message.bytes``), 1 MiB. The producers' batches are built to it.
    kafka_max_message_bytes: int = 1024 * 1024
    # The largest event the store appends: the broker's limit less 64 KiB of headroom for the
    # record's framing, its headers and the batch header (services.eventkit.store.event_size).
    # A larger one is refused with 413 event_too_large before anything is written.
    max_event_bytes: int = 1024 * 1024 - 64 * 1024

    http_host: str = "127.0.0.1"
    http_port: int | None = None
    port_offset: int = 0  # added to every service's default port (to run a second system beside one)
    # Prometheus metrics of a served process, on a port of their own (on loopback unless told
    # otherwise): the service's port + 1000 by default (+ 1100 for a process of workers only);
    # 0 serves none. The main port's /metrics answers operators only.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None

    jwt_secret: str = DEVELOPMENT_SECRET
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
    # A batch hit by a database incident, or a partition held at an event of a newer schema
    # version, is retried after this wait, doubled at each attempt up to the most.
    consumer_retry_initial_s: float = 0.5
    consumer_retry_max_s: float = 60.0
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=0)  # a larger request body is a 413
    # A thread per runtime that names what blocks the event loop (services.eventkit.loopwatch). A
    # served process has one runtime; a test session starts a hundred in one process, whose
    # watchers, waking twenty times a second each, starved the loop of the interpreter's lock.
    loop_watch: bool = True
    command_lane: bool = True  # commands' POSTs past the framework's machinery (services.eventkit.lane)
    campus_cache_ttl_s: float = 2.0  # how long a process trusts the campus rows of its directory mirror
    acceptance_quorum: int = 2  # distinct acceptance-team members who sign a major purchase
    log_level: str = "INFO"
    log_json: bool = True
    api_docs: bool | None = None  # /openapi.json, /docs and /redoc; default: on, except in production

    @field_validator(
        "jwt_jwks_url", "jwt_issuer", "jwt_audience", "read_database_url", "pg_read_host", "pg_read_port", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (``HOUQIN_JWT_AUDIENCE=``, as Compose passes one not set) is no value."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _insync_within_replicas(self) -> Settings:
        if self.kafka_min_insync_replicas > self.kafka_replication_factor:
            raise ValueError(
                f"HOUQIN_KAFKA_MIN_INSYNC_REPLICAS ({self.kafka_min_insync_replicas}) must be from 1 to "
                f"HOUQIN_KAFKA_REPLICATION_FACTOR ({self.kafka_replication_factor}): no write could be acknowledged"
            )
        return self

    @property
    def production(self) -> bool:
        return self.environment.strip().lower() == "production"

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else not self.production

    def production_problems(self) -> list[str]:
        """What makes these settings unfit for production (HOUQIN_ENVIRONMENT=production)."""
        problems = []
        if not self.jwt_jwks_url:
            if self.jwt_secret == DEVELOPMENT_SECRET:
                problems.append(
                    "the JWT key is the public development key: set HOUQIN_JWT_JWKS_URL to your identity "
                    "provider's JWKS (or HOUQIN_JWT_SECRET to a private random key of at least "
                    f"{MIN_SECRET_LENGTH} bytes)"
                )
            elif len(self.jwt_secret.encode()) < MIN_SECRET_LENGTH:
                problems.append(f"HOUQIN_JWT_SECRET is shorter than {MIN_SECRET_LENGTH} bytes")
        if not self.jwt_issuer:
            problems.append("no token issuer: set HOUQIN_JWT_ISSUER (the iss of the tokens to accept)")
        if not self.jwt_audience:
            problems.append("no token audience: set HOUQIN_JWT_AUDIENCE (the aud of the tokens to accept)")
        return problems

    def refuse_unsafe(self) -> None:
        """Raises :class:`UnsafeSettings` with one paragraph saying what to set, if these are
        production settings unfit for production."""
        if not self.production:
            return
        problems = self.production_problems()
        if problems:
            raise UnsafeSettings(
                f"houqin {self.service} refuses to start with HOUQIN_ENVIRONMENT=production: "
                + "; ".join(problems)
                + '. See .env.example and the README\'s "Production" section.'
            )

    def refuse_unsafe_or_exit(self) -> None:
        """For a command line: the refusal's paragraph on stderr, and exit status 78."""
        try:
            self.refuse_unsafe()
        except UnsafeSettings as exc:
            print(str(exc), file=sys.stderr, flush=True)
            raise SystemExit(EX_CONFIG) from None

    @property
    def dsn(self) -> str:
        if self.database_url:
            return self.database_url
        return (
            f"postgresql://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/"
            f"{database_of(self.service, self.database_prefix)}"
        )

    @property
    def read_dsn(self) -> str | None:
        """The replica's DSN for this service's reads, or None if no replica is configured."""
        if self.read_database_url:
            return self.read_database_url
        if self.pg_read_host is None and self.pg_read_port is None:
            return None
        return (
            f"postgresql://{self.pg_user}:{self.pg_password}@{self.pg_read_host or self.pg_host}:"
            f"{self.pg_read_port or self.pg_port}/{database_of(self.service, self.database_prefix)}"
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
