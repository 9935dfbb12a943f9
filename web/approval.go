package web

// The approval hall (政务服务大厅, DOMAIN.md §7), first half: the public
// catalogue and lookup, the window (窗口: intake, 一次性告知, acceptance,
// refusal, withdrawal, delivery, receipts), the departments' steps and
// suspensions, and the admins' catalogue and settings; pages and
// /api/v1/approval. 电子监察, 督办, 好差评 and statistics are in
// approval_supervision.go.

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/approval"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/problem"
)

var approvalNav = []NavItem{
	{Label: "办事指南", Href: "/approval/items"},
	{Label: "窗口收件", Href: "/window/cases", Roles: []string{clerk}},
	{Label: "部门待办", Href: "/dept/steps", Roles: []string{approver}},
	{Label: "事项目录", Href: "/admin/approval/items", Roles: []string{admin}},
	{Label: "审批设置", Href: "/admin/approval/settings", Roles: []string{admin}},
}

var approvalTasks = []Task{
	{Label: "窗口收件：选择事项、核对材料清单、受理或一次性告知", Href: "/window/cases/new", Hint: "材料不全的，一次性列出全部需补正材料；受理后打印受理通知书", Roles: []string{clerk}},
	{Label: "我受理的办件：补正、不予受理、撤回、送达", Href: "/window/cases", Roles: []string{clerk}},
	{Label: "本部门待办的审批环节（并联审批）", Href: "/dept/steps", Hint: "超过部门时限未提出意见的，视为同意", Roles: []string{approver}},
	{Label: "维护事项目录（八公开、材料、时限、联办部门）", Href: "/admin/approval/items", Hint: "修改后版本加一，已受理的办件按受理时的版本办理", Roles: []string{admin}},
	{Label: "审批设置（超时默认、承诺时限压缩比例）", Href: "/admin/approval/settings", Roles: []string{admin}},
}

func (s *Server) approvalRoutes() {
	e := s.Echo
	// Public.
	e.GET("/approval/items", s.approvalItemsPage)
	e.GET("/approval/items/:id", s.approvalItemPage)
	e.GET("/approval/lookup", s.approvalLookupPage)
	e.POST("/approval/lookup", s.approvalLookupSubmit)

	// Window (clerk).
	e.GET("/window/cases", s.windowCases, requireRoles(clerk))
	e.GET("/window/cases/new", s.windowCaseNew, requireRoles(clerk))
	e.POST("/window/cases", s.windowCaseCreate, requireRoles(clerk))
	e.GET("/window/cases/:id/receipt", s.windowReceipt, requireRoles(clerk))
	e.POST("/window/cases/:id/materials", s.windowMaterials, requireRoles(clerk))
	e.POST("/window/cases/:id/refuse", s.windowRefuse, requireRoles(clerk))
	e.POST("/window/cases/:id/withdraw", s.windowWithdraw, requireRoles(clerk))
	e.POST("/window/cases/:id/deliver", s.windowDeliver, requireRoles(clerk))
	e.GET("/approval/cases/:id", s.approvalCasePage, requireRoles(clerk, approver, supervisor))

	// Departments (approver).
	e.GET("/dept/steps", s.deptSteps, requireRoles(approver))
	e.GET("/dept/steps/:id", s.deptStepPage, requireRoles(approver))
	e.POST("/dept/steps/:id", s.deptStepDecide, requireRoles(approver))
	e.POST("/dept/cases/:id/suspend", s.deptSuspend, requireRoles(approver))
	e.POST("/dept/cases/:id/resume", s.deptResume, requireRoles(approver))
	e.POST("/dept/cases/:id/extend", s.deptExtend, requireRoles(approver))

	// Admin.
	e.GET("/admin/approval/items", s.adminApprovalItems, requireRoles(admin))
	e.GET("/admin/approval/items/new", s.adminApprovalItemNew, requireRoles(admin))
	e.POST("/admin/approval/items", s.adminApprovalItemCreate, requireRoles(admin))
	e.GET("/admin/approval/items/:id", s.adminApprovalItemEdit, requireRoles(admin))
	e.POST("/admin/approval/items/:id", s.adminApprovalItemSave, requireRoles(admin))
	e.POST("/admin/approval/items/:id/status", s.adminApprovalItemStatus, requireRoles(admin))
	e.GET("/admin/approval/settings", s.adminApprovalSettings, requireRoles(admin))
	e.POST("/admin/approval/settings", s.adminApprovalSettingsSave, requireRoles(admin))

	api := e.Group("/api/v1/approval")
	api.GET("/items", s.apiApprovalItems)
	api.GET("/items/:id", s.apiApprovalItem)
	api.POST("/items", s.apiApprovalItemCreate, requireRoles(admin))
	api.PUT("/items/:id", s.apiApprovalItemUpdate, requireRoles(admin))
	api.POST("/items/:id/status", s.apiApprovalItemStatus, requireRoles(admin))
	api.GET("/departments", s.apiApprovalDepartments)
	api.GET("/settings", s.apiApprovalSettings, requireRoles(admin))
	api.PUT("/settings", s.apiApprovalSettingsSave, requireRoles(admin))
	api.GET("/cases", s.apiApprovalCases, requireRoles(clerk, supervisor))
	api.POST("/cases", s.apiApprovalCaseCreate, requireRoles(clerk))
	api.GET("/cases/:id", s.apiApprovalCase, requireRoles(clerk, approver, supervisor))
	api.POST("/cases/:id/materials", s.apiApprovalMaterials, requireRoles(clerk))
	api.POST("/cases/:id/refuse", s.apiApprovalRefuse, requireRoles(clerk))
	api.POST("/cases/:id/withdraw", s.apiApprovalWithdraw, requireRoles(clerk))
	api.POST("/cases/:id/deliver", s.apiApprovalDeliver, requireRoles(clerk))
	api.POST("/cases/:id/suspend", s.apiApprovalSuspend, requireRoles(approver))
	api.POST("/cases/:id/resume", s.apiApprovalResume, requireRoles(approver))
	api.POST("/cases/:id/extend", s.apiApprovalExtend, requireRoles(approver))
	api.GET("/steps", s.apiApprovalSteps, requireRoles(approver))
	api.GET("/steps/:id", s.apiApprovalStep, requireRoles(approver))
	api.POST("/steps/:id/decision", s.apiApprovalStepDecide, requireRoles(approver))
	api.POST("/lookup", s.apiApprovalLookup)
}

