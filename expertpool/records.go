package expertpool

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/idcode"
	"ggzy/problem"
)

// LeaveInput is a leave period as typed, in Shanghai time: "2006-01-02
// 15:04" or a date (a start date means 00:00, an end date the end of that
// day).
type LeaveInput struct {
	Start  string
	End    string
	Reason string
}

// ParseLocal reads a Shanghai date-time or date; end selects the end of the
// day for a bare date.
func ParseLocal(s string, end bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, clock.Shanghai); err == nil {
			return t.UTC(), clock.Plausible(t)
		}
	}
	if d, ok := ParseDate(s); ok {
		t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, clock.Shanghai)
		ok := clock.Plausible(t) // the day itself: 2099-12-31 ends in 2100
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC(), ok
	}
	return time.Time{}, false
}

func (in LeaveInput) validate(now time.Time) (start, end time.Time, reason string, err error) {
	var f problem.Fields
	start, ok1 := ParseLocal(in.Start, false)
	if !ok1 {
		f.Add("start", "time_invalid", "开始时间不是有效时间（格式 2006-01-02 15:04）")
	}
	end, ok2 := ParseLocal(in.End, true)
	if !ok2 {
		f.Add("end", "time_invalid", "结束时间不是有效时间（格式 2006-01-02 15:04）")
	}
	if ok1 && ok2 && !end.After(start) {
		f.Add("end", "time_order", "结束时间应晚于开始时间")
	}
	if ok2 && !end.After(now) {
		f.Add("end", "time_past", "结束时间已过")
	}
	if ok1 && ok2 && end.Sub(start) > 366*24*time.Hour {
		f.Add("end", "leave_too_long", "一次请假不超过一年，长期不能参加评标请申请暂停")
	}
	reason = strings.TrimSpace(in.Reason)
	if utf8.RuneCountInString(reason) > 200 {
		f.Add("reason", "too_long", "事由不超过200个字")
	}
	return start, end, reason, f.Err()
}

// AddLeave records a leave period for an expert (staff).
func (s *Service) AddLeave(ctx context.Context, expertID int64, in LeaveInput) (int64, error) {
	return s.addLeave(ctx, expertID, in, false)
}

// lastHour is how close to a session an expert who has been invited may no
// longer take leave himself (staff still can).
const lastHour = time.Hour

func (s *Service) addLeave(ctx context.Context, expertID int64, in LeaveInput, self bool) (int64, error) {
	now := s.Clock.Now()
	start, end, reason, err := in.validate(now)
	if err != nil {
		return 0, err
	}
	return s.addRecord(ctx, expertID, now, "expert.leave", map[string]any{"starts_at": start, "ends_at": end, "self": self}, func(tx *sqlx.Tx) (sql.Result, error) {
		if self {
			var n int
			err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM expert_draw_members m JOIN expert_draws d ON d.id = m.draw_id
				WHERE m.expert_id = ? AND m.state IN ('notified', 'confirmed') AND d.session_starts_at < ? AND d.session_ends_at > ?
				AND d.session_starts_at <= ?`, expertID, end, start, now.Add(lastHour))
			if err != nil {
				return nil, fmt.Errorf("check sessions: %w", err)
			}
			if n > 0 {
				return nil, problem.New(problem.Conflict, "leave_last_hour", "评标开始前一小时内不能自行请假，请联系交易中心")
			}
		}
		// Under the expert's lock (addRecord): a period already covered by
		// one leave — a double submission, say — records nothing new.
		var covered int
		if err := tx.GetContext(ctx, &covered, `SELECT COUNT(*) FROM expert_leaves WHERE expert_id = ? AND starts_at <= ? AND ends_at >= ?`,
			expertID, start, end); err != nil {
			return nil, fmt.Errorf("check leaves: %w", err)
		}
		if covered > 0 {
			return nil, problem.New(problem.Conflict, "leave_exists", "该时段已登记请假")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO expert_leaves (expert_id, starts_at, ends_at, reason, created_at) VALUES (?, ?, ?, ?, ?)`,
			expertID, start, end, reason, now)
		if err != nil {
			return nil, fmt.Errorf("insert leave: %w", err)
		}
		return res, nil
	})
}

// PenaltyInput is a sanction decided against an expert.
type PenaltyInput struct {
	DecidedOn string
	UntilOn   string // empty: for good
	Reason    string
}

