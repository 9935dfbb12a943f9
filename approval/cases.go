package approval

// Cases (办件) at the window: intake with the materials checklist,
// 一次性告知 and completion, refusal (不予受理), acceptance with its
// limits and department steps, silence-means-accepted, withdrawal and
// delivery (送达). Steps, decisions and suspensions are in steps.go.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
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
	"ggzy/schedule"
)

// CaseMaterial is one line of a case's checklist.
type CaseMaterial struct {
	Position int    `json:"position" db:"position"`
	Name     string `json:"name" db:"name"`
	Required bool   `json:"required" db:"required"`
	Provided bool   `json:"provided" db:"provided"`
	Note     string `json:"note" db:"note"`
}

// Case is a case as staff see it: the applicant's ID and phone masked.
type Case struct {
	ID              int64          `json:"id"`
	CaseNo          string         `json:"case_no"`
	ItemID          int64          `json:"item_id"`
	ItemVersion     int            `json:"item_version"`
	ItemCode        string         `json:"item_code"`
	ItemName        string         `json:"item_name"`
	CaseType        string         `json:"case_type"`
	DeptOrgID       int64          `json:"dept_org_id"` // lead department
	DeptName        string         `json:"dept_name"`
	ApplicantKind   string         `json:"applicant_kind"`
	ApplicantName   string         `json:"applicant_name"`
	ApplicantMasked string         `json:"applicant_id_masked"`
	PhoneMasked     string         `json:"phone_masked"`
	Status          string         `json:"status"`
	StatusName      string         `json:"status_name"`
	ReceivedAt      time.Time      `json:"received_at"`
	MaterialsDue    *calendar.Date `json:"materials_due,omitempty"`
	AcceptedAt      *time.Time     `json:"accepted_at,omitempty"`
	RefusedReason   string         `json:"refused_reason,omitempty"`
	DueOn           *calendar.Date `json:"due_on,omitempty"`
	LegalDueOn      *calendar.Date `json:"legal_due_on,omitempty"`
	SuspendedDays   int            `json:"suspended_days"`
	Decision        string         `json:"decision,omitempty"`
	DecisionNote    string         `json:"decision_note,omitempty"`
	DecidedAt       *time.Time     `json:"decided_at,omitempty"`
	DeliveredAt     *time.Time     `json:"delivered_at,omitempty"`
	// DeliverDueOn is the last day to deliver the decision (行政许可法 44:
	// 10 working days from the decision), set when it is made.
	DeliverDueOn *calendar.Date `json:"deliver_due_on,omitempty"`
	ClerkUserID  int64          `json:"clerk_user_id"`
	ClerkName    string         `json:"clerk_name"`
	Version      int            `json:"version"`

	Materials   []CaseMaterial `json:"materials"`
	Steps       []Step         `json:"steps"`
	Suspensions []Suspension   `json:"suspensions"`
	// Extension is the case's one extension of its limits (行政许可法 42),
	// if any.
	Extension *Extension `json:"extension,omitempty"`
}

// Missing lists the required materials not provided.
func (c *Case) Missing() []string {
	var out []string
	for _, m := range c.Materials {
		if m.Required && !m.Provided {
			out = append(out, m.Name)
		}
	}
	return out
}

// TypeName, DecisionName: Chinese names.
func (c *Case) TypeName() string     { return CaseTypeNames[c.CaseType] }
func (c *Case) DecisionName() string { return DecisionNames[c.Decision] }

// Open reports whether the case awaits a decision.
func (c *Case) Open() bool {
	switch c.Status {
	case CaseReceived, CaseIncomplete, CaseAccepted, CaseInReview, CaseSuspended:
		return true
	}
	return false
}

type caseRow struct {
	ID              int64          `db:"id"`
	CaseNo          string         `db:"case_no"`
	ItemID          int64          `db:"item_id"`
	ItemVersion     int            `db:"item_version"`
	ItemCode        string         `db:"item_code"`
	ItemName        string         `db:"item_name"`
	CaseType        string         `db:"case_type"`
	DeptOrgID       int64          `db:"dept_org_id"`
	DeptName        string         `db:"dept_name"`
	ApplicantKind   string         `db:"applicant_kind"`
	ApplicantName   string         `db:"applicant_name"`
	ApplicantMasked string         `db:"applicant_masked"`
	PhoneMasked     string         `db:"phone_masked"`
	Status          string         `db:"status"`
	ReceivedAt      time.Time      `db:"received_at"`
	MaterialsDue    sql.NullTime   `db:"materials_due"`
	AcceptedAt      sql.NullTime   `db:"accepted_at"`
	RefusedReason   string         `db:"refused_reason"`
	DueOn           sql.NullTime   `db:"due_on"`
	LegalDueOn      sql.NullTime   `db:"legal_due_on"`
	SuspendedDays   int            `db:"suspended_days"`
	Decision        string         `db:"decision"`
	DecisionNote    string         `db:"decision_note"`
	DecidedAt       sql.NullTime   `db:"decided_at"`
	DeliveredAt     sql.NullTime   `db:"delivered_at"`
	DeliverDueOn    sql.NullTime   `db:"deliver_due_on"`
	ClerkUserID     int64          `db:"clerk_user_id"`
	ClerkName       sql.NullString `db:"clerk_name"`
	Version         int            `db:"version"`
}

