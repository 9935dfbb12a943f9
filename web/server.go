// Package web is the only HTTP layer: Echo, middleware, sessions, handlers
// (one file per area), one error handler and the template renderer. It never
// writes SQL; it calls the domain services.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"ggzy/accounts"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/schedule"
	"ggzy/trading"
	"ggzy/vault"
)

// Config holds the HTTP settings.
type Config struct {
	Addr           string        // TRADING_ADDR
	BodyLimit      string        // e.g. "2M" for forms and JSON
	RequestTimeout time.Duration // per request, except streaming uploads
	TrustedProxies []string      // CIDRs whose X-Forwarded-For is believed
	SecureCookies  bool          // set when served over HTTPS
	DevTemplates   bool          // re-parse templates on each request
	// MetricsAllow are the CIDRs that may read /metrics (default loopback):
	// request counters by route would tell outsiders how busy sealed steps are.
	MetricsAllow []string
	Version      string
}

// Deps are the services the handlers call.
type Deps struct {
	Accounts   *accounts.Service
	Calendar   *calendar.Store
	Audit      AuditReader
	Trading    *trading.Service
	FixedPrice *trading.FixedPrice // fixed-price selection (固定价比选)
	Experts    *expertpool.Service
	Schedule   *schedule.Service
	Evaluation *evaluation.Service // openings, evaluations, publicity
	Vault      *vault.Vault
	Clock      clock.Clock
	Log        *slog.Logger
	Ready      func(ctx context.Context) error // database reachable
	Registry   *prometheus.Registry
}

// Server is the HTTP server.
type Server struct {
	Echo *echo.Echo
	cfg  Config
	Deps
	views      *views
	metrics    *httpMetrics
	openapiDoc []byte
}

// New builds the Echo instance with middleware and every route.
func New(cfg Config, d Deps) (*Server, error) {
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "2M"
	}
	if len(cfg.MetricsAllow) == 0 {
		cfg.MetricsAllow = []string{"127.0.0.0/8", "::1/128"}
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	v, err := newViews(cfg.DevTemplates)
	if err != nil {
		return nil, err
	}
	doc, err := OpenAPI()
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{Echo: e, cfg: cfg, Deps: d, views: v, openapiDoc: doc}
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.metrics = newHTTPMetrics(s.Registry)
	e.HTTPErrorHandler = s.handleError
	e.JSONSerializer = strictJSON{}
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)

	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(s.metrics.middleware)
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			lvl := slog.LevelInfo
			if v.Status >= 500 {
				lvl = slog.LevelError
			}
			attrs := []slog.Attr{slog.String("id", v.RequestID), slog.String("method", v.Method), slog.String("uri", v.URI),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency), slog.String("ip", v.RemoteIP)}
			if v.Error != nil && v.Status >= 500 {
				attrs = append(attrs, slog.String("err", v.Error.Error()))
			}
			s.Log.LogAttrs(c.Request().Context(), lvl, "request", attrs...)
			return nil
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
	}))
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
		Timeout: cfg.RequestTimeout,
		Skipper: func(c echo.Context) bool { return isStreaming(c) || isLongWork(c) },
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   cfg.BodyLimit,
		Skipper: func(c echo.Context) bool { return isStreaming(c) },
	}))
	e.Use(s.formText)
	e.Use(s.authenticate)
	e.Use(s.csrf)
	e.Use(s.passwordFirst)

	s.routes()
	return s, nil
}

// streamingPaths are routes that read large bodies themselves (sealed bid
// uploads, imports) and set their own limits.
var streamingPaths = []string{"/api/v1/bids/lots/", "/bidder/lots/"}

func isStreaming(c echo.Context) bool {
	p := c.Request().URL.Path
	for _, sp := range streamingPaths {
		if strings.HasPrefix(p, sp) && strings.HasSuffix(p, "/files") {
			return true
		}
	}
	return false
}

// isLongWork tells the routes that walk the whole audit chain (exports,
// the walk itself, checks of saved checkpoints): they set their own
// time-out (walkTimeout) instead of the general one, which a year's chain
// could outlast.
func isLongWork(c echo.Context) bool {
	switch p := c.Request().URL.Path; {
	case p == "/supervision/audit/verify", p == "/api/v1/audit/verify",
		p == "/supervision/audit/checkpoints/check", p == "/api/v1/audit/checkpoints/check":
		return true
	case strings.HasPrefix(p, "/supervision/projects/") && strings.HasSuffix(p, "/archive.zip"),
		strings.HasPrefix(p, "/api/v1/supervision/projects/") && strings.HasSuffix(p, "/archive"):
		return true
	}
	return false
}

func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	var opts []echo.TrustOption
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	for _, cidr := range trusted {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(cidr)); err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ServeHTTP lets tests drive the whole stack.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Echo.ServeHTTP(w, r) }

// Start listens on the configured address until ctx ends, then shuts down
// gracefully.
func (s *Server) Start(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Echo, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// onlyFrom serves h to clients whose address lies in one of cidrs and
// answers 404 to everyone else.
func (s *Server) onlyFrom(cidrs []string, h echo.HandlerFunc) echo.HandlerFunc {
	var nets []*net.IPNet
	for _, c := range cidrs {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(c)); err == nil {
			nets = append(nets, n)
		}
	}
	return func(c echo.Context) error {
		ip := net.ParseIP(c.RealIP())
		for _, n := range nets {
			if ip != nil && n.Contains(ip) {
				return h(c)
			}
		}
		return echo.ErrNotFound
	}
}
