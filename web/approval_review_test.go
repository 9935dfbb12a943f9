package web

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"ggzy/approval"
)

// Review fixes of the approval hall, each through HTTP.

// TestApprovalCaseKeepsItsLeadDepartment: an administrator moves an item
// to another department (a new version); the cases already taken stay with
// the department that led them when they were taken — their case-level
// warnings, rectifications, 督办 and statistics — and the new department
// sees none of them and cannot act on them.
func TestApprovalCaseKeepsItsLeadDepartment(t *testing.T) {
	e := newEnv(t)
	w1, w2 := newHallWorld(t, e), newHallWorld(t, e)
	w1.at("2026-06-01")
	item := w1.item(approval.TypePromised)
	open := w1.intake(item)    // stays in review
	decided := w1.intake(item) // decided and rated badly
	w1.decide(decided)
	pub := e.anon()
	if r := pub.json(http.MethodPost, "/api/v1/approval/ratings", map[string]any{"case_no": decided.Case.CaseNo,
		"query_code": decided.QueryCode, "level": 1, "comment": "等了太久"}); r.Code != http.StatusCreated {
		t.Fatalf("rate: %d %s", r.Code, r.Body.String())
	}

	// The item moves to w2's department.
	it, err := w1.svc.Item(w1.admin, item)
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"code": it.Code, "name": it.Name, "dept_org_id": w2.dept, "case_type": it.CaseType, "legal_basis": it.LegalBasis,
		"conditions": it.Conditions, "procedure": it.Procedure, "materials": it.Materials, "legal_days": it.LegalDays, "promised_days": it.PromisedDays}
	if r := e.api("admin").json(http.MethodPut, fmt.Sprintf("/api/v1/approval/items/%d", item), body); r.Code != http.StatusOK {
		t.Fatalf("move item: %d %s", r.Code, r.Body.String())
	}

	// The open case's limit passes: its case-level warning is w1's.
	w1.at("2026-06-17")
	w1.monitor()
	for _, wn := range w2.warnings(w2.approver) {
		if wn.CaseID == open.Case.ID || wn.CaseID == decided.Case.ID {
			t.Fatalf("the new department sees a warning of a case it does not lead: %+v", wn)
		}
	}
	found := false
	for _, wn := range w1.warnings(w1.approver) {
		found = found || (wn.CaseID == open.Case.ID && wn.StepID == 0)
	}
	if !found {
		t.Fatal("the lead department does not see its case's warning")
	}

	// The rectification stays with w1: w2 neither sees nor records it.
	var rl struct {
		Rectifications []approval.Rectification `json:"rectifications"`
	}
	e.api(w2.approver).get("/api/v1/approval/rectifications?state=all").decode(t, &rl)
	for _, r := range rl.Rectifications {
		if r.CaseID == decided.Case.ID {
			t.Fatalf("the new department sees the rectification: %+v", r)
		}
	}
	path := fmt.Sprintf("/api/v1/approval/rectifications/%d", decided.Case.ID)
	if r := e.api(w2.approver).json(http.MethodPost, path, map[string]any{"note": "已整改"}); r.Code != http.StatusNotFound {
		t.Fatalf("the new department records the rectification: %d %s", r.Code, r.Body.String())
	}
	if r := e.api(w1.approver).json(http.MethodPost, path, map[string]any{"note": "已整改"}); r.Code != http.StatusOK {
		t.Fatalf("the lead department records the rectification: %d %s", r.Code, r.Body.String())
	}

	// A 督办 to the lead department goes to w1.
	if r := e.api("supervisor").json(http.MethodPost, "/api/v1/approval/supervisions", map[string]any{"case_no": open.Case.CaseNo,
		"note": "请加快办理"}); r.Code != http.StatusCreated {
		t.Fatalf("supervise: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM approval_supervisions s JOIN approval_cases c ON c.id = s.case_id WHERE c.case_no = ? AND s.dept_org_id = ?`,
		open.Case.CaseNo, w1.dept); n != 1 {
		t.Fatalf("督办 to the lead department: %d", n)
	}

	// The statistics of June count both cases under w1, none under w2.
	var st struct {
		Hall struct{ Received, Ratings int } `json:"hall"`
	}
	e.api(w2.approver).get("/api/v1/approval/statistics?month=2026-06").decode(t, &st)
	if st.Hall.Received != 0 || st.Hall.Ratings != 0 {
		t.Fatalf("the new department's statistics count cases it does not lead: %+v", st.Hall)
	}
	e.api(w1.approver).get("/api/v1/approval/statistics?month=2026-06").decode(t, &st)
	if st.Hall.Received != 2 || st.Hall.Ratings != 1 {
		t.Fatalf("the lead department's statistics: %+v", st.Hall)
	}
}