// The item's name, type and lead department are those of the case's
// version (the snapshot), read with the row by the callers that show it;
// the join on the current item gives code and name for lists, and the lead
// department is the case's own column (lead_org_id, set at intake from the
// version), never the current item's.
const caseColumns = `c.id, c.case_no, c.item_id, c.item_version, i.code AS item_code, i.name AS item_name, i.case_type, c.lead_org_id AS dept_org_id,
	o.name AS dept_name, c.applicant_kind, c.applicant_name, c.applicant_masked, c.phone_masked, c.status, c.received_at, c.materials_due,
	c.accepted_at, c.refused_reason, c.due_on, c.legal_due_on, c.suspended_days, c.decision, c.decision_note, c.decided_at, c.delivered_at,
	c.deliver_due_on, c.clerk_user_id, u.display_name AS clerk_name, c.version`

const caseFrom = ` FROM approval_cases c JOIN approval_items i ON i.id = c.item_id JOIN organisations o ON o.id = c.lead_org_id
	LEFT JOIN users u ON u.id = c.clerk_user_id`

func dateOf(t sql.NullTime) *calendar.Date {
	if !t.Valid {
		return nil
	}
	d := calendar.DateOf(t.Time, time.UTC)
	return &d
}

func timeOf(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

func (r *caseRow) toCase() *Case {
	return &Case{ID: r.ID, CaseNo: r.CaseNo, ItemID: r.ItemID, ItemVersion: r.ItemVersion, ItemCode: r.ItemCode, ItemName: r.ItemName,
		CaseType: r.CaseType, DeptOrgID: r.DeptOrgID, DeptName: r.DeptName, ApplicantKind: r.ApplicantKind, ApplicantName: r.ApplicantName,
		ApplicantMasked: r.ApplicantMasked, PhoneMasked: r.PhoneMasked, Status: r.Status, StatusName: CaseStatusNames[r.Status],
		ReceivedAt: r.ReceivedAt, MaterialsDue: dateOf(r.MaterialsDue), AcceptedAt: timeOf(r.AcceptedAt), RefusedReason: r.RefusedReason,
		DueOn: dateOf(r.DueOn), LegalDueOn: dateOf(r.LegalDueOn), SuspendedDays: r.SuspendedDays, Decision: r.Decision,
		DecisionNote: r.DecisionNote, DecidedAt: timeOf(r.DecidedAt), DeliveredAt: timeOf(r.DeliveredAt), DeliverDueOn: dateOf(r.DeliverDueOn), ClerkUserID: r.ClerkUserID,
		ClerkName: r.ClerkName.String, Version: r.Version, Materials: []CaseMaterial{}, Steps: []Step{}, Suspensions: []Suspension{}}
}

func errCaseNotFound() error {
	return problem.New(problem.NotFound, "case_not_found", "办件不存在")
}

// lockCase locks the case row and reads it with the item of its version.
func lockCase(ctx context.Context, tx *sqlx.Tx, id int64) (*caseRow, *Item, error) {
	var status string
	if err := tx.GetContext(ctx, &status, `SELECT status FROM approval_cases WHERE id = ? FOR UPDATE`, id); errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errCaseNotFound()
	} else if err != nil {
		return nil, nil, fmt.Errorf("lock case %d: %w", id, err)
	}
	return readCase(ctx, tx, id)
}

func readCase(ctx context.Context, q sqlx.QueryerContext, id int64) (*caseRow, *Item, error) {
	var r caseRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+caseColumns+caseFrom+` WHERE c.id = ?`, id); errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errCaseNotFound()
	} else if err != nil {
		return nil, nil, fmt.Errorf("case %d: %w", id, err)
	}
	it, err := itemVersion(ctx, q, r.ItemID, r.ItemVersion)
	if err != nil {
		return nil, nil, err
	}
	r.ItemName, r.CaseType, r.DeptOrgID, r.DeptName = it.Name, it.CaseType, it.DeptOrgID, it.DeptName
	return &r, it, nil
}

func itemVersion(ctx context.Context, q sqlx.QueryerContext, id int64, version int) (*Item, error) {
	var snap string
	if err := sqlx.GetContext(ctx, q, &snap, `SELECT snapshot FROM approval_item_versions WHERE item_id = ? AND version = ?`, id, version); err != nil {
		return nil, fmt.Errorf("item %d version %d: %w", id, version, err)
	}
	var it Item
	if err := unmarshalItem(snap, &it); err != nil {
		return nil, fmt.Errorf("item %d version %d: %w", id, version, err)
	}
	return &it, nil
}

// IntakeInput is what the clerk enters at the window.
type IntakeInput struct {
	ItemID        int64  `json:"item_id"`
	ApplicantKind string `json:"applicant_kind"` // person | organisation
	ApplicantName string `json:"applicant_name"`
	ApplicantID   string `json:"applicant_id"` // 居民身份证号码 or 统一社会信用代码
	Phone         string `json:"phone"`
	// Provided are the positions (from 1, the item's order) of the
	// materials handed in.
	Provided []int `json:"provided"`
	// RefuseReason, when set, refuses the application at once (不予受理,
	// 行政许可法 32 (一)(二)): the written reason goes on the decision.
	RefuseReason string `json:"refuse_reason"`
	// Decision and DecisionNote: instant items (即办件) are decided on the
	// spot; approved unless denied, which needs the note.
	Decision     string `json:"decision"`
	DecisionNote string `json:"decision_note"`
	// IntakeKey, optional, names one filling of the intake form (the
	// window's form carries a random one): the same key again is the same
	// intake, never a second case (see Intake).
	IntakeKey string `json:"intake_key"`
}

