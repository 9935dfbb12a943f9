package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/flags"
	"ggzy/trading"
)

// flagBid signs c's organisation up for lot with a deposit reference (none
// when ref is empty), submits a bid form with price and uploads a bid file
// with content, all from c's address.
func flagBid(t testing.TB, e *env, c *client, lot int64, ref, price, content string) {
	t.Helper()
	if ref != "" {
		signUpAndDeposit(t, e, c, lot, ref)
	} else if r := c.json("POST", "/api/v1/signups", map[string]any{"lot_id": lot, "declared": declaredAll()}); r.Code != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", r.Code, r.Body.String())
	}
	r := c.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": price, "duration": "365日历天", "quality": "合格"})
	if r.Code != http.StatusCreated {
		t.Fatalf("bid form of %s: %d %s", c.user, r.Code, r.Body.String())
	}
	if r = c.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", lot), "投标文件.pdf", strings.NewReader(content)); r.Code != http.StatusCreated {
		t.Fatalf("bid file of %s: %d %s", c.user, r.Code, r.Body.String())
	}
}

// flagsOf reads the flags of a project through the API as the supervisor.
func flagsOf(t *testing.T, e *env, query string) (flags.Report, string) {
	t.Helper()
	r := e.api("supervisor").json("GET", "/api/v1/supervision/flags?"+query, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("flags ?%s: %d %s", query, r.Code, r.Body.String())
	}
	var rep flags.Report
	r.decode(t, &rep)
	return rep, r.Body.String()
}

func flagsByKind(rep flags.Report) map[string][]flags.Flag {
	out := map[string][]flags.Flag{}
	for _, f := range rep.Flags {
		out[f.Kind] = append(out[f.Kind], f)
	}
	return out
}

func orgNames(f flags.Flag) []string {
	var out []string
	for _, o := range f.Orgs {
		out = append(out, o.Name)
	}
	return out
}

