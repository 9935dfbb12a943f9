package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/problem"
)

// Bad input found by an exploratory run against the non-trading API
// (session 3).
func TestCoreBadInputFoundByExploration(t *testing.T) {
	e := newEnv(t)
	admin := e.api("admin")

	// The admin who removes their own admin role leaves nobody to give it back.
	var me struct {
		ID int64 `json:"id"`
	}
	admin.json("GET", "/api/v1/me", nil).decode(t, &me)
	if me.ID == 0 {
		t.Fatal("no id from /api/v1/me")
	}
	r := admin.json("PUT", "/api/v1/users/"+strconv.FormatInt(me.ID, 10), map[string]any{"roles": []string{"bidder"}, "status": "active"})
	if r.Code != http.StatusBadRequest || fieldCodes(t, r)["roles"] != "cannot_demote_self" {
		t.Errorf("admin dropping their own admin role: %d %s", r.Code, r.Body.String())
	}
	if r := admin.json("GET", "/api/v1/users", nil); r.Code != http.StatusOK {
		t.Fatalf("the admin lost the admin pages: %d", r.Code)
	}

	// Text longer than its column: 400 naming the column, not a 500.
	users := e.count(`SELECT COUNT(*) FROM users`)
	r = admin.json("POST", "/api/v1/users", map[string]any{"username": "longphone", "display_name": "长电话", "phone": strings.Repeat("1", 5000),
		"roles": []string{"staff"}, "password": "a-long-enough-password-1"})
	if r.Code != http.StatusBadRequest {
		t.Errorf("a 5,000-digit phone: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM users`); n != users {
		t.Errorf("a refused user wrote %d rows", n-users)
	}

	// A login name longer than any account's is an unknown user (its
	// throttle key no longer overflows the column).
	if r := e.anon().json("POST", "/api/v1/tokens", map[string]string{"username": strings.Repeat("长", 20000), "password": "x"}); r.Code != http.StatusUnauthorized {
		t.Errorf("login with a 20,000-character name: %d %s", r.Code, r.Body.String())
	}

	// A past employer named by an id no organisation has: refused (the
	// employment rule would avoid the expert for no one), nothing written.
	st := e.api("staff")
	experts := e.count(`SELECT COUNT(*) FROM experts`)
	body := expertBody(testRegion(), "GC01")
	body["employments"] = []map[string]any{{"org_id": 1 << 40, "org_name": "某公司", "started_on": "2015-01-01", "ended_on": "2020-12-31"}}
	r = st.json("POST", "/api/v1/experts", body)
	if r.Code != http.StatusBadRequest || fieldCodes(t, r)["employments[0].org_id"] != "org_not_found" {
		t.Errorf("an employment at an unknown organisation: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM experts`); n != experts {
		t.Errorf("a refused expert wrote %d rows", n-experts)
	}

	// The archive's filters: one that cannot be read is refused with its
	// field — project_id=abc showed the unfiltered archive.
	sup := e.api("supervisor")
	for q, field := range map[string]string{"project_id=abc": "project_id", "limit=-1": "limit", "limit=99999999999999999999": "limit",
		"before_id=x": "before_id", "actor=" + strings.Repeat("a", 70000): "actor",
		"from=2026-13-01": "from", "to=yesterday": "to", "from=2026-03-05&to=2026-03-04": "to", "from=1899-01-01": "from"} {
		if r := sup.json("GET", "/api/v1/audit/events?"+q, nil); r.Code != http.StatusBadRequest || fieldCodes(t, r)[field] == "" {
			t.Errorf("audit filter %.40s: %d %.300s", q, r.Code, r.Body.String())
		}
	}

	// One person does not sit on both sides of a tender.
	for _, roles := range [][]string{{"agency", "bidder"}, {"staff", "bidder"}, {"supervisor", "bidder"}, {"admin", "bidder"}, {"agency", "staff"}} {
		r := admin.json("POST", "/api/v1/users", map[string]any{"username": "two" + roles[0], "display_name": "兼任", "roles": roles, "password": "a-long-enough-password-1"})
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)["roles"] != "roles_conflict" {
			t.Errorf("roles %v: %d %s", roles, r.Code, r.Body.String())
		}
	}
	// A bidder belongs to a bidder organisation, an agency user to an agency.
	var agencyOrg int64
	if err := e.db.Get(&agencyOrg, `SELECT org_id FROM users WHERE username = 'agency'`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body        map[string]any
		field, code string
	}{
		{map[string]any{"username": "bidder_in_agency", "display_name": "错位", "roles": []string{"bidder"}, "organisation_id": agencyOrg, "password": "a-long-enough-password-1"}, "roles", "role_org_mismatch"},
		{map[string]any{"username": "bidder_alone", "display_name": "无单位", "roles": []string{"bidder"}, "password": "a-long-enough-password-1"}, "org_id", "org_required"},
	} {
		if r := admin.json("POST", "/api/v1/users", c.body); r.Code != http.StatusBadRequest || fieldCodes(t, r)[c.field] != c.code {
			t.Errorf("%v: %d %s", c.body["username"], r.Code, r.Body.String())
		}
	}
	if r := admin.json("PUT", "/api/v1/users/"+strconv.FormatInt(me.ID, 10), map[string]any{"roles": []string{"admin", "bidder"}, "status": "active"}); r.Code != http.StatusBadRequest {
		t.Errorf("an admin who is also a bidder: %d %s", r.Code, r.Body.String())
	}

	// A locality's rules may be stricter than the law, not laxer, and take
	// only the values their kind of rule has.
	for _, c := range []struct {
		rule        string
		body        map[string]any
		field, code string
	}{
		{"eng.tender_period", map[string]any{"day_kind": "calendar", "days": 1, "action": "block"}, "days", "laxer_than_law"},
		{"eng.tender_period", map[string]any{"day_kind": "calendar", "days": 20, "action": "warn"}, "action", "laxer_than_law"},
		{"eng.clarify", map[string]any{"day_kind": "calendar", "days": 15, "action": "warn"}, "action", "laxer_than_law"},
		{"proc.docs_period", map[string]any{"day_kind": "calendar", "days": 5, "action": "block"}, "day_kind", "laxer_than_law"},
		{"eng.deposit_cap", map[string]any{"day_kind": "calendar", "days": 0, "rate": "3", "action": "block"}, "rate", "laxer_than_law"},
		{"eng.refund", map[string]any{"day_kind": "calendar", "days": 10, "action": "warn"}, "days", "laxer_than_law"},
		{"eng.tender_period", map[string]any{"day_kind": "calendar", "days": 20, "rate": "50", "action": "block"}, "rate", "rate_not_applicable"},
		{"eng.deposit_cap", map[string]any{"day_kind": "calendar", "days": 5, "rate": "2", "action": "block"}, "days", "days_not_applicable"},
	} {
		r := admin.json("PUT", "/api/v1/rules/qa-stricter/"+c.rule, c.body)
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)[c.field] != c.code {
			t.Errorf("%s %v: %d %s", c.rule, c.body, r.Code, r.Body.String())
		}
	}
	if r := admin.json("PUT", "/api/v1/rules/qa-stricter/eng.tender_period", map[string]any{"day_kind": "working", "days": 25, "action": "block"}); r.Code != http.StatusOK {
		t.Errorf("a stricter tender period: %d %s", r.Code, r.Body.String())
	}

	for q, field := range map[string]string{"status=xyz": "status", "kind=xyz": "kind"} {
		if r := e.api("staff").json("GET", "/api/v1/organisations?"+q, nil); r.Code != http.StatusBadRequest || fieldCodes(t, r)[field] == "" {
			t.Errorf("organisations?%s: %d %s", q, r.Code, r.Body.String())
		}
	}
	// The organisation API names its own fields (kind, not the page's org_kind).
	if r := admin.json("POST", "/api/v1/organisations", map[string]any{"name": "某单位", "uscc": "91330100MA2XXXXXXX", "kind": "weird"}); r.Code != http.StatusBadRequest || fieldCodes(t, r)["kind"] == "" {
		t.Errorf("organisation of an unknown kind: %d %s", r.Code, r.Body.String())
	}

	// Calendar days and day counts stay within 2000–2099.
	if r := admin.json("PUT", "/api/v1/calendar/days/1999-12-31", map[string]string{"kind": "holiday", "name": "元旦"}); r.Code != http.StatusBadRequest || fieldCodes(t, r)["date"] != "date_out_of_range" {
		t.Errorf("a holiday in 1999: %d %s", r.Code, r.Body.String())
	}
	if r := admin.json("GET", "/api/v1/calendar/working-days?from=2099-12-01&days=3000&kind=calendar", nil); r.Code != http.StatusBadRequest || fieldCodes(t, r)["days"] != "date_out_of_range" {
		t.Errorf("a day count into 2108: %d %s", r.Code, r.Body.String())
	}

	// A filter value the column's character set cannot hold.
	if r := e.api("staff").json("GET", "/api/v1/experts?specialty="+strings.Repeat("%E9%95%BF", 40), nil); r.Code >= 500 {
		t.Errorf("experts by a CJK specialty: %d %s", r.Code, r.Body.String())
	}
}

