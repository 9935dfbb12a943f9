package schedule

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// t0 is 10:00 on Monday 2 March 2026 in Shanghai.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

func testEngine(t testing.TB, x *sqlx.DB, clk clock.Clock, id string) *Engine {
	t.Helper()
	e := NewEngine(x, clk, nil)
	e.ID = id
	return e
}

// schedule puts events (kind, target) due at the given times.
func scheduleEvents(t testing.TB, x *sqlx.DB, kind string, due map[string]time.Time, now time.Time) {
	t.Helper()
	for target, d := range due {
		if err := At(context.Background(), x, kind, target, d, now); err != nil {
			t.Fatal(err)
		}
	}
}

func eventState(t testing.TB, x *sqlx.DB, kind, target string) Event {
	t.Helper()
	var ev Event
	if err := x.Get(&ev, `SELECT `+eventColumns+` FROM timed_events WHERE kind = ? AND target = ?`, kind, target); err != nil {
		t.Fatalf("event %s %s: %v", kind, target, err)
	}
	return ev
}

func sweep(t testing.TB, e *Engine) SweepResult {
	t.Helper()
	res, err := e.SweepOnce(context.Background())
	if err != nil {
		t.Fatalf("sweep %s: %v", e.ID, err)
	}
	return res
}

// Events that fell due while every instance was down run at start-up, in due
// order, each once.
func TestEngineCatchUpAfterDowntime(t *testing.T) {
	x := dbtest.DB(t)
	clk := clock.NewFake(t0)
	const kind = "test.catchup"
	due := map[string]time.Time{}
	var want []string
	for i := range 40 {
		target := fmt.Sprintf("t%02d", i)
		// Due between 3 days and 1 minute ago, scheduled in random order.
		due[target] = t0.Add(-72 * time.Hour).Add(time.Duration(i) * 107 * time.Minute)
		want = append(want, target)
	}
	due["future"] = t0.Add(time.Hour)
	scheduleEvents(t, x, kind, due, t0.Add(-96*time.Hour))

	e := testEngine(t, x, clk, "restarted")
	e.Workers = 1 // strictly sequential, so the start order is observable
	e.Batch = 7   // several batches
	var mu sync.Mutex
	var got []string
	e.Handle(kind, func(ctx context.Context, target string) error {
		mu.Lock()
		got = append(got, target)
		mu.Unlock()
		return nil
	})
	res := sweep(t, e)
	if res.Claimed != 40 || res.Succeeded != 40 {
		t.Fatalf("catch-up: %+v, want 40 claimed and run", res)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("run order\n got %v\nwant %v", got, want)
	}
	if ev := eventState(t, x, kind, "future"); ev.State != EventPending {
		t.Fatalf("future event %s, want pending", ev.State)
	}
	if ev := eventState(t, x, kind, "t00"); ev.State != EventDone || !ev.FinishedAt.Valid {
		t.Fatalf("t00: %+v", ev)
	}
	if res := sweep(t, e); res.Claimed != 0 {
		t.Fatalf("second sweep ran %d events again", res.Claimed)
	}
}

// Two instances sweeping one database at the same time run each of 1,000
// events exactly once.
func TestEngineTwoInstancesRunEachEventOnce(t *testing.T) {
	x := dbtest.DB(t)
	clk := clock.NewFake(t0)
	const kind = "test.twoinstances"
	due := map[string]time.Time{}
	for i := range 1000 {
		due[fmt.Sprintf("e%04d", i)] = t0.Add(time.Duration(rand.IntN(100_000)) * time.Millisecond)
	}
	scheduleEvents(t, x, kind, due, t0)

	var mu sync.Mutex
	calls := map[string]int{}
	handler := func(ctx context.Context, target string) error {
		mu.Lock()
		calls[target]++
		mu.Unlock()
		return nil
	}
	a, b := testEngine(t, x, clk, "a"), testEngine(t, x, clk, "b")
	a.Batch, b.Batch = 16, 16
	a.Handle(kind, handler)
	b.Handle(kind, handler)
	var claimedA, claimedB int
	for step := 0; step <= 105; step++ {
		var wg sync.WaitGroup
		var ra, rb SweepResult
		var ea, eb error
		wg.Add(2)
		go func() { defer wg.Done(); ra, ea = a.SweepOnce(context.Background()) }()
		go func() { defer wg.Done(); rb, eb = b.SweepOnce(context.Background()) }()
		wg.Wait()
		if err := errors.Join(ea, eb); err != nil {
			t.Fatal(err)
		}
		claimedA += ra.Claimed
		claimedB += rb.Claimed
		clk.Advance(time.Second)
	}
	if len(calls) != 1000 {
		t.Fatalf("%d of 1000 events ran", len(calls))
	}
	for target, n := range calls {
		if n != 1 {
			t.Errorf("event %s ran %d times", target, n)
		}
	}
	if claimedA+claimedB != 1000 {
		t.Errorf("claimed %d + %d, want 1000 in all", claimedA, claimedB)
	}
	var notDone int
	if err := x.Get(&notDone, `SELECT COUNT(*) FROM timed_events WHERE kind = ? AND state <> 'done'`, kind); err != nil {
		t.Fatal(err)
	}
	if notDone != 0 {
		t.Errorf("%d events not done", notDone)
	}
	t.Logf("instance a ran %d, b ran %d", claimedA, claimedB)
}

