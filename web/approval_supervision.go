package web

// The approval hall's second half (DOMAIN.md §7): 电子监察 warnings, 督办,
// 好差评 with its rectifications, and the statistics — pages and the JSON
// API under /api/v1/approval. Supervisors see every department, an
// approver their own department only; the applicant rates a case with its
// number and query code; the public sees the hall's monthly totals.

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/approval"
	"ggzy/problem"
)

var approvalSupervisionNav = []NavItem{
	{Label: "电子监察", Href: "/approval/monitor", Roles: []string{accounts.RoleSupervisor, accounts.RoleApprover}},
	{Label: "督办", Href: "/approval/supervisions", Roles: []string{accounts.RoleSupervisor, accounts.RoleApprover}},
	{Label: "好差评整改", Href: "/approval/rectifications", Roles: []string{accounts.RoleSupervisor, accounts.RoleApprover}},
	{Label: "审批统计", Href: "/approval/statistics", Roles: []string{accounts.RoleSupervisor, accounts.RoleApprover}},
	{Label: "电子监察设置", Href: "/admin/approval/monitor-settings", Roles: []string{accounts.RoleAdmin}},
}

var approvalSupervisionTasks = []Task{
	{Label: "查看电子监察预警（黄牌将到期、红牌已超期、好差评整改超期）", Href: "/approval/monitor", Hint: "审批部门只看到本部门的办件", Roles: []string{supervisor, approver}},
	{Label: "督办办件并查看部门答复", Href: "/approval/supervisions", Hint: "按督办时间排列，显示已督办天数", Roles: []string{supervisor}},
	{Label: "答复督办", Href: "/approval/supervisions", Roles: []string{approver}},
	{Label: "记录差评整改情况", Href: "/approval/rectifications", Hint: "差评后15个工作日内整改", Roles: []string{approver}},
	{Label: "查看审批统计（办结率、按时办结率、现场办结率、提速率、满意率）并导出Excel", Href: "/approval/statistics", Roles: []string{supervisor, approver}},
	{Label: "设置电子监察黄牌预警提前的工作日数", Href: "/admin/approval/monitor-settings", Roles: []string{admin}},
}

func (s *Server) approvalSupervisionRoutes() {
	e := s.Echo
	both := requireRoles(supervisor, approver)
	e.GET("/approval/monitor", s.approvalMonitorPage, both)
	e.GET("/approval/supervisions", s.approvalSupervisionsPage, both)
	e.POST("/approval/supervisions", s.approvalSuperviseSubmit, requireRoles(supervisor))
	e.POST("/approval/supervisions/:id/answer", s.approvalAnswerSubmit, requireRoles(approver))
	e.GET("/approval/rectifications", s.approvalRectificationsPage, both)
	e.POST("/approval/rectifications/:id", s.approvalRectifySubmit, requireRoles(approver))
	e.GET("/approval/statistics", s.approvalStatsPage, both)
	e.GET("/approval/statistics.xlsx", s.approvalStatsXLSX, both)
	e.GET("/approval/hall-statistics", s.approvalPublicStatsPage)
	e.GET("/approval/rate", s.approvalRatePage)
	e.POST("/approval/rate", s.approvalRateSubmit)
	e.GET("/admin/approval/monitor-settings", s.approvalMonitorSettings, requireRoles(admin))
	e.POST("/admin/approval/monitor-settings", s.approvalMonitorSettingsSave, requireRoles(admin))

	api := e.Group("/api/v1/approval")
	api.GET("/warnings", s.apiApprovalWarnings, both)
	api.GET("/supervisions", s.apiApprovalSupervisions, both)
	api.POST("/supervisions", s.apiApprovalSupervise, requireRoles(supervisor))
	api.POST("/supervisions/:id/answer", s.apiApprovalAnswer, requireRoles(approver))
	api.GET("/rectifications", s.apiApprovalRectifications, both)
	api.POST("/rectifications/:id", s.apiApprovalRectify, requireRoles(approver))
	api.POST("/ratings", s.apiApprovalRate)
	api.GET("/statistics", s.apiApprovalStats, both)
	api.GET("/statistics/public", s.apiApprovalPublicStats)
}

// supervisionHall is the approval service over the server's dependencies.
func (s *Server) supervisionHall() *approval.Service {
	return &approval.Service{DB: s.Trading.DB, Clock: s.Clock, Calendar: s.Calendar, Vault: s.Vault}
}

