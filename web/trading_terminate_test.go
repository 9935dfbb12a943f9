package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/schedule"
)

// An agency terminates a published tender before its deadline (终止招标,
// 招标投标法实施条例 31): the 终止公告 is public, nothing more is taken,
// the deadline passes without an opening, the registered deposits are
// listed for refund, and the opening room is freed.
func TestAgencyTerminatesATenderBeforeTheDeadline(t *testing.T) {
	e := newEnv(t)
	title := uniqueTitle("终止招标测试工程")
	p := publishProject(t, e, title)
	p2 := publishProject(t, e, uniqueTitle("终止页面测试工程")) // terminated on the page, at the end
	staffAPI := e.api("staff")
	room, _ := scheduleRoom(t, staffAPI, schedule.KindOpening)
	if r := staffAPI.json(http.MethodPost, "/api/v1/bookings", map[string]any{"room_id": room, "project_id": p.ID, "event_kind": "opening",
		"title": "终止测试开标", "starts_at": "2026-03-30 09:30", "ends_at": "2026-03-30 11:00"}); r.Code != http.StatusCreated {
		t.Fatalf("book: %d %s", r.Code, r.Body.String())
	}
	e.clock.Set(sh("2026-03-09 10:00"))
	bid(t, e, "bidder1", p.Lots[0], "8,500,000.00")
	signUpAndDeposit(t, e, e.api("bidder2"), p.Lots[0], "EG-TERM-bidder2")

	ag := e.api("agency")
	terminate := func(c *client, reason string) response {
		return c.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/terminate", p.ID), map[string]any{"reason": reason})
	}
	if r := terminate(ag, "  "); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), `"field":"reason"`) {
		t.Fatalf("without a reason: %d %s", r.Code, r.Body.String())
	}
	if r := terminate(e.api("agency2"), "不是本单位的项目"); r.Code != http.StatusNotFound {
		t.Fatalf("another agency: %d", r.Code)
	}
	r := terminate(ag, "项目资金未落实，招标人决定终止招标")
	if r.Code != http.StatusOK {
		t.Fatalf("terminate: %d %s", r.Code, r.Body.String())
	}
	var res struct {
		Project     struct{ Status string }
		Termination struct {
			RefundDue string `json:"refund_due"`
			Deposits  int    `json:"deposits"`
		}
	}
	r.decode(t, &res)
	if res.Project.Status != "terminated" || res.Termination.Deposits != 2 || res.Termination.RefundDue != "2026-03-14" {
		t.Fatalf("termination: %+v", res)
	}
	if r := terminate(ag, "再次终止"); r.Code != http.StatusConflict {
		t.Fatalf("terminate twice: %d", r.Code)
	}

	// The public reads the notice; the tender no longer shows as open.
	anon := e.anon()
	list := anon.get("/announcements?type=termination&q=" + url.QueryEscape(title)).Body.String()
	if !strings.Contains(list, title+"终止公告") {
		t.Fatal("the 终止公告 is not on the portal")
	}
	if open := anon.get("/announcements?status=open&q=" + url.QueryEscape(title)).Body.String(); strings.Contains(open, title+"</a>") {
		t.Fatal("the terminated tender is still listed as open")
	}

	// Nothing more is taken.
	if r := e.api("bidder3").json(http.MethodPost, "/api/v1/signups", map[string]any{"lot_id": p.Lots[0], "declared": declaredAll()}); r.Code != http.StatusConflict || r.errorCode(t) != "project_terminated" {
		t.Fatalf("sign-up after the termination: %d %s", r.Code, r.Body.String())
	}

	// The opening room is free again.
	if n := e.count(`SELECT COUNT(*) FROM room_bookings WHERE project_id = ? AND state = 'booked'`, p.ID); n != 0 {
		t.Fatalf("%d bookings left", n)
	}

	// On the page: the form asks for the reason, then says what was done
	// (the second project).
	b := e.browser("agency")
	if page := b.get(fmt.Sprintf("/projects/%d", p2.ID)).Body.String(); !strings.Contains(page, `data-testid="terminate-form"`) {
		t.Fatal("the published project's page has no termination form")
	}
	if r := b.postForm(fmt.Sprintf("/agency/projects/%d/terminate", p2.ID), url.Values{"reason": {""}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "请填写终止的原因") {
		t.Fatalf("page without a reason: %d", r.Code)
	}
	r = b.postForm(fmt.Sprintf("/agency/projects/%d/terminate", p2.ID), url.Values{"reason": {"规划调整"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("terminate on the page: %d %s", r.Code, r.Body.String())
	}
	if page := b.get(r.Header().Get("Location")).Body.String(); !strings.Contains(page, "已终止") || strings.Contains(page, `data-testid="terminate-form"`) {
		t.Fatal("the page after the termination does not say so, or still offers it")
	}

	// The deadline passes: no close, no opening, nothing unsealed.
	closeLots(t, e, "2026-03-30 09:30")
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action IN ('trading.lot.close', 'trading.bids.unseal', 'evaluation.opening.start')`, p.ID); n != 0 {
		t.Fatalf("%d close or opening events after the termination", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_lots WHERE project_id = ? AND status = 'terminated'`, p.ID); n != len(p.Lots) {
		t.Fatalf("%d lots terminated, want %d", n, len(p.Lots))
	}
	// The sealed references are tied to the archive by the lots' termination.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action = 'trading.lot.terminate' AND summary LIKE '%sealed_refs%'`, p.ID); n != len(p.Lots) {
		t.Fatalf("%d lot termination events", n)
	}

	// Staff see both deposits to refund.
	var refunds []struct {
		ProjectID int64  `json:"project_id"`
		OrgName   string `json:"org_name"`
		Due       string `json:"due"`
	}
	rr := e.api("staff").get("/api/v1/refunds") // tokens do not outlive weeks of fake time
	var body struct {
		Refunds []struct {
			ProjectID int64  `json:"project_id"`
			OrgName   string `json:"org_name"`
			Due       string `json:"due"`
		} `json:"refunds"`
	}
	if rr.Code == http.StatusOK {
		rr.decode(t, &body)
		for _, x := range body.Refunds {
			if x.ProjectID == p.ID {
				refunds = append(refunds, x)
			}
		}
	}
	if len(refunds) != 2 || refunds[0].Due != "2026-03-14" {
		t.Fatalf("refunds of the terminated project: %d %+v (%s)", rr.Code, refunds, rr.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.project.terminate' AND project_id = ? AND actor = 'agency'`, p.ID); n != 1 {
		t.Fatal("termination not audited")
	}

}
