package procedure_test

import (
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{Open: func(*testing.T) procedure.Store { return procedure.NewMemoryStore() }})
}
