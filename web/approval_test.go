package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/approval"
	"ggzy/demo"
)

// The approval hall's first half through HTTP: catalogue, intake,
// 一次性告知, acceptance, parallel steps, 超时默认, decision, delivery and
// the public lookup.

const testResidentID = "11010519491231002X"

// shanghai9 is 09:00 Asia/Shanghai of the day.
func shanghai9(day string) time.Time {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		panic(err)
	}
	return t.Add(time.Hour) // 01:00 UTC
}

// hallDepts returns the ids of the demo departments by user.
func hallDepts(t testing.TB, e *env) (zj, gh int64) {
	t.Helper()
	_, zj = userID(t, e, "approver")
	_, gh = userID(t, e, "approver2")
	if zj == 0 || gh == 0 || zj == gh {
		t.Fatalf("demo departments %d %d", zj, gh)
	}
	return zj, gh
}

func itemCode() string { return fmt.Sprintf("T-%d", rand.Int64N(1e12)) }

// jointItem is a joint item led by 住建局 with 规划局: legal 20, promised 10,
// 住建 8 and 规划 3 working days.
func jointItem(zj, gh int64) map[string]any {
	return map[string]any{"code": itemCode(), "name": "建设工程施工许可（联办）", "dept_org_id": zj, "case_type": "joint",
		"legal_basis": "《中华人民共和国建筑法》第七条", "conditions": "已办理用地和规划许可", "procedure": "窗口受理、并联审查、决定、送达",
		"materials": []map[string]any{{"name": "申请表", "required": true, "copies": 1}, {"name": "规划许可证", "required": true, "copies": 1},
			{"name": "授权委托书", "required": false, "copies": 1}},
		"legal_days": 20, "promised_days": 10,
		"depts": []map[string]any{{"dept_org_id": zj, "task": "施工许可审查", "days": 8}, {"dept_org_id": gh, "task": "规划核实", "days": 3}}}
}

func promisedItem(zj int64) map[string]any {
	m := jointItem(zj, 0)
	m["case_type"], m["name"] = "promised", "建筑工程竣工验收备案"
	delete(m, "depts")
	return m
}

func createItem(t testing.TB, e *env, body map[string]any) approval.Item {
	t.Helper()
	r := e.api("admin").json(http.MethodPost, "/api/v1/approval/items", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("create item: %d %s", r.Code, r.Body.String())
	}
	var it approval.Item
	r.decode(t, &it)
	return it
}

func intake(t testing.TB, c *client, body map[string]any) approval.Receipt {
	t.Helper()
	r := c.json(http.MethodPost, "/api/v1/approval/cases", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("intake: %d %s", r.Code, r.Body.String())
	}
	var rc approval.Receipt
	r.decode(t, &rc)
	return rc
}

func caseBody(item int64, provided ...int) map[string]any {
	return map[string]any{"item_id": item, "applicant_kind": "person", "applicant_name": "张三", "applicant_id": testResidentID,
		"phone": "13800138000", "provided": provided}
}

func getCase(t *testing.T, c *client, id int64) *approval.Case {
	t.Helper()
	r := c.get(fmt.Sprintf("/api/v1/approval/cases/%d", id))
	if r.Code != http.StatusOK {
		t.Fatalf("case %d: %d %s", id, r.Code, r.Body.String())
	}
	var k approval.Case
	r.decode(t, &k)
	return &k
}

