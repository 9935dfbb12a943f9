package expertpool

import (
	"context"
	"testing"

	"ggzy/audit"
	"ggzy/problem"
)

// The expert–agency flag's port names drawn experts: supervisors only,
// who see names on every draw; staff see them only on the draws they ran.
func TestAgencyDrawsForSupervisorsOnly(t *testing.T) {
	f := newFixture(t)
	for _, a := range []audit.Actor{
		{Username: "staff-test", Role: "staff", Roles: []string{"staff"}},
		{Username: "admin-test", Role: "admin", Roles: []string{"admin"}},
		{Username: "agency-test", Role: "agency", Roles: []string{"agency"}},
	} {
		if _, err := f.svc.AgencyDraws(audit.WithActor(context.Background(), a), []int64{1}); !problem.Is(err, "forbidden") {
			t.Errorf("%s: %v, want forbidden", a.Role, err)
		}
	}
	sup := audit.WithActor(context.Background(), audit.Actor{Username: "supervisor-test", Role: "supervisor", Roles: []string{"supervisor"}})
	if _, err := f.svc.AgencyDraws(sup, []int64{1}); err != nil {
		t.Fatalf("supervisor: %v", err)
	}
}
