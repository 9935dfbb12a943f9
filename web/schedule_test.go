package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ggzy/schedule"
)

var schedSeq atomic.Int64

// scheduleRoom creates a room through the API and returns its id.
func scheduleRoom(t *testing.T, c *client, kind string) (int64, string) {
	t.Helper()
	n := schedSeq.Add(1)
	name := fmt.Sprintf("网测%s%d", schedule.RoomKindNames[kind], n)
	r := c.json(http.MethodPost, "/api/v1/rooms", map[string]any{"code": fmt.Sprintf("W-%s-%d", kind[:2], n), "name": name, "kind": kind,
		"capacity": 12, "equipment": "录音录像", "opens": "08:30", "closes": "17:30"})
	if r.Code != http.StatusCreated {
		t.Fatalf("create room: %d %s", r.Code, r.Body.String())
	}
	var room struct{ ID int64 }
	r.decode(t, &room)
	return room.ID, name
}

// bookingProject writes a trading project of kind handed to the centre
// (submitted), for room bookings, and returns its id.
func bookingProject(t testing.TB, e *env, kind string) int64 {
	t.Helper()
	method := map[string]string{"engineering": "open", "procurement": "open", "land": "auction", "property": "auction"}[kind]
	var agency int64
	if err := e.db.Get(&agency, `SELECT org_id FROM users WHERE username = 'agency'`); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().UTC()
	res, err := e.db.Exec(`INSERT INTO trading_projects (kind, method, title, agency_org_id, locality, status, details, eligibility, created_at, updated_at)
		VALUES (?, ?, '场地预约测试项目', ?, '示范县', 'submitted', '{}', '[]', ?, ?)`, kind, method, agency, now, now)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

// projectIn is a bookingProject moved to status.
func projectIn(t testing.TB, e *env, status string) int64 {
	t.Helper()
	id := bookingProject(t, e, "engineering")
	if _, err := e.db.Exec(`UPDATE trading_projects SET status = ? WHERE id = ?`, status, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A recording names an existing room and a registered project, if any.
func TestRecordingsNameWhatExists(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	body := func(project int64) map[string]any {
		return map[string]any{"class": "opening_video", "ref": "rec/opening-1.mp4", "recorded_at": "2026-03-01 10:00", "project_id": project}
	}
	for _, p := range []int64{-5, 1 << 40} {
		if r := st.json("POST", "/api/v1/recordings", body(p)); r.Code != http.StatusBadRequest || fieldCodes(t, r)["project_id"] != "project_not_found" {
			t.Errorf("project %d: %d %s", p, r.Code, r.Body.String())
		}
	}
	if r := st.json("POST", "/api/v1/recordings", body(bookingProject(t, e, "engineering"))); r.Code != http.StatusCreated {
		t.Errorf("a registered project: %d %s", r.Code, r.Body.String())
	}
}

func TestScheduleAPIBookingsAndConflicts(t *testing.T) {
	e := newEnv(t)
	staffAPI := e.api("staff")
	roomID, roomName := scheduleRoom(t, staffAPI, schedule.KindEvaluation)
	p501, p502 := bookingProject(t, e, "engineering"), bookingProject(t, e, "engineering")

	r := staffAPI.json(http.MethodPost, "/api/v1/bookings", map[string]any{"room_id": roomID, "project_id": p501, "event_kind": "evaluation",
		"title": "某某道路工程施工", "starts_at": "2026-03-03 09:00", "ends_at": "2026-03-03 11:00"})
	if r.Code != http.StatusCreated {
		t.Fatalf("book: %d %s", r.Code, r.Body.String())
	}
	var first schedule.Booking
	r.decode(t, &first)
	if first.BufferMinutes != schedule.DefaultBufferMinutes || first.RoomName != roomName {
		t.Fatalf("booking %+v", first)
	}

	bad := []struct {
		name string
		body map[string]any
		code string
		want int
	}{
		{"overlap", map[string]any{"room_id": roomID, "project_id": p502, "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-03-03 10:00", "ends_at": "2026-03-03 12:00"}, "booking_overlap", http.StatusConflict},
		{"holiday", map[string]any{"room_id": roomID, "project_id": p502, "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-10-02 10:00", "ends_at": "2026-10-02 12:00"}, "not_working_day", http.StatusBadRequest},
		{"after hours", map[string]any{"room_id": roomID, "project_id": p502, "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-03-03 17:00", "ends_at": "2026-03-03 18:00"}, "outside_opening_hours", http.StatusBadRequest},
		{"end before start", map[string]any{"room_id": roomID, "project_id": p502, "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-03-03 15:00", "ends_at": "2026-03-03 14:00"}, "validation_failed", http.StatusBadRequest},
		{"unknown room", map[string]any{"room_id": 987654321, "project_id": p502, "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-03-03 14:00", "ends_at": "2026-03-03 15:00"}, "room_not_found", http.StatusBadRequest},
		{"unknown event", map[string]any{"room_id": roomID, "project_id": p502, "event_kind": "wedding", "title": "另一项目", "starts_at": "2026-03-03 14:00", "ends_at": "2026-03-03 15:00"}, "validation_failed", http.StatusBadRequest},
		{"wrong type", map[string]any{"room_id": "one", "project_id": p502}, "field_type", http.StatusBadRequest},
		{"unknown project", map[string]any{"room_id": roomID, "project_id": p502 + 1_000_000, "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-03-03 14:00", "ends_at": "2026-03-03 15:00"}, "project_not_found", http.StatusBadRequest},
		{"a project returned to its agency", map[string]any{"room_id": roomID, "project_id": projectIn(t, e, "returned"), "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-03-03 14:00", "ends_at": "2026-03-03 15:00"}, "project_not_found", http.StatusBadRequest},
		{"a finished project", map[string]any{"room_id": roomID, "project_id": projectIn(t, e, "result"), "event_kind": "evaluation", "title": "另一项目", "starts_at": "2026-03-03 14:00", "ends_at": "2026-03-03 15:00"}, "project_finished", http.StatusBadRequest},
		{"auction of an engineering project", map[string]any{"room_id": roomID, "project_id": p502, "event_kind": "auction", "title": "另一项目", "starts_at": "2026-03-03 14:00", "ends_at": "2026-03-03 15:00"}, "event_kind_mismatch", http.StatusBadRequest},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := staffAPI.json(http.MethodPost, "/api/v1/bookings", tc.body)
			if r.Code != tc.want || r.errorCode(t) != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.Code, r.Body.String(), tc.want, tc.code)
			}
			if tc.code == "booking_overlap" && !strings.Contains(r.Body.String(), fmt.Sprintf("预约#%d", first.ID)) {
				t.Errorf("conflict does not name booking %d: %s", first.ID, r.Body.String())
			}
		})
	}

	second := staffAPI.json(http.MethodPost, "/api/v1/bookings", map[string]any{"room_id": roomID, "project_id": p502, "event_kind": "evaluation",
		"title": "另一项目", "starts_at": "2026-03-03 13:00", "ends_at": "2026-03-03 15:00", "buffer_minutes": 0})
	if second.Code != http.StatusCreated {
		t.Fatalf("second booking: %d %s", second.Code, second.Body.String())
	}
	var sb schedule.Booking
	second.decode(t, &sb)

	// The evaluation runs over.
	e.clock.Set(time.Date(2026, 3, 3, 2, 50, 0, 0, time.UTC)) // 10:50
	staffAPI = e.api("staff")                                 // the old session has expired
	r = staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/bookings/%d/extend", first.ID), map[string]any{"minutes": 60})
	if r.Code != http.StatusOK {
		t.Fatalf("extend: %d %s", r.Code, r.Body.String())
	}
	r = staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/bookings/%d/extend", first.ID), map[string]any{"minutes": 120})
	if r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), fmt.Sprintf("预约#%d", sb.ID)) || !strings.Contains(r.Body.String(), "最多可延长至 12:45") {
		t.Fatalf("extend into the next booking: %d %s", r.Code, r.Body.String())
	}
	r = staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/bookings/%d/move", sb.ID), map[string]any{"starts_at": "2026-03-04 13:00", "ends_at": "2026-03-04 15:00"})
	if r.Code != http.StatusOK {
		t.Fatalf("move: %d %s", r.Code, r.Body.String())
	}
	r = staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/bookings/%d/cancel", sb.ID), map[string]any{"reason": "评标改期"})
	if r.Code != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.Code, r.Body.String())
	}
	r = staffAPI.get(fmt.Sprintf("/api/v1/rooms/%d/bookings?from=2026-03-02&to=2026-03-09&cancelled=1", roomID))
	var list struct{ Bookings []schedule.Booking }
	r.decode(t, &list)
	if len(list.Bookings) != 2 || list.Bookings[1].State != schedule.BookingCancelled {
		t.Fatalf("bookings %+v", list.Bookings)
	}
	r = staffAPI.get(fmt.Sprintf("/api/v1/rooms/%d/bookings?from=2026-03-09&to=2026-03-02", roomID))
	if r.Code != http.StatusBadRequest || r.errorCode(t) != "range_invalid" {
		t.Fatalf("reversed range: %d %s", r.Code, r.Body.String())
	}
}

