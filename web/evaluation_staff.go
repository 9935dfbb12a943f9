package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/evaluation"
	"ggzy/problem"
)

// The centre's pages of the opening and the evaluation: the list of lots,
// the evaluation plan, and the lot-page forms of staff, the agency,
// supervisors and bidders (objections, deposits, clarifications, publicity,
// award).

func (s *Server) evalLotsPage(c echo.Context) error {
	list, err := s.Evaluation.LotList(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "evaluation_lots", "开标与评标", map[string]any{"Lots": list})
}

// planPage is the plan form: the plan as it stands (or as submitted, when
// the form comes back with errors) and the committee from the draw.
type planPage struct {
	View        *evaluation.PlanView
	Method      string
	Aggregation string
	Deviation   string
	Rows        []planRow
	Methods     map[string]string
	Kinds       map[string]string
}

// planRow is one criterion row of the form, numbered from 1.
type planRow struct {
	evaluation.CriterionInput
	No int
}

func planRows(in []evaluation.CriterionInput) []planRow {
	out := make([]planRow, 0, len(in)+planBlankRows)
	for i, r := range in {
		out = append(out, planRow{CriterionInput: r, No: i + 1})
	}
	return out
}

const planBlankRows = 3

func (s *Server) evalPlanPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.Evaluation.Plan(c.Request().Context(), id)
	if err != nil {
		return err
	}
	var rows []evaluation.CriterionInput
	for _, cr := range v.Criteria {
		row := evaluation.CriterionInput{Name: cr.Name, Kind: cr.Kind}
		if cr.Kind != evaluation.KindQualification {
			row.Max = cr.Max.String()
		}
		rows = append(rows, row)
	}
	d := planPage{View: v, Method: v.Method, Aggregation: v.Aggregation, Deviation: v.Deviation.String(), Rows: planRows(rows)}
	return s.renderPlan(c, http.StatusOK, d, nil)
}

func (s *Server) renderPlan(c echo.Context, status int, d planPage, perr error) error {
	for range planBlankRows {
		d.Rows = append(d.Rows, planRow{No: len(d.Rows) + 1})
	}
	d.Methods = evaluation.MethodNames
	d.Kinds = map[string]string{evaluation.KindQualification: "资格/符合性审查（通过/不通过）", evaluation.KindScore: "详细评审（专家打分）",
		evaluation.KindPrice: "价格分（按公式计算）"}
	p := &Page{Title: "评标办法 · " + d.View.LotName, Data: d}
	if perr != nil {
		return s.formError(c, perr, "evaluation_plan", p)
	}
	return s.renderPage(c, status, "evaluation_plan", p)
}

// planForm reads the plan form: the criteria come as parallel lists
// (name, kind, max); rows left blank are dropped, so that the field names
// of the errors (criteria[i].…) number the rows as they come back.
func planForm(c echo.Context) (evaluation.PlanInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return evaluation.PlanInput{}, problem.New(problem.Invalid, "form_invalid", "表单格式不正确")
	}
	in := evaluation.PlanInput{Method: form.Get("method"), Aggregation: form.Get("aggregation"), Deviation: strings.TrimSpace(form.Get("deviation"))}
	names, kinds, maxes := form["name"], form["kind"], form["max"]
	for i := range names {
		row := evaluation.CriterionInput{Name: names[i]}
		if i < len(kinds) {
			row.Kind = kinds[i]
		}
		if i < len(maxes) {
			row.Max = strings.TrimSpace(maxes[i])
		}
		if strings.TrimSpace(row.Name) == "" && row.Max == "" {
			continue
		}
		in.Criteria = append(in.Criteria, row)
	}
	return in, nil
}

