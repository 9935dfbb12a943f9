package web

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkFlagsRead measures one read of the red flags over many opened
// and awarded lots of five bidders each (FLAGS_SCALE_LOTS, default 300; an
// even number: two lots a project), per filter. The setup (the lots, their
// sign-ups, bids, opening and results through the API) is not timed:
//
//	go run ./cmd/trading db exec -- go test ./web/ -run '^$' -bench BenchmarkFlagsRead -benchtime 20x
func BenchmarkFlagsRead(b *testing.B) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("FLAGS_SCALE_LOTS")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(b)
	users := []string{"bidder1", "bidder2", "bidder3", "bidder4", "bidder5"}
	var ps []createdProject
	setup := time.Now()
	for len(ps)*2 < n {
		ps = append(ps, publishProject(b, e, uniqueTitle("预警规模测试工程")))
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
				// Under both lots' ceilings (a bid above it is refused).
				flagBid(b, e, clients[u], lot, fmt.Sprintf("SC-%d-%s", lot, u), fmt.Sprintf("3,%d00,000.00", 1+j), fmt.Sprintf("规模测试投标文件 %d %s", lot, u))
			}
		}
	}
	closeLots(b, e, "2026-03-30 09:30")
	ag := e.api("agency")
	for i, p := range ps {
		var lots []map[string]any
		for k, lot := range p.Lots {
			winner := orgName(b, users[(i+k)%len(users)])
			awardThroughEvaluation(b, e, lot, winner)
			lots = append(lots, map[string]any{"lot_id": lot, "winner": winner, "price": fmt.Sprintf("3,%d00,000.00", 1+(i+k)%len(users))})
		}
		if r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/result", p.ID), map[string]any{"lots": lots}); r.Code != http.StatusOK {
			b.Fatalf("result: %d %s", r.Code, r.Body.String())
		}
	}
	b.Logf("setup of %d lots × %d bidders: %v", len(ps)*2, len(users), time.Since(setup).Round(time.Millisecond))

	sup := e.api("supervisor")
	for _, q := range []string{"", "kind=same_ip", "kind=rotating_winners", "kind=expert_agency", fmt.Sprintf("project_id=%d", ps[0].ID)} {
		name := q
		if name == "" {
			name = "all"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if r := sup.json("GET", "/api/v1/supervision/flags?"+q, nil); r.Code != http.StatusOK {
					b.Fatalf("flags ?%s: %d %s", q, r.Code, r.Body.String())
				}
			}
		})
	}
}
