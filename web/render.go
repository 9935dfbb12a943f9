package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/templates"
)

// views holds every page template, each a clone of the layout with its page
// parsed in. They are parsed once at start-up (or per request in dev mode).
type views struct {
	dev   bool
	mu    sync.Mutex
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"viaName": audit.ViaName,
	// justBefore is the last instant before an exclusive end (a period
	// shown by its first and last dates).
	"justBefore": func(t time.Time) time.Time { return t.Add(-time.Microsecond) },
	"localtime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.Shanghai).Format("2006-01-02 15:04")
	},
	"localdate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.Shanghai).Format("2006-01-02")
	},
	"roleName":        func(r string) string { return accounts.RoleNames[r] },
	"calendarHorizon": func() int { return calendar.CoverageHorizon },
	"statusName":      func(s string) string { return accounts.StatusNames[s] },
	"orgKindName": func(k string) string {
		return accounts.OrgKindNames[k]
	},
	"join": strings.Join,
	"has": func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"fieldErr": func(p any, field string) string {
		if m, ok := p.(map[string]string); ok {
			return m[field]
		}
		return ""
	},
}

func newViews(dev bool) (*views, error) {
	v := &views{dev: dev}
	if err := v.parse(); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *views) parse() error {
	base, err := template.New("layout").Funcs(funcs).ParseFS(templates.FS, "layout/*.html")
	if err != nil {
		return fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		return err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.ParseFS(templates.FS, n); err != nil {
			return fmt.Errorf("parse %s: %w", n, err)
		}
		pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	v.mu.Lock()
	v.pages = pages
	v.mu.Unlock()
	return nil
}

func (v *views) page(name string) (*template.Template, error) {
	if v.dev {
		if err := v.parse(); err != nil {
			return nil, err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	return t, nil
}

// Page is what every template receives.
type Page struct {
	Title   string
	User    *accounts.User
	Role    string
	Nav     []NavItem
	CSRF    string
	Path    string
	Flash   string
	Errors  map[string]string // field → message
	Problem string            // form-level message
	Form    map[string]string // values to re-fill
	Data    any
	Now     time.Time
	Version string
}

// render writes the page into a buffer first, so a template error never
// leaves half a page.
func (s *Server) render(c echo.Context, status int, name, title string, data any) error {
	return s.renderPage(c, status, name, &Page{Title: title, Data: data})
}

func (s *Server) renderPage(c echo.Context, status int, name string, p *Page) error {
	t, err := s.views.page(name)
	if err != nil {
		return err
	}
	p.User = currentUser(c)
	if p.User != nil {
		p.Role = p.User.PrimaryRole()
	}
	p.Nav = navFor(p.User)
	p.CSRF = s.csrfToken(c)
	p.Path = c.Request().URL.Path
	p.Now = s.Clock.Now()
	p.Version = s.cfg.Version
	if p.Flash == "" {
		if ck, err := c.Cookie("flash"); err == nil {
			p.Flash = flashDecode(ck.Value)
			clearCookie(c, "flash", s.cfg.SecureCookies)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// redirectFlash redirects after a successful form post with a message shown
// on the next page.
func (s *Server) redirectFlash(c echo.Context, to, msg string) error {
	c.SetCookie(&http.Cookie{Name: "flash", Value: flashEncode(msg), Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 60})
	return c.Redirect(http.StatusSeeOther, to)
}
