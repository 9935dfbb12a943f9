package web

// Routes, navigation and workspace tasks of the expert pool and draws.

var expertNav = []NavItem{
	{Label: "专家库", Href: "/experts", Roles: []string{staff, supervisor}},
	{Label: "专家抽取", Href: "/expert-draws", Roles: []string{staff, supervisor}},
	{Label: "我的专家信息", Href: "/experts/me", Roles: []string{expert}},
	{Label: "专家抽取设置", Href: "/admin/experts/settings", Roles: []string{admin}},
}

var expertTasks = []Task{
	{Label: "登记评标专家、维护请假和处理记录", Href: "/experts", Hint: "身份证号码加密保存，只显示脱敏号码", Roles: []string{staff}},
	{Label: "批量导入专家（Excel/CSV）", Href: "/experts/import", Hint: "逐行校验，有错误时默认不导入", Roles: []string{staff}},
	{Label: "为标段抽取评标专家", Href: "/expert-draws/new", Hint: "先公示候选名单哈希和密钥承诺，再由见证人输入随机数", Roles: []string{staff}},
	{Label: "复核专家抽取", Href: "/expert-draws", Hint: "按 RFC 3797 从存档重新计算", Roles: []string{supervisor}},
	{Label: "维护本人信息和请假", Href: "/experts/me", Roles: []string{expert}},
	{Label: "专家抽取设置（年龄上限、从业年限、任职回避、评标次数、答复期限、补抽、签到前隐藏姓名）", Href: "/admin/experts/settings", Hint: "修改只对此后准备的抽取生效", Roles: []string{admin}},
}

// expertImportPaths read large uploads themselves (see isStreaming).
var expertImportPaths = []string{"/experts/import/", "/api/v1/expert-imports/"}

func (s *Server) expertRoutes() {
	for _, p := range expertImportPaths {
		known := false
		for _, sp := range streamingPaths {
			known = known || sp == p
		}
		if !known {
			streamingPaths = append(streamingPaths, p)
		}
	}
	e := s.Echo
	e.GET("/experts", s.expertsList, requireRoles(staff, supervisor))
	e.GET("/experts/new", s.expertsNew, requireRoles(staff))
	e.POST("/experts", s.expertsCreate, requireRoles(staff))
	e.GET("/experts/:id", s.expertsShow, requireRoles(staff, supervisor))
	e.POST("/experts/:id", s.expertsUpdate, requireRoles(staff))
	e.POST("/experts/:id/leaves", s.expertsAddLeave, requireRoles(staff))
	e.POST("/experts/:id/penalties", s.expertsAddPenalty, requireRoles(staff))
	e.POST("/experts/:id/declarations", s.expertsAddDeclaration, requireRoles(staff))
	e.POST("/experts/:id/employments", s.expertsAddEmployment, requireRoles(staff))
	e.GET("/experts/me", s.expertsMe, requireRoles(expert))
	e.POST("/experts/me", s.expertsMeUpdate, requireRoles(expert))
	e.POST("/experts/me/leaves", s.expertsMeLeave, requireRoles(expert))
	e.GET("/experts/import", s.expertsImportPage, requireRoles(staff))
	e.POST("/experts/import/files", s.expertsImportSubmit, requireRoles(staff))
	e.GET("/experts/import/progress", s.expertsImportProgress, requireRoles(staff))
	e.GET("/experts/import/template.xlsx", s.expertsTemplateXLSX, requireRoles(staff))
	e.GET("/experts/import/template.csv", s.expertsTemplateCSV, requireRoles(staff))
	e.GET("/experts/reply/:token", s.expertsReplyPage)
	e.POST("/experts/reply/:token", s.expertsReplySubmit)
	e.GET("/admin/experts/settings", s.expertSettings, requireRoles(admin))
	e.POST("/admin/experts/settings", s.expertSettingsSave, requireRoles(admin))

	e.GET("/expert-draws", s.drawsList, requireRoles(staff, supervisor))
	e.GET("/expert-draws/new", s.drawsNew, requireRoles(staff))
	e.POST("/expert-draws", s.drawsCreate, requireRoles(staff))
	e.GET("/expert-draws/:id", s.drawsShow, requireRoles(staff, supervisor))
	e.POST("/expert-draws/:id/run", s.drawsRun, requireRoles(staff))
	e.POST("/expert-draws/:id/cancel", s.drawsCancel, requireRoles(staff))
	e.POST("/expert-draws/:id/publish", s.drawsPublish, requireRoles(staff))
	e.POST("/expert-draws/:id/supplement", s.drawsSupplement, requireRoles(staff))
	e.POST("/expert-draws/:id/resend", s.drawsResend, requireRoles(staff))
	e.POST("/expert-draws/:id/members/:mid/signin", s.drawsSignIn, requireRoles(staff))
	e.GET("/expert-draws/:id/verify", s.drawsVerifyPage, requireRoles(staff, supervisor))
	e.GET("/expert-draws/:id/record.pdf", s.drawRecordPDF, requireRoles(staff, supervisor))

	api := e.Group("/api/v1")
	api.GET("/expert-specialties", s.apiSpecialties, loggedIn)
	api.GET("/experts", s.apiExpertList, requireRoles(staff, supervisor))
	api.POST("/experts", s.apiExpertCreate, requireRoles(staff))
	api.GET("/experts/me", s.apiExpertMe, requireRoles(expert))
	api.PUT("/experts/me", s.apiExpertMeUpdate, requireRoles(expert))
	api.POST("/experts/me/leaves", s.apiExpertMeLeave, requireRoles(expert))
	api.GET("/experts/:id", s.apiExpertGet, requireRoles(staff, supervisor))
	api.PUT("/experts/:id", s.apiExpertUpdate, requireRoles(staff))
	api.POST("/experts/:id/leaves", s.apiExpertLeave, requireRoles(staff))
	api.POST("/experts/:id/penalties", s.apiExpertPenalty, requireRoles(staff))
	api.POST("/experts/:id/declarations", s.apiExpertDeclaration, requireRoles(staff))
	api.POST("/experts/:id/employments", s.apiExpertEmployment, requireRoles(staff))
	api.POST("/expert-imports/files", s.apiExpertImport, requireRoles(staff))
	api.GET("/expert-imports/progress/:key", s.apiExpertImportProgress, requireRoles(staff))
	api.GET("/expert-draws", s.apiDrawList, requireRoles(staff, supervisor))
	api.POST("/expert-draws", s.apiDrawCreate, requireRoles(staff))
	api.GET("/expert-draws/:id", s.apiDrawGet, requireRoles(staff, supervisor, agency))
	api.POST("/expert-draws/:id/run", s.apiDrawRun, requireRoles(staff))
	api.POST("/expert-draws/:id/cancel", s.apiDrawCancel, requireRoles(staff))
	api.POST("/expert-draws/:id/publish", s.apiDrawPublish, requireRoles(staff))
	api.POST("/expert-draws/:id/resend", s.apiDrawResend, requireRoles(staff))
	api.POST("/expert-draws/:id/supplement", s.apiDrawSupplement, requireRoles(staff))
	api.POST("/expert-draws/:id/members/:mid/signin", s.apiDrawSignIn, requireRoles(staff))
	api.GET("/expert-draws/:id/verify", s.apiDrawVerify, requireRoles(staff, supervisor))
	api.GET("/expert-draws/:id/archive", s.apiDrawArchive, requireRoles(staff, supervisor))
	api.GET("/expert-draws/:id/record.pdf", s.drawRecordPDF, requireRoles(staff, supervisor, agency))
	api.POST("/expert-replies/:token", s.apiExpertReply)
}
