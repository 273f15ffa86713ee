package rules

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar day, held as midnight UTC, written as YYYY-MM-DD.
type Date struct{ time.Time }

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String returns the day as YYYY-MM-DD.
func (d Date) String() string { return d.Format(time.DateOnly) }

// The years a Date can be written in, YYYY-MM-DD: MarshalJSON writes and
// UnmarshalJSON reads the same days. Facts are held to far narrower bounds
// (firstFactYear, lastFactYear), so that the dates decisions compute from
// them stay within these.
const (
	minDateYear = 1
	maxDateYear = 9999
)

// appendJSON appends the day as a JSON string: digits and dashes need no
// escaping. The caller has checked its year.
func (d Date) appendJSON(buf []byte) []byte {
	return append(d.AppendFormat(append(buf, '"'), time.DateOnly), '"')
}

// MarshalJSON writes the day as "YYYY-MM-DD". A day outside the years 1 to
// 9999 is an error: it cannot be written so.
func (d Date) MarshalJSON() ([]byte, error) {
	if y := d.Year(); y < minDateYear || y > maxDateYear {
		return nil, fmt.Errorf("rules: the day %s is outside the years %d to %d", d.String(), minDateYear, maxDateYear)
	}
	return d.appendJSON(make([]byte, 0, 12)), nil
}

// UnmarshalJSON reads a day written as "YYYY-MM-DD", in the years 1 to 9999.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return err
	}
	if t.Year() < minDateYear {
		return fmt.Errorf("rules: the day %s is outside the years %d to %d", s, minDateYear, maxDateYear)
	}
	d.Time = t
	return nil
}
