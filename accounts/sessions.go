package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Session kinds.
const (
	KindWeb = "web" // cookie session
	KindAPI = "api" // bearer token
)

// ThrottlePolicy limits failed logins per user name and per client address.
// The counters live in the database, so the limits hold across instances.
type ThrottlePolicy struct {
	Window     time.Duration // failures count within this window
	MaxPerUser int           // failures for one user name before a lock
	MaxPerIP   int           // failures from one address before a lock
	BaseLock   time.Duration // first lock; doubles with each further failure
	MaxLock    time.Duration
}

// DefaultThrottle locks a user name after 5 failures in 15 minutes (1 minute,
// doubling up to 30), and an address after 30.
var DefaultThrottle = ThrottlePolicy{Window: 15 * time.Minute, MaxPerUser: 5, MaxPerIP: 30, BaseLock: time.Minute, MaxLock: 30 * time.Minute}

var errBadLogin = problem.New(problem.Unauthenticated, "login_failed", "用户名或密码错误")

// Login checks a user name and password and opens a session of kind. The
// answer for an unknown user and for a wrong password is the same. It
// returns the raw token (to put in a cookie or hand to an API client).
// throttleName is the user part of a login throttle key: the lower-cased
// name, or for a name longer than any user's (which no account has, and
// the key column would not hold) its SHA-256, so that guessing with long
// names is throttled too.
func throttleName(username string) string {
	u := strings.ToLower(username)
	if len(u) <= 64 {
		return u
	}
	sum := sha256.Sum256([]byte(u))
	return "#" + hex.EncodeToString(sum[:])
}

func (s *Service) Login(ctx context.Context, username, password, ip, userAgent, kind string) (string, *User, error) {
	username = strings.TrimSpace(username)
	now := s.Clock.Now()
	keys := []string{"u:" + throttleName(username), "ip:" + ip}
	if wait, err := s.lockedFor(ctx, keys, now); err != nil {
		return "", nil, err
	} else if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		return "", nil, &problem.Error{Kind: problem.TooMany, Code: "login_throttled",
			Message: fmt.Sprintf("登录失败次数过多，请%d秒后再试", secs), RetryAfterSeconds: secs}
	}

	var u User
	err := s.DB.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE username = ?`, username)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("look up user: %w", err)
	}
	found := err == nil
	hash := u.PasswordHash
	if !found {
		hash = s.dummy()
	}
	ok, herr := CheckPassword(hash, password)
	if !found || herr != nil || !ok {
		return "", nil, s.failLogin(ctx, keys, username, ip, now, "bad_credentials")
	}
	list := []User{u}
	if err := s.fillUsers(ctx, list); err != nil {
		return "", nil, err
	}
	u = list[0]
	if u.Status != StatusActive || (u.OrgID.Valid && u.OrgStatus != StatusActive) {
		reason := "账号尚未审核通过或已停用"
		if u.Status == StatusPending || u.OrgStatus == StatusPending {
			reason = "单位注册正在等待交易中心审核，审核通过后方可登录"
		}
		if err := s.auditAttempt(ctx, username, ip, now, "inactive"); err != nil {
			return "", nil, err
		}
		return "", nil, problem.New(problem.Forbidden, "account_inactive", reason)
	}

	token, tokenHash, err := newToken()
	if err != nil {
		return "", nil, err
	}
	expires := now.Add(s.AbsoluteTimeout)
	if kind == KindAPI {
		expires = now.Add(s.TokenLifetime)
	}
	actor := u.Actor(ip)
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, kind, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash, u.ID, kind, now, now, expires, ip, db.Clip(userAgent, 255)); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, now, u.ID); err != nil {
			return fmt.Errorf("update last login: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE throttle_key = ?`, keys[0]); err != nil {
			return fmt.Errorf("clear throttle: %w", err)
		}
		return audit.RecordAs(ctx, tx, actor, now, audit.Event{Action: "auth.login", ObjectType: "user", ObjectID: fmt.Sprint(u.ID),
			Summary: map[string]any{"kind": kind}})
	})
	if err != nil {
		return "", nil, err
	}
	return token, &u, nil
}

func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = HashPassword(s.Password, "no such user: equalise the time taken")
	})
	return s.dummyHash
}

func (s *Service) lockedFor(ctx context.Context, keys []string, now time.Time) (time.Duration, error) {
	q, args, err := sqlx.In(`SELECT locked_until FROM login_throttle WHERE throttle_key IN (?) AND locked_until IS NOT NULL`, keys)
	if err != nil {
		return 0, err
	}
	var until []time.Time
	if err := s.DB.SelectContext(ctx, &until, q, args...); err != nil {
		return 0, fmt.Errorf("read login throttle: %w", err)
	}
	var wait time.Duration
	for _, u := range until {
		if d := u.Sub(now); d > wait {
			wait = d
		}
	}
	return wait, nil
}

