// Package evaltest holds fakes of the evaluation's ports (lots, bid
// unsealing, the committee, room terminals) for tests of the evaluation
// package and of the web layer. The database is always real.
package evaltest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"ggzy/evaluation"
	"ggzy/money"
	"ggzy/problem"
)

// World is a fake of the other areas: lots, their bids, their committees,
// rooms with terminals and bookings. It implements evaluation.Lots,
// BidOpener, Committee, Terminals and Retenderer.
type World struct {
	mu         sync.Mutex
	lots       map[int64]evaluation.LotInfo
	bids       map[int64][]evaluation.OpenedBid
	members    map[int64][]evaluation.Member
	backups    map[int64][]evaluation.Member
	terminals  map[string]int64 // token → room
	bookings   []booking
	Retendered map[int64]string
	OpenCalls  int
	deposits   map[int64]map[int64]string // lot → org → check
}

type booking struct {
	room, project int64
	from, until   time.Time
}

// New returns an empty world.
func New() *World {
	return &World{lots: map[int64]evaluation.LotInfo{}, bids: map[int64][]evaluation.OpenedBid{}, members: map[int64][]evaluation.Member{},
		backups: map[int64][]evaluation.Member{}, terminals: map[string]int64{}, Retendered: map[int64]string{},
		deposits: map[int64]map[int64]string{}}
}

// Wire sets the world as every port of s.
func (w *World) Wire(s *evaluation.Service) {
	s.Lots, s.Bids, s.Committee, s.Terminals, s.Retender, s.Deposits = w, w, w, w, w, w
}

// AddLot registers a lot.
func (w *World) AddLot(lotID int64, li evaluation.LotInfo) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lots[lotID] = li
}

// SetBids sets the bids the opener returns for a lot.
func (w *World) SetBids(lotID int64, bids []evaluation.OpenedBid) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bids[lotID] = bids
}

// SetCommittee sets a lot's drawn members and ordered backups.
func (w *World) SetCommittee(lotID int64, members, backups []evaluation.Member) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.members[lotID], w.backups[lotID] = members, backups
}

// AddTerminal registers a terminal token in a room.
func (w *World) AddTerminal(token string, room int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.terminals[token] = room
}

// Book books a room for a project's evaluation.
func (w *World) Book(room, project int64, from, until time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bookings = append(w.bookings, booking{room, project, from, until})
}

// LotInfo implements evaluation.Lots.
func (w *World) LotInfo(_ context.Context, lotID int64) (evaluation.LotInfo, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	li, ok := w.lots[lotID]
	if !ok {
		return li, problem.New(problem.NotFound, "lot_not_found", "标段（包）不存在")
	}
	return li, nil
}

// OpenBids implements evaluation.BidOpener.
func (w *World) OpenBids(_ context.Context, lotID int64) ([]evaluation.OpenedBid, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.OpenCalls++
	return append([]evaluation.OpenedBid(nil), w.bids[lotID]...), nil
}

// Members implements evaluation.Committee.
func (w *World) Members(_ context.Context, lotID int64) ([]evaluation.Member, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]evaluation.Member(nil), w.members[lotID]...), nil
}

// Replace implements evaluation.Committee: the next backup.
func (w *World) Replace(_ context.Context, lotID, expertID int64, reason string) (*evaluation.Member, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	bs := w.backups[lotID]
	if len(bs) == 0 {
		return nil, problem.New(problem.Conflict, "no_backup", "候补专家已用完，请补充抽取")
	}
	m := bs[0]
	w.backups[lotID] = bs[1:]
	return &m, nil
}

// RoomOfTerminal implements evaluation.Terminals.
func (w *World) RoomOfTerminal(_ context.Context, token string) (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	room, ok := w.terminals[token]
	if !ok {
		return 0, problem.New(problem.Unauthenticated, "terminal_unknown", "本设备未登记为场地终端或登记已撤销")
	}
	return room, nil
}

// BookingAt implements evaluation.Terminals.
func (w *World) BookingAt(_ context.Context, room int64, t time.Time) (int64, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.bookings {
		if b.room == room && !t.Before(b.from) && t.Before(b.until) {
			return b.project, true, nil
		}
	}
	return 0, false, nil
}

// Retender implements evaluation.Retenderer.
func (w *World) Retender(_ context.Context, lotID int64, reason string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Retendered[lotID] = reason
	return nil
}

// Bids makes n unsealed bids from organisations orgs[i] (or fake ids when
// orgs is short), priced from base downwards.
func Bids(n int, orgs []int64, base money.Fen) []evaluation.OpenedBid {
	out := make([]evaluation.OpenedBid, n)
	for i := range out {
		org := int64(900000 + i)
		if i < len(orgs) {
			org = orgs[i]
		}
		out[i] = evaluation.OpenedBid{BidID: int64(i + 1), OrgID: org, OrgName: fmt.Sprintf("投标单位%02d有限公司", i+1),
			Price: base - money.Fen(i)*100_000, Duration: "180日历天", Quality: "合格", Deposit: evaluation.DepositOK, Unsealed: true,
			SubmittedAt: time.Date(2026, 3, 1, 8, 0, i, 0, time.UTC)}
	}
	return out
}

// Plan is a comprehensive plan: two qualification criteria, three scored
// criteria (30 + 20 + 10) and a price score of 40.
func Plan() evaluation.PlanInput {
	return evaluation.PlanInput{Method: evaluation.Comprehensive, Aggregation: evaluation.AggMean, Deviation: "5",
		Criteria: []evaluation.CriterionInput{
			{Name: "营业执照和资质证书", Kind: evaluation.KindQualification},
			{Name: "投标文件签字盖章", Kind: evaluation.KindQualification},
			{Name: "施工组织设计", Kind: evaluation.KindScore, Max: "30"},
			{Name: "项目管理机构", Kind: evaluation.KindScore, Max: "20"},
			{Name: "业绩和信誉", Kind: evaluation.KindScore, Max: "10"},
			{Name: "投标报价", Kind: evaluation.KindPrice, Max: "40"},
		}}
}

// DepositChecks implements evaluation.Deposits: the check set by
// CheckDeposit or SetDeposit, else the bid's Deposit as SetBids gave it.
func (w *World) DepositChecks(_ context.Context, lotID int64, orgIDs []int64) (map[int64]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[int64]string{}
	for _, b := range w.bids[lotID] {
		out[b.OrgID] = b.Deposit
	}
	for org, v := range w.deposits[lotID] {
		out[org] = v
	}
	for org := range out {
		if !slices.Contains(orgIDs, org) {
			delete(out, org)
		}
	}
	return out, nil
}

// CheckDeposit implements evaluation.Deposits.
func (w *World) CheckDeposit(ctx context.Context, lotID, orgID int64, result string) error {
	w.SetDeposit(lotID, orgID, result)
	return nil
}

// SetDeposit records a deposit check as the trading area would.
func (w *World) SetDeposit(lotID, orgID int64, result string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.deposits[lotID] == nil {
		w.deposits[lotID] = map[int64]string{}
	}
	w.deposits[lotID][orgID] = result
}
