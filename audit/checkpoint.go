package audit

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db"
)

// Checkpoints anchor the chain outside the database.
//
// The chain proves that no sealed event was changed since it was sealed,
// unless someone rewrote the events and recomputed every hash after them,
// which anyone with write access to the database can do. A checkpoint is
// the chain's head (seq and hash) as it stood at a moment; once a copy of it
// is kept where the database's administrators cannot reach (supervisors
// download the list and keep it in their own files), checking it against
// the chain later proves that the events up to its seq are the ones that
// were there when it was taken: the hash at seq commits to every event
// before it, and Verify recomputes every hash from the events' contents.

// Checkpoint is the chain's head at the day's first checkpoint.
type Checkpoint struct {
	Day     time.Time `db:"day"` // the date (Asia/Shanghai) it was taken on
	Seq     int64     `db:"seq"`
	Hash    string    `db:"hash"`
	TakenAt time.Time `db:"taken_at"`
}

// Checkpoint takes the day's checkpoint of the chain's head unless one was
// taken today (Asia/Shanghai) or nothing is sealed yet; it reports whether
// it took one. It runs under the head's lock, so of several instances one
// takes it; the taking is itself an audit event, sealed in a later batch.
func (s *Sealer) Checkpoint(ctx context.Context) (bool, error) {
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	local := now.In(clock.Shanghai)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	// Known taken today by this instance: no need to lock the head again
	// (Run calls this every second).
	s.cpMu.Lock()
	known := s.cpDay.Equal(day)
	s.cpMu.Unlock()
	if known {
		return false, nil
	}
	taken, exists := false, false
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		taken, exists = false, false
		var head struct {
			Seq  int64  `db:"seq"`
			Hash string `db:"hash"`
		}
		if err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		if head.Seq == 0 {
			return nil
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM audit_checkpoints WHERE day = ?`, day); err != nil {
			return fmt.Errorf("read checkpoints: %w", err)
		}
		if n > 0 {
			exists = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (day, seq, hash, taken_at) VALUES (?, ?, ?, ?)`,
			day, head.Seq, head.Hash, now); err != nil {
			return fmt.Errorf("take checkpoint: %w", err)
		}
		taken = true
		return RecordAs(ctx, tx, System, now, Event{Action: "audit.checkpoint", ObjectType: "audit_checkpoint",
			ObjectID: day.Format(time.DateOnly), Summary: map[string]any{"seq": head.Seq, "hash": head.Hash}})
	})
	if err == nil && (taken || exists) {
		s.cpMu.Lock()
		s.cpDay = day
		s.cpMu.Unlock()
	}
	return taken, err
}

// Checkpoints lists the checkpoints taken, newest first (at most limit).
func Checkpoints(ctx context.Context, x sqlx.QueryerContext, limit int) ([]Checkpoint, error) {
	var cps []Checkpoint
	if err := sqlx.SelectContext(ctx, x, &cps, `SELECT day, seq, hash, taken_at FROM audit_checkpoints ORDER BY day DESC LIMIT ?`, limit); err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return cps, nil
}

// Anchor is a checkpoint as kept outside the system: what is checked.
type Anchor struct {
	Day  string // as saved; only shown back
	Seq  int64
	Hash string
}

// Anchor outcomes.
const (
	AnchorOK      = "ok"      // the event at seq has the saved hash
	AnchorAltered = "altered" // it has another hash: the chain up to seq was rewritten
	AnchorMissing = "missing" // no sealed event has seq: the chain was cut short
)

// AnchorResult is one anchor's outcome.
type AnchorResult struct {
	Anchor
	Status string
	Found  string // the hash the chain has at seq now ("" when missing)
}

// HashRe is what a chain hash looks like.
var HashRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckAnchors compares saved checkpoints with the chain as it is now. It
// proves the events up to an anchor unchanged only together with Verify,
// which recomputes every hash from the events' contents.
func CheckAnchors(ctx context.Context, x sqlx.QueryerContext, anchors []Anchor) ([]AnchorResult, error) {
	out := make([]AnchorResult, len(anchors))
	for i, a := range anchors {
		out[i] = AnchorResult{Anchor: a, Status: AnchorMissing}
		var hashes []string
		if err := sqlx.SelectContext(ctx, x, &hashes, `SELECT hash FROM audit_events WHERE seq = ?`, a.Seq); err != nil {
			return nil, fmt.Errorf("read event %d: %w", a.Seq, err)
		}
		if len(hashes) == 0 {
			continue
		}
		out[i].Found = hashes[0]
		if hashes[0] == a.Hash {
			out[i].Status = AnchorOK
		} else {
			out[i].Status = AnchorAltered
		}
	}
	return out, nil
}

// AnchorsOK reports whether every anchor matched.
func AnchorsOK(rs []AnchorResult) bool {
	for _, r := range rs {
		if r.Status != AnchorOK {
			return false
		}
	}
	return true
}
