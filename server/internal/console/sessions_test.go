package console

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reocell/celltherapy/server/internal/auth"
)

// TestSessionStores runs the session store on SQLite and, when
// CELLTHERAPY_TEST_POSTGRES names one, PostgreSQL: a session is found by
// its token only, its row keeps no token, it ends on sign-out and on its
// timeouts, and opening the tables twice migrates once.
func TestSessionStores(t *testing.T) {
	stores := map[string][2]string{"sqlite": {filepath.Join(t.TempDir(), "c.db"), ""}}
	if dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES"); dsn != "" {
		stores["postgres"] = [2]string{"", dsn}
	} else if os.Getenv("CI") == "true" {
		t.Error("CELLTHERAPY_TEST_POSTGRES is not set: the PostgreSQL session store goes untested")
	}
	for name, where := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := OpenSessions(ctx, where[0], where[1])
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			again, err := OpenSessions(ctx, where[0], where[1])
			if err != nil {
				t.Fatalf("second open: %v", err)
			}
			again.Close()
			now := time.Now()
			s.now = func() time.Time { return now }
			token, err := s.Create(ctx, "dr-1", auth.Doctor)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, token)
			if err != nil || got.Subject != "dr-1" || got.Role != auth.Doctor {
				t.Fatalf("Get: %+v %v", got, err)
			}
			var stored int
			if err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM console_sessions WHERE token_hash = $1`), token).Scan(&stored); err != nil || stored != 0 {
				t.Errorf("the token itself is stored (%d, %v)", stored, err)
			}
			if _, err := s.Get(ctx, token+"x"); !errors.Is(err, ErrNoSession) {
				t.Errorf("another token: %v", err)
			}
			now = now.Add(s.Idle + time.Second)
			if _, err := s.Get(ctx, token); !errors.Is(err, ErrNoSession) {
				t.Errorf("past the idle timeout: %v", err)
			}
			token, _ = s.Create(ctx, "dr-1", auth.Doctor)
			if err := s.Delete(ctx, token); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, token); !errors.Is(err, ErrNoSession) {
				t.Errorf("signed out: %v", err)
			}
		})
	}
}
