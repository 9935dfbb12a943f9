package trading

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Group commit of sign-ups.
//
// A deadline-day crowd signs up at once, and a sign-up's cost is almost all
// database round trips and commits (BEGIN, two INSERTs, COMMIT each). So
// the sign-ups that arrive while a transaction is committing wait for the
// next one and are written together: one transaction re-reads the lots'
// state, inserts every sign-up row in one multi-row INSERT and every audit
// event in another, and commits once. Nothing is weakened: each sign-up is
// still written in the same transaction as its own audit event, a request
// is answered only after that transaction committed, and the UNIQUE key on
// (lot, organisation) still decides between instances. When the batch
// meets a duplicate in the database, it is rolled back and its sign-ups are
// written one by one, so each gets its own answer. The batches are per
// instance and hold no state between requests: a flusher goroutine runs
// only while sign-ups are waiting.

// signupReq is one sign-up waiting to be written, and its answer.
type signupReq struct {
	ctx        context.Context
	id         int64
	lotID      int64
	projectID  int64
	orgBlind   string
	ownerBlind string
	sealed     []byte
	at         time.Time // the request's time: created_at, and the time of its event
	event      audit.Event

	done      chan struct{}
	err       error
	lotStatus string
	deadline  time.Time
}

// Defaults of the group commit (see Service.SignupBatch, SignupFlushers).
const (
	defaultSignupBatch    = 128
	defaultSignupFlushers = 2
)

type signupGroup struct {
	mu       sync.Mutex
	queue    []*signupReq
	flushing int
	batch    int
	flushers int
}

func (s *Service) signupGroup() *signupGroup {
	s.groupOnce.Do(func() {
		g := &signupGroup{batch: s.SignupBatch, flushers: s.SignupFlushers}
		if g.batch <= 0 {
			g.batch = defaultSignupBatch
		}
		if g.flushers <= 0 {
			g.flushers = defaultSignupFlushers
		}
		s.group = g
	})
	return s.group
}

// submit queues r and waits until it is written or refused.
func (g *signupGroup) submit(s *Service, r *signupReq) error {
	g.mu.Lock()
	g.queue = append(g.queue, r)
	start := g.flushing < g.flushers
	if start {
		g.flushing++
	}
	g.mu.Unlock()
	if start {
		go g.flushLoop(s)
	}
	<-r.done
	return r.err
}

// flushLoop writes batches until nothing waits.
func (g *signupGroup) flushLoop(s *Service) {
	for {
		g.mu.Lock()
		n := min(len(g.queue), g.batch)
		if n == 0 {
			g.flushing--
			g.mu.Unlock()
			return
		}
		batch := g.queue[:n:n]
		g.queue = append([]*signupReq(nil), g.queue[n:]...)
		g.mu.Unlock()
		s.flushSignups(batch)
	}
}

func errSignupDuplicate() error {
	p := problem.InvalidField("lot_id", "signup_duplicate", "本单位已报名该标段（包），不能重复报名")
	if q, ok := problem.As(p); ok {
		q.Kind = problem.Conflict
	}
	return p
}

func errSignupClosed() error {
	return problem.New(problem.Gone, "signup_closed", "报名已截止")
}

// errBatchDuplicate rolls a batch back to be written one by one.
var errBatchDuplicate = errors.New("sign-up batch met a duplicate")

