package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"ggzy/evaluation"
	"ggzy/evaluation/evaltest"
	"ggzy/money"
)

// Tests of the centre's evaluation pages (plan, deposits, objections,
// clarifications, publicity, award), of the trimmed-mean aggregation with
// seven experts, and of contended steps.

func wantRedirect(t testing.TB, r response, to string) {
	t.Helper()
	if r.Code != http.StatusSeeOther || (to != "" && r.Header().Get("Location") != to) {
		t.Fatalf("status %d Location %q, want 303 to %s: %.600s", r.Code, r.Header().Get("Location"), to, r.Body.String())
	}
}

func (f *evalFixture) page(p string) string { return fmt.Sprintf("/evaluation/lots/%d%s", f.lot, p) }

// planValues is the form of evaltest.Plan with the given aggregation and
// deviation, and two blank rows the page leaves at the end.
func planValues(agg, deviation string) url.Values {
	p := evaltest.Plan()
	v := url.Values{"method": {p.Method}, "aggregation": {agg}, "deviation": {deviation}}
	for _, c := range p.Criteria {
		v["name"] = append(v["name"], c.Name)
		v["kind"] = append(v["kind"], c.Kind)
		v["max"] = append(v["max"], c.Max)
	}
	v["name"] = append(v["name"], "", "")
	v["kind"] = append(v["kind"], evaluation.KindQualification, evaluation.KindQualification)
	v["max"] = append(v["max"], "", "")
	return v
}

// openThroughPages opens the fixture's lot and closes the opening with the
// staff's browser: plan page, open, deposit checks, confirmations, close,
// start of the evaluation.
func (f *evalFixture) openThroughPages(t testing.TB, agg string) {
	t.Helper()
	e := f.e
	st := e.browser("staff")
	wantRedirect(t, st.postForm(f.page("/plan"), planValues(agg, "30")), f.page("/plan"))
	wantRedirect(t, st.postForm(f.page("/opening"), nil), f.page(""))
	for i := 1; i <= 5; i++ {
		mustOK(t, f.bidder(fmt.Sprintf("bidder%d", i)).json(http.MethodPost, f.path("/confirmation"), map[string]any{"agree": true}))
	}
	wantRedirect(t, st.postForm(f.page("/opening/close"), nil), f.page(""))
	wantRedirect(t, st.postForm(f.page("/evaluation"), nil), f.page(""))
}

// seat declares the committee and elects the first member chair.
func (f *evalFixture) seat(t testing.TB, committee []string) evaluation.Desk {
	t.Helper()
	for _, x := range committee {
		mustOK(t, f.desk(x, http.MethodPost, "/declaration", map[string]any{"commitment": true}))
	}
	d := f.deskView(t, committee[0])
	for _, x := range committee {
		mustOK(t, f.desk(x, http.MethodPost, "/chair", map[string]any{"member_id": d.Me.ID}))
	}
	return f.deskView(t, committee[0])
}

