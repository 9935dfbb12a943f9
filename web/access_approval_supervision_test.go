package web

// approvalSupervisionAccess lists who may call each route of the approval
// hall's 电子监察, 督办, 好差评 and statistics.
var approvalSupervisionAccess = []access{
	{method: "GET", path: "/approval/monitor", roles: []string{supervisor, approver}},
	{method: "GET", path: "/approval/supervisions", roles: []string{supervisor, approver}},
	{method: "POST", path: "/approval/supervisions", roles: []string{supervisor}},
	{method: "POST", path: "/approval/supervisions/:id/answer", roles: []string{approver}},
	{method: "GET", path: "/approval/rectifications", roles: []string{supervisor, approver}},
	{method: "POST", path: "/approval/rectifications/:id", roles: []string{approver}},
	{method: "GET", path: "/approval/statistics", roles: []string{supervisor, approver}},
	{method: "GET", path: "/approval/statistics.xlsx", roles: []string{supervisor, approver}},
	{method: "GET", path: "/approval/hall-statistics", public: true},
	{method: "GET", path: "/approval/rate", public: true},
	{method: "POST", path: "/approval/rate", public: true},
	{method: "GET", path: "/admin/approval/monitor-settings", roles: []string{admin}},
	{method: "POST", path: "/admin/approval/monitor-settings", roles: []string{admin}},
	{method: "GET", path: "/api/v1/approval/warnings", roles: []string{supervisor, approver}},
	{method: "GET", path: "/api/v1/approval/supervisions", roles: []string{supervisor, approver}},
	{method: "POST", path: "/api/v1/approval/supervisions", roles: []string{supervisor}},
	{method: "POST", path: "/api/v1/approval/supervisions/:id/answer", roles: []string{approver}},
	{method: "GET", path: "/api/v1/approval/rectifications", roles: []string{supervisor, approver}},
	{method: "POST", path: "/api/v1/approval/rectifications/:id", roles: []string{approver}},
	{method: "POST", path: "/api/v1/approval/ratings", public: true},
	{method: "GET", path: "/api/v1/approval/statistics", roles: []string{supervisor, approver}},
	{method: "GET", path: "/api/v1/approval/statistics/public", public: true},
}
