package web

// Routes, navigation and workspace tasks of rooms, bookings and timed events.

var scheduleNav = []NavItem{
	{Label: "场地预约", Href: "/schedule/rooms", Roles: []string{staff}},
	{Label: "场地状态屏", Href: "/schedule/board", Roles: []string{staff}},
	{Label: "定时任务", Href: "/schedule/events", Roles: []string{staff}},
	{Label: "录像保存", Href: "/schedule/recordings", Roles: []string{staff, admin}},
	{Label: "交易统计", Href: "/schedule/statistics", Roles: []string{staff, supervisor}},
}

var scheduleTasks = []Task{
	{Label: "预约开标室、评标室、抽取室、拍卖室和谈判室", Href: "/schedule/rooms", Hint: "按日、按周查看各场地安排；评标超时可延长", Roles: []string{staff}},
	{Label: "查看失败的定时任务", Href: "/schedule/events?state=failed", Hint: "失败的任务已按退避重试，仍失败的需人工处理", Roles: []string{staff}},
	{Label: "设置录像等资料的保存期限", Href: "/schedule/recordings", Hint: "超过期限的录像索引每晚清理，并记入审计日志", Roles: []string{admin}},
}

func (s *Server) scheduleRoutes() {
	e := s.Echo
	st := requireRoles(staff)
	e.GET("/schedule/rooms", s.schedRooms, st)
	e.POST("/schedule/rooms", s.schedRoomCreate, st)
	e.GET("/schedule/rooms/:id", s.schedRoom, st)
	e.POST("/schedule/rooms/:id", s.schedRoomUpdate, st)
	e.POST("/schedule/rooms/:id/terminals", s.schedTerminalRegister, st)
	e.POST("/schedule/terminals/:id/revoke", s.schedTerminalRevoke, st)
	e.POST("/schedule/bookings", s.schedBookingCreate, st)
	e.POST("/schedule/bookings/:id/extend", s.schedBookingExtend, st)
	e.POST("/schedule/bookings/:id/move", s.schedBookingMove, st)
	e.POST("/schedule/bookings/:id/cancel", s.schedBookingCancel, st)
	e.GET("/schedule/board", s.schedBoard, s.staffOrTerminal)
	e.GET("/schedule/device", s.schedDevicePage)
	e.POST("/schedule/device", s.schedDeviceActivate)
	e.GET("/schedule/events", s.schedEvents, st)
	e.POST("/schedule/events/:id/retry", s.schedEventRetry, st)
	e.GET("/schedule/recordings", s.schedRecordings, requireRoles(staff, admin))
	e.POST("/schedule/recordings/retention", s.schedRetentionSet, requireRoles(admin))
	e.GET("/schedule/statistics", s.schedStatistics, requireRoles(staff, supervisor))

	api := e.Group("/api/v1")
	api.GET("/rooms", s.apiRooms, st)
	api.POST("/rooms", s.apiRoomCreate, st)
	api.GET("/rooms/:id", s.apiRoom, st)
	api.PUT("/rooms/:id", s.apiRoomUpdate, st)
	api.GET("/rooms/:id/bookings", s.apiRoomBookings, st)
	api.GET("/rooms/:id/terminals", s.apiTerminals, st)
	api.POST("/rooms/:id/terminals", s.apiTerminalRegister, st)
	api.POST("/terminals/:id/revoke", s.apiTerminalRevoke, st)
	api.POST("/bookings", s.apiBookingCreate, st)
	api.GET("/bookings/:id", s.apiBooking, st)
	api.POST("/bookings/:id/extend", s.apiBookingExtend, st)
	api.POST("/bookings/:id/move", s.apiBookingMove, st)
	api.POST("/bookings/:id/cancel", s.apiBookingCancel, st)
	api.GET("/board", s.apiBoard, s.staffOrTerminal)
	api.GET("/timed-events", s.apiEvents, st)
	api.POST("/timed-events/:id/retry", s.apiEventRetry, st)
	api.GET("/recording-classes", s.apiRecordingClasses, requireRoles(staff, admin))
	api.PUT("/recording-classes/:class", s.apiRetentionSet, requireRoles(admin))
	api.POST("/recordings", s.apiRecordingAdd, st)
	api.GET("/statistics/monthly", s.apiStatistics, requireRoles(staff, supervisor))
}
