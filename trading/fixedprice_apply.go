package trading

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

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// ApplicationInput is a contractor's application (申请) to a selection.
type ApplicationInput struct {
	Qualification string `json:"qualification"`  // 资质类别及等级
	SafetyLicence string `json:"safety_licence"` // 安全生产许可证编号
	ManagerName   string `json:"manager_name"`   // 拟派项目经理
	ManagerCert   string `json:"manager_cert"`   // 项目经理注册证书编号
}

func (in *ApplicationInput) check() error {
	var f problem.Fields
	in.Qualification, in.SafetyLicence = strings.TrimSpace(in.Qualification), strings.TrimSpace(in.SafetyLicence)
	in.ManagerName, in.ManagerCert = strings.TrimSpace(in.ManagerName), strings.ToUpper(strings.TrimSpace(in.ManagerCert))
	requireText(&f, "qualification", in.Qualification, "资质类别及等级", 200)
	requireText(&f, "safety_licence", in.SafetyLicence, "安全生产许可证编号", 64)
	requireText(&f, "manager_name", in.ManagerName, "拟派项目经理姓名", 64)
	requireText(&f, "manager_cert", in.ManagerCert, "项目经理注册证书编号", 64)
	return f.Err()
}

// Application is one contractor's application.
type Application struct {
	ID            int64     `db:"id" json:"id"`
	SelectionID   int64     `db:"selection_id" json:"selection_id"`
	OrgID         int64     `db:"org_id" json:"org_id"`
	OrgName       string    `db:"org_name" json:"org_name"`
	OrgUSCC       string    `db:"org_uscc" json:"org_uscc"`
	Qualification string    `db:"qualification" json:"qualification"`
	SafetyLicence string    `db:"safety_licence" json:"safety_licence"`
	ManagerName   string    `db:"manager_name" json:"manager_name"`
	ManagerCert   string    `db:"manager_cert" json:"manager_cert"`
	Status        string    `db:"status" json:"status"`
	ReviewReason  string    `db:"review_reason" json:"review_reason,omitempty"`
	ReviewedAt    NullTime  `db:"reviewed_at" json:"reviewed_at"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
	// Exclusions are the automatic exclusions fixed with the pool.
	Exclusions []Exclusion `db:"-" json:"exclusions,omitempty"`
}

// StatusName is the Chinese status.
func (a *Application) StatusName() string { return AppStatusNames[a.Status] }

const applicationColumns = `id, selection_id, org_id, org_name, org_uscc, qualification, safety_licence, manager_name, manager_cert, status, review_reason, reviewed_at, created_at`

func errWindowClosed(sel *Selection) error {
	return problem.New(problem.Gone, "fixedprice_window_closed",
		fmt.Sprintf("申请已于%s截止，不再受理", localTime(sel.ApplyUntil)))
}

// Apply records the actor's organisation's application. The selection row
// is locked, so the pool can never be frozen while an application that saw
// the window open is still being written; the server clock decides, and the
// end instant itself is closed. A second application of the same
// organisation is refused by the UNIQUE key.
func (s *FixedPrice) Apply(ctx context.Context, selectionID int64, in ApplicationInput) (int64, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return 0, err
	}
	if err := in.check(); err != nil {
		return 0, err
	}
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		switch {
		case sel.Status == FPDraft:
			return fpNotFound()
		case !sel.WindowOpen(now):
			return errWindowClosed(sel)
		}
		var org struct {
			Name   string `db:"name"`
			USCC   string `db:"uscc"`
			Status string `db:"status"`
		}
		if err := tx.GetContext(ctx, &org, `SELECT name, uscc, status FROM organisations WHERE id = ?`, a.OrgID); err != nil {
			return fmt.Errorf("applicant organisation %d: %w", a.OrgID, err)
		}
		if org.Status != accounts.StatusActive {
			return problem.New(problem.Forbidden, "org_not_active", "本单位注册尚未审核通过，不能申请")
		}
		var mine int
		if err := tx.GetContext(ctx, &mine, `SELECT COUNT(*) FROM fixedprice_applications WHERE selection_id = ? AND org_id = ?`, selectionID, a.OrgID); err != nil {
			return err
		}
		if mine > 0 {
			return problem.New(problem.Conflict, "fixedprice_duplicate_application", "本单位已申请该项目，不能重复申请")
		}
		// Under the selection's lock: one project manager is proposed by
		// one applicant (a manager cannot run the works for two).
		var taken int
		if err := tx.GetContext(ctx, &taken, `SELECT COUNT(*) FROM fixedprice_applications WHERE selection_id = ? AND manager_cert = ? AND org_id <> ? AND status <> ?`,
			selectionID, in.ManagerCert, a.OrgID, AppRejected); err != nil {
			return err
		}
		if taken > 0 {
			return problem.InvalidField("manager_cert", "fixedprice_manager_taken", "该项目经理已由其他申请人在本项目中拟派，同一项目经理不能由两家申请人拟派")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO fixedprice_applications (selection_id, org_id, org_name, org_uscc, qualification, safety_licence,
			manager_name, manager_cert, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			selectionID, a.OrgID, org.Name, org.USCC, in.Qualification, in.SafetyLicence, in.ManagerName, in.ManagerCert, AppPending, nullID(a.UserID), now)
		if db.IsDuplicate(err) {
			return problem.New(problem.Conflict, "fixedprice_duplicate_application", "本单位已申请该项目，不能重复申请")
		}
		if err != nil {
			return fmt.Errorf("insert application: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.apply", ObjectType: "fixedprice_application", ObjectID: strconv.FormatInt(id, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"selection_id": selectionID, "org_id": a.OrgID}})
	})
	return id, err
}

func requireStaff(ctx context.Context) (audit.Actor, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) {
		return a, problem.New(problem.Forbidden, "forbidden", "只有交易中心工作人员可以办理")
	}
	return a, nil
}

// Review records staff's qualification review of an application: qualified,
// or rejected with a reason (required). Reviews may change until the pool is
// frozen.
func (s *FixedPrice) Review(ctx context.Context, applicationID int64, qualified bool, reason string) error {
	a, err := requireStaff(ctx)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if !qualified && reason == "" {
		return problem.InvalidField("reason", "fixedprice_reason_required", "资格审查不合格的，必须写明理由")
	}
	if len([]rune(reason)) > 500 {
		return problem.InvalidField("reason", "too_long", "理由不能超过500个字")
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var selID int64
		err := tx.GetContext(ctx, &selID, `SELECT selection_id FROM fixedprice_applications WHERE id = ?`, applicationID)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.NotFound, "fixedprice_application_not_found", "申请不存在")
		}
		if err != nil {
			return fmt.Errorf("application %d: %w", applicationID, err)
		}
		sel, err := loadSelection(ctx, tx, selID, true)
		if err != nil {
			return err
		}
		if sel.Status != FPPublished {
			return problem.New(problem.Conflict, "fixedprice_state", "入围名单已固定，不能再修改资格审查结论")
		}
		status := AppRejected
		if qualified {
			status = AppQualified
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_applications SET status = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?`,
			status, reason, nullID(a.UserID), now, applicationID); err != nil {
			return fmt.Errorf("review application: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.review", ObjectType: "fixedprice_application", ObjectID: strconv.FormatInt(applicationID, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"selection_id": selID, "status": status, "reason": reason}})
	})
}

