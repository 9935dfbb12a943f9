package trading

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ggzy/clock"
	"ggzy/db/dbtest"
)

// TestStatisticsMonthlyTotals: projects count in their month of
// publication in Shanghai (not UTC), drafts nowhere; amounts are the lots'
// prices (a fixed-price selection's control price), and awarded amounts
// only of projects with a result.
func TestStatisticsMonthlyTotals(t *testing.T) {
	x := dbtest.DB(t)
	s := &Service{DB: x, Clock: clock.NewFake(time.Date(2031, 8, 1, 0, 0, 0, 0, time.UTC))}
	ctx := context.Background()
	sh := func(v string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", v, clock.Shanghai)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	var seq int
	project := func(kind, method, status string, published time.Time, lots ...[2]int64) int64 {
		t.Helper()
		seq++
		var pub any
		if !published.IsZero() {
			pub = published
		}
		res, err := x.Exec(`INSERT INTO trading_projects (code, kind, method, title, agency_org_id, locality, status, details, eligibility,
			published_at, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 'default', ?, '{}', '[]', ?, ?, ?)`,
			fmt.Sprintf("ST-2031-%04d", seq), kind, method, fmt.Sprintf("统计测试项目%d", seq), status, pub, sh("2031-01-01 09:00"), sh("2031-01-01 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		for i, l := range lots {
			var award any
			if l[1] > 0 {
				award = l[1]
			}
			if _, err := x.Exec(`INSERT INTO trading_lots (project_id, lot_no, name, price, details, status, award_price) VALUES (?, ?, ?, ?, '{}', 'closed', ?)`,
				id, i+1, fmt.Sprintf("第%d标段", i+1), l[0], award); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	project(Engineering, "open", StatusPublished, sh("2031-03-31 23:59"), [2]int64{100_00, 0}, [2]int64{50_00, 0})
	project(Engineering, "open", StatusResult, sh("2031-04-01 00:00"), [2]int64{1000_00, 900_00}) // UTC: 31 March
	project(Procurement, "open", StatusResult, sh("2031-04-15 10:00"), [2]int64{200_00, 180_00}, [2]int64{300_00, 0})
	project(Procurement, "open", StatusDraft, time.Time{}, [2]int64{7_00, 0})
	fp := project(Engineering, MethodFixedPrice, StatusResult, sh("2031-04-20 10:00"))
	if _, err := x.Exec(`INSERT INTO fixedprice_selections (project_id, agency_org_id, control_price, rate_ppm, rounding, fixed_price, backups,
		apply_until, window_days, status, created_at, updated_at) VALUES (?, 1, 200000, 50000, 'half_up', 190000, 2, ?, 3, 'awarded', ?, ?)`,
		fp, sh("2031-04-25 10:00"), sh("2031-04-20 10:00"), sh("2031-04-20 10:00")); err != nil {
		t.Fatal(err)
	}

	totals, err := s.MonthlyTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []MonthlyTotal
	for _, m := range totals {
		if m.Month >= "2031-01" && m.Month <= "2031-12" {
			got = append(got, m)
		}
	}
	want := []MonthlyTotal{
		{Kind: Engineering, Month: "2031-04", Projects: 2, AmountFen: 1000_00 + 2000_00, Results: 2, AwardedFen: 900_00 + 1900_00},
		{Kind: Procurement, Month: "2031-04", Projects: 1, AmountFen: 500_00, Results: 1, AwardedFen: 180_00},
		{Kind: Engineering, Month: "2031-03", Projects: 1, AmountFen: 150_00},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("monthly totals\n got %+v\nwant %+v", got, want)
	}
}
