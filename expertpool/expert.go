package expertpool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/idcode"
	"ggzy/minutes"
	"ggzy/problem"
)

// Expert statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRetired   = "retired"
)

// StatusNames are the Chinese names of expert statuses.
var StatusNames = map[string]string{StatusActive: "在库", StatusSuspended: "暂停", StatusRetired: "退出"}

// Categories.
const (
	CategoryTechnical = "technical"
	CategoryEconomic  = "economic"
)

// CategoryNames are the Chinese names of categories.
var CategoryNames = map[string]string{CategoryTechnical: "技术类", CategoryEconomic: "经济类"}

// Title levels; 副高级 and 正高级 are senior titles (高级职称).
var TitleLevels = []string{"正高级", "副高级", "中级", "初级"}

func isSenior(level string) bool { return level == "正高级" || level == "副高级" }

// vault purposes.
const (
	purposeIDNumber = "expert-idnumber"
	purposeSecret   = "expert-draw-secret"
)

// Expert is a registered expert as staff see it. The ID number is never
// kept in the clear: IDMasked is all that leaves the service.
type Expert struct {
	ID            int64         `db:"id" json:"id"`
	UserID        sql.NullInt64 `db:"user_id" json:"-"`
	Name          string        `db:"name" json:"name"`
	IDMasked      string        `db:"id_masked" json:"id_number_masked"`
	Phone         string        `db:"phone" json:"phone"`
	EmployerOrgID sql.NullInt64 `db:"employer_org_id" json:"-"`
	EmployerName  string        `db:"employer_name" json:"employer_name"`
	Category      string        `db:"category" json:"category"`
	Title         string        `db:"title" json:"title"`
	TitleLevel    string        `db:"title_level" json:"title_level"`
	Senior        bool          `db:"senior_title" json:"senior_title"`
	YearsInField  int           `db:"years_in_field" json:"years_in_field"`
	BirthDate     time.Time     `db:"birth_date" json:"-"`
	Region        string        `db:"region" json:"region"`
	Status        string        `db:"status" json:"status"`
	CreatedAt     time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time     `db:"updated_at" json:"updated_at"`

	Specialties  []string      `db:"-" json:"specialties"`
	Employments  []Employment  `db:"-" json:"employments,omitempty"`
	Leaves       []Leave       `db:"-" json:"leaves,omitempty"`
	Penalties    []Penalty     `db:"-" json:"penalties,omitempty"`
	Declarations []Declaration `db:"-" json:"declarations,omitempty"`
}

// Employment is one entry of the employment history.
type Employment struct {
	ID        int64         `db:"id" json:"id"`
	OrgID     sql.NullInt64 `db:"org_id" json:"-"`
	OrgName   string        `db:"org_name" json:"org_name"`
	StartedOn time.Time     `db:"started_on" json:"-"`
	EndedOn   sql.NullTime  `db:"ended_on" json:"-"`
}

// Leave is a period the expert is not available.
type Leave struct {
	ID       int64     `db:"id" json:"id"`
	StartsAt time.Time `db:"starts_at" json:"starts_at"`
	EndsAt   time.Time `db:"ends_at" json:"ends_at"`
	Reason   string    `db:"reason" json:"reason"`
}

// Penalty is a sanction; while it runs (until_on empty: for good) the expert
// is not drawn.
type Penalty struct {
	ID        int64        `db:"id" json:"id"`
	DecidedOn time.Time    `db:"decided_on" json:"-"`
	UntilOn   sql.NullTime `db:"until_on" json:"-"`
	Reason    string       `db:"reason" json:"reason"`
}

// Declaration kinds.
const (
	DeclRelative = "relative" // a near relative works at or directs the organisation
	DeclInterest = "interest" // an economic interest in the organisation
)

// Declaration is a declared relative at, or interest in, an organisation.
type Declaration struct {
	ID      int64         `db:"id" json:"id"`
	Kind    string        `db:"kind" json:"kind"`
	OrgID   sql.NullInt64 `db:"org_id" json:"-"`
	OrgName string        `db:"org_name" json:"org_name"`
	Detail  string        `db:"detail" json:"detail"`
}

