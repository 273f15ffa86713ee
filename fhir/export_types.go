package fhir

// The FHIR R4 types a case is written as. Like the types the mapping reads,
// they are small and our own: each holds only the elements the export
// fills, with the R4 names and JSON shapes, so that the R4 JSON Schema
// accepts them (the tests check it).

// Bundle is a FHIR R4 Bundle of type collection: the resources of one case.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id"`
	Identifier   *Identifier   `json:"identifier,omitempty"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Entry        []BundleEntry `json:"entry"`
}

// BundleEntry is one entry of a Bundle: a resource and its urn:uuid fullUrl.
type BundleEntry struct {
	FullURL  string   `json:"fullUrl"`
	Resource Resource `json:"resource"`
}

// Resource is one of the resources a case is exported as.
type Resource interface {
	// Type returns the resource's FHIR type, e.g. "CarePlan".
	Type() string
}

// Identifier is a FHIR R4 Identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
}

// Quantity is a FHIR R4 Quantity, with a UCUM unit.
type Quantity struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	System string  `json:"system,omitempty"`
	Code   string  `json:"code,omitempty"`
}

// Extension is a FHIR R4 extension with a CodeableConcept, Quantity,
// Reference or code value, or sub-extensions.
type Extension struct {
	URL                  string           `json:"url"`
	Extension            []Extension      `json:"extension,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueReference       *Reference       `json:"valueReference,omitempty"`
	ValueCode            string           `json:"valueCode,omitempty"`
}

// Annotation is a FHIR R4 Annotation holding text only.
type Annotation struct {
	Text string `json:"text"`
}

// Patient is the FHIR R4 Patient a case is about: the clinic's identifier,
// since the case keeps nothing else of the patient, with what US Core
// Patient (6.1.0) requires: a gender ("unknown": the case does not know
// it) and a name, here one that says by a data-absent-reason why it is
// not given.
type Patient struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Identifier   []Identifier `json:"identifier"`
	Name         []HumanName  `json:"name"`
	Gender       string       `json:"gender"`
}

// HumanName is a FHIR R4 HumanName; the export gives none but its
// data-absent-reason.
type HumanName struct {
	Extension []Extension `json:"extension,omitempty"`
	Family    string      `json:"family,omitempty"`
	Given     []string    `json:"given,omitempty"`
}

// Type returns "Patient".
func (Patient) Type() string { return "Patient" }

// Appointment is the FHIR R4 Appointment of the booked initial consultation.
type Appointment struct {
	ResourceType string                   `json:"resourceType"`
	ID           string                   `json:"id"`
	Status       string                   `json:"status"`
	ReasonCode   []CodeableConcept        `json:"reasonCode,omitempty"`
	Description  string                   `json:"description,omitempty"`
	Start        string                   `json:"start,omitempty"`
	End          string                   `json:"end,omitempty"`
	Created      string                   `json:"created,omitempty"`
	Participant  []AppointmentParticipant `json:"participant"`
}

// Type returns "Appointment".
func (Appointment) Type() string { return "Appointment" }

// AppointmentParticipant is one participant of an Appointment.
type AppointmentParticipant struct {
	Actor  *Reference `json:"actor,omitempty"`
	Status string     `json:"status"`
}

// CarePlan is the FHIR R4 CarePlan of the board's individual plan.
type CarePlan struct {
	ResourceType   string             `json:"resourceType"`
	ID             string             `json:"id"`
	Status         string             `json:"status"`
	Intent         string             `json:"intent"`
	Title          string             `json:"title,omitempty"`
	Description    string             `json:"description,omitempty"`
	Subject        Reference          `json:"subject"`
	Period         *Period            `json:"period,omitempty"`
	Created        string             `json:"created,omitempty"`
	Author         *Reference         `json:"author,omitempty"`
	Contributor    []Reference        `json:"contributor,omitempty"`
	SupportingInfo []Reference        `json:"supportingInfo,omitempty"`
	Activity       []CarePlanActivity `json:"activity,omitempty"`
}

// Type returns "CarePlan".
func (CarePlan) Type() string { return "CarePlan" }

// CarePlanActivity is an activity of a CarePlan, given by reference.
type CarePlanActivity struct {
	Reference *Reference `json:"reference,omitempty"`
}

// Consent is the FHIR R4 Consent of the patient's agreement to the plan.
type Consent struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Status       string            `json:"status"`
	Scope        CodeableConcept   `json:"scope"`
	Category     []CodeableConcept `json:"category"`
	Patient      Reference         `json:"patient"`
	DateTime     string            `json:"dateTime,omitempty"`
	Performer    []Reference       `json:"performer,omitempty"`
	PolicyRule   *CodeableConcept  `json:"policyRule,omitempty"`
	Provision    *ConsentProvision `json:"provision,omitempty"`
}