// AddPenalty records a penalty (staff).
func (s *Service) AddPenalty(ctx context.Context, expertID int64, in PenaltyInput) (int64, error) {
	var f problem.Fields
	decided, ok := ParseDate(in.DecidedOn)
	if !ok {
		f.Add("decided_on", "date_invalid", "处理日期不是有效日期")
	} else if decided.After(today(s.Clock)) {
		f.Add("decided_on", "date_future", "处理日期晚于今天")
	}
	var until sql.NullTime
	if strings.TrimSpace(in.UntilOn) != "" {
		u, ok2 := ParseDate(in.UntilOn)
		switch {
		case !ok2:
			f.Add("until_on", "date_invalid", "截止日期不是有效日期")
		case ok && u.Before(decided):
			f.Add("until_on", "date_order", "截止日期早于处理日期")
		default:
			until = sql.NullTime{Time: u, Valid: true}
		}
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		f.Add("reason", "reason_required", "请写明处理事由（不超过500字）")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	summary := map[string]any{"decided_on": decided.Format("2006-01-02"), "until": until.Time.Format("2006-01-02")}
	return s.addRecord(ctx, expertID, now, "expert.penalty", summary, func(tx *sqlx.Tx) (sql.Result, error) {
		// Under the expert's lock: the same decision again (a double
		// submission) is not a second penalty.
		if err := refuseSame(ctx, tx, `SELECT COUNT(*) FROM expert_penalties WHERE expert_id = ? AND decided_on = ? AND reason = ?`,
			"penalty_exists", "该处理决定已登记", expertID, decided, reason); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO expert_penalties (expert_id, decided_on, until_on, reason, created_at) VALUES (?, ?, ?, ?, ?)`,
			expertID, decided, until, reason, now)
		if err != nil {
			return nil, fmt.Errorf("insert penalty: %w", err)
		}
		return res, nil
	})
}

// DeclarationInput declares a near relative at, or an interest in, an
// organisation.
type DeclarationInput struct {
	Kind    string
	OrgID   int64
	OrgName string
	Detail  string
}

// AddDeclaration records a declaration (staff).
func (s *Service) AddDeclaration(ctx context.Context, expertID int64, in DeclarationInput) (int64, error) {
	var f problem.Fields
	if in.Kind != DeclRelative && in.Kind != DeclInterest {
		f.Add("kind", "kind_invalid", "类型应为近亲属（relative）或利害关系（interest）")
	}
	in.OrgName = strings.TrimSpace(in.OrgName)
	if in.OrgName == "" && in.OrgID == 0 {
		f.Add("org_name", "org_required", "请填写相关单位")
	}
	in.Detail = strings.TrimSpace(in.Detail)
	if utf8.RuneCountInString(in.Detail) > 500 {
		f.Add("detail", "too_long", "说明不超过500字")
	}
	if in.OrgID != 0 {
		var name string
		err := s.DB.GetContext(ctx, &name, `SELECT name FROM organisations WHERE id = ?`, in.OrgID)
		if errors.Is(err, sql.ErrNoRows) {
			f.Add("org_id", "org_not_found", "相关单位不存在")
		} else if err != nil {
			return 0, err
		} else if in.OrgName == "" {
			in.OrgName = name
		}
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return s.addRecord(ctx, expertID, now, "expert.declaration", map[string]any{"kind": in.Kind, "org_id": in.OrgID}, func(tx *sqlx.Tx) (sql.Result, error) {
		if err := refuseSame(ctx, tx, `SELECT COUNT(*) FROM expert_declarations WHERE expert_id = ? AND kind = ? AND org_name = ? AND detail = ?`,
			"declaration_exists", "该声明已登记", expertID, in.Kind, in.OrgName, in.Detail); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO expert_declarations (expert_id, kind, org_id, org_name, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			expertID, in.Kind, nullInt(in.OrgID), in.OrgName, in.Detail, now)
		if err != nil {
			return nil, fmt.Errorf("insert declaration: %w", err)
		}
		return res, nil
	})
}

// AddEmployment adds an entry to the employment history (staff).
func (s *Service) AddEmployment(ctx context.Context, expertID int64, in EmploymentInput) (int64, error) {
	var f problem.Fields
	e := cleanEmployment{orgID: in.OrgID, orgName: strings.TrimSpace(in.OrgName)}
	if e.orgName == "" && e.orgID == 0 {
		f.Add("org_name", "employer_required", "请填写任职单位")
	}
	start, ok := ParseDate(in.StartedOn)
	if !ok {
		f.Add("started_on", "date_invalid", "起始日期不是有效日期")
	} else if start.After(today(s.Clock)) {
		f.Add("started_on", "date_future", "起始日期晚于今天")
	}
	e.start = start
	if strings.TrimSpace(in.EndedOn) != "" {
		end, ok2 := ParseDate(in.EndedOn)
		switch {
		case !ok2:
			f.Add("ended_on", "date_invalid", "结束日期不是有效日期")
		case ok && end.Before(start):
			f.Add("ended_on", "date_order", "结束日期早于起始日期")
		default:
			e.end = sql.NullTime{Time: end, Valid: true}
		}
	}
	switch {
	case e.orgID < 0:
		f.Add("org_id", "org_not_found", "任职单位不存在")
	case e.orgID > 0:
		// The employment rule avoids the expert for this organisation's
		// projects: it must exist, and its name is kept with the entry.
		var name string
		err := s.DB.GetContext(ctx, &name, `SELECT name FROM organisations WHERE id = ?`, e.orgID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f.Add("org_id", "org_not_found", "任职单位不存在")
		case err != nil:
			return 0, err
		case e.orgName == "":
			e.orgName = name
		}
	}
	if e.end.Valid && e.end.Time.After(today(s.Clock)) {
		f.Add("ended_on", "date_future", "结束日期晚于今天；仍在任的不填结束日期")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return s.addRecord(ctx, expertID, now, "expert.employment", map[string]any{"org_id": e.orgID}, func(tx *sqlx.Tx) (sql.Result, error) {
		if err := refuseSame(ctx, tx, `SELECT COUNT(*) FROM expert_employments WHERE expert_id = ? AND org_name = ? AND started_on = ?`,
			"employment_exists", "该任职经历已登记", expertID, e.orgName, e.start); err != nil {
			return nil, err
		}
		if err := refuseOverlap(ctx, tx, expertID, e); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO expert_employments (expert_id, org_id, org_name, started_on, ended_on) VALUES (?, ?, ?, ?, ?)`,
			expertID, nullInt(e.orgID), e.orgName, e.start, e.end)
		if err != nil {
			if db.IsForeignKey(err) {
				return nil, problem.InvalidField("org_id", "org_not_found", "任职单位不存在")
			}
			return nil, fmt.Errorf("insert employment: %w", err)
		}
		return res, nil
	})
}

