package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"ggzy/schedule"
)

// A clarification that moves the opening moves the opening room's booking
// with it; what it cannot move (the room is taken at the new time, or an
// evaluation booked before the new opening) is said to the agency, for
// staff to arrange. (The booking stayed at the old time, and nobody was
// told.)
func TestClarificationMovesTheOpeningBooking(t *testing.T) {
	e := newEnv(t)
	staffAPI := e.api("staff")
	openRoom, _ := scheduleRoom(t, staffAPI, schedule.KindOpening)
	otherRoom, otherName := scheduleRoom(t, staffAPI, schedule.KindOpening)
	evalRoom, evalName := scheduleRoom(t, staffAPI, schedule.KindEvaluation)
	p1 := publishProject(t, e, uniqueTitle("开标顺延测试工程"))
	p2 := publishProject(t, e, uniqueTitle("开标顺延冲突工程"))
	book := func(room, project int64, kind, from, to string) int64 {
		t.Helper()
		r := staffAPI.json(http.MethodPost, "/api/v1/bookings", map[string]any{"room_id": room, "project_id": project, "event_kind": kind,
			"title": "顺延测试", "starts_at": from, "ends_at": to})
		if r.Code != http.StatusCreated {
			t.Fatalf("book %s %s: %d %s", kind, from, r.Code, r.Body.String())
		}
		var b struct{ ID int64 }
		r.decode(t, &b)
		return b.ID
	}
	open1 := book(openRoom, p1.ID, "opening", "2026-03-30 09:30", "2026-03-30 11:00")
	book(evalRoom, p1.ID, "evaluation", "2026-03-30 13:30", "2026-03-30 17:00")
	open2 := book(otherRoom, p2.ID, "opening", "2026-03-30 09:30", "2026-03-30 11:00")
	book(otherRoom, bookingProject(t, e, "engineering"), "opening", "2026-04-08 09:00", "2026-04-08 11:30") // another project, at the new time

	e.clock.Set(sh("2026-03-20 10:00"))
	ag := e.api("agency")
	clarify := func(p createdProject) (string, []string) {
		t.Helper()
		r := ag.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/clarifications", p.ID), map[string]any{"text": "工程量清单更正，开标顺延", "deadline": "2026-04-08 09:30"})
		if r.Code != http.StatusCreated {
			t.Fatalf("clarify: %d %s", r.Code, r.Body.String())
		}
		var out struct {
			Deadline string   `json:"deadline"`
			Warnings []string `json:"warnings"`
		}
		r.decode(t, &out)
		return out.Deadline, out.Warnings
	}
	startOf := func(id int64) time.Time {
		t.Helper()
		var at time.Time
		if err := e.db.Get(&at, `SELECT starts_at FROM room_bookings WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		return at
	}

	d, warnings := clarify(p1)
	if d != "2026-04-08 09:30" || !startOf(open1).Equal(sh("2026-04-08 09:30")) {
		t.Fatalf("opening booking after the clarification: %s (deadline %s)", startOf(open1), d)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], evalName) || !strings.Contains(warnings[0], "早于新的开标时间") {
		t.Fatalf("warnings: %q, want the evaluation booked before the new opening", warnings)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'booking.move' AND object_id = ? AND actor = 'agency'`, fmt.Sprint(open1)); n != 1 {
		t.Fatalf("move audited %d times", n)
	}

	_, warnings = clarify(p2)
	if !startOf(open2).Equal(sh("2026-03-30 09:30")) {
		t.Fatalf("a booking whose room is taken at the new time moved to %s", startOf(open2))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], otherName) || !strings.Contains(warnings[0], "未能随开标时间顺延") {
		t.Fatalf("warnings: %q, want the opening room that is taken", warnings)
	}

	// The page says it too: the opening booking left at the old time is
	// now before the (again) moved opening.
	b := e.browser("agency")
	r := b.postForm(fmt.Sprintf("/agency/projects/%d/clarify", p2.ID), map[string][]string{"text": {"再次更正"}, "deadline": {"2026-04-09 09:30"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("clarification form: %d %s", r.Code, r.Body.String())
	}
	if page := b.get(r.Header().Get("Location")).Body.String(); !strings.Contains(page, otherName) || !strings.Contains(page, "请联系交易中心") {
		t.Fatal("the project page does not say what staff must arrange")
	}
}
