package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/audit"
	"ggzy/problem"
	"ggzy/trading"
)

// fpNames are the lookup tables the fixed-price pages use.
func fpNames(m map[string]any) map[string]any {
	m["StatusNames"] = trading.FPStatusNames
	m["AppStatusNames"] = trading.AppStatusNames
	m["AwardStateNames"] = trading.AwardStateNames
	m["ExclusionNames"] = trading.ExclusionNames
	return m
}

func (s *Server) fpList(c echo.Context) error {
	list, err := s.FixedPrice.Selections(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "fixedprice_list", "固定价比选", fpNames(map[string]any{"List": list}))
}

// fpPage loads everything the selection page shows to the caller.
func (s *Server) fpPage(c echo.Context, id int64) (map[string]any, error) {
	ctx := c.Request().Context()
	a := audit.ActorFrom(ctx)
	room, err := s.FixedPrice.Room(ctx, id)
	if err != nil {
		return nil, err
	}
	sel := room.Selection
	d := fpNames(map[string]any{"Sel": sel, "Room": room, "WindowOpen": sel.WindowOpen(s.Clock.Now()),
		"IsStaff": a.Has(staff), "IsSupervisor": a.Has(supervisor), "IsBidder": a.Has(bidder),
		"IsOwner": a.Has(agency) && a.OrgID == sel.AgencyOrgID})
	if a.Has(staff) || a.Has(supervisor) {
		apps, err := s.FixedPrice.Applications(ctx, id)
		if err != nil {
			return nil, err
		}
		d["Apps"] = apps
	}
	if a.Has(bidder) {
		mine, err := s.FixedPrice.MyApplication(ctx, id)
		if err != nil {
			return nil, err
		}
		d["Mine"] = mine
	}
	if room.Step == 3 {
		aw, err := s.FixedPrice.Awards(ctx, id)
		if err != nil {
			return nil, err
		}
		d["Awards"] = aw
		if a.Has(bidder) && sel.CurrentRank >= 1 && sel.CurrentRank <= len(aw) {
			d["IAmCurrent"] = aw[sel.CurrentRank-1].OrgID == a.OrgID
		}
	}
	return d, nil
}

func (s *Server) fpShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.fpPage(c, id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "fixedprice_show", d["Sel"].(*trading.Selection).Title, d)
}

// fpAct runs a form action of the selection page: on success back to the
// page with a message, on a user problem the page again with the errors.
func (s *Server) fpAct(c echo.Context, selID int64, msg string, act func() error) error {
	if err := act(); err != nil {
		if _, ok := problem.As(err); !ok {
			return err
		}
		d, perr := s.fpPage(c, selID)
		if perr != nil {
			return err
		}
		form := map[string]string{}
		if params, ferr := c.FormParams(); ferr == nil {
			for k := range params {
				form[k] = params.Get(k)
			}
		}
		return s.formError(c, err, "fixedprice_show", &Page{Title: d["Sel"].(*trading.Selection).Title, Data: d, Form: form})
	}
	return s.redirectFlash(c, "/fixedprice/"+strconv.FormatInt(selID, 10), msg)
}

func (s *Server) fpNew(c echo.Context) error {
	return s.renderPage(c, http.StatusOK, "fixedprice_new", &Page{Title: "固定价比选登记", Form: map[string]string{}, Data: fpNames(map[string]any{})})
}

// selectionForm is the registration form and JSON body.
type selectionForm struct {
	Title              string   `form:"title" json:"title"`
	OwnerName          string   `form:"owner_name" json:"owner_name"`
	GovernmentInvested string   `form:"government_invested" json:"-"`
	GovInvested        *bool    `form:"-" json:"government_invested"`
	Funding            string   `form:"funding" json:"funding"`
	Site               string   `form:"site" json:"site"`
	ApprovalNo         string   `form:"approval_no" json:"approval_no"`
	ControlPrice       string   `form:"control_price" json:"control_price"`
	Rate               string   `form:"rate" json:"rate"`
	ApplyUntil         string   `form:"apply_until" json:"apply_until"`
	Place              string   `form:"place" json:"place"`
	EligibilityText    string   `form:"eligibility" json:"-"`
	Eligibility        []string `form:"-" json:"eligibility"`
	Backups            string   `form:"backups" json:"-"`
	BackupsN           *int     `form:"-" json:"backups"`
}

