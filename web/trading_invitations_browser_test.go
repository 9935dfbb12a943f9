package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"ggzy/lottery"
	"ggzy/trading"
)

// TestBrowserInvitedTenderAndWithdrawal: agency2 registers an invited
// procurement (邀请招标, accepted through the API) → on the invitations page
// enters five candidate suppliers and the number 3, enters the witnesses'
// numbers and draws → sees the three invitees and the verification, which the
// test recomputes from what the page shows → publishes on the project page →
// an invited supplier finds its 投标邀请书, signs up, sees the sign-up, withdraws
// it with 撤回报名, sees the withdrawal listed and signs up again → a supplier
// that was not invited is refused on the lot page in Chinese, and nothing is
// written for it.
func TestBrowserInvitedTenderAndWithdrawal(t *testing.T) {
	b := newBrowser(t)
	e := b.env
	set := func(sel, v string) chromedp.Action { return chromedp.SetValue(sel, v, chromedp.ByQuery) }
	rows := func(table string, out *[][]string) chromedp.Action {
		return chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-testid=`+table+`] tr')).slice(1).map(r => Array.from(r.cells).map(c => c.innerText.trim()))`, out)
	}
	// A confirmation before a withdrawal, if the page ever asks one, is
	// accepted as the user would.
	var dialogs atomic.Int32
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go func() { _ = chromedp.Run(b.ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})

	// 1. agency2's invited procurement, registered and accepted.
	title := uniqueTitle("浏览器邀请招标实验室设备采购")
	body := projectBody(e, trading.Procurement, title)
	body["method"] = trading.MethodInvited
	body["eligibility"] = []string{"具有教学仪器设备供货能力", "近三年内在经营活动中没有重大违法记录"}
	ag := e.api("agency2")
	r := ag.json("POST", "/api/v1/projects", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Code, r.Body.String())
	}
	var proj trading.Project
	r.decode(t, &proj)
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", proj.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Code, r.Body.String())
	}
	if r = e.api("staff").json("POST", fmt.Sprintf("/api/v1/projects/%d/review", proj.ID), map[string]any{"accept": true}); r.Code != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Code, r.Body.String())
	}
	projectPath := fmt.Sprintf("/projects/%d", proj.ID)
	bidders := []string{"bidder1", "bidder2", "bidder3", "bidder4", "bidder5"}
	userOfCode := map[string]string{}
	var codes []string
	for _, u := range bidders {
		_, c := orgOf(t, e, u)
		codes = append(codes, c)
		userOfCode[c] = u
	}

	// The agency enters the candidates and the count on the page.
	b.login(t, "agency2")
	var heading, before, flash, poolHash, commitment string
	var candidates [][]string
	b.run(t, "enter candidates",
		chromedp.Navigate(b.url+projectPath),
		chromedp.WaitVisible(`[data-testid=invitations-link]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=invitations-link]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=invitations-form]`, chromedp.ByQuery),
		chromedp.Text(`main h1`, &heading, chromedp.ByQuery),
		chromedp.Text(`[data-testid=invitees]`, &before, chromedp.ByQuery),
		set(`#candidates`, strings.Join(codes, "\n")),
		chromedp.SetValue(`#source`, trading.SourcePrequal, chromedp.ByQuery),
		set(`#count`, "3"),
		chromedp.Click(`[data-testid=invitations-form] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=draw-form]`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
		chromedp.Text(`[data-testid=pool-hash]`, &poolHash, chromedp.ByQuery),
		chromedp.Text(`[data-testid=commitment]`, &commitment, chromedp.ByQuery),
		rows("candidates", &candidates),
	)
	poolHash, commitment = strings.TrimSpace(poolHash), strings.TrimSpace(commitment)
	if !strings.Contains(heading, title) || !strings.Contains(before, "尚未确定") {
		t.Errorf("empty invitations page: heading %q, invitees %q", heading, before)
	}
	if !strings.Contains(flash, "候选供应商名单已固定（5家") || len(poolHash) != 64 || len(commitment) != 64 || !strings.Contains(flash, poolHash) {
		t.Fatalf("after fixing the candidates: flash %q, pool hash %q, commitment %q", flash, poolHash, commitment)
	}
	if len(candidates) != 5 {
		t.Fatalf("candidates on the page: %q", candidates)
	}
	for i, c := range candidates {
		if len(c) != 3 || c[0] != strconv.Itoa(i+1) || userOfCode[c[2]] == "" {
			t.Fatalf("candidate row %d: %q", i+1, c)
		}
	}
	b.screenshot(t, "invited-1-candidates")

	// Witnesses' numbers, then the draw.
	var invitees, verification [][]string
	var secret, result, supervisors string
	var sources []string
	b.run(t, "draw",
		set(`#numbers`, "31 7 2026\n88"),
		set(`#supervisors`, "王芳\n李强"),
		chromedp.Click(`[data-testid=draw-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=invitations-fixed]`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
		rows("invitees", &invitees),
		rows("verification", &verification),
		chromedp.Text(`[data-testid=secret]`, &secret, chromedp.ByQuery),
		chromedp.Text(`[data-testid=draw-result]`, &result, chromedp.ByQuery),
		chromedp.Text(`[data-testid=supervisors]`, &supervisors, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-testid=draw-record] p')).filter(p => p.innerText.startsWith('见证人随机数')).flatMap(p => Array.from(p.querySelectorAll('.mono')).map(s => s.innerText))`, &sources),
	)
	b.screenshot(t, "invited-2-drawn")
	if supervisors != "王芳、李强" {
		t.Errorf("supervisors on the draw record: %q", supervisors)
	}
	if !strings.Contains(flash, "已随机抽取受邀供应商3家") {
		t.Errorf("flash after the draw %q", flash)
	}
	if len(invitees) != 3 {
		t.Fatalf("invitees on the page: %q", invitees)
	}
	if len(verification) == 0 {
		t.Fatal("no verification on the page")
	}
	for _, v := range verification {
		if len(v) < 2 || v[1] != "一致" {
			t.Errorf("verification row %q", v)
		}
	}
	// The test recomputes the draw from what the page shows.
	secret = strings.TrimSpace(secret)
	if sum := sha256.Sum256([]byte(secret)); hex.EncodeToString(sum[:]) != commitment {
		t.Errorf("the revealed secret %q does not match the commitment %s shown before the draw", secret, commitment)
	}
	if len(sources) != 2 {
		t.Fatalf("witness numbers on the page: %q", sources)
	}
	key, err := lottery.KeyFromStrings(append(sources, secret))
	if err != nil {
		t.Fatal(err)
	}
	order, err := lottery.Select(key, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(result), " "); got != strings.Trim(fmt.Sprint(order), "[]") {
		t.Fatalf("page shows order %q, recomputed %v", result, order)
	}
	invited := map[string]bool{}
	for i, n := range order {
		c := candidates[n-1]
		if iv := invitees[i]; len(iv) != 3 || iv[0] != strconv.Itoa(i+1) || iv[1] != c[1] || iv[2] != c[2] {
			t.Errorf("invitee %d is %q, candidate %d is %q", i+1, iv, n, c)
		}
		invited[userOfCode[c[2]]] = true
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_invitees WHERE project_id = ?`, proj.ID); n != 3 {
		t.Errorf("%d invitee rows", n)
	}
	var present bool
	b.run(t, "no form after the draw",
		chromedp.Evaluate(`document.querySelector('[data-testid=invitations-form], [data-testid=draw-form]') !== null`, &present))
	if present {
		t.Error("the invitations page still offers a form after the draw")
	}

	// Publication on the project page.
	var status, code string
	b.run(t, "publish",
		chromedp.Navigate(b.url+projectPath),
		chromedp.WaitVisible(`[data-testid=publish-form]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=publish-submit]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid=publish-form]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=project-status]`, &status, chromedp.ByQuery),
		chromedp.Text(`[data-testid=project-code]`, &code, chromedp.ByQuery),
	)
	code = strings.TrimSpace(code)
	if status != trading.StatusNames[trading.StatusPublished] || code == "" {
		t.Fatalf("after publishing: status %q, code %q", status, code)
	}
	b.logout(t)
	var lot int64
	if err := e.db.Get(&lot, `SELECT id FROM trading_lots WHERE project_id = ? ORDER BY lot_no LIMIT 1`, proj.ID); err != nil {
		t.Fatal(err)
	}
	lotPath := fmt.Sprintf("/bidder/lots/%d", lot)
	var in, out string
	for _, u := range bidders {
		if invited[u] && in == "" {
			in = u
		}
		if !invited[u] && out == "" {
			out = u
		}
	}
	signupsOnLot := func() int { return e.count(`SELECT COUNT(*) FROM trading_signups WHERE lot_id = ?`, lot) }
	withdrawalsOnLot := func() int {
		return e.count(`SELECT COUNT(*) FROM trading_signup_withdrawals WHERE lot_id = ?`, lot)
	}
	signupID := func(step string) int64 {
		t.Helper()
		var action string
		var ok bool
		b.run(t, step, chromedp.AttributeValue(`[data-testid=signup-withdraw-form]`, "action", &action, &ok, chromedp.ByQuery))
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(action, "/bidder/signups/"), "/withdraw"), 10, 64)
		if !ok || err != nil {
			t.Fatalf("%s: withdraw form action %q", step, action)
		}
		return id
	}

	// 2. The invited supplier: invitation → lot → sign-up.
	b.login(t, in)
	var letter, hint, signed string
	b.run(t, "invitation and sign-up",
		chromedp.Navigate(b.url+"/bidder/invitations"),
		chromedp.WaitVisible(fmt.Sprintf(`[data-testid=invitation-%d]`, proj.ID), chromedp.ByQuery),
		chromedp.Text(fmt.Sprintf(`[data-testid=invitation-%d]`, proj.ID), &letter, chromedp.ByQuery),
		chromedp.Click(fmt.Sprintf(`[data-testid=invitation-lot-%d]`, lot), chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=signup-form]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=invited-only]`, &hint, chromedp.ByQuery),
		chromedp.Click(`[data-testid=declare-0]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=declare-1]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=signup-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=signed-up]`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
		chromedp.Text(`[data-testid=signed-up]`, &signed, chromedp.ByQuery),
	)
	if !strings.Contains(letter, "投标邀请书") || !strings.Contains(letter, title) || !strings.Contains(letter, code) ||
		!strings.Contains(letter, "诚信政府采购代理有限公司") || !strings.Contains(letter, "报名 / 递交") {
		t.Errorf("%s's invitation:\n%s", in, letter)
	}
	if !strings.Contains(hint, "邀请招标") || !strings.Contains(flash, "报名成功") || !strings.Contains(signed, "已报名") {
		t.Errorf("sign-up page: hint %q, flash %q, %q", hint, flash, signed)
	}
	first := signupID("first sign-up id")
	if n := e.count(`SELECT COUNT(*) FROM trading_signups WHERE id = ? AND lot_id = ? AND project_id = ?`, first, lot, proj.ID); n != 1 || signupsOnLot() != 1 {
		t.Fatalf("sign-up %d: %d rows, %d on the lot", first, n, signupsOnLot())
	}
	b.screenshot(t, "invited-3-signed-up")

	// My sign-ups lists it; no withdrawal yet.
	var mine [][]string
	var withdrawalsShown bool
	b.run(t, "my sign-ups",
		chromedp.Navigate(b.url+"/bidder/signups"),
		chromedp.WaitVisible(`[data-testid=my-signups]`, chromedp.ByQuery),
		rows("my-signups", &mine),
		chromedp.Evaluate(`document.querySelector('[data-testid=my-withdrawals]') !== null && document.querySelector('[data-testid=my-withdrawals]').innerText.includes(`+strconv.Quote(code)+`)`, &withdrawalsShown),
	)
	if row := rowWith(mine, code); row == nil || !strings.Contains(strings.Join(row, " "), "包1") || !strings.Contains(strings.Join(row, " "), "未登记") {
		t.Errorf("my sign-ups do not list the sign-up: %q", mine)
	}
	if withdrawalsShown {
		t.Error("a withdrawal is listed before any")
	}

	// Withdraw with the lot page's button.
	var after string
	b.run(t, "withdraw",
		chromedp.Click(fmt.Sprintf(`[data-testid=my-signups] a[href="%s"]`, lotPath), chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=signup-withdraw]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=signup-withdraw]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=signup-form]`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('[data-testid=signed-up]') === null ? '' : 'still signed up'`, &after),
	)
	if n := dialogs.Load(); n != 1 {
		t.Errorf("%d confirmation dialogs before the withdrawal, want 1", n)
	}
	if !strings.Contains(flash, "已撤回报名") || after != "" {
		t.Errorf("after the withdrawal: flash %q, %q", flash, after)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_signups WHERE id = ?`, first); n != 0 || signupsOnLot() != 0 {
		t.Errorf("the withdrawn sign-up remains (%d rows, %d on the lot)", n, signupsOnLot())
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_signup_withdrawals WHERE id = ? AND lot_id = ? AND refund_due IS NULL`, first, lot); n != 1 {
		t.Errorf("%d withdrawal rows for sign-up %d", n, first)
	}
	var withdrawn [][]string
	b.run(t, "withdrawal listed",
		chromedp.Navigate(b.url+"/bidder/signups"),
		chromedp.WaitVisible(`[data-testid=my-withdrawals]`, chromedp.ByQuery),
		rows("my-signups", &mine),
		rows("my-withdrawals", &withdrawn),
	)
	if rowWith(mine, code) != nil {
		t.Errorf("my sign-ups still list the withdrawn sign-up: %q", mine)
	}
	if row := rowWith(withdrawn, code); row == nil || len(row) != 6 || row[1] != "包1" || row[3] != "0 个" || row[4] != "未登记" || row[5] != "" {
		t.Errorf("withdrawals: %q", withdrawn)
	}
	b.screenshot(t, "invited-4-withdrawn")

	// Signing up again.
	b.run(t, "sign up again",
		chromedp.Click(fmt.Sprintf(`[data-testid=my-withdrawals] a[href="%s"]`, lotPath), chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=signup-form]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=declare-0]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=declare-1]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=signup-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=signed-up]`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
	)
	second := signupID("second sign-up id")
	if !strings.Contains(flash, "报名成功") || second == first || signupsOnLot() != 1 ||
		e.count(`SELECT COUNT(*) FROM trading_signups WHERE id = ? AND lot_id = ?`, second, lot) != 1 {
		t.Fatalf("sign-up again: flash %q, id %d (first %d), %d on the lot", flash, second, first, signupsOnLot())
	}
	b.run(t, "signed up again listed",
		chromedp.Navigate(b.url+"/bidder/signups"),
		chromedp.WaitVisible(`[data-testid=my-withdrawals]`, chromedp.ByQuery),
		rows("my-signups", &mine),
		rows("my-withdrawals", &withdrawn),
	)
	if rowWith(mine, code) == nil || rowWith(withdrawn, code) == nil {
		t.Errorf("after signing up again: sign-ups %q, withdrawals %q", mine, withdrawn)
	}
	b.logout(t)

	// 3. A supplier that was not invited has no invitation and is refused.
	b.login(t, out)
	var noLetter bool
	var alert, outHint string
	b.run(t, "not invited",
		chromedp.Navigate(b.url+"/bidder/invitations"),
		chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector('[data-testid=invitation-%d]') === null && !document.querySelector('main').innerText.includes(%q)`, proj.ID, code), &noLetter),
		chromedp.Navigate(b.url+"/announcements?q="+code),
		chromedp.WaitVisible(`[data-testid=announcements]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=announcements] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=lot-link-1]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=lot-link-1]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=not-invited]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=invited-only]`, &outHint, chromedp.ByQuery),
		chromedp.Text(`[data-testid=not-invited]`, &alert, chromedp.ByQuery),
		chromedp.Evaluate(`(document.querySelector('[data-testid=signup-form]') === null ? '' : 'form') + (document.querySelector('[data-testid=signed-up]') === null ? '' : 'signed up')`, &after),
	)
	b.screenshot(t, "invited-5-not-invited")
	if !noLetter {
		t.Errorf("%s (not invited) sees an invitation to %s", out, code)
	}
	if !strings.Contains(outHint, "只有收到投标邀请书的单位可以报名") {
		t.Errorf("lot page hint %q", outHint)
	}
	// The lot page says why instead of offering a form it cannot use.
	if !strings.Contains(alert, "未收到本项目的投标邀请书，不能报名") || after != "" {
		t.Errorf("%s (not invited): notice %q, page has %q", out, alert, after)
	}
	// And the API refuses it, whatever it declares.
	if r := e.api(out).json("POST", "/api/v1/signups", map[string]any{"lot_id": proj.Lots[0].ID, "declared": []bool{true, true}}); r.Code != http.StatusForbidden || r.errorCode(t) != "not_invited" {
		t.Errorf("%s (not invited) API sign-up: %d %s", out, r.Code, r.Body.String())
	}
	if signupsOnLot() != 1 || withdrawalsOnLot() != 1 {
		t.Errorf("after the refusal: %d sign-ups, %d withdrawals on the lot", signupsOnLot(), withdrawalsOnLot())
	}
	b.run(t, "not invited sign-ups",
		chromedp.Navigate(b.url+"/bidder/signups"),
		chromedp.WaitVisible(`[data-testid=my-signups]`, chromedp.ByQuery),
		rows("my-signups", &mine),
	)
	if rowWith(mine, code) != nil {
		t.Errorf("%s (not invited) lists a sign-up: %q", out, mine)
	}
	b.logout(t)
}

// rowWith is the first row with a cell that contains s.
func rowWith(rows [][]string, s string) []string {
	for _, r := range rows {
		for _, c := range r {
			if strings.Contains(c, s) {
				return r
			}
		}
	}
	return nil
}
