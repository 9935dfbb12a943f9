package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/clock"
	"ggzy/problem"
	"ggzy/trading"
)

// names are the lookup tables every trading page uses.
func tradingNames() map[string]any {
	return map[string]any{"Kinds": trading.Kinds, "KindNames": trading.KindNames, "Methods": trading.Methods, "MethodNames": trading.MethodNames,
		"StatusNames": trading.StatusNames, "Fields": trading.Fields, "TimelineLabels": trading.TimelineLabels,
		"TypeNames": trading.AnnouncementTypes, "DepositMethods": trading.DepositMethods,
		// Lists in the order people look for them (ranging over the maps
		// above sorts by code: 待受理 came last, the methods were a jumble).
		"TypeOrder":   []string{"tender", "clarification", "result", "termination"},
		"MethodOrder": []string{"open", "invited", trading.MethodFixedPrice, "negotiation", "consultation", "inquiry", "single_source", "tender", "auction", "listing"},
		"StatusOrder": []string{trading.StatusSubmitted, trading.StatusAccepted, trading.StatusPublished, trading.StatusResult, trading.StatusReturned}}
}

func withNames(m map[string]any) map[string]any {
	for k, v := range tradingNames() {
		m[k] = v
	}
	return m
}

// Public portal.

func (s *Server) portalList(c echo.Context) error {
	f, err := portalFilter(c)
	if err != nil {
		return s.formError(c, err, "trading_portal", s.portalPage(c, nil))
	}
	return s.cachedPublicPage(c, "trading_portal", func() (int, *Page, error) {
		page, err := s.Trading.Announcements(c.Request().Context(), f)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, s.portalPage(c, page), nil
	})
}

// portalPage is the list page for page (nil: an empty first page).
func (s *Server) portalPage(c echo.Context, page *trading.PortalPage) *Page {
	p := &Page{Title: "交易公告", Form: map[string]string{"type": c.QueryParam("type"), "kind": c.QueryParam("kind"), "method": c.QueryParam("method"),
		"status": c.QueryParam("status"), "q": c.QueryParam("q"), "from": c.QueryParam("from"), "to": c.QueryParam("to")}}
	if page == nil {
		page = &trading.PortalPage{Page: 1}
	}
	q := c.Request().URL.Query()
	q.Set("page", strconv.Itoa(page.Page+1))
	next := "/announcements?" + q.Encode()
	q.Set("page", strconv.Itoa(page.Page-1))
	prev := "/announcements?" + q.Encode()
	p.Data = withNames(map[string]any{"Page": page, "Next": next, "Prev": prev})
	return p
}

func (s *Server) portalShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	isBidder := anyRole(currentUser(c), []string{bidder})
	return s.cachedPublicPage(c, "trading_announcement", func() (int, *Page, error) {
		pub, err := s.Trading.Announcement(c.Request().Context(), id)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, &Page{Title: pub.Announcement.Title, Data: withNames(map[string]any{"P": pub, "IsBidder": isBidder})}, nil
	})
}

// Agency.

func (s *Server) agencyProjects(c echo.Context) error {
	ps, err := s.Trading.Projects(c.Request().Context(), trading.ProjectFilter{})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trading_projects", "我的项目", withNames(map[string]any{"Projects": ps, "Staff": false}))
}

func (s *Server) projectForm(c echo.Context, status int, p *Page, project *trading.Project, rows []lotRow) error {
	p.Title = "进场登记"
	if project != nil {
		p.Title = "修改进场登记"
	}
	// The localities with rules, offered as a list: the agency typed a
	// code ("default") it had no way to know.
	locs, err := s.Trading.Localities(c.Request().Context())
	if err != nil {
		return err
	}
	if cur := p.Form["locality"]; cur != "" && !slices.Contains(locs, cur) {
		locs = append(locs, cur)
	}
	d := withNames(map[string]any{"Project": project, "Lots": padLots(rows, max(3, len(rows)+1)), "Localities": locs,
		"DefaultLocality": trading.DefaultLocality})
	if prev, ok := p.Data.(map[string]any); ok {
		d["Problems"] = prev["Problems"]
	}
	p.Data = d
	return s.renderPage(c, status, "trading_project_form", p)
}

func (s *Server) agencyProjectNew(c echo.Context) error {
	kind := c.QueryParam("kind")
	if _, ok := trading.KindNames[kind]; !ok {
		kind = trading.Engineering
	}
	return s.projectForm(c, http.StatusOK, &Page{Form: map[string]string{"kind": kind, "locality": trading.DefaultLocality}}, nil, nil)
}

