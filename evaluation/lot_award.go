package evaluation

import (
	"context"
	"fmt"

	"ggzy/money"
	"ggzy/problem"
)

// LotAward is what the evaluation decided for a lot, as the trading area's
// result notice must state it.
type LotAward struct {
	Evaluated bool      // the lot has an evaluation record in this system
	Awarded   bool      // the award notice (中标通知书) was issued
	Winner    string    // the awarded organisation's name
	Price     money.Fen // its price
	StateName string    // where the evaluation stands (待开标, 评标中, 已发中标通知…)
}

// AwardOf reports the lot's evaluation and award. A lot without an
// evaluation record is not evaluated (its evaluation took place outside the
// system, or none is needed).
func (s *Service) AwardOf(ctx context.Context, lotID int64) (LotAward, error) {
	l, err := loadLot(ctx, s.DB, lotID, false)
	if problem.Is(err, "evaluation_not_found") {
		return LotAward{}, nil
	}
	if err != nil {
		return LotAward{}, err
	}
	a := LotAward{Evaluated: true, StateName: StateNames[l.State]}
	if l.State != StateAwarded || !l.AwardBidID.Valid {
		return a, nil
	}
	var w struct {
		Name  string `db:"org_name"`
		Price int64  `db:"price"`
	}
	if err := s.DB.GetContext(ctx, &w, `SELECT org_name, price FROM evaluation_bids WHERE id = ?`, l.AwardBidID.Int64); err != nil {
		return a, fmt.Errorf("award of lot %d: %w", lotID, err)
	}
	a.Awarded, a.Winner, a.Price = true, w.Name, money.Fen(w.Price)
	return a, nil
}
