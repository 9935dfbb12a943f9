package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/clock"
	"ggzy/trading"
)

func fpBody(price, rate string) map[string]any {
	return map[string]any{"title": "示范村排水沟改造工程", "owner_name": "示范县水利局", "government_invested": true, "funding": "县级财政资金",
		"site": "示范县东关镇", "approval_no": "示发改〔2026〕34号", "control_price": price, "rate": rate,
		"apply_until": "2026-03-09 17:00", "place": "固定价比选项目抽取室", "eligibility": []string{"具有水利水电工程施工总承包三级及以上资质"}, "backups": 2}
}

type fpSelJSON struct {
	Selection  trading.Selection `json:"selection"`
	FixedPrice string            `json:"fixed_price"`
	Rounding   string            `json:"rounding"`
}

func fieldCode(t *testing.T, r response, field string) string {
	t.Helper()
	var e apiError
	r.decode(t, &e)
	for _, f := range e.Error.Fields {
		if f.Name == field {
			return f.Code
		}
	}
	return ""
}

// TestFixedPriceHTTPJourney: registration at and under the ceiling, the
// window, a second application, bad witness input, the draw, its
// verification and the pages, all through HTTP.
func TestFixedPriceHTTPJourney(t *testing.T) {
	e := newEnv(t)
	withoutWinLimits(t, e)
	ag := e.api("agency")
	before := e.count(`SELECT COUNT(*) FROM trading_projects`)
	r := ag.json("POST", "/api/v1/fixedprice/selections", fpBody("2,000,000.00", "5"))
	if r.Code != http.StatusBadRequest || fieldCode(t, r, "control_price") != "fixedprice_must_tender" {
		t.Fatalf("¥2,000,000.00: %d %s", r.Code, r.Body)
	}
	for _, bad := range []struct{ price, rate, field, code string }{
		{"1999999.999", "5", "control_price", "money_too_many_decimals"},
		{"199万元", "5", "control_price", "fixedprice_price_unit"},
		{"1000000", "100", "rate", "rate_out_of_range"},
		{"1000000", "-0.5", "rate", "rate_out_of_range"},
	} {
		r := ag.json("POST", "/api/v1/fixedprice/selections", fpBody(bad.price, bad.rate))
		if r.Code != http.StatusBadRequest || fieldCode(t, r, bad.field) != bad.code {
			t.Errorf("%s / %s: %d %s", bad.price, bad.rate, r.Code, r.Body)
		}
	}
	// A number where text is expected is a 400 too.
	wrong := fpBody("", "5")
	wrong["control_price"] = 199999999
	if r := ag.json("POST", "/api/v1/fixedprice/selections", wrong); r.Code != http.StatusBadRequest {
		t.Fatalf("numeric control price: %d", r.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_projects`); n != before {
		t.Fatalf("refused registrations wrote %d projects", n-before)
	}
	r = ag.json("POST", "/api/v1/fixedprice/selections", fpBody("1,999,999.99", "3.5"))
	if r.Code != http.StatusCreated {
		t.Fatalf("¥1,999,999.99: %d %s", r.Code, r.Body)
	}
	var sv fpSelJSON
	r.decode(t, &sv)
	if sv.FixedPrice != "1,929,999.99" || !strings.Contains(sv.Rounding, "四舍五入") {
		t.Fatalf("fixed price %s, rule %s", sv.FixedPrice, sv.Rounding)
	}
	id := sv.Selection.ID
	base := fmt.Sprintf("/api/v1/fixedprice/selections/%d", id)
	if r := e.anon().get(base); r.Code != http.StatusNotFound {
		t.Fatalf("draft visible to the public: %d", r.Code)
	}
	if r := ag.json("POST", base+"/publish", nil); r.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Code, r.Body)
	}
	if r := e.anon().get("/announcements?method=fixed_price"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "固定价比选公告") {
		t.Fatalf("portal: %d", r.Code)
	}
	app := map[string]string{"qualification": "水利水电工程施工总承包三级", "safety_licence": "(闽)JZ安许证字[2021]000777", "manager_name": "李四", "manager_cert": "闽HTTP0001"}
	for i, u := range []string{"bidder1", "bidder2", "bidder3"} {
		app["manager_cert"] = fmt.Sprintf("闽HTTP000%d", i)
		if r := e.api(u).json("POST", base+"/applications", app); r.Code != http.StatusCreated {
			t.Fatalf("%s applies: %d %s", u, r.Code, r.Body)
		}
	}
	// The applicant sees its application and review, said once.
	if body := e.browser("bidder1").get(fmt.Sprintf("/fixedprice/%d", id)).Body.String(); !strings.Contains(body, "提交申请；待审查") ||
		strings.Contains(body, "资格审查：资格审查") {
		t.Fatalf("the applicant's page: %s", body)
	}
	if r := e.api("bidder1").json("POST", base+"/applications", app); r.Code != http.StatusConflict || r.errorCode(t) != "fixedprice_duplicate_application" {
		t.Fatalf("second application: %d %s", r.Code, r.Body)
	}
	// One project manager is proposed by one applicant.
	if r := e.api("bidder4").json("POST", base+"/applications", app); r.Code != http.StatusBadRequest || fieldCode(t, r, "manager_cert") != "fixedprice_manager_taken" {
		t.Fatalf("another applicant's project manager: %d %s", r.Code, r.Body)
	}
	// A review records a decision, not silence.
	if r := e.api("staff").json("POST", fmt.Sprintf("/api/v1/fixedprice/applications/%d/review", 1<<40), map[string]any{"reason": "看看"}); r.Code != http.StatusBadRequest || fieldCode(t, r, "qualified") != "decision_required" {
		t.Fatalf("a review without a decision: %d %s", r.Code, r.Body)
	}
	e.clock.Set(sv.Selection.ApplyUntil)
	b4 := e.api("bidder4")
	if r := b4.json("POST", base+"/applications", app); r.Code != http.StatusConflict || r.errorCode(t) != "fixedprice_window_closed" {
		t.Fatalf("at the close: %d %s", r.Code, r.Body)
	}
	st := e.api("staff")
	var apps struct{ Applications []trading.Application }
	st.json("GET", base+"/applications", nil).decode(t, &apps)
	if len(apps.Applications) != 3 {
		t.Fatalf("%d applications", len(apps.Applications))
	}
	if r := st.json("POST", fmt.Sprintf("/api/v1/fixedprice/applications/%d/review", apps.Applications[2].ID), map[string]any{"qualified": false}); r.Code != http.StatusBadRequest {
		t.Fatalf("rejection without reason: %d", r.Code)
	}
	for i, a := range apps.Applications {
		body := map[string]any{"qualified": i < 2}
		if i == 2 {
			body["reason"] = "资质等级不符合公告要求"
		}
		if r := st.json("POST", fmt.Sprintf("/api/v1/fixedprice/applications/%d/review", a.ID), body); r.Code != http.StatusNoContent {
			t.Fatalf("review: %d %s", r.Code, r.Body)
		}
	}
	// Witness numbers before the commitment: refused.
	sup := e.api("supervisor")
	if r := sup.json("POST", base+"/draw/witnesses", map[string]string{"name": "王监督", "role": "监督人员", "numbers": "1 2"}); r.Code != http.StatusConflict {
		t.Fatalf("witness before commitment: %d", r.Code)
	}
	if r := st.json("POST", base+"/draw/prepare", nil); r.Code != http.StatusOK {
		t.Fatalf("prepare: %d %s", r.Code, r.Body)
	}
	r = sup.json("POST", base+"/draw/witnesses", map[string]string{"name": "王监督", "role": "监督人员", "numbers": "十二"})
	if r.Code != http.StatusBadRequest || fieldCode(t, r, "numbers") != "fixedprice_witness_not_number" {
		t.Fatalf("witness text: %d %s", r.Code, r.Body)
	}
	for _, w := range []map[string]string{{"name": "王监督", "role": "监督人员", "numbers": "17 4"}, {"name": "赵代表", "role": "招标人代表", "numbers": "2026"}} {
		if r := sup.json("POST", base+"/draw/witnesses", w); r.Code != http.StatusOK {
			t.Fatalf("witness: %d %s", r.Code, r.Body)
		}
	}
	// One person is one witness; a name the record cannot print is refused.
	wantStatus(t, sup.json("POST", base+"/draw/witnesses", map[string]string{"name": "王监督", "role": "监督人员", "numbers": "5"}), http.StatusConflict, "fixedprice_witness_duplicate")
	if r := sup.json("POST", base+"/draw/witnesses", map[string]string{"name": "王😀监督", "role": "监督人员", "numbers": "5"}); r.Code != http.StatusBadRequest || fieldCode(t, r, "name") != "unprintable_chars" {
		t.Fatalf("witness name with an emoji: %d %s", r.Code, r.Body)
	}
	if n := e.count(`SELECT COUNT(*) FROM fixedprice_witnesses w JOIN fixedprice_draws d ON d.id = w.draw_id WHERE d.selection_id = ?`, id); n != 2 {
		t.Fatalf("%d witnesses, want 2", n)
	}
	// The big screen shows the pool hash before the draw.
	sb := e.browser("staff")
	r = sb.get(fmt.Sprintf("/fixedprice/%d/screen", id))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "17 4") || !strings.Contains(r.Body.String(), "fixedprice_screen.js") {
		t.Fatalf("screen: %d", r.Code)
	}
	wantStatus(t, e.anon().json("GET", base+"/draw/record.pdf", nil), http.StatusConflict, "draw_not_run")
	if r := st.json("POST", base+"/draw/run", nil); r.Code != http.StatusOK {
		t.Fatalf("run: %d %s", r.Code, r.Body)
	}
	var room trading.DrawRoom
	e.anon().get(base+"/draw").decode(t, &room)
	if room.Step != 3 || len(room.Ranked) != 2 || room.Draw.Secret == "" {
		t.Fatalf("room: %+v", room)
	}
	var v trading.Verification
	e.anon().get(fmt.Sprintf("/api/v1/fixedprice/draws/%d/verify", room.Draw.ID)).decode(t, &v)
	if !v.OK {
		t.Fatalf("verification: %+v", v.Checks)
	}
	// The rejected contractor is not ranked.
	for _, rk := range room.Ranked {
		if rk.Name == apps.Applications[2].OrgName {
			t.Fatal("rejected application ranked")
		}
	}
	// Pages: record with the re-check, screen with the result, selection.
	if r := e.anon().get(fmt.Sprintf("/fixedprice/%d/record", id)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "一致") ||
		!strings.Contains(r.Body.String(), fmt.Sprintf("/fixedprice/%d/record.pdf", id)) {
		t.Fatalf("record: %d", r.Code)
	}
	// The 抽取记录 as PDF, from the page and the API: public like the record.
	record := wantPDF(t, e.anon().get(fmt.Sprintf("/fixedprice/%d/record.pdf", id)), "")
	wantPDF(t, e.api("bidder3").get(base+"/draw/record.pdf"), "")
	t.Run("draw record text", func(t *testing.T) {
		text := pdfText(t, record)
		for _, want := range []string{"固定价比选企业抽取记录", room.Draw.PoolHash, room.Draw.Commitment, room.Draw.Secret, room.Ranked[0].Name,
			"王监督", "174", fmt.Sprintf("fp-%d", room.Draw.ID), "壹佰玖拾贰万玖仟玖佰玖拾玖元玖角玖分", "资格审查不合格"} {
			if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
				t.Errorf("fixed-price draw record lacks %q", want)
			}
		}
	})
	if r := sb.get(fmt.Sprintf("/fixedprice/%d/screen", id)); !strings.Contains(r.Body.String(), "中选人") {
		t.Fatal("screen lacks the result")
	}
	if r := sb.get(fmt.Sprintf("/fixedprice/%d", id)); r.Code != http.StatusOK {
		t.Fatalf("page: %d", r.Code)
	}
	// Publicity end, then the winner confirms and receives the notice.
	if err := e.deps.FixedPrice.EndPublicity(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	sel, _ := e.deps.FixedPrice.Selection(t.Context(), id)
	e.clock.Set(sel.PublicityUntil.Time)
	if err := e.deps.FixedPrice.EndPublicity(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	winner := ""
	for _, u := range []string{"bidder1", "bidder2"} {
		c := e.api(u)
		if r := c.json("POST", base+"/confirm", nil); r.Code == http.StatusOK {
			winner = u
			break
		} else if r.errorCode(t) != "fixedprice_not_winner" {
			t.Fatalf("%s confirm: %d %s", u, r.Code, r.Body)
		}
	}
	if winner == "" {
		t.Fatal("nobody could confirm")
	}
	if r := e.browser(winner).get(fmt.Sprintf("/fixedprice/%d/notice", id)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "比选结果通知书") {
		t.Fatalf("notice: %d", r.Code)
	}
	if r := e.browser("bidder3").get(fmt.Sprintf("/fixedprice/%d/notice", id)); r.Code != http.StatusNotFound {
		t.Fatalf("notice to a loser: %d", r.Code)
	}
	if r := e.api("staff").json("POST", base+"/contract", map[string]string{"contract_no": "SG-2026-018"}); r.Code != http.StatusOK {
		t.Fatalf("contract: %d %s", r.Code, r.Body)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Fatalf("audit chain: %+v", rep)
	}
}

// TestFixedPriceForms: the registration form re-renders with the field
// messages; a good form leads to the page and the announcement.
func TestFixedPriceForms(t *testing.T) {
	e := newEnv(t)
	ag := e.browser("agency")
	if r := ag.get("/agency/fixedprice/new"); r.Code != http.StatusOK {
		t.Fatalf("form: %d", r.Code)
	}
	form := url.Values{"title": {"示范小学操场改造"}, "owner_name": {"示范县教育局"}, "government_invested": {"yes"}, "funding": {"财政资金"},
		"site": {"示范县"}, "approval_no": {"示发改〔2026〕9号"}, "control_price": {"2000000"}, "rate": {"5"}, "apply_until": {"2026-03-10T17:00"},
		"place": {"抽取室"}, "eligibility": {"房屋建筑工程施工总承包三级\r\n安全生产许可证"}, "backups": {"2"}}
	r := ag.postForm("/agency/fixedprice", form)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "应当依法招标") {
		t.Fatalf("ceiling form: %d", r.Code)
	}
	form.Set("control_price", "800,000.00")
	r = ag.postForm("/agency/fixedprice", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.Code, r.Body)
	}
	loc := r.Header().Get("Location")
	r = ag.get(loc)
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "760,000.00") {
		t.Fatalf("page: %d", r.Code)
	}
	if r := ag.postForm(strings.Replace(loc, "/fixedprice/", "/agency/fixedprice/", 1)+"/publish", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Code)
	}
	bid := e.browser("bidder5")
	r = bid.postForm(strings.Replace(loc, "/fixedprice/", "/bidder/fixedprice/", 1)+"/apply", url.Values{"qualification": {"三级"}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请填写安全生产许可证编号") {
		t.Fatalf("incomplete application: %d", r.Code)
	}
}

// Twenty identical blacklist submissions at once record one entry; an
// entry the one in force already covers is refused; a longer one extends,
// and nothing dated is added over an indefinite one.
func TestFixedPriceBlacklistSubmittedTwice(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	org := newDrawLot(t, e, 0).tenderer // an organisation of its own
	entries := func() int { return e.count(`SELECT COUNT(*) FROM fixedprice_blacklist WHERE org_id = ?`, org) }
	until := e.clock.Now().Add(90 * 24 * time.Hour).In(clock.Shanghai)
	add := func(until string) response {
		return st.json(http.MethodPost, "/api/v1/fixedprice/blacklist", map[string]any{"org_id": org, "reason": "串通投标（示范县住建局处理决定）", "valid_until": until})
	}
	codes := parallel(20, func() response { return add(until.Format("2006-01-02 15:04")) })
	if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 19 || entries() != 1 {
		t.Fatalf("20 identical entries: %v, %d stored", codes, entries())
	}
	if r := add(until.Add(-24 * time.Hour).Format("2006-01-02 15:04")); r.Code != http.StatusConflict || r.errorCode(t) != "fixedprice_already_blacklisted" {
		t.Errorf("a shorter entry: %d %s", r.Code, r.Body.String())
	}
	if r := add(""); r.Code != http.StatusCreated {
		t.Errorf("an indefinite entry: %d %s", r.Code, r.Body.String())
	}
	if r := add(until.Add(365 * 24 * time.Hour).Format("2006-01-02 15:04")); r.Code != http.StatusConflict {
		t.Errorf("a dated entry over an indefinite one: %d %s", r.Code, r.Body.String())
	}
	if n := entries(); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
	// Refusals name their field; agencies (and the centre, departments)
	// are not contractors.
	for _, c := range []struct {
		body        map[string]any
		field, code string
	}{
		{map[string]any{"org_id": org, "reason": "x", "valid_until": "garbage"}, "valid_until", "time_invalid"},
		{map[string]any{"org_id": org, "reason": "x", "valid_until": "2026-02-30 10:00"}, "valid_until", "time_invalid"},
		{map[string]any{"org_id": org, "reason": strings.Repeat("理", 501)}, "reason", "too_long"},
		{map[string]any{"org_id": newDrawLot(t, e, 0).agency, "reason": "串通投标"}, "org_id", "org_not_contractor"},
	} {
		r := st.json("POST", "/api/v1/fixedprice/blacklist", c.body)
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)[c.field] != c.code {
			t.Errorf("%v: %d %s", c.body, r.Code, r.Body.String())
		}
	}
}

// A selection whose terms give a fixed price of nothing is refused.
func TestFixedPriceOfZeroRefused(t *testing.T) {
	e := newEnv(t)
	before := e.count(`SELECT COUNT(*) FROM fixedprice_selections`)
	r := e.api("agency").json("POST", "/api/v1/fixedprice/selections", fpBody("0.01", "99.99"))
	if r.Code != http.StatusBadRequest || fieldCode(t, r, "rate") != "fixedprice_price_zero" {
		t.Errorf("a fixed price of 0.00: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM fixedprice_selections`); n != before {
		t.Errorf("a refused selection wrote %d rows", n-before)
	}
}
