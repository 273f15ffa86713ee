// Package rowscan reads rows of one text column into values, for the case
// stores on SQLite (database/sql) and PostgreSQL (pgx): both read their
// summaries and worklist items this way.
package rowscan

// Rows is what *sql.Rows and pgx.Rows both offer.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Texts reads the one text column of every row and turns each into a T with
// conv. It returns an empty, not nil, slice when there are no rows.
func Texts[T any](rows Rows, conv func(string) (T, error)) ([]T, error) {
	out := []T{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		v, err := conv(s)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
