package web

import (
	"bytes"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ggzy/expertpool"
	"ggzy/problem"
)

// expertRequest is the registry form and JSON body.
type expertRequest struct {
	Name          string              `form:"name" json:"name"`
	IDNumber      string              `form:"id_number" json:"id_number"`
	Phone         string              `form:"phone" json:"phone"`
	EmployerOrgID int64               `form:"employer_org_id" json:"employer_org_id"`
	EmployerName  string              `form:"employer_name" json:"employer_name"`
	Category      string              `form:"category" json:"category"`
	Title         string              `form:"title" json:"title"`
	TitleLevel    string              `form:"title_level" json:"title_level"`
	YearsInField  int                 `form:"years_in_field" json:"years_in_field"`
	BirthDate     string              `form:"birth_date" json:"birth_date"`
	Region        string              `form:"region" json:"region"`
	Status        string              `form:"status" json:"status"`
	Specialties   []string            `form:"specialties" json:"specialties"`
	UserID        int64               `form:"user_id" json:"user_id"`
	Employments   []employmentRequest `form:"-" json:"employments"`
}

type employmentRequest struct {
	OrgID     int64  `form:"org_id" json:"org_id"`
	OrgName   string `form:"org_name" json:"org_name"`
	StartedOn string `form:"started_on" json:"started_on"`
	EndedOn   string `form:"ended_on" json:"ended_on"`
}

func (r expertRequest) input() expertpool.ExpertInput {
	in := expertpool.ExpertInput{Name: r.Name, IDNumber: r.IDNumber, Phone: r.Phone, EmployerOrgID: r.EmployerOrgID, EmployerName: r.EmployerName,
		Category: r.Category, Title: r.Title, TitleLevel: r.TitleLevel, YearsInField: r.YearsInField, BirthDate: r.BirthDate, Region: r.Region,
		Status: r.Status, Specialties: r.Specialties, UserID: r.UserID}
	for _, e := range r.Employments {
		in.Employments = append(in.Employments, expertpool.EmploymentInput(e))
	}
	return in
}

func (r expertRequest) form() map[string]string {
	return map[string]string{"name": r.Name, "phone": r.Phone, "employer_name": r.EmployerName, "category": r.Category, "title": r.Title,
		"title_level": r.TitleLevel, "years_in_field": strconv.Itoa(r.YearsInField), "birth_date": r.BirthDate, "region": r.Region,
		"status": r.Status, "specialties": strings.Join(r.Specialties, ",")}
}

type leaveRequest struct {
	Start  string `form:"start" json:"start"`
	End    string `form:"end" json:"end"`
	Reason string `form:"reason" json:"reason"`
}

type penaltyRequest struct {
	DecidedOn string `form:"decided_on" json:"decided_on"`
	UntilOn   string `form:"until_on" json:"until_on"`
	Reason    string `form:"reason" json:"reason"`
}

type declarationRequest struct {
	Kind    string `form:"kind" json:"kind"`
	OrgID   int64  `form:"org_id" json:"org_id"`
	OrgName string `form:"org_name" json:"org_name"`
	Detail  string `form:"detail" json:"detail"`
}

type profileRequest struct {
	Phone         string `form:"phone" json:"phone"`
	Title         string `form:"title" json:"title"`
	EmployerName  string `form:"employer_name" json:"employer_name"`
	EmployerOrgID int64  `form:"employer_org_id" json:"employer_org_id"`
}

// apiExpert is an expert in JSON: the ID number only masked.
type apiExpert struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name"`
	IDMasked      string           `json:"id_number_masked"`
	Phone         string           `json:"phone"`
	EmployerOrgID int64            `json:"employer_org_id,omitempty"`
	EmployerName  string           `json:"employer_name"`
	Category      string           `json:"category"`
	Title         string           `json:"title"`
	TitleLevel    string           `json:"title_level"`
	Senior        bool             `json:"senior_title"`
	YearsInField  int              `json:"years_in_field"`
	BirthDate     string           `json:"birth_date"`
	Region        string           `json:"region"`
	Status        string           `json:"status"`
	Specialties   []string         `json:"specialties"`
	UserID        int64            `json:"user_id,omitempty"`
	Employments   []map[string]any `json:"employments,omitempty"`
	Leaves        []map[string]any `json:"leaves,omitempty"`
	Penalties     []map[string]any `json:"penalties,omitempty"`
	Declarations  []map[string]any `json:"declarations,omitempty"`
}

