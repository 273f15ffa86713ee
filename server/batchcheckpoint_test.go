package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestCaseBatchesCheckpointedEndToEnd: a served process whose log's own
// checkpoints are an hour apart takes case commands from 8 clients; while
// it still runs, audit verify finds every entry covered by a stored,
// signed checkpoint: each commit batch stored its own.
func TestCaseBatchesCheckpointedEndToEnd(t *testing.T) {
	data := t.TempDir()
	r := start(t, "--data-dir", data, "--audit-checkpoint-every", "1h")
	admin := token(t, data, "administrator")
	const at = "2026-11-24T09:00:00Z"
	send := func(url, body string) error {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s: status %d", url, resp.StatusCode)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 5 {
				id := fmt.Sprintf("e-%d-%d", g, n)
				if err := send(r.url+"/v1/cases", fmt.Sprintf(`{"type": "open-case", "at": %q, "caseId": %q, "patient": "p"}`, at, id)); err != nil {
					errs <- err
					return
				}
				if err := send(r.url+"/v1/cases/"+id+"/commands", fmt.Sprintf(`{"type": "book-appointment", "at": %q, "reason": "r", "specialist": "s", "slot": %q}`, at, at)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--data-dir", data}, noEnv, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "ok: ") {
		t.Fatalf("audit verify while the server runs: %v\n%s%s", err, out.String(), errOut.String())
	}
	r.stop(t)
}
