package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/problem"
)

// Booking states.
const (
	BookingBooked    = "booked"
	BookingCancelled = "cancelled"
)

// DefaultBufferMinutes is the preparation and clearing time held before and
// after a booking when the caller gives none.
const DefaultBufferMinutes = 15

// MaxBufferMinutes bounds the buffer.
const MaxBufferMinutes = 120

// Booking holds a room for a project event. The room is blocked from
// BlockedFrom (start minus buffer) to BlockedUntil (end plus buffer); two
// live bookings of one room never have overlapping blocked intervals.
type Booking struct {
	ID            int64         `db:"id" json:"id"`
	RoomID        int64         `db:"room_id" json:"room_id"`
	RoomName      string        `db:"room_name" json:"room_name"`
	ProjectID     int64         `db:"project_id" json:"project_id"`
	EventKind     string        `db:"event_kind" json:"event_kind"`
	Title         string        `db:"title" json:"title"`
	StartsAt      time.Time     `db:"starts_at" json:"starts_at"`
	EndsAt        time.Time     `db:"ends_at" json:"ends_at"`
	BufferMinutes int           `db:"buffer_minutes" json:"buffer_minutes"`
	BlockedFrom   time.Time     `db:"blocked_from" json:"blocked_from"`
	BlockedUntil  time.Time     `db:"blocked_until" json:"blocked_until"`
	State         string        `db:"state" json:"state"`
	CancelReason  string        `db:"cancel_reason" json:"cancel_reason,omitempty"`
	CreatedBy     sql.NullInt64 `db:"created_by" json:"-"`
	CreatedAt     time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time     `db:"updated_at" json:"updated_at"`
}

// EventName is the Chinese name of the booked event.
func (b Booking) EventName() string { return EventKindNames[b.EventKind] }

// Span is the booked time in local time, e.g. "2026-03-02 09:00–11:30".
func (b Booking) Span() string { return localDT(b.StartsAt) + "–" + localHM(b.EndsAt) }

// Times is the booked time of day, e.g. "09:00–11:30".
func (b Booking) Times() string { return localHM(b.StartsAt) + "–" + localHM(b.EndsAt) }

// Blocked is the blocked time of day with the buffer, e.g. "08:45–11:45".
func (b Booking) Blocked() string { return localHM(b.BlockedFrom) + "–" + localHM(b.BlockedUntil) }

// Public reports whether the event is public (openings and auctions), so
// that the hall screen may show its project; evaluations, negotiations and
// draws are not announced there.
func (b Booking) Public() bool { return b.EventKind == KindOpening || b.EventKind == KindAuction }

// describe names a booking in a conflict message.
func (b Booking) describe() string {
	return fmt.Sprintf("预约#%d（%s %s，%s，项目%d「%s」；含准备时间 %s–%s）", b.ID, b.RoomName, b.Span(), b.EventName(), b.ProjectID, b.Title,
		localHM(b.BlockedFrom), localHM(b.BlockedUntil))
}

// BookingInput is a new booking.
type BookingInput struct {
	RoomID    int64
	ProjectID int64
	EventKind string
	Title     string
	StartsAt  string // local time, see ParseLocal
	EndsAt    string
	// BufferMinutes is held before and after; nil means DefaultBufferMinutes.
	BufferMinutes *int
}

// MoveInput moves a booking to another time and, optionally, room.
type MoveInput struct {
	RoomID   int64 // 0: the same room
	StartsAt string
	EndsAt   string
}

// slot is a validated request for a room's time.
type slot struct {
	starts, ends, from, until time.Time
	buffer                    int
}

