package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/demo"
	"ggzy/evaluation"
	"ggzy/filestore"
	"ggzy/problem"
	"ggzy/schedule"
	"ggzy/trading"
	"ggzy/wiring"
)

// The whole way from a registration to the bidders' price confirmations,
// through HTTP, with the timed-event engine doing at the deadline what it
// does in production (cmd/trading/events.go): the real trading, evaluation,
// expert-pool and schedule services wired as cmd/trading wires them.

// sweepDeadlines runs the due submission-deadline events on e's clock, with
// the handler cmd/trading registers.
func sweepDeadlines(t testing.TB, e *env) schedule.SweepResult {
	t.Helper()
	eng := schedule.NewEngine(e.db, e.clock, e.deps.Log)
	eng.Handle(trading.DeadlineEvent, wiring.DeadlineHandler(e.deps.Trading, e.deps.Evaluation))
	res, err := eng.SweepOnce(context.Background())
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	return res
}

// orgName is the organisation name of a demo user.
func orgName(t testing.TB, username string) string {
	t.Helper()
	for _, l := range demo.Logins() {
		if l.Username == username {
			return l.Org
		}
	}
	t.Fatalf("no demo user %s", username)
	return ""
}

// registerAndPublish is the agency's and staff's part: register an
// engineering project, submit it, staff accept it from the queue, the agency
// publishes it and the announcement is public.
func registerAndPublish(t testing.TB, e *env, title string) createdProject {
	t.Helper()
	ag := e.api("agency")
	r := ag.json("POST", "/api/v1/projects", engineeringProject(title))
	if r.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Code, r.Body.String())
	}
	var p trading.Project
	r.decode(t, &p)
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Code, r.Body.String())
	}
	staff := e.browser("staff")
	if r = staff.get("/staff/projects"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), title) {
		t.Fatalf("staff queue: %d, has title %v", r.Code, strings.Contains(r.Body.String(), title))
	}
	if r = staff.postForm(fmt.Sprintf("/staff/projects/%d/review", p.ID), url.Values{"decision": {"accept"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", r.Code, r.Body.String())
	}
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/publish", p.ID), map[string]any{}); r.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Code, r.Body.String())
	}
	var res struct{ Project trading.Project }
	r.decode(t, &res)
	out := createdProject{ID: p.ID, Code: res.Project.Code}
	for _, l := range res.Project.Lots {
		out.Lots = append(out.Lots, l.ID)
	}
	if err := e.db.Get(&out.AnnID, `SELECT id FROM trading_announcements WHERE project_id = ? AND type = 'tender'`, p.ID); err != nil {
		t.Fatal(err)
	}
	if r = e.anon().get(fmt.Sprintf("/announcements/%d", out.AnnID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), title) {
		t.Fatalf("public announcement: %d", r.Code)
	}
	return out
}

// bid signs username up for lot, records a deposit, submits a bid form
// with price and uploads a bid file, all through the API; it returns the
// file's receipt.
func bid(t *testing.T, e *env, username string, lot int64, price string) trading.Receipt {
	t.Helper()
	c := e.api(username)
	signUpAndDeposit(t, e, c, lot, "EG-FLOW-"+username)
	r := c.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": price, "duration": "365日历天", "quality": "合格"})
	if r.Code != http.StatusCreated {
		t.Fatalf("bid form of %s: %d %s", username, r.Code, r.Body.String())
	}
	var f trading.BidForm
	r.decode(t, &f)
	if f.Version != 1 || f.Status != trading.BidSubmitted || f.SHA256 != trading.BidFormDigest(lot, f.Price, "365日历天", "合格") || !f.ReceivedAt.Equal(e.clock.Now()) {
		t.Errorf("receipt of %s: %+v", username, f)
	}
	r = c.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", lot), "投标文件-"+username+".pdf", strings.NewReader("技术标和商务标 "+username))
	if r.Code != http.StatusCreated {
		t.Fatalf("bid file of %s: %d %s", username, r.Code, r.Body.String())
	}
	var rec trading.Receipt
	r.decode(t, &rec)
	return rec
}