// flushSignups writes one batch and answers every request in it.
func (s *Service) flushSignups(batch []*signupReq) {
	live := make([]*signupReq, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	defer func() {
		for _, r := range live {
			close(r.done)
		}
	}()
	// A panic here would take the whole instance down (this is not a
	// request goroutine, Echo's Recover does not see it): answer the batch
	// with an error instead; the transaction was rolled back by Transact or
	// by writeSignupsMulti's deferred ROLLBACK.
	defer func() {
		if p := recover(); p != nil {
			slog.Error("sign-up batch panicked", "panic", p, "stack", string(debug.Stack()))
			for _, r := range live {
				if r.err == nil {
					r.err = fmt.Errorf("sign-up batch: panic: %v", p)
				}
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := s.Clock.Now()
	var err error
	outcome := multiFailed
	if s.Multi != nil {
		outcome, err = s.writeSignupsMulti(ctx, now, live)
	}
	if outcome != multiCommitted && err == nil {
		err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error { return s.writeSignups(ctx, tx, now, live) })
	}
	switch {
	case err == nil:
	case errors.Is(err, errBatchDuplicate):
		// The refusals made before the INSERT stand; the rest one by one.
		for _, r := range live {
			if r.err == nil {
				r.err = s.writeSignup(ctx, now, r)
			}
		}
	default:
		// Whatever failed the batch, one request's failure must stay its
		// own: every request again, alone, from its lot check on.
		slog.Warn("sign-up batch failed; writing its sign-ups one by one", "size", len(live), "err", err)
		for _, r := range live {
			r.err = s.writeSignup(ctx, now, r)
		}
	}
}

// lotNow is a lot's state as a batch's transaction reads it.
type lotNow struct {
	ID          int64     `db:"id"`
	Status      string    `db:"status"`
	PStatus     string    `db:"pstatus"`
	SignupUntil time.Time `db:"signup_until"`
	Deadline    time.Time `db:"deadline"`
}

// lotsQuery is the SELECT of the lots of batch, and its arguments.
func lotsQuery(batch []*signupReq) (string, []any, error) {
	lotIDs := make([]int64, 0, len(batch))
	for _, r := range batch {
		lotIDs = append(lotIDs, r.lotID)
	}
	slices.Sort(lotIDs)
	lotIDs = slices.Compact(lotIDs)
	return sqlx.In(`SELECT l.id, l.status, p.status AS pstatus, p.signup_until, p.deadline
		FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id
		WHERE l.id IN (?) AND p.signup_until IS NOT NULL AND p.deadline IS NOT NULL`, lotIDs)
}

// checkBatch sets the error of each request of batch that the lots as they
// are now refuse, and returns the others in the one order every batch
// writes in (so that two batches lock index entries in the same order).
func checkBatch(now time.Time, batch []*signupReq, rows []lotNow) []*signupReq {
	lots := make(map[int64]lotNow, len(rows))
	for _, l := range rows {
		lots[l.ID] = l
	}
	type key struct {
		lot   int64
		blind string
	}
	seen := make(map[key]bool, len(batch))
	ok := make([]*signupReq, 0, len(batch))
	for _, r := range batch {
		r.err = nil
		l, found := lots[r.lotID]
		switch {
		case !found || l.PStatus != StatusPublished:
			r.err = lotNotFound()
		case l.Status != LotOpen || !now.Before(l.SignupUntil) || !now.Before(l.Deadline) || !r.at.Before(l.SignupUntil):
			r.err = errSignupClosed()
		case seen[key{r.lotID, r.orgBlind}]:
			r.err = errSignupDuplicate()
		default:
			seen[key{r.lotID, r.orgBlind}] = true
			r.lotStatus, r.deadline = l.Status, l.Deadline
			ok = append(ok, r)
		}
	}
	slices.SortFunc(ok, signupOrder)
	return ok
}

// signupOrder is the one order every batch writes in.
func signupOrder(a, b *signupReq) int {
	return cmp.Or(cmp.Compare(a.lotID, b.lotID), cmp.Compare(a.orgBlind, b.orgBlind))
}

// appendInserts appends the multi-row INSERT of the sign-ups ok and, with
// events, a semicolon and the multi-row INSERT of their audit events.
func appendInserts(q []byte, args []any, ok []*signupReq, events bool) ([]byte, []any, error) {
	q = append(q, "INSERT INTO trading_signups (id, lot_id, project_id, org_blind, owner_blind, sealed, created_at) VALUES "...)
	args = slices.Grow(args, 7*len(ok))
	for i, r := range ok {
		if i > 0 {
			q = append(q, ", "...)
		}
		q = append(q, "(?, ?, ?, ?, ?, ?, ?)"...)
		args = append(args, r.id, r.lotID, r.projectID, r.orgBlind, r.ownerBlind, r.sealed, r.at)
	}
	if !events {
		return q, args, nil
	}
	q = append(q, ";\n"...)
	return audit.AppendBatch(q, args, sealedActor, batchEvents(ok))
}

func batchEvents(ok []*signupReq) []audit.Timed {
	evs := make([]audit.Timed, len(ok))
	for i, r := range ok {
		evs[i] = audit.Timed{At: r.at, Event: r.event}
	}
	return evs
}

// writeSignups checks the batch against the lots as they are now and
// writes the sign-ups that pass, with their events, in five round trips
// (BEGIN, the lots, the two INSERTs, COMMIT). It sets each refused
// request's error; it may run again (deadlock retry), so it starts afresh.
func (s *Service) writeSignups(ctx context.Context, tx *sqlx.Tx, now time.Time, batch []*signupReq) error {
	q, args, err := lotsQuery(batch)
	if err != nil {
		return err
	}
	var rows []lotNow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
		return fmt.Errorf("lots of sign-up batch: %w", err)
	}
	ok := checkBatch(now, batch, rows)
	if len(ok) == 0 {
		return nil
	}
	ins, vals, _ := appendInserts(make([]byte, 0, 128+24*len(ok)), nil, ok, false)
	_, err = tx.ExecContext(ctx, string(ins), vals...)
	if db.IsDuplicate(err) {
		return errBatchDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert %d sign-ups: %w", len(ok), err)
	}
	return audit.RecordBatchAs(ctx, tx, sealedActor, batchEvents(ok))
}

// What became of a batch sent the two-round-trip way.
const (
	multiCommitted = iota // written
	multiRefused          // a lot refused a sign-up, or a duplicate: rolled back, the five-step way answers each
	multiFailed           // an error before COMMIT (logged): rolled back, the five-step way retries
	multiOutcomes
)

// writeSignupsMulti writes the batch in two round trips on a connection of
// s.Multi, which takes several statements in one request: first START
// TRANSACTION, the lots' SELECT and both INSERTs (of every sign-up of the
// batch, as if all passed), then, once the lots were checked in Go, COMMIT.
// It is the transaction writeSignups runs — the lots are read in it before
// anything is written, and nothing is committed unless every sign-up of
// the batch passed — without waiting for the lots before sending the
// INSERTs. Unless committed, the transaction is rolled back and the batch
// goes the five-step way. err is set only when COMMIT failed.
func (s *Service) writeSignupsMulti(ctx context.Context, now time.Time, batch []*signupReq) (outcome int, err error) {
	outcome = multiFailed // what a panic counts as
	defer func() { s.multiCounts[outcome].Add(1) }()
	failed := func(err error) (int, error) {
		if ctx.Err() == nil {
			slog.Warn("sign-up batch: two round trips failed, writing it in five", "size", len(batch), "err", err)
		}
		return multiFailed, nil
	}
	lq, args, err := lotsQuery(batch)
	if err != nil {
		return failed(err)
	}
	// In the order checkBatch returns them when all pass.
	all := slices.Clone(batch)
	slices.SortFunc(all, signupOrder)
	q := make([]byte, 0, 1024+256*len(all))
	// The ROLLBACK first: were a transaction ever left open on this
	// connection, START TRANSACTION would commit it.
	q = append(q, "ROLLBACK;\nSTART TRANSACTION;\n"...)
	q = append(q, lq...)
	q = append(q, ";\n"...)
	if q, args, err = appendInserts(q, args, all, true); err != nil {
		return failed(err)
	}
	conn, err := s.Multi.Connx(ctx)
	if err != nil {
		return failed(err)
	}
	defer conn.Close()
	open := true
	defer func() {
		if open {
			// Also when the batch's context has ended. A connection that
			// fails to roll back is discarded by the driver, and the server
			// rolls back on its own.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, _ = conn.ExecContext(rctx, "ROLLBACK")
			cancel()
		}
	}()
	rows, err := conn.QueryxContext(ctx, string(q), args...)
	if db.IsDuplicate(err) {
		return multiRefused, nil
	}
	if err != nil {
		return failed(err)
	}
	var lots []lotNow
	for rows.Next() {
		var l lotNow
		if err := rows.StructScan(&l); err != nil {
			rows.Close()
			return failed(err)
		}
		lots = append(lots, l)
	}
	// The INSERTs' results (and the first error: a duplicate, say).
	for rows.NextResultSet() {
	}
	err = rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if db.IsDuplicate(err) {
		return multiRefused, nil
	}
	if err != nil {
		return failed(err)
	}
	if ok := checkBatch(now, batch, lots); len(ok) != len(batch) {
		return multiRefused, nil
	}
	// COMMIT is sent even when the batch's context has just ended: the
	// driver would refuse to send it and keep the connection, transaction
	// and locks open in the pool.
	open = false
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(cctx, "COMMIT"); err != nil {
		// Whatever happened, this connection is not used again.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		var me *mysql.MySQLError
		if errors.As(err, &me) {
			// The server answered: the transaction is rolled back (a
			// duplicate or write conflict that an optimistic TiDB
			// transaction reports at COMMIT, say). The five-step way
			// answers each request.
			slog.Warn("sign-up batch: COMMIT refused, writing it in five round trips", "size", len(batch), "err", err)
			return multiFailed, nil
		}
		// No answer: it may or may not have committed.
		return multiFailed, fmt.Errorf("commit %d sign-ups: %w", len(batch), err)
	}
	return multiCommitted, nil
}

// SignupBatches counts the group commits sent in two round trips since
// start, by what became of them: written, refused (then written in five)
// and failed (likewise; each failure is logged).
func (s *Service) SignupBatches() (committed, refused, failed int64) {
	return s.multiCounts[multiCommitted].Load(), s.multiCounts[multiRefused].Load(), s.multiCounts[multiFailed].Load()
}

// writeSignup writes one sign-up of a failed batch in its own transaction:
// a batch of one, checked and written as a batch is.
func (s *Service) writeSignup(ctx context.Context, now time.Time, r *signupReq) error {
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error { return s.writeSignups(ctx, tx, now, []*signupReq{r}) })
	if errors.Is(err, errBatchDuplicate) {
		return errSignupDuplicate()
	}
	if err != nil {
		return err
	}
	return r.err
}