// Receipt is what the window prints after an intake: the case and, once
// only, the query code.
type Receipt struct {
	Case      *Case  `json:"case"`
	QueryCode string `json:"query_code"`
	// Resubmitted: the intake key was used before, by the same clerk for
	// the same applicant and item; no case was taken, Case is the one
	// taken then and QueryCode a new code for it (the one shown then, which
	// the browser may never have displayed, no longer works).
	Resubmitted bool `json:"resubmitted,omitempty"`
}

// NewIntakeKey makes a key for one intake form.
func NewIntakeKey() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func checkIntakeKey(key string, f *problem.Fields) string {
	key = strings.TrimSpace(key)
	if key == "" {
		return ""
	}
	ok := len(key) >= 16 && len(key) <= 64
	for _, r := range key {
		ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}
	if !ok {
		f.Add("intake_key", "intake_key_invalid", "收件表单标识不正确，请重新打开收件页面")
	}
	return key
}

// errIntakeKeyUsed: the key was used for another applicant, item or clerk
// (a form edited after it was sent, or a page reopened from history).
func errIntakeKeyUsed(caseNo string) error {
	return problem.New(problem.Conflict, "intake_key_used", "这份收件表单已经提交过（办件"+caseNo+"），内容与当时不同；办理新的申请请重新打开收件页面")
}

// resubmitted answers an intake whose key was used before: the same clerk,
// item, applicant and materials get the case taken then with a new query
// code (written with its audit event); anything else is intake_key_used.
func (s *Service) resubmitted(ctx context.Context, tx *sqlx.Tx, a audit.Actor, in IntakeInput, provided map[int]bool, now time.Time) (int64, string, error) {
	var prev struct {
		ID      int64  `db:"id"`
		CaseNo  string `db:"case_no"`
		Clerk   int64  `db:"clerk_user_id"`
		ItemID  int64  `db:"item_id"`
		Kind    string `db:"applicant_kind"`
		Name    string `db:"applicant_name"`
		Masked  string `db:"applicant_masked"`
		PhoneMs string `db:"phone_masked"`
	}
	err := tx.GetContext(ctx, &prev, `SELECT id, case_no, clerk_user_id, item_id, applicant_kind, applicant_name, applicant_masked, phone_masked
		FROM approval_cases WHERE intake_key = ? FOR UPDATE`, in.IntakeKey)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("intake key: %w", err)
	}
	var given []int
	if err := tx.SelectContext(ctx, &given, `SELECT position FROM approval_case_materials WHERE case_id = ? AND provided ORDER BY position`, prev.ID); err != nil {
		return 0, "", fmt.Errorf("case %d materials: %w", prev.ID, err)
	}
	// The materials given then (and any completed since) include those
	// ticked now.
	had := map[int]bool{}
	for _, p := range given {
		had[p] = true
	}
	same := prev.Clerk == a.UserID && prev.ItemID == in.ItemID && prev.Kind == in.ApplicantKind && prev.Name == in.ApplicantName &&
		prev.Masked == idcode.MaskResidentID(in.ApplicantID) && prev.PhoneMs == idcode.MaskPhone(in.Phone)
	for p := range provided {
		same = same && had[p]
	}
	if !same {
		return 0, "", errIntakeKeyUsed(prev.CaseNo)
	}
	code, err := newQueryCode()
	if err != nil {
		return 0, "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET lookup_hash = ?, updated_at = ? WHERE id = ?`, s.lookupHash(code), now, prev.ID); err != nil {
		return 0, "", fmt.Errorf("case %d new query code: %w", prev.ID, err)
	}
	if err := audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.resubmit", ObjectType: "approval_case", ObjectID: fmt.Sprint(prev.ID),
		Summary: map[string]any{"case_no": prev.CaseNo, "new_query_code": true}}); err != nil {
		return 0, "", err
	}
	return prev.ID, code, nil
}

func requireClerk(ctx context.Context) (audit.Actor, error) {
	return requireRole(ctx, accounts.RoleClerk, "只有窗口工作人员可以办理收件、受理和送达")
}

