-- An entry that records a case event holds the event's version and the
-- hash of the event as stored, so that verify can tell an edited event.
ALTER TABLE audit_entries ADD COLUMN event_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_entries ADD COLUMN event_hash TEXT NOT NULL DEFAULT '';
