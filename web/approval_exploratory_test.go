package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Defects of the approval hall found by an exploratory run, each kept
// fixed by a test through HTTP.

// textareaOf returns the text of the textarea with the id in a page.
func textareaOf(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<textarea id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no textarea %q in the page", id)
	}
	return m[1]
}

// The case page holds the suspension's and the extension's forms, both
// with a field "reason": a suspension refused for its missing note put the
// suspension's reason code ("hearing") into the extension's reason (told
// to the applicant) and showed the extension's reason error under the
// suspension's select.
func TestApprovalCasePageFormsKeepTheirOwnFields(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	k := intake(t, e.api("clerk"), caseBody(it.ID, 1, 2)).Case
	b := e.browser("approver")

	r := b.postForm(fmt.Sprintf("/dept/cases/%d/suspend", k.ID), url.Values{"reason": {"hearing"}, "note": {""}})
	if r.Code != http.StatusBadRequest {
		t.Fatalf("suspension without a note: %d", r.Code)
	}
	page := r.Body.String()
	if got := textareaOf(t, page, "xreason"); got != "" {
		t.Errorf("the extension's reason holds %q after a refused suspension", got)
	}
	if !strings.Contains(page, `<option value="hearing" selected>`) {
		t.Error("the suspension's chosen reason is not kept")
	}

	r = b.postForm(fmt.Sprintf("/dept/cases/%d/extend", k.ID), url.Values{"days": {"5"}, "approved_by": {"王局长"}, "reason": {""}})
	if r.Code != http.StatusBadRequest {
		t.Fatalf("extension without a reason: %d", r.Code)
	}
	page = r.Body.String()
	if n := strings.Count(page, "请填写延长期限的理由"); n != 2 { // the alert and the extension's field
		t.Errorf("the extension's reason error is shown %d times, want the alert and its own field", n)
	}
	if got := textareaOf(t, page, "snote"); got != "" {
		t.Errorf("the suspension's note holds %q", got)
	}
}

// The intake form told the clerk the old rule — 5 working days to complete,
// then deemed accepted — while an incomplete application is deemed
// withdrawn after approval.supplement_days (default 20).
func TestApprovalIntakeFormTellsTheSupplementRule(t *testing.T) {
	e := newEnv(t)
	keepSettings(t, e, "approval")
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	if r := e.api("admin").json(http.MethodPut, "/api/v1/approval/settings", map[string]any{"supplement_days": 15}); r.Code != http.StatusOK {
		t.Fatalf("settings: %d %s", r.Code, r.Body.String())
	}
	r := e.browser("clerk").get(fmt.Sprintf("/window/cases/new?item=%d", it.ID))
	if r.Code != http.StatusOK {
		t.Fatalf("intake form: %d", r.Code)
	}
	page := r.Body.String()
	if strings.Contains(page, "视为受理") || !strings.Contains(page, "15个工作日内补正") || !strings.Contains(page, "视为撤回申请") {
		t.Errorf("intake form's hint: %s", regexp.MustCompile(`<p class="hint">[^<]*</p>`).FindString(page))
	}
}

// The public item page (八公开) numbered the materials from 0, while the
// intake checklist, the case page and the receipts number them from 1.
func TestApprovalItemPageNumbersMaterialsFromOne(t *testing.T) {
	e := newEnv(t)
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	r := e.anon().get(fmt.Sprintf("/approval/items/%d", it.ID))
	if r.Code != http.StatusOK {
		t.Fatalf("item page: %d", r.Code)
	}
	page := r.Body.String()
	for _, want := range []string{"<td>1</td><td>申请表</td>", "<td>2</td><td>规划许可证</td>", "<td>3</td><td>授权委托书</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("item page lacks %q", want)
		}
	}
	if strings.Contains(page, "<td>0</td>") {
		t.Error("a material numbered 0")
	}
}

