package procedure

import (
	"fmt"
	"strings"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/therapy"
)

// The commands, by their JSON type.
const (
	CmdOpenCase            CommandType = "open-case"
	CmdBookAppointment     CommandType = "book-appointment"
	CmdCancelCase          CommandType = "cancel-case"
	CmdRecordConsultation  CommandType = "record-consultation"
	CmdRecordMeasure       CommandType = "record-measure-result"
	CmdCancelMeasure       CommandType = "cancel-measure"
	CmdScreen              CommandType = "screen"
	CmdSelectTherapy       CommandType = "select-therapy"
	CmdProposePlan         CommandType = "propose-plan"
	CmdDecline             CommandType = "decline"
	CmdAgree               CommandType = "agree"
	CmdRefuse              CommandType = "refuse"
	CmdCollectBiomaterial  CommandType = "collect-biomaterial"
	CmdStartCulture        CommandType = "start-culture"
	CmdFailCulture         CommandType = "fail-culture"
	CmdAllocateLot         CommandType = "allocate-lot"
	CmdReleaseProduct      CommandType = "release-product"
	CmdAdminister          CommandType = "administer"
	CmdReferToBoard        CommandType = "refer-to-board"
	CmdRecordContact       CommandType = "record-contact"
	CmdRecordMissedContact CommandType = "record-missed-contact"
	CmdReportSideEffect    CommandType = "report-side-effect"
	CmdReviewSideEffect    CommandType = "review-side-effect"
	CmdRecordAdverseEvent  CommandType = "record-adverse-event"
	CmdAssessEffectiveness CommandType = "assess-effectiveness"
	CmdComplete            CommandType = "complete"
	CmdWithdraw            CommandType = "withdraw"
)

// routes are the routes of administration (clinic procedure, FAQ "Stem
// cell treatment"), in the aftercare vocabulary.
var routes = []string{"intravenous", "intra-articular", "intrathecal", "subcutaneous", "local"}

// OpenCase opens a case for a patient; CaseID is the clinic's id for it.
type OpenCase struct {
	Header
	CaseID  string `json:"caseId"`
	Patient string `json:"patient"`
}

func (c *OpenCase) check(ps *problems) {
	switch {
	case c.CaseID == "":
		ps.add("$.caseId", "is required")
	case !ValidID(c.CaseID):
		ps.add("$.caseId", "%q is not an id: 1 to 100 letters, digits and . _ : -, not . or ..", c.CaseID)
	}
	ps.need("$.patient", c.Patient)
}

// ValidID reports whether id is fit to name a case in a URL and an event
// id (case/version): 1 to 100 ASCII letters, digits and . _ : -, and not
// "." or "..", which a URL path cannot name.
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > 100 || id == "." || id == ".." {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)
		if !ok {
			return false
		}
	}
	return true
}

// BookAppointment books the initial consultation (clinic procedure, 01).
type BookAppointment struct {
	Header
	Reason     string    `json:"reason"`
	Specialist string    `json:"specialist"`
	Slot       time.Time `json:"slot"`
}

func (c *BookAppointment) check(ps *problems) {
	ps.need("$.reason", c.Reason)
	ps.need("$.specialist", c.Specialist)
	if c.Slot.IsZero() {
		ps.add("$.slot", "is required")
	} else {
		ps.instant("$.slot", c.Slot)
	}
}

// CancelCase cancels a case before the consultation.
type CancelCase struct {
	Header
	Reason string `json:"reason"`
}

func (c *CancelCase) check(ps *problems) { ps.need("$.reason", c.Reason) }

// RecordConsultation records one of the five items of the initial
// consultation (clinic procedure, 02); the diagnostic plan lists its measures.
type RecordConsultation struct {
	Header
	Item     ConsultationItem `json:"item"`
	Text     string           `json:"text"`
	Measures []PlannedMeasure `json:"measures,omitempty"`
}

func (c *RecordConsultation) check(ps *problems) {
	items := ConsultationItems()
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = string(it)
	}
	ps.oneOf("$.item", string(c.Item), names...)
	ps.need("$.text", c.Text)
	if c.Item != DiagnosticsPlan && len(c.Measures) > 0 {
		ps.add("$.measures", "only the diagnostic-plan item lists measures")
	}
	seen := map[string]bool{}
	for i, m := range c.Measures {
		at := fmt.Sprintf("$.measures[%d]", i)
		ps.need(at+".id", m.ID)
		if seen[m.ID] {
			ps.add(at+".id", "%q is listed twice", m.ID)
		}
		seen[m.ID] = true
		ps.oneOf(at+".kind", string(m.Kind), string(Laboratory), string(Instrumental), string(Specialist))
		ps.need(at+".name", m.Name)
	}
}

