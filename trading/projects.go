package trading

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	"ggzy/minutes"
	"ggzy/money"
	"ggzy/problem"
	"ggzy/schedule"
)

// DeadlineEvent is the timed event that closes a lot's submissions.
const DeadlineEvent = "trading.submission_deadline"

// ProjectInput is a registration as the agency fills it in. ParseErrors are
// fields the caller could not parse (a malformed amount or time); they are
// reported together with the service's own findings, all at once.
type ProjectInput struct {
	Kind        string
	Method      string
	Title       string
	OwnerName   string
	Locality    string
	Place       string
	Details     map[string]string
	Eligibility []string
	Timeline    Timeline
	Lots        []Lot
	ParseErrors []problem.Field
}

// ParseLocalTime reads a time entered in Asia/Shanghai: "2026-04-01 09:30",
// "2026-04-01T09:30" or with seconds. Empty input is the zero time.
func ParseLocalTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, ok := time.Time{}, false
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if p, err := time.ParseInLocation(layout, s, clock.Shanghai); err == nil {
			t, ok = p, true
			break
		}
	}
	if !ok {
		if p, err := time.Parse(time.RFC3339, s); err == nil {
			t, ok = p, true
		}
	}
	switch {
	case !ok:
		return time.Time{}, problem.New(problem.Invalid, "time_invalid", "时间格式不正确，应为如 2026-04-01 09:30 的北京时间")
	case !clock.Plausible(t):
		return time.Time{}, problem.New(problem.Invalid, "time_out_of_range", fmt.Sprintf("时间超出范围，应在%d年至%d年之间", clock.MinYear, clock.MaxYear))
	}
	return t.UTC(), nil
}

func (in *ProjectInput) normalise() {
	in.Kind = strings.TrimSpace(in.Kind)
	in.Method = strings.TrimSpace(in.Method)
	in.Title = strings.TrimSpace(in.Title)
	in.OwnerName = strings.TrimSpace(in.OwnerName)
	in.Locality = strings.TrimSpace(in.Locality)
	if in.Locality == "" {
		in.Locality = DefaultLocality
	}
	in.Place = strings.TrimSpace(in.Place)
	var el []string
	for _, e := range in.Eligibility {
		if e = strings.TrimSpace(e); e != "" {
			el = append(el, e)
		}
	}
	in.Eligibility = el
	for k, v := range in.Details {
		in.Details[k] = strings.TrimSpace(v)
	}
	for i := range in.Lots {
		in.Lots[i].Name = strings.TrimSpace(in.Lots[i].Name)
	}
}

// checkShape finds what makes a draft impossible to store: an unknown kind
// or method, a missing title, overlong text, unknown detail names, negative
// amounts.
func (in *ProjectInput) checkShape(f *problem.Fields) {
	for _, pe := range in.ParseErrors {
		f.Add(pe.Name, pe.Code, pe.Message)
	}
	kf, okKind := Fields[in.Kind]
	if !okKind {
		f.Add("kind", "kind_unknown", "交易类型不正确，应为建设工程、政府采购、土地出让或产权交易之一")
	} else if !ValidMethod(in.Kind, in.Method) {
		f.Add("method", "method_unknown", "该交易类型不支持所选的交易方式")
	}
	if in.Title == "" {
		f.Add("title", "required", "项目名称不能为空")
	} else if utf8.RuneCountInString(in.Title) > 200 {
		f.Add("title", "too_long", "项目名称不能超过200个字")
	} else if bad := minutes.Unprintable(in.Title); bad != "" {
		f.Add("title", "unprintable_chars", "项目名称含有交易文书字库无法打印的字符“"+bad+"”")
	}
	if utf8.RuneCountInString(in.OwnerName) > 200 {
		f.Add("owner_name", "too_long", "招标人（采购人、出让人）名称不能超过200个字")
	}
	if !localityRe.MatchString(in.Locality) {
		f.Add("locality", "locality_invalid", "地区代码不正确")
	}
	if utf8.RuneCountInString(in.Place) > 200 {
		f.Add("place", "too_long", "地点不能超过200个字")
	}
	if len(in.Eligibility) > 20 {
		f.Add("eligibility", "too_many", "资格条件不能超过20条")
	}
	for i, e := range in.Eligibility {
		if utf8.RuneCountInString(e) > 300 {
			f.Add("eligibility", "too_long", fmt.Sprintf("第%d条资格条件超过300字", i+1))
		}
	}
	if okKind {
		known := map[string]bool{}
		for _, d := range kf.Project {
			known[d.Name] = true
		}
		for k, v := range in.Details {
			if !known[k] && v != "" {
				f.Add(k, "field_unknown", "该交易类型没有此项")
			} else if utf8.RuneCountInString(v) > 200 {
				f.Add(k, "too_long", "不能超过200个字")
			}
		}
	}
	if len(in.Lots) > 50 {
		f.Add("lots", "too_many", "标段（包）不能超过50个")
	}
	for i, l := range in.Lots {
		if utf8.RuneCountInString(l.Name) > 200 {
			f.Add(lotField(i, "name"), "too_long", "标段（包）名称不能超过200个字")
		}
		for name, v := range map[string]money.Fen{"price": l.Price, "estimate": l.Estimate, "deposit": l.Deposit, "reserve": l.Reserve} {
			if v < 0 {
				f.Add(lotField(i, name), "amount_negative", "金额不能为负数")
			} else if v > MaxAmount {
				f.Add(lotField(i, name), "amount_too_large", fmt.Sprintf("第%d标段（包）的金额超过%s元，请核对位数", i+1, MaxAmount))
			}
		}
		if okKind {
			known := map[string]bool{}
			for _, d := range kf.Lot {
				known[d.Name] = true
			}
			for k, v := range l.Details {
				if !known[k] && v != "" {
					f.Add(lotField(i, k), "field_unknown", "该交易类型没有此项")
				} else if utf8.RuneCountInString(v) > 200 {
					f.Add(lotField(i, k), "too_long", "不能超过200个字")
				}
			}
		}
	}
}

