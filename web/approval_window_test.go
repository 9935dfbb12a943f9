package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ggzy/approval"
	"ggzy/clock"
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

	// Read out in groups, with spaces (half- or full-width): the same number.
	body = caseBody(it.ID, 1, 2)
	body["applicant_id"] = "110105 19491231 " + fullWidth("002") + "　X"
	if res := e.api("clerk").json(http.MethodPost, "/api/v1/approval/cases", body); res.Code != http.StatusCreated {
		t.Errorf("an ID number typed in groups: %d %s", res.Code, res.Body.String())
	}
	if page := b.get(fmt.Sprintf("/window/cases/new?item=%d", it.ID)).Body.String(); !strings.Contains(page, `name="applicant_id" value="" maxlength="24"`) {
		t.Error("the form cuts an ID number typed in groups at 18 characters")
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

// TestApprovalAcceptanceOffHours pins when the limits start to run for a
// case accepted outside office hours or on a day off. 行政许可法 42 counts
// 自受理之日起, in working days (82); as every period (民法典 201), the day
// of acceptance is not counted and the count starts the day after, with
// the first working day from then on. So a case accepted on a Saturday,
// a holiday, or a Friday evening has the next working day as its first
// day, and one accepted on a Monday at 02:00 Shanghai time (Sunday in UTC)
// is accepted on that Monday, its first day the Tuesday.
func TestApprovalAcceptanceOffHours(t *testing.T) {
	e := newEnv(t)
	zj, gh := hallDepts(t, e)
	it := createItem(t, e, jointItem(zj, gh)) // promised 10, legal 20; 住建 8, 规划 3
	sh := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, clock.Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, at, accepted         string
		due, legal, stepZJ, stepGH string
	}{
		// Monday 9:00: the first day is Tuesday 3 March.
		{"working day", "2026-03-02 09:00", "2026-03-02", "2026-03-16", "2026-03-30", "2026-03-12", "2026-03-05"},
		// Friday evening after the window closed: the first day is Monday.
		{"Friday evening", "2026-03-06 20:30", "2026-03-06", "2026-03-20", "2026-04-03", "2026-03-18", "2026-03-11"},
		// Saturday: the first day is Monday 9 March.
		{"Saturday", "2026-03-07 10:00", "2026-03-07", "2026-03-20", "2026-04-03", "2026-03-18", "2026-03-11"},
		// Monday 02:00 in Shanghai is Sunday in UTC: accepted on Monday (清明 4–6 April off).
		{"Monday before dawn", "2026-03-09 02:00", "2026-03-09", "2026-03-23", "2026-04-07", "2026-03-19", "2026-03-12"},
		// 劳动节 (1–5 May 2026; Saturday 9 May is worked): the first day is 6 May.
		{"holiday", "2026-05-02 10:00", "2026-05-02", "2026-05-18", "2026-06-01", "2026-05-14", "2026-05-08"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Set(sh(tc.at))
			k := intake(t, e.api("clerk"), caseBody(it.ID, 1, 2)).Case
			if k.AcceptedAt == nil || calendarDay(*k.AcceptedAt) != tc.accepted {
				t.Errorf("accepted %v, want on %s", k.AcceptedAt, tc.accepted)
			}
			if k.DueOn.String() != tc.due || k.LegalDueOn.String() != tc.legal {
				t.Errorf("limits %v %v, want %s %s", k.DueOn, k.LegalDueOn, tc.due, tc.legal)
			}
			for _, st := range k.Steps {
				want := tc.stepGH
				if st.DeptOrgID == zj {
					want = tc.stepZJ
				}
				if st.DueOn.String() != want {
					t.Errorf("step of %s due %v, want %s", st.DeptName, st.DueOn, want)
				}
			}
			if r := e.api("clerk").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/withdraw", k.ID), map[string]string{"note": "测试结束，撤回"}); r.Code != http.StatusOK {
				t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
			}
		})
	}
}

func calendarDay(t time.Time) string { return t.In(clock.Shanghai).Format("2006-01-02") }

