package ruleskit

import (
	"reflect"
	"testing"
)

// sameLayout reports how a and b differ in memory layout, field for field,
// or "" when one can be viewed as the other.
func sameLayout(a, b reflect.Type) string {
	if a.Size() != b.Size() || a.Align() != b.Align() || a.NumField() != b.NumField() {
		return a.String() + " and " + b.String() + " differ in size or fields"
	}
	for i := range a.NumField() {
		af, bf := a.Field(i), b.Field(i)
		if af.Offset != bf.Offset || af.Type.Size() != bf.Type.Size() || af.Type.Kind() != bf.Type.Kind() {
			return a.String() + "." + af.Name + " and " + b.String() + "." + bf.Name + " differ"
		}
		if af.Type.Kind() == reflect.Pointer && af.Type.Elem() != bf.Type.Elem() {
			return af.Name + " points to another type"
		}
		if af.Type.Kind() == reflect.Slice {
			if msg := sameLayout(af.Type.Elem(), bf.Type.Elem()); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// TestResultLayout: Evaluation and Result have the memory layout of the
// engine's evaluation and outcome, field for field, which evaluation and
// outcomesOf rely on to view one as the other without a copy per decision.
// A field added to either side, or moved, fails here.
func TestResultLayout(t *testing.T) {
	if msg := sameLayout(reflect.TypeFor[Result](), reflect.TypeFor[outcome]()); msg != "" {
		t.Error(msg)
	}
	if msg := sameLayout(reflect.TypeFor[Evaluation](), reflect.TypeFor[engineEvaluation]()); msg != "" {
		t.Error(msg)
	}
	// The check itself: a type with a field more is told apart.
	type longer struct {
		Result
		Extra int
	}
	if sameLayout(reflect.TypeFor[longer](), reflect.TypeFor[outcome]()) == "" {
		t.Error("a longer type passed")
	}
}
