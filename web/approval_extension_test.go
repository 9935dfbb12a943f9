package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/approval"
)

// 行政许可法 42: the lead department extends a case under review once, by
// at most approval.extension_days working days (default 10), with the
// head's approval (批准人) and a reason told to the applicant. The case's
// limits, its open steps' limits and their timed events move by the days
// granted; every refusal writes nothing.

func extendPath(id int64) string { return fmt.Sprintf("/api/v1/approval/cases/%d/extend", id) }

func extendBody(days int) map[string]any {
	return map[string]any{"days": days, "reason": "需要组织现场核查，二十日内不能作出决定", "approved_by": "李局长"}
}

func TestApprovalExtension(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02")) // Monday
	zj, gh := hallDepts(t, e)
	joint := createItem(t, e, jointItem(zj, gh))
	single := createItem(t, e, promisedItem(zj))
	instant := promisedItem(zj)
	instant["case_type"], instant["legal_days"], instant["promised_days"], instant["name"] = "instant", 0, 0, "个体工商户名称变更登记（即办）"
	inst := createItem(t, e, instant)
	clerkAPI, appr, appr2 := e.api("clerk"), e.api("approver"), e.api("approver2")

	rc := intake(t, clerkAPI, caseBody(joint.ID, 1, 2))
	k := rc.Case
	// Accepted Monday 2 March: promised 16 March, legal 30 March, 住建 12 March, 规划 5 March.
	if k.DueOn.String() != "2026-03-16" || k.LegalDueOn.String() != "2026-03-30" {
		t.Fatalf("accepted: due %v legal %v", k.DueOn, k.LegalDueOn)
	}
	suspended := intake(t, clerkAPI, caseBody(single.ID, 1, 2)).Case
	if r := appr.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/suspend", suspended.ID), map[string]any{"reason": "hearing", "note": "举行听证", "expected_days": 15}); r.Code != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Code, r.Body.String())
	}
	decided := intake(t, clerkAPI, caseBody(inst.ID, 1, 2)).Case

	without := func(m map[string]any, key string) map[string]any {
		delete(m, key)
		return m
	}
	e.clock.Set(shanghai9("2026-03-04"))
	clerkAPI, appr, appr2 = e.api("clerk"), e.api("approver"), e.api("approver2")
	for _, tc := range []struct {
		name   string
		c      *client
		id     int64
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"another department of the case", appr2, k.ID, extendBody(10), 403, "not_lead_department", ""},
		{"the window", clerkAPI, k.ID, extendBody(10), 403, "", ""},
		{"no days", appr, k.ID, extendBody(0), 400, "", "days"},
		{"over the setting", appr, k.ID, extendBody(11), 400, "", "days"},
		{"negative", appr, k.ID, extendBody(-1), 400, "", "days"},
		{"no approver", appr, k.ID, without(extendBody(5), "approved_by"), 400, "", "approved_by"},
		{"no reason", appr, k.ID, without(extendBody(5), "reason"), 400, "", "reason"},
		{"suspended", appr, suspended.ID, extendBody(5), 409, "case_not_in_review", ""},
		{"decided", appr, decided.ID, extendBody(5), 409, "case_not_in_review", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.case.extend'`)
			exts := e.count(`SELECT COUNT(*) FROM approval_extensions`)
			version := e.count(`SELECT version FROM approval_cases WHERE id = ?`, tc.id)
			r := tc.c.json(http.MethodPost, extendPath(tc.id), tc.body)
			if r.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Code, tc.status, r.Body.String())
			}
			var ae apiError
			r.decode(t, &ae)
			if !hasHan(ae.Error.Message) || (tc.code != "" && ae.Error.Code != tc.code) {
				t.Fatalf("answer %+v, want code %q", ae.Error, tc.code)
			}
			if tc.field != "" {
				found := false
				for _, f := range ae.Error.Fields {
					found = found || (f.Name == tc.field && f.Code != "" && hasHan(f.Message))
				}
				if !found {
					t.Fatalf("no field %s in %+v", tc.field, ae.Error.Fields)
				}
			}
			if e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.case.extend'`) != events ||
				e.count(`SELECT COUNT(*) FROM approval_extensions`) != exts || e.count(`SELECT version FROM approval_cases WHERE id = ?`, tc.id) != version {
				t.Fatal("something was written")
			}
		})
	}

	// Granted: 10 working days, on Wednesday 4 March.
	var ghStep, zjStep approval.Step
	for _, st := range k.Steps {
		if st.DeptOrgID == gh {
			ghStep = st
		} else {
			zjStep = st
		}
	}
	body := extendBody(10)
	body["reason"] = "需要组织现场核查，张三（11010519491231002X）补充说明"
	r := appr.json(http.MethodPost, extendPath(k.ID), body)
	if r.Code != http.StatusOK {
		t.Fatalf("extend: %d %s", r.Code, r.Body.String())
	}
	var got approval.Case
	r.decode(t, &got)
	// Qingming (4–6 April 2026) falls inside the moved legal limit.
	if got.DueOn.String() != "2026-03-30" || got.LegalDueOn.String() != "2026-04-14" || got.Status != approval.CaseInReview {
		t.Fatalf("extended: %s due %v legal %v", got.Status, got.DueOn, got.LegalDueOn)
	}
	x := got.Extension
	if x == nil || x.Days != 10 || x.ApprovedBy != "李局长" || x.DueBefore.String() != "2026-03-16" || x.LegalDueBefore.String() != "2026-03-30" || x.ExtendedBy == "" {
		t.Fatalf("extension: %+v", x)
	}
	wantSteps := map[int64]string{zjStep.ID: "2026-03-26", ghStep.ID: "2026-03-19"}
	for _, st := range got.Steps {
		if st.DueOn.String() != wantSteps[st.ID] || st.Status != approval.StepPending {
			t.Fatalf("step %d (%s) due %s, want %s", st.ID, st.DeptName, st.DueOn, wantSteps[st.ID])
		}
		// Its timed event moved with it: the start of the day after.
		var due time.Time
		if err := e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ? AND state = 'pending'`, approval.StepDueEvent, fmt.Sprintf("step:%d", st.ID)); err != nil {
			t.Fatalf("step %d event: %v", st.ID, err)
		}
		d, _ := time.Parse("2006-01-02", wantSteps[st.ID])
		if want := d.Add(16 * time.Hour); !due.Equal(want) {
			t.Fatalf("step %d event due %s, want %s", st.ID, due, want)
		}
	}
	// The audit event holds the days and dates, the texts' lengths only.
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE action = 'approval.case.extend' AND object_id = ?`, fmt.Sprint(k.ID)); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"李局长", "现场核查", testResidentID} {
		if strings.Contains(summary, secret) {
			t.Fatalf("the audit event holds %q: %s", secret, summary)
		}
	}
	if !strings.Contains(summary, `"reason_chars"`) || !strings.Contains(summary, `"approved_by_chars"`) || !strings.Contains(summary, `"days":10`) {
		t.Fatalf("audit summary %s", summary)
	}

	// 规划局's old limit (5 March) passes: its step is not deemed to agree.
	e.clock.Set(shanghai9("2026-03-06"))
	if err := e.srv.hall().HandleStepDue(context.Background(), fmt.Sprintf("step:%d", ghStep.ID)); err != nil {
		t.Fatal(err)
	}
	clerkAPI, appr = e.api("clerk"), e.api("approver")
	for _, st := range getCase(t, clerkAPI, k.ID).Steps {
		if st.Status != approval.StepPending {
			t.Fatalf("step %d %s before its extended limit", st.ID, st.Status)
		}
	}

	// Once only.
	version := e.count(`SELECT version FROM approval_cases WHERE id = ?`, k.ID)
	if r := appr.json(http.MethodPost, extendPath(k.ID), extendBody(1)); r.Code != http.StatusConflict || r.errorCode(t) != "case_already_extended" {
		t.Fatalf("second extension: %d %s", r.Code, r.Body.String())
	}
	if e.count(`SELECT version FROM approval_cases WHERE id = ?`, k.ID) != version {
		t.Fatal("the second extension wrote")
	}

	// The applicant is told: the lookup shows the extension, its reason
	// and the new dates, not who approved it.
	r = e.anon().json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": k.CaseNo, "query_code": rc.QueryCode})
	var pc approval.PublicCase
	r.decode(t, &pc)
	if r.Code != http.StatusOK || pc.Extension == nil || pc.Extension.Days != 10 || pc.Extension.ExtendedOn.String() != "2026-03-04" ||
		!strings.Contains(pc.Extension.Reason, "现场核查") || pc.DueOn.String() != "2026-03-30" || pc.LegalDueOn.String() != "2026-04-14" {
		t.Fatalf("lookup: %d %s", r.Code, r.Body.String())
	}
	if strings.Contains(r.Body.String(), "李局长") {
		t.Fatal("the lookup names the approving head")
	}
	page := e.anon()
	page.get("/approval/lookup")
	if r := page.postForm("/approval/lookup", url.Values{"case_no": {k.CaseNo}, "query_code": {rc.QueryCode}}); r.Code != http.StatusOK ||
		!strings.Contains(r.Body.String(), "延长10个工作日") || !strings.Contains(r.Body.String(), "2026-04-14") {
		t.Fatalf("lookup page: %d %s", r.Code, r.Body.String())
	}

	// A legal limit already passed is not extended.
	late := intake(t, clerkAPI, caseBody(single.ID, 1, 2)).Case // accepted 6 March: legal 3 April
	e.clock.Set(shanghai9("2026-04-07"))
	appr = e.api("approver")
	if r := appr.json(http.MethodPost, extendPath(late.ID), extendBody(5)); r.Code != http.StatusConflict || r.errorCode(t) != "legal_limit_passed" {
		t.Fatalf("extension past the legal limit: %d %s", r.Code, r.Body.String())
	}
}

