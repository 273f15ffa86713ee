package rules

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
)

// Function is an expr function a decision kind adds for its rules (see
// Spec.Functions). Types are its signatures, each a pointer to a func type,
// as expr.Function takes them (new(func(time.Time, int) time.Time)); the
// type checker uses them, so a rule calling it wrongly fails at load with
// its position. Fn gets arguments of those types and must be pure: the same
// arguments always give the same value, so decisions can be replayed.
//
// A condition part that calls a kind's function is judged by expr, not by
// the engine's native fast path; Kleene logic holds as for any other part
// (unknown facts in its arguments leave it unknown).
type Function struct {
	Name  string
	Types []any
	Fn    func(args ...any) (any, error)
}

var functionName = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

func (f Function) check() error {
	if !functionName.MatchString(f.Name) {
		return fmt.Errorf("function name %q: use camelCase letters and digits", f.Name)
	}
	if f.Fn == nil || len(f.Types) == 0 {
		return errors.New("function " + f.Name + " needs Fn and at least one of Types")
	}
	for _, t := range f.Types {
		rt := reflect.TypeOf(t)
		if rt == nil || rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Func {
			return fmt.Errorf("function %s: each of Types is a pointer to a func type, like new(func(int) int); got %T", f.Name, t)
		}
	}
	return nil
}
