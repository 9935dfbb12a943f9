package web

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// registration is a self-registration as the JSON API takes it.
func registration(uscc, kind, orgName, username string) map[string]string {
	return map[string]string{"org_kind": kind, "org_name": orgName, "uscc": uscc, "display_name": "李四",
		"username": username, "password": testPassword, "contact_phone": "13800138000"}
}

// registeredThenReturned registers an organisation with one user and has
// staff return it with note; it answers the organisation's id.
func registeredThenReturned(t *testing.T, e *env, reg map[string]string, note string) int64 {
	t.Helper()
	r := e.anon().json(http.MethodPost, "/api/v1/registrations", reg)
	if r.Code != http.StatusCreated {
		t.Fatalf("registration: %d %s", r.Code, r.Body.String())
	}
	var created struct {
		ID int64 `json:"organisation_id"`
	}
	r.decode(t, &created)
	mustOK(t, e.api("staff").json(http.MethodPost, fmt.Sprintf("/api/v1/organisations/%d/review", created.ID), map[string]any{"approve": false, "note": note}))
	return created.ID
}

func randomUSCC(t testing.TB) string {
	return validUSCC(t, fmt.Sprintf("91330100MA%07d", rand.IntN(10_000_000)))
}

func randomUsername(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, rand.IntN(1_000_000_000))
}

