package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"ggzy/demo"
	"ggzy/trading"
)

// takePart signs c's unit up for lot with a deposit, a bid file and a bid
// form, and returns the sign-up id.
func takePart(t testing.TB, e *env, c *client, lot int64, ref string) int64 {
	t.Helper()
	id := signUpAndDeposit(t, e, c, lot, ref)
	if r := c.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", lot), "报价-"+ref+".pdf", strings.NewReader("密封投标文件 "+ref)); r.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Code, r.Body.String())
	}
	if r := c.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": "3,900,000.00", "duration": "365日历天", "quality": "合格"}); r.Code != http.StatusCreated { // under both lots' ceilings
		t.Fatalf("bid form: %d %s", r.Code, r.Body.String())
	}
	return id
}

func TestSignupWithdrawThenSignUpAgain(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("撤回报名测试工程"))
	b1 := e.api("bidder1")
	files := len(storedFiles(t, e))
	id := takePart(t, e, b1, p.Lots[0], "EG-WD-0001")
	if len(storedFiles(t, e)) != files+1 {
		t.Fatal("no stored bid file")
	}

	// Someone else's sign-up is not found; nothing changes.
	if r := e.api("bidder2").json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil); r.Code != http.StatusNotFound || r.errorCode(t) != "signup_not_found" {
		t.Errorf("bidder2 withdraws bidder1's sign-up: %d %s", r.Code, r.Body.String())
	}

	r := b1.json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}
	var w trading.SignupWithdrawal
	r.decode(t, &w)
	// Engineering: 5 日 from Monday 2026-03-02.
	if w.SignupID != id || w.LotID != p.Lots[0] || w.FilesWithdrawn != 1 || !w.BidFormWithdrawn || w.RefundDue != "2026-03-07" ||
		w.DepositRef != "EG-WD-0001" || !strings.Contains(w.RefundRule, "第三十五条") || !w.WithdrawnAt.Equal(e.clock.Now()) {
		t.Errorf("withdrawal %+v", w)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_signups WHERE id = ?`, id) + e.count(`SELECT COUNT(*) FROM trading_bid_files WHERE signup_id = ?`, id) +
		e.count(`SELECT COUNT(*) FROM trading_bid_forms WHERE signup_id = ?`, id); n != 0 {
		t.Errorf("%d rows of the withdrawn sign-up remain", n)
	}
	if len(storedFiles(t, e)) != files {
		t.Error("the withdrawn bid file is still stored")
	}
	// It is gone from the sign-ups, and listed as withdrawn with its refund.
	if r = b1.json("GET", fmt.Sprintf("/api/v1/signups/%d", id), nil); r.Code != http.StatusNotFound {
		t.Errorf("withdrawn sign-up: %d", r.Code)
	}
	if r = b1.json("GET", "/api/v1/signups", nil); strings.Contains(r.Body.String(), fmt.Sprint(id)) {
		t.Errorf("my sign-ups still list it: %s", r.Body.String())
	}
	if mine := withdrawalOf(t, b1, id); mine == nil || mine.RefundDue != "2026-03-07" || mine.FilesWithdrawn != 1 || !mine.BidFormWithdrawn {
		t.Errorf("my withdrawal %+v", mine)
	}
	if r = e.api("bidder2").json("GET", "/api/v1/withdrawals", nil); strings.Contains(r.Body.String(), fmt.Sprint(id)) {
		t.Errorf("bidder2 sees bidder1's withdrawal")
	}
	// Nothing can be submitted on it; a second withdrawal finds nothing.
	if r = b1.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", p.Lots[0]), "迟到.pdf", strings.NewReader("x")); r.Code != http.StatusBadRequest || r.errorCode(t) != "not_signed_up" {
		t.Errorf("upload after withdrawal: %d %s", r.Code, r.Body.String())
	}
	if r = b1.json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil); r.Code != http.StatusNotFound {
		t.Errorf("second withdrawal: %d %s", r.Code, r.Body.String())
	}

	// Signing up again is a new sign-up.
	r = b1.json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0], "declared": declaredAll()})
	if r.Code != http.StatusCreated {
		t.Fatalf("sign up again: %d %s", r.Code, r.Body.String())
	}
	var again trading.MySignup
	r.decode(t, &again)
	if again.ID == id || again.DepositMethod != "" || len(again.Receipts) != 0 {
		t.Errorf("second sign-up %+v", again)
	}

	// Through the page: the button on the lot page, a form with CSRF.
	br := e.browser("bidder1")
	lotPage := fmt.Sprintf("/bidder/lots/%d", p.Lots[0])
	if r = br.get(lotPage); !strings.Contains(r.Body.String(), fmt.Sprintf(`action="/bidder/signups/%d/withdraw"`, again.ID)) {
		t.Fatalf("lot page has no withdraw button")
	}
	req := url.Values{"_csrf": {"wrong"}}
	if r = br.postForm(fmt.Sprintf("/bidder/signups/%d/withdraw", again.ID), req); r.Code != http.StatusForbidden {
		t.Errorf("withdraw without the CSRF token: %d", r.Code)
	}
	if r = br.postForm(fmt.Sprintf("/bidder/signups/%d/withdraw", again.ID), nil); r.Code != http.StatusSeeOther || r.Header().Get("Location") != lotPage {
		t.Fatalf("withdraw form: %d %s", r.Code, r.Header().Get("Location"))
	}
	if r = br.get(lotPage); !strings.Contains(r.Body.String(), `data-testid="signup-form"`) || !strings.Contains(r.Body.String(), "已撤回报名") {
		t.Errorf("after the withdrawal the lot page offers no sign-up or no notice")
	}
	if r = br.get("/bidder/signups"); !strings.Contains(r.Body.String(), `data-testid="my-withdrawals"`) || !strings.Contains(r.Body.String(), "2026-03-07") {
		t.Errorf("my sign-ups page lists no withdrawal")
	}
	// After the sign-up deadline a withdrawal still can be made (the
	// deadline is the submission deadline), but signing up again cannot.
	second := signUpAndDeposit(t, e, b1, p.Lots[1], "EG-WD-0002")
	e.clock.Set(sh("2026-03-20 17:00"))
	b1 = e.api("bidder1")
	if r = b1.json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", second), nil); r.Code != http.StatusOK {
		t.Errorf("withdraw after the sign-up deadline: %d %s", r.Code, r.Body.String())
	}
	if r = b1.json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[1], "declared": declaredAll()}); r.Code != http.StatusConflict || r.errorCode(t) != "signup_closed" {
		t.Errorf("sign up again after the sign-up deadline: %d %s", r.Code, r.Body.String())
	}
}

func TestSignupWithdrawAtDeadlineRefused(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("撤回截止边界测试工程"))
	ids := map[string]int64{}
	for i, u := range []string{"bidder1", "bidder2"} {
		ids[u] = takePart(t, e, e.api(u), p.Lots[0], fmt.Sprintf("EG-WDL-%d", i))
	}
	deadline := sh("2026-03-30 09:30")
	e.clock.Set(deadline.Add(-time.Microsecond))
	if r := e.api("bidder1").json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", ids["bidder1"]), nil); r.Code != http.StatusOK {
		t.Errorf("one microsecond before the deadline: %d %s", r.Code, r.Body.String())
	}
	files := len(storedFiles(t, e))
	for _, at := range []time.Time{deadline, deadline.Add(time.Hour)} {
		e.clock.Set(at)
		r := e.api("bidder2").json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", ids["bidder2"]), nil)
		if r.Code != http.StatusConflict || r.errorCode(t) != "deadline_passed" {
			t.Errorf("at %s: %d %s", at, r.Code, r.Body.String())
		}
	}
	// The page answers the same error on the lot page.
	r := e.browser("bidder2").postForm(fmt.Sprintf("/bidder/signups/%d/withdraw", ids["bidder2"]), nil)
	if r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "递交截止时间已到") {
		t.Errorf("page after the deadline: %d", r.Code)
	}
	if e.count(`SELECT COUNT(*) FROM trading_signups WHERE id = ?`, ids["bidder2"]) != 1 || len(storedFiles(t, e)) != files ||
		e.count(`SELECT COUNT(*) FROM trading_signup_withdrawals WHERE id = ?`, ids["bidder2"]) != 0 {
		t.Error("a refused withdrawal changed something")
	}
}

// TestWithdrawnSignupNotOpened: at the opening the withdrawn sign-up is
// neither an entry nor a bid, its deposit is not checked, the closing
// counts it apart, and staff then see its refund, due from the withdrawal.
func TestWithdrawnSignupNotOpened(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("撤回不开标测试工程"))
	lot := p.Lots[0]
	ids := map[string]int64{}
	for i, u := range []string{"bidder1", "bidder2", "bidder3"} {
		ids[u] = takePart(t, e, e.api(u), lot, fmt.Sprintf("EG-WDO-%d-%d", p.ID, i))
	}
	e.clock.Set(sh("2026-03-10 10:00")) // a Tuesday
	if r := e.api("bidder1").json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", ids["bidder1"]), nil); r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}
	// Before the opening staff's refund list does not show it.
	st := e.api("staff")
	if r := st.json("GET", "/api/v1/refunds", nil); strings.Contains(r.Body.String(), fmt.Sprint(ids["bidder1"])) {
		t.Errorf("the refund of a withdrawal shows before the opening: %s", r.Body.String())
	}
	if r := st.json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", ids["bidder1"]), map[string]string{"note": "x"}); r.Code != http.StatusNotFound {
		t.Errorf("refund before the opening: %d %s", r.Code, r.Body.String())
	}

	e.clock.Set(sh("2026-03-30 09:30"))
	if err := e.deps.Trading.CloseSubmissions(context.Background(), lot); err != nil {
		t.Fatal(err)
	}
	st = e.api("staff")
	var o trading.Opening
	st.json("GET", fmt.Sprintf("/api/v1/lots/%d/opening", lot), nil).decode(t, &o)
	org1, _ := orgOf(t, e, "bidder1")
	if len(o.Entries) != 2 {
		t.Errorf("%d entries at the opening, want 2", len(o.Entries))
	}
	for _, en := range o.Entries {
		if en.OrgID == org1 || en.SignupID == ids["bidder1"] {
			t.Errorf("the withdrawn sign-up is an entry: %+v", en)
		}
	}
	bids, err := e.deps.Trading.OpenBids(tradingCtx(e, "staff"), lot)
	if err != nil {
		t.Fatal(err)
	}
	if len(bids) != 2 {
		t.Errorf("%d bids opened, want 2", len(bids))
	}
	for _, b := range bids {
		if b.OrgID == org1 {
			t.Errorf("the withdrawn bid was opened: %+v", b)
		}
	}
	checks, err := e.deps.Trading.DepositChecks(context.Background(), lot, []int64{org1})
	if err != nil || len(checks) != 0 {
		t.Errorf("deposit checks of the withdrawn unit: %v %v", checks, err)
	}
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE action = 'trading.lot.close' AND object_id = ?`, fmt.Sprint(lot)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, `"signups":2`) || !strings.Contains(summary, `"withdrawn":1`) {
		t.Errorf("closing event %s", summary)
	}

	// Now staff see the refund: due 5 日 after Tuesday 10 March, overdue.
	var refunds struct{ Refunds []trading.Refund }
	st.json("GET", "/api/v1/refunds", nil).decode(t, &refunds)
	var found *trading.Refund
	for i, rf := range refunds.Refunds {
		if rf.SignupID == ids["bidder1"] {
			found = &refunds.Refunds[i]
		}
	}
	if found == nil || !found.Withdrawn || found.Due != "2026-03-15" || !found.Overdue || found.OrgName != "示范第一建设集团有限公司" || found.Reference == "" {
		t.Fatalf("refund of the withdrawal %+v", found)
	}
	if r := e.browser("staff").get("/staff/refunds"); !strings.Contains(r.Body.String(), "撤回报名") {
		t.Error("the refunds page does not mark the withdrawal")
	}
	if r := st.json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", ids["bidder1"]), map[string]string{"note": "已退回保函"}); r.Code != http.StatusNoContent {
		t.Fatalf("refund: %d %s", r.Code, r.Body.String())
	}
	if r := st.json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", ids["bidder1"]), map[string]string{}); r.Code != http.StatusConflict {
		t.Errorf("second refund: %d", r.Code)
	}
	if w := withdrawalOf(t, e.api("bidder1"), ids["bidder1"]); w == nil || w.RefundedAt.IsZero() {
		t.Errorf("the bidder does not see the refund: %+v", w)
	}
}

