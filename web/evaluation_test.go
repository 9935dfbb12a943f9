package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/evaluation"
	"ggzy/evaluation/evaltest"
	"ggzy/filestore"
	"ggzy/money"
)

// newEvaluation is the evaluation service of newEnv: a real database and
// fakes of the other areas (an empty evaltest.World; tests fill their own).
func newEvaluation(x *sqlx.DB, clk clock.Clock) *evaluation.Service {
	s := &evaluation.Service{DB: x, Clock: clk}
	evaltest.New().Wire(s)
	return s
}

var evalLotSeq atomic.Int64

// evalFixture is one lot with its bids, committee, room, terminal and
// booking, the world faked around the real evaluation service.
type evalFixture struct {
	e       *env
	w       *evaltest.World
	lot     int64
	project int64
	token   string
	experts map[string]*client // API clients by username, presenting the terminal token
	bidders map[string]*client
}

func userID(t testing.TB, e *env, username string) (id, org int64) {
	t.Helper()
	var r struct {
		ID  int64  `db:"id"`
		Org *int64 `db:"org_id"`
	}
	if err := e.db.Get(&r, `SELECT id, org_id FROM users WHERE username = ?`, username); err != nil {
		t.Fatal(err)
	}
	if r.Org != nil {
		org = *r.Org
	}
	return r.ID, org
}

// newEvalFixture sets up a lot with five bids (bidder1…bidder5), a committee
// of size members (expert1…) with the remaining experts as backups, and a
// terminal room booked for the project's evaluation from now on.
func newEvalFixture(t testing.TB, e *env, size int) *evalFixture {
	t.Helper()
	w := evaltest.New()
	w.Wire(e.deps.Evaluation)
	e.deps.Evaluation.Files = filestore.Local{Root: t.TempDir()} // issued documents are kept and downloadable
	lot := 70_000 + evalLotSeq.Add(1)*10 + time.Now().UnixNano()%7
	f := &evalFixture{e: e, w: w, lot: lot, project: lot * 10, token: fmt.Sprintf("rt_test_%d", lot), experts: map[string]*client{}, bidders: map[string]*client{}}
	_, agencyOrg := userID(t, e, "agency")
	w.AddLot(lot, evaluation.LotInfo{ProjectID: f.project, ProjectCode: "GC2026-0007", Title: "示范市滨江道路改造工程", LotName: "第一标段",
		Kind: "engineering", AgencyOrgID: agencyOrg, Tenderer: "示范市城市建设投资有限公司", Agency: "示范工程招标代理有限公司", Ceiling: money.Fen(10_000_000_00), Deadline: e.clock.Now()})
	var orgs []int64
	for i := 1; i <= 5; i++ {
		_, org := userID(t, e, fmt.Sprintf("bidder%d", i))
		orgs = append(orgs, org)
	}
	w.SetBids(lot, evaltest.Bids(5, orgs, 9_000_000_00))
	var members, backups []evaluation.Member
	for i := 1; i <= 9; i++ {
		uid, _ := userID(t, e, fmt.Sprintf("expert%d", i))
		m := evaluation.Member{ExpertID: int64(100 + i), UserID: uid, Name: fmt.Sprintf("专家%d", i)}
		if i <= size {
			members = append(members, m)
		} else {
			backups = append(backups, m)
		}
	}
	w.SetCommittee(lot, members, backups)
	w.AddTerminal(f.token, lot) // room id = lot id
	w.Book(lot, f.project, e.clock.Now().Add(-time.Hour), e.clock.Now().Add(24*time.Hour))
	return f
}

// expert returns the API client of an expert at the fixture's terminal.
func (f *evalFixture) expert(name string) *client {
	if c, ok := f.experts[name]; ok {
		return c
	}
	c := f.e.api(name)
	f.experts[name] = c
	return c
}

func (f *evalFixture) bidder(name string) *client {
	if c, ok := f.bidders[name]; ok {
		return c
	}
	c := f.e.api(name)
	f.bidders[name] = c
	return c
}

// desk sends a terminal request (with the device token).
func (f *evalFixture) desk(name, method, path string, body any) response {
	return f.deskWith(name, f.token, method, path, body)
}

func (f *evalFixture) deskWith(name, token, method, path string, body any) response {
	c := f.expert(name)
	req := jsonRequest(f.e.t, method, fmt.Sprintf("/api/v1/evaluation/terminal/lots/%d%s", f.lot, path), body)
	if token != "" {
		req.Header.Set(terminalHeader, token)
	}
	return c.do(req)
}

// jsonRequest builds a JSON request (the client adds cookies and token).
func jsonRequest(t testing.TB, method, path string, body any) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req
}

func (f *evalFixture) path(p string) string {
	return fmt.Sprintf("/api/v1/evaluation/lots/%d%s", f.lot, p)
}

func wantStatus(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body.String())
	}
	if code != "" {
		if got := r.errorCode(t); got != code {
			t.Fatalf("error code %q, want %q: %s", got, code, r.Body.String())
		}
	}
}

func mustOK(t testing.TB, r response) {
	t.Helper()
	if r.Code != http.StatusOK && r.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", r.Code, r.Body.String())
	}
}