// optionalID reads an optional positive id from the query.
func optionalID(c echo.Context, name, label string, fs *problem.Fields) int64 {
	v := strings.TrimSpace(c.QueryParam(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > 1<<53 {
		fs.Add(name, "number_invalid", label+"应为正整数")
	}
	return n
}

// openParam reads ?state=open|all (default open).
func openParam(c echo.Context, fs *problem.Fields) bool {
	switch strings.TrimSpace(c.QueryParam("state")) {
	case "", "open":
		return true
	case "all":
		return false
	}
	fs.Add("state", "state_unknown", "状态应为 open（未办理）或 all（全部）")
	return true
}

// Warnings.

func warningFilter(c echo.Context) (approval.WarningFilter, error) {
	var fs problem.Fields
	f := approval.WarningFilter{Level: strings.TrimSpace(c.QueryParam("level"))}
	f.DeptID = optionalID(c, "dept_org_id", "部门", &fs)
	if f.Level != "" && f.Level != approval.WarnYellow && f.Level != approval.WarnRed {
		fs.Add("level", "level_unknown", "预警级别应为 yellow（黄牌）或 red（红牌）")
	}
	return f, fs.Err()
}

func (s *Server) approvalMonitorPage(c echo.Context) error {
	f, list, err := listByQuery(c, warningFilter, s.supervisionHall().Warnings)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "approval_monitor", "电子监察", map[string]any{"Warnings": list, "Level": f.Level,
		"Supervisor": anyRole(currentUser(c), []string{supervisor})})
}

func (s *Server) apiApprovalWarnings(c echo.Context) error {
	_, list, err := listByQuery(c, warningFilter, s.supervisionHall().Warnings)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"warnings": list})
}

// 督办.

type superviseRequest struct {
	CaseNo string `form:"case_no" json:"case_no"`
	DeptID string `form:"dept_org_id" json:"-"`
	Dept   int64  `form:"-" json:"dept_org_id"`
	Note   string `form:"note" json:"note"`
}

func (r superviseRequest) input() (approval.SupervisionInput, error) {
	in := approval.SupervisionInput{CaseNo: r.CaseNo, DeptID: r.Dept, Note: r.Note}
	if v := strings.TrimSpace(r.DeptID); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return in, problem.InvalidField("dept_org_id", "number_invalid", "部门应为正整数")
		}
		in.DeptID = n
	}
	return in, nil
}

type answerRequest struct {
	Response string `form:"response" json:"response"`
}

func supervisionFilter(c echo.Context) (approval.SupervisionFilter, error) {
	var fs problem.Fields
	f := approval.SupervisionFilter{Open: openParam(c, &fs), DeptID: optionalID(c, "dept_org_id", "部门", &fs)}
	return f, fs.Err()
}

func (s *Server) approvalSupervisionsView(c echo.Context, status int, form map[string]string, ferr error) error {
	f, list, err := listByQuery(c, supervisionFilter, s.supervisionHall().Supervisions)
	if err != nil {
		return err
	}
	isSupervisor := anyRole(currentUser(c), []string{supervisor})
	var depts []approval.Department
	if isSupervisor {
		// The form names a department by choice, not by a number to type.
		if depts, err = s.hall().Departments(c.Request().Context()); err != nil {
			return err
		}
	}
	p := &Page{Title: "督办", Form: form, Data: map[string]any{"Supervisions": list, "Open": f.Open, "Departments": depts,
		"Supervisor": isSupervisor, "Approver": anyRole(currentUser(c), []string{approver})}}
	return s.renderForm(c, status, "approval_monitor_supervisions", p, ferr)
}

func (s *Server) approvalSupervisionsPage(c echo.Context) error {
	return s.approvalSupervisionsView(c, http.StatusOK, map[string]string{"case_no": strings.TrimSpace(c.QueryParam("case_no"))}, nil)
}

func (s *Server) approvalSuperviseSubmit(c echo.Context) error {
	var req superviseRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	form := map[string]string{"case_no": req.CaseNo, "dept_org_id": req.DeptID, "note": req.Note}
	in, err := req.input()
	created := false
	if err == nil {
		_, created, err = s.supervisionHall().Supervise(c.Request().Context(), in)
	}
	if err != nil {
		return s.approvalSupervisionsView(c, http.StatusBadRequest, form, err)
	}
	if !created {
		return s.redirectFlash(c, "/approval/supervisions", "这条督办已经提交过，未重复督办，等待部门答复")
	}
	return s.redirectFlash(c, "/approval/supervisions", "已督办，等待部门答复")
}

