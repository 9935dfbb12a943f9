package approval

// The catalogue (事项目录): items with their 八公开, kept by admins and
// read by anyone. An edit bumps the item's version and keeps a snapshot of
// it (approval_item_versions), so a case shows the item as it stood when
// the case was taken.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Material is one entry of an item's materials list (申请材料目录).
type Material struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Copies   int    `json:"copies"`
	Note     string `json:"note,omitempty"`
}

// ItemDept is one department of a joint item (联办件) with its task and
// limit in working days.
type ItemDept struct {
	DeptOrgID int64  `json:"dept_org_id" db:"dept_org_id"`
	DeptName  string `json:"dept_name" db:"dept_name"`
	Task      string `json:"task" db:"task"`
	Days      int    `json:"days" db:"days"`
}

// Item is a catalogue item with its 八公开.
type Item struct {
	ID           int64      `json:"id" db:"id"`
	Code         string     `json:"code" db:"code"`
	Name         string     `json:"name" db:"name"`
	DeptOrgID    int64      `json:"dept_org_id" db:"dept_org_id"`
	DeptName     string     `json:"dept_name" db:"dept_name"`
	CaseType     string     `json:"case_type" db:"case_type"`
	LegalBasis   string     `json:"legal_basis" db:"legal_basis"`
	Conditions   string     `json:"conditions" db:"conditions"`
	Materials    []Material `json:"materials" db:"-"`
	Procedure    string     `json:"procedure" db:"procedure_text"`
	LegalDays    int        `json:"legal_days" db:"legal_days"`
	PromisedDays int        `json:"promised_days" db:"promised_days"`
	Fee          string     `json:"fee" db:"fee"`
	FeeBasis     string     `json:"fee_basis" db:"fee_basis"`
	Contact      string     `json:"contact" db:"contact"`
	Status       string     `json:"status" db:"status"`
	Version      int        `json:"version" db:"version"`
	Depts        []ItemDept `json:"depts" db:"-"`
	CreatedAt    time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at" db:"updated_at"`

	MaterialsJSON string `json:"-" db:"materials"`
}

// TypeName is the Chinese name of the case type.
func (it *Item) TypeName() string { return CaseTypeNames[it.CaseType] }

// ItemInput is what an admin enters for an item. Depts is for joint items
// only (the lead department among them); the other types have the lead
// department alone, with the promised limit.
type ItemInput struct {
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	DeptOrgID    int64      `json:"dept_org_id"`
	CaseType     string     `json:"case_type"`
	LegalBasis   string     `json:"legal_basis"`
	Conditions   string     `json:"conditions"`
	Materials    []Material `json:"materials"`
	Procedure    string     `json:"procedure"`
	LegalDays    int        `json:"legal_days"`
	PromisedDays int        `json:"promised_days"`
	Fee          string     `json:"fee"`
	FeeBasis     string     `json:"fee_basis"`
	Contact      string     `json:"contact"`
	Depts        []ItemDept `json:"depts"`
}

// Limits of the catalogue. A legal limit above 60 working days is beyond
// what 行政许可法 42 allows even extended (45 + 15 for joint handling).
const (
	MaxLegalDays = 60
	maxMaterials = 50
	maxDepts     = 10
)

var itemCodeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

func (in *ItemInput) normalise() {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	in.CaseType = strings.TrimSpace(in.CaseType)
	in.LegalBasis = strings.TrimSpace(in.LegalBasis)
	in.Conditions = strings.TrimSpace(in.Conditions)
	in.Procedure = strings.TrimSpace(in.Procedure)
	in.Fee = strings.TrimSpace(in.Fee)
	in.FeeBasis = strings.TrimSpace(in.FeeBasis)
	in.Contact = strings.TrimSpace(in.Contact)
	for i := range in.Materials {
		in.Materials[i].Name = strings.TrimSpace(in.Materials[i].Name)
		in.Materials[i].Note = strings.TrimSpace(in.Materials[i].Note)
		if in.Materials[i].Copies == 0 {
			in.Materials[i].Copies = 1
		}
	}
	for i := range in.Depts {
		in.Depts[i].Task = strings.TrimSpace(in.Depts[i].Task)
	}
}

