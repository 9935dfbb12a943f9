package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ggzy/expertpool"
)

// TestExpertSettingsPage: the administrator's page shows the settings,
// refuses bad values field by field without writing anything, is closed to
// staff, and a saved change applies to the next draw: lowering the age
// limit excludes an expert from a draw prepared afterwards, with the reason
// recorded, while a draw prepared before keeps its pool. The change is
// audited once, with old and new values.
func TestExpertSettingsPage(t *testing.T) {
	e := newEnv(t)
	keepSettings(t, e, "expertpool")
	if _, err := e.db.Exec(`DELETE FROM settings WHERE name LIKE 'expertpool.%'`); err != nil {
		t.Fatal(err)
	}

	// A pool of six in a fresh region: five born in 1985 and one born in
	// 1960, who is 65 on the session day — within the default limit of 70.
	st := e.api("staff")
	region := testRegion()
	var oldID int64
	for i, birth := range []string{"19600630", "19850301", "19850302", "19850303", "19850304", "19850305"} {
		b := expertBody(region, "GC03")
		b["id_number"] = expertpool.DemoIDNumber("110108", birth, int(expertSeq.Add(1)%1000))
		r := st.json(http.MethodPost, "/api/v1/experts", b)
		if r.Code != http.StatusCreated {
			t.Fatalf("create expert born %s: %d %s", birth, r.Code, r.Body)
		}
		if i == 0 {
			var got apiExpert
			r.decode(t, &got)
			oldID = got.ID
		}
	}
	type prepared struct {
		ID       int64 `json:"id"`
		PoolSize int   `json:"pool_size"`
		Excluded int   `json:"excluded"`
	}
	prepare := func(when string) prepared {
		t.Helper()
		r := st.json(http.MethodPost, "/api/v1/expert-draws", drawBody(e, region, newDrawLot(t, e, 0), "GC03", 5, 0))
		if r.Code != http.StatusCreated {
			t.Fatalf("prepare %s: %d %s", when, r.Code, r.Body)
		}
		var p prepared
		r.decode(t, &p)
		return p
	}
	before := prepare("before the change")
	if before.PoolSize != 6 || before.Excluded != 0 {
		t.Fatalf("before the change: pool %d, excluded %d", before.PoolSize, before.Excluded)
	}

	adm := e.browser("admin")
	r := adm.get("/admin/experts/settings")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "专家抽取设置") ||
		!strings.Contains(r.Body.String(), `id="age_limit" name="age_limit" min="50" max="80" value="70"`) {
		t.Fatalf("settings page: %d %s", r.Code, r.Body)
	}
	if r := adm.get("/workspace"); !strings.Contains(r.Body.String(), `href="/admin/experts/settings"`) {
		t.Fatal("admin workspace lacks the settings task")
	}
	good := url.Values{}
	for k, v := range expertpool.DefaultSettings.Values() {
		good.Set(k, v)
	}
	good.Set("age_limit", "60")
	good.Set("reply_minutes", "90")

	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	bad.Set("age_limit", "六十")
	bad.Set("freq_days", "731")
	bad.Set("reply_minutes", "")
	bad.Set("auto_supplementary", "yes")
	auditBefore := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'expertpool.settings'`)
	r = adm.postForm("/admin/experts/settings", bad)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("bad settings: %d", r.Code)
	}
	for _, want := range []string{"年龄上限应为整数", "评标次数统计期间（M）应为0到730之间的整数（日）", "请填写专家答复期限",
		"候补用尽时自动补抽应选择“是”或“否”", `value="六十"`} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("bad settings page lacks %q", want)
		}
	}
	// The codes are stable: the same check the page uses.
	in := map[string]string{}
	for k := range bad {
		in[k] = bad.Get(k)
	}
	_, err := expertpool.CheckSettings(in)
	for field, code := range map[string]string{"age_limit": "setting_not_integer", "freq_days": "setting_out_of_range",
		"reply_minutes": "required", "auto_supplementary": "setting_not_boolean"} {
		if got := problemFieldCode(err, field); got != code {
			t.Errorf("%s: code %q, want %q", field, got, code)
		}
	}
	if got := problemFieldCode(err, "min_years"); got != "" {
		t.Errorf("a good field is refused: %q", got)
	}
	if n := e.count(`SELECT COUNT(*) FROM settings WHERE name LIKE 'expertpool.%'`); n != 0 {
		t.Fatalf("refused form wrote %d settings", n)
	}
	// A staff member may not change them.
	if r := e.browser("staff").postForm("/admin/experts/settings", good); r.Code != http.StatusForbidden {
		t.Fatalf("staff saves settings: %d", r.Code)
	}
	if r := e.browser("staff").get("/admin/experts/settings"); r.Code != http.StatusForbidden {
		t.Fatalf("staff sees settings: %d", r.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM settings WHERE name LIKE 'expertpool.%'`); n != 0 {
		t.Fatalf("staff wrote %d settings", n)
	}

	r = adm.postForm("/admin/experts/settings", good)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Code, r.Body)
	}
	if r := adm.get("/admin/experts/settings"); !strings.Contains(r.Body.String(), `name="age_limit" min="50" max="80" value="60"`) {
		t.Fatal("the page does not show the saved age limit")
	}
	// Only the two changed values are written, with one audit event naming
	// old and new.
	if n := e.count(`SELECT COUNT(*) FROM settings WHERE name LIKE 'expertpool.%'`); n != 2 {
		t.Fatalf("%d settings written, want 2", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'expertpool.settings'`); n != auditBefore+1 {
		t.Fatalf("%d settings audit events, want 1", n-auditBefore)
	}
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE action = 'expertpool.settings' ORDER BY id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"age_limit":{"from":"70","to":"60"}`, `"reply_minutes":{"from":"120","to":"90"}`} {
		if !strings.Contains(summary, want) {
			t.Errorf("audit summary %s lacks %s", summary, want)
		}
	}
	// Saving the same values again changes and audits nothing.
	adm.postForm("/admin/experts/settings", good)
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'expertpool.settings'`); n != auditBefore+1 {
		t.Fatal("an unchanged form was audited")
	}

	// The next draw: the expert born in 1960 is over the new limit and is
	// excluded with the reason recorded; the pool document names the limit.
	after := prepare("after the change")
	if after.PoolSize != 5 || after.Excluded != 1 {
		t.Fatalf("after the change: pool %d, excluded %d", after.PoolSize, after.Excluded)
	}
	var view struct {
		Excluded   map[string]int         `json:"excluded_by_reason"`
		Exclusions []expertpool.Exclusion `json:"exclusions"`
	}
	st.get(fmt.Sprintf("/api/v1/expert-draws/%d", after.ID)).decode(t, &view)
	if view.Excluded["over_age"] != 1 || len(view.Exclusions) != 1 || view.Exclusions[0].ExpertID != oldID ||
		!slices.Equal(view.Exclusions[0].Reasons, []string{"over_age"}) {
		t.Fatalf("exclusions after the change: %+v", view)
	}
	var arch expertpool.Archive
	st.get(fmt.Sprintf("/api/v1/expert-draws/%d/archive", after.ID)).decode(t, &arch)
	if !strings.Contains(arch.Document, "settings age_limit=60 ") {
		t.Errorf("the pool document does not record the limit: %.600s", arch.Document)
	}
	// The draw prepared before keeps its pool.
	if n := e.count(`SELECT pool_size FROM expert_draws WHERE id = ?`, before.ID); n != 6 {
		t.Fatalf("the earlier draw's pool is now %d", n)
	}
}
