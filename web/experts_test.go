package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/expertpool"
	"ggzy/notify"
)

// noticeRecorder keeps the expert notices of the web tests.
type noticeRecorder struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (r *noticeRecorder) Notify(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

// tokensFor returns the reply tokens sent for a draw.
func (r *noticeRecorder) tokensFor(drawID int64) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.msgs {
		if strings.HasPrefix(m.Ref, fmt.Sprintf("draw:%d/", drawID)) {
			out = append(out, m.Link[strings.LastIndex(m.Link, "/")+1:])
		}
	}
	return out
}

var expertNotices noticeRecorder

var (
	expertSeq  atomic.Int64
	expertBase = rand.Int64N(400) * 1000
)

// uniqueIDNumber gives each expert of the package its own valid ID number.
func uniqueIDNumber() string {
	n := expertBase + expertSeq.Add(1)
	return expertpool.DemoIDNumber("320102", fmt.Sprintf("19%02d%02d%02d", 60+n/1000/336%30, 1+n/1000/28%12, 1+n/1000%28), int(n%1000))
}

func testRegion() string { return fmt.Sprintf("5%05d", rand.IntN(90000)+10000) }

func expertBody(region string, specs ...string) map[string]any {
	return map[string]any{"name": "测试专家", "id_number": uniqueIDNumber(), "phone": "13912345678", "employer_name": "某研究院",
		"category": "technical", "title": "高级工程师", "title_level": "副高级", "years_in_field": 12, "region": region, "specialties": specs}
}

func TestExpertRegistryAPI(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	body := expertBody(testRegion(), "GC01", "GC05")
	r := st.json(http.MethodPost, "/api/v1/experts", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Code, r.Body.String())
	}
	var got apiExpert
	r.decode(t, &got)
	idn := body["id_number"].(string)
	if got.IDMasked != idn[:6]+"********"+idn[14:] || strings.Contains(r.Body.String(), idn) {
		t.Fatalf("the ID number is not masked: %s", r.Body.String())
	}
	cases := []struct {
		name  string
		mod   func(map[string]any)
		field string
		code  string
	}{
		{"duplicate", func(b map[string]any) { b["id_number"] = idn }, "id_number", "expert_duplicate"},
		{"bad ID", func(b map[string]any) { b["id_number"] = "320102196001010000" }, "id_number", ""},
		{"bad phone", func(b map[string]any) { b["phone"] = "12345" }, "phone", ""},
		{"unknown specialty", func(b map[string]any) { b["specialties"] = []string{"ZZ01"} }, "specialties", "specialty_unknown"},
		{"impossible date", func(b map[string]any) { b["birth_date"] = "1960-02-30" }, "birth_date", "date_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := expertBody(testRegion(), "GC01")
			tc.mod(b)
			r := st.json(http.MethodPost, "/api/v1/experts", b)
			if r.Code != http.StatusBadRequest {
				t.Fatalf("%d %s", r.Code, r.Body.String())
			}
			var ae apiError
			r.decode(t, &ae)
			found := false
			for _, f := range ae.Error.Fields {
				found = found || (f.Name == tc.field && (tc.code == "" || f.Code == tc.code))
			}
			if !found {
				t.Fatalf("fields %+v", ae.Error.Fields)
			}
		})
	}
	// Staff pages render.
	b := e.browser("staff")
	for _, p := range []string{"/experts", fmt.Sprintf("/experts/%d", got.ID), "/experts/new", "/experts/import", "/expert-draws", "/expert-draws/new"} {
		if r := b.get(p); r.Code != http.StatusOK {
			t.Errorf("GET %s: %d %.300s", p, r.Code, r.Body.String())
		}
	}
}

// makePool registers n eligible experts of one specialty in a fresh region.
func makePool(t *testing.T, c *client, n int, spec string) string {
	t.Helper()
	region := testRegion()
	for i := 0; i < n; i++ {
		if r := c.json(http.MethodPost, "/api/v1/experts", expertBody(region, spec)); r.Code != http.StatusCreated {
			t.Fatalf("create expert: %d %s", r.Code, r.Body.String())
		}
	}
	return region
}

// drawLot is a published engineering project with one lot, for expert
// draws: registered by an agency organisation of its own, for a tenderer
// organisation of its own.
type drawLot struct{ project, lot, agency, tenderer int64 }