// TestEvaluationPlanPage: the plan page shows the drawn committee (names to
// staff only), saves the plan, and comes back with the errors of each row.
func TestEvaluationPlanPage(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	st, ag := e.browser("staff"), e.browser("agency")

	r := st.get(f.page("/plan"))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "尚未设置评标办法") || !strings.Contains(r.Body.String(), "专家1") {
		t.Fatalf("staff plan page: %d %.800s", r.Code, r.Body.String())
	}
	r = ag.get(f.page("/plan"))
	if r.Code != http.StatusOK || strings.Contains(r.Body.String(), "专家1") || !strings.Contains(r.Body.String(), "已抽取并确认 5 名") {
		t.Fatalf("agency plan page (names must stay hidden): %d", r.Code)
	}
	if r = e.browser("agency2").get(f.page("/plan")); r.Code != http.StatusForbidden {
		t.Errorf("another agency: %d", r.Code)
	}

	// Bad rows come back with their errors and the values entered.
	bad := planValues(evaluation.AggMean, "5")
	bad["max"][2] = "35"      // total 105
	bad["max"][3] = "abc"     // not a number
	bad["name"][4] = ""       // a row with a maximum but no name
	bad.Set("method", "vote") // unknown
	r = ag.postForm(f.page("/plan"), bad)
	body := r.Body.String()
	if r.Code != http.StatusBadRequest || !strings.Contains(body, "评标办法只能是") || !strings.Contains(body, "分值应为") ||
		!strings.Contains(body, "请填写评审因素名称") || !strings.Contains(body, `value="abc"`) {
		t.Fatalf("bad plan: %d %.3000s", r.Code, body)
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_lots WHERE lot_id = ?`, f.lot); n != 0 {
		t.Fatalf("a refused plan was written")
	}
	bad = planValues(evaluation.AggMean, "5")
	bad["max"][2] = "35"
	if r = ag.postForm(f.page("/plan"), bad); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "满分合计应为100分，现为105.00分") {
		t.Fatalf("total not 100: %d", r.Code)
	}

	wantRedirect(t, ag.postForm(f.page("/plan"), planValues(evaluation.AggTrimmedMean, "7.5")), f.page("/plan"))
	r = ag.get(f.page("/plan"))
	if !strings.Contains(r.Body.String(), `value="7.50"`) || !strings.Contains(r.Body.String(), `value="trimmed_mean" selected`) || !strings.Contains(r.Body.String(), `value="施工组织设计"`) {
		t.Fatalf("saved plan not shown: %.3000s", r.Body.String())
	}
	// After the opening the plan is fixed and shown read-only.
	wantRedirect(t, st.postForm(f.page("/opening"), nil), f.page(""))
	r = ag.get(f.page("/plan"))
	if strings.Contains(r.Body.String(), `data-testid="plan-form"`) || !strings.Contains(r.Body.String(), "开标后评标办法不能修改") {
		t.Fatalf("plan after the opening is editable")
	}
	if r = ag.postForm(f.page("/plan"), planValues(evaluation.AggMean, "5")); r.Code != http.StatusConflict {
		t.Fatalf("plan after the opening: %d", r.Code)
	}
}

// TestEvaluationOpeningDepositsAndObjectionsPages: staff check deposits
// from the opening page (and trading's own check shows too), answer an
// objection there and close the opening; the record issued then prints the
// deposit checks.
func TestEvaluationOpeningDepositsAndObjectionsPages(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	var orgs []int64
	for i := 1; i <= 5; i++ {
		_, o := userID(t, e, fmt.Sprintf("bidder%d", i))
		orgs = append(orgs, o)
	}
	bids := evaltest.Bids(5, orgs, 9_000_000_00)
	for i := range bids {
		bids[i].Deposit = evaluation.DepositUnchecked // as unsealed: nobody has checked yet
	}
	f.w.SetBids(f.lot, bids)
	st := e.browser("staff")
	wantRedirect(t, st.postForm(f.page("/plan"), planValues(evaluation.AggMean, "5")), f.page("/plan"))
	wantRedirect(t, st.postForm(f.page("/opening"), nil), f.page(""))
	rec := opening(t, e.api("staff"), f.lot)
	for _, b := range rec.Bids {
		if b.Deposit != evaluation.DepositUnchecked {
			t.Fatalf("deposit at the unsealing: %+v", b)
		}
	}
	r := st.get(f.page(""))
	if !strings.Contains(r.Body.String(), "还有5家投标人的保证金未核验") {
		t.Fatalf("lot page does not warn of unchecked deposits")
	}

	// Staff check two deposits on the page; trading records a third itself.
	wantRedirect(t, st.postForm(f.page(fmt.Sprintf("/bids/%d/deposit", rec.Bids[0].ID)), url.Values{"result": {"ok"}}), f.page(""))
	wantRedirect(t, st.postForm(f.page(fmt.Sprintf("/bids/%d/deposit", rec.Bids[1].ID)), url.Values{"result": {"failed"}}), f.page(""))
	if r = st.postForm(f.page(fmt.Sprintf("/bids/%d/deposit", rec.Bids[2].ID)), url.Values{"result": {"maybe"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "核验结果只能是") {
		t.Fatalf("bad deposit result: %d", r.Code)
	}
	mustOK(t, e.api("staff").json(http.MethodPost, f.path(fmt.Sprintf("/bids/%d/deposit", rec.Bids[3].ID)), map[string]any{"result": "ok"}))
	f.w.SetDeposit(f.lot, orgs[4], evaluation.DepositOK) // checked on the trading side, not through the evaluation
	rec = opening(t, f.bidder("bidder3"), f.lot)
	want := []string{"ok", "failed", "", "ok", "ok"}
	for i, b := range rec.Bids {
		if b.Deposit != want[i] {
			t.Errorf("live deposit of bid %d: %q, want %q", i, b.Deposit, want[i])
		}
	}

	// An objection from the page, answered on the page.
	b2 := e.browser("bidder2")
	if r = b2.postForm(f.page("/objections"), url.Values{"body": {""}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请填写异议内容") {
		t.Fatalf("empty objection: %d", r.Code)
	}
	wantRedirect(t, b2.postForm(f.page("/objections"), url.Values{"body": {"开标时间比公告晚了5分钟"}}), f.page(""))
	var objID int64
	if err := e.db.Get(&objID, `SELECT id FROM evaluation_objections WHERE lot_id = ?`, f.lot); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(31 * time.Minute)
	st = e.browser("staff")
	if r = st.postForm(f.page("/opening/close"), nil); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "还有1条异议未答复") {
		t.Fatalf("close with an open objection: %d", r.Code)
	}
	if r = st.postForm(f.page(fmt.Sprintf("/objections/%d/answer", objID)), url.Values{"answer": {" "}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请填写答复内容") {
		t.Fatalf("empty answer: %d", r.Code)
	}
	if r = st.postForm(fmt.Sprintf("/evaluation/lots/%d/objections/%d/answer", f.lot+1, objID), url.Values{"answer": {"x"}}); r.Code != http.StatusNotFound {
		t.Fatalf("answer under another lot: %d", r.Code)
	}
	wantRedirect(t, st.postForm(f.page(fmt.Sprintf("/objections/%d/answer", objID)), url.Values{"answer": {"开标时间以交易中心系统时间为准，符合招标文件"}}), f.page(""))
	wantRedirect(t, st.postForm(f.page("/opening/close"), nil), f.page(""))

	// The record is final: the copy holds the checks, later checks are refused.
	var got []string
	if err := e.db.Select(&got, `SELECT deposit FROM evaluation_bids WHERE lot_id = ? ORDER BY bid_ref`, f.lot); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("deposits in the record: %q, want %q", got, want)
	}
	if r = st.postForm(f.page(fmt.Sprintf("/bids/%d/deposit", rec.Bids[2].ID)), url.Values{"result": {"ok"}}); r.Code != http.StatusConflict {
		t.Errorf("deposit check after the close: %d", r.Code)
	}
	f.w.SetDeposit(f.lot, orgs[2], evaluation.DepositOK)
	rec = opening(t, e.api("staff"), f.lot)
	if rec.Bids[2].Deposit != evaluation.DepositUnchecked {
		t.Errorf("the closed record changed after the close: %+v", rec.Bids[2])
	}
	sha, _ := f.issued(t, evaluation.DocOpeningRecord)
	text := pdfText(t, wantPDF(t, e.api("staff").get(f.docAPI(evaluation.DocOpeningRecord)), sha))
	if strings.Count(text, "已到账") != 3 || strings.Count(text, "未到账") != 1 || strings.Count(text, "未核验") != 1 {
		t.Errorf("opening record deposits: 已到账 %d, 未到账 %d, 未核验 %d", strings.Count(text, "已到账"), strings.Count(text, "未到账"), strings.Count(text, "未核验"))
	}
}

// TestEvaluationTrimmedMeanSevenExperts: seven experts, the plan's
// aggregation drops the highest and the lowest score of each cell; the
// technical scores, totals and ranking follow the trimmed mean (the plain
// mean would rank another bid first).
func TestEvaluationTrimmedMeanSevenExperts(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 7)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5", "expert6", "expert7"}
	f.openThroughPages(t, evaluation.AggTrimmedMean)
	d := f.seat(t, committee)
	f.reviewAll(t, committee, d, nil)
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	d = f.deskView(t, "expert1")
	scored := d.ScoredCriteria() // 施工组织设计 30, 项目管理机构 20, 业绩和信誉 10
	// The first criterion per bid, expert1…expert7.
	first := [5][7]string{
		{"29", "18", "18", "18", "18", "18", "18"},          // trimmed 18.00, mean 19.57
		{"19", "19", "19", "19", "19", "19", "0"},           // trimmed 19.00, mean 16.29
		{"17", "17", "17", "17", "17", "17", "17"},          // 17.00
		{"16.5", "16", "16", "16", "16", "16", "15.5"},      // trimmed 16.00
		{"15.25", "15.75", "15", "15", "15", "15", "14.25"}, // trimmed (15.25+15×4)/5 = 15.05
	}
	for xi, x := range committee {
		for bi, b := range d.Bids {
			mustOK(t, f.desk(x, http.MethodPut, "/scores", map[string]any{"bid_id": b.ID, "criterion_id": scored[0].ID, "points": first[bi][xi]}))
			mustOK(t, f.desk(x, http.MethodPut, "/scores", map[string]any{"bid_id": b.ID, "criterion_id": scored[1].ID, "points": "10"}))
			mustOK(t, f.desk(x, http.MethodPut, "/scores", map[string]any{"bid_id": b.ID, "criterion_id": scored[2].ID, "points": "5"}))
		}
	}
	mustOK(t, f.desk("expert1", http.MethodPost, "/summary", nil))

	var res evaluation.Result
	r := e.api("staff").json(http.MethodGet, f.path("/result"), nil)
	mustOK(t, r)
	r.decode(t, &res)
	technical := map[string]Points{ // 18+10+5, 19+10+5, …
		d.Bids[0].Bidder: 3300, d.Bids[1].Bidder: 3400, d.Bids[2].Bidder: 3200, d.Bids[3].Bidder: 3100, d.Bids[4].Bidder: 3005,
	}
	lowest := d.Bids[4].Price // 8,996,000.00
	if lowest != money.Fen(8_996_000_00) {
		t.Fatalf("lowest price %s", lowest)
	}
	wantOrder := []string{d.Bids[1].Bidder, d.Bids[0].Bidder, d.Bids[2].Bidder, d.Bids[3].Bidder, d.Bids[4].Bidder}
	if len(res.Lines) != 5 {
		t.Fatalf("result lines: %+v", res.Lines)
	}
	for i, l := range res.Lines {
		if l.Bidder != wantOrder[i] || l.Rank != i+1 || l.Candidate != (i < 3) {
			t.Errorf("line %d: %s rank %d candidate %v, want %s rank %d", i, l.Bidder, l.Rank, l.Candidate, wantOrder[i], i+1)
		}
		if l.Technical != technical[l.Bidder] {
			t.Errorf("%s technical %s, want %s (trimmed mean)", l.Bidder, l.Technical, technical[l.Bidder])
		}
		if want := evaluation.PriceScore(lowest, l.Price, 4000); l.PricePoints != want || l.Total != l.Technical+want {
			t.Errorf("%s price %s total %s, want %s and %s", l.Bidder, l.PricePoints, l.Total, want, l.Technical+want)
		}
	}
	// Price scores by hand: 40 × 8,996,000 / price, half up.
	if res.Lines[0].PricePoints != 3999 || res.Lines[1].PricePoints != 3998 || res.Lines[4].PricePoints != 4000 {
		t.Errorf("price scores %s %s %s", res.Lines[0].PricePoints, res.Lines[1].PricePoints, res.Lines[4].PricePoints)
	}
	// The same scores aggregated by the plain mean would rank bid 1 first.
	if evaluation.Aggregate([]Points{2900, 1800, 1800, 1800, 1800, 1800, 1800}, evaluation.AggMean) != 1957 {
		t.Error("mean of the first bid's scores")
	}
}

// deskAs sends a terminal request with the fixture's terminal token as the
// given client (one client per goroutine: clients keep cookies).
func (f *evalFixture) deskAs(c *client, method, path string, body any) response {
	req := jsonRequest(f.e.t, method, fmt.Sprintf("/api/v1/evaluation/terminal/lots/%d%s", f.lot, path), body)
	req.Header.Set(terminalHeader, f.token)
	return c.do(req)
}

// race releases fn in n goroutines at once and returns the statuses.
func race(n int, fn func(i int) int) []int {
	var wg sync.WaitGroup
	start := make(chan struct{})
	out := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func countStatus(codes []int, code int) int {
	n := 0
	for _, c := range codes {
		if c == code {
			n++
		}
	}
	return n
}

// TestEvaluationContendedSteps: staff closing the same opening at once close
// it once (one audit event, one opening record); nine experts signing at
// once give nine signatures; the chair closing the report from several
// requests at once closes it once (one event, one report).
func TestEvaluationContendedSteps(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 9)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5", "expert6", "expert7", "expert8", "expert9"}
	mustOK(t, e.api("agency").json(http.MethodPut, f.path("/plan"), evaltest.Plan()))
	mustOK(t, e.api("staff").json(http.MethodPost, f.path("/opening"), nil))
	e.clock.Advance(31 * time.Minute) // the confirmation window is over: prices are deemed confirmed

	const closers = 6
	staffs := make([]*client, closers)
	for i := range staffs {
		if i%2 == 0 {
			staffs[i] = e.api("staff")
		} else {
			staffs[i] = e.browser("staff")
		}
	}
	codes := race(closers, func(i int) int {
		if i%2 == 0 {
			return staffs[i].json(http.MethodPost, f.path("/opening/close"), nil).Code
		}
		return staffs[i].postForm(f.page("/opening/close"), nil).Code
	})
	if ok := countStatus(codes, http.StatusOK) + countStatus(codes, http.StatusSeeOther); ok != 1 || countStatus(codes, http.StatusConflict) != closers-1 {
		t.Fatalf("concurrent closes: %v", codes)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'evaluation.opening.close' AND object_id = ?`, fmt.Sprint(f.lot)); n != 1 {
		t.Errorf("%d close events", n)
	}
	if _, n := f.issued(t, evaluation.DocOpeningRecord); n != 1 {
		t.Errorf("%d opening records", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_bids WHERE lot_id = ? AND confirm = 'deemed'`, f.lot); n != 5 {
		t.Errorf("deemed confirmations %d", n)
	}

	mustOK(t, e.api("staff").json(http.MethodPost, f.path("/evaluation"), nil))
	for _, x := range committee {
		f.expert(x) // log in before the race: the clients map is not written under it
	}
	d := f.seat(t, committee)
	f.reviewAll(t, committee, d, nil)
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	d = f.deskView(t, "expert1")
	f.scoreEvenly(t, committee, d, 5)
	mustOK(t, f.desk("expert1", http.MethodPost, "/summary", nil))

	codes = race(len(committee), func(i int) int {
		return f.desk(committee[i], http.MethodPost, "/signature", map[string]any{"agree": true}).Code
	})
	if countStatus(codes, http.StatusOK) != 9 {
		t.Fatalf("concurrent signatures: %v", codes)
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_members WHERE lot_id = ? AND signature = 'agree' AND signed_at IS NOT NULL`, f.lot); n != 9 {
		t.Errorf("%d signatures", n)
	}
	again := make([]*client, 9)
	for i := range again {
		again[i] = e.api("expert1")
	}
	codes = race(len(again), func(i int) int {
		return f.deskAs(again[i], http.MethodPost, "/signature", map[string]any{"agree": true}).Code
	})
	if countStatus(codes, http.StatusConflict) != 9 {
		t.Errorf("signing again at once: %v", codes)
	}

	chairs := make([]*client, 5)
	for i := range chairs {
		chairs[i] = e.api("expert1")
	}
	codes = race(len(chairs), func(i int) int { return f.deskAs(chairs[i], http.MethodPost, "/close", nil).Code })
	if countStatus(codes, http.StatusOK) != 1 || countStatus(codes, http.StatusConflict) != len(chairs)-1 {
		t.Fatalf("concurrent report closes: %v", codes)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'evaluation.report.close' AND object_id = ?`, fmt.Sprint(f.lot)); n != 1 {
		t.Errorf("%d report close events", n)
	}
	if _, n := f.issued(t, evaluation.DocEvaluationReport); n != 1 {
		t.Errorf("%d evaluation reports", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_members WHERE lot_id = ? AND signature = 'refused'`, f.lot); n != 0 {
		t.Errorf("%d refusals after nine signatures", n)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Fatalf("audit chain: %+v", rep)
	}
}