func sameNames(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestFlagsSameAddressFileAndDeposit: bidder1 and bidder2 sign up and
// submit from one address, with the same file and the same deposit
// reference; bidder3 bids from its own address at 99.5% of the ceiling.
// Before the opening the flags show nothing and name nobody; after it, the
// supervisor sees flags 1–4 with their evidence, and every read is on the
// audit trail.
func TestFlagsSameAddressFileAndDeposit(t *testing.T) {
	e := newEnv(t)
	title := uniqueTitle("预警测试道路工程")
	p := publishProject(t, e, title)
	lot := p.Lots[0] // ceiling 9,500,000.00
	e.clock.Set(sh("2026-03-05 10:00"))

	const sharedIP = "10.251.7.9"
	const content = "同一份技术标和商务标"
	b1, b2, b3 := e.api("bidder1"), e.api("bidder2"), e.api("bidder3")
	b1.ip, b2.ip = sharedIP, sharedIP
	flagBid(t, e, b1, lot, "EG-SAME-0001", "9,000,000.00", content)
	flagBid(t, e, b2, lot, "eg same 0001", "9,010,000.00", content)
	flagBid(t, e, b3, lot, "EG-OWN-0003", "9,452,500.00", "另一份投标文件")
	names := map[string]string{}
	for _, u := range []string{"bidder1", "bidder2", "bidder3"} {
		names[u] = orgName(t, u)
	}
	query := fmt.Sprintf("project_id=%d", p.ID)
	reads := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'supervision.flags.read'`)

	// Before the opening: no flag, no lot, no name, no address, no hash.
	rep, body := flagsOf(t, e, query)
	if len(rep.Flags) != 0 || rep.Lots != 0 {
		t.Errorf("before the opening: %d flags over %d lots: %s", len(rep.Flags), rep.Lots, body)
	}
	page := e.browser("supervisor").get("/supervision/flags?" + query)
	if page.Code != http.StatusOK {
		t.Fatalf("flags page: %d %s", page.Code, page.Body.String())
	}
	sum := sha256.Sum256([]byte(content))
	hash := hex.EncodeToString(sum[:])
	for _, text := range []string{names["bidder1"], names["bidder2"], names["bidder3"], sharedIP, hash, "EG-SAME-0001"} {
		if strings.Contains(body, text) || strings.Contains(page.Body.String(), text) {
			t.Errorf("before the opening the flags show %q", text)
		}
	}

	closeLots(t, e, "2026-03-30 09:30")
	rep, body = flagsOf(t, e, query)
	if rep.Lots != 2 {
		t.Errorf("after the opening %d lots examined, want the project's 2", rep.Lots)
	}
	by := flagsByKind(rep)
	if len(by[flags.SameIP]) != 1 || len(by[flags.SameFile]) != 1 || len(by[flags.SameDeposit]) != 1 || len(by[flags.NearCeiling]) != 1 ||
		len(by[flags.ExpertAgency]) != 0 || len(by[flags.RotatingWinners]) != 0 {
		t.Fatalf("flags after the opening: %s", body)
	}
	ip := by[flags.SameIP][0]
	if ip.Evidence.IP != sharedIP || !sameNames(orgNames(ip), names["bidder1"], names["bidder2"]) || len(ip.Lots) != 1 || ip.Lots[0].LotID != lot ||
		ip.Lots[0].ProjectID != p.ID || ip.KindName != "同一IP报名/投标" || ip.ComputedAt.IsZero() {
		t.Errorf("same address: %+v", ip)
	}
	// Sign-up, bid form and bid file of each of the two, all from there.
	if len(ip.Evidence.Actions) != 6 {
		t.Errorf("same address actions: %+v", ip.Evidence.Actions)
	}
	file := by[flags.SameFile][0]
	if file.Evidence.SHA256 != hash || !sameNames(orgNames(file), names["bidder1"], names["bidder2"]) || file.Lots[0].LotID != lot {
		t.Errorf("same file: %+v (want hash %s)", file, hash)
	}
	dep := by[flags.SameDeposit][0]
	if !strings.EqualFold(strings.ReplaceAll(strings.ReplaceAll(dep.Evidence.DepositReference, "-", ""), " ", ""), "EGSAME0001") ||
		!sameNames(orgNames(dep), names["bidder1"], names["bidder2"]) {
		t.Errorf("same deposit: %+v", dep)
	}
	near := by[flags.NearCeiling][0]
	if !sameNames(orgNames(near), names["bidder3"]) || len(near.Evidence.Prices) != 1 || near.Evidence.Prices[0].Ratio != "99.50%" ||
		near.Evidence.Prices[0].PriceText != "9,452,500.00" || near.Evidence.ThresholdBP != flags.DefaultPriceRatioBP || near.Evidence.CeilingText != "9,500,000.00" {
		t.Errorf("near the ceiling: %+v", near)
	}
	for _, f := range []flags.Flag{ip, file, dep} {
		if sameNames(orgNames(f), names["bidder3"]) || strings.Contains(strings.Join(orgNames(f), ","), names["bidder3"]) {
			t.Errorf("%s names bidder3: %+v", f.Kind, f)
		}
	}

	// The page shows the same, with links to the project and the lot.
	page = e.browser("supervisor").get("/supervision/flags?" + query)
	pb := page.Body.String()
	for _, text := range []string{names["bidder1"], names["bidder2"], sharedIP, hash, "99.50%", "99.00%",
		fmt.Sprintf(`href="/supervision/projects/%d"`, p.ID), fmt.Sprintf(`href="/supervision/projects/%d#lot-%d"`, p.ID, lot)} {
		if !strings.Contains(pb, text) {
			t.Errorf("the flags page does not show %q", text)
		}
	}
	// Its links open for the supervisor who sees them; the lot's anchor is
	// on the archive page.
	sup := e.browser("supervisor")
	if r := sup.get(fmt.Sprintf("/supervision/projects/%d", p.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), fmt.Sprintf(`id="lot-%d"`, lot)) {
		t.Errorf("the archive page behind the flag: %d", r.Code)
	}
	// The page filters by the project's code, which supervisors see.
	var code string
	if err := e.db.Get(&code, `SELECT code FROM trading_projects WHERE id = ?`, p.ID); err != nil {
		t.Fatal(err)
	}
	if r := sup.get("/supervision/flags?project=" + url.QueryEscape(code)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), hash) {
		t.Errorf("filter by the project's code: %d", r.Code)
	}
	if r := sup.get("/supervision/flags?project=NO-SUCH-CODE"); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "没有编号为") {
		t.Errorf("an unknown project code: %d", r.Code)
	}

	// Filters: a kind, and opening dates that leave the lot out.
	if rep, body = flagsOf(t, e, query+"&kind=same_file"); len(rep.Flags) != 1 || rep.Flags[0].Kind != flags.SameFile {
		t.Errorf("kind filter: %s", body)
	}
	if rep, body = flagsOf(t, e, query+"&from=2026-03-31&to=2026-04-30"); len(rep.Flags) != 0 || rep.Lots != 0 {
		t.Errorf("dates after the opening: %s", body)
	}
	if rep, body = flagsOf(t, e, query+"&from=2026-03-30&to=2026-03-30"); len(rep.Flags) != 4 {
		t.Errorf("the opening day: %s", body)
	}

	// Every read (API and page) is on the audit trail, with its filter;
	// the unknown project code was refused before reading.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'supervision.flags.read'`); n != reads+8 {
		t.Errorf("%d reads recorded, want %d", n-reads, 8)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'supervision.flags.read' AND project_id = ? AND actor = 'supervisor'`, p.ID); n != 8 {
		t.Errorf("%d reads recorded on the project", n)
	}
}

// TestFlagsCleanLot: three bidders from their own addresses, with their own
// files and deposits and prices well below the ceiling, give no flag.
func TestFlagsCleanLot(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("预警无异常测试工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-06 10:00"))
	ips := []string{"10.252.1.1", "10.252.1.2", "10.252.1.3"}
	for i, u := range []string{"bidder1", "bidder2", "bidder3"} {
		c := e.api(u)
		c.ip = ips[i]
		flagBid(t, e, c, lot, fmt.Sprintf("EG-CLEAN-%d-%s", lot, u), fmt.Sprintf("8,%d00,000.00", 5+i), "投标文件 "+u)
	}
	closeLots(t, e, "2026-03-30 09:30")
	rep, body := flagsOf(t, e, fmt.Sprintf("project_id=%d", p.ID))
	if rep.Lots != 2 || len(rep.Flags) != 0 {
		t.Errorf("clean lot: %d lots, flags %s", rep.Lots, body)
	}
	if r := e.browser("supervisor").get(fmt.Sprintf("/supervision/flags?project_id=%d", p.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "没有预警") {
		t.Errorf("clean lot page: %d", r.Code)
	}
}

// TestFlagsBadFilters: a filter that cannot be read is refused with its
// field, in the API and on the page.
func TestFlagsBadFilters(t *testing.T) {
	e := newEnv(t)
	sup := e.api("supervisor")
	for _, tc := range []struct{ query, field, code string }{
		{"kind=same_phone", "kind", "kind_unknown"},
		{"from=2026-02-30", "from", "date_invalid"},
		{"to=20260301", "to", "date_invalid"},
		{"from=1999-12-31", "from", "date_out_of_range"},
		{"from=2026-03-10&to=2026-03-01", "to", "date_range_invalid"},
		{"from=2024-01-01&to=2026-03-01", "to", "date_range_too_long"},
		{"project_id=abc", "project_id", "number_invalid"},
		{"project_id=0", "project_id", "number_invalid"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := sup.json("GET", "/api/v1/supervision/flags?"+tc.query, nil)
			if f := fieldErr(t, r, tc.field); f.Code != tc.code {
				t.Errorf("field %s: code %s, want %s", tc.field, f.Code, tc.code)
			}
		})
	}
	if r := e.browser("supervisor").get("/supervision/flags?kind=same_phone"); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "预警类型") {
		t.Errorf("bad kind on the page: %d %.500s", r.Code, r.Body.String())
	}
}

// TestFlagsUndecodableQuery: a filter whose value cannot be decoded
// ("%zz", a bare "%") is a 400, not dropped by the query parser so that
// every flag is shown as if filtered; a form body that cannot be decoded
// is a 400 too, not a 500 (found by an exploratory run).
func TestFlagsUndecodableQuery(t *testing.T) {
	e := newEnv(t)
	sup := e.api("supervisor")
	page := e.browser("supervisor")
	for _, q := range []string{"kind=%zz", "kind=same_ip&project_id=%", "from=2026-01-01&to=%E0%A"} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/supervision/flags", nil)
		req.URL.RawQuery = q
		req.Header.Set("Accept", "application/json")
		if r := sup.do(req); r.Code != http.StatusBadRequest || r.errorCode(t) != "request_malformed" {
			t.Errorf("API ?%s: %d %.300s", q, r.Code, r.Body.String())
		}
		req = httptest.NewRequest(http.MethodGet, "/supervision/flags", nil)
		req.URL.RawQuery = q
		if r := page.do(req); r.Code != http.StatusBadRequest || strings.Contains(r.Body.String(), `data-testid="flags-filter"`) {
			t.Errorf("page ?%s: %d", q, r.Code)
		}
	}
	adm := e.browser("admin")
	body := url.Values{csrfField: {adm.csrf()}}.Encode() + "&price_ratio_bp=99%&expert_repeats=3&rotation_lots=3"
	req := httptest.NewRequest(http.MethodPost, "/admin/flags/settings", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := adm.do(req); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "request_malformed") {
		t.Errorf("undecodable settings form: %d %.300s", r.Code, r.Body.String())
	}
}

// TestFlagsExpertAgency: the same five experts drawn (the whole pool of
// their region) for three projects of one agency within 12 months are
// flagged once each after the lots are opened; after two projects, or
// while the third lot is still open, they are not.
func TestFlagsExpertAgency(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 5, "GC03")
	var agency int64
	var lots []drawLot
	for i := 0; i < 3; i++ {
		st := e.api("staff") // a token lasts less than the days between the draws
		l := newDrawLot(t, e, agency)
		agency = l.agency
		lots = append(lots, l)
		body := drawBody(e, region, l, "GC03", 5, 0)
		body["agency_org_id"] = agency // the agency of the draw
		id := prepareDraw(t, st, body)
		if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", id), map[string]any{"sources": []string{fmt.Sprint(i + 1), "2 7 1 8"}}); r.Code != http.StatusOK {
			t.Fatalf("run draw %d: %d %s", i, r.Code, r.Body.String())
		}
		// The lot closes at its deadline (the timed job's part, written here).
		if i < 2 {
			if _, err := e.db.Exec(`UPDATE trading_lots SET status = 'closed', closed_at = ? WHERE id = ?`, e.clock.Now().UTC(), l.lot); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(72 * time.Hour) // the next session does not overlap
	}
	var agencyName string
	if err := e.db.Get(&agencyName, `SELECT name FROM organisations WHERE id = ?`, agency); err != nil {
		t.Fatal(err)
	}
	query := fmt.Sprintf("kind=expert_agency&project_id=%d", lots[0].project)
	if rep, body := flagsOf(t, e, query); len(rep.Flags) != 0 {
		t.Errorf("two opened projects (the third lot still open): %s", body)
	}
	if _, err := e.db.Exec(`UPDATE trading_lots SET status = 'closed', closed_at = ? WHERE id = ?`, e.clock.Now().UTC(), lots[2].lot); err != nil {
		t.Fatal(err)
	}
	rep, body := flagsOf(t, e, query)
	if len(rep.Flags) != 5 {
		t.Fatalf("%d flags, want one per expert: %s", len(rep.Flags), body)
	}
	experts := map[int64]bool{}
	for _, f := range rep.Flags {
		if f.Evidence.Count != 3 || f.Evidence.Agency == nil || f.Evidence.Agency.Name != agencyName || f.Evidence.Expert == nil || len(f.Lots) != 3 {
			t.Errorf("flag %+v", f)
			continue
		}
		experts[f.Evidence.Expert.ID] = true
	}
	if len(experts) != 5 {
		t.Errorf("experts flagged: %v", experts)
	}
	// Twelve months on, the draws are out of the last 12 months; the year
	// 2026, chosen, is still reviewed with the draws of its own 12 months.
	e.clock.Advance(366 * 24 * time.Hour)
	if rep, body = flagsOf(t, e, query); len(rep.Flags) != 0 {
		t.Errorf("a year later, the last 12 months: %s", body)
	}
	if rep, body = flagsOf(t, e, query+"&from=2026-01-01&to=2026-12-31"); len(rep.Flags) != 5 {
		t.Errorf("a year later, 2026 chosen: %s", body)
	}
}

// TestFlagsRotatingWinners: bidder3, bidder4 and bidder5 bid together on
// three lots and win one each, in turn: flagged once the results are
// published, not before.
func TestFlagsRotatingWinners(t *testing.T) {
	e := newEnv(t)
	users := []string{"bidder3", "bidder4", "bidder5"}
	var ps []createdProject
	for i := 0; i < 3; i++ {
		ps = append(ps, publishProject(t, e, uniqueTitle("轮流中标测试工程")))
	}
	e.clock.Set(sh("2026-03-09 10:00"))
	for _, p := range ps {
		for j, u := range users {
			// No deposit: a published result would list it for refund
			// among the other tests' refunds.
			flagBid(t, e, e.api(u), p.Lots[0], "", fmt.Sprintf("8,%d00,000.00", 5+j), fmt.Sprintf("投标文件 %d %s", p.Lots[0], u))
		}
	}
	closeLots(t, e, "2026-03-30 09:30")
	query := fmt.Sprintf("kind=rotating_winners&project_id=%d", ps[1].ID)
	if rep, body := flagsOf(t, e, query); len(rep.Flags) != 0 {
		t.Errorf("before the results: %s", body)
	}
	ag := e.api("agency")
	for i, p := range ps {
		lots := []map[string]any{{"lot_id": p.Lots[0], "winner": orgName(t, users[i]), "price": fmt.Sprintf("8,%d00,000.00", 5+i)}, {"lot_id": p.Lots[1]}}
		result := func() response {
			return ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{"lots": lots})
		}
		// The lot was opened in the system: no result before the award.
		if r := result(); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "award_not_issued") {
			t.Fatalf("result before the award: %d %s", r.Code, r.Body.String())
		}
		awardThroughEvaluation(t, e, p.Lots[0], orgName(t, users[i]))
		if r := result(); r.Code != http.StatusOK {
			t.Fatalf("result: %d %s", r.Code, r.Body.String())
		}
	}
	rep, body := flagsOf(t, e, query)
	if len(rep.Flags) != 1 {
		t.Fatalf("rotating winners: %s", body)
	}
	f := rep.Flags[0]
	if !sameNames(orgNames(f), orgName(t, "bidder3"), orgName(t, "bidder4"), orgName(t, "bidder5")) || len(f.Lots) != 3 || f.Evidence.Count != 3 {
		t.Errorf("flag %+v", f)
	}
	for i, l := range f.Lots {
		if l.LotID != ps[i].Lots[0] || l.Winner != orgName(t, users[i]) {
			t.Errorf("lot %d of the flag: %+v", i, l)
		}
	}

	// Fourteen months on, a supervisor reviewing the spring of 2026 sees
	// the rotation of the 12 months before the end of the dates chosen,
	// not of the 12 months before today (which hold none of these lots).
	e.clock.Set(sh("2027-06-01 10:00"))
	if rep, body := flagsOf(t, e, query); len(rep.Flags) != 0 {
		t.Errorf("the last 12 months, which hold none of the lots: %s", body)
	}
	rep, body = flagsOf(t, e, query+"&from=2026-03-01&to=2026-04-30")
	if len(rep.Flags) != 1 || rep.Flags[0].Evidence.Count != 3 {
		t.Fatalf("spring 2026 reviewed in 2027: %s", body)
	}
	if ev := rep.Flags[0].Evidence; !ev.Since.Equal(sh("2025-05-01 00:00")) || !ev.Until.Equal(sh("2026-05-01 00:00")) {
		t.Errorf("period of the flag: %v – %v, want the 12 months to 2026-04-30", ev.Since, ev.Until)
	}
	page := e.browser("supervisor").get("/supervision/flags?kind=rotating_winners&from=2026-03-01&to=2026-04-30&project_id=" + fmt.Sprint(ps[1].ID))
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "统计期间：2025-05-01 至 2026-04-30") {
		t.Errorf("flags page does not show the period: %d", page.Code)
	}
}

// TestFlagsManyLotsNewestKept: a window holding more opened lots than one
// read examines (trading.FlagLotCap) keeps the newest lots and says that
// older ones were left out, in the API, the page and the audit record. The
// read used to take the oldest lots and drop the newest without a word: a
// flag on a lot opened today vanished once the year held that many lots.
func TestFlagsManyLotsNewestKept(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("预警上限测试道路工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-05 10:00"))
	const sharedIP = "10.253.3.3"
	b1, b2, b3 := e.api("bidder1"), e.api("bidder2"), e.api("bidder3")
	b1.ip, b2.ip = sharedIP, sharedIP
	flagBid(t, e, b1, lot, "", "8,100,000.00", "上限测试文件一")
	flagBid(t, e, b2, lot, "", "8,200,000.00", "上限测试文件二")
	flagBid(t, e, b3, lot, "", "8,300,000.00", "上限测试文件三")
	closeLots(t, e, "2026-03-30 09:30")

	// A project whose FlagLotCap lots opened earlier in the month (the
	// timed job's part, written here; they have no bidders), removed again
	// so that the other tests' aggregates see the usual lots.
	now := e.clock.Now().UTC()
	res, err := e.db.Exec(`INSERT INTO trading_projects (kind, method, title, agency_org_id, locality, status, details, eligibility, signup_until, deadline, created_at, updated_at)
		VALUES ('engineering', 'open', ?, 0, '示范县', 'published', '{}', '[]', ?, ?, ?, ?)`, uniqueTitle("预警上限测试批量工程"), now, now, now, now)
	if err != nil {
		t.Fatal(err)
	}
	bulk, _ := res.LastInsertId()
	t.Cleanup(func() {
		e.db.Exec(`DELETE FROM trading_lots WHERE project_id = ?`, bulk)
		e.db.Exec(`DELETE FROM trading_projects WHERE id = ?`, bulk)
	})
	earlier := sh("2026-03-10 09:30").UTC()
	for start := 0; start < trading.FlagLotCap; start += 1000 {
		var vals []string
		var args []any
		for i := start; i < start+1000 && i < trading.FlagLotCap; i++ {
			vals = append(vals, "(?, ?, '批量标段', 100000000, '{}', 'closed', ?)")
			args = append(args, bulk, i+1, earlier)
		}
		if _, err := e.db.Exec(`INSERT INTO trading_lots (project_id, lot_no, name, price, details, status, closed_at) VALUES `+strings.Join(vals, ","), args...); err != nil {
			t.Fatal(err)
		}
	}

	query := "from=2026-03-01&to=2026-03-31"
	rep, body := flagsOf(t, e, query+"&kind=same_ip")
	found := false
	for _, f := range rep.Flags {
		found = found || (len(f.Lots) == 1 && f.Lots[0].LotID == lot && f.Evidence.IP == sharedIP)
	}
	if !found {
		t.Errorf("the newest lot's flag is missing when the window holds more than %d lots: %.600s", trading.FlagLotCap, body)
	}
	if !rep.Truncated || rep.Lots != trading.FlagLotCap || rep.LotCap != trading.FlagLotCap {
		t.Errorf("truncated %v, %d lots examined (cap %d): the answer must say that older lots were left out", rep.Truncated, rep.Lots, rep.LotCap)
	}
	if page := e.browser("supervisor").get("/supervision/flags?" + query); page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `data-testid="flags-truncated"`) {
		t.Errorf("the page does not say that older lots were left out: %d", page.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'supervision.flags.read' AND summary LIKE '%"truncated":true%'`); n != 2 {
		t.Errorf("%d truncated reads recorded, want 2", n)
	}
	// A window that holds fewer lots is not truncated (the aggregates, over
	// every lot of 12 months, would be).
	if rep, body = flagsOf(t, e, fmt.Sprintf("project_id=%d&kind=same_ip", p.ID)); rep.Truncated || rep.Lots != 2 || len(rep.Flags) != 1 {
		t.Errorf("one project's lots: %.400s", body)
	}
}