func dateOrEmpty(t time.Time, valid bool) string {
	if !valid {
		return ""
	}
	return t.Format("2006-01-02")
}

func toAPIExpert(e *expertpool.Expert) apiExpert {
	out := apiExpert{ID: e.ID, Name: e.Name, IDMasked: e.IDMasked, Phone: e.Phone, EmployerOrgID: e.EmployerOrgID.Int64, EmployerName: e.EmployerName,
		Category: e.Category, Title: e.Title, TitleLevel: e.TitleLevel, Senior: e.Senior, YearsInField: e.YearsInField,
		BirthDate: e.BirthDate.Format("2006-01-02"), Region: e.Region, Status: e.Status, Specialties: e.Specialties, UserID: e.UserID.Int64}
	if out.Specialties == nil {
		out.Specialties = []string{}
	}
	for _, x := range e.Employments {
		out.Employments = append(out.Employments, map[string]any{"id": x.ID, "org_id": x.OrgID.Int64, "org_name": x.OrgName,
			"started_on": x.StartedOn.Format("2006-01-02"), "ended_on": dateOrEmpty(x.EndedOn.Time, x.EndedOn.Valid)})
	}
	for _, x := range e.Leaves {
		out.Leaves = append(out.Leaves, map[string]any{"id": x.ID, "starts_at": x.StartsAt, "ends_at": x.EndsAt, "reason": x.Reason})
	}
	for _, x := range e.Penalties {
		out.Penalties = append(out.Penalties, map[string]any{"id": x.ID, "decided_on": x.DecidedOn.Format("2006-01-02"),
			"until_on": dateOrEmpty(x.UntilOn.Time, x.UntilOn.Valid), "reason": x.Reason})
	}
	for _, x := range e.Declarations {
		out.Declarations = append(out.Declarations, map[string]any{"id": x.ID, "kind": x.Kind, "org_id": x.OrgID.Int64, "org_name": x.OrgName, "detail": x.Detail})
	}
	return out
}

// ---- pages ----

func (s *Server) expertsList(c echo.Context) error {
	ctx := c.Request().Context()
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	f := expertpool.ExpertFilter{Query: c.QueryParam("q"), Specialty: c.QueryParam("specialty"), Status: c.QueryParam("status"), AfterID: after}
	list, err := s.Experts.ListExperts(ctx, f)
	if err != nil {
		return err
	}
	specs, err := s.Experts.Specialties(ctx)
	if err != nil {
		return err
	}
	next := int64(0)
	if len(list) == 50 {
		next = list[len(list)-1].ID
	}
	return s.render(c, http.StatusOK, "experts_list", "专家库", map[string]any{"Experts": list, "Specs": specs, "Filter": f, "Next": next,
		"Statuses": expertpool.StatusNames})
}

func (s *Server) expertFormPage(c echo.Context, status int, p *Page, e *expertpool.Expert, err error) error {
	specs, lerr := s.Experts.Specialties(c.Request().Context())
	if lerr != nil {
		return lerr
	}
	p.Title = "登记评标专家"
	if e != nil {
		p.Title = "修改专家信息"
	}
	p.Data = expertFormData(e, specs)
	if err != nil {
		return s.formError(c, err, "experts_form", p)
	}
	return s.renderPage(c, status, "experts_form", p)
}

// expertFormData is what the expert form and detail pages show besides the form.
func expertFormData(e *expertpool.Expert, specs expertpool.Specialties) map[string]any {
	return map[string]any{"Expert": e, "Specs": specs, "Levels": expertpool.TitleLevels, "Categories": expertpool.CategoryNames,
		"Statuses": expertpool.StatusNames}
}

