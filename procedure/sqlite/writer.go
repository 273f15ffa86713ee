package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/internal/groupcommit"
	"github.com/reocell/celltherapy/procedure/internal/workitem"
)

// writer is the connection the commit loop writes on, held for the
// store's life with its statements prepared once: SQLite's parser would
// otherwise run for every statement of every command. Its transactions
// are BEGIN IMMEDIATE: the write lock is taken at BEGIN, so the reads of
// the batch (a case's version, the audit log's end) see what no other
// writer can change before the commit.
type writer struct {
	db   *sql.DB
	conn *sql.Conn
	st   map[string]*sql.Stmt
}

// The writer's statements, by name.
var writerSQL = map[string]string{
	"begin":      `BEGIN IMMEDIATE`,
	"commit":     `COMMIT`,
	"rollback":   `ROLLBACK`,
	"savepoint":  `SAVEPOINT append`,
	"release":    `RELEASE append`,
	"undo":       `ROLLBACK TO append`,
	"key":        `SELECT case_id, first_version, last_version, COALESCE(digest, '') FROM commands WHERE key = ?`,
	"version":    `SELECT version FROM cases WHERE case_id = ?`,
	"event":      `INSERT INTO events (case_id, version, type, schema, actor_id, actor_role, at, recorded_at, key, data, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"case":       `INSERT INTO cases (case_id, version, stage, summary) VALUES (?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET version = excluded.version, stage = excluded.stage, summary = excluded.summary`,
	"dues-clear": `DELETE FROM dues WHERE case_id = ?`,
	"due":        `INSERT INTO dues (case_id, what, who, from_at, by_at, ref, item) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	"command":    `INSERT INTO commands (key, case_id, first_version, last_version, digest) VALUES (?, ?, ?, ?, ?)`,
}

// The audit log's statements, prepared when a batch first carries a trail
// (the tables are the server's, created by its migrations).
var auditSQL = map[string]string{
	"audit-tail": `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`,
	"audit-entry": `INSERT INTO audit_entries
		(seq, at, actor_id, actor_role, action, subject, request_id, ruleset_digest, input, output, event_version, event_hash, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"tree-size":       `SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`,
	"tree-entries":    `SELECT seq, hash FROM audit_entries WHERE seq > ? ORDER BY seq`,
	"tree-hash":       `SELECT hash FROM audit_tree WHERE idx = ?`,
	"tree-put":        `INSERT INTO audit_tree (idx, hash) VALUES (?, ?)`,
	"tree-checkpoint": `INSERT INTO audit_checkpoints (size, at, note) VALUES (?, ?, ?)`,
}

func openWriter(ctx context.Context, db *sql.DB) (*writer, error) {
	w := &writer{db: db}
	if err := w.connect(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// connect takes a connection of its own and prepares the statements.
func (w *writer) connect(ctx context.Context) error {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	w.conn, w.st = conn, map[string]*sql.Stmt{}
	// The store's checkpointer copies the WAL into the database, off the
	// commit path (Store.checkpointWAL).
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		w.close()
		return err
	}
	for name, q := range writerSQL {
		if err := w.prepare(ctx, name, q); err != nil {
			w.close()
			return err
		}
	}
	return nil
}

func (w *writer) prepare(ctx context.Context, name, q string) error {
	st, err := w.conn.PrepareContext(ctx, q)
	if err != nil {
		return fmt.Errorf("sqlite: prepare %s: %w", name, err)
	}
	w.st[name] = st
	return nil
}

// stmt returns a prepared statement, preparing an audit statement the
// first time it is asked for.
func (w *writer) stmt(ctx context.Context, name string) (*sql.Stmt, error) {
	if st, ok := w.st[name]; ok {
		return st, nil
	}
	q, ok := auditSQL[name]
	if !ok {
		return nil, fmt.Errorf("sqlite: no statement %s", name)
	}
	if err := w.prepare(ctx, name, q); err != nil {
		return nil, err
	}
	return w.st[name], nil
}

func (w *writer) exec(ctx context.Context, name string, args ...any) error {
	st, err := w.stmt(ctx, name)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

func (w *writer) queryRow(ctx context.Context, name string, args ...any) (*sql.Row, error) {
	st, err := w.stmt(ctx, name)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

func (w *writer) close() {
	for _, st := range w.st {
		st.Close()
	}
	if w.conn != nil {
		w.conn.Close()
	}
	w.conn, w.st = nil, nil
}

// abort rolls back a batch that failed. A connection that cannot roll
// back (or had no transaction open, BEGIN having failed) is replaced, so
// that the next batch starts clean.
func (w *writer) abort() {
	ctx := context.Background()
	if w.conn != nil && w.exec(ctx, "rollback") == nil {
		return
	}
	w.close()
	w.connect(ctx) // a failure here is the next batch's error
}

// commit writes a batch in one transaction. Each job's outcome is set
// in its Res or Err; the error returned fails the whole batch (the
// caller rolls it back).
func (w *writer) commit(batch []*groupcommit.Job) error {
	// A job, once queued, is written whatever its caller does: the
	// statements do not run under the callers' contexts.
	ctx := context.Background()
	if w.conn == nil {
		if err := w.connect(ctx); err != nil {
			return fmt.Errorf("sqlite: begin: %w", err)
		}
	}
	if err := w.exec(ctx, "begin"); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	var (
		tail   *procedure.AuditTail // read once, when a job needs it
		sealer procedure.AuditSealer
	)
	for _, j := range batch {
		if err := j.Ctx.Err(); err != nil {
			j.Err = err // not queued in time: nothing written
			continue
		}
		if j.Req.Audit != nil && tail == nil {
			t, err := w.auditTail(ctx)
			if err != nil {
				return err
			}
			tail = t
		}
		if err := w.exec(ctx, "savepoint"); err != nil {
			return err
		}
		var next procedure.AuditTail
		j.Res, next, j.Err = w.append(ctx, j.Req, tail)
		if j.Err != nil {
			if err := w.exec(ctx, "undo"); err != nil {
				return err
			}
		} else if tail != nil && !j.Res.Replayed {
			*tail = next
			if sl, ok := j.Req.Audit.(procedure.AuditSealer); ok {
				sealer = sl
			}
		}
		if err := w.exec(ctx, "release"); err != nil {
			return err
		}
	}
	if sealer != nil {
		if err := sealer.Seal(ctx, tree{w}); err != nil {
			return fmt.Errorf("sqlite: sign the audit checkpoint: %w", err)
		}
	}
	if err := w.exec(ctx, "commit"); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// auditTail reads the audit log's last entry.
func (w *writer) auditTail(ctx context.Context) (*procedure.AuditTail, error) {
	var t procedure.AuditTail
	row, err := w.queryRow(ctx, "audit-tail")
	if err == nil {
		err = row.Scan(&t.Seq, &t.Hash)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: read the audit log's end: %w", err)
	}
	return &t, nil
}

// append appends one request inside the batch's transaction, with its
// audit entries after tail when it carries a trail; it returns the new
// tail.
func (w *writer) append(ctx context.Context, req procedure.AppendRequest, tail *procedure.AuditTail) (procedure.AppendResult, procedure.AuditTail, error) {
	var next procedure.AuditTail
	if tail != nil {
		next = *tail
	}
	if req.Key != "" {
		k, err := keyUse(ctx, w.conn, req.Key)
		if err != nil {
			return procedure.AppendResult{}, next, err
		}
		if k != nil {
			if err := req.KeyUse(k.caseID, k.digest); err != nil {
				return procedure.AppendResult{}, next, err
			}
			evs, err := events(ctx, w.conn, k.caseID, k.first, k.last)
			return procedure.AppendResult{Events: evs, Replayed: true}, next, err
		}
	}
	var have int
	row, err := w.queryRow(ctx, "version", req.CaseID)
	if err == nil {
		err = row.Scan(&have)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return procedure.AppendResult{}, next, err
	}
	if have != req.ExpectedVersion {
		return procedure.AppendResult{}, next, fmt.Errorf("%w: case %q is at version %d, not %d", procedure.ErrConflict, req.CaseID, have, req.ExpectedVersion)
	}
	for _, e := range req.Events {
		if err := w.insertEvent(ctx, e); err != nil {
			return procedure.AppendResult{}, next, err
		}
	}
	if err := putSummary(ctx, w, req.Summary); err != nil {
		return procedure.AppendResult{}, next, err
	}
	if req.Key != "" {
		var digest any
		if req.Digest != "" {
			digest = req.Digest
		}
		if err := w.exec(ctx, "command", req.Key, req.CaseID, req.ExpectedVersion+1, req.ExpectedVersion+len(req.Events), digest); err != nil {
			return procedure.AppendResult{}, next, err
		}
	}
	if req.Audit != nil {
		entries, after, err := procedure.ChainAudit(req.Audit, next, req.Events)
		if err != nil {
			return procedure.AppendResult{}, next, err
		}
		for _, a := range entries {
			if err := w.exec(ctx, "audit-entry", a.Seq, a.At, a.ActorID, a.ActorRole, a.Action, a.Subject, a.RequestID, a.RulesetDigest,
				string(a.Input), string(a.Output), a.EventVersion, a.EventHash, a.PrevHash, a.Hash); err != nil {
				return procedure.AppendResult{}, next, fmt.Errorf("sqlite: insert audit entry %d: %w", a.Seq, err)
			}
		}
		next = after
	}
	return procedure.AppendResult{Events: req.Events}, next, nil
}

func (w *writer) insertEvent(ctx context.Context, e procedure.Event) error {
	var decision, key any
	if e.Decision != nil {
		b, err := json.Marshal(e.Decision)
		if err != nil {
			return err
		}
		decision = string(b)
	}
	if e.Key != "" {
		key = e.Key
	}
	return w.exec(ctx, "event", e.CaseID, e.Version, string(e.Type), e.Schema, e.Actor.ID, string(e.Actor.Role),
		stamp(e.At), stamp(e.RecordedAt), key, string(e.Data), decision)
}

// summaryWriter is what putSummary needs: the writer's prepared
// statements, or a transaction of PutSummary.
type summaryWriter interface {
	exec(ctx context.Context, name string, args ...any) error
}

// txExec runs the writer's statements, by name, unprepared in a
// transaction.
type txExec struct{ tx *sql.Tx }

func (t txExec) exec(ctx context.Context, name string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, writerSQL[name], args...)
	return err
}

func putSummary(ctx context.Context, w summaryWriter, sm procedure.Summary) error {
	b, err := json.Marshal(sm)
	if err != nil {
		return err
	}
	if err := w.exec(ctx, "case", sm.CaseID, sm.Version, string(sm.Stage), string(b)); err != nil {
		return err
	}
	if err := w.exec(ctx, "dues-clear", sm.CaseID); err != nil {
		return err
	}
	for _, d := range sm.Due {
		item, err := workitem.Pack(sm, d)
		if err != nil {
			return err
		}
		if err := w.exec(ctx, "due", sm.CaseID, string(d.What), string(d.Who), d.From.UnixMicro(), d.By.UnixMicro(), d.Ref, item); err != nil {
			return err
		}
	}
	return nil
}

// tree is the audit log's Merkle tree in the writer's transaction
// (procedure.AuditTree).
type tree struct{ w *writer }

func (t tree) Size(ctx context.Context) (int64, error) {
	var n int64
	row, err := t.w.queryRow(ctx, "tree-size")
	if err == nil {
		err = row.Scan(&n)
	}
	return n, err
}

func (t tree) EntryHashes(ctx context.Context, after int64) ([]int64, []string, error) {
	st, err := t.w.stmt(ctx, "tree-entries")
	if err != nil {
		return nil, nil, err
	}
	rows, err := st.QueryContext(ctx, after)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var seqs []int64
	var hashes []string
	for rows.Next() {
		var q int64
		var h string
		if err := rows.Scan(&q, &h); err != nil {
			return nil, nil, err
		}
		seqs, hashes = append(seqs, q), append(hashes, h)
	}
	return seqs, hashes, rows.Err()
}

func (t tree) ReadHashes(ctx context.Context, idx []int64) ([][32]byte, error) {
	out := make([][32]byte, len(idx))
	for i, x := range idx {
		var b []byte
		row, err := t.w.queryRow(ctx, "tree-hash", x)
		if err == nil {
			err = row.Scan(&b)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: audit tree hash %d: %w", x, err)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func (t tree) PutHashes(ctx context.Context, first int64, hashes [][32]byte) error {
	for i, h := range hashes {
		if err := t.w.exec(ctx, "tree-put", first+int64(i), h[:]); err != nil {
			return fmt.Errorf("sqlite: audit tree hash %d: %w", first+int64(i), err)
		}
	}
	return nil
}

func (t tree) PutCheckpoint(ctx context.Context, size int64, at string, note []byte) error {
	return t.w.exec(ctx, "tree-checkpoint", size, at, string(note))
}
