package web

import (
	"context"
	"io"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/templates"
)

// AuditReader is what the supervision pages need from the audit trail.
type AuditReader interface {
	List(ctx context.Context, f audit.Filter) ([]audit.Row, error)
	ExportXLSX(ctx context.Context, f audit.Filter, role func(string) string, w io.Writer) (n int, more bool, err error)
	Verify(ctx context.Context, via string) (audit.Verification, error)
	LatestVerification(ctx context.Context) (*audit.Verification, error)
	Checkpoints(ctx context.Context, limit int) ([]audit.Checkpoint, []audit.AnchorResult, error)
	CheckAnchors(ctx context.Context, anchors []audit.Anchor) (audit.Report, []audit.AnchorResult, error)
}

const (
	staff      = accounts.RoleStaff
	agency     = accounts.RoleAgency
	bidder     = accounts.RoleBidder
	expert     = accounts.RoleExpert
	supervisor = accounts.RoleSupervisor
	clerk      = accounts.RoleClerk
	approver   = accounts.RoleApprover
	admin      = accounts.RoleAdmin
)

func (s *Server) routes() {
	e := s.Echo
	static, _ := fs.Sub(templates.FS, "static")
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(static)))))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.onlyFrom(s.cfg.MetricsAllow, echo.WrapHandler(promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))))
	e.GET("/api/openapi.json", s.openapi)

	// Public pages.
	e.GET("/", s.home)
	e.GET("/login", s.loginPage)
	e.POST("/login", s.loginSubmit)
	e.POST("/logout", s.logout)
	e.GET("/register", s.registerPage)
	e.POST("/register", s.registerSubmit)

	// Every logged-in user.
	e.GET("/workspace", s.workspace, loggedIn)
	e.GET("/account", s.accountPage, loggedIn)
	e.POST("/account/password", s.accountPassword, loggedIn)

	// Staff.
	e.GET("/staff/organisations", s.staffOrgs, requireRoles(staff))
	e.POST("/staff/organisations/:id/review", s.staffOrgReview, requireRoles(staff))

	// Supervision.
	e.GET("/supervision/audit", s.auditPage, requireRoles(supervisor))
	e.GET("/supervision/audit/checkpoints.json", s.auditCheckpointsDownload, requireRoles(supervisor))
	e.GET("/supervision/audit/export.xlsx", s.auditExport, requireRoles(supervisor))
	e.POST("/supervision/audit/verify", s.auditVerifyPage, requireRoles(supervisor))
	e.POST("/supervision/audit/checkpoints/check", s.auditAnchorsCheckPage, requireRoles(supervisor))

	// Administration.
	e.GET("/admin/organisations", s.adminOrgs, requireRoles(admin))
	e.POST("/admin/organisations", s.adminOrgCreate, requireRoles(admin))
	e.GET("/admin/users", s.adminUsers, requireRoles(admin))
	e.POST("/admin/users", s.adminUserCreate, requireRoles(admin))
	e.POST("/admin/users/:id", s.adminUserUpdate, requireRoles(admin))
	e.POST("/admin/users/:id/password-reset", s.adminUserPasswordReset, requireRoles(admin))
	e.GET("/admin/calendar", s.calendarPage, requireRoles(admin))
	e.POST("/admin/calendar", s.calendarSet, requireRoles(admin))
	e.POST("/admin/calendar/delete", s.calendarDelete, requireRoles(admin))

	// JSON API.
	api := e.Group("/api/v1")
	api.POST("/tokens", s.apiTokenCreate)
	api.DELETE("/tokens/current", s.apiTokenDelete, loggedIn)
	api.GET("/me", s.apiMe, loggedIn)
	api.POST("/registrations", s.apiRegister)
	api.GET("/organisations", s.apiOrgList, requireRoles(staff, admin))
	api.POST("/organisations", s.apiOrgCreate, requireRoles(admin))
	api.POST("/organisations/:id/review", s.apiOrgReview, requireRoles(staff))
	api.GET("/users", s.apiUserList, requireRoles(admin))
	api.POST("/users", s.apiUserCreate, requireRoles(admin))
	api.PUT("/users/:id", s.apiUserUpdate, requireRoles(admin))
	api.POST("/users/:id/password-reset", s.apiUserPasswordReset, requireRoles(admin))
	api.PUT("/me/password", s.apiMyPassword, loggedIn)
	api.GET("/audit/events", s.apiAuditList, requireRoles(supervisor))
	api.GET("/audit/verify", s.apiAuditVerify, requireRoles(supervisor))
	api.GET("/audit/checkpoints", s.apiAuditCheckpoints, requireRoles(supervisor))
	api.POST("/audit/checkpoints/check", s.apiAuditAnchorsCheck, requireRoles(supervisor))
	api.GET("/calendar/days", s.apiCalendarDays, loggedIn)
	api.PUT("/calendar/days/:date", s.apiCalendarSet, requireRoles(admin))
	api.DELETE("/calendar/days/:date", s.apiCalendarDelete, requireRoles(admin))
	api.GET("/calendar/working-days", s.apiWorkingDays, loggedIn)

	// Areas, each in its own file.
	s.tradingRoutes()
	s.expertRoutes()
	s.scheduleRoutes()
	s.fixedpriceRoutes()
	s.evaluationRoutes()
	s.flagsRoutes()
	s.archiveRoutes()
	s.approvalRoutes()
	s.approvalSupervisionRoutes()
	s.approvalPDFRoutes()
}