// hall is the approval service over the server's dependencies.
func (s *Server) hall() *approval.Service {
	return &approval.Service{DB: s.Trading.DB, Clock: s.Clock, Calendar: s.Calendar, Vault: s.Vault}
}

var approvalNames = map[string]any{
	"CaseTypes": approval.CaseTypeNames, "CaseStatuses": approval.CaseStatusNames, "StepStatuses": approval.StepStatusNames,
	"Decisions": approval.DecisionNames, "SuspendReasons": approval.SuspendReasonNames,
	"CaseStatusOrder": approval.CaseStatusOrder, "SuspendReasonOrder": approval.SuspendReasonOrder,
}

func approvalData(m map[string]any) map[string]any {
	m["Names"] = approvalNames
	return m
}

// Public catalogue.

func (s *Server) approvalItemsPage(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	items, err := s.hall().Items(c.Request().Context(), approval.ItemFilter{Q: q})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "approval_items", "办事指南", approvalData(map[string]any{"Items": items, "Q": q}))
}

func (s *Server) approvalItemPage(c echo.Context) error {
	it, err := byPathID(c, s.hall().Item)
	if err != nil {
		return err
	}
	// The materials numbered from 1, as the intake checklist and the
	// receipts number them.
	var list []checklistLine
	for i, m := range it.Materials {
		list = append(list, checklistLine{Pos: i + 1, Name: m.Name, Required: m.Required, Copies: m.Copies, Note: m.Note})
	}
	return s.render(c, http.StatusOK, "approval_item", it.Name, approvalData(map[string]any{"Item": it, "Materials": list}))
}

func (s *Server) apiApprovalItems(c echo.Context) error {
	items, err := s.hall().Items(c.Request().Context(), approval.ItemFilter{Q: c.QueryParam("q"), All: c.QueryParam("all") == "1"})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Server) apiApprovalItem(c echo.Context) error {
	return jsonByID(c, s.hall().Item)
}

func (s *Server) apiApprovalDepartments(c echo.Context) error {
	ds, err := s.hall().Departments(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"departments": ds})
}

// Public lookup.

func (s *Server) approvalLookupPage(c echo.Context) error {
	return s.renderPage(c, http.StatusOK, "approval_lookup", &Page{Title: "办件查询", Form: map[string]string{}, Data: approvalData(map[string]any{})})
}

func (s *Server) approvalLookupSubmit(c echo.Context) error {
	form := map[string]string{"case_no": c.FormValue("case_no")}
	pc, err := s.hall().Lookup(c.Request().Context(), c.FormValue("case_no"), c.FormValue("query_code"), c.RealIP())
	if err != nil {
		return s.formError(c, err, "approval_lookup", &Page{Title: "办件查询", Form: form, Data: approvalData(map[string]any{})})
	}
	return s.renderPage(c, http.StatusOK, "approval_lookup", &Page{Title: "办件查询", Form: form, Data: approvalData(map[string]any{"Case": pc})})
}

type lookupRequest struct {
	CaseNo    string `json:"case_no"`
	QueryCode string `json:"query_code"`
}

func (s *Server) apiApprovalLookup(c echo.Context) error {
	var req lookupRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	pc, err := s.hall().Lookup(c.Request().Context(), req.CaseNo, req.QueryCode, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pc)
}

// Window.

