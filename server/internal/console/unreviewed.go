package console

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
)

// The records that came in through CDS Hooks that the FHIR mapping did not
// understand: active records whose code is in no code table (so nobody has
// said whether they matter), listed with each screening the CDS Hooks
// service did and recorded in the audit log (action cds-screening). The
// API offers no action on them (there is no command to mark one reviewed
// or to record it into a case), so the console shows them read-only and
// says so; the facts they bear on are recorded on the patient's case with
// the screening command, as any other.

// Screenings reads the audit log's entries from a Seq on, oldest first
// (*audit.Log).
type Screenings interface {
	EntriesFrom(ctx context.Context, seq int64, fn func(*audit.Entry) error) error
}

// screeningIndex holds the screenings with unreviewed records read so far
// from the audit log, which is append-only: each look reads only the
// entries appended since the last (by any server sharing the database).
type screeningIndex struct {
	mu   sync.Mutex
	next int64 // the Seq to read from
	list []unreviewedScreening
}

// ActionCDSScreening is the audit action of a CDS Hooks screening
// (httpapi.ActionCDSScreening, which this package cannot import).
const ActionCDSScreening = "cds-screening"

// screeningRoles are the roles that screen a patient (those the
// eligibility decision admits), and the auditor, who reads everything:
// the roles of the unreviewed-records pages in the route table.
func screeningRoles() []auth.Role {
	for _, k := range procedure.DecisionKinds() {
		if k.Name == "eligibility" {
			return append(slices.Clone(k.Roles), auth.Auditor)
		}
	}
	return []auth.Role{auth.Auditor}
}

// ScreeningRoles returns the roles of the unreviewed-records pages, for
// the route table (httpapi.Routes).
func ScreeningRoles() []auth.Role { return screeningRoles() }

// unreviewedScreening is one screening with unreviewed records, as the
// pages show it: read from the input of its cds-screening audit entry
// (Seq) and the outcome of the decision it made.
type unreviewedScreening struct {
	Seq          int64                   `json:"-"`
	Service      string                  `json:"service"`
	Hook         string                  `json:"hook"`
	HookInstance string                  `json:"hookInstance"`
	Client       string                  `json:"client"`
	Tenant       string                  `json:"tenant"`
	PatientID    string                  `json:"patientId"`
	At           time.Time               `json:"at"`
	Records      []fhir.UnreviewedRecord `json:"unreviewedRecords"`
	// Open are the facts records spoke to without settling, by fact.
	Open        fhir.Provenance   `json:"open"`
	Unavailable map[string]string `json:"unavailable"`
	CodeTables  fhir.CodeTables   `json:"codeTables"`
	Outcome     string            `json:"-"`
}

// unreviewed lists the screenings with unreviewed records, newest first;
// with seq > 0 only that one.
func (c *Console) unreviewed(ctx context.Context, seq int64) ([]unreviewedScreening, error) {
	if c.cfg.Screenings == nil {
		return nil, nil
	}
	x := &c.screenings
	x.mu.Lock()
	defer x.mu.Unlock()
	err := c.cfg.Screenings.EntriesFrom(ctx, max(x.next, 1), func(e *audit.Entry) error {
		x.next = e.Seq + 1
		if e.Action != ActionCDSScreening {
			return nil
		}
		var s unreviewedScreening
		if err := json.Unmarshal(e.Input, &s); err != nil {
			c.cfg.Logger.Warn("console: a screening entry of unexpected shape", "seq", e.Seq, "error", err.Error())
			return nil
		}
		if len(s.Records) == 0 {
			return nil
		}
		s.Seq = e.Seq
		var d struct {
			Decision struct {
				Outcome string `json:"outcome"`
			} `json:"decision"`
		}
		json.Unmarshal(e.Output, &d)
		s.Outcome = d.Decision.Outcome
		x.list = append(x.list, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if seq > 0 {
		i, ok := slices.BinarySearchFunc(x.list, seq, func(s unreviewedScreening, seq int64) int { return cmp.Compare(s.Seq, seq) })
		if !ok {
			return nil, nil
		}
		return x.list[i : i+1], nil
	}
	out := slices.Clone(x.list)
	slices.Reverse(out)
	return out, nil
}

type unreviewedView struct {
	Screenings []unreviewedScreening
	Page       int
	More       bool
	Off        bool // no audit log to read them from
}

func (c *Console) unreviewedPage(w http.ResponseWriter, r *http.Request) {
	v := unreviewedView{Page: 1, Off: c.cfg.Screenings == nil}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 0 && n <= 10000 {
		v.Page = n
	}
	all, err := c.unreviewed(r.Context(), 0)
	if err != nil {
		c.Refuse(w, r, err, false)
		return
	}
	from := min((v.Page-1)*PageSize, len(all))
	to := min(from+PageSize, len(all))
	v.Screenings, v.More = all[from:to], len(all) > to
	c.render(w, r, http.StatusOK, "unreviewed.html", "Unreviewed records", v)
}

func (c *Console) unreviewedOne(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq <= 0 {
		c.errorPage(w, r, http.StatusNotFound, "No such page.")
		return
	}
	found, err := c.unreviewed(r.Context(), seq)
	if err != nil {
		c.Refuse(w, r, err, false)
		return
	}
	if len(found) == 0 {
		c.errorPage(w, r, http.StatusNotFound, "No such page.")
		return
	}
	c.render(w, r, http.StatusOK, "unreviewed-one.html", "Unreviewed records", found[0])
}
