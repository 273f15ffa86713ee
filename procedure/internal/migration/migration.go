// Package migration lists the numbered SQL migrations a case store embeds
// (migrations/NNN_name.sql), the same way for SQLite and PostgreSQL.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string // the file's base name, as recorded in the database
	SQL     string
}

// List returns the migrations/*.sql files of fsys in order of their
// numbers. store names the store in errors ("sqlite", "postgres"). A name
// that does not start with its number, or two files with one number, is an
// error.
func List(fsys fs.FS, store string) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		base := path.Base(n)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("%s: migration %s: the name must start with its number", store, base)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && out[len(out)-1].Version >= v {
			return nil, fmt.Errorf("%s: migration %s is out of order", store, base)
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(b)})
	}
	return out, nil
}

// Latest returns the number of the newest migration, or 0 when there is
// none: the schema version the store's code writes.
func Latest(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}
