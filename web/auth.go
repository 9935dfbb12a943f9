package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/problem"
)

func (s *Server) home(c echo.Context) error {
	return s.render(c, http.StatusOK, "home", "首页", nil)
}

func (s *Server) loginPage(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/workspace")
	}
	return s.renderPage(c, http.StatusOK, "login", &Page{Title: "登录", Form: map[string]string{"next": safeNext(c.QueryParam("next"))}})
}

// safeNext keeps redirects after login on this site.
func safeNext(n string) string {
	if len(n) > 500 || !localPath(n) {
		return ""
	}
	return n
}

// localPath reports whether p is a path on this site to send a browser
// back to: it starts with one "/", and holds no backslash, whitespace or
// control character — browsers drop tabs and line breaks from a URL, so
// "/\t/evil.example" would become "//evil.example", another host.
func localPath(p string) bool {
	if len(p) < 1 || p[0] != '/' || strings.HasPrefix(p, "//") {
		return false
	}
	for _, r := range p {
		if r == '\\' || r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Host == "" && u.Scheme == ""
}

type loginForm struct {
	Username string `form:"username" json:"username"`
	Password string `form:"password" json:"password"`
	Next     string `form:"next"`
}

func (s *Server) loginSubmit(c echo.Context) error {
	var f loginForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	token, u, err := s.Accounts.Login(c.Request().Context(), f.Username, f.Password, c.RealIP(), c.Request().UserAgent(), accounts.KindWeb)
	if err != nil {
		return s.formError(c, err, "login", &Page{Title: "登录", Form: map[string]string{"username": f.Username, "next": safeNext(f.Next)}})
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: s.Clock.Now().Add(s.Accounts.AbsoluteTimeout)})
	if u.MustChangePassword {
		return s.redirectFlash(c, "/account", mustChangeMessage)
	}
	to := safeNext(f.Next)
	if to == "" {
		to = "/workspace"
	}
	return s.redirectFlash(c, to, "欢迎，"+u.DisplayName)
}

func (s *Server) logout(c echo.Context) error {
	if raw, ok := c.Get(ctxRawToken).(string); ok {
		if err := s.Accounts.Logout(c.Request().Context(), raw); err != nil {
			return err
		}
	}
	clearCookie(c, sessionCookie, s.cfg.SecureCookies)
	return s.redirectFlash(c, "/login", "您已安全退出")
}

type registerForm struct {
	OrgKind      string `form:"org_kind" json:"org_kind"`
	OrgName      string `form:"org_name" json:"org_name"`
	USCC         string `form:"uscc" json:"uscc"`
	ContactName  string `form:"contact_name" json:"contact_name"`
	ContactPhone string `form:"contact_phone" json:"contact_phone"`
	Address      string `form:"address" json:"address"`
	DisplayName  string `form:"display_name" json:"display_name"`
	Username     string `form:"username" json:"username"`
	Password     string `form:"password" json:"password"`
}

func (f registerForm) input() accounts.RegistrationInput {
	contact := f.ContactName
	if contact == "" {
		contact = f.DisplayName
	}
	return accounts.RegistrationInput{
		Org:      accounts.OrgInput{Name: f.OrgName, USCC: f.USCC, Kind: f.OrgKind, ContactName: contact, ContactPhone: f.ContactPhone, Address: f.Address},
		Username: strings.TrimSpace(f.Username), DisplayName: strings.TrimSpace(f.DisplayName), Phone: f.ContactPhone, Password: f.Password,
	}
}

func (f registerForm) refill() map[string]string {
	return map[string]string{"org_kind": f.OrgKind, "org_name": f.OrgName, "uscc": f.USCC, "contact_phone": f.ContactPhone,
		"display_name": f.DisplayName, "username": f.Username}
}

func (s *Server) registerPage(c echo.Context) error {
	return s.renderPage(c, http.StatusOK, "register", &Page{Title: "单位注册", Form: map[string]string{"org_kind": c.QueryParam("kind")}})
}

func (s *Server) registerSubmit(c echo.Context) error {
	var f registerForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	if _, err := s.Accounts.Register(c.Request().Context(), f.input()); err != nil {
		return s.formError(c, err, "register", &Page{Title: "单位注册", Form: f.refill()})
	}
	return s.redirectFlash(c, "/login", "注册已提交，请等待交易中心审核（审核通过后即可登录）")
}

func (s *Server) apiRegister(c echo.Context) error {
	var f registerForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	id, err := s.Accounts.Register(c.Request().Context(), f.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"organisation_id": id, "status": accounts.StatusPending})
}

type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      apiUser   `json:"user"`
}

type apiUser struct {
	ID          int64    `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	OrgID       int64    `json:"organisation_id,omitempty"`
	OrgName     string   `json:"organisation_name,omitempty"`
	Status      string   `json:"status"`
	MustChange  bool     `json:"must_change_password"`
}

func toAPIUser(u *accounts.User) apiUser {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return apiUser{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: roles, OrgID: u.OrgID.Int64, OrgName: u.OrgName, Status: u.Status,
		MustChange: u.MustChangePassword}
}

func (s *Server) apiTokenCreate(c echo.Context) error {
	var f loginForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	var fields problem.Fields
	if f.Username == "" {
		fields.Add("username", "required", "请填写用户名")
	}
	if f.Password == "" {
		fields.Add("password", "required", "请填写密码")
	}
	if err := fields.Err(); err != nil {
		return err
	}
	token, u, err := s.Accounts.Login(c.Request().Context(), f.Username, f.Password, c.RealIP(), c.Request().UserAgent(), accounts.KindAPI)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, tokenResponse{Token: token, ExpiresAt: s.Clock.Now().Add(s.Accounts.TokenLifetime), User: toAPIUser(u)})
}

func (s *Server) apiTokenDelete(c echo.Context) error {
	raw, _ := c.Get(ctxRawToken).(string)
	if err := s.Accounts.Logout(c.Request().Context(), raw); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMe(c echo.Context) error {
	return c.JSON(http.StatusOK, toAPIUser(currentUser(c)))
}

type passwordForm struct {
	Current  string `form:"current" json:"current"`
	Password string `form:"password" json:"password"`
}

func (s *Server) accountPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "account", "我的账号", nil)
}

// apiMyPassword replaces the caller's password ({"current", "password"});
// every session of the user ends, this token included.
func (s *Server) apiMyPassword(c echo.Context) error {
	var f passwordForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	u := currentUser(c)
	ok, err := accounts.CheckPassword(u.PasswordHash, f.Current)
	if err != nil {
		return err
	}
	if !ok {
		return problem.InvalidField("current", "password_wrong", "当前密码不正确")
	}
	if err := s.Accounts.SetPassword(c.Request().Context(), u.ID, f.Password); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) accountPassword(c echo.Context) error {
	var f passwordForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	ok, err := accounts.CheckPassword(u.PasswordHash, f.Current)
	if err != nil {
		return err
	}
	if !ok {
		return s.formError(c, problem.InvalidField("current", "password_wrong", "当前密码不正确"), "account", &Page{Title: "我的账号"})
	}
	if err := s.Accounts.SetPassword(ctx, u.ID, f.Password); err != nil {
		return s.formError(c, err, "account", &Page{Title: "我的账号"})
	}
	clearCookie(c, sessionCookie, s.cfg.SecureCookies)
	return s.redirectFlash(c, "/login", "密码已修改，请用新密码重新登录")
}
