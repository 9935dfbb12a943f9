package audit_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/audit/audittest"
	"ggzy/clock"
	"ggzy/db/dbtest"
)

func anchorsOf(t *testing.T, x *sqlx.DB) []audit.Anchor {
	t.Helper()
	cps, err := audit.Checkpoints(context.Background(), x, 100)
	if err != nil {
		t.Fatal(err)
	}
	var as []audit.Anchor
	for _, c := range cps {
		as = append(as, audit.Anchor{Day: c.Day.Format(time.DateOnly), Seq: c.Seq, Hash: c.Hash})
	}
	return as
}

func statuses(rs []audit.AnchorResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

// A day's checkpoint is taken once, and a saved copy of the checkpoints
// detects what the chain alone cannot: events rewritten with every hash
// recomputed after them, and a chain cut short.
func TestCheckpointsDetectARecomputedChain(t *testing.T) {
	x := dbtest.DB(t)
	resetChain(t, x)
	ctx := context.Background()
	// 23:30 in Shanghai.
	clk := clock.NewFake(time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC))
	s := &audit.Sealer{DB: x, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	if taken, err := s.Checkpoint(ctx); err != nil || taken {
		t.Fatalf("checkpoint of an empty chain: taken %v, %v", taken, err)
	}
	for i := 0; i < 5; i++ {
		record(t, x, clk.Now(), i)
	}
	if _, err := s.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	if taken, err := s.Checkpoint(ctx); err != nil || !taken {
		t.Fatalf("first checkpoint: taken %v, %v", taken, err)
	}
	for i := 5; i < 7; i++ {
		record(t, x, clk.Now(), i)
	}
	if _, err := s.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	if taken, err := s.Checkpoint(ctx); err != nil || taken {
		t.Fatalf("second checkpoint the same day: taken %v, %v", taken, err)
	}
	// 00:30 in Shanghai: another day.
	clk.Advance(time.Hour)
	if _, err := s.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	if taken, err := s.Checkpoint(ctx); err != nil || !taken {
		t.Fatalf("next day's checkpoint: taken %v, %v", taken, err)
	}
	cps, err := audit.Checkpoints(ctx, x, 100)
	if err != nil {
		t.Fatal(err)
	}
	// 5 events; then 2 more, the first checkpoint's event: 8 by the next day.
	if len(cps) != 2 || cps[0].Day.Format(time.DateOnly) != "2026-03-03" || cps[0].Seq != 8 || cps[1].Day.Format(time.DateOnly) != "2026-03-02" || cps[1].Seq != 5 {
		t.Fatalf("checkpoints: %+v", cps)
	}
	var n int
	if err := x.Get(&n, `SELECT COUNT(*) FROM audit_events WHERE action = 'audit.checkpoint'`); err != nil || n != 2 {
		t.Fatalf("checkpoint events: %d, %v", n, err)
	}
	saved := anchorsOf(t, x)
	rs, err := audit.CheckAnchors(ctx, x, saved)
	if err != nil || !audit.AnchorsOK(rs) {
		t.Fatalf("untouched chain: %v, %v", statuses(rs), err)
	}

	// Someone rewrites event 3 and recomputes the chain from there: the
	// chain verifies, the saved checkpoints do not.
	if _, err := x.Exec(`UPDATE audit_events SET summary = '{"n":99}' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.Verify(ctx, x, clk.Now()); err != nil || rep.OK() {
		t.Fatalf("altered event before recomputing: %+v, %v", rep, err)
	}
	audittest.Rechain(t, x, 3)
	if rep, err := audit.Verify(ctx, x, clk.Now()); err != nil || !rep.OK() {
		t.Fatalf("recomputed chain should verify on its own: %+v, %v", rep, err)
	}
	rs, err = audit.CheckAnchors(ctx, x, saved)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rs); len(got) != 2 || got[0] != audit.AnchorAltered || got[1] != audit.AnchorAltered || rs[0].Found == "" {
		t.Fatalf("recomputed chain against the saved checkpoints: %v %+v", got, rs)
	}

	// Only events after the older checkpoint rewritten: that one still
	// holds, the newer one does not.
	resetChain(t, x)
	clk.Advance(24 * time.Hour)
	for i := 0; i < 4; i++ {
		record(t, x, clk.Now(), i)
	}
	if _, err := s.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(24 * time.Hour)
	for i := 4; i < 8; i++ {
		record(t, x, clk.Now(), i)
	}
	if _, err := s.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	saved = anchorsOf(t, x) // newest first: seq 9, then 4
	if len(saved) != 2 || saved[0].Seq != 9 || saved[1].Seq != 4 {
		t.Fatalf("saved: %+v", saved)
	}
	if _, err := x.Exec(`UPDATE audit_events SET actor = 'someone-else' WHERE seq = 6`); err != nil {
		t.Fatal(err)
	}
	audittest.Rechain(t, x, 6)
	rs, err = audit.CheckAnchors(ctx, x, saved)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rs); got[0] != audit.AnchorAltered || got[1] != audit.AnchorOK {
		t.Fatalf("rewritten after the older checkpoint: %v", got)
	}

	// The chain cut short before the newer checkpoint.
	if _, err := x.Exec(`DELETE FROM audit_events WHERE seq >= 7`); err != nil {
		t.Fatal(err)
	}
	audittest.Rechain(t, x, 6)
	rs, err = audit.CheckAnchors(ctx, x, saved)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rs); got[0] != audit.AnchorMissing || got[1] != audit.AnchorOK || rs[0].Found != "" {
		t.Fatalf("cut short: %v", got)
	}
}