// TestApprovalRefusalReasonStaysOutOfTheAudit: the written reason of a
// 不予受理 may name the applicant or quote an ID number; the audit event
// (read and exported by supervisors) holds its length, not its text.
func TestApprovalRefusalReasonStaysOutOfTheAudit(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-06-01")
	item := w.item(approval.TypePromised)
	body := map[string]any{"item_id": item, "applicant_kind": "person", "applicant_name": "李四", "applicant_id": testResidentID,
		"phone": "13800138000", "provided": []int{}}
	rc := intake(t, e.api("clerk"), body)
	if rc.Case.Status != approval.CaseIncomplete {
		t.Fatalf("case: %s", rc.Case.Status)
	}
	reason := "申请人李四（身份证" + testResidentID + "）申请事项不属于本机关职权范围"
	r := e.api("clerk").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/refuse", rc.Case.ID), map[string]any{"reason": reason})
	if r.Code != http.StatusOK {
		t.Fatalf("refuse: %d %s", r.Code, r.Body.String())
	}
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE action = 'approval.case.refuse' AND object_id = ?`, fmt.Sprint(rc.Case.ID)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(summary, testResidentID[:6]) || strings.Contains(summary, "李四") {
		t.Fatalf("the refusal's audit event holds the reason: %s", summary)
	}
}

// TestApprovalDecisionRacesWithdrawal releases, for one joint case at a
// time, both departments' decisions and the applicant's withdrawal at once:
// the case ends either decided (both steps done, one decision, the
// withdrawal refused) or withdrawn (no decision, no step event left, the
// step that came after refused) — never a mix.
func TestApprovalDecisionRacesWithdrawal(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-06-01"))
	zj, gh := hallDepts(t, e)
	it := createItem(t, e, jointItem(zj, gh))
	clerkAPI, zjAPI, ghAPI := e.api("clerk"), e.api("approver"), e.api("approver2")
	outcomes := map[string]int{}
	for round := 0; round < 12; round++ {
		k := intake(t, clerkAPI, caseBody(it.ID, 1, 2)).Case
		if k.Status != approval.CaseInReview || len(k.Steps) != 2 {
			t.Fatalf("case: %s, %d steps", k.Status, len(k.Steps))
		}
		stepOf := map[int64]int64{}
		for _, st := range k.Steps {
			stepOf[st.DeptOrgID] = st.ID
		}
		var codes [3]int
		start := make(chan struct{})
		var wg sync.WaitGroup
		run := func(i int, f func() response) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i] = f().Code
			}()
		}
		run(0, func() response {
			return zjAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/steps/%d/decision", stepOf[zj]), map[string]any{"agree": true, "opinion": "同意"})
		})
		run(1, func() response {
			return ghAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/steps/%d/decision", stepOf[gh]), map[string]any{"agree": true, "opinion": "同意"})
		})
		run(2, func() response {
			return clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", k.ID), map[string]any{"note": "申请人书面申请撤回"})
		})
		close(start)
		wg.Wait()
		for i, c := range codes {
			if c != http.StatusOK && c != http.StatusConflict {
				t.Fatalf("round %d request %d: %d", round, i, c)
			}
		}
		got := getCase(t, clerkAPI, k.ID)
		decides := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.case.decide' AND object_id = ?`, fmt.Sprint(k.ID))
		pending := 0
		for _, st := range got.Steps {
			if st.Status == approval.StepPending {
				pending++
			}
		}
		events := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND state = 'pending' AND target IN (?, ?)`,
			approval.StepDueEvent, fmt.Sprintf("step:%d", stepOf[zj]), fmt.Sprintf("step:%d", stepOf[gh]))
		switch got.Status {
		case approval.CaseDecided:
			if codes != [3]int{http.StatusOK, http.StatusOK, http.StatusConflict} || pending != 0 || decides != 1 || got.Decision != approval.DecisionApproved || events != 0 {
				t.Fatalf("round %d decided: codes %v, pending %d, decisions %d, decision %q, events %d", round, codes, pending, decides, got.Decision, events)
			}
		case approval.CaseWithdrawn:
			decided := 0
			for _, c := range codes[:2] {
				if c == http.StatusOK {
					decided++
				}
			}
			if codes[2] != http.StatusOK || decided == 2 || pending != 2-decided || decides != 0 || got.Decision != "" || got.DecidedAt != nil || events != 0 {
				t.Fatalf("round %d withdrawn: codes %v, pending %d, decisions %d, decision %q, events %d", round, codes, pending, decides, got.Decision, events)
			}
		default:
			t.Fatalf("round %d: status %s", round, got.Status)
		}
		outcomes[got.Status]++
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestApprovalWithdrawalEndsTheSuspension: a case withdrawn while its
// clock stands still does not keep an open suspension (the case page would
// show it stopped for ever).
func TestApprovalWithdrawalEndsTheSuspension(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-06-01")) // Monday
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	clerkAPI := e.api("clerk")
	k := intake(t, clerkAPI, caseBody(it.ID, 1, 2)).Case
	if r := e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/suspend", k.ID),
		map[string]any{"reason": "hearing", "note": "组织听证", "expected_days": 15}); r.Code != http.StatusOK {
		t.Fatalf("suspend: %d %s", r.Code, r.Body.String())
	}
	e.clock.Set(shanghai9("2026-06-03")) // Wednesday
	clerkAPI = e.api("clerk")
	if r := clerkAPI.json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", k.ID), map[string]any{"note": "申请人书面申请撤回"}); r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}
	got := getCase(t, clerkAPI, k.ID)
	if got.Status != approval.CaseWithdrawn || len(got.Suspensions) != 1 {
		t.Fatalf("case: %s, %d suspensions", got.Status, len(got.Suspensions))
	}
	if sp := got.Suspensions[0]; sp.EndedOn == nil || sp.EndedOn.String() != "2026-06-03" || sp.Days != 2 {
		t.Fatalf("suspension of the withdrawn case: ended %v, %d days", sp.EndedOn, sp.Days)
	}
}
