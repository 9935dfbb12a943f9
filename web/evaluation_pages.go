package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/evaluation"
	"ggzy/problem"
)

// lotPage is the opening record and, when the viewer may see it, the result.
type lotPage struct {
	Opening *evaluation.OpeningRecord
	Result  *evaluation.Result
	Bidder  bool
	Staff   bool
	Mine    *evaluation.OpenedBidView
	// Documents are the issued documents the viewer may download.
	Documents []evaluation.IssuedDocument
	// Agency and Supervisor: which forms of the page the viewer gets (the
	// service checks ownership again).
	Agency     bool
	Supervisor bool
	// Clarifications: every question for staff and supervisors, the
	// forwarded ones of its own bid for a bidder.
	Clarifications []evaluation.Clarification
	// OpenObjections counts the objections waiting for an answer;
	// UncheckedDeposits the read-out bids whose deposit is not checked.
	OpenObjections    int
	UncheckedDeposits int
}

func (s *Server) evalLotPage(c echo.Context) error {
	return s.renderLot(c, http.StatusOK, nil)
}

func (s *Server) renderLot(c echo.Context, status int, perr error) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rec, err := s.Evaluation.Opening(ctx, id)
	if err != nil {
		return err
	}
	u := currentUser(c)
	d := lotPage{Opening: rec, Bidder: anyRole(u, []string{bidder}), Staff: anyRole(u, []string{staff}),
		Agency: anyRole(u, []string{agency}), Supervisor: anyRole(u, []string{supervisor})}
	for i := range rec.Bids {
		if rec.Bids[i].Mine {
			d.Mine = &rec.Bids[i]
		}
	}
	for _, b := range rec.Bids {
		if b.Valid() && b.Deposit == evaluation.DepositUnchecked {
			d.UncheckedDeposits++
		}
	}
	for _, o := range rec.Objections {
		if o.AnsweredAt.IsZero() {
			d.OpenObjections++
		}
	}
	if d.Staff || d.Supervisor || d.Bidder {
		if d.Clarifications, err = s.Evaluation.Clarifications(ctx, id); err != nil {
			return err
		}
	}
	if d.Documents, err = s.Evaluation.LotDocuments(ctx, id); err != nil {
		return err
	}
	if res, err := s.Evaluation.Result(ctx, id); err == nil {
		d.Result = res
	} else if _, ok := problem.As(err); !ok {
		return err
	}
	p := &Page{Title: "开标与评标结果 · " + rec.LotName, Data: d}
	if perr != nil {
		return s.formError(c, perr, "evaluation_lot", p)
	}
	return s.renderPage(c, status, "evaluation_lot", p)
}

// lotForm runs a form action on the lot page: back to the page with a
// message, or the page again with the problem.
func (s *Server) lotForm(c echo.Context, req any, fn func(ctx context.Context, id int64) error, done string) error {
	id, err := bindPathID(c, req)
	if err != nil {
		return err
	}
	if err := fn(c.Request().Context(), id); err != nil {
		if _, ok := problem.As(err); ok {
			return s.renderLot(c, statusOf(err), err)
		}
		return err
	}
	return s.redirectFlash(c, fmt.Sprintf("/evaluation/lots/%d", id), done)
}

func (s *Server) evalSignInForm(c echo.Context) error {
	return s.lotForm(c, nil, s.Evaluation.SignIn, "已签到")
}

func (s *Server) evalConfirmForm(c echo.Context) error {
	var r evalConfirmRequest
	return s.lotForm(c, &r, func(ctx context.Context, id int64) error { return s.Evaluation.ConfirmPrice(ctx, id, r.Agree, r.Note) }, "报价确认已记录")
}

func (s *Server) evalCloseOpeningForm(c echo.Context) error {
	return s.lotForm(c, nil, s.Evaluation.CloseOpening, "开标已结束")
}

func (s *Server) evalStartForm(c echo.Context) error {
	return s.lotForm(c, nil, s.Evaluation.StartEvaluation, "评标已开始，专家可在评标终端登录")
}

// The expert's terminal pages.

