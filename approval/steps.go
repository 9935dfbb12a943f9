package approval

// Department steps (并联审批): each department agrees or disagrees with an
// opinion; a step past its limit is deemed to agree (超时默认, a setting);
// when every step is done the case is decided. Suspensions stop the clock
// (行政许可法 45) and move the limits by the working days they stood.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/problem"
	"ggzy/schedule"
)

// Step is one department's part of a case.
type Step struct {
	ID         int64          `json:"id"`
	CaseID     int64          `json:"case_id"`
	CaseNo     string         `json:"case_no,omitempty"`
	ItemName   string         `json:"item_name,omitempty"`
	CaseStatus string         `json:"case_status,omitempty"`
	DeptOrgID  int64          `json:"dept_org_id"`
	DeptName   string         `json:"dept_name"`
	Task       string         `json:"task"`
	DueOn      calendar.Date  `json:"due_on"`
	Status     string         `json:"status"`
	StatusName string         `json:"status_name"`
	Opinion    string         `json:"opinion"`
	DecidedBy  string         `json:"decided_by,omitempty"`
	DecidedAt  *time.Time     `json:"decided_at,omitempty"`
	Applicant  string         `json:"applicant_name,omitempty"`
	CaseDueOn  *calendar.Date `json:"case_due_on,omitempty"`
}

type stepRow struct {
	ID         int64          `db:"id"`
	CaseID     int64          `db:"case_id"`
	CaseNo     string         `db:"case_no"`
	ItemName   string         `db:"item_name"`
	CaseStatus string         `db:"case_status"`
	Applicant  string         `db:"applicant_name"`
	CaseDueOn  sql.NullTime   `db:"case_due_on"`
	DeptOrgID  int64          `db:"dept_org_id"`
	DeptName   string         `db:"dept_name"`
	Task       string         `db:"task"`
	DueOn      time.Time      `db:"due_on"`
	Status     string         `db:"status"`
	Opinion    string         `db:"opinion"`
	DecidedBy  sql.NullString `db:"decided_by"`
	DecidedAt  sql.NullTime   `db:"decided_at"`
}

func (r *stepRow) toStep() Step {
	return Step{ID: r.ID, CaseID: r.CaseID, CaseNo: r.CaseNo, ItemName: r.ItemName, CaseStatus: r.CaseStatus, Applicant: r.Applicant,
		CaseDueOn: dateOf(r.CaseDueOn), DeptOrgID: r.DeptOrgID, DeptName: r.DeptName, Task: r.Task, DueOn: calendar.DateOf(r.DueOn, time.UTC),
		Status: r.Status, StatusName: StepStatusNames[r.Status], Opinion: r.Opinion, DecidedBy: r.DecidedBy.String, DecidedAt: timeOf(r.DecidedAt)}
}

const stepSelect = `SELECT s.id, s.case_id, c.case_no, i.name AS item_name, c.status AS case_status, c.applicant_name, c.due_on AS case_due_on,
	s.dept_org_id, o.name AS dept_name, s.task, s.due_on, s.status, s.opinion, u.display_name AS decided_by, s.decided_at
	FROM approval_steps s JOIN approval_cases c ON c.id = s.case_id JOIN approval_items i ON i.id = c.item_id
	JOIN organisations o ON o.id = s.dept_org_id LEFT JOIN users u ON u.id = s.decided_by`

func selectSteps(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]Step, error) {
	var rows []stepRow
	if err := sqlx.SelectContext(ctx, q, &rows, stepSelect+" "+where, args...); err != nil {
		return nil, fmt.Errorf("steps: %w", err)
	}
	out := make([]Step, len(rows))
	for i := range rows {
		out[i] = rows[i].toStep()
	}
	return out, nil
}

func caseSteps(ctx context.Context, q sqlx.QueryerContext, caseID int64) ([]Step, error) {
	return selectSteps(ctx, q, `WHERE s.case_id = ? ORDER BY s.id`, caseID)
}

func errStepNotFound() error {
	return problem.New(problem.NotFound, "step_not_found", "审批环节不存在")
}

func requireApprover(ctx context.Context) (audit.Actor, error) {
	a, err := requireRole(ctx, accounts.RoleApprover, "只有审批部门可以办理审批环节")
	if err == nil && a.OrgID == 0 {
		err = problem.New(problem.Forbidden, "forbidden", "审批账号未关联部门")
	}
	return a, err
}

