package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// access says who may call a route. The tables are written by hand, apart
// from the code that enforces them, so that a wrong role check fails here.
type access struct {
	method, path string
	roles        []string // who may call it
	public       bool     // anyone, logged in or not (a 401 for bad credentials is an answer, not a denial)
	loggedIn     bool     // any logged-in user
	ends         bool     // ends the caller's session: use a fresh client
}

var coreAccess = []access{
	{method: "GET", path: "/static/*", public: true},
	{method: "GET", path: "/healthz", public: true},
	{method: "GET", path: "/readyz", public: true},
	{method: "GET", path: "/metrics", public: true},
	{method: "GET", path: "/api/openapi.json", public: true},
	{method: "GET", path: "/", public: true},
	{method: "GET", path: "/login", public: true},
	{method: "POST", path: "/login", public: true},
	{method: "POST", path: "/logout", public: true, ends: true},
	{method: "GET", path: "/register", public: true},
	{method: "POST", path: "/register", public: true},
	{method: "GET", path: "/workspace", loggedIn: true},
	{method: "GET", path: "/account", loggedIn: true},
	{method: "POST", path: "/account/password", loggedIn: true},
	{method: "GET", path: "/staff/organisations", roles: []string{staff}},
	{method: "POST", path: "/staff/organisations/:id/review", roles: []string{staff}},
	{method: "GET", path: "/supervision/audit", roles: []string{supervisor}},
	{method: "GET", path: "/supervision/audit/checkpoints.json", roles: []string{supervisor}},
	{method: "GET", path: "/supervision/audit/export.xlsx", roles: []string{supervisor}},
	{method: "POST", path: "/supervision/audit/verify", roles: []string{supervisor}},
	{method: "POST", path: "/supervision/audit/checkpoints/check", roles: []string{supervisor}},
	{method: "GET", path: "/admin/organisations", roles: []string{admin}},
	{method: "POST", path: "/admin/organisations", roles: []string{admin}},
	{method: "GET", path: "/admin/users", roles: []string{admin}},
	{method: "POST", path: "/admin/users", roles: []string{admin}},
	{method: "POST", path: "/admin/users/:id", roles: []string{admin}},
	{method: "POST", path: "/admin/users/:id/password-reset", roles: []string{admin}},
	{method: "GET", path: "/admin/calendar", roles: []string{admin}},
	{method: "POST", path: "/admin/calendar", roles: []string{admin}},
	{method: "POST", path: "/admin/calendar/delete", roles: []string{admin}},
	{method: "POST", path: "/api/v1/tokens", public: true},
	{method: "DELETE", path: "/api/v1/tokens/current", loggedIn: true, ends: true},
	{method: "GET", path: "/api/v1/me", loggedIn: true},
	{method: "POST", path: "/api/v1/registrations", public: true},
	{method: "GET", path: "/api/v1/organisations", roles: []string{staff, admin}},
	{method: "POST", path: "/api/v1/organisations", roles: []string{admin}},
	{method: "POST", path: "/api/v1/organisations/:id/review", roles: []string{staff}},
	{method: "GET", path: "/api/v1/users", roles: []string{admin}},
	{method: "POST", path: "/api/v1/users", roles: []string{admin}},
	{method: "PUT", path: "/api/v1/users/:id", roles: []string{admin}},
	{method: "POST", path: "/api/v1/users/:id/password-reset", roles: []string{admin}},
	{method: "PUT", path: "/api/v1/me/password", loggedIn: true},
	{method: "GET", path: "/api/v1/audit/events", roles: []string{supervisor}},
	{method: "GET", path: "/api/v1/audit/verify", roles: []string{supervisor}},
	{method: "GET", path: "/api/v1/audit/checkpoints", roles: []string{supervisor}},
	{method: "POST", path: "/api/v1/audit/checkpoints/check", roles: []string{supervisor}},
	{method: "GET", path: "/api/v1/calendar/days", loggedIn: true},
	{method: "PUT", path: "/api/v1/calendar/days/:date", roles: []string{admin}},
	{method: "DELETE", path: "/api/v1/calendar/days/:date", roles: []string{admin}},
	{method: "GET", path: "/api/v1/calendar/working-days", loggedIn: true},
}

func allAccess() []access {
	var out []access
	for _, t := range [][]access{coreAccess, tradingAccess, tradingInvitationsAccess, fixedpriceAccess, expertAccess, scheduleAccess, evaluationAccess, archiveAccess, flagsAccess, approvalAccess, approvalSupervisionAccess, approvalDocumentsAccess} {
		out = append(out, t...)
	}
	return out
}

