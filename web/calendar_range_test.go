package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The admin enters a year's holidays as the State Council's notice gives
// them: a run of days off in one entry, the adjusted working weekends too.
func TestCalendarRunOfDays(t *testing.T) {
	e := newEnv(t)
	// A year no other test counts working days in; put back afterwards.
	t.Cleanup(func() {
		if _, err := e.db.Exec(`DELETE FROM calendar_days WHERE day >= '2039-01-01' AND day < '2040-01-01'`); err != nil {
			t.Fatal(err)
		}
	})
	adm := e.browser("admin")
	before := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'calendar.set' AND object_id LIKE '2039-%'`)
	r := adm.postForm("/admin/calendar", url.Values{"date": {"2039-01-24"}, "to": {"2039-01-30"}, "kind": {"holiday"}, "name": {"春节"}})
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/admin/calendar?year=2039") {
		t.Fatalf("a run of days off: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM calendar_days WHERE day BETWEEN '2039-01-24' AND '2039-01-30' AND kind = 'holiday' AND name = '春节'`); n != 7 {
		t.Fatalf("%d days set, want 7", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'calendar.set' AND object_id LIKE '2039-%'`); n != before+7 {
		t.Fatalf("%d audit events, want one per day", n-before)
	}
	// Working days see the run: 2039-01-21 is a Friday; the next working
	// day is Monday the 31st.
	var wd struct {
		Date string `json:"date"`
	}
	if r := e.api("agency").get("/api/v1/calendar/working-days?from=2039-01-21&days=1&kind=working"); r.Code != http.StatusOK {
		t.Fatalf("working days: %d %s", r.Code, r.Body.String())
	} else if r.decode(t, &wd); wd.Date != "2039-01-31" {
		t.Fatalf("one working day after 2039-01-21: %s, want 2039-01-31", wd.Date)
	}
	// Adjusted working weekends through the API; a weekday among them is
	// refused, naming it, and nothing of the run is written.
	ad := e.api("admin")
	if r := ad.json(http.MethodPut, "/api/v1/calendar/days/2039-01-22", map[string]string{"to": "2039-01-23", "kind": "workday", "name": "春节调休"}); r.Code != http.StatusNoContent {
		t.Fatalf("two working weekend days: %d %s", r.Code, r.Body.String())
	}
	r = ad.json(http.MethodPut, "/api/v1/calendar/days/2039-02-05", map[string]string{"to": "2039-02-07", "kind": "workday", "name": "调休"})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "2039-02-07") {
		t.Fatalf("a run of working days with a Monday: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM calendar_days WHERE day BETWEEN '2039-02-05' AND '2039-02-07'`); n != 0 {
		t.Fatalf("a refused run wrote %d days", n)
	}
	for _, tc := range []struct {
		to, field, code string
	}{
		{"2039-01-01", "to", "date_range_invalid"},
		{"2039-03-30", "to", "date_range_too_long"},
		{"2039-02-30", "to", ""},
	} {
		r := ad.json(http.MethodPut, "/api/v1/calendar/days/2039-02-01", map[string]string{"to": tc.to, "kind": "holiday", "name": "测试"})
		var ae apiError
		if r.Code != http.StatusBadRequest {
			t.Errorf("to %s: %d", tc.to, r.Code)
			continue
		}
		if r.decode(t, &ae); !hasField(ae, tc.field, tc.code) {
			t.Errorf("to %s: %s, want %s on %s", tc.to, r.Body.String(), tc.code, tc.field)
		}
	}
	if r := adm.postForm("/admin/calendar", url.Values{"date": {"2039-02-01"}, "to": {"2039-01-01"}, "kind": {"holiday"}, "name": {"测试"}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Body.String(), "结束日期不能早于开始日期") {
		t.Fatalf("page with a run ending before it starts: %d", r.Code)
	}
}
