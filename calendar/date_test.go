package calendar

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2026-10-01", Date{2026, time.October, 1}, true},
		{"2024-02-29", Date{2024, time.February, 29}, true},
		{"0001-01-01", Date{1, time.January, 1}, true},
		{"9999-12-31", Date{9999, time.December, 31}, true},
		{"2025-02-29", Date{}, false},
		{"2026-13-01", Date{}, false},
		{"2026-00-10", Date{}, false},
		{"2026-04-31", Date{}, false},
		{"2026-10-00", Date{}, false},
		{"0000-01-01", Date{}, false},
		{"2026-1-01", Date{}, false},
		{"2026/10/01", Date{}, false},
		{"20261001", Date{}, false},
		{"2026-10-01 ", Date{}, false},
		{"+026-10-01", Date{}, false},
		{"２026-10-01", Date{}, false},
		{"", Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if !tt.ok {
				var e *Error
				if !errors.As(err, &e) || e.Code() != CodeDateInvalid || e.Message() == "" {
					t.Fatalf("got %v, %v; want date_invalid", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String = %q", got.String())
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		n        int
		want     string
		weekday  time.Weekday // of want
		daysDiff int
	}{
		{"next day", "2026-02-13", 1, "2026-02-14", time.Saturday, 1},
		{"month end", "2026-01-31", 1, "2026-02-01", time.Sunday, 1},
		{"leap day", "2024-02-28", 1, "2024-02-29", time.Thursday, 1},
		{"year end", "2025-12-31", 1, "2026-01-01", time.Thursday, 1},
		{"back", "2026-03-01", -1, "2026-02-28", time.Saturday, -1},
		{"twenty days", "2026-09-30", 20, "2026-10-20", time.Tuesday, 20},
		{"a year", "2025-01-01", 365, "2026-01-01", time.Thursday, 365},
		{"zero", "2026-10-01", 0, "2026-10-01", time.Thursday, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d(tt.from).AddDays(tt.n)
			if got != d(tt.want) {
				t.Fatalf("AddDays = %v, want %v", got, tt.want)
			}
			if got.Weekday() != tt.weekday {
				t.Errorf("Weekday = %v, want %v", got.Weekday(), tt.weekday)
			}
			if n := d(tt.from).DaysUntil(got); n != tt.daysDiff {
				t.Errorf("DaysUntil = %d, want %d", n, tt.daysDiff)
			}
		})
	}
}

func TestDaysUntilFarApart(t *testing.T) {
	if n := d("0001-01-01").DaysUntil(d("9999-12-31")); n != 3652058 {
		t.Errorf("DaysUntil = %d", n)
	}
	if n := d("1970-01-01").days(); n != 0 {
		t.Errorf("epoch = %d", n)
	}
}

func TestCompare(t *testing.T) {
	a, b := d("2026-02-13"), d("2026-02-14")
	tests := []struct {
		name          string
		x, y          Date
		cmp           int
		before, after bool
	}{
		{"earlier", a, b, -1, true, false},
		{"later", b, a, 1, false, true},
		{"same", a, a, 0, false, false},
		{"across years", d("2025-12-31"), d("2026-01-01"), -1, true, false},
		{"unnormalised equals normal", Date{2026, time.February, 29}, d("2026-03-01"), 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.x.Compare(tt.y); got != tt.cmp {
				t.Errorf("Compare = %d", got)
			}
			if tt.x.Before(tt.y) != tt.before || tt.x.After(tt.y) != tt.after {
				t.Errorf("Before/After = %v/%v", tt.x.Before(tt.y), tt.x.After(tt.y))
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no Asia/Shanghai zone data:", err)
	}
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want string
	}{
		{"UTC evening is next day in Shanghai", time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC), shanghai, "2026-10-01"},
		{"UTC evening in UTC", time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC), time.UTC, "2026-09-30"},
		{"just before midnight Shanghai", time.Date(2026, 9, 30, 15, 59, 59, 0, time.UTC), shanghai, "2026-09-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DateOf(tt.t, tt.loc); got != d(tt.want) {
				t.Errorf("DateOf = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("In", func(t *testing.T) {
		got := d("2026-10-01").In(shanghai)
		if want := time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("In = %v, want %v", got, want)
		}
	})
}

func TestDateValidity(t *testing.T) {
	tests := []struct {
		d     Date
		valid bool
	}{
		{Date{2026, time.February, 28}, true},
		{Date{2026, time.February, 29}, false},
		{Date{2026, 13, 1}, false},
		{Date{2026, 0, 1}, false},
		{Date{2026, time.January, 0}, false},
		{Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if tt.d.IsValid() != tt.valid {
				t.Errorf("IsValid = %v", !tt.valid)
			}
		})
	}
	if !(Date{}).IsZero() || d("2026-01-01").IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestDateText(t *testing.T) {
	type form struct {
		Due Date `json:"due"`
	}
	b, err := json.Marshal(form{d("2026-10-08")})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"due":"2026-10-08"}` {
		t.Errorf("json = %s", b)
	}
	var f form
	if err := json.Unmarshal(b, &f); err != nil || f.Due != d("2026-10-08") {
		t.Errorf("unmarshal = %v, %v", f.Due, err)
	}
	if err := json.Unmarshal([]byte(`{"due":"2026-02-30"}`), &f); err == nil {
		t.Error("bad date accepted")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-10-01", "2024-02-29", "2025-02-29", "", "9999-12-31", "0000-00-00", "2026-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseDate(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !v.IsValid() || v.String() != s {
			t.Fatalf("%q parsed as %v", s, v)
		}
		if next := v.AddDays(1); v.DaysUntil(next) != 1 || !next.After(v) {
			t.Fatalf("%v + 1 = %v", v, next)
		}
	})
}
