package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
)

// Rule is one rule as data: which projects it covers (kind, methods), its
// legal basis, and what it checks.
//
//   - period: the target event is at least Days (日 or 工作日) after the anchor
//     event, counted on Shanghai dates (the anchor day itself not counted);
//   - deposit_cap: each lot's deposit ≤ RatePPM millionths of its estimate
//     (engineering, property) or budget (procurement, land);
//   - price_floor: each lot's price ≥ RatePPM millionths of its estimate;
//   - refund: deposits are due back Days after the anchor (the result).
//
// Action is block (refuse), warn (shown, not refused) or move (the target
// moves to the earliest date the rule allows: a late clarification).
type Rule struct {
	RuleSetID int64  `db:"rule_set_id" json:"rule_set_id"`
	ID        string `db:"rule_id" json:"id"`
	Kind      string `db:"kind" json:"kind"`
	Methods   string `db:"methods" json:"methods"`
	Title     string `db:"title" json:"title"`
	Basis     string `db:"basis" json:"basis"`
	CheckType string `db:"check_type" json:"check_type"`
	Anchor    string `db:"anchor" json:"anchor"`
	Target    string `db:"target" json:"target"`
	DayKind   string `db:"day_kind" json:"day_kind"` // calendar (日) or working (工作日)
	Days      int    `db:"days" json:"days"`
	RatePPM   int64  `db:"rate_ppm" json:"rate_ppm"`
	Action    string `db:"action" json:"action"`
	Position  int    `db:"position" json:"-"`
}

// DayCount is the rule's kind of day.
func (r Rule) DayCount() calendar.DayCount {
	if r.DayKind == "working" {
		return calendar.WorkingDays
	}
	return calendar.CalendarDays
}

// RatePercent is the rate as a percentage without the sign: "2", "1.5".
func (r Rule) RatePercent() string {
	return strings.TrimSuffix(money.Rate(r.RatePPM).String(), "%")
}

// MethodLabels names the methods the rule is limited to in Chinese
// ("竞争性谈判、询价"); empty when it covers every method of its kind.
func (r Rule) MethodLabels() string {
	var names []string
	for _, m := range strings.Split(r.Methods, ",") {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		if n, ok := MethodNames[m]; ok {
			m = n
		}
		names = append(names, m)
	}
	return strings.Join(names, "、")
}

// Applies reports whether the rule covers a project of kind and method.
func (r Rule) Applies(kind, method string) bool {
	if r.Kind != kind {
		return false
	}
	if r.Methods == "" {
		return true
	}
	for _, m := range strings.Split(r.Methods, ",") {
		if strings.TrimSpace(m) == method {
			return true
		}
	}
	return false
}

// RuleSet is one version of the rules of a locality.
type RuleSet struct {
	ID        int64     `db:"id" json:"id"`
	Locality  string    `db:"locality" json:"locality"`
	Note      string    `db:"note" json:"note"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	Rules     []Rule    `db:"-" json:"rules"`
}

// DefaultLocality is the rule set every locality without its own falls back to.
const DefaultLocality = "default"

var localityRe = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

const ruleColumns = `rule_set_id, rule_id, kind, methods, title, basis, check_type, anchor, target, day_kind, days, rate_ppm, action, position`

// currentRuleSetID is the newest rule set of locality, or of the default.
func currentRuleSetID(ctx context.Context, q sqlx.QueryerContext, locality string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM trading_rule_sets WHERE locality = ? ORDER BY id DESC LIMIT 1`, locality)
	if errors.Is(err, sql.ErrNoRows) && locality != DefaultLocality {
		return currentRuleSetID(ctx, q, DefaultLocality)
	}
	if err != nil {
		return 0, fmt.Errorf("current rule set of %s: %w", locality, err)
	}
	return id, nil
}

