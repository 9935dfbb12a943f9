package flags

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/problem"
	"ggzy/settings"
)

// Settings are the thresholds of the flags: the settings table's rows
// "flags.<name>" (package settings), each falling back to its default when
// absent or outside its range; administrators change them on
// /admin/flags/settings (SaveSettings).
type Settings struct {
	// PriceRatioBP: a read-out price at or above this share of the ceiling,
	// in hundredths of a percent (9900 = 99%), is flagged.
	PriceRatioBP int `json:"price_ratio_bp"`
	// ExpertRepeats: an expert drawn for at least this many projects of one
	// agency within 12 months is flagged.
	ExpertRepeats int `json:"expert_repeats"`
	// RotationLots: a group of three or more organisations that bid together
	// on at least this many awarded lots within 12 months, the winner among
	// them changing from each lot to the next, is flagged.
	RotationLots int `json:"rotation_lots"`
}

// Defaults of the settings.
const (
	DefaultPriceRatioBP  = 9900
	DefaultExpertRepeats = 3
	DefaultRotationLots  = 3
)

// RotationOrgs is the smallest group of rotating winners (a fixed rule).
const RotationOrgs = 3

// SettingFields describes the settings (names after "flags.").
var SettingFields = []settings.Field{
	{Name: "price_ratio_bp", Label: "报价贴近控制价的预警比例", Unit: "万分之一", Hint: "9900 即报价达到控制价（预算）的99%及以上时预警", Min: 5000, Max: 10000},
	{Name: "expert_repeats", Label: "同一专家12个月内被抽中参加同一代理机构项目的次数", Unit: "次", Min: 2, Max: 100},
	{Name: "rotation_lots", Label: "轮流中标：12个月内共同投标并轮流中标的标段数", Unit: "个", Min: 3, Max: 50},
}

// LoadSettings reads the flags.* settings.
func LoadSettings(ctx context.Context, q sqlx.QueryerContext) (Settings, error) {
	st := Settings{PriceRatioBP: DefaultPriceRatioBP, ExpertRepeats: DefaultExpertRepeats, RotationLots: DefaultRotationLots}
	var rows []struct {
		Name  string `db:"name"`
		Value string `db:"value"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT name, value FROM settings WHERE name LIKE 'flags.%'`); err != nil {
		return st, fmt.Errorf("flags settings: %w", err)
	}
	for _, r := range rows {
		name := strings.TrimPrefix(r.Name, "flags.")
		n, err := strconv.Atoi(strings.TrimSpace(r.Value))
		if err != nil {
			continue
		}
		for _, fd := range SettingFields {
			if fd.Name != name || n < fd.Min || n > fd.Max {
				continue
			}
			switch name {
			case "price_ratio_bp":
				st.PriceRatioBP = n
			case "expert_repeats":
				st.ExpertRepeats = n
			case "rotation_lots":
				st.RotationLots = n
			}
		}
	}
	return st, nil
}

// Values are the settings as the administrator's form shows them.
func (st Settings) Values() map[string]string {
	return map[string]string{"price_ratio_bp": strconv.Itoa(st.PriceRatioBP), "expert_repeats": strconv.Itoa(st.ExpertRepeats),
		"rotation_lots": strconv.Itoa(st.RotationLots)}
}

// SaveSettings stores the administrator's settings form: every field is
// checked first (nothing is written on a fault), then the changed values
// are written and audited ("flags.settings", old and new) in one
// transaction. It reports how many settings changed. A change applies to
// the next read of the flags: they are computed on demand.
func SaveSettings(ctx context.Context, x *sqlx.DB, now time.Time, in map[string]string) (int, error) {
	if !audit.ActorFrom(ctx).Has("admin") {
		return 0, problem.New(problem.Forbidden, "forbidden", "只有系统管理员可以修改预警设置")
	}
	var f problem.Fields
	vals := map[string]string{}
	settings.Check(SettingFields, in, &f, vals)
	if err := f.Err(); err != nil {
		return 0, err
	}
	return settings.Save(ctx, x, now, "flags", settings.Names(SettingFields), vals,
		func(ctx context.Context, q sqlx.QueryerContext) (map[string]string, error) {
			cur, err := LoadSettings(ctx, q)
			return cur.Values(), err
		})
}