func TestApprovalJourney(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-04-28")) // Tuesday before 劳动节 (1–5 May; Saturday 9 May is worked)
	zj, gh := hallDepts(t, e)
	it := createItem(t, e, jointItem(zj, gh))
	if it.Version != 1 || len(it.Depts) != 2 {
		t.Fatalf("item: %+v", it)
	}
	clerkAPI := e.api("clerk")

	// Incomplete: 规划许可证 missing, told at once, 20 working days to complete.
	rc := intake(t, clerkAPI, caseBody(it.ID, 1))
	k := rc.Case
	if k.Status != approval.CaseIncomplete || k.MaterialsDue == nil || k.MaterialsDue.String() != "2026-05-28" {
		t.Fatalf("incomplete case: %+v", k)
	}
	if m := k.Missing(); len(m) != 1 || m[0] != "规划许可证" {
		t.Fatalf("missing %v", m)
	}
	if !strings.HasPrefix(k.CaseNo, "SP2026-") || len(rc.QueryCode) != approval.QueryCodeLen {
		t.Fatalf("case no %q, code %q", k.CaseNo, rc.QueryCode)
	}
	if n := e.count(`SELECT COUNT(*) FROM approval_cases WHERE lookup_hash = ? OR applicant_masked = ?`, rc.QueryCode, testResidentID); n != 0 {
		t.Fatal("the query code or the ID number is stored in the clear")
	}
	if n := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target = ? AND state = 'pending'`, approval.MaterialsDueEvent, fmt.Sprintf("case:%d", k.ID)); n != 1 {
		t.Fatalf("materials event: %d", n)
	}

	// Completed the same day: accepted from 28 April across the holiday.
	r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/materials", k.ID), map[string]any{"provided": []int{2}})
	if r.Code != http.StatusOK {
		t.Fatalf("materials: %d %s", r.Code, r.Body.String())
	}
	r.decode(t, &k)
	if k.Status != approval.CaseInReview || k.DueOn.String() != "2026-05-14" || k.LegalDueOn.String() != "2026-05-28" || len(k.Steps) != 2 {
		t.Fatalf("accepted: status %s due %v legal %v steps %d", k.Status, k.DueOn, k.LegalDueOn, len(k.Steps))
	}
	var zjStep, ghStep approval.Step
	for _, st := range k.Steps {
		switch st.DeptOrgID {
		case zj:
			zjStep = st
		case gh:
			ghStep = st
		}
	}
	if zjStep.DueOn.String() != "2026-05-12" || ghStep.DueOn.String() != "2026-05-06" {
		t.Fatalf("step limits %s %s", zjStep.DueOn, ghStep.DueOn)
	}
	if n := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target = ? AND state = 'cancelled'`, approval.MaterialsDueEvent, fmt.Sprintf("case:%d", k.ID)); n != 1 {
		t.Fatalf("materials event not cancelled: %d", n)
	}

	// Each department sees its own step only.
	var steps struct{ Steps []approval.Step }
	e.api("approver2").get("/api/v1/approval/steps").decode(t, &steps)
	found := false
	for _, st := range steps.Steps {
		if st.ID == zjStep.ID {
			t.Fatal("规划局 sees 住建局's step")
		}
		found = found || st.ID == ghStep.ID
	}
	if !found {
		t.Fatal("规划局 does not see its step")
	}

	// 住建局 agrees through its page; 规划局 stays silent past its limit.
	b := e.browser("approver")
	if r := b.get(fmt.Sprintf("/dept/steps/%d", zjStep.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), k.CaseNo) {
		t.Fatalf("step page: %d", r.Code)
	}
	r = b.postForm(fmt.Sprintf("/dept/steps/%d", zjStep.ID), url.Values{"decision": {"agree"}, "opinion": {"符合施工许可条件"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("agree: %d %s", r.Code, r.Body.String())
	}
	e.clock.Set(shanghai9("2026-05-06"))
	hall := e.srv.hall()
	ghTarget := fmt.Sprintf("step:%d", ghStep.ID)
	if err := hall.HandleStepDue(context.Background(), ghTarget); err != nil {
		t.Fatal(err)
	}
	clerkAPI = e.api("clerk") // sessions end when idle: log in again after moving the clock
	if k = getCase(t, clerkAPI, k.ID); k.Status != approval.CaseInReview {
		t.Fatalf("deemed on its last day: %s", k.Status)
	}
	var due time.Time
	if err := e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ?`, approval.StepDueEvent, ghTarget); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 5, 6, 16, 0, 0, 0, time.UTC); !due.Equal(want) { // 7 May 00:00 Shanghai
		t.Fatalf("step event due %s, want %s", due, want)
	}
	e.clock.Set(due.Add(time.Minute))
	for range 2 { // an event that runs again changes nothing
		if err := hall.HandleStepDue(context.Background(), ghTarget); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.step.deemed' AND object_id = ?`, fmt.Sprint(ghStep.ID)); n != 1 {
		t.Fatalf("deemed %d times", n)
	}
	// The missed limit is on 电子监察's record (red, once) though no sweep ran.
	if n := e.count(`SELECT COUNT(*) FROM approval_warnings WHERE step_id = ? AND kind = 'limit' AND level = 'red' AND due_on = '2026-05-06'`, ghStep.ID); n != 1 {
		t.Fatalf("red warnings of the deemed step: %d", n)
	}
	clerkAPI = e.api("clerk")
	k = getCase(t, clerkAPI, k.ID)
	if k.Status != approval.CaseDecided || k.Decision != approval.DecisionApproved || k.DecidedAt == nil {
		t.Fatalf("decided: %s %s", k.Status, k.Decision)
	}
	for _, st := range k.Steps {
		if st.DeptOrgID == gh && st.Status != approval.StepDeemed {
			t.Fatalf("规划局 step %s", st.Status)
		}
	}

	// Delivered at the window.
	cb := e.browser("clerk")
	if r := cb.postForm(fmt.Sprintf("/window/cases/%d/deliver", k.ID), nil); r.Code != http.StatusSeeOther {
		t.Fatalf("deliver: %d %s", r.Code, r.Body.String())
	}
	if r := cb.get(fmt.Sprintf("/window/cases/%d/receipt", k.ID)); r.Code != http.StatusOK || strings.Contains(r.Body.String(), rc.QueryCode) {
		t.Fatalf("receipt later: %d (the code is shown once only)", r.Code)
	}

	// The public lookup: the masked name, no ID number or phone.
	anon := e.anon()
	r = anon.json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": k.CaseNo, "query_code": strings.ToLower(rc.QueryCode)})
	if r.Code != http.StatusOK {
		t.Fatalf("lookup: %d %s", r.Code, r.Body.String())
	}
	var pc approval.PublicCase
	r.decode(t, &pc)
	if pc.Status != approval.CaseDelivered || pc.ApplicantName != "张*" || pc.DueOn.String() != "2026-05-14" || pc.DecidedAt == nil || pc.Decision != approval.DecisionApproved {
		t.Fatalf("lookup answer: %+v", pc)
	}
	for _, secret := range []string{"张三", testResidentID, "13800138000"} {
		if strings.Contains(r.Body.String(), secret) {
			t.Fatalf("lookup shows %q: %s", secret, r.Body.String())
		}
	}
	wrong := anon.json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": k.CaseNo, "query_code": "AAAAAAAAAA"})
	unknown := anon.json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": "SP2099-999999", "query_code": rc.QueryCode})
	if wrong.Code != http.StatusNotFound || unknown.Code != http.StatusNotFound || wrong.errorCode(t) != "lookup_failed" || unknown.errorCode(t) != "lookup_failed" {
		t.Fatalf("wrong code %d, unknown number %d", wrong.Code, unknown.Code)
	}
	var w1, w2 apiError
	wrong.decode(t, &w1)
	unknown.decode(t, &w2)
	if w1.Error.Message != w2.Error.Message {
		t.Fatal("a wrong code and an unknown number answer differently")
	}
	// The page shows the same.
	page := e.anon()
	page.get("/approval/lookup")
	if r := page.postForm("/approval/lookup", url.Values{"case_no": {k.CaseNo}, "query_code": {rc.QueryCode}}); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "已送达") {
		t.Fatalf("lookup page: %d", r.Code)
	}
}