// checkComplete lists everything a registration still lacks, and the
// timeline's order, for submission and publication. now is the reading of
// the clock (announce = today).
func checkComplete(p *Project, now time.Time, f *problem.Fields) {
	kf := Fields[p.Kind]
	if p.OwnerName == "" {
		f.Add("owner_name", "required", "请填写招标人（采购人、出让人、转让方）")
	}
	for _, d := range kf.Project {
		if d.Required && p.Details[d.Name] == "" {
			f.Add(d.Name, "required", "请填写"+d.Label)
		}
	}
	if p.Place == "" {
		f.Add("place", "required", "请填写开标（交易）地点")
	}
	if len(p.Lots) == 0 {
		f.Add("lots", "required", "至少需要一个标段（包）")
	}
	for i, l := range p.Lots {
		n := i + 1
		if l.Name == "" {
			f.Add(lotField(i, "name"), "required", fmt.Sprintf("请填写第%d标段（包）名称", n))
		}
		if l.Price <= 0 {
			f.Add(lotField(i, "price"), "required", fmt.Sprintf("请填写第%d标段（包）%s", n, kf.PriceLabel))
		}
		if kf.EstimateLabel != "" && l.Estimate <= 0 {
			f.Add(lotField(i, "estimate"), "required", fmt.Sprintf("请填写第%d标段（包）%s", n, kf.EstimateLabel))
		}
		// No deposit cap applies to land and property lots (engineering
		// and procurement have their 2 % rules), but a deposit above the
		// price is a slip of a digit, never a deposit.
		if l.Price > 0 && l.Deposit > l.Price {
			f.Add(lotField(i, "deposit"), "deposit_above_price", fmt.Sprintf("第%d标段（包）保证金%s元高于%s%s元，请核对", n, l.Deposit, kf.PriceLabel, l.Price))
		}
		for _, d := range kf.Lot {
			v := l.Details[d.Name]
			switch {
			case d.Required && v == "":
				f.Add(lotField(i, d.Name), "required", fmt.Sprintf("请填写第%d宗地%s", n, d.Label))
			case v != "" && d.Money:
				if _, err := money.Parse(v); err != nil {
					f.Add(lotField(i, d.Name), "amount_invalid", d.Label+"应为金额，如 100000 或 1,000.00")
				}
			case v != "" && (d.Name == "term"):
				if n, err := strconv.Atoi(v); err != nil || n <= 0 || n > 70 {
					f.Add(lotField(i, d.Name), "term_invalid", "出让年限应为1到70之间的整数")
				}
			case v != "" && (d.Name == "area"):
				if _, err := money.Parse(v); err != nil {
					f.Add(lotField(i, d.Name), "area_invalid", "面积应为数字，最多两位小数")
				}
			}
		}
	}
	tl := p.Timeline
	for _, name := range kf.Timeline {
		if tl.Get(name).IsZero() {
			f.Add(name, "required", "请填写"+TimelineLabels[name]+"时间")
		}
	}
	today := dayOf(now)
	for _, name := range kf.Timeline {
		if t := tl.Get(name); !t.IsZero() && dayOf(t).Before(today) {
			f.Add(name, "time_past", TimelineLabels[name]+"时间不能早于今天")
		}
	}
	if !tl.DocsFrom.IsZero() && !tl.DocsUntil.IsZero() && !tl.DocsUntil.After(tl.DocsFrom) {
		f.Add("docs_until", "order", "文件发售截止时间应晚于开始时间")
	}
	if !tl.SignupUntil.IsZero() && !tl.Deadline.IsZero() && tl.SignupUntil.After(tl.Deadline) {
		f.Add("signup_until", "order", "报名截止时间不能晚于递交截止时间")
	}
	if !tl.BidStart.IsZero() && !tl.Deadline.IsZero() && !tl.Deadline.After(tl.BidStart) {
		f.Add("deadline", "order", "挂牌（竞价）截止时间应晚于开始时间")
	}
	if !tl.DocsUntil.IsZero() && !tl.Deadline.IsZero() && tl.DocsUntil.After(tl.Deadline) {
		f.Add("docs_until", "order", "文件发售截止时间不能晚于递交截止时间")
	}
}

