// Command trading runs the public-resource trading centre: the web server and
// its maintenance subcommands. It is the composition root: configuration,
// wiring and nothing else.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/db"
	"ggzy/migrations"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `trading — 公共资源交易中心 / 政务服务大厅

Usage:
  trading serve [-demo]        run the web server (migrates first; -demo seeds a demo centre on an empty database)
  trading migrate              apply database migrations
  trading seed                 seed the demo centre (refused when the database holds data)
  trading audit verify [-checkpoints FILE]
                               walk the audit hash chain; exit 3 naming the first bad event, 4 when events older than a minute are still unsealed;
                               with FILE (the checkpoints a supervisor downloaded and kept), also exit 3 when the chain no longer holds one of them
  trading db exec -- CMD ...   run CMD with TRADING_TEST_DSN pointing at the private MariaDB
  trading backup -out DIR      write the database (one consistent snapshot) and the file store to DIR (not the master key)
  trading restore -from DIR    load a backup into a new database (migrated, no users yet) and its file store; the audit
                               chain is walked after and must end at the backup's head; exit 3 when anything does not match
  trading lottery --pool N --count K --source "…" [--source "…" …]
                               print the RFC 3797 selection of K of members 1..N, in order
  trading draw verify <id>     recompute an expert draw from its archive; exit 3 when it does not match
  trading draw verify fp-<id>  the same for a fixed-price selection draw
  trading draw verify -archive FILE   the same from an exported archive, without a database
  trading minutes sample --kind evaluation-report|opening-record|award-notice|draw-record --out FILE
                               render a sample PDF record (30 bidders, 9 experts, 10 criteria)
  trading version              print the version

Environment (defaults in brackets):
  TRADING_DSN            MySQL 8 / MariaDB ≥ 10.6 / TiDB DSN [unset: private MariaDB under $TRADING_VAR/mysql]
  TRADING_VAR            folder for the private database, files and secrets [./var]
  TRADING_ADDR           listen address [127.0.0.1:8080]
  TRADING_DEMO_PASSWORD  password of the demo accounts [generated, printed once, kept in $TRADING_VAR/demo-password]
  TRADING_TRUSTED_PROXIES comma-separated CIDRs whose X-Forwarded-For is trusted [none]
  TRADING_SECURE_COOKIES set to 1 behind HTTPS [0]
  TRADING_METRICS_ALLOW  comma-separated CIDRs that may read /metrics [127.0.0.0/8,::1/128]
  TRADING_LOG_LEVEL      debug, info, warn, error [info]
  TRADING_DEV_TEMPLATES  set to 1 to re-read templates on every request [0]
  TRADING_PUBLIC_URL     address experts open reply links at [http://$TRADING_ADDR]
  TRADING_NOTIFY_WEBHOOK SMS/voice gateway for expert notices (JSON POST) [unset: notices go to the log]
  TRADING_NOTIFY_SECRET  HMAC-SHA256 key signing webhook bodies (X-Signature) [none]
  TRADING_MASTER_KEY     64 hex digits: the key that encrypts sealed bids and ID numbers [$TRADING_VAR/master.key, created on first start]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Getenv)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "trading:", ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "trading:", err)
		os.Exit(1)
	}
}

type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

// env reads configuration.
type env func(string) string

func (g env) or(name, def string) string {
	if v := g(name); v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer, getenv env) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(getenv.or("TRADING_LOG_LEVEL", "info")))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))
}

func run(ctx context.Context, args []string, stdout io.Writer, getenv env) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return exitError{code: 2}
	}
	log := newLogger(os.Stderr, getenv)
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, getenv, log)
	case "migrate":
		return withDB(ctx, getenv, log, func(x *sqlx.DB, _ string) error { return nil })
	case "seed":
		return withDB(ctx, getenv, log, func(x *sqlx.DB, varDir string) error {
			app, err := wire(x, getenv, log)
			if err != nil {
				return err
			}
			_, _, err = seedDemo(ctx, app, varDir, getenv, stdout, true)
			return err
		})
	case "audit":
		usage := exitError{code: 2, msg: "usage: trading audit verify [-checkpoints FILE]"}
		if len(args) < 2 || args[1] != "verify" {
			return usage
		}
		anchors := ""
		switch {
		case len(args) == 4 && (args[2] == "-checkpoints" || args[2] == "--checkpoints"):
			anchors = args[3]
		case len(args) != 2:
			return usage
		}
		return withDB(ctx, getenv, log, func(x *sqlx.DB, _ string) error { return auditVerify(ctx, x, stdout, anchors) })
	case "db":
		return dbCommand(ctx, args[1:], getenv, log)
	case "backup":
		return backupCommand(ctx, args[1:], stdout, getenv, log)
	case "restore":
		return restoreCommand(ctx, args[1:], stdout, getenv, log)
	case "lottery":
		return lotteryCommand(args[1:], stdout)
	case "draw":
		return drawCommand(ctx, args[1:], stdout, getenv, log)
	case "minutes":
		return minutesCommand(args[1:], stdout)
	case "version":
		fmt.Fprintln(stdout, "trading", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return exitError{code: 2, msg: "unknown command " + args[0] + "; see `trading help`"}
}

func varDir(getenv env) string {
	d := getenv.or("TRADING_VAR", "var")
	abs, err := filepath.Abs(d)
	if err != nil {
		return d
	}
	return abs
}

// openDB resolves the server (DSN or private MariaDB), connects and migrates.
// The returned close function releases everything.
func openDB(ctx context.Context, getenv env, log *slog.Logger) (*sqlx.DB, *db.Server, func(), error) {
	srv, err := db.OpenServer(ctx, getenv("TRADING_DSN"), varDir(getenv), log)
	if err != nil {
		return nil, nil, nil, err
	}
	x, err := srv.Open(ctx, "")
	if err != nil {
		srv.Close()
		return nil, nil, nil, err
	}
	if err := db.Migrate(ctx, x, migrations.FS, log); err != nil {
		x.Close()
		srv.Close()
		return nil, nil, nil, err
	}
	return x, srv, func() { x.Close(); srv.Close() }, nil
}

func withDB(ctx context.Context, getenv env, log *slog.Logger, fn func(x *sqlx.DB, varDir string) error) error {
	x, _, closeDB, err := openDB(ctx, getenv, log)
	if err != nil {
		return err
	}
	defer closeDB()
	return fn(x, varDir(getenv))
}

// dbCommand: `trading db exec -- CMD…` keeps the private MariaDB up while
// CMD runs (the whole test suite, say) and hands it the DSN.
func dbCommand(ctx context.Context, args []string, getenv env, log *slog.Logger) error {
	if len(args) < 2 || args[0] != "exec" {
		return exitError{code: 2, msg: "usage: trading db exec -- CMD [ARGS…]"}
	}
	rest := args[1:]
	if rest[0] == "--" {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return exitError{code: 2, msg: "usage: trading db exec -- CMD [ARGS…]"}
	}
	dsn := getenv("TRADING_TEST_DSN")
	if dsn == "" {
		srv, err := db.OpenServer(ctx, "", varDir(getenv), log)
		if err != nil {
			return err
		}
		defer srv.Close()
		dsn = srv.Config("").FormatDSN()
	}
	cmd := exec.CommandContext(ctx, rest[0], rest[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "TRADING_TEST_DSN="+dsn)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return exitError{code: ee.ExitCode()}
		}
		return err
	}
	return nil
}

func printLogins(w io.Writer, logins []demoLogin, password, addr string) {
	fmt.Fprintf(w, "\n示范交易中心已就绪：http://%s/\n", addr)
	fmt.Fprintf(w, "演示账号（密码均为 %s）：\n", password)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-11s %-8s %s %s\n", l.Username, l.RoleName, l.Name, strings.TrimSpace(l.Org))
	}
	fmt.Fprintln(w)
}
