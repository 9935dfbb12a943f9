package schedule

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/robfig/cron/v3"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
)

// Handler runs one due event of its kind for target. Handlers must be
// idempotent: an event whose handler succeeded may run again when the
// instance dies before recording the success, or when its lease runs out
// because the handler ignored its context. They must honour ctx, which ends
// at the engine's HandlerTimeout.
type Handler func(ctx context.Context, target string) error

// Engine runs due timed events exactly once across any number of instances
// sharing one database.
//
// A robfig/cron sweeper (every second by default, Asia/Shanghai, with
// Recover and SkipIfStillRunning) calls SweepOnce. A sweep claims due events
// in due order with one conditional UPDATE (state 'pending' → 'running',
// stamped with a claim token unique to this instance and sweep, and a lease);
// the database lets exactly one instance's UPDATE win each row. The winner
// runs the handlers, then records success ('done') or failure (back to
// 'pending' with exponential backoff, or 'failed' after MaxAttempts) — each
// guarded by its claim token, so a late or stale instance can never overwrite
// another's outcome. A claim whose lease ran out (its instance died) is put
// back to 'pending' by the next sweep of any instance and counts as an
// attempt. Events missed while every instance was down are simply overdue:
// the first sweep at start-up runs them, oldest first.
type Engine struct {
	DB    *sqlx.DB
	Clock clock.Clock
	Log   *slog.Logger

	// ID names this instance in claims (host-pid-random by default).
	ID string
	// Spec is the sweeper's cron spec with seconds ("* * * * * *": every second).
	Spec string
	// Batch is how many events one claim takes (default 64).
	Batch int
	// Workers is how many handlers run at once (default 8).
	Workers int
	// Lease is how long a claim holds (default 5 minutes); it must exceed
	// HandlerTimeout.
	Lease time.Duration
	// HandlerTimeout bounds one handler call (default 1 minute).
	HandlerTimeout time.Duration
	// MaxAttempts is how many times an event is tried before it is marked
	// failed (default 8).
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled after each
	// further one up to MaxBackoff (defaults 30 s and 1 h).
	Backoff, MaxBackoff time.Duration
	// OnStart, when set, is called as each handler starts (measurements).
	OnStart func(ev Event, at time.Time)

	mu        sync.Mutex
	handlers  map[string]Handler
	recurring []*recurring
	cron      *cron.Cron
	sweeps    sync.WaitGroup // sweeps in progress (the catch-up runs outside cron's own tracking)
	stopping  atomic.Bool
	claims    atomic.Int64
	catchUp   atomic.Bool
}

// Event is one row of timed_events.
type Event struct {
	ID            int64          `db:"id" json:"id"`
	Kind          string         `db:"kind" json:"kind"`
	Target        string         `db:"target" json:"target"`
	DueAt         time.Time      `db:"due_at" json:"due_at"`
	State         string         `db:"state" json:"state"`
	Attempts      int            `db:"attempts" json:"attempts"`
	NextAttemptAt time.Time      `db:"next_attempt_at" json:"next_attempt_at"`
	ClaimedBy     sql.NullString `db:"claimed_by" json:"-"`
	ClaimedUntil  sql.NullTime   `db:"claimed_until" json:"-"`
	LastError     string         `db:"last_error" json:"last_error,omitempty"`
	StartedAt     sql.NullTime   `db:"started_at" json:"-"`
	FinishedAt    sql.NullTime   `db:"finished_at" json:"-"`
	CreatedAt     time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at" json:"updated_at"`
}

const eventColumns = `id, kind, target, due_at, state, attempts, next_attempt_at, claimed_by, claimed_until, last_error, started_at, finished_at, created_at, updated_at`

// SweepResult counts what one sweep did.
type SweepResult struct {
	Claimed   int // events this instance won
	Succeeded int
	Retried   int // failed, to be tried again later
	Failed    int // failed for the last time
	Released  int // claimed but handed back unstarted (shutdown)
	Expired   int // other instances' claims found expired and re-queued
}

type recurring struct {
	kind    string
	spec    string
	sched   cron.Schedule
	ensured time.Time
}

