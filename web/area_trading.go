package web

// Routes, navigation and workspace tasks of the trading area (projects,
// announcements, sign-ups, deposits, sealed bids, fixed-price selection).

var tradingNav = []NavItem{}

var tradingTasks = []Task{}

func (s *Server) tradingRoutes() {}
