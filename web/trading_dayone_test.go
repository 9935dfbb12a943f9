package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/trading"
)

// Findings of a day-one exploratory run of the trading area, each through
// HTTP.

// TestTradingDepositCheckFinalAfterResult: a deposit check is refused once
// the lot's result is published (the result counted the qualified bidders
// from the checks), and a deposit the bidder never registered cannot be
// confirmed as arrived (it would count the bidder as qualified while no
// refund is ever listed for it). A deposit found missing is still listed for
// refund, marked.
func TestTradingDepositCheckFinalAfterResult(t *testing.T) {
	e := newEnv(t)
	p := publishBody(t, e, propertyBody(uniqueTitle("保证金核验定稿测试"), 1))
	lot := p.Lots[0]
	ids := signUp(t, e, lot, "bidder1", "bidder5")
	r := e.api("bidder2").json("POST", "/api/v1/signups", map[string]any{"lot_id": lot, "declared": declaredAll()})
	if r.Code != http.StatusCreated {
		t.Fatalf("sign-up without deposit: %d %s", r.Code, r.Body.String())
	}
	var undeclared trading.MySignup
	r.decode(t, &undeclared)
	closeLots(t, e, "2026-04-01 10:00")

	st := e.api("staff")
	check := func(id int64, result string) response {
		return st.json("POST", fmt.Sprintf("/api/v1/signups/%d/deposit-check", id), map[string]string{"result": result})
	}
	if f := fieldErr(t, check(undeclared.ID, "ok"), "result"); f.Code != "deposit_not_registered" || !strings.Contains(f.Message, "未登记保证金") {
		t.Errorf("an unregistered deposit confirmed: %+v", f)
	}
	page := e.browser("staff").get(fmt.Sprintf("/staff/lots/%d", lot)).Body.String()
	if !strings.Contains(page, `data-testid="deposit-unregistered"`) {
		t.Errorf("the opening page offers 到账 for a deposit never registered")
	}
	if r := check(undeclared.ID, "failed"); r.Code != http.StatusNoContent {
		t.Fatalf("check failed: %d %s", r.Code, r.Body.String())
	}
	if r := check(ids["bidder5"], "failed"); r.Code != http.StatusNoContent {
		t.Fatalf("check failed: %d %s", r.Code, r.Body.String())
	}
	if r := check(ids["bidder1"], "bogus"); r.Code != http.StatusBadRequest || strings.Contains(r.Body.String(), "ok（") {
		t.Errorf("an unknown result: %d %s", r.Code, r.Body.String())
	}

	// One qualified buyer: an agreement at the listing price.
	body := map[string]any{"lots": []map[string]any{{"lot_id": lot, "winner": orgName(t, "bidder1"), "price": "1,000,000"}}}
	if r := e.api("agency").json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), body); r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
	before := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.deposit.check'`)
	for _, c := range []struct {
		id     int64
		result string
	}{{ids["bidder1"], "failed"}, {ids["bidder5"], "ok"}, {undeclared.ID, "ok"}} {
		r := check(c.id, c.result)
		if r.Code != http.StatusConflict || r.errorCode(t) != "result_published" {
			t.Errorf("check %s after the result: %d %s", c.result, r.Code, r.Body.String())
		}
	}
	// The page's form too, and nothing was written.
	r = e.browser("staff").postForm(fmt.Sprintf("/staff/signups/%d/deposit-check", ids["bidder1"]), url.Values{"result": {"failed"}, "lot_id": {fmt.Sprint(lot)}})
	if r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "已公告结果") {
		t.Errorf("form check after the result: %d", r.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_signups WHERE lot_id = ? AND deposit_check = 'ok'`, lot); n != 0 {
		t.Errorf("%d checks changed to ok after the result", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.deposit.check'`); n != before {
		t.Errorf("refused checks audited: %d events, want %d", n, before)
	}

	// The refund list: bidder1 and bidder5 (registered), bidder5 marked.
	var refunds struct{ Refunds []trading.Refund }
	st.json("GET", "/api/v1/refunds", nil).decode(t, &refunds)
	got := map[int64]string{}
	for _, f := range refunds.Refunds {
		got[f.SignupID] = f.DepositCheck
	}
	if c, ok := got[ids["bidder5"]]; !ok || c != trading.DepositFailed {
		t.Errorf("refunds: bidder5 %q %v, want listed as failed: %+v", c, ok, refunds.Refunds)
	}
	if _, ok := got[undeclared.ID]; ok {
		t.Errorf("an unregistered deposit listed for refund")
	}
	if page := e.browser("staff").get("/staff/refunds").Body.String(); strings.Count(page, `data-testid="refund-check-failed"`) < 1 {
		t.Errorf("the refund page does not mark the deposit found missing")
	}
	// The package's tests share the refund list: leave nothing due.
	for _, id := range []int64{ids["bidder1"], ids["bidder5"]} {
		if r := st.json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", id), map[string]string{"note": "已退还"}); r.Code != http.StatusNoContent {
			t.Errorf("refund: %d %s", r.Code, r.Body.String())
		}
	}
}

