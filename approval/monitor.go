package approval

// 电子监察 (DOMAIN.md §7): a timed job raises, once each, a yellow warning
// as a case's or a department step's limit nears and a red one when it has
// passed, the same for a decided case's delivery limit (行政许可法 44), and
// a red one when a rectification (好差评) is overdue; the
// supervisors and each department's approvers list the current warnings.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
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
	"ggzy/settings"
)

// Warning levels (approval_warnings.level).
const (
	WarnYellow = "yellow" // 黄牌：时限将到
	WarnRed    = "red"    // 红牌：已超时限
)

// Warning kinds (approval_warnings.kind).
const (
	WarnLimit   = "limit"   // the case's or a step's due_on
	WarnRectify = "rectify" // a bad rating's rectification (整改) overdue
	WarnDeliver = "deliver" // a decided case's delivery limit (送达, deliver_due_on)
)

// KindMonitor is the timed job of 电子监察; MonitorSpec its cron spec (with
// seconds, Asia/Shanghai): every ten minutes, so that a limit passing at
// midnight is warned within minutes and a case suspended or decided in the
// meantime is not.
const (
	KindMonitor = "approval.monitor"
	MonitorSpec = "0 */10 * * * *"
)

// MonitorSettings are the 电子监察 settings: the settings table's rows
// "approval_monitor.<name>" (package settings), each falling back to its
// default when absent or outside its range.
type MonitorSettings struct {
	// YellowDays: a yellow warning is raised when the working days left
	// until a limit (counted after today, up to and including the due date)
	// are at most this many. The rule is one number for every item, not a
	// share of the item's limit: a third of a 20-day limit would warn a
	// week ahead and a third of a 3-day limit on the last day, which tells
	// a department less than "one working day left" for both.
	YellowDays int `json:"yellow_days"`
}

// DefaultYellowDays is the default of MonitorSettings.YellowDays.
const DefaultYellowDays = 1

// MonitorSettingFields describes the settings (names after "approval_monitor.").
var MonitorSettingFields = []settings.Field{
	{Name: "yellow_days", Label: "黄牌预警提前的工作日数", Unit: "工作日", Hint: "剩余工作日不超过此数时亮黄牌（0 即到期当日）", Min: 0, Max: 10},
}

const monitorPrefix = "approval_monitor"

// LoadMonitorSettings reads the approval_monitor.* settings.
func LoadMonitorSettings(ctx context.Context, q sqlx.QueryerContext) (MonitorSettings, error) {
	st := MonitorSettings{YellowDays: DefaultYellowDays}
	var rows []struct {
		Name  string `db:"name"`
		Value string `db:"value"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT name, value FROM settings WHERE name LIKE ?`, monitorPrefix+".%"); err != nil {
		return st, fmt.Errorf("approval monitor settings: %w", err)
	}
	for _, r := range rows {
		n, err := strconv.Atoi(strings.TrimSpace(r.Value))
		if err != nil {
			continue
		}
		for _, fd := range MonitorSettingFields {
			if monitorPrefix+"."+fd.Name != r.Name || n < fd.Min || n > fd.Max {
				continue
			}
			if fd.Name == "yellow_days" {
				st.YellowDays = n
			}
		}
	}
	return st, nil
}

// SaveMonitorSettings checks and saves the settings (administrators only),
// one audit event with old and new values.
func SaveMonitorSettings(ctx context.Context, x *sqlx.DB, now time.Time, form map[string]string) (int, error) {
	if !audit.ActorFrom(ctx).Has(accounts.RoleAdmin) {
		return 0, problem.New(problem.Forbidden, "forbidden", "只有系统管理员可以修改电子监察设置")
	}
	var fs problem.Fields
	vals := map[string]string{}
	settings.Check(MonitorSettingFields, form, &fs, vals)
	if err := fs.Err(); err != nil {
		return 0, err
	}
	return settings.Save(ctx, x, now, monitorPrefix, settings.Names(MonitorSettingFields), vals,
		func(ctx context.Context, q sqlx.QueryerContext) (map[string]string, error) {
			st, err := LoadMonitorSettings(ctx, q)
			if err != nil {
				return nil, err
			}
			return map[string]string{"yellow_days": strconv.Itoa(st.YellowDays)}, nil
		})
}

// RegisterMonitorJob registers the 电子监察 sweep on the engine: every
// MonitorSpec, claimed exactly once across instances.
func (s *Service) RegisterMonitorJob(e *schedule.Engine) error {
	return e.Every(KindMonitor, MonitorSpec, func(ctx context.Context, target string) error {
		_, err := s.Monitor(ctx)
		return err
	})
}

// MonitorResult counts the warnings one sweep raised.
type MonitorResult struct {
	Yellow  int `json:"yellow"`
	Red     int `json:"red"`
	Rectify int `json:"rectify"`
	// Deliver counts the delivery warnings (yellow and red) raised.
	Deliver int `json:"deliver"`
}

