-- The case store: events (append-only), the commands' idempotency keys,
-- one summary per case and its dues for the worklist.
CREATE TABLE events (
	case_id     TEXT    NOT NULL,
	version     INTEGER NOT NULL CHECK (version >= 1),
	type        TEXT    NOT NULL,
	schema      INTEGER NOT NULL,
	actor_id    TEXT    NOT NULL,
	actor_role  TEXT    NOT NULL,
	at          TEXT    NOT NULL, -- RFC 3339, UTC, to the microsecond
	recorded_at TEXT    NOT NULL,
	key         TEXT,
	data        TEXT    NOT NULL,
	decision    TEXT,             -- the DecisionRecord as JSON, or NULL
	PRIMARY KEY (case_id, version)
) WITHOUT ROWID;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;

CREATE TABLE commands (
	key           TEXT    PRIMARY KEY,
	case_id       TEXT    NOT NULL,
	first_version INTEGER NOT NULL,
	last_version  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE cases (
	case_id TEXT    PRIMARY KEY,
	version INTEGER NOT NULL,
	stage   TEXT    NOT NULL,
	summary TEXT    NOT NULL -- the procedure.Summary as JSON
) WITHOUT ROWID;

CREATE INDEX cases_stage ON cases (stage, case_id);

CREATE TABLE dues (
	case_id TEXT    NOT NULL,
	what    TEXT    NOT NULL,
	who     TEXT    NOT NULL,
	from_at INTEGER NOT NULL, -- Unix microseconds
	by_at   INTEGER NOT NULL,
	ref     TEXT    NOT NULL,
	item    TEXT    NOT NULL  -- the work item, packed: case, stage, what, who, from, by, ref, patient
);

CREATE INDEX dues_case ON dues (case_id);