func (s *Service) parseSlot(f *problem.Fields, startsAt, endsAt string, buffer int) (slot, bool) {
	var sl slot
	st, err1 := ParseLocal(strings.TrimSpace(startsAt))
	if err1 != nil {
		f.AddErr("starts_at", err1)
	}
	en, err2 := ParseLocal(strings.TrimSpace(endsAt))
	if err2 != nil {
		f.AddErr("ends_at", err2)
	}
	if buffer < 0 || buffer > MaxBufferMinutes {
		f.Add("buffer_minutes", "buffer_invalid", fmt.Sprintf("准备时间应为0到%d分钟", MaxBufferMinutes))
		return sl, false
	}
	if err1 != nil || err2 != nil {
		return sl, false
	}
	if !en.After(st) {
		f.Add("ends_at", "end_before_start", fmt.Sprintf("结束时间（%s）应晚于开始时间（%s）", localDT(en), localDT(st)))
		return sl, false
	}
	if st.Truncate(time.Minute) != st || en.Truncate(time.Minute) != en {
		f.Add("starts_at", "time_not_whole_minute", "时间请精确到分钟")
		return sl, false
	}
	d := time.Duration(buffer) * time.Minute
	return slot{starts: st, ends: en, from: st.Add(-d), until: en.Add(d), buffer: buffer}, true
}

// checkHours says why the slot cannot be booked in the room: not a working
// day, outside the opening hours, or in the past.
func (s *Service) checkHours(ctx context.Context, room *Room, sl slot, now time.Time) error {
	if sl.starts.Before(now) {
		return problem.InvalidField("starts_at", "starts_in_past", fmt.Sprintf("开始时间 %s 已过，不能预约过去的时间", localDT(sl.starts)))
	}
	day := calendar.DateOf(sl.from, clock.Shanghai)
	if calendar.DateOf(sl.until.Add(-time.Nanosecond), clock.Shanghai) != day {
		return problem.InvalidField("ends_at", "spans_days", "一次预约（含准备时间）不能跨日，请分日预约")
	}
	cal, err := s.calendarStore().Calendar(ctx)
	if err != nil {
		return err
	}
	if !cal.IsWorkingDay(day) {
		why := "周末"
		if e, ok := cal.Lookup(day); ok && e.Kind == calendar.Holiday {
			why = "法定节假日（" + e.Name + "）"
		}
		return problem.InvalidField("starts_at", "not_working_day", fmt.Sprintf("%s 是%s，交易中心不开放，请选择工作日", day, why))
	}
	midnight := day.In(clock.Shanghai)
	opens := midnight.Add(time.Duration(room.OpenMinute) * time.Minute)
	closes := midnight.Add(time.Duration(room.CloseMinute) * time.Minute)
	if sl.from.Before(opens) || sl.until.After(closes) {
		return problem.InvalidField("starts_at", "outside_opening_hours",
			fmt.Sprintf("%s开放时间为 %s，所申请的时段含前后各%d分钟准备时间为 %s–%s，超出开放时间", room.Name, room.Hours(), sl.buffer,
				localHM(sl.from), localHM(sl.until)))
	}
	return nil
}

func checkRoomKind(room *Room, eventKind string) error {
	for _, k := range roomsFor[eventKind] {
		if k == room.Kind {
			return nil
		}
	}
	var names []string
	for _, k := range roomsFor[eventKind] {
		names = append(names, RoomKindNames[k])
	}
	return problem.InvalidField("room_id", "room_kind_mismatch",
		fmt.Sprintf("%s是%s，%s应安排在%s", room.Name, room.KindName(), EventKindNames[eventKind], strings.Join(names, "或")))
}

const bookingColumns = `b.id, b.room_id, r.name AS room_name, b.project_id, b.event_kind, b.title, b.starts_at, b.ends_at, b.buffer_minutes,
	b.blocked_from, b.blocked_until, b.state, b.cancel_reason, b.created_by, b.created_at, b.updated_at`

const bookingFrom = ` FROM room_bookings b JOIN rooms r ON r.id = b.room_id`

// firstOverlap returns the earliest live booking of the room (other than
// except) whose blocked interval overlaps [from, until), locking what it
// reads so that it sees every committed booking.
func firstOverlap(ctx context.Context, tx *sqlx.Tx, roomID int64, from, until time.Time, except int64) (*Booking, error) {
	var b Booking
	err := tx.GetContext(ctx, &b, `SELECT `+bookingColumns+bookingFrom+`
		WHERE b.room_id = ? AND b.state = 'booked' AND b.blocked_from < ? AND b.blocked_until > ? AND b.id <> ?
		ORDER BY b.blocked_from LIMIT 1 FOR UPDATE`, roomID, until, from, except)
	if err == db.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check overlap in room %d: %w", roomID, err)
	}
	return &b, nil
}

