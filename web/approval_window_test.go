package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/approval"
)

// Window intake as clerks type it.

// fullWidth writes s with the full-width forms of ASCII, as an input
// method in full-width mode types it.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// TestApprovalIntakeFullWidthDigits: an ID number, a USCC and a phone
// number typed in full width ("１１０１０５…Ｘ") are the same numbers: the
// window's form and the API accept them, the case keeps the ASCII form
// (masked), and a wrong number in full width is still refused with the
// validator's code. The public lookup takes a full-width case number and
// query code too.
func TestApprovalIntakeFullWidthDigits(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))

	// The window's form: a person, the number ending in a full-width ｘ.
	b := e.browser("clerk")
	b.get(fmt.Sprintf("/window/cases/new?item=%d", it.ID))
	form := url.Values{"item_id": {fmt.Sprint(it.ID)}, "applicant_kind": {"person"}, "applicant_name": {"张三"},
		"applicant_id": {fullWidth(strings.ToLower(testResidentID))}, "phone": {"１３８　００１３　８０００"}, "provided": {"1", "2"}}
	r := b.postForm("/window/cases", form)
	if r.Code != http.StatusCreated || !strings.Contains(r.Body.String(), "受理通知书") {
		t.Fatalf("full-width intake by the form: %d %s", r.Code, r.Body.String())
	}
	var k struct {
		ID      int64  `db:"id"`
		CaseNo  string `db:"case_no"`
		Masked  string `db:"applicant_masked"`
		PhoneMs string `db:"phone_masked"`
	}
	if err := e.db.Get(&k, `SELECT id, case_no, applicant_masked, phone_masked FROM approval_cases ORDER BY id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if k.Masked != "110105********002X" || k.PhoneMs != "138****8000" {
		t.Errorf("stored masks %q %q", k.Masked, k.PhoneMs)
	}

	// The API: an organisation's USCC in full width.
	body := caseBody(it.ID, 1, 2)
	body["applicant_kind"], body["applicant_name"], body["applicant_id"] = "organisation", "示范建设有限公司", fullWidth("91330106ma2h0x123x")
	body["phone"] = fullWidth("+86 13800138000")
	rc := intake(t, e.api("clerk"), body)
	if rc.Case.ApplicantMasked != "913301********123X" || rc.Case.PhoneMasked != "138****8000" {
		t.Errorf("organisation masks %q %q", rc.Case.ApplicantMasked, rc.Case.PhoneMasked)
	}

	// A wrong number stays wrong in full width: the check digit.
	body = caseBody(it.ID, 1, 2)
	body["applicant_id"] = fullWidth("110105194912310021")
	res := e.api("clerk").json(http.MethodPost, "/api/v1/approval/cases", body)
	if res.Code != http.StatusBadRequest || !strings.Contains(res.Body.String(), `"code":"id_checksum"`) {
		t.Errorf("wrong full-width number: %d %s", res.Code, res.Body.String())
	}

	// The applicant looks the case up typing in full width.
	res = e.anon().json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": fullWidth(strings.ToLower(rc.Case.CaseNo)),
		"query_code": fullWidth(rc.QueryCode)})
	var pub approval.PublicCase
	res.decode(t, &pub)
	if res.Code != http.StatusOK || pub.CaseNo != rc.Case.CaseNo {
		t.Errorf("full-width lookup: %d %s", res.Code, res.Body.String())
	}
}
