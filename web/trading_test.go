package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ggzy/clock"
	"ggzy/filestore"
	"ggzy/trading"
)

// sh is a Beijing time on the test calendar.
func sh(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, clock.Shanghai)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

var titleSeq atomic.Int64

// engineeringProject is a complete engineering registration; the fake clock
// starts on Monday 2026-03-02 09:00 in Shanghai.
func engineeringProject(title string) map[string]any {
	return map[string]any{
		"kind": "engineering", "method": "open", "title": title, "owner_name": "示范市城市建设投资有限公司", "place": "示范市公共资源交易中心第一开标室",
		"details":     map[string]string{"site": "示范市新城区", "funding": "财政资金", "approval_no": "示发改审〔2026〕12号"},
		"eligibility": []string{"具有市政公用工程施工总承包三级及以上资质", "项目经理具有二级及以上注册建造师证书"},
		"timeline":    map[string]string{"docs_from": "2026-03-03 09:00", "docs_until": "2026-03-10 17:00", "signup_until": "2026-03-20 17:00", "deadline": "2026-03-30 09:30"},
		"lots": []map[string]any{
			{"name": "第一标段（道路工程）", "price": "9,500,000.00", "estimate": "10,000,000.00", "deposit": "200,000.00"},
			{"name": "第二标段（排水工程）", "price": "4,000,000", "estimate": "4,200,000", "deposit": "80000"},
		},
	}
}

type createdProject struct {
	ID    int64
	Code  string
	Lots  []int64
	AnnID int64
}

// publishProject registers, accepts and publishes an engineering project
// through the API.
func publishProject(t testing.TB, e *env, title string) createdProject {
	t.Helper()
	return publishBody(t, e, engineeringProject(title))
}

func uniqueTitle(base string) string {
	return fmt.Sprintf("%s%d号", base, titleSeq.Add(1))
}

func declaredAll() []bool { return []bool{true, true} }

// upload posts a multipart bid file.
func (c *client) upload(path, name string, body io.Reader) response {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(fw, body)
		}
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	if !strings.HasPrefix(path, "/api/") {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "_csrf=" + url.QueryEscape(c.csrf())
	}
	req := httptest.NewRequest(http.MethodPost, path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	return c.do(req)
}

