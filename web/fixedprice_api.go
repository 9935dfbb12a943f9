package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/trading"
)

func (s *Server) apiFPList(c echo.Context) error {
	list, err := s.FixedPrice.Selections(c.Request().Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []trading.Selection{}
	}
	return c.JSON(http.StatusOK, map[string]any{"selections": list})
}

func (s *Server) apiFPCreate(c echo.Context) error {
	var f selectionForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	in, err := f.input()
	if err != nil {
		return err
	}
	id, err := s.FixedPrice.RegisterSelection(c.Request().Context(), in)
	if err != nil {
		return err
	}
	sel, err := s.FixedPrice.Selection(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, fpSelectionJSON(sel))
}

// fpSelectionJSON adds the printed amounts and the rounding rule.
func fpSelectionJSON(sel *trading.Selection) map[string]any {
	return map[string]any{"selection": sel, "control_price": sel.ControlPrice.String(), "fixed_price": sel.FixedPrice.String(),
		"fixed_price_upper": sel.FixedPrice.Upper(), "rate": sel.Rate().String(), "rounding": sel.RoundingRule()}
}

func (s *Server) apiFPShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	sel, err := s.FixedPrice.Selection(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fpSelectionJSON(sel))
}

func (s *Server) apiFPPublish(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.FixedPrice.PublishSelection(c.Request().Context(), id); err != nil {
		return err
	}
	return s.apiFPShow(c)
}

func (s *Server) apiFPApplications(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	apps, err := s.FixedPrice.Applications(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if apps == nil {
		apps = []trading.Application{}
	}
	return c.JSON(http.StatusOK, map[string]any{"applications": apps})
}

func (s *Server) apiFPApply(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var f applicationForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	appID, err := s.FixedPrice.Apply(c.Request().Context(), id, f.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": appID, "selection_id": id, "status": trading.AppPending})
}

type fpReviewRequest struct {
	Qualified *bool  `json:"qualified"`
	Reason    string `json:"reason"`
}

func (s *Server) apiFPReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r fpReviewRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	q := r.Qualified != nil && *r.Qualified
	if err := s.FixedPrice.Review(c.Request().Context(), id, q, r.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiFPRoom(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	room, err := s.FixedPrice.Room(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, room)
}

func (s *Server) apiFPPrepare(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.FixedPrice.PrepareDraw(c.Request().Context(), id); err != nil {
		return err
	}
	return s.apiFPRoom(c)
}

type fpWitnessRequest struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Numbers string `json:"numbers"`
}

func (s *Server) apiFPWitness(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r fpWitnessRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if err := s.FixedPrice.AddWitness(c.Request().Context(), id, r.Name, r.Role, r.Numbers); err != nil {
		return err
	}
	return s.apiFPRoom(c)
}

func (s *Server) apiFPDraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.FixedPrice.RunDraw(c.Request().Context(), id); err != nil {
		return err
	}
	return s.apiFPRoom(c)
}

func (s *Server) apiFPVerify(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.FixedPrice.Verify(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) apiFPAwards(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	aw, err := s.FixedPrice.Awards(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if aw == nil {
		aw = []trading.Award{}
	}
	return c.JSON(http.StatusOK, map[string]any{"awards": aw})
}

func (s *Server) apiFPConfirm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.FixedPrice.Confirm(c.Request().Context(), id); err != nil {
		return err
	}
	return s.apiFPAwards(c)
}

type fpReasonRequest struct {
	Reason     string `json:"reason"`
	ContractNo string `json:"contract_no"`
}

func (s *Server) apiFPDecline(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r fpReasonRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if err := s.FixedPrice.Decline(c.Request().Context(), id, r.Reason); err != nil {
		return err
	}
	return s.apiFPAwards(c)
}

func (s *Server) apiFPContract(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r fpReasonRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if err := s.FixedPrice.RecordContract(c.Request().Context(), id, r.ContractNo); err != nil {
		return err
	}
	return s.apiFPAwards(c)
}

func (s *Server) apiFPBlacklist(c echo.Context) error {
	list, err := s.FixedPrice.Blacklist(c.Request().Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []trading.BlacklistEntry{}
	}
	return c.JSON(http.StatusOK, map[string]any{"blacklist": list})
}

type fpBlacklistRequest struct {
	OrgID      int64  `json:"org_id"`
	Reason     string `json:"reason"`
	ValidUntil string `json:"valid_until"`
}

func (s *Server) apiFPBlacklistAdd(c echo.Context) error {
	var r fpBlacklistRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	until, err := trading.ParseLocalTime(r.ValidUntil)
	if err != nil {
		return err
	}
	id, err := s.FixedPrice.AddBlacklist(c.Request().Context(), r.OrgID, r.Reason, until)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": id})
}
