package evaluation

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/money"
)

// ReadOutPrice is a price read out at an opening (唱标): what the
// supervisors' red flag "price hugging the ceiling" (package flags) reads. A
// bid of a failed opening (流标) was never read out and is not one of them.
type ReadOutPrice struct {
	LotID   int64     `db:"lot_id"`
	OrgID   int64     `db:"org_id"`
	OrgName string    `db:"org_name"`
	Price   money.Fen `db:"price"`
}

// ReadOutPrices returns the prices read out at the openings of the given
// lots, for staff and supervisors.
func (s *Service) ReadOutPrices(ctx context.Context, lotIDs []int64) ([]ReadOutPrice, error) {
	if a := audit.ActorFrom(ctx); !isStaff(a) && !isSupervisor(a) {
		return nil, forbidden("无权查看开标记录")
	}
	var out []ReadOutPrice
	const chunk = 500
	for start := 0; start < len(lotIDs); start += chunk {
		ids := lotIDs[start:min(start+chunk, len(lotIDs))]
		q, args, err := sqlx.In(`SELECT lot_id, org_id, org_name, price FROM evaluation_bids WHERE unseal = ? AND lot_id IN (?) ORDER BY lot_id, bid_ref`, UnsealOK, ids)
		if err != nil {
			return nil, err
		}
		var rows []ReadOutPrice
		if err := s.DB.SelectContext(ctx, &rows, s.DB.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("read-out prices: %w", err)
		}
		out = append(out, rows...)
	}
	return out, nil
}

// NotOpenedLots returns those of the given lots whose bids the opening did
// not open (fewer than three submitted: 不予开标, UnsealNotOpened): nothing
// of their content was read, and the supervisors' red flags must not judge
// it (identical bid files are a statement about content).
func (s *Service) NotOpenedLots(ctx context.Context, lotIDs []int64) ([]int64, error) {
	if a := audit.ActorFrom(ctx); !isStaff(a) && !isSupervisor(a) {
		return nil, forbidden("无权查看开标记录")
	}
	var out []int64
	const chunk = 500
	for start := 0; start < len(lotIDs); start += chunk {
		ids := lotIDs[start:min(start+chunk, len(lotIDs))]
		q, args, err := sqlx.In(`SELECT DISTINCT lot_id FROM evaluation_bids WHERE unseal = ? AND lot_id IN (?)`, UnsealNotOpened, ids)
		if err != nil {
			return nil, err
		}
		var rows []int64
		if err := s.DB.SelectContext(ctx, &rows, s.DB.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("lots not opened: %w", err)
		}
		out = append(out, rows...)
	}
	return out, nil
}
