package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/trading"
)

func TestTradingLandAndPropertyRules(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	land := map[string]any{
		"kind": "land", "method": "listing", "title": uniqueTitle("示范市新城区A-12地块"), "owner_name": "示范市自然资源和规划局", "place": "交易中心拍卖厅",
		"details":  map[string]string{"transferor": "示范市自然资源和规划局"},
		"timeline": map[string]string{"signup_until": "2026-03-28 17:00", "bid_start": "2026-03-25 09:00", "deadline": "2026-04-01 10:00"},
		"lots": []map[string]any{{"name": "A-12地块", "price": "50,000,000", "deposit": "10,000,000", "reserve": "62,000,000",
			"details": map[string]string{"parcel_no": "XC2026-12", "area": "12000.50", "land_use": "住宅用地", "term": "70", "increment": "500,000"}}},
	}
	r := ag.json("POST", "/api/v1/projects", land)
	if r.Code != http.StatusCreated {
		t.Fatalf("land draft: %d %s", r.Code, r.Body.String())
	}
	var p trading.Project
	r.decode(t, &p)
	if strings.Contains(r.Body.String(), "62000000") || strings.Contains(r.Body.String(), "62,000,000") {
		t.Error("the reserve price is shown")
	}
	// Announced 03-02, bidding starts 03-25 (23 days: fine), but the listing
	// runs only 7 days (25 → 01): the 10-day rule blocks.
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "rule_land.listing_period") || strings.Contains(r.Body.String(), "land.announce_period") {
		t.Fatalf("land listing rule: %d %s", r.Code, r.Body.String())
	}
	land["timeline"] = map[string]string{"signup_until": "2026-04-02 17:00", "bid_start": "2026-03-25 09:00", "deadline": "2026-04-07 10:00"}
	ag.json("PUT", fmt.Sprintf("/api/v1/projects/%d", p.ID), land)
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"TD-2026-`) {
		t.Fatalf("land submit: %d %s", r.Code, r.Body.String())
	}
	var sealed []byte
	e.db.Get(&sealed, `SELECT reserve_sealed FROM trading_lots WHERE project_id = ?`, p.ID)
	if len(sealed) == 0 || strings.Contains(string(sealed), "6200000000") {
		t.Error("the reserve price is not sealed")
	}

	// Property: the listing price must not be below the valuation, and the
	// disclosure runs 20 working days.
	prop := map[string]any{
		"kind": "property", "method": "listing", "title": uniqueTitle("示范市国有企业闲置设备转让"), "owner_name": "示范市国资公司", "place": "产权交易大厅",
		"details":  map[string]string{"transferor": "示范市国资公司"},
		"timeline": map[string]string{"signup_until": "2026-03-20 17:00", "deadline": "2026-03-25 17:00"},
		"lots":     []map[string]any{{"name": "设备一批", "price": "900,000", "estimate": "1,000,000", "deposit": "50,000"}},
	}
	r = ag.json("POST", "/api/v1/projects", prop)
	r.decode(t, &p)
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	for _, want := range []string{"rule_property.price_floor", "rule_property.disclosure"} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("property: want %s in %s", want, r.Body.String())
		}
	}
	// Procurement: documents available 5 working days — across a weekend.
	proc := map[string]any{
		"kind": "procurement", "method": "open", "title": uniqueTitle("示范市教育局课桌椅采购"), "owner_name": "示范市教育局", "place": "第二开标室",
		"details":  map[string]string{"purchaser": "示范市教育局", "category": "货物"},
		"timeline": map[string]string{"docs_from": "2026-03-03 09:00", "docs_until": "2026-03-09 17:00", "signup_until": "2026-03-20 17:00", "deadline": "2026-03-30 09:30"},
		"lots":     []map[string]any{{"name": "包1", "price": "2,000,000", "deposit": "40,001"}},
	}
	r = ag.json("POST", "/api/v1/projects", proc)
	r.decode(t, &p)
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	for _, want := range []string{"rule_proc.docs_period", "rule_proc.deposit_cap", "2026-03-10"} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("procurement: want %s in %s", want, r.Body.String())
		}
	}
}

