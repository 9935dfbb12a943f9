package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
	"ggzy/schedule"
)

// Timed events of the trading area besides DeadlineEvent; targets are
// "project:<id>".
const (
	// SignupEndEvent runs when a published project's sign-up period
	// (报名期, the announcement period bidders may act in) ends: the project
	// is marked 报名已截止. Scheduled by Publish at the sign-up deadline.
	SignupEndEvent = "trading.signup_end"
	// RefundDueEvent runs at the start (00:00 Asia/Shanghai) of the day the
	// project's deposit refunds fall due: the refunds still open are listed
	// for staff (a notice on the refunds page). Scheduled by PublishResult,
	// which computes the due day from the refund rule.
	RefundDueEvent = "trading.refund_due"
)

// scheduleSignupEnd puts the project's sign-up end event in the caller's
// transaction (a project without a sign-up deadline has none).
func scheduleSignupEnd(ctx context.Context, tx sqlx.ExtContext, projectID int64, until, now time.Time) error {
	if until.IsZero() {
		return nil
	}
	return schedule.At(ctx, tx, SignupEndEvent, projectObject(projectID), until, now)
}

// scheduleRefundDue puts the project's refund event at the start of the due
// day in the caller's transaction.
func scheduleRefundDue(ctx context.Context, tx sqlx.ExtContext, projectID int64, due calendar.Date, now time.Time) error {
	return schedule.At(ctx, tx, RefundDueEvent, projectObject(projectID), due.In(clock.Shanghai), now)
}

// HandleSignupEnd is the handler of SignupEndEvent.
func (s *Service) HandleSignupEnd(ctx context.Context, target string) error {
	id, err := schedule.TargetID(target, "project")
	if err != nil {
		return err
	}
	return s.EndSignup(ctx, id)
}

// HandleRefundDue is the handler of RefundDueEvent.
func (s *Service) HandleRefundDue(ctx context.Context, target string) error {
	id, err := schedule.TargetID(target, "project")
	if err != nil {
		return err
	}
	return s.ListRefundsDue(ctx, id)
}

