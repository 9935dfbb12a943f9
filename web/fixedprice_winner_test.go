package web

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/clock"
	"ggzy/demo"
	"ggzy/trading"
)

var fpContractorSeq atomic.Int64

// fpContractor adds a contractor organisation of its own with one bidder
// user, so that blacklisting it touches no other test's demo bidders. It
// returns the username and the organisation's id.
func fpContractor(t *testing.T, e *env) (string, int64) {
	t.Helper()
	n := fpContractorSeq.Add(1)*100_000 + time.Now().UnixNano()%100_000
	ctx := audit.WithActor(context.Background(), audit.System)
	org, err := e.deps.Accounts.CreateOrganisation(ctx, accounts.OrgInput{Name: fmt.Sprintf("复核测试第%d建设有限公司", n),
		USCC: demo.USCC(fmt.Sprintf("91330100MF%07d", n%10_000_000)), Kind: accounts.OrgBidder, ContactName: "联系人", ContactPhone: "0571-88880000"})
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("fpwinner%d", n)
	if _, err := e.deps.Accounts.CreateUser(ctx, accounts.UserInput{Username: name, DisplayName: "投标人", OrgID: org,
		Roles: []string{accounts.RoleBidder}, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	return name, org
}

// fpDrawnSelection registers and publishes a selection with a backup for
// every user but one, has users apply, qualifies them all, runs the public draw and ends the
// publicity. It returns the selection's API path and the users in rank
// order (the winner first); the clock is at the end of the publicity.
func fpDrawnSelection(t *testing.T, e *env, users map[int64]string) (string, []string) {
	t.Helper()
	ag := e.api("agency")
	body := fpBody("1,200,000.00", "5")
	body["title"], body["backups"] = uniqueTitle("示范村便民桥维修工程"), len(users)-1
	r := ag.json(http.MethodPost, "/api/v1/fixedprice/selections", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Code, r.Body)
	}
	var sv fpSelJSON
	r.decode(t, &sv)
	base := fmt.Sprintf("/api/v1/fixedprice/selections/%d", sv.Selection.ID)
	mustOK(t, ag.json(http.MethodPost, base+"/publish", nil))
	i := 0
	for _, u := range users {
		i++
		app := map[string]string{"qualification": "市政公用工程施工总承包三级", "safety_licence": "(浙)JZ安许证字[2022]010101",
			"manager_name": "王五", "manager_cert": fmt.Sprintf("浙WIN%d%03d", sv.Selection.ID, i)}
		if r := e.api(u).json(http.MethodPost, base+"/applications", app); r.Code != http.StatusCreated {
			t.Fatalf("%s applies: %d %s", u, r.Code, r.Body)
		}
	}
	e.clock.Set(sv.Selection.ApplyUntil)
	st, sup := e.api("staff"), e.api("supervisor") // tokens of the new day
	var apps struct{ Applications []trading.Application }
	st.get(base+"/applications").decode(t, &apps)
	for _, a := range apps.Applications {
		if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/fixedprice/applications/%d/review", a.ID), map[string]any{"qualified": true}); r.Code != http.StatusNoContent {
			t.Fatalf("review: %d %s", r.Code, r.Body)
		}
	}
	mustOK(t, st.json(http.MethodPost, base+"/draw/prepare", nil))
	for _, w := range []map[string]string{{"name": "钱监督", "role": "监督人员", "numbers": "31 7"}, {"name": "孙代表", "role": "招标人代表", "numbers": "2026"}} {
		mustOK(t, sup.json(http.MethodPost, base+"/draw/witnesses", w))
	}
	mustOK(t, st.json(http.MethodPost, base+"/draw/run", nil))
	sel, err := e.deps.FixedPrice.Selection(t.Context(), sv.Selection.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(sel.PublicityUntil.Time)
	if err := e.deps.FixedPrice.EndPublicity(t.Context(), sel.ID); err != nil { // the timed event
		t.Fatal(err)
	}
	var ranked []string
	for _, w := range fpAwards(t, e, base) {
		ranked = append(ranked, users[w.OrgID])
	}
	if len(ranked) != len(users) {
		t.Fatalf("%d ranks for %d applicants", len(ranked), len(users))
	}
	return base, ranked
}

func fpAwards(t *testing.T, e *env, base string) []trading.Award {
	t.Helper()
	var aw struct{ Awards []trading.Award }
	e.anon().get(base+"/awards").decode(t, &aw)
	return aw.Awards
}

// fpState is what a refused step must leave as it was: the selection's
// row, every award, the selection's timed events and the number of audit
// events of its project.
func fpState(t *testing.T, e *env, base string) string {
	t.Helper()
	var sel fpSelJSON
	e.anon().get(base).decode(t, &sel)
	var b strings.Builder
	for _, q := range []string{
		`SELECT CONCAT_WS(' ', status, current_rank, updated_at) FROM fixedprice_selections WHERE id = ?`,
		`SELECT GROUP_CONCAT(CONCAT_WS(' ', rank_no, state, called_at, confirm_until, confirmed_at, contract_until, contract_no, contracted_at, ended_at, note)
			ORDER BY rank_no SEPARATOR '\n') FROM fixedprice_awards WHERE selection_id = ?`,
		`SELECT GROUP_CONCAT(CONCAT_WS(' ', kind, state, due_at, updated_at) ORDER BY kind SEPARATOR '\n') FROM timed_events WHERE target = CONCAT('selection:', ?)`,
	} {
		var v sql.NullString
		if err := e.db.Get(&v, q, sel.Selection.ID); err != nil {
			t.Fatal(err)
		}
		b.WriteString(v.String + "\n")
	}
	fmt.Fprintf(&b, "audit events %d\n", e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ?`, sel.Selection.ProjectID))
	return b.String()
}

// A contractor blacklisted after the draw picked it cannot confirm, nor
// have its contract recorded: the refusal names it, changes nothing and
// points to the way a winner drops out (放弃, or the deadline and the next
// backup). An entry that has run out by the clock no longer stands in the
// way, and the backup's path works as before.
func TestFixedPriceWinnerBlacklistedAfterDraw(t *testing.T) {
	e := newEnv(t)
	withoutWinLimits(t, e)
	users := map[int64]string{}
	for range 2 {
		u, org := fpContractor(t, e)
		users[org] = u
	}
	base, ranked := fpDrawnSelection(t, e, users)
	orgOfUser := map[string]int64{}
	for org, u := range users {
		orgOfUser[u] = org
	}
	winner, backup := ranked[0], ranked[1]
	blacklist := func(user, until string) {
		t.Helper()
		r := e.api("staff").json(http.MethodPost, "/api/v1/fixedprice/blacklist", map[string]any{"org_id": orgOfUser[user], "reason": "提供虚假业绩材料（示范县住建局处理决定）", "valid_until": until})
		if r.Code != http.StatusCreated {
			t.Fatalf("blacklist %s: %d %s", user, r.Code, r.Body)
		}
	}
	wantRefused := func(r response, code, step string) {
		t.Helper()
		var pe apiError
		r.decode(t, &pe)
		if r.Code != http.StatusConflict || pe.Error.Code != code || fieldCodes(t, r)["org_id"] != code ||
			!strings.Contains(pe.Error.Message, "黑名单") || !strings.Contains(pe.Error.Message, step) {
			t.Fatalf("want %s refusing %s: %d %s", code, step, r.Code, r.Body)
		}
	}

	// The winner is blacklisted after the draw: confirmation is refused.
	blacklist(winner, "")
	before := fpState(t, e, base)
	r := e.api(winner).json(http.MethodPost, base+"/confirm", nil)
	wantRefused(r, "fixedprice_winner_blacklisted", "确认中选")
	if !strings.Contains(r.Body.String(), "放弃中选") {
		t.Errorf("the refusal does not say how the winner drops out: %s", r.Body)
	}
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused confirmation changed the record:\n%s\nnow\n%s", before, after)
	}
	// It drops out the existing way: declining calls the backup.
	mustOK(t, e.api(winner).json(http.MethodPost, base+"/decline", map[string]string{"reason": "已被列入黑名单"}))
	if aw := fpAwards(t, e, base); aw[0].State != trading.AwardDeclined || aw[1].State != trading.AwardPending {
		t.Fatalf("after the decline: %s %s", aw[0].State, aw[1].State)
	}

	// The backup is blacklisted for two days: refused today, confirmed
	// once the entry has run out by the clock (within its confirm days).
	blacklist(backup, e.clock.Now().Add(48*time.Hour).In(clock.Shanghai).Format("2006-01-02 15:04"))
	before = fpState(t, e, base)
	wantRefused(e.api(backup).json(http.MethodPost, base+"/confirm", nil), "fixedprice_winner_blacklisted", "确认中选")
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused confirmation changed the record:\n%s\nnow\n%s", before, after)
	}
	e.clock.Set(e.clock.Now().Add(72 * time.Hour))
	mustOK(t, e.api(backup).json(http.MethodPost, base+"/confirm", nil))
	if aw := fpAwards(t, e, base); aw[1].State != trading.AwardConfirmed {
		t.Fatalf("the backup's award after confirming: %s", aw[1].State)
	}

	// Blacklisted after confirming: the contract is not recorded either.
	blacklist(backup, "")
	before = fpState(t, e, base)
	wantRefused(e.api("staff").json(http.MethodPost, base+"/contract", map[string]string{"contract_no": "SG-2026-051"}), "fixedprice_winner_blacklisted", "登记合同")
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused contract changed the record:\n%s\nnow\n%s", before, after)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Fatalf("audit chain: %+v", rep)
	}
}

// A confirmed winner whose registration is no longer active cannot have its
// contract recorded; once active again (and not blacklisted) it can.
func TestFixedPriceWinnerInactiveAtContract(t *testing.T) {
	e := newEnv(t)
	withoutWinLimits(t, e)
	users := map[int64]string{}
	var orgs []int64
	for range 2 {
		u, org := fpContractor(t, e)
		users[org], orgs = u, append(orgs, org)
	}
	base, ranked := fpDrawnSelection(t, e, users)
	mustOK(t, e.api(ranked[0]).json(http.MethodPost, base+"/confirm", nil))
	var winnerOrg int64
	for _, o := range orgs {
		if users[o] == ranked[0] {
			winnerOrg = o
		}
	}
	setStatus := func(status string) {
		t.Helper()
		if _, err := e.db.Exec(`UPDATE organisations SET status = ? WHERE id = ?`, status, winnerOrg); err != nil {
			t.Fatal(err)
		}
	}
	st := e.api("staff")
	setStatus(accounts.StatusDisabled)
	before := fpState(t, e, base)
	r := st.json(http.MethodPost, base+"/contract", map[string]string{"contract_no": "SG-2026-052"})
	if r.Code != http.StatusConflict || r.errorCode(t) != "fixedprice_winner_inactive" || fieldCodes(t, r)["org_id"] != "fixedprice_winner_inactive" {
		t.Fatalf("contract of a disabled winner: %d %s", r.Code, r.Body)
	}
	if after := fpState(t, e, base); after != before {
		t.Fatalf("a refused contract changed the record:\n%s\nnow\n%s", before, after)
	}
	setStatus(accounts.StatusActive)
	mustOK(t, st.json(http.MethodPost, base+"/contract", map[string]string{"contract_no": "SG-2026-052"}))
	if aw := fpAwards(t, e, base); aw[0].State != trading.AwardContracted || aw[0].ContractNo != "SG-2026-052" {
		t.Fatalf("after the contract: %s %q", aw[0].State, aw[0].ContractNo)
	}
}