// StepFilter selects a department's steps.
type StepFilter struct {
	Status string // pending (default) | done | all
}

// DeptSteps lists the acting approver's department's steps: pending ones
// (of cases under review or suspended) by due date, or those done.
func (s *Service) DeptSteps(ctx context.Context, f StepFilter) ([]Step, error) {
	a, err := requireApprover(ctx)
	if err != nil {
		return nil, err
	}
	switch f.Status {
	case "", "pending":
		return selectSteps(ctx, s.DB, `WHERE s.dept_org_id = ? AND s.status = ? AND c.status IN (?, ?) ORDER BY s.due_on, s.id LIMIT 500`,
			a.OrgID, StepPending, CaseInReview, CaseSuspended)
	case "done":
		return selectSteps(ctx, s.DB, `WHERE s.dept_org_id = ? AND s.status <> ? ORDER BY s.decided_at DESC, s.id DESC LIMIT 200`, a.OrgID, StepPending)
	case "all":
		return selectSteps(ctx, s.DB, `WHERE s.dept_org_id = ? ORDER BY s.id DESC LIMIT 500`, a.OrgID)
	}
	return nil, problem.InvalidField("status", "status_invalid", "状态应为待办（pending）、已办（done）或全部（all）")
}

// Step returns one step to an approver of its department.
func (s *Service) Step(ctx context.Context, id int64) (*Step, error) {
	a, err := requireApprover(ctx)
	if err != nil {
		return nil, err
	}
	steps, err := selectSteps(ctx, s.DB, `WHERE s.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(steps) == 0 || steps[0].DeptOrgID != a.OrgID {
		return nil, errStepNotFound()
	}
	return &steps[0], nil
}

// DecideStep records the acting department's opinion on its step (agree or
// disagree, the opinion in writing). The last step decides the case.
func (s *Service) DecideStep(ctx context.Context, stepID int64, agree bool, opinion string) error {
	a, err := requireApprover(ctx)
	if err != nil {
		return err
	}
	var f problem.Fields
	opinion = checkText(&f, "opinion", "审批意见", opinion, 2000)
	if err := f.Err(); err != nil {
		return err
	}
	var caseID int64
	if err := s.DB.GetContext(ctx, &caseID, `SELECT case_id FROM approval_steps WHERE id = ? AND dept_org_id = ?`, stepID, a.OrgID); errors.Is(err, sql.ErrNoRows) {
		return errStepNotFound()
	} else if err != nil {
		return fmt.Errorf("step %d: %w", stepID, err)
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, _, err := lockCase(ctx, tx, caseID)
		if err != nil {
			return err
		}
		var status string
		if err := tx.GetContext(ctx, &status, `SELECT status FROM approval_steps WHERE id = ? FOR UPDATE`, stepID); err != nil {
			return fmt.Errorf("lock step %d: %w", stepID, err)
		}
		switch {
		case r.Status == CaseSuspended:
			return problem.New(problem.Conflict, "case_suspended", "办件已中止计时，恢复后才能办理")
		case r.Status != CaseInReview:
			return problem.New(problem.Conflict, "case_not_in_review", "办件不在审查中（"+CaseStatusNames[r.Status]+"）")
		case status != StepPending:
			return problem.New(problem.Conflict, "step_done", "本部门已办理该环节（"+StepStatusNames[status]+"）")
		}
		st := StepAgreed
		if !agree {
			st = StepDisagreed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_steps SET status = ?, opinion = ?, decided_by = ?, decided_at = ?, version = version + 1 WHERE id = ?`,
			st, opinion, a.UserID, now, stepID); err != nil {
			return fmt.Errorf("decide step %d: %w", stepID, err)
		}
		if err := schedule.Cancel(ctx, tx, StepDueEvent, stepTarget(stepID), now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "approval.step.decide", ObjectType: "approval_step", ObjectID: fmt.Sprint(stepID),
			Summary: map[string]any{"case_no": r.CaseNo, "status": st}}); err != nil {
			return err
		}
		return s.finishIfDone(ctx, tx, cal, r, now)
	})
}

