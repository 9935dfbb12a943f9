package web

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestFlagsScaleTiming prints how long one read of the red flags takes over
// many opened lots of five bidders each (default 300 lots; the env variable
// FLAGS_SCALE_LOTS sets another even number). It measures and asserts
// nothing about the time; it runs only when FLAGS_SCALE_LOTS is set:
//
//	FLAGS_SCALE_LOTS=300 /tmp/trading-h13 db exec -- go test ./web/ -run FlagsScaleTiming -count=1 -v
func TestFlagsScaleTiming(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("FLAGS_SCALE_LOTS"))
	if n <= 0 {
		t.Skip("set FLAGS_SCALE_LOTS to measure")
	}
	e := newEnv(t)
	users := []string{"bidder1", "bidder2", "bidder3", "bidder4", "bidder5"}
	var ps []createdProject
	setup := time.Now()
	for len(ps)*2 < n {
		ps = append(ps, publishProject(t, e, uniqueTitle("预警规模测试工程")))
	}
	e.clock.Set(sh("2026-03-05 10:00"))
	clients := map[string]*client{}
	for i, u := range users {
		clients[u] = e.api(u)
		clients[u].ip = fmt.Sprintf("10.77.0.%d", i+1)
	}
	for _, p := range ps {
		for _, lot := range p.Lots {
			for j, u := range users {
				flagBid(t, e, clients[u], lot, fmt.Sprintf("SC-%d-%s", lot, u), fmt.Sprintf("8,%d00,000.00", 1+j), fmt.Sprintf("规模测试投标文件 %d %s", lot, u))
			}
		}
	}
	closeLots(t, e, "2026-03-30 09:30")
	ag := e.api("agency")
	for i, p := range ps {
		var lots []map[string]any
		for k, lot := range p.Lots {
			lots = append(lots, map[string]any{"lot_id": lot, "winner": orgName(t, users[(i+k)%len(users)]), "price": fmt.Sprintf("8,%d00,000.00", 1+(i+k)%len(users))})
		}
		if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{"lots": lots}); r.Code != http.StatusOK {
			t.Fatalf("result: %d %s", r.Code, r.Body.String())
		}
	}
	t.Logf("setup of %d lots × %d bidders: %v", len(ps)*2, len(users), time.Since(setup).Round(time.Millisecond))

	sup := e.api("supervisor")
	for _, q := range []string{"", "kind=same_ip", "kind=rotating_winners", "kind=expert_agency", fmt.Sprintf("project_id=%d", ps[0].ID)} {
		const reads = 5
		var best, total time.Duration
		var size int
		for i := 0; i < reads; i++ {
			start := time.Now()
			r := sup.json("GET", "/api/v1/supervision/flags?"+q, nil)
			d := time.Since(start)
			if r.Code != http.StatusOK {
				t.Fatalf("flags ?%s: %d %s", q, r.Code, r.Body.String())
			}
			size = r.Body.Len()
			total += d
			if best == 0 || d < best {
				best = d
			}
		}
		t.Logf("GET /api/v1/supervision/flags?%s: best %v, mean %v of %d reads, %d bytes", q, best.Round(time.Microsecond), (total / reads).Round(time.Microsecond), reads, size)
	}
	start := time.Now()
	if r := e.browser("supervisor").get("/supervision/flags"); r.Code != http.StatusOK {
		t.Fatalf("page: %d", r.Code)
	}
	t.Logf("GET /supervision/flags (page, login included): %v", time.Since(start).Round(time.Microsecond))
}
