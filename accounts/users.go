package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// UserInput describes a new user.
type UserInput struct {
	Username    string
	DisplayName string
	Phone       string
	OrgID       int64
	Roles       []string
	Password    string
	// MustChangePassword: the password was set by an administrator, and
	// the user replaces it at the first login.
	MustChangePassword bool
}

func validateRoles(f *problem.Fields, roles []string) {
	if len(roles) == 0 {
		f.Add("roles", "roles_required", "至少选择一个角色")
	}
	for _, r := range roles {
		if !ValidRole(r) {
			f.Add("roles", "role_unknown", "未知角色："+r)
		}
	}
	// One person does not sit on both sides: a bidder is not also an
	// agency, the centre's staff, a supervisor or an administrator, and an
	// agency is not also the centre's staff or a supervisor.
	for _, pair := range [][2]string{{RoleBidder, RoleAgency}, {RoleBidder, RoleStaff}, {RoleBidder, RoleSupervisor}, {RoleBidder, RoleAdmin},
		{RoleAgency, RoleStaff}, {RoleAgency, RoleSupervisor}} {
		if slices.Contains(roles, pair[0]) && slices.Contains(roles, pair[1]) {
			f.Add("roles", "roles_conflict", fmt.Sprintf("角色“%s”与“%s”不能由同一账号兼任", RoleNames[pair[0]], RoleNames[pair[1]]))
		}
	}
}

// checkRoleOrg refuses a bidder or agency role for a user whose
// organisation is not of that side: a bidder belongs to a bidder
// organisation, an agency user to an agency (or a tenderer registering its
// own projects, the same kind).
func checkRoleOrg(ctx context.Context, tx *sqlx.Tx, roles []string, orgID int64) error {
	need := map[string]string{RoleBidder: OrgBidder, RoleAgency: OrgAgency}
	var kind string
	for _, r := range roles {
		want, ok := need[r]
		if !ok {
			continue
		}
		if orgID == 0 {
			return problem.InvalidField("org_id", "org_required", RoleNames[r]+"账号须属于一个"+OrgKindNames[want]+"单位")
		}
		if kind == "" {
			if err := tx.GetContext(ctx, &kind, `SELECT kind FROM organisations WHERE id = ?`, orgID); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return problem.InvalidField("org_id", "org_not_found", "所属单位不存在")
				}
				return err
			}
		}
		if kind != want {
			return problem.InvalidField("roles", "role_org_mismatch", fmt.Sprintf("%s角色须属于%s单位，该账号所属单位是%s", RoleNames[r], OrgKindNames[want], OrgKindNames[kind]))
		}
	}
	return nil
}

const userColumns = `id, username, display_name, phone, password_hash, org_id, status, created_at, updated_at, last_login_at, must_change_password`