func checkApplicant(in *IntakeInput, f *problem.Fields) {
	in.ApplicantName = strings.TrimSpace(in.ApplicantName)
	in.ApplicantKind = strings.TrimSpace(in.ApplicantKind)
	textField(f, "applicant_name", in.ApplicantName, "申请人名称", 200, true)
	// The clerk types what the applicant hands over, often with the input
	// method in full-width mode: "１１０１０５…Ｘ" is the same number.
	in.ApplicantID, in.Phone = idcode.HalfWidth(in.ApplicantID), idcode.HalfWidth(in.Phone)
	// Read out in groups ("110105 19491231 002X"): the spaces are not part
	// of the number.
	in.ApplicantID = strings.Join(strings.Fields(in.ApplicantID), "")
	switch in.ApplicantKind {
	case ApplicantPerson:
		in.ApplicantID = idcode.NormalizeResidentID(in.ApplicantID)
		if in.ApplicantID == "" {
			f.Add("applicant_id", "required", "请填写申请人的居民身份证号码")
		} else {
			f.AddErr("applicant_id", idcode.ValidateResidentID(in.ApplicantID))
		}
	case ApplicantOrganisation:
		in.ApplicantID = idcode.NormalizeUSCC(in.ApplicantID)
		if in.ApplicantID == "" {
			f.Add("applicant_id", "required", "请填写申请单位的统一社会信用代码")
		} else {
			f.AddErr("applicant_id", idcode.ValidateUSCC(in.ApplicantID))
		}
	default:
		f.Add("applicant_kind", "applicant_kind_invalid", "请选择申请人类型（个人或单位）")
	}
	in.Phone = idcode.NormalizeMobile(strings.TrimSpace(in.Phone))
	if in.Phone == "" {
		f.Add("phone", "required", "请填写联系电话（手机号码）")
	} else {
		f.AddErr("phone", idcode.ValidateMobile(in.Phone))
	}
}

// checkProvided validates material positions against n materials.
func checkProvided(provided []int, n int, f *problem.Fields) map[int]bool {
	out := map[int]bool{}
	for _, p := range provided {
		if p < 1 || p > n {
			f.Add("provided", "material_unknown", fmt.Sprintf("材料序号%d不在该事项的材料目录中", p))
			continue
		}
		out[p] = true
	}
	return out
}

func checkDecision(decision, note string, f *problem.Fields) string {
	switch decision {
	case "", DecisionApproved:
		decision = DecisionApproved
	case DecisionDenied:
		if strings.TrimSpace(note) == "" {
			f.Add("decision_note", "decision_note_required", "不予许可应当书面说明理由")
		}
	default:
		f.Add("decision", "decision_invalid", "决定应为准予许可（approved）或不予许可（denied）")
	}
	textField(f, "decision_note", strings.TrimSpace(note), "决定说明", 2000, false)
	return decision
}