func loadRuleSet(ctx context.Context, q sqlx.QueryerContext, id int64) (*RuleSet, error) {
	var rs RuleSet
	err := sqlx.GetContext(ctx, q, &rs, `SELECT id, locality, note, created_at FROM trading_rule_sets WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "rule_set_not_found", "规则版本不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("rule set %d: %w", id, err)
	}
	if err := sqlx.SelectContext(ctx, q, &rs.Rules, `SELECT `+ruleColumns+` FROM trading_rules WHERE rule_set_id = ? ORDER BY position, rule_id`, id); err != nil {
		return nil, fmt.Errorf("rules of set %d: %w", id, err)
	}
	return &rs, nil
}

// Rules returns the current rule set of a locality.
func (s *Service) Rules(ctx context.Context, locality string) (*RuleSet, error) {
	if locality == "" {
		locality = DefaultLocality
	}
	id, err := currentRuleSetID(ctx, s.DB, locality)
	if err != nil {
		return nil, err
	}
	rs, err := loadRuleSet(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	rs.Locality = locality
	return rs, nil
}

// Localities lists the localities that have their own rule set.
func (s *Service) Localities(ctx context.Context) ([]string, error) {
	var out []string
	if err := s.DB.SelectContext(ctx, &out, `SELECT DISTINCT locality FROM trading_rule_sets ORDER BY locality`); err != nil {
		return nil, fmt.Errorf("localities: %w", err)
	}
	return out, nil
}

// RuleChange edits one rule's numbers for a locality.
type RuleChange struct {
	Locality string
	RuleID   string
	DayKind  string
	Days     int
	Rate     string // percentage text for deposit_cap / price_floor, e.g. "2" or "1.5"
	Action   string
	Note     string
}

// ChangeRule writes a new version of the locality's rule set with one rule
// changed. Projects keep the version they were registered under; projects
// registered afterwards get the new one.
func (s *Service) ChangeRule(ctx context.Context, ch RuleChange) (int64, error) {
	var f problem.Fields
	ch.Locality = strings.TrimSpace(ch.Locality)
	if ch.Locality == "" {
		ch.Locality = DefaultLocality
	}
	if !localityRe.MatchString(ch.Locality) {
		f.Add("locality", "locality_invalid", "地区代码须为1-32位小写字母、数字、下划线或连字符（如 330102）")
	}
	if ch.DayKind != "calendar" && ch.DayKind != "working" {
		f.Add("day_kind", "day_kind_unknown", "日类型只能是 日 或 工作日")
	}
	if ch.Days < 0 || ch.Days > 365 {
		f.Add("days", "days_invalid", "天数须为0到365之间的整数")
	}
	switch ch.Action {
	case "block", "warn", "move":
	default:
		f.Add("action", "action_unknown", "处理方式只能是 阻止、提醒 或 顺延")
	}
	if utf8.RuneCountInString(ch.Note) > 500 {
		f.Add("note", "too_long", "说明不能超过500字")
	}
	var ratePPM int64 = -1
	if strings.TrimSpace(ch.Rate) != "" {
		r, err := money.ParseRate(strings.TrimSpace(ch.Rate) + "%")
		if strings.TrimSpace(ch.Rate) == "100" {
			r, err = 100*money.Percent, nil
		}
		if err != nil {
			f.Add("rate", "rate_invalid", "比例须为如 2 或 1.5 的百分数")
		} else {
			ratePPM = int64(r)
		}
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	actor := audit.ActorFrom(ctx)
	var newID int64
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		// Serialise edits of one locality on its newest set.
		base, err := currentRuleSetID(ctx, tx, ch.Locality)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT id FROM trading_rule_sets WHERE id = ? FOR UPDATE`, base); err != nil {
			return fmt.Errorf("lock rule set: %w", err)
		}
		rs, err := loadRuleSet(ctx, tx, base)
		if err != nil {
			return err
		}
		var found *Rule
		for i := range rs.Rules {
			if rs.Rules[i].ID == ch.RuleID {
				found = &rs.Rules[i]
			}
		}
		if found == nil {
			return problem.InvalidField("rule_id", "rule_not_found", "规则不存在")
		}
		before := *found
		if before.Days > 0 && ch.Days < 1 {
			// A rule that counts days (a period, a refund) with no days
			// left in it would check nothing: a cleared box, a missing field.
			return problem.InvalidField("days", "days_invalid", "该规则按天计算，天数须为1到365之间的整数")
		}
		found.DayKind, found.Days, found.Action = ch.DayKind, ch.Days, ch.Action
		if ratePPM >= 0 {
			found.RatePPM = ratePPM
		}
		if found.Action == "move" && found.Anchor != "clarification" {
			return problem.InvalidField("action", "action_not_allowed", "只有澄清期限规则可以设为顺延")
		}
		// Days belong to rules that count days, rates to those that cap
		// or floor an amount: a value for the other is meaningless.
		switch found.CheckType {
		case "period", "refund":
			if ratePPM >= 0 && strings.TrimSpace(ch.Rate) != "" && ratePPM != before.RatePPM {
				return problem.InvalidField("rate", "rate_not_applicable", "该规则按天数计算，不设比例")
			}
		default:
			if ch.Days != 0 {
				return problem.InvalidField("days", "days_not_applicable", "该规则按比例计算，天数应为0")
			}
		}
		// A locality may be stricter than the law, not laxer: the rule as
		// seeded from its legal basis is the floor.
		var law Rule
		if err := tx.GetContext(ctx, &law, `SELECT `+ruleColumns+` FROM trading_rules WHERE rule_id = ? ORDER BY rule_set_id LIMIT 1`, ch.RuleID); err != nil {
			return fmt.Errorf("legal floor of %s: %w", ch.RuleID, err)
		}
		if field, msg := laxerThanLaw(law, *found); field != "" {
			return problem.InvalidField(field, "laxer_than_law", fmt.Sprintf("%s（%s）：%s", law.Title, law.Basis, msg))
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO trading_rule_sets (locality, note, created_by, created_at) VALUES (?, ?, ?, ?)`,
			ch.Locality, ch.Note, nullID(actor.UserID), now)
		if err != nil {
			return fmt.Errorf("insert rule set: %w", err)
		}
		if newID, err = res.LastInsertId(); err != nil {
			return err
		}
		for _, r := range rs.Rules {
			r.RuleSetID = newID
			if _, err := tx.NamedExecContext(ctx, `INSERT INTO trading_rules (`+ruleColumns+`) VALUES
				(:rule_set_id, :rule_id, :kind, :methods, :title, :basis, :check_type, :anchor, :target, :day_kind, :days, :rate_ppm, :action, :position)`, r); err != nil {
				return fmt.Errorf("copy rule %s: %w", r.ID, err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.rule.change", ObjectType: "rule_set", ObjectID: fmt.Sprint(newID),
			Summary: map[string]any{"locality": ch.Locality, "rule": ch.RuleID, "from_set": base,
				"before": map[string]any{"day_kind": before.DayKind, "days": before.Days, "rate_ppm": before.RatePPM, "action": before.Action},
				"after":  map[string]any{"day_kind": found.DayKind, "days": found.Days, "rate_ppm": found.RatePPM, "action": found.Action}}})
	})
	return newID, err
}

// laxerThanLaw returns the field and the reason when r is laxer than the
// rule as seeded from its legal basis: a shorter minimum period (or
// calendar days where the law counts working days), a longer refund time
// (or working days where the law counts calendar days), a higher deposit
// cap, a lower price floor, or a blocking rule made a warning.
func laxerThanLaw(law, r Rule) (field, msg string) {
	unit := map[string]string{"calendar": "日", "working": "工作日"}
	switch law.CheckType {
	case "period":
		if law.DayKind == "working" && r.DayKind != "working" {
			return "day_kind", "法定期限按工作日计算，不能改为按日计算"
		}
		if r.Days < law.Days {
			return "days", fmt.Sprintf("不得少于%d%s", law.Days, unit[law.DayKind])
		}
	case "refund":
		if law.DayKind == "calendar" && r.DayKind != "calendar" {
			return "day_kind", "法定退还期限按日计算，不能改为按工作日计算"
		}
		if r.Days > law.Days {
			return "days", fmt.Sprintf("不得多于%d%s", law.Days, unit[law.DayKind])
		}
	case "deposit_cap":
		if r.RatePPM > law.RatePPM {
			return "rate", fmt.Sprintf("不得高于%s", money.Rate(law.RatePPM))
		}
	case "price_floor":
		if r.RatePPM < law.RatePPM {
			return "rate", fmt.Sprintf("不得低于%s", money.Rate(law.RatePPM))
		}
	}
	switch {
	case law.Action == "block" && r.Action != "block":
		return "action", "法定要求须阻止，不能改为提醒"
	case law.Action == "move" && r.Action == "warn":
		return "action", "澄清晚于法定期限的，递交截止时间须顺延，不能改为提醒"
	}
	return "", ""
}

// describe is the finding's message: the rule, its number and its basis.
// The rule's id is the field error's code (rule_<id>), not part of the
// message agencies read.
func (r Rule) describe() string {
	return fmt.Sprintf("不符合规则：%s（%s）", r.Title, r.Basis)
}

// dayOf is the Shanghai date of t.
func dayOf(t time.Time) calendar.Date { return calendar.DateOf(t, clock.Shanghai) }

// checkRules evaluates the rules against p's timeline and lots; events are
// the anchors known now (announce = publication day). Period rules whose
// events are not both set are skipped (missing fields are reported apart).
func checkRules(rs *RuleSet, cal *calendar.Calendar, p *Project, events map[string]time.Time) []Finding {
	var out []Finding
	get := func(name string) time.Time {
		if t, ok := events[name]; ok {
			return t
		}
		return p.Timeline.Get(name)
	}
	for _, r := range rs.Rules {
		if !r.Applies(p.Kind, p.Method) {
			continue
		}
		switch r.CheckType {
		case "period":
			if r.Anchor == "clarification" || r.Anchor == "result" {
				continue // checked when a clarification or the result is issued
			}
			a, t := get(r.Anchor), get(r.Target)
			if a.IsZero() || t.IsZero() {
				continue
			}
			min := cal.AddDays(dayOf(a), r.Days, r.DayCount())
			if dayOf(t).Before(min) {
				out = append(out, Finding{RuleID: r.ID, Basis: r.Basis, Action: r.Action, Field: r.Target,
					Message: fmt.Sprintf("%s：%s应不早于%s", r.describe(), TimelineLabels[r.Target], min)})
			}
		case "deposit_cap":
			for i, l := range p.Lots {
				base := l.Price
				if p.Kind == Engineering || p.Kind == Property {
					base = l.Estimate
				}
				limit := base.MulRate(money.Rate(r.RatePPM), money.Truncate)
				if l.Deposit > limit {
					out = append(out, Finding{RuleID: r.ID, Basis: r.Basis, Action: r.Action, Field: lotField(i, "deposit"),
						Message: fmt.Sprintf("%s：第%d标段（包）保证金%s元超过上限%s元", r.describe(), i+1, l.Deposit.String(), limit.String())})
				}
			}
		case "price_floor":
			for i, l := range p.Lots {
				floor := l.Estimate.MulRate(money.Rate(r.RatePPM), money.RoundHalfUp)
				if l.Price < floor {
					out = append(out, Finding{RuleID: r.ID, Basis: r.Basis, Action: r.Action, Field: lotField(i, "price"),
						Message: fmt.Sprintf("%s：第%d标段挂牌价%s元低于%s元", r.describe(), i+1, l.Price.String(), floor.String())})
				}
			}
		}
	}
	return out
}

func lotField(i int, name string) string { return fmt.Sprintf("lot%d_%s", i+1, name) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
