// Package wiring connects the areas where one consumes another: the thin
// adapters that implement the evaluation's ports (evaluation/service.go)
// with the trading, expert-pool and schedule services, and the handler of
// the submission-deadline event. cmd/trading uses it to build the server,
// and web's tests to build the same world; the domain packages stay free of
// each other.
package wiring

import (
	"context"
	"time"

	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/problem"
	"ggzy/schedule"
	"ggzy/trading"
)

// Evaluation sets the evaluation's ports: lots, bids and re-tendering from
// trading, the committee from the expert pool, terminals from the schedule.
func Evaluation(ev *evaluation.Service, t *trading.Service, x *expertpool.Service, sch *schedule.Service) {
	ev.Lots = TradingLots{t}
	ev.Bids = TradingBids{t}
	ev.Retender = TradingRetender{t}
	ev.Committee = ExpertCommittee{x}
	ev.Terminals = ScheduleTerminals{sch}
	ev.Deposits = TradingDeposits{t}
	t.OpeningClosed = ev.OpeningFinal
	t.EvaluationAward = func(ctx context.Context, lotID int64) (trading.EvaluatedAward, error) {
		a, err := ev.AwardOf(ctx, lotID)
		return trading.EvaluatedAward{Evaluated: a.Evaluated, Awarded: a.Awarded, Winner: a.Winner, Price: a.Price, StateName: a.StateName}, err
	}
}

// TradingDeposits adapts trading's deposit checks to evaluation.Deposits.
type TradingDeposits struct{ S *trading.Service }

func (d TradingDeposits) DepositChecks(ctx context.Context, lotID int64, orgIDs []int64) (map[int64]string, error) {
	m, err := d.S.DepositChecks(ctx, lotID, orgIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(m))
	for org, v := range m {
		out[org] = depositOf(v)
	}
	return out, nil
}

func (d TradingDeposits) CheckDeposit(ctx context.Context, lotID, orgID int64, result string) error {
	r := trading.DepositFailed
	if result == evaluation.DepositOK {
		r = trading.DepositOK
	}
	return d.S.CheckDepositOf(ctx, lotID, orgID, r)
}

func depositOf(v string) string {
	switch v {
	case trading.DepositOK:
		return evaluation.DepositOK
	case trading.DepositFailed:
		return evaluation.DepositFailed
	}
	return evaluation.DepositUnchecked
}

// DeadlineHandler is the handler of trading.DeadlineEvent ("lot:<id>"): it
// closes the lot's submissions, then, for kinds with a sealed-bid opening
// (trading.OpensSealedBids), opens the opening session (开标). Both
// steps are idempotent, so a retry after a failure of the second does no
// harm to the first.
func DeadlineHandler(t *trading.Service, ev *evaluation.Service) schedule.Handler {
	return func(ctx context.Context, target string) error {
		id, err := schedule.TargetID(target, "lot")
		if err != nil {
			return err
		}
		if err := t.CloseSubmissions(ctx, id); err != nil {
			return err
		}
		li, err := t.LotInfo(ctx, id)
		if err != nil {
			return err
		}
		if li.Status == trading.LotTerminated {
			return nil // terminated before the deadline: never opened
		}
		if !trading.OpensSealedBids(li.Kind, li.Method) {
			return nil // land auctions and listings, property: bidding, not an opening
		}
		return ev.StartOpening(ctx, id)
	}
}

// Experts sets the expert pool's port: the lots of draws from trading.
func Experts(x *expertpool.Service, t *trading.Service) {
	x.Lots = TradingDrawLots{t}
}

// TradingDrawLots adapts trading to expertpool.Lots.
type TradingDrawLots struct{ S *trading.Service }

func (l TradingDrawLots) DrawLot(ctx context.Context, lotID int64) (int64, string, int64, error) {
	li, err := l.S.LotInfo(ctx, lotID)
	if err != nil {
		return 0, "", 0, err
	}
	return li.ProjectID, li.Kind, li.AgencyOrgID, nil
}