func (f *selectionForm) input() (trading.SelectionInput, error) {
	in := trading.SelectionInput{Title: f.Title, OwnerName: f.OwnerName, Funding: f.Funding, Site: f.Site, ApprovalNo: f.ApprovalNo,
		ControlPrice: f.ControlPrice, Rate: f.Rate, ApplyUntil: f.ApplyUntil, Place: f.Place, Eligibility: f.Eligibility, Backups: f.BackupsN}
	in.GovernmentInvested = f.GovernmentInvested == "yes" || (f.GovInvested != nil && *f.GovInvested)
	if f.EligibilityText != "" {
		in.Eligibility = strings.Split(strings.ReplaceAll(f.EligibilityText, "\r\n", "\n"), "\n")
	}
	if b := strings.TrimSpace(f.Backups); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil {
			return in, problem.InvalidField("backups", "fixedprice_backups", "候补人数应为0到20之间的整数")
		}
		in.Backups = &n
	}
	return in, nil
}

func (s *Server) fpCreate(c echo.Context) error {
	var f selectionForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	in, err := f.input()
	var id int64
	if err == nil {
		id, err = s.FixedPrice.RegisterSelection(c.Request().Context(), in)
	}
	if err != nil {
		form := map[string]string{"title": f.Title, "owner_name": f.OwnerName, "government_invested": f.GovernmentInvested, "funding": f.Funding,
			"site": f.Site, "approval_no": f.ApprovalNo, "control_price": f.ControlPrice, "rate": f.Rate, "apply_until": f.ApplyUntil,
			"place": f.Place, "eligibility": f.EligibilityText, "backups": f.Backups}
		return s.formError(c, err, "fixedprice_new", &Page{Title: "固定价比选登记", Form: form, Data: fpNames(map[string]any{})})
	}
	return s.redirectFlash(c, "/fixedprice/"+strconv.FormatInt(id, 10), "已保存。请核对定价后发布比选公告。")
}

func (s *Server) fpPublish(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.fpAct(c, id, "比选公告已发布", func() error { return s.FixedPrice.PublishSelection(c.Request().Context(), id) })
}

type applicationForm struct {
	Qualification string `form:"qualification" json:"qualification"`
	SafetyLicence string `form:"safety_licence" json:"safety_licence"`
	ManagerName   string `form:"manager_name" json:"manager_name"`
	ManagerCert   string `form:"manager_cert" json:"manager_cert"`
}

func (f applicationForm) input() trading.ApplicationInput {
	return trading.ApplicationInput{Qualification: f.Qualification, SafetyLicence: f.SafetyLicence, ManagerName: f.ManagerName, ManagerCert: f.ManagerCert}
}

func (s *Server) fpApply(c echo.Context) error {
	var f applicationForm
	id, err := bindPathID(c, &f)
	if err != nil {
		return err
	}
	return s.fpAct(c, id, "申请已提交，等待资格审查", func() error {
		_, err := s.FixedPrice.Apply(c.Request().Context(), id, f.input())
		return err
	})
}

func (s *Server) fpConfirm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.fpAct(c, id, "已确认中选，请在签约期限内签订合同", func() error { return s.FixedPrice.Confirm(c.Request().Context(), id) })
}

func (s *Server) fpDecline(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	return s.fpAct(c, id, "已放弃中选，依次递补候补", func() error { return s.FixedPrice.Decline(c.Request().Context(), id, reason) })
}

