package procedure_test

import (
	"errors"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// FuzzDecodeCommand checks that any input decodes to a command that passes
// validation or to an InvalidError naming fields; it never panics.
func FuzzDecodeCommand(f *testing.F) {
	for _, s := range storetest.WholeCase("c", false) {
		f.Add([]byte(s.Command))
	}
	f.Add([]byte(`{"type": "screen", "at": "2026-11-20T09:10:00Z", "facts": {"oncology": {"lastTreatmentEnd": "2023-02-30"}}}`))
	f.Add([]byte(`{"type": "report-side-effect", "at": "2026-11-20T09:10:00Z", "symptom": {"name": "fever", "onset": "1800-01-01T00:00:00Z"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, err := procedure.DecodeCommand(data)
		var ie *procedure.InvalidError
		switch {
		case err == nil && cmd == nil:
			t.Fatal("no command and no error")
		case err != nil && (!errors.As(err, &ie) || len(ie.Problems) == 0):
			t.Fatalf("error %v is not an InvalidError with problems", err)
		case err != nil:
			for _, p := range ie.Problems {
				if p.Path == "" || p.Message == "" {
					t.Fatalf("a problem without a field or message: %+v", p)
				}
			}
		}
	})
}
