package web

// The administrators' settings pages (experts, fixed-price selection, flags,
// 电子监察): one form of settings.Field, shown with the current values, saved
// all at once, redirecting with how many values changed.

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ggzy/settings"
)

// settingsPage is one administrator's settings page.
type settingsPage struct {
	name   string // the template
	title  string
	path   string // where the form posts and a save redirects to
	fields []settings.Field
	extra  []string // form values read besides the fields'
	// load reads the current values; save writes a form and says how many
	// values it changed.
	load func(context.Context) (map[string]string, error)
	save func(context.Context, map[string]string) (int, error)
	// effect tells what a change applies to, after "已修改N项设置，".
	effect string
}

// showSettings renders the page with form (the current values when nil)
// and, when err is a problem, its messages.
func (s *Server) showSettings(c echo.Context, sp settingsPage, status int, form map[string]string, err error) error {
	cur, lerr := sp.load(c.Request().Context())
	if lerr != nil {
		return lerr
	}
	if form == nil {
		form = cur
	}
	p := &Page{Title: sp.title, Form: form, Data: map[string]any{"Fields": sp.fields, "Current": cur}}
	return s.renderForm(c, status, sp.name, p, err)
}

// saveSettings saves the posted form, or shows it again with its problems.
func (s *Server) saveSettings(c echo.Context, sp settingsPage) error {
	form := map[string]string{}
	for _, k := range sp.extra {
		form[k] = c.FormValue(k)
	}
	for _, f := range sp.fields {
		form[f.Name] = c.FormValue(f.Name)
	}
	n, err := sp.save(c.Request().Context(), form)
	if err != nil {
		return s.showSettings(c, sp, http.StatusBadRequest, form, err)
	}
	msg := "设置未变化"
	if n > 0 {
		msg = "已修改" + strconv.Itoa(n) + "项设置，" + sp.effect
	}
	return s.redirectFlash(c, sp.path, msg)
}
