package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/demo"
)

// newUser adds an active user of its own, so that throttling tests do not
// lock the demo users other tests log in as.
func (e *env) newUser(t *testing.T, prefix string, roles ...string) string {
	t.Helper()
	name := fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%1e9)
	ctx := audit.WithActor(context.Background(), audit.System)
	if _, err := e.deps.Accounts.CreateUser(ctx, accounts.UserInput{Username: name, DisplayName: "测试用户", Roles: roles, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestLoginUnknownUserAndWrongPasswordLookAlike(t *testing.T) {
	e := newEnv(t)
	sessionsBefore := e.count(`SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'agency2'`)
	c := e.anon()
	unknown := c.json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": "nobody-here", "password": "whatever-123"})
	wrong := c.json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": "agency2", "password": "wrong-password"})
	if unknown.Code != http.StatusUnauthorized || wrong.Code != http.StatusUnauthorized {
		t.Fatalf("statuses %d and %d, want 401 both", unknown.Code, wrong.Code)
	}
	var a, b apiError
	unknown.decode(t, &a)
	wrong.decode(t, &b)
	if a.Error.Code != b.Error.Code || a.Error.Message != b.Error.Message || a.Error.Code != "login_failed" {
		t.Fatalf("answers differ: %+v vs %+v", a.Error, b.Error)
	}
	// The form answers the same for both, too.
	f1 := e.anon().postForm("/login", url.Values{"username": {"nobody-here"}, "password": {"x"}})
	f2 := e.anon().postForm("/login", url.Values{"username": {"agency2"}, "password": {"x"}})
	if f1.Code != f2.Code || !strings.Contains(f1.Body.String(), "用户名或密码错误") || !strings.Contains(f2.Body.String(), "用户名或密码错误") {
		t.Fatalf("form answers differ: %d vs %d", f1.Code, f2.Code)
	}
	// Each failure is audited, and nothing else is written.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'auth.login_failed' AND actor = 'nobody-here'`); n != 2 {
		t.Fatalf("%d audited failures for the unknown user, want 2", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'agency2'`); n != sessionsBefore {
		t.Fatalf("failed logins created %d sessions", n-sessionsBefore)
	}
}

// Failures counted on one instance lock the user on another: the counters
// live in the database.
func TestLoginThrottleHoldsAcrossInstances(t *testing.T) {
	one, two := newEnv(t), newEnv(t)
	two.clock = one.clock
	two.deps.Accounts.Clock = one.clock
	user := one.newUser(t, "throttle", staff)
	for i := 0; i < accounts.DefaultThrottle.MaxPerUser; i++ {
		srv := one
		if i%2 == 1 {
			srv = two
		}
		r := srv.anon().json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": user, "password": "wrong-password"})
		if r.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, r.Code)
		}
	}
	// Even the right password is refused while the lock holds, from a new address.
	r := two.anon().json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": user, "password": testPassword})
	if r.Code != http.StatusTooManyRequests || r.errorCode(t) != "login_throttled" {
		t.Fatalf("locked login: %d %s", r.Code, r.Body.String())
	}
	if ra := r.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
	one.clock.Advance(accounts.DefaultThrottle.BaseLock + time.Second)
	r = one.anon().json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": user, "password": testPassword})
	if r.Code != http.StatusCreated {
		t.Fatalf("after the lock: %d %s", r.Code, r.Body.String())
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.browser("admin")
	form := url.Values{"date": {"2031-05-05"}, "kind": {"holiday"}, "name": {"测试"}}
	tests := []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"from another session", sessionCSRF("someone-elses-session")},
		{"anonymous cookie token", "x" + strings.Repeat("a", 42)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range form {
				v[k] = vs
			}
			v.Set(csrfField, tt.token)
			if tt.token == "" {
				v.Del(csrfField)
				req := httptest.NewRequest(http.MethodPost, "/admin/calendar", strings.NewReader(v.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r := c.do(req)
				if r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "csrf_invalid") {
					t.Fatalf("status %d", r.Code)
				}
				return
			}
			r := c.postForm("/admin/calendar", v)
			if r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "csrf_invalid") {
				t.Fatalf("status %d", r.Code)
			}
		})
	}
	if n := e.count(`SELECT COUNT(*) FROM calendar_days WHERE day = '2031-05-05'`); n != 0 {
		t.Fatalf("a forged form wrote the calendar")
	}
	// A token that went stale with its session is refused as well.
	old := c.csrf()
	if r := c.postForm("/logout", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.Code)
	}
	c2 := e.browser("admin")
	v := url.Values{csrfField: {old}}
	for k, vs := range form {
		v[k] = vs
	}
	if r := c2.postForm("/admin/calendar", v); r.Code != http.StatusForbidden {
		t.Fatalf("stale token: %d", r.Code)
	}
	// And the real token works.
	if r := c2.postForm("/admin/calendar", form); r.Code != http.StatusSeeOther {
		t.Fatalf("valid form: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM calendar_days WHERE day = '2031-05-05'`); n != 1 {
		t.Fatalf("valid form did not write")
	}
}

func TestBodyOverLimitIs413(t *testing.T) {
	e := newEnv(t)
	before := e.count(`SELECT COUNT(*) FROM organisations`)
	big := strings.Repeat("很", 600_000) // 1.8 MB of UTF-8, over the 1M limit
	r := e.anon().json(http.MethodPost, "/api/v1/registrations", map[string]string{"org_name": big})
	if r.Code != http.StatusRequestEntityTooLarge || r.errorCode(t) != "body_too_large" {
		t.Fatalf("status %d %s", r.Code, r.Body.String())
	}
	if after := e.count(`SELECT COUNT(*) FROM organisations`); after != before {
		t.Fatal("an over-limit body wrote an organisation")
	}
}

func TestSelfRegistrationNeedsStaffApproval(t *testing.T) {
	e := newEnv(t)
	pub := e.anon()
	uscc := demo.USCC("91330100MA00099" + fmt.Sprintf("%02d", time.Now().UnixNano()%100))
	username := fmt.Sprintf("newagency%d", time.Now().UnixNano()%1e6)
	bad := url.Values{"org_kind": {"agency"}, "org_name": {"新代理公司"}, "uscc": {uscc[:17] + "0"}, "display_name": {"张三"},
		"username": {username}, "password": {"short"}}
	if uscc[17] == '0' {
		bad.Set("uscc", uscc[:17]+"1")
	}
	before := e.count(`SELECT COUNT(*) FROM organisations`)
	r := pub.postForm("/register", bad)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("bad registration: %d", r.Code)
	}
	body := r.Body.String()
	if !strings.Contains(body, "校验") && !strings.Contains(body, "统一社会信用代码") {
		t.Fatalf("no USCC message in the re-rendered form")
	}
	if !strings.Contains(body, "密码至少10位") {
		t.Fatalf("no password message in the re-rendered form")
	}
	// JSON answers name every field.
	rj := pub.json(http.MethodPost, "/api/v1/registrations", map[string]string{"org_kind": "agency", "org_name": "新代理公司", "uscc": bad.Get("uscc"),
		"display_name": "张三", "username": username, "password": "short"})
	var er apiError
	rj.decode(t, &er)
	fields := map[string]string{}
	for _, f := range er.Error.Fields {
		fields[f.Name] = f.Code
	}
	if rj.Code != http.StatusBadRequest || fields["uscc"] != "uscc_checksum" || fields["password"] != "password_too_short" {
		t.Fatalf("JSON answer %d %+v", rj.Code, er)
	}
	if e.count(`SELECT COUNT(*) FROM organisations`) != before {
		t.Fatal("invalid registration wrote an organisation")
	}

	good := url.Values{"org_kind": {"agency"}, "org_name": {"新代理公司"}, "uscc": {uscc}, "display_name": {"张三"},
		"username": {username}, "password": {testPassword}, "contact_phone": {"13800138000"}}
	if r := pub.postForm("/register", good); r.Code != http.StatusSeeOther {
		t.Fatalf("registration: %d %s", r.Code, r.Body.String())
	}
	// Pending: login is refused with the reason.
	r = e.anon().json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": username, "password": testPassword})
	if r.Code != http.StatusForbidden || r.errorCode(t) != "account_inactive" {
		t.Fatalf("pending login: %d %s", r.Code, r.Body.String())
	}
	var orgID int64
	if err := e.db.Get(&orgID, `SELECT id FROM organisations WHERE uscc = ?`, uscc); err != nil {
		t.Fatal(err)
	}
	st := e.api("staff")
	// Returning without a reason is refused.
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/organisations/%d/review", orgID), map[string]any{"approve": false}); r.Code != http.StatusBadRequest {
		t.Fatalf("reject without note: %d", r.Code)
	}
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/organisations/%d/review", orgID), map[string]any{"approve": true}); r.Code != http.StatusOK {
		t.Fatalf("approve: %d %s", r.Code, r.Body.String())
	}
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/organisations/%d/review", orgID), map[string]any{"approve": true}); r.Code != http.StatusConflict {
		t.Fatalf("second review: %d", r.Code)
	}
	nu := e.api(username)
	var me apiUser
	r = nu.json(http.MethodGet, "/api/v1/me", nil)
	r.decode(t, &me)
	if len(me.Roles) != 1 || me.Roles[0] != agency || me.OrgName != "新代理公司" {
		t.Fatalf("me: %+v", me)
	}
	// The same USCC cannot register twice.
	good.Set("username", username+"x")
	if r := e.anon().postForm("/register", good); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "已注册") {
		t.Fatalf("duplicate USCC: %d", r.Code)
	}
}

