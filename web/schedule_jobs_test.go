package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"ggzy/clock"
	"ggzy/schedule"
	"ggzy/trading"
)

// Tests of the nightly statistics job and of the trading area's timed
// events (sign-up end, refunds falling due), run through the schedule
// engine with the env's fake clock.

// projectBody is a complete registration of kind whose timeline starts the
// day after the clock's day (Shanghai).
func projectBody(e *env, kind, title string) map[string]any {
	day := e.clock.Now().In(clock.Shanghai)
	at := func(days int, hm string) string { return day.AddDate(0, 0, days).Format("2006-01-02") + " " + hm }
	tl := map[string]string{"docs_from": at(1, "09:00"), "docs_until": at(10, "17:00"), "signup_until": at(18, "17:00"), "deadline": at(28, "09:30")}
	switch kind {
	case trading.Procurement:
		return map[string]any{
			"kind": "procurement", "method": "open", "title": title, "owner_name": "示范市教育局", "place": "第二开标室",
			"details":  map[string]string{"purchaser": "示范市教育局", "category": "货物"},
			"timeline": tl,
			"lots":     []map[string]any{{"name": "包1", "price": "2,000,000", "deposit": "40,000"}},
		}
	default:
		b := engineeringProject(title)
		b["timeline"] = tl
		return b
	}
}

// publishBody registers, accepts and publishes a project through the API.
func publishBody(t testing.TB, e *env, body map[string]any) createdProject {
	t.Helper()
	return publishAccepted(t, e, acceptedBody(t, e, body))
}

// closeAndAward closes the project's lots at its deadline and publishes
// the result with the given prices, one per lot.
func closeAndAward(t testing.TB, e *env, p createdProject, deadline time.Time, prices ...string) {
	t.Helper()
	e.clock.Set(deadline)
	for _, l := range p.Lots {
		if err := e.deps.Trading.CloseSubmissions(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	var lots []map[string]any
	for i, l := range p.Lots {
		// The first lot's bidders, where the tests signed up, include
		// bidder1; the others have none.
		winner := fmt.Sprintf("示范第%d建设集团有限公司", i+1)
		if i == 0 {
			winner = orgName(t, "bidder1")
		}
		lots = append(lots, map[string]any{"lot_id": l, "winner": winner, "price": prices[i]})
	}
	if r := e.api("agency").json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{"lots": lots}); r.Code != http.StatusOK {
		t.Fatalf("result: %d %s", r.Code, r.Body.String())
	}
}

// nextNight sets the clock to the next 03:00 (Shanghai) and sweeps.
func nextNight(t testing.TB, e *env, eng *schedule.Engine) string {
	t.Helper()
	now := e.clock.Now().In(clock.Shanghai)
	next := time.Date(now.Year(), now.Month(), now.Day(), 3, 0, 0, 0, clock.Shanghai)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	if _, err := eng.SweepOnce(context.Background()); err != nil { // schedules the occurrence
		t.Fatal(err)
	}
	e.clock.Set(next.UTC())
	if _, err := eng.SweepOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	return schedule.Occurrence(next)
}

func TestScheduleStatisticsNightlyJob(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Months no other test publishes in: the statistics are of the whole
	// database.
	e.clock.Set(sh("2029-05-07 09:00")) // Monday
	may1 := publishBody(t, e, projectBody(e, trading.Engineering, uniqueTitle("统计五月工程")))
	publishBody(t, e, projectBody(e, trading.Engineering, uniqueTitle("统计五月工程")))
	publishBody(t, e, projectBody(e, trading.Procurement, uniqueTitle("统计五月采购")))
	// A registration published late on 31 May in Shanghai (UTC still 31 May)
	// and one at 00:30 on 1 June in Shanghai (UTC: 31 May).
	e.clock.Set(sh("2029-05-31 23:30"))
	publishBody(t, e, projectBody(e, trading.Procurement, uniqueTitle("统计月末采购")))
	e.clock.Set(sh("2029-06-01 00:30"))
	publishBody(t, e, projectBody(e, trading.Engineering, uniqueTitle("统计六月工程")))
	// A draft never published counts nowhere.
	if r := e.api("agency").json("POST", "/api/v1/projects", projectBody(e, trading.Engineering, uniqueTitle("统计草稿工程"))); r.Code != http.StatusCreated {
		t.Fatalf("draft: %d", r.Code)
	}
	// The first May project gets its result in June: it counts in May, its
	// month of publication.
	closeAndAward(t, e, may1, sh("2029-06-04 09:30"), "9,100,000.00", "3,900,000")

	eng := schedule.NewEngine(e.db, e.clock, nil)
	if err := e.deps.Schedule.RegisterJobs(eng); err != nil {
		t.Fatal(err)
	}
	occ := nextNight(t, e, eng)
	var st struct {
		State string `db:"state"`
	}
	if err := e.db.Get(&st, `SELECT state FROM timed_events WHERE kind = ? AND target = ?`, schedule.KindStatistics, occ); err != nil || st.State != schedule.EventDone {
		t.Fatalf("statistics event %s: %+v %v", occ, st, err)
	}

	want := map[string]schedule.MonthlyTotal{
		"engineering 2029-05": {Projects: 2, AmountFen: 2 * 1_350_000_000, Results: 1, AwardedFen: 1_300_000_000},
		"procurement 2029-05": {Projects: 2, AmountFen: 2 * 200_000_000},
		"engineering 2029-06": {Projects: 1, AmountFen: 1_350_000_000},
	}
	check := func(when string) {
		t.Helper()
		var got struct {
			Monthly []schedule.MonthlyTotal `json:"monthly"`
			Runs    []schedule.StatisticsRun
		}
		r := e.api("staff").json("GET", "/api/v1/statistics/monthly", nil)
		if r.Code != http.StatusOK {
			t.Fatalf("%s: statistics API %d", when, r.Code)
		}
		r.decode(t, &got)
		seen := map[string]schedule.MonthlyTotal{}
		for _, m := range got.Monthly {
			if strings.HasPrefix(m.Month, "2029-") {
				k := m.Kind + " " + m.Month
				if _, dup := seen[k]; dup {
					t.Errorf("%s: %s twice", when, k)
				}
				m.Kind, m.Month = "", ""
				seen[k] = m
			}
		}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("%s: monthly totals\n got %v\nwant %v", when, seen, want)
		}
		if len(got.Runs) == 0 || got.Runs[0].Source != "trading" {
			t.Errorf("%s: runs %+v", when, got.Runs)
		}
	}
	check("after the nightly job")

	page := e.browser("staff").get("/schedule/statistics")
	body := page.Body.String()
	if page.Code != http.StatusOK {
		t.Fatalf("statistics page: %d", page.Code)
	}
	for _, s := range []string{`data-testid="statistics-engineering-2029-05"`, "建设工程招投标", "政府采购", "27,000,000.00", "13,000,000.00", "4,000,000.00"} {
		if !strings.Contains(body, s) {
			t.Errorf("statistics page lacks %s", s)
		}
	}

	// Running the job again — the same occurrence (a retry) or the next
	// night — counts nothing twice.
	if _, err := e.deps.Schedule.ComputeStatistics(ctx, occ); err != nil {
		t.Fatal(err)
	}
	check("after a second run of the same occurrence")
	occ2 := nextNight(t, e, eng)
	if occ2 == occ {
		t.Fatalf("same occurrence twice: %s", occ)
	}
	check("after the next night")
	if n := e.count(`SELECT COUNT(*) FROM statistics_runs WHERE occurrence IN (?, ?)`, occ, occ2); n != 2 {
		t.Errorf("runs recorded: %d", n)
	}
}

func TestScheduleAnnouncementPeriodEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := publishProject(t, e, uniqueTitle("报名截止测试工程"))
	target := fmt.Sprintf("project:%d", p.ID)
	var due time.Time
	if err := e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ?`, trading.SignupEndEvent, target); err != nil {
		t.Fatalf("sign-up end event: %v", err)
	}
	signupUntil := sh("2026-03-20 17:00")
	if !due.Equal(signupUntil) {
		t.Fatalf("due %v, want %v", due, signupUntil)
	}
	eng := schedule.NewEngine(e.db, e.clock, nil)
	eng.Handle(trading.SignupEndEvent, e.deps.Trading.HandleSignupEnd)
	annURL := fmt.Sprintf("/announcements/%d", p.AnnID)

	e.clock.Set(signupUntil.Add(-time.Second))
	if _, err := eng.SweepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// (A signed-in visitor: the anonymous page is cached for a moment.)
	if r := e.browser("bidder1").get(annURL); strings.Contains(r.Body.String(), "报名已截止") {
		t.Fatal("marked before the end of the sign-up period")
	}
	e.clock.Set(signupUntil)
	if _, err := eng.SweepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.browser("bidder1").get(annURL)
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="signup-closed"`) || !strings.Contains(r.Body.String(), "报名已截止") {
		t.Fatalf("announcement page after the sign-up end: %d", r.Code)
	}
	var pub trading.PublicProject
	e.anon().json("GET", fmt.Sprintf("/api/v1/announcements/%d", p.AnnID), nil).decode(t, &pub)
	if !pub.SignupClosedAt.Equal(signupUntil) || pub.SignupOpen {
		t.Errorf("API: closed at %v, open %v", pub.SignupClosedAt, pub.SignupOpen)
	}
	// Idempotent: a second run (a retry, a re-armed event) changes nothing.
	e.clock.Advance(time.Hour)
	if err := e.deps.Trading.HandleSignupEnd(ctx, target); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action = 'trading.project.signup_end'`, p.ID); n != 1 {
		t.Errorf("signup_end recorded %d times", n)
	}
	// The sign-up end comes before the opening: its event must not say how
	// many signed up (DOMAIN §2, sealed bids).
	var summary string
	if err := e.db.Get(&summary, `SELECT summary FROM audit_events WHERE project_id = ? AND action = 'trading.project.signup_end'`, p.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(summary, `"signups"`) {
		t.Errorf("the sign-up end's event counts the sign-ups before the opening: %s", summary)
	}
	var closedAt time.Time
	if err := e.db.Get(&closedAt, `SELECT signup_closed_at FROM trading_projects WHERE id = ?`, p.ID); err != nil || !closedAt.Equal(signupUntil) {
		t.Errorf("closed at %v (%v)", closedAt, err)
	}
	if err := e.deps.Trading.HandleSignupEnd(ctx, "lot:1"); err == nil {
		t.Error("bad target accepted")
	}
}

func TestScheduleRefundsFallingDue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := publishProject(t, e, uniqueTitle("退还到期测试工程"))
	var signups []int64
	for i, u := range []string{"bidder1", "bidder2"} {
		signups = append(signups, signUpAndDeposit(t, e, e.api(u), p.Lots[0], fmt.Sprintf("BT-DUE-%d-%d", p.ID, i)))
	}
	// Result on Monday 30 March; engineering refunds within 5 calendar days → 4 April.
	closeAndAward(t, e, p, sh("2026-03-30 15:00"), "9,100,000.00", "3,900,000")
	target := fmt.Sprintf("project:%d", p.ID)
	var due time.Time
	if err := e.db.Get(&due, `SELECT due_at FROM timed_events WHERE kind = ? AND target = ?`, trading.RefundDueEvent, target); err != nil {
		t.Fatalf("refund event: %v", err)
	}
	if want := sh("2026-04-04 00:00"); !due.Equal(want) {
		t.Fatalf("refund event due %v, want %v", due, want)
	}
	// One deposit is refunded in time.
	if r := e.api("staff").json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", signups[1]), map[string]string{"note": "已原路退回"}); r.Code != http.StatusNoContent {
		t.Fatalf("refund: %d %s", r.Code, r.Body.String())
	}
	eng := schedule.NewEngine(e.db, e.clock, nil)
	eng.Handle(trading.RefundDueEvent, e.deps.Trading.HandleRefundDue)
	e.clock.Set(due.Add(-time.Second))
	if _, err := eng.SweepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_refund_notices WHERE project_id = ?`, p.ID); n != 0 {
		t.Fatalf("listed before the due day: %d", n)
	}
	e.clock.Set(due)
	if _, err := eng.SweepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var notices struct {
		Notices []trading.RefundNotice `json:"notices"`
	}
	e.api("staff").json("GET", "/api/v1/refunds", nil).decode(t, &notices)
	var mine []trading.RefundNotice
	for _, n := range notices.Notices {
		if n.ProjectID == p.ID {
			mine = append(mine, n)
		}
	}
	if len(mine) != 1 || mine[0].Due != "2026-04-04" || mine[0].Signups != 1 || mine[0].AmountFen != 20_000_000 || mine[0].Open != 1 {
		t.Fatalf("notices: %+v", mine)
	}
	r := e.browser("staff").get("/staff/refunds")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="refund-notices"`) || !strings.Contains(r.Body.String(), "已到期") ||
		!strings.Contains(r.Body.String(), p.Code) {
		t.Fatalf("refunds page: %d", r.Code)
	}
	// Idempotent, and the notice goes once everything is refunded.
	if err := e.deps.Trading.HandleRefundDue(ctx, target); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action = 'trading.deposit.refund_due'`, p.ID); n != 1 {
		t.Errorf("refund_due recorded %d times", n)
	}
	if r := e.api("staff").json("POST", fmt.Sprintf("/api/v1/signups/%d/refund", signups[0]), map[string]string{"note": "逾期退回"}); r.Code != http.StatusNoContent {
		t.Fatalf("late refund: %d", r.Code)
	}
	if r := e.browser("staff").get("/staff/refunds"); strings.Contains(r.Body.String(), p.Code) {
		t.Error("a fully refunded project still listed")
	}
}
