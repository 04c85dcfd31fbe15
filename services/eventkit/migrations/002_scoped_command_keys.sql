-- A client's command id (Idempotency-Key) is scoped to who sent it and to the route it was sent
-- to, and bound to the request it was first used with: the same key from another caller, or on
-- another route, is another command; the same key with another request is refused (422).
ALTER TABLE commands
    ADD COLUMN IF NOT EXISTS caller       text NOT NULL DEFAULT '',  -- the principal's subject
    ADD COLUMN IF NOT EXISTS route        text NOT NULL DEFAULT '',  -- such as 'POST /hazards/{hazard_id}/escalate'
    ADD COLUMN IF NOT EXISTS request_hash text;                      -- sha-256 of the parsed body and path parameters

-- Keys recorded before: their caller is the actor of their events; their route stays empty (such
-- a key answers its caller on any route, as it did, with no request to compare).
UPDATE commands c SET caller = e.actor
FROM (
    SELECT DISTINCT ON (command_id) command_id, actor FROM events
    WHERE command_id IS NOT NULL AND actor IS NOT NULL
    ORDER BY command_id, position
) e
WHERE e.command_id = c.command_id AND c.caller = '';

ALTER TABLE commands DROP CONSTRAINT IF EXISTS commands_pkey;
ALTER TABLE commands ADD CONSTRAINT commands_pkey PRIMARY KEY (command_id, caller, route);