// ExpertInput is what staff (or an import row) give to register an expert.
type ExpertInput struct {
	Name          string
	IDNumber      string
	Phone         string
	EmployerOrgID int64
	EmployerName  string
	Category      string
	Title         string
	TitleLevel    string
	YearsInField  int
	BirthDate     string // optional YYYY-MM-DD; must agree with the ID number
	Region        string
	Status        string // empty: active
	Specialties   []string
	UserID        int64 // the expert's login, optional
	Employments   []EmploymentInput
}

// EmploymentInput is one past or present employment.
type EmploymentInput struct {
	OrgID     int64
	OrgName   string
	StartedOn string // YYYY-MM-DD
	EndedOn   string // YYYY-MM-DD, empty while employed
}

// clean is validated input ready to store.
type clean struct {
	ExpertInput
	birth       time.Time
	senior      bool
	employments []cleanEmployment
}

type cleanEmployment struct {
	orgID   int64
	orgName string
	start   time.Time
	end     sql.NullTime
}

// ParseDate reads a YYYY-MM-DD calendar date (also YYYY/MM/DD and
// YYYYMMDD), refusing impossible dates such as 2023-02-30.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006/01/02", "20060102", "2006-1-2", "2006/1/2"} {
		if t, err := time.Parse(layout, s); err == nil {
			// A registry's dates (births, appointments, penalties) fall
			// in 1900–2099; year 1 became year 0 in the database, a 500.
			return t, t.Year() >= 1900 && t.Year() <= 2099
		}
	}
	return time.Time{}, false
}

func validRegion(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s[0] != '0'
}