func TestSessionsExpireAndLogoutRevokes(t *testing.T) {
	e := newEnv(t)
	t.Run("logout revokes the cookie", func(t *testing.T) {
		c := e.browser("clerk")
		sid := c.cookies[sessionCookie]
		if r := c.postForm("/logout", nil); r.Code != http.StatusSeeOther {
			t.Fatalf("logout %d", r.Code)
		}
		replay := e.anon()
		replay.cookies[sessionCookie] = sid
		if r := replay.get("/workspace"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/login") {
			t.Fatalf("replayed cookie after logout: %d", r.Code)
		}
	})
	t.Run("idle expiry", func(t *testing.T) {
		c := e.browser("clerk")
		e.clock.Advance(29 * time.Minute)
		if r := c.get("/workspace"); r.Code != http.StatusOK {
			t.Fatalf("after 29 min: %d", r.Code)
		}
		e.clock.Advance(31 * time.Minute)
		if r := c.get("/workspace"); r.Code != http.StatusSeeOther {
			t.Fatalf("after 31 idle minutes: %d", r.Code)
		}
	})
	t.Run("absolute expiry", func(t *testing.T) {
		c := e.browser("clerk")
		for i := 0; i < 35; i++ { // 35 × 20 min = 11 h 40 min of activity
			e.clock.Advance(20 * time.Minute)
			if r := c.get("/workspace"); r.Code != http.StatusOK {
				t.Fatalf("active session ended after %d steps: %d", i+1, r.Code)
			}
		}
		e.clock.Advance(21 * time.Minute)
		if r := c.get("/workspace"); r.Code != http.StatusSeeOther {
			t.Fatalf("after 12 h: %d", r.Code)
		}
	})
	t.Run("API token revoked", func(t *testing.T) {
		c := e.api("approver")
		if r := c.json(http.MethodGet, "/api/v1/me", nil); r.Code != http.StatusOK {
			t.Fatalf("me: %d", r.Code)
		}
		if r := c.json(http.MethodDelete, "/api/v1/tokens/current", nil); r.Code != http.StatusNoContent {
			t.Fatalf("delete token: %d", r.Code)
		}
		if r := c.json(http.MethodGet, "/api/v1/me", nil); r.Code != http.StatusUnauthorized {
			t.Fatalf("me after revoke: %d", r.Code)
		}
	})
	t.Run("disabled user loses its sessions", func(t *testing.T) {
		user := e.newUser(t, "leaver", clerk)
		c := e.api(user)
		var me apiUser
		c.json(http.MethodGet, "/api/v1/me", nil).decode(t, &me)
		ad := e.api("admin")
		if r := ad.json(http.MethodPut, fmt.Sprintf("/api/v1/users/%d", me.ID), map[string]any{"roles": []string{clerk}, "status": "disabled"}); r.Code != http.StatusOK {
			t.Fatalf("disable: %d %s", r.Code, r.Body.String())
		}
		if r := c.json(http.MethodGet, "/api/v1/me", nil); r.Code != http.StatusUnauthorized {
			t.Fatalf("disabled user's token still works: %d", r.Code)
		}
	})
}