// The most days an extension may give is a setting (1–15, the law's 15 for
// joint handling), and the lead department's page extends through a form.
func TestApprovalExtensionSettingAndPage(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	single := createItem(t, e, promisedItem(zj))
	admin := e.api("admin")
	t.Cleanup(func() {
		e.api("admin").json(http.MethodPut, "/api/v1/approval/settings", map[string]any{"extension_days": approval.DefaultSettings.ExtensionDays})
	})
	if r := admin.json(http.MethodPut, "/api/v1/approval/settings", map[string]any{"extension_days": 16}); r.Code != http.StatusBadRequest {
		t.Fatalf("16 days: %d %s", r.Code, r.Body.String())
	}
	if r := admin.json(http.MethodPut, "/api/v1/approval/settings", map[string]any{"extension_days": 5}); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"extension_days":5`) {
		t.Fatalf("5 days: %d %s", r.Code, r.Body.String())
	}
	k := intake(t, e.api("clerk"), caseBody(single.ID, 1, 2)).Case
	appr := e.api("approver")
	if r := appr.json(http.MethodPost, extendPath(k.ID), extendBody(6)); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "1到5个工作日") {
		t.Fatalf("6 days over a setting of 5: %d %s", r.Code, r.Body.String())
	}

	b := e.browser("approver")
	casePage := fmt.Sprintf("/approval/cases/%d", k.ID)
	if r := b.get(casePage); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="approval-extend-form"`) {
		t.Fatalf("case page without the extension form: %d", r.Code)
	}
	form := fmt.Sprintf("/dept/cases/%d/extend", k.ID)
	if r := b.postForm(form, url.Values{"days": {"5"}, "reason": {"需要专家论证"}, "approved_by": {""}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Body.String(), "批准人") || !strings.Contains(r.Body.String(), "需要专家论证") {
		t.Fatalf("form without the approver: %d", r.Code)
	}
	if r := b.postForm(form, url.Values{"days": {"5"}, "reason": {"需要专家论证"}, "approved_by": {"王副局长"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("extend through the page: %d %s", r.Code, r.Body.String())
	}
	// Promised 16 March + 5 = 23 March; legal 30 March + 5 = 7 April (Qingming 4–6 April).
	got := getCase(t, e.api("clerk"), k.ID)
	if got.Extension == nil || got.DueOn.String() != "2026-03-23" || got.LegalDueOn.String() != "2026-04-07" {
		t.Fatalf("extended through the page: %+v due %v legal %v", got.Extension, got.DueOn, got.LegalDueOn)
	}
	if r := b.get(casePage); r.Code != http.StatusOK || strings.Contains(r.Body.String(), `data-testid="approval-extend-form"`) ||
		!strings.Contains(r.Body.String(), "王副局长") {
		t.Fatalf("case page after the extension: %d", r.Code)
	}
}