// TestPortalFilterRefusals: a reversed date range is refused naming "to"
// (it silently listed nothing), and every refused filter re-renders the
// list's form with a Chinese message (an unknown status showed a bare error
// page with the codes open/closed in its message).
func TestPortalFilterRefusals(t *testing.T) {
	e := newEnv(t)
	pub := e.anon()
	r := pub.json("GET", "/api/v1/announcements?from=2026-12-01&to=2026-01-01", nil)
	if f := fieldErr(t, r, "to"); f.Code != "range_invalid" {
		t.Errorf("reversed range: %+v", f)
	}
	if r := pub.json("GET", "/api/v1/announcements?from=2026-03-01&to=2026-03-01", nil); r.Code != http.StatusOK {
		t.Errorf("one day: %d %s", r.Code, r.Body.String())
	}
	for q, want := range map[string]string{
		"from=2026-12-01&to=2026-01-01": "结束日期不能早于开始日期",
		"status=foo":                    "状态只能是进行中或已截止",
		"kind=spaceship&page=0":         "交易类型不正确",
	} {
		r := pub.get("/announcements?" + q)
		body := r.Body.String()
		if r.Code != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, `name="q"`) {
			t.Errorf("%s: %d, want the list's form with %q", q, r.Code, want)
		}
		if strings.Contains(body, "open（") || strings.Contains(body, "validation_failed") {
			t.Errorf("%s: codes shown to the public", q)
		}
	}
}

