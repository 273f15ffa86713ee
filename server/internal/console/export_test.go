package console

import (
	"context"
	"time"
)

// SetSessionClock sets the clock the sessions' timeouts are measured by.
func SetSessionClock(s *Sessions, now func() time.Time) { s.now = now }

// CountSessions is how many sessions are stored.
func CountSessions(t interface{ Fatal(...any) }, s *Sessions) int {
	n, err := s.count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
