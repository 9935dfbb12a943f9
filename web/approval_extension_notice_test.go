package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/approval"
)

// TestApprovalExtensionNoticePDF: an extension (行政许可法 42) gets its own
// written notice to the applicant (延长审批期限告知书) with the days, the
// reason, who approved it and the limits before and after; a case not
// extended has none (409 document_not_applicable); the case page links it;
// a suspension after the extension moves the case's limits, not what the
// notice told.
func TestApprovalExtensionNoticePDF(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02")) // Monday
	zj, gh := hallDepts(t, e)
	joint := createItem(t, e, jointItem(zj, gh))
	clerkAPI, clerkWeb := e.api("clerk"), e.browser("clerk")
	k := intake(t, clerkAPI, caseBody(joint.ID, 1, 2)).Case
	if k.DueOn.String() != "2026-03-16" || k.LegalDueOn.String() != "2026-03-30" {
		t.Fatalf("limits %v %v", k.DueOn, k.LegalDueOn)
	}
	wantStatus(t, clerkAPI.get(docPath(k.ID, approval.DocExtension)), http.StatusConflict, "document_not_applicable")
	if strings.Contains(clerkWeb.get(fmt.Sprintf("/approval/cases/%d", k.ID)).Body.String(), "kind="+approval.DocExtension) {
		t.Error("the case page links an extension notice before any extension")
	}

	e.clock.Set(shanghai9("2026-03-12"))
	clerkAPI, clerkWeb = e.api("clerk"), e.browser("clerk") // the clock moved past the sessions' life
	appr := e.api("approver")
	if r := appr.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/extend", k.ID),
		map[string]any{"days": 5, "reason": "需组织专家现场核查施工场地", "approved_by": "王局长"}); r.Code != http.StatusOK {
		t.Fatalf("extend: %d %s", r.Code, r.Body.String())
	}
	k = getCase(t, clerkAPI, k.ID)
	if x := k.Extension; x == nil || x.DueAfter.String() != "2026-03-23" || x.LegalDueAfter.String() != "2026-04-07" {
		t.Fatalf("extension: %+v", k.Extension)
	}
	want := []string{"延长审批期限告知书", "第四十二条", "延长5个工作日", "需组织专家现场核查施工场地", "王局长", "2026年3月12日",
		"原承诺办结日期", "2026年3月16日", "延长后承诺办结日期", "2026年3月23日", "原法定办结日期", "2026年3月30日", "延长后法定办结日期", "2026年4月7日"}
	body := wantDocument(t, clerkAPI, docPath(k.ID, approval.DocExtension), k, want...)
	// The department and the supervisor print it too; the case page links it.
	wantPDF(t, appr.get(docPath(k.ID, approval.DocExtension)), "")
	wantPDF(t, e.api("supervisor").get(docPath(k.ID, approval.DocExtension)), "")
	link := fmt.Sprintf("/window/cases/%d/receipt.pdf?kind=%s", k.ID, approval.DocExtension)
	if page := clerkWeb.get(fmt.Sprintf("/approval/cases/%d", k.ID)); !strings.Contains(page.Body.String(), link) || !strings.Contains(page.Body.String(), "延长审批期限告知书") {
		t.Error("the case page does not link the extension notice")
	}
	if r := clerkWeb.get(link); string(wantPDF(t, r, "")) != string(body) {
		t.Error("the window's link gives another document")
	}

	// Suspended two working days and resumed: the case's limits move, the
	// notice still tells what the extension set (the same bytes).
	e.clock.Set(shanghai9("2026-03-13"))
	appr = e.api("approver")
	if r := appr.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/suspend", k.ID), map[string]any{"reason": "expert_review", "note": "专家评审", "expected_days": 5}); r.Code != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Code, r.Body.String())
	}
	e.clock.Set(shanghai9("2026-03-17"))
	appr = e.api("approver")
	if r := appr.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/resume", k.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("resume: %d %s", r.Code, r.Body.String())
	}
	clerkAPI = e.api("clerk")
	if k = getCase(t, clerkAPI, k.ID); k.DueOn.String() == "2026-03-23" {
		t.Fatalf("the suspension did not move the limits: %v", k.DueOn)
	}
	if again := wantDocument(t, clerkAPI, docPath(k.ID, approval.DocExtension), k, want...); string(again) != string(body) {
		t.Error("the notice changed with a later suspension")
	}
	// The test leaves no case open in the demo departments.
	if r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", k.ID), map[string]string{"note": "测试结束，撤回"}); r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}
}

