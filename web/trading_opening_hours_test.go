package web

import (
	"fmt"
	"net/http"
	"testing"

	"ggzy/schedule"
)

// A deadline — the opening — outside the hours of the centre's opening
// and auction rooms (a typing slip: 03:00) is refused at submission, naming
// the hours; inside them it is taken.
func TestDeadlineWithinTheRoomsHours(t *testing.T) {
	e := newEnv(t)
	scheduleRoom(t, e.api("staff"), schedule.KindOpening) // 08:30–17:30, as the rooms of the other tests
	ag := e.api("agency")
	submit := func(deadline string) response {
		t.Helper()
		body := engineeringProject(uniqueTitle("开标时段测试工程"))
		body["timeline"].(map[string]string)["deadline"] = deadline
		r := ag.json(http.MethodPost, "/api/v1/projects", body)
		if r.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Code, r.Body.String())
		}
		var p struct{ ID int64 }
		r.decode(t, &p)
		return ag.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	}
	// The span of the rooms as the database holds them (other tests of the
	// package add rooms too).
	var span struct {
		From  int `db:"f"`
		Until int `db:"u"`
	}
	if err := e.db.Get(&span, `SELECT MIN(open_minute) AS f, MAX(close_minute) AS u FROM rooms WHERE active = 1 AND kind IN ('opening', 'auction')`); err != nil {
		t.Fatal(err)
	}
	at := func(m int) string { return fmt.Sprintf("2026-03-30 %02d:%02d", m/60, m%60) }
	for _, m := range []int{3 * 60, span.From - 30, span.Until, span.Until + 225} {
		if f := fieldErr(t, submit(at(m)), "deadline"); f.Code != "deadline_outside_hours" {
			t.Errorf("deadline %s (rooms %s–%s): %+v", at(m), at(span.From), at(span.Until), f)
		}
	}
	for _, at := range []string{at(span.From), at(span.Until - 1)} {
		if r := submit(at); r.Code != http.StatusOK {
			t.Errorf("deadline %s: %d %s", at, r.Code, r.Body.String())
		}
	}
}
