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
