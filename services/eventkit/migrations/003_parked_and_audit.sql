-- Outbox rows the broker refused (too large, or any error a retry cannot mend): set aside by
-- the relay so that it never wedges. The stream's later rows stay in the outbox, held back
-- behind the parked one (the stream's order is kept); other streams flow on. An operator
-- releases the row (it goes back to the outbox, first of its stream) or discards it.
CREATE TABLE IF NOT EXISTS parked_outbox (
    position   bigint PRIMARY KEY,
    stream_id  text        NOT NULL,
    event_id   uuid        NOT NULL,
    type       text        NOT NULL,
    size_bytes integer     NOT NULL,
    reason     text        NOT NULL,
    parked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS parked_outbox_stream ON parked_outbox (stream_id);

-- Events an operator told a consumer never to apply (a poisoned event that held its stream).
CREATE TABLE IF NOT EXISTS skipped_events (
    consumer    text        NOT NULL,
    event_id    uuid        NOT NULL,
    stream_id   text,
    skipped_by  text        NOT NULL,
    reason      text        NOT NULL,
    skipped_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Who did what to the flow of events, when and why: releases, discards, skips.
CREATE TABLE IF NOT EXISTS operations_audit (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL,
    action    text        NOT NULL,
    target    text        NOT NULL,
    reason    text        NOT NULL,
    detail    jsonb       NOT NULL DEFAULT '{}'
);
