package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/expertpool"
	"ggzy/minutes"
	"ggzy/money"
	"ggzy/problem"
	"ggzy/trading"
)

// drawRequest is the draw request form and JSON body. Times are RFC 3339 or
// Shanghai "2006-01-02 15:04".
type drawRequest struct {
	ProjectID        int64              `json:"project_id"`
	LotID            int64              `json:"lot_id"`
	TendererOrgID    int64              `json:"tenderer_org_id"`
	AgencyOrgID      int64              `json:"agency_org_id"`
	SupervisingOrgID int64              `json:"supervising_org_id"`
	AvoidOrgIDs      []int64            `json:"avoid_org_ids"`
	TradeKind        string             `json:"trade_kind"`
	Method           string             `json:"method"`
	BudgetFen        int64              `json:"budget_fen"`
	SessionStart     string             `json:"session_start"`
	SessionEnd       string             `json:"session_end"`
	Place            string             `json:"place"`
	TendererReps     int                `json:"tenderer_reps"`
	Region           string             `json:"region"`
	RegionRule       string             `json:"region_rule"`
	Quotas           []expertpool.Quota `json:"quotas"`

	rows []int // the page's row of each quota (drawForm)
}

func (r drawRequest) input() (expertpool.DrawRequest, error) {
	var f problem.Fields
	start, ok := expertpool.ParseLocal(r.SessionStart, false)
	if !ok {
		f.Add("session_start", "time_invalid", "评标开始时间不是有效时间（格式 2006-01-02 15:04）")
	}
	end, ok := expertpool.ParseLocal(r.SessionEnd, false)
	if !ok {
		f.Add("session_end", "time_invalid", "评标结束时间不是有效时间（格式 2006-01-02 15:04）")
	}
	return expertpool.DrawRequest{ProjectID: r.ProjectID, LotID: r.LotID, TendererOrgID: r.TendererOrgID, AgencyOrgID: r.AgencyOrgID,
		SupervisingOrgID: r.SupervisingOrgID, AvoidOrgIDs: r.AvoidOrgIDs, TradeKind: r.TradeKind, Method: r.Method, BudgetFen: r.BudgetFen,
		SessionStart: start, SessionEnd: end, Place: r.Place, TendererReps: r.TendererReps, Region: r.Region, RegionRule: r.RegionRule,
		Quotas: r.Quotas}, f.Err()
}

// drawForm is the page form: the same, with ids as text and three quota
// rows.
type drawForm struct {
	ProjectID        string   `form:"project_id"`
	LotID            string   `form:"lot_id"`
	TendererOrgID    string   `form:"tenderer_org_id"`
	AgencyOrgID      string   `form:"agency_org_id"`
	SupervisingOrgID string   `form:"supervising_org_id"`
	AvoidOrgIDs      string   `form:"avoid_org_ids"`
	TradeKind        string   `form:"trade_kind"`
	Method           string   `form:"method"`
	Budget           string   `form:"budget_fen"`
	SessionStart     string   `form:"session_start"`
	SessionEnd       string   `form:"session_end"`
	Place            string   `form:"place"`
	TendererReps     string   `form:"tenderer_reps"`
	Region           string   `form:"region"`
	RegionRule       string   `form:"region_rule"`
	QuotaSpecialty   []string `form:"quota_specialty"`
	QuotaCount       []string `form:"quota_count"`
	QuotaBackups     []string `form:"quota_backups"`
}

func (f drawForm) request() (drawRequest, error) {
	var fs problem.Fields
	num := func(field, v string) int64 {
		v = strings.TrimSpace(v)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			fs.Add(field, "not_a_number", "应填写整数")
		}
		return n
	}
	// The page takes the budget in yuan, as staff read it off the
	// documents (1,000,000 or 1000000.00); the API takes fen.
	var budget money.Fen
	if b := strings.TrimSpace(f.Budget); b != "" {
		v, err := money.Parse(b)
		fs.AddErr("budget_fen", err)
		budget = v
	}
	r := drawRequest{ProjectID: num("project_id", f.ProjectID), LotID: num("lot_id", f.LotID), TendererOrgID: num("tenderer_org_id", f.TendererOrgID),
		AgencyOrgID: num("agency_org_id", f.AgencyOrgID), SupervisingOrgID: num("supervising_org_id", f.SupervisingOrgID), TradeKind: f.TradeKind,
		Method: f.Method, BudgetFen: int64(budget), SessionStart: f.SessionStart, SessionEnd: f.SessionEnd, Place: f.Place,
		TendererReps: int(num("tenderer_reps", f.TendererReps)), Region: f.Region, RegionRule: f.RegionRule}
	for _, p := range strings.FieldsFunc(f.AvoidOrgIDs, func(r rune) bool { return r == ',' || r == ' ' || r == '，' || r == '\n' }) {
		r.AvoidOrgIDs = append(r.AvoidOrgIDs, num("avoid_org_ids", p))
	}
	for i, sp := range f.QuotaSpecialty {
		if strings.TrimSpace(sp) == "" {
			continue
		}
		q := expertpool.Quota{Specialty: sp}
		if i < len(f.QuotaCount) {
			q.Count = int(num("quotas["+strconv.Itoa(i)+"].count", f.QuotaCount[i]))
		}
		if i < len(f.QuotaBackups) {
			q.Backups = int(num("quotas["+strconv.Itoa(i)+"].backups", f.QuotaBackups[i]))
		}
		r.Quotas = append(r.Quotas, q)
		r.rows = append(r.rows, i)
	}
	return r, fs.Err()
}