// TestApprovalDeliverTwice: a decision delivered once and sent again (a
// second click) is refused with its own code and a message that says it
// was delivered, not that the case is undecided.
func TestApprovalDeliverTwice(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	clerkAPI := e.api("clerk")
	k := intake(t, clerkAPI, caseBody(it.ID, 1, 2)).Case
	path := fmt.Sprintf("/api/v1/approval/cases/%d/deliver", k.ID)
	if r := clerkAPI.json(http.MethodPost, path, nil); r.Code != http.StatusConflict || r.errorCode(t) != "case_not_decided" ||
		!strings.Contains(r.Body.String(), "尚未作出决定") {
		t.Errorf("deliver before the decision: %d %s", r.Code, r.Body.String())
	}
	if r := e.api("approver").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/steps/%d/decision", k.Steps[0].ID),
		map[string]any{"agree": true, "opinion": "符合条件"}); r.Code != http.StatusOK {
		t.Fatalf("decide: %d %s", r.Code, r.Body.String())
	}
	if r := clerkAPI.json(http.MethodPost, path, nil); r.Code != http.StatusOK {
		t.Fatalf("deliver: %d %s", r.Code, r.Body.String())
	}
	r := clerkAPI.json(http.MethodPost, path, nil)
	if r.Code != http.StatusConflict || r.errorCode(t) != "case_delivered" || !strings.Contains(r.Body.String(), "不能重复送达") ||
		!strings.Contains(r.Body.String(), "2026-03-02 09:00") {
		t.Errorf("deliver again: %d %s", r.Code, r.Body.String())
	}
	// The page's form says the same.
	b := e.browser("clerk")
	b.get(fmt.Sprintf("/approval/cases/%d", k.ID))
	if p := b.postForm(fmt.Sprintf("/window/cases/%d/deliver", k.ID), nil); p.Code != http.StatusConflict || !strings.Contains(p.Body.String(), "不能重复送达") {
		t.Errorf("the form again: %d", p.Code)
	}
	// An unknown step filter names the states in Chinese.
	if p := e.browser("approver").get("/dept/steps?status=xx"); p.Code != http.StatusBadRequest || !strings.Contains(p.Body.String(), "待办（pending）") {
		t.Errorf("step filter: %d", p.Code)
	}
}

var intakeKeyField = regexp.MustCompile(`name="intake_key" value="([A-Za-z0-9_-]+)"`)

