package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/expertpool"
	"ggzy/problem"
	"ggzy/schedule"
	"ggzy/trading"
)

// roomForm is a room as entered on the rooms page or sent as JSON.
type roomForm struct {
	Code       string `form:"code" json:"code"`
	Name       string `form:"name" json:"name"`
	Kind       string `form:"kind" json:"kind"`
	Capacity   int    `form:"capacity" json:"capacity"`
	Equipment  string `form:"equipment" json:"equipment"`
	Opens      string `form:"opens" json:"opens"`
	Closes     string `form:"closes" json:"closes"`
	ActiveForm string `form:"active" json:"-"`
	Active     *bool  `form:"-" json:"active"`
}

func (f roomForm) input(isForm bool) schedule.RoomInput {
	active := true
	if isForm {
		active = f.ActiveForm != "" && f.ActiveForm != "0"
	} else if f.Active != nil {
		active = *f.Active
	}
	return schedule.RoomInput{Code: f.Code, Name: f.Name, Kind: f.Kind, Capacity: f.Capacity, Equipment: f.Equipment,
		Opens: f.Opens, Closes: f.Closes, Active: active}
}

func (f roomForm) values() map[string]string {
	return map[string]string{"code": f.Code, "name": f.Name, "kind": f.Kind, "capacity": strconv.Itoa(f.Capacity),
		"equipment": f.Equipment, "opens": f.Opens, "closes": f.Closes}
}

func (s *Server) schedRoomsPage(c echo.Context, p *Page, err error) error {
	rooms, lerr := s.Schedule.Rooms(c.Request().Context(), true)
	if lerr != nil {
		return lerr
	}
	p.Title = "场地预约"
	p.Data = map[string]any{"Rooms": rooms, "Kinds": schedule.RoomKinds, "KindNames": schedule.RoomKindNames}
	if p.Form == nil {
		p.Form = map[string]string{"opens": "08:30", "closes": "17:30", "capacity": "20"}
	}
	if err != nil {
		return s.formError(c, err, "schedule_rooms", p)
	}
	return s.renderPage(c, http.StatusOK, "schedule_rooms", p)
}

func (s *Server) schedRooms(c echo.Context) error { return s.schedRoomsPage(c, &Page{}, nil) }

func (s *Server) schedRoomCreate(c echo.Context) error {
	var f roomForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	id, err := s.Schedule.CreateRoom(c.Request().Context(), f.input(true))
	if err != nil {
		return s.schedRoomsPage(c, &Page{Form: f.values()}, err)
	}
	return s.redirectFlash(c, "/schedule/rooms/"+strconv.FormatInt(id, 10), "场地已新增")
}

// roomView is what the room page shows.
type roomView struct {
	Room      *schedule.Room
	Rooms     []schedule.Room
	View      string // "day" or "week"
	Date      calendar.Date
	Prev      calendar.Date
	Next      calendar.Date
	Days      []schedule.DayPlan
	Terminals []schedule.Terminal
	Kinds     []string
	KindNames map[string]string
	Events    map[string]string
	Token     string // a new terminal's token, shown once
	Terminal  *schedule.Terminal
	Projects  []drawChoice // projects that may be booked, for the booking form's list
}

func (s *Server) schedRoomPage(c echo.Context, p *Page, err error) error {
	ctx := c.Request().Context()
	id, perr := pathID(c, "id")
	if perr != nil {
		return perr
	}
	room, lerr := s.Schedule.Room(ctx, id)
	if lerr != nil {
		return lerr
	}
	v := roomView{Room: room, View: "week", Kinds: schedule.RoomKinds, KindNames: schedule.RoomKindNames, Events: schedule.EventKindNames}
	if c.QueryParam("view") == "day" {
		v.View = "day"
	}
	v.Date = calendar.DateOf(s.Clock.Now(), clock.Shanghai)
	if q := c.QueryParam("date"); q != "" {
		d, derr := parseUserDate(q)
		if p, ok := problem.As(derr); ok {
			return problem.InvalidField("date", p.Code, p.Message)
		} else if derr != nil {
			return problem.InvalidField("date", calendar.CodeDateInvalid, "日期不正确，应为如 2026-10-01 的年-月-日")
		}
		v.Date = d
	}
	n := 1
	if v.View == "week" {
		// From the Monday of the week.
		v.Date = v.Date.AddDays(-((int(v.Date.Weekday()) + 6) % 7))
		n = 7
	}
	v.Prev, v.Next = v.Date.AddDays(-n), v.Date.AddDays(n)
	if v.Days, lerr = s.Schedule.Days(ctx, room.ID, v.Date, n); lerr != nil {
		return lerr
	}
	if v.Terminals, lerr = s.Schedule.Terminals(ctx, room.ID); lerr != nil {
		return lerr
	}
	if v.Rooms, lerr = s.Schedule.Rooms(ctx, false); lerr != nil {
		return lerr
	}
	if s.Trading != nil {
		for _, st := range []string{trading.StatusPublished, trading.StatusAccepted, trading.StatusSubmitted} {
			ps, lerr := s.Trading.Projects(ctx, trading.ProjectFilter{Status: st, Limit: 200})
			if lerr != nil {
				return lerr
			}
			for _, pr := range ps {
				v.Projects = append(v.Projects, drawChoice{ID: pr.ID, Label: strings.TrimSpace(pr.Code + " " + pr.Title)})
			}
		}
	}
	if d, ok := p.Data.(roomView); ok {
		v.Token, v.Terminal = d.Token, d.Terminal
	}
	p.Title = room.Name
	p.Data = v
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	if err != nil {
		return s.formError(c, err, "schedule_room", p)
	}
	return s.renderPage(c, http.StatusOK, "schedule_room", p)
}