// MyExpertID returns the expert record of the logged-in expert.
func (s *Service) MyExpertID(ctx context.Context) (int64, error) {
	a := audit.ActorFrom(ctx)
	var id int64
	err := s.DB.GetContext(ctx, &id, `SELECT id FROM experts WHERE user_id = ?`, a.UserID)
	if errors.Is(err, sql.ErrNoRows) || a.UserID == 0 {
		return 0, problem.New(problem.NotFound, "expert_profile_missing", "您的账号尚未登记为评标专家，请联系交易中心")
	}
	return id, err
}

// MyProfile returns the logged-in expert's own record.
func (s *Service) MyProfile(ctx context.Context) (*Expert, error) {
	id, err := s.MyExpertID(ctx)
	if err != nil {
		return nil, err
	}
	return s.Expert(ctx, id)
}

// ProfileInput is what experts may change themselves; qualifications
// (specialties, title level, status) stay with staff.
type ProfileInput struct {
	Phone         string
	Title         string
	EmployerName  string
	EmployerOrgID int64
}

// UpdateMyProfile lets an expert update his phone, title and employer.
func (s *Service) UpdateMyProfile(ctx context.Context, in ProfileInput) error {
	id, err := s.MyExpertID(ctx)
	if err != nil {
		return err
	}
	var f problem.Fields
	phone := idcode.NormalizeMobile(in.Phone)
	if err := idcode.ValidateMobile(phone); err != nil {
		f.AddErr("phone", err)
	}
	title := strings.TrimSpace(in.Title)
	if title == "" || utf8.RuneCountInString(title) > 64 {
		f.Add("title", "title_invalid", "请填写职称（不超过64个字）")
	}
	emp := strings.TrimSpace(in.EmployerName)
	if emp == "" || utf8.RuneCountInString(emp) > 200 {
		f.Add("employer_name", "employer_required", "请填写工作单位")
	}
	c := clean{ExpertInput: ExpertInput{EmployerOrgID: in.EmployerOrgID, EmployerName: emp}}
	if err := checkRefs(ctx, s.DB, &f, &c); err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	day := today(s.Clock)
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		old, err := loadExpert(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE experts SET phone = ?, title = ?, employer_org_id = ?, employer_name = ?, updated_at = ? WHERE id = ?`,
			phone, title, nullInt(in.EmployerOrgID), emp, now, id); err != nil {
			return fmt.Errorf("update profile: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE expert_specialty_links SET employer_org_id = ? WHERE expert_id = ?`, nullInt(in.EmployerOrgID), id); err != nil {
			return err
		}
		if err := bumpRegistry(ctx, tx); err != nil {
			return err
		}
		if err := employerChanged(ctx, tx, id, old, in.EmployerOrgID, emp, day); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "expert.profile", ObjectType: "expert", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"employer_changed": old.EmployerName != emp || old.EmployerOrgID.Int64 != in.EmployerOrgID}})
	})
}

// AddMyLeave records the logged-in expert's own leave; within the last hour
// before a session he was invited to it is refused.
func (s *Service) AddMyLeave(ctx context.Context, in LeaveInput) (int64, error) {
	id, err := s.MyExpertID(ctx)
	if err != nil {
		return 0, err
	}
	return s.addLeave(ctx, id, in, true)
}