// checkOpeningDay refuses a deadline on a weekend or a 法定节假日 not
// worked (调休 days are working days): the opening (or the close of the
// bidding) is held at the deadline in the centre's rooms, which are booked
// on working days only, so such a project could not be opened.
func checkOpeningDay(cal *calendar.Calendar, deadline time.Time, f *problem.Fields) {
	if deadline.IsZero() {
		return
	}
	d := dayOf(deadline)
	if cal.IsWorkingDay(d) {
		return
	}
	why := [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[d.Weekday()]
	if e, ok := cal.Lookup(d); ok && e.Name != "" {
		why = "法定节假日（" + e.Name + "）"
	}
	f.Add("deadline", "deadline_not_working_day", fmt.Sprintf("递交截止（开标）时间 %s 是%s，交易中心不开标，请改在工作日", localTime(deadline), why))
}

// checkOpeningHours refuses a deadline outside the hours of the centre's
// rooms where deadlines are held (开标室, 拍卖室: the earliest opening to
// the latest closing of the active ones, OpeningHours): an opening at
// 03:00, a typing slip, could not be held or booked. Without such rooms
// (OpeningHours unset, or none defined) any time is taken.
func (s *Service) checkOpeningHours(ctx context.Context, deadline time.Time, f *problem.Fields) error {
	if deadline.IsZero() || s.OpeningHours == nil {
		return nil
	}
	from, until, ok, err := s.OpeningHours(ctx)
	if err != nil || !ok {
		return err
	}
	lt := deadline.In(clock.Shanghai)
	if m := lt.Hour()*60 + lt.Minute(); m < from || m >= until {
		f.Add("deadline", "deadline_outside_hours", fmt.Sprintf("递交截止（开标）时间 %s 不在交易中心开标、拍卖场地的开放时间 %02d:%02d–%02d:%02d 内",
			localTime(deadline), from/60, from%60, until/60, until%60))
	}
	return nil
}

// findingsInto adds blocking findings to f and returns the warnings.
func findingsInto(fs []Finding, f *problem.Fields) []Finding {
	var warns []Finding
	for _, x := range fs {
		if x.Action == "warn" {
			warns = append(warns, x)
			continue
		}
		f.Add(x.Field, "rule_"+x.RuleID, x.Message)
	}
	return warns
}

func requireAgency(ctx context.Context) (audit.Actor, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleAgency) || a.OrgID == 0 {
		return a, problem.New(problem.Forbidden, "forbidden", "只有招标代理机构（招标人）可以办理进场登记")
	}
	return a, nil
}

// canSeeAll: staff, supervisors and admins see every registration (never
// the sealed parts).
func canSeeAll(a audit.Actor) bool {
	return a.Has(accounts.RoleStaff) || a.Has(accounts.RoleSupervisor) || a.Has(accounts.RoleAdmin)
}

func notFound() error { return problem.New(problem.NotFound, "project_not_found", "项目不存在") }

// checkLocality refuses a locality that has no rules of its own: a typing
// error would otherwise quietly register the project under the default
// rules. Admins give a locality its rules on the rules page first.
func checkLocality(ctx context.Context, q sqlx.QueryerContext, locality string) error {
	if locality == DefaultLocality {
		return nil
	}
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM trading_rule_sets WHERE locality = ?`, locality); err != nil {
		return fmt.Errorf("rule sets of %s: %w", locality, err)
	}
	if n == 0 {
		return problem.InvalidField("locality", "locality_unknown", fmt.Sprintf("地区 %s 尚未设置交易规则：请留空（使用默认规则）或由管理员先设置该地区的规则", locality))
	}
	return nil
}

// CreateProject stores a draft registration of the actor's organisation.
func (s *Service) CreateProject(ctx context.Context, in ProjectInput) (int64, error) {
	a, err := requireAgency(ctx)
	if err != nil {
		return 0, err
	}
	in.normalise()
	var f problem.Fields
	in.checkShape(&f)
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if err := checkLocality(ctx, tx, in.Locality); err != nil {
			return err
		}
		details, _ := json.Marshal(nonNil(in.Details))
		elig, _ := json.Marshal(nonNilList(in.Eligibility))
		res, err := tx.ExecContext(ctx, `INSERT INTO trading_projects (kind, method, title, owner_name, agency_org_id, created_by, locality, status,
			details, eligibility, place, docs_from, docs_until, signup_until, bid_start, deadline, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Kind, in.Method, in.Title, in.OwnerName, a.OrgID, nullID(a.UserID), in.Locality, StatusDraft, string(details), string(elig), in.Place,
			nullTime(in.Timeline.DocsFrom), nullTime(in.Timeline.DocsUntil), nullTime(in.Timeline.SignupUntil), nullTime(in.Timeline.BidStart), nullTime(in.Timeline.Deadline), now, now)
		if err != nil {
			return fmt.Errorf("insert project: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := s.writeLots(ctx, tx, id, in.Lots); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.create", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"kind": in.Kind, "method": in.Method, "title": in.Title, "lots": len(in.Lots)}})
	})
	return id, err
}

func (s *Service) writeLots(ctx context.Context, tx *sqlx.Tx, projectID int64, lots []Lot) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM trading_lots WHERE project_id = ?`, projectID); err != nil {
		return fmt.Errorf("replace lots: %w", err)
	}
	for i, l := range lots {
		details, _ := json.Marshal(nonNil(l.Details))
		var reserve []byte
		if l.HasReserve {
			var err error
			reserve, err = s.Vault.Seal("reserve", projectObject(projectID), []byte(strconv.FormatInt(int64(l.Reserve), 10)))
			if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO trading_lots (project_id, lot_no, name, price, estimate, deposit, details, reserve_sealed, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, projectID, i+1, l.Name, int64(l.Price), int64(l.Estimate), int64(l.Deposit), string(details), reserve, LotOpen); err != nil {
			return fmt.Errorf("insert lot %d: %w", i+1, err)
		}
	}
	return nil
}

// lockOwned locks the project row and checks the actor's organisation owns it.
func lockOwned(ctx context.Context, tx *sqlx.Tx, id int64, a audit.Actor) (string, error) {
	var row struct {
		Status string `db:"status"`
		Org    int64  `db:"agency_org_id"`
	}
	err := tx.GetContext(ctx, &row, `SELECT status, agency_org_id FROM trading_projects WHERE id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && row.Org != a.OrgID) {
		return "", notFound()
	}
	if err != nil {
		return "", fmt.Errorf("lock project %d: %w", id, err)
	}
	return row.Status, nil
}