// TestTradingQuestions: an invited tender (邀请招标) takes questions from
// its invitees only (anyone could ask before), its lot page offers the
// question form to invitees only, and a refused question comes back on the
// lot page with the text as typed and the message next to it (an error page
// lost the text).
func TestTradingQuestions(t *testing.T) {
	e := newEnv(t)
	p := invitedEngineering(t, e, uniqueTitle("邀请招标提问测试工程"), "bidder1", "bidder2", "bidder3")
	ask := func(user string) response {
		return e.api(user).json("POST", fmt.Sprintf("/api/v1/projects/%d/questions", p.ID), map[string]string{"body": "第一标段的工期能否延长？"})
	}
	if r := ask("bidder4"); r.Code != http.StatusForbidden || r.errorCode(t) != "not_invited" || !strings.Contains(r.Body.String(), "可以提问") {
		t.Errorf("a question from a non-invitee: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_questions WHERE project_id = ?`, p.ID); n != 0 {
		t.Errorf("%d questions stored", n)
	}
	if r := ask("bidder1"); r.Code != http.StatusCreated {
		t.Errorf("a question from an invitee: %d %s", r.Code, r.Body.String())
	}
	lotPage := fmt.Sprintf("/bidder/lots/%d", p.Lots[0])
	if page := e.browser("bidder4").get(lotPage).Body.String(); strings.Contains(page, "/questions") {
		t.Errorf("a non-invitee is offered the question form")
	}
	b := e.browser("bidder2")
	if page := b.get(lotPage).Body.String(); !strings.Contains(page, fmt.Sprintf("/bidder/projects/%d/questions", p.ID)) {
		t.Errorf("an invitee is not offered the question form")
	}

	long := strings.Repeat("请问", 1001)
	r := b.postForm(fmt.Sprintf("/bidder/projects/%d/questions", p.ID), url.Values{"body": {long}, "back": {lotPage}})
	page := r.Body.String()
	if r.Code != http.StatusBadRequest || !strings.Contains(page, "问题不能超过2000字") || !strings.Contains(page, long) || !strings.Contains(page, `data-testid="signup-form"`) {
		t.Errorf("a refused question: %d, want the lot page with the text and the message", r.Code)
	}
	if r := b.postForm(fmt.Sprintf("/bidder/projects/%d/questions", p.ID), url.Values{"body": {"  质量标准是否为合格？ "}, "back": {lotPage}}); r.Code != http.StatusSeeOther || r.Header().Get("Location") != lotPage {
		t.Errorf("a question: %d %s", r.Code, r.Header().Get("Location"))
	}
}

// TestTradingRegistrationAmountsNamed: an amount the registration form
// cannot read is listed with its lot and column (the list above the lot
// table said "金额格式不正确" three times, naming nothing), and the API's
// field error says the same.
func TestTradingRegistrationAmountsNamed(t *testing.T) {
	e := newEnv(t)
	ag := e.browser("agency")
	form := url.Values{"kind": {"engineering"}, "method": {"open"}, "title": {uniqueTitle("金额错误提示测试工程")}, "owner_name": {"示范市市政管理处"},
		"lot_name": {"第一标段", "第二标段"}, "lot_price": {"1,000,000", "-5"}, "lot_estimate": {"1,000,000", "1e3"}, "lot_deposit": {"20000", "abc"}}
	r := ag.postForm("/agency/projects", form)
	page := r.Body.String()
	if r.Code != http.StatusBadRequest {
		t.Fatalf("create: %d", r.Code)
	}
	for _, want := range []string{"第2标段（包）招标控制价：金额不能为负数", "第2标段（包）估算价：金额格式不正确", "第2标段（包）保证金：金额格式不正确"} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	body := engineeringProject(uniqueTitle("金额错误提示测试工程"))
	body["lots"].([]map[string]any)[0]["deposit"] = "２００００"
	if f := fieldErr(t, e.api("agency").json("POST", "/api/v1/projects", body), "lot1_deposit"); f.Code != "money_invalid" || !strings.HasPrefix(f.Message, "第1标段（包）保证金：") {
		t.Errorf("API: %+v", f)
	}
}

// TestTradingAmountsCapped: amounts above one trillion yuan are refused with
// their field — a lot price of 92,233,720,368,547,758.07 (the int64 limit in
// fen) was saved, submitted and accepted, a bid form took it too, and the
// monthly statistics that add the lots' prices overflowed.
func TestTradingAmountsCapped(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	body := engineeringProject(uniqueTitle("金额上限测试工程"))
	body["lots"].([]map[string]any)[0]["price"] = "92,233,720,368,547,758.07"
	if f := fieldErr(t, ag.json("POST", "/api/v1/projects", body), "lot1_price"); f.Code != "amount_too_large" || !strings.Contains(f.Message, "1,000,000,000,000.00") {
		t.Errorf("a price near the int64 limit: %+v", f)
	}
	p := publishProject(t, e, uniqueTitle("金额上限测试工程"))
	b := e.api("bidder1")
	signUpAndDeposit(t, e, b, p.Lots[0], "EG-CAP-1")
	put := func(price string) response {
		return b.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", p.Lots[0]), map[string]string{"price": price, "duration": "300日历天", "quality": "合格"})
	}
	if f := fieldErr(t, put("1,000,000,000,000.01"), "price"); f.Code != "price_invalid" || !strings.Contains(f.Message, "请核对位数") {
		t.Errorf("a bid above the cap: %+v", f)
	}
	if r := put("9,100,000"); r.Code != http.StatusCreated {
		t.Errorf("a bid: %d %s", r.Code, r.Body.String())
	}
}

// TestTradingDeadlineOnWorkingDay: the deadline, when the opening is held,
// must fall on a working day — a registration with it on 清明 or a
// Saturday was submitted, accepted and published, and no room can be booked
// for it; a clarification cannot move it there either.
func TestTradingDeadlineOnWorkingDay(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	for dl, want := range map[string]string{"2026-04-04 09:30": "法定节假日（清明节）", "2026-03-28 09:30": "星期六"} {
		body := engineeringProject(uniqueTitle("节假日开标测试工程"))
		body["timeline"].(map[string]string)["deadline"] = dl
		r := ag.json("POST", "/api/v1/projects", body)
		if r.Code != http.StatusCreated {
			t.Fatalf("draft: %d %s", r.Code, r.Body.String())
		}
		var p trading.Project
		r.decode(t, &p)
		r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
		if f := fieldErr(t, r, "deadline"); f.Code != "deadline_not_working_day" || !strings.Contains(f.Message, want) {
			t.Errorf("deadline %s: %+v", dl, f)
		}
	}
	p := publishProject(t, e, uniqueTitle("澄清开标日测试工程"))
	if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/clarifications", p.ID), map[string]any{"text": "顺延开标", "deadline": "2026-04-05 09:30"}); fieldErr(t, r, "deadline").Code != "deadline_not_working_day" {
		t.Errorf("a clarification moving the opening to 清明: %s", r.Body.String())
	}
	if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/clarifications", p.ID), map[string]any{"text": "顺延开标", "deadline": "2026-04-07 09:30"}); r.Code != http.StatusCreated {
		t.Errorf("a clarification to a working day: %d %s", r.Code, r.Body.String())
	}
}

