package web

// Routes, navigation and workspace tasks of rooms, bookings and timed events.

var scheduleNav = []NavItem{}

var scheduleTasks = []Task{}

func (s *Server) scheduleRoutes() {}