// UpdateProject replaces a draft or returned registration.
func (s *Service) UpdateProject(ctx context.Context, id int64, in ProjectInput) error {
	a, err := requireAgency(ctx)
	if err != nil {
		return err
	}
	in.normalise()
	var f problem.Fields
	in.checkShape(&f)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		if status != StatusDraft && status != StatusReturned {
			return problem.New(problem.Conflict, "project_not_editable", "项目已提交或已受理，不能修改")
		}
		// A project coded at its submission keeps its kind: the code
		// (GC-, CG-, TD-, CQ-) says it.
		var cur struct {
			Kind string         `db:"kind"`
			Code sql.NullString `db:"code"`
		}
		if err := tx.GetContext(ctx, &cur, `SELECT kind, code FROM trading_projects WHERE id = ?`, id); err != nil {
			return err
		}
		if cur.Code.Valid && cur.Code.String != "" && in.Kind != cur.Kind {
			return problem.InvalidField("kind", "kind_fixed", fmt.Sprintf("项目已编号（%s），不能改为其他交易类型；如需改变类型请重新登记", cur.Code.String))
		}
		if err := checkLocality(ctx, tx, in.Locality); err != nil {
			return err
		}
		details, _ := json.Marshal(nonNil(in.Details))
		elig, _ := json.Marshal(nonNilList(in.Eligibility))
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET kind = ?, method = ?, title = ?, owner_name = ?, locality = ?, details = ?, eligibility = ?,
			place = ?, docs_from = ?, docs_until = ?, signup_until = ?, bid_start = ?, deadline = ?, updated_at = ? WHERE id = ?`,
			in.Kind, in.Method, in.Title, in.OwnerName, in.Locality, string(details), string(elig), in.Place,
			nullTime(in.Timeline.DocsFrom), nullTime(in.Timeline.DocsUntil), nullTime(in.Timeline.SignupUntil), nullTime(in.Timeline.BidStart), nullTime(in.Timeline.Deadline), now, id); err != nil {
			return fmt.Errorf("update project %d: %w", id, err)
		}
		if err := s.writeLots(ctx, tx, id, in.Lots); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.update", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"title": in.Title, "lots": len(in.Lots)}})
	})
}

// Submit hands a draft (or a returned registration) to the centre. Every
// missing or wrong item and every blocking rule is reported at once. The
// first submission gives the project its code (GC-2026-0001) and fixes the
// rule set version it is judged by.
func (s *Service) Submit(ctx context.Context, id int64) ([]Finding, error) {
	a, err := requireAgency(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var warns []Finding
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		if status != StatusDraft && status != StatusReturned {
			return problem.New(problem.Conflict, "project_not_submittable", "项目已提交，不能重复提交")
		}
		p, err := loadProject(ctx, tx, id)
		if err != nil {
			return err
		}
		setID := p.RuleSetID
		if setID == 0 {
			if setID, err = currentRuleSetID(ctx, tx, p.Locality); err != nil {
				return err
			}
		}
		rs, err := loadRuleSet(ctx, tx, setID)
		if err != nil {
			return err
		}
		var f problem.Fields
		checkComplete(p, now, &f)
		checkOpeningDay(cal, p.Timeline.Deadline, &f)
		if err := s.checkOpeningHours(ctx, p.Timeline.Deadline, &f); err != nil {
			return err
		}
		warns = findingsInto(checkRules(rs, cal, p, map[string]time.Time{"announce": now}), &f)
		if err := f.Err(); err != nil {
			pe, _ := problem.As(err)
			pe.Code = "registration_incomplete"
			pe.Message = fmt.Sprintf("进场登记有%d处需要补正，请逐项修改后再提交", len(pe.Fields))
			return pe
		}
		code := p.Code
		if code == "" {
			if code, err = nextCode(ctx, tx, p.Kind, dayOf(now).Year); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET status = ?, code = ?, rule_set_id = ?, submitted_at = ?, updated_at = ? WHERE id = ?`,
			StatusSubmitted, code, setID, now, now, id); err != nil {
			return fmt.Errorf("submit project %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.submit", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"code": code, "rule_set": setID, "warnings": len(warns)}})
	})
	return warns, err
}