func (s *Server) approvalAnswerSubmit(c echo.Context) error {
	var req answerRequest
	id, err := bindPathID(c, &req)
	if err != nil {
		return err
	}
	if err := s.supervisionHall().AnswerSupervision(c.Request().Context(), id, req.Response); err != nil {
		return s.approvalSupervisionsView(c, http.StatusBadRequest, map[string]string{"response": req.Response}, err)
	}
	return s.redirectFlash(c, "/approval/supervisions", "答复已记录")
}

func (s *Server) apiApprovalSupervisions(c echo.Context) error {
	_, list, err := listByQuery(c, supervisionFilter, s.supervisionHall().Supervisions)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"supervisions": list})
}

func (s *Server) apiApprovalSupervise(c echo.Context) error {
	var req superviseRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	id, created, err := s.supervisionHall().Supervise(c.Request().Context(), in)
	if err != nil {
		return err
	}
	if !created {
		// The same note again while it is open: the one already issued.
		return c.JSON(http.StatusOK, map[string]any{"id": id, "duplicate": true})
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) apiApprovalAnswer(c echo.Context) error {
	var req answerRequest
	id, err := bindPathID(c, &req)
	if err != nil {
		return err
	}
	if err := s.supervisionHall().AnswerSupervision(c.Request().Context(), id, req.Response); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id})
}

// Rectifications (整改).

type rectifyRequest struct {
	Note string `form:"note" json:"note"`
}

func rectificationFilter(c echo.Context) (approval.RectificationFilter, error) {
	var fs problem.Fields
	f := approval.RectificationFilter{Open: openParam(c, &fs), DeptID: optionalID(c, "dept_org_id", "部门", &fs)}
	return f, fs.Err()
}

func (s *Server) approvalRectificationsView(c echo.Context, status int, form map[string]string, ferr error) error {
	f, list, err := listByQuery(c, rectificationFilter, s.supervisionHall().Rectifications)
	if err != nil {
		return err
	}
	p := &Page{Title: "好差评整改", Form: form, Data: map[string]any{"Rectifications": list, "Open": f.Open,
		"Approver": anyRole(currentUser(c), []string{approver})}}
	return s.renderForm(c, status, "approval_monitor_rectifications", p, ferr)
}

func (s *Server) approvalRectificationsPage(c echo.Context) error {
	return s.approvalRectificationsView(c, http.StatusOK, nil, nil)
}

func (s *Server) approvalRectifySubmit(c echo.Context) error {
	var req rectifyRequest
	id, err := bindPathID(c, &req)
	if err != nil {
		return err
	}
	if err := s.supervisionHall().Rectify(c.Request().Context(), id, req.Note); err != nil {
		return s.approvalRectificationsView(c, http.StatusBadRequest, map[string]string{"note": req.Note}, err)
	}
	return s.redirectFlash(c, "/approval/rectifications", "整改情况已记录")
}

func (s *Server) apiApprovalRectifications(c echo.Context) error {
	_, list, err := listByQuery(c, rectificationFilter, s.supervisionHall().Rectifications)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"rectifications": list})
}

func (s *Server) apiApprovalRectify(c echo.Context) error {
	var req rectifyRequest
	id, err := bindPathID(c, &req)
	if err != nil {
		return err
	}
	if err := s.supervisionHall().Rectify(c.Request().Context(), id, req.Note); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"case_id": id})
}

// 好差评.

type rateRequest struct {
	CaseNo  string `form:"case_no" json:"case_no"`
	Code    string `form:"query_code" json:"query_code"`
	Level   string `form:"level" json:"-"`
	LevelN  int    `form:"-" json:"level"`
	Comment string `form:"comment" json:"comment"`
}

func (r rateRequest) input(ip string) approval.RatingInput {
	in := approval.RatingInput{CaseNo: r.CaseNo, Code: r.Code, Level: r.LevelN, Comment: r.Comment, IP: ip}
	if r.Level != "" {
		n, err := strconv.Atoi(strings.TrimSpace(r.Level))
		if err != nil {
			n = 0 // refused as rating_level
		}
		in.Level = n
	}
	return in
}

type ratingLevel struct {
	Level int
	Name  string
}

