-- The case store: events (append-only), the commands' idempotency keys,
-- one summary per case and its dues for the worklist.
CREATE TABLE events (
	case_id     text        NOT NULL,
	version     integer     NOT NULL CHECK (version >= 1),
	type        text        NOT NULL,
	schema      integer     NOT NULL,
	actor_id    text        NOT NULL,
	actor_role  text        NOT NULL,
	at          timestamptz NOT NULL,
	recorded_at timestamptz NOT NULL,
	key         text,
	data        text        NOT NULL, -- JSON, kept byte for byte
	decision    text,                 -- the DecisionRecord as JSON, or NULL
	PRIMARY KEY (case_id, version)
);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'events are append-only: % refused', TG_OP;
END
$$;

CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
	FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
	FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

CREATE TABLE commands (
	key           text    PRIMARY KEY,
	case_id       text    NOT NULL,
	first_version integer NOT NULL,
	last_version  integer NOT NULL
);

CREATE TABLE cases (
	case_id text    PRIMARY KEY,
	version integer NOT NULL,
	stage   text    NOT NULL,
	summary text    NOT NULL -- the procedure.Summary as JSON
);

CREATE INDEX cases_stage ON cases (stage, case_id);

CREATE TABLE dues (
	case_id text        NOT NULL,
	what    text        NOT NULL,
	who     text        NOT NULL,
	from_at timestamptz NOT NULL,
	by_at   timestamptz NOT NULL,
	ref     text        NOT NULL,
	item    text        NOT NULL -- the work item, packed: case, stage, what, who, from, by, ref, patient
);

CREATE INDEX dues_case ON dues (case_id);
