package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    VARCHAR(190) NOT NULL PRIMARY KEY,
  checksum   CHAR(64)     NOT NULL,
  applied_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`

// Migrate applies the *.sql files of fsys in name order. It holds the
// database lock "trading_migrate" while it works, so instances starting
// together apply each file once, and refuses to run when a file that was
// applied has changed since.
func Migrate(ctx context.Context, x *sqlx.DB, fsys fs.FS, log *slog.Logger) error {
	conn, err := x.Connx(ctx)
	if err != nil {
		return fmt.Errorf("migrate: connection: %w", err)
	}
	defer conn.Close()
	var got int
	if err := conn.QueryRowxContext(ctx, `SELECT GET_LOCK('trading_migrate', 120)`).Scan(&got); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	if got != 1 {
		return fmt.Errorf("migrate: another instance holds the migration lock for over 120 s")
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK('trading_migrate')`) //nolint:errcheck

	if _, err := conn.ExecContext(ctx, migrationsTable); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied := map[string]string{}
	rows, err := conn.QueryxContext(ctx, `SELECT version, checksum FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: read applied: %w", err)
	}
	for rows.Next() {
		var v, c string
		if err := rows.Scan(&v, &c); err != nil {
			rows.Close()
			return err
		}
		applied[v] = c
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()

	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		checksum := hex.EncodeToString(sum[:])
		if old, ok := applied[name]; ok {
			if old != checksum {
				return fmt.Errorf("migrate: %s was applied with checksum %s but the file now has %s; applied migrations must not change — add a new migration instead", name, old[:12], checksum[:12])
			}
			continue
		}
		for i, stmt := range SplitStatements(string(body)) {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate: %s statement %d: %w", name, i+1, err)
			}
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO schema_migrations (version, checksum, applied_at) VALUES (?, ?, ?)`,
			name, checksum, time.Now().UTC()); err != nil {
			return fmt.Errorf("migrate: record %s: %w", name, err)
		}
		if log != nil {
			log.Info("migration applied", "file", name)
		}
	}
	return nil
}

// SplitStatements splits a migration file into statements at semicolons that
// end a line. Lines starting with "--" are comments. Statements must not
// contain a semicolon at the end of a line inside a string literal.
func SplitStatements(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			s := strings.TrimSpace(cur.String())
			s = strings.TrimSuffix(s, ";")
			if s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
