package fhir

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// projectBase is the root of the canonical URLs of this project's own code
// systems, identifier systems and extensions.
const projectBase = "https://github.com/reocell/celltherapy/fhir/"

// The systems and extensions of the export. A clinic gives its own
// identifier systems in ExportOptions; the stage code system and the two
// extensions are this project's.
const (
	// StageSystem is the code system of the procedure's stages; a Task's
	// code is a stage of procedure.StageTable.
	StageSystem = projectBase + "CodeSystem/stage"
	// RouteExtension holds an administration's route on a Procedure (R4's
	// Procedure has no route element).
	RouteExtension = projectBase + "StructureDefinition/administration-route"
	// DoseExtension holds an administration's dose, in cells, on a
	// Procedure (R4's Procedure has no dose element).
	DoseExtension = projectBase + "StructureDefinition/cell-dose"
	// UsedExtension is the FHIR cross-version extension for R5's
	// Procedure.used (a CodeableReference that may name a
	// BiologicallyDerivedProduct): R4's Procedure.usedReference allows
	// Device, Medication and Substance only. The R5 element's reference
	// part is its sub-extension "reference" (see docs/fhir.md).
	UsedExtension = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Procedure.used"
	// DataAbsentReason is the R4 extension that says why a value is not
	// given (US Core asks for it where a required element is missing).
	DataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
)

// MSCTherapyOrder returns the code of an MSC therapy order unless the
// clinic gives its own: a code of this project's own system, since no
// standard code names MSC therapy (the CDS Hooks service recognises the
// same code, see cdshooks.DefaultOrderCodes()).
func MSCTherapyOrder() Coding {
	return Coding{System: projectBase + "CodeSystem/msc-order", Code: "msc-therapy", Display: "Mesenchymal stem cell therapy"}
}

// ExportOptions are the clinic's choices for CaseBundle. The zero value
// works: every field has a default.
type ExportOptions struct {
	// PatientSystem, CaseSystem and LotSystem are the identifier systems of
	// the clinic's patient ids, case ids and product lots.
	PatientSystem, CaseSystem, LotSystem string
	// SlotLength is how long a consultation slot lasts: R4 wants a booked
	// Appointment's end. The clinic's procedure gives no length (clinic
	// procedure, 01); the default, 60 minutes, is unconfirmed.
	SlotLength time.Duration
	// OrderCode is the code of the MSC therapy order (default MSCTherapyOrder()).
	OrderCode Coding
}

// DefaultSlotLength is ExportOptions.SlotLength when none is given: a
// placeholder the clinic must confirm (clinic procedure, 01 gives none).
const DefaultSlotLength = 60 * time.Minute

func (o ExportOptions) withDefaults() ExportOptions {
	if o.PatientSystem == "" {
		o.PatientSystem = projectBase + "identifier/patient"
	}
	if o.CaseSystem == "" {
		o.CaseSystem = projectBase + "identifier/case"
	}
	if o.LotSystem == "" {
		o.LotSystem = projectBase + "identifier/lot"
	}
	if o.SlotLength <= 0 {
		o.SlotLength = DefaultSlotLength
	}
	if o.OrderCode.Code == "" {
		o.OrderCode = MSCTherapyOrder()
	}
	return o
}

// ErrNoHistory is returned by CaseBundle for an empty history.
var ErrNoHistory = errors.New("fhir: export: no events: a case is exported from its history")

// CaseBundle returns the case that history makes as a FHIR R4 Bundle of
// type collection. history is the case's events in order from version 1,
// as procedure.Cases.History returns them; the case is their fold.
//
// The bundle holds the Patient (the clinic's identifier only), the
// Appointment of the booking, the board's plan as a CarePlan, the MSC
// therapy order as a ServiceRequest, the patient's Consent to it, a
// Procedure for each biomaterial collection and each administration, a
// BiologicallyDerivedProduct for each lot, and a Task for each stage of
// the procedure, each with its R4 status from where the case is. Every
// resource has a urn:uuid fullUrl derived from the case id and the event
// that made it, and references the others by it, so the same history
// gives the same bundle byte for byte.
//
// The type is collection, not document: a document is an attested,
// immutable clinical record led by a Composition with its author; this is
// a snapshot of a case still moving, for an EHR or an analysis to read.
func CaseBundle(history []procedure.Event, opts ExportOptions) (*Bundle, error) {
	if len(history) == 0 {
		return nil, ErrNoHistory
	}
	s, err := readStory(history)
	if err != nil {
		return nil, err
	}
	x := &exporter{s: s, c: s.c, opts: opts.withDefaults()}
	x.build()
	return &Bundle{
		ResourceType: "Bundle",
		ID:           x.id("Bundle", s.c.Version),
		Identifier:   &Identifier{System: x.opts.CaseSystem, Value: s.c.ID},
		Type:         "collection",
		Timestamp:    instant(s.c.LastAt),
		Entry:        x.entries,
	}, nil
}

// exporter builds the entries of one case's bundle.
type exporter struct {
	s       *story
	c       *procedure.Case
	opts    ExportOptions
	entries []BundleEntry

	patient, appointment, carePlan, order, consent string // fullUrls
	lots                                           map[string]string
}

// id returns the deterministic id of the resource of type typ that the
// event of version v made: the name-based UUID (RFC 9562, version 5) of a
// URL naming the case, the type and the version.
func (x *exporter) id(typ string, v int) string {
	return uuid5(projectBase + "case/" + url.PathEscape(x.c.ID) + "/" + typ + "/" + strconv.Itoa(v))
}

// add appends a resource with its id's urn:uuid fullUrl and returns a
// reference to it.
func (x *exporter) add(id string, r Resource) string {
	full := "urn:uuid:" + id
	x.entries = append(x.entries, BundleEntry{FullURL: full, Resource: r})
	return full
}

// ref returns a Reference to the entry of fullUrl url.
func ref(url string) Reference { return Reference{Reference: url} }

// uuidNamespace is the URL namespace of RFC 9562: the export's names are URLs.
var uuidNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// uuid5 returns the version 5 UUID of the URL name.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(uuidNamespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// instant formats t as a FHIR instant (and dateTime), in UTC.
func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// cellQuantity returns cells as an R4 integer quantity, or 0 (left out)
// when it is not a whole number that fits R4's 32-bit integer.
func cellQuantity(cells float64) int {
	if cells <= 0 || cells > math.MaxInt32 || cells != math.Trunc(cells) {
		return 0
	}
	return int(cells)
}
