package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/openapitest"
)

// childEnv, when set, makes the test binary a server process: its value is
// run's arguments as a JSON array. Tests start servers as real child
// processes this way, without building a binary.
const childEnv = "CELLTHERAPY_TEST_SERVE_ARGS"

func TestMain(m *testing.M) {
	if raw := os.Getenv(childEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			fmt.Fprintln(os.Stderr, childEnv+":", err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, args, noEnv, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a server running in a child process.
type child struct {
	url    string
	cmd    *exec.Cmd
	stderr *lockedBuffer
}

// startChild starts a server process with args and waits until it listens.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	raw, _ := json.Marshal(append([]string{"--addr", "127.0.0.1:0"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	c := &child{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.stop(t) })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if _, rest, ok := strings.Cut(lines.Text(), "listening on "); ok {
			c.url = rest
			break
		}
	}
	if c.url == "" {
		t.Fatalf("the server process did not start: %s", c.stderr)
	}
	go io.Copy(io.Discard, out)
	return c
}

// stop sends SIGTERM and waits for the process to end.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("server process: %v\n%s", err, c.stderr)
	}
}

// postgresDSN returns the test database, or skips saying why; under CI it
// must be there.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("CELLTHERAPY_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and CELLTHERAPY_TEST_POSTGRES is not set: .ci/run starts PostgreSQL and exports it")
		}
		t.Skip("set CELLTHERAPY_TEST_POSTGRES to a PostgreSQL DSN to run two servers on one database (.ci/run starts one)")
	}
	return dsn
}

// caseClient sends case commands as one role, checking each request and
// response against the OpenAPI document.
type caseClient struct {
	http  *http.Client
	token string
}

// send posts body to url with headers and returns the status and body.
func (c *caseClient) send(ctx context.Context, url, body string, headers map[string]string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// answer is one command's answer: its status and the events it appended.
type answer struct {
	status int
	events []json.RawMessage
	body   string
}

// TestTwoServersOnePostgres starts two server processes on one PostgreSQL
// database and sends them concurrent commands for one case: every event
// acknowledged is stored exactly once, a command that lost the race gets a
// clean 409, and the audit log holds one entry per event in one chain.
func TestTwoServersOnePostgres(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	data := t.TempDir()
	admin := &caseClient{http: &http.Client{Transport: openapitest.Transport(t, httpapi.OpenAPI(), nil)}, token: token(t, data, "administrator")}
	doctor := &caseClient{http: admin.http, token: token(t, data, "doctor")}
	servers := []*child{startChild(t, "--data-dir", data, "--postgres", dsn), startChild(t, "--data-dir", data, "--postgres", dsn)}
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	open := fmt.Sprintf(`{"type": "open-case", "at": %q, "caseId": "two", "patient": "p-two"}`, at.Format(time.RFC3339))
	book := fmt.Sprintf(`{"type": "book-appointment", "at": %q, "reason": "knee", "specialist": "dr-s", "slot": %q}`,
		at.Format(time.RFC3339), at.Add(time.Hour).Format(time.RFC3339))
	var answers []answer
	for i, step := range []string{open, book} {
		url := servers[i].url + "/v1/cases"
		if i > 0 {
			url += "/two/commands"
		}
		status, body, err := admin.send(ctx, url, step, nil)
		if err != nil || status >= 300 {
			t.Fatalf("step %d: %d %s %v", i, status, body, err)
		}
		answers = append(answers, decodeAnswer(t, status, body))
	}
	// The doctor records consultation items from four clients per server,
	// without If-Match: the procedure retries a lost race on the case as
	// it now stands, and answers 409 when it keeps losing.
	item := func(text string) string {
		return fmt.Sprintf(`{"type": "record-consultation", "at": %q, "item": "history", "text": %q}`, at.Add(30*time.Minute).Format(time.RFC3339), text)
	}
	answers = append(answers, concurrently(t, doctor, 8, func(i int) (string, string, map[string]string) {
		return servers[i%2].url + "/v1/cases/two/commands", item(fmt.Sprintf("free %d", i)), nil
	})...)
	// Then rounds of two commands given against the same version, one to
	// each server: one wins, the other is a 409.
	for round := range 5 {
		version := countEvents(answers)
		got := concurrently(t, doctor, 2, func(i int) (string, string, map[string]string) {
			return servers[i].url + "/v1/cases/two/commands", item(fmt.Sprintf("round %d server %d", round, i)), map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)}
		})
		if got[0].status+got[1].status != 200+409 {
			t.Errorf("round %d: statuses %d and %d, want one 200 and one 409 (%s %s)", round, got[0].status, got[1].status, got[0].body, got[1].body)
		}
		answers = append(answers, got...)
	}
	conflicts := 0
	for _, a := range answers {
		if a.status == http.StatusConflict {
			conflicts++
		}
	}
	t.Logf("%d commands, %d events acknowledged, %d conflicts", len(answers), countEvents(answers), conflicts)
	checkStoredOnce(t, doctor, servers[0].url, answers)
	checkAudited(t, dsn, countEvents(answers))
	bookingRace(t, admin, servers, at)
	replayAcross(t, doctor, servers, item("keyed"))
	for _, s := range servers {
		s.stop(t)
	}
	var out, errOut lockedBuffer
	if err := run(ctx, []string{"audit", "verify", "--postgres", dsn, "--data-dir", data}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("audit verify: %v %s %s", err, out.String(), errOut.String())
	}
}

