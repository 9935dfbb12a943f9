package wiring

import (
	"context"

	"ggzy/filestore"
	"ggzy/schedule"
	"ggzy/trading"
)

// Schedule sets the schedule's ports: the projects that bookings name and
// the nightly statistics from trading,
// and the recording files the retention sweep removes from the recordings'
// file store (nil: only the index entries are removed, and logged).
func Schedule(sch *schedule.Service, t *trading.Service, recordings *filestore.Local) {
	sch.Statistics = TradingStatistics{t}
	sch.Projects = t
	if recordings != nil {
		sch.RecordingFiles = RecordingFiles{*recordings}
	}
}

// TradingStatistics adapts trading to schedule.StatisticsSource.
type TradingStatistics struct{ S *trading.Service }

func (ts TradingStatistics) MonthlyTotals(ctx context.Context) ([]schedule.MonthlyTotal, error) {
	totals, err := ts.S.MonthlyTotals(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]schedule.MonthlyTotal, len(totals))
	for i, t := range totals {
		out[i] = schedule.MonthlyTotal{Kind: t.Kind, Month: t.Month, Projects: t.Projects, AmountFen: t.AmountFen,
			Results: t.Results, AwardedFen: t.AwardedFen}
	}
	return out, nil
}

// RecordingFiles adapts the recordings' file store to
// schedule.RecordingStore. A recording kept in the store is indexed by its
// key (the SHA-256 of its bytes); any other ref names a recording the
// recording system keeps itself, which this store leaves alone (Keeps is
// false, and the sweep logs it so). The store must hold recordings only:
// keys are content addresses, and the bid files' or documents' store would
// share them.
type RecordingFiles struct{ Files filestore.Local }

// Keeps reports whether ref is a file of this store.
func (r RecordingFiles) Keeps(ref string) bool { return filestore.ValidKey(ref) }

// Delete removes the file; one already gone is no error.
func (r RecordingFiles) Delete(ctx context.Context, ref string) error {
	if !r.Keeps(ref) {
		return nil
	}
	return r.Files.Delete(ctx, ref)
}
