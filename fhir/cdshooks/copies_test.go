package cdshooks

import (
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// What the package offers as data is the caller's own copy: changing it
// changes nothing for the next caller, or for the handler.
func TestDataIsCopied(t *testing.T) {
	a := Algorithms()
	a[0] = jose.HS256
	if Algorithms()[0] != jose.ES384 {
		t.Errorf("Algorithms()[0] = %s after a caller changed its copy", Algorithms()[0])
	}
	r := OverrideReasons()
	r[0].Code = "changed"
	if OverrideReasons()[0].Code != "record-wrong" {
		t.Error("OverrideReasons changed by a caller")
	}
	c := DefaultOrderCodes()
	c[0].Code = "changed"
	if DefaultOrderCodes()[0].Code != "msc-therapy" {
		t.Error("DefaultOrderCodes changed by a caller")
	}
}