// Intake takes a case at the window (clerk). Every fault of the input is
// reported at once and nothing is written. The outcome follows the
// checklist: a required material missing → incomplete, with every missing
// item listed at once (一次性告知) and 5 工作日 to complete; complete →
// accepted, with its limits and department steps (an instant item is
// decided on the spot); a refusal reason → refused (不予受理).
func (s *Service) Intake(ctx context.Context, in IntakeInput) (*Receipt, error) {
	a, err := requireClerk(ctx)
	if err != nil {
		return nil, err
	}
	var f problem.Fields
	checkApplicant(&in, &f)
	in.RefuseReason = strings.TrimSpace(in.RefuseReason)
	textField(&f, "refuse_reason", in.RefuseReason, "不予受理理由", 1000, false)
	in.IntakeKey = checkIntakeKey(in.IntakeKey, &f)
	var item *Item
	if in.ItemID <= 0 {
		f.Add("item_id", "required", "请选择办理事项")
	} else if item, err = loadItem(ctx, s.DB, in.ItemID); problem.Is(err, "item_not_found") {
		f.Add("item_id", "item_not_found", "办理事项不存在")
	} else if err != nil {
		return nil, err
	} else if item.Status != ItemActive {
		f.Add("item_id", "item_inactive", "该事项已停用，不再受理")
	}
	var provided map[int]bool
	decision := ""
	if item != nil {
		provided = checkProvided(in.Provided, len(item.Materials), &f)
		if item.CaseType == TypeInstant {
			decision = checkDecision(in.Decision, in.DecisionNote, &f)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	code, err := newQueryCode()
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	today := calendar.DateOf(now, clock.Shanghai)
	var id int64
	resubmitted := false
	take := func(tx *sqlx.Tx) error {
		if in.IntakeKey != "" {
			prev, newCode, err := s.resubmitted(ctx, tx, a, in, provided, now)
			if err != nil {
				return err
			}
			if prev != 0 {
				id, code, resubmitted = prev, newCode, true
				return nil
			}
		}
		// The item as this transaction sees it: its version is the case's.
		it, err := loadItem(ctx, tx, in.ItemID)
		if err != nil {
			return err
		}
		if it.Status != ItemActive || it.Version != item.Version {
			return problem.New(problem.Conflict, "item_changed", "事项刚被修改或停用，请重新打开收件页面")
		}
		caseNo, err := nextCaseNo(ctx, tx, today.Year)
		if err != nil {
			return err
		}
		sealedID, err := s.Vault.Seal("approval.applicant", caseNo, []byte(in.ApplicantID))
		if err != nil {
			return err
		}
		sealedPhone, err := s.Vault.Seal("approval.phone", caseNo, []byte(in.Phone))
		if err != nil {
			return err
		}
		masked := idcode.MaskResidentID(in.ApplicantID)
		var key any
		if in.IntakeKey != "" {
			key = in.IntakeKey
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO approval_cases (case_no, item_id, item_version, lead_org_id, applicant_kind, applicant_name,
			applicant_masked, applicant_sealed, phone_masked, phone_sealed, lookup_hash, intake_key, status, received_at, clerk_user_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caseNo, it.ID, it.Version, it.DeptOrgID, in.ApplicantKind, in.ApplicantName, masked, sealedID, idcode.MaskPhone(in.Phone), sealedPhone,
			s.lookupHash(code), key, CaseReceived, now, a.UserID, now, now)
		if err != nil {
			return fmt.Errorf("insert case: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		missing := 0
		for i, m := range it.Materials {
			if m.Required && !provided[i+1] {
				missing++
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO approval_case_materials (case_id, position, name, required, provided, note) VALUES (?, ?, ?, ?, ?, ?)`,
				id, i+1, m.Name, m.Required, provided[i+1], m.Note); err != nil {
				return fmt.Errorf("insert case material: %w", err)
			}
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.receive", ObjectType: "approval_case", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"case_no": caseNo, "item": it.Code, "version": it.Version, "applicant_kind": in.ApplicantKind,
				"provided": len(provided), "missing": missing}}); err != nil {
			return err
		}
		r, _, err := readCase(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case in.RefuseReason != "":
			return s.refuse(ctx, tx, r, in.RefuseReason, now)
		case missing > 0:
			st, err := s.settings(ctx, tx)
			if err != nil {
				return err
			}
			due := cal.AddWorkingDays(today, st.SupplementDays)
			if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, materials_due = ?, updated_at = ? WHERE id = ?`,
				CaseIncomplete, due.String(), now, id); err != nil {
				return fmt.Errorf("case %d incomplete: %w", id, err)
			}
			if err := schedule.At(ctx, tx, MaterialsDueEvent, caseTarget(id), startOfDayAfter(due), now); err != nil {
				return err
			}
			return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.incomplete", ObjectType: "approval_case", ObjectID: fmt.Sprint(id),
				Summary: map[string]any{"case_no": caseNo, "missing": missing, "materials_due": due.String()}})
		case it.CaseType == TypeInstant:
			return s.decideOnSpot(ctx, tx, cal, r, decision, strings.TrimSpace(in.DecisionNote), now)
		default:
			return s.accept(ctx, tx, cal, r, it, today, now)
		}
	}
	err = db.Transact(ctx, s.DB, nil, take)
	if in.IntakeKey != "" && db.IsDuplicate(err) {
		// The same form sent twice at once: the other one took the case
		// (the counter's lock made this one wait); this is its resubmission.
		err = db.Transact(ctx, s.DB, nil, take)
	}
	if err != nil {
		return nil, err
	}
	c, err := s.loadCase(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return &Receipt{Case: c, QueryCode: code, Resubmitted: resubmitted}, nil
}

func (s *Service) calendar(ctx context.Context) (*calendar.Calendar, error) {
	if s.Calendar == nil {
		return calendar.New(nil), nil
	}
	return s.Calendar.Calendar(ctx)
}

func caseTarget(id int64) string { return fmt.Sprintf("case:%d", id) }
func stepTarget(id int64) string { return fmt.Sprintf("step:%d", id) }

// startOfDayAfter is 00:00 Asia/Shanghai of the day after d: the moment a
// limit that ends with day d has passed.
func startOfDayAfter(d calendar.Date) time.Time { return d.AddDays(1).In(clock.Shanghai) }

// nextCaseNo takes the next case number of the year from its counter row,
// locked for the rest of the transaction: SP2026-000123.
func nextCaseNo(ctx context.Context, tx *sqlx.Tx, year int) (string, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO approval_case_counters (year, last_no) VALUES (?, 0)
		ON DUPLICATE KEY UPDATE last_no = last_no`, year); err != nil {
		return "", fmt.Errorf("case counter: %w", err)
	}
	var last int
	if err := tx.GetContext(ctx, &last, `SELECT last_no FROM approval_case_counters WHERE year = ? FOR UPDATE`, year); err != nil {
		return "", fmt.Errorf("lock case counter: %w", err)
	}
	last++
	if _, err := tx.ExecContext(ctx, `UPDATE approval_case_counters SET last_no = ? WHERE year = ?`, last, year); err != nil {
		return "", fmt.Errorf("advance case counter: %w", err)
	}
	return FormatCaseNo(year, last), nil
}

// FormatCaseNo writes a case number: SP2026-000123.
func FormatCaseNo(year, n int) string { return fmt.Sprintf("SP%d-%06d", year, n) }

// queryCodeAlphabet has no look-alike characters (0/O, 1/I/L).
const queryCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// QueryCodeLen is the length of a query code: 31^10 ≈ 8·10^14 codes.
const QueryCodeLen = 10

func newQueryCode() (string, error) {
	b := make([]byte, QueryCodeLen)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(queryCodeAlphabet))))
		if err != nil {
			return "", err
		}
		b[i] = queryCodeAlphabet[n.Int64()]
	}
	return string(b), nil
}

// NormalizeQueryCode folds full-width characters, upper-cases a code as
// typed and drops spaces and dashes.
func NormalizeQueryCode(s string) string {
	s = idcode.HalfWidth(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t', '\u3000':
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func (s *Service) lookupHash(code string) string { return s.Vault.Blind("approval.lookup", code) }

// accept accepts the case counted from day (the acceptance date): its
// promised and legal limits and one step per department, each with its
// own limit and timed event.
func (s *Service) accept(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, r *caseRow, it *Item, day calendar.Date, now time.Time) error {
	due := cal.AddWorkingDays(day, it.PromisedDays)
	legal := cal.AddWorkingDays(day, it.LegalDays)
	if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, accepted_at = ?, due_on = ?, legal_due_on = ?, updated_at = ?, version = version + 1
		WHERE id = ?`, CaseInReview, now, due.String(), legal.String(), now, r.ID); err != nil {
		return fmt.Errorf("accept case %d: %w", r.ID, err)
	}
	depts := it.Depts
	if it.CaseType != TypeJoint || len(depts) == 0 {
		depts = []ItemDept{{DeptOrgID: it.DeptOrgID, DeptName: it.DeptName, Task: "审查并提出审批意见", Days: it.PromisedDays}}
	}
	for _, d := range depts {
		stepDue := cal.AddWorkingDays(day, d.Days)
		res, err := tx.ExecContext(ctx, `INSERT INTO approval_steps (case_id, dept_org_id, task, due_on, status) VALUES (?, ?, ?, ?, ?)`,
			r.ID, d.DeptOrgID, d.Task, stepDue.String(), StepPending)
		if err != nil {
			return fmt.Errorf("insert step: %w", err)
		}
		sid, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := schedule.At(ctx, tx, StepDueEvent, stepTarget(sid), startOfDayAfter(stepDue), now); err != nil {
			return err
		}
	}
	ev := audit.Event{Action: "approval.case.accept", ObjectType: "approval_case", ObjectID: fmt.Sprint(r.ID),
		Summary: map[string]any{"case_no": r.CaseNo, "accepted_on": day.String(), "due_on": due.String(), "legal_due_on": legal.String(),
			"steps": len(depts)}}
	return audit.Record(ctx, tx, now, ev)
}

// decideOnSpot accepts and decides an instant item at the window.
func (s *Service) decideOnSpot(ctx context.Context, tx *sqlx.Tx, cal *calendar.Calendar, r *caseRow, decision, note string, now time.Time) error {
	today := calendar.DateOf(now, clock.Shanghai)
	deliver := DeliverDueOn(cal, today)
	if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, accepted_at = ?, due_on = ?, legal_due_on = ?, decision = ?,
		decision_note = ?, decided_at = ?, deliver_due_on = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		CaseDecided, now, today.String(), today.String(), decision, note, now, deliver.String(), now, r.ID); err != nil {
		return fmt.Errorf("decide case %d on the spot: %w", r.ID, err)
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.decide", ObjectType: "approval_case", ObjectID: fmt.Sprint(r.ID),
		Summary: map[string]any{"case_no": r.CaseNo, "decision": decision, "on_the_spot": true, "deliver_due_on": deliver.String()}})
}

// DeliverDays is the delivery limit of 行政许可法 44 (十日, counted in
// working days by article 82).
const DeliverDays = 10

// DeliverDueOn is the last day to deliver a decision made on decided: the
// 10th working day after it (counted as the other limits are, from the
// day of the act).
func DeliverDueOn(cal *calendar.Calendar, decided calendar.Date) calendar.Date {
	return cal.AddWorkingDays(decided, DeliverDays)
}

// refuse records 不予受理. The written reason is the case's (the receipt
// prints it); the audit event, which supervisors read and export, holds its
// length only, as every free text of the hall: a clerk's reason may name
// the applicant or quote an ID number.
func (s *Service) refuse(ctx context.Context, tx *sqlx.Tx, r *caseRow, reason string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, refused_reason = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		CaseRefused, reason, now, r.ID); err != nil {
		return fmt.Errorf("refuse case %d: %w", r.ID, err)
	}
	if err := schedule.Cancel(ctx, tx, MaterialsDueEvent, caseTarget(r.ID), now); err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.refuse", ObjectType: "approval_case", ObjectID: fmt.Sprint(r.ID),
		Summary: map[string]any{"case_no": r.CaseNo, "reason_chars": utf8.RuneCountInString(reason)}})
}