func textField(f *problem.Fields, field, v, what string, max int, required bool) {
	switch n := utf8.RuneCountInString(v); {
	case n == 0 && required:
		f.Add(field, "required", "请填写"+what)
	case n > max:
		f.Add(field, "too_long", fmt.Sprintf("%s不能超过%d个字", what, max))
	}
}

// checkText trims a required text (a reason, note, opinion or answer),
// checks it as textField does and returns it trimmed.
func checkText(fs *problem.Fields, field, label, v string, max int) string {
	v = strings.TrimSpace(v)
	textField(fs, field, v, label, max, true)
	return v
}

// MaxPromisedDays is the longest promised limit the cut rule allows for a
// legal limit: legal × (100 − cut) / 100, rounded down (cut in per cent).
func MaxPromisedDays(legal, cutPct int) int {
	return legal * (100 - cutPct) / 100
}

// check validates the input's shape and limits (not the departments'
// existence), every fault at once. cutPct is the setting
// approval.promised_cut_pct.
func (in *ItemInput) check(f *problem.Fields, cutPct int) {
	if !itemCodeRE.MatchString(in.Code) {
		f.Add("code", "item_code_invalid", "事项编码应为2到32位大写字母、数字或连字符，如 ZJ-001")
	}
	textField(f, "name", in.Name, "事项名称", 200, true)
	if in.DeptOrgID <= 0 {
		f.Add("dept_org_id", "required", "请选择实施部门")
	}
	if CaseTypeNames[in.CaseType] == "" {
		f.Add("case_type", "case_type_invalid", "请选择办件类型（即办件、承诺件、联办件、上报件）")
	}
	textField(f, "legal_basis", in.LegalBasis, "设定依据", 5000, true)
	textField(f, "conditions", in.Conditions, "受理条件", 5000, true)
	textField(f, "procedure", in.Procedure, "办理流程", 5000, true)
	textField(f, "fee", in.Fee, "收费标准", 500, false)
	textField(f, "fee_basis", in.FeeBasis, "收费依据", 500, false)
	textField(f, "contact", in.Contact, "咨询方式", 200, false)

	switch {
	case len(in.Materials) == 0:
		f.Add("materials", "materials_required", "请列出申请材料（至少一项）")
	case len(in.Materials) > maxMaterials:
		f.Add("materials", "too_many", fmt.Sprintf("申请材料不能超过%d项", maxMaterials))
	}
	seen := map[string]bool{}
	for i, m := range in.Materials {
		field := fmt.Sprintf("materials[%d].name", i)
		textField(f, field, m.Name, "材料名称", 200, true)
		if m.Name != "" && seen[m.Name] {
			f.Add(field, "material_duplicate", "材料“"+m.Name+"”重复列出")
		}
		seen[m.Name] = true
		if m.Copies < 1 || m.Copies > 99 {
			f.Add(fmt.Sprintf("materials[%d].copies", i), "copies_invalid", "份数应为1到99")
		}
		textField(f, fmt.Sprintf("materials[%d].note", i), m.Note, "材料说明", 500, false)
	}

	if in.CaseType == TypeInstant {
		if in.LegalDays != 0 || in.PromisedDays != 0 {
			f.Add("promised_days", "instant_days", "即办件当场办结，法定时限和承诺时限均为0个工作日")
		}
	} else if CaseTypeNames[in.CaseType] != "" {
		switch {
		case in.LegalDays < 1 || in.LegalDays > MaxLegalDays:
			f.Add("legal_days", "legal_days_invalid", fmt.Sprintf("法定时限应为1到%d个工作日", MaxLegalDays))
		case in.PromisedDays < 1:
			f.Add("promised_days", "promised_days_invalid", "承诺时限至少为1个工作日")
		case in.PromisedDays > in.LegalDays:
			f.Add("promised_days", "promised_exceeds_legal", fmt.Sprintf("承诺时限（%d个工作日）不能超过法定时限（%d个工作日）", in.PromisedDays, in.LegalDays))
		case (in.CaseType == TypePromised || in.CaseType == TypeJoint) && cutPct > 0 && in.PromisedDays > MaxPromisedDays(in.LegalDays, cutPct):
			f.Add("promised_days", "promised_not_shorter", fmt.Sprintf("承诺时限应比法定时限压缩至少%d%%：法定%d个工作日，承诺不超过%d个工作日", cutPct, in.LegalDays, MaxPromisedDays(in.LegalDays, cutPct)))
		}
	}

	if in.CaseType != TypeJoint {
		if len(in.Depts) > 0 {
			f.Add("depts", "depts_not_joint", "只有联办件列出多个部门")
		}
		return
	}
	switch {
	case len(in.Depts) < 2:
		f.Add("depts", "depts_required", "联办件至少列出两个部门（含牵头部门）")
	case len(in.Depts) > maxDepts:
		f.Add("depts", "too_many", fmt.Sprintf("联办部门不能超过%d个", maxDepts))
	}
	lead := false
	ids := map[int64]bool{}
	for i, d := range in.Depts {
		if d.DeptOrgID <= 0 {
			f.Add(fmt.Sprintf("depts[%d].dept_org_id", i), "required", "请选择部门")
		} else if ids[d.DeptOrgID] {
			f.Add(fmt.Sprintf("depts[%d].dept_org_id", i), "dept_duplicate", "同一部门重复列出")
		}
		ids[d.DeptOrgID] = true
		if d.DeptOrgID == in.DeptOrgID {
			lead = true
		}
		textField(f, fmt.Sprintf("depts[%d].task", i), d.Task, "部门办理事项", 200, true)
		if d.Days < 1 || (in.PromisedDays >= 1 && d.Days > in.PromisedDays) {
			f.Add(fmt.Sprintf("depts[%d].days", i), "dept_days_invalid", fmt.Sprintf("部门时限应为1到%d个工作日（不超过承诺时限）", max(in.PromisedDays, 1)))
		}
	}
	if len(in.Depts) >= 2 && in.DeptOrgID > 0 && !lead {
		f.Add("depts", "lead_dept_missing", "联办部门中应包括牵头（实施）部门")
	}
}

