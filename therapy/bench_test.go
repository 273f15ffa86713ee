package therapy_test

import (
	"context"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/reocell/celltherapy/therapy"
)

// BenchmarkSelect is a whole decision for a patient whose facts are all
// known: evaluation, reasons, source, routes, dose and choice.
func BenchmarkSelect(b *testing.B) {
	s := therapy.NewDefaultSelector()
	f := known()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Select(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate is the engine's share of Select: every rule of the
// default ruleset evaluated, without building the decision.
func BenchmarkEvaluate(b *testing.B) {
	rs := therapy.DefaultRules()
	f := known()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rs.Evaluate(ctx, &f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExprBaseline is the floor: the when: conditions of the default
// rules compiled with expr directly (params patched in as constants) and run
// one after the other on one VM, with no three-valued logic and no decision.
func BenchmarkExprBaseline(b *testing.B) {
	rs := therapy.DefaultRules()
	params := rs.Params()
	var progs []*vm.Program
	for _, r := range rs.Rules() {
		p, err := expr.Compile(r.When(), expr.Env(therapy.Facts{}), expr.Patch(paramPatch(params)), expr.Timezone("UTC"))
		if err != nil {
			b.Fatalf("rule %s: %v", r.ID(), err)
		}
		progs = append(progs, p)
	}
	f := known()
	var machine vm.VM
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range progs {
			if _, err := machine.Run(p, &f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

type paramPatch map[string]any

func (p paramPatch) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	prop, ok2 := m.Property.(*ast.StringNode)
	if ok && ok2 && id.Value == "params" {
		if v, found := p[prop.Value]; found {
			ast.Patch(n, &ast.ConstantNode{Value: v})
		}
	}
}
