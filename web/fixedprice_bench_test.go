package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/trading"
)

// BenchmarkFixedPriceDraw5000: the public draw of a selection with 5,000
// qualified applicants through the JSON API: freeze the pool (exclusion
// rules, pool document and hash, commitment), two witnesses' numbers, and
// the RFC 3797 draw with the result publication. One op is one whole draw;
// p50/p99 are reported per step and for the whole. Run with a fixed count:
//
//	go test ./web/ -run '^$' -bench FixedPriceDraw5000 -benchtime 20x
func BenchmarkFixedPriceDraw5000(b *testing.B) {
	const pool = 5000
	e := newEnv(b)
	var agencyOrg int64
	if err := e.db.Get(&agencyOrg, `SELECT org_id FROM users WHERE username = 'agency'`); err != nil {
		b.Fatal(err)
	}
	actx := audit.WithActor(context.Background(), audit.Actor{Username: "agency", Roles: []string{agency}, OrgID: agencyOrg})
	ids := make([]int64, b.N)
	for i := range b.N {
		in := trading.SelectionInput{Title: fmt.Sprintf("基准测试工程%d", i), OwnerName: "示范县住建局", GovernmentInvested: true, Funding: "财政",
			Site: "示范县", ApprovalNo: "基准", ControlPrice: "1,500,000.00", Rate: "5", ApplyUntil: "2026-03-09 17:00", Place: "抽取室",
			Eligibility: []string{"三级及以上资质"}}
		id, err := e.deps.FixedPrice.RegisterSelection(actx, in)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.deps.FixedPrice.PublishSelection(actx, id); err != nil {
			b.Fatal(err)
		}
		ids[i] = id
		for chunk := 0; chunk < pool; chunk += 1000 {
			var rows []string
			for j := chunk; j < chunk+1000; j++ {
				org := 50_000_000 + id*10_000 + int64(j)
				rows = append(rows, fmt.Sprintf("(%d, %d, '承包商%d', '93%016d', '三级', '安许', '经理', 'BM%d', 'qualified', '2026-03-03')", id, org, org, org, org))
			}
			if _, err := e.db.Exec(`INSERT INTO fixedprice_applications (selection_id, org_id, org_name, org_uscc, qualification, safety_licence,
				manager_name, manager_cert, status, created_at) VALUES ` + strings.Join(rows, ",")); err != nil {
				b.Fatal(err)
			}
		}
	}
	e.clock.Set(time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)) // after the 17:00 Beijing close
	st, sup := e.api("staff"), e.api("supervisor")
	var prep, wit, run, whole []time.Duration
	b.ResetTimer()
	for i := range b.N {
		base := fmt.Sprintf("/api/v1/fixedprice/selections/%d", ids[i])
		t0 := time.Now()
		if r := st.json("POST", base+"/draw/prepare", nil); r.Code != http.StatusOK {
			b.Fatalf("prepare: %d %s", r.Code, r.Body)
		}
		t1 := time.Now()
		for j, n := range []string{"3 1 4 1 5", "9 2 6"} {
			w := map[string]string{"name": []string{"王监督", "赵代表"}[j], "role": []string{"监督人员", "招标人代表"}[j], "numbers": n}
			if r := sup.json("POST", base+"/draw/witnesses", w); r.Code != http.StatusOK {
				b.Fatalf("witness: %d %s", r.Code, r.Body)
			}
		}
		t2 := time.Now()
		if r := st.json("POST", base+"/draw/run", nil); r.Code != http.StatusOK {
			b.Fatalf("run: %d %s", r.Code, r.Body)
		}
		t3 := time.Now()
		prep, wit, run, whole = append(prep, t1.Sub(t0)), append(wit, t2.Sub(t1)/2), append(run, t3.Sub(t2)), append(whole, t3.Sub(t0))
	}
	b.StopTimer()
	q := func(d []time.Duration, p float64) float64 {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[int(p*float64(len(s)-1)+0.5)].Microseconds()) / 1000
	}
	b.ReportMetric(q(prep, 0.5), "prepare-p50-ms")
	b.ReportMetric(q(prep, 0.99), "prepare-p99-ms")
	b.ReportMetric(q(wit, 0.99), "witness-p99-ms")
	b.ReportMetric(q(run, 0.5), "run-p50-ms")
	b.ReportMetric(q(run, 0.99), "run-p99-ms")
	b.ReportMetric(q(whole, 0.5), "draw-p50-ms")
	b.ReportMetric(q(whole, 0.99), "draw-p99-ms")
	// Every draw re-checks.
	var d struct {
		Draw struct {
			ID       int64
			PoolSize int `json:"pool_size"`
		}
	}
	e.anon().get(fmt.Sprintf("/api/v1/fixedprice/selections/%d/draw", ids[0])).decode(b, &d)
	if d.Draw.PoolSize != pool {
		b.Fatalf("pool of %d, want %d", d.Draw.PoolSize, pool)
	}
	var v trading.Verification
	e.anon().get(fmt.Sprintf("/api/v1/fixedprice/draws/%d/verify", d.Draw.ID)).decode(b, &v)
	if !v.OK {
		b.Fatalf("draw does not verify: %+v", v.Checks)
	}
}
