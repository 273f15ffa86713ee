-- The audit log: one row per audited act, hash-chained, append-only.
CREATE TABLE audit_entries (
	seq            INTEGER PRIMARY KEY,
	at             TEXT NOT NULL,
	actor_id       TEXT NOT NULL,
	actor_role     TEXT NOT NULL,
	action         TEXT NOT NULL,
	subject        TEXT NOT NULL,
	request_id     TEXT NOT NULL,
	ruleset_digest TEXT NOT NULL,
	input          TEXT NOT NULL,
	output         TEXT NOT NULL,
	prev_hash      TEXT NOT NULL,
	hash           TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
	SELECT RAISE(ABORT, 'audit_entries is append-only');
END;

CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
	SELECT RAISE(ABORT, 'audit_entries is append-only');
END;