func TestApprovalLookupThrottled(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	var last response
	for i := 0; i <= approval.DefaultLookupThrottle.Max; i++ {
		last = anon.json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": "SP2026-000001", "query_code": fmt.Sprintf("WRONG%05d", i)})
	}
	if last.Code != http.StatusTooManyRequests || last.errorCode(t) != "lookup_throttled" || last.Header().Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d %s", approval.DefaultLookupThrottle.Max+1, last.Code, last.Body.String())
	}
	// Another address is not locked out.
	if r := e.anon().json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": "SP2026-000001", "query_code": "WRONG"}); r.Code != http.StatusNotFound {
		t.Fatalf("other address: %d", r.Code)
	}
}

// An application whose materials are not completed in the supplement
// period is deemed withdrawn — never accepted: 行政许可法 32 (四) deems an
// application accepted only when the authority fails to give its 一次性告知
// within five days, and the window gives it at intake. An instant item is
// not decided either.
func TestApprovalUnsupplementedCaseLapses(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	instant := promisedItem(zj)
	instant["case_type"], instant["legal_days"], instant["promised_days"], instant["name"] = "instant", 0, 0, "个体工商户名称变更登记（即办）"
	inst := createItem(t, e, instant)
	clerkAPI := e.api("clerk")
	rc := intake(t, clerkAPI, caseBody(it.ID, 1))
	ri := intake(t, clerkAPI, caseBody(inst.ID, 1))
	// 20 working days (the default supplement period) from Monday 2 March.
	for _, k := range []*approval.Case{rc.Case, ri.Case} {
		if k.Status != approval.CaseIncomplete || k.MaterialsDue == nil || k.MaterialsDue.String() != "2026-03-30" {
			t.Fatalf("incomplete case: %s due %v", k.Status, k.MaterialsDue)
		}
	}
	hall := e.srv.hall()
	e.clock.Set(shanghai9("2026-03-30")) // the last day: not yet
	for _, k := range []*approval.Case{rc.Case, ri.Case} {
		if err := hall.HandleMaterialsDue(context.Background(), fmt.Sprintf("case:%d", k.ID)); err != nil {
			t.Fatal(err)
		}
		if got := getCase(t, e.api("clerk"), k.ID); got.Status != approval.CaseIncomplete {
			t.Fatalf("closed on the deadline's own day: %s", got.Status)
		}
	}
	var due time.Time
	if err := e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ?`, approval.MaterialsDueEvent, fmt.Sprintf("case:%d", rc.Case.ID)); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(due)
	clerkAPI = e.api("clerk")
	for _, k := range []*approval.Case{rc.Case, ri.Case} {
		for range 2 { // an event that runs again changes nothing
			if err := hall.HandleMaterialsDue(context.Background(), fmt.Sprintf("case:%d", k.ID)); err != nil {
				t.Fatal(err)
			}
		}
		got := getCase(t, clerkAPI, k.ID)
		if got.Status != approval.CaseWithdrawn || got.Decision != "" || got.DecidedAt != nil || got.DueOn != nil || len(got.Steps) != 0 {
			t.Fatalf("lapsed case: %s decision %q due %v steps %d", got.Status, got.Decision, got.DueOn, len(got.Steps))
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.case.lapse' AND object_id = ?`, fmt.Sprint(k.ID)); n != 1 {
			t.Fatalf("lapsed %d times", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action IN ('approval.case.accept', 'approval.case.decide') AND object_id = ?`, fmt.Sprint(k.ID)); n != 0 {
			t.Fatalf("a lapsed case was accepted or decided (%d events)", n)
		}
	}
	// Completing the materials after the lapse is refused: the case is over.
	r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/materials", rc.Case.ID), map[string]any{"provided": []int{1, 2}})
	if r.Code != http.StatusConflict || r.errorCode(t) != "case_not_incomplete" {
		t.Fatalf("materials after the lapse: %d %s", r.Code, r.Body.String())
	}
}

func TestApprovalBadInput(t *testing.T) {
	e := newEnv(t)
	zj, gh := hallDepts(t, e)
	_, centre := userID(t, e, "clerk")
	taken := createItem(t, e, promisedItem(zj))
	item := func(change func(m map[string]any)) map[string]any {
		m := jointItem(zj, gh)
		change(m)
		return m
	}
	kase := func(change func(m map[string]any)) map[string]any {
		m := caseBody(taken.ID, 1, 2)
		change(m)
		return m
	}
	admin, clerkAPI := e.api("admin"), e.api("clerk")
	tests := []struct {
		name   string
		c      *client
		path   string
		body   map[string]any
		status int
		field  string
		code   string
	}{
		{"promised over legal", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["promised_days"] = 25 }), 400, "promised_days", "promised_exceeds_legal"},
		{"promised not 30% shorter", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["promised_days"] = 15 }), 400, "promised_days", "promised_not_shorter"},
		{"instant with days", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["case_type"] = "instant"; delete(m, "depts") }), 400, "promised_days", "instant_days"},
		{"joint with one department", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["depts"] = m["depts"].([]map[string]any)[:1] }), 400, "depts", "depts_required"},
		{"lead not a department", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["dept_org_id"] = centre; delete(m, "depts"); m["case_type"] = "promised" }), 400, "dept_org_id", "not_a_department"},
		{"no materials", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["materials"] = []any{} }), 400, "materials", "materials_required"},
		{"bad code", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["code"] = "事项一" }), 400, "code", "item_code_invalid"},
		{"code taken", admin, "/api/v1/approval/items", item(func(m map[string]any) { m["code"] = taken.Code }), 409, "code", "item_code_taken"},
		{"ID number checksum", clerkAPI, "/api/v1/approval/cases", kase(func(m map[string]any) { m["applicant_id"] = "110105194912310021" }), 400, "applicant_id", ""},
		{"USCC checksum", clerkAPI, "/api/v1/approval/cases", kase(func(m map[string]any) {
			m["applicant_kind"] = "organisation"
			u := demo.USCC("91330100MA0000999")
			m["applicant_id"] = u[:17] + map[bool]string{true: "1", false: "2"}[u[17] != '1']
		}), 400, "applicant_id", ""},
		{"phone", clerkAPI, "/api/v1/approval/cases", kase(func(m map[string]any) { m["phone"] = "12345" }), 400, "phone", ""},
		{"unknown material", clerkAPI, "/api/v1/approval/cases", kase(func(m map[string]any) { m["provided"] = []int{1, 9} }), 400, "provided", "material_unknown"},
		{"unknown item", clerkAPI, "/api/v1/approval/cases", kase(func(m map[string]any) { m["item_id"] = 1 << 40 }), 400, "item_id", "item_not_found"},
		{"applicant kind", clerkAPI, "/api/v1/approval/cases", kase(func(m map[string]any) { m["applicant_kind"] = "robot" }), 400, "applicant_kind", "applicant_kind_invalid"},
		{"lookup without code", e.anon(), "/api/v1/approval/lookup", map[string]any{"case_no": "SP2026-000001"}, 400, "query_code", "required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := e.count(`SELECT COUNT(*) FROM approval_items`)
			cases := e.count(`SELECT COUNT(*) FROM approval_cases`)
			r := tc.c.json(http.MethodPost, tc.path, tc.body)
			if r.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Code, tc.status, r.Body.String())
			}
			var ae apiError
			r.decode(t, &ae)
			if ae.Error.Code == "" || !hasHan(ae.Error.Message) {
				t.Fatalf("answer %+v", ae.Error)
			}
			var got string
			for _, f := range ae.Error.Fields {
				if f.Name == tc.field {
					got = f.Code
					if !hasHan(f.Message) {
						t.Errorf("field message %q", f.Message)
					}
				}
			}
			if got == "" || (tc.code != "" && got != tc.code) {
				t.Fatalf("field %s: code %q, want %q (%+v)", tc.field, got, tc.code, ae.Error.Fields)
			}
			if e.count(`SELECT COUNT(*) FROM approval_items`) != items || e.count(`SELECT COUNT(*) FROM approval_cases`) != cases {
				t.Fatal("something was written")
			}
		})
	}

	// Actions on a case: a refusal needs its reason, a step its opinion.
	rc := intake(t, clerkAPI, caseBody(taken.ID, 1))
	r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/refuse", rc.Case.ID), map[string]string{"reason": "  "})
	if r.Code != http.StatusBadRequest || getCase(t, clerkAPI, rc.Case.ID).Status != approval.CaseIncomplete {
		t.Fatalf("refusal without reason: %d", r.Code)
	}
	ok := intake(t, clerkAPI, caseBody(taken.ID, 1, 2))
	r = e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/steps/%d/decision", ok.Case.Steps[0].ID), map[string]any{"agree": false, "opinion": ""})
	if r.Code != http.StatusBadRequest || getCase(t, clerkAPI, ok.Case.ID).Steps[0].Status != approval.StepPending {
		t.Fatalf("opinion missing: %d %s", r.Code, r.Body.String())
	}
	// The intake form shows the problems by field and keeps what was typed.
	b := e.browser("clerk")
	r = b.postForm("/window/cases", url.Values{"item_id": {fmt.Sprint(taken.ID)}, "applicant_kind": {"person"}, "applicant_name": {"李四"},
		"applicant_id": {"110105194912310021"}, "phone": {"13800138000"}, "provided": {"1", "2"}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "李四") {
		t.Fatalf("intake form: %d", r.Code)
	}
}

func TestApprovalOwnershipAndSuspension(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, gh := hallDepts(t, e)
	joint := createItem(t, e, jointItem(zj, gh))
	single := createItem(t, e, promisedItem(zj))
	clerkAPI := e.api("clerk")
	appr, appr2 := e.api("approver"), e.api("approver2")

	// 规划局 has no part in a 住建局 item: not found, not even the case.
	sc := intake(t, clerkAPI, caseBody(single.ID, 1, 2)).Case
	if r := appr2.get(fmt.Sprintf("/api/v1/approval/cases/%d", sc.ID)); r.Code != http.StatusNotFound {
		t.Fatalf("other department reads the case: %d", r.Code)
	}
	stepPath := fmt.Sprintf("/api/v1/approval/steps/%d/decision", sc.Steps[0].ID)
	if r := appr2.json(http.MethodPost, stepPath, map[string]any{"agree": true, "opinion": "同意"}); r.Code != http.StatusNotFound || r.errorCode(t) != "step_not_found" {
		t.Fatalf("other department decides: %d %s", r.Code, r.Body.String())
	}
	if r := clerkAPI.json(http.MethodPost, stepPath, map[string]any{"agree": true, "opinion": "同意"}); r.Code != http.StatusForbidden {
		t.Fatalf("clerk decides a step: %d", r.Code)
	}
	if r := appr.json(http.MethodPost, "/api/v1/approval/cases", caseBody(single.ID, 1, 2)); r.Code != http.StatusForbidden {
		t.Fatalf("approver takes a case: %d", r.Code)
	}
	if getCase(t, clerkAPI, sc.ID).Steps[0].Status != approval.StepPending {
		t.Fatal("a refused action changed the step")
	}

	// Suspension: only the lead department; steps wait; resuming moves the
	// limits by the working days it stood.
	jc := intake(t, clerkAPI, caseBody(joint.ID, 1, 2)).Case
	susp := fmt.Sprintf("/api/v1/approval/cases/%d/suspend", jc.ID)
	if r := appr2.json(http.MethodPost, susp, map[string]any{"reason": "expert_review", "note": "专家评审", "expected_days": 10}); r.Code != http.StatusForbidden || r.errorCode(t) != "not_lead_department" {
		t.Fatalf("non-lead suspends: %d %s", r.Code, r.Body.String())
	}
	if r := appr.json(http.MethodPost, susp, map[string]string{"reason": "nap", "note": "x"}); r.Code != http.StatusBadRequest {
		t.Fatalf("bad reason: %d", r.Code)
	}
	if r := appr.json(http.MethodPost, susp, map[string]any{"reason": "expert_review", "note": "组织专家评审"}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Body.String(), `"field":"expected_days"`) {
		t.Fatalf("suspend without the time it needs (行政许可法 45): %d %s", r.Code, r.Body.String())
	}
	if r := appr.json(http.MethodPost, susp, map[string]any{"reason": "expert_review", "note": "组织专家评审", "expected_days": 10}); r.Code != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Code, r.Body.String())
	}
	var ghStep approval.Step
	for _, st := range jc.Steps {
		if st.DeptOrgID == gh {
			ghStep = st
		}
	}
	if r := appr2.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/steps/%d/decision", ghStep.ID), map[string]any{"agree": true, "opinion": "同意"}); r.Code != http.StatusConflict || r.errorCode(t) != "case_suspended" {
		t.Fatalf("decide while suspended: %d %s", r.Code, r.Body.String())
	}
	// Past 规划局's limit while suspended: not deemed.
	e.clock.Set(shanghai9("2026-03-09"))
	if err := e.srv.hall().HandleStepDue(context.Background(), fmt.Sprintf("step:%d", ghStep.ID)); err != nil {
		t.Fatal(err)
	}
	// Suspended Monday 2 March, resumed Monday 9 March: 5 working days.
	appr, clerkAPI = e.api("approver"), e.api("clerk")
	r := appr.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/resume", jc.ID), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("resume: %d %s", r.Code, r.Body.String())
	}
	var k approval.Case
	r.decode(t, &k)
	// Before: due 2026-03-16, legal 2026-03-30, 规划 2026-03-05.
	if k.Status != approval.CaseInReview || k.SuspendedDays != 5 || k.DueOn.String() != "2026-03-23" || k.LegalDueOn.String() != "2026-04-07" {
		t.Fatalf("resumed: %s days %d due %v legal %v", k.Status, k.SuspendedDays, k.DueOn, k.LegalDueOn)
	}
	for _, st := range k.Steps {
		if st.DeptOrgID == gh && (st.Status != approval.StepPending || st.DueOn.String() != "2026-03-12") {
			t.Fatalf("规划 step after resume: %s %s", st.Status, st.DueOn)
		}
	}
	// Withdrawn on the applicant's written request; a decided case cannot be.
	b := e.browser("clerk")
	if r := b.postForm(fmt.Sprintf("/window/cases/%d/withdraw", jc.ID), url.Values{"note": {""}}); r.Code != http.StatusBadRequest {
		t.Fatalf("withdraw without note: %d", r.Code)
	}
	if r := b.postForm(fmt.Sprintf("/window/cases/%d/withdraw", jc.ID), url.Values{"note": {"申请人2026年3月9日书面申请撤回"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}
	if k := getCase(t, clerkAPI, jc.ID); k.Status != approval.CaseWithdrawn {
		t.Fatalf("withdrawn: %s", k.Status)
	}
	if n := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target = ? AND state = 'pending'`, approval.StepDueEvent, fmt.Sprintf("step:%d", ghStep.ID)); n != 0 {
		t.Fatal("a withdrawn case's step event is still pending")
	}
}

