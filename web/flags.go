package web

// The supervisors' red flags (预警, DOMAIN.md §8): a page and an API, both
// for supervisors, computed on demand by package flags; every read is
// recorded in the audit trail.

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/flags"
	"ggzy/problem"
)

func (s *Server) flagsRoutes() {
	s.Echo.GET("/supervision/flags", s.flagsPage, requireRoles(supervisor))
	s.Echo.GET("/api/v1/supervision/flags", s.apiFlags, requireRoles(supervisor))
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
	Report *flags.Report
	Query  flagsQuery
	Kinds  []flagKindOption
}

type flagKindOption struct{ Code, Name string }

func (s *Server) flagsPage(c echo.Context) error {
	q := bindFlagsQuery(c)
	f, err := q.filter()
	if err != nil {
		return err
	}
	rep, err := s.flagsService().List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	kinds := make([]flagKindOption, len(flags.Kinds))
	for i, k := range flags.Kinds {
		kinds[i] = flagKindOption{Code: k, Name: flags.KindNames[k]}
	}
	return s.render(c, http.StatusOK, "supervision_flags", "预警", flagsPageData{Report: rep, Query: q, Kinds: kinds})
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
