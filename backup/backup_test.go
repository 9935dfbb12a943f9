package backup_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/backup"
	"ggzy/db"
	"ggzy/db/dbtest"
	"ggzy/filestore"
	"ggzy/migrations"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// second creates a migrated database of its own, dropped after the test.
func second(tb testing.TB, suffix string) *sqlx.DB {
	tb.Helper()
	ctx := context.Background()
	srv := dbtest.Server(tb)
	name := dbtest.Name() + "_" + suffix
	_ = srv.DropDatabase(ctx, name)
	if err := srv.CreateDatabase(ctx, name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.DropDatabase(context.Background(), name) })
	x, err := db.Open(ctx, srv.Config(name))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { x.Close() })
	if err := db.Migrate(ctx, x, migrations.FS, nil); err != nil {
		tb.Fatal(err)
	}
	return x
}

const typesTable = `CREATE TABLE bk_types (
  id BIGINT NOT NULL PRIMARY KEY, big BIGINT NULL, amount DECIMAL(20,2) NULL, d DATE NULL, dt DATETIME(6) NULL,
  bin VARBINARY(64) NULL, txt TEXT NULL, flag BOOLEAN NULL, ch CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`

// Every kind of value the schema uses comes back as it was: the largest
// BIGINT (no float on the way), decimals, dates, microseconds, bytes that
// are not text (zero bytes, invalid UTF-8), text with quotes, newlines,
// backslashes and supplementary characters, booleans and NULLs.
func TestEveryValueComesBack(t *testing.T) {
	ctx := context.Background()
	src := second(t, "types_src")
	dst := second(t, "types_dst")
	for _, x := range []*sqlx.DB{src, dst} {
		if _, err := x.Exec(typesTable); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 22, 20, 45, 1, 123456000, time.UTC)
	rows := [][]any{
		{1, int64(9223372036854775807), "12345678901234567.89", "2028-02-29", at, []byte{0, 1, 2, 0xff, 0xfe, '\\', '\''}, "引号\"'\\ 换行\n制表\t 😀 <&>", true, "ab12"},
		{2, int64(-9223372036854775808), "-0.01", "1999-12-31", at.Add(-time.Hour * 24 * 365 * 20), []byte{}, "", false, ""},
		{3, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	for _, r := range rows {
		if _, err := src.Exec(`INSERT INTO bk_types VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r...); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	m, err := backup.Dump(ctx, src, filestore.Local{Root: filepath.Join(t.TempDir(), "none")}, dir, at)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tb := range m.Tables {
		found = found || (tb.Name == "bk_types" && tb.Rows == 3)
	}
	if !found || m.Files.Count != 0 {
		t.Fatalf("manifest: %+v", m)
	}
	if _, err := backup.Restore(ctx, dst, dir, filestore.Local{Root: t.TempDir()}, at); err != nil {
		t.Fatal(err)
	}
	read := func(x *sqlx.DB) string {
		var b strings.Builder
		rs, err := x.Queryx(`SELECT * FROM bk_types ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		for rs.Next() {
			v, err := rs.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%#v\n", v)
		}
		return b.String()
	}
	if a, b := read(src), read(dst); a != b {
		t.Fatalf("restored rows differ:\n%s\nwant\n%s", b, a)
	}
	var bin []byte
	if err := dst.Get(&bin, `SELECT bin FROM bk_types WHERE id = 1`); err != nil || !bytes.Equal(bin, []byte{0, 1, 2, 0xff, 0xfe, '\\', '\''}) {
		t.Fatalf("binary value: %v %v", bin, err)
	}
	var big sql.NullInt64
	if err := dst.Get(&big, `SELECT big FROM bk_types WHERE id = 1`); err != nil || big.Int64 != 9223372036854775807 {
		t.Fatalf("largest BIGINT: %v %v", big, err)
	}
}

// BenchmarkDumpAndRestore: a backup and a restore of a database holding
// 100,000 audit events (summaries of the usual size), rows per second:
//
//	go run ./cmd/trading db exec -- go test ./backup -run '^$' -bench . -benchtime 1x
func BenchmarkDumpAndRestore(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	src := second(b, "bench_src")
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for from := 0; from < n; from += 1000 {
		q := `INSERT INTO audit_events (occurred_at, actor, role, ip, action, object_type, object_id, project_id, summary) VALUES `
		var args []any
		for i := from; i < from+1000; i++ {
			if i > from {
				q += ", "
			}
			q += "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, now.Add(time.Duration(i)*time.Second), fmt.Sprintf("user%02d", i%40), "staff", "10.0.3.17", "trading.project.update", "project",
				fmt.Sprint(i%3000), i%3000+1, fmt.Sprintf(`{"code":"GC-2026-%04d","title":"示范市第%d号道路改造工程施工","n":%d}`, i%3000, i%3000, i))
		}
		if _, err := src.Exec(q, args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := (&audit.Sealer{DB: src, Clock: fixed(now), Batch: 5000}).SealAll(ctx); err != nil {
		b.Fatal(err)
	}
	var rows int64
	b.Run("dump", func(b *testing.B) {
		for b.Loop() {
			m, err := backup.Dump(ctx, src, filestore.Local{Root: b.TempDir()}, b.TempDir(), now)
			if err != nil {
				b.Fatal(err)
			}
			rows = 0
			for _, t := range m.Tables {
				rows += t.Rows
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	dir := b.TempDir()
	if _, err := backup.Dump(ctx, src, filestore.Local{Root: b.TempDir()}, dir, now); err != nil {
		b.Fatal(err)
	}
	b.Run("restore", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			dst := second(b, fmt.Sprintf("bench_dst%d", i))
			b.StartTimer()
			if _, err := backup.Restore(ctx, dst, dir, filestore.Local{Root: b.TempDir()}, now); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

type fixed time.Time

func (f fixed) Now() time.Time { return time.Time(f) }