// Applications lists a selection's applications with their exclusions
// (staff and supervisors; others see the pool only once it is frozen, on
// the draw record).
func (s *FixedPrice) Applications(ctx context.Context, selectionID int64) ([]Application, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) && !a.Has(accounts.RoleSupervisor) {
		return nil, problem.New(problem.Forbidden, "forbidden", "只有交易中心工作人员和监督人员可以查看申请名单")
	}
	if _, err := loadSelection(ctx, s.DB, selectionID, false); err != nil {
		return nil, err
	}
	return listApplications(ctx, s.DB, selectionID)
}

func listApplications(ctx context.Context, q sqlx.QueryerContext, selectionID int64) ([]Application, error) {
	var apps []Application
	if err := sqlx.SelectContext(ctx, q, &apps, `SELECT `+applicationColumns+` FROM fixedprice_applications WHERE selection_id = ? ORDER BY id`, selectionID); err != nil {
		return nil, fmt.Errorf("applications of %d: %w", selectionID, err)
	}
	var ex []Exclusion
	if err := sqlx.SelectContext(ctx, q, &ex, `SELECT application_id, rule, reason FROM fixedprice_exclusions WHERE selection_id = ? ORDER BY application_id, rule`, selectionID); err != nil {
		return nil, fmt.Errorf("exclusions of %d: %w", selectionID, err)
	}
	byID := map[int64]int{}
	for i := range apps {
		byID[apps[i].ID] = i
	}
	for _, x := range ex {
		if i, ok := byID[x.ApplicationID]; ok {
			apps[i].Exclusions = append(apps[i].Exclusions, x)
		}
	}
	return apps, nil
}

