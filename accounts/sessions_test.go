package accounts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/idcode"
	"ggzy/problem"
)

// TestMain gives the package's tests their fresh migrated database.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

const testPassword = "session-test-password-1"

var uscc = 0

func newOrg(t *testing.T, s *Service, kind string) int64 {
	t.Helper()
	uscc++
	prefix := fmt.Sprintf("91330100MA%07d", 7000+uscc)
	c, err := idcode.USCCCheckChar(prefix)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateOrganisation(audit.WithActor(context.Background(), audit.System),
		OrgInput{Name: fmt.Sprintf("会话测试单位%d有限公司", uscc), USCC: prefix + string(c), Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newUser(t *testing.T, s *Service, name string, orgID int64, roles ...string) int64 {
	t.Helper()
	id, err := s.CreateUser(audit.WithActor(context.Background(), audit.System),
		UserInput{Username: name, DisplayName: name, OrgID: orgID, Roles: roles, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func login(t *testing.T, s *Service, name, kind string) string {
	t.Helper()
	tok, _, err := s.Login(context.Background(), name, testPassword, "127.0.0.1", "test", kind)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantNoSession(t *testing.T, sess *Session, err error) {
	t.Helper()
	if p, ok := problem.As(err); !ok || p.Code != "not_logged_in" || sess != nil {
		t.Fatalf("want not_logged_in, have %v %v", sess, err)
	}
}

func newSessionService(t *testing.T) (*Service, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 5, 11, 2, 0, 0, 0, time.UTC))
	s := New(dbtest.DB(t), clk)
	s.Password = PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}
	return s, clk
}

// Authenticate reads the session, user, organisation and roles in one
// query; the result must be the user as User() reads it.
func TestAuthenticateReturnsTheWholeUser(t *testing.T) {
	s, _ := newSessionService(t)
	ctx := context.Background()
	org := newOrg(t, s, OrgAgency)
	uid := newUser(t, s, "sess_multi", org, RoleExpert, RoleAgency, RoleClerk)
	nobody := newUser(t, s, "sess_noorg", 0, RoleStaff)

	for _, tt := range []struct {
		name string
		id   int64
		kind string
	}{{"sess_multi", uid, KindAPI}, {"sess_multi", uid, KindWeb}, {"sess_noorg", nobody, KindWeb}} {
		tok := login(t, s, tt.name, tt.kind)
		sess, err := s.Authenticate(ctx, tok, tt.kind)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.User(ctx, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		got := sess.User
		if got.ID != want.ID || got.Username != want.Username || got.DisplayName != want.DisplayName || got.PasswordHash != want.PasswordHash ||
			got.OrgID != want.OrgID || got.OrgName != want.OrgName || got.OrgStatus != want.OrgStatus || got.Status != want.Status ||
			!slices.Equal(got.Roles, want.Roles) || !got.LastLoginAt.Time.Equal(want.LastLoginAt.Time) {
			t.Fatalf("%s: Authenticate's user\n%+v\nUser()\n%+v", tt.name, *got, *want)
		}
		if sess.Kind != tt.kind || sess.TokenHash != hashToken(tok) {
			t.Fatalf("session %+v", sess)
		}
	}
	sess, err := s.Authenticate(ctx, login(t, s, "sess_multi", KindAPI), KindAPI)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{RoleClerk, RoleAgency, RoleExpert}; !slices.Equal(sess.User.Roles, want) || sess.User.PrimaryRole() != RoleClerk {
		t.Fatalf("roles %v, want %v", sess.User.Roles, want)
	}
	o, err := s.Organisation(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if sess.User.OrgName != o.Name || sess.User.OrgStatus != StatusActive {
		t.Fatalf("organisation %q %q, want %q active", sess.User.OrgName, sess.User.OrgStatus, o.Name)
	}
}

// Every way a session ends takes effect on the next request.
func TestAuthenticateRefusesEndedSessions(t *testing.T) {
	s, clk := newSessionService(t)
	ctx := context.Background()
	org := newOrg(t, s, OrgBidder)
	uid := newUser(t, s, "sess_end", org, RoleBidder)

	// Unknown, malformed and wrong-kind tokens.
	for _, tok := range []string{"", "no-such-token", string(make([]byte, 200))} {
		sess, err := s.Authenticate(ctx, tok, KindAPI)
		wantNoSession(t, sess, err)
	}
	web := login(t, s, "sess_end", KindWeb)
	sess, err := s.Authenticate(ctx, web, KindAPI)
	wantNoSession(t, sess, err)

	// Logout: immediate.
	api := login(t, s, "sess_end", KindAPI)
	if _, err := s.Authenticate(ctx, api, KindAPI); err != nil {
		t.Fatal(err)
	}
	if err := s.Logout(ctx, api); err != nil {
		t.Fatal(err)
	}
	sess, err = s.Authenticate(ctx, api, KindAPI)
	wantNoSession(t, sess, err)

	// Disabling the user revokes its sessions.
	api = login(t, s, "sess_end", KindAPI)
	if _, err := s.Authenticate(ctx, api, KindAPI); err != nil {
		t.Fatal(err)
	}
	admin := audit.WithActor(ctx, audit.Actor{UserID: 0, Username: "admin", Role: RoleAdmin, Roles: []string{RoleAdmin}})
	if err := s.UpdateUser(admin, uid, []string{RoleBidder}, StatusDisabled); err != nil {
		t.Fatal(err)
	}
	sess, err = s.Authenticate(ctx, api, KindAPI)
	wantNoSession(t, sess, err)
	if err := s.UpdateUser(admin, uid, []string{RoleBidder}, StatusActive); err != nil {
		t.Fatal(err)
	}

	// A disabled organisation locks out its users.
	api = login(t, s, "sess_end", KindAPI)
	if _, err := s.DB.Exec(`UPDATE organisations SET status = ? WHERE id = ?`, StatusDisabled, org); err != nil {
		t.Fatal(err)
	}
	sess, err = s.Authenticate(ctx, api, KindAPI)
	wantNoSession(t, sess, err)
	if _, err := s.DB.Exec(`UPDATE organisations SET status = ? WHERE id = ?`, StatusActive, org); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, api, KindAPI); err != nil {
		t.Fatal(err)
	}

	// A changed password ends the sessions.
	if err := s.SetPassword(admin, uid, testPassword); err != nil {
		t.Fatal(err)
	}
	sess, err = s.Authenticate(ctx, api, KindAPI)
	wantNoSession(t, sess, err)

	// Idle expiry slides, written at most once a minute; the absolute
	// expiry does not.
	web = login(t, s, "sess_end", KindWeb)
	for i := 0; i < 30; i++ { // 30 × 20 min = 10 h, under the 12 h absolute limit
		clk.Advance(20 * time.Minute)
		if _, err := s.Authenticate(ctx, web, KindWeb); err != nil {
			t.Fatalf("after %d × 20 min: %v", i+1, err)
		}
	}
	clk.Advance(s.IdleTimeout)
	sess, err = s.Authenticate(ctx, web, KindWeb)
	wantNoSession(t, sess, err)
	web = login(t, s, "sess_end", KindWeb)
	for i := 0; i < 40; i++ { // 40 × 20 min > 12 h
		clk.Advance(20 * time.Minute)
		sess, err = s.Authenticate(ctx, web, KindWeb)
	}
	wantNoSession(t, sess, err)
	if !errors.Is(err, errNoSession) {
		t.Fatalf("want errNoSession, have %v", err)
	}
}

// A session verified on this instance is trusted for SessionCacheTTL
// without reading it again; every change made through this instance ends
// that at once, a change made elsewhere (another instance) after the TTL.
func TestSessionCacheRevocation(t *testing.T) {
	s, clk := newSessionService(t)
	ctx := context.Background()
	if s.SessionCacheTTL <= 0 || s.SessionCacheTTL > 5*time.Second {
		t.Fatalf("SessionCacheTTL %s: the README promises a revocation delay of a few seconds", s.SessionCacheTTL)
	}
	org := newOrg(t, s, OrgBidder)
	uid := newUser(t, s, "sess_cache", org, RoleBidder)
	admin := audit.WithActor(ctx, audit.Actor{Username: "admin", Role: RoleAdmin, Roles: []string{RoleAdmin}})
	authOK := func(tok, kind string) *Session {
		t.Helper()
		sess, err := s.Authenticate(ctx, tok, kind)
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}
	authRefused := func(tok, kind string) {
		t.Helper()
		sess, err := s.Authenticate(ctx, tok, kind)
		wantNoSession(t, sess, err)
	}

	// Revoked behind this instance's back: trusted until the TTL runs out.
	tok := login(t, s, "sess_cache", KindAPI)
	authOK(tok, KindAPI)
	if _, err := s.DB.Exec(`UPDATE sessions SET revoked_at = ? WHERE token_hash = ?`, clk.Now(), hashToken(tok)); err != nil {
		t.Fatal(err)
	}
	authOK(tok, KindAPI)
	clk.Advance(s.SessionCacheTTL)
	authRefused(tok, KindAPI)

	// Logout on this instance: immediate, although the session is cached.
	for _, kind := range []string{KindAPI, KindWeb} {
		tok = login(t, s, "sess_cache", kind)
		authOK(tok, kind)
		authOK(tok, kind)
		if err := s.Logout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		authRefused(tok, kind)
	}

	// The cached session is a copy: a caller changing it changes nothing.
	tok = login(t, s, "sess_cache", KindAPI)
	sess := authOK(tok, KindAPI)
	sess.User.Roles[0] = RoleAdmin
	sess.User.Status = StatusDisabled
	if again := authOK(tok, KindAPI); !slices.Equal(again.User.Roles, []string{RoleBidder}) || again.User.Status != StatusActive {
		t.Fatalf("cached session changed by a caller: %+v", *again.User)
	}

	// New roles: the next request has them.
	if err := s.UpdateUser(admin, uid, []string{RoleBidder, RoleExpert}, StatusActive); err != nil {
		t.Fatal(err)
	}
	if got := authOK(tok, KindAPI).User.Roles; !slices.Equal(got, []string{RoleBidder, RoleExpert}) {
		t.Fatalf("roles after the change %v", got)
	}
	// Disabled: the next request is refused.
	authOK(tok, KindAPI)
	if err := s.UpdateUser(admin, uid, []string{RoleBidder}, StatusDisabled); err != nil {
		t.Fatal(err)
	}
	authRefused(tok, KindAPI)
	if err := s.UpdateUser(admin, uid, []string{RoleBidder}, StatusActive); err != nil {
		t.Fatal(err)
	}
	// New password: every session of the user ends at once.
	toks := []string{login(t, s, "sess_cache", KindAPI), login(t, s, "sess_cache", KindWeb)}
	authOK(toks[0], KindAPI)
	authOK(toks[1], KindWeb)
	if err := s.SetPassword(admin, uid, testPassword); err != nil {
		t.Fatal(err)
	}
	authRefused(toks[0], KindAPI)
	authRefused(toks[1], KindWeb)

	// Kind is checked on a cached session too.
	tok = login(t, s, "sess_cache", KindAPI)
	authOK(tok, KindAPI)
	authRefused(tok, KindWeb)

	// Without the cache every request reads the session.
	s.SessionCacheTTL = 0
	authOK(tok, KindAPI)
	if _, err := s.DB.Exec(`UPDATE sessions SET revoked_at = ? WHERE token_hash = ?`, clk.Now(), hashToken(tok)); err != nil {
		t.Fatal(err)
	}
	authRefused(tok, KindAPI)
}

// A session read from the database while a revocation happened on this
// instance is not kept; the cache stays within its bound.
func TestSessionCacheRaceAndBound(t *testing.T) {
	var c sessionCache
	now := time.Date(2026, 5, 11, 2, 0, 0, 0, time.UTC)
	ttl := 2 * time.Second
	sess := func(h string, user int64) *Session {
		return &Session{TokenHash: h, Kind: KindAPI, User: &User{ID: user, Roles: []string{RoleBidder}}, ExpiresAt: now.Add(time.Hour)}
	}
	gen := c.generation()
	c.forget("other", 0) // a logout lands between the read and the put
	c.put(gen, sess("a", 1), now, time.Hour, now, ttl)
	if _, ok := c.get("a", KindAPI, now, ttl); ok {
		t.Fatal("a session read before a revocation was kept")
	}
	c.put(c.generation(), sess("a", 1), now, time.Hour, now, ttl)
	if _, ok := c.get("a", KindAPI, now, ttl); !ok {
		t.Fatal("not kept")
	}
	if _, ok := c.get("a", KindAPI, now.Add(ttl), ttl); ok {
		t.Fatal("kept past its TTL")
	}
	for i := 0; i < sessionCacheMax+100; i++ {
		c.put(c.generation(), sess(fmt.Sprint("h", i), int64(i)), now, time.Hour, now, ttl)
	}
	if n := len(c.m); n > sessionCacheMax {
		t.Fatalf("%d entries, bound %d", n, sessionCacheMax)
	}
}