func opening(t *testing.T, c *client, lot int64) evaluation.OpeningRecord {
	t.Helper()
	r := c.json("GET", fmt.Sprintf("/api/v1/evaluation/lots/%d/opening", lot), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("opening as %s: %d %s", c.user, r.Code, r.Body.String())
	}
	var rec evaluation.OpeningRecord
	r.decode(t, &rec)
	return rec
}

func TestFlowRegistrationToPriceConfirmation(t *testing.T) {
	e := newEnv(t)
	title := uniqueTitle("全流程测试道路工程")
	p := registerAndPublish(t, e, title)
	lot := p.Lots[0]
	deadline := sh("2026-03-30 09:30")

	e.clock.Set(sh("2026-03-05 10:00"))
	prices := map[string]string{"bidder1": "9,100,000.00", "bidder2": "9,050,000.50", "bidder3": "8,990,000.00"}
	for _, u := range []string{"bidder1", "bidder2", "bidder3"} {
		bid(t, e, u, lot, prices[u])
		e.clock.Advance(time.Minute)
	}
	// bidder1 lowers its price on the bid page (the form replaces the first).
	b1 := e.browser("bidder1")
	r := b1.postForm(fmt.Sprintf("/bidder/lots/%d/form", lot), url.Values{"price": {"9,080,000.00"}, "duration": {"360日历天"}, "quality": {"合格"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("replace bid form on the page: %d %s", r.Code, r.Body.String())
	}
	prices["bidder1"] = "9,080,000.00"
	if r = b1.get(fmt.Sprintf("/bidder/lots/%d", lot)); !strings.Contains(r.Body.String(), "9,080,000.00") || !strings.Contains(r.Body.String(), "玖佰零捌万元整") {
		t.Errorf("the bid page does not show the replaced form: %.2000s", r.Body.String())
	}
	// A bad price is refused with its field, on the page and in the API.
	if r = b1.postForm(fmt.Sprintf("/bidder/lots/%d/form", lot), url.Values{"price": {"9.100.000"}, "duration": {"1"}, "quality": {"合格"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "投标报价应为金额") {
		t.Errorf("bad price on the page: %d", r.Code)
	}
	if r = e.api("bidder2").json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": "-1", "duration": "", "quality": "合格"}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), `"field":"price","code":"price_invalid"`) {
		t.Errorf("negative price: %d %s", r.Code, r.Body.String())
	}
	// bidder4 signed up but submits nothing: not a bid.
	signUpAndDeposit(t, e, e.api("bidder4"), lot, "EG-FLOW-bidder4")

	// Before the deadline the opening does not exist for anyone.
	if r = e.api("staff").json("GET", fmt.Sprintf("/api/v1/evaluation/lots/%d/opening", lot), nil); r.Code != http.StatusNotFound {
		t.Errorf("opening before the deadline: %d %s", r.Code, r.Body.String())
	}
	if res := sweepDeadlines(t, e); res.Claimed != 0 {
		t.Errorf("a sweep before the deadline ran %d events", res.Claimed)
	}

	// The deadline instant itself refuses a bid form.
	e.clock.Set(deadline)
	if r = e.api("bidder3").json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": "1", "duration": "1日", "quality": "合格"}); r.Code != http.StatusConflict || r.errorCode(t) != "deadline_passed" {
		t.Errorf("bid form at the deadline: %d %s", r.Code, r.Body.String())
	}
	sweepDeadlines(t, e)
	var status string
	if err := e.db.Get(&status, `SELECT status FROM trading_lots WHERE id = ?`, lot); err != nil || status != trading.LotClosed {
		t.Fatalf("lot status %q, %v", status, err)
	}

	// Staff see the 唱标 list: three bids with their prices, in the order of
	// their last submission (bidder1 replaced its form last).
	rec := opening(t, e.api("staff"), lot)
	if rec.State != evaluation.StateOpening || len(rec.Bids) != 3 {
		t.Fatalf("opening: state %s, %d bids: %+v", rec.State, len(rec.Bids), rec.Bids)
	}
	for i, u := range []string{"bidder2", "bidder3", "bidder1"} {
		b := rec.Bids[i]
		if b.Bidder != orgName(t, u) || b.PriceText != prices[u] || b.Unseal != evaluation.UnsealOK || b.Quality != "合格" || b.Confirm != evaluation.ConfirmPending {
			t.Errorf("bid %d: %+v, want %s at %s", i, b, orgName(t, u), prices[u])
		}
	}
	if rec.Bids[2].Duration != "360日历天" {
		t.Errorf("bidder1's duration %q: the replaced form was not read", rec.Bids[2].Duration)
	}
	if r = e.browser("staff").get(fmt.Sprintf("/evaluation/lots/%d", lot)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "8,990,000.00") {
		t.Errorf("staff opening page: %d", r.Code)
	}
	// The trading side's opening view names everyone who signed up.
	if r = e.api("staff").json("GET", fmt.Sprintf("/api/v1/lots/%d/opening", lot), nil); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), orgName(t, "bidder4")) {
		t.Errorf("trading opening: %d", r.Code)
	}

	// Each bidder confirms its price as read out.
	for _, u := range []string{"bidder1", "bidder2", "bidder3"} {
		c := e.api(u)
		mine := opening(t, c, lot)
		var seen bool
		for _, b := range mine.Bids {
			if b.Mine {
				seen = b.PriceText == prices[u]
			}
		}
		if !seen {
			t.Errorf("%s does not see its own price %s", u, prices[u])
		}
		if r = c.json("POST", fmt.Sprintf("/api/v1/evaluation/lots/%d/confirmation", lot), map[string]any{"agree": true}); r.Code != http.StatusOK {
			t.Errorf("confirm as %s: %d %s", u, r.Code, r.Body.String())
		}
	}
	// bidder4 submitted nothing: it has no bid to confirm.
	if r = e.api("bidder4").json("POST", fmt.Sprintf("/api/v1/evaluation/lots/%d/confirmation", lot), map[string]any{"agree": true}); r.Code != http.StatusNotFound {
		t.Errorf("confirm as bidder4: %d %s", r.Code, r.Body.String())
	}
	rec = opening(t, e.api("staff"), lot)
	for _, b := range rec.Bids {
		if b.Confirm != evaluation.ConfirmConfirmed {
			t.Errorf("%s: %s", b.Bidder, b.Confirm)
		}
	}
	// A second sweep is idempotent; the unsealing is on the project's record once.
	sweepDeadlines(t, e)
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.bids.unseal' AND object_id = ?`, fmt.Sprint(lot)); n != 1 {
		t.Errorf("%d unseal events", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_bids WHERE lot_id = ?`, lot); n != 3 {
		t.Errorf("%d opened bids", n)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Errorf("audit chain: %+v", rep)
	}
}

func TestFlowFailedOpeningWithTwoBidders(t *testing.T) {
	e := newEnv(t)
	p := registerAndPublish(t, e, uniqueTitle("流标测试排水工程"))
	lot := p.Lots[1]
	e.clock.Set(sh("2026-03-06 10:00"))
	bid(t, e, "bidder1", lot, "3,900,000")
	bid(t, e, "bidder2", lot, "3,850,000")

	e.clock.Set(sh("2026-03-30 09:30").Add(time.Second))
	sweepDeadlines(t, e)
	rec := opening(t, e.api("staff"), lot)
	if rec.State != evaluation.StateFailedOpening || !strings.Contains(rec.Outcome, "少于3个") || len(rec.Bids) != 2 {
		t.Fatalf("opening: state %s, outcome %q, %d bids", rec.State, rec.Outcome, len(rec.Bids))
	}
	for _, b := range rec.Bids {
		if b.Unseal != evaluation.UnsealNotOpened || b.Price != 0 {
			t.Errorf("a bid of a failed opening was read out: %+v", b)
		}
	}
	// The lot is returned for re-tendering, once, and staff see why.
	var reason string
	if err := e.db.Get(&reason, `SELECT retender_reason FROM trading_lots WHERE id = ?`, lot); err != nil || !strings.Contains(reason, "重新招标") {
		t.Errorf("retender reason %q, %v", reason, err)
	}
	if r := e.browser("staff").get(fmt.Sprintf("/staff/lots/%d", lot)); !strings.Contains(r.Body.String(), "流标") {
		t.Errorf("staff lot page does not show the failed tender")
	}
	if err := e.deps.Trading.Retender(tradingCtx(e, "staff"), lot, "again"); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.lot.retender' AND object_id = ?`, fmt.Sprint(lot)); n != 1 {
		t.Errorf("%d retender events", n)
	}
	// Bidders of a failed opening have no price to confirm.
	if r := e.api("bidder1").json("POST", fmt.Sprintf("/api/v1/evaluation/lots/%d/confirmation", lot), map[string]any{"agree": true}); r.Code != http.StatusConflict {
		t.Errorf("confirm at a failed opening: %d %s", r.Code, r.Body.String())
	}
}