// EndSignup marks the end of a published project's sign-up period
// (报名已截止) and records it in the project's archive. It is idempotent: a
// project already marked, not published (a result came first) or whose
// sign-up deadline is still ahead is left as it is.
func (s *Service) EndSignup(ctx context.Context, projectID int64) error {
	changed := false
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		changed = false
		var p struct {
			Status      string       `db:"status"`
			SignupUntil sql.NullTime `db:"signup_until"`
			ClosedAt    sql.NullTime `db:"signup_closed_at"`
			Lots        int          `db:"lots"`
		}
		err := tx.GetContext(ctx, &p, `SELECT status, signup_until, signup_closed_at,
			(SELECT COUNT(*) FROM trading_lots l WHERE l.project_id = trading_projects.id) AS lots
			FROM trading_projects WHERE id = ? FOR UPDATE`, projectID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // nothing to mark
		}
		if err != nil {
			return fmt.Errorf("lock project %d: %w", projectID, err)
		}
		now := s.Clock.Now()
		if p.ClosedAt.Valid || !p.SignupUntil.Valid || now.Before(p.SignupUntil.Time) || p.Status != StatusPublished {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET signup_closed_at = ?, updated_at = ? WHERE id = ? AND signup_closed_at IS NULL`,
			now, now, projectID); err != nil {
			return fmt.Errorf("end sign-up of project %d: %w", projectID, err)
		}
		changed = true
		// Not even the number of sign-ups: how many signed up stays sealed
		// until the opening (the closing's event at the deadline counts them).
		return audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "trading.project.signup_end", ObjectType: "project",
			ObjectID: fmt.Sprint(projectID), ProjectID: projectID,
			Summary: map[string]any{"signup_until": p.SignupUntil.Time, "lots": p.Lots}})
	})
	if err == nil && changed {
		s.portalInvalidate()
	}
	return err
}

// SignupClosedAt returns when the sign-up end of the project was marked
// (zero while it is not).
func (s *Service) SignupClosedAt(ctx context.Context, projectID int64) (time.Time, error) {
	var at sql.NullTime
	err := s.DB.GetContext(ctx, &at, `SELECT signup_closed_at FROM trading_projects WHERE id = ?`, projectID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("sign-up end of project %d: %w", projectID, err)
	}
	return at.Time, nil
}

// ListRefundsDue lists, for staff, the deposits of the project whose refund
// falls due today or earlier and are not yet recorded as refunded: one
// notice per project and due day, with the number and the sum. It is
// idempotent (the notice is keyed by project and due day) and does nothing
// before the due day, or when everything was refunded in time.
func (s *Service) ListRefundsDue(ctx context.Context, projectID int64) error {
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		today := dayOf(now).String()
		var open []struct {
			Due     time.Time `db:"refund_due"`
			Deposit int64     `db:"deposit"`
		}
		if err := tx.SelectContext(ctx, &open, `SELECT s.refund_due, l.deposit FROM trading_signups s JOIN trading_lots l ON l.id = s.lot_id
			WHERE s.project_id = ? AND s.refund_due IS NOT NULL AND s.refunded_at IS NULL AND s.refund_due <= ?
			ORDER BY s.refund_due, s.id FOR UPDATE`, projectID, today); err != nil {
			return fmt.Errorf("refunds due of project %d: %w", projectID, err)
		}
		type sum struct {
			n      int
			amount int64
		}
		byDue := map[string]*sum{}
		var days []string
		for _, r := range open {
			d := r.Due.Format("2006-01-02")
			if byDue[d] == nil {
				byDue[d] = &sum{}
				days = append(days, d)
			}
			byDue[d].n++
			byDue[d].amount += r.Deposit
		}
		for _, d := range days {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM trading_refund_notices WHERE project_id = ? AND due = ?`, projectID, d); err != nil {
				return fmt.Errorf("refund notice: %w", err)
			}
			if n > 0 {
				continue // listed by an earlier run
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO trading_refund_notices (project_id, due, signups, amount_fen, listed_at) VALUES (?, ?, ?, ?, ?)`,
				projectID, d, byDue[d].n, byDue[d].amount, now); err != nil {
				return fmt.Errorf("refund notice: %w", err)
			}
			if err := audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "trading.deposit.refund_due", ObjectType: "project",
				ObjectID: fmt.Sprint(projectID), ProjectID: projectID,
				Summary: map[string]any{"due": d, "open": byDue[d].n, "amount_fen": byDue[d].amount}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// RefundNotice is what the refund event listed for staff: the deposits of a
// project falling due on a day and still open when it ran.
type RefundNotice struct {
	ProjectID int64  `db:"project_id" json:"project_id"`
	Code      string `db:"code" json:"code"`
	Title     string `db:"title" json:"title"`
	Due       string `db:"-" json:"due"`
	// Signups and AmountFen are as listed; Open is how many are still not
	// refunded now.
	Signups   int       `db:"signups" json:"signups"`
	AmountFen int64     `db:"amount_fen" json:"amount_fen"`
	Open      int       `db:"open" json:"open"`
	ListedAt  time.Time `db:"listed_at" json:"listed_at"`

	DueDate time.Time `db:"due" json:"-"`
}

// Amount is the listed sum in yuan with separators.
func (n RefundNotice) Amount() string { return money.Fen(n.AmountFen).String() }

// RefundNotices lists the refund notices whose deposits are not all
// refunded yet, earliest due first, for staff and supervisors.
func (s *Service) RefundNotices(ctx context.Context) ([]RefundNotice, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) && !a.Has(accounts.RoleSupervisor) {
		return nil, problem.New(problem.Forbidden, "forbidden", "无权查看保证金退还")
	}
	out := []RefundNotice{}
	if err := s.DB.SelectContext(ctx, &out, `SELECT n.project_id, COALESCE(p.code, '') AS code, p.title, n.due, n.signups, n.amount_fen, n.listed_at,
			(SELECT COUNT(*) FROM trading_signups s WHERE s.project_id = n.project_id AND s.refunded_at IS NULL AND s.refund_due <= n.due) AS open
		FROM trading_refund_notices n JOIN trading_projects p ON p.id = n.project_id
		WHERE EXISTS (SELECT 1 FROM trading_signups s WHERE s.project_id = n.project_id AND s.refunded_at IS NULL AND s.refund_due <= n.due)
		ORDER BY n.due, n.project_id LIMIT 500`); err != nil {
		return nil, fmt.Errorf("refund notices: %w", err)
	}
	for i := range out {
		out[i].Due = out[i].DueDate.Format("2006-01-02")
	}
	return out, nil
}