// failLogin counts the failure against each key, locking a key that passed
// its limit, and audits the attempt, all in one transaction.
func (s *Service) failLogin(ctx context.Context, keys []string, username, ip string, now time.Time, reason string) error {
	p := s.Throttle
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		for _, key := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (throttle_key, failures, window_start) VALUES (?, 0, ?)
				ON DUPLICATE KEY UPDATE throttle_key = throttle_key`, key, now); err != nil {
				return fmt.Errorf("throttle row: %w", err)
			}
			var row struct {
				Failures    int       `db:"failures"`
				WindowStart time.Time `db:"window_start"`
			}
			if err := tx.GetContext(ctx, &row, `SELECT failures, window_start FROM login_throttle WHERE throttle_key = ? FOR UPDATE`, key); err != nil {
				return fmt.Errorf("lock throttle row: %w", err)
			}
			if now.Sub(row.WindowStart) > p.Window {
				row.Failures, row.WindowStart = 0, now
			}
			row.Failures++
			limit := p.MaxPerUser
			if strings.HasPrefix(key, "ip:") {
				limit = p.MaxPerIP
			}
			var locked any
			if row.Failures >= limit {
				lock := p.BaseLock << min(row.Failures-limit, 16)
				if lock > p.MaxLock || lock <= 0 {
					lock = p.MaxLock
				}
				locked = now.Add(lock)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE login_throttle SET failures = ?, window_start = ?, locked_until = ? WHERE throttle_key = ?`,
				row.Failures, row.WindowStart, locked, key); err != nil {
				return fmt.Errorf("update throttle: %w", err)
			}
		}
		return audit.RecordAs(ctx, tx, audit.Actor{Username: db.Clip(username, 64), IP: ip}, now, audit.Event{
			Action: "auth.login_failed", ObjectType: "user", ObjectID: db.Clip(username, 64), Summary: map[string]any{"reason": reason}})
	})
	if err != nil {
		return err
	}
	return errBadLogin
}

func (s *Service) auditAttempt(ctx context.Context, username, ip string, now time.Time, reason string) error {
	return audit.RecordAs(ctx, s.DB, audit.Actor{Username: db.Clip(username, 64), IP: ip}, now, audit.Event{
		Action: "auth.login_failed", ObjectType: "user", ObjectID: db.Clip(username, 64), Summary: map[string]any{"reason": reason}})
}

// Session is an authenticated session with its user.
type Session struct {
	TokenHash string
	Kind      string
	User      *User
	ExpiresAt time.Time
}

var errNoSession = problem.New(problem.Unauthenticated, "not_logged_in", "请先登录")

// sessionQuery reads a session, its user, the user's organisation and roles
// in one round trip: one row per role (a user has a handful), the session and
// user columns repeated on each. Plain LEFT JOINs, portable to MySQL 8 and TiDB.
const sessionQuery = `SELECT s.kind, s.last_seen_at, s.expires_at, s.revoked_at,
	u.id, u.username, u.display_name, u.phone, u.password_hash, u.org_id, u.status, u.created_at, u.updated_at, u.last_login_at,
	u.must_change_password, o.name, o.status, r.role
	FROM sessions s
	JOIN users u ON u.id = s.user_id
	LEFT JOIN organisations o ON o.id = u.org_id
	LEFT JOIN user_roles r ON r.user_id = u.id
	WHERE s.token_hash = ?`

// sessionRow is a session as stored, with its user.
type sessionRow struct {
	Kind       string
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  sql.NullTime
	User       User
}

