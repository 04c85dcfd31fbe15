-- When a member of staff joined (their local day) and left: who is on a month's roster.
ALTER TABLE directory_staff ADD COLUMN IF NOT EXISTS joined_on date;
ALTER TABLE directory_staff ADD COLUMN IF NOT EXISTS left_on date;
