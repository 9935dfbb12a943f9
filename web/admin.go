package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/problem"
)

func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem.New(problem.NotFound, "not_found", "对象不存在")
	}
	return id, nil
}

// bindPathID reads the path id, then binds the request into req unless req
// is nil (an action without a body).
func bindPathID(c echo.Context, req any) (int64, error) {
	id, err := pathID(c, "id")
	if err != nil || req == nil {
		return id, err
	}
	return id, c.Bind(req)
}

func (s *Server) staffOrgs(c echo.Context) error {
	status := c.QueryParam("status")
	if _, ok := accounts.StatusNames[status]; !ok {
		status = accounts.StatusPending
	}
	orgs, err := s.Accounts.ListOrganisations(c.Request().Context(), accounts.OrgFilter{Status: status})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "staff_orgs", "单位注册审核", map[string]any{"Orgs": orgs, "Status": status})
}

type reviewForm struct {
	Decision string `form:"decision" json:"-"`
	Approve  *bool  `form:"-" json:"approve"`
	Note     string `form:"note" json:"note"`
}

func (f reviewForm) approve() (bool, error) {
	if f.Approve != nil {
		return *f.Approve, nil
	}
	switch f.Decision {
	case "approve":
		return true, nil
	case "reject":
		return false, nil
	}
	return false, problem.InvalidField("approve", "decision_required", "请选择通过或退回")
}

// reviewOrg records the review of the organisation in the path: the id and
// whether it was approved.
func (s *Server) reviewOrg(c echo.Context) (int64, bool, error) {
	var f reviewForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return 0, false, err
	}
	ok, err := f.approve()
	if err != nil {
		return 0, false, err
	}
	return id, ok, s.Accounts.ReviewOrganisation(c.Request().Context(), id, ok, f.Note)
}

func (s *Server) staffOrgReview(c echo.Context) error {
	_, ok, err := s.reviewOrg(c)
	if err != nil {
		return err
	}
	msg := "已退回，退回原因已记录"
	if ok {
		msg = "已审核通过，该单位用户现在可以登录"
	}
	return s.redirectFlash(c, "/staff/organisations", msg)
}

func (s *Server) apiOrgReview(c echo.Context) error {
	id, _, err := s.reviewOrg(c)
	if err != nil {
		return err
	}
	return s.apiOrgJSON(c, http.StatusOK, id)
}

// apiOrgJSON answers with organisation id.
func (s *Server) apiOrgJSON(c echo.Context, status int, id int64) error {
	o, err := s.Accounts.Organisation(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPIOrg(o))
}

