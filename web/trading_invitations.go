package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/problem"
	"ggzy/trading"
)

// Invited tendering (邀请招标: the agency's invitee list and draw record, the
// bidders' invitations) and withdrawing a sign-up (撤回报名). The routes of
// invited tendering are registered by tradingRoutes through
// tradingInvitationRoutes; the withdrawal's two routes sit with the other
// sign-up routes in area_trading.go.

func (s *Server) tradingInvitationRoutes() {
	e := s.Echo
	e.GET("/projects/:id/invitations", s.invitationsPage, requireRoles(agency, staff, supervisor, admin))
	e.POST("/agency/projects/:id/invitations", s.agencyInvitationsSet, requireRoles(agency))
	e.POST("/agency/projects/:id/invitations/draw", s.agencyInvitationsDraw, requireRoles(agency))
	e.GET("/bidder/invitations", s.bidderInvitations, requireRoles(bidder))

	api := e.Group("/api/v1")
	api.GET("/projects/:id/invitations", s.apiInvitations, requireRoles(agency, staff, supervisor, admin))
	api.PUT("/projects/:id/invitations", s.apiInvitationsSet, requireRoles(agency))
	api.POST("/projects/:id/invitations/draw", s.apiInvitationsDraw, requireRoles(agency))
	api.GET("/invitations", s.apiMyInvitations, requireRoles(bidder))
	api.GET("/withdrawals", s.apiMyWithdrawals, requireRoles(bidder))
}

type invitationsRequest struct {
	Candidates []string `json:"candidates"` // 统一社会信用代码
	Count      int      `json:"count"`      // procurement: how many to draw
	Source     string   `json:"source"`     // procurement: prequal, library or recommend
}

type inviteDrawRequest struct {
	Numbers     []string `json:"numbers"`     // one entry per witness
	Supervisors []string `json:"supervisors"` // the purchaser's staff supervising on site, at least two
}

func (s *Server) apiInvitations(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	iv, err := s.Trading.Invitations(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, iv)
}

func (s *Server) apiInvitationsSet(c echo.Context) error {
	var r invitationsRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	iv, err := s.Trading.SetInvitations(c.Request().Context(), id, trading.InvitationInput{Candidates: r.Candidates, Count: r.Count, Source: r.Source})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, iv)
}

func (s *Server) apiInvitationsDraw(c echo.Context) error {
	var r inviteDrawRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	iv, err := s.Trading.DrawInvitees(c.Request().Context(), id, r.Numbers, r.Supervisors)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, iv)
}

func (s *Server) apiMyInvitations(c echo.Context) error {
	l, err := s.Trading.MyInvitations(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"invitations": l})
}

func (s *Server) apiMyWithdrawals(c echo.Context) error {
	l, err := s.Trading.MyWithdrawals(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"withdrawals": l})
}

// lineError is a field error of a list entered one item a line.
type lineError struct {
	Line    int
	Message string
}