// nextCode takes the next number of kind and year from its counter row,
// locked for the rest of the transaction.
func nextCode(ctx context.Context, tx *sqlx.Tx, kind string, year int) (string, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO trading_code_counters (kind, year, last_no) VALUES (?, ?, 0)
		ON DUPLICATE KEY UPDATE last_no = last_no`, kind, year); err != nil {
		return "", fmt.Errorf("code counter: %w", err)
	}
	var last int
	if err := tx.GetContext(ctx, &last, `SELECT last_no FROM trading_code_counters WHERE kind = ? AND year = ? FOR UPDATE`, kind, year); err != nil {
		return "", fmt.Errorf("lock code counter: %w", err)
	}
	last++
	if _, err := tx.ExecContext(ctx, `UPDATE trading_code_counters SET last_no = ? WHERE kind = ? AND year = ?`, last, kind, year); err != nil {
		return "", fmt.Errorf("advance code counter: %w", err)
	}
	return fmt.Sprintf("%s-%d-%04d", kindPrefix[kind], year, last), nil
}

// Review accepts a submitted registration, or returns it with every item
// to correct listed at once (一次性告知).
func (s *Service) Review(ctx context.Context, id int64, accept bool, items []string) error {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) {
		return problem.New(problem.Forbidden, "forbidden", "只有交易中心工作人员可以受理进场登记")
	}
	var clean []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			clean = append(clean, it)
		}
	}
	if !accept && len(clean) == 0 {
		return problem.InvalidField("items", "items_required", "退回时须一次性列明全部需补正的事项")
	}
	if len(clean) > 50 {
		return problem.InvalidField("items", "too_many", "补正事项不能超过50条")
	}
	for _, it := range clean {
		if utf8.RuneCountInString(it) > 500 {
			return problem.InvalidField("items", "too_long", "每条补正事项不能超过500字")
		}
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var status string
		err := tx.GetContext(ctx, &status, `SELECT status FROM trading_projects WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("lock project %d: %w", id, err)
		}
		if status != StatusSubmitted {
			return problem.New(problem.Conflict, "project_not_submitted", "项目不在待受理状态")
		}
		decision, newStatus, col := "return", StatusReturned, "updated_at"
		if accept {
			decision, newStatus, col = "accept", StatusAccepted, "accepted_at"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET status = ?, `+col+` = ?, updated_at = ? WHERE id = ?`, newStatus, now, now, id); err != nil {
			return fmt.Errorf("review project %d: %w", id, err)
		}
		b, _ := json.Marshal(nonNilList(clean))
		if _, err := tx.ExecContext(ctx, `INSERT INTO trading_reviews (project_id, decision, items, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?)`,
			id, decision, string(b), nullID(a.UserID), now); err != nil {
			return fmt.Errorf("insert review: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project." + decision, ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"items": clean}})
	})
}

// Publish publishes the announcement of an accepted registration with its
// final timeline (tl, or the registered one when tl is nil), checks the
// rules again with today as the announcement day, and schedules each lot's
// submission deadline.
func (s *Service) Publish(ctx context.Context, id int64, tl *Timeline) ([]Finding, error) {
	a, err := requireAgency(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var warns []Finding
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		if status != StatusAccepted {
			return problem.New(problem.Conflict, "project_not_accepted", "项目须经交易中心受理后才能发布公告")
		}
		p, err := loadProject(ctx, tx, id)
		if err != nil {
			return err
		}
		if tl != nil {
			p.Timeline = *tl
		}
		rs, err := loadRuleSet(ctx, tx, p.RuleSetID)
		if err != nil {
			return err
		}
		var f problem.Fields
		checkComplete(p, now, &f)
		checkOpeningDay(cal, p.Timeline.Deadline, &f)
		if err := s.checkOpeningHours(ctx, p.Timeline.Deadline, &f); err != nil {
			return err
		}
		if !p.Timeline.DocsFrom.IsZero() && dayOf(p.Timeline.DocsFrom).Before(dayOf(now)) {
			f.Add("docs_from", "time_past", "文件发售开始时间不能早于公告发布之日")
		}
		warns = findingsInto(checkRules(rs, cal, p, map[string]time.Time{"announce": now}), &f)
		invited, err := invitationFindings(ctx, tx, p)
		if err != nil {
			return err
		}
		warns = append(warns, findingsInto(invited, &f)...)
		if err := f.Err(); err != nil {
			return err
		}
		t := p.Timeline
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET status = ?, published_at = ?, docs_from = ?, docs_until = ?, signup_until = ?, bid_start = ?, deadline = ?, updated_at = ? WHERE id = ?`,
			StatusPublished, now, nullTime(t.DocsFrom), nullTime(t.DocsUntil), nullTime(t.SignupUntil), nullTime(t.BidStart), nullTime(t.Deadline), now, id); err != nil {
			return fmt.Errorf("publish project %d: %w", id, err)
		}
		p.Status, p.PublishedAt = StatusPublished, now
		title := p.Title + announcementSuffix(p)
		if _, err := insertAnnouncement(ctx, tx, p, "tender", title, tenderBody(p), now); err != nil {
			return err
		}
		for _, l := range p.Lots {
			if err := schedule.At(ctx, tx, DeadlineEvent, fmt.Sprintf("lot:%d", l.ID), t.Deadline, now); err != nil {
				return err
			}
		}
		if err := scheduleSignupEnd(ctx, tx, id, t.SignupUntil, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.publish", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"code": p.Code, "deadline": t.Deadline, "signup_until": t.SignupUntil}})
	})
	if err == nil {
		s.portalInvalidate()
	}
	return warns, err
}

func announcementSuffix(p *Project) string {
	switch p.Kind {
	case Land:
		return MethodNames[p.Method] + "出让公告"
	case Property:
		return "产权转让公告"
	case Procurement:
		return MethodNames[p.Method] + "采购公告"
	}
	return MethodNames[p.Method] + "公告"
}

func insertAnnouncement(ctx context.Context, tx *sqlx.Tx, p *Project, typ, title, body string, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO trading_announcements (project_id, type, code, kind, method, title, body, deadline, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, typ, p.Code, p.Kind, p.Method, title, body, nullTime(p.Timeline.Deadline), now)
	if err != nil {
		return 0, fmt.Errorf("insert announcement: %w", err)
	}
	return res.LastInsertId()
}

func localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Shanghai).Format("2006年01月02日 15:04")
}

func tenderBody(p *Project) string {
	var b strings.Builder
	kf := Fields[p.Kind]
	fmt.Fprintf(&b, "项目编号：%s\n交易类型：%s　交易方式：%s\n招标人（采购人、出让人）：%s\n", p.Code, KindNames[p.Kind], MethodNames[p.Method], p.OwnerName)
	for _, d := range kf.Project {
		if v := p.Details[d.Name]; v != "" {
			fmt.Fprintf(&b, "%s：%s\n", d.Label, v)
		}
	}
	for _, name := range kf.Timeline {
		fmt.Fprintf(&b, "%s：%s\n", TimelineLabels[name], localTime(p.Timeline.Get(name)))
	}
	fmt.Fprintf(&b, "开标（交易）地点：%s\n", p.Place)
	if len(p.Eligibility) > 0 {
		b.WriteString("投标人资格要求：\n")
		for i, e := range p.Eligibility {
			fmt.Fprintf(&b, "%d. %s\n", i+1, e)
		}
	}
	return b.String()
}

// Clarify issues a clarification (澄清或修改) of a published project. When it
// comes later than the clarification rule allows before the deadline, the
// deadline moves: to newDeadline if given (which must itself satisfy the
// rule), otherwise to the earliest allowed day at the same time of day.
// The lots' deadline events move with it, and the project's room bookings
// (DeadlineMoved). It returns the deadline in force and what staff must
// still arrange (a room not free at the new time, say).
func (s *Service) Clarify(ctx context.Context, id int64, text string, newDeadline time.Time, answers []int64) (time.Time, []string, error) {
	d, movedFrom, err := s.clarify(ctx, id, text, newDeadline, answers)
	if err != nil || movedFrom.IsZero() || s.DeadlineMoved == nil {
		return d, nil, err
	}
	return d, s.DeadlineMoved(ctx, id, movedFrom, d), nil
}

func (s *Service) clarify(ctx context.Context, id int64, text string, newDeadline time.Time, answers []int64) (time.Time, time.Time, error) {
	var movedFrom time.Time
	a, err := requireAgency(ctx)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return time.Time{}, time.Time{}, problem.InvalidField("text", "required", "请填写澄清或修改的内容")
	}
	if utf8.RuneCountInString(text) > 5000 {
		return time.Time{}, time.Time{}, problem.InvalidField("text", "too_long", "澄清内容不能超过5000字")
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	now := s.Clock.Now()
	var deadline time.Time
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		if status != StatusPublished {
			return problem.New(problem.Conflict, "project_not_published", "只有已发布公告的项目可以澄清")
		}
		p, err := loadProject(ctx, tx, id)
		if err != nil {
			return err
		}
		if !now.Before(p.Timeline.Deadline) {
			return problem.New(problem.Gone, "deadline_passed", "递交截止时间已过，不能再澄清")
		}
		rs, err := loadRuleSet(ctx, tx, p.RuleSetID)
		if err != nil {
			return err
		}
		old := p.Timeline.Deadline
		deadline = old
		if !newDeadline.IsZero() {
			if !newDeadline.After(now) {
				return problem.InvalidField("deadline", "time_past", "新的递交截止时间须晚于现在")
			}
			// A clarification moves the deadline later, never earlier: an
			// earlier one would shorten the tender period announced (and
			// could fall before the sign-up closes).
			if newDeadline.Before(old) {
				return problem.InvalidField("deadline", "deadline_earlier", fmt.Sprintf("澄清只能顺延递交截止时间，不能提前（现为 %s）", localTime(old)))
			}
			var f problem.Fields
			checkOpeningDay(cal, newDeadline, &f)
			if err := s.checkOpeningHours(ctx, newDeadline, &f); err != nil {
				return err
			}
			if !f.Empty() {
				return f.Err()
			}
			deadline = newDeadline
		}
		var ruleUsed string
		for _, r := range rs.Rules {
			if !r.Applies(p.Kind, p.Method) || r.CheckType != "period" || r.Anchor != "clarification" || r.Target != "deadline" {
				continue
			}
			min := cal.AddDays(dayOf(now), r.Days, r.DayCount())
			if !dayOf(deadline).Before(min) {
				continue
			}
			switch r.Action {
			case "move":
				if !newDeadline.IsZero() {
					return problem.InvalidField("deadline", "rule_"+r.ID, fmt.Sprintf("%s：新的递交截止时间应不早于%s", r.describe(), min))
				}
				// The opening is held at the deadline: a period that ends on
				// a weekend or a 法定节假日 ends on the next working day
				// (民法典 第二百零三条), when the centre is open.
				day := cal.AddWorkingDays(min, 0)
				lt := deadline.In(clock.Shanghai)
				deadline = time.Date(day.Year, day.Month, day.Day, lt.Hour(), lt.Minute(), 0, 0, clock.Shanghai).UTC()
				ruleUsed = r.ID
			case "block":
				return problem.InvalidField("deadline", "rule_"+r.ID, r.describe())
			}
		}
		moved := !deadline.Equal(old)
		body := text
		movedFrom = time.Time{}
		if moved {
			movedFrom = old
			body += fmt.Sprintf("\n\n递交截止（开标）时间由 %s 顺延至 %s。", localTime(old), localTime(deadline))
			if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET deadline = ?, updated_at = ? WHERE id = ?`, deadline, now, id); err != nil {
				return fmt.Errorf("move deadline: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE trading_announcements SET deadline = ? WHERE project_id = ?`, deadline, id); err != nil {
				return fmt.Errorf("move announced deadline: %w", err)
			}
			for _, l := range p.Lots {
				if err := schedule.At(ctx, tx, DeadlineEvent, fmt.Sprintf("lot:%d", l.ID), deadline, now); err != nil {
					return err
				}
			}
			p.Timeline.Deadline = deadline
		}
		annID, err := insertAnnouncement(ctx, tx, p, "clarification", p.Title+"澄清（修改）公告", body, now)
		if err != nil {
			return err
		}
		for i, q := range answers {
			res, err := tx.ExecContext(ctx, `UPDATE trading_questions SET answer_id = ? WHERE id = ? AND project_id = ?`, annID, q, id)
			if err != nil {
				return fmt.Errorf("answer question %d: %w", q, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return problem.InvalidField(fmt.Sprintf("answers[%d]", i), "question_not_found", fmt.Sprintf("本项目没有编号为%d的问题", q))
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.clarify", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"announcement": annID, "deadline_from": old, "deadline_to": deadline, "rule": ruleUsed}})
	})
	if err == nil {
		s.portalInvalidate()
	}
	return deadline, movedFrom, err
}

