package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The audit page shows the latest walk of the whole chain instead of
// walking it on every view; a supervisor walks it with the page's button,
// and a broken chain is named in Chinese on the page and in the API.
func TestAuditPageShowsTheLatestWalkAndWalksOnRequest(t *testing.T) {
	e := newEnv(t)
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Fatalf("chain before the test: %+v", rep)
	}
	walks := func() int { return e.count(`SELECT COUNT(*) FROM audit_verifications`) }
	b := e.browser("supervisor")
	before := walks()
	if r := b.get("/supervision/audit"); r.Code != http.StatusOK || walks() != before {
		t.Fatalf("viewing the page: %d, walks %d → %d", r.Code, before, walks())
	}

	walk := func() string {
		t.Helper()
		n := walks()
		r := b.postForm("/supervision/audit/verify", url.Values{})
		if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/supervision/audit") {
			t.Fatalf("walk: %d %s", r.Code, r.Body.String())
		}
		if walks() != n+1 {
			t.Fatalf("walk not recorded")
		}
		page := b.get("/supervision/audit")
		if page.Code != http.StatusOK {
			t.Fatalf("page after the walk: %d", page.Code)
		}
		return page.Body.String()
	}
	if page := walk(); !strings.Contains(page, "审计链完整") || !strings.Contains(page, "监督人员在审计日志页发起") {
		t.Fatalf("page after a walk of a whole chain does not say so")
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'audit.verify' AND actor = 'supervisor'`); n == 0 {
		t.Fatal("the walk has no audit event")
	}

	// An event changed in the database: the next walk names it.
	var ev struct {
		ID      int64  `db:"id"`
		Seq     int64  `db:"seq"`
		Summary string `db:"summary"`
	}
	if err := e.db.Get(&ev, `SELECT id, seq, summary FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1 OFFSET 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(`UPDATE audit_events SET summary = ? WHERE id = ?`, `{"改":"过"}`, ev.ID); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if _, err := e.db.Exec(`UPDATE audit_events SET summary = ? WHERE id = ?`, ev.Summary, ev.ID); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(restore) // other tests of the package walk the same chain
	page := walk()
	want := fmt.Sprintf("第%d号事件的内容与其哈希不符", ev.Seq)
	if !strings.Contains(page, "审计链被破坏") || !strings.Contains(page, want) || strings.Contains(page, "content does not match") {
		t.Fatalf("page after a walk of an altered chain does not name the event in Chinese (%s)", want)
	}
	var v struct {
		OK      bool   `json:"ok"`
		Code    string `json:"code"`
		Message string `json:"message"`
		BadSeq  int64  `json:"bad_seq"`
		ID      int64  `json:"verification_id"`
	}
	r := e.api("supervisor").json(http.MethodGet, "/api/v1/audit/verify", nil)
	r.decode(t, &v)
	if r.Code != http.StatusOK || v.OK || v.Code != "hash_mismatch" || v.BadSeq != ev.Seq || !strings.Contains(v.Message, want) || v.ID == 0 {
		t.Fatalf("API walk of an altered chain: %d %s", r.Code, r.Body.String())
	}
	restore()
	if page := walk(); !strings.Contains(page, "审计链完整") {
		t.Fatalf("page after the event was put back does not say the chain is whole")
	}

	// Without the form's token nothing is walked.
	n := walks()
	req := httptest.NewRequest(http.MethodPost, "/supervision/audit/verify", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := b.do(req); r.Code != http.StatusForbidden || walks() != n {
		t.Fatalf("walk without CSRF token: %d, walks %d → %d", r.Code, n, walks())
	}
}
