-- The Merkle tree over the entries (golang.org/x/mod/sumdb/tlog): its
-- stored hashes by index, and the signed checkpoints of its sizes.
CREATE TABLE audit_tree (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
) STRICT;

CREATE TABLE audit_checkpoints (
	size INTEGER PRIMARY KEY,
	at   TEXT NOT NULL,
	note TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
	SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
	SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
