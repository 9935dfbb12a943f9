package approval

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/problem"
	"ggzy/vault"
)

// hall is a Service on the package's database with a fake clock, two
// departments and actors for each role: the way to make real cases (intake,
// acceptance, steps) in this package's tests.
type hall struct {
	t     testing.TB
	s     *Service
	clk   *clock.Fake
	dept1 int64
	dept2 int64
	admin context.Context
	clerk context.Context
	appr1 context.Context // approver of dept1
	appr2 context.Context // approver of dept2
}

func newHall(t testing.TB) *hall {
	t.Helper()
	x := dbtest.DB(t)
	clk := clock.NewFake(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // Monday 09:00 Shanghai
	v, err := vault.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	cal := &calendar.Store{DB: x, Clock: clk}
	if _, err := cal.SeedIfEmpty(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &hall{t: t, clk: clk, s: &Service{DB: x, Clock: clk, Calendar: cal, Vault: v, Throttle: LookupThrottle{Disabled: true}}}
	mk := func(name string) int64 {
		res, err := x.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, 'department', 'active', ?)`,
			name, fmt.Sprintf("H%017d", rand.Int64N(1e17)), clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	h.dept1, h.dept2 = mk("测试住建局"), mk("测试规划局")
	bg := context.Background()
	uid := rand.Int64N(1e9) + 1000
	h.admin = audit.WithActor(bg, audit.Actor{UserID: uid, Username: "admin", Role: accounts.RoleAdmin, Roles: []string{accounts.RoleAdmin}})
	h.clerk = audit.WithActor(bg, audit.Actor{UserID: uid + 1, Username: "clerk", Role: accounts.RoleClerk, Roles: []string{accounts.RoleClerk}})
	h.appr1 = audit.WithActor(bg, audit.Actor{UserID: uid + 2, Username: "a1", Role: accounts.RoleApprover, Roles: []string{accounts.RoleApprover}, OrgID: h.dept1})
	h.appr2 = audit.WithActor(bg, audit.Actor{UserID: uid + 3, Username: "a2", Role: accounts.RoleApprover, Roles: []string{accounts.RoleApprover}, OrgID: h.dept2})
	return h
}

// itemInput is a valid item of caseType led by dept1 (joint: with dept2).
func (h *hall) itemInput(caseType string) ItemInput {
	in := ItemInput{Code: fmt.Sprintf("T-%d", rand.Int64N(1e12)), Name: "测试事项", DeptOrgID: h.dept1, CaseType: caseType,
		LegalBasis: "《中华人民共和国行政许可法》", Conditions: "符合条件", Procedure: "受理、审查、决定、送达",
		Materials: []Material{{Name: "申请表", Required: true, Copies: 1}, {Name: "身份证明", Required: true, Copies: 1}, {Name: "其他材料", Copies: 1}},
		LegalDays: 20, PromisedDays: 10}
	switch caseType {
	case TypeInstant:
		in.LegalDays, in.PromisedDays = 0, 0
	case TypeJoint:
		in.LegalDays, in.PromisedDays = 45, 20
		in.Depts = []ItemDept{{DeptOrgID: h.dept1, Task: "施工许可审查", Days: 20}, {DeptOrgID: h.dept2, Task: "规划核实", Days: 8}}
	}
	return in
}

func (h *hall) item(caseType string) int64 {
	h.t.Helper()
	id, err := h.s.CreateItem(h.admin, h.itemInput(caseType))
	if err != nil {
		h.t.Fatalf("create %s item: %v", caseType, err)
	}
	return id
}

// accepted takes a complete case of item at the window: accepted, its
// steps pending.
func (h *hall) accepted(item int64) *Receipt {
	h.t.Helper()
	r, err := h.s.Intake(h.clerk, IntakeInput{ItemID: item, ApplicantKind: ApplicantPerson, ApplicantName: "张三",
		ApplicantID: "11010519491231002X", Phone: "13800138000", Provided: []int{1, 2}})
	if err != nil {
		h.t.Fatalf("intake: %v", err)
	}
	return r
}

func TestApprovalHallJointCase(t *testing.T) {
	h := newHall(t)
	item := h.item(TypeJoint)
	r := h.accepted(item)
	c := r.Case
	if c.Status != CaseInReview || len(c.Steps) != 2 || c.DueOn == nil || c.LegalDueOn == nil {
		t.Fatalf("accepted case: %+v", c)
	}
	// Monday 2026-03-02 + 20 working days = 2026-03-30; + 45 = 2026-05-07
	// (劳动节 1–5 May, 调休 Saturday 9 May comes later).
	if c.DueOn.String() != "2026-03-30" || c.LegalDueOn.String() != "2026-05-08" {
		t.Errorf("due %s legal %s", c.DueOn, c.LegalDueOn)
	}
	if c.Steps[1].DueOn.String() != "2026-03-12" {
		t.Errorf("second step due %s", c.Steps[1].DueOn)
	}
	if err := h.s.DecideStep(h.appr2, c.Steps[0].ID, true, "同意"); !isCode(err, "step_not_found") {
		t.Fatalf("other department decided: %v", err)
	}
	if err := h.s.DecideStep(h.appr1, c.Steps[0].ID, true, "同意"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.DecideStep(h.appr2, c.Steps[1].ID, false, "规划条件不符"); err != nil {
		t.Fatal(err)
	}
	got, err := h.s.Case(h.clerk, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != CaseDecided || got.Decision != DecisionDenied || got.DecidedAt == nil {
		t.Fatalf("decided: %+v", got)
	}
	if _, err := h.s.Lookup(context.Background(), c.CaseNo, r.QueryCode, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Lookup(context.Background(), c.CaseNo, "WRONGCODE2", "10.0.0.1"); !isCode(err, "lookup_failed") {
		t.Fatalf("wrong code: %v", err)
	}
}

func isCode(err error, code string) bool { return problem.Is(err, code) }
