package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveForTest runs celltherapy serve in development mode on a free
// loopback port and returns its URL.
func serveForTest(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data")}
	go func() { done <- runEnv(ctx, args, func(string) string { return "" }, nil, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, rest, ok := strings.Cut(stdout.String(), "listening on "); ok {
			u, _, _ := strings.Cut(rest, "\n")
			return u
		}
		select {
		case code := <-done:
			t.Fatalf("serve stopped (%d): %s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not start")
		}
	}
}

// TestPlaygroundShowsTheDiffTable: for the same changed rules and the same
// population, the console's playground shows the outcome table
// celltherapy diff prints, character for character, and as its moved
// patients the lines celltherapy diff reports.
func TestPlaygroundShowsTheDiffTable(t *testing.T) {
	four := changedRules(t, "eligibility/contraindications.yaml", "oncologyWindowYears: 5", "oncologyWindowYears: 4")
	rules, err := os.ReadFile(filepath.Join(four, "contraindications.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const rest = `"pregnant":false,"breastfeeding":false,"hiv":false,"immunodeficiency":false,"mentalStateUnstable":false,"acuteInflammation":false,"chronicExacerbation":false,"clottingDisorder":false`
	treated := func(active, end string) string {
		return `{"asOf":"2026-11-24","oncology":{"active":` + active + `,"everTreated":true,"lastTreatmentEnd":"` + end + `"},` + rest + `}`
	}
	population := strings.Join([]string{
		treated("false", "2021-11-24"), // in the old window only: moves
		treated("false", "2022-11-24"), // in both
		treated("false", "2022-11-23"), // in the old window only: moves
		treated("false", "2019-01-01"), // in neither
		treated("true", "2021-12-01"),  // active cancer
		treated("null", "2022-01-01"),  // unknown whether active: ineligible, then undetermined
		"",                             // a blank line: a bad line for both
		strings.Replace(treated("false", "2022-01-01"), `"hiv":false`, `"hiv":"maybe"`, 1), // a bad value
		strings.Replace(treated("false", "2022-06-01"), `"pregnant":false,`, "", 1),        // pregnancy unknown
	}, "\n") + "\n"
	popFile := filepath.Join(t.TempDir(), "population.jsonl")
	if err := os.WriteFile(popFile, []byte(population), 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"diff", "eligibility", "--to", four, popFile}, nil, &stdout, &stderr); code != exitBadUsed {
		t.Fatalf("diff: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	cli := stdout.String()
	i := strings.Index(cli, "\nfrom \\ to")
	if i < 0 {
		t.Fatalf("the CLI printed no table:\n%s", cli)
	}
	cliTable := cli[i:]
	var cliLines []string
	for _, l := range strings.Split(cli[:i], "\n") {
		if strings.HasPrefix(l, "line ") {
			cliLines = append(cliLines, l)
		}
	}
	if len(cliLines) < 3 || !strings.Contains(cliTable, "of 7 patient(s) changed; 2 bad line(s)") {
		t.Fatalf("the population does not exercise the table:\n%s", cli)
	}

	// The same rules and population in the playground of a served console.
	base := serveForTest(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := c.PostForm(base+"/console/sign-in", url.Values{"role": {"board"}, "name": {"b"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/console/worklist") {
		t.Fatalf("sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("yaml", string(rules))
	fw, _ := mw.CreateFormFile("population", "population.jsonl")
	io.WriteString(fw, population)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/console/playground", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("playground: %d\n%s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`(?s)<pre class="impact" id="impact"[^>]*>(.*?)</pre>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the playground shows no table:\n%s", page)
	}
	if got := html.UnescapeString(string(m[1])); got != cliTable {
		t.Errorf("the playground's table:\n%s\ncelltherapy diff's:\n%s", got, cliTable)
	}
	var moved []string
	for _, row := range regexp.MustCompile(`<tr><td>(\d+)</td><td>[^<]*</td><td>[^<]*</td><td><code>([^<]*)</code></td></tr>`).FindAllSubmatch(page, -1) {
		moved = append(moved, "line "+string(row[1])+": "+html.UnescapeString(string(row[2])))
	}
	if strings.Join(moved, "\n") != strings.Join(cliLines, "\n") {
		t.Errorf("the playground's moved patients:\n%s\ncelltherapy diff's:\n%s", strings.Join(moved, "\n"), strings.Join(cliLines, "\n"))
	}
}
