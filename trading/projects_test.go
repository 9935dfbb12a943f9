package trading

import (
	"strings"
	"testing"
	"time"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/money"
)

func FuzzParseLocalTime(f *testing.F) {
	for _, s := range []string{"2026-04-01 09:30", "2026-04-01T09:30", "2026-04-01T09:30:05", "2026-13-01 09:30", "", "明天", "2026-04-01T01:30:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseLocalTime(s)
		if err != nil {
			return
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Fatalf("%q parsed to a non-UTC time %v", s, got)
		}
	})
}

func TestParseLocalTimeIsBeijing(t *testing.T) {
	got, err := ParseLocalTime("2026-04-01 09:30")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 4, 1, 1, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestCheckRulesWorkingDays: 5 工作日 of documents from Friday 2026-04-03,
// over the Qingming holiday (04-04 to 04-06, Saturday to Monday), run to
// Monday 04-13 (04-07, 08, 09, 10, 13); plain weekdays would give 04-10.
func TestCheckRulesWorkingDays(t *testing.T) {
	cal := calendar.New(calendar.Seed2025And2026())
	rs := &RuleSet{Rules: []Rule{
		{ID: "proc.docs_period", Kind: Procurement, CheckType: "period", Anchor: "docs_from", Target: "docs_until", DayKind: "working", Days: 5, Action: "block"},
		{ID: "proc.deposit_cap", Kind: Procurement, CheckType: "deposit_cap", RatePPM: 20000, Action: "block"},
	}}
	at := func(s string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", s, clock.Shanghai)
		return t.UTC()
	}
	p := &Project{Kind: Procurement, Method: "open", Timeline: Timeline{DocsFrom: at("2026-04-03 09:00"), DocsUntil: at("2026-04-10 17:00")},
		Lots: []Lot{{Price: money.FromYuan(1_000_000), Deposit: money.FromYuan(20_000)}}}
	fs := checkRules(rs, cal, p, nil)
	if len(fs) != 1 || fs[0].RuleID != "proc.docs_period" || fs[0].Field != "docs_until" {
		t.Fatalf("findings %+v", fs)
	}
	if fs[0].Message == "" || !contains(fs[0].Message, "2026-04-13") {
		t.Errorf("message %q should name the earliest allowed day", fs[0].Message)
	}
	p.Timeline.DocsUntil = at("2026-04-13 17:00")
	p.Lots[0].Deposit++
	fs = checkRules(rs, cal, p, nil)
	if len(fs) != 1 || fs[0].RuleID != "proc.deposit_cap" || fs[0].Field != "lot1_deposit" {
		t.Fatalf("findings %+v", fs)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
