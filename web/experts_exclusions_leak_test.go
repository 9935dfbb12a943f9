package web

import (
	"fmt"
	"net/http"
	"testing"

	"ggzy/expertpool"
)

// TestExpertDrawExclusionsNameNoOtherCommittee: a draw for a session that
// overlaps another lot's excludes that lot's invited experts as booked;
// their ids named the other committee (through the expert register) to
// the staff preparing the second draw before its result was published.
// Staff see only the counts of such exclusions; supervisors see them by
// expert. With hide_names_until_signin, the staff's view of a
// supplementary draw lists no excluded members either (they are the
// committee).
func TestExpertDrawExclusionsNameNoOtherCommittee(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 11, "GC01")
	first := prepareDraw(t, st, drawBody(e, region, newDrawLot(t, e, 0), "GC01", 5, 0))
	mustOK(t, st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", first), map[string]any{"sources": []string{"4 8 15"}}))
	second := prepareDraw(t, st, drawBody(e, region, newDrawLot(t, e, 0), "GC01", 5, 0))

	var v struct {
		Excluded   map[string]int         `json:"excluded_by_reason"`
		Exclusions []expertpool.Exclusion `json:"exclusions"`
	}
	st.get(fmt.Sprintf("/api/v1/expert-draws/%d", second)).decode(t, &v)
	if v.Excluded["booked"] != 5 {
		t.Fatalf("booked exclusions %v, want 5", v.Excluded)
	}
	for _, x := range v.Exclusions {
		for _, r := range x.Reasons {
			if r == "booked" {
				t.Fatalf("staff see expert %d excluded as booked: another lot's committee member", x.ExpertID)
			}
		}
	}
	v.Exclusions = nil
	e.api("supervisor").get(fmt.Sprintf("/api/v1/expert-draws/%d", second)).decode(t, &v)
	if len(v.Exclusions) != 5 {
		t.Fatalf("supervisors see %d booked exclusions by expert, want 5", len(v.Exclusions))
	}

	// With names hidden until sign-in, a supplementary draw's excluded
	// (already drawn) experts are not listed for staff.
	keepSettings(t, e, "expertpool")
	if _, err := e.db.Exec(`DELETE FROM settings WHERE name = 'expertpool.hide_names_until_signin'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(`INSERT INTO settings (name, value, updated_at) VALUES ('expertpool.hide_names_until_signin', '1', NOW(6))`); err != nil {
		t.Fatal(err)
	}
	tokens := expertNotices.tokensFor(first)
	if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+tokens[0], map[string]any{"accept": false, "note": "出差"}); r.Code != http.StatusOK {
		t.Fatalf("decline: %d %s", r.Code, r.Body.String())
	}
	var sup int64
	if err := e.db.Get(&sup, `SELECT id FROM expert_draws WHERE parent_draw_id = ?`, first); err != nil {
		t.Fatal(err)
	}
	v.Exclusions = nil
	st.get(fmt.Sprintf("/api/v1/expert-draws/%d", sup)).decode(t, &v)
	if v.Excluded["already_drawn"] == 0 || len(v.Exclusions) != 0 {
		t.Fatalf("names hidden: staff see the supplementary draw's exclusions by expert: %v %v", v.Excluded, v.Exclusions)
	}
}