// TradingLots adapts trading to evaluation.Lots.
type TradingLots struct{ S *trading.Service }

func (l TradingLots) LotInfo(ctx context.Context, lotID int64) (evaluation.LotInfo, error) {
	li, err := l.S.LotInfo(ctx, lotID)
	if err != nil {
		return evaluation.LotInfo{}, err
	}
	return evaluation.LotInfo{ProjectID: li.ProjectID, ProjectCode: li.ProjectCode, Title: li.Title, LotName: li.LotName, Kind: li.Kind,
		AgencyOrgID: li.AgencyOrgID, Tenderer: li.Tenderer, Agency: li.Agency, Ceiling: li.Ceiling, Deadline: li.Deadline}, nil
}

// TradingBids adapts trading to evaluation.BidOpener. The bid id the
// evaluation keeps is the bid's place in the order of submission, so that
// "a lower id is the earlier submission" holds (trading's sealed rows carry
// random ids).
type TradingBids struct{ S *trading.Service }

func (b TradingBids) OpenBids(ctx context.Context, lotID int64) ([]evaluation.OpenedBid, error) {
	bids, err := b.S.OpenBids(ctx, lotID)
	if err != nil {
		return nil, err
	}
	out := make([]evaluation.OpenedBid, len(bids))
	for i, o := range bids {
		deposit := depositOf(o.Deposit)
		out[i] = evaluation.OpenedBid{BidID: o.Ref, OrgID: o.OrgID, OrgName: o.OrgName, Price: o.Price, Duration: o.Duration, Quality: o.Quality,
			Deposit: deposit, SubmittedAt: o.SubmittedAt, Unsealed: o.Unsealed, Failure: o.Failure, BidderFault: o.BidderFault}
	}
	return out, nil
}

// TradingRetender adapts trading to evaluation.Retenderer.
type TradingRetender struct{ S *trading.Service }

func (r TradingRetender) Retender(ctx context.Context, lotID int64, reason string) error {
	return r.S.Retender(ctx, lotID, reason)
}

// ScheduleTerminals adapts the schedule service to evaluation.Terminals: an
// expert may evaluate only at a terminal of a room holding a live
// evaluation booking of the lot's project.
type ScheduleTerminals struct{ S *schedule.Service }

func (t ScheduleTerminals) RoomOfTerminal(ctx context.Context, token string) (int64, error) {
	term, err := t.S.TerminalByToken(ctx, token)
	if err != nil {
		return 0, err
	}
	return term.RoomID, nil
}

func (t ScheduleTerminals) BookingAt(ctx context.Context, roomID int64, at time.Time) (int64, bool, error) {
	b, err := t.S.SessionAt(ctx, roomID, at)
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

// ExpertCommittee adapts the expert pool to evaluation.Committee: the
// committee is the lot's confirmed draw members; a conflict declared at the
// terminal is replaced by the next backup in the draw's order.
type ExpertCommittee struct{ S *expertpool.Service }

func (c ExpertCommittee) Members(ctx context.Context, lotID int64) ([]evaluation.Member, error) {
	list, err := c.S.Committee(ctx, lotID)
	if err != nil {
		return nil, err
	}
	out := make([]evaluation.Member, len(list))
	for i, m := range list {
		out[i] = evaluation.Member{ExpertID: m.ExpertID, UserID: m.UserID, Name: m.Name}
	}
	return out, nil
}

func (c ExpertCommittee) Replace(ctx context.Context, lotID, expertID int64, reason string) (*evaluation.Member, error) {
	m, err := c.S.ReplaceOnSite(ctx, lotID, expertID, reason)
	if err != nil {
		return nil, err
	}
	return &evaluation.Member{ExpertID: m.ExpertID, UserID: m.UserID, Name: m.Name}, nil
}
