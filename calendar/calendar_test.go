package calendar

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func seeded() *Calendar { return New(Seed2025And2026()) }

func TestIsWorkingDay(t *testing.T) {
	c := seeded()
	tests := []struct {
		date string
		want bool
	}{
		{"2025-01-01", false}, // 元旦, Wednesday
		{"2025-01-02", true},
		{"2025-01-26", true}, // Sunday, 调休
		{"2025-01-27", true},
		{"2025-01-28", false}, // 春节
		{"2025-02-04", false},
		{"2025-02-05", true},
		{"2025-02-08", true}, // Saturday, 调休
		{"2025-02-09", false},
		{"2025-04-04", false},
		{"2025-04-27", true},
		{"2025-05-05", false},
		{"2025-05-06", true},
		{"2025-06-02", false}, // 端午, Monday
		{"2025-09-28", true},
		{"2025-10-08", false},
		{"2025-10-09", true},
		{"2025-10-11", true},
		{"2026-01-02", false},
		{"2026-01-04", true}, // Sunday, 调休
		{"2026-02-13", true},
		{"2026-02-14", true}, // Saturday, 调休
		{"2026-02-15", false},
		{"2026-02-23", false},
		{"2026-02-24", true},
		{"2026-02-28", true},
		{"2026-05-09", true},
		{"2026-06-19", false},
		{"2026-09-20", true},
		{"2026-09-25", false},
		{"2026-10-07", false},
		{"2026-10-08", true},
		{"2026-10-10", true},
		{"2026-10-11", false}, // ordinary Sunday
		{"2026-10-12", true},
		{"2027-10-01", true}, // no schedule for 2027: plain Friday
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			if got := c.IsWorkingDay(d(tt.date)); got != tt.want {
				t.Errorf("IsWorkingDay = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := seeded()
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"Friday before 春节 + 1 is the 调休 Saturday", "2026-02-13", 1, "2026-02-14"},
		{"then past the holiday", "2026-02-13", 2, "2026-02-24"},
		{"from the 调休 Saturday", "2026-02-14", 1, "2026-02-24"},
		{"zero on a working day", "2026-02-13", 0, "2026-02-13"},
		{"zero on a holiday", "2026-02-15", 0, "2026-02-24"},
		{"zero on a 调休 Saturday", "2026-02-14", 0, "2026-02-14"},
		{"zero on an ordinary Sunday", "2026-03-01", 0, "2026-03-02"},
		{"20 across 国庆 2026", "2026-09-30", 20, "2026-11-03"},
		{"5 across 国庆 2025, with the 调休 Saturday", "2025-09-30", 5, "2025-10-14"},
		{"1 across 国庆 2025", "2025-09-30", 1, "2025-10-09"},
		{"plain week", "2026-03-02", 5, "2026-03-09"},
		{"into 2025 调休 Sunday", "2025-01-24", 1, "2025-01-26"},
		{"back 1 from 春节 end", "2026-02-24", -1, "2026-02-14"},
		{"back 2", "2026-02-24", -2, "2026-02-13"},
		{"back across 国庆", "2026-11-03", -20, "2026-09-30"},
		{"back from Monday", "2026-03-09", -1, "2026-03-06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.AddWorkingDays(d(tt.from), tt.n); got != d(tt.want) {
				t.Errorf("AddWorkingDays(%s, %d) = %v, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := seeded()
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-02-13", "2026-02-13", 0},
		{"2026-02-13", "2026-02-14", 1},
		{"2026-02-13", "2026-02-23", 1},
		{"2026-02-13", "2026-02-24", 2},
		{"2026-09-30", "2026-11-03", 20},
		{"2026-11-03", "2026-09-30", -20},
		{"2026-03-06", "2026-03-09", 1}, // Friday to Monday
		{"2026-03-09", "2026-03-06", -1},
		{"2024-12-31", "2025-12-31", 248}, // the 248 working days of 2025
	}
	for _, tt := range tests {
		t.Run(tt.from+"_"+tt.to, func(t *testing.T) {
			if got := c.WorkingDaysBetween(d(tt.from), d(tt.to)); got != tt.want {
				t.Errorf("WorkingDaysBetween = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestAddWorkingDaysInverse(t *testing.T) {
	c := seeded()
	for start := d("2025-01-01"); start.Before(d("2026-12-31")); start = start.AddDays(7) {
		for _, n := range []int{1, 3, 10, 20} {
			t.Run(fmt.Sprintf("%v+%d", start, n), func(t *testing.T) {
				end := c.AddWorkingDays(start, n)
				if got := c.WorkingDaysBetween(start, end); got != n {
					t.Errorf("between = %d", got)
				}
				if !c.IsWorkingDay(end) {
					t.Errorf("%v is not a working day", end)
				}
				if c.IsWorkingDay(start) && c.AddWorkingDays(end, -n) != start {
					t.Errorf("back from %v = %v", end, c.AddWorkingDays(end, -n))
				}
			})
		}
	}
}

func TestAddDays(t *testing.T) {
	c := seeded()
	tests := []struct {
		from string
		n    int
		kind DayCount
		want string
	}{
		{"2026-09-30", 20, CalendarDays, "2026-10-20"},
		{"2026-09-30", 20, WorkingDays, "2026-11-03"},
		{"2026-09-25", 5, CalendarDays, "2026-09-30"},
		{"2026-09-25", 5, WorkingDays, "2026-10-09"}, // 9-28, 9-29, 9-30, 10-8, 10-9
		{"2026-10-01", -1, CalendarDays, "2026-09-30"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s+%d%s", tt.from, tt.n, tt.kind), func(t *testing.T) {
			if got := c.AddDays(d(tt.from), tt.n, tt.kind); got != d(tt.want) {
				t.Errorf("AddDays = %v, want %s", got, tt.want)
			}
		})
	}
	t.Run("unknown kind panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		c.AddDays(d("2026-01-01"), 1, DayCount(7))
	})
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{CalendarDays.String(), "日"},
		{WorkingDays.String(), "工作日"},
		{DayCount(9).String(), "DayCount(9)"},
		{Holiday.String(), "法定节假日"},
		{Workday.String(), "调休上班"},
		{DayKind(0).String(), "DayKind(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q", tt.got)
			}
		})
	}
}

func TestNew(t *testing.T) {
	entries := []Entry{
		{Date: d("2026-03-02"), Kind: Holiday, Name: "first"},
		{Date: d("2026-03-02"), Kind: Workday, Name: "second"}, // later wins
		{Date: d("2026-03-03"), Kind: DayKind(0), Name: "ignored"},
		{Date: Date{2026, time.February, 30}, Kind: Holiday, Name: "not a day"},
		{Date: d("2026-03-07"), Kind: Workday, Name: "saturday"},
	}
	c := New(entries)
	entries[4].Kind = Holiday // New copies
	tests := []struct {
		date      string
		working   bool
		name      string
		hasRecord bool
	}{
		{"2026-03-02", true, "second", true},
		{"2026-03-03", true, "", false},
		{"2026-03-07", true, "saturday", true},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			if got := c.IsWorkingDay(d(tt.date)); got != tt.working {
				t.Errorf("IsWorkingDay = %v", got)
			}
			e, ok := c.Lookup(d(tt.date))
			if ok != tt.hasRecord || e.Name != tt.name {
				t.Errorf("Lookup = %+v, %v", e, ok)
			}
		})
	}
	if got := len(c.Entries()); got != 2 {
		t.Errorf("Entries = %d", got)
	}
	if got := New(nil).IsWorkingDay(d("2026-10-01")); !got {
		t.Error("empty calendar: Thursday not working")
	}
}