// lineErrors picks the errors of fields named prefix1, prefix2, … in line order.
func lineErrors(err error, prefix string) []lineError {
	pr, ok := problem.As(err)
	if !ok {
		return nil
	}
	var out []lineError
	for _, f := range pr.Fields {
		if n, err := strconv.Atoi(strings.TrimPrefix(f.Name, prefix)); err == nil && strings.HasPrefix(f.Name, prefix) {
			out = append(out, lineError{Line: n, Message: f.Message})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

func (s *Server) invitationsPage(c echo.Context) error { return s.invitationsPageWith(c, &Page{}, nil) }

// invitationsPageWith shows an invited project's invitees and draw record,
// with the agency's forms while the list may change.
func (s *Server) invitationsPageWith(c echo.Context, p *Page, err error) error {
	id, perr := pathID(c, "id")
	if perr != nil {
		return perr
	}
	iv, perr := s.Trading.Invitations(c.Request().Context(), id)
	if perr != nil {
		return perr
	}
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	if _, entered := p.Form["candidates"]; !entered {
		codes := make([]string, 0, len(iv.Candidates))
		for _, m := range iv.Candidates {
			codes = append(codes, m.USCC)
		}
		p.Form["candidates"] = strings.Join(codes, "\n")
		if iv.Mode == trading.InviteDraw && iv.Count > 0 {
			p.Form["count"] = strconv.Itoa(iv.Count)
		}
		if iv.Draw != nil {
			p.Form["source"] = iv.Draw.Source
		}
	}
	p.Title = "投标邀请 · " + iv.Title
	p.Data = withNames(map[string]any{"IV": iv, "IsAgency": anyRole(currentUser(c), []string{agency}),
		"CandidateErrors": lineErrors(err, "candidate"), "NumberErrors": lineErrors(err, "numbers"), "SupervisorErrors": lineErrors(err, "supervisor"),
		"Sources": trading.InviteSources})
	if err != nil {
		return s.formError(c, err, "trading_invitations", p)
	}
	return s.renderPage(c, http.StatusOK, "trading_invitations", p)
}

// lines splits a textarea into its lines.
func lines(v string) []string {
	return strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n")
}

func (s *Server) agencyInvitationsSet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	in := trading.InvitationInput{Candidates: lines(c.FormValue("candidates")), Source: c.FormValue("source")}
	form := map[string]string{"candidates": c.FormValue("candidates"), "count": c.FormValue("count"), "source": c.FormValue("source")}
	if v := strings.TrimSpace(c.FormValue("count")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return s.invitationsPageWith(c, &Page{Form: form}, problem.InvalidField("count", "invite_count_invalid", "邀请数量应为整数"))
		}
		in.Count = n
	}
	iv, err := s.Trading.SetInvitations(c.Request().Context(), id, in)
	if err != nil {
		return s.invitationsPageWith(c, &Page{Form: form}, err)
	}
	msg := fmt.Sprintf("已确定受邀单位%d家", len(iv.Invitees))
	if iv.Mode == trading.InviteDraw {
		msg = fmt.Sprintf("候选供应商名单已固定（%d家，SHA-256 %s），承诺值已记录。请录入见证人随机数进行抽取。", len(iv.Candidates), iv.Draw.PoolHash)
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d/invitations", id), msg)
}

func (s *Server) agencyInvitationsDraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	iv, err := s.Trading.DrawInvitees(c.Request().Context(), id, lines(c.FormValue("numbers")), lines(c.FormValue("supervisors")))
	if err != nil {
		return s.invitationsPageWith(c, &Page{Form: map[string]string{"numbers": c.FormValue("numbers"), "supervisors": c.FormValue("supervisors")}}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/projects/%d/invitations", id), fmt.Sprintf("已随机抽取受邀供应商%d家，抽取记录可供复核", len(iv.Invitees)))
}

func (s *Server) bidderInvitations(c echo.Context) error {
	l, err := s.Trading.MyInvitations(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trading_invitations_bidder", "投标邀请书", withNames(map[string]any{"Invitations": l}))
}

// Withdrawing a sign-up.

func (s *Server) apiSignupWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	w, err := s.Trading.WithdrawSignup(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) bidderSignupWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := s.Trading.MySignup(ctx, id)
	if err != nil {
		return err
	}
	w, err := s.Trading.WithdrawSignup(ctx, id)
	if err != nil {
		c.SetParamNames("id")
		c.SetParamValues(strconv.FormatInt(m.LotID, 10))
		return s.bidderLotWith(c, &Page{}, err)
	}
	msg := "已撤回报名，已递交的投标文件和投标函一并撤回。"
	if w.RefundDue != "" {
		msg += "保证金退还期限：" + w.RefundDue + "。"
	}
	return s.redirectFlash(c, fmt.Sprintf("/bidder/lots/%d", w.LotID), msg)
}
