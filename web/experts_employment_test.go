package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testOrg adds an active organisation of kind and answers its id.
func testOrg(t testing.TB, e *env, kind string) int64 {
	t.Helper()
	uscc := randomUSCC(t)
	res, err := e.db.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, ?, 'active', ?)`,
		"任职测试单位"+uscc, uscc, kind, e.clock.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

// An expert's posts at one organisation must not overlap, and only one of
// them is open; posts at different organisations may (part-time work).
// Each refusal is a 409 naming the field, and writes nothing.
func TestExpertEmploymentOverlapRefused(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	orgX, orgY := testOrg(t, e, "other"), testOrg(t, e, "bidder")
	id := oneExpert(t, e, st)
	path := fmt.Sprintf("/api/v1/experts/%d/employments", id)
	steps := []struct {
		name  string
		body  map[string]any
		field string // "" when it is recorded
	}{
		{"open at X", map[string]any{"org_id": orgX, "started_on": "2020-01-01"}, ""},
		{"a second open post at X", map[string]any{"org_id": orgX, "started_on": "2022-05-01"}, "ended_on"},
		{"an earlier open post at X", map[string]any{"org_id": orgX, "started_on": "2016-05-01"}, "ended_on"},
		{"a closed post at X inside the open one", map[string]any{"org_id": orgX, "started_on": "2021-01-01", "ended_on": "2021-12-31"}, "started_on"},
		{"a closed post at X running into the open one", map[string]any{"org_id": orgX, "started_on": "2019-01-01", "ended_on": "2020-06-30"}, "started_on"},
		{"a closed post at X before the open one", map[string]any{"org_id": orgX, "started_on": "2015-01-01", "ended_on": "2018-12-31"}, ""},
		{"a post at X overlapping the closed one", map[string]any{"org_id": orgX, "started_on": "2018-06-01", "ended_on": "2019-06-30"}, "started_on"},
		{"a post at X from the day the closed one ended", map[string]any{"org_id": orgX, "started_on": "2018-12-31", "ended_on": "2019-12-31"}, ""},
		{"X named only, overlapping", map[string]any{"org_name": "任职测试单位" + e.orgUSCC(t, orgX), "started_on": "2023-01-01"}, "ended_on"},
		{"an open post at Y meanwhile", map[string]any{"org_id": orgY, "started_on": "2021-01-01"}, ""},
		{"a named post", map[string]any{"org_name": "某设计研究院", "started_on": "2010-01-01", "ended_on": "2014-12-31"}, ""},
		{"the named post again, overlapping", map[string]any{"org_name": "某设计研究院", "started_on": "2012-01-01", "ended_on": "2013-12-31"}, "started_on"},
		{"another named post meanwhile", map[string]any{"org_name": "另一设计研究院", "started_on": "2012-01-01", "ended_on": "2013-12-31"}, ""},
	}
	recorded := 0
	for _, s := range steps {
		r := st.json(http.MethodPost, path, s.body)
		if s.field == "" {
			if r.Code != http.StatusCreated {
				t.Fatalf("%s: %d %s", s.name, r.Code, r.Body.String())
			}
			recorded++
			continue
		}
		if r.Code != http.StatusConflict || r.errorCode(t) != "employment_overlap" || fieldCodes(t, r)[s.field] != "employment_overlap" {
			t.Fatalf("%s: %d %s", s.name, r.Code, r.Body.String())
		}
		var ae apiError
		r.decode(t, &ae)
		if !strings.Contains(ae.Error.Message, "重叠") && !strings.Contains(ae.Error.Message, "在任") {
			t.Errorf("%s: message %q", s.name, ae.Error.Message)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM expert_employments WHERE expert_id = ?`, id); n != recorded {
		t.Fatalf("%d employments stored, %d recorded", n, recorded)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'expert.employment' AND object_id = ?`, fmt.Sprint(id)); n != recorded {
		t.Fatalf("%d audit events, %d recorded", n, recorded)
	}

	// The page form shows the refusal at its field.
	b := e.browser("staff")
	r := b.postForm(fmt.Sprintf("/experts/%d/employments", id), url.Values{"org_id": {fmt.Sprint(orgX)}, "started_on": {"2024-01-01"}})
	if r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "在任") {
		t.Fatalf("the page form: %d %.500s", r.Code, r.Body.String())
	}
}

func (e *env) orgUSCC(t testing.TB, id int64) string {
	t.Helper()
	var uscc string
	if err := e.db.Get(&uscc, `SELECT uscc FROM organisations WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	return uscc
}

// A registration whose employments overlap at one organisation is refused
// with the entry's field, and no expert is written.
func TestExpertCreateWithOverlappingEmployments(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	orgX := testOrg(t, e, "other")
	body := expertBody(testRegion(), "GC01")
	body["employments"] = []map[string]any{
		{"org_id": orgX, "started_on": "2015-01-01", "ended_on": "2019-12-31"},
		{"org_name": "某设计研究院", "started_on": "2016-01-01"},
		{"org_id": orgX, "started_on": "2019-06-01"},
	}
	r := st.json(http.MethodPost, "/api/v1/experts", body)
	if r.Code != http.StatusBadRequest || fieldCodes(t, r)["employments[2].started_on"] != "employment_overlap" {
		t.Fatalf("overlapping employments: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM experts WHERE region = ?`, body["region"]); n != 0 {
		t.Fatal("a refused registration wrote an expert")
	}
	// Back to back at X, and meanwhile elsewhere: recorded.
	body["employments"].([]map[string]any)[2]["started_on"] = "2019-12-31"
	r = st.json(http.MethodPost, "/api/v1/experts", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("employments back to back: %d %s", r.Code, r.Body.String())
	}
	// A post named by id keeps the organisation's name, so a post named
	// only by it is recognised as the same organisation.
	if n := e.count(`SELECT COUNT(*) FROM expert_employments WHERE org_id = ? AND org_name = ?`, orgX, "任职测试单位"+e.orgUSCC(t, orgX)); n != 2 {
		t.Fatalf("%d posts at X keep its name, want 2", n)
	}
}

// Twenty open posts at one organisation, each from another day, sent at
// once: the expert's lock lets exactly one through.
func TestExpertEmploymentOverlapOnceAtATime(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	orgX := testOrg(t, e, "other")
	id := oneExpert(t, e, st)
	var n atomic.Int64
	start := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	codes := parallel(20, func() response {
		day := start.AddDate(0, 0, int(n.Add(1))).Format("2006-01-02")
		return st.json(http.MethodPost, fmt.Sprintf("/api/v1/experts/%d/employments", id), map[string]any{"org_id": orgX, "started_on": day})
	})
	if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 19 {
		t.Fatalf("twenty open posts at once: %v", codes)
	}
	if k := e.count(`SELECT COUNT(*) FROM expert_employments WHERE expert_id = ? AND org_id = ?`, id, orgX); k != 1 {
		t.Fatalf("%d open posts stored", k)
	}
}
