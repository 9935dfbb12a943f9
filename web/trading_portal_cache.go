package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// The public announcement list is the busiest page of the centre. For
// visitors who are not logged in (no session, no flash message) the
// rendered page is kept for portalHTMLTTL per URL, per server, so a burst
// of the public costs one query and one template execution per URL and
// period. Logged-in users always get a fresh page (their header and
// navigation differ).
const portalHTMLTTL = 2 * time.Second

type htmlEntry struct {
	body   []byte
	status int
	at     time.Time
}

type htmlCache struct {
	mu      sync.Mutex
	entries map[string]htmlEntry
}

var (
	portalCachesMu sync.Mutex
	portalCaches   = map[*Server]*htmlCache{}
)

func (s *Server) portalHTML() *htmlCache {
	portalCachesMu.Lock()
	defer portalCachesMu.Unlock()
	c := portalCaches[s]
	if c == nil {
		c = &htmlCache{entries: map[string]htmlEntry{}}
		portalCaches[s] = c
	}
	return c
}

// anonymousCacheable reports whether the request may be served from the
// public page cache.
func anonymousCacheable(c echo.Context) bool {
	if currentUser(c) != nil {
		return false
	}
	if _, err := c.Cookie("flash"); err == nil {
		return false
	}
	return c.Request().Method == http.MethodGet
}

// cachedPublicPage serves the page from the cache, or renders it with
// render (which must write nothing itself) and keeps it.
func (s *Server) cachedPublicPage(c echo.Context, name string, build func() (status int, p *Page, err error)) error {
	if !anonymousCacheable(c) {
		status, p, err := build()
		if err != nil {
			return err
		}
		return s.renderPage(c, status, name, p)
	}
	key := c.Request().URL.RequestURI()
	now := time.Now()
	hc := s.portalHTML()
	hc.mu.Lock()
	e, ok := hc.entries[key]
	hc.mu.Unlock()
	if ok && now.Sub(e.at) < portalHTMLTTL {
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.HTMLBlob(e.status, e.body)
	}
	status, p, err := build()
	if err != nil {
		return err
	}
	t, err := s.views.page(name)
	if err != nil {
		return err
	}
	p.Nav = navFor(nil)
	p.Path = c.Request().URL.Path
	p.Now = s.Clock.Now()
	p.Version = s.cfg.Version
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	hc.mu.Lock()
	if len(hc.entries) > 2000 {
		hc.entries = map[string]htmlEntry{}
	}
	hc.entries[key] = htmlEntry{body: buf.Bytes(), status: status, at: now}
	hc.mu.Unlock()
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}