// watched is a limit the sweep looks at: a case's (StepID 0) or a step's.
type watched struct {
	CaseID int64     `db:"case_id"`
	CaseNo string    `db:"case_no"`
	StepID int64     `db:"step_id"`
	DeptID int64     `db:"dept_org_id"`
	DueOn  time.Time `db:"due_on"`
}

// Cases in review whose limit is within the horizon, and the pending steps
// of such cases. A suspended case (the clock stopped) is in neither; its
// due dates move by the days it stood when it resumes, and a new due date is
// a new warning.
const (
	selectWatchedCases = `SELECT c.id AS case_id, c.case_no, 0 AS step_id, c.lead_org_id AS dept_org_id, c.due_on
	FROM approval_cases c
	WHERE c.status IN ('accepted', 'in_review') AND c.due_on IS NOT NULL AND c.due_on <= ?`
	selectWatchedSteps = `SELECT c.id AS case_id, c.case_no, st.id AS step_id, st.dept_org_id, st.due_on
	FROM approval_steps st JOIN approval_cases c ON c.id = st.case_id
	WHERE st.status = 'pending' AND c.status IN ('accepted', 'in_review') AND st.due_on <= ?`
	// Decided cases not yet delivered whose delivery limit is within the
	// horizon (cases decided before the limit was stored have none).
	selectWatchedDeliveries = `SELECT c.id AS case_id, c.case_no, 0 AS step_id, c.lead_org_id AS dept_org_id, c.deliver_due_on AS due_on
	FROM approval_cases c
	WHERE c.status = 'decided' AND c.deliver_due_on IS NOT NULL AND c.deliver_due_on <= ?`
	selectOverdueRectifications = `SELECT c.id AS case_id, c.case_no, 0 AS step_id, c.lead_org_id AS dept_org_id, r.rectify_due_on AS due_on
	FROM approval_ratings r JOIN approval_cases c ON c.id = r.case_id
	WHERE r.rectify_due_on IS NOT NULL AND r.rectified_at IS NULL AND r.rectify_due_on < ?`
	insertWarning = `INSERT INTO approval_warnings (case_id, step_id, kind, level, due_on, raised_at) VALUES (?, ?, ?, ?, ?, ?)`
)

var errRaised = errors.New("warning raised before")

// Monitor is one sweep of 电子监察 at the clock's now: every limit within
// the yellow horizon gets its yellow warning, every limit passed its red
// one, every overdue rectification its red one — each once (the UNIQUE key
// of approval_warnings), each with its audit event by the system.
func (s *Service) Monitor(ctx context.Context) (MonitorResult, error) {
	var res MonitorResult
	now := s.Clock.Now()
	today := calendar.DateOf(now, clock.Shanghai)
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return res, err
	}
	st, err := LoadMonitorSettings(ctx, s.DB)
	if err != nil {
		return res, err
	}
	// The last due date with at most YellowDays working days left is the
	// day before the (YellowDays+1)-th working day after today.
	horizon := cal.AddWorkingDays(today, st.YellowDays+1).AddDays(-1)
	var list []watched
	for _, q := range []string{selectWatchedCases, selectWatchedSteps} {
		var part []watched
		if err := sqlx.SelectContext(ctx, s.DB, &part, q, dateArg(horizon)); err != nil {
			return res, fmt.Errorf("monitor: watched limits: %w", err)
		}
		list = append(list, part...)
	}
	for _, w := range list {
		due := calendar.DateOf(w.DueOn, time.UTC)
		level := limitLevel(cal, today, due, st.YellowDays)
		if level == "" {
			continue
		}
		raised, err := s.raise(ctx, now, w, WarnLimit, level, due, cal.WorkingDaysBetween(today, due))
		if err != nil {
			return res, err
		}
		if raised && level == WarnRed {
			res.Red++
		} else if raised {
			res.Yellow++
		}
	}
	var deliveries []watched
	if err := sqlx.SelectContext(ctx, s.DB, &deliveries, selectWatchedDeliveries, dateArg(horizon)); err != nil {
		return res, fmt.Errorf("monitor: delivery limits: %w", err)
	}
	for _, w := range deliveries {
		due := calendar.DateOf(w.DueOn, time.UTC)
		level := limitLevel(cal, today, due, st.YellowDays)
		if level == "" {
			continue
		}
		raised, err := s.raise(ctx, now, w, WarnDeliver, level, due, cal.WorkingDaysBetween(today, due))
		if err != nil {
			return res, err
		}
		if raised {
			res.Deliver++
		}
	}
	var overdue []watched
	if err := sqlx.SelectContext(ctx, s.DB, &overdue, selectOverdueRectifications, dateArg(today)); err != nil {
		return res, fmt.Errorf("monitor: overdue rectifications: %w", err)
	}
	for _, w := range overdue {
		due := calendar.DateOf(w.DueOn, time.UTC)
		raised, err := s.raise(ctx, now, w, WarnRectify, WarnRed, due, cal.WorkingDaysBetween(today, due))
		if err != nil {
			return res, err
		}
		if raised {
			res.Rectify++
		}
	}
	return res, nil
}

