// Package backup writes the centre's whole state — every table of the
// database, read in one consistent snapshot, and the file store — to a
// folder, and restores such a folder into an empty database. It needs no
// client programs (mysqldump and the like), so it works the same on the
// private MariaDB, a MySQL 8 server or TiDB.
//
// A backup folder holds
//
//	manifest.json              what is in it, with the SHA-256 of each table file;
//	                           written last: a folder without it is no backup
//	tables/<table>.jsonl.gz    the column names, then one JSON array per row
//	files/ab/cd/<sha256>       the file store (sealed bids, issued documents)
//
// The master key is not in it: whoever holds a backup and the key can read
// every sealed bid, so the key is kept apart (README).
package backup

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/filestore"
)

// Format names this layout.
const Format = "ggzy-backup/1"

// Manifest describes a backup.
type Manifest struct {
	Format     string    `json:"format"`
	TakenAt    time.Time `json:"taken_at"`
	Migrations []string  `json:"migrations"` // schema versions applied when it was taken
	Tables     []Table   `json:"tables"`
	AuditHead  Head      `json:"audit_head"` // the audit chain's head in the snapshot
	Files      Files     `json:"files"`
}

// Table is one table's dump.
type Table struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"` // of the file as written
}

// Head is the audit chain's head.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Files counts the file store's copy.
type Files struct {
	Count int64 `json:"count"`
	Bytes int64 `json:"bytes"`
}

// skipped are tables whose rows are not the centre's state: who is logged
// in, and failed-login counters.
var skipped = map[string]bool{"schema_migrations": true, "sessions": true, "login_throttle": true}

// binaryTypes are the column types dumped as base64.
var binaryTypes = map[string]bool{"BINARY": true, "VARBINARY": true, "BLOB": true, "TINYBLOB": true, "MEDIUMBLOB": true, "LONGBLOB": true}

// Dump writes a backup of x and of the files in store to dir, which must
// not hold a backup already. The tables are read in one read-only
// REPEATABLE READ transaction: the dump is the database as it was at one
// moment, while the centre goes on working. Files are copied afterwards
// (they are only ever added), each checked against its key, and those
// already in dir/files are not copied again.
func Dump(ctx context.Context, x *sqlx.DB, store filestore.Local, dir string, now time.Time) (*Manifest, error) {
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return nil, fmt.Errorf("backup: %s already holds a backup", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tables"), 0o700); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	m := &Manifest{Format: Format, TakenAt: now.UTC()}
	tx, err := x.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("backup: begin snapshot: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	if err := tx.SelectContext(ctx, &m.Migrations, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		return nil, fmt.Errorf("backup: migrations: %w", err)
	}
	if err := tx.QueryRowxContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&m.AuditHead.Seq, &m.AuditHead.Hash); err != nil {
		return nil, fmt.Errorf("backup: audit head: %w", err)
	}
	names, err := tableNames(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		t, err := dumpTable(ctx, tx, dir, name)
		if err != nil {
			return nil, err
		}
		m.Tables = append(m.Tables, t)
	}
	if err := tx.Rollback(); err != nil {
		return nil, fmt.Errorf("backup: end snapshot: %w", err)
	}
	if m.Files, err = copyFiles(ctx, store, filestore.Local{Root: filepath.Join(dir, "files")}); err != nil {
		return nil, err
	}
	return m, writeManifest(dir, m)
}

func tableNames(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
	var all []string
	if err := sqlx.SelectContext(ctx, q, &all, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`); err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	var names []string
	for _, n := range all {
		if !skipped[n] {
			names = append(names, n)
		}
	}
	return names, nil
}

// quoteName quotes a table or column name for MySQL, MariaDB and TiDB.
func quoteName(n string) string { return "`" + strings.ReplaceAll(n, "`", "``") + "`" }

func dumpTable(ctx context.Context, tx *sqlx.Tx, dir, name string) (Table, error) {
	t := Table{Name: name, File: "tables/" + name + ".jsonl.gz"}
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+quoteName(name))
	if err != nil {
		return t, fmt.Errorf("backup: read %s: %w", name, err)
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return t, fmt.Errorf("backup: columns of %s: %w", name, err)
	}
	f, err := os.Create(filepath.Join(dir, t.File))
	if err != nil {
		return t, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, sum), 1<<16)
	zw := gzip.NewWriter(bw)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name()
	}
	if err := enc.Encode(header); err != nil {
		return t, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]any, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return t, fmt.Errorf("backup: read %s: %w", name, err)
		}
		for i, v := range vals {
			out[i], err = encodeValue(cols[i].DatabaseTypeName(), v)
			if err != nil {
				return t, fmt.Errorf("backup: %s.%s: %w", name, cols[i].Name(), err)
			}
		}
		if err := enc.Encode(out); err != nil {
			return t, fmt.Errorf("backup: write %s: %w", name, err)
		}
		t.Rows++
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("backup: read %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return t, err
	}
	if err := bw.Flush(); err != nil {
		return t, err
	}
	if err := f.Sync(); err != nil {
		return t, err
	}
	t.SHA256 = hex.EncodeToString(sum.Sum(nil))
	return t, f.Close()
}

