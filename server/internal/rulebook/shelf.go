package rulebook

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/rules"
)

// Status is how the last loads went.
type Status struct {
	LastAttempt time.Time // zero before the first reload
	LastSuccess time.Time // when the rules in force were loaded
	LastError   string    // why the last reload failed; "" when it did not
}

// Options configure a Shelf. The zero value is ready to use.
type Options struct {
	Now      func() time.Time
	Logger   *slog.Logger
	Debounce time.Duration // how long the directory must be quiet before a reload (default 200ms)
	// OnReload, when set, is told the outcome of every reload.
	OnReload func(ok bool, at time.Time)
	// OnLoad, when set, is told every reload with what it loaded or why it
	// failed, for the audit log.
	OnLoad func(Load)
	// Approvals, when set, are checked on every load and shown with each
	// ruleset; with RequireApproval a load whose rulesets do not all have
	// the quorum's approval is refused (an *UnapprovedError), at start
	// and on reload, and OnUnapproved is told of each refused reload.
	Approvals       *Approvals
	RequireApproval bool
	OnUnapproved    func()
	// OnApprovals, when set, is told the approval notes read by every
	// reload (before OnLoad), for the audit log; Shelf.Notes gives those
	// read at Open.
	OnApprovals func([]Note)
}

// Load is one load of the rules: when, from where, whether it took, the
// rulesets in force after it and, when it failed, why.
type Load struct {
	At         time.Time `json:"at"`
	Dir        string    `json:"dir,omitempty"`
	OK         bool      `json:"ok"`
	Rulesets   []Ruleset `json:"rulesets"`
	CodeTables []Ruleset `json:"codeTables,omitempty"` // the FHIR code tables in force after it
	Error      string    `json:"error,omitempty"`
}

// Digests returns the load's ruleset digests, then the code tables',
// KIND=DIGEST space-separated.
func (l Load) Digests() string {
	var out []string
	for _, rs := range append(l.Rulesets[:len(l.Rulesets):len(l.Rulesets)], l.CodeTables...) {
		out = append(out, rs.Kind+"="+rs.Digest)
	}
	return strings.Join(out, " ")
}

// LoadOf returns the load of the book: its rulesets and code tables.
func LoadOf(b *Book, at time.Time, dir string) Load {
	return Load{At: at, Dir: dir, OK: true, Rulesets: b.Rulesets(), CodeTables: b.CodeTables()}
}

// Shelf keeps the Book in force and replaces it when its directory
// changes. It is safe for concurrent use.
type Shelf struct {
	dir     string
	builtin *rules.Set
	opts    Options
	cur     atomic.Pointer[Book]
	mu      sync.Mutex // serialises reloads and guards status
	status  Status
	notes   []Note // the approval notes the last load read
}

// Open loads the built-in rules, and the rules in dir when dir is not "",
// and returns a Shelf serving them. A load that fails is an error that
// lists every problem (file:line:col: message).
func Open(dir string, opts Options) (*Shelf, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 200 * time.Millisecond
	}
	builtin, err := loadDefaults()
	if err != nil {
		return nil, fmt.Errorf("built-in rules: %w", err)
	}
	s := &Shelf{dir: dir, builtin: builtin, opts: opts}
	b, err := s.load()
	if err != nil {
		return nil, err
	}
	s.cur.Store(b)
	s.status.LastSuccess = opts.Now().UTC()
	return s, nil
}

// Dir returns the rules directory, "" for the built-in rules alone.
func (s *Shelf) Dir() string { return s.dir }

// Current returns the Book in force.
func (s *Shelf) Current() *Book { return s.cur.Load() }

// Notes returns the approval notes the last load read (nil without
// approvals).
func (s *Shelf) Notes() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Note(nil), s.notes...)
}

// Status returns how the last loads went.
func (s *Shelf) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *Shelf) load() (*Book, error) {
	var dir *rules.Set
	if s.dir != "" {
		var err error
		if dir, err = loadDir(s.dir); err != nil {
			return nil, describe(err)
		}
	}
	b, err := build(s.builtin, dir, s.opts.Now())
	if err != nil {
		return nil, err
	}
	codes, file, err := loadCodes(s.dir)
	if err != nil {
		return nil, describe(err)
	}
	b.mapper = fhir.NewMapper(codes)
	b.codeTables = []Ruleset{codeTables(codes, file, s.opts.Now())}
	if err := s.approve(b); err != nil {
		return nil, err
	}
	return b, nil
}

// approve sets the approval of each ruleset and code table of b and,
// when approval is required, refuses b unless every one has the quorum's.
func (s *Shelf) approve(b *Book) error {
	if s.opts.Approvals == nil {
		return nil
	}
	notes, err := s.opts.Approvals.Notes()
	if err != nil {
		return err
	}
	s.notes = notes
	found := s.opts.Approvals.of(append(b.Rulesets(), b.codeTables...), notes)
	var missing []Ruleset
	for _, list := range [][]Ruleset{b.rulesets, b.codeTables} {
		for i := range list {
			ap := found[list[i].Digest]
			list[i].Approval = &ap
			if !ap.Approved {
				missing = append(missing, list[i])
			}
		}
	}
	if s.opts.RequireApproval && len(missing) > 0 {
		return &UnapprovedError{Rulesets: missing}
	}
	return nil
}