// finishIfDone decides the case when no step is pending: approved when no
// department disagreed, else denied; the decision is to be delivered within
// DeliverDays working days (行政许可法 44).
func (s *Service) finishIfDone(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, r *caseRow, now time.Time) error {
	steps, err := caseSteps(ctx, tx, r.ID)
	if err != nil {
		return err
	}
	decision := DecisionApproved
	var notes []string
	for _, st := range steps {
		switch st.Status {
		case StepPending:
			return nil
		case StepDisagreed:
			decision = DecisionDenied
			notes = append(notes, st.DeptName+"："+st.Opinion)
		}
	}
	note := db.Clip(strings.Join(notes, "；"), 2000)
	deliver := DeliverDueOn(cal, calendar.DateOf(now, clock.Shanghai))
	if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, decision = ?, decision_note = ?, decided_at = ?, deliver_due_on = ?,
		updated_at = ?, version = version + 1 WHERE id = ?`, CaseDecided, decision, note, now, deliver.String(), now, r.ID); err != nil {
		return fmt.Errorf("decide case %d: %w", r.ID, err)
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.decide", ObjectType: "approval_case", ObjectID: fmt.Sprint(r.ID),
		Summary: map[string]any{"case_no": r.CaseNo, "decision": decision, "steps": len(steps), "deliver_due_on": deliver.String()}})
}

// HandleStepDue is the handler of StepDueEvent.
func (s *Service) HandleStepDue(ctx context.Context, target string) error {
	id, err := schedule.TargetID(target, "step")
	if err != nil {
		return err
	}
	return s.DeemStep(ctx, id)
}

// DeemStep marks a step past its limit as deemed to agree (超时默认) and
// decides the case when it was the last. Idempotent: a step already done,
// of a case not under review (a suspended one gets its event again when
// it resumes), or not yet overdue is left as it is; so is every step while
// the setting approval.deemed_agree is off.
func (s *Service) DeemStep(ctx context.Context, stepID int64) error {
	st, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	if !st.DeemedAgree {
		return nil
	}
	var caseID int64
	if err := s.DB.GetContext(ctx, &caseID, `SELECT case_id FROM approval_steps WHERE id = ?`, stepID); errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("step %d: %w", stepID, err)
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.System)
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		r, _, err := lockCase(ctx, tx, caseID)
		if err != nil {
			return err
		}
		var row struct {
			Status string    `db:"status"`
			DueOn  time.Time `db:"due_on"`
			DeptID int64     `db:"dept_org_id"`
		}
		if err := tx.GetContext(ctx, &row, `SELECT status, due_on, dept_org_id FROM approval_steps WHERE id = ? FOR UPDATE`, stepID); err != nil {
			return fmt.Errorf("lock step %d: %w", stepID, err)
		}
		due := calendar.DateOf(row.DueOn, time.UTC)
		if r.Status != CaseInReview || row.Status != StepPending || !calendar.DateOf(now, clock.Shanghai).After(due) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_steps SET status = ?, opinion = ?, decided_at = ?, version = version + 1 WHERE id = ? AND status = ?`,
			StepDeemed, "超过办理时限（"+due.String()+"）未提出意见，视为同意", now, stepID, StepPending); err != nil {
			return fmt.Errorf("deem step %d: %w", stepID, err)
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "approval.step.deemed", ObjectType: "approval_step", ObjectID: fmt.Sprint(stepID),
			Summary: map[string]any{"case_no": r.CaseNo, "due_on": due.String()}}); err != nil {
			return err
		}
		// The department missed its limit: 电子监察 records it red even
		// when the sweep has not run since (the step is no longer pending
		// for it to find).
		if err := raiseTx(ctx, tx, now, watched{CaseID: caseID, CaseNo: r.CaseNo, StepID: stepID, DeptID: row.DeptID, DueOn: row.DueOn},
			WarnLimit, WarnRed, due, 0); err != nil && !errors.Is(err, errRaised) {
			return err
		}
		return s.finishIfDone(ctx, tx, cal, r, now)
	})
}

// Suspension is one stop of the clock (行政许可法 45).
type Suspension struct {
	ID         int64  `json:"id" db:"id"`
	Reason     string `json:"reason" db:"reason"`
	ReasonName string `json:"reason_name" db:"-"`
	Note       string `json:"note" db:"note"`
	// ExpectedDays is the time the procedure needs, in working days, as
	// the applicant was told it (行政许可法 45); nil for old suspensions.
	ExpectedDays *int           `json:"expected_days,omitempty" db:"expected_days"`
	StartedOn    calendar.Date  `json:"started_on" db:"-"`
	EndedOn      *calendar.Date `json:"ended_on,omitempty" db:"-"`
	Days         int            `json:"days" db:"days"`
	CreatedBy    string         `json:"created_by" db:"created_by_name"`
	CreatedAt    time.Time      `json:"created_at" db:"created_at"`

	Started sql.NullTime `json:"-" db:"started_on"`
	Ended   sql.NullTime `json:"-" db:"ended_on"`
}