func storedFiles(t testing.TB, e *env) []string {
	t.Helper()
	root := e.deps.Trading.Files.(filestore.Local).Root
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestTradingRegistrationReviewPublish(t *testing.T) {
	e := newEnv(t)
	ag, st := e.api("agency"), e.api("staff")
	title := uniqueTitle("示范市新城区道路改造工程")

	// Everything wrong at once: one answer lists every item.
	bad := engineeringProject(title)
	bad["details"] = map[string]string{"site": "示范市新城区"}
	bad["place"] = ""
	bad["timeline"] = map[string]string{"docs_from": "2026-03-03 09:00", "docs_until": "2026-03-05 17:00", "signup_until": "2026-03-10 17:00", "deadline": "2026-03-15 09:30"}
	bad["lots"] = []map[string]any{{"name": "第一标段", "price": "9,500,000.00", "estimate": "10,000,000.00", "deposit": "300000"}}
	r := ag.json("POST", "/api/v1/projects", bad)
	if r.Code != http.StatusCreated {
		t.Fatalf("draft: %d %s", r.Code, r.Body.String())
	}
	var p trading.Project
	r.decode(t, &p)
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	if r.Code != http.StatusBadRequest || r.errorCode(t) != "registration_incomplete" {
		t.Fatalf("incomplete submit: %d %s", r.Code, r.Body.String())
	}
	var ae apiError
	r.decode(t, &ae)
	got := map[string]string{}
	for _, f := range ae.Error.Fields {
		got[f.Name] = f.Code
	}
	for field, code := range map[string]string{"funding": "required", "approval_no": "required", "place": "required",
		"deadline": "rule_eng.tender_period", "docs_until": "rule_eng.docs_period", "lot1_deposit": "rule_eng.deposit_cap"} {
		if got[field] != code {
			t.Errorf("field %s: got %q, want %q (all: %v)", field, got[field], code, got)
		}
	}
	if !strings.Contains(r.Body.String(), "《招标投标法》第二十四条") {
		t.Errorf("the violation should name its legal basis: %s", r.Body.String())
	}

	// Fixed, submitted: a readable code.
	if r = ag.json("PUT", fmt.Sprintf("/api/v1/projects/%d", p.ID), engineeringProject(title)); r.Code != http.StatusOK {
		t.Fatalf("update: %d %s", r.Code, r.Body.String())
	}
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Code, r.Body.String())
	}
	var sub struct{ Project trading.Project }
	r.decode(t, &sub)
	if !strings.HasPrefix(sub.Project.Code, "GC-2026-") || sub.Project.Status != trading.StatusSubmitted {
		t.Fatalf("submitted project: %+v", sub.Project)
	}
	code := sub.Project.Code

	// Staff return it with every item at once; the agency corrects and resubmits.
	if r = st.json("POST", fmt.Sprintf("/api/v1/projects/%d/review", p.ID), map[string]any{"accept": false}); r.Code != http.StatusBadRequest || r.errorCode(t) != "items_required" {
		t.Fatalf("return without items: %d %s", r.Code, r.Body.String())
	}
	items := []string{"请补充项目审批文件扫描件", "第二标段控制价须与审定预算一致"}
	if r = st.json("POST", fmt.Sprintf("/api/v1/projects/%d/review", p.ID), map[string]any{"accept": false, "items": items}); r.Code != http.StatusOK {
		t.Fatalf("return: %d %s", r.Code, r.Body.String())
	}
	br := e.browser("agency")
	page := br.get(fmt.Sprintf("/projects/%d", p.ID))
	if page.Code != http.StatusOK {
		t.Fatalf("returned project page: %d %s", page.Code, page.Body.String())
	}
	for _, it := range items {
		if !strings.Contains(page.Body.String(), it) {
			t.Errorf("returned project page lacks item %q", it)
		}
	}
	// Coded GC-, it stays an engineering project.
	asProcurement := projectBody(e, trading.Procurement, title)
	if r = ag.json("PUT", fmt.Sprintf("/api/v1/projects/%d", p.ID), asProcurement); r.Code != http.StatusBadRequest || fieldCodes(t, r)["kind"] != "kind_fixed" {
		t.Errorf("changing the kind of a coded project: %d %s", r.Code, r.Body.String())
	}
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("resubmit: %d %s", r.Code, r.Body.String())
	}
	r.decode(t, &sub)
	if sub.Project.Code != code {
		t.Errorf("resubmission changed the code %s → %s", code, sub.Project.Code)
	}
	// Another agency cannot see or touch it.
	if r = e.api("agency2").json("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), nil); r.Code != http.StatusNotFound {
		t.Errorf("agency2 reads the project: %d", r.Code)
	}
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/publish", p.ID), map[string]any{}); r.Code != http.StatusConflict {
		t.Errorf("publish before acceptance: %d", r.Code)
	}
	if r = st.json("POST", fmt.Sprintf("/api/v1/projects/%d/review", p.ID), map[string]any{"accept": true}); r.Code != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Code, r.Body.String())
	}
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/publish", p.ID), map[string]any{}); r.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Code, r.Body.String())
	}

	// The deadline event is scheduled for each lot.
	var lots []int64
	if err := e.db.Select(&lots, `SELECT id FROM trading_lots WHERE project_id = ? ORDER BY lot_no`, p.ID); err != nil {
		t.Fatal(err)
	}
	for _, l := range lots {
		var due time.Time
		if err := e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ?`, trading.DeadlineEvent, fmt.Sprintf("lot:%d", l)); err != nil {
			t.Fatalf("deadline event of lot %d: %v", l, err)
		}
		if !due.Equal(sh("2026-03-30 09:30")) {
			t.Errorf("lot %d due %s", l, due)
		}
	}

	// Public portal: Chinese text search on the title and on the code.
	pub := e.anon()
	for _, q := range []string{"新城区道路改造", code} {
		r = pub.json("GET", "/api/v1/announcements?q="+url.QueryEscape(q), nil)
		var pg trading.PortalPage
		r.decode(t, &pg)
		if len(pg.Items) != 1 || pg.Items[0].Code != code {
			// Other tests publish similar titles; the code must be among them.
			found := false
			for _, it := range pg.Items {
				found = found || it.Code == code
			}
			if !found {
				t.Errorf("search %q: %+v", q, pg.Items)
			}
		}
	}
	r = pub.get("/announcements?kind=engineering&status=open&q=" + url.QueryEscape(code))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), title) {
		t.Errorf("portal page: %d", r.Code)
	}
	// Date range on the publication day (Beijing dates).
	for q, want := range map[string]bool{"from=2026-03-02&to=2026-03-02": true, "from=2026-03-03": false, "to=2026-03-01": false} {
		r = pub.json("GET", "/api/v1/announcements?"+q+"&q="+url.QueryEscape(code), nil)
		if got := strings.Contains(r.Body.String(), code); got != want {
			t.Errorf("date filter %s: listed %v, want %v", q, got, want)
		}
	}
	if r = pub.json("GET", "/api/v1/announcements?from=2026-02-30", nil); r.Code != http.StatusBadRequest || r.errorCode(t) != "validation_failed" {
		t.Errorf("bad date: %d %s", r.Code, r.Body.String())
	}
	if r = pub.get("/announcements?kind=spaceship"); r.Code != http.StatusBadRequest {
		t.Errorf("unknown kind filter: %d", r.Code)
	}
	// Every state change is audited on the project.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action LIKE 'trading.project.%'`, p.ID); n < 7 {
		t.Errorf("audit events on the project: %d", n)
	}
	if rep := e.sealAndVerify(); !rep.OK() {
		t.Errorf("audit chain: %+v", rep)
	}
}

