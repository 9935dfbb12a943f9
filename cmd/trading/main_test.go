package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ggzy/approval"
	"ggzy/audit"
	"ggzy/audit/audittest"
	"ggzy/db/dbtest"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/schedule"
	"ggzy/trading"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func testEnv(t *testing.T, extra map[string]string) env {
	t.Helper()
	dsn := dbtest.Server(t).Config(dbtest.Name()).FormatDSN()
	vars := map[string]string{"TRADING_DSN": dsn, "TRADING_VAR": t.TempDir(), "TRADING_LOG_LEVEL": "error", "TRADING_DEMO_PASSWORD": "demo-password-1"}
	for k, v := range extra {
		vars[k] = v
	}
	return func(k string) string { return vars[k] }
}

// The demo seed is audited; `trading audit verify` passes on it and fails,
// naming the event, once a row is altered by hand.
func TestSeedThenAuditVerify(t *testing.T) {
	ctx := context.Background()
	getenv := testEnv(t, nil)
	var out bytes.Buffer
	if err := run(ctx, []string{"seed"}, &out, getenv); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if !strings.Contains(out.String(), "agency") || !strings.Contains(out.String(), "demo-password-1") {
		t.Fatalf("seed output lacks the logins: %s", out.String())
	}
	// A second seed is refused: the database holds data.
	if err := run(ctx, []string{"seed"}, &out, getenv); err == nil {
		t.Fatal("second seed ran on a database with data")
	}

	// Seal the chain as a running server would, then verify.
	x := dbtest.DB(t)
	a, err := wire(x, getenv, newLogger(os.Stderr, getenv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.sealer.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify"}, &out, getenv); err != nil {
		t.Fatalf("verify on demo data: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("verify output: %s", out.String())
	}
	// An event left unsealed (no server running its sealer) is not
	// covered: verify says so with exit 4 rather than "OK".
	if _, err := x.Exec(`INSERT INTO audit_events (occurred_at, actor, role, action, summary) VALUES (?, 'x', 'system', 'test.unsealed', '{}')`,
		time.Now().UTC().Add(-2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	var unsealed exitError
	if err := run(ctx, []string{"audit", "verify"}, &out, getenv); !errors.As(err, &unsealed) || unsealed.code != 4 {
		t.Fatalf("verify with an unsealed event: %v, want exit 4", err)
	}
	if _, err := a.sealer.SealAll(ctx); err != nil {
		t.Fatal(err)
	}

	// The day's checkpoint, saved as a supervisor downloads it.
	if taken, err := a.sealer.Checkpoint(ctx); err != nil || !taken {
		t.Fatalf("checkpoint: %v %v", taken, err)
	}
	cps, err := audit.Checkpoints(ctx, x, 10)
	if err != nil || len(cps) != 1 {
		t.Fatalf("checkpoints: %v %v", cps, err)
	}
	saved := filepath.Join(t.TempDir(), "audit-checkpoints.json")
	if err := os.WriteFile(saved, fmt.Appendf(nil, `{"checkpoints":[{"day":%q,"seq":%d,"hash":%q}]}`, cps[0].Day.Format(time.DateOnly), cps[0].Seq, cps[0].Hash), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "-checkpoints", saved}, &out, getenv); err != nil || !strings.Contains(out.String(), "checkpoints OK") {
		t.Fatalf("verify with the saved checkpoint: %v %s", err, out.String())
	}

	var seq int64
	if err := x.Get(&seq, `SELECT seq FROM audit_events WHERE action = 'user.create' AND summary LIKE '%"expert3"%'`); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Exec(`UPDATE audit_events SET summary = REPLACE(summary, 'expert3', 'expert0') WHERE seq = ?`, seq); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"audit", "verify"}, &out, getenv)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 3 {
		t.Fatalf("verify after tampering: %v, want exit 3", err)
	}
	if !strings.Contains(ee.msg, "seq "+itoa(seq)) {
		t.Fatalf("message does not name the altered event %d: %s", seq, ee.msg)
	}

	// Whoever altered it recomputes every hash from there on: the chain
	// verifies on its own, the saved checkpoint does not hold.
	audittest.Rechain(t, x, seq)
	out.Reset()
	if err := run(ctx, []string{"audit", "verify"}, &out, getenv); err != nil {
		t.Fatalf("recomputed chain, verified alone: %v", err)
	}
	out.Reset()
	err = run(ctx, []string{"audit", "verify", "-checkpoints", saved}, &out, getenv)
	if !errors.As(err, &ee) || ee.code != 3 || !strings.Contains(ee.msg, "1 of 1 saved checkpoints") ||
		!strings.Contains(out.String(), "rewritten") || !strings.Contains(out.String(), cps[0].Hash) {
		t.Fatalf("recomputed chain against the saved checkpoint: %v, %s; want exit 3 naming it", err, out.String())
	}
	if err := run(ctx, []string{"audit", "verify", "-checkpoints"}, &out, getenv); !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("-checkpoints without a file: %v, want usage", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, &bytes.Buffer{}, func(string) string { return "" })
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("got %v, want usage error", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Every kind of timed event some area schedules has its handler registered,
// or its events would wait forever.
func TestEveryTimedEventKindHasAHandler(t *testing.T) {
	getenv := testEnv(t, nil)
	x := dbtest.DB(t)
	a, err := wire(x, getenv, newLogger(os.Stderr, getenv))
	if err != nil {
		t.Fatal(err)
	}
	e := schedule.NewEngine(x, a.clock, newLogger(os.Stderr, getenv))
	if err := registerHandlers(e, a); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range e.Kinds() {
		have[k] = true
	}
	for _, k := range []string{trading.DeadlineEvent, evaluation.PublicityEvent, expertpool.KindReplyDeadline,
		trading.FixedPricePublicityEnd, trading.FixedPriceConfirmDeadline, trading.FixedPriceContractDue,
		trading.SignupEndEvent, trading.RefundDueEvent, schedule.KindStatistics, schedule.KindRetentionSweep, approval.KindMonitor,
		approval.MaterialsDueEvent, approval.StepDueEvent} {
		if !have[k] {
			t.Errorf("no handler for timed events of kind %q", k)
		}
	}
}
