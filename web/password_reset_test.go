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

// loginAs logs username in with password, through the login form or for a
// token, and returns the client and the answer.
func loginAs(e *env, username, password string, api bool) (*client, response) {
	c := e.anon()
	c.user = username
	if api {
		r := c.json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": username, "password": password})
		if r.Code == http.StatusCreated {
			var tok struct{ Token string }
			r.decode(e.t, &tok)
			c.token = tok.Token
		}
		return c, r
	}
	c.get("/login")
	return c, c.postForm("/login", url.Values{"username": {username}, "password": {password}})
}

var tempPasswordRe = regexp.MustCompile(`data-testid="temporary-password">([^<]+)<`)

// A user forgot the password: an administrator resets it on the users page,
// reads the temporary password off the answer once and passes it on; its
// holder can do nothing but replace it, then works as before.
func TestAdminResetsAForgottenPassword(t *testing.T) {
	e := newEnv(t)
	username := fmt.Sprintf("pw%d", time.Now().UnixNano()%1e9)
	ad := e.api("admin")
	var created apiUser
	r := ad.json(http.MethodPost, "/api/v1/users", map[string]any{"username": username, "display_name": "王窗口", "roles": []string{"staff"},
		"password": "Initial-Pass-2026"})
	if r.Code != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.Code, r.Body.String())
	}
	r.decode(t, &created)
	if created.MustChange {
		t.Fatal("a user created without must_change_password must not have to change it")
	}
	old, r := loginAs(e, username, "Initial-Pass-2026", true)
	if r.Code != http.StatusCreated {
		t.Fatalf("login with the first password: %d", r.Code)
	}

	// The reset, on the page: the temporary password is on the answer, not
	// in a cookie, and only its hash is stored.
	admin := e.browser("admin")
	r = admin.postForm(fmt.Sprintf("/admin/users/%d/password-reset", created.ID), nil)
	m := tempPasswordRe.FindStringSubmatch(r.Body.String())
	if r.Code != http.StatusOK || m == nil || r.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("reset on the page: %d %q", r.Code, r.Header().Get("Cache-Control"))
	}
	temp := m[1]
	if len(temp) != 12 {
		t.Fatalf("temporary password %q", temp)
	}
	for _, ck := range r.Result().Cookies() {
		if strings.Contains(ck.Value, temp) {
			t.Fatalf("the temporary password went into cookie %s", ck.Name)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM users WHERE id = ? AND password_hash LIKE '$argon2id$%' AND must_change_password`, created.ID); n != 1 {
		t.Fatal("the reset password is not stored as an argon2id hash to be changed")
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'user.password_reset' AND object_id = ? AND actor = 'admin' AND summary NOT LIKE ?`,
		fmt.Sprint(created.ID), "%"+temp+"%"); n != 1 {
		t.Fatalf("reset audit events without the password: %d", n)
	}
	// Every earlier login ends; the old password no longer works.
	if r := old.get("/api/v1/me"); r.Code != http.StatusUnauthorized {
		t.Fatalf("token from before the reset: %d", r.Code)
	}
	if _, r := loginAs(e, username, "Initial-Pass-2026", true); r.Code == http.StatusCreated {
		t.Fatal("the old password still logs in")
	}

	// With the temporary password: the account page, and nothing else.
	b, r := loginAs(e, username, temp, false)
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/account" {
		t.Fatalf("login with the temporary password: %d → %q", r.Code, r.Header().Get("Location"))
	}
	if r := b.get("/workspace"); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/account" {
		t.Fatalf("workspace before the change: %d → %q", r.Code, r.Header().Get("Location"))
	}
	if r := b.get("/account"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="must-change"`) {
		t.Fatalf("account page before the change: %d", r.Code)
	}
	if r := b.postForm("/staff/organisations/987654321/review", url.Values{"decision": {"approve"}}); r.Code != http.StatusForbidden {
		t.Fatalf("a form before the change: %d", r.Code)
	}
	tok, r := loginAs(e, username, temp, true)
	if r.Code != http.StatusCreated {
		t.Fatalf("token with the temporary password: %d %s", r.Code, r.Body.String())
	}
	var me apiUser
	if r := tok.get("/api/v1/me"); r.Code != http.StatusOK {
		t.Fatalf("me: %d", r.Code)
	} else if r.decode(t, &me); !me.MustChange {
		t.Fatalf("me does not say the password must change: %+v", me)
	}
	if r := tok.get("/api/v1/organisations"); r.Code != http.StatusForbidden || r.errorCode(t) != "password_change_required" {
		t.Fatalf("API before the change: %d %s", r.Code, r.Body.String())
	}
	for _, tc := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"current": "wrong-password-1", "password": "Chosen-By-Me-2026"}, "current"},
		{map[string]string{"current": temp, "password": "short"}, "password"},
	} {
		r := tok.json(http.MethodPut, "/api/v1/me/password", tc.body)
		var ae apiError
		if r.Code != http.StatusBadRequest {
			t.Fatalf("change %v: %d %s", tc.body, r.Code, r.Body.String())
		}
		if r.decode(t, &ae); !hasField(ae, tc.field, "") {
			t.Errorf("change %v: %s, want field %s", tc.body, r.Body.String(), tc.field)
		}
	}
	if r := tok.json(http.MethodPut, "/api/v1/me/password", map[string]string{"current": temp, "password": "Chosen-By-Me-2026"}); r.Code != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.Code, r.Body.String())
	}
	if r := b.get("/account"); r.Code == http.StatusOK && strings.Contains(r.Body.String(), `data-testid="must-change"`) {
		t.Fatal("the browser's session outlived the change")
	}
	b, r = loginAs(e, username, "Chosen-By-Me-2026", false)
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/workspace" {
		t.Fatalf("login with the new password: %d → %q", r.Code, r.Header().Get("Location"))
	}
	if r := b.get("/workspace"); r.Code != http.StatusOK {
		t.Fatalf("workspace after the change: %d", r.Code)
	}

	// Through the API, and what is refused.
	var reset struct {
		Temp string `json:"temporary_password"`
	}
	r = ad.json(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/password-reset", created.ID), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("reset through the API: %d %s", r.Code, r.Body.String())
	}
	if r.decode(t, &reset); len(reset.Temp) != 12 || reset.Temp == temp {
		t.Fatalf("second temporary password %q", reset.Temp)
	}
	var self apiUser
	ad.get("/api/v1/me").decode(t, &self)
	if r := ad.json(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/password-reset", self.ID), nil); r.Code != http.StatusBadRequest || r.errorCode(t) != "cannot_reset_self" {
		t.Fatalf("admin resetting their own password: %d %s", r.Code, r.Body.String())
	}
	if r := ad.json(http.MethodPost, "/api/v1/users/987654321/password-reset", nil); r.Code != http.StatusNotFound {
		t.Fatalf("reset of no user: %d", r.Code)
	}
}

// A user the administrator creates on the page with the box ticked (the
// default) replaces the administrator's password at the first login.
func TestAdminCreatedUserChangesThePasswordFirst(t *testing.T) {
	e := newEnv(t)
	username := fmt.Sprintf("nu%d", time.Now().UnixNano()%1e9)
	admin := e.browser("admin")
	r := admin.postForm("/admin/users", url.Values{"username": {username}, "display_name": {"李审批"}, "roles": {"clerk"},
		"password": {"Set-By-Admin-2026"}, "must_change_password": {"true"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create on the page: %d %s", r.Code, r.Body.String())
	}
	b, r := loginAs(e, username, "Set-By-Admin-2026", false)
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/account" {
		t.Fatalf("first login: %d → %q", r.Code, r.Header().Get("Location"))
	}
	r = b.postForm("/account/password", url.Values{"current": {"Set-By-Admin-2026"}, "password": {"Only-I-Know-2026"}})
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/login" {
		t.Fatalf("change on the page: %d → %q", r.Code, r.Header().Get("Location"))
	}
	b, _ = loginAs(e, username, "Only-I-Know-2026", false)
	if r := b.get("/workspace"); r.Code != http.StatusOK {
		t.Fatalf("workspace after the change: %d", r.Code)
	}
}