type terminalPage struct {
	Lots  []evaluation.TerminalLot
	Error string
}

func (s *Server) evalTerminalPage(c echo.Context) error {
	lots, err := s.Evaluation.TerminalLots(c.Request().Context(), terminalToken(c))
	d := terminalPage{Lots: lots}
	if err != nil {
		pr, ok := problem.As(err)
		if !ok {
			return err
		}
		d.Error = pr.Message
	}
	return s.render(c, http.StatusOK, "evaluation_terminal", "评标终端", d)
}

func (s *Server) evalDeskPage(c echo.Context) error { return s.renderDesk(c, http.StatusOK, nil) }

func (s *Server) renderDesk(c echo.Context, status int, perr error) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Evaluation.Desk(c.Request().Context(), terminalToken(c), id)
	if err != nil {
		return err
	}
	p := &Page{Title: "评标 · " + d.LotName, Data: d}
	if perr != nil {
		return s.formError(c, perr, "evaluation_desk", p)
	}
	return s.renderPage(c, status, "evaluation_desk", p)
}

// deskForm runs a form action of the terminal page.
func (s *Server) deskForm(c echo.Context, req any, fn func(ctx context.Context, token string, id int64) error, done string) error {
	id, err := bindPathID(c, req)
	if err != nil {
		return err
	}
	if err := fn(c.Request().Context(), terminalToken(c), id); err != nil {
		if _, ok := problem.As(err); ok {
			return s.renderDesk(c, statusOf(err), err)
		}
		return err
	}
	return s.redirectFlash(c, fmt.Sprintf("/evaluation/terminal/lots/%d", id), done)
}

func (s *Server) evalDeclareForm(c echo.Context) error {
	var r evalDeclareRequest
	return s.deskForm(c, &r, func(ctx context.Context, tok string, id int64) error {
		_, err := s.Evaluation.Declare(ctx, tok, id, evaluation.DeclarationInput{Commitment: r.Commitment, Conflict: r.Conflict, Note: r.Note})
		return err
	}, "承诺书和回避声明已签署")
}

func (s *Server) evalChairForm(c echo.Context) error {
	var r evalChairRequest
	return s.deskForm(c, &r, func(ctx context.Context, tok string, id int64) error {
		return s.Evaluation.VoteChair(ctx, tok, id, r.MemberID)
	}, "已投票")
}

func (s *Server) evalReviewForm(c echo.Context) error {
	var r evalReviewRequest
	return s.deskForm(c, &r, func(ctx context.Context, tok string, id int64) error {
		return s.Evaluation.SaveReview(ctx, tok, id, r.input())
	}, "评审意见已保存")
}

func (s *Server) evalConfirmReviewsForm(c echo.Context) error {
	return s.deskForm(c, nil, s.Evaluation.ConfirmReviews, "初步评审结果已汇总确认，开始详细评审")
}

// evalScoreSave is the autosave of one score cell: JSON in, JSON out.
func (s *Server) evalScoreSave(c echo.Context) error {
	var r evalScoreRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Evaluation.SaveScore(c.Request().Context(), terminalToken(c), id, r.input()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "saved"})
}

func (s *Server) evalScoreForm(c echo.Context) error {
	var r evalScoreRequest
	return s.deskForm(c, &r, func(ctx context.Context, tok string, id int64) error {
		return s.Evaluation.SaveScore(ctx, tok, id, r.input())
	}, "评分已保存")
}

func (s *Server) evalSummaryForm(c echo.Context) error {
	return s.deskForm(c, nil, s.Evaluation.Summarise, "评分已汇总，请各位专家签署评标报告")
}

func (s *Server) evalSignForm(c echo.Context) error {
	var r evalSignRequest
	return s.deskForm(c, &r, func(ctx context.Context, tok string, id int64) error {
		return s.Evaluation.Sign(ctx, tok, id, evaluation.SignInput{Agree: r.Agree, Dissent: r.Dissent})
	}, "评标报告已签署")
}

func (s *Server) evalCloseReportForm(c echo.Context) error {
	return s.deskForm(c, nil, s.Evaluation.CloseReport, "评标结束")
}
