package procedure_test

import (
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure"
)

// An administration matches the plan (route, site, dose) and the product
// (lot, what it still holds, its expiry); each refusal says what the plan
// and the lot say.
func TestAdministrationMatchesPlanAndProduct(t *testing.T) {
	D, L, N := procedure.Doctor, procedure.Lab, procedure.Nurse
	screen := func(at string) step {
		return step{N, `{"type": "screen", "at": "` + at + `", "facts": ` + eligibleAsOf("") + `}`, procedure.Administering}
	}
	release := func(extra string) step {
		return step{L, `{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-118", "checksPassed": true, ` + extra + `}`, procedure.Administering}
	}
	adm := func(at, site string, cells string) string {
		return `{"type": "administer", "at": "` + at + `", "route": "intra-articular", "site": "` + site + `", "cells": ` + cells + `, "lot": "D-118"}`
	}
	tests := []struct {
		name   string
		at     int
		before []step
		cmd    string
		rule   string
		says   []string
	}{
		{"a hundred times the plan's dose", rescreened, nil, adm("2026-11-25T09:30:00Z", "left knee", "5e9"),
			"administration-dose-from-plan", []string{"5e+09", "5e+07", "10%", "4.5e+07", "5.5e+07", "board"}},
		{"a dose just outside the tolerance", rescreened, nil, adm("2026-11-25T09:30:00Z", "left knee", "5.6e7"),
			"administration-dose-from-plan", []string{"5.6e+07"}},
		{"another site", rescreened, nil, adm("2026-11-25T09:30:00Z", "right shoulder", "5e7"),
			"administration-site-from-plan", []string{`"right shoulder"`, `"left knee"`, "board"}},
		{"no site", rescreened, nil, `{"type": "administer", "at": "2026-11-25T09:30:00Z", "route": "intra-articular", "cells": 5e7, "lot": "D-118"}`,
			"administration-site-from-plan", nil},
		{"more than the lot holds", allocated, []step{release(`"cells": 4.6e7`), screen("2026-11-25T08:30:00Z")}, adm("2026-11-25T09:30:00Z", "left knee", "5e7"),
			"administration-lot-remaining", []string{"5e+07", "4.6e+07 released", "0 already given", "4.6e+07 left"}},
		{"the rest of a lot already given", allocated, []step{release(`"cells": 7e7`), screen("2026-11-25T08:30:00Z"),
			{D, adm("2026-11-25T09:30:00Z", "left knee", "5e7"), procedure.Administering}, screen("2026-12-02T08:30:00Z")},
			adm("2026-12-02T09:30:00Z", "left knee", "5e7"), "administration-lot-remaining", []string{"5e+07 already given", "2e+07 left"}},
		{"past the release's expiry", allocated, []step{release(`"cells": 1e8, "expires": "2026-11-25T09:00:00Z"`), screen("2026-11-25T08:30:00Z")},
			adm("2026-11-25T09:30:00Z", "left knee", "5e7"), "administration-product-expired", []string{"2026-11-25T09:00:00Z"}},
		{"past the default viability", allocated, []step{release(`"cells": 1e8`), screen("2027-02-21T08:30:00Z")},
			adm("2027-02-21T10:30:00Z", "left knee", "5e7"), "administration-product-expired", []string{"2027-02-21T10:00:00Z"}},
		{"the plan's route stays", rescreened, nil, `{"type": "administer", "at": "2026-11-25T09:30:00Z", "route": "intravenous", "cells": 5e7, "lot": "D-118"}`,
			"administration-route-from-plan", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cases := caseAt(t, tc.at)
			run(t, cases, tc.before)
			_, err := give(cases, D, tc.cmd)
			checkRefusal(t, err, tc.rule, "", nil)
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the refusal %q does not say %q", err, s)
				}
			}
		})
	}
	// Within the tolerance, and the site written another way, passes.
	cases := caseAt(t, rescreened)
	res, err := give(cases, D, adm("2026-11-25T09:30:00Z", "  Left   KNEE ", "5.4e7"))
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Case.Product; p.Given != 5.4e7 || p.Expires == nil {
		t.Errorf("the product after one procedure: %+v", p)
	}
}

func TestPlanSiteAndExpiryFields(t *testing.T) {
	for _, tc := range []struct{ cmd, field string }{
		{`{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "intra-articular", "cells": 5e7, "procedures": 1, "quorum": ["a"]}`, "$.site"},
		{`{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "local", "site": " ", "cells": 5e7, "procedures": 1, "quorum": ["a"]}`, "$.site"},
		{`{"type": "release-product", "at": "2026-11-23T10:00:00Z", "lot": "D-118", "cells": 1e8, "checksPassed": true, "expires": "2026-11-23T09:00:00Z"}`, "$.expires"},
	} {
		_, err := procedure.DecodeCommand([]byte(tc.cmd))
		checkRefusal(t, err, "", tc.field, nil)
	}
	if _, err := procedure.DecodeCommand([]byte(`{"type": "propose-plan", "at": "2026-11-20T09:30:00Z", "therapy": "allogeneic", "route": "intravenous",
		"cells": 5e7, "procedures": 1, "quorum": ["a"]}`)); err != nil {
		t.Errorf("an intravenous plan needs no site: %v", err)
	}
}
