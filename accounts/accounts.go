// Package accounts owns organisations, users and their roles, passwords,
// server-side sessions and API tokens, and login throttling.
package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
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

// Roles.
const (
	RoleStaff      = "staff"
	RoleAgency     = "agency"
	RoleBidder     = "bidder"
	RoleExpert     = "expert"
	RoleSupervisor = "supervisor"
	RoleClerk      = "clerk"
	RoleApprover   = "approver"
	RoleAdmin      = "admin"
)

// AllRoles in the order a user's primary role is chosen.
var AllRoles = []string{RoleAdmin, RoleStaff, RoleSupervisor, RoleClerk, RoleApprover, RoleAgency, RoleBidder, RoleExpert}

// RoleNames are the Chinese names of the roles.
var RoleNames = map[string]string{
	RoleStaff:      "交易中心工作人员",
	RoleAgency:     "招标代理机构",
	RoleBidder:     "投标人",
	RoleExpert:     "评标专家",
	RoleSupervisor: "监督人员",
	RoleClerk:      "窗口工作人员",
	RoleApprover:   "审批部门",
	RoleAdmin:      "系统管理员",
}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { _, ok := RoleNames[r]; return ok }

// Organisation kinds.
const (
	OrgCentre     = "centre"
	OrgAgency     = "agency"
	OrgBidder     = "bidder"
	OrgDepartment = "department"
	OrgOther      = "other"
)

// OrgKindNames are the Chinese names of organisation kinds.
var OrgKindNames = map[string]string{
	OrgCentre:     "公共资源交易中心",
	OrgAgency:     "招标代理机构/招标人",
	OrgBidder:     "投标人/供应商",
	OrgDepartment: "行政/监督部门",
	OrgOther:      "其他单位",
}

// Statuses of organisations and users.
const (
	StatusPending  = "pending"
	StatusActive   = "active"
	StatusRejected = "rejected"
	StatusDisabled = "disabled"
)

// StatusNames are the Chinese names of statuses.
var StatusNames = map[string]string{
	StatusPending:  "待审核",
	StatusActive:   "正常",
	StatusRejected: "已退回",
	StatusDisabled: "已停用",
}

// Organisation is a legal entity identified by its 统一社会信用代码.
type Organisation struct {
	ID           int64         `db:"id"`
	Name         string        `db:"name"`
	USCC         string        `db:"uscc"`
	Kind         string        `db:"kind"`
	Status       string        `db:"status"`
	ContactName  string        `db:"contact_name"`
	ContactPhone string        `db:"contact_phone"`
	Address      string        `db:"address"`
	ReviewNote   string        `db:"review_note"`
	ReviewedBy   sql.NullInt64 `db:"reviewed_by"`
	ReviewedAt   sql.NullTime  `db:"reviewed_at"`
	CreatedAt    time.Time     `db:"created_at"`
}

// User is a person who logs in.
type User struct {
	ID           int64         `db:"id"`
	Username     string        `db:"username"`
	DisplayName  string        `db:"display_name"`
	Phone        string        `db:"phone"`
	PasswordHash string        `db:"password_hash" json:"-"`
	OrgID        sql.NullInt64 `db:"org_id"`
	Status       string        `db:"status"`
	CreatedAt    time.Time     `db:"created_at"`
	UpdatedAt    time.Time     `db:"updated_at"`
	LastLoginAt  sql.NullTime  `db:"last_login_at"`
	// MustChangePassword: an administrator set the password; nothing but
	// replacing it is allowed until the user does.
	MustChangePassword bool     `db:"must_change_password"`
	Roles              []string `db:"-"`
	OrgName            string   `db:"-"`
	OrgStatus          string   `db:"-"`
}

// PrimaryRole is the first of the user's roles in AllRoles order.
func (u *User) PrimaryRole() string {
	for _, r := range AllRoles {
		for _, have := range u.Roles {
			if r == have {
				return r
			}
		}
	}
	return ""
}

// Actor turns the user into the audit actor for a request from ip.
func (u *User) Actor(ip string) audit.Actor {
	return audit.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: u.PrimaryRole(),
		Roles: append([]string(nil), u.Roles...), OrgID: u.OrgID.Int64, IP: ip}
}

