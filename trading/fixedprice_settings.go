package trading

// The administrator's page of the fixedprice.* settings (DOMAIN.md §5: every
// number a setting). A change applies to what happens afterwards: the window
// and the backups are taken when a selection is registered, the publicity
// when the draw runs, the confirmation and contract days when a winner is
// called, K and D when a pool is frozen.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/problem"
	"ggzy/settings"
)

// FixedPriceSettingField describes one setting on the page: its name (the
// part after "fixedprice."), label, unit and allowed range.
type FixedPriceSettingField = settings.Field

// FixedPriceSettingFields are the integer settings in page order;
// window_day_kind ("calendar" or "working") is the only other one.
var FixedPriceSettingFields = []FixedPriceSettingField{
	{Name: "window_days", Label: "申请期限（自公告发布之日起不少于）", Unit: "日", Hint: "登记和发布时检查申请截止时间", Min: 1, Max: 60},
	{Name: "publicity_days", Label: "结果公示期", Unit: "日", Hint: "不少于3日（参照招标投标法实施条例第五十四条）", Min: 3, Max: 30},
	{Name: "confirm_days", Label: "中选人确认期限", Unit: "日", Hint: "逾期未确认的视为放弃，由下一名候补递补", Min: 1, Max: 30},
	{Name: "contract_days", Label: "签订合同期限（自确认之日起）", Unit: "日", Min: 1, Max: 90},
	{Name: "max_active_awards", Label: "在手中选项目数上限（K）", Unit: "个", Hint: "持有K个及以上未完成的固定价比选中选项目的，自动排除", Min: 1, Max: 20},
	{Name: "win_cooldown_days", Label: "近期中选间隔（D）", Unit: "日", Hint: "D日内曾中选的，自动排除；0 表示不限", Min: 0, Max: 365},
	{Name: "backups", Label: "默认候补人数", Unit: "名", Hint: "登记时可逐项调整", Min: 0, Max: 20},
	{Name: "min_witnesses", Label: "抽取前至少录入随机数的见证人", Unit: "位", Min: 1, Max: 10},
	{Name: "ceiling_yuan", Label: "适用固定价比选的控制价上限（不含）", Unit: "元", Hint: "达到或超过的项目应当依法招标；不得高于2,000,000元", Min: 1, Max: 2000000},
}

// Values are the settings as the form shows them.
func (st FixedPriceSettings) Values() map[string]string {
	kind := "calendar"
	if st.WindowDayKind == calendar.WorkingDays {
		kind = "working"
	}
	return map[string]string{
		"window_days": strconv.Itoa(st.WindowDays), "window_day_kind": kind, "publicity_days": strconv.Itoa(st.PublicityDays),
		"confirm_days": strconv.Itoa(st.ConfirmDays), "contract_days": strconv.Itoa(st.ContractDays),
		"max_active_awards": strconv.Itoa(st.MaxActiveAwards), "win_cooldown_days": strconv.Itoa(st.WinCooldownDays),
		"backups": strconv.Itoa(st.Backups), "min_witnesses": strconv.Itoa(st.MinWitnesses),
		"ceiling_yuan": strconv.Itoa(st.CeilingYuan),
	}
}

// CheckFixedPriceSettings validates a whole settings form and returns the
// canonical values, or every fault at once by field.
func CheckFixedPriceSettings(in map[string]string) (map[string]string, error) {
	var f problem.Fields
	out := map[string]string{}
	fields := FixedPriceSettingFields
	// A publicity period below its minimum has its own code (实施条例 54).
	pub := publicityField()
	if n, err := strconv.Atoi(strings.TrimSpace(in[pub.Name])); err == nil && n < pub.Min {
		f.Add(pub.Name, "fixedprice_publicity_short", fmt.Sprintf("结果公示期不得少于%d日", pub.Min))
		fields = nil
		for _, fd := range FixedPriceSettingFields {
			if fd.Name != pub.Name {
				fields = append(fields, fd)
			}
		}
	}
	settings.Check(fields, in, &f, out)
	switch k := strings.TrimSpace(in["window_day_kind"]); k {
	case "calendar", "working":
		out["window_day_kind"] = k
	case "":
		f.Add("window_day_kind", "required", "请选择申请期限的计算方式")
	default:
		f.Add("window_day_kind", "setting_day_kind", "申请期限应按日或工作日计算")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Settings returns the current fixed-price settings.
func (s *FixedPrice) Settings(ctx context.Context) (FixedPriceSettings, error) {
	return LoadFixedPriceSettings(ctx, s.DB)
}

// SaveSettings stores the administrator's settings form: all fields are
// checked first (nothing is written on a fault), then the changed values are
// written and audited, old and new, in one transaction. It reports how many
// settings changed.
func (s *FixedPrice) SaveSettings(ctx context.Context, in map[string]string) (int, error) {
	if !audit.ActorFrom(ctx).Has(accounts.RoleAdmin) {
		return 0, problem.New(problem.Forbidden, "forbidden", "只有系统管理员可以修改固定价比选设置")
	}
	vals, err := CheckFixedPriceSettings(in)
	if err != nil {
		return 0, err
	}
	names := append([]string{"window_day_kind"}, settings.Names(FixedPriceSettingFields)...)
	return settings.Save(ctx, s.DB, s.Clock.Now(), "fixedprice", names, vals,
		func(ctx context.Context, q sqlx.QueryerContext) (map[string]string, error) {
			cur, err := LoadFixedPriceSettings(ctx, q)
			return cur.Values(), err
		})
}

func publicityField() settings.Field {
	for _, fd := range FixedPriceSettingFields {
		if fd.Name == "publicity_days" {
			return fd
		}
	}
	return settings.Field{}
}
