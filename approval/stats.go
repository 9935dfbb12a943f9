package approval

// Statistics of 电子监察 per department and month (Asia/Shanghai): cases
// received, 办结率, 按时办结率, 现场办结率, 提速率 and 满意率; an Excel
// export; the hall's monthly totals for the public.

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/problem"
)

// Rate is a share in basis points (万分之一, 10000 = 100 %), rounded half
// up once from the exact fraction; Valid is false when nothing was counted
// (no denominator), which the pages show as "—" and JSON as null.
type Rate struct {
	BP    int
	Valid bool
}

// MarshalJSON writes the basis points or null.
func (r Rate) MarshalJSON() ([]byte, error) {
	if !r.Valid {
		return []byte("null"), nil
	}
	return []byte(strconv.Itoa(r.BP)), nil
}

// String is the percentage with two decimals ("95.24%") or "—".
func (r Rate) String() string {
	if !r.Valid {
		return "—"
	}
	sign := ""
	bp := r.BP
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, bp/100, bp%100)
}

// rateOf is num/den as a Rate.
func rateOf(num, den int) Rate {
	if den == 0 {
		return Rate{}
	}
	return rateRat(new(big.Rat).SetFrac64(int64(num), int64(den)))
}

// rateRat rounds a fraction (1 = 100 %) to basis points, half away from zero.
func rateRat(r *big.Rat) Rate {
	x := new(big.Rat).Mul(r, big.NewRat(10000, 1))
	neg := x.Sign() < 0
	if neg {
		x.Neg(x)
	}
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(x.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	bp := int(q.Int64())
	if neg {
		bp = -bp
	}
	return Rate{BP: bp, Valid: true}
}

// StatsRow is one department's month, or the hall's (DeptID 0).
//
// The cases counted are those received in the month (the cohort), under
// the case's lead department (the one of the item version it was taken under):
//   - Accepted: taken (accepted_at set), whatever happened since;
//   - Finished (办结): decided or delivered; 办结率 = Finished / Accepted;
//   - OnTime: finished on or before its promised due date (for an instant
//     item without one: on the day it was accepted); 按时办结率 = OnTime /
//     Finished;
//   - OnSpot: instant items (即办件) decided on the day they were accepted;
//     现场办结率 = OnSpot / Finished;
//   - 提速率: over the finished cases whose item has a legal limit, the mean
//     of 1 − used / legal, used being the working days from acceptance to
//     decision less the working days the clock stood (suspensions); a case
//     over its legal limit counts negative. The legal limit is the item's
//     (an extension under 行政许可法 42 does not lengthen it here, while
//     the promised due date that 按时办结 compares with is the extended one).
//
// A case's type and legal limit are those of the item version it was taken
// under, as its lead department is: editing an item rewrites no past month.
//
// Ratings are those given in the month (rated_at), under the rated case's
// lead department; 满意率 = ratings of 满意 or 非常满意 / Ratings.
type StatsRow struct {
	DeptID        int64  `json:"dept_org_id"`
	DeptName      string `json:"dept_name"`
	Received      int    `json:"received"`
	Accepted      int    `json:"accepted"`
	Finished      int    `json:"finished"`
	OnTime        int    `json:"on_time"`
	OnSpot        int    `json:"on_spot"`
	SpeedCases    int    `json:"speed_cases"` // finished with a legal limit
	Ratings       int    `json:"ratings"`
	Satisfied     int    `json:"satisfied"`
	FinishRate    Rate   `json:"finish_rate_bp"`
	OnTimeRate    Rate   `json:"on_time_rate_bp"`
	OnSpotRate    Rate   `json:"on_spot_rate_bp"`
	SpeedUpRate   Rate   `json:"speed_up_rate_bp"`
	SatisfiedRate Rate   `json:"satisfied_rate_bp"`

	speed *big.Rat // Σ (1 − used/legal)
}

// Stats is one month's statistics.
type Stats struct {
	Month      string     `json:"month"` // "2026-03"
	Depts      []StatsRow `json:"departments"`
	Hall       StatsRow   `json:"hall"`
	ComputedAt time.Time  `json:"computed_at"`
}

// PublicStats is what the public sees: the hall's month, no department and
// no case.
type PublicStats struct {
	Month         string    `json:"month"`
	Received      int       `json:"received"`
	Accepted      int       `json:"accepted"`
	Finished      int       `json:"finished"`
	FinishRate    Rate      `json:"finish_rate_bp"`
	OnTimeRate    Rate      `json:"on_time_rate_bp"`
	OnSpotRate    Rate      `json:"on_spot_rate_bp"`
	SpeedUpRate   Rate      `json:"speed_up_rate_bp"`
	Ratings       int       `json:"ratings"`
	SatisfiedRate Rate      `json:"satisfied_rate_bp"`
	ComputedAt    time.Time `json:"computed_at"`
}

var monthRe = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ParseMonth reads "2026-03" (years 2000–2099); "" is the clock's month.
func ParseMonth(s string, now time.Time) (time.Time, error) {
	if s == "" {
		t := now.In(clock.Shanghai)
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, clock.Shanghai), nil
	}
	m := monthRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, problem.InvalidField("month", "month_invalid", "月份应为如 2026-03 的年-月")
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2099 || mo < 1 || mo > 12 {
		return time.Time{}, problem.InvalidField("month", "month_invalid", "月份应为如 2026-03 的年-月（2000至2099年）")
	}
	return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, clock.Shanghai), nil
}

