package trading

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"ggzy/clock"
)

// MonthlyTotal counts the projects of one kind published in one month
// (Asia/Shanghai) and their amounts.
type MonthlyTotal struct {
	Kind  string `json:"kind"`
	Month string `json:"month"` // "2026-03"
	// Projects is how many projects were published in the month.
	Projects int `json:"projects"`
	// AmountFen is the sum of their lots' prices: the ceiling (招标控制价)
	// of engineering, the budget (采购预算) of procurement, the starting
	// price (起始价) of land and the listing price (挂牌价) of property; for
	// a fixed-price selection (固定价比选) its control price.
	AmountFen int64 `json:"amount_fen"`
	// Results is how many of them have a published result, and AwardedFen
	// the sum of their awarded prices (中标/成交价; for a fixed-price
	// selection its fixed price).
	Results    int   `json:"results"`
	AwardedFen int64 `json:"awarded_fen"`
}

// selectProjectAmounts reads every published project with its amounts, one
// row per project. Correlated sub-queries keep one row per project without
// a GROUP BY over the lots (portable, and the lots of a project are few).
const selectProjectAmounts = `SELECT p.id, p.kind, p.status, p.published_at,
	COALESCE((SELECT SUM(l.price) FROM trading_lots l WHERE l.project_id = p.id), 0) AS lots_price,
	COALESCE((SELECT SUM(l.award_price) FROM trading_lots l WHERE l.project_id = p.id), 0) AS lots_awarded,
	COALESCE(f.control_price, 0) AS fp_control, COALESCE(f.fixed_price, 0) AS fp_fixed
	FROM trading_projects p LEFT JOIN fixedprice_selections f ON f.project_id = p.id
	WHERE p.published_at IS NOT NULL`

// MonthlyTotals counts the published projects per kind and month of
// publication (Asia/Shanghai), with their amounts. The nightly statistics
// job of the schedule calls it (through an adapter in package wiring) and
// stores what it returns; the totals are complete each time, so the job can
// replace what it stored before. The month is taken in Go with the
// Shanghai zone, not in SQL, which keeps the query portable.
func (s *Service) MonthlyTotals(ctx context.Context) ([]MonthlyTotal, error) {
	rows, err := s.DB.QueryxContext(ctx, selectProjectAmounts)
	if err != nil {
		return nil, fmt.Errorf("monthly totals: %w", err)
	}
	defer rows.Close()
	type key struct{ kind, month string }
	sums := map[key]*MonthlyTotal{}
	for rows.Next() {
		var r struct {
			ID          int64     `db:"id"`
			Kind        string    `db:"kind"`
			Status      string    `db:"status"`
			PublishedAt time.Time `db:"published_at"`
			LotsPrice   int64     `db:"lots_price"`
			LotsAwarded int64     `db:"lots_awarded"`
			FPControl   int64     `db:"fp_control"`
			FPFixed     int64     `db:"fp_fixed"`
		}
		if err := rows.StructScan(&r); err != nil {
			return nil, fmt.Errorf("monthly totals: %w", err)
		}
		k := key{r.Kind, r.PublishedAt.In(clock.Shanghai).Format("2006-01")}
		t := sums[k]
		if t == nil {
			t = &MonthlyTotal{Kind: k.kind, Month: k.month}
			sums[k] = t
		}
		t.Projects++
		t.AmountFen += r.LotsPrice + r.FPControl
		if r.Status == StatusResult {
			t.Results++
			awarded := r.LotsAwarded
			if r.FPControl > 0 && awarded == 0 {
				awarded = r.FPFixed
			}
			t.AwardedFen += awarded
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("monthly totals: %w", err)
	}
	out := make([]MonthlyTotal, 0, len(sums))
	for _, t := range sums {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b MonthlyTotal) int {
		if c := strings.Compare(b.Month, a.Month); c != 0 {
			return c
		}
		if c := kindRank(a.Kind) - kindRank(b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return out, nil
}

// kindRank orders kinds as Kinds lists them, unknown ones last.
func kindRank(kind string) int {
	if i := slices.Index(Kinds, kind); i >= 0 {
		return i
	}
	return len(Kinds)
}
