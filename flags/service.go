package flags

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/problem"
	"ggzy/trading"
)

// MaxRangeDays is the longest window of opening dates one read covers.
const MaxRangeDays = 366

// window is the 12 months the aggregate flags (experts, rotating winners)
// look back over: up to the end of the filter's dates (end, exclusive), or
// up to now included when the filter reaches today (a second on: the
// database keeps microseconds and no lot closes in the future). A
// supervisor reviewing an earlier half-year sees the patterns of the 12
// months before its end, not of the 12 months before today.
func window(now, end time.Time) (time.Time, time.Time) {
	if end.After(now) {
		end = now.Add(time.Second)
	}
	return end.AddDate(-1, 0, 0), end
}

// check validates a filter and fills in its default dates (the last 12
// months up to today's date in Beijing).
func (f *Filter) check(now time.Time) error {
	var fs problem.Fields
	if f.Kind != "" && KindNames[f.Kind] == "" {
		fs.Add("kind", "kind_unknown", "预警类型只能是："+kindList())
	}
	if f.ProjectID < 0 {
		fs.Add("project_id", "number_invalid", "项目ID应为正整数")
	}
	today := calendar.DateOf(now, clock.Shanghai)
	switch {
	case f.From.IsZero() && f.To.IsZero():
		f.To, f.From = today, today.AddDays(-(MaxRangeDays - 1))
	case f.From.IsZero():
		f.From = f.To.AddDays(-(MaxRangeDays - 1))
	case f.To.IsZero():
		f.To = f.From.AddDays(MaxRangeDays - 1)
	}
	switch n := f.From.DaysUntil(f.To); {
	case n < 0:
		fs.Add("to", "date_range_invalid", "结束日期不能早于开始日期")
	case n >= MaxRangeDays:
		fs.Add("to", "date_range_too_long", fmt.Sprintf("开标日期范围不能超过%d天", MaxRangeDays))
	}
	return fs.Err()
}

func kindList() string {
	s := ""
	for i, k := range Kinds {
		if i > 0 {
			s += "、"
		}
		s += k + "（" + KindNames[k] + "）"
	}
	return s
}

// List computes the flags for a supervisor and records the read.
func (s *Service) List(ctx context.Context, f Filter) (*Report, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleSupervisor) {
		return nil, problem.New(problem.Forbidden, "forbidden", "只有监督人员可以查看预警")
	}
	now := s.Clock.Now()
	if err := f.check(now); err != nil {
		return nil, err
	}
	st, err := LoadSettings(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	from, to := f.From.In(clock.Shanghai), f.To.AddDays(1).In(clock.Shanghai)
	want := func(kind string) bool { return f.Kind == "" || f.Kind == kind }

	rep := &Report{Flags: []Flag{}, Filter: f, Settings: st, LotCap: trading.FlagLotCap, ComputedAt: now}
	lots, more, err := s.Trading.FlagLots(ctx, trading.FlagLotFilter{From: from, To: to, ProjectID: f.ProjectID})
	if err != nil {
		return nil, err
	}
	rep.Lots, rep.Truncated = len(lots), more
	var flags []Flag
	if want(SameIP) {
		flags = append(flags, sameIP(lots)...)
	}
	if want(SameFile) {
		// Not for a lot whose bids were never opened (不予开标): whether two
		// files are the same is a statement about their content.
		ids := make([]int64, len(lots))
		for i, l := range lots {
			ids[i] = l.LotID
		}
		notOpened, err := s.Openings.NotOpenedLots(ctx, ids)
		if err != nil {
			return nil, err
		}
		skip := make(map[int64]bool, len(notOpened))
		for _, id := range notOpened {
			skip[id] = true
		}
		opened := make([]trading.FlagLot, 0, len(lots))
		for _, l := range lots {
			if !skip[l.LotID] {
				opened = append(opened, l)
			}
		}
		flags = append(flags, sameFile(opened)...)
	}
	if want(SameDeposit) {
		flags = append(flags, sameDeposit(lots)...)
	}
	if want(NearCeiling) {
		fl, err := s.nearCeiling(ctx, lots, st.PriceRatioBP)
		if err != nil {
			return nil, err
		}
		flags = append(flags, fl...)
	}
	if want(ExpertAgency) || want(RotatingWinners) {
		// The last 12 months: the lots alone for the experts, the awarded
		// lots with their bidders for the winners.
		since, until := window(now, to)
		var agg []Flag
		if want(ExpertAgency) {
			recent, more, err := s.Trading.FlagLots(ctx, trading.FlagLotFilter{From: since, To: until, SkipParties: true})
			if err != nil {
				return nil, err
			}
			rep.Truncated = rep.Truncated || more
			fl, err := s.expertAgency(ctx, recent, st.ExpertRepeats, since, until)
			if err != nil {
				return nil, err
			}
			agg = append(agg, fl...)
		}
		if want(RotatingWinners) {
			awarded, more, err := s.Trading.FlagLots(ctx, trading.FlagLotFilter{From: since, To: until, AwardedOnly: true})
			if err != nil {
				return nil, err
			}
			rep.Truncated = rep.Truncated || more
			agg = append(agg, rotatingWinners(awarded, st.RotationLots, since, until)...)
		}
		// Shown when one of its lots matches the filter.
		for _, fl := range agg {
			if slices.ContainsFunc(fl.Lots, func(l Lot) bool {
				return (f.ProjectID == 0 || l.ProjectID == f.ProjectID) && !l.OpenedAt.Before(from) && l.OpenedAt.Before(to)
			}) {
				flags = append(flags, fl)
			}
		}
	}
	// By kind, then the newest lot first.
	sort.SliceStable(flags, func(i, j int) bool {
		a, b := slices.Index(Kinds, flags[i].Kind), slices.Index(Kinds, flags[j].Kind)
		if a != b {
			return a < b
		}
		return lastOpened(flags[i]).After(lastOpened(flags[j]))
	})
	for i := range flags {
		flags[i].KindName = KindNames[flags[i].Kind]
		flags[i].ComputedAt = now
	}
	rep.Flags = append(rep.Flags, flags...)

	counts := map[string]int{}
	for _, fl := range rep.Flags {
		counts[fl.Kind]++
	}
	err = audit.Record(ctx, s.DB, now, audit.Event{Action: "supervision.flags.read", ObjectType: "flags", ObjectID: strconv.Itoa(len(rep.Flags)),
		ProjectID: f.ProjectID, Summary: map[string]any{"filter": f, "lots_examined": rep.Lots, "truncated": rep.Truncated, "flags": counts}})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func lastOpened(f Flag) time.Time {
	var t time.Time
	for _, l := range f.Lots {
		if l.OpenedAt.After(t) {
			t = l.OpenedAt
		}
	}
	return t
}