var drawOrgSeq atomic.Int64

// newDrawLot writes a drawLot; agency 0 makes a fresh agency organisation.
func newDrawLot(t testing.TB, e *env, agency int64) drawLot {
	t.Helper()
	org := func(kind string) int64 {
		n := drawOrgSeq.Add(1)*1_000_000 + time.Now().UnixNano()%1_000_000
		res, err := e.db.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, ?, 'active', ?)`,
			fmt.Sprintf("抽取测试单位%d", n), fmt.Sprintf("92%016d", n), kind, e.clock.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	if agency == 0 {
		agency = org("agency")
	}
	tenderer := org("other")
	now := e.clock.Now().UTC()
	res, err := e.db.Exec(`INSERT INTO trading_projects (kind, method, title, agency_org_id, locality, status, details, eligibility, signup_until, deadline, created_at, updated_at)
		VALUES ('engineering', 'open', '专家抽取测试工程', ?, '示范县', 'published', '{}', '[]', ?, ?, ?, ?)`, agency, now.Add(24*time.Hour), now.Add(48*time.Hour), now, now)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := res.LastInsertId()
	res, err = e.db.Exec(`INSERT INTO trading_lots (project_id, lot_no, name, price, details, status) VALUES (?, 1, '一标段', 100000000, '{}', 'open')`, pid)
	if err != nil {
		t.Fatal(err)
	}
	lot, _ := res.LastInsertId()
	return drawLot{project: pid, lot: lot, agency: agency, tenderer: tenderer}
}

// oneExpert registers one expert (GC05, a region of its own) and returns its id.
func oneExpert(t *testing.T, e *env, st *client) int64 {
	t.Helper()
	region := makePool(t, st, 1, "GC05")
	var id int64
	if err := e.db.Get(&id, `SELECT id FROM experts WHERE region = ?`, region); err != nil {
		t.Fatal(err)
	}
	return id
}

// prepareDraw prepares a draw through the API and returns its id.
func prepareDraw(t testing.TB, c *client, body map[string]any) int64 {
	t.Helper()
	r := c.json(http.MethodPost, "/api/v1/expert-draws", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("prepare: %d %s", r.Code, r.Body.String())
	}
	var p struct {
		ID int64 `json:"id"`
	}
	r.decode(t, &p)
	return p.ID
}

func drawBody(e *env, region string, l drawLot, spec string, count, backups int) map[string]any {
	start := e.clock.Now().Add(26 * time.Hour)
	return map[string]any{"project_id": l.project, "lot_id": l.lot, "tenderer_org_id": l.tenderer, "trade_kind": "engineering",
		"session_start": start.Format(time.RFC3339), "session_end": start.Add(6 * time.Hour).Format(time.RFC3339), "place": "第二评标室",
		"region": region, "region_rule": "local", "quotas": []map[string]any{{"specialty": spec, "count": count, "backups": backups}}}
}

// TestExpertDrawRace releases several staff requests for the same lot at
// once: exactly one draw is prepared, and of two runs of it exactly one
// draws.
func TestExpertDrawRace(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 8, "GC02")
	l := newDrawLot(t, e, 0)
	lot := l.lot
	const n = 5
	codes := make([]int, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-gate
			codes[i] = st.json(http.MethodPost, "/api/v1/expert-draws", drawBody(e, region, l, "GC02", 5, 2)).Code
		}(i)
	}
	close(gate)
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	if created != 1 || e.count(`SELECT COUNT(*) FROM expert_draws WHERE lot_id = ?`, lot) != 1 {
		t.Fatalf("%d created; codes %v", created, codes)
	}
	var id int64
	if err := e.db.Get(&id, `SELECT id FROM expert_draws WHERE lot_id = ?`, lot); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/expert-draws/%d/run", id)
	if r := st.json(http.MethodPost, path, map[string]any{"sources": []string{"12 x"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("witness not a number: %d %s", r.Code, r.Body.String())
	}
	codes = make([]int, 2)
	gate = make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-gate
			codes[i] = st.json(http.MethodPost, path, map[string]any{"sources": []string{fmt.Sprint(100 + i)}}).Code
		}(i)
	}
	close(gate)
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("two runs: %v", codes)
	}
	if got := e.count(`SELECT COUNT(*) FROM expert_draw_members WHERE draw_id = ?`, id); got != 7 {
		t.Fatalf("%d members", got)
	}
}

func TestExpertDrawQuotaShortfallAnsweredBeforeDraw(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 4, "GC07")
	l := newDrawLot(t, e, 0)
	lot := l.lot
	r := st.json(http.MethodPost, "/api/v1/expert-draws", drawBody(e, region, l, "GC07", 5, 1))
	if r.Code != http.StatusBadRequest || r.errorCode(t) != "quota_exceeds_pool" || !strings.Contains(r.Body.String(), "缺2人") {
		t.Fatalf("%d %s", r.Code, r.Body.String())
	}
	if e.count(`SELECT COUNT(*) FROM expert_draws WHERE lot_id = ?`, lot) != 0 {
		t.Fatal("a draw was written")
	}
}

// TestExpertDrawConfidentialityAndVerify: only the staff running the draw
// and supervisors see the names; an agency sees nothing before
// publication; the supervisor's verification recomputes the draw.
func TestExpertDrawConfidentialityAndVerify(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 7, "GC06")
	l := newDrawLot(t, e, 0) // registered by another agency: the demo agency is not party to this draw…
	body := drawBody(e, region, l, "GC06", 5, 1)
	var agencyOrg int64
	if err := e.db.Get(&agencyOrg, `SELECT org_id FROM users WHERE username = 'agency'`); err != nil {
		t.Fatal(err)
	}
	body["tenderer_org_id"] = agencyOrg // …but the demo agency's org is the tenderer
	r := st.json(http.MethodPost, "/api/v1/expert-draws", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("prepare: %d %s", r.Code, r.Body.String())
	}
	var prep struct {
		ID         int64  `json:"id"`
		PoolHash   string `json:"pool_hash"`
		Commitment string `json:"secret_commitment"`
	}
	r.decode(t, &prep)
	if len(prep.PoolHash) != 64 || len(prep.Commitment) != 64 {
		t.Fatalf("prepare answer %s", r.Body.String())
	}
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", prep.ID), map[string]any{"sources": []string{"9319", "2 5 8 10 12"}}); r.Code != http.StatusOK {
		t.Fatalf("run: %d %s", r.Code, r.Body.String())
	}
	path := fmt.Sprintf("/api/v1/expert-draws/%d", prep.ID)
	var view struct {
		NamesVisible bool                    `json:"names_visible"`
		Members      []expertpool.MemberView `json:"members"`
	}
	st.get(path).decode(t, &view)
	if !view.NamesVisible || view.Members[0].Name == "" {
		t.Fatalf("the staff running the draw cannot see the names: %+v", view)
	}
	e.api("supervisor").get(path).decode(t, &view)
	if !view.NamesVisible || view.Members[0].Name == "" {
		t.Fatal("the supervisor cannot see the names")
	}
	// A second staff member who did not run the draw sees no names.
	ctx := audit.WithActor(context.Background(), audit.System)
	if _, err := e.deps.Accounts.CreateUser(ctx, accounts.UserInput{Username: fmt.Sprintf("staff%d", rand.IntN(1e6)), DisplayName: "另一工作人员",
		Roles: []string{staff}, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	var other string
	_ = e.db.Get(&other, `SELECT username FROM users WHERE display_name = '另一工作人员' ORDER BY id DESC LIMIT 1`)
	r = e.api(other).get(path)
	if r.Code != http.StatusOK {
		t.Fatalf("other staff: %d", r.Code)
	}
	view.Members = nil
	r.decode(t, &view)
	for _, m := range view.Members {
		if m.Name != "" || m.ExpertID != 0 {
			t.Fatalf("other staff sees a drawn expert: %s", r.Body.String())
		}
	}
	if r := e.api(other).get(path + "/archive"); r.Code != http.StatusForbidden {
		t.Fatalf("other staff archive: %d", r.Code)
	}
	// Nor act on its members: signing in, publishing, re-sending.
	for _, p := range []string{"/publish", "/resend", "/members/1/signin"} {
		wantStatus(t, e.api(other).json(http.MethodPost, path+p, nil), http.StatusForbidden, "draw_not_yours")
	}
	// The printed 抽取记录 (PDF): the pool hash for everyone who may see the
	// draw, the experts' names only for those who may see them.
	record := wantPDF(t, st.get(path+"/record.pdf"), "")
	withoutNames := wantPDF(t, e.api(other).get(path+"/record.pdf"), "")
	wantPDF(t, e.browser("supervisor").get(fmt.Sprintf("/expert-draws/%d/record.pdf", prep.ID)), "")
	if r := e.api("agency").get(path + "/record.pdf"); r.Code != http.StatusNotFound {
		t.Fatalf("agency gets the draw record before publication: %d", r.Code)
	}
	t.Run("draw record text", func(t *testing.T) {
		text := pdfText(t, record)
		for _, want := range []string{"评标专家抽取记录", prep.PoolHash, prep.Commitment, "测试专家", "9319./2.5.8.10.12./"} {
			if !strings.Contains(text, want) {
				t.Errorf("draw record lacks %q", want)
			}
		}
		text = pdfText(t, withoutNames)
		if !strings.Contains(text, prep.PoolHash) || strings.Contains(text, "测试专家") || !strings.Contains(text, "（未公开）") {
			t.Errorf("draw record for staff who did not run the draw: %s", text)
		}
	})
	// The tenderer's users see nothing before publication.
	if r := e.api("agency").get(path); r.Code != http.StatusNotFound {
		t.Fatalf("agency before publication: %d %s", r.Code, r.Body.String())
	}
	// The draw pages render for the staff who ran it.
	sb := e.browser("staff")
	for _, p := range []string{fmt.Sprintf("/expert-draws/%d", prep.ID), "/expert-draws"} {
		if r := sb.get(p); r.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %.300s", p, r.Code, r.Body.String())
		}
	}
	// Supervisor verification.
	var v expertpool.Verification
	r = e.api("supervisor").get(path + "/verify")
	r.decode(t, &v)
	if !v.OK {
		t.Fatalf("verify: %s", r.Body.String())
	}
	if r := e.browser("supervisor").get(fmt.Sprintf("/expert-draws/%d/verify", prep.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "与存档一致") {
		t.Fatalf("verify page: %d", r.Code)
	}
	// Everyone invited confirms through the one-time link; then publication.
	tokens := expertNotices.tokensFor(prep.ID)
	if len(tokens) != 5 {
		t.Fatalf("%d notices", len(tokens))
	}
	anon := e.anon()
	if r := anon.get("/experts/reply/" + tokens[0]); r.Code != http.StatusOK {
		t.Fatalf("reply page: %d", r.Code)
	}
	if r := anon.postForm("/experts/reply/"+tokens[0], url.Values{"decision": {"confirm"}}); r.Code != http.StatusOK {
		t.Fatalf("confirm by page: %d %s", r.Code, r.Body.String())
	}
	if r := anon.json(http.MethodPost, "/api/v1/expert-replies/"+tokens[0], map[string]any{"accept": true}); r.Code != http.StatusNotFound {
		t.Fatalf("one-time link used twice: %d", r.Code)
	}
	for _, tok := range tokens[1:] {
		if r := anon.json(http.MethodPost, "/api/v1/expert-replies/"+tok, map[string]any{"accept": true}); r.Code != http.StatusOK {
			t.Fatalf("confirm: %d %s", r.Code, r.Body.String())
		}
	}
	if r := st.json(http.MethodPost, path+"/publish", nil); r.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Code, r.Body.String())
	}
	r = e.api("agency").get(path)
	if r.Code != http.StatusOK {
		t.Fatalf("agency after publication: %d", r.Code)
	}
	view.Members = nil
	r.decode(t, &view)
	if len(view.Members) != 5 || view.Members[0].Name == "" {
		t.Fatalf("agency after publication sees %+v", view.Members)
	}
	published := wantPDF(t, e.api("agency").get(path+"/record.pdf"), "")
	t.Run("published draw record text", func(t *testing.T) {
		if text := pdfText(t, published); !strings.Contains(text, "测试专家") || !strings.Contains(text, prep.PoolHash) {
			t.Errorf("published draw record for the tenderer: %s", text)
		}
	})
}

func TestExpertImportAPI(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := testRegion()
	csv := strings.Join(expertpool.ImportColumns, ",") + "\n" +
		fmt.Sprintf("王一,%s,13900000001,甲院,,技术类,高级工程师,副高级,12,%s,房屋建筑,,\n", uniqueIDNumber(), region) +
		fmt.Sprintf("王二,%s,1390000,乙院,,技术类,高级工程师,副高级,12,%s,火箭,,\n", uniqueIDNumber(), region)
	post := func(q string) response {
		req := newRawRequest(http.MethodPost, "/api/v1/expert-imports/files?format=csv&name=x.csv"+q, csv)
		return st.do(req)
	}
	r := post("")
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), `"row":3`) {
		t.Fatalf("%d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM experts WHERE region = ?`, region); n != 0 {
		t.Fatalf("%d imported from a rejected file", n)
	}
	r = post("&only_valid=true&progress=p1")
	if r.Code != http.StatusCreated {
		t.Fatalf("%d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM experts WHERE region = ?`, region); n != 1 {
		t.Fatalf("%d imported", n)
	}
	if r := st.get("/api/v1/expert-imports/progress/p1"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"done"`) {
		t.Fatalf("progress: %d %s", r.Code, r.Body.String())
	}
	b := e.browser("staff")
	if r := b.get("/experts/import/template.xlsx"); r.Code != http.StatusOK || r.Body.Len() < 1000 {
		t.Fatalf("template: %d", r.Code)
	}
}

func TestExpertSeesOwnProfile(t *testing.T) {
	e := newEnv(t)
	if err := expertpool.SeedDemo(context.Background(), e.deps.Experts); err != nil {
		t.Fatal(err)
	}
	c := e.api("expert2")
	r := c.get("/api/v1/experts/me")
	if r.Code != http.StatusOK {
		t.Fatalf("%d %s", r.Code, r.Body.String())
	}
	r = c.json(http.MethodPost, "/api/v1/experts/me/leaves", map[string]any{"start": "2026-04-01", "end": "2026-04-03", "reason": "休假"})
	if r.Code != http.StatusCreated {
		t.Fatalf("leave: %d %s", r.Code, r.Body.String())
	}
	if r := e.browser("expert2").get("/experts/me"); r.Code != http.StatusOK {
		t.Fatalf("page: %d", r.Code)
	}
}

func newRawRequest(method, path, body string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Accept", "application/json")
	return req
}

// A draw names its lot, project and organisations by id; each must exist
// and fit, or the avoidance rules would silently avoid no one (a mistyped
// tenderer) and the archive would point nowhere. Nothing is written for a
// refused request; a draw that names no agency avoids the project's.
func TestExpertDrawReferences(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 7, "GC04")
	l := newDrawLot(t, e, 0)
	other := newDrawLot(t, e, 0)
	draws := func() int { return e.count(`SELECT COUNT(*) FROM expert_draws`) }
	before := draws()
	for _, c := range []struct {
		name        string
		change      func(map[string]any)
		field, code string
	}{
		{"no such lot", func(b map[string]any) { b["lot_id"] = other.lot + 1_000_000 }, "lot_id", "lot_not_found"},
		{"another project's lot", func(b map[string]any) { b["lot_id"] = other.lot }, "project_id", "lot_project_mismatch"},
		{"another kind of trade", func(b map[string]any) { b["trade_kind"] = "procurement" }, "trade_kind", "kind_mismatch"},
		{"another agency", func(b map[string]any) { b["agency_org_id"] = other.agency }, "agency_org_id", "agency_mismatch"},
		{"no such tenderer", func(b map[string]any) { b["tenderer_org_id"] = other.tenderer + 1_000_000 }, "tenderer_org_id", "org_unknown"},
		{"no such supervising department", func(b map[string]any) { b["supervising_org_id"] = other.tenderer + 1_000_000 }, "supervising_org_id", "org_unknown"},
		{"no such organisation to avoid", func(b map[string]any) { b["avoid_org_ids"] = []int64{other.tenderer, other.tenderer + 1_000_000} }, "avoid_org_ids", "org_unknown"},
		{"a region that is no region code", func(b map[string]any) { b["region_rule"], b["region"] = "any", strings.Repeat("长", 30000) }, "region", "region_invalid"},
		{"nine quintillion tenderer's representatives", func(b map[string]any) { b["tenderer_reps"] = int64(9e18) }, "tenderer_reps", "invalid"},
	} {
		body := drawBody(e, region, l, "GC04", 5, 1)
		c.change(body)
		r := st.json(http.MethodPost, "/api/v1/expert-draws", body)
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)[c.field] != c.code {
			t.Errorf("%s: %d %s", c.name, r.Code, r.Body.String())
		}
	}
	if n := draws(); n != before {
		t.Fatalf("refused draws wrote %d rows", n-before)
	}
	body := drawBody(e, region, l, "GC04", 5, 1)
	body["avoid_org_ids"] = []int64{other.tenderer}
	if r := st.json(http.MethodPost, "/api/v1/expert-draws", body); r.Code != http.StatusCreated {
		t.Fatalf("draw: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM expert_draws WHERE lot_id = ? AND project_id = ? AND agency_org_id = ?`, l.lot, l.project, l.agency); n != 1 {
		t.Errorf("the draw does not avoid the project's agency: %d rows", n)
	}
}