// concurrently sends n commands at once (client i to the url, body and
// headers req(i) gives) as c and returns their answers, each 200 or a
// clean refusal.
func concurrently(t *testing.T, c *caseClient, n int, req func(i int) (url, body string, headers map[string]string)) []answer {
	t.Helper()
	out := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		url, body, headers := req(i)
		wg.Go(func() {
			<-start
			status, data, err := c.send(context.Background(), url, body, headers)
			if err != nil {
				t.Error(err)
				return
			}
			out[i] = answer{status: status, body: string(data)}
			if status == 200 {
				var res struct{ Events []json.RawMessage }
				json.Unmarshal(data, &res)
				out[i].events = res.Events
			} else if !cleanRefusal(status, data) {
				t.Errorf("client %d: %d %s, want 200, a clean 409 or the procedure's 422 after a retry", i, status, data)
			}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// cleanRefusal reports whether an answer is a clean 409, or a 422 of the
// procedure: a retry on the case as it now stands found the command no
// longer allowed.
func cleanRefusal(status int, data []byte) bool {
	switch status {
	case http.StatusConflict:
		return strings.Contains(string(data), `"code":"conflict"`)
	case http.StatusUnprocessableEntity:
		return strings.Contains(string(data), `"rule":"`)
	}
	return false
}

func decodeAnswer(t *testing.T, status int, body []byte) answer {
	t.Helper()
	var res struct{ Events []json.RawMessage }
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	return answer{status: status, events: res.Events, body: string(body)}
}

func countEvents(answers []answer) int {
	n := 0
	for _, a := range answers {
		n += len(a.events)
	}
	return n
}

// checkStoredOnce reads the case's history and checks it is exactly the
// acknowledged events: each stored once, at its version, as answered.
func checkStoredOnce(t *testing.T, c *caseClient, url string, answers []answer) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v1/cases/two/events", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct{ Events []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 {
		t.Fatalf("history: %d %v", resp.StatusCode, err)
	}
	if len(h.Events) != countEvents(answers) {
		t.Errorf("%d events stored, %d acknowledged", len(h.Events), countEvents(answers))
	}
	seen := map[int]bool{}
	for _, a := range answers {
		for _, raw := range a.events {
			var e struct{ Version int }
			json.Unmarshal(raw, &e)
			switch {
			case seen[e.Version]:
				t.Errorf("version %d acknowledged twice", e.Version)
			case e.Version < 1 || e.Version > len(h.Events):
				t.Errorf("acknowledged event %s is not stored", raw)
			case string(h.Events[e.Version-1]) != string(raw):
				t.Errorf("version %d: stored %s, acknowledged %s", e.Version, h.Events[e.Version-1], raw)
			}
			seen[e.Version] = true
		}
	}
}

// checkAudited counts the case's events in the shared audit log.
func checkAudited(t *testing.T, dsn string, want int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_entries WHERE subject = 'two' AND action LIKE 'case-event:%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%d case events in the audit log, %d stored", n, want)
	}
}

// bookingRace opens a case and books it from both servers at once, with
// no If-Match: one booking is stored, and the other, retried on the case
// as it now stands, is refused by the procedure (the case is no longer in
// booking) or is a clean 409: never two bookings.
func bookingRace(t *testing.T, admin *caseClient, servers []*child, at time.Time) {
	t.Helper()
	open := fmt.Sprintf(`{"type": "open-case", "at": %q, "caseId": "race", "patient": "p-race"}`, at.Format(time.RFC3339))
	if status, body, err := admin.send(context.Background(), servers[0].url+"/v1/cases", open, nil); err != nil || status != http.StatusCreated {
		t.Fatalf("open: %d %s %v", status, body, err)
	}
	got := concurrently(t, admin, 2, func(i int) (string, string, map[string]string) {
		return servers[i].url + "/v1/cases/race/commands", fmt.Sprintf(`{"type": "book-appointment", "at": %q, "reason": "server %d",
			"specialist": "dr-s", "slot": %q}`, at.Format(time.RFC3339), i, at.Add(time.Hour).Format(time.RFC3339)), nil
	})
	if (got[0].status == 200) == (got[1].status == 200) {
		t.Fatalf("statuses %d and %d, want one booking: %s %s", got[0].status, got[1].status, got[0].body, got[1].body)
	}
	req, _ := http.NewRequest("GET", servers[1].url+"/v1/cases/race/events", nil)
	req.Header.Set("Authorization", "Bearer "+admin.token)
	resp, err := admin.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if n := strings.Count(string(data), `"type":"appointment-booked"`); n != 1 {
		t.Errorf("%d bookings stored, want 1: %s", n, data)
	}
	t.Logf("booking race: %d and %d", got[0].status, got[1].status)
}

// replayAcross gives a keyed command to one server and resends it to the
// other: the second answer is the first's events, replayed, and nothing
// more is stored.
func replayAcross(t *testing.T, doctor *caseClient, servers []*child, command string) {
	t.Helper()
	key := map[string]string{"Idempotency-Key": "keyed-two"}
	var first, second answer
	for i, a := range []*answer{&first, &second} {
		status, body, err := doctor.send(context.Background(), servers[i].url+"/v1/cases/two/commands", command, key)
		if err != nil || status != http.StatusOK {
			t.Fatalf("server %d: %d %s %v", i, status, body, err)
		}
		*a = decodeAnswer(t, status, body)
	}
	if !strings.Contains(second.body, `"replayed":true`) || len(second.events) != 1 || string(second.events[0]) != string(first.events[0]) {
		t.Errorf("the resend to the other server: %s, want the first's event replayed: %s", second.body, first.body)
	}
	var v1, v2 struct{ Case struct{ Version int } }
	json.Unmarshal([]byte(first.body), &v1)
	json.Unmarshal([]byte(second.body), &v2)
	if v1.Case.Version == 0 || v2.Case.Version != v1.Case.Version {
		t.Errorf("the case at version %d after the resend, %d after the first", v2.Case.Version, v1.Case.Version)
	}
}