// Refuse refuses an application not yet accepted (不予受理, clerk), with
// the written reason.
func (s *Service) Refuse(ctx context.Context, id int64, reason string) error {
	if _, err := requireClerk(ctx); err != nil {
		return err
	}
	var f problem.Fields
	reason = checkText(&f, "reason", "不予受理理由", reason, 1000)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, _, err := lockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status != CaseReceived && r.Status != CaseIncomplete {
			return problem.New(problem.Conflict, "case_not_refusable", "办件已受理或已办结（"+CaseStatusNames[r.Status]+"），不能再作不予受理")
		}
		return s.refuse(ctx, tx, r, reason, now)
	})
}

// CompleteMaterials records materials handed in after 一次性告知 (clerk):
// positions are added to those provided; once nothing required is missing
// the case is accepted from today.
func (s *Service) CompleteMaterials(ctx context.Context, id int64, provided []int) (*Case, error) {
	if _, err := requireClerk(ctx); err != nil {
		return nil, err
	}
	if len(provided) == 0 {
		return nil, problem.InvalidField("provided", "provided_required", "请勾选申请人补正提交的材料")
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, it, err := lockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status != CaseIncomplete {
			return problem.New(problem.Conflict, "case_not_incomplete", "办件不在待补正状态（"+CaseStatusNames[r.Status]+"）")
		}
		var f problem.Fields
		set := checkProvided(provided, len(it.Materials), &f)
		if err := f.Err(); err != nil {
			return err
		}
		for p := range set {
			if _, err := tx.ExecContext(ctx, `UPDATE approval_case_materials SET provided = TRUE WHERE case_id = ? AND position = ?`, id, p); err != nil {
				return fmt.Errorf("case %d material %d: %w", id, p, err)
			}
		}
		var missing int
		if err := tx.GetContext(ctx, &missing, `SELECT COUNT(*) FROM approval_case_materials WHERE case_id = ? AND required AND NOT provided`, id); err != nil {
			return fmt.Errorf("case %d missing materials: %w", id, err)
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.materials", ObjectType: "approval_case", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"case_no": r.CaseNo, "added": len(set), "missing": missing}}); err != nil {
			return err
		}
		if missing > 0 {
			return nil
		}
		if err := schedule.Cancel(ctx, tx, MaterialsDueEvent, caseTarget(id), now); err != nil {
			return err
		}
		if it.CaseType == TypeInstant {
			return s.decideOnSpot(ctx, tx, cal, r, DecisionApproved, "", now)
		}
		return s.accept(ctx, tx, cal, r, it, calendar.DateOf(now, clock.Shanghai), now)
	})
	if err != nil {
		return nil, err
	}
	return s.loadCase(ctx, s.DB, id)
}