// Service is the accounts service. Each method is one transaction.
type Service struct {
	DB       *sqlx.DB
	Clock    clock.Clock
	Password PasswordParams
	// Web sessions end after IdleTimeout without a request, and at the latest
	// AbsoluteTimeout after login. API tokens live TokenLifetime.
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	TokenLifetime   time.Duration
	Throttle        ThrottlePolicy
	// SessionCacheTTL is how long this instance trusts a verified session
	// without reading it again (0: always read it). Logout, disabling a user,
	// changing its roles and a new password take effect at once on this
	// instance; on another instance after at most this long.
	SessionCacheTTL time.Duration

	sessions  sessionCache
	dummyOnce sync.Once
	dummyHash string
}

// New returns a service with the default settings.
func New(x *sqlx.DB, clk clock.Clock) *Service {
	return &Service{DB: x, Clock: clk, Password: DefaultPasswordParams,
		IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour, TokenLifetime: 12 * time.Hour,
		Throttle: DefaultThrottle, SessionCacheTTL: 2 * time.Second}
}

var usernameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{2,31}$`)

// ValidateUsername checks a login name.
func ValidateUsername(f *problem.Fields, field, s string) {
	if !usernameRe.MatchString(s) {
		f.Add(field, "username_invalid", "用户名须为3-32位字母、数字、下划线、点或连字符，且以字母开头")
	}
}

// ValidatePassword checks a new password.
func ValidatePassword(f *problem.Fields, field, s string) {
	if utf8.RuneCountInString(s) < 10 {
		f.Add(field, "password_too_short", "密码至少10位")
	} else if utf8.RuneCountInString(s) > 128 {
		f.Add(field, "password_too_long", "密码不能超过128位")
	}
}

func validateName(f *problem.Fields, field, s, what string, max int) {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n == 0 {
		f.Add(field, "required", what+"不能为空")
	} else if n > max {
		f.Add(field, "too_long", fmt.Sprintf("%s不能超过%d个字", what, max))
	} else if bad := minutes.Unprintable(s); bad != "" {
		f.Add(field, "unprintable_chars", fmt.Sprintf("%s含有交易文书字库无法打印的字符“%s”，请改用规范汉字（或联系交易中心）", what, bad))
	}
}

// OrgInput describes a new organisation.
type OrgInput struct {
	Name         string
	USCC         string
	Kind         string
	ContactName  string
	ContactPhone string
	Address      string
}

func (in *OrgInput) validate(f *problem.Fields) {
	in.Name = strings.TrimSpace(in.Name)
	in.USCC = strings.ToUpper(strings.TrimSpace(in.USCC))
	validateName(f, "org_name", in.Name, "单位名称", 200)
	if err := idcode.ValidateUSCC(in.USCC); err != nil {
		f.AddErr("uscc", err)
	}
	if _, ok := OrgKindNames[in.Kind]; !ok {
		f.Add("org_kind", "org_kind_unknown", "单位类型不正确")
	}
	if utf8.RuneCountInString(in.ContactName) > 64 {
		f.Add("contact_name", "too_long", "联系人不能超过64个字")
	}
	if in.ContactPhone != "" && len(in.ContactPhone) > 32 {
		f.Add("contact_phone", "too_long", "联系电话过长")
	}
	if utf8.RuneCountInString(in.Address) > 255 {
		f.Add("address", "too_long", "地址过长")
	}
}

// RegistrationInput is a self-registration of an agency or bidder
// organisation with its first user.
type RegistrationInput struct {
	Org         OrgInput
	Username    string
	DisplayName string
	Phone       string
	Password    string
}

// Register records a pending organisation and its pending first user; staff
// approve or return it. An organisation that staff returned registers again
// under the same USCC: its record goes back to pending with the corrected
// data (the record keeps its id; the returned version and the reason stay in
// the audit chain), and a first user of the returned registration may sign
// up again under the same username.
func (s *Service) Register(ctx context.Context, in RegistrationInput) (orgID int64, err error) {
	var f problem.Fields
	in.Org.validate(&f)
	if in.Org.Kind != OrgAgency && in.Org.Kind != OrgBidder {
		f.Add("org_kind", "org_kind_not_self_service", "只有招标代理机构/招标人和投标人可以自行注册")
	}
	ValidateUsername(&f, "username", in.Username)
	validateName(&f, "display_name", in.DisplayName, "姓名", 64)
	ValidatePassword(&f, "password", in.Password)
	if err := f.Err(); err != nil {
		return 0, err
	}
	hash, err := HashPassword(s.Password, in.Password)
	if err != nil {
		return 0, err
	}
	role := RoleAgency
	if in.Org.Kind == OrgBidder {
		role = RoleBidder
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		id, returned, err := registerOrg(ctx, tx, in.Org, now)
		if err != nil {
			return err
		}
		user := UserInput{Username: in.Username, DisplayName: in.DisplayName, Phone: in.Phone, OrgID: id, Roles: []string{role}}
		var userID int64
		if returned != nil {
			if userID, err = reuseReturnedUser(ctx, tx, user, hash, now); err != nil {
				return err
			}
		}
		reused := userID != 0
		if !reused {
			if userID, err = insertUser(ctx, tx, user, hash, StatusPending, now); err != nil {
				return err
			}
		}
		orgID = id
		summary := map[string]any{"name": in.Org.Name, "uscc": in.Org.USCC, "kind": in.Org.Kind, "user_id": userID, "username": in.Username}
		action := "org.register"
		if returned != nil {
			action = "org.resubmit"
			summary["user_reused"] = reused
			summary["returned"] = map[string]any{"name": returned.Name, "kind": returned.Kind, "contact_name": returned.ContactName,
				"contact_phone": returned.ContactPhone, "address": returned.Address, "review_note": returned.ReviewNote,
				"reviewed_by": returned.ReviewedBy.Int64, "reviewed_at": returned.ReviewedAt.Time}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "organisation", ObjectID: fmt.Sprint(id), Summary: summary})
	})
	return orgID, err
}

// errUSCCTaken is a new value each time: handlers rename fields in place.
func errUSCCTaken() error {
	return problem.InvalidField("uscc", "uscc_taken", "该统一社会信用代码已注册")
}

// registerOrg inserts a pending organisation or, when staff returned the
// registration of this USCC, puts that record back to pending with the new
// data and returns it as it was. A pending, active or disabled organisation
// keeps its USCC.
func registerOrg(ctx context.Context, tx *sqlx.Tx, in OrgInput, now time.Time) (int64, *Organisation, error) {
	// A plain read first: a new USCC is inserted as before (the UNIQUE key
	// decides between two at once), and an existing record is then locked
	// directly, so two re-submissions queue instead of deadlocking.
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM organisations WHERE uscc = ?`, in.USCC)
	if errors.Is(err, sql.ErrNoRows) {
		id, err := insertOrg(ctx, tx, in, StatusPending, now)
		return id, nil, err
	}
	if err != nil {
		return 0, nil, fmt.Errorf("find organisation by USCC: %w", err)
	}
	var old Organisation
	if err := tx.GetContext(ctx, &old, `SELECT `+orgColumns+` FROM organisations WHERE id = ? FOR UPDATE`, id); err != nil {
		return 0, nil, fmt.Errorf("lock organisation %d: %w", id, err)
	}
	if old.Status != StatusRejected {
		return 0, nil, errUSCCTaken()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = ?, kind = ?, status = ?, contact_name = ?, contact_phone = ?, address = ?,
		review_note = '', reviewed_by = NULL, reviewed_at = NULL WHERE id = ?`,
		in.Name, in.Kind, StatusPending, in.ContactName, in.ContactPhone, in.Address, id); err != nil {
		return 0, nil, fmt.Errorf("resubmit organisation %d: %w", id, err)
	}
	return id, &old, nil
}

// reuseReturnedUser gives the username of a user of the returned
// registration back to its organisation's new submission: the user is
// pending again with the new name, phone, password and role. It returns 0
// when the username is not such a user (a new user is inserted then).
func reuseReturnedUser(ctx context.Context, tx *sqlx.Tx, in UserInput, hash string, now time.Time) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE username = ? AND org_id = ?`, in.Username, in.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find user %s: %w", in.Username, err)
	}
	var status string
	if err := tx.GetContext(ctx, &status, `SELECT status FROM users WHERE id = ? FOR UPDATE`, id); err != nil {
		return 0, fmt.Errorf("lock user %d: %w", id, err)
	}
	if status != StatusRejected {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, phone = ?, password_hash = ?, status = ?, updated_at = ? WHERE id = ?`,
		in.DisplayName, in.Phone, hash, StatusPending, now, id); err != nil {
		return 0, fmt.Errorf("resubmit user %d: %w", id, err)
	}
	return id, writeRoles(ctx, tx, id, in.Roles)
}

const orgColumns = `id, name, uscc, kind, status, contact_name, contact_phone, address, review_note, reviewed_by, reviewed_at, created_at`

func insertOrg(ctx context.Context, ext sqlx.ExtContext, in OrgInput, status string, now time.Time) (int64, error) {
	res, err := ext.ExecContext(ctx, `INSERT INTO organisations (name, uscc, kind, status, contact_name, contact_phone, address, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, in.Name, in.USCC, in.Kind, status, in.ContactName, in.ContactPhone, in.Address, now)
	if db.IsDuplicate(err) {
		return 0, errUSCCTaken()
	}
	if err != nil {
		return 0, fmt.Errorf("insert organisation: %w", err)
	}
	return res.LastInsertId()
}

