package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/evaluation"
	"ggzy/problem"
)

// Request bodies of the evaluation API.
type (
	evalConfirmRequest struct {
		Agree bool   `json:"agree" form:"agree"`
		Note  string `json:"note" form:"note"`
	}
	evalTextRequest struct {
		Body   string `json:"body"`
		Answer string `json:"answer"`
		Reason string `json:"reason"`
	}
	evalForwardRequest struct {
		Forward bool   `json:"forward"`
		Note    string `json:"note"`
	}
	evalDeclareRequest struct {
		Commitment bool   `json:"commitment" form:"commitment"`
		Conflict   bool   `json:"conflict" form:"conflict"`
		Note       string `json:"note" form:"note"`
	}
	evalChairRequest struct {
		MemberID int64 `json:"member_id" form:"member_id"`
	}
	evalReviewRequest struct {
		BidID       int64  `json:"bid_id" form:"bid_id"`
		CriterionID int64  `json:"criterion_id" form:"criterion_id"`
		Pass        bool   `json:"pass" form:"pass"`
		Ground      string `json:"ground" form:"ground"`
		Reason      string `json:"reason" form:"reason"`
	}
	evalScoreRequest struct {
		BidID       int64  `json:"bid_id" form:"bid_id"`
		CriterionID int64  `json:"criterion_id" form:"criterion_id"`
		Points      string `json:"points" form:"points"`
		Reason      string `json:"reason" form:"reason"`
	}
	evalSignRequest struct {
		Agree   bool   `json:"agree" form:"agree"`
		Dissent string `json:"dissent" form:"dissent"`
	}
	evalAskRequest struct {
		BidID    int64  `json:"bid_id" form:"bid_id"`
		Question string `json:"question" form:"question"`
	}
)

func (r evalReviewRequest) input() evaluation.ReviewInput {
	return evaluation.ReviewInput{BidID: r.BidID, CriterionID: r.CriterionID, Pass: r.Pass, Ground: r.Ground, Reason: r.Reason}
}

func (r evalScoreRequest) input() evaluation.ScoreInput {
	return evaluation.ScoreInput{BidID: r.BidID, CriterionID: r.CriterionID, Points: r.Points, Reason: r.Reason}
}

func ok(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) }

// lotCall binds the lot id (and body into req when given) and runs fn.
func (s *Server) lotCall(c echo.Context, req any, fn func(lotID int64) error) error {
	id, err := bindPathID(c, req)
	if err != nil {
		return err
	}
	if err := fn(id); err != nil {
		return err
	}
	return ok(c)
}

func (s *Server) apiEvalPlan(c echo.Context) error {
	var in evaluation.PlanInput
	return s.lotCall(c, &in, func(id int64) error { return s.Evaluation.SetPlan(c.Request().Context(), id, in) })
}

func (s *Server) apiEvalOpen(c echo.Context) error {
	return s.lotCall(c, nil, func(id int64) error { return s.Evaluation.OpenNow(c.Request().Context(), id) })
}