type apiOrg struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	USCC         string `json:"uscc"`
	Kind         string `json:"kind"`
	Status       string `json:"status"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	ReviewNote   string `json:"review_note,omitempty"`
	CreatedAt    string `json:"created_at"`
}

func toAPIOrg(o *accounts.Organisation) apiOrg {
	return apiOrg{ID: o.ID, Name: o.Name, USCC: o.USCC, Kind: o.Kind, Status: o.Status, ContactName: o.ContactName,
		ContactPhone: o.ContactPhone, ReviewNote: o.ReviewNote, CreatedAt: o.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

func (s *Server) apiOrgList(c echo.Context) error {
	// An unknown filter value is refused rather than answered with an
	// empty list that looks like "none".
	var f problem.Fields
	status, kind := c.QueryParam("status"), c.QueryParam("kind")
	switch status {
	case "", accounts.StatusPending, accounts.StatusActive, accounts.StatusRejected, accounts.StatusDisabled:
	default:
		f.Add("status", "status_unknown", "状态只能是 pending、active、rejected 或 disabled")
	}
	if _, ok := accounts.OrgKindNames[kind]; kind != "" && !ok {
		f.Add("kind", "org_kind_unknown", "单位类型不正确")
	}
	if err := f.Err(); err != nil {
		return err
	}
	orgs, err := s.Accounts.ListOrganisations(c.Request().Context(), accounts.OrgFilter{Status: status, Kind: kind})
	if err != nil {
		return err
	}
	out := make([]apiOrg, len(orgs))
	for i := range orgs {
		out[i] = toAPIOrg(&orgs[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"organisations": out})
}

type orgForm struct {
	Name         string `form:"org_name" json:"name"`
	USCC         string `form:"uscc" json:"uscc"`
	Kind         string `form:"org_kind" json:"kind"`
	ContactName  string `form:"contact_name" json:"contact_name"`
	ContactPhone string `form:"contact_phone" json:"contact_phone"`
	Address      string `form:"address" json:"address"`
}

func (f orgForm) input() accounts.OrgInput {
	return accounts.OrgInput{Name: f.Name, USCC: f.USCC, Kind: f.Kind, ContactName: f.ContactName, ContactPhone: f.ContactPhone, Address: f.Address}
}

func (s *Server) adminOrgsPage(c echo.Context, p *Page, err error) error {
	orgs, lerr := s.Accounts.ListOrganisations(c.Request().Context(), accounts.OrgFilter{})
	if lerr != nil {
		return lerr
	}
	p.Title = "单位管理"
	p.Data = map[string]any{"Orgs": orgs, "Kinds": accounts.OrgKindNames}
	if err != nil {
		return s.formError(c, err, "admin_orgs", p)
	}
	return s.renderPage(c, http.StatusOK, "admin_orgs", p)
}

func (s *Server) adminOrgs(c echo.Context) error {
	return s.adminOrgsPage(c, &Page{}, nil)
}

func (s *Server) adminOrgCreate(c echo.Context) error {
	var f orgForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	if _, err := s.Accounts.CreateOrganisation(c.Request().Context(), f.input()); err != nil {
		return s.adminOrgsPage(c, &Page{Form: map[string]string{"org_name": f.Name, "uscc": f.USCC, "org_kind": f.Kind, "contact_phone": f.ContactPhone}}, err)
	}
	return s.redirectFlash(c, "/admin/organisations", "单位已新增")
}

func (s *Server) apiOrgCreate(c echo.Context) error {
	var f orgForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	id, err := s.Accounts.CreateOrganisation(c.Request().Context(), f.input())
	if err != nil {
		// The service names the page form's fields; the API's are the
		// JSON names.
		if p, ok := problem.As(err); ok {
			for i := range p.Fields {
				switch p.Fields[i].Name {
				case "org_name":
					p.Fields[i].Name = "name"
				case "org_kind":
					p.Fields[i].Name = "kind"
				}
			}
		}
		return err
	}
	return s.apiOrgJSON(c, http.StatusCreated, id)
}

type userForm struct {
	Username    string   `form:"username" json:"username"`
	DisplayName string   `form:"display_name" json:"display_name"`
	Phone       string   `form:"phone" json:"phone"`
	OrgID       string   `form:"org_id" json:"-"`
	OrgIDJSON   int64    `form:"-" json:"organisation_id"`
	Roles       []string `form:"roles" json:"roles"`
	Status      string   `form:"status" json:"status"`
	Password    string   `form:"password" json:"password"`
	// MustChange: the new user replaces the password the administrator
	// set at the first login (the page's box is ticked by default).
	MustChange bool `form:"must_change_password" json:"must_change_password"`
}

func (f userForm) input() (accounts.UserInput, error) {
	in := accounts.UserInput{Username: f.Username, DisplayName: strings.TrimSpace(f.DisplayName), Phone: f.Phone, Roles: f.Roles, Password: f.Password, OrgID: f.OrgIDJSON,
		MustChangePassword: f.MustChange}
	if f.OrgID != "" {
		id, err := strconv.ParseInt(f.OrgID, 10, 64)
		if err != nil {
			return in, problem.InvalidField("org_id", "org_not_found", "所属单位不存在")
		}
		in.OrgID = id
	}
	return in, nil
}

// usersPageSize is how many users the users page lists at once.
const usersPageSize = 100

// userFilter reads the users list's query (q, role, status, after).
func userFilter(c echo.Context) (accounts.UserFilter, error) {
	f := accounts.UserFilter{Query: strings.TrimSpace(c.QueryParam("q")), Role: c.QueryParam("role"), Status: c.QueryParam("status")}
	if a := strings.TrimSpace(c.QueryParam("after")); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return f, problem.InvalidField("after", "number_invalid", "翻页位置应为正整数")
		}
		f.AfterID = n
	}
	return f, f.Check()
}

func (s *Server) adminUsersPage(c echo.Context, p *Page, err error) error {
	ctx := c.Request().Context()
	f, ferr := userFilter(c)
	if ferr != nil && err == nil {
		// A bad query: the page with the whole list and the message.
		err, f = ferr, accounts.UserFilter{}
	}
	f.Limit = usersPageSize + 1
	users, lerr := s.Accounts.ListUsers(ctx, f)
	if lerr != nil {
		return lerr
	}
	var next int64
	if len(users) > usersPageSize {
		users = users[:usersPageSize]
		next = users[len(users)-1].ID
	}
	orgs, lerr := s.Accounts.ListOrganisations(ctx, accounts.OrgFilter{Status: accounts.StatusActive})
	if lerr != nil {
		return lerr
	}
	p.Title = "用户管理"
	data := map[string]any{"Users": users, "Orgs": orgs, "Roles": accounts.AllRoles, "Filter": f, "Next": next}
	if extra, ok := p.Data.(map[string]any); ok {
		for k, v := range extra {
			data[k] = v
		}
	}
	p.Data = data
	if err != nil {
		return s.formError(c, err, "admin_users", p)
	}
	return s.renderPage(c, http.StatusOK, "admin_users", p)
}

func (s *Server) adminUsers(c echo.Context) error { return s.adminUsersPage(c, &Page{}, nil) }

func (s *Server) adminUserCreate(c echo.Context) error {
	var f userForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	in, err := f.input()
	if err == nil {
		_, err = s.Accounts.CreateUser(c.Request().Context(), in)
	}
	if err != nil {
		return s.adminUsersPage(c, &Page{Form: map[string]string{"username": f.Username, "display_name": f.DisplayName}}, err)
	}
	return s.redirectFlash(c, "/admin/users", "用户已新增")
}

func (s *Server) adminUserUpdate(c echo.Context) error {
	var f userForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	if err := s.Accounts.UpdateUser(c.Request().Context(), id, f.Roles, f.Status); err != nil {
		return s.adminUsersPage(c, &Page{}, err)
	}
	return s.redirectFlash(c, "/admin/users", "已保存")
}

// adminUserPasswordReset gives a user a temporary password and shows it
// once, on the answer itself (never in a cookie or a redirect).
func (s *Server) adminUserPasswordReset(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	temp, err := s.Accounts.ResetPassword(c.Request().Context(), id)
	if err != nil {
		return s.adminUsersPage(c, &Page{}, err)
	}
	u, err := s.Accounts.User(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.adminUsersPage(c, &Page{Data: map[string]any{"Reset": map[string]string{"Username": u.Username, "DisplayName": u.DisplayName, "Password": temp}}}, nil)
}

func (s *Server) apiUserPasswordReset(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	temp, err := s.Accounts.ResetPassword(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"user_id": id, "temporary_password": temp, "must_change_password": true})
}

func (s *Server) apiUserList(c echo.Context) error {
	f, err := userFilter(c)
	if err != nil {
		return err
	}
	f.Limit = 1000
	if l := strings.TrimSpace(c.QueryParam("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return problem.InvalidField("limit", "number_invalid", "每页条数应为1到1000的整数")
		}
		f.Limit = n
	}
	users, err := s.Accounts.ListUsers(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiUser, len(users))
	for i := range users {
		out[i] = toAPIUser(&users[i])
	}
	answer := map[string]any{"users": out}
	if len(users) == f.Limit {
		// Perhaps more: the next page starts after the last id.
		answer["next_after"] = users[len(users)-1].ID
	}
	return c.JSON(http.StatusOK, answer)
}

func (s *Server) apiUserCreate(c echo.Context) error {
	var f userForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	in, err := f.input()
	if err != nil {
		return err
	}
	id, err := s.Accounts.CreateUser(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return s.apiUserJSON(c, http.StatusCreated, id)
}

// apiUserJSON answers with user id.
func (s *Server) apiUserJSON(c echo.Context, status int, id int64) error {
	u, err := s.Accounts.User(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPIUser(u))
}

func (s *Server) apiUserUpdate(c echo.Context) error {
	var f userForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	if err := s.Accounts.UpdateUser(c.Request().Context(), id, f.Roles, f.Status); err != nil {
		return err
	}
	return s.apiUserJSON(c, http.StatusOK, id)
}