// TestSignupWithdrawProcurementWorkingDays: a procurement deposit is due 5
// 工作日 after the withdrawal.
func TestSignupWithdrawProcurementWorkingDays(t *testing.T) {
	e := newEnv(t)
	p := publishBody(t, e, projectBody(e, trading.Procurement, uniqueTitle("撤回报名采购项目")))
	b := e.api("bidder3")
	id := signUpAndDeposit(t, e, b, p.Lots[0], "EG-WDP-0001")
	e.clock.Set(sh("2026-03-06 10:00")) // a Friday
	b = e.api("bidder3")
	var w trading.SignupWithdrawal
	r := b.json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil)
	r.decode(t, &w)
	if r.Code != http.StatusOK || w.RefundDue != "2026-03-13" || !strings.Contains(w.RefundRule, "5个工作日") || w.FilesWithdrawn != 0 || w.BidFormWithdrawn {
		t.Errorf("procurement withdrawal: %d %+v", r.Code, w)
	}
	// Without a deposit nothing falls due.
	id = e.api("bidder4").json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0]}).mustSignup(t).ID
	r = e.api("bidder4").json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil)
	var none trading.SignupWithdrawal
	r.decode(t, &none)
	if r.Code != http.StatusOK || none.RefundDue != "" || none.DepositMethod != "" || none.SignupID != id {
		t.Errorf("withdrawal without a deposit: %d %+v", r.Code, none)
	}
}

