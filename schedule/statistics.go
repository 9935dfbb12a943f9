package schedule

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/money"
)

// MonthlyTotal is the number of projects and their amount for one project
// kind and month (Asia/Shanghai), as the trading area counts them.
type MonthlyTotal struct {
	Kind      string `db:"kind" json:"kind"`
	Month     string `db:"month" json:"month"` // "2026-03"
	Projects  int    `db:"projects" json:"projects"`
	AmountFen int64  `db:"amount_fen" json:"amount_fen"` // budgets, ceilings or listing prices of the projects' lots
	// Results is how many of those projects have a published result, and
	// AwardedFen the sum of their awarded (winning, transaction) prices.
	Results    int   `db:"results" json:"results"`
	AwardedFen int64 `db:"awarded_fen" json:"awarded_fen"`
}

// StatisticsSource supplies the monthly totals. It is declared here, where
// the nightly job uses it, and implemented by the trading area, which owns
// the projects and knows which amount counts (budget, winning bid, reserve
// price) for each kind.
type StatisticsSource interface {
	MonthlyTotals(ctx context.Context) ([]MonthlyTotal, error)
}

// StatisticsRun is one run of the nightly job.
type StatisticsRun struct {
	Occurrence string    `db:"occurrence" json:"occurrence"`
	Source     string    `db:"source" json:"source"`
	Rows       int       `db:"rows_written" json:"rows"`
	Note       string    `db:"note" json:"note"`
	ComputedAt time.Time `db:"computed_at" json:"computed_at"`
}

var monthRe = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// ComputeStatistics writes the monthly totals for the occurrence. Without a
// source (the trading area has not wired one yet) it computes nothing and
// records a run saying so. It is idempotent: the source gives complete
// totals, which replace the stored ones in one transaction, and the run row
// is keyed by the occurrence — running it twice counts nothing twice.
func (s *Service) ComputeStatistics(ctx context.Context, occurrence string) (StatisticsRun, error) {
	now := s.Clock.Now().UTC()
	run := StatisticsRun{Occurrence: occurrence, Source: "none", ComputedAt: now,
		Note: "交易项目统计来源尚未接入（trading 区域实现 MonthlyTotals 后自动生效），本次未计算任何数据"}
	var totals []MonthlyTotal
	if s.Statistics != nil {
		var err error
		if totals, err = s.Statistics.MonthlyTotals(ctx); err != nil {
			return run, fmt.Errorf("statistics source: %w", err)
		}
		run.Source, run.Note = "trading", ""
	}
	for _, t := range totals {
		if !monthRe.MatchString(t.Month) || t.Kind == "" || len(t.Kind) > 32 {
			return run, fmt.Errorf("statistics source: bad row %+v", t)
		}
	}
	run.Rows = len(totals)
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if s.Statistics != nil {
			// Complete totals: a month that no longer has projects of a kind
			// must not keep its old figures.
			if _, err := tx.ExecContext(ctx, `DELETE FROM statistics_monthly`); err != nil {
				return fmt.Errorf("clear statistics: %w", err)
			}
		}
		for _, t := range totals {
			if _, err := tx.ExecContext(ctx, `INSERT INTO statistics_monthly (kind, month, projects, amount_fen, results, awarded_fen, computed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`,
				t.Kind, t.Month, t.Projects, t.AmountFen, t.Results, t.AwardedFen, now); err != nil {
				return fmt.Errorf("write statistics %s %s: %w", t.Kind, t.Month, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO statistics_runs (occurrence, source, rows_written, note, computed_at) VALUES (?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE source = VALUES(source), rows_written = VALUES(rows_written), note = VALUES(note), computed_at = VALUES(computed_at)`,
			run.Occurrence, run.Source, run.Rows, run.Note, now); err != nil {
			return fmt.Errorf("record statistics run: %w", err)
		}
		return audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "statistics.compute", ObjectType: "statistics", ObjectID: occurrence,
			Summary: map[string]any{"source": run.Source, "rows": run.Rows}})
	})
	return run, err
}

// MonthlyStatistics returns the stored totals, newest month first, and the
// latest runs.
func (s *Service) MonthlyStatistics(ctx context.Context) ([]MonthlyTotal, []StatisticsRun, error) {
	totals := []MonthlyTotal{}
	if err := sqlx.SelectContext(ctx, s.DB, &totals, `SELECT kind, month, projects, amount_fen, results, awarded_fen FROM statistics_monthly ORDER BY month DESC, kind LIMIT 600`); err != nil {
		return nil, nil, fmt.Errorf("monthly statistics: %w", err)
	}
	runs := []StatisticsRun{}
	if err := sqlx.SelectContext(ctx, s.DB, &runs, `SELECT occurrence, source, rows_written, note, computed_at FROM statistics_runs ORDER BY computed_at DESC LIMIT 10`); err != nil {
		return nil, nil, fmt.Errorf("statistics runs: %w", err)
	}
	return totals, runs, nil
}

// Amount is the amount in yuan with separators, e.g. "1,234.50".
func (t MonthlyTotal) Amount() string { return money.Fen(t.AmountFen).String() }

// Awarded is the awarded amount in yuan with separators.
func (t MonthlyTotal) Awarded() string { return money.Fen(t.AwardedFen).String() }