// MyApplication returns the actor's organisation's application to a
// selection, or nil.
func (s *FixedPrice) MyApplication(ctx context.Context, selectionID int64) (*Application, error) {
	a := audit.ActorFrom(ctx)
	if a.OrgID == 0 {
		return nil, nil
	}
	var app Application
	err := s.DB.GetContext(ctx, &app, `SELECT `+applicationColumns+` FROM fixedprice_applications WHERE selection_id = ? AND org_id = ?`, selectionID, a.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("my application: %w", err)
	}
	return &app, nil
}

// MyApplications lists the actor's organisation's applications.
func (s *FixedPrice) MyApplications(ctx context.Context) ([]Application, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	var apps []Application
	if err := s.DB.SelectContext(ctx, &apps, `SELECT `+applicationColumns+` FROM fixedprice_applications WHERE org_id = ? ORDER BY id DESC LIMIT 200`, a.OrgID); err != nil {
		return nil, fmt.Errorf("my applications: %w", err)
	}
	return apps, nil
}

// BlacklistEntry bars an organisation from fixed-price selection.
type BlacklistEntry struct {
	ID         int64     `db:"id" json:"id"`
	OrgID      int64     `db:"org_id" json:"org_id"`
	OrgName    string    `db:"org_name" json:"org_name"`
	Reason     string    `db:"reason" json:"reason"`
	ValidFrom  time.Time `db:"valid_from" json:"valid_from"`
	ValidUntil NullTime  `db:"valid_until" json:"valid_until"`
}

// AddBlacklist records a blacklisting (staff) from now until until (zero:
// indefinitely).
func (s *FixedPrice) AddBlacklist(ctx context.Context, orgID int64, reason string, until time.Time) (int64, error) {
	a, err := requireStaff(ctx)
	if err != nil {
		return 0, err
	}
	reason = strings.TrimSpace(reason)
	var f problem.Fields
	if reason == "" {
		f.Add("reason", "required", "请写明列入黑名单的理由及依据")
	} else if utf8.RuneCountInString(reason) > 500 {
		f.Add("reason", "too_long", "理由不能超过500个字")
	}
	now := s.Clock.Now()
	if !until.IsZero() && !until.After(now) {
		f.Add("valid_until", "fixedprice_until_past", "截止时间应晚于现在")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		// The organisation's row, locked: two entries for it are decided
		// one after the other.
		var kinds []string
		if err := tx.SelectContext(ctx, &kinds, `SELECT kind FROM organisations WHERE id = ? FOR UPDATE`, orgID); err != nil {
			return err
		}
		if len(kinds) == 0 {
			return problem.InvalidField("org_id", "org_not_found", "单位不存在")
		}
		// Contractors are blacklisted, not the centre, agencies or
		// government departments.
		switch kinds[0] {
		case accounts.OrgCentre, accounts.OrgAgency, accounts.OrgDepartment:
			return problem.InvalidField("org_id", "org_not_contractor", "只能将投标单位（施工企业）列入黑名单")
		}
		// An entry in force that lasts at least as long makes this one
		// say nothing new (a double submission, say); a longer one extends.
		q := `SELECT COUNT(*) FROM fixedprice_blacklist WHERE org_id = ? AND valid_from <= ? AND valid_until IS NULL`
		args := []any{orgID, now}
		if !until.IsZero() {
			q = `SELECT COUNT(*) FROM fixedprice_blacklist WHERE org_id = ? AND valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?)`
			args = append(args, until)
		}
		var covered int
		if err := tx.GetContext(ctx, &covered, q, args...); err != nil {
			return fmt.Errorf("check blacklist: %w", err)
		}
		if covered > 0 {
			return problem.New(problem.Conflict, "fixedprice_already_blacklisted", "该单位已在黑名单中，且期限不短于本次")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO fixedprice_blacklist (org_id, reason, valid_from, valid_until, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			orgID, reason, now, nullTime(until), nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("insert blacklist: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.blacklist", ObjectType: "organisation", ObjectID: strconv.FormatInt(orgID, 10),
			Summary: map[string]any{"reason": reason, "until": until}})
	})
	return id, err
}

// Blacklist lists the entries in force.
func (s *FixedPrice) Blacklist(ctx context.Context) ([]BlacklistEntry, error) {
	var out []BlacklistEntry
	now := s.Clock.Now()
	if err := s.DB.SelectContext(ctx, &out, `SELECT b.id, b.org_id, o.name AS org_name, b.reason, b.valid_from, b.valid_until
		FROM fixedprice_blacklist b JOIN organisations o ON o.id = b.org_id
		WHERE b.valid_from <= ? AND (b.valid_until IS NULL OR b.valid_until > ?) ORDER BY b.id DESC LIMIT 500`, now, now); err != nil {
		return nil, fmt.Errorf("blacklist: %w", err)
	}
	return out, nil
}
