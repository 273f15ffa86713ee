// Command load drives POST /v1/decisions/eligibility of the reference
// server on loopback, closed loop with keep-alive connections, at several
// concurrencies, and in the same run a bare net/http handler that only
// decodes the facts and screens them (the floor): what auth, logging,
// metrics and the durable audit log cost.
//
//	go run ./server/loadtest -c 8,32,128 -duration 3s
//
// With -mode cases it drives the case routes instead: each client opens
// cases, books them and records consultation items, each appended to the case store and the
// audit log before it is answered; it reports commands per second.
//
//	go run ./server/loadtest -mode cases -c 8 -duration 3s
//
// By default it starts the server in-process on a fresh data directory
// (SQLite, development key); -url and -token aim it at a running server on
// this machine instead. It never sends to anything but loopback.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/auth"
)

const patient = `{"asOf": "2026-11-24", "oncology": {"active": false, "everTreated": true, "lastTreatmentEnd": "2019-03-15"},
 "pregnant": false, "breastfeeding": false, "hiv": false, "immunodeficiency": false, "mentalStateUnstable": false,
 "acuteInflammation": false, "chronicExacerbation": false, "clottingDisorder": false}`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	levels     []int
	duration   time.Duration
	maxReqs    int
	warmup     time.Duration
	url        string
	token      string
	cpuProfile string
	rounds     int
	mode       string
	adminToken string
}

func parse(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	levels := fs.String("c", "8,32,128", "concurrencies (closed-loop clients), comma-separated")
	o := options{}
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "how long each concurrency runs, per target")
	fs.IntVar(&o.rounds, "rounds", 3, "the duration is split into this many rounds, floor and server alternating, so that a machine's changing load falls on both alike")
	fs.IntVar(&o.maxReqs, "requests", 200000, "most requests per concurrency and target")
	fs.DurationVar(&o.warmup, "warmup", 300*time.Millisecond, "unmeasured load before each measurement")
	fs.StringVar(&o.url, "url", "", "a running server on this machine (default: start one in-process)")
	fs.StringVar(&o.token, "token", "", "bearer token for -url")
	fs.StringVar(&o.mode, "mode", "decisions", "what to drive: decisions (POST /v1/decisions/eligibility, beside the floor) or cases (open a case, give it commands)")
	fs.StringVar(&o.adminToken, "admin-token", "", "an administrator's bearer token for -url in -mode cases (-token is the doctor's)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, s := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-c: %q is not a positive number", s)
		}
		o.levels = append(o.levels, n)
	}
	if o.mode != "decisions" && o.mode != "cases" {
		return o, fmt.Errorf("-mode: %q is neither decisions nor cases", o.mode)
	}
	if o.url != "" && o.mode == "cases" && o.adminToken == "" {
		return o, errors.New("-url in -mode cases needs -admin-token")
	}
	if o.url != "" {
		u, err := url.Parse(o.url)
		if err != nil || !isLoopback(u.Hostname()) {
			return o, fmt.Errorf("-url: %q is not on this machine; load is for loopback only", o.url)
		}
		if o.token == "" {
			return o, errors.New("-url needs -token")
		}
	}
	return o, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	serverURL, token, adminToken := o.url, o.token, o.adminToken
	if serverURL == "" {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		dir, err := os.MkdirTemp("", "celltherapy-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		var srv *app.Server
		if serverURL, token, adminToken, srv, err = startServer(ctx, dir); err != nil {
			return err
		}
		defer func() { cancel(); srv.Wait() }()
	}
	if o.rounds < 1 {
		o.rounds = 1
	}
	if o.mode == "cases" {
		runCases(ctx, stdout, serverURL, caseTokens{admin: adminToken, doctor: token}, o)
		if o.url == "" {
			printStoreStats(stdout, serverURL)
		}
		return nil
	}
	return runDecisions(ctx, stdout, serverURL, token, o)
}

// runDecisions drives the eligibility route and, in alternating rounds,
// the floor, and prints both.
func runDecisions(ctx context.Context, stdout io.Writer, serverURL, token string, o options) error {
	floorURL, stopFloor, err := startFloor()
	if err != nil {
		return err
	}
	defer stopFloor()
	fmt.Fprintf(stdout, "%-7s %5s %9s %7s %10s %9s %9s\n", "target", "conc", "requests", "errors", "req/s", "p50", "p99")
	results := map[string]map[int]result{"floor": {}, "server": {}}
	targets := []struct{ name, url, token string }{{"floor", floorURL, ""}, {"server", serverURL, token}}
	for _, c := range o.levels {
		samples := make([]samples, len(targets))
		for range o.rounds {
			for i, t := range targets {
				samples[i].add(drive(ctx, t.url+"/v1/decisions/eligibility", t.token, c, o))
			}
		}
		for i, t := range targets {
			r := samples[i].result()
			results[t.name][c] = r
			fmt.Fprintf(stdout, "%-7s %5d %9d %7d %10.0f %9s %9s\n", t.name, c, r.n, r.errors, r.rate, r.p50, r.p99)
		}
	}
	if o.url == "" {
		printAuditStats(stdout, serverURL)
	}
	if f, s := results["floor"][32], results["server"][32]; f.rate > 0 {
		fmt.Fprintf(stdout, "\nat concurrency 32: server/floor = %.2f (target >= 0.70), server p99 = %s (target <= 15ms)\n",
			s.rate/f.rate, s.p99)
	}
	return nil
}

