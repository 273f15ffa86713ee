package recommendations_test

import (
	"testing"

	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules/rulestest"
)

func TestDefaultRules(t *testing.T) {
	rulestest.Run(t, recommendations.DefaultAftercareRules(), recommendations.DefaultTriageRules())
}
