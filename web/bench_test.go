package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"ggzy/accounts"
	"ggzy/audit"
)

// latencies collects request durations from parallel benchmark workers and
// reports p50/p99 next to ns/op.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	q := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(l.d))/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkLoginAPI: POST /api/v1/tokens with the production argon2id
// parameters, through the whole middleware stack, from parallel clients.
func BenchmarkLoginAPI(b *testing.B) {
	e := newEnv(b)
	e.deps.Accounts.Password = accounts.DefaultPasswordParams
	// Lockouts would turn the benchmark into a 429 benchmark.
	e.deps.Accounts.Throttle.MaxPerUser, e.deps.Accounts.Throttle.MaxPerIP = 1<<30, 1<<30
	name := fmt.Sprintf("bench%d", time.Now().UnixNano()%1e9)
	ctx := audit.WithActor(context.Background(), audit.System)
	if _, err := e.deps.Accounts.CreateUser(ctx, accounts.UserInput{Username: name, DisplayName: "压测", Roles: []string{clerk}, Password: testPassword}); err != nil {
		b.Fatal(err)
	}
	var lat latencies
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := e.anon()
		for pb.Next() {
			start := time.Now()
			r := c.json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": name, "password": testPassword})
			lat.add(time.Since(start))
			if r.Code != http.StatusCreated {
				b.Errorf("login: %d %s", r.Code, r.Body.String())
				return
			}
		}
	})
	lat.report(b)
}