func (s *Server) expertsNew(c echo.Context) error {
	return s.expertFormPage(c, http.StatusOK, &Page{Form: map[string]string{}}, nil, nil)
}

func (s *Server) expertsCreate(c echo.Context) error {
	var r expertRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	id, err := s.Experts.CreateExpert(c.Request().Context(), r.input())
	if err != nil {
		return s.expertFormPage(c, http.StatusOK, &Page{Form: r.form()}, nil, err)
	}
	return s.redirectFlash(c, "/experts/"+strconv.FormatInt(id, 10), "专家已登记")
}

func (s *Server) expertsShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.expertDetail(c, id, &Page{}, nil)
}

func (s *Server) expertDetail(c echo.Context, id int64, p *Page, ferr error) error {
	ctx := c.Request().Context()
	e, err := s.Experts.Expert(ctx, id)
	if err != nil {
		return err
	}
	specs, err := s.Experts.Specialties(ctx)
	if err != nil {
		return err
	}
	p.Title = "专家：" + e.Name
	p.Data = expertFormData(e, specs)
	if p.Form == nil || p.Form["sub"] != "" {
		form := map[string]string{"name": e.Name, "phone": e.Phone, "employer_name": e.EmployerName, "category": e.Category, "title": e.Title,
			"title_level": e.TitleLevel, "years_in_field": strconv.Itoa(e.YearsInField), "region": e.Region, "status": e.Status,
			"specialties": strings.Join(e.Specialties, ",")}
		for k, v := range p.Form { // a refused small form: its values, "sub.<field>"
			form[k] = v
		}
		p.Form = form
	}
	if ferr != nil {
		return s.formError(c, ferr, "experts_detail", p)
	}
	return s.renderPage(c, http.StatusOK, "experts_detail", p)
}

// expertSubFields are the fields of the detail page's small forms: a
// refused one is shown again with what was typed and its messages beside
// its own fields (the forms share field names such as reason and org_id).
var expertSubFields = map[string][]string{
	"leave":       {"start", "end", "reason"},
	"penalty":     {"decided_on", "until_on", "reason"},
	"declaration": {"kind", "org_id", "org_name", "detail"},
	"employment":  {"org_id", "org_name", "started_on", "ended_on"},
}

func (s *Server) expertsUpdate(c echo.Context) error {
	var r expertRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Experts.UpdateExpert(c.Request().Context(), id, r.input()); err != nil {
		return s.expertDetail(c, id, &Page{Form: r.form()}, err)
	}
	return s.redirectFlash(c, "/experts/"+strconv.FormatInt(id, 10), "已保存")
}

// expertSub handles the small forms on the detail page.
func (s *Server) expertSub(c echo.Context, sub string, req any, do func(id int64) (int64, error), msg string) error {
	id, err := bindPathID(c, req)
	if err != nil {
		return err
	}
	if _, err := do(id); err != nil {
		form := map[string]string{"sub": sub}
		for _, f := range expertSubFields[sub] {
			form["sub."+f] = c.FormValue(f)
		}
		return s.expertDetail(c, id, &Page{Form: form}, err)
	}
	return s.redirectFlash(c, "/experts/"+strconv.FormatInt(id, 10), msg)
}

func (s *Server) expertsAddLeave(c echo.Context) error {
	var r leaveRequest
	return s.expertSub(c, "leave", &r, func(id int64) (int64, error) {
		return s.Experts.AddLeave(c.Request().Context(), id, expertpool.LeaveInput(r))
	}, "请假已登记")
}

func (s *Server) expertsAddPenalty(c echo.Context) error {
	var r penaltyRequest
	return s.expertSub(c, "penalty", &r, func(id int64) (int64, error) {
		return s.Experts.AddPenalty(c.Request().Context(), id, expertpool.PenaltyInput(r))
	}, "处理记录已登记")
}

