package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/problem"
	"ggzy/trading"
)

// The result of a lot follows the rules of its kind (trading/outcomes.go),
// through HTTP: land against its sealed reserve and its bidders, property
// by its qualified buyers, engineering with 废标 and the opening's 流标.

// landBody is a complete land registration of method with one parcel:
// starting price 50,000,000, reserve 62,000,000; bidding on 03-25, closing
// 03-26 10:00 (an auction; a listing runs 10 days).
func landBody(method, title string) map[string]any {
	tl := map[string]string{"signup_until": "2026-03-24 17:00", "bid_start": "2026-03-25 09:00", "deadline": "2026-03-26 10:00"}
	if method == "listing" {
		tl = map[string]string{"signup_until": "2026-04-03 17:00", "bid_start": "2026-03-25 09:00", "deadline": "2026-04-07 10:00"}
	}
	return map[string]any{
		"kind": "land", "method": method, "title": title, "owner_name": "示范市自然资源和规划局", "place": "交易中心拍卖厅",
		"details":  map[string]string{"transferor": "示范市自然资源和规划局"},
		"timeline": tl,
		"lots": []map[string]any{{"name": "A-12地块", "price": "50,000,000", "deposit": "10,000,000", "reserve": "62,000,000",
			"details": map[string]string{"parcel_no": "XC2026-12", "area": "12000.50", "land_use": "住宅用地", "term": "70", "increment": "500,000"}}},
	}
}

// propertyBody is a property transfer with lots listed at 1,000,000 each.
func propertyBody(title string, lots int) map[string]any {
	var ls []map[string]any
	for i := 1; i <= lots; i++ {
		ls = append(ls, map[string]any{"name": fmt.Sprintf("设备%d批", i), "price": "1,000,000", "estimate": "1,000,000", "deposit": "50,000"})
	}
	return map[string]any{
		"kind": "property", "method": "listing", "title": title, "owner_name": "示范市国资公司", "place": "产权交易大厅",
		"details":  map[string]string{"transferor": "示范市国资公司"},
		"timeline": map[string]string{"signup_until": "2026-03-31 17:00", "deadline": "2026-04-01 10:00"},
		"lots":     ls,
	}
}

// signUp signs each user up for lot with a deposit; it returns the
// sign-ups by user.
func signUp(t *testing.T, e *env, lot int64, users ...string) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	for _, u := range users {
		ids[u] = signUpAndDeposit(t, e, e.api(u), lot, fmt.Sprintf("EG-OUT-%d-%s", lot, u))
	}
	return ids
}

// closeLots closes p's lots at the deadline as the timed job does (which
// also runs the opening).
func closeLots(t testing.TB, e *env, deadline string) {
	t.Helper()
	e.clock.Set(sh(deadline).Add(time.Second))
	sweepDeadlines(t, e)
}

// fieldErr returns the field error of an API answer, or fails.
func fieldErr(t *testing.T, r response, field string) problem.Field {
	t.Helper()
	if r.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", r.Code, r.Body.String())
	}
	var a apiError
	r.decode(t, &a)
	for _, f := range a.Error.Fields {
		if f.Name == field {
			return f
		}
	}
	t.Fatalf("no error on %s: %s", field, r.Body.String())
	return problem.Field{}
}

func projectJSON(t *testing.T, c *client, id int64) (trading.Project, string) {
	t.Helper()
	r := c.json("GET", fmt.Sprintf("/api/v1/projects/%d", id), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("project as %s: %d %s", c.user, r.Code, r.Body.String())
	}
	var res trading.Project
	r.decode(t, &res)
	if len(res.Lots) == 0 {
		t.Fatalf("project without lots: %s", r.Body.String())
	}
	return res, r.Body.String()
}

func resultNotice(t *testing.T, e *env, projectID int64) string {
	t.Helper()
	var body string
	if err := e.db.Get(&body, `SELECT body FROM trading_announcements WHERE project_id = ? AND type = 'result'`, projectID); err != nil {
		t.Fatalf("result notice: %v", err)
	}
	return body
}

