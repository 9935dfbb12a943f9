package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserApprovalJourney: the window clerk takes a joint case (联办件)
// for a person with two required materials missing → the 一次性告知 lists
// both, with the case number and the query code → the clerk records the
// completed materials and the case is accepted (受理通知书) → 住建局's
// approver and 规划局's approver2 each agree on their step → the clerk sees
// the case decided and records delivery → an anonymous visitor looks it up
// with the number and code (the decision, the name masked) and rates it.
// The server's fake clock stands still: nothing here waits for time.
func TestBrowserApprovalJourney(t *testing.T) {
	b := newBrowser(t)
	zj, gh := hallDepts(t, b.env)
	body := jointItem(zj, gh)
	body["name"] = "建设工程竣工联合验收（浏览器）"
	body["materials"] = []map[string]any{{"name": "联合验收申请表", "required": true, "copies": 1},
		{"name": "竣工验收报告", "required": true, "copies": 1}, {"name": "竣工测量成果报告", "required": true, "copies": 1},
		{"name": "授权委托书", "required": false, "copies": 1}}
	it := createItem(t, b.env, body)
	const applicant, masked = "陈志远", "陈**"
	text := func(sel string, v *string) chromedp.Action { return chromedp.Text(sel, v, chromedp.ByQuery) }
	set := func(sel, v string) chromedp.Action { return chromedp.SetValue(sel, v, chromedp.ByQuery) }
	click := func(sel string) chromedp.Action { return chromedp.Click(sel, chromedp.ByQuery) }
	visible := func(sel string) chromedp.Action { return chromedp.WaitVisible(sel, chromedp.ByQuery) }

	// The window: the item's checklist, only the application form handed in.
	b.login(t, "clerk")
	b.run(t, "intake form",
		chromedp.Navigate(b.url+"/window/cases"),
		visible(`[data-testid=approval-new-case]`),
		click(`[data-testid=approval-new-case]`),
		visible(`#item`),
		set(`#item`, fmt.Sprint(it.ID)),
		chromedp.Submit(`#item`, chromedp.ByQuery),
		visible(`[data-testid=approval-intake-form]`),
	)
	var title, missing, caseNo, code string
	b.run(t, "intake",
		set(`[name=applicant_kind]`, "person"),
		set(`#applicant_name`, applicant),
		set(`#applicant_id`, testResidentID),
		set(`#phone`, "13905710005"),
		click(`#m1`),
		click(`[data-testid=approval-intake-submit]`),
		visible(`[data-testid=approval-missing]`),
		text(`[data-testid=approval-receipt] h1`, &title),
		text(`[data-testid=approval-missing]`, &missing),
		text(`[data-testid=approval-receipt] p span.mono`, &caseNo),
		text(`[data-testid=approval-query-code] strong`, &code),
	)
	caseNo, code = strings.TrimSpace(caseNo), strings.TrimSpace(code)
	if !strings.Contains(title, "一次性告知") {
		t.Errorf("intake receipt titled %q", title)
	}
	// Everything missing at once, the optional material not among it.
	for _, m := range []string{"竣工验收报告", "竣工测量成果报告"} {
		if !strings.Contains(missing, m) {
			t.Errorf("一次性告知 %q lacks %s", missing, m)
		}
	}
	if strings.Contains(missing, "联合验收申请表") || strings.Contains(missing, "授权委托书") {
		t.Errorf("一次性告知 lists a material handed in or optional: %q", missing)
	}
	if !strings.HasPrefix(caseNo, "SP") || len(code) < 8 {
		t.Fatalf("receipt: case number %q, query code %q", caseNo, code)
	}
	b.screenshot(t, "approval-incomplete-receipt")

	// The applicant comes back with the rest: the case is accepted.
	var caseURL, flash, status string
	b.run(t, "complete materials",
		chromedp.Click(`//a[normalize-space()="办件详情"]`, chromedp.BySearch),
		visible(`[data-testid=approval-complete-form]`),
		chromedp.Location(&caseURL),
		click(`#p2`), click(`#p3`),
		chromedp.Submit(`[data-testid=approval-complete-form]`, chromedp.ByQuery),
		visible(`.flash`),
		text(`.flash`, &flash),
		text(`main h1`, &status),
	)
	if !strings.Contains(flash, "已受理") || !strings.Contains(status, "审查中") {
		t.Fatalf("after completing: flash %q, heading %q", flash, status)
	}
	var receipt string
	b.run(t, "acceptance receipt",
		chromedp.Click(`//a[normalize-space()="凭证"]`, chromedp.BySearch),
		visible(`[data-testid=approval-receipt]`),
		text(`[data-testid=approval-receipt]`, &receipt),
	)
	if !strings.Contains(receipt, "受理通知书") || !strings.Contains(receipt, caseNo) || !strings.Contains(receipt, "予以受理") {
		t.Errorf("acceptance receipt: %q", receipt)
	}
	if strings.Contains(receipt, code) {
		t.Error("the query code is printed again (it is shown at intake only)")
	}
	b.screenshot(t, "approval-acceptance-receipt")
	b.logout(t)

	// Both departments agree, each on its own step.
	for _, user := range []string{"approver", "approver2"} {
		b.login(t, user)
		var flash string
		b.run(t, "step of "+user,
			chromedp.Navigate(b.url+"/dept/steps"),
			visible(`[data-testid=approval-dept-steps]`),
			chromedp.Click(fmt.Sprintf(`//table[@data-testid="approval-dept-steps"]//a[normalize-space()=%q]`, caseNo), chromedp.BySearch),
			visible(`[data-testid=approval-step-form]`),
			click(`#agree`),
			set(`#opinion`, "经审查符合条件，同意"),
			chromedp.Submit(`[data-testid=approval-step-form]`, chromedp.ByQuery),
			visible(`.flash`),
			text(`.flash`, &flash),
		)
		if !strings.Contains(flash, "已提交审批意见") {
			t.Errorf("%s after agreeing: %q", user, flash)
		}
		b.logout(t)
	}

	// The window sees the case decided and delivers it.
	b.login(t, "clerk")
	var row, steps, after string
	b.run(t, "decided",
		chromedp.Navigate(b.url+"/window/cases?q="+caseNo),
		visible(`[data-testid=approval-cases]`),
		text(`[data-testid=approval-cases]`, &row),
		chromedp.Navigate(caseURL),
		visible(`[data-testid=approval-deliver]`),
		text(`main h1`, &status),
		text(`[data-testid=approval-steps]`, &steps),
	)
	if !strings.Contains(row, caseNo) || !strings.Contains(row, "已办结") {
		t.Errorf("window list: %q", row)
	}
	if !strings.Contains(status, "已办结") || strings.Count(steps, "同意") < 2 || strings.Contains(steps, "待办") {
		t.Errorf("decided case: heading %q, steps %q", status, steps)
	}
	b.run(t, "deliver",
		click(`[data-testid=approval-deliver]`),
		visible(`.flash`),
		text(`.flash`, &flash),
		text(`main h1`, &after),
	)
	if !strings.Contains(flash, "已记录送达") || !strings.Contains(after, "已送达") {
		t.Errorf("after delivery: flash %q, heading %q", flash, after)
	}
	b.logout(t)

	// Anyone with the number and the code: the decision, the name masked.
	var result, page string
	b.run(t, "lookup",
		chromedp.Navigate(b.url+"/approval/lookup"),
		visible(`[data-testid=approval-lookup-form]`),
		set(`#case_no`, caseNo),
		set(`#query_code`, code),
		chromedp.Submit(`#query_code`, chromedp.ByQuery),
		visible(`[data-testid=approval-lookup-result]`),
		text(`[data-testid=approval-lookup-result]`, &result),
		text(`main`, &page),
	)
	for _, want := range []string{caseNo, "已送达", "准予许可", masked} {
		if !strings.Contains(result, want) {
			t.Errorf("lookup result lacks %q: %q", want, result)
		}
	}
	for _, secret := range []string{applicant, testResidentID, "13905710005"} {
		if strings.Contains(page, secret) {
			t.Errorf("lookup page shows %q", secret)
		}
	}
	b.screenshot(t, "approval-lookup")

	// 好差评.
	var rated string
	b.run(t, "rate",
		chromedp.Navigate(b.url+"/approval/rate?case_no="+caseNo),
		visible(`[data-testid=rate-form]`),
		set(`#query_code`, code),
		click(`[name=level][value="5"]`),
		set(`#comment`, "一次告知、一窗办结，很方便"),
		chromedp.Submit(`[data-testid=rate-form]`, chromedp.ByQuery),
		visible(`[data-testid=rated]`),
		text(`[data-testid=rated]`, &rated),
	)
	if !strings.Contains(rated, caseNo) || !strings.Contains(rated, "非常满意") || strings.Contains(rated, "整改") {
		t.Errorf("after rating: %q", rated)
	}
	if n := b.count(`SELECT COUNT(*) FROM approval_ratings r JOIN approval_cases c ON c.id = r.case_id WHERE c.case_no = ? AND r.level = 5`, caseNo); n != 1 {
		t.Errorf("ratings stored: %d", n)
	}
	b.screenshot(t, "approval-rated")
}
