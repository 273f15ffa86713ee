package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// caseLength is how many commands a load client gives one case (its
// opening included) before it opens the next: cases of a realistic length,
// not one case that grows through the whole run.
const caseLength = 50

// caseTokens are the tokens the case mode needs: the administrator opens
// cases, the doctor records the consultation.
type caseTokens struct{ admin, doctor string }

// runCases drives the case routes: c clients, each opening cases, booking
// them and giving them record-consultation commands, every one appended and audited
// durably.
func runCases(ctx context.Context, stdout io.Writer, serverURL string, toks caseTokens, o options) {
	fmt.Fprintf(stdout, "%-7s %5s %9s %7s %10s %9s %9s\n", "target", "conc", "commands", "errors", "cmds/s", "p50", "p99")
	var run atomic.Int64
	for _, c := range o.levels {
		var s samples
		for range o.rounds {
			s.add(driveCases(ctx, serverURL, toks, c, o, &run))
		}
		r := s.result()
		fmt.Fprintf(stdout, "%-7s %5d %9d %7d %10.0f %9s %9s\n", "cases", c, r.n, r.errors, r.rate, r.p50, r.p99)
	}
}

// driveCases runs c closed-loop case clients for the warm-up, then
// measures one round, as drive does for decisions.
func driveCases(ctx context.Context, url string, toks caseTokens, c int, o options, run *atomic.Int64) samples {
	tr := &http.Transport{MaxIdleConns: c, MaxIdleConnsPerHost: c, MaxConnsPerHost: c, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	caseLoop(ctx, client, url, toks, c, o.warmup, o.maxReqs/o.rounds, run.Add(1), nil)
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	start := time.Now()
	caseLoop(ctx, client, url, toks, c, o.duration/time.Duration(o.rounds), o.maxReqs/o.rounds, run.Add(1), func(d time.Duration, ok bool) {
		if !ok {
			errs.Add(1)
			return
		}
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	})
	return samples{lat: lat, errors: int(errs.Load()), elapsed: time.Since(start)}
}

// caseLoop runs c clients for d or max commands; client i of loop n gives
// its commands to cases named load-n-i-k.
func caseLoop(ctx context.Context, client *http.Client, url string, toks caseTokens, c int, d time.Duration, max int, n int64, record func(time.Duration, bool)) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	var sent atomic.Int64
	var wg sync.WaitGroup
	for i := range c {
		wg.Go(func() {
			for k := 0; ctx.Err() == nil && sent.Add(1) <= int64(max); k++ {
				id := fmt.Sprintf("load-%d-%d-%d", n, i, k/caseLength)
				path, tok := url+"/v1/cases/"+id+"/commands", toks.doctor
				body := `{"type": "record-consultation", "at": "` + at + `", "item": "history", "text": "load"}`
				switch k % caseLength {
				case 0:
					path, tok = url+"/v1/cases", toks.admin
					body = `{"type": "open-case", "at": "` + at + `", "caseId": "` + id + `", "patient": "p-` + id + `"}`
				case 1:
					tok = toks.admin
					body = `{"type": "book-appointment", "at": "` + at + `", "reason": "load", "specialist": "s", "slot": "` + at + `"}`
				}
				start := time.Now()
				ok := give(client, path, tok, body)
				if record != nil && ctx.Err() == nil {
					record(time.Since(start), ok)
				}
			}
		})
	}
	wg.Wait()
}

// give sends one case command; a 200 or 201 is success.
func give(client *http.Client, url, token, body string) bool {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body) // drain, so the connection is reused
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated
}
