package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"ggzy/trading"
)

// raw sends body as it is, as JSON.
func (c *client) raw(method, path string, body []byte) response {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return c.do(req)
}

// Bad input found by an exploratory run against the trading API (session
// 3): each is refused with a 4xx naming the field, and writes nothing.
func TestTradingBadInputFoundByExploration(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	projects := func() int { return e.count(`SELECT COUNT(*) FROM trading_projects`) }
	before := projects()

	// A body must be one JSON value, in UTF-8, without control characters.
	body := engineeringProject(uniqueTitle("坏输入测试项目"))
	good := mustJSON(t, body)
	for _, c := range []struct {
		name      string
		body      []byte
		code      string
		field     string
		fieldCode string
	}{
		{"trailing value", append(append([]byte{}, good...), []byte(" {}")...), "request_malformed", "", ""},
		{"trailing garbage", append(append([]byte{}, good...), []byte(" xyz")...), "request_malformed", "", ""},
		{"invalid UTF-8", bytes.Replace(good, []byte("示范市城市建设"), []byte("\xff\xfe"), 1), "body_not_utf8", "", ""},
		{"array for the body", []byte(`[]`), "field_type", "body", "field_type"},
		{"NUL in owner_name", bytes.Replace(good, []byte(`"owner_name":"`), []byte(`"owner_name":"\u0000`), 1), "invalid", "owner_name", "control_character"},
		{"bell in details.site", bytes.Replace(good, []byte(`"site":"`), []byte(`"site":"\u0007`), 1), "invalid", "details.site", "control_character"},
		{"escape in a lot name", bytes.Replace(good, []byte(`"name":"第二标段`), []byte(`"name":"\u001b第二标段`), 1), "invalid", "lots[1].name", "control_character"},
		{"DEL in eligibility", bytes.Replace(good, []byte(`"具有市政`), []byte(`"\u007f具有市政`), 1), "invalid", "eligibility[0]", "control_character"},
		{"right-to-left override in the title", bytes.Replace(good, []byte(`坏输入测试项目`), []byte(`坏输入\u202e目项试测`), 1), "invalid", "title", "control_character"},
		{"C1 control in the place", bytes.Replace(good, []byte(`"place":"`), []byte(`"place":"\u0085`), 1), "invalid", "place", "control_character"},
	} {
		r := ag.raw("POST", "/api/v1/projects", c.body)
		if r.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", c.name, r.Code, r.Body.String())
			continue
		}
		if c.field != "" {
			if got := fieldCodes(t, r)[c.field]; got != c.fieldCode {
				t.Errorf("%s: field %s has %q: %s", c.name, c.field, got, r.Body.String())
			}
			if c.fieldCode == "field_type" && !strings.Contains(r.Body.String(), "应为对象") {
				t.Errorf("%s: message not in Chinese: %s", c.name, r.Body.String())
			}
		} else if got := r.errorCode(t); got != c.code {
			t.Errorf("%s: code %q, want %q: %s", c.name, got, c.code, r.Body.String())
		}
	}
	// Tabs and line breaks are text, not control characters.
	body["owner_name"] = "示范市\t城市建设投资有限公司"
	body["eligibility"] = []string{"具有市政公用工程施工总承包三级及以上资质\n（含）"}
	if r := ag.json("POST", "/api/v1/projects", body); r.Code != http.StatusCreated {
		t.Fatalf("tab and line feed refused: %d %s", r.Code, r.Body.String())
	}
	if n := projects(); n != before+1 {
		t.Fatalf("%d projects written, want 1", n-before)
	}

	// Forms and query strings: the same rules as JSON bodies (invalid
	// UTF-8 in a form field would fail in MariaDB, as a 500).
	page := e.browser("agency")
	for _, c := range []struct {
		name string
		form url.Values
		code string
	}{
		{"latin-1 title", url.Values{"kind": {"engineering"}, "method": {"open"}, "title": {"caf\xe9"}}, "text_not_utf8"},
		{"NUL in owner", url.Values{"kind": {"engineering"}, "method": {"open"}, "title": {"表单坏输入"}, "owner_name": {"示范\x00市"}}, "control_character"},
	} {
		r := page.postForm("/agency/projects", c.form)
		if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), map[string]string{"text_not_utf8": "不是有效的 UTF-8", "control_character": "控制字符"}[c.code]) {
			t.Errorf("form %s: %d", c.name, r.Code)
		}
	}
	if r := e.anon().json("GET", "/api/v1/announcements?q=%FF%FE", nil); r.Code != http.StatusBadRequest || fieldCodes(t, r)["q"] != "text_not_utf8" {
		t.Errorf("query not in UTF-8: %d %s", r.Code, r.Body.String())
	}
	if r := e.anon().get("/announcements?q=%07"); r.Code != http.StatusBadRequest {
		t.Errorf("page query with a bell: %d", r.Code)
	}
	if n := projects(); n != before+1 {
		t.Fatalf("refused forms wrote %d projects", n-before-1)
	}

	// Times in year 1 or 9999 are typing errors (year 1 in Beijing was a 500: year 0 in UTC).
	for _, v := range []string{"0001-01-01 00:00", "9999-12-31 23:59", "1999-12-31 23:59"} {
		b := engineeringProject(uniqueTitle("坏时间项目"))
		b["timeline"].(map[string]string)["deadline"] = v
		r := ag.json("POST", "/api/v1/projects", b)
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)["deadline"] != "time_out_of_range" {
			t.Errorf("deadline %s: %d %s", v, r.Code, r.Body.String())
		}
	}
	for _, q := range []string{"from=0001-01-01", "to=0001-01-01", "from=9999-12-31"} {
		if r := e.anon().json("GET", "/api/v1/announcements?"+q, nil); r.Code != http.StatusBadRequest {
			t.Errorf("announcements?%s: %d %s", q, r.Code, r.Body.String())
		}
		if r := e.anon().get("/announcements?" + q); r.Code != http.StatusBadRequest {
			t.Errorf("page announcements?%s: %d", q, r.Code)
		}
	}

	// The other date inputs: the working-day calculator, the room page and
	// the schedule API's range.
	room, _ := scheduleRoom(t, e.api("staff"), "opening")
	for _, c := range []struct {
		who, path string
	}{
		{"agency", "/api/v1/calendar/working-days?from=0001-01-01&days=5&kind=working"},
		{"staff", fmt.Sprintf("/api/v1/rooms/%d/bookings?from=0001-01-01&to=0001-01-08", room)},
	} {
		if r := e.api(c.who).json("GET", c.path, nil); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "date_out_of_range") {
			t.Errorf("%s: %d %s", c.path, r.Code, r.Body.String())
		}
	}
	if r := e.browser("staff").get(fmt.Sprintf("/schedule/rooms/%d?date=0001-01-01", room)); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "日期超出范围") {
		t.Errorf("room page in year 1: %d", r.Code)
	}

	// A locality without rules of its own is a typing error.
	b := engineeringProject(uniqueTitle("未知地区项目"))
	b["locality"] = "abc"
	if r := ag.json("POST", "/api/v1/projects", b); r.Code != http.StatusBadRequest || fieldCodes(t, r)["locality"] != "locality_unknown" {
		t.Errorf("unknown locality: %d %s", r.Code, r.Body.String())
	}
	if n := projects(); n != before+1 {
		t.Fatalf("refused registrations wrote %d projects", n-before-1)
	}

	// A rule of days keeps days (a missing field or a cleared box made it
	// "0 日"), whatever else is sent; a rule of a rate has none to keep.
	admin := e.api("admin")
	rules := e.count(`SELECT COUNT(*) FROM trading_rules`)
	for _, b := range []map[string]any{{"day_kind": "calendar", "action": "block"}, {"day_kind": "calendar", "action": "block", "rate": "1"}} {
		if r := admin.json("PUT", "/api/v1/rules/default/eng.tender_period", b); r.Code != http.StatusBadRequest || fieldCodes(t, r)["days"] != "days_invalid" {
			t.Errorf("rule of days without days %v: %d %s", b, r.Code, r.Body.String())
		}
	}
	br := e.browser("admin")
	if r := br.postForm("/admin/rules", url.Values{"locality": {"default"}, "rule_id": {"eng.tender_period"}, "day_kind": {"calendar"}, "days": {""}, "action": {"block"}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Body.String(), "天数须为1到365之间的整数") {
		t.Errorf("rules page with the days cleared: %d", r.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_rules`); n != rules {
		t.Errorf("a refused rule change wrote %d rules", n-rules)
	}
	// (in a locality of its own: the default rules are every test's)
	if r := admin.json("PUT", "/api/v1/rules/badinput-rate/eng.deposit_cap", map[string]any{"day_kind": "calendar", "action": "block", "rate": "1.5"}); r.Code != http.StatusOK {
		t.Errorf("rate rule without days: %d %s", r.Code, r.Body.String())
	}

	// An engineering invited tender has no count or source to fill in.
	id := acceptedInvited(t, e, engineeringProject(uniqueTitle("工程邀请坏输入")))
	var codes []string
	for _, u := range []string{"bidder1", "bidder2", "bidder3"} {
		_, c := orgOf(t, e, u)
		codes = append(codes, c)
	}
	r := ag.json("PUT", fmt.Sprintf("/api/v1/projects/%d/invitations", id), map[string]any{"candidates": codes, "count": -5, "source": trading.SourceLibrary})
	if got := fieldCodes(t, r); r.Code != http.StatusBadRequest || got["count"] != "not_applicable" || got["source"] != "not_applicable" {
		t.Errorf("engineering with count and source: %d %s", r.Code, r.Body.String())
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
