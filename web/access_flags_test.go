package web

// flagsAccess lists who may call each route of the supervisors' red flags.
var flagsAccess = []access{
	{method: "GET", path: "/supervision/flags", roles: []string{supervisor}},
	{method: "GET", path: "/api/v1/supervision/flags", roles: []string{supervisor}},
	{method: "GET", path: "/admin/flags/settings", roles: []string{admin}},
	{method: "POST", path: "/admin/flags/settings", roles: []string{admin}},
}