func TestTradingResultAndRefunds(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("结果公告测试工程"))
	var signups []int64
	for i, u := range []string{"bidder1", "bidder2"} {
		c := e.api(u)
		signups = append(signups, signUpAndDeposit(t, e, c, p.Lots[0], fmt.Sprintf("BT-RES-%d-%d", p.ID, i)))
	}
	// bidder3 signs up and never pays a deposit.
	unpaid := e.api("bidder3").json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0], "declared": declaredAll()})
	var up struct{ ID int64 }
	unpaid.decode(t, &up)
	if unpaid.Code != http.StatusCreated || up.ID == 0 {
		t.Fatalf("sign-up: %d %s", unpaid.Code, unpaid.Body.String())
	}
	ag := e.api("agency")
	if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "lot_not_closed") {
		t.Errorf("result before closing: %d %s", r.Code, r.Body.String())
	}
	e.clock.Set(sh("2026-03-30 09:30"))
	for _, l := range p.Lots {
		if err := e.deps.Trading.CloseSubmissions(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	st := e.api("staff")
	if r := st.json("POST", fmt.Sprintf("/api/v1/signups/%d/deposit-check", signups[0]), map[string]string{"result": "ok"}); r.Code != http.StatusNoContent {
		t.Errorf("deposit check: %d %s", r.Code, r.Body.String())
	}
	ag = e.api("agency")
	body := map[string]any{"lots": []map[string]any{
		{"lot_id": p.Lots[0], "winner": "示范第一建设集团有限公司", "price": "9,100,000.00"},
		{"lot_id": p.Lots[1], "winner": "某某公司", "price": "-1"},
	}}
	if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), body); r.Code != http.StatusBadRequest {
		t.Errorf("negative price: %d", r.Code)
	}
	body["lots"].([]map[string]any)[1]["price"] = "3,900,000"
	// The winner of a lot with bidders is one of them.
	body["lots"].([]map[string]any)[0]["winner"] = "根本没有投标的公司"
	if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), body); r.Code != http.StatusBadRequest || fieldCodes(t, r)["lot1_winner"] != "winner_not_bidder" {
		t.Errorf("a winner who did not bid: %d %s", r.Code, r.Body.String())
	}
	body["lots"].([]map[string]any)[0]["winner"] = "示范第一建设集团有限公司"
	// Friday 2026-04-03 is a holiday week (清明): 5 日 is calendar days → 04-04.
	e.clock.Set(sh("2026-03-30 15:00"))
	ag = e.api("agency")
	if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), body); r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
	st = e.api("staff")
	r := st.json("GET", "/api/v1/refunds", nil)
	if !strings.Contains(r.Body.String(), `"due":"2026-04-04"`) || !strings.Contains(r.Body.String(), "宏达路桥工程有限公司") {
		t.Errorf("refunds: %s", r.Body.String())
	}
	// A deposit never paid is not due back (it was listed, and a refund of
	// it recorded).
	if strings.Contains(r.Body.String(), orgName(t, "bidder3")) {
		t.Errorf("an unpaid deposit is listed for refund: %s", r.Body.String())
	}
	if r = st.json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", up.ID), map[string]string{"note": "x"}); r.Code != http.StatusNotFound {
		t.Errorf("refund of an unpaid deposit: %d %s", r.Code, r.Body.String())
	}
	if r = st.json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", signups[1]), map[string]string{"note": "已原路退回"}); r.Code != http.StatusNoContent {
		t.Errorf("refund: %d %s", r.Code, r.Body.String())
	}
	if r = st.json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", signups[1]), nil); r.Code != http.StatusConflict {
		t.Errorf("second refund: %d", r.Code)
	}
	// The result notice is public.
	r = e.anon().json("GET", "/api/v1/announcements?type=result&q="+url.QueryEscape(p.Code), nil)
	if !strings.Contains(r.Body.String(), "结果公告") {
		t.Errorf("result notice not listed: %s", r.Body.String())
	}
	if r := e.browser("staff").get("/staff/refunds"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "示范第一建设集团有限公司") {
		t.Errorf("refunds page: %d", r.Code)
	}
}

// TestTradingPagesForms drives the HTML forms: a registration with every
// problem listed on the re-rendered form, staff return through the review
// form, and a bidder's sign-up through the lot page.
func TestTradingPagesForms(t *testing.T) {
	e := newEnv(t)
	ag := e.browser("agency")
	title := uniqueTitle("表单测试工程")
	form := url.Values{"kind": {"engineering"}, "method": {"open"}, "title": {title}, "lot_name": {"一标段", ""}, "lot_price": {"abc", ""}, "lot_deposit": {"", ""}}
	r := ag.postForm("/agency/projects", form)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "data-testid=\"problems\"") || !strings.Contains(r.Body.String(), title) {
		t.Fatalf("bad amount: %d %.500s", r.Code, r.Body.String())
	}
	form.Set("lot_price", "9,000,000")
	form["lot_price"] = []string{"9,000,000", ""}
	r = ag.postForm("/agency/projects", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("draft: %d %.500s", r.Code, r.Body.String())
	}
	loc := r.Header().Get("Location")
	id := strings.TrimPrefix(loc, "/projects/")
	r = ag.postForm("/agency/projects/"+id+"/submit", nil)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("incomplete submit: %d", r.Code)
	}
	for _, want := range []string{"请填写建设地点", "请填写资金来源", "请填写第1标段（包）估算价", "请填写递交截止（开标）时间"} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("submit page lacks %q", want)
		}
	}
	if r = ag.get("/agency/projects"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), title) {
		t.Errorf("my projects: %d", r.Code)
	}
	if r = e.browser("staff").get("/staff/projects"); r.Code != http.StatusOK {
		t.Errorf("queue: %d", r.Code)
	}
	p := publishProject(t, e, uniqueTitle("表单报名测试工程"))
	b := e.browser("bidder4")
	if r = b.get(fmt.Sprintf("/bidder/lots/%d", p.Lots[0])); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "signup-form") {
		t.Fatalf("lot page: %d", r.Code)
	}
	if r = b.postForm(fmt.Sprintf("/bidder/lots/%d/signup", p.Lots[0]), url.Values{"declare1": {"yes"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请声明满足第2项资格条件") {
		t.Errorf("partial declaration: %d", r.Code)
	}
	if r = b.postForm(fmt.Sprintf("/bidder/lots/%d/signup", p.Lots[0]), url.Values{"declare1": {"yes"}, "declare2": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Errorf("sign-up: %d %.300s", r.Code, r.Body.String())
	}
	if r = b.get("/bidder/signups"); !strings.Contains(r.Body.String(), p.Code) {
		t.Errorf("my sign-ups page lacks %s", p.Code)
	}
	if r = e.browser("admin").postForm("/admin/rules/file-limit", url.Values{"max_file_mb": {"0"}}); r.Code != http.StatusBadRequest {
		t.Errorf("file limit 0: %d", r.Code)
	}
}