func TestTradingCodesUniquePerKindAndYear(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	const n = 12
	ids := make([]int64, n)
	for i := range ids {
		r := ag.json("POST", "/api/v1/projects", engineeringProject(uniqueTitle("编号并发测试工程")))
		var p trading.Project
		r.decode(t, &p)
		ids[i] = p.ID
	}
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", id), nil)
			var sub struct{ Project trading.Project }
			if r.Code == http.StatusOK {
				r.decode(t, &sub)
				codes[i] = sub.Project.Code
			} else {
				t.Errorf("submit %d: %d %s", id, r.Code, r.Body.String())
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] || !strings.HasPrefix(c, "GC-2026-") {
			t.Errorf("code %q duplicated or malformed: %v", c, codes)
		}
		seen[c] = true
	}
}

func TestTradingRuleChangeAppliesToLaterRegistrations(t *testing.T) {
	e := newEnv(t)
	ag, adm := e.api("agency"), e.api("admin")
	r := ag.json("POST", "/api/v1/projects", engineeringProject(uniqueTitle("规则版本测试工程")))
	var before trading.Project
	r.decode(t, &before)
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", before.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Code, r.Body.String())
	}
	// A locality raises the tender period to 30 days.
	if r = adm.json("PUT", "/api/v1/rules/test-loc/eng.tender_period", map[string]any{"day_kind": "calendar", "days": 30, "action": "block"}); r.Code != http.StatusOK {
		t.Fatalf("change rule: %d %s", r.Code, r.Body.String())
	}
	if r = adm.json("PUT", "/api/v1/rules/test-loc/eng.tender_period", map[string]any{"day_kind": "fortnight", "days": -1, "action": "explode"}); r.Code != http.StatusBadRequest {
		t.Errorf("bad rule change: %d", r.Code)
	}
	p := engineeringProject(uniqueTitle("规则版本测试工程"))
	p["locality"] = "test-loc"
	r = ag.json("POST", "/api/v1/projects", p)
	var after trading.Project
	r.decode(t, &after)
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", after.ID), nil)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "rule_eng.tender_period") {
		t.Fatalf("new rule not applied: %d %s", r.Code, r.Body.String())
	}
	// The earlier registration keeps the rule set it was registered under.
	var set int64
	e.db.Get(&set, `SELECT rule_set_id FROM trading_projects WHERE id = ?`, before.ID)
	if set != 1 {
		t.Errorf("earlier project rule set %d", set)
	}
	if r = e.browser("admin").get("/admin/rules?locality=test-loc"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "eng.tender_period") {
		t.Errorf("rules page: %d", r.Code)
	}
}