func ratingLevels() []ratingLevel {
	out := make([]ratingLevel, len(approval.RatingLevels))
	for i, l := range approval.RatingLevels {
		out[i] = ratingLevel{l, approval.RatingNames[l]}
	}
	return out
}

func (s *Server) approvalRateView(c echo.Context, status int, form map[string]string, done *approval.Rated, ferr error) error {
	p := &Page{Title: "办件评价（好差评）", Form: form, Data: map[string]any{"Levels": ratingLevels(), "Done": done}}
	return s.renderForm(c, status, "approval_rate", p, ferr)
}

func (s *Server) approvalRatePage(c echo.Context) error {
	return s.approvalRateView(c, http.StatusOK, map[string]string{"case_no": strings.TrimSpace(c.QueryParam("case_no"))}, nil, nil)
}

func (s *Server) approvalRateSubmit(c echo.Context) error {
	var req rateRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	// The query code is not sent back into the form.
	form := map[string]string{"case_no": req.CaseNo, "level": req.Level, "comment": req.Comment}
	done, err := s.supervisionHall().Rate(c.Request().Context(), req.input(c.RealIP()))
	if err != nil {
		return s.approvalRateView(c, http.StatusBadRequest, form, nil, err)
	}
	return s.approvalRateView(c, http.StatusOK, nil, &done, nil)
}

func (s *Server) apiApprovalRate(c echo.Context) error {
	var req rateRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	req.Level = ""
	done, err := s.supervisionHall().Rate(c.Request().Context(), req.input(c.RealIP()))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, done)
}

// Statistics.

func statsQuery(c echo.Context) (string, int64, error) {
	var fs problem.Fields
	dept := optionalID(c, "dept_org_id", "部门", &fs)
	return strings.TrimSpace(c.QueryParam("month")), dept, fs.Err()
}

func (s *Server) approvalStats(c echo.Context) (*approval.Stats, error) {
	month, dept, err := statsQuery(c)
	if err != nil {
		return nil, err
	}
	return s.supervisionHall().Statistics(c.Request().Context(), month, dept)
}

func (s *Server) approvalStatsPage(c echo.Context) error {
	st, err := s.approvalStats(c)
	if err != nil {
		return err
	}
	dept := strings.TrimSpace(c.QueryParam("dept_org_id"))
	return s.render(c, http.StatusOK, "approval_stats", "审批统计", map[string]any{"Stats": st, "Dept": dept})
}

func (s *Server) approvalStatsXLSX(c echo.Context) error {
	st, err := s.approvalStats(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := approval.WriteStatsXLSX(&buf, st); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="approval-statistics-`+st.Month+`.xlsx"`)
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

func (s *Server) apiApprovalStats(c echo.Context) error {
	st, err := s.approvalStats(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) approvalPublicStatsPage(c echo.Context) error {
	st, err := s.supervisionHall().PublicStatistics(c.Request().Context(), strings.TrimSpace(c.QueryParam("month")))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "approval_stats_public", "政务服务大厅办件统计", st)
}

func (s *Server) apiApprovalPublicStats(c echo.Context) error {
	st, err := s.supervisionHall().PublicStatistics(c.Request().Context(), strings.TrimSpace(c.QueryParam("month")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// The administrator's page of the 电子监察 settings.

func (s *Server) approvalMonitorSettingsPage() settingsPage {
	return settingsPage{name: "approval_monitor_settings", title: "电子监察设置", path: "/admin/approval/monitor-settings",
		fields: approval.MonitorSettingFields,
		load: func(ctx context.Context) (map[string]string, error) {
			st, err := approval.LoadMonitorSettings(ctx, s.Trading.DB)
			if err != nil {
				return nil, err
			}
			return map[string]string{"yellow_days": strconv.Itoa(st.YellowDays)}, nil
		},
		save: func(ctx context.Context, form map[string]string) (int, error) {
			return approval.SaveMonitorSettings(ctx, s.Trading.DB, s.Clock.Now(), form)
		},
		effect: "下一次电子监察起生效"}
}

func (s *Server) approvalMonitorSettings(c echo.Context) error {
	return s.showSettings(c, s.approvalMonitorSettingsPage(), http.StatusOK, nil, nil)
}

func (s *Server) approvalMonitorSettingsSave(c echo.Context) error {
	return s.saveSettings(c, s.approvalMonitorSettingsPage())
}