// TestFlagsNotOpenedLot: a lot with only two bids is not opened (不予开标,
// 实施条例 44) and returned for re-tendering; its bids' content is never
// read. The same address and the same deposit reference of its two bidders
// are flagged (they are not content), identical bid files are not: whether
// two files are the same is a statement about content nobody may judge.
func TestFlagsNotOpenedLot(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("预警不予开标测试工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-05 10:00"))
	const sharedIP = "10.254.4.4"
	b1, b2 := e.api("bidder1"), e.api("bidder2")
	b1.ip, b2.ip = sharedIP, sharedIP
	flagBid(t, e, b1, lot, "NO-OPEN-0001", "9,450,000.00", "未开标的同一份投标文件")
	flagBid(t, e, b2, lot, "NO-OPEN-0001", "9,460,000.00", "未开标的同一份投标文件")
	closeLots(t, e, "2026-03-30 09:30")
	if n := e.count(`SELECT COUNT(*) FROM evaluation_bids WHERE lot_id = ? AND unseal = 'not_opened'`, lot); n != 2 {
		t.Fatalf("%d bids not opened, want 2 (the opening should not open two bids)", n)
	}
	rep, body := flagsOf(t, e, fmt.Sprintf("project_id=%d", p.ID))
	by := flagsByKind(rep)
	if len(by[flags.SameIP]) != 1 || len(by[flags.SameDeposit]) != 1 {
		t.Errorf("same address and deposit of a lot not opened: %.600s", body)
	}
	if len(by[flags.SameFile]) != 0 || len(by[flags.NearCeiling]) != 0 {
		t.Errorf("a lot whose bids were not opened has content flags: %.800s", body)
	}
	if rep, body = flagsOf(t, e, fmt.Sprintf("project_id=%d&kind=same_file", p.ID)); len(rep.Flags) != 0 {
		t.Errorf("kind=same_file: %.600s", body)
	}
}