func TestTradingBadInput(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		field string
		code  string
	}{
		{"unknown kind", func(m map[string]any) { m["kind"] = "spaceship" }, "kind", "kind_unknown"},
		{"unknown method", func(m map[string]any) { m["method"] = "auction" }, "method", "method_unknown"},
		{"negative amount", func(m map[string]any) {
			m["lots"] = []map[string]any{{"name": "一标段", "price": "-5", "estimate": "100", "deposit": "1"}}
		}, "lot1_price", "money_negative"},
		{"non-numeric amount", func(m map[string]any) {
			m["lots"] = []map[string]any{{"name": "一标段", "price": "一百万", "estimate": "100", "deposit": "1"}}
		}, "lot1_price", ""},
		{"malformed time", func(m map[string]any) {
			m["timeline"] = map[string]string{"deadline": "next tuesday"}
		}, "deadline", "time_invalid"},
		{"missing title", func(m map[string]any) { m["title"] = " " }, "title", "required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.count(`SELECT COUNT(*) FROM trading_projects`)
			m := engineeringProject(uniqueTitle("错误输入测试"))
			tc.edit(m)
			r := ag.json("POST", "/api/v1/projects", m)
			if r.Code != http.StatusBadRequest {
				t.Fatalf("%d %s", r.Code, r.Body.String())
			}
			var ae apiError
			r.decode(t, &ae)
			ok := false
			for _, f := range ae.Error.Fields {
				if f.Name == tc.field && (tc.code == "" || f.Code == tc.code) && f.Message != "" {
					ok = true
				}
			}
			if !ok {
				t.Errorf("want field %s code %s: %s", tc.field, tc.code, r.Body.String())
			}
			if after := e.count(`SELECT COUNT(*) FROM trading_projects`); after != before {
				t.Errorf("a project was written")
			}
		})
	}
	// A numeric JSON amount is a type error with its field.
	m := engineeringProject("x")
	m["lots"] = []map[string]any{{"name": "一标段", "price": 100}}
	if r := ag.json("POST", "/api/v1/projects", m); r.Code != http.StatusBadRequest {
		t.Errorf("numeric amount: %d", r.Code)
	}
}