// TestApprovalSuspensionNoticePDF: stopping the clock (行政许可法 45) needs
// the time the procedure takes, which the applicant is told in writing: the
// 特别程序告知书 names the procedure, the day it started and that time; once
// resumed it tells the working days it stood and the moved limits. The form
// without the time is refused on its field.
func TestApprovalSuspensionNoticePDF(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02")) // Monday
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	clerkAPI := e.api("clerk")
	k := intake(t, clerkAPI, caseBody(it.ID, 1, 2)).Case
	wantStatus(t, clerkAPI.get(docPath(k.ID, approval.DocSuspension)), http.StatusConflict, "document_not_applicable")

	e.clock.Set(shanghai9("2026-03-04"))
	b := e.browser("approver")
	path := fmt.Sprintf("/dept/cases/%d/suspend", k.ID)
	if r := b.postForm(path, url.Values{"reason": {"expert_review"}, "note": {"组织专家评审"}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Body.String(), "所需时间") {
		t.Fatalf("suspension without the time it needs: %d", r.Code)
	}
	if r := b.postForm(path, url.Values{"reason": {"expert_review"}, "note": {"组织专家评审"}, "expected_days": {"10"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("suspend: %d %s", r.Code, r.Body.String())
	}
	clerkAPI = e.api("clerk")
	k = getCase(t, clerkAPI, k.ID)
	if len(k.Suspensions) != 1 || k.Suspensions[0].ExpectedDays == nil || *k.Suspensions[0].ExpectedDays != 10 {
		t.Fatalf("suspensions: %+v", k.Suspensions)
	}
	wantDocument(t, clerkAPI, docPath(k.ID, approval.DocSuspension), k, "特别程序告知书", "第四十五条", "鉴定、专家评审", "组织专家评审",
		"中止计时日期", "2026年3月4日", "所需时间", "约10个工作日", "中止前承诺办结日期", "2026年3月16日")
	if page := e.browser("clerk").get(fmt.Sprintf("/approval/cases/%d", k.ID)); !strings.Contains(page.Body.String(), "kind="+approval.DocSuspension) {
		t.Error("the case page does not link the suspension notice")
	}

	// Resumed on Monday 9 March: three working days stood (4, 5, 6 March).
	e.clock.Set(shanghai9("2026-03-09"))
	if r := e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/resume", k.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("resume: %d %s", r.Code, r.Body.String())
	}
	clerkAPI = e.api("clerk")
	k = getCase(t, clerkAPI, k.ID)
	wantDocument(t, clerkAPI, docPath(k.ID, approval.DocSuspension), k, "恢复计时日期", "2026年3月9日", "实际中止", "3个工作日",
		"承诺办结日期", k.DueOn.String()[:4]+"年3月19日")
	if r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", k.ID), map[string]string{"note": "测试结束，撤回"}); r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}
}

// TestApprovalLookupTellsSuspension: the public lookup tells the applicant
// a stop of the clock (行政许可法 45): the procedure, the time it needs and,
// once resumed, the working days it stood.
func TestApprovalLookupTellsSuspension(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	rc := intake(t, e.api("clerk"), caseBody(it.ID, 1, 2))
	k := rc.Case
	e.clock.Set(shanghai9("2026-03-04"))
	if r := e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/suspend", k.ID),
		map[string]any{"reason": "testing", "note": "材料送检", "expected_days": 7}); r.Code != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Code, r.Body.String())
	}
	lookup := func() string {
		r := e.anon().postForm("/approval/lookup", url.Values{"case_no": {k.CaseNo}, "query_code": {rc.QueryCode}})
		if r.Code != http.StatusOK {
			t.Fatalf("lookup: %d %s", r.Code, r.Body.String())
		}
		return r.Body.String()
	}
	if page := lookup(); !strings.Contains(page, "2026-03-04起因检验、检测、检疫中止计时，所需时间约7个工作日") {
		t.Errorf("the lookup does not tell the suspension: %s", page)
	}
	e.clock.Set(shanghai9("2026-03-09"))
	if r := e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/resume", k.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("resume: %d %s", r.Code, r.Body.String())
	}
	if page := lookup(); !strings.Contains(page, "2026-03-09恢复计时，中止3个工作日") {
		t.Errorf("the lookup does not tell the resumption: %s", page)
	}
	if r := e.api("clerk").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", k.ID), map[string]string{"note": "测试结束，撤回"}); r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}
}
