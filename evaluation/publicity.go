package evaluation

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
	"ggzy/schedule"
)

// StartPublicity publishes the candidates (中标候选人公示) for the lot's
// publicity period (≥ 3 日, setting evaluation.publicity_days) and schedules
// its end as the timed event PublicityEvent "lot:<id>". The project's
// agency or staff start it once the report is closed.
func (s *Service) StartPublicity(ctx context.Context, lotID int64) error {
	a := audit.ActorFrom(ctx)
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return err
	}
	if !isStaff(a) && !ownsLot(a, li) {
		return forbidden("只有交易中心工作人员或本项目招标代理机构可以发布中标候选人公示")
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateConcluded {
			return stateConflict(l, "评标报告签署结束后方可公示中标候选人")
		}
		days := max(l.PublicityDays, 3)
		end := now.AddDate(0, 0, days)
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, publicity_start = ?, publicity_end = ?, updated_at = ? WHERE lot_id = ?`,
			StatePublicity, now, end, now, lotID); err != nil {
			return err
		}
		if err := schedule.At(ctx, tx, PublicityEvent, lotTarget(lotID), end, now); err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.publicity.start", map[string]any{"days": days, "end": end})
	})
}

// pause stops the publicity clock for an objection: the end event is
// cancelled and the remaining time kept.
func (s *Service) pause(ctx context.Context, tx *sqlx.Tx, l *lotRow, now time.Time) error {
	if l.PausedAt.Valid {
		return nil
	}
	remaining := int64(l.PublicityEnd.Time.Sub(now) / time.Second)
	if remaining < 0 {
		remaining = 0
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET paused_at = ?, remaining_seconds = ?, updated_at = ? WHERE lot_id = ?`, now, remaining, now, l.LotID); err != nil {
		return err
	}
	if err := schedule.Cancel(ctx, tx, PublicityEvent, lotTarget(l.LotID), now); err != nil {
		return err
	}
	return record(ctx, tx, now, l, "evaluation.publicity.pause", map[string]any{"remaining_seconds": remaining})
}

// resumeIfClear restarts a paused publicity for its remaining time once no
// objection of the publicity is open.
func (s *Service) resumeIfClear(ctx context.Context, tx *sqlx.Tx, l *lotRow, now time.Time) error {
	var open int
	if err := tx.GetContext(ctx, &open, `SELECT COUNT(*) FROM evaluation_objections WHERE lot_id = ? AND stage = 'publicity' AND answered_at IS NULL`, l.LotID); err != nil {
		return err
	}
	if open > 0 {
		return nil
	}
	end := now.Add(time.Duration(l.Remaining.Int64) * time.Second)
	if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET paused_at = NULL, remaining_seconds = NULL, publicity_end = ?, updated_at = ? WHERE lot_id = ?`,
		end, now, l.LotID); err != nil {
		return err
	}
	if err := schedule.At(ctx, tx, PublicityEvent, lotTarget(l.LotID), end, now); err != nil {
		return err
	}
	return record(ctx, tx, now, l, "evaluation.publicity.resume", map[string]any{"end": end})
}

// EndPublicity ends a lot's candidate publicity; it is the handler of the
// timed event PublicityEvent ("lot:<id>"). It is idempotent: a paused
// publicity, one whose end moved later, or one already ended changes
// nothing.
func (s *Service) EndPublicity(ctx context.Context, lotID int64) error {
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if problem.Is(err, "evaluation_not_found") {
			return nil
		}
		if err != nil {
			return err
		}
		if l.State != StatePublicity || l.PausedAt.Valid || now.Before(l.PublicityEnd.Time) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, updated_at = ? WHERE lot_id = ?`, StatePublicityEnded, now, lotID); err != nil {
			return err
		}
		return audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "evaluation.publicity.end", ObjectType: "lot", ObjectID: fmt.Sprint(lotID),
			ProjectID: l.ProjectID, Summary: map[string]any{"end": l.PublicityEnd.Time}})
	})
}

// Award is the award decision: the first-ranked candidate (state-funded
// projects award rank 1).
type Award struct {
	LotID     int64     `json:"lot_id"`
	ProjectID int64     `json:"project_id"`
	BidID     int64     `json:"bid_id"`
	OrgID     int64     `json:"org_id"`
	Winner    string    `json:"winner"`
	Price     money.Fen `json:"price_fen"`
	AwardedAt time.Time `json:"awarded_at"`
}

// AwardLot records the award to the first-ranked candidate once the
// publicity has ended (the agency or staff), and issues the award notice
// (中标通知书) in the same transaction. Awarding twice is refused.
func (s *Service) AwardLot(ctx context.Context, lotID int64) (*Award, error) {
	a := audit.ActorFrom(ctx)
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return nil, err
	}
	if !isStaff(a) && !ownsLot(a, li) {
		return nil, forbidden("只有交易中心工作人员或本项目招标代理机构可以确定中标人")
	}
	now := s.Clock.Now()
	var out *Award
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StatePublicityEnded {
			return stateConflict(l, "公示期满且无未答复的异议后方可确定中标人")
		}
		var w struct {
			BidID   int64  `db:"id"`
			OrgID   int64  `db:"org_id"`
			OrgName string `db:"org_name"`
			Price   int64  `db:"price"`
		}
		if err := tx.GetContext(ctx, &w, `SELECT b.id, b.org_id, b.org_name, b.price FROM evaluation_results r JOIN evaluation_bids b ON b.id = r.bid_id
			WHERE r.lot_id = ? AND r.rank_no = 1`, lotID); err != nil {
			return fmt.Errorf("first candidate of lot %d: %w", lotID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, awarded_at = ?, award_bid_id = ?, updated_at = ? WHERE lot_id = ?`,
			StateAwarded, now, w.BidID, now, lotID); err != nil {
			return err
		}
		out = &Award{LotID: lotID, ProjectID: l.ProjectID, BidID: w.BidID, OrgID: w.OrgID, Winner: w.OrgName, Price: money.Fen(w.Price), AwardedAt: now}
		if err := record(ctx, tx, now, l, "evaluation.award", map[string]any{"bid": w.BidID, "winner": w.OrgName, "price": money.Fen(w.Price).String()}); err != nil {
			return err
		}
		return s.issueTx(ctx, tx, now, li, lotID, DocAwardNotice)
	})
	return out, err
}
