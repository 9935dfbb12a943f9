package expertpool

// The administrator's page of the expertpool.* settings (issue 4: the age
// limit, "drawn for the same tenderer N times in M days" and the other
// rules are a centre's settings). A change applies to what happens
// afterwards: the eligibility and avoidance rules when a draw is prepared
// (the pool document records the values it used), the reply deadline when
// an expert is notified, the supplementary-draw rules when backups run out,
// hiding names when a draw is viewed.

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/problem"
	"ggzy/settings"
)

// SettingField describes one setting on the page (settings.Field).
type SettingField = settings.Field

// SettingFields are the settings in page order.
var SettingFields = []SettingField{
	{Name: "age_limit", Label: "年龄上限", Unit: "周岁", Hint: "评标开始之日年龄超过上限的专家不参加抽取", Min: 50, Max: 80},
	{Name: "min_years", Label: "从业年限下限", Unit: "年", Hint: "从事相关专业领域工作不满该年限的不参加抽取；0 表示不限", Min: 0, Max: 30},
	{Name: "require_senior", Label: "须具有高级职称（副高级或正高级）", Bool: true},
	{Name: "employment_years", Label: "原任职单位回避年限", Unit: "年", Hint: "该年限内曾在招标人、招标代理机构或应回避单位任职的回避；0 表示只看现任单位", Min: 0, Max: 10},
	{Name: "freq_limit", Label: "为同一招标人评标次数上限（N）", Unit: "次", Hint: "M日内已为同一招标人评标N次的自动回避；0 表示不限", Min: 0, Max: 50},
	{Name: "freq_days", Label: "评标次数统计期间（M）", Unit: "日", Hint: "0 表示不限", Min: 0, Max: 730},
	{Name: "reply_minutes", Label: "专家答复期限", Unit: "分钟", Hint: "自发出通知起计算；逾期未答复的视为拒绝，由下一名候补递补", Min: 10, Max: 2880},
	{Name: "hide_names_until_signin", Label: "专家签到前抽取终端不显示姓名", Hint: "监督人员始终可见", Bool: true},
	{Name: "auto_supplementary", Label: "候补用尽时自动补抽", Hint: "否：只准备补抽，由工作人员组织见证人抽取", Bool: true},
	{Name: "supplementary_backups", Label: "补抽候补人数", Unit: "名", Min: 0, Max: 10},
}

// Values are the settings as the form shows them.
func (st Settings) Values() map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	return map[string]string{
		"age_limit": strconv.Itoa(st.AgeLimit), "min_years": strconv.Itoa(st.MinYears), "require_senior": b(st.RequireSenior),
		"employment_years": strconv.Itoa(st.EmploymentYears), "freq_limit": strconv.Itoa(st.FreqLimit), "freq_days": strconv.Itoa(st.FreqDays),
		"reply_minutes": strconv.Itoa(st.ReplyMinutes), "hide_names_until_signin": b(st.HideNames),
		"auto_supplementary": b(st.AutoSupplement), "supplementary_backups": strconv.Itoa(st.SupplementBackups),
	}
}

// CheckSettings validates a whole settings form and returns the canonical
// values, or every fault at once by field.
func CheckSettings(in map[string]string) (map[string]string, error) {
	var f problem.Fields
	out := map[string]string{}
	settings.Check(SettingFields, in, &f, out)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Settings returns the current expert pool settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	return LoadSettings(ctx, s.DB)
}

// SaveSettings stores the administrator's settings form: all fields are
// checked first (nothing is written on a fault), then the changed values are
// written and audited, old and new, in one transaction. It reports how many
// settings changed.
func (s *Service) SaveSettings(ctx context.Context, in map[string]string) (int, error) {
	if !audit.ActorFrom(ctx).Has("admin") {
		return 0, problem.New(problem.Forbidden, "forbidden", "只有系统管理员可以修改专家抽取设置")
	}
	vals, err := CheckSettings(in)
	if err != nil {
		return 0, err
	}
	return settings.Save(ctx, s.DB, s.Clock.Now(), "expertpool", settings.Names(SettingFields), vals,
		func(ctx context.Context, q sqlx.QueryerContext) (map[string]string, error) {
			cur, err := LoadSettings(ctx, q)
			return cur.Values(), err
		})
}
