package web

// Routes, navigation and workspace tasks of the trading area (projects,
// announcements, sign-ups, deposits, sealed bids, fixed-price selection).

var tradingNav = []NavItem{
	{Label: "交易公告", Href: "/announcements"},
	{Label: "我的项目", Href: "/agency/projects", Roles: []string{agency}},
	{Label: "进场登记受理", Href: "/staff/projects", Roles: []string{staff}},
	{Label: "保证金退还", Href: "/staff/refunds", Roles: []string{staff}},
	{Label: "我的报名", Href: "/bidder/signups", Roles: []string{bidder}},
	{Label: "投标邀请", Href: "/bidder/invitations", Roles: []string{bidder}},
	{Label: "交易规则", Href: "/admin/rules", Roles: []string{admin}},
}

var tradingTasks = []Task{
	{Label: "进场登记：新建项目（建设工程、政府采购、土地出让、产权交易）", Href: "/agency/projects/new", Hint: "保存草稿后提交，交易中心受理后发布公告", Roles: []string{agency}},
	{Label: "我的项目：状态、公告、澄清答疑、结果公告", Href: "/agency/projects", Roles: []string{agency}},
	{Label: "进场登记受理", Href: "/staff/projects", Hint: "受理，或一次性告知全部补正事项后退回", Roles: []string{staff}},
	{Label: "保证金退还", Href: "/staff/refunds", Hint: "结果公告后按规则计算的退还期限", Roles: []string{staff}},
	{Label: "浏览交易公告并报名", Href: "/announcements", Roles: []string{bidder}},
	{Label: "我的报名、保证金和递交回执", Href: "/bidder/signups", Roles: []string{bidder}},
	{Label: "收到的投标邀请书（邀请招标）", Href: "/bidder/invitations", Roles: []string{bidder}},
	{Label: "维护交易规则（期限、保证金比例）", Href: "/admin/rules", Hint: "修改只对之后登记的项目生效", Roles: []string{admin}},
}

