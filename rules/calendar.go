package rules

import "time"

// AddDate moves t by years, months and days the way clinics count on a
// calendar: years and months first, and a day that the target month does
// not have becomes that month's last day, so that 31 January plus one month
// is 28 February (29 in a leap year), and 29 February plus one year is
// 28 February. Days are then added one by one. time.Time.AddDate would
// instead roll over into the next month (31 January + 1 month = 3 March),
// which is no day anyone would book.
//
// The clock time and location of t are kept. The expr functions addYears,
// addMonths and addDays, the Go fast path that judges them and the domain
// packages' schedules all count with AddDate.
func AddDate(t time.Time, years, months, days int) time.Time {
	if years != 0 || months != 0 {
		y, m, d := t.Date()
		first := time.Date(y+years, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
		if last := daysIn(first.Year(), first.Month()); d > last {
			d = last
		}
		hh, mm, ss := t.Clock()
		t = time.Date(first.Year(), first.Month(), d, hh, mm, ss, t.Nanosecond(), t.Location())
	}
	if days != 0 {
		t = t.AddDate(0, 0, days)
	}
	return t
}

// daysIn returns the number of days of month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