func (s *Server) schedRoom(c echo.Context) error { return s.schedRoomPage(c, &Page{}, nil) }

func (s *Server) schedRoomUpdate(c echo.Context) error {
	var f roomForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	if err := s.Schedule.UpdateRoom(c.Request().Context(), id, f.input(true)); err != nil {
		if pr, ok := problem.As(err); ok && pr.Kind == problem.NotFound {
			return err
		}
		return s.schedRoomPage(c, &Page{Form: f.values()}, err)
	}
	return s.redirectFlash(c, "/schedule/rooms/"+strconv.FormatInt(id, 10), "场地信息已保存")
}

type terminalForm struct {
	Name string `form:"name" json:"name"`
}

func (s *Server) schedTerminalRegister(c echo.Context) error {
	var f terminalForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	t, token, err := s.Schedule.RegisterTerminal(c.Request().Context(), id, f.Name)
	if err != nil {
		if pr, ok := problem.As(err); ok && pr.Kind == problem.NotFound {
			return err
		}
		return s.schedRoomPage(c, &Page{Form: map[string]string{"terminal_name": f.Name}}, err)
	}
	return s.schedRoomPage(c, &Page{Flash: "终端已登记。设备令牌只显示这一次，请立即在该设备上启用。", Data: roomView{Token: token, Terminal: t}}, nil)
}

func (s *Server) schedTerminalRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Schedule.RevokeTerminal(c.Request().Context(), id); err != nil {
		return err
	}
	return s.redirectFlash(c, backTo(c, "/schedule/rooms"), "终端已撤销，其设备令牌立即失效")
}

// backTo is the room page a form came from (its "back" field), or def.
func backTo(c echo.Context, def string) string {
	b := c.FormValue("back")
	if len(b) > 1 && len(b) < 200 && localPath(b) {
		return b
	}
	return def
}

// bookingForm is a new booking.
type bookingForm struct {
	RoomID        int64  `form:"room_id" json:"room_id"`
	ProjectID     int64  `form:"project_id" json:"project_id"`
	EventKind     string `form:"event_kind" json:"event_kind"`
	Title         string `form:"title" json:"title"`
	StartsAt      string `form:"starts_at" json:"starts_at"`
	EndsAt        string `form:"ends_at" json:"ends_at"`
	BufferForm    string `form:"buffer_minutes" json:"-"`
	BufferMinutes *int   `form:"-" json:"buffer_minutes"`
}

func (f bookingForm) input() (schedule.BookingInput, error) {
	in := schedule.BookingInput{RoomID: f.RoomID, ProjectID: f.ProjectID, EventKind: f.EventKind, Title: f.Title,
		StartsAt: f.StartsAt, EndsAt: f.EndsAt, BufferMinutes: f.BufferMinutes}
	if f.BufferForm != "" {
		n, err := strconv.Atoi(f.BufferForm)
		if err != nil {
			return in, problem.InvalidField("buffer_minutes", "buffer_invalid", "准备时间应为整数分钟")
		}
		in.BufferMinutes = &n
	}
	return in, nil
}

func (s *Server) schedBookingCreate(c echo.Context) error {
	var f bookingForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	in, err := f.input()
	if err == nil {
		_, err = s.Schedule.Book(c.Request().Context(), in)
	}
	if err != nil {
		c.SetParamNames("id")
		c.SetParamValues(strconv.FormatInt(f.RoomID, 10))
		form := map[string]string{"project_id": strconv.FormatInt(f.ProjectID, 10), "event_kind": f.EventKind, "title": f.Title,
			"starts_at": f.StartsAt, "ends_at": f.EndsAt, "buffer_minutes": f.BufferForm}
		if _, rerr := s.Schedule.Room(c.Request().Context(), f.RoomID); rerr != nil {
			return err
		}
		return s.schedRoomPage(c, &Page{Form: form}, err)
	}
	return s.redirectFlash(c, dayURL(f.RoomID, f.StartsAt), "预约成功")
}

