package storetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// AppendUntilKilled is the child's side of a durability test: it drives
// whole cases through the case API from four goroutines and prints the id
// of each event as soon as its append is acknowledged, until the process is
// killed. It never returns; on an error it prints "error: ..." and exits.
func AppendUntilKilled(ctx context.Context, s procedure.Store, prefix string) {
	cases := procedure.NewCases(s, procedure.WithClock(Now))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for n := 0; ; n++ {
				id := fmt.Sprintf("%s-w%d-case-%d", prefix, w, n)
				for _, step := range WholeCase(id, false) {
					res, err := Drive(ctx, cases, id, []Step{step})
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

// KillMidStream re-executes the test binary to run the test named child
// with env added, reads the event ids it acknowledges, and kills it with
// SIGKILL once it has acknowledged n (or at the deadline). It returns the
// acknowledged ids: only whole lines, since a line cut by the kill was
// never acknowledged.
func KillMidStream(t *testing.T, child string, env []string, n int, deadline time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(deadline, func() { cmd.Process.Kill() })
	defer timer.Stop()
	acked, problem := readAcks(out, n, func() { cmd.Process.Kill() })
	err = cmd.Wait()
	if problem != "" {
		t.Fatalf("child: %s", problem)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Success() {
		t.Fatalf("child ended with %v, want killed", err)
	}
	if len(acked) < n {
		t.Fatalf("the child acknowledged only %d events before the deadline, want %d", len(acked), n)
	}
	return acked
}

func readAcks(out io.Reader, n int, kill func()) (acked []string, problem string) {
	r := bufio.NewReader(out)
	killed := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return acked, problem
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "error:"):
			problem = line
		case strings.Contains(line, "/"):
			acked = append(acked, line)
		}
		if (len(acked) >= n || problem != "") && !killed {
			kill() // SIGKILL: no chance to flush or close anything
			killed = true
		}
	}
}

// CheckAcked checks that the store holds every acknowledged event and that
// every case they belong to folds.
func CheckAcked(t *testing.T, s procedure.Store, acked []string) {
	t.Helper()
	byCase := map[string]int{}
	for _, id := range acked {
		i := strings.LastIndexByte(id, '/')
		var v int
		if _, err := fmt.Sscan(id[i+1:], &v); err != nil {
			t.Fatalf("acknowledged id %q: %v", id, err)
		}
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