// LotResult is what the agency records of one lot at the result. Outcome
// is chosen for engineering and procurement only: empty or OutcomeAwarded
// (Winner and Price), OutcomeFailed (废标) or OutcomeTerminated (终止), both
// with a Reason. For land Winner and Price are the highest bidder and price
// (both empty: nobody bid); for property the buyer and the price.
type LotResult struct {
	LotID   int64
	Outcome string
	Winner  string
	Price   money.Fen
	Reason  string
}

// PublishResult publishes the result notice (中标/成交结果公告) once every lot
// is closed, each lot's outcome decided by the rules of its kind
// (outcomes.go), reveals the land reserve prices, and computes each
// deposit's refund due date from the refund rule of the project's rule set.
func (s *Service) PublishResult(ctx context.Context, id int64, results []LotResult) error {
	a, err := requireAgency(ctx)
	if err != nil {
		return err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		if status != StatusPublished {
			return problem.New(problem.Conflict, "project_not_published", "项目不在可公告结果的状态")
		}
		p, err := loadProject(ctx, tx, id)
		if err != nil {
			return err
		}
		facts, outcomes, err := s.decideOutcomes(ctx, tx, p, results)
		if err != nil {
			return err
		}
		if err := writeOutcomes(ctx, tx, p, facts, outcomes); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET status = ?, result_at = ?, updated_at = ? WHERE id = ?`, StatusResult, now, now, id); err != nil {
			return fmt.Errorf("project result: %w", err)
		}
		if _, err := insertAnnouncement(ctx, tx, p, "result", p.Title+"结果公告", resultBody(p, facts, outcomes), now); err != nil {
			return err
		}
		due, err := s.refundDay(ctx, tx, p, cal, dayOf(now))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_signups SET refund_due = ? WHERE project_id = ? AND refunded_at IS NULL AND deposit_sealed IS NOT NULL`, due.String(), id); err != nil {
			return fmt.Errorf("refund due dates: %w", err)
		}
		if err := scheduleRefundDue(ctx, tx, id, due, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.result", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"lots": len(p.Lots), "refund_due": due.String(), "outcomes": outcomeSummary(p, facts, outcomes)}})
	})
	if err == nil {
		s.portalInvalidate()
	}
	return err
}

// projectRow is a trading_projects row.
type projectRow struct {
	ID          int64          `db:"id"`
	Code        sql.NullString `db:"code"`
	Kind        string         `db:"kind"`
	Method      string         `db:"method"`
	Title       string         `db:"title"`
	OwnerName   string         `db:"owner_name"`
	AgencyOrgID int64          `db:"agency_org_id"`
	Locality    string         `db:"locality"`
	RuleSetID   sql.NullInt64  `db:"rule_set_id"`
	Status      string         `db:"status"`
	Details     string         `db:"details"`
	Eligibility string         `db:"eligibility"`
	Place       string         `db:"place"`
	DocsFrom    sql.NullTime   `db:"docs_from"`
	DocsUntil   sql.NullTime   `db:"docs_until"`
	SignupUntil sql.NullTime   `db:"signup_until"`
	BidStart    sql.NullTime   `db:"bid_start"`
	Deadline    sql.NullTime   `db:"deadline"`
	SubmittedAt sql.NullTime   `db:"submitted_at"`
	AcceptedAt  sql.NullTime   `db:"accepted_at"`
	PublishedAt sql.NullTime   `db:"published_at"`
	ResultAt    sql.NullTime   `db:"result_at"`
	CreatedAt   time.Time      `db:"created_at"`
}

const projectColumns = `id, code, kind, method, title, owner_name, agency_org_id, locality, rule_set_id, status, details, eligibility, place,
	docs_from, docs_until, signup_until, bid_start, deadline, submitted_at, accepted_at, published_at, result_at, created_at`

