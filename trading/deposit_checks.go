package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"ggzy/problem"
)

// Accessors of the deposit checks by lot and organisation, for the
// evaluation's opening (through wiring.TradingDeposits): the evaluation knows
// a bid by its organisation, trading's sign-ups by their sealed ids.

// DepositChecks returns the deposit check (DepositOK, DepositFailed or "")
// of each given organisation's sign-up on a closed lot; organisations
// without a sign-up are left out. Before the lot closes nothing is answered
// (the sign-ups are secret until the opening).
func (s *Service) DepositChecks(ctx context.Context, lotID int64, orgIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(orgIDs) == 0 {
		return out, nil
	}
	var status string
	err := s.DB.GetContext(ctx, &status, `SELECT status FROM trading_lots WHERE id = ?`, lotID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && status != LotClosed) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lot %d: %w", lotID, err)
	}
	blinds := make([]string, 0, len(orgIDs))
	orgOf := map[string]int64{}
	for _, o := range orgIDs {
		b := s.orgBlind(lotID, o)
		blinds = append(blinds, b)
		orgOf[b] = o
	}
	q, args, err := sqlx.In(`SELECT org_blind, deposit_check FROM trading_signups WHERE lot_id = ? AND org_blind IN (?)`, lotID, blinds)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Blind string `db:"org_blind"`
		Check string `db:"deposit_check"`
	}
	if err := s.DB.SelectContext(ctx, &rows, s.DB.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("deposit checks of lot %d: %w", lotID, err)
	}
	for _, r := range rows {
		out[orgOf[r.Blind]] = r.Check
	}
	return out, nil
}

// CheckDepositOf is CheckDeposit for the sign-up of an organisation on a lot.
func (s *Service) CheckDepositOf(ctx context.Context, lotID, orgID int64, result string) error {
	var id int64
	err := s.DB.GetContext(ctx, &id, `SELECT id FROM trading_signups WHERE lot_id = ? AND org_blind = ?`, lotID, s.orgBlind(lotID, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return problem.New(problem.NotFound, "signup_not_found", "报名记录不存在或尚未开标")
	}
	if err != nil {
		return fmt.Errorf("sign-up of org %d on lot %d: %w", orgID, lotID, err)
	}
	return s.CheckDeposit(ctx, id, result)
}