// TestTradingRulesPageMethodNames: the rules page names the methods a rule
// is limited to in Chinese; it showed the codes (政府采购（negotiation,inquiry）).
func TestTradingRulesPageMethodNames(t *testing.T) {
	e := newEnv(t)
	page := e.browser("admin").get("/admin/rules").Body.String()
	if !strings.Contains(page, "政府采购（竞争性谈判、询价）") {
		t.Errorf("the rules page lacks the methods by name")
	}
	for _, code := range []string{"negotiation,", "(open,", "（open", "consultation）", "（listing）"} {
		if strings.Contains(page, code) {
			t.Errorf("the rules page shows the code %q", code)
		}
	}
}

// TestTradingDepositFormKeepsMethod: the deposit form shows the registered
// method and reference; it always selected the first method (银行转账), so a
// bidder with a 银行保函 who corrected the number changed the method too.
func TestTradingDepositFormKeepsMethod(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("保证金表单测试工程"))
	c := e.api("bidder2")
	r := c.json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0], "declared": declaredAll()})
	var su trading.MySignup
	r.decode(t, &su)
	if r := c.json("PUT", fmt.Sprintf("/api/v1/signups/%d/deposit", su.ID), map[string]string{"method": "guarantee", "reference": "BH-2026-0042"}); r.Code != http.StatusOK {
		t.Fatalf("deposit: %d %s", r.Code, r.Body.String())
	}
	b := e.browser("bidder2")
	page := b.get(fmt.Sprintf("/bidder/lots/%d", p.Lots[0])).Body.String()
	if !strings.Contains(page, `<option value="guarantee" selected>`) || !strings.Contains(page, `value="BH-2026-0042" data-testid="deposit-reference"`) {
		t.Errorf("the deposit form does not show the registered deposit")
	}
	// A refused correction keeps what was typed.
	r = b.postForm(fmt.Sprintf("/bidder/signups/%d/deposit", su.ID), url.Values{"method": {"e_guarantee"}, "reference": {"AB"}})
	if page := r.Body.String(); r.Code != http.StatusBadRequest || !strings.Contains(page, `<option value="e_guarantee" selected>`) || !strings.Contains(page, `value="AB"`) {
		t.Errorf("a refused deposit form: %d", r.Code)
	}
}

