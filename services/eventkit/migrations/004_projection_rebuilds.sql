-- Rebuilds of projections started through the service's /ops routes: who started which, why,
-- how far it got (written as it goes, so every process of the service can show it) and how it ended.
CREATE TABLE IF NOT EXISTS projection_rebuilds (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection    text        NOT NULL,
    started_by    text        NOT NULL,
    reason        text        NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    total         bigint      NOT NULL DEFAULT 0,
    replayed      bigint      NOT NULL DEFAULT 0,
    progressed_at timestamptz,
    finished_at   timestamptz,
    events        bigint,
    caught_up     bigint,
    seconds       double precision,
    error         text,
    audit_id      bigint
);
CREATE INDEX IF NOT EXISTS projection_rebuilds_latest ON projection_rebuilds (projection, id DESC);