// CreateOrganisation adds an active organisation (admin).
func (s *Service) CreateOrganisation(ctx context.Context, in OrgInput) (int64, error) {
	var f problem.Fields
	in.validate(&f)
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var id int64
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var err error
		if id, err = insertOrg(ctx, tx, in, StatusActive, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "org.create", ObjectType: "organisation", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"name": in.Name, "uscc": in.USCC, "kind": in.Kind}})
	})
	return id, err
}

// ReviewOrganisation approves or returns a pending organisation; approval
// activates its pending users.
func (s *Service) ReviewOrganisation(ctx context.Context, orgID int64, approve bool, note string) error {
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return problem.InvalidField("note", "note_required", "退回时须写明原因")
	}
	if utf8.RuneCountInString(note) > 500 {
		return problem.InvalidField("note", "too_long", "审核意见不能超过500字")
	}
	actor := audit.ActorFrom(ctx)
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var status string
		err := tx.GetContext(ctx, &status, `SELECT status FROM organisations WHERE id = ? FOR UPDATE`, orgID)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.NotFound, "org_not_found", "单位不存在")
		}
		if err != nil {
			return fmt.Errorf("lock organisation %d: %w", orgID, err)
		}
		if status != StatusPending {
			return problem.New(problem.Conflict, "org_not_pending", "该单位不在待审核状态")
		}
		newStatus, action := StatusRejected, "org.reject"
		if approve {
			newStatus, action = StatusActive, "org.approve"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET status = ?, review_note = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?`,
			newStatus, note, nullID(actor.UserID), now, orgID); err != nil {
			return fmt.Errorf("review organisation %d: %w", orgID, err)
		}
		userStatus := StatusRejected
		if approve {
			userStatus = StatusActive
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = ?, updated_at = ? WHERE org_id = ? AND status = ?`,
			userStatus, now, orgID, StatusPending); err != nil {
			return fmt.Errorf("review users of organisation %d: %w", orgID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "organisation", ObjectID: fmt.Sprint(orgID),
			Summary: map[string]any{"note": note}})
	})
}

// OrgFilter selects organisations.
type OrgFilter struct {
	Status string
	Kind   string
	Limit  int
}

// ListOrganisations lists organisations, newest first.
func (s *Service) ListOrganisations(ctx context.Context, f OrgFilter) ([]Organisation, error) {
	q := `SELECT ` + orgColumns + ` FROM organisations WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	var out []Organisation
	if err := s.DB.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return out, nil
}

// Organisation returns one organisation.
func (s *Service) Organisation(ctx context.Context, id int64) (*Organisation, error) {
	var o Organisation
	err := s.DB.GetContext(ctx, &o, `SELECT `+orgColumns+` FROM organisations WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "org_not_found", "单位不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("organisation %d: %w", id, err)
	}
	return &o, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