// describe turns a failed load into one error listing every problem.
func describe(err error) error {
	problems := rules.Problems(err)
	if len(problems) == 0 {
		return err
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.Error()
	}
	return errors.New(strings.Join(lines, "\n"))
}

// Reload loads the directory again. On success the new rules are in force
// for every request that starts after it returns; on failure the rules in
// force stay and the failure is kept in Status.
func (s *Shelf) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now().UTC()
	s.status.LastAttempt = now
	s.notes = nil
	b, err := s.load()
	if err == nil {
		err = s.stillThere(b)
	}
	if s.notes != nil && s.opts.OnApprovals != nil {
		s.opts.OnApprovals(append([]Note(nil), s.notes...))
	}
	if err != nil {
		s.status.LastError = err.Error()
		s.opts.Logger.Error("rules reload failed; the rules in force stay", "dir", s.dir, "error", err.Error())
		var unapproved *UnapprovedError
		if errors.As(err, &unapproved) && s.opts.OnUnapproved != nil {
			s.opts.OnUnapproved()
		}
		s.notify(false, now)
		cur := s.Current()
		s.told(Load{At: now, Dir: s.dir, OK: false, Rulesets: cur.Rulesets(), CodeTables: cur.CodeTables(), Error: err.Error()})
		return err
	}
	s.cur.Store(b)
	s.status.LastSuccess, s.status.LastError = now, ""
	var digests []string
	for _, rs := range b.rulesets {
		digests = append(digests, rs.Kind+"="+rs.Digest)
	}
	s.opts.Logger.Info("rules reloaded", "dir", s.dir, "rulesets", strings.Join(digests, " "), "codeTables", b.codeTables[0].Digest)
	s.notify(true, now)
	s.told(LoadOf(b, now, s.dir))
	return nil
}

// stillThere refuses a reload in which a kind served from the directory
// (or the code tables) has no file there any more: falling back to the built-in rules would
// change what is served (a clinic's window replaced by the built-in one)
// without anyone asking for it. The last rules of the kind stay.
func (s *Shelf) stillThere(next *Book) error {
	served := map[string]Ruleset{}
	for _, rs := range next.rulesets {
		served[rs.Kind] = rs
	}
	var gone []string
	for _, rs := range s.Current().rulesets {
		if rs.Source == "directory" && served[rs.Kind].Source != "directory" {
			gone = append(gone, fmt.Sprintf("%s: its rules file %s is gone from %s; the last %s rules (%s) stay in force, never the built-in ones: put a %s ruleset back",
				rs.Kind, rs.File, s.dir, rs.Kind, rs.Digest, rs.Kind))
		}
	}
	if cur, next := s.Current().codeTables, next.codeTables; len(cur) == 1 && len(next) == 1 && cur[0].Source == "directory" && next[0].Source != "directory" {
		gone = append(gone, fmt.Sprintf("%s: the code tables file %s is gone from %s; the last code tables (%s) stay in force, never the built-in ones: put a %s back",
			CodeTablesKind, cur[0].File, s.dir, cur[0].Digest, CodeTablesFile))
	}
	if len(gone) > 0 {
		return errors.New(strings.Join(gone, "\n"))
	}
	return nil
}

func (s *Shelf) told(l Load) {
	if s.opts.OnLoad != nil {
		s.opts.OnLoad(l)
	}
}

func (s *Shelf) notify(ok bool, at time.Time) {
	if s.opts.OnReload != nil {
		s.opts.OnReload(ok, at)
	}
}

// watchTree watches the directory and every directory under it, as the
// loader reads them all.
func (s *Shelf) watchTree(w *fsnotify.Watcher) error {
	return filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == s.dir {
				return err
			}
			return nil // gone since it was listed
		}
		if d.IsDir() {
			return w.Add(path)
		}
		return nil
	})
}

// Watch reloads the rules whenever the directory, or any directory under
// it (new ones included), or the approvals directory has changed and then been quiet for the
// debounce time, until ctx is done. Without a directory
// it only waits for ctx.
func (s *Shelf) Watch(ctx context.Context) error {
	if s.dir == "" {
		<-ctx.Done()
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("rules: watch %s: %w", s.dir, err)
	}
	defer w.Close()
	if err := s.watchTree(w); err != nil {
		return fmt.Errorf("rules: watch %s: %w", s.dir, err)
	}
	if a := s.opts.Approvals; a != nil && a.Dir != "" {
		// A new approval may make a refused change servable: reload then too.
		if err := w.Add(a.Dir); err != nil {
			return fmt.Errorf("rules: watch the approvals %s: %w", a.Dir, err)
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			if ev.Has(fsnotify.Create) { // a new subdirectory is read, so watched
				if err := s.watchTree(w); err != nil {
					s.opts.Logger.Warn("rules: watching the directory", "dir", s.dir, "error", err.Error())
				}
			}
			timer.Reset(s.opts.Debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.opts.Logger.Warn("rules: watching the directory", "dir", s.dir, "error", err.Error())
		case <-timer.C:
			s.Reload() // a failure is logged and kept in Status
		}
	}
}