// dayURL is the day view of a room around a local time as entered.
func dayURL(roomID int64, at string) string {
	u := "/schedule/rooms/" + strconv.FormatInt(roomID, 10)
	if t, err := schedule.ParseLocal(at); err == nil {
		u += "?view=day&date=" + t.In(clock.Shanghai).Format("2006-01-02")
	}
	return u
}

type extendForm struct {
	Minutes int `form:"minutes" json:"minutes"`
}

type moveForm struct {
	RoomID   int64  `form:"room_id" json:"room_id"`
	StartsAt string `form:"starts_at" json:"starts_at"`
	EndsAt   string `form:"ends_at" json:"ends_at"`
}

type cancelForm struct {
	Reason string `form:"reason" json:"reason"`
}

// bookingFormError shows a booking action's problem on the room page of the
// booking.
func (s *Server) bookingFormError(c echo.Context, id int64, err error) error {
	if _, ok := problem.As(err); !ok {
		return err
	}
	b, berr := s.Schedule.Booking(c.Request().Context(), id)
	if berr != nil {
		return err
	}
	c.SetParamNames("id")
	c.SetParamValues(strconv.FormatInt(b.RoomID, 10))
	return s.schedRoomPage(c, &Page{}, err)
}

func (s *Server) schedBookingExtend(c echo.Context) error {
	var f extendForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	b, err := s.Schedule.Extend(c.Request().Context(), id, f.Minutes)
	if err != nil {
		return s.bookingFormError(c, id, err)
	}
	return s.redirectFlash(c, backTo(c, "/schedule/rooms/"+strconv.FormatInt(b.RoomID, 10)), "已延长至 "+b.EndsAt.In(clock.Shanghai).Format("15:04"))
}

func (s *Server) schedBookingMove(c echo.Context) error {
	var f moveForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	old, err := s.Schedule.Booking(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := s.Schedule.Move(c.Request().Context(), id, schedule.MoveInput{RoomID: f.RoomID, StartsAt: f.StartsAt, EndsAt: f.EndsAt}); err != nil {
		return s.bookingFormError(c, id, err)
	}
	b, err := s.Schedule.Booking(c.Request().Context(), id)
	if err != nil {
		return err
	}
	note, err := s.drawSessionNote(c, old, b)
	if err != nil {
		return err
	}
	return s.redirectFlash(c, dayURL(b.RoomID, f.StartsAt), "预约已调整"+note)
}

// drawSessionNote warns, when an evaluation booking is moved or cancelled
// (b nil), of the expert draws of the project whose session lay in the old
// booking and no longer matches: the experts were invited for that time and
// are not told of the change by the booking.
func (s *Server) drawSessionNote(c echo.Context, old, b *schedule.Booking) (string, error) {
	if old.EventKind != schedule.KindEvaluation || s.Experts == nil {
		return "", nil
	}
	draws, err := s.Experts.ListDraws(c.Request().Context(), expertpool.DrawFilter{ProjectID: old.ProjectID, Limit: 200})
	if err != nil {
		return "", err
	}
	var ids []string
	var when string
	for _, d := range draws {
		if d.ParentDrawID.Valid || d.Status == expertpool.DrawCancelled ||
			!d.SessionStart.Before(old.EndsAt) || !d.SessionEnd.After(old.StartsAt) {
			continue
		}
		if b != nil && d.SessionStart.Equal(b.StartsAt) && d.SessionEnd.Equal(b.EndsAt) {
			continue
		}
		ids = append(ids, strconv.FormatInt(d.ID, 10))
		when = d.SessionStart.In(clock.Shanghai).Format("2006-01-02 15:04") + "–" + d.SessionEnd.In(clock.Shanghai).Format("15:04")
	}
	if len(ids) == 0 {
		return "", nil
	}
	return fmt.Sprintf("。注意：专家抽取 %s 通知专家的评标时间为 %s，与本预约不再一致；预约的调整不会通知专家，请逐一告知专家新的安排，或取消抽取后重新抽取", strings.Join(ids, "、"), when), nil
}

func (s *Server) schedBookingCancel(c echo.Context) error {
	var f cancelForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	old, err := s.Schedule.Booking(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := s.Schedule.Cancel(c.Request().Context(), id, f.Reason); err != nil {
		return s.bookingFormError(c, id, err)
	}
	note, err := s.drawSessionNote(c, old, nil)
	if err != nil {
		return err
	}
	return s.redirectFlash(c, backTo(c, "/schedule/rooms"), "预约已取消"+note)
}

// JSON API.

type apiRoom struct {
	schedule.Room
	Opens  string `json:"opens"`
	Closes string `json:"closes"`
}

func toAPIRoom(r schedule.Room) apiRoom {
	return apiRoom{Room: r, Opens: r.Opens(), Closes: r.Closes()}
}

func (s *Server) apiRooms(c echo.Context) error {
	rooms, err := s.Schedule.Rooms(c.Request().Context(), c.QueryParam("all") == "1")
	if err != nil {
		return err
	}
	out := make([]apiRoom, len(rooms))
	for i, r := range rooms {
		out[i] = toAPIRoom(r)
	}
	return c.JSON(http.StatusOK, map[string]any{"rooms": out})
}

// apiRoomJSON answers with room id.
func (s *Server) apiRoomJSON(c echo.Context, status int, id int64) error {
	r, err := s.Schedule.Room(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPIRoom(*r))
}

func (s *Server) apiRoom(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.apiRoomJSON(c, http.StatusOK, id)
}

func (s *Server) apiRoomCreate(c echo.Context) error {
	var f roomForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	id, err := s.Schedule.CreateRoom(c.Request().Context(), f.input(false))
	if err != nil {
		return err
	}
	return s.apiRoomJSON(c, http.StatusCreated, id)
}

func (s *Server) apiRoomUpdate(c echo.Context) error {
	var f roomForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	if err := s.Schedule.UpdateRoom(c.Request().Context(), id, f.input(false)); err != nil {
		return err
	}
	return s.apiRoomJSON(c, http.StatusOK, id)
}

// apiRange reads from/to (dates, Asia/Shanghai) with a default of the next
// 7 days; the range is at most 62 days.
func (s *Server) apiRange(c echo.Context) (time.Time, time.Time, error) {
	var f problem.Fields
	from := calendar.DateOf(s.Clock.Now(), clock.Shanghai)
	to := from.AddDays(7)
	if q := c.QueryParam("from"); q != "" {
		d, err := parseUserDate(q)
		f.AddErr("from", err)
		from = d
	}
	if q := c.QueryParam("to"); q != "" {
		d, err := parseUserDate(q)
		f.AddErr("to", err)
		to = d
	}
	if err := f.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if n := from.DaysUntil(to); n < 1 || n > 62 {
		return time.Time{}, time.Time{}, problem.InvalidField("to", "range_invalid", "结束日期应晚于开始日期，且相隔不超过62天")
	}
	return from.In(clock.Shanghai), to.In(clock.Shanghai), nil
}

func (s *Server) apiRoomBookings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Schedule.Room(c.Request().Context(), id); err != nil {
		return err
	}
	from, to, err := s.apiRange(c)
	if err != nil {
		return err
	}
	list, err := s.Schedule.Bookings(c.Request().Context(), schedule.BookingFilter{RoomID: id, From: from, To: to,
		IncludeCancelled: c.QueryParam("cancelled") == "1"})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"bookings": list})
}