// The submission deadline runs exactly at its boundary: not a microsecond
// before, and once at it.
func TestEngineDeadlineBoundary(t *testing.T) {
	x := dbtest.DB(t)
	deadline := time.Date(2026, 3, 20, 1, 30, 0, 0, time.UTC) // 09:30 Shanghai
	clk := clock.NewFake(deadline.Add(-time.Microsecond))
	const kind = "trading.submission_deadline"
	scheduleEvents(t, x, kind, map[string]time.Time{"lot:77": deadline}, deadline.Add(-240*time.Hour))
	var closedAt []time.Time
	e := testEngine(t, x, clk, "boundary")
	e.Handle(kind, func(ctx context.Context, target string) error {
		if target != "lot:77" {
			t.Errorf("target %q", target)
		}
		closedAt = append(closedAt, clk.Now())
		return nil
	})
	if res := sweep(t, e); res.Claimed != 0 || len(closedAt) != 0 {
		t.Fatalf("ran 1µs before the deadline: %+v", res)
	}
	clk.Set(deadline)
	sweep(t, e)
	clk.Advance(time.Second)
	sweep(t, e)
	if len(closedAt) != 1 || !closedAt[0].Equal(deadline) {
		t.Fatalf("closed at %v, want once at %v", closedAt, deadline)
	}
}

// A failing handler is retried with exponential backoff, then the event is
// marked failed; staff can re-arm it.
func TestEngineRetriesWithBackoffThenFails(t *testing.T) {
	x := dbtest.DB(t)
	clk := clock.NewFake(t0)
	const kind = "test.retry"
	scheduleEvents(t, x, kind, map[string]time.Time{"r1": t0}, t0)
	e := testEngine(t, x, clk, "retry")
	e.MaxAttempts = 4
	calls := 0
	fail := true
	e.Handle(kind, func(ctx context.Context, target string) error {
		calls++
		if calls == 2 {
			panic("boom")
		}
		if fail {
			return errors.New("下游系统不可用")
		}
		return nil
	})
	for i, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
		res := sweep(t, e)
		if res.Retried != 1 {
			t.Fatalf("attempt %d: %+v, want a retry", i+1, res)
		}
		ev := eventState(t, x, kind, "r1")
		if ev.State != EventPending || ev.Attempts != i+1 || !ev.NextAttemptAt.Equal(clk.Now().Add(wait)) {
			t.Fatalf("after attempt %d: state %s attempts %d next %v, want pending, %d, +%v", i+1, ev.State, ev.Attempts, ev.NextAttemptAt, i+1, wait)
		}
		if i == 1 && ev.LastError != "handler panicked: boom" {
			t.Fatalf("last error %q", ev.LastError)
		}
		clk.Advance(wait - time.Microsecond)
		if res := sweep(t, e); res.Claimed != 0 {
			t.Fatalf("retried before the backoff ended")
		}
		clk.Advance(time.Microsecond)
	}
	if res := sweep(t, e); res.Failed != 1 {
		t.Fatalf("last attempt: %+v, want failed", res)
	}
	ev := eventState(t, x, kind, "r1")
	if ev.State != EventFailed || ev.Attempts != 4 || ev.LastError != "下游系统不可用" {
		t.Fatalf("after the last attempt: %+v", ev)
	}
	clk.Advance(24 * time.Hour)
	if res := sweep(t, e); res.Claimed != 0 {
		t.Fatal("a failed event ran again")
	}

	s := &Service{DB: x, Clock: clk}
	failed, err := s.Events(context.Background(), EventFilter{State: EventFailed, Kind: kind})
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed events: %v %v", failed, err)
	}
	if err := s.RetryEvent(context.Background(), failed[0].ID); err != nil {
		t.Fatal(err)
	}
	fail = false
	if res := sweep(t, e); res.Succeeded != 1 {
		t.Fatalf("after retry: %+v", res)
	}
	if err := s.RetryEvent(context.Background(), failed[0].ID); err == nil {
		t.Fatal("re-arming a done event should be refused")
	}
}