// rowFields renames the fields of a refused draw request that name a quota
// by its place among the filled rows (quotas[1]…) to the page row it came
// from, so that the message stands beside the row staff filled in when an
// empty row lies before it.
func (r drawRequest) rowFields(err error) error {
	p, ok := problem.As(err)
	if !ok || len(r.rows) == 0 {
		return err
	}
	out := *p
	out.Fields = make([]problem.Field, len(p.Fields))
	for i, f := range p.Fields {
		if rest, ok := strings.CutPrefix(f.Name, "quotas["); ok {
			if n, tail, ok := strings.Cut(rest, "]"); ok {
				if k, err := strconv.Atoi(n); err == nil && k >= 0 && k < len(r.rows) {
					f.Name = "quotas[" + strconv.Itoa(r.rows[k]) + "]" + tail
				}
			}
		}
		out.Fields[i] = f
	}
	return &out
}

func (f drawForm) values() map[string]string {
	m := map[string]string{"project_id": f.ProjectID, "lot_id": f.LotID, "tenderer_org_id": f.TendererOrgID, "agency_org_id": f.AgencyOrgID,
		"supervising_org_id": f.SupervisingOrgID, "avoid_org_ids": f.AvoidOrgIDs, "trade_kind": f.TradeKind, "method": f.Method,
		"budget_fen": f.Budget, "session_start": f.SessionStart, "session_end": f.SessionEnd, "place": f.Place, "tenderer_reps": f.TendererReps,
		"region": f.Region, "region_rule": f.RegionRule}
	for i := range f.QuotaSpecialty {
		m["quota_specialty"+strconv.Itoa(i)] = f.QuotaSpecialty[i]
		if i < len(f.QuotaCount) {
			m["quota_count"+strconv.Itoa(i)] = f.QuotaCount[i]
		}
		if i < len(f.QuotaBackups) {
			m["quota_backups"+strconv.Itoa(i)] = f.QuotaBackups[i]
		}
	}
	return m
}

// runRequest carries the witnesses' numbers.
type runRequest struct {
	Sources []string `json:"sources"`
}

func (s *Server) drawsList(c echo.Context) error {
	list, err := s.Experts.ListDraws(c.Request().Context(), expertpool.DrawFilter{Status: c.QueryParam("status")})
	if err != nil {
		return err
	}
	// The project and lot by name, once per lot.
	names := map[int64]minutes.Project{}
	for _, d := range list {
		if _, ok := names[d.LotID]; !ok {
			names[d.LotID], _ = s.drawProjectNames(c.Request().Context(), d.ProjectID, d.LotID)
		}
	}
	return s.render(c, http.StatusOK, "experts_draws", "专家抽取", map[string]any{"Draws": list, "Statuses": expertpool.DrawStatusNames, "Names": names})
}

// drawChoice is one entry of the draw form's lists: the id staff type and
// what it names.
type drawChoice struct {
	ID    int64
	Label string
}

// drawLotChoice is a lot open for an expert draw, with its project.
type drawLotChoice struct {
	drawChoice
	ProjectID    int64
	ProjectLabel string
}

// drawChoices lists what the draw form asks for by number: the lots of the
// published engineering and procurement projects, and the active
// organisations, so that staff pick them by name.
func (s *Server) drawChoices(c echo.Context) ([]drawLotChoice, []drawChoice, error) {
	ctx := c.Request().Context()
	var lots []drawLotChoice
	if s.Trading != nil {
		ps, err := s.Trading.Projects(ctx, trading.ProjectFilter{Status: trading.StatusPublished, Limit: 100})
		if err != nil {
			return nil, nil, err
		}
		for _, p := range ps {
			if p.Kind != expertpool.KindEngineering && p.Kind != expertpool.KindProcurement || p.Method == trading.MethodFixedPrice {
				continue
			}
			full, err := s.Trading.Project(ctx, p.ID)
			if err != nil {
				return nil, nil, err
			}
			label := strings.TrimSpace(p.Code + " " + p.Title)
			for _, l := range full.Lots {
				lots = append(lots, drawLotChoice{drawChoice: drawChoice{ID: l.ID, Label: label + " · " + l.Name}, ProjectID: p.ID, ProjectLabel: label})
			}
		}
	}
	var orgs []drawChoice
	if s.Accounts != nil {
		list, err := s.Accounts.ListOrganisations(ctx, accounts.OrgFilter{Status: "active"})
		if err != nil {
			return nil, nil, err
		}
		for _, o := range list {
			orgs = append(orgs, drawChoice{ID: o.ID, Label: o.Name})
		}
	}
	return lots, orgs, nil
}

