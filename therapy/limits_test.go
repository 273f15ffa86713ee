package therapy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

func TestWeightIsPositiveAndPlausible(t *testing.T) {
	tests := []struct {
		kg float64
		ok bool
	}{{70, true}, {0.5, true}, {650, true}, {-78, false}, {0, false}, {0.4, false}, {651, false}, {1e308, false}, {math.Inf(1), false}, {math.NaN(), false}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.kg), func(t *testing.T) {
			f := with(func(f *therapy.Facts) { f.Patient.WeightKg = ptr(tt.kg) })
			d, err := therapy.NewDefaultSelector().Select(context.Background(), f)
			var fe rules.FieldErrors
			switch {
			case tt.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.ok:
				if _, err := json.Marshal(d); err != nil {
					t.Errorf("the decision does not encode: %v", err)
				}
			case !errors.As(err, &fe) || len(fe) != 1 || fe[0].Path != "$.patient.weightKg":
				t.Errorf("error %v, want one at $.patient.weightKg", err)
			}
			if math.IsInf(tt.kg, 0) || math.IsNaN(tt.kg) {
				return // JSON cannot carry them
			}
			_, err = therapy.DecodeFacts(fmt.Appendf(nil, `{"patient": {"weightKg": %v}}`, tt.kg))
			if (err == nil) != tt.ok {
				t.Errorf("decoding: %v", err)
			}
		})
	}
}
