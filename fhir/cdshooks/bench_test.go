package cdshooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/fhir"
)

// chartPrefetch is a full prefetch of a long chart: 40 conditions (two of
// them listed in the code tables), the screening answers, 10 procedures
// and 10 medication statements.
func chartPrefetch() map[string]json.RawMessage {
	var conds []string
	for i := range 38 {
		conds = append(conds, fmt.Sprintf(`{"resourceType":"Condition","id":"x%d","subject":{"reference":"Patient/p1"},%s,%s,`+
			`"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"M17.%d"}]}}`, i, clinical, confirmed, i%10))
	}
	conds = append(conds, hivCondition(), strings.Replace(hivCondition(), `"c-hiv"`, `"c-hiv2"`, 1))
	var procs, meds []string
	for i := range 10 {
		procs = append(procs, strings.Replace(chemo(fmt.Sprintf("20%02d-06-30", 10+i)), `"t1"`, fmt.Sprintf(`"t%d"`, i), 1))
		meds = append(meds, fmt.Sprintf(`{"resourceType":"MedicationStatement","id":"m%d","status":"completed","subject":{"reference":"Patient/p1"},`+
			`"medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"N02BE01"}]},"effectiveDateTime":"2025-0%d-01"}`, i, 1+i%9))
	}
	p := prefetch(searchset(conds...), answers(), searchset(procs...))
	p["medicationStatements"] = json.RawMessage(searchset(meds...))
	return p
}

// BenchmarkCDSCall is a patient-view call with a full prefetch over
// loopback HTTP: JWT verification, reading the records, screening, cards.
// It reports the 50th and 99th percentile latencies of its requests.
func BenchmarkCDSCall(b *testing.B) {
	e := newEnv(b)
	path := "/cds-services/msc-screening"
	body := call(HookPatientView, chartPrefetch(), nil)
	tokens := make([]string, b.N)
	for i := range tokens {
		tokens[i] = e.token(e.srv.URL+path, nil)
	}
	client := e.srv.Client()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[i])
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("HTTP %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkScreenFromPrefetch is the baseline of BenchmarkCDSCall: the
// same records read and screened in process, without HTTP, JWT or cards.
func BenchmarkScreenFromPrefetch(b *testing.B) {
	pre := chartPrefetch()
	m := fhir.NewMapper(nil)
	s := eligibility.NewDefaultScreener()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		x, err := m.FromPrefetch(pre, fhir.Options{AsOf: testNow, PatientID: "p1"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Screen(ctx, x.Facts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScreenValueSets reads and screens the long chart with three
// sets of code tables: those of version 2026.11.1 (lists of codes, the
// baseline), the shipped value sets, and the shipped value sets with a
// 5,000-code ValueSet expansion included, as a clinic's export from its
// terminology service would be.
func BenchmarkScreenValueSets(b *testing.B) {
	before, err := os.ReadFile("../testdata/codes/before.codes.yaml")
	if err != nil {
		b.Fatal(err)
	}
	old, err := fhir.LoadCodes("before.codes.yaml", before)
	if err != nil {
		b.Fatal(err)
	}
	var contains []string
	for i := range 5000 {
		contains = append(contains, fmt.Sprintf(`{"system":"http://snomed.info/sct","code":"%d","display":"concept %d"}`, 900000000+i*7, i))
	}
	withInclude := strings.Replace(string(fhir.DefaultCodesYAML()), "    codes:\n      - {system: icd10, range: C00-C97",
		"    include: [valuesets/big.json]\n    codes:\n      - {system: icd10, range: C00-C97", 1)
	big, err := fhir.LoadCodesFS(fstest.MapFS{
		"codes.yaml":         {Data: []byte(withInclude)},
		"valuesets/big.json": {Data: []byte(`{"resourceType":"ValueSet","expansion":{"contains":[` + strings.Join(contains, ",") + `]}}`)},
	}, "codes.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if n := big.Counts()[0].Codes; n < 5000 {
		b.Fatalf("%d codes for oncology.active", n)
	}
	pre := chartPrefetch()
	s := eligibility.NewDefaultScreener()
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		codes *fhir.Codes
	}{{"before", old}, {"shipped", fhir.DefaultCodes()}, {"shipped+5000", big}} {
		m := fhir.NewMapper(bc.codes)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				x, err := m.FromPrefetch(pre, fhir.Options{AsOf: testNow, PatientID: "p1"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Screen(ctx, x.Facts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
