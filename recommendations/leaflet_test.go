package recommendations_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/reocell/celltherapy/recommendations"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it); got:\n%s", path, got)
	}
}

func TestLeaflet(t *testing.T) {
	var buf bytes.Buffer
	if err := recommendations.WriteLeaflet(&buf, planWithDoctorItem(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "leaflet.txt", buf.Bytes())
}

func TestICSGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := recommendations.WriteICS(&buf, planWithDoctorItem(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.ics", buf.Bytes())
}