// validate checks every field and records each problem; today is the
// centre's calendar day.
func (in ExpertInput) validate(f *problem.Fields, specs Specialties, today time.Time, requireID bool) clean {
	c := clean{ExpertInput: in}
	c.Name = strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(c.Name); n < 2 || n > 64 {
		f.Add("name", "name_invalid", "姓名应为2至64个字")
	} else if bad := minutes.Unprintable(c.Name); bad != "" {
		f.Add("name", "unprintable_chars", "姓名含有交易文书字库无法打印的字符“"+bad+"”")
	}
	c.IDNumber = idcode.NormalizeResidentID(in.IDNumber)
	switch {
	case c.IDNumber == "" && !requireID:
	case c.IDNumber == "":
		f.Add("id_number", "id_number_required", "请填写身份证号码")
	default:
		if birth, err := idcode.BirthDate(c.IDNumber); err != nil {
			f.AddErr("id_number", err)
		} else if birth.After(today) {
			f.Add("id_number", "id_birth_future", "身份证号码中的出生日期晚于今天")
		} else {
			c.birth = birth
		}
	}
	if strings.TrimSpace(in.BirthDate) != "" {
		bd, ok := ParseDate(in.BirthDate)
		switch {
		case !ok:
			f.Add("birth_date", "date_invalid", "出生日期不是有效日期（格式 2006-01-02）")
		case bd.After(today):
			f.Add("birth_date", "birth_future", "出生日期晚于今天")
		case !c.birth.IsZero() && !bd.Equal(c.birth):
			f.Add("birth_date", "birth_mismatch", "出生日期与身份证号码不一致")
		}
	}
	c.Phone = idcode.NormalizeMobile(in.Phone)
	if err := idcode.ValidateMobile(c.Phone); err != nil {
		f.AddErr("phone", err)
	}
	c.EmployerName = strings.TrimSpace(in.EmployerName)
	if c.EmployerName == "" && in.EmployerOrgID == 0 {
		f.Add("employer_name", "employer_required", "请填写工作单位")
	}
	if utf8.RuneCountInString(c.EmployerName) > 200 {
		f.Add("employer_name", "too_long", "工作单位名称过长")
	}
	if _, ok := CategoryNames[in.Category]; !ok {
		f.Add("category", "category_invalid", "类别应为技术类（technical）或经济类（economic）")
	}
	c.Title = strings.TrimSpace(in.Title)
	if c.Title == "" || utf8.RuneCountInString(c.Title) > 64 {
		f.Add("title", "title_invalid", "请填写职称（不超过64个字）")
	}
	levelOK := false
	for _, l := range TitleLevels {
		levelOK = levelOK || l == in.TitleLevel
	}
	if !levelOK {
		f.Add("title_level", "title_level_invalid", "职称级别应为正高级、副高级、中级或初级")
	}
	c.senior = isSenior(in.TitleLevel)
	if in.YearsInField < 0 || in.YearsInField > 70 {
		f.Add("years_in_field", "years_invalid", "从业年限应为0至70年")
	}
	if !validRegion(in.Region) {
		f.Add("region", "region_invalid", "所在地区应为6位行政区划代码")
	}
	if c.Status == "" {
		c.Status = StatusActive
	}
	if _, ok := StatusNames[c.Status]; !ok {
		f.Add("status", "status_invalid", "状态应为在库、暂停或退出")
	}
	if len(in.Specialties) == 0 {
		f.Add("specialties", "specialty_required", "请至少选择一个评标专业")
	}
	seen := map[string]bool{}
	c.Specialties = c.Specialties[:0:0]
	for _, code := range in.Specialties {
		code = strings.TrimSpace(code)
		sp, ok := specs.ByName(code)
		switch {
		case !ok:
			f.Add("specialties", "specialty_unknown", fmt.Sprintf("评标专业“%s”不在分类中", code))
		case !specs.IsLeaf(sp.Code):
			f.Add("specialties", "specialty_not_leaf", fmt.Sprintf("“%s”是大类，请选择具体专业", sp.Name))
		case !seen[sp.Code]:
			seen[sp.Code] = true
			c.Specialties = append(c.Specialties, sp.Code)
		}
	}
	var validPeriod []bool
	for i, e := range in.Employments {
		field := "employments[" + strconv.Itoa(i) + "]"
		ce := cleanEmployment{orgID: e.OrgID, orgName: strings.TrimSpace(e.OrgName)}
		if ce.orgName == "" && ce.orgID == 0 {
			f.Add(field+".org_name", "employer_required", "请填写任职单位")
		}
		start, ok := ParseDate(e.StartedOn)
		if !ok {
			f.Add(field+".started_on", "date_invalid", "起始日期不是有效日期")
		} else if start.After(today) {
			f.Add(field+".started_on", "date_future", "起始日期晚于今天")
		}
		ce.start = start
		if strings.TrimSpace(e.EndedOn) != "" {
			end, ok := ParseDate(e.EndedOn)
			switch {
			case !ok:
				f.Add(field+".ended_on", "date_invalid", "结束日期不是有效日期")
			case end.Before(start):
				f.Add(field+".ended_on", "date_order", "结束日期早于起始日期")
			default:
				ce.end = sql.NullTime{Time: end, Valid: true}
			}
		}
		// Two posts at the same organisation in one registration must not
		// overlap either (records.go).
		periodOK := ok && (strings.TrimSpace(e.EndedOn) == "" || ce.end.Valid)
		for j, prev := range c.employments {
			if periodOK && validPeriod[j] && ce.sameOrg(prev) && ce.overlaps(prev) {
				p := errOverlap(problem.Invalid, field+".", ce, prev)
				f.Add(p.Fields[0].Name, p.Code, p.Message)
				break
			}
		}
		c.employments = append(c.employments, ce)
		validPeriod = append(validPeriod, periodOK)
	}
	return c
}