func (s *Server) apiEvalOpening(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.Evaluation.Opening(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

func (s *Server) apiEvalSignIn(c echo.Context) error {
	return s.lotCall(c, nil, func(id int64) error { return s.Evaluation.SignIn(c.Request().Context(), id) })
}

func (s *Server) apiEvalConfirm(c echo.Context) error {
	var r evalConfirmRequest
	return s.lotCall(c, &r, func(id int64) error { return s.Evaluation.ConfirmPrice(c.Request().Context(), id, r.Agree, r.Note) })
}

func (s *Server) apiEvalObject(c echo.Context) error {
	var r evalTextRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	oid, err := s.Evaluation.Object(c.Request().Context(), id, r.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]int64{"id": oid})
}

func (s *Server) apiEvalAnswer(c echo.Context) error {
	var r evalTextRequest
	return s.lotCall(c, &r, func(id int64) error { return s.Evaluation.AnswerObjection(c.Request().Context(), id, r.Answer) })
}

func (s *Server) apiEvalCloseOpening(c echo.Context) error {
	return s.lotCall(c, nil, func(id int64) error { return s.Evaluation.CloseOpening(c.Request().Context(), id) })
}

func (s *Server) apiEvalStart(c echo.Context) error {
	return s.lotCall(c, nil, func(id int64) error { return s.Evaluation.StartEvaluation(c.Request().Context(), id) })
}

func (s *Server) apiEvalReplace(c echo.Context) error {
	member, err := pathID(c, "member")
	if err != nil {
		return err
	}
	var r evalTextRequest
	return s.lotCall(c, &r, func(id int64) error { return s.Evaluation.ReplaceMember(c.Request().Context(), id, member, r.Reason) })
}

func (s *Server) apiEvalResult(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := s.Evaluation.Result(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) apiEvalClarifications(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.Evaluation.Clarifications(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"clarifications": list})
}

func (s *Server) apiEvalForward(c echo.Context) error {
	var r evalForwardRequest
	return s.lotCall(c, &r, func(id int64) error {
		return s.Evaluation.ForwardClarification(c.Request().Context(), id, r.Forward, r.Note)
	})
}

func (s *Server) apiEvalClarifyAnswer(c echo.Context) error {
	var r evalTextRequest
	return s.lotCall(c, &r, func(id int64) error { return s.Evaluation.AnswerClarification(c.Request().Context(), id, r.Answer) })
}

func (s *Server) apiEvalPublicity(c echo.Context) error {
	return s.lotCall(c, nil, func(id int64) error { return s.Evaluation.StartPublicity(c.Request().Context(), id) })
}

func (s *Server) apiEvalAward(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.Evaluation.AwardLot(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) apiEvalDocuments(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	docs, err := s.Evaluation.Documents(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"documents": docs})
}

// The expert's terminal. Every call presents the terminal's device token
// (header X-Terminal-Token, or the terminal cookie set by /schedule/device).

func (s *Server) deskCall(c echo.Context, req any, fn func(token string, lotID int64) error) error {
	return s.lotCall(c, req, func(id int64) error { return fn(terminalToken(c), id) })
}

// apiDeskLots answers which lots the expert may evaluate at this device
// now: none, with the reason, when the device is no terminal of a room in
// session.
func (s *Server) apiDeskLots(c echo.Context) error {
	lots, err := s.Evaluation.TerminalLots(c.Request().Context(), terminalToken(c))
	if pr, ok := problem.As(err); ok {
		return c.JSON(http.StatusOK, map[string]any{"lots": []evaluation.TerminalLot{}, "reason": map[string]string{"code": pr.Code, "message": pr.Message}})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"lots": lots})
}

func (s *Server) apiDesk(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Evaluation.Desk(c.Request().Context(), terminalToken(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) apiDeskDeclare(c echo.Context) error {
	var r evalDeclareRequest
	var backup string
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	backup, err = s.Evaluation.Declare(c.Request().Context(), terminalToken(c), id,
		evaluation.DeclarationInput{Commitment: r.Commitment, Conflict: r.Conflict, Note: r.Note})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "replaced": backup != ""})
}

func (s *Server) apiDeskChair(c echo.Context) error {
	var r evalChairRequest
	return s.deskCall(c, &r, func(tok string, id int64) error {
		return s.Evaluation.VoteChair(c.Request().Context(), tok, id, r.MemberID)
	})
}

func (s *Server) apiDeskReview(c echo.Context) error {
	var r evalReviewRequest
	return s.deskCall(c, &r, func(tok string, id int64) error {
		return s.Evaluation.SaveReview(c.Request().Context(), tok, id, r.input())
	})
}

func (s *Server) apiDeskConfirmReviews(c echo.Context) error {
	return s.deskCall(c, nil, func(tok string, id int64) error { return s.Evaluation.ConfirmReviews(c.Request().Context(), tok, id) })
}

func (s *Server) apiDeskScore(c echo.Context) error {
	var r evalScoreRequest
	return s.deskCall(c, &r, func(tok string, id int64) error {
		return s.Evaluation.SaveScore(c.Request().Context(), tok, id, r.input())
	})
}

func (s *Server) apiDeskSummary(c echo.Context) error {
	return s.deskCall(c, nil, func(tok string, id int64) error { return s.Evaluation.Summarise(c.Request().Context(), tok, id) })
}

func (s *Server) apiDeskFail(c echo.Context) error {
	var r evalTextRequest
	return s.deskCall(c, &r, func(tok string, id int64) error {
		return s.Evaluation.FailEvaluation(c.Request().Context(), tok, id, r.Reason)
	})
}

func (s *Server) apiDeskSign(c echo.Context) error {
	var r evalSignRequest
	return s.deskCall(c, &r, func(tok string, id int64) error {
		return s.Evaluation.Sign(c.Request().Context(), tok, id, evaluation.SignInput{Agree: r.Agree, Dissent: r.Dissent})
	})
}

func (s *Server) apiDeskClose(c echo.Context) error {
	return s.deskCall(c, nil, func(tok string, id int64) error { return s.Evaluation.CloseReport(c.Request().Context(), tok, id) })
}

func (s *Server) apiDeskAsk(c echo.Context) error {
	var r evalAskRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	cid, err := s.Evaluation.AskClarification(c.Request().Context(), terminalToken(c), id, r.BidID, r.Question)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]int64{"id": cid})
}