func (f *evalFixture) deskView(t testing.TB, name string) evaluation.Desk {
	t.Helper()
	r := f.desk(name, http.MethodGet, "", nil)
	mustOK(t, r)
	var d evaluation.Desk
	r.decode(t, &d)
	return d
}

// openAndSeat runs the opening (all bidders confirm) and starts the
// evaluation with the committee declared and expert1 elected chair.
// startEvaluation plans the lot, opens it with every bidder's agreement,
// closes the opening and starts the evaluation.
func (f *evalFixture) startEvaluation(t testing.TB) {
	t.Helper()
	e := f.e
	staffAPI := e.api("staff")
	mustOK(t, e.api("agency").json(http.MethodPut, f.path("/plan"), evaltest.Plan()))
	mustOK(t, staffAPI.json(http.MethodPost, f.path("/opening"), nil))
	for i := 1; i <= 5; i++ {
		mustOK(t, f.bidder(fmt.Sprintf("bidder%d", i)).json(http.MethodPost, f.path("/confirmation"), map[string]any{"agree": true}))
	}
	mustOK(t, staffAPI.json(http.MethodPost, f.path("/opening/close"), nil))
	mustOK(t, staffAPI.json(http.MethodPost, f.path("/evaluation"), nil))
}

func (f *evalFixture) openAndSeat(t testing.TB, committee []string) evaluation.Desk {
	t.Helper()
	f.startEvaluation(t)
	for _, x := range committee {
		mustOK(t, f.desk(x, http.MethodPost, "/declaration", map[string]any{"commitment": true}))
	}
	d := f.deskView(t, committee[0])
	for _, x := range committee {
		mustOK(t, f.desk(x, http.MethodPost, "/chair", map[string]any{"member_id": d.Me.ID}))
	}
	return f.deskView(t, committee[0])
}

// reviewAll has every member pass every bid, except that the bids named in
// fail are failed by every member on the first criterion.
func (f *evalFixture) reviewAll(t testing.TB, committee []string, d evaluation.Desk, fail map[int64]bool) {
	t.Helper()
	for _, x := range committee {
		for _, b := range d.Bids {
			for _, c := range d.ReviewCriteria() {
				body := map[string]any{"bid_id": b.ID, "criterion_id": c.ID, "pass": true}
				if fail[b.ID] && c.ID == d.ReviewCriteria()[0].ID {
					body = map[string]any{"bid_id": b.ID, "criterion_id": c.ID, "pass": false, "ground": evaluation.RejectionGrounds[2], "reason": "资质证书已过有效期"}
				}
				mustOK(t, f.desk(x, http.MethodPut, "/reviews", body))
			}
		}
	}
}