func (s *Server) tradingRoutes() {
	e := s.Echo
	// Public portal.
	e.GET("/announcements", s.portalList)
	e.GET("/announcements/:id", s.portalShow)

	// Agency.
	e.GET("/agency/projects", s.agencyProjects, requireRoles(agency))
	e.GET("/agency/projects/new", s.agencyProjectNew, requireRoles(agency))
	e.POST("/agency/projects", s.agencyProjectCreate, requireRoles(agency))
	e.POST("/agency/projects/:id", s.agencyProjectSave, requireRoles(agency))
	e.POST("/agency/projects/:id/submit", s.agencyProjectSubmit, requireRoles(agency))
	e.POST("/agency/projects/:id/withdraw", s.agencyProjectWithdraw, requireRoles(agency))
	e.POST("/agency/projects/:id/delete", s.agencyProjectDelete, requireRoles(agency))
	e.POST("/agency/projects/:id/publish", s.agencyProjectPublish, requireRoles(agency))
	e.POST("/agency/projects/:id/clarify", s.agencyProjectClarify, requireRoles(agency))
	e.POST("/agency/projects/:id/terminate", s.agencyProjectTerminate, requireRoles(agency))
	e.POST("/agency/projects/:id/result", s.agencyProjectResult, requireRoles(agency))
	e.GET("/projects/:id", s.projectPage, requireRoles(agency, staff, supervisor, admin))

	// Staff.
	e.GET("/staff/projects", s.staffProjects, requireRoles(staff))
	e.POST("/staff/projects/:id/review", s.staffProjectReview, requireRoles(staff))
	e.GET("/staff/lots/:id", s.staffLotOpening, requireRoles(staff, supervisor))
	e.POST("/staff/signups/:id/deposit-check", s.staffDepositCheck, requireRoles(staff))
	e.GET("/staff/refunds", s.staffRefunds, requireRoles(staff))
	e.POST("/staff/signups/:id/refund", s.staffRefund, requireRoles(staff))

	// Bidders.
	e.GET("/bidder/signups", s.bidderSignups, requireRoles(bidder))
	e.GET("/bidder/lots/:id", s.bidderLot, requireRoles(bidder))
	e.POST("/bidder/lots/:id/signup", s.bidderSignUp, requireRoles(bidder))
	e.POST("/bidder/signups/:id/deposit", s.bidderDeposit, requireRoles(bidder))
	e.POST("/bidder/signups/:id/withdraw", s.bidderSignupWithdraw, requireRoles(bidder))
	e.POST("/bidder/lots/:id/files", s.bidderUpload, requireRoles(bidder))
	e.POST("/bidder/bids/:id/withdraw", s.bidderWithdraw, requireRoles(bidder))
	e.POST("/bidder/lots/:id/form", s.bidderBidForm, requireRoles(bidder))
	e.POST("/bidder/lots/:id/form/withdraw", s.bidderBidFormWithdraw, requireRoles(bidder))
	e.POST("/bidder/projects/:id/questions", s.bidderAsk, requireRoles(bidder))

	// Admin.
	e.GET("/admin/rules", s.adminRules, requireRoles(admin))
	e.POST("/admin/rules", s.adminRuleChange, requireRoles(admin))
	e.POST("/admin/rules/file-limit", s.adminFileLimit, requireRoles(admin))

	// JSON API.
	api := e.Group("/api/v1")
	api.GET("/announcements", s.apiAnnouncements)
	api.GET("/announcements/:id", s.apiAnnouncement)
	api.GET("/projects", s.apiProjects, requireRoles(agency, staff, supervisor, admin))
	api.POST("/projects", s.apiProjectCreate, requireRoles(agency))
	api.GET("/projects/:id", s.apiProject, requireRoles(agency, staff, supervisor, admin))
	api.PUT("/projects/:id", s.apiProjectUpdate, requireRoles(agency))
	api.POST("/projects/:id/submit", s.apiProjectSubmit, requireRoles(agency))
	api.POST("/projects/:id/withdraw", s.apiProjectWithdraw, requireRoles(agency))
	api.DELETE("/projects/:id", s.apiProjectDelete, requireRoles(agency))
	api.POST("/projects/:id/review", s.apiProjectReview, requireRoles(staff))
	api.POST("/projects/:id/publish", s.apiProjectPublish, requireRoles(agency))
	api.POST("/projects/:id/clarifications", s.apiProjectClarify, requireRoles(agency))
	api.POST("/projects/:id/terminate", s.apiProjectTerminate, requireRoles(agency))
	api.GET("/projects/:id/questions", s.apiQuestions, requireRoles(agency, staff, supervisor))
	api.POST("/projects/:id/questions", s.apiAsk, requireRoles(bidder))
	api.POST("/projects/:id/result", s.apiProjectResult, requireRoles(agency))
	api.GET("/signups", s.apiSignups, requireRoles(bidder))
	api.POST("/signups", s.apiSignUp, requireRoles(bidder))
	api.GET("/signups/:id", s.apiSignup, requireRoles(bidder))
	api.PUT("/signups/:id/deposit", s.apiDeposit, requireRoles(bidder))
	api.POST("/signups/:id/withdraw", s.apiSignupWithdraw, requireRoles(bidder))
	api.POST("/signups/:id/deposit-check", s.apiDepositCheck, requireRoles(staff))
	api.POST("/signups/:id/refund", s.apiRefund, requireRoles(staff))
	api.GET("/refunds", s.apiRefunds, requireRoles(staff, supervisor))
	api.POST("/bids/lots/:id/files", s.apiBidUpload, requireRoles(bidder))
	api.GET("/bids/:id", s.apiBidReceipt, requireRoles(bidder))
	api.DELETE("/bids/:id", s.apiBidWithdraw, requireRoles(bidder))
	api.GET("/bids/lots/:id/form", s.apiBidForm, requireRoles(bidder))
	api.PUT("/bids/lots/:id/form", s.apiBidFormPut, requireRoles(bidder))
	api.DELETE("/bids/lots/:id/form", s.apiBidFormWithdraw, requireRoles(bidder))
	api.GET("/lots/:id/opening", s.apiLotOpening, requireRoles(staff, supervisor))
	api.GET("/rules", s.apiRules, loggedIn)
	api.PUT("/rules/:locality/:rule", s.apiRuleChange, requireRoles(admin))

	s.tradingInvitationRoutes()
}
