package trading

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// DeleteDraft removes a registration its agency drafted and never
// submitted (no code was given to it): a draft entered twice, or one given
// up. Anything the centre has attached to it — a room booking, an expert
// draw, a fixed-price selection, an evaluation — keeps it.
func (s *Service) DeleteDraft(ctx context.Context, id int64) error {
	a, err := requireAgency(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		var p struct {
			Title string  `db:"title"`
			Code  *string `db:"code"`
		}
		if err := tx.GetContext(ctx, &p, `SELECT title, code FROM trading_projects WHERE id = ?`, id); err != nil {
			return fmt.Errorf("project %d: %w", id, err)
		}
		if status != StatusDraft || (p.Code != nil && *p.Code != "") {
			return problem.New(problem.Conflict, "project_not_draft", "只能删除从未提交的草稿；已提交的登记可撤回修改，不能删除")
		}
		for _, q := range []struct{ sql, what string }{
			{`SELECT COUNT(*) FROM room_bookings WHERE project_id = ? AND state = 'booked'`, "场地预约"},
			{`SELECT COUNT(*) FROM expert_draws WHERE project_id = ?`, "专家抽取"},
			{`SELECT COUNT(*) FROM fixedprice_selections WHERE project_id = ?`, "固定价比选"},
			{`SELECT COUNT(*) FROM evaluation_lots WHERE project_id = ?`, "评标安排"},
		} {
			var n int
			if err := tx.GetContext(ctx, &n, q.sql, id); err != nil {
				return fmt.Errorf("uses of project %d: %w", id, err)
			}
			if n > 0 {
				return problem.New(problem.Conflict, "project_in_use", fmt.Sprintf("该草稿已有%s，不能删除；请联系交易中心", q.what))
			}
		}
		for _, q := range []string{
			`DELETE FROM trading_invitees WHERE project_id = ?`,
			`DELETE FROM trading_invitations WHERE project_id = ?`,
			`DELETE FROM trading_lots WHERE project_id = ?`,
			`DELETE FROM trading_projects WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				if db.IsForeignKey(err) {
					return problem.New(problem.Conflict, "project_in_use", "该草稿已被其他记录引用，不能删除；请联系交易中心")
				}
				return fmt.Errorf("delete draft %d: %w", id, err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.delete", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"title": p.Title}})
	})
}

// WithdrawSubmission takes a submitted registration back to the agency
// before the centre has decided on it, to correct it and submit again; it
// keeps its code. Once accepted or returned, the centre's decision stands.
func (s *Service) WithdrawSubmission(ctx context.Context, id int64) error {
	a, err := requireAgency(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		if status != StatusSubmitted {
			return problem.New(problem.Conflict, "project_not_submitted", "只有已提交、交易中心尚未受理或退回的登记可以撤回")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET status = ?, updated_at = ? WHERE id = ?`, StatusDraft, now, id); err != nil {
			return fmt.Errorf("withdraw project %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.withdraw", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id})
	})
}
