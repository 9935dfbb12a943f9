package approval

// The hall's settings (approval.*), kept by admins on their page.

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/problem"
	"ggzy/settings"
)

// Settings are the hall's rules that are practice, not law.
type Settings struct {
	// DeemedAgree: a department's step past its limit is deemed to agree
	// (超时默认, [practice]). Off: it stays pending (and overdue).
	DeemedAgree bool `json:"deemed_agree"`
	// PromisedCutPct: a promised or joint item's promised limit must be at
	// least this many per cent shorter than its legal limit (seed
	// practice 30; 0 turns the rule off). A refusal when the catalogue is
	// edited, not a warning: an item that breaks it is never published.
	PromisedCutPct int `json:"promised_cut_pct"`
	// SupplementDays: the applicant's time, in 工作日 from the 一次性告知,
	// to complete the materials; past it the application is deemed
	// withdrawn (逾期未补正，视为撤回申请, [practice]).
	SupplementDays int `json:"supplement_days"`
	// ExtensionDays: the most working days the lead department may extend
	// a case under review by, once, with its head's approval (行政许可法 42:
	// 10 日; 15 for unified, joint or concentrated handling).
	ExtensionDays int `json:"extension_days"`
}

// DefaultSettings apply where the settings table has no row.
var DefaultSettings = Settings{DeemedAgree: true, PromisedCutPct: 30, SupplementDays: 20, ExtensionDays: 10}

// SettingFields describe the settings on the admin's page.
var SettingFields = []settings.Field{
	{Name: "deemed_agree", Label: "部门超过时限视为同意（超时默认）", Bool: true, Hint: "关闭后，超时的部门环节保持待办"},
	{Name: "promised_cut_pct", Label: "承诺时限比法定时限至少压缩", Unit: "%", Hint: "适用于承诺件和联办件；0 表示不检查", Min: 0, Max: 90},
	{Name: "supplement_days", Label: "补正期限", Unit: "工作日", Hint: "自一次性告知之日起计算；逾期未补正的视为撤回申请", Min: 5, Max: 60},
	{Name: "extension_days", Label: "延长审批期限最多", Unit: "工作日", Hint: "行政许可法第四十二条：经本机关负责人批准可延长10日（统一、联合、集中办理的经本级人民政府负责人批准可延长15日）；每件只能延长一次", Min: 1, Max: 15},
}

const settingsPrefix = "approval"

func loadSettings(ctx context.Context, q sqlx.QueryerContext) (map[string]string, error) {
	var rows []struct {
		Name  string `db:"name"`
		Value string `db:"value"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT name, value FROM settings WHERE name LIKE ?`, settingsPrefix+".%"); err != nil {
		return nil, fmt.Errorf("approval settings: %w", err)
	}
	out := DefaultSettings.Values()
	for _, r := range rows {
		out[r.Name[len(settingsPrefix)+1:]] = r.Value
	}
	return out, nil
}

// Values are the settings as the form shows them.
func (st Settings) Values() map[string]string {
	b := "0"
	if st.DeemedAgree {
		b = "1"
	}
	return map[string]string{"deemed_agree": b, "promised_cut_pct": strconv.Itoa(st.PromisedCutPct), "supplement_days": strconv.Itoa(st.SupplementDays),
		"extension_days": strconv.Itoa(st.ExtensionDays)}
}

// Settings reads the current settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	return s.settings(ctx, s.DB)
}

func (s *Service) settings(ctx context.Context, q sqlx.QueryerContext) (Settings, error) {
	vals, err := loadSettings(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	st := DefaultSettings
	st.DeemedAgree = vals["deemed_agree"] != "0"
	if n, err := strconv.Atoi(vals["promised_cut_pct"]); err == nil && n >= 0 && n <= 90 {
		st.PromisedCutPct = n
	}
	if n, err := strconv.Atoi(vals["supplement_days"]); err == nil && n >= 5 && n <= 60 {
		st.SupplementDays = n
	}
	if n, err := strconv.Atoi(vals["extension_days"]); err == nil && n >= 1 && n <= 15 {
		st.ExtensionDays = n
	}
	return st, nil
}

// SaveSettings checks a whole settings form and stores the changed values
// with one audit event (admin). It returns how many changed.
func (s *Service) SaveSettings(ctx context.Context, in map[string]string) (int, error) {
	if _, err := requireRole(ctx, accounts.RoleAdmin, "只有系统管理员可以修改审批设置"); err != nil {
		return 0, err
	}
	var f problem.Fields
	out := map[string]string{}
	settings.Check(SettingFields, in, &f, out)
	if err := f.Err(); err != nil {
		return 0, err
	}
	return settings.Save(ctx, s.DB, s.Clock.Now(), settingsPrefix, settings.Names(SettingFields), out, loadSettings)
}