// statsCase is one case of the cohort. Its case type and legal limit are
// those of the item version it was taken under (approval_item_versions),
// filled in after the query: an edit of the item changes no past month.
type statsCase struct {
	DeptID        int64        `db:"dept_org_id"`
	ItemID        int64        `db:"item_id"`
	ItemVersion   int          `db:"item_version"`
	CaseType      string       `db:"-"`
	LegalDays     int          `db:"-"`
	Status        string       `db:"status"`
	AcceptedAt    sql.NullTime `db:"accepted_at"`
	DecidedAt     sql.NullTime `db:"decided_at"`
	DueOn         sql.NullTime `db:"due_on"`
	SuspendedDays int          `db:"suspended_days"`
}

const (
	selectStatsCases = `SELECT c.lead_org_id AS dept_org_id, c.item_id, c.item_version, c.status, c.accepted_at, c.decided_at, c.due_on,
	c.suspended_days
	FROM approval_cases c
	WHERE c.received_at >= ? AND c.received_at < ? AND (? = 0 OR c.lead_org_id = ?)`
	selectStatsRatings = `SELECT c.lead_org_id AS dept_org_id, r.level
	FROM approval_ratings r JOIN approval_cases c ON c.id = r.case_id
	WHERE r.rated_at >= ? AND r.rated_at < ? AND (? = 0 OR c.lead_org_id = ?)`
)

// Statistics computes one month (Asia/Shanghai; "" for the current one):
// every department's for supervisors (or deptID's), an approver's own
// department's only. The hall row sums the rows shown.
func (s *Service) Statistics(ctx context.Context, month string, deptID int64) (*Stats, error) {
	deptID, err := watchedDept(ctx, deptID, "审批统计")
	if err != nil {
		return nil, err
	}
	if deptID < 0 {
		return nil, problem.InvalidField("dept_org_id", "number_invalid", "部门应为正整数")
	}
	return s.statistics(ctx, month, deptID)
}

// PublicStatistics is the hall's month for everyone: totals and rates only.
func (s *Service) PublicStatistics(ctx context.Context, month string) (*PublicStats, error) {
	st, err := s.statistics(ctx, month, 0)
	if err != nil {
		return nil, err
	}
	h := st.Hall
	return &PublicStats{Month: st.Month, Received: h.Received, Accepted: h.Accepted, Finished: h.Finished, FinishRate: h.FinishRate,
		OnTimeRate: h.OnTimeRate, OnSpotRate: h.OnSpotRate, SpeedUpRate: h.SpeedUpRate, Ratings: h.Ratings, SatisfiedRate: h.SatisfiedRate,
		ComputedAt: st.ComputedAt}, nil
}

