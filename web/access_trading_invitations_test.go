package web

// tradingInvitationsAccess lists who may call each route of invited
// tendering (邀请招标) and of withdrawing a sign-up (撤回报名).
var tradingInvitationsAccess = []access{
	{method: "GET", path: "/projects/:id/invitations", roles: []string{agency, staff, supervisor, admin}},
	{method: "POST", path: "/agency/projects/:id/invitations", roles: []string{agency}},
	{method: "POST", path: "/agency/projects/:id/invitations/draw", roles: []string{agency}},
	{method: "GET", path: "/bidder/invitations", roles: []string{bidder}},
	{method: "POST", path: "/bidder/signups/:id/withdraw", roles: []string{bidder}},

	{method: "GET", path: "/api/v1/projects/:id/invitations", roles: []string{agency, staff, supervisor, admin}},
	{method: "PUT", path: "/api/v1/projects/:id/invitations", roles: []string{agency}},
	{method: "POST", path: "/api/v1/projects/:id/invitations/draw", roles: []string{agency}},
	{method: "GET", path: "/api/v1/invitations", roles: []string{bidder}},
	{method: "POST", path: "/api/v1/signups/:id/withdraw", roles: []string{bidder}},
	{method: "GET", path: "/api/v1/withdrawals", roles: []string{bidder}},
}