// TestTradingRuleMessagesWithoutIDs: a rule's refusal reads as its title and
// legal basis; the message carried the rule's id (不符合规则 eng.tender_period：…),
// which stays in the field error's code.
func TestTradingRuleMessagesWithoutIDs(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	body := engineeringProject(uniqueTitle("规则提示测试工程"))
	body["timeline"] = map[string]string{"docs_from": "2026-03-03 09:00", "docs_until": "2026-03-05 17:00", "signup_until": "2026-03-10 17:00", "deadline": "2026-03-16 09:30"}
	r := ag.json("POST", "/api/v1/projects", body)
	var p trading.Project
	r.decode(t, &p)
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	f := fieldErr(t, r, "deadline")
	if !strings.HasPrefix(f.Code, "rule_eng.") || !strings.HasPrefix(f.Message, "不符合规则：") || strings.Contains(f.Message, "eng.") {
		t.Errorf("a rule's refusal: %+v", f)
	}
}

// TestTradingDepositNotAbovePrice: a land parcel's deposit above its
// starting price (an extra digit: 72,000,000 for 7,200,000) was submitted;
// land and property have no deposit cap rule to catch it.
func TestTradingDepositNotAbovePrice(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	body := landBody("auction", uniqueTitle("保证金高于起始价测试地块"))
	body["lots"].([]map[string]any)[0]["deposit"] = "72,000,000"
	r := ag.json("POST", "/api/v1/projects", body)
	var p trading.Project
	r.decode(t, &p)
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	if f := fieldErr(t, r, "lot1_deposit"); f.Code != "deposit_above_price" || !strings.Contains(f.Message, "高于起始价50,000,000.00元") {
		t.Errorf("a deposit above the price: %+v", f)
	}
}

// TestTradingListsInOrder: the staff's tabs start with 待受理 and the portal
// lists methods and announcement types in a fixed, sensible order (ranging
// over the name maps sorted them by code); every method is offered.
func TestTradingListsInOrder(t *testing.T) {
	e := newEnv(t)
	page := e.browser("staff").get("/staff/projects").Body.String()
	if i, j := strings.Index(page, ">待受理<"), strings.Index(page, ">已受理<"); i < 0 || j < 0 || i > j {
		t.Errorf("the staff's tabs do not start with 待受理")
	}
	order := tradingNames()["MethodOrder"].([]string)
	if len(order) != len(trading.MethodNames) {
		t.Errorf("MethodOrder %v misses a method of %v", order, trading.MethodNames)
	}
	for _, m := range order {
		if _, ok := trading.MethodNames[m]; !ok {
			t.Errorf("MethodOrder names an unknown method %q", m)
		}
	}
	page = e.anon().get("/announcements").Body.String()
	last := -1
	for _, name := range []string{"公开招标", "邀请招标", "固定价比选", "竞争性谈判", "询价", "拍卖", "挂牌"} {
		i := strings.Index(page, ">"+name+"<")
		if i < last {
			t.Errorf("the portal lists %s out of order", name)
		}
		last = i
	}
	if i, j := strings.Index(page, ">交易公告</option>"), strings.Index(page, ">结果公告</option>"); i < 0 || i > j {
		t.Errorf("the portal's first announcement type is not 交易公告")
	}
}