func (s *Server) windowCases(c echo.Context) error {
	ctx := c.Request().Context()
	f := approval.CaseFilter{Mine: c.QueryParam("all") != "1", Status: c.QueryParam("status"), Q: c.QueryParam("q")}
	cases, err := s.hall().Cases(ctx, f)
	if err != nil {
		return err
	}
	// Above the list: every decided case of the filter not yet delivered,
	// the nearest delivery limit first (行政许可法 44).
	waiting, err := s.hall().Cases(ctx, approval.CaseFilter{Mine: f.Mine, Q: f.Q, AwaitingDelivery: true})
	if err != nil {
		return err
	}
	today := calendar.DateOf(s.Clock.Now(), clock.Shanghai)
	late := map[int64]bool{}
	for _, k := range waiting {
		if k.DeliverDueOn != nil && k.DeliverDueOn.Before(today) {
			late[k.ID] = true
		}
	}
	return s.render(c, http.StatusOK, "approval_window", "窗口收件", approvalData(map[string]any{"Cases": cases, "Filter": f,
		"AwaitingDelivery": waiting, "DeliverLate": late}))
}

func (s *Server) windowCaseNew(c echo.Context) error {
	return s.windowCaseForm(c, http.StatusOK, &Page{Form: map[string]string{"applicant_kind": approval.ApplicantPerson}}, nil)
}

// windowCaseForm shows the intake form; with ?item= (or the form's item)
// the item's materials checklist.
func (s *Server) windowCaseForm(c echo.Context, status int, p *Page, provided map[int]bool) error {
	ctx := c.Request().Context()
	items, err := s.hall().Items(ctx, approval.ItemFilter{})
	if err != nil {
		return err
	}
	itemID := c.QueryParam("item")
	if v := p.Form["item_id"]; v != "" {
		itemID = v
	}
	var item *approval.Item
	if n, err := strconv.ParseInt(itemID, 10, 64); err == nil && n > 0 {
		if item, err = s.hall().Item(ctx, n); err != nil && !problem.Is(err, "item_not_found") {
			return err
		}
	}
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	if item != nil {
		p.Form["item_id"] = strconv.FormatInt(item.ID, 10)
	}
	// One key per filling of the form: sent twice, it finds the case it
	// took (a form shown again with its errors keeps its key).
	if p.Form["intake_key"] == "" {
		if p.Form["intake_key"], err = approval.NewIntakeKey(); err != nil {
			return err
		}
	}
	var list []checklistLine
	if item != nil {
		for i, m := range item.Materials {
			list = append(list, checklistLine{Pos: i + 1, Name: m.Name, Required: m.Required, Copies: m.Copies, Checked: provided[i+1]})
		}
	}
	st, err := s.hall().Settings(ctx)
	if err != nil {
		return err
	}
	p.Title = "窗口收件"
	p.Data = approvalData(map[string]any{"Items": items, "Item": item, "Checklist": list, "SupplementDays": st.SupplementDays})
	return s.renderPage(c, status, "approval_case_new", p)
}

// checklistLine is one material of the intake form's checklist.
type checklistLine struct {
	Pos      int
	Name     string
	Required bool
	Copies   int
	Note     string
	Checked  bool
}

func formPositions(c echo.Context, name string) ([]int, error) {
	if err := c.Request().ParseForm(); err != nil {
		return nil, err
	}
	var out []int
	for _, v := range c.Request().PostForm[name] {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, problem.InvalidField(name, "material_unknown", "材料序号不正确")
		}
		out = append(out, n)
	}
	return out, nil
}

func (s *Server) windowCaseCreate(c echo.Context) error {
	form := map[string]string{}
	for _, k := range []string{"item_id", "applicant_kind", "applicant_name", "applicant_id", "phone", "refuse_reason", "decision", "decision_note", "intake_key"} {
		form[k] = c.FormValue(k)
	}
	provided, err := formPositions(c, "provided")
	fail := func(err error) error {
		set := map[int]bool{}
		for _, p := range provided {
			set[p] = true
		}
		pr, ok := problem.As(err)
		if !ok {
			return err
		}
		_, status := toProblem(err)
		p := &Page{Form: form, Problem: pr.Message, Errors: fieldErrors(pr, "")}
		return s.windowCaseForm(c, status, p, set)
	}
	if err != nil {
		return fail(err)
	}
	in := approval.IntakeInput{ApplicantKind: form["applicant_kind"], ApplicantName: form["applicant_name"], ApplicantID: form["applicant_id"],
		Phone: form["phone"], Provided: provided, RefuseReason: form["refuse_reason"], Decision: form["decision"], DecisionNote: form["decision_note"],
		IntakeKey: form["intake_key"]}
	if form["item_id"] != "" {
		n, perr := strconv.ParseInt(form["item_id"], 10, 64)
		if perr != nil || n <= 0 {
			return fail(problem.InvalidField("item_id", "item_not_found", "办理事项不存在"))
		}
		in.ItemID = n
	}
	r, err := s.hall().Intake(c.Request().Context(), in)
	if err != nil {
		return fail(err)
	}
	// The receipt with the query code, shown this once (a form sent again
	// shows the case it took, with a new code).
	status := http.StatusCreated
	if r.Resubmitted {
		status = http.StatusOK
	}
	return s.render(c, status, "approval_receipt", receiptTitle(r.Case), approvalData(map[string]any{"Case": r.Case, "QueryCode": r.QueryCode,
		"Resubmitted": r.Resubmitted}))
}

