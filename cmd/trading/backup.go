package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/backup"
	"ggzy/filestore"
)

// backupCommand: `trading backup -out DIR` writes the database (one
// consistent snapshot) and the file store to DIR.
func backupCommand(ctx context.Context, args []string, stdout io.Writer, getenv env, log *slog.Logger) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "folder to write the backup to (new, or holding no backup yet)")
	if err := fs.Parse(args); err != nil || *out == "" || fs.NArg() > 0 {
		return exitError{code: 2, msg: "usage: trading backup -out DIR"}
	}
	return withDB(ctx, getenv, log, func(x *sqlx.DB, varDir string) error {
		start := time.Now()
		m, err := backup.Dump(ctx, x, filestore.Local{Root: filepath.Join(varDir, "files")}, *out, start)
		if err != nil {
			return err
		}
		var rows int64
		for _, t := range m.Tables {
			rows += t.Rows
		}
		fmt.Fprintf(stdout, "backup written to %s in %s: %d tables, %d rows, %d files (%d bytes copied), audit head seq %d %s\n",
			*out, time.Since(start).Round(time.Millisecond), len(m.Tables), rows, m.Files.Count, m.Files.Bytes, m.AuditHead.Seq, m.AuditHead.Hash)
		fmt.Fprintln(stdout, "the master key is not in the backup: keep a copy of TRADING_MASTER_KEY (or $TRADING_VAR/master.key) apart from it; without the key the sealed data cannot be read")
		return nil
	})
}

// restoreCommand: `trading restore -from DIR` loads a backup into the
// configured database, which must be new (migrated, without users).
func restoreCommand(ctx context.Context, args []string, stdout io.Writer, getenv env, log *slog.Logger) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	from := fs.String("from", "", "backup folder written by trading backup")
	if err := fs.Parse(args); err != nil || *from == "" || fs.NArg() > 0 {
		return exitError{code: 2, msg: "usage: trading restore -from DIR"}
	}
	if _, err := backup.ReadManifest(*from); err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	return withDB(ctx, getenv, log, func(x *sqlx.DB, varDir string) error {
		start := time.Now()
		r, err := backup.Restore(ctx, x, *from, filestore.Local{Root: filepath.Join(varDir, "files")}, time.Now().UTC())
		if err != nil {
			return exitError{code: 3, msg: err.Error()}
		}
		var rows int64
		for _, t := range r.Manifest.Tables {
			rows += t.Rows
		}
		fmt.Fprintf(stdout, "restored the backup of %s in %s: %d tables, %d rows, %d files; audit chain verified: %d events, head seq %d %s\n",
			r.Manifest.TakenAt.Format(time.RFC3339), time.Since(start).Round(time.Millisecond), len(r.Manifest.Tables), rows, r.Manifest.Files.Count,
			r.Audit.Events, r.Audit.HeadSeq, r.Audit.HeadHash)
		fmt.Fprintln(stdout, "start the server with the master key the backup was taken under (TRADING_MASTER_KEY or $TRADING_VAR/master.key)")
		return nil
	})
}
