package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/calendar"
	"ggzy/clock"
)

// Task is one thing a role can do from its workspace.
type Task struct {
	Label string
	Href  string
	Hint  string
	Roles []string
}

// coreTasks lists, per role, what the workspace offers; each area keeps its
// own list in its file.
var coreTasks = []Task{
	{Label: "审核招标代理机构和投标人的单位注册", Href: "/staff/organisations", Hint: "通过或一次性写明退回原因", Roles: []string{staff}},
	{Label: "查阅审计日志并核验审计链", Href: "/supervision/audit", Hint: "每一次查阅也会被记录", Roles: []string{supervisor}},
	{Label: "查看预警（同一IP、文件雷同、保证金同源、报价贴近控制价、专家与代理机构反复组合、轮流中标）", Href: "/supervision/flags", Hint: "只根据已开标的标段计算；每一次查阅也会被记录", Roles: []string{supervisor}},
	{Label: "管理单位", Href: "/admin/organisations", Roles: []string{admin}},
	{Label: "管理用户和角色", Href: "/admin/users", Roles: []string{admin}},
	{Label: "维护法定节假日和调休上班日", Href: "/admin/calendar", Hint: "工作日期限按此计算", Roles: []string{admin}},
	{Label: "预警设置（报价贴近控制价比例、专家与代理机构反复组合次数、轮流中标标段数）", Href: "/admin/flags/settings", Hint: "监督人员查看预警时按当前设置计算", Roles: []string{admin}},
	{Label: "修改登录密码", Href: "/account"},
}

// Tile is a counter on the workspace.
type Tile struct {
	Label string
	Count int
	Href  string
}

type workspaceData struct {
	Tiles []Tile
	Tasks []Task
	// CalendarMissing: years a deadline set today can fall in whose
	// 法定节假日 are not entered (shown to those who set or keep deadlines).
	CalendarMissing []int
	CalendarAdmin   bool
}

// deadlineRoles set deadlines or keep the calendar they are counted on.
var deadlineRoles = []string{admin, staff, clerk, approver}

// calendarMissing lists the years a deadline set today can fall in that
// have no holidays entered.
func (s *Server) calendarMissing(ctx context.Context) ([]int, error) {
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	return cal.MissingYears(calendar.DateOf(s.Clock.Now(), clock.Shanghai)), nil
}

func (s *Server) workspace(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	var d workspaceData
	for _, t := range allTasks() {
		if len(t.Roles) == 0 || anyRole(u, t.Roles) {
			d.Tasks = append(d.Tasks, t)
		}
	}
	if u.PrimaryRole() == staff || anyRole(u, []string{staff}) {
		pending, err := s.Accounts.ListOrganisations(ctx, accounts.OrgFilter{Status: accounts.StatusPending})
		if err != nil {
			return err
		}
		d.Tiles = append(d.Tiles, Tile{Label: "待审核单位注册", Count: len(pending), Href: "/staff/organisations"})
	}
	if anyRole(u, deadlineRoles) {
		missing, err := s.calendarMissing(ctx)
		if err != nil {
			return err
		}
		d.CalendarMissing, d.CalendarAdmin = missing, anyRole(u, []string{admin})
	}
	return s.render(c, http.StatusOK, "workspace", "工作台", d)
}

func anyRole(u *accounts.User, roles []string) bool {
	if u == nil {
		return false
	}
	for _, r := range roles {
		for _, have := range u.Roles {
			if r == have {
				return true
			}
		}
	}
	return false
}

func allTasks() []Task {
	var out []Task
	for _, area := range [][]Task{tradingTasks, fixedpriceTasks, expertTasks, scheduleTasks, evaluationTasks, archiveTasks, approvalTasks, approvalSupervisionTasks, coreTasks} {
		out = append(out, area...)
	}
	return out
}
