package web

// approvalAccess lists who may call each route of the approval hall's
// catalogue, window, departments' steps and public lookup, written from
// DOMAIN.md §7: the catalogue (八公开) and the lookup are public; the
// window's work is the clerk's; a department's steps and the 中止计时 and
// 延长期限 (行政许可法 42, 45) of the cases it leads are the approver's (which
// department: the ownership and extension tests); the catalogue and the settings are the admin's, who handles no
// case and so sees none (applicants' personal data); supervisors
// (电子监察) see every case but act on none.
var approvalAccess = []access{
	// The public catalogue and lookup.
	{method: "GET", path: "/approval/items", public: true},
	{method: "GET", path: "/approval/items/:id", public: true},
	{method: "GET", path: "/approval/lookup", public: true},
	{method: "POST", path: "/approval/lookup", public: true},
	{method: "GET", path: "/api/v1/approval/items", public: true},
	{method: "GET", path: "/api/v1/approval/items/:id", public: true},
	{method: "GET", path: "/api/v1/approval/departments", public: true},
	{method: "POST", path: "/api/v1/approval/lookup", public: true},

	// The window: intake, 一次性告知, receipts, refusal, withdrawal, delivery.
	{method: "GET", path: "/window/cases", roles: []string{clerk}},
	{method: "GET", path: "/window/cases/new", roles: []string{clerk}},
	{method: "POST", path: "/window/cases", roles: []string{clerk}},
	{method: "GET", path: "/window/cases/:id/receipt", roles: []string{clerk}},
	{method: "POST", path: "/window/cases/:id/materials", roles: []string{clerk}},
	{method: "POST", path: "/window/cases/:id/refuse", roles: []string{clerk}},
	{method: "POST", path: "/window/cases/:id/withdraw", roles: []string{clerk}},
	{method: "POST", path: "/window/cases/:id/deliver", roles: []string{clerk}},
	{method: "POST", path: "/api/v1/approval/cases", roles: []string{clerk}},
	{method: "POST", path: "/api/v1/approval/cases/:id/materials", roles: []string{clerk}},
	{method: "POST", path: "/api/v1/approval/cases/:id/refuse", roles: []string{clerk}},
	{method: "POST", path: "/api/v1/approval/cases/:id/withdraw", roles: []string{clerk}},
	{method: "POST", path: "/api/v1/approval/cases/:id/deliver", roles: []string{clerk}},

	// A case: the window that took it, the departments that work on it,
	// 电子监察. The list of all cases: the window and 电子监察, not a
	// department (it has its steps).
	{method: "GET", path: "/approval/cases/:id", roles: []string{clerk, approver, supervisor}},
	{method: "GET", path: "/api/v1/approval/cases/:id", roles: []string{clerk, approver, supervisor}},
	{method: "GET", path: "/api/v1/approval/cases", roles: []string{clerk, supervisor}},

	// The departments: their steps (并联审批), 中止计时 (art 45) and the
	// one extension of the limits (art 42, with the head's approval).
	{method: "GET", path: "/dept/steps", roles: []string{approver}},
	{method: "GET", path: "/dept/steps/:id", roles: []string{approver}},
	{method: "POST", path: "/dept/steps/:id", roles: []string{approver}},
	{method: "POST", path: "/dept/cases/:id/suspend", roles: []string{approver}},
	{method: "POST", path: "/dept/cases/:id/resume", roles: []string{approver}},
	{method: "POST", path: "/dept/cases/:id/extend", roles: []string{approver}},
	{method: "GET", path: "/api/v1/approval/steps", roles: []string{approver}},
	{method: "GET", path: "/api/v1/approval/steps/:id", roles: []string{approver}},
	{method: "POST", path: "/api/v1/approval/steps/:id/decision", roles: []string{approver}},
	{method: "POST", path: "/api/v1/approval/cases/:id/suspend", roles: []string{approver}},
	{method: "POST", path: "/api/v1/approval/cases/:id/resume", roles: []string{approver}},
	{method: "POST", path: "/api/v1/approval/cases/:id/extend", roles: []string{approver}},

	// The catalogue's upkeep and the hall's settings.
	{method: "GET", path: "/admin/approval/items", roles: []string{admin}},
	{method: "GET", path: "/admin/approval/items/new", roles: []string{admin}},
	{method: "POST", path: "/admin/approval/items", roles: []string{admin}},
	{method: "GET", path: "/admin/approval/items/:id", roles: []string{admin}},
	{method: "POST", path: "/admin/approval/items/:id", roles: []string{admin}},
	{method: "POST", path: "/admin/approval/items/:id/status", roles: []string{admin}},
	{method: "GET", path: "/admin/approval/settings", roles: []string{admin}},
	{method: "POST", path: "/admin/approval/settings", roles: []string{admin}},
	{method: "POST", path: "/api/v1/approval/items", roles: []string{admin}},
	{method: "PUT", path: "/api/v1/approval/items/:id", roles: []string{admin}},
	{method: "POST", path: "/api/v1/approval/items/:id/status", roles: []string{admin}},
	{method: "GET", path: "/api/v1/approval/settings", roles: []string{admin}},
	{method: "PUT", path: "/api/v1/approval/settings", roles: []string{admin}},
}