// Type returns "Consent".
func (Consent) Type() string { return "Consent" }

// ConsentProvision is the rule of a Consent: permit or deny, and what.
type ConsentProvision struct {
	Type string            `json:"type,omitempty"`
	Data []ConsentDataItem `json:"data,omitempty"`
}

// ConsentDataItem names a resource a Consent's provision is about.
type ConsentDataItem struct {
	Meaning   string    `json:"meaning"`
	Reference Reference `json:"reference"`
}

// ServiceRequest is the FHIR R4 ServiceRequest of the MSC therapy order.
type ServiceRequest struct {
	ResourceType     string            `json:"resourceType"`
	ID               string            `json:"id"`
	BasedOn          []Reference       `json:"basedOn,omitempty"`
	Status           string            `json:"status"`
	Intent           string            `json:"intent"`
	Code             *CodeableConcept  `json:"code,omitempty"`
	OrderDetail      []CodeableConcept `json:"orderDetail,omitempty"`
	Subject          Reference         `json:"subject"`
	OccurrenceTiming *Timing           `json:"occurrenceTiming,omitempty"`
	AuthoredOn       string            `json:"authoredOn,omitempty"`
	Requester        *Reference        `json:"requester,omitempty"`
	SupportingInfo   []Reference       `json:"supportingInfo,omitempty"`
	BodySite         []CodeableConcept `json:"bodySite,omitempty"`
	Note             []Annotation      `json:"note,omitempty"`
}

// Type returns "ServiceRequest".
func (ServiceRequest) Type() string { return "ServiceRequest" }

// Timing is a FHIR R4 Timing: how many times, how often.
type Timing struct {
	Repeat TimingRepeat `json:"repeat"`
}

// TimingRepeat is the repeat of a Timing.
type TimingRepeat struct {
	Count      int    `json:"count,omitempty"`
	Period     int    `json:"period,omitempty"`
	PeriodUnit string `json:"periodUnit,omitempty"`
}

// Procedure is a FHIR R4 Procedure: the biomaterial collection or an
// administration of the cell product.
type Procedure struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id"`
	Extension         []Extension       `json:"extension,omitempty"`
	BasedOn           []Reference       `json:"basedOn,omitempty"`
	Status            string            `json:"status"`
	Code              CodeableConcept   `json:"code"`
	Subject           Reference         `json:"subject"`
	PerformedDateTime string            `json:"performedDateTime,omitempty"`
	BodySite          []CodeableConcept `json:"bodySite,omitempty"`
	Note              []Annotation      `json:"note,omitempty"`
}

// Type returns "Procedure".
func (Procedure) Type() string { return "Procedure" }

// BiologicallyDerivedProduct is the FHIR R4 BiologicallyDerivedProduct of
// one lot of the cell product.
type BiologicallyDerivedProduct struct {
	ResourceType    string           `json:"resourceType"`
	ID              string           `json:"id"`
	Identifier      []Identifier     `json:"identifier,omitempty"`
	ProductCategory string           `json:"productCategory"`
	ProductCode     *CodeableConcept `json:"productCode,omitempty"`
	Status          string           `json:"status"`
	Request         []Reference      `json:"request,omitempty"`
	Quantity        int              `json:"quantity,omitempty"`
	Collection      *BDPCollection   `json:"collection,omitempty"`
}

// Type returns "BiologicallyDerivedProduct".
func (BiologicallyDerivedProduct) Type() string { return "BiologicallyDerivedProduct" }

// BDPCollection is where and when the cells of a product were collected.
type BDPCollection struct {
	Source            *Reference `json:"source,omitempty"`
	CollectedDateTime string     `json:"collectedDateTime,omitempty"`
}

// Task is the FHIR R4 Task of one stage of the procedure.
type Task struct {
	ResourceType    string           `json:"resourceType"`
	ID              string           `json:"id"`
	Status          string           `json:"status"`
	StatusReason    *CodeableConcept `json:"statusReason,omitempty"`
	Intent          string           `json:"intent"`
	Code            CodeableConcept  `json:"code"`
	Description     string           `json:"description,omitempty"`
	Focus           *Reference       `json:"focus,omitempty"`
	For             Reference        `json:"for"`
	ExecutionPeriod *Period          `json:"executionPeriod,omitempty"`
	AuthoredOn      string           `json:"authoredOn,omitempty"`
}

// Type returns "Task".
func (Task) Type() string { return "Task" }