// loadSession reads the session with token hash h, or returns nil.
func (s *Service) loadSession(ctx context.Context, h string) (*sessionRow, error) {
	rows, err := s.DB.QueryContext(ctx, sessionQuery, h)
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	defer rows.Close()
	var row *sessionRow
	for rows.Next() {
		var r sessionRow
		var orgName, orgStatus, role sql.NullString
		u := &r.User
		if err := rows.Scan(&r.Kind, &r.LastSeenAt, &r.ExpiresAt, &r.RevokedAt,
			&u.ID, &u.Username, &u.DisplayName, &u.Phone, &u.PasswordHash, &u.OrgID, &u.Status, &u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt,
			&u.MustChangePassword, &orgName, &orgStatus, &role); err != nil {
			return nil, fmt.Errorf("read session: %w", err)
		}
		if row == nil {
			u.OrgName, u.OrgStatus = orgName.String, orgStatus.String
			row = &r
		}
		if role.Valid {
			row.User.Roles = append(row.User.Roles, role.String)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if row != nil {
		row.User.Roles = sortRoles(row.User.Roles)
	}
	return row, nil
}

// Authenticate resolves a raw token of kind to its live session: one query
// for the session, its user, organisation and roles, and at most once a
// minute per session a write of the sliding idle expiry.
func (s *Service) Authenticate(ctx context.Context, token, kind string) (*Session, error) {
	if token == "" || len(token) > 128 {
		return nil, errNoSession
	}
	h := hashToken(token)
	now := s.Clock.Now()
	if sess, ok := s.sessions.get(h, kind, now, s.SessionCacheTTL); ok {
		return sess, nil
	}
	gen := s.sessions.generation()
	row, err := s.loadSession(ctx, h)
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, errNoSession
	}
	idle := s.IdleTimeout
	if row.Kind == KindAPI {
		idle = s.TokenLifetime
	}
	if row.Kind != kind || row.RevokedAt.Valid || !now.Before(row.ExpiresAt) || now.Sub(row.LastSeenAt) >= idle {
		return nil, errNoSession
	}
	u := &row.User
	if u.Status != StatusActive || (u.OrgID.Valid && u.OrgStatus != StatusActive) {
		return nil, errNoSession
	}
	// Sliding idle expiry, written at most once a minute per session.
	if now.Sub(row.LastSeenAt) > time.Minute {
		if _, err := s.DB.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, now, h); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	sess := &Session{TokenHash: h, Kind: row.Kind, User: u, ExpiresAt: row.ExpiresAt}
	lastSeen := row.LastSeenAt
	if now.Sub(lastSeen) > time.Minute {
		lastSeen = now
	}
	s.sessions.put(gen, sess, lastSeen, idle, now, s.SessionCacheTTL)
	return sess, nil
}

// sessionCache holds the sessions this instance verified in the last
// SessionCacheTTL, by token hash, so that a client's burst of requests reads
// its session once. It is bounded; every change that ends a session or
// changes its user on this instance removes the entries concerned, and an
// entry read from the database while such a change happened is not kept.
type sessionCache struct {
	mu  sync.Mutex
	gen uint64 // moves on every removal
	m   map[string]cachedSession
}

type cachedSession struct {
	sess     Session
	lastSeen time.Time // as stored, or as just written
	idle     time.Duration
	until    time.Time // trusted until
}

// sessionCacheMax bounds the entries (each well under 1 KiB).
const sessionCacheMax = 20000

func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns a copy of the cached session h when it is still to be trusted
// and needs no write: not expired, not idle, its idle expiry written less
// than a minute ago.
func (c *sessionCache) get(h, kind string, now time.Time, ttl time.Duration) (*Session, bool) {
	if ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.m[h]
	c.mu.Unlock()
	if !ok || e.sess.Kind != kind || !now.Before(e.until) || !now.Before(e.sess.ExpiresAt) || now.Sub(e.lastSeen) > time.Minute || now.Sub(e.lastSeen) >= e.idle {
		return nil, false
	}
	sess := e.sess
	u := *e.sess.User
	u.Roles = append([]string(nil), u.Roles...)
	sess.User = &u
	return &sess, true
}

func (c *sessionCache) put(gen uint64, sess *Session, lastSeen time.Time, idle time.Duration, now time.Time, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	e := cachedSession{sess: *sess, lastSeen: lastSeen, idle: idle, until: now.Add(ttl)}
	u := *sess.User
	u.Roles = append([]string(nil), u.Roles...)
	e.sess.User = &u
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return // something was revoked while this was read: read it again next time
	}
	if c.m == nil {
		c.m = map[string]cachedSession{}
	}
	if len(c.m) >= sessionCacheMax {
		for k, v := range c.m {
			if !now.Before(v.until) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < sessionCacheMax {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[sess.TokenHash] = e
}

// forget removes the session with token hash h, or every session of user
// userID when h is empty.
func (c *sessionCache) forget(h string, userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if h != "" {
		delete(c.m, h)
		return
	}
	for k, v := range c.m {
		if v.sess.User.ID == userID {
			delete(c.m, k)
		}
	}
}

// Logout revokes the session of a raw token.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	h := hashToken(token)
	now := s.Clock.Now()
	defer s.sessions.forget(h, 0)
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`, now, h)
		if err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "auth.logout", ObjectType: "user", ObjectID: fmt.Sprint(audit.ActorFrom(ctx).UserID)})
	})
}

// PurgeSessions deletes sessions that ended before cutoff.
func (s *Service) PurgeSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? LIMIT 10000`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return res.RowsAffected()
}

func newToken() (raw, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("session token: %w", err)
	}
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, hashToken(raw), nil
}

func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
