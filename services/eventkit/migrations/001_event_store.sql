-- The event store, its outbox, idempotent commands and consumer tracking.
CREATE TABLE IF NOT EXISTS events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid        NOT NULL UNIQUE,
    stream_id       text        NOT NULL,
    version         integer     NOT NULL CHECK (version > 0),
    type            text        NOT NULL,
    schema_version  integer     NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    district_id     text,
    school_id       text,
    campus_id       text,
    actor           text,
    correlation_id  text,
    causation_id    text,
    command_id      text,
    data            jsonb       NOT NULL,
    -- the writing transaction: lets a rebuild find what committed after its snapshot
    txid            xid8        NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT events_stream_version UNIQUE (stream_id, version)
);
CREATE INDEX IF NOT EXISTS events_txid ON events (txid);
CREATE INDEX IF NOT EXISTS events_type ON events (type);

-- Drained by the relay: a row is deleted once Kafka acknowledged its event.
CREATE TABLE IF NOT EXISTS outbox (
    position   bigint PRIMARY KEY,
    stream_id  text   NOT NULL
);

-- A retried command (same client command id) returns this first result.
CREATE TABLE IF NOT EXISTS commands (
    command_id   text PRIMARY KEY,
    stream_id    text        NOT NULL,
    result       jsonb       NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- Exactly-once effect of reactions: the row commits with the effect.
CREATE TABLE IF NOT EXISTS processed_events (
    consumer      text        NOT NULL,
    event_id      uuid        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- What consumers could not handle, for operators (the message also goes to the DLQ topic).
CREATE TABLE IF NOT EXISTS dead_letters (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer     text        NOT NULL,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    event_id     uuid,
    stream_id    text,
    reason       text        NOT NULL,
    payload      bytea,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS projection_status (
    name              text PRIMARY KEY,
    events_applied    bigint      NOT NULL DEFAULT 0,
    last_event_at     timestamptz,
    last_applied_at   timestamptz,
    rebuilt_at        timestamptz
);
