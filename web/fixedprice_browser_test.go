package web

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ggzy/clock"
)

// TestBrowserFixedPriceJourney: through the pages only, the agency registers
// a fixed-price selection and publishes its announcement → the announcement
// is on the portal → bidder1..bidder3 apply → staff review them → staff
// freeze the pool (list, SHA-256, commitment) → the supervisor and the
// owner's representative enter their numbers (a non-number is refused on
// the page) → the draw runs while the big screen, open in a second tab,
// updates itself to the winner and backups → the result announcement is
// public → after the publicity the winner confirms and reads its notice.
func TestBrowserFixedPriceJourney(t *testing.T) {
	b := newBrowser(t)
	withoutWinLimits(t, b.env)
	now := b.clock.Now().In(clock.Shanghai)
	applyUntil := time.Date(now.Year(), now.Month(), now.Day()+7, 17, 0, 0, 0, clock.Shanghai)
	title := uniqueTitle("浏览器固定价比选村道硬化工程")
	set := func(sel, v string) chromedp.Action { return chromedp.SetValue(sel, v, chromedp.ByQuery) }

	// 1. The agency registers and publishes.
	b.login(t, "agency")
	var fixed, selURL string
	b.run(t, "register",
		chromedp.Navigate(b.url+"/fixedprice"),
		chromedp.Click(`[data-testid=fp-new]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=fp-form]`, chromedp.ByQuery),
		chromedp.SendKeys(`#title`, title, chromedp.ByID),
		chromedp.SendKeys(`#owner_name`, "示范县交通运输局", chromedp.ByID),
		chromedp.Click(`input[name=government_invested]`, chromedp.ByQuery),
		chromedp.SendKeys(`#funding`, "县级财政资金", chromedp.ByID),
		chromedp.SendKeys(`#site`, "示范县西岭乡", chromedp.ByID),
		chromedp.SendKeys(`#approval_no`, "示发改〔2026〕57号", chromedp.ByID),
		chromedp.SendKeys(`#control_price`, "1,888,888.88", chromedp.ByID),
		chromedp.SendKeys(`#rate`, "4.25", chromedp.ByID),
		set(`#apply_until`, applyUntil.Format("2006-01-02T15:04")),
		set(`#backups`, "2"),
		chromedp.SendKeys(`#eligibility`, "具有公路工程施工总承包三级及以上资质\n具有有效的安全生产许可证", chromedp.ByID),
		chromedp.Click(`[data-testid=fp-save]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=fp-publish]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-fixed-price]`, &fixed, chromedp.ByQuery),
		chromedp.Location(&selURL),
	)
	// 1,888,888.88 × (1 − 4.25%) = 1,808,611.1026 → 四舍五入到分.
	if strings.TrimSpace(fixed) != "¥1,808,611.10" {
		t.Fatalf("fixed price %q", fixed)
	}
	selURL = strings.SplitN(selURL, "?", 2)[0]
	var selID int64
	if _, err := fmt.Sscanf(selURL[strings.LastIndex(selURL, "/")+1:], "%d", &selID); err != nil {
		t.Fatalf("selection URL %s: %v", selURL, err)
	}
	path := fmt.Sprintf("/fixedprice/%d", selID)
	b.screenshot(t, "fixedprice-1-draft")
	var code, status string
	b.run(t, "publish",
		chromedp.Click(`[data-testid=fp-publish]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid=fp-publish]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-status]`, &status, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-code]`, &code, chromedp.ByQuery),
	)
	code = strings.TrimSpace(code)
	if !strings.Contains(status, "比选公告已发布") || !strings.HasPrefix(code, "GC-") {
		t.Fatalf("after publishing: status %q, code %q", status, code)
	}
	b.logout(t)

	// 2. The public finds the announcement with the fixed price and the rule.
	var heading, body string
	b.run(t, "portal announcement",
		chromedp.Navigate(b.url+"/announcements?method=fixed_price&q="+code),
		chromedp.WaitVisible(`[data-testid=announcements]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=announcements] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=announcement-title]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=announcement-title]`, &heading, chromedp.ByQuery),
		chromedp.Text(`main .card pre`, &body, chromedp.ByQuery),
	)
	if !strings.Contains(heading, title+"固定价比选公告") || !strings.Contains(body, "1,808,611.10") || !strings.Contains(body, "四舍五入") {
		t.Fatalf("announcement %q:\n%s", heading, body)
	}
	b.screenshot(t, "fixedprice-2-announcement")

	// 3. Three contractors apply through the page.
	for i, u := range []string{"bidder1", "bidder2", "bidder3"} {
		b.login(t, u)
		var mine string
		b.run(t, "apply "+u,
			chromedp.Navigate(b.url+"/fixedprice"),
			chromedp.Click(fmt.Sprintf(`[data-testid=fp-list] a[href="%s"]`, path), chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid=fp-apply-form]`, chromedp.ByQuery),
			chromedp.SendKeys(`#qualification`, "公路工程施工总承包三级", chromedp.ByID),
			chromedp.SendKeys(`#safety_licence`, fmt.Sprintf("(闽)JZ安许证字[2022]00%04d", 31+i), chromedp.ByID),
			chromedp.SendKeys(`#manager_name`, []string{"陈一", "林二", "黄三"}[i], chromedp.ByID),
			chromedp.SendKeys(`#manager_cert`, fmt.Sprintf("闽BRW%05d", 100+i), chromedp.ByID),
			chromedp.Click(`[data-testid=fp-apply]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid=fp-my-application]`, chromedp.ByQuery),
			chromedp.Text(`[data-testid=fp-my-application]`, &mine, chromedp.ByQuery),
		)
		if !strings.Contains(mine, "待审查") {
			t.Errorf("%s sees %q", u, mine)
		}
		if i == 0 {
			b.screenshot(t, "fixedprice-3-applied")
		}
		b.logout(t)
	}

	// 4. The window closes (server clock); sessions started before the jump
	// are over, so everyone logs in afresh from here on.
	b.clock.Advance(applyUntil.Sub(b.clock.Now()) + time.Minute)

	// 5. Staff review the three applications and freeze the pool.
	b.login(t, "staff")
	var appIDs []string
	b.run(t, "applications",
		chromedp.Navigate(b.url+path),
		chromedp.WaitVisible(`[data-testid=fp-applications]`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-testid^="fp-qualify-"]')).map(e => e.dataset.testid.slice("fp-qualify-".length))`, &appIDs),
	)
	if len(appIDs) != 3 {
		t.Fatalf("staff see %d applications to review", len(appIDs))
	}
	for _, id := range appIDs {
		b.run(t, "qualify "+id,
			chromedp.Click(`[data-testid=fp-qualify-`+id+`]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid=fp-app-status-`+id+`][data-status=qualified]`, chromedp.ByQuery),
		)
	}
	var poolHash, commitment, pool string
	b.run(t, "prepare",
		chromedp.Click(`[data-testid=fp-prepare]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=fp-pool]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-pool-hash]`, &poolHash, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-commitment]`, &commitment, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-pool]`, &pool, chromedp.ByQuery),
	)
	poolHash, commitment = strings.TrimSpace(poolHash), strings.TrimSpace(commitment)
	if len(poolHash) != 64 || len(commitment) != 64 {
		t.Fatalf("pool hash %q, commitment %q", poolHash, commitment)
	}
	if n := strings.Count(pool, "\n"); n < 3 {
		t.Fatalf("eligible list:\n%s", pool)
	}
	b.screenshot(t, "fixedprice-4-pool-frozen")
	b.logout(t)

	// 6. The supervisor enters numbers: a word is refused on the page,
	// digits are taken.
	b.login(t, "supervisor")
	var numErr string
	b.run(t, "supervisor bad numbers",
		chromedp.Navigate(b.url+path),
		chromedp.WaitVisible(`[data-testid=fp-witness-form]`, chromedp.ByQuery),
		chromedp.SendKeys(`#w_name`, "王监督", chromedp.ByID),
		chromedp.SendKeys(`#w_numbers`, "十二", chromedp.ByID),
		chromedp.Click(`[data-testid=fp-witness]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#w_numbers + .err:not(:empty)`, chromedp.ByQuery),
		chromedp.Text(`#w_numbers + .err`, &numErr, chromedp.ByQuery),
	)
	if strings.TrimSpace(numErr) == "" {
		t.Fatal("no message for witness input that is not a number")
	}
	var witnesses string
	b.run(t, "supervisor numbers",
		chromedp.SetValue(`#w_numbers`, "17 4", chromedp.ByID),
		chromedp.Click(`[data-testid=fp-witness]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=fp-witnesses][data-count="1"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-witnesses]`, &witnesses, chromedp.ByQuery),
	)
	if !strings.Contains(witnesses, "王监督") || !strings.Contains(witnesses, "17 4") {
		t.Fatalf("witnesses after the supervisor: %q", witnesses)
	}
	b.logout(t)

	// 7. Staff key in the owner's representative's numbers, open the big
	// screen in a second tab and run the draw in the first.
	b.login(t, "staff")
	b.run(t, "representative numbers",
		chromedp.Navigate(b.url+path),
		chromedp.WaitVisible(`[data-testid=fp-witness-form]`, chromedp.ByQuery),
		chromedp.SendKeys(`#w_name`, "赵代表", chromedp.ByID),
		chromedp.SetValue(`#w_role`, "建设单位代表", chromedp.ByID),
		chromedp.SendKeys(`#w_numbers`, "2026 0318", chromedp.ByID),
		chromedp.Click(`[data-testid=fp-witness]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=fp-witnesses][data-count="2"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-witnesses]`, &witnesses, chromedp.ByQuery),
	)
	if !strings.Contains(witnesses, "赵代表") {
		t.Fatalf("witnesses after the representative: %q", witnesses)
	}
	screen, closeScreen := chromedp.NewContext(b.ctx)
	defer closeScreen()
	var screenHash string
	if err := chromedp.Run(screen,
		chromedp.Navigate(b.url+path+"/screen"),
		chromedp.WaitVisible(`[data-testid=fp-screen-hash]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-screen-hash]`, &screenHash, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("big screen before the draw: %v", err)
	}
	if strings.TrimSpace(screenHash) != poolHash {
		t.Fatalf("screen shows pool hash %q, page %q", screenHash, poolHash)
	}
	b.run(t, "draw",
		chromedp.Click(`[data-testid=fp-run]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=fp-awards]`, chromedp.ByQuery),
	)
	// The screen was not touched: it refreshes itself to the result.
	var ranks []string
	var shot []byte
	if err := chromedp.Run(screen,
		chromedp.WaitVisible(`[data-testid=fp-screen-result]`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('.fps-rank')).map(e => e.innerText.replace(/\s+/g, " ").trim())`, &ranks),
		chromedp.FullScreenshot(&shot, 100),
	); err != nil {
		t.Fatalf("big screen after the draw: %v", err)
	}
	fpWriteScreenshot(t, "fixedprice-5-big-screen", shot)
	if len(ranks) != 3 || !strings.HasPrefix(ranks[0], "中选人") || !strings.HasPrefix(ranks[1], "第2名候补") || !strings.HasPrefix(ranks[2], "第3名候补") {
		t.Fatalf("big screen ranks %q", ranks)
	}
	closeScreen()
	b.screenshot(t, "fixedprice-6-drawn")
	b.logout(t)

	// 8. The result announcement is public, naming the winner.
	winnerName := strings.TrimSpace(strings.TrimPrefix(ranks[0], "中选人"))
	b.run(t, "result announcement",
		chromedp.Navigate(b.url+"/announcements?type=result&method=fixed_price&q="+code),
		chromedp.WaitVisible(`[data-testid=announcements]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=announcements] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=announcement-title]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=announcement-title]`, &heading, chromedp.ByQuery),
		chromedp.Text(`main .card pre`, &body, chromedp.ByQuery),
	)
	if !strings.Contains(heading, "固定价比选结果公示") || !strings.Contains(body, poolHash) {
		t.Fatalf("result announcement %q:\n%s", heading, body)
	}
	// The big screen shows "N号 name"; the announcement names the winner.
	if f := strings.Fields(winnerName); len(f) < 2 || !strings.Contains(body, "中选人："+f[len(f)-1]) {
		t.Fatalf("result announcement does not name the winner %q:\n%s", winnerName, body)
	}
	b.screenshot(t, "fixedprice-7-result")

	// 9. The publicity ends (the timed job), the winner confirms on the page
	// and reads the 比选结果通知书.
	sel, err := b.deps.FixedPrice.Selection(t.Context(), selID)
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Set(sel.PublicityUntil.Time.Add(time.Minute))
	if err := b.deps.FixedPrice.EndPublicity(t.Context(), selID); err != nil {
		t.Fatal(err)
	}
	var winner string
	if err := b.db.Get(&winner, `SELECT u.username FROM fixedprice_awards a JOIN users u ON u.org_id = a.org_id
		WHERE a.selection_id = ? AND a.rank_no = 1 AND u.username LIKE 'bidder%' ORDER BY u.username LIMIT 1`, selID); err != nil {
		t.Fatal(err)
	}
	b.login(t, winner)
	var notice string
	b.run(t, "confirm",
		chromedp.Navigate(b.url+path),
		chromedp.WaitVisible(`[data-testid=fp-confirm]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=fp-confirm]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid=fp-confirm]`, chromedp.ByQuery),
		chromedp.Navigate(b.url+path+"/notice"),
		chromedp.WaitVisible(`[data-testid=fp-notice]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=fp-notice]`, &notice, chromedp.ByQuery),
	)
	if !strings.Contains(notice, "比选结果通知书") || !strings.Contains(notice, "1,808,611.10") {
		t.Fatalf("notice:\n%s", notice)
	}
	b.screenshot(t, "fixedprice-8-notice")
	b.logout(t)

	// The administrator finds the settings in the navigation.
	b.login(t, "admin")
	var window string
	b.run(t, "settings",
		chromedp.Click(`nav.main a[href="/admin/fixedprice/settings"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=fp-settings-form]`, chromedp.ByQuery),
		chromedp.Value(`#window_days`, &window, chromedp.ByID),
	)
	if window == "" {
		t.Fatal("settings page shows no window")
	}
	b.screenshot(t, "fixedprice-9-settings")
	b.logout(t)
}

// fpWriteScreenshot keeps a screenshot taken in another tab next to the
// harness's own (web/testdata/screenshots, ignored by git).
func fpWriteScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Logf("write screenshot: %v", err)
	}
}