func TestEveryDemoRoleGetsATokenAndItsWorkspace(t *testing.T) {
	e := newEnv(t)
	for role, user := range demoUserOf {
		c := e.api(user)
		var me apiUser
		r := c.json(http.MethodGet, "/api/v1/me", nil)
		r.decode(t, &me)
		if len(me.Roles) == 0 || me.Roles[0] != role {
			t.Errorf("%s: roles %v", user, me.Roles)
		}
		b := e.browser(user)
		page := b.get("/workspace").Body.String()
		if !strings.Contains(page, "工作台") || !strings.Contains(page, accounts.RoleNames[role]) {
			t.Errorf("%s: workspace does not show the role %s", user, accounts.RoleNames[role])
		}
	}
}

func TestAuditChainCoversWhatTheTestsDid(t *testing.T) {
	e := newEnv(t)
	ad := e.api("admin")
	if r := ad.json(http.MethodPut, "/api/v1/calendar/days/2031-10-01", map[string]string{"kind": "holiday", "name": "国庆节"}); r.Code != http.StatusNoContent {
		t.Fatalf("set day: %d %s", r.Code, r.Body.String())
	}
	rep := e.sealAndVerify()
	if !rep.OK() || rep.Events == 0 {
		t.Fatalf("chain: %+v", rep)
	}
	sup := e.api("supervisor")
	var v struct {
		OK     bool  `json:"ok"`
		Events int64 `json:"events"`
	}
	sup.json(http.MethodGet, "/api/v1/audit/verify", nil).decode(t, &v)
	if !v.OK || v.Events < rep.Events {
		t.Fatalf("verify API: %+v", v)
	}
	var list struct {
		Events []apiEvent `json:"events"`
	}
	sup.json(http.MethodGet, "/api/v1/audit/events?action=calendar.set", nil).decode(t, &list)
	found := false
	for _, ev := range list.Events {
		if ev.ObjectID == "2031-10-01" && ev.Actor == "admin" && ev.Role == admin && ev.IP != "" {
			found = true
		}
	}
	if !found {
		t.Fatalf("calendar change not in the audit list: %+v", list.Events)
	}
	// The supervisor's read is itself recorded.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'audit.read' AND actor = 'supervisor'`); n == 0 {
		t.Fatal("supervisor's read was not recorded")
	}
}

func TestWorkingDaysAPI(t *testing.T) {
	e := newEnv(t)
	c := e.api("agency")
	tests := []struct {
		query string
		want  string
		code  int
	}{
		{"from=2026-09-30&days=1", "2026-10-08", 200},                // 国庆 2026: 10-01..10-07 off
		{"from=2026-02-13&days=1", "2026-02-14", 200},                // Saturday worked (调休)
		{"from=2026-09-30&days=20&kind=calendar", "2026-10-20", 200}, // calendar days
		{"from=2026-13-01&days=1", "", 400},
		{"from=2026-09-30&days=x", "", 400},
	}
	for _, tt := range tests {
		r := c.json(http.MethodGet, "/api/v1/calendar/working-days?"+tt.query, nil)
		if r.Code != tt.code {
			t.Errorf("%s: %d %s", tt.query, r.Code, r.Body.String())
			continue
		}
		if tt.code == 200 {
			var out struct{ Date string }
			r.decode(t, &out)
			if out.Date != tt.want {
				t.Errorf("%s: %s, want %s", tt.query, out.Date, tt.want)
			}
		}
	}
}