// drawProjects are the projects of the lots, once each.
func drawProjects(lots []drawLotChoice) []drawChoice {
	var out []drawChoice
	seen := map[int64]bool{}
	for _, l := range lots {
		if !seen[l.ProjectID] {
			seen[l.ProjectID] = true
			out = append(out, drawChoice{ID: l.ProjectID, Label: l.ProjectLabel})
		}
	}
	return out
}

func (s *Server) drawNewPage(c echo.Context, p *Page, ferr error) error {
	specs, err := s.Experts.Specialties(c.Request().Context())
	if err != nil {
		return err
	}
	lots, orgs, err := s.drawChoices(c)
	if err != nil {
		return err
	}
	p.Title = "申请专家抽取"
	p.Data = map[string]any{"Specs": specs, "Rows": []int{0, 1, 2}, "Lots": lots, "Projects": drawProjects(lots), "Orgs": orgs}
	if p.Form == nil {
		p.Form = map[string]string{"trade_kind": expertpool.KindEngineering, "region_rule": expertpool.RegionAny, "tenderer_reps": "0"}
	}
	if ferr != nil {
		return s.formError(c, ferr, "experts_draw_new", p)
	}
	return s.renderPage(c, http.StatusOK, "experts_draw_new", p)
}

func (s *Server) drawsNew(c echo.Context) error { return s.drawNewPage(c, &Page{}, nil) }

func (s *Server) drawsCreate(c echo.Context) error {
	var f drawForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	r, err := f.request()
	var res *expertpool.PrepareResult
	if err == nil {
		var in expertpool.DrawRequest
		if in, err = r.input(); err == nil {
			res, err = s.Experts.Prepare(c.Request().Context(), in)
		}
		err = r.rowFields(err)
	}
	if err != nil {
		return s.drawNewPage(c, &Page{Form: f.values()}, err)
	}
	return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(res.DrawID, 10), "候选名单已固定：请向见证人公示名单哈希和密钥承诺，再输入随机数")
}

func (s *Server) drawPage(c echo.Context, id int64, p *Page, ferr error) error {
	ctx := c.Request().Context()
	v, err := s.Experts.DrawView(ctx, id)
	if err != nil {
		return err
	}
	specs, err := s.Experts.Specialties(ctx)
	if err != nil {
		return err
	}
	names, _ := s.drawProjectNames(ctx, v.ProjectID, v.LotID)
	p.Title = "专家抽取 " + strconv.FormatInt(id, 10)
	waiting := 0
	for _, m := range v.Members {
		if m.State == expertpool.MemberNotified {
			waiting++
		}
	}
	p.Data = map[string]any{"D": v, "Specs": specs, "States": expertpool.MemberStateNames, "Statuses": expertpool.DrawStatusNames,
		"Reasons": expertpool.ExclusionNames, "Waiting": waiting, "Project": names}
	if ferr != nil {
		return s.formError(c, ferr, "experts_draw", p)
	}
	return s.renderPage(c, http.StatusOK, "experts_draw", p)
}

func (s *Server) drawsShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.drawPage(c, id, &Page{}, nil)
}

func (s *Server) drawsRun(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := c.Request().ParseForm(); err != nil {
		return err
	}
	var sources []string
	typed := map[string]string{}
	for i, v := range c.Request().PostForm["witness"] {
		typed["witness"+strconv.Itoa(i+1)] = v
		if strings.TrimSpace(v) != "" {
			sources = append(sources, v)
		}
	}
	if _, err := s.Experts.Run(c.Request().Context(), id, sources); err != nil {
		// The witnesses' numbers stay in their fields to be corrected.
		return s.drawPage(c, id, &Page{Form: typed}, err)
	}
	return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(id, 10), "抽取完成，已通知专家")
}

func (s *Server) drawsCancel(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Experts.Cancel(c.Request().Context(), id, c.FormValue("reason")); err != nil {
		return s.drawPage(c, id, &Page{Form: map[string]string{"reason": c.FormValue("reason")}}, err)
	}
	return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(id, 10), "抽取已取消，可为该标段重新固定候选名单")
}

func (s *Server) drawsPublish(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Experts.Publish(c.Request().Context(), id); err != nil {
		return s.drawPage(c, id, &Page{}, err)
	}
	return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(id, 10), "抽取结果已公布")
}

