package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ggzy/approval"
)

// 行政许可法 44 with 82: a decision is delivered within 10 working days of
// the day it was made. The date is stored at the decision, 电子监察 warns
// yellow as it nears and red once it has passed (once each, kind deliver),
// the window lists the cases awaiting delivery with it, and delivery ends
// the warning.
func TestApprovalDeliveryLimit(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	r := w.intake(w.item(approval.TypePromised))
	spot := w.intake(w.item(approval.TypeInstant)).Case // decided on the spot, Monday 2 March
	if spot.Status != approval.CaseDecided || spot.DeliverDueOn == nil || spot.DeliverDueOn.String() != "2026-03-16" {
		t.Fatalf("instant case: %s deliver by %v", spot.Status, spot.DeliverDueOn)
	}
	if err := w.svc.Deliver(w.clerk, spot.ID); err != nil {
		t.Fatal(err)
	}
	if r.Case.DeliverDueOn != nil {
		t.Fatalf("a case in review has a delivery limit: %v", r.Case.DeliverDueOn)
	}
	w.at("2026-03-04") // decided on Wednesday: deliver by Wednesday 18 March
	w.decide(r)
	clerkAPI := e.api("clerk")
	k := getCase(t, clerkAPI, r.Case.ID)
	if k.Status != approval.CaseDecided || k.DeliverDueOn == nil || k.DeliverDueOn.String() != "2026-03-18" {
		t.Fatalf("decided: %s deliver by %v", k.Status, k.DeliverDueOn)
	}

	// The window: the API and the page list it as awaiting delivery.
	var list struct{ Cases []approval.Case }
	clerkAPI.get("/api/v1/approval/cases?awaiting_delivery=1&q="+k.CaseNo).decode(t, &list)
	if len(list.Cases) != 1 || list.Cases[0].ID != k.ID || list.Cases[0].DeliverDueOn.String() != "2026-03-18" {
		t.Fatalf("awaiting delivery: %+v", list.Cases)
	}
	page := e.browser("clerk").get("/window/cases?all=1&q=" + k.CaseNo)
	body := page.Body.String()
	if page.Code != http.StatusOK || !strings.Contains(body, `data-testid="approval-awaiting-delivery"`) || !strings.Contains(body, "2026-03-18") {
		t.Fatalf("window page: %d %s", page.Code, body)
	}
	// The applicant sees the date too.
	res := e.anon().json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": k.CaseNo, "query_code": r.QueryCode})
	var pc approval.PublicCase
	res.decode(t, &pc)
	if pc.DeliverDueOn == nil || pc.DeliverDueOn.String() != "2026-03-18" {
		t.Fatalf("lookup: %s", res.Body.String())
	}

	// 电子监察: the cases of this world's department only (the sweep sees
	// the whole shared database).
	deliverWarnings := func() string {
		var out []string
		for _, wn := range w.warnings("supervisor") {
			if wn.Kind == approval.WarnDeliver {
				out = append(out, fmt.Sprintf("%s:%s:%s", wn.CaseNo, wn.Level, wn.DueOn))
			}
		}
		return strings.Join(out, ",")
	}
	raised := func() int {
		return e.count(`SELECT COUNT(*) FROM approval_warnings WHERE case_id = ? AND kind = 'deliver'`, k.ID)
	}
	for _, tc := range []struct {
		day      string
		warnings string
		raised   int
	}{
		{"2026-03-16", "", 0},
		{"2026-03-17", k.CaseNo + ":yellow:2026-03-18", 1}, // one working day left
		{"2026-03-18", k.CaseNo + ":yellow:2026-03-18", 1},
		{"2026-03-19", k.CaseNo + ":red:2026-03-18", 2},
		{"2026-03-20", k.CaseNo + ":red:2026-03-18", 2},
	} {
		w.at(tc.day)
		if got := w.monitor(); tc.raised > 0 && got.Deliver > 1 {
			t.Errorf("%s: raised %+v", tc.day, got)
		}
		if got := deliverWarnings(); got != tc.warnings {
			t.Errorf("%s: warnings %q, want %q", tc.day, got, tc.warnings)
		}
		if got := raised(); got != tc.raised {
			t.Errorf("%s: %d delivery warnings stored, want %d", tc.day, got, tc.raised)
		}
	}
	if ws := w.warnings(w.approver); len(ws) != 1 || ws[0].Kind != approval.WarnDeliver || ws[0].DaysOver != 2 {
		t.Errorf("the lead department sees %+v", ws)
	}
	mon := e.browser("supervisor").get(fmt.Sprintf("/approval/monitor?dept_org_id=%d", w.dept))
	if mon.Code != http.StatusOK || !strings.Contains(mon.Body.String(), "送达期限") || !strings.Contains(mon.Body.String(), k.CaseNo) {
		t.Errorf("monitor page: %d", mon.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'approval.warning' AND object_id = ? AND summary LIKE '%deliver%'`, fmt.Sprint(k.ID)); n != 2 {
		t.Errorf("%d audit events of the delivery warnings", n)
	}

	// Delivered late: recorded, and the warning no longer stands (it stays
	// on the record).
	if res := e.api("clerk").json(http.MethodPost, fmt.Sprintf("/api/v1/approval/cases/%d/deliver", k.ID), nil); res.Code != http.StatusOK {
		t.Fatalf("deliver: %d %s", res.Code, res.Body.String())
	}
	if got := deliverWarnings(); got != "" {
		t.Errorf("after delivery: %q", got)
	}
	if raised() != 2 {
		t.Error("the delivery warnings left the record")
	}
	e.api("clerk").get("/api/v1/approval/cases?awaiting_delivery=1&q="+k.CaseNo).decode(t, &list)
	if len(list.Cases) != 0 {
		t.Errorf("still awaiting delivery: %+v", list.Cases)
	}
	w.at("2026-03-23")
	w.monitor()
	if raised() != 2 {
		t.Error("a delivered case was warned again")
	}
}