// binaryValue is how a binary column's value is written: {"b64": "…"}.
type binaryValue struct {
	B64 string `json:"b64"`
}

// encodeValue turns what the driver scanned into what the dump holds: null,
// a number, a string (text, decimals, dates and times as the server writes
// them, in UTC), or a binaryValue.
func encodeValue(typ string, v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case int64, float64, bool:
		return v, nil
	case []byte:
		if binaryTypes[typ] {
			return binaryValue{B64: base64.StdEncoding.EncodeToString(v)}, nil
		}
		return string(v), nil
	case string:
		return v, nil
	case time.Time:
		if typ == "DATE" {
			return v.UTC().Format(time.DateOnly), nil
		}
		return v.UTC().Format("2006-01-02 15:04:05.999999"), nil
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}

func copyFiles(ctx context.Context, src, dst filestore.Local) (Files, error) {
	var fc Files
	err := src.Keys(ctx, func(key string) error {
		if dst.Has(key) {
			fc.Count++
			return nil
		}
		r, err := src.Open(ctx, key)
		if err != nil {
			return err
		}
		defer r.Close()
		got, size, err := dst.Put(ctx, r)
		if err != nil {
			return err
		}
		if got != key {
			_ = dst.Delete(ctx, got)
			return fmt.Errorf("backup: stored file %s does not have that content (SHA-256 %s): the file store is damaged", key, got)
		}
		fc.Count++
		fc.Bytes += size
		return nil
	})
	if err != nil {
		return fc, fmt.Errorf("backup: files: %w", err)
	}
	return fc, nil
}

func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "manifest.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, "manifest.json"))
}

// ReadManifest reads a backup folder's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("backup: %s holds no backup (no manifest.json: an unfinished or foreign folder)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != Format {
		return nil, fmt.Errorf("backup: %s/manifest.json is not a %s manifest", dir, Format)
	}
	return &m, nil
}

// Report is what a restore found.
type Report struct {
	Manifest *Manifest
	Audit    audit.Report // the restored chain, walked
}

// Restore loads the backup in dir into x — a database migrated to the
// backup's schema version that holds no users or organisations yet (the
// rows that migrations put into it are replaced) — and copies its files
// into store. Every table file is checked against the manifest before
// anything is written, every table's row count after; then the restored
// audit chain is walked and must end at the head the backup recorded. A
// restore that fails leaves a partial database: drop it and restore again.
func Restore(ctx context.Context, x *sqlx.DB, dir string, store filestore.Local, now time.Time) (*Report, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var have []string
	if err := x.SelectContext(ctx, &have, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		return nil, fmt.Errorf("restore: migrations: %w", err)
	}
	if !slices.Equal(have, m.Migrations) {
		return nil, fmt.Errorf("restore: the backup's schema (%d migrations, last %s) differs from this program's (%d, last %s): restore with the program version that took it, then upgrade",
			len(m.Migrations), last(m.Migrations), len(have), last(have))
	}
	var people int
	if err := x.GetContext(ctx, &people, `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM organisations)`); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if people > 0 {
		return nil, fmt.Errorf("restore: the database already holds users or organisations: restore into a new, empty database")
	}
	for _, t := range m.Tables {
		if err := checkFile(dir, t); err != nil {
			return nil, err
		}
	}
	conn, err := x.Connx(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// Tables load in name order, so references are not checked while
	// loading; the dump is one snapshot, whose references held.
	if _, err := conn.ExecContext(ctx, `SET FOREIGN_KEY_CHECKS = 0`); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SET FOREIGN_KEY_CHECKS = 1`) //nolint:errcheck // the connection is closed next
	for _, t := range m.Tables {
		if err := loadTable(ctx, conn, dir, t); err != nil {
			return nil, err
		}
	}
	if _, err := conn.ExecContext(ctx, `SET FOREIGN_KEY_CHECKS = 1`); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	fc, err := copyFiles(ctx, filestore.Local{Root: filepath.Join(dir, "files")}, store)
	if err != nil {
		return nil, err
	}
	if fc.Count != m.Files.Count {
		return nil, fmt.Errorf("restore: %d files copied, the backup recorded %d", fc.Count, m.Files.Count)
	}
	rep, err := audit.Verify(ctx, x, now)
	if err != nil {
		return nil, err
	}
	r := &Report{Manifest: m, Audit: rep}
	if !rep.OK() {
		return r, fmt.Errorf("restore: the restored audit chain is broken at seq %d: %s", rep.BadSeq, rep.Reason)
	}
	if rep.HeadSeq != m.AuditHead.Seq || rep.HeadHash != m.AuditHead.Hash {
		return r, fmt.Errorf("restore: the restored audit head (%d, %s) is not the backup's (%d, %s)", rep.HeadSeq, rep.HeadHash, m.AuditHead.Seq, m.AuditHead.Hash)
	}
	return r, nil
}

func last(v []string) string {
	if len(v) == 0 {
		return "none"
	}
	return v[len(v)-1]
}

func checkFile(dir string, t Table) error {
	if t.File != "tables/"+t.Name+".jsonl.gz" || strings.ContainsAny(t.Name, "/\\`") {
		return fmt.Errorf("restore: manifest names an unexpected file %q for table %q", t.File, t.Name)
	}
	f, err := os.Open(filepath.Join(dir, t.File))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != t.SHA256 {
		return fmt.Errorf("restore: %s has SHA-256 %s, the manifest says %s: the backup was altered or damaged", t.File, got, t.SHA256)
	}
	return nil
}

