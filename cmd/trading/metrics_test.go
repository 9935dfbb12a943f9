package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/migrations"
)

// /metrics says whether the latest walk found the audit chain whole, when
// it ran, and how many events wait unsealed longer than a minute.
func TestAuditChainMetrics(t *testing.T) {
	ctx := context.Background()
	_, x := freshDB(t, "metrics")
	if err := db.Migrate(ctx, x, migrations.FS, slog.Default()); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	reg := prometheus.NewRegistry()
	reg.MustRegister(auditChainCollector(x, clk))
	value := func(name string) (float64, bool) {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				return mf.GetMetric()[0].GetGauge().GetValue(), true
			}
		}
		return 0, false
	}
	if _, ok := value("trading_audit_chain_ok"); ok {
		t.Fatal("a chain never walked reports a result")
	}
	if v, _ := value("trading_audit_chain_scrape_ok"); v != 1 {
		t.Fatal("scrape not ok")
	}
	for i := range 3 {
		if err := audit.Record(ctx, x, clk.Now(), audit.Event{Action: "test.metrics", ObjectID: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Minute)
	if v, _ := value("trading_audit_unsealed_stale_events"); v != 3 {
		t.Fatalf("stale unsealed: %v, want 3", v)
	}
	s := &audit.Sealer{DB: x, Clock: clk, Log: slog.Default()}
	if _, err := s.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.VerifyAndRecord(audit.WithActor(ctx, audit.System), x, clk, audit.ViaDaily); err != nil {
		t.Fatal(err)
	}
	if v, _ := value("trading_audit_chain_ok"); v != 1 {
		t.Fatalf("chain ok: %v", v)
	}
	if v, _ := value("trading_audit_chain_verified_timestamp_seconds"); v != float64(clk.Now().Unix()) {
		t.Fatalf("walk time: %v", v)
	}
	if v, _ := value("trading_audit_unsealed_stale_events"); v != 0 {
		t.Fatalf("stale after sealing: %v", v)
	}
	if _, err := x.Exec(`UPDATE audit_events SET summary = '{"x":1}' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.VerifyAndRecord(audit.WithActor(ctx, audit.System), x, clk, audit.ViaDaily); err != nil {
		t.Fatal(err)
	}
	if v, ok := value("trading_audit_chain_ok"); !ok || v != 0 {
		t.Fatalf("a broken chain reports %v", v)
	}
}
