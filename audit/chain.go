package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db"
)

// Genesis is the hash before the first event.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Row is an audit event as stored.
type Row struct {
	ID          int64          `db:"id"`
	Seq         sql.NullInt64  `db:"seq"`
	OccurredAt  time.Time      `db:"occurred_at"`
	ActorUserID sql.NullInt64  `db:"actor_user_id"`
	Actor       string         `db:"actor"`
	Role        string         `db:"role"`
	OrgID       sql.NullInt64  `db:"org_id"`
	IP          string         `db:"ip"`
	Action      string         `db:"action"`
	ObjectType  string         `db:"object_type"`
	ObjectID    string         `db:"object_id"`
	ProjectID   sql.NullInt64  `db:"project_id"`
	Summary     string         `db:"summary"`
	PrevHash    sql.NullString `db:"prev_hash"`
	Hash        sql.NullString `db:"hash"`
	SealedAt    sql.NullTime   `db:"sealed_at"`
}

// Columns lists the stored columns in the order Row expects.
const Columns = `id, seq, occurred_at, actor_user_id, actor, role, org_id, ip, action, object_type, object_id, project_id, summary, prev_hash, hash, sealed_at`

func nullInt(n sql.NullInt64) any {
	if !n.Valid {
		return nil
	}
	return n.Int64
}

// Canonical is the exact byte string an event's hash covers (besides the
// previous hash): a JSON array of the fields in a fixed order, times in UTC
// with microseconds.
func Canonical(r *Row, seq int64) []byte {
	fields := []any{
		seq, r.ID, r.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000Z"),
		nullInt(r.ActorUserID), r.Actor, r.Role, nullInt(r.OrgID), r.IP,
		r.Action, r.ObjectType, r.ObjectID, nullInt(r.ProjectID), r.Summary,
	}
	b, err := json.Marshal(fields)
	if err != nil {
		// Only strings, integers and nil: cannot fail.
		panic(err)
	}
	return b
}

// HashOf chains an event onto prev.
func HashOf(prev string, r *Row, seq int64) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(Canonical(r, seq))
	return hex.EncodeToString(h.Sum(nil))
}

// Sealer seals committed events into the chain.
type Sealer struct {
	DB    *sqlx.DB
	Clock clock.Clock
	Log   *slog.Logger
	Batch int // events per transaction; default 500

	cpMu  sync.Mutex
	cpDay time.Time // the day this instance last saw a checkpoint taken
}

// SealOnce seals up to one batch of unsealed events and reports how many.
func (s *Sealer) SealOnce(ctx context.Context) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	n := 0
	err := db.Transact(ctx, s.DB, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
		n = 0
		var head struct {
			Seq  int64  `db:"seq"`
			Hash string `db:"hash"`
		}
		if err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		var rows []Row
		if err := tx.SelectContext(ctx, &rows, `SELECT `+Columns+` FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT ?`, batch); err != nil {
			return fmt.Errorf("read unsealed events: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		now := s.Clock.Now().UTC().Truncate(time.Microsecond)
		seq, prev := head.Seq, head.Hash
		for i := range rows {
			seq++
			h := HashOf(prev, &rows[i], seq)
			if _, err := tx.ExecContext(ctx, `UPDATE audit_events SET seq = ?, prev_hash = ?, hash = ?, sealed_at = ? WHERE id = ? AND seq IS NULL`,
				seq, prev, h, now, rows[i].ID); err != nil {
				return fmt.Errorf("seal event %d: %w", rows[i].ID, err)
			}
			prev = h
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ?, updated_at = ? WHERE id = 1`, seq, prev, now); err != nil {
			return fmt.Errorf("move audit head: %w", err)
		}
		n = len(rows)
		return nil
	})
	return n, err
}

// SealAll seals until nothing is left (used by tests and before verify).
func (s *Sealer) SealAll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.SealOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Run seals every interval until ctx ends.
func (s *Sealer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := s.SealOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.Log.Error("audit sealer", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		// After sealing, so that the day's checkpoint covers what is
		// waiting; its own event is sealed in the next round.
		if _, err := s.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("audit checkpoint", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Report is the outcome of Verify.
type Report struct {
	Events      int64  // sealed events checked
	HeadSeq     int64  // the head's sequence number
	HeadHash    string // the head's hash
	StaleUnseal int64  // unsealed events older than a minute
	BadSeq      int64  // first bad event's sequence number (0 when none)
	BadID       int64  // first bad event's id
	Reason      string // why it is bad
}

// OK reports whether the chain verified.
func (r Report) OK() bool { return r.BadSeq == 0 && r.Reason == "" }

// Verify walks the chain from the first event to the head.
func Verify(ctx context.Context, x sqlx.QueryerContext, now time.Time) (Report, error) {
	var rep Report
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := sqlx.GetContext(ctx, x, &head, `SELECT seq, hash FROM audit_head WHERE id = 1`); err != nil {
		return rep, fmt.Errorf("read audit head: %w", err)
	}
	rep.HeadSeq, rep.HeadHash = head.Seq, head.Hash
	prev := Genesis
	var want int64 = 1
	const page = 2000
	for {
		var rows []Row
		if err := sqlx.SelectContext(ctx, x, &rows, `SELECT `+Columns+` FROM audit_events WHERE seq >= ? AND seq IS NOT NULL ORDER BY seq LIMIT ?`, want, page); err != nil {
			return rep, fmt.Errorf("read audit events: %w", err)
		}
		for i := range rows {
			r := &rows[i]
			fail := func(reason string) (Report, error) {
				rep.BadSeq, rep.BadID, rep.Reason = want, r.ID, reason
				return rep, nil
			}
			if r.Seq.Int64 != want {
				rep.BadSeq, rep.BadID = want, r.ID
				rep.Reason = "event with seq " + strconv.FormatInt(want, 10) + " is missing (next found: " + strconv.FormatInt(r.Seq.Int64, 10) + ")"
				return rep, nil
			}
			if !r.PrevHash.Valid || r.PrevHash.String != prev {
				return fail("prev_hash does not match the previous event's hash")
			}
			if got := HashOf(prev, r, want); !r.Hash.Valid || got != r.Hash.String {
				return fail("content does not match its hash (the row was altered)")
			}
			prev = r.Hash.String
			rep.Events++
			want++
		}
		if len(rows) < page {
			break
		}
	}
	if want-1 != head.Seq {
		rep.BadSeq = want
		rep.Reason = fmt.Sprintf("chain ends at seq %d but the head says %d (events removed from the end)", want-1, head.Seq)
		return rep, nil
	}
	if prev != head.Hash {
		rep.BadSeq = head.Seq
		rep.Reason = "last event's hash differs from the head's hash"
		return rep, nil
	}
	if err := sqlx.GetContext(ctx, x, &rep.StaleUnseal, `SELECT COUNT(*) FROM audit_events WHERE seq IS NULL AND occurred_at < ?`, now.Add(-time.Minute)); err != nil {
		return rep, fmt.Errorf("count unsealed events: %w", err)
	}
	return rep, nil
}