// limitLevel is the warning a limit due on due calls for today: red once
// passed, yellow with at most yellowDays working days left, else none ("").
func limitLevel(cal *calendar.Calendar, today, due calendar.Date, yellowDays int) string {
	switch {
	case due.Before(today):
		return WarnRed
	case cal.WorkingDaysBetween(today, due) > yellowDays:
		return ""
	}
	return WarnYellow
}

// raise inserts one warning with its audit event, in one transaction; it
// reports false when the warning was raised before.
func (s *Service) raise(ctx context.Context, now time.Time, w watched, kind, level string, due calendar.Date, left int) (bool, error) {
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		return raiseTx(ctx, tx, now, w, kind, level, due, left)
	})
	if errors.Is(err, errRaised) {
		return false, nil
	}
	return err == nil, err
}

// raiseTx inserts one warning with its audit event in tx; errRaised when
// it was raised before (the failed INSERT leaves tx usable).
func raiseTx(ctx context.Context, tx *sqlx.Tx, now time.Time, w watched, kind, level string, due calendar.Date, left int) error {
	if _, err := tx.ExecContext(ctx, insertWarning, w.CaseID, w.StepID, kind, level, dateArg(due), now); err != nil {
		if db.Number(err) == db.ErrDupEntry {
			return errRaised
		}
		return fmt.Errorf("raise %s %s warning on case %d step %d: %w", kind, level, w.CaseID, w.StepID, err)
	}
	return audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "approval.warning", ObjectType: "approval_case",
		ObjectID: strconv.FormatInt(w.CaseID, 10), Summary: map[string]any{"case_no": w.CaseNo, "step_id": w.StepID,
			"dept_org_id": w.DeptID, "kind": kind, "level": level, "due_on": due.String(), "working_days_left": left}})
}

// dateArg is a date as the driver writes a DATE.
func dateArg(d calendar.Date) string { return d.String() }

// Warning is a current warning as the lists show it: the highest level
// raised for the limit that still stands.
type Warning struct {
	ID       int64     `json:"id"`
	CaseID   int64     `json:"case_id"`
	CaseNo   string    `json:"case_no"`
	ItemName string    `json:"item_name"`
	Status   string    `json:"case_status"`
	StepID   int64     `json:"step_id,omitempty"` // 0: the case's own limit
	Task     string    `json:"task,omitempty"`    // the step's task
	DeptID   int64     `json:"dept_org_id"`
	DeptName string    `json:"dept_name"`
	Kind     string    `json:"kind"`  // limit | deliver | rectify
	Level    string    `json:"level"` // yellow | red
	DueOn    string    `json:"due_on"`
	RaisedAt time.Time `json:"raised_at"`
	// DaysOver is the working days past the due date (0 on it or before);
	// DaysLeft the working days left until it (0 once it is reached).
	DaysOver int `json:"days_over"`
	DaysLeft int `json:"days_left"`
}

// WarningFilter narrows the list.
type WarningFilter struct {
	Level  string // yellow | red | "" for both
	DeptID int64  // supervisors: one department (0: all)
}

// warningRow is a stored warning with what decides whether it still stands.
type warningRow struct {
	ID         int64          `db:"id"`
	CaseID     int64          `db:"case_id"`
	CaseNo     string         `db:"case_no"`
	ItemName   string         `db:"item_name"`
	Status     string         `db:"status"`
	StepID     int64          `db:"step_id"`
	Kind       string         `db:"kind"`
	Level      string         `db:"level"`
	DueOn      time.Time      `db:"due_on"`
	RaisedAt   time.Time      `db:"raised_at"`
	LeadDept   int64          `db:"lead_dept"`
	CaseDue    sql.NullTime   `db:"case_due"`
	StepDept   sql.NullInt64  `db:"step_dept"`
	StepDue    sql.NullTime   `db:"step_due"`
	StepStatus sql.NullString `db:"step_status"`
	Task       sql.NullString `db:"task"`
	DeliverDue sql.NullTime   `db:"deliver_due"`
	RectDue    sql.NullTime   `db:"rect_due"`
	Rectified  sql.NullTime   `db:"rectified_at"`
}