func (r *projectRow) project() *Project {
	p := &Project{ID: r.ID, Code: r.Code.String, Kind: r.Kind, Method: r.Method, Title: r.Title, OwnerName: r.OwnerName, AgencyOrgID: r.AgencyOrgID,
		Locality: r.Locality, RuleSetID: r.RuleSetID.Int64, Status: r.Status, Place: r.Place,
		Timeline:    Timeline{DocsFrom: r.DocsFrom.Time, DocsUntil: r.DocsUntil.Time, SignupUntil: r.SignupUntil.Time, BidStart: r.BidStart.Time, Deadline: r.Deadline.Time},
		SubmittedAt: r.SubmittedAt.Time, AcceptedAt: r.AcceptedAt.Time, PublishedAt: r.PublishedAt.Time, ResultAt: r.ResultAt.Time, CreatedAt: r.CreatedAt}
	_ = json.Unmarshal([]byte(r.Details), &p.Details)
	_ = json.Unmarshal([]byte(r.Eligibility), &p.Eligibility)
	if p.Details == nil {
		p.Details = map[string]string{}
	}
	return p
}

type lotRow struct {
	ID         int64         `db:"id"`
	No         int           `db:"lot_no"`
	Name       string        `db:"name"`
	Price      int64         `db:"price"`
	Estimate   int64         `db:"estimate"`
	Deposit    int64         `db:"deposit"`
	Details    string        `db:"details"`
	Status     string        `db:"status"`
	ClosedAt   sql.NullTime  `db:"closed_at"`
	Winner     string        `db:"winner"`
	AwardPrice sql.NullInt64 `db:"award_price"`
	Outcome    string        `db:"outcome"`
	Reason     string        `db:"outcome_reason"`
	Bidders    sql.NullInt64 `db:"bidders"`
	Reserve    sql.NullInt64 `db:"reserve_revealed"`
}

func loadProject(ctx context.Context, q sqlx.QueryerContext, id int64) (*Project, error) {
	var r projectRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+projectColumns+` FROM trading_projects WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("project %d: %w", id, err)
	}
	p := r.project()
	var lots []lotRow
	if err := sqlx.SelectContext(ctx, q, &lots, `SELECT id, lot_no, name, price, estimate, deposit, details, status, closed_at, winner, award_price,
		outcome, outcome_reason, bidders, reserve_revealed
		FROM trading_lots WHERE project_id = ? ORDER BY lot_no`, id); err != nil {
		return nil, fmt.Errorf("lots of project %d: %w", id, err)
	}
	for _, l := range lots {
		lot := Lot{ID: l.ID, No: l.No, Name: l.Name, Price: money.Fen(l.Price), Estimate: money.Fen(l.Estimate), Deposit: money.Fen(l.Deposit),
			Status: l.Status, ClosedAt: l.ClosedAt.Time, Winner: l.Winner, AwardPrice: money.Fen(l.AwardPrice.Int64),
			Outcome: l.Outcome, OutcomeName: OutcomeName(p.Kind, p.Method, l.Outcome), OutcomeReason: l.Reason}
		if l.Bidders.Valid {
			n := int(l.Bidders.Int64)
			lot.Bidders = &n
		}
		// The reserve is written in clear only by the result; the status
		// check is a second guard.
		if l.Reserve.Valid && p.Status == StatusResult {
			lot.RevealedReserve, lot.ReserveRevealed = money.Fen(l.Reserve.Int64), true
		}
		_ = json.Unmarshal([]byte(l.Details), &lot.Details)
		if lot.Details == nil {
			lot.Details = map[string]string{}
		}
		p.Lots = append(p.Lots, lot)
	}
	return p, nil
}

// Project returns a registration to its agency, or to staff, supervisors
// and admins.
func (s *Service) Project(ctx context.Context, id int64) (*Project, error) {
	a := audit.ActorFrom(ctx)
	p, err := loadProject(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !canSeeAll(a) && !(a.Has(accounts.RoleAgency) && a.OrgID == p.AgencyOrgID) {
		return nil, notFound()
	}
	var revs []struct {
		Decision string    `db:"decision"`
		Items    string    `db:"items"`
		At       time.Time `db:"reviewed_at"`
	}
	if err := s.DB.SelectContext(ctx, &revs, `SELECT decision, items, reviewed_at FROM trading_reviews WHERE project_id = ? ORDER BY id DESC`, id); err != nil {
		return nil, fmt.Errorf("reviews of project %d: %w", id, err)
	}
	for _, r := range revs {
		rv := Review{Decision: r.Decision, ReviewedAt: r.At}
		_ = json.Unmarshal([]byte(r.Items), &rv.Items)
		p.Reviews = append(p.Reviews, rv)
	}
	return p, nil
}

// ProjectFilter selects registrations.
type ProjectFilter struct {
	Status string
	Limit  int
}

// Projects lists the actor's organisation's registrations (agency) or all
// of them (staff, supervisors, admins), newest first.
func (s *Service) Projects(ctx context.Context, f ProjectFilter) ([]Project, error) {
	a := audit.ActorFrom(ctx)
	q := `SELECT ` + projectColumns + ` FROM trading_projects WHERE 1=1`
	var args []any
	if !canSeeAll(a) {
		if !a.Has(accounts.RoleAgency) {
			return nil, problem.New(problem.Forbidden, "forbidden", "无权查看进场登记")
		}
		q += ` AND agency_org_id = ?`
		args = append(args, a.OrgID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	order := ` ORDER BY id DESC`
	if f.Status == StatusSubmitted {
		order = ` ORDER BY submitted_at, id` // the queue: first come, first served
	}
	q += order + ` LIMIT ?`
	args = append(args, f.Limit)
	var rows []projectRow
	if err := s.DB.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	out := make([]Project, len(rows))
	for i := range rows {
		out[i] = *rows[i].project()
	}
	return out, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nonNil(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