// requireRole returns the actor when it holds role.
func requireRole(ctx context.Context, role, message string) (audit.Actor, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(role) {
		return a, problem.New(problem.Forbidden, "forbidden", message)
	}
	return a, nil
}

// watchedDept is the department a supervisor's view covers: the one asked
// for (0: all) for a supervisor, an approver's own department whatever was
// asked; anyone else is refused seeing what (整改, 督办, …).
func watchedDept(ctx context.Context, asked int64, what string) (int64, error) {
	a := audit.ActorFrom(ctx)
	switch {
	case a.Has(accounts.RoleSupervisor):
		return asked, nil
	case a.Has(accounts.RoleApprover) && a.OrgID != 0:
		return a.OrgID, nil
	}
	return asked, problem.New(problem.Forbidden, "forbidden", "只有监督人员和审批部门可以查看"+what)
}

// checkDepts checks that every department named is an active organisation
// of kind department and returns their names.
func checkDepts(ctx context.Context, q sqlx.QueryerContext, in *ItemInput, f *problem.Fields) (map[int64]string, error) {
	names := map[int64]string{}
	one := func(field string, id int64) error {
		if id <= 0 {
			return nil
		}
		if _, ok := names[id]; ok {
			return nil
		}
		var o struct {
			Name   string `db:"name"`
			Kind   string `db:"kind"`
			Status string `db:"status"`
		}
		err := sqlx.GetContext(ctx, q, &o, `SELECT name, kind, status FROM organisations WHERE id = ?`, id)
		if errors.Is(err, sql.ErrNoRows) {
			f.Add(field, "dept_not_found", "部门不存在")
			return nil
		}
		if err != nil {
			return fmt.Errorf("department %d: %w", id, err)
		}
		if o.Kind != accounts.OrgDepartment || o.Status != accounts.StatusActive {
			f.Add(field, "not_a_department", "“"+o.Name+"”不是正常状态的行政部门")
			return nil
		}
		names[id] = o.Name
		return nil
	}
	if err := one("dept_org_id", in.DeptOrgID); err != nil {
		return nil, err
	}
	for i, d := range in.Depts {
		if err := one(fmt.Sprintf("depts[%d].dept_org_id", i), d.DeptOrgID); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// prepareItem checks an item input completely (shape, settings and the
// departments) and returns the department names.
func (s *Service) prepareItem(ctx context.Context, in *ItemInput) (map[int64]string, error) {
	in.normalise()
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var f problem.Fields
	in.check(&f, st.PromisedCutPct)
	names, err := checkDepts(ctx, s.DB, in, &f)
	if err != nil {
		return nil, err
	}
	return names, f.Err()
}

func errItemCodeTaken(code string) error {
	p := problem.InvalidField("code", "item_code_taken", "事项编码 "+code+" 已被使用")
	p.Kind = problem.Conflict
	return p
}

// CreateItem adds an item to the catalogue (admin), active, version 1.
func (s *Service) CreateItem(ctx context.Context, in ItemInput) (int64, error) {
	if _, err := requireRole(ctx, accounts.RoleAdmin, "只有系统管理员可以维护事项目录"); err != nil {
		return 0, err
	}
	names, err := s.prepareItem(ctx, &in)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		mats, _ := json.Marshal(in.Materials)
		res, err := tx.ExecContext(ctx, `INSERT INTO approval_items (code, name, dept_org_id, case_type, legal_basis, conditions, materials,
			procedure_text, legal_days, promised_days, fee, fee_basis, contact, status, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			in.Code, in.Name, in.DeptOrgID, in.CaseType, in.LegalBasis, in.Conditions, string(mats), in.Procedure,
			in.LegalDays, in.PromisedDays, in.Fee, in.FeeBasis, in.Contact, ItemActive, now, now)
		if db.IsDuplicate(err) {
			return errItemCodeTaken(in.Code)
		}
		if err != nil {
			return fmt.Errorf("insert item: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := writeItemDepts(ctx, tx, id, &in); err != nil {
			return err
		}
		if err := s.snapshotItem(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.item.create", ObjectType: "approval_item", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"code": in.Code, "name": in.Name, "case_type": in.CaseType, "dept": names[in.DeptOrgID],
				"legal_days": in.LegalDays, "promised_days": in.PromisedDays}})
	})
	return id, err
}

func writeItemDepts(ctx context.Context, tx *sqlx.Tx, id int64, in *ItemInput) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM approval_item_depts WHERE item_id = ?`, id); err != nil {
		return fmt.Errorf("clear item departments: %w", err)
	}
	for i, d := range in.Depts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO approval_item_depts (item_id, dept_org_id, position, task, days) VALUES (?, ?, ?, ?, ?)`,
			id, d.DeptOrgID, i+1, d.Task, d.Days); err != nil {
			return fmt.Errorf("insert item department: %w", err)
		}
	}
	return nil
}

// snapshotItem records the item as it now stands under its version.
func (s *Service) snapshotItem(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	it, err := loadItem(ctx, tx, id)
	if err != nil {
		return err
	}
	b, err := json.Marshal(it)
	if err != nil {
		return err
	}
	a := audit.ActorFrom(ctx)
	var by any
	if a.UserID != 0 {
		by = a.UserID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO approval_item_versions (item_id, version, snapshot, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, it.Version, string(b), by, now); err != nil {
		return fmt.Errorf("snapshot item %d: %w", id, err)
	}
	return nil
}

// UpdateItem changes an item (admin); its code stays. The version goes up
// by one: cases already taken keep the version they were taken under.
func (s *Service) UpdateItem(ctx context.Context, id int64, in ItemInput) (version int, err error) {
	if _, err := requireRole(ctx, accounts.RoleAdmin, "只有系统管理员可以维护事项目录"); err != nil {
		return 0, err
	}
	code := strings.ToUpper(strings.TrimSpace(in.Code))
	var cur struct {
		Code    string `db:"code"`
		Version int    `db:"version"`
	}
	if err := s.DB.GetContext(ctx, &cur, `SELECT code, version FROM approval_items WHERE id = ?`, id); errors.Is(err, sql.ErrNoRows) {
		return 0, errItemNotFound()
	} else if err != nil {
		return 0, fmt.Errorf("item %d: %w", id, err)
	}
	if code == "" {
		in.Code = cur.Code
	} else if code != cur.Code {
		return 0, problem.InvalidField("code", "item_code_fixed", "事项编码不能修改（当前为 "+cur.Code+"）")
	}
	names, err := s.prepareItem(ctx, &in)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &version, `SELECT version FROM approval_items WHERE id = ? FOR UPDATE`, id); err != nil {
			return fmt.Errorf("lock item %d: %w", id, err)
		}
		version++
		mats, _ := json.Marshal(in.Materials)
		if _, err := tx.ExecContext(ctx, `UPDATE approval_items SET name = ?, dept_org_id = ?, case_type = ?, legal_basis = ?, conditions = ?,
			materials = ?, procedure_text = ?, legal_days = ?, promised_days = ?, fee = ?, fee_basis = ?, contact = ?, version = ?, updated_at = ?
			WHERE id = ?`, in.Name, in.DeptOrgID, in.CaseType, in.LegalBasis, in.Conditions, string(mats), in.Procedure,
			in.LegalDays, in.PromisedDays, in.Fee, in.FeeBasis, in.Contact, version, now, id); err != nil {
			return fmt.Errorf("update item %d: %w", id, err)
		}
		if err := writeItemDepts(ctx, tx, id, &in); err != nil {
			return err
		}
		if err := s.snapshotItem(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.item.update", ObjectType: "approval_item", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"code": in.Code, "version": version, "case_type": in.CaseType, "dept": names[in.DeptOrgID],
				"legal_days": in.LegalDays, "promised_days": in.PromisedDays}})
	})
	return version, err
}

// SetItemStatus activates or deactivates an item (admin). An inactive item
// takes no new cases; cases already taken go on.
func (s *Service) SetItemStatus(ctx context.Context, id int64, status string) error {
	if _, err := requireRole(ctx, accounts.RoleAdmin, "只有系统管理员可以维护事项目录"); err != nil {
		return err
	}
	if status != ItemActive && status != ItemInactive {
		return problem.InvalidField("status", "item_status_invalid", "状态应为 active（启用）或 inactive（停用）")
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var cur string
		if err := tx.GetContext(ctx, &cur, `SELECT status FROM approval_items WHERE id = ? FOR UPDATE`, id); errors.Is(err, sql.ErrNoRows) {
			return errItemNotFound()
		} else if err != nil {
			return fmt.Errorf("lock item %d: %w", id, err)
		}
		if cur == status {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_items SET status = ?, updated_at = ? WHERE id = ?`, status, now, id); err != nil {
			return fmt.Errorf("item %d status: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.item.status", ObjectType: "approval_item", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"from": cur, "to": status}})
	})
}