func today(clk clock.Clock) time.Time {
	t := clk.Now().In(clock.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// checkRefs checks the organisation and user an expert refers to.
func checkRefs(ctx context.Context, q sqlx.QueryerContext, f *problem.Fields, c *clean) error {
	if c.EmployerOrgID != 0 {
		var name string
		err := sqlx.GetContext(ctx, q, &name, `SELECT name FROM organisations WHERE id = ?`, c.EmployerOrgID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f.Add("employer_org_id", "org_not_found", "工作单位不存在")
		case err != nil:
			return fmt.Errorf("read employer: %w", err)
		case c.EmployerName == "":
			c.EmployerName = name
		}
	}
	// A past employer named by id must exist: the employment rule avoids
	// the expert for that organisation's projects. Its name is kept with
	// the entry, as AddEmployment keeps it.
	for i, e := range c.employments {
		if e.orgID == 0 {
			continue
		}
		var name string
		err := sqlx.GetContext(ctx, q, &name, `SELECT name FROM organisations WHERE id = ?`, e.orgID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f.Add("employments["+strconv.Itoa(i)+"].org_id", "org_not_found", "任职单位不存在")
		case err != nil:
			return fmt.Errorf("read employment organisation: %w", err)
		case e.orgName == "":
			c.employments[i].orgName = name
		}
	}
	if c.UserID != 0 {
		var n int
		if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role = 'expert'`, c.UserID); err != nil {
			return fmt.Errorf("read user roles: %w", err)
		}
		if n == 0 {
			f.Add("user_id", "user_not_expert", "关联账号不存在或不是评标专家角色")
		}
	}
	return nil
}

const insertExpert = `INSERT INTO experts (user_id, name, id_sealed, id_blind, id_masked, phone, employer_org_id, employer_name,
  category, title, title_level, senior_title, years_in_field, birth_date, region, status, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func (s *Service) sealID(idNumber string) (sealed []byte, blind string, err error) {
	if s.Vault == nil {
		return nil, "", errors.New("expertpool: no vault configured")
	}
	sealed, err = s.Vault.Seal(purposeIDNumber, "", []byte(idNumber))
	if err != nil {
		return nil, "", fmt.Errorf("seal ID number: %w", err)
	}
	return sealed, s.Vault.Blind(purposeIDNumber, idNumber), nil
}

var errDuplicate = problem.InvalidField("id_number", "expert_duplicate", "该身份证号码已登记为专家")

// CreateExpert registers an expert.
func (s *Service) CreateExpert(ctx context.Context, in ExpertInput) (int64, error) {
	specs, err := loadSpecialties(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	var f problem.Fields
	c := in.validate(&f, specs, today(s.Clock), true)
	if err := checkRefs(ctx, s.DB, &f, &c); err != nil {
		return 0, err
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	sealed, blind, err := s.sealID(c.IDNumber)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if err := userFree(ctx, tx, c.UserID, 0); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, insertExpert, nullInt(c.UserID), c.Name, sealed, blind, idcode.MaskResidentID(c.IDNumber), c.Phone,
			nullInt(c.EmployerOrgID), c.EmployerName, c.Category, c.Title, c.TitleLevel, c.senior, c.YearsInField, c.birth, c.Region, c.Status, now, now)
		if db.IsDuplicate(err) {
			return errDuplicate
		}
		if err != nil {
			return fmt.Errorf("insert expert: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := writeLinks(ctx, tx, id, c); err != nil {
			return err
		}
		for _, e := range c.employments {
			if _, err := tx.ExecContext(ctx, `INSERT INTO expert_employments (expert_id, org_id, org_name, started_on, ended_on) VALUES (?, ?, ?, ?, ?)`,
				id, nullInt(e.orgID), e.orgName, e.start, e.end); err != nil {
				return fmt.Errorf("insert employment: %w", err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "expert.create", ObjectType: "expert", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"specialties": c.Specialties, "status": c.Status}})
	})
	return id, err
}

// userFree refuses to link a login that another expert already holds.
func userFree(ctx context.Context, tx *sqlx.Tx, userID, self int64) error {
	if userID == 0 {
		return nil
	}
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM experts WHERE user_id = ? AND id <> ?`, userID, self); err != nil {
		return fmt.Errorf("check user link: %w", err)
	}
	if n > 0 {
		return problem.InvalidField("user_id", "user_already_expert", "该账号已关联其他专家")
	}
	return nil
}

// writeLinks rewrites an expert's specialty links with the eligibility
// columns the pool query reads, and bumps the registry version (pool.go).
func writeLinks(ctx context.Context, ext sqlx.ExtContext, id int64, c clean) error {
	if err := bumpRegistry(ctx, ext); err != nil {
		return err
	}
	if _, err := ext.ExecContext(ctx, `DELETE FROM expert_specialty_links WHERE expert_id = ?`, id); err != nil {
		return fmt.Errorf("clear specialties: %w", err)
	}
	if len(c.Specialties) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO expert_specialty_links (specialty_code, expert_id, status, region, birth_date, senior_title, years_in_field, employer_org_id) VALUES `)
	args := make([]any, 0, 8*len(c.Specialties))
	for i, code := range c.Specialties {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, code, id, c.Status, c.Region, c.birth, c.senior, c.YearsInField, nullInt(c.EmployerOrgID))
	}
	if _, err := ext.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("write specialties: %w", err)
	}
	return nil
}

const selectExpert = `SELECT id, user_id, name, id_masked, phone, employer_org_id, employer_name, category, title, title_level,
  senior_title, years_in_field, birth_date, region, status, created_at, updated_at FROM experts`

// Expert returns an expert with the history, leave, penalties and
// declarations.
func (s *Service) Expert(ctx context.Context, id int64) (*Expert, error) {
	return loadExpert(ctx, s.DB, id, false)
}

func loadExpert(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (*Expert, error) {
	var e Expert
	query := selectExpert + ` WHERE id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &e, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "expert_not_found", "专家不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("read expert %d: %w", id, err)
	}
	if err := sqlx.SelectContext(ctx, q, &e.Specialties, `SELECT specialty_code FROM expert_specialty_links WHERE expert_id = ? ORDER BY specialty_code`, id); err != nil {
		return nil, err
	}
	if err := sqlx.SelectContext(ctx, q, &e.Employments, `SELECT id, org_id, org_name, started_on, ended_on FROM expert_employments WHERE expert_id = ? ORDER BY started_on DESC, id DESC`, id); err != nil {
		return nil, err
	}
	if err := sqlx.SelectContext(ctx, q, &e.Leaves, `SELECT id, starts_at, ends_at, reason FROM expert_leaves WHERE expert_id = ? ORDER BY starts_at DESC`, id); err != nil {
		return nil, err
	}
	if err := sqlx.SelectContext(ctx, q, &e.Penalties, `SELECT id, decided_on, until_on, reason FROM expert_penalties WHERE expert_id = ? ORDER BY decided_on DESC`, id); err != nil {
		return nil, err
	}
	if err := sqlx.SelectContext(ctx, q, &e.Declarations, `SELECT id, kind, org_id, org_name, detail FROM expert_declarations WHERE expert_id = ? ORDER BY id`, id); err != nil {
		return nil, err
	}
	return &e, nil
}

// ExpertFilter selects experts for the staff list.
type ExpertFilter struct {
	Query     string // name, or a full ID number (found by its blind index)
	Specialty string
	Status    string
	AfterID   int64
	Limit     int
}

// ListExperts lists experts by id, 50 a page by default.
func (s *Service) ListExperts(ctx context.Context, f ExpertFilter) ([]Expert, error) {
	where := []string{"1=1"}
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		if n := idcode.NormalizeResidentID(q); idcode.ValidateResidentID(n) == nil && s.Vault != nil {
			where = append(where, "id_blind = ?")
			args = append(args, s.Vault.Blind(purposeIDNumber, n))
		} else {
			where = append(where, "name LIKE ?")
			args = append(args, strings.NewReplacer("%", `\%`, "_", `\_`).Replace(q)+"%")
		}
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if f.Specialty != "" {
		where = append(where, "id IN (SELECT expert_id FROM expert_specialty_links WHERE specialty_code = ?)")
		args = append(args, f.Specialty)
	}
	if f.AfterID > 0 {
		where = append(where, "id > ?")
		args = append(args, f.AfterID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var out []Expert
	query := selectExpert + " WHERE " + strings.Join(where, " AND ") + " ORDER BY id LIMIT " + strconv.Itoa(f.Limit)
	if err := sqlx.SelectContext(ctx, s.DB, &out, query, args...); err != nil {
		return nil, fmt.Errorf("list experts: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]any, len(out))
	idx := map[int64]int{}
	for i := range out {
		ids[i] = out[i].ID
		idx[out[i].ID] = i
	}
	q, qargs, err := sqlx.In(`SELECT expert_id, specialty_code FROM expert_specialty_links WHERE expert_id IN (?) ORDER BY expert_id, specialty_code`, ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, q, qargs...)
	if err != nil {
		return nil, fmt.Errorf("list specialties: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, err
		}
		out[idx[id]].Specialties = append(out[idx[id]].Specialties, code)
	}
	return out, rows.Err()
}

// UpdateExpert rewrites an expert's registry entry. An empty ID number keeps
// the stored one. A change of employer closes the current employment and
// opens a new one, so the three-year rule sees it.
func (s *Service) UpdateExpert(ctx context.Context, id int64, in ExpertInput) error {
	specs, err := loadSpecialties(ctx, s.DB)
	if err != nil {
		return err
	}
	var f problem.Fields
	c := in.validate(&f, specs, today(s.Clock), false)
	if err := checkRefs(ctx, s.DB, &f, &c); err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	var sealed []byte
	var blind string
	if c.IDNumber != "" {
		if sealed, blind, err = s.sealID(c.IDNumber); err != nil {
			return err
		}
	}
	now := s.Clock.Now()
	day := today(s.Clock)
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		old, err := loadExpert(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if c.IDNumber == "" {
			c.birth = old.BirthDate
		} else {
			if _, err := tx.ExecContext(ctx, `UPDATE experts SET id_sealed = ?, id_blind = ?, id_masked = ? WHERE id = ?`,
				sealed, blind, idcode.MaskResidentID(c.IDNumber), id); err != nil {
				if db.IsDuplicate(err) {
					return errDuplicate
				}
				return fmt.Errorf("update ID number: %w", err)
			}
		}
		if c.UserID == 0 && old.UserID.Valid {
			c.UserID = old.UserID.Int64
		}
		if err := userFree(ctx, tx, c.UserID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE experts SET user_id = ?, name = ?, phone = ?, employer_org_id = ?, employer_name = ?, category = ?,
			title = ?, title_level = ?, senior_title = ?, years_in_field = ?, birth_date = ?, region = ?, status = ?, updated_at = ? WHERE id = ?`,
			nullInt(c.UserID), c.Name, c.Phone, nullInt(c.EmployerOrgID), c.EmployerName, c.Category, c.Title, c.TitleLevel, c.senior,
			c.YearsInField, c.birth, c.Region, c.Status, now, id); err != nil {
			return fmt.Errorf("update expert %d: %w", id, err)
		}
		if err := employerChanged(ctx, tx, id, old, c.EmployerOrgID, c.EmployerName, day); err != nil {
			return err
		}
		if err := writeLinks(ctx, tx, id, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "expert.update", ObjectType: "expert", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"status": c.Status, "specialties": c.Specialties, "id_number_changed": c.IDNumber != ""}})
	})
}