// addRecord adds a record to expert expertID in one transaction: it locks
// the expert, runs insert and records action with summary. It returns the
// new record's id.
func (s *Service) addRecord(ctx context.Context, expertID int64, now time.Time, action string, summary map[string]any,
	insert func(tx *sqlx.Tx) (sql.Result, error)) (int64, error) {
	var id int64
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if _, err := loadExpert(ctx, tx, expertID, true); err != nil {
			return err
		}
		res, err := insert(tx)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "expert", ObjectID: fmt.Sprint(expertID), Summary: summary})
	})
	return id, err
}

// refuseSame answers code when query (a COUNT under the expert's lock)
// finds the record already there.
func refuseSame(ctx context.Context, tx *sqlx.Tx, query, code, msg string, args ...any) error {
	var n int
	if err := tx.GetContext(ctx, &n, query, args...); err != nil {
		return err
	}
	if n > 0 {
		return problem.New(problem.Conflict, code, msg)
	}
	return nil
}

// Employment periods. An expert may hold posts at several organisations at
// once (part-time work; the avoidance rules avoid him for each of them), but
// not two at the same organisation: periods there must not overlap, so at
// most one is open (no end date). ended_on is the last day of a post, as
// the avoidance rule reads it; a post may start on the day the previous one
// ended, as the registry itself records a change of employer.

// sameOrg reports whether two employments are at the same organisation:
// the same registered organisation, or — when either is named only — the
// same name.
func (a cleanEmployment) sameOrg(b cleanEmployment) bool {
	if a.orgID > 0 && b.orgID > 0 {
		return a.orgID == b.orgID
	}
	return a.orgName != "" && strings.EqualFold(a.orgName, b.orgName)
}

// overlaps reports whether the two periods share more than a boundary day.
func (a cleanEmployment) overlaps(b cleanEmployment) bool {
	endsBefore := func(x, y cleanEmployment) bool { return x.end.Valid && !x.end.Time.After(y.start) }
	return !endsBefore(a, b) && !endsBefore(b, a)
}

// errOverlap refuses employment e, which overlaps other at the same
// organisation, as a problem of kind; prefix goes before the field name
// (an entry of a registration: "employments[2].").
func errOverlap(kind problem.Kind, prefix string, e, other cleanEmployment) *problem.Error {
	period := other.start.Format("2006-01-02") + "至今"
	if other.end.Valid {
		period = other.start.Format("2006-01-02") + "至" + other.end.Time.Format("2006-01-02")
	}
	unit := "同一单位"
	if name := cmp.Or(other.orgName, e.orgName); name != "" {
		unit += "（" + name + "）"
	}
	msg := fmt.Sprintf("与在%s%s的任职经历时间重叠；同一单位的任职期间不能重叠，且只能有一段在任（未填结束日期）", unit, period)
	field := "started_on"
	if !e.end.Valid && !other.end.Valid {
		msg = fmt.Sprintf("已有在%s%s的在任经历；请先为其填写结束日期，或为本条填写结束日期", unit, period)
		field = "ended_on"
	}
	return &problem.Error{Kind: kind, Code: "employment_overlap", Message: msg,
		Fields: []problem.Field{{Name: prefix + field, Code: "employment_overlap", Message: msg}}}
}

// refuseOverlap refuses e when a stored employment of the expert at the
// same organisation overlaps it. It runs under the expert's lock (addRecord)
// in the transaction that inserts e, so two requests at once cannot both
// pass.
func refuseOverlap(ctx context.Context, tx *sqlx.Tx, expertID int64, e cleanEmployment) error {
	same, args := `org_name = ?`, []any{e.orgName}
	if e.orgID > 0 {
		same, args = `(org_id = ? OR (org_id IS NULL AND org_name = ?))`, []any{e.orgID, e.orgName}
	}
	var end any
	if e.end.Valid {
		end = e.end.Time
	}
	var rows []struct {
		OrgID   sql.NullInt64 `db:"org_id"`
		OrgName string        `db:"org_name"`
		Start   time.Time     `db:"started_on"`
		End     sql.NullTime  `db:"ended_on"`
	}
	q := `SELECT org_id, org_name, started_on, ended_on FROM expert_employments
		WHERE expert_id = ? AND (ended_on IS NULL OR ended_on > ?) AND (? IS NULL OR started_on < ?) AND ` + same + `
		ORDER BY started_on, id LIMIT 1`
	if err := tx.SelectContext(ctx, &rows, q, append([]any{expertID, e.start, end, end}, args...)...); err != nil {
		return fmt.Errorf("check employment overlap: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	r := rows[0]
	return errOverlap(problem.Conflict, "", e, cleanEmployment{orgID: r.OrgID.Int64, orgName: r.OrgName, start: r.Start, end: r.End})
}
