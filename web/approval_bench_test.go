package web

import (
	"net/http"
	"testing"
)

// BenchmarkApprovalHall measures the hall's two busiest requests through
// the API (in process, as the other web benchmarks): a window's intake of a
// complete joint case (accepted at once: due dates in working days, two
// department steps, their timed events, the audit event, sealing the ID
// number and phone) and the public lookup with the case number and query
// code. A city hall takes 2,500 – 5,600 cases a month (DOMAIN.md §7):
//
//	go run ./cmd/trading db exec -- go test ./web/ -run '^$' -bench BenchmarkApprovalHall -benchtime 200x
func BenchmarkApprovalHall(b *testing.B) {
	e := newEnv(b)
	e.clock.Set(shanghai9("2026-03-02"))
	zj, gh := hallDepts(b, e)
	it := createItem(b, e, jointItem(zj, gh))
	clerk := e.api("clerk")
	var last struct{ no, code string }
	b.Run("intake", func(b *testing.B) {
		for b.Loop() {
			rc := intake(b, clerk, caseBody(it.ID, 1, 2))
			last.no, last.code = rc.Case.CaseNo, rc.QueryCode
		}
	})
	anon := e.anon()
	b.Run("lookup", func(b *testing.B) {
		for b.Loop() {
			if r := anon.json(http.MethodPost, "/api/v1/approval/lookup", map[string]string{"case_no": last.no, "query_code": last.code}); r.Code != http.StatusOK {
				b.Fatalf("lookup: %d %s", r.Code, r.Body.String())
			}
		}
	})
}
