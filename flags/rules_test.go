package flags

import (
	"fmt"
	"testing"
	"time"

	"ggzy/money"
	"ggzy/trading"
)

var t0 = time.Date(2026, 1, 5, 1, 30, 0, 0, time.UTC)

// awardedLot is an opened engineering lot with bids from orgs, won by winner.
func awardedLot(id int64, day int, winner int64, orgs ...int64) trading.FlagLot {
	l := trading.FlagLot{LotID: id, ProjectID: id, Kind: trading.Engineering, Method: "open", OpenedAt: t0.AddDate(0, 0, day), Outcome: trading.OutcomeAwarded}
	for _, o := range orgs {
		l.Parties = append(l.Parties, trading.FlagParty{OrgID: o, OrgName: fmt.Sprintf("单位%d", o), Bid: true})
	}
	if winner != 0 {
		l.Winner = fmt.Sprintf("单位%d", winner)
	}
	return l
}

func TestRotatingWinners(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lots  []trading.FlagLot
		flags int
		orgs  int // organisations of the first flag
	}{
		{"three take turns", []trading.FlagLot{awardedLot(1, 0, 1, 1, 2, 3), awardedLot(2, 10, 2, 1, 2, 3), awardedLot(3, 20, 3, 1, 2, 3)}, 1, 3},
		{"a co-bidder on every lot joins the group", []trading.FlagLot{awardedLot(1, 0, 1, 1, 2, 3, 4), awardedLot(2, 10, 2, 1, 2, 3, 4), awardedLot(3, 20, 1, 1, 2, 3, 4)}, 1, 4},
		{"the same winner twice in a row", []trading.FlagLot{awardedLot(1, 0, 1, 1, 2, 3), awardedLot(2, 10, 1, 1, 2, 3), awardedLot(3, 20, 2, 1, 2, 3)}, 0, 0},
		{"only two lots", []trading.FlagLot{awardedLot(1, 0, 1, 1, 2, 3), awardedLot(2, 10, 2, 1, 2, 3)}, 0, 0},
		{"a lot the group did not all bid on", []trading.FlagLot{awardedLot(1, 0, 1, 1, 2, 3), awardedLot(2, 10, 2, 1, 2, 5), awardedLot(3, 20, 3, 1, 2, 3)}, 0, 0},
		{"no result yet", []trading.FlagLot{awardedLot(1, 0, 0, 1, 2, 3), awardedLot(2, 10, 0, 1, 2, 3), awardedLot(3, 20, 0, 1, 2, 3)}, 0, 0},
		{"a winner from outside the group", []trading.FlagLot{awardedLot(1, 0, 1, 1, 2, 3), awardedLot(2, 10, 9, 1, 2, 3, 9), awardedLot(3, 20, 3, 1, 2, 3)}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rotatingWinners(tc.lots, DefaultRotationLots, t0, t0.AddDate(1, 0, 0))
			if len(got) != tc.flags {
				t.Fatalf("%d flags, want %d: %+v", len(got), tc.flags, got)
			}
			if tc.flags > 0 {
				f := got[0]
				if len(f.Orgs) != tc.orgs || len(f.Lots) != 3 || f.Evidence.Count != 3 || f.Lots[0].Winner == "" || f.Kind != RotatingWinners {
					t.Errorf("flag %+v", f)
				}
			}
		})
	}
}

// A bid without a bid form or file (signed up only) is not a bid on a
// sealed-bid lot.
func TestRotatingWinnersCountsBidsOnly(t *testing.T) {
	lots := []trading.FlagLot{awardedLot(1, 0, 1, 1, 2, 3), awardedLot(2, 10, 2, 1, 2, 3), awardedLot(3, 20, 3, 1, 2, 3)}
	lots[1].Parties[2].Bid = false
	if got := rotatingWinners(lots, DefaultRotationLots, t0, t0.AddDate(1, 0, 0)); len(got) != 0 {
		t.Errorf("flags %+v", got)
	}
}

func TestNearCeilingBoundary(t *testing.T) {
	l := trading.FlagLot{LotID: 7, Kind: trading.Engineering, Ceiling: money.FromYuan(1_000_000)}
	byID := map[int64]trading.FlagLot{7: l}
	prices := []evaluationPrice{
		{LotID: 7, OrgID: 1, OrgName: "甲", Price: money.FromYuan(990_000)},     // exactly 99%
		{LotID: 7, OrgID: 2, OrgName: "乙", Price: money.FromYuan(990_000) - 1}, // one fen below
		{LotID: 7, OrgID: 3, OrgName: "丙", Price: money.FromYuan(1_000_000)},   // at the ceiling
	}
	got := nearCeilingOf(byID, []int64{7}, prices, DefaultPriceRatioBP)
	if len(got) != 1 || len(got[0].Evidence.Prices) != 2 || got[0].Evidence.Prices[0].Ratio != "99.00%" || got[0].Evidence.Prices[1].Ratio != "100.00%" {
		t.Fatalf("flags %+v", got)
	}
}

func TestExpertAgency(t *testing.T) {
	var lots []trading.FlagLot
	var draws []agencyDraw
	for i := int64(1); i <= 4; i++ {
		lots = append(lots, trading.FlagLot{LotID: i, ProjectID: 100 + i, AgencyOrgID: 50, AgencyName: "代理甲", OpenedAt: t0.AddDate(0, 0, int(i))})
	}
	// Expert 1: three projects of agency 50 (one of them drawn twice).
	for _, lot := range []int64{1, 2, 2, 3} {
		draws = append(draws, agencyDraw{LotID: lot, ProjectID: 100 + lot, AgencyOrgID: 50, ExpertID: 1, ExpertName: "张三"})
	}
	// Expert 2: two projects only; a draw of a lot not opened does not count.
	draws = append(draws, agencyDraw{LotID: 1, ProjectID: 101, AgencyOrgID: 50, ExpertID: 2, ExpertName: "李四"},
		agencyDraw{LotID: 4, ProjectID: 104, AgencyOrgID: 50, ExpertID: 2, ExpertName: "李四"},
		agencyDraw{LotID: 99, ProjectID: 199, AgencyOrgID: 50, ExpertID: 2, ExpertName: "李四"})
	got := expertAgencyOf(lots, draws, DefaultExpertRepeats, t0, t0.AddDate(1, 0, 0))
	if len(got) != 1 || got[0].Evidence.Expert.Name != "张三" || got[0].Evidence.Count != 3 || got[0].Evidence.Agency.Name != "代理甲" || len(got[0].Lots) != 3 {
		t.Fatalf("flags %+v", got)
	}
}
