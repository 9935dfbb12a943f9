package web

// Who may call the supervisors' project archive (一项一档): supervisors
// only (see the comment at the top of archive.go for why not staff).
var archiveAccess = []access{
	{method: "GET", path: "/supervision/projects", roles: []string{supervisor}},
	{method: "GET", path: "/supervision/projects/:id", roles: []string{supervisor}},
	{method: "GET", path: "/supervision/projects/:id/archive.zip", roles: []string{supervisor}},
	{method: "GET", path: "/api/v1/supervision/projects/:id/archive", roles: []string{supervisor}},
}
