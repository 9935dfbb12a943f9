package web

// Routes, navigation and workspace tasks of the expert pool and draws.

var expertNav = []NavItem{}

var expertTasks = []Task{}

func (s *Server) expertRoutes() {}
