package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/db/dbtest"
	"ggzy/filestore"
)

// freshDB creates a database of its own for the test and returns its env
// (the database and a var folder of its own) and a connection.
func freshDB(t *testing.T, suffix string) (env, *sqlx.DB) {
	t.Helper()
	ctx := context.Background()
	srv := dbtest.Server(t)
	name := dbtest.Name() + "_" + suffix
	if err := srv.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.DropDatabase(context.Background(), name) })
	getenv := testEnv(t, map[string]string{"TRADING_DSN": srv.Config(name).FormatDSN()})
	x, err := db.Open(ctx, srv.Config(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return getenv, x
}

// contents reads every row of every table but the skipped ones, as text,
// sorted: two databases with the same contents give the same map.
func contents(t *testing.T, x *sqlx.DB) map[string][]string {
	t.Helper()
	var names []string
	if err := x.Select(&names, `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'`); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, n := range names {
		if n == "schema_migrations" || n == "sessions" || n == "login_throttle" {
			continue
		}
		rows, err := x.Queryx("SELECT * FROM `" + n + "`")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			out[n] = append(out[n], fmt.Sprintf("%q", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		sort.Strings(out[n])
	}
	return out
}

// A centre backs up its database and files while it runs, and restores them
// into a new database on another machine: every row, every file and the
// audit chain come back as they were. A damaged backup is refused before
// anything is written, and so is a database that is not new.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	srcEnv, src := freshDB(t, "bk_src")
	var out bytes.Buffer
	if err := run(ctx, []string{"seed"}, &out, srcEnv); err != nil {
		t.Fatalf("seed: %v", err)
	}
	store := filestore.Local{Root: filepath.Join(varDir(srcEnv), "files")}
	var keys []string
	for _, content := range []string{"投标文件（加密）", strings.Repeat("x", 300_000)} {
		k, _, err := store.Put(ctx, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	// Sealed before the backup, so that the head it records is the chain's.
	if _, err := (&audit.Sealer{DB: src, Clock: clock.Real{}, Log: newLogger(os.Stderr, srcEnv)}).SealAll(ctx); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "backup-1")
	out.Reset()
	if err := run(ctx, []string{"backup", "-out", dir}, &out, srcEnv); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out.String(), "2 files") || !strings.Contains(out.String(), "master key is not in the backup") {
		t.Fatalf("backup output: %s", out.String())
	}
	if err := run(ctx, []string{"backup", "-out", dir}, &out, srcEnv); err == nil || !strings.Contains(err.Error(), "already holds a backup") {
		t.Fatalf("a second backup into the same folder: %v", err)
	}

	dstEnv, dst := freshDB(t, "bk_dst")
	out.Reset()
	if err := run(ctx, []string{"restore", "-from", dir}, &out, dstEnv); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain verified") {
		t.Fatalf("restore output: %s", out.String())
	}
	want, got := contents(t, src), contents(t, dst)
	if len(want) == 0 || len(want["users"]) == 0 || len(want["audit_events"]) == 0 {
		t.Fatalf("the seeded database looks empty: %d tables", len(want))
	}
	for table, rows := range want {
		if strings.Join(got[table], "\n") != strings.Join(rows, "\n") {
			t.Errorf("table %s differs after the restore: %d rows, want %d", table, len(got[table]), len(rows))
		}
	}
	restored := filestore.Local{Root: filepath.Join(varDir(dstEnv), "files")}
	for _, k := range keys {
		if !restored.Has(k) {
			t.Errorf("file %s not restored", k)
		}
	}
	// The restored centre works: the audit command passes, and a demo user
	// logs in (their password hash came back).
	out.Reset()
	if err := run(ctx, []string{"audit", "verify"}, &out, dstEnv); err != nil {
		t.Fatalf("audit verify of the restored database: %v %s", err, out.String())
	}
	a, err := wire(dst, dstEnv, newLogger(os.Stderr, dstEnv))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.accounts.Login(ctx, "agency", "demo-password-1", "127.0.0.1", "test", "web"); err != nil {
		t.Fatalf("login on the restored database: %v", err)
	}

	// Not a new database: refused.
	if err := run(ctx, []string{"restore", "-from", dir}, &out, dstEnv); err == nil || !strings.Contains(err.Error(), "already holds users") {
		t.Fatalf("restore into a database in use: %v", err)
	}
	// A damaged table file: refused before anything is written.
	f := filepath.Join(dir, "tables", "users.jsonl.gz")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	badEnv, bad := freshDB(t, "bk_bad")
	if err := run(ctx, []string{"restore", "-from", dir}, &out, badEnv); err == nil || !strings.Contains(err.Error(), "altered or damaged") {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	var n int
	if err := bad.Get(&n, `SELECT COUNT(*) FROM audit_events`); err != nil || n != 0 {
		t.Fatalf("a refused restore wrote %d audit events (%v)", n, err)
	}
	if err := run(ctx, []string{"restore", "-from", t.TempDir()}, &out, badEnv); err == nil || !strings.Contains(err.Error(), "no manifest.json") {
		t.Fatalf("restore from a folder without a backup: %v", err)
	}
}
