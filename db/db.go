// Package db opens the MySQL-compatible database (MySQL 8, MariaDB ≥ 10.6 or
// TiDB), runs a private MariaDB when no DSN is configured, applies the
// embedded migrations, and provides the transaction helper and the mapping of
// MySQL error numbers that every store uses.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// SQLMode is the strict mode every connection runs in. It is portable across
// MySQL 8, MariaDB 10.6+ and TiDB.
const SQLMode = "STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

// Config is parsed from a DSN and completed with the connection settings the
// service depends on: UTC, utf8mb4, strict sql_mode, parsed times.
func Config(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w", err)
	}
	Complete(cfg)
	return cfg, nil
}

// Complete sets the session settings on cfg.
func Complete(cfg *mysql.Config) {
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.InterpolateParams = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.Params["sql_mode"] = "'" + SQLMode + "'"
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 60 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
}

// Open connects with pool limits and pings with a timeout.
func Open(ctx context.Context, cfg *mysql.Config) (*sqlx.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql connector: %w", err)
	}
	sdb := sql.OpenDB(conn)
	sdb.SetMaxOpenConns(64)
	sdb.SetMaxIdleConns(64)
	sdb.SetConnMaxLifetime(30 * time.Minute)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	x := sqlx.NewDb(sdb, "mysql")
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := x.PingContext(pctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("ping database %s@%s/%s: %w", cfg.User, cfg.Addr, cfg.DBName, err)
	}
	return x, nil
}

// OpenMulti opens a small second pool whose connections take several
// statements in one request (the driver's multiStatements), for the sign-up
// group commit alone (trading/signup_batch.go), which sends its
// transaction in two round trips. Every value still goes through the
// driver's escaping (InterpolateParams); the statements' text must be built
// from constants only — an SQL injection on this pool could append
// statements of its own, which is why nothing else uses it. It fails when
// the server (or a proxy in front of it) refuses such requests.
func OpenMulti(ctx context.Context, cfg *mysql.Config, conns int) (*sqlx.DB, error) {
	c := cfg.Clone()
	c.MultiStatements = true
	x, err := Open(ctx, c)
	if err != nil {
		return nil, err
	}
	x.SetMaxOpenConns(conns)
	x.SetMaxIdleConns(conns)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rows, err := x.QueryContext(pctx, "SELECT 1; SELECT 2")
	sets := 0
	if err == nil {
		for {
			for rows.Next() {
			}
			sets++
			if !rows.NextResultSet() {
				break
			}
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil && sets != 2 {
		err = fmt.Errorf("%d result sets for two statements", sets)
	}
	if err != nil {
		x.Close()
		return nil, fmt.Errorf("multi-statement requests refused by %s: %w", cfg.Addr, err)
	}
	return x, nil
}

// Transact runs fn in a transaction and commits it. It rolls back when fn
// returns an error or panics, and returns the commit error. Deadlocks (1213)
// and lock-wait time-outs are retried a bounded number of times, so fn must be
// safe to run again.
func Transact(ctx context.Context, x *sqlx.DB, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) error {
	const attempts = 4
	var err error
	for i := 0; i < attempts; i++ {
		err = transactOnce(ctx, x, opts, fn)
		if err == nil || !IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(5*(i+1)) * time.Millisecond):
		}
	}
	return err
}

func transactOnce(ctx context.Context, x *sqlx.DB, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := x.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// MySQL error numbers the stores act on.
const (
	ErrDupEntry      = 1062
	ErrLockDeadlock  = 1213
	ErrLockWait      = 1205
	ErrLockNowait    = 3572
	ErrNoReferenced  = 1452
	ErrRowReferenced = 1451
	ErrDataTooLong   = 1406
	ErrOutOfRange    = 1264
	ErrTiDBWriteConf = 9007 // TiDB optimistic transaction write conflict
)

func number(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// Number is the MySQL error number of err (0 when it is not a server error).
func Number(err error) uint16 { return number(err) }

// ErrorColumn is the column a server error names ("Data too long for
// column 'phone' at row 1" → "phone"), or "".
func ErrorColumn(err error) string {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return ""
	}
	_, rest, ok := strings.Cut(me.Message, "column '")
	if !ok {
		return ""
	}
	col, _, _ := strings.Cut(rest, "'")
	return col
}

// Errors of the data a statement carried, which only bad input causes.
const (
	ErrTruncatedValue = 1366 // incorrect string or number value for a column
	ErrCollationMix   = 1267 // a value that the compared column's character set cannot hold
)

// IsDuplicate reports a UNIQUE or PRIMARY KEY violation.
func IsDuplicate(err error) bool { return number(err) == ErrDupEntry }

// IsRetryable reports a deadlock, lock-wait time-out or write conflict.
func IsRetryable(err error) bool {
	switch number(err) {
	case ErrLockDeadlock, ErrLockWait, ErrLockNowait, ErrTiDBWriteConf:
		return true
	}
	return false
}

// IsForeignKey reports a foreign key violation in either direction.
func IsForeignKey(err error) bool {
	n := number(err)
	return n == ErrNoReferenced || n == ErrRowReferenced
}

// ErrNoRows is sql.ErrNoRows, re-exported so stores need not import database/sql.
var ErrNoRows = sql.ErrNoRows

// Clip shortens s to at most n characters, as a VARCHAR(n) column counts
// them, so that text from outside fits its column in strict mode.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// LikeContains is the LIKE pattern (with the default escape character,
// backslash) that matches text containing s literally: %, _ and \ in s
// match themselves.
func LikeContains(s string) string {
	return "%" + likeEscaper.Replace(s) + "%"
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
