package approval

// 督办: a supervisor sends a note to a department about an open case (one
// warned, or any other); the department's approvers answer it once.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/idcode"
	"ggzy/problem"
)

// MaxSupervisionText is the longest note or answer, in characters.
const MaxSupervisionText = 2000

// SupervisionInput is a supervisor's 督办 note.
type SupervisionInput struct {
	CaseNo string
	// DeptID is the department it goes to: the case's lead department (0)
	// or the department of one of its steps.
	DeptID int64
	Note   string
}

// Supervision is one 督办 with its answer.
type Supervision struct {
	ID          int64      `db:"id" json:"id"`
	CaseID      int64      `db:"case_id" json:"case_id"`
	CaseNo      string     `db:"case_no" json:"case_no"`
	ItemName    string     `db:"item_name" json:"item_name"`
	CaseStatus  string     `db:"case_status" json:"case_status"`
	DeptID      int64      `db:"dept_org_id" json:"dept_org_id"`
	DeptName    string     `db:"dept_name" json:"dept_name"`
	Note        string     `db:"note" json:"note"`
	CreatedBy   string     `db:"created_by_name" json:"created_by"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	Response    string     `db:"response" json:"response"`
	RespondedBy string     `db:"responded_by_name" json:"responded_by,omitempty"`
	RespondedAt *time.Time `db:"responded_at" json:"responded_at,omitempty"`
	// AgeDays is the calendar days since it was issued (Asia/Shanghai),
	// AgeWorkingDays the working days; for an answered one, until the answer.
	AgeDays        int `db:"-" json:"age_days"`
	AgeWorkingDays int `db:"-" json:"age_working_days"`
}

// openStatuses are the cases a supervision may be issued on.
var openStatuses = map[string]bool{CaseAccepted: true, CaseInReview: true, CaseSuspended: true}

// Supervise issues a 督办 note (supervisors only) on an open case to its
// lead department or to one of its steps' departments. A department has at
// most one unanswered 督办 per case: the same note again (a double click, a
// form sent twice) returns the open one with created false and writes
// nothing; another note while one is open is refused (supervision_open),
// naming when the open one was issued. The case row's lock serialises
// concurrent submissions.
func (s *Service) Supervise(ctx context.Context, in SupervisionInput) (id int64, created bool, err error) {
	a, err := requireRole(ctx, accounts.RoleSupervisor, "只有监督人员可以督办")
	if err != nil {
		return 0, false, err
	}
	var fs problem.Fields
	in.CaseNo = strings.ToUpper(strings.TrimSpace(idcode.HalfWidth(in.CaseNo)))
	if in.CaseNo == "" {
		fs.Add("case_no", "required", "请填写办件编号")
	} else if utf8.RuneCountInString(in.CaseNo) > 32 {
		fs.Add("case_no", "too_long", "办件编号不能超过32个字符")
	}
	if in.DeptID < 0 {
		fs.Add("dept_org_id", "number_invalid", "部门应为正整数")
	}
	in.Note = checkText(&fs, "note", "督办意见", in.Note, MaxSupervisionText)
	if err := fs.Err(); err != nil {
		return 0, false, err
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var c struct {
			ID     int64  `db:"id"`
			Status string `db:"status"`
			Lead   int64  `db:"dept_org_id"`
		}
		err := tx.GetContext(ctx, &c, `SELECT c.id, c.status, c.lead_org_id AS dept_org_id FROM approval_cases c
			WHERE c.case_no = ? FOR UPDATE`, in.CaseNo)
		if err == sql.ErrNoRows {
			return problem.InvalidField("case_no", "case_not_found", "没有这个办件编号")
		}
		if err != nil {
			return fmt.Errorf("supervise case %s: %w", in.CaseNo, err)
		}
		if !openStatuses[c.Status] {
			return &problem.Error{Kind: problem.Conflict, Code: "case_not_open", Message: "办件已办结或未受理，不能督办",
				Fields: []problem.Field{{Name: "case_no", Code: "case_not_open", Message: "办件已办结或未受理，不能督办"}}}
		}
		dept := in.DeptID
		if dept == 0 {
			dept = c.Lead
		} else if dept != c.Lead {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM approval_steps WHERE case_id = ? AND dept_org_id = ?`, c.ID, dept); err != nil {
				return fmt.Errorf("supervise case %s: steps: %w", in.CaseNo, err)
			}
			if n == 0 {
				return problem.InvalidField("dept_org_id", "dept_not_on_case", "该部门不办理这个办件")
			}
		}
		var open struct {
			ID        int64     `db:"id"`
			Note      string    `db:"note"`
			CreatedAt time.Time `db:"created_at"`
		}
		err = tx.GetContext(ctx, &open, `SELECT id, note, created_at FROM approval_supervisions
			WHERE case_id = ? AND dept_org_id = ? AND responded_at IS NULL ORDER BY id LIMIT 1`, c.ID, dept)
		switch {
		case err == nil && open.Note == in.Note:
			id = open.ID
			return nil
		case err == nil:
			msg := fmt.Sprintf("已于%s向该部门督办此办件，部门尚未答复；请等答复后再督办", open.CreatedAt.In(clock.Shanghai).Format("2006-01-02 15:04"))
			return &problem.Error{Kind: problem.Conflict, Code: "supervision_open", Message: msg,
				Fields: []problem.Field{{Name: "case_no", Code: "supervision_open", Message: msg}}}
		case err != sql.ErrNoRows:
			return fmt.Errorf("supervise case %s: open supervisions: %w", in.CaseNo, err)
		}
		created = true
		res, err := tx.ExecContext(ctx, `INSERT INTO approval_supervisions (case_id, dept_org_id, note, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, dept, in.Note, a.UserID, now)
		if err != nil {
			return fmt.Errorf("supervise case %s: %w", in.CaseNo, err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.supervise", ObjectType: "approval_case", ObjectID: strconv.FormatInt(c.ID, 10),
			Summary: map[string]any{"supervision_id": id, "case_no": in.CaseNo, "dept_org_id": dept, "note_chars": utf8.RuneCountInString(in.Note)}})
	})
	if err != nil {
		return 0, false, err
	}
	return id, created, nil
}

// AnswerSupervision records the department's answer to a 督办 (an approver
// of that department, once).
func (s *Service) AnswerSupervision(ctx context.Context, id int64, response string) error {
	a, err := requireRole(ctx, accounts.RoleApprover, "只有审批部门可以答复督办")
	if err != nil {
		return err
	}
	var fs problem.Fields
	response = checkText(&fs, "response", "答复", response, MaxSupervisionText)
	if err := fs.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var sv struct {
			CaseID      int64        `db:"case_id"`
			DeptID      int64        `db:"dept_org_id"`
			RespondedAt sql.NullTime `db:"responded_at"`
		}
		err := tx.GetContext(ctx, &sv, `SELECT case_id, dept_org_id, responded_at FROM approval_supervisions WHERE id = ? FOR UPDATE`, id)
		if err == sql.ErrNoRows || (err == nil && sv.DeptID != a.OrgID) {
			return problem.New(problem.NotFound, "not_found", "没有这条督办")
		}
		if err != nil {
			return fmt.Errorf("answer supervision %d: %w", id, err)
		}
		if sv.RespondedAt.Valid {
			return problem.New(problem.Conflict, "supervision_answered", "这条督办已经答复")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_supervisions SET response = ?, responded_by = ?, responded_at = ? WHERE id = ?`,
			response, a.UserID, now, id); err != nil {
			return fmt.Errorf("answer supervision %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.supervision_answer", ObjectType: "approval_supervision",
			ObjectID: strconv.FormatInt(id, 10), Summary: map[string]any{"case_id": sv.CaseID, "dept_org_id": sv.DeptID,
				"response_chars": utf8.RuneCountInString(response)}})
	})
}

