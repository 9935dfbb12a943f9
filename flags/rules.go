package flags

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/trading"
)

type (
	evaluationPrice = evaluation.ReadOutPrice
	agencyDraw      = expertpool.AgencyDraw
)

// The rules. Each takes the opened lots (trading.FlagLots) and returns its
// flags; business logic only, no SQL.

func lotOf(l trading.FlagLot) Lot {
	return Lot{LotID: l.LotID, ProjectID: l.ProjectID, Code: l.Code, Title: l.Title, LotName: l.LotName, OpenedAt: l.OpenedAt}
}

// grouping collects, per key (an address, a hash, a reference), the
// organisations of one lot that share it and what each did.
type grouping struct {
	keys    []string                  // in order of first appearance
	orgs    map[string][]int64        // key → organisations, in order of first appearance
	actions map[string][]Action       // key → actions
	display map[string]string         // key → the value as shown
	seen    map[string]map[int64]bool // key → organisation → seen
}

func newGrouping() *grouping {
	return &grouping{orgs: map[string][]int64{}, actions: map[string][]Action{}, display: map[string]string{}, seen: map[string]map[int64]bool{}}
}

func (g *grouping) add(key, display string, p trading.FlagParty, what, detail string, at time.Time) {
	if key == "" {
		return
	}
	if _, ok := g.seen[key]; !ok {
		g.keys = append(g.keys, key)
		g.seen[key] = map[int64]bool{}
		g.display[key] = display
	}
	if !g.seen[key][p.OrgID] {
		g.seen[key][p.OrgID] = true
		g.orgs[key] = append(g.orgs[key], p.OrgID)
	}
	g.actions[key] = append(g.actions[key], Action{OrgID: p.OrgID, OrgName: p.OrgName, What: what, Detail: detail, At: at})
}

// shared returns the keys shared by two or more organisations, with them.
func (g *grouping) shared(l trading.FlagLot, kind string, evidence func(key string) Evidence, summary func(key string, n int) string) []Flag {
	names := map[int64]string{}
	for _, p := range l.Parties {
		names[p.OrgID] = p.OrgName
	}
	var out []Flag
	for _, k := range g.keys {
		ids := g.orgs[k]
		if len(ids) < 2 {
			continue
		}
		fl := Flag{Kind: kind, Lots: []Lot{lotOf(l)}, Evidence: evidence(k), Summary: summary(k, len(ids))}
		for _, id := range ids {
			fl.Orgs = append(fl.Orgs, Org{ID: id, Name: names[id]})
		}
		fl.Evidence.Actions = g.actions[k]
		out = append(out, fl)
	}
	return out
}

// sameIP: two or more organisations of one lot signed up, submitted a bid
// form or uploaded a bid file (any, also one replaced or withdrawn later)
// from the same client address. The address is the one the server saw: a
// proxy not listed in TRADING_TRUSTED_PROXIES gives every client its own
// address, and every lot would be flagged.
func sameIP(lots []trading.FlagLot) []Flag {
	var out []Flag
	for _, l := range lots {
		g := newGrouping()
		for _, p := range l.Parties {
			g.add(p.SignupIP, p.SignupIP, p, "报名", "", p.SignedUpAt)
			g.add(p.FormIP, p.FormIP, p, "投标函", "", p.FormAt)
			for _, f := range p.Files {
				g.add(f.IP, f.IP, p, "投标文件", f.Name, f.ReceivedAt)
			}
		}
		out = append(out, g.shared(l, SameIP,
			func(k string) Evidence { return Evidence{IP: k} },
			func(k string, n int) string {
				return fmt.Sprintf("%d家单位从同一IP地址 %s 报名或递交投标文件", n, k)
			})...)
	}
	return out
}

// sameFile: two or more organisations of one lot submitted a bid file with
// the same SHA-256 of its plain content (the receipt's hash; files replaced
// or withdrawn before the deadline are not part of a bid and do not count).
func sameFile(lots []trading.FlagLot) []Flag {
	var out []Flag
	for _, l := range lots {
		g := newGrouping()
		for _, p := range l.Parties {
			for _, f := range p.Files {
				if f.Status == trading.BidSubmitted {
					g.add(f.SHA256, f.SHA256, p, "投标文件", f.Name, f.ReceivedAt)
				}
			}
		}
		out = append(out, g.shared(l, SameFile,
			func(k string) Evidence { return Evidence{SHA256: k} },
			func(k string, n int) string {
				return fmt.Sprintf("%d家单位递交的投标文件内容完全相同（SHA-256 %s）", n, k)
			})...)
	}
	return out
}

// depositKey is a deposit reference as compared: without spaces and
// hyphens, letters upper-cased (the same transfer written two ways).
func depositKey(ref string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' || r == '\t' {
			return -1
		}
		return r
	}, ref))
}