// drawsResend sends new one-time links to the members still to answer
// (a notice that failed, a lost message).
func (s *Server) drawsResend(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := s.Experts.ResendNotices(c.Request().Context(), id)
	if err != nil {
		return s.drawPage(c, id, &Page{}, err)
	}
	msg := "没有待答复的专家，未发送通知"
	if n > 0 {
		msg = "已向 " + strconv.Itoa(n) + " 名待答复的专家重新发送通知（原链接作废）"
	}
	return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(id, 10), msg)
}

// drawsSupplement is staff's 补抽 of what a committee still lacks
// (expertpool.Service.Supplement).
func (s *Server) drawsSupplement(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	nid, err := s.Experts.Supplement(c.Request().Context(), id)
	if err != nil {
		return s.drawPage(c, id, &Page{}, err)
	}
	if nid == id {
		return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(id, 10), "已通知本标段已抽取的候补专家递补，无需重新抽取")
	}
	return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(nid, 10), "已补抽："+supplementFlash(s, c, nid))
}

// supplementFlash says what became of a 补抽: run, its experts notified,
// or waiting for the witnesses' numbers.
func supplementFlash(s *Server, c echo.Context, id int64) string {
	v, err := s.Experts.DrawView(c.Request().Context(), id)
	if err == nil && v.Status == expertpool.DrawPrepared {
		return "候选名单已固定，请见证人输入随机数后抽取"
	}
	return "已随机抽取并通知专家"
}

func (s *Server) apiDrawSupplement(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	nid, err := s.Experts.Supplement(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.apiDrawJSON(c, http.StatusCreated, nid)
}

func (s *Server) drawsSignIn(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	if err := s.Experts.SignIn(c.Request().Context(), id, mid); err != nil {
		return s.drawPage(c, id, &Page{}, err)
	}
	return s.redirectFlash(c, "/expert-draws/"+strconv.FormatInt(id, 10), "已签到")
}

func (s *Server) drawsVerifyPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.Experts.Verify(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "experts_verify", "复核专家抽取", map[string]any{"V": v})
}

// ---- JSON API ----

type apiDraw struct {
	*expertpool.DrawView
	StatusName string `json:"status_name"`
}

func (s *Server) apiDrawList(c echo.Context) error {
	lot, _ := strconv.ParseInt(c.QueryParam("lot_id"), 10, 64)
	list, err := s.Experts.ListDraws(c.Request().Context(), expertpool.DrawFilter{LotID: lot, Status: c.QueryParam("status")})
	if err != nil {
		return err
	}
	if list == nil {
		list = []expertpool.Draw{}
	}
	return c.JSON(http.StatusOK, map[string]any{"draws": list})
}

func (s *Server) apiDrawCreate(c echo.Context) error {
	var r drawRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	in, err := r.input()
	if err != nil {
		return err
	}
	res, err := s.Experts.Prepare(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": res.DrawID, "pool_hash": res.PoolHash, "secret_commitment": res.Commitment,
		"pool_size": res.PoolSize, "excluded": res.Excluded, "status": expertpool.DrawPrepared})
}

func (s *Server) apiDrawJSON(c echo.Context, status int, id int64) error {
	v, err := s.Experts.DrawView(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if v.Members == nil {
		v.Members = []expertpool.MemberView{}
	}
	return c.JSON(status, apiDraw{DrawView: v, StatusName: expertpool.DrawStatusNames[v.Status]})
}

func (s *Server) apiDrawGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.apiDrawJSON(c, http.StatusOK, id)
}

func (s *Server) apiDrawRun(c echo.Context) error {
	var r runRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if _, err := s.Experts.Run(c.Request().Context(), id, r.Sources); err != nil {
		return err
	}
	return s.apiDrawJSON(c, http.StatusOK, id)
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiDrawCancel(c echo.Context) error {
	var r cancelRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Experts.Cancel(c.Request().Context(), id, r.Reason); err != nil {
		return err
	}
	return s.apiDrawJSON(c, http.StatusOK, id)
}

func (s *Server) apiDrawPublish(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Experts.Publish(c.Request().Context(), id); err != nil {
		return err
	}
	return s.apiDrawJSON(c, http.StatusOK, id)
}

func (s *Server) apiDrawResend(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := s.Experts.ResendNotices(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"sent": n})
}

func (s *Server) apiDrawSignIn(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	if err := s.Experts.SignIn(c.Request().Context(), id, mid); err != nil {
		return err
	}
	return s.apiDrawJSON(c, http.StatusOK, id)
}

func (s *Server) apiDrawVerify(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.Experts.Verify(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) apiDrawArchive(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.Experts.ArchiveOf(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="expert-draw-`+strconv.FormatInt(id, 10)+`.json"`)
	return c.JSON(http.StatusOK, a)
}
