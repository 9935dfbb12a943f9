package trading

import (
	"context"
	"fmt"

	"ggzy/clock"
	"ggzy/minutes"
	"ggzy/problem"
)

// DrawRecord is the printed 抽取记录 of a selection's fixed-price draw once
// it has been drawn: the same public content as the record page (the draw
// is public, and so are the drawn companies), with everything needed to
// re-check it — the pool hash, the commitment and revealed secret, the
// witnesses' numbers and the RFC 3797 key. Visibility is Room's.
func (s *FixedPrice) DrawRecord(ctx context.Context, selectionID int64) (*minutes.DrawRecord, error) {
	room, err := s.Room(ctx, selectionID)
	if err != nil {
		return nil, err
	}
	d := room.Draw
	if d == nil || d.Status != DrawStatusDrawn {
		return nil, problem.New(problem.Conflict, "draw_not_run", "尚未抽取，不能出具抽取记录")
	}
	sel := room.Selection
	p := minutes.Project{Name: sel.Title, Code: sel.Code, Tenderer: sel.OwnerName}
	if p.Code == "" {
		p.Code = fmt.Sprintf("固定价比选 %d", sel.ID)
	}
	if p.Tenderer == "" {
		p.Tenderer = "（未登记）"
	}
	rec := &minutes.DrawRecord{ID: fmt.Sprintf("fp-%d", d.ID), Purpose: minutes.FixedPriceDraw, Project: p,
		Subject: fmt.Sprintf("中选人 1 家，候补 %d 家", max(d.Count-1, 0)), At: d.DrawnAt.Time, Place: sel.Place,
		PoolSize: d.PoolSize, PoolHash: d.PoolHash, Commitment: d.Commitment, Secret: d.Secret, Key: d.Key,
		Parameters: [][2]string{
			{"控制价", sel.ControlPrice.Yuan() + "（人民币" + sel.ControlPrice.Upper() + "）"},
			{"下浮率", sel.Rate().String()},
			{"固定价", sel.FixedPrice.Yuan() + "（人民币" + sel.FixedPrice.Upper() + "）"},
			{"定价规则", sel.RoundingRule()},
			{"入围名单固定时间", d.PreparedAt.In(clock.Shanghai).Format("2006年1月2日 15:04")},
		}}
	for _, w := range d.Witnesses {
		rec.Witnesses = append(rec.Witnesses, minutes.Witness{Name: w.Name, Role: w.Role, Number: w.Numbers})
	}
	for _, r := range room.Ranked {
		rec.Picks = append(rec.Picks, minutes.Pick{Order: r.Rank, PoolIndex: r.No, Name: r.Name, Detail: "统一社会信用代码 " + r.USCC,
			Backup: r.Rank > 1, Note: r.StateName})
	}
	var reasons []string
	count := map[string]int{}
	for _, x := range room.Excluded {
		reason := ExclusionNames[x.Rule]
		if x.Rule == "rejected" || reason == "" {
			reason = "资格审查不合格"
		}
		if count[reason] == 0 {
			reasons = append(reasons, reason)
		}
		count[reason]++
	}
	for _, r := range reasons {
		rec.Exclusions = append(rec.Exclusions, minutes.Exclusion{Reason: r, Count: count[r]})
	}
	return rec, nil
}
