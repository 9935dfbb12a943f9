package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
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

func resetChain(t testing.TB, x *sqlx.DB) {
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
		name    string
		tamper  string
		badSeq  int64
		code    string
		message string
	}{
		{"summary edited", `UPDATE audit_events SET summary = '{"n":999}' WHERE seq = 5`, 5, audit.BrokenHashMismatch, "第5号事件的内容与其哈希不符"},
		{"actor edited", `UPDATE audit_events SET actor = 'someone' WHERE seq = 3`, 3, audit.BrokenHashMismatch, "第3号事件的内容与其哈希不符"},
		{"time edited", `UPDATE audit_events SET occurred_at = '2020-01-01 00:00:00' WHERE seq = 7`, 7, audit.BrokenHashMismatch, "第7号事件"},
		{"row deleted", `DELETE FROM audit_events WHERE seq = 4`, 4, audit.BrokenSeqMissing, "第4号事件缺失"},
		{"first row of a page deleted", `DELETE FROM audit_events WHERE seq = 7`, 7, audit.BrokenSeqMissing, "第7号事件缺失"},
		{"last row deleted", `DELETE FROM audit_events WHERE seq = 10`, 10, audit.BrokenChainShort, "审计链只到第9号事件，链头记录为第10号"},
		{"hash recomputed for one row only", `UPDATE audit_events SET summary = '{}', hash = REPEAT('a', 64) WHERE seq = 6`, 6, audit.BrokenHashMismatch, "第6号事件"},
		{"hash recomputed, next row's link broken", `UPDATE audit_events SET prev_hash = REPEAT('b', 64) WHERE seq = 8`, 8, audit.BrokenPrevMismatch, "第8号事件记录的前一哈希与第7号事件的哈希不符"},
		{"head moved", `UPDATE audit_head SET hash = REPEAT('c', 64) WHERE id = 1`, 10, audit.BrokenHeadMismatch, "链头记录的哈希不符"},
	}
	// Pages of 3 put the altered rows at every place in a page.
	for _, page := range []int64{2000, 3} {
		restore := audit.SetVerifyPage(page)
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s, pages of %d", tt.name, page), func(t *testing.T) {
				resetChain(t, x)
				for i := 0; i < 10; i++ {
					record(t, x, now, i)
				}
				s := &audit.Sealer{DB: x, Clock: clock.NewFake(now), Log: slog.Default()}
				if _, err := s.SealAll(context.Background()); err != nil {
					t.Fatal(err)
				}
				if rep, err := audit.Verify(context.Background(), x, now); err != nil || !rep.OK() || rep.Events != 10 || rep.Message() != "" {
					t.Fatalf("before tampering: %+v %v", rep, err)
				}
				if _, err := x.Exec(tt.tamper); err != nil {
					t.Fatal(err)
				}
				rep, err := audit.Verify(context.Background(), x, now)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() || rep.BadSeq != tt.badSeq || rep.Code != tt.code || !strings.Contains(rep.Message(), tt.message) {
					t.Fatalf("got %+v (%s), want failure at seq %d, %s: %s", rep, rep.Message(), tt.badSeq, tt.code, tt.message)
				}
			})
		}
		restore()
	}
}

// sealingMeanwhile is the database as Verify sees it while the sealer
// goes on: before the first page is answered, more events are sealed.
type sealingMeanwhile struct {
	*sqlx.DB
	once func()
}

func (m *sealingMeanwhile) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if m.once != nil && strings.Contains(q, "seq BETWEEN") {
		m.once()
		m.once = nil
	}
	return m.DB.QueryContext(ctx, q, args...)
}

// Events sealed while Verify walks the chain are not a broken chain: the
// walk covers the chain up to the head it read first.
func TestVerifyWhileTheSealerGoesOn(t *testing.T) {
	x := dbtest.DB(t)
	resetChain(t, x)
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	s := &audit.Sealer{DB: x, Clock: clock.NewFake(now), Log: slog.Default()}
	for i := 0; i < 7; i++ {
		record(t, x, now, i)
	}
	if _, err := s.SealAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer audit.SetVerifyPage(3)()
	m := &sealingMeanwhile{DB: x, once: func() {
		for i := 0; i < 5; i++ {
			record(t, x, now, 100+i)
		}
		if _, err := s.SealAll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}}
	rep, err := audit.Verify(context.Background(), m, now)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Events != 7 || rep.HeadSeq != 7 {
		t.Fatalf("walk while sealing: %+v (%s)", rep, rep.Message())
	}
	if rep, err := audit.Verify(context.Background(), x, now); err != nil || !rep.OK() || rep.Events != 12 {
		t.Fatalf("next walk: %+v %v", rep, err)
	}
}

// The instance that takes the day's checkpoint walks the chain once and
// records the walk as the system's; later rounds of the same day do not.
func TestSealerWalksTheChainOnceADay(t *testing.T) {
	x := dbtest.DB(t)
	resetChain(t, x)
	if _, err := x.Exec(`DELETE FROM audit_verifications`); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC))
	for i := 0; i < 5; i++ {
		record(t, x, clk.Now(), i)
	}
	s := &audit.Sealer{DB: x, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), VerifyDaily: true}
	run := func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx, time.Millisecond) }()
		// Run walks in the background; wait for the walk, not a time.
		deadline := time.Now().Add(20 * time.Second)
		for {
			v, err := audit.LatestVerification(context.Background(), x)
			if err != nil {
				t.Fatal(err)
			}
			if v != nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done // Run waits for its walk
	}
	run()
	v, err := audit.LatestVerification(context.Background(), x)
	if err != nil || v == nil {
		t.Fatalf("no walk recorded: %v", err)
	}
	if !v.OK || v.Via != audit.ViaDaily || v.ByUser != audit.System.Username || v.Events < 5 || v.HeadHash == "" {
		t.Fatalf("daily walk: %+v", v)
	}
	var events int
	if err := x.Get(&events, `SELECT COUNT(*) FROM audit_events WHERE action = 'audit.verify' AND object_id = ?`, fmt.Sprint(v.ID)); err != nil || events != 1 {
		t.Fatalf("walk's audit event: %d %v", events, err)
	}
	run() // the same day: the checkpoint exists, no second walk
	var walks int
	if err := x.Get(&walks, `SELECT COUNT(*) FROM audit_verifications`); err != nil || walks != 1 {
		t.Fatalf("walks the same day: %d %v", walks, err)
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