// The warnings of cases that may still stand: open cases (limits) and
// ratings whose rectification is not recorded. Whether each still stands is
// decided in Go (the limit it warned about is the current one).
const selectWarnings = `SELECT w.id, w.case_id, c.case_no, i.name AS item_name, c.status, w.step_id, w.kind, w.level, w.due_on, w.raised_at,
	c.lead_org_id AS lead_dept, c.due_on AS case_due, c.deliver_due_on AS deliver_due, st.dept_org_id AS step_dept, st.due_on AS step_due, st.status AS step_status, st.task,
	r.rectify_due_on AS rect_due, r.rectified_at
	FROM approval_warnings w
	JOIN approval_cases c ON c.id = w.case_id
	JOIN approval_items i ON i.id = c.item_id
	LEFT JOIN approval_steps st ON st.id = w.step_id AND w.step_id <> 0
	LEFT JOIN approval_ratings r ON r.case_id = w.case_id
	WHERE (w.kind = 'limit' AND c.status IN ('accepted', 'in_review', 'suspended'))
	   OR (w.kind = 'deliver' AND c.status = 'decided')
	   OR (w.kind = 'rectify' AND r.rectified_at IS NULL)
	ORDER BY w.case_id, w.step_id, w.id`

// Warnings lists the current warnings: for supervisors every department's
// (or f.DeptID's), for an approver their own department's only — a case's
// own limit, its delivery limit and its rectification belong to its lead
// department, a step's to the step's. A warning stands while its limit does:
// the case or step is still open (a delivery warning: the case decided and
// not delivered) and its due date is the one warned about (a suspension or an
// extension moves it). Red before yellow, the longest overdue first.
func (s *Service) Warnings(ctx context.Context, f WarningFilter) ([]Warning, error) {
	var err error
	if f.DeptID, err = watchedDept(ctx, f.DeptID, "电子监察预警"); err != nil {
		return nil, err
	}
	if f.Level != "" && f.Level != WarnYellow && f.Level != WarnRed {
		return nil, problem.InvalidField("level", "level_unknown", "预警级别应为 yellow（黄牌）或 red（红牌）")
	}
	today := calendar.DateOf(s.Clock.Now(), clock.Shanghai)
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var rows []warningRow
	if err := sqlx.SelectContext(ctx, s.DB, &rows, selectWarnings); err != nil {
		return nil, fmt.Errorf("list warnings: %w", err)
	}
	names, err := deptNames(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	type key struct {
		caseID, stepID int64
		kind           string
	}
	best := map[key]*Warning{}
	var order []key
	for _, r := range rows {
		due := calendar.DateOf(r.DueOn, time.UTC)
		dept := r.LeadDept
		switch {
		case r.Kind == WarnRectify:
			if !r.RectDue.Valid || calendar.DateOf(r.RectDue.Time, time.UTC) != due {
				continue
			}
		case r.Kind == WarnDeliver:
			if !r.DeliverDue.Valid || calendar.DateOf(r.DeliverDue.Time, time.UTC) != due {
				continue
			}
		case r.StepID == 0:
			if !r.CaseDue.Valid || calendar.DateOf(r.CaseDue.Time, time.UTC) != due {
				continue
			}
		default:
			if !r.StepDue.Valid || r.StepStatus.String != StepPending || calendar.DateOf(r.StepDue.Time, time.UTC) != due {
				continue
			}
			dept = r.StepDept.Int64
		}
		if f.DeptID != 0 && dept != f.DeptID {
			continue
		}
		k := key{r.CaseID, r.StepID, r.Kind}
		if cur, ok := best[k]; ok && (cur.Level == WarnRed || r.Level == WarnYellow) {
			continue
		}
		if _, ok := best[k]; !ok {
			order = append(order, k)
		}
		w := &Warning{ID: r.ID, CaseID: r.CaseID, CaseNo: r.CaseNo, ItemName: r.ItemName, Status: r.Status, StepID: r.StepID,
			Task: r.Task.String, DeptID: dept, DeptName: names[dept], Kind: r.Kind, Level: r.Level, DueOn: due.String(), RaisedAt: r.RaisedAt}
		if n := cal.WorkingDaysBetween(due, today); n > 0 {
			w.DaysOver = n
		} else {
			w.DaysLeft = -n
		}
		best[k] = w
	}
	out := make([]Warning, 0, len(order))
	for _, k := range order {
		if w := best[k]; f.Level == "" || w.Level == f.Level {
			out = append(out, *w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Level != out[j].Level {
			return out[i].Level == WarnRed
		}
		if out[i].DueOn != out[j].DueOn {
			return out[i].DueOn < out[j].DueOn
		}
		return out[i].CaseNo < out[j].CaseNo
	})
	return out, nil
}

// deptNames maps the departments' organisation ids to their names.
func deptNames(ctx context.Context, q sqlx.QueryerContext) (map[int64]string, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, name FROM organisations WHERE kind = ?`, accounts.OrgDepartment); err != nil {
		return nil, fmt.Errorf("department names: %w", err)
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