func (s *Server) apiTerminals(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Schedule.Room(c.Request().Context(), id); err != nil {
		return err
	}
	list, err := s.Schedule.Terminals(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, t := range list {
		out[i] = map[string]any{"id": t.ID, "room_id": t.RoomID, "name": t.Name, "created_at": t.CreatedAt, "active": t.Active()}
	}
	return c.JSON(http.StatusOK, map[string]any{"terminals": out})
}

func (s *Server) apiTerminalRegister(c echo.Context) error {
	var f terminalForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	t, token, err := s.Schedule.RegisterTerminal(c.Request().Context(), id, f.Name)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, map[string]any{"id": t.ID, "room_id": t.RoomID, "name": t.Name, "token": token})
}

func (s *Server) apiTerminalRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Schedule.RevokeTerminal(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiBookingCreate(c echo.Context) error {
	var f bookingForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	in, err := f.input()
	if err != nil {
		return err
	}
	id, err := s.Schedule.Book(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return s.apiBookingJSON(c, http.StatusCreated, id)
}

// apiBookingJSON answers with booking id.
func (s *Server) apiBookingJSON(c echo.Context, status int, id int64) error {
	b, err := s.Schedule.Booking(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, b)
}

func (s *Server) apiBooking(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.apiBookingJSON(c, http.StatusOK, id)
}

func (s *Server) apiBookingExtend(c echo.Context) error {
	var f extendForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	b, err := s.Schedule.Extend(c.Request().Context(), id, f.Minutes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) apiBookingMove(c echo.Context) error {
	var f moveForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	if err := s.Schedule.Move(c.Request().Context(), id, schedule.MoveInput{RoomID: f.RoomID, StartsAt: f.StartsAt, EndsAt: f.EndsAt}); err != nil {
		return err
	}
	return s.apiBookingJSON(c, http.StatusOK, id)
}

func (s *Server) apiBookingCancel(c echo.Context) error {
	var f cancelForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	if err := s.Schedule.Cancel(c.Request().Context(), id, f.Reason); err != nil {
		return err
	}
	return s.apiBookingJSON(c, http.StatusOK, id)
}
