package web

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ggzy/accounts"
	"ggzy/approval"
	"ggzy/audit"
	"ggzy/clock"
	"ggzy/demo"
	"ggzy/schedule"
)

// Tests of the approval hall's 电子监察, 督办, 好差评 and statistics. Each
// test makes its own department (with an approver user) so that the
// package's shared database does not mix their cases; cases are made with
// the hall's own intake, acceptance and decisions (approval.Service, as the
// window and the departments use it), then everything of this half goes
// through HTTP.

type hallWorld struct {
	t        *testing.T
	e        *env
	svc      *approval.Service
	dept     int64
	approver string // username of an approver of dept
	admin    context.Context
	clerk    context.Context
	appr     context.Context
}

func uidOf(t testing.TB, e *env, username string) int64 {
	id, _ := userID(t, e, username)
	return id
}

func newHallWorld(t *testing.T, e *env) *hallWorld {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	n := rand.IntN(9_000_000) + 1_000_000
	dept, err := e.deps.Accounts.CreateOrganisation(ctx, accounts.OrgInput{Name: fmt.Sprintf("示范市测试审批局%d", n),
		USCC: demo.USCC(fmt.Sprintf("11330100MB%07d", n)), Kind: accounts.OrgDepartment, ContactName: "联系人", ContactPhone: "0571-88880000"})
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("appr%d", n)
	uid, err := e.deps.Accounts.CreateUser(ctx, accounts.UserInput{Username: name, DisplayName: "审批员", OrgID: dept,
		Roles: []string{accounts.RoleApprover}, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	return &hallWorld{t: t, e: e, svc: e.srv.supervisionHall(), dept: dept, approver: name,
		admin: audit.WithActor(bg, audit.Actor{UserID: uidOf(t, e, "admin"), Username: "admin", Role: admin, Roles: []string{admin}}),
		clerk: audit.WithActor(bg, audit.Actor{UserID: uidOf(t, e, "clerk"), Username: "clerk", Role: clerk, Roles: []string{clerk}}),
		appr:  audit.WithActor(bg, audit.Actor{UserID: uid, Username: name, Role: approver, Roles: []string{approver}, OrgID: dept}),
	}
}

// item creates an item of the world's department: promised (legal 20,
// promised 10 working days) or instant.
func (w *hallWorld) item(caseType string) int64 {
	w.t.Helper()
	in := approval.ItemInput{Code: fmt.Sprintf("JC-%d", rand.Int64N(1e12)), Name: "建筑工程施工许可证核发", DeptOrgID: w.dept, CaseType: caseType,
		LegalBasis: "《中华人民共和国建筑法》第八条", Conditions: "符合法定条件", Procedure: "受理、审查、决定、送达",
		Materials: []approval.Material{{Name: "申请表", Required: true, Copies: 1}}, LegalDays: 20, PromisedDays: 10}
	if caseType == approval.TypeInstant {
		in.LegalDays, in.PromisedDays, in.Name = 0, 0, "个体工商户名称变更登记"
	}
	id, err := w.svc.CreateItem(w.admin, in)
	if err != nil {
		w.t.Fatalf("create item: %v", err)
	}
	return id
}

// intake takes a complete case of item at the window (an instant item's
// is decided on the spot).
func (w *hallWorld) intake(item int64) *approval.Receipt {
	w.t.Helper()
	r, err := w.svc.Intake(w.clerk, approval.IntakeInput{ItemID: item, ApplicantKind: approval.ApplicantPerson, ApplicantName: "张三",
		ApplicantID: "11010519491231002X", Phone: "13800138000", Provided: []int{1}})
	if err != nil {
		w.t.Fatalf("intake: %v", err)
	}
	return r
}

// decide agrees to every step of the case, which decides it.
func (w *hallWorld) decide(r *approval.Receipt) {
	w.t.Helper()
	for _, st := range r.Case.Steps {
		if err := w.svc.DecideStep(w.appr, st.ID, true, "同意"); err != nil {
			w.t.Fatalf("decide step: %v", err)
		}
	}
}

// at sets the clock to 10:00 Shanghai of day.
func (w *hallWorld) at(day string) {
	d, err := time.ParseInLocation("2006-01-02", day, clock.Shanghai)
	if err != nil {
		w.t.Fatal(err)
	}
	w.e.clock.Set(d.Add(10 * time.Hour))
}

// monitor runs one sweep of 电子监察.
func (w *hallWorld) monitor() approval.MonitorResult {
	w.t.Helper()
	res, err := w.svc.Monitor(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

type warningsBody struct {
	Warnings []approval.Warning `json:"warnings"`
}

// warnings lists the current warnings of the world's department through the
// API, as user.
func (w *hallWorld) warnings(user string) []approval.Warning {
	w.t.Helper()
	path := "/api/v1/approval/warnings"
	if user == "supervisor" {
		path += fmt.Sprintf("?dept_org_id=%d", w.dept)
	}
	r := w.e.api(user).get(path)
	if r.Code != http.StatusOK {
		w.t.Fatalf("warnings as %s: %d %s", user, r.Code, r.Body.String())
	}
	var b warningsBody
	r.decode(w.t, &b)
	return b.Warnings
}

func levels(ws []approval.Warning) string {
	var out []string
	for _, w := range ws {
		what := "case"
		if w.Kind == approval.WarnRectify {
			what = "rectify"
		} else if w.StepID != 0 {
			what = "step"
		}
		out = append(out, what+":"+w.Level)
	}
	return strings.Join(out, ",")
}

// TestApprovalMonitorWarnsOnceEach: a promised case accepted on Monday 2
// March is due on Monday 16 March (10 working days), its one step too. On
// Friday 13 March (one working day left) the sweep raises a yellow warning
// for each, once; on Tuesday 17 March a red one for each, once. Suspended,
// nothing more is raised. Supervisors and the department's approvers see
// them; an approver of another department sees none.
func TestApprovalMonitorWarnsOnceEach(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	r := w.intake(w.item(approval.TypePromised))
	if r.Case.DueOn == nil || r.Case.DueOn.String() != "2026-03-16" || len(r.Case.Steps) != 1 {
		t.Fatalf("accepted case: %+v", r.Case)
	}
	caseID := fmt.Sprint(r.Case.ID)
	events := func() int {
		return e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.warning' AND object_id = ?`, caseID)
	}
	// sweep runs the sweep and counts what it raised for this case (the
	// package's other tests leave their own cases in the shared database,
	// which the sweep sees too).
	stored := func(level string) int {
		return e.count(`SELECT COUNT(*) FROM approval_warnings WHERE case_id = ? AND level = ?`, r.Case.ID, level)
	}
	sweep := func() approval.MonitorResult {
		y, red := stored(approval.WarnYellow), stored(approval.WarnRed)
		w.monitor()
		return approval.MonitorResult{Yellow: stored(approval.WarnYellow) - y, Red: stored(approval.WarnRed) - red}
	}

	for _, tc := range []struct {
		day        string
		raised     approval.MonitorResult
		warnings   string
		eventsSoFa int
	}{
		{"2026-03-12", approval.MonitorResult{}, "", 0},
		{"2026-03-13", approval.MonitorResult{Yellow: 2}, "case:yellow,step:yellow", 2},
		{"2026-03-13", approval.MonitorResult{}, "case:yellow,step:yellow", 2},
		{"2026-03-16", approval.MonitorResult{}, "case:yellow,step:yellow", 2},
		{"2026-03-17", approval.MonitorResult{Red: 2}, "case:red,step:red", 4},
		{"2026-03-18", approval.MonitorResult{}, "case:red,step:red", 4},
	} {
		w.at(tc.day)
		if got := sweep(); got != tc.raised {
			t.Errorf("%s: raised %+v, want %+v", tc.day, got, tc.raised)
		}
		if got := levels(w.warnings("supervisor")); got != tc.warnings {
			t.Errorf("%s: supervisor sees %q, want %q", tc.day, got, tc.warnings)
		}
		if got := events(); got != tc.eventsSoFa {
			t.Errorf("%s: %d audit events, want %d", tc.day, got, tc.eventsSoFa)
		}
	}
	ws := w.warnings(w.approver)
	if levels(ws) != "case:red,step:red" || ws[0].DaysOver != 2 || ws[0].DueOn != "2026-03-16" || ws[0].CaseNo != r.Case.CaseNo {
		t.Errorf("the department's approver sees %+v", ws)
	}
	other := newHallWorld(t, e)
	if ws := other.warnings(other.approver); len(ws) != 0 {
		t.Errorf("another department's approver sees %+v", ws)
	}
	// The demo approver's department is another one (other tests of the
	// package leave its own cases, and their warnings, in the database).
	for _, wn := range w.warnings("approver") {
		if wn.CaseID == r.Case.ID {
			t.Errorf("the demo approver sees %+v", wn)
		}
	}

	// The page shows the same, to the department's approver.
	page := e.browser(w.approver).get("/approval/monitor")
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), r.Case.CaseNo) || !strings.Contains(page.Body.String(), "超期 2 个工作日") {
		t.Errorf("monitor page: %d %s", page.Code, page.Body.String())
	}

	// Suspended (a hearing): the clock stops, nothing is raised.
	if err := w.svc.Suspend(w.appr, r.Case.ID, approval.SuspendInput{Reason: "hearing", Note: "举行听证", ExpectedDays: 15}); err != nil {
		t.Fatal(err)
	}
	w.at("2026-03-25")
	if got := sweep(); got != (approval.MonitorResult{}) {
		t.Errorf("suspended: raised %+v", got)
	}
	if events() != 4 {
		t.Errorf("suspended: %d audit events", events())
	}
}

// TestApprovalMonitorJobRunsFromTheEngine: the sweep registered on the
// timed-event engine (as cmd/trading registers it) runs and raises.
func TestApprovalMonitorJobRunsFromTheEngine(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	r := w.intake(w.item(approval.TypePromised))
	eng := schedule.NewEngine(e.db, e.clock, e.deps.Log)
	if err := w.svc.RegisterMonitorJob(eng); err != nil {
		t.Fatal(err)
	}
	w.at("2026-03-17")
	ctx := context.Background()
	for range 2 { // the first sweep schedules the next occurrence, which runs ten minutes later
		if _, err := eng.SweepOnce(ctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(11 * time.Minute)
	}
	if _, err := eng.SweepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM approval_warnings WHERE case_id = ? AND level = 'red'`, r.Case.ID); n != 2 {
		t.Errorf("red warnings raised by the engine: %d", n)
	}
}

// TestApprovalSupervisionIssuedAndAnswered: a supervisor issues 督办 on an
// open case; the department's approver sees it with its age and answers it
// once; another department's approver can neither see nor answer it.
func TestApprovalSupervisionIssuedAndAnswered(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	r := w.intake(w.item(approval.TypePromised))
	sup := e.api("supervisor")
	res := sup.json(http.MethodPost, "/api/v1/approval/supervisions", map[string]any{"case_no": r.Case.CaseNo, "note": "请于本周内办结"})
	if res.Code != http.StatusCreated {
		t.Fatalf("supervise: %d %s", res.Code, res.Body.String())
	}
	var created struct{ ID int64 }
	res.decode(t, &created)

	w.at("2026-03-05")
	appr := e.api(w.approver)
	var list struct{ Supervisions []approval.Supervision }
	appr.get("/api/v1/approval/supervisions").decode(t, &list)
	if len(list.Supervisions) != 1 || list.Supervisions[0].ID != created.ID || list.Supervisions[0].AgeDays != 3 ||
		list.Supervisions[0].AgeWorkingDays != 3 || list.Supervisions[0].CreatedBy != "赵建国" || list.Supervisions[0].DeptID != w.dept {
		t.Fatalf("approver's list: %+v", list.Supervisions)
	}
	other := newHallWorld(t, e)
	otherAPI := e.api(other.approver)
	otherAPI.get("/api/v1/approval/supervisions?state=all").decode(t, &list)
	if len(list.Supervisions) != 0 {
		t.Errorf("another department sees %+v", list.Supervisions)
	}
	path := fmt.Sprintf("/api/v1/approval/supervisions/%d/answer", created.ID)
	if res := otherAPI.json(http.MethodPost, path, map[string]any{"response": "不是我们的"}); res.Code != http.StatusNotFound {
		t.Errorf("another department answers: %d %s", res.Code, res.Body.String())
	}
	if res := appr.json(http.MethodPost, path, map[string]any{"response": "  "}); res.Code != http.StatusBadRequest || res.errorCode(t) != "validation_failed" {
		t.Errorf("empty answer: %d %s", res.Code, res.Body.String())
	}
	if res := appr.json(http.MethodPost, path, map[string]any{"response": "已加快审查，预计3月9日办结"}); res.Code != http.StatusOK {
		t.Fatalf("answer: %d %s", res.Code, res.Body.String())
	}
	if res := appr.json(http.MethodPost, path, map[string]any{"response": "再答一次"}); res.Code != http.StatusConflict || res.errorCode(t) != "supervision_answered" {
		t.Errorf("second answer: %d %s", res.Code, res.Body.String())
	}
	sup = e.api("supervisor") // the clock moved past the first token's life
	sup.get(fmt.Sprintf("/api/v1/approval/supervisions?state=all&dept_org_id=%d", w.dept)).decode(t, &list)
	if len(list.Supervisions) != 1 || list.Supervisions[0].Response != "已加快审查，预计3月9日办结" || list.Supervisions[0].RespondedAt == nil {
		t.Errorf("supervisor's list: %+v", list.Supervisions)
	}
	sup.get(fmt.Sprintf("/api/v1/approval/supervisions?dept_org_id=%d", w.dept)).decode(t, &list)
	if len(list.Supervisions) != 0 {
		t.Errorf("open supervisions after the answer: %+v", list.Supervisions)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE (action = 'approval.supervise' AND object_id = ?) OR (action = 'approval.supervision_answer' AND object_id = ?)`,
		fmt.Sprint(r.Case.ID), fmt.Sprint(created.ID)); n != 2 {
		t.Errorf("audit events: %d", n)
	}

	// The form: a supervisor's page issues one more, the approver's page answers it.
	b := e.browser("supervisor")
	// The department is chosen by name, not typed as a number.
	var deptName string
	if err := e.db.Get(&deptName, `SELECT name FROM organisations WHERE id = ?`, w.dept); err != nil {
		t.Fatal(err)
	}
	if page := b.get("/approval/supervisions"); !strings.Contains(page.Body.String(), fmt.Sprintf(`<option value="%d">%s</option>`, w.dept, deptName)) {
		t.Errorf("the supervise form does not offer %s by name", deptName)
	}
	if res := b.postForm("/approval/supervisions", url.Values{"case_no": {r.Case.CaseNo}, "dept_org_id": {fmt.Sprint(w.dept)}, "note": {"请说明进度"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("supervise form: %d %s", res.Code, res.Body.String())
	}
	page := e.browser(w.approver).get("/approval/supervisions")
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "请说明进度") || !strings.Contains(page.Body.String(), "/answer") {
		t.Errorf("approver's page: %d %s", page.Code, page.Body.String())
	}
}

// TestApprovalBadRatingOpensRectification: the applicant rates a decided
// case 非常不满意 with the case number and query code; a rectification falls
// due 15 working days later and, not recorded, becomes a red warning; once
// recorded it leaves the warnings. A second rating is refused.
func TestApprovalBadRatingOpensRectification(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	r := w.intake(w.item(approval.TypePromised))
	pub := e.anon()
	rate := map[string]any{"case_no": r.Case.CaseNo, "query_code": r.QueryCode, "level": 1, "comment": "窗口态度差，材料反复退回"}
	if res := pub.json(http.MethodPost, "/api/v1/approval/ratings", rate); res.Code != http.StatusConflict || res.errorCode(t) != "case_not_decided" {
		t.Fatalf("rating a case in review: %d %s", res.Code, res.Body.String())
	}
	w.decide(r)
	// Delivered within its limit: the only warning to come is the rectification's.
	if err := w.svc.Deliver(w.clerk, r.Case.ID); err != nil {
		t.Fatal(err)
	}
	w.at("2026-03-04")
	res := pub.json(http.MethodPost, "/api/v1/approval/ratings", rate)
	if res.Code != http.StatusCreated {
		t.Fatalf("rate: %d %s", res.Code, res.Body.String())
	}
	var rated approval.Rated
	res.decode(t, &rated)
	// Wednesday 4 March + 15 working days = Wednesday 25 March.
	if !rated.Rectify || rated.RectifyDueOn != "2026-03-25" || rated.LevelName != "非常不满意" {
		t.Fatalf("rated: %+v", rated)
	}
	if res := pub.json(http.MethodPost, "/api/v1/approval/ratings", map[string]any{"case_no": r.Case.CaseNo, "query_code": r.QueryCode, "level": 5}); res.Code != http.StatusConflict || res.errorCode(t) != "already_rated" {
		t.Errorf("second rating: %d %s", res.Code, res.Body.String())
	}

	w.at("2026-03-25")
	if got := w.monitor(); got.Rectify != 0 {
		t.Errorf("on the due date: %+v", got)
	}
	w.at("2026-03-26")
	if got := w.monitor(); got.Rectify != 1 {
		t.Errorf("the day after: %+v", got)
	}
	if got := w.monitor(); got.Rectify != 0 {
		t.Errorf("again: %+v", got)
	}
	ws := w.warnings(w.approver)
	if levels(ws) != "rectify:red" || ws[0].DaysOver != 1 {
		t.Fatalf("warnings: %+v", ws)
	}
	appr := e.api(w.approver)
	var list struct{ Rectifications []approval.Rectification }
	appr.get("/api/v1/approval/rectifications").decode(t, &list)
	if len(list.Rectifications) != 1 || !list.Rectifications[0].Overdue || list.Rectifications[0].Comment != "窗口态度差，材料反复退回" {
		t.Fatalf("rectifications: %+v", list.Rectifications)
	}
	other := newHallWorld(t, e)
	path := fmt.Sprintf("/api/v1/approval/rectifications/%d", r.Case.ID)
	if res := e.api(other.approver).json(http.MethodPost, path, map[string]any{"note": "代为整改"}); res.Code != http.StatusNotFound {
		t.Errorf("another department records: %d %s", res.Code, res.Body.String())
	}
	if res := appr.json(http.MethodPost, path, map[string]any{"note": "已约谈窗口人员，材料清单一次性告知到位"}); res.Code != http.StatusOK {
		t.Fatalf("rectify: %d %s", res.Code, res.Body.String())
	}
	if ws := w.warnings(w.approver); len(ws) != 0 {
		t.Errorf("warnings after the rectification: %+v", ws)
	}
	// The public page has the form; a good rating opens nothing.
	if page := e.anon().get("/approval/rate"); page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "非常满意") {
		t.Errorf("rate page: %d", page.Code)
	}
}

// TestApprovalRatingBadInput: refusals name the field with a stable code
// and a Chinese message, answer 4xx and write nothing.
func TestApprovalRatingBadInput(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	r := w.intake(w.item(approval.TypeInstant)) // decided on the spot
	pub := e.anon()
	before := e.count(`SELECT COUNT(*) FROM approval_ratings`)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"level 0", map[string]any{"case_no": r.Case.CaseNo, "query_code": r.QueryCode, "level": 0}, 400, "rating_level", "level"},
		{"level 6", map[string]any{"case_no": r.Case.CaseNo, "query_code": r.QueryCode, "level": 6}, 400, "rating_level", "level"},
		{"comment too long", map[string]any{"case_no": r.Case.CaseNo, "query_code": r.QueryCode, "level": 3, "comment": strings.Repeat("差", 1001)}, 400, "too_long", "comment"},
		{"control character", map[string]any{"case_no": r.Case.CaseNo, "query_code": r.QueryCode, "level": 3, "comment": "a\x00b"}, 400, "control_character", "comment"},
		{"no code", map[string]any{"case_no": r.Case.CaseNo, "level": 4}, 400, "required", "query_code"},
		{"wrong code", map[string]any{"case_no": r.Case.CaseNo, "query_code": "WRONGCODE9", "level": 4}, 404, "lookup_failed", ""},
		{"unknown case", map[string]any{"case_no": "SP2026-999999", "query_code": r.QueryCode, "level": 4}, 404, "lookup_failed", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := pub.json(http.MethodPost, "/api/v1/approval/ratings", tc.body)
			if res.Code != tc.status {
				t.Fatalf("%d %s", res.Code, res.Body.String())
			}
			var body apiError
			res.decode(t, &body)
			msg := body.Error.Message
			found := tc.field == ""
			for _, f := range body.Error.Fields {
				if f.Name == tc.field && f.Code == tc.code {
					found, msg = true, f.Message
				}
			}
			if !found || (tc.field == "" && body.Error.Code != tc.code) || !hasHan(msg) {
				t.Errorf("answer %+v", body.Error)
			}
		})
	}
	if after := e.count(`SELECT COUNT(*) FROM approval_ratings`); after != before {
		t.Errorf("ratings written: %d → %d", before, after)
	}
	// The form re-renders with the message and keeps the code out of the page.
	b := e.anon()
	b.get("/approval/rate")
	res := b.postForm("/approval/rate", url.Values{"case_no": {r.Case.CaseNo}, "query_code": {r.QueryCode}, "level": {"9"}})
	if res.Code != http.StatusBadRequest || !strings.Contains(res.Body.String(), "请选择评价") || strings.Contains(res.Body.String(), r.QueryCode) {
		t.Errorf("form: %d %s", res.Code, res.Body.String())
	}
	// 督办 bad input.
	sup := e.api("supervisor")
	for _, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"case_no": r.Case.CaseNo, "note": ""}, 400, "validation_failed"},
		{map[string]any{"case_no": "SP2026-999999", "note": "请办理"}, 400, "case_not_found"},
		{map[string]any{"case_no": r.Case.CaseNo, "note": "请办理"}, 409, "case_not_open"}, // decided on the spot
	} {
		if res := sup.json(http.MethodPost, "/api/v1/approval/supervisions", tc.body); res.Code != tc.status || res.errorCode(t) != tc.code {
			t.Errorf("supervise %v: %d %s", tc.body, res.Code, res.Body.String())
		}
	}
	if res := sup.get("/api/v1/approval/statistics?month=2026-13"); res.Code != http.StatusBadRequest || res.errorCode(t) != "month_invalid" {
		t.Errorf("month 2026-13: %d %s", res.Code, res.Body.String())
	}
	if res := sup.get("/api/v1/approval/warnings?level=orange"); res.Code != http.StatusBadRequest {
		t.Errorf("level orange: %d %s", res.Code, res.Body.String())
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestApprovalStatisticsByHand: a department's March 2026, computed by hand.
//
//	A  instant, decided on the spot on 2 March          rated 5 (满意)
//	B  promised (legal 20), accepted 2 March, decided 6 March: 4 working
//	   days used → 1 − 4/20 = 80 % saved; on time (due 16 March)  rated 2
//	C  promised, accepted 2 March, still in review
//
// received 3, accepted 3, finished 2 → 办结率 66.67 %; 按时办结率 100 %;
// 现场办结率 1/2 = 50 %; 提速率 80 % (B only: A has no legal limit);
// 满意率 1/2 = 50 %.
func TestApprovalStatisticsByHand(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	a := w.intake(w.item(approval.TypeInstant))
	promised := w.item(approval.TypePromised)
	b := w.intake(promised)
	w.intake(promised)
	w.at("2026-03-06")
	w.decide(b)
	pub := e.anon()
	for _, rt := range []struct {
		r     *approval.Receipt
		level int
	}{{a, 5}, {b, 2}} {
		if res := pub.json(http.MethodPost, "/api/v1/approval/ratings", map[string]any{"case_no": rt.r.Case.CaseNo, "query_code": rt.r.QueryCode, "level": rt.level}); res.Code != http.StatusCreated {
			t.Fatalf("rate: %d %s", res.Code, res.Body.String())
		}
	}
	var st approval.Stats
	res := e.api("supervisor").get(fmt.Sprintf("/api/v1/approval/statistics?month=2026-03&dept_org_id=%d", w.dept))
	if res.Code != http.StatusOK {
		t.Fatalf("statistics: %d %s", res.Code, res.Body.String())
	}
	var raw struct {
		Departments []map[string]any `json:"departments"`
		Hall        map[string]any   `json:"hall"`
	}
	res.decode(t, &raw)
	want := map[string]float64{"received": 3, "accepted": 3, "finished": 2, "on_time": 2, "on_spot": 1, "speed_cases": 1, "ratings": 2, "satisfied": 1,
		"finish_rate_bp": 6667, "on_time_rate_bp": 10000, "on_spot_rate_bp": 5000, "speed_up_rate_bp": 8000, "satisfied_rate_bp": 5000}
	if len(raw.Departments) != 1 {
		t.Fatalf("departments: %+v", raw.Departments)
	}
	for k, v := range want {
		if raw.Departments[0][k] != v || raw.Hall[k] != v {
			t.Errorf("%s: department %v, hall %v, want %v", k, raw.Departments[0][k], raw.Hall[k], v)
		}
	}
	_ = st

	// The department's approver gets the same, whatever department it asks for.
	var mine struct {
		Departments []struct {
			DeptID   int64 `json:"dept_org_id"`
			Received int   `json:"received"`
		} `json:"departments"`
	}
	e.api(w.approver).get("/api/v1/approval/statistics?month=2026-03&dept_org_id=1").decode(t, &mine)
	if len(mine.Departments) != 1 || mine.Departments[0].DeptID != w.dept || mine.Departments[0].Received != 3 {
		t.Errorf("approver's statistics: %+v", mine)
	}
	// The Excel export and the page.
	x := e.browser("supervisor").get(fmt.Sprintf("/approval/statistics.xlsx?month=2026-03&dept_org_id=%d", w.dept))
	if x.Code != http.StatusOK || !strings.HasPrefix(x.Body.String(), "PK") {
		t.Fatalf("xlsx: %d %q", x.Code, x.Header().Get("Content-Type"))
	}
	// The rates are numbers shown as percentages: a sheet can sum and
	// chart them. Row 3 is the department; column E its 办结率 (66.67 %).
	wb, err := excelize.OpenReader(bytes.NewReader(x.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	shown, _ := wb.GetCellValue("2026-03", "E3")
	rawCell, _ := wb.GetCellValue("2026-03", "E3", excelize.Options{RawCellValue: true})
	if kind, _ := wb.GetCellType("2026-03", "E3"); shown != "66.67%" || kind == excelize.CellTypeSharedString || kind == excelize.CellTypeInlineString {
		t.Errorf("办结率 in the workbook: shown %q, raw %q, type %v", shown, rawCell, kind)
	}
	if v, err := strconv.ParseFloat(rawCell, 64); err != nil || v < 0.6666 || v > 0.6668 {
		t.Errorf("办结率 raw value %q, want about 0.6667", rawCell)
	}
	page := e.browser(w.approver).get("/approval/statistics?month=2026-03")
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "66.67%") || !strings.Contains(page.Body.String(), "80.00%") {
		t.Errorf("page: %d %s", page.Code, page.Body.String())
	}
	// The public sees the hall's totals only: no department, no case.
	pubRes := e.anon().get("/api/v1/approval/statistics/public?month=2026-03")
	if pubRes.Code != http.StatusOK || strings.Contains(pubRes.Body.String(), "dept") || strings.Contains(pubRes.Body.String(), b.Case.CaseNo) ||
		!strings.Contains(pubRes.Body.String(), `"satisfied_rate_bp"`) {
		t.Errorf("public statistics: %d %s", pubRes.Code, pubRes.Body.String())
	}
	if page := e.anon().get("/approval/hall-statistics?month=2026-03"); page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "满意率") {
		t.Errorf("public page: %d", page.Code)
	}
}

// TestApprovalSupervisionNotDuplicated: a 督办 sent twice (a double click,
// the form sent again, the API retried) is issued once: the same note again
// returns the open one and writes nothing; another note to the same
// department while the first is unanswered is refused with a code and a
// Chinese message on the case number; after the answer a new one may be
// issued.
func TestApprovalSupervisionNotDuplicated(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	r := w.intake(w.item(approval.TypePromised))
	count := func() int {
		return e.count(`SELECT COUNT(*) FROM approval_supervisions WHERE case_id = ?`, r.Case.ID)
	}

	// The page: the same form twice.
	b := e.browser("supervisor")
	form := url.Values{"case_no": {r.Case.CaseNo}, "note": {"请于本周内办结"}}
	if res := b.postForm("/approval/supervisions", form); res.Code != http.StatusSeeOther {
		t.Fatalf("supervise form: %d %s", res.Code, res.Body.String())
	}
	res := b.postForm("/approval/supervisions", form)
	if res.Code != http.StatusSeeOther {
		t.Fatalf("the form again: %d %s", res.Code, res.Body.String())
	}
	if page := b.get(res.Header().Get("Location")); !strings.Contains(page.Body.String(), "未重复督办") {
		t.Errorf("the page does not say the second was not issued: %s", page.Body.String())
	}
	if n := count(); n != 1 {
		t.Fatalf("supervisions after the form twice: %d", n)
	}

	// The API: the same note again (with spaces around it) is the open one.
	sup := e.api("supervisor")
	res = sup.json(http.MethodPost, "/api/v1/approval/supervisions", map[string]any{"case_no": " " + r.Case.CaseNo, "note": "请于本周内办结 "})
	var again struct {
		ID        int64
		Duplicate bool
	}
	res.decode(t, &again)
	if res.Code != http.StatusOK || !again.Duplicate || again.ID == 0 {
		t.Fatalf("the same note by the API: %d %s", res.Code, res.Body.String())
	}
	// Another note while it is open: refused, on the case number.
	res = sup.json(http.MethodPost, "/api/v1/approval/supervisions", map[string]any{"case_no": r.Case.CaseNo, "note": "请说明进度"})
	if res.Code != http.StatusConflict || res.errorCode(t) != "supervision_open" ||
		!strings.Contains(res.Body.String(), `"field":"case_no"`) || !strings.Contains(res.Body.String(), "尚未答复") {
		t.Fatalf("another note while open: %d %s", res.Code, res.Body.String())
	}
	if page := b.postForm("/approval/supervisions", url.Values{"case_no": {r.Case.CaseNo}, "note": {"请说明进度"}}); page.Code != http.StatusConflict ||
		!strings.Contains(page.Body.String(), "尚未答复") {
		t.Errorf("another note by the form: %d", page.Code)
	}
	if n := count(); n != 1 {
		t.Fatalf("supervisions: %d", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.supervise' AND object_id = ?`, fmt.Sprint(r.Case.ID)); n != 1 {
		t.Errorf("audit events: %d", n)
	}

	// Answered, the department may be supervised again.
	if res := e.api(w.approver).json(http.MethodPost, fmt.Sprintf("/api/v1/approval/supervisions/%d/answer", again.ID),
		map[string]any{"response": "已加快审查"}); res.Code != http.StatusOK {
		t.Fatalf("answer: %d %s", res.Code, res.Body.String())
	}
	if res := sup.json(http.MethodPost, "/api/v1/approval/supervisions", map[string]any{"case_no": r.Case.CaseNo, "note": "请于本周内办结"}); res.Code != http.StatusCreated {
		t.Fatalf("after the answer: %d %s", res.Code, res.Body.String())
	}
	if n := count(); n != 2 {
		t.Errorf("supervisions after the answer: %d", n)
	}
}
