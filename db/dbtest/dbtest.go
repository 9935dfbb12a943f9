// Package dbtest gives each test package a fresh, migrated database on the
// private MariaDB under ./var (or on TRADING_TEST_DSN), dropped when the
// package's tests end.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//
// and call dbtest.DB(t) in tests. Without a database a test skips with the
// reason; under CI=true it fails instead.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/db"
	"ggzy/migrations"
)

var (
	multiOnce sync.Once
	multi     *sqlx.DB
	multiErr  error

	shared  *sqlx.DB
	server  *db.Server
	name    string
	openErr error
)

// Main creates the package's database, runs the tests and drops it.
func Main(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TRADING_TEST_VERBOSE") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	varDir := os.Getenv("TRADING_VAR")
	if varDir == "" {
		varDir = filepath.Join(db.ModuleRoot(), "var")
	}
	server, openErr = db.OpenServer(ctx, os.Getenv("TRADING_TEST_DSN"), varDir, log)
	if openErr == nil {
		var b [6]byte
		_, _ = rand.Read(b[:])
		name = "test_" + hex.EncodeToString(b[:])
		if openErr = server.CreateDatabase(ctx, name); openErr == nil {
			shared, openErr = db.Open(ctx, server.Config(name))
			if openErr == nil {
				openErr = db.Migrate(ctx, shared, migrations.FS, nil)
			}
		}
	}
	code := m.Run()
	if multi != nil {
		multi.Close()
	}
	if shared != nil {
		shared.Close()
	}
	if server != nil {
		if name != "" {
			if err := server.DropDatabase(context.Background(), name); err != nil {
				fmt.Fprintln(os.Stderr, "dbtest: drop", name+":", err)
			}
		}
		server.Close()
	}
	return code
}

// DB returns the package's database, skipping (or, under CI=true, failing)
// the test when there is none.
func DB(tb testing.TB) *sqlx.DB {
	tb.Helper()
	if shared == nil {
		err := openErr
		if err == nil {
			err = fmt.Errorf("dbtest.Main was not called from TestMain")
		}
		if os.Getenv("CI") == "true" {
			tb.Fatalf("no test database (CI=true forbids skipping): %v", err)
		}
		tb.Skipf("no test database: %v (install mariadb-server or set TRADING_TEST_DSN)", err)
	}
	return shared
}

// Server returns the server the package's database lives on (for tests that
// need a second database).
func Server(tb testing.TB) *db.Server {
	tb.Helper()
	DB(tb)
	return server
}

// Multi opens a pool of the package's database whose connections take
// several statements per request (db.OpenMulti), with conns connections,
// closed when tb ends.
func Multi(tb testing.TB, conns int) *sqlx.DB {
	tb.Helper()
	DB(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	x, err := server.OpenMulti(ctx, name, conns)
	if err != nil {
		tb.Fatalf("multi-statement pool: %v", err)
	}
	tb.Cleanup(func() { x.Close() })
	return x
}

// SharedMulti returns the package's multi-statement pool (4 connections,
// as `trading serve` opens it), opened on first use and closed when the
// package's tests end.
func SharedMulti(tb testing.TB) *sqlx.DB {
	tb.Helper()
	DB(tb)
	multiOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		multi, multiErr = server.OpenMulti(ctx, name, 4)
	})
	if multiErr != nil {
		tb.Fatalf("multi-statement pool: %v", multiErr)
	}
	return multi
}

// Name is the package database's name.
func Name() string { return name }
