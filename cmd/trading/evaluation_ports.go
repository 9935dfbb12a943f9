package main

import (
	"context"
	"time"

	"ggzy/evaluation"
	"ggzy/expertpool"
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

// expertCommittee adapts the expert pool to evaluation.Committee: the
// committee is the lot's confirmed draw members; a conflict declared at the
// terminal is replaced by the next backup in the draw's order.
type expertCommittee struct{ s *expertpool.Service }

func (c expertCommittee) Members(ctx context.Context, lotID int64) ([]evaluation.Member, error) {
	list, err := c.s.Committee(ctx, lotID)
	if err != nil {
		return nil, err
	}
	out := make([]evaluation.Member, len(list))
	for i, m := range list {
		out[i] = evaluation.Member{ExpertID: m.ExpertID, UserID: m.UserID, Name: m.Name}
	}
	return out, nil
}

func (c expertCommittee) Replace(ctx context.Context, lotID, expertID int64, reason string) (*evaluation.Member, error) {
	m, err := c.s.ReplaceOnSite(ctx, lotID, expertID, reason)
	if err != nil {
		return nil, err
	}
	return &evaluation.Member{ExpertID: m.ExpertID, UserID: m.UserID, Name: m.Name}, nil
}