func caseSuspensions(ctx context.Context, q sqlx.QueryerContext, caseID int64) ([]Suspension, error) {
	var out []Suspension
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT p.id, p.reason, p.note, p.expected_days, p.started_on, p.ended_on, p.days, COALESCE(u.display_name, '') AS created_by_name, p.created_at
		FROM approval_suspensions p LEFT JOIN users u ON u.id = p.created_by WHERE p.case_id = ? ORDER BY p.started_on, p.id`, caseID); err != nil {
		return nil, fmt.Errorf("suspensions of case %d: %w", caseID, err)
	}
	for i := range out {
		out[i].ReasonName = SuspendReasonNames[out[i].Reason]
		if d := dateOf(out[i].Started); d != nil {
			out[i].StartedOn = *d
		}
		out[i].EndedOn = dateOf(out[i].Ended)
	}
	if out == nil {
		out = []Suspension{}
	}
	return out, nil
}

// lockLeadCase locks a case for its lead department's approver; another
// department of the case gets not_lead_department with message.
func lockLeadCase(ctx context.Context, tx *sqlx.Tx, a audit.Actor, id int64, message string) (*caseRow, error) {
	r, _, err := lockCase(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if r.DeptOrgID != a.OrgID {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM approval_steps WHERE case_id = ? AND dept_org_id = ?`, id, a.OrgID); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errCaseNotFound()
		}
		return nil, problem.New(problem.Forbidden, "not_lead_department", message)
	}
	return r, nil
}

const msgSuspendLead = "只有牵头（实施）部门可以中止或恢复计时"

// MaxSuspensionDays bounds the expected time of a procedure that stops the
// clock, in working days.
const MaxSuspensionDays = 250

// SuspendInput is the lead department's stop of the clock.
type SuspendInput struct {
	Reason string `json:"reason"` // one of SuspendReasonOrder
	Note   string `json:"note"`
	// ExpectedDays is the time the procedure needs, in working days: the
	// applicant is told it in writing (行政许可法 45, 特别程序告知书).
	ExpectedDays int `json:"expected_days"`
}