// TestEvaluationFullFlow goes from the opening through the evaluation at a
// terminal, the signatures, the publicity with an objection, to the award,
// through HTTP, checking the bad inputs on the way.
func TestEvaluationFullFlow(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	staffAPI, agencyAPI := e.api("staff"), e.api("agency")

	// Plan: only the project's agency (or staff) may set it; bad input is refused.
	wantStatus(t, e.api("agency2").json(http.MethodPut, f.path("/plan"), evaltest.Plan()), http.StatusForbidden, "forbidden")
	bad := evaltest.Plan()
	bad.Criteria[2].Max = "35" // total 105
	wantStatus(t, agencyAPI.json(http.MethodPut, f.path("/plan"), bad), http.StatusBadRequest, "validation_failed")
	mustOK(t, agencyAPI.json(http.MethodPut, f.path("/plan"), evaltest.Plan()))

	// Before the opening a bidder sees nothing.
	wantStatus(t, f.bidder("bidder1").json(http.MethodGet, f.path("/opening"), nil), http.StatusNotFound, "evaluation_not_found")

	// Opening: unseal, 唱标, confirmations and an objection.
	mustOK(t, staffAPI.json(http.MethodPost, f.path("/opening"), nil))
	mustOK(t, staffAPI.json(http.MethodPost, f.path("/opening"), nil)) // idempotent
	var rec evaluation.OpeningRecord
	r := f.bidder("bidder1").json(http.MethodGet, f.path("/opening"), nil)
	mustOK(t, r)
	r.decode(t, &rec)
	if rec.State != evaluation.StateOpening || len(rec.Bids) != 5 || rec.Bids[0].PriceText != "9,000,000.00" {
		t.Fatalf("opening record: %+v", rec)
	}
	mustOK(t, f.bidder("bidder1").json(http.MethodPost, f.path("/signin"), nil))
	wantStatus(t, f.bidder("bidder1").json(http.MethodPost, f.path("/signin"), nil), http.StatusConflict, "already_signed_in")
	mustOK(t, f.bidder("bidder1").json(http.MethodPost, f.path("/confirmation"), map[string]any{"agree": true}))
	wantStatus(t, f.bidder("bidder1").json(http.MethodPost, f.path("/confirmation"), map[string]any{"agree": true}), http.StatusConflict, "already_confirmed")
	wantStatus(t, f.bidder("bidder2").json(http.MethodPost, f.path("/confirmation"), map[string]any{"agree": false}), http.StatusBadRequest, "validation_failed")
	mustOK(t, f.bidder("bidder2").json(http.MethodPost, f.path("/confirmation"), map[string]any{"agree": false, "note": "唱标报价与投标文件不一致"}))
	wantStatus(t, staffAPI.json(http.MethodPost, f.path("/opening/close"), nil), http.StatusConflict, "confirm_window_open")
	e.clock.Advance(31 * time.Minute)
	wantStatus(t, f.bidder("bidder3").json(http.MethodPost, f.path("/confirmation"), map[string]any{"agree": true}), http.StatusConflict, "confirm_window_closed")
	wantStatus(t, staffAPI.json(http.MethodPost, f.path("/opening/close"), nil), http.StatusConflict, "objections_open")
	var objID int64
	if err := e.db.Get(&objID, `SELECT id FROM evaluation_objections WHERE lot_id = ?`, f.lot); err != nil {
		t.Fatal(err)
	}
	mustOK(t, staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/objections/%d/answer", objID), map[string]any{"answer": "经核对投标文件，唱标无误"}))
	mustOK(t, staffAPI.json(http.MethodPost, f.path("/opening/close"), nil))
	// Opening again once the opening is over says so, rather than "ok".
	wantStatus(t, staffAPI.json(http.MethodPost, f.path("/opening"), nil), http.StatusConflict, "already_opened")
	if n := e.count(`SELECT COUNT(*) FROM evaluation_bids WHERE lot_id = ? AND confirm = 'deemed'`, f.lot); n != 3 {
		t.Errorf("deemed confirmations %d, want 3", n)
	}
	mustOK(t, staffAPI.json(http.MethodPost, f.path("/evaluation"), nil))

	// The terminal rule.
	wantStatus(t, f.deskWith("expert1", "", http.MethodGet, "", nil), http.StatusForbidden, "terminal_required")
	wantStatus(t, f.deskWith("expert1", "rt_unknown", http.MethodGet, "", nil), http.StatusForbidden, "terminal_required")
	f.w.AddTerminal("rt_other_room", f.lot+1)
	f.w.Book(f.lot+1, f.project+1, e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour))
	wantStatus(t, f.deskWith("expert1", "rt_other_room", http.MethodGet, "", nil), http.StatusForbidden, "terminal_wrong_room")
	f.w.AddTerminal("rt_idle_room", f.lot+2)
	wantStatus(t, f.deskWith("expert1", "rt_idle_room", http.MethodPost, "/declaration", map[string]any{"commitment": true}), http.StatusForbidden, "outside_session")
	wantStatus(t, f.desk("expert7", http.MethodGet, "", nil), http.StatusForbidden, "not_on_committee")
	wantStatus(t, f.desk("expert1", http.MethodPost, "/declaration", map[string]any{"commitment": false}), http.StatusBadRequest, "validation_failed")

	// Declarations: expert5 declares a conflict and the first backup (expert6) comes in.
	for _, x := range []string{"expert1", "expert2", "expert3", "expert4"} {
		mustOK(t, f.desk(x, http.MethodPost, "/declaration", map[string]any{"commitment": true}))
	}
	wantStatus(t, f.desk("expert1", http.MethodPost, "/declaration", map[string]any{"commitment": true}), http.StatusConflict, "already_declared")
	r = f.desk("expert5", http.MethodPost, "/declaration", map[string]any{"commitment": true, "conflict": true, "note": "近三年曾在投标单位03有限公司任职"})
	mustOK(t, r)
	wantStatus(t, f.desk("expert5", http.MethodGet, "", nil), http.StatusForbidden, "not_on_committee")
	mustOK(t, f.desk("expert6", http.MethodPost, "/declaration", map[string]any{"commitment": true}))
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert6"}

	// Chair.
	d := f.deskView(t, "expert1")
	for _, x := range committee {
		mustOK(t, f.desk(x, http.MethodPost, "/chair", map[string]any{"member_id": d.Me.ID}))
	}
	wantStatus(t, f.desk("expert2", http.MethodPost, "/chair", map[string]any{"member_id": d.Me.ID}), http.StatusConflict, "chair_elected")
	d = f.deskView(t, "expert1")
	if !d.IsChair || d.Step() != "review" {
		t.Fatalf("chair %v step %s", d.IsChair, d.Step())
	}

	// Preliminary review: a fail needs a ground and a reason.
	b5 := d.Bids[4].ID
	crit1 := d.ReviewCriteria()[0].ID
	r = f.desk("expert1", http.MethodPut, "/reviews", map[string]any{"bid_id": b5, "criterion_id": crit1, "pass": false})
	wantStatus(t, r, http.StatusBadRequest, "validation_failed")
	if !strings.Contains(r.Body.String(), `"field":"reason"`) || !strings.Contains(r.Body.String(), `"field":"ground"`) {
		t.Errorf("fail without reason: %s", r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_reviews WHERE lot_id = ?`, f.lot); n != 0 {
		t.Fatalf("a refused review was written: %d rows", n)
	}
	wantStatus(t, f.desk("expert2", http.MethodPost, "/reviews/confirm", nil), http.StatusForbidden, "chair_only")
	f.reviewAll(t, committee, d, map[int64]bool{b5: true})
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))

	// Scores: within 0…max, only for qualified bids.
	d = f.deskView(t, "expert1")
	scored := d.ScoredCriteria()
	b1 := d.Bids[0].ID
	wantStatus(t, f.desk("expert1", http.MethodPut, "/scores", map[string]any{"bid_id": b1, "criterion_id": scored[0].ID, "points": "30.5"}), http.StatusBadRequest, "points_above_max")
	wantStatus(t, f.desk("expert1", http.MethodPut, "/scores", map[string]any{"bid_id": b1, "criterion_id": scored[0].ID, "points": "-1"}), http.StatusBadRequest, "validation_failed")
	wantStatus(t, f.desk("expert1", http.MethodPut, "/scores", map[string]any{"bid_id": b1, "criterion_id": scored[0].ID, "points": "8.123"}), http.StatusBadRequest, "validation_failed")
	wantStatus(t, f.desk("expert1", http.MethodPut, "/scores", map[string]any{"bid_id": b5, "criterion_id": scored[0].ID, "points": "8"}), http.StatusBadRequest, "bid_not_qualified")
	if n := e.count(`SELECT COUNT(*) FROM evaluation_scores WHERE lot_id = ?`, f.lot); n != 0 {
		t.Fatalf("refused scores were written: %d", n)
	}
	scoreAll := func(x string, bump int) {
		for i, b := range d.Bids[:4] {
			for j, c := range scored {
				p := (c.Max * Points(80)) / 100 // 80 % of the maximum
				p -= Points(i * 50)             // better bids first
				if bump != 0 && i == 0 && j == 0 {
					p = Points(bump)
				}
				mustOK(t, f.desk(x, http.MethodPut, "/scores", map[string]any{"bid_id": b.ID, "criterion_id": c.ID, "points": p.String()}))
			}
		}
	}
	for _, x := range committee {
		bump := 0
		if x == "expert2" {
			bump = 500 // 5.00 of 30 where the others give 24.00: deviates
		}
		scoreAll(x, bump)
	}
	// A member replaced mid-evaluation has his scores voided; the backup scores afresh.
	var m3 int64
	for _, m := range d.Members {
		if m.Name == "专家3" {
			m3 = m.ID
		}
	}
	mustOK(t, staffAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/members/%d/replace", f.lot, m3), map[string]any{"reason": "突发疾病离场"}))
	if n := e.count(`SELECT COUNT(*) FROM evaluation_scores WHERE member_id = ? AND voided = 1`, m3); n != 12 {
		t.Errorf("voided scores of the replaced member: %d, want 12", n)
	}
	wantStatus(t, f.desk("expert3", http.MethodPut, "/scores", map[string]any{"bid_id": b1, "criterion_id": scored[0].ID, "points": "20"}), http.StatusForbidden, "not_on_committee")
	wantStatus(t, f.desk("expert7", http.MethodPut, "/scores", map[string]any{"bid_id": b1, "criterion_id": scored[0].ID, "points": "20"}), http.StatusConflict, "declaration_first")
	mustOK(t, f.desk("expert7", http.MethodPost, "/declaration", map[string]any{"commitment": true}))
	wantStatus(t, f.desk("expert1", http.MethodPost, "/summary", nil), http.StatusConflict, "summary_blocked")
	scoreAll("expert7", 0)
	committee = []string{"expert1", "expert2", "expert4", "expert6", "expert7"}

	// The deviating score blocks the summary until it has its reason.
	r = f.desk("expert1", http.MethodPost, "/summary", nil)
	wantStatus(t, r, http.StatusConflict, "summary_blocked")
	if !strings.Contains(r.Body.String(), "deviation_reason_required") {
		t.Fatalf("summary blocked without naming the deviation: %s", r.Body.String())
	}
	d2 := f.deskView(t, "expert2")
	if !d2.Bids[0].Scores[0].Flagged {
		t.Error("the deviating score is not flagged on the expert's desk")
	}
	mustOK(t, f.desk("expert2", http.MethodPut, "/scores", map[string]any{"bid_id": b1, "criterion_id": scored[0].ID, "points": "5", "reason": "施工组织设计缺少雨季施工措施"}))
	mustOK(t, f.desk("expert1", http.MethodPost, "/summary", nil))

	// Ranking and candidates.
	d = f.deskView(t, "expert1")
	if len(d.Results) != 5 {
		t.Fatalf("results: %+v", d.Results)
	}
	cands := 0
	for i, l := range d.Results {
		if l.Candidate {
			cands++
		}
		if i < 4 && l.Rank != i+1 {
			t.Errorf("rank of line %d: %d", i, l.Rank)
		}
	}
	if cands != 3 || d.Results[4].Qualified || d.Results[4].Rank != 0 {
		t.Errorf("candidates %d, rejected line %+v", cands, d.Results[4])
	}
	// Mean of 5 experts on bid 1, criterion 1: (5 + 4×24)/5 = 20.20; price score 40 × lowest / price.
	top := d.Results[0]
	if top.Total != top.Technical+top.PricePoints || top.PricePoints > 4000 {
		t.Errorf("top line: %+v", top)
	}

	// Confidential until published: the agency and bidders see no result yet.
	wantStatus(t, agencyAPI.json(http.MethodGet, f.path("/result"), nil), http.StatusNotFound, "evaluation_not_found")
	wantStatus(t, f.bidder("bidder1").json(http.MethodGet, f.path("/result"), nil), http.StatusNotFound, "evaluation_not_found")

	// Signatures: once each; a dissent needs its reason; silence counts as agreement.
	wantStatus(t, f.desk("expert2", http.MethodPost, "/close", nil), http.StatusForbidden, "chair_only")
	mustOK(t, f.desk("expert1", http.MethodPost, "/signature", map[string]any{"agree": true}))
	wantStatus(t, f.desk("expert1", http.MethodPost, "/signature", map[string]any{"agree": true}), http.StatusConflict, "already_signed")
	wantStatus(t, f.desk("expert2", http.MethodPost, "/signature", map[string]any{"agree": false}), http.StatusBadRequest, "validation_failed")
	mustOK(t, f.desk("expert2", http.MethodPost, "/signature", map[string]any{"agree": false, "dissent": "第一名施工组织设计评分偏高"}))
	mustOK(t, f.desk("expert4", http.MethodPost, "/signature", map[string]any{"agree": true}))
	mustOK(t, f.desk("expert1", http.MethodPost, "/close", nil))
	if n := e.count(`SELECT COUNT(*) FROM evaluation_members WHERE lot_id = ? AND signature = 'refused'`, f.lot); n != 2 {
		t.Errorf("refusals counted as agreement: %d, want 2", n)
	}

	// Publicity: ≥ 3 日 as a timed event; an objection pauses it.
	wantStatus(t, f.bidder("bidder1").json(http.MethodPost, f.path("/publicity"), nil), http.StatusForbidden, "forbidden")
	mustOK(t, agencyAPI.json(http.MethodPost, f.path("/publicity"), nil))
	if n := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target = ? AND state = 'pending'`, evaluation.PublicityEvent, fmt.Sprintf("lot:%d", f.lot)); n != 1 {
		t.Fatalf("publicity end event: %d", n)
	}
	var res evaluation.Result
	r = f.bidder("bidder3").json(http.MethodGet, f.path("/result"), nil)
	mustOK(t, r)
	r.decode(t, &res)
	if len(res.Lines) != 5 || len(res.Members) != 0 {
		t.Errorf("bidder during publicity: %d lines, %d members (names must stay hidden)", len(res.Lines), len(res.Members))
	}
	e.clock.Advance(24 * time.Hour)
	r = e.api("bidder4").json(http.MethodPost, f.path("/objections"), map[string]any{"body": "第一中标候选人项目经理有在建工程"})
	wantStatus(t, r, http.StatusCreated, "")
	var obj struct{ ID int64 }
	r.decode(t, &obj)
	// The same objection again while it waits for its answer is not a
	// second one (twenty identical submissions stored twenty).
	wantStatus(t, e.api("bidder4").json(http.MethodPost, f.path("/objections"), map[string]any{"body": "第一中标候选人项目经理有在建工程"}), http.StatusConflict, "objection_exists")
	if n := e.count(`SELECT COUNT(*) FROM evaluation_objections WHERE lot_id = ? AND stage = 'publicity'`, f.lot); n != 1 {
		t.Errorf("%d objections during the publicity, want 1", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target = ? AND state = 'cancelled'`, evaluation.PublicityEvent, fmt.Sprintf("lot:%d", f.lot)); n != 1 {
		t.Fatalf("paused publicity still has its end event")
	}
	e.clock.Advance(3 * 24 * time.Hour)
	ctx := context.Background()
	if err := e.deps.Evaluation.EndPublicity(ctx, f.lot); err != nil {
		t.Fatal(err)
	}
	agencyAPI = e.api("agency") // tokens do not outlive days of fake time
	wantStatus(t, agencyAPI.json(http.MethodPost, f.path("/award"), nil), http.StatusConflict, "wrong_state")
	mustOK(t, agencyAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/objections/%d/answer", obj.ID), map[string]any{"answer": "经核查，该项目经理无在建工程"}))
	var due time.Time
	if err := e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ? AND state = 'pending'`, evaluation.PublicityEvent, fmt.Sprintf("lot:%d", f.lot)); err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(48 * time.Hour); !due.Equal(want.Truncate(time.Microsecond)) {
		t.Errorf("resumed end %s, want %s (the remaining two days)", due, want)
	}
	e.clock.Advance(48 * time.Hour)
	for range 2 { // the handler is idempotent
		if err := e.deps.Evaluation.EndPublicity(ctx, f.lot); err != nil {
			t.Fatal(err)
		}
	}
	var award evaluation.Award
	agencyAPI = e.api("agency")
	r = agencyAPI.json(http.MethodPost, f.path("/award"), nil)
	mustOK(t, r)
	r.decode(t, &award)
	if award.Winner != top.Bidder {
		t.Errorf("award to %q, want the first candidate %q", award.Winner, top.Bidder)
	}
	wantStatus(t, agencyAPI.json(http.MethodPost, f.path("/award"), nil), http.StatusConflict, "wrong_state")
	r = agencyAPI.json(http.MethodGet, f.path("/result"), nil)
	mustOK(t, r)
	res = evaluation.Result{}
	r.decode(t, &res)
	if len(res.Members) != 7 || res.Award == nil {
		t.Errorf("after the award: %d members, award %v", len(res.Members), res.Award)
	}

	// Every change is in the project's archive, and the chain holds.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action LIKE 'evaluation.%'`, f.project); n < 100 {
		t.Errorf("audit events of the project: %d", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND summary LIKE '%专家%'`, f.project); n != 0 {
		t.Errorf("%d audit summaries name experts", n)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Fatalf("audit chain: %+v", rep)
	}
}

// TestEvaluationFailedPath: the committee rejects all but two bids and ends
// the evaluation without candidates; the lot goes back for re-tendering.
func TestEvaluationFailedPath(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d := f.openAndSeat(t, committee)
	fail := map[int64]bool{d.Bids[0].ID: true, d.Bids[1].ID: true, d.Bids[2].ID: true}
	f.reviewAll(t, committee, d, fail)
	wantStatus(t, f.desk("expert1", http.MethodPost, "/failure", map[string]any{"reason": ""}), http.StatusBadRequest, "validation_failed")
	wantStatus(t, f.desk("expert1", http.MethodPost, "/failure", map[string]any{"reason": "x"}), http.StatusConflict, "reviews_open")
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	mustOK(t, f.desk("expert1", http.MethodPost, "/failure", map[string]any{"reason": "通过初步评审的投标仅2家，明显缺乏竞争，否决全部投标"}))
	for _, x := range committee {
		mustOK(t, f.desk(x, http.MethodPost, "/signature", map[string]any{"agree": true}))
	}
	mustOK(t, f.desk("expert1", http.MethodPost, "/close", nil))
	d = f.deskView(t, "expert1")
	if d.State != evaluation.StateFailedEval || f.w.Retendered[f.lot] == "" {
		t.Fatalf("state %s, retendered %q", d.State, f.w.Retendered[f.lot])
	}
	wantStatus(t, e.api("staff").json(http.MethodPost, f.path("/publicity"), nil), http.StatusConflict, "wrong_state")
}

// TestOpeningFewerThanThreeBidsHTTP: two bids → 流标, shown on the lot page.
func TestOpeningFewerThanThreeBidsHTTP(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	_, o1 := userID(t, e, "bidder1")
	_, o2 := userID(t, e, "bidder2")
	f.w.SetBids(f.lot, evaltest.Bids(2, []int64{o1, o2}, 9_000_000_00))
	mustOK(t, e.api("staff").json(http.MethodPost, f.path("/opening"), nil))
	r := e.browser("bidder1").get(fmt.Sprintf("/evaluation/lots/%d", f.lot))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "流标") || strings.Contains(r.Body.String(), "9,000,000.00") {
		t.Fatalf("lot page %d: %.500s", r.Code, r.Body.String())
	}
	if f.w.Retendered[f.lot] == "" {
		t.Error("not returned for re-tendering")
	}
	wantStatus(t, e.api("staff").json(http.MethodPost, f.path("/evaluation"), nil), http.StatusConflict, "wrong_state")
}

// TestEvaluationClarificationThroughSupervisor: a question goes to the
// supervisor, who forwards it; the bidder answers; the committee reads it.
func TestEvaluationClarificationThroughSupervisor(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d := f.openAndSeat(t, committee)
	r := f.desk("expert2", http.MethodPost, "/clarifications", map[string]any{"bid_id": d.Bids[0].ID, "question": "请说明投标报价中暂列金额的构成"})
	wantStatus(t, r, http.StatusCreated, "")
	var q struct{ ID int64 }
	r.decode(t, &q)
	// The bidder sees nothing until the supervisor forwards it.
	var list struct{ Clarifications []evaluation.Clarification }
	r = f.bidder("bidder1").json(http.MethodGet, f.path("/clarifications"), nil)
	mustOK(t, r)
	r.decode(t, &list)
	if len(list.Clarifications) != 0 {
		t.Fatalf("bidder sees an unforwarded question")
	}
	answer := fmt.Sprintf("/api/v1/evaluation/clarifications/%d/answer", q.ID)
	wantStatus(t, f.bidder("bidder1").json(http.MethodPost, answer, map[string]any{"answer": "见附件"}), http.StatusNotFound, "clarification_not_found")
	wantStatus(t, e.api("staff").json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/clarifications/%d/forward", q.ID), map[string]any{"forward": true}), http.StatusForbidden, "forbidden")
	mustOK(t, e.api("supervisor").json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/clarifications/%d/forward", q.ID), map[string]any{"forward": true}))
	wantStatus(t, f.bidder("bidder2").json(http.MethodPost, answer, map[string]any{"answer": "不是我的"}), http.StatusNotFound, "clarification_not_found")
	mustOK(t, f.bidder("bidder1").json(http.MethodPost, answer, map[string]any{"answer": "暂列金额为招标文件规定的固定金额50万元"}))
	d = f.deskView(t, "expert3")
	if len(d.Clarifications) != 1 || d.Clarifications[0].State != evaluation.ClarifyAnswered {
		t.Fatalf("clarifications on the desk: %+v", d.Clarifications)
	}
}

// TestEvaluationTerminalPageAutosave: the terminal page through the browser
// client: the autosave endpoint (JSON with the CSRF header) keeps a score
// that a reload shows again.
func TestEvaluationTerminalPageAutosave(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d := f.openAndSeat(t, committee)
	f.reviewAll(t, committee, d, nil)
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	d = f.deskView(t, "expert2")

	b := e.browser("expert2")
	page := fmt.Sprintf("/evaluation/terminal/lots/%d", f.lot)
	if r := b.get(page); r.Code != http.StatusForbidden {
		t.Fatalf("without the terminal cookie: %d", r.Code)
	}
	b.cookies[terminalCookie] = f.token
	r := b.get("/evaluation/terminal")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "进入评标") {
		t.Fatalf("terminal list: %d %.300s", r.Code, r.Body.String())
	}
	cell := d.ScoredCriteria()[1]
	req := jsonRequest(t, http.MethodPut, page+"/scores", map[string]any{"bid_id": d.Bids[0].ID, "criterion_id": cell.ID, "points": "17.5"})
	req.Header.Set(csrfHeader, b.csrf())
	mustOK(t, b.do(req))
	req = jsonRequest(t, http.MethodPut, page+"/scores", map[string]any{"bid_id": d.Bids[0].ID, "criterion_id": cell.ID, "points": "20.01"})
	req.Header.Set(csrfHeader, b.csrf())
	wantStatus(t, b.do(req), http.StatusBadRequest, "points_above_max")
	r = b.get(page)
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `value="17.50"`) {
		t.Fatalf("reload does not show the saved score: %d", r.Code)
	}
}

// BenchmarkEvaluationScoreSaves: nine experts saving scores at once through
// the HTTP stack (bearer token, terminal token, one transaction and audit
// event per save); reports p50/p99.
func BenchmarkEvaluationScoreSaves(b *testing.B) {
	e := newEnv(b)
	f := newEvalFixture(b, e, 9)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5", "expert6", "expert7", "expert8", "expert9"}
	d := f.openAndSeat(b, committee)
	f.reviewAll(b, committee, d, nil)
	mustOK(b, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	d = f.deskView(b, "expert1")
	scored := d.ScoredCriteria()
	var lat latencies
	var n atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/len(committee) + 1
	for _, x := range committee {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				bid := d.Bids[i%len(d.Bids)]
				c := scored[(i/len(d.Bids))%len(scored)]
				p := Points(int64(i*37) % int64(c.Max+1))
				start := time.Now()
				r := f.desk(x, http.MethodPut, "/scores", map[string]any{"bid_id": bid.ID, "criterion_id": c.ID, "points": p.String()})
				lat.add(time.Since(start))
				if r.Code != http.StatusOK {
					b.Errorf("save: %d %s", r.Code, r.Body.String())
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	lat.report(b)
}

// Points is the evaluation's fixed-point score (shorthand for the tests).
type Points = evaluation.Points

// An expert keeps changing a score, or a review, while the chair sums up
// or confirms: the stored result always agrees with the stored scores and
// reviews. (The chair's transaction once read them as of the moment it
// started waiting for the saves in flight, and ranked on stale scores or
// decided pass/fail from stale reviews in most runs.)
func TestEvaluationChairCountsTheLastSaves(t *testing.T) {
	e := newEnv(t)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	// keepSaving sends body(i) as expert2 until three are refused, and
	// reports how many were saved.
	keepSaving := func(f *evalFixture, path string, body func(i int) map[string]any) chan int {
		done := make(chan int, 1)
		c := e.api("expert2")
		go func() {
			saved, refused := 0, 0
			for i := 0; refused < 3; i++ {
				if r := f.deskAs(c, http.MethodPut, path, body(i)); r.Code == http.StatusOK {
					saved++
				} else {
					if r.Code >= 500 {
						t.Errorf("save: %d %s", r.Code, r.Body.String())
					}
					refused++
				}
			}
			done <- saved
		}()
		return done
	}
	for iter := range 3 {
		// The summary.
		f := newEvalFixture(t, e, 5)
		d := f.openAndSeat(t, committee)
		f.reviewAll(t, committee, d, nil)
		mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
		d = f.deskView(t, "expert1")
		f.scoreEvenly(t, committee, d, len(d.Bids))
		b1, c1 := d.Bids[0].ID, d.ScoredCriteria()[0].ID
		saving := keepSaving(f, "/scores", func(i int) map[string]any {
			return map[string]any{"bid_id": b1, "criterion_id": c1, "points": []string{"20", "28"}[i%2]}
		})
		time.Sleep(time.Duration(5+iter*7) * time.Millisecond)
		mustOK(t, f.deskAs(f.expert("expert1"), http.MethodPost, "/summary", nil))
		<-saving
		var pts []struct {
			Crit   int64 `db:"criterion_id"`
			Points int64 `db:"points"`
		}
		if err := e.db.Select(&pts, `SELECT s.criterion_id, s.points FROM evaluation_scores s JOIN evaluation_members m ON m.id = s.member_id
			WHERE s.lot_id = ? AND s.bid_id = ? AND s.voided = 0 AND m.state = 'active'`, f.lot, b1); err != nil {
			t.Fatal(err)
		}
		by := map[int64][]evaluation.Points{}
		for _, p := range pts {
			by[p.Crit] = append(by[p.Crit], evaluation.Points(p.Points))
		}
		var tech evaluation.Points
		for _, ps := range by {
			tech += evaluation.Aggregate(ps, evaluation.AggMean)
		}
		var stored int64
		if err := e.db.Get(&stored, `SELECT technical FROM evaluation_results WHERE lot_id = ? AND bid_id = ?`, f.lot, b1); err != nil {
			t.Fatal(err)
		}
		if evaluation.Points(stored) != tech {
			t.Errorf("run %d: the summary's technical score %s, the stored scores give %s", iter, evaluation.Points(stored), tech)
		}

		// The preliminary review: expert3 and expert4 fail bid 1 on one
		// criterion, expert2 keeps changing their mind.
		f = newEvalFixture(t, e, 5)
		d = f.openAndSeat(t, committee)
		b1, crit := d.Bids[0].ID, d.ReviewCriteria()[0].ID
		fail := func(bid, c int64) map[string]any {
			return map[string]any{"bid_id": bid, "criterion_id": c, "pass": false, "ground": evaluation.RejectionGrounds[2], "reason": "资质证书已过期"}
		}
		for _, x := range committee {
			for _, b := range d.Bids {
				for _, c := range d.ReviewCriteria() {
					body := map[string]any{"bid_id": b.ID, "criterion_id": c.ID, "pass": true}
					if b.ID == b1 && c.ID == crit && (x == "expert3" || x == "expert4") {
						body = fail(b.ID, c.ID)
					}
					mustOK(t, f.desk(x, http.MethodPut, "/reviews", body))
				}
			}
		}
		saving = keepSaving(f, "/reviews", func(i int) map[string]any {
			if i%2 == 0 {
				return fail(b1, crit)
			}
			return map[string]any{"bid_id": b1, "criterion_id": crit, "pass": true}
		})
		time.Sleep(time.Duration(5+iter*7) * time.Millisecond)
		mustOK(t, f.deskAs(f.expert("expert1"), http.MethodPost, "/reviews/confirm", nil))
		<-saving
		fails := e.count(`SELECT COUNT(*) FROM evaluation_reviews WHERE lot_id = ? AND bid_id = ? AND criterion_id = ? AND pass = 0`, f.lot, b1, crit)
		var qualified bool
		if err := e.db.Get(&qualified, `SELECT qualified FROM evaluation_results WHERE lot_id = ? AND bid_id = ?`, f.lot, b1); err != nil {
			t.Fatal(err)
		}
		if want := 2*fails <= len(committee); qualified != want {
			t.Errorf("run %d: %d of %d reviews fail bid 1, but the confirmation says qualified=%v", iter, fails, len(committee), qualified)
		}
	}
}

// A member who declares a conflict leaves the committee only with a backup
// to take the seat: without one the declaration is refused and not
// recorded, so the member cannot vote or review (not half-written with
// the member still seated). Several staff replacing the same member at
// once replace him once and call one backup, not one each.
func TestEvaluationReplacementsUseOneBackupEach(t *testing.T) {
	e := newEnv(t)
	staffAPI := e.api("staff")

	f := newEvalFixture(t, e, 9) // all nine seated: no backup
	f.startEvaluation(t)
	r := f.desk("expert5", http.MethodPost, "/declaration", map[string]any{"commitment": true, "conflict": true, "note": "曾在投标单位任职"})
	if r.Code != http.StatusConflict {
		t.Fatalf("a conflict without a backup: %d %s", r.Code, r.Body.String())
	}
	uid, _ := userID(t, e, "expert5")
	if n := e.count(`SELECT COUNT(*) FROM evaluation_members WHERE lot_id = ? AND user_id = ? AND state = 'active' AND declared_at IS NULL AND conflict_note = ''`, f.lot, uid); n != 1 {
		t.Errorf("the refused declaration was recorded")
	}
	d := f.deskView(t, "expert1")
	if r := f.desk("expert5", http.MethodPost, "/chair", map[string]any{"member_id": d.Me.ID}); r.Code != http.StatusConflict || r.errorCode(t) != "declaration_first" {
		t.Errorf("the member with a declared conflict voted: %d %s", r.Code, r.Body.String())
	}

	f = newEvalFixture(t, e, 5) // four backups
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d = f.openAndSeat(t, committee)
	var m3, m4 int64
	for _, m := range d.Members {
		switch m.Name {
		case "专家3":
			m3 = m.ID
		case "专家4":
			m4 = m.ID
		}
	}
	replace := func(c *client, member int64) response {
		return c.json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/members/%d/replace", f.lot, member), map[string]any{"reason": "突发疾病离场"})
	}
	staff := []*client{e.api("staff"), e.api("staff"), e.api("staff"), e.api("staff")}
	var next atomic.Int32
	codes := parallel(len(staff), func() response { return replace(staff[next.Add(1)-1], m3) })
	if codes[http.StatusOK] != 1 || codes[http.StatusConflict] != 3 {
		t.Fatalf("4 replacements of one member at once: %v", codes)
	}
	if r := replace(staffAPI, m4); r.Code != http.StatusOK {
		t.Errorf("the next replacement found no backup: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM evaluation_members WHERE lot_id = ? AND state = 'active'`, f.lot); n != 5 {
		t.Errorf("%d active members, want 5", n)
	}
}
