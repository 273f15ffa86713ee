package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestCLI(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     []string // each must appear
		stderr     []string
		jsonFields map[string]string // top-level JSON string fields of stdout
	}{
		{name: "no command", code: 2, stderr: []string{"Usage:"}},
		{name: "help", args: []string{"--help"}, code: 0, stdout: []string{"celltherapy lint", "eligibility, therapy, aftercare, triage"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`}},
		{name: "lint defaults", args: []string{"lint"}, code: 0, stdout: []string{"ok: 4 ruleset(s)"}},
		{name: "lint help", args: []string{"lint", "--help"}, code: 0, stdout: []string{"Usage: celltherapy lint"}},
		{name: "lint bad rules", args: []string{"lint", "testdata/bad"}, code: 1, stderr: []string{
			"testdata/bad/contraindications.yaml:7:11: unknown fact pregnent; did you mean pregnant?",
			"testdata/bad/contraindications.yaml:9:9: rule id pregnancy is already used at line 5",
			"testdata/bad/contraindications.yaml:11:5: unknown key \"wen\"; did you mean when?",
		}},
		{name: "lint missing path", args: []string{"lint", "testdata/nothere"}, code: 1, stderr: []string{"testdata/nothere: no such file or directory; give a rule file"}},
		{name: "test defaults", args: []string{"test"}, code: 0, stdout: []string{" passed, 0 failed"}},
		{name: "test coverage", args: []string{"test", "--coverage"}, code: 0, stdout: []string{"oncology", "coverage: 31 of 31 rules",
			"keep-site-dry                        yes    n/a    n/a"}},
		{name: "test failing", args: []string{"test", "testdata/failing"}, code: 1, stdout: []string{
			"FAIL testdata/failing/rules.yaml:10:5: stricter/expects the wrong outcome", "    outcome: expected eligible, got ineligible\n", "0 passed, 1 failed"}},
		{name: "eval eligibility", args: []string{"eval", "eligibility", "../../examples/patient.json"}, code: 0,
			jsonFields: map[string]string{"decision": "eligibility", "outcome": "eligible", "asOf": "2026-11-24"}},
		{name: "eval from stdin", args: []string{"eval", "eligibility", "-"}, stdin: `{"asOf": "2026-11-24", "hiv": true}`, code: 0,
			jsonFields: map[string]string{"outcome": "ineligible"}},
		{name: "eval bad facts", args: []string{"eval", "eligibility", "-"}, stdin: `{"pregnant": "no", "oncology": {"lastTreatmentEnd": "2026-02-30"}}`, code: 2,
			stderr: []string{"<stdin>: $.oncology.lastTreatmentEnd:", "<stdin>: $.pregnant: want true or false"}},
		{name: "eval not JSON", args: []string{"eval", "eligibility", "-"}, stdin: `{`, code: 2, stderr: []string{"$: not valid JSON"}},
		{name: "eval unknown kind", args: []string{"eval", "eligibilty", "x.json"}, code: 2, stderr: []string{`unknown decision kind "eligibilty"`}},
		{name: "eval no file", args: []string{"eval", "eligibility"}, code: 2, stderr: []string{"needs one FILE"}},
		{name: "eval missing file", args: []string{"eval", "eligibility", "nothere.json"}, code: 2, stderr: []string{"nothere.json"}},
		{name: "eval with bad rules", args: []string{"eval", "eligibility", "--rules", "testdata/bad", "-"}, stdin: `{}`, code: 2, stderr: []string{"unknown fact pregnent"}},
		{name: "eval with own rules", args: []string{"eval", "eligibility", "--rules", "testdata/failing/rules.yaml", "-"}, stdin: `{"asOf": "2026-11-24", "pregnant": true}`, code: 0,
			jsonFields: map[string]string{"outcome": "ineligible"}, stdout: []string{`"name": "stricter"`}},
		{name: "eval help", args: []string{"eval", "--help"}, code: 0, stdout: []string{"Usage: celltherapy eval KIND"}},
		{name: "eval therapy", args: []string{"eval", "therapy", "../../examples/therapy-patient.json"}, code: 0, jsonFields: map[string]string{"decision": "therapy"}},
		{name: "eval aftercare", args: []string{"eval", "aftercare", "../../examples/aftercare.json"}, code: 0, jsonFields: map[string]string{"decision": "aftercare", "outcome": "planned"}},
		{name: "eval facts that contradict each other", args: []string{"eval", "triage", "-"}, code: 2,
			stdin:  `{"symptom": {"name": "fever", "ongoing": true, "endedAt": "2026-11-25T09:00:00+01:00"}}`,
			stderr: []string{"<stdin>: $.symptom.endedAt: is given, but symptom.ongoing is true"}},
		{name: "eval a symptom that began before the procedure gets advice", args: []string{"eval", "triage", "-"}, code: 0,
			stdin:      `{"administeredAt": "2026-11-24T09:30:00+01:00", "symptom": {"name": "fever", "onset": "2026-11-23T09:00:00+01:00"}}`,
			jsonFields: map[string]string{"outcome": "contact-clinic", "action": "contact-clinic"}},
		{name: "eval contradictory oncology", args: []string{"eval", "eligibility", "-"}, code: 2,
			stdin:  `{"oncology": {"everTreated": false, "lastTreatmentEnd": "2025-01-10"}}`,
			stderr: []string{"<stdin>: $.oncology.lastTreatmentEnd: is given (2025-01-10), but oncology.everTreated is false"}},
		{name: "eval a start deadline already past", args: []string{"eval", "therapy", "-"}, code: 2,
			stdin:  `{"asOf": "2026-11-24", "startBy": "2026-11-01"}`,
			stderr: []string{"<stdin>: $.startBy: is 2026-11-01, before asOf 2026-11-24"}},
		{name: "eval in Russian", args: []string{"eval", "eligibility", "--locale", "ru", "-"}, stdin: `{"asOf": "2026-11-24", "pregnant": true}`, code: 0,
			jsonFields: map[string]string{"outcome": "ineligible"},
			stdout:     []string{`"title": "Беременность или грудное вскармливание"`, `"unconfirmed": [`, `"rules.pregnancy-or-breastfeeding.then.duration"`}},
		{name: "eval a clinic's English-only rules in Russian falls back to English", args: []string{"eval", "eligibility", "--rules", "testdata/failing/rules.yaml", "--locale", "ru", "-"},
			stdin: `{"asOf": "2026-11-24", "pregnant": true}`, code: 0, stdout: []string{`"message": "Declined during pregnancy."`}},
		{name: "aftercare leaflet in Russian", args: []string{"aftercare", "--leaflet", "--locale", "ru", "-"}, stdin: `{"administeredAt": "2026-11-24T09:30:00+03:00"}`, code: 0,
			stdout: []string{"РЕКОМЕНДАЦИИ ПОСЛЕ ЛЕЧЕНИЯ", "Место введения должно оставаться сухим", "(дату подтвердит врач)"}},
		{name: "aftercare calendar in Russian", args: []string{"aftercare", "--ics", "--locale", "ru", "-"}, stdin: `{"administeredAt": "2026-11-24T09:30:00+03:00"}`, code: 0,
			stdout: []string{"SUMMARY:Звонок врача"}},
		{name: "lint require confirmed fails on the defaults", args: []string{"lint", "--require-confirmed"}, code: 1, stderr: []string{
			"therapy/therapy.yaml:51:5: params.cultureDays is not confirmed by the medical board (source: Galipeau J",
			"recommendations/aftercare.yaml:77:5: params.monitoring is not confirmed",
			"eligibility/contraindications.yaml:25:5: rules.oncology.then.duration is not confirmed",
			"20 unconfirmed value(s)"}},
		{name: "lint require confirmed passes confirmed rules", args: []string{"lint", "--require-confirmed", "testdata/failing"}, code: 0, stdout: []string{"ok: 1 ruleset(s)"}},
		{name: "doc lists the unconfirmed values first", args: []string{"doc"}, code: 0, stdout: []string{
			"# Values the medical board must confirm\n",
			"| `msc-therapy-selection` | `params.cultureDays` | 28 | Galipeau J",
			"- Then duration: `temporary` (unconfirmed)",
			"| `cultureDays` | 28 (unconfirmed) |"}},
		{name: "doc in Russian", args: []string{"doc", "--locale", "ru"}, code: 0, stdout: []string{
			"# Значения, которые должен подтвердить медицинский совет", "Беременна ли пациентка?", "### Беременность или грудное вскармливание (`pregnancy-or-breastfeeding`)"}},
		{name: "eval triage", args: []string{"eval", "triage", "../../examples/triage.json"}, code: 0, jsonFields: map[string]string{"decision": "triage"}},
		{name: "aftercare ics", args: []string{"aftercare", "--ics", "../../examples/aftercare.json"}, code: 0, stdout: []string{"BEGIN:VCALENDAR\r\n", "END:VCALENDAR"}},
		{name: "aftercare leaflet", args: []string{"aftercare", "--leaflet", "-"}, stdin: `{"administeredAt": "2026-11-24T09:30:00+01:00"}`, code: 0, stdout: []string{"dry"}},
		{name: "aftercare unknown administration", args: []string{"aftercare", "--ics", "-"}, stdin: `{}`, code: 2, stderr: []string{"administeredAt is unknown"}},
		{name: "aftercare needs a format", args: []string{"aftercare", "-"}, stdin: `{}`, code: 2, stderr: []string{"--ics or --leaflet"}},
		{name: "doc", args: []string{"doc"}, code: 0, stdout: []string{"# Contraindications to mesenchymal stem cell therapy", "Digest `sha256:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			if tt.jsonFields != nil {
				var got map[string]any
				if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
				}
				for k, want := range tt.jsonFields {
					if got[k] != want {
						t.Errorf("%s = %v, want %s", k, got[k], want)
					}
				}
			}
		})
	}
}