func (s *Server) fpReview(c echo.Context) error {
	appID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	selID, _ := strconv.ParseInt(c.FormValue("selection_id"), 10, 64)
	decision := c.FormValue("decision")
	act := func() error {
		if decision != "qualified" && decision != "rejected" {
			return problem.InvalidField("decision", "decision_required", "请选择审查结论：合格或不合格")
		}
		return s.FixedPrice.Review(c.Request().Context(), appID, decision == "qualified", c.FormValue("reason"))
	}
	if selID <= 0 {
		if err := act(); err != nil {
			return err
		}
		return s.redirectFlash(c, "/fixedprice", "已记录资格审查结论")
	}
	return s.fpAct(c, selID, "已记录资格审查结论", act)
}

func (s *Server) fpPrepare(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.fpAct(c, id, "入围名单已固定，承诺值已公布；请见证人录入随机数", func() error {
		_, err := s.FixedPrice.PrepareDraw(c.Request().Context(), id)
		return err
	})
}

func (s *Server) fpWitness(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.fpAct(c, id, "见证人随机数已录入", func() error {
		return s.FixedPrice.AddWitness(c.Request().Context(), id, c.FormValue("name"), c.FormValue("role"), c.FormValue("numbers"))
	})
}

func (s *Server) fpDraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.fpAct(c, id, "抽取完成，结果已公示", func() error { return s.FixedPrice.RunDraw(c.Request().Context(), id) })
}

func (s *Server) fpContract(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.fpAct(c, id, "合同已登记", func() error {
		return s.FixedPrice.RecordContract(c.Request().Context(), id, c.FormValue("contract_no"))
	})
}

// fpRevoke is staff's 取消中选资格 of a winner blacklisted (or no longer
// active) since the draw.
func (s *Server) fpRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	return s.fpAct(c, id, "已取消中选资格，依次递补候补", func() error { return s.FixedPrice.RevokeWinner(c.Request().Context(), id, reason) })
}

// fpScreen is the draw room's big screen; templates/static/fixedprice_screen.js
// reloads its content every two seconds.
func (s *Server) fpScreen(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	room, err := s.FixedPrice.Room(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "fixedprice_screen", "抽取室大屏 · "+room.Selection.Title, fpNames(map[string]any{"Room": room}))
}

// fpRecord is the 抽取记录 with the re-check.
func (s *Server) fpRecord(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	room, err := s.FixedPrice.Room(ctx, id)
	if err != nil {
		return err
	}
	d := fpNames(map[string]any{"Room": room})
	if room.Draw != nil {
		v, err := s.FixedPrice.Verify(ctx, room.Draw.ID)
		if err != nil {
			return err
		}
		d["Verify"] = v
	}
	return s.render(c, http.StatusOK, "fixedprice_record", "抽取记录 · "+room.Selection.Title, d)
}

// fpNotice is the 比选结果通知书.
func (s *Server) fpNotice(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := s.FixedPrice.Notice(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "fixedprice_notice", "比选结果通知书", fpNames(map[string]any{"N": n}))
}

func (s *Server) fpBlacklist(c echo.Context) error {
	list, err := s.FixedPrice.Blacklist(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "fixedprice_blacklist", "固定价比选黑名单", map[string]any{"List": list})
}

func (s *Server) fpBlacklistAdd(c echo.Context) error {
	orgID, _ := strconv.ParseInt(strings.TrimSpace(c.FormValue("org_id")), 10, 64)
	until, err := trading.ParseLocalTime(c.FormValue("valid_until"))
	if err == nil {
		_, err = s.FixedPrice.AddBlacklist(c.Request().Context(), orgID, c.FormValue("reason"), until)
	}
	if err != nil {
		list, lerr := s.FixedPrice.Blacklist(c.Request().Context())
		if lerr != nil {
			return lerr
		}
		return s.formError(c, err, "fixedprice_blacklist", &Page{Title: "固定价比选黑名单", Data: map[string]any{"List": list},
			Form: map[string]string{"org_id": c.FormValue("org_id"), "reason": c.FormValue("reason"), "valid_until": c.FormValue("valid_until")}})
	}
	return s.redirectFlash(c, "/staff/fixedprice/blacklist", "已列入黑名单")
}
