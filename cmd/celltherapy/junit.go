package main

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/reocell/celltherapy/rules/rulestest"
)

// The JUnit XML that CI systems (GitLab, Jenkins, GitHub actions that
// render test reports) read: suites of test cases, each failed case with a
// failure element whose text says what was expected and what came.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitReport turns a test report into JUnit XML: one suite a ruleset, one
// case a rule test.
func junitReport(rep *rulestest.Report) junitSuites {
	out := junitSuites{Name: "celltherapy rule tests"}
	index := map[string]int{}
	for _, res := range rep.Results {
		rs := res.Test.Ruleset()
		i, ok := index[rs.Name()]
		if !ok {
			i = len(out.Suites)
			index[rs.Name()] = i
			out.Suites = append(out.Suites, junitSuite{Name: rs.Name(), File: rs.File()})
		}
		s := &out.Suites[i]
		pos := res.Test.Pos()
		c := junitCase{Name: res.Test.Name(), Classname: rs.Name(), File: pos.File, Line: pos.Line}
		switch {
		case res.Err != nil:
			c.Error = &junitProblem{Message: "the decision could not be made", Type: "error", Text: fmt.Sprintf("%s: %v\n", pos, res.Err)}
			s.Errors++
		case !res.Passed():
			keys := differingKeys(res.Expected, res.Actual)
			c.Failure = &junitProblem{
				Message: "the decision differs from what the test expects at " + strings.Join(keys, ", "),
				Type:    "mismatch",
				Text:    fmt.Sprintf("%s: %s/%s\n%s", pos, rs.Name(), res.Test.Name(), expectedActual(keys, res.Expected, res.Actual)),
			}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
	}
	return out
}

// differingKeys returns the keys whose expected and actual values differ,
// sorted.
func differingKeys(expected, actual map[string]any) []string {
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(expected)) {
		if !reflect.DeepEqual(expected[k], actual[k]) {
			keys = append(keys, k)
		}
	}
	return keys
}

// expectedActual writes, for each key, what the test expects and what the
// decision gave, one JSON value each.
func expectedActual(keys []string, expected, actual map[string]any) string {
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:\n  expected: %s\n  actual:   %s\n", k, plainJSON(expected[k]), plainJSON(actual[k]))
	}
	return b.String()
}

func plainJSON(v any) string {
	if v == nil {
		return "(absent)"
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(raw)
}

// writeJUnit writes rep as JUnit XML to the file name.
func writeJUnit(name string, rep *rulestest.Report) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := encodeJUnit(f, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func encodeJUnit(w io.Writer, rep *rulestest.Report) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitReport(rep)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ciOptions are the test command's flags for CI systems.
type ciOptions struct {
	junit     *string
	threshold *float64
}

func ciFlags(fs *flag.FlagSet) ciOptions {
	return ciOptions{
		junit:     fs.String("junit", "", "write the results as JUnit XML to `FILE`"),
		threshold: fs.Float64("threshold", -1, "fail when fewer than `N` percent of the rules were seen fired, clear and undetermined"),
	}
}

// ciReports writes the JUnit file and checks the coverage threshold. A code
// other than exitOK means it has said why.
func (c *cli) ciReports(o ciOptions, rep *rulestest.Report) int {
	if *o.junit != "" {
		if err := writeJUnit(*o.junit, rep); err != nil {
			c.errorf("%v", err)
			return exitBadUsed
		}
	}
	if *o.threshold < 0 {
		return exitOK
	}
	if *o.threshold > 100 {
		c.errorf("--threshold %v: give a percentage from 0 to 100", *o.threshold)
		return exitBadUsed
	}
	complete := 0
	for _, cv := range rep.Coverage {
		if cv.Complete() {
			complete++
		}
	}
	pct := 100.0
	if len(rep.Coverage) > 0 {
		pct = 100 * float64(complete) / float64(len(rep.Coverage))
	}
	if pct < *o.threshold {
		fmt.Fprintf(c.stdout, "coverage %.1f%% (%d of %d rules seen fired, clear and undetermined) is below the threshold of %v%%\n", pct, complete, len(rep.Coverage), *o.threshold)
		return exitFailed
	}
	return exitOK
}