// An INSERT carries up to loadBatch rows, fewer when they hold more than
// loadBytes of values (well under the servers' max_allowed_packet).
const (
	loadBatch = 1000
	loadBytes = 4 << 20
)

func loadTable(ctx context.Context, conn *sqlx.Conn, dir string, t Table) error {
	f, err := os.Open(filepath.Join(dir, t.File))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return fmt.Errorf("restore: %s: %w", t.File, err)
	}
	dec := json.NewDecoder(zr)
	dec.UseNumber()
	var cols []string
	if err := dec.Decode(&cols); err != nil || len(cols) == 0 {
		return fmt.Errorf("restore: %s: no column names", t.File)
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteName(c)
	}
	prefix := `INSERT INTO ` + quoteName(t.Name) + ` (` + strings.Join(quoted, ", ") + `) VALUES `
	one := `(` + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + `)`
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit: a no-op
	// What the migrations put in (defaults, the chain's genesis head) gives
	// way to the backup's rows.
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteName(t.Name)); err != nil {
		return fmt.Errorf("restore: empty %s: %w", t.Name, err)
	}
	var n int64
	args := make([]any, 0, loadBatch*len(cols))
	rows, size := 0, 0
	flush := func() error {
		if rows == 0 {
			return nil
		}
		q := prefix + strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("restore: load %s: %w", t.Name, err)
		}
		n += int64(rows)
		args, rows, size = args[:0], 0, 0
		return nil
	}
	for {
		var raw []json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("restore: %s: %w", t.File, err)
		}
		if len(raw) != len(cols) {
			return fmt.Errorf("restore: %s: a row of %d values for %d columns", t.File, len(raw), len(cols))
		}
		for _, r := range raw {
			v, err := decodeValue(r)
			if err != nil {
				return fmt.Errorf("restore: %s: %w", t.File, err)
			}
			args = append(args, v)
			size += len(r)
		}
		if rows++; rows == loadBatch || size >= loadBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if n != t.Rows {
		return fmt.Errorf("restore: %s holds %d rows, the manifest says %d", t.File, n, t.Rows)
	}
	return tx.Commit()
}

// decodeValue turns a dumped value back into a statement argument.
func decodeValue(r json.RawMessage) (any, error) {
	if len(r) == 0 {
		return nil, errors.New("empty value")
	}
	switch r[0] {
	case 'n':
		return nil, nil
	case '"':
		var s string
		err := json.Unmarshal(r, &s)
		return s, err
	case '{':
		var b binaryValue
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(b.B64)
	case 't', 'f':
		var v bool
		err := json.Unmarshal(r, &v)
		return v, err
	}
	// A number, passed as its text: no float rounds a BIGINT.
	var num json.Number
	if err := json.Unmarshal(r, &num); err != nil {
		return nil, err
	}
	return num.String(), nil
}
