package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db"
	"ggzy/migrations"
	"ggzy/schedule"
)

func init() { scenarios["events"] = eventsScenario }

// eventsScenario measures the timed-event engine.
//
//   - lateness: n events due uniformly over spread, starting a few seconds
//     from now, run by `instances` engines (each with its own connection
//     pool, as separate servers would be) on the real clock; it reports the
//     lateness (due → handler start) percentiles and checks every event ran
//     exactly once.
//   - backlog: n events all overdue (due over the past hour) when the
//     engines start; it reports the time until the last one has run.
func eventsScenario(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	mode := fs.String("mode", "lateness", "lateness or backlog")
	n := fs.Int("n", 10000, "number of events")
	spread := fs.Duration("spread", 10*time.Minute, "lateness: the due times are spread over this long")
	instances := fs.Int("instances", 2, "engine instances")
	verbose := fs.Bool("v", false, "log the engines' messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	varDir := os.Getenv("TRADING_VAR")
	if varDir == "" {
		varDir = filepath.Join(db.ModuleRoot(), "var")
	}
	srv, err := db.OpenServer(ctx, os.Getenv("TRADING_TEST_DSN"), varDir, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "loadtest_events_" + hex.EncodeToString(b[:])
	if err := srv.CreateDatabase(ctx, name); err != nil {
		return err
	}
	defer func() {
		if err := srv.DropDatabase(context.Background(), name); err != nil {
			fmt.Fprintln(os.Stderr, "drop", name+":", err)
		}
	}()
	setup, err := db.Open(ctx, srv.Config(name))
	if err != nil {
		return err
	}
	defer setup.Close()
	if err := db.Migrate(ctx, setup, migrations.FS, nil); err != nil {
		return err
	}

	const kind = "loadtest.noop"
	now := time.Now().UTC()
	due := make([]time.Time, *n)
	for i := range due {
		switch *mode {
		case "lateness":
			due[i] = now.Add(5*time.Second + time.Duration(mrand.Int64N(int64(*spread))))
		case "backlog":
			due[i] = now.Add(-time.Duration(mrand.Int64N(int64(time.Hour))))
		default:
			return fmt.Errorf("mode %q: want lateness or backlog", *mode)
		}
	}
	if err := insertEvents(ctx, setup, kind, due, now); err != nil {
		return err
	}

	var mu sync.Mutex
	calls := map[string]int{}
	var lateness []time.Duration
	perInstance := map[string]int{}
	done := make(chan struct{})
	var finished time.Time
	handler := func(ctx context.Context, target string) error {
		mu.Lock()
		defer mu.Unlock()
		calls[target]++
		if len(calls) == *n && finished.IsZero() {
			finished = time.Now()
			close(done)
		}
		return nil
	}
	var engines []*schedule.Engine
	for i := range *instances {
		x, err := db.Open(ctx, srv.Config(name))
		if err != nil {
			return err
		}
		defer x.Close()
		e := schedule.NewEngine(x, clock.Real{}, log)
		e.ID = fmt.Sprintf("instance-%d", i+1)
		e.Handle(kind, handler)
		id := e.ID
		e.OnStart = func(ev schedule.Event, at time.Time) {
			mu.Lock()
			lateness = append(lateness, at.Sub(ev.DueAt))
			perInstance[id]++
			mu.Unlock()
		}
		engines = append(engines, e)
	}
	fmt.Printf("events: mode %s, %d events, %d instances, GOMAXPROCS %d, %s\n", *mode, *n, *instances, runtime.GOMAXPROCS(0), time.Now().Format(time.RFC3339))
	started := time.Now()
	for _, e := range engines {
		if err := e.Start(ctx); err != nil {
			return err
		}
	}
	timeout := 2 * time.Minute
	if *mode == "lateness" {
		timeout += *spread
	}
	select {
	case <-done:
	case <-time.After(timeout):
		fmt.Println("timed out")
	case <-ctx.Done():
	}
	for _, e := range engines {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = e.Stop(sctx)
		cancel()
	}

	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for _, c := range calls {
		if c != 1 {
			dups++
		}
	}
	var notDone int
	if err := setup.GetContext(context.Background(), &notDone, `SELECT COUNT(*) FROM timed_events WHERE state <> 'done'`); err != nil {
		return err
	}
	fmt.Printf("ran %d of %d events; events run more than once: %d; not marked done: %d; per instance %v\n", len(calls), *n, dups, notDone, perInstance)
	switch *mode {
	case "lateness":
		slices.Sort(lateness)
		fmt.Printf("lateness (due → handler start): p50 %s  p90 %s  p99 %s  max %s  (min %s)\n",
			pct(lateness, 50), pct(lateness, 90), pct(lateness, 99), lateness[len(lateness)-1].Round(time.Millisecond), lateness[0].Round(time.Millisecond))
	case "backlog":
		if finished.IsZero() {
			finished = time.Now()
		}
		fmt.Printf("backlog of %d overdue events worked off in %s (%.0f events/s)\n", *n, finished.Sub(started).Round(time.Millisecond),
			float64(*n)/finished.Sub(started).Seconds())
	}
	return nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)].Round(time.Millisecond)
}

// insertEvents writes the events in multi-row INSERTs.
func insertEvents(ctx context.Context, x *sqlx.DB, kind string, due []time.Time, now time.Time) error {
	const per = 500
	for from := 0; from < len(due); from += per {
		to := min(from+per, len(due))
		var sb strings.Builder
		args := make([]any, 0, (to-from)*6)
		sb.WriteString(`INSERT INTO timed_events (kind, target, due_at, state, attempts, next_attempt_at, created_at, updated_at) VALUES `)
		for i := from; i < to; i++ {
			if i > from {
				sb.WriteString(",")
			}
			sb.WriteString("(?, ?, ?, 'pending', 0, ?, ?, ?)")
			args = append(args, kind, fmt.Sprintf("e%06d", i), due[i], due[i], now, now)
		}
		if _, err := x.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	return nil
}