// reserveShown reports whether a text shows the reserve 62,000,000 in any
// of the forms it could take.
func reserveShown(s string) bool {
	for _, v := range []string{"62,000,000", "62000000", "6200000000", "陆仟贰佰万"} {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// TestOutcomeLandBelowReserve: the reserve stays hidden everywhere before
// the result, also once the lot has closed; a highest price below it is not
// awarded (流拍); the result reveals it on the notice, the project and the
// public pages.
func TestOutcomeLandBelowReserve(t *testing.T) {
	e := newEnv(t)
	p := publishBody(t, e, landBody("auction", uniqueTitle("底价测试地块")))
	lot := p.Lots[0]
	signUp(t, e, lot, "bidder1", "bidder2", "bidder3")

	hidden := func(when string) {
		t.Helper()
		views := map[string]response{
			"agency API":      e.api("agency").json("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), nil),
			"staff API":       e.api("staff").json("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), nil),
			"supervisor API":  e.api("supervisor").json("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), nil),
			"public API":      e.anon().json("GET", fmt.Sprintf("/api/v1/announcements/%d", p.AnnID), nil),
			"public page":     e.anon().get(fmt.Sprintf("/announcements/%d?when=%s", p.AnnID, url.QueryEscape(when))),
			"bidder page":     e.browser("bidder1").get(fmt.Sprintf("/announcements/%d", p.AnnID)),
			"bidder lot page": e.browser("bidder1").get(fmt.Sprintf("/bidder/lots/%d", lot)),
			"agency page":     e.browser("agency").get(fmt.Sprintf("/projects/%d", p.ID)),
			"staff page":      e.browser("staff").get(fmt.Sprintf("/projects/%d", p.ID)),
		}
		for name, r := range views {
			if r.Code != http.StatusOK {
				t.Fatalf("%s %s: %d", when, name, r.Code)
			}
			if reserveShown(r.Body.String()) || strings.Contains(r.Body.String(), "reserve_fen") {
				t.Errorf("%s: the reserve shows on the %s", when, name)
			}
		}
	}
	hidden("before the deadline")
	// Nobody, the agency included, learns how many signed up before the lot closes.
	if r := e.browser("agency").get(fmt.Sprintf("/projects/%d", p.ID)); strings.Contains(r.Body.String(), `data-testid="tally-1"`) {
		t.Error("the agency sees the number of bidders before the lot closed")
	}

	closeLots(t, e, "2026-03-26 10:00")
	// An auction closes at its deadline, but has no sealed-bid opening.
	if n := e.count(`SELECT COUNT(*) FROM trading_lots WHERE id = ? AND status = ?`, lot, trading.LotClosed); n != 1 {
		t.Error("the auction's lot did not close at its deadline")
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_lots WHERE lot_id = ? AND opened_at IS NOT NULL`, lot); n != 0 {
		t.Error("an opening (开标) ran for a land auction")
	}
	hidden("after the deadline")
	if r := e.browser("agency").get(fmt.Sprintf("/projects/%d", p.ID)); !strings.Contains(r.Body.String(), "符合条件的竞买人 3 个") ||
		strings.Contains(r.Body.String(), "流标") {
		t.Errorf("the agency's result form lacks the closed lot's bidders (or shows the opening's 流标 for an auction): %s", r.Body.String())
	}

	ag := e.api("agency")
	r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{"lots": []map[string]any{
		{"lot_id": lot, "winner": orgName(t, "bidder2"), "price": "55,000,000"}}})
	if r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
	got, body := projectJSON(t, ag, p.ID)
	l := got.Lots[0]
	if l.Outcome != trading.OutcomeUnsold || l.OutcomeName != "流拍" || l.Winner != "" || l.AwardPrice != 0 || l.Bidders == nil || *l.Bidders != 3 {
		t.Errorf("lot after the result: %+v", l)
	}
	if !l.ReserveRevealed || l.RevealedReserve != 6_200_000_000 || !strings.Contains(body, `"reserve_fen":6200000000`) {
		t.Errorf("the reserve is not revealed by the result: %+v", l)
	}
	notice := resultNotice(t, e, p.ID)
	for _, want := range []string{"A-12地块：流拍", "竞买人3个", "最高报价 55,000,000.00 元低于底价", "底价：62,000,000.00 元（人民币陆仟贰佰万元整）", "国土资源部令第39号"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	if strings.Contains(notice, orgName(t, "bidder2")) {
		t.Errorf("an unsold lot names a winner:\n%s", notice)
	}
	var resultAnn int64
	if err := e.db.Get(&resultAnn, `SELECT id FROM trading_announcements WHERE project_id = ? AND type = 'result'`, p.ID); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]response{
		"result page":  e.anon().get(fmt.Sprintf("/announcements/%d", resultAnn)),
		"tender page":  e.browser("bidder3").get(fmt.Sprintf("/announcements/%d", p.AnnID)),
		"public API":   e.anon().json("GET", fmt.Sprintf("/api/v1/announcements/%d?after=1", p.AnnID), nil),
		"project page": e.browser("agency").get(fmt.Sprintf("/projects/%d", p.ID)),
	} {
		if !reserveShown(r.Body.String()) || !strings.Contains(r.Body.String(), "流拍") {
			t.Errorf("the %s does not show the revealed reserve and the outcome", name)
		}
	}
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE action = 'trading.project.result' AND project_id = ?`, p.ID); err != nil ||
		!strings.Contains(summary, `"outcome":"unsold"`) || reserveShown(summary) {
		t.Errorf("audit summary %s, %v", summary, err)
	}
}

// TestOutcomeLandAuctionFewerThanThree: an auction with two bidders is
// terminated whatever the agency records; the outcome cannot be chosen.
func TestOutcomeLandAuctionFewerThanThree(t *testing.T) {
	e := newEnv(t)
	p := publishBody(t, e, landBody("auction", uniqueTitle("竞买人不足测试地块")))
	lot := p.Lots[0]
	signUp(t, e, lot, "bidder1", "bidder2")
	closeLots(t, e, "2026-03-26 10:00")
	ag := e.api("agency")
	path := fmt.Sprintf("/api/v1/projects/%d/result", p.ID)
	r := ag.json("POST", path, map[string]any{"lots": []map[string]any{{"lot_id": lot, "outcome": "awarded", "winner": orgName(t, "bidder1"), "price": "70,000,000"}}})
	if f := fieldErr(t, r, "lot1_outcome"); f.Code != "outcome_not_applicable" {
		t.Errorf("chosen outcome: %+v", f)
	}
	r = ag.json("POST", path, map[string]any{"lots": []map[string]any{{"lot_id": lot, "winner": orgName(t, "bidder1"), "price": "70,000,000"}}})
	if r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
	got, _ := projectJSON(t, ag, p.ID)
	if l := got.Lots[0]; l.Outcome != trading.OutcomeTerminated || l.Winner != "" || !l.ReserveRevealed || !strings.Contains(l.OutcomeReason, "不足3个") {
		t.Errorf("lot: %+v", l)
	}
	notice := resultNotice(t, e, p.ID)
	for _, want := range []string{"A-12地块：终止", "竞买人2个", "终止拍卖", "《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）", "底价：62,000,000.00 元"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
}

// TestOutcomeLandListingAwarded: a listing needs no three bidders; the
// highest quote at or above the reserve wins.
func TestOutcomeLandListingAwarded(t *testing.T) {
	e := newEnv(t)
	p := publishBody(t, e, landBody("listing", uniqueTitle("挂牌成交测试地块")))
	lot := p.Lots[0]
	signUp(t, e, lot, "bidder4")
	closeLots(t, e, "2026-04-07 10:00")
	ag := e.api("agency")
	path := fmt.Sprintf("/api/v1/projects/%d/result", p.ID)
	r := ag.json("POST", path, map[string]any{"lots": []map[string]any{{"lot_id": lot, "winner": orgName(t, "bidder4"), "price": "49,000,000"}}})
	if f := fieldErr(t, r, "lot1_award_price"); f.Code != "rule_land.start_price" || !strings.Contains(f.Message, "国土资源部令第39号") {
		t.Errorf("below the starting price: %+v", f)
	}
	if r = ag.json("POST", path, map[string]any{"lots": []map[string]any{{"lot_id": lot, "winner": orgName(t, "bidder4"), "price": "62,500,000"}}}); r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
	notice := resultNotice(t, e, p.ID)
	want := "A-12地块：成交。竞买人1个；竞得人：" + orgName(t, "bidder4") + "；成交价：62,500,000.00 元（人民币陆仟贰佰伍拾万元整）；底价：62,000,000.00 元"
	if !strings.Contains(notice, want) {
		t.Errorf("the notice lacks %q:\n%s", want, notice)
	}
}

// TestOutcomeProperty: one qualified buyer → 协议转让 at no less than the
// listing price (refused below it, on the form, naming the rule), two →
// 竞价, none → 未成交. A buyer whose deposit was not received does not count.
func TestOutcomeProperty(t *testing.T) {
	e := newEnv(t)
	p := publishBody(t, e, propertyBody(uniqueTitle("产权转让结果测试"), 3))
	signUp(t, e, p.Lots[0], "bidder1")
	second := signUp(t, e, p.Lots[1], "bidder2", "bidder3", "bidder5")
	closeLots(t, e, "2026-04-01 10:00")
	// bidder5's deposit did not arrive: two qualified buyers remain on lot 2.
	if r := e.api("staff").json("POST", fmt.Sprintf("/api/v1/signups/%d/deposit-check", second["bidder5"]), map[string]string{"result": "failed"}); r.Code != http.StatusNoContent {
		t.Fatalf("deposit check: %d %s", r.Code, r.Body.String())
	}

	ag := e.browser("agency")
	form := url.Values{"lot_id": {fmt.Sprint(p.Lots[0]), fmt.Sprint(p.Lots[1]), fmt.Sprint(p.Lots[2])},
		"outcome": {"", "", ""}, "reason": {"", "", ""},
		"winner":      {orgName(t, "bidder1"), orgName(t, "bidder3"), ""},
		"award_price": {"999,999.99", "1,350,000", ""}}
	r := ag.postForm(fmt.Sprintf("/agency/projects/%d/result", p.ID), form)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("below the listing price: %d %.500s", r.Code, r.Body.String())
	}
	page := r.Body.String()
	for _, want := range []string{"符合条件的意向受让方1个，应协议转让", "低于挂牌价 1,000,000.00 元", "企业国有资产交易监督管理办法", "999,999.99"} {
		if !strings.Contains(page, want) {
			t.Errorf("the re-rendered form lacks %q", want)
		}
	}
	api := e.api("agency")
	body := map[string]any{"lots": []map[string]any{
		{"lot_id": p.Lots[0], "winner": orgName(t, "bidder1"), "price": "999,999.99"},
		{"lot_id": p.Lots[1], "winner": orgName(t, "bidder3"), "price": "1,350,000"},
		{"lot_id": p.Lots[2]},
	}}
	if f := fieldErr(t, api.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), body), "lot1_award_price"); f.Code != "rule_property.agreement" {
		t.Errorf("API refusal: %+v", f)
	}
	// Every lot is stated: a lot left out is not decided by default.
	if f := fieldErr(t, api.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{"lots": body["lots"].([]map[string]any)[1:]}), "lot1_winner"); f.Code != "required" {
		t.Errorf("a lot left out: %+v", f)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_lots WHERE project_id = ? AND outcome <> ''`, p.ID); n != 0 {
		t.Fatalf("a refused result half-written: %d lots with an outcome", n)
	}
	form["award_price"] = []string{"1,000,000", "1,350,000", ""}
	if r = ag.postForm(fmt.Sprintf("/agency/projects/%d/result", p.ID), form); r.Code != http.StatusSeeOther {
		t.Fatalf("result: %d %.500s", r.Code, r.Body.String())
	}
	got, _ := projectJSON(t, api, p.ID)
	for i, want := range []string{trading.OutcomeAgreement, trading.OutcomeCompetition, trading.OutcomeNoDeal} {
		if got.Lots[i].Outcome != want {
			t.Errorf("lot %d: %+v, want %s", i+1, got.Lots[i], want)
		}
	}
	notice := resultNotice(t, e, p.ID)
	for _, want := range []string{
		"设备1批：协议转让。意向受让方1个；受让方：" + orgName(t, "bidder1") + "；成交价：1,000,000.00 元（人民币壹佰万元整）；挂牌价：1,000,000.00 元",
		"设备2批：竞价成交。意向受让方2个；受让方：" + orgName(t, "bidder3") + "；成交价：1,350,000.00 元（人民币壹佰叁拾伍万元整）",
		"设备3批：未成交。意向受让方0个",
	} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	if r := e.browser("agency").get(fmt.Sprintf("/projects/%d", p.ID)); !strings.Contains(r.Body.String(), "协议转让") || !strings.Contains(r.Body.String(), "竞价成交") {
		t.Errorf("the project page lacks the outcomes")
	}
}

// TestOutcomeEngineeringFailed: an engineering lot may be declared 废标 with
// a reason; a lot the opening returned for re-tendering (流标) cannot be
// awarded and fails with the opening's reason.
func TestOutcomeEngineeringFailed(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("废标测试工程"))
	q := publishProject(t, e, uniqueTitle("流标结果测试工程"))
	e.clock.Set(sh("2026-03-30 09:30"))
	for _, l := range p.Lots {
		if err := e.deps.Trading.CloseSubmissions(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	ag := e.api("agency")
	path := fmt.Sprintf("/api/v1/projects/%d/result", p.ID)
	lots := []map[string]any{
		{"lot_id": p.Lots[0], "winner": "示范第一建设集团有限公司", "price": "9,100,000.00"},
		{"lot_id": p.Lots[1], "outcome": "failed"},
	}
	if f := fieldErr(t, ag.json("POST", path, map[string]any{"lots": lots}), "lot2_reason"); f.Code != "required" {
		t.Errorf("废标 without a reason: %+v", f)
	}
	lots[1]["winner"], lots[1]["reason"] = "某某公司", "对招标文件作实质响应的投标人不足3个"
	if f := fieldErr(t, ag.json("POST", path, map[string]any{"lots": lots}), "lot2_winner"); f.Code != "winner_not_allowed" {
		t.Errorf("废标 with a winner: %+v", f)
	}
	delete(lots[1], "winner")
	lots[1]["outcome"] = "withdrawn"
	if f := fieldErr(t, ag.json("POST", path, map[string]any{"lots": lots}), "lot2_outcome"); f.Code != "outcome_unknown" {
		t.Errorf("unknown outcome: %+v", f)
	}
	lots[1]["outcome"] = "failed"
	if r := ag.json("POST", path, map[string]any{"lots": lots}); r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
	got, _ := projectJSON(t, ag, p.ID)
	if l := got.Lots[1]; l.Outcome != trading.OutcomeFailed || l.OutcomeName != "废标" || l.Winner != "" || l.AwardPrice != 0 || l.Bidders != nil {
		t.Errorf("lot 2: %+v", l)
	}
	notice := resultNotice(t, e, p.ID)
	for _, want := range []string{"第一标段（道路工程）：中标。中标人：示范第一建设集团有限公司；中标价：9,100,000.00 元（人民币玖佰壹拾万元整）",
		"第二标段（排水工程）：废标。对招标文件作实质响应的投标人不足3个（依据：《招标投标法》"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}

	// q's lots failed at the opening (no bids: 流标).
	closeLots(t, e, "2026-03-30 09:30")
	path = fmt.Sprintf("/api/v1/projects/%d/result", q.ID)
	r := ag.json("POST", path, map[string]any{"lots": []map[string]any{
		{"lot_id": q.Lots[0], "winner": "示范第一建设集团有限公司", "price": "9,100,000.00"}, {"lot_id": q.Lots[1]}}})
	if f := fieldErr(t, r, "lot1_outcome"); f.Code != "rule_eng.retender" || !strings.Contains(f.Message, "《招标投标法实施条例》第四十四条") {
		t.Errorf("awarding a failed lot: %+v", f)
	}
	if r = ag.json("POST", path, map[string]any{"lots": []map[string]any{{"lot_id": q.Lots[0]}, {"lot_id": q.Lots[1]}}}); r.Code != http.StatusOK {
		t.Fatalf("result of failed lots: %d %s", r.Code, r.Body.String())
	}
	if notice := resultNotice(t, e, q.ID); strings.Count(notice, "：废标。递交投标文件的投标人少于3个") != 2 {
		t.Errorf("the notice of the failed lots:\n%s", notice)
	}
}