// TestTradingDepositCheckFinalAfterOpening: once staff have closed the
// opening, its record (with the deposit checks, printed in the 开标记录表)
// is final: the sign-up's check cannot be changed from the opening page of
// the trading area either (it was, leaving the two records disagreeing).
func TestTradingDepositCheckFinalAfterOpening(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("开标定稿保证金测试工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-05 10:00"))
	bidders := []string{"bidder1", "bidder2", "bidder3"}
	for i, u := range bidders {
		bid(t, e, u, lot, fmt.Sprintf("9,%d00,000.00", i+1))
	}
	var signups []int64
	for _, u := range bidders {
		signups = append(signups, e.api(u).json("GET", "/api/v1/signups", nil).mustSignupOn(t, lot))
	}
	e.clock.Set(sh("2026-03-30 09:30"))
	sweepDeadlines(t, e)
	st := e.api("staff")
	check := func(id int64, result string) response {
		return st.json("POST", fmt.Sprintf("/api/v1/signups/%d/deposit-check", id), map[string]string{"result": result})
	}
	// During the opening the trading page's check is taken.
	if r := check(signups[0], "ok"); r.Code != http.StatusNoContent {
		t.Fatalf("check during the opening: %d %s", r.Code, r.Body.String())
	}
	for _, u := range bidders {
		mustOK(t, e.api(u).json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/confirmation", lot), map[string]any{"agree": true}))
	}
	mustOK(t, st.json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/opening/close", lot), nil))
	for i, id := range signups {
		r := check(id, "failed")
		if r.Code != http.StatusConflict || r.errorCode(t) != "opening_closed" {
			t.Errorf("check of %s after the opening closed: %d %s", bidders[i], r.Code, r.Body.String())
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_signups WHERE lot_id = ? AND deposit_check = 'failed'`, lot); n != 0 {
		t.Errorf("%d checks changed after the opening closed", n)
	}
	if page := e.browser("staff").get(fmt.Sprintf("/staff/lots/%d", lot)).Body.String(); strings.Contains(page, "/deposit-check") {
		t.Errorf("the trading opening page still offers deposit checks after the opening closed")
	}
}

// mustSignupOn returns the id of the caller's sign-up on lot from GET
// /api/v1/signups.
func (r response) mustSignupOn(t testing.TB, lot int64) int64 {
	t.Helper()
	var l struct{ Signups []trading.MySignup }
	r.decode(t, &l)
	for _, s := range l.Signups {
		if s.LotID == lot {
			return s.ID
		}
	}
	t.Fatalf("no sign-up on lot %d: %s", lot, r.Body.String())
	return 0
}

// TestTradingAPIWithoutZeroTimes: a time that has not happened is left out
// of the API's answers; they showed "0001-01-01T00:00:00Z" for a project's
// result_at, a land lot's docs_from, a lot's closed_at, an open refund.
func TestTradingAPIWithoutZeroTimes(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("零时间测试工程"))
	b := e.api("bidder1")
	signUpAndDeposit(t, e, b, p.Lots[0], "EG-ZERO-1")
	for _, c := range []struct {
		who  *client
		path string
	}{
		{e.api("agency"), fmt.Sprintf("/api/v1/projects/%d", p.ID)},
		{e.api("agency"), "/api/v1/projects"},
		{e.anon(), fmt.Sprintf("/api/v1/announcements/%d", p.AnnID)},
		{b, "/api/v1/signups"},
	} {
		r := c.who.json("GET", c.path, nil)
		if r.Code != http.StatusOK || strings.Contains(r.Body.String(), "0001-01-01") {
			t.Errorf("%s: %d %.300s", c.path, r.Code, r.Body.String())
		}
	}
	var got trading.Project
	e.api("agency").json("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), nil).decode(t, &got)
	if got.PublishedAt.IsZero() || got.Timeline.Deadline.IsZero() || !got.ResultAt.IsZero() {
		t.Errorf("decoded project: %+v", got)
	}
}

// TestTradingBidPriceAgainstLotPrice: a bid form above the ceiling
// (招标控制价) — voided by law at the evaluation — is refused while the bidder
// can still correct it; a land quote below the starting price likewise.
func TestTradingBidPriceAgainstLotPrice(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("控制价报价测试工程")) // lot 1: ceiling 9,500,000.00
	b := e.api("bidder1")
	signUpAndDeposit(t, e, b, p.Lots[0], "EG-CEIL-1")
	put := func(lot int64, price string) response {
		return b.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": price, "duration": "300日历天", "quality": "合格"})
	}
	if f := fieldErr(t, put(p.Lots[0], "9,500,000.01"), "price"); f.Code != "price_above_ceiling" || !strings.Contains(f.Message, "高于招标控制价 9,500,000.00 元") {
		t.Errorf("above the ceiling: %+v", f)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_bid_forms WHERE lot_id = ?`, p.Lots[0]); n != 0 {
		t.Errorf("a refused bid form stored: %d", n)
	}
	if r := put(p.Lots[0], "9,500,000"); r.Code != http.StatusCreated {
		t.Errorf("at the ceiling: %d %s", r.Code, r.Body.String())
	}

	land := publishBody(t, e, landBody("listing", uniqueTitle("起始价报价测试地块"))) // starting price 50,000,000
	signUpAndDeposit(t, e, b, land.Lots[0], "EG-CEIL-2")
	if f := fieldErr(t, put(land.Lots[0], "49,999,999.99"), "price"); f.Code != "price_below_start" {
		t.Errorf("below the starting price: %+v", f)
	}
	if r := put(land.Lots[0], "50,500,000"); r.Code != http.StatusCreated {
		t.Errorf("a land quote: %d %s", r.Code, r.Body.String())
	}
}

// TestTradingBidFormWordsByKind: the bidder's lot page states the limit of
// the price, and a property or land lot asks for a 报价函 without the
// tender's 工期 and 质量标准 (it asked a buyer of used buses for a 投标函 with
// a construction period).
func TestTradingBidFormWordsByKind(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("报价函用语测试工程"))
	signUpAndDeposit(t, e, e.api("bidder2"), p.Lots[0], "EG-WORDS-1")
	page := e.browser("bidder2").get(fmt.Sprintf("/bidder/lots/%d", p.Lots[0])).Body.String()
	for _, want := range []string{"投标函（投标报价）", "不高于招标控制价 9,500,000.00 元", `name="duration"`, "递交投标函"} {
		if !strings.Contains(page, want) {
			t.Errorf("engineering lot page lacks %q", want)
		}
	}
	prop := publishBody(t, e, propertyBody(uniqueTitle("报价函用语测试产权"), 1))
	signUpAndDeposit(t, e, e.api("bidder2"), prop.Lots[0], "EG-WORDS-2")
	page = e.browser("bidder2").get(fmt.Sprintf("/bidder/lots/%d", prop.Lots[0])).Body.String()
	for _, want := range []string{"报价函（报价）", "不低于挂牌价 1,000,000.00 元", "递交报价函"} {
		if !strings.Contains(page, want) {
			t.Errorf("property lot page lacks %q", want)
		}
	}
	for _, not := range []string{`name="duration"`, "工期", "投标函", "投标文件", "投标报价"} {
		if strings.Contains(page, not) {
			t.Errorf("property lot page shows %q", not)
		}
	}
}

// TestTradingClarifyFormKeepsText: a refused clarification comes back with
// the text, the new deadline and the ticked questions as entered (the text
// was lost, to be typed again).
func TestTradingClarifyFormKeepsText(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("澄清表单测试工程"))
	var q struct{ ID int64 }
	e.api("bidder1").json("POST", fmt.Sprintf("/api/v1/projects/%d/questions", p.ID), map[string]string{"body": "工程量清单第3项单位是否有误？"}).decode(t, &q)
	text := "第一标段工程量清单第3项单位由“米”更正为“平方米”。"
	r := e.browser("agency").postForm(fmt.Sprintf("/agency/projects/%d/clarify", p.ID), url.Values{"text": {text}, "deadline": {"2026-03-20T09:30"}, "answers": {fmt.Sprint(q.ID)}})
	page := r.Body.String()
	if r.Code != http.StatusBadRequest || !strings.Contains(page, "不能提前") {
		t.Fatalf("an earlier deadline: %d", r.Code)
	}
	for _, want := range []string{text, `value="2026-03-20T09:30"`, fmt.Sprintf(`value="%d" checked`, q.ID)} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused form lost %q", want)
		}
	}
}