func TestApprovalInstantRefusalAndPages(t *testing.T) {
	e := newEnv(t)
	zj, _ := hallDepts(t, e)
	instant := promisedItem(zj)
	instant["case_type"], instant["legal_days"], instant["promised_days"], instant["name"] = "instant", 0, 0, "个体工商户名称变更登记（即办）"
	it := createItem(t, e, instant)
	clerkAPI := e.api("clerk")
	k := intake(t, clerkAPI, caseBody(it.ID, 1, 2)).Case
	if k.Status != approval.CaseDecided || k.Decision != approval.DecisionApproved || len(k.Steps) != 0 {
		t.Fatalf("instant: %s %s", k.Status, k.Decision)
	}
	body := caseBody(it.ID, 1, 2)
	body["refuse_reason"] = "申请事项依法不需要取得行政许可"
	ref := intake(t, clerkAPI, body).Case
	if ref.Status != approval.CaseRefused {
		t.Fatalf("refused: %s", ref.Status)
	}

	// Public pages, no login.
	anon := e.anon()
	if r := anon.get("/approval/items?q=" + url.QueryEscape("即办")); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), it.Code) {
		t.Fatalf("item list: %d", r.Code)
	}
	if r := anon.get(fmt.Sprintf("/approval/items/%d", it.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "设定依据") {
		t.Fatalf("item page: %d", r.Code)
	}
	// The intake form through the browser: the receipt with the code.
	b := e.browser("clerk")
	if r := b.get(fmt.Sprintf("/window/cases/new?item=%d", it.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "申请表") {
		t.Fatalf("intake form: %d", r.Code)
	}
	r := b.postForm("/window/cases", url.Values{"item_id": {fmt.Sprint(it.ID)}, "applicant_kind": {"person"}, "applicant_name": {"王五"},
		"applicant_id": {testResidentID}, "phone": {"13900139000"}, "provided": {"1"}})
	if r.Code != http.StatusCreated || !strings.Contains(r.Body.String(), "一次性告知") || !strings.Contains(r.Body.String(), "规划许可证") ||
		!strings.Contains(r.Body.String(), `data-testid="approval-query-code"`) {
		t.Fatalf("receipt: %d %s", r.Code, r.Body.String())
	}
	if r := b.get(fmt.Sprintf("/window/cases/%d/receipt", ref.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "不予受理决定书") {
		t.Fatalf("refusal receipt: %d", r.Code)
	}
	for _, p := range []string{"/window/cases", fmt.Sprintf("/approval/cases/%d", k.ID)} {
		if r := b.get(p); r.Code != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Code)
		}
	}
	ab := e.browser("admin")
	for _, p := range []string{"/admin/approval/items", "/admin/approval/items/new", fmt.Sprintf("/admin/approval/items/%d", it.ID), "/admin/approval/settings"} {
		if r := ab.get(p); r.Code != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Code)
		}
	}
	if r := e.browser("approver").get("/dept/steps"); r.Code != http.StatusOK {
		t.Fatalf("dept steps: %d", r.Code)
	}
}

