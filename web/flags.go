package web

// The supervisors' red flags (预警, DOMAIN.md §8): a page and an API, both
// for supervisors, computed on demand by package flags; every read is
// recorded in the audit trail.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ggzy/flags"
	"ggzy/problem"
)

func (s *Server) flagsRoutes() {
	s.Echo.GET("/supervision/flags", s.flagsPage, requireRoles(supervisor))
	s.Echo.GET("/api/v1/supervision/flags", s.apiFlags, requireRoles(supervisor))
	s.Echo.GET("/admin/flags/settings", s.flagSettings, requireRoles(admin))
	s.Echo.POST("/admin/flags/settings", s.flagSettingsSave, requireRoles(admin))
}

// flagsService is the flags over the areas the server already holds.
func (s *Server) flagsService() *flags.Service {
	return &flags.Service{DB: s.Trading.DB, Clock: s.Clock, Trading: s.Trading, Openings: s.Evaluation, Draws: s.Experts}
}

// flagsQuery is the filter as the query string carries it.
type flagsQuery struct {
	Kind      string
	From      string
	To        string
	ProjectID string
	Project   string // the page's filter: a project's code
}

func bindFlagsQuery(c echo.Context) flagsQuery {
	return flagsQuery{Kind: strings.TrimSpace(c.QueryParam("kind")), From: strings.TrimSpace(c.QueryParam("from")),
		To: strings.TrimSpace(c.QueryParam("to")), ProjectID: strings.TrimSpace(c.QueryParam("project_id"))}
}

// filter turns the query into the domain's filter, every unreadable field
// at once (an ignored filter would show all flags as if filtered).
func (q flagsQuery) filter() (flags.Filter, error) {
	f := flags.Filter{Kind: q.Kind}
	var fs problem.Fields
	if q.From != "" {
		d, err := parseUserDate(q.From)
		fs.AddErr("from", err)
		f.From = d
	}
	if q.To != "" {
		d, err := parseUserDate(q.To)
		fs.AddErr("to", err)
		f.To = d
	}
	if q.ProjectID != "" {
		n, err := strconv.ParseInt(q.ProjectID, 10, 64)
		if err != nil || n < 1 || n > 1<<53 {
			fs.Add("project_id", "number_invalid", "项目ID应为正整数")
		}
		f.ProjectID = n
	}
	if f.Kind != "" && flags.KindNames[f.Kind] == "" {
		fs.Add("kind", "kind_unknown", "预警类型不正确")
	}
	return f, fs.Err()
}

type flagsPageData struct {
	Report     *flags.Report
	Query      flagsQuery
	Kinds      []flagKindOption
	PriceRatio string // the price threshold as a percentage
}

type flagKindOption struct{ Code, Name string }

func (s *Server) flagsPage(c echo.Context) error {
	q := bindFlagsQuery(c)
	f, err := q.filter()
	if err != nil {
		return err
	}
	// The page's project filter takes the project's code, which
	// supervisors see; the API keeps project_id.
	if q.Project = strings.TrimSpace(c.QueryParam("project")); q.Project != "" {
		if utf8.RuneCountInString(q.Project) > 64 {
			return problem.InvalidField("project", "too_long", "项目编号不能超过64个字")
		}
		if f.ProjectID, err = s.Trading.ProjectIDByCode(c.Request().Context(), q.Project); err != nil {
			return err
		}
	}
	rep, err := s.flagsService().List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	kinds := make([]flagKindOption, len(flags.Kinds))
	for i, k := range flags.Kinds {
		kinds[i] = flagKindOption{Code: k, Name: flags.KindNames[k]}
	}
	bp := rep.Settings.PriceRatioBP
	return s.render(c, http.StatusOK, "supervision_flags", "预警", flagsPageData{Report: rep, Query: q, Kinds: kinds,
		PriceRatio: fmt.Sprintf("%d.%02d%%", bp/100, bp%100)})
}

func (s *Server) apiFlags(c echo.Context) error {
	f, err := bindFlagsQuery(c).filter()
	if err != nil {
		return err
	}
	rep, err := s.flagsService().List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

// The administrator's page of the flags.* settings.

func (s *Server) flagSettingsPage() settingsPage {
	return settingsPage{name: "flags_settings", title: "预警设置", path: "/admin/flags/settings", fields: flags.SettingFields,
		load: func(ctx context.Context) (map[string]string, error) {
			st, err := flags.LoadSettings(ctx, s.Trading.DB)
			if err != nil {
				return nil, err
			}
			return st.Values(), nil
		},
		save: func(ctx context.Context, form map[string]string) (int, error) {
			return flags.SaveSettings(ctx, s.Trading.DB, s.Clock.Now(), form)
		},
		effect: "对此后查看的预警生效"}
}

func (s *Server) flagSettings(c echo.Context) error {
	return s.showSettings(c, s.flagSettingsPage(), http.StatusOK, nil, nil)
}

func (s *Server) flagSettingsSave(c echo.Context) error {
	return s.saveSettings(c, s.flagSettingsPage())
}