func TestSeed(t *testing.T) {
	entries := Seed2025And2026()
	c := New(entries)
	if len(c.Entries()) != len(entries) {
		t.Fatalf("duplicate dates in seed: %d entries, %d dates", len(entries), len(c.Entries()))
	}
	if got := c.Years(); !slices.Equal(got, []int{2025, 2026}) {
		t.Errorf("Years = %v", got)
	}
	var workdays []string
	holidays := map[int]int{}
	for _, e := range c.Entries() {
		if e.Name == "" {
			t.Errorf("%v has no name", e.Date)
		}
		switch e.Kind {
		case Workday:
			if wd := e.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("调休 %v is a %v", e.Date, wd)
			}
			workdays = append(workdays, e.Date.String())
		case Holiday:
			holidays[e.Date.Year]++
		}
	}
	want := []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
		"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}
	if !slices.Equal(workdays, want) {
		t.Errorf("workdays = %v, want %v", workdays, want)
	}
	// 2025: 1+8+3+5+3+8 = 28 days off; 2026: 3+9+3+5+3+3+7 = 33.
	if holidays[2025] != 28 || holidays[2026] != 33 {
		t.Errorf("holiday days = %v", holidays)
	}
	names := map[string]string{
		"2025-01-01": "元旦", "2025-01-28": "春节", "2025-04-06": "清明节", "2025-05-03": "劳动节",
		"2025-05-31": "端午节", "2025-10-06": "国庆节、中秋节", "2026-02-23": "春节",
		"2026-06-21": "端午节", "2026-09-27": "中秋节", "2026-10-07": "国庆节",
	}
	for date, name := range names {
		t.Run(date, func(t *testing.T) {
			e, ok := c.Lookup(d(date))
			if !ok || e.Kind != Holiday || e.Name != name {
				t.Errorf("Lookup = %+v, %v; want Holiday %s", e, ok, name)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	c := seeded()
	want := c.AddWorkingDays(d("2026-09-30"), 20)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := c.AddWorkingDays(d("2026-09-30"), 20); got != want {
				t.Errorf("got %v", got)
			}
		})
	}
	wg.Wait()
}

func TestMissingYears(t *testing.T) {
	c := seeded()
	day := func(s string) Date {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		today string
		want  []int
	}{
		{"2026-03-02", nil},         // the horizon ends in 2026
		{"2026-09-01", nil},         // 120 days: still 2026
		{"2026-11-22", []int{2027}}, // a deadline set today can land in 2027
		{"2027-06-01", []int{2027}}, // nothing for 2027 at all
		{"2027-10-01", []int{2027, 2028}},
	} {
		if got := c.MissingYears(day(tc.today)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: missing %v, want %v", tc.today, got, tc.want)
		}
	}
	// A year whose schedule holds only 调休 workdays is not covered.
	if got := New([]Entry{{Date: day("2027-02-06"), Kind: Workday, Name: "春节"}}).MissingYears(day("2027-01-10")); !slices.Equal(got, []int{2027}) {
		t.Errorf("workdays only: %v", got)
	}
}
