package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Deposits is the trading area's record of the deposit checks of a closed
// lot's bidders: the source of truth. The opening copies each bid's deposit
// status at the unsealing, but staff check deposits after the lot closes,
// so the evaluation re-reads the status through this port:
//
//   - the 唱标 list shows the live status while the opening is in progress;
//   - CloseOpening copies the status into evaluation_bids, under the lot's
//     lock, in the transaction that issues the opening record (开标记录表), so
//     the record prints what was checked by then and is final;
//   - CheckDeposit lets staff check a deposit from the opening page.
type Deposits interface {
	// DepositChecks returns the check result of each given organisation's
	// sign-up on the lot: DepositOK, DepositFailed or DepositUnchecked.
	// Organisations without a sign-up are left out.
	DepositChecks(ctx context.Context, lotID int64, orgIDs []int64) (map[int64]string, error)
	// CheckDeposit records a check result (DepositOK or DepositFailed) of
	// the organisation's sign-up on the lot, with its own audit event.
	CheckDeposit(ctx context.Context, lotID, orgID int64, result string) error
}

// liveDeposits reads the current deposit status of the bids through the
// port; nil when there is no port.
func (s *Service) liveDeposits(ctx context.Context, bids []bidRow, lotID int64) (map[int64]string, error) {
	if s.Deposits == nil || len(bids) == 0 {
		return nil, nil
	}
	orgs := make([]int64, 0, len(bids))
	for _, b := range bids {
		orgs = append(orgs, b.OrgID)
	}
	m, err := s.Deposits.DepositChecks(ctx, lotID, orgs)
	if err != nil {
		return nil, fmt.Errorf("deposit checks of lot %d: %w", lotID, err)
	}
	return m, nil
}

// refreshDeposits copies the current deposit status of every bid into
// evaluation_bids (in tx, under the lot's lock); it returns how many
// changed. Safe to run again.
func (s *Service) refreshDeposits(ctx context.Context, tx *sqlx.Tx, lotID int64) (int, error) {
	bids, err := loadBids(ctx, tx, lotID)
	if err != nil {
		return 0, err
	}
	live, err := s.liveDeposits(ctx, bids, lotID)
	if err != nil || live == nil {
		return 0, err
	}
	changed := 0
	for _, b := range bids {
		v, ok := live[b.OrgID]
		if !ok || v == b.Deposit || !validDeposit(v) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_bids SET deposit = ? WHERE id = ?`, v, b.ID); err != nil {
			return 0, fmt.Errorf("deposit of bid %d: %w", b.ID, err)
		}
		changed++
	}
	return changed, nil
}

func validDeposit(v string) bool {
	return v == DepositOK || v == DepositFailed || v == DepositUnchecked
}

// CheckDeposit records, from the opening page, whether the deposit of a bid
// arrived (DepositOK) or not (DepositFailed): staff, while the opening is in
// progress. The lot's row is locked while the trading area records the check,
// so a concurrent CloseOpening (which re-reads the checks under the same
// lock) sees it; the evaluation's copy is updated in the same transaction.
// After the opening is closed the record is final and a check is refused.
func (s *Service) CheckDeposit(ctx context.Context, lotID, bidID int64, result string) error {
	if !isStaff(audit.ActorFrom(ctx)) {
		return forbidden("只有交易中心工作人员可以核验保证金")
	}
	if result != DepositOK && result != DepositFailed {
		return problem.InvalidField("result", "result_unknown", "核验结果只能是“已到账”或“未到账”")
	}
	if s.Deposits == nil {
		return errors.New("evaluation: Deposits not configured")
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateOpening {
			return stateConflict(l, "开标记录已定稿，不能再在开标现场核验保证金")
		}
		var b bidRow
		err = tx.GetContext(ctx, &b, `SELECT id, bid_ref, org_id, org_name, price, duration, quality, deposit, unseal, unseal_note,
			signed_in_at, confirm, confirmed_at FROM evaluation_bids WHERE id = ? AND lot_id = ?`, bidID, lotID)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.NotFound, "bid_not_found", "该投标不存在")
		}
		if err != nil {
			return err
		}
		if err := s.Deposits.CheckDeposit(ctx, lotID, b.OrgID, result); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_bids SET deposit = ? WHERE id = ?`, result, b.ID); err != nil {
			return fmt.Errorf("deposit of bid %d: %w", b.ID, err)
		}
		return record(ctx, tx, now, l, "evaluation.opening.deposit", map[string]any{"bid": b.ID, "result": result})
	})
}