func overlapError(field string, other *Booking) error {
	return &problem.Error{Kind: problem.Conflict, Code: "booking_overlap",
		Message: "该时段与已有预约冲突：" + other.describe(),
		Fields:  []problem.Field{{Name: field, Code: "booking_overlap", Message: "与" + other.describe() + "冲突"}}}
}

// Book reserves a room for a project event. The room row is locked and the
// overlap checked in the same transaction, so of any number of concurrent
// requests for one slot exactly one succeeds; the others get a conflict
// naming the booking that won.
func (s *Service) Book(ctx context.Context, in BookingInput) (int64, error) {
	var f problem.Fields
	if in.RoomID <= 0 {
		f.Add("room_id", "room_required", "请选择场地")
	}
	if in.ProjectID <= 0 {
		f.Add("project_id", "project_required", "请填写项目编号")
	}
	if _, ok := EventKindNames[in.EventKind]; !ok {
		f.Add("event_kind", "event_kind_unknown", "事项只能是开标、评标、专家抽取、拍卖或谈判磋商")
	}
	in.Title = strings.TrimSpace(in.Title)
	if utf8.RuneCountInString(in.Title) > 200 {
		f.Add("title", "too_long", "名称不能超过200个字")
	}
	buffer := DefaultBufferMinutes
	if in.BufferMinutes != nil {
		buffer = *in.BufferMinutes
	}
	sl, _ := s.parseSlot(&f, in.StartsAt, in.EndsAt, buffer)
	if !f.Empty() {
		return 0, f.Err()
	}
	if s.Projects != nil && in.ProjectID > 0 {
		title, err := s.Projects.ProjectEvent(ctx, in.ProjectID, in.EventKind)
		if err != nil {
			if p, isP := problem.As(err); isP {
				return 0, problem.InvalidField("project_id", p.Code, p.Message)
			}
			return 0, err
		}
		if in.Title == "" {
			in.Title = title
		}
	}
	if in.Title == "" {
		return 0, problem.InvalidField("title", "required", "请填写项目名称")
	}
	now := s.Clock.Now().UTC()
	var id int64
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		room, err := lockRoom(ctx, tx, in.RoomID)
		if err != nil {
			if err == errRoomNotFound {
				return problem.InvalidField("room_id", "room_not_found", fmt.Sprintf("场地 %d 不存在", in.RoomID))
			}
			return err
		}
		if !room.Active {
			return problem.InvalidField("room_id", "room_inactive", room.Name+"已停用")
		}
		if err := checkRoomKind(room, in.EventKind); err != nil {
			return err
		}
		if err := s.checkHours(ctx, room, sl, now); err != nil {
			return err
		}
		other, err := firstOverlap(ctx, tx, room.ID, sl.from, sl.until, 0)
		if err != nil {
			return err
		}
		if other != nil {
			return overlapError("starts_at", other)
		}
		actor := audit.ActorFrom(ctx)
		res, err := tx.ExecContext(ctx, `INSERT INTO room_bookings (room_id, project_id, event_kind, title, starts_at, ends_at, buffer_minutes,
			blocked_from, blocked_until, state, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)`,
			room.ID, in.ProjectID, in.EventKind, in.Title, sl.starts, sl.ends, sl.buffer, sl.from, sl.until, nullID(actor.UserID), now, now)
		if err != nil {
			return fmt.Errorf("book room %d: %w", room.ID, err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "booking.create", ObjectType: "room_booking", ObjectID: fmt.Sprint(id),
			ProjectID: in.ProjectID, Summary: map[string]any{"room": room.Name, "event": in.EventKind, "starts_at": sl.starts, "ends_at": sl.ends,
				"buffer_minutes": sl.buffer}})
	})
	return id, err
}

// lockBooking reads a booking and locks its room (room first, as every
// writer does), then the booking.
func lockBooking(ctx context.Context, tx *sqlx.Tx, id int64) (*Booking, *Room, error) {
	var roomID int64
	err := tx.GetContext(ctx, &roomID, `SELECT room_id FROM room_bookings WHERE id = ?`, id)
	if err == db.ErrNoRows {
		return nil, nil, errBookingNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("booking %d: %w", id, err)
	}
	room, err := lockRoom(ctx, tx, roomID)
	if err != nil {
		return nil, nil, err
	}
	var b Booking
	if err := tx.GetContext(ctx, &b, `SELECT `+bookingColumns+bookingFrom+` WHERE b.id = ? FOR UPDATE`, id); err != nil {
		return nil, nil, fmt.Errorf("booking %d: %w", id, err)
	}
	return &b, room, nil
}

