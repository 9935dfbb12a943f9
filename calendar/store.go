package calendar

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/problem"
)

// Store keeps the holiday schedule in the database (admins edit it) and
// serves a cached Calendar, refreshed after each change and at most every
// RefreshEvery so that edits on one instance reach the others.
type Store struct {
	DB           *sqlx.DB
	Clock        clock.Clock
	RefreshEvery time.Duration

	mu     sync.Mutex
	cached *Calendar
	loaded time.Time
}

// Day is a stored schedule entry as shown to admins.
type Day struct {
	Date    string
	Weekday string
	Kind    string // "holiday" or "workday"
	Name    string
}

var weekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func kindCode(k DayKind) string {
	if k == Workday {
		return "workday"
	}
	return "holiday"
}

// Calendar returns the current schedule.
func (s *Store) Calendar(ctx context.Context) (*Calendar, error) {
	every := s.RefreshEvery
	if every == 0 {
		every = time.Minute
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && time.Since(s.loaded) < every {
		return s.cached, nil
	}
	entries, err := s.load(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	s.cached, s.loaded = New(entries), time.Now()
	return s.cached, nil
}

func (s *Store) load(ctx context.Context, q sqlx.QueryerContext) ([]Entry, error) {
	var rows []struct {
		Day  time.Time `db:"day"`
		Kind string    `db:"kind"`
		Name string    `db:"name"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT day, kind, name FROM calendar_days ORDER BY day`); err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		k := Holiday
		if r.Kind == "workday" {
			k = Workday
		}
		out = append(out, Entry{Date: DateOf(r.Day, time.UTC), Kind: k, Name: r.Name})
	}
	return out, nil
}

// Days lists the entries of one year.
func (s *Store) Days(ctx context.Context, year int) ([]Day, error) {
	c, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var out []Day
	for _, e := range c.Entries() {
		if e.Date.Year != year {
			continue
		}
		out = append(out, Day{Date: e.Date.String(), Weekday: weekdays[e.Date.Weekday()], Kind: kindCode(e.Kind), Name: e.Name})
	}
	return out, nil
}

// MaxRangeDays is the longest run of days one entry sets (a holiday with
// its adjusted days off is at most 8 or 9 days).
const MaxRangeDays = 31

// SetDay sets the kind and name of one date.
func (s *Store) SetDay(ctx context.Context, date, kind, name string) error {
	return s.SetDays(ctx, date, "", kind, name)
}

// SetDays sets the kind and name of every date from date to to, both
// included (to empty: date alone), in one transaction with an audit event
// per date, as the State Council's notice gives them ("2月5日至11日放假").
// Every date of a run of 调休上班日 must be a Saturday or a Sunday.
func (s *Store) SetDays(ctx context.Context, date, to, kind, name string) error {
	var f problem.Fields
	d, err := ParseDate(strings.TrimSpace(date))
	if err != nil {
		f.AddErr("date", err)
	} else if d.Year < clock.MinYear || d.Year > clock.MaxYear {
		f.Add("date", "date_out_of_range", fmt.Sprintf("日期应在%d年至%d年之间", clock.MinYear, clock.MaxYear))
		err = f.Err()
	}
	last := d
	if to = strings.TrimSpace(to); to != "" && err == nil {
		e, terr := ParseDate(to)
		switch {
		case terr != nil:
			f.AddErr("to", terr)
			err = terr
		case d.DaysUntil(e) < 0:
			f.Add("to", "date_range_invalid", "结束日期不能早于开始日期")
			err = f.Err()
		case d.DaysUntil(e) >= MaxRangeDays:
			f.Add("to", "date_range_too_long", fmt.Sprintf("一次最多设置%d天", MaxRangeDays))
			err = f.Err()
		default:
			last = e
		}
	}
	if kind != "holiday" && kind != "workday" {
		f.Add("kind", "day_kind_unknown", "类型只能是法定节假日或调休上班日")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		f.Add("name", "required", "请填写节日名称")
	} else if utf8.RuneCountInString(name) > 64 {
		f.Add("name", "too_long", "名称不能超过64个字")
	}
	if err == nil && kind == "workday" {
		for x := d; x.DaysUntil(last) >= 0; x = x.AddDays(1) {
			if wd := x.Weekday(); wd != time.Saturday && wd != time.Sunday {
				field := "kind"
				if x != d {
					field = "to"
				}
				f.Add(field, "workday_not_weekend", fmt.Sprintf("调休上班日只能是星期六或星期日（%s不是）", x))
				break
			}
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		actor := audit.ActorFrom(ctx)
		for x := d; x.DaysUntil(last) >= 0; x = x.AddDays(1) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (day, kind, name, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
				ON DUPLICATE KEY UPDATE kind = VALUES(kind), name = VALUES(name), updated_by = VALUES(updated_by), updated_at = VALUES(updated_at)`,
				x.String(), kind, name, nullID(actor.UserID), now); err != nil {
				return fmt.Errorf("set calendar day %s: %w", x, err)
			}
			if err := audit.Record(ctx, tx, now, audit.Event{Action: "calendar.set", ObjectType: "calendar_day", ObjectID: x.String(),
				Summary: map[string]any{"kind": kind, "name": name}}); err != nil {
				return err
			}
		}
		return nil
	})
	s.invalidate()
	return err
}

// DeleteDay removes the entry for a date.
func (s *Store) DeleteDay(ctx context.Context, date string) error {
	d, err := ParseDate(strings.TrimSpace(date))
	if err != nil {
		var f problem.Fields
		f.AddErr("date", err)
		return f.Err()
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calendar_days WHERE day = ?`, d.String())
		if err != nil {
			return fmt.Errorf("delete calendar day %s: %w", d, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.New(problem.NotFound, "calendar_day_not_found", "该日期没有登记")
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "calendar.delete", ObjectType: "calendar_day", ObjectID: d.String()})
	})
	s.invalidate()
	return err
}

// SeedIfEmpty loads the built-in 2025 and 2026 schedules into an empty table.
func (s *Store) SeedIfEmpty(ctx context.Context) (int, error) {
	n := 0
	now := s.Clock.Now()
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		n = 0
		var count int
		if err := tx.GetContext(ctx, &count, `SELECT COUNT(*) FROM calendar_days`); err != nil {
			return err
		}
		if count > 0 {
			return nil
		}
		for _, e := range Seed2025And2026() {
			if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (day, kind, name, updated_at) VALUES (?, ?, ?, ?)`,
				e.Date.String(), kindCode(e.Kind), e.Name, now); err != nil {
				return fmt.Errorf("seed calendar %s: %w", e.Date, err)
			}
			n++
		}
		return audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "calendar.seed", ObjectType: "calendar", ObjectID: "2025-2026",
			Summary: map[string]any{"days": n, "basis": "国办发明电〔2024〕12号、国办发明电〔2025〕7号"}})
	})
	s.invalidate()
	return n, err
}

func (s *Store) invalidate() {
	s.mu.Lock()
	s.cached = nil
	s.mu.Unlock()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