func errItemNotFound() error {
	return problem.New(problem.NotFound, "item_not_found", "事项不存在")
}

const itemColumns = `i.id, i.code, i.name, i.dept_org_id, o.name AS dept_name, i.case_type, i.legal_basis, i.conditions, i.materials,
	i.procedure_text, i.legal_days, i.promised_days, i.fee, i.fee_basis, i.contact, i.status, i.version, i.created_at, i.updated_at`

func loadItem(ctx context.Context, q sqlx.QueryerContext, id int64) (*Item, error) {
	var it Item
	err := sqlx.GetContext(ctx, q, &it, `SELECT `+itemColumns+` FROM approval_items i JOIN organisations o ON o.id = i.dept_org_id WHERE i.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errItemNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("item %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(it.MaterialsJSON), &it.Materials); err != nil {
		return nil, fmt.Errorf("item %d materials: %w", id, err)
	}
	if err := sqlx.SelectContext(ctx, q, &it.Depts, `SELECT d.dept_org_id, o.name AS dept_name, d.task, d.days
		FROM approval_item_depts d JOIN organisations o ON o.id = d.dept_org_id WHERE d.item_id = ? ORDER BY d.position`, id); err != nil {
		return nil, fmt.Errorf("item %d departments: %w", id, err)
	}
	if it.Depts == nil {
		it.Depts = []ItemDept{}
	}
	return &it, nil
}

// Item returns one item. Inactive items are shown to admins only.
func (s *Service) Item(ctx context.Context, id int64) (*Item, error) {
	it, err := loadItem(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if it.Status != ItemActive && !audit.ActorFrom(ctx).Has(accounts.RoleAdmin) {
		return nil, errItemNotFound()
	}
	return it, nil
}

// ItemVersion returns the item as it stood under version (the case's).
func (s *Service) ItemVersion(ctx context.Context, id int64, version int) (*Item, error) {
	it, err := itemVersion(ctx, s.DB, id, version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errItemNotFound()
	}
	return it, err
}

func unmarshalItem(snapshot string, it *Item) error {
	if err := json.Unmarshal([]byte(snapshot), it); err != nil {
		return err
	}
	if it.Depts == nil {
		it.Depts = []ItemDept{}
	}
	return nil
}

// ItemFilter selects catalogue items.
type ItemFilter struct {
	Q         string // in the code or name
	DeptOrgID int64
	All       bool // inactive items too (admins only)
}

// Items lists the catalogue by code: active items for everyone, every
// item for admins asking for all.
func (s *Service) Items(ctx context.Context, f ItemFilter) ([]Item, error) {
	q := `SELECT ` + itemColumns + ` FROM approval_items i JOIN organisations o ON o.id = i.dept_org_id WHERE 1 = 1`
	var args []any
	if !f.All || !audit.ActorFrom(ctx).Has(accounts.RoleAdmin) {
		q += ` AND i.status = ?`
		args = append(args, ItemActive)
	}
	if f.Q = strings.TrimSpace(f.Q); f.Q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Q) + "%"
		q += ` AND (i.code LIKE ? OR i.name LIKE ? OR o.name LIKE ?)`
		args = append(args, like, like, like)
	}
	if f.DeptOrgID > 0 {
		q += ` AND (i.dept_org_id = ? OR EXISTS (SELECT 1 FROM approval_item_depts d WHERE d.item_id = i.id AND d.dept_org_id = ?))`
		args = append(args, f.DeptOrgID, f.DeptOrgID)
	}
	q += ` ORDER BY i.code LIMIT 500`
	var items []Item
	if err := s.DB.SelectContext(ctx, &items, q, args...); err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}
	byID := map[int64]*Item{}
	var ids []any
	for i := range items {
		if err := json.Unmarshal([]byte(items[i].MaterialsJSON), &items[i].Materials); err != nil {
			return nil, fmt.Errorf("item %d materials: %w", items[i].ID, err)
		}
		items[i].Depts = []ItemDept{}
		if items[i].CaseType == TypeJoint {
			byID[items[i].ID] = &items[i]
			ids = append(ids, items[i].ID)
		}
	}
	// A joint item's departments, as one item shows them: a list without
	// them would present a 联办件 with none.
	if len(ids) > 0 {
		var rows []struct {
			ItemID int64 `db:"item_id"`
			ItemDept
		}
		if err := s.DB.SelectContext(ctx, &rows, `SELECT d.item_id, d.dept_org_id, o.name AS dept_name, d.task, d.days
			FROM approval_item_depts d JOIN organisations o ON o.id = d.dept_org_id
			WHERE d.item_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY d.item_id, d.position`, ids...); err != nil {
			return nil, fmt.Errorf("items' departments: %w", err)
		}
		for _, r := range rows {
			it := byID[r.ItemID]
			it.Depts = append(it.Depts, r.ItemDept)
		}
	}
	if items == nil {
		items = []Item{}
	}
	return items, nil
}

// Department is an organisation of kind department (for the forms).
type Department struct {
	ID   int64  `json:"id" db:"id"`
	Name string `json:"name" db:"name"`
}

// Departments lists the active departments by name.
func (s *Service) Departments(ctx context.Context) ([]Department, error) {
	var out []Department
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, name FROM organisations WHERE kind = ? AND status = ? ORDER BY id`,
		accounts.OrgDepartment, accounts.StatusActive); err != nil {
		return nil, fmt.Errorf("departments: %w", err)
	}
	return out, nil
}