func (s *Server) projectFormError(c echo.Context, err error, project *trading.Project) error {
	if _, ok := problem.As(err); !ok {
		return err
	}
	form, _ := c.FormParams()
	m, rows := formOfRequest(form)
	p := &Page{Form: m}
	pr, _ := problem.As(err)
	_, status := toProblem(err)
	p.Problem = pr.Message
	p.Errors = map[string]string{}
	for _, f := range pr.Fields {
		if _, dup := p.Errors[f.Name]; !dup {
			p.Errors[f.Name] = f.Message
		}
	}
	p.Data = map[string]any{"Problems": pr.Fields}
	return s.projectForm(c, status, p, project, rows)
}

func (s *Server) agencyProjectCreate(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	id, err := s.Trading.CreateProject(c.Request().Context(), projectFromForm(form).input())
	if err != nil {
		return s.projectFormError(c, err, nil)
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d", id), "草稿已保存。核对无误后请提交进场登记。")
}

func (s *Server) agencyProjectSave(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	if err := s.Trading.UpdateProject(c.Request().Context(), id, projectFromForm(form).input()); err != nil {
		project, perr := s.Trading.Project(c.Request().Context(), id)
		if perr != nil {
			return perr
		}
		return s.projectFormError(c, err, project)
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d", id), "已保存")
}

// projectPage shows a registration: the agency's edit form and actions,
// staff's review form, and the read-only view for supervisors and admins.
func (s *Server) projectPage(c echo.Context) error {
	return s.projectPageWith(c, &Page{}, nil)
}

func (s *Server) projectPageWith(c echo.Context, p *Page, err error) error {
	id, perr := pathID(c, "id")
	if perr != nil {
		return perr
	}
	ctx := c.Request().Context()
	project, perr := s.Trading.Project(ctx, id)
	if perr != nil {
		return perr
	}
	u := currentUser(c)
	isAgency := anyRole(u, []string{agency})
	if isAgency && err == nil && (project.Status == trading.StatusDraft || project.Status == trading.StatusReturned) && c.QueryParam("view") == "" {
		m, rows := formOf(project)
		if p.Form == nil {
			p.Form = m
		}
		p.Data = map[string]any{}
		return s.projectForm(c, http.StatusOK, p, project, rows)
	}
	var questions []trading.Question
	if project.Status == trading.StatusPublished || project.Status == trading.StatusResult {
		if questions, perr = s.Trading.Questions(ctx, id); perr != nil {
			return perr
		}
	}
	// What the agency may know of its closed lots for the result form.
	var tallies map[int64]trading.LotTally
	if isAgency && project.Status == trading.StatusPublished {
		if tallies, perr = s.Trading.ResultTallies(ctx, id); perr != nil {
			return perr
		}
	}
	form, _ := formOf(project)
	if p.Form == nil {
		p.Form = form
	}
	p.Title = project.Title
	p.Data = withNames(map[string]any{"Project": project, "IsAgency": isAgency, "IsStaff": anyRole(u, []string{staff}),
		"Questions": questions, "Now": s.Clock.Now(), "Tallies": tallies})
	if err != nil {
		return s.formError(c, err, "trading_project", p)
	}
	return s.renderPage(c, http.StatusOK, "trading_project", p)
}

func (s *Server) agencyProjectSubmit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	warns, err := s.Trading.Submit(c.Request().Context(), id)
	if err != nil {
		project, perr := s.Trading.Project(c.Request().Context(), id)
		if perr != nil {
			return perr
		}
		m, rows := formOf(project)
		if pr, ok := problem.As(err); ok {
			p := &Page{Form: m, Problem: pr.Message, Errors: map[string]string{}}
			for _, f := range pr.Fields {
				if _, dup := p.Errors[f.Name]; !dup {
					p.Errors[f.Name] = f.Message
				}
			}
			p.Data = map[string]any{}
			_, status := toProblem(err)
			if project.Status == trading.StatusDraft || project.Status == trading.StatusReturned {
				p.Title = "修改进场登记"
				p.Data = withNames(map[string]any{"Project": project, "Lots": padLots(rows, max(3, len(rows)+1)), "Problems": pr.Fields})
				return s.renderPage(c, status, "trading_project_form", p)
			}
		}
		return s.projectPageWith(c, &Page{}, err)
	}
	msg := "进场登记已提交，等待交易中心受理"
	if len(warns) > 0 {
		msg += "（另有" + strconv.Itoa(len(warns)) + "项提醒）"
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d?view=1", id), msg)
}

func (s *Server) agencyProjectPublish(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var tr timelineRequest
	tr.DocsFrom, tr.DocsUntil, tr.SignupUntil, tr.BidStart, tr.Deadline = c.FormValue("docs_from"), c.FormValue("docs_until"), c.FormValue("signup_until"), c.FormValue("bid_start"), c.FormValue("deadline")
	var fs []problem.Field
	tl := tr.parse(&fs)
	if err := fieldsErr(fs); err != nil {
		return s.projectPageWith(c, &Page{}, err)
	}
	if _, err := s.Trading.Publish(c.Request().Context(), id, &tl); err != nil {
		form, _ := c.FormParams()
		m, _ := formOfRequest(form)
		return s.projectPageWith(c, &Page{Form: m}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d", id), "公告已发布")
}

func (s *Server) agencyProjectClarify(c echo.Context) error {
	var r clarifyRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	d, warnings, err := s.clarify(c, id, r)
	if err != nil {
		// The clarification as typed, with the questions ticked, comes
		// back next to the message (the text was lost).
		entered := map[string]string{"text": r.Text, "deadline": r.Deadline}
		for _, q := range r.Answers {
			entered[fmt.Sprintf("answer_%d", q)] = "yes"
		}
		return s.projectPageWith(c, &Page{Form: entered}, err)
	}
	msg := "澄清公告已发布，递交截止时间：" + d
	for _, w := range warnings {
		msg += "。" + w
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d", id), msg)
}

func (s *Server) agencyProjectResult(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	var fs []problem.Field
	var res []trading.LotResult
	entered := map[string]string{} // kept on the re-rendered form
	for i, lid := range form["lot_id"] {
		lotID, _ := strconv.ParseInt(lid, 10, 64)
		get := func(name string) string {
			v := ""
			if vs := form[name]; i < len(vs) {
				v = vs[i]
			}
			entered[fmt.Sprintf("lot%d_%s", i+1, name)] = v
			return v
		}
		res = append(res, trading.LotResult{LotID: lotID, Outcome: get("outcome"), Winner: get("winner"), Reason: get("reason"),
			Price: parseAmount(fmt.Sprintf("lot%d_award_price", i+1), "", get("award_price"), &fs)})
	}
	if err := fieldsErr(fs); err != nil {
		return s.projectPageWith(c, &Page{Form: entered}, err)
	}
	if err := s.Trading.PublishResult(c.Request().Context(), id, res); err != nil {
		return s.projectPageWith(c, &Page{Form: entered}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d", id), "结果公告已发布")
}

// Staff.

func (s *Server) staffProjects(c echo.Context) error {
	status := c.QueryParam("status")
	if _, ok := trading.StatusNames[status]; !ok {
		status = trading.StatusSubmitted
	}
	ps, err := s.Trading.Projects(c.Request().Context(), trading.ProjectFilter{Status: status})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trading_projects", "进场登记受理", withNames(map[string]any{"Projects": ps, "Staff": true, "Status": status}))
}

func (s *Server) staffProjectReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	decision := c.FormValue("decision")
	if decision != "accept" && decision != "return" {
		return s.projectPageWith(c, &Page{}, problem.InvalidField("decision", "decision_required", "请选择受理或退回"))
	}
	var items []string
	for _, line := range strings.Split(c.FormValue("items"), "\n") {
		items = append(items, line)
	}
	items = append(items, c.Request().Form["item"]...)
	if err := s.Trading.Review(c.Request().Context(), id, decision == "accept", items); err != nil {
		return s.projectPageWith(c, &Page{Form: map[string]string{"items": c.FormValue("items")}}, err)
	}
	msg := "已受理"
	if decision == "return" {
		msg = "已退回，补正事项已一次性告知"
	}
	return s.redirectFlash(c, "/staff/projects", msg)
}

func (s *Server) staffLotOpening(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.Trading.LotOpening(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trading_opening", "开标：报名与递交", withNames(map[string]any{"O": o, "IsStaff": anyRole(currentUser(c), []string{staff})}))
}

func (s *Server) staffDepositCheck(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.CheckDeposit(c.Request().Context(), id, c.FormValue("result")); err != nil {
		return err
	}
	back := "/staff/lots/" + c.FormValue("lot_id")
	if _, perr := strconv.ParseInt(c.FormValue("lot_id"), 10, 64); perr != nil {
		back = "/staff/projects"
	}
	return s.redirectFlash(c, back, "保证金核验结果已记录")
}

func (s *Server) staffRefunds(c echo.Context) error { return s.staffRefundsWith(c, &Page{}, nil) }

// staffRefundsWith renders the refund list, with a refused refund's message
// and note on its row when err is a problem.
func (s *Server) staffRefundsWith(c echo.Context, p *Page, err error) error {
	l, lerr := s.Trading.RefundsDue(c.Request().Context())
	if lerr != nil {
		return lerr
	}
	notices, lerr := s.Trading.RefundNotices(c.Request().Context())
	if lerr != nil {
		return lerr
	}
	p.Title = "保证金退还"
	p.Data = withNames(map[string]any{"Refunds": l, "Notices": notices})
	if err != nil {
		return s.formError(c, err, "trading_refunds", p)
	}
	return s.renderPage(c, http.StatusOK, "trading_refunds", p)
}

func (s *Server) staffRefund(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.MarkRefunded(c.Request().Context(), id, c.FormValue("note")); err != nil {
		// Back on the list with the note as typed on its row (an error
		// page lost it).
		return s.staffRefundsWith(c, &Page{Form: map[string]string{"signup": strconv.FormatInt(id, 10), "note": c.FormValue("note")}}, err)
	}
	return s.redirectFlash(c, "/staff/refunds", "已登记退还")
}

// Bidders.

func (s *Server) bidderSignups(c echo.Context) error {
	l, err := s.Trading.MySignups(c.Request().Context())
	if err != nil {
		return err
	}
	w, err := s.Trading.MyWithdrawals(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trading_signups", "我的报名", withNames(map[string]any{"Signups": l, "Withdrawals": w}))
}

func (s *Server) bidderLotWith(c echo.Context, p *Page, err error) error {
	id, perr := pathID(c, "id")
	if perr != nil {
		return perr
	}
	ctx := c.Request().Context()
	var pub *trading.PublicProject
	var lot *trading.Lot
	pages, perr := s.Trading.LotAnnouncement(ctx, id)
	if perr != nil {
		return perr
	}
	pub = pages
	for i := range pub.Project.Lots {
		if pub.Project.Lots[i].ID == id {
			lot = &pub.Project.Lots[i]
		}
	}
	mine, perr := s.Trading.MySignupForLot(ctx, id)
	if perr != nil {
		return perr
	}
	var form *trading.BidForm
	if mine != nil {
		if form, perr = s.Trading.MyBidForm(ctx, id); perr != nil {
			return perr
		}
	}
	limit, perr := s.Trading.MaxFileBytes(ctx)
	if perr != nil {
		return perr
	}
	mayInvited := true
	if mine == nil && pub.Project.Method == trading.MethodInvited {
		if mayInvited, perr = s.Trading.MayInvitedSignUp(ctx, pub.Project.ID); perr != nil {
			return perr
		}
	}
	p.Title = pub.Project.Title + " · " + lot.Name
	type decl struct{ Name, Text string }
	var decls []decl
	for i, e := range pub.Project.Eligibility {
		decls = append(decls, decl{fmt.Sprintf("declare%d", i+1), e})
	}
	p.Data = withNames(map[string]any{"P": pub, "Lot": lot, "Mine": mine, "BidForm": form, "LimitMB": limit >> 20, "Decls": decls, "Invited": mayInvited})
	if err != nil {
		return s.formError(c, err, "trading_lot", p)
	}
	return s.renderPage(c, http.StatusOK, "trading_lot", p)
}

func (s *Server) bidderLot(c echo.Context) error { return s.bidderLotWith(c, &Page{}, nil) }

func (s *Server) bidderSignUp(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	var declared []bool
	for i := 1; i <= 20; i++ {
		declared = append(declared, form.Get(fmt.Sprintf("declare%d", i)) == "yes")
	}
	if _, err := s.Trading.SignUp(c.Request().Context(), id, declared); err != nil {
		entered := map[string]string{}
		for i, d := range declared {
			if d {
				entered[fmt.Sprintf("declare%d", i+1)] = "yes"
			}
		}
		return s.bidderLotWith(c, &Page{Form: entered}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/bidder/lots/%d", id), "报名成功。请缴纳保证金并在截止时间前递交投标文件。")
}

func (s *Server) bidderDeposit(c echo.Context) error {
	var r depositRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	m, err := s.Trading.MySignup(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := s.Trading.RecordDeposit(c.Request().Context(), id, r.Method, r.Reference); err != nil {
		c.SetParamNames("id")
		c.SetParamValues(strconv.FormatInt(m.LotID, 10))
		return s.bidderLotWith(c, &Page{Form: map[string]string{"method": r.Method, "reference": r.Reference}}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/bidder/lots/%d", m.LotID), "保证金缴纳信息已登记（开标前密封）")
}

func (s *Server) bidderUpload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.receiveBid(c, id)
	if err != nil {
		return s.bidderLotWith(c, &Page{}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/bidder/lots/%d#receipt-%d", id, rec.FileID),
		fmt.Sprintf("递交成功。回执：%s，SHA-256 %s，%d 字节", rec.ReceivedAt.In(clock.Shanghai).Format("2006-01-02 15:04:05"), rec.SHA256, rec.Size))
}

func (s *Server) bidderWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.Trading.MyReceipt(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := s.Trading.WithdrawBid(c.Request().Context(), id); err != nil {
		return err
	}
	return s.redirectFlash(c, fmt.Sprintf("/bidder/lots/%d", rec.LotID), "已撤回")
}

func (s *Server) bidderAsk(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	back := c.FormValue("back")
	lotID, lerr := strconv.ParseInt(strings.TrimPrefix(back, "/bidder/lots/"), 10, 64)
	if !strings.HasPrefix(back, "/bidder/lots/") || lerr != nil {
		back = "/bidder/signups"
	}
	if _, err := s.Trading.Ask(c.Request().Context(), id, c.FormValue("body")); err != nil {
		if _, ok := problem.As(err); !ok || lerr != nil {
			return err
		}
		// Back on the lot page with the question as typed and the message
		// next to it (an error page lost the text).
		c.SetParamNames("id")
		c.SetParamValues(strconv.FormatInt(lotID, 10))
		return s.bidderLotWith(c, &Page{Form: map[string]string{"body": c.FormValue("body")}}, err)
	}
	return s.redirectFlash(c, back, "问题已提交，答复将以澄清公告发布")
}

// Admin.

func (s *Server) adminRulesWith(c echo.Context, p *Page, err error) error {
	ctx := c.Request().Context()
	loc := c.QueryParam("locality")
	if loc == "" {
		loc = c.FormValue("locality")
	}
	if loc == "" {
		loc = trading.DefaultLocality
	}
	rs, rerr := s.Trading.Rules(ctx, loc)
	if rerr != nil {
		return rerr
	}
	locs, rerr := s.Trading.Localities(ctx)
	if rerr != nil {
		return rerr
	}
	limit, rerr := s.Trading.MaxFileBytes(ctx)
	if rerr != nil {
		return rerr
	}
	p.Title = "交易规则"
	p.Data = withNames(map[string]any{"Set": rs, "Localities": locs, "Locality": loc, "LimitMB": limit >> 20})
	if err != nil {
		return s.formError(c, err, "trading_rules", p)
	}
	return s.renderPage(c, http.StatusOK, "trading_rules", p)
}

func (s *Server) adminRules(c echo.Context) error { return s.adminRulesWith(c, &Page{}, nil) }

func (s *Server) adminRuleChange(c echo.Context) error {
	var r ruleRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	loc := c.FormValue("locality")
	if _, err := s.Trading.ChangeRule(c.Request().Context(), r.change(loc, c.FormValue("rule_id"))); err != nil {
		return s.adminRulesWith(c, &Page{}, err)
	}
	return s.redirectFlash(c, "/admin/rules?locality="+urlEscape(loc), "规则已修改，对此后登记的项目生效")
}

func (s *Server) adminFileLimit(c echo.Context) error {
	mb, err := strconv.Atoi(strings.TrimSpace(c.FormValue("max_file_mb")))
	if err != nil {
		mb = -1
	}
	if err := s.Trading.SetMaxFileMB(c.Request().Context(), mb); err != nil {
		return s.adminRulesWith(c, &Page{}, err)
	}
	return s.redirectFlash(c, "/admin/rules", "单个投标文件大小上限已修改")
}

// agencyProjectWithdraw takes a submitted registration back to edit it.
func (s *Server) agencyProjectWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.WithdrawSubmission(c.Request().Context(), id); err != nil {
		return s.projectPageWith(c, &Page{}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d", id), "登记已撤回，可修改后重新提交")
}

// agencyProjectDelete removes a draft never submitted.
func (s *Server) agencyProjectDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.DeleteDraft(c.Request().Context(), id); err != nil {
		return s.projectPageWith(c, &Page{}, err)
	}
	return s.redirectFlash(c, "/agency/projects", "草稿已删除")
}

// agencyProjectTerminate ends a published project before its deadline.
func (s *Server) agencyProjectTerminate(c echo.Context) error {
	var r terminateRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	res, err := s.Trading.Terminate(c.Request().Context(), id, r.Reason)
	if err != nil {
		return s.projectPageWith(c, &Page{Form: map[string]string{"terminate_reason": r.Reason}}, err)
	}
	msg := "项目已终止，终止公告已发布；保证金应于 " + res.RefundDue + " 前退还"
	for _, w := range res.Warnings {
		msg += "。" + w
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d", id), msg)
}