// receiptTitle names the written document the case's state calls for.
func receiptTitle(c *approval.Case) string {
	switch c.Status {
	case approval.CaseIncomplete:
		return "补正材料一次性告知书"
	case approval.CaseRefused:
		return "不予受理决定书"
	case approval.CaseDecided, approval.CaseDelivered:
		if c.CaseType == approval.TypeInstant {
			return "受理及办结通知书"
		}
	}
	return "受理通知书"
}

func (s *Server) windowReceipt(c echo.Context) error {
	k, err := byPathID(c, s.hall().Case)
	if err != nil {
		return err
	}
	issued, err := s.hall().IssuedOn(c.Request().Context(), k)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "approval_receipt", receiptTitle(k), approvalData(map[string]any{"Case": k, "IssuedOn": issued}))
}

func (s *Server) approvalCasePage(c echo.Context) error {
	return s.approvalCaseView(c, http.StatusOK, &Page{})
}

func (s *Server) approvalCaseView(c echo.Context, status int, p *Page) error {
	k, err := byPathID(c, s.hall().Case)
	if err != nil {
		return err
	}
	u := currentUser(c)
	p.Title = "办件 " + k.CaseNo
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	var mine []approval.Step
	for _, st := range k.Steps {
		if u.OrgID.Valid && st.DeptOrgID == u.OrgID.Int64 && st.Status == approval.StepPending {
			mine = append(mine, st)
		}
	}
	isLead := anyRole(u, []string{approver}) && u.OrgID.Valid && u.OrgID.Int64 == k.DeptOrgID
	extensionDays := 0
	if isLead {
		st, err := s.hall().Settings(c.Request().Context())
		if err != nil {
			return err
		}
		extensionDays = st.ExtensionDays
	}
	p.Data = approvalData(map[string]any{"Case": k, "IsClerk": anyRole(u, []string{clerk}),
		"IsLead": isLead, "MySteps": mine, "ExtensionDays": extensionDays})
	return s.renderPage(c, status, "approval_case", p)
}

// caseAction runs a clerk's or department's action from the case page and
// re-renders it with the problem, or redirects with a message. The page
// holds several forms with the same field names (the suspension's and the
// extension's "reason"), so a form's values and errors come back under its
// prefix ("suspend_reason", "extend_reason") and land in that form only.
func (s *Server) caseAction(c echo.Context, prefix string, form map[string]string, run func(id int64) (string, error)) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	msg, err := run(id)
	if err != nil {
		if _, ok := problem.As(err); !ok {
			return err
		}
		pr, _ := problem.As(err)
		_, status := toProblem(err)
		p := &Page{Form: map[string]string{}, Problem: pr.Message, Errors: fieldErrors(pr, prefix)}
		for k, v := range form {
			p.Form[prefix+k] = v
		}
		if pr.Kind == problem.NotFound {
			return err
		}
		return s.approvalCaseView(c, status, p)
	}
	return s.redirectFlash(c, fmt.Sprintf("/approval/cases/%d", id), msg)
}

func (s *Server) windowMaterials(c echo.Context) error {
	return s.caseAction(c, "", nil, func(id int64) (string, error) {
		ps, err := formPositions(c, "provided")
		if err != nil {
			return "", err
		}
		k, err := s.hall().CompleteMaterials(c.Request().Context(), id, ps)
		if err != nil {
			return "", err
		}
		if k.Status == approval.CaseIncomplete {
			return "已记录补正材料，仍缺：" + strings.Join(k.Missing(), "、"), nil
		}
		return "材料已齐全，已受理", nil
	})
}

func (s *Server) windowRefuse(c echo.Context) error {
	form := map[string]string{"reason": c.FormValue("reason")}
	return s.caseAction(c, "refuse_", form, func(id int64) (string, error) {
		return "已作出不予受理决定", s.hall().Refuse(c.Request().Context(), id, form["reason"])
	})
}

func (s *Server) windowWithdraw(c echo.Context) error {
	form := map[string]string{"note": c.FormValue("note")}
	return s.caseAction(c, "withdraw_", form, func(id int64) (string, error) {
		return "已按申请人书面申请撤回", s.hall().Withdraw(c.Request().Context(), id, form["note"])
	})
}

func (s *Server) windowDeliver(c echo.Context) error {
	return s.caseAction(c, "", nil, func(id int64) (string, error) {
		return "已记录送达", s.hall().Deliver(c.Request().Context(), id)
	})
}

// Departments.

func (s *Server) deptSteps(c echo.Context) error {
	status := c.QueryParam("status")
	steps, err := s.hall().DeptSteps(c.Request().Context(), approval.StepFilter{Status: status})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "approval_steps", "部门待办", approvalData(map[string]any{"Steps": steps, "Status": status}))
}

func (s *Server) deptStepPage(c echo.Context) error { return s.deptStepView(c, http.StatusOK, &Page{}) }

