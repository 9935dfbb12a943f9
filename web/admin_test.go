package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/demo"
)

func TestAdminCreatesOrganisationAndUserThroughForms(t *testing.T) {
	e := newEnv(t)
	ad := e.browser("admin")
	uscc := demo.USCC(fmt.Sprintf("91330100MA%07d", time.Now().UnixNano()%1e7))
	// A bad code re-renders the form with the message and keeps the input.
	bad := ad.postForm("/admin/organisations", url.Values{"org_name": {"新评审中心"}, "uscc": {"123"}, "org_kind": {"department"}})
	if bad.Code != http.StatusBadRequest || !strings.Contains(bad.Body.String(), "新评审中心") || !strings.Contains(bad.Body.String(), "18") {
		t.Fatalf("bad org form: %d", bad.Code)
	}
	if r := ad.postForm("/admin/organisations", url.Values{"org_name": {"新评审中心"}, "uscc": {uscc}, "org_kind": {"department"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("create org: %d %s", r.Code, r.Body.String())
	}
	var orgID int64
	if err := e.db.Get(&orgID, `SELECT id FROM organisations WHERE uscc = ?`, uscc); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("appr%d", time.Now().UnixNano()%1e6)
	form := url.Values{"username": {name}, "display_name": {"刘审批"}, "org_id": {fmt.Sprint(orgID)}, "roles": {approver, clerk}, "password": {testPassword}}
	if r := ad.postForm("/admin/users", form); r.Code != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", r.Code, r.Body.String())
	}
	// The same name again is a field error, not a 500.
	if r := ad.postForm("/admin/users", form); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "该用户名已被使用") {
		t.Fatalf("duplicate user: %d", r.Code)
	}
	// No role at all is refused.
	form.Set("username", name+"b")
	form.Del("roles")
	if r := ad.postForm("/admin/users", form); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "至少选择一个角色") {
		t.Fatalf("user without roles: %d", r.Code)
	}
	u := e.api(name)
	var me apiUser
	u.json(http.MethodGet, "/api/v1/me", nil).decode(t, &me)
	if me.OrgName != "新评审中心" || len(me.Roles) != 2 {
		t.Fatalf("new user: %+v", me)
	}
	// Admins cannot lock themselves out.
	var adminID int64
	if err := e.db.Get(&adminID, `SELECT id FROM users WHERE username = 'admin'`); err != nil {
		t.Fatal(err)
	}
	if r := ad.postForm(fmt.Sprintf("/admin/users/%d", adminID), url.Values{"roles": {admin}, "status": {"disabled"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("admin disabling itself: %d", r.Code)
	}
}

// A name the document font cannot print is refused where it is entered,
// so that no opening record or report can fail to be issued later.
func TestUnprintableNamesAreRefusedAtEntry(t *testing.T) {
	e := newEnv(t)
	ad := e.api("admin")
	uscc := demo.USCC(fmt.Sprintf("91330100MA%07d", time.Now().UnixNano()%1e7))
	r := ad.json(http.MethodPost, "/api/v1/organisations", map[string]string{"name": "𠮷祥建设有限公司", "uscc": uscc, "kind": "bidder"})
	var er apiError
	r.decode(t, &er)
	if r.Code != http.StatusBadRequest || len(er.Error.Fields) == 0 || er.Error.Fields[0].Code != "unprintable_chars" || !strings.Contains(er.Error.Fields[0].Message, "𠮷") {
		t.Fatalf("unprintable name: %d %+v", r.Code, er)
	}
	if n := e.count(`SELECT COUNT(*) FROM organisations WHERE uscc = ?`, uscc); n != 0 {
		t.Fatal("refused organisation was written")
	}
	if r := ad.json(http.MethodPost, "/api/v1/organisations", map[string]string{"name": "吉祥建设有限公司", "uscc": uscc, "kind": "bidder"}); r.Code != http.StatusCreated {
		t.Fatalf("printable name: %d %s", r.Code, r.Body.String())
	}
}

// Late in a year whose next year's 法定节假日 are not entered, those who set
// or keep deadlines are told on their workspace (the administrator with a
// link to enter them) and on the calendar page; entering the next year's
// holidays ends it. A bidder is not told.
func TestCalendarMissingNextYearWarned(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC))
	var n int
	if err := e.db.Get(&n, `SELECT COUNT(*) FROM calendar_days WHERE day >= '2027-01-01' AND day < '2028-01-01'`); err != nil || n != 0 {
		t.Fatalf("the package's database holds 2027 days already (%d, %v): a test left them", n, err)
	}
	adm := e.browser("admin")
	ws := adm.get("/workspace").Body.String()
	if !strings.Contains(ws, `data-testid="calendar-missing"`) || !strings.Contains(ws, "2027年") || !strings.Contains(ws, `href="/admin/calendar?year=2027"`) {
		t.Fatalf("admin workspace lacks the warning: %s", ws)
	}
	if ws := e.browser("staff").get("/workspace").Body.String(); !strings.Contains(ws, `data-testid="calendar-missing"`) || strings.Contains(ws, `href="/admin/calendar?year=2027"`) {
		t.Error("staff workspace: the warning without the administrator's link")
	}
	if ws := e.browser("bidder1").get("/workspace").Body.String(); strings.Contains(ws, `data-testid="calendar-missing"`) {
		t.Error("a bidder is warned about the calendar")
	}
	if page := adm.get("/admin/calendar?year=2027").Body.String(); !strings.Contains(page, `data-testid="calendar-missing"`) {
		t.Error("calendar page lacks the warning")
	}
	if r := adm.postForm("/admin/calendar", url.Values{"date": {"2027-01-01"}, "kind": {"holiday"}, "name": {"元旦"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("enter 2027-01-01: %d %s", r.Code, r.Body.String())
	}
	t.Cleanup(func() {
		if _, err := e.db.Exec(`DELETE FROM calendar_days WHERE day = '2027-01-01'`); err != nil {
			t.Error(err)
		}
	})
	if ws := adm.get("/workspace").Body.String(); strings.Contains(ws, `data-testid="calendar-missing"`) {
		t.Error("the warning stays after 2027's holidays were entered")
	}
}
