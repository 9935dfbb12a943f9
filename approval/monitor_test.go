package approval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db/dbtest"
)

// These tests write cases with SQL (the intake is another file's); the
// web package's tests run the same rules through the real flow.

type fixture struct {
	t   *testing.T
	db  *sqlx.DB
	clk *clock.Fake
	s   *Service
}

func newFixture(t *testing.T) *fixture {
	x := dbtest.DB(t)
	clk := clock.NewFake(time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)) // Thursday 10:00 Shanghai
	return &fixture{t: t, db: x, clk: clk, s: &Service{DB: x, Clock: clk, Calendar: &calendar.Store{DB: x, Clock: clk}}}
}

func (f *fixture) exec(q string, args ...any) int64 {
	f.t.Helper()
	res, err := f.db.Exec(q, args...)
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

// dept creates a department organisation.
func (f *fixture) dept(name string) int64 {
	return f.exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, 'department', 'active', ?)`,
		name, fmt.Sprintf("T%017d", rand.Int64N(1e17)), f.clk.Now())
}

// item creates a catalogue item of dept.
func (f *fixture) item(dept int64, caseType string, legal, promised int) int64 {
	return f.exec(`INSERT INTO approval_items (code, name, dept_org_id, case_type, legal_basis, conditions, materials, procedure_text,
		legal_days, promised_days, status, created_at, updated_at) VALUES (?, '测试事项', ?, ?, '', '', '[]', '', ?, ?, 'active', ?, ?)`,
		fmt.Sprintf("T%d", rand.Int64N(1e15)), dept, caseType, legal, promised, f.clk.Now(), f.clk.Now())
}

// kase creates a case of item in status with its due date.
func (f *fixture) kase(item int64, status, due string) int64 {
	var dueArg any
	if due != "" {
		dueArg = due
	}
	no := fmt.Sprintf("T%d", rand.Int64N(1e15))
	return f.exec(`INSERT INTO approval_cases (case_no, item_id, item_version, applicant_kind, applicant_name, applicant_masked, applicant_sealed,
		lookup_hash, status, received_at, accepted_at, due_on, clerk_user_id, created_at, updated_at)
		VALUES (?, ?, 1, 'person', '张三', '1101********1234', x'00', ?, ?, ?, ?, ?, 1, ?, ?)`,
		no, item, fmt.Sprintf("%064d", rand.Int64N(1e17)), status, f.clk.Now(), f.clk.Now(), dueArg, f.clk.Now(), f.clk.Now())
}

func (f *fixture) at(day string) {
	d, err := calendar.ParseDate(day)
	if err != nil {
		f.t.Fatal(err)
	}
	f.clk.Set(time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, clock.Shanghai))
}

func (f *fixture) monitor() MonitorResult {
	f.t.Helper()
	res, err := f.s.Monitor(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// TestApprovalMonitorRaisesOnce moves the clock day by day: a step due on
// Monday 9 March gets its yellow warning on Friday 6 March, its red one on
// Tuesday 10 March, each once; the case due on 10 March its yellow on
// Monday; nothing is raised while the case is suspended.
func TestApprovalMonitorRaisesOnce(t *testing.T) {
	f := newFixture(t)
	dept := f.dept("测试局")
	item := f.item(dept, TypePromised, 20, 10)
	c := f.kase(item, CaseInReview, "2026-03-10")
	step := f.exec(`INSERT INTO approval_steps (case_id, dept_org_id, task, due_on, status) VALUES (?, ?, '审查', '2026-03-09', 'pending')`, c, dept)

	for _, tc := range []struct {
		day  string
		want MonitorResult
	}{
		{"2026-03-05", MonitorResult{}},
		{"2026-03-06", MonitorResult{Yellow: 1}},
		{"2026-03-06", MonitorResult{}},
		{"2026-03-07", MonitorResult{}},
		{"2026-03-09", MonitorResult{Yellow: 1}},
		{"2026-03-10", MonitorResult{Red: 1}},
		{"2026-03-10", MonitorResult{}},
	} {
		f.at(tc.day)
		if got := f.monitor(); got != tc.want {
			t.Errorf("%s: raised %+v, want %+v", tc.day, got, tc.want)
		}
	}
	f.exec(`UPDATE approval_cases SET status = 'suspended' WHERE id = ?`, c)
	f.at("2026-03-12")
	if got := f.monitor(); got != (MonitorResult{}) {
		t.Errorf("suspended: raised %+v", got)
	}

	sup := audit.WithActor(context.Background(), audit.Actor{UserID: 1, Role: accounts.RoleSupervisor, Roles: []string{accounts.RoleSupervisor}})
	ws, err := f.s.Warnings(sup, WarningFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var mine []Warning
	for _, w := range ws {
		if w.CaseID == c {
			mine = append(mine, w)
		}
	}
	if len(mine) != 2 || mine[0].StepID != step || mine[0].Level != WarnRed || mine[0].DaysOver != 3 ||
		mine[1].StepID != 0 || mine[1].Level != WarnYellow || mine[1].DueOn != "2026-03-10" {
		t.Errorf("warnings: %+v", mine)
	}
	other := audit.WithActor(context.Background(), audit.Actor{UserID: 2, Role: accounts.RoleApprover, Roles: []string{accounts.RoleApprover}, OrgID: f.dept("别的局")})
	if ws, err := f.s.Warnings(other, WarningFilter{}); err != nil || len(ws) != 0 {
		t.Errorf("another department's approver: %v %+v", err, ws)
	}
	var events int
	if err := f.db.Get(&events, `SELECT COUNT(*) FROM audit_events WHERE action = 'approval.warning' AND object_id = ?`, fmt.Sprint(c)); err != nil || events != 3 {
		t.Errorf("audit events: %d %v", events, err)
	}
}
