package eligibility_test

import (
	"testing"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/rules/rulestest"
)

func TestDefaultRules(t *testing.T) {
	rulestest.Run(t, eligibility.DefaultRules())
}