// RecordMeasure records the result of a planned diagnostic measure.
type RecordMeasure struct {
	Header
	Measure string `json:"measure"`
	Result  string `json:"result"`
}

func (c *RecordMeasure) check(ps *problems) {
	ps.need("$.measure", c.Measure)
	ps.need("$.result", c.Result)
}

// CancelMeasure cancels a planned diagnostic measure, with the reason.
type CancelMeasure struct {
	Header
	Measure string `json:"measure"`
	Reason  string `json:"reason"`
}

func (c *CancelMeasure) check(ps *problems) {
	ps.need("$.measure", c.Measure)
	ps.need("$.reason", c.Reason)
}

// Screen screens the patient for contraindications (clinic procedure, 03)
// and records the decision: for the board, or the same-day re-screening
// before an administration. Facts without asOf are screened as of the
// command's day.
type Screen struct {
	Header
	Facts eligibility.Facts `json:"facts"`
}

func (c *Screen) check(*problems) {}

// SelectTherapy records the therapy decision for the facts (clinic
// procedure, 04).
type SelectTherapy struct {
	Header
	Facts therapy.Facts `json:"facts"`
}

func (c *SelectTherapy) check(*problems) {}

// ProposePlan is the board's individual treatment plan, with the members
// who took part (clinic procedure, 03 and 05).
type ProposePlan struct {
	Header
	Plan
}

func (c *ProposePlan) check(ps *problems) {
	ps.oneOf("$.therapy", c.Therapy, "autologous", "allogeneic")
	ps.oneOf("$.route", c.Route, routes...)
	if c.Cells <= 0 {
		ps.add("$.cells", "must be a positive number of cells per procedure")
	}
	if c.Procedures < 1 || c.Procedures > 50 {
		ps.add("$.procedures", "must be from 1 to 50")
	}
	if c.Route != "" && c.Route != "intravenous" && strings.TrimSpace(c.Site) == "" {
		ps.add("$.site", "is required for the %s route: where the cells are given, such as left knee", c.Route)
	}
	if c.IntervalDays < 0 || (c.Procedures > 1 && c.IntervalDays == 0) {
		ps.add("$.intervalDays", "must be a positive number of days when there is more than one procedure")
	}
	checkQuorum(ps, c.Quorum)
}

func checkQuorum(ps *problems, members []string) {
	seen := map[string]bool{}
	for i, m := range members {
		ps.need(fmt.Sprintf("$.quorum[%d]", i), m)
		if seen[m] {
			ps.add(fmt.Sprintf("$.quorum[%d]", i), "%q is listed twice", m)
		}
		seen[m] = true
	}
}

// Decline is the board declining therapy on the contraindications of the
// latest screening (clinic procedure, 03).
type Decline struct {
	Header
	Quorum []string `json:"quorum"`
	Reason string   `json:"reason,omitempty"`
}

func (c *Decline) check(ps *problems) { checkQuorum(ps, c.Quorum) }

// Agree records that the patient agrees to the plan.
type Agree struct{ Header }

func (c *Agree) check(*problems) {}

// Refuse records that the patient refuses the plan: the case closes, or,
// with Revise, goes back to the board for a revised plan.
type Refuse struct {
	Header
	Reason string `json:"reason,omitempty"`
	Revise bool   `json:"revise,omitempty"`
}

func (c *Refuse) check(*problems) {}

// CollectBiomaterial records the biomaterial collected for autologous
// therapy (clinic procedure, 04).
type CollectBiomaterial struct {
	Header
	Source string `json:"source"`
}

func (c *CollectBiomaterial) check(ps *problems) {
	ps.oneOf("$.source", c.Source, "bone-marrow", "adipose")
}

// StartCulture records that the lab started growing the dose.
type StartCulture struct{ Header }

func (c *StartCulture) check(*problems) {}

// FailCulture records that the culture failed: the case goes back to the board.
type FailCulture struct {
	Header
	Reason string `json:"reason"`
}

func (c *FailCulture) check(ps *problems) { ps.need("$.reason", c.Reason) }

// AllocateLot allocates a donor lot for allogeneic therapy.
type AllocateLot struct {
	Header
	Lot string `json:"lot"`
}

func (c *AllocateLot) check(ps *problems) { ps.need("$.lot", c.Lot) }

