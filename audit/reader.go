package audit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
)

// Filter selects audit events.
type Filter struct {
	Action     string
	Actor      string
	ProjectID  int64
	ObjectType string
	ObjectID   string
	BeforeID   int64 // paging: events with a smaller id
	Limit      int
	// Since and Until bound occurred_at: Since ≤ t < Until (zero: open).
	Since, Until time.Time
}

// Reader serves the audit trail to supervisors. Every read is itself
// recorded.
type Reader struct {
	DB    *sqlx.DB
	Clock clock.Clock
}

// where is the WHERE clause (from "WHERE 1=1" on) of a filter's events.
func (f Filter) where() (string, []any) {
	q := ` WHERE 1=1`
	var args []any
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Actor != "" {
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if f.ProjectID != 0 {
		q += ` AND project_id = ?`
		args = append(args, f.ProjectID)
	}
	if f.ObjectType != "" {
		q += ` AND object_type = ?`
		args = append(args, f.ObjectType)
		if f.ObjectID != "" {
			q += ` AND object_id = ?`
			args = append(args, f.ObjectID)
		}
	}
	if !f.Since.IsZero() {
		q += ` AND occurred_at >= ?`
		args = append(args, f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q += ` AND occurred_at < ?`
		args = append(args, f.Until.UTC())
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	return q, args
}

// List returns events, newest first, and records the read.
func (r *Reader) List(ctx context.Context, f Filter) ([]Row, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	where, args := f.where()
	var rows []Row
	if err := r.DB.SelectContext(ctx, &rows, `SELECT `+Columns+` FROM audit_events`+where+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...); err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	err := Record(ctx, r.DB, r.Clock.Now(), Event{Action: "audit.read", ObjectType: "audit", ObjectID: strconv.Itoa(len(rows)),
		ProjectID: f.ProjectID, Summary: map[string]any{"filter": f}})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Export hands fn the events of f, newest first, at most max of them, and
// reports how many and whether more were left out. The export is recorded
// (audit.export, with the filter) before the first event is read.
func (r *Reader) Export(ctx context.Context, f Filter, max int, fn func(*Row) error) (n int, more bool, err error) {
	err = Record(ctx, r.DB, r.Clock.Now(), Event{Action: "audit.export", ObjectType: "audit", ObjectID: strconv.Itoa(max),
		ProjectID: f.ProjectID, Summary: map[string]any{"filter": f, "max": max}})
	if err != nil {
		return 0, false, err
	}
	const page = 1000
	rows := make([]Row, 0, page)
	for {
		where, args := f.where()
		rows = rows[:0]
		if err := r.DB.SelectContext(ctx, &rows, `SELECT `+Columns+` FROM audit_events`+where+` ORDER BY id DESC LIMIT ?`, append(args, page)...); err != nil {
			return n, false, fmt.Errorf("export audit events: %w", err)
		}
		for i := range rows {
			if n == max {
				return n, true, nil
			}
			if err := fn(&rows[i]); err != nil {
				return n, false, err
			}
			n++
		}
		if len(rows) < page {
			return n, false, nil
		}
		f.BeforeID = rows[len(rows)-1].ID
	}
}

// Verify walks the chain and records the walk (via: who asked).
func (r *Reader) Verify(ctx context.Context, via string) (Verification, error) {
	return VerifyAndRecord(ctx, r.DB, r.Clock, via)
}

// LatestVerification returns the newest recorded walk of the chain, nil
// when the chain was never walked.
func (r *Reader) LatestVerification(ctx context.Context) (*Verification, error) {
	return LatestVerification(ctx, r.DB)
}

// Checkpoints lists the newest checkpoints (at most limit) with how each
// compares with the chain now.
func (r *Reader) Checkpoints(ctx context.Context, limit int) ([]Checkpoint, []AnchorResult, error) {
	cps, err := Checkpoints(ctx, r.DB, limit)
	if err != nil {
		return nil, nil, err
	}
	as := make([]Anchor, len(cps))
	for i, c := range cps {
		as[i] = Anchor{Day: c.Day.Format("2006-01-02"), Seq: c.Seq, Hash: c.Hash}
	}
	rs, err := CheckAnchors(ctx, r.DB, as)
	if err != nil {
		return nil, nil, err
	}
	return cps, rs, nil
}

// CheckAnchors verifies the chain and compares saved checkpoints with it;
// the check is recorded with its outcome.
func (r *Reader) CheckAnchors(ctx context.Context, anchors []Anchor) (Report, []AnchorResult, error) {
	v, err := r.Verify(ctx, ViaAnchors)
	rep := v.Report()
	if err != nil {
		return rep, nil, err
	}
	rs, err := CheckAnchors(ctx, r.DB, anchors)
	if err != nil {
		return rep, nil, err
	}
	counts := map[string]int{}
	for _, x := range rs {
		counts[x.Status]++
	}
	err = Record(ctx, r.DB, r.Clock.Now(), Event{Action: "audit.anchor_check", ObjectType: "audit", ObjectID: strconv.Itoa(len(rs)),
		Summary: map[string]any{"chain_ok": rep.OK(), "results": counts}})
	if err != nil {
		return rep, nil, err
	}
	return rep, rs, nil
}
