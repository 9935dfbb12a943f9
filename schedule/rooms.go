package schedule

import (
	"context"
	"fmt"
	"regexp"
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

// Room kinds, which are also the kinds of project event booked into rooms.
const (
	KindOpening     = "opening"     // 开标
	KindEvaluation  = "evaluation"  // 评标
	KindDraw        = "draw"        // 专家抽取
	KindAuction     = "auction"     // 拍卖
	KindNegotiation = "negotiation" // 谈判、磋商
)

// RoomKinds lists the room kinds in display order.
var RoomKinds = []string{KindOpening, KindEvaluation, KindDraw, KindAuction, KindNegotiation}

// RoomKindNames are the Chinese names of room kinds.
var RoomKindNames = map[string]string{
	KindOpening: "开标室", KindEvaluation: "评标室", KindDraw: "抽取室", KindAuction: "拍卖室", KindNegotiation: "谈判室",
}

// EventKindNames are the Chinese names of the project events rooms are
// booked for.
var EventKindNames = map[string]string{
	KindOpening: "开标", KindEvaluation: "评标", KindDraw: "专家抽取", KindAuction: "拍卖", KindNegotiation: "谈判磋商",
}

// roomsFor says which room kinds may hold an event kind: evaluations and
// negotiations may use each other's rooms; the others need their own.
var roomsFor = map[string][]string{
	KindOpening:     {KindOpening},
	KindEvaluation:  {KindEvaluation, KindNegotiation},
	KindDraw:        {KindDraw},
	KindAuction:     {KindAuction},
	KindNegotiation: {KindNegotiation, KindEvaluation},
}

// Room is a room of the centre.
type Room struct {
	ID          int64     `db:"id" json:"id"`
	Code        string    `db:"code" json:"code"`
	Name        string    `db:"name" json:"name"`
	Kind        string    `db:"kind" json:"kind"`
	Capacity    int       `db:"capacity" json:"capacity"`
	Equipment   string    `db:"equipment" json:"equipment"`
	OpenMinute  int       `db:"open_minute" json:"-"`
	CloseMinute int       `db:"close_minute" json:"-"`
	Active      bool      `db:"active" json:"active"`
	CreatedAt   time.Time `db:"created_at" json:"-"`
	UpdatedAt   time.Time `db:"updated_at" json:"-"`
}

// KindName is the Chinese name of the room's kind.
func (r Room) KindName() string { return RoomKindNames[r.Kind] }

// Opens is the opening time, e.g. "08:30".
func (r Room) Opens() string { return hm(r.OpenMinute) }

// Closes is the closing time, e.g. "17:30".
func (r Room) Closes() string { return hm(r.CloseMinute) }

// Hours is the opening hours, e.g. "08:30–17:30".
func (r Room) Hours() string { return r.Opens() + "–" + r.Closes() }

func hm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// RoomInput is a new room or a room's new details.
type RoomInput struct {
	Code      string
	Name      string
	Kind      string
	Capacity  int
	Equipment string
	Opens     string // "08:30", Asia/Shanghai
	Closes    string // "17:30"
	Active    bool
}

var roomCodeRe = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

func parseHM(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if strings.TrimSpace(s) == "24:00" {
			return 1440, true
		}
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

type roomRow struct{ Room }

func (in RoomInput) validate() (roomRow, error) {
	var f problem.Fields
	r := roomRow{Room: Room{Code: strings.TrimSpace(in.Code), Name: strings.TrimSpace(in.Name), Kind: in.Kind,
		Capacity: in.Capacity, Equipment: strings.TrimSpace(in.Equipment), Active: in.Active}}
	if !roomCodeRe.MatchString(r.Code) {
		f.Add("code", "room_code_invalid", "编号只能由字母、数字和连字符组成，不超过32个字符")
	}
	if r.Name == "" {
		f.Add("name", "required", "请填写名称")
	} else if utf8.RuneCountInString(r.Name) > 64 {
		f.Add("name", "too_long", "名称不能超过64个字")
	}
	if _, ok := RoomKindNames[r.Kind]; !ok {
		f.Add("kind", "room_kind_unknown", "请选择开标室、评标室、抽取室、拍卖室或谈判室")
	}
	if r.Capacity < 1 || r.Capacity > 10000 {
		f.Add("capacity", "capacity_invalid", "容纳人数应为1到10000")
	}
	if utf8.RuneCountInString(r.Equipment) > 500 {
		f.Add("equipment", "too_long", "设备说明不能超过500个字")
	}
	open, ok1 := parseHM(in.Opens)
	if !ok1 {
		f.Add("opens", "time_invalid", "开放时间应为如 08:30 的时:分")
	}
	closeM, ok2 := parseHM(in.Closes)
	if !ok2 {
		f.Add("closes", "time_invalid", "关闭时间应为如 17:30 的时:分")
	}
	if ok1 && ok2 && closeM <= open {
		f.Add("closes", "hours_invalid", "关闭时间应晚于开放时间")
	}
	r.OpenMinute, r.CloseMinute = open, closeM
	return r, f.Err()
}

// roomDup names the field a duplicate-key error is about.
func roomDup(ctx context.Context, tx *sqlx.Tx, err error, r roomRow, id int64) error {
	if !db.IsDuplicate(err) {
		return err
	}
	var n int
	if qerr := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM rooms WHERE code = ? AND id <> ?`, r.Code, id); qerr == nil && n > 0 {
		return problem.InvalidField("code", "room_code_taken", "该编号已被其他场地使用")
	}
	return problem.InvalidField("name", "room_name_taken", "该名称已被其他场地使用")
}

// CreateRoom adds a room.
func (s *Service) CreateRoom(ctx context.Context, in RoomInput) (int64, error) {
	r, err := in.validate()
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now().UTC()
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rooms (code, name, kind, capacity, equipment, open_minute, close_minute, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Code, r.Name, r.Kind, r.Capacity, r.Equipment, r.OpenMinute, r.CloseMinute, r.Active, now, now)
		if err != nil {
			return fmt.Errorf("create room %s: %w", r.Code, roomDup(ctx, tx, err, r, 0))
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "room.create", ObjectType: "room", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"code": r.Code, "name": r.Name, "kind": r.Kind, "capacity": r.Capacity, "hours": r.Hours()}})
	})
	return id, err
}

// UpdateRoom changes a room's details. A change that would strand a
// booking still to come — the room deactivated, of a kind that cannot hold
// its event, or with hours that no longer cover it — is refused, naming
// the bookings to move or cancel first. A running booking counts as still
// to come; past ones stay as they were.
func (s *Service) UpdateRoom(ctx context.Context, id int64, in RoomInput) error {
	r, err := in.validate()
	if err != nil {
		return err
	}
	now := s.Clock.Now().UTC()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if _, err := lockRoom(ctx, tx, id); err != nil {
			return err
		}
		var live []Booking
		if err := tx.SelectContext(ctx, &live, `SELECT `+bookingColumns+bookingFrom+`
			WHERE b.room_id = ? AND b.state = 'booked' AND b.ends_at > ? ORDER BY b.blocked_from`, id, now); err != nil {
			return fmt.Errorf("bookings of room %d: %w", id, err)
		}
		var stranded []string
		for _, b := range live {
			midnight := calendar.DateOf(b.BlockedFrom, clock.Shanghai).In(clock.Shanghai)
			opens := midnight.Add(time.Duration(r.OpenMinute) * time.Minute)
			closes := midnight.Add(time.Duration(r.CloseMinute) * time.Minute)
			running := !now.Before(b.StartsAt)
			if !r.Active || checkRoomKind(&r.Room, b.EventKind) != nil || !running && (b.BlockedFrom.Before(opens) || b.BlockedUntil.After(closes)) {
				stranded = append(stranded, b.describe())
			}
		}
		if len(stranded) > 0 {
			more := ""
			if len(stranded) > 3 {
				more = fmt.Sprintf("等%d项", len(stranded))
				stranded = stranded[:3]
			}
			return problem.New(problem.Conflict, "room_has_bookings", "该修改会使已有预约无法进行（停用、场地类型或开放时间不符）："+
				strings.Join(stranded, "；")+more+"。请先改期或取消这些预约")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rooms SET code = ?, name = ?, kind = ?, capacity = ?, equipment = ?, open_minute = ?,
			close_minute = ?, active = ?, updated_at = ? WHERE id = ?`,
			r.Code, r.Name, r.Kind, r.Capacity, r.Equipment, r.OpenMinute, r.CloseMinute, r.Active, now, id); err != nil {
			return fmt.Errorf("update room %d: %w", id, roomDup(ctx, tx, err, r, id))
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "room.update", ObjectType: "room", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"code": r.Code, "name": r.Name, "kind": r.Kind, "capacity": r.Capacity, "hours": r.Hours(), "active": r.Active}})
	})
}

