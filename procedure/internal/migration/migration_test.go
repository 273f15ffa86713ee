package migration

import (
	"testing"
	"testing/fstest"
)

func TestList(t *testing.T) {
	good := fstest.MapFS{
		"migrations/002_index.sql": {Data: []byte("CREATE INDEX i ON t (a);")},
		"migrations/001_first.sql": {Data: []byte("CREATE TABLE t (a INT);")},
	}
	ms, err := List(good, "test")
	if err != nil || len(ms) != 2 || ms[0].Name != "001_first.sql" || ms[1].Version != 2 || Latest(ms) != 2 {
		t.Fatalf("List = %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no number":  {"migrations/first.sql": {}},
		"one number": {"migrations/001_a.sql": {}, "migrations/01_b.sql": {}},
	} {
		if _, err := List(fsys, "test"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if Latest(nil) != 0 {
		t.Error("Latest of none is not 0")
	}
}
