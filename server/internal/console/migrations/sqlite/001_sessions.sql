-- The console's sessions: one row per signed-in browser. The cookie holds
-- a random token; only its SHA-256 is kept, so a copy of the database
-- signs no one in.
CREATE TABLE console_sessions (
	token_hash  TEXT PRIMARY KEY,
	subject     TEXT NOT NULL,
	role        TEXT NOT NULL, -- '' until the person chooses one of choices
	choices     TEXT NOT NULL DEFAULT '', -- the roles to choose from, comma-separated
	created_at  INTEGER NOT NULL, -- unix microseconds
	last_seen   INTEGER NOT NULL
);
CREATE INDEX console_sessions_last_seen ON console_sessions (last_seen);