var errBookingNotFound = problem.New(problem.NotFound, "booking_not_found", "预约不存在")

func bookingLive(b *Booking) error {
	if b.State != BookingBooked {
		return problem.New(problem.Conflict, "booking_cancelled", fmt.Sprintf("预约#%d已取消", b.ID))
	}
	return nil
}

// Extend lengthens a booking that has not ended (an evaluation running
// over) by minutes. Opening hours do not apply to an overrun, but the room
// must be free: otherwise the conflict names the next booking and how far
// the booking can be extended.
func (s *Service) Extend(ctx context.Context, id int64, minutes int) (*Booking, error) {
	if minutes < 1 || minutes > 12*60 {
		return nil, problem.InvalidField("minutes", "minutes_invalid", "延长时间应为1到720分钟")
	}
	now := s.Clock.Now().UTC()
	var out *Booking
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		b, room, err := lockBooking(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := bookingLive(b); err != nil {
			return err
		}
		if !now.Before(b.EndsAt) {
			return problem.New(problem.Conflict, "booking_ended", fmt.Sprintf("预约#%d已于 %s 结束，不能再延长，请新建预约", b.ID, localDT(b.EndsAt)))
		}
		buf := time.Duration(b.BufferMinutes) * time.Minute
		ends := b.EndsAt.Add(time.Duration(minutes) * time.Minute)
		until := ends.Add(buf)
		// An overrun may go past the room's closing time; a booking that
		// has not started is simply booked longer, within the room's hours.
		if now.Before(b.StartsAt) && room != nil {
			day := calendar.DateOf(b.BlockedFrom, clock.Shanghai).In(clock.Shanghai)
			if closes := day.Add(time.Duration(room.CloseMinute) * time.Minute); until.After(closes) {
				return problem.InvalidField("minutes", "outside_opening_hours",
					fmt.Sprintf("%s开放至 %s，未开始的预约延长后（含准备时间）不能超出开放时间；进行中的会议超时可延长", room.Name, room.Closes()))
			}
		}
		if calendar.DateOf(until.Add(-time.Nanosecond), clock.Shanghai) != calendar.DateOf(b.BlockedFrom, clock.Shanghai) {
			return problem.InvalidField("minutes", "spans_days", "延长后（含准备时间）不能跨过午夜，请另行预约次日场地")
		}
		next, err := firstOverlap(ctx, tx, b.RoomID, b.BlockedUntil, until, b.ID)
		if err != nil {
			return err
		}
		if next != nil {
			most := next.BlockedFrom.Add(-buf)
			msg := fmt.Sprintf("无法延长%d分钟：下一场为%s", minutes, next.describe())
			if most.After(b.EndsAt) {
				msg += fmt.Sprintf("，最多可延长至 %s", localHM(most))
			}
			return &problem.Error{Kind: problem.Conflict, Code: "booking_overlap", Message: msg,
				Fields: []problem.Field{{Name: "minutes", Code: "booking_overlap", Message: msg}}}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE room_bookings SET ends_at = ?, blocked_until = ?, updated_at = ? WHERE id = ?`,
			ends, until, now, b.ID); err != nil {
			return fmt.Errorf("extend booking %d: %w", b.ID, err)
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "booking.extend", ObjectType: "room_booking", ObjectID: fmt.Sprint(b.ID),
			ProjectID: b.ProjectID, Summary: map[string]any{"minutes": minutes, "ends_at_before": b.EndsAt, "ends_at": ends}}); err != nil {
			return err
		}
		b.EndsAt, b.BlockedUntil, b.UpdatedAt = ends, until, now
		out = b
		return nil
	})
	return out, err
}

// Move gives a booking a new time and, optionally, another room, with the
// same checks as a new booking.
func (s *Service) Move(ctx context.Context, id int64, in MoveInput) error {
	var f problem.Fields
	now := s.Clock.Now().UTC()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		// Lock both rooms in id order so that two moves never deadlock.
		var cur struct {
			RoomID int64     `db:"room_id"`
			Buffer int       `db:"buffer_minutes"`
			Starts time.Time `db:"starts_at"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT room_id, buffer_minutes, starts_at FROM room_bookings WHERE id = ?`, id)
		if err == db.ErrNoRows {
			return errBookingNotFound
		}
		if err != nil {
			return fmt.Errorf("booking %d: %w", id, err)
		}
		if !now.Before(cur.Starts) {
			return problem.New(problem.Conflict, "booking_started", fmt.Sprintf("预约#%d已于 %s 开始，不能再改期；进行中的可延长", id, localDT(cur.Starts)))
		}
		f = problem.Fields{}
		sl, _ := s.parseSlot(&f, in.StartsAt, in.EndsAt, cur.Buffer)
		if err := f.Err(); err != nil {
			return err
		}
		target := in.RoomID
		if target == 0 {
			target = cur.RoomID
		}
		first, second := min(cur.RoomID, target), max(cur.RoomID, target)
		rooms := map[int64]*Room{}
		for _, rid := range []int64{first, second} {
			if _, done := rooms[rid]; done {
				continue
			}
			r, err := lockRoom(ctx, tx, rid)
			if err != nil {
				if err == errRoomNotFound {
					return problem.InvalidField("room_id", "room_not_found", fmt.Sprintf("场地 %d 不存在", rid))
				}
				return err
			}
			rooms[rid] = r
		}
		var b Booking
		if err := tx.GetContext(ctx, &b, `SELECT `+bookingColumns+bookingFrom+` WHERE b.id = ? FOR UPDATE`, id); err != nil {
			return fmt.Errorf("booking %d: %w", id, err)
		}
		if err := bookingLive(&b); err != nil {
			return err
		}
		if b.RoomID != cur.RoomID {
			// Moved by someone else between the first read and the locks.
			return problem.New(problem.Conflict, "booking_changed", "该预约刚被他人修改，请刷新后重试")
		}
		room := rooms[target]
		if !room.Active {
			return problem.InvalidField("room_id", "room_inactive", room.Name+"已停用")
		}
		if err := checkRoomKind(room, b.EventKind); err != nil {
			return err
		}
		if err := s.checkHours(ctx, room, sl, now); err != nil {
			return err
		}
		other, err := firstOverlap(ctx, tx, room.ID, sl.from, sl.until, b.ID)
		if err != nil {
			return err
		}
		if other != nil {
			return overlapError("starts_at", other)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE room_bookings SET room_id = ?, starts_at = ?, ends_at = ?, blocked_from = ?, blocked_until = ?,
			updated_at = ? WHERE id = ?`, room.ID, sl.starts, sl.ends, sl.from, sl.until, now, b.ID); err != nil {
			return fmt.Errorf("move booking %d: %w", b.ID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "booking.move", ObjectType: "room_booking", ObjectID: fmt.Sprint(b.ID),
			ProjectID: b.ProjectID, Summary: map[string]any{"from_room": b.RoomName, "to_room": room.Name, "starts_at_before": b.StartsAt,
				"starts_at": sl.starts, "ends_at": sl.ends}})
	})
}

