-- Dead letters and operators' acts know the tenant of the event they are about, so that an
-- operator of one district sees and settles only that district's (a platform admin sees all).
-- A message that was not an event (undecodable) has no tenant: only a platform admin sees it.
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS district_id text;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS school_id text;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS campus_id text;
ALTER TABLE operations_audit ADD COLUMN IF NOT EXISTS district_id text;
ALTER TABLE operations_audit ADD COLUMN IF NOT EXISTS school_id text;
ALTER TABLE operations_audit ADD COLUMN IF NOT EXISTS campus_id text;
-- The operations event the act appended (operations-<...> stream of the service's store).
ALTER TABLE operations_audit ADD COLUMN IF NOT EXISTS event_id uuid;

-- Dead letters kept before: their tenant from the kept message, when it is a JSON object.
DO $$
DECLARE
    r record;
    doc jsonb;
BEGIN
    FOR r IN SELECT id, payload FROM dead_letters WHERE payload IS NOT NULL AND district_id IS NULL LOOP
        BEGIN
            doc := convert_from(r.payload, 'UTF8')::jsonb;
            IF jsonb_typeof(doc) = 'object' THEN
                UPDATE dead_letters SET
                    district_id = left(doc ->> 'district_id', 200),
                    school_id = left(doc ->> 'school_id', 200),
                    campus_id = left(doc ->> 'campus_id', 200)
                WHERE id = r.id;
            END IF;
        EXCEPTION WHEN others THEN
            NULL;  -- not UTF-8 or not JSON: no tenant
        END;
    END LOOP;
END $$;

-- Acts kept before: the tenant of the dead letter (or parked row's event) they were about.
UPDATE operations_audit a SET district_id = d.district_id, school_id = d.school_id, campus_id = d.campus_id
FROM (SELECT DISTINCT ON (consumer, event_id) consumer, event_id, district_id, school_id, campus_id
      FROM dead_letters WHERE event_id IS NOT NULL ORDER BY consumer, event_id, id DESC) d
WHERE a.district_id IS NULL AND a.school_id IS NULL AND a.campus_id IS NULL
  AND a.target = d.consumer || '/' || d.event_id;
UPDATE operations_audit a SET district_id = e.district_id, school_id = e.school_id, campus_id = e.campus_id
FROM events e
WHERE a.district_id IS NULL AND a.school_id IS NULL AND a.campus_id IS NULL
  AND a.action IN ('outbox.release', 'outbox.discard') AND e.event_id = (a.detail ->> 'event_id')::uuid;

CREATE INDEX IF NOT EXISTS dead_letters_district ON dead_letters (district_id);