// A hall screen registered as a terminal sees the board without logging
// in, and is not shown the projects under evaluation.
func TestBoardFromTerminal(t *testing.T) {
	e := newEnv(t)
	staffAPI := e.api("staff")
	evalRoom, _ := scheduleRoom(t, staffAPI, schedule.KindEvaluation)
	openRoom, openName := scheduleRoom(t, staffAPI, schedule.KindOpening)
	p601, p602 := bookingProject(t, e, "engineering"), bookingProject(t, e, "procurement")
	for _, b := range []map[string]any{
		{"room_id": evalRoom, "project_id": p601, "event_kind": "evaluation", "title": "保密评标项目", "starts_at": "2026-03-02 10:00", "ends_at": "2026-03-02 12:00"},
		{"room_id": openRoom, "project_id": p602, "event_kind": "opening", "title": "公开开标项目", "starts_at": "2026-03-02 10:00", "ends_at": "2026-03-02 11:00"},
	} {
		if r := staffAPI.json(http.MethodPost, "/api/v1/bookings", b); r.Code != http.StatusCreated {
			t.Fatalf("book: %d %s", r.Code, r.Body.String())
		}
	}
	r := staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/rooms/%d/terminals", openRoom), map[string]any{"name": "大厅屏幕"})
	if r.Code != http.StatusCreated {
		t.Fatalf("register terminal: %d %s", r.Code, r.Body.String())
	}
	var term struct {
		ID    int64
		Token string
	}
	r.decode(t, &term)
	e.clock.Set(time.Date(2026, 3, 2, 2, 30, 0, 0, time.UTC)) // 10:30
	staffAPI = e.api("staff")

	screen := e.anon()
	if r := screen.get("/schedule/board"); r.Code != http.StatusSeeOther {
		t.Fatalf("board without terminal: %d", r.Code)
	}
	r = screen.postForm("/schedule/device", url.Values{"token": {"rt_wrong"}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "未登记") {
		t.Fatalf("wrong token: %d", r.Code)
	}
	r = screen.postForm("/schedule/device", url.Values{"token": {term.Token}})
	if r.Code != http.StatusSeeOther || screen.cookies[terminalCookie] == "" {
		t.Fatalf("activate: %d %v", r.Code, screen.cookies)
	}
	r = screen.get("/schedule/board")
	body := r.Body.String()
	if r.Code != http.StatusOK || !strings.Contains(body, openName) || !strings.Contains(body, "公开开标项目") ||
		!strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, "评审中") {
		t.Fatalf("board: %d %.2000s", r.Code, body)
	}
	if strings.Contains(body, "保密评标项目") {
		t.Fatal("the hall screen shows the project under evaluation")
	}

	api := e.anon()
	req := func(token string) response {
		h := httptest.NewRequest(http.MethodGet, "/api/v1/board", nil)
		h.Header.Set(terminalHeader, token)
		h.Header.Set("Accept", "application/json")
		return api.do(h)
	}
	if r := req(term.Token); r.Code != http.StatusOK || strings.Contains(r.Body.String(), "保密评标项目") || !strings.Contains(r.Body.String(), "公开开标项目") {
		t.Fatalf("API board from terminal: %d %s", r.Code, r.Body.String())
	}
	if r := staffAPI.get("/api/v1/board"); !strings.Contains(r.Body.String(), "保密评标项目") {
		t.Fatalf("staff see every project: %s", r.Body.String())
	}
	if r := staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/terminals/%d/revoke", term.ID), nil); r.Code != http.StatusNoContent {
		t.Fatalf("revoke: %d", r.Code)
	}
	if r := req(term.Token); r.Code != http.StatusUnauthorized {
		t.Fatalf("revoked terminal: %d", r.Code)
	}
}