func (s *Server) deptStepView(c echo.Context, status int, p *Page) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, err := s.hall().Step(ctx, id)
	if err != nil {
		return err
	}
	k, err := s.hall().Case(ctx, st.CaseID)
	if err != nil {
		return err
	}
	hs, err := s.hall().Settings(ctx)
	if err != nil {
		return err
	}
	p.Title = "审批环节 " + k.CaseNo
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	p.Data = approvalData(map[string]any{"Step": st, "Case": k, "DeemedAgree": hs.DeemedAgree})
	return s.renderPage(c, status, "approval_step", p)
}

func (s *Server) deptStepDecide(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	form := map[string]string{"decision": c.FormValue("decision"), "opinion": c.FormValue("opinion")}
	err = func() error {
		agree, err := agreeOf(form["decision"])
		if err != nil {
			return err
		}
		return s.hall().DecideStep(c.Request().Context(), id, agree, form["opinion"])
	}()
	if err != nil {
		if pr, ok := problem.As(err); ok && pr.Kind != problem.NotFound {
			return s.formError(c, err, "approval_step", s.stepPageData(c, id, form))
		}
		return err
	}
	return s.redirectFlash(c, "/dept/steps", "已提交审批意见")
}

// stepPageData fills the step page for a re-render after a problem.
func (s *Server) stepPageData(c echo.Context, id int64, form map[string]string) *Page {
	p := &Page{Title: "审批环节", Form: form, Data: approvalData(map[string]any{})}
	ctx := c.Request().Context()
	if st, err := s.hall().Step(ctx, id); err == nil {
		if k, err := s.hall().Case(ctx, st.CaseID); err == nil {
			hs, err := s.hall().Settings(ctx)
			p.Data = approvalData(map[string]any{"Step": st, "Case": k, "DeemedAgree": err == nil && hs.DeemedAgree})
		}
	}
	return p
}

func agreeOf(decision string) (bool, error) {
	switch decision {
	case "agree":
		return true, nil
	case "disagree":
		return false, nil
	}
	return false, problem.InvalidField("decision", "decision_required", "请选择同意或不同意")
}

func (s *Server) deptSuspend(c echo.Context) error {
	form := map[string]string{"reason": c.FormValue("reason"), "note": c.FormValue("note"), "expected_days": c.FormValue("expected_days")}
	return s.caseAction(c, "suspend_", form, func(id int64) (string, error) {
		in := approval.SuspendInput{Reason: form["reason"], Note: form["note"]}
		if v := strings.TrimSpace(form["expected_days"]); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return "", problem.InvalidField("expected_days", "expected_days_invalid", "所需时间应为工作日数（整数）")
			}
			in.ExpectedDays = n
		}
		return "已中止计时；特别程序告知书（所需时间的书面告知）由窗口打印交申请人", s.hall().Suspend(c.Request().Context(), id, in)
	})
}

func (s *Server) deptExtend(c echo.Context) error {
	form := map[string]string{"days": c.FormValue("days"), "reason": c.FormValue("reason"), "approved_by": c.FormValue("approved_by")}
	return s.caseAction(c, "extend_", form, func(id int64) (string, error) {
		days, err := strconv.Atoi(strings.TrimSpace(form["days"]))
		if err != nil {
			return "", problem.InvalidField("days", "extension_days_invalid", "请填写延长的工作日数（整数）")
		}
		x, err := s.hall().Extend(c.Request().Context(), id, approval.ExtendInput{Days: days, Reason: form["reason"], ApprovedBy: form["approved_by"]})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已延长%d个工作日，申请人可在办件查询中看到延长理由和新的办结日期", x.Days), nil
	})
}

func (s *Server) deptResume(c echo.Context) error {
	return s.caseAction(c, "", nil, func(id int64) (string, error) {
		days, err := s.hall().Resume(c.Request().Context(), id)
		return fmt.Sprintf("已恢复计时，期限顺延%d个工作日", days), err
	})
}

// Admin: catalogue.

func (s *Server) adminApprovalItems(c echo.Context) error {
	items, err := s.hall().Items(c.Request().Context(), approval.ItemFilter{All: true, Q: c.QueryParam("q")})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "approval_admin_items", "事项目录", approvalData(map[string]any{"Items": items}))
}

// itemFormRows is how many department rows the item form offers.
const itemFormRows = 5

func (s *Server) itemFormPage(c echo.Context, status int, p *Page, item *approval.Item) error {
	ds, err := s.hall().Departments(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]int, itemFormRows)
	for i := range rows {
		rows[i] = i
	}
	p.Title = "事项"
	p.Data = approvalData(map[string]any{"Item": item, "Departments": ds, "Rows": rows, "ErrorList": itemFormErrorList(p.Errors)})
	return s.renderPage(c, status, "approval_admin_item", p)
}

// itemFormFields are the item form's fields in the form's order with their
// labels; a department row's fields (dept_0, task_0, days_0, …) are named by
// their row.
var itemFormFields = []struct{ Name, Label string }{
	{"code", "事项编码"}, {"name", "事项名称"}, {"dept_org_id", "实施（牵头）部门"}, {"case_type", "办件类型"},
	{"legal_basis", "设定依据"}, {"conditions", "受理条件"}, {"materials", "申请材料"}, {"procedure", "办理流程"},
	{"legal_days", "法定时限"}, {"promised_days", "承诺时限"}, {"depts", "联办部门"},
	{"fee", "收费标准"}, {"fee_basis", "收费依据"}, {"contact", "咨询方式"},
}

