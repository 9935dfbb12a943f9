package web

// Routes, navigation and workspace tasks of fixed-price selection (固定价比选,
// issue 5). Handlers are in fixedprice_pages.go and fixedprice_api.go.

var fixedpriceNav = []NavItem{
	{Label: "固定价比选", Href: "/fixedprice"},
	{Label: "比选黑名单", Href: "/staff/fixedprice/blacklist", Roles: []string{staff, supervisor}},
	{Label: "比选设置", Href: "/admin/fixedprice/settings", Roles: []string{admin}},
}

var fixedpriceTasks = []Task{
	{Label: "固定价比选登记（政府投资、控制价200万元以下）", Href: "/agency/fixedprice/new", Hint: "定价 = 控制价 ×（1 − 下浮率），四舍五入到分", Roles: []string{agency}},
	{Label: "固定价比选：申请、资格审查结果、中选确认", Href: "/fixedprice", Roles: []string{bidder}},
	{Label: "固定价比选：资格审查、公开抽取、签约跟踪", Href: "/fixedprice", Hint: "抽取室大屏：项目页 →“抽取室大屏”", Roles: []string{staff}},
	{Label: "固定价比选：见证抽取并复核", Href: "/fixedprice", Roles: []string{supervisor}},
	{Label: "固定价比选设置（申请期限、公示期、确认和签约期限、K、D、候补、见证人）", Href: "/admin/fixedprice/settings", Hint: "修改只对此后的步骤生效", Roles: []string{admin}},
}

func (s *Server) fixedpriceRoutes() {
	e := s.Echo
	e.GET("/fixedprice", s.fpList)
	e.GET("/fixedprice/:id", s.fpShow)
	e.GET("/fixedprice/:id/record", s.fpRecord)
	e.GET("/fixedprice/:id/record.pdf", s.fpRecordPDF)
	e.GET("/fixedprice/:id/screen", s.fpScreen, requireRoles(staff, supervisor))
	e.GET("/fixedprice/:id/notice", s.fpNotice, requireRoles(staff, supervisor, agency, bidder))

	e.GET("/agency/fixedprice/new", s.fpNew, requireRoles(agency))
	e.POST("/agency/fixedprice", s.fpCreate, requireRoles(agency))
	e.POST("/agency/fixedprice/:id/publish", s.fpPublish, requireRoles(agency))

	e.POST("/bidder/fixedprice/:id/apply", s.fpApply, requireRoles(bidder))
	e.POST("/bidder/fixedprice/:id/confirm", s.fpConfirm, requireRoles(bidder))
	e.POST("/bidder/fixedprice/:id/decline", s.fpDecline, requireRoles(bidder))

	e.POST("/staff/fixedprice/applications/:id/review", s.fpReview, requireRoles(staff))
	e.POST("/staff/fixedprice/:id/prepare", s.fpPrepare, requireRoles(staff))
	e.POST("/staff/fixedprice/:id/witnesses", s.fpWitness, requireRoles(staff, supervisor))
	e.POST("/staff/fixedprice/:id/draw", s.fpDraw, requireRoles(staff))
	e.POST("/staff/fixedprice/:id/contract", s.fpContract, requireRoles(staff))
	e.POST("/staff/fixedprice/:id/revoke", s.fpRevoke, requireRoles(staff))
	e.GET("/staff/fixedprice/blacklist", s.fpBlacklist, requireRoles(staff, supervisor))
	e.POST("/staff/fixedprice/blacklist", s.fpBlacklistAdd, requireRoles(staff))

	e.GET("/admin/fixedprice/settings", s.fpSettings, requireRoles(admin))
	e.POST("/admin/fixedprice/settings", s.fpSettingsSave, requireRoles(admin))

	api := e.Group("/api/v1/fixedprice")
	api.GET("/selections", s.apiFPList)
	api.POST("/selections", s.apiFPCreate, requireRoles(agency))
	api.GET("/selections/:id", s.apiFPShow)
	api.POST("/selections/:id/publish", s.apiFPPublish, requireRoles(agency))
	api.GET("/selections/:id/applications", s.apiFPApplications, requireRoles(staff, supervisor))
	api.POST("/selections/:id/applications", s.apiFPApply, requireRoles(bidder))
	api.POST("/applications/:id/review", s.apiFPReview, requireRoles(staff))
	api.GET("/selections/:id/draw", s.apiFPRoom)
	api.POST("/selections/:id/draw/prepare", s.apiFPPrepare, requireRoles(staff))
	api.POST("/selections/:id/draw/witnesses", s.apiFPWitness, requireRoles(staff, supervisor))
	api.POST("/selections/:id/draw/run", s.apiFPDraw, requireRoles(staff))
	api.GET("/draws/:id/verify", s.apiFPVerify)
	api.GET("/selections/:id/draw/record.pdf", s.fpRecordPDF)
	api.GET("/selections/:id/awards", s.apiFPAwards)
	api.POST("/selections/:id/confirm", s.apiFPConfirm, requireRoles(bidder))
	api.POST("/selections/:id/decline", s.apiFPDecline, requireRoles(bidder))
	api.POST("/selections/:id/contract", s.apiFPContract, requireRoles(staff))
	api.POST("/selections/:id/revoke", s.apiFPRevoke, requireRoles(staff))
	api.GET("/blacklist", s.apiFPBlacklist, requireRoles(staff, supervisor))
	api.POST("/blacklist", s.apiFPBlacklistAdd, requireRoles(staff))
}
