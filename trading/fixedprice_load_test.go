package trading

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/problem"
)

// TestFixedPriceCloseSurge: 1,000 contractors apply at once across the
// close of the window; the fake clock is moved to the close instant while
// they run. Every client gets an answer, accepted + refused = 1,000, and no
// accepted application was written at or after the close. Counts are
// logged (-v) and recorded in docs/PERFORMANCE.md.
func TestFixedPriceCloseSurge(t *testing.T) {
	if testing.Short() {
		t.Skip("surge skipped in -short")
	}
	e := newFPEnv(t)
	sel := e.published(3)
	const clients = 1000
	e.clk.Set(sel.ApplyUntil.Add(-time.Second))
	ctxs := make([]context.Context, clients)
	var rows []string
	base := fpOrgSeq.Add(clients) * 1000
	for i := range clients {
		rows = append(rows, fmt.Sprintf("('承包商%d', '92%016d', 'bidder', 'active', '2026-01-01')", base+int64(i), base+int64(i)))
	}
	res, err := e.db.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES ` + strings.Join(rows, ","))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := res.LastInsertId()
	for i := range clients {
		ctxs[i] = audit.WithActor(context.Background(), audit.Actor{Username: "b", Role: "bidder", Roles: []string{"bidder"}, OrgID: first + int64(i)})
	}
	var accepted, refused, other atomic.Int64
	var started atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // 64 connections' worth of concurrent clients
	t0 := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			sem <- struct{}{}
			defer func() { <-sem }()
			if started.Add(1) == clients/2 {
				e.clk.Set(sel.ApplyUntil) // the close arrives mid-surge
			}
			_, err := e.s.Apply(ctxs[i], sel.ID, appInput(fmt.Sprintf("闽SURGE%06d", i)))
			switch {
			case err == nil:
				accepted.Add(1)
			case problem.Is(err, "fixedprice_window_closed"):
				refused.Add(1)
			default:
				other.Add(1)
				t.Errorf("client %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	late := e.count(`SELECT COUNT(*) FROM fixedprice_applications WHERE selection_id = ? AND created_at >= ?`, sel.ID, sel.ApplyUntil)
	stored := e.count(`SELECT COUNT(*) FROM fixedprice_applications WHERE selection_id = ?`, sel.ID)
	t.Logf("close surge: %d clients, accepted %d, refused %d, other %d, stored %d, late %d, %s (%.0f applications/s)",
		clients, accepted.Load(), refused.Load(), other.Load(), stored, late, elapsed.Round(time.Millisecond), float64(clients)/elapsed.Seconds())
	if accepted.Load()+refused.Load() != clients || late != 0 || int64(stored) != accepted.Load() || accepted.Load() == 0 || refused.Load() == 0 {
		t.Fatalf("accepted %d refused %d stored %d late %d", accepted.Load(), refused.Load(), stored, late)
	}
}