// Cancel cancels a booking, with a reason.
func (s *Service) Cancel(ctx context.Context, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return problem.InvalidField("reason", "required", "请填写取消原因")
	}
	if utf8.RuneCountInString(reason) > 500 {
		return problem.InvalidField("reason", "too_long", "取消原因不能超过500个字")
	}
	now := s.Clock.Now().UTC()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		b, _, err := lockBooking(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := bookingLive(b); err != nil {
			return err
		}
		if !now.Before(b.EndsAt) {
			return problem.New(problem.Conflict, "booking_ended", fmt.Sprintf("预约#%d已于 %s 结束，不能再取消", b.ID, localDT(b.EndsAt)))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE room_bookings SET state = 'cancelled', cancel_reason = ?, updated_at = ? WHERE id = ?`,
			reason, now, b.ID); err != nil {
			return fmt.Errorf("cancel booking %d: %w", b.ID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "booking.cancel", ObjectType: "room_booking", ObjectID: fmt.Sprint(b.ID),
			ProjectID: b.ProjectID, Summary: map[string]any{"room": b.RoomName, "starts_at": b.StartsAt, "reason": reason}})
	})
}

// Booking returns one booking.
func (s *Service) Booking(ctx context.Context, id int64) (*Booking, error) {
	var b Booking
	err := sqlx.GetContext(ctx, s.DB, &b, `SELECT `+bookingColumns+bookingFrom+` WHERE b.id = ?`, id)
	if err == db.ErrNoRows {
		return nil, errBookingNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("booking %d: %w", id, err)
	}
	return &b, nil
}

// BookingFilter selects bookings whose blocked time overlaps [From, To).
type BookingFilter struct {
	RoomID           int64 // 0: every room
	ProjectID        int64
	From, To         time.Time
	IncludeCancelled bool
}

// Bookings lists bookings in time order.
func (s *Service) Bookings(ctx context.Context, f BookingFilter) ([]Booking, error) {
	where := []string{"b.blocked_from < ?", "b.blocked_until > ?"}
	args := []any{f.To.UTC(), f.From.UTC()}
	if f.RoomID > 0 {
		where = append(where, "b.room_id = ?")
		args = append(args, f.RoomID)
	}
	if f.ProjectID > 0 {
		where = append(where, "b.project_id = ?")
		args = append(args, f.ProjectID)
	}
	if !f.IncludeCancelled {
		where = append(where, "b.state = 'booked'")
	}
	out := []Booking{}
	err := sqlx.SelectContext(ctx, s.DB, &out, `SELECT `+bookingColumns+bookingFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY b.starts_at, b.id LIMIT 2000`, args...)
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return out, nil
}

