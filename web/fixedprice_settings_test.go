package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/problem"
	"ggzy/trading"
)

// TestFixedPriceSettingsPage: the administrator's settings page shows the
// defaults, refuses bad values field by field without writing anything, and
// a saved change (window, default backups) applies to selections registered
// afterwards while an earlier one keeps its terms. The change is audited.
func TestFixedPriceSettingsPage(t *testing.T) {
	e := newEnv(t)
	keepSettings(t, e, "fixedprice")
	if _, err := e.db.Exec(`DELETE FROM settings WHERE name LIKE 'fixedprice.%'`); err != nil {
		t.Fatal(err)
	}
	ag := e.api("agency")
	body := fpBody("1,200,000.00", "5")
	delete(body, "backups")
	r := ag.json("POST", "/api/v1/fixedprice/selections", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("before the change: %d %s", r.Code, r.Body)
	}
	var before fpSelJSON
	r.decode(t, &before)
	if before.Selection.Backups != trading.DefaultFixedPriceSettings.Backups {
		t.Fatalf("default backups %d", before.Selection.Backups)
	}

	adm := e.browser("admin")
	r = adm.get("/admin/fixedprice/settings")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "固定价比选设置") || !strings.Contains(r.Body.String(), `id="publicity_days" name="publicity_days" min="3" max="30" value="3"`) {
		t.Fatalf("settings page: %d %s", r.Code, r.Body)
	}
	if r := adm.get("/workspace"); !strings.Contains(r.Body.String(), `href="/admin/fixedprice/settings"`) {
		t.Fatal("admin workspace lacks the settings task")
	}
	good := url.Values{"window_days": {"10"}, "window_day_kind": {"calendar"}, "publicity_days": {"3"}, "confirm_days": {"5"}, "contract_days": {"30"},
		"max_active_awards": {"2"}, "win_cooldown_days": {"30"}, "backups": {"1"}, "min_witnesses": {"2"}, "ceiling_yuan": {"2000000"}}
	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	bad.Set("window_days", "十")
	bad.Set("publicity_days", "2")
	bad.Set("backups", "21")
	bad.Set("window_day_kind", "weekly")
	bad.Set("min_witnesses", "")
	auditBefore := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'fixedprice.settings'`)
	r = adm.postForm("/admin/fixedprice/settings", bad)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("bad settings: %d", r.Code)
	}
	for _, want := range []string{"申请期限（自公告发布之日起不少于）应为整数", "结果公示期不得少于3日", "默认候补人数应为0到20之间的整数", "申请期限应按日或工作日计算", "请填写抽取前至少录入随机数的见证人", `value="十"`} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("bad settings page lacks %q", want)
		}
	}
	// The codes are stable: the same check the page uses.
	_, err := trading.CheckFixedPriceSettings(map[string]string{"window_days": "十", "publicity_days": "2", "backups": "21", "window_day_kind": "weekly"})
	for field, code := range map[string]string{"window_days": "setting_not_integer", "publicity_days": "fixedprice_publicity_short",
		"backups": "setting_out_of_range", "window_day_kind": "setting_day_kind", "min_witnesses": "required"} {
		if got := problemFieldCode(err, field); got != code {
			t.Errorf("%s: code %q, want %q", field, got, code)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM settings WHERE name LIKE 'fixedprice.%'`); n != 0 {
		t.Fatalf("refused form wrote %d settings", n)
	}
	// A staff member may not change them.
	if r := e.browser("staff").postForm("/admin/fixedprice/settings", good); r.Code != http.StatusForbidden {
		t.Fatalf("staff saves settings: %d", r.Code)
	}
	r = adm.postForm("/admin/fixedprice/settings", good)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Code, r.Body)
	}
	if r := adm.get("/admin/fixedprice/settings"); !strings.Contains(r.Body.String(), `name="window_days" min="1" max="60" value="10"`) {
		t.Fatal("the page does not show the saved window")
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'fixedprice.settings'`); n != auditBefore+1 {
		t.Fatalf("%d settings audit events, want 1", n-auditBefore)
	}
	// Saving the same values again changes and audits nothing.
	adm.postForm("/admin/fixedprice/settings", good)
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'fixedprice.settings'`); n != auditBefore+1 {
		t.Fatal("an unchanged form was audited")
	}

	// Afterwards: a 7-day window is too short, 12 days is fine, and the
	// default backups is 1.
	r = ag.json("POST", "/api/v1/fixedprice/selections", body)
	if r.Code != http.StatusBadRequest || fieldCode(t, r, "apply_until") != "fixedprice_window_short" {
		t.Fatalf("7-day window after the change: %d %s", r.Code, r.Body)
	}
	body["apply_until"] = "2026-03-14 17:00"
	r = ag.json("POST", "/api/v1/fixedprice/selections", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("12-day window after the change: %d %s", r.Code, r.Body)
	}
	var after fpSelJSON
	r.decode(t, &after)
	if after.Selection.Backups != 1 {
		t.Fatalf("backups after the change: %d", after.Selection.Backups)
	}
	var windows []int
	if err := e.db.Select(&windows, `SELECT window_days FROM fixedprice_selections WHERE id IN (?, ?) ORDER BY id`, before.Selection.ID, after.Selection.ID); err != nil {
		t.Fatal(err)
	}
	if len(windows) != 2 || windows[0] != 5 || windows[1] != 10 {
		t.Fatalf("window days recorded %v, want [5 10]", windows)
	}
	// The earlier selection keeps its terms.
	if n := e.count(`SELECT backups FROM fixedprice_selections WHERE id = ?`, before.Selection.ID); n != trading.DefaultFixedPriceSettings.Backups {
		t.Fatalf("earlier selection's backups now %d", n)
	}
}

func problemFieldCode(err error, field string) string {
	pr, ok := problem.As(err)
	if !ok {
		return ""
	}
	for _, f := range pr.Fields {
		if f.Name == field {
			return f.Code
		}
	}
	return ""
}

// withoutWinLimits lifts the K and D exclusions for a journey test: other
// tests of the package award the same demo contractors, and the exclusion
// rules themselves are tested in trading (TestFixedPriceExclusions).
func withoutWinLimits(t *testing.T, e *env) {
	t.Helper()
	keepSettings(t, e, "fixedprice")
	for name, value := range map[string]string{"fixedprice.win_cooldown_days": "0", "fixedprice.max_active_awards": "20"} {
		if _, err := e.db.Exec(`INSERT INTO settings (name, value, updated_at) VALUES (?, ?, NOW(6))
			ON DUPLICATE KEY UPDATE value = VALUES(value)`, name, value); err != nil {
			t.Fatal(err)
		}
	}
}