// The net under the handlers: the database's refusals that only input or
// contention cause are never a 500.
func TestToProblemDatabaseRefusals(t *testing.T) {
	for _, c := range []struct {
		err    *mysql.MySQLError
		status int
		code   string
		field  string
	}{
		{&mysql.MySQLError{Number: 1406, Message: "Data too long for column 'org_name' at row 1"}, http.StatusBadRequest, "value_too_long", "org_name"},
		{&mysql.MySQLError{Number: 1264, Message: "Out of range value for column 'capacity' at row 1"}, http.StatusBadRequest, "value_too_long", "capacity"},
		{&mysql.MySQLError{Number: 1267, Message: "Illegal mix of collations"}, http.StatusBadRequest, "value_invalid", ""},
		{&mysql.MySQLError{Number: 1366, Message: "Incorrect string value"}, http.StatusBadRequest, "value_invalid", ""},
		{&mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}, http.StatusConflict, "busy", ""},
		{&mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, http.StatusConflict, "busy", ""},
		{&mysql.MySQLError{Number: 1146, Message: "Table 'x' doesn't exist"}, http.StatusInternalServerError, "internal", ""},
	} {
		p, st := toProblem(wrapErr(c.err))
		if st != c.status || p.Code != c.code {
			t.Errorf("%d: %d %s, want %d %s", c.err.Number, st, p.Code, c.status, c.code)
		}
		if c.field != "" && (len(p.Fields) != 1 || p.Fields[0].Name != c.field) {
			t.Errorf("%d: fields %+v, want %s", c.err.Number, p.Fields, c.field)
		}
		if c.code == "busy" && p.RetryAfterSeconds == 0 {
			t.Errorf("%d: no Retry-After", c.err.Number)
		}
	}
	if _, st := toProblem(problem.New(problem.Invalid, "x", "y")); st != http.StatusBadRequest {
		t.Errorf("a problem: %d", st)
	}
}

