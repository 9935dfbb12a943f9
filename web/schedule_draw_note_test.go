package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestEvaluationBookingMovedWarnsOfExpertDraw: moving or cancelling the
// evaluation booking of a project whose experts were drawn for that time
// tells staff that the experts were invited for the old time and are not
// told by the booking (nothing linked the two).
func TestEvaluationBookingMovedWarnsOfExpertDraw(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 6, "GC08")
	l := newDrawLot(t, e, 0)
	body := drawBody(e, region, l, "GC08", 5, 0)
	draw := prepareDraw(t, st, body)
	mustOK(t, st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", draw), map[string]any{"sources": []string{"9 9"}}))
	room, _ := scheduleRoom(t, st, "evaluation")
	start, _ := time.Parse(time.RFC3339, body["session_start"].(string))
	local := func(t time.Time) string { return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04") }
	r := st.json(http.MethodPost, "/api/v1/bookings", map[string]any{"room_id": room, "project_id": l.project, "event_kind": "evaluation",
		"starts_at": local(start), "ends_at": local(start.Add(6 * time.Hour))})
	if r.Code != http.StatusCreated {
		t.Fatalf("book: %d %s", r.Code, r.Body.String())
	}
	var b struct{ ID int64 }
	r.decode(t, &b)

	page := e.browser("staff")
	next := start.Add(22 * time.Hour) // the next morning
	r = page.postForm(fmt.Sprintf("/schedule/bookings/%d/move", b.ID), url.Values{"starts_at": {local(next)}, "ends_at": {local(next.Add(6 * time.Hour))}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("move: %d %s", r.Code, r.Body.String())
	}
	if body := page.get(r.Header().Get("Location")).Body.String(); !strings.Contains(body, fmt.Sprintf("专家抽取 %d 通知专家的评标时间为 %s", draw, local(start))) {
		t.Fatalf("moving the evaluation should warn of the draw's session:\n%s", body)
	}
	// Back to the draw's time: nothing to say.
	r = page.postForm(fmt.Sprintf("/schedule/bookings/%d/move", b.ID), url.Values{"starts_at": {local(start)}, "ends_at": {local(start.Add(6 * time.Hour))}})
	if body := page.get(r.Header().Get("Location")).Body.String(); r.Code != http.StatusSeeOther || strings.Contains(body, "通知专家的评标时间") {
		t.Fatalf("a booking that matches the draw again warns: %d", r.Code)
	}
	r = page.postForm(fmt.Sprintf("/schedule/bookings/%d/cancel", b.ID), url.Values{"reason": {"项目暂停"}})
	if body := page.get(r.Header().Get("Location")).Body.String(); r.Code != http.StatusSeeOther || !strings.Contains(body, fmt.Sprintf("专家抽取 %d", draw)) {
		t.Fatalf("cancelling the evaluation should warn of the draw: %d", r.Code)
	}
}