// Suspend stops the clock of a case under review (lead department's
// approver): hearing, tendering, testing, expert review (行政许可法 45),
// with the time it needs, which the 特别程序告知书 tells the applicant.
func (s *Service) Suspend(ctx context.Context, caseID int64, in SuspendInput) error {
	a, err := requireApprover(ctx)
	if err != nil {
		return err
	}
	reason := in.Reason
	var f problem.Fields
	if SuspendReasonNames[reason] == "" {
		f.Add("reason", "suspend_reason_invalid", "请选择中止计时的法定情形（听证、招标拍卖、检验检测检疫、鉴定专家评审或其他）")
	}
	note := checkText(&f, "note", "中止计时说明", in.Note, 1000)
	if in.ExpectedDays < 1 || in.ExpectedDays > MaxSuspensionDays {
		f.Add("expected_days", "expected_days_invalid", fmt.Sprintf("请填写所需时间（1到%d个工作日），将书面告知申请人（行政许可法第四十五条）", MaxSuspensionDays))
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	today := calendar.DateOf(now, clock.Shanghai)
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, err := lockLeadCase(ctx, tx, a, caseID, msgSuspendLead)
		if err != nil {
			return err
		}
		if r.Status != CaseInReview {
			return problem.New(problem.Conflict, "case_not_in_review", "只有审查中的办件可以中止计时（当前："+CaseStatusNames[r.Status]+"）")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO approval_suspensions (case_id, reason, note, expected_days, started_on, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, caseID, reason, note, in.ExpectedDays, today.String(), a.UserID, now); err != nil {
			return fmt.Errorf("suspend case %d: %w", caseID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?`, CaseSuspended, now, caseID); err != nil {
			return fmt.Errorf("suspend case %d: %w", caseID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.suspend", ObjectType: "approval_case", ObjectID: fmt.Sprint(caseID),
			Summary: map[string]any{"case_no": r.CaseNo, "reason": reason, "expected_days": in.ExpectedDays}})
	})
}

// SuspendedWorkingDays is how many working days a suspension from start to
// end (the day it was resumed) stood: the working days in [start, end).
func SuspendedWorkingDays(cal *calendar.Calendar, start, end calendar.Date) int {
	if !end.After(start) {
		return 0
	}
	return cal.WorkingDaysBetween(start.AddDays(-1), end.AddDays(-1))
}

// endOpenSuspension ends the case's open suspension on today and returns
// the working days it stood.
func endOpenSuspension(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, caseID int64, today calendar.Date) (int, error) {
	var sp struct {
		ID      int64     `db:"id"`
		Started time.Time `db:"started_on"`
	}
	if err := tx.GetContext(ctx, &sp, `SELECT id, started_on FROM approval_suspensions WHERE case_id = ? AND ended_on IS NULL ORDER BY id DESC LIMIT 1`, caseID); err != nil {
		return 0, fmt.Errorf("open suspension of case %d: %w", caseID, err)
	}
	days := SuspendedWorkingDays(cal, calendar.DateOf(sp.Started, time.UTC), today)
	if _, err := tx.ExecContext(ctx, `UPDATE approval_suspensions SET ended_on = ?, days = ? WHERE id = ?`, today.String(), days, sp.ID); err != nil {
		return 0, fmt.Errorf("end suspension %d: %w", sp.ID, err)
	}
	return days, nil
}

// endSuspension ends a withdrawn case's open suspension (its limits no
// longer matter: they are not moved).
func (s *Service) endSuspension(ctx context.Context, tx *sqlx.Tx, caseID int64, today calendar.Date) error {
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	_, err = endOpenSuspension(ctx, tx, cal, caseID, today)
	return err
}

// Resume restarts the clock (lead department's approver): the case's
// promised and legal limits and its open steps' limits move by the working
// days the suspension stood, and the steps' timed events with them.
func (s *Service) Resume(ctx context.Context, caseID int64) (days int, err error) {
	a, err := requireApprover(ctx)
	if err != nil {
		return 0, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	today := calendar.DateOf(now, clock.Shanghai)
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, err := lockLeadCase(ctx, tx, a, caseID, msgSuspendLead)
		if err != nil {
			return err
		}
		if r.Status != CaseSuspended {
			return problem.New(problem.Conflict, "case_not_suspended", "办件没有中止计时")
		}
		if days, err = endOpenSuspension(ctx, tx, cal, caseID, today); err != nil {
			return err
		}
		due, legal := dateOf(r.DueOn), dateOf(r.LegalDueOn)
		if due == nil || legal == nil {
			return fmt.Errorf("case %d under review without limits", caseID)
		}
		newDue, newLegal := cal.AddWorkingDays(*due, days), cal.AddWorkingDays(*legal, days)
		if days == 0 {
			newDue, newLegal = *due, *legal
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, due_on = ?, legal_due_on = ?, suspended_days = suspended_days + ?,
			updated_at = ?, version = version + 1 WHERE id = ?`, CaseInReview, newDue.String(), newLegal.String(), days, now, caseID); err != nil {
			return fmt.Errorf("resume case %d: %w", caseID, err)
		}
		if err := moveOpenSteps(ctx, tx, cal, caseID, days, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.resume", ObjectType: "approval_case", ObjectID: fmt.Sprint(caseID),
			Summary: map[string]any{"case_no": r.CaseNo, "days": days, "due_on": newDue.String(), "legal_due_on": newLegal.String()}})
	})
	return days, err
}

// moveOpenSteps moves the due dates of the case's pending steps by days
// working days (Resume, Extend) and sets each step's timed event again for
// its new date: one that fell due while the case stood still did nothing
// and is done.
func moveOpenSteps(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, caseID int64, days int, now time.Time) error {
	var open []struct {
		ID    int64     `db:"id"`
		DueOn time.Time `db:"due_on"`
	}
	if err := tx.SelectContext(ctx, &open, `SELECT id, due_on FROM approval_steps WHERE case_id = ? AND status = ? FOR UPDATE`, caseID, StepPending); err != nil {
		return fmt.Errorf("open steps of case %d: %w", caseID, err)
	}
	for _, st := range open {
		d := calendar.DateOf(st.DueOn, time.UTC)
		if days > 0 {
			d = cal.AddWorkingDays(d, days)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_steps SET due_on = ?, version = version + 1 WHERE id = ?`, d.String(), st.ID); err != nil {
			return fmt.Errorf("move step %d: %w", st.ID, err)
		}
		if err := schedule.At(ctx, tx, StepDueEvent, stepTarget(st.ID), startOfDayAfter(d), now); err != nil {
			return err
		}
	}
	return nil
}