// TestPortalSearchWords: words separated by spaces each narrow the search
// ("滨江 大道" found nothing, though the title holds both).
func TestPortalSearchWords(t *testing.T) {
	e := newEnv(t)
	title := uniqueTitle("示范市滨江大道改造工程")
	publishProject(t, e, title)
	for q, want := range map[string]bool{"滨江 大道": true, "滨江　改造": true, "滨江 机场": false} {
		r := e.anon().json("GET", "/api/v1/announcements?q="+url.QueryEscape(q), nil)
		if got := strings.Contains(r.Body.String(), title); r.Code != http.StatusOK || got != want {
			t.Errorf("q=%q: %d, found %v, want %v", q, r.Code, got, want)
		}
	}
}

// TestTradingFullWidthDigits: an amount typed in full-width digits (全角,
// as a Chinese input method may) is refused with a message that says so;
// "应为金额" puzzled a user who had typed ９１０００００.
func TestTradingFullWidthDigits(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("全角数字测试工程"))
	b := e.api("bidder3")
	signUpAndDeposit(t, e, b, p.Lots[0], "EG-FW-1")
	r := b.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", p.Lots[0]), map[string]string{"price": "９，１００，０００", "duration": "300日历天", "quality": "合格"})
	if f := fieldErr(t, r, "price"); !strings.Contains(f.Message, "半角") {
		t.Errorf("bid form: %+v", f)
	}
	body := engineeringProject(uniqueTitle("全角数字测试工程"))
	body["lots"].([]map[string]any)[0]["deposit"] = "２０００００"
	if f := fieldErr(t, e.api("agency").json("POST", "/api/v1/projects", body), "lot1_deposit"); !strings.Contains(f.Message, "第1标段（包）保证金：请用半角数字") {
		t.Errorf("registration: %+v", f)
	}
}

