package schedule

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/problem"
)

var roomSeq atomic.Int64

// testService returns a service on the package database with the holiday
// schedule loaded and a fake clock at 09:00 on Monday 2 March 2026.
func testService(t testing.TB) (*Service, *clock.Fake) {
	t.Helper()
	x := dbtest.DB(t)
	clk := clock.NewFake(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	cal := &calendar.Store{DB: x, Clock: clk}
	if _, err := cal.SeedIfEmpty(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &Service{DB: x, Clock: clk, Calendar: cal}, clk
}

func newRoom(t testing.TB, s *Service, kind string) *Room {
	t.Helper()
	n := roomSeq.Add(1)
	id, err := s.CreateRoom(context.Background(), RoomInput{Code: fmt.Sprintf("T%s-%d", kind[:2], n), Name: fmt.Sprintf("测试%s%d", RoomKindNames[kind], n),
		Kind: kind, Capacity: 20, Equipment: "投影仪、录像", Opens: "08:30", Closes: "17:30", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Room(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func book(t testing.TB, s *Service, room *Room, kind, starts, ends string) int64 {
	t.Helper()
	id, err := s.Book(context.Background(), BookingInput{RoomID: room.ID, ProjectID: 1001, EventKind: kind, Title: "测试项目", StartsAt: starts, EndsAt: ends})
	if err != nil {
		t.Fatalf("book %s %s–%s: %v", room.Name, starts, ends, err)
	}
	return id
}

func wantProblem(t testing.TB, err error, code string, mentions ...string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok {
		t.Fatalf("got %v, want problem %s", err, code)
	}
	if p.Code != code {
		t.Fatalf("got problem %s (%s), want %s", p.Code, p.Message, code)
	}
	for _, m := range mentions {
		if !strings.Contains(p.Message, m) {
			t.Errorf("message %q does not mention %q", p.Message, m)
		}
	}
}

// Fifty requests for one slot released at once leave exactly one booking;
// the others are told which booking holds the slot.
func TestBookFiftyAtOnceLeavesOne(t *testing.T) {
	s, _ := testService(t)
	room := newRoom(t, s, KindOpening)
	const n = 50
	start := make(chan struct{})
	var wg sync.WaitGroup
	var won atomic.Int64
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Overlapping but not identical slots, from different projects.
			minute := 10 + i%3*10
			_, err := s.Book(context.Background(), BookingInput{RoomID: room.ID, ProjectID: int64(2000 + i), EventKind: KindOpening,
				Title: fmt.Sprintf("项目%d", i), StartsAt: fmt.Sprintf("2026-03-03 09:%02d", minute), EndsAt: "2026-03-03 11:00"})
			if err == nil {
				won.Add(1)
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d bookings succeeded, want 1", won.Load())
	}
	for _, err := range errs {
		if err != nil {
			wantProblem(t, err, "booking_overlap", "预约#", room.Name)
		}
	}
	var count int
	if err := s.DB.Get(&count, `SELECT COUNT(*) FROM room_bookings WHERE room_id = ? AND state = 'booked'`, room.ID); err != nil {
		t.Fatal(err)
	}
	if count != 1 {
		t.Fatalf("%d bookings in the room, want 1", count)
	}
}

func TestBookRejectsBadInput(t *testing.T) {
	s, _ := testService(t)
	room := newRoom(t, s, KindEvaluation)
	draw := newRoom(t, s, KindDraw)
	held := book(t, s, room, KindEvaluation, "2026-03-04 13:00", "2026-03-04 15:00")
	buf := func(n int) *int { return &n }
	tests := []struct {
		name     string
		in       BookingInput
		code     string
		mentions []string
	}{
		{"before opening", BookingInput{StartsAt: "2026-03-04 08:00", EndsAt: "2026-03-04 10:00"}, "outside_opening_hours", []string{"08:30–17:30", "07:45"}},
		{"buffer past closing", BookingInput{StartsAt: "2026-03-04 16:00", EndsAt: "2026-03-04 17:30"}, "outside_opening_hours", []string{"17:45"}},
		{"national day", BookingInput{StartsAt: "2026-10-01 09:00", EndsAt: "2026-10-01 11:00"}, "not_working_day", []string{"国庆节"}},
		{"sunday", BookingInput{StartsAt: "2026-03-08 09:00", EndsAt: "2026-03-08 11:00"}, "not_working_day", []string{"周末"}},
		{"end before start", BookingInput{StartsAt: "2026-03-04 11:00", EndsAt: "2026-03-04 09:00"}, "validation_failed", []string{"应晚于开始时间"}},
		{"end equals start", BookingInput{StartsAt: "2026-03-04 11:00", EndsAt: "2026-03-04 11:00"}, "validation_failed", nil},
		{"in the past", BookingInput{StartsAt: "2026-03-02 08:40", EndsAt: "2026-03-02 10:00"}, "starts_in_past", nil},
		{"bad time", BookingInput{StartsAt: "明天上午", EndsAt: "2026-03-04 10:00"}, "validation_failed", []string{"时间格式不正确"}},
		{"unknown room", BookingInput{RoomID: 987654, StartsAt: "2026-03-04 09:00", EndsAt: "2026-03-04 10:00"}, "room_not_found", []string{"987654"}},
		{"unknown event", BookingInput{EventKind: "party", StartsAt: "2026-03-04 09:00", EndsAt: "2026-03-04 10:00"}, "validation_failed", []string{"事项"}},
		{"no project", BookingInput{ProjectID: -1, StartsAt: "2026-03-04 09:00", EndsAt: "2026-03-04 10:00"}, "validation_failed", []string{"项目"}},
		{"wrong room kind", BookingInput{RoomID: draw.ID, StartsAt: "2026-03-04 09:00", EndsAt: "2026-03-04 10:00"}, "room_kind_mismatch", []string{"抽取室"}},
		{"buffer too long", BookingInput{BufferMinutes: buf(500), StartsAt: "2026-03-04 09:00", EndsAt: "2026-03-04 10:00"}, "validation_failed", nil},
		{"overlap", BookingInput{StartsAt: "2026-03-04 14:30", EndsAt: "2026-03-04 16:00"}, "booking_overlap", []string{fmt.Sprintf("预约#%d", held), "13:00–15:00"}},
		{"buffer touches", BookingInput{StartsAt: "2026-03-04 15:20", EndsAt: "2026-03-04 16:00"}, "booking_overlap", []string{fmt.Sprintf("预约#%d", held)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.RoomID == 0 {
				in.RoomID = room.ID
			}
			if in.ProjectID == 0 {
				in.ProjectID = 1001
			} else if in.ProjectID < 0 {
				in.ProjectID = 0
			}
			if in.EventKind == "" {
				in.EventKind = KindEvaluation
			}
			in.Title = "测试项目"
			_, err := s.Book(context.Background(), in)
			wantProblem(t, err, tc.code, tc.mentions...)
		})
	}
	// Just after the other booking's buffer and this one's: free.
	book(t, s, room, KindEvaluation, "2026-03-04 15:30", "2026-03-04 16:30")
}

// An evaluation that runs over can be extended while the room is free; when
// it is not, the conflict names the next booking and how far it can go.
func TestExtendRunningBooking(t *testing.T) {
	s, clk := testService(t)
	room := newRoom(t, s, KindEvaluation)
	first := book(t, s, room, KindEvaluation, "2026-03-03 09:00", "2026-03-03 11:00")
	second := book(t, s, room, KindEvaluation, "2026-03-03 13:00", "2026-03-03 15:00")
	clk.Set(time.Date(2026, 3, 3, 2, 30, 0, 0, time.UTC)) // 10:30, running
	b, err := s.Extend(context.Background(), first, 60)
	if err != nil {
		t.Fatal(err)
	}
	if localHM(b.EndsAt) != "12:00" {
		t.Fatalf("ends %s", localHM(b.EndsAt))
	}
	_, err = s.Extend(context.Background(), first, 90)
	wantProblem(t, err, "booking_overlap", fmt.Sprintf("预约#%d", second), "最多可延长至 12:30")
	if _, err := s.Extend(context.Background(), first, 30); err != nil {
		t.Fatalf("extend to the limit: %v", err)
	}
	_, err = s.Extend(context.Background(), first, 0)
	wantProblem(t, err, "minutes_invalid")
	clk.Set(time.Date(2026, 3, 3, 4, 31, 0, 0, time.UTC)) // 12:31, over
	_, err = s.Extend(context.Background(), first, 10)
	wantProblem(t, err, "booking_ended")
	_, err = s.Extend(context.Background(), 987654, 10)
	wantProblem(t, err, "booking_not_found")
}

func TestMoveAndCancel(t *testing.T) {
	s, _ := testService(t)
	a, b := newRoom(t, s, KindOpening), newRoom(t, s, KindOpening)
	x := book(t, s, a, KindOpening, "2026-03-05 09:00", "2026-03-05 10:00")
	y := book(t, s, b, KindOpening, "2026-03-05 14:00", "2026-03-05 15:00")
	// Into b's afternoon: clashes with y.
	err := s.Move(context.Background(), x, MoveInput{RoomID: b.ID, StartsAt: "2026-03-05 14:30", EndsAt: "2026-03-05 15:30"})
	wantProblem(t, err, "booking_overlap", fmt.Sprintf("预约#%d", y))
	err = s.Move(context.Background(), x, MoveInput{StartsAt: "2026-05-01 09:00", EndsAt: "2026-05-01 10:00"})
	wantProblem(t, err, "not_working_day", "劳动节")
	if err := s.Move(context.Background(), x, MoveInput{RoomID: b.ID, StartsAt: "2026-03-05 10:00", EndsAt: "2026-03-05 11:00"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Booking(context.Background(), x)
	if err != nil || got.RoomID != b.ID || got.Span() != "2026-03-05 10:00–11:00" {
		t.Fatalf("moved booking %+v %v", got, err)
	}
	// Moving within its own slot overlaps only itself: fine.
	if err := s.Move(context.Background(), x, MoveInput{StartsAt: "2026-03-05 10:30", EndsAt: "2026-03-05 11:30"}); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, s.Cancel(context.Background(), y, " "), "required")
	if err := s.Cancel(context.Background(), y, "项目延期"); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, s.Cancel(context.Background(), y, "再次取消"), "booking_cancelled")
	// The cancelled slot is free again.
	book(t, s, b, KindOpening, "2026-03-05 14:00", "2026-03-05 15:00")
}

func TestTerminalsAndSessions(t *testing.T) {
	s, clk := testService(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{Username: "staff", Role: "staff"})
	room := newRoom(t, s, KindEvaluation)
	term, token, err := s.RegisterTerminal(ctx, room.ID, "评标席位1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, tokenPrefix) || len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	var stored string
	if err := s.DB.Get(&stored, `SELECT token_hash FROM room_terminals WHERE id = ?`, term.ID); err != nil || stored == token || strings.Contains(stored, token) {
		t.Fatalf("token stored in clear: %q %v", stored, err)
	}
	got, err := s.TerminalByToken(ctx, token)
	if err != nil || got.ID != term.ID || got.RoomID != room.ID {
		t.Fatalf("terminal by token: %+v %v", got, err)
	}
	_, err = s.TerminalByToken(ctx, token+"x")
	wantProblem(t, err, "terminal_unknown")
	_, _, err = s.RegisterTerminal(ctx, room.ID, " 评标席位1 ")
	wantProblem(t, err, "terminal_exists", "评标席位1")
	_, _, err = s.RegisterTerminal(ctx, 987654, "x")
	wantProblem(t, err, "room_not_found")

	id := book(t, s, room, KindEvaluation, "2026-03-03 09:00", "2026-03-03 12:00")
	at := func(hm string) time.Time {
		tm, err := ParseLocal("2026-03-03 " + hm)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		at   string
		want bool
	}{{"08:44", false}, {"08:45", true}, {"11:59", true}, {"12:14", true}, {"12:15", false}} {
		b, err := s.SessionAt(ctx, room.ID, at(tc.at))
		if tc.want && (err != nil || b.ID != id) {
			t.Errorf("session at %s: %v %v", tc.at, b, err)
		}
		if !tc.want {
			wantProblem(t, err, "no_session")
		}
	}
	if err := s.RevokeTerminal(ctx, term.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.TerminalByToken(ctx, token)
	wantProblem(t, err, "terminal_unknown")
	_ = clk
}

func TestBoardShowsNowAndNext(t *testing.T) {
	s, clk := testService(t)
	room := newRoom(t, s, KindAuction)
	idle := newRoom(t, s, KindAuction)
	first := book(t, s, room, KindAuction, "2026-03-03 09:00", "2026-03-03 10:00")
	second := book(t, s, room, KindAuction, "2026-03-03 14:00", "2026-03-03 15:00")
	clk.Set(time.Date(2026, 3, 3, 1, 30, 0, 0, time.UTC)) // 09:30
	rows, _, err := s.Board(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range rows {
		switch r.Room.ID {
		case room.ID:
			found++
			if r.Now == nil || r.Now.ID != first || r.Next == nil || r.Next.ID != second || r.Status() != "拍卖中" {
				t.Errorf("busy room: now %v next %v", r.Now, r.Next)
			}
		case idle.ID:
			found++
			if r.Now != nil || r.Next != nil || r.Status() != "空闲" {
				t.Errorf("idle room: %+v", r)
			}
		}
	}
	if found != 2 {
		t.Fatalf("board lists %d of 2 rooms", found)
	}
}

func TestDaysCalendar(t *testing.T) {
	s, _ := testService(t)
	room := newRoom(t, s, KindDraw)
	book(t, s, room, KindDraw, "2026-04-03 09:00", "2026-04-03 09:30")
	d, _ := calendar.ParseDate("2026-03-30")
	days, err := s.Days(context.Background(), room.ID, d, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 7 || len(days[4].Bookings) != 1 || days[4].Weekday != "星期五" {
		t.Fatalf("week: %+v", days)
	}
	// 2026-04-05 is 清明节, a Sunday; 04-06 is the day off in exchange.
	if days[6].Working || days[6].Holiday == "" {
		t.Errorf("2026-04-05: %+v", days[6])
	}
}

func TestRoomValidation(t *testing.T) {
	s, _ := testService(t)
	_, err := s.CreateRoom(context.Background(), RoomInput{Code: "坏 编号", Name: "", Kind: "cinema", Capacity: 0, Opens: "18:00", Closes: "08:00"})
	p, ok := problem.As(err)
	if !ok || len(p.Fields) != 5 {
		t.Fatalf("got %v", err)
	}
	r := newRoom(t, s, KindNegotiation)
	_, err = s.CreateRoom(context.Background(), RoomInput{Code: r.Code, Name: "另一个", Kind: KindNegotiation, Capacity: 5, Opens: "08:30", Closes: "17:30"})
	wantProblem(t, err, "room_code_taken")
	_, err = s.CreateRoom(context.Background(), RoomInput{Code: "UNIQ-1", Name: r.Name, Kind: KindNegotiation, Capacity: 5, Opens: "08:30", Closes: "17:30"})
	wantProblem(t, err, "room_name_taken")
}

// What happened stays as it happened: a booking that has started is not
// moved, one that has ended is not cancelled; and a booking that has not
// started is extended only within the room's hours (an overrun of a
// running one may go past them).
func TestBookingsPastAndFuture(t *testing.T) {
	s, clk := testService(t)
	room := newRoom(t, s, KindEvaluation) // 08:30–17:30
	done := book(t, s, room, KindEvaluation, "2026-03-03 09:00", "2026-03-03 10:00")
	running := book(t, s, room, KindEvaluation, "2026-03-03 13:00", "2026-03-03 16:00")
	later := book(t, s, room, KindEvaluation, "2026-03-04 15:00", "2026-03-04 16:00")
	clk.Set(time.Date(2026, 3, 3, 6, 0, 0, 0, time.UTC)) // 14:00 on the 3rd
	wantProblem(t, s.Cancel(context.Background(), done, "事后取消"), "booking_ended")
	wantProblem(t, s.Move(context.Background(), done, MoveInput{StartsAt: "2026-03-05 09:00", EndsAt: "2026-03-05 10:00"}), "booking_started")
	wantProblem(t, s.Move(context.Background(), running, MoveInput{StartsAt: "2026-03-05 13:00", EndsAt: "2026-03-05 16:00"}), "booking_started")
	_, err := s.Extend(context.Background(), later, 360)
	wantProblem(t, err, "outside_opening_hours")
	if _, err := s.Extend(context.Background(), later, 60); err != nil {
		t.Errorf("extend a future booking within the hours: %v", err)
	}
	if _, err := s.Extend(context.Background(), running, 120); err != nil {
		t.Errorf("an overrun past closing: %v", err)
	}
	if err := s.Cancel(context.Background(), running, "会议中止"); err != nil {
		t.Errorf("cancel a running booking: %v", err)
	}
}

// A room change that would strand a booking still to come — deactivated,
// another kind, hours that no longer cover it — is refused naming the
// booking; once it is over the same change goes through.
func TestRoomChangesKeepBookingsPossible(t *testing.T) {
	s, clk := testService(t)
	room := newRoom(t, s, KindEvaluation)
	id := book(t, s, room, KindEvaluation, "2026-03-03 14:00", "2026-03-03 16:00")
	in := RoomInput{Code: room.Code, Name: room.Name, Kind: KindEvaluation, Capacity: 20, Opens: "08:30", Closes: "17:30", Active: true}
	for name, change := range map[string]func(*RoomInput){
		"deactivated":       func(r *RoomInput) { r.Active = false },
		"another kind":      func(r *RoomInput) { r.Kind = KindOpening },
		"closing before it": func(r *RoomInput) { r.Closes = "12:00" },
		"opening after it":  func(r *RoomInput) { r.Opens = "14:30" },
	} {
		c := in
		change(&c)
		t.Run(name, func(t *testing.T) {
			wantProblem(t, s.UpdateRoom(context.Background(), room.ID, c), "room_has_bookings", fmt.Sprintf("预约#%d", id))
		})
	}
	if err := s.UpdateRoom(context.Background(), room.ID, RoomInput{Code: room.Code, Name: room.Name, Kind: KindNegotiation, Capacity: 30,
		Opens: "08:00", Closes: "18:00", Active: true}); err != nil {
		t.Fatalf("a change the booking survives: %v", err) // evaluations may use negotiation rooms
	}
	clk.Set(time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC)) // 16:30: over
	c := in
	c.Active = false
	if err := s.UpdateRoom(context.Background(), room.ID, c); err != nil {
		t.Fatalf("after the booking: %v", err)
	}
}