// parallel sends the same request n times at once and counts the answers
// by status.
func parallel(n int, send func() response) map[int]int {
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r := send()
			mu.Lock()
			codes[r.Code]++
			mu.Unlock()
		}()
	}
	close(gate)
	wg.Wait()
	return codes
}

// Twenty identical leave submissions at once (a double click, a retrying
// client) record one leave; a period already covered is refused; a longer
// one that overlaps is recorded (it extends the leave).
func TestExpertLeaveSubmittedTwice(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	id := oneExpert(t, e, st)
	path := fmt.Sprintf("/api/v1/experts/%d/leaves", id)
	leaves := func() int { return e.count(`SELECT COUNT(*) FROM expert_leaves WHERE expert_id = ?`, id) }
	codes := parallel(20, func() response {
		return st.json(http.MethodPost, path, map[string]any{"start": "2026-05-04", "end": "2026-05-08", "reason": "出差"})
	})
	if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 19 || leaves() != 1 {
		t.Fatalf("20 identical leaves: %v, %d stored", codes, leaves())
	}
	r := st.json(http.MethodPost, path, map[string]any{"start": "2026-05-05", "end": "2026-05-06", "reason": "出差"})
	if r.Code != http.StatusConflict || r.errorCode(t) != "leave_exists" {
		t.Errorf("a covered period: %d %s", r.Code, r.Body.String())
	}
	if r := st.json(http.MethodPost, path, map[string]any{"start": "2026-05-06", "end": "2026-05-12", "reason": "延长"}); r.Code != http.StatusCreated {
		t.Errorf("an extension: %d %s", r.Code, r.Body.String())
	}
	if n := leaves(); n != 2 {
		t.Errorf("%d leaves, want 2", n)
	}
}