// employerChanged records a change of employer in the history.
func employerChanged(ctx context.Context, tx *sqlx.Tx, id int64, old *Expert, orgID int64, name string, day time.Time) error {
	if old.EmployerOrgID.Int64 == orgID && old.EmployerName == name {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE expert_employments SET ended_on = ? WHERE expert_id = ? AND ended_on IS NULL`, day, id); err != nil {
		return fmt.Errorf("close employment: %w", err)
	}
	if old.EmployerOrgID.Valid || old.EmployerName != "" {
		// The old employer may not be in the history yet (registered
		// without one): record it as ending today.
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM expert_employments WHERE expert_id = ? AND org_name = ? AND ended_on = ?`, id, old.EmployerName, day); err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO expert_employments (expert_id, org_id, org_name, started_on, ended_on) VALUES (?, ?, ?, ?, ?)`,
				id, nullInt(old.EmployerOrgID.Int64), old.EmployerName, old.CreatedAt.Truncate(24*time.Hour), day); err != nil {
				return fmt.Errorf("record old employment: %w", err)
			}
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO expert_employments (expert_id, org_id, org_name, started_on) VALUES (?, ?, ?, ?)`, id, nullInt(orgID), name, day)
	if err != nil {
		return fmt.Errorf("open employment: %w", err)
	}
	return nil
}
