package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"ggzy/approval"
)

// The hall's PDF documents through HTTP: each kind for a case in the state
// that calls for it, a kind the state does not call for refused with a
// stable code, and the case's visibility rule (an unrelated department
// gets 404).

const testResidentMasked = "110105********002X"

func docPath(id int64, kind string) string {
	return fmt.Sprintf("/api/v1/approval/cases/%d/documents/%s.pdf", id, kind)
}

// wantDocument downloads a document and checks the parts every one has.
func wantDocument(t *testing.T, c *client, path string, k *approval.Case, want ...string) []byte {
	t.Helper()
	r := c.get(path)
	body := wantPDF(t, r, "")
	if cd := r.Header().Get(echo.HeaderContentDisposition); !strings.Contains(cd, k.CaseNo) {
		t.Errorf("Content-Disposition %q", cd)
	}
	text := pdfText(t, body)
	for _, w := range append([]string{approval.HallName, k.DeptName, "编号：" + k.CaseNo, "张三", testResidentMasked, k.ItemName}, want...) {
		if !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
			t.Errorf("%s: the text has no %q", path, w)
		}
	}
	if strings.Contains(text, testResidentID) {
		t.Errorf("%s: the full ID number is printed", path)
	}
	return body
}

// wantPage checks an error page: the status and the stable code shown.
func wantPage(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.Code != status || !strings.Contains(r.Body.String(), code) {
		t.Fatalf("status %d, want %d with %s: %.300s", r.Code, status, code, r.Body.String())
	}
}