// TestApprovalIntakeFormSentTwice: the window's intake form sent twice (a
// double click, the browser's "resubmit" on the receipt page) takes one
// case: the second answer shows that case, says so, and gives a new query
// code (the first may never have been displayed); the first code stops
// working. The same form edited and sent again is refused with a code.
// Through the API an intake_key does the same, and five requests with one
// key at once take exactly one case.
func TestApprovalIntakeFormSentTwice(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, _ := hallDepts(t, e)
	it := createItem(t, e, promisedItem(zj))
	cases := func() int { return e.count(`SELECT COUNT(*) FROM approval_cases WHERE item_id = ?`, it.ID) }

	b := e.browser("clerk")
	page := b.get(fmt.Sprintf("/window/cases/new?item=%d", it.ID)).Body.String()
	m := intakeKeyField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the intake form has no intake_key")
	}
	if again := intakeKeyField.FindStringSubmatch(b.get(fmt.Sprintf("/window/cases/new?item=%d", it.ID)).Body.String()); again == nil || again[1] == m[1] {
		t.Fatal("the form opened again has the same key")
	}
	form := url.Values{"item_id": {fmt.Sprint(it.ID)}, "applicant_kind": {"person"}, "applicant_name": {"张三"}, "applicant_id": {testResidentID},
		"phone": {"13800138000"}, "provided": {"1", "2"}, "intake_key": {m[1]}}
	first := b.postForm("/window/cases", form)
	if first.Code != http.StatusCreated {
		t.Fatalf("intake: %d %s", first.Code, first.Body.String())
	}
	second := b.postForm("/window/cases", form)
	if second.Code != http.StatusOK || !strings.Contains(second.Body.String(), "没有重复收件") || !strings.Contains(second.Body.String(), "approval-query-code") {
		t.Fatalf("the form again: %d %s", second.Code, second.Body.String())
	}
	if n := cases(); n != 1 {
		t.Fatalf("cases after the form twice: %d", n)
	}
	var k struct {
		ID     int64  `db:"id"`
		CaseNo string `db:"case_no"`
	}
	if err := e.db.Get(&k, `SELECT id, case_no FROM approval_cases WHERE item_id = ?`, it.ID); err != nil {
		t.Fatal(err)
	}
	codeOf := func(r response) string {
		mm := regexp.MustCompile(`<strong class="mono"[^>]*>([A-Z0-9]+)</strong>`).FindStringSubmatch(r.Body.String())
		if mm == nil {
			t.Fatal("no query code on the receipt")
		}
		return mm[1]
	}
	lookup := func(code string) int {
		return e.anon().json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": k.CaseNo, "query_code": code}).Code
	}
	if c1, c2 := codeOf(first), codeOf(second); c1 == c2 || lookup(c1) != http.StatusNotFound || lookup(c2) != http.StatusOK {
		t.Errorf("query codes: first %s (lookup %d), second %s (lookup %d)", c1, lookup(c1), c2, lookup(c2))
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.case.resubmit' AND object_id = ?`, fmt.Sprint(k.ID)); n != 1 {
		t.Errorf("resubmit events: %d", n)
	}
	// Edited and sent again with the same key: refused, nothing taken.
	form.Set("applicant_name", "李四")
	if r := b.postForm("/window/cases", form); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "intake_key_used") && !strings.Contains(r.Body.String(), "内容与当时不同") {
		t.Errorf("edited form again: %d %s", r.Code, r.Body.String())
	}
	if n := cases(); n != 1 {
		t.Fatalf("cases after the edited form: %d", n)
	}

	// The API: the same key twice, then five at once with another key.
	body := caseBody(it.ID, 1, 2)
	body["intake_key"] = "api-key-0000000000000001"
	rc := intake(t, e.api("clerk"), body)
	res := e.api("clerk").json(http.MethodPost, "/api/v1/approval/cases", body)
	var again approval.Receipt
	res.decode(t, &again)
	if res.Code != http.StatusOK || !again.Resubmitted || again.Case.ID != rc.Case.ID || again.QueryCode == rc.QueryCode {
		t.Fatalf("the API again: %d %s", res.Code, res.Body.String())
	}
	if r := e.api("supervisor").json(http.MethodPost, "/api/v1/approval/cases", body); r.Code != http.StatusForbidden {
		t.Errorf("another role: %d", r.Code)
	}
	body["intake_key"] = "bad key"
	if r := e.api("clerk").json(http.MethodPost, "/api/v1/approval/cases", body); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "intake_key_invalid") {
		t.Errorf("bad key: %d %s", r.Code, r.Body.String())
	}
	body["intake_key"] = "api-key-0000000000000002"
	before := cases()
	clients := make([]*client, 5)
	for i := range clients {
		clients[i] = e.api("clerk")
	}
	codes := make([]int, len(clients))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = c.json(http.MethodPost, "/api/v1/approval/cases", body).Code
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("concurrent intake: %d", c)
		}
	}
	if n := cases() - before; created != 1 || n != 1 {
		t.Errorf("five at once with one key: %d created answers, %d cases", created, n)
	}
}

// TestApprovalCatalogueListsJointDepartments: the public catalogue's list
// gives a joint item (联办件) with its departments, as the item itself does.
func TestApprovalCatalogueListsJointDepartments(t *testing.T) {
	e := newEnv(t)
	zj, gh := hallDepts(t, e)
	joint := createItem(t, e, jointItem(zj, gh))
	var list struct{ Items []approval.Item }
	r := e.anon().get("/api/v1/approval/items")
	r.decode(t, &list)
	found := false
	for _, it := range list.Items {
		if it.ID != joint.ID {
			continue
		}
		found = true
		if len(it.Depts) != 2 || it.Depts[0].DeptOrgID != zj || it.Depts[1].DeptOrgID != gh || it.Depts[1].Task != "规划核实" || it.Depts[1].Days != 3 {
			t.Errorf("the list's joint item: %+v", it.Depts)
		}
	}
	if !found {
		t.Fatalf("the joint item is not listed: %s", r.Body.String())
	}
}
