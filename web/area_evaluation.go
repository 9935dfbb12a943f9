package web

// Routes, navigation and workspace tasks of openings, evaluations at room
// terminals and the candidate publicity.

var evaluationNav = []NavItem{
	{Label: "评标终端", Href: "/evaluation/terminal", Roles: []string{expert}},
	{Label: "开标评标", Href: "/evaluation/lots", Roles: []string{staff, supervisor}},
}

var evaluationTasks = []Task{
	{Label: "在评标室的评标终端上评标", Href: "/evaluation/terminal", Hint: "只能在预约的评标室终端、评标时段内登录评标；评分随输入自动保存", Roles: []string{expert}},
	{Label: "主持开标、核验保证金、答复异议、发布公示和确定中标人", Href: "/evaluation/lots", Hint: "开标、评标、公示各环节的现场操作", Roles: []string{staff}},
	{Label: "转交或拒绝评标专家的澄清问题", Href: "/evaluation/lots", Hint: "澄清问题须经监督人员转交投标人", Roles: []string{supervisor}},
}

func (s *Server) evaluationRoutes() {
	e := s.Echo
	viewers := requireRoles(staff, supervisor, agency, bidder)
	ex := requireRoles(expert)

	// Pages: the opening and result of a lot; the expert's terminal.
	e.GET("/evaluation/lots/:id", s.evalLotPage, viewers)
	e.POST("/evaluation/lots/:id/signin", s.evalSignInForm, requireRoles(bidder))
	e.POST("/evaluation/lots/:id/confirmation", s.evalConfirmForm, requireRoles(bidder))
	e.POST("/evaluation/lots/:id/opening/close", s.evalCloseOpeningForm, requireRoles(staff))
	e.POST("/evaluation/lots/:id/evaluation", s.evalStartForm, requireRoles(staff))
	e.GET("/evaluation/lots/:id/documents/:file", s.evalDocument, viewers) // :file is "<kind>.pdf"
	e.GET("/evaluation/lots", s.evalLotsPage, requireRoles(staff, supervisor))
	e.GET("/evaluation/lots/:id/plan", s.evalPlanPage, requireRoles(staff, agency))
	e.POST("/evaluation/lots/:id/plan", s.evalPlanForm, requireRoles(staff, agency))
	e.POST("/evaluation/lots/:id/opening", s.evalOpenForm, requireRoles(staff))
	e.POST("/evaluation/lots/:id/bids/:bid/deposit", s.evalDepositForm, requireRoles(staff))
	e.POST("/evaluation/lots/:id/objections", s.evalObjectForm, requireRoles(bidder))
	e.POST("/evaluation/lots/:id/objections/:objection/answer", s.evalAnswerObjectionForm, requireRoles(staff, agency))
	e.POST("/evaluation/lots/:id/clarifications/:clarification/forward", s.evalForwardForm, requireRoles(supervisor))
	e.POST("/evaluation/lots/:id/clarifications/:clarification/answer", s.evalClarifyAnswerForm, requireRoles(bidder))
	e.POST("/evaluation/lots/:id/publicity", s.evalPublicityForm, requireRoles(staff, agency))
	e.POST("/evaluation/lots/:id/publicity/end", s.evalEndPublicityForm, requireRoles(staff))
	e.POST("/evaluation/lots/:id/award", s.evalAwardForm, requireRoles(staff, agency))
	e.GET("/evaluation/terminal", s.evalTerminalPage, ex)
	e.GET("/evaluation/terminal/lots/:id", s.evalDeskPage, ex)
	e.POST("/evaluation/terminal/lots/:id/declaration", s.evalDeclareForm, ex)
	e.POST("/evaluation/terminal/lots/:id/chair", s.evalChairForm, ex)
	e.POST("/evaluation/terminal/lots/:id/reviews", s.evalReviewForm, ex)
	e.POST("/evaluation/terminal/lots/:id/reviews/confirm", s.evalConfirmReviewsForm, ex)
	e.PUT("/evaluation/terminal/lots/:id/scores", s.evalScoreSave, ex) // autosave (JSON, X-CSRF-Token)
	e.POST("/evaluation/terminal/lots/:id/scores", s.evalScoreForm, ex)
	e.POST("/evaluation/terminal/lots/:id/summary", s.evalSummaryForm, ex)
	e.POST("/evaluation/terminal/lots/:id/signature", s.evalSignForm, ex)
	e.POST("/evaluation/terminal/lots/:id/close", s.evalCloseReportForm, ex)
	e.POST("/evaluation/terminal/lots/:id/clarifications", s.evalAskForm, ex)

	// JSON API.
	api := e.Group("/api/v1/evaluation")
	api.PUT("/lots/:id/plan", s.apiEvalPlan, requireRoles(agency, staff))
	api.POST("/lots/:id/opening", s.apiEvalOpen, requireRoles(staff))
	api.GET("/lots/:id/opening", s.apiEvalOpening, viewers)
	api.POST("/lots/:id/signin", s.apiEvalSignIn, requireRoles(bidder))
	api.POST("/lots/:id/confirmation", s.apiEvalConfirm, requireRoles(bidder))
	api.POST("/lots/:id/objections", s.apiEvalObject, requireRoles(bidder))
	api.POST("/objections/:id/answer", s.apiEvalAnswer, requireRoles(staff, agency))
	api.POST("/lots/:id/opening/close", s.apiEvalCloseOpening, requireRoles(staff))
	api.POST("/lots/:id/bids/:bid/deposit", s.apiEvalDeposit, requireRoles(staff))
	api.POST("/lots/:id/evaluation", s.apiEvalStart, requireRoles(staff))
	api.POST("/lots/:id/members/:member/replace", s.apiEvalReplace, requireRoles(staff))
	api.GET("/lots/:id/result", s.apiEvalResult, viewers)
	api.GET("/lots/:id/clarifications", s.apiEvalClarifications, requireRoles(staff, supervisor, bidder))
	api.POST("/clarifications/:id/forward", s.apiEvalForward, requireRoles(supervisor))
	api.POST("/clarifications/:id/answer", s.apiEvalClarifyAnswer, requireRoles(bidder))
	api.POST("/lots/:id/publicity", s.apiEvalPublicity, requireRoles(staff, agency))
	api.POST("/lots/:id/award", s.apiEvalAward, requireRoles(staff, agency))
	api.GET("/projects/:id/documents", s.apiEvalDocuments, requireRoles(staff, supervisor))
	api.GET("/lots/:id/documents", s.apiEvalLotDocuments, viewers)
	api.GET("/lots/:id/documents/:file", s.evalDocument, viewers)

	// The expert's terminal (X-Terminal-Token header).
	api.GET("/terminal/lots", s.apiDeskLots, ex)
	api.GET("/terminal/lots/:id", s.apiDesk, ex)
	api.POST("/terminal/lots/:id/declaration", s.apiDeskDeclare, ex)
	api.POST("/terminal/lots/:id/chair", s.apiDeskChair, ex)
	api.PUT("/terminal/lots/:id/reviews", s.apiDeskReview, ex)
	api.POST("/terminal/lots/:id/reviews/confirm", s.apiDeskConfirmReviews, ex)
	api.PUT("/terminal/lots/:id/scores", s.apiDeskScore, ex)
	api.POST("/terminal/lots/:id/summary", s.apiDeskSummary, ex)
	api.POST("/terminal/lots/:id/failure", s.apiDeskFail, ex)
	api.POST("/terminal/lots/:id/signature", s.apiDeskSign, ex)
	api.POST("/terminal/lots/:id/close", s.apiDeskClose, ex)
	api.POST("/terminal/lots/:id/clarifications", s.apiDeskAsk, ex)
}