// Staff pages: rooms, week and day calendars, booking form errors, the
// failed events page with its retry button.
func TestSchedulePages(t *testing.T) {
	e := newEnv(t)
	b := e.browser("staff")
	n := schedSeq.Add(1)
	r := b.postForm("/schedule/rooms", url.Values{"code": {fmt.Sprintf("P-%d", n)}, "name": {fmt.Sprintf("页面测试拍卖室%d", n)}, "kind": {"auction"},
		"capacity": {"80"}, "opens": {"08:30"}, "closes": {"17:30"}, "active": {"1"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create room: %d %s", r.Code, r.Body.String())
	}
	roomURL := r.Header().Get("Location")
	r = b.postForm("/schedule/rooms", url.Values{"code": {"坏"}, "kind": {"auction"}, "opens": {"x"}, "closes": {"17:30"}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "编号只能由") {
		t.Fatalf("bad room: %d", r.Code)
	}
	roomID := strings.TrimPrefix(roomURL, "/schedule/rooms/")
	landProject := bookingProject(t, e, "land")
	// The booking form lists the projects that may be booked by name.
	if body := b.get(roomURL).Body.String(); !strings.Contains(body, fmt.Sprintf(`<option value="%d" label="场地预约测试项目">`, landProject)) {
		t.Fatalf("the booking form should list the project by name:\n%s", body)
	}
	form := url.Values{"room_id": {roomID}, "project_id": {strconv.FormatInt(landProject, 10)}, "event_kind": {"auction"}, "title": {"国有土地使用权拍卖"},
		"starts_at": {"2026-03-05T09:30"}, "ends_at": {"2026-03-05T11:00"}}
	r = b.postForm("/schedule/bookings", form)
	if r.Code != http.StatusSeeOther || !strings.Contains(r.Header().Get("Location"), "view=day&date=2026-03-05") {
		t.Fatalf("book: %d %s", r.Code, r.Header().Get("Location"))
	}
	r = b.postForm("/schedule/bookings", form)
	if r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "该时段与已有预约冲突") {
		t.Fatalf("double booking: %d", r.Code)
	}
	form.Set("starts_at", "2026-04-06T09:30")
	form.Set("ends_at", "2026-04-06T11:00")
	r = b.postForm("/schedule/bookings", form)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "清明节") {
		t.Fatalf("holiday booking: %d", r.Code)
	}
	for _, u := range []string{roomURL + "?date=2026-03-05", roomURL + "?view=day&date=2026-03-05"} {
		r = b.get(u)
		if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "国有土地使用权拍卖") || !strings.Contains(r.Body.String(), "09:30–11:00") {
			t.Fatalf("GET %s: %d", u, r.Code)
		}
	}
	if r := b.get(roomURL + "?date=2026-13-01"); r.Code != http.StatusBadRequest {
		t.Fatalf("bad date: %d", r.Code)
	}
	r = b.postForm(roomURL+"/terminals", url.Values{"name": {"拍卖师席位"}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "rt_") {
		t.Fatalf("register terminal: %d", r.Code)
	}

	// A failed event shows on the events page and can be re-armed.
	ctx := context.Background()
	if err := schedule.At(ctx, e.db, "test.web_failed", "x:1", e.clock.Now(), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	eng := schedule.NewEngine(e.db, e.clock, nil)
	eng.MaxAttempts = 1
	eng.Handle("test.web_failed", func(ctx context.Context, target string) error { return fmt.Errorf("上游接口返回 503") })
	if res, err := eng.SweepOnce(ctx); err != nil || res.Failed != 1 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	r = b.get("/schedule/events?state=failed")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "上游接口返回 503") || !strings.Contains(r.Body.String(), "重新执行") {
		t.Fatalf("events page: %d", r.Code)
	}
	var id int64
	if err := e.db.Get(&id, `SELECT id FROM timed_events WHERE kind = 'test.web_failed'`); err != nil {
		t.Fatal(err)
	}
	if r := b.postForm(fmt.Sprintf("/schedule/events/%d/retry", id), nil); r.Code != http.StatusSeeOther {
		t.Fatalf("retry: %d", r.Code)
	}
	if r := b.postForm(fmt.Sprintf("/schedule/events/%d/retry", id), nil); r.Code != http.StatusConflict {
		t.Fatalf("retry of a pending event: %d", r.Code)
	}
	for _, u := range []string{"/schedule/events?state=overdue", "/schedule/events?state=pending", "/schedule/rooms", "/schedule/board", "/schedule/statistics", "/schedule/recordings", "/schedule/device"} {
		if r := b.get(u); r.Code != http.StatusOK {
			t.Errorf("GET %s: %d", u, r.Code)
		}
	}
	adm := e.browser("admin")
	if r := adm.postForm("/schedule/recordings/retention", url.Values{"class": {"announcement"}, "retention_days": {"4000"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("set retention: %d %s", r.Code, r.Body.String())
	}
	if r := adm.postForm("/schedule/recordings/retention", url.Values{"class": {"announcement"}, "retention_days": {"0"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("bad retention: %d", r.Code)
	}
}
