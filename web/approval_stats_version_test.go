package web

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"ggzy/approval"
)

// TestApprovalStatisticsKeepTheItemVersion: a month's statistics count a
// case by the item version it was taken under (its case type and legal
// limit). Editing the items afterwards — a longer legal limit, a promised
// item made instant and an instant one made promised — leaves the month as
// it was.
func TestApprovalStatisticsKeepTheItemVersion(t *testing.T) {
	e := newEnv(t)
	w := newHallWorld(t, e)
	w.at("2026-03-02")
	promised, instant := w.item(approval.TypePromised), w.item(approval.TypeInstant)
	w.intake(instant)       // on the spot: 现场办结, no legal limit
	b := w.intake(promised) // decided two working days later: 1 − 2/20 = 90 % saved
	w.intake(promised)      // still in review
	w.at("2026-03-04")
	w.decide(b)

	stats := func() map[string]any {
		t.Helper()
		res := e.api("supervisor").get(fmt.Sprintf("/api/v1/approval/statistics?month=2026-03&dept_org_id=%d", w.dept))
		if res.Code != http.StatusOK {
			t.Fatalf("statistics: %d %s", res.Code, res.Body.String())
		}
		var raw struct {
			Departments []map[string]any `json:"departments"`
		}
		res.decode(t, &raw)
		if len(raw.Departments) != 1 {
			t.Fatalf("departments: %+v", raw.Departments)
		}
		return raw.Departments[0]
	}
	before := stats()
	want := map[string]float64{"received": 3, "finished": 2, "on_spot": 1, "speed_cases": 1, "speed_up_rate_bp": 9000, "on_spot_rate_bp": 5000}
	for k, v := range want {
		if before[k] != v {
			t.Fatalf("%s: %v, want %v (%+v)", k, before[k], v, before)
		}
	}

	edit := func(id int64, change func(in *approval.ItemInput)) {
		t.Helper()
		it, err := w.svc.Item(w.admin, id)
		if err != nil {
			t.Fatal(err)
		}
		in := approval.ItemInput{Code: it.Code, Name: it.Name, DeptOrgID: it.DeptOrgID, CaseType: it.CaseType, LegalBasis: it.LegalBasis,
			Conditions: it.Conditions, Materials: it.Materials, Procedure: it.Procedure, LegalDays: it.LegalDays, PromisedDays: it.PromisedDays}
		change(&in)
		if _, err := w.svc.UpdateItem(w.admin, id, in); err != nil {
			t.Fatalf("edit item %d: %v", id, err)
		}
	}
	w.at("2026-04-01")
	edit(promised, func(in *approval.ItemInput) { in.LegalDays = 30 })
	if after := stats(); !reflect.DeepEqual(after, before) {
		t.Fatalf("a longer legal limit rewrote March:\n%v\nwas\n%v", after, before)
	}
	edit(promised, func(in *approval.ItemInput) { in.CaseType, in.LegalDays, in.PromisedDays = approval.TypeInstant, 0, 0 })
	if after := stats(); !reflect.DeepEqual(after, before) {
		t.Fatalf("a promised item made instant rewrote March:\n%v\nwas\n%v", after, before)
	}
	edit(instant, func(in *approval.ItemInput) {
		in.CaseType, in.LegalDays, in.PromisedDays = approval.TypePromised, 20, 10
	})
	if after := stats(); !reflect.DeepEqual(after, before) {
		t.Fatalf("an instant item made promised rewrote March:\n%v\nwas\n%v", after, before)
	}
}
