package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/clock"
	"ggzy/problem"
	"ggzy/trading"
)

func portalFilter(c echo.Context) (trading.PortalFilter, error) {
	f := trading.PortalFilter{Type: c.QueryParam("type"), Kind: c.QueryParam("kind"), Method: c.QueryParam("method"),
		Status: c.QueryParam("status"), Query: c.QueryParam("q")}
	var fs problem.Fields
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			fs.Add("page", "page_invalid", "页码须为正整数")
		}
		f.Page = n
	}
	for _, name := range []string{"from", "to"} {
		v := c.QueryParam(name)
		if v == "" {
			continue
		}
		d, err := parseUserDate(v)
		if p, ok := problem.As(err); ok {
			fs.Add(name, p.Code, p.Message)
			continue
		} else if err != nil {
			fs.Add(name, "date_invalid", "日期不正确，应为如 2026-03-01 的年-月-日")
			continue
		}
		t := d.In(clock.Shanghai).UTC()
		if name == "from" {
			f.From = t
		} else {
			f.To = t.AddDate(0, 0, 1)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fs.Add("to", "range_invalid", "结束日期不能早于开始日期")
	}
	// The rest (type, kind, method, status, q, page) is checked here too, so
	// that the page re-renders its form with every message instead of an
	// error page.
	if p, ok := problem.As(f.Validate()); ok {
		for _, fe := range p.Fields {
			fs.Add(fe.Name, fe.Code, fe.Message)
		}
	}
	return f, fs.Err()
}

