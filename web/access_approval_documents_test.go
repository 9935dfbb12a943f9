package web

// approvalDocumentsAccess: the hall's PDF documents. The window's receipt
// is the clerk's; the API's documents are for those who see the case —
// clerks and supervisors every case, approvers their department's (the
// ownership tests) — and never the admin, who handles no case.
var approvalDocumentsAccess = []access{
	{method: "GET", path: "/window/cases/:id/receipt.pdf", roles: []string{clerk}},
	{method: "GET", path: "/api/v1/approval/cases/:id/documents/:file", roles: []string{clerk, supervisor, approver}},
	{method: "GET", path: "/approval/cases/:id/documents/:file", roles: []string{clerk, approver, supervisor}},
}
