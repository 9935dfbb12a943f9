package approval

// The extension of a case's limits (延长期限, 行政许可法 42): a decision
// that cannot be made within the limit may, with the approval of the
// authority's head (负责人), be extended by 10 日 (15 for unified, joint or
// concentrated handling, with the approval of the government's head), and
// the applicant is told the reason. The hall allows one extension per case,
// of at most the setting approval.extension_days working days, by the lead
// department's approver, who records who approved it.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/problem"
)

// Extension is a case's extension as staff see it.
type Extension struct {
	Days           int           `json:"days" db:"days"`
	Reason         string        `json:"reason" db:"reason"`
	ApprovedBy     string        `json:"approved_by" db:"approved_by"` // 批准人
	DueBefore      calendar.Date `json:"due_on_before" db:"-"`
	LegalDueBefore calendar.Date `json:"legal_due_on_before" db:"-"`
	// DueAfter and LegalDueAfter are the limits the extension set: the
	// ones before moved by Days working days (a later suspension moves the
	// case's own limits again; these stay what the applicant was told).
	DueAfter      calendar.Date `json:"due_on_after" db:"-"`
	LegalDueAfter calendar.Date `json:"legal_due_on_after" db:"-"`
	ExtendedBy    string        `json:"extended_by" db:"extended_by"`
	ExtendedAt    time.Time     `json:"extended_at" db:"created_at"`

	DueBeforeRaw      time.Time `json:"-" db:"due_before"`
	LegalDueBeforeRaw time.Time `json:"-" db:"legal_due_before"`
}

// ExtendedOn is the day of the extension (Asia/Shanghai).
func (x *Extension) ExtendedOn() calendar.Date { return calendar.DateOf(x.ExtendedAt, clock.Shanghai) }

func caseExtension(ctx context.Context, q sqlx.QueryerContext, caseID int64) (*Extension, error) {
	var x Extension
	err := sqlx.GetContext(ctx, q, &x, `SELECT x.days, x.reason, x.approved_by, x.due_before, x.legal_due_before,
		COALESCE(u.display_name, '') AS extended_by, x.created_at
		FROM approval_extensions x LEFT JOIN users u ON u.id = x.created_by WHERE x.case_id = ?`, caseID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("extension of case %d: %w", caseID, err)
	}
	x.DueBefore = calendar.DateOf(x.DueBeforeRaw, time.UTC)
	x.LegalDueBefore = calendar.DateOf(x.LegalDueBeforeRaw, time.UTC)
	return &x, nil
}

// ExtendInput is the lead department's extension.
type ExtendInput struct {
	Days       int    `json:"days"`        // working days, 1 … Settings.ExtensionDays
	Reason     string `json:"reason"`      // told to the applicant
	ApprovedBy string `json:"approved_by"` // 批准人: the head who approved
}

func errAlreadyExtended(x *Extension) error {
	msg := "该办件已延长过一次期限，不能再次延长"
	if x != nil {
		msg = fmt.Sprintf("该办件已于%s延长%d个工作日，不能再次延长", x.ExtendedOn(), x.Days)
	}
	return problem.New(problem.Conflict, "case_already_extended", msg)
}

// Extend extends the limits of a case under review once (lead department's
// approver): its promised and legal due dates and its open steps' due dates
// move by in.Days working days, and the steps' timed events with them. It is
// refused, with nothing written, for another department of the case
// (not_lead_department), a case not under review (case_not_in_review: a
// suspended case's clock stands still and is extended after it resumes), a
// case extended before (case_already_extended), a case whose legal limit has
// already passed (legal_limit_passed: the law extends a limit that still
// runs), and days outside 1 … the setting. The audit event holds the
// lengths of the reason and of the approver's name, not the texts.
func (s *Service) Extend(ctx context.Context, caseID int64, in ExtendInput) (*Extension, error) {
	a, err := requireApprover(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	in.Reason, in.ApprovedBy = strings.TrimSpace(in.Reason), strings.TrimSpace(in.ApprovedBy)
	var f problem.Fields
	if in.Days < 1 || in.Days > st.ExtensionDays {
		f.Add("days", "extension_days_invalid", fmt.Sprintf("延长的期限应为1到%d个工作日", st.ExtensionDays))
	}
	textField(&f, "reason", in.Reason, "延长期限的理由（将告知申请人）", 1000, true)
	textField(&f, "approved_by", in.ApprovedBy, "批准延长的负责人（批准人）", 100, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	today := calendar.DateOf(now, clock.Shanghai)
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, err := lockLeadCase(ctx, tx, a, caseID, "只有牵头（实施）部门可以延长办理期限")
		if err != nil {
			return err
		}
		if r.Status != CaseInReview {
			return problem.New(problem.Conflict, "case_not_in_review", "只有审查中的办件可以延长期限（当前："+CaseStatusNames[r.Status]+"）")
		}
		prev, err := caseExtension(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if prev != nil {
			return errAlreadyExtended(prev)
		}
		due, legal := dateOf(r.DueOn), dateOf(r.LegalDueOn)
		if due == nil || legal == nil {
			return fmt.Errorf("case %d under review without limits", caseID)
		}
		if today.After(*legal) {
			return problem.New(problem.Conflict, "legal_limit_passed", "法定办结期限（"+legal.String()+"）已过，不能再延长")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO approval_extensions (case_id, days, reason, approved_by, due_before, legal_due_before,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			caseID, in.Days, in.Reason, in.ApprovedBy, due.String(), legal.String(), a.UserID, now); err != nil {
			if db.Number(err) == db.ErrDupEntry {
				return errAlreadyExtended(nil)
			}
			return fmt.Errorf("extend case %d: %w", caseID, err)
		}
		newDue, newLegal := cal.AddWorkingDays(*due, in.Days), cal.AddWorkingDays(*legal, in.Days)
		if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET due_on = ?, legal_due_on = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			newDue.String(), newLegal.String(), now, caseID); err != nil {
			return fmt.Errorf("extend case %d: %w", caseID, err)
		}
		if err := moveOpenSteps(ctx, tx, cal, caseID, in.Days, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.extend", ObjectType: "approval_case", ObjectID: fmt.Sprint(caseID),
			Summary: map[string]any{"case_no": r.CaseNo, "days": in.Days, "due_on": newDue.String(), "legal_due_on": newLegal.String(),
				"reason_chars": utf8.RuneCountInString(in.Reason), "approved_by_chars": utf8.RuneCountInString(in.ApprovedBy)}})
	})
	if err != nil {
		return nil, err
	}
	return caseExtension(ctx, s.DB, caseID)
}