func TestTradingSignupRaceLeavesOne(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("报名并发测试工程"))
	b := e.api("bidder1")
	const n = 200
	var wg sync.WaitGroup
	var created, dup, other atomic.Int64
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := b.json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0], "declared": declaredAll()})
			switch {
			case r.Code == http.StatusCreated:
				created.Add(1)
			case r.Code == http.StatusConflict && strings.Contains(r.Body.String(), "signup_duplicate"):
				dup.Add(1)
			default:
				other.Add(1)
				t.Errorf("sign-up: %d %s", r.Code, r.Body.String())
			}
		}()
	}
	close(start)
	wg.Wait()
	if created.Load() != 1 || dup.Load() != n-1 || other.Load() != 0 {
		t.Fatalf("created %d, duplicates %d, other %d", created.Load(), dup.Load(), other.Load())
	}
	if got := e.count(`SELECT COUNT(*) FROM trading_signups WHERE lot_id = ?`, p.Lots[0]); got != 1 {
		t.Fatalf("%d sign-up rows", got)
	}
	// Served as `trading serve` wires it, a sign-up's group commit takes two
	// round trips (the multi-statement pool); the race's batches, with
	// their duplicates, were refused there and answered the five-step way.
	c0, r0, f0 := e.deps.Trading.SignupBatches()
	if r := e.api("bidder2").json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[1], "declared": declaredAll()}); r.Code != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", r.Code, r.Body.String())
	}
	if c1, r1, f1 := e.deps.Trading.SignupBatches(); c1 != c0+1 || r0 == 0 || r1 != r0 || f1 != 0 || f0 != 0 {
		t.Errorf("batches in two round trips: committed %d → %d, refused %d → %d, failed %d → %d", c0, c1, r0, r1, f0, f1)
	}
	// Undeclared eligibility is refused with the condition named.
	r := e.api("bidder2").json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0], "declared": []bool{true}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "declare2") {
		t.Errorf("undeclared: %d %s", r.Code, r.Body.String())
	}
	// After the sign-up deadline: refused.
	e.clock.Set(sh("2026-03-20 17:00"))
	r = e.api("bidder3").json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0], "declared": declaredAll()})
	if r.Code != http.StatusConflict || r.errorCode(t) != "signup_closed" {
		t.Errorf("late sign-up: %d %s", r.Code, r.Body.String())
	}
}

// signUpAndDeposit signs username's organisation up for lot and records a
// deposit; it returns the sign-up id.
func signUpAndDeposit(t testing.TB, e *env, c *client, lot int64, ref string) int64 {
	t.Helper()
	r := c.json("POST", "/api/v1/signups", map[string]any{"lot_id": lot, "declared": declaredAll()})
	if r.Code != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", r.Code, r.Body.String())
	}
	var su trading.MySignup
	r.decode(t, &su)
	if r = c.json("PUT", fmt.Sprintf("/api/v1/signups/%d/deposit", su.ID), map[string]string{"method": "e_guarantee", "reference": ref}); r.Code != http.StatusOK {
		t.Fatalf("deposit: %d %s", r.Code, r.Body.String())
	}
	return su.ID
}

func TestTradingBidDeadlineBoundary(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("递交截止边界测试工程"))
	b := e.api("bidder1")
	signUpAndDeposit(t, e, b, p.Lots[0], "EG-2026-000123")
	deadline := sh("2026-03-30 09:30")
	content := []byte("投标报价：9,100,000.00 元")

	e.clock.Set(deadline.Add(-time.Microsecond))
	b = e.api("bidder1") // tokens expire as the clock moves
	r := b.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", p.Lots[0]), "报价文件.pdf", bytes.NewReader(content))
	if r.Code != http.StatusCreated {
		t.Fatalf("one microsecond before the deadline: %d %s", r.Code, r.Body.String())
	}
	var rec trading.Receipt
	r.decode(t, &rec)
	sum := sha256.Sum256(content)
	if rec.SHA256 != hex.EncodeToString(sum[:]) || rec.Size != int64(len(content)) || !rec.ReceivedAt.Equal(deadline.Add(-time.Microsecond)) {
		t.Errorf("receipt: %+v", rec)
	}
	// Stored encrypted: the plain text is nowhere in the store.
	for _, f := range storedFiles(t, e) {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, content[:12]) {
			t.Fatalf("bid stored in clear: %s", f)
		}
	}
	files, rows := len(storedFiles(t, e)), e.count(`SELECT COUNT(*) FROM trading_bid_files`)
	for _, at := range []time.Time{deadline, deadline.Add(time.Microsecond), deadline.Add(time.Hour)} {
		e.clock.Set(at)
		b = e.api("bidder1")
		r = b.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", p.Lots[0]), "迟到.pdf", bytes.NewReader(content))
		if r.Code != http.StatusConflict || r.errorCode(t) != "deadline_passed" {
			t.Errorf("at %s: %d %s", at, r.Code, r.Body.String())
		}
		if r = b.json("DELETE", fmt.Sprintf("/api/v1/bids/%d", rec.FileID), nil); r.Code != http.StatusConflict {
			t.Errorf("withdraw at %s: %d", at, r.Code)
		}
	}
	if len(storedFiles(t, e)) != files || e.count(`SELECT COUNT(*) FROM trading_bid_files`) != rows {
		t.Error("a refused upload left a file or a record")
	}
	// The schedule engine closes the lot; twice is once.
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := e.deps.Trading.CloseSubmissions(ctx, p.Lots[0]); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.lot.close' AND object_id = ?`, fmt.Sprint(p.Lots[0])); n != 1 {
		t.Errorf("%d close events", n)
	}
	// Staff now see who submitted what, and can unseal the file.
	r = e.api("staff").json("GET", fmt.Sprintf("/api/v1/lots/%d/opening", p.Lots[0]), nil)
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "示范第一建设集团有限公司") || !strings.Contains(r.Body.String(), rec.SHA256) {
		t.Errorf("opening: %d %s", r.Code, r.Body.String())
	}
	rc, err := e.deps.Trading.OpenBidFile(tradingCtx(e, "staff"), rec.FileID)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(plain, content) {
		t.Errorf("unsealed %q", plain)
	}
}

