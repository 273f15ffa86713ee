-- The Merkle tree over the entries (golang.org/x/mod/sumdb/tlog): its
-- stored hashes by index, and the signed checkpoints of its sizes.
CREATE TABLE audit_tree (
	idx  BIGINT PRIMARY KEY,
	hash BYTEA NOT NULL
);

CREATE TABLE audit_checkpoints (
	size BIGINT PRIMARY KEY,
	at   TEXT NOT NULL,
	note TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
	FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