// specParser reads the sweeper's and recurring jobs' specs: six fields with
// seconds, or descriptors such as @daily.
var specParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// NewEngine returns an engine with the default settings.
func NewEngine(x *sqlx.DB, clk clock.Clock, log *slog.Logger) *Engine {
	return &Engine{DB: x, Clock: clk, Log: log}
}

func (e *Engine) defaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ID == "" {
		host, _ := os.Hostname()
		var b [3]byte
		_, _ = rand.Read(b[:])
		e.ID = fmt.Sprintf("%.32s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if e.Spec == "" {
		e.Spec = "* * * * * *"
	}
	if e.Batch <= 0 {
		e.Batch = 64
	}
	if e.Workers <= 0 {
		e.Workers = 8
	}
	if e.HandlerTimeout <= 0 {
		e.HandlerTimeout = time.Minute
	}
	if e.Lease <= e.HandlerTimeout {
		e.Lease = max(5*time.Minute, 2*e.HandlerTimeout)
	}
	if e.MaxAttempts <= 0 {
		e.MaxAttempts = 8
	}
	if e.Backoff <= 0 {
		e.Backoff = 30 * time.Second
	}
	if e.MaxBackoff <= 0 {
		e.MaxBackoff = time.Hour
	}
	if e.Log == nil {
		e.Log = slog.New(slog.DiscardHandler)
	}
	if e.Clock == nil {
		e.Clock = clock.Real{}
	}
}

// Handle registers the handler of kind. Call it at wiring time, before
// Start; a kind has one handler.
func (e *Engine) Handle(kind string, h Handler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.handlers == nil {
		e.handlers = map[string]Handler{}
	}
	if _, dup := e.handlers[kind]; dup {
		panic("schedule: two handlers for kind " + kind)
	}
	e.handlers[kind] = h
}

// Every registers h for kind and schedules it on the cron spec (with
// seconds, Asia/Shanghai), e.g. "0 30 2 * * *" for 02:30 every night. Each
// occurrence is an ordinary timed event (target: its local time), claimed
// exactly once across instances; while every instance is down only the next
// pending occurrence is kept, so it runs once at start-up, not once per
// missed night.
func (e *Engine) Every(kind, spec string, h Handler) error {
	sched, err := specParser.Parse(spec)
	if err != nil {
		return fmt.Errorf("schedule %s every %q: %w", kind, spec, err)
	}
	e.Handle(kind, h)
	e.mu.Lock()
	e.recurring = append(e.recurring, &recurring{kind: kind, spec: spec, sched: sched})
	e.mu.Unlock()
	return nil
}

// Kinds lists the kinds this engine handles.
func (e *Engine) Kinds() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.handlers))
	for k := range e.handlers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (e *Engine) handler(kind string) Handler {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.handlers[kind]
}

// Start starts the sweeper and, at once, a first sweep that works off every
// overdue event (the catch-up after downtime). It returns immediately.
func (e *Engine) Start(ctx context.Context) error {
	e.defaults()
	logger := cronLogger{e.Log}
	c := cron.New(cron.WithSeconds(), cron.WithLocation(clock.Shanghai), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	e.catchUp.Store(true)
	id, err := c.AddFunc(e.Spec, func() { e.sweep(ctx) })
	if err != nil {
		return fmt.Errorf("schedule sweeper %q: %w", e.Spec, err)
	}
	e.mu.Lock()
	e.cron = c
	e.mu.Unlock()
	c.Start()
	// The catch-up goes through the same chain, so the ticks skip while it runs.
	go c.Entry(id).WrappedJob.Run()
	e.Log.Info("timed events engine started", "instance", e.ID, "kinds", e.Kinds(), "spec", e.Spec)
	return nil
}

// Stop stops claiming, lets running handlers finish (until ctx ends) and
// hands unstarted claims back.
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	e.stopping.Store(true)
	c := e.cron
	e.mu.Unlock()
	if c == nil {
		return nil
	}
	stopped := make(chan struct{})
	go func() {
		<-c.Stop().Done()
		e.sweeps.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop timed events engine: %w", ctx.Err())
	}
}

