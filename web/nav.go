package web

import (
	"encoding/base64"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/problem"
)

// NavItem is one entry of the navigation bar.
type NavItem struct {
	Label string
	Href  string
	Roles []string // shown to users holding any of these; empty: every logged-in user
}

// coreNav lists the core navigation; each area keeps its own list in its
// file and allNav joins them. Only pages that exist are listed.
var coreNav = []NavItem{
	{Label: "工作台", Href: "/workspace"},
	{Label: "单位注册审核", Href: "/staff/organisations", Roles: []string{accounts.RoleStaff}},
	{Label: "审计日志", Href: "/supervision/audit", Roles: []string{accounts.RoleSupervisor}},
	{Label: "预警", Href: "/supervision/flags", Roles: []string{accounts.RoleSupervisor}},
	{Label: "单位管理", Href: "/admin/organisations", Roles: []string{accounts.RoleAdmin}},
	{Label: "用户管理", Href: "/admin/users", Roles: []string{accounts.RoleAdmin}},
	{Label: "工作日历", Href: "/admin/calendar", Roles: []string{accounts.RoleAdmin}},
	{Label: "预警设置", Href: "/admin/flags/settings", Roles: []string{accounts.RoleAdmin}},
	{Label: "我的账号", Href: "/account"},
}

func allNav() []NavItem {
	var out []NavItem
	out = append(out, coreNav[0])
	for _, area := range [][]NavItem{tradingNav, fixedpriceNav, expertNav, scheduleNav, evaluationNav, archiveNav, approvalNav, approvalSupervisionNav, coreNav[1:]} {
		out = append(out, area...)
	}
	return out
}

func navFor(u *accounts.User) []NavItem {
	if u == nil {
		return nil
	}
	var out []NavItem
	for _, it := range allNav() {
		if len(it.Roles) == 0 {
			out = append(out, it)
			continue
		}
	roles:
		for _, r := range it.Roles {
			for _, have := range u.Roles {
				if r == have {
					out = append(out, it)
					break roles
				}
			}
		}
	}
	return out
}

func flashEncode(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func flashDecode(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 500 {
		return ""
	}
	return string(b)
}

// renderForm renders a form page: with err's messages when err is a
// problem (as formError), else as it is with status.
func (s *Server) renderForm(c echo.Context, status int, name string, p *Page, err error) error {
	if err != nil {
		return s.formError(c, err, name, p)
	}
	return s.renderPage(c, status, name, p)
}

// formError re-renders a form page with the problem's field messages when
// err is a user problem; any other error goes to the error handler.
func (s *Server) formError(c echo.Context, err error, name string, p *Page) error {
	pr, ok := problem.As(err)
	if !ok {
		return err
	}
	_, status := toProblem(err)
	if pr.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", itoa(pr.RetryAfterSeconds))
	}
	p.Problem = pr.Message
	p.Errors = fieldErrors(pr, "")
	return s.renderPage(c, status, name, p)
}