type wrapped struct{ err error }

func (w wrapped) Error() string { return "insert declaration: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func wrapErr(err error) error { return wrapped{err} }

// Text the documents cannot print — emoji, invisible and format
// characters, supplementary-plane CJK — is refused where it is entered,
// in JSON, url-encoded and multipart bodies and in queries: held in a
// free text it would later make closing an evaluation or printing a draw
// record fail on every try. XML bodies, which Echo would bind past these
// checks, are refused. Passwords may hold any character.
func TestTextInputPrintable(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	projects := e.count(`SELECT COUNT(*) FROM trading_projects`)
	for _, bad := range []string{"😀", "\u200b", "\ufeff", "\u2028", "\U00020000", "\ue000"} {
		body := engineeringProject(uniqueTitle("文书字库测试工程"))
		body["title"] = "示范工程" + bad + "施工"
		r := ag.json("POST", "/api/v1/projects", body)
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)["title"] != "unprintable_chars" {
			t.Errorf("title with %+q: %d %s", bad, r.Code, r.Body.String())
		}
		body = engineeringProject(uniqueTitle("文书字库测试工程"))
		body["lots"].([]map[string]any)[0]["name"] = "一标段" + bad
		if r := ag.json("POST", "/api/v1/projects", body); r.Code != http.StatusBadRequest || fieldCodes(t, r)["lots[0].name"] != "unprintable_chars" {
			t.Errorf("lot name with %+q: %d %s", bad, r.Code, r.Body.String())
		}
	}
	body := engineeringProject(uniqueTitle("文书字库测试工程"))
	body["title"] = "示范工程\u200f施工" // a right-to-left mark
	if r := ag.json("POST", "/api/v1/projects", body); r.Code != http.StatusBadRequest || fieldCodes(t, r)["title"] != "control_character" {
		t.Errorf("title with U+200F: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_projects`); n != projects {
		t.Errorf("refused registrations wrote %d projects", n-projects)
	}
	// Ordinary Chinese text with tabs and line breaks passes.
	body = engineeringProject(uniqueTitle("文书字库测试工程"))
	body["details"].(map[string]string)["site"] = "示范市新城区\r\n\t道路、排水及附属工程（含节假日施工）"
	if r := ag.json("POST", "/api/v1/projects", body); r.Code != http.StatusCreated {
		t.Errorf("ordinary text: %d %s", r.Code, r.Body.String())
	}

	// A query, a url-encoded form and a multipart form (checked before
	// authentication and CSRF, so an anonymous request shows it).
	if r := e.anon().get("/announcements?q=" + url.QueryEscape("道路😀")); r.Code != http.StatusBadRequest {
		t.Errorf("query with an emoji: %d", r.Code)
	}
	if r := e.anon().postForm("/login", url.Values{"username": {"staff\u200b"}, "password": {"x"}}); r.Code != http.StatusBadRequest {
		t.Errorf("form with U+200B: %d", r.Code)
	}
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("username", "页面\u202e见证")
	_ = w.Close()
	req := httptest.NewRequest("POST", "/login", &mp)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if r := e.anon().do(req); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "控制字符") {
		t.Errorf("multipart with U+202E: %d %s", r.Code, r.Body.String())
	}
	// A multipart form under a path whose uploads stream (but not an upload
	// itself: the bid form) is checked too.
	mp.Reset()
	w = multipart.NewWriter(&mp)
	_ = w.WriteField("duration", "360日历天😀")
	_ = w.Close()
	req = httptest.NewRequest("POST", "/bidder/lots/1/form", &mp)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if r := e.anon().do(req); r.Code != http.StatusBadRequest {
		t.Errorf("multipart bid form with an emoji: %d %s", r.Code, r.Body.String())
	}
	req = httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`<r><Username>staff</Username><Password>x</Password></r>`))
	req.Header.Set("Content-Type", "application/xml")
	if r := e.anon().do(req); r.Code != http.StatusUnsupportedMediaType {
		t.Errorf("XML body: %d %s", r.Code, r.Body.String())
	}

	// A lone half of a UTF-16 surrogate pair is not text (encoding/json
	// would store U+FFFD in its place); a whole pair is an emoji, refused
	// as unprintable; an escaped backslash before "ud800" is plain text.
	for in, code := range map[string]string{`"\ud800"`: "body_not_utf8", `"x\udc00"`: "body_not_utf8", `"\ud83d\ude00"`: "unprintable_chars", `"\\ud800"`: ""} {
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"username":`+in+`,"password":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		r := e.anon().do(req)
		got := ""
		if r.Code == http.StatusBadRequest {
			got = r.errorCode(t)
			if got == "validation_failed" {
				got = fieldCodes(t, r)["username"]
			}
		}
		if got != code {
			t.Errorf("username %s: %d %s, want %q", in, r.Code, r.Body.String(), code)
		}
	}

	// A password is never printed: any character may be in it (a wrong
	// one is a failed login, not a refused request).
	if r := e.anon().json("POST", "/api/v1/tokens", map[string]string{"username": "staff", "password": "密码😀\u200b"}); r.Code != http.StatusUnauthorized {
		t.Errorf("login with an emoji password: %d %s", r.Code, r.Body.String())
	}
}