// awardThroughEvaluation brings an opened lot to its award as the
// evaluation would: the committee's ranking (the evaluation's own tests
// walk the committee's work through the terminals) puts winner first and
// the publicity has ended; then the agency awards through the API, which
// issues the 中标通知书.
func awardThroughEvaluation(t testing.TB, e *env, lot int64, winner string) {
	t.Helper()
	// The opening (idempotent): the deadline sweep may have left it to a
	// retry (two lots' openings meeting in a deadlock, say), which the
	// tests' clock, standing still, never reaches.
	if err := e.deps.Evaluation.StartOpening(audit.WithActor(context.Background(), audit.System), lot); err != nil {
		t.Fatalf("opening of lot %d: %v", lot, err)
	}
	for _, q := range []string{
		`INSERT INTO evaluation_results (lot_id, bid_id, qualified, total, rank_no, candidate)
			SELECT lot_id, id, 1, 100, 1, 1 FROM evaluation_bids WHERE lot_id = ? AND org_name = ?`,
		`UPDATE evaluation_lots SET state = 'publicity_ended' WHERE lot_id = ?`,
	} {
		args := []any{lot}
		if strings.HasPrefix(q, "INSERT") {
			args = append(args, winner)
		}
		if res, err := e.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("lot %d: %s changed %d rows", lot, strings.Fields(q)[0], n)
		}
	}
	if r := e.api("agency").json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/award", lot), nil); r.Code != http.StatusOK {
		t.Fatalf("award of lot %d: %d %s", lot, r.Code, r.Body.String())
	}
}