// The supplement period is a setting: out of range refused with its field,
// a saved value applies to the next 一次性告知.
func TestApprovalSupplementPeriodSetting(t *testing.T) {
	e := newEnv(t)
	keepSettings(t, e, "approval")
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	admin := e.api("admin")
	if r := admin.json(http.MethodPut, "/api/v1/approval/settings", map[string]any{"supplement_days": 4}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "supplement_days") {
		t.Fatalf("supplement_days 4: %d %s", r.Code, r.Body.String())
	}
	if r := admin.json(http.MethodPut, "/api/v1/approval/settings", map[string]any{"supplement_days": 5}); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"supplement_days":5`) {
		t.Fatalf("supplement_days 5: %d %s", r.Code, r.Body.String())
	}
	// Monday 2 March + 5 working days.
	if k := intake(t, e.api("clerk"), caseBody(it.ID, 1)).Case; k.MaterialsDue == nil || k.MaterialsDue.String() != "2026-03-09" {
		t.Fatalf("materials due %v with a 5-day period", k.MaterialsDue)
	}
}

// The window's status filter offers the statuses a case rests in, in the
// order of its life (received and accepted are never stored: filtering by
// them showed nothing).
func TestApprovalWindowStatusFilter(t *testing.T) {
	e := newEnv(t)
	page := e.browser("clerk").get("/window/cases")
	if page.Code != http.StatusOK {
		t.Fatalf("window: %d", page.Code)
	}
	body := page.Body.String()
	if strings.Contains(body, `value="received"`) || strings.Contains(body, `value="accepted"`) {
		t.Error("the filter offers statuses no case rests in")
	}
	last := -1
	for _, st := range approval.CaseStatusOrder {
		i := strings.Index(body, fmt.Sprintf(`<option value="%s"`, st))
		if i < 0 || i < last {
			t.Fatalf("status %s missing or out of order", st)
		}
		last = i
	}
}

// Display details found on a first day: the lookup of a decided case leads
// to the rating; a case past its supplement stage no longer shows the
// supplement deadline; the receipt's list of materials has no stray
// separator.
func TestApprovalLookupLeadsToRating(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	rc := intake(t, e.api("clerk"), caseBody(it.ID, 1))
	clerk := e.api("clerk")
	if r := clerk.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/materials", rc.Case.ID), map[string]any{"provided": []int{1, 2}}); r.Code != http.StatusOK {
		t.Fatalf("materials: %d %s", r.Code, r.Body.String())
	}
	b := e.browser("clerk")
	page := b.get(fmt.Sprintf("/approval/cases/%d", rc.Case.ID)).Body.String()
	if strings.Contains(page, "补正期限") {
		t.Error("an accepted case's page still shows its supplement deadline")
	}
	receipt := b.get(fmt.Sprintf("/window/cases/%d/receipt", rc.Case.ID)).Body.String()
	if strings.Contains(receipt, "；。") || strings.Contains(receipt, "；</p>") {
		t.Error("the receipt's list of materials ends with a separator")
	}
	anon := e.anon()
	lookup := func() string {
		r := anon.postForm("/approval/lookup", url.Values{"case_no": {rc.Case.CaseNo}, "query_code": {rc.QueryCode}})
		if r.Code != http.StatusOK {
			t.Fatalf("lookup: %d %s", r.Code, r.Body.String())
		}
		return r.Body.String()
	}
	if strings.Contains(lookup(), "/approval/rate") {
		t.Error("the rating is offered before the decision")
	}
	// The department agrees: decided.
	appr := e.api("approver")
	k := getCase(t, clerk, rc.Case.ID)
	if r := appr.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/steps/%d/decision", k.Steps[0].ID), map[string]any{"agree": true, "opinion": "符合条件"}); r.Code != http.StatusOK {
		t.Fatalf("decide: %d %s", r.Code, r.Body.String())
	}
	if !strings.Contains(lookup(), `href="/approval/rate?case_no=`+rc.Case.CaseNo+`"`) {
		t.Error("the lookup of a decided case does not lead to the rating")
	}
}

// A receipt printed again later carries the day of its act, not the day
// it is printed.
func TestApprovalReprintedReceiptKeepsItsDate(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	rc := intake(t, e.api("clerk"), caseBody(it.ID, 1, 2))
	e.clock.Set(shanghai9("2026-03-20"))
	page := e.browser("clerk").get(fmt.Sprintf("/window/cases/%d/receipt", rc.Case.ID)).Body.String()
	if !strings.Contains(page, `<span data-testid="approval-receipt-date">2026-03-02</span>`) {
		t.Errorf("re-printed receipt is not dated the day of the acceptance: %s", page)
	}
}