// itemFormErrorList lists the form's errors above it with the fields'
// Chinese labels (never the field's name), in the form's order.
func itemFormErrorList(errs map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range itemFormFields {
		if m, ok := errs[f.Name]; ok {
			out = append(out, f.Label+"："+m)
			seen[f.Name] = true
		}
	}
	for i := 0; i < itemFormRows; i++ {
		for _, k := range []string{"dept", "task", "days"} {
			name := fmt.Sprintf("%s_%d", k, i)
			if m, ok := errs[name]; ok {
				out = append(out, fmt.Sprintf("联办部门第%d行：%s", i+1, m))
				seen[name] = true
			}
		}
	}
	var rest []string
	for k, m := range errs {
		if !seen[k] {
			rest = append(rest, m)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func (s *Server) adminApprovalItemNew(c echo.Context) error {
	return s.itemFormPage(c, http.StatusOK, &Page{Form: map[string]string{"case_type": approval.TypePromised}}, nil)
}

// itemFormValues turns an item into the form's values.
func itemFormValues(it *approval.Item) map[string]string {
	m := map[string]string{"code": it.Code, "name": it.Name, "dept_org_id": strconv.FormatInt(it.DeptOrgID, 10), "case_type": it.CaseType,
		"legal_basis": it.LegalBasis, "conditions": it.Conditions, "procedure": it.Procedure, "legal_days": strconv.Itoa(it.LegalDays),
		"promised_days": strconv.Itoa(it.PromisedDays), "fee": it.Fee, "fee_basis": it.FeeBasis, "contact": it.Contact}
	var lines []string
	for _, mt := range it.Materials {
		req := "必需"
		if !mt.Required {
			req = "可选"
		}
		lines = append(lines, fmt.Sprintf("%s | %s | %d | %s", mt.Name, req, mt.Copies, mt.Note))
	}
	m["materials"] = strings.Join(lines, "\n")
	for i, d := range it.Depts {
		m[fmt.Sprintf("dept_%d", i)] = strconv.FormatInt(d.DeptOrgID, 10)
		m[fmt.Sprintf("task_%d", i)] = d.Task
		m[fmt.Sprintf("days_%d", i)] = strconv.Itoa(d.Days)
	}
	return m
}

// materialLineWidth folds the full-width bar and digits of a materials line.
var materialLineWidth = strings.NewReplacer("｜", "|", "０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9")

// itemFormInput reads the item form: materials one a line as
// "名称 | 必需或可选 | 份数 | 说明", departments in numbered rows.
func itemFormInput(c echo.Context) (approval.ItemInput, map[string]string, error) {
	form := map[string]string{}
	for _, k := range []string{"code", "name", "dept_org_id", "case_type", "legal_basis", "conditions", "procedure", "legal_days", "promised_days",
		"fee", "fee_basis", "contact", "materials"} {
		form[k] = c.FormValue(k)
	}
	for i := 0; i < itemFormRows; i++ {
		for _, k := range []string{"dept", "task", "days"} {
			name := fmt.Sprintf("%s_%d", k, i)
			form[name] = c.FormValue(name)
		}
	}
	var f problem.Fields
	num := func(field, label string) int {
		v := strings.TrimSpace(form[field])
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1<<30 {
			f.Add(field, "number_invalid", label+"应为非负整数")
		}
		return n
	}
	in := approval.ItemInput{Code: form["code"], Name: form["name"], CaseType: form["case_type"], LegalBasis: form["legal_basis"],
		Conditions: form["conditions"], Procedure: form["procedure"], Fee: form["fee"], FeeBasis: form["fee_basis"], Contact: form["contact"]}
	in.DeptOrgID = int64(num("dept_org_id", "实施部门"))
	in.LegalDays = num("legal_days", "法定时限")
	in.PromisedDays = num("promised_days", "承诺时限")
	for i, line := range strings.Split(form["materials"], "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		// Typed with a Chinese input method the bar and the digits come
		// full-width (｜, ２): they separate and count as the ASCII ones.
		line = materialLineWidth.Replace(line)
		parts := strings.Split(line, "|")
		m := approval.Material{Name: strings.TrimSpace(parts[0]), Required: true, Copies: 1}
		if len(parts) > 1 {
			switch strings.TrimSpace(parts[1]) {
			case "", "必需", "必须", "必要":
			case "可选", "非必需", "选填":
				m.Required = false
			default:
				f.Add("materials", "material_line_invalid", fmt.Sprintf("第%d行：第二栏应为“必需”或“可选”", i+1))
			}
		}
		if len(parts) > 2 && strings.TrimSpace(parts[2]) != "" {
			n, err := strconv.Atoi(strings.TrimSpace(parts[2]))
			if err != nil {
				f.Add("materials", "material_line_invalid", fmt.Sprintf("第%d行：份数应为整数", i+1))
			}
			m.Copies = n
		}
		if len(parts) > 3 {
			m.Note = strings.TrimSpace(strings.Join(parts[3:], "|"))
		}
		in.Materials = append(in.Materials, m)
	}
	for i := 0; i < itemFormRows; i++ {
		if strings.TrimSpace(form[fmt.Sprintf("dept_%d", i)]) == "" {
			continue
		}
		in.Depts = append(in.Depts, approval.ItemDept{DeptOrgID: int64(num(fmt.Sprintf("dept_%d", i), "联办部门")),
			Task: form[fmt.Sprintf("task_%d", i)], Days: num(fmt.Sprintf("days_%d", i), "部门时限")})
	}
	return in, form, f.Err()
}

func (s *Server) adminApprovalItemCreate(c echo.Context) error {
	in, form, err := itemFormInput(c)
	if err == nil {
		var id int64
		if id, err = s.hall().CreateItem(c.Request().Context(), in); err == nil {
			return s.redirectFlash(c, fmt.Sprintf("/admin/approval/items/%d", id), "事项已发布")
		}
	}
	if _, ok := problem.As(err); !ok {
		return err
	}
	return s.itemFormError(c, err, form, nil)
}

func (s *Server) itemFormError(c echo.Context, err error, form map[string]string, item *approval.Item) error {
	pr, _ := problem.As(err)
	_, status := toProblem(err)
	p := &Page{Form: form, Problem: pr.Message, Errors: fieldErrors(pr, "")}
	return s.itemFormPage(c, status, p, item)
}

func (s *Server) adminApprovalItemEdit(c echo.Context) error {
	it, err := byPathID(c, s.hall().Item)
	if err != nil {
		return err
	}
	return s.itemFormPage(c, http.StatusOK, &Page{Form: itemFormValues(it)}, it)
}

func (s *Server) adminApprovalItemSave(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	it, err := s.hall().Item(ctx, id)
	if err != nil {
		return err
	}
	in, form, err := itemFormInput(c)
	if err == nil {
		var v int
		if v, err = s.hall().UpdateItem(ctx, id, in); err == nil {
			return s.redirectFlash(c, fmt.Sprintf("/admin/approval/items/%d", id), fmt.Sprintf("已保存为第%d版", v))
		}
	}
	if _, ok := problem.As(err); !ok {
		return err
	}
	return s.itemFormError(c, err, form, it)
}

func (s *Server) adminApprovalItemStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.hall().SetItemStatus(c.Request().Context(), id, c.FormValue("status")); err != nil {
		return err
	}
	return s.redirectFlash(c, "/admin/approval/items", "已更新事项状态")
}

func (s *Server) adminApprovalSettings(c echo.Context) error {
	st, err := s.hall().Settings(c.Request().Context())
	if err != nil {
		return err
	}
	return s.renderPage(c, http.StatusOK, "approval_admin_settings", &Page{Title: "审批设置", Form: st.Values(),
		Data: map[string]any{"Fields": approval.SettingFields}})
}

func (s *Server) adminApprovalSettingsSave(c echo.Context) error {
	form := map[string]string{}
	for _, f := range approval.SettingFields {
		form[f.Name] = c.FormValue(f.Name)
	}
	n, err := s.hall().SaveSettings(c.Request().Context(), form)
	if err != nil {
		return s.formError(c, err, "approval_admin_settings", &Page{Title: "审批设置", Form: form, Data: map[string]any{"Fields": approval.SettingFields}})
	}
	return s.redirectFlash(c, "/admin/approval/settings", fmt.Sprintf("已保存（%d项改动）", n))
}

// API: catalogue and settings.

func (s *Server) apiApprovalItemCreate(c echo.Context) error {
	var in approval.ItemInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	id, err := s.hall().CreateItem(c.Request().Context(), in)
	return jsonFresh(c, http.StatusCreated, id, err, s.hall().Item)
}

func (s *Server) apiApprovalItemUpdate(c echo.Context) error {
	var in approval.ItemInput
	id, err := bindPathID(c, &in)
	if err != nil {
		return err
	}
	_, err = s.hall().UpdateItem(c.Request().Context(), id, in)
	return jsonFresh(c, http.StatusOK, id, err, s.hall().Item)
}

type itemStatusRequest struct {
	Status string `json:"status"`
}

func (s *Server) apiApprovalItemStatus(c echo.Context) error {
	var req itemStatusRequest
	id, err := bindPathID(c, &req)
	if err != nil {
		return err
	}
	err = s.hall().SetItemStatus(c.Request().Context(), id, req.Status)
	return jsonFresh(c, http.StatusOK, id, err, s.hall().Item)
}

func (s *Server) apiApprovalSettings(c echo.Context) error {
	st, err := s.hall().Settings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

type approvalSettingsRequest struct {
	DeemedAgree    *bool `json:"deemed_agree"`
	PromisedCutPct *int  `json:"promised_cut_pct"`
	ExtensionDays  *int  `json:"extension_days"`
	SupplementDays *int  `json:"supplement_days"`
}

func (s *Server) apiApprovalSettingsSave(c echo.Context) error {
	var req approvalSettingsRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := s.hall().Settings(ctx)
	if err != nil {
		return err
	}
	vals := cur.Values()
	if req.DeemedAgree != nil {
		vals["deemed_agree"] = "0"
		if *req.DeemedAgree {
			vals["deemed_agree"] = "1"
		}
	}
	if req.PromisedCutPct != nil {
		vals["promised_cut_pct"] = strconv.Itoa(*req.PromisedCutPct)
	}
	if req.ExtensionDays != nil {
		vals["extension_days"] = strconv.Itoa(*req.ExtensionDays)
	}
	if req.SupplementDays != nil {
		vals["supplement_days"] = strconv.Itoa(*req.SupplementDays)
	}
	if _, err := s.hall().SaveSettings(ctx, vals); err != nil {
		return err
	}
	st, err := s.hall().Settings(ctx)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// API: cases and steps.

func (s *Server) apiApprovalCases(c echo.Context) error {
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return problem.InvalidField("limit", "number_invalid", "条数应为1到500的整数")
		}
		limit = n
	}
	cases, err := s.hall().Cases(c.Request().Context(), approval.CaseFilter{Mine: c.QueryParam("mine") == "1", Status: c.QueryParam("status"),
		Q: c.QueryParam("q"), Limit: limit, AwaitingDelivery: c.QueryParam("awaiting_delivery") == "1"})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"cases": cases})
}