// HandleMaterialsDue is the handler of MaterialsDueEvent.
func (s *Service) HandleMaterialsDue(ctx context.Context, target string) error {
	id, err := schedule.TargetID(target, "case")
	if err != nil {
		return err
	}
	return s.LapseUnsupplemented(ctx, id)
}

// LapseUnsupplemented closes a case still incomplete after its
// materials_due: the applicant did not complete the materials in the
// supplement period, and the application is deemed withdrawn (逾期未补正，
// 视为撤回申请; [practice], the period a setting). Not an acceptance:
// 行政许可法 32 (四) deems an application accepted only when the authority
// fails to give its 一次性告知 within five days, and the window always gives
// it at intake. Idempotent: a case no longer incomplete, or whose deadline
// has not passed, is left as it is.
func (s *Service) LapseUnsupplemented(ctx context.Context, id int64) error {
	ctx = audit.WithActor(ctx, audit.System)
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		r, _, err := lockCase(ctx, tx, id)
		if problem.Is(err, "case_not_found") {
			return nil
		}
		if err != nil {
			return err
		}
		due := dateOf(r.MaterialsDue)
		if r.Status != CaseIncomplete || due == nil || !calendar.DateOf(now, clock.Shanghai).After(*due) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, decision_note = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			CaseWithdrawn, "补正期限（"+due.String()+"）届满未补正，视为撤回申请", now, id); err != nil {
			return fmt.Errorf("lapse case %d: %w", id, err)
		}
		if err := cancelCaseEvents(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.lapse", ObjectType: "approval_case", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"case_no": r.CaseNo, "materials_due": due.String()}})
	})
}

// Withdraw records the applicant's written request to withdraw the
// application before the decision (clerk); the note says how it was made.
func (s *Service) Withdraw(ctx context.Context, id int64, note string) error {
	if _, err := requireClerk(ctx); err != nil {
		return err
	}
	var f problem.Fields
	note = checkText(&f, "note", "撤回申请说明（申请人书面申请）", note, 1000)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, _, err := lockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if !r.toCase().Open() {
			return problem.New(problem.Conflict, "case_not_withdrawable", "办件已作出决定或已结束（"+CaseStatusNames[r.Status]+"），不能撤回")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, decision_note = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			CaseWithdrawn, note, now, id); err != nil {
			return fmt.Errorf("withdraw case %d: %w", id, err)
		}
		// A suspended case's clock stop ends with it (nothing resumes it).
		if r.Status == CaseSuspended {
			if err := s.endSuspension(ctx, tx, id, calendar.DateOf(now, clock.Shanghai)); err != nil {
				return err
			}
		}
		if err := cancelCaseEvents(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.withdraw", ObjectType: "approval_case", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"case_no": r.CaseNo, "from": r.Status}})
	})
}

func cancelCaseEvents(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	if err := schedule.Cancel(ctx, tx, MaterialsDueEvent, caseTarget(id), now); err != nil {
		return err
	}
	var steps []int64
	if err := tx.SelectContext(ctx, &steps, `SELECT id FROM approval_steps WHERE case_id = ? AND status = ?`, id, StepPending); err != nil {
		return fmt.Errorf("steps of case %d: %w", id, err)
	}
	for _, sid := range steps {
		if err := schedule.Cancel(ctx, tx, StepDueEvent, stepTarget(sid), now); err != nil {
			return err
		}
	}
	return nil
}