// demoUserOf is the demo user that holds each role.
var demoUserOf = map[string]string{
	admin: "admin", staff: "staff", agency: "agency", bidder: "bidder1", expert: "expert1",
	supervisor: "supervisor", clerk: "clerk", approver: "approver",
}

var paramRe = regexp.MustCompile(`:[a-zA-Z_]+`)

// concrete fills path parameters with values that name nothing, so that an
// allowed caller gets past the role check and then a 404 or 400.
func concrete(path string) string {
	p := paramRe.ReplaceAllStringFunc(path, func(s string) string {
		if strings.Contains(s, "date") {
			return "2031-01-01"
		}
		return "987654321"
	})
	return strings.Replace(p, "*", "app.css", 1)
}

func (c *client) call(method, path string) response {
	if strings.HasPrefix(path, "/api/") {
		var body any
		if method != http.MethodGet && method != http.MethodDelete {
			body = map[string]any{}
		}
		return c.json(method, path, body)
	}
	if method == http.MethodGet {
		return c.get(path)
	}
	return c.postForm(path, nil)
}

// TestRouteRoleMatrix walks every registered route with every role and the
// public, through the whole middleware stack.
func TestRouteRoleMatrix(t *testing.T) {
	e := newEnv(t)
	table := map[string]access{}
	for _, a := range allAccess() {
		key := a.method + " " + a.path
		if _, dup := table[key]; dup {
			t.Errorf("access table lists %s twice", key)
		}
		table[key] = a
	}
	registered := map[string]bool{}
	for _, r := range e.srv.Echo.Routes() {
		if strings.HasPrefix(r.Name, "github.com/labstack/echo") && r.Method == "echo_route_not_found" {
			continue
		}
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := table[key]; !ok {
			t.Errorf("route %s has no entry in the access table", key)
		}
	}
	for key := range table {
		if !registered[key] {
			t.Errorf("access table lists %s, which is not a route", key)
		}
	}

	roles := make([]string, 0, len(demoUserOf))
	for r := range demoUserOf {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	browsers, apis := map[string]*client{}, map[string]*client{}
	for _, r := range roles {
		browsers[r] = e.browser(demoUserOf[r])
		apis[r] = e.api(demoUserOf[r])
	}
	for _, a := range allAccess() {
		path := concrete(a.path)
		api := strings.HasPrefix(a.path, "/api/")
		for _, role := range append([]string{""}, roles...) {
			var c *client
			switch {
			case role == "":
				c = e.anon()
			case a.ends && api:
				c = e.api(demoUserOf[role])
			case a.ends:
				c = e.browser(demoUserOf[role])
			case api:
				c = apis[role]
			default:
				c = browsers[role]
			}
			r := c.call(a.method, path)
			allowed := a.public || (role != "" && a.loggedIn)
			for _, ok := range a.roles {
				if ok == role {
					allowed = true
				}
			}
			who := role
			if who == "" {
				who = "public"
			}
			switch {
			case a.public && r.Code == http.StatusForbidden,
				!a.public && allowed && (r.Code == http.StatusUnauthorized || r.Code == http.StatusForbidden):
				t.Errorf("%s %s as %s: got %d, want access (body %.200s)", a.method, path, who, r.Code, r.Body.String())
			case allowed && r.Code >= 500:
				t.Errorf("%s %s as %s: server error %d: %.300s", a.method, path, who, r.Code, r.Body.String())
			case !allowed && role == "" && r.Code != http.StatusUnauthorized && !(r.Code == http.StatusSeeOther && strings.HasPrefix(r.Header().Get("Location"), "/login")):
				t.Errorf("%s %s as public: got %d, want 401 or a redirect to /login", a.method, path, r.Code)
			case !allowed && role != "" && r.Code != http.StatusForbidden:
				t.Errorf("%s %s as %s: got %d, want 403", a.method, path, who, r.Code)
			}
		}
	}
}

// TestOpenAPICoversEveryRoute fails when an /api route is missing from the
// OpenAPI document or the document names a route that does not exist.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	e := newEnv(t)
	r := e.anon().get("/api/openapi.json")
	if r.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d", r.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{}
	for _, rt := range e.srv.Echo.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") {
			continue
		}
		p := paramRe.ReplaceAllStringFunc(rt.Path, func(s string) string { return "{" + s[1:] + "}" })
		key := rt.Method + " " + p
		registered[key] = true
		if !documented[key] {
			t.Errorf("route %s is missing from the OpenAPI document", key)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("OpenAPI documents %s, which is not a route", key)
		}
	}
}