func (s *Server) apiApprovalCaseCreate(c echo.Context) error {
	var in approval.IntakeInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	r, err := s.hall().Intake(c.Request().Context(), in)
	if err != nil {
		return err
	}
	if r.Resubmitted {
		return c.JSON(http.StatusOK, r)
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) apiApprovalCase(c echo.Context) error {
	return jsonByID(c, s.hall().Case)
}

// caseAnswer answers an action with the case as it now stands.
func (s *Server) caseAnswer(c echo.Context, id int64, err error) error {
	return jsonFresh(c, http.StatusOK, id, err, s.hall().Case)
}

type materialsRequest struct {
	Provided []int `json:"provided"`
}

// caseJSONAction binds the request of an action on the case in the path,
// runs act and answers with the case as it now stands.
func caseJSONAction[R any](s *Server, c echo.Context, act func(ctx context.Context, id int64, req R) error) error {
	var req R
	id, err := bindPathID(c, &req)
	if err != nil {
		return err
	}
	return s.caseAnswer(c, id, act(c.Request().Context(), id, req))
}

func (s *Server) apiApprovalMaterials(c echo.Context) error {
	return caseJSONAction(s, c, func(ctx context.Context, id int64, req materialsRequest) error {
		_, err := s.hall().CompleteMaterials(ctx, id, req.Provided)
		return err
	})
}

type reasonRequest struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

func (s *Server) apiApprovalRefuse(c echo.Context) error {
	return caseJSONAction(s, c, func(ctx context.Context, id int64, req reasonRequest) error {
		return s.hall().Refuse(ctx, id, req.Reason)
	})
}

func (s *Server) apiApprovalWithdraw(c echo.Context) error {
	return caseJSONAction(s, c, func(ctx context.Context, id int64, req reasonRequest) error {
		return s.hall().Withdraw(ctx, id, req.Note)
	})
}

func (s *Server) apiApprovalDeliver(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.caseAnswer(c, id, s.hall().Deliver(c.Request().Context(), id))
}

func (s *Server) apiApprovalSuspend(c echo.Context) error {
	return caseJSONAction(s, c, func(ctx context.Context, id int64, in approval.SuspendInput) error {
		return s.hall().Suspend(ctx, id, in)
	})
}

func (s *Server) apiApprovalExtend(c echo.Context) error {
	return caseJSONAction(s, c, func(ctx context.Context, id int64, in approval.ExtendInput) error {
		_, err := s.hall().Extend(ctx, id, in)
		return err
	})
}

func (s *Server) apiApprovalResume(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	_, err = s.hall().Resume(c.Request().Context(), id)
	return s.caseAnswer(c, id, err)
}

func (s *Server) apiApprovalSteps(c echo.Context) error {
	steps, err := s.hall().DeptSteps(c.Request().Context(), approval.StepFilter{Status: c.QueryParam("status")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"steps": steps})
}

func (s *Server) apiApprovalStep(c echo.Context) error {
	return jsonByID(c, s.hall().Step)
}

type stepDecisionRequest struct {
	Agree   *bool  `json:"agree"`
	Opinion string `json:"opinion"`
}

func (s *Server) apiApprovalStepDecide(c echo.Context) error {
	var req stepDecisionRequest
	id, err := bindPathID(c, &req)
	if err != nil {
		return err
	}
	if req.Agree == nil {
		return problem.InvalidField("agree", "decision_required", "请选择同意（true）或不同意（false）")
	}
	err = s.hall().DecideStep(c.Request().Context(), id, *req.Agree, req.Opinion)
	return jsonFresh(c, http.StatusOK, id, err, s.hall().Step)
}
