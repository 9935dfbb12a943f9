package schedule

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Event states.
const (
	EventPending   = "pending"
	EventRunning   = "running"
	EventDone      = "done"
	EventFailed    = "failed" // gave up after the last retry; shown to staff
	EventCancelled = "cancelled"
)

// At schedules the event (kind, target) to run at due, inside the caller's
// transaction, so that the event exists exactly when the change that needs
// it commits. Scheduling the same kind and target again moves a pending
// event (a deadline that moved) or re-arms a finished one.
func At(ctx context.Context, ext sqlx.ExtContext, kind, target string, due, now time.Time) error {
	due, now = due.UTC(), now.UTC()
	_, err := ext.ExecContext(ctx, `INSERT INTO timed_events (kind, target, due_at, state, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)
		ON DUPLICATE KEY UPDATE due_at = VALUES(due_at), next_attempt_at = VALUES(next_attempt_at), state = 'pending',
		  attempts = 0, last_error = '', claimed_by = NULL, claimed_until = NULL, updated_at = VALUES(updated_at)`,
		kind, target, due, due, now, now)
	if err != nil {
		return fmt.Errorf("schedule %s %s at %s: %w", kind, target, due.Format(time.RFC3339), err)
	}
	return nil
}

// Cancel cancels a pending event (kind, target); it is no error when there
// is none.
func Cancel(ctx context.Context, ext sqlx.ExtContext, kind, target string, now time.Time) error {
	_, err := ext.ExecContext(ctx, `UPDATE timed_events SET state = 'cancelled', updated_at = ? WHERE kind = ? AND target = ? AND state = 'pending'`,
		now.UTC(), kind, target)
	if err != nil {
		return fmt.Errorf("cancel %s %s: %w", kind, target, err)
	}
	return nil
}

// TargetID reads an event target written "<prefix>:<id>".
func TargetID(target, prefix string) (int64, error) {
	rest, ok := strings.CutPrefix(target, prefix+":")
	id, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0, fmt.Errorf("event target %q: want %s:<id>", target, prefix)
	}
	return id, nil
}
