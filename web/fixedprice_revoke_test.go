package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/accounts"
	"ggzy/clock"
	"ggzy/trading"
)

// fpContractors adds n contractors of their own (fpContractor), draws a
// selection among them and returns its API path, the users in rank order
// and each user's organisation.
func fpContractors(t *testing.T, e *env, n int) (string, []string, map[string]int64) {
	t.Helper()
	users, orgOf := map[int64]string{}, map[string]int64{}
	for range n {
		u, org := fpContractor(t, e)
		users[org], orgOf[u] = u, org
	}
	base, ranked := fpDrawnSelection(t, e, users)
	return base, ranked, orgOf
}

// fpBlacklist blacklists org by the API as staff; until "" is indefinite.
func fpBlacklist(t *testing.T, e *env, org int64, reason, until string) {
	t.Helper()
	r := e.api("staff").json(http.MethodPost, "/api/v1/fixedprice/blacklist", map[string]any{"org_id": org, "reason": reason, "valid_until": until})
	if r.Code != http.StatusCreated {
		t.Fatalf("blacklist %d: %d %s", org, r.Code, r.Body)
	}
}

// fpSelection reads the selection behind an API path.
func fpSelection(t *testing.T, e *env, base string) trading.Selection {
	t.Helper()
	var sv fpSelJSON
	e.anon().get(base).decode(t, &sv)
	return sv.Selection
}