// TestEvaluationClarificationPublicityAwardPages: an expert asks from the
// terminal page, the supervisor refuses one question and forwards another
// on the lot page, the bidder answers there; after the report staff
// publish the candidates, an objection pauses the publicity and its answer
// resumes it, staff end it when it is over, and the agency awards.
func TestEvaluationClarificationPublicityAwardPages(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d := f.openAndSeat(t, committee)

	x2 := e.browser("expert2")
	x2.cookies[terminalCookie] = f.token
	desk := fmt.Sprintf("/evaluation/terminal/lots/%d", f.lot)
	if r := x2.get(desk); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="ask-form"`) {
		t.Fatalf("terminal page without the question form: %d", r.Code)
	}
	if r := x2.postForm(desk+"/clarifications", url.Values{"bid_id": {fmt.Sprint(d.Bids[0].ID)}, "question": {""}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请填写澄清问题") {
		t.Fatalf("empty question: %d", r.Code)
	}
	wantRedirect(t, x2.postForm(desk+"/clarifications", url.Values{"bid_id": {fmt.Sprint(d.Bids[0].ID)}, "question": {"请说明暂列金额的构成"}}), desk)
	wantRedirect(t, x2.postForm(desk+"/clarifications", url.Values{"bid_id": {fmt.Sprint(d.Bids[1].ID)}, "question": {"是否同意将报价下调5%？"}}), desk)
	// Outside the room the form is refused like every terminal action.
	x3 := e.browser("expert3")
	if r := x3.postForm(desk+"/clarifications", url.Values{"bid_id": {fmt.Sprint(d.Bids[0].ID)}, "question": {"x"}}); r.Code != http.StatusForbidden {
		t.Fatalf("question without the terminal: %d", r.Code)
	}
	var ids []int64
	if err := e.db.Select(&ids, `SELECT id FROM evaluation_clarifications WHERE lot_id = ? ORDER BY id`, f.lot); err != nil || len(ids) != 2 {
		t.Fatalf("clarifications %v %v", ids, err)
	}

	sup := e.browser("supervisor")
	if r := sup.get("/evaluation/lots"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), fmt.Sprintf("/evaluation/lots/%d", f.lot)) {
		t.Fatalf("supervisor's lot list: %d", r.Code)
	}
	r := sup.get(f.page(""))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "请说明暂列金额的构成") || !strings.Contains(r.Body.String(), "转交投标人") {
		t.Fatalf("supervisor's lot page: %d", r.Code)
	}
	fwd := func(id int64) string { return f.page(fmt.Sprintf("/clarifications/%d/forward", id)) }
	if r = sup.postForm(fwd(ids[1]), url.Values{"forward": {"false"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请填写不予转交的理由") {
		t.Fatalf("refusal without a note: %d", r.Code)
	}
	wantRedirect(t, sup.postForm(fwd(ids[1]), url.Values{"forward": {"false"}, "note": {"要求改变投标报价，属于实质性内容，不予转交"}}), f.page(""))
	wantRedirect(t, sup.postForm(fwd(ids[0]), url.Values{"forward": {"true"}}), f.page(""))
	if r = sup.postForm(fwd(ids[0]), url.Values{"forward": {"true"}}); r.Code != http.StatusConflict {
		t.Errorf("forward twice: %d", r.Code)
	}

	b1, b2 := e.browser("bidder1"), e.browser("bidder2")
	r = b1.get(f.page(""))
	if !strings.Contains(r.Body.String(), "请说明暂列金额的构成") || !strings.Contains(r.Body.String(), "提交澄清答复") {
		t.Fatalf("bidder1 does not see its forwarded question")
	}
	if r = b2.get(f.page("")); strings.Contains(r.Body.String(), "下调5%") || strings.Contains(r.Body.String(), "暂列金额") {
		t.Fatalf("bidder2 sees questions not forwarded to it")
	}
	ans := f.page(fmt.Sprintf("/clarifications/%d/answer", ids[0]))
	if r = b2.postForm(ans, url.Values{"answer": {"不是我们的"}}); r.Code != http.StatusNotFound {
		t.Errorf("another bidder answers: %d", r.Code)
	}
	wantRedirect(t, b1.postForm(ans, url.Values{"answer": {"暂列金额为招标文件规定的固定金额50万元"}}), f.page(""))
	if dd := f.deskView(t, "expert4"); len(dd.Clarifications) != 2 || dd.Clarifications[0].State != evaluation.ClarifyAnswered || dd.Clarifications[1].State != evaluation.ClarifyRefused {
		t.Fatalf("desk clarifications: %+v", dd.Clarifications)
	}

	// Report, publicity, objection (pause), answer (resume), end, award.
	f.reviewAll(t, committee, d, nil)
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	d = f.deskView(t, "expert1")
	f.scoreEvenly(t, committee, d, 5)
	mustOK(t, f.desk("expert1", http.MethodPost, "/summary", nil))
	mustOK(t, f.desk("expert1", http.MethodPost, "/signature", map[string]any{"agree": true}))
	mustOK(t, f.desk("expert1", http.MethodPost, "/close", nil))

	ag := e.browser("agency")
	if r = ag.get(f.page("")); !strings.Contains(r.Body.String(), "发布中标候选人公示") {
		t.Fatalf("agency's lot page without the publicity form")
	}
	if r = e.browser("agency2").postForm(f.page("/publicity"), nil); r.Code != http.StatusNotFound && r.Code != http.StatusForbidden {
		t.Errorf("another agency publishes: %d", r.Code)
	}
	wantRedirect(t, ag.postForm(f.page("/publicity"), nil), f.page(""))
	st := e.browser("staff")
	if r = st.postForm(f.page("/publicity/end"), nil); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "公示期未满") {
		t.Fatalf("end during the publicity: %d", r.Code)
	}
	e.clock.Advance(24 * time.Hour)
	b4 := e.browser("bidder4")
	wantRedirect(t, b4.postForm(f.page("/objections"), url.Values{"body": {"第一中标候选人业绩造假"}}), f.page(""))
	e.clock.Advance(3 * 24 * time.Hour)
	st = e.browser("staff")
	if r = st.postForm(f.page("/publicity/end"), nil); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "公示因异议暂停") {
		t.Fatalf("end of a paused publicity: %d", r.Code)
	}
	var objID int64
	if err := e.db.Get(&objID, `SELECT id FROM evaluation_objections WHERE lot_id = ? AND stage = 'publicity'`, f.lot); err != nil {
		t.Fatal(err)
	}
	ag = e.browser("agency")
	wantRedirect(t, ag.postForm(f.page(fmt.Sprintf("/objections/%d/answer", objID)), url.Values{"answer": {"经核查业绩真实"}}), f.page(""))
	e.clock.Advance(48 * time.Hour)
	st = e.browser("staff")
	wantRedirect(t, st.postForm(f.page("/publicity/end"), nil), f.page(""))
	ag = e.browser("agency")
	if r = ag.get(f.page("")); !strings.Contains(r.Body.String(), "确定排名第一的中标候选人为中标人") {
		t.Fatalf("agency's lot page without the award form")
	}
	wantRedirect(t, ag.postForm(f.page("/award"), nil), f.page(""))
	if r = ag.postForm(f.page("/award"), nil); r.Code != http.StatusConflict {
		t.Errorf("award twice: %d", r.Code)
	}
	if r = ag.get(f.page("")); !strings.Contains(r.Body.String(), "中标人：") || !strings.Contains(r.Body.String(), "中标通知书") {
		t.Errorf("awarded lot page: %.400s", r.Body.String())
	}
}

// TestEvaluationTerminalRuleEveryAction: every terminal action is refused
// without a terminal, at a terminal of another room, at a room with no
// session, outside the booked time, and for an expert not on the committee;
// none writes anything.
func TestEvaluationTerminalRuleEveryAction(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d := f.openAndSeat(t, committee)
	b, c := d.Bids[0].ID, d.ReviewCriteria()[0].ID
	actions := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "", nil},
		{http.MethodPost, "/declaration", map[string]any{"commitment": true}},
		{http.MethodPost, "/chair", map[string]any{"member_id": d.Me.ID}},
		{http.MethodPut, "/reviews", map[string]any{"bid_id": b, "criterion_id": c, "pass": true}},
		{http.MethodPost, "/reviews/confirm", nil},
		{http.MethodPut, "/scores", map[string]any{"bid_id": b, "criterion_id": c, "points": "1"}},
		{http.MethodPost, "/summary", nil},
		{http.MethodPost, "/failure", map[string]any{"reason": "否决全部投标"}},
		{http.MethodPost, "/signature", map[string]any{"agree": true}},
		{http.MethodPost, "/close", nil},
		{http.MethodPost, "/clarifications", map[string]any{"bid_id": b, "question": "请澄清"}},
	}
	f.w.AddTerminal("rt_other_room_all", f.lot+3)
	f.w.Book(f.lot+3, f.project+3, e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour))
	f.w.AddTerminal("rt_idle_room_all", f.lot+4)
	f.w.AddTerminal("rt_later_room_all", f.lot+5) // booked for this project, but only tomorrow
	f.w.Book(f.lot+5, f.project, e.clock.Now().Add(24*time.Hour), e.clock.Now().Add(30*time.Hour))
	writes := func() int {
		return e.count(`SELECT (SELECT COUNT(*) FROM evaluation_reviews WHERE lot_id = ?) + (SELECT COUNT(*) FROM evaluation_scores WHERE lot_id = ?)
			+ (SELECT COUNT(*) FROM evaluation_clarifications WHERE lot_id = ?) + (SELECT COUNT(*) FROM audit_events WHERE project_id = ?)`, f.lot, f.lot, f.lot, f.project)
	}
	before := writes()
	cases := []struct {
		user, token, code string
	}{
		{"expert1", "", "terminal_required"},
		{"expert1", "rt_unknown_all", "terminal_required"},
		{"expert1", "rt_other_room_all", "terminal_wrong_room"},
		{"expert1", "rt_idle_room_all", "outside_session"},
		{"expert1", "rt_later_room_all", "outside_session"},
		{"expert8", f.token, "not_on_committee"},
	}
	for _, tc := range cases {
		for _, a := range actions {
			r := f.deskWith(tc.user, tc.token, a.method, a.path, a.body)
			if r.Code != http.StatusForbidden || r.errorCode(t) != tc.code {
				t.Errorf("%s at %q: %s %s → %d %s, want 403 %s", tc.user, tc.token, a.method, a.path, r.Code, r.Body.String(), tc.code)
			}
		}
	}
	r := f.deskWith("expert8", f.token, http.MethodGet, "", nil)
	if !strings.Contains(r.Body.String(), "您不是该标段（包）评标委员会的成员") {
		t.Errorf("not on the committee: %s", r.Body.String())
	}
	// After the booked session ends the committee's own terminal is refused too.
	e.clock.Advance(25 * time.Hour)
	f.experts = map[string]*client{} // tokens do not outlive a day of fake time
	for _, a := range actions {
		if r := f.deskWith("expert1", f.token, a.method, a.path, a.body); r.Code != http.StatusForbidden || r.errorCode(t) != "outside_session" {
			t.Errorf("after the session: %s %s → %d %s", a.method, a.path, r.Code, r.Body.String())
		}
	}
	if n := writes(); n != before {
		t.Errorf("refused terminal actions wrote %d rows or events", n-before)
	}
}

// TestFlowDepositChecksReachTheOpening: with the real trading area wired
// in, a deposit checked on trading's side after the lot closed and one
// checked from the opening page both show in the 唱标 list and go into the
// opening record at the close.
func TestFlowDepositChecksReachTheOpening(t *testing.T) {
	e := newEnv(t)
	p := registerAndPublish(t, e, uniqueTitle("保证金核验联动测试工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-05 10:00"))
	for _, u := range []string{"bidder1", "bidder2", "bidder3"} {
		bid(t, e, u, lot, "9,000,000.00")
		e.clock.Advance(time.Minute)
	}
	e.clock.Set(sh("2026-03-30 09:30"))
	sweepDeadlines(t, e)
	staffAPI := e.api("staff")
	rec := opening(t, staffAPI, lot)
	if len(rec.Bids) != 3 {
		t.Fatalf("opening: %+v", rec)
	}
	for _, b := range rec.Bids {
		if b.Deposit != evaluation.DepositUnchecked {
			t.Fatalf("deposit at the unsealing: %+v", b)
		}
	}
	// Trading's own check of bidder1's sign-up.
	r := staffAPI.json(http.MethodGet, fmt.Sprintf("/api/v1/lots/%d/opening", lot), nil)
	mustOK(t, r)
	var to struct {
		Entries []struct {
			SignupID int64  `json:"signup_id"`
			OrgName  string `json:"org_name"`
		}
	}
	r.decode(t, &to)
	var su1 int64
	for _, en := range to.Entries {
		if en.OrgName == orgName(t, "bidder1") {
			su1 = en.SignupID
		}
	}
	if r = staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/signups/%d/deposit-check", su1), map[string]any{"result": "failed"}); r.Code != http.StatusNoContent {
		t.Fatalf("trading's deposit check: %d %s", r.Code, r.Body.String())
	}
	// bidder2's from the opening page.
	var b2 int64
	for _, b := range rec.Bids {
		if b.Bidder == orgName(t, "bidder2") {
			b2 = b.ID
		}
	}
	st := e.browser("staff")
	wantRedirect(t, st.postForm(fmt.Sprintf("/evaluation/lots/%d/bids/%d/deposit", lot, b2), url.Values{"result": {"ok"}}), fmt.Sprintf("/evaluation/lots/%d", lot))
	want := map[string]string{orgName(t, "bidder1"): evaluation.DepositFailed, orgName(t, "bidder2"): evaluation.DepositOK, orgName(t, "bidder3"): evaluation.DepositUnchecked}
	for _, b := range opening(t, staffAPI, lot).Bids {
		if b.Deposit != want[b.Bidder] {
			t.Errorf("live deposit of %s: %q, want %q", b.Bidder, b.Deposit, want[b.Bidder])
		}
	}
	var check string
	if err := e.db.Get(&check, `SELECT deposit_check FROM trading_signups WHERE lot_id = ? AND deposit_check = 'ok'`, lot); err != nil || check != "ok" {
		t.Errorf("the page's check is not in trading: %q %v", check, err)
	}
	for _, u := range []string{"bidder1", "bidder2", "bidder3"} {
		mustOK(t, e.api(u).json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/confirmation", lot), map[string]any{"agree": true}))
	}
	mustOK(t, staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/opening/close", lot), nil))
	var rows []struct {
		Org     string `db:"org_name"`
		Deposit string `db:"deposit"`
	}
	if err := e.db.Select(&rows, `SELECT org_name, deposit FROM evaluation_bids WHERE lot_id = ?`, lot); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Deposit != want[r.Org] {
			t.Errorf("deposit of %s in the record: %q, want %q", r.Org, r.Deposit, want[r.Org])
		}
	}
}
