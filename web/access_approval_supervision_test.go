package web

// approvalSupervisionAccess lists who may call each route of the approval
// hall's 电子监察, 督办, 好差评 and statistics, written from DOMAIN.md §7:
// supervisors watch every department, raise 督办 and read the statistics;
// a department (approver) sees its own warnings, 督办, rectifications and
// statistics (which department: the ownership tests), answers 督办 and
// records its rectification; the applicant rates with the case number and
// query code, so rating is public, as are the hall's monthly totals; the
// admin sets the 电子监察 setting. The window clerk has no part here.
var approvalSupervisionAccess = []access{
	// 电子监察 warnings.
	{method: "GET", path: "/approval/monitor", roles: []string{supervisor, approver}},
	{method: "GET", path: "/api/v1/approval/warnings", roles: []string{supervisor, approver}},

	// 督办: the supervisor raises it, the department answers.
	{method: "GET", path: "/approval/supervisions", roles: []string{supervisor, approver}},
	{method: "GET", path: "/api/v1/approval/supervisions", roles: []string{supervisor, approver}},
	{method: "POST", path: "/approval/supervisions", roles: []string{supervisor}},
	{method: "POST", path: "/api/v1/approval/supervisions", roles: []string{supervisor}},
	{method: "POST", path: "/approval/supervisions/:id/answer", roles: []string{approver}},
	{method: "POST", path: "/api/v1/approval/supervisions/:id/answer", roles: []string{approver}},

	// 好差评: anyone with the case number and query code rates; a bad
	// rating's rectification is the department's, watched by supervisors.
	{method: "GET", path: "/approval/rate", public: true},
	{method: "POST", path: "/approval/rate", public: true},
	{method: "POST", path: "/api/v1/approval/ratings", public: true},
	{method: "GET", path: "/approval/rectifications", roles: []string{supervisor, approver}},
	{method: "GET", path: "/api/v1/approval/rectifications", roles: []string{supervisor, approver}},
	{method: "POST", path: "/approval/rectifications/:id", roles: []string{approver}},
	{method: "POST", path: "/api/v1/approval/rectifications/:id", roles: []string{approver}},

	// Statistics: per department for supervisors (and a department's own),
	// the hall's totals for everyone.
	{method: "GET", path: "/approval/statistics", roles: []string{supervisor, approver}},
	{method: "GET", path: "/approval/statistics.xlsx", roles: []string{supervisor, approver}},
	{method: "GET", path: "/api/v1/approval/statistics", roles: []string{supervisor, approver}},
	{method: "GET", path: "/approval/hall-statistics", public: true},
	{method: "GET", path: "/api/v1/approval/statistics/public", public: true},

	// The 电子监察 setting (how many working days ahead the yellow warning).
	{method: "GET", path: "/admin/approval/monitor-settings", roles: []string{admin}},
	{method: "POST", path: "/admin/approval/monitor-settings", roles: []string{admin}},
}
