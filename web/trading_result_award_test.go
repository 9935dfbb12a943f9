package web

import (
	"fmt"
	"net/http"
	"testing"
)

// The result notice of a lot evaluated in the system states the
// evaluation's award: not before the 中标通知书, not another winner or
// price, and not 废标 once awarded. (The agency could publish any bidder as
// the winner right after the deadline.)
func TestResultNoticeFollowsTheAward(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("中标结果测试工程"))
	e.clock.Set(sh("2026-03-09 10:00"))
	users := []string{"bidder1", "bidder2", "bidder3"}
	for j, u := range users {
		flagBid(t, e, e.api(u), p.Lots[0], "", fmt.Sprintf("8,%d00,000.00", 5+j), fmt.Sprintf("投标文件 %d %s", p.Lots[0], u))
	}
	closeLots(t, e, "2026-03-30 09:30")
	ag := e.api("agency")
	publish := func(lot1 map[string]any) response {
		lot1["lot_id"] = p.Lots[0]
		return ag.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{"lots": []map[string]any{lot1, {"lot_id": p.Lots[1]}}})
	}
	second := orgName(t, "bidder2")
	if f := fieldErr(t, publish(map[string]any{"winner": second, "price": "8,600,000.00"}), "lot1_winner"); f.Code != "award_not_issued" {
		t.Fatalf("before the award: %+v", f)
	}
	awardThroughEvaluation(t, e, p.Lots[0], second)
	for _, tc := range []struct {
		lot         map[string]any
		field, code string
	}{
		{map[string]any{"winner": orgName(t, "bidder1"), "price": "8,500,000.00"}, "lot1_winner", "winner_not_awarded"},
		{map[string]any{"winner": second, "price": "8,500,000.00"}, "lot1_winner", "winner_not_awarded"},
		{map[string]any{"outcome": "failed", "reason": "投标人均未实质性响应"}, "lot1_outcome", "lot_awarded"},
	} {
		if f := fieldErr(t, publish(tc.lot), tc.field); f.Code != tc.code {
			t.Errorf("%v: %+v, want %s", tc.lot, f, tc.code)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_projects WHERE id = ? AND status = 'result'`, p.ID); n != 0 {
		t.Fatal("a refused result was published")
	}
	if r := publish(map[string]any{"winner": second, "price": "8,600,000.00"}); r.Code != http.StatusOK {
		t.Fatalf("the award's winner and price: %d %s", r.Code, r.Body.String())
	}
}