func (e *Engine) sweep(ctx context.Context) {
	e.mu.Lock()
	if ctx.Err() != nil || e.stopping.Load() {
		e.mu.Unlock()
		return
	}
	e.sweeps.Add(1)
	e.mu.Unlock()
	defer e.sweeps.Done()
	started := time.Now()
	res, err := e.SweepOnce(ctx)
	if err != nil {
		e.Log.Error("timed events sweep", "instance", e.ID, "err", err)
	}
	if e.catchUp.Swap(false) {
		e.Log.Info("timed events catch-up done", "instance", e.ID, "ran", res.Claimed, "failed", res.Failed,
			"took", time.Since(started).String())
		return
	}
	if res.Claimed > 0 || res.Expired > 0 {
		e.Log.Debug("timed events sweep", "instance", e.ID, "claimed", res.Claimed, "ok", res.Succeeded,
			"retry", res.Retried, "failed", res.Failed, "expired", res.Expired, "took", time.Since(started).String())
	}
}

// SweepOnce claims and runs every event due by the clock's now, batch by
// batch in due order, until none is left, and returns when their handlers
// have finished. Tests call it with a fake clock instead of starting the
// sweeper.
func (e *Engine) SweepOnce(ctx context.Context) (SweepResult, error) {
	e.defaults()
	var res SweepResult
	if err := e.ensureRecurring(ctx); err != nil {
		e.Log.Warn("timed events: schedule recurring jobs", "instance", e.ID, "err", err)
	}
	n, err := e.expireClaims(ctx)
	res.Expired = n
	if err != nil {
		return res, err
	}
	kinds := e.Kinds()
	if len(kinds) == 0 {
		return res, nil
	}
	for ctx.Err() == nil && !e.stopping.Load() {
		token, until, batch, candidates, err := e.claim(ctx, kinds)
		if err != nil {
			return res, err
		}
		if candidates == 0 {
			break
		}
		if len(batch) == 0 {
			continue // another instance won them all; look again
		}
		res.Claimed += len(batch)
		e.runBatch(ctx, token, until, batch, &res)
	}
	return res, ctx.Err()
}

const selectDue = `SELECT id FROM timed_events
	WHERE state = 'pending' AND next_attempt_at <= ? AND kind IN (?)
	ORDER BY next_attempt_at, id LIMIT ?`

const claimDue = `UPDATE timed_events SET state = 'running', claimed_by = ?, claimed_until = ?, started_at = ?, updated_at = ?
	WHERE id IN (?) AND state = 'pending' AND next_attempt_at <= ?`

const selectClaimed = `SELECT ` + eventColumns + ` FROM timed_events
	WHERE id IN (?) AND claimed_by = ? AND state = 'running'
	ORDER BY next_attempt_at, id`

// claim takes up to Batch due events. candidates is how many were due; the
// batch holds those this instance won.
func (e *Engine) claim(ctx context.Context, kinds []string) (token string, until time.Time, batch []Event, candidates int, err error) {
	now := e.Clock.Now().UTC()
	q, args, err := sqlx.In(selectDue, now, kinds, e.Batch)
	if err != nil {
		return "", until, nil, 0, err
	}
	var ids []int64
	if err := sqlx.SelectContext(ctx, e.DB, &ids, q, args...); err != nil {
		return "", until, nil, 0, fmt.Errorf("select due events: %w", err)
	}
	if len(ids) == 0 {
		return "", until, nil, 0, nil
	}
	token = fmt.Sprintf("%s/%d", e.ID, e.claims.Add(1))
	until = now.Add(e.Lease)
	q, args, err = sqlx.In(claimDue, token, until, now, now, ids, now)
	if err != nil {
		return "", until, nil, 0, err
	}
	res, err := e.DB.ExecContext(ctx, q, args...)
	if err != nil {
		return "", until, nil, len(ids), fmt.Errorf("claim due events: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return token, until, nil, len(ids), nil
	}
	q, args, err = sqlx.In(selectClaimed, ids, token)
	if err != nil {
		return "", until, nil, 0, err
	}
	if err := sqlx.SelectContext(ctx, e.DB, &batch, q, args...); err != nil {
		// The claim stands; its lease runs out and another sweep takes the events.
		return "", until, nil, len(ids), fmt.Errorf("read claimed events: %w", err)
	}
	return token, until, batch, len(ids), nil
}

// runBatch hands the batch, in due order, to Workers goroutines.
func (e *Engine) runBatch(ctx context.Context, token string, until time.Time, batch []Event, res *SweepResult) {
	work := make(chan Event)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(e.Workers, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range work {
				outcome := e.runOne(ctx, token, until, ev)
				mu.Lock()
				switch outcome {
				case outcomeDone:
					res.Succeeded++
				case outcomeRetry:
					res.Retried++
				case outcomeFailed:
					res.Failed++
				case outcomeReleased:
					res.Released++
				}
				mu.Unlock()
			}
		}()
	}
	for _, ev := range batch {
		work <- ev
	}
	close(work)
	wg.Wait()
}