func (s *Server) expertsAddDeclaration(c echo.Context) error {
	var r declarationRequest
	return s.expertSub(c, "declaration", &r, func(id int64) (int64, error) {
		return s.Experts.AddDeclaration(c.Request().Context(), id, expertpool.DeclarationInput(r))
	}, "申报已登记")
}

func (s *Server) expertsAddEmployment(c echo.Context) error {
	var r employmentRequest
	return s.expertSub(c, "employment", &r, func(id int64) (int64, error) {
		return s.Experts.AddEmployment(c.Request().Context(), id, expertpool.EmploymentInput(r))
	}, "任职经历已登记")
}

func (s *Server) expertsMePage(c echo.Context, p *Page, ferr error) error {
	e, err := s.Experts.MyProfile(c.Request().Context())
	if err != nil {
		return err
	}
	specs, err := s.Experts.Specialties(c.Request().Context())
	if err != nil {
		return err
	}
	p.Title = "我的专家信息"
	p.Data = map[string]any{"Expert": e, "Specs": specs}
	if p.Form == nil || p.Form["sub"] != "" {
		form := map[string]string{"phone": e.Phone, "title": e.Title, "employer_name": e.EmployerName}
		for k, v := range p.Form { // a refused leave: what was typed
			form[k] = v
		}
		p.Form = form
	}
	if ferr != nil {
		return s.formError(c, ferr, "experts_me", p)
	}
	return s.renderPage(c, http.StatusOK, "experts_me", p)
}

func (s *Server) expertsMe(c echo.Context) error { return s.expertsMePage(c, &Page{}, nil) }

func (s *Server) expertsMeUpdate(c echo.Context) error {
	var r profileRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if err := s.Experts.UpdateMyProfile(c.Request().Context(), expertpool.ProfileInput(r)); err != nil {
		return s.expertsMePage(c, &Page{Form: map[string]string{"phone": r.Phone, "title": r.Title, "employer_name": r.EmployerName}}, err)
	}
	return s.redirectFlash(c, "/experts/me", "已保存")
}

func (s *Server) expertsMeLeave(c echo.Context) error {
	var r leaveRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if _, err := s.Experts.AddMyLeave(c.Request().Context(), expertpool.LeaveInput(r)); err != nil {
		return s.expertsMePage(c, &Page{Form: map[string]string{"sub": "leave", "sub.start": r.Start, "sub.end": r.End, "sub.reason": r.Reason}}, err)
	}
	return s.redirectFlash(c, "/experts/me", "请假已登记")
}

// ---- import ----

// maxImportBytes bounds an import file (100,000 rows of CSV are ~12 MB).
const maxImportBytes = 64 << 20

func (s *Server) expertsImportPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "experts_import", "批量导入专家", map[string]any{"Key": newProgressKey()})
}

func newProgressKey() string {
	return strconv.FormatInt(time.Now().UnixNano(), 36)
}

// readImport takes the uploaded file from a multipart form ("file") or, for
// the API, from the raw body with ?format=csv|xlsx.
func readImport(c echo.Context) (body []byte, name, kind string, err error) {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxImportBytes)
	if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		fh, ferr := c.FormFile("file")
		if ferr != nil {
			return nil, "", "", problem.InvalidField("file", "file_required", "请选择要导入的文件（不超过64MB）")
		}
		f, oerr := fh.Open()
		if oerr != nil {
			return nil, "", "", oerr
		}
		defer f.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(f); err != nil {
			return nil, "", "", err
		}
		name = fh.Filename
		body = buf.Bytes()
	} else {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(req.Body); err != nil {
			return nil, "", "", problem.New(problem.TooLarge, "body_too_large", "文件超过64MB")
		}
		body, name = buf.Bytes(), c.QueryParam("name")
	}
	kind = c.QueryParam("format")
	if kind == "" {
		kind = strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
	}
	if kind != "csv" && kind != "xlsx" {
		return nil, "", "", problem.InvalidField("file", "file_kind", "只能导入 .xlsx 或 .csv 文件")
	}
	return body, name, kind, nil
}

