package fhir

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/reocell/celltherapy/rules"
	"maps"
	"slices"
	"strings"
	"time"
)

// Source is a FHIR record a fact was taken from, and the code that made it
// count.
type Source struct {
	// Reference is the record as ResourceType/id.
	Reference string `json:"reference"`
	Coding    Coding `json:"coding"`
	// Unconfirmed is true when the code table entry that matched is not yet
	// confirmed by the clinic.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// Provenance maps each fact that FHIR records settled (its path in the
// eligibility vocabulary, e.g. "oncology.lastTreatmentEnd") to the records
// it came from.
type Provenance map[string][]Source

// Sources returns the records fact came from.
func (p Provenance) Sources(fact string) []Source { return slices.Clone(p[fact]) }

// Options says whom and which day records are read for.
type Options struct {
	// AsOf is the screening day: a treatment still going on ends no earlier
	// than this day, and a "no" older than its table's noValidDays is not
	// used. It must be set.
	AsOf time.Time
	// PatientID, when set, is the FHIR id of the patient screened: a record
	// about another patient is bad input. When empty, the id of a Patient
	// resource in the input is used, if any.
	PatientID string
	// Fetch, when set, reads a Medication a medicationReference names that
	// neither the record (contained) nor the input holds, such as
	// "Medication/123", from the FHIR server; it returns the resource's
	// JSON. Without it, or when it fails, the medicine is unknown and the
	// record is listed as unreviewed.
	Fetch func(reference string) (json.RawMessage, error)
	// Unavailable names the resource types whose records could not all be
	// read (the FHIR server does not support them, or their pages were cut
	// off), each with why. A fact a table of such a type could make true
	// is never false: it stays unknown, and Extract.Open says why.
	Unavailable map[string]string
	// Context bounds the calls to a terminology server (default
	// context.Background()).
	Context context.Context
}

// Mapper turns FHIR R4 records into eligibility facts with one set of code
// tables. It is immutable and safe for concurrent use.
type Mapper struct {
	codes *Codes
	term  Terminology
	named string // the terminology server's URL, for the decision
}

// WithTerminology returns a Mapper that asks t what the local value sets
// cannot answer (the tables' descendantsOf and valueSet entries); url
// names it in the decisions. When t fails, the decision falls back to the
// local sets and says so (Extract.Terminology).
func (m *Mapper) WithTerminology(t Terminology, url string) *Mapper {
	c := *m
	c.term, c.named = t, url
	return &c
}

// NewMapper returns a Mapper for codes; nil means DefaultCodes().
func NewMapper(codes *Codes) *Mapper {
	if codes == nil {
		codes = DefaultCodes()
	}
	return &Mapper{codes: codes}
}

// Codes returns the mapper's code tables.
func (m *Mapper) Codes() *Codes { return m.codes }

// FromBundle reads the resources of a FHIR R4 Bundle (any type; nested
// Bundles are read too).
func (m *Mapper) FromBundle(data []byte, opts Options) (*Extract, error) {
	return m.FromPrefetch(map[string]json.RawMessage{"": data}, opts)
}

// FromPrefetch reads a CDS Hooks prefetch object: each value a resource, a
// searchset Bundle, or null. JSON paths in errors start at prefetch.KEY.
func (m *Mapper) FromPrefetch(prefetch map[string]json.RawMessage, opts Options) (*Extract, error) {
	if opts.AsOf.IsZero() {
		return nil, fmt.Errorf("fhir: Options.AsOf must be set")
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	r := &reader{codes: m.codes, term: m.term, termName: m.named, opts: opts, asOf: day(opts.AsOf.Date()), patient: opts.PatientID, acc: map[string]*factAcc{},
		patientURLs: map[string]bool{}, byURL: map[string]found{}}
	for _, k := range slices.Sorted(maps.Keys(prefetch)) {
		path := "prefetch." + k
		if k == "" {
			path = "$"
		}
		r.collect(path, prefetch[k], 0, "")
	}
	if len(r.errs) == 0 {
		for _, res := range r.resources {
			r.read(res)
		}
	}
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	return r.extract(), nil
}

// found is one resource found in the input, with its JSON path.
type found struct {
	path string
	res  *resource
}

type reader struct {
	codes    *Codes
	term     Terminology
	termName string
	termUsed bool  // the terminology server answered
	termErr  error // it failed: the local sets answer the rest of the call
	termNeed bool  // a table needed it and none is configured
	opts     Options
	asOf     time.Time
	patient  string
	// patientURLs are the fullUrls of the screened patient's Patient
	// entries: a record's subject may name it by them.
	patientURLs map[string]bool
	// byURL finds a Bundle entry by its fullUrl.
	byURL      map[string]found
	resources  []found
	unreviewed []UnreviewedRecord
	acc        map[string]*factAcc
	treatment  treatmentAcc
	errs       InputErrors
}

func (r *reader) fail(path, format string, args ...any) {
	r.errs = append(r.errs, &rules.FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

const maxBundleDepth = 4

// collect finds the resources in data, descending into Bundles; fullURL is
// the fullUrl of the Bundle entry data is the resource of, if any.
func (r *reader) collect(path string, data json.RawMessage, depth int, fullURL string) {
	if len(data) == 0 || string(data) == "null" {
		return
	}
	res, ok, bad := decodeResource(path, data)
	switch {
	case bad != nil:
		r.errs = append(r.errs, bad)
		return
	case !ok:
		r.fail(path, "want a FHIR resource (a JSON object with resourceType)")
		return
	}
	switch res.ResourceType {
	case "Bundle":
		if depth >= maxBundleDepth {
			r.fail(path, "Bundles nested deeper than %d", maxBundleDepth)
			return
		}
		for i, e := range res.Entry {
			r.collect(fmt.Sprintf("%s.entry[%d].resource", path, i), e.Resource, depth+1, e.FullURL)
		}
		return
	case "Patient":
		switch {
		case r.patient == "":
			r.patient = res.ID
		case res.ID != "" && res.ID != r.patient:
			r.fail(path+".id", "Patient/%s is not the patient screened (Patient/%s): records of one patient only", res.ID, r.patient)
			return
		}
		if fullURL != "" {
			r.patientURLs[fullURL] = true
		}
	case "Condition", "Observation", "Procedure", "MedicationStatement", "MedicationRequest", "MedicationAdministration":
		r.resources = append(r.resources, found{path: path, res: res})
	case "Medication":
		if res.ID != "" {
			r.byURL["Medication/"+res.ID] = found{path: path, res: res}
		}
	}
	if fullURL != "" {
		r.byURL[fullURL] = found{path: path, res: res}
	}
	// Other resources (OperationOutcome, Encounter, ...) say nothing about
	// the facts.
}

// checkSubject reports a record about another patient.
func (r *reader) checkSubject(path string, ref *Reference) {
	if ref == nil || ref.Reference == "" || r.patientURLs[ref.Reference] {
		return // a Bundle names the patient by the Patient entry's fullUrl (R4, Bundle: resolving references)
	}
	if r.patient == "" {
		if len(r.patientURLs) > 0 && strings.HasPrefix(ref.Reference, "urn:") {
			r.fail(path+".reference", "%q is not the fullUrl of the patient screened: records of one patient only", ref.Reference)
		}
		return
	}
	s := ref.Reference
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	if s != "Patient/"+r.patient && !strings.HasSuffix(s, "/Patient/"+r.patient) {
		r.fail(path+".reference", "%q is not the patient screened (Patient/%s): records of one patient only", ref.Reference, r.patient)
	}
}

func refOf(typ, id, path string) string {
	if id == "" {
		return typ + " at " + path
	}
	return typ + "/" + id
}

// match returns the tables of resource (contraindication tables and
// reviewed sets) that hold one of cc's codings, each with the entry that
// matched.
func (r *reader) match(resource string, cc *CodeableConcept) []tableMatch {
	if cc == nil {
		return nil
	}
	idx, pat := r.codes.byCode[resource], r.codes.byPattern[resource]
	var out []tableMatch
	for _, c := range cc.Coding {
		var n icdKey
		if len(pat) > 0 {
			n = icdKeyOf(c.Code)
		}
		for _, list := range [2][]*table{idx[key{c.System, c.Code}], pat} {
			for _, tb := range list {
				if slices.ContainsFunc(out, func(m tableMatch) bool { return m.table == tb }) {
					continue
				}
				if e, ask, ok := tb.find(c, n); ok {
					out = append(out, tableMatch{tb, r.source(e, c), ask})
				}
			}
		}
		for _, tb := range r.codes.byRemote[resource] {
			if slices.ContainsFunc(out, func(m tableMatch) bool { return m.table == tb }) {
				continue
			}
			if _, out2 := tb.exclude.find(c, icdKeyOf(c.Code)); out2 {
				continue
			}
			if e, ok := r.askRemote(tb.codes.remote, c); ok {
				out = append(out, tableMatch{tb, r.source(e, c), false})
			} else if e, ok := r.askRemote(tb.ask.remote, c); ok {
				out = append(out, tableMatch{tb, r.source(e, c), true})
			}
		}
	}
	return out
}

type tableMatch struct {
	table  *table
	source Source // Reference is filled in by the caller
	ask    bool   // the code is in the table's ask set: the fact stays to ask
}

func (r *reader) source(entry int, c Coding) Source {
	e := r.codes.entries[entry]
	display := e.Display
	if e.Code == "" && c.Display != "" {
		display = c.Display // a range or prefix: the record says which code
	}
	return Source{Coding: Coding{System: c.System, Code: c.Code, Display: display}, Unconfirmed: e.Status == Unconfirmed}
}

func (r *reader) fact(name string) *factAcc {
	a := r.acc[name]
	if a == nil {
		a = &factAcc{}
		r.acc[name] = a
	}
	return a
}

// askRemote asks the terminology server whether c is in one of the
// entries; after one failure it asks nothing more for this call.
func (r *reader) askRemote(entries []remote, c Coding) (int, bool) {
	for _, e := range entries {
		if e.ancestor != "" && !slices.Contains(e.systems, c.System) {
			continue
		}
		if r.term == nil {
			r.termNeed = true
			return 0, false
		}
		if r.termErr != nil {
			return 0, false
		}
		var in bool
		var err error
		if e.ancestor != "" {
			in, err = r.term.Subsumes(r.opts.Context, c.System, e.ancestor, c.Code)
		} else {
			in, err = r.term.InValueSet(r.opts.Context, e.url, c.System, c.Code)
		}
		if err != nil {
			r.termErr = err
			return 0, false
		}
		r.termUsed = true
		if in {
			return e.entry, true
		}
	}
	return 0, false
}