const roomColumns = `id, code, name, kind, capacity, equipment, open_minute, close_minute, active, created_at, updated_at`

var errRoomNotFound = problem.New(problem.NotFound, "room_not_found", "场地不存在")

// Room returns one room.
func (s *Service) Room(ctx context.Context, id int64) (*Room, error) {
	var r Room
	err := sqlx.GetContext(ctx, s.DB, &r, `SELECT `+roomColumns+` FROM rooms WHERE id = ?`, id)
	if err == db.ErrNoRows {
		return nil, errRoomNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("room %d: %w", id, err)
	}
	return &r, nil
}

// Rooms lists the rooms by kind and code; inactive ones only when asked.
func (s *Service) Rooms(ctx context.Context, withInactive bool) ([]Room, error) {
	q := `SELECT ` + roomColumns + ` FROM rooms`
	if !withInactive {
		q += ` WHERE active = 1`
	}
	q += ` ORDER BY FIELD(kind, 'opening', 'evaluation', 'draw', 'auction', 'negotiation'), code`
	out := []Room{}
	if err := sqlx.SelectContext(ctx, s.DB, &out, q); err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return out, nil
}

// lockRoom reads the room and locks its row until the transaction ends:
// every change to the room's bookings takes this lock first, so they happen
// one after another.
func lockRoom(ctx context.Context, tx *sqlx.Tx, id int64) (*Room, error) {
	var r Room
	err := tx.GetContext(ctx, &r, `SELECT `+roomColumns+` FROM rooms WHERE id = ? FOR UPDATE`, id)
	if err == db.ErrNoRows {
		return nil, errRoomNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock room %d: %w", id, err)
	}
	return &r, nil
}