// Two admins who remove each other's admin role at the same moment leave
// one admin, not none: the last active admin cannot be demoted or
// disabled.
func TestLastAdminStays(t *testing.T) {
	e := newEnv(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	name := fmt.Sprintf("admin%d", time.Now().UnixNano()%1e9)
	other, err := e.deps.Accounts.CreateUser(ctx, accounts.UserInput{Username: name, DisplayName: "第二管理员", Roles: []string{admin}, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	var first int64
	if err := e.db.Get(&first, `SELECT id FROM users WHERE username = 'admin'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // whichever way the race went, the demo admin stays an admin for the other tests
		e.db.Exec(`UPDATE users SET status = 'active' WHERE id = ?`, first)
		e.db.Exec(`INSERT IGNORE INTO user_roles (user_id, role) VALUES (?, 'admin')`, first)
		e.db.Exec(`UPDATE users SET status = 'disabled' WHERE id = ?`, other)
	})
	admins := e.count(`SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'admin' WHERE u.status = 'active'`)
	a, b := e.api("admin"), e.api(name)
	demote := func(c *client, id int64) response {
		return c.json("PUT", "/api/v1/users/"+strconv.FormatInt(id, 10), map[string]any{"roles": []string{"staff"}, "status": "disabled"})
	}
	var wg sync.WaitGroup
	var ra, rb response
	wg.Add(2)
	go func() { defer wg.Done(); ra = demote(a, other) }()
	go func() { defer wg.Done(); rb = demote(b, first) }()
	wg.Wait()
	ok := 0
	for _, r := range []response{ra, rb} {
		switch {
		case r.Code == http.StatusOK:
			ok++
		case r.Code == http.StatusBadRequest && fieldCodes(t, r)["roles"] == "last_admin", r.Code == http.StatusForbidden, r.Code == http.StatusUnauthorized:
		default:
			t.Errorf("demotion: %d %s", r.Code, r.Body.String())
		}
	}
	n := e.count(`SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'admin' WHERE u.status = 'active' AND u.id IN (?, ?)`, first, other)
	if admins == 2 && (ok != 1 || n != 1) { // the two were the centre's only admins
		t.Errorf("%d demotions went through, %d of the two admins left", ok, n)
	}
	if e.count(`SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'admin' WHERE u.status = 'active'`) == 0 {
		t.Error("no active admin left")
	}
}

// After logging in the browser goes back only to a path on this site: a
// tab or line break, which browsers drop, must not turn "/\t/evil.example"
// into "//evil.example".
func TestLoginNextStaysOnSite(t *testing.T) {
	for _, next := range []string{"/\t/evil.example/phish", "/\n/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", "/ /evil.example", "javascript:alert(1)"} {
		if got := safeNext(next); got != "" {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
	for _, next := range []string{"/projects/12", "/announcements?q=%E9%81%93%E8%B7%AF&page=2"} {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
	e := newEnv(t)
	c := e.anon()
	c.get("/login") // the anonymous CSRF cookie
	r := c.postForm("/login", url.Values{"username": {"staff"}, "password": {testPassword}, "next": {"/\t/evil.example/phish"}})
	if loc := r.Header().Get("Location"); r.Code != http.StatusSeeOther || strings.Contains(loc, "evil") {
		t.Errorf("login with a tabbed next: %d to %q", r.Code, loc)
	}
}

// An error that names its fields renders as a page of the site with the
// messages, not as bare text (the template once named a field that does
// not exist).
func TestErrorPageListsFields(t *testing.T) {
	e := newEnv(t)
	r := e.browser("staff").postForm("/schedule/bookings", url.Values{})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Header().Get("Content-Type"), "text/html") || !strings.Contains(r.Body.String(), "<li>") {
		t.Errorf("an empty booking form: %d %s %.300s", r.Code, r.Header().Get("Content-Type"), r.Body.String())
	}
}

// CSRF: an anonymous form's token is one this server issued (a cookie
// planted with a chosen value is not), and a token in the query string
// counts only for the uploads that stream their bodies (it would end in
// the request log).
func TestCSRFTokensAreTheServers(t *testing.T) {
	e := newEnv(t)
	planted := strings.Repeat("A", 43)
	c := e.anon()
	c.cookies[csrfCookie] = planted
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {"staff"}, "password": {testPassword}, csrfField: {planted}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := c.do(req); r.Code != http.StatusForbidden {
		t.Errorf("login with a planted token: %d", r.Code)
	}
	ad := e.browser("admin")
	req = httptest.NewRequest("POST", "/admin/calendar?"+csrfField+"="+url.QueryEscape(ad.csrf()), strings.NewReader(url.Values{"date": {"2026-10-10"}, "kind": {"holiday"}, "name": {"测试"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := ad.do(req); r.Code != http.StatusForbidden {
		t.Errorf("a form with its token in the query string: %d", r.Code)
	}
	// The issued anonymous token still works.
	c = e.anon()
	c.get("/login")
	if r := c.postForm("/login", url.Values{"username": {"staff"}, "password": {testPassword}}); r.Code != http.StatusSeeOther {
		t.Errorf("login with the issued token: %d %s", r.Code, r.Body.String())
	}
}
