package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/problem"
)

const (
	sessionCookie = "sid"
	csrfCookie    = "csrf"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
	ctxSession    = "session"
	ctxRawToken   = "raw_token"
)

// authenticate resolves the session cookie (pages) or bearer token (API) and
// puts the user and the audit actor into the request context. Requests
// without credentials go on as the public.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var token, kind string
		if h := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
			token, kind = strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")), accounts.KindAPI
		} else if ck, err := c.Cookie(sessionCookie); err == nil && !isAPI(c) {
			token, kind = ck.Value, accounts.KindWeb
		}
		ctx := c.Request().Context()
		actor := audit.Actor{Username: "anonymous", IP: c.RealIP()}
		if token != "" {
			sess, err := s.Accounts.Authenticate(ctx, token, kind)
			if err != nil {
				if _, ok := problem.As(err); !ok {
					return err
				}
				if kind == accounts.KindAPI {
					return err
				}
				// A stale cookie: forget it and carry on as the public.
				clearCookie(c, sessionCookie, s.cfg.SecureCookies)
			} else {
				c.Set(ctxSession, sess)
				c.Set(ctxRawToken, token)
				actor = sess.User.Actor(c.RealIP())
			}
		}
		c.SetRequest(c.Request().WithContext(audit.WithActor(ctx, actor)))
		return next(c)
	}
}

const mustChangeMessage = "您的密码由管理员设置，请先修改密码后再办理业务"

// passwordFirst lets a user whose password an administrator set (a new
// account, a reset) do nothing but replace it, read who they are and log
// out: pages lead to the account page, the API answers 403
// password_change_required.
func (s *Server) passwordFirst(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		if u == nil || !u.MustChangePassword {
			return next(c)
		}
		r := c.Request()
		switch p := r.URL.Path; {
		case p == "/account", p == "/account/password", p == "/logout", strings.HasPrefix(p, "/static/"),
			p == "/api/v1/me", p == "/api/v1/me/password", p == "/api/v1/tokens/current", p == "/api/openapi.json":
			return next(c)
		}
		if !isAPI(c) && r.Method == http.MethodGet {
			return s.redirectFlash(c, "/account", mustChangeMessage)
		}
		return problem.New(problem.Forbidden, "password_change_required", mustChangeMessage+"（网页：我的账号；接口：PUT /api/v1/me/password）")
	}
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// currentUser returns the logged-in user or nil.
func currentUser(c echo.Context) *accounts.User {
	if sess, ok := c.Get(ctxSession).(*accounts.Session); ok {
		return sess.User
	}
	return nil
}

// requireRoles lets a request through when the user holds one of roles.
func requireRoles(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := currentUser(c)
			if u == nil {
				if !isAPI(c) && c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/login?next="+urlEscape(c.Request().URL.RequestURI()))
				}
				return problem.New(problem.Unauthenticated, "not_logged_in", "请先登录")
			}
			if len(roles) == 0 {
				return next(c)
			}
			for _, r := range roles {
				for _, have := range u.Roles {
					if r == have {
						return next(c)
					}
				}
			}
			return problem.New(problem.Forbidden, "forbidden", "您的角色无权进行此操作")
		}
	}
}

// loggedIn requires any logged-in user.
var loggedIn = requireRoles()

// csrf protects every form. Logged-in users' tokens are derived from their
// session token (so they die with the session); anonymous forms (login,
// registration) use a double-submit cookie. The JSON API uses bearer tokens,
// which browsers never attach on their own, so it needs no CSRF token.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isAPI(c) {
			return next(c)
		}
		want := s.csrfToken(c)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			if q := c.QueryParam(csrfField); q != "" && isStreaming(c) {
				got = q // an upload streams its body: the token cannot come after the file
			} else if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) || !isStreaming(c) {
				got = c.Request().PostFormValue(csrfField) // the body only, not the query string
			}
		}
		if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return problem.New(problem.Forbidden, "csrf_invalid", "页面已过期或来源不明，请刷新页面后重试")
		}
		return next(c)
	}
}

// csrfToken returns the token forms must carry, setting the anonymous cookie
// when needed.
func (s *Server) csrfToken(c echo.Context) string {
	if raw, ok := c.Get(ctxRawToken).(string); ok && raw != "" {
		return sessionCSRF(raw)
	}
	if v, ok := c.Get(csrfCookie).(string); ok {
		return v
	}
	if ck, err := c.Cookie(csrfCookie); err == nil && s.anonTokenValid(ck.Value) {
		c.Set(csrfCookie, ck.Value)
		return ck.Value
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	v := s.signAnonToken(base64.RawURLEncoding.EncodeToString(b))
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Set(csrfCookie, v)
	// A request that arrives without the cookie cannot have a valid token.
	return ""
}

// The anonymous forms' token is random ‖ "." ‖ its HMAC under a key of the
// vault: a cookie planted with a value of the attacker's choosing (cookie
// tossing from a sibling host) is not a token this server issued.
func (s *Server) signAnonToken(random string) string {
	return random + "." + s.anonMAC(random)
}

func (s *Server) anonMAC(random string) string {
	var key []byte
	if s.Vault != nil {
		key = s.Vault.Key("csrf", "anonymous")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(random))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (s *Server) anonTokenValid(v string) bool {
	random, mac, ok := strings.Cut(v, ".")
	return ok && len(random) >= 32 && subtle.ConstantTimeCompare([]byte(mac), []byte(s.anonMAC(random))) == 1
}

func clearCookie(c echo.Context, name string, secure bool) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// httpMetrics are the Prometheus request metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trading_http_requests_total", Help: "HTTP requests by route and status."}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "trading_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *httpMetrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		if err != nil {
			status = statusOf(err)
		}
		m.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(c.Request().Method, route).Observe(time.Since(start).Seconds())
		return err
	}
}

// sessionCSRF derives a logged-in user's form token from the session token.
func sessionCSRF(raw string) string {
	m := hmac.New(sha256.New, []byte(raw))
	m.Write([]byte("csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
