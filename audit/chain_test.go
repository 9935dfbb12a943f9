package audit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func resetChain(t *testing.T, x *sqlx.DB) {
	t.Helper()
	for _, q := range []string{
		`DELETE FROM audit_events`,
		`DELETE FROM audit_checkpoints`,
		`UPDATE audit_head SET seq = 0, hash = '` + audit.Genesis + `' WHERE id = 1`,
	} {
		if _, err := x.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func record(t testing.TB, x *sqlx.DB, now time.Time, i int) {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{UserID: 0, Username: fmt.Sprintf("u%d", i%8), Role: "staff", IP: "127.0.0.1"})
	err := db.Transact(ctx, x, nil, func(tx *sqlx.Tx) error {
		return audit.Record(ctx, tx, now, audit.Event{Action: "test.write", ObjectType: "thing", ObjectID: fmt.Sprint(i), Summary: map[string]any{"n": i, "名称": "测试"}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Writers and two sealers run at once; the chain must come out whole and
// cover every event exactly once.
func TestConcurrentWritersAndSealersKeepOneChain(t *testing.T) {
	x := dbtest.DB(t)
	resetChain(t, x)
	clk := clock.NewFake(time.Date(2026, 3, 2, 1, 0, 0, 123456789, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var sealers sync.WaitGroup
	for i := 0; i < 2; i++ {
		s := &audit.Sealer{DB: x, Clock: clk, Log: log, Batch: 7}
		sealers.Add(1)
		go func() { defer sealers.Done(); s.Run(ctx, 5*time.Millisecond) }()
	}
	var writers sync.WaitGroup
	const perWriter = 40
	for w := 0; w < 8; w++ {
		writers.Add(1)
		go func(w int) {
			defer writers.Done()
			for i := 0; i < perWriter; i++ {
				record(t, x, clk.Now(), w*1000+i)
			}
		}(w)
	}
	writers.Wait()
	cancel()
	sealers.Wait()
	if _, err := (&audit.Sealer{DB: x, Clock: clk, Log: log}).SealAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(context.Background(), x, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("chain broken: %+v", rep)
	}
	// The sealers also took the day's checkpoint (once between them), an
	// event of its own.
	var checkpoints int64
	if err := x.Get(&checkpoints, `SELECT COUNT(*) FROM audit_events WHERE action = 'audit.checkpoint'`); err != nil {
		t.Fatal(err)
	}
	if want := 8*perWriter + checkpoints; checkpoints > 1 || rep.Events != want || rep.HeadSeq != want {
		t.Fatalf("sealed %d events, head %d; want %d (%d checkpoints)", rep.Events, rep.HeadSeq, want, checkpoints)
	}
}

func TestVerifyNamesTheFirstAlteredEvent(t *testing.T) {
	x := dbtest.DB(t)
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		tamper string
		badSeq int64
	}{
		{"summary edited", `UPDATE audit_events SET summary = '{"n":999}' WHERE seq = 5`, 5},
		{"actor edited", `UPDATE audit_events SET actor = 'someone' WHERE seq = 3`, 3},
		{"time edited", `UPDATE audit_events SET occurred_at = '2020-01-01 00:00:00' WHERE seq = 7`, 7},
		{"row deleted", `DELETE FROM audit_events WHERE seq = 4`, 4},
		{"last row deleted", `DELETE FROM audit_events WHERE seq = 10`, 10},
		{"hash recomputed for one row only", `UPDATE audit_events SET summary = '{}', hash = REPEAT('a', 64) WHERE seq = 6`, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resetChain(t, x)
			for i := 0; i < 10; i++ {
				record(t, x, now, i)
			}
			s := &audit.Sealer{DB: x, Clock: clock.NewFake(now), Log: slog.Default()}
			if _, err := s.SealAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			if rep, err := audit.Verify(context.Background(), x, now); err != nil || !rep.OK() {
				t.Fatalf("before tampering: %+v %v", rep, err)
			}
			if _, err := x.Exec(tt.tamper); err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Verify(context.Background(), x, now)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || rep.BadSeq != tt.badSeq {
				t.Fatalf("got %+v, want failure at seq %d", rep, tt.badSeq)
			}
		})
	}
}

// BenchmarkAppend measures audit appends (each its own transaction: BEGIN,
// INSERT, COMMIT) from 8 concurrent writers, with and without the sealer
// running, next to a plain autocommitted single-row INSERT into the same
// database from 8 writers: `make bench`.
func BenchmarkAppend(b *testing.B) {
	x := dbtest.DB(b)
	now := time.Now().UTC()
	b.Run("audit", func(b *testing.B) {
		b.SetParallelism(4) // 4 × GOMAXPROCS(2) = 8 writers on this machine
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				record(b, x, now, i)
			}
		})
	})
	b.Run("audit-with-sealer", func(b *testing.B) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		s := &audit.Sealer{DB: x, Clock: clock.Real{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		go func() { defer close(done); s.Run(ctx, 50*time.Millisecond) }()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				record(b, x, now, i)
			}
		})
		b.StopTimer()
		cancel()
		<-done
	})
	if _, err := x.Exec(`CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL, at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`); err != nil {
		b.Fatal(err)
	}
	// A single-row INSERT, autocommitted: one round trip, no transaction.
	b.Run("raw-insert", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := x.Exec(`INSERT INTO bench_raw (v, at) VALUES (?, ?)`, "x", now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
