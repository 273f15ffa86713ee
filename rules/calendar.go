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
	y0, m0, d0 := t.Date()
	y, m, d := y0, m0, d0
	if years != 0 || months != 0 {
		mo := int(m) - 1 + months
		y += years + floorDiv(mo, 12)
		m = time.Month(mo - 12*floorDiv(mo, 12) + 1)
		if last := daysIn(y, m); d > last {
			d = last
		}
	}
	// Facts' dates are midnight UTC, where a day is always 24 hours: moving
	// by whole days needs no calendar of the location. This is the hot path
	// of the five-year window, judged on every screening.
	if diff := daysFromCivil(y, m, d) - daysFromCivil(y0, m0, d0) + days; t.Location() == time.UTC && diff > -100_000 && diff < 100_000 {
		return t.Add(time.Duration(diff) * 24 * time.Hour)
	}
	hh, mm, ss := t.Clock()
	return time.Date(y, m, d+days, hh, mm, ss, t.Nanosecond(), t.Location())
}

// daysIn returns the number of days of month m of year y.
func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to the day y-m-d of the
// proleptic Gregorian calendar (the well-known days_from_civil algorithm).
func daysFromCivil(y int, m time.Month, d int) int {
	if m <= time.February {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