// SupervisionFilter narrows the list.
type SupervisionFilter struct {
	Open   bool  // only those not answered
	DeptID int64 // supervisors: one department (0: all)
}

const selectSupervisions = `SELECT s.id, s.case_id, c.case_no, i.name AS item_name, c.status AS case_status, s.dept_org_id,
	COALESCE(o.name, '') AS dept_name, s.note, COALESCE(u.display_name, '') AS created_by_name, s.created_at, s.response,
	COALESCE(r.display_name, '') AS responded_by_name, s.responded_at
	FROM approval_supervisions s
	JOIN approval_cases c ON c.id = s.case_id
	JOIN approval_items i ON i.id = c.item_id
	LEFT JOIN organisations o ON o.id = s.dept_org_id
	LEFT JOIN users u ON u.id = s.created_by
	LEFT JOIN users r ON r.id = s.responded_by
	WHERE (? = 0 OR s.dept_org_id = ?) AND (? = 0 OR s.responded_at IS NULL)
	ORDER BY s.created_at, s.id
	LIMIT 1000`

// Supervisions lists 督办 notes, oldest first, with their age: every
// department's for supervisors (or f.DeptID's), an approver's own
// department's only.
func (s *Service) Supervisions(ctx context.Context, f SupervisionFilter) ([]Supervision, error) {
	var err error
	if f.DeptID, err = watchedDept(ctx, f.DeptID, "督办"); err != nil {
		return nil, err
	}
	open := 0
	if f.Open {
		open = 1
	}
	var list []Supervision
	if err := sqlx.SelectContext(ctx, s.DB, &list, selectSupervisions, f.DeptID, f.DeptID, open); err != nil {
		return nil, fmt.Errorf("list supervisions: %w", err)
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	for i := range list {
		end := now
		if list[i].RespondedAt != nil {
			end = *list[i].RespondedAt
		}
		from, to := calendar.DateOf(list[i].CreatedAt, clock.Shanghai), calendar.DateOf(end, clock.Shanghai)
		list[i].AgeDays = from.DaysUntil(to)
		list[i].AgeWorkingDays = cal.WorkingDaysBetween(from, to)
	}
	return list, nil
}
