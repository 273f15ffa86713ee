package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/reocell/celltherapy/rules"
	"strconv"
	"strings"
	"time"
)

// The small strict FHIR R4 types this package reads. They hold only the
// elements the mapping uses; other elements of a resource are ignored, but
// the elements read must have their R4 types and codes, or decoding fails
// naming the JSON path.

// CodeableConcept is a FHIR R4 CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Reference is a FHIR R4 Reference.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Period is a FHIR R4 Period; its bounds are FHIR dateTimes.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// resource holds the elements the mapping reads of any resource it reads
// (Bundle, Patient, Condition, Observation, Procedure, MedicationStatement),
// so that each resource is decoded once.
type resource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	// Bundle
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
	// Condition
	ClinicalStatus     *CodeableConcept `json:"clinicalStatus"`
	VerificationStatus *CodeableConcept `json:"verificationStatus"`
	AbatementDateTime  string           `json:"abatementDateTime"`
	AbatementPeriod    *Period          `json:"abatementPeriod"`
	// Condition, Observation, Procedure
	Code    *CodeableConcept `json:"code"`
	Subject *Reference       `json:"subject"`
	// Observation, Procedure, MedicationStatement
	Status string `json:"status"`
	// Observation, MedicationStatement
	EffectiveDateTime string  `json:"effectiveDateTime"`
	EffectivePeriod   *Period `json:"effectivePeriod"`
	// Observation
	EffectiveInstant     string           `json:"effectiveInstant"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept"`
	ValueBoolean         *bool            `json:"valueBoolean"`
	// Procedure
	PerformedDateTime string  `json:"performedDateTime"`
	PerformedPeriod   *Period `json:"performedPeriod"`
	// MedicationStatement, MedicationRequest, MedicationAdministration
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept"`
	MedicationReference       *Reference        `json:"medicationReference"`
	Contained                 []json.RawMessage `json:"contained"`
	// MedicationRequest
	Intent          string `json:"intent"`
	AuthoredOn      string `json:"authoredOn"`
	DispenseRequest *struct {
		ValidityPeriod *Period `json:"validityPeriod"`
	} `json:"dispenseRequest"`
	// Medication (Code above is its code)
	Ingredient []struct {
		ItemCodeableConcept *CodeableConcept `json:"itemCodeableConcept"`
	} `json:"ingredient"`
}

// readTypes are the resource types the mapping reads.
var readTypes = map[string]bool{"Bundle": true, "Patient": true, "Condition": true, "Observation": true, "Procedure": true,
	"MedicationStatement": true, "MedicationRequest": true, "MedicationAdministration": true, "Medication": true}

// medicationRecords are the resource types that say a medicine was taken,
// given or ordered; the code tables of resource MedicationStatement speak
// to all of them.
var medicationRecords = map[string]bool{"MedicationStatement": true, "MedicationRequest": true, "MedicationAdministration": true}

// InputErrors is every problem found in one FHIR input, each a
// rules.FieldError: the JSON path of the offending value and what is wrong
// with it.
type InputErrors []*rules.FieldError

func (l InputErrors) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// ErrBadInput is matched (errors.Is) by every InputErrors.
var ErrBadInput = errors.New("fhir: bad input")

// Is reports whether target is ErrBadInput.
func (l InputErrors) Is(target error) bool { return target == ErrBadInput }

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "struct", "ptr", "map":
		return "object"
	}
	return goKind
}

// decodeResource decodes data once. A resource of a type the mapping does
// not read is returned with only its type (its elements may have other
// JSON types); ok is false when data is not a resource.
func decodeResource(path string, data []byte) (res *resource, ok bool, bad *rules.FieldError) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, false, nil
	}
	res = &resource{}
	err := json.Unmarshal(data, res)
	var te *json.UnmarshalTypeError
	switch {
	case res.ResourceType == "":
		return nil, false, nil
	case !readTypes[res.ResourceType]:
		return &resource{ResourceType: res.ResourceType}, true, nil
	case errors.As(err, &te):
		p := path
		if te.Field != "" {
			p += "." + te.Field
		}
		return nil, true, &rules.FieldError{Path: p, Message: fmt.Sprintf("want a JSON %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)}
	case err != nil:
		return nil, true, &rules.FieldError{Path: path, Message: "not valid JSON: " + err.Error()}
	}
	return res, true, nil
}

// fhirDate is a FHIR date or dateTime, precise to a year, month, day or
// instant. first and last are the first and last calendar days it may mean.
type fhirDate struct {
	first, last time.Time
}

// parseFHIRDate parses YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 instant,
// taking the day in the instant's own offset.
func parseFHIRDate(s string) (fhirDate, error) {
	switch len(s) {
	case 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 1900 || y > 2199 {
			return fhirDate{}, fmt.Errorf("%q is not a year from 1900 to 2199", s)
		}
		return fhirDate{day(y, 1, 1), day(y, 12, 31)}, nil
	case 7:
		t, err := time.Parse("2006-01", s)
		if err != nil {
			return fhirDate{}, fmt.Errorf("%q is not a FHIR date (YYYY-MM)", s)
		}
		return checkRange(s, fhirDate{t, t.AddDate(0, 1, -1)})
	case 10:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return fhirDate{}, fmt.Errorf("%q is not a FHIR date (YYYY-MM-DD)", s)
		}
		return checkRange(s, fhirDate{t, t})
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fhirDate{}, fmt.Errorf("%q is not a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)", s)
	}
	d := day(t.Year(), t.Month(), t.Day())
	return checkRange(s, fhirDate{d, d})
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func checkRange(s string, d fhirDate) (fhirDate, error) {
	if d.first.Year() < 1900 || d.last.Year() > 2199 {
		return fhirDate{}, fmt.Errorf("%q is outside 1900-01-01 to 2199-12-31", s)
	}
	return d, nil
}