// TestSignupWithdrawRace: the same sign-up withdrawn by N requests at once
// is withdrawn exactly once.
func TestSignupWithdrawRace(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("撤回并发测试工程"))
	id := takePart(t, e, e.api("bidder3"), p.Lots[0], "EG-WDR-0001")
	const n = 8
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = e.api("bidder3")
	}
	codes := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = clients[i].json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil).Code
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			won++
		case http.StatusNotFound:
		default:
			t.Errorf("answer %d", c)
		}
	}
	if won != 1 || e.count(`SELECT COUNT(*) FROM trading_signup_withdrawals WHERE id = ?`, id) != 1 {
		t.Errorf("%d withdrawals won (%v)", won, codes)
	}
}

// withdrawalOf finds a withdrawal among c's.
func withdrawalOf(t testing.TB, c *client, id int64) *trading.SignupWithdrawal {
	t.Helper()
	var mine struct{ Withdrawals []trading.SignupWithdrawal }
	c.json("GET", "/api/v1/withdrawals", nil).decode(t, &mine)
	for i := range mine.Withdrawals {
		if mine.Withdrawals[i].SignupID == id {
			return &mine.Withdrawals[i]
		}
	}
	return nil
}

func (r response) mustSignup(t testing.TB) trading.MySignup {
	t.Helper()
	if r.Code != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", r.Code, r.Body.String())
	}
	var m trading.MySignup
	r.decode(t, &m)
	return m
}