// TestFlowUnsealFailures: a bid without a bid form counts as withdrawn (the
// bidder's fault); a bid whose stored file no longer decrypts is a failed
// unsealing that is not the bidder's fault. Two valid bids remain of three
// submitted: the opening fails (流标). Unsealing is for the timed job and
// staff, after the deadline only.
func TestFlowUnsealFailures(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("解密失败测试工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-07 10:00"))
	bid(t, e, "bidder1", lot, "9,000,000")
	bid(t, e, "bidder2", lot, "9,100,000")
	damaged := bid(t, e, "bidder4", lot, "9,200,000")
	c3 := e.api("bidder3")
	signUpAndDeposit(t, e, c3, lot, "EG-FLOW-bidder3")
	if r := c3.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", lot), "只有文件.pdf", strings.NewReader("没有投标函")); r.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Code, r.Body.String())
	}
	// A form withdrawn before the deadline is no form.
	if r := c3.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": "1", "duration": "1日", "quality": "合格"}); r.Code != http.StatusCreated {
		t.Fatalf("form: %d %s", r.Code, r.Body.String())
	}
	if r := c3.json("DELETE", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), nil); r.Code != http.StatusNoContent {
		t.Fatalf("withdraw form: %d %s", r.Code, r.Body.String())
	}
	if r := c3.json("GET", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), nil); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"status":"withdrawn"`) {
		t.Errorf("withdrawn form: %d %s", r.Code, r.Body.String())
	}

	// Before the deadline nobody unseals, not even the timed job.
	sys := audit.WithActor(context.Background(), audit.System)
	if _, err := e.deps.Trading.OpenBids(sys, lot); !problem.Is(err, "sealed_until_opening") {
		t.Errorf("OpenBids before the close: %v", err)
	}
	e.clock.Set(sh("2026-03-30 09:30"))
	if err := e.deps.Trading.CloseSubmissions(sys, lot); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"bidder1", "supervisor", "agency"} {
		if _, err := e.deps.Trading.OpenBids(tradingCtx(e, u), lot); !problem.Is(err, "forbidden") {
			t.Errorf("OpenBids as %s: %v", u, err)
		}
	}
	// bidder4's stored file is damaged (the store's fault, not the bidder's).
	var object string
	if err := e.db.Get(&object, `SELECT object FROM trading_bid_files WHERE id = ?`, damaged.FileID); err != nil {
		t.Fatal(err)
	}
	root := e.deps.Trading.Files.(filestore.Local).Root
	path := filepath.Join(root, object[:2], object[2:4], object)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	sweepDeadlines(t, e)
	rec := opening(t, e.api("staff"), lot)
	got := map[string]evaluation.OpenedBidView{}
	for _, b := range rec.Bids {
		got[b.Bidder] = b
	}
	if len(rec.Bids) != 4 {
		t.Fatalf("%d bids: %+v", len(rec.Bids), rec.Bids)
	}
	if b := got[orgName(t, "bidder3")]; b.Unseal != evaluation.UnsealWithdrawn {
		t.Errorf("bid without a form: %+v", b)
	}
	if b := got[orgName(t, "bidder4")]; b.Unseal != evaluation.UnsealFailed || b.Price != 0 || !strings.Contains(b.UnsealNote, "解密失败") {
		t.Errorf("damaged file: %+v", b)
	}
	if b := got[orgName(t, "bidder1")]; b.Unseal != evaluation.UnsealOK || b.PriceText != "9,000,000.00" {
		t.Errorf("valid bid: %+v", b)
	}
	if rec.State != evaluation.StateFailedOpening || !strings.Contains(rec.Outcome, "有效投标不足3个") {
		t.Errorf("state %s, outcome %q", rec.State, rec.Outcome)
	}
}
