package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/flags"
)

// TestFlagSettingsPage: the administrator's page shows the thresholds,
// refuses bad values field by field without writing anything, and a saved
// threshold applies to the next read of the flags: a price at 99.50 % of
// the ceiling is flagged at the default 99 % and not at 99.90 %. The change
// is audited once, old and new.
func TestFlagSettingsPage(t *testing.T) {
	e := newEnv(t)
	keepSettings(t, e, "flags")
	if _, err := e.db.Exec(`DELETE FROM settings WHERE name LIKE 'flags.%'`); err != nil {
		t.Fatal(err)
	}
	p := publishProject(t, e, uniqueTitle("预警设置测试道路工程"))
	lot := p.Lots[0] // ceiling 9,500,000.00
	e.clock.Set(sh("2026-03-05 10:00"))
	flagBid(t, e, e.api("bidder1"), lot, "FS-0001", "9,000,000.00", "第一份投标文件")
	flagBid(t, e, e.api("bidder2"), lot, "FS-0002", "9,100,000.00", "第二份投标文件")
	flagBid(t, e, e.api("bidder3"), lot, "FS-0003", "9,452,500.00", "第三份投标文件")
	closeLots(t, e, "2026-03-30 09:30")
	nearCeiling := func() int {
		t.Helper()
		rep, _ := flagsOf(t, e, fmt.Sprintf("project_id=%d&kind=near_ceiling", p.ID))
		return len(rep.Flags)
	}
	if n := nearCeiling(); n != 1 {
		t.Fatalf("at the default threshold: %d near-ceiling flags, want 1", n)
	}

	adm := e.browser("admin")
	r := adm.get("/admin/flags/settings")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `name="price_ratio_bp" min="5000" max="10000" value="9900"`) {
		t.Fatalf("settings page: %d %s", r.Code, r.Body)
	}
	if r := adm.get("/workspace"); !strings.Contains(r.Body.String(), `href="/admin/flags/settings"`) {
		t.Fatal("admin workspace lacks the flag settings task")
	}
	audited := func() int { return e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'flags.settings'`) }
	before := audited()
	bad := url.Values{"price_ratio_bp": {"99%"}, "expert_repeats": {"1"}, "rotation_lots": {""}}
	r = adm.postForm("/admin/flags/settings", bad)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("bad settings: %d", r.Code)
	}
	for _, want := range []string{"报价贴近控制价的预警比例应为整数", "应为2到100之间的整数", "请填写轮流中标", `value="99%"`} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("bad settings page lacks %q", want)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM settings WHERE name LIKE 'flags.%'`); n != 0 || audited() != before {
		t.Fatalf("refused settings wrote %d rows, %d events", n, audited()-before)
	}

	good := url.Values{}
	for k, v := range (flags.Settings{PriceRatioBP: 9990, ExpertRepeats: flags.DefaultExpertRepeats, RotationLots: flags.DefaultRotationLots}).Values() {
		good.Set(k, v)
	}
	if r := adm.postForm("/admin/flags/settings", good); r.Code != http.StatusSeeOther {
		t.Fatalf("save settings: %d %s", r.Code, r.Body)
	}
	if audited() != before+1 || e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'flags.settings' AND summary LIKE '%9990%' AND summary LIKE '%9900%'`) != 1 {
		t.Fatal("the change is not audited once with old and new values")
	}
	if n := nearCeiling(); n != 0 {
		t.Fatalf("at 99.90 %%: %d near-ceiling flags, want 0", n)
	}
	// Saving the same values again changes nothing and records nothing.
	if r := adm.postForm("/admin/flags/settings", good); r.Code != http.StatusSeeOther || audited() != before+1 {
		t.Fatalf("saving unchanged settings: %d, %d events", r.Code, audited()-before)
	}
}