func (s *Server) evalPlanForm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	in, err := planForm(c)
	if err != nil {
		return err
	}
	if err := s.Evaluation.SetPlan(ctx, id, in); err != nil {
		if _, ok := problem.As(err); !ok {
			return err
		}
		v, verr := s.Evaluation.Plan(ctx, id)
		if verr != nil {
			return verr
		}
		return s.renderPlan(c, statusOf(err), planPage{View: v, Method: in.Method, Aggregation: in.Aggregation, Deviation: in.Deviation, Rows: planRows(in.Criteria)}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/evaluation/lots/%d/plan", id), "评标办法已保存")
}

// evalOpenForm is staff opening a lot from the plan page (the timed event
// does it at the deadline; this is for a lot whose event has not run).
func (s *Server) evalOpenForm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.Evaluation.OpenNow(ctx, id); err != nil {
		if _, ok := problem.As(err); !ok {
			return err
		}
		v, verr := s.Evaluation.Plan(ctx, id)
		if verr != nil {
			return verr
		}
		return s.renderPlan(c, statusOf(err), planPage{View: v, Method: v.Method, Aggregation: v.Aggregation, Deviation: v.Deviation.String()}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/evaluation/lots/%d", id), "已开标")
}

// Forms of the lot page.

type (
	evalObjectionForm struct {
		Body string `form:"body"`
	}
	evalAnswerForm struct {
		Answer string `form:"answer"`
	}
	evalDepositForm struct {
		Result string `json:"result" form:"result"`
	}
	evalForwardForm struct {
		Forward bool   `form:"forward"`
		Note    string `form:"note"`
	}
)

func (s *Server) evalObjectForm(c echo.Context) error {
	var r evalObjectionForm
	return s.lotForm(c, &r, func(ctx context.Context, id int64) error {
		_, err := s.Evaluation.Object(ctx, id, r.Body)
		return err
	}, "异议已提交")
}

func (s *Server) evalAnswerObjectionForm(c echo.Context) error {
	oid, err := pathID(c, "objection")
	if err != nil {
		return err
	}
	var r evalAnswerForm
	return s.lotForm(c, &r, func(ctx context.Context, id int64) error {
		return s.Evaluation.AnswerLotObjection(ctx, id, oid, r.Answer)
	}, "异议已答复")
}

func (s *Server) evalDepositForm(c echo.Context) error {
	bid, err := pathID(c, "bid")
	if err != nil {
		return err
	}
	var r evalDepositForm
	return s.lotForm(c, &r, func(ctx context.Context, id int64) error {
		return s.Evaluation.CheckDeposit(ctx, id, bid, r.Result)
	}, "保证金核验结果已记录")
}

func (s *Server) evalForwardForm(c echo.Context) error {
	cid, err := pathID(c, "clarification")
	if err != nil {
		return err
	}
	var r evalForwardForm
	return s.lotForm(c, &r, func(ctx context.Context, id int64) error {
		return s.Evaluation.ForwardLotClarification(ctx, id, cid, r.Forward, r.Note)
	}, "澄清问题已处理")
}

func (s *Server) evalClarifyAnswerForm(c echo.Context) error {
	cid, err := pathID(c, "clarification")
	if err != nil {
		return err
	}
	var r evalAnswerForm
	return s.lotForm(c, &r, func(ctx context.Context, id int64) error {
		return s.Evaluation.AnswerLotClarification(ctx, id, cid, r.Answer)
	}, "澄清答复已提交")
}

func (s *Server) evalPublicityForm(c echo.Context) error {
	return s.lotForm(c, nil, s.Evaluation.StartPublicity, "中标候选人公示已发布")
}

func (s *Server) evalEndPublicityForm(c echo.Context) error {
	return s.lotForm(c, nil, s.Evaluation.EndPublicityNow, "公示已结束")
}

func (s *Server) evalAwardForm(c echo.Context) error {
	return s.lotForm(c, nil, func(ctx context.Context, id int64) error {
		_, err := s.Evaluation.AwardLot(ctx, id)
		return err
	}, "已确定中标人，中标通知书已出具")
}

// evalAskForm is an expert's question to a bidder from the terminal page.
func (s *Server) evalAskForm(c echo.Context) error {
	var r evalAskRequest
	return s.deskForm(c, &r, func(ctx context.Context, tok string, id int64) error {
		_, err := s.Evaluation.AskClarification(ctx, tok, id, r.BidID, r.Question)
		return err
	}, "澄清问题已提交监督人员")
}

// API: the deposit check of a bid at the opening.
func (s *Server) apiEvalDeposit(c echo.Context) error {
	bid, err := pathID(c, "bid")
	if err != nil {
		return err
	}
	var r evalDepositForm
	return s.lotCall(c, &r, func(id int64) error { return s.Evaluation.CheckDeposit(c.Request().Context(), id, bid, r.Result) })
}