// A claim whose instance died is taken over once its lease runs out.
func TestEngineExpiredClaimIsTakenOver(t *testing.T) {
	x := dbtest.DB(t)
	clk := clock.NewFake(t0)
	const kind = "test.expired"
	scheduleEvents(t, x, kind, map[string]time.Time{"x1": t0.Add(-time.Minute)}, t0.Add(-time.Hour))
	dead := testEngine(t, x, clk, "dead")
	dead.Handle(kind, func(ctx context.Context, target string) error { return nil })
	dead.defaults()
	// The dead instance claimed the event and never finished it.
	_, _, batch, _, err := dead.claim(context.Background(), []string{kind})
	if err != nil || len(batch) != 1 {
		t.Fatalf("claim: %v %v", batch, err)
	}

	calls := 0
	live := testEngine(t, x, clk, "live")
	live.Handle(kind, func(ctx context.Context, target string) error { calls++; return nil })
	clk.Advance(dead.Lease - time.Second)
	if res := sweep(t, live); res.Claimed != 0 || res.Expired != 0 {
		t.Fatalf("took a live claim over: %+v", res)
	}
	clk.Advance(2 * time.Second)
	res := sweep(t, live)
	if res.Expired != 1 || res.Succeeded != 1 || calls != 1 {
		t.Fatalf("after the lease: %+v, calls %d", res, calls)
	}
	ev := eventState(t, x, kind, "x1")
	if ev.State != EventDone || ev.Attempts != 1 {
		t.Fatalf("event: %+v", ev)
	}
	// The dead instance waking up cannot record an outcome over the live one's.
	if o := dead.runOne(context.Background(), batch[0].ClaimedBy.String, clk.Now().Add(time.Hour), batch[0]); o != outcomeLost {
		t.Fatalf("stale instance outcome %v, want lost", o)
	}
}

// Events of kinds this instance has no handler for are left to others.
func TestEngineLeavesUnknownKinds(t *testing.T) {
	x := dbtest.DB(t)
	clk := clock.NewFake(t0)
	scheduleEvents(t, x, "test.nobody", map[string]time.Time{"n1": t0}, t0)
	e := testEngine(t, x, clk, "picky")
	e.Handle("test.somebody", func(ctx context.Context, target string) error { return nil })
	sweep(t, e)
	if ev := eventState(t, x, "test.nobody", "n1"); ev.State != EventPending {
		t.Fatalf("unknown kind %s", ev.State)
	}
}

// A nightly job runs once per night across instances, and once (not once
// per missed night) after downtime.
func TestEngineRecurringJob(t *testing.T) {
	x := dbtest.DB(t)
	clk := clock.NewFake(t0) // 10:00 Shanghai
	const kind = "test.nightly"
	var mu sync.Mutex
	var runs []string
	h := func(ctx context.Context, target string) error {
		mu.Lock()
		runs = append(runs, target)
		mu.Unlock()
		return nil
	}
	a, b := testEngine(t, x, clk, "a"), testEngine(t, x, clk, "b")
	for _, e := range []*Engine{a, b} {
		if err := e.Every(kind, "0 30 2 * * *", h); err != nil {
			t.Fatal(err)
		}
	}
	both := func() {
		var wg sync.WaitGroup
		for _, e := range []*Engine{a, b} {
			wg.Go(func() { sweep(t, e) })
		}
		wg.Wait()
	}
	both()
	clk.Set(time.Date(2026, 3, 2, 18, 30, 0, 0, time.UTC)) // 02:30 on the 3rd
	both()
	both()
	if fmt.Sprint(runs) != "[2026-03-03T02:30:00+08:00]" {
		t.Fatalf("runs %v", runs)
	}
	// Down for three nights.
	clk.Set(time.Date(2026, 3, 6, 1, 0, 0, 0, time.UTC))
	both()
	if len(runs) != 2 || runs[1] != "2026-03-04T02:30:00+08:00" {
		t.Fatalf("after downtime: runs %v", runs)
	}
	var pending []string
	if err := x.Select(&pending, `SELECT target FROM timed_events WHERE kind = ? AND state = 'pending'`, kind); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pending) != "[2026-03-07T02:30:00+08:00]" {
		t.Fatalf("next occurrence %v", pending)
	}
}

func TestBadSpec(t *testing.T) {
	e := NewEngine(nil, clock.NewFake(t0), nil)
	if err := e.Every("x", "every night", nil); err == nil {
		t.Fatal("bad spec accepted")
	}
}
