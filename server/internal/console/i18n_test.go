package console

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure"
)

// TestEveryTextIsTranslated: every text the templates translate ({{t $l
// "..."}}), every message of an error page and every text the code
// translates with tr has its Russian.
func TestEveryTextIsTranslated(t *testing.T) {
	patterns := map[string]*regexp.Regexp{
		"*.html": regexp.MustCompile(`\bt (?:\$l|\$\.Lang|\.Lang) "([^"]+)"`),
		"*.go":   regexp.MustCompile(`(?:errorPage\(\w+, \w+, [^,]+, |tr\([^,"]+, )"([^"]+)"`),
	}
	dirs := map[string]string{"*.html": "templates", "*.go": "."}
	texts := 0
	for glob, re := range patterns {
		files, err := filepath.Glob(filepath.Join(dirs[glob], glob))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", glob, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				texts++
				if tr("ru", m[1]) == m[1] {
					t.Errorf("%s: %q has no Russian", name, m[1])
				}
			}
		}
	}
	if texts < 100 {
		t.Errorf("only %d texts found: the patterns miss the templates' texts", texts)
	}
}

// TestProcedureWordsAreTranslated: what the worklist and the case page
// show of the procedure (the work due, the events of the timeline, a
// closed case's outcome) has its Russian.
func TestProcedureWordsAreTranslated(t *testing.T) {
	words := []string{
		// The work due (procedure.DueKind).
		string(procedure.DueBooking), string(procedure.DueConsultation), string(procedure.DueDiagnostics), string(procedure.DueBoardReview),
		string(procedure.DueConsent), string(procedure.DueCollection), string(procedure.DueCulture), string(procedure.DueRelease),
		string(procedure.DueDonorLot), string(procedure.DueAdministering), string(procedure.DueContact), string(procedure.DueAssessment),
		string(procedure.DueFlag), string(procedure.DueContraindication), string(procedure.DueSevereAdverse), string(procedure.DueCultureFailed),
		string(procedure.DueMissedContact), string(procedure.DueProductExpiring),
		// The events.
		string(procedure.CaseOpened), string(procedure.AppointmentBooked), string(procedure.ConsultationRecorded), string(procedure.MeasureResulted),
		string(procedure.MeasureCancelled), string(procedure.ScreeningRecorded), string(procedure.TherapySelected), string(procedure.PlanProposed),
		string(procedure.ConsentGiven), string(procedure.ConsentRefused), string(procedure.BiomaterialCollected), string(procedure.CultureStarted),
		string(procedure.CultureFailed), string(procedure.LotAllocated), string(procedure.ProductReleased), string(procedure.Administered),
		string(procedure.AftercarePlanned), string(procedure.ReferredToBoard), string(procedure.ContactRecorded), string(procedure.ContactMissed),
		string(procedure.SideEffectTriaged), string(procedure.SideEffectReviewed), string(procedure.AdverseEventRecorded),
		string(procedure.EffectivenessAssessed), string(procedure.StageChanged), string(procedure.CaseClosed),
		// The outcomes of a case.
		string(procedure.Completed), string(procedure.Declined), string(procedure.Refused), string(procedure.Withdrawn), string(procedure.Cancelled),
	}
	for _, row := range procedure.StageTable() {
		words = append(words, string(row.Stage))
	}
	for _, w := range words {
		if tr("ru", w) == w {
			t.Errorf("%q has no Russian", w)
		}
	}
}
