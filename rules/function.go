package rules

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"

	"github.com/reocell/celltherapy/rules/internal/hook"
)

var functionName = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// checkFunction checks a function a kind adds (see ruleskit.Function).
func checkFunction(f hook.Function) error {
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