func TestApprovalReceiptPDF(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-04-28")) // Tuesday before 劳动节
	zj, gh := hallDepts(t, e)
	joint := createItem(t, e, jointItem(zj, gh))
	promised := createItem(t, e, promisedItem(zj))
	instantBody := promisedItem(zj)
	instantBody["case_type"], instantBody["legal_days"], instantBody["promised_days"], instantBody["name"] = "instant", 0, 0, "个体工商户名称变更登记（即办）"
	instant := createItem(t, e, instantBody)
	clerkAPI, clerkWeb := e.api("clerk"), e.browser("clerk")

	// 待补正: the 一次性告知 lists every missing material at once.
	incomplete := intake(t, clerkAPI, caseBody(joint.ID))
	ki := incomplete.Case
	body := wantDocument(t, clerkAPI, docPath(ki.ID, approval.DocSupplement), ki,
		"补正材料通知书", "一次性告知书", "申请表", "规划许可证", "2026年5月28日前", "逾期未补正的，视为撤回申请")
	if text := pdfText(t, body); strings.Contains(text, incomplete.QueryCode) {
		t.Error("the query code is printed")
	}
	// The window's receipt is the same document, the same bytes.
	if r := clerkWeb.get(fmt.Sprintf("/window/cases/%d/receipt.pdf", ki.ID)); !bytes.Equal(wantPDF(t, r, ""), body) {
		t.Error("the receipt of an incomplete case is not its supplement notice, or two renders differ")
	}

	// Accepted (联办件): the dates and the departments in parallel.
	accepted := intake(t, clerkAPI, caseBody(joint.ID, 1, 2)).Case
	if accepted.Status != approval.CaseInReview {
		t.Fatalf("accepted: %s", accepted.Status)
	}
	var depts []string
	for _, d := range joint.Depts {
		depts = append(depts, d.DeptName)
	}
	wantDocument(t, clerkAPI, docPath(accepted.ID, approval.DocAcceptance), accepted,
		append([]string{"受理通知书", "予以受理", "受理日期", "2026年4月28日", "承诺办结日期", "2026年5月14日", "法定办结日期", "2026年5月28日",
			"并联审批部门", "施工许可审查", "规划核实"}, depts...)...)

	// Refused at intake: the written reason and the rights notice.
	rb := caseBody(promised.ID, 1, 2)
	rb["refuse_reason"] = "申请事项依法不属于本机关职权范围，请向示范市交通运输局申请"
	refused := intake(t, clerkAPI, rb).Case
	wantDocument(t, clerkAPI, docPath(refused.ID, approval.DocRefusal), refused,
		"不予受理决定书", "不属于本机关职权范围", "依法申请行政复议或者提起行政诉讼的权利", "2026年4月28日")

	// An instant item decided on the spot: the permit decision.
	permitted := intake(t, clerkAPI, caseBody(instant.ID, 1, 2)).Case
	if permitted.Status != approval.CaseDecided || permitted.Decision != approval.DecisionApproved {
		t.Fatalf("instant: %s %s", permitted.Status, permitted.Decision)
	}
	wantDocument(t, clerkAPI, docPath(permitted.ID, approval.DocPermit), permitted, "准予行政许可决定书", "决定准予行政许可", "决定日期", "2026年4月28日")
	if r := clerkWeb.get(fmt.Sprintf("/window/cases/%d/receipt.pdf", permitted.ID)); !strings.Contains(pdfText(t, wantPDF(t, r, "")), "准予行政许可决定书") {
		t.Error("the receipt of a decided case is not its decision")
	}

	// Denied by the department: the reasons and the rights notice.
	denied := intake(t, clerkAPI, caseBody(promised.ID, 1, 2)).Case
	if len(denied.Steps) != 1 {
		t.Fatalf("steps %d", len(denied.Steps))
	}
	r := e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/steps/%d/decision", denied.Steps[0].ID),
		map[string]any{"agree": false, "opinion": "竣工验收报告缺少消防验收意见"})
	if r.Code != http.StatusOK {
		t.Fatalf("deny: %d %s", r.Code, r.Body.String())
	}
	denied = getCase(t, clerkAPI, denied.ID)
	wantDocument(t, clerkAPI, docPath(denied.ID, approval.DocDenial), denied,
		"不予行政许可决定书", "决定不予行政许可", "竣工验收报告缺少消防验收意见", "依法申请行政复议或者提起行政诉讼的权利")

	// A document the state does not call for: 409 with a stable code.
	for _, tc := range []struct {
		id   int64
		kind string
	}{
		{refused.ID, approval.DocAcceptance}, {ki.ID, approval.DocAcceptance}, {accepted.ID, approval.DocSupplement},
		{accepted.ID, approval.DocPermit}, {permitted.ID, approval.DocDenial}, {denied.ID, approval.DocPermit}, {denied.ID, approval.DocRefusal},
	} {
		r := clerkAPI.get(docPath(tc.id, tc.kind))
		wantStatus(t, r, http.StatusConflict, "document_not_applicable")
		var ae apiError
		r.decode(t, &ae)
		if !hasHan(ae.Error.Message) || !strings.Contains(ae.Error.Message, approval.DocumentName(tc.kind)) {
			t.Errorf("message %q", ae.Error.Message)
		}
	}
	// A withdrawn case has no receipt.
	wr := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", accepted.ID), map[string]string{"note": "申请人书面申请撤回"})
	if wr.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", wr.Code, wr.Body.String())
	}
	wantPage(t, clerkWeb.get(fmt.Sprintf("/window/cases/%d/receipt.pdf", accepted.ID)), http.StatusConflict, "document_not_applicable")
	// Unknown kinds and cases.
	wantStatus(t, clerkAPI.get(docPath(ki.ID, "licence")), http.StatusNotFound, "document_not_found")
	wantStatus(t, clerkAPI.get(fmt.Sprintf("/api/v1/approval/cases/%d/documents/%s.txt", ki.ID, approval.DocSupplement)), http.StatusNotFound, "document_not_found")
	wantPage(t, clerkWeb.get(fmt.Sprintf("/window/cases/%d/receipt.pdf?kind=licence", ki.ID)), http.StatusNotFound, "document_not_found")
	wantStatus(t, clerkAPI.get(docPath(1<<40, approval.DocSupplement)), http.StatusNotFound, "case_not_found")

	// Who sees the case: the supervisor every case; the approvers their
	// department's (住建 leads the promised item; 规划 has a step in the
	// joint one only).
	wantPDF(t, e.api("supervisor").get(docPath(denied.ID, approval.DocDenial)), "")
	wantPDF(t, e.api("approver").get(docPath(denied.ID, approval.DocDenial)), "")
	wantStatus(t, e.api("approver2").get(docPath(denied.ID, approval.DocDenial)), http.StatusNotFound, "case_not_found")
	wantStatus(t, e.api("approver2").get(docPath(refused.ID, approval.DocAcceptance)), http.StatusNotFound, "case_not_found")
	joint2 := intake(t, clerkAPI, caseBody(joint.ID, 1, 2)).Case
	wantPDF(t, e.api("approver2").get(docPath(joint2.ID, approval.DocAcceptance)), "")
	// In a browser: the case page links the documents for the approver and
	// the supervisor too (the API takes bearer tokens only), under the same
	// visibility.
	for _, who := range []string{"approver", "supervisor"} {
		b := e.browser(who)
		page := b.get(fmt.Sprintf("/approval/cases/%d", denied.ID)).Body.String()
		link := fmt.Sprintf("/approval/cases/%d/documents/%s.pdf", denied.ID, approval.DocDenial)
		if !strings.Contains(page, `href="`+link+`"`) {
			t.Errorf("%s's case page does not link %s", who, link)
		}
		wantPDF(t, b.get(link), "")
	}
	wantPage(t, e.browser("approver2").get(fmt.Sprintf("/approval/cases/%d/documents/%s.pdf", denied.ID, approval.DocDenial)), http.StatusNotFound, "case_not_found")
	// Extended by the lead department (行政许可法 42): the notice tells it.
	xr := e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/extend", joint2.ID),
		map[string]any{"days": 5, "reason": "需现场核查施工场地", "approved_by": "王局长"})
	if xr.Code != http.StatusOK {
		t.Fatalf("extend: %d %s", xr.Code, xr.Body.String())
	}
	wantDocument(t, clerkAPI, docPath(joint2.ID, approval.DocAcceptance), joint2, "延长期限", "经王局长批准", "延长5个工作日", "需现场核查施工场地")
	wantStatus(t, e.api("admin").get(docPath(joint2.ID, approval.DocAcceptance)), http.StatusForbidden, "")

	// Each print is on the audit trail, with no free text (the clerk's, the
	// supervisor's and approver's through the API and in the browser).
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.case.document' AND object_id = ?`, fmt.Sprint(denied.ID)); n != 5 {
		t.Errorf("document events of the denied case: %d", n)
	}

	// The pages link the PDFs.
	if r := clerkWeb.get(fmt.Sprintf("/window/cases/%d/receipt", permitted.ID)); r.Code != http.StatusOK ||
		!strings.Contains(r.Body.String(), fmt.Sprintf("/window/cases/%d/receipt.pdf", permitted.ID)) {
		t.Errorf("receipt page: %d, no PDF link", r.Code)
	}
	page := clerkWeb.get(fmt.Sprintf("/approval/cases/%d", denied.ID))
	for _, k := range []string{approval.DocAcceptance, approval.DocDenial} {
		if !strings.Contains(page.Body.String(), fmt.Sprintf("/window/cases/%d/receipt.pdf?kind=%s", denied.ID, k)) {
			t.Errorf("case page: no link to %s", k)
		}
	}
	if strings.Contains(page.Body.String(), "receipt.pdf?kind="+approval.DocPermit) {
		t.Error("case page links a document the case does not have")
	}
	// Through the page's link, another document of the case.
	if r := clerkWeb.get(fmt.Sprintf("/window/cases/%d/receipt.pdf?kind=%s", denied.ID, approval.DocAcceptance)); !strings.Contains(pdfText(t, wantPDF(t, r, "")), "受理通知书") {
		t.Error("?kind= does not pick the acceptance notice")
	}

	// Delivered, the decision still prints, with its delivery date. The
	// test leaves no case open in the demo departments (other tests of the
	// package watch their warnings).
	for _, id := range []int64{permitted.ID, denied.ID} {
		if r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/deliver", id), nil); r.Code != http.StatusOK {
			t.Fatalf("deliver: %d %s", r.Code, r.Body.String())
		}
	}
	wantDocument(t, clerkAPI, docPath(denied.ID, approval.DocDenial), denied, "不予行政许可决定书", "送达日期")
	for _, id := range []int64{ki.ID, joint2.ID} {
		if r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", id), map[string]string{"note": "测试结束，撤回"}); r.Code != http.StatusOK {
			t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
		}
	}
}
