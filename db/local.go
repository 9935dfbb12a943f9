package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Local is a private MariaDB server kept under a directory of the project
// (./var/mysql by default), used when no DSN is configured. Several processes
// may use one instance at once (a server and the test packages, say): each
// holds a shared lock on the users file for as long as it uses the server, and
// the process that finds no other user when it lets go stops the server.
type Local struct {
	Dir string // e.g. ./var/mysql

	startLock *os.File
	userLock  *os.File
	port      int
}

// ErrNoServer says no MariaDB server binary is installed.
var ErrNoServer = errors.New("no MariaDB server found: install it with `apt-get install mariadb-server` (or set TRADING_DSN to a MySQL 8 / MariaDB ≥ 10.6 / TiDB server)")

// binary finds the first of the names on PATH or in the usual sbin folders.
func binary(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin", "/usr/bin"} {
			p := filepath.Join(dir, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
	}
	return "", ErrNoServer
}

// Socket is the server's Unix socket path.
func (l *Local) Socket() string { return filepath.Join(l.Dir, "mysqld.sock") }

func (l *Local) dataDir() string  { return filepath.Join(l.Dir, "data") }
func (l *Local) pidFile() string  { return filepath.Join(l.Dir, "mysqld.pid") }
func (l *Local) portFile() string { return filepath.Join(l.Dir, "port") }

// Acquire makes sure the server is running (initialising and starting it when
// needed) and registers this process as a user. Call Release when done.
func (l *Local) Acquire(ctx context.Context, log *slog.Logger) (*mysql.Config, error) {
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", l.Dir, err)
	}
	var err error
	if l.startLock, err = lockFile(filepath.Join(l.Dir, "start.lock"), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	defer func() {
		unlock(l.startLock)
		l.startLock = nil
	}()
	if l.userLock, err = lockFile(filepath.Join(l.Dir, "users.lock"), syscall.LOCK_SH); err != nil {
		return nil, err
	}
	if port, ok := l.running(ctx); ok {
		l.port = port
		return l.config(), nil
	}
	if err := l.start(ctx, log); err != nil {
		unlock(l.userLock)
		l.userLock = nil
		return nil, err
	}
	return l.config(), nil
}

// Release unregisters this process and stops the server when no other
// process uses it.
func (l *Local) Release(log *slog.Logger) {
	if l.userLock == nil {
		return
	}
	start, err := lockFile(filepath.Join(l.Dir, "start.lock"), syscall.LOCK_EX)
	if err != nil {
		log.Warn("local mariadb: lock for release", "err", err)
		unlock(l.userLock)
		l.userLock = nil
		return
	}
	defer unlock(start)
	unlock(l.userLock)
	l.userLock = nil
	excl, err := os.OpenFile(filepath.Join(l.Dir, "users.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer excl.Close()
	if err := syscall.Flock(int(excl.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return // someone else still uses the server
	}
	defer syscall.Flock(int(excl.Fd()), syscall.LOCK_UN)
	l.stop(log)
}

func (l *Local) config() *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "tcp"
	cfg.Addr = "127.0.0.1:" + strconv.Itoa(l.port)
	Complete(cfg)
	return cfg
}

// running reports whether the server in this directory answers.
func (l *Local) running(ctx context.Context) (int, bool) {
	b, err := os.ReadFile(l.portFile())
	if err != nil {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false
	}
	if !l.pidAlive() {
		return 0, false
	}
	l.port = port
	if err := pingConfig(ctx, l.config(), 2*time.Second); err != nil {
		return 0, false
	}
	return port, true
}

func (l *Local) pidAlive() bool {
	b, err := os.ReadFile(l.pidFile())
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	return syscall.Kill(pid, 0) == nil
}

func (l *Local) start(ctx context.Context, log *slog.Logger) error {
	server, err := binary("mariadbd", "mysqld")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(l.dataDir(), "mysql")); err != nil {
		install, err := binary("mariadb-install-db", "mysql_install_db")
		if err != nil {
			return err
		}
		log.Info("local mariadb: initialising data directory", "dir", l.dataDir())
		_ = os.RemoveAll(l.dataDir())
		args := []string{"--no-defaults", "--datadir=" + l.dataDir(), "--auth-root-authentication-method=normal",
			"--skip-test-db", "--skip-name-resolve"}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root")
		}
		cmd := exec.CommandContext(ctx, install, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("mariadb-install-db: %w: %s", err, lastLines(out, 8))
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	args := []string{"--no-defaults",
		"--datadir=" + l.dataDir(),
		"--socket=" + l.Socket(),
		"--pid-file=" + l.pidFile(),
		"--log-error=" + filepath.Join(l.Dir, "error.log"),
		"--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--skip-name-resolve",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
		"--default-time-zone=+00:00",
		"--max-connections=500",
		"--innodb-buffer-pool-size=512M",
		// A private development and test instance: durability of the last
		// second is traded for speed. Production uses TRADING_DSN.
		"--innodb-flush-log-at-trx-commit=2",
		"--skip-log-bin",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	logf, err := os.OpenFile(filepath.Join(l.Dir, "mariadbd.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(server, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so that Ctrl-C on `make run` reaches it only
	// through our orderly shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start mariadbd: %w", err)
	}
	go cmd.Wait() //nolint:errcheck // reaped; its exit is noticed by ping.
	l.port = port
	if err := os.WriteFile(l.portFile(), []byte(strconv.Itoa(port)), 0o644); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := pingConfig(ctx, l.config(), time.Second); err == nil {
			break
		} else if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			b, _ := os.ReadFile(filepath.Join(l.Dir, "error.log"))
			return fmt.Errorf("mariadbd did not answer on port %d within 60 s: %w; error log: %s", port, err, lastLines(b, 8))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	log.Info("local mariadb: started", "dir", l.Dir, "port", port, "pid", cmd.Process.Pid)
	return nil
}

func (l *Local) stop(log *slog.Logger) {
	b, err := os.ReadFile(l.pidFile())
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return
	}
	for i := 0; i < 600; i++ {
		if syscall.Kill(pid, 0) != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = os.Remove(l.portFile())
	log.Info("local mariadb: stopped", "dir", l.Dir)
}

func pingConfig(ctx context.Context, cfg *mysql.Config, timeout time.Duration) error {
	c := *cfg
	c.Timeout = timeout
	conn, err := mysql.NewConnector(&c)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cn, err := conn.Connect(pctx)
	if err != nil {
		return err
	}
	return cn.Close()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func lockFile(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

func unlock(f *os.File) {
	if f == nil {
		return
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// ModuleRoot walks up from the working directory to the folder holding
// go.mod, so that tests in any package find the same ./var. Outside a source
// tree it returns the working directory.
func ModuleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return wd
		}
		d = parent
	}
}