func (s *Service) statistics(ctx context.Context, month string, deptID int64) (*Stats, error) {
	now := s.Clock.Now()
	start, err := ParseMonth(month, now)
	if err != nil {
		return nil, err
	}
	end := start.AddDate(0, 1, 0)
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var cases []statsCase
	if err := sqlx.SelectContext(ctx, s.DB, &cases, selectStatsCases, start.UTC(), end.UTC(), deptID, deptID); err != nil {
		return nil, fmt.Errorf("statistics cases: %w", err)
	}
	if err := fillVersions(ctx, s.DB, cases); err != nil {
		return nil, err
	}
	var ratings []struct {
		DeptID int64 `db:"dept_org_id"`
		Level  int   `db:"level"`
	}
	if err := sqlx.SelectContext(ctx, s.DB, &ratings, selectStatsRatings, start.UTC(), end.UTC(), deptID, deptID); err != nil {
		return nil, fmt.Errorf("statistics ratings: %w", err)
	}
	names, err := deptNames(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	rows := map[int64]*StatsRow{}
	row := func(id int64) *StatsRow {
		if r, ok := rows[id]; ok {
			return r
		}
		r := &StatsRow{DeptID: id, DeptName: names[id], speed: new(big.Rat)}
		rows[id] = r
		return r
	}
	hall := &StatsRow{DeptName: "全大厅", speed: new(big.Rat)}
	for _, c := range cases {
		for _, r := range []*StatsRow{row(c.DeptID), hall} {
			countCase(r, c, cal)
		}
	}
	for _, rt := range ratings {
		for _, r := range []*StatsRow{row(rt.DeptID), hall} {
			r.Ratings++
			if rt.Level >= SatisfiedRating {
				r.Satisfied++
			}
		}
	}
	out := &Stats{Month: start.Format("2006-01"), ComputedAt: now}
	for _, r := range rows {
		finishRates(r)
		out.Depts = append(out.Depts, *r)
	}
	sort.Slice(out.Depts, func(i, j int) bool { return out.Depts[i].DeptID < out.Depts[j].DeptID })
	finishRates(hall)
	out.Hall = *hall
	return out, nil
}

// fillVersions sets each case's type and legal limit from the item version
// it was taken under, reading each version once.
func fillVersions(ctx context.Context, q sqlx.QueryerContext, cases []statsCase) error {
	type key struct {
		id      int64
		version int
	}
	versions := map[key]*Item{}
	for i := range cases {
		k := key{cases[i].ItemID, cases[i].ItemVersion}
		it, ok := versions[k]
		if !ok {
			var err error
			if it, err = itemVersion(ctx, q, k.id, k.version); err != nil {
				return fmt.Errorf("statistics: %w", err)
			}
			versions[k] = it
		}
		cases[i].CaseType, cases[i].LegalDays = it.CaseType, it.LegalDays
	}
	return nil
}

// countCase adds one case of the cohort to r.
func countCase(r *StatsRow, c statsCase, cal *calendar.Calendar) {
	r.Received++
	if !c.AcceptedAt.Valid {
		return
	}
	r.Accepted++
	if (c.Status != CaseDecided && c.Status != CaseDelivered) || !c.DecidedAt.Valid {
		return
	}
	r.Finished++
	accepted := calendar.DateOf(c.AcceptedAt.Time, clock.Shanghai)
	decided := calendar.DateOf(c.DecidedAt.Time, clock.Shanghai)
	if c.DueOn.Valid {
		if !decided.After(calendar.DateOf(c.DueOn.Time, time.UTC)) {
			r.OnTime++
		}
	} else if decided == accepted {
		r.OnTime++
	}
	if c.CaseType == TypeInstant && decided == accepted {
		r.OnSpot++
	}
	if c.LegalDays > 0 {
		used := max(0, cal.WorkingDaysBetween(accepted, decided)-c.SuspendedDays)
		r.SpeedCases++
		r.speed.Add(r.speed, big.NewRat(int64(c.LegalDays-used), int64(c.LegalDays)))
	}
}

// finishRates sets the rates from the counts.
func finishRates(r *StatsRow) {
	r.FinishRate = rateOf(r.Finished, r.Accepted)
	r.OnTimeRate = rateOf(r.OnTime, r.Finished)
	r.OnSpotRate = rateOf(r.OnSpot, r.Finished)
	r.SatisfiedRate = rateOf(r.Satisfied, r.Ratings)
	if r.SpeedCases > 0 {
		r.SpeedUpRate = rateRat(new(big.Rat).Quo(r.speed, big.NewRat(int64(r.SpeedCases), 1)))
	}
}

// StatsColumns are the export's columns.
var StatsColumns = []string{"部门", "收件数", "受理数", "办结数", "办结率", "按时办结数", "按时办结率", "现场办结数", "现场办结率",
	"计算提速率的办件数", "提速率", "评价数", "满意数", "满意率"}

// WriteStatsXLSX writes the month as an .xlsx workbook: one row per
// department and the hall's total; rates as numbers formatted as
// percentages with two decimals.
func WriteStatsXLSX(w io.Writer, st *Stats) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := st.Month
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	_ = f.SetCellStr(sheet, "A1", "政务服务大厅审批统计 "+st.Month+"（按收件月份统计办件，按评价月份统计评价；北京时间）")
	for i, h := range StatsColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		_ = f.SetCellStr(sheet, cell, h)
	}
	// Rates are numbers shown as percentages (so that a sheet can sum,
	// sort and chart them), "—" where nothing was counted.
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	rows := append(append([]StatsRow(nil), st.Depts...), st.Hall)
	for n, r := range rows {
		vals := []any{r.DeptName, r.Received, r.Accepted, r.Finished, r.FinishRate, r.OnTime, r.OnTimeRate,
			r.OnSpot, r.OnSpotRate, r.SpeedCases, r.SpeedUpRate, r.Ratings, r.Satisfied, r.SatisfiedRate}
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, n+3)
			if rate, ok := v.(Rate); ok {
				if !rate.Valid {
					v = rate.String()
				} else {
					v = float64(rate.BP) / 10000
					if err := f.SetCellStyle(sheet, cell, cell, pct); err != nil {
						return err
					}
				}
			}
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
		}
	}
	_ = f.SetColWidth(sheet, "A", "A", 36)
	return f.Write(w)
}