func insertUser(ctx context.Context, ext sqlx.ExtContext, in UserInput, hash, status string, now time.Time) (int64, error) {
	res, err := ext.ExecContext(ctx, `INSERT INTO users (username, display_name, phone, password_hash, org_id, status, created_at, updated_at, must_change_password)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Username, in.DisplayName, in.Phone, hash, nullID(in.OrgID), status, now, now, in.MustChangePassword)
	if db.IsDuplicate(err) {
		return 0, problem.InvalidField("username", "username_taken", "该用户名已被使用")
	}
	if db.IsForeignKey(err) {
		return 0, problem.InvalidField("org_id", "org_not_found", "所属单位不存在")
	}
	if err != nil {
		return 0, fmt.Errorf("insert user: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, writeRoles(ctx, ext, id, in.Roles)
}

func writeRoles(ctx context.Context, ext sqlx.ExtContext, userID int64, roles []string) error {
	if _, err := ext.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("clear roles of user %d: %w", userID, err)
	}
	seen := map[string]bool{}
	for _, r := range roles {
		if seen[r] {
			continue
		}
		seen[r] = true
		if _, err := ext.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, userID, r); err != nil {
			return fmt.Errorf("add role %s to user %d: %w", r, userID, err)
		}
	}
	return nil
}

// CreateUser adds an active user (admin).
func (s *Service) CreateUser(ctx context.Context, in UserInput) (int64, error) {
	in.Username = strings.TrimSpace(in.Username)
	var f problem.Fields
	ValidateUsername(&f, "username", in.Username)
	validateName(&f, "display_name", in.DisplayName, "姓名", 64)
	ValidatePassword(&f, "password", in.Password)
	validateRoles(&f, in.Roles)
	if err := f.Err(); err != nil {
		return 0, err
	}
	hash, err := HashPassword(s.Password, in.Password)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var err error
		if err := checkRoleOrg(ctx, tx, in.Roles, in.OrgID); err != nil {
			return err
		}
		if id, err = insertUser(ctx, tx, in, hash, StatusActive, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.create", ObjectType: "user", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"username": in.Username, "roles": in.Roles, "org_id": in.OrgID}})
	})
	return id, err
}

// UpdateUser changes a user's roles and status (admin).
func (s *Service) UpdateUser(ctx context.Context, id int64, roles []string, status string) error {
	var f problem.Fields
	validateRoles(&f, roles)
	if status != StatusActive && status != StatusDisabled {
		f.Add("status", "status_invalid", "状态只能是正常或停用")
	}
	if err := f.Err(); err != nil {
		return err
	}
	actor := audit.ActorFrom(ctx)
	if actor.UserID == id && status == StatusDisabled {
		return problem.InvalidField("status", "cannot_disable_self", "不能停用自己的账号")
	}
	if actor.UserID == id && actor.Has(RoleAdmin) && !slices.Contains(roles, RoleAdmin) {
		// The centre would be left without the one who can give it back.
		return problem.InvalidField("roles", "cannot_demote_self", "不能取消自己的管理员角色；请由另一位管理员办理")
	}
	now := s.Clock.Now()
	defer s.sessions.forget("", id) // new roles or status: read the user again
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		// The active admins, locked in id order: two admins removing each
		// other at once are decided one after the other, and the centre
		// keeps at least one.
		var admins []int64
		if err := tx.SelectContext(ctx, &admins, `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = ?
			WHERE u.status = ? ORDER BY u.id FOR UPDATE`, RoleAdmin, StatusActive); err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		if slices.Contains(admins, id) && len(admins) == 1 && (status != StatusActive || !slices.Contains(roles, RoleAdmin)) {
			return problem.InvalidField("roles", "last_admin", "这是最后一位启用的管理员，不能取消其管理员角色或停用")
		}
		var cur struct {
			Status string        `db:"status"`
			OrgID  sql.NullInt64 `db:"org_id"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT status, org_id FROM users WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.NotFound, "user_not_found", "用户不存在")
		}
		if err != nil {
			return fmt.Errorf("lock user %d: %w", id, err)
		}
		if err := checkRoleOrg(ctx, tx, roles, cur.OrgID.Int64); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = ?, updated_at = ? WHERE id = ?`, status, now, id); err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		if err := writeRoles(ctx, tx, id, roles); err != nil {
			return err
		}
		if status == StatusDisabled {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, id); err != nil {
				return fmt.Errorf("revoke sessions of user %d: %w", id, err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.update", ObjectType: "user", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"roles": roles, "status": status, "previous_status": cur.Status}})
	})
}

// SetPassword replaces a user's password (the user's own choice: no
// longer one to change) and ends their sessions.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	var f problem.Fields
	ValidatePassword(&f, "password", password)
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := HashPassword(s.Password, password)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	defer s.sessions.forget("", id) // its sessions end
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = FALSE, updated_at = ? WHERE id = ?`, hash, now, id)
		if err != nil {
			return fmt.Errorf("set password of user %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.New(problem.NotFound, "user_not_found", "用户不存在")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, id); err != nil {
			return fmt.Errorf("revoke sessions of user %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.password", ObjectType: "user", ObjectID: fmt.Sprint(id)})
	})
}

// tempAlphabet has no characters that read alike (0 O o, 1 l I, 5 S, 2 Z):
// the temporary password is read out or written down for its holder.
const tempAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRTUVWXY346789"

// TempPasswordLength: 12 characters of 52, about 68 bits.
const TempPasswordLength = 12

func tempPassword() (string, error) {
	b := make([]byte, TempPasswordLength)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(tempAlphabet))))
		if err != nil {
			return "", fmt.Errorf("temporary password: %w", err)
		}
		b[i] = tempAlphabet[n.Int64()]
	}
	return string(b), nil
}

// ResetPassword gives user id a new random temporary password, which it
// must replace at its next login, ends its sessions and returns the
// password to the administrator — once: only its hash is kept. For a user
// who forgot the password; administrators change their own on the account
// page.
func (s *Service) ResetPassword(ctx context.Context, id int64) (string, error) {
	if actor := audit.ActorFrom(ctx); actor.UserID == id {
		return "", problem.InvalidField("id", "cannot_reset_self", "不能重置自己的密码，请在“我的账号”中修改")
	}
	temp, err := tempPassword()
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(s.Password, temp)
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	defer s.sessions.forget("", id) // its sessions end
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var username string
		err := tx.GetContext(ctx, &username, `SELECT username FROM users WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.NotFound, "user_not_found", "用户不存在")
		}
		if err != nil {
			return fmt.Errorf("lock user %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = TRUE, updated_at = ? WHERE id = ?`, hash, now, id); err != nil {
			return fmt.Errorf("reset password of user %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, id); err != nil {
			return fmt.Errorf("revoke sessions of user %d: %w", id, err)
		}
		// A failed-login lock on the account ends with the reset.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE throttle_key = ?`, "u:"+throttleName(username)); err != nil {
			return fmt.Errorf("clear throttle of user %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.password_reset", ObjectType: "user", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"username": username}})
	})
	if err != nil {
		return "", err
	}
	return temp, nil
}

