package db_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jmoiron/sqlx"

	"ggzy/db"
	"ggzy/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestSplitStatements(t *testing.T) {
	got := db.SplitStatements("-- comment\nCREATE TABLE a (\n  x INT\n);\n\nINSERT INTO a VALUES (1);\nSELECT 1")
	want := []string{"CREATE TABLE a (\n  x INT\n)", "INSERT INTO a VALUES (1)", "SELECT 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", got)
	}
}

// A migration that changed after it was applied stops the runner.
func TestMigrateRefusesAChangedFile(t *testing.T) {
	ctx := context.Background()
	srv := dbtest.Server(t)
	name := dbtest.Name() + "_m"
	if err := srv.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.DropDatabase(context.Background(), name) })
	x, err := db.Open(ctx, srv.Config(name))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	fs := fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE a (id INT PRIMARY KEY) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;\n")}}
	if err := db.Migrate(ctx, x, fs, nil); err != nil {
		t.Fatal(err)
	}
	// Applying again is a no-op.
	if err := db.Migrate(ctx, x, fs, nil); err != nil {
		t.Fatal(err)
	}
	fs["0002_b.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\n")}
	if err := db.Migrate(ctx, x, fs, nil); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := x.Get(&n, `SELECT COUNT(*) FROM a`); err != nil || n != 2 {
		t.Fatalf("rows %d %v", n, err)
	}
	fs["0001_a.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE a (id BIGINT PRIMARY KEY);\n")}
	err = db.Migrate(ctx, x, fs, nil)
	if err == nil || !strings.Contains(err.Error(), "0001_a.sql") {
		t.Fatalf("changed migration: %v", err)
	}
}

func TestTransactRollsBackAndMapsErrors(t *testing.T) {
	x := dbtest.DB(t)
	ctx := context.Background()
	if _, err := x.Exec(`CREATE TABLE IF NOT EXISTS tx_probe (k VARCHAR(10) PRIMARY KEY) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := db.Transact(ctx, x, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`INSERT INTO tx_probe VALUES ('a')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = db.Transact(ctx, x, nil, func(tx *sqlx.Tx) error {
			if _, err := tx.Exec(`INSERT INTO tx_probe VALUES ('b')`); err != nil {
				return err
			}
			panic("in the middle")
		})
	}()
	var n int
	if err := x.Get(&n, `SELECT COUNT(*) FROM tx_probe`); err != nil || n != 0 {
		t.Fatalf("rolled-back rows visible: %d %v", n, err)
	}
	if _, err := x.Exec(`INSERT INTO tx_probe VALUES ('c')`); err != nil {
		t.Fatal(err)
	}
	_, err = x.Exec(`INSERT INTO tx_probe VALUES ('c')`)
	if !db.IsDuplicate(err) || db.IsRetryable(err) {
		t.Fatalf("duplicate not recognised: %v", err)
	}
}