// startFloor serves the floor: decode the facts, screen, encode.
func startFloor() (string, func(), error) {
	screener := eligibility.NewDefaultScreener()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		facts, err := eligibility.DecodeFacts(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d, err := screener.Screen(r.Context(), facts)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		writeJSON(w, d)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// startServer starts the reference server in-process on the empty data
// directory dir and mints a doctor's and an administrator's token with its
// development key.
func startServer(ctx context.Context, dir string) (url, doctor, admin string, _ *app.Server, _ error) {
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: dir, Issuer: app.DefaultIssuer, Audience: app.DefaultAudience}
	// Log as the real server does (JSON lines), to nowhere: the cost of
	// logging is measured, the lines are not kept.
	srv, err := app.Start(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return "", "", "", nil, err
	}
	key, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		return "", "", "", nil, err
	}
	if doctor, err = auth.Mint(key, cfg.Issuer, cfg.Audience, "load-doctor", auth.Doctor, time.Now(), time.Hour); err != nil {
		return "", "", "", nil, err
	}
	admin, err = auth.Mint(key, cfg.Issuer, cfg.Audience, "load-administrator", auth.Administrator, time.Now(), time.Hour)
	return srv.URL, doctor, admin, srv, err
}

type result struct {
	n, errors int
	rate      float64
	p50, p99  time.Duration
}

// samples are the latencies and time of the rounds of one target.
type samples struct {
	lat     []time.Duration
	errors  int
	elapsed time.Duration
}

func (s *samples) add(o samples) {
	s.lat = append(s.lat, o.lat...)
	s.errors += o.errors
	s.elapsed += o.elapsed
}

func (s *samples) result() result {
	slices.Sort(s.lat)
	r := result{n: len(s.lat), errors: s.errors, rate: float64(len(s.lat)) / s.elapsed.Seconds()}
	if len(s.lat) > 0 {
		r.p50 = s.lat[len(s.lat)*50/100].Round(10 * time.Microsecond)
		r.p99 = s.lat[len(s.lat)*99/100].Round(10 * time.Microsecond)
	}
	return r
}

// drive runs c closed-loop clients against url for the warm-up, then
// measures one round: o.duration/o.rounds or o.maxReqs/o.rounds requests,
// whichever comes first.
func drive(ctx context.Context, url, token string, c int, o options) samples {
	tr := &http.Transport{MaxIdleConns: c, MaxIdleConnsPerHost: c, MaxConnsPerHost: c, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	loop(ctx, client, url, token, c, o.warmup, o.maxReqs/o.rounds, nil)
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	start := time.Now()
	loop(ctx, client, url, token, c, o.duration/time.Duration(o.rounds), o.maxReqs/o.rounds, func(d time.Duration, ok bool) {
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

func loop(ctx context.Context, client *http.Client, url, token string, c int, d time.Duration, max int, record func(time.Duration, bool)) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for ctx.Err() == nil && sent.Add(1) <= int64(max) {
				start := time.Now()
				ok := once(client, url, token)
				if record != nil && ctx.Err() == nil {
					record(time.Since(start), ok)
				}
			}
		})
	}
	wg.Wait()
}

func once(client *http.Client, url, token string) bool {
	req, err := http.NewRequest("POST", url, strings.NewReader(patient))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body) // drain, so the connection is reused
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// printStoreStats prints, from the server's /metrics, how long a case
// command waited on average for the case store's append and for the audit
// log's commit.
func printStoreStats(w io.Writer, serverURL string) {
	value := metricsOf(serverURL)
	const wait = `celltherapy_store_append_duration_seconds`
	for _, store := range []string{"cases", "audit"} {
		if n := value(wait + `_count{store="` + store + `"}`); n > 0 {
			fmt.Fprintf(w, "\n%s: %.0f appends, %.2fms on average", store, n, 1000*value(wait+`_sum{store="`+store+`"}`)/n)
		}
	}
	fmt.Fprintln(w)
}

// metricsOf reads the server's /metrics once and returns a lookup of
// sample values by name and labels (0 when absent).
func metricsOf(serverURL string) func(name string) float64 {
	var text []byte
	if resp, err := http.Get(serverURL + "/metrics"); err == nil {
		text, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	return func(name string) float64 {
		for _, line := range strings.Split(string(text), "\n") {
			if rest, ok := strings.CutPrefix(line, name+" "); ok {
				v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
				return v
			}
		}
		return 0
	}
}

// printAuditStats prints, from the server's /metrics, how many decisions
// shared an audit commit and how long callers waited for it, on average
// over the whole run: what the durable audit log costs.
func printAuditStats(w io.Writer, serverURL string) {
	resp, err := http.Get(serverURL + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	value := func(name string) float64 {
		for _, line := range strings.Split(string(text), "\n") {
			if rest, ok := strings.CutPrefix(line, name+" "); ok {
				v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
				return v
			}
		}
		return 0
	}
	if n := value("celltherapy_audit_commit_batch_size_count"); n > 0 {
		fmt.Fprintf(w, "\naudit: %.0f commits, %.1f decisions per commit on average\n", n, value("celltherapy_audit_commit_batch_size_sum")/n)
	}
	const wait = `celltherapy_store_append_duration_seconds`
	if n := value(wait + `_count{store="audit"}`); n > 0 {
		fmt.Fprintf(w, "audit: a decision waited %.2fms on average for its commit\n", 1000*value(wait+`_sum{store="audit"}`)/n)
	}
}