// ReleaseProduct releases the cell product: its lot, its cell count, that
// the release checks passed, and when it expires (left out: the release
// plus the param ProductViability).
type ReleaseProduct struct {
	Header
	Lot          string     `json:"lot"`
	Cells        float64    `json:"cells"`
	ChecksPassed bool       `json:"checksPassed"`
	Expires      *time.Time `json:"expires,omitempty"`
}

func (c *ReleaseProduct) check(ps *problems) {
	ps.need("$.lot", c.Lot)
	if c.Cells <= 0 {
		ps.add("$.cells", "must be a positive cell count")
	}
	if !c.ChecksPassed {
		ps.add("$.checksPassed", "must be true: a product is released only when its release checks passed")
	}
	if c.Expires != nil {
		ps.instant("$.expires", *c.Expires)
	}
	if c.Expires != nil && !c.At.IsZero() && !c.Expires.After(c.At) {
		ps.add("$.expires", "%s is not after the release %s", c.Expires.Format(time.RFC3339), c.At.Format(time.RFC3339))
	}
}

// Administer records one administration of the cell product (clinic
// procedure, 05).
type Administer struct {
	Header
	Route string  `json:"route"`
	Site  string  `json:"site,omitempty"`
	Cells float64 `json:"cells"`
	Lot   string  `json:"lot"`
}

func (c *Administer) check(ps *problems) {
	ps.oneOf("$.route", c.Route, routes...)
	if c.Cells <= 0 {
		ps.add("$.cells", "must be a positive cell count")
	}
	ps.need("$.lot", c.Lot)
}

// ReferToBoard sends the case back to the board to change the plan
// (during administration), or refers a finding to it (in follow-up, where
// the case stays); either way the board has seen the open findings.
type ReferToBoard struct {
	Header
	Reason string `json:"reason"`
}

func (c *ReferToBoard) check(ps *problems) { ps.need("$.reason", c.Reason) }

// RecordContact records a monitoring contact of the schedule.
type RecordContact struct {
	Header
	Contact string `json:"contact"`
	Note    string `json:"note,omitempty"`
}

func (c *RecordContact) check(ps *problems) { ps.need("$.contact", c.Contact) }

// RecordMissedContact records that a monitoring contact of the schedule did
// not take place, and why.
type RecordMissedContact struct {
	Header
	Contact string `json:"contact"`
	Reason  string `json:"reason"`
}

func (c *RecordMissedContact) check(ps *problems) {
	ps.need("$.contact", c.Contact)
	ps.need("$.reason", c.Reason)
}

// ReportSideEffect triages a symptom the patient reports; the moment of
// administration is the case's latest and the moment of triage is At.
type ReportSideEffect struct {
	Header
	Symptom recommendations.Symptom `json:"symptom"`
}

func (c *ReportSideEffect) check(ps *problems) {
	if c.Symptom.Name == nil {
		ps.add("$.symptom.name", "is required")
		return
	}
	checkSymptom(ps, c.Symptom)
}

// ReviewSideEffect records that the doctor reviewed a flagged report,
// named by the version of its event.
type ReviewSideEffect struct {
	Header
	Report int    `json:"report"`
	Note   string `json:"note"`
}

func (c *ReviewSideEffect) check(ps *problems) {
	if c.Report < 1 {
		ps.add("$.report", "is required: the version of the report's event")
	}
	ps.need("$.note", c.Note)
}

// RecordAdverseEvent records an adverse event.
type RecordAdverseEvent struct {
	Header
	Description string   `json:"description"`
	Severity    Severity `json:"severity"`
}

func (c *RecordAdverseEvent) check(ps *problems) {
	ps.need("$.description", c.Description)
	ps.oneOf("$.severity", string(c.Severity), string(Mild), string(Moderate), string(Severe))
}

// AssessEffectiveness records the effectiveness of the treatment.
type AssessEffectiveness struct {
	Header
	Result Effect `json:"result"`
	Note   string `json:"note,omitempty"`
}

func (c *AssessEffectiveness) check(ps *problems) {
	ps.oneOf("$.result", string(c.Result), string(Improved), string(Unchanged), string(Worsened))
}

// Complete closes a followed-up case as completed.
type Complete struct{ Header }

func (c *Complete) check(*problems) {}

// Withdraw records that the patient withdrew, at any stage.
type Withdraw struct {
	Header
	Reason string `json:"reason,omitempty"`
}

func (c *Withdraw) check(*problems) {}
