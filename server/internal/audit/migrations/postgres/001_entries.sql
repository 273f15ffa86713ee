-- The audit log: one row per audited act, hash-chained, append-only.
CREATE TABLE audit_entries (
	seq            BIGINT PRIMARY KEY,
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
);

CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_entries is append-only';
END
$$;

CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
	FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();

CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
	FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
