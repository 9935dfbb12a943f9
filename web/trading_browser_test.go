package web

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ggzy/clock"
)

// TestBrowserTradingJourney: agency registers an engineering project →
// staff accept it → the announcement is public → bidder1 signs up → uploads
// a bid → sees its receipt.
func TestBrowserTradingJourney(t *testing.T) {
	b := newBrowser(t)
	now := b.clock.Now().In(clock.Shanghai)
	day := func(d int, hm string) string {
		return now.AddDate(0, 0, d).Format("2006-01-02") + "T" + hm
	}
	title := uniqueTitle("浏览器旅程道路工程")

	b.login(t, "agency")
	set := func(sel, v string) chromedp.Action { return chromedp.SetValue(sel, v, chromedp.ByQuery) }
	b.run(t, "register",
		chromedp.Navigate(b.url+"/agency/projects/new?kind=engineering"),
		chromedp.WaitVisible(`[data-testid=project-form]`, chromedp.ByQuery),
		set(`#title`, title), set(`#owner_name`, "示范市城市建设投资有限公司"),
		set(`#site`, "示范市新城区"), set(`#funding`, "财政资金"), set(`#approval_no`, "示发改审〔2026〕88号"),
		set(`#place`, "第一开标室"), set(`#eligibility`, "具有市政公用工程施工总承包三级及以上资质"),
		set(`#docs_from`, day(1, "09:00")), set(`#docs_until`, day(9, "17:00")),
		set(`#signup_until`, day(20, "17:00")), set(`#deadline`, day(25, "09:30")),
		set(`[data-testid=lot-name-0]`, "第一标段"), set(`[data-testid=lot-price-0]`, "9,500,000"),
		set(`[data-testid=lot-estimate-0]`, "10,000,000"), set(`[data-testid=lot-deposit-0]`, "100,000"),
		chromedp.Click(`[data-testid=save-project]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=submit-project]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=submit-project]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=project-code]`, chromedp.ByQuery),
	)
	var code, projectURL string
	b.run(t, "code", chromedp.Text(`[data-testid=project-code]`, &code, chromedp.ByQuery), chromedp.Location(&projectURL))
	if !strings.HasPrefix(code, "GC-") {
		t.Fatalf("project code %q", code)
	}
	projectURL = strings.SplitN(projectURL, "?", 2)[0]
	b.logout(t)

	b.login(t, "staff")
	b.run(t, "accept",
		chromedp.Navigate(projectURL),
		chromedp.WaitVisible(`[data-testid=review-form]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=decision-accept]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=review-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=projects]`, chromedp.ByQuery),
	)
	b.logout(t)

	b.login(t, "agency")
	b.run(t, "publish",
		chromedp.Navigate(projectURL),
		chromedp.WaitVisible(`[data-testid=publish-form]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=publish-submit]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid=publish-form]`, chromedp.ByQuery),
	)
	b.logout(t)

	// The public finds it by its code.
	var heading string
	b.run(t, "portal",
		chromedp.Navigate(b.url+"/announcements?q="+code),
		chromedp.WaitVisible(`[data-testid=announcements]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=announcements] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=announcement-title]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=announcement-title]`, &heading, chromedp.ByQuery),
	)
	if !strings.Contains(heading, title) {
		t.Fatalf("announcement heading %q", heading)
	}

	b.login(t, "bidder1")
	content := []byte("投标报价：9,200,000.00 元 " + time.Now().String())
	file := filepath.Join(t.TempDir(), "投标文件.pdf")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	var sha string
	b.run(t, "sign up and submit",
		chromedp.Navigate(b.url+"/announcements?q="+code),
		chromedp.Click(`[data-testid=announcements] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=lot-link-1]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=lot-link-1]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=signup-form]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=declare-0]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=signup-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=upload-form]`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`[data-testid=bid-file]`, []string{file}, chromedp.ByQuery),
		chromedp.Click(`[data-testid=upload-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=receipt-sha256]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=receipt-sha256]`, &sha, chromedp.ByQuery),
	)
	sum := sha256.Sum256(content)
	if strings.TrimSpace(sha) != hex.EncodeToString(sum[:]) {
		t.Errorf("receipt SHA-256 %q, want %x", sha, sum)
	}
	b.screenshot(t, "trading-receipt")
}
