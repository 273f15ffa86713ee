package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/sqlite"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// childEnv names the database a re-executed test binary appends to.
const childEnv = "CELLTHERAPY_SQLITE_CHILD_DB"

// TestAppendChild is the child of TestKilledMidStream: it drives whole
// cases from four goroutines and prints each acknowledged event id, until
// it is killed.
func TestAppendChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("the child of TestKilledMidStream; runs only when re-executed by it")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	cases := procedure.NewCases(s, procedure.WithClock(storetest.Now))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for n := 0; ; n++ {
				id := fmt.Sprintf("w%d-case-%d", w, n)
				for _, step := range storetest.WholeCase(id, false) {
					res, err := storetest.Drive(ctx, cases, id, []storetest.Step{step})
					if err != nil {
						fmt.Println("error:", err)
						os.Exit(1)
					}
					mu.Lock()
					for _, e := range res.Events {
						fmt.Println(e.ID())
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
}

// TestKilledMidStream kills a process that is appending with SIGKILL and
// finds, on reopening, every event it acknowledged, in cases that fold.
func TestKilledMidStream(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in the child")
	}
	path := filepath.Join(t.TempDir(), "cases.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAppendChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := readAcks(t, cmd, out, 300, 60*time.Second)
	if len(acked) < 300 {
		t.Fatalf("the child acknowledged only %d events before the deadline", len(acked))
	}

	s := open(t, path)
	byCase := map[string]int{}
	for _, id := range acked {
		i := strings.LastIndexByte(id, '/')
		var v int
		fmt.Sscan(id[i+1:], &v)
		byCase[id[:i]] = max(byCase[id[:i]], v)
	}
	for caseID, v := range byCase {
		evs, err := s.Events(context.Background(), caseID)
		if err != nil {
			t.Fatalf("case %s: %v", caseID, err)
		}
		if len(evs) < v {
			t.Errorf("case %s: %d events stored, but version %d was acknowledged", caseID, len(evs), v)
		}
		if _, err := procedure.Fold(evs); err != nil {
			t.Errorf("case %s does not fold: %v", caseID, err)
		}
	}
	t.Logf("%d acknowledged events in %d cases, all present", len(acked), len(byCase))
}

// readAcks reads the child's acknowledged event ids (whole lines only) and
// kills it with SIGKILL once it has acknowledged n, or at the deadline.
func readAcks(t *testing.T, cmd *exec.Cmd, out io.Reader, n int, deadline time.Duration) []string {
	t.Helper()
	timer := time.AfterFunc(deadline, func() { cmd.Process.Kill() })
	defer timer.Stop()
	r := bufio.NewReader(out)
	var acked []string
	killed := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break // EOF after the kill; a partial last line was never acknowledged
		}
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "error:") || strings.HasPrefix(line, "open:") {
			t.Fatalf("child: %s", line)
		}
		if strings.Contains(line, "/") {
			acked = append(acked, line)
		}
		if len(acked) >= n && !killed {
			cmd.Process.Kill() // SIGKILL: no chance to flush or close
			killed = true
		}
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Success() {
		t.Fatalf("child ended with %v, want killed", err)
	}
	return acked
}

func TestMigrationsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	s := open(t, path)
	var version int
	var name string
	if err := s.DB().QueryRow(`SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1`).Scan(&version, &name); err != nil {
		t.Fatal(err)
	}
	if version != sqlite.SchemaVersion() || name != "001_case_store.sql" {
		t.Errorf("recorded migration %d %s, want %d 001_case_store.sql", version, name, sqlite.SchemaVersion())
	}
	s.Close()
	// Opening again applies nothing new.
	s2 := open(t, path)
	var n int
	s2.DB().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != 1 {
		t.Errorf("%d migrations recorded after a second open, want 1", n)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	s := open(t, path)
	if _, err := s.Append(context.Background(), storetest.Request("c1", 0, 2, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '099_future.sql', 'later')`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := sqlite.Open(context.Background(), path)
	if !errors.Is(err, procedure.ErrSchema) {
		t.Fatalf("open of a newer schema: %v, want ErrSchema", err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events, top int
	db.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&events)
	db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&top)
	if events != 2 || top != 99 {
		t.Errorf("after the refused open: %d events, schema %d; want 2 and 99 untouched", events, top)
	}
}

func TestDurableSettings(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cases.db"))
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "10000"} {
		var got string
		if err := s.DB().QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}