// TestSignupWithdrawSealedBeforeOpening extends TestTradingSealedBeforeOpening
// to withdrawals on an invited project: every GET route of the trading area
// and of invited tendering answers every role (and the public) the same
// before and after invitees sign up, submit, withdraw and sign up again, no
// answer names them or their deposits, and the audit trail holds the
// withdrawals as sealed events only.
func TestSignupWithdrawSealedBeforeOpening(t *testing.T) {
	e := newEnv(t)
	p := invitedEngineering(t, e, uniqueTitle("撤回密封性测试工程"), "bidder1", "bidder2", "bidder3", "bidder4")
	ids := map[string][]int64{"projects": {p.ID}, "announcements": {p.AnnID}, "lots": p.Lots}
	for i := int64(1); i <= 5; i++ {
		ids["signups"] = append(ids["signups"], 1<<39+i)
		ids["bids"] = append(ids["bids"], 1<<39+i)
	}
	table := append(append([]access(nil), tradingAccess...), tradingInvitationsAccess...)
	observers := map[string]*client{"public": e.anon()}
	for role, u := range demoUserOf {
		if role == bidder {
			u = "bidder5"
		}
		br := e.browser(u)
		br.get("/workspace")
		observers[role+"-browser"] = br
		observers[role+"-api"] = e.api(u)
	}
	before := map[string]map[string]string{}
	for name, c := range observers {
		before[name] = routeSnapshot(t, e, c, ids, table)
	}
	var lastEvent int64
	if err := e.db.Get(&lastEvent, `SELECT COALESCE(MAX(id), 0) FROM audit_events`); err != nil {
		t.Fatal(err)
	}

	var secrets []string
	var withdrawn []int64
	for i, u := range []string{"bidder1", "bidder2", "bidder3"} {
		c := e.api(u)
		ref := fmt.Sprintf("WD-SEALED-%d-%d", p.ID, i)
		id := takePart(t, e, c, p.Lots[0], ref)
		secrets = append(secrets, ref, "报价-"+ref+".pdf")
		if i < 2 { // two withdraw; one of them signs up again
			r := c.json("POST", fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil)
			if r.Code != http.StatusOK {
				t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
			}
			withdrawn = append(withdrawn, id)
		}
		if i == 1 {
			takePart(t, e, c, p.Lots[0], ref+"-AGAIN")
			secrets = append(secrets, ref+"-AGAIN")
		}
	}
	// A withdrawal through the page, too.
	b4 := e.api("bidder4")
	id4 := signUpAndDeposit(t, e, b4, p.Lots[1], fmt.Sprintf("WD-SEALED-%d-4", p.ID))
	secrets = append(secrets, fmt.Sprintf("WD-SEALED-%d-4", p.ID))
	if r := e.browser("bidder4").postForm(fmt.Sprintf("/bidder/signups/%d/withdraw", id4), nil); r.Code != http.StatusSeeOther {
		t.Fatalf("page withdrawal: %d", r.Code)
	}
	withdrawn = append(withdrawn, id4)

	var names []string
	for _, o := range demo.Logins() {
		if o.Role == bidder && o.Username != "bidder5" {
			names = append(names, o.Org, o.Name, o.Username)
		}
	}
	// The real ids now: the sign-ups left, the withdrawn ones, the files left.
	var signupIDs, bidIDs []int64
	if err := e.db.Select(&signupIDs, `SELECT id FROM trading_signups WHERE project_id = ? ORDER BY created_at, id`, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Select(&bidIDs, `SELECT id FROM trading_bid_files WHERE project_id = ? ORDER BY created_at, id`, p.ID); err != nil {
		t.Fatal(err)
	}
	ids["signups"] = append(signupIDs, withdrawn...)
	for i := int64(1); len(bidIDs) < 5; i++ {
		bidIDs = append(bidIDs, 1<<39+i)
	}
	ids["bids"] = bidIDs
	if len(ids["signups"]) != 5 || len(signupIDs) != 2 {
		t.Fatalf("sign-up ids %v", ids["signups"])
	}
	portalCachesMu.Lock()
	delete(portalCaches, e.srv)
	portalCachesMu.Unlock()
	for name, c := range observers {
		after := routeSnapshot(t, e, c, ids, table)
		for path, body := range after {
			if !strings.Contains(path, "/questions") && before[name][path] != body {
				t.Errorf("%s sees a change on GET %s after the withdrawals:\nbefore %.300s\nafter  %.300s", name, path, before[name][path], body)
			}
			// The project's pages name no bidder, apart from the invitee
			// list (whom the agency invited, not who took part).
			check := secrets
			if strings.Contains(path, "#") && !strings.Contains(path, "/invitations") {
				check = append(append([]string(nil), secrets...), names...)
			}
			for _, s := range check {
				if strings.Contains(body, s) {
					t.Errorf("%s sees %q on GET %s", name, s, path)
				}
			}
		}
	}
	// The trail: sealed events only, naming no project and no actor.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE id > ? AND (project_id = ? OR summary LIKE ?)`, lastEvent, p.ID, "%signup_withdraw%"); n != 0 {
		t.Errorf("%d audit events name the project or the withdrawal", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE id > ? AND action = 'trading.sealed' AND (project_id IS NOT NULL OR actor <> 'sealed' OR actor_user_id IS NOT NULL OR org_id IS NOT NULL OR ip <> '')`, lastEvent); n != 0 {
		t.Errorf("%d sealed events name a project or an actor", n)
	}
	var actions []string
	if err := e.db.Select(&actions, `SELECT DISTINCT action FROM audit_events WHERE id > ? AND action LIKE 'trading.%'`, lastEvent); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(actions) != "[trading.sealed]" {
		t.Errorf("trading events written while bidders took part: %v", actions)
	}
	sup := e.api("supervisor")
	r := sup.json("GET", "/api/v1/audit/events?limit=500&action=trading.sealed", nil)
	for _, s := range append(secrets, names...) {
		if strings.Contains(r.Body.String(), s) {
			t.Errorf("the audit trail shows %q", s)
		}
	}

	// At the opening the withdrawals' sealed events join the archive.
	e.clock.Set(sh("2026-03-30 09:30"))
	if err := e.deps.Trading.CloseSubmissions(context.Background(), p.Lots[0]); err != nil {
		t.Fatal(err)
	}
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE action = 'trading.lot.close' AND object_id = ?`, fmt.Sprint(p.Lots[0])); err != nil {
		t.Fatal(err)
	}
	var refs []string
	if err := e.db.Select(&refs, `SELECT object_id FROM audit_events WHERE id > ? AND action = 'trading.sealed'`, lastEvent); err != nil {
		t.Fatal(err)
	}
	tied := 0
	for _, ref := range refs {
		if strings.Contains(summary, ref) {
			tied++
		}
	}
	// Tied to the archive at the first lot's closing: its two sign-ups and
	// two files left (as before: deposits and bid forms are not), and for
	// each of its two withdrawals the sign-up, file, bid form and the
	// withdrawal itself.
	if tied != 12 || !strings.Contains(summary, `"signups":2`) || !strings.Contains(summary, `"withdrawn":2`) {
		t.Errorf("the closing ties %d sealed events: %s", tied, summary)
	}
}

// routeSnapshot is tradingSnapshot over a given route table.
func routeSnapshot(t *testing.T, e *env, viewer *client, ids map[string][]int64, table []access) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range append(table, access{method: "GET", path: "/workspace"}, access{method: "GET", path: "/api/v1/me"}) {
		if a.method != http.MethodGet {
			continue
		}
		paths := []string{a.path, a.path + "?status=open", a.path + "?status=published"}
		if strings.Contains(a.path, ":") {
			seg := strings.Split(a.path[:strings.Index(a.path, ":")-1], "/")
			paths = nil
			for _, id := range ids[seg[len(seg)-1]] {
				paths = append(paths, paramRe.ReplaceAllString(a.path, fmt.Sprint(id)))
			}
		}
		for i, p := range paths {
			r := viewer.call(http.MethodGet, p)
			if r.Code >= 500 {
				t.Errorf("GET %s as %s: %d %s", p, viewer.user, r.Code, r.Body.String())
			}
			key := p
			if strings.Contains(a.path, ":") {
				key = fmt.Sprintf("%s#%d", a.path, i)
			}
			out[key] = fmt.Sprintf("%d %s", r.Code, volatileRe.ReplaceAllString(r.Body.String(), ""))
		}
	}
	return out
}