func (s *Server) apiAnnouncements(c echo.Context) error {
	f, err := portalFilter(c)
	if err != nil {
		return err
	}
	page, err := s.Trading.Announcements(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) apiAnnouncement(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.Trading.Announcement(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) apiProjects(c echo.Context) error {
	ps, err := s.Trading.Projects(c.Request().Context(), trading.ProjectFilter{Status: c.QueryParam("status")})
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []trading.Project{}
	}
	return c.JSON(http.StatusOK, map[string]any{"projects": ps})
}

func (s *Server) apiProjectCreate(c echo.Context) error {
	var r projectRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	id, err := s.Trading.CreateProject(c.Request().Context(), r.input())
	if err != nil {
		return err
	}
	return s.apiProjectJSON(c, http.StatusCreated, id)
}

// apiProjectJSON answers with project id.
func (s *Server) apiProjectJSON(c echo.Context, status int, id int64) error {
	p, err := s.Trading.Project(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, p)
}

func (s *Server) apiProject(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.apiProjectJSON(c, http.StatusOK, id)
}

func (s *Server) apiProjectUpdate(c echo.Context) error {
	var r projectRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Trading.UpdateProject(c.Request().Context(), id, r.input()); err != nil {
		return err
	}
	return s.apiProject(c)
}

func (s *Server) apiProjectSubmit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	warns, err := s.Trading.Submit(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.apiProjectWarnings(c, id, warns)
}

// apiProjectWarnings answers with project id and the rules' warnings.
func (s *Server) apiProjectWarnings(c echo.Context, id int64, warns []trading.Finding) error {
	p, err := s.Trading.Project(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if warns == nil {
		warns = []trading.Finding{}
	}
	return c.JSON(http.StatusOK, map[string]any{"project": p, "warnings": warns})
}

type reviewRequest struct {
	Accept *bool    `json:"accept"`
	Items  []string `json:"items"`
}

func (s *Server) apiProjectReview(c echo.Context) error {
	var r reviewRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if r.Accept == nil {
		return problem.InvalidField("accept", "decision_required", "请选择受理（true）或退回（false）")
	}
	if err := s.Trading.Review(c.Request().Context(), id, *r.Accept, r.Items); err != nil {
		return err
	}
	return s.apiProject(c)
}

type publishRequest struct {
	Timeline *timelineRequest `json:"timeline"`
}

func (s *Server) apiProjectPublish(c echo.Context) error {
	var r publishRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	var tl *trading.Timeline
	if r.Timeline != nil {
		var fs []problem.Field
		t := r.Timeline.parse(&fs)
		if err := fieldsErr(fs); err != nil {
			return err
		}
		tl = &t
	}
	warns, err := s.Trading.Publish(c.Request().Context(), id, tl)
	if err != nil {
		return err
	}
	return s.apiProjectWarnings(c, id, warns)
}

type clarifyRequest struct {
	Text     string  `json:"text" form:"text"`
	Deadline string  `json:"deadline" form:"deadline"`
	Answers  []int64 `json:"answers" form:"answers"`
}

func (s *Server) clarify(c echo.Context, id int64, r clarifyRequest) (string, []string, error) {
	dl, err := trading.ParseLocalTime(r.Deadline)
	if err != nil {
		return "", nil, problem.InvalidField("deadline", "time_invalid", "时间格式不正确，应为如 2026-04-01 09:30 的北京时间")
	}
	d, warnings, err := s.Trading.Clarify(c.Request().Context(), id, r.Text, dl, r.Answers)
	if err != nil {
		return "", nil, err
	}
	return d.In(clock.Shanghai).Format("2006-01-02 15:04"), warnings, nil
}

func (s *Server) apiProjectClarify(c echo.Context) error {
	var r clarifyRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	d, warnings, err := s.clarify(c, id, r)
	if err != nil {
		return err
	}
	if warnings == nil {
		warnings = []string{}
	}
	return c.JSON(http.StatusCreated, map[string]any{"deadline": d, "warnings": warnings})
}

func (s *Server) apiQuestions(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	qs, err := s.Trading.Questions(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if qs == nil {
		qs = []trading.Question{}
	}
	return c.JSON(http.StatusOK, map[string]any{"questions": qs})
}

type askRequest struct {
	Body string `json:"body" form:"body"`
}

func (s *Server) apiAsk(c echo.Context) error {
	var r askRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	qid, err := s.Trading.Ask(c.Request().Context(), id, r.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": qid})
}

type resultRequest struct {
	Lots []struct {
		LotID   int64  `json:"lot_id"`
		Outcome string `json:"outcome"` // engineering, procurement: awarded (default), failed (废标), terminated (终止)
		Winner  string `json:"winner"`
		Price   string `json:"price"`
		Reason  string `json:"reason"`
	} `json:"lots"`
}

func (s *Server) apiProjectResult(c echo.Context) error {
	var r resultRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	var fs []problem.Field
	var res []trading.LotResult
	for i, l := range r.Lots {
		res = append(res, trading.LotResult{LotID: l.LotID, Outcome: l.Outcome, Winner: l.Winner, Reason: l.Reason,
			Price: parseAmount("lot"+strconv.Itoa(i+1)+"_award_price", "第"+strconv.Itoa(i+1)+"标段（包）中标（成交）价", l.Price, &fs)})
	}
	if err := fieldsErr(fs); err != nil {
		return err
	}
	if err := s.Trading.PublishResult(c.Request().Context(), id, res); err != nil {
		return err
	}
	return s.apiProject(c)
}

func (s *Server) apiSignups(c echo.Context) error {
	l, err := s.Trading.MySignups(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"signups": l})
}

type signUpRequest struct {
	LotID    int64  `json:"lot_id"`
	Declared []bool `json:"declared"`
}

func (s *Server) apiSignUp(c echo.Context) error {
	var r signUpRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if r.LotID <= 0 {
		return problem.InvalidField("lot_id", "required", "请指定标段（包）")
	}
	m, err := s.Trading.SignUp(c.Request().Context(), r.LotID, r.Declared)
	if err != nil {
		return err
	}
	// The busiest write of a deadline day: encoded without reflection
	// (trading/jsonfast.go), the same bytes as c.JSON less its newline
	// (and never indented for ?pretty).
	b, err := m.AppendJSON(make([]byte, 0, 512))
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusCreated, b)
}

func (s *Server) apiSignup(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.Trading.MySignup(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

type depositRequest struct {
	Method    string `json:"method" form:"method"`
	Reference string `json:"reference" form:"reference"`
}

func (s *Server) apiDeposit(c echo.Context) error {
	var r depositRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Trading.RecordDeposit(c.Request().Context(), id, r.Method, r.Reference); err != nil {
		return err
	}
	return s.apiSignup(c)
}

type checkRequest struct {
	Result string `json:"result" form:"result"`
	Note   string `json:"note" form:"note"`
}

func (s *Server) apiDepositCheck(c echo.Context) error {
	var r checkRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Trading.CheckDeposit(c.Request().Context(), id, r.Result); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiRefund(c echo.Context) error {
	var r checkRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Trading.MarkRefunded(c.Request().Context(), id, r.Note); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiRefunds(c echo.Context) error {
	l, err := s.Trading.RefundsDue(c.Request().Context())
	if err != nil {
		return err
	}
	notices, err := s.Trading.RefundNotices(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"refunds": l, "notices": notices})
}

// receiveBid streams the "file" part of a multipart upload into the
// service; a "replace" field before it (or ?replace=) names the file it
// replaces. Nothing is buffered beyond a chunk.
func (s *Server) receiveBid(c echo.Context, lotID int64) (*trading.Receipt, error) {
	if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		return nil, problem.InvalidField("file", "multipart_required", "请以 multipart/form-data 上传文件（字段名 file）")
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, problem.InvalidField("file", "multipart_required", "请以 multipart/form-data 上传文件（字段名 file）")
	}
	var replace int64
	if q := c.QueryParam("replace"); q != "" {
		if replace, err = strconv.ParseInt(q, 10, 64); err != nil {
			return nil, problem.InvalidField("replace", "replace_invalid", "要替换的文件编号不正确")
		}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, problem.InvalidField("file", "file_required", "请选择要上传的文件")
		}
		if err != nil {
			return nil, problem.InvalidField("file", "upload_incomplete", "上传中断，文件未保存，请重新上传")
		}
		switch part.FormName() {
		case "replace":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			if v := strings.TrimSpace(string(b)); v != "" {
				if replace, err = strconv.ParseInt(v, 10, 64); err != nil {
					return nil, problem.InvalidField("replace", "replace_invalid", "要替换的文件编号不正确")
				}
			}
		case "file":
			return s.Trading.SubmitBid(c.Request().Context(), lotID, part.FileName(), part, replace)
		}
		part.Close()
	}
}

func (s *Server) apiBidUpload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.receiveBid(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, rec)
}

func (s *Server) apiBidReceipt(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.Trading.MyReceipt(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

func (s *Server) apiBidWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.WithdrawBid(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiLotOpening(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.Trading.LotOpening(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) apiRules(c echo.Context) error {
	rs, err := s.Trading.Rules(c.Request().Context(), c.QueryParam("locality"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rs)
}

type ruleRequest struct {
	DayKind string `json:"day_kind" form:"day_kind"`
	Days    int    `json:"days" form:"days"`
	Rate    string `json:"rate" form:"rate"`
	Action  string `json:"action" form:"action"`
	Note    string `json:"note" form:"note"`
}

// change is the rule change asked for.
func (r ruleRequest) change(locality, ruleID string) trading.RuleChange {
	return trading.RuleChange{Locality: locality, RuleID: ruleID, DayKind: r.DayKind, Days: r.Days, Rate: r.Rate, Action: r.Action, Note: r.Note}
}

func (s *Server) apiRuleChange(c echo.Context) error {
	var r ruleRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if _, err := s.Trading.ChangeRule(c.Request().Context(), r.change(c.Param("locality"), c.Param("rule"))); err != nil {
		return err
	}
	rs, err := s.Trading.Rules(c.Request().Context(), c.Param("locality"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rs)
}

func (s *Server) apiProjectWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.WithdrawSubmission(c.Request().Context(), id); err != nil {
		return err
	}
	return s.apiProjectWarnings(c, id, nil)
}

func (s *Server) apiProjectDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.DeleteDraft(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type terminateRequest struct {
	Reason string `json:"reason" form:"reason"`
}

func (s *Server) apiProjectTerminate(c echo.Context) error {
	var r terminateRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	res, err := s.Trading.Terminate(c.Request().Context(), id, r.Reason)
	if err != nil {
		return err
	}
	p, err := s.Trading.Project(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"project": p, "termination": res})
}
