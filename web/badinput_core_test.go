package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

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