func (s *Server) expertsImportSubmit(c echo.Context) error {
	body, name, kind, err := readImport(c)
	if err != nil {
		if _, ok := problem.As(err); ok {
			return s.formError(c, err, "experts_import", &Page{Title: "批量导入专家", Data: map[string]any{"Key": newProgressKey()}})
		}
		return err
	}
	opts := expertpool.ImportOptions{OnlyValid: c.FormValue("only_valid") == "1", ProgressKey: c.QueryParam("progress")}
	rep, err := s.Experts.Import(c.Request().Context(), bytes.NewReader(body), name, kind, opts)
	if err != nil {
		return s.formError(c, err, "experts_import", &Page{Title: "批量导入专家", Data: map[string]any{"Key": newProgressKey()}})
	}
	status := http.StatusOK
	if rep.Rejected {
		status = http.StatusBadRequest
	}
	return s.renderPage(c, status, "experts_import", &Page{Title: "批量导入专家", Data: map[string]any{"Report": rep, "Key": newProgressKey()}})
}

func (s *Server) expertsImportProgress(c echo.Context) error {
	p, ok := s.Experts.Progress(c.QueryParam("key"))
	if !ok {
		return problem.New(problem.NotFound, "import_not_found", "没有该导入任务")
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) expertsTemplateXLSX(c echo.Context) error {
	specs, err := s.Experts.Specialties(c.Request().Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := expertpool.TemplateXLSX(&buf, specs); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="expert-import-template.xlsx"`)
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

func (s *Server) expertsTemplateCSV(c echo.Context) error {
	var buf bytes.Buffer
	if err := expertpool.TemplateCSV(&buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="expert-import-template.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// ---- one-time reply links (public) ----

type replyRequest struct {
	Decision string `form:"decision" json:"-"`
	Accept   *bool  `form:"-" json:"accept"`
	Note     string `form:"note" json:"note"`
}

func (r replyRequest) accept() (bool, error) {
	if r.Accept != nil {
		return *r.Accept, nil
	}
	switch r.Decision {
	case "confirm":
		return true, nil
	case "decline":
		return false, nil
	}
	return false, problem.InvalidField("accept", "decision_required", "请选择参加或不参加")
}

func (s *Server) expertsReplyPage(c echo.Context) error {
	inv, err := s.Experts.Invitation(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "experts_reply", "评标邀请", map[string]any{"Inv": inv, "Token": c.Param("token"),
		"States": expertpool.MemberStateNames})
}

func (s *Server) expertsReplySubmit(c echo.Context) error {
	var r replyRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	ok, err := r.accept()
	if err == nil {
		err = s.Experts.Reply(c.Request().Context(), c.Param("token"), ok, r.Note)
	}
	if err != nil {
		return err
	}
	msg := "已确认参加，请按时到场签到"
	if !ok {
		msg = "已记录您不能参加，感谢答复"
	}
	return s.render(c, http.StatusOK, "experts_reply", "评标邀请", map[string]any{"Done": msg})
}

// ---- JSON API ----

func (s *Server) apiSpecialties(c echo.Context) error {
	specs, err := s.Experts.Specialties(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"specialties": specs})
}

func (s *Server) apiExpertList(c echo.Context) error {
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	list, err := s.Experts.ListExperts(c.Request().Context(), expertpool.ExpertFilter{Query: c.QueryParam("q"), Specialty: c.QueryParam("specialty"),
		Status: c.QueryParam("status"), AfterID: after, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]apiExpert, len(list))
	for i := range list {
		out[i] = toAPIExpert(&list[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"experts": out})
}

func (s *Server) apiExpertJSON(c echo.Context, status int, id int64) error {
	e, err := s.Experts.Expert(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPIExpert(e))
}

func (s *Server) apiExpertCreate(c echo.Context) error {
	var r expertRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	id, err := s.Experts.CreateExpert(c.Request().Context(), r.input())
	if err != nil {
		return err
	}
	return s.apiExpertJSON(c, http.StatusCreated, id)
}

func (s *Server) apiExpertGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.apiExpertJSON(c, http.StatusOK, id)
}

func (s *Server) apiExpertUpdate(c echo.Context) error {
	var r expertRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	if err := s.Experts.UpdateExpert(c.Request().Context(), id, r.input()); err != nil {
		return err
	}
	return s.apiExpertJSON(c, http.StatusOK, id)
}

func (s *Server) apiExpertSub(c echo.Context, req any, do func(id int64) (int64, error)) error {
	id, err := bindPathID(c, req)
	if err != nil {
		return err
	}
	rid, err := do(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": rid, "expert_id": id})
}

func (s *Server) apiExpertLeave(c echo.Context) error {
	var r leaveRequest
	return s.apiExpertSub(c, &r, func(id int64) (int64, error) {
		return s.Experts.AddLeave(c.Request().Context(), id, expertpool.LeaveInput(r))
	})
}

func (s *Server) apiExpertPenalty(c echo.Context) error {
	var r penaltyRequest
	return s.apiExpertSub(c, &r, func(id int64) (int64, error) {
		return s.Experts.AddPenalty(c.Request().Context(), id, expertpool.PenaltyInput(r))
	})
}

func (s *Server) apiExpertDeclaration(c echo.Context) error {
	var r declarationRequest
	return s.apiExpertSub(c, &r, func(id int64) (int64, error) {
		return s.Experts.AddDeclaration(c.Request().Context(), id, expertpool.DeclarationInput(r))
	})
}

func (s *Server) apiExpertEmployment(c echo.Context) error {
	var r employmentRequest
	return s.apiExpertSub(c, &r, func(id int64) (int64, error) {
		return s.Experts.AddEmployment(c.Request().Context(), id, expertpool.EmploymentInput(r))
	})
}

func (s *Server) apiExpertMe(c echo.Context) error {
	e, err := s.Experts.MyProfile(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIExpert(e))
}

func (s *Server) apiExpertMeUpdate(c echo.Context) error {
	var r profileRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	if err := s.Experts.UpdateMyProfile(c.Request().Context(), expertpool.ProfileInput(r)); err != nil {
		return err
	}
	return s.apiExpertMe(c)
}

func (s *Server) apiExpertMeLeave(c echo.Context) error {
	var r leaveRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	id, err := s.Experts.AddMyLeave(c.Request().Context(), expertpool.LeaveInput(r))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) apiExpertImport(c echo.Context) error {
	body, name, kind, err := readImport(c)
	if err != nil {
		return err
	}
	opts := expertpool.ImportOptions{OnlyValid: c.QueryParam("only_valid") == "true" || c.QueryParam("only_valid") == "1",
		ProgressKey: c.QueryParam("progress")}
	rep, err := s.Experts.Import(c.Request().Context(), bytes.NewReader(body), name, kind, opts)
	if err != nil {
		return err
	}
	if rep.Rejected {
		return c.JSON(http.StatusBadRequest, map[string]any{"error": apiErrorBody{Code: "import_has_errors",
			Message:   "有" + strconv.Itoa(rep.Bad) + "行不符合要求，未导入任何数据；修改后重新导入，或选择只导入通过校验的行",
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}, "report": rep})
	}
	return c.JSON(http.StatusCreated, rep)
}

func (s *Server) apiExpertImportProgress(c echo.Context) error {
	p, ok := s.Experts.Progress(c.Param("key"))
	if !ok {
		return problem.New(problem.NotFound, "import_not_found", "没有该导入任务")
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) apiExpertReply(c echo.Context) error {
	var r replyRequest
	if err := c.Bind(&r); err != nil {
		return err
	}
	ok, err := r.accept()
	if err != nil {
		return err
	}
	if err := s.Experts.Reply(c.Request().Context(), c.Param("token"), ok, r.Note); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"accepted": ok})
}
