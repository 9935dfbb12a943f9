package calendar

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// DayKind says how a schedule entry changes a day.
type DayKind int

const (
	// Holiday is a day off of a statutory holiday block (法定节假日 and the
	// days taken off in exchange): not a working day even on a weekday.
	Holiday DayKind = iota + 1
	// Workday is a weekend day worked in exchange (调休上班): a working day.
	Workday
)

// String names the kind in Chinese.
func (k DayKind) String() string {
	switch k {
	case Holiday:
		return "法定节假日"
	case Workday:
		return "调休上班"
	}
	return "DayKind(" + strconv.Itoa(int(k)) + ")"
}

// Entry is one day of the holiday schedule.
type Entry struct {
	Date Date
	Kind DayKind
	Name string // the holiday, e.g. "国庆节"; for a Workday, the holiday it makes up for
}

// DayCount is the kind of day a period is counted in.
type DayCount int

const (
	// CalendarDays (日) counts every day. It is the zero value: a period is in
	// calendar days unless 工作日 is written.
	CalendarDays DayCount = iota
	// WorkingDays (工作日) counts working days only.
	WorkingDays
)

// String returns the Chinese unit: "日" or "工作日".
func (k DayCount) String() string {
	switch k {
	case CalendarDays:
		return "日"
	case WorkingDays:
		return "工作日"
	}
	return "DayCount(" + strconv.Itoa(int(k)) + ")"
}

// Calendar answers working-day questions for a holiday schedule. It is
// immutable and safe for concurrent use.
//
// A day is a working day when it has a Workday entry, or when it is Monday
// to Friday without a Holiday entry. Days outside the years the schedule
// covers (see Years) follow the plain Monday-to-Friday rule, so a caller
// counting into a year nobody has entered yet should warn.
type Calendar struct {
	entries map[Date]Entry
}

// New builds a Calendar from schedule entries. Entries whose Kind is neither
// Holiday nor Workday, or whose Date is not a real day, are ignored; when two
// entries name the same date the later one wins. Listing the weekend days
// inside a holiday block as Holiday, as Seed2025And2026 does, changes
// nothing but lets the block be shown whole.
func New(entries []Entry) *Calendar {
	m := make(map[Date]Entry, len(entries))
	for _, e := range entries {
		if (e.Kind == Holiday || e.Kind == Workday) && e.Date.IsValid() {
			m[e.Date] = e
		}
	}
	return &Calendar{entries: m}
}

// Lookup returns the schedule entry for d, if any.
func (c *Calendar) Lookup(d Date) (Entry, bool) {
	e, ok := c.entries[d]
	return e, ok
}

// Entries returns the schedule entries in date order.
func (c *Calendar) Entries() []Entry {
	out := slices.Collect(maps.Values(c.entries))
	slices.SortFunc(out, func(a, b Entry) int { return a.Date.Compare(b.Date) })
	return out
}

// Years returns, ascending, the years that have at least one entry.
func (c *Calendar) Years() []int {
	seen := map[int]bool{}
	for d := range c.entries {
		seen[d.Year] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// IsWorkingDay reports whether d is a working day: Monday to Friday unless
// it is a Holiday, Saturday and Sunday only if it is a Workday.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if e, ok := c.entries[d]; ok {
		return e.Kind == Workday
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays counts n working days from d:
//
//   - n > 0: the n-th working day after d (d itself is not counted), so a
//     Friday plus 1 is the next working day, Monday or a 调休 Saturday;
//   - n = 0: d if it is a working day, otherwise the next working day;
//   - n < 0: the |n|-th working day before d (d itself is not counted).
//
// It takes time proportional to the number of calendar days crossed.
func (c *Calendar) AddWorkingDays(d Date, n int) Date {
	if n == 0 {
		for !c.IsWorkingDay(d) {
			d = d.AddDays(1)
		}
		return d
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days in (from, to]: after from, up
// to and including to. It is negative when to is before from:
// WorkingDaysBetween(from, to) = −WorkingDaysBetween(to, from). For n > 0,
// WorkingDaysBetween(d, AddWorkingDays(d, n)) = n.
func (c *Calendar) WorkingDaysBetween(from, to Date) int {
	sign := 1
	if to.Before(from) {
		from, to, sign = to, from, -1
	}
	n := 0
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n
}

// AddDays adds a period of n days of the given kind to d: d.AddDays(n) for
// CalendarDays, c.AddWorkingDays(d, n) for WorkingDays. It does not move a
// calendar-day deadline that falls on a holiday; rules that extend such a
// deadline (民法典 art. 203) apply AddWorkingDays(result, 0) themselves.
// AddDays panics for an unknown DayCount.
func (c *Calendar) AddDays(d Date, n int, kind DayCount) Date {
	switch kind {
	case CalendarDays:
		return d.AddDays(n)
	case WorkingDays:
		return c.AddWorkingDays(d, n)
	}
	panic(fmt.Sprintf("calendar: unknown day count %d", int(kind)))
}

// CoverageHorizon is how far ahead the schedule should reach: a deadline
// set today (a 20-working-day tender period, an approval's 20 working days
// extended by 10) lands up to about three months ahead.
const CoverageHorizon = 120 // days

// MissingYears lists, ascending, the years from today's to that of today
// plus CoverageHorizon days that have no holiday in the schedule: their
// 法定节假日 are not entered, so deadlines falling in them count every
// weekday as a working day.
func (c *Calendar) MissingYears(today Date) []int {
	has := map[int]bool{}
	for d, e := range c.entries {
		if e.Kind == Holiday {
			has[d.Year] = true
		}
	}
	var out []int
	for y := today.Year; y <= today.AddDays(CoverageHorizon).Year; y++ {
		if !has[y] {
			out = append(out, y)
		}
	}
	return out
}
