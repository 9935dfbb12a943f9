package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"ggzy/clock"
	"ggzy/problem"

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
	t.DeadlineMoved = BookingsFollow{sch}.DeadlineMoved
	t.ProjectTerminated = BookingsFollow{sch}.ProjectTerminated
	t.OpeningHours = BookingsFollow{sch}.OpeningHours
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

// BookingsFollow moves a project's room bookings when its deadline (the
// opening) moves.
type BookingsFollow struct{ S *schedule.Service }

// DeadlineMoved moves the project's opening bookings that started at from
// to start at to, as long as before, in the same room; it cannot move one
// whose room is taken or closed at the new time, and it moves no other
// event (an evaluation's experts were invited for its time): for each of
// those it returns what staff must arrange. The moves are audited as the
// caller's (booking.move).
func (f BookingsFollow) DeadlineMoved(ctx context.Context, projectID int64, from, to time.Time) []string {
	now := f.S.Clock.Now()
	bs, err := f.S.Bookings(ctx, schedule.BookingFilter{ProjectID: projectID, From: now, To: to.Add(366 * 24 * time.Hour)})
	if err != nil {
		slog.ErrorContext(ctx, "bookings of a moved deadline", "project", projectID, "err", err)
		return []string{"开标时间已顺延，但未能读取本项目的场地预约，请联系交易中心核对开标室等预约"}
	}
	local := func(t time.Time) string { return t.In(clock.Shanghai).Format("2006-01-02 15:04") }
	var out []string
	for _, b := range bs {
		if b.State != schedule.BookingBooked || !b.StartsAt.After(now) {
			continue // cancelled, or already begun
		}
		switch {
		case b.EventKind == schedule.KindOpening && b.StartsAt.Equal(from):
			err := f.S.Move(ctx, b.ID, schedule.MoveInput{StartsAt: local(to), EndsAt: local(to.Add(b.EndsAt.Sub(b.StartsAt)))})
			if err != nil {
				msg := err.Error()
				if p, ok := problem.As(err); ok {
					msg = p.Message
				}
				out = append(out, fmt.Sprintf("开标室「%s」的预约未能随开标时间顺延（%s），仍为 %s，请联系交易中心改约", b.RoomName, msg, local(b.StartsAt)))
			}
		case b.StartsAt.Before(to):
			out = append(out, fmt.Sprintf("%s「%s」的%s预约（%s）早于新的开标时间，请联系交易中心调整", schedule.RoomKindNames[b.EventKind], b.RoomName, b.EventName(), local(b.StartsAt)))
		}
	}
	return out
}

// ProjectTerminated cancels the project's room bookings that have not
// begun, as the caller's (booking.cancel), and returns what staff must
// still arrange.
func (f BookingsFollow) ProjectTerminated(ctx context.Context, projectID int64) []string {
	now := f.S.Clock.Now()
	bs, err := f.S.Bookings(ctx, schedule.BookingFilter{ProjectID: projectID, From: now, To: now.Add(3 * 366 * 24 * time.Hour)})
	if err != nil {
		slog.ErrorContext(ctx, "bookings of a terminated project", "project", projectID, "err", err)
		return []string{"项目已终止，但未能读取本项目的场地预约，请联系交易中心取消开标室等预约"}
	}
	var out []string
	for _, b := range bs {
		if b.State != schedule.BookingBooked || !b.StartsAt.After(now) {
			continue
		}
		if err := f.S.Cancel(ctx, b.ID, "项目已终止"); err != nil {
			out = append(out, fmt.Sprintf("%s「%s」的%s预约未能取消，请联系交易中心", schedule.RoomKindNames[b.EventKind], b.RoomName, b.EventName()))
			continue
		}
		if b.EventKind == schedule.KindEvaluation || b.EventKind == schedule.KindDraw {
			out = append(out, fmt.Sprintf("已取消%s「%s」的%s预约；如已抽取评标专家，请交易中心通知专家取消", schedule.RoomKindNames[b.EventKind], b.RoomName, b.EventName()))
		}
	}
	return out
}

// OpeningHours spans the opening and auction rooms' hours: from the
// earliest opening to the latest closing of the active ones.
func (f BookingsFollow) OpeningHours(ctx context.Context) (from, until int, ok bool, err error) {
	rooms, err := f.S.Rooms(ctx, false)
	if err != nil {
		return 0, 0, false, err
	}
	for _, r := range rooms {
		if r.Kind != schedule.KindOpening && r.Kind != schedule.KindAuction {
			continue
		}
		if !ok || r.OpenMinute < from {
			from = r.OpenMinute
		}
		if !ok || r.CloseMinute > until {
			until = r.CloseMinute
		}
		ok = true
	}
	return from, until, ok, nil
}