// A draw is run on the pool fixed when it was prepared, so a pool that no
// longer holds is not drawn from: an expert invited in between to an
// overlapping session of another lot, or suspended, is not invited again
// — the run is refused and the draw cancelled, to be prepared afresh.
func TestExpertDrawPoolMustStillHold(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 5, "GC01")
	var ids []int64
	prepare := func(l drawLot) int64 {
		t.Helper()
		id := prepareDraw(t, st, drawBody(e, region, l, "GC01", 5, 0))
		ids = append(ids, id)
		return id
	}
	first, second := prepare(newDrawLot(t, e, 0)), prepare(newDrawLot(t, e, 0)) // the same session, the same five experts
	run := func(id int64) response {
		return st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", id), map[string]any{"sources": []string{"5 17"}})
	}
	mustOK(t, run(first))
	if r := run(second); r.Code != http.StatusConflict || r.errorCode(t) != "pool_stale" {
		t.Fatalf("second draw over the same experts and session: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM expert_draw_members WHERE draw_id = ?`, second); n != 0 {
		t.Fatalf("the refused run invited %d experts", n)
	}
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/cancel", second), map[string]any{"reason": ""}); r.Code != http.StatusBadRequest {
		t.Errorf("cancel without a reason: %d", r.Code)
	}
	mustOK(t, st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/cancel", second), map[string]any{"reason": "候选名单固定后专家已被其他项目抽中"}))
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/cancel", first), map[string]any{"reason": "x"}); r.Code != http.StatusConflict {
		t.Errorf("cancelling a draw already run: %d", r.Code)
	}

	// Suspended after the pool was fixed.
	region = makePool(t, st, 5, "GC01")
	third := prepare(newDrawLot(t, e, 0))
	var expert int64
	if err := e.db.Get(&expert, `SELECT id FROM experts WHERE region = ? ORDER BY id LIMIT 1`, region); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(`UPDATE experts SET status = 'suspended' WHERE id = ?`, expert); err != nil {
		t.Fatal(err)
	}
	if r := run(third); r.Code != http.StatusConflict || r.errorCode(t) != "pool_stale" {
		t.Fatalf("a suspended expert in the pool: %d %s", r.Code, r.Body.String())
	}
}