// An organisation that staff returned registers again under the same USCC
// (and the same username) with corrected data: the same record is pending
// again, the returned version and its reason stay in the audit chain, and
// approval lets the user in with the new password. While pending, and once
// active, the USCC stays taken.
func TestOrgReturnedRegistersAgain(t *testing.T) {
	e := newEnv(t)
	uscc, username := randomUSCC(t), randomUsername("orgagain")
	reg := registration(uscc, "agency", "示范市错名建设咨询有限公司", username)

	r := e.anon().json(http.MethodPost, "/api/v1/registrations", reg)
	if r.Code != http.StatusCreated {
		t.Fatalf("registration: %d %s", r.Code, r.Body.String())
	}
	orgID := int64(e.count(`SELECT id FROM organisations WHERE uscc = ?`, uscc))

	// Pending: the USCC is taken, nothing written.
	other := registration(uscc, "agency", "示范市错名建设咨询有限公司", randomUsername("orgdup"))
	r = e.anon().json(http.MethodPost, "/api/v1/registrations", other)
	if r.Code != http.StatusBadRequest || fieldCodes(t, r)["uscc"] != "uscc_taken" {
		t.Fatalf("a second registration while pending: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM users WHERE username = ?`, other["username"]); n != 0 {
		t.Fatalf("a refused registration wrote a user")
	}

	st := e.api("staff")
	const note = "单位名称与营业执照不一致"
	mustOK(t, st.json(http.MethodPost, fmt.Sprintf("/api/v1/organisations/%d/review", orgID), map[string]any{"approve": false, "note": note}))

	// Again through the page form, corrected, under the same username and
	// a new password.
	const newPassword = "corrected-password-2"
	form := url.Values{"org_kind": {"agency"}, "org_name": {"示范市正名建设咨询有限公司"}, "uscc": {strings.ToLower(uscc)},
		"display_name": {"李四"}, "username": {username}, "password": {newPassword}, "contact_phone": {"13900139000"}}
	if r := e.anon().postForm("/register", form); r.Code != http.StatusSeeOther {
		t.Fatalf("registration after the return: %d %s", r.Code, r.Body.String())
	}
	var org struct {
		ID         int64  `db:"id"`
		Name       string `db:"name"`
		Status     string `db:"status"`
		Phone      string `db:"contact_phone"`
		ReviewNote string `db:"review_note"`
	}
	if err := e.db.Get(&org, `SELECT id, name, status, contact_phone, review_note FROM organisations WHERE uscc = ?`, uscc); err != nil {
		t.Fatal(err)
	}
	if org.ID != orgID || org.Name != "示范市正名建设咨询有限公司" || org.Status != "pending" || org.Phone != "13900139000" || org.ReviewNote != "" {
		t.Fatalf("organisation after the new submission: %+v", org)
	}
	if n := e.count(`SELECT COUNT(*) FROM users WHERE org_id = ?`, orgID); n != 1 {
		t.Fatalf("%d users, want the one user of the returned registration", n)
	}
	// The history: registered, returned with its reason, submitted again
	// with what was returned.
	var actions []string
	if err := e.db.Select(&actions, `SELECT action FROM audit_events WHERE object_type = 'organisation' AND object_id = ? ORDER BY id`, fmt.Sprint(orgID)); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actions, ",") != "org.register,org.reject,org.resubmit" {
		t.Fatalf("audit of the organisation: %v", actions)
	}
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE action = 'org.resubmit' AND object_id = ?`, fmt.Sprint(orgID)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{note, "示范市错名建设咨询有限公司", "13800138000"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the resubmission's audit event does not keep %q: %s", want, summary)
		}
	}

	// Pending again: login waits for the review; the USCC is taken.
	r = e.anon().json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": username, "password": newPassword})
	if r.Code != http.StatusForbidden || r.errorCode(t) != "account_inactive" {
		t.Fatalf("login while pending again: %d %s", r.Code, r.Body.String())
	}
	if r := e.anon().json(http.MethodPost, "/api/v1/registrations", other); r.Code != http.StatusBadRequest || fieldCodes(t, r)["uscc"] != "uscc_taken" {
		t.Fatalf("a registration while pending again: %d %s", r.Code, r.Body.String())
	}

	mustOK(t, st.json(http.MethodPost, fmt.Sprintf("/api/v1/organisations/%d/review", orgID), map[string]any{"approve": true}))
	r = e.anon().json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": username, "password": newPassword})
	if r.Code != http.StatusCreated {
		t.Fatalf("login after approval: %d %s", r.Code, r.Body.String())
	}
	var tok tokenResponse
	r.decode(t, &tok)
	if tok.User.OrgName != "示范市正名建设咨询有限公司" || len(tok.User.Roles) != 1 || tok.User.Roles[0] != agency {
		t.Fatalf("user after approval: %+v", tok.User)
	}
	// Active: the USCC is taken for good.
	if r := e.anon().json(http.MethodPost, "/api/v1/registrations", other); r.Code != http.StatusBadRequest || fieldCodes(t, r)["uscc"] != "uscc_taken" {
		t.Fatalf("a registration of an active USCC: %d %s", r.Code, r.Body.String())
	}
}

// A returned organisation may come back as the other kind with a new
// user: the returned user stays returned (and cannot log in), the new one
// gets the new kind's role, and approval activates only it. A username that
// another organisation holds is still taken.
func TestOrgReturnedRegistersAgainWithNewUser(t *testing.T) {
	e := newEnv(t)
	uscc, oldUser := randomUSCC(t), randomUsername("orgold")
	orgID := registeredThenReturned(t, e, registration(uscc, "agency", "示范市某某工程有限公司", oldUser), "单位类型选错")

	taken := registration(uscc, "bidder", "示范市某某工程有限公司", "bidder1")
	r := e.anon().json(http.MethodPost, "/api/v1/registrations", taken)
	if r.Code != http.StatusBadRequest || fieldCodes(t, r)["username"] != "username_taken" {
		t.Fatalf("a username of another organisation: %d %s", r.Code, r.Body.String())
	}
	var status string
	if err := e.db.Get(&status, `SELECT status FROM organisations WHERE id = ?`, orgID); err != nil || status != "rejected" {
		t.Fatalf("a refused submission changed the returned organisation: %q %v", status, err)
	}

	newUser := randomUsername("orgnew")
	r = e.anon().json(http.MethodPost, "/api/v1/registrations", registration(uscc, "bidder", "示范市某某工程有限公司", newUser))
	if r.Code != http.StatusCreated {
		t.Fatalf("registration after the return: %d %s", r.Code, r.Body.String())
	}
	mustOK(t, e.api("staff").json(http.MethodPost, fmt.Sprintf("/api/v1/organisations/%d/review", orgID), map[string]any{"approve": true}))
	var me apiUser
	r = e.api(newUser).json(http.MethodGet, "/api/v1/me", nil)
	mustOK(t, r)
	r.decode(t, &me)
	if len(me.Roles) != 1 || me.Roles[0] != bidder || me.OrgID != orgID {
		t.Fatalf("new user: %+v", me)
	}
	r = e.anon().json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": oldUser, "password": testPassword})
	if r.Code != http.StatusForbidden || r.errorCode(t) != "account_inactive" {
		t.Fatalf("login of the returned user: %d %s", r.Code, r.Body.String())
	}
}

// Ten new submissions of one returned organisation at once: exactly one is
// taken, the others find the USCC taken, one user is written.
func TestOrgReturnedResubmittedOnceAtATime(t *testing.T) {
	e := newEnv(t)
	uscc := randomUSCC(t)
	orgID := registeredThenReturned(t, e, registration(uscc, "bidder", "示范市并发供应商有限公司", randomUsername("orgrace")), "联系电话有误")
	var n atomic.Int64
	codes := parallel(10, func() response {
		u := fmt.Sprintf("orgrace%d_%d", orgID, n.Add(1))
		return e.anon().json(http.MethodPost, "/api/v1/registrations", registration(uscc, "bidder", "示范市并发供应商有限公司", u))
	})
	if codes[http.StatusCreated] != 1 || codes[http.StatusBadRequest] != 9 {
		t.Fatalf("ten submissions at once: %v", codes)
	}
	if k := e.count(`SELECT COUNT(*) FROM users WHERE org_id = ? AND status = 'pending'`, orgID); k != 1 {
		t.Fatalf("%d pending users", k)
	}
	if k := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'org.resubmit' AND object_id = ?`, fmt.Sprint(orgID)); k != 1 {
		t.Fatalf("%d resubmission events", k)
	}
}