// TestTradingRegistrationLocalityList: the registration form offers the
// localities that have rules as a list (the agency had to type the code
// "default" into a text field).
func TestTradingRegistrationLocalityList(t *testing.T) {
	e := newEnv(t)
	page := e.browser("agency").get("/agency/projects/new").Body.String()
	if !strings.Contains(page, `<select id="locality" name="locality"`) || !strings.Contains(page, `<option value="default" selected>本中心通用规则</option>`) {
		t.Errorf("the registration form does not offer the localities")
	}
}

// TestTradingRefundFormKeepsNote: a refused refund comes back on the list
// with the note as typed and the message on its row (an error page lost
// both the list and the note).
func TestTradingRefundFormKeepsNote(t *testing.T) {
	e := newEnv(t)
	p := publishBody(t, e, propertyBody(uniqueTitle("退还备注测试"), 1))
	ids := signUp(t, e, p.Lots[0], "bidder4")
	closeLots(t, e, "2026-04-01 10:00")
	body := map[string]any{"lots": []map[string]any{{"lot_id": p.Lots[0], "winner": orgName(t, "bidder4"), "price": "1,000,000"}}}
	if r := e.api("agency").json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), body); r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
	st := e.browser("staff")
	note := strings.Repeat("已通过原账户退回", 30)
	r := st.postForm(fmt.Sprintf("/staff/signups/%d/refund", ids["bidder4"]), url.Values{"note": {note}})
	page := r.Body.String()
	if r.Code != http.StatusBadRequest || !strings.Contains(page, "备注不能超过200字") || !strings.Contains(page, note) || !strings.Contains(page, `data-testid="refunds"`) {
		t.Errorf("a refused refund: %d, want the list with the note and the message", r.Code)
	}
	if r := st.postForm(fmt.Sprintf("/staff/signups/%d/refund", ids["bidder4"]), url.Values{"note": {"已原路退回"}}); r.Code != http.StatusSeeOther {
		t.Errorf("refund: %d", r.Code)
	}
}
