// Package calendar counts days the way Chinese deadlines are written: in
// calendar days (日) or in working days (工作日), where working days follow
// the State Council's yearly holiday schedule — statutory holidays (法定节假日)
// off, and weekend days worked in exchange (调休上班).
//
// The package is pure logic: a Calendar is built from the schedule entries
// (which an administrator keeps in the database each year) and answers
// questions about civil dates, with no time zone involved.
package calendar

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a civil date with no time of day or time zone.
//
// A Date is normally valid (a real day). Methods normalise invalid values
// the way time.Date does (February 30 is March 2 or 1).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Error codes.
const CodeDateInvalid = "date_invalid"

// Error is a parse failure with a stable code and a Chinese message.
type Error struct {
	code  string
	Input string
}

// Code returns the stable error code.
func (e *Error) Code() string { return e.code }

// Message returns the Chinese message shown to users.
func (e *Error) Message() string { return "日期不正确，应为如 2026-10-01 的年-月-日" }

func (e *Error) Error() string { return e.Message() }

// ParseDate reads a date written YYYY-MM-DD ("2026-10-01"), with exactly
// four, two and two digits, that is a real day of years 0001–9999.
func ParseDate(s string) (Date, error) {
	bad := &Error{code: CodeDateInvalid, Input: s}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, bad
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	m, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	date := Date{y, time.Month(m), d}
	if !ok1 || !ok2 || !ok3 || y < 1 || !date.IsValid() {
		return Date{}, bad
	}
	return date, nil
}

// DateOf returns the date of t as seen in loc (for users, Asia/Shanghai).
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// In returns the first instant of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// IsValid reports whether d names a real day.
func (d Date) IsValid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 &&
		d.normalize() == d
}

func (d Date) normalize() Date {
	y, m, dd := d.utc().Date()
	return Date{y, m, dd}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String writes the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText writes the date as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText reads a date as ParseDate does.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// AddDays returns the date n calendar days after d (before, for n < 0).
func (d Date) AddDays(n int) Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// DaysUntil returns the number of calendar days from d to e (negative when
// e is before d).
func (d Date) DaysUntil(e Date) int {
	return e.days() - d.days()
}

// days returns the number of days since 1970-01-01 (proleptic Gregorian).
func (d Date) days() int {
	n := d.normalize()
	y, m := n.Year, int(n.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + n.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.utc().Weekday()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	return cmp.Compare(d.days(), e.days())
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }
