package schedule

import (
	"context"
	"fmt"
	"testing"
)

// Each run stores the source's complete totals: a second run of the same
// occurrence counts nothing twice, and a month the source no longer gives
// loses its old figures.
func TestStatisticsRunReplacesTotals(t *testing.T) {
	s, _ := testService(t)
	ctx := context.Background()
	src := &fakeStats{rows: []MonthlyTotal{
		{Kind: "engineering", Month: "2030-01", Projects: 2, AmountFen: 300, Results: 1, AwardedFen: 90},
		{Kind: "procurement", Month: "2030-01", Projects: 1, AmountFen: 50},
	}}
	s.Statistics = src
	for range 2 {
		if _, err := s.ComputeStatistics(ctx, "2030-02-01T03:00:00+08:00"); err != nil {
			t.Fatal(err)
		}
	}
	totals, runs, err := s.MonthlyStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var run *StatisticsRun
	for i := range runs {
		if runs[i].Occurrence == "2030-02-01T03:00:00+08:00" {
			run = &runs[i]
		}
	}
	if fmt.Sprint(totals) != fmt.Sprint(src.rows) || run == nil || run.Rows != 2 || run.Source != "trading" {
		t.Fatalf("after two runs: %v %v", totals, runs)
	}
	src.rows = src.rows[:1]
	if _, err := s.ComputeStatistics(ctx, "2030-02-02T03:00:00+08:00"); err != nil {
		t.Fatal(err)
	}
	if totals, _, _ = s.MonthlyStatistics(ctx); fmt.Sprint(totals) != fmt.Sprint(src.rows) {
		t.Fatalf("stale month kept: %v", totals)
	}
	// A bad row from the source fails the run and keeps what was stored.
	src.rows = []MonthlyTotal{{Kind: "engineering", Month: "2030-13", Projects: 1}}
	if _, err := s.ComputeStatistics(ctx, "2030-02-03T03:00:00+08:00"); err == nil {
		t.Fatal("bad month accepted")
	}
	if totals, _, _ = s.MonthlyStatistics(ctx); len(totals) != 1 || totals[0].Month != "2030-01" {
		t.Fatalf("after a failed run: %v", totals)
	}
}