// fpLastEvent is the summary of the project's last audit event of action.
func fpLastEvent(t *testing.T, e *env, projectID int64, action string) map[string]any {
	t.Helper()
	var raw string
	if err := e.db.Get(&raw, `SELECT summary FROM audit_events WHERE project_id = ? AND action = ? ORDER BY id DESC LIMIT 1`, projectID, action); err != nil {
		t.Fatalf("audit event %s: %v", action, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A winner blacklisted after the draw has its selection cancelled by
// staff (取消中选资格) with a reason: the next backup is called with the
// deadline a decline would give it. Cancelling that one too, when the last
// backup is blacklisted as well, skips it and the selection fails; there is
// then no winner left to cancel.
func TestFixedPriceRevokeBlacklistedWinner(t *testing.T) {
	e := newEnv(t)
	withoutWinLimits(t, e)
	base, ranked, orgOf := fpContractors(t, e, 3)
	sel := fpSelection(t, e, base)
	page := fmt.Sprintf("/fixedprice/%d", sel.ID)
	form := fmt.Sprintf("/staff/fixedprice/%d/revoke", sel.ID)
	st, staffPage := e.api("staff"), e.browser("staff")
	if r := staffPage.get(page); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="fp-revoke-form"`) {
		t.Fatalf("the staff page has no revoke form: %d", r.Code)
	}

	fpBlacklist(t, e, orgOf[ranked[0]], "提供虚假业绩材料（示范县住建局处理决定）", "")
	// The reason is required, on the form as by the API.
	before := fpState(t, e, base)
	if r := staffPage.postForm(form, url.Values{"reason": {"  "}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请写明取消中选资格的理由") {
		t.Fatalf("revoke without a reason: %d", r.Code)
	}
	if r := st.json(http.MethodPost, base+"/revoke", map[string]string{"reason": strings.Repeat("理", 481)}); r.Code != http.StatusBadRequest || fieldCode(t, r, "reason") != "too_long" {
		t.Fatalf("revoke with a long reason: %d %s", r.Code, r.Body)
	}
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused revocation changed the record:\n%s\nnow\n%s", before, after)
	}

	mustOK(t, st.json(http.MethodPost, base+"/revoke", map[string]string{"reason": "中选人被列入黑名单，依示范县住建局处理决定取消"}))
	aw := fpAwards(t, e, base)
	if aw[0].State != trading.AwardRevoked || !strings.Contains(aw[0].Note, "依示范县住建局处理决定取消") {
		t.Fatalf("the winner's award: %s %q", aw[0].State, aw[0].Note)
	}
	// The clock has not moved since the publicity ended and the winner
	// was called: the backup gets the same confirm days.
	if aw[1].State != trading.AwardPending || !aw[1].ConfirmUntil.Equal(aw[0].ConfirmUntil.Time) || aw[2].State != trading.AwardWaiting {
		t.Fatalf("after the revocation: %s until %v (winner's %v), %s", aw[1].State, aw[1].ConfirmUntil.Time, aw[0].ConfirmUntil.Time, aw[2].State)
	}
	if s := fpSelection(t, e, base); s.Status != trading.FPConfirming || s.CurrentRank != 2 {
		t.Fatalf("selection %s rank %d", s.Status, s.CurrentRank)
	}
	if n := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target = ? AND state = 'pending' AND due_at = ?`,
		trading.FixedPriceConfirmDeadline, fmt.Sprintf("selection:%d", sel.ID), aw[1].ConfirmUntil.Time); n != 1 {
		t.Fatalf("%d confirm deadlines for the backup", n)
	}
	ev := fpLastEvent(t, e, sel.ProjectID, "fixedprice.promote")
	if ev["from_state"] != trading.AwardRevoked || ev["ground"] != "blacklisted" || !strings.Contains(fmt.Sprint(ev["reason"]), "取消中选资格") || ev["to_rank"] != float64(2) {
		t.Fatalf("promote event: %v", ev)
	}

	// The called backup is blacklisted too, and so is the last one: the
	// form cancels it, the last backup is skipped, the selection fails.
	fpBlacklist(t, e, orgOf[ranked[1]], "围标串标（示范县住建局处理决定）", "")
	fpBlacklist(t, e, orgOf[ranked[2]], "拒不签订合同", "")
	if r := staffPage.postForm(form, url.Values{"reason": {"递补中选人亦被列入黑名单"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("revoke by the form: %d %s", r.Code, r.Body)
	}
	aw = fpAwards(t, e, base)
	if aw[1].State != trading.AwardRevoked || aw[2].State != trading.AwardSkipped || !strings.Contains(aw[2].Note, "拒不签订合同") {
		t.Fatalf("after the second revocation: %s, %s %q", aw[1].State, aw[2].State, aw[2].Note)
	}
	if s := fpSelection(t, e, base); s.Status != trading.FPFailed {
		t.Fatalf("selection %s", s.Status)
	}
	if ev := fpLastEvent(t, e, sel.ProjectID, "fixedprice.fail"); !strings.Contains(fmt.Sprint(ev["skipped"]), "拒不签订合同") {
		t.Fatalf("fail event: %v", ev)
	}

	// No winner is left.
	before = fpState(t, e, base)
	r := st.json(http.MethodPost, base+"/revoke", map[string]string{"reason": "再次取消"})
	if r.Code != http.StatusConflict || r.errorCode(t) != "fixedprice_no_winner" || fieldCode(t, r, "status") != "fixedprice_no_winner" {
		t.Fatalf("revoke without a winner: %d %s", r.Code, r.Body)
	}
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused revocation changed the record:\n%s\nnow\n%s", before, after)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Fatalf("audit chain: %+v", rep)
	}
}

// Staff cannot cancel the selection of a winner in good standing, by the
// API or the form, and nothing changes; a winner whose registration is no
// longer active may be cancelled; a recorded contract can no longer be
// undone this way.
func TestFixedPriceRevokeRefusedForValidWinner(t *testing.T) {
	e := newEnv(t)
	withoutWinLimits(t, e)
	base, ranked, orgOf := fpContractors(t, e, 2)
	sel := fpSelection(t, e, base)
	st, staffPage := e.api("staff"), e.browser("staff")

	before := fpState(t, e, base)
	r := st.json(http.MethodPost, base+"/revoke", map[string]string{"reason": "另有企业更合适"})
	var pe apiError
	r.decode(t, &pe)
	if r.Code != http.StatusConflict || pe.Error.Code != "fixedprice_winner_in_good_standing" || fieldCode(t, r, "org_id") != "fixedprice_winner_in_good_standing" ||
		!strings.Contains(pe.Error.Message, "不能取消其中选资格") {
		t.Fatalf("revoke a valid winner: %d %s", r.Code, r.Body)
	}
	if r := staffPage.postForm(fmt.Sprintf("/staff/fixedprice/%d/revoke", sel.ID), url.Values{"reason": {"另有企业更合适"}}); r.Code != http.StatusConflict ||
		!strings.Contains(r.Body.String(), "不能取消其中选资格") {
		t.Fatalf("revoke a valid winner by the form: %d", r.Code)
	}
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused revocation changed the record:\n%s\nnow\n%s", before, after)
	}

	// A disabled registration is a ground.
	if _, err := e.db.Exec(`UPDATE organisations SET status = ? WHERE id = ?`, accounts.StatusDisabled, orgOf[ranked[0]]); err != nil {
		t.Fatal(err)
	}
	mustOK(t, st.json(http.MethodPost, base+"/revoke", map[string]string{"reason": "中选人单位注册已停用"}))
	if ev := fpLastEvent(t, e, sel.ProjectID, "fixedprice.promote"); ev["ground"] != "inactive" || ev["org_status"] != accounts.StatusDisabled {
		t.Fatalf("promote event: %v", ev)
	}

	// The backup confirms, its contract is recorded, then it is
	// blacklisted: too late to cancel.
	mustOK(t, e.api(ranked[1]).json(http.MethodPost, base+"/confirm", nil))
	mustOK(t, st.json(http.MethodPost, base+"/contract", map[string]string{"contract_no": "SG-2026-061"}))
	fpBlacklist(t, e, orgOf[ranked[1]], "转包工程（示范县住建局处理决定）", e.clock.Now().Add(240*time.Hour).In(clock.Shanghai).Format("2006-01-02 15:04"))
	before = fpState(t, e, base)
	r = st.json(http.MethodPost, base+"/revoke", map[string]string{"reason": "中选人被列入黑名单"})
	if r.Code != http.StatusConflict || r.errorCode(t) != "fixedprice_contract_recorded" || fieldCode(t, r, "contract_no") != "fixedprice_contract_recorded" {
		t.Fatalf("revoke after the contract: %d %s", r.Code, r.Body)
	}
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused revocation changed the record:\n%s\nnow\n%s", before, after)
	}
}

// When a backup is called, one blacklisted at that moment is skipped (its
// award ends as skipped, the event records the entry) and the next one is
// called; an entry that has run out by the clock does not count. When the
// timed event lapses the winner and the only backup left is blacklisted,
// the selection fails.
func TestFixedPricePromotionSkipsBlacklistedBackup(t *testing.T) {
	e := newEnv(t)
	withoutWinLimits(t, e)
	base, ranked, orgOf := fpContractors(t, e, 4)
	sel := fpSelection(t, e, base)

	fpBlacklist(t, e, orgOf[ranked[1]], "提供虚假业绩材料（示范县住建局处理决定）", "")
	fpBlacklist(t, e, orgOf[ranked[2]], "短期限制", e.clock.Now().Add(time.Hour).In(clock.Shanghai).Format("2006-01-02 15:04"))
	e.clock.Set(e.clock.Now().Add(2 * time.Hour))
	mustOK(t, e.api(ranked[0]).json(http.MethodPost, base+"/decline", map[string]string{"reason": "人员不足"}))
	aw := fpAwards(t, e, base)
	if aw[0].State != trading.AwardDeclined || aw[1].State != trading.AwardSkipped || aw[2].State != trading.AwardPending || aw[3].State != trading.AwardWaiting {
		t.Fatalf("after the decline: %s %s %s %s", aw[0].State, aw[1].State, aw[2].State, aw[3].State)
	}
	if !strings.Contains(aw[1].Note, "黑名单") || !strings.Contains(aw[1].Note, "提供虚假业绩材料") {
		t.Fatalf("the skipped award's note: %q", aw[1].Note)
	}
	if s := fpSelection(t, e, base); s.Status != trading.FPConfirming || s.CurrentRank != 3 {
		t.Fatalf("selection %s rank %d", s.Status, s.CurrentRank)
	}
	ev := fpLastEvent(t, e, sel.ProjectID, "fixedprice.promote")
	skipped, _ := ev["skipped"].([]any)
	if len(skipped) != 1 || ev["to_rank"] != float64(3) {
		t.Fatalf("promote event: %v", ev)
	}
	if sk, _ := skipped[0].(map[string]any); sk["rank"] != float64(2) || sk["org_id"] != float64(orgOf[ranked[1]]) || !strings.Contains(fmt.Sprint(sk["blacklist_reason"]), "提供虚假业绩材料") {
		t.Fatalf("skipped: %v", skipped[0])
	}
	if r := e.api(ranked[1]).json(http.MethodPost, base+"/confirm", nil); r.Code != http.StatusForbidden {
		t.Fatalf("the skipped backup confirms: %d %s", r.Code, r.Body)
	}

	// The called backup lets its deadline pass; the last one is
	// blacklisted by then.
	fpBlacklist(t, e, orgOf[ranked[3]], "拒不履行合同", "")
	e.clock.Set(aw[2].ConfirmUntil.Time)
	if err := e.deps.FixedPrice.ConfirmDeadline(t.Context(), sel.ID); err != nil { // the timed event
		t.Fatal(err)
	}
	aw = fpAwards(t, e, base)
	if aw[2].State != trading.AwardLapsed || aw[3].State != trading.AwardSkipped {
		t.Fatalf("after the deadline: %s %s", aw[2].State, aw[3].State)
	}
	if s := fpSelection(t, e, base); s.Status != trading.FPFailed {
		t.Fatalf("selection %s", s.Status)
	}
	if ev := fpLastEvent(t, e, sel.ProjectID, "fixedprice.fail"); !strings.Contains(fmt.Sprint(ev["skipped"]), "拒不履行合同") {
		t.Fatalf("fail event: %v", ev)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Fatalf("audit chain: %+v", rep)
	}
}
