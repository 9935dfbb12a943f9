package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestExpertDrawFormKeepsRowsAndTakesYuan: the page's draw request takes
// the budget in yuan, as staff read it off the documents; a refused request
// shows the quota rows as they were filled (specialty, counts, method), with
// the message beside the row that caused it even when an empty row lies
// before it; the draw page names the specialty instead of its code.
func TestExpertDrawFormKeepsRowsAndTakesYuan(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 7, "GC06")
	l := newDrawLot(t, e, 0)
	page := e.browser("staff")
	// The form names what it asks for by number: lots and organisations.
	blank := page.get("/expert-draws/new").Body.String()
	var tenderer string
	if err := e.db.Get(&tenderer, `SELECT name FROM organisations WHERE id = ?`, l.tenderer); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(blank, fmt.Sprintf(`<option value="%d" label="专家抽取测试工程 · 一标段">`, l.lot)) ||
		!strings.Contains(blank, fmt.Sprintf(`<option value="%d" label="%s">`, l.tenderer, tenderer)) {
		t.Fatalf("the draw form should list the lot and the tenderer by name:\n%s", blank)
	}
	start := e.clock.Now().Add(26 * time.Hour).In(time.FixedZone("CST", 8*3600))
	form := func(count string) url.Values {
		return url.Values{"project_id": {fmt.Sprint(l.project)}, "lot_id": {fmt.Sprint(l.lot)}, "tenderer_org_id": {fmt.Sprint(l.tenderer)},
			"trade_kind": {"engineering"}, "method": {""}, "budget_fen": {"1,234,567.89"},
			"session_start": {start.Format("2006-01-02 15:04")}, "session_end": {start.Add(5 * time.Hour).Format("2006-01-02 15:04")},
			"place": {"第二评标室"}, "tenderer_reps": {"0"}, "region_rule": {"local"}, "region": {region},
			"quota_specialty": {"", "GC06", ""}, "quota_count": {"", count, ""}, "quota_backups": {"", "1", ""}}
	}

	// Nine asked of seven: refused, beside row 2, the row kept.
	r := page.postForm("/expert-draws", form("9"))
	body := r.Body.String()
	if r.Code != http.StatusUnprocessableEntity && r.Code != http.StatusBadRequest && r.Code != http.StatusConflict {
		t.Fatalf("shortfall: %d", r.Code)
	}
	if !regexp.MustCompile(`<option value="GC06" selected>`).MatchString(body) || !strings.Contains(body, `aria-label="人数1" value="9"`) ||
		!strings.Contains(body, `aria-label="候补1" value="1"`) || !strings.Contains(body, `value="1,234,567.89"`) {
		t.Fatalf("the refused form lost what was typed:\n%s", body)
	}
	rows := strings.Split(body, `name="quota_specialty"`)
	if len(rows) != 4 || !strings.Contains(rows[2], "缺") || strings.Contains(rows[1], "缺") {
		t.Fatalf("the shortfall should stand beside the second row:\n%s", body)
	}
	m := url.Values{"method": {"negotiation"}}
	bad := form("5")
	bad.Set("budget_fen", "十万")
	bad.Set("method", m.Get("method"))
	r = page.postForm("/expert-draws", bad)
	if body := r.Body.String(); r.Code == http.StatusSeeOther || !strings.Contains(body, `<option value="negotiation" selected>`) {
		t.Fatalf("a refused form should keep the method: %d", r.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM expert_draws WHERE lot_id = ?`, l.lot); n != 0 {
		t.Fatalf("%d draws written by refused forms", n)
	}

	// A refused run keeps the witnesses' numbers in their fields.
	r = page.postForm("/expert-draws", form("5"))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("prepare: %d %s", r.Code, r.Body.String())
	}
	runURL := r.Header().Get("Location") + "/run"
	r = page.postForm(runURL, url.Values{"witness": {"12 34", "", "5六"}})
	if body := r.Body.String(); r.Code == http.StatusSeeOther || !strings.Contains(body, `id="w1" name="witness" inputmode="numeric" value="12 34"`) ||
		!strings.Contains(body, `id="w3" name="witness" inputmode="numeric" value="5六"`) {
		t.Fatalf("a refused run lost the witnesses' numbers: %d\n%s", r.Code, body)
	}
	if _, err := e.db.Exec(`UPDATE expert_draws SET status = 'cancelled' WHERE lot_id = ?`, l.lot); err != nil {
		t.Fatal(err)
	}

	// Five of seven: prepared, the budget stored in fen.
	r = page.postForm("/expert-draws", form("5"))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("prepare: %d %s", r.Code, r.Body.String())
	}
	var id, budget int64
	if err := e.db.QueryRow(`SELECT id, budget_fen FROM expert_draws WHERE lot_id = ? AND status = 'prepared'`, l.lot).Scan(&id, &budget); err != nil {
		t.Fatal(err)
	}
	if budget != 123456789 {
		t.Fatalf("budget %d fen, want 123456789", budget)
	}
	if body := page.get(fmt.Sprintf("/expert-draws/%d", id)).Body.String(); !strings.Contains(body, "工程建设/电力工程") {
		t.Fatalf("the draw page should name the specialty:\n%s", body)
	}
	// The list and the draw name the project and lot (they showed bare numbers).
	code := fmt.Sprintf("GC-2031-%04d", l.project%10000)
	if _, err := e.db.Exec(`UPDATE trading_projects SET code = ? WHERE id = ?`, code, l.project); err != nil {
		t.Fatal(err)
	}
	if body := page.get(fmt.Sprintf("/expert-draws/%d", id)).Body.String(); !strings.Contains(body, code+" 专家抽取测试工程 / 一标段") {
		t.Fatalf("the draw page should name the project and lot:\n%s", body)
	}
	if body := page.get("/expert-draws").Body.String(); !strings.Contains(body, "<td>"+code+" 专家抽取测试工程</td><td>一标段</td>") {
		t.Fatalf("the draw list should name the project and lot:\n%s", body)
	}
}
