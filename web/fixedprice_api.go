package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/problem"
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

// fpRead reads what get returns for the selection (or draw) named in the path.
func fpRead[T any](c echo.Context, get func(context.Context, int64) (T, error)) (T, error) {
	id, err := pathID(c, "id")
	if err != nil {
		var zero T
		return zero, err
	}
	return get(c.Request().Context(), id)
}

// fpAct runs act on the selection named in the path, then answers with next.
func fpAct(c echo.Context, act func(ctx context.Context, id int64) error, next echo.HandlerFunc) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := act(c.Request().Context(), id); err != nil {
		return err
	}
	return next(c)
}

func (s *Server) apiFPShow(c echo.Context) error {
	sel, err := fpRead(c, s.FixedPrice.Selection)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fpSelectionJSON(sel))
}

func (s *Server) apiFPPublish(c echo.Context) error {
	return fpAct(c, s.FixedPrice.PublishSelection, s.apiFPShow)
}

func (s *Server) apiFPApplications(c echo.Context) error {
	apps, err := fpRead(c, s.FixedPrice.Applications)
	if err != nil {
		return err
	}
	if apps == nil {
		apps = []trading.Application{}
	}
	return c.JSON(http.StatusOK, map[string]any{"applications": apps})
}

func (s *Server) apiFPApply(c echo.Context) error {
	var f applicationForm
	id, err := bindPathID(c, &f)
	if err != nil {
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
	var r fpReviewRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if r.Qualified == nil {
		return problem.InvalidField("qualified", "decision_required", "请选择审查结论：合格或不合格")
	}
	if err := s.FixedPrice.Review(c.Request().Context(), id, *r.Qualified, r.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiFPRoom(c echo.Context) error {
	room, err := fpRead(c, s.FixedPrice.Room)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, room)
}

func (s *Server) apiFPPrepare(c echo.Context) error {
	return fpAct(c, func(ctx context.Context, id int64) error {
		_, err := s.FixedPrice.PrepareDraw(ctx, id)
		return err
	}, s.apiFPRoom)
}

type fpWitnessRequest struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Numbers string `json:"numbers"`
}

func (s *Server) apiFPWitness(c echo.Context) error {
	return fpAct(c, func(ctx context.Context, id int64) error {
		var r fpWitnessRequest
		if err := c.Bind(&r); err != nil {
			return err
		}
		return s.FixedPrice.AddWitness(ctx, id, r.Name, r.Role, r.Numbers)
	}, s.apiFPRoom)
}

func (s *Server) apiFPDraw(c echo.Context) error {
	return fpAct(c, s.FixedPrice.RunDraw, s.apiFPRoom)
}

func (s *Server) apiFPVerify(c echo.Context) error {
	v, err := fpRead(c, s.FixedPrice.Verify)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) apiFPAwards(c echo.Context) error {
	aw, err := fpRead(c, s.FixedPrice.Awards)
	if err != nil {
		return err
	}
	if aw == nil {
		aw = []trading.Award{}
	}
	return c.JSON(http.StatusOK, map[string]any{"awards": aw})
}

func (s *Server) apiFPConfirm(c echo.Context) error {
	return fpAct(c, s.FixedPrice.Confirm, s.apiFPAwards)
}

type fpReasonRequest struct {
	Reason     string `json:"reason"`
	ContractNo string `json:"contract_no"`
}

func (s *Server) apiFPDecline(c echo.Context) error {
	return fpAct(c, func(ctx context.Context, id int64) error {
		var r fpReasonRequest
		if err := c.Bind(&r); err != nil {
			return err
		}
		return s.FixedPrice.Decline(ctx, id, r.Reason)
	}, s.apiFPAwards)
}

func (s *Server) apiFPContract(c echo.Context) error {
	return fpAct(c, func(ctx context.Context, id int64) error {
		var r fpReasonRequest
		if err := c.Bind(&r); err != nil {
			return err
		}
		return s.FixedPrice.RecordContract(ctx, id, r.ContractNo)
	}, s.apiFPAwards)
}

func (s *Server) apiFPRevoke(c echo.Context) error {
	return fpAct(c, func(ctx context.Context, id int64) error {
		var r fpReasonRequest
		if err := c.Bind(&r); err != nil {
			return err
		}
		return s.FixedPrice.RevokeWinner(ctx, id, r.Reason)
	}, s.apiFPAwards)
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
		var f problem.Fields
		f.AddErr("valid_until", err)
		return f.Err()
	}
	id, err := s.FixedPrice.AddBlacklist(c.Request().Context(), r.OrgID, r.Reason, until)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": id})
}