// Deliver records that the decision was delivered to the applicant (送达,
// clerk; 行政许可法 44: within 10 working days of the decision, the case's
// deliver_due_on, which 电子监察 watches). A late delivery is recorded all
// the same: the red warning stays on the record.
func (s *Service) Deliver(ctx context.Context, id int64) error {
	if _, err := requireClerk(ctx); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		r, _, err := lockCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status == CaseDelivered {
			msg := "办件已经送达，不能重复送达"
			if r.DeliveredAt.Valid {
				msg = "办件已于" + r.DeliveredAt.Time.In(clock.Shanghai).Format("2006-01-02 15:04") + "送达，不能重复送达"
			}
			return problem.New(problem.Conflict, "case_delivered", msg)
		}
		if r.Status != CaseDecided {
			return problem.New(problem.Conflict, "case_not_decided", "办件尚未作出决定（"+CaseStatusNames[r.Status]+"），不能送达")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_cases SET status = ?, delivered_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			CaseDelivered, now, now, id); err != nil {
			return fmt.Errorf("deliver case %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.case.deliver", ObjectType: "approval_case", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"case_no": r.CaseNo, "decision": r.Decision}})
	})
}

// loadCase reads a case with its materials, steps and suspensions.
func (s *Service) loadCase(ctx context.Context, q sqlx.QueryerContext, id int64) (*Case, error) {
	r, _, err := readCase(ctx, q, id)
	if err != nil {
		return nil, err
	}
	c := r.toCase()
	if err := sqlx.SelectContext(ctx, q, &c.Materials, `SELECT position, name, required, provided, note FROM approval_case_materials
		WHERE case_id = ? ORDER BY position`, id); err != nil {
		return nil, fmt.Errorf("materials of case %d: %w", id, err)
	}
	if c.Steps, err = caseSteps(ctx, q, id); err != nil {
		return nil, err
	}
	if c.Suspensions, err = caseSuspensions(ctx, q, id); err != nil {
		return nil, err
	}
	if c.Extension, err = caseExtension(ctx, q, id); err != nil {
		return nil, err
	}
	if x := c.Extension; x != nil {
		cal, err := s.calendar(ctx)
		if err != nil {
			return nil, err
		}
		x.DueAfter, x.LegalDueAfter = cal.AddWorkingDays(x.DueBefore, x.Days), cal.AddWorkingDays(x.LegalDueBefore, x.Days)
	}
	return c, nil
}

// canSeeCase: clerks and supervisors see every case; approvers the cases
// their department has a step in or leads; administrators none (they keep
// the catalogue and handle no case).
func canSeeCase(a audit.Actor, c *Case) bool {
	if a.Has(accounts.RoleClerk) || a.Has(accounts.RoleSupervisor) {
		return true
	}
	if !a.Has(accounts.RoleApprover) || a.OrgID == 0 {
		return false
	}
	if c.DeptOrgID == a.OrgID {
		return true
	}
	for _, st := range c.Steps {
		if st.DeptOrgID == a.OrgID {
			return true
		}
	}
	return false
}

// Case returns one case to those who may see it (others: not found).
func (s *Service) Case(ctx context.Context, id int64) (*Case, error) {
	c, err := s.loadCase(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !canSeeCase(audit.ActorFrom(ctx), c) {
		return nil, errCaseNotFound()
	}
	return c, nil
}

// CaseFilter selects cases for the window's lists.
type CaseFilter struct {
	Mine   bool   // taken by the acting clerk
	Status string // one status, or "" for all
	Q      string // case number or applicant name contains
	Limit  int    // default 200
	// AwaitingDelivery: decided cases not yet delivered (Status is then
	// ignored), the nearest delivery limit first.
	AwaitingDelivery bool
}

// Cases lists cases, newest first (clerks, supervisors).
func (s *Service) Cases(ctx context.Context, f CaseFilter) ([]Case, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleClerk) && !a.Has(accounts.RoleSupervisor) {
		return nil, problem.New(problem.Forbidden, "forbidden", "无权查看办件列表")
	}
	if f.Status != "" && CaseStatusNames[f.Status] == "" {
		return nil, problem.InvalidField("status", "status_invalid", "办件状态不正确")
	}
	q := `SELECT ` + caseColumns + caseFrom + ` WHERE 1 = 1`
	var args []any
	if f.Mine {
		q += ` AND c.clerk_user_id = ?`
		args = append(args, a.UserID)
	}
	switch {
	case f.AwaitingDelivery:
		q += ` AND c.status = ?`
		args = append(args, CaseDecided)
	case f.Status != "":
		q += ` AND c.status = ?`
		args = append(args, f.Status)
	}
	if f.Q = strings.TrimSpace(f.Q); f.Q != "" {
		if utf8.RuneCountInString(f.Q) > 100 {
			return nil, problem.InvalidField("q", "too_long", "查询内容不能超过100个字")
		}
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Q) + "%"
		q += ` AND (c.case_no LIKE ? OR c.applicant_name LIKE ?)`
		args = append(args, like, like)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	order := `c.received_at DESC, c.id DESC`
	if f.AwaitingDelivery {
		order = `c.deliver_due_on IS NULL, c.deliver_due_on, c.id`
	}
	q += fmt.Sprintf(` ORDER BY %s LIMIT %d`, order, f.Limit)
	var rows []caseRow
	if err := s.DB.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	out := make([]Case, len(rows))
	for i := range rows {
		out[i] = *rows[i].toCase()
	}
	return out, nil
}