// sameDeposit: two or more organisations of one lot recorded the same
// deposit reference (transfer reference, guarantee or e-guarantee number).
func sameDeposit(lots []trading.FlagLot) []Flag {
	var out []Flag
	for _, l := range lots {
		g := newGrouping()
		for _, p := range l.Parties {
			g.add(depositKey(p.DepositRef), p.DepositRef, p, "保证金", trading.DepositMethods[p.DepositMethod]+" "+p.DepositRef, time.Time{})
		}
		out = append(out, g.shared(l, SameDeposit,
			func(k string) Evidence { return Evidence{DepositReference: g.display[k]} },
			func(k string, n int) string {
				return fmt.Sprintf("%d家单位登记了同一保证金凭证（转账流水号或保函编号 %s）", n, g.display[k])
			})...)
	}
	return out
}

// ratio formats hundredths of a percent.
func ratio(bp int64) string { return fmt.Sprintf("%d.%02d%%", bp/100, bp%100) }

// nearCeiling: a price read out at the opening of an engineering or
// procurement lot at or above thresholdBP hundredths of a percent of the
// lot's ceiling (招标控制价 / 采购预算). One flag per lot, naming every such
// bid. Land and property lots have a floor, not a ceiling.
func (s *Service) nearCeiling(ctx context.Context, lots []trading.FlagLot, thresholdBP int) ([]Flag, error) {
	byID := map[int64]trading.FlagLot{}
	var ids []int64
	for _, l := range lots {
		if (l.Kind == trading.Engineering || l.Kind == trading.Procurement) && l.Ceiling > 0 {
			byID[l.LotID] = l
			ids = append(ids, l.LotID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	prices, err := s.Openings.ReadOutPrices(ctx, ids)
	if err != nil {
		return nil, err
	}
	return nearCeilingOf(byID, ids, prices, thresholdBP), nil
}

func nearCeilingOf(byID map[int64]trading.FlagLot, ids []int64, prices []evaluationPrice, thresholdBP int) []Flag {
	over := map[int64][]Price{}
	for _, p := range prices {
		l, ok := byID[p.LotID]
		if !ok || p.Price <= 0 {
			continue
		}
		// price / ceiling ≥ threshold / 10000, in integers.
		if int64(p.Price)*10000 < int64(l.Ceiling)*int64(thresholdBP) {
			continue
		}
		bp := int64(p.Price) * 10000 / int64(l.Ceiling)
		over[p.LotID] = append(over[p.LotID], Price{OrgID: p.OrgID, OrgName: p.OrgName, Price: p.Price, PriceText: p.Price.String(), RatioBP: bp, Ratio: ratio(bp)})
	}
	var out []Flag
	for _, id := range ids {
		ps := over[id]
		if len(ps) == 0 {
			continue
		}
		l := byID[id]
		fl := Flag{Kind: NearCeiling, Lots: []Lot{lotOf(l)},
			Evidence: Evidence{Ceiling: l.Ceiling, CeilingText: l.Ceiling.String(), ThresholdBP: thresholdBP, Prices: ps},
			Summary:  fmt.Sprintf("%d家单位的投标报价达到控制价（预算）%s 元的%s及以上", len(ps), l.Ceiling.String(), ratio(int64(thresholdBP)))}
		for _, p := range ps {
			fl.Orgs = append(fl.Orgs, Org{ID: p.OrgID, Name: p.OrgName})
		}
		out = append(out, fl)
	}
	return out
}

// expertAgency: the same expert drawn onto the committees (invited or
// confirmed) of at least minProjects different projects of one agency among
// the lots opened in the last 12 months.
func (s *Service) expertAgency(ctx context.Context, recent []trading.FlagLot, minProjects int, since, until time.Time) ([]Flag, error) {
	if len(recent) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(recent))
	for i, l := range recent {
		ids[i] = l.LotID
	}
	draws, err := s.Draws.AgencyDraws(ctx, ids)
	if err != nil {
		return nil, err
	}
	return expertAgencyOf(recent, draws, minProjects, since, until), nil
}

func expertAgencyOf(recent []trading.FlagLot, draws []agencyDraw, minProjects int, since, until time.Time) []Flag {
	lotByID := map[int64]trading.FlagLot{}
	agencyName := map[int64]string{}
	for _, l := range recent {
		lotByID[l.LotID] = l
		if l.AgencyOrgID != 0 && l.AgencyName != "" {
			agencyName[l.AgencyOrgID] = l.AgencyName
		}
	}
	type pair struct{ expert, agency int64 }
	type tally struct {
		name     string
		projects map[int64]bool
		lots     []int64
		lotSeen  map[int64]bool
	}
	tallies := map[pair]*tally{}
	var order []pair
	for _, d := range draws {
		if _, ok := lotByID[d.LotID]; !ok {
			continue
		}
		k := pair{d.ExpertID, d.AgencyOrgID}
		t := tallies[k]
		if t == nil {
			t = &tally{name: d.ExpertName, projects: map[int64]bool{}, lotSeen: map[int64]bool{}}
			tallies[k] = t
			order = append(order, k)
		}
		t.projects[d.ProjectID] = true
		if !t.lotSeen[d.LotID] {
			t.lotSeen[d.LotID] = true
			t.lots = append(t.lots, d.LotID)
		}
	}
	var out []Flag
	for _, k := range order {
		t := tallies[k]
		if len(t.projects) < minProjects {
			continue
		}
		name := agencyName[k.agency]
		if name == "" {
			name = fmt.Sprintf("单位%d", k.agency)
		}
		fl := Flag{Kind: ExpertAgency, Orgs: []Org{{ID: k.agency, Name: name}},
			Evidence: Evidence{Expert: &Expert{ID: k.expert, Name: t.name}, Agency: &Org{ID: k.agency, Name: name}, Count: len(t.projects), MinCount: minProjects, Since: since, Until: until},
			Summary:  fmt.Sprintf("专家%s在12个月内%d次被抽中参加%s代理的项目的评标", t.name, len(t.projects), name)}
		for _, id := range t.lots {
			fl.Lots = append(fl.Lots, lotOf(lotByID[id]))
		}
		sort.SliceStable(fl.Lots, func(i, j int) bool { return fl.Lots[i].OpenedAt.Before(fl.Lots[j].OpenedAt) })
		out = append(out, fl)
	}
	return out
}

// rotatingWinners, the rule kept simple: take the awarded lots opened in the
// last 12 months whose winner is one of their bidders (sign-ups with a bid;
// for land and property, every sign-up). For every three organisations
// {a, b, c} take the lots on which all three bid and one of them won. When
// there are at least minLots such lots and, in the order of their openings,
// the winner changes from each lot to the next, the three are flagged.
// Groups with exactly the same lots are one flag (naming all their
// organisations); a ring of four or more shows as several overlapping flags.
func rotatingWinners(recent []trading.FlagLot, minLots int, since, until time.Time) []Flag {
	type lotInfo struct {
		lot     trading.FlagLot
		winner  int64
		bidders []int64
	}
	var awarded []lotInfo
	names := map[int64]string{}
	for _, l := range recent {
		if l.Winner == "" {
			continue
		}
		sealed := trading.OpensSealedBids(l.Kind, l.Method)
		var bidders []int64
		var winner int64
		for _, p := range l.Parties {
			if sealed && !p.Bid {
				continue
			}
			bidders = append(bidders, p.OrgID)
			names[p.OrgID] = p.OrgName
			if p.OrgName == l.Winner {
				winner = p.OrgID
			}
		}
		if winner == 0 || len(bidders) < RotationOrgs {
			continue
		}
		l.Parties = nil
		awarded = append(awarded, lotInfo{lot: l, winner: winner, bidders: bidders})
	}
	// Each lot adds itself to every triple of its bidders that holds its
	// winner: so a triple collects exactly the lots on which its three bid
	// and one of them won.
	type triple [3]int64
	groups := map[triple][]int{}
	var order []triple
	for i, info := range awarded {
		var others []int64
		for _, b := range info.bidders {
			if b != info.winner {
				others = append(others, b)
			}
		}
		for x := 0; x < len(others); x++ {
			for y := x + 1; y < len(others); y++ {
				t := triple{info.winner, others[x], others[y]}
				slices.Sort(t[:])
				if _, ok := groups[t]; !ok {
					order = append(order, t)
				}
				groups[t] = append(groups[t], i)
			}
		}
	}
	type found struct {
		lots []int
		orgs []int64
	}
	byLots := map[string]*found{}
	var foundOrder []string
	for _, t := range order {
		idx := groups[t]
		if len(idx) < minLots {
			continue
		}
		sort.SliceStable(idx, func(i, j int) bool {
			a, b := awarded[idx[i]].lot, awarded[idx[j]].lot
			if !a.OpenedAt.Equal(b.OpenedAt) {
				return a.OpenedAt.Before(b.OpenedAt)
			}
			return a.LotID < b.LotID
		})
		rotates := true
		for k := 1; k < len(idx); k++ {
			if awarded[idx[k]].winner == awarded[idx[k-1]].winner {
				rotates = false
				break
			}
		}
		if !rotates {
			continue
		}
		key := fmt.Sprint(idx)
		f := byLots[key]
		if f == nil {
			f = &found{lots: idx}
			byLots[key] = f
			foundOrder = append(foundOrder, key)
		}
		for _, o := range t {
			if !slices.Contains(f.orgs, o) {
				f.orgs = append(f.orgs, o)
			}
		}
	}
	var out []Flag
	for _, key := range foundOrder {
		f := byLots[key]
		slices.Sort(f.orgs)
		fl := Flag{Kind: RotatingWinners, Evidence: Evidence{Count: len(f.lots), MinCount: minLots, Since: since, Until: until}}
		winners := map[int64]bool{}
		for _, i := range f.lots {
			l := lotOf(awarded[i].lot)
			l.Winner = names[awarded[i].winner]
			winners[awarded[i].winner] = true
			fl.Lots = append(fl.Lots, l)
		}
		for _, o := range f.orgs {
			fl.Orgs = append(fl.Orgs, Org{ID: o, Name: names[o]})
		}
		fl.Summary = fmt.Sprintf("%d家单位12个月内共同投标%d个标段（包），由其中%d家轮流中标", len(f.orgs), len(f.lots), len(winners))
		out = append(out, fl)
	}
	return out
}
