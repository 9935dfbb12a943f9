package db

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Server is a database server this process may use: either the one a DSN
// names, or the private MariaDB under the var directory.
type Server struct {
	local *Local
	cfg   *mysql.Config
	log   *slog.Logger
}

// OpenServer resolves the server: dsn when set, otherwise a private MariaDB
// under varDir/mysql, started if it is not already running.
func OpenServer(ctx context.Context, dsn, varDir string, log *slog.Logger) (*Server, error) {
	if dsn != "" {
		cfg, err := Config(dsn)
		if err != nil {
			return nil, err
		}
		return &Server{cfg: cfg, log: log}, nil
	}
	l := &Local{Dir: filepath.Join(varDir, "mysql")}
	cfg, err := l.Acquire(ctx, log)
	if err != nil {
		return nil, err
	}
	return &Server{local: l, cfg: cfg, log: log}, nil
}

// Local reports whether the server is the private instance.
func (s *Server) Local() bool { return s.local != nil }

// Config returns a copy of the connection settings for database name (the
// DSN's own database when name is empty).
func (s *Server) Config(name string) *mysql.Config {
	c := s.cfg.Clone()
	if name != "" {
		c.DBName = name
	}
	return c
}

// DefaultDatabase is the database a private instance uses.
const DefaultDatabase = "trading"

// Open connects to database name (created when the server is the private
// instance and it does not exist yet).
func (s *Server) Open(ctx context.Context, name string) (*sqlx.DB, error) {
	if name == "" {
		name = s.cfg.DBName
	}
	if name == "" {
		name = DefaultDatabase
	}
	if s.local != nil {
		if err := s.CreateDatabase(ctx, name); err != nil {
			return nil, err
		}
	}
	return Open(ctx, s.Config(name))
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// OpenMulti opens the small pool of connections that take several
// statements per request (see the function OpenMulti) on database name.
func (s *Server) OpenMulti(ctx context.Context, name string, conns int) (*sqlx.DB, error) {
	if name == "" {
		name = s.cfg.DBName
	}
	if name == "" {
		name = DefaultDatabase
	}
	return OpenMulti(ctx, s.Config(name), conns)
}

// CreateDatabase creates database name with utf8mb4 if it does not exist.
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	if !safeName.MatchString(name) {
		return fmt.Errorf("database name %q: only letters, digits and _", name)
	}
	admin, err := Open(ctx, s.Config(""))
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	if !safeName.MatchString(name) {
		return fmt.Errorf("database name %q: only letters, digits and _", name)
	}
	admin, err := Open(ctx, s.Config(""))
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	return err
}

// Close releases the private instance (stopping it when no other process
// uses it).
func (s *Server) Close() {
	if s.local != nil {
		s.local.Release(s.log)
	}
}