func TestTradingUploadLimitAbortReplaceWithdraw(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("上传限制测试工程"))
	if r := e.api("admin").json("GET", "/api/v1/rules", nil); r.Code != http.StatusOK {
		t.Fatal(r.Code)
	}
	if err := e.deps.Trading.SetMaxFileMB(tradingCtx(e, "admin"), 1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Exec(`DELETE FROM settings WHERE name = 'trading.bid_file_max_mb'`) })
	b := e.api("bidder2")
	signUpAndDeposit(t, e, b, p.Lots[1], "BT20260302000001")
	path := fmt.Sprintf("/api/v1/bids/lots/%d/files", p.Lots[1])
	files, rows := len(storedFiles(t, e)), e.count(`SELECT COUNT(*) FROM trading_bid_files`)

	r := b.upload(path, "too-big.pdf", bytes.NewReader(make([]byte, 1<<20+1)))
	if r.Code != http.StatusRequestEntityTooLarge || r.errorCode(t) != "file_too_large" {
		t.Errorf("over the limit: %d %s", r.Code, r.Body.String())
	}
	// A client that goes away half-way.
	r = b.upload(path, "aborted.pdf", io.MultiReader(bytes.NewReader(make([]byte, 300<<10)), errReader{}))
	if r.Code != http.StatusBadRequest || r.errorCode(t) != "upload_incomplete" {
		t.Errorf("aborted: %d %s", r.Code, r.Body.String())
	}
	if len(storedFiles(t, e)) != files || e.count(`SELECT COUNT(*) FROM trading_bid_files`) != rows {
		t.Fatal("a failed upload left a file or a record")
	}
	// Not signed up: refused.
	if r = e.api("bidder4").upload(path, "a.pdf", strings.NewReader("x")); r.Code != http.StatusBadRequest || r.errorCode(t) != "not_signed_up" {
		t.Errorf("not signed up: %d %s", r.Code, r.Body.String())
	}
	// Exactly the limit, then a replacement, then a withdrawal.
	r = b.upload(path, "v1.pdf", bytes.NewReader(make([]byte, 1<<20)))
	if r.Code != http.StatusCreated {
		t.Fatalf("at the limit: %d %s", r.Code, r.Body.String())
	}
	var v1 trading.Receipt
	r.decode(t, &v1)
	r = b.upload(fmt.Sprintf("%s?replace=%d", path, v1.FileID), "v2.pdf", strings.NewReader("第二版"))
	if r.Code != http.StatusCreated {
		t.Fatalf("replace: %d %s", r.Code, r.Body.String())
	}
	var v2 trading.Receipt
	r.decode(t, &v2)
	if r = b.json("GET", fmt.Sprintf("/api/v1/bids/%d", v1.FileID), nil); !strings.Contains(r.Body.String(), `"replaced"`) {
		t.Errorf("v1 after replace: %s", r.Body.String())
	}
	if r = e.api("bidder1").json("DELETE", fmt.Sprintf("/api/v1/bids/%d", v2.FileID), nil); r.Code != http.StatusNotFound {
		t.Errorf("another bidder withdraws: %d", r.Code)
	}
	if r = b.json("DELETE", fmt.Sprintf("/api/v1/bids/%d", v2.FileID), nil); r.Code != http.StatusNoContent {
		t.Errorf("withdraw: %d %s", r.Code, r.Body.String())
	}
	if len(storedFiles(t, e)) != files {
		t.Errorf("replaced and withdrawn files should be deleted: %d files, had %d", len(storedFiles(t, e)), files)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestTradingClarificationMovesDeadline(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("澄清顺延测试工程"))
	ag := e.api("agency")
	// 2026-03-20: ten days before the deadline of 03-30 09:30.
	e.clock.Set(sh("2026-03-20 10:00"))
	ag = e.api("agency")
	// A new deadline later than the old one but inside the 15 days is refused.
	r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/clarifications", p.ID), map[string]any{"text": "修改", "deadline": "2026-04-01 09:30"})
	if r.Code != http.StatusBadRequest || r.errorCode(t) != "rule_eng.clarify" {
		t.Errorf("short new deadline: %d %s", r.Code, r.Body.String())
	}
	// Fifteen days from 03-20 end on 04-04, the first day of 清明 (04-04 –
	// 04-06): the moved deadline, and the opening with it, is the next
	// working day.
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/clarifications", p.ID), map[string]any{"text": "第一标段工程量清单第3项更正"})
	if r.Code != http.StatusCreated || !strings.Contains(r.Body.String(), "2026-04-07 09:30") {
		t.Fatalf("clarify: %d %s", r.Code, r.Body.String())
	}
	var due time.Time
	e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ?`, trading.DeadlineEvent, fmt.Sprintf("lot:%d", p.Lots[0]))
	if !due.Equal(sh("2026-04-07 09:30")) {
		t.Errorf("deadline event due %s", due.In(clock.Shanghai))
	}
	// A clarification never brings the deadline forward, nor answers a
	// question the project does not have.
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/clarifications", p.ID), map[string]any{"text": "再次修改", "deadline": "2026-04-01 09:30"})
	if r.Code != http.StatusBadRequest || r.errorCode(t) != "deadline_earlier" && fieldCodes(t, r)["deadline"] != "deadline_earlier" {
		t.Errorf("an earlier deadline: %d %s", r.Code, r.Body.String())
	}
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/clarifications", p.ID), map[string]any{"text": "再次修改", "answers": []int64{1 << 40}})
	if r.Code != http.StatusBadRequest || fieldCodes(t, r)["answers[0]"] != "question_not_found" {
		t.Errorf("answering an unknown question: %d %s", r.Code, r.Body.String())
	}
	// The portal shows the clarification and the moved deadline.
	r = e.anon().json("GET", fmt.Sprintf("/api/v1/announcements/%d", p.AnnID), nil)
	if !strings.Contains(r.Body.String(), "顺延至") {
		t.Errorf("announcement page lacks the clarification: %s", r.Body.String())
	}
	// A bidder can still submit on 03-31: the old deadline no longer applies.
	b := e.api("bidder3")
	signUpAndDeposit(t, e, b, p.Lots[0], "GH-0001-2026")
	e.clock.Set(sh("2026-03-31 10:00"))
	b = e.api("bidder3")
	if r = b.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", p.Lots[0]), "a.pdf", strings.NewReader("报价")); r.Code != http.StatusCreated {
		t.Errorf("after the old deadline: %d %s", r.Code, r.Body.String())
	}
	if err := e.deps.Trading.CloseSubmissions(context.Background(), p.Lots[0]); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_lots WHERE id = ? AND status = 'closed'`, p.Lots[0]); n != 0 {
		t.Error("closed before the moved deadline")
	}
}
