package schedule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// EventFilter selects timed events for the staff page.
type EventFilter struct {
	State string // one of the Event* states; "" for any
	Kind  string
	// Overdue selects pending events whose time has passed by more than a
	// minute (nothing runs them: no instance handles their kind, or the
	// engine is not running).
	Overdue bool
	Limit   int
}

// EventStateNames are the Chinese names of event states.
var EventStateNames = map[string]string{
	EventPending: "待执行", EventRunning: "执行中", EventDone: "已完成", EventFailed: "失败", EventCancelled: "已取消",
}

// Events lists timed events, the most urgent first.
func (s *Service) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	if f.State != "" {
		if _, ok := EventStateNames[f.State]; !ok {
			return nil, problem.InvalidField("state", "event_state_unknown", "事件状态不正确")
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	var where []string
	var args []any
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, f.State)
	}
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	if f.Overdue {
		where = append(where, "state = 'pending' AND next_attempt_at < ?")
		args = append(args, s.Clock.Now().UTC().Add(-time.Minute))
	}
	q := `SELECT ` + eventColumns + ` FROM timed_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY next_attempt_at, id"
	if f.State == EventDone || f.State == EventFailed || f.State == EventCancelled {
		order = " ORDER BY updated_at DESC, id DESC"
	}
	q += order + " LIMIT ?"
	args = append(args, f.Limit)
	out := []Event{}
	if err := sqlx.SelectContext(ctx, s.DB, &out, q, args...); err != nil {
		return nil, fmt.Errorf("list timed events: %w", err)
	}
	return out, nil
}

// EventCounts counts events by state.
func (s *Service) EventCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT state, COUNT(*) AS n FROM timed_events GROUP BY state`); err != nil {
		return nil, fmt.Errorf("count timed events: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// RetryEvent re-arms a failed event to run at once with fresh attempts.
func (s *Service) RetryEvent(ctx context.Context, id int64) error {
	now := s.Clock.Now().UTC()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var ev Event
		err := tx.GetContext(ctx, &ev, `SELECT `+eventColumns+` FROM timed_events WHERE id = ? FOR UPDATE`, id)
		if err == db.ErrNoRows {
			return problem.New(problem.NotFound, "event_not_found", "定时事件不存在")
		}
		if err != nil {
			return fmt.Errorf("retry event %d: %w", id, err)
		}
		if ev.State != EventFailed {
			return problem.New(problem.Conflict, "event_not_failed", "只有失败的定时事件可以重新执行，该事件当前为"+EventStateNames[ev.State])
		}
		if _, err := tx.ExecContext(ctx, `UPDATE timed_events SET state = 'pending', attempts = 0, next_attempt_at = ?, last_error = '',
			finished_at = NULL, updated_at = ? WHERE id = ?`, now, now, id); err != nil {
			return fmt.Errorf("retry event %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "timed_event.retry", ObjectType: "timed_event", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"kind": ev.Kind, "target": ev.Target, "attempts": ev.Attempts, "last_error": ev.LastError}})
	})
}
