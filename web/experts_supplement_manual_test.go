package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestExpertManualSupplement: when declines have used up the backups and
// the automatic supplementary draw found the pool empty, the draw page says
// what the committee lacks and staff draw it again (补抽) once experts are
// registered: refused, writing nothing, while the pool is still too small;
// then drawn, its backups shrunk to what the pool holds; refused once
// nothing is missing.
func TestExpertManualSupplement(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 6, "GC07")
	l := newDrawLot(t, e, 0)
	first := prepareDraw(t, st, drawBody(e, region, l, "GC07", 5, 0))
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", first), map[string]any{"sources": []string{"3 14 15"}}); r.Code != http.StatusOK {
		t.Fatalf("run: %d %s", r.Code, r.Body.String())
	}
	tokens := expertNotices.tokensFor(first)
	if len(tokens) != 5 {
		t.Fatalf("%d notices", len(tokens))
	}
	for _, tok := range tokens[:2] {
		if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+tok, map[string]any{"accept": false, "note": "出差"}); r.Code != http.StatusOK {
			t.Fatalf("decline: %d %s", r.Code, r.Body.String())
		}
	}
	// The first decline took the sixth expert, the second found no one.
	draws := func() int { return e.count(`SELECT COUNT(*) FROM expert_draws WHERE lot_id = ?`, l.lot) }
	if n := draws(); n != 2 {
		t.Fatalf("%d draws of the lot, want the first and one supplementary", n)
	}
	page := e.browser("staff")
	body := page.get(fmt.Sprintf("/expert-draws/%d", first)).Body.String()
	if !strings.Contains(body, `data-testid="draw-missing"`) || !strings.Contains(body, "园林绿化 1 人") ||
		!strings.Contains(body, fmt.Sprintf(`action="/expert-draws/%d/supplement"`, first)) {
		t.Fatalf("the draw page should say one member is missing and offer 补抽:\n%s", body)
	}

	// Still no one in the pool: refused, nothing written.
	r := page.postForm(fmt.Sprintf("/expert-draws/%d/supplement", first), url.Values{})
	if r.Code == http.StatusSeeOther || !strings.Contains(r.Body.String(), "缺1人") {
		t.Fatalf("补抽 on an empty pool: %d\n%s", r.Code, r.Body.String())
	}
	if n := draws(); n != 2 {
		t.Fatalf("a refused 补抽 wrote a draw (%d)", n)
	}

	// Two experts registered: one drawn, one backup.
	for i := 0; i < 2; i++ {
		if r := st.json(http.MethodPost, "/api/v1/experts", expertBody(region, "GC07")); r.Code != http.StatusCreated {
			t.Fatalf("create expert: %d %s", r.Code, r.Body.String())
		}
	}
	r = page.postForm(fmt.Sprintf("/expert-draws/%d/supplement", first), url.Values{})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("补抽: %d %s", r.Code, r.Body.String())
	}
	var sup int64
	if err := e.db.Get(&sup, `SELECT MAX(id) FROM expert_draws WHERE lot_id = ? AND parent_draw_id = ? AND status = 'drawn'`, l.lot, first); err != nil {
		t.Fatal(err)
	}
	if loc := r.Header().Get("Location"); loc != fmt.Sprintf("/expert-draws/%d", sup) {
		t.Fatalf("redirect to %q, want the new draw %d", loc, sup)
	}
	var notified, standby int
	if err := e.db.QueryRow(`SELECT COALESCE(SUM(state = 'notified'), 0), COALESCE(SUM(state = 'standby'), 0) FROM expert_draw_members WHERE draw_id = ?`, sup).Scan(&notified, &standby); err != nil {
		t.Fatal(err)
	}
	if notified != 1 || standby != 1 {
		t.Fatalf("补抽 drew %d notified and %d backups, want 1 and 1 (backups shrunk to the pool)", notified, standby)
	}
	if body := page.get(fmt.Sprintf("/expert-draws/%d", first)).Body.String(); strings.Contains(body, `data-testid="draw-missing"`) {
		t.Fatal("the committee is full again but the page still says a member is missing")
	}
	// Another decline: the backup the 补抽 drew is called, nothing is
	// drawn anew.
	before := draws()
	if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+tokens[2], map[string]any{"accept": false, "note": "生病"}); r.Code != http.StatusOK {
		t.Fatalf("decline: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM expert_draw_members WHERE draw_id = ? AND state = 'notified'`, sup); n != 2 || draws() != before {
		t.Fatalf("the supplementary draw's backup should be called (%d notified, %d new draws)", n, draws()-before)
	}
	// A fourth decline with no backup and the pool empty, then 补抽
	// submitted five times at once (an expert registered meanwhile): one
	// draw, the others refused.
	if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+tokens[3], map[string]any{"accept": false, "note": "生病"}); r.Code != http.StatusOK {
		t.Fatalf("decline: %d %s", r.Code, r.Body.String())
	}
	if r := st.json(http.MethodPost, "/api/v1/experts", expertBody(region, "GC07")); r.Code != http.StatusCreated {
		t.Fatalf("create expert: %d %s", r.Code, r.Body.String())
	}
	before = draws()
	codes := parallel(5, func() response {
		return st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/supplement", first), nil)
	})
	if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 4 || draws() != before+1 {
		t.Fatalf("five 补抽 at once: %v, %d draws written", codes, draws()-before)
	}
	r = st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/supplement", first), nil)
	if r.Code != http.StatusConflict || r.errorCode(t) != "committee_not_short" {
		t.Fatalf("补抽 of a full committee: %d %s", r.Code, r.Body.String())
	}
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/supplement", sup), nil); r.Code != http.StatusConflict || r.errorCode(t) != "supplement_parent" {
		t.Fatalf("补抽 on a supplementary draw: %d %s", r.Code, r.Body.String())
	}
}