// UserFilter selects users.
type UserFilter struct {
	OrgID  int64
	Role   string
	Status string
	// Query matches the user name, the person's name or the
	// organisation's name (contains, case as the collation has it).
	Query   string
	AfterID int64 // paging: users with a larger id
	Limit   int
}

// Check validates a filter from outside (a page's or the API's query).
func (f UserFilter) Check() error {
	var fs problem.Fields
	if f.Role != "" && !ValidRole(f.Role) {
		fs.Add("role", "role_unknown", "未知角色："+f.Role)
	}
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusDisabled && f.Status != StatusPending {
		fs.Add("status", "status_invalid", "状态只能是正常、停用或待审核")
	}
	if utf8.RuneCountInString(f.Query) > 64 {
		fs.Add("q", "too_long", "查询内容不能超过64个字")
	}
	if f.AfterID < 0 {
		fs.Add("after", "number_invalid", "翻页位置应为正整数")
	}
	return fs.Err()
}

// ListUsers lists users with their roles and organisation names.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, error) {
	q := `SELECT ` + prefixed("u", userColumns) + ` FROM users u WHERE 1=1`
	var args []any
	if f.OrgID != 0 {
		q += ` AND u.org_id = ?`
		args = append(args, f.OrgID)
	}
	if f.Role != "" {
		q += ` AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ?)`
		args = append(args, f.Role)
	}
	if f.Status != "" {
		q += ` AND u.status = ?`
		args = append(args, f.Status)
	}
	if query := strings.TrimSpace(f.Query); query != "" {
		like := db.LikeContains(query)
		q += ` AND (u.username LIKE ? OR u.display_name LIKE ? OR u.org_id IN (SELECT o.id FROM organisations o WHERE o.name LIKE ?))`
		args = append(args, like, like, like)
	}
	if f.AfterID > 0 {
		q += ` AND u.id > ?`
		args = append(args, f.AfterID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	q += ` ORDER BY u.id LIMIT ?`
	args = append(args, f.Limit)
	var users []User
	if err := s.DB.SelectContext(ctx, &users, q, args...); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	if err := s.fillUsers(ctx, users); err != nil {
		return nil, err
	}
	return users, nil
}

// User returns one user with roles.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.DB.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "user_not_found", "用户不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", id, err)
	}
	list := []User{u}
	if err := s.fillUsers(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// fillUsers loads roles and organisation names for users in two queries.
func (s *Service) fillUsers(ctx context.Context, users []User) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, len(users))
	orgIDs := []int64{}
	for i, u := range users {
		ids[i] = u.ID
		if u.OrgID.Valid {
			orgIDs = append(orgIDs, u.OrgID.Int64)
		}
	}
	q, args, err := sqlx.In(`SELECT user_id, role FROM user_roles WHERE user_id IN (?)`, ids)
	if err != nil {
		return err
	}
	var roles []struct {
		UserID int64  `db:"user_id"`
		Role   string `db:"role"`
	}
	if err := s.DB.SelectContext(ctx, &roles, q, args...); err != nil {
		return fmt.Errorf("load roles: %w", err)
	}
	byUser := map[int64][]string{}
	for _, r := range roles {
		byUser[r.UserID] = append(byUser[r.UserID], r.Role)
	}
	orgs := map[int64]Organisation{}
	if len(orgIDs) > 0 {
		q, args, err := sqlx.In(`SELECT `+orgColumns+` FROM organisations WHERE id IN (?)`, orgIDs)
		if err != nil {
			return err
		}
		var list []Organisation
		if err := s.DB.SelectContext(ctx, &list, q, args...); err != nil {
			return fmt.Errorf("load organisations: %w", err)
		}
		for _, o := range list {
			orgs[o.ID] = o
		}
	}
	for i := range users {
		users[i].Roles = sortRoles(byUser[users[i].ID])
		if o, ok := orgs[users[i].OrgID.Int64]; ok {
			users[i].OrgName, users[i].OrgStatus = o.Name, o.Status
		}
	}
	return nil
}

func sortRoles(roles []string) []string {
	rank := map[string]int{}
	for i, r := range AllRoles {
		rank[r] = i
	}
	sort.Slice(roles, func(i, j int) bool { return rank[roles[i]] < rank[roles[j]] })
	return roles
}

func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + "." + p
	}
	return strings.Join(parts, ", ")
}