type outcome int

const (
	outcomeDone outcome = iota
	outcomeRetry
	outcomeFailed
	outcomeReleased
	outcomeLost // the claim was lost (re-armed or expired) before the outcome was written
)

func (e *Engine) runOne(ctx context.Context, token string, until time.Time, ev Event) outcome {
	start := e.Clock.Now().UTC()
	if e.stopping.Load() || ctx.Err() != nil || start.Add(e.HandlerTimeout).After(until) {
		// Not enough of the lease left (or shutting down): hand it back unstarted.
		if err := e.release(ev, token, start); err != nil {
			e.Log.Warn("timed events: release claim", "event", ev.ID, "err", err)
		}
		return outcomeReleased
	}
	h := e.handler(ev.Kind)
	if e.OnStart != nil {
		e.OnStart(ev, time.Now())
	}
	err := e.call(ctx, h, ev)
	end := e.Clock.Now().UTC()
	// Outcomes are written even while shutting down.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		res, uerr := e.DB.ExecContext(wctx, `UPDATE timed_events SET state = 'done', finished_at = ?, last_error = '',
			claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND state = 'running'`,
			end, end, ev.ID, token)
		return e.written(ev, res, uerr, outcomeDone)
	}
	attempts := ev.Attempts + 1
	msg := db.Clip(err.Error(), 1000)
	if attempts >= e.MaxAttempts {
		e.Log.Error("timed event failed for good", "event", ev.ID, "kind", ev.Kind, "target", ev.Target, "attempts", attempts, "err", err)
		res, uerr := e.DB.ExecContext(wctx, `UPDATE timed_events SET state = 'failed', attempts = ?, last_error = ?, finished_at = ?,
			claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND state = 'running'`,
			attempts, msg, end, end, ev.ID, token)
		return e.written(ev, res, uerr, outcomeFailed)
	}
	next := end.Add(e.backoff(attempts))
	e.Log.Warn("timed event failed, will retry", "event", ev.ID, "kind", ev.Kind, "target", ev.Target, "attempts", attempts,
		"next", next, "err", err)
	res, uerr := e.DB.ExecContext(wctx, `UPDATE timed_events SET state = 'pending', attempts = ?, last_error = ?, next_attempt_at = ?,
		claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND state = 'running'`,
		attempts, msg, next, end, ev.ID, token)
	return e.written(ev, res, uerr, outcomeRetry)
}

func (e *Engine) written(ev Event, res sql.Result, err error, o outcome) outcome {
	if err != nil {
		// The lease will run out and the event will run again (handlers are idempotent).
		e.Log.Error("timed events: record outcome", "event", ev.ID, "kind", ev.Kind, "err", err)
		return outcomeLost
	}
	if n, _ := res.RowsAffected(); n == 0 {
		e.Log.Warn("timed events: claim lost before the outcome was recorded (event re-armed or lease expired)",
			"event", ev.ID, "kind", ev.Kind, "target", ev.Target)
		return outcomeLost
	}
	return o
}

// call runs the handler with a deadline as the system actor, turning a
// panic into an error.
func (e *Engine) call(ctx context.Context, h Handler, ev Event) (err error) {
	if h == nil {
		return fmt.Errorf("no handler for kind %s on instance %s", ev.Kind, e.ID)
	}
	hctx, cancel := context.WithTimeout(audit.WithActor(context.WithoutCancel(ctx), audit.System), e.HandlerTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			e.Log.Error("timed event handler panicked", "event", ev.ID, "kind", ev.Kind, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(hctx, ev.Target)
}

func (e *Engine) backoff(attempts int) time.Duration {
	d := e.Backoff
	for i := 1; i < attempts && d < e.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, e.MaxBackoff)
}

func (e *Engine) release(ev Event, token string, now time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.DB.ExecContext(ctx, `UPDATE timed_events SET state = 'pending', claimed_by = NULL, claimed_until = NULL, updated_at = ?
		WHERE id = ? AND claimed_by = ? AND state = 'running'`, now, ev.ID, token)
	return err
}

// expireClaims puts events whose claim expired (their instance died or
// hung) back to pending, counting the lost run as an attempt; the due order
// is kept.
func (e *Engine) expireClaims(ctx context.Context) (int, error) {
	now := e.Clock.Now().UTC()
	var stale []Event
	if err := sqlx.SelectContext(ctx, e.DB, &stale, `SELECT `+eventColumns+` FROM timed_events
		WHERE state = 'running' AND claimed_until < ? ORDER BY next_attempt_at, id LIMIT 1000`, now); err != nil {
		return 0, fmt.Errorf("select expired claims: %w", err)
	}
	n := 0
	for _, ev := range stale {
		attempts := ev.Attempts + 1
		state := EventPending
		if attempts >= e.MaxAttempts {
			state = EventFailed
		}
		msg := fmt.Sprintf("执行实例 %s 未在租约内完成（可能已停止），已重新排队", ev.ClaimedBy.String)
		res, err := e.DB.ExecContext(ctx, `UPDATE timed_events SET state = ?, attempts = ?, last_error = ?, claimed_by = NULL,
			claimed_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND claimed_by = ? AND claimed_until < ?`,
			state, attempts, db.Clip(msg, 1000), now, ev.ID, ev.ClaimedBy.String, now)
		if err != nil {
			return n, fmt.Errorf("re-queue expired claim of event %d: %w", ev.ID, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
			e.Log.Warn("timed events: expired claim re-queued", "event", ev.ID, "kind", ev.Kind, "claimed_by", ev.ClaimedBy.String, "state", state)
		}
	}
	return n, nil
}

// ensureRecurring makes sure the next occurrence of each recurring job is
// scheduled. Instances racing to insert the same occurrence meet on the
// (kind, target) key.
func (e *Engine) ensureRecurring(ctx context.Context) error {
	e.mu.Lock()
	list := slices.Clone(e.recurring)
	e.mu.Unlock()
	now := e.Clock.Now().UTC()
	var errs []error
	for _, r := range list {
		next := r.sched.Next(now.In(clock.Shanghai))
		e.mu.Lock()
		done := r.ensured.Equal(next)
		e.mu.Unlock()
		if done {
			continue
		}
		if err := ensure(ctx, e.DB, r.kind, Occurrence(next), next, now); err != nil {
			errs = append(errs, err)
			continue
		}
		e.mu.Lock()
		r.ensured = next
		e.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Occurrence is the target of a recurring job's run at t: its local time.
func Occurrence(t time.Time) string { return t.In(clock.Shanghai).Format("2006-01-02T15:04:05+08:00") }

// ensure inserts the event unless (kind, target) exists; unlike At it never
// re-arms a finished event.
func ensure(ctx context.Context, ext sqlx.ExecerContext, kind, target string, due, now time.Time) error {
	due, now = due.UTC(), now.UTC()
	_, err := ext.ExecContext(ctx, `INSERT INTO timed_events (kind, target, due_at, state, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, 'pending', 0, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`, kind, target, due, due, now, now)
	if err != nil {
		return fmt.Errorf("schedule %s %s: %w", kind, target, err)
	}
	return nil
}

// cronLogger sends robfig/cron's messages to slog; its routine messages
// (ticks, skips while a long sweep runs) go to debug.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