// SessionAt returns the live booking of the room whose blocked time (the
// session with its preparation time) contains t, or a NotFound problem
// "no_session". The evaluation area uses it, with TerminalByToken, to let
// experts log in only at their room's terminal during their session.
func (s *Service) SessionAt(ctx context.Context, roomID int64, t time.Time) (*Booking, error) {
	var b Booking
	err := sqlx.GetContext(ctx, s.DB, &b, `SELECT `+bookingColumns+bookingFrom+`
		WHERE b.room_id = ? AND b.state = 'booked' AND b.blocked_from <= ? AND b.blocked_until > ?
		ORDER BY b.blocked_from LIMIT 1`, roomID, t.UTC(), t.UTC())
	if err == db.ErrNoRows {
		return nil, problem.New(problem.NotFound, "no_session", "该场地此时没有预约的场次")
	}
	if err != nil {
		return nil, fmt.Errorf("session in room %d at %s: %w", roomID, t.Format(time.RFC3339), err)
	}
	return &b, nil
}

// DayPlan is one day of a room's calendar.
type DayPlan struct {
	Date     calendar.Date
	Weekday  string
	Working  bool
	Holiday  string // the holiday's name on a day off of a holiday block
	Bookings []Booking
}

var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// Days returns days of the room's calendar (every room when roomID is 0)
// from the date on.
func (s *Service) Days(ctx context.Context, roomID int64, from calendar.Date, days int) ([]DayPlan, error) {
	if days < 1 || days > 31 {
		return nil, problem.InvalidField("days", "days_invalid", "天数应为1到31")
	}
	cal, err := s.calendarStore().Calendar(ctx)
	if err != nil {
		return nil, err
	}
	start := from.In(clock.Shanghai)
	end := from.AddDays(days).In(clock.Shanghai)
	list, err := s.Bookings(ctx, BookingFilter{RoomID: roomID, From: start, To: end})
	if err != nil {
		return nil, err
	}
	out := make([]DayPlan, days)
	for i := range out {
		d := from.AddDays(i)
		out[i] = DayPlan{Date: d, Weekday: weekdayNames[d.Weekday()], Working: cal.IsWorkingDay(d), Bookings: []Booking{}}
		if e, ok := cal.Lookup(d); ok && e.Kind == calendar.Holiday {
			out[i].Holiday = e.Name
		}
	}
	for _, b := range list {
		i := from.DaysUntil(calendar.DateOf(b.StartsAt, clock.Shanghai))
		if i >= 0 && i < days {
			out[i].Bookings = append(out[i].Bookings, b)
		}
	}
	return out, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