// With hide_names_until_signin the staff who ran a draw see no names until
// the experts sign in — nor their ids, through the archive or the
// verification (the registry would name them); supervisors see both.
func TestExpertDrawHiddenNamesStayHidden(t *testing.T) {
	e := newEnv(t)
	keepSettings(t, e, "expertpool")
	if _, err := e.db.Exec(`DELETE FROM settings WHERE name = 'expertpool.hide_names_until_signin'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(`INSERT INTO settings (name, value, updated_at) VALUES ('expertpool.hide_names_until_signin', '1', NOW(6))`); err != nil {
		t.Fatal(err)
	}
	st := e.api("staff")
	region := makePool(t, st, 6, "GC03")
	id := prepareDraw(t, st, drawBody(e, region, newDrawLot(t, e, 0), "GC03", 5, 0))
	mustOK(t, st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", id), map[string]any{"sources": []string{"3 1"}}))
	for _, path := range []string{"archive", "verify"} {
		wantStatus(t, st.get(fmt.Sprintf("/api/v1/expert-draws/%d/%s", id, path)), http.StatusForbidden, "draw_confidential")
		mustOK(t, e.api("supervisor").get(fmt.Sprintf("/api/v1/expert-draws/%d/%s", id, path)))
	}
}

// The registry's records: dates within 1900–2099 (year 1 was a 500), an
// employer named by id must exist (its name is kept), an end date is not
// in the future, and the same penalty, declaration or employment twenty
// times at once is recorded once.
func TestExpertRecordsOnceAndValid(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	id := oneExpert(t, e, st)
	path := func(p string) string { return fmt.Sprintf("/api/v1/experts/%d/%s", id, p) }
	for _, c := range []struct {
		path        string
		body        map[string]any
		field, code string
	}{
		{"penalties", map[string]any{"decided_on": "0001-01-01", "reason": "迟到"}, "decided_on", "date_invalid"},
		{"employments", map[string]any{"org_name": "A公司", "started_on": "0001-01-01"}, "started_on", "date_invalid"},
		{"employments", map[string]any{"org_id": 1 << 40, "started_on": "2020-01-01"}, "org_id", "org_not_found"},
		{"employments", map[string]any{"org_id": -3, "started_on": "2020-01-01"}, "org_id", "org_not_found"},
		{"employments", map[string]any{"org_name": "A公司", "started_on": "2020-01-01", "ended_on": "2030-12-31"}, "ended_on", "date_future"},
	} {
		if r := st.json(http.MethodPost, path(c.path), c.body); r.Code != http.StatusBadRequest || fieldCodes(t, r)[c.field] != c.code {
			t.Errorf("%s %v: %d %s", c.path, c.body, r.Code, r.Body.String())
		}
	}
	for table, c := range map[string]struct {
		path string
		body map[string]any
	}{
		"expert_penalties":    {"penalties", map[string]any{"decided_on": "2026-02-01", "reason": "评标中违规"}},
		"expert_declarations": {"declarations", map[string]any{"kind": "relative", "org_name": "某建设公司", "detail": "配偶任职"}},
		"expert_employments":  {"employments", map[string]any{"org_name": "D公司", "started_on": "2015-01-01", "ended_on": "2018-01-01"}},
	} {
		codes := parallel(20, func() response { return st.json(http.MethodPost, path(c.path), c.body) })
		n := e.count(`SELECT COUNT(*) FROM `+table+` WHERE expert_id = ?`, id)
		if table == "expert_employments" {
			n = e.count(`SELECT COUNT(*) FROM expert_employments WHERE expert_id = ? AND org_name = 'D公司'`, id)
		}
		if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 19 || n != 1 {
			t.Errorf("20 identical %s: %v, %d rows", c.path, codes, n)
		}
	}
}