// TestExpertDrawPageResend: staff re-send the invitations of the members
// still to answer from the draw page (only the API could); the old links
// stop working.
func TestExpertDrawPageResend(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 5, "GC04")
	l := newDrawLot(t, e, 0)
	id := prepareDraw(t, st, drawBody(e, region, l, "GC04", 5, 0))
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", id), map[string]any{"sources": []string{"2 7 18"}}); r.Code != http.StatusOK {
		t.Fatalf("run: %d %s", r.Code, r.Body.String())
	}
	old := expertNotices.tokensFor(id)
	if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+old[0], map[string]any{"accept": true}); r.Code != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Code, r.Body.String())
	}
	page := e.browser("staff")
	if body := page.get(fmt.Sprintf("/expert-draws/%d", id)).Body.String(); !strings.Contains(body, "重新发送通知（4 名待答复）") {
		t.Fatalf("the draw page should offer to re-send to the four still to answer:\n%s", body)
	}
	r := page.postForm(fmt.Sprintf("/expert-draws/%d/resend", id), url.Values{})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", r.Code, r.Body.String())
	}
	if n := len(expertNotices.tokensFor(id)); n != len(old)+4 {
		t.Fatalf("%d notices after re-sending, want %d", n, len(old)+4)
	}
	if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+old[1], map[string]any{"accept": true}); r.Code != http.StatusNotFound {
		t.Fatalf("an old link still answers: %d", r.Code)
	}
	if r := e.browser("supervisor").postForm(fmt.Sprintf("/expert-draws/%d/resend", id), url.Values{}); r.Code != http.StatusForbidden {
		t.Fatalf("supervisor re-sends: %d", r.Code)
	}
}

// TestExpertSupplementOnTheDay: a draw run within the reply time of its
// session gives reply deadlines at the session's start; experts who let
// it pass are replaced by a supplementary draw although the session has
// begun (it failed: "评标开始时间应晚于现在"), whose experts get their reply
// time within the session. Once the session is over, 补抽 is refused.
func TestExpertSupplementOnTheDay(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 10, "GC03")
	l := newDrawLot(t, e, 0)
	body := drawBody(e, region, l, "GC03", 5, 0)
	start := e.clock.Now().Add(time.Hour).Truncate(time.Minute)
	body["session_start"], body["session_end"] = start.Format(time.RFC3339), start.Add(4*time.Hour).Format(time.RFC3339)
	first := prepareDraw(t, st, body)
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", first), map[string]any{"sources": []string{"16 18"}}); r.Code != http.StatusOK {
		t.Fatalf("run: %d %s", r.Code, r.Body.String())
	}
	tokens := expertNotices.tokensFor(first)
	for _, tok := range tokens[:4] {
		if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+tok, map[string]any{"accept": true}); r.Code != http.StatusOK {
			t.Fatalf("accept: %d %s", r.Code, r.Body.String())
		}
	}
	// The fifth lets the deadline (the session's start) pass.
	e.clock.Set(start.Add(time.Minute))
	if err := e.deps.Experts.ExpireReplies(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	var sup int64
	if err := e.db.Get(&sup, `SELECT id FROM expert_draws WHERE parent_draw_id = ? AND status = 'drawn'`, first); err != nil {
		t.Fatalf("no supplementary draw once the session began: %v", err)
	}
	var v struct {
		Members []struct {
			State    string    `json:"state"`
			Deadline time.Time `json:"reply_deadline"`
		} `json:"members"`
	}
	st.get(fmt.Sprintf("/api/v1/expert-draws/%d", sup)).decode(t, &v)
	if len(v.Members) == 0 || v.Members[0].State != "notified" || !v.Members[0].Deadline.After(e.clock.Now()) {
		t.Fatalf("the supplementary draw's expert should be invited with time to answer: %+v", v.Members)
	}
	// After the session, nothing more is drawn.
	e.clock.Set(start.Add(5 * time.Hour))
	if _, err := e.db.Exec(`UPDATE expert_draw_members SET state = 'declined' WHERE draw_id = ?`, sup); err != nil {
		t.Fatal(err)
	}
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/supplement", first), nil); r.Code != http.StatusBadRequest || fieldCode(t, r, "session_end") != "session_over" {
		t.Fatalf("补抽 after the session: %d %s", r.Code, r.Body.String())
	}
}
