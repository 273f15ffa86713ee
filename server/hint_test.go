package server

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// The token hint at start-up is a command that works as printed: it names
// the data directory the server signs with, and a token it prints is
// accepted.
func TestTokenHintWorks(t *testing.T) {
	data := t.TempDir() + "/my data"
	r := start(t, "--data-dir", data)
	var hint string
	for deadline := time.Now().Add(5 * time.Second); hint == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(r.stdout.String(), "\n") {
			if strings.Contains(line, "token --role doctor") {
				hint = strings.TrimSpace(line)
			}
		}
	}
	want := "go run ./cmd/celltherapy token --role doctor --data-dir '" + data + "'"
	if hint != want {
		t.Fatalf("hint = %q, want %q\n%s", hint, want, r.stdout)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "--role", "doctor", "--data-dir", data}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("token: %v %s", err, errOut.String())
	}
	facts, err := os.Open("../examples/patient.json")
	if err != nil {
		t.Fatal(err)
	}
	defer facts.Close()
	if status, body := post(t, r.url, strings.TrimSpace(out.String()), facts); status != 200 {
		t.Fatalf("the hint's token: %d %s", status, body)
	}
}

func TestTokenHint(t *testing.T) {
	for _, tc := range []struct{ prog, dir, want string }{
		{"celltherapy", "data", "celltherapy token --role nurse"},
		{"./celltherapy", "/srv/ct", "./celltherapy token --role nurse --data-dir /srv/ct"},
		{"celltherapy", "it's", `celltherapy token --role nurse --data-dir 'it'\''s'`},
	} {
		if got := tokenHint(tc.prog, "nurse", tc.dir); got != tc.want {
			t.Errorf("tokenHint(%q, nurse, %q) = %q, want %q", tc.prog, tc.dir, got, tc.want)
		}
	}
}
