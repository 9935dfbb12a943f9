package main

import (
	"context"
	"time"

	"ggzy/problem"
	"ggzy/schedule"
)

// scheduleTerminals adapts the schedule service to evaluation.Terminals: an
// expert may evaluate only at a terminal of a room holding a live
// evaluation booking of the lot's project.
type scheduleTerminals struct{ s *schedule.Service }

func (t scheduleTerminals) RoomOfTerminal(ctx context.Context, token string) (int64, error) {
	term, err := t.s.TerminalByToken(ctx, token)
	if err != nil {
		return 0, err
	}
	return term.RoomID, nil
}

func (t scheduleTerminals) BookingAt(ctx context.Context, roomID int64, at time.Time) (int64, bool, error) {
	b, err := t.s.SessionAt(ctx, roomID, at)
	if err != nil {
		if problem.Is(err, "no_session") {
			return 0, false, nil
		}
		return 0, false, err
	}
	// The blocked time includes the preparation buffer; the session itself
	// is StartsAt–EndsAt (extended by schedule.Extend when it runs over).
	if b.EventKind != schedule.KindEvaluation || at.Before(b.StartsAt) || !at.Before(b.EndsAt) {
		return 0, false, nil
	}
	return b.ProjectID, true, nil
}
