package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/db/dbtest"
)

// BenchmarkVerify walks a chain of 200,000 sealed events (about what a
// city centre's trading and approval hall write in two to four months),
// as every archive export and the supervisors' check do:
// `go run ./cmd/trading db exec -- go test ./audit -run '^$' -bench BenchmarkVerify -benchtime 3x`.
// The events are written already chained, in multi-row INSERTs, so that
// the setup takes seconds; their summaries are of the usual size.
func BenchmarkVerify(b *testing.B) {
	const n = 200_000
	x := dbtest.DB(b)
	resetChain(b, x)
	ctx := context.Background()
	start := time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)
	prev := audit.Genesis
	const batch = 1000
	for from := 1; from <= n; from += batch {
		var q strings.Builder
		q.WriteString(`INSERT INTO audit_events (id, seq, occurred_at, actor_user_id, actor, role, org_id, ip, action, object_type, object_id, project_id, summary, prev_hash, hash, sealed_at) VALUES `)
		args := make([]any, 0, 16*batch)
		for i := from; i < from+batch && i <= n; i++ {
			r := audit.Row{ID: int64(i), OccurredAt: start.Add(time.Duration(i) * time.Second), ActorUserID: sql.NullInt64{Int64: int64(i%40 + 1), Valid: true},
				Actor: fmt.Sprintf("user%02d", i%40), Role: "staff", OrgID: sql.NullInt64{Int64: int64(i%7 + 1), Valid: true}, IP: "10.0.3.17",
				Action: "trading.project.update", ObjectType: "project", ObjectID: fmt.Sprint(i % 3000), ProjectID: sql.NullInt64{Int64: int64(i%3000 + 1), Valid: true},
				Summary: fmt.Sprintf(`{"code":"GC-2026-%04d","title":"示范市第%d号道路改造工程施工","fields":["title","budget","lots"],"n":%d}`, i%3000, i%3000, i)}
			h := audit.HashOf(prev, &r, int64(i))
			if i > from {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, r.ID, i, r.OccurredAt, r.ActorUserID.Int64, r.Actor, r.Role, r.OrgID.Int64, r.IP, r.Action, r.ObjectType, r.ObjectID,
				r.ProjectID.Int64, r.Summary, prev, h, r.OccurredAt)
			prev = h
		}
		if _, err := x.ExecContext(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := x.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, n, prev); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := audit.Verify(ctx, x, start.Add(n*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() || rep.Events != n {
			b.Fatalf("verify: %+v", rep)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