// The department's step page promised 超时默认 (deemed to agree past the
// limit) even with the setting approval.deemed_agree turned off.
func TestApprovalStepPageFollowsDeemedAgreeSetting(t *testing.T) {
	e := newEnv(t)
	keepSettings(t, e, "approval")
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	k := intake(t, e.api("clerk"), caseBody(it.ID, 1, 2)).Case
	if len(k.Steps) != 1 {
		t.Fatalf("steps: %+v", k.Steps)
	}
	page := fmt.Sprintf("/dept/steps/%d", k.Steps[0].ID)
	b := e.browser("approver")
	if r := b.get(page); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "视为同意") {
		t.Fatalf("step page with 超时默认 on: %d", r.Code)
	}
	if r := e.api("admin").json(http.MethodPut, "/api/v1/approval/settings", map[string]any{"deemed_agree": false}); r.Code != http.StatusOK {
		t.Fatalf("settings: %d %s", r.Code, r.Body.String())
	}
	if r := b.get(page); r.Code != http.StatusOK || strings.Contains(r.Body.String(), "视为同意") {
		t.Errorf("step page with 超时默认 off still says the step is deemed to agree: %d", r.Code)
	}
	// The page re-rendered after a refused decision says the same.
	if r := b.postForm(page, url.Values{"decision": {"disagree"}}); r.Code != http.StatusBadRequest || strings.Contains(r.Body.String(), "视为同意") {
		t.Errorf("re-rendered step page: %d", r.Code)
	}
}

// The item form's list of errors named the fields by their form names
// ("code：事项编码 … 已被使用", "days_0：…"): they are named in Chinese.
func TestApprovalItemFormErrorsNamedInChinese(t *testing.T) {
	e := newEnv(t)
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	r := e.browser("admin").postForm("/admin/approval/items", url.Values{"code": {it.Code}, "name": {"重复编码的事项"},
		"dept_org_id": {fmt.Sprint(zj)}, "case_type": {"joint"}, "legal_basis": {"依据"}, "conditions": {"条件"}, "procedure": {"流程"},
		"materials": {"申请表 | 必需 | 1"}, "legal_days": {"20"}, "promised_days": {"10"},
		"dept_0": {fmt.Sprint(zj)}, "task_0": {"审查"}, "days_0": {"八"}})
	if r.Code < 400 {
		t.Fatalf("item with a used code and a bad row: %d", r.Code)
	}
	m := regexp.MustCompile(`(?s)<ul class="err"[^>]*>(.*?)</ul>`).FindStringSubmatch(r.Body.String())
	if m == nil {
		t.Fatal("no list of errors above the form")
	}
	if regexp.MustCompile(`<li>[a-z_0-9]+：`).MatchString(m[1]) {
		t.Errorf("errors named by field names: %s", m[1])
	}
	if !strings.Contains(m[1], "联办部门第1行：") {
		t.Errorf("the department row's error is not named by its row: %s", m[1])
	}
}

// A materials line typed with a Chinese input method (申请表｜必需｜２｜原件)
// became one material named by the whole line.
func TestApprovalItemFormFullWidthMaterials(t *testing.T) {
	e := newEnv(t)
	zj, _ := hallDepts(t, e)
	code := itemCode()
	r := e.browser("admin").postForm("/admin/approval/items", url.Values{"code": {code}, "name": {"全角分隔的事项"},
		"dept_org_id": {fmt.Sprint(zj)}, "case_type": {"promised"}, "legal_basis": {"依据"}, "conditions": {"条件"}, "procedure": {"流程"},
		"materials": {"申请表｜必需｜２｜原件\n委托书｜可选｜１｜"}, "legal_days": {"20"}, "promised_days": {"10"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.Code, r.Body.String())
	}
	var it struct {
		Materials []struct {
			Name     string
			Required bool
			Copies   int
			Note     string
		}
	}
	var id int64
	if _, err := fmt.Sscanf(r.Header().Get("Location"), "/admin/approval/items/%d", &id); err != nil {
		t.Fatalf("location %q", r.Header().Get("Location"))
	}
	e.api("admin").get(fmt.Sprintf("/api/v1/approval/items/%d", id)).decode(t, &it)
	if len(it.Materials) != 2 || it.Materials[0].Name != "申请表" || !it.Materials[0].Required || it.Materials[0].Copies != 2 ||
		it.Materials[0].Note != "原件" || it.Materials[1].Name != "委托书" || it.Materials[1].Required {
		t.Errorf("materials: %+v", it.Materials)
	}
}
