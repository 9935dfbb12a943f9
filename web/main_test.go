package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/demo"
	"ggzy/expertpool"
	"ggzy/filestore"
	"ggzy/schedule"
	"ggzy/trading"
	"ggzy/vault"
	"ggzy/wiring"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// testPassword is every demo user's password in these tests.
const testPassword = "test-password-1"

var seedOnce sync.Once

// env is one server on the package's database, with its own fake clock.
type env struct {
	t     testing.TB
	db    *sqlx.DB
	clock *clock.Fake
	srv   *Server
	deps  Deps
}

// fastPasswords keeps argon2id cheap in tests; production parameters are
// measured in docs/PERFORMANCE.md.
var fastPasswords = accounts.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}

func newEnv(t testing.TB) *env {
	t.Helper()
	x := dbtest.DB(t)
	clk := clock.NewFake(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // 09:00 Monday in Shanghai
	acc := accounts.New(x, clk)
	acc.Password = fastPasswords
	v, err := vault.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	cal := &calendar.Store{DB: x, Clock: clk}
	seedOnce.Do(func() {
		ctx := context.Background()
		if _, err := cal.SeedIfEmpty(ctx); err != nil {
			t.Fatalf("seed calendar: %v", err)
		}
		if _, err := demo.Seed(ctx, acc, testPassword); err != nil {
			t.Fatalf("seed demo users: %v", err)
		}
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TRADING_TEST_VERBOSE") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	d := Deps{
		Accounts: acc, Calendar: cal, Audit: &audit.Reader{DB: x, Clock: clk}, Clock: clk, Log: log,
		Ready:      func(ctx context.Context) error { return x.PingContext(ctx) },
		Trading:    &trading.Service{DB: x, Multi: dbtest.SharedMulti(t), Clock: clk, Vault: v, Calendar: cal, Files: filestore.Local{Root: t.TempDir()}},
		FixedPrice: &trading.FixedPrice{DB: x, Clock: clk, Calendar: cal, Vault: v},
		Experts:    &expertpool.Service{DB: x, Clock: clk, Vault: v, Log: log, Notifier: &expertNotices, ReplyURL: "http://test/experts/reply/"},
		Schedule:   &schedule.Service{DB: x, Clock: clk, Calendar: cal},
		Evaluation: newEvaluation(x, clk),
		Vault:      v,
	}
	// The evaluation's ports are the real areas, wired as cmd/trading wires
	// them; evaluation tests that fake the world re-wire it (evaltest).
	wiring.Evaluation(d.Evaluation, d.Trading, d.Experts, d.Schedule)
	wiring.Experts(d.Experts, d.Trading)
	wiring.Schedule(d.Schedule, d.Trading, &filestore.Local{Root: t.TempDir()})
	srv, err := New(Config{BodyLimit: "1M"}, d)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: x, clock: clk, srv: srv, deps: d}
}

// client is a browser or API client with its own address and cookies.
type client struct {
	e       *env
	ip      string
	cookies map[string]string
	token   string // bearer token for /api
	user    string
}

// anon is a visitor who has opened the home page (and so holds the
// anonymous CSRF cookie, as a browser that shows a form does).
func (e *env) anon() *client {
	c := &client{e: e, ip: fmt.Sprintf("10.%d.%d.%d", rand.IntN(250)+1, rand.IntN(250)+1, rand.IntN(250)+1), cookies: map[string]string{}}
	c.get("/")
	return c
}

// browser logs username in through the login form.
func (e *env) browser(username string) *client {
	e.t.Helper()
	c := e.anon()
	c.user = username
	r := c.get("/login")
	if r.Code != http.StatusOK {
		e.t.Fatalf("GET /login: %d", r.Code)
	}
	r = c.postForm("/login", url.Values{"username": {username}, "password": {testPassword}})
	if r.Code != http.StatusSeeOther || c.cookies[sessionCookie] == "" {
		e.t.Fatalf("login %s: status %d, body %s", username, r.Code, r.Body.String())
	}
	return c
}

// api gets a bearer token for username.
func (e *env) api(username string) *client {
	e.t.Helper()
	c := e.anon()
	c.user = username
	r := c.json(http.MethodPost, "/api/v1/tokens", map[string]string{"username": username, "password": testPassword})
	if r.Code != http.StatusCreated {
		e.t.Fatalf("token for %s: %d %s", username, r.Code, r.Body.String())
	}
	var tok struct{ Token string }
	r.decode(e.t, &tok)
	c.token = tok.Token
	return c
}

type response struct {
	*httptest.ResponseRecorder
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body.String(), err)
	}
}

// errorCode returns the JSON error code of an error answer.
func (r response) errorCode(t testing.TB) string {
	t.Helper()
	var e apiError
	r.decode(t, &e)
	return e.Error.Code
}

func (c *client) do(req *http.Request) response {
	req.RemoteAddr = c.ip + ":40000"
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if c.token != "" && strings.HasPrefix(req.URL.Path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	rec := httptest.NewRecorder()
	c.e.srv.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return response{rec}
}

func (c *client) get(path string) response {
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// csrf is the token a form of this client must carry.
func (c *client) csrf() string {
	if sid := c.cookies[sessionCookie]; sid != "" {
		return sessionCSRF(sid)
	}
	return c.cookies[csrfCookie]
}

// postForm submits a form with the CSRF token, as a browser would.
func (c *client) postForm(path string, v url.Values) response {
	form := url.Values{}
	for k, vs := range v {
		form[k] = vs
	}
	if form.Get(csrfField) == "" {
		form.Set(csrfField, c.csrf())
	}
	v = form
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// json sends a JSON request.
func (c *client) json(method, path string, body any) response {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return c.do(req)
}

// sealAndVerify seals every pending audit event and checks the chain.
func (e *env) sealAndVerify() audit.Report {
	e.t.Helper()
	s := &audit.Sealer{DB: e.db, Clock: e.clock, Log: slog.Default()}
	if _, err := s.SealAll(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	rep, err := audit.Verify(context.Background(), e.db, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

// count runs a COUNT(*) query.
func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.Get(&n, q, args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// keepSettings restores the settings rows of prefix ("expertpool", …) when
// the test ends: the package's tests share one database.
func keepSettings(t *testing.T, e *env, prefix string) {
	t.Helper()
	type row struct {
		Name  string `db:"name"`
		Value string `db:"value"`
	}
	var saved []row
	if err := e.db.Select(&saved, `SELECT name, value FROM settings WHERE name LIKE ?`, prefix+".%"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := e.db.Exec(`DELETE FROM settings WHERE name LIKE ?`, prefix+".%"); err != nil {
			t.Error(err)
		}
		for _, r := range saved {
			if _, err := e.db.Exec(`INSERT INTO settings (name, value, updated_at) VALUES (?, ?, NOW(6))`, r.Name, r.Value); err != nil {
				t.Error(err)
			}
		}
	})
}
